#!/usr/bin/python3
"""transcode — re-encodes the pixel data of a DICOM file in another transfer syntax with the dcmkit
Python package, and writes the result.

    transcode.py [-q QUALITY] [-r RATIO] [-n NEAR] [-l] IN OUT SYNTAX

SYNTAX is a UID, a keyword or an alias: explicit, implicit, rle, jpeg, jpeg-lossless, jpegls,
jpegls-near, j2k-lossless, j2k, htj2k… -q sets the JPEG quality (1-100), -r a JPEG 2000 target
ratio, -n the JPEG-LS near-lossless error; -l allows re-encoding lossy pixel data in a lossless
syntax (refused otherwise: it would present lossy pixels as lossless).

Run from a build tree with PYTHONPATH=BUILD/python. Errors are dcmkit.DicomError subclasses whose
message says what is wrong: InvalidArgumentError for a refused re-encoding or a bad option,
UnsupportedError when no codec can do it, ParseError for a damaged file or frame.
"""

import argparse
import sys

import dcmkit


def main(argv):
    parser = argparse.ArgumentParser(prog="transcode", description=__doc__.split("\n")[1])
    parser.add_argument("-q", type=int, dest="quality", help="JPEG quality, 1-100")
    parser.add_argument("-r", type=float, dest="ratio", help="JPEG 2000 target compression ratio")
    parser.add_argument("-n", type=int, dest="near", help="JPEG-LS near-lossless error")
    parser.add_argument("-l", action="store_true", dest="lossy_to_lossless",
                        help="allow re-encoding lossy pixel data in a lossless syntax")
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("syntax")
    args = parser.parse_args(argv)

    if not dcmkit.codec_support(args.syntax).encode:
        print("transcode: this build of dcmkit cannot encode pixel data as '%s'" % args.syntax, file=sys.stderr)
        return 1
    try:
        ds = dcmkit.read(args.input, map_file=False)  # OUT may be IN: read it all before writing
    except dcmkit.DicomError as e:
        print("transcode: %s: %s" % (args.input, e), file=sys.stderr)
        return 1
    try:
        ds.transcode(args.syntax, quality=args.quality, ratio=args.ratio, near=args.near,
                     lossy_to_lossless=args.lossy_to_lossless)
    except dcmkit.DicomError as e:
        print("transcode: %s: %s" % (args.input, e), file=sys.stderr)
        return 1
    try:
        ds.save(args.output)  # in the dataset's transfer syntax: the new one
    except dcmkit.DicomError as e:
        print("transcode: %s: %s" % (args.output, e), file=sys.stderr)
        return 1
    print("%s -> %s (%s)" % (args.input, args.output, ds.transfer_syntax))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
