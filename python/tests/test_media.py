"""Export to media from Python: two patients made by pydicom, one exported de-identified by
dcmkit.export_media; pydicom's FileSet reads the DICOMDIR; bad input raises the typed errors and
leaves nothing written."""
import os

import pydicom
import pytest
from pydicom.dataset import Dataset as PdDataset, FileMetaDataset
from pydicom.fileset import FileSet
from pydicom.uid import ExplicitVRLittleEndian

import dcmkit

KEY = b"0123456789abcdef0123456789abcdef"


def make(folder, pid, n):
    d = str(ord(pid[-1]) - ord("A") + 1)  # PA -> 1, PB -> 2: the UIDs stay digits
    ds = PdDataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.4%s%d" % (d, n)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.5" + d
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.6" + d
    ds.PatientName, ds.PatientID = "Doe^" + pid, pid
    ds.StudyDate, ds.StudyTime, ds.StudyID, ds.Modality, ds.SeriesNumber, ds.InstanceNumber = (
        "20240115", "101500", "1", "CT", "1", str(n))
    os.makedirs(folder, exist_ok=True)
    ds.save_as(os.path.join(folder, "%s_%d.dcm" % (pid, n)), write_like_original=False)
    return ds.SOPInstanceUID


def test_one_patient_exported_deidentified(tmp_path):
    src = str(tmp_path / "src")
    uids = [make(src, "PA", 1), make(src, "PA", 2)]
    make(src, "PB", 1)
    seen = []
    r = dcmkit.export_media(tmp_path / "out", [src], patients=["PA"], key=KEY, fileset_id="PY_CD",
                            progress=lambda done, total, path: seen.append((done, total)) or True)
    assert r == dcmkit.MediaExportResult(exported=2, patients=1, studies=1, series=1, skipped=0, refused=0)
    assert seen == [(0, 2), (1, 2)]
    fs = FileSet(pydicom.dcmread(str(tmp_path / "out" / "DICOMDIR")))
    assert fs.ID == "PY_CD"
    ids = fs.find_values("PatientID")
    assert len(ids) == 1 and ids[0].startswith("DK")
    assert sorted(i.SOPInstanceUID for i in fs) == sorted(dcmkit.deid_uid(KEY, u) for u in uids)


def test_bad_input_raises_and_writes_nothing(tmp_path):
    src = str(tmp_path / "src")
    make(src, "PA", 1)
    out = tmp_path / "out"
    with pytest.raises(dcmkit.NotFoundError, match="NOBODY"):
        dcmkit.export_media(out, src, patients=["NOBODY"])
    assert not out.exists() or not os.listdir(out)
    with pytest.raises(dcmkit.IoError, match="cancelled"):
        dcmkit.export_media(out, src, progress=lambda done, total, path: False)
    assert not out.exists() or not os.listdir(out)
    with pytest.raises(ZeroDivisionError):  # the callback's own exception comes back
        dcmkit.export_media(out, src, progress=lambda done, total, path: 1 / 0)
    assert not out.exists() or not os.listdir(out)
    out.mkdir(exist_ok=True)
    (out / "x").write_text("x")
    with pytest.raises(dcmkit.InvalidArgumentError, match="not empty"):
        dcmkit.export_media(out, src)


def test_report_lists_files_skipped_and_refused(tmp_path):
    """export_media_report says what happened to each input: the instances exported with their File
    IDs (pydicom finds the same instance under each), the file that is not DICOM with why, the
    ultrasound image the de-identification refused (burned-in text likely) with its reason."""
    src = str(tmp_path / "src")
    make(src, "PA", 1)
    make(src, "PA", 2)
    notes = os.path.join(src, "notes.txt")
    with open(notes, "w") as f:
        f.write("not a DICOM file, but long enough for the reader to look at it\n")
    us = os.path.join(src, "us.dcm")
    ds = pydicom.dcmread(os.path.join(src, "PA_1.dcm"))
    ds.Modality = "US"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.499"
    ds.save_as(us, write_like_original=False)
    out = tmp_path / "out"
    r = dcmkit.export_media_report(out, [src], key=KEY, fsync=False)
    assert r.counts == dcmkit.MediaExportResult(exported=2, patients=1, studies=1, series=1, skipped=1, refused=1)
    assert sorted(os.path.basename(p) for p, _ in r.files) == ["PA_1.dcm", "PA_2.dcm"]
    for source, file_id in r.files:
        assert file_id.startswith("DICOM/P0000001/S0000001/R0000001/I000000")
        written = pydicom.dcmread(str(out / file_id))
        assert written.SOPInstanceUID == dcmkit.deid_uid(KEY, pydicom.dcmread(source).SOPInstanceUID)
    assert [p for p, _ in r.skipped] == [notes] and r.skipped[0][1]
    assert [p for p, _ in r.refused] == [us] and "US" in r.refused[0][1]
    assert r.dicomdir == str(out / "DICOMDIR") and r.iso == ""
    assert isinstance(r.warnings, list)
    with pytest.raises(dcmkit.InvalidArgumentError, match="not empty"):
        dcmkit.export_media_report(out, [src], key=KEY)
