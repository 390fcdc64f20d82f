// Pixel Representation 1, Bits Stored 13 of 16, and a codestream whose own signedness disagrees
// with the attributes, both ways, for every lossless codec: the values must be what DCMTK and GDCM
// make of them, and the same whatever the syntax (codecs.h, apply_pixel_representation).
//
// What the peers do, found by experiment and checked here: gdcmconv --raw, dcmdjpls, dcmdjpeg and
// dcmdrle keep the bits the codestream gives and the dataset's attributes; DCMTK then reads the low
// Bits Stored bits as Pixel Representation says (dcmj2pnm -v --image-info reports -2000..1969 for
// an unsigned J2K codestream in a signed dataset, 1..8190 for a signed one in an unsigned
// dataset). So the golden values are the peers' decompressed bits read that way, and our decoders
// must give exactly those, sign-extended to 16 bits when signed, the bits above Bits Stored clear
// when not.
//
// Codestreams: JPEG 2000 from opj_compress (raw input declared 13-bit signed or unsigned), HTJ2K
// from ojph_compress (unsigned; our encoder for the signed one, which ojph_compress 0.9 clips), JPEG-LS, JPEG lossless and RLE from dcmcjpls, dcmcjpeg +el and
// dcmcrle of a 16-bit image whose attributes are then changed to 13 bits stored with the other
// Pixel Representation (a 16-bit precision holding sign-extended samples, or the 13-bit patterns).
// 12-bit lossy JPEG has no signed form (the DCT codes level-shifted unsigned samples): not tested.
// Skipped without the tools.
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

using dk_test::Frames;
using dk_test::ImageSpec;
using dk_test::TempDir;

constexpr uint32_t kSize = 64;

/// Signed 13-bit values -2000..1969 (and the extremes of 13 bits).
std::vector<int64_t> image() {
    std::vector<int64_t> v(kSize * kSize);
    for (uint32_t r = 0; r < kSize; ++r)
        for (uint32_t c = 0; c < kSize; ++c) v[r * kSize + c] = int64_t(c) * 60 + int64_t(r) * 3 - 2000;
    v[kSize * kSize - 2] = -4096;
    v[kSize * kSize - 1] = 4095;
    return v;
}

std::vector<uint8_t> words(const std::vector<int64_t> &v, uint32_t mask) {
    std::vector<uint8_t> out;
    for (int64_t x : v) {
        const uint32_t w = uint32_t(x) & mask;
        out.push_back(uint8_t(w));
        out.push_back(uint8_t(w >> 8));
    }
    return out;
}

/// A 64x64 MONOCHROME2 dataset, 16 bits allocated, with `pixels` native.
DicomFile native(uint32_t bits_stored, bool is_signed, std::vector<uint8_t> pixels) {
    DicomFile f = dk_test::make_image({"sign", kSize, kSize, 1, 1, 16, bits_stored, is_signed, "MONOCHROME2", 0});
    f.dataset.set_bytes(tags::PixelData, VR::OW, Bytes(std::move(pixels)));
    return f;
}

/// Sets Bits Stored 13, High Bit 12 and Pixel Representation in a file.
void set_attributes(const std::string &path, bool is_signed) {
    DicomFile f = read_file(path);
    f.dataset.set_int(Tag(0x0028, 0x0101), 13, VR::US);
    f.dataset.set_int(Tag(0x0028, 0x0102), 12, VR::US);
    f.dataset.set_int(Tag(0x0028, 0x0103), is_signed ? 1 : 0, VR::US);
    write_file(path, f);
}

/// Wraps one codestream as a file of `uid`, 13 bits stored, signed or not.
void wrap(const std::string &path, const std::string &uid, const std::string &codestream, bool is_signed) {
    DicomFile f = native(13, is_signed, {});
    f.transfer_syntax = uid;
    Element px(tags::PixelData, VR::OB);
    px.undefined_length = true;
    px.fragments.emplace_back();
    px.fragments.push_back(Bytes(dk_test::padded_to_even(std::vector<uint8_t>(codestream.begin(), codestream.end()))));
    f.dataset.set(std::move(px));
    write_file(path, f);
}

/// Our decoding of frame 0, the 16-bit words read as int16 (signed dataset) or uint16: no masking,
/// so bits left above Bits Stored show.
std::vector<int64_t> ours_unmasked(const std::string &path) {
    const DicomFile f = read_file(path);
    const PixelInfo info = PixelInfo::from(f.dataset);
    const std::vector<uint8_t> out = decode_frame(f.dataset, f.transfer_syntax, 0);
    std::vector<int64_t> v;
    for (size_t i = 0; i + 1 < out.size(); i += 2) {
        const uint16_t w = uint16_t(out[i] | out[i + 1] << 8);
        v.push_back(info.pixel_representation ? int64_t(int16_t(w)) : int64_t(w));
    }
    return v;
}

/// DCMTK's minimum and maximum pixel value of a native file (dcmj2pnm -v --image-info).
std::pair<int64_t, int64_t> dcmtk_range(const std::string &path) {
    const dk_test::ProcResult r = dk_test::run({"dcmj2pnm", "-v", "--image-info", "--no-output", path});
    long long lo = 0, hi = 0;
    const size_t a = r.all().find("minimum pixel value : "), b = r.all().find("maximum pixel value : ");
    if (a == std::string::npos || b == std::string::npos) throw std::runtime_error("dcmj2pnm: " + r.all());
    std::sscanf(r.all().c_str() + a, "minimum pixel value : %lld", &lo);
    std::sscanf(r.all().c_str() + b, "maximum pixel value : %lld", &hi);
    return {lo, hi};
}

struct Way {
    bool coded_signed;  ///< the codestream's signedness; the dataset says the other
    const char *name;
};
constexpr Way kWays[] = {{false, "coded unsigned, dataset signed"}, {true, "coded signed, dataset unsigned"}};

/// What the peers' values come to: the image's signed values in a signed dataset, their 13-bit
/// patterns in an unsigned one (checked against the peers, never used instead of them).
std::vector<int64_t> expected(std::vector<int64_t> v, const Way &way) {
    if (way.coded_signed)
        for (int64_t &x : v) x &= 0x1FFF;
    return v;
}

TEST(Signedness, Jpeg2000LikeGdcmAndDcmtk) {
    if (!dk_test::have_tools({"opj_compress", "opj_decompress", "gdcmconv", "dcmj2pnm"}))
        GTEST_SKIP() << "OpenJPEG tools, gdcmconv or dcmj2pnm missing";
    const std::vector<int64_t> v = image();
    for (const Way &way : kWays) {
        TempDir tmp("dcmkit-sign");
        const std::vector<uint8_t> raw = words(v, way.coded_signed ? 0xFFFF : 0x1FFF);
        dk_test::write_bytes(tmp / "in.rawl", raw.data(), raw.size());
        dk_test::tool({"opj_compress", "-i", tmp / "in.rawl", "-o", tmp / "cs.j2k", "-F",
                       "64,64,1,13," + std::string(way.coded_signed ? "s" : "u")});
        const std::string file = tmp / "j2k.dcm";
        wrap(file, "1.2.840.10008.1.2.4.90", dk_test::read_bytes(tmp / "cs.j2k"), !way.coded_signed);
        const Frames golden = dk_test::decompressed_by({"gdcmconv", "--raw"}, file, tmp / "gd.dcm");
        // DCMTK reads GDCM's bits as the attributes say: the rule.
        const auto [lo, hi] = dcmtk_range(tmp / "gd.dcm");
        EXPECT_EQ(lo, *std::min_element(golden[0].begin(), golden[0].end())) << way.name;
        EXPECT_EQ(hi, *std::max_element(golden[0].begin(), golden[0].end())) << way.name;
        EXPECT_EQ(golden[0], expected(v, way)) << way.name;
        EXPECT_EQ(ours_unmasked(file), golden[0]) << way.name;
    }
}

TEST(Signedness, Htj2kLikeOpenJpegReadByTheRule) {
    if (!dk_test::have_tools({"ojph_compress", "opj_decompress"})) GTEST_SKIP() << "ojph_compress or opj_decompress missing";
    const std::vector<int64_t> v = image();
    for (const Way &way : kWays) {
        TempDir tmp("dcmkit-sign");
        const std::vector<uint8_t> raw = words(v, way.coded_signed ? 0xFFFF : 0x1FFF);
        std::string cs;
        if (!way.coded_signed) {
            dk_test::write_bytes(tmp / "in.yuv", raw.data(), raw.size());
            dk_test::tool({"ojph_compress", "-i", tmp / "in.yuv", "-o", tmp / "cs.j2c", "-dims", "{64,64}", "-num_comps",
                           "1", "-signed", "false", "-bit_depth", "13", "-downsamp", "{1,1}", "-reversible", "true"});
            cs = dk_test::read_bytes(tmp / "cs.j2c");
        } else {
            // OpenJPH 0.9's ojph_compress does not read signed raw samples as two's complement (it
            // clips them): our encoder writes the signed codestream; OpenJPEG decodes it below.
            EncodeOptions options;
            FrameLayout fl;
            const std::vector<uint8_t> bits = dk_test::codec_for("1.2.840.10008.1.2.4.201")
                                                  .encode(PixelInfo::from(native(13, true, raw).dataset), raw.data(),
                                                          raw.size(), options, fl);
            cs.assign(bits.begin(), bits.end());
        }
        const std::string file = tmp / "htj2k.dcm";
        wrap(file, "1.2.840.10008.1.2.4.201", cs, !way.coded_signed);
        // OpenJPEG's values, with the codestream's sign, read by the rule DCMTK follows.
        PixelInfo info = PixelInfo::from(read_file(file).dataset);
        std::vector<int64_t> golden = dk_test::opj_decompress_samples(
            tmp, "cs", reinterpret_cast<const uint8_t *>(cs.data()), cs.size(), info);
        ASSERT_EQ(golden.size(), v.size());
        for (int64_t &x : golden) {
            x &= 0x1FFF;
            if (info.pixel_representation && (x & 0x1000)) x -= 0x2000;
        }
        EXPECT_EQ(golden, expected(v, way)) << way.name;
        EXPECT_EQ(ours_unmasked(file), golden) << way.name;
    }
}

/// A DCMTK compressor's file of a 16-bit native image, its attributes then changed to 13 bits
/// stored with the other signedness; the golden values from `decompressors` (each must agree).
void check_dcmtk_syntax(const std::string &compressor_option, const std::vector<std::string> &compressor,
                        const std::vector<std::vector<std::string>> &decompressors) {
    const std::vector<int64_t> v = image();
    for (const Way &way : kWays) {
        TempDir tmp("dcmkit-sign");
        const std::string in = tmp / "native.dcm", file = tmp / "enc.dcm";
        // Coded signed: 16-bit signed samples, sign-extended; coded unsigned: the 13-bit patterns.
        write_file(in, native(16, way.coded_signed, words(v, way.coded_signed ? 0xFFFF : 0x1FFF)));
        std::vector<std::string> argv = compressor;
        if (!compressor_option.empty()) argv.push_back(compressor_option);
        argv.push_back(in);
        argv.push_back(file);
        dk_test::tool(argv);
        set_attributes(file, !way.coded_signed);
        Frames golden;
        for (const auto &d : decompressors) {
            const Frames g = dk_test::decompressed_by(d, file, tmp / "dd.dcm");
            if (golden.empty()) golden = g;
            EXPECT_EQ(g, golden) << d[0] << " " << way.name;
        }
        ASSERT_EQ(golden.size(), 1u);
        EXPECT_EQ(golden[0], expected(v, way)) << compressor[0] << " " << way.name;
        EXPECT_EQ(ours_unmasked(file), golden[0]) << compressor[0] << " " << way.name;
    }
}

TEST(Signedness, JpegLsLikeDcmtkAndGdcm) {
    if (!dk_test::have_tools({"dcmcjpls", "dcmdjpls", "gdcmconv"})) GTEST_SKIP() << "dcmcjpls, dcmdjpls or gdcmconv missing";
    check_dcmtk_syntax("", {"dcmcjpls"}, {{"dcmdjpls"}, {"gdcmconv", "--raw"}});
}

TEST(Signedness, JpegLosslessLikeDcmtkAndGdcm) {
    if (!dk_test::have_tools({"dcmcjpeg", "dcmdjpeg", "gdcmconv"})) GTEST_SKIP() << "dcmcjpeg, dcmdjpeg or gdcmconv missing";
    check_dcmtk_syntax("+el", {"dcmcjpeg"}, {{"dcmdjpeg"}, {"gdcmconv", "--raw"}});
}

TEST(Signedness, RleBytesAsDcmdrleAndGdcmGiveThem) {
    // RLE codes bytes and has no signedness of its own: like native pixel data, and like dcmdrle, its
    // decoding gives the bytes that were coded, bits above Bits Stored included (a transcode through
    // RLE is lossless to the bit). gdcmconv --raw rewrites those bits by Pixel Representation: read
    // by the rule, our samples are its samples.
    if (!dk_test::have_tools({"dcmcrle", "dcmdrle", "gdcmconv"})) GTEST_SKIP() << "dcmcrle, dcmdrle or gdcmconv missing";
    const std::vector<int64_t> v = image();
    for (const Way &way : kWays) {
        TempDir tmp("dcmkit-sign");
        const std::string in = tmp / "native.dcm", file = tmp / "enc.dcm";
        write_file(in, native(16, way.coded_signed, words(v, way.coded_signed ? 0xFFFF : 0x1FFF)));
        dk_test::tool({"dcmcrle", in, file});
        set_attributes(file, !way.coded_signed);
        const DicomFile f = read_file(file);
        const std::vector<uint8_t> ours = decode_frame(f.dataset, f.transfer_syntax, 0);
        auto pixels_by = [&](std::vector<std::string> argv) {
            argv.push_back(file);
            argv.push_back(tmp / "dd.dcm");
            dk_test::tool(argv);
            const DicomFile peer = read_file(tmp / "dd.dcm");
            const Element *px = peer.dataset.find(tags::PixelData);
            return px ? std::vector<uint8_t>(px->value.data(), px->value.data() + px->value.size()) : std::vector<uint8_t>();
        };
        EXPECT_EQ(pixels_by({"dcmdrle"}), ours) << way.name;
        const Frames gdcm = dk_test::decompressed_by({"gdcmconv", "--raw"}, file, tmp / "gd.dcm");
        ASSERT_EQ(gdcm.size(), 1u);
        std::vector<int64_t> read_by_rule;
        for (size_t i = 0; i + 1 < ours.size(); i += 2) {
            int64_t x = int64_t(ours[i] | ours[i + 1] << 8) & 0x1FFF;
            if (!way.coded_signed && (x & 0x1000)) x -= 0x2000;  // the dataset is signed
            read_by_rule.push_back(x);
        }
        EXPECT_EQ(read_by_rule, gdcm[0]) << way.name;
        EXPECT_EQ(gdcm[0], expected(v, way)) << way.name;
    }
}

}  // namespace
