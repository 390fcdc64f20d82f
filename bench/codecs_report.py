#!/usr/bin/python3
"""Driver of `./dk.sh bench codecs` (run by bench/codecs.sh with Debian's /usr/bin/python3; stdlib only).

    codecs_report.py --build BUILD_DIR --corpus CORPUS_DIR [--count N] [--count8 N] [--only LIST]
                     [--sample K] [--no-multiframe] [--keep]

For each codec, on the first --count (default: all 500) CT files
of the corpus written by make_corpus (512x512, 12 bits in 16; the
JPEG baseline row uses the 8-bit set ct8/): encodes every file, then decodes every result back to
Explicit VR Little Endian, one process per file, with `dcmkit transcode` (ours) and with the peer
tool for the same syntax (theirs), runs interleaved file by file so both sides see the same
background load. Ours runs with --no-fsync, as the peers write: the file left to the page cache. Speeds are uncompressed pixel MB (1e6 bytes) per wall second, summed over the
per-file runs (time.perf_counter around each subprocess, so process start-up is included on both
sides). The compression ratio is uncompressed pixel bytes / encapsulated pixel data bytes.

Peers: DCMTK (dcmcrle/dcmdrle, dcmcjpeg/dcmdjpeg, dcmcjpls/dcmdjpls), GDCM gdcmconv for JPEG 2000,
and OpenJPH ojph_compress/ojph_expand for HTJ2K -- the latter on PGM files made from the corpus'
pixels (raw codestreams, no DICOM parsing or writing), so its row flatters the peer.

Then the 550-frame file (288 MB) is encoded once in RLE and JPEG-LS by both sides, and our encoded
file is decoded by ours with --threads 1 and --threads 2 and by the peer decoder (best of
--mf-rounds runs each, default 3).

Checks: for a sample of files (--sample, spread over the set) our decoded pixels must equal the
input for the lossless codecs and stay within NEAR for JPEG-LS near-lossless, else MISMATCH and
exit 1; the peer's decoder is also run on our encoded sample (interop; a failure is printed as a
warning), and PSNR is shown for the lossy rows. The multi-frame round trips must give back the
input exactly.

Target: at least the peer's speed; rows where ours is slower are marked MISSED (exit status still 0).
Codecs still missing from the build (the CLI says "no codec") are printed as "n/a (no codec)".
"""
import argparse
import array
import glob
import math
import mmap
import os
import shutil
import struct
import subprocess
import sys
import time

from common import cmake_build_type

# CT files per codec by default: the whole corpus. The run with all 500 took 7 minutes on an idle
# 2-core machine (0.75 s per file for both sides and every codec, plus a minute for the multi-frame
# rows) and 14 minutes on one busy with other work; --count N (or DCMKIT_BENCH_CODEC_FILES=N) for less.
DEFAULT_COUNT = 500

PIXEL_TAG = b"\xe0\x7f\x10\x00"
UNDEFINED = 0xFFFFFFFF


class BenchError(Exception):
    pass


class NoCodec(Exception):
    pass


# -- the codecs and their peers ----------------------------------------------------------------------

def dcmtk(tool, *opts):
    return lambda src, dst: [tool, *opts, src, dst]


def gdcm(*opts):
    return lambda src, dst: ["gdcmconv", *opts, src, dst]


def ojph_enc(*opts):
    return lambda src, dst: ["ojph_compress", "-i", src, "-o", dst, *opts]


def ojph_dec(src, dst):
    return ["ojph_expand", "-i", src, "-o", dst]


# key, label, our transcode options, peer encoder, peer decoder, peer label, kind, set
#   kind: lossless | near:N | lossy;  set: ct (16-bit) or ct8 (8-bit);  peer_pgm: the peer codes PGM files
CODECS = [
    # Not a codec: the floor every row pays (process start-up, reading and writing a 0.5 MB file).
    dict(key="copy", label="(no codec: native copy)", ours=["--ts", "explicit"], peer_enc=dcmtk("dcmconv", "+te"),
         peer_dec=dcmtk("dcmconv", "+te"), peer="dcmconv +te", kind="lossless", reference=True),
    dict(key="rle", label="RLE", ours=["--ts", "rle"], peer_enc=dcmtk("dcmcrle"), peer_dec=dcmtk("dcmdrle"),
         peer="dcmcrle/dcmdrle", kind="lossless"),
    dict(key="jpeg-lossless", label="JPEG lossless SV1", ours=["--ts", "jpeg-lossless"],
         peer_enc=dcmtk("dcmcjpeg", "+e1"), peer_dec=dcmtk("dcmdjpeg"), peer="dcmcjpeg +e1/dcmdjpeg",
         kind="lossless"),
    dict(key="jpeg-lossless-14", label="JPEG lossless P14 SV6", ours=["--ts", "jpeg-lossless-14", "--predictor", "6"],
         peer_enc=dcmtk("dcmcjpeg", "+el", "+sv", "6"), peer_dec=dcmtk("dcmdjpeg"),
         peer="dcmcjpeg +el +sv 6/dcmdjpeg", kind="lossless"),
    dict(key="jpegls", label="JPEG-LS lossless", ours=["--ts", "jpegls"], peer_enc=dcmtk("dcmcjpls", "+el"),
         peer_dec=dcmtk("dcmdjpls"), peer="dcmcjpls +el/dcmdjpls", kind="lossless"),
    dict(key="jpegls-near", label="JPEG-LS near NEAR=2", ours=["--ts", "jpegls-near", "--near", "2"],
         peer_enc=dcmtk("dcmcjpls", "+en", "+md", "2"), peer_dec=dcmtk("dcmdjpls"),
         peer="dcmcjpls +en +md 2/dcmdjpls", kind="near:2"),
    dict(key="j2k-lossless", label="JPEG 2000 lossless", ours=["--ts", "j2k-lossless"], peer_enc=gdcm("--j2k"),
         peer_dec=gdcm("--raw"), peer="gdcmconv --j2k/--raw", kind="lossless"),
    dict(key="j2k", label="JPEG 2000 lossy 10:1", ours=["--ts", "j2k", "--ratio", "10"],
         peer_enc=gdcm("--j2k", "--lossy", "--irreversible", "-r", "10"), peer_dec=gdcm("--raw"),
         peer="gdcmconv --j2k --lossy --irreversible -r 10/--raw", kind="lossy",
         note="ours takes the 10:1 against Bits Stored (12), GDCM against 16 bits: ours writes ~25% fewer bytes"),
    dict(key="htj2k-lossless", label="HTJ2K lossless", ours=["--ts", "htj2k-lossless"],
         peer_enc=ojph_enc("-reversible", "true"), peer_dec=ojph_dec,
         peer="ojph_compress -reversible true/ojph_expand (raw PGM, not DICOM)", kind="lossless", peer_pgm=True),
    dict(key="jpeg", label="JPEG baseline q90 (8-bit)", ours=["--ts", "jpeg", "--quality", "90"],
         peer_enc=dcmtk("dcmcjpeg", "+eb", "+q", "90"), peer_dec=dcmtk("dcmdjpeg"),
         peer="dcmcjpeg +eb +q 90/dcmdjpeg", kind="lossy", set="ct8"),
]

MULTIFRAME = [
    dict(key="rle", label="RLE", ours=["--ts", "rle"], peer_enc=dcmtk("dcmcrle"), peer_dec=dcmtk("dcmdrle"),
         peer="dcmcrle/dcmdrle"),
    dict(key="jpegls", label="JPEG-LS lossless", ours=["--ts", "jpegls"], peer_enc=dcmtk("dcmcjpls", "+el"),
         peer_dec=dcmtk("dcmdjpls"), peer="dcmcjpls +el/dcmdjpls"),
]


# -- running child processes -----------------------------------------------------------------------

def run(cmd, what=None):
    """Runs cmd; returns (wall seconds, CPU seconds of the child). Raises NoCodec when dcmkit says so."""
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as e:
        raise BenchError("cannot run %s: %s" % (cmd[0], e))
    err = p.stderr.read()
    p.stderr.close()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc
    if rc != 0:
        text = err.decode(errors="replace")
        if "no codec" in text:
            raise NoCodec(text.strip().splitlines()[-1])
        raise BenchError("%s failed (exit %d): %s\n%s" % (what or os.path.basename(cmd[0]), rc, " ".join(cmd),
                                                        text[-2000:]))
    return wall, ru.ru_utime + ru.ru_stime


# -- reading pixel data without a DICOM library --------------------------------------------------------

def find_pixel_data(buf):
    """(value offset, value length or None when undefined) of the top-level Pixel Data element of a
    little-endian file (explicit or implicit VR): the first (7FE0,0010) after the preamble and
    meta header whose length is consistent with the file's size."""
    n = len(buf)
    pos = buf.find(PIXEL_TAG, 132)
    while pos != -1:
        vr = bytes(buf[pos + 4:pos + 6])
        if vr in (b"OB", b"OW"):
            (length,) = struct.unpack_from("<I", buf, pos + 8)
            start = pos + 12
        else:
            (length,) = struct.unpack_from("<I", buf, pos + 4)
            start = pos + 8
        if length == UNDEFINED:
            return start, None
        if start + length <= n and n - (start + length) < 256:
            return start, length
        pos = buf.find(PIXEL_TAG, pos + 4)
    raise BenchError("no Pixel Data element found")


class Pixels:
    """The native pixel data of a DICOM file, or the samples of a binary PGM (P5) file, mapped."""

    def __init__(self, path):
        self.path = path
        self.f = open(path, "rb")
        self.map = mmap.mmap(self.f.fileno(), 0, access=mmap.ACCESS_READ)
        if self.map[:2] == b"P5":
            fields, pos = [], 2
            while len(fields) < 3:
                while self.map[pos:pos + 1].isspace():
                    pos += 1
                end = pos
                while not self.map[end:end + 1].isspace():
                    end += 1
                fields.append(int(self.map[pos:end]))
                pos = end
            self.start = pos + 1
            self.length = len(self.map) - self.start
            self.big_endian = fields[2] > 255
        else:
            self.start, self.length = find_pixel_data(self.map)
            if self.length is None:
                raise BenchError("%s: pixel data is encapsulated, expected native" % path)
            self.big_endian = False

    def samples(self, bits16):
        a = array.array("H" if bits16 else "B")
        a.frombytes(self.map[self.start:self.start + self.length])
        if bits16 and self.big_endian != (sys.byteorder == "big"):
            a.byteswap()
        return a

    def close(self):
        self.map.close()
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def encapsulated_size(path):
    """Bytes of the (encapsulated) pixel data value of an encoded file, or the whole file for a raw
    codestream (the HTJ2K peer's .j2c)."""
    if not path.endswith(".dcm"):
        return os.path.getsize(path)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        start, length = find_pixel_data(m)
        return len(m) - start if length is None else length


def same_pixels(a_path, b_path, bits16, chunk=1 << 24):
    """(equal, max abs difference or None when not computed) of two native pixel data values."""
    with Pixels(a_path) as a, Pixels(b_path) as b:
        if a.length != b.length:
            return False, None
        if a.big_endian == b.big_endian:
            equal = all(a.map[a.start + o:a.start + min(o + chunk, a.length)] ==
                        b.map[b.start + o:b.start + min(o + chunk, b.length)] for o in range(0, a.length, chunk))
            if equal or a.length > (8 << 20):
                return equal, 0 if equal else None
        sa, sb = a.samples(bits16), b.samples(bits16)
        if sa == sb:
            return True, 0
        return False, max(abs(x - y) for x, y in zip(sa, sb))


def psnr(ref_path, test_path, bits16, peak):
    with Pixels(ref_path) as a, Pixels(test_path) as b:
        sa, sb = a.samples(bits16), b.samples(bits16)
    if len(sa) != len(sb):
        return float("nan")
    se = sum((x - y) * (x - y) for x, y in zip(sa, sb))
    if se == 0:
        return float("inf")
    return 10 * math.log10(peak * peak * len(sa) / se)


def write_pgm(dicom_path, pgm_path, maxval):
    with Pixels(dicom_path) as p:
        data = p.samples(maxval > 255)
    if maxval > 255 and sys.byteorder == "little":
        data.byteswap()  # PGM samples above 8 bits are big-endian
    with open(pgm_path, "wb") as f:
        f.write(b"P5\n%d %d\n%d\n" % (512, 512, maxval))
        f.write(data.tobytes())


# -- formatting -------------------------------------------------------------------------------------

def fmt_speed(v):
    return "n/a" if v is None else ("%.1f" % v if v < 100 else "%.0f" % v)


def fmt_ratio(a, b):
    return "n/a" if not a or not b else "%.2fx" % (a / b)


def table(headers, rows, right=None):
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    right = right if right is not None else set(range(1, len(headers)))

    def line(cells):
        return "  " + " | ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths)))
    out = [line(headers), "  " + "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


# -- the benchmark ------------------------------------------------------------------------------------

def sample_indices(n, k):
    if k >= n:
        return list(range(n))
    if k <= 1:
        return [0]
    return sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})


def log(msg):
    print("  " + msg, flush=True)


def bench_codec(c, dk, files, work, sample_k, failures, warnings):
    """Encodes and decodes `files` with both sides; returns a dict of figures, or None (no codec)."""
    bits16 = c.get("set", "ct") == "ct"
    raw_bytes = sum(512 * 512 * (2 if bits16 else 1) for _ in files)
    raw_mb = raw_bytes / 1e6
    d = os.path.join(work, c["key"])
    dirs = {k: os.path.join(d, k) for k in ("ours-enc", "ours-dec", "peer-enc", "peer-dec", "pgm", "interop")}
    for p in dirs.values():
        os.makedirs(p, exist_ok=True)
    names = [os.path.splitext(os.path.basename(f))[0] for f in files]
    pgm = c.get("peer_pgm", False)
    maxval = 4095 if bits16 else 255
    peer_in = files
    if pgm:
        peer_in = [os.path.join(dirs["pgm"], n + ".pgm") for n in names]
        for f, p in zip(files, peer_in):
            write_pgm(f, p, maxval)
    peer_ext_enc, peer_ext_dec = (".j2c", ".pgm") if pgm else (".dcm", ".dcm")
    ours_enc = [os.path.join(dirs["ours-enc"], n + ".dcm") for n in names]
    ours_dec = [os.path.join(dirs["ours-dec"], n + ".dcm") for n in names]
    peer_enc = [os.path.join(dirs["peer-enc"], n + peer_ext_enc) for n in names]
    peer_dec = [os.path.join(dirs["peer-dec"], n + peer_ext_dec) for n in names]

    # Probe: does this build have the codec? (the first file, not timed)
    try:
        run([dk, "transcode", files[0], ours_enc[0]] + c["ours"], what="dcmkit transcode")
        run([dk, "transcode", ours_enc[0], ours_dec[0], "--ts", "explicit"], what="dcmkit transcode")
    except NoCodec as e:
        log("%s: n/a (%s)" % (c["label"], e))
        return None

    t_start = time.perf_counter()
    w = {k: 0.0 for k in ("oe", "pe", "od", "pd")}
    cpu = dict(w)
    for i in range(len(files)):
        s, u = run([dk, "transcode", files[i], ours_enc[i], "--no-fsync"] + c["ours"], what="dcmkit transcode (%s)" % c["key"])
        w["oe"] += s
        cpu["oe"] += u
        s, u = run(c["peer_enc"](peer_in[i], peer_enc[i]), what="peer encoder (%s)" % c["key"])
        w["pe"] += s
        cpu["pe"] += u
    for i in range(len(files)):
        s, u = run([dk, "transcode", ours_enc[i], ours_dec[i], "--ts", "explicit", "--no-fsync"], what="dcmkit transcode (decode)")
        w["od"] += s
        cpu["od"] += u
        s, u = run(c["peer_dec"](peer_enc[i], peer_dec[i]), what="peer decoder (%s)" % c["key"])
        w["pd"] += s
        cpu["pd"] += u
    elapsed = time.perf_counter() - t_start

    ours_size = sum(encapsulated_size(p) for p in ours_enc)
    peer_size = sum(encapsulated_size(p) for p in peer_enc)

    # Checks on a sample.
    kind = c["kind"]
    notes = []
    idx = sample_indices(len(files), sample_k)
    bad = 0
    if kind == "lossless" or kind.startswith("near:"):
        near = int(kind.split(":")[1]) if kind.startswith("near:") else 0
        worst, worst_peer, interop_bad = 0, 0, 0
        for i in idx:
            eq, diff = same_pixels(files[i], ours_dec[i], bits16)
            if diff is None or diff > near:
                bad += 1
                print("  MISMATCH: %s: ours %s -> explicit differs from %s (max |diff| %s, allowed %d)"
                      % (c["label"], ours_enc[i], files[i], diff, near), flush=True)
            else:
                worst = max(worst, diff)
            eq, diff = same_pixels(peer_in[i], peer_dec[i], bits16)
            if diff is None or diff > near:
                warnings.append("%s: the peer's own round trip of %s differs (max |diff| %s)" % (c["label"], names[i], diff))
            else:
                worst_peer = max(worst_peer, diff)
            if not pgm:  # the peer's decoder on our stream
                out = os.path.join(dirs["interop"], names[i] + ".dcm")
                try:
                    run(c["peer_dec"](ours_enc[i], out), what="peer decoder on our stream")
                    eq, diff = same_pixels(files[i], out, bits16)
                    if diff is None or diff > near:
                        interop_bad += 1
                except BenchError as e:
                    interop_bad += 1
                    warnings.append("%s: peer decoder failed on %s: %s" % (c["label"], ours_enc[i], str(e)[:300]))
        if bad:
            failures.append("%s: %d of %d sampled round trips differ from the input" % (c["label"], bad, len(idx)))
        notes.append("sample %d: ours %s" % (len(idx), "MISMATCH" if bad else ("exact" if not near else "max err %d" % worst)))
        notes.append("peer %s" % ("exact" if worst_peer == 0 else "max err %d" % worst_peer))
        if not pgm:
            notes.append("peer decodes ours: %s" % ("ok" if not interop_bad else "INTEROP FAIL %d" % interop_bad))
            if interop_bad:
                warnings.append("%s: the peer's decoder gave different pixels (or failed) on %d of our sampled streams"
                                % (c["label"], interop_bad))
    else:
        peak = 4095 if bits16 else 255
        po = [psnr(files[i], ours_dec[i], bits16, peak) for i in idx]
        pp = [psnr(peer_in[i], peer_dec[i], bits16, peak) for i in idx]
        notes.append("PSNR ours %.1f dB, peer %.1f dB (sample %d)" % (sum(po) / len(po), sum(pp) / len(pp), len(idx)))
        if not pgm:
            out = os.path.join(dirs["interop"], names[idx[0]] + ".dcm")
            try:
                run(c["peer_dec"](ours_enc[idx[0]], out), what="peer decoder on our stream")
                notes.append("peer decodes ours: ok (PSNR %.1f dB)" % psnr(files[idx[0]], out, bits16, peak))
            except BenchError as e:
                notes.append("peer decodes ours: FAIL")
                warnings.append("%s: peer decoder failed on %s: %s" % (c["label"], ours_enc[idx[0]], str(e)[:300]))

    if c.get("note"):
        notes.append(c["note"])
    shutil.rmtree(d, ignore_errors=True)
    r = dict(label=c["label"], peer=c["peer"], files=len(files), raw_mb=raw_mb,
             oe=raw_mb / w["oe"], pe=raw_mb / w["pe"], od=raw_mb / w["od"], pd=raw_mb / w["pd"],
             cpu=cpu, wall=w, cr_o=raw_bytes / ours_size, cr_p=raw_bytes / peer_size, notes=notes, bad=bad)
    log("%s: %d files in %.0f s; encode %s vs %s MB/s, decode %s vs %s MB/s; %s"
        % (c["label"], len(files), elapsed, fmt_speed(r["oe"]), fmt_speed(r["pe"]), fmt_speed(r["od"]),
           fmt_speed(r["pd"]), "; ".join(notes)))
    return r


def best_run(cmd, rounds, what):
    """The run of `rounds` with the least wall time: (wall, CPU)."""
    return min((run(cmd, what=what) for _ in range(rounds)), key=lambda t: t[0])


def bench_multiframe(c, dk, big, work, failures, rounds):
    with Pixels(big) as p:
        raw = p.length
    raw_mb = raw / 1e6
    d = os.path.join(work, "mf-" + c["key"])
    os.makedirs(d, exist_ok=True)
    ours_enc, peer_enc = os.path.join(d, "ours-enc.dcm"), os.path.join(d, "peer-enc.dcm")
    dec1, dec2, decp = (os.path.join(d, n) for n in ("ours-dec-t1.dcm", "ours-dec-t2.dcm", "peer-dec.dcm"))
    try:
        oe, oe_cpu = run([dk, "transcode", big, ours_enc, "--threads", "2"] + c["ours"], what="dcmkit transcode")
    except NoCodec as e:
        log("multi-frame %s: n/a (%s)" % (c["label"], e))
        shutil.rmtree(d, ignore_errors=True)
        return None
    pe, pe_cpu = run(c["peer_enc"](big, peer_enc), what=c["peer"].split("/")[0])
    cr_o, cr_p = raw / encapsulated_size(ours_enc), raw / encapsulated_size(peer_enc)
    os.unlink(peer_enc)
    d1, d1_cpu = best_run([dk, "transcode", ours_enc, dec1, "--ts", "explicit", "--threads", "1"], rounds, "dcmkit transcode")
    eq1, _ = same_pixels(big, dec1, True)
    os.unlink(dec1)
    d2, d2_cpu = best_run([dk, "transcode", ours_enc, dec2, "--ts", "explicit", "--threads", "2"], rounds, "dcmkit transcode")
    eq2, _ = same_pixels(big, dec2, True)
    os.unlink(dec2)
    pd, pd_cpu = best_run(c["peer_dec"](ours_enc, decp), rounds, c["peer"].split("/")[1])
    eqp, _ = same_pixels(big, decp, True)
    shutil.rmtree(d, ignore_errors=True)
    if not (eq1 and eq2):
        print("  MISMATCH: multi-frame %s: our round trip differs from the input" % c["label"], flush=True)
        failures.append("multi-frame %s: our round trip differs from the input" % c["label"])
    r = dict(label=c["label"], peer=c["peer"], raw_mb=raw_mb, oe=raw_mb / oe, pe=raw_mb / pe, d1=raw_mb / d1,
             d2=raw_mb / d2, pd=raw_mb / pd, cr_o=cr_o, cr_p=cr_p, eq=eq1 and eq2, interop=eqp,
             cpu=dict(oe=oe_cpu, pe=pe_cpu, d1=d1_cpu, d2=d2_cpu, pd=pd_cpu), wall=dict(oe=oe, pe=pe, d1=d1, d2=d2, pd=pd))
    log("multi-frame %s: encode %.1f s (ours, 2 threads) vs %.1f s; decode %.1f s (1 thread), %.1f s (2 threads) "
        "vs %.1f s (peer, on our file: %s)" % (c["label"], oe, pe, d1, d2, pd, "same pixels" if eqp else "DIFFERENT"))
    return r


def main():
    default_count = int(os.environ.get("DCMKIT_BENCH_CODEC_FILES", str(DEFAULT_COUNT)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True, help="the CMake build folder (bin/dcmkit; temp files go to BUILD/bench-codecs)")
    ap.add_argument("--corpus", required=True, help="the corpus folder written by make_corpus")
    ap.add_argument("--count", type=int, default=default_count,
                    help="CT files per codec (default: $DCMKIT_BENCH_CODEC_FILES or %d, the whole corpus: ~7 min "
                    "on an idle 2-core machine, ~14 min on a busy one; e.g. --count 20 while developing)"
                    % DEFAULT_COUNT)
    ap.add_argument("--count8", type=int, default=None, help="8-bit files for JPEG baseline (default: min(100, --count))")
    ap.add_argument("--only", default="", help="comma-separated codec keys: " + ",".join(c["key"] for c in CODECS)
                    + ",multiframe")
    ap.add_argument("--sample", type=int, default=8, help="files per codec whose round trip is checked (default 8)")
    ap.add_argument("--no-multiframe", action="store_true", help="skip the multi-frame rows")
    ap.add_argument("--mf-rounds", type=int, default=3,
                    help="multi-frame decodes: runs of each (the best is kept; default 3: a single run of about a "
                    "second, mostly writing 288 MB, is too noisy)")
    ap.add_argument("--keep", action="store_true", help="keep BUILD/bench-codecs (otherwise deleted)")
    args = ap.parse_args()

    dk = os.path.join(args.build, "bin", "dcmkit")
    if not os.access(dk, os.X_OK):
        raise BenchError("missing %s (build the dcmkit_cli target)" % dk)
    ct = sorted(glob.glob(os.path.join(args.corpus, "ct", "*.dcm")))
    ct8 = sorted(glob.glob(os.path.join(args.corpus, "ct8", "*.dcm")))
    big = os.path.join(args.corpus, "multiframe.dcm")
    if not ct or not ct8 or not os.path.isfile(big):
        raise BenchError("corpus %s is incomplete (run make_corpus; the ct8/ set needs corpus version 3)" % args.corpus)
    if args.count < 1:
        raise BenchError("--count must be at least 1")
    ct = ct[:args.count]
    ct8 = ct8[:args.count8 if args.count8 is not None else min(100, args.count)]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    known = {c["key"] for c in CODECS} | {"multiframe"}
    if only - known:
        raise BenchError("--only: unknown codec(s) %s (known: %s)" % (", ".join(sorted(only - known)), ", ".join(sorted(known))))
    work = os.path.join(args.build, "bench-codecs")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    bt = cmake_build_type(args.build)
    print("codec benchmark: %d CT files (512x512, 12 bits in 16), %d 8-bit files, the %.0f MB multi-frame file, in %s"
          % (len(ct), len(ct8), os.path.getsize(big) / 1e6, args.corpus), flush=True)
    print("  one process per file on each side, run one at a time, ours and the peer's interleaved; "
          "MB/s = uncompressed pixel MB / wall s", flush=True)
    if bt not in ("Release", "RelWithDebInfo"):
        print("  WARNING: build type %s; use Release for meaningful figures" % bt)
    try:
        load = os.getloadavg()[0]
        if load > 0.5:
            print("  note: load average %.1f on %d cores before starting: other work shares the machine" % (load, os.cpu_count()))
    except OSError:
        pass
    # Warm the page cache with the inputs.
    for f in ct + ct8:
        with open(f, "rb") as fh:
            fh.read()

    failures, warnings, results, mf_results = [], [], [], []
    t0 = time.perf_counter()
    try:
        for c in CODECS:
            if only and c["key"] not in only:
                continue
            files = ct8 if c.get("set") == "ct8" else ct
            r = bench_codec(c, dk, files, work, args.sample, failures, warnings)
            results.append((c, r))
        if not args.no_multiframe and (not only or "multiframe" in only):
            for c in MULTIFRAME:
                mf_results.append((c, bench_multiframe(c, dk, big, work, failures, max(1, args.mf_rounds))))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - t0

    # -- the tables --
    print()
    print("codecs, per file (%d CT files of 512x512x16 = %.0f MB; JPEG baseline: %d 8-bit files = %.0f MB):"
          % (len(ct), len(ct) * 512 * 512 * 2 / 1e6, len(ct8), len(ct8) * 512 * 512 / 1e6))
    headers = ["codec", "ours enc MB/s", "peer enc MB/s", "ratio", "ours dec MB/s", "peer dec MB/s", "ratio",
               "CR ours", "CR peer", "target"]
    rows, missed = [], []
    for c, r in results:
        if r is None:
            rows.append([c["label"], "n/a (no codec)", "", "", "", "", "", "", "", ""])
            continue
        slow = [w for w, o, p in (("encode", r["oe"], r["pe"]), ("decode", r["od"], r["pd"])) if o < p]
        if c.get("reference"):
            rows.append([c["label"], fmt_speed(r["oe"]), fmt_speed(r["pe"]), fmt_ratio(r["oe"], r["pe"]),
                         fmt_speed(r["od"]), fmt_speed(r["pd"]), fmt_ratio(r["od"], r["pd"]), "1.00", "1.00", "(ref)"])
            continue
        if slow:
            missed.append("%s (%s)" % (c["label"], ", ".join(slow)))
        rows.append([c["label"], fmt_speed(r["oe"]), fmt_speed(r["pe"]), fmt_ratio(r["oe"], r["pe"]),
                     fmt_speed(r["od"]), fmt_speed(r["pd"]), fmt_ratio(r["od"], r["pd"]),
                     "%.2f" % r["cr_o"], "%.2f" % r["cr_p"], "MISSED" if slow else "ok"])
    print(table(headers, rows))
    print()
    print("  CPU seconds (user+sys of the children) / wall seconds per side; CPU ratio = peer CPU / ours CPU (above 1:")
    print("  ours uses less CPU; less sensitive to other load on the machine than the wall-clock figures):")
    rows = []
    for c, r in results:
        if r is None:
            continue
        cr = lambda o, p: "%.2fx" % (r["cpu"][p] / r["cpu"][o]) if r["cpu"][o] > 0 else "n/a"
        rows.append([c["label"]] + ["%.2f/%.2f" % (r["cpu"][k], r["wall"][k]) for k in ("oe", "pe")] + [cr("oe", "pe")]
                    + ["%.2f/%.2f" % (r["cpu"][k], r["wall"][k]) for k in ("od", "pd")] + [cr("od", "pd")]
                    + ["; ".join(r["notes"])])
    if rows:
        print(table(["codec", "ours enc", "peer enc", "CPU ratio", "ours dec", "peer dec", "CPU ratio", "checks"], rows,
                    right={1, 2, 3, 4, 5, 6}))
    print()
    print("  peers: " + "; ".join("%s: %s" % (c["label"], c["peer"]) for c, _ in results if not c.get("reference")))
    if any(c.get("peer_pgm") and r is not None for c, r in results):
        print("  HTJ2K: the peer (OpenJPH's command-line tools) reads and writes raw PGM / .j2c files, not DICOM:"
              " it does no DICOM parsing or writing.")

    if mf_results:
        print()
        print("multi-frame file (%d frames, %.0f MB of pixels): encoded once by each side (ours with 2 threads), "
              "our file decoded by ours with 1 and 2 threads and by the peer (best of %d):"
              % (550 if not mf_results[0][1] else round(mf_results[0][1]["raw_mb"] * 1e6 / (512 * 512 * 2)),
                 mf_results[0][1]["raw_mb"] if mf_results[0][1] else 0, max(1, args.mf_rounds)))
        headers = ["codec", "ours enc MB/s", "peer enc MB/s", "ratio", "ours dec 1T", "ours dec 2T", "peer dec",
                   "ratio 1T", "speed-up 2T/1T", "CR ours", "CR peer", "target"]
        rows = []
        for c, r in mf_results:
            if r is None:
                rows.append([c["label"], "n/a (no codec)"] + [""] * 10)
                continue
            slow = [w for w, o, p in (("encode", r["oe"], r["pe"]), ("decode 1T", r["d1"], r["pd"])) if o < p]
            if slow:
                missed.append("multi-frame %s (%s)" % (c["label"], ", ".join(slow)))
            rows.append([c["label"], fmt_speed(r["oe"]), fmt_speed(r["pe"]), fmt_ratio(r["oe"], r["pe"]),
                         fmt_speed(r["d1"]), fmt_speed(r["d2"]), fmt_speed(r["pd"]), fmt_ratio(r["d1"], r["pd"]),
                         "%.2fx" % (r["d2"] / r["d1"]), "%.2f" % r["cr_o"], "%.2f" % r["cr_p"],
                         "MISSED" if slow else "ok"])
        print(table(headers, rows))
        for c, r in mf_results:
            if r is not None:
                print("  %s: CPU/wall s: ours enc %.1f/%.1f, peer enc %.1f/%.1f, ours dec 1T %.1f/%.1f, 2T %.1f/%.1f, "
                      "peer dec %.1f/%.1f; round trip %s; %s on our file: %s"
                      % (c["label"], r["cpu"]["oe"], r["wall"]["oe"], r["cpu"]["pe"], r["wall"]["pe"], r["cpu"]["d1"],
                         r["wall"]["d1"], r["cpu"]["d2"], r["wall"]["d2"], r["cpu"]["pd"], r["wall"]["pd"],
                         "exact" if r["eq"] else "MISMATCH", c["peer"].split("/")[1],
                         "same pixels" if r["interop"] else "DIFFERENT PIXELS"))
                if not r["interop"]:
                    warnings.append("multi-frame %s: %s decoded our file to different pixels" % (c["label"], c["peer"]))

    print()
    print("target: at least the peer's speed (encode and decode; multi-frame: ours with 1 thread)")
    print("  MISSED: " + ("; ".join(missed) if missed else "none"))
    for w in warnings:
        print("  warning: " + w)
    print("  (%.0f s in all)" % total)
    if failures:
        for f in failures:
            print("MISMATCH: " + f)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench codecs: error: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
