#!/bin/sh
# Runs samples/python/echo.py against DCMTK's storescp (started here on a free port, killed by PID),
# then against the closed port, where it must fail with a clear message.
# usage: test_echo.sh PYTHON ECHO_PY WORKDIR      (exit 77 = skipped: no storescp)
set -u
py=$1
prog=$2
dir=$3/sample-python-echo
if ! command -v storescp >/dev/null 2>&1; then
  echo "storescp (DCMTK) not found: sample test skipped"
  exit 77
fi
mkdir -p "$dir"
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TCP_NODELAY=1 storescp -aet STORESCP -od "$dir" "$port" >"$dir/storescp.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT
# Ready when the sample can associate (at most ~10 s).
i=0
until "$py" "$prog" -aec STORESCP 127.0.0.1 "$port" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -ge 50 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "storescp did not start:"; cat "$dir/storescp.log"; exit 1
  fi
  sleep 0.2
done

fail=0
out=$("$py" "$prog" -aet SAMPLE -aec STORESCP -n 3 127.0.0.1 "$port") || { echo "echo failed against storescp"; fail=1; }
echo "$out"
[ "$(printf '%s\n' "$out" | grep -c 'status 0x0000 (Success)')" -eq 3 ] || { echo "expected 3 successful echoes"; fail=1; }

kill "$pid"; wait "$pid" 2>/dev/null
trap - EXIT
if err=$("$py" "$prog" -aec STORESCP 127.0.0.1 "$port" 2>&1); then
  echo "echo succeeded against a closed port"; fail=1
fi
echo "$err"
printf '%s\n' "$err" | grep -q "^echo: network error: .*refused" || { echo "no clear message for a closed port"; fail=1; }
exit $fail
