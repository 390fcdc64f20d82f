// dcmkit — HL7 v2 messages in ER7 (the pipe-and-hat encoding, HL7 v2.5.1 Chapter 2.5–2.7) and
// their MLLP framing (HL7 v2 Implementation Guide, MLLP release 2): a parser and writer with no
// DICOM dependency, which the archive's order listener maps to worklist items.
//
//   hl7::Message m = hl7::Message::parse(bytes);           // throws hl7::ParseError
//   std::string family = m.get("PID", 5, 1);               // PID-5.1, unescaped
//   std::string term = hl7::dicom_character_set(m.character_sets());  // "ISO_IR 100" for 8859/1
//
// Encoding rules followed:
//   - The message starts with MSH; MSH-1 is the character after "MSH" (the field separator), MSH-2
//     the encoding characters up to the next field separator: component, repetition, escape and
//     subcomponent separators (and, v2.7, the truncation character) — any characters, as long as
//     they are distinct, printable, not alphanumeric and not the field separator.
//   - Segments end with CR, LF or CR LF (any run of them: empty segments are skipped); a segment ID is
//     three upper-case letters or digits.
//   - Escape sequences (2.7): \F\ \S\ \T\ \R\ \E\ (the delimiters), \P\ (the truncation character),
//     \Xhh…\ (bytes), \Cxxyy\ and \Mxxyy[zz]\ (ISO 2022 designations: ESC xx yy [zz]), \H\ and \N\ (dropped),
//     \.br\ \.sp[n]\ \.ce\ (line breaks, CR LF), \.sk[n]\ \.in[n]\ and
//     \.ti[n]\ (spaces), \.fi\ \.nf\ (dropped). Others (\Zxxx\ local escapes) are kept as written.
//   - Field, repetition, component and subcomponent numbers are 1-based, as HL7 writes them
//     (PID-5.1 is get("PID", 5, 1)); MSH-1 is the field separator and MSH-2 the encoding characters.
//   - Values are bytes in the message's character set (MSH-18); dicom_character_set() names the
//     DICOM Specific Character Set that decodes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/error.h"

namespace dcmkit::hl7 {

/// HL7 Table 0357, Message Error Condition Codes: what an ERR segment reports.
enum class Condition : int {
    accepted = 0,
    segment_sequence_error = 100,
    required_field_missing = 101,
    data_type_error = 102,
    table_value_not_found = 103,
    unsupported_message_type = 200,
    unsupported_event_code = 201,
    unsupported_processing_id = 202,
    unsupported_version_id = 203,
    unknown_key_identifier = 204,
    duplicate_key_identifier = 205,
    application_record_locked = 206,
    application_internal_error = 207,
};
/// The text HL7 Table 0357 gives the condition ("Required field missing").
const char *condition_text(Condition c) noexcept;

/// What is wrong with a message the parser refuses (ParseError::kind()).
enum class ParseErrorKind {
    empty,                     ///< no bytes, or only segment terminators
    no_msh,                    ///< the first segment is not MSH
    bad_encoding_characters,   ///< MSH-1/MSH-2 missing, repeated, alphanumeric or incomplete
    bad_segment,               ///< a segment ID that is not three upper-case letters or digits
    bad_escape,                ///< an escape sequence without its end, or \X\ with bad hex digits
    unsupported_character_set, ///< MSH-18 names a character set this parser cannot map
    too_large,                 ///< a frame larger than the limit (MLLP)
    bad_framing,               ///< bytes outside an MLLP frame, or a frame not ended by 0x1C 0x0D
};
const char *parse_error_kind_name(ParseErrorKind kind) noexcept;

/// A message the parser refuses: a dcmkit::Error (malformed, charset, bad_length or protocol) with
/// the kind, where (segment ID and its 1-based position, field number; 0 when not known) and the
/// HL7 condition (Table 0357) an acknowledgement reports.
class ParseError : public Error {
public:
    ParseError(ParseErrorKind kind, const std::string &message, int64_t offset = -1, std::string segment = {},
               size_t segment_index = 0, size_t field = 0);
    ParseErrorKind kind() const noexcept { return kind_; }
    const std::string &segment() const noexcept { return segment_; }
    size_t segment_index() const noexcept { return segment_index_; }
    size_t field() const noexcept { return field_; }
    Condition condition() const noexcept;

private:
    ParseErrorKind kind_;
    std::string segment_;
    size_t segment_index_, field_;
};

/// The delimiters of a message (MSH-1 and MSH-2). The defaults are HL7's recommended ones.
struct Encoding {
    char field = '|', component = '^', repetition = '~', escape = '\\', subcomponent = '&';
    char truncation = 0;  ///< v2.7 MSH-2's fifth character ('#'); 0: none
    /// MSH-2 as written: "^~\&" (and the truncation character).
    std::string msh2() const;
};

/// Escapes text for a value in a message (each delimiter as its escape sequence; CR and LF as \X0D\ \X0A\).
std::string escape(std::string_view text, const Encoding &enc);
/// The text of an escaped value (see the header comment). Throws ParseError(bad_escape).
std::string unescape(std::string_view raw, const Encoding &enc);

/// One segment: its ID and its fields as written (still escaped). Field n is HL7's SEG-n.
class Segment {
public:
    Segment() = default;
    Segment(std::string id, Encoding enc) : id_(std::move(id)), enc_(enc) {}

    const std::string &id() const noexcept { return id_; }
    /// The highest field number present (MSH counts MSH-1 and MSH-2).
    size_t field_count() const noexcept { return fields_.size(); }
    /// Field n as written (escaped, with its repetitions and components); "" when absent.
    std::string_view raw(size_t field) const;
    /// How many repetitions field n has (0 when empty or absent).
    size_t repetitions(size_t field) const;
    /// The unescaped text of field-repetition-component-subcomponent (1-based; "" when absent).
    /// Throws ParseError(bad_escape).
    std::string get(size_t field, size_t component = 1, size_t subcomponent = 1, size_t repetition = 1) const;
    /// Whether field n has any non-empty content.
    bool has(size_t field) const { return !raw(field).empty(); }

    /// Sets field n (a value of its own: no repetition, component or subcomponent) to `text`, escaped.
    Segment &set(size_t field, std::string_view text);
    /// Sets one component (1-based) of field n's first repetition to `text`, escaped.
    Segment &set(size_t field, size_t component, std::string_view text);
    /// Sets field n as written (the caller escapes and joins).
    Segment &set_raw(size_t field, std::string raw);
    /// The segment in ER7, without its terminator.
    std::string encode() const;

private:
    friend class Message;
    std::string id_;
    Encoding enc_;
    std::vector<std::string> fields_;  // fields_[0] is SEG-1
};

/// A parsed message: its delimiters and segments, in order.
class Message {
public:
    /// Parses a message (ER7). Throws ParseError.
    static Message parse(std::string_view bytes);

    const Encoding &encoding() const noexcept { return enc_; }
    const std::vector<Segment> &segments() const noexcept { return segments_; }
    std::vector<Segment> &segments() noexcept { return segments_; }
    /// The first segment with this ID, or nullptr.
    const Segment *find(std::string_view id) const;
    /// Every segment with this ID, in order.
    std::vector<const Segment *> all(std::string_view id) const;
    /// get() of the first segment with this ID ("" when there is none).
    std::string get(std::string_view segment, size_t field, size_t component = 1, size_t subcomponent = 1,
                    size_t repetition = 1) const;

    /// MSH-9: message code, trigger event, structure ("ORM", "O01", "ORM_O01").
    std::string message_code() const { return get("MSH", 9, 1); }
    std::string trigger_event() const { return get("MSH", 9, 2); }
    std::string control_id() const { return get("MSH", 10); }
    std::string version() const { return get("MSH", 12, 1); }
    /// MSH-18's repetitions ("8859/1"); empty when absent (ASCII, HL7 2.15.9.18).
    std::vector<std::string> character_sets() const;

    /// Appends a segment using this message's delimiters.
    Segment &add(std::string id);
    /// The message in ER7, each segment ended by CR.
    std::string encode() const;

    Message() = default;
    explicit Message(Encoding enc) : enc_(enc) {}

private:
    Encoding enc_;
    std::vector<Segment> segments_;
};

/// The DICOM Specific Character Set (0008,0005) value that decodes text in the character sets MSH-18
/// names (HL7 Table 0211): "" (the default repertoire) for none or ASCII; "ISO_IR 100" for 8859/1,
/// 101/109/110/144/127/126/138/148/203 for 8859/2 to /9 and /15; "ISO_IR 192" for UNICODE UTF-8;
/// "ISO_IR 13" for ISO IR14; "GB18030" for GB 18030-2000; with code extensions ("ISO 2022 IR 6\ISO
/// 2022 IR 87") for ISO IR87, ISO IR159 and KS X 1001, or when MSH-18 repeats (the alternate sets
/// reached through \C…\ or \M…\ escapes). Throws ParseError(unsupported_character_set) for UTF-16,
/// UTF-32, BIG-5, CNS 11643 and names not in the table.
std::string dicom_character_set(const std::vector<std::string> &hl7_character_sets);

// -- MLLP (Minimal Lower Layer Protocol) ------------------------------------------------------------

inline constexpr char kMllpStart = 0x0B, kMllpEnd = 0x1C, kMllpCr = 0x0D;
/// A message framed for MLLP: 0x0B, the bytes, 0x1C 0x0D.
std::string mllp_frame(std::string_view message);

/// Reassembles MLLP frames from a byte stream, bounded: a frame larger than `max_size` is refused
/// before it is buffered whole (ParseError too_large), bytes before a start block (other than
/// whitespace between frames) are refused (bad_framing).
class MllpDecoder {
public:
    explicit MllpDecoder(size_t max_size = 1 << 20) : max_(max_size) {}
    /// Feeds bytes; returns the messages completed by them (without framing). Throws ParseError;
    /// the decoder is then unusable (the connection should be closed).
    std::vector<std::string> feed(const void *data, size_t size);
    /// Whether part of a frame is buffered.
    bool in_frame() const noexcept { return in_frame_; }

private:
    size_t max_;
    bool in_frame_ = false, saw_end_ = false;
    std::string buf_;
};

/// Sends one message over MLLP to HOST:PORT (a new TCP connection) and returns the reply (the
/// acknowledgement, unframed). Throws Error(network) when the connection fails or closes before
/// a reply, Error(timeout) after `timeout_ms` without one, ParseError for a malformed reply frame or
/// one over `max_reply` bytes.
std::string mllp_send(const std::string &host, uint16_t port, std::string_view message, int timeout_ms = 30000,
                      size_t max_reply = 1 << 20);

// -- acknowledgements ---------------------------------------------------------------------------------

/// MSA-1 (HL7 Table 0008, original mode).
enum class AckCode { AA, AE, AR };
const char *ack_code_name(AckCode c) noexcept;

/// What went wrong, for the ERR segment.
struct AckError {
    Condition condition = Condition::application_internal_error;
    std::string text;          ///< a person-readable reason
    std::string segment;       ///< where: segment ID ("PID"), empty when not known
    size_t segment_index = 0;  ///< its 1-based position in the message
    size_t field = 0;          ///< field number, 0 when not known
};

/// The acknowledgement of `request` (HL7 2.9.2 original mode, 2.14.1 ACK): MSH with sender and
/// receiver swapped, MSH-9 ACK^<event>^ACK, MSH-10 `control_id`, MSH-11/MSH-12 (the version, 2.5.1
/// when the request has none) and MSH-18 from the request; MSA-1 `code`, MSA-2 the request's MSH-10,
/// MSA-3 the error text; with an error, an ERR segment: ERR-1 (ELD, up to v2.4) and ERR-2 to ERR-4
/// (location, HL7 Table 0357 code, severity E; from v2.5). `timestamp` is MSH-7 (YYYYMMDDHHMMSS).
Message make_ack(const Message &request, AckCode code, const std::string &control_id, const std::string &timestamp,
                 const AckError *error = nullptr);
/// An acknowledgement for bytes that did not parse as a message: what MSH could be read (its
/// delimiters, MSH-10, MSH-12) is used, else the defaults.
Message make_ack_unparsed(std::string_view bytes, AckCode code, const std::string &control_id,
                          const std::string &timestamp, const AckError &error);

}  // namespace dcmkit::hl7
