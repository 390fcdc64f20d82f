"""pydicom's common Dataset names on dcmkit.Dataset, each checked against pydicom reading the same
DCMTK-made file: file_meta (and assigning it), is_little_endian / is_implicit_VR, data_element,
dir(), walk(), keys/values/items, get, copy/deepcopy, Dataset.from_json, save_as."""

import copy
import pickle
import warnings

import pydicom
import pytest

import dcmkit
from conftest import needs_dcmtk


def pydicom_read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(str(path))


@needs_dcmtk
@pytest.mark.parametrize("name", ["latin1_explicit", "latin1_implicit", "latin1_big", "sequences_implicit",
                                  "sequences_deflated"])
def test_file_meta_and_encoding_as_pydicom(corpus, name):
    ds, ref = dcmkit.read(corpus[name]), pydicom_read(corpus[name])
    meta = ds.file_meta
    assert isinstance(meta, dcmkit.FileMetaDataset) and isinstance(meta, dcmkit.Dataset)
    assert [int(t) for t in meta.keys()] == [int(e.tag) for e in ref.file_meta]
    assert len(meta) == len(ref.file_meta)
    for e in ref.file_meta:
        assert meta[int(e.tag)].vr == e.VR
        if e.VR == "UI":
            assert meta.get(int(e.tag)) == e.value
    assert meta.TransferSyntaxUID == ref.file_meta.TransferSyntaxUID
    assert meta.dir("uid") == [k for k in ref.file_meta.dir("uid")]
    # The dataset's own elements are not the meta's.
    assert all(int(t) >> 16 != 2 for t in ds.keys())
    ts = pydicom.uid.UID(ref.file_meta.TransferSyntaxUID)
    assert ds.is_little_endian == ts.is_little_endian
    assert ds.is_implicit_VR == ts.is_implicit_VR


@needs_dcmtk
def test_file_meta_is_settable_and_saved(corpus, tmp_path):
    ds = dcmkit.read(corpus["latin1_explicit"])
    meta = ds.file_meta.copy()
    meta.ImplementationVersionName = "PYAPI_1"
    meta.SourceApplicationEntityTitle = "PYAPI"
    with pytest.raises(dcmkit.InvalidArgumentError):
        meta.PatientName = "NOT^META"
    fresh = dcmkit.Dataset()
    fresh.update(ds)
    assert len(fresh.file_meta) == 0
    fresh.file_meta = meta
    assert fresh.file_meta.SourceApplicationEntityTitle == "PYAPI"
    out = tmp_path / "meta.dcm"
    fresh.save_as(out)
    ref = pydicom_read(out)
    assert ref.file_meta.SourceApplicationEntityTitle == "PYAPI"
    assert ref.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    plain = dcmkit.Dataset()
    plain.PatientName = "X"
    with pytest.raises(dcmkit.InvalidArgumentError):
        fresh.file_meta = plain  # group 0010 is no meta
    with pytest.raises(TypeError):
        meta.to_bytes()
    assert pickle.loads(pickle.dumps(meta)) == meta and copy.deepcopy(meta) == meta


@needs_dcmtk
def test_dir_data_element_walk_as_pydicom(corpus):
    path = corpus["sequences_explicit"]
    ds, ref = dcmkit.read(path), pydicom_read(path)
    assert ds.dir() == ref.dir()
    assert ds.dir("uid", "name") == ref.dir("uid", "name")
    e = ds.data_element("PatientName")
    assert e is not None and e.tag == ref.data_element("PatientName").tag and e.VR == "PN"
    assert ds.data_element("PatientWeight") is None and "PatientWeight" not in ref
    assert ds.data_element("NotAKeyword") is None and ref.data_element("NotAKeyword") is None
    ours, theirs = [], []
    ds.walk(lambda d, el: ours.append((int(el.tag), el.VR)))
    ref.walk(lambda d, el: theirs.append((int(el.tag), el.VR)))
    assert ours == theirs and any(vr == "SQ" for _, vr in ours)
    flat = []
    ds.walk(lambda d, el: flat.append(int(el.tag)), recursive=False)
    assert flat == [int(el.tag) for el in ref]
    assert [int(k) for k in ds.keys()] == [int(k) for k in ref.keys()]
    assert [int(t) for t, _ in ds.items()] == [int(t) for t, _ in ref.items()]
    assert len(ds.values()) == len(ref.values())
    assert ds.get("PatientID") == ref.get("PatientID") and ds.get("PatientWeight", 7) == 7


def test_copy_is_deep_and_from_json_classmethod():
    ds = dcmkit.Dataset()
    ds.PatientName = "DOE^J"
    item = ds.add_item("ReferencedStudySequence")
    item.ReferencedSOPInstanceUID = "1.2.3"
    for dup in (ds.copy(), copy.copy(ds), copy.deepcopy(ds)):
        assert dup == ds
        dup.ReferencedStudySequence[0].ReferencedSOPInstanceUID = "1.2.4"
        assert ds.ReferencedStudySequence[0].ReferencedSOPInstanceUID == "1.2.3"
    back = dcmkit.Dataset.from_json(ds.to_json_dict())
    assert back == ds
    ref = pydicom.Dataset.from_json(ds.to_json_dict())
    assert str(ref.PatientName) == "DOE^J" and ref.ReferencedStudySequence[0].ReferencedSOPInstanceUID == "1.2.3"
    assert dcmkit.Dataset.from_json(ref.to_json()) == ds
