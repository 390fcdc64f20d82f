"""Server events in pynetdicom's shape: dcmkit.evt types (.name, .is_intervention), handlers given an
event with .assoc (requestor/acceptor), .request, .context, .dataset/.file_meta, .identifier; C-MOVE
and C-GET handlers in pynetdicom's generator protocol. DCMTK's storescu, findscu, movescu and getscu
are the requestors; files and expected values come from the test (what was sent) and pydicom.

Every peer listens on 127.0.0.1 on a free port, runs with TCP_NODELAY=1, is stopped by its PID, and
every wait is bounded.
"""

import os
import shutil
import subprocess

import pydicom
import pytest

import dcmkit
from conftest import free_port

SC = "1.2.840.10008.5.1.4.1.1.7"
STUDY = "1.2.826.0.1.3680043.2.1125.85.1"
IMPLICIT = "1.2.840.10008.1.2"
needs = lambda *tools: pytest.mark.skipif(not all(shutil.which(t) for t in tools),  # noqa: E731
                                          reason="DCMTK (%s) is not installed" % ", ".join(tools))


def run_dcmtk(args, timeout=60):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(os.environ, TCP_NODELAY="1"),
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def make_files(folder, n=2):
    paths = []
    for i in range(n):
        ds = dcmkit.Dataset()
        ds.SOPClassUID = SC
        ds.SOPInstanceUID = dcmkit.generate_uid()
        ds.PatientName = "EVT^%d" % i
        ds.StudyInstanceUID = STUDY
        ds.SeriesInstanceUID = STUDY + ".1"
        path = str(folder / ("in%d.dcm" % i))
        ds.save(path, fsync=False)
        paths.append(path)
    return paths


def test_event_types_are_pynetdicoms():
    e = dcmkit.evt.EVT_C_STORE
    assert e.name == "EVT_C_STORE" and e.is_intervention and not e.is_notification
    assert "C-STORE" in e.description
    names = {k for k in vars(dcmkit.evt) if k.startswith("EVT_")}
    assert {"EVT_USER_ID", "EVT_C_ECHO", "EVT_C_STORE", "EVT_C_FIND", "EVT_C_MOVE", "EVT_C_GET", "EVT_N_CREATE", "EVT_N_SET",
            "EVT_N_GET", "EVT_N_ACTION", "EVT_N_EVENT_REPORT", "EVT_N_DELETE"} <= names
    assert all(getattr(dcmkit.evt, n).name == n for n in names)
    notes = {n for n in names if getattr(dcmkit.evt, n).is_notification}
    assert notes == {"EVT_ACCEPTED", "EVT_RELEASED", "EVT_ABORTED"}  # what the server really reports


@needs("storescu")
def test_store_event_from_storescu(tmp_path):
    paths = make_files(tmp_path, 1)
    ref = pydicom.dcmread(paths[0])
    seen = []

    def handle_store(event):
        seen.append(dict(
            event=event.event, requestor=(event.assoc.requestor.ae_title, event.assoc.requestor.address),
            port=event.assoc.requestor.port, acceptor=event.assoc.acceptor.ae_title,
            cls=event.request.AffectedSOPClassUID, inst=event.request.AffectedSOPInstanceUID,
            context=(event.context.abstract_syntax, event.context.transfer_syntax),
            meta_ts=event.file_meta.TransferSyntaxUID, name=str(event.dataset.PatientName)))
        return 0x0000

    ae = dcmkit.AE("PYSTORE")
    ae.add_supported_context(SC, [IMPLICIT])
    with ae.start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_C_STORE, handle_store)]) as server:
        rc, out = run_dcmtk(["storescu", "-xi", "-aet", "STORESCU", "-aec", "PYSTORE", "127.0.0.1", str(server.port),
                             paths[0]])
        assert rc == 0, out
    assert len(seen) == 1
    s = seen[0]
    assert s["event"] is dcmkit.evt.EVT_C_STORE
    assert s["requestor"] == ("STORESCU", "127.0.0.1") and isinstance(s["port"], int) and s["port"] > 0
    assert s["acceptor"] == "PYSTORE"
    assert (s["cls"], s["inst"]) == (ref.SOPClassUID, ref.SOPInstanceUID)
    assert s["context"] == (SC, IMPLICIT) and s["meta_ts"] == IMPLICIT
    assert s["name"] == str(ref.PatientName)


@needs("storescu")
def test_user_identity_event_from_storescu(tmp_path):
    """pynetdicom's EVT_USER_ID: the handler sees storescu's --user/--password and --jwt identities and
    decides; a refused identity rejects the association before any C-STORE."""
    paths = make_files(tmp_path, 1)
    seen, stored = [], []

    def handle_user_id(event, user_id_type, primary, secondary):
        seen.append((event.event.name, event.calling_ae, user_id_type, primary, secondary))
        return (user_id_type == 2 and primary == b"alice" and secondary == b"s3cret") or user_id_type == 5, None

    def handle_store(event):
        stored.append((event.identity_type, event.identity, event.passcode))
        return 0x0000

    ae = dcmkit.AE("PYUSER")
    ae.add_supported_context(SC, [IMPLICIT])
    handlers = [(dcmkit.evt.EVT_USER_ID, handle_user_id), (dcmkit.evt.EVT_C_STORE, handle_store)]
    token = tmp_path / "token.jwt"
    token.write_text("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJvbCJ9.c2lnbmF0dXJl\n")
    with ae.start_server(("127.0.0.1", 0), evt_handlers=handlers) as server:
        def store(*identity):
            return run_dcmtk(["storescu", "-xi", "-aet", "STORESCU", "-aec", "PYUSER", *identity, "127.0.0.1",
                              str(server.port), paths[0]])
        rc, out = store("--user", "alice", "--password", "s3cret")
        assert rc == 0, out
        rc, out = store("--user", "alice", "--password", "wrong")
        assert rc != 0 and "Association Rejected" in out, out
        rc, out = store("--jwt", str(token))
        assert rc == 0, out
        rc, out = store()  # no identity: EVT_USER_ID is not called, the association goes on
        assert rc == 0, out
    assert seen == [("EVT_USER_ID", "STORESCU", 2, b"alice", b"s3cret"), ("EVT_USER_ID", "STORESCU", 2, b"alice", b"wrong"),
                    ("EVT_USER_ID", "STORESCU", 5, token.read_bytes(), None)]
    assert stored == [(2, b"alice", "s3cret"), (5, token.read_bytes(), ""), (0, b"", "")]


@needs("storescp")
def test_scu_user_identity_to_storescp_and_to_our_server(tmp_path, start_peer):
    """AE.set_user_identity: DCMTK's storescp takes the A-ASSOCIATE-RQ carrying it (the item is well
    formed) and our server's EVT_USER_ID handler sees exactly what was set."""
    paths = make_files(tmp_path, 1)
    dest = tmp_path / "dest"
    dest.mkdir()
    port = free_port()
    port = start_peer("storescp", ["storescp", "-aet", "STORESCP", "-od", str(dest), str(port)], port)
    scu = dcmkit.AE("PYSCU")
    scu.add_requested_context(SC, [IMPLICIT])
    scu.set_user_identity(5, b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJvbCJ9.c2ln", positive_response=True)
    with scu.associate("127.0.0.1", port, "STORESCP") as assoc:
        assert assoc.store(paths[0]) == 0x0000
        assert assoc.user_identity_response == b""  # storescp does not answer identities
    assert len(os.listdir(dest)) == 1

    seen = []
    ae = dcmkit.AE("PYUSER")
    ae.add_supported_context(SC, [IMPLICIT])
    handler = lambda event, kind, primary, secondary: (seen.append((kind, primary, secondary)) or True, None)  # noqa
    with ae.start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_USER_ID, handler),
                                                         (dcmkit.evt.EVT_C_STORE, lambda e: 0)]) as server:
        scu.set_user_identity(2, "alice", "s3cret")
        with scu.associate("127.0.0.1", server.port, "PYUSER") as assoc:
            assert assoc.store(paths[0]) == 0x0000
    assert seen == [(2, b"alice", b"s3cret")]


@needs("findscu")
def test_find_event_from_findscu():
    seen = []

    def handle_find(event):
        seen.append((event.event.name, event.assoc.requestor.ae_title, event.request.AffectedSOPClassUID,
                     event.context.abstract_syntax, event.identifier.PatientName))
        ds = dcmkit.Dataset()
        ds.PatientName = "DOE^J"
        yield 0xFF00, ds

    ae = dcmkit.AE("PYFIND")
    ae.add_supported_context(dcmkit.sop.StudyRootQueryRetrieveInformationModelFind)
    with ae.start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_C_FIND, handle_find)]) as server:
        rc, out = run_dcmtk(["findscu", "-S", "-aet", "FINDSCU", "-aec", "PYFIND", "-k", "0008,0052=STUDY",
                             "-k", "PatientName=DOE*", "127.0.0.1", str(server.port)])
        assert rc == 0, out
    model = dcmkit.sop.StudyRootQueryRetrieveInformationModelFind
    assert seen == [("EVT_C_FIND", "FINDSCU", model, model, "DOE*")]


@needs("storescp", "movescu", "getscu")
def test_move_and_get_handlers_in_pynetdicoms_protocol(tmp_path, start_peer):
    src, dest, got = tmp_path / "src", tmp_path / "dest", tmp_path / "got"
    for d in (src, dest, got):
        d.mkdir()
    paths = make_files(src, 2)
    uids = [pydicom.dcmread(p).SOPInstanceUID for p in paths]
    dest_port = free_port()
    dest_port = start_peer("storescp", ["storescp", "-aet", "STORESCP", "-od", str(dest), str(dest_port)], dest_port)
    seen = []

    def handle_move(event):
        seen.append((event.event.name, event.request.MoveDestination, event.identifier.StudyInstanceUID))
        if event.move_destination != "STORESCP":
            yield None, None  # unknown destination: 0xA801
            return
        yield "127.0.0.1", dest_port
        yield len(paths)
        for p in paths:
            yield 0xFF00, p

    def handle_get(event):
        seen.append((event.event.name, getattr(event.request, "MoveDestination", None),
                     event.identifier.StudyInstanceUID))
        yield len(paths)
        for p in paths:
            yield 0xFF00, p

    ae = dcmkit.AE("RETRSCP")
    ae.add_supported_context(dcmkit.sop.StudyRootQueryRetrieveInformationModelMove)
    ae.add_supported_context(dcmkit.sop.StudyRootQueryRetrieveInformationModelGet)
    ae.add_requested_context(SC)
    handlers = [(dcmkit.evt.EVT_C_MOVE, handle_move), (dcmkit.evt.EVT_C_GET, handle_get)]
    with ae.start_server(("127.0.0.1", 0), evt_handlers=handlers) as server:
        rc, out = run_dcmtk(["movescu", "-S", "-aet", "MOVESCU", "-aec", "RETRSCP", "-aem", "STORESCP",
                             "-k", "0008,0052=STUDY", "-k", "0020,000D=" + STUDY, "127.0.0.1", str(server.port)])
        assert rc == 0, out
        assert sorted(os.listdir(dest)) == sorted("SC." + u for u in uids)
        rc, out = run_dcmtk(["getscu", "-S", "-aet", "GETSCU", "-aec", "RETRSCP", "-od", str(got),
                             "-k", "0008,0052=STUDY", "-k", "0020,000D=" + STUDY, "127.0.0.1", str(server.port)])
        assert rc == 0, out
        assert sorted(os.listdir(got)) == sorted("SC." + u for u in uids)
        with dcmkit.connect("127.0.0.1", server.port, called="RETRSCP", query=True, timeout=20) as assoc:
            r = assoc.move("NOWHERE", "STUDY", StudyInstanceUID=STUDY)
            assert r.Status == 0xA801 and r.NumberOfCompletedSuboperations == 0
            r = assoc.get(None, "STUDY", StudyInstanceUID=STUDY)
            assert (r.Status, r.NumberOfCompletedSuboperations) == (0, 2)
            assert sorted(d.SOPInstanceUID for d in r.datasets) == sorted(uids)
    assert seen == [("EVT_C_MOVE", "STORESCP", STUDY), ("EVT_C_GET", None, STUDY), ("EVT_C_MOVE", "NOWHERE", STUDY),
                    ("EVT_C_GET", None, STUDY)]


def test_n_event_attributes_with_our_scu():
    seen = []

    def handle_action(event):
        seen.append((event.event.name, event.action_type, event.request.RequestedSOPClassUID,
                     event.request.RequestedSOPInstanceUID, event.action_information.PatientID,
                     event.assoc.requestor.ae_title))
        return 0x0000

    cls = dcmkit.sop.StorageCommitmentPushModel
    ae = dcmkit.AE("NSCP")
    ae.add_supported_context(cls)
    with ae.start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_N_ACTION, handle_action)]) as server:
        scu = dcmkit.AE("NSCU")
        scu.add_requested_context(cls)
        with scu.associate("127.0.0.1", server.port, ae_title="NSCP") as assoc:
            info = dcmkit.Dataset()
            info.PatientID = "P1"
            assert assoc.n_action(cls, "1.2.840.10008.1.20.1.1", 7, info).status == 0
    assert seen == [("EVT_N_ACTION", 7, cls, "1.2.840.10008.1.20.1.1", "P1", "NSCU")]


@needs("echoscu")
def test_notification_events_from_echoscu_and_our_scu():
    """EVT_ACCEPTED then EVT_RELEASED or EVT_ABORTED, for DCMTK's echoscu (released, and with
    --abort) and our own SCU (release(), abort()); two handlers bound to one notification both run."""
    import threading
    import time

    lock, seen, also = threading.Lock(), [], []

    def note(event):
        with lock:
            seen.append((event.event.name, event.assoc.requestor.ae_title, event.event.is_notification))

    ae = dcmkit.AE("PYNOTE")
    ae.add_verification()
    handlers = [(dcmkit.evt.EVT_ACCEPTED, note), (dcmkit.evt.EVT_RELEASED, note), (dcmkit.evt.EVT_ABORTED, note),
                (dcmkit.evt.EVT_RELEASED, lambda event, tag: also.append(tag), ["second"])]

    def wait_for(n):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with lock:
                if len(seen) >= n:
                    return list(seen)
            time.sleep(0.02)
        with lock:
            return list(seen)

    with ae.start_server(("127.0.0.1", 0), evt_handlers=handlers) as server:
        rc, out = run_dcmtk(["echoscu", "-aet", "ECHO1", "-aec", "PYNOTE", "127.0.0.1", str(server.port)])
        assert rc == 0, out
        assert wait_for(2) == [("EVT_ACCEPTED", "ECHO1", True), ("EVT_RELEASED", "ECHO1", True)]
        rc, out = run_dcmtk(["echoscu", "--abort", "-aet", "ECHO2", "-aec", "PYNOTE", "127.0.0.1", str(server.port)])
        assert rc == 0, out
        assert wait_for(4)[2:] == [("EVT_ACCEPTED", "ECHO2", True), ("EVT_ABORTED", "ECHO2", True)]
        scu = dcmkit.AE("PYSCU")
        scu.add_verification()
        with scu.associate("127.0.0.1", server.port, ae_title="PYNOTE") as assoc:
            assert assoc.echo() == 0
        assert wait_for(6)[4:] == [("EVT_ACCEPTED", "PYSCU", True), ("EVT_RELEASED", "PYSCU", True)]
        assoc = scu.associate("127.0.0.1", server.port, ae_title="PYNOTE")
        assoc.abort()
        assert wait_for(8)[6:] == [("EVT_ACCEPTED", "PYSCU", True), ("EVT_ABORTED", "PYSCU", True)]
    assert also == ["second", "second"]
