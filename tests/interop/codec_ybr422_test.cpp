// Native (uncompressed) YBR_FULL_422 pixel data (PS3.3 C.7.6.3.1.2: each two horizontally
// adjacent pixels stored Y1 Y2 Cb Cr, Planar Configuration 0), 8-bit (see kLayouts), crafted byte
// by byte here, one and three frames. dcmconv and gdcmconv --raw keep such data as it is; pydicom's
// pixel_array upsamples it to YBR_FULL (Y Cb Cr for every pixel), and dcmj2pnm renders it. So,
// against those peers:
//  - decode_frame gives pydicom's pixel_array, Photometric Interpretation YBR_FULL;
//  - render_frame gives dcmj2pnm's RGB to ±2 (DCMTK truncates its YCbCr conversion, we round);
//  - transcoding to JPEG-LS, RLE and JPEG 2000 lossless gives files dcmdjpls, dcmdrle and
//    gdcmconv --raw decode to pydicom's array, marked YBR_FULL; `dcmkit transcode` does it too.
// Skipped without the tools.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"
#include "dcmkit/render.h"
#include "codec_support.h"

using namespace dcmkit;

namespace {

using dk_test::Frames;
using dk_test::TempDir;

struct Layout {
    const char *name;
    uint32_t rows, columns, frames, bits_allocated, bits_stored;
};
// 8-bit only: pydicom 2.3 miscounts 16-bit YBR_FULL_422 (its numpy_handler sizes the upsampled
// array in bytes, not samples, and fails), and 8 bits is what this data is in practice.
constexpr Layout kLayouts[] = {{"ybr422_8", 40, 50, 1, 8, 8}, {"ybr422_mf", 24, 30, 3, 8, 8}};

/// A native YBR_FULL_422 file: Y rising across and down, Cb and Cr varying per pair.
DicomFile make_ybr422(const Layout &l) {
    DicomFile f = dk_test::make_image({l.name, l.rows, l.columns, l.frames, 3, l.bits_allocated, l.bits_stored, false,
                                       "YBR_FULL_422", 0});
    const uint32_t max = (1u << l.bits_stored) - 1, bps = l.bits_allocated / 8;
    std::vector<uint8_t> px;
    auto put = [&](uint32_t v) {
        v %= max + 1;
        px.push_back(uint8_t(v));
        if (bps == 2) px.push_back(uint8_t(v >> 8));
    };
    const uint32_t scale = (max + 1) / 256;
    for (uint32_t fr = 0; fr < l.frames; ++fr)
        for (uint32_t r = 0; r < l.rows; ++r)
            for (uint32_t c = 0; c < l.columns; c += 2) {
                put((r * 5 + c * 3 + fr * 11) * scale);         // Y1
                put((r * 5 + c * 3 + 7 + fr * 11) * scale);     // Y2
                put((128 + r * 2 + 256 - c) * scale);           // Cb
                put((100 + c * 2 + fr * 20) * scale);           // Cr
            }
    f.dataset.set_bytes(tags::PixelData, bps == 2 ? VR::OW : VR::OB, Bytes(std::move(px)));
    return f;
}

/// pydicom's pixel_array of `path`, frame by frame, samples interleaved.
Frames pydicom_frames(const TempDir &tmp, const std::string &path, const Layout &l) {
    const std::string raw = tmp / "pydicom.raw";
    dk_test::tool({"/usr/bin/python3", "-c",
                   "import sys, pydicom, numpy\n"
                   "a = pydicom.dcmread(sys.argv[1]).pixel_array\n"
                   "open(sys.argv[2], 'wb').write(numpy.ascontiguousarray(a, dtype='<i8').tobytes())\n",
                   path, raw});
    const std::string bytes = dk_test::read_bytes(raw);
    const size_t per_frame = size_t(l.rows) * l.columns * 3;
    if (bytes.size() != per_frame * l.frames * 8) throw std::runtime_error("pydicom gave " + std::to_string(bytes.size()) + " bytes");
    Frames frames(l.frames, std::vector<int64_t>(per_frame));
    for (size_t i = 0; i < per_frame * l.frames; ++i) {
        int64_t v;
        std::memcpy(&v, bytes.data() + 8 * i, 8);
        frames[i / per_frame][i % per_frame] = v;
    }
    return frames;
}

bool have_pydicom() { return dk_test::run({"/usr/bin/python3", "-c", "import pydicom, numpy"}).status == 0; }

class Ybr422 : public ::testing::TestWithParam<Layout> {
protected:
    void SetUp() override {
        if (!have_pydicom()) GTEST_SKIP() << "pydicom (Debian's python3) missing";
        path = tmp / (std::string(GetParam().name) + ".dcm");
        write_file(path, make_ybr422(GetParam()));
        golden = pydicom_frames(tmp, path, GetParam());
    }
    TempDir tmp{"dcmkit-ybr422"};
    std::string path;
    Frames golden;
};

TEST_P(Ybr422, DecodesToYbrFullLikePydicom) {
    const DicomFile f = read_file(path);
    PixelInfo info = PixelInfo::from(f.dataset);
    EXPECT_EQ(frame_bytes(f.dataset, 0).size(), info.frame_bytes() * 2 / 3);  // as stored: 2 samples a pixel
    Frames ours;
    for (uint64_t i = 0; i < info.frames; ++i) {
        FrameLayout fl;
        const std::vector<uint8_t> frame = decode_frame(f.dataset, f.transfer_syntax, i, &fl);
        EXPECT_EQ(fl.photometric, "YBR_FULL");
        ours.push_back(dk_test::samples_of(info, frame.data(), frame.size(), false));
    }
    dk_test::expect_same_samples(ours, golden, GetParam().name);
}

TEST_P(Ybr422, RendersLikeDcmj2pnm) {
    if (!dk_test::have_tools({"dcmj2pnm"})) GTEST_SKIP() << "dcmj2pnm missing";
    const DicomFile f = read_file(path);
    for (uint64_t fr = 0; fr < GetParam().frames; ++fr) {
        const std::string ppm = tmp / "dcmtk.ppm";
        dk_test::tool({"dcmj2pnm", "+op", "+F", std::to_string(fr + 1), path, ppm});
        const std::string p = dk_test::read_bytes(ppm);
        unsigned w = 0, h = 0, maxval = 0;
        int header = 0;
        ASSERT_EQ(std::sscanf(p.c_str(), "P6 %u %u %u%n", &w, &h, &maxval, &header), 3);
        const size_t start = size_t(header) + 1;
        const Image8 ours = render_frame(f, fr);
        ASSERT_EQ(ours.channels, 3u);
        ASSERT_EQ(p.size() - start, ours.pixels.size());
        int worst = 0;
        for (size_t i = 0; i < ours.pixels.size(); ++i)
            worst = std::max(worst, std::abs(int(ours.pixels[i]) - int(uint8_t(p[start + i]))));
        EXPECT_LE(worst, 2) << GetParam().name << " frame " << fr;  // DCMTK truncates, we round (render_test)
    }
}

TEST_P(Ybr422, TranscodesToLosslessSyntaxesPeersDecode) {
    struct Target {
        const char *uid;
        std::vector<std::string> peer;
    };
    const Target targets[] = {{"1.2.840.10008.1.2.4.80", {"dcmdjpls"}},
                              {"1.2.840.10008.1.2.5", {"dcmdrle"}},
                              {"1.2.840.10008.1.2.4.90", {"gdcmconv", "--raw"}}};
    for (const Target &t : targets) {
        if (!dk_test::have_tools({t.peer[0].c_str()})) continue;
        DicomFile f = read_file(path);
        ASSERT_NO_THROW(transcode(f, t.uid)) << t.uid;
        EXPECT_EQ(f.dataset.get_string_or(Tag(0x0028, 0x0004), ""), "YBR_FULL") << t.uid;
        const std::string out = tmp / "coded.dcm";
        write_file(out, f);
        const Frames theirs = dk_test::decompressed_by(t.peer, out, tmp / "peer.dcm");
        dk_test::expect_same_samples(theirs, golden, std::string(GetParam().name) + " via " + t.peer[0]);
        EXPECT_EQ(read_file(tmp / "peer.dcm").dataset.get_string_or(Tag(0x0028, 0x0004), ""), "YBR_FULL") << t.uid;
    }
    // The command line: what failed before with "native YBR_FULL_422 … is not supported".
    const dk_test::ProcResult r = dk_test::run({DCMKIT_CLI, "transcode", path, tmp / "cli.dcm", "--ts", "rle"});
    ASSERT_EQ(r.status, 0) << r.all();
    if (dk_test::have_tools({"dcmdrle"}))
        dk_test::expect_same_samples(dk_test::decompressed_by({"dcmdrle"}, tmp / "cli.dcm", tmp / "cli-native.dcm"), golden,
                                     "dcmkit transcode --ts rle");
}

INSTANTIATE_TEST_SUITE_P(Layouts, Ybr422, ::testing::ValuesIn(kLayouts),
                         [](const ::testing::TestParamInfo<Layout> &p) { return std::string(p.param.name); });

}  // namespace
