// dcmkit — base64 (RFC 4648): section 4's alphabet (DICOM JSON InlineBinary, audit messages, HTTP
// Basic credentials, password hashes) and section 5's URL and file name safe one (JSON Web Tokens).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dcmkit {

enum class Base64 : uint8_t {
    standard,  ///< A-Z a-z 0-9 + /   (RFC 4648 section 4)
    url,       ///< A-Z a-z 0-9 - _   (RFC 4648 section 5)
};

/// Appends the encoding of `size` bytes to `out`; `pad`: '=' up to a multiple of four characters.
void append_base64(std::string &out, const void *data, size_t size, Base64 alphabet = Base64::standard, bool pad = true);
inline std::string base64_encode(std::string_view bytes, Base64 alphabet = Base64::standard, bool pad = true) {
    std::string out;
    append_base64(out, bytes.data(), bytes.size(), alphabet, pad);
    return out;
}

/// Decodes `text` into `out` (replaced). Padding may be left out; when present it must complete the
/// last quantum, and nothing but padding may follow it. `skip_whitespace`: spaces, tabs and line
/// breaks are passed over (as in DICOM JSON's InlineBinary). Returns std::string_view::npos on
/// success, else the index of the first character that is not base64 (text.size() when the last
/// quantum is incomplete).
size_t base64_decode(std::string_view text, std::vector<uint8_t> &out, Base64 alphabet = Base64::standard,
                     bool skip_whitespace = false);
size_t base64_decode(std::string_view text, std::string &out, Base64 alphabet = Base64::standard,
                     bool skip_whitespace = false);

}  // namespace dcmkit
