// dcmkit — HL7 v2 ER7 parser and writer, MLLP framing and acknowledgements (see hl7.h).
#include "dcmkit/services/hl7.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace dcmkit::hl7 {

namespace {

Errc errc_of(ParseErrorKind kind) {
    switch (kind) {
    case ParseErrorKind::unsupported_character_set: return Errc::charset;
    case ParseErrorKind::too_large: return Errc::bad_length;
    case ParseErrorKind::bad_framing: return Errc::protocol;
    default: return Errc::malformed;
    }
}

bool is_upper_alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_eol(char c) { return c == '\r' || c == '\n'; }

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/// Splits `s` on `sep` (always at least one part).
std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    for (;;) {
        const size_t p = s.find(sep, start);
        if (p == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

std::string join(const std::vector<std::string> &parts, char sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

/// Removes trailing empty parts (HL7 2.5.4: trailing delimiters may be omitted).
void trim_trailing(std::vector<std::string> &parts) {
    while (parts.size() > 1 && parts.back().empty()) parts.pop_back();
}

std::string upper_trimmed(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    std::string out(s);
    for (char &c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

/// A formatting command's repeat count (".sp3" -> 3; none -> 1), bounded.
size_t repeat_count(std::string_view digits) {
    size_t n = 0;
    for (char c : digits) {
        if (c == '+' || c == '-') continue;
        if (c < '0' || c > '9') return 1;
        n = n * 10 + size_t(c - '0');
        if (n > 64) return 64;
    }
    return digits.empty() ? 1 : n;
}

}  // namespace

const char *condition_text(Condition c) noexcept {
    switch (c) {
    case Condition::accepted: return "Message accepted";
    case Condition::segment_sequence_error: return "Segment sequence error";
    case Condition::required_field_missing: return "Required field missing";
    case Condition::data_type_error: return "Data type error";
    case Condition::table_value_not_found: return "Table value not found";
    case Condition::unsupported_message_type: return "Unsupported message type";
    case Condition::unsupported_event_code: return "Unsupported event code";
    case Condition::unsupported_processing_id: return "Unsupported processing id";
    case Condition::unsupported_version_id: return "Unsupported version id";
    case Condition::unknown_key_identifier: return "Unknown key identifier";
    case Condition::duplicate_key_identifier: return "Duplicate key identifier";
    case Condition::application_record_locked: return "Application record locked";
    case Condition::application_internal_error: return "Application internal error";
    }
    return "?";
}

const char *parse_error_kind_name(ParseErrorKind kind) noexcept {
    switch (kind) {
    case ParseErrorKind::empty: return "empty";
    case ParseErrorKind::no_msh: return "no_msh";
    case ParseErrorKind::bad_encoding_characters: return "bad_encoding_characters";
    case ParseErrorKind::bad_segment: return "bad_segment";
    case ParseErrorKind::bad_escape: return "bad_escape";
    case ParseErrorKind::unsupported_character_set: return "unsupported_character_set";
    case ParseErrorKind::too_large: return "too_large";
    case ParseErrorKind::bad_framing: return "bad_framing";
    }
    return "?";
}

ParseError::ParseError(ParseErrorKind kind, const std::string &message, int64_t offset, std::string segment,
                       size_t segment_index, size_t field)
    : Error(errc_of(kind), "HL7: " + message, offset), kind_(kind), segment_(std::move(segment)),
      segment_index_(segment_index), field_(field) {}

Condition ParseError::condition() const noexcept {
    switch (kind_) {
    case ParseErrorKind::bad_segment: return Condition::segment_sequence_error;
    case ParseErrorKind::bad_escape: return Condition::data_type_error;
    case ParseErrorKind::unsupported_character_set: return Condition::table_value_not_found;
    case ParseErrorKind::empty:
    case ParseErrorKind::no_msh: return Condition::segment_sequence_error;
    case ParseErrorKind::bad_encoding_characters: return Condition::data_type_error;
    default: return Condition::application_internal_error;
    }
}

// -- escapes ------------------------------------------------------------------------------------------

std::string Encoding::msh2() const {
    std::string s{component, repetition, escape, subcomponent};
    if (truncation) s += truncation;
    return s;
}

std::string escape(std::string_view text, const Encoding &enc) {
    std::string out;
    out.reserve(text.size());
    const char e = enc.escape;
    for (char c : text) {
        if (c == enc.field) (out += e) += "F", out += e;
        else if (c == enc.component) (out += e) += "S", out += e;
        else if (c == enc.subcomponent) (out += e) += "T", out += e;
        else if (c == enc.repetition) (out += e) += "R", out += e;
        else if (c == e) (out += e) += "E", out += e;
        else if (enc.truncation && c == enc.truncation) (out += e) += "P", out += e;
        else if (c == '\r') (out += e) += "X0D", out += e;
        else if (c == '\n') (out += e) += "X0A", out += e;
        else out += c;
    }
    return out;
}

std::string unescape(std::string_view raw, const Encoding &enc) {
    const char e = enc.escape;
    if (!e || raw.find(e) == std::string_view::npos) return std::string(raw);
    std::string out;
    out.reserve(raw.size());
    size_t i = 0;
    while (i < raw.size()) {
        const char c = raw[i];
        if (c != e) {
            out += c;
            ++i;
            continue;
        }
        const size_t end = raw.find(e, i + 1);
        if (end == std::string_view::npos)
            throw ParseError(ParseErrorKind::bad_escape, "escape sequence without its closing '" + std::string(1, e) +
                                                             "': '" + std::string(raw.substr(i, 16)) + "'",
                             int64_t(i));
        const std::string_view seq = raw.substr(i + 1, end - i - 1);
        const size_t at = i;
        i = end + 1;
        if (seq.empty()) continue;  // "\\": an empty sequence, nothing (as python-hl7 reads it)
        if (seq == "F") out += enc.field;
        else if (seq == "S") out += enc.component;
        else if (seq == "T") out += enc.subcomponent;
        else if (seq == "R") out += enc.repetition;
        else if (seq == "E") out += e;
        else if (seq == "P" && enc.truncation) out += enc.truncation;
        else if (seq == "H" || seq == "N") continue;  // start/end highlighting: display hints
        else if (seq[0] == 'X' || seq[0] == 'C' || seq[0] == 'M') {
            // \Xhh..\ bytes; \Cxxyy\ and \Mxxyy[zz]\ ISO 2022 escape sequences ESC xx yy [zz] (2.7.2).
            const std::string_view hex = seq.substr(1);
            const bool x = seq[0] == 'X';
            if (hex.size() % 2 != 0 || hex.empty() || (seq[0] == 'C' && hex.size() != 4) ||
                (seq[0] == 'M' && hex.size() != 4 && hex.size() != 6))
                throw ParseError(ParseErrorKind::bad_escape, "escape sequence '" + std::string(seq) +
                                                                 "' needs pairs of hexadecimal digits", int64_t(at));
            if (!x) out += '\x1B';
            for (size_t k = 0; k < hex.size(); k += 2) {
                const int hi = hex_digit(hex[k]), lo = hex_digit(hex[k + 1]);
                if (hi < 0 || lo < 0)
                    throw ParseError(ParseErrorKind::bad_escape, "escape sequence '" + std::string(seq) +
                                                                     "' holds a character that is not hexadecimal",
                                     int64_t(at));
                out += char(hi * 16 + lo);
            }
        } else if (seq[0] == '.' && seq.size() >= 3) {
            // Formatted text commands (2.7.6).
            const std::string_view cmd = seq.substr(0, 3), arg = seq.substr(3);
            const size_t n = repeat_count(arg);
            if (cmd == ".br" || cmd == ".ce") out += "\r\n";
            else if (cmd == ".sp") for (size_t k = 0; k < n; ++k) out += "\r\n";
            else if (cmd == ".sk" || cmd == ".in" || cmd == ".ti") out.append(n, ' ');
            else if (cmd == ".fi" || cmd == ".nf") {
            } else out.append(raw.substr(at, i - at));
        } else {
            out.append(raw.substr(at, i - at));  // \Zxxx\ and others: a local meaning we do not know
        }
    }
    return out;
}

// -- Segment --------------------------------------------------------------------------------------------

std::string_view Segment::raw(size_t field) const {
    if (field == 0 || field > fields_.size()) return {};
    return fields_[field - 1];
}

size_t Segment::repetitions(size_t field) const {
    const std::string_view r = raw(field);
    if (r.empty()) return 0;
    if (id_ == "MSH" && field <= 2) return 1;
    return split(r, enc_.repetition).size();
}

std::string Segment::get(size_t field, size_t component, size_t subcomponent, size_t repetition) const {
    std::string_view r = raw(field);
    if (r.empty() || component == 0 || subcomponent == 0 || repetition == 0) return {};
    if (id_ == "MSH" && field <= 2) return component == 1 && subcomponent == 1 && repetition == 1 ? std::string(r) : "";
    const auto reps = split(r, enc_.repetition);
    if (repetition > reps.size()) return {};
    const auto comps = split(reps[repetition - 1], enc_.component);
    if (component > comps.size()) return {};
    const auto subs = split(comps[component - 1], enc_.subcomponent);
    if (subcomponent > subs.size()) return {};
    return unescape(subs[subcomponent - 1], enc_);
}

Segment &Segment::set_raw(size_t field, std::string raw) {
    if (field == 0) throw Error(Errc::invalid_argument, "HL7: field numbers start at 1");
    if (fields_.size() < field) fields_.resize(field);
    fields_[field - 1] = std::move(raw);
    return *this;
}

Segment &Segment::set(size_t field, std::string_view text) { return set_raw(field, escape(text, enc_)); }

Segment &Segment::set(size_t field, size_t component, std::string_view text) {
    if (component == 0) throw Error(Errc::invalid_argument, "HL7: component numbers start at 1");
    std::vector<std::string> comps;
    const std::string_view r = raw(field);
    const std::string_view first = r.substr(0, r.find(enc_.repetition));
    for (auto c : split(first, enc_.component)) comps.emplace_back(c);
    if (comps.size() < component) comps.resize(component);
    comps[component - 1] = escape(text, enc_);
    trim_trailing(comps);
    std::string rest = first.size() < r.size() ? std::string(r.substr(first.size())) : std::string();
    return set_raw(field, join(comps, enc_.component) + rest);
}

std::string Segment::encode() const {
    std::string out = id_;
    size_t n = fields_.size();
    while (n > 0 && fields_[n - 1].empty() && !(id_ == "MSH" && n <= 2)) --n;
    for (size_t f = 1; f <= n; ++f) {
        if (id_ == "MSH" && f == 1) continue;  // MSH-1 is the separator written before MSH-2
        out += enc_.field;
        out += fields_[f - 1];
    }
    return out;
}

// -- Message --------------------------------------------------------------------------------------------

Message Message::parse(std::string_view bytes) {
    size_t pos = 0;
    while (pos < bytes.size() && (is_eol(bytes[pos]) || bytes[pos] == ' ' || bytes[pos] == '\t')) ++pos;
    if (pos >= bytes.size()) throw ParseError(ParseErrorKind::empty, "the message is empty");
    if (bytes.size() - pos < 3 || bytes.substr(pos, 3) != "MSH")
        throw ParseError(ParseErrorKind::no_msh, "a message starts with an MSH segment, not '" +
                                                     std::string(bytes.substr(pos, std::min<size_t>(8, bytes.size() - pos))) + "'",
                         int64_t(pos), "", 1);
    const size_t msh_at = pos;
    // MSH-1 and MSH-2: the delimiters.
    auto enc_error = [&](const std::string &what, size_t field) {
        return ParseError(ParseErrorKind::bad_encoding_characters, what, int64_t(msh_at), "MSH", 1, field);
    };
    if (bytes.size() - pos < 4 || is_eol(bytes[pos + 3])) throw enc_error("MSH has no field separator (MSH-1)", 1);
    Encoding enc;
    enc.field = bytes[pos + 3];
    auto bad_delimiter = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || is_eol(c) || static_cast<unsigned char>(c) < 0x20 ||
               static_cast<unsigned char>(c) >= 0x7F || c == ' ';
    };
    if (bad_delimiter(enc.field))
        throw enc_error("MSH-1 '" + std::string(1, enc.field) + "' cannot be a field separator", 1);
    size_t p = pos + 4;
    std::string chars;
    while (p < bytes.size() && bytes[p] != enc.field && !is_eol(bytes[p])) chars += bytes[p++];
    if (chars.size() < 4 || chars.size() > 5)
        throw enc_error("MSH-2 must hold the component, repetition, escape and subcomponent characters (4, or 5 "
                        "with the truncation character), not '" + chars + "'", 2);
    for (size_t i = 0; i < chars.size(); ++i) {
        if (bad_delimiter(chars[i]))
            throw enc_error("MSH-2 character '" + std::string(1, chars[i]) + "' cannot be a delimiter", 2);
        if (chars.find(chars[i]) != i || chars[i] == enc.field)
            throw enc_error("MSH-2 '" + chars + "' repeats a delimiter", 2);
    }
    enc.component = chars[0];
    enc.repetition = chars[1];
    enc.escape = chars[2];
    enc.subcomponent = chars[3];
    if (chars.size() == 5) enc.truncation = chars[4];

    Message m(enc);
    size_t index = 0;
    while (pos < bytes.size()) {
        size_t end = pos;
        while (end < bytes.size() && !is_eol(bytes[end])) ++end;
        std::string_view line = bytes.substr(pos, end - pos);
        const size_t line_at = pos;
        pos = end;
        while (pos < bytes.size() && is_eol(bytes[pos])) ++pos;
        if (line.empty()) continue;
        ++index;
        const std::string_view id = line.substr(0, std::min<size_t>(3, line.size()));
        if (id.size() != 3 || !std::all_of(id.begin(), id.end(), is_upper_alnum) ||
            (line.size() > 3 && line[3] != enc.field))
            throw ParseError(ParseErrorKind::bad_segment, "segment " + std::to_string(index) + " does not start with a segment ID and '" +
                                                              std::string(1, enc.field) + "': '" +
                                                              std::string(line.substr(0, 16)) + "'",
                             int64_t(line_at), "", index);
        if (index > 1 && id == "MSH")
            throw ParseError(ParseErrorKind::bad_segment, "a second MSH segment (one message per frame)", int64_t(line_at), "MSH", index);
        Segment seg{std::string(id), enc};
        if (line_at == msh_at) {
            seg.fields_.push_back(std::string(1, enc.field));
            seg.fields_.push_back(chars);
            const size_t rest = 4 + chars.size();
            if (line.size() > rest) {
                auto parts = split(line.substr(rest + 1), enc.field);
                for (auto f : parts) seg.fields_.emplace_back(f);
            }
        } else if (line.size() > 4) {
            for (auto f : split(line.substr(4), enc.field)) seg.fields_.emplace_back(f);
        }
        m.segments_.push_back(std::move(seg));
    }
    // Escapes are checked when read; MSH-18 is checked here, so that a message we cannot decode is
    // refused before anything is done with it.
    (void)dicom_character_set(m.character_sets());
    return m;
}

const Segment *Message::find(std::string_view id) const {
    for (const auto &s : segments_)
        if (s.id() == id) return &s;
    return nullptr;
}

std::vector<const Segment *> Message::all(std::string_view id) const {
    std::vector<const Segment *> out;
    for (const auto &s : segments_)
        if (s.id() == id) out.push_back(&s);
    return out;
}

std::string Message::get(std::string_view segment, size_t field, size_t component, size_t subcomponent,
                         size_t repetition) const {
    const Segment *s = find(segment);
    return s ? s->get(field, component, subcomponent, repetition) : std::string();
}

std::vector<std::string> Message::character_sets() const {
    std::vector<std::string> out;
    const Segment *msh = find("MSH");
    if (!msh) return out;
    for (size_t r = 1; r <= msh->repetitions(18); ++r) out.push_back(msh->get(18, 1, 1, r));
    while (!out.empty() && out.back().empty()) out.pop_back();
    return out;
}

Segment &Message::add(std::string id) {
    segments_.emplace_back(std::move(id), enc_);
    Segment &s = segments_.back();
    if (s.id() == "MSH") {
        s.fields_.push_back(std::string(1, enc_.field));
        s.fields_.push_back(enc_.msh2());
    }
    return s;
}

std::string Message::encode() const {
    std::string out;
    for (const auto &s : segments_) {
        out += s.encode();
        out += '\r';
    }
    return out;
}

// -- character sets --------------------------------------------------------------------------------------

std::string dicom_character_set(const std::vector<std::string> &names) {
    struct Entry {
        const char *hl7;
        const char *single;   // as the only character set
        const char *iso2022;  // in a code-extension list; nullptr: cannot take part
    };
    // HL7 Table 0211 (v2.5.1 and later; "ISO IR6", "ISO IR100" also accepted) -> PS3.3 C.12.1.1.2.
    static const Entry table[] = {
        {"ASCII", "", "ISO 2022 IR 6"},
        {"ISO IR6", "", "ISO 2022 IR 6"},
        {"8859/1", "ISO_IR 100", "ISO 2022 IR 100"},
        {"ISO IR100", "ISO_IR 100", "ISO 2022 IR 100"},
        {"8859/2", "ISO_IR 101", "ISO 2022 IR 101"},
        {"8859/3", "ISO_IR 109", "ISO 2022 IR 109"},
        {"8859/4", "ISO_IR 110", "ISO 2022 IR 110"},
        {"8859/5", "ISO_IR 144", "ISO 2022 IR 144"},
        {"8859/6", "ISO_IR 127", "ISO 2022 IR 127"},
        {"8859/7", "ISO_IR 126", "ISO 2022 IR 126"},
        {"8859/8", "ISO_IR 138", "ISO 2022 IR 138"},
        {"8859/9", "ISO_IR 148", "ISO 2022 IR 148"},
        {"8859/15", "ISO_IR 203", "ISO 2022 IR 203"},
        {"ISO IR14", "ISO_IR 13", "ISO 2022 IR 13"},
        {"ISO IR87", "ISO 2022 IR 6\\ISO 2022 IR 87", "ISO 2022 IR 87"},
        {"ISO IR159", "ISO 2022 IR 6\\ISO 2022 IR 159", "ISO 2022 IR 159"},
        {"KS X 1001", "ISO 2022 IR 6\\ISO 2022 IR 149", "ISO 2022 IR 149"},
        {"GB 18030-2000", "GB18030", nullptr},
        {"UNICODE UTF-8", "ISO_IR 192", nullptr},
    };
    std::vector<const Entry *> found;
    for (const auto &name : names) {
        const std::string n = upper_trimmed(name);
        const Entry *hit = nullptr;
        for (const auto &e : table)
            if (n == e.hl7) hit = &e;
        if (!hit) {
            std::string why = "MSH-18 character set '" + name + "' is not supported";
            if (n == "UNICODE" || n == "UNICODE UTF-16" || n == "UNICODE UTF-32")
                why += " (UTF-16/32 cannot be mapped to a DICOM character set; send UNICODE UTF-8)";
            else why += " (ASCII, 8859/1-9, 8859/15, UNICODE UTF-8, ISO IR14, ISO IR87, ISO IR159, KS X 1001, GB 18030-2000)";
            throw ParseError(ParseErrorKind::unsupported_character_set, why, -1, "MSH", 1, 18);
        }
        found.push_back(hit);
    }
    if (found.empty()) return "";
    if (found.size() == 1) return found[0]->single;
    // Several: the first is the default, the others reached by ISO 2022 escapes (HL7 2.15.9.18).
    std::string out;
    for (size_t i = 0; i < found.size(); ++i) {
        if (!found[i]->iso2022)
            throw ParseError(ParseErrorKind::unsupported_character_set,
                             std::string("MSH-18: ") + found[i]->hl7 + " cannot be combined with other character sets",
                             -1, "MSH", 1, 18);
        std::string term = found[i]->iso2022;
        if (out.find(term) != std::string::npos) continue;
        if (!out.empty()) out += '\\';
        out += term;
    }
    // A multi-byte set cannot be the first value (G0 holds a single-byte set): ASCII first.
    if (out.rfind("ISO 2022 IR 87", 0) == 0 || out.rfind("ISO 2022 IR 159", 0) == 0 || out.rfind("ISO 2022 IR 149", 0) == 0)
        out = "ISO 2022 IR 6\\" + out;
    return out;
}

// -- MLLP ------------------------------------------------------------------------------------------------

std::string mllp_frame(std::string_view message) {
    std::string out;
    out.reserve(message.size() + 3);
    out += kMllpStart;
    out.append(message);
    out += kMllpEnd;
    out += kMllpCr;
    return out;
}

std::vector<std::string> MllpDecoder::feed(const void *data, size_t size) {
    std::vector<std::string> out;
    const char *p = static_cast<const char *>(data);
    for (size_t i = 0; i < size; ++i) {
        const char c = p[i];
        if (!in_frame_) {
            if (c == kMllpStart) {
                in_frame_ = true;
                saw_end_ = false;
                buf_.clear();
            } else if (!(c == '\r' || c == '\n' || c == ' ' || c == '\t')) {
                throw ParseError(ParseErrorKind::bad_framing, "bytes outside an MLLP frame (expected 0x0B)");
            }
            continue;
        }
        if (saw_end_) {
            if (c != kMllpCr) throw ParseError(ParseErrorKind::bad_framing, "MLLP end block 0x1C not followed by 0x0D");
            out.push_back(std::move(buf_));
            buf_.clear();
            in_frame_ = saw_end_ = false;
            continue;
        }
        if (c == kMllpEnd) {
            saw_end_ = true;
        } else if (c == kMllpStart) {
            throw ParseError(ParseErrorKind::bad_framing, "MLLP start block 0x0B inside a frame");
        } else {
            if (buf_.size() >= max_)
                throw ParseError(ParseErrorKind::too_large,
                                 "message larger than " + std::to_string(max_) + " bytes (the listener's limit)");
            buf_ += c;
        }
    }
    return out;
}

std::string mllp_send(const std::string &host, uint16_t port, std::string_view message, int timeout_ms,
                      size_t max_reply) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    auto remaining = [&] {
        return int(std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count()));
    };
    const std::string where = host + ":" + std::to_string(port);
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (rc != 0) throw Error(Errc::network, "HL7: cannot resolve " + host + ": " + ::gai_strerror(rc));
    int fd = -1;
    std::string why = "no address";
    for (addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            why = std::strerror(errno);
            ::close(fd);
            fd = -1;
            continue;
        }
        pollfd p{fd, POLLOUT, 0};
        int err = 0;
        socklen_t len = sizeof err;
        if (::poll(&p, 1, remaining()) != 1 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            why = err ? std::strerror(err) : "timed out";
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(res);
    if (fd < 0) throw Error(Errc::network, "HL7: cannot connect to " + where + ": " + why);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    const std::string frame = mllp_frame(message);
    size_t off = 0;
    while (off < frame.size()) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, remaining()) != 1) throw Error(Errc::timeout, "HL7: " + where + " does not take the message");
        const ssize_t n = ::send(fd, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) throw Error(Errc::network, "HL7: sending to " + where + ": " + std::strerror(errno));
        off += size_t(n);
    }
    MllpDecoder decoder(max_reply);
    char buf[8192];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, remaining());
        if (r < 0 && errno == EINTR) continue;
        if (r != 1) throw Error(Errc::timeout, "HL7: no acknowledgement from " + where + " within " + std::to_string(timeout_ms) + " ms");
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) throw Error(Errc::network, "HL7: " + where + " closed the connection without an acknowledgement");
        auto frames = decoder.feed(buf, size_t(n));
        if (!frames.empty()) return std::move(frames.front());
    }
}

// -- acknowledgements ---------------------------------------------------------------------------------

const char *ack_code_name(AckCode c) noexcept {
    switch (c) {
    case AckCode::AA: return "AA";
    case AckCode::AE: return "AE";
    case AckCode::AR: return "AR";
    }
    return "?";
}

namespace {

/// Whether version `v` ("2.3.1", "2.5.1") is at least 2.5 (ERR-2..4 instead of ERR-1).
bool version_at_least_25(const std::string &v) {
    if (v.size() < 3 || v[0] != '2' || v[1] != '.') return true;
    int minor = 0;
    for (size_t i = 2; i < v.size() && i < 6 && v[i] >= '0' && v[i] <= '9'; ++i) minor = minor * 10 + (v[i] - '0');
    return minor >= 5;
}

Message build_ack(const Encoding &enc, const Segment *req_msh, AckCode code, const std::string &control_id,
                  const std::string &timestamp, const AckError *error) {
    Message ack(enc);
    Segment &msh = ack.add("MSH");
    auto req = [&](size_t f) { return req_msh ? std::string(req_msh->raw(f)) : std::string(); };
    msh.set_raw(3, req(5)).set_raw(4, req(6)).set_raw(5, req(3)).set_raw(6, req(4));
    msh.set(7, timestamp);
    const std::string event = req_msh ? req_msh->get(9, 2) : std::string();
    msh.set(9, 1, "ACK");
    if (!event.empty()) msh.set(9, 2, event);
    msh.set(9, 3, "ACK");
    msh.set(10, control_id);
    std::string processing = req(11);
    msh.set_raw(11, processing.empty() ? "P" : processing);
    std::string version = req_msh ? req_msh->get(12, 1) : std::string();
    if (version.empty()) version = "2.5.1";
    msh.set(12, version);
    if (req_msh && req_msh->has(18)) {
        // The request's character set, when it is one we read (an ACK refusing MSH-18 is in ASCII).
        try {
            std::vector<std::string> sets;
            for (size_t r = 1; r <= req_msh->repetitions(18); ++r) sets.push_back(req_msh->get(18, 1, 1, r));
            (void)dicom_character_set(sets);
            msh.set_raw(18, req(18));
        } catch (const ParseError &) {
        }
    }
    Segment &msa = ack.add("MSA");
    msa.set(1, ack_code_name(code));
    msa.set(2, req_msh ? req_msh->get(10) : std::string());
    if (error) {
        if (!error->text.empty()) msa.set(3, error->text.substr(0, 80));
        Segment &err = ack.add("ERR");
        const std::string cond = std::to_string(int(error->condition));
        if (version_at_least_25(version)) {
            // ERR-2 ERL (segment ID ^ sequence ^ field), ERR-3 CWE (code ^ text ^ HL70357), ERR-4 severity.
            if (!error->segment.empty()) {
                err.set(2, 1, error->segment);
                err.set(2, 2, std::to_string(error->segment_index ? error->segment_index : 1));
                if (error->field) err.set(2, 3, std::to_string(error->field));
            }
            err.set(3, 1, cond);
            err.set(3, 2, condition_text(error->condition));
            err.set(3, 3, "HL70357");
            err.set(4, "E");
            if (!error->text.empty()) err.set(8, error->text);
        } else {
            // ERR-1 ELD: segment ID ^ sequence ^ field position ^ code & text & HL70357 (v2.3.1 2.16.5).
            std::string eld = escape(error->segment, enc) + enc.component +
                              (error->segment.empty() ? "" : std::to_string(error->segment_index ? error->segment_index : 1)) +
                              enc.component + (error->field ? std::to_string(error->field) : "") + enc.component + cond +
                              enc.subcomponent + escape(condition_text(error->condition), enc) + enc.subcomponent + "HL70357";
            err.set_raw(1, eld);
        }
    }
    return ack;
}

}  // namespace

Message make_ack(const Message &request, AckCode code, const std::string &control_id, const std::string &timestamp,
                 const AckError *error) {
    return build_ack(request.encoding(), request.find("MSH"), code, control_id, timestamp, error);
}

Message make_ack_unparsed(std::string_view bytes, AckCode code, const std::string &control_id,
                          const std::string &timestamp, const AckError &error) {
    // Read what MSH we can: its first line, split on its own separator when it has one.
    Encoding enc;
    Segment msh("MSH", enc);
    bool have = false;
    size_t pos = 0;
    while (pos < bytes.size() && is_eol(bytes[pos])) ++pos;
    const size_t end = std::min(bytes.find_first_of("\r\n", pos), bytes.size());
    const std::string_view line = bytes.substr(pos, end - pos);
    if (line.size() > 8 && line.substr(0, 3) == "MSH") {
        const char fs = line[3];
        auto parts = split(line.substr(4), fs);
        // Keep the default delimiters for the answer; copy only plain values (no delimiters in them).
        msh.set_raw(1, std::string(1, enc.field)).set_raw(2, enc.msh2());
        for (size_t i = 1; i < parts.size(); ++i) {
            std::string v(parts[i]);
            if (v.find_first_of(enc.msh2() + enc.field) != std::string::npos) v = escape(v, enc);
            msh.set_raw(i + 2, v);
        }
        have = true;
    }
    return build_ack(enc, have ? &msh : nullptr, code, control_id, timestamp, &error);
}

}  // namespace dcmkit::hl7
