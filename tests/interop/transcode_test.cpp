// Transcoding between every pair of transfer syntaxes: each result is decoded by a peer (GDCM's
// gdcmconv --raw, or DCMTK) and compared with the original samples; lossy targets get the Lossy
// Image Compression attributes of PS3.3 C.7.6.1.1.5; lossy-to-lossless is refused unless asked
// for; offset tables; corrupt frames; the dcmkit transcode command.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "codec_support.h"

using namespace dcmkit;
using namespace dk_test;

namespace {

const char *kExplicit = "1.2.840.10008.1.2.1", *kImplicit = "1.2.840.10008.1.2", *kBig = "1.2.840.10008.1.2.2",
           *kDeflate = "1.2.840.10008.1.2.1.99", *kRle = "1.2.840.10008.1.2.5", *kJpegLossless = "1.2.840.10008.1.2.4.57",
           *kJpegSv1 = "1.2.840.10008.1.2.4.70", *kJls = "1.2.840.10008.1.2.4.80", *kJlsNear = "1.2.840.10008.1.2.4.81",
           *kJ2kLossless = "1.2.840.10008.1.2.4.90", *kJ2k = "1.2.840.10008.1.2.4.91", *kHtLossless = "1.2.840.10008.1.2.4.201",
           *kHtRpcl = "1.2.840.10008.1.2.4.202", *kHt = "1.2.840.10008.1.2.4.203", *kBaseline = "1.2.840.10008.1.2.4.50",
           *kExtended = "1.2.840.10008.1.2.4.51";

const std::vector<const char *> kLossless = {kExplicit, kImplicit, kBig,     kDeflate,     kRle,        kJpegLossless,
                                             kJpegSv1,  kJls,      kJlsNear, kJ2kLossless, kHtLossless, kHtRpcl};

bool gdcm_reads(const std::string &ts) {
    // GDCM 3.0 has no HTJ2K decoder.
    return ts != kHtLossless && ts != kHtRpcl && ts != kHt;
}

std::string short_name(const std::string &uid) { return std::string(TransferSyntax::from_uid(uid).name); }

/// All samples of every frame, decoded by dcmkit (masked/sign-extended to Bits Stored).
std::vector<int64_t> our_samples(const DicomFile &f) {
    PixelInfo info = PixelInfo::from(f.dataset);
    info.planar_configuration = 0;
    std::vector<int64_t> all;
    for (uint64_t i = 0; i < info.frames; ++i) {
        const auto frame = decode_frame(f.dataset, f.transfer_syntax, i);
        const auto s = samples_of(info, frame.data(), frame.size(), false);
        all.insert(all.end(), s.begin(), s.end());
    }
    return all;
}

/// All samples as a peer decodes them: gdcmconv --raw to a native file (dcmdjpeg for JPEG, which
/// converts YBR_FULL_422 to RGB as we do, where GDCM keeps YCbCr), read back.
std::vector<int64_t> peer_samples(const TempDir &tmp, const std::string &path) {
    const std::string ts = read_file(path).transfer_syntax;
    const bool jpeg = ts == kBaseline || ts == kExtended;
    const std::vector<std::string> peer = jpeg ? std::vector<std::string>{"dcmdjpeg"} : std::vector<std::string>{"gdcmconv", "--raw"};
    std::vector<int64_t> all;
    for (const auto &frame : decompressed_by(peer, path, path + ".raw.dcm")) all.insert(all.end(), frame.begin(), frame.end());
    (void)tmp;
    return all;
}

class Transcode : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_tools({"gdcmconv", "dcmdump"})) GTEST_SKIP() << "gdcmconv (libgdcm-tools) and dcmdump (dcmtk) needed";
    }
    TempDir tmp{"dcmkit-transcode"};
};

TEST_F(Transcode, EveryPairOfLosslessSyntaxes) {
    // A multi-frame signed 12-bit image and an RGB one (planar configuration 1, re-interleaved).
    const std::vector<ImageSpec> specs = {{"mf12s", 24, 20, 3, 1, 16, 12, true, "MONOCHROME2", 0},
                                          {"rgb8p", 17, 23, 1, 3, 8, 8, false, "RGB", 1}};
    for (const auto &spec : specs) {
        const DicomFile original = make_image(spec);
        const std::string src = tmp / (spec.name + ".dcm");
        write_file(src, original);
        const std::vector<int64_t> want = peer_samples(tmp, src);
        int n = 0;
        for (const char *a : kLossless) {
            DicomFile first = read_file(src);
            TranscodeOptions o;
            o.encode.near_lossless = 0;  // .81 with NEAR 0 is lossless
            ASSERT_NO_THROW(transcode(first, a, o)) << spec.name << " to " << short_name(a);
            const std::string pa = tmp / (spec.name + "-a" + std::to_string(n++) + ".dcm");
            write_file(pa, first);
            for (const char *b : kLossless) {
                SCOPED_TRACE(spec.name + ": " + short_name(a) + " -> " + short_name(b));
                DicomFile second = read_file(pa);
                ASSERT_NO_THROW(transcode(second, b, o));
                EXPECT_EQ(second.transfer_syntax, b);
                const std::string pb = tmp / (spec.name + "-b" + std::to_string(n++) + ".dcm");
                write_file(pb, second);
                const DicomFile back = read_file(pb);
                EXPECT_EQ(back.dataset.get_string_or(Tag(0x0028, 0x2110), "00"), "00") << "marked lossy";
                if (gdcm_reads(b)) {
                    EXPECT_EQ(peer_samples(tmp, pb), want);
                } else {
                    EXPECT_EQ(our_samples(back), want);
                }
                // Native to native keeps the planes as they are; anything through a codec interleaves.
                const bool through_codec = TransferSyntax::from_uid(a).encapsulated || TransferSyntax::from_uid(b).encapsulated;
                if (spec.samples == 3 && through_codec) {
                    EXPECT_EQ(back.dataset.get_int_opt(Tag(0x0028, 0x0006)).value_or(0), 0) << "planar configuration";
                }
            }
        }
    }
}

TEST_F(Transcode, LossyTargetsRecordTheirLossAndGetANewUid) {
    struct Target {
        const char *ts, *method;
        ImageSpec spec;
        int64_t tolerance;  // largest error allowed against the original, per sample
    };
    const ImageSpec mono8{"mono8", 64, 48, 1, 1, 8, 8, false, "MONOCHROME2", 0};
    const ImageSpec mono12{"mono12", 60, 50, 1, 1, 16, 12, false, "MONOCHROME2", 0};
    const ImageSpec rgb8{"rgb8", 48, 64, 1, 3, 8, 8, false, "RGB", 0};
    const std::vector<Target> targets = {
        {kBaseline, "ISO_10918_1", mono8, 40}, {kBaseline, "ISO_10918_1", rgb8, 60}, {kExtended, "ISO_10918_1", mono8, 40},
        {kJlsNear, "ISO_14495_1", mono12, 2},  {kJ2k, "ISO_15444_1", mono12, 400},   {kHt, "ISO_15444_15", mono12, 400},
    };
    for (const auto &t : targets) {
        SCOPED_TRACE(short_name(t.ts) + " " + t.spec.name);
        const DicomFile original = make_image(t.spec);
        const std::string src = tmp / "lossy-src.dcm";
        write_file(src, original);
        DicomFile f = read_file(src);
        TranscodeOptions o;
        o.encode.ratio = 8;
        o.encode.quality = 85;
        o.encode.near_lossless = 2;
        ASSERT_NO_THROW(transcode(f, t.ts, o));
        const std::string out = tmp / "lossy.dcm";
        write_file(out, f);
        const DicomFile back = read_file(out);
        EXPECT_EQ(back.dataset.get_string(Tag(0x0028, 0x2110)), "01");
        EXPECT_EQ(back.dataset.get_string(Tag(0x0028, 0x2114)), t.method);
        EXPECT_GT(back.dataset.get_number(Tag(0x0028, 0x2112)), 1.0);
        EXPECT_NE(back.dataset.get_string(tags::SOPInstanceUID), original.dataset.get_string(tags::SOPInstanceUID));
        const std::vector<int64_t> want = peer_samples(tmp, src);
        const std::vector<int64_t> got = gdcm_reads(t.ts) ? peer_samples(tmp, out) : our_samples(back);
        const int64_t d = max_abs_diff(got, want);
        EXPECT_GE(d, 0) << "sizes differ";
        EXPECT_LE(d, t.tolerance);

        // Lossy to lossless is refused, unless asked for; the file stays marked lossy either way.
        DicomFile again = read_file(out);
        try {
            transcode(again, kJls);
            ADD_FAILURE() << "lossy to lossless was not refused";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument) << e.what();
            EXPECT_EQ(again.transfer_syntax, t.ts) << "the file changed although transcode threw";
        }
        TranscodeOptions allow;
        allow.lossy_to_lossless = true;
        ASSERT_NO_THROW(transcode(again, kJls, allow));
        EXPECT_EQ(again.dataset.get_string(Tag(0x0028, 0x2110)), "01");
        // Decompressing to a native syntax is always allowed.
        DicomFile native = read_file(out);
        ASSERT_NO_THROW(transcode(native, kExplicit));
        EXPECT_EQ(native.dataset.get_string(Tag(0x0028, 0x2110)), "01");
    }
}

TEST_F(Transcode, OffsetTablesAreReadByPeers) {
    const ImageSpec spec{"mf16", 32, 48, 5, 1, 16, 16, false, "MONOCHROME2", 0};
    const DicomFile original = make_image(spec);
    const std::string src = tmp / "mf.dcm";
    write_file(src, original);
    const std::vector<int64_t> want = peer_samples(tmp, src);
    for (bool extended : {false, true}) {
        SCOPED_TRACE(extended ? "extended offset table" : "basic offset table");
        DicomFile f = read_file(src);
        TranscodeOptions o;
        o.extended_offset_table = extended;
        transcode(f, kRle, o);
        const std::string out = tmp / (extended ? "eot.dcm" : "bot.dcm");
        write_file(out, f);
        const std::string dump = tool({"dcmdump", "+L", out});
        EXPECT_EQ(dump.find("(7fe0,0001) OV") != std::string::npos, extended) << dump;
        EXPECT_EQ(dump.find("(7fe0,0002) OV") != std::string::npos, extended) << dump;
        // The Basic Offset Table: five offsets (20 bytes), or empty with the Extended one.
        const DicomFile back = read_file(out);
        const Element *pd = back.dataset.find(tags::PixelData);
        ASSERT_TRUE(pd && pd->is_encapsulated());
        EXPECT_EQ(pd->fragments[0].size(), extended ? 0u : 20u);
        EXPECT_EQ(pd->fragments.size(), 6u);
        EXPECT_EQ(peer_samples(tmp, out), want);
        EXPECT_EQ(our_samples(back), want);
        if (have_tools({"dcmdrle"})) tool({"dcmdrle", out, out + ".drle.dcm"});
    }
}

TEST_F(Transcode, CorruptFrameIsNamedAndTheFileIsUnchanged) {
    const ImageSpec spec{"mf8", 40, 40, 4, 1, 8, 8, false, "MONOCHROME2", 0};
    const std::string src = tmp / "mf8.dcm", rle = tmp / "mf8-rle.dcm";
    write_file(src, make_image(spec));
    if (!have_tools({"dcmcrle"})) GTEST_SKIP() << "dcmcrle not installed";
    tool({"dcmcrle", src, rle});
    DicomFile f = read_file(rle);
    Element *pd = f.dataset.find(tags::PixelData);
    ASSERT_TRUE(pd && pd->fragments.size() == 5);
    // Frame 2 loses its second half.
    std::vector<uint8_t> cut(pd->fragments[3].data(), pd->fragments[3].data() + pd->fragments[3].size() / 2);
    pd->fragments[3] = Bytes(std::move(cut));
    // The offset table now misplaces frame 3 as well; the error names frame 2, the first bad one in
    // frame order, however the decoding threads happen to run (repeated to give them the chance).
    for (int round = 0; round < 50; ++round) {
        TranscodeOptions o;
        o.threads = 4;
        try {
            transcode(f, kExplicit, o);
            ADD_FAILURE() << "a truncated frame was decoded";
        } catch (const Error &e) {
            EXPECT_TRUE(e.code() == Errc::truncated || e.code() == Errc::malformed) << e.what();
            ASSERT_NE(std::string(e.what()).find("frame 2"), std::string::npos) << "round " << round << ": " << e.what();
        }
    }
    EXPECT_EQ(f.transfer_syntax, kRle);
    EXPECT_TRUE(f.dataset.find(tags::PixelData)->is_encapsulated());
}

TEST_F(Transcode, FramesSplitOverSeveralFragments) {
    // dcmcjpeg/dcmcjpls +fs 1 cut every frame into 1 KB fragments: frames are found through the
    // Basic Offset Table (multi-frame), or all fragments make the one frame (no table needed).
    if (!have_tools({"dcmcjpeg", "dcmdjpeg", "dcmcjpls"})) GTEST_SKIP() << "DCMTK codec tools missing";
    const std::vector<ImageSpec> specs = {{"mf16", 64, 64, 3, 1, 16, 16, false, "MONOCHROME2", 0},
                                          {"mono16", 80, 70, 1, 1, 16, 16, false, "MONOCHROME2", 0}};
    for (const auto &spec : specs) {
        const std::string src = tmp / (spec.name + ".dcm");
        write_file(src, make_image(spec));
        const std::vector<int64_t> want = peer_samples(tmp, src);
        for (const std::vector<std::string> &argv :
             {std::vector<std::string>{"dcmcjpeg", "+e1", "+fs", "1"}, {"dcmcjpls", "+fs", "1"},
              {"dcmcjpeg", "+e1", "+fs", "1", "-ot"}}) {
            if (spec.frames > 1 && argv.back() == "-ot") continue;  // without a table, frames of several fragments are ambiguous
            SCOPED_TRACE(spec.name + " " + shell_words(argv));
            const std::string out = tmp / (spec.name + "-frag.dcm");
            std::vector<std::string> a = argv;
            a.push_back(src);
            a.push_back(out);
            tool(a);
            const DicomFile f = read_file(out);
            const Element *pd = f.dataset.find(tags::PixelData);
            ASSERT_TRUE(pd && pd->is_encapsulated());
            EXPECT_GT(pd->fragments.size() - 1, size_t(spec.frames)) << "expected several fragments per frame";
            EXPECT_EQ(our_samples(f), want);
        }
    }
}

TEST_F(Transcode, CommandLine) {
    if (!have_tools({"dcmdjpls"})) GTEST_SKIP() << "dcmdjpls not installed";
    const ImageSpec spec{"mono16s", 64, 40, 1, 1, 16, 16, true, "MONOCHROME2", 0};
    const std::string src = tmp / "cli.dcm", out = tmp / "cli-jls.dcm", back = tmp / "cli-back.dcm";
    write_file(src, make_image(spec));
    ProcResult r = run({DCMKIT_CLI, "transcode", src, out, "--ts", "jpegls", "-v"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(read_file(out).transfer_syntax, kJls);
    tool({"dcmdjpls", out, back});
    EXPECT_EQ(peer_samples(tmp, back), peer_samples(tmp, src));

    r = run({DCMKIT_CLI, "transcode", src, out, "--ts", "no-such-syntax"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("unknown transfer syntax"), std::string::npos) << r.err;
    r = run({DCMKIT_CLI, "transcode", src, out, "--ts", "jpeg", "--quality", "500"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--quality"), std::string::npos) << r.err;
    r = run({DCMKIT_CLI, "transcode", src, out, "--ts", "jpeg"});  // 16-bit signed: no JPEG baseline
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("cannot encode"), std::string::npos) << r.err;
}

}  // namespace
