"""The Python surface: errors by kind on damaged input, tags and the dictionary, UIDs, the mapping
protocol of Dataset and DataElement."""

import builtins
import os

import pytest

import dcmkit

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


# -- errors on damaged input --------------------------------------------------------------------------

@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_files(corpus, tmp_path, cut):
    for name in ("latin1_explicit", "sequences_implicit", "latin1_big", "latin1_deflated"):
        data = corpus[name].read_bytes()
        size = max(200, int(len(data) * cut))
        path = tmp_path / ("%s_%d.dcm" % (name, size))
        path.write_bytes(data[:size])
        with pytest.raises(dcmkit.ParseError) as info:
            dcmkit.read(path)
        e = info.value
        assert isinstance(e, dcmkit.DicomError) and isinstance(e, builtins.ValueError)
        assert e.kind in ("truncated", "bad length", "malformed", "not DICOM"), (name, e.kind, str(e))
        assert e.code < 0
        assert e.offset is None or 0 <= e.offset <= size
        assert str(e)  # a message
        with pytest.raises(dcmkit.ParseError):
            dcmkit.read_bytes(data[:size])


def test_truncated_reports_kind_and_offset(corpus, tmp_path):
    data = corpus["latin1_explicit"].read_bytes()
    pixel_data = data.rindex(b"\xe0\x7f\x10\x00OW")  # the last element's header
    path = tmp_path / "t.dcm"
    path.write_bytes(data[:pixel_data + 6])  # inside the header
    with pytest.raises(dcmkit.ParseError) as info:
        dcmkit.read(path)
    assert info.value.kind == "truncated"
    assert info.value.offset is not None and pixel_data <= info.value.offset <= pixel_data + 6
    path.write_bytes(data[:-3])  # inside the value: its length runs past the end
    with pytest.raises(dcmkit.ParseError) as info:
        dcmkit.read(path)
    assert info.value.kind in ("truncated", "bad length")
    assert info.value.offset is not None and pixel_data <= info.value.offset <= len(data)
    # Without the pixel data the same file reads.
    assert dcmkit.read(path, stop_before_pixels=True).Rows == 2


def test_garbage_and_empty(tmp_path):
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(dcmkit.ParseError) as info:
        dcmkit.read(garbage)
    assert info.value.kind in ("not DICOM", "malformed", "invalid VR", "bad length", "truncated")
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    with pytest.raises(dcmkit.ParseError):
        dcmkit.read(empty)
    with pytest.raises(dcmkit.ParseError):
        dcmkit.read_bytes(b"")
    with pytest.raises(dcmkit.ParseError):
        dcmkit.read_bytes(b"\0" * 128 + b"DICM" + b"\xff" * 64)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(dcmkit.NotFoundError):
        dcmkit.read(tmp_path / "missing.dcm")
    with pytest.raises(dcmkit.IoError) as info:
        dcmkit.read(tmp_path)  # a folder
    assert isinstance(info.value, OSError)


def test_bad_json():
    for text in ("{", "[]", '{"00100010": {"vr": "XX"}}', '{"00100010": 5}'):
        with pytest.raises(dcmkit.ParseError):
            dcmkit.from_json(text)


def test_bad_value_raises_on_access():
    ds = dcmkit.Dataset()
    ds.PatientWeight = "not a number"  # stored as text
    assert ds[0x00101030].vr == "DS"
    with pytest.raises(dcmkit.BadValueError) as info:
        ds.PatientWeight
    assert isinstance(info.value, builtins.ValueError) and info.value.kind == "bad value"


def test_exception_hierarchy():
    assert issubclass(dcmkit.NotFoundError, KeyError)
    assert issubclass(dcmkit.NotFoundError, AttributeError)
    assert issubclass(dcmkit.IoError, OSError)
    assert issubclass(dcmkit.BadValueError, builtins.ValueError)
    assert issubclass(dcmkit.UnsupportedError, NotImplementedError)
    for cls in (dcmkit.ParseError, dcmkit.NotFoundError, dcmkit.IoError, dcmkit.BadValueError,
                dcmkit.NetworkError, dcmkit.UnsupportedError, dcmkit.InvalidArgumentError):
        assert issubclass(cls, dcmkit.DicomError)
    # str() is the message, not KeyError's quoted repr.
    with pytest.raises(dcmkit.NotFoundError) as info:
        dcmkit.tag("NoSuchKeyword")
    assert not str(info.value).startswith("'")


# -- tags, dictionary, UIDs ---------------------------------------------------------------------------

def test_tags_and_dictionary():
    t = dcmkit.tag("PatientName")
    assert t == 0x00100010 and isinstance(t, int)
    assert (t.group, t.element) == (0x0010, 0x0010)
    assert str(t) == "(0010,0010)" and t.keyword == "PatientName"
    assert dcmkit.Tag(0x0010, 0x0010) == dcmkit.Tag((0x0010, 0x0010)) == dcmkit.Tag("PatientName") == t
    assert dcmkit.tag("(0010,0010)") == t
    assert dcmkit.keyword(0x00100010) == "PatientName"
    assert dcmkit.keyword((0x7FE0, 0x0010)) == "PixelData"
    assert dcmkit.keyword(0x00990010 | 0x1000) == ""  # private
    assert dcmkit.tag_name(0x00100010) == "Patient's Name"
    assert dcmkit.dictionary_vr(0x00100010) == "PN"
    assert dcmkit.Tag(0x00091001).is_private
    with pytest.raises(dcmkit.NotFoundError):
        dcmkit.tag("PatientNme")


def test_uids():
    assert dcmkit.uid_info("1.2.840.10008.1.2.1")[0] == "Explicit VR Little Endian"
    assert dcmkit.uid_name("1.2.840.10008.5.1.4.1.1.2") == "CT Image Storage"
    assert dcmkit.uid_name("1.2.3.4") == ""
    with pytest.raises(dcmkit.NotFoundError):
        dcmkit.uid_info("1.2.3.4")
    u = dcmkit.generate_uid()
    assert u.startswith("2.25.") and dcmkit.is_valid_uid(u) and len(u) <= 64
    assert u != dcmkit.generate_uid()
    assert not dcmkit.is_valid_uid("1.02.3")


def test_version():
    assert dcmkit.version() == dcmkit.__version__
    assert dcmkit._dcmkit.version_number() == 10000


# -- the mapping protocol -----------------------------------------------------------------------------

def test_dataset_protocol(corpus):
    ds = dcmkit.read(corpus["latin1_explicit"])
    assert len(ds) == len(list(ds)) == len(ds.tags())
    tags = [e.tag for e in ds]
    assert tags == sorted(tags)  # tag order
    assert "PatientName" in ds and 0x00100010 in ds and (0x0010, 0x0010) in ds
    assert "PatientAddress" not in ds and "NotAKeyword" not in ds and 0x00990099 not in ds
    e = ds[0x0010, 0x0010]
    assert (e.tag, e.vr, e.VR, e.keyword, e.name) == (0x00100010, "PN", "PN", "PatientName", "Patient's Name")
    assert e.value == ds.PatientName == ds[0x00100010].value == ds["PatientName"].value
    assert e.VM == 2
    assert "PatientName" in repr(e)
    with pytest.raises(KeyError):
        ds[0x00990099]
    with pytest.raises(AttributeError):
        ds.PatientAddress  # absent
    with pytest.raises(AttributeError):
        ds.not_a_keyword
    assert getattr(ds, "PatientAddress", "default") == "default"
    assert not hasattr(ds, "PatientAddress") and hasattr(ds, "PatientName")
    assert ds.get("PatientAddress") is None and ds.get("PatientID") == "12345"
    assert ds.get(0x00100020) == "12345" and ds.get("NotAKeyword", 1) == 1
    del ds.PatientID
    assert "PatientID" not in ds
    with pytest.raises(dcmkit.NotFoundError):
        del ds.PatientID
    with pytest.raises(KeyError):
        del ds[0x00100020]
    assert "PatientName" in dir(ds)
    assert "(0010,0010) PN PatientName" in repr(ds)


def test_element_snapshot_and_assignment(corpus):
    ds = dcmkit.read(corpus["latin1_explicit"])
    other = dcmkit.read(corpus["latin1_implicit"])
    other[0x00100020] = ds[0x00100010]  # a DataElement's value and VR
    assert other[0x00100020].vr == "PN"
    assert other.PatientID == ds.PatientName


def test_gil_released_during_read(corpus):
    """A thread keeps running while others read (a smoke test of the GIL release)."""
    import threading

    done = []

    def reader():
        for _ in range(200):
            dcmkit.read(corpus["latin1_deflated"])
        done.append(True)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 3


def test_stubs_cover_the_package():
    """__init__.pyi parses and declares every public name, and py.typed ships beside it."""
    import ast

    folder = os.path.dirname(dcmkit.__file__)
    with open(os.path.join(folder, "__init__.pyi"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    declared = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    declared |= {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
                 for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
    public = set(dcmkit.__all__) | {"dcmread", "__version__"}
    assert public <= declared, public - declared
    methods = {n.name for c in tree.body if isinstance(c, ast.ClassDef) and c.name == "Dataset"
               for n in c.body if isinstance(n, ast.FunctionDef)}
    assert {m for m in vars(dcmkit.Dataset) if not m.startswith("_")} <= methods
    assert os.path.exists(os.path.join(folder, "py.typed"))


def test_set_key_as_findscu_spells_it():
    # The -k syntax of DCMTK's findscu/dcmodify (the C++ test compares it with dcmodify's result).
    ds = dcmkit.Dataset()
    ds.set_key("QueryRetrieveLevel=STUDY")
    ds.set_key("StudyDate")
    ds.set_key("ScheduledProcedureStepSequence[0].Modality=CT")
    ds.set_key("(0008,0061)=CT\\MR")
    assert ds.QueryRetrieveLevel == "STUDY"
    assert "StudyDate" in ds and ds.StudyDate == ""
    assert ds.ScheduledProcedureStepSequence[0].Modality == "CT"
    assert ds.ModalitiesInStudy == ["CT", "MR"]
    with pytest.raises(ValueError, match="'PatientName' is not a sequence"):
        ds.set_key("PatientName[0].Modality=CT")
    with pytest.raises(dcmkit.InvalidArgumentError, match="NoSuchKeyword"):
        ds.set_key("NoSuchKeyword=1")


# The error classes of every C ABI code (dk_common.h): the same classes in C++, Python, C# and Java.
C_CODE_CLASSES = {
    -1: "InvalidArgumentError", -2: "NotFoundError", -3: "IoError", -4: "ParseError", -5: "ParseError",
    -6: "ParseError", -7: "ParseError", -8: "ParseError", -9: "ParseError", -10: "UnsupportedError",
    -11: "CharsetError", -12: "BadValueError", -13: "NetworkError", -14: "NetworkTimeoutError",
    -15: "AssociationRejectedError", -16: "AssociationAbortedError", -17: "ProtocolError",
    -18: "RefusedError", -19: "InternalError", -20: "NoMemoryError", -21: "InternalError",
}


def test_every_c_error_code_has_its_class():
    known = [c for c in range(-1, -200, -1) if dcmkit._dcmkit.result_name(c) != "unknown result code"]
    assert known == sorted(C_CODE_CLASSES, reverse=True), "the C ABI's codes changed: update the table"
    for code, name in C_CODE_CLASSES.items():
        cls = dcmkit.error_class(code)
        assert cls is getattr(dcmkit, name) and cls.__name__ == name, (code, cls)
        assert issubclass(cls, dcmkit.DicomError) and name in dcmkit.__all__
    for name in ("NetworkTimeoutError", "AssociationRejectedError", "AssociationAbortedError", "ProtocolError",
                 "RefusedError"):
        assert issubclass(getattr(dcmkit, name), dcmkit.NetworkError)
    assert issubclass(dcmkit.CharsetError, dcmkit.BadValueError)
    assert issubclass(dcmkit.NetworkTimeoutError, builtins.TimeoutError)
    assert issubclass(dcmkit.NoMemoryError, MemoryError)
    assert dcmkit.error_class(-999) is dcmkit.DicomError
    # No class is named after a built-in: `except ValueError` inside the package means the built-in.
    assert not [n for n in dcmkit.__all__ if hasattr(builtins, n)]
    assert not hasattr(dcmkit, "ValueError") and not hasattr(dcmkit, "TimeoutError")
