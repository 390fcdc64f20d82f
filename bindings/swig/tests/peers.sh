# peers.sh — sourced by the SWIG tests' and samples' scripts (POSIX sh): free ports, waiting for a
# peer to listen, dcmdump values.

# dcmdump_value KEY FILE: the first value dcmdump prints for KEY (a keyword or a tag), brackets removed.
dcmdump_value() {
  dcmdump -q +P "$1" "$2" | head -n 1 | sed -e 's/^([0-9a-f,]*) [A-Z][A-Z] //' -e 's/ *#.*$//' \
    -e 's/^\[//' -e 's/\]$//'
}
# free_port: a TCP port of 127.0.0.1 free when asked.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
# wait_port PORT PID NAME: until PORT accepts connections (10 s at most) while PID lives.
wait_port() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, socket, sys, time
port, pid, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close(); sys.exit(0)
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit(name + " exited before listening")
        time.sleep(0.05)
sys.exit(name + " did not start")
PY
}
# wait_exit PID SECONDS: until PID (a child of this shell) exits; its status, or 124 after SECONDS
# (then it is killed).
wait_exit() {
  t=0
  while kill -0 "$1" 2>/dev/null; do
    if [ "$t" -ge $(($2 * 10)) ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; return 124; fi
    sleep 0.1; t=$((t + 1))
  done
  wait "$1"
}
