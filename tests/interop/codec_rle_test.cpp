// RLE Lossless (PS3.5 Annex G) against DCMTK and GDCM. For every standard image spec (plus 16-bit
// RGB and 32-bit): dcmkit writes the native image, dcmcrle and gdcmconv --rle compress it, and our
// decoder must give, frame by frame, exactly what dcmdrle and gdcmconv --raw decompress from the same
// files. Then our encoder compresses the image into a file that dcmdrle and gdcmconv --raw must
// decode back to the original samples, and whose frames are compared byte for byte with dcmcrle's
// (our runs are chosen as DCMTK chooses them). Skipped when the peer tools are not installed.
#include <gtest/gtest.h>

#include <algorithm>
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

constexpr const char *kRle = "1.2.840.10008.1.2.5";

std::vector<dk_test::ImageSpec> rle_specs() {
    std::vector<dk_test::ImageSpec> specs = dk_test::standard_specs();
    specs.push_back({"rgb16", 20, 30, 1, 3, 16, 16, false, "RGB", 0});
    specs.push_back({"mono32", 24, 36, 1, 1, 32, 32, false, "MONOCHROME2", 0});
    return specs;
}

using dk_test::expect_same_samples;
using dk_test::Frames;
using dk_test::native_samples;

/// Every frame of an RLE file decoded by our codec, as samples.
Frames our_decoding(const DicomFile &f) {
    EXPECT_EQ(f.transfer_syntax, kRle);
    return dk_test::our_decoding(f);
}

/// Our RLE encoding of a native file (dk_test::our_encoding); `frames` gets its fragments. RLE is
/// always colour-by-plane, so colour images get Planar Configuration 1 as the note to PS3.5 G.2
/// asks (what gdcmconv --rle writes; DCMTK issue #819); both peers decode the segments the same
/// whatever the value.
DicomFile our_encoding(const DicomFile &native, std::vector<std::vector<uint8_t>> &frames) {
    const dk_test::OurEncoding enc = dk_test::our_encoding(native, kRle, EncodeOptions{}, 1);
    for (size_t i = 0; i < enc.codestreams.size(); ++i) {
        EXPECT_TRUE(enc.layouts[i].photometric.empty());
        EXPECT_FALSE(enc.layouts[i].lossy);
        frames.push_back(dk_test::padded_to_even(enc.codestreams[i]));
    }
    return enc.file;
}

/// Where GDCM 3.0 cannot serve as a peer: gdcmconv --rle aborts on an assertion for planar RGB, and
/// gdcmconv --raw scrambles the bytes of 16-bit RGB RLE frames (its own as well as DCMTK's and
/// ours), so there GDCM's encoding is checked against the original samples instead.
bool gdcm_cannot_encode(const std::string &name) { return name == "rgb8p"; }
bool gdcm_cannot_decode(const std::string &name) { return name == "rgb16"; }

class RlePeers : public ::testing::TestWithParam<dk_test::ImageSpec> {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"dcmcrle", "dcmdrle", "gdcmconv"})) GTEST_SKIP() << "dcmcrle, dcmdrle or gdcmconv missing";
        ASSERT_NE(find_codec(kRle), nullptr);
    }
};

TEST_P(RlePeers, DecodesWhatPeersEncodeAndPeersDecodeOurs) {
    const dk_test::ImageSpec &spec = GetParam();
    dk_test::TempDir tmp("dcmkit-rle");
    const std::string native = tmp / "native.dcm";
    write_file(native, dk_test::make_image(spec));
    const DicomFile source = read_file(native);
    const auto original = native_samples(source);

    // Peers compress; our decoder must match the same peer's decompression bit for bit.
    dk_test::tool({"dcmcrle", native, tmp / "dcmtk.dcm"});
    const DicomFile dcmtk = read_file(tmp / "dcmtk.dcm");
    expect_same_samples(our_decoding(dcmtk), dk_test::decompressed_by({"dcmdrle"}, tmp / "dcmtk.dcm", tmp / "dcmtk-raw.dcm"),
                        spec.name + " dcmcrle");
    expect_same_samples(our_decoding(dcmtk), original, spec.name + " dcmcrle vs original");
    if (gdcm_cannot_encode(spec.name)) {
        std::printf("[ note     ] %s: gdcmconv --rle cannot encode this layout, GDCM-compressed input skipped\n",
                    spec.name.c_str());
    } else {
        dk_test::tool({"gdcmconv", "--rle", native, tmp / "gdcm.dcm"});
        const auto ours = our_decoding(read_file(tmp / "gdcm.dcm"));
        if (gdcm_cannot_decode(spec.name)) {
            expect_same_samples(ours, original, spec.name + " gdcmconv --rle vs original");
        } else {
            expect_same_samples(ours, dk_test::decompressed_by({"gdcmconv", "--raw"}, tmp / "gdcm.dcm", tmp / "gdcm-raw.dcm"),
                                spec.name + " gdcmconv --rle");
        }
    }

    // We compress; both peers must decompress our file to the original samples.
    std::vector<std::vector<uint8_t>> ours;
    write_file(tmp / "ours.dcm", our_encoding(source, ours));
    expect_same_samples(dk_test::decompressed_by({"dcmdrle"}, tmp / "ours.dcm", tmp / "ours-dcmtk-raw.dcm"), original,
                        spec.name + " ours by dcmdrle");
    if (gdcm_cannot_decode(spec.name)) {
        std::printf("[ note     ] %s: gdcmconv --raw garbles this layout, not used\n", spec.name.c_str());
    } else {
        expect_same_samples(dk_test::decompressed_by({"gdcmconv", "--raw"}, tmp / "ours.dcm", tmp / "ours-gdcm-raw.dcm"),
                            original, spec.name + " ours by gdcmconv --raw");
    }

    // Our runs are the ones dcmcrle picks: the same bytes, frame for frame.
    ASSERT_EQ(frame_count(dcmtk.dataset), ours.size());
    for (size_t i = 0; i < ours.size(); ++i) {
        const Bytes theirs = frame_bytes(dcmtk.dataset, i);
        EXPECT_TRUE(theirs.size() == ours[i].size() && std::equal(ours[i].begin(), ours[i].end(), theirs.data()))
            << spec.name << " frame " << i << ": " << ours[i].size() << " bytes, dcmcrle wrote " << theirs.size();
    }
}

INSTANTIATE_TEST_SUITE_P(Specs, RlePeers, ::testing::ValuesIn(rle_specs()),
                         [](const ::testing::TestParamInfo<dk_test::ImageSpec> &p) { return p.param.name; });

TEST(RleSpeed, ReportsMegabytesPerSecond) {
    // Informational: a 512x512x16-bit image of 16 frames, our codec in memory against dcmcrle and
    // dcmdrle on the whole file (their time includes starting up and file I/O).
    if (!dk_test::have_tools({"dcmcrle", "dcmdrle"})) GTEST_SKIP() << "dcmcrle or dcmdrle missing";
    const dk_test::ImageSpec spec{"speed", 512, 512, 16, 1, 16, 12, false, "MONOCHROME2", 0};
    dk_test::TempDir tmp("dcmkit-rle-speed");
    const std::string native = tmp / "native.dcm";
    write_file(native, dk_test::make_image(spec));
    const DicomFile source = read_file(native);
    const double mb = 512.0 * 512 * 2 * spec.frames / 1e6;

    auto t0 = dk_test::Clock::now();
    std::vector<std::vector<uint8_t>> frames;
    const DicomFile ours = our_encoding(source, frames);
    const double enc_ms = dk_test::ms_since(t0);
    const PixelInfo info = PixelInfo::from(source.dataset);
    std::vector<uint8_t> out(info.frame_bytes());
    t0 = dk_test::Clock::now();
    for (const auto &f : frames) find_codec(kRle)->decode(info, f.data(), f.size(), out.data(), out.size());
    const double dec_ms = dk_test::ms_since(t0);

    const dk_test::ProcResult c = dk_test::run({"dcmcrle", native, tmp / "dcmtk.dcm"});
    const dk_test::ProcResult d = dk_test::run({"dcmdrle", tmp / "dcmtk.dcm", tmp / "raw.dcm"});
    ASSERT_EQ(c.status, 0) << c.all();
    ASSERT_EQ(d.status, 0) << d.all();
    std::printf("[ speed    ] RLE 512x512x16-bit, %u frames: encode %.0f MB/s (dcmcrle %.0f MB/s), decode %.0f MB/s "
                "(dcmdrle %.0f MB/s)\n",
                spec.frames, mb / enc_ms * 1e3, mb / c.ms * 1e3, mb / dec_ms * 1e3, mb / d.ms * 1e3);
}

}  // namespace
