"""Comparison of dcmkit datasets with pydicom's reading of the same files, element by element.

Representational differences that are not disagreements, normalised here:
  - pydicom types values (PersonName, UID, DSfloat, IS, MultiValue, BaseTag); dcmkit gives plain
    str, float, int and list: both are reduced to plain Python values.
  - binary values of OW, OF, OL, OD, OV in a big endian file: pydicom returns the bytes as they are in
    the file, dcmkit in little endian (as the C ABI promises for every transfer syntax). pydicom's
    are swapped before comparing.
  - keywords of private tags: pydicom has none; dcmkit names private creator elements
    (gggg,0010-00FF) "PrivateCreator". Keywords are compared for public tags only.
  - group 0002: pydicom keeps it in ds.file_meta, dcmkit's C ABI does not list it; neither side
    iterates over it.
"""

import pydicom
from pydicom.multival import MultiValue
from pydicom.valuerep import PersonName

import dcmkit

BIG_ENDIAN = "1.2.840.10008.1.2.2"
SWAP_WIDTH = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}


def swap(data, width):
    return b"".join(data[i:i + width][::-1] for i in range(0, len(data), width))


def py_vr(elem):
    vr = elem.VR
    return getattr(vr, "value", vr)  # pydicom 2.3 may give a str enum (VR.UN)


def plain_pydicom(value, vr, big_endian):
    """A pydicom value as the plain Python value dcmkit gives."""
    if isinstance(value, (list, MultiValue)):
        if vr == "SQ":
            return list(value)
        return [plain_pydicom(v, vr, big_endian) for v in value]
    if value is None:
        return None
    if isinstance(value, PersonName):
        return str(value)
    if isinstance(value, bytes):
        if big_endian and vr in SWAP_WIDTH:
            return swap(value, SWAP_WIDTH[vr])
        return value
    if vr == "DS":
        return float(value)
    if vr in ("IS", "AT", "US", "SS", "UL", "SL", "UV", "SV"):
        return int(value)
    if vr in ("FL", "FD"):
        return float(value)
    return str(value)


def kind(v):
    """The plain type of a value (int subclasses such as dcmkit.Tag count as int)."""
    if isinstance(v, list):
        return ("list",) + tuple(kind(x) for x in v)
    for t in (bool, int, float, str, bytes):
        if isinstance(v, t):
            return t.__name__
    return type(v).__name__


def compare(dk_ds, py_ds, big_endian, where="", problems=None):
    """Compares every element (recursively); returns the list of differences."""
    if problems is None:
        problems = []
    dk_elems = list(dk_ds)
    py_elems = [e for e in py_ds if e.tag.group != 0x0002]
    dk_tags = [int(e.tag) for e in dk_elems]
    py_tags = [int(e.tag) for e in py_elems]
    if dk_tags != py_tags:
        problems.append("%s: tags differ: dcmkit only %s, pydicom only %s" % (
            where or "top", [str(dcmkit.Tag(t)) for t in sorted(set(dk_tags) - set(py_tags))],
            [str(dcmkit.Tag(t)) for t in sorted(set(py_tags) - set(dk_tags))]))
        return problems
    for d, p in zip(dk_elems, py_elems):
        here = "%s%s" % (where, d.tag)
        vr = py_vr(p)
        if d.vr != vr:
            problems.append("%s: VR %s, pydicom %s" % (here, d.vr, vr))
            continue
        if not d.tag.is_private and d.keyword != p.keyword:
            problems.append("%s: keyword %r, pydicom %r" % (here, d.keyword, p.keyword))
        if vr == "SQ":
            if len(d.value) != len(p.value):
                problems.append("%s: %d items, pydicom %d" % (here, len(d.value), len(p.value)))
                continue
            for i, (di, pi) in enumerate(zip(d.value, p.value)):
                compare(di, pi, big_endian, "%s[%d]." % (here, i), problems)
            continue
        expected = plain_pydicom(p.value, vr, big_endian)
        got = d.value
        if isinstance(got, list) and not isinstance(expected, list) and expected is not None:
            expected = [expected]
        if got != expected or kind(got) != kind(expected):
            problems.append("%s %s: %r, pydicom %r" % (here, vr, got, expected))
    return problems


def pydicom_read(path, **kw):
    ds = pydicom.dcmread(str(path), **kw)
    return ds, ds.file_meta.TransferSyntaxUID == BIG_ENDIAN
