// dcmkit — High-Throughput JPEG 2000 (ISO/IEC 15444-15) transfer syntaxes (PS3.5 8.2 and A.4):
//   1.2.840.10008.1.2.4.201  HTJ2K Image Compression (Lossless Only): reversible 5/3;
//   1.2.840.10008.1.2.4.202  HTJ2K with RPCL Options Image Compression (Lossless Only): reversible
//                            5/3, RPCL progression order and a TLM marker segment in the main header;
//   1.2.840.10008.1.2.4.203  HTJ2K Image Compression: irreversible 9/7 (lossy).
//
// Each fragment holds an HTJ2K codestream (no JPH file wrapper). RGB frames are encoded with the
// multiple component transform: Photometric Interpretation YBR_RCT (reversible) or YBR_ICT
// (irreversible), as for JPEG 2000 (PS3.3 C.7.6.3.1.2); decoding one gives RGB.
//
// Encoding uses OpenJPH. Decoding uses our own HT decoder (ht/, see ht/ht.h) in the calling
// thread: codestreams with HT code-blocks only (CAP with Part 15 capabilities, HTONLY or
// HTDECLARED), one quality layer, any progression order, tiles, precincts, SOP/EPH, 1 or 3
// components with or without RCT/ICT, reversible 5/3 and irreversible 9/7, cleanup passes. It
// checks everything it reads and gives the same bytes as the OpenJPEG path below for every frame
// both decode (9/7: within the rounding of two float implementations). OpenJPH 0.9's decoder is
// not used: it is not safe on hostile input (division by zero on a zero tile size, assertions
// that abort, and wild reads on corrupt code-blocks).
//
// A valid codestream outside that scope (Part 1 or MIXED code-blocks, several layers, ROI, POC,
// PPM/PPT, subsampled components, SigProp/MagRef passes, ...) goes to OpenJPEG 2.5 through the
// JPEG 2000 codec, as before, with its checks: OpenJPEG checks what it reads, with one exception.
// Debian's OpenJPEG 2.5.0 is built with its assertions on, and ht_dec.c holds four:
// three (`num_bits <= vlcp->bits`, `msp->bits`, `mrp->bits`) that its own checks keep out of reach
// (U_q is bounded by the bit-planes, Mb by 30, and each fetch holds 32 or more bits), and one that a
// crafted code-block reaches: mel_init asserts `melp->unstuff == OPJ_FALSE || melp->data[0] <= 0x8F`
// on the first bytes of a MEL segment, i.e. aborts on a 0xFF byte followed by one above 0x8F. That
// pair is a marker code, which code-block data never holds (15444-1 A.1.1; 15444-15 keeps the rule).
// check_codestream() makes it unreachable before OpenJPEG sees the codestream; see there. (Our
// decoder refuses such a pair too.)
//
// EncodeOptions::ratio on .203: OpenJPH has no rate control, only a base quantization step Δ
// relative to the sample range 2^Bits Stored; qstep_for() maps the ratio to Δ, and 0 picks 10:1.
// The ratio reached is near the one asked for, not exact (smooth images compress further, noisy
// ones less).
//
// OpenJPH reports errors by printing to its error stream and throwing std::runtime_error("ojph
// error"); it cannot take a handler object (0.9's configure_error copies the base class only). We
// point that stream at a FILE whose writes land in a per-thread buffer, so each call gets its own
// message, and turn every exception into dcmkit::Error. Its info and warning streams go nowhere.
// This is process-wide OpenJPH configuration, done once.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <openjph/ojph_arch.h>
#include <openjph/ojph_codestream.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_message.h>
#include <openjph/ojph_params.h>
#pragma GCC diagnostic pop

#include "dcmkit/lazy_library.h"
#include "codecs.h"
#include "ht/ht.h"
#include "j2k_common.h"

namespace dcmkit::codecs {

namespace {

constexpr double kDefaultRatio = 10.0;

// ---- OpenJPH messages -----------------------------------------------------------------------

thread_local std::string t_ojph_message;

ssize_t capture_write(void *, const char *buf, size_t n) {
    t_ojph_message.append(buf, n);
    return ssize_t(n);
}
ssize_t discard_write(void *, const char *, size_t n) { return ssize_t(n); }

/// An unbuffered write-only FILE whose text goes to `write` in the thread that wrote it; never null
/// (OpenJPH 0.9 prints to its streams without checking them).
FILE *message_file(cookie_write_function_t *write) {
    cookie_io_functions_t io{};
    io.write = write;
    FILE *f = fopencookie(nullptr, "w", io);
    if (!f) f = std::fopen("/dev/null", "w");
    if (!f) return stderr;
    std::setvbuf(f, nullptr, _IONBF, 0);
    return f;
}

/// Routes OpenJPH's error text into t_ojph_message and drops its info and warnings; once per process.
void configure_openjph() {
    static const bool done = [] {
        ojph::set_error_stream(message_file(capture_write));
        FILE *quiet = message_file(discard_write);
        ojph::set_warning_stream(quiet);
        ojph::set_info_stream(quiet);
        return true;
    }();
    (void)done;
}

/// OpenJPH's last error message on this thread, without its "ojph error 0x… at file:line: " prefix.
std::string take_message() {
    std::string m;
    m.swap(t_ojph_message);
    const size_t at = m.find(": ");
    if (m.rfind("ojph error", 0) == 0 && at != std::string::npos) m.erase(0, at + 2);
    while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) m.pop_back();
    return m;
}

// ---- Codestream checks and markers (ISO/IEC 15444-1 Annex A) ---------------------------------

constexpr uint16_t kCod = 0xFF52, kSot = 0xFF90, kSod = 0xFF93, kEoc = 0xFFD9, kTlm = 0xFF55;

/// The marker segments OpenJPEG 2.5 reads in a main or tile-part header (15444-1 A.2; CAP and CPF
/// from 15444-15; MCT, MCC, MCO and CBD from 15444-2). OpenJPEG skips an unknown one by searching
/// for the next marker it knows rather than by its length, so where it would resume is not where
/// the length says: such a codestream is refused.
bool known_header_marker(uint16_t m) {
    switch (m) {
    case 0xFF50: case 0xFF51: case 0xFF52: case 0xFF53: case 0xFF55: case 0xFF57: case 0xFF58: case 0xFF59:
    case 0xFF5C: case 0xFF5D: case 0xFF5E: case 0xFF5F: case 0xFF60: case 0xFF61: case 0xFF63: case 0xFF64:
    case 0xFF74: case 0xFF75: case 0xFF77: case 0xFF78:
        return true;
    default:
        return false;
    }
}

/// Reads the marker segment at `pos` (marker, then a length Lmar >= 2 that counts itself, A.1.4),
/// which must lie before `end`; returns its total size. `cut` tells whether `end` is the end of
/// the codestream (a segment running past it is truncation) or of a tile-part (malformed).
size_t header_segment(const uint8_t *in, size_t pos, size_t end, bool cut) {
    const uint16_t m = load_u16be(in + pos);
    if (!known_header_marker(m)) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "%04X", unsigned(m));
        throw Error(Errc::malformed, std::string("HTJ2K: unknown marker ") + hex + " in a codestream header", int64_t(pos));
    }
    if (pos + 4 > end)
        throw Error(cut ? Errc::truncated : Errc::malformed, "HTJ2K: a marker segment runs past its header", int64_t(pos));
    const size_t len = load_u16be(in + pos + 2);
    if (len < 2) throw Error(Errc::malformed, "HTJ2K: marker segment length below 2", int64_t(pos));
    if (pos + 2 + len > end)
        throw Error(cut ? Errc::truncated : Errc::malformed, "HTJ2K: a marker segment runs past its header", int64_t(pos));
    if (m == kCod) {
        // Lcod, Scod, SGcod (progression order, number of layers, MCT), SPcod (A.6.1).
        if (len < 10) throw Error(Errc::malformed, "HTJ2K: COD marker segment too short", int64_t(pos));
        if (in[pos + 4] & 6)
            throw Error(Errc::unsupported, "HTJ2K: codestreams with SOP or EPH markers in their packets are not decoded",
                        int64_t(pos));
        const unsigned layers = load_u16be(in + pos + 6);
        if (layers != 1)
            throw Error(Errc::unsupported, "HTJ2K: codestreams of " + std::to_string(layers) +
                                               " quality layers are not decoded (one layer only)",
                        int64_t(pos));
    }
    return 2 + len;
}

/// Proves, before OpenJPEG sees a codestream, that its HT decoder cannot reach the mel_init
/// assertion (see the top of this file): that no 0xFF byte followed by one above 0x8F can start a
/// MEL segment. OpenJPEG (t2.c, ht_dec.c) decodes a code-block from its chunks (one per codeword
/// segment contributed in a packet) concatenated, taken from the tile's data: the bodies of the
/// tile's tile-parts, concatenated. With a single quality layer a code-block is in one packet
/// (OpenJPEG's packet iterator visits each packet once, POC or not), where its segments follow
/// one another: its bytes are one run of the tile's data. Every byte pair of a MEL segment is
/// then a pair of adjacent bytes of a tile-part body, or the last byte of one body and the first
/// of the tile's next one, and those are checked here. Which needs:
///  - one layer in every COD (main and tile-part headers), and no SOP or EPH markers, which are
///    marker codes inside the bodies (a packet length can make one part of a code-block):
///    without_sop_eph() takes them out first;
///  - the headers walked as OpenJPEG reads them: marker segments it knows, lengths within the
///    header, SOD closing each tile-part header, each tile-part followed by SOT or EOC, Psot 0
///    only in the last one (A.4.2);
///  - no marker code (0xFF then a byte above 0x8F) in any body, or across the bodies of a tile.
/// Encoders never write such a pair into packet data (15444-1 A.1.1, D.1; 15444-15 keeps the
/// rule), so no conforming single-layer codestream is refused. A codestream cut inside a body is
/// left to the decoder to report (strict mode: truncated).
void check_codestream(const uint8_t *in, size_t n) {
    size_t pos = 2;  // after SOC; check_siz() has seen SOC and SIZ
    while (true) {
        if (pos + 2 > n) throw Error(Errc::truncated, "HTJ2K: the codestream ends in its main header", int64_t(n));
        if (load_u16be(in + pos) == kSot) break;
        pos += header_segment(in, pos, n, true);
    }
    std::unordered_map<uint16_t, uint8_t> last_byte;  // tile index -> last byte of its latest body
    while (pos + 2 <= n) {
        const uint16_t m = load_u16be(in + pos);
        if (m == kEoc) return;  // OpenJPEG reads no further
        if (m != kSot) throw Error(Errc::malformed, "HTJ2K: a tile-part is not followed by SOT or EOC", int64_t(pos));
        if (pos + 12 > n) throw Error(Errc::truncated, "HTJ2K: the codestream ends in an SOT marker segment", int64_t(n));
        if (load_u16be(in + pos + 2) != 10) throw Error(Errc::malformed, "HTJ2K: SOT length is not 10", int64_t(pos));
        const uint16_t tile = load_u16be(in + pos + 4);
        const uint32_t psot = load_u32be(in + pos + 6);
        if (psot != 0 && psot < 14) throw Error(Errc::malformed, "HTJ2K: tile-part length below 14", int64_t(pos));
        size_t end = n;
        const bool cut = psot == 0 || uint64_t(pos) + psot >= n;
        if (!cut) {
            end = pos + psot;
        } else if (psot == 0) {  // the last tile-part runs to EOC (A.4.2), maybe followed by a pad byte
            if (end > 0 && in[end - 1] == 0) --end;
            if (end >= 2 && load_u16be(in + end - 2) == kEoc) end -= 2;
        }
        size_t p = pos + 12;
        while (true) {
            if (p + 2 > end)
                throw Error(cut ? Errc::truncated : Errc::malformed, "HTJ2K: a tile-part header has no SOD", int64_t(p));
            if (load_u16be(in + p) == kSod) break;
            p += header_segment(in, p, end, cut);
        }
        const uint8_t *body = in + p + 2, *stop = in + end;
        if (body < stop) {
            const auto prev = last_byte.find(tile);
            if (prev != last_byte.end() && prev->second == 0xFF && body[0] > 0x8F)
                throw Error(Errc::malformed, "HTJ2K: marker code across two tile-parts of a tile", int64_t(p + 2));
            for (const uint8_t *q = body; q + 1 < stop; ++q) {
                q = static_cast<const uint8_t *>(std::memchr(q, 0xFF, size_t(stop - q - 1)));
                if (!q) break;
                if (q[1] > 0x8F) throw Error(Errc::malformed, "HTJ2K: marker code inside packet data", int64_t(q - in));
            }
            last_byte[tile] = stop[-1];
        }
        if (psot == 0) return;
        pos = end;
    }
}

/// Sets `out` to the codestream without its SOP and EPH markers (15444-1 A.8.1, A.8.2) when a COD
/// allows them (Scod bit 1 or 2), and returns true; returns false, leaving the codestream to
/// check_codestream(), when none does or the walk meets something check_codestream() refuses.
/// Every FF91 0004 Nsop and every FF92 of the tile-part bodies is dropped, Scod's two bits are
/// cleared, Psot is lowered by the bytes dropped, and TLM, PLM and PLT (lengths that no longer
/// hold) are dropped. Conforming packet data holds no marker code but these, so the rewritten
/// codestream decodes to the same samples; whatever a hostile one holds is then checked as OpenJPEG
/// reads it. With packed packet headers (PPM, PPT) EPH sits in the headers: unsupported.
bool without_sop_eph(const uint8_t *in, size_t n, std::vector<uint8_t> &out) {
    bool announced = false, packed = false;
    out.assign(in, in + 2);  // SOC
    // Copies the marker segment at p (false when its length does not fit before `end`).
    auto segment = [&](size_t p, size_t end, size_t &len) {
        if (p + 4 > end) return false;
        len = 2 + size_t(load_u16be(in + p + 2));
        if (len < 4 || p + len > end) return false;
        const uint16_t m = load_u16be(in + p);
        if (m == kTlm || m == 0xFF57 || m == 0xFF58) return true;  // TLM, PLM, PLT
        packed |= m == 0xFF60 || m == 0xFF61;                        // PPM, PPT
        const size_t at = out.size();
        out.insert(out.end(), in + p, in + p + len);
        if (m == kCod && len >= 5) {
            announced |= (out[at + 4] & 6) != 0;
            out[at + 4] &= uint8_t(~6u);
        }
        return true;
    };
    size_t pos = 2, len = 0;
    while (pos + 2 <= n && load_u16be(in + pos) != kSot) {
        if (!segment(pos, n, len)) return false;
        pos += len;
    }
    while (pos + 2 <= n) {
        if (load_u16be(in + pos) == kEoc) {
            out.insert(out.end(), in + pos, in + n);
            break;
        }
        if (load_u16be(in + pos) != kSot || pos + 12 > n) return false;
        const uint32_t psot = load_u32be(in + pos + 6);
        if (psot != 0 && psot < 14) return false;
        size_t end = n;
        if (psot != 0 && uint64_t(pos) + psot < n) {
            end = pos + psot;
        } else if (psot == 0) {
            if (end > 0 && in[end - 1] == 0) --end;
            if (end >= 2 && load_u16be(in + end - 2) == kEoc) end -= 2;
        }
        const size_t sot = out.size();
        out.insert(out.end(), in + pos, in + pos + 12);
        size_t p = pos + 12;
        while (p + 2 <= end && load_u16be(in + p) != kSod) {
            if (!segment(p, end, len)) return false;
            p += len;
        }
        if (p + 2 > end) return false;
        out.insert(out.end(), in + p, in + p + 2);  // SOD
        for (size_t q = p + 2; q < end;) {
            if (in[q] == 0xFF && q + 6 <= end && in[q + 1] == 0x91 && load_u16be(in + q + 2) == 4) {
                q += 6;  // SOP: marker, Lsop = 4, Nsop
            } else if (in[q] == 0xFF && q + 2 <= end && in[q + 1] == 0x92) {
                q += 2;  // EPH
            } else {
                out.push_back(in[q++]);
            }
        }
        // Psot as it was, less what was dropped (a tile-part cut short stays cut short).
        const size_t dropped = (end - pos) - (out.size() - sot);
        if (psot != 0)
            for (int b = 0; b < 4; ++b) out[sot + 6 + size_t(b)] = uint8_t((psot - dropped) >> (24 - 8 * b));
        if (psot == 0) {
            out.insert(out.end(), in + end, in + n);  // EOC, pad
            break;
        }
        pos = end;
    }
    if (!announced) return false;
    if (packed)
        throw Error(Errc::unsupported, "HTJ2K: SOP or EPH markers with packed packet headers (PPM, PPT) are not decoded");
    return true;
}

/// Inserts a TLM marker segment (15444-1 A.7.1) at the end of the main header, listing every
/// tile-part's length as its SOT gives it: Stlm = 0x50, i.e. an 8-bit Ttlm and a 32-bit Ptlm.
/// PS3.5 asks for TLM in the .202 syntax; OpenJPH 0.9 cannot write one itself.
void insert_tlm(std::vector<uint8_t> &cs) {
    auto bad = [] { return Error(Errc::malformed, "HTJ2K: encoder output is not a well-formed codestream"); };
    size_t pos = 2;  // after SOC
    while (true) {
        if (pos + 4 > cs.size()) throw bad();
        const uint16_t marker = load_u16be(&cs[pos]);
        if (marker == kSot) break;
        pos += 2 + load_u16be(&cs[pos + 2]);
    }
    const size_t header_end = pos;
    std::vector<std::pair<uint8_t, uint32_t>> parts;  // (tile index, tile-part length)
    while (pos + 12 <= cs.size() && load_u16be(&cs[pos]) == kSot) {
        const uint16_t tile = load_u16be(&cs[pos + 4]);
        uint32_t psot = load_u32be(&cs[pos + 6]);
        if (psot == 0) psot = uint32_t(cs.size() - 2 - pos);  // 0: runs to EOC (A.4.2)
        if (tile > 255 || psot < 14 || pos + psot > cs.size()) throw bad();
        parts.emplace_back(uint8_t(tile), psot);
        pos += psot;
    }
    if (parts.empty() || parts.size() > (65535 - 4) / 5 || pos + 2 != cs.size() || load_u16be(&cs[pos]) != kEoc)
        throw bad();
    std::vector<uint8_t> tlm(6 + 5 * parts.size());
    tlm[0] = 0xFF;
    tlm[1] = uint8_t(kTlm & 0xFF);
    const uint16_t ltlm = uint16_t(4 + 5 * parts.size());
    tlm[2] = uint8_t(ltlm >> 8);
    tlm[3] = uint8_t(ltlm);
    tlm[4] = 0;     // Ztlm: the first (only) TLM segment
    tlm[5] = 0x50;  // Stlm: ST = 1 (Ttlm is 8 bits), SP = 1 (Ptlm is 32 bits)
    for (size_t i = 0; i < parts.size(); ++i) {
        uint8_t *e = &tlm[6 + 5 * i];
        e[0] = parts[i].first;
        for (int b = 0; b < 4; ++b) e[1 + b] = uint8_t(parts[i].second >> (24 - 8 * b));
    }
    cs.insert(cs.begin() + std::ptrdiff_t(header_end), tlm.begin(), tlm.end());
}

/// Base quantization step for a target compression ratio: Δ = 2^-Bits Stored × (ratio / 3)^0.6,
/// i.e. one grey level at 3:1, within OpenJPH's range. Fitted on smooth test images with a little
/// noise, where the coded size falls faster than Δ grows once Δ passes the noise; the ratio
/// reached is within a factor of about 2 of the one asked for on such images.
float qstep_for(double ratio, uint32_t bits_stored) {
    const double q = std::ldexp(std::pow(ratio / 3.0, 0.6), -int(bits_stored));
    return float(std::clamp(q, 1e-5, 0.5));
}

// ---- The codec ------------------------------------------------------------------------------

class Htj2kCodec final : public Codec {
public:
    explicit Htj2kCodec(const char *uid)
        : uid_(uid), lossless_(std::string_view(uid) != kHtj2k), tlm_(std::string_view(uid) == kHtj2kLosslessRpcl) {}

    std::string_view transfer_syntax() const noexcept override { return uid_; }
    bool lossless_only() const noexcept override { return lossless_; }

    bool can_encode(const PixelInfo &info, const EncodeOptions &options, std::string *why) const override {
        return jpeg2000::can_encode(info, options, lossless_, "HTJ2K", why);
    }

    FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out,
                       size_t out_size) const override {
        check_frame_size(info, out_size, "HTJ2K decode");
        jpeg2000::check_siz(info, in, in_size, "HTJ2K");
        try {
            return ht::decode(info, in, in_size, out, out_size);
        } catch (const ht::Unsupported &) {
            // A valid codestream outside the native decoder's scope: OpenJPEG decodes it.
        }
        std::vector<uint8_t> rewritten;
        if (without_sop_eph(in, in_size, rewritten)) {
            in = rewritten.data();
            in_size = rewritten.size();
        }
        check_codestream(in, in_size);
        const Codec *j2k = find_codec(kJ2kLossless);
        if (!j2k) throw Error(Errc::unsupported, "HTJ2K: no JPEG 2000 decoder in this build");
        try {
            return j2k->decode(info, in, in_size, out, out_size);
        } catch (const Error &e) {
            std::string m = e.message();
            if (m.rfind("JPEG 2000: ", 0) == 0) m.erase(0, 11);
            throw Error(e.code(), "HTJ2K: " + m, e.offset());
        }
    }

    std::vector<uint8_t> encode(const PixelInfo &info, const uint8_t *frame, size_t size, const EncodeOptions &options,
                                FrameLayout &layout) const override {
        std::string why;
        if (!can_encode(info, options, &why)) throw Error(Errc::unsupported, why);
        check_frame_size(info, size, "HTJ2K encode");
        lazy::require("openjph", "HTJ2K encoding");
        configure_openjph();
        t_ojph_message.clear();
        const uint32_t spp = info.samples_per_pixel;
        const bool rgb = spp == 3 && info.photometric_interpretation == "RGB";
        const bool is_signed = info.pixel_representation == 1;
        std::vector<uint8_t> result;
        try {
            ojph::codestream cs;
            ojph::param_siz siz = cs.access_siz();
            siz.set_image_extent(ojph::point(info.columns, info.rows));
            siz.set_num_components(spp);
            for (uint32_t c = 0; c < spp; ++c) siz.set_component(c, ojph::point(1, 1), info.bits_stored, is_signed);
            siz.set_image_offset(ojph::point(0, 0));
            siz.set_tile_size(ojph::size(info.columns, info.rows));  // one tile
            siz.set_tile_offset(ojph::point(0, 0));

            ojph::param_cod cod = cs.access_cod();
            // Up to 5 decomposition levels, while the band a level splits has 3 or more rows and
            // columns: OpenJPH 0.9's irreversible vertical 9/7 transform of a 2-row band is wrong.
            const uint32_t smallest = std::min(info.rows, info.columns);
            uint32_t levels = 0;
            while (levels < 5 && ((smallest - 1) >> levels) + 1 >= 3) ++levels;
            cod.set_num_decomposition(levels);
            cod.set_block_dims(64, 64);
            cod.set_progression_order("RPCL");
            cod.set_color_transform(rgb);
            cod.set_reversible(lossless_);
            if (!lossless_)
                cs.access_qcd().set_irrev_quant(qstep_for(options.ratio > 0 ? options.ratio : kDefaultRatio, info.bits_stored));
            cs.set_planar(false);

            ojph::mem_outfile file;
            file.open(size / 2 + 1024);
            cs.write_headers(&file);
            const size_t width = info.columns, bytes = info.bits_allocated / 8;
            const uint32_t mask = (1u << info.bits_stored) - 1, sign = 1u << (info.bits_stored - 1);
            ojph::ui32 comp = 0;
            ojph::line_buf *line = cs.exchange(nullptr, comp);
            for (uint32_t y = 0; y < info.rows; ++y) {
                for (uint32_t c = 0; c < spp; ++c) {
                    if (!line || comp != c || line->size < width)
                        throw Error(Errc::malformed, "HTJ2K: encoder asked for an unexpected line");
                    int32_t *dst = line->i32;
                    const uint8_t *p = frame + (size_t(y) * width * spp + c) * bytes;
                    for (size_t x = 0; x < width; ++x, p += spp * bytes) {
                        // Bits above Bits Stored are not pixel data (PS3.5 8.1.1): drop them, then sign-extend.
                        const uint32_t v = (bytes == 1 ? p[0] : load_u16le(p)) & mask;
                        dst[x] = is_signed ? int32_t(v ^ sign) - int32_t(sign) : int32_t(v);
                    }
                    line = cs.exchange(line, comp);
                }
            }
            cs.flush();
            const uint8_t *data = file.get_data();
            result.assign(data, data + file.tell());
            cs.close();
        } catch (const Error &) {
            throw;
        } catch (const std::exception &e) {
            std::string m = take_message();
            throw Error(Errc::invalid_argument, "HTJ2K: cannot encode: " + (m.empty() ? std::string(e.what()) : m));
        }
        if (tlm_) insert_tlm(result);
        layout = FrameLayout{};
        if (rgb) layout.photometric = lossless_ ? "YBR_RCT" : "YBR_ICT";
        layout.lossy = !lossless_;
        if (!lossless_) layout.lossy_method = "ISO_15444_15";
        return result;
    }

private:
    const char *uid_;
    bool lossless_, tlm_;
};

}  // namespace

std::unique_ptr<Codec> make_htj2k(const char *uid) { return std::make_unique<Htj2kCodec>(uid); }

}  // namespace dcmkit::codecs
