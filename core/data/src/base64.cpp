// dcmkit — base64 (base64.h).
#include "dcmkit/base64.h"

namespace dcmkit {

namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Sextet of each byte: 0-63 for the alphabet's characters, else 0xFF.
struct Table {
    uint8_t v[256];
    constexpr explicit Table(const char *alphabet) : v() {
        for (int i = 0; i < 256; ++i) v[i] = 0xFF;
        for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(alphabet[i])] = uint8_t(i);
    }
};
constexpr Table kStandardValues(kStandard), kUrlValues(kUrl);

template <typename Out>
size_t decode(std::string_view s, Out &out, Base64 alphabet, bool skip_whitespace) {
    const uint8_t *values = alphabet == Base64::url ? kUrlValues.v : kStandardValues.v;
    out.clear();
    out.reserve(s.size() / 4 * 3 + 3);
    const auto *u = reinterpret_cast<const unsigned char *>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    // Fast path: whole quanta of four alphabet characters.
    while (i + 4 <= n) {
        const uint8_t a = values[u[i]], b = values[u[i + 1]], c = values[u[i + 2]], d = values[u[i + 3]];
        if ((a | b | c | d) & 0xC0) break;
        const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | d;
        out.push_back(typename Out::value_type(v >> 16));
        out.push_back(typename Out::value_type((v >> 8) & 0xFF));
        out.push_back(typename Out::value_type(v & 0xFF));
        i += 4;
    }
    // The rest, one character at a time: whitespace, padding, a last partial quantum.
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0, digits = i;
    for (; i < n; ++i) {
        const char c = s[i];
        if (skip_whitespace && (c == ' ' || c == '\r' || c == '\n' || c == '\t')) continue;
        if (c == '=') {
            if (++pad > 2) return i;
            continue;
        }
        const uint8_t v = values[u[i]];
        if (v == 0xFF || pad) return i;  // nothing but '=' may follow '='
        ++digits;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(typename Out::value_type((acc >> bits) & 0xFF));
        }
    }
    if (digits % 4 == 1) return n;                 // a lone sextet cannot hold a byte
    if (pad && (digits + pad) % 4 != 0) return n;  // padding, when given, completes the quantum
    return std::string_view::npos;
}

}  // namespace

void append_base64(std::string &out, const void *data, size_t n, Base64 alphabet, bool pad) {
    const char *t = alphabet == Base64::url ? kUrl : kStandard;
    const auto *p = static_cast<const uint8_t *>(data);
    const size_t at = out.size();
    out.resize(at + (n + 2) / 3 * 4);
    char *o = &out[at];
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8) | p[i + 2];
        o[0] = t[v >> 18];
        o[1] = t[(v >> 12) & 63];
        o[2] = t[(v >> 6) & 63];
        o[3] = t[v & 63];
        o += 4;
    }
    if (n - i == 1) {
        const uint32_t v = uint32_t(p[i]) << 16;
        o[0] = t[v >> 18];
        o[1] = t[(v >> 12) & 63];
        o[2] = o[3] = '=';
        if (!pad) out.resize(out.size() - 2);
    } else if (n - i == 2) {
        const uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8);
        o[0] = t[v >> 18];
        o[1] = t[(v >> 12) & 63];
        o[2] = t[(v >> 6) & 63];
        o[3] = '=';
        if (!pad) out.resize(out.size() - 1);
    }
}

size_t base64_decode(std::string_view text, std::vector<uint8_t> &out, Base64 alphabet, bool skip_whitespace) {
    return decode(text, out, alphabet, skip_whitespace);
}

size_t base64_decode(std::string_view text, std::string &out, Base64 alphabet, bool skip_whitespace) {
    return decode(text, out, alphabet, skip_whitespace);
}

}  // namespace dcmkit
