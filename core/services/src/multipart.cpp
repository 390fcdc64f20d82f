// dcmkit — media types, Accept, Range and multipart/related bodies (see multipart.h).
#include "dcmkit/services/multipart.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <random>

#include "dcmkit/error.h"

namespace dcmkit::http {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

bool is_token_char(char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
    return std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

/// Splits on `sep` outside quoted strings.
std::vector<std::string_view> split_unquoted(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    bool quoted = false;
    for (size_t i = 0; i < s.size(); ++i) {
        if (quoted && s[i] == '\\') {
            ++i;
        } else if (s[i] == '"') {
            quoted = !quoted;
        } else if (!quoted && s[i] == sep) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    out.push_back(s.substr(start));
    return out;
}

}  // namespace

std::string MediaType::param(const std::string &name, const std::string &def) const {
    auto it = params.find(name);
    return it == params.end() ? def : it->second;
}

bool MediaType::covers(std::string_view t) const {
    if (type == "*/*") return true;
    if (type.size() > 2 && type.compare(type.size() - 2, 2, "/*") == 0)
        return t.substr(0, type.size() - 1) == std::string_view(type).substr(0, type.size() - 1);
    return t == type;
}

bool parse_media_type(std::string_view text, MediaType &out, std::string *err) {
    auto fail = [&](const std::string &why) {
        if (err) *err = why;
        return false;
    };
    out = MediaType{};
    const auto pieces = split_unquoted(text, ';');
    const std::string_view t = trim(pieces[0]);
    const size_t slash = t.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size())
        return fail("'" + std::string(t) + "' is not a media type (type/subtype)");
    for (char c : t)
        if (c != '/' && !is_token_char(c)) return fail("'" + std::string(t) + "' is not a media type");
    out.type = lower(t);
    for (size_t i = 1; i < pieces.size(); ++i) {
        const std::string_view p = trim(pieces[i]);
        if (p.empty()) continue;
        const size_t eq = p.find('=');
        if (eq == std::string_view::npos || eq == 0) return fail("bad media type parameter '" + std::string(p) + "'");
        const std::string name = lower(trim(p.substr(0, eq)));
        std::string_view v = trim(p.substr(eq + 1));
        std::string value;
        if (!v.empty() && v.front() == '"') {
            size_t j = 1;
            bool closed = false;
            for (; j < v.size(); ++j) {
                if (v[j] == '\\' && j + 1 < v.size()) {
                    value += v[++j];
                } else if (v[j] == '"') {
                    closed = true;
                    break;
                } else {
                    value += v[j];
                }
            }
            if (!closed || j + 1 != v.size()) return fail("unterminated quoted string in '" + std::string(p) + "'");
        } else {
            value = std::string(v);
        }
        if (name == "q") {
            char *end = nullptr;
            const std::string qs(value);
            const double q = std::strtod(qs.c_str(), &end);
            if (qs.empty() || *end != '\0' || q < 0 || q > 1) return fail("bad q-value '" + qs + "'");
            out.q = q;
        } else {
            out.params[name] = value;
        }
    }
    return true;
}

std::vector<MediaType> parse_accept(std::string_view header) {
    std::vector<MediaType> out;
    if (trim(header).empty()) {
        out.push_back(MediaType{"*/*", {}, 1.0});
        return out;
    }
    for (std::string_view range : split_unquoted(header, ',')) {
        if (trim(range).empty()) continue;
        MediaType m;
        if (parse_media_type(range, m) && m.q > 0) out.push_back(std::move(m));
    }
    std::stable_sort(out.begin(), out.end(), [](const MediaType &a, const MediaType &b) { return a.q > b.q; });
    return out;
}

std::string make_boundary() {
    std::random_device rd;
    std::string b = "dcmkit-";
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) b += hex[rd() & 15u];
    return b;
}

// -- reader ----------------------------------------------------------------------------------------

MultipartReader::MultipartReader(std::string boundary, Callbacks callbacks)
    : MultipartReader(std::move(boundary), std::move(callbacks), Limits{}) {}

MultipartReader::MultipartReader(std::string boundary, Callbacks callbacks, Limits limits)
    : delim_("\r\n--" + boundary), cb_(std::move(callbacks)), limits_(limits) {
    // RFC 2046 5.1.1 allows 70 characters; Orthanc's DICOMweb client sends 73: up to 256 are read.
    if (boundary.empty() || boundary.size() > 256)
        throw Error(Errc::invalid_argument, "a multipart boundary has 1 to 256 characters (70 in RFC 2046 5.1.1)");
    buf_ = "\r\n";  // the first delimiter may open the body without a CRLF before it
}

void MultipartReader::feed(const char *data, size_t n) {
    if (state_ == State::done) return;  // the epilogue
    if (pos_ > 0 && pos_ >= buf_.size() / 2) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    buf_.append(data, n);
    run();
}

void MultipartReader::run() {
    for (;;) {
        const std::string_view avail(buf_.data() + pos_, buf_.size() - pos_);
        switch (state_) {
        case State::preamble: {
            const size_t at = avail.find(delim_);
            if (at == std::string_view::npos) {
                const size_t keep = std::min(avail.size(), delim_.size() - 1);
                skipped_ += avail.size() - keep;
                pos_ += avail.size() - keep;
                if (skipped_ > limits_.max_preamble_bytes)
                    throw Error(Errc::malformed, "no multipart boundary delimiter in the first " +
                                                     std::to_string(limits_.max_preamble_bytes) + " bytes");
                return;
            }
            pos_ += at + delim_.size();
            state_ = State::after_delimiter;
            break;
        }
        case State::after_delimiter:
            if (avail.size() < 2) return;
            if (avail.substr(0, 2) == "--") {
                pos_ += 2;
                state_ = State::done;
                buf_.clear();
                pos_ = 0;
                return;
            }
            state_ = State::padding;
            break;
        case State::padding: {
            size_t i = 0;
            while (i < avail.size() && (avail[i] == ' ' || avail[i] == '\t')) ++i;
            if (i > 256) throw Error(Errc::malformed, "too much padding after a multipart boundary delimiter");
            if (avail.size() - i < 2) return;
            if (avail.substr(i, 2) != "\r\n")
                throw Error(Errc::malformed, "a multipart boundary delimiter is not followed by CRLF");
            pos_ += i + 2;
            if (++parts_ > limits_.max_parts)
                throw Error(Errc::bad_length, "more than " + std::to_string(limits_.max_parts) + " parts");
            state_ = State::headers;
            break;
        }
        case State::headers: {
            size_t end = std::string_view::npos, skip = 0;
            if (avail.substr(0, 2) == "\r\n") {
                end = 0;
                skip = 2;
            } else if (avail.size() >= 2) {
                end = avail.find("\r\n\r\n");
                if (end != std::string_view::npos) skip = end + 4;
            }
            if (end == std::string_view::npos) {
                if (avail.size() > limits_.max_header_bytes + 3)  // the blank line may be arriving
                    throw Error(Errc::bad_length, "a part's header fields exceed " +
                                                      std::to_string(limits_.max_header_bytes) + " bytes");
                return;
            }
            if (end > limits_.max_header_bytes)
                throw Error(Errc::bad_length, "a part's header fields exceed " +
                                                  std::to_string(limits_.max_header_bytes) + " bytes");
            PartHeaders headers;
            std::string_view block = avail.substr(0, end);
            while (!block.empty()) {
                size_t eol = block.find("\r\n");
                std::string_view line = block.substr(0, eol);
                block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
                if (line.empty()) continue;
                const size_t colon = line.find(':');
                if (colon == std::string_view::npos || colon == 0)
                    throw Error(Errc::malformed, "a part header line has no ':' (" +
                                                     std::string(line.substr(0, 64)) + ")");
                headers[lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
            }
            pos_ += skip;
            state_ = State::body;
            if (cb_.begin) cb_.begin(headers);
            break;
        }
        case State::body: {
            const size_t at = avail.find(delim_);
            if (at == std::string_view::npos) {
                const size_t keep = std::min(avail.size(), delim_.size() - 1);
                const size_t give = avail.size() - keep;
                if (give) {
                    pos_ += give;
                    if (cb_.data) cb_.data(avail.data(), give);
                }
                return;
            }
            pos_ += at + delim_.size();
            state_ = State::after_delimiter;
            if (at && cb_.data) cb_.data(avail.data(), at);
            if (cb_.end) cb_.end();
            break;
        }
        case State::done:
            return;
        }
    }
}

void MultipartReader::finish() {
    if (state_ == State::done) return;
    if (state_ == State::preamble && parts_ == 0)
        throw Error(Errc::truncated, "the multipart body has no part (no boundary delimiter)");
    throw Error(Errc::truncated, "the multipart body ends inside part " + std::to_string(parts_) +
                                     " (no closing boundary delimiter)");
}

// -- writer ----------------------------------------------------------------------------------------

MultipartWriter::MultipartWriter(std::string boundary, Sink sink) : boundary_(std::move(boundary)), sink_(std::move(sink)) {}

void MultipartWriter::begin_part(const std::vector<std::pair<std::string, std::string>> &headers) {
    std::string h = first_ ? "--" : "\r\n--";
    first_ = false;
    h += boundary_;
    h += "\r\n";
    for (const auto &kv : headers) h += kv.first + ": " + kv.second + "\r\n";
    h += "\r\n";
    sink_(h.data(), h.size());
}

void MultipartWriter::write(const char *data, size_t n) {
    if (n) sink_(data, n);
}

void MultipartWriter::finish() {
    if (finished_) return;
    finished_ = true;
    const std::string tail = (first_ ? "--" : "\r\n--") + boundary_ + "--\r\n";
    sink_(tail.data(), tail.size());
}

// -- Range -----------------------------------------------------------------------------------------

bool parse_range(std::string_view header, uint64_t size, uint64_t &first, uint64_t &last) {
    header = trim(header);
    if (header.substr(0, 6) != "bytes=") return false;
    std::string_view spec = trim(header.substr(6));
    if (spec.find(',') != std::string_view::npos) return false;  // one range only
    const size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return false;
    auto number = [](std::string_view s, uint64_t &v) {
        if (s.empty() || s.size() > 19) return false;
        v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + uint64_t(c - '0');
        }
        return true;
    };
    const std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
    if (size == 0) return false;
    if (a.empty()) {  // suffix
        uint64_t n;
        if (!number(b, n) || n == 0) return false;
        first = n >= size ? 0 : size - n;
        last = size - 1;
        return true;
    }
    if (!number(a, first) || first >= size) return false;
    if (b.empty()) {
        last = size - 1;
        return true;
    }
    if (!number(b, last) || last < first) return false;
    if (last >= size) last = size - 1;
    return true;
}

const char *reason_phrase(long status) noexcept {
    switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

}  // namespace dcmkit::http
