"""dcmkit.Archive, the embedded archive server: DCMTK's storescu stores into it (the on_stored
callback sees each instance), findscu finds and getscu retrieves what it holds, echoscu talks to one
opened from a configuration file; bad settings raise with a message naming them. Peers run on
127.0.0.1 with TCP_NODELAY=1 and a timeout."""

import os
import shutil
import socket
import subprocess
import threading

import pytest

import dcmkit

from conftest import free_port

STUDY = "1.2.826.0.1.3680043.2.1125.79.1"
INSTANCE = "1.2.826.0.1.3680043.2.1125.79.3"

DUMP = r"""
(0002,0010) UI =LittleEndianExplicit
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [%s]
(0008,0060) CS [OT]
(0010,0010) PN [Archive^Python]
(0010,0020) LO [PYARCH-1]
(0020,000d) UI [%s]
(0020,000e) UI [1.2.826.0.1.3680043.2.1125.79.2]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 2
(0028,0011) US 2
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(7fe0,0010) OB 01\02\03\04
""" % (INSTANCE, STUDY)

needs_dcmtk = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("dump2dcm", "storescu", "findscu", "getscu", "echoscu")),
    reason="DCMTK (dump2dcm, storescu, findscu, getscu, echoscu) is not installed")


def run(argv):
    """Runs a DCMTK tool with TCP_NODELAY=1 (60 s at most); its CompletedProcess, output as text."""
    env = dict(os.environ, TCP_NODELAY="1")
    return subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)


def make_file(folder):
    dump = folder / "sc.txt"
    dump.write_text(DUMP)
    path = folder / "sc.dcm"
    subprocess.run(["dump2dcm", "+E", str(dump), str(path)], check=True, timeout=60)
    return path


@needs_dcmtk
def test_storescu_into_archive_then_findscu(tmp_path):
    path = make_file(tmp_path)
    seen = []
    stored = threading.Event()

    def on_stored(instance):
        seen.append((instance.sop_class_uid, instance.sop_instance_uid, instance.calling_ae, instance.path))
        stored.set()

    storage = tmp_path / "archive"
    with dcmkit.Archive(storage=storage, ae_title="PYARCHIVE", bind="127.0.0.1", on_stored=on_stored) as archive:
        assert archive.is_running
        port = str(archive.port)
        r = run(["storescu", "-aet", "STORESCU", "-aec", "PYARCHIVE", "127.0.0.1", port, str(path)])
        assert r.returncode == 0, r.stdout
        assert stored.wait(10)
        assert len(seen) == 1
        sop_class, uid, calling, stored_path = seen[0]
        assert sop_class == "1.2.840.10008.5.1.4.1.1.7"
        assert uid == INSTANCE
        assert calling == "STORESCU"
        assert stored_path.startswith(str(storage)) and os.path.exists(stored_path)
        assert dcmkit.read(stored_path).SOPInstanceUID == INSTANCE

        r = run(["findscu", "-v", "-S", "-aet", "FINDSCU", "-aec", "PYARCHIVE", "-k", "0008,0052=IMAGE",
                 "-k", "0020,000D=" + STUDY, "-k", "0008,0018", "127.0.0.1", port])
        assert r.returncode == 0, r.stdout
        assert INSTANCE in r.stdout

        # getscu retrieves it on its own association (C-GET, SCP/SCU role selection).
        got = tmp_path / "got"
        got.mkdir()
        r = run(["getscu", "-S", "-aet", "GETSCU", "-aec", "PYARCHIVE", "-od", str(got), "-k", "0008,0052=STUDY",
                 "-k", "0020,000D=" + STUDY, "127.0.0.1", port])
        assert r.returncode == 0, r.stdout
        assert (got / ("SC." + INSTANCE)).exists(), r.stdout

        counters = archive.counters
        assert counters["instances_stored"] == 1
        assert counters["instances_held"] == 1
        assert counters["stores_refused"] == 0
    assert not archive.is_running

    # Opened again (no callback), the index still holds the instance.
    again = dcmkit.Archive(storage=storage)
    assert again.counters["instances_held"] == 1
    again.shutdown()


@needs_dcmtk
def test_archive_from_configuration_file(tmp_path):
    port = free_port()
    conf = tmp_path / "serve.conf"
    conf.write_text("ae_title = CONFARCHIVE\nbind = 127.0.0.1\nport = %d\nstorage = %s\n"
                    "services = verification storage\n" % (port, tmp_path / "archive"))
    with dcmkit.Archive(conf) as archive:
        assert archive.port == port
        r = run(["echoscu", "-aet", "ECHOSCU", "-aec", "CONFARCHIVE", "127.0.0.1", str(port)])
        assert r.returncode == 0, r.stdout
        # No Query/Retrieve among the services: findscu gets no presentation context.
        r = run(["findscu", "-S", "-aet", "FINDSCU", "-aec", "CONFARCHIVE", "-k", "0008,0052=STUDY",
                 "127.0.0.1", str(port)])
        assert r.returncode != 0


def test_archive_settings_errors(tmp_path):
    storage = tmp_path / "archive"
    with pytest.raises(dcmkit.InvalidArgumentError, match="unknown service 'fax'"):
        dcmkit.Archive(storage=storage, services=["storage", "fax"])
    with pytest.raises(dcmkit.InvalidArgumentError, match="unknown key 'colour'"):
        dcmkit.Archive(storage=storage, colour="blue")
    with pytest.raises(dcmkit.InvalidArgumentError, match="a destination is AE=HOST:PORT"):
        dcmkit.Archive(storage=storage, dest=["PACS:104"])
    with pytest.raises(dcmkit.InvalidArgumentError, match="storage is required"):
        dcmkit.Archive()
    with pytest.raises(dcmkit.NotFoundError, match="cannot read configuration file"):
        dcmkit.Archive(tmp_path / "missing.conf")
    bad = tmp_path / "bad.conf"
    bad.write_text("storage = %s\nmax_associations = 0\n" % storage)
    with pytest.raises(dcmkit.InvalidArgumentError, match=r"bad.conf:2: max_associations takes a number from 1 to 4096"):
        dcmkit.Archive(bad)
    with pytest.raises(TypeError):
        dcmkit.Archive(bad, storage=storage)
    # Keyword settings of the file's format are taken.
    archive = dcmkit.Archive(storage=storage, dest=["PACS=127.0.0.1:104", "VIEWER=127.0.0.1:105"],
                             allow=["MODALITY"], commitment_report="new", check_called_ae=False)
    with pytest.raises(dcmkit.InvalidArgumentError, match="not started"):
        archive.port
    archive.shutdown()
    archive.shutdown()  # idempotent
    with pytest.raises(dcmkit.InvalidArgumentError, match="closed"):
        archive.counters


def test_archive_hl7_listener_takes_an_order(tmp_path):
    """hl7_port=0 (a configuration key passed as a keyword): an HL7 listener on a free port; an
    ORM^O01 over MLLP is acknowledged AA with MSA-2 its MSH-10."""
    orm = ("MSH|^~\\&|RIS|HOSP|PACS|RAD|20261207120000||ORM^O01|PY-1|P|2.3.1\r"
           "PID|||P1^^^HOSP||Doe^Jane||19800101|F\r"
           "ORC|NW|PL1|FL1\r"
           "OBR|1|PL1|FL1|CT^CT Chest||||||||||||||ACC1|RP1|SPS1|CT01|||CT\r")
    with dcmkit.Archive(storage=tmp_path / "archive", bind="127.0.0.1", hl7_port=0) as archive:
        assert archive.hl7_port != 0
        with socket.create_connection(("127.0.0.1", archive.hl7_port), timeout=10) as s:
            s.sendall(b"\x0b" + orm.encode() + b"\x1c\r")
            reply = b""
            while not reply.endswith(b"\x1c\r"):
                chunk = s.recv(4096)
                assert chunk, reply
                reply += chunk
    assert b"\rMSA|AA|PY-1" in reply, reply
    with dcmkit.Archive(storage=tmp_path / "archive2", bind="127.0.0.1") as archive:
        assert archive.hl7_port == 0


@needs_dcmtk
def test_archive_serves_dicomweb(tmp_path):
    """http_port=0 turns DICOMweb on: a STOW-RS of the file (urllib), then QIDO-RS finds it with the
    values pydicom reads from it and WADO-RS gives the file back byte for byte (transfer-syntax=*)."""
    import json
    import urllib.request

    import pydicom

    path = make_file(tmp_path)
    ref = pydicom.dcmread(str(path))
    with dcmkit.Archive(storage=tmp_path / "archive", bind="127.0.0.1", http_port=0) as archive:
        assert archive.http_port not in (0, archive.port)
        base = "http://127.0.0.1:%d/dicomweb" % archive.http_port
        body = b"--B\r\nContent-Type: application/dicom\r\n\r\n" + path.read_bytes() + b"\r\n--B--\r\n"
        rq = urllib.request.Request(base + "/studies", data=body, method="POST", headers={
            "Content-Type": 'multipart/related; type="application/dicom"; boundary=B'})
        with urllib.request.urlopen(rq, timeout=30) as r:
            assert r.status == 200
            stored = json.load(r)
        assert stored["00081199"]["Value"][0]["00081155"]["Value"] == [ref.SOPInstanceUID]
        with urllib.request.urlopen(base + "/studies?PatientID=PYARCH-1", timeout=30) as r:
            found = json.load(r)
        assert len(found) == 1
        assert found[0]["0020000D"]["Value"] == [ref.StudyInstanceUID]
        assert found[0]["00100010"]["Value"][0]["Alphabetic"] == str(ref.PatientName)
        rq = urllib.request.Request(base + "/studies/" + STUDY, headers={
            "Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
        with urllib.request.urlopen(rq, timeout=30) as r:
            assert r.headers.get_content_type() == "multipart/related"
            payload = r.read()
        assert path.read_bytes() in payload
        assert archive.counters["instances_stored"] == 1
