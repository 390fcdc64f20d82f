// dcmkit — the DICOM JSON Model (PS3.18 Annex F). See dcmkit/json.h for the rules and decisions.
//
// The reader is a strict RFC 8259 recursive-descent parser that builds the Dataset directly (no JSON
// tree in between, so a hostile array of a million nulls costs what the dataset costs). Text of the
// VRs affected by Specific Character Set is first stored as UTF-8; once the whole document is read
// (the (0008,0005) of a dataset may come after its text, JSON members being unordered), a second
// pass encodes it into the character set in force.
#include "dcmkit/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

#include "dcmkit/base64.h"
#include "dcmkit/charset.h"
#include "dcmkit/error.h"
#include "json_detail.h"

namespace dcmkit {

namespace {

using namespace json_detail;

constexpr uint32_t kNoTag = 0xFFFFFFFFu;

// -- small helpers ------------------------------------------------------------------------------------

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();)
        if (next_utf8(s, i) == kInvalidUtf8) return false;
    return true;
}

/// %.{prec}g in the classic locale.
std::string format_general(double v, int prec) {
#ifdef DK_FLOAT_CHARCONV
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, prec);
    return std::string(buf, r.ptr);
#else
    std::ostringstream o;
    o.imbue(std::locale::classic());
    o.precision(prec);
    o << v;
    return o.str();
#endif
}

void pad_even(std::string &raw, VR vr) {
    if (raw.size() & 1) raw += vr_padding(vr);
}

/// PS3.18 F.2.2: the VRs whose Value Field may be replaced by a BulkDataURI.
bool bulk_uri_allowed(VR vr) {
    switch (vr) {
    case VR::DS: case VR::FL: case VR::FD: case VR::IS: case VR::LT: case VR::OB: case VR::OD: case VR::OF:
    case VR::OL: case VR::OV: case VR::OW: case VR::SL: case VR::SS: case VR::ST: case VR::SV: case VR::UC:
    case VR::UL: case VR::UN: case VR::US: case VR::UT: case VR::UV:
        return true;
    default:
        return false;
    }
}

// =====================================================================================================
// Reader
// =====================================================================================================

bool has_scheme(std::string_view uri, std::string_view &scheme) {
    // RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":". One letter is taken
    // as a drive letter ("C:\..."), i.e. a path.
    size_t colon = uri.find(':');
    if (colon == std::string_view::npos || colon < 2) return false;
    for (size_t i = 0; i < colon; ++i) {
        char c = uri[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!(alpha || (i > 0 && (is_digit(c) || c == '+' || c == '-' || c == '.')))) return false;
    }
    scheme = uri.substr(0, colon);
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool parse_u64(std::string_view s, uint64_t &v) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

/// The default bulk loader: "file:" URIs (RFC 8089, with an optional "?offset=N&length=M" byte range)
/// and plain paths.
Bytes load_bulk_file(std::string_view uri, Tag tag) {
    std::string path;
    uint64_t offset = 0, length = 0;
    bool ranged = false;
    std::string_view scheme;
    if (has_scheme(uri, scheme)) {
        if (!iequals(scheme, "file"))
            throw Error(Errc::unsupported,
                        "BulkDataURI scheme '" + std::string(scheme) + "' needs a JsonReadOptions::bulk_loader", -1,
                        tag.value);
        std::string_view rest = uri.substr(scheme.size() + 1);
        size_t q = rest.find('?');
        std::string_view query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
        rest = rest.substr(0, q);
        if (size_t h = rest.find('#'); h != std::string_view::npos) rest = rest.substr(0, h);
        if (rest.substr(0, 2) == "//") {  // file://host/path: only the local host
            size_t slash = rest.find('/', 2);
            std::string_view host = rest.substr(2, slash == std::string_view::npos ? std::string_view::npos : slash - 2);
            if (!host.empty() && !iequals(host, "localhost"))
                throw Error(Errc::unsupported, "BulkDataURI names a remote host '" + std::string(host) + "'", -1,
                            tag.value);
            rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
        }
        for (size_t i = 0; i < rest.size(); ++i) {  // percent-decoding (RFC 3986 section 2.1)
            if (rest[i] == '%' && i + 2 < rest.size() && hex_value(rest[i + 1]) >= 0 && hex_value(rest[i + 2]) >= 0) {
                path += char(hex_value(rest[i + 1]) * 16 + hex_value(rest[i + 2]));
                i += 2;
            } else {
                path += rest[i];
            }
        }
        while (!query.empty()) {
            size_t amp = query.find('&');
            std::string_view kv = query.substr(0, amp);
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
            size_t eq = kv.find('=');
            if (eq == std::string_view::npos) continue;
            std::string_view k = kv.substr(0, eq), v = kv.substr(eq + 1);
            if (k == "offset" || k == "length") {
                uint64_t n = 0;
                if (!parse_u64(v, n))
                    throw Error(Errc::bad_value, "BulkDataURI " + std::string(k) + " is not a number", -1, tag.value);
                (k == "offset" ? offset : length) = n;
                if (k == "length") ranged = true;
            }
        }
    } else {
        path = std::string(uri);
    }
    if (path.empty()) throw Error(Errc::bad_value, "BulkDataURI names no file", -1, tag.value);
    auto src = Source::open_file(path, true);
    if (!ranged) length = offset <= src->size() ? src->size() - offset : 0;
    if (offset > src->size() || length > src->size() - offset)
        throw Error(Errc::truncated, "BulkDataURI range runs past the end of '" + path + "'", -1, tag.value);
    return Bytes::copy(src->data() + offset, size_t(length));
}

class JsonReader {
public:
    JsonReader(std::string_view text, const JsonReadOptions &opt)
        : s_(text), opt_(opt), max_depth_(std::min(opt.max_depth, kMaxDepthCap)) {}

    Dataset read() {
        if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // RFC 8259 section 8.1: a BOM may be ignored
        Dataset ds;
        char c = peek();
        if (c == '{') {
            ds = parse_dataset(0);
        } else if (c == '[') {
            // PS3.18 F.2.1: multiple results are an array of objects; we read one dataset.
            size_t start = pos_++;
            if (peek() != '{') unexpected("a dataset object");
            ds = parse_dataset(0);
            if (peek() != ']')
                fail(Errc::malformed, "a JSON array of several datasets (PS3.18 F.2.1); from_json reads one", start);
            ++pos_;
        } else {
            unexpected("a DICOM JSON object");
        }
        ws();
        if (pos_ != s_.size()) fail(Errc::malformed, "unexpected data after the JSON value", pos_);
        finish_text(ds);
        return ds;
    }

private:
    // -- lexer --------------------------------------------------------------------------------------

    [[noreturn]] void fail(Errc code, const std::string &msg, size_t at, Tag tag = Tag(kNoTag)) const {
        throw Error(code, msg, int64_t(at), tag.value);
    }

    [[noreturn]] void unexpected(const char *expected, Tag tag = Tag(kNoTag)) const {
        if (pos_ >= s_.size()) fail(Errc::truncated, std::string("the JSON text ends where ") + expected + " was expected", pos_, tag);
        const unsigned char c = static_cast<unsigned char>(s_[pos_]);
        char what[32];
        if (c >= 0x20 && c < 0x7F) std::snprintf(what, sizeof what, "'%c'", c);
        else std::snprintf(what, sizeof what, "byte 0x%02X", c);
        fail(Errc::malformed, std::string("unexpected ") + what + ", expected " + expected, pos_, tag);
    }

    void ws() {
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            ++pos_;
        }
    }

    /// Next significant character, or '\0' at the end (a NUL byte is never valid JSON either).
    char peek() {
        ws();
        return pos_ < s_.size() ? s_[pos_] : '\0';
    }

    void expect(char c, const char *what, Tag tag = Tag(kNoTag)) {
        if (peek() != c) unexpected(what, tag);
        ++pos_;
    }

    unsigned hex4(size_t at) {
        if (at + 4 > s_.size()) fail(Errc::truncated, "the JSON text ends inside a \\u escape", at);
        unsigned v = 0;
        for (size_t i = at; i < at + 4; ++i) {
            int h = hex_value(s_[i]);
            if (h < 0) fail(Errc::malformed, "\\u must be followed by 4 hexadecimal digits", at);
            v = (v << 4) | unsigned(h);
        }
        return v;
    }

    /// A JSON string at pos_ (which holds '"'), decoded to UTF-8; invalid UTF-8 and lone surrogates throw.
    std::string parse_string() {
        if (peek() != '"') unexpected("a string");
        const size_t start = pos_++;
        std::string out;
        for (;;) {
            const size_t run = pos_;
            while (pos_ < s_.size()) {
                unsigned char c = static_cast<unsigned char>(s_[pos_]);
                if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
                ++pos_;
            }
            out.append(s_.data() + run, pos_ - run);
            if (pos_ >= s_.size()) fail(Errc::truncated, "unterminated string", start);
            const unsigned char c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c >= 0x80) {
                size_t end = pos_;
                if (next_utf8(s_, end) == kInvalidUtf8)
                    fail(Errc::malformed, "invalid UTF-8 in a string (RFC 8259 section 8.1)", pos_);
                out.append(s_.data() + pos_, end - pos_);
                pos_ = end;
                continue;
            }
            if (c < 0x20) fail(Errc::malformed, "control character in a string must be escaped", pos_);
            // An escape (RFC 8259 section 7).
            const size_t esc = pos_++;
            if (pos_ >= s_.size()) fail(Errc::truncated, "unterminated string", start);
            switch (s_[pos_++]) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                uint32_t cp = hex4(pos_);
                pos_ += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF) fail(Errc::malformed, "lone low surrogate in a \\u escape", esc);
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (s_.substr(pos_, 2) != "\\u") fail(Errc::malformed, "high surrogate without its low surrogate", esc);
                    uint32_t lo = hex4(pos_ + 2);
                    if (lo < 0xDC00 || lo > 0xDFFF) fail(Errc::malformed, "high surrogate without its low surrogate", esc);
                    pos_ += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                append_utf8(out, cp);
                break;
            }
            default: fail(Errc::malformed, "invalid escape in a string", esc);
            }
        }
    }

    /// The lexeme of a JSON number at pos_.
    std::string_view parse_number() {
        const size_t start = pos_;
        const size_t n = s_.size();
        auto digits = [&] {
            size_t d = pos_;
            while (pos_ < n && is_digit(s_[pos_])) ++pos_;
            return pos_ - d;
        };
        if (pos_ < n && s_[pos_] == '-') ++pos_;
        if (pos_ < n && s_[pos_] == '0') {
            ++pos_;
        } else if (digits() == 0) {
            fail(pos_ >= n ? Errc::truncated : Errc::malformed, "invalid number", start);
        }
        if (pos_ < n && s_[pos_] == '.') {
            ++pos_;
            if (digits() == 0) fail(Errc::malformed, "invalid number: no digit after '.'", start);
        }
        if (pos_ < n && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < n && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (digits() == 0) fail(Errc::malformed, "invalid number: no digit in the exponent", start);
        }
        return s_.substr(start, pos_ - start);
    }

    void literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) {
            if (s_.size() - pos_ < word.size() && word.substr(0, s_.size() - pos_) == s_.substr(pos_))
                fail(Errc::truncated, "the JSON text ends inside a literal", pos_);
            unexpected("a JSON value");
        }
        pos_ += word.size();
    }

    /// Validates and skips any JSON value; `budget` bounds its nesting.
    void skip_value(unsigned budget) {
        const char c = peek();
        switch (c) {
        case '"': parse_string(); return;
        case 't': literal("true"); return;
        case 'f': literal("false"); return;
        case 'n': literal("null"); return;
        case '{':
        case '[': {
            if (budget == 0) fail(Errc::too_deep, "JSON nesting too deep", pos_);
            const char close = c == '{' ? '}' : ']';
            ++pos_;
            if (peek() == close) {
                ++pos_;
                return;
            }
            for (;;) {
                if (c == '{') {
                    if (peek() != '"') unexpected("a member name");
                    parse_string();
                    expect(':', "':'");
                }
                skip_value(budget - 1);
                const char d = peek();
                if (d == ',') {
                    ++pos_;
                } else if (d == close) {
                    ++pos_;
                    return;
                } else {
                    unexpected(c == '{' ? "',' or '}'" : "',' or ']'");
                }
            }
        }
        default:
            if (c == '-' || is_digit(c)) {
                parse_number();
                return;
            }
            unexpected("a JSON value");
        }
    }

    /// Calls f() for each entry of the array at pos_ (which holds '[').
    template <typename F>
    void array_entries(Tag tag, F &&f) {
        ++pos_;
        if (peek() == ']') {
            ++pos_;
            return;
        }
        for (size_t i = 0;; ++i) {
            ws();
            f(i);
            const char c = peek();
            if (c == ',') {
                ++pos_;
                if (peek() == ']') fail(Errc::malformed, "trailing comma in an array", pos_, tag);
            } else if (c == ']') {
                ++pos_;
                return;
            } else {
                unexpected("',' or ']'", tag);
            }
        }
    }

    // -- the DICOM JSON Model -------------------------------------------------------------------------

    Tag parse_tag_text(std::string_view key, size_t at, const char *what, Errc code, Tag owner = Tag(kNoTag)) const {
        // PS3.18 F.2.2: the eight character uppercase hexadecimal representation of a DICOM Tag
        // (lowercase digits are accepted).
        uint32_t v = 0;
        bool ok = key.size() == 8;
        for (size_t i = 0; ok && i < 8; ++i) {
            int h = hex_value(key[i]);
            ok = h >= 0;
            v = (v << 4) | uint32_t(h < 0 ? 0 : h);
        }
        if (!ok) {
            std::string shown(key.substr(0, 40));
            fail(code, std::string(what) + " '" + shown + "' is not a tag of 8 hexadecimal digits (PS3.18 F.2.2)", at,
                 owner);
        }
        return Tag(v);
    }

    Dataset parse_dataset(unsigned depth) {
        // at '{'
        ++pos_;
        std::vector<Element> elements;
        std::vector<size_t> offsets;
        bool sorted = true;
        if (peek() == '}') {
            ++pos_;
            return Dataset();
        }
        for (;;) {
            if (peek() != '"') unexpected("a tag key");
            const size_t key_at = pos_;
            const std::string key = parse_string();
            const Tag tag = parse_tag_text(key, key_at, "key", Errc::malformed);
            if (tag.group() == 0xFFFE)
                fail(Errc::malformed, "item and delimitation tags are not attributes", key_at, tag);
            expect(':', "':'", tag);
            Element e = parse_attribute(tag, depth);
            // PS3.18 F.2.2: group lengths "shall not be included"; one that is, is ignored.
            if (!tag.is_group_length()) {
                if (!elements.empty() && !(elements.back().tag < tag)) sorted = false;
                elements.push_back(std::move(e));
                offsets.push_back(key_at);
            }
            const char c = peek();
            if (c == ',') {
                ++pos_;
            } else if (c == '}') {
                ++pos_;
                break;
            } else {
                unexpected("',' or '}'");
            }
        }
        Dataset ds;
        if (sorted) {
            for (Element &e : elements) ds.append(std::move(e));
            return ds;
        }
        // F.2.2 asks for ascending order, but JSON objects are unordered: sort, and refuse duplicates.
        std::vector<size_t> order(elements.size());
        std::iota(order.begin(), order.end(), size_t(0));
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return elements[a].tag < elements[b].tag; });
        for (size_t k = 1; k < order.size(); ++k) {
            if (elements[order[k]].tag == elements[order[k - 1]].tag)
                fail(Errc::malformed, "duplicate key", std::max(offsets[order[k]], offsets[order[k - 1]]),
                     elements[order[k]].tag);
        }
        for (size_t k : order) ds.append(std::move(elements[k]));
        return ds;
    }

    /// The "vr" of the attribute object at pos_, found without consuming it (it may follow "Value").
    VR find_vr(Tag tag, unsigned depth) {
        const size_t start = pos_;
        ++pos_;
        VR vr = VR::None;
        if (peek() != '}') {
            for (;;) {
                if (peek() != '"') unexpected("a member name", tag);
                const std::string name = parse_string();
                expect(':', "':'", tag);
                if (name == "vr") {
                    if (peek() != '"') fail(Errc::malformed, "\"vr\" must be a string", pos_, tag);
                    const size_t at = pos_;
                    const std::string text = parse_string();
                    vr = vr_from_string(text);
                    if (vr == VR::None) fail(Errc::bad_vr, "unknown VR '" + text.substr(0, 16) + "'", at, tag);
                    break;
                }
                skip_value(3 * (max_depth_ - depth) + 4);
                const char c = peek();
                if (c == ',') {
                    ++pos_;
                } else if (c == '}') {
                    break;
                } else {
                    unexpected("',' or '}'", tag);
                }
            }
        }
        if (vr == VR::None) fail(Errc::malformed, "attribute has no \"vr\" (PS3.18 F.2.2)", start, tag);
        pos_ = start;
        return vr;
    }

    Element parse_attribute(Tag tag, unsigned depth) {
        if (peek() != '{') fail(Errc::malformed, "an attribute must be a JSON object (PS3.18 F.2.2)", pos_, tag);
        const VR vr = find_vr(tag, depth);
        Element el(tag, vr);
        ++pos_;  // '{' (find_vr proved the object has at least the "vr" member)
        bool have_vr = false, have_value = false;
        for (;;) {
            if (peek() != '"') unexpected("a member name", tag);
            const size_t name_at = pos_;
            const std::string name = parse_string();
            expect(':', "':'", tag);
            if (name == "vr") {
                if (have_vr) fail(Errc::malformed, "duplicate \"vr\"", name_at, tag);
                have_vr = true;
                peek();
                parse_string();  // validated by find_vr
            } else if (name == "Value" || name == "InlineBinary" || name == "BulkDataURI") {
                // PS3.18 F.2.2: at most one of Value, BulkDataURI, InlineBinary.
                if (have_value)
                    fail(Errc::malformed, "more than one of \"Value\", \"InlineBinary\", \"BulkDataURI\"", name_at, tag);
                have_value = true;
                if (name == "Value") parse_value(el, depth);
                else if (name == "InlineBinary") parse_inline_binary(el);
                else parse_bulk_data_uri(el);
            } else {
                fail(Errc::malformed, "unknown member \"" + name.substr(0, 40) + "\" in an attribute", name_at, tag);
            }
            const char c = peek();
            if (c == ',') {
                ++pos_;
            } else if (c == '}') {
                ++pos_;
                return el;
            } else {
                unexpected("',' or '}'", tag);
            }
        }
    }

    [[noreturn]] void wrong_type(const Element &el, const char *expected) const {
        fail(Errc::bad_value, std::string("a value of VR ") + vr_name(el.vr) + " must be " + expected + " (PS3.18 F.2.3)",
             pos_, el.tag);
    }

    void parse_value(Element &el, unsigned depth) {
        const VR vr = el.vr;
        if (peek() != '[') fail(Errc::malformed, "\"Value\" must be an array (PS3.18 F.2.4)", pos_, el.tag);
        if (is_bulk_binary_vr(vr))
            fail(Errc::malformed,
                 std::string("VR ") + vr_name(vr) + " has no \"Value\"; use \"InlineBinary\" or \"BulkDataURI\" (PS3.18 F.2.2)",
                 pos_, el.tag);
        if (vr == VR::SQ) {
            array_entries(el.tag, [&](size_t) {
                if (peek() != '{')
                    fail(Errc::malformed, "a sequence item must be an object; an empty item is {} (PS3.18 F.2.5)", pos_,
                         el.tag);
                if (depth + 1 > max_depth_)
                    fail(Errc::too_deep, "sequences nest deeper than " + std::to_string(max_depth_) + " levels", pos_,
                         el.tag);
                el.items.push_back(parse_dataset(depth + 1));
            });
            return;
        }
        std::string raw;
        if (is_number_vr(vr)) {
            array_entries(el.tag, [&](size_t) { binary_number(el, raw); });
        } else if (vr == VR::AT) {
            array_entries(el.tag, [&](size_t) {
                if (peek() != '"') wrong_type(el, "a \"GGGGEEEE\" string");
                const size_t at = pos_;
                const Tag t = parse_tag_text(parse_string(), at, "AT value", Errc::bad_value, el.tag);
                store_le<uint16_t>(raw, t.group());
                store_le<uint16_t>(raw, t.element());
            });
        } else {
            // Text: the values joined with the DICOM delimiter (F.2.4), null being an empty value (F.2.5).
            array_entries(el.tag, [&](size_t i) {
                if (i) {
                    if (vr_is_single_valued_text(vr))
                        fail(Errc::bad_value, std::string("VR ") + vr_name(vr) + " holds a single value", pos_, el.tag);
                    raw += '\\';
                }
                text_value(el, raw);
            });
        }
        if (vr_uses_charset(vr)) {
            if (!is_ascii(raw)) non_ascii_ = true;  // padded once encoded (finish_text)
        } else {
            pad_even(raw, vr);
        }
        el.value = Bytes::copy(raw);
    }

    void check_no_delimiter(const Element &el, std::string_view v, size_t at, const char *delims) const {
        for (const char *d = delims; *d; ++d) {
            if (v.find(*d) != std::string_view::npos)
                fail(Errc::bad_value,
                     std::string("a value of VR ") + vr_name(el.vr) + " holds '" + *d +
                         "', a DICOM delimiter (PS3.18 F.2.4)",
                     at, el.tag);
        }
    }

    void text_value(const Element &el, std::string &raw) {
        const VR vr = el.vr;
        const size_t at = pos_;
        const char c = peek();
        if (c == 'n') {
            literal("null");
            return;
        }
        if (c == '"') {
            std::string v = parse_string();
            if (!vr_is_single_valued_text(vr)) check_no_delimiter(el, v, at, "\\");
            raw += v;
            return;
        }
        if (vr == VR::PN && c == '{') {
            person_name(el, raw);
            return;
        }
        if ((vr == VR::DS || vr == VR::IS) && (c == '-' || is_digit(c))) {
            raw += numeric_string(el, parse_number(), at);
            return;
        }
        wrong_type(el, vr == VR::PN ? "an object of name groups" : (vr == VR::DS || vr == VR::IS) ? "a number" : "a string");
    }

    /// A DS or IS value from a JSON number, kept as written where PS3.5 6.2 allows it.
    std::string numeric_string(const Element &el, std::string_view number, size_t at) const {
        if (el.vr == VR::DS) {
            if (number.size() <= 16) return std::string(number);
            double d = 0;
            if (!parse_float(number, d)) fail(Errc::bad_value, "DS value out of range", at, el.tag);
            // PS3.5 6.2: at most 16 bytes.
            std::string s;
            for (int prec = 16; prec > 0; --prec) {
                s = format_general(d, prec);
                if (s.size() <= 16) break;
            }
            return s;
        }
        if (!has_fraction_or_exponent(number) && number.size() <= 12) return std::string(number);
        double d = 0;
        if (!parse_float(number, d) || d != std::floor(d) || std::fabs(d) > 2147483648.0)
            fail(Errc::bad_value, "IS value is not an integer in range (PS3.5 6.2)", at, el.tag);
        return std::to_string(int64_t(d));
    }

    void person_name(const Element &el, std::string &raw) {
        // PS3.18 F.2.2: the component groups Alphabetic, Ideographic, Phonetic.
        std::string groups[3];
        bool seen[3] = {false, false, false};
        ++pos_;
        if (peek() != '}') {
            for (;;) {
                if (peek() != '"') unexpected("a name group", el.tag);
                const size_t name_at = pos_;
                const std::string name = parse_string();
                int g = name == "Alphabetic" ? 0 : name == "Ideographic" ? 1 : name == "Phonetic" ? 2 : -1;
                if (g < 0)
                    fail(Errc::malformed, "unknown person name group \"" + name.substr(0, 40) + "\" (PS3.18 F.2.2)",
                         name_at, el.tag);
                if (seen[g]) fail(Errc::malformed, "duplicate person name group", name_at, el.tag);
                seen[g] = true;
                expect(':', "':'", el.tag);
                const size_t at = pos_;
                const char c = peek();
                if (c == '"') {
                    groups[g] = parse_string();
                    check_no_delimiter(el, groups[g], at, "\\=");
                } else if (c == 'n') {
                    literal("null");
                } else {
                    wrong_type(el, "an object of name group strings");
                }
                const char d = peek();
                if (d == ',') {
                    ++pos_;
                } else if (d == '}') {
                    break;
                } else {
                    unexpected("',' or '}'", el.tag);
                }
            }
        }
        ++pos_;  // '}'
        int last = 2;
        while (last > 0 && groups[last].empty()) --last;
        for (int g = 0; g <= last; ++g) {
            if (g) raw += '=';
            raw += groups[g];
        }
    }

    template <typename T>
    bool integer_from(std::string_view number, T &out) {
        if (!has_fraction_or_exponent(number)) {
            auto r = std::from_chars(number.data(), number.data() + number.size(), out);
            return r.ec == std::errc() && r.ptr == number.data() + number.size();
        }
        double d = 0;
        if (!parse_float(number, d) || d != std::floor(d)) return false;
        // Exclusive upper bound: max()+1 is a power of two, exact as a double.
        const double hi = double(std::numeric_limits<T>::max()) + 1.0;
        const double lo = double(std::numeric_limits<T>::lowest());
        if (d < lo || d >= hi) return false;
        out = T(d);
        return true;
    }

    template <typename T>
    void integer_value(const Element &el, std::string_view text, size_t at, std::string &raw) {
        T v{};
        if (!integer_from(text, v))
            fail(Errc::bad_value, std::string("not an integer in the range of VR ") + vr_name(el.vr), at, el.tag);
        store_le<T>(raw, v);
    }

    void binary_number(const Element &el, std::string &raw) {
        const VR vr = el.vr;
        const size_t at = pos_;
        const char c = peek();
        if (c == 'n') wrong_type(el, "a number, not null (a binary value cannot be empty)");
        if (c == '"') {
            const std::string text = parse_string();
            if (vr == VR::UV || vr == VR::SV) {
                // PS3.18 F.2.3 note: a String for 64-bit values beyond what a double holds exactly.
                if (!is_json_number(text) || has_fraction_or_exponent(text))
                    fail(Errc::bad_value, std::string("not a decimal integer for VR ") + vr_name(vr), at, el.tag);
                if (vr == VR::UV) integer_value<uint64_t>(el, text, at, raw);
                else integer_value<int64_t>(el, text, at, raw);
                return;
            }
            if (vr == VR::FL || vr == VR::FD) {
                const double special = text == "NaN"         ? std::numeric_limits<double>::quiet_NaN()
                                       : text == "Infinity"  ? std::numeric_limits<double>::infinity()
                                       : text == "-Infinity" ? -std::numeric_limits<double>::infinity()
                                                             : 0.0;
                if (special == 0.0) wrong_type(el, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
                if (vr == VR::FL) store_le<float>(raw, float(special));
                else store_le<double>(raw, special);
                return;
            }
            pos_ = at;
            wrong_type(el, "a number");
        }
        if (c != '-' && !is_digit(c)) wrong_type(el, "a number");
        const std::string_view number = parse_number();
        switch (vr) {
        case VR::US: integer_value<uint16_t>(el, number, at, raw); break;
        case VR::SS: integer_value<int16_t>(el, number, at, raw); break;
        case VR::UL: integer_value<uint32_t>(el, number, at, raw); break;
        case VR::SL: integer_value<int32_t>(el, number, at, raw); break;
        case VR::UV: integer_value<uint64_t>(el, number, at, raw); break;
        case VR::SV: integer_value<int64_t>(el, number, at, raw); break;
        case VR::FL: {
            float f = 0;
            if (!parse_float(number, f)) fail(Errc::bad_value, "number out of the range of VR FL", at, el.tag);
            store_le<float>(raw, f);
            break;
        }
        case VR::FD: {
            double d = 0;
            if (!parse_float(number, d)) fail(Errc::bad_value, "number out of the range of VR FD", at, el.tag);
            store_le<double>(raw, d);
            break;
        }
        default: break;
        }
    }

    /// Binary bytes of OB, OW… (InlineBinary or bulk data); Pixel Data holding a PS3.5 A.4 item
    /// sequence becomes encapsulated.
    void set_binary(Element &el, std::vector<uint8_t> bytes) {
        if (el.tag == tags::PixelData && (el.vr == VR::OB || el.vr == VR::OW || el.vr == VR::UN) &&
            split_encapsulated(bytes, el.fragments)) {
            el.undefined_length = true;
            if (el.vr == VR::UN) el.vr = VR::OB;
            return;
        }
        el.fragments.clear();
        el.value = Bytes(std::move(bytes));
    }

    void parse_inline_binary(Element &el) {
        // PS3.18 F.2.7: InlineBinary for OB, OD, OF, OL, OV, OW and UN.
        if (!is_bulk_binary_vr(el.vr))
            fail(Errc::malformed, std::string("\"InlineBinary\" is not allowed for VR ") + vr_name(el.vr) + " (PS3.18 F.2.2)",
                 pos_, el.tag);
        const char c = peek();
        size_t at = pos_;
        std::string text;
        if (c == '"') {
            text = parse_string();
        } else if (c == '[') {
            // The example of PS3.18 F.4 writes InlineBinary as an array of one string.
            ++pos_;
            if (peek() != '"') fail(Errc::malformed, "\"InlineBinary\" must be a base64 string (PS3.18 F.2.7)", pos_, el.tag);
            at = pos_;
            text = parse_string();
            if (peek() != ']') fail(Errc::malformed, "\"InlineBinary\" must be a single base64 string (PS3.18 F.2.7)", pos_, el.tag);
            ++pos_;
        } else {
            fail(Errc::malformed, "\"InlineBinary\" must be a base64 string (PS3.18 F.2.7)", pos_, el.tag);
        }
        std::vector<uint8_t> bytes;
        const size_t bad = base64_decode(text, bytes, Base64::standard, true);
        if (bad != std::string_view::npos)
            fail(Errc::bad_value, "\"InlineBinary\" is not valid base64", at + 1 + std::min(bad, text.size()), el.tag);
        set_binary(el, std::move(bytes));
    }

    void parse_bulk_data_uri(Element &el) {
        // PS3.18 F.2.6.
        if (!bulk_uri_allowed(el.vr))
            fail(Errc::malformed, std::string("\"BulkDataURI\" is not allowed for VR ") + vr_name(el.vr) + " (PS3.18 F.2.2)",
                 pos_, el.tag);
        if (peek() != '"') fail(Errc::malformed, "\"BulkDataURI\" must be a string (PS3.18 F.2.6)", pos_, el.tag);
        const size_t at = pos_;
        const std::string uri = parse_string();
        Bytes bytes;
        try {
            bytes = opt_.bulk_loader ? opt_.bulk_loader(uri, el.tag, el.vr) : load_bulk_file(uri, el.tag);
        } catch (const Error &e) {
            throw Error(e.code(), e.message(), int64_t(at), el.tag.value);
        }
        const VR vr = el.vr;
        if (is_bulk_binary_vr(vr)) {
            set_binary(el, std::vector<uint8_t>(bytes.data(), bytes.data() + bytes.size()));
            return;
        }
        if (const unsigned unit = vr_value_size(vr); unit > 1 && bytes.size() % unit)
            fail(Errc::bad_value,
                 "bulk data of " + std::to_string(bytes.size()) + " bytes is not a multiple of " + std::to_string(unit) +
                     " for VR " + vr_name(vr),
                 at, el.tag);
        std::string raw(bytes.str());
        if (vr_uses_charset(vr)) {
            // PS3.18 F.2.2 Note 4: bulk data of the character set dependent VRs is UTF-8.
            if (!is_valid_utf8(raw)) fail(Errc::charset, std::string("bulk data of VR ") + vr_name(vr) + " is not UTF-8", at, el.tag);
            if (!is_ascii(raw)) non_ascii_ = true;
        } else if (vr_is_string(vr)) {
            pad_even(raw, vr);
        }
        el.value = Bytes(std::vector<uint8_t>(raw.begin(), raw.end()));
    }

    // -- character sets (second pass) ---------------------------------------------------------------

    /// Whether some text that is not ASCII sits where no Specific Character Set is in force.
    static bool needs_utf8(const Dataset &ds, bool charset_in_force) {
        if (const Element *cs = ds.find(tags::SpecificCharacterSet))
            charset_in_force = !trim_value(cs->value.str(), VR::CS).empty();
        for (const Element &e : ds) {
            if (!charset_in_force && vr_uses_charset(e.vr) && !is_ascii(e.value.str())) return true;
            for (const Dataset &item : e.items)
                if (needs_utf8(item, charset_in_force)) return true;
        }
        return false;
    }

    struct Encoded {
        Element *element;
        std::string raw;
    };

    /// Encodes the UTF-8 text of `ds` into the character set in force (into `out`, not yet stored), and
    /// gives items the character set they inherit. `utf8` stores the text as it is.
    void encode_text(Dataset &ds, const std::string &inherited, bool utf8, std::vector<Encoded> &out) {
        const std::string cs = own_charset(ds, inherited);
        for (Element &e : ds) {
            if (vr_uses_charset(e.vr)) {
                std::string_view text = e.value.str();
                std::string raw;
                if (utf8 || (cs.empty() && is_ascii(text))) {
                    raw = std::string(text);
                } else {
                    raw = charsets_.get(cs).encode(text, e.vr);  // throws Error(charset)
                }
                pad_even(raw, e.vr);
                out.push_back({&e, std::move(raw)});
            }
            for (Dataset &item : e.items) {
                if (!cs.empty()) item.set_inherited_character_set(cs);
                encode_text(item, cs, utf8, out);
            }
        }
    }

    static void force_utf8(Dataset &ds) {
        if (Element *cs = ds.find(tags::SpecificCharacterSet)) *cs = Element(cs->tag, VR::CS, Bytes::copy("ISO_IR 192"));
        for (Element &e : ds)
            for (Dataset &item : e.items) force_utf8(item);
    }

    void finish_text(Dataset &ds) {
        // PS3.18 F.2: the JSON is UTF-8. Text where no character set is in force gets ISO_IR 192.
        if (non_ascii_ && !ds.contains(tags::SpecificCharacterSet) && needs_utf8(ds, false))
            ds.set(Element(tags::SpecificCharacterSet, VR::CS, Bytes::copy("ISO_IR 192")));
        std::vector<Encoded> encoded;
        try {
            encode_text(ds, ds.specific_character_set(), false, encoded);
        } catch (const Error &e) {
            if (e.code() != Errc::charset) throw;
            // Text the declared character set cannot hold (or an unknown set): keep every character by
            // storing all text as UTF-8 (PS3.18 F.2.2 Note 3 makes (0008,0005) metadata of the source).
            encoded.clear();
            force_utf8(ds);
            if (!ds.contains(tags::SpecificCharacterSet) && needs_utf8(ds, false))
                ds.set(Element(tags::SpecificCharacterSet, VR::CS, Bytes::copy("ISO_IR 192")));
            encode_text(ds, ds.specific_character_set(), true, encoded);
        }
        for (Encoded &x : encoded) x.element->value = Bytes(std::vector<uint8_t>(x.raw.begin(), x.raw.end()));
    }

    std::string_view s_;
    size_t pos_ = 0;
    const JsonReadOptions &opt_;
    const unsigned max_depth_;
    bool non_ascii_ = false;
    CharsetCache charsets_;
};

}  // namespace

Dataset from_json(std::string_view json, const JsonReadOptions &opt) {
    JsonReader r(json, opt);
    return r.read();
}

}  // namespace dcmkit
