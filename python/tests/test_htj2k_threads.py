"""HTJ2K frames decode in the calling process, from several threads at once: 8 threads decode the
same frames — valid ones coded by OpenJPH's ojph_compress (the pixels it was given come back) and
hostile ones (cut short, a marker code in the packet data, a MEL segment crafted against the
assertion OpenJPEG 2.5.0 keeps in its HT decoder, in one tile-part and split across two, two
quality layers) — and every hostile frame raises its dcmkit error while the process lives on.
No child process runs meanwhile (the children's resource usage stays as it was)."""

import io
import resource
import shutil
import subprocess
import threading

import numpy
import pytest
from pydicom.dataset import Dataset as PyDataset
from pydicom.dataset import FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import SecondaryCaptureImageStorage

import dcmkit

HTJ2K_LOSSLESS = b"1.2.840.10008.1.2.4.201\0"
J2K_LOSSLESS = "1.2.840.10008.1.2.4.90"
THREADS = 8
ROUNDS = 6

pytestmark = pytest.mark.skipif(not shutil.which("ojph_compress"), reason="OpenJPH tools are not installed")


def u16(b, at):
    return b[at] << 8 | b[at + 1]


def tile_part(cs):
    """(SOT position, SOD position) of the first tile-part (ISO/IEC 15444-1 A.4): marker segments
    walked from SIZ."""
    pos = 2
    while u16(cs, pos) != 0xFF90:
        pos += 2 + u16(cs, pos + 2)
    sot, p = pos, pos + 12
    while u16(cs, p) != 0xFF93:
        p += 2 + u16(cs, p + 2)
    return sot, p


def ojph(tmp_path, name, pixels, maxval, *extra):
    """pixels coded by ojph_compress (reversible) from a PGM file (16-bit samples big-endian)."""
    rows, cols = pixels.shape
    pgm = tmp_path / (name + ".pgm")
    data = pixels.astype(">u2" if maxval > 255 else "u1").tobytes()
    pgm.write_bytes(b"P5\n%d %d\n%d\n" % (cols, rows, maxval) + data)
    out = tmp_path / (name + ".j2c")
    subprocess.run(["ojph_compress", "-i", str(pgm), "-o", str(out), "-reversible", "true", *extra],
                   check=True, capture_output=True)
    return out.read_bytes()


def dicom(frames, rows, cols, bits):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.2.1143.77.%d" % bits
    meta.TransferSyntaxUID = J2K_LOSSLESS  # this pydicom does not know the HTJ2K syntaxes: patched below
    ds = PyDataset()
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, cols, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16 if bits > 8 else 8, bits, bits - 1, 0
    ds.NumberOfFrames = len(frames)
    ds.PixelData = encapsulate(frames)
    ds["PixelData"].VR = "OB"
    buf = io.BytesIO()
    ds.save_as(buf, write_like_original=False)
    data = bytearray(buf.getvalue())
    # (0002,0010) UI: value and its length; (0002,0000) UL: the group length, 2 bytes more.
    at = data.index(J2K_LOSSLESS.encode(), 132)
    data[at - 2:at + len(J2K_LOSSLESS)] = len(HTJ2K_LOSSLESS).to_bytes(2, "little") + HTJ2K_LOSSLESS
    group = data.index(b"\x02\x00\x00\x00UL\x04\x00", 128) + 8
    data[group:group + 4] = (int.from_bytes(data[group:group + 4], "little") + 2).to_bytes(4, "little")
    return bytes(data)


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """[(DICOM bytes, [expected array or (exception class, kind) per frame])]."""
    tmp = tmp_path_factory.mktemp("htj2k")
    rng = numpy.random.default_rng(7)
    a = rng.integers(0, 4096, (256, 256)).astype(numpy.uint16)
    b = (numpy.add.outer(numpy.arange(256), numpy.arange(256)) * 8 % 4096).astype(numpy.uint16)
    ca, cb = ojph(tmp, "a", a, 4095), ojph(tmp, "b", b, 4095)

    _, sod = tile_part(ca)
    marker = bytearray(ca)
    marker[sod + 1000:sod + 1002] = b"\xff\x90"  # a marker code inside the packet data
    cod = ca.find(b"\xff\x52")
    sop = bytearray(ca)
    sop[cod + 4] |= 6  # Scod: SOP marker segments may precede packets, EPH markers end headers
    layers = bytearray(ca)
    layers[cod + 6:cod + 8] = b"\x00\x02"  # SGcod: two quality layers
    big = dicom([ca, cb, ca[:len(ca) // 2], bytes(marker), bytes(sop), bytes(layers), ca], 256, 256, 12)
    big_expected = [a, b, (dcmkit.ParseError, "truncated"), (dcmkit.ParseError, "malformed"), a,
                    (dcmkit.UnsupportedError, "unsupported"), a]

    # One 64x2 code-block (no decomposition level): its cleanup segment ends the packet data, and
    # its last two bytes give Scup (15444-15 7.1). Scup 4 puts the MEL segment at 0xFF 0x90.
    s = (numpy.arange(128).reshape(2, 64) * 7 % 256).astype(numpy.uint8)
    cs = ojph(tmp, "s", s, 255, "-num_decomps", "0")
    sot, sod = tile_part(cs)
    mel = bytearray(cs)
    end = len(mel) - 2
    mel[end - 1] = 0
    mel[end - 2] = (mel[end - 2] & 0xF0) | 4
    mel[end - 4:end - 2] = b"\xff\x90"
    # The same bytes in two tile-parts split between 0xFF and 0x90 (A.4.2), which OpenJPEG joins.
    cut = end - 3
    first = bytearray(mel[:cut])
    first[sot + 6:sot + 10] = (cut - sot).to_bytes(4, "big")
    first[sot + 10:sot + 12] = b"\x00\x02"
    second = bytearray(b"\xff\x90\x00\x0a" + mel[sot + 4:sot + 6] + b"\x00\x00\x00\x00\x01\x02\xff\x93")
    second += mel[cut:end]
    second[6:10] = len(second).to_bytes(4, "big")
    split = bytes(first + second) + b"\xff\xd9"
    strip = dicom([cs, bytes(mel), split, b"\xff" * 100], 2, 64, 8)
    strip_expected = [s, (dcmkit.ParseError, "malformed"), (dcmkit.ParseError, "malformed"),
                      (dcmkit.ParseError, "malformed")]
    return [(big, big_expected), (strip, strip_expected)]


def check(data, expected, failures):
    ds = dcmkit.read_bytes(data)
    for i, want in enumerate(expected):
        try:
            got, _ = ds.decode_frame(i)
        except dcmkit.DicomError as e:
            if isinstance(want, numpy.ndarray):
                failures.append("frame %d: %r" % (i, e))
            elif not isinstance(e, want[0]) or e.kind != want[1]:
                failures.append("frame %d: %r (%s), expected %s" % (i, e, e.kind, want))
            continue
        if not isinstance(want, numpy.ndarray):
            failures.append("frame %d decoded; expected %s" % (i, want))
        elif not numpy.array_equal(got, want):
            failures.append("frame %d: pixels differ" % i)


def test_cases_hold_one_at_a_time(cases):
    for data, expected in cases:
        failures = []
        check(data, expected, failures)
        assert failures == []


def test_threads_decode_valid_and_hostile_frames_in_process(cases):
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    failures, errors = [], []

    def work():
        try:
            for _ in range(ROUNDS):
                for data, expected in cases:
                    check(data, expected, failures)
        except BaseException as e:  # anything but a dcmkit error from decode_frame is a failure too
            errors.append(repr(e))

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a decoding thread did not finish"
    assert errors == []
    assert failures == []
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert (after.ru_minflt, after.ru_utime, after.ru_stime) == (children.ru_minflt, children.ru_utime,
                                                                 children.ru_stime), "a child process ran"
