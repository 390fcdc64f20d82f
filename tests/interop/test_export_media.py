"""dcmkit export-media against the peers: patients picked from files made with pydicom (and from an
archive filled by DCMTK's storescu), optionally de-identified, written to a media folder whose DICOMDIR
dicom3tools' dciodvfy accepts and pydicom's FileSet resolves, and to an ISO image xorriso reads back."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pydicom
import pytest
from pydicom.fileset import FileSet

sys.path.insert(0, os.path.dirname(__file__))
from test_deidentify import CT, STUDY, ct  # noqa: E402  (CT images with identifying data and references)

CLI = os.environ.get("DCMKIT_CLI", "dcmkit")
ENV = dict(os.environ, TCP_NODELAY="1")
MAKE_FILESET = os.path.join(os.path.dirname(__file__), "make_fileset.py")
US = "1.2.840.10008.5.1.4.1.1.6.1"
FILE_ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def run(*args, env=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120, env=env or ENV)


@pytest.fixture()
def work():
    d = tempfile.mkdtemp(prefix="dk_media_")
    with open(os.path.join(d, "key"), "wb") as f:
        f.write(b"media-export-test-key-0123456789")
    os.chmod(os.path.join(d, "key"), 0o600)
    yield d
    shutil.rmtree(d)


def fileset(d):
    src = os.path.join(d, "src")
    subprocess.run(["/usr/bin/python3", MAKE_FILESET, src], check=True)
    return src


def two_patients(d):
    """Three CT images of MRN-0042 (each referencing the one before) and one of another patient."""
    src = os.path.join(d, "ct")
    os.makedirs(src)
    for n in (1, 2, 3):
        ct(n).save_as(os.path.join(src, "ct%d.dcm" % n), write_like_original=False)
    other = ct(9)
    other.PatientName, other.PatientID = "Roe^Richard", "MRN-0777"
    other.StudyInstanceUID, other.SeriesInstanceUID = STUDY + ".7", STUDY + ".8"
    del other.ReferencedImageSequence
    other.save_as(os.path.join(src, "other.dcm"), write_like_original=False)
    return src


def sop_uids(paths):
    return {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in paths}


def dicom_files(folder):
    out = []
    for base, _, names in os.walk(folder):
        out += [os.path.join(base, n) for n in names]
    return sorted(p for p in out if os.path.basename(p) != "DICOMDIR" and "README" not in p)


def errors(tool_output):
    return [line for line in tool_output.splitlines() if line.startswith("Error")]


def check_media(out):
    """The DICOMDIR: dciodvfy finds no error; pydicom's FileSet resolves every record to a file whose
    SOP Instance UID is the record's, at a conforming File ID; dcentvfy finds no error across the files."""
    r = subprocess.run(["dciodvfy", os.path.join(out, "DICOMDIR")], capture_output=True, text=True)
    assert not errors(r.stdout + r.stderr), r.stderr
    fs = FileSet(pydicom.dcmread(os.path.join(out, "DICOMDIR")))
    for inst in fs:
        assert inst.path.startswith(out)
        parts = os.path.relpath(inst.path, out).split(os.sep)
        assert len(parts) <= 8 and all(1 <= len(c) <= 8 and set(c) <= FILE_ID_CHARS for c in parts), parts
        assert inst.load().SOPInstanceUID == inst.ReferencedSOPInstanceUIDInFile
    r = subprocess.run(["dcentvfy", *dicom_files(os.path.join(out, "DICOM"))], capture_output=True, text=True)
    assert not errors(r.stdout + r.stderr), r.stdout + r.stderr
    return fs


def test_every_instance_of_the_files_lands_under_its_own_patient(work):
    src = fileset(work)
    out = os.path.join(work, "out")
    r = run("export-media", out, src, "--fileset-id", "PATIENT_CD")
    assert r.returncode == 0, r.stderr
    fs = check_media(out)
    assert fs.ID == "PATIENT_CD"
    inputs = [p for p in dicom_files(src)]
    assert {i.SOPInstanceUID for i in fs} == sop_uids(inputs)
    # One PATIENT record per Patient ID, and each file under its own patient's record.
    assert sorted(fs.find_values("PatientID")) == ["P1", "P2"]
    for inst in fs:
        assert inst.load().PatientID == inst.PatientID


def test_only_the_patient_picked_is_exported(work):
    src = fileset(work)
    out = os.path.join(work, "out")
    r = run("export-media", out, src, "--patient", "P2")
    assert r.returncode == 0, r.stderr
    fs = check_media(out)
    assert fs.find_values("PatientID") == ["P2"]
    expected = {pydicom.dcmread(p).SOPInstanceUID for p in dicom_files(src) if pydicom.dcmread(p).PatientID == "P2"}
    assert {i.SOPInstanceUID for i in fs} == expected and len(expected) == 2


def test_deidentified_media_and_iso_hold_no_original_identity(work):
    src = two_patients(work)
    out, iso = os.path.join(work, "out"), os.path.join(work, "cd.iso")
    r = run("export-media", out, src, "--deidentify", "--key", os.path.join(work, "key"), "--iso", iso,
            "--volume", "ANON_CD")
    assert r.returncode == 0, r.stderr
    fs = check_media(out)
    originals = [pydicom.dcmread(p) for p in dicom_files(src)]
    secrets = {"Doe^Jonathan", "MRN-0042", "Roe^Richard", "MRN-0777", "19700202", "ACC998877", STUDY}
    secrets |= {o.SOPInstanceUID for o in originals} | {o.SeriesInstanceUID for o in originals}
    blobs = [open(p, "rb").read() for p in dicom_files(out) + [os.path.join(out, "DICOMDIR"), iso]]
    for s in secrets:
        assert not any(s.encode() in b for b in blobs), s
    # One PATIENT record per pseudonym, two pseudonyms, each file under its own.
    ids = fs.find_values("PatientID")
    assert len(ids) == 2 and all(i.startswith("DK") for i in ids)
    exported = {}
    for inst in fs:
        ds = inst.load()
        assert ds.PatientID == inst.PatientID and ds.PatientIdentityRemoved == "YES"
        exported[ds.SOPInstanceUID] = ds
    # References stay consistent: each image's reference is the SOP Instance UID of an exported image.
    refs = [ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID for ds in exported.values()
            if "ReferencedImageSequence" in ds]
    assert len(refs) == 2 and all(ref in exported for ref in refs)
    # The ISO: DICOMDIR at the root and every file, as xorriso lists them; its DICOMDIR dcmdump reads.
    r = subprocess.run(["xorriso", "-indev", iso, "-find", "/", "-type", "f"], capture_output=True, text=True)
    listed = {line.strip().strip("'") for line in r.stdout.splitlines()}
    assert "/DICOMDIR" in listed
    assert {"/" + os.path.relpath(p, out) for p in dicom_files(out)} <= listed and len(listed) == 5
    extracted = os.path.join(work, "DICOMDIR.x")
    subprocess.run(["xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/DICOMDIR", extracted],
                   capture_output=True, check=True)
    r = subprocess.run(["dcmdump", extracted], capture_output=True, text=True)
    assert r.returncode == 0 and "=MediaStorageDirectoryStorage" in r.stdout and "[%s]" % ids[0] in r.stdout
    r = subprocess.run(["xorriso", "-indev", iso, "-pvd_info"], capture_output=True, text=True)
    assert "ANON_CD" in r.stdout + r.stderr


def assert_nothing_written(out):
    assert not os.path.exists(out) or os.listdir(out) == [], os.listdir(out)


def test_a_folder_that_is_not_empty_is_refused(work):
    src = two_patients(work)
    out = os.path.join(work, "out")
    os.makedirs(out)
    open(os.path.join(out, "keep.txt"), "w").close()
    r = run("export-media", out, src)
    assert r.returncode == 2 and "not empty" in r.stderr, r.stderr
    assert os.listdir(out) == ["keep.txt"]


def test_an_unknown_patient_is_an_error_and_writes_nothing(work):
    src = two_patients(work)
    out = os.path.join(work, "out")
    r = run("export-media", out, src, "--patient", "MRN-0042", "--patient", "NOBODY")
    assert r.returncode == 1 and "NOBODY" in r.stderr, r.stderr
    assert_nothing_written(out)


def test_an_iso_without_xorriso_is_an_error_and_writes_nothing(work):
    src = two_patients(work)
    out = os.path.join(work, "out")
    r = run("export-media", out, src, "--iso", os.path.join(work, "x.iso"), env=dict(ENV, PATH=work))
    assert r.returncode == 1 and "xorriso" in r.stderr, r.stderr
    assert_nothing_written(out)
    assert not os.path.exists(os.path.join(work, "x.iso"))


def test_a_burned_in_instance_is_left_out_or_fails_the_export(work):
    src = two_patients(work)
    us = ct(4, "US", US)
    del us.ReferencedImageSequence
    us.save_as(os.path.join(src, "us.dcm"), write_like_original=False)
    key = os.path.join(work, "key")
    out = os.path.join(work, "fatal")
    r = run("export-media", out, src, "--deidentify", "--key", key, "--refusal-fatal")
    assert r.returncode == 1 and "us.dcm" in r.stderr, r.stderr
    assert_nothing_written(out)
    out = os.path.join(work, "out")
    r = run("export-media", out, src, "--deidentify", "--key", key)
    assert r.returncode == 0 and "us.dcm left out" in r.stderr, r.stderr
    fs = check_media(out)
    assert len(list(fs)) == 4 and all(i.load().Modality == "CT" for i in fs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_studies_picked_from_an_archive(work):
    src = two_patients(work)
    store = os.path.join(work, "store")
    port = free_port()
    proc = subprocess.Popen([CLI, "serve", str(port), "--storage", store, "-aet", "ARCHIVE"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline
                time.sleep(0.1)
        r = subprocess.run(["storescu", "-aec", "ARCHIVE", "127.0.0.1", str(port), *dicom_files(src)],
                           capture_output=True, text=True, timeout=60, env=ENV)
        assert r.returncode == 0, r.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    out = os.path.join(work, "out")
    r = run("export-media", out, "--archive", store, "--study", STUDY)
    assert r.returncode == 0, r.stderr
    fs = check_media(out)
    assert fs.find_values("PatientID") == ["MRN-0042"]
    assert {i.SOPInstanceUID for i in fs} == {"1.2.826.0.1.3680043.8.498.2%03d" % n for n in (1, 2, 3)}
    # The same archive named by a dcmkit serve configuration file, another patient picked.
    # Its audit trail gets one PS3.15 A.5.3.4 Data Export message (EventID 110106 "Export", the
    # media with RoleIDCode 110154 "Destination Media") naming the patient exported.
    conf, audit = os.path.join(work, "serve.conf"), os.path.join(work, "audit.log")
    with open(conf, "w") as f:
        f.write("storage = %s\naudit = file:%s\n" % (store, audit))
    out2 = os.path.join(work, "out2")
    r = run("export-media", out2, "--archive", conf, "--patient", "MRN-0777")
    assert r.returncode == 0, r.stderr
    fs = check_media(out2)
    assert fs.find_values("PatientID") == ["MRN-0777"] and len(list(fs)) == 1
    log = open(audit).read()
    assert log.count("<AuditMessage") == 1 and 'csd-code="110106"' in log and 'csd-code="110154"' in log, log
    assert 'ParticipantObjectID="MRN-0777"' in log and "MRN-0042" not in log, log
    assert ("file://" + out2) in log
    r = run("export-media", os.path.join(work, "none"), "--archive", store, "--patient", "NOBODY")
    assert r.returncode == 1 and "NOBODY" in r.stderr, r.stderr
    assert_nothing_written(os.path.join(work, "none"))


def test_two_people_under_one_patient_id_are_refused(work):
    src = two_patients(work)
    clash = ct(5)
    clash.PatientName = "Other^Person"  # MRN-0042, as Doe^Jonathan's images, but someone else
    clash.SOPInstanceUID = clash.file_meta.MediaStorageSOPInstanceUID = STUDY + ".55"
    del clash.ReferencedImageSequence
    clash.save_as(os.path.join(src, "clash.dcm"), write_like_original=False)
    for extra in ([], ["--deidentify", "--key", os.path.join(work, "key")]):  # also when both get one pseudonym
        out = os.path.join(work, "out")
        r = run("export-media", out, src, *extra)
        assert r.returncode == 2 and "two patients under one Patient ID" in r.stderr, r.stderr
        assert "Patient's Name" in r.stderr
        assert_nothing_written(out)


def test_archive_named_by_its_configuration_file(work):
    src = two_patients(work)
    store = os.path.join(work, "store")
    conf = os.path.join(work, "serve.conf")
    with open(conf, "w") as f:
        f.write("storage = %s\n" % store)
    r = run("export-media", os.path.join(work, "out"), "--archive", conf, "--patient", "MRN-0042")
    assert r.returncode == 1 and "no archive index in " + store in r.stderr, r.stderr
    r = run("export-media", os.path.join(work, "out"), "--archive", store)
    assert r.returncode == 2 and "needs the patients or studies" in r.stderr, r.stderr
    del src


def test_xorriso_failing_is_reported_with_its_message_and_writes_nothing(work):
    src = two_patients(work)
    out = os.path.join(work, "out")
    r = run("export-media", out, src, "--iso", os.path.join(work, "no-such-dir", "x.iso"))
    assert r.returncode == 1 and "xorriso could not write the ISO image" in r.stderr, r.stderr
    assert "Cannot acquire drive" in r.stderr  # xorriso's own words, from its standard error
    assert_nothing_written(out)
