// JPEG 2000 (.90, .91; OpenJPEG) and HTJ2K (.201, .202, .203; OpenJPH) codecs without peer tools:
// round trips of the standard synthetic images (lossless: every sample back; lossy: a bounded
// error), the Photometric Interpretation and lossy flags the encoders report, the codestream
// options PS3.5 asks for (.202: RPCL and TLM), a JP2-wrapped codestream, and hostile input —
// truncated and corrupted codestreams, and codestreams that disagree with the dataset — which
// must throw dcmkit::Error, never crash, hang or write outside the output (run under ASan+UBSan).
#include <gtest/gtest.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/pixel.h"
#include "codec_support.h"

using namespace dcmkit;

namespace {

constexpr const char *kJ2kLossless = "1.2.840.10008.1.2.4.90";
constexpr const char *kJ2k = "1.2.840.10008.1.2.4.91";
constexpr const char *kHtj2kLossless = "1.2.840.10008.1.2.4.201";
constexpr const char *kHtj2kRpcl = "1.2.840.10008.1.2.4.202";
constexpr const char *kHtj2k = "1.2.840.10008.1.2.4.203";
const char *const kAll[] = {kJ2kLossless, kJ2k, kHtj2kLossless, kHtj2kRpcl, kHtj2k};

bool is_lossy(const std::string &uid) { return uid == kJ2k || uid == kHtj2k; }
bool is_htj2k(const std::string &uid) { return uid == kHtj2kLossless || uid == kHtj2kRpcl || uid == kHtj2k; }

using dk_test::codec_for;
using dk_test::rms_diff;

std::vector<int64_t> samples(const PixelInfo &info, const std::vector<uint8_t> &frame) {
    return dk_test::samples_of(info, frame.data(), frame.size(), false);
}

/// Decodes into a buffer of exactly the frame's size, so ASan sees any write past it.
std::vector<uint8_t> decode(const Codec &c, const PixelInfo &info, const std::vector<uint8_t> &cs,
                            FrameLayout *layout = nullptr) {
    std::vector<uint8_t> out(info.frame_bytes());
    FrameLayout l = c.decode(info, cs.data(), cs.size(), out.data(), out.size());
    if (layout) *layout = l;
    return out;
}

/// The position of the first `marker` (big-endian) in the main header, or npos. Walks marker
/// segments from SIZ to the first SOT (ISO/IEC 15444-1 A.4).
size_t find_main_header_marker(const std::vector<uint8_t> &cs, uint16_t marker) {
    size_t pos = 2;
    while (pos + 4 <= cs.size()) {
        const uint16_t m = uint16_t(cs[pos] << 8 | cs[pos + 1]);
        if (m == marker) return pos;
        if (m == 0xFF90) break;
        pos += 2 + size_t(cs[pos + 2] << 8 | cs[pos + 3]);
    }
    return std::string::npos;
}

/// 16-bit 512x512 frame of the "mono16" kind, for the larger-image checks.
dk_test::CodecInput big_image() { return dk_test::codec_input(dk_test::ImageSpec{"big16", 512, 512, 1, 1, 16, 16, false, "MONOCHROME2", 0}); }

// ---- Registry and options -----------------------------------------------------------------------

TEST(J2kCodecs, AreRegisteredWithTheirLosslessFlag) {
    for (const char *uid : kAll) {
        const Codec *c = find_codec(uid);
        ASSERT_NE(c, nullptr) << uid;
        EXPECT_EQ(c->transfer_syntax(), uid);
        EXPECT_EQ(c->lossless_only(), !is_lossy(uid)) << uid;
    }
}

TEST(J2kCodecs, CanEncodeRefusesLayoutsTheyDoNotHandle) {
    PixelInfo ok;
    ok.rows = ok.columns = 8;
    ok.bits_allocated = 16;
    ok.bits_stored = 12;
    ok.high_bit = 11;
    ok.photometric_interpretation = "MONOCHROME2";
    for (const char *uid : kAll) {
        const Codec &c = codec_for(uid);
        std::string why;
        EXPECT_TRUE(c.can_encode(ok, {}, &why)) << uid << ": " << why;
        PixelInfo bad = ok;
        bad.bits_allocated = 32;
        bad.bits_stored = 32;
        bad.high_bit = 31;
        EXPECT_FALSE(c.can_encode(bad, {}, &why)) << uid;
        EXPECT_FALSE(why.empty());
        bad = ok;
        bad.samples_per_pixel = 4;
        EXPECT_FALSE(c.can_encode(bad, {}, nullptr)) << uid;
        bad = ok;
        bad.samples_per_pixel = 3;
        bad.photometric_interpretation = "YBR_FULL_422";
        EXPECT_FALSE(c.can_encode(bad, {}, nullptr)) << uid;
        bad = ok;
        bad.high_bit = 15;
        EXPECT_FALSE(c.can_encode(bad, {}, nullptr)) << uid;
        EncodeOptions negative;
        negative.ratio = -3;
        EXPECT_EQ(c.can_encode(ok, negative, nullptr), !is_lossy(uid)) << uid << ": lossless syntaxes ignore ratio";

        // encode() enforces the same, and the frame size.
        std::vector<uint8_t> px(ok.frame_bytes());
        FrameLayout layout;
        bad = ok;
        bad.samples_per_pixel = 4;
        try {
            c.encode(bad, px.data(), bad.frame_bytes(), {}, layout);
            ADD_FAILURE() << uid << ": encoded 4 samples";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::unsupported) << e.what();
        }
        try {
            c.encode(ok, px.data(), px.size() - 2, {}, layout);
            ADD_FAILURE() << uid << ": encoded a short frame";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument) << e.what();
        }
    }
}

// ---- Round trips --------------------------------------------------------------------------------

class RoundTrip : public ::testing::TestWithParam<const char *> {};

TEST_P(RoundTrip, EveryStandardImage) {
    const std::string uid = GetParam();
    const Codec &c = codec_for(GetParam());
    // Lossy at 4:1: these images are small, so at higher ratios the headers take most of the bytes.
    EncodeOptions options;
    options.ratio = 4;
    for (const auto &spec : dk_test::standard_specs()) {
        SCOPED_TRACE(spec.name);
        const dk_test::CodecInput im = dk_test::codec_input(spec);
        const bool rgb = im.info.samples_per_pixel == 3;
        for (size_t f = 0; f < im.frames.size(); ++f) {
            FrameLayout enc;
            std::vector<uint8_t> cs = c.encode(im.info, im.frames[f].data(), im.frames[f].size(), options, enc);
            ASSERT_GE(cs.size(), 4u);
            EXPECT_EQ(cs[0], 0xFF);
            EXPECT_EQ(cs[1], 0x4F) << "a raw codestream starts with SOC (PS3.5 A.4.4)";
            EXPECT_EQ(enc.lossy, is_lossy(uid));
            EXPECT_EQ(enc.lossy_method, !is_lossy(uid) ? "" : is_htj2k(uid) ? "ISO_15444_15" : "ISO_15444_1");
            EXPECT_EQ(enc.photometric, !rgb ? "" : is_lossy(uid) ? "YBR_ICT" : "YBR_RCT");

            // Decode as a reader would: with the Photometric Interpretation the encoder reported.
            PixelInfo stored = im.info;
            if (!enc.photometric.empty()) stored.photometric_interpretation = enc.photometric;
            FrameLayout dec;
            const std::vector<uint8_t> out = decode(c, stored, cs, &dec);
            EXPECT_EQ(dec.photometric, rgb ? "RGB" : "");
            const auto want = samples(im.info, im.frames[f]), got = samples(im.info, out);
            if (!is_lossy(uid)) {
                ASSERT_EQ(dk_test::max_abs_diff(want, got), 0) << "frame " << f;
                ASSERT_EQ(out, im.frames[f]) << "frame " << f << ": unused high bits come back as the sign or 0";
            } else {
                const double range = double(int64_t(1) << im.info.bits_stored);
                EXPECT_LT(rms_diff(want, got), range * 0.02) << "frame " << f;
                EXPECT_LT(double(dk_test::max_abs_diff(want, got)), range * 0.15) << "frame " << f;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Codecs, RoundTrip, ::testing::ValuesIn(kAll), [](const auto &p) {
    std::string s = p.param;
    return "ts_" + s.substr(s.rfind('.') + 1);
});

TEST(J2kCodecs, LossyRatioControlsSize) {
    const dk_test::CodecInput im = big_image();
    for (const char *uid : {kJ2k, kHtj2k}) {
        SCOPED_TRACE(uid);
        const Codec &c = codec_for(uid);
        std::vector<size_t> sizes;
        for (double ratio : {5.0, 10.0, 20.0, 50.0}) {
            EncodeOptions o;
            o.ratio = ratio;
            FrameLayout l;
            std::vector<uint8_t> cs = c.encode(im.info, im.frames[0].data(), im.frames[0].size(), o, l);
            sizes.push_back(cs.size());
            const double got = double(im.info.frame_bytes()) / double(cs.size());
            // OpenJPEG's rate allocation meets the ratio (against 16 stored bits) within 20%;
            // the quantizer step we give OpenJPH only approximates it.
            if (std::string(uid) == kJ2k) {
                EXPECT_TRUE(got > ratio * 0.8 && got < ratio * 1.2) << "asked " << ratio << ", got " << got;
            } else {
                EXPECT_TRUE(got > ratio / 2.5 && got < ratio * 2.5) << "asked " << ratio << ", got " << got;
            }
            const auto want = samples(im.info, im.frames[0]), back = samples(im.info, decode(c, im.info, cs));
            EXPECT_LT(rms_diff(want, back), 65536 * 0.01) << "ratio " << ratio;
        }
        for (size_t i = 1; i < sizes.size(); ++i) EXPECT_GT(sizes[i - 1], sizes[i]);

        // Ratio 0 is the default, 10:1.
        EncodeOptions dflt, ten;
        ten.ratio = 10;
        FrameLayout l;
        EXPECT_EQ(c.encode(im.info, im.frames[0].data(), im.frames[0].size(), dflt, l),
                  c.encode(im.info, im.frames[0].data(), im.frames[0].size(), ten, l));
    }
}

TEST(J2kCodecs, ThreadCountDoesNotChangeTheCodestream) {
    const dk_test::CodecInput im = big_image();
    for (const char *uid : {kJ2kLossless, kJ2k}) {
        const Codec &c = codec_for(uid);
        EncodeOptions one, two;
        one.threads = 1;
        two.threads = 2;
        FrameLayout l;
        const auto a = c.encode(im.info, im.frames[0].data(), im.frames[0].size(), one, l);
        const auto b = c.encode(im.info, im.frames[0].data(), im.frames[0].size(), two, l);
        EXPECT_EQ(a, b) << uid;
        if (!is_lossy(uid)) {
            EXPECT_EQ(decode(c, im.info, a), im.frames[0]);
        }
    }
}

TEST(J2kCodecs, OneRowAndOneColumnImages) {
    for (const char *uid : kAll) {
        for (auto dims : {std::pair<uint32_t, uint32_t>{1, 1}, {1, 37}, {29, 1}, {2, 3}}) {
            SCOPED_TRACE(std::string(uid) + " " + std::to_string(dims.first) + "x" + std::to_string(dims.second));
            const dk_test::CodecInput im =
                dk_test::codec_input(dk_test::ImageSpec{"tiny", dims.first, dims.second, 1, 1, 16, 12, false, "MONOCHROME2", 0});
            FrameLayout l;
            const Codec &c = codec_for(uid);
            const auto cs = c.encode(im.info, im.frames[0].data(), im.frames[0].size(), {}, l);
            const auto out = decode(c, im.info, cs);
            if (!is_lossy(uid)) {
                EXPECT_EQ(out, im.frames[0]);
            }
        }
    }
}

// ---- Codestream options PS3.5 asks for ---------------------------------------------------------

TEST(J2kCodecs, RpclSyntaxHasRpclProgressionAndTlm) {
    const dk_test::CodecInput im = dk_test::codec_input(dk_test::standard_specs()[3]);
    FrameLayout l;
    const auto cs = codec_for(kHtj2kRpcl).encode(im.info, im.frames[0].data(), im.frames[0].size(), {}, l);
    const size_t cod = find_main_header_marker(cs, 0xFF52);
    ASSERT_NE(cod, std::string::npos);
    EXPECT_EQ(cs[cod + 5], 2) << "SGcod progression order 2 = RPCL (15444-1 Table A.16)";
    const size_t tlm = find_main_header_marker(cs, 0xFF55);
    ASSERT_NE(tlm, std::string::npos) << "no TLM marker segment in the main header";
    // One tile, one tile-part: Ltlm 9, Ztlm 0, Stlm 0x50, Ttlm 0, Ptlm = Psot of the SOT.
    const size_t pos = find_main_header_marker(cs, 0xFF90);  // the first SOT
    ASSERT_NE(pos, std::string::npos);
    ASSERT_LT(pos + 10, cs.size());
    EXPECT_EQ((cs[tlm + 2] << 8 | cs[tlm + 3]), 9);
    EXPECT_EQ(cs[tlm + 4], 0);
    EXPECT_EQ(cs[tlm + 5], 0x50);
    EXPECT_EQ(cs[tlm + 6], 0);
    EXPECT_EQ(0, std::memcmp(&cs[tlm + 7], &cs[pos + 6], 4)) << "Ptlm differs from Psot";
    EXPECT_EQ(uint64_t(pos) + (uint64_t(cs[pos + 6]) << 24 | cs[pos + 7] << 16 | cs[pos + 8] << 8 | cs[pos + 9]) + 2,
              cs.size())
        << "one tile-part, then EOC";
    EXPECT_EQ(decode(codec_for(kHtj2kRpcl), im.info, cs), im.frames[0]);
    // HTJ2K codestreams announce Part 15 with a CAP marker segment (15444-15 A.3).
    EXPECT_NE(find_main_header_marker(cs, 0xFF50), std::string::npos);
    EXPECT_EQ(find_main_header_marker(codec_for(kHtj2kLossless).encode(im.info, im.frames[0].data(), im.frames[0].size(), {}, l),
                                      0xFF55),
              std::string::npos)
        << ".201 needs no TLM";
}

TEST(J2kCodecs, LosslessJ2kIsReversibleWithMctForRgb) {
    const dk_test::CodecInput im = dk_test::codec_input(dk_test::standard_specs()[5]);  // rgb8
    FrameLayout l;
    const auto cs = codec_for(kJ2kLossless).encode(im.info, im.frames[0].data(), im.frames[0].size(), {}, l);
    const size_t cod = find_main_header_marker(cs, 0xFF52);
    ASSERT_NE(cod, std::string::npos);
    EXPECT_EQ(cs[cod + 8], 1) << "SGcod multiple component transform on";
    EXPECT_EQ(cs[cod + 13], 1) << "SPcod transformation 1 = 5/3 reversible";
    const auto lossy = codec_for(kJ2k).encode(im.info, im.frames[0].data(), im.frames[0].size(), {}, l);
    const size_t cod2 = find_main_header_marker(lossy, 0xFF52);
    ASSERT_NE(cod2, std::string::npos);
    EXPECT_EQ(lossy[cod2 + 13], 0) << "SPcod transformation 0 = 9/7 irreversible";
}

TEST(J2kCodecs, DecodesAJp2Wrapper) {
    for (size_t which : {3u, 5u}) {  // mono16, rgb8
        const dk_test::CodecInput im = dk_test::codec_input(dk_test::standard_specs()[which]);
        FrameLayout l;
        const auto cs = codec_for(kJ2kLossless).encode(im.info, im.frames[0].data(), im.frames[0].size(), {}, l);
        // ISO/IEC 15444-1 Annex I: signature, file type, header (image header, colour) and codestream boxes.
        std::vector<uint8_t> jp2;
        auto u32 = [&](uint32_t v) { for (int s = 24; s >= 0; s -= 8) jp2.push_back(uint8_t(v >> s)); };
        auto u16 = [&](uint16_t v) { jp2.push_back(uint8_t(v >> 8)); jp2.push_back(uint8_t(v)); };
        auto type = [&](const char *t) { jp2.insert(jp2.end(), t, t + 4); };
        u32(12), type("jP  "), u32(0x0D0A870A);
        u32(20), type("ftyp"), type("jp2 "), u32(0), type("jp2 ");
        u32(8 + 22 + 15), type("jp2h");
        u32(22), type("ihdr"), u32(im.info.rows), u32(im.info.columns), u16(uint16_t(im.info.samples_per_pixel));
        jp2.push_back(uint8_t(im.info.bits_stored - 1)), jp2.push_back(7), jp2.push_back(0), jp2.push_back(0);
        u32(15), type("colr"), jp2.push_back(1), jp2.push_back(0), jp2.push_back(0);
        u32(im.info.samples_per_pixel == 3 ? 16 : 17);
        u32(uint32_t(8 + cs.size())), type("jp2c");
        jp2.insert(jp2.end(), cs.begin(), cs.end());
        PixelInfo stored = im.info;
        if (!l.photometric.empty()) stored.photometric_interpretation = l.photometric;
        EXPECT_EQ(decode(codec_for(kJ2kLossless), stored, jp2), im.frames[0]) << which;
        EXPECT_EQ(decode(codec_for(kJ2k), stored, jp2), im.frames[0]) << ".91 decodes lossless codestreams too";
    }
}

// ---- Hostile input -------------------------------------------------------------------------------

/// Runs decode on bytes that may be anything: success or dcmkit::Error are both fine, nothing else.
void decode_any(const Codec &c, const PixelInfo &info, const std::vector<uint8_t> &cs, const std::string &what) {
    std::vector<uint8_t> out(info.frame_bytes());
    try {
        c.decode(info, cs.data(), cs.size(), out.data(), out.size());
    } catch (const Error &) {
    } catch (const std::exception &e) {
        ADD_FAILURE() << what << ": " << typeid(e).name() << " escaped: " << e.what();
    }
}

/// Byte offsets that reach each part of a codestream (ISO/IEC 15444-1 A.3, A.4): SOC; the marker,
/// the length, the first, middle and last bytes of each marker segment of the main and tile-part
/// headers up to SOD; SOD; the start, quarters and end of the packet (code-block) data; EOC.
std::vector<size_t> codestream_sample(const std::vector<uint8_t> &cs) {
    std::vector<size_t> at{0, 1};
    auto u16 = [&](size_t p) { return size_t(cs[p] << 8 | cs[p + 1]); };
    size_t pos = 2;
    while (pos + 4 <= cs.size() && u16(pos) != 0xFF93 && u16(pos + 2) >= 2) {
        const size_t end = pos + 2 + u16(pos + 2);
        at.insert(at.end(), {pos, pos + 2, pos + 3, pos + 4, (pos + end) / 2, end - 1});
        pos = end;
    }
    const size_t data = pos + 2, eoc = cs.size() - 2, len = eoc > data ? eoc - data : 0;
    at.insert(at.end(), {pos, pos + 1, data, data + 1, data + len / 4, data + len / 2, data + 3 * len / 4, eoc - 1,
                         eoc, eoc + 1});
    std::sort(at.begin(), at.end());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    while (!at.empty() && at.back() >= cs.size()) at.pop_back();
    return at;
}

/// The codestream positions the hostile tests cut or change: every byte below `every_below`, then
/// every `step`th (none with step 0), and a sample of each part of the codestream.
std::vector<size_t> hostile_points(const std::vector<uint8_t> &cs, size_t every_below, size_t step) {
    std::vector<size_t> at = codestream_sample(cs);
    for (size_t n = 0; n < cs.size() && (n < every_below || step > 0); n += (n < every_below ? 1 : step))
        at.push_back(n);
    std::sort(at.begin(), at.end());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    return at;
}

class Hostile : public ::testing::TestWithParam<const char *> {
protected:
    void SetUp() override {
        im_ = dk_test::codec_input(dk_test::standard_specs()[GetParam() == std::string(kJ2k) ? 5 : 2]);  // rgb8 / mono12s
        FrameLayout l;
        cs_ = codec_for(GetParam()).encode(im_.info, im_.frames[0].data(), im_.frames[0].size(), {}, l);
        if (!l.photometric.empty()) im_.info.photometric_interpretation = l.photometric;
    }
    dk_test::CodecInput im_;
    std::vector<uint8_t> cs_;
};

TEST_P(Hostile, TruncatedCodestreamsThrow) {
    const Codec &c = codec_for(GetParam());
    // Every cut in the headers, then every 7th byte and a sample of each part. A codestream cut
    // inside its last two bytes (EOC) may still decode in full; any other cut is an error.
    for (size_t n : hostile_points(cs_, 200, 7)) {
        if (n + 2 >= cs_.size()) break;
        std::vector<uint8_t> cut(cs_.begin(), cs_.begin() + std::ptrdiff_t(n));
        std::vector<uint8_t> out(im_.info.frame_bytes());
        try {
            c.decode(im_.info, cut.data(), cut.size(), out.data(), out.size());
            ADD_FAILURE() << "decoded " << n << " of " << cs_.size() << " bytes";
        } catch (const Error &e) {
            EXPECT_TRUE(e.code() == Errc::truncated || e.code() == Errc::malformed)
                << n << " bytes: " << errc_name(e.code()) << " " << e.what();
            if (n >= 60) {
                EXPECT_EQ(e.code(), Errc::truncated) << n << " bytes: " << e.what();
            }
        }
    }
}

TEST_P(Hostile, CorruptedCodestreamsNeverCrash) {
    const Codec &c = codec_for(GetParam());
    uint32_t rng = 12345;
    auto next = [&] {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        return rng;
    };
    // Single bytes set to interesting values at every header position and a sample of the
    // packet data, then random bursts anywhere.
    const uint8_t values[] = {0x00, 0x01, 0x7F, 0x80, 0x90, 0xFF};
    for (size_t i : hostile_points(cs_, 160, 0)) {
        for (uint8_t v : values) {
            auto bad = cs_;
            bad[i] = v;
            decode_any(c, im_.info, bad, "byte " + std::to_string(i));
        }
    }
    for (int round = 0; round < 400; ++round) {
        auto bad = cs_;
        const int flips = 1 + int(next() % 8);
        for (int k = 0; k < flips; ++k) bad[next() % bad.size()] ^= uint8_t(1u << (next() % 8));
        if (round % 3 == 0) bad.resize(bad.size() - next() % (bad.size() / 2));
        decode_any(c, im_.info, bad, "round " + std::to_string(round));
    }
    // Not a codestream at all.
    decode_any(c, im_.info, std::vector<uint8_t>(100, 0xFF), "all 0xFF");
    decode_any(c, im_.info, {}, "empty");
}

TEST_P(Hostile, CodestreamThatDisagreesWithTheDatasetIsBadValue) {
    const Codec &c = codec_for(GetParam());
    auto expect_bad_value = [&](PixelInfo info, const char *what) {
        std::vector<uint8_t> out(info.frame_bytes());
        try {
            c.decode(info, cs_.data(), cs_.size(), out.data(), out.size());
            ADD_FAILURE() << what << ": decoded";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::bad_value) << what << ": " << e.what();
        }
    };
    PixelInfo info = im_.info;
    info.rows += 1;
    expect_bad_value(info, "one more row");
    info = im_.info;
    info.columns -= 1;
    expect_bad_value(info, "one column fewer");
    info = im_.info;
    info.samples_per_pixel = info.samples_per_pixel == 3 ? 1 : 3;
    info.photometric_interpretation = info.samples_per_pixel == 3 ? "RGB" : "MONOCHROME2";
    expect_bad_value(info, "other samples per pixel");
    if (im_.info.bits_allocated == 16) {
        info = im_.info;
        info.bits_allocated = 8;
        info.bits_stored = 8;
        info.high_bit = 7;
        expect_bad_value(info, "12-bit codestream into 8-bit samples");
    }
    // A wrong output size is the caller's error.
    std::vector<uint8_t> out(im_.info.frame_bytes() + 1);
    try {
        c.decode(im_.info, cs_.data(), cs_.size(), out.data(), out.size());
        ADD_FAILURE() << "decoded into a buffer of the wrong size";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Codecs, Hostile, ::testing::ValuesIn(kAll), [](const auto &p) {
    std::string s = p.param;
    return "ts_" + s.substr(s.rfind('.') + 1);
});

TEST(J2kCodecs, PrecisionBelowBitsStoredDecodesIntoTheSample) {
    // An 8-bit codestream in a dataset that says 16 allocated, 12 stored: precision differs from
    // Bits Stored but fits Bits Allocated, so the samples come back as coded.
    const dk_test::CodecInput im8 = dk_test::codec_input(dk_test::standard_specs()[0]);  // mono8
    for (const char *uid : {kJ2kLossless, kHtj2kLossless}) {
        FrameLayout l;
        const auto cs = codec_for(uid).encode(im8.info, im8.frames[0].data(), im8.frames[0].size(), {}, l);
        PixelInfo wide = im8.info;
        wide.bits_allocated = 16;
        wide.bits_stored = 12;
        wide.high_bit = 11;
        const auto out = decode(codec_for(uid), wide, cs);
        for (size_t i = 0; i < im8.frames[0].size(); ++i) {
            ASSERT_EQ(out[2 * i], im8.frames[0][i]) << uid << " sample " << i;
            ASSERT_EQ(out[2 * i + 1], 0) << uid << " sample " << i;
        }
    }
}

// ---- HTJ2K decoding: in the calling process, with what OpenJPEG's HT decoder must not see refused ----

/// The parts of a single-tile-part codestream: header up to and with SOD, the packet data, EOC.
struct TilePart {
    size_t sot = 0, sod = 0, end = 0;  // SOT position, SOD position, end of the packet data
};
TilePart only_tile_part(const std::vector<uint8_t> &cs) {
    TilePart t;
    t.sot = find_main_header_marker(cs, 0xFF90);
    if (t.sot == std::string::npos) {  // find_main_header_marker stops at SOT: walk again
        size_t pos = 2;
        while (uint16_t(cs[pos] << 8 | cs[pos + 1]) != 0xFF90) pos += 2 + size_t(cs[pos + 2] << 8 | cs[pos + 3]);
        t.sot = pos;
    }
    size_t p = t.sot + 12;
    while (uint16_t(cs[p] << 8 | cs[p + 1]) != 0xFF93) p += 2 + size_t(cs[p + 2] << 8 | cs[p + 3]);
    t.sod = p;
    t.end = cs.size() - 2;  // before EOC
    return t;
}

void put_u16(std::vector<uint8_t> &v, size_t at, uint16_t x) { v[at] = uint8_t(x >> 8), v[at + 1] = uint8_t(x); }
void put_u32(std::vector<uint8_t> &v, size_t at, uint32_t x) {
    for (int b = 0; b < 4; ++b) v[at + size_t(b)] = uint8_t(x >> (24 - 8 * b));
}

/// The codestream with its one tile-part split in two at packet-data offset `at` (15444-1 A.4.2:
/// TPsot 0 and 1 of TNsot 2; the second tile-part header is SOT and SOD only).
std::vector<uint8_t> split_tile_part(const std::vector<uint8_t> &cs, size_t at) {
    const TilePart t = only_tile_part(cs);
    const size_t cut = t.sod + 2 + at;
    std::vector<uint8_t> out(cs.begin(), cs.begin() + std::ptrdiff_t(cut));
    put_u32(out, t.sot + 6, uint32_t(cut - t.sot));
    out[t.sot + 10] = 0, out[t.sot + 11] = 2;
    const size_t sot2 = out.size();
    out.insert(out.end(), {0xFF, 0x90, 0, 10, cs[t.sot + 4], cs[t.sot + 5], 0, 0, 0, 0, 1, 2, 0xFF, 0x93});
    out.insert(out.end(), cs.begin() + std::ptrdiff_t(cut), cs.begin() + std::ptrdiff_t(t.end));
    put_u32(out, sot2 + 6, uint32_t(out.size() - sot2));
    out.insert(out.end(), {0xFF, 0xD9});
    return out;
}

/// A 64x2 8-bit frame: OpenJPH codes it with no decomposition level (htj2k.cpp), i.e. as one
/// code-block whose cleanup segment ends the packet data (15444-15 7.1: Lcup bytes, the last two
/// holding Scup, the length of the MEL and VLC segments that end it).
struct OneBlock {
    dk_test::CodecInput im;
    std::vector<uint8_t> cs;
};
OneBlock one_code_block() {
    OneBlock b{dk_test::codec_input(dk_test::ImageSpec{"strip8", 2, 64, 1, 1, 8, 8, false, "MONOCHROME2", 0}), {}};
    FrameLayout l;
    b.cs = codec_for(kHtj2kLossless).encode(b.im.info, b.im.frames[0].data(), b.im.frames[0].size(), {}, l);
    return b;
}

/// Decodes `cs` expecting a dcmkit::Error of `code` whose message holds `text`.
void expect_refused(const std::vector<uint8_t> &cs, const PixelInfo &info, Errc code, const std::string &text,
                    const std::string &what) {
    std::vector<uint8_t> out(info.frame_bytes());
    try {
        codec_for(kHtj2kLossless).decode(info, cs.data(), cs.size(), out.data(), out.size());
        ADD_FAILURE() << what << ": decoded";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), code) << what << ": " << e.what();
        EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << what << ": " << e.what();
    }
}

std::atomic<int> g_forks{0};

TEST(Htj2kDecoding, DecodesInTheCallingProcess) {
    // fork() runs the pthread_atfork handlers: none may run while HTJ2K frames decode, valid or not.
    static bool registered = [] { return pthread_atfork([] { ++g_forks; }, nullptr, nullptr) == 0; }();
    ASSERT_TRUE(registered);
    const OneBlock b = one_code_block();
    const int before = g_forks.load();
    EXPECT_EQ(decode(codec_for(kHtj2kLossless), b.im.info, b.cs), b.im.frames[0]);
    auto cut = b.cs;
    cut.resize(cut.size() - 5);
    decode_any(codec_for(kHtj2kLossless), b.im.info, cut, "cut");
    EXPECT_EQ(g_forks.load(), before);
}

TEST(Htj2kDecoding, TilePartsSplitAnywhereElseDecode) {
    // OpenJPEG joins a tile's tile-parts: a packet may run across them (15444-1 A.4.2).
    const OneBlock b = one_code_block();
    const TilePart t = only_tile_part(b.cs);
    const size_t len = t.end - t.sod - 2;
    for (size_t at : {size_t(1), len / 3, len / 2, len - 1}) {
        const auto split = split_tile_part(b.cs, at);
        if (split[t.sod + 2 + at - 1] == 0xFF) continue;
        EXPECT_EQ(decode(codec_for(kHtj2kLossless), b.im.info, split), b.im.frames[0]) << "split at " << at;
    }
}

TEST(Htj2kDecoding, MarkerCodeStartingTheMelSegmentIsRefused) {
    // Scup set to 4 puts the MEL segment 4 bytes before the end of the cleanup segment; 0xFF 0x90
    // there is what OpenJPEG 2.5.0's mel_init asserts against (an abort of the process).
    const OneBlock b = one_code_block();
    const TilePart t = only_tile_part(b.cs);
    ASSERT_GT(t.end - t.sod, 16u);
    auto bad = b.cs;
    const size_t e = t.end;
    bad[e - 1] = 0;
    bad[e - 2] = uint8_t((bad[e - 2] & 0xF0) | 4);
    bad[e - 4] = 0xFF;
    bad[e - 3] = 0x90;
    expect_refused(bad, b.im.info, Errc::malformed, "marker code inside packet data", "in one tile-part");
    // The same bytes with the tile-part split between 0xFF and 0x90: each body is clean, but the
    // tile's data (its bodies joined, as decoders read them) holds the marker code.
    const auto split = split_tile_part(bad, e - 3 - (t.sod + 2));
    expect_refused(split, b.im.info, Errc::malformed, "marker code", "split between the two bytes");
}

TEST(Htj2kDecoding, SopAndEphMarkersAreTakenOutBeforeDecoding) {
    // SOP before the packet, EPH after its header (15444-1 A.8.1, A.8.2), both allowed by Scod:
    // the same samples; and a marker code left in the code-block data is still refused.
    const OneBlock b = one_code_block();
    const TilePart t = only_tile_part(b.cs);
    const size_t cod = find_main_header_marker(b.cs, 0xFF52), body = t.sod + 2;
    ASSERT_NE(cod, std::string::npos);
    const auto [header, length] = dk_test::one_block_packet_header(&b.cs[body]);
    ASSERT_EQ(header + length, t.end - body) << "one packet of one code-block";
    std::vector<uint8_t> marked(b.cs.begin(), b.cs.begin() + std::ptrdiff_t(body));
    marked[cod + 4] |= 6;
    marked.insert(marked.end(), {0xFF, 0x91, 0x00, 0x04, 0x00, 0x00});
    marked.insert(marked.end(), b.cs.begin() + std::ptrdiff_t(body), b.cs.begin() + std::ptrdiff_t(body + header));
    marked.insert(marked.end(), {0xFF, 0x92});
    marked.insert(marked.end(), b.cs.begin() + std::ptrdiff_t(body + header), b.cs.end());
    put_u32(marked, t.sot + 6, uint32_t(marked.size() - 2 - t.sot));
    EXPECT_EQ(decode(codec_for(kHtj2kLossless), b.im.info, marked), b.im.frames[0]);
    // Scod alone, no marker in the packets: OpenJPEG reads on (A.8.1: SOP "may" be used).
    auto announced = b.cs;
    announced[cod + 4] |= 6;
    EXPECT_EQ(decode(codec_for(kHtj2kLossless), b.im.info, announced), b.im.frames[0]);
    // The crafted MEL start of MarkerCodeStartingTheMelSegmentIsRefused behind an SOP.
    auto bad = marked;
    const size_t e = bad.size() - 2;
    bad[e - 1] = 0;
    bad[e - 2] = uint8_t((bad[e - 2] & 0xF0) | 4);
    bad[e - 4] = 0xFF;
    bad[e - 3] = 0x90;
    expect_refused(bad, b.im.info, Errc::malformed, "marker code inside packet data", "SOP, EPH and a marker code");
    // An SOP whose length is not 4 is no SOP: a marker code in the packet data.
    auto odd = marked;
    odd[body + 3] = 5;
    expect_refused(odd, b.im.info, Errc::malformed, "marker code inside packet data", "Lsop 5");
}

TEST(Htj2kDecoding, MoreThanOneQualityLayerIsUnsupported) {
    // A code-block's data may then come from several packets, joined where the check cannot see.
    const OneBlock b = one_code_block();
    const size_t cod = find_main_header_marker(b.cs, 0xFF52);
    ASSERT_NE(cod, std::string::npos);
    auto layers = b.cs;
    put_u16(layers, cod + 6, 2);
    expect_refused(layers, b.im.info, Errc::unsupported, "2 quality layers", "two layers");
    // A COD in the tile-part header counts as much as the main header's.
    const TilePart t = only_tile_part(b.cs);
    std::vector<uint8_t> tile_cod(b.cs.begin(), b.cs.begin() + std::ptrdiff_t(t.sod));
    const size_t lcod = size_t(b.cs[cod + 2] << 8 | b.cs[cod + 3]);
    tile_cod.insert(tile_cod.end(), b.cs.begin() + std::ptrdiff_t(cod), b.cs.begin() + std::ptrdiff_t(cod + 2 + lcod));
    put_u16(tile_cod, t.sod + 6, 3);
    tile_cod.insert(tile_cod.end(), b.cs.begin() + std::ptrdiff_t(t.sod), b.cs.end());
    put_u32(tile_cod, t.sot + 6, uint32_t(tile_cod.size() - 2 - t.sot));
    expect_refused(tile_cod, b.im.info, Errc::unsupported, "3 quality layers", "tile-part COD");
}

TEST(Htj2kDecoding, HeadersAreWalkedAsOpenJpegReadsThem) {
    const OneBlock b = one_code_block();
    const TilePart t = only_tile_part(b.cs);
    // An unknown marker segment (FF6F) in the main header: OpenJPEG would search on from it for a
    // marker it knows instead of skipping its length.
    auto unknown = b.cs;
    unknown.insert(unknown.begin() + std::ptrdiff_t(t.sot), {0xFF, 0x6F, 0x00, 0x04, 0xFF, 0x93});
    expect_refused(unknown, b.im.info, Errc::malformed, "unknown marker FF6F", "unknown marker");
    // A tile-part length that ends before SOD (after a COM marker segment of the tile-part
    // header), or inside that COM.
    auto short_psot = b.cs;
    short_psot.insert(short_psot.begin() + std::ptrdiff_t(t.sod), {0xFF, 0x64, 0x00, 0x06, 0x00, 0x01, 'a', 'b'});
    put_u32(short_psot, t.sot + 6, uint32_t(t.sod + 8 - t.sot));
    expect_refused(short_psot, b.im.info, Errc::malformed, "no SOD", "Psot short of SOD");
    put_u32(short_psot, t.sot + 6, uint32_t(t.sod + 5 - t.sot));
    expect_refused(short_psot, b.im.info, Errc::malformed, "runs past its header", "Psot inside COM");
    // A tile-part not followed by SOT or EOC.
    auto trailing = b.cs;
    trailing.insert(trailing.end() - 2, {0x12, 0x34});
    put_u32(trailing, t.sot + 6, uint32_t(t.end - t.sot));
    expect_refused(trailing, b.im.info, Errc::malformed, "not followed by SOT or EOC", "bytes after the tile-part");
}

}  // namespace
