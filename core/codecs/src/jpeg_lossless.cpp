// dcmkit — JPEG Lossless, Non-Hierarchical, Process 14 (ITU-T T.81 Annex H, Huffman coding), our own:
// transfer syntaxes .57 (any selection value) and .70 (selection value 1).
//
// Decoder: SOF3, precision 2..16, one or three components in one interleaved scan or one scan per
// component, predictors 1-7, point transform, restart intervals. Encoder: one interleaved scan, with
// Huffman tables built per frame from the statistics of that frame (T.81 Annex K.2).
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

constexpr const char *kWho = "JPEG lossless";

[[noreturn]] void fail(Errc code, const std::string &what, int64_t offset = -1) { jpeg::fail(kWho, code, what, offset); }


// ---------------------------------------------------------------------------------------------------
// Prediction (T.81 H.1.2.1, Table H.1): Ra left, Rb above, Rc above-left. The divisions by two are
// arithmetic right shifts.

template <int SV>
inline int32_t predict(int32_t a, int32_t b, int32_t c) {
    if constexpr (SV == 1) return a;
    if constexpr (SV == 2) return b;
    if constexpr (SV == 3) return c;
    if constexpr (SV == 4) return a + b - c;
    if constexpr (SV == 5) return a + ((b - c) >> 1);
    if constexpr (SV == 6) return b + ((a - c) >> 1);
    if constexpr (SV == 7) return (a + b) >> 1;
    return 0;
}

/// One row of predictions for a component plane: the first row of the scan or of a restart
/// interval uses Ra (and 2^(P-Pt-1) for its first sample); the first sample of other rows uses Rb
/// (H.1.2.1). `f(x, px)` gets each sample's prediction and returns the sample.
template <int SV, typename F>
inline void predict_row(const uint16_t *prev, uint16_t *cur, uint32_t width, bool first_row, int32_t initial, F &&f) {
    if (first_row) {
        int32_t a = cur[0] = f(0, initial);
        for (uint32_t x = 1; x < width; ++x) a = cur[x] = f(x, a);
        return;
    }
    cur[0] = f(0, prev[0]);
    for (uint32_t x = 1; x < width; ++x) cur[x] = f(x, predict<SV>(cur[x - 1], prev[x], prev[x - 1]));
}

// ---------------------------------------------------------------------------------------------------
// Decoding.

struct FrameComponent {
    uint8_t id = 0, h = 1, v = 1;
    int pt = 0;  ///< point transform of the scan that coded the component
    bool decoded = false;
    std::vector<uint16_t> plane;  ///< point-transformed samples, row by row
};

struct Frame {
    int precision = 0;
    uint32_t width = 0, height = 0;
    std::vector<FrameComponent> comps;
};

struct ScanComponent {
    FrameComponent *comp;
    const HuffTable *table;
};

/// Decodes the entropy-coded data of one scan (H.2: one difference per sample, MCU = one sample of
/// each scan component) with selection value SV; returns where the data ends.
template <int SV>
const uint8_t *decode_scan(const Frame &frame, std::vector<ScanComponent> &scomps, int pt, uint32_t restart_interval,
                           const uint8_t *begin, const uint8_t *p, const uint8_t *end) {
    BitReader br(begin, p, end);
    const uint32_t w = frame.width, ns = uint32_t(scomps.size());
    const uint32_t mask = (1u << (frame.precision - pt)) - 1;
    const int32_t initial = int32_t(1) << (frame.precision - pt - 1);
    const uint32_t rows_per_interval = restart_interval ? restart_interval / w : 0;
    bool first_row = true;
    // Decodes one difference (H.1.2.2, Table H.2): SSSS, then SSSS extra bits; SSSS 16 means 32768.
    auto sample = [&](const HuffTable &t, int32_t px) -> uint16_t {
        br.fill();
        const int s = br.decode(t);
        int32_t diff;
        if (s == 0) {
            diff = 0;
        } else if (s < 16) {
            const int32_t v = int32_t(br.get(s));
            diff = v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;  // EXTEND (F.2.2.1)
        } else if (s == 16) {
            diff = 32768;
        } else {
            fail(Errc::malformed, "difference category " + std::to_string(s) + " out of range", br.offset());
        }
        return uint16_t(uint32_t(px + diff) & mask);  // modulo 2^16 (H.1.2.1), within P - Pt bits
    };
    for (uint32_t y = 0; y < frame.height; ++y) {
        if (rows_per_interval && y && y % rows_per_interval == 0) {
            br.restart();
            first_row = true;
        }
        if (ns == 1) {
            FrameComponent &c = *scomps[0].comp;
            const HuffTable &t = *scomps[0].table;
            uint16_t *cur = c.plane.data() + size_t(y) * w;
            predict_row<SV>(cur - (y ? w : 0), cur, w, first_row, initial,
                            [&](uint32_t, int32_t px) { return sample(t, px); });
        } else {
            // Interleaved: samples of the components alternate, so predict each one in turn.
            for (uint32_t x = 0; x < w; ++x) {
                for (uint32_t k = 0; k < ns; ++k) {
                    uint16_t *cur = scomps[k].comp->plane.data() + size_t(y) * w;
                    const uint16_t *prev = cur - (y ? w : 0);
                    int32_t px;
                    if (first_row) px = x ? cur[x - 1] : initial;
                    else if (x == 0) px = prev[0];
                    else px = predict<SV>(cur[x - 1], prev[x], prev[x - 1]);
                    cur[x] = sample(*scomps[k].table, px);
                }
            }
        }
        first_row = false;
    }
    if (br.overrun()) fail(Errc::truncated, "entropy-coded data ends before the last sample", br.offset());
    for (auto &sc : scomps) sc.comp->decoded = true;
    return br.scan_end();
}

using ScanDecoder = const uint8_t *(*)(const Frame &, std::vector<ScanComponent> &, int, uint32_t, const uint8_t *,
                                       const uint8_t *, const uint8_t *);
constexpr ScanDecoder kScanDecoders[8] = {nullptr, decode_scan<1>, decode_scan<2>, decode_scan<3>,
                                          decode_scan<4>, decode_scan<5>, decode_scan<6>, decode_scan<7>};

FrameLayout decode_frame(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size) {
    check_frame_size(info, out_size, "JPEG lossless decode");
    check_output_layout(info, kWho);

    MarkerReader markers(kWho, in, in_size);
    Frame frame;
    std::array<HuffTable, 4> tables;
    uint32_t restart_interval = 0;
    std::vector<std::string> warnings;
    Segment s;
    while (markers.next(s)) {
        const uint8_t m = s.marker, *const seg = s.data;
        const int64_t at = s.at;
        if (m == kSOF3) {  // B.2.2 frame header
            if (!frame.comps.empty()) fail(Errc::malformed, "more than one SOF marker", at);
            const FrameHeader h = read_frame_header(
                s, info, kWho, "SOF3", [](int p) { return p >= 2 && p <= 16; }, "2..16 for lossless",
                [&](const FrameHeader &f, uint32_t i) {
                    if (f.comps[i].h != f.comps[0].h || f.comps[i].v != f.comps[0].v)
                        fail(Errc::unsupported, "subsampled components in a lossless frame", at);
                });
            frame.precision = h.precision;
            frame.width = h.width;
            frame.height = h.height;
            frame.comps.resize(h.comps.size());
            for (size_t i = 0; i < h.comps.size(); ++i) {
                FrameComponent &c = frame.comps[i];
                c.id = h.comps[i].id;
                c.h = h.comps[i].h;
                c.v = h.comps[i].v;
                c.plane.assign(size_t(frame.width) * frame.height, 0);
            }
        } else if ((m >= kSOF0 && m <= kSOF15 && m != kDHT && m != kJPG) || m == kDAC) {
            // Other processes (DCT, hierarchical) and arithmetic coding (SOF9+, DAC).
            fail(Errc::unsupported, "not a Huffman lossless (SOF3) JPEG: marker " + hex_marker(m), at);
        } else if (m == kDHT) {
            read_huffman_tables(s, kWho, tables, nullptr);
        } else if (m == kDRI) {
            restart_interval = read_restart_interval(s, kWho);
        } else if (m == kDNL) {
            fail(Errc::unsupported, "DNL marker", at);
        } else if (m == kSOS) {  // B.2.3 scan header
            if (frame.comps.empty()) fail(Errc::malformed, "SOS before SOF3", at);
            const uint32_t ns = scan_component_count(s, kWho);
            std::vector<ScanComponent> scomps;
            for (uint32_t i = 0; i < ns; ++i) {
                const uint8_t id = seg[1 + 2 * i], td = seg[2 + 2 * i] >> 4;
                FrameComponent &c = scan_component(frame.comps, id, scomps, s, kWho);
                if (td > 3 || !tables[td].defined) fail(Errc::malformed, "scan uses an undefined Huffman table", at);
                scomps.push_back({&c, &tables[td]});
            }
            // H.1.1 / B.2.3: Ss is the predictor (selection value), Al the point transform; Se and Ah
            // are unused and shall be 0. GDCM decodes a scan whose Se or Ah is not 0 with a warning
            // (DCMTK refuses it), so we warn and ignore them; a predictor out of 1..7 or a point
            // transform past the precision, which both refuse, stay errors.
            const int ss = seg[1 + 2 * ns], se = seg[2 + 2 * ns], ah = seg[3 + 2 * ns] >> 4, al = seg[3 + 2 * ns] & 15;
            if (ss < 1 || ss > 7) fail(Errc::malformed, "selection value " + std::to_string(ss) + " (1..7)", at);
            if (al >= frame.precision) fail(Errc::malformed, "point transform out of range", at);
            if (se != 0 || ah != 0)
                warnings.push_back(std::string(kWho) + ": invalid SOS parameters for lossless JPEG (Se " + std::to_string(se) +
                                   ", Ah " + std::to_string(ah) + ", both unused and 0 in T.81 H.1.1): ignored");
            if (restart_interval && restart_interval % frame.width)
                fail(Errc::unsupported, "restart interval is not a whole number of rows", at);
            for (auto &sc : scomps) sc.comp->pt = al;
            markers.resume(kScanDecoders[ss](frame, scomps, al, restart_interval, markers.begin(), markers.pos(), markers.end()));
        } else if (m < 0xC0) {
            fail(Errc::malformed, "invalid marker " + hex_marker(m), at);
        }
        // APPn, COM, DQT, EXP and other segments carry nothing a lossless decoder needs.
    }
    if (frame.comps.empty()) fail(Errc::truncated, "no SOF3 frame header", in_size);
    for (const auto &c : frame.comps)
        if (!c.decoded) fail(Errc::truncated, "no scan for component " + std::to_string(c.id), in_size);
    // Every scan was decoded, only the EOI marker is missing (the frame cut just before it, or a
    // writer that left it out): the image is whole, so decode it, and say so.
    if (!markers.saw_eoi()) warnings.push_back(std::string(kWho) + ": no EOI marker at the end of the frame");

    // Output: little-endian samples of Bits Allocated, interleaved, the point transform undone
    // (H.2.2: shifted left by Pt); then Bits Stored read as Pixel Representation says
    // (apply_pixel_representation: a precision above Bits Stored may hold sign-extended samples).
    const size_t count = size_t(frame.width) * frame.height;
    const uint32_t nc = uint32_t(frame.comps.size());
    for (uint32_t k = 0; k < nc; ++k) {
        const uint16_t *src = frame.comps[k].plane.data();
        const int pt = frame.comps[k].pt;
        if (info.bits_allocated == 8) {
            uint8_t *dst = out + k;
            for (size_t i = 0; i < count; ++i, dst += nc) {
                *dst = uint8_t(uint32_t(src[i]) << pt);
            }
        } else {
            uint8_t *dst = out + 2 * k;
            for (size_t i = 0; i < count; ++i, dst += 2 * nc) {
                const uint32_t v = uint32_t(src[i]) << pt;
                dst[0] = uint8_t(v);
                dst[1] = uint8_t(v >> 8);
            }
        }
    }
    apply_pixel_representation(info, out, out_size);
    FrameLayout layout;
    layout.warnings = std::move(warnings);
    return layout;
}

// ---------------------------------------------------------------------------------------------------
// Encoding.

/// A Huffman table for difference categories 0..16: BITS/HUFFVAL for the DHT and the code of each
/// category, built from the category counts (T.81 K.2, Figures K.1 to K.4; then C.2 for the codes).
struct HuffCode {
    std::array<uint8_t, 16> bits{};
    std::vector<uint8_t> values;
    std::array<uint16_t, 17> code{};
    std::array<uint8_t, 17> size{};

    explicit HuffCode(const std::array<uint64_t, 17> &counts) {
        // K.2: symbol 17 is the reserved one-count entry that keeps the all-ones code unused.
        constexpr int kSyms = 18;
        std::array<uint64_t, kSyms> freq{};
        std::copy(counts.begin(), counts.end(), freq.begin());
        freq[17] = 1;
        std::array<int, kSyms> codesize{}, others;
        others.fill(-1);
        for (;;) {  // Figure K.1: merge the two least frequent (ties: the larger symbol)
            int v1 = -1, v2 = -1;
            for (int v = 0; v < kSyms; ++v)
                if (freq[size_t(v)] && (v1 < 0 || freq[size_t(v)] <= freq[size_t(v1)])) v1 = v;
            for (int v = 0; v < kSyms; ++v)
                if (v != v1 && freq[size_t(v)] && (v2 < 0 || freq[size_t(v)] <= freq[size_t(v2)])) v2 = v;
            if (v2 < 0) break;
            freq[size_t(v1)] += freq[size_t(v2)];
            freq[size_t(v2)] = 0;
            for (++codesize[size_t(v1)]; others[size_t(v1)] >= 0; ++codesize[size_t(v1)]) v1 = others[size_t(v1)];
            others[size_t(v1)] = v2;
            for (++codesize[size_t(v2)]; others[size_t(v2)] >= 0; ++codesize[size_t(v2)]) v2 = others[size_t(v2)];
        }
        std::array<int, 33> nbits{};  // Figure K.2: codes per length (at most kSyms - 1 = 17 bits)
        for (int v = 0; v < kSyms; ++v)
            if (codesize[size_t(v)]) ++nbits[size_t(codesize[size_t(v)])];
        for (int i = 32; i > 16; --i) {  // Figure K.3: limit code lengths to 16 bits
            while (nbits[size_t(i)] > 0) {
                int j = i - 2;
                while (nbits[size_t(j)] == 0) --j;
                nbits[size_t(i)] -= 2;
                nbits[size_t(i - 1)] += 1;
                nbits[size_t(j + 1)] += 2;
                nbits[size_t(j)] -= 1;
            }
        }
        int longest = 16;  // ...and drop the reserved code, one of the longest
        while (nbits[size_t(longest)] == 0) --longest;
        --nbits[size_t(longest)];
        for (int i = 1; i <= 16; ++i) bits[size_t(i - 1)] = uint8_t(nbits[size_t(i)]);
        // Figure K.4: symbols by code length (then by value); the reserved one sorts last.
        for (int len = 1; len <= 32; ++len)
            for (int v = 0; v < 17; ++v)
                if (codesize[size_t(v)] == len) values.push_back(uint8_t(v));
        // C.2: canonical codes, lengths from the adjusted BITS, in HUFFVAL order.
        uint32_t c = 0;
        size_t k = 0;
        for (int len = 1; len <= 16; ++len, c <<= 1)
            for (int i = 0; i < bits[size_t(len - 1)]; ++i, ++k, ++c) {
                code[values[k]] = uint16_t(c);
                size[values[k]] = uint8_t(len);
            }
    }
};

/// Entropy-coded output with byte stuffing (F.1.2.3): bits gather in a 64-bit accumulator and
/// leave 32 at a time.
class BitWriter {
public:
    explicit BitWriter(std::vector<uint8_t> &out) : out_(out), pos_(out.size()) {}
    /// Room for `n` more bytes of output.
    void reserve(size_t n) {
        if (pos_ + n > out_.size()) out_.resize(std::max(out_.size() * 2, pos_ + n));
    }
    /// Appends the `len` (<= 32) low bits of `v`.
    void put(uint32_t v, int len) {
        acc_ = (acc_ << len) | v;
        n_ += len;
        if (n_ >= 32) {
            n_ -= 32;
            const uint32_t w = uint32_t(acc_ >> n_);
            if (((~w - 0x01010101u) & w & 0x80808080u) == 0) {  // no 0xFF byte in w
                uint8_t *d = out_.data() + pos_;
                d[0] = uint8_t(w >> 24), d[1] = uint8_t(w >> 16), d[2] = uint8_t(w >> 8), d[3] = uint8_t(w);
                pos_ += 4;
            } else {
                for (int s = 24; s >= 0; s -= 8) byte(uint8_t(w >> s));
            }
        }
    }
    /// Pads the last byte with 1-bits (F.1.2.3) and returns the output size.
    size_t finish() {
        if (n_ % 8) put((1u << (8 - n_ % 8)) - 1, 8 - n_ % 8);
        for (; n_ >= 8; n_ -= 8) byte(uint8_t(acc_ >> (n_ - 8)));
        return pos_;
    }

private:
    void byte(uint8_t b) {
        out_[pos_++] = b;
        if (b == 0xFF) out_[pos_++] = 0x00;
    }
    std::vector<uint8_t> &out_;
    size_t pos_;
    uint64_t acc_ = 0;
    int n_ = 0;
};

/// The differences of every sample, in scan order (interleaved), for selection value SV
/// (H.1.2.1), each reduced modulo 2^16 to -32768..32767.
template <int SV>
void differences(const std::vector<std::vector<uint16_t>> &planes, uint32_t w, uint32_t h, int32_t initial,
                 std::vector<int32_t> &diffs) {
    const size_t nc = planes.size();
    std::vector<uint16_t> row(w);
    for (size_t k = 0; k < nc; ++k) {
        for (uint32_t y = 0; y < h; ++y) {
            const uint16_t *cur = planes[k].data() + size_t(y) * w;
            int32_t *d = diffs.data() + size_t(y) * w * nc + k;
            // predict_row stores what `f` returns, the sample itself, in a scratch row.
            predict_row<SV>(cur - (y ? w : 0), row.data(), w, y == 0, initial, [&](uint32_t x, int32_t px) {
                d[x * nc] = int32_t(int16_t(uint16_t(uint32_t(cur[x]) - uint32_t(px))));
                return cur[x];
            });
        }
    }
}

using DiffFn = void (*)(const std::vector<std::vector<uint16_t>> &, uint32_t, uint32_t, int32_t, std::vector<int32_t> &);
constexpr DiffFn kDiffFns[8] = {nullptr, differences<1>, differences<2>, differences<3>,
                                differences<4>, differences<5>, differences<6>, differences<7>};

inline int category(int32_t d) {  // SSSS (Table H.2): bits of |d|, 16 for 32768
    const uint32_t a = uint32_t(d < 0 ? -d : d);
    return a ? 32 - __builtin_clz(a) : 0;
}

class JpegLosslessCodec final : public Codec {
public:
    explicit JpegLosslessCodec(bool sv1) : sv1_(sv1) {}

    std::string_view transfer_syntax() const noexcept override { return sv1_ ? kJpegLosslessSv1 : kJpegLossless; }
    bool lossless_only() const noexcept override { return true; }

    bool can_encode(const PixelInfo &info, const EncodeOptions &options, std::string *why) const override {
        auto no = [&](const std::string &reason) {
            if (why) *why = reason;
            return false;
        };
        if (info.bits_allocated != 8 && info.bits_allocated != 16) return no("Bits Allocated must be 8 or 16");
        if (info.bits_stored < 2 || info.bits_stored > info.bits_allocated) return no("Bits Stored must be 2..Bits Allocated");
        if (info.samples_per_pixel != 1 && info.samples_per_pixel != 3) return no("1 or 3 samples per pixel only");
        if (info.rows == 0 || info.columns == 0 || info.rows > 65535 || info.columns > 65535)
            return no("rows and columns must be 1..65535");
        if (!sv1_ && (options.predictor < 1 || options.predictor > 7)) return no("predictor must be 1..7");
        if (options.point_transform < 0 || options.point_transform >= int(info.bits_stored))
            return no("point transform must be 0..Bits Stored - 1");
        return true;
    }

    FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size) const override {
        return decode_frame(info, in, in_size, out, out_size);
    }

    std::vector<uint8_t> encode(const PixelInfo &info, const uint8_t *frame, size_t size, const EncodeOptions &options,
                                FrameLayout &layout) const override {
        std::string why;
        if (!can_encode(info, options, &why)) throw Error(Errc::unsupported, "JPEG lossless encode: " + why);
        check_frame_size(info, size, "JPEG lossless encode");
        const uint32_t w = info.columns, h = info.rows, nc = info.samples_per_pixel;
        const int precision = int(info.bits_stored), pt = options.point_transform;
        const int sv = sv1_ ? 1 : options.predictor;
        const size_t count = size_t(w) * h;

        // Samples as stored (Bits Stored bits; signed ones as their bit pattern), point-transformed.
        const uint32_t mask = (1u << precision) - 1;
        std::vector<std::vector<uint16_t>> planes(nc, std::vector<uint16_t>(count));
        for (uint32_t k = 0; k < nc; ++k) {
            uint16_t *dst = planes[k].data();
            if (info.bits_allocated == 8) {
                for (size_t i = 0; i < count; ++i) dst[i] = uint16_t((frame[i * nc + k] & mask) >> pt);
            } else {
                const uint8_t *src = frame + 2 * k;
                for (size_t i = 0; i < count; ++i, src += 2 * nc) dst[i] = uint16_t(((src[0] | src[1] << 8) & mask) >> pt);
            }
        }
        std::vector<int32_t> diffs(count * nc);
        kDiffFns[sv](planes, w, h, int32_t(1) << (precision - pt - 1), diffs);

        // One table per component, from the counts of its difference categories (K.2).
        std::vector<std::array<uint64_t, 17>> counts(nc);
        for (size_t i = 0; i < diffs.size(); ++i) ++counts[i % nc][size_t(category(diffs[i]))];
        std::vector<HuffCode> codes;
        for (const auto &c : counts) codes.emplace_back(c);

        std::vector<uint8_t> out;
        out.reserve(count * nc + 1024);
        auto marker = [&](uint8_t m, uint32_t length) {
            out.insert(out.end(), {0xFF, m});
            if (length) out.insert(out.end(), {uint8_t(length >> 8), uint8_t(length)});
        };
        marker(kSOI, 0);
        marker(kSOF3, 8 + 3 * nc);  // B.2.2
        out.insert(out.end(), {uint8_t(precision), uint8_t(h >> 8), uint8_t(h), uint8_t(w >> 8), uint8_t(w), uint8_t(nc)});
        for (uint32_t k = 0; k < nc; ++k) out.insert(out.end(), {uint8_t(k + 1), 0x11, 0x00});
        for (uint32_t k = 0; k < nc; ++k) {  // B.2.4.2, class 0 (lossless tables), identifier k
            marker(kDHT, uint32_t(2 + 17 + codes[k].values.size()));
            out.push_back(uint8_t(k));
            out.insert(out.end(), codes[k].bits.begin(), codes[k].bits.end());
            out.insert(out.end(), codes[k].values.begin(), codes[k].values.end());
        }
        marker(kSOS, 6 + 2 * nc);  // B.2.3
        out.push_back(uint8_t(nc));
        for (uint32_t k = 0; k < nc; ++k) out.insert(out.end(), {uint8_t(k + 1), uint8_t(k << 4)});
        out.insert(out.end(), {uint8_t(sv), 0x00, uint8_t(pt)});

        // H.2.2 / F.1.2.1: each difference as its category's code, then its low SSSS bits (ones'
        // complement for negative differences); category 16 has no extra bits.
        BitWriter bw(out);
        const size_t row = size_t(w) * nc;
        for (uint32_t y = 0; y < h; ++y) {
            bw.reserve(row * 8 + 16);  // 32 bits per sample, doubled by stuffing at worst
            const int32_t *d = diffs.data() + y * row;
            for (size_t i = 0; i < row; ++i) {
                const int32_t v = d[i];
                const int s = category(v);
                const HuffCode &hc = codes[nc == 1 ? 0 : i % nc];
                const uint32_t extra = s == 16 ? 0 : uint32_t(v < 0 ? v - 1 : v) & ((1u << s) - 1);
                const int extra_len = s == 16 ? 0 : s;
                bw.put((uint32_t(hc.code[size_t(s)]) << extra_len) | extra, hc.size[size_t(s)] + extra_len);
            }
        }
        bw.reserve(16);
        out.resize(bw.finish());
        marker(kEOI, 0);

        layout = FrameLayout{};
        if (pt > 0) {
            layout.lossy = true;
            layout.lossy_method = "ISO_10918_1";
        }
        return out;
    }

private:
    bool sv1_;
};

}  // namespace

std::unique_ptr<Codec> make_jpeg_lossless(bool sv1) { return std::make_unique<JpegLosslessCodec>(sv1); }

}  // namespace dcmkit::codecs
