// JPEG-LS lossless (.80) and near-lossless (.81) through CharLS, without peers: bit-exact round
// trips of synthetic frames (2..16 bits, signed, 8 bits in 16-bit cells, colour), the NEAR bound of
// T.87 (|error| <= NEAR for every sample), what can_encode refuses, and bad input — every
// truncation, byte flips, sizes that disagree with the dataset — which must throw dcmkit::Error and
// never crash or write outside the output (this suite runs under ASan and UBSan).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/pixel.h"
#include "codec_support.h"

using namespace dcmkit;

namespace {

constexpr const char *kLossless = "1.2.840.10008.1.2.4.80";
constexpr const char *kNear = "1.2.840.10008.1.2.4.81";

using dk_test::first_frame;
using dk_test::pixel_info;

std::vector<dk_test::ImageSpec> specs() {
    return {
        {"mono2", 17, 23, 1, 1, 8, 2, false, "MONOCHROME2", 0},
        {"mono8", 64, 48, 1, 1, 8, 8, false, "MONOCHROME2", 0},
        {"mono8s", 31, 20, 1, 1, 8, 8, true, "MONOCHROME2", 0},
        {"mono7s", 31, 20, 1, 1, 8, 7, true, "MONOCHROME1", 0},
        {"mono8in16", 40, 33, 1, 1, 16, 8, false, "MONOCHROME2", 0},
        {"mono12", 60, 50, 1, 1, 16, 12, false, "MONOCHROME2", 0},
        {"mono12s", 33, 47, 1, 1, 16, 12, true, "MONOCHROME2", 0},
        {"mono16", 64, 64, 1, 1, 16, 16, false, "MONOCHROME2", 0},
        {"mono16s", 64, 40, 1, 1, 16, 16, true, "MONOCHROME2", 0},
        {"rgb8", 48, 64, 1, 3, 8, 8, false, "RGB", 0},
        {"rgb16", 20, 30, 1, 3, 16, 16, false, "RGB", 0},
        {"ybr8", 9, 11, 1, 3, 8, 8, false, "YBR_FULL", 0},
    };
}

std::vector<uint8_t> encode(const char *uid, const dk_test::ImageSpec &s, int near, FrameLayout &layout) {
    EncodeOptions options;
    options.near_lossless = near;
    const std::vector<uint8_t> frame = first_frame(s);
    return find_codec(uid)->encode(pixel_info(s), frame.data(), frame.size(), options, layout);
}

std::vector<uint8_t> decode(const char *uid, const PixelInfo &info, const std::vector<uint8_t> &bits) {
    std::vector<uint8_t> out(info.frame_bytes());
    const FrameLayout layout = find_codec(uid)->decode(info, bits.data(), bits.size(), out.data(), out.size());
    EXPECT_TRUE(layout.photometric.empty());
    return out;
}

Errc decode_error(const char *uid, const PixelInfo &info, const uint8_t *bits, size_t n, size_t out_size) {
    return dk_test::decode_error(dk_test::codec_for(uid), info, bits, n, out_size);
}

TEST(CodecJpegLs, Registered) {
    ASSERT_NE(find_codec(kLossless), nullptr);
    ASSERT_NE(find_codec(kNear), nullptr);
    EXPECT_TRUE(find_codec(kLossless)->lossless_only());
    EXPECT_FALSE(find_codec(kNear)->lossless_only());
}

TEST(CodecJpegLs, LosslessRoundTripIsBitExact) {
    for (const auto &s : specs()) {
        for (const char *uid : {kLossless, kNear}) {
            FrameLayout layout;
            const std::vector<uint8_t> bits = encode(uid, s, 0, layout);
            EXPECT_FALSE(layout.lossy) << s.name;
            EXPECT_TRUE(layout.photometric.empty()) << s.name;
            // P (T.87 C.2.2) is Bits Stored, or 16 for 8 bits or fewer in 16-bit cells.
            ASSERT_GT(bits.size(), 8u);
            EXPECT_EQ(bits[0], 0xFF);
            EXPECT_EQ(bits[1], 0xD8);
            size_t sof = 2;
            while (sof + 4 < bits.size() && !(bits[sof] == 0xFF && bits[sof + 1] == 0xF7)) ++sof;
            ASSERT_LT(sof + 4, bits.size()) << s.name;
            EXPECT_EQ(bits[sof + 4], s.bits_allocated == 16 && s.bits_stored <= 8 ? 16u : s.bits_stored) << s.name;
            // Byte for byte: signed samples come back sign-extended to Bits Allocated.
            EXPECT_EQ(decode(uid, pixel_info(s), bits), first_frame(s)) << s.name << " " << uid;
        }
    }
}

TEST(CodecJpegLs, StoredBitsOnlyAreCoded) {
    // Bits above Bits Stored are not part of the sample (PS3.5 8.1.1): garbage there is dropped.
    const dk_test::ImageSpec s{"mono12", 30, 20, 1, 1, 16, 12, false, "MONOCHROME2", 0};
    std::vector<uint8_t> frame = first_frame(s);
    for (size_t i = 1; i < frame.size(); i += 2) frame[i] |= 0xA0;
    FrameLayout layout;
    const auto bits = find_codec(kLossless)->encode(pixel_info(s), frame.data(), frame.size(), EncodeOptions{}, layout);
    EXPECT_EQ(decode(kLossless, pixel_info(s), bits), first_frame(s));
}

TEST(CodecJpegLs, NearLosslessKeepsTheBound) {
    for (const auto &s : specs()) {
        if (s.is_signed) continue;
        for (int near : {1, 2, 3}) {
            if (near > ((1 << s.bits_stored) - 1) / 2) continue;
            FrameLayout layout;
            const std::vector<uint8_t> bits = encode(kNear, s, near, layout);
            EXPECT_TRUE(layout.lossy);
            EXPECT_EQ(layout.lossy_method, "ISO_14495_1");
            const PixelInfo info = pixel_info(s);
            const std::vector<uint8_t> orig = first_frame(s), out = decode(kNear, info, bits);
            const int64_t diff = dk_test::max_abs_diff(dk_test::samples_of(info, orig.data(), orig.size(), false),
                                                       dk_test::samples_of(info, out.data(), out.size(), false));
            EXPECT_GE(diff, 0) << s.name;
            EXPECT_LE(diff, near) << s.name << " NEAR " << near;
            // The lossless syntax ignores NEAR.
            FrameLayout l2;
            EXPECT_EQ(decode(kLossless, info, encode(kLossless, s, near, l2)), orig) << s.name;
            EXPECT_FALSE(l2.lossy);
        }
    }
}

TEST(CodecJpegLs, CanEncodeExplainsRefusals) {
    const Codec *lossless = find_codec(kLossless), *nearc = find_codec(kNear);
    std::string why;
    auto refused = [&](const Codec *c, PixelInfo info, int near) {
        EncodeOptions opts;
        opts.near_lossless = near;
        why.clear();
        EXPECT_FALSE(c->can_encode(info, opts, &why)) << info.bits_allocated << "/" << info.bits_stored << " near " << near;
        EXPECT_FALSE(why.empty());
        std::vector<uint8_t> frame(info.frame_bytes());
        FrameLayout layout;
        try {
            c->encode(info, frame.data(), frame.size(), opts, layout);
            ADD_FAILURE() << "encode did not throw";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::unsupported) << e.what();
        }
    };
    const PixelInfo s16 = pixel_info({"s", 8, 8, 1, 1, 16, 16, true, "MONOCHROME2", 0});
    EXPECT_TRUE(lossless->can_encode(s16, EncodeOptions{}, &why)) << why;
    refused(nearc, s16, 2);  // signed near-lossless, as dcmcjpls refuses
    EncodeOptions zero;
    zero.near_lossless = 0;
    EXPECT_TRUE(nearc->can_encode(s16, zero, &why)) << why;
    refused(lossless, pixel_info({"m32", 8, 8, 1, 1, 32, 32, false, "MONOCHROME2", 0}), 0);
    refused(lossless, pixel_info({"m1", 8, 8, 1, 1, 8, 1, false, "MONOCHROME2", 0}), 0);
    refused(lossless, pixel_info({"two", 8, 8, 1, 2, 8, 8, false, "MONOCHROME2", 0}), 0);
    refused(lossless, pixel_info({"sub", 8, 8, 1, 3, 8, 8, false, "YBR_FULL_422", 0}), 0);
    refused(nearc, pixel_info({"m8", 8, 8, 1, 1, 8, 8, false, "MONOCHROME2", 0}), 128);  // T.87: NEAR <= MAXVAL/2
    refused(nearc, pixel_info({"m8", 8, 8, 1, 1, 8, 8, false, "MONOCHROME2", 0}), -1);
    refused(nearc, pixel_info({"pal", 8, 8, 1, 1, 8, 8, false, "PALETTE COLOR", 0}), 2);

    const dk_test::ImageSpec m8{"m8", 8, 8, 1, 1, 8, 8, false, "MONOCHROME2", 0};
    std::vector<uint8_t> frame = first_frame(m8);
    FrameLayout layout;
    try {
        lossless->encode(pixel_info(m8), frame.data(), frame.size() + 1 - 2, EncodeOptions{}, layout);
        ADD_FAILURE() << "encode did not throw";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
    }
}

TEST(CodecJpegLs, SizesThatDisagreeWithTheDataset) {
    const dk_test::ImageSpec s{"rgb8", 21, 13, 1, 3, 8, 8, false, "RGB", 0};
    FrameLayout layout;
    const std::vector<uint8_t> bits = encode(kLossless, s, 0, layout);
    const PixelInfo info = pixel_info(s);
    EXPECT_EQ(decode_error(kLossless, info, bits.data(), bits.size(), info.frame_bytes()), Errc::ok);
    EXPECT_EQ(decode_error(kLossless, info, bits.data(), bits.size(), info.frame_bytes() + 1), Errc::invalid_argument);
    PixelInfo rows = info;
    rows.rows += 1;
    EXPECT_EQ(decode_error(kLossless, rows, bits.data(), bits.size(), rows.frame_bytes()), Errc::bad_value);
    PixelInfo mono = info;
    mono.samples_per_pixel = 1;
    EXPECT_EQ(decode_error(kLossless, mono, bits.data(), bits.size(), mono.frame_bytes()), Errc::bad_value);
    // A 12-bit stream for an 8-bit dataset.
    const dk_test::ImageSpec m12{"m12", 21, 13, 1, 1, 16, 12, false, "MONOCHROME2", 0};
    const std::vector<uint8_t> deep = encode(kLossless, m12, 0, layout);
    PixelInfo narrow = pixel_info(m12);
    narrow.bits_allocated = narrow.bits_stored = 8;
    EXPECT_EQ(decode_error(kLossless, narrow, deep.data(), deep.size(), narrow.frame_bytes()), Errc::bad_value);
}

TEST(CodecJpegLs, EveryTruncationThrows) {
    for (const auto &s : {dk_test::ImageSpec{"mono12s", 33, 47, 1, 1, 16, 12, true, "MONOCHROME2", 0},
                          dk_test::ImageSpec{"rgb8", 24, 16, 1, 3, 8, 8, false, "RGB", 0}}) {
        FrameLayout layout;
        const std::vector<uint8_t> bits = encode(kLossless, s, 0, layout);
        const PixelInfo info = pixel_info(s);
        for (size_t n = 0; n < bits.size(); ++n) {
            const std::vector<uint8_t> cut(bits.begin(), bits.begin() + long(n));
            const Errc code = decode_error(kLossless, info, cut.data(), cut.size(), info.frame_bytes());
            EXPECT_TRUE(code == Errc::truncated || code == Errc::malformed)
                << s.name << " cut at " << n << " of " << bits.size() << ": " << errc_name(code);
            // The same with an EOI marker after the cut, so that CharLS itself meets the short scan.
            if (n + 2 >= bits.size()) continue;  // that would be the whole stream again
            std::vector<uint8_t> closed = cut;
            closed.push_back(0xFF);
            closed.push_back(0xD9);
            const Errc closed_code = decode_error(kLossless, info, closed.data(), closed.size(), info.frame_bytes());
            // (An EOI landing inside a header can also read as a parameter CharLS does not support.)
            EXPECT_NE(closed_code, Errc::ok) << s.name << " cut at " << n << " + EOI";
        }
    }
}

TEST(CodecJpegLs, FlippedBytesNeverCrash) {
    const dk_test::ImageSpec s{"mono16", 32, 24, 1, 1, 16, 16, false, "MONOCHROME2", 0};
    FrameLayout layout;
    const std::vector<uint8_t> bits = encode(kNear, s, 2, layout);
    const PixelInfo info = pixel_info(s);
    size_t threw = 0, tried = 0;
    for (size_t i = 0; i < bits.size(); ++i) {
        for (uint8_t x : {uint8_t(0xFF), uint8_t(0x01), uint8_t(0x80)}) {
            std::vector<uint8_t> bad = bits;
            bad[i] ^= x;
            ++tried;
            if (decode_error(kNear, info, bad.data(), bad.size(), info.frame_bytes()) != Errc::ok) ++threw;
        }
    }
    EXPECT_GT(threw, 0u);
    EXPECT_LE(threw, tried);
}

TEST(CodecJpegLs, BytesAfterTheEoi) {
    // Padding after EOI (PS3.5 A.4), and the stray byte dcmcjpls 3.6.7 leaves after some frames.
    const dk_test::ImageSpec s{"mono8", 20, 10, 1, 1, 8, 8, false, "MONOCHROME2", 0};
    FrameLayout layout;
    std::vector<uint8_t> bits = encode(kLossless, s, 0, layout);
    for (uint8_t pad : {uint8_t(0x00), uint8_t(0x69)}) {
        std::vector<uint8_t> padded = bits;
        padded.push_back(pad);
        EXPECT_EQ(decode(kLossless, pixel_info(s), padded), first_frame(s));
    }
}

TEST(CodecJpegLs, NotJpegLsAtAll) {
    const PixelInfo info = pixel_info({"m8", 8, 8, 1, 1, 8, 8, false, "MONOCHROME2", 0});
    const std::vector<uint8_t> zeros(100, 0);
    EXPECT_NE(decode_error(kLossless, info, zeros.data(), zeros.size(), info.frame_bytes()), Errc::ok);
    EXPECT_NE(decode_error(kLossless, info, nullptr, 0, info.frame_bytes()), Errc::ok);
    // A JPEG baseline SOI + SOF0 is not JPEG-LS.
    const std::vector<uint8_t> jpeg{0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00};
    EXPECT_NE(decode_error(kLossless, info, jpeg.data(), jpeg.size(), info.frame_bytes()), Errc::ok);
}

}  // namespace
