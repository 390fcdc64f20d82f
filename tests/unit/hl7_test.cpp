// The HL7 v2 ER7 parser and writer (dcmkit/services/hl7.h): delimiters from MSH-1/MSH-2, segment
// terminators, repetitions, components, subcomponents, escape sequences (HL7 v2.5.1 section 2.7),
// MSH-18 character sets (Table 0211), MLLP framing, acknowledgements, and malformed messages.
// Expected values are those of the HL7 v2.5.1 text (the examples of 2.7 and 2.14) and, for whole
// messages, of python3-hl7 (tests/interop/hl7_interop_test.cpp compares the two on the same bytes).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dcmkit/services/hl7.h"

using namespace dcmkit;
namespace hl7 = dcmkit::hl7;

namespace {

// An ORM^O01 as IHE RAD-4 shows it (v2.3.1), fields counted from 1.
const std::string kOrm =
    "MSH|^~\\&|RIS|HOSP|PACS|RAD|20261207120000||ORM^O01|MSG0001|P|2.3.1\r"
    "PID|||P12345^^^HOSP~X9^^^OTHER||Doe^John^Q^Jr^Dr||19700215|M\r"
    "ORC|NW|PL100^RIS|FL200^PACS\r"
    "OBR|1|PL100^RIS|FL200^PACS|CTHEAD^CT Head^L||||||||||||&Sub1&Sub2\r";

hl7::ParseErrorKind kind_of(const std::string &bytes) {
    try {
        hl7::Message::parse(bytes);
    } catch (const hl7::ParseError &e) {
        return e.kind();
    }
    ADD_FAILURE() << "parsed: " << bytes;
    return hl7::ParseErrorKind::empty;
}

}  // namespace

TEST(Hl7Parse, FieldsComponentsRepetitionsSubcomponents) {
    const hl7::Message m = hl7::Message::parse(kOrm);
    ASSERT_EQ(m.segments().size(), 4u);
    EXPECT_EQ(m.message_code(), "ORM");
    EXPECT_EQ(m.trigger_event(), "O01");
    EXPECT_EQ(m.control_id(), "MSG0001");
    EXPECT_EQ(m.version(), "2.3.1");
    // MSH-1 is the field separator, MSH-2 the encoding characters (HL7 2.14.9.1, 2.14.9.2).
    EXPECT_EQ(m.get("MSH", 1), "|");
    EXPECT_EQ(m.get("MSH", 2), "^~\\&");
    EXPECT_EQ(m.get("MSH", 3), "RIS");
    const hl7::Segment &pid = *m.find("PID");
    EXPECT_EQ(pid.repetitions(3), 2u);
    EXPECT_EQ(pid.get(3, 1), "P12345");
    EXPECT_EQ(pid.get(3, 4), "HOSP");
    EXPECT_EQ(pid.get(3, 1, 1, 2), "X9");
    EXPECT_EQ(pid.get(3, 4, 1, 2), "OTHER");
    EXPECT_EQ(pid.get(3, 1, 1, 3), "");  // no third repetition
    EXPECT_EQ(pid.get(5, 1), "Doe");
    EXPECT_EQ(pid.get(5, 5), "Dr");
    EXPECT_EQ(pid.get(5, 6), "");
    EXPECT_EQ(pid.get(7), "19700215");
    EXPECT_EQ(pid.get(8), "M");
    EXPECT_EQ(pid.get(30), "");  // past the last field
    EXPECT_EQ(std::string(pid.raw(5)), "Doe^John^Q^Jr^Dr");
    const hl7::Segment &obr = *m.find("OBR");
    EXPECT_EQ(obr.get(16, 1, 1), "");
    EXPECT_EQ(obr.get(16, 1, 2), "Sub1");
    EXPECT_EQ(obr.get(16, 1, 3), "Sub2");
    EXPECT_EQ(m.all("ORC").size(), 1u);
    EXPECT_EQ(m.find("ZDS"), nullptr);
}

TEST(Hl7Parse, AnyDelimitersMsh1AndMsh2Name) {
    // The same message with other delimiters: field '*', component '#', repetition '!', escape '$',
    // subcomponent '%' (HL7 2.5.4: any characters MSH-1 and MSH-2 name).
    std::string other = kOrm;
    for (char &c : other) {
        switch (c) {
        case '|': c = '*'; break;
        case '^': c = '#'; break;
        case '~': c = '!'; break;
        case '\\': c = '$'; break;
        case '&': c = '%'; break;
        default: break;
        }
    }
    const hl7::Message a = hl7::Message::parse(kOrm), b = hl7::Message::parse(other);
    EXPECT_EQ(b.encoding().field, '*');
    EXPECT_EQ(b.encoding().component, '#');
    EXPECT_EQ(b.encoding().repetition, '!');
    EXPECT_EQ(b.encoding().escape, '$');
    EXPECT_EQ(b.encoding().subcomponent, '%');
    ASSERT_EQ(a.segments().size(), b.segments().size());
    for (size_t s = 0; s < a.segments().size(); ++s)
        for (size_t f = 3; f <= 20; ++f)
            for (size_t c = 1; c <= 5; ++c)
                for (size_t r = 1; r <= 2; ++r)
                    for (size_t sc = 1; sc <= 3; ++sc)
                        EXPECT_EQ(a.segments()[s].get(f, c, sc, r), b.segments()[s].get(f, c, sc, r))
                            << a.segments()[s].id() << "-" << f << "." << c << "." << sc << " rep " << r;
    // And the escapes follow the escape character: $F$ is the field separator '*'.
    const hl7::Message e = hl7::Message::parse("MSH*#!$%*A$F$B$S$C\r");
    EXPECT_EQ(e.get("MSH", 3), "A*B#C");
}

TEST(Hl7Parse, SegmentsEndWithCrLfOrCrLf) {
    std::string lf = kOrm, crlf;
    for (char &c : lf)
        if (c == '\r') c = '\n';
    for (char c : kOrm) crlf += c == '\r' ? std::string("\r\n") : std::string(1, c);
    const std::string no_final = kOrm.substr(0, kOrm.size() - 1);  // the last segment unterminated
    for (const std::string &text : {lf, crlf, no_final, std::string("\r\n") + kOrm + "\n\n"}) {
        const hl7::Message m = hl7::Message::parse(text);
        ASSERT_EQ(m.segments().size(), 4u);
        EXPECT_EQ(m.get("PID", 5, 2), "John");
        EXPECT_EQ(m.get("OBR", 16, 1, 3), "Sub2");
        EXPECT_EQ(m.encode(), kOrm);  // written back with CR
    }
}

TEST(Hl7Escape, SequencesOfSection27) {
    const hl7::Encoding enc;
    // 2.7.4: the delimiters.
    EXPECT_EQ(hl7::unescape("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f", enc), "a|b^c&d~e\\f");
    // 2.7.5: hexadecimal data.
    EXPECT_EQ(hl7::unescape("\\X4142\\C", enc), "ABC");
    EXPECT_EQ(hl7::unescape("M\\XFC\\ller", enc), "M\xFCller");
    // 2.7.3: highlighting is a display hint.
    EXPECT_EQ(hl7::unescape("\\H\\Undefined\\N\\ value", enc), "Undefined value");
    // 2.7.6: formatted text: line breaks and skips.
    EXPECT_EQ(hl7::unescape("line1\\.br\\line2", enc), "line1\r\nline2");
    EXPECT_EQ(hl7::unescape("a\\.sk3\\b", enc), "a   b");
    // 2.7.2: ISO 2022 designations: \C2842\ is ESC ( B, \M2442\ ESC $ B.
    EXPECT_EQ(hl7::unescape("\\M2442\\x\\C2842\\", enc), "\x1B$Bx\x1B(B");
    // A local escape (\Z…\) is kept as written.
    EXPECT_EQ(hl7::unescape("\\Zabc\\", enc), "\\Zabc\\");
    // escape() writes what unescape() reads back.
    const std::string text = "a|b^c&d~e\\f\rg\nh";
    EXPECT_EQ(hl7::escape(text, enc), "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X0D\\g\\X0A\\h");
    EXPECT_EQ(hl7::unescape(hl7::escape(text, enc), enc), text);
}

TEST(Hl7Escape, MalformedSequencesAreTypedErrors) {
    const hl7::Encoding enc;
    for (const char *raw : {"abc\\F", "\\X4\\", "\\XZZ\\", "\\C28\\", "\\M24424242\\"}) {
        SCOPED_TRACE(raw);
        try {
            hl7::unescape(raw, enc);
            ADD_FAILURE() << "accepted";
        } catch (const hl7::ParseError &e) {
            EXPECT_EQ(e.kind(), hl7::ParseErrorKind::bad_escape);
            EXPECT_EQ(e.code(), Errc::malformed);
            EXPECT_EQ(e.condition(), hl7::Condition::data_type_error);
        }
    }
    // Through a field: the error surfaces when the field is read.
    const hl7::Message m = hl7::Message::parse("MSH|^~\\&|A\\X4G\\\r");
    EXPECT_THROW(m.get("MSH", 3), hl7::ParseError);
}

TEST(Hl7Charset, Msh18MapsToDicomSpecificCharacterSet) {
    EXPECT_EQ(hl7::dicom_character_set({}), "");
    EXPECT_EQ(hl7::dicom_character_set({"ASCII"}), "");
    EXPECT_EQ(hl7::dicom_character_set({"8859/1"}), "ISO_IR 100");
    EXPECT_EQ(hl7::dicom_character_set({"8859/2"}), "ISO_IR 101");
    EXPECT_EQ(hl7::dicom_character_set({"8859/5"}), "ISO_IR 144");
    EXPECT_EQ(hl7::dicom_character_set({"8859/7"}), "ISO_IR 126");
    EXPECT_EQ(hl7::dicom_character_set({"8859/15"}), "ISO_IR 203");
    EXPECT_EQ(hl7::dicom_character_set({"UNICODE UTF-8"}), "ISO_IR 192");
    EXPECT_EQ(hl7::dicom_character_set({"ISO IR14"}), "ISO_IR 13");
    EXPECT_EQ(hl7::dicom_character_set({"GB 18030-2000"}), "GB18030");
    EXPECT_EQ(hl7::dicom_character_set({"ISO IR87"}), "ISO 2022 IR 6\\ISO 2022 IR 87");
    // Repeated MSH-18: the first is the default, the others reached by escapes (code extensions).
    EXPECT_EQ(hl7::dicom_character_set({"ASCII", "ISO IR87"}), "ISO 2022 IR 6\\ISO 2022 IR 87");
    EXPECT_EQ(hl7::dicom_character_set({"ASCII", "KS X 1001"}), "ISO 2022 IR 6\\ISO 2022 IR 149");
    for (const std::vector<std::string> &names :
         {std::vector<std::string>{"UNICODE UTF-16"}, {"BIG-5"}, {"LATIN1"}, {"UNICODE UTF-8", "ISO IR87"}}) {
        try {
            hl7::dicom_character_set(names);
            ADD_FAILURE() << names[0];
        } catch (const hl7::ParseError &e) {
            EXPECT_EQ(e.kind(), hl7::ParseErrorKind::unsupported_character_set);
            EXPECT_EQ(e.code(), Errc::charset);
            EXPECT_EQ(e.field(), 18u);
        }
    }
    const hl7::Message m = hl7::Message::parse("MSH|^~\\&|A|B|C|D|20260101||ADT^A08|1|P|2.5.1||||||8859/1\r");
    EXPECT_EQ(m.character_sets(), std::vector<std::string>{"8859/1"});
    // A message in an unsupported character set is refused as a whole.
    EXPECT_EQ(kind_of("MSH|^~\\&|A|B|C|D|20260101||ADT^A08|1|P|2.5.1||||||UNICODE UTF-32\r"),
              hl7::ParseErrorKind::unsupported_character_set);
}

TEST(Hl7Parse, MalformedMessagesAreTypedErrors) {
    EXPECT_EQ(kind_of(""), hl7::ParseErrorKind::empty);
    EXPECT_EQ(kind_of("\r\n\r"), hl7::ParseErrorKind::empty);
    EXPECT_EQ(kind_of("PID|||1\r"), hl7::ParseErrorKind::no_msh);
    EXPECT_EQ(kind_of("MSH"), hl7::ParseErrorKind::bad_encoding_characters);
    EXPECT_EQ(kind_of("MSH|^~\r"), hl7::ParseErrorKind::bad_encoding_characters);       // too few
    EXPECT_EQ(kind_of("MSH|^~\\^|A\r"), hl7::ParseErrorKind::bad_encoding_characters);  // repeated
    EXPECT_EQ(kind_of("MSH|^~|&|A\r"), hl7::ParseErrorKind::bad_encoding_characters);   // the field separator
    EXPECT_EQ(kind_of("MSHA^~\\&|A\r"), hl7::ParseErrorKind::bad_encoding_characters);  // alphanumeric
    EXPECT_EQ(kind_of("MSH|^~\\&|A\rpid|1\r"), hl7::ParseErrorKind::bad_segment);
    EXPECT_EQ(kind_of("MSH|^~\\&|A\rPIDX|1\r"), hl7::ParseErrorKind::bad_segment);
    EXPECT_EQ(kind_of("MSH|^~\\&|A\rMSH|^~\\&|B\r"), hl7::ParseErrorKind::bad_segment);
    try {
        hl7::Message::parse("MSH|^~\\&|A\rPID|1\rP!D|2\r");
        ADD_FAILURE();
    } catch (const hl7::ParseError &e) {
        EXPECT_EQ(e.segment_index(), 3u);  // named by position for the ERR segment
        EXPECT_EQ(e.condition(), hl7::Condition::segment_sequence_error);
        EXPECT_NE(std::string(e.what()).find("segment 3"), std::string::npos) << e.what();
    }
}

TEST(Hl7Write, BuildsSegmentsThatParseBack) {
    hl7::Message m;
    hl7::Segment &msh = m.add("MSH");
    msh.set(3, "APP").set(9, 1, "ADT").set(9, 2, "A08").set(10, "42").set(12, "2.5.1");
    hl7::Segment &pid = m.add("PID");
    pid.set(3, 1, "ID|1").set(5, 1, "O'Brien^Jr").set(5, 2, "Anne");
    const std::string er7 = m.encode();
    EXPECT_EQ(er7, "MSH|^~\\&|APP||||||ADT^A08|42||2.5.1\rPID|||ID\\F\\1||O'Brien\\S\\Jr^Anne\r");
    const hl7::Message back = hl7::Message::parse(er7);
    EXPECT_EQ(back.get("PID", 3, 1), "ID|1");
    EXPECT_EQ(back.get("PID", 5, 1), "O'Brien^Jr");
    EXPECT_EQ(back.get("PID", 5, 2), "Anne");
    EXPECT_EQ(back.trigger_event(), "A08");
}

TEST(Hl7Ack, MsaEchoesMsh10AndErrNamesTheError) {
    const hl7::Message rq = hl7::Message::parse(
        "MSH|^~\\&|RIS|HOSP|PACS|RAD|20261207120000||OMI^O23^OMI_O23|CTRL-7|P|2.5.1\rPID|||1\r");
    const hl7::Message ok = hl7::Message::parse(hl7::make_ack(rq, hl7::AckCode::AA, "A1", "20261207120001").encode());
    // 2.9.2: the receiver answers as sender (MSH-3/4 from the request's MSH-5/6) and the reverse.
    EXPECT_EQ(ok.get("MSH", 3), "PACS");
    EXPECT_EQ(ok.get("MSH", 5), "RIS");
    EXPECT_EQ(ok.get("MSH", 6), "HOSP");
    EXPECT_EQ(ok.message_code(), "ACK");
    EXPECT_EQ(ok.trigger_event(), "O23");
    EXPECT_EQ(ok.control_id(), "A1");
    EXPECT_EQ(ok.version(), "2.5.1");
    EXPECT_EQ(ok.get("MSA", 1), "AA");
    EXPECT_EQ(ok.get("MSA", 2), "CTRL-7");
    EXPECT_EQ(ok.find("ERR"), nullptr);

    hl7::AckError err{hl7::Condition::required_field_missing, "PID-3 is empty", "PID", 2, 3};
    const hl7::Message ae = hl7::Message::parse(hl7::make_ack(rq, hl7::AckCode::AE, "A2", "20261207120001", &err).encode());
    EXPECT_EQ(ae.get("MSA", 1), "AE");
    EXPECT_EQ(ae.get("MSA", 2), "CTRL-7");
    // v2.5: ERR-2 location (ERL), ERR-3 code (HL7 Table 0357), ERR-4 severity.
    EXPECT_EQ(ae.get("ERR", 2, 1), "PID");
    EXPECT_EQ(ae.get("ERR", 2, 2), "2");
    EXPECT_EQ(ae.get("ERR", 2, 3), "3");
    EXPECT_EQ(ae.get("ERR", 3, 1), "101");
    EXPECT_EQ(ae.get("ERR", 3, 3), "HL70357");
    EXPECT_EQ(ae.get("ERR", 4), "E");

    // v2.3.1: ERR-1 ELD (segment ^ sequence ^ field ^ code&text&table).
    const hl7::Message rq23 = hl7::Message::parse(kOrm);
    const hl7::Message ae23 = hl7::Message::parse(hl7::make_ack(rq23, hl7::AckCode::AE, "A3", "20261207120001", &err).encode());
    EXPECT_EQ(ae23.get("ERR", 1, 1), "PID");
    EXPECT_EQ(ae23.get("ERR", 1, 3), "3");
    EXPECT_EQ(ae23.get("ERR", 1, 4, 1), "101");
    EXPECT_EQ(ae23.get("ERR", 1, 4, 3), "HL70357");
    EXPECT_EQ(ae23.get("MSA", 2), "MSG0001");

    // Bytes that do not parse: MSA-2 still echoes MSH-10 when MSH can be read.
    hl7::AckError bad{hl7::Condition::data_type_error, "MSH-2 repeats a delimiter", "MSH", 1, 2};
    const hl7::Message ar = hl7::Message::parse(
        hl7::make_ack_unparsed("MSH|^^\\&|RIS|H|PACS|R|2026||ORM^O01|X-9|P|2.3.1\r", hl7::AckCode::AR, "A4", "2026", bad).encode());
    EXPECT_EQ(ar.get("MSA", 1), "AR");
    EXPECT_EQ(ar.get("MSA", 2), "X-9");
    // A version of many digits (found by hl7_fuzzer: an int overflow under UBSan) is read as 2.x.
    const hl7::Message odd = hl7::Message::parse(hl7::make_ack_unparsed(
        "MSH|^^\\&|RIS|H|PACS|R|2026||ORM^O01|X-10|P|2.3261207120000\r", hl7::AckCode::AR, "A5", "2026", bad).encode());
    EXPECT_EQ(odd.get("MSA", 2), "X-10");
    EXPECT_EQ(odd.get("ERR", 3, 1), "102");
}

TEST(Hl7Mllp, FramesAcrossReadsBoundedAndChecked) {
    const std::string a = "MSH|^~\\&|A\r", b = "MSH|^~\\&|B\r";
    const std::string stream = hl7::mllp_frame(a) + "\r\n" + hl7::mllp_frame(b);
    EXPECT_EQ(stream.front(), '\x0B');
    EXPECT_EQ(stream.substr(a.size() + 1, 2), std::string("\x1C\x0D"));
    // Byte by byte: both messages, whole.
    hl7::MllpDecoder d;
    std::vector<std::string> got;
    for (char c : stream)
        for (auto &m : d.feed(&c, 1)) got.push_back(m);
    EXPECT_EQ(got, (std::vector<std::string>{a, b}));
    EXPECT_FALSE(d.in_frame());

    hl7::MllpDecoder small(8);  // a frame over the limit is refused before it is buffered whole
    const std::string big = hl7::mllp_frame(std::string(100, 'x'));
    try {
        small.feed(big.data(), big.size());
        ADD_FAILURE();
    } catch (const hl7::ParseError &e) {
        EXPECT_EQ(e.kind(), hl7::ParseErrorKind::too_large);
        EXPECT_EQ(e.code(), Errc::bad_length);
    }
    for (const std::string &junk : {std::string("GET / HTTP/1.0\r\n"), std::string("\x0B" "abc\x1C" "x"),
                                    std::string("\x0B" "a\x0B")}) {
        hl7::MllpDecoder dd;
        try {
            dd.feed(junk.data(), junk.size());
            ADD_FAILURE() << junk;
        } catch (const hl7::ParseError &e) {
            EXPECT_EQ(e.kind(), hl7::ParseErrorKind::bad_framing);
        }
    }
}
