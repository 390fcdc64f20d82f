"""C-FIND read lazily (Association.find, pynetdicom's (status, identifier) pairs) and stopped early
with a C-CANCEL-RQ; C-GET into Datasets; C-MOVE/C-GET counts under pynetdicom's names. Against
DCMTK's dcmqrscp (its log shows the cancel), our own Python C-FIND SCP (its handler's generator is
closed by the cancel) and DCMTK's movescu/getscu where our side is the SCP.

Every peer listens on 127.0.0.1 on a free port with TCP_NODELAY=1, is stopped by its PID, and every
wait is bounded.
"""

import gc
import re
import shutil
import threading
import time

import pytest

import dcmkit
from conftest import free_port

SC = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage
ROOT = "1.2.826.0.1.3680043.2.1125.83."
# dcmqrscp's log lines for a C-CANCEL-RQ it received: during the matching, or after it ended.
CANCELLED = re.compile(r"Find SCP Response (\d+) \[status: Cancel|(late) C-CANCEL-RQ")


def wait_cancels(log, n, seconds=10):
    """The cancels dcmqrscp logged (response numbers, or "late"), once there are n (bounded wait)."""
    deadline = time.monotonic() + seconds
    while True:
        found = [a or b for a, b in CANCELLED.findall(log.read_text(errors="replace"))]
        if len(found) >= n or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


needs_dcmqrscp = pytest.mark.skipif(not shutil.which("dcmqrscp"), reason="DCMTK's dcmqrscp is not installed")


def instance(study, n):
    ds = dcmkit.Dataset()
    ds.SOPClassUID = SC
    ds.SOPInstanceUID = dcmkit.generate_uid()
    ds.PatientName = "STREAM^%d" % n
    ds.PatientID = "STREAM1"
    ds.StudyDate = "20260101"
    ds.Modality = "OT"
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = study + ".1"
    ds.InstanceNumber = n
    return ds


@pytest.fixture
def dcmqrscp(tmp_path, start_peer):
    """DCMTK's dcmqrscp (AE QRSCP, debug log) holding 40 studies of one instance each, plus a second
    instance in the first study: (port, [datasets], log path)."""
    db = tmp_path / "db"
    db.mkdir()
    port = free_port()
    cfg = tmp_path / "dcmqrscp.cfg"
    cfg.write_text("NetworkTCPPort = %d\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
                   "HostTable BEGIN\nHostTable END\nVendorTable BEGIN\nVendorTable END\n"
                   "AETable BEGIN\nQRSCP %s RW (200, 64mb) ANY\nAETable END\n" % (port, db))
    port = start_peer("dcmqrscp", ["dcmqrscp", "-d", "-c", str(cfg), str(port)], port)
    datasets = [instance(ROOT + str(i + 1), i) for i in range(40)] + [instance(ROOT + "1", 99)]
    with dcmkit.connect("127.0.0.1", port, called="QRSCP", contexts=[SC], timeout=20) as assoc:
        for ds in datasets:
            assert assoc.store(ds) == 0
    return port, datasets, tmp_path / "dcmqrscp.log"


@needs_dcmqrscp
def test_lazy_find_break_cancels_at_dcmqrscp(dcmqrscp):
    port, datasets, log = dcmqrscp
    with dcmkit.connect("127.0.0.1", port, called="QRSCP", query=True, timeout=20) as assoc:
        seen = []
        for status, identifier in assoc.find("STUDY", PatientID="STREAM1", StudyInstanceUID=""):
            assert status.Status == 0xFF00 and status == 0xFF00 and status.is_pending and bool(status)
            seen.append(identifier.StudyInstanceUID)
            if len(seen) == 3:
                break
        # The loop's iterator is gone: the query was cancelled and drained, dcmqrscp saw the C-CANCEL-RQ.
        assert len(set(seen)) == 3 and set(seen) <= {d.StudyInstanceUID for d in datasets}
        # dcmqrscp received the C-CANCEL-RQ: it ends the matching with a Cancel response (number 4 to
        # 41: the 41st is the final response, Cancel when the request came after the last match but
        # before the end), or, when its final response had gone out already, logs the cancel as late.
        cancels = wait_cancels(log, 1)
        assert len(cancels) == 1 and (cancels[0] == "late" or 3 < int(cancels[0]) <= 41), cancels
        # The association is usable for another find, read to its end: every study, then Success.
        responses = assoc.find("STUDY", PatientID="STREAM1", StudyInstanceUID="")
        pairs = list(responses)
        assert [p[0].Status for p in pairs] == [0xFF00] * 40 + [0x0000]
        assert pairs[-1][1] is None and all(p[1] is not None for p in pairs[:-1])
        assert sorted(p[1].StudyInstanceUID for p in pairs[:-1]) == sorted({d.StudyInstanceUID for d in datasets})
        assert (responses.status, responses.matches, responses.cancelled) == (0, 40, False)
        # close() after two matches: status Cancel (or Success when the peer was done first).
        with assoc.find("STUDY", PatientID="STREAM1", StudyInstanceUID="") as responses:
            assert next(responses)[0] == 0xFF00 and next(responses)[0] == 0xFF00
        assert responses.cancelled and responses.status in (0xFE00, 0x0000) and responses.done
        assert list(responses) == []
        # A query left open is settled by the next request on the association.
        open_one = assoc.find("STUDY", PatientID="STREAM1", StudyInstanceUID="")
        next(open_one)
        assert assoc.echo() == 0
        assert open_one.done and open_one.cancelled
        assert len(assoc.find_all("IMAGE", model="patient", PatientID="STREAM1", StudyInstanceUID=ROOT + "1",
                                  SeriesInstanceUID=ROOT + "1.1", SOPInstanceUID="")) == 2
    assert len(wait_cancels(log, 3)) == 3  # break, close(), the echo


def test_lazy_find_against_python_scp_stops_the_handler():
    """Our own C-FIND SCP: the handler yields until cancelled; breaking out after 3 matches closes
    its generator (the server saw the C-CANCEL-RQ) long before its end, and the association goes on."""
    closed, yielded = threading.Event(), []

    def on_find(event):
        try:
            for i in range(100000):
                ds = dcmkit.Dataset()
                ds.PatientName = "MANY^%d" % i
                yielded.append(i)
                yield 0xFF00, ds
        finally:
            closed.set()

    ae = dcmkit.AE("FINDSCP")
    ae.add_verification()
    ae.add_supported_context(dcmkit.sop.StudyRootQueryRetrieveInformationModelFind)
    with ae.start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_C_FIND, on_find)]) as server:
        with dcmkit.connect("127.0.0.1", server.port, called="FINDSCP", query=True, timeout=20) as assoc:
            responses = assoc.find("STUDY", PatientName="*")
            names = []
            for status, ds in responses:
                names.append(str(ds.PatientName))
                if len(names) == 3:
                    break
            assert names == ["MANY^0", "MANY^1", "MANY^2"]
            del responses
            gc.collect()
            assert closed.wait(10)
            assert len(yielded) < 100000
            assert assoc.echo() == 0
            # send_c_find, pynetdicom's spelling, with its query model letter.
            q = dcmkit.Dataset()
            q.QueryRetrieveLevel = "STUDY"
            q.PatientName = "*"
            gen = assoc.send_c_find(q, "S")
            status, ds = next(gen)
            assert status == 0xFF00 and ds.PatientName == "MANY^0"
            gen.close()
            assert gen.status == 0xFE00 and gen.cancelled
            assert assoc.echo() == 0


def test_find_is_lazy_and_says_so():
    a = dcmkit.Association(None)
    with pytest.raises(TypeError, match="find_all"):
        a.find("STUDY", PatientName="X", limit=1)


def test_status_object():
    s = dcmkit.Status(0x0000)
    assert s and s == 0 and int(s) == 0 and s.is_success and not s.is_pending
    assert dcmkit.Status(0xFE00).is_cancel and dcmkit.Status(0xFF01).is_pending
    assert dcmkit.Status(0xA700) != 0 and hash(dcmkit.Status(5)) == hash(5)


@needs_dcmqrscp
def test_get_into_datasets_and_pynetdicom_counts(dcmqrscp, tmp_path):
    port, datasets, _ = dcmqrscp
    with dcmkit.connect("127.0.0.1", port, called="QRSCP", query=True, timeout=20) as assoc:
        r = assoc.get(None, "STUDY", StudyInstanceUID=ROOT + "1")
        assert (r.Status, r.NumberOfCompletedSuboperations, r.NumberOfFailedSuboperations,
                r.NumberOfWarningSuboperations) == (0, 2, 0, 0)
        assert sorted(d.SOPInstanceUID for d in r.datasets) == sorted(
            d.SOPInstanceUID for d in datasets if d.StudyInstanceUID == ROOT + "1")
        assert all(isinstance(d, dcmkit.Dataset) and d.PatientID == "STREAM1" for d in r.datasets)
        # Into a folder, as before: no datasets kept in memory.
        r = assoc.get(tmp_path / "got", "STUDY", StudyInstanceUID=ROOT + "2")
        assert (r.status, r.stored, r.datasets) == (0, 1, [])
        # A C-MOVE to an AE dcmqrscp does not know: 0xA801, no sub-operation.
        r = assoc.move("NOWHERE", "STUDY", StudyInstanceUID=ROOT + "2")
        assert r.Status == 0xA801 and r.NumberOfCompletedSuboperations == 0
