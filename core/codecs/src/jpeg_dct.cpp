// dcmkit — our own sequential DCT JPEG decoder (ITU-T T.81 Annex F, Huffman coding; Processes 1, 2
// and 4), for the 12-bit frames of .51 that Debian's 8-bit libjpeg-turbo cannot decode.
//
// It reproduces what DCMTK's IJG 6b based decoder gives with its defaults: the accurate integer
// IDCT of jidctint.c with its output range limiting, "fancy" (triangle filter) h2v1 and h2v2
// upsampling of jdsample.c, and the YCbCr to RGB tables of jdcolor.c.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "codecs.h"
#include "jpeg_common.h"

namespace dcmkit::codecs {

namespace {

using jpeg::BitReader;
using jpeg::HuffTable;
using namespace jpeg;  // marker codes and segment readers

constexpr const char *kWho = "JPEG DCT";

[[noreturn]] void fail(Errc code, const std::string &what, int64_t offset = -1) { jpeg::fail(kWho, code, what, offset); }

/// Zig-zag index to natural (row-major) index (T.81 Figure A.6).
constexpr uint8_t kNatural[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                  58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};


// ---------------------------------------------------------------------------------------------------
// Inverse DCT: IJG's jpeg_idct_islow (jidctint.c, the Loeffler-Ligtenberg-Moschytz algorithm in
// 13-bit fixed point), with its PASS1_BITS of 2 (8-bit) or 1 (12-bit) and its output range limit.
// Arithmetic is 64-bit as IJG's INT32 is on LP64 systems, so that corrupt coefficients cannot overflow.

/// IJG's IDCT_range_limit table (jdmaster.c prepare_range_limit_table) for MAXJSAMPLE `max`,
/// indexed by the descaled value & (4 * (max + 1) - 1): values near the range are clamped, wild
/// ones wrap as IJG's do.
std::vector<uint16_t> make_range_limit(int max) {
    const int center = (max + 1) / 2, n = 4 * (max + 1);
    std::vector<uint16_t> t(size_t(n), 0);
    for (int i = 0; i < n; ++i) {
        if (i < center) t[size_t(i)] = uint16_t(i + center);
        else if (i < 2 * (max + 1)) t[size_t(i)] = uint16_t(max);
        else if (i >= n - center) t[size_t(i)] = uint16_t(i - (n - center));
    }
    return t;
}

struct Idct {
    int pass1_bits;
    int mask;  ///< RANGE_MASK = 4 * (MAXJSAMPLE + 1) - 1
    const uint16_t *limit;

    explicit Idct(int precision) {
        static const std::vector<uint16_t> limit8 = make_range_limit(255), limit12 = make_range_limit(4095);
        pass1_bits = precision == 8 ? 2 : 1;
        mask = precision == 8 ? 1023 : 16383;
        limit = precision == 8 ? limit8.data() : limit12.data();
    }

    /// Dequantizes `coef` (natural order) with `q` and writes the 8x8 samples at `out` (row stride `stride`).
    void operator()(const int16_t *coef, const uint16_t *q, uint16_t *out, size_t stride) const {
        constexpr int kConstBits = 13;
        constexpr int64_t F0_298 = 2446, F0_390 = 3196, F0_541 = 4433, F0_765 = 6270, F0_899 = 7373, F1_175 = 9633,
                          F1_501 = 12299, F1_847 = 15137, F1_961 = 16069, F2_053 = 16819, F2_562 = 20995, F3_072 = 25172;
        auto descale = [](int64_t x, int n) { return (x + (int64_t(1) << (n - 1))) >> n; };
        int ws[64];
        // Pass 1: columns, from the dequantized input into the work array, scaled up by PASS1_BITS.
        for (int c = 0; c < 8; ++c) {
            auto in = [&](int r) { return int64_t(coef[r * 8 + c]) * q[r * 8 + c]; };
            if (!coef[8 + c] && !coef[16 + c] && !coef[24 + c] && !coef[32 + c] && !coef[40 + c] && !coef[48 + c] &&
                !coef[56 + c]) {
                const int dc = int(in(0) * (int64_t(1) << pass1_bits));  // AC terms all zero: a flat column
                for (int r = 0; r < 8; ++r) ws[r * 8 + c] = dc;
                continue;
            }
            int64_t z2 = in(2), z3 = in(6);
            int64_t z1 = (z2 + z3) * F0_541;
            int64_t tmp2 = z1 + z3 * -F1_847, tmp3 = z1 + z2 * F0_765;
            z2 = in(0);
            z3 = in(4);
            int64_t tmp0 = (z2 + z3) * (int64_t(1) << kConstBits), tmp1 = (z2 - z3) * (int64_t(1) << kConstBits);
            const int64_t tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
            tmp0 = in(7), tmp1 = in(5), tmp2 = in(3), tmp3 = in(1);
            z1 = tmp0 + tmp3;
            z2 = tmp1 + tmp2;
            z3 = tmp0 + tmp2;
            int64_t z4 = tmp1 + tmp3;
            const int64_t z5 = (z3 + z4) * F1_175;
            tmp0 *= F0_298, tmp1 *= F2_053, tmp2 *= F3_072, tmp3 *= F1_501;
            z1 *= -F0_899, z2 *= -F2_562, z3 *= -F1_961, z4 *= -F0_390;
            z3 += z5, z4 += z5;
            tmp0 += z1 + z3, tmp1 += z2 + z4, tmp2 += z2 + z3, tmp3 += z1 + z4;
            const int sh = kConstBits - pass1_bits;
            ws[0 * 8 + c] = int(descale(tmp10 + tmp3, sh));
            ws[7 * 8 + c] = int(descale(tmp10 - tmp3, sh));
            ws[1 * 8 + c] = int(descale(tmp11 + tmp2, sh));
            ws[6 * 8 + c] = int(descale(tmp11 - tmp2, sh));
            ws[2 * 8 + c] = int(descale(tmp12 + tmp1, sh));
            ws[5 * 8 + c] = int(descale(tmp12 - tmp1, sh));
            ws[3 * 8 + c] = int(descale(tmp13 + tmp0, sh));
            ws[4 * 8 + c] = int(descale(tmp13 - tmp0, sh));
        }
        // Pass 2: rows, from the work array to range-limited samples (descaled by PASS1_BITS + 3).
        const int sh = kConstBits + pass1_bits + 3;
        auto put = [&](uint16_t *o, int64_t v) { *o = limit[int(descale(v, sh)) & mask]; };
        for (int r = 0; r < 8; ++r) {
            const int *w = ws + r * 8;
            uint16_t *o = out + size_t(r) * stride;
            int64_t z2 = w[2], z3 = w[6];
            int64_t z1 = (z2 + z3) * F0_541;
            int64_t tmp2 = z1 + z3 * -F1_847, tmp3 = z1 + z2 * F0_765;
            int64_t tmp0 = (int64_t(w[0]) + w[4]) * (int64_t(1) << kConstBits);
            int64_t tmp1 = (int64_t(w[0]) - w[4]) * (int64_t(1) << kConstBits);
            const int64_t tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
            tmp0 = w[7], tmp1 = w[5], tmp2 = w[3], tmp3 = w[1];
            z1 = tmp0 + tmp3;
            z2 = tmp1 + tmp2;
            z3 = tmp0 + tmp2;
            int64_t z4 = tmp1 + tmp3;
            const int64_t z5 = (z3 + z4) * F1_175;
            tmp0 *= F0_298, tmp1 *= F2_053, tmp2 *= F3_072, tmp3 *= F1_501;
            z1 *= -F0_899, z2 *= -F2_562, z3 *= -F1_961, z4 *= -F0_390;
            z3 += z5, z4 += z5;
            tmp0 += z1 + z3, tmp1 += z2 + z4, tmp2 += z2 + z3, tmp3 += z1 + z4;
            put(o + 0, tmp10 + tmp3);
            put(o + 7, tmp10 - tmp3);
            put(o + 1, tmp11 + tmp2);
            put(o + 6, tmp11 - tmp2);
            put(o + 2, tmp12 + tmp1);
            put(o + 5, tmp12 - tmp1);
            put(o + 3, tmp13 + tmp0);
            put(o + 4, tmp13 - tmp0);
        }
    }
};

// ---------------------------------------------------------------------------------------------------
// Frame and scans (T.81 B.2.2, B.2.3, A.2).

struct Component {
    uint8_t id = 0, h = 1, v = 1, tq = 0;
    uint32_t width = 0, height = 0;  ///< samples: ceil(X * h / Hmax) by ceil(Y * v / Vmax) (A.1.1)
    size_t stride = 0;               ///< plane row length: whole MCUs' worth of blocks
    std::vector<uint16_t> plane;     ///< reconstructed samples, padded to whole MCUs
    std::array<uint16_t, 64> q{};    ///< quantization table, natural order, latched at its first scan
    int32_t pred = 0;                ///< DC prediction (F.2.1.3.1)
    bool decoded = false;
};

struct Frame {
    int precision = 0;
    uint32_t width = 0, height = 0, hmax = 1, vmax = 1, mcus_x = 0, mcus_y = 0;
    std::vector<Component> comps;
};

struct ScanComponent {
    Component *comp;
    const HuffTable *dc, *ac;
};

/// Decodes one 8x8 block's coefficients (F.2.2.1 and F.2.2.2, Figure F.13) into `coef`, natural order.
void decode_block(BitReader &br, const ScanComponent &sc, int16_t *coef) {
    std::memset(coef, 0, 64 * sizeof(int16_t));
    br.fill();
    const int t = br.decode(*sc.dc);
    if (t > 15) fail(Errc::malformed, "DC difference category " + std::to_string(t) + " out of range", br.offset());
    // IJG keeps the prediction in an int and the coefficient in a 16-bit JCOEF.
    sc.comp->pred = int32_t(uint32_t(sc.comp->pred) + uint32_t(br.receive_extend(t)));
    coef[0] = int16_t(sc.comp->pred);
    for (int k = 1; k < 64;) {
        br.fill();
        const int rs = br.decode(*sc.ac), r = rs >> 4, s = rs & 15;
        if (s == 0) {
            if (r != 15) break;  // EOB
            k += 16;             // ZRL
            continue;
        }
        k += r;
        if (k > 63) fail(Errc::malformed, "AC coefficients run past the end of a block", br.offset());
        coef[kNatural[k++]] = int16_t(br.receive_extend(s));
    }
}

/// Decodes the entropy-coded data of one scan (F.2.2, A.2.2 / A.2.3 for the MCU order) and returns
/// where it ends; `extraneous` gets the count of stray bytes between the data and that marker.
const uint8_t *decode_scan(const Frame &frame, std::vector<ScanComponent> &scomps, uint32_t restart_interval,
                           const uint8_t *begin, const uint8_t *p, const uint8_t *end, size_t &extraneous) {
    BitReader br(begin, p, end);
    const Idct idct(frame.precision);
    int16_t coef[64];
    for (auto &sc : scomps) sc.comp->pred = 0;
    // Non-interleaved (one component): an MCU is one block, over the component's own blocks.
    const bool single = scomps.size() == 1;
    const uint32_t across = single ? (scomps[0].comp->width + 7) / 8 : frame.mcus_x;
    const uint32_t down = single ? (scomps[0].comp->height + 7) / 8 : frame.mcus_y;
    const uint64_t total = uint64_t(across) * down;
    for (uint64_t mcu = 0; mcu < total; ++mcu) {
        if (restart_interval && mcu && mcu % restart_interval == 0) {
            br.restart();
            for (auto &sc : scomps) sc.comp->pred = 0;
        }
        const uint32_t mx = uint32_t(mcu % across), my = uint32_t(mcu / across);
        for (const auto &sc : scomps) {
            Component &c = *sc.comp;
            const uint32_t bh = single ? 1 : c.h, bv = single ? 1 : c.v;
            for (uint32_t j = 0; j < bv; ++j)
                for (uint32_t i = 0; i < bh; ++i) {
                    decode_block(br, sc, coef);
                    const size_t x = size_t(mx * bh + i) * 8, y = size_t(my * bv + j) * 8;
                    idct(coef, c.q.data(), c.plane.data() + y * c.stride + x, c.stride);
                }
        }
    }
    if (br.overrun()) fail(Errc::truncated, "entropy-coded data ends before the last block", br.offset());
    for (auto &sc : scomps) sc.comp->decoded = true;
    extraneous = br.extraneous_bytes();
    return br.scan_end();
}

// ---------------------------------------------------------------------------------------------------
// Upsampling to full resolution (IJG jdsample.c with do_fancy_upsampling, its default).

/// Component `c` at full resolution (frame width x height), row-major.
std::vector<uint16_t> upsample(const Frame &frame, const Component &c) {
    const uint32_t w = frame.width, h = frame.height, hx = frame.hmax / c.h, vy = frame.vmax / c.v;
    const uint32_t dw = c.width, dh = c.height;
    std::vector<uint16_t> out(size_t(w) * h);
    auto in_row = [&](int64_t r) { return c.plane.data() + size_t(std::clamp<int64_t>(r, 0, dh - 1)) * c.stride; };
    std::vector<uint16_t> row(size_t(dw) * 2);
    if (hx == 2 && (vy == 1 || vy == 2) && dw > 2) {
        for (uint32_t y = 0; y < h; ++y) {
            if (vy == 1) {
                // h2v1_fancy_upsample: each output sample is 3/4 of the nearer input sample and 1/4
                // of the further one, rounding alternately down and up.
                const uint16_t *s = in_row(y);
                row[0] = s[0];
                row[1] = uint16_t((s[0] * 3 + s[1] + 2) >> 2);
                for (uint32_t x = 1; x + 1 < dw; ++x) {
                    const int v3 = s[x] * 3;
                    row[2 * x] = uint16_t((v3 + s[x - 1] + 1) >> 2);
                    row[2 * x + 1] = uint16_t((v3 + s[x + 1] + 2) >> 2);
                }
                row[2 * dw - 2] = uint16_t((s[dw - 1] * 3 + s[dw - 2] + 1) >> 2);
                row[2 * dw - 1] = s[dw - 1];
            } else {
                // h2v2_fancy_upsample: the same triangle filter vertically (3/4 nearer row, 1/4 the
                // row above for even output rows, below for odd ones; edge rows repeated), then
                // horizontally on the column sums.
                const int64_t r = y / 2;
                const uint16_t *s0 = in_row(r), *s1 = in_row(y % 2 ? r + 1 : r - 1);
                auto sum = [&](uint32_t x) { return int(s0[x]) * 3 + s1[x]; };
                int last = sum(0), self = sum(0), next = sum(1);
                row[0] = uint16_t((self * 4 + 8) >> 4);
                row[1] = uint16_t((self * 3 + next + 7) >> 4);
                for (uint32_t x = 1; x + 1 < dw; ++x) {
                    last = self;
                    self = next;
                    next = sum(x + 1);
                    row[2 * x] = uint16_t((self * 3 + last + 8) >> 4);
                    row[2 * x + 1] = uint16_t((self * 3 + next + 7) >> 4);
                }
                last = self;
                self = next;
                row[2 * dw - 2] = uint16_t((self * 3 + last + 8) >> 4);
                row[2 * dw - 1] = uint16_t((self * 4 + 7) >> 4);
            }
            std::copy(row.begin(), row.begin() + w, out.begin() + size_t(y) * w);
        }
        return out;
    }
    // Full size, or replication for the other integral factors (fullsize_, h2v1_, h2v2_, int_upsample).
    for (uint32_t y = 0; y < h; ++y) {
        const uint16_t *s = in_row(y / vy);
        uint16_t *o = out.data() + size_t(y) * w;
        for (uint32_t x = 0; x < w; ++x) o[x] = s[x / hx];
    }
    return out;
}

FrameLayout decode_frame(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size) {
    check_frame_size(info, out_size, "JPEG DCT decode");
    check_output_layout(info, kWho);

    MarkerReader markers(kWho, in, in_size);
    Frame frame;
    std::array<HuffTable, 4> dc_tables, ac_tables;
    std::array<std::array<uint16_t, 64>, 4> qtables{};
    std::array<bool, 4> qdefined{};
    uint32_t restart_interval = 0;
    bool jfif = false, adobe = false;
    int adobe_transform = 0;
    std::vector<std::string> warnings;
    Segment s;
    while (markers.next(s)) {
        const uint8_t m = s.marker, *seg = s.data, *const seg_end = s.end;
        const uint32_t len = s.length;
        const int64_t at = s.at;
        if (m == kSOF0 || m == kSOF1) {  // B.2.2 frame header
            if (!frame.comps.empty()) fail(Errc::malformed, "more than one SOF marker", at);
            const FrameHeader h = read_frame_header(
                s, info, kWho, "SOF", [](int p) { return p == 8 || p == 12; }, "8 or 12 for DCT",
                [&](const FrameHeader &f, uint32_t i) {
                    if (f.comps[i].tq > 3) fail(Errc::malformed, "quantization table identifier out of range", at);
                });
            frame.precision = h.precision;
            frame.width = h.width;
            frame.height = h.height;
            frame.comps.resize(h.comps.size());
            for (size_t i = 0; i < h.comps.size(); ++i) {
                Component &c = frame.comps[i];
                c.id = h.comps[i].id;
                c.h = h.comps[i].h;
                c.v = h.comps[i].v;
                c.tq = h.comps[i].tq;
                frame.hmax = std::max<uint32_t>(frame.hmax, c.h);
                frame.vmax = std::max<uint32_t>(frame.vmax, c.v);
            }
            // A.2.4: MCUs cover the image in units of Hmax x Vmax blocks.
            frame.mcus_x = (frame.width + 8 * frame.hmax - 1) / (8 * frame.hmax);
            frame.mcus_y = (frame.height + 8 * frame.vmax - 1) / (8 * frame.vmax);
            for (auto &c : frame.comps) {
                if (frame.hmax % c.h || frame.vmax % c.v)
                    fail(Errc::unsupported, "sampling factors that are not integral ratios", at);
                c.width = uint32_t((uint64_t(frame.width) * c.h + frame.hmax - 1) / frame.hmax);
                c.height = uint32_t((uint64_t(frame.height) * c.v + frame.vmax - 1) / frame.vmax);
                c.stride = size_t(frame.mcus_x) * c.h * 8;
                c.plane.assign(c.stride * frame.mcus_y * c.v * 8, 0);
            }
        } else if ((m >= kSOF0 && m <= kSOF15 && m != kDHT && m != kJPG) || m == kDAC) {
            // Progressive, lossless, hierarchical and arithmetic-coded processes.
            fail(Errc::unsupported, "not a sequential Huffman DCT JPEG: marker " + hex_marker(m), at);
        } else if (m == kDHT) {
            read_huffman_tables(s, kWho, dc_tables, &ac_tables);
        } else if (m == kDQT) {  // B.2.4.1
            while (seg < seg_end) {
                const int pq = seg[0] >> 4, tq = seg[0] & 15;
                if (pq > 1 || tq > 3) fail(Errc::malformed, "bad quantization table precision or identifier", at);
                if (seg_end - seg < 1 + 64 * (pq + 1)) fail(Errc::malformed, "DQT segment too short", at);
                for (int k = 0; k < 64; ++k)
                    qtables[size_t(tq)][kNatural[k]] = uint16_t(pq ? u16(seg + 1 + 2 * k) : seg[1 + k]);
                qdefined[size_t(tq)] = true;
                seg += 1 + 64 * (pq + 1);
            }
        } else if (m == kDRI) {
            restart_interval = read_restart_interval(s, kWho);
        } else if (m == kDNL) {
            fail(Errc::unsupported, "DNL marker", at);
        } else if (m == kAPP0) {
            jfif = jfif || (len >= 7 && std::memcmp(seg, "JFIF\0", 5) == 0);
        } else if (m == kAPP14) {  // Adobe: the colour transform flag (0 = none, 1 = YCbCr)
            if (len >= 14 && std::memcmp(seg, "Adobe", 5) == 0) {
                adobe = true;
                adobe_transform = seg[11];
            }
        } else if (m == kSOS) {  // B.2.3 scan header
            if (frame.comps.empty()) fail(Errc::malformed, "SOS before SOF", at);
            const uint32_t ns = scan_component_count(s, kWho);
            std::vector<ScanComponent> scomps;
            uint32_t blocks = 0;
            for (uint32_t i = 0; i < ns; ++i) {
                const uint8_t id = seg[1 + 2 * i], td = seg[2 + 2 * i] >> 4, ta = seg[2 + 2 * i] & 15;
                Component &c = scan_component(frame.comps, id, scomps, s, kWho);
                if (td > 3 || ta > 3 || !dc_tables[td].defined || !ac_tables[ta].defined)
                    fail(Errc::malformed, "scan uses an undefined Huffman table", at);
                if (!qdefined[c.tq]) fail(Errc::malformed, "component uses an undefined quantization table", at);
                c.q = qtables[c.tq];
                blocks += uint32_t(c.h) * c.v;
                scomps.push_back({&c, &dc_tables[td], &ac_tables[ta]});
            }
            if (ns > 1 && blocks > 10) fail(Errc::malformed, "more than 10 blocks in an MCU", at);
            // B.2.3: a sequential scan has Ss 0, Se 63, Ah Al 0. Files from the field carry other
            // values (often all zero); libjpeg (jdhuff.c, JWRN_NOT_SEQUENTIAL), DCMTK and GDCM warn
            // and decode the scan as the sequential one the SOF says it is: so do we.
            const int ss = seg[1 + 2 * ns], se = seg[2 + 2 * ns], ah = seg[3 + 2 * ns] >> 4, al = seg[3 + 2 * ns] & 15;
            if (ss != 0 || se != 63 || ah != 0 || al != 0)
                warnings.push_back(std::string(kWho) + ": invalid SOS parameters for sequential JPEG (Ss " + std::to_string(ss) +
                                   ", Se " + std::to_string(se) + ", Ah " + std::to_string(ah) + ", Al " +
                                   std::to_string(al) + "): decoded as a sequential scan");
            size_t extraneous = 0;
            const uint8_t *next =
                decode_scan(frame, scomps, restart_interval, markers.begin(), markers.pos(), markers.end(), extraneous);
            // Stray bytes after the coded data: libjpeg (JWRN_EXTRANEOUS_DATA), dcmdjpeg and gdcmconv
            // warn and go on to the marker; so do we.
            if (extraneous)
                warnings.push_back(std::string(kWho) + ": corrupt JPEG data: " + std::to_string(extraneous) +
                                   " extraneous bytes before marker " +
                                   (next + 1 < markers.end() ? hex_marker(next[1]) : std::string("(end of data)")));
            markers.resume(next);
        } else if (m < 0xC0) {
            fail(Errc::malformed, "invalid marker " + hex_marker(m), at);
        }
        // Other APPn, COM, EXP and the like carry nothing this decoder needs.
    }
    if (frame.comps.empty()) fail(Errc::truncated, "no SOF frame header", int64_t(in_size));
    for (const auto &c : frame.comps)
        if (!c.decoded) fail(Errc::truncated, "no scan for component " + std::to_string(c.id), int64_t(in_size));
    // Every scan was decoded, only the EOI marker is missing (the frame cut just before it, or a
    // writer that left it out): the image is whole, so decode it, and say so.
    if (!markers.saw_eoi()) warnings.push_back(std::string(kWho) + ": no EOI marker at the end of the frame");

    const size_t count = size_t(frame.width) * frame.height;
    const uint32_t nc = uint32_t(frame.comps.size());
    std::vector<std::vector<uint16_t>> full;
    for (const auto &c : frame.comps) full.push_back(upsample(frame, c));

    // Colour: YCbCr to RGB when the dataset says YBR_FULL(_422); with another or no photometric
    // interpretation, as IJG guesses (Adobe transform flag, else JFIF or component ids 1, 2, 3).
    FrameLayout layout;
    layout.warnings = std::move(warnings);
    bool ycc = false;
    if (nc == 3) {
        const std::string &pi = info.photometric_interpretation;
        if (pi.rfind("YBR_FULL", 0) == 0) ycc = true;
        else if (pi == "RGB" || pi.rfind("YBR", 0) == 0) ycc = false;
        else if (adobe) ycc = adobe_transform != 0;
        else ycc = jfif || (frame.comps[0].id == 1 && frame.comps[1].id == 2 && frame.comps[2].id == 3);
    }
    if (ycc) {
        // jdcolor.c: R = Y + 1.402 Cr, G = Y - 0.34414 Cb - 0.71414 Cr, B = Y + 1.772 Cb, in 16-bit fixed point.
        const int max = (1 << frame.precision) - 1, center = 1 << (frame.precision - 1);
        constexpr int kScale = 16;
        constexpr int64_t kHalf = int64_t(1) << (kScale - 1);
        auto fix = [](double x) { return int64_t(x * (1 << kScale) + 0.5); };
        std::vector<int> cr_r(size_t(max) + 1), cb_b(size_t(max) + 1);
        std::vector<int64_t> cr_g(size_t(max) + 1), cb_g(size_t(max) + 1);
        for (int i = 0; i <= max; ++i) {
            const int64_t x = i - center;
            cr_r[size_t(i)] = int((fix(1.40200) * x + kHalf) >> kScale);
            cb_b[size_t(i)] = int((fix(1.77200) * x + kHalf) >> kScale);
            cr_g[size_t(i)] = -fix(0.71414) * x;
            cb_g[size_t(i)] = -fix(0.34414) * x + kHalf;
        }
        auto clamp = [max](int v) { return uint16_t(std::clamp(v, 0, max)); };
        for (size_t i = 0; i < count; ++i) {
            const int y = full[0][i];
            const uint16_t cb = full[1][i], cr = full[2][i];
            full[0][i] = clamp(y + cr_r[cr]);
            full[1][i] = clamp(y + int((cb_g[cb] + cr_g[cr]) >> kScale));
            full[2][i] = clamp(y + cb_b[cb]);
        }
        layout.photometric = "RGB";
    }

    // Output: little-endian samples of Bits Allocated, interleaved; signed samples sign-extended
    // from Bits Stored (JPEG has no sign: the pattern is read as Pixel Representation says,
    // apply_pixel_representation); unsigned ones past Bits Stored (lossy overshoot where the
    // precision exceeds Bits Stored) clamped to its largest value rather than wrapped.
    const uint32_t bs = std::min(std::max(info.bits_stored, 1u), info.bits_allocated);
    const bool sign = info.pixel_representation == 1 && bs < info.bits_allocated;
    const uint32_t sbit = 1u << (bs - 1), smask = (1u << bs) - 1;
    const size_t bps = info.bits_allocated / 8;
    for (uint32_t k = 0; k < nc; ++k) {
        const uint16_t *src = full[k].data();
        uint8_t *dst = out + k * bps;
        for (size_t i = 0; i < count; ++i, dst += nc * bps) {
            uint32_t v = src[i];
            if (sign) v = (v & smask) | ((v & sbit) ? ~smask : 0);
            else v = std::min(v, smask);
            dst[0] = uint8_t(v);
            if (bps == 2) dst[1] = uint8_t(v >> 8);
        }
    }
    return layout;
}

}  // namespace

FrameLayout jpeg_dct_decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size) {
    return decode_frame(info, in, in_size, out, out_size);
}

}  // namespace dcmkit::codecs
