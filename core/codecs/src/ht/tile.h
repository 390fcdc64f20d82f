// dcmkit — internal: the layout of one tile as t2.cpp reads it and decode.cpp reconstructs it.
#pragma once

#include "ht.h"

namespace dcmkit::codecs::ht {

/// One code-block: its extent in subband coordinates and, once its packet is read, its data.
struct Block {
    int64_t x0, y0, x1, y1;
    const uint8_t *data = nullptr;  ///< cleanup segment, then the refinement segment
    uint32_t len = 0, len2 = 0;  ///< cleanup and SigProp/MagRef segment lengths
    uint8_t passes = 0, zero_planes = 0;
    bool included = false;
};

/// One subband of a tile-component.
struct Band {
    uint8_t orient = 0;  ///< 0 LL, 1 HL, 2 LH, 3 HH
    uint8_t res = 0;  ///< resolution level it belongs to
    Rect rect{0, 0, 0, 0};  ///< in subband coordinates
    int64_t ox = 0, oy = 0;  ///< where its origin sits in the tile-component buffer (Mallat layout)
    uint32_t mb = 0;  ///< magnitude bit-planes Mb (15444-1 E.1)
    float delta = 1;  ///< quantization step (irreversible)
    uint32_t xcb = 0, ycb = 0;  ///< code-block size exponents in this band
    int64_t cbx0 = 0, cby0 = 0;  ///< code-block grid index of blocks[0]
    uint32_t nbx = 0, nby = 0;  ///< code-block grid size
    std::vector<Block> blocks;  ///< raster order over the band's code-block grid
};

struct TileComp {
    Rect rect{0, 0, 0, 0};  ///< on the component grid
    std::vector<Rect> res;  ///< resolutions 0..levels
    std::vector<Band> bands;  ///< LL, then HL, LH, HH of resolutions 1..levels
    CodingStyle cs;
    uint32_t prec = 0;
    bool sgnd = false;
};

/// Builds the tile-components of tile `t` (geometry, code-block grids, quantization), then reads
/// its packets from `data[0, n)` (the tile-parts' bodies, concatenated), filling the code-blocks.
void read_tile(const Header &h, uint32_t t, const uint8_t *data, size_t n, std::vector<TileComp> &comps);

}  // namespace dcmkit::codecs::ht
