"""Shared fixtures of the dcmkit Python tests: a small corpus made with DCMTK (dump2dcm, dcmconv), and
network peers (DCMTK's servers, the dcmkit CLI) started on free ports of 127.0.0.1 (start_peer).

Run with Debian's interpreter, which has pydicom:  PYTHONPATH=BUILD/python /usr/bin/python3 -m pytest python/tests
"""

import os
import shutil
import socket
import subprocess
import time

import pytest

# dump2dcm input: (encoding of the dump text, text). String values are written as the bytes of the
# text in that encoding, i.e. in the dataset's Specific Character Set.
DUMPS = {
    # Most VRs, ISO_IR 100 (Latin-1), multi-valued strings with an empty value, binary numbers,
    # AT, 16-bit pixel data and a palette (OW).
    "latin1": ("latin-1", r"""
(0002,0010) UI =LittleEndianExplicit
(0008,0005) CS [ISO_IR 100]
(0008,0008) CS [ORIGINAL\PRIMARY\\AXIAL]
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1143.101]
(0008,0020) DA [20240229]
(0008,002a) DT [20240229120000.123456+0100]
(0008,0030) TM [123000.5]
(0008,0054) AE [STORESCP]
(0008,0061) CS [CT\PET]
(0008,0070) LO [Société Générale\Zweite]
(0008,0081) ST [Straße 1\not a separator in ST]
(0008,0090) PN [^Bob^^Dr.]
(0008,1160) IS [1\2\3]
(0008,1190) UR [https://example.org/dicomweb/studies/1.2.3]
(0010,0010) PN [Buc^Jérôme=Ideo^X=Phon^Y\Doe^John]
(0010,0020) LO [12345]
(0010,0030) DA (no value available)
(0010,0218) UT [unlimited text, with a \ backslash]
(0010,1010) AS [042Y]
(0010,1030) DS [72.5]
(0018,0050) DS [+1.5]
(0018,0086) IS [ 12 \-3]
(0018,1030) LO (no value available)
(0018,9089) FD 0.1\-2.5\123456.789
(0018,9219) SS -7
(0018,9376) US 1\65535\0
(0018,9404) FL 0.1\3.5
(0018,9908) UC [Reason one\Reason two]
(0020,0032) DS [-125.0\.5\1.0E+02]
(0020,4000) LT [  leading spaces kept]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0009) AT (0018,1063)\(0018,1065)
(0028,0010) US 2
(0028,0011) US 2
(0028,0100) US 16
(0028,0101) US 16
(0028,0102) US 15
(0028,0103) US 0
(0028,1201) OW 0001\0203\fffe
(0042,0011) OB 25\50\44\46\2d
(0064,0009) OF 0.5\-1.25
(0066,0022) OD 3.25\-0.5
(0066,0040) OL 1\4294967295
(0070,0052) SL -7\2147483647
(0072,0078) UL 4294967295\0
(7fe0,0010) OW 0102\0304\8000\ffff
"""),
    # ISO_IR 192 (UTF-8): CJK person names, 64-bit integers, empty values of several kinds.
    "utf8": ("utf-8", r"""
(0002,0010) UI =LittleEndianExplicit
(0008,0005) CS [ISO_IR 192]
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1143.102]
(0072,0082) SV -9223372036854775808\-3
(0072,0083) UV 18446744073709551615\42\9007199254740993
(0010,0010) PN [Wang^XiaoDong=王^小東]
(0010,0020) LO (no value available)
(0010,1001) PN [A\\B]
(0010,2180) SH [Ärztin]
(0010,4000) LT [中文 text]
(0018,0050) DS (no value available)
(0020,0013) IS (no value available)
(0028,0010) US (no value available)
(0018,9087) FD (no value available)
(0040,0275) SQ (Sequence with undefined length)
(fffe,e0dd) na
"""),
    # Implicit VR: private elements (a known creator's LO, an unknown element as UN), nested
    # sequences, an empty item and an empty sequence.
    "sequences": ("latin-1", r"""
(0002,0010) UI =LittleEndianImplicit
(0008,0005) CS [ISO_IR 100]
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1143.103]
(0009,0010) LO [ACME 1.0]
(0009,1001) LO [private text]
(0009,1002) UN 01\02\03\04\05\06
(0010,0010) PN [Müller^Jürgen]
(0010,1002) SQ (Sequence with undefined length)
(fffe,e000) na (Item with undefined length)
(0010,0020) LO [54321]
(0010,0021) LO [Hôpital B]
(0008,1115) SQ (Sequence with undefined length)
(fffe,e000) na (Item with undefined length)
(0020,000e) UI [1.2.3.4]
(0028,0010) US 512
(fffe,e00d) na
(fffe,e0dd) na
(fffe,e00d) na
(fffe,e000) na (Item with undefined length)
(fffe,e00d) na
(fffe,e0dd) na
(0020,000d) UI [1.2.826.0.1.3680043.2.1143.104]
(0040,0275) SQ (Sequence with undefined length)
(fffe,e0dd) na
"""),
}

# File name -> (dump, dcmconv options). dcmconv re-encodes dump2dcm's output in another transfer
# syntax or converts the character set.
FILES = {
    "latin1_explicit": ("latin1", None),
    "latin1_implicit": ("latin1", ["+ti"]),
    "latin1_big": ("latin1", ["+tb"]),
    "latin1_deflated": ("latin1", ["+td"]),
    "latin1_to_utf8": ("latin1", ["+U8"]),
    "utf8_explicit": ("utf8", None),
    "utf8_big": ("utf8", ["+tb"]),
    "utf8_implicit": ("utf8", ["+ti"]),
    "sequences_implicit": ("sequences", None),
    "sequences_explicit": ("sequences", ["+te"]),
    "sequences_big": ("sequences", ["+tb"]),
    "sequences_deflated": ("sequences", ["+td"]),
}

BIG_ENDIAN = "1.2.840.10008.1.2.2"

needs_dcmtk = pytest.mark.skipif(
    shutil.which("dump2dcm") is None or shutil.which("dcmconv") is None,
    reason="DCMTK (dump2dcm, dcmconv) is not installed",
)


def _cli_path():
    """The dcmkit CLI: $DCMKIT_CLI, else the one built beside the package (<build>/bin/dcmkit)."""
    cli = os.environ.get("DCMKIT_CLI")
    if cli:
        return cli
    import dcmkit
    here = os.path.dirname(os.path.abspath(dcmkit.__file__))  # <build>/python/dcmkit
    return os.path.join(here, "..", "..", "bin", "dcmkit")


CLI = _cli_path()
needs_cli = pytest.mark.skipif(not os.access(CLI, os.X_OK), reason="the dcmkit CLI is not built (DCMKIT_CLI)")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """{name: path} of the files in FILES, made once per test session."""
    if shutil.which("dump2dcm") is None or shutil.which("dcmconv") is None:
        pytest.skip("DCMTK (dump2dcm, dcmconv) is not installed")
    d = tmp_path_factory.mktemp("corpus")
    base = {}
    for name, (encoding, text) in DUMPS.items():
        dump = d / (name + ".dump")
        dump.write_bytes(text.encode(encoding))
        out = d / (name + ".dcm")
        subprocess.run(["dump2dcm", "-q", str(dump), str(out)], check=True)
        base[name] = out
    files = {}
    for name, (dump, options) in FILES.items():
        if options is None:
            files[name] = base[dump]
            continue
        out = d / (name + ".dcm")
        subprocess.run(["dcmconv", "-q"] + options + [str(base[dump]), str(out)], check=True)
        files[name] = out
    return files


def free_port():
    """A port of 127.0.0.1 that is free at the time of the call."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, seconds=15):
    """True once 127.0.0.1:port accepts a connection; False when proc exits first or after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@pytest.fixture
def start_peer(tmp_path):
    """start_peer(name, argv, port) runs a server process (a DCMTK peer, the dcmkit CLI) that listens
    on 127.0.0.1:port, with TCP_NODELAY=1 and its output in tmp_path/NAME.log, and returns the port
    once it listens. A port taken between free_port() and the server's bind (tests run in parallel,
    and outgoing connections draw from the same range) is replaced in argv by another free one, up to
    five times: use the port returned. Each server is stopped by its PID after the test (SIGTERM,
    then SIGKILL); every wait is bounded."""
    running = []

    def start(name, argv, port):
        log_path = tmp_path / (name + ".log")
        for _ in range(5):
            log = open(log_path, "wb")
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, TCP_NODELAY="1"))
            running.append((proc, log))
            if wait_listening(port, proc):
                return port
            text = log_path.read_text(errors="replace")
            if proc.poll() is None or "in use" not in text:
                raise AssertionError(text)
            new = free_port()
            argv = [str(new) if a == str(port) else a for a in argv]
            port = new
        raise AssertionError(log_path.read_text(errors="replace"))

    yield start
    for proc, log in reversed(running):
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
