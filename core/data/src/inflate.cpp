// Raw deflate (RFC 1951) decoder for the dictionary's compressed tables, after Mark Adler's puff.c
// (stored, fixed and dynamic blocks, canonical Huffman codes), with a 64-bit bit buffer and a
// look-up table for codes up to 10 bits. It serves the size-optimized build, which has no zlib.
#include <cstring>

#include "dictionary_tables.h"

namespace dcmkit::detail {

namespace {

constexpr int kMaxBits = 15;
constexpr int kFastBits = 10;  // codes up to this long are decoded by one table look-up

struct State {
    const unsigned char *in;
    size_t in_size, in_pos = 0;
    unsigned char *out;
    size_t out_size, out_pos = 0;
    uint64_t bitbuf = 0;   // bits not yet consumed, the next one lowest
    int bitcnt = 0;
    uint64_t consumed = 0;  // bits consumed; past 8 * in_size the stream was truncated
    bool error = false;

    // Fills bitbuf to at least 57 bits, with zeros past the end of the input (caught by `consumed`).
    void refill() {
        while (bitcnt <= 56) {
            if (in_pos < in_size) bitbuf |= uint64_t(in[in_pos]) << bitcnt;
            ++in_pos;
            bitcnt += 8;
        }
    }
    void drop(int n) {
        bitbuf >>= n;
        bitcnt -= n;
        consumed += uint64_t(n);
        if (consumed > uint64_t(in_size) * 8) error = true;
    }
    uint32_t bits(int need) {
        if (bitcnt < need) refill();
        const uint32_t val = uint32_t(bitbuf & ((uint64_t(1) << need) - 1));
        drop(need);
        return val;
    }
    // Drops the bits up to the next byte boundary and empties bitbuf: the input continues at byte
    // consumed / 8.
    void align() {
        drop(int((8 - consumed % 8) % 8));
        bitbuf = 0;
        bitcnt = 0;
        in_pos = size_t(consumed / 8);
    }
};

struct Huffman {
    uint16_t count[kMaxBits + 1];
    uint16_t symbol[288];
    uint16_t fast[1 << kFastBits];  // by the next kFastBits bits: length << 9 | symbol, 0 when longer
};

// Codes longer than kFastBits, or bits that are no code: canonical decoding a bit at a time.
int decode_slow(State &s, const Huffman &h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= kMaxBits; ++len) {
        code |= int(s.bits(1));
        if (s.error) return -1;
        const int count = h.count[len];
        if (code - count < first) return h.symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -1;
}

int decode(State &s, const Huffman &h) {
    if (s.bitcnt < kMaxBits) s.refill();
    const uint16_t e = h.fast[s.bitbuf & ((1u << kFastBits) - 1)];
    if (e) {
        s.drop(e >> 9);
        return s.error ? -1 : (e & 511);
    }
    return decode_slow(s, h);
}

// Returns false when the lengths over-subscribe the code (an incomplete code is allowed, as in puff).
bool construct(Huffman &h, const uint16_t *length, int n) {
    std::memset(h.count, 0, sizeof h.count);
    std::memset(h.fast, 0, sizeof h.fast);
    for (int i = 0; i < n; ++i) h.count[length[i]]++;
    if (h.count[0] == n) return true;
    int left = 1;
    for (int len = 1; len <= kMaxBits; ++len) {
        left <<= 1;
        left -= h.count[len];
        if (left < 0) return false;
    }
    uint16_t offs[kMaxBits + 1];
    offs[1] = 0;
    for (int len = 1; len < kMaxBits; ++len) offs[len + 1] = uint16_t(offs[len] + h.count[len]);
    for (int i = 0; i < n; ++i)
        if (length[i] != 0) h.symbol[offs[length[i]]++] = uint16_t(i);
    // The canonical codes (RFC 1951 3.2.2), sent most significant bit first: the table is indexed
    // by the bits as they arrive, so each code is entered bit-reversed, for every suffix.
    uint32_t next[kMaxBits + 2] = {};
    uint32_t code = 0;
    for (int len = 1; len <= kMaxBits; ++len) {
        code = (code + (len == 1 ? 0u : h.count[len - 1])) << 1;
        next[len] = code;
    }
    next[0] = 0;
    for (int i = 0; i < n; ++i) {
        const int len = length[i];
        if (len == 0) continue;
        const uint32_t c = next[len]++;
        if (len > kFastBits) continue;
        uint32_t rev = 0;
        for (int b = 0; b < len; ++b) rev |= ((c >> b) & 1u) << (len - 1 - b);
        for (uint32_t k = rev; k < (1u << kFastBits); k += 1u << len) h.fast[k] = uint16_t(len << 9 | i);
    }
    return true;
}

constexpr uint16_t kLenBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                   31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr uint8_t kLenExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr uint16_t kDistBase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

bool codes(State &s, const Huffman &lencode, const Huffman &distcode) {
    for (;;) {
        int symbol = decode(s, lencode);
        if (symbol < 0) return false;
        if (symbol < 256) {
            if (s.out_pos == s.out_size) return false;
            s.out[s.out_pos++] = uint8_t(symbol);
        } else if (symbol == 256) {
            return true;
        } else {
            symbol -= 257;
            if (symbol >= 29) return false;
            const size_t len = kLenBase[symbol] + s.bits(kLenExtra[symbol]);
            const int dsym = decode(s, distcode);
            if (dsym < 0 || dsym >= 30) return false;
            const size_t dist = kDistBase[dsym] + s.bits(kDistExtra[dsym]);
            if (s.error || dist > s.out_pos || len > s.out_size - s.out_pos) return false;
            for (size_t i = 0; i < len; ++i, ++s.out_pos) s.out[s.out_pos] = s.out[s.out_pos - dist];
        }
    }
}

bool stored(State &s) {
    s.align();
    if (s.error || s.in_size - s.in_pos < 4) return false;
    const unsigned char *p = s.in + s.in_pos;
    const size_t len = size_t(p[0]) | size_t(p[1]) << 8;
    if (p[2] != uint8_t(~p[0]) || p[3] != uint8_t(~p[1])) return false;
    s.in_pos += 4;
    if (s.in_size - s.in_pos < len || s.out_size - s.out_pos < len) return false;
    std::memcpy(s.out + s.out_pos, s.in + s.in_pos, len);
    s.in_pos += len;
    s.out_pos += len;
    s.consumed = uint64_t(s.in_pos) * 8;
    return true;
}

bool fixed(State &s) {
    static Huffman lencode, distcode;
    static const bool built = [] {
        uint16_t lengths[288];
        int i = 0;
        for (; i < 144; ++i) lengths[i] = 8;
        for (; i < 256; ++i) lengths[i] = 9;
        for (; i < 280; ++i) lengths[i] = 7;
        for (; i < 288; ++i) lengths[i] = 8;
        construct(lencode, lengths, 288);
        for (i = 0; i < 30; ++i) lengths[i] = 5;
        construct(distcode, lengths, 30);
        return true;
    }();
    (void)built;
    return codes(s, lencode, distcode);
}

bool dynamic(State &s) {
    static constexpr uint8_t kOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    const int nlen = int(s.bits(5)) + 257, ndist = int(s.bits(5)) + 1, ncode = int(s.bits(4)) + 4;
    if (s.error || nlen > 286 || ndist > 30) return false;
    uint16_t lengths[286 + 30] = {};
    for (int i = 0; i < ncode; ++i) lengths[kOrder[i]] = uint16_t(s.bits(3));
    Huffman lencode, distcode;
    if (s.error || !construct(lencode, lengths, 19)) return false;
    for (int index = 0; index < nlen + ndist;) {
        int symbol = decode(s, lencode);
        if (symbol < 0) return false;
        if (symbol < 16) {
            lengths[index++] = uint16_t(symbol);
            continue;
        }
        uint16_t len = 0;
        int repeat;
        if (symbol == 16) {
            if (index == 0) return false;
            len = lengths[index - 1];
            repeat = 3 + int(s.bits(2));
        } else if (symbol == 17) {
            repeat = 3 + int(s.bits(3));
        } else {
            repeat = 11 + int(s.bits(7));
        }
        if (s.error || index + repeat > nlen + ndist) return false;
        while (repeat--) lengths[index++] = len;
    }
    if (lengths[256] == 0) return false;
    if (!construct(lencode, lengths, nlen) || !construct(distcode, lengths + nlen, ndist)) return false;
    return codes(s, lencode, distcode);
}

}  // namespace

bool inflate_raw(const unsigned char *in, size_t in_size, unsigned char *out, size_t out_size) noexcept {
    State s{in, in_size, 0, out, out_size};
    for (;;) {
        const uint32_t last = s.bits(1), type = s.bits(2);
        if (s.error) return false;
        bool ok = false;
        if (type == 0) ok = stored(s);
        else if (type == 1) ok = fixed(s);
        else if (type == 2) ok = dynamic(s);
        if (!ok || s.error) return false;
        if (last) return s.out_pos == out_size;
    }
}

}  // namespace dcmkit::detail
