// dcmkit — HTTP media types and multipart/related bodies (RFC 2046 5.1, RFC 2387, RFC 9110 12.5.1),
// as DICOMweb (PS3.18 8.6, 8.7) carries instances, metadata, bulk data and frames. No DICOM here:
// a server and a client both use it.
//
//   - parse_media_type: `type/subtype; name=value; name="quoted \"value\""`, names lowercased,
//     quoted and unquoted values alike;
//   - parse_accept: an Accept header's media ranges with their q-values, best first (ties keep the
//     client's order), q=0 ranges left out;
//   - MultipartReader: a push parser fed bytes as they arrive (constant memory: a part's body is
//     passed on as it comes, only a delimiter's length is held back), with bounded part headers;
//   - MultipartWriter: writes parts to a sink as they are produced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dcmkit::http {

/// A media type or Accept media range: "multipart/related", "application/dicom", "*/*".
struct MediaType {
    std::string type;                           ///< "type/subtype", lowercased
    std::map<std::string, std::string> params;  ///< names lowercased, values unquoted as written
    double q = 1.0;                             ///< Accept's quality value (the "q" parameter, removed from params)
    /// The parameter's value, or `def`.
    std::string param(const std::string &name, const std::string &def = {}) const;
    /// Whether this range ("*/*", "image/*", or exact) covers the media type `t` (lowercase).
    bool covers(std::string_view t) const;
};

/// Parses one media type; false (with `err`) when it is not one (no '/', a bad parameter, an
/// unterminated quoted string).
bool parse_media_type(std::string_view text, MediaType &out, std::string *err = nullptr);

/// Parses an Accept header (comma-separated media ranges, commas inside quoted strings kept): best
/// q first, equal q in the order given; ranges with q=0 and ranges that do not parse are left out.
/// An empty header gives "*/*".
std::vector<MediaType> parse_accept(std::string_view header);

/// A fresh boundary: "dcmkit-" and 32 random hexadecimal digits.
std::string make_boundary();

/// One part's header fields, names lowercased ("content-type"), values trimmed.
using PartHeaders = std::map<std::string, std::string>;

/// Reads a multipart body pushed to it in pieces of any size. Errors throw dcmkit::Error:
/// malformed (no boundary delimiter where one is needed, a header line without ':', bad text after a
/// delimiter), too_deep never; bad_length when a part's header block exceeds Limits::max_header_bytes
/// or the parts exceed Limits::max_parts; truncated from finish() when the body ended inside a part
/// (no closing delimiter). A callback's exception propagates out of feed() unchanged.
class MultipartReader {
public:
    struct Limits {
        size_t max_header_bytes = 16384;  ///< one part's header block
        size_t max_parts = 1000000;
        size_t max_preamble_bytes = 1 << 20;
    };
    struct Callbacks {
        std::function<void(const PartHeaders &)> begin;        ///< a part starts
        std::function<void(const char *data, size_t n)> data;  ///< some of its body, in order
        std::function<void()> end;                             ///< its body is complete
    };
    MultipartReader(std::string boundary, Callbacks callbacks);
    MultipartReader(std::string boundary, Callbacks callbacks, Limits limits);

    void feed(const char *data, size_t n);
    /// The body has ended: throws Error(truncated) unless the closing delimiter was read.
    void finish();
    /// The closing delimiter has been read (what follows is the epilogue, ignored).
    bool done() const noexcept { return state_ == State::done; }
    size_t parts() const noexcept { return parts_; }

private:
    enum class State { preamble, after_delimiter, padding, headers, body, done };
    void run();
    std::string delim_;  // "\r\n--" boundary
    Callbacks cb_;
    Limits limits_;
    std::string buf_;
    size_t pos_ = 0;     // consumed bytes of buf_
    size_t skipped_ = 0; // preamble bytes dropped
    State state_ = State::preamble;
    size_t parts_ = 0;
};

/// Writes a multipart body to `sink` part by part.
class MultipartWriter {
public:
    using Sink = std::function<void(const char *data, size_t n)>;
    MultipartWriter(std::string boundary, Sink sink);
    /// Starts a part (closing the one before): its header fields, e.g. {"Content-Type", "application/dicom"}.
    void begin_part(const std::vector<std::pair<std::string, std::string>> &headers);
    void write(const char *data, size_t n);
    void write(std::string_view s) { write(s.data(), s.size()); }
    /// The closing delimiter; nothing may be written after it.
    void finish();
    const std::string &boundary() const noexcept { return boundary_; }

private:
    std::string boundary_;
    Sink sink_;
    bool first_ = true, finished_ = false;
};

/// Parses a Range header's single "bytes=FIRST-LAST", "bytes=FIRST-" or "bytes=-SUFFIX" against a
/// resource of `size` bytes: true with [first, last] inside it; false when it is none of these or
/// cannot be satisfied (RFC 9110 14.1.2: 416).
bool parse_range(std::string_view header, uint64_t size, uint64_t &first, uint64_t &last);

/// The reason phrase RFC 9110 section 15 gives a status code ("Not Acceptable"), "" for one not
/// listed here (the phrase is informative only: clients act on the code).
const char *reason_phrase(long status) noexcept;

}  // namespace dcmkit::http
