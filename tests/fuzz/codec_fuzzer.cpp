// libFuzzer target: the decoder of one codec on arbitrary bitstreams. Built once per codec family
// (tests/fuzz/CMakeLists.txt) with DCMKIT_FUZZ_TS, the transfer syntax whose codec it drives; while
// that codec is not in the build (find_codec gives nullptr) every input is a no-op. Any crash, leak,
// sanitizer report or write outside the frame is a bug; dcmkit::Error is the expected outcome for
// bad input. With DCMKIT_FUZZ_ROUND_TRIP (lossless codecs that encode exactly what they decode),
// a frame that decodes is also encoded and decoded again, and must come back unchanged.
//
// Input: a 3-byte layout prefix, then the bitstream (make_codec_seeds.sh writes seeds this way):
//   byte 0: Rows - 1            byte 1: Columns - 1
//   byte 2: bits 0-1  Bits Allocated / Stored: 8/8, 16/12, 16/16, 32/32
//           bit 2     Samples per Pixel 3 (else 1)
//           bit 3     Pixel Representation 1 (signed)
//           bits 4-6  Photometric Interpretation, an index into kPhotometric
//           bit 7     Planar Configuration 1
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"

#ifndef DCMKIT_FUZZ_TS
#error "DCMKIT_FUZZ_TS must name the transfer syntax UID whose decoder to fuzz"
#endif

namespace {

constexpr size_t kPrefix = 3;
const char *const kPhotometric[8] = {"MONOCHROME2", "MONOCHROME1",  "PALETTE COLOR", "RGB",
                                     "YBR_FULL",    "YBR_FULL_422", "YBR_ICT",       "YBR_RCT"};

dcmkit::PixelInfo layout(const uint8_t *p) {
    static const uint32_t allocated[4] = {8, 16, 16, 32}, stored[4] = {8, 12, 16, 32};
    dcmkit::PixelInfo info;
    info.rows = uint32_t(p[0]) + 1;
    info.columns = uint32_t(p[1]) + 1;
    info.bits_allocated = allocated[p[2] & 3];
    info.bits_stored = stored[p[2] & 3];
    info.high_bit = info.bits_stored - 1;
    info.samples_per_pixel = (p[2] & 4) ? 3 : 1;
    info.pixel_representation = (p[2] & 8) ? 1 : 0;
    info.photometric_interpretation = kPhotometric[(p[2] >> 4) & 7];
    info.planar_configuration = (p[2] & 0x80) ? 1 : 0;
    return info;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const dcmkit::Codec *const codec = dcmkit::find_codec(DCMKIT_FUZZ_TS);
    if (!codec || size < kPrefix) return 0;
    const dcmkit::PixelInfo info = layout(data);
    std::vector<uint8_t> out(info.frame_bytes());
    try {
        codec->decode(info, data + kPrefix, size - kPrefix, out.data(), out.size());
    } catch (const dcmkit::Error &) {
        return 0;
    }
#ifdef DCMKIT_FUZZ_ROUND_TRIP
    dcmkit::FrameLayout fl;
    const std::vector<uint8_t> bits = codec->encode(info, out.data(), out.size(), dcmkit::EncodeOptions{}, fl);
    std::vector<uint8_t> again(out.size());
    codec->decode(info, bits.data(), bits.size(), again.data(), again.size());
    if (again != out) std::abort();
#endif
    return 0;
}
