// JPEG 2000 (.90 lossless, .91 lossy) against peer tools. Golden values come from the peers only:
//   - GDCM encodes (gdcmconv --j2k, and --j2k --lossy -r 10), we decode each frame, compared with
//     GDCM's own decode (gdcmconv --raw): bit-exact, lossless and lossy (both sides run OpenJPEG,
//     so the lossy tolerance is 0 as well), and for lossless also with the original samples;
//   - OpenJPEG's opj_decompress as a second decoder of the same codestreams (to RAWL);
//   - we encode, packed into DICOM (encapsulated, one fragment per frame), GDCM decodes
//     (gdcmconv --raw): lossless bit-exact with the original; lossy equal to opj_decompress's
//     decode of our codestream and within a stated error of the original;
//   - a GDCM codestream cut short or corrupted throws dcmkit::Error.
// Also prints rough speeds of ours against gdcmconv on a 512x512 16-bit image. Skipped without
// gdcmconv and opj_decompress on PATH (Debian: libgdcm-tools, libopenjp2-tools).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"
#include "codec_support.h"

using namespace dcmkit;

namespace {

constexpr const char *kJ2kLossless = "1.2.840.10008.1.2.4.90";
constexpr const char *kJ2k = "1.2.840.10008.1.2.4.91";

class J2kPeers : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"gdcmconv", "opj_decompress"}))
            GTEST_SKIP() << "gdcmconv or opj_decompress not on PATH";
    }
    dk_test::TempDir tmp_{"dcmkit-j2k"};
};

using dk_test::codec_for;

/// Clamps a sample into the range Bits Stored allows, as our decoder does for codestreams of a
/// higher precision (GDCM codes 12-bit data as 16-bit components and leaves lossy overshoot, e.g.
/// 4101 for 4095, in its 16-bit output, which a reader masking to 12 bits sees as 5).
int64_t clamp_stored(const PixelInfo &info, int64_t v) {
    const int64_t range = int64_t(1) << info.bits_stored;
    const int64_t lo = info.pixel_representation ? -range / 2 : 0;
    return std::clamp(v, lo, lo + range - 1);
}

/// Every frame of a native file as interleaved samples: whole Bits Allocated values (signed ones
/// sign-extended from Bits Allocated), clamped into the Bits Stored range of `stored` (default:
/// the file's own; gdcmconv --raw rewrites Bits Stored to the codestream's precision).
std::vector<std::vector<int64_t>> native_frames(const DicomFile &f, const PixelInfo *stored = nullptr) {
    const PixelInfo info = PixelInfo::from(f.dataset);
    const PixelInfo &range = stored ? *stored : info;
    PixelInfo whole = info;
    whole.bits_stored = info.bits_allocated;
    std::vector<std::vector<int64_t>> out;
    for (uint64_t i = 0; i < info.frames; ++i) {
        Bytes b = frame_bytes(f.dataset, i);
        auto v = dk_test::samples_of(whole, b.data(), b.size(), info.planar_configuration == 1);
        for (auto &x : v) x = clamp_stored(range, x);
        out.push_back(std::move(v));
    }
    return out;
}

/// Decodes frame `i` of an encapsulated file with our codec for its transfer syntax.
std::vector<int64_t> our_decode(const DicomFile &f, uint64_t i, FrameLayout *layout = nullptr) {
    return dk_test::our_frame_samples(codec_for(f.transfer_syntax), PixelInfo::from(f.dataset), f, i, layout);
}

/// opj_decompress of one codestream (dk_test::opj_decompress_samples), clamped into the Bits
/// Stored range.
std::vector<int64_t> opj_decode(const dk_test::TempDir &tmp, const std::string &name, const uint8_t *cs, size_t n,
                                const PixelInfo &info) {
    std::vector<int64_t> v = dk_test::opj_decompress_samples(tmp, name, cs, n, info);
    for (auto &x : v) x = clamp_stored(info, x);
    return v;
}

/// Our encoding of every frame of a native file (dk_test::our_encoding); `codestreams` gets them
/// as the codec wrote them.
DicomFile our_encode(const DicomFile &native, const char *uid, const EncodeOptions &options,
                     std::vector<std::vector<uint8_t>> *codestreams = nullptr) {
    dk_test::OurEncoding enc = dk_test::our_encoding(native, uid, options);
    if (codestreams) *codestreams = std::move(enc.codestreams);
    return enc.file;
}

// ---- GDCM encodes, we decode ------------------------------------------------------------------

void gdcm_encodes_we_decode(const dk_test::TempDir &tmp, bool lossy) {
    for (const auto &spec : dk_test::standard_specs()) {
        SCOPED_TRACE(spec.name);
        const std::string native = tmp / (spec.name + ".dcm"), j2k = tmp / (spec.name + ".j2k.dcm"),
                          raw = tmp / (spec.name + ".raw.dcm");
        const DicomFile orig = dk_test::make_image(spec);
        write_file(native, orig);
        if (lossy)
            dk_test::tool({"gdcmconv", "--j2k", "--lossy", "-r", "10", native, j2k});
        else
            dk_test::tool({"gdcmconv", "--j2k", native, j2k});
        dk_test::tool({"gdcmconv", "--raw", j2k, raw});
        const DicomFile enc = read_file(j2k), dec = read_file(raw);
        ASSERT_EQ(enc.transfer_syntax, lossy ? kJ2k : kJ2kLossless);
        const PixelInfo info = PixelInfo::from(enc.dataset);
        const auto golden = native_frames(dec, &info), original = native_frames(orig);
        ASSERT_EQ(golden.size(), info.frames);
        for (uint64_t i = 0; i < info.frames; ++i) {
            FrameLayout layout;
            const auto ours = our_decode(enc, i, &layout);
            EXPECT_EQ(dk_test::max_abs_diff(ours, golden[i]), 0) << "frame " << i << " vs gdcmconv --raw";
            Bytes cs = frame_bytes(enc.dataset, i);
            EXPECT_EQ(dk_test::max_abs_diff(ours, opj_decode(tmp, spec.name + std::to_string(i), cs.data(), cs.size(), info)), 0)
                << "frame " << i << " vs opj_decompress";
            if (!lossy) {
                EXPECT_EQ(dk_test::max_abs_diff(ours, original[i]), 0) << "frame " << i << " vs the original";
            }
        }
    }
}

TEST_F(J2kPeers, GdcmLosslessWeDecodeBitExact) { gdcm_encodes_we_decode(tmp_, false); }
TEST_F(J2kPeers, GdcmLossyWeDecodeAsGdcmDoes) { gdcm_encodes_we_decode(tmp_, true); }

// ---- We encode, GDCM and OpenJPEG decode -------------------------------------------------------

TEST_F(J2kPeers, OurLosslessGdcmDecodesBitExact) {
    for (const auto &spec : dk_test::standard_specs()) {
        SCOPED_TRACE(spec.name);
        const DicomFile orig = dk_test::make_image(spec);
        std::vector<std::vector<uint8_t>> cs;
        const DicomFile enc = our_encode(orig, kJ2kLossless, {}, &cs);
        EXPECT_EQ(enc.dataset.get_string(Tag(0x0028, 0x0004)), spec.samples == 3 ? "YBR_RCT" : spec.photometric);
        const std::string path = tmp_ / (spec.name + ".ours.dcm"), raw = tmp_ / (spec.name + ".ours.raw.dcm");
        write_file(path, enc);
        dk_test::tool({"gdcmconv", "--raw", path, raw});
        const auto golden = native_frames(read_file(raw)), original = native_frames(orig);
        ASSERT_EQ(golden.size(), original.size());
        const PixelInfo info = PixelInfo::from(enc.dataset);
        for (size_t i = 0; i < golden.size(); ++i) {
            EXPECT_EQ(dk_test::max_abs_diff(golden[i], original[i]), 0) << "frame " << i << " by gdcmconv --raw";
            EXPECT_EQ(dk_test::max_abs_diff(opj_decode(tmp_, spec.name + std::to_string(i), cs[i].data(), cs[i].size(), info),
                                            original[i]),
                      0)
                << "frame " << i << " by opj_decompress";
        }
    }
}

TEST_F(J2kPeers, OurLossyPeersDecodeAsWeDo) {
    EncodeOptions options;
    options.ratio = 5;
    for (const auto &spec : dk_test::standard_specs()) {
        SCOPED_TRACE(spec.name);
        const DicomFile orig = dk_test::make_image(spec);
        std::vector<std::vector<uint8_t>> cs;
        const DicomFile enc = our_encode(orig, kJ2k, options, &cs);
        EXPECT_EQ(enc.dataset.get_string(Tag(0x0028, 0x0004)), spec.samples == 3 ? "YBR_ICT" : spec.photometric);
        const std::string path = tmp_ / (spec.name + ".lossy.dcm"), raw = tmp_ / (spec.name + ".lossy.raw.dcm");
        write_file(path, enc);
        dk_test::tool({"gdcmconv", "--raw", path, raw});
        const auto golden = native_frames(read_file(raw)), original = native_frames(orig);
        const PixelInfo info = PixelInfo::from(enc.dataset);
        for (size_t i = 0; i < golden.size(); ++i) {
            const auto ours = our_decode(enc, i);
            EXPECT_EQ(dk_test::max_abs_diff(ours, golden[i]), 0) << "frame " << i << " vs gdcmconv --raw";
            EXPECT_EQ(dk_test::max_abs_diff(ours, opj_decode(tmp_, spec.name + std::to_string(i), cs[i].data(), cs[i].size(), info)), 0)
                << "frame " << i << " vs opj_decompress";
            // 5:1 on these small images: RMS error under 2% of the range (the peers' decode).
            EXPECT_LT(dk_test::rms_diff(golden[i], original[i]), 0.02 * double(int64_t(1) << spec.bits_stored)) << "frame " << i;
        }
    }
}

// ---- Bad input from a peer ---------------------------------------------------------------------

TEST_F(J2kPeers, CutOrCorruptGdcmCodestreamsThrow) {
    const auto spec = dk_test::standard_specs()[3];  // mono16
    const std::string native = tmp_ / "bad.dcm", j2k = tmp_ / "bad.j2k.dcm";
    write_file(native, dk_test::make_image(spec));
    dk_test::tool({"gdcmconv", "--j2k", native, j2k});
    const DicomFile enc = read_file(j2k);
    const PixelInfo info = PixelInfo::from(enc.dataset);
    Bytes b = frame_bytes(enc.dataset, 0);
    const std::vector<uint8_t> cs(b.data(), b.data() + b.size());
    std::vector<uint8_t> out(info.frame_bytes());
    for (size_t n : {size_t(0), size_t(2), size_t(50), cs.size() / 3, cs.size() / 2, cs.size() - 10}) {
        try {
            codec_for(kJ2kLossless).decode(info, cs.data(), n, out.data(), out.size());
            ADD_FAILURE() << "decoded " << n << " of " << cs.size() << " bytes";
        } catch (const Error &e) {
            EXPECT_TRUE(e.code() == Errc::truncated || e.code() == Errc::malformed) << n << ": " << e.what();
        }
    }
    for (size_t at = 0; at < cs.size(); at += 3) {
        std::vector<uint8_t> bad = cs;
        bad[at] ^= 0x5A;
        try {
            codec_for(kJ2kLossless).decode(info, bad.data(), bad.size(), out.data(), out.size());
        } catch (const Error &) {
        }
    }
}

// ---- Speed ----------------------------------------------------------------------------------------

TEST_F(J2kPeers, SpeedAgainstGdcmconv512x512x16) {
    const dk_test::ImageSpec spec{"speed16", 512, 512, 1, 1, 16, 16, false, "MONOCHROME2", 0};
    const DicomFile orig = dk_test::make_image(spec);
    const std::string native = tmp_ / "speed.dcm", j2k = tmp_ / "speed.j2k.dcm", raw = tmp_ / "speed.raw.dcm";
    write_file(native, orig);
    const dk_test::CodecInput input = dk_test::codec_input(orig);
    const PixelInfo &info = input.info;
    const auto &frames = input.frames;
    std::vector<uint8_t> cs;
    FrameLayout layout;
    const double enc_ms =
        dk_test::best_ms_of(5, [&] { cs = codec_for(kJ2kLossless).encode(info, frames[0].data(), frames[0].size(), {}, layout); });
    std::vector<uint8_t> out(info.frame_bytes());
    const double dec_ms =
        dk_test::best_ms_of(5, [&] { codec_for(kJ2kLossless).decode(info, cs.data(), cs.size(), out.data(), out.size()); });
    EXPECT_EQ(out, frames[0]);
    double gdcm_enc = 1e18, gdcm_dec = 1e18;
    for (int i = 0; i < 3; ++i) {
        const auto e = dk_test::run({"gdcmconv", "--j2k", native, j2k});
        ASSERT_EQ(e.status, 0) << e.all();
        gdcm_enc = std::min(gdcm_enc, e.ms);
        const auto d = dk_test::run({"gdcmconv", "--raw", j2k, raw});
        ASSERT_EQ(d.status, 0) << d.all();
        gdcm_dec = std::min(gdcm_dec, d.ms);
    }
    std::printf("[ speed    ] J2K lossless 512x512x16 (%zu -> %zu bytes): ours encode %.1f ms, decode %.1f ms; "
                "gdcmconv --j2k %.1f ms, --raw %.1f ms (whole process)\n",
                frames[0].size(), cs.size(), enc_ms, dec_ms, gdcm_enc, gdcm_dec);
}

}  // namespace
