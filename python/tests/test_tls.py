"""TLS from Python (AE.set_tls, AE.bind_certificate, event.tls_*): our SCU stores into DCMTK's
storescp +tls, DCMTK's storescu +tls stores into our server, which binds the calling AE title to the
client certificate. Certificates are made by tests/support/make_test_pki.sh with openssl.

Every peer listens on 127.0.0.1 on a free port, runs with TCP_NODELAY=1, is stopped by its PID, and
every wait is bounded.
"""

import os
import shutil
import subprocess

import pytest

import dcmkit
from conftest import free_port

PKI_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "support", "make_test_pki.sh")
SC = "1.2.840.10008.5.1.4.1.1.7"
pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in ("openssl", "storescp", "storescu")),
                                reason="openssl or DCMTK is not installed")


@pytest.fixture
def pki(tmp_path):
    d = tmp_path / "pki"
    d.mkdir()
    subprocess.run(["sh", PKI_SCRIPT, str(d)], check=True, timeout=60)
    return d


def make_file(folder):
    ds = dcmkit.Dataset()
    ds.SOPClassUID = SC
    ds.SOPInstanceUID = dcmkit.generate_uid()
    ds.PatientName = "TLS^PY"
    path = str(folder / "in.dcm")
    ds.save(path, fsync=False)
    return path, ds.SOPInstanceUID


def run_dcmtk(args, timeout=60):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(os.environ, TCP_NODELAY="1"),
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def test_our_scu_to_storescp_over_tls(tmp_path, pki, start_peer):
    path, uid = make_file(tmp_path)
    dest = tmp_path / "dest"
    dest.mkdir()
    port = free_port()
    port = start_peer("storescp", ["storescp", "-aet", "TLSSCP", "+tls", str(pki / "server.key"), str(pki / "server.pem"),
                                   "+cf", str(pki / "ca.pem"), "-od", str(dest), str(port)], port)
    ae = dcmkit.AE("PYTLS")
    ae.add_requested_context(SC)
    ae.set_tls(pki / "client.pem", pki / "client.key", pki / "ca.pem")
    with ae.associate("127.0.0.1", port, "TLSSCP") as assoc:
        assert assoc.store(path) == 0x0000
    assert os.path.exists(dest / ("SC." + uid))
    ae.set_tls(None)  # plain to the TLS port: fails, with an error
    with pytest.raises(dcmkit.DicomError):
        ae.associate("127.0.0.1", port, "TLSSCP")
    with pytest.raises(dcmkit.InvalidArgumentError):
        ae.set_tls(pki / "client.pem", pki / "client.key", pki / "ca.pem", profile="tls1.0")


def test_storescu_to_our_server_over_tls_with_a_bound_ae(tmp_path, pki):
    path, uid = make_file(tmp_path)
    seen = []
    ae = dcmkit.AE("PYTLSSCP")
    ae.add_supported_context(SC)
    ae.set_tls(pki / "server.pem", pki / "server.key", pki / "ca.pem")
    ae.bind_certificate("MODALITY1", "cn:modality1")

    def handle_store(event):
        seen.append((event.calling_ae, event.tls_protocol[:6], event.tls_subject, len(event.tls_fingerprint)))
        return 0

    with ae.start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_C_STORE, handle_store)]) as server:
        tls = ["+tls", str(pki / "client.key"), str(pki / "client.pem"), "+cf", str(pki / "ca.pem")]
        rc, out = run_dcmtk(["storescu", "-aet", "MODALITY1", "-aec", "PYTLSSCP", *tls, "127.0.0.1", str(server.port),
                             path])
        assert rc == 0, out
        rc, out = run_dcmtk(["storescu", "-aet", "INTRUDER", "-aec", "PYTLSSCP", *tls, "127.0.0.1", str(server.port),
                             path])
        assert rc != 0 and "Rejected" in out, out
        rc, out = run_dcmtk(["storescu", "-aet", "MODALITY1", "-aec", "PYTLSSCP", "127.0.0.1", str(server.port), path])
        assert rc != 0, out
    assert seen == [("MODALITY1", "TLSv1.", "CN=modality1,O=dcmkit test", 95)]
