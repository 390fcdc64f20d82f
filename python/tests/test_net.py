"""Networking from Python: dcmkit.connect / AE.associate as SCU against DCMTK's storescp, DCMTK's
echoscu and storescu against a dcmkit server whose handlers are Python callables, dcmkit against
dcmkit, and the failures (rejected association, closed port, handler errors).

DCMTK peers run on 127.0.0.1, on free ports, with TCP_NODELAY=1; they are started here and
stopped by their PID; every wait is bounded.
"""

import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

import dcmkit
from conftest import free_port

DCMTK = all(shutil.which(t) for t in ("storescp", "storescu", "echoscu"))
needs_dcmtk = pytest.mark.skipif(not DCMTK, reason="DCMTK (storescp, storescu, echoscu) is not installed")

SC = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage


def dcmtk_env():
    env = dict(os.environ)
    env["TCP_NODELAY"] = "1"
    return env


def run_dcmtk(args, timeout=30):
    """Runs a DCMTK SCU to completion; returns (exit code, output)."""
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dcmtk_env(), timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


@pytest.fixture
def storescp(tmp_path, start_peer):
    """DCMTK's storescp (AE STORESCP) on a free port: (port, output folder)."""
    if not DCMTK:
        pytest.skip("DCMTK is not installed")
    out = tmp_path / "storescp"
    out.mkdir()
    port = free_port()
    port = start_peer("storescp", ["storescp", "-aet", "STORESCP", "-od", str(out), str(port)], port)
    return port, out


def same_elements(a, b):
    """Equal datasets, outside the file meta information (group 0002)."""
    ta = [t for t in a.tags() if t.group != 2]
    tb = [t for t in b.tags() if t.group != 2]
    assert ta == tb
    for t in ta:
        assert a[t].vr == b[t].vr, t
        assert a[t].value == b[t].value, t


def new_instance():
    ds = dcmkit.Dataset()
    ds.SOPClassUID = SC
    ds.SOPInstanceUID = dcmkit.generate_uid()
    ds.PatientName = "Net^Test"
    ds.PatientID = "NET-1"
    ds.Modality = "OT"
    return ds


class Recorder:
    """Thread-safe handlers that record what they saw."""

    def __init__(self, store_status=0x0000):
        self.lock = threading.Lock()
        self.associations, self.echoes, self.stores = [], [], []
        self.store_status = store_status

    def on_associate(self, event):
        with self.lock:
            self.associations.append((event.calling_ae, event.called_ae, event.peer_address))
        return True

    def on_echo(self, event):
        with self.lock:
            self.echoes.append(event.calling_ae)
        return 0x0000

    def on_store(self, event):
        ds = event.dataset
        with self.lock:
            self.stores.append(dict(path=event.path, sop_class_uid=event.sop_class_uid,
                                    sop_instance_uid=event.sop_instance_uid,
                                    transfer_syntax=event.transfer_syntax, calling_ae=event.calling_ae,
                                    patient=ds.PatientName, uid_in_dataset=ds.SOPInstanceUID))
        return self.store_status


def scp_ae(title="DKSCP"):
    ae = dcmkit.AE(title, dimse_timeout=20, acse_timeout=10)
    ae.add_verification()
    ae.add_all_storage()
    return ae


# -- SCU: dcmkit -> DCMTK storescp -------------------------------------------------------------------

@needs_dcmtk
def test_connect_echo_store_to_storescp(storescp, corpus):
    port, out = storescp
    src = corpus["latin1_explicit"]
    with dcmkit.connect("127.0.0.1", port, calling="DKSCU", called="STORESCP", files=[src], timeout=20) as assoc:
        assert assoc.is_established
        assert assoc.echo() == 0x0000
        accepted = {c.abstract_syntax for c in assoc.accepted_contexts}
        assert dcmkit.sop.Verification in accepted and SC in accepted
        assert assoc.store(src) == 0x0000                 # a path
        ds = new_instance()
        assert assoc.store(ds) == 0x0000                  # a Dataset in memory
    assert not assoc.is_established

    original = dcmkit.read(src)
    stored = dcmkit.read(out / ("SC." + original.SOPInstanceUID))
    same_elements(original, stored)
    mem = dcmkit.read(out / ("SC." + ds.SOPInstanceUID))
    assert mem.PatientName == "Net^Test" and mem.SOPClassUID == SC


@needs_dcmtk
def test_ae_associate_default_contexts(storescp):
    port, out = storescp
    ae = dcmkit.AE("DKSCU")
    ae.add_requested_context(dcmkit.sop.Verification)
    ae.add_requested_context("SecondaryCaptureImageStorage", ["explicit", "implicit"])  # keyword and aliases
    ds = new_instance()
    with ae.associate("127.0.0.1", port, ae_title="STORESCP") as assoc:
        assert assoc.echo() == 0
        assert assoc.store(ds) == 0
    assert (out / ("SC." + ds.SOPInstanceUID)).exists()
    # The one-line form proposes the common storage classes when given no contexts nor files.
    with dcmkit.connect("127.0.0.1", port, called="STORESCP") as assoc:
        assert assoc.store(new_instance()) == 0


@needs_dcmtk
def test_store_without_context_is_refused_and_association_survives(storescp):
    port, _ = storescp
    with dcmkit.connect("127.0.0.1", port, called="STORESCP", contexts=[]) as assoc:
        with pytest.raises(dcmkit.NetworkError) as e:
            assoc.store(new_instance())
        assert e.value.kind == "refused"
        assert assoc.is_established
        assert assoc.echo() == 0


@needs_dcmtk
def test_exception_in_with_block_aborts(storescp):
    port, _ = storescp
    with pytest.raises(RuntimeError):
        with dcmkit.connect("127.0.0.1", port, called="STORESCP") as assoc:
            raise RuntimeError("boom")
    assert not assoc.is_established


# -- SCP: DCMTK -> dcmkit server with Python handlers ------------------------------------------------

@needs_dcmtk
def test_dcmtk_echoscu_storescu_to_python_scp(corpus):
    rec = Recorder()
    ae = scp_ae()
    with ae.start_server(("127.0.0.1", 0), handlers={"on_associate": rec.on_associate, "on_echo": rec.on_echo,
                                                     "on_store": rec.on_store}) as server:
        assert server.port > 0
        code, log = run_dcmtk(["echoscu", "-aet", "ECHOER", "-aec", "DKSCP", "127.0.0.1", str(server.port)])
        assert code == 0, log
        code, log = run_dcmtk(["storescu", "-aet", "STORER", "-aec", "DKSCP", "127.0.0.1", str(server.port),
                               str(corpus["latin1_explicit"]), str(corpus["utf8_explicit"])])
        assert code == 0, log
    assert not server.is_running
    assert rec.echoes == ["ECHOER"]
    assert [a[:2] for a in rec.associations] == [("ECHOER", "DKSCP"), ("STORER", "DKSCP")]
    assert all(a[2].startswith("127.0.0.1:") for a in rec.associations)
    assert len(rec.stores) == 2
    s = rec.stores[0]
    assert s["sop_class_uid"] == SC and s["calling_ae"] == "STORER"
    assert s["sop_instance_uid"] == "1.2.826.0.1.3680043.2.1143.101" == s["uid_in_dataset"]
    assert s["transfer_syntax"].startswith("1.2.840.10008.1.2")
    assert s["patient"][0].startswith("Buc^J")
    assert not os.path.exists(s["path"])  # a scratch file, removed after the handler


@needs_dcmtk
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_failure_status_and_handler_exception_reported_to_storescu(corpus, tmp_path):
    calls = []

    def refuse(event):
        calls.append(event.sop_instance_uid)
        return 0xA700

    def broken(event):
        calls.append("broken")
        raise RuntimeError("handler bug")

    ae = scp_ae()
    for handler in (refuse, broken):
        storage = tmp_path / handler.__name__
        storage.mkdir()
        server = ae.start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_C_STORE, handler)], storage=storage)
        try:
            code, log = run_dcmtk(["storescu", "-v", "-aec", "DKSCP", "127.0.0.1", str(server.port),
                                   str(corpus["latin1_explicit"])])
            assert "Received Store Response (Refused: OutOfResources)" in log, log  # 0xA700
            assert code != 0, log
            assert list(storage.iterdir()) == []  # a failure status drops the stored file
            # The server keeps serving after a handler failed.
            code, log = run_dcmtk(["echoscu", "-aec", "DKSCP", "127.0.0.1", str(server.port)])
            assert code == 0, log
            assert server.is_running
        finally:
            server.shutdown()
    assert calls == ["1.2.826.0.1.3680043.2.1143.101", "broken"]


@needs_dcmtk
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_echo_handler_exception_gives_failure_status():
    def broken(event):
        raise ValueError("no")

    ae = scp_ae()
    with ae.start_server(("127.0.0.1", 0), handlers={"on_echo": broken}) as server:
        with dcmkit.connect("127.0.0.1", server.port, called="DKSCP", contexts=[]) as assoc:
            assert assoc.echo() == 0x0110  # Processing Failure
            assert assoc.echo() == 0x0110
        code, log = run_dcmtk(["echoscu", "-v", "-aec", "DKSCP", "127.0.0.1", str(server.port)])
        assert "status: 0x110" in log.lower(), log


@needs_dcmtk
def test_storage_folder_without_handler(corpus, tmp_path):
    ae = scp_ae()
    with ae.start_server(("127.0.0.1", 0), storage=tmp_path, block=False) as server:
        code, log = run_dcmtk(["storescu", "-aec", "DKSCP", "127.0.0.1", str(server.port), str(corpus["latin1_explicit"])])
        assert code == 0, log
    stored = tmp_path / "1.2.826.0.1.3680043.2.1143.101.dcm"
    same_elements(dcmkit.read(corpus["latin1_explicit"]), dcmkit.read(stored))


@needs_dcmtk
def test_storage_limits_refuse_without_a_file(corpus, tmp_path):
    ae = scp_ae()
    # A 64-byte largest dataset; then a free space reserve of 2^62 bytes, which no disk has.
    for limits in ({"max_dataset_size": 64}, {"min_free_space": 1 << 62}):
        folder = tmp_path / ("max" if "max_dataset_size" in limits else "reserve")
        folder.mkdir()
        with ae.start_server(("127.0.0.1", 0), storage=folder, **limits) as server:
            code, log = run_dcmtk(["storescu", "-d", "-aec", "DKSCP", "127.0.0.1", str(server.port),
                                   str(corpus["latin1_explicit"])])
        assert "0xa700" in log.lower(), log  # PS3.4 B.2.3: Refused: Out of Resources
        assert ("dataset larger than 64 bytes" if "max_dataset_size" in limits
                else "storage below its free space reserve") in log, log
        assert list(folder.iterdir()) == []


# -- dcmkit SCU -> dcmkit SCP, both in Python ---------------------------------------------------------

def test_python_scu_to_python_scp(tmp_path):
    rec = Recorder()
    received = []

    def on_store(event):
        rec.on_store(event)
        event.save_to(tmp_path / (event.sop_instance_uid + ".dcm"))
        received.append(event.encoded_dataset()[128:132])
        return 0x0000

    ae = scp_ae()
    server = ae.start_server(("127.0.0.1", 0), handlers={"on_associate": rec.on_associate, "on_echo": rec.on_echo,
                                                         "store": on_store})
    try:
        datasets = [new_instance() for _ in range(3)]
        with dcmkit.connect("127.0.0.1", server.port, calling="PYSCU", called="DKSCP", timeout=20) as assoc:
            assert assoc.echo() == 0
            for ds in datasets:
                assert assoc.store(ds) == 0
    finally:
        server.shutdown()
    server.shutdown()  # idempotent
    assert rec.echoes == ["PYSCU"]
    assert [s["sop_instance_uid"] for s in rec.stores] == [ds.SOPInstanceUID for ds in datasets]
    assert received == [b"DICM"] * 3
    for ds in datasets:
        back = dcmkit.read(tmp_path / (ds.SOPInstanceUID + ".dcm"))
        same_elements(ds, back)


def test_rejected_association_raises(tmp_path):
    def reject(event):
        return event.calling_ae != "INTRUDER"

    ae = scp_ae()
    with ae.start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_REQUESTED, reject)]) as server:
        with pytest.raises(dcmkit.AssociationRejectedError) as e:
            dcmkit.connect("127.0.0.1", server.port, calling="INTRUDER", called="DKSCP", contexts=[], timeout=10)
        assert e.value.kind == "association rejected"
        assert isinstance(e.value, dcmkit.NetworkError) and isinstance(e.value, OSError)
        assert "rejected" in str(e.value)
        # An on_associate handler that raises rejects as well; other callers still get in.
        with dcmkit.connect("127.0.0.1", server.port, calling="FRIEND", called="DKSCP", contexts=[]) as assoc:
            assert assoc.echo() == 0


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_associate_handler_exception_rejects():
    def broken(event):
        raise KeyError("x")

    ae = scp_ae()
    with ae.start_server(("127.0.0.1", 0), handlers={"on_associate": broken}) as server:
        for _ in range(2):
            with pytest.raises(dcmkit.NetworkError) as e:
                dcmkit.connect("127.0.0.1", server.port, called="DKSCP", contexts=[], timeout=10)
            assert e.value.kind == "association rejected"


def test_called_ae_checked():
    ae = dcmkit.AE("DKSCP", require_called_aet=True)
    ae.add_verification()
    with ae.start_server(("127.0.0.1", 0)) as server:
        with pytest.raises(dcmkit.NetworkError):
            dcmkit.connect("127.0.0.1", server.port, called="SOMEONE", contexts=[], timeout=10)
        with dcmkit.connect("127.0.0.1", server.port, called="DKSCP", contexts=[]) as assoc:
            assert assoc.echo() == 0


def test_server_limits_close_silent_and_surplus_connections():
    # request_timeout: a connection that sends no A-ASSOCIATE-RQ is closed after it; with
    # max_pending_per_address=2 a third silent connection from the same address closes the oldest
    # at once. Neither holds an association slot: an echo gets through meanwhile.
    ae = dcmkit.AE("DKSCP", request_timeout=0.5, max_pending_per_address=2)
    assert ae.idle_timeout == 60.0
    ae.add_verification()
    with ae.start_server(("127.0.0.1", 0)) as server:
        socks = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(3)]
        try:
            t0 = time.monotonic()
            assert socks[0].recv(1) == b""  # the oldest, closed to make room
            assert time.monotonic() - t0 < 0.4
            with dcmkit.connect("127.0.0.1", server.port, called="DKSCP", contexts=[], timeout=5) as assoc:
                assert assoc.echo() == 0
            assert socks[2].recv(1) == b""  # the request timer
            assert 0.2 < time.monotonic() - t0 < 3
        finally:
            for s in socks:
                s.close()


def test_closed_port_raises_network_error_quickly():
    port = free_port()  # nobody listens on it any more
    t0 = time.monotonic()
    with pytest.raises(dcmkit.NetworkError) as e:
        dcmkit.connect("127.0.0.1", port, timeout=5)
    assert time.monotonic() - t0 < 3
    assert e.value.kind == "network error"
    assert "refused" in str(e.value).lower()


def test_sop_constants_match_the_dictionary():
    names = [n for n in dir(dcmkit.sop) if n[:1].isupper() and n != "COMMON_STORAGE"]
    assert len(names) > 200
    for n in names:
        name, kw, kind = dcmkit.uid_info(getattr(dcmkit.sop, n))
        assert kw == n and kind == "SOP Class"
    assert dcmkit.sop.CTImageStorage == "1.2.840.10008.5.1.4.1.1.2"
    assert len(dcmkit.sop.COMMON_STORAGE) < 128  # one presentation context each, plus Verification


def test_uid_constants_match_pydicom():
    # dcmkit.uid is generated from the registry the library is built from; pydicom's copy of PS3.6
    # Annex A is the golden: every keyword both know names the same UID, and most are shared.
    from pydicom._uid_dict import UID_dictionary
    theirs = {v[4]: uid for uid, v in UID_dictionary.items() if v[4]}
    ours = {n: getattr(dcmkit.uid, n) for n in dir(dcmkit.uid) if n[:1].isupper()}
    shared = set(theirs) & set(ours)
    assert len(shared) > 0.9 * len(theirs), sorted(set(theirs) - set(ours))[:20]
    assert {n: ours[n] for n in shared} == {n: theirs[n] for n in shared}
    assert dcmkit.uid.ExplicitVRLittleEndian == "1.2.840.10008.1.2.1"
    # The default storage list holds storage SOP classes (pydicom's names say so), each once.
    names = {uid: v[0] for uid, v in UID_dictionary.items()}
    assert all("Storage" in names[u] for u in dcmkit.sop.COMMON_STORAGE)
    assert len(set(dcmkit.sop.COMMON_STORAGE)) == len(dcmkit.sop.COMMON_STORAGE)


def test_server_errors():
    ae = scp_ae()
    with ae.start_server(("127.0.0.1", 0)) as server:
        with pytest.raises(dcmkit.NetworkError):  # the port is taken
            ae.start_server(("127.0.0.1", server.port))
    with pytest.raises(KeyError):
        ae.start_server(("127.0.0.1", 0), handlers={"on_frobnicate": print})  # no such handler


def test_silent_peer_is_a_timeout():
    # A listener that never answers the A-ASSOCIATE-RQ: the ARTIM timer expires, and the error is
    # dcmkit.NetworkTimeoutError, a NetworkError and the built-in TimeoutError.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with pytest.raises(dcmkit.NetworkTimeoutError) as e:
            dcmkit.connect("127.0.0.1", port, called="SILENT", contexts=[], timeout=1)
        assert isinstance(e.value, dcmkit.NetworkError)
        assert isinstance(e.value, TimeoutError)
        assert e.value.kind == "timeout"


def test_log_lines_go_to_the_logging_module(caplog):
    # The server's and the association's log lines (from dcmkit's threads) reach logging's
    # "dcmkit.net" logger at the level the AE asks for.
    import logging
    caplog.set_level(logging.DEBUG, logger="dcmkit.net")
    ae = dcmkit.AE("DKSCP", log_level="info")
    ae.add_verification()
    with ae.start_server(("127.0.0.1", 0)) as server:
        scu = dcmkit.AE("LOGSCU", log_level="info")
        scu.add_verification()
        with scu.associate("127.0.0.1", server.port, ae_title="DKSCP") as assoc:
            assert assoc.echo() == 0
    messages = [r.getMessage() for r in caplog.records if r.name == "dcmkit.net"]
    assert any("LOGSCU" in m for m in messages), messages
    assert all(r.levelno >= logging.INFO for r in caplog.records if r.name == "dcmkit.net")
