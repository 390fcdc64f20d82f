// dcmkit — native HTJ2K decoder: main and tile-part headers (ISO/IEC 15444-1 Annex A, with the
// CAP marker and HT code-block style of 15444-15). See ht.h.
#include <algorithm>
#include <cstdio>

#include "dcmkit/bytes.h"
#include "ht.h"

namespace dcmkit::codecs::ht {

void malformed(const std::string &what, size_t offset) {
    throw Error(Errc::malformed, "HTJ2K: " + what, offset == size_t(-1) ? -1 : int64_t(offset));
}
void truncated(const std::string &what, size_t offset) {
    throw Error(Errc::truncated, "HTJ2K: " + what, offset == size_t(-1) ? -1 : int64_t(offset));
}

namespace {

constexpr uint16_t kSiz = 0xFF51, kCod = 0xFF52, kCoc = 0xFF53, kTlm = 0xFF55, kPlm = 0xFF57, kPlt = 0xFF58,
                   kCap = 0xFF50, kCpf = 0xFF59, kQcd = 0xFF5C, kQcc = 0xFF5D, kRgn = 0xFF5E, kPoc = 0xFF5F,
                   kPpm = 0xFF60, kPpt = 0xFF61, kCrg = 0xFF63, kCom = 0xFF64, kSot = 0xFF90, kSod = 0xFF93,
                   kEoc = 0xFFD9;

std::string hex(uint16_t m) {
    char b[8];
    std::snprintf(b, sizeof b, "%04X", unsigned(m));
    return b;
}

/// A marker segment: marker, and its parameters (after Lmar) at [p, p + len).
struct Segment {
    uint16_t marker;
    const uint8_t *p;
    size_t len, offset;
};

/// Reads SPcod/SPcoc at p (len bytes left in the segment); `precincts`: Scod/Scoc bit 0.
void read_spcod(const uint8_t *p, size_t len, bool precincts, CodingStyle &cs, size_t off) {
    if (len < 5) malformed("COD/COC marker segment too short", off);
    cs.levels = p[0];
    if (cs.levels > 32) malformed("more than 32 decomposition levels", off);
    if (p[1] > 8 || p[2] > 8 || p[1] + p[2] > 8) malformed("bad code-block size", off);
    cs.xcb = uint8_t(p[1] + 2);
    cs.ycb = uint8_t(p[2] + 2);
    cs.style = p[3];
    if (!(cs.style & 0x40)) unsupported("Part 1 code-blocks");
    if (cs.style & 0x80) unsupported("mixed HT and Part 1 code-blocks");
    if (p[4] > 1) unsupported("a Part 2 wavelet transform");
    cs.reversible = p[4] == 1;
    const size_t need = 5 + (precincts ? size_t(cs.levels) + 1 : 0);
    if (len != need) malformed("COD/COC marker segment length does not match its decomposition levels", off);
    for (size_t r = 0; r <= cs.levels; ++r) {
        if (precincts) {
            cs.ppx[r] = p[5 + r] & 0x0F;
            cs.ppy[r] = p[5 + r] >> 4;
            if (r > 0 && (cs.ppx[r] == 0 || cs.ppy[r] == 0)) malformed("precinct size 1 above resolution 0", off);
        } else {
            cs.ppx[r] = cs.ppy[r] = 15;
        }
    }
}

void read_quant(const uint8_t *p, size_t len, Quantization &q, size_t off) {
    if (len < 1) malformed("QCD/QCC marker segment too short", off);
    q.style = p[0] & 0x1F;
    q.guard = p[0] >> 5;
    q.eps.clear();
    q.mu.clear();
    ++p;
    --len;
    if (q.style == 0) {
        if (len < 1 || len > 97) malformed("bad QCD/QCC length", off);
        for (size_t i = 0; i < len; ++i) {
            q.eps.push_back(uint16_t(p[i] >> 3));
            q.mu.push_back(0);
        }
    } else if (q.style == 1 || q.style == 2) {
        if (len < 2 || len % 2 || len > 2 * 97 || (q.style == 1 && len != 2))
            malformed("bad QCD/QCC length", off);
        for (size_t i = 0; i < len; i += 2) {
            const uint16_t v = load_u16be(p + i);
            q.eps.push_back(uint16_t(v >> 11));
            q.mu.push_back(uint16_t(v & 0x7FF));
        }
    } else {
        malformed("unknown quantization style", off);
    }
}

size_t component_index(const uint8_t *&p, size_t &len, size_t comps, size_t off) {
    const size_t bytes = comps < 257 ? 1 : 2;
    if (len < bytes) malformed("COC/QCC marker segment too short", off);
    const size_t c = bytes == 1 ? p[0] : load_u16be(p);
    p += bytes;
    len -= bytes;
    if (c >= comps) malformed("COC/QCC names a component the image does not have", off);
    return c;
}

/// Applies the COD, COC, QCD and QCC segments of one header: COD before COC and QCD before QCC,
/// whatever their order in the header (15444-1 A.6). `is_main`: the main header (COD, QCD
/// required there). `coc_main`, `qcc_main`: set for the components that got a COC/QCC.
void apply(Header &h, const std::vector<Segment> &segs, bool is_main, std::vector<bool> *coc_seen,
           std::vector<bool> *qcc_seen) {
    const size_t comps = h.comps.size();
    bool have_cod = false, have_qcd = false;
    for (const Segment &s : segs) {
        if (s.marker == kCod) {
            if (have_cod) malformed("two COD marker segments in one header", s.offset);
            have_cod = true;
            if (s.len < 5) malformed("COD marker segment too short", s.offset);
            const uint8_t scod = s.p[0];
            if (scod & ~7u) unsupported("Part 2 precinct options in Scod");
            h.sop = scod & 2;
            h.eph = scod & 4;
            h.progression = s.p[1];
            if (h.progression > 4) malformed("unknown progression order", s.offset);
            h.layers = load_u16be(s.p + 2);
            if (h.layers == 0) malformed("zero quality layers", s.offset);
            if (h.layers != 1) unsupported("several quality layers");
            if (s.p[4] > 1) unsupported("a Part 2 multiple component transform");
            h.mct = s.p[4] == 1;
            CodingStyle cs;
            read_spcod(s.p + 5, s.len - 5, scod & 1, cs, s.offset);
            for (size_t c = 0; c < comps; ++c) h.cod[c] = cs;
        } else if (s.marker == kQcd) {
            if (have_qcd) malformed("two QCD marker segments in one header", s.offset);
            have_qcd = true;
            Quantization q;
            read_quant(s.p, s.len, q, s.offset);
            for (size_t c = 0; c < comps; ++c) h.qcd[c] = q;
        }
    }
    if (is_main && (!have_cod || !have_qcd)) malformed("the main header has no COD or no QCD marker segment");
    for (const Segment &s : segs) {
        const uint8_t *p = s.p;
        size_t len = s.len;
        if (s.marker == kCoc) {
            const size_t c = component_index(p, len, comps, s.offset);
            if (len < 1) malformed("COC marker segment too short", s.offset);
            if (p[0] & ~1u) unsupported("Part 2 precinct options in Scoc");
            read_spcod(p + 1, len - 1, p[0] & 1, h.cod[c], s.offset);
            if (coc_seen) (*coc_seen)[c] = true;
        } else if (s.marker == kQcc) {
            const size_t c = component_index(p, len, comps, s.offset);
            read_quant(p, len, h.qcd[c], s.offset);
            if (qcc_seen) (*qcc_seen)[c] = true;
        }
    }
}

/// Walks marker segments from `pos` until `stop_marker` (SOT for the main header, SOD for a
/// tile-part header), within `end`. Returns the position of the stop marker.
size_t read_segments(const uint8_t *in, size_t pos, size_t end, bool cut, uint16_t stop_marker, bool main_header,
                     std::vector<Segment> &out) {
    while (true) {
        if (pos + 2 > end) {
            if (cut) truncated("the codestream ends in a header", pos);
            malformed("a tile-part header has no SOD", pos);
        }
        const uint16_t m = load_u16be(in + pos);
        if (m == stop_marker) return pos;
        if ((m >> 8) != 0xFF) malformed("expected a marker, found " + hex(m), pos);
        if (pos + 4 > end) {
            if (cut) truncated("a marker segment runs past the end", pos);
            malformed("a marker segment runs past its header", pos);
        }
        const size_t len = load_u16be(in + pos + 2);
        if (len < 2) malformed("marker segment length below 2", pos);
        if (pos + 2 + len > end) {
            if (cut) truncated("a marker segment runs past the end", pos);
            malformed("a marker segment runs past its header", pos);
        }
        switch (m) {
        case kCod: case kCoc: case kQcd: case kQcc:
            out.push_back(Segment{m, in + pos + 4, len - 2, pos});
            break;
        case kCom: case kPlt: case kCrg: case kTlm: case kPlm: case kCpf: case kCap:
            if (!main_header && (m == kCrg || m == kTlm || m == kPlm || m == kCap))
                malformed("marker " + hex(m) + " in a tile-part header", pos);
            if (m == kCap) out.push_back(Segment{m, in + pos + 4, len - 2, pos});
            break;
        case kRgn: unsupported("region of interest (RGN)");
        case kPoc: unsupported("progression order changes (POC)");
        case kPpm: case kPpt: unsupported("packed packet headers (PPM, PPT)");
        case kSiz: malformed("a second SIZ marker segment", pos);
        default: unsupported("marker " + hex(m) + " in a header");
        }
        pos += 2 + len;
    }
}

}  // namespace

void parse_codestream(const uint8_t *in, size_t n, MainHeader &main, std::vector<TileData> &tiles) {
    if (n < 4 || load_u16be(in) != 0xFF4F || load_u16be(in + 2) != kSiz)
        malformed("no SOC and SIZ markers at the start of the codestream", 0);
    if (n < 6) truncated("the codestream ends in SIZ", n);
    const size_t lsiz = load_u16be(in + 4);
    if (lsiz < 41 || (lsiz - 38) % 3) malformed("bad SIZ length", 4);
    if (6 + lsiz - 2 > n) truncated("the codestream ends in SIZ", n);
    const uint8_t *p = in + 6;
    Header &h = main.h;
    h.x1 = load_u32be(p + 2);
    h.y1 = load_u32be(p + 6);
    h.x0 = load_u32be(p + 10);
    h.y0 = load_u32be(p + 14);
    h.xt = load_u32be(p + 18);
    h.yt = load_u32be(p + 22);
    h.xt0 = load_u32be(p + 26);
    h.yt0 = load_u32be(p + 30);
    const size_t comps = load_u16be(p + 34);
    if (comps == 0 || comps > 16384 || lsiz != 38 + 3 * comps) malformed("bad SIZ component count", 4);
    if (h.x1 <= h.x0 || h.y1 <= h.y0) malformed("SIZ gives an empty image", 4);
    if (h.xt == 0 || h.yt == 0) malformed("SIZ gives a zero tile size", 4);
    if (h.xt0 > h.x0 || h.yt0 > h.y0 || uint64_t(h.xt0) + h.xt <= h.x0 || uint64_t(h.yt0) + h.yt <= h.y0)
        malformed("SIZ tile grid does not cover the image origin", 4);
    h.tiles_x = uint32_t((uint64_t(h.x1) - h.xt0 + h.xt - 1) / h.xt);
    h.tiles_y = uint32_t((uint64_t(h.y1) - h.yt0 + h.yt - 1) / h.yt);
    if (uint64_t(h.tiles_x) * h.tiles_y > 65535) malformed("more than 65535 tiles", 4);
    h.comps.resize(comps);
    for (size_t c = 0; c < comps; ++c) {
        const uint8_t *q = p + 36 + 3 * c;
        h.comps[c].prec = uint8_t((q[0] & 0x7F) + 1);
        h.comps[c].sgnd = q[0] & 0x80;
        if (h.comps[c].prec > 38) malformed("component precision above 38 bits", 4);
        if (q[1] == 0 || q[2] == 0) malformed("zero component subsampling", 4);
        if (q[1] != 1 || q[2] != 1) unsupported("subsampled components");
    }
    h.cod.assign(comps, CodingStyle{});
    h.qcd.assign(comps, Quantization{});
    main.coc_main.assign(comps, false);
    main.qcc_main.assign(comps, false);

    std::vector<Segment> segs;
    size_t pos = read_segments(in, 4 + lsiz, n, true, kSot, true, segs);
    bool cap = false;
    for (const Segment &s : segs) {
        if (s.marker != kCap) continue;
        // Pcap with only the Part 15 bit (2^(32-15)), then Ccap15 (15444-15 A.3).
        if (s.len != 6 || load_u32be(s.p) != 0x00020000u) unsupported("CAP other than Part 15 alone");
        const uint16_t ccap = load_u16be(s.p + 4);
        if ((ccap >> 14) == 3) unsupported("MIXED code-blocks (CAP)");
        cap = true;
    }
    if (!cap) unsupported("no CAP marker segment with Part 15 capabilities");
    apply(h, segs, true, &main.coc_main, &main.qcc_main);

    const size_t ntiles = size_t(h.tiles_x) * h.tiles_y;
    tiles.assign(ntiles, TileData{});
    std::vector<uint16_t> parts_seen(ntiles, 0);
    while (true) {
        if (pos + 2 > n) break;  // no EOC: decode what is there
        const uint16_t m = load_u16be(in + pos);
        if (m == kEoc) break;
        if (m != kSot) malformed("a tile-part is not followed by SOT or EOC", pos);
        if (pos + 12 > n) truncated("the codestream ends in an SOT marker segment", n);
        if (load_u16be(in + pos + 2) != 10) malformed("SOT length is not 10", pos);
        const uint16_t t = load_u16be(in + pos + 4);
        const uint32_t psot = load_u32be(in + pos + 6);
        const uint8_t tpsot = in[pos + 10];
        if (t >= ntiles) malformed("SOT names tile " + std::to_string(t) + " of " + std::to_string(ntiles), pos);
        if (psot != 0 && psot < 14) malformed("tile-part length below 14", pos);
        if (tpsot != parts_seen[t]) malformed("tile-parts out of order", pos);
        size_t end = n;
        bool cut = true;
        if (psot != 0) {
            if (uint64_t(pos) + psot > n) truncated("a tile-part runs past the end of the codestream", n);
            end = pos + psot;
            cut = false;
        } else {
            if (end > pos + 12 && in[end - 1] == 0) --end;
            if (end >= pos + 14 && load_u16be(in + end - 2) == kEoc) end -= 2;
        }
        TileData &td = tiles[t];
        std::vector<Segment> tsegs;
        const size_t sod = read_segments(in, pos + 12, end, cut, kSod, false, tsegs);
        if (parts_seen[t] == 0) {
            td.offset = pos;
            td.h = h;
            // Tile COD/QCD override main COC/QCC too (A.6): apply() writes every component.
            apply(td.h, tsegs, false, nullptr, nullptr);
        } else {
            for (const Segment &s : tsegs)
                if (s.marker != kCap) malformed("COD, COC, QCD or QCC in a tile-part other than the first", s.offset);
        }
        ++parts_seen[t];
        td.parts.emplace_back(in + sod + 2, end - (sod + 2));
        if (psot == 0) break;
        pos = end;
        if (pos + 1 == n && in[pos] == 0) break;  // pad byte, no EOC
    }
    for (size_t t = 0; t < ntiles; ++t)
        if (parts_seen[t] == 0) truncated("tile " + std::to_string(t) + " has no tile-part", n);
}

}  // namespace dcmkit::codecs::ht
