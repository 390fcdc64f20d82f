"""DICOM JSON (PS3.18 Annex F): dcmkit's ds.to_json() against pydicom's ds.to_json_dict(), compared as
parsed structures, and dcmkit.from_json() round trips.

Known representational differences, normalised by norm_attr() (each is allowed by PS3.18 or is a
pydicom limitation):
  - an empty value inside a multi-valued string ("A\\\\B"): dcmkit writes null (F.2.5), pydicom "".
  - DS and IS: dcmkit keeps a value that is not a JSON number ("+1.5", ".5") as a JSON string
    (F.2.3 note); pydicom converts every value to a number. Compared as numbers.
  - FL: dcmkit prints the shortest text that reads back to the same float32 (0.1), pydicom the float64
    of the float32 (0.10000000149011612). Compared as float32.
  - SV and UV beyond 2^53: dcmkit writes JSON strings so that JavaScript readers keep every digit,
    pydicom JSON numbers. Compared as ints.
  - a sequence with no items: dcmkit leaves "Value" out, pydicom writes "Value": []. Both are read
    as an empty sequence.
  - InlineBinary of OW, OF, OL, OD, OV in a big endian file: pydicom encodes the bytes as they are in
    the file, dcmkit the little endian bytes. pydicom's are swapped.
  - group 0002: pydicom's to_json_dict() leaves the file meta out, and so does dcmkit's.
  - pydicom 2.3 raises IndexError on a multi-valued PN with an empty value (OtherPatientNames
    "A\\\\B" in the utf8 files): that element is compared separately.
"""

import base64
import json
import struct

import pytest

import dcmkit
from conftest import FILES
from dkcompare import SWAP_WIDTH, pydicom_read, swap

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def as_float32(v):
    return struct.unpack("<f", struct.pack("<f", float(v)))[0]


def norm_dataset(d, swap_binary):
    """`swap_binary`: InlineBinary holds big endian bytes (pydicom's JSON of a big endian file)."""
    return {k.upper(): norm_attr(a, swap_binary) for k, a in d.items() if not k.startswith("0002")}


def norm_attr(a, swap_binary):
    vr = str(getattr(a["vr"], "value", a["vr"]))
    out = {"vr": vr}
    values = a.get("Value")
    if vr == "SQ":
        out["Value"] = [norm_dataset(i, swap_binary) for i in (values or [])]
    elif values is not None:
        if vr == "PN":
            out["Value"] = [None if v in (None, "") else {k: s for k, s in v.items() if s} for v in values]
        elif vr in ("DS", "FD"):
            out["Value"] = [None if v in (None, "") else float(v) for v in values]
        elif vr == "FL":
            out["Value"] = [None if v in (None, "") else as_float32(v) for v in values]
        elif vr in ("IS", "SV", "UV", "US", "SS", "UL", "SL"):
            out["Value"] = [None if v in (None, "") else int(v) for v in values]
        elif vr == "AT":
            out["Value"] = [v.upper() for v in values]
        else:
            out["Value"] = [None if v == "" else v for v in values]
    if "InlineBinary" in a:
        data = base64.b64decode(a["InlineBinary"])
        if swap_binary and vr in SWAP_WIDTH:
            data = swap(data, SWAP_WIDTH[vr])
        out["InlineBinary"] = data
    assert "BulkDataURI" not in a
    return out


@pytest.mark.parametrize("name", sorted(FILES))
def test_json_as_pydicom(corpus, name):
    ds = dcmkit.read(corpus[name])
    py, big = pydicom_read(corpus[name])
    text = ds.to_json()
    ours = json.loads(text)
    # PS3.18 F.2.2: keys are 8 upper-case hexadecimal digits, in ascending order.
    assert list(ours) == sorted(ours) and all(len(k) == 8 and k == k.upper() for k in ours)
    assert ds.to_json_dict() == ours
    assert json.loads(ds.to_json(pretty=True)) == ours
    if "OtherPatientNames" in py:  # pydicom cannot encode it (see above)
        del py.OtherPatientNames
        assert ours.pop("00101001") == {"vr": "PN", "Value": [{"Alphabetic": "A"}, None, {"Alphabetic": "B"}]}
    theirs = py.to_json_dict()
    assert norm_dataset(ours, False) == norm_dataset(theirs, big)


@pytest.mark.parametrize("name", sorted(FILES))
def test_from_json_round_trip(corpus, name):
    ds = dcmkit.read(corpus[name])
    back = dcmkit.from_json(ds.to_json())
    assert back == ds
    assert dcmkit.from_json(ds.to_json().encode("utf-8")) == ds
    assert dcmkit.from_json(ds.to_json_dict()) == ds


@pytest.mark.parametrize("name", sorted(n for n in FILES if "big" not in n))
def test_reads_pydicoms_json(corpus, name):
    """pydicom's JSON read by dcmkit gives the dataset dcmkit reads from the file. (Big endian files
    are left out: pydicom's InlineBinary holds their bytes in big endian order.)"""
    ds = dcmkit.read(corpus[name])
    py, _ = pydicom_read(corpus[name])
    if "OtherPatientNames" in py:
        del py.OtherPatientNames
        del ds.OtherPatientNames
    theirs = dcmkit.from_json(py.to_json())
    # pydicom writes DS values as numbers ("+1.5" becomes 1.5): compare by value, not by text.
    assert [(e.tag, e.vr) for e in theirs] == [(e.tag, e.vr) for e in ds]
    assert theirs.to_json_dict().keys() == ds.to_json_dict().keys()
    for a, b in zip(theirs, ds):
        if a.vr != "SQ":
            assert a.value == b.value, a.tag
