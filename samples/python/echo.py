#!/usr/bin/python3
"""echo — verifies a DICOM peer with C-ECHO through the dcmkit Python package.

    echo.py [-aet CALLING] [-aec CALLED] [-n COUNT] [--timeout SECONDS] HOST PORT

One association (dcmkit.connect, released when the `with` block ends), COUNT C-ECHOs on it. Exit
code 0 when every C-ECHO answered Success, 1 otherwise; a failure to connect or a rejected
association is a dcmkit.NetworkError whose message says what happened. Run from a build tree with
PYTHONPATH=BUILD/python.
"""

import argparse
import sys

import dcmkit


def main():
    p = argparse.ArgumentParser(description="C-ECHO a DICOM peer")
    p.add_argument("-aet", default="ECHOSCU", help="calling AE title (ours)")
    p.add_argument("-aec", default="ANY-SCP", help="called AE title (the peer's)")
    p.add_argument("-n", type=int, default=1, help="number of C-ECHOs")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds for each network step")
    p.add_argument("host")
    p.add_argument("port", type=int)
    a = p.parse_args()
    try:
        # contexts=[]: only Verification, which dcmkit.connect always proposes.
        with dcmkit.connect(a.host, a.port, calling=a.aet, called=a.aec, contexts=[], timeout=a.timeout) as assoc:
            ok = True
            for i in range(a.n):
                status = assoc.echo()
                print("echo %d: status 0x%04X (%s)" % (i + 1, status, "Success" if status == 0 else "failure"))
                ok = ok and status == 0
    except dcmkit.NetworkError as e:
        print("echo: %s" % e, file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
