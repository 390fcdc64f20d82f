#!/usr/bin/python3
"""read_tags — prints a few tags of DICOM files with the dcmkit Python package.

    read_tags.py FILE...     the tags of each file (header only: pixels are not read)
    read_tags.py             a demonstration: writes a small MR file with dcmkit, then reads it

Run from a build tree with PYTHONPATH=BUILD/python. Errors are dcmkit.DicomError subclasses whose
message says what is wrong and where (a ParseError for a damaged file, NotFoundError for a missing
one).
"""

import os
import sys
import tempfile

import dcmkit

KEYWORDS = ["PatientName", "PatientID", "StudyInstanceUID", "Modality", "Rows", "Columns",
            "PixelSpacing", "ReferencedSeriesSequence"]


def show(path):
    ds = dcmkit.read(path, stop_before_pixels=True)  # the tags we print come before the pixels
    print("%-26s %s" % ("TransferSyntaxUID", ds.transfer_syntax))
    for keyword in KEYWORDS:
        value = ds.get(keyword)
        if value is None and keyword not in ds:
            value = "(absent)"
        elif isinstance(value, list) and value and isinstance(value[0], dcmkit.Dataset):
            value = "%d item(s): %s" % (len(value), ", ".join(i.get("SeriesInstanceUID", "?") for i in value))
        print("%-26s %s" % (keyword, value))
    print("%-26s %d" % ("elements", len(ds)))
    return ds


def demo():
    """Writes an MR image header with a sequence, in UTF-8, then reads it back."""
    ds = dcmkit.Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = dcmkit.uid.MRImageStorage
    ds.SOPInstanceUID = dcmkit.generate_uid()
    ds.StudyInstanceUID = dcmkit.generate_uid()
    ds.Modality = "MR"
    ds.PatientName = "Müller^Jürgen"
    ds.PatientID = "DEMO-001"
    ds.Rows = 256
    ds.Columns = 192
    ds.PixelSpacing = [0.5, 0.5]
    item = ds.add_item("ReferencedSeriesSequence")
    item.SeriesInstanceUID = "1.2.826.0.1.3680043.2.1125.9.3"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mr.dcm")
        ds.save(path)
        print("wrote %s (%d bytes, %s)" % (path, os.path.getsize(path), dcmkit.uid_name(ds.transfer_syntax)))
        back = show(path)
    if back != ds:
        print("read_tags: the file read back differs from the dataset written", file=sys.stderr)
        return 1
    return 0


def main(argv):
    if len(argv) == 1:
        return demo()
    status = 0
    for path in argv[1:]:
        if len(argv) > 2:
            print("==> %s" % path)
        try:
            show(path)
        except dcmkit.DicomError as e:  # e.kind: "truncated", "not DICOM", …; e.offset: where
            print("read_tags: %s" % e, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
