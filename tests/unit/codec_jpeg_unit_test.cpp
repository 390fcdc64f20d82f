// JPEG Baseline (.50) and Extended (.51) through libjpeg-turbo, without peers: round trips of
// synthetic frames within stated bounds, the layout encoders report (PS3.5 8.2.1: RGB is coded as
// YBR_FULL_422, 4:2:2), what can_encode refuses, and bad input — every truncation, byte flips,
// sizes that disagree with the dataset — which must throw dcmkit::Error and never crash or write
// outside the output (this suite runs under ASan and UBSan).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/pixel.h"
#include "codec_support.h"

using namespace dcmkit;

namespace {

constexpr const char *kBaseline = "1.2.840.10008.1.2.4.50";
constexpr const char *kExtended = "1.2.840.10008.1.2.4.51";

using dk_test::first_frame;
using dk_test::pixel_info;

const dk_test::ImageSpec kMono8{"mono8", 64, 48, 1, 1, 8, 8, false, "MONOCHROME2", 0};
const dk_test::ImageSpec kRgb8{"rgb8", 37, 53, 1, 3, 8, 8, false, "RGB", 0};

std::vector<uint8_t> encode(const char *uid, const dk_test::ImageSpec &s, int quality, FrameLayout &layout) {
    const Codec *codec = find_codec(uid);
    EncodeOptions options;
    options.quality = quality;
    const std::vector<uint8_t> frame = first_frame(s);
    return codec->encode(pixel_info(s), frame.data(), frame.size(), options, layout);
}

/// Decodes with the photometric the encoder reported, as a file carrying the result would say.
std::vector<uint8_t> decode(const char *uid, PixelInfo info, const std::vector<uint8_t> &bits, FrameLayout &out_layout) {
    std::vector<uint8_t> out(info.frame_bytes());
    out_layout = find_codec(uid)->decode(info, bits.data(), bits.size(), out.data(), out.size());
    return out;
}

int64_t max_diff(const dk_test::ImageSpec &s, const std::vector<uint8_t> &decoded) {
    const PixelInfo info = pixel_info(s);
    const std::vector<uint8_t> original = first_frame(s);
    return dk_test::max_abs_diff(dk_test::samples_of(info, original.data(), original.size(), false),
                                 dk_test::samples_of(info, decoded.data(), decoded.size(), false));
}

TEST(CodecJpeg, Registered) {
    for (const char *uid : {kBaseline, kExtended}) {
        const Codec *codec = find_codec(uid);
        ASSERT_NE(codec, nullptr) << uid;
        EXPECT_EQ(codec->transfer_syntax(), uid);
        EXPECT_FALSE(codec->lossless_only());
    }
}

TEST(CodecJpeg, MonochromeRoundTrip) {
    for (const char *uid : {kBaseline, kExtended}) {
        FrameLayout enc, dec;
        const std::vector<uint8_t> bits = encode(uid, kMono8, 90, enc);
        EXPECT_TRUE(enc.photometric.empty());
        EXPECT_TRUE(enc.lossy);
        EXPECT_EQ(enc.lossy_method, "ISO_10918_1");
        ASSERT_GE(bits.size(), 4u);
        EXPECT_EQ(bits[0], 0xFF);
        EXPECT_EQ(bits[1], 0xD8);
        const std::vector<uint8_t> out = decode(uid, pixel_info(kMono8), bits, dec);
        EXPECT_TRUE(dec.photometric.empty());
        // Measured: 14 at quality 90 on this image (its low bits are noise and it has hard edges).
        EXPECT_LE(max_diff(kMono8, out), 16) << uid;
    }
    FrameLayout enc, dec;
    const std::vector<uint8_t> bits = encode(kBaseline, kMono8, 100, enc);
    EXPECT_LE(max_diff(kMono8, decode(kBaseline, pixel_info(kMono8), bits, dec)), 2);
}

TEST(CodecJpeg, ColourIsCodedAsYbrFull422) {
    FrameLayout enc, dec;
    const std::vector<uint8_t> bits = encode(kBaseline, kRgb8, 90, enc);
    EXPECT_EQ(enc.photometric, "YBR_FULL_422");
    EXPECT_TRUE(enc.lossy);
    // The SOF0 segment (T.81 B.2.2): luminance sampled 2x1, chrominance 1x1.
    size_t sof = 2;
    while (sof + 1 < bits.size() && !(bits[sof] == 0xFF && bits[sof + 1] == 0xC0)) ++sof;
    ASSERT_LT(sof + 18, bits.size());
    EXPECT_EQ(bits[sof + 9], 3);  // Nf
    EXPECT_EQ(bits[sof + 11], 0x21);
    EXPECT_EQ(bits[sof + 14], 0x11);
    EXPECT_EQ(bits[sof + 17], 0x11);

    PixelInfo info = pixel_info(kRgb8);
    info.photometric_interpretation = enc.photometric;
    const std::vector<uint8_t> out = decode(kBaseline, info, bits, dec);
    EXPECT_EQ(dec.photometric, "RGB");
    // Measured: 18 at quality 90 (chroma halved across the disc's edge and the noise).
    EXPECT_LE(max_diff(kRgb8, out), 30);
    // Mean error stays small.
    const std::vector<uint8_t> orig = first_frame(kRgb8);
    double sum = 0;
    for (size_t i = 0; i < orig.size(); ++i) sum += std::abs(int(orig[i]) - int(out[i]));
    EXPECT_LT(sum / double(orig.size()), 3.0);
}

TEST(CodecJpeg, YbrFullInputAndNarrowSamples) {
    // YBR_FULL input is coded as it is (no second colour conversion) and decodes to RGB.
    dk_test::ImageSpec ybr = kRgb8;
    ybr.photometric = "YBR_FULL";
    FrameLayout enc, dec;
    const std::vector<uint8_t> bits = encode(kBaseline, ybr, 95, enc);
    EXPECT_EQ(enc.photometric, "YBR_FULL_422");
    // Bits Stored 6: the bits above are not part of the sample and are cleared before coding.
    dk_test::ImageSpec six = kMono8;
    six.bits_stored = 6;
    std::vector<uint8_t> frame = first_frame(six);
    for (auto &b : frame) b |= 0xC0;
    const std::vector<uint8_t> coded =
        find_codec(kBaseline)->encode(pixel_info(six), frame.data(), frame.size(), EncodeOptions{}, enc);
    // Measured: 15 (the quantisation tables are scaled for 8-bit samples, these span 0..63).
    EXPECT_LE(max_diff(six, decode(kBaseline, pixel_info(six), coded, dec)), 20);
}

TEST(CodecJpeg, EightBitsInSixteenBitCells) {
    FrameLayout enc, dec;
    const std::vector<uint8_t> bits = encode(kBaseline, kMono8, 100, enc);
    PixelInfo wide = pixel_info(kMono8);
    wide.bits_allocated = 16;
    const std::vector<uint8_t> out = decode(kBaseline, wide, bits, dec);
    const std::vector<uint8_t> narrow = decode(kBaseline, pixel_info(kMono8), bits, dec);
    for (size_t i = 0; i < narrow.size(); ++i) {
        ASSERT_EQ(out[2 * i], narrow[i]) << i;
        ASSERT_EQ(out[2 * i + 1], 0) << i;
    }
}

TEST(CodecJpeg, CanEncodeExplainsRefusals) {
    const Codec *baseline = find_codec(kBaseline), *extended = find_codec(kExtended);
    std::string why;
    EXPECT_TRUE(baseline->can_encode(pixel_info(kMono8), EncodeOptions{}, &why)) << why;
    EXPECT_TRUE(extended->can_encode(pixel_info(kRgb8), EncodeOptions{}, &why)) << why;

    auto refused = [&](const Codec *c, PixelInfo info, EncodeOptions opts = {}) {
        why.clear();
        const bool ok = c->can_encode(info, opts, &why);
        EXPECT_FALSE(ok) << info.bits_allocated << "/" << info.bits_stored << " " << info.photometric_interpretation;
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
    PixelInfo twelve = pixel_info({"m12", 8, 8, 1, 1, 16, 12, false, "MONOCHROME2", 0});
    refused(baseline, twelve);
    refused(extended, twelve);  // 12-bit encoding is not built (libjpeg-turbo here is 8-bit only)
    PixelInfo s = pixel_info(kMono8);
    s.pixel_representation = 1;
    refused(baseline, s);
    PixelInfo two = pixel_info(kMono8);
    two.samples_per_pixel = 2;
    refused(baseline, two);
    PixelInfo palette = pixel_info(kMono8);
    palette.photometric_interpretation = "PALETTE COLOR";
    refused(baseline, palette);
    PixelInfo sub = pixel_info(kRgb8);
    sub.photometric_interpretation = "YBR_FULL_422";
    refused(baseline, sub);
    EncodeOptions q0;
    q0.quality = 0;
    refused(baseline, pixel_info(kMono8), q0);
    q0.quality = 101;
    refused(baseline, pixel_info(kMono8), q0);

    // A buffer of the wrong size.
    std::vector<uint8_t> frame = first_frame(kMono8);
    FrameLayout layout;
    try {
        baseline->encode(pixel_info(kMono8), frame.data(), frame.size() - 1, EncodeOptions{}, layout);
        ADD_FAILURE() << "encode did not throw";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
    }
}

Errc decode_error(const char *uid, const PixelInfo &info, const uint8_t *bits, size_t n, size_t out_size) {
    return dk_test::decode_error(dk_test::codec_for(uid), info, bits, n, out_size);
}

TEST(CodecJpeg, SizesThatDisagreeWithTheDataset) {
    FrameLayout enc;
    const std::vector<uint8_t> bits = encode(kBaseline, kRgb8, 90, enc);
    PixelInfo info = pixel_info(kRgb8);
    info.photometric_interpretation = "YBR_FULL_422";
    EXPECT_EQ(decode_error(kBaseline, info, bits.data(), bits.size(), info.frame_bytes()), Errc::ok);
    EXPECT_EQ(decode_error(kBaseline, info, bits.data(), bits.size(), info.frame_bytes() - 1), Errc::invalid_argument);
    PixelInfo rows = info;
    rows.rows -= 1;
    EXPECT_EQ(decode_error(kBaseline, rows, bits.data(), bits.size(), rows.frame_bytes()), Errc::bad_value);
    PixelInfo cols = info;
    cols.columns += 1;
    EXPECT_EQ(decode_error(kBaseline, cols, bits.data(), bits.size(), cols.frame_bytes()), Errc::bad_value);
    PixelInfo mono = info;
    mono.samples_per_pixel = 1;
    mono.photometric_interpretation = "MONOCHROME2";
    EXPECT_EQ(decode_error(kBaseline, mono, bits.data(), bits.size(), mono.frame_bytes()), Errc::bad_value);
    PixelInfo deep = info;
    deep.bits_allocated = 16;
    deep.bits_stored = 12;
    EXPECT_EQ(decode_error(kBaseline, deep, bits.data(), bits.size(), deep.frame_bytes()), Errc::bad_value);
}

TEST(CodecJpeg, EveryTruncationThrows) {
    for (const dk_test::ImageSpec &s : {kMono8, kRgb8}) {
        FrameLayout enc;
        const std::vector<uint8_t> bits = encode(kBaseline, s, 90, enc);
        PixelInfo info = pixel_info(s);
        if (!enc.photometric.empty()) info.photometric_interpretation = enc.photometric;
        for (size_t n = 0; n + 2 < bits.size(); ++n) {
            // A copy of exactly n bytes, so that ASan sees any read past the end.
            const std::vector<uint8_t> cut(bits.begin(), bits.begin() + long(n));
            const Errc code = decode_error(kBaseline, info, cut.data(), cut.size(), info.frame_bytes());
            EXPECT_TRUE(code == Errc::truncated || code == Errc::malformed)
                << s.name << " cut at " << n << " of " << bits.size() << ": " << errc_name(code);
        }
        // Cut in or before the EOI marker only: the image is whole, decoded with a warning (as our
        // 12-bit and lossless decoders do).
        for (size_t n = bits.size() - 2; n < bits.size(); ++n) {
            const std::vector<uint8_t> cut(bits.begin(), bits.begin() + long(n));
            std::vector<uint8_t> out(info.frame_bytes());
            const FrameLayout fl = find_codec(kBaseline)->decode(info, cut.data(), cut.size(), out.data(), out.size());
            ASSERT_EQ(fl.warnings.size(), 1u) << s.name << " cut at " << n;
            EXPECT_EQ(fl.warnings[0], "JPEG: no EOI marker at the end of the frame");
        }
    }
}

TEST(CodecJpeg, FlippedBytesNeverCrash) {
    FrameLayout enc;
    const std::vector<uint8_t> bits = encode(kBaseline, kRgb8, 80, enc);
    PixelInfo info = pixel_info(kRgb8);
    info.photometric_interpretation = enc.photometric;
    size_t threw = 0, tried = 0;
    for (size_t i = 0; i < bits.size(); i += (i < 700 ? 1 : 7)) {
        for (uint8_t x : {uint8_t(0xFF), uint8_t(0x01), uint8_t(0x80)}) {
            std::vector<uint8_t> bad = bits;
            bad[i] ^= x;
            std::vector<uint8_t> out(info.frame_bytes());
            ++tried;
            try {
                find_codec(kBaseline)->decode(info, bad.data(), bad.size(), out.data(), out.size());
            } catch (const Error &) {
                ++threw;
            }
        }
    }
    // Damage in the headers is always detected; in entropy-coded data it may decode to other pixels.
    EXPECT_GT(threw, tried / 10);
}

TEST(CodecJpeg, NotJpegAtAll) {
    const PixelInfo info = pixel_info(kMono8);
    const std::vector<uint8_t> zeros(1000, 0), text{'h', 'e', 'l', 'l', 'o'};
    EXPECT_NE(decode_error(kBaseline, info, zeros.data(), zeros.size(), info.frame_bytes()), Errc::ok);
    EXPECT_NE(decode_error(kBaseline, info, text.data(), text.size(), info.frame_bytes()), Errc::ok);
    EXPECT_EQ(decode_error(kBaseline, info, nullptr, 0, info.frame_bytes()), Errc::truncated);
    // SOI, a lossless SOF3 and an SOS: a valid process libjpeg-turbo 2.1 does not have.
    const std::vector<uint8_t> sof3{0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x0B, 0x08, 0x00, 0x30, 0x00, 0x40, 0x01, 0x01, 0x11,
                                    0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9};
    EXPECT_EQ(decode_error(kBaseline, info, sof3.data(), sof3.size(), info.frame_bytes()), Errc::unsupported);
}

TEST(CodecJpeg, TwelveBitFramesGoToTheDctDecoder) {
    // SOI, SOF1 with P = 12 (T.81 B.2.2), SOS, EOI: libjpeg-turbo (8-bit) hands this to
    // jpeg_dct_decode, which must answer with an Error whatever it makes of a frame without data.
    const std::vector<uint8_t> sof1{0xFF, 0xD8, 0xFF, 0xC1, 0x00, 0x0B, 0x0C, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11,
                                    0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0xFF, 0xD9};
    PixelInfo info = pixel_info({"m12", 8, 8, 1, 1, 16, 12, false, "MONOCHROME2", 0});
    EXPECT_NE(decode_error(kExtended, info, sof1.data(), sof1.size(), info.frame_bytes()), Errc::ok);
}

TEST(CodecJpeg, ThreadsShareTheCodec) {
    FrameLayout enc;
    const std::vector<uint8_t> bits = encode(kBaseline, kMono8, 90, enc);
    FrameLayout dec;
    const std::vector<uint8_t> expected = decode(kBaseline, pixel_info(kMono8), bits, dec);
    std::vector<std::thread> threads;
    std::vector<int> same(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                FrameLayout l;
                same[size_t(t)] += decode(kBaseline, pixel_info(kMono8), bits, l) == expected;
                same[size_t(t)] += encode(kBaseline, kMono8, 90, l) == bits;
            }
        });
    for (auto &th : threads) th.join();
    for (int n : same) EXPECT_EQ(n, 40);
}

}  // namespace

namespace {

/// `bits` with the SOS segment's Ss, Se and Ah/Al bytes (T.81 B.2.3) replaced.
std::vector<uint8_t> with_sos_fields(std::vector<uint8_t> bits, uint8_t ss, uint8_t se, uint8_t ahal) {
    for (size_t i = 2; i + 4 < bits.size(); ++i) {
        if (bits[i] != 0xFF || bits[i + 1] != 0xDA) continue;
        const size_t p = i + 5 + 2 * size_t(bits[i + 4]);  // past Ls, Ns and the component specs
        bits[p] = ss;
        bits[p + 1] = se;
        bits[p + 2] = ahal;
        return bits;
    }
    ADD_FAILURE() << "no SOS marker";
    return bits;
}

}  // namespace

TEST(CodecJpeg, SosFieldsOutOfSpecDecodeWithAWarning) {
    // libjpeg (jdhuff.c: JWRN_NOT_SEQUENTIAL), dcmdjpeg and gdcmconv decode a sequential scan whose
    // Ss/Se/Ah/Al are not 0/63/0/0 as the sequential scan it is, with a warning; so do we, to the
    // same samples as the stream with the right fields (interop/codec_jpeg_test checks dcmdjpeg).
    for (const char *uid : {kBaseline, kExtended}) {
        for (const dk_test::ImageSpec &s : {kMono8, kRgb8}) {
            FrameLayout enc;
            const std::vector<uint8_t> bits = encode(uid, s, 85, enc);
            PixelInfo info = pixel_info(s);
            if (!enc.photometric.empty()) info.photometric_interpretation = enc.photometric;
            FrameLayout clean;
            const std::vector<uint8_t> want = decode(uid, info, bits, clean);
            EXPECT_TRUE(clean.warnings.empty());
            const uint8_t fields[][3] = {{0, 0, 0x00}, {1, 63, 0x00}, {0, 5, 0x00}, {0, 63, 0x10}, {0, 63, 0x01}};
            for (const auto &f : fields) {
                FrameLayout fl;
                const std::vector<uint8_t> got = decode(uid, info, with_sos_fields(bits, f[0], f[1], f[2]), fl);
                EXPECT_EQ(got, want) << s.name << " Ss " << int(f[0]) << " Se " << int(f[1]);
                ASSERT_EQ(fl.warnings.size(), 1u) << s.name;
                EXPECT_NE(fl.warnings[0].find("Invalid SOS parameters for sequential JPEG (Ss " + std::to_string(f[0]) +
                                              ", Se " + std::to_string(f[1])),
                          std::string::npos)
                    << fl.warnings[0];
            }
        }
    }
}
