"""dcmkit.DicomDir against pydicom: the file-set is written by pydicom (tests/interop/make_fileset.py);
pydicom's FileSet reads the DICOMDIR we write, and we read the one DCMTK's dcmmkdir writes."""

import importlib.util
import os
import shutil
import struct
import subprocess

import pytest
from pydicom import dcmread
from pydicom.fileset import FileSet

import dcmkit

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "make_fileset", os.path.join(_HERE, "..", "..", "tests", "interop", "make_fileset.py"))
make_fileset = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fileset)


def _fileset(tmp_path):
    root = tmp_path / "media"
    import sys
    argv, sys.argv = sys.argv, ["make_fileset.py", str(root)]
    try:
        make_fileset.main()
    finally:
        sys.argv = argv
    return root


def _by_pydicom(root):
    """{SOP Instance UID: (PatientID, StudyUID, SeriesUID, path relative to root)} of the files."""
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            if n == "DICOMDIR":
                continue
            p = os.path.join(d, n)
            try:
                ds = dcmread(p)
            except Exception:
                continue
            out[ds.SOPInstanceUID] = (ds.PatientID, ds.StudyInstanceUID, ds.SeriesInstanceUID,
                                      os.path.relpath(p, root))
    return out


def _by_us(path):
    d = dcmkit.DicomDir(path)
    out = {}
    for r in d:
        if r.path is None:
            continue
        series = r.parent
        study = series.parent
        patient = study.parent
        assert (patient.type, study.type, series.type) == ("PATIENT", "STUDY", "SERIES")
        uid = str(r.dataset.ReferencedSOPInstanceUIDInFile)
        out[uid] = (str(patient.dataset.PatientID), str(study.dataset.StudyInstanceUID),
                    str(series.dataset.SeriesInstanceUID), os.path.relpath(r.path, os.path.dirname(path)))
    return d, out


def test_create_is_read_by_pydicom(tmp_path):
    root = _fileset(tmp_path)
    added, present = dcmkit.DicomDir.create(root, fileset_id="PY_SET")
    assert (added, present) == (7, 0)
    fs = FileSet(dcmread(str(root / "DICOMDIR")))
    assert fs.ID == "PY_SET"
    loaded = {inst.SOPInstanceUID: inst.load() for inst in fs}
    assert len(loaded) == 7
    for uid, ds in loaded.items():
        assert ds.SOPInstanceUID == uid
    names = {str(ds.PatientName) for ds in loaded.values()}
    assert names == {"DOE^JOHN", "Müller^Jürgen"}

    d, ours = _by_us(str(root / "DICOMDIR"))
    assert d.fileset_id == "PY_SET"
    want = _by_pydicom(root)
    # lower/ct-3.dcm is referenced through its conforming copy under DICOM/.
    for uid, (pid, study, series, rel) in ours.items():
        w = want[uid]
        assert (pid, study, series) == w[:3]
        assert rel == w[3] or rel.startswith("DICOM/")
    assert set(ours) == set(want)
    types = sorted(r.type for r in d.records() if r.path)
    assert types == ["IMAGE", "IMAGE", "IMAGE", "IMAGE", "PRESENTATION", "RT DOSE", "SR DOCUMENT"]
    p2 = [r for r in d.roots if str(r.dataset.PatientID) == "P2"][0]
    assert str(p2.dataset.PatientName) == "Müller^Jürgen"
    assert str(p2.dataset.SpecificCharacterSet) == "ISO_IR 192"
    leaf = d.records("RT DOSE")[0]
    assert str(dcmkit.read(leaf.path).SOPInstanceUID) == str(leaf.dataset.ReferencedSOPInstanceUIDInFile)


@pytest.mark.skipif(shutil.which("dcmmkdir") is None, reason="DCMTK missing")
def test_reads_dcmtk_dicomdir(tmp_path):
    root = _fileset(tmp_path)
    shutil.rmtree(root / "lower")
    os.remove(root / "README.TXT")
    subprocess.run(["dcmmkdir", "+r", "-Pgp", "+id", str(root), "+D", str(root / "DICOMDIR"), "P1", "P2"],
                   check=True, capture_output=True)
    d, ours = _by_us(str(root / "DICOMDIR"))
    assert ours == _by_pydicom(root)
    assert d.fileset_id == "DCMTK_MEDIA_DEMO"


def test_add_and_errors(tmp_path):
    root = _fileset(tmp_path)
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.DicomDir.create(root, map_nonconforming=False)
    dcmkit.DicomDir.create(root)
    assert dcmkit.DicomDir.add(root / "DICOMDIR", [root / "P2"]) == (0, 2)
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.DicomDir.add(root / "DICOMDIR", ["/etc/hostname"])
    with pytest.raises(dcmkit.NotFoundError):
        dcmkit.DicomDir(tmp_path / "nothing")
    # The first record offset pointed past the end of the file: a parse error, not a crash.
    data = bytearray(open(root / "DICOMDIR", "rb").read())
    ds = dcmread(str(root / "DICOMDIR"))
    at = data.find(struct.pack("<HH2sH", 0x0004, 0x1200, b"UL", 4))
    assert at > 0
    data[at + 8:at + 12] = struct.pack("<I", len(data) + 1000)
    with pytest.raises(dcmkit.ParseError) as e:
        dcmkit.DicomDir.from_bytes(bytes(data))
    assert e.value.kind == "malformed"
    assert len(ds.DirectoryRecordSequence) == len(dcmkit.DicomDir(root / "DICOMDIR"))
