// dcmkit — the DICOM JSON Model (PS3.18 Annex F): the helpers the reader and the writer share
// (see json_detail.h).
#include "json_detail.h"

#include "dcmkit/error.h"

namespace dcmkit::json_detail {

bool is_json_number(std::string_view s) {
    size_t i = 0;
    const size_t n = s.size();
    if (i < n && s[i] == '-') ++i;
    if (i >= n) return false;
    if (s[i] == '0') {
        ++i;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && is_digit(s[i])) ++i;
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        while (i < n && is_digit(s[i])) ++i;
        if (i == start) return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
        size_t start = i;
        while (i < n && is_digit(s[i])) ++i;
        if (i == start) return false;
    }
    return i == n;
}

bool is_bulk_binary_vr(VR vr) {
    switch (vr) {
    case VR::OB: case VR::OD: case VR::OF: case VR::OL: case VR::OV: case VR::OW: case VR::UN:
        return true;
    default:
        return false;
    }
}

bool is_number_vr(VR vr) {
    switch (vr) {
    case VR::US: case VR::SS: case VR::UL: case VR::SL: case VR::UV: case VR::SV: case VR::FL: case VR::FD:
        return true;
    default:
        return false;
    }
}

// -- base64 (RFC 4648 section 4) ------------------------------------------------------------------------

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void append_base64(std::string &out, const uint8_t *p, size_t n) {
    const size_t at = out.size();
    out.resize(at + (n + 2) / 3 * 4);
    char *o = &out[at];
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8) | p[i + 2];
        o[0] = kB64[v >> 18];
        o[1] = kB64[(v >> 12) & 63];
        o[2] = kB64[(v >> 6) & 63];
        o[3] = kB64[v & 63];
        o += 4;
    }
    if (n - i == 1) {
        const uint32_t v = uint32_t(p[i]) << 16;
        o[0] = kB64[v >> 18];
        o[1] = kB64[(v >> 12) & 63];
        o[2] = '=';
        o[3] = '=';
    } else if (n - i == 2) {
        const uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8);
        o[0] = kB64[v >> 18];
        o[1] = kB64[(v >> 12) & 63];
        o[2] = kB64[(v >> 6) & 63];
        o[3] = '=';
    }
}

/// Sextet of each byte: 0-63 for the base64 alphabet, else 0xFF.
struct Base64Table {
    uint8_t v[256];
    constexpr Base64Table() : v() {
        for (int i = 0; i < 256; ++i) v[i] = 0xFF;
        for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(kB64[i])] = uint8_t(i);
    }
};
constexpr Base64Table kB64Values;

/// Decodes base64; line breaks and spaces are skipped, padding may be omitted. Returns the index of
/// the first bad character, or npos on success.
size_t decode_base64(std::string_view s, std::vector<uint8_t> &out) {
    out.clear();
    out.reserve(s.size() / 4 * 3 + 3);
    const auto *u = reinterpret_cast<const unsigned char *>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    // Fast path: whole quanta of four alphabet characters.
    while (i + 4 <= n) {
        const uint8_t a = kB64Values.v[u[i]], b = kB64Values.v[u[i + 1]], c = kB64Values.v[u[i + 2]],
                      d = kB64Values.v[u[i + 3]];
        if ((a | b | c | d) & 0xC0) break;
        const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | d;
        out.push_back(uint8_t(v >> 16));
        out.push_back(uint8_t(v >> 8));
        out.push_back(uint8_t(v));
        i += 4;
    }
    // The rest, one character at a time: whitespace, padding, a last partial quantum.
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0, digits = i;
    for (; i < n; ++i) {
        const char c = s[i];
        if (c == ' ' || c == '\r' || c == '\n' || c == '\t') continue;
        if (c == '=') {
            if (++pad > 2) return i;
            continue;
        }
        const uint8_t v = kB64Values.v[u[i]];
        if (v == 0xFF || pad) return i;  // nothing but '=' may follow '='
        ++digits;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(uint8_t(acc >> bits));
        }
    }
    if (digits % 4 == 1) return n;               // a lone sextet cannot hold a byte
    if (pad && (digits + pad) % 4 != 0) return n;  // padding, when given, completes the quantum
    return std::string_view::npos;
}

// -- encapsulated pixel data (PS3.5 A.4) ----------------------------------------------------------------

void append_item_header(std::string &out, uint16_t element, uint32_t length) {
    store_le<uint16_t>(out, 0xFFFE);
    store_le<uint16_t>(out, element);
    store_le<uint32_t>(out, length);
}

/// The Value Field of encapsulated pixel data: an item per fragment (BOT first), then the Sequence
/// Delimitation Item.
std::string encapsulated_value_field(const Element &e) {
    std::string out;
    for (const Bytes &f : e.fragments) {
        if (f.size() > 0xFFFFFFFEu) throw Error(Errc::bad_length, "fragment too long", -1, e.tag.value);
        append_item_header(out, 0xE000, uint32_t(f.size() + (f.size() & 1)));
        out.append(f.str());
        if (f.size() & 1) out += '\0';
    }
    append_item_header(out, 0xE0DD, 0);
    return out;
}

/// Splits a PS3.5 A.4 item sequence into fragments; false when the bytes are not one (then they are
/// native pixel data). A missing final Sequence Delimitation Item is tolerated.
bool split_encapsulated(const std::vector<uint8_t> &b, std::vector<Bytes> &fragments) {
    fragments.clear();
    const size_t n = b.size();
    size_t p = 0;
    while (p + 8 <= n) {
        const uint16_t group = load_le<uint16_t>(&b[p]);
        const uint16_t element = load_le<uint16_t>(&b[p + 2]);
        const uint32_t length = load_le<uint32_t>(&b[p + 4]);
        if (group != 0xFFFE) return false;
        if (element == 0xE0DD) return length == 0 && p + 8 == n && !fragments.empty();
        if (element != 0xE000 || length == 0xFFFFFFFFu || length > n - p - 8) return false;
        fragments.push_back(Bytes::copy(&b[p + 8], length));
        p += 8 + size_t(length);
    }
    return p == n && !fragments.empty();
}

std::string own_charset(const Dataset &ds, const std::string &inherited) {
    if (const Element *e = ds.find(tags::SpecificCharacterSet)) return std::string(e->value.str());
    return inherited;
}

}  // namespace dcmkit::json_detail
