#!/usr/bin/env bash
# Makes a seed corpus for one codec fuzzer (codec_fuzzer.cpp): small synthetic images (8, 12 and
# 16 bits, signed, RGB, multi-frame; 32-bit and 16-bit RGB for RLE) compressed by peer tools, each
# frame's bitstream behind the 3-byte layout prefix the fuzzer reads. A tool that refuses a layout
# is skipped. Needs DCMTK, GDCM, OpenJPEG and OpenJPH tools, and Debian's python3 with pydicom.
# Usage: make_codec_seeds.sh FAMILY OUT_DIR
#   FAMILY: rle, jpeg_baseline, jpeg_extended, jpeg_lossless, jpegls, j2k or htj2k
set -euo pipefail
family=$1 out=$2
py=/usr/bin/python3
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/seeds.py" <<'PY'
"""native: writes a native image (and a PGM/PPM of frame 1 for unsigned 8/12/16-bit);
frames: writes each frame of a compressed file as a seed; raw: a bare codestream as a seed."""
import os, sys
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import generate_pixel_data_frame
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

# Must match codec_fuzzer.cpp.
PHOTOMETRIC = ["MONOCHROME2", "MONOCHROME1", "PALETTE COLOR", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT"]

def prefix(ds):
    ba, bs = int(ds.BitsAllocated), int(ds.BitsStored)
    depth = 0 if ba == 8 else 3 if ba == 32 else 1 if bs <= 12 else 2
    pm = str(ds.PhotometricInterpretation)
    flags = depth | (4 if int(ds.SamplesPerPixel) == 3 else 0) | (8 if int(ds.PixelRepresentation) else 0)
    flags |= (PHOTOMETRIC.index(pm) if pm in PHOTOMETRIC else 0) << 4
    flags |= 0x80 if int(getattr(ds, "PlanarConfiguration", 0) or 0) == 1 else 0
    return bytes([int(ds.Rows) - 1, int(ds.Columns) - 1, flags])

def native(name, rows, cols, spp, ba, bs, signed, photometric, frames, outdir):
    rows, cols, spp, ba, bs, signed, frames = map(int, (rows, cols, spp, ba, bs, signed, frames))
    lo = -(1 << (bs - 1)) if signed else 0
    hi = lo + (1 << bs) - 1
    y, x = np.mgrid[0:rows, 0:cols]
    rng = np.random.default_rng(rows * 1000 + cols)
    planes = []
    for f in range(frames):
        for k in range(spp):
            v = 0.45 * x / cols + 0.35 * y / rows + 0.1 * np.sin(6.28 * (2 * x / cols + y / rows + 0.25 * f + 0.3 * k))
            v += 0.15 * (((x / cols - 0.55) ** 2 + (y / rows - 0.45) ** 2) < 0.06)
            s = lo + (v * ((1 << bs) - 1)).astype(np.int64) + rng.integers(-2, 3, size=v.shape)
            planes.append(np.clip(s, lo, hi))
    px = np.stack(planes).reshape(frames, spp, rows, cols).transpose(0, 2, 3, 1)  # colour-by-pixel
    dtype = {8: "u1", 16: "u2", 32: "u4"}[ba]
    data = (px.astype(np.int64) & ((1 << ba) - 1)).astype("<" + dtype)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.PatientName = "OT", "Seed^" + name
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.SamplesPerPixel, ds.PhotometricInterpretation = spp, photometric
    if spp == 3:
        ds.PlanarConfiguration = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = ba, bs, bs - 1, signed
    raw = data.tobytes()
    ds.PixelData = raw + (b"\0" if len(raw) % 2 else b"")
    ds["PixelData"].VR = "OB" if ba == 8 else "OW"
    ds.save_as(os.path.join(outdir, name + ".dcm"), write_like_original=False)
    if not signed and ba <= 16:  # PGM/PPM for the JPEG 2000 and HTJ2K command-line encoders
        with open(os.path.join(outdir, name + (".ppm" if spp == 3 else ".pgm")), "wb") as f:
            f.write(b"P%d\n%d %d\n%d\n" % (6 if spp == 3 else 5, cols, rows, (1 << bs) - 1))
            f.write(px[0].astype(">u1" if ba == 8 else ">u2").tobytes())

def frames(path, outdir, tag):
    ds = pydicom.dcmread(path)
    n = int(getattr(ds, "NumberOfFrames", 1) or 1)
    for i, frame in enumerate(generate_pixel_data_frame(ds.PixelData, n)):
        with open(os.path.join(outdir, "%s-f%d" % (tag, i)), "wb") as f:
            f.write(prefix(ds) + frame)

def raw(codestream, native_path, outdir, tag):
    ds = pydicom.dcmread(native_path, stop_before_pixels=True)
    with open(codestream, "rb") as f, open(os.path.join(outdir, tag), "wb") as o:
        o.write(prefix(ds) + f.read())

{"native": native, "frames": frames, "raw": raw}[sys.argv[1]](*sys.argv[2:])
PY

#          name  rows cols spp bits stored signed photometric frames
natives=("m8     24   32   1   8    8      0      MONOCHROME2 1"
         "m12    20   24   1   16   12     0      MONOCHROME2 1"
         "m12s   23   17   1   16   12     1      MONOCHROME2 1"
         "m16    32   32   1   16   16     0      MONOCHROME2 1"
         "m16s   16   20   1   16   16     1      MONOCHROME2 1"
         "rgb8   16   24   3   8    8      0      RGB         1"
         "mf8    16   16   1   8    8      0      MONOCHROME2 3")
if [ "$family" = rle ]; then
  natives+=("rgb16  10   12   3   16   16     0      RGB         1"
            "m32    12   16   1   32   32     0      MONOCHROME2 1")
fi
names=()
for n in "${natives[@]}"; do
  # shellcheck disable=SC2086
  $py "$tmp/seeds.py" native $n "$tmp"
  names+=("${n%% *}")
done

# dicom TAG TOOL ARGS...: runs TOOL ARGS... $tmp/in.dcm $tmp/out.dcm for each native image (as in)
# and keeps its frames as seeds; a layout the tool refuses is skipped.
dicom() {
  local tag=$1
  shift
  for name in "${names[@]}"; do
    rm -f "$tmp/out.dcm"
    if "$@" "$tmp/$name.dcm" "$tmp/out.dcm" >/dev/null 2>&1 && [ -s "$tmp/out.dcm" ]; then
      $py "$tmp/seeds.py" frames "$tmp/out.dcm" "$out" "$tag-$name"
    fi
  done
}

# codestream TAG EXT TOOL ARGS...: runs TOOL -i image -o out.EXT ARGS... on each PGM/PPM, keeps the
# codestream as a seed with the layout of the native image it came from.
codestream() {
  local tag=$1 ext=$2
  shift 2
  for name in "${names[@]}"; do
    for img in "$tmp/$name.pgm" "$tmp/$name.ppm"; do
      [ -f "$img" ] || continue
      rm -f "$tmp/out.$ext"
      if "$1" -i "$img" -o "$tmp/out.$ext" "${@:2}" >/dev/null 2>&1 && [ -s "$tmp/out.$ext" ]; then
        $py "$tmp/seeds.py" raw "$tmp/out.$ext" "$tmp/$name.dcm" "$out" "$tag-$name"
      fi
    done
  done
}

case $family in
  rle)
    dicom dcmcrle dcmcrle
    dicom gdcm gdcmconv --rle ;;
  jpeg_baseline)
    dicom dcmtk dcmcjpeg +eb
    dicom dcmtk444 dcmcjpeg +eb +s4
    dicom gdcm gdcmconv --jpeg --lossy -q 90 ;;
  jpeg_extended)
    dicom dcmtk dcmcjpeg +ee
    dicom dcmtk444 dcmcjpeg +ee +s4 ;;
  jpeg_lossless)
    dicom sv1 dcmcjpeg +e1
    dicom sv6 dcmcjpeg +el
    dicom sv7 dcmcjpeg +el +sv 7
    dicom gdcm gdcmconv --jpeg ;;
  jpegls)
    dicom lossless dcmcjpls +el
    dicom near dcmcjpls +en
    dicom gdcm gdcmconv --jpegls ;;
  j2k)
    dicom gdcm gdcmconv --j2k
    dicom gdcmlossy gdcmconv --j2k --irreversible
    codestream opj j2k opj_compress -n 3
    codestream opjlossy j2k opj_compress -n 3 -r 20 ;;
  htj2k)
    codestream ojph j2c ojph_compress -reversible true
    # No wavelet level, small code-blocks: short packets whose code-block data (MEL, VLC, MagSgn
    # segments) mutations reach directly.
    codestream ojphnodwt j2c ojph_compress -reversible true -num_decomps 0 -block_size "{16,16}"
    codestream ojphlossy j2c ojph_compress -qstep 0.01
    # Tiles, precincts and a position-driven progression order: the native decoder's packet
    # iteration and tile assembly.
    codestream ojphtiles j2c ojph_compress -reversible true -tile_size "{24,20}" -precincts "{8,8},{16,16}" \
      -prog_order CPRL -num_decomps 2 -block_size "{8,8}"
    codestream ojphpcrl j2c ojph_compress -qstep 0.02 -prog_order PCRL -precincts "{16,16}" -image_offset "{3,5}" ;;
  *)
    echo "unknown codec family: $family" >&2
    exit 2 ;;
esac
[ -n "$(ls -A "$out")" ] || { echo "no seeds made for $family" >&2; exit 1; }
