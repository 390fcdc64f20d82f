// dcmkit tests — what the codec tests share: frames as samples, our codecs run over every frame of
// a file, our encodings packed into encapsulated files, peer tools' decompressions read back, and
// comparing and reporting samples. The synthetic images themselves are in images.h; running peer
// tools in peer.h.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"
#include "images.h"
#include "peer.h"

namespace dk_test {

/// The samples of an image, one vector per frame, each as samples_of gives them (interleaved).
using Frames = std::vector<std::vector<int64_t>>;

/// The codec registered for `uid`; throws when there is none.
inline const dcmkit::Codec &codec_for(const std::string &uid) {
    const dcmkit::Codec *c = dcmkit::find_codec(uid);
    if (!c) throw std::runtime_error("no codec for " + uid);
    return *c;
}

/// The PixelInfo of one frame of a spec (Planar Configuration 0), as codecs take it.
inline dcmkit::PixelInfo pixel_info(const ImageSpec &s) {
    dcmkit::PixelInfo info;
    info.rows = s.rows;
    info.columns = s.columns;
    info.samples_per_pixel = s.samples;
    info.bits_allocated = s.bits_allocated;
    info.bits_stored = s.bits_stored;
    info.high_bit = s.bits_stored - 1;
    info.pixel_representation = s.is_signed ? 1 : 0;
    info.photometric_interpretation = s.photometric;
    return info;
}

/// Frame 0 of a spec straight from sample_value: interleaved, little-endian, signed samples
/// sign-extended to Bits Allocated, as codecs take and give it.
inline std::vector<uint8_t> first_frame(const ImageSpec &s) {
    const size_t bps = s.bits_allocated / 8;
    std::vector<uint8_t> out;
    for (uint32_t r = 0; r < s.rows; ++r)
        for (uint32_t c = 0; c < s.columns; ++c)
            for (uint32_t k = 0; k < s.samples; ++k) {
                const uint64_t v = uint64_t(sample_value(s, 0, r, c, k));
                for (size_t b = 0; b < bps; ++b) out.push_back(uint8_t(v >> (8 * b)));
            }
    return out;
}

/// The samples of every frame of a native file, interleaved whatever its Planar Configuration.
inline Frames native_samples(const dcmkit::DicomFile &f) {
    const dcmkit::PixelInfo info = dcmkit::PixelInfo::from(f.dataset);
    Frames frames;
    for (uint64_t i = 0; i < dcmkit::frame_count(f.dataset); ++i) {
        const dcmkit::Bytes b = dcmkit::frame_bytes(f.dataset, i);
        frames.push_back(samples_of(info, b.data(), b.size(), info.samples_per_pixel > 1 && info.planar_configuration == 1));
    }
    return frames;
}

/// A native frame in the interleaved layout codecs take (Planar Configuration 0): a copy, with the
/// planes of a Planar Configuration 1 frame woven together.
inline std::vector<uint8_t> interleaved(const dcmkit::PixelInfo &info, const dcmkit::Bytes &frame) {
    std::vector<uint8_t> out(frame.data(), frame.data() + info.frame_bytes());
    if (info.samples_per_pixel == 1 || info.planar_configuration == 0) return out;
    const size_t bps = info.bits_allocated / 8, plane = size_t(info.rows) * info.columns, spp = info.samples_per_pixel;
    for (size_t s = 0; s < spp; ++s)
        for (size_t p = 0; p < plane; ++p)
            for (size_t b = 0; b < bps; ++b) out[(p * spp + s) * bps + b] = frame[(s * plane + p) * bps + b];
    return out;
}

/// A native image as codec input: its PixelInfo with Planar Configuration 0, and every frame
/// interleaved.
struct CodecInput {
    dcmkit::PixelInfo info;
    std::vector<std::vector<uint8_t>> frames;
};

inline CodecInput codec_input(const dcmkit::DicomFile &native) {
    CodecInput in;
    in.info = dcmkit::PixelInfo::from(native.dataset);
    for (uint64_t i = 0; i < in.info.frames; ++i) in.frames.push_back(interleaved(in.info, dcmkit::frame_bytes(native.dataset, i)));
    in.info.planar_configuration = 0;
    return in;
}
inline CodecInput codec_input(const ImageSpec &spec) { return codec_input(make_image(spec)); }

/// Largest absolute difference over all frames (-1 when the frame or sample counts differ). With
/// `modulo` (2^bits), the difference of the unsigned patterns modulo it, as near-lossless coding
/// of two's complement bounds it.
inline int64_t max_abs_diff(const Frames &a, const Frames &b, int64_t modulo = 0) {
    if (a.size() != b.size()) return -1;
    int64_t m = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].size() != b[i].size()) return -1;
        for (size_t k = 0; k < a[i].size(); ++k) {
            int64_t d = a[i][k] - b[i][k];
            if (modulo) {
                d = ((d % modulo) + modulo) % modulo;
                d = std::min(d, modulo - d);
            }
            m = std::max(m, d < 0 ? -d : d);
        }
    }
    return m;
}

/// Root-mean-square difference of two sample arrays of equal length.
inline double rms_diff(const std::vector<int64_t> &a, const std::vector<int64_t> &b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += double(a[i] - b[i]) * double(a[i] - b[i]);
    return std::sqrt(s / double(a.size()));
}

/// Expects the same frames of samples, naming the first sample that differs in each frame.
inline void expect_same_samples(const Frames &ours, const Frames &golden, const std::string &what) {
    ASSERT_EQ(ours.size(), golden.size()) << what << ": frame count";
    for (size_t i = 0; i < ours.size(); ++i) {
        ASSERT_EQ(ours[i].size(), golden[i].size()) << what << ": frame " << i << " sample count";
        size_t bad = 0;
        while (bad < ours[i].size() && ours[i][bad] == golden[i][bad]) ++bad;
        EXPECT_EQ(bad, ours[i].size()) << what << ": frame " << i << " differs first at sample " << bad << " ("
                                       << ours[i][bad] << " vs " << golden[i][bad] << ")";
    }
}

/// Prints a measured difference: "[ measure  ] <what> max |diff| N", `what` padded to `width`.
inline void report_measure(const std::string &what, int64_t diff, int width = 48) {
    std::printf("[ measure  ] %-*s max |diff| %lld\n", width, what.c_str(), (long long)diff);
}

/// The code of the Error `codec`'s decode of `bits` throws (Errc::ok when it decodes), decoding
/// into a buffer of `out_size` bytes.
inline dcmkit::Errc decode_error(const dcmkit::Codec &codec, const dcmkit::PixelInfo &info, const uint8_t *bits, size_t n,
                                 size_t out_size) {
    std::vector<uint8_t> out(out_size);
    try {
        codec.decode(info, bits, n, out.data(), out.size());
    } catch (const dcmkit::Error &e) {
        return e.code();
    }
    return dcmkit::Errc::ok;
}

/// The shortest time of `n` runs of `fn`, in milliseconds (for the rough speed reports).
template <typename F>
double best_ms_of(int n, F &&fn) {
    double best = 1e18;
    for (int i = 0; i < n; ++i) {
        const auto t0 = Clock::now();
        fn();
        best = std::min(best, ms_since(t0));
    }
    return best;
}

// ---- Our codecs over files ------------------------------------------------------------------------

/// The samples of frame `i` of an encapsulated file (whose PixelInfo is `info`) decoded by `codec`.
/// `layout` gets what the decode reported, `raw` the decoded bytes.
inline std::vector<int64_t> our_frame_samples(const dcmkit::Codec &codec, const dcmkit::PixelInfo &info,
                                              const dcmkit::DicomFile &f, uint64_t i, dcmkit::FrameLayout *layout = nullptr,
                                              std::vector<uint8_t> *raw = nullptr) {
    const dcmkit::Bytes b = dcmkit::frame_bytes(f.dataset, i);
    std::vector<uint8_t> out(info.frame_bytes());
    const dcmkit::FrameLayout fl = codec.decode(info, b.data(), b.size(), out.data(), out.size());
    if (layout) *layout = fl;
    std::vector<int64_t> samples = samples_of(info, out.data(), out.size(), false);
    if (raw) *raw = std::move(out);
    return samples;
}

/// What our_decoding expects of the Photometric Interpretation each frame decodes to.
enum class Photometric {
    kept,  ///< the file's (FrameLayout::photometric empty), checked for every frame
    any,   ///< not checked (JPEG turns YBR_FULL_422 into RGB)
};

/// Every frame of an encapsulated file decoded by our codec for its transfer syntax, as samples.
/// `photometric` gets the Photometric Interpretation of the decoded frames; `raw` every frame's
/// decoded bytes.
inline Frames our_decoding(const dcmkit::DicomFile &f, Photometric expect = Photometric::kept,
                           std::string *photometric = nullptr, std::vector<std::vector<uint8_t>> *raw = nullptr) {
    const dcmkit::Codec *codec = dcmkit::find_codec(f.transfer_syntax);
    EXPECT_NE(codec, nullptr) << f.transfer_syntax;
    if (!codec) return {};
    const dcmkit::PixelInfo info = dcmkit::PixelInfo::from(f.dataset);
    Frames frames;
    for (uint64_t i = 0; i < dcmkit::frame_count(f.dataset); ++i) {
        dcmkit::FrameLayout fl;
        std::vector<uint8_t> bytes;
        frames.push_back(our_frame_samples(*codec, info, f, i, &fl, raw ? &bytes : nullptr));
        if (expect == Photometric::kept) {
            EXPECT_TRUE(fl.photometric.empty());
        }
        if (photometric) *photometric = fl.photometric.empty() ? info.photometric_interpretation : fl.photometric;
        if (raw) raw->push_back(std::move(bytes));
    }
    return frames;
}

/// `bits` with a zero byte added when its length is odd, as a fragment holds it (PS3.5 A.4).
inline std::vector<uint8_t> padded_to_even(std::vector<uint8_t> bits) {
    if (bits.size() % 2) bits.push_back(0);
    return bits;
}

/// Our encoding of a native file, and what the codec reported on the way.
struct OurEncoding {
    dcmkit::DicomFile file;
    std::vector<std::vector<uint8_t>> codestreams;  ///< frame by frame, as the codec wrote them (unpadded)
    std::vector<dcmkit::FrameLayout> layouts;        ///< frame by frame, what the codec reported
};

/// Encodes every frame of a native file (interleaved first) with our codec for `uid`, and packs
/// the result as PS3.5 A.4 asks: Pixel Data of undefined length, an empty Basic Offset Table, one
/// fragment per frame padded to even length. A colour image gets Planar Configuration `planar`
/// (PS3.5 8.2: 0, except RLE's colour-by-plane 1); the Photometric Interpretation is the one the
/// codec reported (when it reported one), and a lossy encoding gets the Lossy Image Compression
/// attributes of PS3.3 C.7.6.1.1.5.
inline OurEncoding our_encoding(const dcmkit::DicomFile &native, const char *uid, const dcmkit::EncodeOptions &options,
                                uint32_t planar = 0) {
    using namespace dcmkit;
    const Codec &codec = codec_for(uid);
    const CodecInput in = codec_input(native);
    OurEncoding enc;
    enc.file = native;
    enc.file.transfer_syntax = uid;
    Element px(tags::PixelData, VR::OB);
    px.undefined_length = true;
    px.fragments.emplace_back();
    for (const auto &frame : in.frames) {
        FrameLayout fl;
        std::vector<uint8_t> bits = codec.encode(in.info, frame.data(), frame.size(), options, fl);
        enc.codestreams.push_back(bits);
        enc.layouts.push_back(fl);
        px.fragments.push_back(Bytes(padded_to_even(std::move(bits))));
    }
    enc.file.dataset.set(std::move(px));
    if (in.info.samples_per_pixel > 1) enc.file.dataset.set_int(Tag(0x0028, 0x0006), planar, VR::US);
    const FrameLayout last = enc.layouts.empty() ? FrameLayout{} : enc.layouts.back();
    if (!last.photometric.empty()) enc.file.dataset.set_string(Tag(0x0028, 0x0004), last.photometric, VR::CS);
    if (last.lossy) {
        enc.file.dataset.set_string(Tag(0x0028, 0x2110), "01", VR::CS);
        enc.file.dataset.set_string(Tag(0x0028, 0x2114), last.lossy_method, VR::CS);
    }
    return enc;
}

// ---- Peers' decompressions --------------------------------------------------------------------------

/// A peer tool's decompression of `in` to the native file `out`, read back: runs `argv` followed
/// by `in` and `out` (dcmdjpeg, dcmdjpls, dcmdrle, or gdcmconv --raw), which must succeed, and
/// returns the samples of every frame of `out`.
inline Frames decompressed_by(std::vector<std::string> argv, const std::string &in, const std::string &out) {
    argv.push_back(in);
    argv.push_back(out);
    tool(argv);
    return native_samples(dcmkit::read_file(out));
}

/// OpenJPEG's opj_decompress of one codestream (written to `tmp`/`name`.j2k) to RAWL — the
/// components one after another, samples of 1 byte (precision <= 8) or 2 bytes little-endian, with
/// the precision and signedness it prints for each component — returned interleaved, `info`
/// giving the image size and component count.
inline std::vector<int64_t> opj_decompress_samples(const TempDir &tmp, const std::string &name, const uint8_t *cs,
                                                   size_t n, const dcmkit::PixelInfo &info) {
    const std::string in = tmp / (name + ".j2k"), out = tmp / (name + ".rawl");
    write_bytes(in, cs, n);
    const std::string log = tool({"opj_decompress", "-i", in, "-o", out});
    std::vector<std::pair<int, bool>> comps;  // precision, signed
    for (size_t at = log.find("characteristics: "); at != std::string::npos; at = log.find("characteristics: ", at + 1)) {
        unsigned w = 0, h = 0, prec = 0;
        char sign[16] = {};
        if (std::sscanf(log.c_str() + at, "characteristics: %ux%ux%u %15s", &w, &h, &prec, sign) == 4)
            comps.emplace_back(int(prec), std::string(sign) == "signed");
    }
    const size_t plane = size_t(info.rows) * info.columns, spp = info.samples_per_pixel;
    if (comps.size() != spp) throw std::runtime_error("opj_decompress: cannot tell the components of " + name + ": " + log);
    const std::string raw = read_bytes(out);
    std::vector<int64_t> v(plane * spp);
    size_t offset = 0;
    for (size_t k = 0; k < spp; ++k) {
        const int prec = comps[k].first;
        const size_t bytes = prec <= 8 ? 1 : 2;
        if (offset + plane * bytes > raw.size()) throw std::runtime_error("opj_decompress wrote too little for " + name);
        const auto *s = reinterpret_cast<const uint8_t *>(raw.data()) + offset;
        for (size_t p = 0; p < plane; ++p) {
            int64_t x = bytes == 1 ? s[p] : int64_t(s[2 * p] | s[2 * p + 1] << 8);
            x &= (int64_t(1) << prec) - 1;
            if (comps[k].second && (x >> (prec - 1)) & 1) x -= int64_t(1) << prec;
            v[p * spp + k] = x;
        }
        offset += plane * bytes;
    }
    return v;
}

/// The packet header of a packet of one code-block, first included, one coding pass (15444-1
/// B.10): non-empty bit, inclusion (one bit for a one-leaf tag tree), zero bit-planes (0s ended by
/// a 1), number of passes ("0" for one), Lblock increase (1s ended by a 0), then the length in
/// Lblock = 3 + increase bits; 7 bits after a 0xFF byte (B.10.1), ending on a byte boundary.
/// Returns (header bytes, code-block data length).
inline std::pair<size_t, size_t> one_block_packet_header(const uint8_t *p) {
    size_t i = 0;
    int left = 0;
    uint32_t byte = 0;
    auto bit = [&]() -> uint32_t {
        if (left == 0) {
            left = (i > 0 && p[i - 1] == 0xFF) ? 7 : 8;
            byte = p[i++];
        }
        return (byte >> --left) & 1;
    };
    if (bit() != 1) throw std::runtime_error("packet header: empty packet");
    if (bit() != 1) throw std::runtime_error("packet header: code-block not included");
    while (bit() == 0) {
    }
    if (bit() != 0) throw std::runtime_error("packet header: more than one coding pass");
    int lblock = 3;
    while (bit() == 1) ++lblock;
    size_t length = 0;
    for (int k = 0; k < lblock; ++k) length = length << 1 | bit();
    if (p[i - 1] == 0xFF) ++i;  // a header does not end on 0xFF: the next byte is its last
    return {i, length};
}

}  // namespace dk_test
