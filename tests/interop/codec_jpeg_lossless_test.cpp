// JPEG Lossless Process 14 (.57 and .70, ITU-T T.81 Annex H) and our 12-bit sequential DCT decoder,
// against DCMTK and GDCM. For every standard image spec: dcmkit writes the native image, dcmcjpeg
// (+e1, and +el +sv 1..7) and gdcmconv --jpeg compress it, and our decoder must give, frame by frame,
// exactly what dcmdjpeg and gdcmconv --raw decompress from the same files. Then our encoder
// compresses the image with every selection value into files that dcmdjpeg and gdcmconv --raw must
// decode back to the original samples. 12-bit and 8-bit colour DCT files from dcmcjpeg (+ee, +eb) are
// decoded by jpeg_dct_decode and compared with dcmdjpeg's decompression. Truncated and corrupted
// bitstreams must give dcmkit::Error. Skipped when the peer tools are not installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "../../core/codecs/src/codecs.h"
#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"
#include "codec_support.h"

using namespace dcmkit;

namespace {

constexpr const char *kLossless = "1.2.840.10008.1.2.4.57";
constexpr const char *kLosslessSv1 = "1.2.840.10008.1.2.4.70";
constexpr const char *kExtended = "1.2.840.10008.1.2.4.51";
constexpr const char *kBaseline = "1.2.840.10008.1.2.4.50";

using dk_test::expect_same_samples;
using dk_test::Frames;
using dk_test::native_samples;
using dk_test::our_decoding;

/// Our encoding of a native file in `ts` (dk_test::our_encoding: Planar Configuration 0);
/// `fragments` gets the frames' fragments.
DicomFile our_encoding(const DicomFile &native, const char *ts, const EncodeOptions &options,
                       std::vector<std::vector<uint8_t>> *fragments = nullptr) {
    const dk_test::OurEncoding enc = dk_test::our_encoding(native, ts, options);
    for (size_t i = 0; i < enc.codestreams.size(); ++i) {
        EXPECT_TRUE(enc.layouts[i].photometric.empty());
        EXPECT_EQ(enc.layouts[i].lossy, options.point_transform > 0);
        if (fragments) fragments->push_back(dk_test::padded_to_even(enc.codestreams[i]));
    }
    return enc.file;
}

class LosslessPeers : public ::testing::TestWithParam<dk_test::ImageSpec> {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"dcmcjpeg", "dcmdjpeg", "gdcmconv"})) GTEST_SKIP() << "dcmcjpeg, dcmdjpeg or gdcmconv missing";
        ASSERT_NE(find_codec(kLossless), nullptr);
        ASSERT_NE(find_codec(kLosslessSv1), nullptr);
    }
};

TEST_P(LosslessPeers, DecodesWhatPeersEncode) {
    const dk_test::ImageSpec &spec = GetParam();
    dk_test::TempDir tmp("dcmkit-jpegll");
    const std::string native = tmp / "native.dcm";
    write_file(native, dk_test::make_image(spec));
    const Frames original = native_samples(read_file(native));

    // DCMTK: +e1 (.70), then +el +sv N (.57) for every selection value; it picks the precision.
    std::vector<std::pair<std::string, std::vector<std::string>>> runs = {{"e1", {"+e1"}}};
    for (int sv = 1; sv <= 7; ++sv) runs.push_back({"sv" + std::to_string(sv), {"+el", "+sv", std::to_string(sv)}});
    for (const auto &[label, opts] : runs) {
        const std::string jpg = tmp / ("dcmtk-" + label + ".dcm"), raw = tmp / ("dcmtk-" + label + "-raw.dcm");
        std::vector<std::string> argv = {"dcmcjpeg"};
        argv.insert(argv.end(), opts.begin(), opts.end());
        argv.insert(argv.end(), {native, jpg});
        dk_test::tool(argv);
        const DicomFile compressed = read_file(jpg);
        EXPECT_EQ(compressed.transfer_syntax, label == "e1" ? kLosslessSv1 : kLossless);
        const Frames ours = our_decoding(compressed);
        expect_same_samples(ours, dk_test::decompressed_by({"dcmdjpeg"}, jpg, raw), spec.name + " dcmcjpeg +" + label);
        expect_same_samples(ours, original, spec.name + " dcmcjpeg +" + label + " vs original");
    }

    // GDCM's lossless JPEG (gdcmconv --jpeg is lossless unless --lossy is given).
    dk_test::tool({"gdcmconv", "--jpeg", native, tmp / "gdcm.dcm"});
    const DicomFile gdcm = read_file(tmp / "gdcm.dcm");
    EXPECT_TRUE(gdcm.transfer_syntax == kLossless || gdcm.transfer_syntax == kLosslessSv1) << gdcm.transfer_syntax;
    const Frames ours = our_decoding(gdcm);
    expect_same_samples(ours, dk_test::decompressed_by({"gdcmconv", "--raw"}, tmp / "gdcm.dcm", tmp / "gdcm-raw.dcm"),
                        spec.name + " gdcmconv --jpeg");
    expect_same_samples(ours, original, spec.name + " gdcmconv --jpeg vs original");
}

TEST_P(LosslessPeers, PeersDecodeWhatWeEncode) {
    const dk_test::ImageSpec &spec = GetParam();
    dk_test::TempDir tmp("dcmkit-jpegll");
    const std::string native = tmp / "native.dcm";
    write_file(native, dk_test::make_image(spec));
    const DicomFile source = read_file(native);
    const Frames original = native_samples(source);

    for (int sv = 0; sv <= 7; ++sv) {  // 0: .70; 1..7: .57 with that selection value
        EncodeOptions options;
        options.predictor = sv ? sv : 1;
        const char *ts = sv ? kLossless : kLosslessSv1;
        const std::string label = spec.name + (sv ? " .57 sv" + std::to_string(sv) : " .70");
        const std::string ours = tmp / ("ours-" + std::to_string(sv) + ".dcm");
        const DicomFile encoded = our_encoding(source, ts, options);
        write_file(ours, encoded);
        expect_same_samples(our_decoding(read_file(ours)), original, label + " by our decoder");
        expect_same_samples(dk_test::decompressed_by({"dcmdjpeg"}, ours, tmp / "ours-dcmtk-raw.dcm"), original,
                            label + " by dcmdjpeg");
        expect_same_samples(dk_test::decompressed_by({"gdcmconv", "--raw"}, ours, tmp / "ours-gdcm-raw.dcm"), original,
                            label + " by gdcmconv --raw");
    }
}

INSTANTIATE_TEST_SUITE_P(Specs, LosslessPeers, ::testing::ValuesIn(dk_test::standard_specs()),
                         [](const ::testing::TestParamInfo<dk_test::ImageSpec> &p) { return p.param.name; });

/// Every way of spoiling one bitstream: cuts at many points, and single bytes changed. Cuts must give
/// Error(truncated or malformed); a changed byte may still decode (entropy-coded data has no check),
/// but anything else than success must be a dcmkit::Error.
void expect_robust(const PixelInfo &info, const std::vector<uint8_t> &bits,
                   const std::function<void(const uint8_t *, size_t, uint8_t *, size_t)> &decode, const std::string &what) {
    std::vector<uint8_t> out(info.frame_bytes());
    size_t cuts = 0, flips = 0, flip_errors = 0;
    // Cuts keep less than everything before EOI (the data may end in EOI and a padding byte, and
    // EOI may follow 0xFF fill bytes, B.1.1.2).
    size_t eoi = bits.size() - 2;
    while (eoi > 0 && !(bits[eoi] == 0xFF && bits[eoi + 1] == 0xD9)) --eoi;
    while (eoi > 0 && bits[eoi - 1] == 0xFF) --eoi;
    for (size_t n : {size_t(0), size_t(1), size_t(2), size_t(3), size_t(20), eoi / 4, eoi / 2, eoi * 3 / 4, eoi - 40,
                     eoi - 5, eoi - 1}) {
        std::vector<uint8_t> cut(bits.begin(), bits.begin() + std::ptrdiff_t(n));
        try {
            decode(cut.data(), cut.size(), out.data(), out.size());
            ADD_FAILURE() << what << ": cut to " << n << " of " << bits.size() << " bytes decoded without error";
        } catch (const Error &e) {
            EXPECT_TRUE(e.code() == Errc::truncated || e.code() == Errc::malformed) << what << " cut at " << n << ": " << e.what();
        }
        ++cuts;
    }
    for (size_t i = 0; i < bits.size(); i += std::max<size_t>(1, bits.size() / 97)) {
        for (uint8_t x : {uint8_t(0xFF), uint8_t(0x5A), uint8_t(0x01)}) {
            std::vector<uint8_t> bad(bits);
            bad[i] ^= x;
            try {
                decode(bad.data(), bad.size(), out.data(), out.size());
            } catch (const Error &) {
                ++flip_errors;
            }
            ++flips;
        }
    }
    std::printf("[ robust   ] %s: %zu cuts all rejected, %zu corrupted copies (%zu rejected)\n", what.c_str(), cuts, flips,
                flip_errors);
}

TEST(LosslessRobustness, TruncatedCorruptAndMismatchedStreams) {
    if (!dk_test::have_tools({"dcmcjpeg"})) GTEST_SKIP() << "dcmcjpeg missing";
    for (const auto &spec : {dk_test::standard_specs()[3], dk_test::standard_specs()[5]}) {  // mono16, rgb8
        dk_test::TempDir tmp("dcmkit-jpegll-bad");
        write_file(tmp / "native.dcm", dk_test::make_image(spec));
        dk_test::tool({"dcmcjpeg", "+el", "+sv", "4", tmp / "native.dcm", tmp / "dcmtk.dcm"});
        const DicomFile f = read_file(tmp / "dcmtk.dcm");
        const PixelInfo info = PixelInfo::from(f.dataset);
        const Bytes b = frame_bytes(f.dataset, 0);
        const std::vector<uint8_t> bits(b.data(), b.data() + b.size());
        const Codec *codec = find_codec(kLossless);
        expect_robust(info, bits, [&](const uint8_t *p, size_t n, uint8_t *o, size_t on) { codec->decode(info, p, n, o, on); },
                      spec.name + " dcmcjpeg +el +sv 4");

        // The dataset and the SOF disagree: bad_value, and nothing written.
        for (int which = 0; which < 3; ++which) {
            PixelInfo wrong = info;
            if (which == 0) wrong.rows += 1;
            if (which == 1) wrong.columns -= 1;
            if (which == 2) wrong.bits_allocated = 8, wrong.bits_stored = std::min(wrong.bits_stored, 8u);
            if (which == 2 && info.bits_allocated == 8) wrong.samples_per_pixel = 4 - info.samples_per_pixel;
            std::vector<uint8_t> out(wrong.frame_bytes());
            try {
                codec->decode(wrong, bits.data(), bits.size(), out.data(), out.size());
                ADD_FAILURE() << spec.name << ": mismatch " << which << " decoded";
            } catch (const Error &e) {
                EXPECT_EQ(e.code(), Errc::bad_value) << e.what();
            }
        }
    }
}

// ---- 12-bit (and 8-bit colour) sequential DCT: our decoder against dcmdjpeg ----------------------------

struct DctCase {
    std::string label;
    dk_test::ImageSpec spec;
    std::vector<std::string> options;
};

TEST(DctPeers, MatchesDcmdjpeg) {
    if (!dk_test::have_tools({"dcmcjpeg", "dcmdjpeg"})) GTEST_SKIP() << "dcmcjpeg or dcmdjpeg missing";
    const auto specs = dk_test::standard_specs();
    const dk_test::ImageSpec mono12 = specs[1], mono12s = specs[2], rgb8 = specs[5], rgb8p = specs[6];
    const dk_test::ImageSpec big12{"mono12big", 300, 257, 2, 1, 16, 12, false, "MONOCHROME2", 0};
    const std::vector<DctCase> cases = {
        {"ee", mono12, {"+ee"}},           {"ee-q75", mono12, {"+ee", "+q", "75"}},
        {"ee", mono12s, {"+ee"}},          {"ee-q75", mono12s, {"+ee", "+q", "75"}},
        {"ee-q75", big12, {"+ee", "+q", "75"}},
        {"eb", rgb8, {"+eb"}},             {"ee", rgb8, {"+ee"}},
        {"eb-q75", rgb8p, {"+eb", "+q", "75"}}, {"eb-411", rgb8, {"+eb", "+n1"}},
        {"ee-444", rgb8, {"+ee", "+s4"}},  {"ee-rgb", rgb8, {"+ee", "+cr"}},
    };
    int64_t worst = 0;
    for (const auto &c : cases) {
        const std::string what = c.spec.name + " dcmcjpeg +" + c.label;
        dk_test::TempDir tmp("dcmkit-jpegdct");
        write_file(tmp / "native.dcm", dk_test::make_image(c.spec));
        std::vector<std::string> argv = {"dcmcjpeg"};
        argv.insert(argv.end(), c.options.begin(), c.options.end());
        argv.insert(argv.end(), {tmp / "native.dcm", tmp / "dct.dcm"});
        dk_test::tool(argv);
        dk_test::tool({"dcmdjpeg", tmp / "dct.dcm", tmp / "raw.dcm"});
        const DicomFile f = read_file(tmp / "dct.dcm");
        EXPECT_TRUE(f.transfer_syntax == kExtended || f.transfer_syntax == kBaseline) << what << ": " << f.transfer_syntax;
        const DicomFile raw = read_file(tmp / "raw.dcm");
        const Frames golden = native_samples(raw);
        const PixelInfo info = PixelInfo::from(f.dataset);
        const std::string raw_pi = raw.dataset.get_string_or(Tag(0x0028, 0x0004), "");
        ASSERT_EQ(frame_count(f.dataset), golden.size()) << what;
        int64_t diff = 0;
        for (uint64_t i = 0; i < golden.size(); ++i) {
            const Bytes b = frame_bytes(f.dataset, i);
            std::vector<uint8_t> out(info.frame_bytes());
            const FrameLayout fl = codecs::jpeg_dct_decode(info, b.data(), b.size(), out.data(), out.size());
            EXPECT_EQ(fl.photometric.empty() ? info.photometric_interpretation : fl.photometric, raw_pi) << what;
            const auto ours = dk_test::samples_of(info, out.data(), out.size(), false);
            const int64_t d = dk_test::max_abs_diff(ours, golden[i]);
            ASSERT_GE(d, 0) << what << ": sample count";
            diff = std::max(diff, d);
        }
        std::printf("[ dct      ] %-28s %s, %s: max abs diff vs dcmdjpeg %lld\n", what.c_str(),
                    info.photometric_interpretation.c_str(), f.transfer_syntax.c_str(), static_cast<long long>(diff));
        EXPECT_LE(diff, 1) << what;
        worst = std::max(worst, diff);

        if (c.label == "ee-q75" || c.label == "eb") {
            const Bytes b = frame_bytes(f.dataset, 0);
            const std::vector<uint8_t> bits(b.data(), b.data() + b.size());
            expect_robust(info, bits,
                          [&](const uint8_t *p, size_t n, uint8_t *o, size_t on) { codecs::jpeg_dct_decode(info, p, n, o, on); },
                          what);
        }
    }
    std::printf("[ dct      ] worst max abs diff vs dcmdjpeg: %lld\n", static_cast<long long>(worst));
}

// ---- speed (informational) ------------------------------------------------------------------------

TEST(LosslessSpeed, ReportsMegabytesPerSecond) {
    // A 512x512x16-bit image of 16 frames: our codec in memory against dcmcjpeg and dcmdjpeg on the
    // whole file (their time includes starting up and file I/O, a few ms).
    if (!dk_test::have_tools({"dcmcjpeg", "dcmdjpeg"})) GTEST_SKIP() << "dcmcjpeg or dcmdjpeg missing";
    const dk_test::ImageSpec spec{"speed", 512, 512, 16, 1, 16, 16, false, "MONOCHROME2", 0};
    dk_test::TempDir tmp("dcmkit-jpegll-speed");
    const std::string native = tmp / "native.dcm";
    write_file(native, dk_test::make_image(spec));
    const DicomFile source = read_file(native);
    const double mb = 512.0 * 512 * 2 * spec.frames / 1e6;
    const PixelInfo info = PixelInfo::from(source.dataset);
    std::vector<uint8_t> out(info.frame_bytes());

    for (int sv : {1, 6}) {
        EncodeOptions options;
        options.predictor = sv;
        auto t0 = dk_test::Clock::now();
        std::vector<std::vector<uint8_t>> frames;
        const DicomFile ours = our_encoding(source, kLossless, options, &frames);
        const double enc_ms = dk_test::ms_since(t0);
        t0 = dk_test::Clock::now();
        for (const auto &f : frames) find_codec(kLossless)->decode(info, f.data(), f.size(), out.data(), out.size());
        const double dec_ms = dk_test::ms_since(t0);
        size_t bytes = 0;
        for (const auto &f : frames) bytes += f.size();

        const dk_test::ProcResult c = dk_test::run({"dcmcjpeg", "+el", "+sv", std::to_string(sv), native, tmp / "dcmtk.dcm"});
        const dk_test::ProcResult d = dk_test::run({"dcmdjpeg", tmp / "dcmtk.dcm", tmp / "raw.dcm"});
        ASSERT_EQ(c.status, 0) << c.all();
        ASSERT_EQ(d.status, 0) << d.all();
        size_t dcmtk_bytes = 0;
        const DicomFile theirs = read_file(tmp / "dcmtk.dcm");
        for (uint64_t i = 0; i < frame_count(theirs.dataset); ++i) dcmtk_bytes += frame_bytes(theirs.dataset, i).size();
        std::printf("[ speed    ] JPEG lossless sv%d 512x512x16-bit, %u frames: encode %.0f MB/s (dcmcjpeg %.0f MB/s), "
                    "decode %.0f MB/s (dcmdjpeg %.0f MB/s); %zu bytes (dcmcjpeg %zu)\n",
                    sv, spec.frames, mb / enc_ms * 1e3, mb / c.ms * 1e3, mb / dec_ms * 1e3, mb / d.ms * 1e3, bytes, dcmtk_bytes);
    }
}

}  // namespace
