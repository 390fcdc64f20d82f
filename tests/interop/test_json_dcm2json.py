"""Interop: dcmkit's DICOM JSON (PS3.18 Annex F) against DCMTK's dcm2json.

Files are made with DCMTK's dump2dcm; `dcmkit dump --json FILE` and `dcm2json FILE` must describe the
same dataset once both JSON texts are parsed and a few legitimate differences are normalised:

  - (0008,0005): dcm2json converts the text to UTF-8 and rewrites Specific Character Set to
    "ISO_IR 192"; dcmkit keeps the source value, as PS3.18 F.2.2 Note 3 says (it "reflects the
    character encoding of the source DICOM dataset"). It is checked separately.
  - DS/IS: dcm2json rewrites values such as "+1.5" or ".5" as JSON numbers; dcmkit keeps a value that
    is not a JSON number as written, as a JSON string (F.2.3 note). Both are compared as numbers.
  - FL: dcm2json prints 9 significant digits (0.100000001), dcmkit the shortest text that reads back
    to the same float (0.1). Both are compared as float32.
  - group 0002 (dcm2json leaves the meta information out by default).

DCMTK 3.6.7's dcm2json prints some doubles inexactly (1e300 as 1.0000000000000007e300), so the FD
values below stay in the range where it is exact.

Run with /usr/bin/python3 -m pytest; needs DCMKIT_CLI (path of the dcmkit binary), else it is skipped.
"""

import base64
import json
import os
import shutil
import struct
import subprocess

import pytest

CLI = os.environ.get("DCMKIT_CLI")

pytestmark = [
    pytest.mark.skipif(not CLI, reason="DCMKIT_CLI is not set (path of the dcmkit command line tool)"),
    pytest.mark.skipif(
        shutil.which("dump2dcm") is None or shutil.which("dcm2json") is None,
        reason="DCMTK (dump2dcm, dcm2json) is not installed",
    ),
]

# dump2dcm input, as text; each case gives the encoding the dump file is written in (the bytes of
# string values are taken as they are, in the dataset's Specific Character Set).
CASES = {
    "latin1_every_vr": (
        "latin-1",
        r"""
(0002,0010) UI =LittleEndianExplicit
(0008,0005) CS [ISO_IR 100]
(0008,0008) CS [ORIGINAL\PRIMARY\\AXIAL]
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1143.1]
(0008,0020) DA [20240229]
(0008,002a) DT [20240229120000.123456+0100]
(0008,0030) TM [123000.5]
(0008,0054) AE [STORESCP]
(0008,0061) CS [CT\PET]
(0008,0070) LO [Société Générale\Zweite]
(0008,0081) ST [Straße 1]
(0008,0090) PN [^Bob^^Dr.]
(0008,1160) UL 4294967295\0
(0008,1190) UR [https://example.org/dicomweb/studies/1.2.3]
(0010,0010) PN [Buc^Jérôme=Ideo^X=Phon^Y\Doe^John]
(0010,0020) LO [12345]
(0010,0030) DA (no value available)
(0010,1010) AS [042Y]
(0010,1030) DS [72.5]
(0018,0050) DS [+1.5\.5\2\1.0E+02\-0.25]
(0018,1030) UT [unlimited text]
(0018,9087) FD 0.1\-2.5\123456.789
(0018,9210) FL 0.1\3.5
(0018,9219) SL -7\2147483647
(0020,0013) IS [ 12 \-3]
(0020,4000) LT [  leading spaces kept]
(0020,9165) AT (0010,0010)\(7fe0,0010)
(0028,0010) US 2
(0028,0011) US 2
(0028,0106) SS -5\32767
(0028,1201) OW 0001\0203
(7fe0,0010) OW 0102\0304
""",
    ),
    "utf8_and_64_bit": (
        "utf-8",
        r"""
(0002,0010) UI =LittleEndianExplicit
(0008,0005) CS [ISO_IR 192]
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1143.2]
(0008,041f) UV 18446744073709551615\42\9007199254740993
(0008,0420) SV -9223372036854775808\-3
(0010,0010) PN [Wang^XiaoDong=王^小東]
(0010,0020) LO (no value available)
(0010,1001) PN [A\\B]
(0010,2180) SH [Ärztin]
(0018,1030) UT [中文 text]
""",
    ),
    "sequences_and_private": (
        "latin-1",
        r"""
(0002,0010) UI =LittleEndianImplicit
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1143.3]
(0009,0010) LO [ACME 1.0]
(0009,1001) LO [private text]
(0009,1002) UN 01\02\03\04\05
(0009,1003) US 7
(0010,1002) SQ (Sequence with undefined length)
(fffe,e000) na (Item with undefined length)
(0010,0020) LO [54321]
(0010,0021) LO [Hospital B]
(0008,1115) SQ (Sequence with undefined length)
(fffe,e000) na (Item with undefined length)
(0020,000e) UI [1.2.3.4]
(fffe,e00d) na
(fffe,e0dd) na
(fffe,e00d) na
(fffe,e000) na (Item with undefined length)
(fffe,e00d) na
(fffe,e0dd) na
(0040,0275) SQ (Sequence with undefined length)
(fffe,e0dd) na
""",
    ),
}


def norm_dataset(ds):
    return {
        tag.upper(): norm_attr(attr)
        for tag, attr in ds.items()
        if not tag.startswith("0002") and tag.upper() != "00080005"
    }


def norm_number(vr, v):
    if v is None:
        return None
    if vr in ("DS", "IS", "FD"):
        return float(v)
    if vr == "FL":
        return struct.unpack("<f", struct.pack("<f", float(v)))[0]
    if vr in ("UV", "SV", "US", "SS", "UL", "SL"):
        return int(v)
    return v


def norm_attr(attr):
    vr = attr["vr"]
    out = {"vr": vr}
    if "Value" in attr:
        values = attr["Value"]
        if vr == "SQ":
            out["Value"] = [norm_dataset(item) for item in values]
        elif vr == "PN":
            out["Value"] = [None if v is None else {k: s for k, s in v.items() if s} for v in values]
        else:
            out["Value"] = [norm_number(vr, v) for v in values]
    if "InlineBinary" in attr:
        data = base64.b64decode(attr["InlineBinary"])
        out["InlineBinary"] = data + b"\0" if len(data) % 2 else data  # either may pad to even
    assert "BulkDataURI" not in attr
    return out


def run_json(cmd):
    result = subprocess.run(cmd, check=True, capture_output=True)
    return json.loads(result.stdout.decode("utf-8"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_json_as_dcm2json(name, tmp_path):
    encoding, dump = CASES[name]
    dump_path = tmp_path / (name + ".dump")
    dcm_path = tmp_path / (name + ".dcm")
    dump_path.write_bytes(dump.encode(encoding))
    subprocess.run(["dump2dcm", "-q", str(dump_path), str(dcm_path)], check=True)

    ours = run_json([CLI, "dump", "--json", str(dcm_path)])
    theirs = run_json(["dcm2json", str(dcm_path)])

    # PS3.18 F.2.2: tags are 8 uppercase hexadecimal digits, in ascending order.
    keys = list(ours)
    assert keys == sorted(keys)
    assert all(len(k) == 8 and k == k.upper() for k in keys)

    assert norm_dataset(ours) == norm_dataset(theirs)

    # (0008,0005) keeps the source character set (F.2.2 Note 3).
    source_charset = [line for line in dump.splitlines() if line.startswith("(0008,0005)")]
    if source_charset:
        expected = source_charset[0].split("[", 1)[1].rstrip("]")
        assert ours["00080005"]["Value"] == [expected]
    else:
        assert "00080005" not in ours


def test_decimal_strings_keep_their_format(tmp_path):
    # PS3.18 F.2.3: DS is a JSON Number or String; a value that is no JSON number stays a string.
    encoding, dump = CASES["latin1_every_vr"]
    dump_path = tmp_path / "ds.dump"
    dcm_path = tmp_path / "ds.dcm"
    dump_path.write_bytes(dump.encode(encoding))
    subprocess.run(["dump2dcm", "-q", str(dump_path), str(dcm_path)], check=True)
    ours = run_json([CLI, "dump", "--json", str(dcm_path)])
    assert ours["00180050"]["Value"] == ["+1.5", ".5", 2, 100.0, -0.25]
    assert ours["00189210"]["Value"] == [0.1, 3.5]
