// dcmkit — native HTJ2K decoder: tile geometry and packets (ISO/IEC 15444-1 Annex B, with the HT
// codeword segments of 15444-15): resolutions, subbands, precincts and code-blocks of each
// tile-component; packet headers (tag trees, inclusion, zero bit-planes, coding passes, Lblock,
// lengths; SOP and EPH) read in the tile's progression order, one quality layer.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

#include "dcmkit/bytes.h"
#include "tile.h"

namespace dcmkit::codecs::ht {

namespace {

int64_t ceil_div_pow2(int64_t a, uint32_t s) { return -((-a) >> s); }  // ceil(a / 2^s), a may be negative
int64_t floor_div_pow2(int64_t a, uint32_t s) { return a >> s; }

/// Packet-header bits (15444-1 B.10.1): MSB first; a byte after 0xFF holds 7 bits.
class Bits {
public:
    Bits(const uint8_t *d, size_t pos, size_t end) : d_(d), pos_(pos), end_(end) {}
    uint32_t bit() {
        if (nb_ == 0) {
            if (pos_ >= end_) truncated("a packet header runs past the tile's data");
            const uint32_t b = d_[pos_++];
            nb_ = last_ff_ ? 7 : 8;
            cur_ = b;
            last_ff_ = b == 0xFF;
        }
        --nb_;
        return (cur_ >> nb_) & 1;
    }
    uint32_t bits(uint32_t n) {
        uint32_t v = 0;
        for (uint32_t i = 0; i < n; ++i) v = (v << 1) | bit();
        return v;
    }
    /// Ends the header: the rest of the byte, and the byte after a 0xFF (B.10.1).
    size_t align() {
        nb_ = 0;
        if (last_ff_) {
            if (pos_ >= end_) truncated("a packet header runs past the tile's data");
            ++pos_;
            last_ff_ = false;
        }
        return pos_;
    }

private:
    const uint8_t *d_;
    size_t pos_, end_;
    uint32_t cur_ = 0, nb_ = 0;
    bool last_ff_ = false;
};

/// A tag tree (B.10.2) over w x h leaves.
class TagTree {
public:
    TagTree() = default;
    TagTree(uint32_t w, uint32_t h) {
        do {
            levels_.push_back({w, h, nodes_.size()});
            nodes_.resize(nodes_.size() + size_t(w) * h);
            w = (w + 1) / 2;
            h = (h + 1) / 2;
        } while (levels_.back().w * size_t(levels_.back().h) > 1);
    }
    /// Whether leaf (x, y)'s value is below `threshold`, reading bits as needed.
    bool decode(Bits &b, uint32_t x, uint32_t y, uint32_t threshold) {
        Node *path[40];
        size_t depth = 0;
        for (const Level &l : levels_) {
            path[depth++] = &nodes_[l.first + size_t(y) * l.w + x];
            x >>= 1;
            y >>= 1;
        }
        uint32_t low = 0;
        Node *node = nullptr;
        while (depth > 0) {
            node = path[--depth];
            if (low > node->low) node->low = low;
            else low = node->low;
            while (low < threshold && low < node->value) {
                if (b.bit()) node->value = low;
                else ++low;
            }
            node->low = low;
        }
        return node->value < threshold;
    }
    uint32_t value(uint32_t x, uint32_t y) const { return nodes_[size_t(y) * levels_[0].w + x].value; }

private:
    struct Node {
        uint32_t value = UINT32_MAX, low = 0;
    };
    struct Level {
        uint32_t w, h;
        size_t first;
    };
    std::vector<Level> levels_;
    std::vector<Node> nodes_;
};

/// The code-blocks of one subband that fall in one precinct.
struct PrecinctBand {
    Band *band = nullptr;
    int64_t cx0 = 0, cy0 = 0;  ///< code-block grid origin (band grid indices)
    uint32_t w = 0, h = 0;
    TagTree incl, zbp;
};

struct Precinct {
    std::vector<PrecinctBand> bands;
};

struct Packet {
    uint32_t c, r, p;
    int64_t y, x;  ///< position on the reference grid, for the position-driven progressions
};

/// Reads one packet's header and body at `pos` (B.9, B.10); returns the position after it.
size_t read_packet(const Header &h, Precinct &prc, const uint8_t *d, size_t pos, size_t end) {
    if (h.sop && pos + 2 <= end && d[pos] == 0xFF && d[pos + 1] == 0x91) {
        if (pos + 6 > end || load_u16be(d + pos + 2) != 4)
            malformed("marker code inside packet data (an SOP marker segment whose length is not 4)", pos);
        pos += 6;
    }
    Bits b(d, pos, end);
    std::vector<Block *> included;
    if (b.bit()) {
        for (PrecinctBand &pb : prc.bands) {
            for (uint32_t y = 0; y < pb.h; ++y) {
                for (uint32_t x = 0; x < pb.w; ++x) {
                    Band &band = *pb.band;
                    Block &blk = band.blocks[size_t(pb.cy0 - band.cby0 + y) * band.nbx + size_t(pb.cx0 - band.cbx0 + x)];
                    if (!pb.incl.decode(b, x, y, 1)) continue;
                    if (blk.included) malformed("a code-block included twice");
                    blk.included = true;
                    uint32_t t = 1;
                    while (!pb.zbp.decode(b, x, y, t)) {
                        if (++t > 64) malformed("zero bit-plane count out of range");
                    }
                    blk.zero_planes = uint8_t(pb.zbp.value(x, y));
                    // Number of coding passes (Table B.4).
                    uint32_t passes = 1;
                    if (b.bit()) {
                        passes = 2;
                        if (b.bit()) {
                            const uint32_t v = b.bits(2);
                            passes = 3 + v;
                            if (v == 3) {
                                const uint32_t v5 = b.bits(5);
                                passes = 6 + v5;
                                if (v5 == 31) passes = 37 + b.bits(7);
                            }
                        }
                    }
                    uint32_t lblock = 3;
                    while (b.bit()) {
                        if (++lblock > 32) malformed("Lblock out of range");
                    }
                    if (passes > 3) unsupported("HT placeholder passes");
                    blk.passes = uint8_t(passes);
                    // HT segments: the cleanup pass alone, then SigProp and MagRef together.
                    blk.len = b.bits(lblock);
                    if (passes > 1) blk.len2 = b.bits(lblock + (passes == 3 ? 1 : 0));
                    included.push_back(&blk);
                }
            }
        }
    }
    pos = b.align();
    // EPH where Scod announces it; like OpenJPEG, a packet header without one is read on.
    if (h.eph && pos + 2 <= end && d[pos] == 0xFF && d[pos + 1] == 0x92) pos += 2;
    const size_t body = pos;
    for (Block *blk : included) {
        const uint64_t total = uint64_t(blk->len) + blk->len2;
        if (total > end - pos) truncated("code-block data runs past the tile's data", pos);
        blk->data = d + pos;
        pos += size_t(total);
    }
    // Code-block data holds no marker code (15444-1 A.1.1, D.1; 15444-15 keeps the rule).
    for (const uint8_t *q = d + body, *stop = d + pos; q + 1 < stop; ++q) {
        q = static_cast<const uint8_t *>(std::memchr(q, 0xFF, size_t(stop - q - 1)));
        if (!q) break;
        if (q[1] > 0x8F) malformed("marker code inside packet data", size_t(q - d));
    }
    return pos;
}

}  // namespace

void read_tile(const Header &h, uint32_t t, const uint8_t *data, size_t n, std::vector<TileComp> &comps) {
    const uint32_t p = t % h.tiles_x, q = t / h.tiles_x;
    const int64_t tx0 = std::max<int64_t>(int64_t(h.xt0) + int64_t(p) * h.xt, h.x0);
    const int64_t ty0 = std::max<int64_t>(int64_t(h.yt0) + int64_t(q) * h.yt, h.y0);
    const int64_t tx1 = std::min<int64_t>(int64_t(h.xt0) + int64_t(p + 1) * h.xt, h.x1);
    const int64_t ty1 = std::min<int64_t>(int64_t(h.yt0) + int64_t(q + 1) * h.yt, h.y1);
    const size_t nc = h.comps.size();
    comps.assign(nc, TileComp{});
    // precincts[c][r]: the precincts of resolution r, raster order.
    std::vector<std::vector<std::vector<Precinct>>> precincts(nc);
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> counts(nc);  // (npx, npy) per resolution
    uint32_t max_res = 0;
    for (size_t c = 0; c < nc; ++c) {
        TileComp &tc = comps[c];
        tc.cs = h.cod[c];
        tc.prec = h.comps[c].prec;
        tc.sgnd = h.comps[c].sgnd;
        tc.rect = Rect{tx0, ty0, tx1, ty1};  // no subsampling
        const uint32_t nl = tc.cs.levels;
        max_res = std::max(max_res, nl + 1);
        const Quantization &qz = h.qcd[c];
        if (tc.cs.reversible ? qz.style != 0 : qz.style == 0) unsupported("quantization that does not match the wavelet");
        if (qz.style != 1 && qz.eps.size() < 3 * size_t(nl) + 1) malformed("QCD/QCC has fewer subbands than COD levels");
        tc.res.resize(nl + 1);
        for (uint32_t r = 0; r <= nl; ++r)
            tc.res[r] = Rect{ceil_div_pow2(tx0, nl - r), ceil_div_pow2(ty0, nl - r), ceil_div_pow2(tx1, nl - r),
                             ceil_div_pow2(ty1, nl - r)};
        tc.bands.resize(3 * size_t(nl) + 1);
        for (size_t i = 0; i < tc.bands.size(); ++i) {
            Band &band = tc.bands[i];
            const uint32_t r = i == 0 ? 0 : uint32_t((i - 1) / 3 + 1);
            band.orient = uint8_t(i == 0 ? 0 : (i - 1) % 3 + 1);
            band.res = uint8_t(r);
            const uint32_t nb = r == 0 ? nl : nl - r + 1;
            const int64_t xo = band.orient & 1, yo = band.orient >> 1;
            const int64_t sx = nb ? (xo << (nb - 1)) : 0, sy = nb ? (yo << (nb - 1)) : 0;
            band.rect = Rect{ceil_div_pow2(tx0 - sx, nb), ceil_div_pow2(ty0 - sy, nb), ceil_div_pow2(tx1 - sx, nb),
                             ceil_div_pow2(ty1 - sy, nb)};
            if (r > 0) {
                band.ox = xo ? tc.res[r - 1].w() : 0;
                band.oy = yo ? tc.res[r - 1].h() : 0;
            }
            // Quantization (E.1): Mb = G + eps_b - 1; the step for irreversible coding.
            const int gain = band.orient == 0 ? 0 : band.orient == 3 ? 2 : 1;
            int eps;
            uint32_t mu;
            if (qz.style == 1) {
                eps = int(qz.eps[0]) - int(nl) + int(nb);
                mu = qz.mu[0];
                if (eps < 0) malformed("derived quantization gives a negative exponent");
            } else {
                eps = qz.eps[i];
                mu = qz.mu[i];
            }
            const int mb = int(qz.guard) + eps - 1;
            if (mb < 1) malformed("a subband with no magnitude bit-planes");
            if (mb > 30) unsupported("more than 30 magnitude bit-planes");
            band.mb = uint32_t(mb);
            band.delta = float(std::ldexp(1.0 + mu / 2048.0, int(tc.prec) + gain - eps));
            // Code-block grid over the band (B.7): exponents limited by the precinct size.
            const uint32_t ppx = r == 0 ? tc.cs.ppx[0] : tc.cs.ppx[r] - 1u;
            const uint32_t ppy = r == 0 ? tc.cs.ppy[0] : tc.cs.ppy[r] - 1u;
            band.xcb = std::min<uint32_t>(tc.cs.xcb, ppx);
            band.ycb = std::min<uint32_t>(tc.cs.ycb, ppy);
            if (band.rect.w() > 0 && band.rect.h() > 0) {
                band.cbx0 = floor_div_pow2(band.rect.x0, band.xcb);
                band.cby0 = floor_div_pow2(band.rect.y0, band.ycb);
                band.nbx = uint32_t(ceil_div_pow2(band.rect.x1, band.xcb) - band.cbx0);
                band.nby = uint32_t(ceil_div_pow2(band.rect.y1, band.ycb) - band.cby0);
                band.blocks.resize(size_t(band.nbx) * band.nby);
                for (uint32_t y = 0; y < band.nby; ++y)
                    for (uint32_t x = 0; x < band.nbx; ++x) {
                        Block &blk = band.blocks[size_t(y) * band.nbx + x];
                        blk.x0 = std::max(band.rect.x0, (band.cbx0 + x) << band.xcb);
                        blk.x1 = std::min(band.rect.x1, (band.cbx0 + x + 1) << band.xcb);
                        blk.y0 = std::max(band.rect.y0, (band.cby0 + y) << band.ycb);
                        blk.y1 = std::min(band.rect.y1, (band.cby0 + y + 1) << band.ycb);
                    }
            }
        }
        // Precincts (B.6) and the code-blocks each holds, per band.
        precincts[c].resize(nl + 1);
        counts[c].resize(nl + 1);
        for (uint32_t r = 0; r <= nl; ++r) {
            const Rect &rr = tc.res[r];
            const uint32_t ppx = tc.cs.ppx[r], ppy = tc.cs.ppy[r];
            uint32_t npx = 0, npy = 0;
            if (rr.w() > 0 && rr.h() > 0) {
                npx = uint32_t(ceil_div_pow2(rr.x1, ppx) - floor_div_pow2(rr.x0, ppx));
                npy = uint32_t(ceil_div_pow2(rr.y1, ppy) - floor_div_pow2(rr.y0, ppy));
            }
            counts[c][r] = {npx, npy};
            std::vector<Precinct> &prs = precincts[c][r];
            prs.resize(size_t(npx) * npy);
            const uint32_t bpx = r == 0 ? ppx : ppx - 1, bpy = r == 0 ? ppy : ppy - 1;
            const size_t b_first = r == 0 ? 0 : 3 * size_t(r - 1) + 1, b_count = r == 0 ? 1 : 3;
            for (uint32_t py = 0; py < npy; ++py)
                for (uint32_t px = 0; px < npx; ++px) {
                    Precinct &prc = prs[size_t(py) * npx + px];
                    const int64_t kx = floor_div_pow2(rr.x0, ppx) + px, ky = floor_div_pow2(rr.y0, ppy) + py;
                    for (size_t bi = b_first; bi < b_first + b_count; ++bi) {
                        Band &band = tc.bands[bi];
                        PrecinctBand pb;
                        pb.band = &band;
                        const int64_t x0 = std::max(band.rect.x0, kx << bpx), x1 = std::min(band.rect.x1, (kx + 1) << bpx);
                        const int64_t y0 = std::max(band.rect.y0, ky << bpy), y1 = std::min(band.rect.y1, (ky + 1) << bpy);
                        if (x1 > x0 && y1 > y0) {
                            pb.cx0 = floor_div_pow2(x0, band.xcb);
                            pb.cy0 = floor_div_pow2(y0, band.ycb);
                            pb.w = uint32_t(ceil_div_pow2(x1, band.xcb) - pb.cx0);
                            pb.h = uint32_t(ceil_div_pow2(y1, band.ycb) - pb.cy0);
                            pb.incl = TagTree(pb.w, pb.h);
                            pb.zbp = TagTree(pb.w, pb.h);
                        }
                        prc.bands.push_back(std::move(pb));
                    }
                }
        }
    }

    // The packets in progression order (B.12), one layer.
    std::vector<Packet> order;
    for (uint32_t c = 0; c < nc; ++c) {
        const TileComp &tc = comps[c];
        const uint32_t nl = tc.cs.levels;
        for (uint32_t r = 0; r <= nl; ++r) {
            const auto [npx, npy] = counts[c][r];
            const Rect &rr = tc.res[r];
            const uint32_t ppx = tc.cs.ppx[r], ppy = tc.cs.ppy[r];
            for (uint32_t py = 0; py < npy; ++py)
                for (uint32_t px = 0; px < npx; ++px) {
                    // Where the position loop of B.12.1.3-5 meets this precinct first.
                    const int64_t sx = (floor_div_pow2(rr.x0, ppx) + px) << ppx, sy = (floor_div_pow2(rr.y0, ppy) + py) << ppy;
                    const int64_t x = std::max<int64_t>(tx0, sx << (nl - r)), y = std::max<int64_t>(ty0, sy << (nl - r));
                    order.push_back(Packet{c, r, py * npx + px, y, x});
                }
        }
    }
    auto key = [&](const Packet &a) {
        switch (h.progression) {
        case 0:  // LRCP
        case 1:  // RLCP (the same with one layer)
            return std::make_tuple(int64_t(a.r), int64_t(a.c), int64_t(a.p), int64_t(0));
        case 2:  // RPCL
            return std::make_tuple(int64_t(a.r), a.y, a.x, int64_t(a.c));
        case 3:  // PCRL
            return std::make_tuple(a.y, a.x, int64_t(a.c), int64_t(a.r));
        default:  // CPRL
            return std::make_tuple(int64_t(a.c), a.y, a.x, int64_t(a.r));
        }
    };
    std::stable_sort(order.begin(), order.end(), [&](const Packet &a, const Packet &b) { return key(a) < key(b); });
    (void)max_res;

    size_t pos = 0;
    for (const Packet &pk : order) {
        if (pos >= n) truncated("the tile's data ends before its last packet", n);
        pos = read_packet(h, precincts[pk.c][pk.r][pk.p], data, pos, n);
    }
}

}  // namespace dcmkit::codecs::ht
