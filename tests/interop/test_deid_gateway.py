"""The de-identifying gateway: `dcmkit serve` with `deidentify_on_receipt = KEYFILE …` de-identifies
each instance DCMTK's storescu sends before it is indexed and stored; findscu then sees only the
pseudonyms, and a likely burned-in image is refused (0110) and not kept."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pydicom
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_deidentify import CT, STUDY, ct  # noqa: E402  (the same CT files)

CLI = os.environ.get("DCMKIT_CLI", "dcmkit")
ENV = dict(os.environ, TCP_NODELAY="1")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(setting):
    d = tempfile.mkdtemp(prefix="dk_gw_")
    with open(os.path.join(d, "key"), "wb") as f:
        f.write(b"k" * 32)
    with open(os.path.join(d, "serve.conf"), "w") as f:
        f.write("%s = %s retain=modified-dates clean=descriptors\n" % (setting, os.path.join(d, "key")))
    port = free_port()
    proc = subprocess.Popen([CLI, "serve", str(port), "--storage", os.path.join(d, "store"), "--config",
                             os.path.join(d, "serve.conf"), "-aet", "GATEWAY"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stdout.read().decode()
            time.sleep(0.1)
    return d, port, proc


def stop_serve(d, proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    shutil.rmtree(d)


@pytest.fixture()
def gateway():
    d, port, proc = start_serve("deidentify_on_receipt")
    yield d, port
    stop_serve(d, proc)


@pytest.fixture()
def exporter():
    d, port, proc = start_serve("deidentify_on_export")
    yield d, port
    stop_serve(d, proc)


def storescu(port, *files):
    return subprocess.run(["storescu", "-aec", "GATEWAY", "127.0.0.1", str(port), *files], capture_output=True,
                          text=True, timeout=60, env=ENV)


def test_instances_are_deidentified_before_they_are_stored(gateway):
    d, port = gateway
    files = []
    for n in (1, 2):
        p = os.path.join(d, "in%d.dcm" % n)
        ct(n).save_as(p, write_like_original=False)
        files.append(p)
    r = storescu(port, *files)
    assert r.returncode == 0, r.stdout + r.stderr
    stored = sorted(os.listdir(os.path.join(d, "store", "files")))
    assert len(stored) == 2, stored
    key = b"k" * 32
    for name in stored:
        ds = pydicom.dcmread(os.path.join(d, "store", "files", name))
        assert name == ds.SOPInstanceUID + ".dcm" and ds.SOPInstanceUID.startswith("2.25.")
        assert ds.PatientIdentityRemoved == "YES"
        assert ds.PatientID.startswith("DK") and ds.StudyInstanceUID != STUDY
        assert "Jonathan" not in ds.StudyDescription
        assert not any(e.tag.is_private for e in ds)
        assert "113107" in [i.CodeValue for i in ds.DeidentificationMethodCodeSequence]
    # The same key maps as the CLI does.
    out = os.path.join(d, "cli")
    with open(os.path.join(d, "clikey"), "wb") as f:
        f.write(key)
    subprocess.run([CLI, "deidentify", files[0], "--out", out, "--key", os.path.join(d, "clikey"), "--retain",
                    "modified-dates", "--clean", "descriptors"], check=True, capture_output=True, timeout=60)
    assert os.listdir(out)[0] in stored
    # The index knows only the pseudonyms.
    q = subprocess.run(["findscu", "-S", "-aec", "GATEWAY", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID",
                        "-k", "StudyInstanceUID", "127.0.0.1", str(port)], capture_output=True, text=True, timeout=60,
                       env=ENV)
    text = q.stdout + q.stderr
    assert "MRN-0042" not in text and STUDY not in text
    assert ds.StudyInstanceUID in text


def test_burned_in_image_refused_and_not_kept(gateway):
    d, port = gateway
    p = os.path.join(d, "us.dcm")
    ct(1, modality="US", sop_class="1.2.840.10008.5.1.4.1.1.6.1").save_as(p, write_like_original=False)
    r = storescu(port, p)
    assert r.returncode != 0, r.stdout + r.stderr  # storescu: the store failed
    files = os.path.join(d, "store", "files")
    assert [n for n in os.listdir(files) if not n.startswith(".")] == []


def test_retrieved_instances_are_deidentified_on_export(exporter):
    d, port = exporter
    files = []
    for n in (1, 2):
        p = os.path.join(d, "in%d.dcm" % n)
        ct(n).save_as(p, write_like_original=False)
        files.append(p)
    assert storescu(port, *files).returncode == 0
    # Stored as received (identified) ...
    stored = [pydicom.dcmread(os.path.join(d, "store", "files", n)) for n in os.listdir(os.path.join(d, "store", "files"))]
    assert {s.PatientID for s in stored} == {"MRN-0042"}
    # ... and de-identified on the way out: getscu (DCMTK) receives pseudonyms, keyed UIDs, the
    # references consistent.
    out = os.path.join(d, "got")
    os.makedirs(out)
    r = subprocess.run(["getscu", "-aec", "GATEWAY", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + STUDY,
                        "-od", out, "127.0.0.1", str(port)], capture_output=True, text=True, timeout=60, env=ENV)
    assert r.returncode == 0, r.stdout + r.stderr
    got = {}
    for n in os.listdir(out):
        ds = pydicom.dcmread(os.path.join(out, n))
        got[int(ds.InstanceNumber)] = ds
    assert sorted(got) == [1, 2]
    for ds in got.values():
        assert ds.PatientIdentityRemoved == "YES" and ds.PatientID.startswith("DK")
        assert ds.SOPInstanceUID.startswith("2.25.") and ds.StudyInstanceUID != STUDY
        assert not any(e.tag.is_private for e in ds)
    assert got[2].ReferencedImageSequence[0].ReferencedSOPInstanceUID == got[1].SOPInstanceUID
