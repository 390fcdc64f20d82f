#!/bin/sh
# Runs samples/c/echo against DCMTK's storescp (started here on a free port, killed by PID), then
# against a closed port, where it must fail with dk_last_error()'s message.
# usage: test_echo.sh ECHO WORKDIR      (exit 77 = skipped: no storescp)
set -u
prog=$1
dir=$2/sample-echo
if ! command -v storescp >/dev/null 2>&1; then
  echo "storescp (DCMTK) not found: sample test skipped"
  exit 77
fi
mkdir -p "$dir"
# A free port: ask the kernel for one (python3 when present), else pick one in a high range.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + $$ % 20000)))
TCP_NODELAY=1 storescp -aet STORESCP -od "$dir" "$port" >"$dir/storescp.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT
# Ready when the sample can associate (at most ~10 s).
i=0
until "$prog" -aec STORESCP 127.0.0.1 "$port" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -ge 100 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "storescp did not start:"; cat "$dir/storescp.log"; exit 1
  fi
  sleep 0.1
done

fail=0
out=$("$prog" -aet SAMPLE -aec STORESCP -n 3 127.0.0.1 "$port") || { echo "echo failed against storescp"; fail=1; }
echo "$out"
[ "$(printf '%s\n' "$out" | grep -c 'status 0x0000 (Success)')" -eq 3 ] || { echo "expected 3 successful echoes"; fail=1; }

kill "$pid"; wait "$pid" 2>/dev/null
trap - EXIT
if err=$("$prog" -aec STORESCP 127.0.0.1 "$port" 2>&1); then
  echo "echo succeeded against a closed port"; fail=1
fi
echo "$err"
printf '%s\n' "$err" | grep -q "^echo: network error: .*refused" || { echo "no clear message for a closed port"; fail=1; }
if "$prog" >/dev/null 2>&1; then echo "echo without arguments succeeded"; fail=1; fi
exit $fail
