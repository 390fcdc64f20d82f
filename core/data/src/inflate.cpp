// Raw deflate (RFC 1951) decoder for the dictionary's compressed tables, after Mark Adler's puff.c:
// canonical Huffman codes decoded a bit at a time, stored, fixed and dynamic blocks. It serves the
// size-optimized build, which has no zlib.
#include <cstring>

#include "dictionary_tables.h"

namespace dcmkit::detail {

namespace {

constexpr int kMaxBits = 15;

struct State {
    const unsigned char *in;
    size_t in_size, in_pos = 0;
    unsigned char *out;
    size_t out_size, out_pos = 0;
    uint32_t bitbuf = 0;
    int bitcnt = 0;
    bool error = false;

    uint32_t bits(int need) {
        uint32_t val = bitbuf;
        while (bitcnt < need) {
            if (in_pos == in_size) {
                error = true;
                return 0;
            }
            val |= uint32_t(in[in_pos++]) << bitcnt;
            bitcnt += 8;
        }
        bitbuf = val >> need;
        bitcnt -= need;
        return val & ((1u << need) - 1);
    }
};

struct Huffman {
    uint16_t count[kMaxBits + 1];
    uint16_t symbol[288];
};

int decode(State &s, const Huffman &h) {
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

// Returns false when the lengths over-subscribe the code (an incomplete code is allowed, as in puff).
bool construct(Huffman &h, const uint16_t *length, int n) {
    std::memset(h.count, 0, sizeof h.count);
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
    s.bitbuf = 0;
    s.bitcnt = 0;
    if (s.in_size - s.in_pos < 4) return false;
    const unsigned char *p = s.in + s.in_pos;
    const size_t len = size_t(p[0]) | size_t(p[1]) << 8;
    if (p[2] != uint8_t(~p[0]) || p[3] != uint8_t(~p[1])) return false;
    s.in_pos += 4;
    if (s.in_size - s.in_pos < len || s.out_size - s.out_pos < len) return false;
    std::memcpy(s.out + s.out_pos, s.in + s.in_pos, len);
    s.in_pos += len;
    s.out_pos += len;
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
