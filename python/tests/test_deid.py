"""De-identification from Python (PS3.15 Annex E): a file made by pydicom is de-identified by
dcmkit.deidentify, written, and read back by pydicom."""

import pydicom
import pytest
from pydicom.dataset import Dataset as PdDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

import dcmkit

KEY = b"0123456789abcdef0123456789abcdef"


def make(tmp_path, modality="CT", name="in.dcm"):
    ds = PdDataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.31"
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.32"
    ds.Modality = modality
    ds.PatientName = "Doe^John"
    ds.PatientID = "MRN-0042"
    ds.PatientBirthDate = "19700202"
    ds.StudyDate = "20240115"
    ds.InstitutionName = "St. Example Hospital"
    ds.StudyDescription = "CT chest"
    ref = PdDataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ref.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.8.498.33"
    ds.ReferencedImageSequence = Sequence([ref])
    ds.add_new(0x00430010, "LO", "GEMS_PARM_01")
    ds.add_new(0x00431027, "SH", "1.375:1")
    ds.add_new(0x00431028, "LO", "secret")
    path = tmp_path / name
    ds.save_as(str(path), write_like_original=False)
    return path


def test_basic_profile_read_back_by_pydicom(tmp_path):
    ds = dcmkit.read(make(tmp_path))
    r = dcmkit.deidentify(ds, KEY)
    assert isinstance(r, dcmkit.DeidReport)
    assert r.patient_pseudonym.startswith("DK") and r.uids_remapped >= 3
    out = tmp_path / "out.dcm"
    ds.save_as(out)
    p = pydicom.dcmread(str(out))
    assert p.SOPInstanceUID == dcmkit.deid_uid(KEY, "1.2.826.0.1.3680043.8.498.31")
    assert p.file_meta.MediaStorageSOPInstanceUID == p.SOPInstanceUID
    assert p.StudyInstanceUID == dcmkit.deid_uid(KEY, "1.2.826.0.1.3680043.8.498.32")
    assert p.ReferencedImageSequence[0].ReferencedSOPInstanceUID == dcmkit.deid_uid(KEY, "1.2.826.0.1.3680043.8.498.33")
    assert p.PatientID == r.patient_pseudonym and str(p.PatientName) == r.patient_pseudonym + "^"
    assert p.PatientBirthDate == "" and p.StudyDate == ""
    assert "StudyDescription" not in p
    assert not any(e.tag.is_private for e in p)
    assert p.PatientIdentityRemoved == "YES"
    assert [i.CodeValue for i in p.DeidentificationMethodCodeSequence] == ["113100"]


def test_options_key_file_and_safe_private(tmp_path):
    keyfile = tmp_path / "site.key"
    keyfile.write_bytes(KEY)
    ds = dcmkit.read(make(tmp_path))
    r = dcmkit.deidentify(ds, keyfile, retain=["safe-private", "modified-dates", "institution"], clean="descriptors")
    assert r.date_offset_days < 0
    assert ds.InstitutionName == "St. Example Hospital"
    assert ds[0x00431027].value == "1.375:1"
    assert 0x00431028 not in ds
    assert ds.StudyDate != "20240115" and len(ds.StudyDate) == 8
    codes = sorted(i.CodeValue for i in ds.DeidentificationMethodCodeSequence)
    assert codes == ["113100", "113105", "113107", "113111", "113112"]


def test_same_key_same_output_other_key_other_uids(tmp_path):
    a, b, c = (dcmkit.read(make(tmp_path)) for _ in range(3))
    dcmkit.deidentify(a, KEY)
    dcmkit.deidentify(b, KEY)
    dcmkit.deidentify(c, b"another key of 16+ bytes")
    assert a.to_bytes() == b.to_bytes()
    assert c.SOPInstanceUID != a.SOPInstanceUID


def test_refusals(tmp_path):
    ds = dcmkit.read(make(tmp_path, modality="US"))
    with pytest.raises(dcmkit.UnsupportedError) as info:
        dcmkit.deidentify(ds, KEY)
    assert "burned-in" in str(info.value)
    assert ds.PatientID == "MRN-0042"
    assert dcmkit.deidentify(ds, KEY, burned_in="flag").burned_in_flagged
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.deidentify(dcmkit.read(make(tmp_path)), b"short")
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.deidentify(dcmkit.read(make(tmp_path)), KEY, retain="everything")
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.deidentify(dcmkit.read(make(tmp_path)), KEY, retain="full-dates,modified-dates")


def test_files_into_a_folder_on_threads(tmp_path):
    """deidentify_files: the same files whatever the threads, pydicom reads each under its keyed new
    SOP Instance UID; the text file skipped, the ultrasound refused, a copy of an instance failed."""
    inputs = []
    for n in range(6):
        ds = pydicom.dcmread(str(make(tmp_path, name="ct%d.dcm" % n)))
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.31%d" % n
        ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.SamplesPerPixel = 256, 256, 16, 16, 15, 1
        ds.add_new(0x7FE00010, "OW", bytes((i * 7 + n) % 256 for i in range(256 * 256 * 2)))
        ds.PixelRepresentation, ds.PhotometricInterpretation = 0, "MONOCHROME2"
        ds.save_as(str(tmp_path / ("ct%d.dcm" % n)), write_like_original=False)
        inputs.append(str(tmp_path / ("ct%d.dcm" % n)))
    (tmp_path / "notes.txt").write_text("not a DICOM file, but long enough for the reader to look at it\n")
    inputs.insert(2, str(tmp_path / "notes.txt"))
    inputs.insert(4, str(make(tmp_path, modality="US", name="us.dcm")))
    inputs.append(inputs[0])
    seen = []
    one = dcmkit.deidentify_files(inputs, tmp_path / "one", KEY, jobs=1, fsync=False)
    many = dcmkit.deidentify_files(inputs, tmp_path / "many", KEY, jobs=4, fsync=False, copy_range=True,
                                   progress=lambda done, total, path, status: seen.append((done, path, status)))
    assert [r.status for r in one] == ["written", "written", "skipped", "written", "refused", "written", "written",
                                       "written", "failed"]
    assert [(r.status, r.message) for r in one] == [(r.status, r.message) for r in many]
    assert seen == [(i + 1, r.input, r.status) for i, r in enumerate(many)]
    assert "same instance" in one[-1].message and "US" in one[4].message
    for a, b in zip(one, many):
        assert a.input == b.input
        if a.status != "written":
            assert a.output == b.output == ""
            continue
        assert open(a.output, "rb").read() == open(b.output, "rb").read()
        src = pydicom.dcmread(a.input)
        out = pydicom.dcmread(b.output)
        assert b.output.endswith("/" + dcmkit.deid_uid(KEY, src.SOPInstanceUID) + ".dcm")
        assert out.SOPInstanceUID == dcmkit.deid_uid(KEY, src.SOPInstanceUID)
        assert out.PixelData == src.PixelData and str(out.PatientName) != "Doe^John"
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.deidentify_files(inputs, tmp_path / "short", b"too short")
    assert not (tmp_path / "short").exists()
