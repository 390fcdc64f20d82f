// The native HTJ2K decoder (core/codecs/src/ht) on codestreams made in-process by our encoder
// (OpenJPH): it must take them (no fallback to OpenJPEG), give the original samples for the
// lossless syntaxes, stay close to the OpenJPEG path (the JPEG 2000 codec, which reads Part 15) for
// 9/7, read every progression order, and turn hostile input (every truncation of a small
// codestream, seeded bit flips and byte values of larger ones) into a frame or a dcmkit::Error.
// tests/interop/codec_htj2k_native_test.cpp checks it against OpenJPH's own tools.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../core/codecs/src/ht/ht.h"
#include "codec_support.h"
#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/pixel.h"

using namespace dcmkit;

namespace {

constexpr const char *kHtj2kLossless = "1.2.840.10008.1.2.4.201";
constexpr const char *kHtj2kRpcl = "1.2.840.10008.1.2.4.202";
constexpr const char *kHtj2k = "1.2.840.10008.1.2.4.203";
constexpr const char *kJ2kLossless = "1.2.840.10008.1.2.4.90";

using dk_test::codec_for;

struct Encoded {
    PixelInfo info;  ///< as stored (YBR_RCT / YBR_ICT for RGB)
    std::vector<uint8_t> frame, cs;
};

Encoded encode(const char *uid, const dk_test::ImageSpec &spec) {
    const dk_test::CodecInput im = dk_test::codec_input(spec);
    Encoded e{im.info, im.frames[0], {}};
    FrameLayout layout;
    e.cs = codec_for(uid).encode(im.info, im.frames[0].data(), im.frames[0].size(), {}, layout);
    if (!layout.photometric.empty()) e.info.photometric_interpretation = layout.photometric;
    return e;
}

/// ht::decode alone; fails the test when it leaves the codestream to OpenJPEG.
std::vector<uint8_t> native(const PixelInfo &info, const std::vector<uint8_t> &cs, FrameLayout *layout = nullptr) {
    std::vector<uint8_t> out(info.frame_bytes());
    try {
        const FrameLayout l = codecs::ht::decode(info, cs.data(), cs.size(), out.data(), out.size());
        if (layout) *layout = l;
    } catch (const codecs::ht::Unsupported &u) {
        ADD_FAILURE() << "left to OpenJPEG: " << u.why;
    }
    return out;
}

std::vector<uint8_t> openjpeg(const PixelInfo &info, const std::vector<uint8_t> &cs, FrameLayout *layout = nullptr) {
    std::vector<uint8_t> out(info.frame_bytes());
    const FrameLayout l = codec_for(kJ2kLossless).decode(info, cs.data(), cs.size(), out.data(), out.size());
    if (layout) *layout = l;
    return out;
}

TEST(HtNativeDecoder, LosslessCodestreamsGiveTheOriginalAsOpenJpegDoes) {
    for (const char *uid : {kHtj2kLossless, kHtj2kRpcl}) {
        for (const auto &spec : dk_test::standard_specs()) {
            SCOPED_TRACE(std::string(uid) + " " + spec.name);
            const Encoded e = encode(uid, spec);
            FrameLayout ours, theirs;
            const auto out = native(e.info, e.cs, &ours);
            EXPECT_EQ(out, e.frame);
            EXPECT_EQ(out, openjpeg(e.info, e.cs, &theirs)) << "byte-identical with the OpenJPEG path";
            EXPECT_EQ(ours.photometric, theirs.photometric);
        }
    }
}

TEST(HtNativeDecoder, IrreversibleCodestreamsAreCloseToOpenJpeg) {
    for (const auto &spec : dk_test::standard_specs()) {
        SCOPED_TRACE(spec.name);
        const Encoded e = encode(kHtj2k, spec);
        const auto ours = dk_test::samples_of(e.info, native(e.info, e.cs).data(), e.frame.size(), false);
        const auto theirs = dk_test::samples_of(e.info, openjpeg(e.info, e.cs).data(), e.frame.size(), false);
        // Two float 9/7 implementations round differently; 12 bits and less: within 2.
        EXPECT_LE(dk_test::max_abs_diff(ours, theirs), spec.bits_stored > 12 ? 4 : 2);
    }
}

TEST(HtNativeDecoder, EveryProgressionOrderIsRead) {
    // One component, one tile, one precinct per resolution: the five orders (15444-1 B.12) give
    // the same packet sequence, so rewriting SGcod's order must not change the samples.
    const Encoded e = encode(kHtj2kLossless, dk_test::standard_specs()[2]);  // mono12s
    ASSERT_EQ(e.info.samples_per_pixel, 1u);
    size_t cod = 2;
    while (!(e.cs[cod] == 0xFF && e.cs[cod + 1] == 0x52)) cod += 2 + size_t(e.cs[cod + 2] << 8 | e.cs[cod + 3]);
    for (uint8_t order = 0; order < 5; ++order) {
        auto cs = e.cs;
        cs[cod + 5] = order;
        EXPECT_EQ(native(e.info, cs), e.frame) << "order " << int(order);
    }
    auto bad = e.cs;
    bad[cod + 5] = 5;
    std::vector<uint8_t> out(e.info.frame_bytes());
    EXPECT_THROW(codecs::ht::decode(e.info, bad.data(), bad.size(), out.data(), out.size()), Error);
}

/// Through ht::decode and through the codec: a frame or a dcmkit::Error, nothing else.
void hostile(const PixelInfo &info, const uint8_t *p, size_t n, size_t &errors) {
    std::vector<uint8_t> out(info.frame_bytes());
    try {
        codecs::ht::decode(info, p, n, out.data(), out.size());
    } catch (const Error &) {
        ++errors;
    } catch (const codecs::ht::Unsupported &) {
    }
    try {
        codec_for(kHtj2k).decode(info, p, n, out.data(), out.size());
    } catch (const Error &) {
    }
}

TEST(HtNativeDecoder, EveryTruncationIsAnError) {
    const Encoded e = encode(kHtj2kLossless, dk_test::ImageSpec{"strip8", 8, 40, 1, 1, 8, 8, false, "MONOCHROME2", 0});
    size_t errors = 0;
    for (size_t n = 0; n < e.cs.size(); ++n) hostile(e.info, e.cs.data(), n, errors);
    // The last two bytes are EOC, which the decoder does without.
    EXPECT_GE(errors, e.cs.size() - 2);
}

TEST(HtNativeDecoder, FlippedBitsAndBytesGiveFramesOrErrors) {
    for (const char *uid : {kHtj2kLossless, kHtj2k}) {
        for (size_t s : {size_t(2), size_t(5)}) {  // mono12s, rgb8
            const Encoded e = encode(uid, dk_test::standard_specs()[s]);
            SCOPED_TRACE(std::string(uid) + " " + dk_test::standard_specs()[s].name);
            std::mt19937 rng(uint32_t(77 + s));
            size_t errors = 0;
            for (int i = 0; i < 300; ++i) {
                auto bad = e.cs;
                const int flips = 1 + int(rng() % 4);
                for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= uint8_t(1u << (rng() % 8));
                if (i % 4 == 0) bad.resize(bad.size() - rng() % bad.size());
                hostile(e.info, bad.data(), bad.size(), errors);
            }
            for (uint8_t v : {uint8_t(0x00), uint8_t(0x7F), uint8_t(0x8F), uint8_t(0xFF)}) {
                for (size_t at = 0; at < e.cs.size(); at += 1 + at / 8) {
                    auto bad = e.cs;
                    bad[at] = v;
                    hostile(e.info, bad.data(), bad.size(), errors);
                }
            }
            EXPECT_GT(errors, 0u);
        }
    }
}

// Frames of 256 x 256 samples and more have their code-blocks decoded on several threads (when the
// machine has several cores): the result must be the one thread's, errors too, and concurrent
// calls (each with its own workers) must not disturb each other.
TEST(HtNativeDecoder, LargeFramesAreExactAndHostileOnesErrorsOnSeveralThreads) {
    const std::vector<dk_test::ImageSpec> large = {
        {"ct512", 512, 512, 1, 1, 16, 12, false, "MONOCHROME2", 0},
        {"rgb300", 300, 310, 1, 3, 8, 8, false, "RGB", 0},
    };
    for (const auto &spec : large) {
        SCOPED_TRACE(spec.name);
        const Encoded e = encode(kHtj2kLossless, spec);
        EXPECT_EQ(native(e.info, e.cs), e.frame);
        EXPECT_EQ(native(e.info, e.cs), openjpeg(e.info, e.cs)) << "byte-identical with the OpenJPEG path";
        // Several calls at once, each splitting its frame.
        std::vector<std::vector<uint8_t>> outs(4);
        std::vector<std::thread> callers;
        for (auto &o : outs) callers.emplace_back([&] { o = native(e.info, e.cs); });
        for (auto &t : callers) t.join();
        for (const auto &o : outs) EXPECT_EQ(o, e.frame);
        // Hostile bytes in the code-block data (past the headers): a frame or an Error, never a crash.
        std::mt19937 rng(1234);
        size_t errors = 0;
        for (int i = 0; i < 40; ++i) {
            auto bad = e.cs;
            for (int f = 0; f < 8; ++f) bad[bad.size() / 4 + rng() % (bad.size() * 3 / 4 - 2)] = uint8_t(rng());
            hostile(e.info, bad.data(), bad.size(), errors);
        }
        EXPECT_GT(errors, 0u);
    }
}

}  // namespace
