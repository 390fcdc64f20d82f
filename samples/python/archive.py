"""dcmkit sample: an archive server (dcmkit.Archive) that prints each instance it stores.

    python3 archive.py [-aet AE] [--config FILE | --storage DIR] [PORT]

With --config, the archive is the one the configuration file describes (`dcmkit serve --config`'s
format); else it stores into DIR as AE (default DCMKIT). PORT overrides the file's (0 or none: a free
one). Ctrl-C or SIGTERM stops it; it then prints its counters.
"""

import argparse
import signal
import sys
import threading

import dcmkit


def on_stored(instance):
    # From the archive's worker threads: one line per stored instance.
    print("stored %s (%s) from %s in %s" % (instance.sop_instance_uid, instance.sop_class_uid,
                                             instance.calling_ae, instance.path), flush=True)


def main():
    p = argparse.ArgumentParser(prog="archive")
    p.add_argument("-aet", default="DCMKIT")
    p.add_argument("--config")
    p.add_argument("--storage")
    p.add_argument("port", type=int, nargs="?", default=0)
    a = p.parse_args()
    if not a.config and not a.storage:
        p.error("--config FILE or --storage DIR is required")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        archive = dcmkit.Archive(a.config) if a.config else dcmkit.Archive(storage=a.storage, ae_title=a.aet)
        archive.on_stored = on_stored
        with archive.start(port=a.port):
            print("archive listening on port %d (Ctrl-C stops)" % archive.port, flush=True)
            while not stop.wait(0.2):
                pass
            c = archive.counters
    except dcmkit.DicomError as e:
        print("archive: %s" % e, file=sys.stderr)
        return 1
    print("%d instance(s) stored, %d held, %d association(s) served"
          % (c["instances_stored"], c["instances_held"], c["associations_served"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
