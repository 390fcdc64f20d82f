// dcmkit — Specific Character Set (0008,0005): decoding text values to UTF-8 and encoding them back.
//
// PS3.5 6.1 and PS3.3 C.12.1.1.2. Values of SH, LO, ST, LT, PN, UC and UT (vr_uses_charset()) are
// converted; all other VRs are passed through unchanged.
//
// Supported defined terms
//   without code extensions (single value): ISO_IR 6 (or empty: the default repertoire),
//     ISO_IR 100/101/109/110/144/127/126/138/148/203, ISO_IR 13 (JIS X 0201), ISO_IR 166 (TIS 620),
//     ISO_IR 192 (UTF-8), GB18030, GBK;
//   with code extensions (ISO 2022): ISO 2022 IR 6/100/101/109/110/144/127/126/138/148/203/13/166,
//     ISO 2022 IR 87 (JIS X 0208), ISO 2022 IR 159 (JIS X 0212), ISO 2022 IR 149 (KS X 1001),
//     ISO 2022 IR 58 (GB 2312).
//
// Leniency (reading real-world files):
//   - spellings "ISO IR 100", "ISO-IR 100", "ISO_IR100" are read as "ISO_IR 100";
//   - in a multi-valued Specific Character Set an "ISO_IR nnn" term is read as "ISO 2022 IR nnn";
//   - ISO_IR 192, GB18030 and GBK cannot take part in code extensions (PS3.5 6.1.2.4 Note 3): as
//     value 1 they win and the other values are ignored, as a later value they are ignored;
//   - a single-valued ISO 2022 term for a G1 multi-byte set (e.g. "ISO 2022 IR 149" alone) designates
//     that set as the initial G1, so undesignated EUC-style bytes decode;
//   - decode() recognises every supported escape sequence, declared or not, and never throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/tag.h"

namespace dcmkit {

namespace detail {
/// A graphic character set that can be designated to G0 or G1 (PS3.3 Tables C.12-2 to C.12-4).
/// Defined in charset.cpp.
enum class CodeElement : uint8_t;
}  // namespace detail

class CharacterSet {
public:
    /// The default repertoire, ISO-IR 6 (ASCII). decode() never throws: bytes >= 0x80 are read as
    /// ISO 8859-1 as a fallback. encode() accepts ASCII only.
    CharacterSet();

    /// From the raw value of (0008,0005) Specific Character Set: backslash-separated defined terms,
    /// e.g. "ISO_IR 100", "ISO 2022 IR 6\\ISO 2022 IR 87", "\\ISO 2022 IR 149", "ISO_IR 192",
    /// "GB18030", "GBK". Leading/trailing spaces of each term are trimmed; an empty value 1 means
    /// ISO 2022 IR 6. An unknown term throws Error(Errc::charset).
    static CharacterSet from_value(std::string_view specific_character_set);

    /// Decodes the value bytes of an element with VR `vr` to UTF-8. Only VRs for which
    /// vr_uses_charset() is true are converted; others are returned as-is. Never throws on bad
    /// bytes: each undecodable byte sequence becomes U+FFFD. Padding is kept (callers trim it).
    std::string decode(std::string_view bytes, VR vr) const;

    /// Encodes UTF-8 text to this character set for VR `vr` (others are returned as-is). Throws
    /// Error(Errc::charset) when the input is not valid UTF-8 or a character cannot be represented.
    /// For ISO 2022 code extensions, escape sequences are emitted before the first use of a set in
    /// each value, line, PN component and component group, and the value-1 sets are re-designated
    /// before delimiters, control characters and the end of the value (PS3.5 6.1.2.5.3).
    std::string encode(std::string_view utf8, VR vr) const;

    /// Plain ASCII repertoire: no conversion is needed for ASCII text.
    bool is_default() const;

    /// The defined terms as given (each trimmed); empty for the default repertoire.
    const std::vector<std::string> &terms() const;

private:
    using CodeElement = detail::CodeElement;
    enum class Encoding : uint8_t { iso2022, utf8, gb18030, gbk };

    std::vector<std::string> terms_;
    Encoding encoding_ = Encoding::iso2022;
    CodeElement initial_g0_{};         ///< designated to G0 at the start of a value, line, component
    CodeElement initial_g1_{};         ///< designated to G1 at the start (none for an empty value 1)
    std::vector<CodeElement> available_;  ///< sets the encoder may use, in term order
};

/// Appends code point `cp` to `out` as UTF-8 (RFC 3629); the caller passes valid scalar values.
void append_utf8(std::string &out, char32_t cp);

}  // namespace dcmkit
