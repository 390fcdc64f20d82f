"""web.py — a DICOMweb client with dcmkit: STOW-RS, QIDO-RS, WADO-RS.

    python3 web.py URL store FILE...              send Part 10 files (one streamed request)
    python3 web.py URL search [KEY=VALUE]...      find studies (PatientName=DOE*, StudyDate=2024-)
    python3 web.py URL retrieve STUDY_UID DIR     write the study's instances to DIR
    python3 web.py URL metadata STUDY_UID FILE    write the study's metadata (DICOM JSON) to FILE, streamed

Exit code 0 on success, 1 on failure (the message names the HTTP status and the server's reason),
2 on a usage error.
"""

import sys

import dcmkit


def main(argv):
    if len(argv) < 3:
        print("\n".join(__doc__.strip().splitlines()[2:6]), file=sys.stderr)
        return 2
    web = dcmkit.WebClient(argv[1], timeout=600)
    command, args = argv[2], argv[3:]
    try:
        if command == "store" and args:
            result = web.store(args)
            for s in result.stored:
                print("stored", s.sop_instance_uid)
            for s in result.failed:
                print("failed %s (reason 0x%04X)" % (s.sop_instance_uid, s.failure_reason))
            print("HTTP %d: %d stored, %d failed" % (result.http_status, len(result.stored), len(result.failed)))
            return 1 if result.failed else 0
        if command == "search":
            keys = dict(a.split("=", 1) for a in args)
            studies = web.search(**keys)
            for study in studies:
                print("study", study.StudyInstanceUID, study.get("PatientName", ""))
            print("%d studies" % len(studies))
            return 0
        if command == "retrieve" and len(args) == 2:
            files = web.retrieve(args[0], out=args[1],
                                 on_file=lambda f: print("received %s (%d bytes)" % (f.path, f.size)))
            print("%d instances" % len(files))
            return 0
        if command == "metadata" and len(args) == 2:
            print("metadata of %d instances in %s" % (web.metadata(args[0], out=args[1]), args[1]))
            return 0
    except dcmkit.DicomError as e:
        print("web: %s: %s" % (e.kind, e), file=sys.stderr)
        return 1
    print("usage: web.py URL store FILE... | URL search [KEY=VALUE]... | URL retrieve STUDY_UID DIR | URL metadata STUDY_UID FILE",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
