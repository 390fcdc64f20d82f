"""Codecs through the C ABI: ds.pixel_array of files compressed by DCMTK (dcmcrle, dcmcjpls, dcmcjpeg)
and GDCM (gdcmconv --j2k) against pydicom's pixel_array of the file the same tool decompressed
(dcmdrle, dcmdjpls, dcmdjpeg, gdcmconv --raw); ds.transcode() round trips checked by pydicom after
the peer decompresses dcmkit's file; render() and save_png() (PNG read back with zlib and struct);
save_jpeg() (the JPEG wrapped by DCMTK's img2dcm, decoded by dcmdjpeg, read by pydicom); errors and
their exception classes.

The native images are written by pydicom in a session-scoped temporary folder."""

import shutil
import struct
import subprocess
import zlib

import numpy
import pydicom
import pytest
from pydicom.dataset import Dataset as PyDataset
from pydicom.dataset import FileMetaDataset
from pydicom.encaps import encapsulate, generate_pixel_data_frame
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage

import dcmkit

RLE = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
JPEGLS = "1.2.840.10008.1.2.4.80"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"

# (compressor command, decompressor command, transfer syntax it writes)
PEERS = {
    "dcmcrle": (["dcmcrle"], ["dcmdrle"], RLE),
    "dcmcjpls": (["dcmcjpls"], ["dcmdjpls"], JPEGLS),
    "dcmcjpeg+e1": (["dcmcjpeg", "+e1"], ["dcmdjpeg"], JPEG_LOSSLESS_SV1),
    "gdcmconv--j2k": (["gdcmconv", "--j2k"], ["gdcmconv", "--raw"], J2K_LOSSLESS),
}

# dcmkit's syntax (alias) -> the peer decompressor of what dcmkit writes in it.
DECOMPRESSORS = {
    "rle": (["dcmdrle"], RLE),
    "jpegls": (["dcmdjpls"], JPEGLS),
    "jpeg-lossless": (["dcmdjpeg"], JPEG_LOSSLESS_SV1),
    "j2k-lossless": (["gdcmconv", "--raw"], J2K_LOSSLESS),
}


def have(*tools):
    return all(shutil.which(t) for t in tools)


def run(cmd, *paths):
    subprocess.run(cmd + [str(p) for p in paths], check=True, capture_output=True)


def native_image(path, pixels, *, photometric=None, bits_stored=None, frames=None, uid_suffix="1", window=None):
    """Writes `pixels` (rows × cols[, 3] or frames × rows × cols) as an explicit VR little endian file
    with pydicom."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.2.1143.9." + uid_suffix
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = PyDataset()
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.Modality = "OT"
    color = photometric == "RGB"
    ds.SamplesPerPixel = 3 if color else 1
    ds.PhotometricInterpretation = photometric or "MONOCHROME2"
    if color:
        ds.PlanarConfiguration = 0
    if frames:
        ds.NumberOfFrames = frames
    shape = pixels.shape[1:] if frames else pixels.shape
    ds.Rows, ds.Columns = shape[0], shape[1]
    bits = pixels.dtype.itemsize * 8
    ds.BitsAllocated = bits
    ds.BitsStored = bits_stored or bits
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if pixels.dtype.kind == "i" else 0
    if window:
        ds.WindowCenter, ds.WindowWidth = window
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    ds.save_as(str(path), write_like_original=False)
    return path


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    """{name: path} of native images: 16-bit (12 stored) two frames with a window, 8-bit gray,
    8-bit RGB, 16-bit signed (for RLE), and a smooth 8-bit RGB (for lossy JPEG)."""
    d = tmp_path_factory.mktemp("codecs")
    y, x = numpy.mgrid[0:48, 0:64]
    mono16 = numpy.stack([(x * 61 + y * 83 + f * 1000 + ((x ^ y) & 7) * 100) % 4096 for f in range(2)]).astype("<u2")
    y8, x8 = numpy.mgrid[0:30, 0:40]
    gray8 = ((x8 * 6 + y8 * 3) % 256).astype("u1")
    rgb8 = numpy.stack([(x8 * 6) % 256, (y8 * 8) % 256, ((x8 + y8) * 5 + (x8 & 3) * 40) % 256], axis=-1).astype("u1")
    signed = (((x * 37 - y * 91) % 2000) - 1000).astype("<i2")
    smooth = numpy.stack([x8 * 6, y8 * 8, (x8 + y8) * 3], axis=-1).astype("u1")  # for lossy coding
    return {
        "mono16": native_image(d / "mono16.dcm", mono16, bits_stored=12, frames=2, uid_suffix="1",
                               window=(2048, 4096)),
        "gray8": native_image(d / "gray8.dcm", gray8, uid_suffix="2"),
        "rgb8": native_image(d / "rgb8.dcm", rgb8, photometric="RGB", uid_suffix="3"),
        "signed16": native_image(d / "signed16.dcm", signed, uid_suffix="4"),
        "smooth_rgb8": native_image(d / "smooth.dcm", smooth, photometric="RGB", uid_suffix="5"),
    }


def peer_params():
    out = []
    for peer, (comp, decomp, ts) in PEERS.items():
        for image in ("mono16", "gray8", "rgb8"):
            mark = pytest.mark.skipif(not have(comp[0], decomp[0]), reason="%s is not installed" % comp[0])
            out.append(pytest.param(peer, image, marks=mark, id="%s-%s" % (peer, image)))
    return out


@pytest.mark.parametrize("peer,image", peer_params())
def test_pixel_array_of_peer_compressed_files(images, tmp_path, peer, image):
    """dcmkit decodes what DCMTK and GDCM compress exactly as they decompress it."""
    comp, decomp, ts = PEERS[peer]
    compressed, decompressed = tmp_path / "c.dcm", tmp_path / "d.dcm"
    run(comp, images[image], compressed)
    run(decomp, compressed, decompressed)
    ds = dcmkit.read(compressed)
    assert ds.transfer_syntax == ts
    assert ds.pixel_info["encapsulated"]
    ours = ds.pixel_array
    theirs = pydicom.dcmread(str(decompressed)).pixel_array
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert numpy.array_equal(ours, theirs)
    # ... which is the original (lossless), photometric included.
    assert numpy.array_equal(ours, pydicom.dcmread(str(images[image])).pixel_array)
    assert ds.decoded_photometric == pydicom.dcmread(str(decompressed)).PhotometricInterpretation
    # decode_frame() and read_frame() agree with pixel_array frame by frame.
    frames = ours if ds.pixel_info["number_of_frames"] > 1 else ours[numpy.newaxis]
    for i, want in enumerate(frames):
        arr, photometric = ds.decode_frame(i)
        assert numpy.array_equal(arr, want) and photometric == ds.decoded_photometric
        assert ds.read_frame(i) == want.tobytes()


@pytest.mark.skipif(not have("dcmcrle", "dcmdrle"), reason="DCMTK is not installed")
def test_signed_rle(images, tmp_path):
    compressed, decompressed = tmp_path / "c.dcm", tmp_path / "d.dcm"
    run(["dcmcrle"], images["signed16"], compressed)
    run(["dcmdrle"], compressed, decompressed)
    ours = dcmkit.read(compressed).pixel_array
    assert ours.dtype == numpy.int16 and ours.min() < 0
    assert numpy.array_equal(ours, pydicom.dcmread(str(decompressed)).pixel_array)


@pytest.mark.skipif(not have("dcmcjpeg", "dcmdjpeg"), reason="DCMTK is not installed")
def test_jpeg_baseline_decodes_to_rgb(images, tmp_path):
    """Lossy JPEG of RGB (YBR_FULL_422): decoded to RGB, close to what dcmdjpeg gives (decoders may
    round differently) and to the original."""
    compressed, decompressed = tmp_path / "c.dcm", tmp_path / "d.dcm"
    run(["dcmcjpeg", "+eb", "+q", "95"], images["smooth_rgb8"], compressed)
    run(["dcmdjpeg"], compressed, decompressed)
    ds = dcmkit.read(compressed)
    assert ds.transfer_syntax == JPEG_BASELINE
    assert ds.PhotometricInterpretation == "YBR_FULL_422"
    assert ds.decoded_photometric == "RGB"
    theirs = pydicom.dcmread(str(decompressed))
    assert theirs.PhotometricInterpretation == "RGB"
    ours = ds.pixel_array.astype(int)
    diff = numpy.abs(ours - theirs.pixel_array.astype(int))
    assert ours.shape == (30, 40, 3)
    assert diff.mean() < 2 and diff.max() <= 16, (diff.mean(), diff.max())
    original = pydicom.dcmread(str(images["smooth_rgb8"])).pixel_array.astype(int)
    assert numpy.abs(ours - original).mean() < 3


def round_trip_params():
    out = []
    for ts, (decomp, _) in DECOMPRESSORS.items():
        for image in ("mono16", "gray8", "rgb8"):
            mark = pytest.mark.skipif(not have(decomp[0]), reason="%s is not installed" % decomp[0])
            out.append(pytest.param(ts, image, marks=mark, id="%s-%s" % (ts, image)))
    return out


@pytest.mark.parametrize("ts,image", round_trip_params())
def test_transcode_round_trips_through_peers(images, tmp_path, ts, image):
    """dcmkit compresses; DCMTK / GDCM decompress; pydicom reads the original pixels back."""
    decomp, uid = DECOMPRESSORS[ts]
    original = pydicom.dcmread(str(images[image]))
    ds = dcmkit.read(images[image])
    ds.transcode(ts, threads=2)
    assert ds.transfer_syntax == uid
    assert ds.pixel_info["encapsulated"]
    assert "LossyImageCompression" not in ds  # lossless
    assert ds.SOPInstanceUID == original.SOPInstanceUID
    assert numpy.array_equal(ds.pixel_array, original.pixel_array)  # decoded back in memory
    ours, back = tmp_path / "ours.dcm", tmp_path / "back.dcm"
    ds.save(ours)
    assert pydicom.dcmread(str(ours)).file_meta.TransferSyntaxUID == uid
    run(decomp, ours, back)
    theirs = pydicom.dcmread(str(back))
    assert numpy.array_equal(theirs.pixel_array, original.pixel_array)
    assert theirs.PhotometricInterpretation in (original.PhotometricInterpretation, "YBR_RCT", "RGB")
    # And dcmkit's own file decodes back to native, which pydicom reads without any codec.
    again = dcmkit.read(ours)
    again.transcode("explicit")
    native = tmp_path / "native.dcm"
    again.save(native)
    assert numpy.array_equal(pydicom.dcmread(str(native)).pixel_array, original.pixel_array)


def test_transcode_rle_is_read_by_pydicom(images, tmp_path):
    """pydicom decodes RLE itself (numpy handler): dcmkit's RLE with an Extended Offset Table too."""
    original = pydicom.dcmread(str(images["mono16"]))
    ds = dcmkit.read(images["mono16"])
    ds.transcode("rle")
    ds.save(tmp_path / "rle.dcm")
    assert numpy.array_equal(pydicom.dcmread(str(tmp_path / "rle.dcm")).pixel_array, original.pixel_array)
    ds = dcmkit.read(images["rgb8"])
    ds.transcode("rle", extended_offset_table=True)
    assert 0x7FE00001 in ds
    ds.save(tmp_path / "rgb.dcm")
    assert numpy.array_equal(ds.pixel_array, pydicom.dcmread(str(images["rgb8"])).pixel_array)


def test_lossy_transcode(images):
    ds = dcmkit.read(images["smooth_rgb8"])
    uid = ds.SOPInstanceUID
    kept = ds.copy()
    kept.transcode("jpeg", quality=95, keep_uid=True)
    assert kept.SOPInstanceUID == uid and kept.ImageType[0] == "ORIGINAL"
    ds.transcode("jpeg", quality=95)
    assert ds.transfer_syntax == JPEG_BASELINE
    assert ds.SOPInstanceUID != uid and ds.ImageType[0] == "DERIVED"
    assert ds.LossyImageCompression == "01"
    assert ds.decoded_photometric == "RGB"
    original = pydicom.dcmread(str(images["smooth_rgb8"])).pixel_array.astype(int)
    assert numpy.abs(ds.pixel_array.astype(int) - original).mean() < 3
    # Presenting lossy pixels as lossless is refused, and the dataset is left as it was.
    with pytest.raises(dcmkit.InvalidArgumentError, match="lossy") as e:
        ds.transcode("jpegls")
    assert e.value.kind == "invalid argument" and isinstance(e.value, ValueError)
    assert ds.transfer_syntax == JPEG_BASELINE
    ds.copy().transcode("jpegls", lossy_to_lossless=True)
    ds.transcode("explicit")  # decompressing is always allowed
    assert not ds.pixel_info["encapsulated"] and ds.PhotometricInterpretation == "RGB"


def test_codec_support():
    assert dcmkit.codec_support("explicit") == (True, True)
    assert dcmkit.codec_support("implicit").decode
    for ts in ("rle", "jpegls", "jpeg", "jpeg-lossless", RLE, JPEGLS, "JPEGLSLossless"):
        s = dcmkit.codec_support(ts)
        assert s.decode and s.encode, ts
    assert dcmkit.codec_support("j2k-lossless").decode
    assert dcmkit.codec_support("1.2.840.10008.1.2.4.100") == (False, False)  # MPEG2
    assert dcmkit.codec_support("no such syntax") == dcmkit.CodecSupport(False, False)


def read_png(path):
    """(width, height, color type, rows as a uint8 array) of an 8-bit, non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, color, _, _, interlace = ihdr
    assert depth == 8 and interlace == 0
    bpp = {0: 1, 2: 3}[color]
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = numpy.zeros((height, stride), dtype=numpy.uint8)
    prev = [0] * stride
    for r in range(height):
        f = raw[r * (stride + 1)]
        line = list(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        out[r] = line
        prev = line
    return width, height, color, out.reshape(height, width, bpp) if bpp > 1 else out


@pytest.mark.skipif(not have("dcmcjpls"), reason="DCMTK is not installed")
def test_render_and_save_png(images, tmp_path):
    compressed = tmp_path / "c.dcm"
    run(["dcmcjpls"], images["mono16"], compressed)
    native, ds = dcmkit.read(images["mono16"]), dcmkit.read(compressed)
    img = ds.render(1)
    assert img.dtype == numpy.uint8 and img.shape == (48, 64)
    assert numpy.array_equal(img, native.render(1))
    # The file's window (2048, 4096), given explicitly, renders the same; LINEAR (PS3.3 C.11.2.1.2).
    assert numpy.array_equal(ds.render(1, window=(2048, 4096)), img)
    stored = ds.pixel_array[1].astype(float)
    want = numpy.clip(numpy.rint(((stored - 2047.5) / 4095 + 0.5) * 255), 0, 255)
    assert numpy.abs(img.astype(int) - want).max() <= 1
    mm = ds.render(0, min_max=True)
    assert mm.min() == 0 and mm.max() == 255
    narrow = ds.render(0, window=[2000, 1])
    assert set(numpy.unique(narrow)) <= {0, 255}
    path = tmp_path / "frame1.png"
    ds.save_png(path, 1)
    width, height, color, pixels = read_png(path)
    assert (width, height, color) == (64, 48, 0)
    assert numpy.array_equal(pixels, img)
    ds.save_png(str(tmp_path / "mm.png"), frame=0, min_max=True)
    assert numpy.array_equal(read_png(tmp_path / "mm.png")[3], mm)
    # Colour: three channels, the RGB values themselves.
    rgb = dcmkit.read(images["rgb8"])
    img = rgb.render()
    assert img.shape == (30, 40, 3)
    assert numpy.array_equal(img, rgb.pixel_array)
    rgb.save_png(tmp_path / "rgb.png")
    width, height, color, pixels = read_png(tmp_path / "rgb.png")
    assert (width, height, color) == (40, 30, 2)
    assert numpy.array_equal(pixels, img)


def jpeg_markers(path):
    """{marker: segment body} of a JPEG file up to its first scan; SOI first and EOI last checked."""
    data = path.read_bytes()
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    pos, found = 2, {}
    while data[pos] == 0xFF and data[pos + 1] != 0xDA:
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        found.setdefault(data[pos + 1], data[pos + 4:pos + 2 + length])
        pos += 2 + length
    assert data[pos:pos + 2] == b"\xff\xda"
    return found


def dcmtk_decode_jpeg(path, tmp_path):
    """The pixels of a JPEG file as DCMTK decodes them: img2dcm wraps it (JPEG Baseline, as it is),
    dcmdjpeg decompresses it (YCbCr to RGB), pydicom reads the native result."""
    wrapped, plain = tmp_path / "wrapped.dcm", tmp_path / "plain.dcm"
    run(["img2dcm", "-i", "JPEG", "-jf"], path, wrapped)
    run(["dcmdjpeg"], wrapped, plain)
    return pydicom.dcmread(plain).pixel_array


@pytest.mark.skipif(not have("img2dcm", "dcmdjpeg"), reason="DCMTK is not installed")
def test_save_jpeg(images, tmp_path):
    ds = dcmkit.read(images["mono16"])
    path = tmp_path / "frame1.jpg"
    ds.save_jpeg(path, 1, window=(1000, 3000))
    markers = jpeg_markers(path)
    assert markers[0xE0][:5] == b"JFIF\0"
    sof = markers[0xC0]  # baseline: precision, rows, columns, components
    assert struct.unpack(">BHHB", sof[:6]) == (8, 48, 64, 1)
    assert not set(markers) & {0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
    decoded = dcmtk_decode_jpeg(path, tmp_path).astype(int)
    want = ds.render(1, window=(1000, 3000)).astype(int)
    assert decoded.shape == want.shape == (48, 64)
    assert numpy.abs(decoded - want).mean() < 3
    # The frame and the window are the ones asked for: frame 0, or the file's window, are far off.
    assert numpy.abs(decoded - ds.render(0, window=(1000, 3000)).astype(int)).mean() > 10
    assert numpy.abs(decoded - ds.render(1).astype(int)).mean() > 10
    # Colour: three components, the RGB values within JPEG error; quality orders the sizes.
    rgb = dcmkit.read(images["smooth_rgb8"])
    sizes = []
    for q in (10, 50, 95):
        rgb.save_jpeg(tmp_path / "rgb.jpg", quality=q)
        sizes.append((tmp_path / "rgb.jpg").stat().st_size)
    assert sizes == sorted(sizes) and sizes[0] < sizes[2]
    assert struct.unpack(">BHHB", jpeg_markers(tmp_path / "rgb.jpg")[0xC0][:6]) == (8, 30, 40, 3)
    decoded = dcmtk_decode_jpeg(tmp_path / "rgb.jpg", tmp_path).astype(int)
    assert decoded.shape == (30, 40, 3)
    assert numpy.abs(decoded - rgb.render().astype(int)).mean() < 2
    # Refusals, typed; the last good file is left as it was.
    before = (tmp_path / "rgb.jpg").read_bytes()
    for q in (0, 101):
        with pytest.raises(dcmkit.InvalidArgumentError, match="1..100"):
            rgb.save_jpeg(tmp_path / "rgb.jpg", quality=q)
    assert (tmp_path / "rgb.jpg").read_bytes() == before
    with pytest.raises(dcmkit.IoError) as e:
        rgb.save_jpeg(tmp_path / "no-such-folder" / "x.jpg")
    assert isinstance(e.value, OSError)
    with pytest.raises(dcmkit.InvalidArgumentError, match="frame 2"):
        ds.save_jpeg(tmp_path / "x.jpg", 2)
    with pytest.raises(dcmkit.NotFoundError, match="no Pixel Data"):
        dcmkit.Dataset().save_jpeg(tmp_path / "x.jpg")
    assert not (tmp_path / "x.jpg").exists()
    assert [p.name for p in tmp_path.iterdir() if ".dcmkit-" in p.name] == []


JSON_IMAGE = (
    '"00280010":{"vr":"US","Value":[2]},"00280011":{"vr":"US","Value":[2]},'
    '"00280100":{"vr":"US","Value":[8]},"00280004":{"vr":"CS","Value":["MONOCHROME2"]},'
    '"7FE00010":{"vr":"OB","InlineBinary":"/v8A4AAAAAD+/wDgBAAAAGFiY2T+/93gAAAAAA=="}')


def with_syntax(uid):
    return dcmkit.from_json('{"00020010":{"vr":"UI","Value":["%s"]},%s}' % (uid, JSON_IMAGE))


def test_errors(images, tmp_path):
    # No codec: UnsupportedError (a NotImplementedError), naming the syntax.
    mpeg = with_syntax("1.2.840.10008.1.2.4.100")
    with pytest.raises(dcmkit.UnsupportedError, match=r"MPEG2.*no codec") as e:
        mpeg.pixel_array
    assert isinstance(e.value, NotImplementedError) and e.value.kind == "unsupported"
    with pytest.raises(dcmkit.UnsupportedError, match="no codec"):
        mpeg.transcode("explicit")
    with pytest.raises(dcmkit.UnsupportedError, match="no codec"):
        mpeg.render()
    # A fragment that is no JPEG: a ParseError naming the frame.
    with pytest.raises(dcmkit.ParseError, match="frame 0"):
        with_syntax(JPEG_BASELINE).pixel_array
    # Writing compressed pixels in another syntax says what to call.
    rle = dcmkit.read(images["gray8"])
    rle.transcode("rle")
    with pytest.raises(dcmkit.UnsupportedError, match=r"Dataset\.transcode\(\)"):
        rle.transfer_syntax = "explicit"
    with pytest.raises(dcmkit.UnsupportedError, match=r"Dataset\.transcode\(\)"):
        rle.save(tmp_path / "x.dcm", transfer_syntax="jpegls")
    with pytest.raises(dcmkit.UnsupportedError, match=r"Dataset\.transcode\(\)"):
        dcmkit.read(images["gray8"]).to_bytes("rle")
    # Bad arguments: InvalidArgumentError (a ValueError) naming the option; the dataset unchanged.
    ds = dcmkit.read(images["gray8"])
    with pytest.raises(dcmkit.InvalidArgumentError, match="unknown transfer syntax 'nope'"):
        ds.transcode("nope")
    with pytest.raises(dcmkit.InvalidArgumentError, match="quality 0"):
        ds.transcode("jpeg", quality=0)
    with pytest.raises(ValueError, match="predictor 9"):
        ds.transcode("jpeg-lossless-14", predictor=9)
    with pytest.raises(dcmkit.InvalidArgumentError, match="near_lossless"):
        ds.transcode("jpegls-near", near=-2)
    with pytest.raises(dcmkit.InvalidArgumentError, match="ratio"):
        ds.transcode("j2k", ratio=-1.0)
    assert ds.transfer_syntax == ExplicitVRLittleEndian and not ds.pixel_info["encapsulated"]
    with pytest.raises(dcmkit.InvalidArgumentError, match="window_width"):
        ds.render(window=(100, 0))
    with pytest.raises(TypeError, match="center, width"):
        ds.render(window=5)
    with pytest.raises(dcmkit.InvalidArgumentError, match="frame 1 of 1"):
        ds.render(1)
    with pytest.raises(dcmkit.InvalidArgumentError, match="frame 3 of 1"):
        ds.decode_frame(3)
    item = ds.add_item("IconImageSequence")
    with pytest.raises(dcmkit.InvalidArgumentError, match="item handle"):
        item.transcode("rle")
    with pytest.raises(dcmkit.IoError) as e:
        ds.save_png(tmp_path / "no-such-folder" / "x.png")
    assert isinstance(e.value, OSError)
    # Float pixel data has no compressed syntax.
    f = dcmkit.Dataset()
    f.Rows, f.Columns, f.BitsAllocated, f.PhotometricInterpretation = 2, 2, 32, "MONOCHROME2"
    f.set(0x7FE00008, numpy.zeros(4, dtype="<f4").tobytes(), vr="OF")
    with pytest.raises(dcmkit.UnsupportedError, match="Float Pixel Data"):
        f.transcode("rle")


@pytest.mark.skipif(not have("dcmcjpls"), reason="DCMTK is not installed")
def test_truncated_frame(images, tmp_path):
    """A frame cut short: ParseError naming it; the other frame still decodes."""
    compressed = tmp_path / "c.dcm"
    run(["dcmcjpls"], images["mono16"], compressed)
    py = pydicom.dcmread(str(compressed))
    frames = [bytes(f) for f in generate_pixel_data_frame(py.PixelData, 2)]
    py.PixelData = encapsulate([frames[0], frames[1][:100]], has_bot=True)
    cut = tmp_path / "cut.dcm"
    py.save_as(str(cut))
    ds = dcmkit.read(cut)
    with pytest.raises(dcmkit.ParseError, match="frame 1") as e:
        ds.pixel_array
    assert e.value.kind in ("truncated", "malformed")
    arr, _ = ds.decode_frame(0)
    assert numpy.array_equal(arr, pydicom.dcmread(str(images["mono16"])).pixel_array[0])
    with pytest.raises(dcmkit.ParseError, match="frame 1"):
        ds.transcode("explicit")
    assert ds.transfer_syntax == JPEGLS


@pytest.mark.skipif(not have("dcmcjpeg", "dcmdjpeg"), reason="DCMTK (dcmcjpeg, dcmdjpeg) is not installed")
def test_tolerated_bitstreams_warn(images, tmp_path):
    """A JPEG scan header with Se 0 (seen in the field) decodes as dcmdjpeg decodes it, and what the
    decoder tolerated comes back as a DecodeWarning (through dk_last_warnings) from pixel_array,
    render, export_png and transcode; a clean stream gives none."""
    run(["dcmcjpeg", "+eb"], images["gray8"], tmp_path / "jpeg.dcm")
    ds = pydicom.dcmread(str(tmp_path / "jpeg.dcm"))
    frame = bytearray(next(generate_pixel_data_frame(ds.PixelData)))
    sos = frame.find(b"\xff\xda")
    frame[sos + 5 + 2 * frame[sos + 4] + 1] = 0  # Se
    ds.PixelData = encapsulate([bytes(frame)])
    ds.save_as(str(tmp_path / "odd.dcm"))
    run(["dcmdjpeg"], tmp_path / "odd.dcm", tmp_path / "dcmtk.dcm")

    expected = "frame 0: JPEG: Invalid SOS parameters for sequential JPEG (Ss 0, Se 0, Ah 0, Al 0)"
    odd = dcmkit.read(str(tmp_path / "odd.dcm"))
    with pytest.warns(dcmkit.DecodeWarning, match=expected.replace("(", r"\(").replace(")", r"\)")):
        array = odd.pixel_array
    assert numpy.array_equal(array, pydicom.dcmread(str(tmp_path / "dcmtk.dcm")).pixel_array)
    with pytest.warns(dcmkit.DecodeWarning):
        odd.render(0)
    with pytest.warns(dcmkit.DecodeWarning):
        odd.save_png(str(tmp_path / "odd.png"))
    with pytest.warns(dcmkit.DecodeWarning):
        odd.transcode("explicit")
    assert issubclass(dcmkit.DecodeWarning, UserWarning)

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dcmkit.read(str(tmp_path / "jpeg.dcm")).pixel_array  # a clean stream: no warning
