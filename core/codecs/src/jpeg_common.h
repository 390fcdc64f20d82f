// dcmkit — internal: what our JPEG decoders (jpeg_lossless.cpp: T.81 Annex H; jpeg_dct.cpp: T.81
// Annex F) share: walking the marker segments of a stream and reading its frame header, Huffman
// tables and restart interval (Annex B), Huffman tables, and the entropy-coded data reader with
// its restart handling.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/pixel.h"

namespace dcmkit::codecs::jpeg {

[[noreturn]] inline void huffman_fail(Errc code, const std::string &what, int64_t offset) {
    throw Error(code, "JPEG: " + what, offset);
}

// Marker codes (T.81 Table B.1).
constexpr uint8_t kSOF0 = 0xC0, kSOF1 = 0xC1, kSOF3 = 0xC3, kDHT = 0xC4, kJPG = 0xC8, kDAC = 0xCC, kSOF15 = 0xCF,
                  kRST0 = 0xD0, kRST7 = 0xD7, kSOI = 0xD8, kEOI = 0xD9, kSOS = 0xDA, kDQT = 0xDB, kDNL = 0xDC,
                  kDRI = 0xDD, kAPP0 = 0xE0, kAPP14 = 0xEE;

// ---------------------------------------------------------------------------------------------------
// Huffman decoding (T.81 C.2 and F.2.2.3): a lookahead table for short codes, MAXCODE/VALPTR for the rest.

struct HuffTable {
    static constexpr int kLookBits = 10;
    /// For each kLookBits-bit prefix: (code length << 8) | value, or 0 when the code is longer.
    std::array<uint16_t, 1 << kLookBits> fast{};
    /// MAXCODE(l) (-1 when no code has length l) and VALPTR(l) - MINCODE(l), by code length l.
    std::array<int32_t, 17> maxcode{}, valoffset{};
    std::array<uint8_t, 256> values{};
    bool defined = false;

    /// Builds the table from a DHT's BITS and HUFFVAL lists (Figures C.1, C.2 and F.15).
    void build(const uint8_t *bits, const uint8_t *vals, size_t nvals, int64_t offset) {
        fast.fill(0);
        std::copy(vals, vals + nvals, values.begin());
        int32_t code = 0;
        size_t k = 0;
        for (int len = 1; len <= 16; ++len) {
            const int n = bits[len - 1];
            valoffset[len] = int32_t(k) - code;
            for (int i = 0; i < n; ++i, ++k, ++code) {
                // Codes of `len` bits must fit in `len` bits (C.2): otherwise BITS over-subscribes
                // the tree (checked before the code indexes the lookahead table).
                if (code >= (1 << len) || k >= nvals)
                    huffman_fail(Errc::malformed, "Huffman table has too many codes of length " + std::to_string(len), offset);
                if (len <= kLookBits) {
                    const int shift = kLookBits - len;
                    for (int fill = 0; fill < (1 << shift); ++fill)
                        fast[size_t((code << shift) | fill)] = uint16_t((len << 8) | vals[k]);
                }
            }
            maxcode[len] = n ? code - 1 : -1;
            code <<= 1;
        }
        defined = true;
    }
};

// ---------------------------------------------------------------------------------------------------
// Reading entropy-coded data (T.81 F.2.2.5 and B.1.1.5): bytes 0xFF 0x00 stand for 0xFF; any other
// 0xFF xx is a marker, which ends the segment. The buffer is refilled up to 64 bits at a time; past a
// marker or the end of the input it is fed zero bits, counted, so that a decoder that consumed them is
// caught (truncated data) while lookahead past the last code stays harmless.

inline uint64_t load_be64(const uint8_t *p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}
inline bool has_ff_byte(uint64_t w) {
    const uint64_t x = ~w;  // an 0xFF byte of w is a zero byte of x
    return ((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull) != 0;
}

class BitReader {
public:
    BitReader(const uint8_t *begin, const uint8_t *p, const uint8_t *end) : begin_(begin), p_(p), end_(end) {}

    /// Makes at least 32 bits available to peek.
    void fill() {
        if (bits_ < 32) refill();
    }
    uint32_t peek(int n) const { return uint32_t(buf_ >> (64 - n)); }
    void skip(int n) {
        buf_ <<= n;
        bits_ -= n;
    }
    /// The next n bits (n <= 16, after fill()), as an unsigned number.
    uint32_t get(int n) {
        if (n == 0) return 0;
        const uint32_t v = peek(n);
        skip(n);
        return v;
    }
    /// RECEIVE(s) then EXTEND (F.2.2.1, Figure F.12): s (<= 15, after fill()) bits as a signed value.
    int32_t receive_extend(int s) {
        if (s == 0) return 0;
        const int32_t v = int32_t(peek(s));
        skip(s);
        return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
    }
    /// Whether bits past the end of the entropy-coded data were consumed.
    bool overrun() const { return bits_ < padded_; }
    int64_t offset() const { return p_ - begin_; }

    /// Decodes one Huffman-coded value (T.81 F.2.2.3). Needs 16 bits after fill().
    int decode(const HuffTable &t) {
        const uint16_t e = t.fast[peek(HuffTable::kLookBits)];
        if (e) {
            skip(e >> 8);
            return e & 0xFF;
        }
        for (int len = HuffTable::kLookBits + 1; len <= 16; ++len) {
            const int32_t code = int32_t(peek(len));
            if (code <= t.maxcode[len]) {
                skip(len);
                return t.values[size_t(code + t.valoffset[len])];
            }
        }
        huffman_fail(Errc::malformed, "invalid Huffman code", offset());
    }

    /// At the end of a restart interval: drops the padding bits and reads the RSTn marker that
    /// must follow (T.81 F.2.2.5 / H.2.1), n counting 0 to 7 and round again from the scan's start.
    void restart() {
        const int expected = next_rst_;
        next_rst_ = (next_rst_ + 1) & 7;
        if (overrun()) huffman_fail(Errc::truncated, "entropy-coded data ends inside a restart interval", offset());
        buf_ = 0;
        bits_ = padded_ = 0;
        while (p_ < end_ && *p_ == 0xFF && p_ + 1 < end_ && p_[1] == 0xFF) ++p_;  // fill bytes (B.1.1.2)
        if (end_ - p_ < 2) huffman_fail(Errc::truncated, "data ends before restart marker RST" + std::to_string(expected), offset());
        if (p_[0] != 0xFF || p_[1] != kRST0 + expected)
            huffman_fail(Errc::malformed, "expected restart marker RST" + std::to_string(expected), offset());
        p_ += 2;
    }

    /// Bytes between the last coded bits the decoder used and scan_end(), fill bytes (0xFF, B.1.1.2)
    /// before the marker not counted: stray data libjpeg reports as "N extraneous bytes before
    /// marker". A stuffed 0xFF00 still in the buffer can make this one short, never too high.
    size_t extraneous_bytes() const {
        const uint8_t *used = p_ - (bits_ > padded_ ? (bits_ - padded_) / 8 : 0);
        const uint8_t *e = scan_end();
        while (e > used && e[-1] == 0xFF) --e;
        return e > used ? size_t(e - used) : 0;
    }

    /// Where parsing resumes after the scan: the first marker that is not RSTn at or after the
    /// bytes read so far.
    const uint8_t *scan_end() const {
        const uint8_t *q = p_;
        while (q + 1 < end_) {
            if (q[0] == 0xFF && q[1] != 0x00 && q[1] != 0xFF && (q[1] < kRST0 || q[1] > kRST7)) return q;
            ++q;
        }
        return end_;
    }

private:
    void refill() {
        while (bits_ <= 56) {
            if (padded_ == 0) {
                if (end_ - p_ >= 8) {
                    const uint64_t w = load_be64(p_);
                    if (!has_ff_byte(w)) {  // fast path: whole bytes, no stuffing or marker among them
                        const int n = (64 - bits_) >> 3;
                        buf_ |= (w >> (64 - 8 * n)) << (64 - bits_ - 8 * n);
                        p_ += n;
                        bits_ += 8 * n;
                        return;
                    }
                }
                if (p_ < end_) {
                    const uint8_t b = *p_;
                    if (b != 0xFF) {
                        buf_ |= uint64_t(b) << (56 - bits_);
                        ++p_;
                        bits_ += 8;
                        continue;
                    }
                    if (p_ + 1 < end_ && p_[1] == 0x00) {  // stuffed 0xFF (F.1.2.3)
                        buf_ |= uint64_t(0xFF) << (56 - bits_);
                        p_ += 2;
                        bits_ += 8;
                        continue;
                    }
                }
            }
            // A marker or the end of the input: zero bits from here on.
            if (overrun()) huffman_fail(Errc::truncated, "entropy-coded data ends early", offset());
            bits_ += 8;
            padded_ += 8;
        }
    }

    const uint8_t *begin_, *p_, *end_;
    uint64_t buf_ = 0;  ///< bits, most significant first
    int bits_ = 0;      ///< valid bits in buf_ (real and padding)
    int padded_ = 0;    ///< zero bits fed past the end of the data
    int next_rst_ = 0;  ///< n of the RSTn marker the next restart() expects
};

// ---------------------------------------------------------------------------------------------------
// Marker segments (T.81 B.1 to B.2). Errors name the decoder (`who`, e.g. "JPEG lossless").

[[noreturn]] inline void fail(const char *who, Errc code, const std::string &what, int64_t offset = -1) {
    throw Error(code, std::string(who) + ": " + what, offset);
}

inline uint32_t u16(const uint8_t *q) { return uint32_t(q[0]) << 8 | q[1]; }

inline std::string hex_marker(uint8_t m) {
    const char *hex = "0123456789ABCDEF";
    return std::string("0xFF") + hex[m >> 4] + hex[m & 15];
}

/// Refuses output layouts our decoders do not write: Bits Allocated 8 or 16, one or three samples.
inline void check_output_layout(const PixelInfo &info, const char *who) {
    if (info.bits_allocated != 8 && info.bits_allocated != 16)
        fail(who, Errc::unsupported, "Bits Allocated " + std::to_string(info.bits_allocated) + " (8 or 16 only)");
    if (info.samples_per_pixel != 1 && info.samples_per_pixel != 3)
        fail(who, Errc::unsupported, std::to_string(info.samples_per_pixel) + " samples per pixel (1 or 3 only)");
}

/// One marker segment (B.1.1.4): the marker, where it starts, its length field Lx and its
/// parameters [data, end).
struct Segment {
    uint8_t marker = 0;
    int64_t at = 0;
    uint32_t length = 0;
    const uint8_t *data = nullptr, *end = nullptr;
};

/// Walks a stream's marker segments from SOI to EOI (B.1.1, B.2.1).
class MarkerReader {
public:
    /// Starts after the SOI marker the stream must begin with.
    MarkerReader(const char *who, const uint8_t *in, size_t n) : who_(who), begin_(in), p_(in), end_(in + n) {
        if (n < 2 || p_[0] != 0xFF || p_[1] != kSOI) fail(who_, Errc::malformed, "no SOI marker at the start", 0);
        p_ += 2;
    }

    /// The next marker segment; false at EOI or at the end of the data. Markers may be preceded by
    /// fill bytes (B.1.1.2); TEM and stray RSTn, which have no segment, are passed over.
    bool next(Segment &s) {
        for (;;) {
            if (p_ >= end_) return false;
            if (*p_ != 0xFF) fail(who_, Errc::malformed, "expected a marker", p_ - begin_);
            while (p_ < end_ && *p_ == 0xFF) ++p_;
            if (p_ >= end_) fail(who_, Errc::truncated, "data ends inside a marker", p_ - begin_);
            const uint8_t m = *p_++;
            const int64_t at = p_ - 2 - begin_;
            if (m == kEOI) {
                eoi_ = true;
                return false;
            }
            if (m == 0x01 || (m >= kRST0 && m <= kRST7)) continue;
            if (end_ - p_ < 2) fail(who_, Errc::truncated, "data ends inside a marker segment", at);
            const uint32_t len = u16(p_);
            if (len < 2) fail(who_, Errc::malformed, "marker segment length below 2", at);
            if (uint64_t(end_ - p_) < len) fail(who_, Errc::truncated, "marker segment runs past the end of the data", at);
            s = Segment{m, at, len, p_ + 2, p_ + len};
            p_ += len;
            return true;
        }
    }

    /// Whether next() stopped at an EOI marker (rather than at the end of the data).
    bool saw_eoi() const { return eoi_; }
    const uint8_t *begin() const { return begin_; }
    const uint8_t *end() const { return end_; }
    /// Where the entropy-coded data after an SOS segment starts.
    const uint8_t *pos() const { return p_; }
    /// Continues with the marker at `p`, where a scan's entropy-coded data ended.
    void resume(const uint8_t *p) { p_ = p; }

private:
    const char *who_;
    const uint8_t *begin_, *p_, *end_;
    bool eoi_ = false;
};

/// A frame component as the frame header gives it (B.2.2).
struct SofComponent {
    uint8_t id = 0, h = 1, v = 1, tq = 0;
};

struct FrameHeader {
    int precision = 0;
    uint32_t width = 0, height = 0;
    std::vector<SofComponent> comps;
};

/// Reads a frame header (B.2.2, segment `sof`, e.g. "SOF3") and checks it against the dataset.
/// `precision_ok(P)` says which sample precisions the process has (`allowed` names them for the
/// message); `each(header, i)` checks component i further as soon as it is read (components 0 to i
/// are in the header by then), so that errors come in the order of the segment.
template <typename PrecisionOk, typename Each>
FrameHeader read_frame_header(const Segment &s, const PixelInfo &info, const char *who, const char *sof,
                              PrecisionOk &&precision_ok, const char *allowed, Each &&each) {
    const uint8_t *seg = s.data;
    const int64_t at = s.at;
    if (s.length < 8) fail(who, Errc::malformed, std::string(sof) + " segment too short", at);
    FrameHeader f;
    f.precision = seg[0];
    f.height = u16(seg + 1);
    f.width = u16(seg + 3);
    const uint32_t nf = seg[5];
    if (s.length != 8 + 3 * nf || nf == 0)
        fail(who, Errc::malformed, std::string(sof) + " length does not match its component count", at);
    if (!precision_ok(f.precision))
        fail(who, Errc::malformed, "sample precision " + std::to_string(f.precision) + " (" + allowed + ")", at);
    if (f.height == 0) fail(who, Errc::unsupported, "number of lines defined by DNL", at);
    if (f.width == 0) fail(who, Errc::malformed, "zero samples per line", at);
    if (f.width != info.columns || f.height != info.rows || nf != info.samples_per_pixel)
        fail(who, Errc::bad_value, "frame is " + std::to_string(f.width) + "x" + std::to_string(f.height) + "x" +
                                       std::to_string(nf) + ", the dataset says " + std::to_string(info.columns) + "x" +
                                       std::to_string(info.rows) + "x" + std::to_string(info.samples_per_pixel), at);
    if (uint32_t(f.precision) > info.bits_allocated)
        fail(who, Errc::bad_value, "precision " + std::to_string(f.precision) + " exceeds Bits Allocated " +
                                       std::to_string(info.bits_allocated), at);
    f.comps.resize(nf);
    for (uint32_t i = 0; i < nf; ++i) {
        SofComponent &c = f.comps[i];
        c.id = seg[6 + 3 * i];
        c.h = seg[7 + 3 * i] >> 4;
        c.v = seg[7 + 3 * i] & 15;
        c.tq = seg[8 + 3 * i];
        for (uint32_t j = 0; j < i; ++j)
            if (f.comps[j].id == c.id) fail(who, Errc::malformed, "two components with the same identifier", at);
        if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4) fail(who, Errc::malformed, "sampling factor out of range", at);
        each(static_cast<const FrameHeader &>(f), i);
    }
    return f;
}

/// Reads the Huffman tables of a DHT segment (B.2.4.2) into `dc` (class 0) and `ac` (class 1;
/// null when the process has no AC tables, as lossless has not).
inline void read_huffman_tables(const Segment &s, const char *who, std::array<HuffTable, 4> &dc,
                                std::array<HuffTable, 4> *ac) {
    const uint8_t *seg = s.data;
    while (seg < s.end) {
        if (s.end - seg < 17) fail(who, Errc::malformed, "DHT segment too short", s.at);
        const int tc = seg[0] >> 4, th = seg[0] & 15;
        if (tc > (ac ? 1 : 0) || th > 3) fail(who, Errc::malformed, "bad Huffman table class or identifier", s.at);
        size_t n = 0;
        for (int i = 1; i <= 16; ++i) n += seg[i];
        if (n > 256 || size_t(s.end - seg - 17) < n) fail(who, Errc::malformed, "DHT segment too short for its codes", s.at);
        (tc ? *ac : dc)[size_t(th)].build(seg + 1, seg + 17, n, s.at);
        seg += 17 + n;
    }
}

/// The restart interval a DRI segment defines (B.2.4.4).
inline uint32_t read_restart_interval(const Segment &s, const char *who) {
    if (s.length != 4) fail(who, Errc::malformed, "DRI segment length is not 4", s.at);
    return u16(s.data);
}

/// A scan header's component count Ns (B.2.3), checked against the segment's length.
inline uint32_t scan_component_count(const Segment &s, const char *who) {
    const uint32_t ns = s.length >= 3 ? s.data[0] : 0;
    if (ns < 1 || ns > 4 || s.length != 6 + 2 * ns)
        fail(who, Errc::malformed, "SOS length does not match its component count", s.at);
    return ns;
}

/// The frame component a scan header names by `id` (B.2.3); it must be in the frame and not named
/// by the scan before (`named`: the scan's components so far, each with a `comp` pointer).
template <typename Component, typename ScanComponent>
Component &scan_component(std::vector<Component> &comps, uint8_t id, const std::vector<ScanComponent> &named,
                          const Segment &s, const char *who) {
    auto it = std::find_if(comps.begin(), comps.end(), [&](const Component &c) { return c.id == id; });
    if (it == comps.end()) fail(who, Errc::malformed, "scan names a component not in the frame", s.at);
    for (const auto &sc : named)
        if (sc.comp == &*it) fail(who, Errc::malformed, "scan names a component twice", s.at);
    return *it;
}

}  // namespace dcmkit::codecs::jpeg
