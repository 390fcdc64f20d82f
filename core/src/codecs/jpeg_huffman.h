// dcmkit — internal: Huffman tables and the entropy-coded data reader shared by our JPEG decoders
// (jpeg_lossless.cpp: T.81 Annex H; jpeg_dct.cpp: T.81 Annex F).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "dcmkit/error.h"

namespace dcmkit::codecs::jpeg {

[[noreturn]] inline void huffman_fail(Errc code, const std::string &what, int64_t offset) {
    throw Error(code, "JPEG: " + what, offset);
}

constexpr uint8_t kRST0 = 0xD0, kRST7 = 0xD7;

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
    /// must follow (T.81 F.2.2.5 / H.2.1), `expected` = n.
    void restart(int expected) {
        if (overrun()) huffman_fail(Errc::truncated, "entropy-coded data ends inside a restart interval", offset());
        buf_ = 0;
        bits_ = padded_ = 0;
        while (p_ < end_ && *p_ == 0xFF && p_ + 1 < end_ && p_[1] == 0xFF) ++p_;  // fill bytes (B.1.1.2)
        if (end_ - p_ < 2) huffman_fail(Errc::truncated, "data ends before restart marker RST" + std::to_string(expected), offset());
        if (p_[0] != 0xFF || p_[1] != kRST0 + expected)
            huffman_fail(Errc::malformed, "expected restart marker RST" + std::to_string(expected), offset());
        p_ += 2;
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
};

}  // namespace dcmkit::codecs::jpeg
