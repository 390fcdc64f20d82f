"""Query/Retrieve and DIMSE-N from Python: Association.find/move/get and n_create/n_set against
`dcmkit serve` (the CLI's archive) started as a subprocess, with a Python server as the C-MOVE
destination; and the argument errors.

The CLI is $DCMKIT_CLI, else the build's bin/dcmkit next to the python/ folder the package is
imported from; the cases that need it skip without it. Every peer listens on 127.0.0.1 on a free
port, is stopped by its PID, and every wait is bounded.
"""

import os
import shutil
import subprocess

import numpy
import pydicom
import pytest

import dcmkit
from conftest import CLI, free_port, needs_cli

SC = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
NATIVE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2"}
STUDY1 = "1.2.826.0.1.3680043.2.1125.79.1"
STUDY2 = "1.2.826.0.1.3680043.2.1125.79.2"


def instance(study, n):
    ds = dcmkit.Dataset()
    ds.SOPClassUID = SC
    ds.SOPInstanceUID = dcmkit.generate_uid()
    ds.PatientName = "QR^PYTHON"
    ds.PatientID = "QRPY1"
    ds.StudyDate = "20260101"
    ds.Modality = "OT"
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = study + ".1"
    ds.InstanceNumber = n
    return ds


def store_instances(port, called):
    """C-STOREs 3 instances in 2 studies (2 in STUDY1, 1 in STUDY2); returns them."""
    datasets = [instance(STUDY1, 1), instance(STUDY1, 2), instance(STUDY2, 1)]
    with dcmkit.connect("127.0.0.1", port, called=called, contexts=[SC], timeout=20) as assoc:
        for ds in datasets:
            assert assoc.store(ds) == 0
    return datasets


@pytest.fixture
def pydest(tmp_path):
    """The C-MOVE destination PYDEST, a Python server storing into tmp_path/moved: (server, moved folder)."""
    moved = tmp_path / "moved"
    moved.mkdir()
    dest_ae = dcmkit.AE("PYDEST")
    dest_ae.add_all_storage()
    dest = dest_ae.start_server(("127.0.0.1", 0), storage=moved, fsync=False)
    try:
        yield dest, moved
    finally:
        dest.shutdown()


@pytest.fixture
def archive(tmp_path, pydest, start_peer):
    """`dcmkit serve` (AE ARCH) holding 3 instances in 2 studies, with the C-MOVE destination
    PYDEST (pydest): (port, [datasets], moved folder)."""
    dest, moved = pydest
    store_dir = tmp_path / "archive"
    store_dir.mkdir()
    port = free_port()
    port = start_peer("serve", [CLI, "serve", str(port), "--storage", str(store_dir), "-aet", "ARCH",
                                "--dest", "PYDEST=127.0.0.1:%d" % dest.port], port)
    return port, store_instances(port, "ARCH"), moved


@needs_cli
def test_find_studies_by_keys(archive):
    port, datasets, _ = archive
    with dcmkit.connect("127.0.0.1", port, called="ARCH", query=True, timeout=20) as assoc:
        found = assoc.find_all("STUDY", PatientName="QR*", StudyInstanceUID="", StudyDate=None)
        assert isinstance(found, dcmkit.FindResult) and isinstance(found, list)
        assert found.status == 0x0000
        assert sorted(ds.StudyInstanceUID for ds in found) == [STUDY1, STUDY2]
        for ds in found:
            assert ds.QueryRetrieveLevel == "STUDY"
            assert ds.StudyDate == "20260101"  # asked for with None
        # Lower case level, patient root, series level
        found = assoc.find_all("series", model="patient", PatientID="QRPY1", StudyInstanceUID=STUDY1,
                           SeriesInstanceUID="")
        assert [ds.SeriesInstanceUID for ds in found] == [STUDY1 + ".1"]
        # IMAGE level: the instances of study 1
        found = assoc.find_all("IMAGE", StudyInstanceUID=STUDY1, SeriesInstanceUID=STUDY1 + ".1", SOPInstanceUID="")
        assert sorted(ds.SOPInstanceUID for ds in found) == sorted(d.SOPInstanceUID for d in datasets[:2])
        # No match; the iteration pynetdicom users write
        assert list(assoc.find_all("STUDY", PatientName="NOBODY")) == []
        # An identifier Dataset as is
        q = dcmkit.Dataset()
        q.QueryRetrieveLevel = "STUDY"
        q.StudyInstanceUID = STUDY2
        found = assoc.find_all(q)
        assert len(found) == 1 and found[0].StudyInstanceUID == STUDY2
        # limit: a C-CANCEL after the first match
        found = assoc.find_all("IMAGE", StudyInstanceUID=STUDY1, SeriesInstanceUID=STUDY1 + ".1", SOPInstanceUID="",
                           limit=1)
        assert len(found) >= 1 and found.status in (0xFE00, 0x0000)
        assert assoc.echo() == 0  # still usable


@needs_cli
def test_get_study_into_folder(archive, tmp_path):
    port, datasets, _ = archive
    out = tmp_path / "got" / "sub"  # made if missing
    with dcmkit.connect("127.0.0.1", port, called="ARCH", query=True, timeout=20) as assoc:
        r = assoc.get(out, "STUDY", StudyInstanceUID=STUDY1)
    assert isinstance(r, dcmkit.RetrieveResult)
    assert (r.status, r.completed, r.failed, r.stored) == (0, 2, 0, 2)
    names = sorted(os.listdir(out))
    assert names == sorted(d.SOPInstanceUID + ".dcm" for d in datasets[:2])
    back = dcmkit.read(out / names[0])
    assert back.StudyInstanceUID == STUDY1


@needs_cli
@pytest.mark.skipif(shutil.which("dcmcjpeg") is None, reason="DCMTK's dcmcjpeg is not installed")
def test_get_keeps_the_archive_syntax(archive, tmp_path):
    """C-GET proposes every syntax we can store: an instance the archive holds in JPEG Lossless SV1
    (made by DCMTK's dcmcjpeg) arrives in that syntax, its pixels as pydicom reads the native
    original; with uncompressed=True the archive decodes it and it arrives uncompressed."""
    port, _, _ = archive
    native, sv1 = tmp_path / "native.dcm", tmp_path / "sv1.dcm"
    ds = instance(STUDY2, 9)
    ds.Rows, ds.Columns = 16, 24
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = numpy.array([(i * 37) % 4096 for i in range(16 * 24)], dtype="<u2").tobytes()
    ds.save(native, transfer_syntax="explicit")
    subprocess.run(["dcmcjpeg", "+e1", str(native), str(sv1)], check=True, timeout=60)
    want = pydicom.dcmread(str(native)).pixel_array
    with dcmkit.connect("127.0.0.1", port, called="ARCH", files=[sv1], timeout=20) as assoc:
        assert assoc.store(dcmkit.read(sv1)) == 0

    for uncompressed, expect in ((False, {JPEG_LOSSLESS_SV1}), (True, NATIVE)):
        out = tmp_path / ("native-got" if uncompressed else "got")
        with dcmkit.connect("127.0.0.1", port, called="ARCH", query=True, timeout=20,
                            uncompressed=uncompressed) as assoc:
            r = assoc.get(out, "IMAGE", StudyInstanceUID=STUDY2, SeriesInstanceUID=STUDY2 + ".1",
                          SOPInstanceUID=ds.SOPInstanceUID)
        assert (r.status, r.completed, r.failed) == (0, 1, 0)
        got = dcmkit.read(out / (ds.SOPInstanceUID + ".dcm"))
        assert got.transfer_syntax in expect
        assert numpy.array_equal(got.pixel_array, want)


@needs_cli
def test_move_to_python_server(archive):
    port, datasets, moved = archive
    with dcmkit.connect("127.0.0.1", port, called="ARCH", query=True, timeout=20) as assoc:
        r = assoc.move("PYDEST", "STUDY", StudyInstanceUID=STUDY2)
        assert (r.status, r.completed, r.failed) == (0, 1, 0)
        r = assoc.move("NOWHERE", "STUDY", StudyInstanceUID=STUDY2)
        assert r.status == 0xA801 and r.completed == 0
    assert os.listdir(moved) == [datasets[2].SOPInstanceUID + ".dcm"]


@needs_cli
def test_mpps_create_and_set(archive):
    port, _, _ = archive
    ae = dcmkit.AE("PYSCU", dimse_timeout=20)
    ae.add_requested_context(dcmkit.sop.ModalityPerformedProcedureStep)
    with ae.associate("127.0.0.1", port, ae_title="ARCH") as assoc:
        r = assoc.n_create(dcmkit.sop.ModalityPerformedProcedureStep, dcmkit.Dataset())
        assert r.status == 0x0120  # Missing Attribute: a status, not an exception
        pps = dcmkit.Dataset()
        step = dcmkit.Dataset()
        step.StudyInstanceUID = STUDY1
        pps.ScheduledStepAttributesSequence = [step]
        pps.PerformedProcedureStepID = "PPS-1"
        pps.PerformedStationAETitle = "PYSCU"
        pps.PerformedProcedureStepStartDate = "20260101"
        pps.PerformedProcedureStepStartTime = "101500"
        pps.PerformedProcedureStepStatus = "IN PROGRESS"
        pps.Modality = "OT"
        uid = dcmkit.generate_uid()
        r = assoc.n_create("ModalityPerformedProcedureStep", pps, instance_uid=uid)
        assert r.status == 0 and r.sop_instance_uid == uid
        done = dcmkit.Dataset()
        done.PerformedProcedureStepStatus = "COMPLETED"
        done.PerformedProcedureStepEndDate = "20260101"
        done.PerformedProcedureStepEndTime = "103000"
        assert assoc.n_set(dcmkit.sop.ModalityPerformedProcedureStep, uid, done).status == 0
        assert assoc.n_set(dcmkit.sop.ModalityPerformedProcedureStep, uid, done).status != 0  # no longer updatable
        # Storage Commitment was not proposed: refused, the association goes on
        with pytest.raises(dcmkit.NetworkError) as e:
            assoc.n_action(dcmkit.sop.StorageCommitmentPushModel, "1.2.840.10008.1.20.1.1", 1, dcmkit.Dataset())
        assert e.value.kind == "refused"
        assert assoc.is_established


@needs_cli
def test_query_without_query_contexts_is_refused(archive):
    port, _, _ = archive
    with dcmkit.connect("127.0.0.1", port, called="ARCH", timeout=20) as assoc:  # storage only
        with pytest.raises(dcmkit.NetworkError) as e:
            assoc.find("STUDY", PatientName="*")
        assert e.value.kind == "refused"
        assert assoc.echo() == 0


def test_query_argument_errors():
    # No peer needed: the identifier is checked before anything is sent.
    a = dcmkit.Association(None)
    with pytest.raises(ValueError):
        a.find("STUDIES")
    with pytest.raises(TypeError):
        a.find(dcmkit.Dataset(), PatientName="X")
    with pytest.raises(ValueError):
        a.move("DEST", "STUDY", model="worklist", StudyInstanceUID="1.2")
    with pytest.raises(ValueError, match="NotAKeyword"):
        a.find("STUDY", NotAKeyword="x")
    with pytest.raises(ValueError):
        a.get("/nonexistent-never-made", "STUDY", model="worklist")


def test_python_find_scp():
    """A Python C-FIND handler (pynetdicom's protocol) answered to our SCU, with a cancel and a failure."""
    seen = []

    def on_find(event):
        seen.append((event.calling_ae, event.level, event.sop_class_uid, event.identifier.PatientName))
        if event.identifier.PatientName == "FAIL":
            raise RuntimeError("no such archive")
        if event.identifier.PatientName == "A900":
            yield 0xA900, None
            return
        for i in range(1000000 if event.identifier.PatientName == "MANY" else 3):  # MANY: until cancelled
            ds = dcmkit.Dataset()
            ds.PatientName = "DOE^%d" % i
            ds.StudyInstanceUID = "1.2.826.0.1.3680043.2.1125.81.%d" % (i + 1)
            yield (0xFF00, ds) if i % 2 else ds

    ae = dcmkit.AE("FINDSCP")
    ae.add_verification()
    ae.add_supported_context(dcmkit.sop.StudyRootQueryRetrieveInformationModelFind)
    unraisable = []
    old_hook = __import__("sys").unraisablehook
    __import__("sys").unraisablehook = unraisable.append
    try:
        with ae.start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_C_FIND, on_find)]) as server:
            ae_scu = dcmkit.AE("PYSCU", dimse_timeout=20)
            ae_scu.add_verification()
            ae_scu.add_query_retrieve()
            with ae_scu.associate("127.0.0.1", server.port, ae_title="FINDSCP") as assoc:
                found = assoc.find_all("STUDY", PatientName="DOE*", StudyInstanceUID="")
                assert found.status == 0
                assert [ds.PatientName for ds in found] == ["DOE^0", "DOE^1", "DOE^2"]
                assert all(ds.QueryRetrieveLevel == "STUDY" for ds in found)
                assert assoc.find_all("STUDY", PatientName="A900").status == 0xA900
                assert assoc.find_all("STUDY", PatientName="FAIL").status == 0xC000
                many = assoc.find_all("STUDY", PatientName="MANY", limit=2)
                assert many.status == 0xFE00 and len(many) == 2
                # Patient Root is not supported by this SCP
                with pytest.raises(dcmkit.NetworkError):
                    assoc.find_all("STUDY", model="patient", PatientName="X")
                assert assoc.echo() == 0
    finally:
        __import__("sys").unraisablehook = old_hook
    assert seen[0] == ("PYSCU", "STUDY", dcmkit.sop.StudyRootQueryRetrieveInformationModelFind, "DOE*")
    assert len(seen) == 4
    assert len(unraisable) == 1 and "no such archive" in str(unraisable[0].exc_value)


@pytest.mark.skipif(not __import__("shutil").which("dcmqrscp"), reason="DCMTK's dcmqrscp is not installed")
def test_find_get_move_against_dcmqrscp(tmp_path, pydest, start_peer):
    """The same calls against DCMTK's dcmqrscp (AE QRSCP), filled by our C-STORE."""
    dest, moved = pydest
    db = tmp_path / "db"
    db.mkdir()
    port = free_port()
    cfg = tmp_path / "dcmqrscp.cfg"
    cfg.write_text("NetworkTCPPort = %d\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
                   "HostTable BEGIN\ndest = (PYDEST, 127.0.0.1, %d)\nHostTable END\n"
                   "VendorTable BEGIN\nVendorTable END\n"
                   "AETable BEGIN\nQRSCP %s RW (100, 64mb) ANY\nAETable END\n" % (port, dest.port, db))
    port = start_peer("dcmqrscp", ["dcmqrscp", "-c", str(cfg), str(port)], port)
    datasets = store_instances(port, "QRSCP")
    with dcmkit.connect("127.0.0.1", port, called="QRSCP", query=True, timeout=20) as assoc:
        found = assoc.find_all("STUDY", PatientID="QRPY1", StudyInstanceUID="")
        assert found.status == 0
        assert sorted(ds.StudyInstanceUID for ds in found) == [STUDY1, STUDY2]
        found = assoc.find_all("IMAGE", model="patient", PatientID="QRPY1", StudyInstanceUID=STUDY1,
                           SeriesInstanceUID=STUDY1 + ".1", SOPInstanceUID="")
        assert len(found) == 2
        r = assoc.get(tmp_path / "got", "STUDY", StudyInstanceUID=STUDY1)
        assert (r.status, r.completed, r.stored) == (0, 2, 2)
        assert sorted(os.listdir(tmp_path / "got")) == sorted(d.SOPInstanceUID + ".dcm" for d in datasets[:2])
        r = assoc.move("PYDEST", "STUDY", StudyInstanceUID=STUDY2)
        assert (r.status, r.completed) == (0, 1)
    assert os.listdir(moved) == [datasets[2].SOPInstanceUID + ".dcm"]
