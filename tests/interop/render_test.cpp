// Rendering frames to 8-bit display values and PNG, compared with DCMTK's dcmj2pnm on the same file
// and the same VOI choice: grayscale 8/12/16-bit, signed, rescaled, windows, VOI LUT and Modality
// LUT sequences, MONOCHROME1, Presentation LUT Shape INVERSE, RGB, YBR_FULL, PALETTE COLOR,
// multi-frame. The PNG written is read back with libpng. JPEG exports are decoded by DCMTK (img2dcm
// wraps the file, dcmj2pnm decodes it) and compared with dcmj2pnm's own rendering of the image.
#include <png.h>

#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/render.h"
#include "images.h"
#include "peer.h"

using namespace dcmkit;
using namespace dk_test;

namespace {

struct Pnm {
    uint32_t width = 0, height = 0, channels = 0;
    std::vector<uint8_t> pixels;
};

/// Reads a binary PGM (P5) or PPM (P6) with maxval 255, as dcmj2pnm +op writes.
Pnm read_pnm(const std::string &path) {
    const std::string s = read_bytes(path);
    Pnm p;
    size_t pos = 0;
    auto token = [&] {
        while (pos < s.size()) {
            if (s[pos] == '#') {
                while (pos < s.size() && s[pos] != '\n') ++pos;
            } else if (std::isspace(static_cast<unsigned char>(s[pos]))) {
                ++pos;
            } else {
                break;
            }
        }
        const size_t start = pos;
        while (pos < s.size() && !std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
        return s.substr(start, pos - start);
    };
    const std::string magic = token();
    if (magic != "P5" && magic != "P6") throw std::runtime_error(path + ": not a binary PNM");
    p.channels = magic == "P5" ? 1 : 3;
    p.width = uint32_t(std::stoul(token()));
    p.height = uint32_t(std::stoul(token()));
    if (token() != "255") throw std::runtime_error(path + ": maxval is not 255");
    ++pos;  // the single whitespace after maxval
    p.pixels.assign(s.begin() + long(pos), s.end());
    if (p.pixels.size() != size_t(p.width) * p.height * p.channels) throw std::runtime_error(path + ": short PNM");
    return p;
}

/// Reads an 8-bit PNG with libpng.
Image8 read_png(const std::string &path) {
    Image8 img;
    png_image pi{};
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&pi, path.c_str())) throw std::runtime_error(path + ": " + pi.message);
    img.channels = (pi.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
    pi.format = img.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    img.width = pi.width;
    img.height = pi.height;
    img.pixels.resize(PNG_IMAGE_SIZE(pi));
    if (!png_image_finish_read(&pi, nullptr, img.pixels.data(), 0, nullptr)) throw std::runtime_error(path + ": " + pi.message);
    return img;
}

/// Renders with dcmj2pnm (frame counted from 0 here, from 1 there).
Pnm dcmtk_render(const TempDir &tmp, const std::string &in, uint64_t frame, const std::vector<std::string> &voi) {
    const std::string out = tmp / "dcmtk.pnm";
    std::vector<std::string> argv = {"dcmj2pnm", "+op", "+F", std::to_string(frame + 1)};
    argv.insert(argv.end(), voi.begin(), voi.end());
    argv.push_back(in);
    argv.push_back(out);
    tool(argv);
    return read_pnm(out);
}

/// Compares our rendering with DCMTK's: same size and channels, every value within `tolerance`
/// (rounding of the window function differs by one in places).
void expect_same_rendering(const Image8 &ours, const Pnm &theirs, int tolerance, const std::string &what) {
    ASSERT_EQ(ours.width, theirs.width) << what;
    ASSERT_EQ(ours.height, theirs.height) << what;
    ASSERT_EQ(ours.channels, theirs.channels) << what;
    int worst = 0;
    size_t at = 0, off_by_one = 0;
    for (size_t i = 0; i < ours.pixels.size(); ++i) {
        const int d = std::abs(int(ours.pixels[i]) - int(theirs.pixels[i]));
        if (d > 0) ++off_by_one;
        if (d > worst) worst = d, at = i;
    }
    EXPECT_LE(worst, tolerance) << what << ": value " << at << " is " << int(ours.pixels[at]) << ", DCMTK says "
                                << int(theirs.pixels[at]) << " (" << off_by_one << " values differ)";
}

struct Case {
    std::string name;
    std::vector<std::string> dcmtk_voi;
    RenderOptions ours;
};

void set_window(Dataset &d, double c, double w, const char *function = nullptr) {
    d.set_number(Tag(0x0028, 0x1050), c, VR::DS);
    d.set_number(Tag(0x0028, 0x1051), w, VR::DS);
    if (function) d.set_string(Tag(0x0028, 0x1056), function, VR::CS);
}

/// A LUT item: descriptor [entries, first, bits] (US) and data (OW), for Modality/VOI LUT Sequences.
Dataset lut_item(uint16_t entries, int first, uint16_t bits, const std::vector<uint16_t> &data) {
    Dataset item;
    item.set_ints(Tag(0x0028, 0x3002), {entries, first < 0 ? first + 65536 : first, bits}, VR::US);
    std::vector<uint8_t> bytes;
    for (uint16_t v : data) bytes.push_back(uint8_t(v)), bytes.push_back(uint8_t(v >> 8));
    item.set_bytes(Tag(0x0028, 0x3006), VR::OW, Bytes(std::move(bytes)));
    return item;
}

class Render : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_tools({"dcmj2pnm"})) GTEST_SKIP() << "dcmj2pnm (DCMTK) not installed";
    }
    TempDir tmp{"dcmkit-render"};

    void check(const DicomFile &f, const std::string &name, const std::vector<Case> &cases, int tolerance = 1) {
        const std::string path = tmp / (name + ".dcm");
        write_file(path, f);
        const DicomFile back = read_file(path);
        const uint64_t frames = frame_count(back.dataset);
        for (const Case &c : cases) {
            for (uint64_t fr = 0; fr < frames; ++fr) {
                const Image8 ours = render_frame(back, fr, c.ours);
                expect_same_rendering(ours, dcmtk_render(tmp, path, fr, c.dcmtk_voi), tolerance,
                                      name + "/" + c.name + " frame " + std::to_string(fr));
            }
        }
    }
};

const std::vector<Case> kWindowCases = {
    {"min-max", {"+Wm"}, [] { RenderOptions o; o.min_max = true; return o; }()},
    {"window 1", {"+Wi", "1"}, {}},
    {"window 2", {"+Wi", "2"}, [] { RenderOptions o; o.voi_index = 1; return o; }()},
    {"explicit", {"+Ww", "300", "1200"}, [] { RenderOptions o; o.window_center = 300; o.window_width = 1200; return o; }()},
};

TEST_F(Render, GrayscaleWithRescaleAndWindows) {
    for (const char *name : {"mono8", "mono12", "mono12s", "mono16", "mono16s", "mf16"}) {
        for (const auto &spec : standard_specs()) {
            if (spec.name != name) continue;
            DicomFile f = make_image(spec);
            f.dataset.set_number(Tag(0x0028, 0x1052), spec.is_signed ? -100 : -1024, VR::DS);
            f.dataset.set_number(Tag(0x0028, 0x1053), spec.bits_stored > 8 ? 0.5 : 2, VR::DS);
            f.dataset.set_strings(Tag(0x0028, 0x1050), {"40", "-200"}, VR::DS);
            f.dataset.set_strings(Tag(0x0028, 0x1051), {"400", "1500"}, VR::DS);
            check(f, name, kWindowCases);
        }
    }
}

TEST_F(Render, LargeFramesRenderThroughATableAlike) {
    // Frames with more pixels than half the values Bits Stored allows are rendered through a table
    // of every possible value: signed and unsigned, rescaled, windows and min-max, against DCMTK.
    for (ImageSpec spec : {standard_specs()[2], standard_specs()[1]}) {  // mono12s, mono12
        spec.rows = 100;
        spec.columns = 90;
        spec.name += "-large";
        DicomFile f = make_image(spec);
        f.dataset.set_number(Tag(0x0028, 0x1052), spec.is_signed ? -100 : -1024, VR::DS);
        f.dataset.set_number(Tag(0x0028, 0x1053), 0.5, VR::DS);
        f.dataset.set_strings(Tag(0x0028, 0x1050), {"40", "-200"}, VR::DS);
        f.dataset.set_strings(Tag(0x0028, 0x1051), {"400", "1500"}, VR::DS);
        check(f, spec.name, kWindowCases);
    }
}

TEST_F(Render, Monochrome1AndInversePresentationShape) {
    DicomFile f = make_image(standard_specs()[1]);  // mono12
    f.dataset.set_string(Tag(0x0028, 0x0004), "MONOCHROME1", VR::CS);
    set_window(f.dataset, 2048, 3000);
    check(f, "mono1", {{"window", {"+Wi", "1"}, {}}, {"min-max", {"+Wm"}, [] { RenderOptions o; o.min_max = true; return o; }()}});
    DicomFile g = make_image(standard_specs()[0]);
    g.dataset.set_string(Tag(0x2050, 0x0020), "INVERSE", VR::CS);
    check(g, "inverse", {{"min-max", {"+Wm"}, [] { RenderOptions o; o.min_max = true; return o; }()}});
}

TEST_F(Render, VoiLutFunctionSigmoidAndLinearExact) {
    for (const char *fn : {"SIGMOID", "LINEAR_EXACT"}) {
        DicomFile f = make_image(standard_specs()[3]);  // mono16
        set_window(f.dataset, 30000, 20000, fn);
        check(f, fn, {{"window", {"+Wi", "1"}, {}}});
    }
}

TEST_F(Render, VoiLutSequenceAndModalityLutSequence) {
    DicomFile f = make_image(standard_specs()[1]);  // mono12: 0..4095
    std::vector<uint16_t> voi(4096);
    for (size_t i = 0; i < voi.size(); ++i) voi[i] = uint16_t(std::sqrt(double(i) / 4095.0) * 4095.0);
    f.dataset.set_sequence(Tag(0x0028, 0x3010), {lut_item(4096, 0, 12, voi)});
    check(f, "voilut", {{"voi lut 1", {"+Wl", "1"}, {}}});

    DicomFile g = make_image(standard_specs()[1]);
    std::vector<uint16_t> modality(4096);
    for (size_t i = 0; i < modality.size(); ++i) modality[i] = uint16_t(4095 - i / 2);
    g.dataset.set_sequence(Tag(0x0028, 0x3000), {lut_item(4096, 0, 12, modality)});
    check(g, "modlut", {{"min-max", {"+Wm"}, [] { RenderOptions o; o.min_max = true; return o; }()}});
}

TEST_F(Render, ColourRgbYbrAndPalette) {
    for (size_t k : {5u, 6u}) check(make_image(standard_specs()[k]), standard_specs()[k].name, {{"rgb", {}, {}}});

    DicomFile ybr = make_image(standard_specs()[5]);
    ybr.dataset.set_string(Tag(0x0028, 0x0004), "YBR_FULL", VR::CS);
    // DCMTK converts YBR with truncation where we round (PS3.3 C.7.6.3.1.2 gives the real-valued
    // equations): two apart at most.
    check(ybr, "ybr_full", {{"ybr", {}, {}}}, 2);

    DicomFile pal = make_image(standard_specs()[0]);  // mono8 indices
    pal.dataset.set_string(Tag(0x0028, 0x0004), "PALETTE COLOR", VR::CS);
    for (int k = 0; k < 3; ++k) {
        std::vector<uint8_t> data;
        for (int i = 0; i < 256; ++i) {
            const uint16_t v = uint16_t(k == 0 ? i * 257 : k == 1 ? (255 - i) * 257 : (i * 7 % 256) * 257);
            data.push_back(uint8_t(v));
            data.push_back(uint8_t(v >> 8));
        }
        pal.dataset.set_ints(Tag(0x0028, uint16_t(0x1101 + k)), {256, 0, 16}, VR::US);
        pal.dataset.set_bytes(Tag(0x0028, uint16_t(0x1201 + k)), VR::OW, Bytes(std::move(data)));
    }
    check(pal, "palette", {{"palette", {}, {}}});
}

TEST_F(Render, CompressedFramesRenderLikeNative) {
    // The same image, RLE-compressed by DCMTK: rendering goes through our decoder.
    if (!have_tools({"dcmcrle"})) GTEST_SKIP() << "dcmcrle not installed";
    DicomFile f = make_image(standard_specs()[8]);  // mf16
    set_window(f.dataset, 30000, 40000);
    const std::string native = tmp / "mf16.dcm", rle = tmp / "mf16-rle.dcm";
    write_file(native, f);
    tool({"dcmcrle", native, rle});
    const DicomFile back = read_file(rle);
    ASSERT_EQ(back.transfer_syntax, "1.2.840.10008.1.2.5");
    for (uint64_t fr = 0; fr < 3; ++fr)
        expect_same_rendering(render_frame(back, fr), dcmtk_render(tmp, rle, fr, {"+Wi", "1"}), 1, "rle frame " + std::to_string(fr));
}

TEST_F(Render, PngReadsBackAndCliExports) {
    DicomFile f = make_image(standard_specs()[5]);  // rgb8
    const Image8 ours = render_frame(f, 0);
    write_png(tmp / "a.png", ours);
    const Image8 back = read_png(tmp / "a.png");
    EXPECT_EQ(back.width, ours.width);
    EXPECT_EQ(back.height, ours.height);
    EXPECT_EQ(back.channels, 3u);
    EXPECT_EQ(back.pixels, ours.pixels);

    // The CLI: a window, a frame, errors a person can act on.
    DicomFile mf = make_image(standard_specs()[8]);
    write_file(tmp / "mf.dcm", mf);
    ProcResult r = run({DCMKIT_CLI, "export", tmp / "mf.dcm", tmp / "mf.png", "--frame", "2", "--window", "30000", "40000"});
    ASSERT_EQ(r.status, 0) << r.all();
    RenderOptions o;
    o.window_center = 30000;
    o.window_width = 40000;
    EXPECT_EQ(read_png(tmp / "mf.png").pixels, render_frame(mf, 2, o).pixels);
    expect_same_rendering(read_png(tmp / "mf.png"), dcmtk_render(tmp, tmp / "mf.dcm", 2, {"+Ww", "30000", "40000"}), 1, "cli");
    r = run({DCMKIT_CLI, "export", tmp / "mf.dcm", tmp / "x.png", "--frame", "3"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("3 frame(s)"), std::string::npos) << r.err;
    r = run({DCMKIT_CLI, "export", tmp / "mf.dcm", "/nonexistent-dir/x.png"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("cannot create"), std::string::npos) << r.err;
}

/// Decodes a JPEG file with DCMTK: img2dcm wraps it as it is into a DICOM file (JPEG Baseline),
/// dcmj2pnm decodes it (YCbCr to RGB) and writes the 8-bit values without any VOI transformation.
Pnm dcmtk_decode_jpeg(const TempDir &tmp, const std::string &jpg) {
    const std::string dcm = tmp / "peer-jpeg.dcm", out = tmp / "peer-jpeg.pnm";
    tool({"img2dcm", "-i", "JPEG", "-jf", jpg, dcm});  // -jf: insist on the JFIF marker
    tool({"dcmj2pnm", "+op", dcm, out});
    return read_pnm(out);
}

struct JpegError {
    double mean = 0;  ///< mean absolute difference
    int worst = 0;
    double far = 0;   ///< share of values more than 16 apart
};

JpegError compare(const Pnm &a, const Pnm &b) {
    JpegError e;
    if (a.pixels.size() != b.pixels.size() || a.pixels.empty()) return {255, 255, 1};
    double sum = 0;
    size_t far = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) {
        const int d = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
        sum += d;
        far += d > 16;
        e.worst = std::max(e.worst, d);
    }
    e.mean = sum / double(a.pixels.size());
    e.far = double(far) / double(a.pixels.size());
    return e;
}

/// The markers of a JPEG file up to its first scan: SOI, an APP0 JFIF marker, one SOF0 (baseline,
/// 8-bit) of the given size and component count, no other SOFn; EOI last.
void expect_baseline_jfif(const std::string &path, uint32_t width, uint32_t height, unsigned components) {
    const std::string b = read_bytes(path);
    auto u8 = [&](size_t i) { return i < b.size() ? unsigned(static_cast<unsigned char>(b[i])) : 0u; };
    auto u16 = [&](size_t i) { return (u8(i) << 8) | u8(i + 1); };
    ASSERT_GT(b.size(), 20u) << path;
    EXPECT_EQ(u16(0), 0xFFD8u) << path << ": SOI";
    EXPECT_EQ(u16(b.size() - 2), 0xFFD9u) << path << ": EOI";
    EXPECT_EQ(u16(2), 0xFFE0u) << path << ": APP0 first";
    EXPECT_EQ(b.substr(6, 5), std::string("JFIF\0", 5)) << path;
    int sof0 = 0;
    size_t pos = 2;
    while (pos + 4 <= b.size() && u8(pos) == 0xFF && u8(pos + 1) != 0xDA) {
        const unsigned m = u8(pos + 1);
        if (m == 0xC0) {
            ++sof0;
            EXPECT_EQ(u8(pos + 4), 8u) << path << ": precision";
            EXPECT_EQ(u16(pos + 5), height) << path;
            EXPECT_EQ(u16(pos + 7), width) << path;
            EXPECT_EQ(u8(pos + 9), components) << path;
        }
        EXPECT_FALSE(m > 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) << path << ": SOF" << (m - 0xC0);
        pos += 2 + u16(pos + 2);
    }
    EXPECT_EQ(u16(pos), 0xFFDAu) << path << ": the markers lead to a scan";
    EXPECT_EQ(sof0, 1) << path;
}

/// An image rendered by us as JPEG (quality 95) and by dcmj2pnm under the same VOI choice.
struct JpegCase {
    std::string name;
    DicomFile file;
    std::vector<std::string> dcmtk_voi;
    RenderOptions ours;
};

TEST_F(Render, JpegExportMatchesDcmj2pnmDecodedByDcmtk) {
    if (!have_tools({"img2dcm"})) GTEST_SKIP() << "img2dcm (DCMTK) not installed";
    std::vector<JpegCase> cases;
    {
        DicomFile f = make_image(standard_specs()[3]);  // mono16, rescaled, two windows
        f.dataset.set_number(Tag(0x0028, 0x1052), -1024, VR::DS);
        f.dataset.set_number(Tag(0x0028, 0x1053), 0.5, VR::DS);
        f.dataset.set_strings(Tag(0x0028, 0x1050), {"15000", "-200"}, VR::DS);
        f.dataset.set_strings(Tag(0x0028, 0x1051), {"20000", "1500"}, VR::DS);
        cases.push_back({"mono16 window 1", f, {"+Wi", "1"}, {}});
        RenderOptions w;
        w.window_center = 8000;
        w.window_width = 30000;
        cases.push_back({"mono16 explicit", f, {"+Ww", "8000", "30000"}, w});
    }
    {
        DicomFile f = make_image(standard_specs()[1]);  // mono12 as MONOCHROME1
        f.dataset.set_string(Tag(0x0028, 0x0004), "MONOCHROME1", VR::CS);
        set_window(f.dataset, 2048, 3000);
        cases.push_back({"mono1", f, {"+Wi", "1"}, {}});
    }
    cases.push_back({"rgb8", make_image(standard_specs()[5]), {}, {}});
    cases.push_back({"rgb8 planar", make_image(standard_specs()[6]), {}, {}});
    {
        DicomFile pal = make_image(standard_specs()[0]);  // mono8 indices through a smooth palette
        pal.dataset.set_string(Tag(0x0028, 0x0004), "PALETTE COLOR", VR::CS);
        for (int k = 0; k < 3; ++k) {
            std::vector<uint8_t> data;
            for (int i = 0; i < 256; ++i) {
                const uint16_t v = uint16_t(k == 0 ? i * 257 : k == 1 ? (255 - i) * 257 : (i / 2 + 64) * 257);
                data.push_back(uint8_t(v));
                data.push_back(uint8_t(v >> 8));
            }
            pal.dataset.set_ints(Tag(0x0028, uint16_t(0x1101 + k)), {256, 0, 16}, VR::US);
            pal.dataset.set_bytes(Tag(0x0028, uint16_t(0x1201 + k)), VR::OW, Bytes(std::move(data)));
        }
        cases.push_back({"palette", pal, {}, {}});
    }
    for (const JpegCase &c : cases) {
        const std::string dcm = tmp / "in.dcm", jpg = tmp / "out.jpg";
        write_file(dcm, c.file);
        const DicomFile back = read_file(dcm);
        const Image8 img = render_frame(back, 0, c.ours);
        write_jpeg(jpg, img, 95);
        expect_baseline_jfif(jpg, img.width, img.height, img.channels);
        const Pnm decoded = dcmtk_decode_jpeg(tmp, jpg);
        ASSERT_EQ(decoded.width, img.width) << c.name;
        ASSERT_EQ(decoded.height, img.height) << c.name;
        ASSERT_EQ(decoded.channels, img.channels) << c.name;
        const Pnm reference = dcmtk_render(tmp, dcm, 0, c.dcmtk_voi);
        const JpegError e = compare(decoded, reference);
        // Quality 95 on smooth images with noise in the low bits: one or two levels on average.
        // The two corner pixels set to the minimum and maximum, and chroma halved at the disc's
        // edge, are where it is worst: a handful of values.
        std::printf("[ jpeg     ] %s: mean %.2f, worst %d, %.2f%% more than 16 apart\n", c.name.c_str(), e.mean,
                    e.worst, 100 * e.far);
        EXPECT_LE(e.mean, 2.5) << c.name << " (worst " << e.worst << ")";
        EXPECT_LE(e.far, 0.01) << c.name;
        // The comparison tells renderings apart: against dcmj2pnm's min-max stretch (a different
        // VOI) the same file is far off.
        if (!c.dcmtk_voi.empty()) {
            EXPECT_GT(compare(decoded, dcmtk_render(tmp, dcm, 0, {"+Wm"})).mean, 5.0) << c.name;
        }
    }
}

TEST_F(Render, JpegQualityTradesSizeForError) {
    if (!have_tools({"img2dcm"})) GTEST_SKIP() << "img2dcm (DCMTK) not installed";
    const DicomFile f = make_image(standard_specs()[5]);  // rgb8
    write_file(tmp / "rgb.dcm", f);
    const Pnm reference = dcmtk_render(tmp, tmp / "rgb.dcm", 0, {});
    size_t last_size = 0;
    double last_error = 1e9;
    for (int q : {5, 25, 50, 75, 90, 100}) {
        const std::string jpg = tmp / ("q" + std::to_string(q) + ".jpg");
        write_jpeg(jpg, render_frame(f, 0), q);
        const size_t size = read_bytes(jpg).size();
        const double error = compare(dcmtk_decode_jpeg(tmp, jpg), reference).mean;
        EXPECT_GT(size, last_size) << "quality " << q;
        EXPECT_LT(error, last_error) << "quality " << q;
        last_size = size;
        last_error = error;
    }
    // Out of range: refused before anything is written.
    for (int q : {0, 101, -5}) {
        try {
            write_jpeg(tmp / "bad.jpg", render_frame(f, 0), q);
            ADD_FAILURE() << "quality " << q << " accepted";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument) << e.what();
            EXPECT_NE(std::string(e.what()).find("1..100"), std::string::npos) << e.what();
        }
        EXPECT_FALSE(std::ifstream(tmp / "bad.jpg").good());
    }
}

TEST_F(Render, CliExportsEveryFrameToNumberedFiles) {
    if (!have_tools({"img2dcm"})) GTEST_SKIP() << "img2dcm (DCMTK) not installed";
    DicomFile mf = make_image(standard_specs()[8]);  // mf16: 3 frames
    set_window(mf.dataset, 30000, 40000);
    write_file(tmp / "mf.dcm", mf);
    ProcResult r = run({DCMKIT_CLI, "export", tmp / "mf.dcm", tmp / "mf.jpg", "--quality", "95"});
    ASSERT_EQ(r.status, 0) << r.all();
    // The names, and that they were said.
    EXPECT_NE(r.out.find("3 frames written to " + (tmp / "mf_0001.jpg") + " ... " + (tmp / "mf_0003.jpg")),
              std::string::npos) << r.out;
    EXPECT_FALSE(std::ifstream(tmp / "mf.jpg").good());
    EXPECT_FALSE(std::ifstream(tmp / "mf_0004.jpg").good());
    for (uint64_t fr = 0; fr < 3; ++fr) {
        const std::string jpg = tmp / ("mf_000" + std::to_string(fr + 1) + ".jpg");
        expect_baseline_jfif(jpg, 48, 32, 1);
        const JpegError e = compare(dcmtk_decode_jpeg(tmp, jpg), dcmtk_render(tmp, tmp / "mf.dcm", fr, {"+Wi", "1"}));
        EXPECT_LE(e.mean, 1.5) << "frame " << fr << " (worst " << e.worst << ")";
    }
    // Frames differ, so each file holds its own frame: frame 2's file is far from frame 0's rendering.
    EXPECT_GT(compare(dcmtk_decode_jpeg(tmp, tmp / "mf_0003.jpg"), dcmtk_render(tmp, tmp / "mf.dcm", 0, {"+Wi", "1"})).mean,
              compare(dcmtk_decode_jpeg(tmp, tmp / "mf_0003.jpg"), dcmtk_render(tmp, tmp / "mf.dcm", 2, {"+Wi", "1"})).mean + 1);

    // PNG the same way, exact: every frame equals dcmj2pnm's to ±1.
    r = run({DCMKIT_CLI, "export", tmp / "mf.dcm", tmp / "all.png"});
    ASSERT_EQ(r.status, 0) << r.all();
    for (uint64_t fr = 0; fr < 3; ++fr)
        expect_same_rendering(read_png(tmp / ("all_000" + std::to_string(fr + 1) + ".png")),
                              dcmtk_render(tmp, tmp / "mf.dcm", fr, {"+Wi", "1"}), 1, "png frame " + std::to_string(fr));

    // A frame that cannot be written (its name is taken by a folder) stops the export with an
    // error naming it and saying which frames were written.
    ASSERT_EQ(::mkdir((tmp / "part_0002.jpg").c_str(), 0755), 0);
    r = run({DCMKIT_CLI, "export", tmp / "mf.dcm", tmp / "part.jpg"});
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(r.err.find("part_0002.jpg"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("frames 0..0 were written"), std::string::npos) << r.err;
    EXPECT_TRUE(std::ifstream(tmp / "part_0001.jpg").good());
    EXPECT_FALSE(std::ifstream(tmp / "part_0003.jpg").good());

    // --frame N: that frame only, to OUT itself, silently.
    r = run({DCMKIT_CLI, "export", tmp / "mf.dcm", tmp / "one.jpeg", "--frame", "1"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(std::ifstream(tmp / "one_0001.jpeg").good());
    EXPECT_LE(compare(dcmtk_decode_jpeg(tmp, tmp / "one.jpeg"), dcmtk_render(tmp, tmp / "mf.dcm", 1, {"+Wi", "1"})).mean, 2.0);

    // A name without .jpg/.png takes --format; quality is checked, and only for JPEG.
    r = run({DCMKIT_CLI, "export", tmp / "mf.dcm", tmp / "noext", "--format", "jpeg", "--frame", "0"});
    ASSERT_EQ(r.status, 0) << r.all();
    expect_baseline_jfif(tmp / "noext", 48, 32, 1);
    for (const std::vector<std::string> &bad :
         std::vector<std::vector<std::string>>{{"q.jpg", "--quality", "0"}, {"q.jpg", "--quality", "101"},
                                               {"q.jpg", "--quality", "9.5"}, {"q.png", "--quality", "50"},
                                               {"q.gif"}, {"q.jpg", "--format", "gif"}}) {
        std::vector<std::string> argv = {DCMKIT_CLI, "export", tmp / "mf.dcm", tmp / bad[0]};
        argv.insert(argv.end(), bad.begin() + 1, bad.end());
        r = run(argv);
        EXPECT_EQ(r.status, 2) << shell_words(argv) << "\n" << r.all();
        EXPECT_FALSE(std::ifstream(tmp / "q_0001.jpg").good());
    }
}

TEST_F(Render, FailedJpegExportLeavesNoFile) {
    const DicomFile f = make_image(standard_specs()[3]);
    const Image8 img = render_frame(f, 0);
    // The target is a folder: the encoded file cannot be renamed into place, and no temporary is
    // left beside it.
    ASSERT_EQ(::mkdir((tmp / "taken.jpg").c_str(), 0755), 0);
    try {
        write_jpeg(tmp / "taken.jpg", img, 90);
        ADD_FAILURE() << "a JPEG replaced a folder";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::io) << e.what();
        EXPECT_NE(std::string(e.what()).find("taken.jpg"), std::string::npos) << e.what();
    }
    DIR *d = ::opendir(tmp.path().c_str());
    ASSERT_NE(d, nullptr);
    std::vector<std::string> names;
    while (dirent *e = ::readdir(d)) names.push_back(e->d_name);
    ::closedir(d);
    for (const std::string &n : names) EXPECT_EQ(n.find(".dcmkit-"), std::string::npos) << "left behind: " << n;
    // A folder that does not exist; a dataset without pixel data, through the CLI.
    try {
        write_jpeg(tmp / "no-such-folder/x.jpg", img, 90);
        ADD_FAILURE() << "wrote into a missing folder";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::io) << e.what();
    }
    DicomFile sr;
    sr.transfer_syntax = "1.2.840.10008.1.2.1";
    sr.dataset.set_string(tags::SOPClassUID, "1.2.840.10008.5.1.4.1.1.88.11", VR::UI);
    sr.dataset.set_string(tags::SOPInstanceUID, generate_uid(), VR::UI);
    write_file(tmp / "sr.dcm", sr);
    const ProcResult r = run({DCMKIT_CLI, "export", tmp / "sr.dcm", tmp / "sr.jpg"});
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(r.err.find("no pixel data"), std::string::npos) << r.err;
    EXPECT_FALSE(std::ifstream(tmp / "sr.jpg").good());
}

TEST(RenderErrors, FullDiskIsAnIoError) {
    DicomFile f = make_image(standard_specs()[3]);
    try {
        write_png("/dev/full", render_frame(f, 0));
        ADD_FAILURE() << "writing to /dev/full succeeded";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::io) << e.what();
    }
}

}  // namespace
