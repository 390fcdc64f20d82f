"""Interop: `dcmkit serve --http` and Orthanc with its DICOMweb plugin, given the same study, answer
the same DICOMweb requests the same way, response by response.

The study is pydicom's (tests/support/make_web_study.py), STOWed to both servers. Then:
  - QIDO-RS: each search (every resource, with matching keys) finds the same studies, series or
    instances in both; every attribute both return has the same value; ours returns every attribute
    PS3.18 Tables 10.6.3-3/-4/-5 require for the resource (with the study's attributes for all
    series and all instances, and the series' for instances: 10.6.3.3.2/.3).
  - WADO-RS metadata: per instance, the same attributes with the same values; bulk data by URI, and
    the bytes behind both BulkDataURIs equal (and equal to pydicom's pixels).
  - WADO-RS frames: the same bytes as Orthanc's, and as pydicom's frames.
  - WADO-RS instances as stored: the same datasets as the files pydicom wrote.
Left out of the comparison, as legitimate differences: (0008,0005) (each server states its own
response character set), the scheme, host and root of URLs (compared from "/studies/" on), a
BulkDataURI's text (each server names its own resource; the bytes behind are compared) and its
attribute's "vr" (Orthanc 1.10 leaves it out).

Run with /usr/bin/python3 -m pytest; needs DCMKIT_CLI, Orthanc and orthanc-dicomweb, else skipped.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.parser import BytesParser
from email.policy import HTTP

import pydicom
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import make_web_study  # noqa: E402

CLI = os.environ.get("DCMKIT_CLI")
ORTHANC = "/usr/sbin/Orthanc"
PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"

pytestmark = [
    pytest.mark.skipif(not CLI, reason="DCMKIT_CLI is not set (path of the dcmkit command line tool)"),
    pytest.mark.skipif(not (os.path.exists(ORTHANC) and os.path.exists(PLUGIN)),
                       reason="Orthanc or its DICOMweb plugin is not installed"),
]

# PS3.18 Tables 10.6.3-3 (study), 10.6.3-4 (series), 10.6.3-5 (instance): the attributes a search
# response shall hold (Type 1 and 2 of the table; conditional ones left out).
STUDY_KEYS = {"00080020", "00080030", "00080050", "00080056", "00080061", "00080090", "00081190", "00100010",
              "00100020", "00100030", "00100040", "0020000D", "00200010", "00201206", "00201208"}
SERIES_KEYS = {"00080060", "0008103E", "00081190", "0020000E", "00200011", "00201209"}
INSTANCE_KEYS = {"00080016", "00080018", "00080056", "00081190", "00200013", "00280010", "00280011", "00280100"}
IGNORED = {"00080005"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def http(url, accept="application/dicom+json", data=None, content_type=None):
    """(status, headers, body) of one request, within 60 s."""
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    req.add_header("Accept", accept)
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def parts(headers, body):
    """The parts of a multipart/related body: (content type, bytes) each."""
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body)
    assert msg.is_multipart(), headers["Content-Type"]
    return [(p.get_content_type(), p.get_payload(decode=True)) for p in msg.iter_parts()]


def url_tail(value):
    """A URL from "/studies/" on (the part both servers must agree on)."""
    at = value.find("/studies/")
    assert at >= 0, value
    return value[at:]


def normalised(element):
    """An attribute of either server's DICOM JSON, for comparison."""
    e = dict(element)
    if "BulkDataURI" in e:  # the URI is the server's to choose (PS3.18 8.6.1.3): the bytes are compared
        return {"BulkDataURI": True}
    if e.get("vr") == "UR" and "Value" in e:
        e["Value"] = [url_tail(v) for v in e["Value"]]
    return e


def unique_key(ds):
    for tag in ("00080018", "0020000E", "0020000D"):
        if tag in ds:
            return ds[tag]["Value"][0]
    raise AssertionError("no unique key in %s" % sorted(ds))


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dicomweb-orthanc")
    data = tmp / "data"
    data.mkdir()
    made = {row[0]: dict(zip(("name", "study", "series", "sop", "cls", "patient", "date"), row))
            for row in make_web_study.make(str(data))}
    procs = []
    try:
        # Orthanc with its DICOMweb plugin.
        odir = tmp / "orthanc"
        odir.mkdir()
        oport = None
        for _ in range(5):
            hp, dp = free_port(), free_port()
            (odir / "orthanc.json").write_text(json.dumps({
                "Name": "dkcompare", "StorageDirectory": str(odir / "db"), "IndexDirectory": str(odir / "db"),
                "HttpPort": hp, "DicomPort": dp, "RemoteAccessAllowed": True, "AuthenticationEnabled": False,
                "Plugins": [PLUGIN], "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}}))
            log = open(odir / "orthanc.log", "wb")
            p = subprocess.Popen([ORTHANC, str(odir / "orthanc.json")], stdout=log, stderr=log)
            if wait_listening(hp, p):
                procs.append(p)
                oport = hp
                break
            stop(p)
        assert oport, (odir / "orthanc.log").read_text(errors="replace")
        # Ours.
        ours = None
        for _ in range(5):
            dimse, hp = free_port(), free_port()
            log = open(tmp / "serve.log", "wb")
            p = subprocess.Popen([CLI, "serve", str(dimse), "--storage", str(tmp / "archive"), "--bind", "127.0.0.1",
                                  "--http", str(hp)], stdout=log, stderr=log, env=dict(os.environ, TCP_NODELAY="1"))
            if wait_listening(hp, p, 10):
                procs.append(p)
                ours = hp
                break
            stop(p)
        assert ours, (tmp / "serve.log").read_text(errors="replace")
        bases = {"orthanc": "http://127.0.0.1:%d/dicom-web" % oport, "ours": "http://127.0.0.1:%d/dicomweb" % ours}
        # The same STOW-RS request to both.
        body = b"".join(b"--BND\r\nContent-Type: application/dicom\r\n\r\n" + (data / (n + ".dcm")).read_bytes() + b"\r\n"
                        for n in sorted(made)) + b"--BND--\r\n"
        for name, base in bases.items():
            status, _, answer = http(base + "/studies", data=body,
                                     content_type='multipart/related; type="application/dicom"; boundary=BND')
            assert status == 200, (name, answer)
        yield {"bases": bases, "made": made, "data": data}
    finally:
        for p in procs:
            stop(p)


def both(servers, path, accept="application/dicom+json"):
    out = {}
    for name, base in servers["bases"].items():
        status, headers, body = http(base + path, accept)
        assert status == 200, (name, path, status, body[:300])
        out[name] = (headers, body)
    return out


def compare_datasets(path, theirs, ours):
    """Every attribute in both has the same value; returns the attributes only Orthanc has."""
    differ = []
    for tag in sorted(set(theirs) & set(ours) - IGNORED):
        if normalised(theirs[tag]) != normalised(ours[tag]):
            differ.append("%s: Orthanc %s, ours %s" % (tag, json.dumps(theirs[tag])[:200], json.dumps(ours[tag])[:200]))
    assert not differ, "%s:\n  %s" % (path, "\n  ".join(differ))
    return set(theirs) - set(ours)


def searches(made):
    a, b, mf = made["a1"], made["b1"], made["mf"]
    return [
        ("/studies", STUDY_KEYS),
        ("/studies?PatientName=DOE*", STUDY_KEYS),
        ("/studies?StudyDate=20240101-20240131", STUDY_KEYS),
        ("/studies?PatientID=P2", STUDY_KEYS),
        ("/series", SERIES_KEYS | STUDY_KEYS),
        ("/series?Modality=CT", SERIES_KEYS | STUDY_KEYS),
        ("/studies/%s/series" % a["study"], SERIES_KEYS),
        ("/instances", INSTANCE_KEYS | SERIES_KEYS | STUDY_KEYS),
        ("/instances?SOPClassUID=%s" % mf["cls"], INSTANCE_KEYS | SERIES_KEYS | STUDY_KEYS),
        ("/studies/%s/instances" % a["study"], INSTANCE_KEYS | SERIES_KEYS),
        ("/studies/%s/series/%s/instances" % (a["study"], a["series"]), INSTANCE_KEYS),
        ("/studies/%s/series/%s/instances" % (b["study"], b["series"]), INSTANCE_KEYS),
    ]


def test_qido_answers_match(servers):
    for path, required in searches(servers["made"]):
        answers = {n: json.loads(body) for n, (_, body) in both(servers, path).items()}
        theirs = {unique_key(d): d for d in answers["orthanc"]}
        ours = {unique_key(d): d for d in answers["ours"]}
        assert theirs, path
        assert set(ours) == set(theirs), path
        for key in theirs:
            compare_datasets(path, theirs[key], ours[key])
            missing = required - set(ours[key])
            assert not missing, "%s: ours lacks %s (PS3.18 Table 10.6.3-3/4/5)" % (path, sorted(missing))


def test_metadata_and_bulk_data_match(servers):
    made, data = servers["made"], servers["data"]
    for study, series in {(m["study"], m["series"]) for m in made.values()}:
        path = "/studies/%s/series/%s/metadata" % (study, series)
        answers = {n: json.loads(body) for n, (_, body) in both(servers, path).items()}
        theirs = {unique_key(d): d for d in answers["orthanc"]}
        ours = {unique_key(d): d for d in answers["ours"]}
        assert set(ours) == set(theirs) and theirs, path
        for sop, their in theirs.items():
            assert set(ours[sop]) - IGNORED == set(their) - IGNORED, (path, set(ours[sop]) ^ set(their))
            compare_datasets(path, their, ours[sop])
            # Pixel Data by URI on both sides: the same bytes, pydicom's pixels.
            name = next(n for n, m in made.items() if m["sop"] == sop)
            want = pydicom.dcmread(str(data / (name + ".dcm"))).PixelData
            for who, ds in (("orthanc", their), ("ours", ours[sop])):
                uri = ds["7FE00010"]["BulkDataURI"]
                status, headers, body = http(uri, 'multipart/related; type="application/octet-stream"')
                assert status == 200, (who, uri, body[:200])
                got = parts(headers, body)
                assert len(got) == 1 and got[0][1] == want, (who, uri)


def test_frames_match(servers):
    made, data = servers["made"], servers["data"]
    for name, frames in (("mf", [1, 3]), ("mf", [2]), ("a2", [1])):
        m = made[name]
        path = "/studies/%s/series/%s/instances/%s/frames/%s" % (m["study"], m["series"], m["sop"],
                                                                 ",".join(map(str, frames)))
        answers = both(servers, path, 'multipart/related; type="application/octet-stream"')
        got = {n: [p[1] for p in parts(h, b)] for n, (h, b) in answers.items()}
        want = [(data / ("%s.frame%d" % (name, f))).read_bytes() for f in frames]
        assert got["orthanc"] == want, path
        assert got["ours"] == want, path


def test_instances_as_stored_match(servers):
    made, data = servers["made"], servers["data"]
    for name in ("b1", "mf"):
        m = made[name]
        path = "/studies/%s/series/%s/instances/%s" % (m["study"], m["series"], m["sop"])
        answers = both(servers, path, 'multipart/related; type="application/dicom"; transfer-syntax=*')
        want = pydicom.dcmread(str(data / (name + ".dcm")))
        for who, (headers, body) in answers.items():
            got = parts(headers, body)
            assert len(got) == 1, who
            ds = pydicom.dcmread(pydicom.filebase.DicomBytesIO(got[0][1]))
            assert ds == want, (who, name)
