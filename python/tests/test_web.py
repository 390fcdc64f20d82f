"""dcmkit.WebClient against the archive's DICOMweb server (dcmkit.Archive(http_port=0)): STOW-RS of
files pydicom makes, QIDO-RS finding them with pydicom's values, WADO-RS retrieving them (pixel data
byte for byte), metadata, frames, rendered; 404, a closed port and bad arguments as typed errors."""

import os
import socket
import struct

import pytest

import dcmkit

pydicom = pytest.importorskip("pydicom")

from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, generate_uid  # noqa: E402

CT = "1.2.840.10008.5.1.4.1.1.2"


def make_study(folder, count=3, frames=1):
    """`count` 16-bit CT instances of one new study and series; returns their paths."""
    study, series = generate_uid(), generate_uid()
    paths = []
    for n in range(count):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = CT
        ds.SOPClassUID = CT
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.PatientName, ds.PatientID, ds.StudyDate, ds.Modality = "WEB^PYTHON", "PYWEB-1", "20240305", "CT"
        ds.SeriesNumber, ds.InstanceNumber = 1, n + 1
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 12, 16, 12, 11, 0
        if frames > 1:
            ds.NumberOfFrames = frames
        ds.PixelData = b"".join(struct.pack("<H", (n * 300 + i * 7) % 4096) for i in range(8 * 12 * frames))
        path = os.path.join(str(folder), "ct%d.dcm" % n)
        ds.save_as(path, write_like_original=False)
        paths.append(path)
    return paths


@pytest.fixture
def archive(tmp_path):
    with dcmkit.Archive(storage=tmp_path / "archive", bind="127.0.0.1", http_port=0) as a:
        yield a


def client_for(archive):
    return dcmkit.WebClient("http://127.0.0.1:%d/dicomweb" % archive.http_port, timeout=60)


def test_store_search_retrieve(tmp_path, archive):
    paths = make_study(tmp_path, 3)
    refs = [pydicom.dcmread(p) for p in paths]
    web = client_for(archive)
    result = web.store(paths)
    assert result.http_status == 200
    assert sorted(s.sop_instance_uid for s in result.stored) == sorted(r.SOPInstanceUID for r in refs)
    assert all(s.sop_class_uid == CT for s in result.stored)
    assert result.failed == []

    studies = web.search(PatientID="PYWEB-1", includefield="StudyDate")
    assert len(studies) == 1
    assert studies[0].StudyInstanceUID == refs[0].StudyInstanceUID
    assert str(studies[0].PatientName) == str(refs[0].PatientName)
    assert studies[0].StudyDate == refs[0].StudyDate
    assert web.search(PatientID="NOBODY") == []
    instances = web.search("instance", study_uid=refs[0].StudyInstanceUID)
    assert sorted(d.SOPInstanceUID for d in instances) == sorted(r.SOPInstanceUID for r in refs)
    assert len(web.search("instance", study_uid=refs[0].StudyInstanceUID, limit=2)) == 2

    seen = []
    files = web.retrieve(refs[0].StudyInstanceUID, out=tmp_path / "out", on_file=seen.append)
    assert len(files) == 3 and len(seen) == 3
    assert sorted(os.listdir(tmp_path / "out")) == sorted(r.SOPInstanceUID + ".dcm" for r in refs)
    for f in files:
        back = pydicom.dcmread(f.path)
        ref = next(r for r in refs if r.SOPInstanceUID == back.SOPInstanceUID)
        assert back.PixelData == ref.PixelData
        assert back.PatientName == ref.PatientName
        assert f.size == os.path.getsize(f.path)

    md = web.metadata(refs[0].StudyInstanceUID, refs[0].SeriesInstanceUID)
    assert sorted(d.SOPInstanceUID for d in md) == sorted(r.SOPInstanceUID for r in refs)
    assert all(d.Rows == 8 and d.Columns == 12 for d in md)

    frames = web.frames(refs[1].StudyInstanceUID, refs[1].SeriesInstanceUID, refs[1].SOPInstanceUID, [1])
    assert frames == [refs[1].PixelData]


def test_frames_of_a_multiframe_instance(tmp_path, archive):
    (path,) = make_study(tmp_path, 1, frames=3)
    ref = pydicom.dcmread(path)
    web = client_for(archive)
    web.store(path)
    size = len(ref.PixelData) // 3
    got = web.frames(ref.StudyInstanceUID, ref.SeriesInstanceUID, ref.SOPInstanceUID, [3, 1])
    assert got == [ref.PixelData[2 * size:], ref.PixelData[:size]]
    out = tmp_path / "r.png"
    n = web.rendered(ref.StudyInstanceUID, ref.SeriesInstanceUID, ref.SOPInstanceUID, out)
    data = out.read_bytes()
    assert n == len(data) and data[1:4] == b"PNG"
    assert struct.unpack(">II", data[16:24]) == (12, 8)  # width, height from the IHDR


def test_errors(tmp_path, archive):
    web = client_for(archive)
    with pytest.raises(dcmkit.NotFoundError, match="404"):
        web.retrieve("1.2.3.4.5.6.7.8.9", out=tmp_path / "none")
    assert os.listdir(tmp_path / "none") == []
    with pytest.raises(dcmkit.InvalidArgumentError):
        web.search(NotAKeyword="1")
    with pytest.raises(ValueError):
        web.search("patient")
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"x" * 300)
    with pytest.raises(dcmkit.ParseError, match="not a DICOM Part 10 file"):
        web.store(junk)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    closed = dcmkit.WebClient("http://127.0.0.1:%d/dicom-web" % port)
    with pytest.raises(dcmkit.NetworkError, match="cannot connect"):
        closed.search()
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.WebClient("ftp://example/x")


def test_to_files_and_stow_of_dicom_json(tmp_path, archive):
    """Metadata, frames and bulk data streamed to files; STOW of DICOM JSON, read back by pydicom."""
    paths = make_study(tmp_path, 1, frames=2)
    ref = pydicom.dcmread(paths[0])
    study, series, sop = ref.StudyInstanceUID, ref.SeriesInstanceUID, ref.SOPInstanceUID
    web = client_for(archive)
    # DICOM JSON: the Part 10 file converted, its pixels (384 bytes) a bulk data part.
    result = web.store(paths, json=True, bulk_data_threshold=100)
    assert result.http_status == 200
    assert [s.sop_instance_uid for s in result.stored] == [sop]
    back = web.retrieve(study, out=tmp_path / "back")
    got = pydicom.dcmread(back[0].path)
    for elem in ref:
        assert got[elem.tag].value == elem.value, elem.tag
    # Metadata to a file: the JSON the server sent, one object.
    import json
    assert web.metadata(study, out=tmp_path / "md.json") == 1
    md = json.load(open(str(tmp_path / "md.json")))
    assert md[0]["00080018"]["Value"] == [sop]
    # Frames to files: pydicom's bytes of frame 2, then frame 1.
    frame_bytes = len(ref.PixelData) // 2
    parts = web.frames(study, series, sop, [2, 1], out=tmp_path / "frames")
    assert [os.path.basename(p.path) for p in parts] == ["frame_2.raw", "frame_1.raw"]
    assert [p.media_type for p in parts] == ["application/octet-stream"] * 2
    assert open(parts[0].path, "rb").read() == ref.PixelData[frame_bytes:]
    assert open(parts[1].path, "rb").read() == ref.PixelData[:frame_bytes]
    # Bulk data: the Pixel Data's URI (relative to the base URL), a range of it.
    uri = "studies/%s/series/%s/instances/%s/bulkdata/7FE00010" % (study, series, sop)
    assert web.bulkdata(uri, tmp_path / "px.bin", first=10, length=20) == 20
    assert open(str(tmp_path / "px.bin"), "rb").read() == ref.PixelData[10:30]
    with pytest.raises(dcmkit.InvalidArgumentError):
        web.frames(study, series, sop, [1], out=tmp_path / "frames", frame_type="gif87")
    with pytest.raises(dcmkit.NotFoundError):
        web.metadata("1.2.3.4.5.6.7.8.9", out=tmp_path / "none.json")
    assert not os.path.exists(str(tmp_path / "none.json"))
