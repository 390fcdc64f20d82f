// Typed access to datasets: strings (PS3.5 6.2 trimming), numbers, person names (PS3.5 6.2.1),
// dates and times, AT, UIDs, element order, private blocks (PS3.5 7.8), sequences, comparison and
// keyword lookup.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"

using namespace dcmkit;
using namespace std::string_literals;

namespace {

using Strings = std::vector<std::string>;

// Sets a raw value exactly as it would arrive from a file (no padding added, no encoding).
void raw(Dataset &ds, Tag t, VR vr, const std::string &bytes) { ds.set(Element(t, vr, Bytes::copy(bytes))); }

template <typename F>
Errc error_code(F &&f) {
    try {
        f();
    } catch (const Error &e) {
        return e.code();
    }
    return Errc::ok;
}

constexpr Tag kImageType{0x0008, 0x0008};
constexpr Tag kModality{0x0008, 0x0060};
constexpr Tag kManufacturer{0x0008, 0x0070};
constexpr Tag kAccession{0x0008, 0x0050};
constexpr Tag kRetrieveAE{0x0008, 0x0054};
constexpr Tag kInstitutionAddress{0x0008, 0x0081};  // ST
constexpr Tag kImageComments{0x0020, 0x4000};       // LT
constexpr Tag kTextValue{0x0040, 0xA160};           // UT
constexpr Tag kRetrieveURL{0x0008, 0x1190};         // UR
constexpr Tag kPatientName{0x0010, 0x0010};
constexpr Tag kOtherPatientNames{0x0010, 0x1001};   // PN 1-n
constexpr Tag kStudyDate{0x0008, 0x0020};
constexpr Tag kStudyTime{0x0008, 0x0030};
constexpr Tag kAcqDateTime{0x0008, 0x002A};
constexpr Tag kSliceThickness{0x0018, 0x0050};      // DS
constexpr Tag kPixelSpacing{0x0028, 0x0030};        // DS 2
constexpr Tag kImagePosition{0x0020, 0x0032};       // DS 3
constexpr Tag kInstanceNumber{0x0020, 0x0013};      // IS
constexpr Tag kReferencedFrames{0x0008, 0x1160};    // IS 1-n
constexpr Tag kFrameIncrementPointer{0x0028, 0x0009};
constexpr Tag kReferencedImageSeq{0x0008, 0x1140};
constexpr Tag kReferencedSOPClass{0x0008, 0x1150};
constexpr Tag kReferencedSOPInstance{0x0008, 0x1155};

// ---------------------------------------------------------------------------------------------------
// Strings and PS3.5 6.2 trimming

TEST(DatasetStrings, MultiValuedCodeStringsTrimLeadingAndTrailingSpaces) {
    // PS3.5 6.2 CS: "Leading or trailing spaces (20H) are not significant."
    Dataset ds;
    raw(ds, kImageType, VR::CS, " ORIGINAL \\PRIMARY\\  AXIAL ");
    EXPECT_EQ(ds.get_strings(kImageType), (Strings{"ORIGINAL", "PRIMARY", "AXIAL"}));
    EXPECT_EQ(ds.find(kImageType)->count(), 3u);
    // get_string keeps the values joined, trimming only the ends.
    EXPECT_EQ(ds.get_string(kImageType), "ORIGINAL \\PRIMARY\\  AXIAL");
}

TEST(DatasetStrings, EmptyValuesInsideAMultiValuedStringAreKept) {
    Dataset ds;
    raw(ds, kImageType, VR::CS, "A\\\\B\\");
    EXPECT_EQ(ds.get_strings(kImageType), (Strings{"A", "", "B", ""}));
    EXPECT_EQ(ds.find(kImageType)->count(), 4u);
}

TEST(DatasetStrings, EmptyElementHasNoValues) {
    Dataset ds;
    raw(ds, kModality, VR::CS, "");
    EXPECT_TRUE(ds.get_strings(kModality).empty());
    EXPECT_EQ(ds.get_string(kModality), "");
    EXPECT_EQ(ds.get_string_or(kModality, "fallback"), "fallback");
    EXPECT_EQ(ds.get_string_or(Tag(0x0008, 0x0061), "absent"), "absent");
    EXPECT_EQ(ds.find(kModality)->count(), 0u);
}

TEST(DatasetStrings, LoShAeTrimBothEnds) {
    // PS3.5 6.2 LO, SH, AE: leading and trailing spaces are not significant.
    Dataset ds;
    raw(ds, kManufacturer, VR::LO, "  ACME  \\ Other ");
    raw(ds, kAccession, VR::SH, " A1 ");
    raw(ds, kRetrieveAE, VR::AE, " STORE \\MOVE    ");
    EXPECT_EQ(ds.get_strings(kManufacturer), (Strings{"ACME", "Other"}));
    EXPECT_EQ(ds.get_strings(kAccession), (Strings{"A1"}));
    EXPECT_EQ(ds.get_strings(kRetrieveAE), (Strings{"STORE", "MOVE"}));
}

TEST(DatasetStrings, TextVrsAreSingleValuedAndKeepLeadingSpaces) {
    // PS3.5 6.2 LT, ST, UT: trailing spaces are padding, leading spaces are significant, and the
    // backslash is an ordinary character (these VRs have VM 1).
    Dataset ds;
    raw(ds, kImageComments, VR::LT, "  line one\\two  ");
    raw(ds, kInstitutionAddress, VR::ST, "   1 Main St\\Apt 2 ");
    raw(ds, kTextValue, VR::UT, " a\\b\\c   ");
    EXPECT_EQ(ds.get_strings(kImageComments), (Strings{"  line one\\two"}));
    EXPECT_EQ(ds.get_strings(kInstitutionAddress), (Strings{"   1 Main St\\Apt 2"}));
    EXPECT_EQ(ds.get_strings(kTextValue), (Strings{" a\\b\\c"}));
    EXPECT_EQ(ds.get_string(kImageComments), "  line one\\two");
    EXPECT_EQ(ds.get_string(kInstitutionAddress), "   1 Main St\\Apt 2");
    EXPECT_EQ(ds.get_string(kTextValue), " a\\b\\c");
    EXPECT_EQ(ds.find(kImageComments)->count(), 1u);
    EXPECT_EQ(ds.find(kTextValue)->count(), 1u);
}

TEST(DatasetStrings, UrIsSingleValuedWithTrailingSpacesIgnored) {
    // PS3.5 6.2 UR: trailing spaces are ignored; the backslash is not a delimiter (VM 1).
    Dataset ds;
    raw(ds, kRetrieveURL, VR::UR, "http://h/a\\b ");
    EXPECT_EQ(ds.get_strings(kRetrieveURL), (Strings{"http://h/a\\b"}));
    EXPECT_EQ(ds.get_string(kRetrieveURL), "http://h/a\\b");
}

TEST(DatasetStrings, UiTrailingNulIsPadding) {
    // PS3.5 9.1: a UID of odd length is padded with a single NUL.
    Dataset ds;
    raw(ds, tags::SOPClassUID, VR::UI, "1.2.840.10008.1.1\0"s);
    EXPECT_EQ(ds.get_string(tags::SOPClassUID), "1.2.840.10008.1.1");
    EXPECT_EQ(ds.get_strings(tags::SOPClassUID), (Strings{"1.2.840.10008.1.1"}));
    // Multi-valued UI (e.g. Related General SOP Class UID, 1-n).
    raw(ds, Tag(0x0008, 0x001A), VR::UI, "1.2.3\\1.2.4\0"s);
    EXPECT_EQ(ds.get_strings(Tag(0x0008, 0x001A)), (Strings{"1.2.3", "1.2.4"}));
}

TEST(DatasetStrings, SetStringPadsOddValues) {
    Dataset ds;
    ds.set_string(kModality, "MRI");                       // CS: space (PS3.5 6.2)
    ds.set_string(tags::SOPInstanceUID, "1.2.3");          // UI: NUL (PS3.5 9.1)
    ds.set_string(kAccession, "AB");                       // even: no pad
    EXPECT_EQ(ds.find(kModality)->value.str(), "MRI ");
    EXPECT_EQ(ds.find(tags::SOPInstanceUID)->value.str(), "1.2.3\0"s);
    EXPECT_EQ(ds.find(kAccession)->value.str(), "AB");
    EXPECT_EQ(ds.find(kModality)->vr, VR::CS);             // VR from the dictionary
    EXPECT_EQ(ds.get_string(kModality), "MRI");
    EXPECT_EQ(ds.get_string(tags::SOPInstanceUID), "1.2.3");
    // set_strings joins with a backslash.
    ds.set_strings(kImageType, {"DERIVED", "SECONDARY", "MPR"});
    EXPECT_EQ(ds.find(kImageType)->value.str(), "DERIVED\\SECONDARY\\MPR ");  // 21 chars + pad
    EXPECT_EQ(ds.get_strings(kImageType), (Strings{"DERIVED", "SECONDARY", "MPR"}));
}

TEST(DatasetStrings, SplitAndTrimHelpers) {
    EXPECT_EQ(trim_value("  X  ", VR::CS), "X");
    EXPECT_EQ(trim_value("  X  ", VR::LT), "  X");
    EXPECT_EQ(trim_value("  X  ", VR::ST), "  X");
    EXPECT_EQ(trim_value("  X  ", VR::UT), "  X");
    EXPECT_EQ(trim_value("1.2\0"s, VR::UI), "1.2");
    auto v = split_values("a\\ b \\c", VR::LO);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[1], "b");
    EXPECT_EQ(split_values("a\\b", VR::LT).size(), 1u);
    EXPECT_EQ(split_values("a\\b", VR::UR).size(), 1u);
}

TEST(DatasetStrings, AbsentAndWrongTypeErrors) {
    Dataset ds;
    EXPECT_EQ(error_code([&] { ds.get_string(kPatientName); }), Errc::not_found);
    EXPECT_EQ(error_code([&] { ds.get_strings(kPatientName); }), Errc::not_found);
    EXPECT_EQ(error_code([&] { ds.get_number(kSliceThickness); }), Errc::not_found);
    EXPECT_EQ(error_code([&] { ds.get_int(kInstanceNumber); }), Errc::not_found);
    EXPECT_EQ(error_code([&] { ds.get_date(kStudyDate); }), Errc::not_found);
    EXPECT_EQ(error_code([&] { ds.get_tags(kFrameIncrementPointer); }), Errc::not_found);
    ds.set_int(tags::Rows, 512);
    EXPECT_EQ(error_code([&] { ds.get_string(tags::Rows); }), Errc::bad_value);   // US is not text
    EXPECT_EQ(error_code([&] { ds.get_strings(tags::Rows); }), Errc::bad_value);
    EXPECT_EQ(error_code([&] { ds.get_tags(tags::Rows); }), Errc::bad_value);     // not AT
    try {
        ds.get_string(kPatientName);
        FAIL();
    } catch (const Error &e) {
        EXPECT_EQ(e.tag(), kPatientName.value);
    }
}

TEST(DatasetStrings, NonAsciiNeedsASpecificCharacterSet) {
    Dataset ds;
    EXPECT_EQ(error_code([&] { ds.set_string(kPatientName, "Müller^Jürgen"); }), Errc::charset);
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 100");
    ds.set_string(kPatientName, "Müller^Jürgen");
    // ISO 8859-1: ü = FCH (PS3.5 Annex H-like single byte encoding).
    EXPECT_EQ(ds.find(kPatientName)->value.str(), "M\xFCller^J\xFCrgen "s);
    EXPECT_EQ(ds.get_string(kPatientName), "Müller^Jürgen");
}

// ---------------------------------------------------------------------------------------------------
// DS and IS

TEST(DatasetNumbers, DecimalStrings) {
    // PS3.5 6.2 DS: fixed or floating point, leading and trailing spaces allowed.
    Dataset ds;
    raw(ds, kImagePosition, VR::DS, " -12.5\\+3E2\\1.0e-3 ");
    EXPECT_EQ(ds.get_number(kImagePosition, 0), -12.5);
    EXPECT_EQ(ds.get_number(kImagePosition, 1), 300.0);
    EXPECT_DOUBLE_EQ(ds.get_number(kImagePosition, 2), 0.001);
    EXPECT_EQ(ds.get_numbers(kImagePosition), (std::vector<double>{-12.5, 300.0, 0.001}));
    EXPECT_EQ(ds.find(kImagePosition)->count(), 3u);
    raw(ds, kSliceThickness, VR::DS, "5 ");
    EXPECT_EQ(ds.get_int(kSliceThickness), 5);  // an integral DS reads as an integer
}

TEST(DatasetNumbers, IntegerStrings) {
    // PS3.5 6.2 IS: optional leading sign, range -2^31 .. 2^31-1, spaces allowed.
    Dataset ds;
    raw(ds, kReferencedFrames, VR::IS, " 1\\-2147483648\\+2147483647 ");
    EXPECT_EQ(ds.get_int(kReferencedFrames, 0), 1);
    EXPECT_EQ(ds.get_int(kReferencedFrames, 1), -2147483648LL);
    EXPECT_EQ(ds.get_int(kReferencedFrames, 2), 2147483647LL);
    EXPECT_EQ(ds.get_numbers(kReferencedFrames), (std::vector<double>{1, -2147483648.0, 2147483647.0}));
    EXPECT_EQ(ds.get_int_opt(kReferencedFrames, 1), -2147483648LL);
}

TEST(DatasetNumbers, InvalidTextIsBadValue) {
    Dataset ds;
    raw(ds, kSliceThickness, VR::DS, "1.2.3a");
    raw(ds, kPixelSpacing, VR::DS, "0.5\\abc ");
    raw(ds, kInstanceNumber, VR::IS, "12x ");
    raw(ds, kReferencedFrames, VR::IS, "1.5 ");
    raw(ds, kImagePosition, VR::DS, "nan\\inf\\1e999 ");
    EXPECT_EQ(error_code([&] { ds.get_number(kSliceThickness); }), Errc::bad_value);
    EXPECT_EQ(ds.get_number(kPixelSpacing, 0), 0.5);
    EXPECT_EQ(error_code([&] { ds.get_number(kPixelSpacing, 1); }), Errc::bad_value);
    EXPECT_EQ(error_code([&] { ds.get_numbers(kPixelSpacing); }), Errc::bad_value);
    EXPECT_EQ(error_code([&] { ds.get_int(kInstanceNumber); }), Errc::bad_value);
    EXPECT_EQ(error_code([&] { ds.get_number(kInstanceNumber); }), Errc::bad_value);
    EXPECT_EQ(error_code([&] { ds.get_int(kReferencedFrames); }), Errc::bad_value);  // not an integer
    EXPECT_FALSE(ds.get_int_opt(kInstanceNumber).has_value());
    EXPECT_FALSE(ds.get_int_opt(Tag(0x0020, 0x0012)).has_value());  // absent
    // NaN and infinities are not DS values (PS3.5 6.2: decimal digits, sign, point, exponent).
    EXPECT_EQ(error_code([&] { ds.get_number(kImagePosition, 0); }), Errc::bad_value);
    EXPECT_EQ(error_code([&] { ds.get_number(kImagePosition, 1); }), Errc::bad_value);
    EXPECT_EQ(error_code([&] { ds.get_number(kImagePosition, 2); }), Errc::bad_value);
    // Index past the last value.
    EXPECT_EQ(error_code([&] { ds.get_number(kPixelSpacing, 5); }), Errc::bad_value);
    // Empty values are no numbers.
    raw(ds, kSliceThickness, VR::DS, "");
    EXPECT_TRUE(ds.get_numbers(kSliceThickness).empty());
    EXPECT_EQ(error_code([&] { ds.get_number(kSliceThickness); }), Errc::bad_value);
}

TEST(DatasetNumbers, SetDecimalStringsFitSixteenCharacters) {
    Dataset ds;
    ds.set_number(kSliceThickness, 1.0 / 3.0);
    std::string v(trim_value(ds.find(kSliceThickness)->value.str(), VR::DS));
    EXPECT_LE(v.size(), 16u) << v;  // PS3.5 6.2 DS: 16 bytes maximum
    EXPECT_NEAR(ds.get_number(kSliceThickness), 1.0 / 3.0, 1e-13);
    ds.set_number(kSliceThickness, -1.0 / 3.0);
    v = std::string(trim_value(ds.find(kSliceThickness)->value.str(), VR::DS));
    EXPECT_LE(v.size(), 16u) << v;
    EXPECT_NEAR(ds.get_number(kSliceThickness), -1.0 / 3.0, 1e-12);
    ds.set_numbers(kImagePosition, {-123456.789012345, 1e300, 6.02214076e-23});
    auto vals = ds.get_strings(kImagePosition);
    ASSERT_EQ(vals.size(), 3u);
    for (const auto &s : vals) EXPECT_LE(s.size(), 16u) << s;
    auto back = ds.get_numbers(kImagePosition);
    EXPECT_NEAR(back[0], -123456.789012345, 1e-6);
    EXPECT_DOUBLE_EQ(back[1], 1e300);
    EXPECT_NEAR(back[2] / 6.02214076e-23, 1.0, 1e-9);
    EXPECT_EQ(ds.find(kImagePosition)->vr, VR::DS);
}

TEST(DatasetNumbers, SetIntegerStrings) {
    Dataset ds;
    ds.set_int(kInstanceNumber, 7);
    EXPECT_EQ(ds.find(kInstanceNumber)->value.str(), "7 ");
    EXPECT_EQ(ds.get_int(kInstanceNumber), 7);
    ds.set_ints(kReferencedFrames, {1, -2, 300});
    EXPECT_EQ(ds.get_strings(kReferencedFrames), (Strings{"1", "-2", "300"}));
    ds.set_number(kInstanceNumber, 42.0);
    EXPECT_EQ(ds.get_int(kInstanceNumber), 42);
    EXPECT_EQ(error_code([&] { ds.set_number(kInstanceNumber, 1.5); }), Errc::bad_value);
    EXPECT_EQ(error_code([&] { ds.set_number(kInstanceNumber, 3e9); }), Errc::bad_value);  // > 2^31-1
}

TEST(DatasetNumbers, BinaryNumbers) {
    Dataset ds;
    ds.set_ints(Tag(0x0028, 0x0010), {65535});                          // US
    ds.set_ints(Tag(0x0018, 0x9219), {-32768});                         // SS
    ds.set_ints(Tag(0x0008, 0x1161), {4294967295LL, 0, 7});             // UL 1-n
    ds.set_ints(Tag(0x0018, 0x6020), {-2147483647 - 1});                // SL
    ds.set_numbers(Tag(0x0018, 0x1320), {0.1});                         // FL
    ds.set_numbers(Tag(0x0018, 0x9087), {0.1});                         // FD
    ds.set_ints(Tag(0x0072, 0x0082), {INT64_MIN, INT64_MAX});           // SV
    ds.set_int(Tag(0x0008, 0x040C), int64_t(0x7FFFFFFFFFFFFFFFLL));     // UV
    EXPECT_EQ(ds.find(Tag(0x0028, 0x0010))->vr, VR::US);
    EXPECT_EQ(ds.get_int(Tag(0x0028, 0x0010)), 65535);
    EXPECT_EQ(ds.get_int(Tag(0x0018, 0x9219)), -32768);
    EXPECT_EQ(ds.get_int(Tag(0x0008, 0x1161), 0), 4294967295LL);
    EXPECT_EQ(ds.get_numbers(Tag(0x0008, 0x1161)), (std::vector<double>{4294967295.0, 0, 7}));
    EXPECT_EQ(ds.find(Tag(0x0008, 0x1161))->count(), 3u);
    EXPECT_EQ(ds.get_int(Tag(0x0018, 0x6020)), -2147483648LL);
    EXPECT_EQ(ds.get_number(Tag(0x0018, 0x1320)), double(0.1f));  // FL holds a binary32
    EXPECT_EQ(ds.get_number(Tag(0x0018, 0x9087)), 0.1);
    EXPECT_EQ(ds.get_int(Tag(0x0072, 0x0082), 0), INT64_MIN);      // 64-bit values stay exact
    EXPECT_EQ(ds.get_int(Tag(0x0072, 0x0082), 1), INT64_MAX);
    EXPECT_EQ(ds.get_int(Tag(0x0008, 0x040C)), INT64_MAX);
    EXPECT_EQ(ds.find(Tag(0x0008, 0x040C))->value.size(), 8u);
    // Index past the end, and a VR that holds no numbers.
    EXPECT_EQ(error_code([&] { ds.get_int(Tag(0x0028, 0x0010), 1); }), Errc::bad_value);
    ds.set_bytes(Tag(0x0042, 0x0011), VR::OB, Bytes::copy("\x01\x02", 2));
    EXPECT_EQ(error_code([&] { ds.get_number(Tag(0x0042, 0x0011)); }), Errc::bad_value);
    EXPECT_EQ(error_code([&] { ds.set_number(kPatientName, 1.0); }), Errc::bad_value);
}

// ---------------------------------------------------------------------------------------------------
// Person names: PS3.5 6.2.1

TEST(DatasetPersonName, FiveComponentsOfTheAlphabeticGroup) {
    // PS3.5 6.2.1.1 example: "Adams^John Robert Quincy^^Rev.^B.A. M.Div."
    Dataset ds;
    ds.set_string(kPatientName, "Adams^John Robert Quincy^^Rev.^B.A. M.Div.");
    PersonName pn = ds.get_person_name(kPatientName);
    EXPECT_EQ(pn.alphabetic.family, "Adams");
    EXPECT_EQ(pn.alphabetic.given, "John Robert Quincy");
    EXPECT_EQ(pn.alphabetic.middle, "");
    EXPECT_EQ(pn.alphabetic.prefix, "Rev.");
    EXPECT_EQ(pn.alphabetic.suffix, "B.A. M.Div.");
    EXPECT_EQ(pn.ideographic.family, "");
    EXPECT_EQ(pn.str(), "Adams^John Robert Quincy^^Rev.^B.A. M.Div.");
}

TEST(DatasetPersonName, OtherPs35Examples) {
    // PS3.5 6.2.1.1: "Morrison-Jones^Susan^^^Ph.D., Chief Executive Officer"
    PersonName a = PersonName::parse("Morrison-Jones^Susan^^^Ph.D., Chief Executive Officer");
    EXPECT_EQ(a.alphabetic.family, "Morrison-Jones");
    EXPECT_EQ(a.alphabetic.given, "Susan");
    EXPECT_EQ(a.alphabetic.prefix, "");
    EXPECT_EQ(a.alphabetic.suffix, "Ph.D., Chief Executive Officer");
    // "Doe^John" and a component-less name: trailing empty components are dropped by str().
    PersonName b = PersonName::parse("Doe^John^^^");
    EXPECT_EQ(b.alphabetic.family, "Doe");
    EXPECT_EQ(b.alphabetic.given, "John");
    EXPECT_EQ(b.str(), "Doe^John");
    // PS3.5 6.2.1.1 veterinary example: "Smith^Fluffy".
    EXPECT_EQ(PersonName::parse("Smith^Fluffy").alphabetic.given, "Fluffy");
    // An empty name.
    PersonName c = PersonName::parse("");
    EXPECT_EQ(c.alphabetic.family, "");
    EXPECT_EQ(c.str(), "");
}

TEST(DatasetPersonName, ThreeComponentGroups) {
    // PS3.5 6.2.1.2 / Annex I: "Wang^XiaoDong=王^小東=" (alphabetic=ideographic=phonetic).
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    ds.set_string(kPatientName, "Wang^XiaoDong=王^小東=");
    PersonName pn = ds.get_person_name(kPatientName);
    EXPECT_EQ(pn.alphabetic.family, "Wang");
    EXPECT_EQ(pn.alphabetic.given, "XiaoDong");
    EXPECT_EQ(pn.ideographic.family, "王");
    EXPECT_EQ(pn.ideographic.given, "小東");
    EXPECT_EQ(pn.phonetic.family, "");
    EXPECT_EQ(pn.phonetic.given, "");
    EXPECT_EQ(pn.str(), "Wang^XiaoDong=王^小東");  // trailing empty group removed

    // PS3.5 Annex H.3.1: "Yamada^Tarou=山田^太郎=やまだ^たろう" in ISO 2022 IR 87.
    Dataset jp;
    jp.set_string(tags::SpecificCharacterSet, "\\ISO 2022 IR 87");
    jp.set_string(kPatientName, "Yamada^Tarou=山田^太郎=やまだ^たろう");
    PersonName y = jp.get_person_name(kPatientName);
    EXPECT_EQ(y.alphabetic.family, "Yamada");
    EXPECT_EQ(y.alphabetic.given, "Tarou");
    EXPECT_EQ(y.ideographic.family, "山田");
    EXPECT_EQ(y.ideographic.given, "太郎");
    EXPECT_EQ(y.phonetic.family, "やまだ");
    EXPECT_EQ(y.phonetic.given, "たろう");
    EXPECT_EQ(y.str(), "Yamada^Tarou=山田^太郎=やまだ^たろう");

    // Only an ideographic group: "=王^小東".
    PersonName i = PersonName::parse("=王^小東");
    EXPECT_EQ(i.alphabetic.family, "");
    EXPECT_EQ(i.ideographic.family, "王");
    EXPECT_EQ(i.str(), "=王^小東");
}

TEST(DatasetPersonName, MultipleValues) {
    Dataset ds;
    ds.set_strings(kOtherPatientNames, {"Doe^Jane", "Roe^Richard^^Dr."});
    EXPECT_EQ(ds.get_person_name(kOtherPatientNames, 0).alphabetic.family, "Doe");
    PersonName r = ds.get_person_name(kOtherPatientNames, 1);
    EXPECT_EQ(r.alphabetic.family, "Roe");
    EXPECT_EQ(r.alphabetic.prefix, "Dr.");
    EXPECT_EQ(error_code([&] { ds.get_person_name(kOtherPatientNames, 2); }), Errc::not_found);
}

// ---------------------------------------------------------------------------------------------------
// DA, TM, DT: PS3.5 6.2

TEST(DatasetDateTime, Dates) {
    Date d = Date::parse("20240229");  // leap day
    EXPECT_EQ(d.year, 2024);
    EXPECT_EQ(d.month, 2);
    EXPECT_EQ(d.day, 29);
    EXPECT_EQ(d.str(), "20240229");
    // PS3.5 6.2 DA note: the ACR-NEMA 300 form "YYYY.MM.DD" may be read.
    Date old = Date::parse("1993.08.22");
    EXPECT_EQ(old.year, 1993);
    EXPECT_EQ(old.month, 8);
    EXPECT_EQ(old.day, 22);
    EXPECT_EQ(Date::parse("20240131 ").day, 31);  // trailing padding
    Dataset ds;
    ds.set_string(kStudyDate, "19991231");
    EXPECT_EQ(ds.get_date(kStudyDate).year, 1999);
    Date built{2001, 2, 3};
    EXPECT_EQ(built.str(), "20010203");
}

TEST(DatasetDateTime, InvalidDates) {
    for (const char *bad : {"", "2024013", "202401311", "2024-01-31", "20241301", "20240001", "20240100",
                            "20240132", "2024013a", "abcdefgh", "20230229" /* not a leap year */,
                            "20240431" /* April has 30 days */, "1993.08-22"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(error_code([&] { Date::parse(bad); }), Errc::bad_value);
    }
    Dataset ds;
    raw(ds, kStudyDate, VR::DA, "2024XX01");
    EXPECT_EQ(error_code([&] { ds.get_date(kStudyDate); }), Errc::bad_value);
}

TEST(DatasetDateTime, TimesOfEveryPrecision) {
    // PS3.5 6.2 TM: HH, HHMM, HHMMSS, HHMMSS.F{1-6}.
    Time h = Time::parse("07");
    EXPECT_EQ(h.hour, 7);
    EXPECT_EQ(h.precision, 1);
    EXPECT_EQ(h.str(), "07");
    Time hm = Time::parse("0730");
    EXPECT_EQ(hm.minute, 30);
    EXPECT_EQ(hm.precision, 2);
    EXPECT_EQ(hm.str(), "0730");
    Time hms = Time::parse("073015");
    EXPECT_EQ(hms.second, 15);
    EXPECT_EQ(hms.precision, 3);
    EXPECT_EQ(hms.str(), "073015");
    Time f1 = Time::parse("073015.5");
    EXPECT_EQ(f1.microsecond, 500000);
    EXPECT_EQ(f1.precision, 4);
    Time f6 = Time::parse("235959.999999");
    EXPECT_EQ(f6.microsecond, 999999);
    EXPECT_EQ(f6.str(), "235959.999999");
    // PS3.5 6.2 TM note: leap second 60 is allowed.
    EXPECT_EQ(Time::parse("235960").second, 60);
    // ACR-NEMA "HH:MM:SS" form.
    Time colon = Time::parse("12:34:56");
    EXPECT_EQ(colon.hour, 12);
    EXPECT_EQ(colon.minute, 34);
    EXPECT_EQ(colon.second, 56);
    Dataset ds;
    ds.set_string(kStudyTime, "101010.01");
    EXPECT_EQ(ds.get_time(kStudyTime).microsecond, 10000);
}

TEST(DatasetDateTime, InvalidTimes) {
    for (const char *bad : {"", "7", "24", "2400", "0760", "073061", "073015.", "073015.1234567", "07301",
                            "ab", "0730xx", "-1"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(error_code([&] { Time::parse(bad); }), Errc::bad_value);
    }
}

TEST(DatasetDateTime, DateTimesOfEveryPrecision) {
    // PS3.5 6.2 DT: YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX]
    DateTime y = DateTime::parse("2024");
    EXPECT_EQ(y.date.year, 2024);
    EXPECT_EQ(y.date.month, 0);
    EXPECT_EQ(y.time.precision, 0);
    EXPECT_FALSE(y.has_offset);
    EXPECT_EQ(y.str(), "2024");
    DateTime ym = DateTime::parse("202403");
    EXPECT_EQ(ym.date.month, 3);
    EXPECT_EQ(ym.date.day, 0);
    EXPECT_EQ(ym.str(), "202403");
    DateTime ymd = DateTime::parse("20240315");
    EXPECT_EQ(ymd.date.day, 15);
    EXPECT_EQ(ymd.str(), "20240315");
    DateTime h = DateTime::parse("2024031513");
    EXPECT_EQ(h.time.hour, 13);
    EXPECT_EQ(h.time.precision, 1);
    EXPECT_EQ(h.str(), "2024031513");
    DateTime hm = DateTime::parse("202403151345");
    EXPECT_EQ(hm.time.minute, 45);
    EXPECT_EQ(hm.time.precision, 2);
    DateTime hms = DateTime::parse("20240315134501");
    EXPECT_EQ(hms.time.second, 1);
    EXPECT_EQ(hms.time.precision, 3);
    DateTime frac = DateTime::parse("20240315134501.123456");
    EXPECT_EQ(frac.time.microsecond, 123456);
    EXPECT_EQ(frac.time.precision, 4);
    EXPECT_EQ(frac.str(), "20240315134501.123456");
}

TEST(DatasetDateTime, UtcOffsets) {
    // PS3.5 6.2 DT: "&ZZXX" is an optional suffix for offset from UTC, & = "+" or "-".
    DateTime east = DateTime::parse("20240315134501.5+0530");
    EXPECT_TRUE(east.has_offset);
    EXPECT_EQ(east.offset_minutes, 330);
    EXPECT_EQ(east.time.microsecond, 500000);
    DateTime west = DateTime::parse("2024-0500");  // year precision with an offset
    EXPECT_EQ(west.date.year, 2024);
    EXPECT_TRUE(west.has_offset);
    EXPECT_EQ(west.offset_minutes, -300);
    EXPECT_EQ(west.str(), "2024-0500");
    DateTime utc = DateTime::parse("20240315+0000");
    EXPECT_TRUE(utc.has_offset);
    EXPECT_EQ(utc.offset_minutes, 0);
    EXPECT_EQ(utc.str(), "20240315+0000");
    EXPECT_EQ(DateTime::parse("20240315-1200").offset_minutes, -720);
    EXPECT_EQ(DateTime::parse("20240315+1400").offset_minutes, 840);
    Dataset ds;
    ds.set_string(kAcqDateTime, "20240315134501+0100");
    DateTime dt = ds.get_datetime(kAcqDateTime);
    EXPECT_EQ(dt.offset_minutes, 60);
    EXPECT_EQ(dt.time.hour, 13);
}

TEST(DatasetDateTime, InvalidDateTimes) {
    for (const char *bad : {"", "202", "20241", "abcd", "2024031", "20241301" /* month 13 */,
                            "20240230" /* Feb 30 */, "20240300", "2024031525" /* hour 25 */,
                            "202403151360", "20240315+05", "20240315+05000", "20240315+0560" /* minutes */,
                            "20240315*0100", "20240315134501.", "20240315134501.1234567",
                            "20240315+1500" /* PS3.5: offsets range from -1200 to +1400 */, "20240315-1300"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(error_code([&] { DateTime::parse(bad); }), Errc::bad_value);
    }
}

// ---------------------------------------------------------------------------------------------------
// AT and UIDs

TEST(DatasetAt, SetAndGetTags) {
    Dataset ds;
    ds.set_tags(kFrameIncrementPointer, {Tag(0x0018, 0x1063), Tag(0x0018, 0x1065), Tag(0xFFFE, 0xE000)});
    const Element *e = ds.find(kFrameIncrementPointer);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->vr, VR::AT);
    EXPECT_EQ(e->count(), 3u);
    // PS3.5 6.2 AT: group then element, each a 16-bit little endian integer in memory.
    EXPECT_EQ(e->value.str(), "\x18\x00\x63\x10\x18\x00\x65\x10\xFE\xFF\x00\xE0"s);
    auto t = ds.get_tags(kFrameIncrementPointer);
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0], Tag(0x0018, 0x1063));
    EXPECT_EQ(t[2], Tag(0xFFFE, 0xE000));
}

TEST(DatasetUid, SetAndGetUids) {
    Dataset ds;
    ds.set_string(tags::SOPClassUID, "1.2.840.10008.5.1.4.1.1.2");  // 25 chars: NUL padded
    EXPECT_EQ(ds.find(tags::SOPClassUID)->vr, VR::UI);
    EXPECT_EQ(ds.find(tags::SOPClassUID)->value.size(), 26u);
    EXPECT_EQ(ds.find(tags::SOPClassUID)->value[25], 0);
    EXPECT_EQ(ds.get_string(tags::SOPClassUID), "1.2.840.10008.5.1.4.1.1.2");
}

// ---------------------------------------------------------------------------------------------------
// Round trips through set_* / get_* and through the encoders

TEST(DatasetRoundTrip, SetThenGetThenWriteAndRead) {
    Dataset ds;
    ds.set_string(kPatientName, "Doe^John");
    ds.set_string(kStudyDate, "20240101");
    ds.set_string(kStudyTime, "120000");
    ds.set_number(kSliceThickness, 0.75);
    ds.set_int(kInstanceNumber, 3);
    ds.set_int(tags::Rows, 256);
    ds.set_int(tags::Columns, 128);
    ds.set_tags(kFrameIncrementPointer, {Tag(0x0018, 0x1063)});
    ds.set_string(tags::SOPInstanceUID, "1.2.3.4.5");
    ds.set_numbers(Tag(0x0018, 0x9087), {2.5});
    for (const char *ts : {uids::ImplicitVRLittleEndian, uids::ExplicitVRLittleEndian, uids::ExplicitVRBigEndian,
                           uids::DeflatedExplicitVRLittleEndian}) {
        SCOPED_TRACE(ts);
#if defined(DK_TEST_WITH_ZLIB) && !DK_TEST_WITH_ZLIB
        if (std::string(ts) == uids::DeflatedExplicitVRLittleEndian) continue;  // built without zlib
#endif
        DicomFile f;
        f.dataset = ds;
        f.transfer_syntax = ts;
        auto bytes = write_memory(f);
        DicomFile back = read_memory(bytes.data(), bytes.size());
        const Dataset &r = back.dataset;
        EXPECT_EQ(r.get_string(kPatientName), "Doe^John");
        EXPECT_EQ(r.get_date(kStudyDate).year, 2024);
        EXPECT_EQ(r.get_time(kStudyTime).hour, 12);
        EXPECT_EQ(r.get_number(kSliceThickness), 0.75);
        EXPECT_EQ(r.get_int(kInstanceNumber), 3);
        EXPECT_EQ(r.get_int(tags::Rows), 256);
        EXPECT_EQ(r.get_int(tags::Columns), 128);
        EXPECT_EQ(r.get_tags(kFrameIncrementPointer), (std::vector<Tag>{Tag(0x0018, 0x1063)}));
        EXPECT_EQ(r.get_string(tags::SOPInstanceUID), "1.2.3.4.5");
        EXPECT_EQ(r.get_number(Tag(0x0018, 0x9087)), 2.5);
        std::string why;
        EXPECT_TRUE(r.equals(ds, &why)) << why;
    }
}

// ---------------------------------------------------------------------------------------------------
// Element order

TEST(DatasetOrder, ElementsSortByTagWhateverTheInsertionOrder) {
    Dataset ds;
    const std::vector<Tag> in = {Tag(0x7FE0, 0x0010), Tag(0x0010, 0x0010), Tag(0x0008, 0x0018),
                                 Tag(0x0028, 0x0010), Tag(0x0008, 0x0016), Tag(0x0009, 0x1001),
                                 Tag(0x0009, 0x0010), Tag(0xFFFA, 0xFFFA), Tag(0x0002, 0x0010)};
    for (Tag t : in) ds.set(Element(t, VR::UN));
    ASSERT_EQ(ds.size(), in.size());
    Tag prev(0);
    bool first = true;
    for (const Element &e : ds) {
        if (!first) {
            EXPECT_LT(prev, e.tag);
        }
        prev = e.tag;
        first = false;
    }
    EXPECT_EQ(ds.begin()->tag, Tag(0x0002, 0x0010));
    // set() replaces in place.
    ds.set(Element(Tag(0x0010, 0x0010), VR::PN, Bytes::copy("A^B ")));
    EXPECT_EQ(ds.size(), in.size());
    EXPECT_EQ(ds.get_string(Tag(0x0010, 0x0010)), "A^B");
    // remove()
    EXPECT_TRUE(ds.remove(Tag(0x0010, 0x0010)));
    EXPECT_FALSE(ds.remove(Tag(0x0010, 0x0010)));
    EXPECT_FALSE(ds.contains(Tag(0x0010, 0x0010)));
    // append() out of order falls back to an ordered insert.
    ds.append(Element(Tag(0x0008, 0x0020), VR::DA, Bytes::copy("20240101")));
    auto it = ds.begin();
    while (it != ds.end() && it->tag != Tag(0x0008, 0x0018)) ++it;
    ASSERT_NE(it, ds.end());
    ++it;
    EXPECT_EQ(it->tag, Tag(0x0008, 0x0020));
    ds.clear();
    EXPECT_TRUE(ds.empty());
}

// ---------------------------------------------------------------------------------------------------
// Private tags: PS3.5 7.8

TEST(DatasetPrivate, ReserveFindAndCreatorOf) {
    Dataset ds;
    // First creator gets block 10 (PS3.5 7.8.1: creators are (gggg,0010-00FF)).
    uint8_t a = ds.reserve_private_block(0x0029, "ACME 1.0");
    EXPECT_EQ(a, 0x10);
    const Element *creator = ds.find(Tag(0x0029, 0x0010));
    ASSERT_NE(creator, nullptr);
    EXPECT_EQ(creator->vr, VR::LO);
    EXPECT_EQ(ds.get_string(Tag(0x0029, 0x0010)), "ACME 1.0");
    // Another creator gets the next block; the first one is reused.
    uint8_t b = ds.reserve_private_block(0x0029, "OTHER");
    EXPECT_EQ(b, 0x11);
    EXPECT_EQ(ds.reserve_private_block(0x0029, "ACME 1.0"), 0x10);
    EXPECT_EQ(ds.reserve_private_block(0x0029, "OTHER"), 0x11);
    // Elements of a block are (gggg,xxEE) with xx the block (PS3.5 7.8.1).
    ds.set_string(Tag(0x0029, uint16_t(b << 8 | 0x01)), "other value", VR::LO);
    ds.set_string(Tag(0x0029, uint16_t(a << 8 | 0x01)), "acme value", VR::LO);
    auto t = ds.find_private(0x0029, "OTHER", 0x01);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(*t, Tag(0x0029, 0x1101));
    EXPECT_EQ(ds.get_string(*t), "other value");
    EXPECT_EQ(ds.find_private(0x0029, "ACME 1.0", 0x01), Tag(0x0029, 0x1001));
    EXPECT_EQ(ds.find_private(0x0029, "ACME 1.0", 0xFF), Tag(0x0029, 0x10FF));
    EXPECT_FALSE(ds.find_private(0x0029, "NOBODY", 0x01).has_value());
    EXPECT_FALSE(ds.find_private(0x0031, "ACME 1.0", 0x01).has_value());
    EXPECT_EQ(ds.private_creator_of(Tag(0x0029, 0x1101)), "OTHER");
    EXPECT_EQ(ds.private_creator_of(Tag(0x0029, 0x10FF)), "ACME 1.0");
    EXPECT_EQ(ds.private_creator_of(Tag(0x0029, 0x1201)), "");  // no creator for block 12
    EXPECT_EQ(ds.private_creator_of(Tag(0x0029, 0x0010)), "");  // a creator element itself
    EXPECT_EQ(ds.private_creator_of(Tag(0x0010, 0x0010)), "");  // not private
}

TEST(DatasetPrivate, ExistingBlocksFromAFileAreReused) {
    // A creator read from a file, padded with a trailing space, in a block other than 10.
    Dataset ds;
    raw(ds, Tag(0x0019, 0x0010), VR::LO, "SIEMENS CT VA0  COAD");
    raw(ds, Tag(0x0019, 0x0012), VR::LO, "GEMS_ACQU_01 ");
    EXPECT_EQ(ds.reserve_private_block(0x0019, "GEMS_ACQU_01"), 0x12);
    EXPECT_EQ(ds.reserve_private_block(0x0019, "SIEMENS CT VA0  COAD"), 0x10);
    // A new creator takes the first free block (11), not one after the last.
    EXPECT_EQ(ds.reserve_private_block(0x0019, "NEW"), 0x11);
    EXPECT_EQ(ds.private_creator_of(Tag(0x0019, 0x1234)), "GEMS_ACQU_01");
    EXPECT_EQ(ds.find_private(0x0019, "GEMS_ACQU_01", 0x34), Tag(0x0019, 0x1234));
}

TEST(DatasetPrivate, GroupFullAndNonPrivateGroups) {
    Dataset ds;
    for (unsigned b = 0x10; b <= 0xFF; ++b) {
        uint8_t got = ds.reserve_private_block(0x0011, "CREATOR " + std::to_string(b));
        ASSERT_EQ(got, b);
    }
    // 240 blocks are taken: a new creator cannot be placed, an existing one still is found.
    EXPECT_NE(error_code([&] { ds.reserve_private_block(0x0011, "ONE TOO MANY"); }), Errc::ok);
    EXPECT_EQ(ds.reserve_private_block(0x0011, "CREATOR 200"), 200);
    EXPECT_EQ(ds.reserve_private_block(0x0013, "ONE TOO MANY"), 0x10);  // another group is fine
    // Even groups, and odd groups 0001-0007 and FFFF, are not private (PS3.5 7.8.1).
    for (uint16_t g : {uint16_t(0x0010), uint16_t(0x0001), uint16_t(0x0003), uint16_t(0x0005), uint16_t(0x0007),
                       uint16_t(0xFFFF)})
        EXPECT_EQ(error_code([&] { ds.reserve_private_block(g, "X"); }), Errc::invalid_argument) << g;
}

// ---------------------------------------------------------------------------------------------------
// Sequences

TEST(DatasetSequence, NestedItems) {
    Dataset inner;
    inner.set_string(kReferencedSOPClass, "1.2.840.10008.5.1.4.1.1.4");
    inner.set_string(kReferencedSOPInstance, "1.2.3.4");
    Dataset item;
    item.set_string(kReferencedSOPClass, "1.2.840.10008.5.1.4.1.1.2");
    item.set_sequence(Tag(0x0008, 0x1199), {inner, inner});  // Referenced SOP Sequence
    Dataset ds;
    Element &sq = ds.set_sequence(kReferencedImageSeq, {item});
    EXPECT_TRUE(sq.is_sequence());
    EXPECT_EQ(sq.vr, VR::SQ);
    EXPECT_EQ(sq.count(), 1u);
    // Add an item through the returned element.
    sq.items.push_back(Dataset());
    sq.items.back().set_string(kReferencedSOPInstance, "9.9");

    const auto &items = ds.get_items(kReferencedImageSeq);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].get_string(kReferencedSOPClass), "1.2.840.10008.5.1.4.1.1.2");
    const auto &nested = items[0].get_items(Tag(0x0008, 0x1199));
    ASSERT_EQ(nested.size(), 2u);
    EXPECT_EQ(nested[1].get_string(kReferencedSOPInstance), "1.2.3.4");
    EXPECT_EQ(items[1].get_string(kReferencedSOPInstance), "9.9");
    EXPECT_TRUE(ds.get_items(Tag(0x0040, 0x0275)).empty());  // absent sequence: no items

    // Modify a nested value in place.
    Element *e = ds.find(kReferencedImageSeq);
    ASSERT_NE(e, nullptr);
    e->items[0].find(Tag(0x0008, 0x1199))->items[1].set_string(kReferencedSOPInstance, "5.6.7");
    EXPECT_EQ(ds.get_items(kReferencedImageSeq)[0].get_items(Tag(0x0008, 0x1199))[1].get_string(kReferencedSOPInstance),
              "5.6.7");

    // Survives encoding in every uncompressed syntax, defined and undefined lengths.
    for (bool undefined : {false, true}) {
        ds.find(kReferencedImageSeq)->undefined_length = undefined;
        for (const char *ts : {uids::ImplicitVRLittleEndian, uids::ExplicitVRLittleEndian, uids::ExplicitVRBigEndian}) {
            SCOPED_TRACE(ts);
            DicomFile f;
            f.dataset = ds;
            f.transfer_syntax = ts;
            auto bytes = write_memory(f);
            DicomFile back = read_memory(bytes.data(), bytes.size());
            std::string why;
            EXPECT_TRUE(back.dataset.equals(ds, &why)) << why;
            EXPECT_EQ(back.dataset.get_items(kReferencedImageSeq)[0]
                          .get_items(Tag(0x0008, 0x1199))[1]
                          .get_string(kReferencedSOPInstance),
                      "5.6.7");
        }
    }
}

TEST(DatasetSequence, ItemsInheritTheCharacterSet) {
    // PS3.5 7.5.1 note: an item without (0008,0005) uses the enclosing dataset's character set.
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 100");
    Dataset item;
    ds.set_sequence(kReferencedImageSeq, {item});
    Dataset &stored = ds.find(kReferencedImageSeq)->items[0];
    EXPECT_EQ(stored.specific_character_set(), "ISO_IR 100");
    stored.set_string(kPatientName, "Gérard");
    EXPECT_EQ(stored.find(kPatientName)->value.str(), "G\xE9rard"s);
    EXPECT_EQ(stored.get_string(kPatientName), "Gérard");
}

// ---------------------------------------------------------------------------------------------------
// Dataset::equals

TEST(DatasetEquals, ComparesDeeply) {
    Dataset a, b;
    EXPECT_TRUE(a.equals(b));
    a.set_string(kPatientName, "Doe^John");
    std::string why;
    EXPECT_FALSE(a.equals(b, &why));
    EXPECT_NE(why.find("(0010,0010)"), std::string::npos) << why;
    raw(b, kPatientName, VR::PN, "Doe^John");
    EXPECT_TRUE(a.equals(b, &why)) << why;
    // Trailing padding is not a difference for strings.
    raw(b, kPatientName, VR::PN, "Doe^John  ");
    EXPECT_TRUE(a.equals(b, &why)) << why;
    raw(b, kPatientName, VR::PN, "Doe^Joan");
    EXPECT_FALSE(a.equals(b, &why));
    // A different VR is a difference.
    raw(b, kPatientName, VR::LO, "Doe^John");
    EXPECT_FALSE(a.equals(b, &why));
    EXPECT_NE(why.find("VR"), std::string::npos) << why;
    raw(b, kPatientName, VR::PN, "Doe^John");
    // Binary values: every byte counts.
    a.set_bytes(Tag(0x0042, 0x0011), VR::OB, Bytes::copy("\x01\x00", 2));
    b.set_bytes(Tag(0x0042, 0x0011), VR::OB, Bytes::copy("\x01", 1));
    EXPECT_FALSE(a.equals(b));
    b.set_bytes(Tag(0x0042, 0x0011), VR::OB, Bytes::copy("\x01\x00", 2));
    EXPECT_TRUE(a.equals(b));
    // Nested items.
    Dataset i1, i2;
    i1.set_string(kReferencedSOPInstance, "1.2");
    i2.set_string(kReferencedSOPInstance, "1.3");
    a.set_sequence(kReferencedImageSeq, {i1});
    b.set_sequence(kReferencedImageSeq, {i2});
    EXPECT_FALSE(a.equals(b, &why));
    EXPECT_NE(why.find("item 0"), std::string::npos) << why;
    b.set_sequence(kReferencedImageSeq, {i1, i1});
    EXPECT_FALSE(a.equals(b));
    b.set_sequence(kReferencedImageSeq, {i1});
    EXPECT_TRUE(a.equals(b));
    EXPECT_TRUE(b.equals(a));
}

// ---------------------------------------------------------------------------------------------------
// Keywords

TEST(DatasetKeyword, TagFromKeyword) {
    EXPECT_EQ(tag_from_keyword("PatientName"), Tag(0x0010, 0x0010));
    EXPECT_EQ(tag_from_keyword("SOPInstanceUID"), Tag(0x0008, 0x0018));
    EXPECT_EQ(tag_from_keyword("PixelData"), Tag(0x7FE0, 0x0010));
    EXPECT_EQ(tag_from_keyword("TransferSyntaxUID"), Tag(0x0002, 0x0010));
    EXPECT_EQ(tag_from_keyword("0010,0010"), Tag(0x0010, 0x0010));
    EXPECT_EQ(tag_from_keyword("(0010,0010)"), Tag(0x0010, 0x0010));
    EXPECT_EQ(tag_from_keyword("00100010"), Tag(0x0010, 0x0010));
    EXPECT_EQ(tag_from_keyword("7fe0,0010"), Tag(0x7FE0, 0x0010));
    EXPECT_EQ(tag_from_keyword("0029,1001"), Tag(0x0029, 0x1001));  // private tags by number
    for (const char *bad : {"NoSuchKeyword", "", "patientname", "PatientName ", "0010,001", "0010;0010", "ZZZZ,0010"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(error_code([&] { tag_from_keyword(bad); }), Errc::not_found);
    }
}

TEST(DatasetKeyword, TagParseAndStr) {
    EXPECT_EQ(Tag(0x0010, 0x0010).str(), "(0010,0010)");
    EXPECT_EQ(Tag(0x7FE0, 0x0010).str(), "(7FE0,0010)");
    EXPECT_EQ(Tag::parse("(7FE0,0010)"), Tag(0x7FE0, 0x0010));
    EXPECT_EQ(error_code([] { Tag::parse("PatientName"); }), Errc::bad_value);
    EXPECT_TRUE(Tag(0x0029, 0x1001).is_private());
    EXPECT_TRUE(Tag(0x0029, 0x0010).is_private_creator());
    EXPECT_FALSE(Tag(0x0029, 0x1001).is_private_creator());
    EXPECT_FALSE(Tag(0x0007, 0x0010).is_private());
    EXPECT_FALSE(Tag(0xFFFF, 0x0010).is_private());
    EXPECT_TRUE(Tag(0x0009, 0x0000).is_group_length());
}

}  // namespace

// Number of Frames that is not a count (pydicom's get_nr_frames raises ValueError on "abc") is an
// error naming the element, not one frame; empty or 0 counts as one frame.
TEST(DatasetFrames, NumberOfFramesThatIsNotACountIsAnError) {
    Dataset ds;
    ds.set_bytes(tags::PixelData, VR::OB, Bytes(std::vector<uint8_t>(4 * 4 * 3)));
    EXPECT_EQ(frame_count(ds), 1u);
    ds.set_string(tags::NumberOfFrames, "3", VR::IS);
    EXPECT_EQ(frame_count(ds), 3u);
    ds.set_string(tags::NumberOfFrames, "0", VR::IS);
    EXPECT_EQ(frame_count(ds), 1u);
    for (const char *bad : {"abc", "-2", "3.5x"}) {
        ds.set_string(tags::NumberOfFrames, bad, VR::IS);
        try {
            frame_count(ds);
            ADD_FAILURE() << bad << " read as a frame count";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::bad_value) << bad;
            EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
        }
    }
}
