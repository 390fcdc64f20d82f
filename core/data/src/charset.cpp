// dcmkit — Specific Character Set decoding and encoding (PS3.5 6.1, PS3.3 C.12.1.1.2).
//
// ISO 2022 text is handled by one state machine over the G0 (GL, bytes 21-7E) and G1 (GR, bytes
// A0-FF) designations; PS3.5 6.1.2.5.1: G0 and G1 are always invoked in GL and GR, G2/G3 and
// locking shifts are not used. The code tables of the individual sets come from glibc iconv once,
// lazily, into immutable lookup tables (thread-safe, no iconv call per value). GB18030 and GBK,
// which are not ISO 2022 codes, go through iconv with a per-thread descriptor cache.
#include "dcmkit/charset.h"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "dcmkit/error.h"
#include "utf8.h"

namespace dcmkit {

namespace detail {
enum class CodeElement : uint8_t {
    none = 0,
    // G0 sets, 94 characters, invoked in GL.
    ascii,      // ISO-IR 6
    jis_roman,  // ISO-IR 14, JIS X 0201 Romaji
    jis_x0208,  // ISO-IR 87, two bytes
    jis_x0212,  // ISO-IR 159, two bytes
    // G1 sets, invoked in GR.
    latin1,        // ISO-IR 100, ISO 8859-1
    latin2,        // ISO-IR 101, ISO 8859-2
    latin3,        // ISO-IR 109, ISO 8859-3
    latin4,        // ISO-IR 110, ISO 8859-4
    cyrillic,      // ISO-IR 144, ISO 8859-5
    arabic,        // ISO-IR 127, ISO 8859-6
    greek,         // ISO-IR 126, ISO 8859-7
    hebrew,        // ISO-IR 138, ISO 8859-8
    latin5,        // ISO-IR 148, ISO 8859-9
    latin9,        // ISO-IR 203, ISO 8859-15
    jis_katakana,  // ISO-IR 13, JIS X 0201 Katakana
    thai,          // ISO-IR 166, TIS 620-2533
    ks_x1001,      // ISO-IR 149, two bytes
    gb2312,        // ISO-IR 58, two bytes
    count
};
}  // namespace detail

namespace {

using detail::CodeElement;
using detail::is_ascii;
using detail::kInvalidUtf8;
using detail::next_utf8;

constexpr char kEsc = 0x1B;
constexpr char32_t kReplacement = 0xFFFD;
constexpr size_t kTwoByteTableSize = 94 * 94;

struct ElementInfo {
    bool g1;                 // designated to G1 (GR) rather than G0 (GL)
    bool two_byte;           // 94x94 set: two bytes per character
    const char *escape;      // designation escape sequence (PS3.3 Tables C.12-3, C.12-4)
    const char *iconv_name;  // glibc code table used to build the lookup table
    const char *name;        // for messages
};

// Indexed by CodeElement.
constexpr ElementInfo kElements[] = {
    {false, false, "", nullptr, "none"},
    {false, false, "\x1b(B", nullptr, "ISO-IR 6"},
    {false, false, "\x1b(J", nullptr, "ISO-IR 14"},
    {false, true, "\x1b$B", "EUC-JP", "ISO-IR 87"},
    // PS3.5 H.1: G0-DESIGNATE 94^n-SET keeps the second I byte 02/08 for final byte 04/04.
    {false, true, "\x1b$(D", "EUC-JP", "ISO-IR 159"},
    {true, false, "\x1b-A", "ISO-8859-1", "ISO-IR 100"},
    {true, false, "\x1b-B", "ISO-8859-2", "ISO-IR 101"},
    {true, false, "\x1b-C", "ISO-8859-3", "ISO-IR 109"},
    {true, false, "\x1b-D", "ISO-8859-4", "ISO-IR 110"},
    {true, false, "\x1b-L", "ISO-8859-5", "ISO-IR 144"},
    {true, false, "\x1b-G", "ISO-8859-6", "ISO-IR 127"},
    {true, false, "\x1b-F", "ISO-8859-7", "ISO-IR 126"},
    {true, false, "\x1b-H", "ISO-8859-8", "ISO-IR 138"},
    {true, false, "\x1b-M", "ISO-8859-9", "ISO-IR 148"},
    {true, false, "\x1b-b", "ISO-8859-15", "ISO-IR 203"},
    // glibc has no stand-alone JIS X 0201 table: the katakana are EUC-JP's single shift 2 (8/14).
    {true, false, "\x1b)I", "EUC-JP", "ISO-IR 13"},
    {true, false, "\x1b-T", "TIS-620", "ISO-IR 166"},
    {true, true, "\x1b$)C", "EUC-KR", "ISO-IR 149"},
    {true, true, "\x1b$)A", "EUC-CN", "ISO-IR 58"},
};
static_assert(sizeof(kElements) / sizeof(kElements[0]) == size_t(CodeElement::count),
              "kElements must list every CodeElement");

const ElementInfo &info(CodeElement e) { return kElements[size_t(e)]; }

std::string code_point_name(char32_t cp) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "U+%04X", unsigned(cp));
    return buffer;
}

[[noreturn]] void throw_invalid_utf8(size_t offset) {
    throw Error(Errc::charset, "text to encode is not valid UTF-8", int64_t(offset));
}

// ---------------------------------------------------------------------------------------------
// iconv

class Iconv {
public:
    Iconv(const char *to, const char *from) : cd_(iconv_open(to, from)) {}
    ~Iconv() {
        if (valid()) iconv_close(cd_);
    }
    Iconv(const Iconv &) = delete;
    Iconv &operator=(const Iconv &) = delete;

    bool valid() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
    void reset() { iconv(cd_, nullptr, nullptr, nullptr, nullptr); }
    /// Converts all of `in`; returns false (and leaves `in` at the offending byte) on EILSEQ/EINVAL.
    bool convert(std::string_view &in, std::string &out) {
        char *src = const_cast<char *>(in.data());
        size_t src_left = in.size();
        while (src_left > 0) {
            char chunk[256];
            char *dst = chunk;
            size_t dst_left = sizeof chunk;
            const size_t rc = iconv(cd_, &src, &src_left, &dst, &dst_left);
            out.append(chunk, size_t(dst - chunk));
            if (rc == size_t(-1) && errno != E2BIG) {
                in = std::string_view(src, src_left);
                return false;
            }
        }
        in = std::string_view(src, 0);
        return true;
    }

private:
    iconv_t cd_;
};

/// Converts one character of a code table to a code point; kReplacement if it is not mapped.
char32_t table_entry(Iconv &cd, const char *bytes, size_t length) {
    cd.reset();
    std::string_view in(bytes, length);
    std::string out;
    if (!cd.convert(in, out) || out.size() != 4) return kReplacement;
    return char32_t(uint8_t(out[0])) | char32_t(uint8_t(out[1])) << 8 |
           char32_t(uint8_t(out[2])) << 16 | char32_t(uint8_t(out[3])) << 24;
}

/// The code table of one G1 single-byte set or one 94x94 set, built once from glibc iconv.
struct CodeTable {
    /// Single-byte G1 sets: code points of bytes 80-FF. Two-byte sets: 94x94 code points, row-major
    /// from 21/21. kReplacement where nothing is mapped.
    std::vector<char32_t> to_unicode;
    /// The reverse: byte (80-FF) or GL byte pair (2121-7E7E) for each mapped code point.
    std::unordered_map<char32_t, uint16_t> from_unicode;
};

CodeTable build_table(CodeElement element) {
    const ElementInfo &ei = info(element);
    CodeTable table;
    Iconv cd("UTF-32LE", ei.iconv_name);
    const auto add = [&](uint16_t code, const char *bytes, size_t length) {
        const char32_t cp = cd.valid() ? table_entry(cd, bytes, length) : kReplacement;
        table.to_unicode.push_back(cp);
        if (cp != kReplacement) table.from_unicode.emplace(cp, code);  // first code wins
    };
    if (!ei.two_byte) {
        const bool ss2 = element == CodeElement::jis_katakana;
        for (unsigned b = 0x80; b <= 0xFF; ++b) {
            const char euc[2] = {char(0x8E), char(b)};
            add(uint16_t(b), ss2 ? euc : euc + 1, ss2 ? 2 : 1);
        }
        return table;
    }
    table.to_unicode.reserve(kTwoByteTableSize);
    for (unsigned row = 0x21; row <= 0x7E; ++row) {
        for (unsigned cell = 0x21; cell <= 0x7E; ++cell) {
            // PS3.5 Annex H/I/K: the EUC forms of these sets are the GR (high-bit) byte pairs;
            // JIS X 0212 is reached in EUC-JP through single shift 3 (8/15).
            const char euc[3] = {char(0x8F), char(row | 0x80), char(cell | 0x80)};
            const bool ss3 = element == CodeElement::jis_x0212;
            add(uint16_t(row << 8 | cell), ss3 ? euc : euc + 1, ss3 ? 3 : 2);
        }
    }
    return table;
}

const CodeTable &code_table(CodeElement element) {
    static std::array<std::once_flag, size_t(CodeElement::count)> once;
    static std::array<std::unique_ptr<const CodeTable>, size_t(CodeElement::count)> tables;
    const size_t index = size_t(element);
    std::call_once(once[index],
                   [&] { tables[index] = std::make_unique<const CodeTable>(build_table(element)); });
    return *tables[index];
}

/// Per-thread iconv descriptors for the non-ISO 2022 multi-byte codes.
enum class Converter : uint8_t { from_gb18030, to_gb18030, from_gbk, to_gbk, count };

Iconv &converter(Converter c) {
    thread_local std::array<std::unique_ptr<Iconv>, size_t(Converter::count)> cache;
    std::unique_ptr<Iconv> &slot = cache[size_t(c)];
    if (!slot) {
        switch (c) {
        case Converter::from_gb18030: slot = std::make_unique<Iconv>("UTF-8", "GB18030"); break;
        case Converter::to_gb18030: slot = std::make_unique<Iconv>("GB18030", "UTF-8"); break;
        case Converter::from_gbk: slot = std::make_unique<Iconv>("UTF-8", "GBK"); break;
        default: slot = std::make_unique<Iconv>("GBK", "UTF-8"); break;
        }
    }
    return *slot;
}

// ---------------------------------------------------------------------------------------------
// ISO 2022 decoding

struct Designation {
    CodeElement g0;
    CodeElement g1;
};

/// PS3.5 6.1.2.5.3: delimiters before which the value-1 sets are active again, and after which a
/// set other than those must be designated anew: '\' between values of multi-valued VRs, and '^'
/// and '=' between the components and component groups of PN.
bool is_delimiter(char32_t c, VR vr) {
    if (c == '\\') return !vr_is_single_valued_text(vr);
    return vr == VR::PN && (c == '^' || c == '=');
}

/// Recognises the escape sequence at the start of `s` (which begins with ESC). Sets `length` to
/// the bytes it spans (ESC + intermediates + final, or 1 when malformed) and returns the set it
/// designates, or none when it is unknown or malformed.
CodeElement parse_escape(std::string_view s, size_t &length) {
    size_t k = 1;
    while (k < s.size() && uint8_t(s[k]) >= 0x20 && uint8_t(s[k]) <= 0x2F) ++k;  // intermediates
    if (k >= s.size() || uint8_t(s[k]) < 0x30 || uint8_t(s[k]) > 0x7E) {
        length = 1;
        return CodeElement::none;
    }
    length = k + 1;
    const std::string_view sequence = s.substr(0, length);
    for (size_t e = 1; e < size_t(CodeElement::count); ++e)
        if (sequence == kElements[e].escape) return CodeElement(e);
    if (sequence == "\x1b$@") return CodeElement::jis_x0208;  // JIS C 6226-1978 (ISO-IR 42), lenient
    return CodeElement::none;
}

std::string decode_iso2022(std::string_view in, Designation initial, VR vr) {
    const bool multi_valued = !vr_is_single_valued_text(vr);
    std::string out;
    out.reserve(in.size() + in.size() / 2);
    Designation current = initial;
    size_t i = 0;
    while (i < in.size()) {
        const uint8_t b = uint8_t(in[i]);
        if (b == uint8_t(kEsc)) {
            size_t length;
            const CodeElement e = parse_escape(in.substr(i), length);
            if (e == CodeElement::none)
                append_utf8(out, kReplacement);
            else if (info(e).g1)
                current.g1 = e;
            else
                current.g0 = e;
            i += length;
            continue;
        }
        if (b < 0x20) {
            // PS3.5 6.1.2.5.3: the value-1 sets are active again at CR, LF, FF, TAB and any other
            // control character, so each line starts in the initial state.
            out += char(b);
            current = initial;
            ++i;
            continue;
        }
        if (b < 0x80) {  // GL: G0
            if (info(current.g0).two_byte && b != 0x20 && b != 0x7F) {
                const uint8_t cell = i + 1 < in.size() ? uint8_t(in[i + 1]) : 0;
                if (cell < 0x21 || cell > 0x7E) {
                    append_utf8(out, kReplacement);
                    ++i;
                    continue;
                }
                append_utf8(out, code_table(current.g0).to_unicode[(b - 0x21) * 94 + (cell - 0x21)]);
                i += 2;
                continue;
            }
            // PS3.5 6.1.2.3 Note 3: ISO-IR 14 differs from ISO-IR 6 in 05/12 (YEN SIGN) and 07/14
            // (OVERLINE); 05/12 remains the value delimiter of multi-valued VRs (6.1.2.5.3).
            char32_t cp = b;
            if (current.g0 == CodeElement::jis_roman) {
                if (b == 0x5C && !multi_valued) cp = 0xA5;
                if (b == 0x7E) cp = 0x203E;
            }
            append_utf8(out, cp);
            if (is_delimiter(b, vr)) current = initial;
            ++i;
            continue;
        }
        // GR: G1. Without a G1 set (default repertoire) bytes are read as ISO 8859-1, leniently.
        if (current.g1 == CodeElement::none) {
            append_utf8(out, b);
            ++i;
            continue;
        }
        const CodeTable &table = code_table(current.g1);
        if (!info(current.g1).two_byte) {
            append_utf8(out, table.to_unicode[b - 0x80]);
            ++i;
            continue;
        }
        const uint8_t cell = i + 1 < in.size() ? uint8_t(in[i + 1]) : 0;
        if (b < 0xA1 || b > 0xFE || cell < 0xA1 || cell > 0xFE) {
            append_utf8(out, kReplacement);
            ++i;
            continue;
        }
        append_utf8(out, table.to_unicode[(b - 0xA1) * 94 + (cell - 0xA1)]);
        i += 2;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// ISO 2022 encoding

/// The bytes of `cp` in `element` (1 or 2 of them, GL or GR as the set is invoked), or 0 bytes when
/// the set cannot represent it.
struct Encoded {
    uint8_t length = 0;
    uint8_t bytes[2] = {0, 0};
};

Encoded encode_in(CodeElement element, char32_t cp, VR vr) {
    Encoded result;
    const auto single = [&](unsigned b) {
        result.length = 1;
        result.bytes[0] = uint8_t(b);
        return result;
    };
    switch (element) {
    case CodeElement::none: return result;
    case CodeElement::ascii: return cp > 0x20 && cp < 0x80 ? single(cp) : result;
    case CodeElement::jis_roman:
        // PS3.5 6.1.2.3 Note 3; 05/12 cannot carry YEN SIGN where it delimits values.
        if (cp == 0xA5) return vr_is_single_valued_text(vr) ? single(0x5C) : result;
        if (cp == 0x203E) return single(0x7E);
        return cp > 0x20 && cp < 0x80 && cp != 0x5C && cp != 0x7E ? single(cp) : result;
    default: break;
    }
    if (cp < 0x80) return result;  // ASCII characters are always taken from G0
    const CodeTable &table = code_table(element);
    const auto found = table.from_unicode.find(cp);
    if (found == table.from_unicode.end()) return result;
    if (!info(element).two_byte) return single(found->second);
    const uint8_t high_bit = info(element).g1 ? 0x80 : 0x00;
    result.length = 2;
    result.bytes[0] = uint8_t((found->second >> 8) | high_bit);
    result.bytes[1] = uint8_t((found->second & 0xFF) | high_bit);
    return result;
}

std::string describe_terms(const std::vector<std::string> &terms) {
    if (terms.empty()) return "the default repertoire (ISO-IR 6)";
    std::string text = "Specific Character Set '";
    for (size_t i = 0; i < terms.size(); ++i) text += (i ? "\\" : "") + terms[i];
    return text + "'";
}

// ---------------------------------------------------------------------------------------------
// GB18030, GBK (PS3.5 Annex J): not ISO 2022 codes, converted as a whole by iconv.

std::string decode_with_iconv(std::string_view in, Converter which) {
    if (is_ascii(in)) return std::string(in);
    Iconv &cd = converter(which);
    std::string out;
    out.reserve(in.size() * 3 / 2 + 4);
    if (!cd.valid()) {  // no code table available: keep ASCII, flag the rest
        for (char c : in) append_utf8(out, uint8_t(c) < 0x80 ? char32_t(c) : kReplacement);
        return out;
    }
    cd.reset();
    while (!cd.convert(in, out)) {
        append_utf8(out, kReplacement);  // EILSEQ or a truncated sequence: skip one byte
        in.remove_prefix(1);
        cd.reset();
    }
    return out;
}

std::string encode_with_iconv(std::string_view utf8, Converter which, const char *name) {
    for (size_t i = 0; i < utf8.size();)
        if (next_utf8(utf8, i) == kInvalidUtf8) throw_invalid_utf8(i - 1);
    if (is_ascii(utf8)) return std::string(utf8);
    Iconv &cd = converter(which);
    if (!cd.valid()) throw Error(Errc::charset, std::string("no ") + name + " converter available");
    cd.reset();
    std::string out;
    out.reserve(utf8.size() * 2);
    const std::string_view all = utf8;
    if (!cd.convert(utf8, out)) {
        size_t at = size_t(utf8.data() - all.data());
        const size_t offset = at;
        const char32_t cp = next_utf8(all, at);
        throw Error(Errc::charset, "character " + code_point_name(cp) + " cannot be represented in " + name,
                    int64_t(offset));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Defined terms (PS3.3 Tables C.12-2 to C.12-5)

struct TermSets {
    CodeElement g0;
    CodeElement g1;
};

/// The sets of "ISO_IR <number>" / "ISO 2022 IR <number>"; multi-byte sets exist only in the
/// ISO 2022 form (Table C.12-4).
bool sets_for_number(unsigned number, bool iso2022_form, TermSets &sets) {
    using E = CodeElement;
    switch (number) {
    case 6: sets = {E::ascii, E::none}; return true;
    case 100: sets = {E::ascii, E::latin1}; return true;
    case 101: sets = {E::ascii, E::latin2}; return true;
    case 109: sets = {E::ascii, E::latin3}; return true;
    case 110: sets = {E::ascii, E::latin4}; return true;
    case 144: sets = {E::ascii, E::cyrillic}; return true;
    case 127: sets = {E::ascii, E::arabic}; return true;
    case 126: sets = {E::ascii, E::greek}; return true;
    case 138: sets = {E::ascii, E::hebrew}; return true;
    case 148: sets = {E::ascii, E::latin5}; return true;
    case 203: sets = {E::ascii, E::latin9}; return true;
    // Table C.12-2 Note: ISO_IR 13 designates ISO-IR 13 to G1 and ISO-IR 14 to G0.
    case 13: sets = {E::jis_roman, E::jis_katakana}; return true;
    case 166: sets = {E::ascii, E::thai}; return true;
    default: break;
    }
    if (!iso2022_form) return false;
    switch (number) {
    case 87: sets = {E::jis_x0208, E::none}; return true;
    case 159: sets = {E::jis_x0212, E::none}; return true;
    case 149: sets = {E::none, E::ks_x1001}; return true;
    case 58: sets = {E::none, E::gb2312}; return true;
    default: return false;
    }
}

bool consume(std::string_view &s, std::string_view prefix) {
    if (s.substr(0, prefix.size()) != prefix) return false;
    s.remove_prefix(prefix.size());
    return true;
}

bool parse_number(std::string_view s, unsigned &number) {
    if (s.empty() || s.size() > 4) return false;
    number = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        number = number * 10 + unsigned(c - '0');
    }
    return true;
}

/// Parses "ISO 2022 IR n", "ISO_IR n" and the misspellings "ISO IR n", "ISO-IR n", "ISO_IRn".
bool parse_iso_term(std::string_view term, TermSets &sets, bool &iso2022_form) {
    unsigned number;
    std::string_view rest = term;
    if (consume(rest, "ISO 2022 IR ")) {
        iso2022_form = true;
        return parse_number(rest, number) && sets_for_number(number, true, sets);
    }
    iso2022_form = false;
    if (!consume(rest, "ISO")) return false;
    if (!rest.empty() && (rest[0] == '_' || rest[0] == ' ' || rest[0] == '-')) rest.remove_prefix(1);
    if (!consume(rest, "IR")) return false;
    if (!rest.empty() && (rest[0] == '_' || rest[0] == ' ' || rest[0] == '-')) rest.remove_prefix(1);
    return parse_number(rest, number) && sets_for_number(number, false, sets);
}

std::string_view trim(std::string_view s) {
    const auto is_pad = [](char c) { return c == ' ' || c == '\0'; };
    while (!s.empty() && is_pad(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_pad(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace

void append_utf8(std::string &out, char32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

// ---------------------------------------------------------------------------------------------
// CharacterSet

CharacterSet::CharacterSet()
    : initial_g0_(CodeElement::ascii), initial_g1_(CodeElement::none), available_{CodeElement::ascii} {}

CharacterSet CharacterSet::from_value(std::string_view specific_character_set) {
    CharacterSet cs;
    if (trim(specific_character_set).empty()) return cs;

    for (size_t start = 0;;) {
        const size_t end = specific_character_set.find('\\', start);
        cs.terms_.emplace_back(trim(specific_character_set.substr(start, end - start)));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }

    // Classify every term first, so that an unknown term is always reported.
    struct Parsed {
        Encoding encoding = Encoding::iso2022;
        TermSets sets{CodeElement::ascii, CodeElement::none};  // empty term: ISO-IR 6
    };
    std::vector<Parsed> parsed(cs.terms_.size());
    for (size_t i = 0; i < cs.terms_.size(); ++i) {
        const std::string &term = cs.terms_[i];
        if (term.empty()) continue;
        // PS3.3 Table C.12-5: the stand-alone, variable-length codes.
        if (term == "ISO_IR 192") {
            parsed[i].encoding = Encoding::utf8;
        } else if (term == "GB18030") {
            parsed[i].encoding = Encoding::gb18030;
        } else if (term == "GBK") {
            parsed[i].encoding = Encoding::gbk;
        } else {
            bool iso2022_form;
            if (!parse_iso_term(term, parsed[i].sets, iso2022_form))
                throw Error(Errc::charset, "unknown Specific Character Set defined term '" + term + "'",
                            -1, tags::SpecificCharacterSet.value);
        }
    }

    // PS3.5 6.1.2.4 Note 3 / 6.1.2.5.4 d: UTF-8, GB18030 and GBK do not allow code extensions.
    // As value 1 they define the whole encoding; as a later value they are ignored.
    if (parsed[0].encoding != Encoding::iso2022) {
        cs.encoding_ = parsed[0].encoding;
        cs.available_.clear();
        return cs;
    }

    // PS3.5 6.1.2.5.4: value 1 gives the initial G0 and G1 designations (ISO-IR 6 and no G1 when
    // value 1 is empty); all values may take part in code extensions.
    cs.available_.clear();
    const TermSets &first = parsed[0].sets;
    cs.initial_g0_ = info(first.g0).two_byte || first.g0 == CodeElement::none ? CodeElement::ascii : first.g0;
    cs.initial_g1_ = first.g1;
    const auto make_available = [&](CodeElement e) {
        if (e == CodeElement::none) return;
        for (CodeElement a : cs.available_)
            if (a == e) return;
        cs.available_.push_back(e);
    };
    make_available(cs.initial_g0_);
    make_available(cs.initial_g1_);
    for (const Parsed &p : parsed) {
        if (p.encoding != Encoding::iso2022) continue;
        make_available(p.sets.g0);
        make_available(p.sets.g1);
    }
    return cs;
}

bool CharacterSet::is_default() const {
    return encoding_ == Encoding::iso2022 && initial_g0_ == CodeElement::ascii &&
           initial_g1_ == CodeElement::none && available_.size() == 1;
}

const std::vector<std::string> &CharacterSet::terms() const { return terms_; }

std::string CharacterSet::decode(std::string_view bytes, VR vr) const {
    if (!vr_uses_charset(vr)) return std::string(bytes);
    switch (encoding_) {
    case Encoding::utf8: {
        // PS3.5 6.1.2.5.4 d: ISO_IR 192 is UTF-8 as is; ill-formed sequences become U+FFFD.
        std::string out;
        size_t copied = 0;
        for (size_t i = 0; i < bytes.size();) {
            const size_t start = i;
            if (next_utf8(bytes, i) != kInvalidUtf8) continue;
            out.append(bytes.data() + copied, start - copied);
            append_utf8(out, kReplacement);
            copied = i;
        }
        out.append(bytes.data() + copied, bytes.size() - copied);
        return out;
    }
    case Encoding::gb18030: return decode_with_iconv(bytes, Converter::from_gb18030);
    case Encoding::gbk: return decode_with_iconv(bytes, Converter::from_gbk);
    case Encoding::iso2022: break;
    }
    if (initial_g0_ == CodeElement::ascii) {  // fast path: plain ASCII needs no conversion
        bool plain = true;
        for (char c : bytes) {
            if (uint8_t(c) >= 0x80 || c == kEsc) {
                plain = false;
                break;
            }
        }
        if (plain) return std::string(bytes);
    }
    return decode_iso2022(bytes, {initial_g0_, initial_g1_}, vr);
}

std::string CharacterSet::encode(std::string_view utf8, VR vr) const {
    if (!vr_uses_charset(vr)) return std::string(utf8);
    switch (encoding_) {
    case Encoding::utf8:
        for (size_t i = 0; i < utf8.size();)
            if (next_utf8(utf8, i) == kInvalidUtf8) throw_invalid_utf8(i - 1);
        return std::string(utf8);
    case Encoding::gb18030: return encode_with_iconv(utf8, Converter::to_gb18030, "GB18030");
    case Encoding::gbk: return encode_with_iconv(utf8, Converter::to_gbk, "GBK");
    case Encoding::iso2022: break;
    }

    const Designation initial{initial_g0_, initial_g1_};
    Designation current = initial;
    std::string out;
    out.reserve(utf8.size() + 8);
    // PS3.5 6.1.2.5.3: before delimiters, control characters and the end of the value the sets
    // of value 1 shall be active again. There is no escape to make G1 empty, so an empty initial
    // G1 is left as is; `current` still forgets the designation so that the next use re-designates
    // (PS3.5 I.2, K.2: an escape in every component that uses the set).
    const auto restore_initial = [&] {
        if (current.g0 != initial.g0) out += info(initial.g0).escape;
        if (current.g1 != initial.g1 && initial.g1 != CodeElement::none) out += info(initial.g1).escape;
        current = initial;
    };

    for (size_t i = 0; i < utf8.size();) {
        const size_t offset = i;
        const char32_t cp = next_utf8(utf8, i);
        if (cp == kInvalidUtf8) throw_invalid_utf8(offset);
        if (cp == char32_t(kEsc))
            throw Error(Errc::charset, "ESC (U+001B) is reserved for ISO 2022 escape sequences", int64_t(offset));
        if (cp < 0x20 || is_delimiter(cp, vr)) {
            restore_initial();
            out += char(cp);
            continue;
        }
        if (cp == 0x20) {  // PS3.5 H.2: SPACE needs no escape in DICOM, whatever G0 holds
            out += ' ';
            continue;
        }
        // Prefer the sets already designated, then those of value 1, then the others in term order.
        const CodeElement preferred[] = {current.g0, current.g1, initial.g0, initial.g1};
        Encoded encoded;
        CodeElement chosen = CodeElement::none;
        for (CodeElement e : preferred) {
            encoded = encode_in(e, cp, vr);
            if (encoded.length) {
                chosen = e;
                break;
            }
        }
        for (size_t k = 0; !encoded.length && k < available_.size(); ++k) {
            encoded = encode_in(available_[k], cp, vr);
            if (encoded.length) chosen = available_[k];
        }
        if (!encoded.length)
            throw Error(Errc::charset,
                        "character " + code_point_name(cp) + " cannot be represented in " + describe_terms(terms_),
                        int64_t(offset));
        // PS3.5 6.1.2.5.3: designate a set before its first use in the value, line and component.
        CodeElement &slot = info(chosen).g1 ? current.g1 : current.g0;
        if (slot != chosen) {
            out += info(chosen).escape;
            slot = chosen;
        }
        out.append(reinterpret_cast<const char *>(encoded.bytes), encoded.length);
    }
    restore_initial();
    return out;
}

}  // namespace dcmkit
