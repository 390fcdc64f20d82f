"""Writing: every corpus file saved in every transfer syntax is read back alike by pydicom and by
dcmkit and accepted by DCMTK's dcmdump; edits made through the Python API reach pydicom."""

import shutil
import subprocess

import pydicom
import pytest

import dcmkit
from conftest import FILES
from dkcompare import compare, pydicom_read

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

SYNTAXES = {
    "implicit": "1.2.840.10008.1.2",
    "explicit": "1.2.840.10008.1.2.1",
    "big": "1.2.840.10008.1.2.2",
    "deflate": "1.2.840.10008.1.2.1.99",
}


def dcmdump_ok(path):
    if shutil.which("dcmdump") is None:
        return True
    r = subprocess.run(["dcmdump", "-q", str(path)], capture_output=True)
    return r.returncode == 0 and b"E:" not in r.stderr


@pytest.mark.parametrize("ts", sorted(SYNTAXES))
@pytest.mark.parametrize("name", sorted(FILES))
def test_save_round_trip(corpus, tmp_path, name, ts):
    ds = dcmkit.read(corpus[name])
    out = tmp_path / ("%s_%s.dcm" % (name, ts))
    ds.save(out, transfer_syntax=ts)

    back = dcmkit.read(out)
    assert back.transfer_syntax == SYNTAXES[ts]
    assert back == ds
    # pydicom reads what we wrote as dcmkit read DCMTK's file.
    py, big = pydicom_read(out)
    assert py.file_meta.TransferSyntaxUID == SYNTAXES[ts]
    problems = compare(ds, py, big)
    assert not problems, "\n".join(problems)
    assert dcmdump_ok(out)
    # The same bytes in memory, and a second generation equal to the first.
    assert ds.to_bytes(ts) == out.read_bytes()
    assert back.to_bytes() == out.read_bytes()


@pytest.mark.parametrize("name", ["latin1_explicit", "utf8_explicit", "sequences_implicit"])
def test_bare_dataset(corpus, name):
    ds = dcmkit.read(corpus[name])
    raw = ds.to_bytes("explicit", part10=False)
    assert raw[128:132] != b"DICM"
    back = dcmkit.read_bytes(raw)  # transfer syntax inferred
    assert back == ds


def test_edit_and_save(corpus, tmp_path):
    ds = dcmkit.read(corpus["latin1_explicit"])
    ds.PatientName = "Müller^Jürgen"          # encoded in ISO_IR 100
    ds.PatientID = "ANON"
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.Rows = 512
    ds.ReferencedXRayDetectorIndex = [3, 4]
    ds.ImagePositionPatient = [1.5, -2, 3.25]
    ds.PatientWeight = "80.5"                  # DS from text
    ds.EchoNumbers = 7
    ds.DiffusionGradientOrientation = [1.0, 0.0, 0.5]
    ds.ObjectPixelSpacingInCenterOfBeam = [0.25, 0.5]
    ds.SelectorULValue = 4000000000
    ds.FrameIncrementPointer = dcmkit.tag("FrameTime")
    ds.PixelData = bytes(range(8))
    del ds.PatientBirthDate
    del ds[0x0018, 0x1030]                     # ProtocolName
    ds[0x00081030] = "Études"                  # StudyDescription, new
    ds["InstitutionName"] = "Hôpital"
    ds.set(0x00090010, "ACME 1.0", vr="LO")    # a private block
    ds.set(0x00091001, "private", vr="LO")
    ds.set(0x00091002, [1, 2], vr="US")
    out = tmp_path / "edited.dcm"
    ds.save(out)

    py = pydicom.dcmread(str(out))
    assert str(py.PatientName) == "Müller^Jürgen"
    assert py.PatientID == "ANON"
    assert list(py.ImageType) == ["DERIVED", "SECONDARY"]
    assert py.Rows == 512
    assert list(py.ReferencedXRayDetectorIndex) == [3, 4]
    assert [float(x) for x in py.ImagePositionPatient] == [1.5, -2.0, 3.25]
    assert float(py.PatientWeight) == 80.5
    assert py.EchoNumbers == 7
    assert list(py.DiffusionGradientOrientation) == [1.0, 0.0, 0.5]
    assert list(py.ObjectPixelSpacingInCenterOfBeam) == [0.25, 0.5]
    assert py.SelectorULValue == 4000000000
    assert py.FrameIncrementPointer == 0x00181063
    assert py.PixelData == bytes(range(8))
    assert "PatientBirthDate" not in py and "ProtocolName" not in py
    assert py.StudyDescription == "Études" and py.InstitutionName == "Hôpital"
    assert py[0x00090010].value == "ACME 1.0"
    assert py[0x00091001].value == "private"
    assert dcmdump_ok(out)

    again = dcmkit.read(out)
    assert again.StudyDescription == "Études"
    assert again[0x00091002].vr == "US" and again[0x00091002].value == [1, 2]
    assert again == ds


def test_new_dataset_with_sequences(tmp_path):
    ds = dcmkit.Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = dcmkit.generate_uid()
    ds.PatientName = "王^小東"
    item = ds.add_item("ReferencedSeriesSequence")   # a handle on the new item
    item.SeriesInstanceUID = "1.2.3"
    item.PatientName = "Jürgen"
    other = dcmkit.Dataset()
    other.SpecificCharacterSet = "ISO_IR 100"
    other.SeriesInstanceUID = "1.2.4"
    other.PatientName = "Jérôme"
    # Items are copied, from another dataset and from this one.
    ds.OtherPatientIDsSequence = [other, ds.ReferencedSeriesSequence[0]]
    ds.SelectorUVValue = [2 ** 64 - 1, 1]
    ds.SelectorSVValue = [-2 ** 63, 5]
    out = tmp_path / "new.dcm"
    ds.save(out)

    py = pydicom.dcmread(str(out))
    assert py.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert str(py.PatientName) == "王^小東"
    assert py.ReferencedSeriesSequence[0].SeriesInstanceUID == "1.2.3"
    assert str(py.ReferencedSeriesSequence[0].PatientName) == "Jürgen"
    seq = py.OtherPatientIDsSequence
    assert [i.SeriesInstanceUID for i in seq] == ["1.2.4", "1.2.3"]
    assert str(seq[0].PatientName) == "Jérôme" and seq[0].SpecificCharacterSet == "ISO_IR 100"
    assert list(py.SelectorUVValue) == [2 ** 64 - 1, 1]
    assert list(py.SelectorSVValue) == [-2 ** 63, 5]
    assert dcmdump_ok(out)
    # Item handles address the dataset: a change through one is a change of the file's dataset.
    ds.OtherPatientIDsSequence[1].SeriesInstanceUID = "9.9"
    assert ds.OtherPatientIDsSequence[1].SeriesInstanceUID == "9.9"
    assert ds.ReferencedSeriesSequence[0].SeriesInstanceUID == "1.2.3"  # a copy, not an alias


def test_copy_is_deep(corpus):
    ds = dcmkit.read(corpus["sequences_implicit"])
    c = ds.copy()
    assert c == ds and c.transfer_syntax == ds.transfer_syntax
    c.OtherPatientIDsSequence[0].PatientID = "changed"
    assert ds.OtherPatientIDsSequence[0].PatientID == "54321"


def test_empty_sequence_needs_the_c_abi(corpus):
    """The C ABI has no call that creates an empty sequence (dk_dataset_set_bytes refuses SQ); an
    existing empty sequence is kept."""
    ds = dcmkit.read(corpus["utf8_explicit"])
    ds.RequestAttributesSequence = []  # already empty: nothing to do
    assert ds.RequestAttributesSequence == []
    new = dcmkit.Dataset()
    try:
        new.RequestAttributesSequence = []
    except dcmkit.UnsupportedError:
        assert "RequestAttributesSequence" not in new
    else:
        assert new.RequestAttributesSequence == []


def test_write_errors(corpus, tmp_path):
    ds = dcmkit.read(corpus["latin1_explicit"])
    with pytest.raises(dcmkit.DicomError):
        ds.save(tmp_path / "no-such-folder" / "x.dcm")
    with pytest.raises(dcmkit.DicomError):
        ds.save(tmp_path / "x.dcm", transfer_syntax="no such syntax")
    with pytest.raises(TypeError):
        ds.Rows = "512"
    with pytest.raises(TypeError):
        ds.PatientName = 5
    with pytest.raises(TypeError):
        ds.PixelData = "text"
    with pytest.raises(dcmkit.BadValueError):
        ds.Rows = 70000  # out of range for US
    with pytest.raises(OverflowError):
        ds.SelectorUVValue = -1
    with pytest.raises(dcmkit.BadValueError):
        dcmkit.Dataset().PatientName = "Jürgen"  # no Specific Character Set for non-ASCII text
    with pytest.raises(AttributeError):
        ds.NotAKeyword = 1
    assert ds.Rows == 2  # unchanged by the failures


def test_pickle_and_deepcopy(corpus):
    import copy
    import pickle

    ds = dcmkit.read(corpus["sequences_big"])
    for c in (pickle.loads(pickle.dumps(ds)), copy.deepcopy(ds), copy.copy(ds)):
        assert c == ds and c.transfer_syntax == ds.transfer_syntax
    # An item becomes a dataset of its own, with the Specific Character Set it inherits from its root
    # (ISO_IR 100 here), so that its text reads the same.
    item = ds.OtherPatientIDsSequence[0]
    alone = pickle.loads(pickle.dumps(item))
    assert alone.SpecificCharacterSet == "ISO_IR 100"
    assert [e for e in alone if e.keyword != "SpecificCharacterSet"] == list(item)
    assert alone.IssuerOfPatientID == "Hôpital B"
    ascii_item = ds.OtherPatientIDsSequence[0].ReferencedSeriesSequence[0]
    ascii_copy = ascii_item.copy()
    assert [e for e in ascii_copy if e.keyword != "SpecificCharacterSet"] == list(ascii_item)
