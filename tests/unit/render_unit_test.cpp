// Rendering and export without peers (the suite runs under ASan+UBSan): the grayscale pipeline on
// frames large enough to go through the per-value table and small enough not to, both against the
// PS3.3 C.11.2.1.2 LINEAR window formula and C.11.1 rescale; min-max over the frame's own values;
// the names of a multi-frame export; JPEG files written (or refused, in a build without
// libjpeg-turbo) with no temporary left behind. Comparisons with DCMTK's dcmj2pnm are in
// interop/render_test.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/render.h"

using namespace dcmkit;

namespace {

/// A signed 12-bit MONOCHROME2 image (in 16-bit cells) whose values sweep -2048..2047, with a
/// rescale of 0.5 / -100 and a window 40 / 400.
DicomFile signed12(uint32_t rows, uint32_t columns, std::vector<int> &values) {
    DicomFile f;
    f.transfer_syntax = "1.2.840.10008.1.2.1";
    Dataset &d = f.dataset;
    d.set_string(tags::SOPClassUID, "1.2.840.10008.5.1.4.1.1.7", VR::UI);
    d.set_int(Tag(0x0028, 0x0002), 1, VR::US);
    d.set_string(Tag(0x0028, 0x0004), "MONOCHROME2", VR::CS);
    d.set_int(Tag(0x0028, 0x0010), rows, VR::US);
    d.set_int(Tag(0x0028, 0x0011), columns, VR::US);
    d.set_int(Tag(0x0028, 0x0100), 16, VR::US);
    d.set_int(Tag(0x0028, 0x0101), 12, VR::US);
    d.set_int(Tag(0x0028, 0x0102), 11, VR::US);
    d.set_int(Tag(0x0028, 0x0103), 1, VR::US);
    d.set_number(Tag(0x0028, 0x1052), -100, VR::DS);
    d.set_number(Tag(0x0028, 0x1053), 0.5, VR::DS);
    d.set_number(Tag(0x0028, 0x1050), 40, VR::DS);
    d.set_number(Tag(0x0028, 0x1051), 400, VR::DS);
    const size_t n = size_t(rows) * columns;
    values.resize(n);
    std::vector<uint8_t> px(n * 2);
    for (size_t i = 0; i < n; ++i) {
        values[i] = int((i * 2654435761u) % 4096) - 2048;
        const uint16_t cell = uint16_t(values[i]) & 0x0FFF;  // two's complement in 12 bits
        px[2 * i] = uint8_t(cell);
        px[2 * i + 1] = uint8_t(cell >> 8);
    }
    d.set_bytes(tags::PixelData, VR::OW, Bytes(std::move(px)));
    return f;
}

/// PS3.3 C.11.2.1.2.1 (LINEAR), 8-bit output.
int linear_window(double x, double c, double w) {
    double y;
    if (x <= c - 0.5 - (w - 1) / 2) y = 0;
    else if (x > c - 0.5 + (w - 1) / 2) y = 255;
    else y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255;
    return int(std::lround(y));
}

TEST(RenderUnit, GrayscaleFollowsRescaleAndWindowWithAndWithoutTheTable) {
    // 8x8 = 64 pixels: per pixel. 90x100 = 9000 pixels >= 4096 / 2: through the table.
    for (const auto &[rows, columns] : std::vector<std::pair<uint32_t, uint32_t>>{{8, 8}, {90, 100}}) {
        std::vector<int> stored;
        const DicomFile f = signed12(rows, columns, stored);
        const Image8 img = render_frame(f, 0);
        ASSERT_EQ(img.pixels.size(), stored.size());
        size_t exact = 0;
        for (size_t i = 0; i < stored.size(); ++i) {
            const int want = linear_window(stored[i] * 0.5 - 100, 40, 400);
            EXPECT_LE(std::abs(int(img.pixels[i]) - want), 1) << rows << "x" << columns << " pixel " << i;
            exact += int(img.pixels[i]) == want;
        }
        EXPECT_GE(exact, stored.size() * 99 / 100) << rows << "x" << columns;

        // min-max: the frame's own minimum and maximum go to 0 and 255, whatever values the table spans.
        RenderOptions mm;
        mm.min_max = true;
        const Image8 m = render_frame(f, 0, mm);
        const auto [lo, hi] = std::minmax_element(stored.begin(), stored.end());
        for (size_t i = 0; i < stored.size(); ++i) {
            const int want = int(std::lround((stored[i] - *lo) * 255.0 / (*hi - *lo)));
            EXPECT_LE(std::abs(int(m.pixels[i]) - want), 1) << rows << "x" << columns << " min-max pixel " << i;
        }
        EXPECT_EQ(*std::min_element(m.pixels.begin(), m.pixels.end()), 0);
        EXPECT_EQ(*std::max_element(m.pixels.begin(), m.pixels.end()), 255);
    }
}

TEST(RenderUnit, TheTableCoversOnlyTheFramesValuesForMinMax) {
    // 90x100 unsigned 8-bit values 100..150 only: min-max stretches 100..150, not 0..255.
    DicomFile f;
    f.transfer_syntax = "1.2.840.10008.1.2.1";
    Dataset &d = f.dataset;
    d.set_int(Tag(0x0028, 0x0002), 1, VR::US);
    d.set_string(Tag(0x0028, 0x0004), "MONOCHROME1", VR::CS);
    d.set_int(Tag(0x0028, 0x0010), 90, VR::US);
    d.set_int(Tag(0x0028, 0x0011), 100, VR::US);
    d.set_int(Tag(0x0028, 0x0100), 8, VR::US);
    d.set_int(Tag(0x0028, 0x0101), 8, VR::US);
    d.set_int(Tag(0x0028, 0x0102), 7, VR::US);
    d.set_int(Tag(0x0028, 0x0103), 0, VR::US);
    std::vector<uint8_t> px(9000);
    for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t(100 + i % 51);
    d.set_bytes(tags::PixelData, VR::OB, Bytes(px));
    const Image8 img = render_frame(f, 0);
    for (size_t i = 0; i < px.size(); ++i) {
        // MONOCHROME1: the minimum is white (PS3.3 C.7.6.3.1.2).
        const int want = 255 - int(std::lround((px[i] - 100) * 255.0 / 50));
        ASSERT_LE(std::abs(int(img.pixels[i]) - want), 1) << "pixel " << i;
    }
}

TEST(RenderUnit, NumberedPaths) {
    EXPECT_EQ(numbered_path("out.jpg", 0), "out_0001.jpg");
    EXPECT_EQ(numbered_path("dir/out.png", 41), "dir/out_0042.png");
    EXPECT_EQ(numbered_path("a.b/out", 0), "a.b/out_0001");
    EXPECT_EQ(numbered_path("out.jpeg", 12344), "out_12345.jpeg");
    EXPECT_EQ(numbered_path("dir/.jpg", 0), "dir/.jpg_0001");
}

std::vector<std::string> entries(const std::string &dir) {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST(RenderUnit, JpegFilesOrAClearRefusal) {
    char tmpl[] = "/tmp/dcmkit-render-unit-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl, path = dir + "/a.jpg";
    std::vector<int> stored;
    const Image8 img = render_frame(signed12(90, 100, stored), 0);
    const bool have_jpeg = find_codec("1.2.840.10008.1.2.4.50") != nullptr;
    for (int q : {0, 101}) {
        try {
            write_jpeg(path, img, q);
            ADD_FAILURE() << "quality " << q << " accepted";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument) << e.what();
        }
    }
    if (have_jpeg) {
        write_jpeg(path, img, 90);
        std::ifstream in(path, std::ios::binary);
        const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ASSERT_GT(b.size(), 4u);
        EXPECT_EQ(b.substr(0, 2), "\xFF\xD8");
        EXPECT_EQ(b.substr(b.size() - 2), "\xFF\xD9");
        // A folder in the way: an io error, the folder and the first file as they were, no temporary.
        ASSERT_EQ(::mkdir((dir + "/b.jpg").c_str(), 0755), 0);
        try {
            write_jpeg(dir + "/b.jpg", img, 90);
            ADD_FAILURE() << "a folder was replaced";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::io) << e.what();
        }
        EXPECT_EQ(entries(dir), (std::vector<std::string>{"a.jpg", "b.jpg"}));
        ::rmdir((dir + "/b.jpg").c_str());
    } else {
        try {
            write_jpeg(path, img, 90);
            ADD_FAILURE() << "JPEG written without libjpeg-turbo";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::unsupported) << e.what();
            EXPECT_NE(std::string(e.what()).find("DCMKIT_WITH_JPEG=OFF"), std::string::npos) << e.what();
        }
        EXPECT_EQ(entries(dir), std::vector<std::string>{});
    }
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
}

}  // namespace
