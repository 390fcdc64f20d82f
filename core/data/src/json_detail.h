// dcmkit — the DICOM JSON Model (PS3.18 Annex F): what the reader (json_read.cpp) and the writer
// (json_write.cpp) share — text and number checks, encapsulated pixel data as one Value Field,
// the VR classes of the model and the character sets in force. Internal to the data layer.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "dcmkit/charset.h"
#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "utf8.h"

namespace dcmkit::json_detail {

// Recursion guard: each sequence level costs a few stack frames in the reader and writer.
constexpr unsigned kMaxDepthCap = 256;

// -- small helpers ------------------------------------------------------------------------------------

using detail::is_ascii;

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

using detail::kInvalidUtf8;
using detail::next_utf8;

/// RFC 8259 section 6: number = [ minus ] int [ frac ] [ exp ].
bool is_json_number(std::string_view s);

inline bool has_fraction_or_exponent(std::string_view number) {
    return number.find_first_of(".eE") != std::string_view::npos;
}

// Locale-independent conversions: std::to_chars / from_chars where the library has them for floating
// point, else the C functions in the classic locale.
// (DCMKIT_JSON_NO_FLOAT_CHARCONV forces the fallback, to test it.)
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L && !defined(DCMKIT_JSON_NO_FLOAT_CHARCONV)
#define DK_FLOAT_CHARCONV 1
#endif

template <typename T>
bool parse_float(std::string_view s, T &out) {
#ifdef DK_FLOAT_CHARCONV
    auto r = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
#else
    std::istringstream in{std::string(s)};
    in.imbue(std::locale::classic());
    in >> out;
    return !in.fail() && in.peek() == std::char_traits<char>::eof() && std::isfinite(out);
#endif
}

template <typename T>
T load_le(const uint8_t *p) {
    // Values are held little endian (dataset.h); assemble them byte by byte, whatever the host order.
    using U = std::conditional_t<sizeof(T) == 8, uint64_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint16_t>>;
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u |= U(p[i]) << (8 * i);
    T v;
    std::memcpy(&v, &u, sizeof v);
    return v;
}

template <typename T>
void store_le(std::string &out, T v) {
    using U = std::conditional_t<sizeof(T) == 8, uint64_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint16_t>>;
    U u;
    std::memcpy(&u, &v, sizeof u);
    for (size_t i = 0; i < sizeof(T); ++i) out += char(uint8_t(u >> (8 * i)));
}

bool is_bulk_binary_vr(VR vr);
bool is_number_vr(VR vr);

// -- encapsulated pixel data (PS3.5 A.4) ----------------------------------------------------------------

/// The Value Field of encapsulated pixel data: an item per fragment (BOT first), then the Sequence
/// Delimitation Item.
std::string encapsulated_value_field(const Element &e);

/// Splits a PS3.5 A.4 item sequence into fragments; false when the bytes are not one (then they are
/// native pixel data). A missing final Sequence Delimitation Item is tolerated.
bool split_encapsulated(const std::vector<uint8_t> &b, std::vector<Bytes> &fragments);

// -- character sets -----------------------------------------------------------------------------------

/// Parsed character sets by (0008,0005) value, for one to_json/from_json call.
class CharsetCache {
public:
    /// Throws Error(charset) for an unknown defined term.
    const CharacterSet &get(const std::string &value) {
        auto it = sets_.find(value);
        if (it == sets_.end()) it = sets_.emplace(value, CharacterSet::from_value(value)).first;
        return it->second;
    }
    /// For writing: an unknown term decodes as the default repertoire (which never throws).
    const CharacterSet &get_lenient(const std::string &value) {
        try {
            return get(value);
        } catch (const Error &) {
            return sets_.emplace(value, CharacterSet()).first->second;
        }
    }

private:
    std::map<std::string, CharacterSet> sets_;
};

/// The (0008,0005) value of `ds`, else the one it inherits.
std::string own_charset(const Dataset &ds, const std::string &inherited);

}  // namespace dcmkit::json_detail
