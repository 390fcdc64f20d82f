// dcmkit — UTF-8 well-formedness (Unicode Table 3-7, RFC 3629 section 4), internal to the data layer:
// the character sets (charset.cpp) and the DICOM JSON model (json_*.cpp) check and decode UTF-8 with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dcmkit::detail {

constexpr char32_t kInvalidUtf8 = 0xFFFFFFFF;

/// Reads the code point at s[i] and advances i. On an ill-formed sequence (Unicode Table 3-7)
/// returns kInvalidUtf8 and advances past its maximal subpart (at least one byte).
inline char32_t next_utf8(std::string_view s, size_t &i) {
    const auto byte = [&](size_t k) { return uint8_t(s[k]); };
    const uint8_t lead = byte(i);
    if (lead < 0x80) {
        ++i;
        return lead;
    }
    size_t length;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    char32_t cp;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, cp = lead & 0x0F;
        if (lead == 0xE0) lo = 0xA0;
        if (lead == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, cp = lead & 0x07;
        if (lead == 0xF0) lo = 0x90;
        if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        ++i;
        return kInvalidUtf8;
    }
    size_t k = 1;
    for (; k < length; ++k) {
        if (i + k >= s.size()) break;
        const uint8_t b = byte(i + k);
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
        cp = (cp << 6) | (b & 0x3F);
    }
    i += k;
    return k == length ? cp : kInvalidUtf8;
}

inline bool is_ascii(std::string_view s) {
    for (char c : s)
        if (uint8_t(c) >= 0x80) return false;
    return true;
}

}  // namespace dcmkit::detail
