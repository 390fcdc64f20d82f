// libFuzzer target: the HL7 v2 ER7 parser, MLLP framing and the order mapping on arbitrary bytes,
// with differential checks: a message that parses is written back and parses to the same text, every
// value of it reads (or fails with a typed error), and its acknowledgement parses with MSA-2 = MSH-10.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dcmkit/archive_hl7.h"
#include "dcmkit/error.h"
#include "dcmkit/services/hl7.h"

namespace hl7 = dcmkit::hl7;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char *>(data), size);
    // MLLP: the same bytes fed whole and split must give the same frames (or both fail).
    {
        hl7::MllpDecoder whole(4096), split(4096);
        std::vector<std::string> a, b;
        bool a_ok = true, b_ok = true;
        try {
            a = whole.feed(data, size);
        } catch (const hl7::ParseError &) {
            a_ok = false;
        }
        try {
            for (size_t i = 0; i < size; i += 7)
                for (auto &m : split.feed(data + i, std::min<size_t>(7, size - i))) b.push_back(std::move(m));
        } catch (const hl7::ParseError &) {
            b_ok = false;
        }
        if (a_ok != b_ok || (a_ok && a != b)) std::abort();
    }
    hl7::Message m;
    try {
        m = hl7::Message::parse(bytes);
    } catch (const hl7::ParseError &) {
        hl7::AckError e{hl7::Condition::data_type_error, "x", "MSH", 1, 2};
        try {
            (void)hl7::Message::parse(hl7::make_ack_unparsed(bytes, hl7::AckCode::AR, "A", "2026", e).encode());
        } catch (const dcmkit::Error &) {
            std::abort();  // our own acknowledgement always parses
        }
        return 0;
    }
    for (const auto &seg : m.segments()) {
        for (size_t f = 1; f <= seg.field_count() && f <= 64; ++f) {
            for (size_t r = 1; r <= seg.repetitions(f) && r <= 8; ++r) {
                for (size_t c = 1; c <= 6; ++c) {
                    try {
                        (void)seg.get(f, c, 1, r);
                        (void)seg.get(f, c, 2, r);
                    } catch (const hl7::ParseError &e) {
                        if (e.kind() != hl7::ParseErrorKind::bad_escape) std::abort();
                    }
                }
            }
        }
    }
    const std::string text = m.encode();
    try {
        if (hl7::Message::parse(text).encode() != text) std::abort();
    } catch (const hl7::ParseError &) {
        std::abort();  // what parsed, written back, parses again
    }
    try {
        const hl7::Message ack = hl7::Message::parse(hl7::make_ack(m, hl7::AckCode::AA, "A", "2026").encode());
        if (ack.get("MSA", 2) != m.control_id()) std::abort();
    } catch (const hl7::ParseError &) {
        // MSH-10 with an escape sequence that does not read: the ACK cannot echo it either
    }
    // The order mapping, without an index: items or a typed refusal, never a crash.
    for (size_t i = 0; i < 4; ++i) {
        try {
            (void)dcmkit::archive::worklist_items_from_order(m, i);
        } catch (const dcmkit::Error &) {
        }
    }
    return 0;
}
