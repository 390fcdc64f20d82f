// dcmkit — internal: the native HTJ2K (ISO/IEC 15444-15) decoder. What its files share:
//   codestream.cpp  main and tile-part headers (SIZ, CAP, COD/COC, QCD/QCC, SOT/SOD, TLM, COM...);
//   t2.cpp          tile, resolution, precinct and code-block geometry, packet headers, progression;
//   block.cpp       the HT code-block decoder (cleanup pass: MEL, VLC, U-VLC, MagSgn);
//   dwt.cpp         inverse 5/3 and 9/7 wavelet transforms (15444-1 Annex F);
//   decode.cpp      tiles to samples: dequantisation, inverse RCT/ICT, DC level shift, output.
// Scope: HT code-blocks only (CAP with Part 15 alone, HTONLY or HTDECLARED), one quality layer,
// cleanup passes (a code-block with SigProp/MagRef or placeholder passes is out of scope), any
// progression order, tiles, precincts, SOP/EPH, unsubsampled components, RCT/ICT, 5/3 and 9/7,
// Mb up to 30. Everything read is bounds-checked; malformed input throws dcmkit::Error
// (Errc::malformed or Errc::truncated, "HTJ2K: ..."); a valid codestream outside that scope throws
// Unsupported, on which the caller falls back to OpenJPEG. No global mutable state: the look-up
// tables are constants, each call has its own buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/pixel.h"

namespace dcmkit::codecs::ht {

/// A valid codestream this decoder does not handle (the reason is for tests and logs only).
struct Unsupported {
    std::string why;
};

[[noreturn]] void malformed(const std::string &what, size_t offset = size_t(-1));
[[noreturn]] void truncated(const std::string &what, size_t offset = size_t(-1));
[[noreturn]] inline void unsupported(const std::string &why) { throw Unsupported{why}; }

// ---- Headers (codestream.cpp) ----------------------------------------------------------------

struct CodingStyle {  ///< SPcod / SPcoc (15444-1 A.6.1, A.6.2)
    uint8_t levels = 0;  ///< decomposition levels NL
    uint8_t xcb = 6, ycb = 6;  ///< code-block size exponents
    uint8_t style = 0;  ///< code-block style (bit 6: HT)
    bool reversible = true;  ///< 5/3 (true) or 9/7
    uint8_t ppx[33], ppy[33];  ///< precinct exponents per resolution
};

struct Quantization {  ///< QCD / QCC (A.6.4, A.6.5)
    uint8_t style = 0;  ///< 0 none (reversible), 1 scalar derived, 2 scalar expounded
    uint8_t guard = 0;
    std::vector<uint16_t> eps, mu;  ///< per subband, in QCD order (LL, then HL, LH, HH by level)
};

struct Component {
    uint8_t prec = 8;
    bool sgnd = false;
};

struct Header {
    uint32_t x1 = 0, y1 = 0, x0 = 0, y0 = 0, xt = 0, yt = 0, xt0 = 0, yt0 = 0;
    std::vector<Component> comps;
    uint32_t tiles_x = 0, tiles_y = 0;
    // From the COD in force (main, then tile): Scod bits, progression, layers, MCT.
    bool sop = false, eph = false;
    uint8_t progression = 0;
    uint16_t layers = 1;
    bool mct = false;
    std::vector<CodingStyle> cod;  ///< per component
    std::vector<Quantization> qcd;  ///< per component
};

/// What the main header set, with the per-component overrides kept apart so that a tile-part
/// header can apply the precedence of 15444-1 A.6 (tile COC > tile COD > main COC > main COD).
struct MainHeader {
    Header h;
    std::vector<bool> coc_main, qcc_main;
};

/// One tile's data: its tile-parts' bodies, in order, and its header (main header with the tile's
/// first tile-part header applied).
struct TileData {
    Header h;
    std::vector<std::pair<const uint8_t *, size_t>> parts;  ///< bodies (pointers into the input)
    size_t offset = 0;  ///< of its first SOT, for messages
};

/// Parses the main header (after SOC) and every tile-part; `tiles` gets one entry per tile of the
/// image (missing tiles are malformed). Throws Unsupported for what is outside scope.
void parse_codestream(const uint8_t *in, size_t n, MainHeader &main, std::vector<TileData> &tiles);

// ---- Code-blocks (block.cpp) -----------------------------------------------------------------

/// Reusable buffers of one decode call.
struct Scratch {
    std::vector<int32_t> block;  ///< decoded code-block samples
    std::vector<uint8_t> rho0, rho1, e0, e1, above;
    std::vector<uint64_t> quads;  ///< per quad of a row: what its MagSgn decoding needs
};

/// Decodes the HT cleanup segment `data[0, lcup)` of a w x h code-block whose cleanup pass sits
/// at bit-plane p = Mb - 1 - zero_planes; writes w x h signed magnitudes (μ, not yet shifted by
/// p) into `out` with row stride `stride`. Throws malformed on inconsistent data.
void decode_cleanup(const uint8_t *data, size_t lcup, uint32_t w, uint32_t h, uint32_t zero_planes, uint32_t mb,
                    int32_t *out, size_t stride, Scratch &s);

// ---- Wavelet (dwt.cpp) -----------------------------------------------------------------------

/// The extent of one resolution of a tile-component on its own grid.
struct Rect {
    int64_t x0, y0, x1, y1;
    int64_t w() const { return x1 - x0; }
    int64_t h() const { return y1 - y0; }
};

/// In-place inverse transform of a tile-component held in Mallat layout (each level's LL at the
/// top-left, HL to its right, LH below, HH diagonal) with row stride `stride`; `res[r]` is the
/// extent of resolution r (0..levels).
void idwt53(int32_t *a, size_t stride, const std::vector<Rect> &res);
void idwt97(float *a, size_t stride, const std::vector<Rect> &res);

// ---- The whole decode (decode.cpp) ---------------------------------------------------------

/// Decodes an HTJ2K codestream into `out` exactly as the OpenJPEG path lays it out. Throws
/// Unsupported for a valid codestream outside scope (nothing useful written), dcmkit::Error for
/// bad input.
FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t n, uint8_t *out, size_t out_size);

}  // namespace dcmkit::codecs::ht
