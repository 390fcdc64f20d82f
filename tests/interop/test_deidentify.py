"""dcmkit deidentify against the peers: a CT study made with pydicom is de-identified, then
dicom3tools' dciodvfy (each file) and dcentvfy (the study) find no error that was not there before,
pydicom and dcmdump read what PS3.15 Annex E asks for, and the pseudonyms are keyed and consistent."""
import os
import shutil
import subprocess
import tempfile

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

CLI = os.environ.get("DCMKIT_CLI", "dcmkit")
CT = "1.2.840.10008.5.1.4.1.1.2"
STUDY = "1.2.826.0.1.3680043.8.498.1001"
SERIES = "1.2.826.0.1.3680043.8.498.1002"
FOR = "1.2.826.0.1.3680043.8.498.1003"


def ct(n, modality="CT", sop_class=CT):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.2%03d" % n
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.SourceApplicationEntityTitle = "HOSPITALPACS"
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyDate = "20240115"
    ds.SeriesDate = "20240115"
    ds.ContentDate = "20240115"
    ds.StudyTime = "101500"
    ds.ContentTime = "101501"
    ds.AccessionNumber = "ACC998877"
    ds.Modality = modality
    ds.Manufacturer = "ACME"
    ds.InstitutionName = "St. Example Hospital"
    ds.ReferringPhysicianName = "Welby^Marcus"
    ds.StationName = "CTROOM1"
    ds.StudyDescription = "CT chest Jonathan Doe"
    ds.PatientName = "Doe^Jonathan"
    ds.PatientID = "MRN-0042"
    ds.PatientBirthDate = "19700202"
    ds.PatientSex = "M"
    ds.PatientAge = "053Y"
    ds.KVP = "120"
    ds.DeviceSerialNumber = "SN12345"
    ds.StudyInstanceUID = STUDY
    ds.SeriesInstanceUID = SERIES
    ds.StudyID = "S1"
    ds.SeriesNumber = "1"
    ds.InstanceNumber = str(n)
    ds.ImagePositionPatient = [0, 0, float(n)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.FrameOfReferenceUID = FOR
    ds.PositionReferenceIndicator = ""
    ds.SliceThickness = "1"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = 4
    ds.Columns = 4
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.AcquisitionNumber = "1"
    ds.PixelData = bytes(range(32))
    if n > 1:  # each image names the one before it
        ref = Dataset()
        ref.ReferencedSOPClassUID = CT
        ref.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.8.498.2%03d" % (n - 1)
        ds.ReferencedImageSequence = Sequence([ref])
    ds.add_new(0x00430010, "LO", "GEMS_PARM_01")
    ds.add_new(0x00431027, "SH", "1.375:1")   # Scan Pitch Ratio: on the safe list
    ds.add_new(0x00431028, "LO", "Doe^Jonathan")  # not on it
    ds.add_new(0x00290010, "LO", "ACME PRIVATE")
    ds.add_new(0x00291001, "LO", "MRN-0042")
    return ds


@pytest.fixture()
def work():
    d = tempfile.mkdtemp(prefix="dk_deid_")
    os.makedirs(os.path.join(d, "in", "series1"))
    for n in range(1, 4):
        ct(n).save_as(os.path.join(d, "in", "series1", "img%d.dcm" % n), write_like_original=False)
    with open(os.path.join(d, "key"), "wb") as f:
        f.write(b"k" * 32)
    with open(os.path.join(d, "key2"), "wb") as f:
        f.write(b"j" * 32)
    yield d
    shutil.rmtree(d)


def run(*args):
    return subprocess.run([CLI, "deidentify", *args], capture_output=True, text=True, timeout=120)


def outputs(folder):
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".dcm"))


def errors(tool, *paths, kind="Error"):
    r = subprocess.run([tool, *paths], capture_output=True, text=True, timeout=120)
    lines = (r.stdout + r.stderr).splitlines()
    return {l.strip() for l in lines if l.startswith(kind)}


def test_basic_profile_read_by_pydicom_and_dcmdump(work):
    r = run(os.path.join(work, "in"), "--out", os.path.join(work, "out"), "--key", os.path.join(work, "key"))
    assert r.returncode == 0, r.stderr
    files = outputs(os.path.join(work, "out"))
    assert len(files) == 3
    for path in files:
        ds = pydicom.dcmread(path)
        assert os.path.basename(path) == ds.SOPInstanceUID + ".dcm"
        assert ds.SOPInstanceUID.startswith("2.25.")
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert "SourceApplicationEntityTitle" not in ds.file_meta
        assert ds.StudyInstanceUID != STUDY and ds.StudyInstanceUID.startswith("2.25.")
        assert ds.PatientIdentityRemoved == "YES"
        codes = [(i.CodeValue, i.CodingSchemeDesignator) for i in ds.DeidentificationMethodCodeSequence]
        assert codes == [("113100", "DCM")]
        assert ds.PatientID.startswith("DK") and ds.PatientID != "MRN-0042"
        assert str(ds.PatientName) == ds.PatientID + "^"
        # Table E.1-1 Basic Profile: X, Z, D and K.
        for gone in ("StudyDescription", "PatientAge"):  # X
            assert gone not in ds, gone
        for dummy in ("InstitutionName", "StationName", "DeviceSerialNumber"):  # X/Z/D: a dummy value
            assert ds.data_element(dummy).value not in ("", "St. Example Hospital", "CTROOM1", "SN12345"), dummy
        assert ds.AccessionNumber == "" and ds.StudyDate == "" and ds.PatientBirthDate == ""
        assert ds.ReferringPhysicianName == ""
        assert ds.PatientSex == ""  # Z (K only with Retain Patient Characteristics)
        assert ds.Modality == "CT" and float(ds.KVP) == 120 and ds.Manufacturer == "ACME"  # not in the table
        # Private elements removed (Retain Safe Private not chosen).
        assert not any(e.tag.is_private for e in ds)
        assert ds.PixelData == bytes(range(32))
    # dcmdump (DCMTK) reads the same.
    dump = subprocess.run(["dcmdump", files[0]], capture_output=True, text=True, timeout=60).stdout
    assert "(0012,0062) CS [YES]" in dump
    assert "(0012,0064) SQ" in dump and "[113100]" in dump
    assert "MRN-0042" not in dump and "Doe" not in dump and "Hospital" not in dump


def test_references_consistent_and_runs_reproducible(work):
    out1, out2, out3 = (os.path.join(work, n) for n in ("o1", "o2", "o3"))
    assert run(os.path.join(work, "in"), "--out", out1, "--key", os.path.join(work, "key")).returncode == 0
    assert run(os.path.join(work, "in"), "--out", out2, "--key", os.path.join(work, "key")).returncode == 0
    assert run(os.path.join(work, "in"), "--out", out3, "--key", os.path.join(work, "key2")).returncode == 0
    # One thread or several, pixel data copied by the kernel or not: the same files.
    out4, out5 = os.path.join(work, "o4"), os.path.join(work, "o5")
    assert run(os.path.join(work, "in"), "--out", out4, "--key", os.path.join(work, "key"), "--jobs", "1").returncode == 0
    assert run(os.path.join(work, "in"), "--out", out5, "--key", os.path.join(work, "key"), "-j", "3",
               "--copy-range", "--no-fsync").returncode == 0
    f1, f2, f3 = outputs(out1), outputs(out2), outputs(out3)
    assert [os.path.basename(p) for p in f1] == [os.path.basename(p) for p in f2]
    for other in (f2, outputs(out4), outputs(out5)):
        assert [os.path.basename(p) for p in f1] == [os.path.basename(p) for p in other]
        for a, b in zip(f1, other):
            assert open(a, "rb").read() == open(b, "rb").read()
    r = run(os.path.join(work, "in"), "--out", out4, "--key", os.path.join(work, "key"), "--jobs", "0")
    assert r.returncode == 2 and "--jobs" in r.stderr
    assert not set(os.path.basename(p) for p in f1) & set(os.path.basename(p) for p in f3)
    ds = {pydicom.dcmread(p).InstanceNumber: pydicom.dcmread(p) for p in f1}
    assert len({d.FrameOfReferenceUID for d in ds.values()}) == 1
    assert len({d.StudyInstanceUID for d in ds.values()}) == 1
    assert len({d.PatientID for d in ds.values()}) == 1
    for n in (2, 3):
        assert ds[n].ReferencedImageSequence[0].ReferencedSOPInstanceUID == ds[n - 1].SOPInstanceUID
        assert ds[n].ReferencedImageSequence[0].ReferencedSOPClassUID == CT
    other = pydicom.dcmread(f3[0])
    assert other.StudyInstanceUID != ds[1].StudyInstanceUID
    assert other.PatientID != ds[1].PatientID


def test_dicom3tools_find_no_new_errors(work):
    out = os.path.join(work, "out")
    r = run(os.path.join(work, "in"), "--out", out, "--key", os.path.join(work, "key"), "--retain", "modified-dates")
    assert r.returncode == 0, r.stderr
    ins = sorted(os.path.join(work, "in", "series1", n) for n in os.listdir(os.path.join(work, "in", "series1")))
    before = set().union(*(errors("dciodvfy", p) for p in ins))
    warned = set().union(*(errors("dciodvfy", p, kind="Warning") for p in ins))
    # Study ID is Z in Table E.1-1: its emptiness is the one warning the profile itself causes.
    expected = {"Warning - Missing attribute or value that would be needed to build DICOMDIR - Study ID"}
    for p in outputs(out):
        new = errors("dciodvfy", p) - before
        assert not new, (p, new)
        assert not errors("dciodvfy", p, kind="Warning") - warned - expected, p
    # dcentvfy over the de-identified study: one patient, study, series and frame of reference.
    assert not errors("dcentvfy", *outputs(out)) - errors("dcentvfy", *ins)
    assert not errors("dcentvfy", *outputs(out))
    ds = pydicom.dcmread(outputs(out)[0])
    assert ds.StudyDate != "20240115" and len(ds.StudyDate) == 8
    assert ds.LongitudinalTemporalInformationModified == "MODIFIED"
    assert "113107" in [i.CodeValue for i in ds.DeidentificationMethodCodeSequence]


def test_retain_safe_private_and_options(work):
    out = os.path.join(work, "out")
    r = run(os.path.join(work, "in"), "--out", out, "--key", os.path.join(work, "key"),
            "--retain", "safe-private,device,institution,uids", "--clean", "descriptors")
    assert r.returncode == 0, r.stderr
    ds = pydicom.dcmread(outputs(out)[0])
    assert ds[0x00431027].value == "1.375:1"
    assert ds[0x00430010].value == "GEMS_PARM_01"
    assert 0x00431028 not in ds and 0x00290010 not in ds and 0x00291001 not in ds
    assert ds.DeviceSerialNumber == "SN12345" and ds.StationName == "CTROOM1"
    assert ds.InstitutionName == "St. Example Hospital"
    assert ds.StudyInstanceUID == STUDY
    assert "Jonathan" not in ds.StudyDescription and ds.StudyDescription.startswith("CT chest")
    codes = sorted(i.CodeValue for i in ds.DeidentificationMethodCodeSequence)
    assert codes == ["113100", "113105", "113109", "113110", "113111", "113112"]


def test_burned_in_refused_or_flagged(work):
    us = os.path.join(work, "us")
    os.makedirs(us)
    ct(1, modality="US", sop_class="1.2.840.10008.5.1.4.1.1.6.1").save_as(os.path.join(us, "us.dcm"),
                                                                        write_like_original=False)
    out = os.path.join(work, "out")
    r = run(us, "--out", out, "--key", os.path.join(work, "key"))
    assert r.returncode == 1
    assert "refused" in r.stderr and "US" in r.stderr
    assert outputs(out) == []
    r = run(us, "--out", out, "--key", os.path.join(work, "key"), "--burned-in", "flag")
    assert r.returncode == 0, r.stderr
    assert "burned-in" in r.stderr
    assert len(outputs(out)) == 1


def test_bad_keys_and_usage(work):
    short = os.path.join(work, "short")
    with open(short, "wb") as f:
        f.write(b"x" * 15)
    r = run(os.path.join(work, "in"), "--out", os.path.join(work, "out"), "--key", short)
    assert r.returncode == 1 and "at least 16" in r.stderr
    r = run(os.path.join(work, "in"), "--out", os.path.join(work, "out"))
    assert r.returncode == 2 and "--key" in r.stderr
    r = run(os.path.join(work, "in"), "--out", os.path.join(work, "out"), "--key", os.path.join(work, "key"),
            "--retain", "everything")
    assert r.returncode == 2 and "unknown option 'everything'" in r.stderr
    newkey = os.path.join(work, "new.key")
    assert run("--new-key", newkey).returncode == 0
    assert os.path.getsize(newkey) == 32 and (os.stat(newkey).st_mode & 0o777) == 0o600
    assert run("--new-key", newkey).returncode == 1  # never overwritten
    r = run(os.path.join(work, "in"), "--out", os.path.join(work, "out2"), "--key", newkey)
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr
    os.chmod(newkey, 0o644)
    r = run(os.path.join(work, "in"), "--out", os.path.join(work, "out3"), "--key", newkey)
    assert r.returncode == 0 and "can be read by others (mode 644)" in r.stderr, r.stderr


SAFE_PRIVATE_TSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "core", "data", "standard",
                                "safe_private.tsv")


def safe_private_rows():
    """PS3.15 Table E.3.10-1 as the standard gives it: (creator, group, offset, vr)."""
    rows = []
    with open(SAFE_PRIVATE_TSV, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    head = lines[0].split("\t")
    for line in lines[1:]:
        r = dict(zip(head, line.split("\t")))
        rows.append((r["creator"], int(r["group"], 16), int(r["element"], 16), r["vr"]))
    return rows


def private_value(vr, n):
    """A value of the VR (a plain one: what matters is which elements survive)."""
    if vr == "SQ":
        item = Dataset()
        item.SliceThickness = "1.0"
        return Sequence([item])
    return {"DS": "%d.5" % n, "IS": str(n), "CS": "VAL%d" % n, "LO": "value %d" % n, "SH": "v%d" % n,
            "LT": "text %d" % n, "UI": "1.2.3.%d" % n, "SS": -n, "US": n, "SL": -n, "UL": n, "FL": n + 0.5,
            "FD": n + 0.25}.get(vr, bytes([n % 256, 1]))


def test_retain_safe_private_keeps_exactly_table_e3101(work):
    """Every row of Table E.3.10-1 in its creator's block, beside decoys: the same offsets under a wrong
    creator (in another block of the group), and offsets of a listed creator that the table does not
    list. With Retain Safe Private exactly the table's elements (and their creators) remain; without
    it, no private element."""
    rows = safe_private_rows()
    assert len(rows) > 100
    listed = {(c, g, o) for c, g, o, _ in rows}
    ds = ct(1)
    for tag in [t for t in ds.keys() if t.is_private]:
        del ds[tag]
    blocks = {}

    def block(group, creator):
        if (group, creator) not in blocks:
            blocks[(group, creator)] = ds.private_block(group, creator, create=True)
        return blocks[(group, creator)]

    for n, (creator, group, offset, vr) in enumerate(rows):
        block(group, creator).add_new(offset, vr or "UN", private_value(vr or "UN", n))
        # The same offset in a block of another creator: not safe.
        block(group, "DCMKIT DECOY").add_new(offset, vr or "UN", private_value(vr or "UN", n))
    decoys_unlisted = set()
    for creator, group, offset, _ in rows:
        for other in range(0xF0, 0x100):  # offsets of a listed creator the table does not list
            if (creator, group, other) not in listed:
                block(group, creator).add_new(other, "LO", "Doe^John")
                decoys_unlisted.add((creator, group, other))
                break
    assert decoys_unlisted
    path = os.path.join(work, "private.dcm")
    ds.save_as(path, write_like_original=False)

    def private_triples(out_path):
        d = pydicom.dcmread(out_path)
        got, creators = set(), set()
        for e in d:
            if not e.tag.is_private:
                continue
            if e.tag.is_private_creator:
                creators.add((e.value, e.tag.group))
                continue
            creator = d[(e.tag.group << 16) | (e.tag.element >> 8)].value
            got.add((creator, e.tag.group, e.tag.element & 0xFF))
        return got, creators

    out = os.path.join(work, "kept")
    r = run(path, "--out", out, "--key", os.path.join(work, "key"), "--retain", "safe-private")
    assert r.returncode == 0, r.stderr
    got, creators = private_triples(outputs(out)[0])
    assert got == listed, ("missing", sorted(listed - got), "extra", sorted(got - listed))
    assert creators == {(c, g) for c, g, _ in listed}  # the decoy creator went with its elements
    out = os.path.join(work, "removed")
    r = run(path, "--out", out, "--key", os.path.join(work, "key"))
    assert r.returncode == 0, r.stderr
    got, creators = private_triples(outputs(out)[0])
    assert got == set() and creators == set()
