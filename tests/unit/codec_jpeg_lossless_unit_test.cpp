// JPEG Lossless Process 14 (.57 / .70) and the sequential DCT decoder without peer tools, for the
// sanitized build: our encoder's output decoded back for every selection value, precision 2..16,
// one and three components, point transforms and signed data; streams assembled from our scans to
// cover restart intervals and one scan per component; every truncation and many corruptions of
// lossless and DCT streams, which must give dcmkit::Error and never touch memory out of bounds.
// The two DCT streams below were made by DCMTK's dcmcjpeg (+ee +q 75 on a 12-bit image of 24 rows and
// 20 columns, +eb +q 75 on an RGB image of 18 rows and 21 columns); the hashes are of dcmdjpeg's
// decompression of them.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "../../core/codecs/src/codecs.h"
#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/pixel.h"

using namespace dcmkit;

namespace {

constexpr const char *kLossless = "1.2.840.10008.1.2.4.57";
constexpr const char *kLosslessSv1 = "1.2.840.10008.1.2.4.70";

PixelInfo make_info(uint32_t rows, uint32_t cols, uint32_t spp, uint32_t bits_allocated, uint32_t bits_stored, bool is_signed) {
    PixelInfo info;
    info.rows = rows;
    info.columns = cols;
    info.samples_per_pixel = spp;
    info.bits_allocated = bits_allocated;
    info.bits_stored = bits_stored;
    info.high_bit = bits_stored - 1;
    info.pixel_representation = is_signed ? 1 : 0;
    info.photometric_interpretation = spp == 3 ? "RGB" : "MONOCHROME2";
    return info;
}

/// A frame of smooth content with noise, the extreme values, and a stretch alternating between the
/// lowest value and half the range above it (differences of 2^15 at 16 bits: category 16), as native
/// little-endian samples; signed samples are sign-extended to Bits Allocated as a dataset holds them.
std::vector<uint8_t> make_frame(const PixelInfo &info, uint32_t seed) {
    std::mt19937 rng(seed);
    const uint32_t bs = info.bits_stored, bps = info.bits_allocated / 8;
    const int64_t range = int64_t(1) << bs;
    const int64_t lo = info.pixel_representation ? -range / 2 : 0, hi = lo + range - 1;
    std::vector<uint8_t> out(info.frame_bytes());
    const size_t n = size_t(info.rows) * info.columns * info.samples_per_pixel;
    for (size_t i = 0; i < n; ++i) {
        const size_t p = i / info.samples_per_pixel, r = p / info.columns, c = p % info.columns;
        int64_t v = lo + int64_t((double(r + c) / double(info.rows + info.columns)) * double(range - 1)) + int64_t(rng() % 7) - 3;
        if (r == 1 && c < 8) v = (c % 2) ? lo + range / 2 : lo;
        if (i == 0) v = lo;
        if (i == 1) v = hi;
        v = std::clamp(v, lo, hi);
        for (uint32_t b = 0; b < bps; ++b) out[i * bps + b] = uint8_t(uint64_t(v) >> (8 * b));
    }
    return out;
}

std::vector<uint8_t> decode(const char *ts, const PixelInfo &info, const std::vector<uint8_t> &bits) {
    std::vector<uint8_t> out(info.frame_bytes());
    const FrameLayout fl = find_codec(ts)->decode(info, bits.data(), bits.size(), out.data(), out.size());
    EXPECT_TRUE(fl.photometric.empty());
    return out;
}

std::vector<uint8_t> encode(const char *ts, const PixelInfo &info, const std::vector<uint8_t> &frame, int predictor,
                            int pt = 0) {
    EncodeOptions options;
    options.predictor = predictor;
    options.point_transform = pt;
    FrameLayout fl;
    std::string why;
    EXPECT_TRUE(find_codec(ts)->can_encode(info, options, &why)) << why;
    std::vector<uint8_t> bits = find_codec(ts)->encode(info, frame.data(), frame.size(), options, fl);
    EXPECT_EQ(fl.lossy, pt > 0);
    EXPECT_EQ(fl.lossy_method, pt > 0 ? "ISO_10918_1" : "");
    return bits;
}

/// Runs `decode` on every cut of `bits` short of its end (all must throw Error truncated or
/// malformed) and on copies with one byte changed (which must decode or throw Error).
template <typename F>
void expect_robust(const std::vector<uint8_t> &bits, size_t data_end, F &&decode_fn) {
    for (size_t n = 0; n < data_end; n += (n < 64 || data_end < 2000) ? 1 : 7) {
        std::vector<uint8_t> cut(bits.begin(), bits.begin() + std::ptrdiff_t(n));
        try {
            decode_fn(cut);
            ADD_FAILURE() << "cut to " << n << " of " << bits.size() << " bytes decoded";
        } catch (const Error &e) {
            EXPECT_TRUE(e.code() == Errc::truncated || e.code() == Errc::malformed) << "cut at " << n << ": " << e.what();
        }
    }
    for (size_t i = 0; i < bits.size(); ++i) {
        for (uint8_t x : {uint8_t(0xFF), uint8_t(0x80), uint8_t(0x01), uint8_t(0x3C)}) {
            std::vector<uint8_t> bad(bits);
            bad[i] ^= x;
            try {
                decode_fn(bad);
            } catch (const Error &) {
            }
        }
    }
}

/// The end of the entropy-coded data: where EOI (and any fill bytes before it) starts.
size_t data_end(const std::vector<uint8_t> &bits) {
    size_t e = bits.size() - 2;
    while (e > 0 && !(bits[e] == 0xFF && bits[e + 1] == 0xD9)) --e;
    while (e > 0 && bits[e - 1] == 0xFF) --e;
    return e;
}

/// A marker segment's position in our encoder's output (the first of that marker).
size_t find_marker(const std::vector<uint8_t> &bits, uint8_t m) {
    for (size_t i = 2; i + 1 < bits.size(); ++i)
        if (bits[i] == 0xFF && bits[i + 1] == m) return i;
    ADD_FAILURE() << "no marker " << int(m);
    return 0;
}
/// A whole marker segment (marker, length and contents) starting at `at`.
std::vector<uint8_t> segment(const std::vector<uint8_t> &bits, size_t at) {
    const size_t len = size_t(bits[at + 2]) << 8 | bits[at + 3];
    return {bits.begin() + std::ptrdiff_t(at), bits.begin() + std::ptrdiff_t(at + 2 + len)};
}
void append(std::vector<uint8_t> &out, const std::vector<uint8_t> &more) { out.insert(out.end(), more.begin(), more.end()); }

TEST(JpegLossless, RoundTripsEveryPredictorPrecisionAndLayout) {
    ASSERT_NE(find_codec(kLossless), nullptr);
    ASSERT_NE(find_codec(kLosslessSv1), nullptr);
    uint32_t seed = 1;
    for (uint32_t spp : {1u, 3u}) {
        for (uint32_t bs : {2u, 5u, 8u, 10u, 12u, 15u, 16u}) {
            for (bool is_signed : {false, true}) {
                const uint32_t ba = bs <= 8 && !(is_signed && bs < 8) ? 8 : 16;
                const PixelInfo info = make_info(13 + spp, 29, spp, ba, bs, is_signed);
                const std::vector<uint8_t> frame = make_frame(info, seed++);
                for (int sv = 0; sv <= 7; ++sv) {
                    const char *ts = sv ? kLossless : kLosslessSv1;
                    const std::vector<uint8_t> bits = encode(ts, info, frame, sv ? sv : 5);  // .70 ignores the predictor
                    EXPECT_EQ(bits[find_marker(bits, 0xDA) + 5 + 2 * spp], sv ? sv : 1) << "selection value in SOS";
                    EXPECT_EQ(decode(ts, info, bits), frame) << "spp " << spp << " bits " << bs << (is_signed ? " signed" : "")
                                                             << " sv " << sv;
                }
            }
        }
    }
}

TEST(JpegLossless, PointTransformKeepsTheHighBits) {
    const PixelInfo info = make_info(20, 17, 1, 16, 14, false);
    const std::vector<uint8_t> frame = make_frame(info, 7);
    for (int pt : {1, 3, 13}) {
        const std::vector<uint8_t> out = decode(kLossless, info, encode(kLossless, info, frame, 4, pt));
        for (size_t i = 0; i < out.size(); i += 2) {
            const uint32_t want = ((frame[i] | frame[i + 1] << 8) >> pt) << pt;
            ASSERT_EQ(uint32_t(out[i] | out[i + 1] << 8), want) << "pt " << pt << " sample " << i / 2;
        }
    }
}

TEST(JpegLossless, SignedSamplesAreMaskedAndSignExtended) {
    // 12 of 16 bits, signed: the encoder takes the 12-bit pattern, the decoder extends bit 11.
    const PixelInfo info = make_info(4, 6, 1, 16, 12, true);
    std::vector<uint8_t> frame = make_frame(info, 3);
    const std::vector<uint8_t> want = frame;
    frame[1] = uint8_t((frame[1] & 0x0F) | 0x50);  // garbage above Bits Stored is ignored
    EXPECT_EQ(decode(kLossless, info, encode(kLossless, info, frame, 1)), want);
}

TEST(JpegLossless, RestartIntervalsAndOneScanPerComponent) {
    // Restart intervals: a band of rows coded alone is exactly what a restart interval holds (its
    // first row predicted as the first row of a scan, H.1.2.1), so a frame of three equal bands is
    // SOF3 with three times the rows, DRI and our band's data three times, separated by RST0, RST1.
    const PixelInfo band = make_info(5, 23, 1, 16, 16, false);
    const std::vector<uint8_t> band_frame = make_frame(band, 11);
    const std::vector<uint8_t> bits = encode(kLossless, band, band_frame, 6);
    const size_t sof = find_marker(bits, 0xC3), sos = find_marker(bits, 0xDA);
    const std::vector<uint8_t> sos_seg = segment(bits, sos);
    const std::vector<uint8_t> data(bits.begin() + std::ptrdiff_t(sos + sos_seg.size()), bits.end() - 2);
    std::vector<uint8_t> sof_seg = segment(bits, sof);
    sof_seg[5] = 0;  // Y: 3 x 5 rows
    sof_seg[6] = 15;
    std::vector<uint8_t> stream = {0xFF, 0xD8, 0xFF, 0xDD, 0x00, 0x04, 0x00, uint8_t(5 * 23)};
    append(stream, sof_seg);
    append(stream, segment(bits, find_marker(bits, 0xC4)));
    append(stream, sos_seg);
    for (int i = 0; i < 3; ++i) {
        if (i) append(stream, {0xFF, uint8_t(0xD0 + i - 1)});
        append(stream, data);
    }
    append(stream, {0xFF, 0xD9});
    PixelInfo tall = band;
    tall.rows = 15;
    std::vector<uint8_t> want;
    for (int i = 0; i < 3; ++i) append(want, band_frame);
    EXPECT_EQ(decode(kLossless, tall, stream), want);
    // A wrong restart marker number is malformed; a missing one truncated or malformed.
    std::vector<uint8_t> wrong = stream;
    for (size_t i = 0; i + 1 < wrong.size(); ++i)
        if (wrong[i] == 0xFF && wrong[i + 1] == 0xD1) wrong[i + 1] = 0xD3;
    try {
        decode(kLossless, tall, wrong);
        ADD_FAILURE() << "wrong RSTn decoded";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::malformed) << e.what();
    }
    expect_robust(stream, data_end(stream), [&](const std::vector<uint8_t> &b) { decode(kLossless, tall, b); });

    // One scan per component: SOF3 of three components, then each component's table and scan as
    // our encoder wrote them for that component alone (component identifier changed to 1, 2, 3).
    const PixelInfo rgb = make_info(9, 21, 3, 8, 8, false);
    const std::vector<uint8_t> rgb_frame = make_frame(rgb, 5);
    const std::vector<uint8_t> rgb_bits = encode(kLossless, rgb, rgb_frame, 7);
    std::vector<uint8_t> planar = {0xFF, 0xD8};
    append(planar, segment(rgb_bits, find_marker(rgb_bits, 0xC3)));
    const PixelInfo mono = make_info(9, 21, 1, 8, 8, false);
    for (uint8_t k = 0; k < 3; ++k) {
        std::vector<uint8_t> plane(size_t(9) * 21);
        for (size_t i = 0; i < plane.size(); ++i) plane[i] = rgb_frame[i * 3 + k];
        const std::vector<uint8_t> one = encode(kLossless, mono, plane, 2 + k);
        append(planar, segment(one, find_marker(one, 0xC4)));
        const size_t at = find_marker(one, 0xDA);
        std::vector<uint8_t> scan(one.begin() + std::ptrdiff_t(at), one.end() - 2);
        scan[5] = uint8_t(k + 1);
        append(planar, scan);
    }
    append(planar, {0xFF, 0xD9});
    EXPECT_EQ(decode(kLossless, rgb, planar), rgb_frame);
}

TEST(JpegLossless, TruncatedCorruptAndMismatchedInputGiveErrors) {
    for (uint32_t spp : {1u, 3u}) {
        const PixelInfo info = make_info(11, 19, spp, 16, 16, false);
        const std::vector<uint8_t> bits = encode(kLossless, info, make_frame(info, 9), 4);
        expect_robust(bits, data_end(bits), [&](const std::vector<uint8_t> &b) { decode(kLossless, info, b); });

        auto expect_error = [&](PixelInfo i, const std::vector<uint8_t> &b, Errc code, const char *what) {
            std::vector<uint8_t> out(i.frame_bytes());
            try {
                find_codec(kLossless)->decode(i, b.data(), b.size(), out.data(), out.size());
                ADD_FAILURE() << what << " decoded";
            } catch (const Error &e) {
                EXPECT_EQ(e.code(), code) << what << ": " << e.what();
            }
        };
        PixelInfo wrong = info;
        wrong.rows = 10;
        expect_error(wrong, bits, Errc::bad_value, "fewer rows than the SOF");
        wrong = info;
        wrong.columns = 20;
        expect_error(wrong, bits, Errc::bad_value, "more columns than the SOF");
        wrong = info;
        wrong.samples_per_pixel = 4 - spp;
        expect_error(wrong, bits, Errc::bad_value, "other samples per pixel");
        wrong = info;
        wrong.bits_allocated = 8;
        wrong.bits_stored = 8;
        expect_error(wrong, bits, Errc::bad_value, "precision above Bits Allocated");
        std::vector<uint8_t> bad = bits;
        bad[find_marker(bits, 0xC3) + 1] = 0xC0;
        expect_error(info, bad, Errc::unsupported, "SOF0");
        bad = bits;
        bad[find_marker(bits, 0xDA) + 5 + 2 * spp] = 0;
        expect_error(info, bad, Errc::malformed, "selection value 0");
        bad = bits;
        bad[find_marker(bits, 0xC4) + 5] = 3;  // three codes of one bit cannot exist
        expect_error(info, bad, Errc::malformed, "over-full Huffman table");

        std::vector<uint8_t> out(info.frame_bytes() + 1);
        EXPECT_THROW(find_codec(kLossless)->decode(info, bits.data(), bits.size(), out.data(), out.size()), Error);
    }
}

TEST(JpegLossless, CannotEncodeWhatTheProcessCannotHold) {
    const Codec *codec = find_codec(kLossless);
    std::string why;
    EncodeOptions options;
    EXPECT_FALSE(codec->can_encode(make_info(4, 4, 1, 32, 32, false), options, &why));
    EXPECT_FALSE(codec->can_encode(make_info(4, 4, 4, 8, 8, false), options, &why));
    options.predictor = 8;
    EXPECT_FALSE(codec->can_encode(make_info(4, 4, 1, 8, 8, false), options, &why));
    EXPECT_TRUE(find_codec(kLosslessSv1)->can_encode(make_info(4, 4, 1, 8, 8, false), options, &why));
    options.predictor = 1;
    options.point_transform = 8;
    EXPECT_FALSE(codec->can_encode(make_info(4, 4, 1, 8, 8, false), options, &why));
    FrameLayout fl;
    std::vector<uint8_t> frame(16);
    EXPECT_THROW(codec->encode(make_info(4, 4, 1, 8, 8, false), frame.data(), frame.size(), options, fl), Error);
}

// ---- sequential DCT (jpeg_dct_decode) ---------------------------------------------------------------

const std::vector<uint8_t> kDct12 = {
    0xFF,0xD8,0xFF,0xE0,0x00,0x10,0x4A,0x46,0x49,0x46,0x00,0x01,0x01,0x00,0x00,0x01,
    0x00,0x01,0x00,0x00,0xFF,0xDB,0x00,0x43,0x00,0x08,0x06,0x06,0x07,0x06,0x05,0x08,
    0x07,0x07,0x07,0x09,0x09,0x08,0x0A,0x0C,0x14,0x0D,0x0C,0x0B,0x0B,0x0C,0x19,0x12,
    0x13,0x0F,0x14,0x1D,0x1A,0x1F,0x1E,0x1D,0x1A,0x1C,0x1C,0x20,0x24,0x2E,0x27,0x20,
    0x22,0x2C,0x23,0x1C,0x1C,0x28,0x37,0x29,0x2C,0x30,0x31,0x34,0x34,0x34,0x1F,0x27,
    0x39,0x3D,0x38,0x32,0x3C,0x2E,0x33,0x34,0x32,0xFF,0xC1,0x00,0x0B,0x0C,0x00,0x18,
    0x00,0x14,0x01,0x01,0x11,0x00,0xFF,0xC4,0x00,0x16,0x00,0x00,0x03,0x00,0x00,0x00,
    0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x09,0x0A,0x0B,0xFF,0xC4,
    0x00,0x25,0x10,0x00,0x01,0x04,0x02,0x02,0x02,0x02,0x02,0x03,0x00,0x00,0x00,0x00,
    0x00,0x00,0x00,0x02,0x01,0x03,0x04,0x05,0x06,0x07,0x08,0x11,0x00,0x09,0x12,0x13,
    0x0A,0x21,0x18,0xB1,0xF1,0xFF,0xDA,0x00,0x08,0x01,0x01,0x00,0x00,0x3F,0x00,0x92,
    0x7F,0x26,0x83,0x6B,0xEF,0xAC,0xAB,0x4F,0x69,0xFC,0xD7,0x61,0x66,0x9B,0x23,0x2A,
    0xAE,0xC5,0xF1,0x6C,0x15,0x8B,0x5C,0xB2,0xF6,0x55,0xC4,0xE8,0xB4,0x14,0x14,0xF0,
    0xA8,0xA8,0xAA,0x5B,0x7A,0x49,0x9B,0x81,0x06,0xBA,0xA2,0xB6,0xBA,0xB6,0x1C,0x64,
    0x54,0x6A,0x2C,0x38,0x31,0xA3,0xB2,0x2D,0xB2,0xCB,0x60,0x2E,0xDD,0xC6,0xBF,0x51,
    0x9B,0xB7,0xD7,0xEF,0xA7,0x7C,0x6A,0xFE,0x5E,0xB4,0x7A,0xB9,0xFB,0x8A,0xD1,0x91,
    0x36,0x28,0xBA,0xD2,0xD8,0x43,0x8E,0xAD,0xB4,0x48,0xFB,0xD1,0xD1,0x7E,0xC1,0x15,
    0xFB,0x4B,0xB1,0xE9,0x4D,0xBF,0xA5,0xD5,0x74,0x5B,0x11,0x45,0x53,0x07,0xEB,0x17,
    0xD3,0x1B,0xDB,0x13,0x85,0x38,0xF6,0x5F,0x7D,0x44,0xA7,0x3A,0xDE,0x6B,0xF2,0x88,
    0x9C,0x6F,0xF6,0xA8,0x42,0xDF,0x5E,0x25,0x5F,0xE3,0x93,0xC3,0xAF,0xE5,0x5F,0xBA,
    0x3D,0x6D,0xB6,0x72,0xC6,0x98,0x67,0x11,0xC6,0x33,0x8A,0xA9,0x8F,0xCD,0x9A,0x48,
    0xDC,0x78,0xEC,0xB5,0x35,0xA2,0x27,0x0C,0xCB,0xA1,0x11,0x11,0x15,0x55,0x55,0x5E,
    0x91,0x13,0xB5,0xF2,0xA0,0xF4,0xDA,0x30,0x39,0x0F,0xCD,0x0C,0x2F,0x57,0x40,0x46,
    0x23,0xE2,0xD8,0xE9,0xB6,0x73,0xDF,0x74,0xD1,0xB6,0x23,0xB2,0xD7,0xEC,0xCD,0xC2,
    0x5E,0x84,0x44,0x45,0x15,0x55,0x57,0xA4,0x44,0x45,0x55,0xF0,0xA1,0xE9,0x8D,0x47,
    0x87,0xF1,0xB3,0x4B,0x61,0xDA,0xCD,0x22,0x47,0x64,0xAB,0x6A,0xD9,0x23,0x0F,0x8A,
    0x27,0x44,0xA9,0xFB,0xFE,0xBC,0x9E,0xE7,0xA3,0x4E,0x12,0xC2,0xE2,0x1F,0xAF,0x29,
    0x3B,0x36,0xEE,0xB4,0x63,0xDE,0xDD,0x44,0xFB,0x1B,0x37,0x03,0xA3,0x55,0x24,0xF1,
    0xAE,0x3F,0x1A,0xAE,0x2F,0x6C,0xCD,0x95,0x79,0x90,0x6D,0xED,0x85,0x96,0xE5,0x73,
    0xB0,0xF8,0xA0,0x09,0x1A,0xAE,0x7D,0xB4,0x87,0x21,0x0B,0x4C,0xA8,0x93,0x40,0x8C,
    0x91,0xA8,0x7C,0x41,0x40,0x14,0x53,0xAE,0x87,0xE2,0x3D,0x75,0xD2,0x78,0x5F,0x36,
    0x86,0x2D,0x94,0xEC,0xED,0x91,0x77,0x7B,0x47,0x19,0xE7,0x2B,0xDA,0x90,0xB1,0x1A,
    0x56,0xC5,0x55,0x3A,0x0F,0xF7,0xCF,0xFF,0xFF,0xD9,
};
const std::vector<uint8_t> kDctRgb422 = {
    0xFF,0xD8,0xFF,0xE0,0x00,0x10,0x4A,0x46,0x49,0x46,0x00,0x01,0x01,0x00,0x00,0x01,
    0x00,0x01,0x00,0x00,0xFF,0xDB,0x00,0x43,0x00,0x08,0x06,0x06,0x07,0x06,0x05,0x08,
    0x07,0x07,0x07,0x09,0x09,0x08,0x0A,0x0C,0x14,0x0D,0x0C,0x0B,0x0B,0x0C,0x19,0x12,
    0x13,0x0F,0x14,0x1D,0x1A,0x1F,0x1E,0x1D,0x1A,0x1C,0x1C,0x20,0x24,0x2E,0x27,0x20,
    0x22,0x2C,0x23,0x1C,0x1C,0x28,0x37,0x29,0x2C,0x30,0x31,0x34,0x34,0x34,0x1F,0x27,
    0x39,0x3D,0x38,0x32,0x3C,0x2E,0x33,0x34,0x32,0xFF,0xDB,0x00,0x43,0x01,0x09,0x09,
    0x09,0x0C,0x0B,0x0C,0x18,0x0D,0x0D,0x18,0x32,0x21,0x1C,0x21,0x32,0x32,0x32,0x32,
    0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,
    0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,
    0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0x32,0xFF,0xC0,
    0x00,0x11,0x08,0x00,0x12,0x00,0x15,0x03,0x01,0x21,0x00,0x02,0x11,0x01,0x03,0x11,
    0x01,0xFF,0xC4,0x00,0x18,0x00,0x01,0x01,0x00,0x03,0x00,0x00,0x00,0x00,0x00,0x00,
    0x00,0x00,0x00,0x00,0x00,0x00,0x06,0x00,0x04,0x05,0x07,0xFF,0xC4,0x00,0x24,0x10,
    0x00,0x02,0x01,0x02,0x05,0x05,0x01,0x01,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,
    0x01,0x02,0x03,0x00,0x04,0x05,0x11,0x12,0x21,0x31,0x13,0x14,0x51,0x61,0x91,0x06,
    0x41,0xFF,0xC4,0x00,0x17,0x01,0x01,0x01,0x01,0x01,0x00,0x00,0x00,0x00,0x00,0x00,
    0x00,0x00,0x00,0x00,0x00,0x00,0x04,0x02,0x01,0x03,0xFF,0xC4,0x00,0x23,0x11,0x00,
    0x02,0x02,0x01,0x02,0x06,0x03,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x01,
    0x02,0x00,0x03,0x12,0x11,0x41,0x04,0x13,0x21,0x32,0x42,0x71,0x43,0x51,0x81,0xFF,
    0xDA,0x00,0x0C,0x03,0x01,0x00,0x02,0x11,0x03,0x11,0x00,0x3F,0x00,0xE4,0xB6,0x56,
    0xB3,0xE2,0x57,0x88,0xD2,0xB4,0x92,0x90,0xAB,0x1A,0x96,0x25,0x8E,0x95,0x01,0x55,
    0x47,0xA0,0x00,0x00,0x7F,0x00,0x02,0x9D,0x5B,0xFE,0x76,0x46,0x55,0x8D,0x24,0x5D,
    0x5E,0x32,0xDB,0xED,0x6E,0x3A,0xB2,0x27,0xD7,0x53,0x2B,0x51,0xCC,0x66,0xD9,0x44,
    0xDF,0x5A,0x61,0xA2,0xDA,0x1E,0x9B,0xAE,0x4C,0x36,0x23,0xDD,0x54,0x5B,0x1D,0x99,
    0xC9,0x12,0x2B,0xE1,0xB3,0x50,0xC7,0x78,0x47,0x09,0xB2,0xEC,0xE3,0x49,0x02,0x8D,
    0x60,0x82,0x33,0xA7,0xB8,0x2C,0x88,0x57,0xAC,0xF0,0xB6,0xBF,0x19,0xED,0xF6,0x93,
    0x97,0x7D,0x9F,0x82,0x4F,0x5E,0x50,0x1B,0xB1,0x99,0xC2,0xD5,0xEE,0x5D,0xE4,0xD3,
    0xC9,0xCF,0x6A,0xA9,0x15,0x52,0xA1,0x06,0xB3,0xBB,0x71,0x02,0xB3,0x80,0xDA,0x0A,
    0x8C,0x0C,0xD3,0x6A,0x61,0x60,0x00,0xB4,0x5C,0x80,0xE2,0x87,0xF0,0x8F,0x72,0x7C,
    0xEB,0xF5,0x11,0x61,0x8A,0x3B,0x6E,0x07,0x35,0x52,0x6C,0x27,0x23,0x01,0x6F,0x79,
    0x9F,0xFF,0xFF,0xD9,
};

uint64_t fnv1a(const std::vector<uint8_t> &b) {
    uint64_t h = 1469598103934665603ull;
    for (uint8_t c : b) h = (h ^ c) * 1099511628211ull;
    return h;
}

TEST(JpegDct, DecodesAsDcmdjpegDoes) {
    const PixelInfo m12 = make_info(24, 20, 1, 16, 12, false);
    std::vector<uint8_t> out(m12.frame_bytes());
    EXPECT_TRUE(codecs::jpeg_dct_decode(m12, kDct12.data(), kDct12.size(), out.data(), out.size()).photometric.empty());
    EXPECT_EQ(fnv1a(out), 0x55e6905164344a61ull);

    PixelInfo rgb = make_info(18, 21, 3, 8, 8, false);
    rgb.photometric_interpretation = "YBR_FULL_422";
    out.assign(rgb.frame_bytes(), 0);
    EXPECT_EQ(codecs::jpeg_dct_decode(rgb, kDctRgb422.data(), kDctRgb422.size(), out.data(), out.size()).photometric, "RGB");
    EXPECT_EQ(fnv1a(out), 0x43d0c43acfcd0b2full);
}

TEST(JpegDct, TruncatedCorruptAndMismatchedInputGiveErrors) {
    const PixelInfo m12 = make_info(24, 20, 1, 16, 12, false);
    PixelInfo rgb = make_info(18, 21, 3, 8, 8, false);
    rgb.photometric_interpretation = "YBR_FULL_422";
    for (const auto &[info, bits] : {std::make_pair(m12, kDct12), std::make_pair(rgb, kDctRgb422)}) {
        std::vector<uint8_t> out(info.frame_bytes());
        expect_robust(bits, data_end(bits), [&, &i = info](const std::vector<uint8_t> &b) {
            codecs::jpeg_dct_decode(i, b.data(), b.size(), out.data(), out.size());
        });
        PixelInfo wrong = info;
        wrong.rows += 8;
        std::vector<uint8_t> big(wrong.frame_bytes());
        try {
            codecs::jpeg_dct_decode(wrong, bits.data(), bits.size(), big.data(), big.size());
            ADD_FAILURE() << "size mismatch decoded";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::bad_value) << e.what();
        }
        std::vector<uint8_t> progressive = bits;
        progressive[find_marker(bits, info.bits_allocated == 8 ? 0xC0 : 0xC1) + 1] = 0xC2;
        try {
            codecs::jpeg_dct_decode(info, progressive.data(), progressive.size(), out.data(), out.size());
            ADD_FAILURE() << "progressive decoded";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::unsupported) << e.what();
        }
    }
}

}  // namespace

TEST(JpegLossless, UnusedSosFieldsAndAMissingEoiDecodeWithAWarning) {
    // T.81 H.1.1: in a lossless scan Ss is the predictor and Al the point transform; Se and Ah are
    // unused and shall be 0. gdcmconv decodes a scan with them set (with a warning): so do we, to
    // the frame that was coded. A predictor outside 1..7 stays an error, as in DCMTK and GDCM.
    const PixelInfo info = make_info(21, 17, 1, 16, 12, false);
    const std::vector<uint8_t> frame = make_frame(info, 7);
    const std::vector<uint8_t> bits = encode(kLossless, info, frame, 4);
    const size_t sos = find_marker(bits, 0xDA);
    const size_t fields = sos + 5 + 2 * size_t(bits[sos + 4]);  // Ss, Se, Ah/Al
    ASSERT_EQ(bits[fields], 4);
    struct Case {
        uint8_t se, ahal;
    };
    for (const Case c : {Case{1, 0x00}, Case{63, 0x00}, Case{0, 0x10}, Case{7, 0x30}}) {
        std::vector<uint8_t> odd(bits);
        odd[fields + 1] = c.se;
        odd[fields + 2] = c.ahal;
        std::vector<uint8_t> out(info.frame_bytes());
        const FrameLayout fl = find_codec(kLossless)->decode(info, odd.data(), odd.size(), out.data(), out.size());
        EXPECT_EQ(out, frame) << "Se " << int(c.se) << " Ah/Al " << int(c.ahal);
        ASSERT_EQ(fl.warnings.size(), 1u);
        EXPECT_NE(fl.warnings[0].find("invalid SOS parameters for lossless JPEG (Se " + std::to_string(c.se)), std::string::npos)
            << fl.warnings[0];
    }
    for (uint8_t ss : {0, 8}) {
        std::vector<uint8_t> odd(bits);
        odd[fields] = ss;
        try {
            decode(kLossless, info, odd);
            ADD_FAILURE() << "predictor " << int(ss) << " decoded";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::malformed) << e.what();
        }
    }
    // The frame without its EOI marker: every scan is there, so it decodes, with a warning.
    const std::vector<uint8_t> no_eoi(bits.begin(), bits.begin() + std::ptrdiff_t(data_end(bits)));
    std::vector<uint8_t> out(info.frame_bytes());
    const FrameLayout fl = find_codec(kLossless)->decode(info, no_eoi.data(), no_eoi.size(), out.data(), out.size());
    EXPECT_EQ(out, frame);
    ASSERT_EQ(fl.warnings.size(), 1u);
    EXPECT_EQ(fl.warnings[0], "JPEG lossless: no EOI marker at the end of the frame");
}
