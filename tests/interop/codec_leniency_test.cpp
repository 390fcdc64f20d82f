// JPEG streams from the field that DCMTK and GDCM decode with a warning, against dcmdjpeg and
// gdcmconv --raw. Files from dcmcjpeg (+eb 8-bit baseline, +ee 12-bit extended, +el lossless) are
// altered byte by byte:
//  - SOS Ss/Se/Ah/Al other than 0/63/0/0 in a sequential DCT scan: dcmdjpeg and gdcmconv warn
//    ("Invalid SOS parameters for sequential JPEG") and decode; we must decode to their samples and
//    pass the warning on (FrameLayout::warnings; `dcmkit transcode` and `export` print
//    "dcmkit: warning: …").
//  - Se or Ah not 0 in a lossless scan: dcmdjpeg refuses, gdcmconv decodes with a warning: we decode,
//    to GDCM's samples, with a warning. A predictor (Ss) of 0 or 8 both refuse: so do we.
//  - The EOI marker missing: both peers refuse; every scan is there, so we decode (to what the
//    peers make of the intact stream) with a warning. Bytes after EOI: all decode, no warning.
//    Stray bytes before EOI: dcmdjpeg warns and decodes; so do we.
// Skipped without the tools.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"
#include "codec_support.h"

using namespace dcmkit;

namespace {

using dk_test::Frames;
using dk_test::ImageSpec;
using dk_test::ProcResult;
using dk_test::TempDir;

bool have_peers() { return dk_test::have_tools({"dcmcjpeg", "dcmdjpeg", "gdcmconv"}); }

/// A dcmcjpeg compression (`option`: +eb, +ee, +el) of a native image of `spec`.
std::string compressed(const TempDir &tmp, const ImageSpec &spec, const std::string &option) {
    const std::string native = tmp / (spec.name + ".dcm"), out = tmp / (spec.name + option + ".dcm");
    write_file(native, dk_test::make_image(spec));
    dk_test::tool({"dcmcjpeg", option, native, out});
    return out;
}

/// The one frame of `in`, changed by `edit`, written to `out`.
void altered(const std::string &in, const std::string &out, const std::function<void(std::vector<uint8_t> &)> &edit) {
    DicomFile f = read_file(in);
    const Bytes frame = frame_bytes(f.dataset, 0);
    std::vector<uint8_t> bits(frame.data(), frame.data() + frame.size());
    while (bits.size() > 2 && !(bits[bits.size() - 2] == 0xFF && bits.back() == 0xD9)) bits.pop_back();  // the pad
    edit(bits);
    Element px(tags::PixelData, VR::OB);
    px.undefined_length = true;
    px.fragments.emplace_back();
    px.fragments.push_back(Bytes(dk_test::padded_to_even(std::move(bits))));
    f.dataset.set(std::move(px));
    write_file(out, f);
}

/// Sets the SOS segment's Ss, Se and Ah/Al bytes (T.81 B.2.3).
std::function<void(std::vector<uint8_t> &)> sos_fields(int ss, int se, int ahal) {
    return [=](std::vector<uint8_t> &bits) {
        for (size_t i = 2; i + 4 < bits.size(); ++i)
            if (bits[i] == 0xFF && bits[i + 1] == 0xDA) {
                const size_t p = i + 5 + 2 * size_t(bits[i + 4]);
                if (ss >= 0) bits[p] = uint8_t(ss);
                if (se >= 0) bits[p + 1] = uint8_t(se);
                if (ahal >= 0) bits[p + 2] = uint8_t(ahal);
                return;
            }
        ADD_FAILURE() << "no SOS";
    };
}

/// Our decoding of the one frame of `path`, and the warnings that came with it.
Frames ours(const std::string &path, std::vector<std::string> &warnings) {
    const DicomFile f = read_file(path);
    const PixelInfo info = PixelInfo::from(f.dataset);
    FrameLayout fl;
    Frames frames{dk_test::our_frame_samples(dk_test::codec_for(f.transfer_syntax), info, f, 0, &fl)};
    warnings = fl.warnings;
    return frames;
}

/// Whether `tool` (argv + in + out) decompresses `in`.
bool peer_decodes(std::vector<std::string> argv, const std::string &in, const std::string &out) {
    argv.push_back(in);
    argv.push_back(out);
    const ProcResult r = dk_test::run(argv);
    return r.status == 0 && r.all().find("Could not") == std::string::npos;
}

struct Source {
    ImageSpec spec;
    std::string option;  ///< dcmcjpeg's
};
const Source kDct[] = {{{"mono8", 64, 48, 1, 1, 8, 8, false, "MONOCHROME2", 0}, "+eb"},
                       {{"rgb8", 48, 64, 1, 3, 8, 8, false, "RGB", 0}, "+eb"},
                       {{"mono12", 60, 50, 1, 1, 16, 12, false, "MONOCHROME2", 0}, "+ee"}};

TEST(JpegLeniency, SequentialScanWithOtherSosFieldsDecodesLikeDcmtkAndGdcm) {
    if (!have_peers()) GTEST_SKIP() << "dcmcjpeg, dcmdjpeg or gdcmconv missing";
    TempDir tmp("dcmkit-lenient");
    for (const Source &src : kDct) {
        const std::string in = compressed(tmp, src.spec, src.option);
        const int fields[][3] = {{0, 0, 0}, {1, 63, 0}, {0, 1, 0}, {0, 63, 0x10}, {0, 63, 0x01}, {8, 63, 0}};
        for (const auto &f : fields) {
            const std::string what = src.spec.name + " Ss " + std::to_string(f[0]) + " Se " + std::to_string(f[1]) +
                                     " Ah/Al " + std::to_string(f[2]);
            const std::string odd = tmp / "odd.dcm";
            altered(in, odd, sos_fields(f[0], f[1], f[2]));
            // DCMTK: "W: Invalid SOS parameters for sequential JPEG", and the image.
            const ProcResult d = dk_test::run({"dcmdjpeg", odd, tmp / "dd.dcm"});
            ASSERT_EQ(d.status, 0) << what << ": " << d.all();
            EXPECT_NE(d.all().find("Invalid SOS parameters"), std::string::npos) << d.all();
            const Frames golden = dk_test::native_samples(read_file(tmp / "dd.dcm"));
            std::vector<std::string> warnings;
            Frames got;
            ASSERT_NO_THROW(got = ours(odd, warnings)) << what;
            const int64_t diff = dk_test::max_abs_diff(got, golden);
            EXPECT_GE(diff, 0) << what;
            EXPECT_LE(diff, 1) << what;  // the IDCT rounding bound of codec_jpeg_test (measured 0)
            ASSERT_EQ(warnings.size(), 1u) << what;
            EXPECT_NE(warnings[0].find("nvalid SOS parameters for sequential JPEG"), std::string::npos) << warnings[0];
        }
    }
}

TEST(JpegLeniency, LosslessScanWithUnusedFieldsSetDecodesLikeGdcm) {
    if (!have_peers()) GTEST_SKIP() << "dcmcjpeg, dcmdjpeg or gdcmconv missing";
    TempDir tmp("dcmkit-lenient");
    const std::string in = compressed(tmp, {"mono12", 60, 50, 1, 1, 16, 12, false, "MONOCHROME2", 0}, "+el");
    const std::string odd = tmp / "odd.dcm";
    for (const auto &f : {std::pair<int, int>{1, -1}, std::pair<int, int>{-1, 0x10}, std::pair<int, int>{63, 0x20}}) {
        altered(in, odd, sos_fields(-1, f.first, f.second));
        EXPECT_FALSE(peer_decodes({"dcmdjpeg"}, odd, tmp / "dd.dcm"));  // DCMTK: "Invalid lossless parameters"
        ASSERT_TRUE(peer_decodes({"gdcmconv", "--raw"}, odd, tmp / "gd.dcm"));
        const Frames golden = dk_test::native_samples(read_file(tmp / "gd.dcm"));
        std::vector<std::string> warnings;
        Frames got;
        ASSERT_NO_THROW(got = ours(odd, warnings));
        EXPECT_EQ(dk_test::max_abs_diff(got, golden), 0);
        ASSERT_EQ(warnings.size(), 1u);
        EXPECT_NE(warnings[0].find("invalid SOS parameters for lossless JPEG"), std::string::npos) << warnings[0];
    }
    // A predictor outside 1..7: both peers refuse, so do we.
    for (int ss : {0, 8}) {
        altered(in, odd, sos_fields(ss, -1, -1));
        EXPECT_FALSE(peer_decodes({"dcmdjpeg"}, odd, tmp / "dd.dcm"));
        EXPECT_FALSE(peer_decodes({"gdcmconv", "--raw"}, odd, tmp / "gd.dcm"));
        std::vector<std::string> warnings;
        EXPECT_THROW(ours(odd, warnings), Error) << "Ss " << ss;
    }
}

TEST(JpegLeniency, MissingEoiAndBytesAfterIt) {
    if (!have_peers()) GTEST_SKIP() << "dcmcjpeg, dcmdjpeg or gdcmconv missing";
    TempDir tmp("dcmkit-lenient");
    std::vector<Source> sources(std::begin(kDct), std::end(kDct));
    sources.push_back({{"mono12", 60, 50, 1, 1, 16, 12, false, "MONOCHROME2", 0}, "+el"});
    for (const Source &src : sources) {
        const std::string what = src.spec.name + " " + src.option;
        const std::string in = compressed(tmp, src.spec, src.option);
        const Frames golden = dk_test::decompressed_by({"dcmdjpeg"}, in, tmp / "intact.dcm");
        std::vector<std::string> warnings;
        Frames got;
        ASSERT_NO_THROW(got = ours(in, warnings)) << what;
        EXPECT_TRUE(warnings.empty()) << what << ": " << warnings[0];  // a clean stream: no warning
        // Bytes after EOI: every decoder stops at EOI.
        const std::string trailing = tmp / "trailing.dcm";
        altered(in, trailing, [](std::vector<uint8_t> &b) { b.insert(b.end(), {'J', 'U', 'N', 'K', 0, 0xFF}); });
        ASSERT_TRUE(peer_decodes({"dcmdjpeg"}, trailing, tmp / "dd.dcm")) << what;
        ASSERT_NO_THROW(got = ours(trailing, warnings)) << what;
        EXPECT_LE(dk_test::max_abs_diff(got, golden), 1) << what;
        EXPECT_GE(dk_test::max_abs_diff(got, golden), 0) << what;
        // No EOI: dcmdjpeg and gdcmconv refuse; the image is whole, so we decode it, and warn.
        const std::string no_eoi = tmp / "no-eoi.dcm";
        altered(in, no_eoi, [](std::vector<uint8_t> &b) { b.resize(b.size() - 2); });
        EXPECT_FALSE(peer_decodes({"dcmdjpeg"}, no_eoi, tmp / "dd.dcm")) << what;
        ASSERT_NO_THROW(got = ours(no_eoi, warnings)) << what;
        EXPECT_LE(dk_test::max_abs_diff(got, golden), 1) << what;
        EXPECT_GE(dk_test::max_abs_diff(got, golden), 0) << what;
        ASSERT_EQ(warnings.size(), 1u) << what;
        EXPECT_NE(warnings[0].find("no EOI marker"), std::string::npos) << warnings[0];
        if (src.option == "+el") continue;  // stray bytes in a lossless stream: both peers refuse
        // Stray bytes between the coded data and EOI: dcmdjpeg says "Corrupt JPEG data: N extraneous
        // bytes before marker 0xd9" and decodes. Our 12-bit decoder says so too; libjpeg-turbo (8-bit)
        // reads them ahead as coded data and does not notice.
        const std::string junk = tmp / "junk.dcm";
        altered(in, junk, [](std::vector<uint8_t> &b) {
            size_t at = b.size() - 2;
            while (at > 0 && b[at - 1] == 0xFF) --at;  // before any fill bytes ahead of EOI (B.1.1.2)
            b.insert(b.begin() + std::ptrdiff_t(at), {0x12, 0x34, 0x56, 0x78});
        });
        const ProcResult d = dk_test::run({"dcmdjpeg", junk, tmp / "dd.dcm"});
        ASSERT_EQ(d.status, 0) << what << ": " << d.all();
        EXPECT_NE(d.all().find("extraneous bytes before marker"), std::string::npos) << d.all();
        ASSERT_NO_THROW(got = ours(junk, warnings)) << what;
        EXPECT_LE(dk_test::max_abs_diff(got, dk_test::native_samples(read_file(tmp / "dd.dcm"))), 1) << what;
        if (src.spec.bits_stored == 12) {
            ASSERT_EQ(warnings.size(), 1u) << what;
            EXPECT_EQ(warnings[0], "JPEG DCT: corrupt JPEG data: 4 extraneous bytes before marker 0xFFD9");
        }
    }
}

TEST(JpegLeniency, CommandLineSaysWarning) {
    if (!have_peers()) GTEST_SKIP() << "dcmcjpeg, dcmdjpeg or gdcmconv missing";
    TempDir tmp("dcmkit-lenient");
    ImageSpec spec{"mf8", 40, 40, 3, 1, 8, 8, false, "MONOCHROME2", 0};
    const std::string native = tmp / "mf8.dcm", in = tmp / "mf8-jpeg.dcm", odd = tmp / "odd.dcm";
    write_file(native, dk_test::make_image(spec));
    dk_test::tool({"dcmcjpeg", "+eb", native, in});
    // Every frame's SOS with Se 0, as a writer in the field might: one warning, for three frames.
    DicomFile f = read_file(in);
    Element px(tags::PixelData, VR::OB);
    px.undefined_length = true;
    px.fragments.emplace_back();
    for (uint64_t i = 0; i < 3; ++i) {
        const Bytes b = frame_bytes(f.dataset, i);
        std::vector<uint8_t> bits(b.data(), b.data() + b.size());
        sos_fields(0, 0, 0)(bits);
        px.fragments.push_back(Bytes(dk_test::padded_to_even(std::move(bits))));
    }
    f.dataset.set(std::move(px));
    write_file(odd, f);

    ProcResult r = dk_test::run({DCMKIT_CLI, "transcode", odd, tmp / "out.dcm", "--ts", "explicit"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.err.find("dcmkit: warning: " + odd + ": frame 0: JPEG: Invalid SOS parameters for sequential JPEG "
                         "(Ss 0, Se 0, Ah 0, Al 0): decoded as a sequential scan (and 2 more frames)"),
              std::string::npos)
        << r.err;
    const Frames golden = dk_test::decompressed_by({"dcmdjpeg"}, odd, tmp / "dd.dcm");
    const int64_t diff = dk_test::max_abs_diff(dk_test::native_samples(read_file(tmp / "out.dcm")), golden);
    EXPECT_GE(diff, 0);
    EXPECT_LE(diff, 1);

    r = dk_test::run({DCMKIT_CLI, "export", odd, tmp / "f1.png", "--frame", "1"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.err.find("dcmkit: warning: " + odd + ": frame 1: JPEG: Invalid SOS parameters"), std::string::npos) << r.err;
    // A clean file: no warning.
    r = dk_test::run({DCMKIT_CLI, "transcode", in, tmp / "clean.dcm", "--ts", "explicit"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
}

}  // namespace
