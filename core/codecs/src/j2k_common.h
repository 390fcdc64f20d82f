// dcmkit — internal: what the JPEG 2000 (j2k.cpp, OpenJPEG) and HTJ2K (htj2k.cpp, OpenJPH) codecs
// share: the layouts they encode, and the SIZ check made before a library sees a codestream.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "dcmkit/bytes.h"
#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/pixel.h"

namespace dcmkit::codecs::jpeg2000 {

/// Codec::can_encode of both: Bits Allocated 8 or 16, High Bit = Bits Stored - 1, monochrome or
/// palette (lossless only) with one sample, RGB or YBR_FULL with three; a lossy codec takes a
/// compression ratio of 0 (its default) or at least 1. `who` ("JPEG 2000", "HTJ2K") starts `why`.
inline bool can_encode(const PixelInfo &info, const EncodeOptions &options, bool lossless, const char *who,
                       std::string *why) {
    auto no = [&](const std::string &reason) {
        if (why) *why = std::string(who) + ": " + reason;
        return false;
    };
    if (info.rows == 0 || info.columns == 0) return no("empty frame");
    if (info.bits_allocated != 8 && info.bits_allocated != 16) return no("Bits Allocated must be 8 or 16");
    if (info.bits_stored < 1 || info.bits_stored > info.bits_allocated) return no("Bits Stored out of range");
    if (info.high_bit != info.bits_stored - 1) return no("High Bit must be Bits Stored - 1");
    if (info.pixel_representation > 1) return no("bad Pixel Representation");
    const std::string &pi = info.photometric_interpretation;
    if (info.samples_per_pixel == 1) {
        if (pi != "MONOCHROME1" && pi != "MONOCHROME2" && pi != "PALETTE COLOR")
            return no("Photometric Interpretation " + pi + " with one sample");
        if (pi == "PALETTE COLOR" && !lossless) return no("lossy coding of palette indices");
    } else if (info.samples_per_pixel == 3) {
        if (pi != "RGB" && pi != "YBR_FULL") return no("Photometric Interpretation " + pi + " with three samples");
    } else {
        return no("Samples per Pixel must be 1 or 3");
    }
    if (!lossless && !(options.ratio == 0 || (std::isfinite(options.ratio) && options.ratio >= 1)))
        return no("compression ratio must be 0 (default) or at least 1");
    return true;
}

/// A raw codestream starts with SOC (FF4F) then SIZ (FF51) (15444-1 A.4.1, A.5.1). Reads SIZ and
/// checks the image size and component count against `info` before the library allocates
/// anything for them. Errors start with `who`.
inline void check_siz(const PixelInfo &info, const uint8_t *in, size_t n, const char *who) {
    const std::string w = std::string(who) + ": ";
    if (n < 4 || load_u16be(in) != 0xFF4F || load_u16be(in + 2) != 0xFF51)
        throw Error(Errc::malformed, w + "no SOC and SIZ markers at the start of the codestream", 0);
    if (n < 4 + 38) throw Error(Errc::truncated, w + "codestream ends inside the SIZ marker segment", int64_t(n));
    const uint8_t *p = in + 4;  // Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz, Csiz
    const uint32_t x1 = load_u32be(p + 4), y1 = load_u32be(p + 8), x0 = load_u32be(p + 12), y0 = load_u32be(p + 16);
    const uint16_t comps = load_u16be(p + 36);
    if (x1 <= x0 || y1 <= y0) throw Error(Errc::malformed, w + "SIZ gives an empty image", 4);
    if (x1 - x0 != info.columns || y1 - y0 != info.rows || comps != info.samples_per_pixel)
        throw Error(Errc::bad_value, w + "codestream holds " + std::to_string(x1 - x0) + "x" + std::to_string(y1 - y0) +
                                         " pixels of " + std::to_string(comps) + " components; the dataset says " +
                                         std::to_string(info.columns) + "x" + std::to_string(info.rows) + " of " +
                                         std::to_string(info.samples_per_pixel));
}

}  // namespace dcmkit::codecs::jpeg2000
