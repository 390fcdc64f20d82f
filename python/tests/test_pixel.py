"""ds.pixel_array against pydicom's on files made by DCMTK (dump2dcm, img2dcm, dcmconv): equal arrays,
same dtype and shape; views, lifetimes and what is refused."""

import gc
import shutil
import struct
import subprocess

import numpy
import pydicom
import pytest

import dcmkit

needs_dcmtk = pytest.mark.skipif(
    shutil.which("dump2dcm") is None or shutil.which("img2dcm") is None or shutil.which("dcmconv") is None,
    reason="DCMTK (dump2dcm, img2dcm, dcmconv) is not installed",
)

HEADER = r"""
(0002,0010) UI =LittleEndianExplicit
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1143.{n}]
"""


def image_dump(rows, cols, bits, pixels, *, spp=1, signed=0, planar=None, frames=None, stored=None,
               photometric=None, vr=None):
    """A dump2dcm text: the Image Pixel module and `pixels` (hex words for OW, hex bytes for OB)."""
    photometric = photometric or ("RGB" if spp == 3 else "MONOCHROME2")
    stored = stored or bits
    lines = [
        "(0028,0002) US %d" % spp,
        "(0028,0004) CS [%s]" % photometric,
        "(0028,0010) US %d" % rows,
        "(0028,0011) US %d" % cols,
        "(0028,0100) US %d" % bits,
        "(0028,0101) US %d" % stored,
        "(0028,0102) US %d" % (stored - 1),
        "(0028,0103) US %d" % signed,
    ]
    if planar is not None:
        lines.append("(0028,0006) US %d" % planar)
    if frames is not None:
        lines.append("(0028,0008) IS [%d]" % frames)
    vr = vr or ("OW" if bits > 8 else "OB")
    lines.append("(7fe0,0010) %s %s" % (vr, "\\".join(pixels)))
    return "\n".join(sorted(lines))


def words(values):
    return ["%04x" % (v & 0xFFFF) for v in values]


def bytes_hex(values):
    return ["%02x" % (v & 0xFF) for v in values]


CASES = {
    "u8": image_dump(2, 3, 8, bytes_hex([0, 1, 2, 3, 254, 255])),
    "s8": image_dump(2, 2, 8, bytes_hex([-128, -1, 0, 127]), signed=1),
    "u16": image_dump(3, 2, 16, words([0, 1, 4095, 4096, 65535, 1234]), stored=12),
    "s16": image_dump(2, 3, 16, words([-2, -1, 0, 1, 32767, -32768]), signed=1),
    "u32": image_dump(1, 2, 32, words([1, 2, 0xFFFF, 0xFFFF]), vr="OW"),
    "s32": image_dump(2, 1, 32, words([0xFFFE, 0xFFFF, 5, 0]), signed=1, vr="OW"),
    "u16_frames": image_dump(2, 2, 16, words(range(100, 112)), frames=3),
    "u8_frames": image_dump(2, 3, 8, bytes_hex(range(24)), frames=4),
    "rgb_planar0": image_dump(2, 2, 8, bytes_hex(range(1, 13)), spp=3, planar=0),
    "rgb_planar1": image_dump(2, 2, 8, bytes_hex(range(1, 13)), spp=3, planar=1),
    "rgb_planar1_frames": image_dump(2, 3, 8, bytes_hex(range(36)), spp=3, planar=1, frames=2),
    "rgb16_planar1": image_dump(2, 1, 16, words(range(1000, 1006)), spp=3, planar=1),
    # Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): Y1 Y2 Cb Cr per two pixels; pydicom upsamples to YBR_FULL.
    "ybr422": image_dump(2, 4, 8, bytes_hex([10, 20, 128, 90, 30, 40, 100, 200, 50, 60, 70, 80, 255, 0, 1, 2]), spp=3,
                         planar=0, photometric="YBR_FULL_422"),
    "ybr422_frames": image_dump(1, 4, 8, bytes_hex(range(3, 43, 5)) + bytes_hex(range(200, 240, 5)), spp=3, planar=0,
                                frames=2, photometric="YBR_FULL_422"),
    # 4×4 1-bit: 16 bits, one frame.
    "bits1": image_dump(4, 4, 1, bytes_hex([0xA5, 0x3C])),
    # 3 frames of 2×3 1-bit (18 bits, frames not byte aligned) and a padding byte.
    "bits1_frames": image_dump(2, 3, 1, bytes_hex([0xD5, 0x0F, 0x02, 0x00]), frames=3),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    if shutil.which("dump2dcm") is None:
        pytest.skip("DCMTK (dump2dcm) is not installed")
    folder = tmp_path_factory.mktemp("pixel")
    out = {}
    for i, (name, body) in enumerate(sorted(CASES.items())):
        dump = folder / (name + ".txt")
        dump.write_text(HEADER.format(n=i + 1) + body + "\n", encoding="ascii")
        path = folder / (name + ".dcm")
        subprocess.run(["dump2dcm", "-q", str(dump), str(path)], check=True)
        out[name] = path
    # The same 16-bit frames in implicit VR and big endian (the reader gives little endian samples).
    for name, opt in (("u16_frames_implicit", "+ti"), ("s16_big", "+tb")):
        src = out["u16_frames" if name.startswith("u16") else "s16"]
        path = folder / (name + ".dcm")
        subprocess.run(["dcmconv", "-q", opt, str(src), str(path)], check=True)
        out[name] = path
    return out


def check_same(path, **read_options):
    ours = dcmkit.read(str(path), **read_options).pixel_array
    theirs = pydicom.dcmread(str(path)).pixel_array
    # pydicom keeps a big endian file's byte order in its dtype; ours is always little endian.
    assert ours.dtype == theirs.dtype.newbyteorder("="), path
    assert ours.shape == theirs.shape, path
    assert numpy.array_equal(ours, theirs), (path, ours, theirs)
    return ours


@needs_dcmtk
@pytest.mark.parametrize("name", sorted(CASES) + ["u16_frames_implicit", "s16_big"])
def test_matches_pydicom(files, name):
    arr = check_same(files[name])
    if name.startswith(("bits1", "ybr422")):
        assert arr.flags.writeable  # unpacked or upsampled: a new array
    else:
        assert not arr.flags.writeable  # a view of the dataset's memory
    check_same(files[name], map_file=False)


@needs_dcmtk
def test_shapes_and_dtypes(files):
    expect = {
        "u8": ((2, 3), "uint8"), "s8": ((2, 2), "int8"), "u16": ((3, 2), "uint16"), "s16": ((2, 3), "int16"),
        "u32": ((1, 2), "uint32"), "s32": ((2, 1), "int32"), "u16_frames": ((3, 2, 2), "uint16"),
        "rgb_planar0": ((2, 2, 3), "uint8"), "rgb_planar1": ((2, 2, 3), "uint8"),
        "rgb_planar1_frames": ((2, 2, 3, 3), "uint8"), "bits1_frames": ((3, 2, 3), "uint8"),
    }
    for name, (shape, dtype) in expect.items():
        arr = dcmkit.read(str(files[name])).pixel_array
        assert arr.shape == shape and arr.dtype == numpy.dtype(dtype), name
    planar = dcmkit.read(str(files["rgb_planar1"])).pixel_array
    assert planar[0, 0].tolist() == [1, 5, 9]  # R, G, B planes of 4 pixels each
    s16 = dcmkit.read(str(files["s16"])).pixel_array
    assert s16.tolist() == [[-2, -1, 0], [1, 32767, -32768]]


def write_bmp(path, width, height, rgb):
    """A 24-bit bottom-up BMP of `rgb` ((r, g, b) per pixel, rows top first)."""
    stride = (width * 3 + 3) & ~3
    rows = []
    for y in reversed(range(height)):
        row = b"".join(bytes((b, g, r)) for r, g, b in rgb[y * width:(y + 1) * width])
        rows.append(row + b"\0" * (stride - len(row)))
    data = b"".join(rows)
    header = struct.pack("<2sIHHI", b"BM", 54 + len(data), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(data), 2835, 2835, 0, 0)
    path.write_bytes(header + info + data)


@needs_dcmtk
def test_rgb_from_img2dcm(tmp_path):
    width, height = 5, 3
    rgb = [((x * 50) % 256, (y * 80) % 256, (x * y * 17) % 256) for y in range(height) for x in range(width)]
    bmp = tmp_path / "in.bmp"
    write_bmp(bmp, width, height, rgb)
    out = tmp_path / "rgb.dcm"
    subprocess.run(["img2dcm", "-q", "-i", "BMP", str(bmp), str(out)], check=True)
    arr = check_same(out)
    assert arr.shape == (height, width, 3)
    assert arr.reshape(-1, 3).tolist() == [list(p) for p in rgb]


@needs_dcmtk
def test_view_keeps_the_dataset_alive(files):
    ds = dcmkit.read(str(files["u16_frames"]))
    arr = ds.pixel_array
    expect = arr.copy()
    assert arr.base is ds._ds  # zero-copy: a view whose base is the dataset handle
    with pytest.raises(ValueError):
        arr[0, 0, 0] = 1  # read-only
    del ds
    gc.collect()
    assert numpy.array_equal(arr, expect)


def test_made_in_code_and_frames():
    ds = dcmkit.Dataset()
    ds.Rows = 2
    ds.Columns = 2
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.PixelRepresentation = 0
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = 2
    data = numpy.arange(8, dtype="<u2")
    ds.set("PixelData", data.tobytes(), vr="OW")
    arr = ds.pixel_array
    assert arr.shape == (2, 2, 2)
    assert numpy.array_equal(arr.ravel(), data)
    assert ds.read_frame(1) == data[4:].tobytes()
    info = ds.pixel_info
    assert info["number_of_frames"] == 2 and info["frame_size"] == 8 and not info["encapsulated"]
    # Truncated: the second frame is missing.
    ds.set("PixelData", data[:4].tobytes(), vr="OW")
    with pytest.raises(dcmkit.ParseError):
        ds.pixel_array
    with pytest.raises(dcmkit.ParseError):
        ds.read_frame(1)
    # A Number of Frames that is not a count is refused (pydicom raises ValueError too), never read
    # as one frame, which would drop the second without a word.
    ds.set("PixelData", data.tobytes(), vr="OW")
    ds.set("NumberOfFrames", "two", vr="IS")
    with pytest.raises(ValueError, match="Number of Frames"):
        ds.pixel_array
    # Float Pixel Data.
    ds.NumberOfFrames = 1
    ds.BitsAllocated = 32
    del ds.PixelData
    floats = numpy.array([0.5, -1.0, 2.25, 1e6], dtype="<f4")
    ds.set(dcmkit.Tag(0x7FE0, 0x0008), floats.tobytes(), vr="OF")
    arr = ds.pixel_array
    assert arr.dtype == numpy.float32 and arr.shape == (2, 2)
    assert numpy.array_equal(arr.ravel(), floats)


def test_missing_and_compressed():
    ds = dcmkit.Dataset()
    with pytest.raises(dcmkit.NotFoundError, match="no Pixel Data"):
        ds.pixel_array
    assert not hasattr(ds, "pixel_array")
    ds.set("PixelData", b"\0\0\0\0", vr="OB")
    with pytest.raises(dcmkit.BadValueError, match="Rows"):
        ds.pixel_array
    encapsulated = (
        '{"00020010":{"vr":"UI","Value":["%s"]},'
        '"00280010":{"vr":"US","Value":[2]},"00280011":{"vr":"US","Value":[2]},'
        '"00280100":{"vr":"US","Value":[8]},'
        '"7FE00010":{"vr":"OB","InlineBinary":"/v8A4AAAAAD+/wDgBAAAAGFiY2T+/93gAAAAAA=="}}')
    # MPEG2 has no codec (decoding the others: test_codecs.py).
    mpeg = dcmkit.from_json(encapsulated % "1.2.840.10008.1.2.4.100")
    assert mpeg.pixel_info["encapsulated"]
    with pytest.raises(dcmkit.UnsupportedError, match=r"MPEG2.*1\.2\.840\.10008\.1\.2\.4\.100"):
        mpeg.pixel_array
    with pytest.raises(NotImplementedError):
        mpeg.read_frame(0)
    # "abcd" is no JPEG: the codec says so, naming the frame.
    with pytest.raises(dcmkit.ParseError, match="frame 0"):
        dcmkit.from_json(encapsulated % "1.2.840.10008.1.2.4.50").pixel_array


@needs_dcmtk
def test_ybr_full_422_is_upsampled_to_ybr_full(files):
    """Native YBR_FULL_422 decodes to YBR_FULL, every pixel with its pair's Cb Cr, as pydicom's
    pixel_array; before, pixel_array refused it ("pixel data holds … bytes, too few")."""
    for name in ("ybr422", "ybr422_frames"):
        ds = dcmkit.read(str(files[name]))
        assert ds.decoded_photometric == "YBR_FULL"
        theirs = pydicom.dcmread(str(files[name])).pixel_array
        assert numpy.array_equal(ds.pixel_array, theirs)
        array, photometric = ds.decode_frame(0)
        assert photometric == "YBR_FULL"
        assert numpy.array_equal(array, theirs[0] if name == "ybr422_frames" else theirs)
        assert ds.pixel_info["frame_size"] == array.size * 2 // 3  # as stored: 2 samples a pixel
