// dcmkit — native HTJ2K decoder: the HT cleanup pass of one code-block (ISO/IEC 15444-15 clause 7).
// The cleanup segment holds three byte-streams: MagSgn (forward from its start), MEL (forward from
// Pcup = Lcup - Scup) and VLC (backward from Lcup - 2). Quads (2x2 samples) are visited in pairs
// along each quad row: a CxtVLC codeword (or a MEL event where the context is 0) gives each quad's
// significance pattern rho and EMB patterns, U-VLC the pair's exponent bound offsets, MagSgn the
// magnitudes and signs. Each quad row is decoded in two passes: CxtVLC, MEL and U-VLC give every
// quad's pattern and exponent bound, then MagSgn reads the row's samples (bit windows of 56 bits
// or more, several fields per window). Readers never look outside the segment: past their ends
// they read the fill the standard gives (MagSgn and MEL: ones; VLC: zeros).
#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>

#include "ht.h"

namespace dcmkit::codecs::ht {

namespace {

struct VlcSource {
    uint8_t c, rho, u_off, e_k, e_1, cwd, len;
};
#include "vlc_tables.inc"

/// Look-up entry for (context << 7 | next 7 VLC bits): bits 0-2 codeword length (0: no codeword),
/// bit 3 u_off, 4-7 rho, 8-11 e_1, 12-15 e_k.
using VlcTable = std::array<uint16_t, 1024>;

template <size_t N>
VlcTable build(const VlcSource (&src)[N]) {
    VlcTable t{};
    for (size_t i = 0; i < 1024; ++i) {
        const uint32_t c = uint32_t(i >> 7), bits = uint32_t(i & 0x7F);
        for (const VlcSource &e : src)
            if (e.c == c && (bits & ((1u << e.len) - 1)) == e.cwd)
                t[i] = uint16_t(e.len | (e.u_off << 3) | (e.rho << 4) | (e.e_1 << 8) | (e.e_k << 12));
    }
    return t;
}

const VlcTable &initial_table() {
    static const VlcTable t = build(kVlcInitial);
    return t;
}
const VlcTable &other_table() {
    static const VlcTable t = build(kVlcOther);
    return t;
}

#define HT_INLINE inline __attribute__((always_inline))

inline bool has_ff(uint32_t v) {
    const uint32_t x = ~v;  // a 0xFF byte of v is a zero byte of x
    return ((x - 0x01010101u) & ~x & 0x80808080u) != 0;
}

/// MagSgn: forward, LSB first; a byte after 0xFF holds 7 bits. 0xFF past the end.
class MagSgn {
public:
    MagSgn(const uint8_t *d, size_t n) : d_(d), n_(n) { next_ff(); }
    /// The next `k` bits (k <= 32), consumed.
    HT_INLINE uint32_t take(uint32_t k) {
        if (nb_ < k) refill();
        return take_held(k);
    }
    /// Makes 56 or more bits available.
    HT_INLINE void fill() {
        if (nb_ >= 56) return;
        if (!unstuff_ && i_ + 8 <= ff_) {  // eight bytes before the next 0xFF: none is stuffed
            uint64_t v;
            std::memcpy(&v, d_ + i_, 8);
            if constexpr (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) v = __builtin_bswap64(v);
            const uint32_t k = (63 - nb_) >> 3;  // whole bytes that fit: 1 to 7
            buf_ |= (v & ((uint64_t(1) << (8 * k)) - 1)) << nb_;
            nb_ += 8 * k;
            i_ += k;
            return;
        }
        bytewise();
        if (i_ > ff_) next_ff();
    }
    /// The bits held (at least 56 after fill()), next first; consume() drops them.
    HT_INLINE uint64_t window() const { return buf_; }
    HT_INLINE void consume(uint32_t k) {
        buf_ >>= k;
        nb_ -= k;
    }
    /// The next `k` bits, which the caller knows are held (fill()).
    HT_INLINE uint32_t take_held(uint32_t k) {
        const uint32_t v = uint32_t(buf_ & ((uint64_t(1) << k) - 1));
        buf_ >>= k;
        nb_ -= k;
        return v;
    }

private:
    /// ff_: where the next 0xFF byte at or after i_ is (n_ if none).
    void next_ff() {
        const void *f = i_ < n_ ? std::memchr(d_ + i_, 0xFF, n_ - i_) : nullptr;
        ff_ = f ? size_t(static_cast<const uint8_t *>(f) - d_) : n_;
    }
    void bytewise() {
        while (nb_ <= 56) {
            const uint32_t b = i_ < n_ ? d_[i_++] : 0xFF;
            if (unstuff_) {
                buf_ |= uint64_t(b & 0x7F) << nb_;
                nb_ += 7;
            } else {
                buf_ |= uint64_t(b) << nb_;
                nb_ += 8;
            }
            unstuff_ = b == 0xFF;
        }
    }
    HT_INLINE void refill() {
        if (!unstuff_ && nb_ <= 32 && i_ + 4 <= n_) {  // callers need at most 32 bits
            uint32_t v;
            std::memcpy(&v, d_ + i_, 4);
            if (!has_ff(v)) {
                if constexpr (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) v = __builtin_bswap32(v);
                buf_ |= uint64_t(v) << nb_;
                nb_ += 32;
                i_ += 4;
                return;
            }
        }
        while (nb_ <= 56) {
            const uint32_t b = i_ < n_ ? d_[i_++] : 0xFF;
            if (unstuff_) {
                buf_ |= uint64_t(b & 0x7F) << nb_;
                nb_ += 7;
            } else {
                buf_ |= uint64_t(b) << nb_;
                nb_ += 8;
            }
            unstuff_ = b == 0xFF;
        }
    }
    const uint8_t *d_;
    size_t n_, i_ = 0, ff_ = 0;
    uint64_t buf_ = 0;
    uint32_t nb_ = 0;
    bool unstuff_ = false;
};

/// MEL: forward, MSB first; a byte after 0xFF holds 7 bits; the last byte of the segment is
/// shared with VLC (its low nibble reads as ones); ones past it. Decodes the adaptive run-length
/// code into one event per call.
class Mel {
public:
    Mel(const uint8_t *d, size_t n) : d_(d), n_(n) {}
    HT_INLINE bool event() {
        if (run_ > 0) {
            --run_;
            return false;
        }
        if (one_) {
            one_ = false;
            return true;
        }
        static constexpr uint8_t kExp[13] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5};
        const uint32_t e = kExp[k_];
        if (bit()) {  // a run of 2^e zero events
            run_ = (1u << e) - 1;
            if (k_ < 12) ++k_;
            return false;
        }
        // A run of r zero events, then a one.
        uint32_t r = 0;
        for (uint32_t i = 0; i < e; ++i) r = (r << 1) | bit();
        if (k_ > 0) --k_;
        if (r == 0) return true;
        run_ = r - 1;
        one_ = true;
        return false;
    }

private:
    HT_INLINE uint32_t bit() {
        if (nb_ == 0) {
            uint32_t b = 0xFF;
            if (i_ < n_) {
                b = d_[i_];
                if (i_ + 1 == n_) b |= 0x0F;
                ++i_;
            }
            cur_ = unstuff_ ? (b & 0x7F) : b;
            nb_ = unstuff_ ? 7 : 8;
            unstuff_ = b == 0xFF;
        }
        --nb_;
        return (cur_ >> nb_) & 1;
    }
    const uint8_t *d_;
    size_t n_, i_ = 0;
    uint32_t cur_ = 0, nb_ = 0, k_ = 0, run_ = 0;
    bool unstuff_ = false, one_ = false;
};

/// VLC: backward from the byte before the last, LSB first: the first byte gives its upper nibble;
/// a byte after (in reading order) one above 0x8F whose 7 low bits are all ones holds 7 bits.
/// Zeros past the start of the segment (Pcup).
class Vlc {
public:
    /// `d`: the MEL+VLC part of the segment (Scup bytes, Scup >= 2).
    Vlc(const uint8_t *d, size_t scup) : d_(d) {
        const uint32_t b = d[scup - 2];
        buf_ = b >> 4;
        nb_ = 4;
        if ((buf_ & 7) == 7) {
            buf_ &= 7;
            nb_ = 3;
        }
        unstuff_ = (b | 0x0F) > 0x8F;
        i_ = scup - 2;  // bytes d_[0, i_) are left, read from i_ - 1 down
    }
    /// The next 32 bits, not consumed.
    HT_INLINE uint32_t peek32() {
        if (nb_ < 32) refill();
        return uint32_t(buf_);
    }
    HT_INLINE void skip(uint32_t k) {
        buf_ >>= k;
        nb_ -= k;
    }
private:
    HT_INLINE void refill() {
        if (nb_ <= 32 && i_ >= 4) {  // callers need at most 32 bits
            // Four bytes at once when none has its 7 low bits all ones (then none is stuffed,
            // whatever precedes it).
            uint32_t v;
            std::memcpy(&v, d_ + i_ - 4, 4);
            if constexpr (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) v = __builtin_bswap32(v);
            if (!has_ff(v | 0x80808080u)) {
                buf_ |= uint64_t(__builtin_bswap32(v)) << nb_;  // d_[i_ - 1] first
                nb_ += 32;
                i_ -= 4;
                unstuff_ = (v & 0xFF) > 0x8F;  // the last byte read, d_[i_]
                return;
            }
        }
        while (nb_ <= 56) {
            uint32_t b = 0;
            if (i_ > 0) b = d_[--i_];
            if (unstuff_ && (b & 0x7F) == 0x7F) {
                buf_ |= uint64_t(b & 0x7F) << nb_;
                nb_ += 7;
            } else {
                buf_ |= uint64_t(b) << nb_;
                nb_ += 8;
            }
            unstuff_ = b > 0x8F;
        }
    }
    const uint8_t *d_;
    size_t i_;
    uint64_t buf_;
    uint32_t nb_;
    bool unstuff_;
};

/// U-VLC prefix (15444-15 Table 3): "1" -> 1, "01" -> 2, "001" -> 3, "000" -> 5, by the next 3
/// bits: (prefix value << 2) | codeword length.
constexpr uint8_t kPrefix[8] = {5 << 2 | 3, 1 << 2 | 1, 2 << 2 | 2, 1 << 2 | 1, 3 << 2 | 3, 1 << 2 | 1, 2 << 2 | 2, 1 << 2 | 1};
/// A 4-bit pattern spread to one byte lane per bit.
constexpr uint32_t kLanes[16] = {0x00000000, 0x00000001, 0x00000100, 0x00000101, 0x00010000, 0x00010001,
                                 0x00010100, 0x00010101, 0x01000000, 0x01000001, 0x01000100, 0x01000101,
                                 0x01010000, 0x01010001, 0x01010100, 0x01010101};
/// Suffix length by prefix value.
constexpr uint8_t kSuffixBits[6] = {0, 0, 0, 1, 0, 5};

/// Both U-VLC prefixes of a quad pair by the next 6 bits: p0 | p1 << 3 | (their total length) << 6.
constexpr std::array<uint16_t, 64> pair_prefixes() {
    std::array<uint16_t, 64> t{};
    for (uint32_t i = 0; i < 64; ++i) {
        const uint32_t e0 = kPrefix[i & 7], l0 = e0 & 3;
        const uint32_t e1 = kPrefix[(i >> l0) & 7], l1 = e1 & 3;
        t[i] = uint16_t((e0 >> 2) | (e1 >> 2) << 3 | (l0 + l1) << 6);
    }
    return t;
}
constexpr std::array<uint16_t, 64> kPairPrefix = pair_prefixes();

/// The U-VLC codewords of a quad pair (24 bits at most) read from one 32-bit VLC window.
struct UWord {
    uint32_t w, used = 0;
    /// Both prefixes at once: p0 and p1.
    HT_INLINE void prefixes(uint32_t &p0, uint32_t &p1) {
        const uint32_t e = kPairPrefix[(w >> used) & 63];
        p0 = e & 7;
        p1 = (e >> 3) & 7;
        used += e >> 6;
    }
    HT_INLINE uint32_t prefix() {
        const uint32_t e = kPrefix[(w >> used) & 7];
        used += e & 3;
        return e >> 2;
    }
    HT_INLINE uint32_t bits(uint32_t n) {
        const uint32_t v = (w >> used) & ((1u << n) - 1);
        used += n;
        return v;
    }
    HT_INLINE uint32_t suffix(uint32_t pfx) { return bits(kSuffixBits[pfx]); }
    /// u_ext (4 bits) after a 5-bit suffix of 28 or more.
    HT_INLINE uint32_t ext(uint32_t pfx, uint32_t sfx) { return (pfx == 5 && sfx >= 28) ? bits(4) : 0; }
};

inline uint32_t bit_length(uint32_t v) { return v ? 32 - uint32_t(__builtin_clz(v)) : 0; }

}  // namespace

void decode_cleanup(const uint8_t *data, size_t lcup, uint32_t w, uint32_t h, uint32_t zero_planes, uint32_t mb,
                    int32_t *out, size_t stride, Scratch &s) {
    if (lcup < 2) malformed("HT cleanup segment shorter than 2 bytes");
    const size_t scup = (size_t(data[lcup - 1]) << 4) + (data[lcup - 2] & 0x0F);
    if (scup < 2 || scup > lcup || scup > 4079) malformed("bad HT cleanup segment suffix length (Scup)");
    if (zero_planes + 1 > mb) malformed("HT code-block has more missing bit-planes than its subband");
    const size_t pcup = lcup - scup;
    const uint32_t umax = zero_planes + 2;  // the exponent bound may not pass the subband's Mb

    MagSgn ms(data, pcup);
    Mel mel(data + pcup, scup - 1);
    Vlc vlc(data + pcup, scup);
    const VlcTable &t0 = initial_table(), &t1 = other_table();

    const uint32_t qw = (w + 1) / 2, qh = (h + 1) / 2;
    const size_t bw = size_t(qw) * 2;
    // Quad rows are decoded into a block of 2*qw x 2 samples then copied, so that hostile rho bits
    // for samples outside the code-block land nowhere.
    s.block.assign(bw * 2, 0);
    s.rho0.assign(qw + 2, 0);  // rho of the previous quad row, index q + 1
    s.rho1.assign(qw + 2, 0);
    s.e0.assign(bw + 4, 0);  // exponents of the previous row's bottom samples, index x + 1
    s.e1.assign(bw + 4, 0);
    s.quads.assign(qw, 0);
    s.above.assign(qw, 0);
    uint8_t *above = s.above.data();
    uint64_t *quads = s.quads.data();
    uint8_t *rho_prev = s.rho0.data(), *rho_cur = s.rho1.data();
    uint8_t *e_prev = s.e0.data(), *e_cur = s.e1.data();
    int32_t *row0 = s.block.data(), *row1 = row0 + bw;

    for (uint32_t qy = 0; qy < qh; ++qy) {
        // An even width has no quad column outside the code-block: its rows are written in place.
        const uint32_t y = 2 * qy;
        int32_t *r0 = (w % 2 == 0) ? out + size_t(y) * stride : row0;
        int32_t *r1 = (w % 2 == 0 && y + 1 < h) ? out + size_t(y + 1) * stride : row1;
        std::fill(rho_cur, rho_cur + qw + 2, uint8_t(0));
        std::fill(e_cur, e_cur + bw + 4, uint8_t(0));
        // Significance, EMB patterns and exponent bounds of the row's quads (CxtVLC, MEL, U-VLC),
        // compiled apart for the initial row and the others.
        auto vlc_pass = [&](auto initial) {
            constexpr bool first = decltype(initial)::value;
            const VlcTable &tab = first ? t0 : t1;
            uint32_t left = 0;  // rho of the quad to the left, kept in a register
            for (uint32_t qx = 0; qx < qw; qx += 2) {
                uint32_t info[2] = {0, 0};
                const uint32_t nq = qx + 1 < qw ? 2 : 1;
                const uint32_t window = vlc.peek32();  // both codewords: 14 bits at most
                uint32_t used = 0;
                for (uint32_t j = 0; j < nq; ++j) {
                    const uint32_t q = qx + j;
                    uint32_t c;
                    if (first) {
                        c = ((left & 1) | ((left >> 1) & 1)) | (((left >> 2) & 1) << 1) | (((left >> 3) & 1) << 2);
                    } else {
                        // Above: the previous row's bottom samples at x = 2q - 1 .. 2q + 2 (above[q]).
                        c = above[q] | ((((left >> 2) | (left >> 3)) & 1) << 1);
                    }
                    if (c == 0 && !mel.event()) {  // an insignificant quad
                        left = 0;
                        continue;
                    }
                    const uint32_t e = tab[(c << 7) | ((window >> used) & 0x7F)];
                    if ((e & 7) == 0) malformed("invalid HT VLC codeword");
                    used += e & 7;
                    info[j] = e;
                    left = (e >> 4) & 0xF;
                    rho_cur[q + 1] = uint8_t(left);
                }
                vlc.skip(used);
                // Exponent bound offsets u for the pair (15444-15 7.3.6).
                uint32_t u[2] = {0, 0};
                const bool off0 = info[0] & 8, off1 = info[1] & 8;
                if (off0 || off1) {
                    UWord uw{vlc.peek32()};
                    if (off0 && off1) {
                        // Both prefixes, both suffixes, both extensions; in the initial row a MEL
                        // event adds 2 to both, or (event 0) a first prefix above 2 leaves the
                        // second a single bit (15444-15 7.3.6).
                        const bool both_two = first && mel.event();
                        uint32_t p0, p1;
                        if (first && !both_two && (p0 = uw.prefix()) > 2) {
                            u[1] = uw.bits(1) + 1;
                            const uint32_t s0 = uw.suffix(p0);
                            u[0] = p0 + s0 + 4 * uw.ext(p0, s0);
                        } else {
                            if (first && !both_two) p1 = uw.prefix();
                            else uw.prefixes(p0, p1);
                            const uint32_t s0 = uw.suffix(p0), s1 = uw.suffix(p1);
                            const uint32_t x0 = uw.ext(p0, s0), x1 = uw.ext(p1, s1);
                            const uint32_t add = both_two ? 2 : 0;
                            u[0] = add + p0 + s0 + 4 * x0;
                            u[1] = add + p1 + s1 + 4 * x1;
                        }
                    } else {
                        const uint32_t p = uw.prefix(), sfx = uw.suffix(p);
                        u[off0 ? 0 : 1] = p + sfx + 4 * uw.ext(p, sfx);
                    }
                    vlc.skip(uw.used);
                }
                // Exponent bounds U (15444-15 7.3.7), kept for the MagSgn pass over the row.
                for (uint32_t j = 0; j < nq; ++j) {
                    const uint32_t q = qx + j, x = 2 * q;
                    const uint32_t rho = (info[j] >> 4) & 0xF;
                    uint32_t kappa = 1;
                    if (!first && (rho & (rho - 1))) {  // gamma: two or more significant samples
                        const uint32_t emax = std::max(std::max(e_prev[x], e_prev[x + 1]), std::max(e_prev[x + 2], e_prev[x + 3]));
                        kappa = std::max<uint32_t>(emax, 2) - 1;
                    }
                    const uint32_t U = u[j] + kappa;
                    if (rho && (U > umax || U > 31)) malformed("HT exponent bound above the subband's bit-planes");
                    // For the MagSgn pass: bit counts per sample in byte lanes (U <= 31: no
                    // carries), and their sum.
                    const uint32_t ekq = (info[j] >> 12) & 0xF;
                    const uint32_t lanes = rho ? kLanes[rho] * U - kLanes[ekq] : 0;
                    const uint32_t total = (lanes * 0x01010101u) >> 24;
                    quads[q] = uint64_t(lanes) | uint64_t((info[j] & 0xFFF0) | (std::min(U, 255u) << 16) | (total << 24)) << 32;
                }
            }
        };
        if (qy == 0) vlc_pass(std::true_type{});
        else vlc_pass(std::false_type{});
        // The next row's context bits from this one: (nw | n) + 4 (ne | nf) (15444-15 7.3.5).
        for (uint32_t q = 0; q < qw; ++q)
            above[q] = uint8_t((((rho_cur[q] >> 3) | (rho_cur[q + 1] >> 1)) & 1) |
                               ((((rho_cur[q + 1] >> 3) | (rho_cur[q + 2] >> 1)) & 1) << 2));
        // Magnitudes and signs (MagSgn), a second pass over the row.
        for (uint32_t q = 0; q < qw; ++q) {
            const uint64_t qw64 = quads[q];
            const uint32_t qi = uint32_t(qw64 >> 32), lanes = uint32_t(qw64), x = 2 * q;
            const uint32_t rho = (qi >> 4) & 0xF;
            int32_t *a = r0 + x, *b = r1 + x;
            if (rho == 0) {  // runs of insignificant quads are common in lossy and smooth data
                a[0] = a[1] = b[0] = b[1] = 0;
                continue;  // e_cur stays 0
            }
            const uint32_t U = (qi >> 16) & 0xFF, e1 = (qi >> 8) & 0xF;
            // Samples in order (x, y), (x, y + 1), (x + 1, y), (x + 1, y + 1): rho bits 0..3;
            // without branches on rho (an insignificant sample reads 0 bits).
            int32_t val[4];
            uint32_t mus[4], m[4], raw[4];
            // Bit counts m_k = U - e_k bit for significant samples, 0 otherwise, one per byte lane
            // (no carry: U <= 31), and their running sums: the fields' offsets in the window.
            const uint32_t offsets = lanes * 0x01010100u;
            for (uint32_t k = 0; k < 4; ++k) m[k] = (lanes >> (8 * k)) & 0xFF;
            if (4 * U <= 56) {
                // All four fields from one window: independent extractions, one consume.
                ms.fill();
                const uint64_t win = ms.window();
                for (uint32_t k = 0; k < 4; ++k)
                    raw[k] = uint32_t((win >> ((offsets >> (8 * k)) & 0xFF)) & ((uint64_t(1) << m[k]) - 1));
                ms.consume(qi >> 24);
            } else if (2 * U <= 56) {
                // Two windows of two fields each.
                ms.fill();
                uint64_t win = ms.window();
                raw[0] = uint32_t(win & ((uint64_t(1) << m[0]) - 1));
                raw[1] = uint32_t((win >> m[0]) & ((uint64_t(1) << m[1]) - 1));
                ms.consume(m[0] + m[1]);
                ms.fill();
                win = ms.window();
                raw[2] = uint32_t(win & ((uint64_t(1) << m[2]) - 1));
                raw[3] = uint32_t((win >> m[2]) & ((uint64_t(1) << m[3]) - 1));
                ms.consume(m[2] + m[3]);
            } else {
                for (uint32_t k = 0; k < 4; ++k) raw[k] = ms.take(m[k]);
            }
            for (uint32_t k = 0; k < 4; ++k) {
                const uint32_t sig = (rho >> k) & 1;
                const uint32_t v = raw[k] | (((e1 >> k) & 1) << m[k]);
                const uint32_t mu = (v >> 1) + 1;
                mus[k] = sig ? 2 * mu - 1 : 0;
                const int32_t sv = (v & 1) ? -int32_t(mu) : int32_t(mu);
                val[k] = sig ? sv : 0;
            }
            a[0] = val[0];
            b[0] = val[1];
            a[1] = val[2];
            b[1] = val[3];
            e_cur[x + 1] = uint8_t(bit_length(mus[1]));
            e_cur[x + 2] = uint8_t(bit_length(mus[3]));
        }
        // Rows decoded into the scratch rows go out now.
        if (r0 == row0) std::memcpy(out + size_t(y) * stride, row0, w * sizeof(int32_t));
        if (r1 == row1 && y + 1 < h) std::memcpy(out + size_t(y + 1) * stride, row1, w * sizeof(int32_t));
        std::swap(rho_prev, rho_cur);
        std::swap(e_prev, e_cur);
    }
}

}  // namespace dcmkit::codecs::ht
