// RLE Lossless codec (PS3.5 Annex G) without peers: round trips of synthetic frames (worst-case
// literal data, long runs, run-length boundaries, 1x1 images, odd widths, every layout), the
// structure of what the encoder writes (header, even segments, no run across a row), and hand-made
// corrupt streams, which must give dcmkit::Error and never touch memory outside the buffers (the
// suite runs under ASan+UBSan). Golden values against DCMTK and GDCM are in interop/codec_rle_test.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"

using namespace dcmkit;

namespace {

constexpr const char *kRle = "1.2.840.10008.1.2.5";

const Codec &rle() {
    const Codec *c = find_codec(kRle);
    if (!c) throw std::runtime_error("no RLE codec registered");
    return *c;
}

PixelInfo layout(uint32_t rows, uint32_t columns, uint32_t samples, uint32_t bits, uint32_t stored = 0,
                 bool is_signed = false) {
    PixelInfo i;
    i.rows = rows;
    i.columns = columns;
    i.samples_per_pixel = samples;
    i.bits_allocated = bits;
    i.bits_stored = stored ? stored : bits;
    i.high_bit = i.bits_stored - 1;
    i.pixel_representation = is_signed ? 1 : 0;
    i.photometric_interpretation = samples == 3 ? "RGB" : "MONOCHROME2";
    return i;
}

std::vector<uint8_t> encode(const PixelInfo &info, const std::vector<uint8_t> &frame) {
    FrameLayout fl;
    std::vector<uint8_t> bits = rle().encode(info, frame.data(), frame.size(), EncodeOptions{}, fl);
    EXPECT_TRUE(fl.photometric.empty());
    EXPECT_FALSE(fl.lossy);
    return bits;
}

/// Decodes into a buffer of exactly the frame size, so that ASan sees any write past it.
std::vector<uint8_t> decode(const PixelInfo &info, const std::vector<uint8_t> &bits) {
    std::vector<uint8_t> out(info.frame_bytes());
    const FrameLayout fl = rle().decode(info, bits.data(), bits.size(), out.data(), out.size());
    EXPECT_TRUE(fl.photometric.empty());
    return out;
}

uint32_t u32(const std::vector<uint8_t> &b, size_t at) {
    return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}
void put32(std::vector<uint8_t> &b, size_t at, uint32_t v) {
    for (int k = 0; k < 4; ++k) b[at + k] = uint8_t(v >> (8 * k));
}

/// Checks what the encoder wrote against G.3-G.5: the header (count, unused offsets zero, first
/// segment right after it, even-length segments), and that each segment holds exactly one row per
/// `columns` bytes of output with no run crossing a row boundary (G.3.1) and no -128 control byte.
void check_structure(const PixelInfo &info, const std::vector<uint8_t> &bits) {
    const uint32_t count = info.samples_per_pixel * info.bits_allocated / 8;
    ASSERT_GE(bits.size(), 64u);
    ASSERT_EQ(u32(bits, 0), count);
    ASSERT_EQ(u32(bits, 4), 64u);
    for (uint32_t i = count; i < 15; ++i) EXPECT_EQ(u32(bits, 4 + 4 * i), 0u) << "unused offset " << i;
    for (uint32_t s = 0; s < count; ++s) {
        const size_t begin = u32(bits, 4 + 4 * s), end = s + 1 < count ? u32(bits, 8 + 4 * s) : bits.size();
        ASSERT_EQ((end - begin) % 2, 0u) << "segment " << s << " has an odd length";
        size_t p = begin, in_row = 0, rows = 0;
        while (rows < info.rows) {
            ASSERT_LT(p, end);
            const int n = int8_t(bits[p++]);
            ASSERT_NE(n, -128);
            const size_t len = n >= 0 ? size_t(n) + 1 : size_t(1 - n);
            p += n >= 0 ? len : 1;
            in_row += len;
            ASSERT_LE(in_row, info.columns) << "a run crosses the end of row " << rows << " in segment " << s;
            if (in_row == info.columns) {
                in_row = 0;
                ++rows;
            }
        }
        EXPECT_LE(end - p, 1u) << "segment " << s << " has more than one pad byte";
    }
}

void round_trip(const PixelInfo &info, const std::vector<uint8_t> &frame, const std::string &what) {
    SCOPED_TRACE(what);
    const std::vector<uint8_t> bits = encode(info, frame);
    check_structure(info, bits);
    EXPECT_EQ(decode(info, bits), frame);
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n);
    for (auto &b : v) b = uint8_t(rng());
    return v;
}

/// Rows made of runs of every length 1..300 of changing bytes, so that pairs, triples, runs of
/// exactly 128, 129 and 130, and runs cut by the end of a row all occur.
std::vector<uint8_t> runs_bytes(size_t n) {
    std::vector<uint8_t> v;
    v.reserve(n);
    uint8_t value = 0;
    for (size_t len = 1; v.size() < n; len = len % 300 + 1, value = uint8_t(value * 7 + 13))
        for (size_t k = 0; k < len && v.size() < n; ++k) v.push_back(value);
    return v;
}

// ---- round trips --------------------------------------------------------------------------------

TEST(RleCodec, IsRegisteredAndLossless) {
    const Codec &c = rle();
    EXPECT_EQ(c.transfer_syntax(), kRle);
    EXPECT_TRUE(c.lossless_only());
    std::string why;
    EXPECT_TRUE(c.can_encode(layout(4, 4, 3, 16), EncodeOptions{}, &why));
    EXPECT_FALSE(c.can_encode(layout(4, 4, 1, 1), EncodeOptions{}, &why));
    EXPECT_NE(why.find("Bits Allocated"), std::string::npos) << why;
    EXPECT_FALSE(c.can_encode(layout(4, 4, 2, 8), EncodeOptions{}, &why));
    EXPECT_NE(why.find("Samples per Pixel"), std::string::npos) << why;
    EXPECT_FALSE(c.can_encode(layout(0, 4, 1, 8), EncodeOptions{}, nullptr));
}

TEST(RleCodec, RoundTripsEveryLayout) {
    const uint32_t sizes[][2] = {{1, 1}, {1, 2}, {2, 1}, {3, 5}, {7, 127}, {5, 128}, {4, 129}, {3, 130}, {2, 257}, {33, 47}, {64, 64}};
    uint32_t seed = 1;
    for (uint32_t samples : {1u, 3u})
        for (uint32_t bits : {8u, 16u, 32u})
            for (const auto &rc : sizes) {
                const PixelInfo info = layout(rc[0], rc[1], samples, bits);
                const size_t n = info.frame_bytes();
                const std::string name = std::to_string(rc[0]) + "x" + std::to_string(rc[1]) + "x" +
                                         std::to_string(samples) + "x" + std::to_string(bits);
                round_trip(info, random_bytes(n, seed++), name + " random");
                round_trip(info, std::vector<uint8_t>(n, 0xA5), name + " constant");
                round_trip(info, runs_bytes(n), name + " runs");
            }
}

TEST(RleCodec, WorstCaseLiteralDataStaysBounded) {
    // No two neighbouring bytes equal: everything is literal runs of 128 plus one control byte each.
    const PixelInfo info = layout(16, 1000, 1, 8);
    std::vector<uint8_t> frame(info.frame_bytes());
    for (size_t i = 0; i < frame.size(); ++i) frame[i] = uint8_t(i % 2 ? i % 251 : 255 - i % 251);
    const std::vector<uint8_t> bits = encode(info, frame);
    check_structure(info, bits);
    EXPECT_EQ(bits.size(), 64 + 16 * (1000 + 8));  // ceil(1000 / 128) = 8 control bytes a row
    EXPECT_EQ(decode(info, bits), frame);
}

TEST(RleCodec, LongRunsCompress) {
    const PixelInfo info = layout(512, 512, 1, 16);
    const std::vector<uint8_t> frame(info.frame_bytes(), 0);
    const std::vector<uint8_t> bits = encode(info, frame);
    check_structure(info, bits);
    // Per row and segment: four replicate runs of 128 bytes, two bytes each.
    EXPECT_EQ(bits.size(), 64 + 2 * 512 * 8);
    EXPECT_EQ(decode(info, bits), frame);
}

TEST(RleCodec, PairsAndTriples) {
    // Runs of 2 inside a row join the literal run; a run of 3 is a replicate run (G.3.1).
    const PixelInfo info = layout(1, 8, 1, 8);
    round_trip(info, {1, 2, 2, 3, 4, 4, 4, 5}, "pair and triple");
    round_trip(info, {1, 1, 2, 2, 3, 3, 4, 4}, "pairs only");
    round_trip(info, {9, 9, 9, 9, 9, 9, 9, 8}, "run then single");
}

TEST(RleCodec, BytesComeBackAsTheyWent) {
    // RLE codes bytes (PS3.5 G.2): 12-bit signed samples come back with their high bits as stored,
    // whatever those are, as dcmdrle gives them back and as native pixel data is read.
    const PixelInfo info = layout(1, 3, 1, 16, 12, true);
    const std::vector<uint8_t> frame = {0xFF, 0x0F, 0x00, 0xF8, 0xFF, 0x07};  // -1 (high bits clear), -2048, 2047
    EXPECT_EQ(decode(info, encode(info, frame)), frame);
    const PixelInfo u = layout(1, 3, 1, 16, 12, false);
    EXPECT_EQ(decode(u, encode(u, frame)), frame);
}

TEST(RleCodec, DecoderFollowsG32) {
    // Hand-made: a -128 control byte outputs nothing, bytes after a full segment (the pad) are ignored.
    const PixelInfo info = layout(1, 6, 1, 8);
    std::vector<uint8_t> bits(64, 0);
    put32(bits, 0, 1);
    put32(bits, 4, 64);
    const uint8_t segment[] = {0x80, 0x01, 7, 8, 0xFD, 9, 0x80, 0x00, 0x33, 0x00};
    bits.insert(bits.end(), segment, segment + sizeof segment);
    EXPECT_EQ(decode(info, bits), (std::vector<uint8_t>{7, 8, 9, 9, 9, 9}));
    // A first segment further on than the header (gap bytes) is still found through its offset.
    std::vector<uint8_t> gap(bits.begin(), bits.begin() + 64);
    put32(gap, 4, 68);
    gap.insert(gap.end(), {0xEE, 0xEE, 0xEE, 0xEE});
    gap.insert(gap.end(), segment, segment + sizeof segment);
    EXPECT_EQ(decode(info, gap), (std::vector<uint8_t>{7, 8, 9, 9, 9, 9}));
}

TEST(RleCodec, WrongBufferSizesAreInvalidArguments) {
    const PixelInfo info = layout(2, 2, 1, 8);
    std::vector<uint8_t> frame(4, 1), out(5);
    FrameLayout fl;
    try {
        rle().encode(info, frame.data(), 3, EncodeOptions{}, fl);
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
    }
    const std::vector<uint8_t> bits = encode(info, frame);
    try {
        rle().decode(info, bits.data(), bits.size(), out.data(), out.size());
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
    }
    try {
        rle().encode(layout(2, 2, 2, 8), frame.data(), 8, EncodeOptions{}, fl);
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::unsupported);
    }
}

// ---- corrupt streams ----------------------------------------------------------------------------

/// Decoding `bits` must throw Error with `code`.
void expect_error(const PixelInfo &info, const std::vector<uint8_t> &bits, Errc code, const std::string &what) {
    SCOPED_TRACE(what);
    std::vector<uint8_t> out(info.frame_bytes());
    try {
        rle().decode(info, bits.data(), bits.size(), out.data(), out.size());
        ADD_FAILURE() << "decoded without an error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), code) << e.what();
    }
}

/// A valid two-segment (16-bit) frame of 1x4 to corrupt: segment 1 at 64, segment 2 at 68.
std::vector<uint8_t> valid16() {
    std::vector<uint8_t> b(64, 0);
    put32(b, 0, 2);
    put32(b, 4, 64);
    put32(b, 8, 68);
    b.insert(b.end(), {0xFD, 0x12, 0x00, 0x00});        // MSBs: 4 x 0x12, then the pad
    b.insert(b.end(), {0x03, 0x01, 0x02, 0x03, 0x04});  // LSBs: literal 1 2 3 4
    return b;
}

TEST(RleCodec, CorruptHeaders) {
    const PixelInfo info = layout(1, 4, 1, 16);
    ASSERT_EQ(decode(info, valid16()), (std::vector<uint8_t>{1, 0x12, 2, 0x12, 3, 0x12, 4, 0x12}));

    std::vector<uint8_t> b = valid16();
    expect_error(info, std::vector<uint8_t>(b.begin(), b.begin() + 63), Errc::truncated, "short header");
    expect_error(info, {}, Errc::truncated, "empty");
    b = valid16(), put32(b, 0, 0), expect_error(info, b, Errc::malformed, "zero segments");
    b = valid16(), put32(b, 0, 16), expect_error(info, b, Errc::malformed, "16 segments");
    b = valid16(), put32(b, 0, 0xFFFFFFFF), expect_error(info, b, Errc::malformed, "huge segment count");
    b = valid16(), put32(b, 0, 1), expect_error(info, b, Errc::bad_value, "1 segment for 16-bit data");
    b = valid16(), put32(b, 0, 3), put32(b, 12, 70), expect_error(info, b, Errc::bad_value, "3 segments");
    expect_error(layout(1, 4, 3, 8), valid16(), Errc::bad_value, "2 segments for RGB");
    b = valid16(), put32(b, 4, 0), expect_error(info, b, Errc::malformed, "offset 0");
    b = valid16(), put32(b, 4, 60), expect_error(info, b, Errc::malformed, "offset inside the header");
    b = valid16(), put32(b, 8, 64), expect_error(info, b, Errc::malformed, "overlapping segments");
    b = valid16(), put32(b, 8, 62), expect_error(info, b, Errc::malformed, "decreasing offsets");
    b = valid16(), put32(b, 8, uint32_t(b.size())), expect_error(info, b, Errc::truncated, "offset at the end");
    b = valid16(), put32(b, 8, 0xFFFFFFF0), expect_error(info, b, Errc::truncated, "offset far past the end");
    b = valid16(), put32(b, 4, 0xFFFFFFF0), expect_error(info, b, Errc::truncated, "first offset past the end");
}

TEST(RleCodec, CorruptSegments) {
    const PixelInfo info = layout(1, 4, 1, 16);
    std::vector<uint8_t> b = valid16();
    b[64] = 0xFC;  // replicate 5 into a 4-byte segment
    expect_error(info, b, Errc::malformed, "replicate run overflow");
    b = valid16();
    b[68] = 0x04;  // literal 5 into a 4-byte segment, with all five bytes present
    b.push_back(0x05);
    expect_error(info, b, Errc::malformed, "literal run overflow");
    b = valid16();
    b.pop_back();  // the last literal run is cut short
    expect_error(info, b, Errc::truncated, "literal past the end");
    b = valid16();
    b[64] = 0xFE;  // segment 1: replicate 3, two no-ops, and it ends one byte short
    b[66] = 0x80;
    b[67] = 0x80;
    expect_error(info, b, Errc::truncated, "short segment");
    b = valid16();
    b.resize(69);  // segment 2 is just a control byte
    expect_error(info, b, Errc::truncated, "literal run without its bytes");
    b = valid16();
    b[68] = 0xFD;  // segment 2 ends right after a replicate control byte
    b.resize(69);
    expect_error(info, b, Errc::truncated, "replicate run without its byte");
    b = valid16();
    b.resize(69);
    b[68] = 0x80;  // only a no-op
    expect_error(info, b, Errc::truncated, "only no-ops");
}

TEST(RleCodec, MutatedStreamsNeverCrash) {
    // Every truncation and many single-byte changes of valid encodings either decode or throw Error.
    std::mt19937 rng(42);
    for (const PixelInfo &info : {layout(5, 7, 1, 8), layout(4, 9, 3, 16), layout(3, 5, 1, 32)}) {
        const std::vector<uint8_t> good = encode(info, runs_bytes(info.frame_bytes()));
        std::vector<uint8_t> out(info.frame_bytes());
        for (size_t n = 0; n < good.size(); ++n) {
            const std::vector<uint8_t> cut(good.begin(), good.begin() + n);
            try {
                rle().decode(info, cut.data(), cut.size(), out.data(), out.size());
            } catch (const Error &) {
            }
        }
        for (int k = 0; k < 3000; ++k) {
            std::vector<uint8_t> bad = good;
            bad[rng() % bad.size()] = uint8_t(rng());
            if (k % 2) bad[rng() % 64] = uint8_t(rng());
            try {
                rle().decode(info, bad.data(), bad.size(), out.data(), out.size());
            } catch (const Error &) {
            }
        }
    }
}

}  // namespace
