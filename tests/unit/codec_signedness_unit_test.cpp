// The signedness rule every decoder follows (codecs.h, apply_pixel_representation): with Bits
// Stored below Bits Allocated, the low Bits Stored bits of a decoded sample are the stored value,
// read as Pixel Representation says, whatever sign the codestream declares (JPEG 2000 Ssiz) or
// implies (a precision above Bits Stored holding sign-extended samples). A 13-bit signed image coded as unsigned patterns decodes, in a signed
// dataset, to the signed values; coded signed, in an unsigned dataset, to the patterns. The
// values here follow from the rule by bit arithmetic; interop/codec_signedness_test checks the rule
// against DCMTK and GDCM. Runs under ASan+UBSan.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"

using namespace dcmkit;

namespace {

constexpr uint32_t kRows = 40, kColumns = 36;

PixelInfo info13(uint32_t bits_stored, bool is_signed) {
    PixelInfo i;
    i.rows = kRows;
    i.columns = kColumns;
    i.samples_per_pixel = 1;
    i.bits_allocated = 16;
    i.bits_stored = bits_stored;
    i.high_bit = bits_stored - 1;
    i.pixel_representation = is_signed ? 1 : 0;
    i.photometric_interpretation = "MONOCHROME2";
    return i;
}

/// Signed 13-bit values -4096..4095, both ends included, smooth enough for every codec.
std::vector<int32_t> signed_values() {
    std::vector<int32_t> v(size_t(kRows) * kColumns);
    for (size_t i = 0; i < v.size(); ++i) {
        const int32_t r = int32_t(i / kColumns), c = int32_t(i % kColumns);
        v[i] = -2000 + 110 * c + 7 * r;
    }
    v[0] = -4096;
    v[1] = 4095;
    return v;
}

/// 16-bit little-endian words of `values` after `f`.
template <typename F>
std::vector<uint8_t> words(const std::vector<int32_t> &values, F &&f) {
    std::vector<uint8_t> out;
    for (int32_t v : values) {
        const uint16_t w = uint16_t(f(v));
        out.push_back(uint8_t(w));
        out.push_back(uint8_t(w >> 8));
    }
    return out;
}
int32_t pattern13(int32_t v) { return v & 0x1FFF; }   // the 13-bit two's complement pattern
int32_t extended16(int32_t v) { return v & 0xFFFF; }  // sign-extended to 16 bits

std::vector<uint8_t> encode(const char *uid, const PixelInfo &info, const std::vector<uint8_t> &frame) {
    const Codec *codec = find_codec(uid);
    EXPECT_NE(codec, nullptr) << uid;
    EncodeOptions options;
    FrameLayout fl;
    std::string why;
    EXPECT_TRUE(codec->can_encode(info, options, &why)) << uid << ": " << why;
    return codec->encode(info, frame.data(), frame.size(), options, fl);
}

std::vector<uint8_t> decode(const char *uid, const PixelInfo &info, const std::vector<uint8_t> &bits) {
    std::vector<uint8_t> out(info.frame_bytes());
    find_codec(uid)->decode(info, bits.data(), bits.size(), out.data(), out.size());
    return out;
}

struct Syntax {
    const char *name, *uid;
};
const Syntax kLossless[] = {{"JPEG lossless", "1.2.840.10008.1.2.4.70"},
                            {"JPEG-LS", "1.2.840.10008.1.2.4.80"},
                            {"JPEG 2000", "1.2.840.10008.1.2.4.90"}};
// A build without a library (DCMKIT_WITH_CHARLS/OPENJPEG=OFF) checks the codecs it has.
bool compiled_in(const Syntax &s) { return find_codec(s.uid) != nullptr; }
// (RLE is not among them: it codes bytes and gives them back as they were, bits above Bits Stored
// included, like native pixel data: codec_rle_unit_test's BytesComeBackAsTheyWent.)

TEST(Signedness, UnsignedCodestreamInASignedDatasetGivesTheSignedValues) {
    const std::vector<int32_t> v = signed_values();
    const std::vector<uint8_t> expected = words(v, extended16);
    for (const Syntax &s : kLossless) {
        if (!compiled_in(s)) continue;
        // Coded as unsigned: 13-bit patterns at precision 13, and at precision 16 (upper bits clear).
        for (uint32_t coded_bits : {13u, 16u}) {
            const std::vector<uint8_t> bits = encode(s.uid, info13(coded_bits, false), words(v, pattern13));
            EXPECT_EQ(decode(s.uid, info13(13, true), bits), expected) << s.name << ", coded unsigned at " << coded_bits;
        }
    }
}

TEST(Signedness, SignedCodestreamInAnUnsignedDatasetGivesThePatterns) {
    const std::vector<int32_t> v = signed_values();
    const std::vector<uint8_t> expected = words(v, pattern13);
    for (const Syntax &s : kLossless) {
        if (!compiled_in(s)) continue;
        // Coded as signed: at precision 13 (J2K Ssiz signed) and at 16, sign-extended.
        for (uint32_t coded_bits : {13u, 16u}) {
            const std::vector<uint8_t> bits = encode(s.uid, info13(coded_bits, true), words(v, extended16));
            EXPECT_EQ(decode(s.uid, info13(13, false), bits), expected) << s.name << ", coded signed at " << coded_bits;
        }
    }
}

TEST(Signedness, EveryCodecAgrees) {
    // The same image, coded each way by each codec, decodes to the same bytes in each dataset.
    const std::vector<int32_t> v = signed_values();
    for (bool dataset_signed : {false, true}) {
        std::vector<uint8_t> first;
        for (const Syntax &s : kLossless) {
            if (!compiled_in(s)) continue;
            for (bool coded_signed : {false, true}) {
                const std::vector<uint8_t> frame = coded_signed ? words(v, extended16) : words(v, pattern13);
                const std::vector<uint8_t> out =
                    decode(s.uid, info13(13, dataset_signed), encode(s.uid, info13(13, coded_signed), frame));
                if (first.empty()) first = out;
                EXPECT_EQ(out, first) << s.name << (coded_signed ? " coded signed" : " coded unsigned")
                                      << (dataset_signed ? ", signed dataset" : ", unsigned dataset");
            }
        }
    }
}

}  // namespace
