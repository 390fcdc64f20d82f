// The native HTJ2K decoder (core/codecs/src/ht) against peers. Golden values come from the peers:
//   - OpenJPH's ojph_compress encodes PGM/PPM files written here (8, 12, 16 bits; 1 and 3
//     components, with and without its colour transform) with varied options: code-block sizes,
//     0..5 decomposition levels, precincts, each of the five progression orders, tiles, tile and
//     image offsets, odd sizes down to 1x1, reversible and irreversible (-qstep). The native decode
//     must be bit-exact with the written samples for reversible streams; for irreversible ones
//     within 2 (4 above 12 bits) of ojph_expand's decode of the same file (OpenJPH's own decoder,
//     whose float 9/7 arithmetic differs slightly), and as close to the OpenJPEG path (the JPEG 2000
//     codec, which reads Part 15) as the standard images test states;
//   - our encoder's .201/.202/.203 codestreams: the native decode equals the original (lossless).
// Each case calls ht::decode() directly, so a codestream the native decoder would leave to OpenJPEG
// (ht::Unsupported) fails the test; a Part 1 codestream must go to OpenJPEG and still decode.
// Hostile input: every truncation (at a step) and seeded bit flips of valid codestreams give a
// decoded frame or a dcmkit::Error, through the codec and through ht::decode.
// Skipped without ojph_compress and ojph_expand on PATH.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
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

class HtNative : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"ojph_compress", "ojph_expand"})) GTEST_SKIP() << "ojph_compress or ojph_expand not on PATH";
    }
    dk_test::TempDir tmp_{"dcmkit-htnative"};
};

PixelInfo info_for(uint32_t w, uint32_t h, uint32_t comps, uint32_t bits, const char *photometric) {
    PixelInfo info;
    info.rows = h;
    info.columns = w;
    info.samples_per_pixel = comps;
    info.bits_allocated = bits > 8 ? 16 : 8;
    info.bits_stored = bits;
    info.high_bit = bits - 1;
    info.photometric_interpretation = photometric;
    return info;
}

/// Deterministic test samples: smooth ramps and waves with some noise, full range.
std::vector<int64_t> make_samples(uint32_t w, uint32_t h, uint32_t comps, uint32_t bits, uint32_t seed) {
    std::mt19937 rng(seed);
    const int64_t max = (int64_t(1) << bits) - 1;
    std::vector<int64_t> v(size_t(w) * h * comps);
    for (uint32_t y = 0; y < h; ++y)
        for (uint32_t x = 0; x < w; ++x)
            for (uint32_t c = 0; c < comps; ++c) {
                const double t = double(x * (c + 1) + 2 * y) / double(w + 2 * h + 1);
                double s = 0.5 + 0.35 * t * std::sin(double(x + c * 7) * 0.21) + 0.1 * std::cos(double(y) * 0.13);
                s += double(int(rng() % 65) - 32) / 1024.0;
                v[(size_t(y) * w + x) * comps + c] = std::clamp<int64_t>(int64_t(s * double(max)), 0, max);
            }
    return v;
}

void write_pnm(const std::string &path, uint32_t w, uint32_t h, uint32_t comps, uint32_t bits,
               const std::vector<int64_t> &v) {
    const int64_t maxval = (int64_t(1) << bits) - 1;
    std::string s = std::string(comps == 3 ? "P6" : "P5") + "\n" + std::to_string(w) + " " + std::to_string(h) + "\n" +
                    std::to_string(maxval) + "\n";
    for (int64_t x : v) {
        if (maxval > 255) s.push_back(char(x >> 8));
        s.push_back(char(x & 0xFF));
    }
    dk_test::write_bytes(path, s);
}

std::vector<int64_t> read_pnm(const std::string &path) {
    const std::string s = dk_test::read_bytes(path);
    size_t pos = 2;
    unsigned vals[3] = {};
    for (unsigned &x : vals) {
        while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) x = x * 10 + unsigned(s[pos++] - '0');
    }
    ++pos;
    const bool two = vals[2] > 255;
    std::vector<int64_t> v;
    for (; pos + (two ? 1 : 0) < s.size(); pos += two ? 2 : 1)
        v.push_back(two ? (uint8_t(s[pos]) << 8 | uint8_t(s[pos + 1])) : uint8_t(s[pos]));
    return v;
}

/// The native decoder alone: fails the test when it leaves the codestream to OpenJPEG.
std::vector<int64_t> native_decode(const PixelInfo &info, const std::vector<uint8_t> &cs, FrameLayout *layout = nullptr) {
    std::vector<uint8_t> out(info.frame_bytes());
    try {
        const FrameLayout l = codecs::ht::decode(info, cs.data(), cs.size(), out.data(), out.size());
        if (layout) *layout = l;
    } catch (const codecs::ht::Unsupported &u) {
        ADD_FAILURE() << "the native decoder left the codestream to OpenJPEG: " << u.why;
    }
    return dk_test::samples_of(info, out.data(), out.size(), false);
}

/// The OpenJPEG path: the JPEG 2000 codec, which reads Part 15 codestreams too.
std::vector<int64_t> openjpeg_decode(const PixelInfo &info, const std::vector<uint8_t> &cs) {
    std::vector<uint8_t> out(info.frame_bytes());
    codec_for(kJ2kLossless).decode(info, cs.data(), cs.size(), out.data(), out.size());
    return dk_test::samples_of(info, out.data(), out.size(), false);
}

struct Case {
    uint32_t w, h, comps, bits;
    std::vector<std::string> args;  ///< ojph_compress options
};

std::string describe(const Case &c) {
    std::string s = std::to_string(c.w) + "x" + std::to_string(c.h) + "x" + std::to_string(c.comps) + " " +
                    std::to_string(c.bits) + "-bit";
    for (const std::string &a : c.args) s += " " + a;
    return s;
}

bool reversible(const Case &c) {
    for (size_t i = 0; i + 1 < c.args.size(); ++i)
        if (c.args[i] == "-reversible") return c.args[i + 1] == "true";
    return false;  // ojph_compress's default
}

std::vector<uint8_t> ojph_compress(const dk_test::TempDir &tmp, const Case &c, size_t index, std::vector<int64_t> &original,
                                   std::string &j2c) {
    original = make_samples(c.w, c.h, c.comps, c.bits, uint32_t(index) + 1);
    const std::string pnm = tmp / ("case" + std::to_string(index) + (c.comps == 3 ? ".ppm" : ".pgm"));
    j2c = tmp / ("case" + std::to_string(index) + ".j2c");
    write_pnm(pnm, c.w, c.h, c.comps, c.bits, original);
    std::vector<std::string> argv = {"ojph_compress", "-i", pnm, "-o", j2c};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    dk_test::tool(argv);
    const std::string s = dk_test::read_bytes(j2c);
    return std::vector<uint8_t>(s.begin(), s.end());
}

std::vector<Case> reversible_cases() {
    std::vector<Case> v;
    const std::vector<std::string> rev = {"-reversible", "true"};
    auto add = [&](uint32_t w, uint32_t h, uint32_t comps, uint32_t bits, std::vector<std::string> more) {
        more.insert(more.begin(), rev.begin(), rev.end());
        v.push_back(Case{w, h, comps, bits, more});
    };
    // Sizes, down to one pixel (levels limited to what the size allows).
    add(1, 1, 1, 8, {"-num_decomps", "0"});
    add(3, 7, 1, 12, {"-num_decomps", "2"});
    add(7, 3, 1, 16, {"-num_decomps", "1"});
    add(257, 129, 1, 12, {});
    add(512, 512, 1, 12, {});
    add(64, 64, 1, 16, {});
    add(33, 65, 1, 8, {"-num_decomps", "3"});
    for (int l = 0; l <= 5; ++l) add(257, 129, 1, 12, {"-num_decomps", std::to_string(l)});
    // Code-block sizes.
    for (const char *b : {"{8,8}", "{16,64}", "{64,16}", "{32,32}", "{4,128}"}) add(200, 90, 1, 12, {"-block_size", b});
    // Precincts and the five progression orders, with tiles so that the orders differ.
    for (const char *p : {"LRCP", "RLCP", "RPCL", "PCRL", "CPRL"}) {
        add(257, 129, 1, 12, {"-prog_order", p, "-precincts", "{32,32},{64,64}"});
        add(150, 100, 3, 8, {"-prog_order", p, "-precincts", "{16,16},{32,32},{64,64}", "-block_size", "{16,16}"});
        add(130, 90, 3, 12, {"-prog_order", p, "-tile_size", "{64,48}", "-num_decomps", "3"});
    }
    // Tiles, tile and image offsets.
    add(300, 200, 1, 16, {"-tile_size", "{128,128}"});
    add(300, 200, 1, 12, {"-tile_size", "{100,64}", "-num_decomps", "4"});
    add(300, 200, 1, 12, {"-image_offset", "{7,11}"});
    add(300, 200, 1, 12, {"-image_offset", "{37,21}", "-tile_offset", "{5,3}", "-tile_size", "{96,80}", "-num_decomps", "3"});
    add(101, 77, 3, 16, {"-image_offset", "{3,1}", "-tile_size", "{64,64}", "-num_decomps", "3"});
    // Colour, with and without the colour transform.
    add(120, 80, 3, 8, {});
    add(120, 80, 3, 16, {});
    add(120, 80, 3, 8, {"-colour_trans", "false"});
    add(65, 33, 3, 12, {"-colour_trans", "false", "-num_decomps", "3"});
    return v;
}

std::vector<Case> irreversible_cases() {
    std::vector<Case> v;
    auto add = [&](uint32_t w, uint32_t h, uint32_t comps, uint32_t bits, std::vector<std::string> more) {
        more.insert(more.begin(), {"-reversible", "false"});
        v.push_back(Case{w, h, comps, bits, more});
    };
    // OpenJPH 0.9's irreversible vertical transform of a band of 2 rows is wrong (its own
    // ojph_expand agrees with its encoder, the standard does not): every band here has 3 or more.
    add(257, 129, 1, 12, {"-qstep", "0.001"});
    add(257, 129, 1, 8, {"-qstep", "0.01"});
    add(512, 512, 1, 16, {"-qstep", "0.0005"});
    add(200, 120, 3, 8, {"-qstep", "0.005"});
    add(200, 120, 3, 12, {"-qstep", "0.002", "-colour_trans", "false"});
    add(257, 129, 1, 12, {"-qstep", "0.001", "-num_decomps", "2", "-block_size", "{16,32}"});
    add(300, 200, 1, 12, {"-qstep", "0.001", "-tile_size", "{128,128}", "-num_decomps", "3"});
    add(300, 200, 1, 12, {"-qstep", "0.001", "-prog_order", "CPRL", "-precincts", "{32,32},{64,64}"});
    add(300, 200, 3, 8, {"-qstep", "0.004", "-prog_order", "PCRL", "-image_offset", "{5,9}", "-num_decomps", "4"});
    return v;
}

TEST_F(HtNative, ReversibleOjphCodestreamsAreBitExact) {
    size_t i = 0;
    for (const Case &c : reversible_cases()) {
        SCOPED_TRACE(describe(c));
        std::vector<int64_t> original;
        std::string j2c;
        const auto cs = ojph_compress(tmp_, c, i++, original, j2c);
        const PixelInfo info = info_for(c.w, c.h, c.comps, c.bits, c.comps == 3 ? "YBR_RCT" : "MONOCHROME2");
        FrameLayout layout;
        EXPECT_EQ(dk_test::max_abs_diff(native_decode(info, cs, &layout), original), 0);
        // Through the codec too (the native path), and the layout the OpenJPEG path gives.
        std::vector<uint8_t> out(info.frame_bytes());
        const FrameLayout codec_layout = codec_for(kHtj2kLossless).decode(info, cs.data(), cs.size(), out.data(), out.size());
        EXPECT_EQ(dk_test::max_abs_diff(dk_test::samples_of(info, out.data(), out.size(), false), original), 0);
        std::vector<uint8_t> opj(info.frame_bytes());
        const FrameLayout opj_layout = codec_for(kJ2kLossless).decode(info, cs.data(), cs.size(), opj.data(), opj.size());
        EXPECT_EQ(out, opj) << "byte-identical with the OpenJPEG path";
        EXPECT_EQ(codec_layout.photometric, opj_layout.photometric);
        EXPECT_EQ(layout.photometric, opj_layout.photometric);
    }
}

TEST_F(HtNative, IrreversibleOjphCodestreamsMatchOjphExpand) {
    size_t i = 100;
    for (const Case &c : irreversible_cases()) {
        SCOPED_TRACE(describe(c));
        std::vector<int64_t> original;
        std::string j2c;
        const auto cs = ojph_compress(tmp_, c, i++, original, j2c);
        const PixelInfo info = info_for(c.w, c.h, c.comps, c.bits, c.comps == 3 ? "YBR_ICT" : "MONOCHROME2");
        const auto ours = native_decode(info, cs);
        const std::string back = j2c + (c.comps == 3 ? ".ppm" : ".pgm");
        dk_test::tool({"ojph_expand", "-i", j2c, "-o", back});
        const int64_t tolerance = c.bits > 12 ? 4 : 2;
        EXPECT_LE(dk_test::max_abs_diff(ours, read_pnm(back)), tolerance) << "vs ojph_expand";
        EXPECT_LE(dk_test::max_abs_diff(ours, openjpeg_decode(info, cs)), tolerance) << "vs the OpenJPEG path";
        EXPECT_LT(dk_test::rms_diff(ours, original), 0.01 * double(int64_t(1) << c.bits)) << "vs the original";
    }
}

TEST_F(HtNative, OurCodestreamsDecodeNatively) {
    EncodeOptions options;
    for (const char *uid : {kHtj2kLossless, kHtj2kRpcl, kHtj2k}) {
        const bool lossy = std::string(uid) == kHtj2k;
        for (const auto &spec : dk_test::standard_specs()) {
            SCOPED_TRACE(std::string(uid) + " " + spec.name);
            const dk_test::CodecInput im = dk_test::codec_input(spec);
            FrameLayout layout;
            const auto cs = codec_for(uid).encode(im.info, im.frames[0].data(), im.frames[0].size(), options, layout);
            PixelInfo stored = im.info;
            if (!layout.photometric.empty()) stored.photometric_interpretation = layout.photometric;
            const auto ours = native_decode(stored, cs);
            const auto original = dk_test::samples_of(im.info, im.frames[0].data(), im.frames[0].size(), false);
            if (!lossy) {
                EXPECT_EQ(dk_test::max_abs_diff(ours, original), 0);
            } else {
                EXPECT_LE(dk_test::max_abs_diff(ours, openjpeg_decode(stored, cs)), spec.bits_stored > 12 ? 4 : 2);
            }
        }
    }
}

TEST_F(HtNative, Part1CodestreamGoesToOpenJpeg) {
    // A JPEG 2000 (Part 1) codestream: no CAP, Part 1 code-blocks. The native decoder leaves it to
    // OpenJPEG, which the HTJ2K codec then uses (HTJ2K syntaxes allow Part 1 code-blocks).
    const dk_test::CodecInput im = dk_test::codec_input(dk_test::standard_specs()[0]);
    FrameLayout layout;
    const auto cs = codec_for(kJ2kLossless).encode(im.info, im.frames[0].data(), im.frames[0].size(), {}, layout);
    std::vector<uint8_t> out(im.info.frame_bytes());
    EXPECT_THROW(codecs::ht::decode(im.info, cs.data(), cs.size(), out.data(), out.size()), codecs::ht::Unsupported);
    PixelInfo stored = im.info;
    if (!layout.photometric.empty()) stored.photometric_interpretation = layout.photometric;
    codec_for(kHtj2kLossless).decode(stored, cs.data(), cs.size(), out.data(), out.size());
    EXPECT_EQ(out, im.frames[0]);
}

/// Decodes `cs` through the codec and through ht::decode: a frame or a dcmkit::Error, nothing else.
void decode_hostile(const char *uid, const PixelInfo &info, const uint8_t *p, size_t n, size_t &errors) {
    std::vector<uint8_t> out(info.frame_bytes());
    try {
        codec_for(uid).decode(info, p, n, out.data(), out.size());
    } catch (const Error &) {
        ++errors;
    }
    try {
        codecs::ht::decode(info, p, n, out.data(), out.size());
    } catch (const Error &) {
    } catch (const codecs::ht::Unsupported &) {
    }
}

TEST_F(HtNative, TruncatedAndFlippedCodestreamsGiveErrors) {
    std::vector<std::pair<Case, std::string>> sources = {
        {Case{96, 80, 1, 12, {"-reversible", "true"}}, kHtj2kLossless},
        {Case{64, 48, 3, 8, {"-reversible", "true", "-prog_order", "CPRL", "-precincts", "{16,16},{32,32}", "-tile_size", "{40,40}",
                              "-num_decomps", "2", "-block_size", "{16,16}"}},
         kHtj2kLossless},
        {Case{80, 64, 3, 16, {"-reversible", "false", "-qstep", "0.001", "-num_decomps", "3"}}, kHtj2k},
    };
    size_t index = 200;
    for (const auto &[c, uid] : sources) {
        SCOPED_TRACE(describe(c));
        std::vector<int64_t> original;
        std::string j2c;
        const auto cs = ojph_compress(tmp_, c, index++, original, j2c);
        const PixelInfo info = info_for(c.w, c.h, c.comps, c.bits,
                                        c.comps == 3 ? (reversible(c) ? "YBR_RCT" : "YBR_ICT") : "MONOCHROME2");
        size_t errors = 0, tries = 0;
        // Every truncation, at a step that visits about 400 lengths.
        const size_t step = std::max<size_t>(1, cs.size() / 400);
        for (size_t n = 0; n < cs.size(); n += step, ++tries) decode_hostile(uid.c_str(), info, cs.data(), n, errors);
        EXPECT_GT(errors, tries / 2) << "most cut codestreams are refused";
        // Seeded flips of 1 to 3 bits.
        std::mt19937 rng(1234 + uint32_t(index));
        for (int i = 0; i < 600; ++i) {
            std::vector<uint8_t> bad = cs;
            const int flips = 1 + int(rng() % 3);
            for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= uint8_t(1u << (rng() % 8));
            decode_hostile(uid.c_str(), info, bad.data(), bad.size(), errors);
        }
    }
}

}  // namespace
