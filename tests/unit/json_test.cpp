// Tests of the DICOM JSON Model (PS3.18 Annex F) writer and reader.
#include "dcmkit/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/tag.h"

using namespace dcmkit;

namespace {

/// Removes the whitespace outside strings, so that a pretty-printed golden compares with compact output.
std::string minify(std::string_view json) {
    std::string out;
    bool in_string = false;
    for (size_t i = 0; i < json.size(); ++i) {
        char c = json[i];
        if (in_string) {
            out += c;
            if (c == '\\') out += json[++i];
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
            out += c;
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out += c;
        }
    }
    return out;
}

/// An independent base64 encoder (RFC 4648), to build expected JSON.
std::string base64(std::string_view in) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += t[(acc >> bits) & 63];
        }
    }
    if (bits) out += t[(acc << (6 - bits)) & 63];
    while (out.size() % 4) out += '=';
    return out;
}

Bytes bytes_of(std::initializer_list<uint8_t> b) { return Bytes(std::vector<uint8_t>(b)); }

Errc error_code(const std::string &json, const JsonReadOptions &opt = {}) {
    try {
        from_json(json, opt);
    } catch (const Error &e) {
        return e.code();
    }
    return Errc::ok;
}

int64_t error_offset(const std::string &json) {
    try {
        from_json(json);
    } catch (const Error &e) {
        return e.offset();
    }
    return -2;
}

void expect_round_trip(const Dataset &ds, const JsonWriteOptions &wopt = {}, const JsonReadOptions &ropt = {}) {
    const std::string json = to_json(ds, wopt);
    Dataset back = from_json(json, ropt);
    std::string why;
    EXPECT_TRUE(ds.equals(back, &why)) << why << "\nJSON: " << json;
    // And the JSON of what was read is the JSON that was written.
    EXPECT_EQ(to_json(back, wopt), json);
}

constexpr Tag kPatientName{0x0010, 0x0010};
constexpr Tag kPatientID{0x0010, 0x0020};
constexpr Tag kIssuer{0x0010, 0x0021};
constexpr Tag kOtherPatientIDsSequence{0x0010, 0x1002};
constexpr Tag kImageType{0x0008, 0x0008};
constexpr Tag kReferencedSeriesSequence{0x0008, 0x1115};

// PS3.18 F.4 "DICOM JSON Model Example", Result 1, as the standard prints it except for three
// corrections needed to make it valid JSON / conformant to F.2.7: the "// Result 1" comment is removed,
// the UR value the page layout broke over two lines is joined, and InlineBinary is a string (F.2.2,
// F.2.7) instead of the example's one-element array. The example's VRs (DT for Study Date and
// Patient's Birth Date) are kept as printed.
const char *const kStandardExample = R"({
    "00080005": {
        "vr": "CS",
        "Value": [ "ISO_IR 192" ]
    },
    "00080020": {
        "vr": "DT",
        "Value": [ "20130409" ]
    },
    "00080030": {
        "vr": "TM",
        "Value": [ "131600.0000" ]
    },
    "00080050": {
        "vr": "SH",
        "Value": [ "11235813" ]
    },
    "00080056": {
        "vr": "CS",
        "Value": [ "ONLINE" ]
    },
    "00080061": {
        "vr": "CS",
        "Value": [
            "CT",
            "PET"
        ]
    },
    "00080090": {
        "vr": "PN",
        "Value": [
          {
            "Alphabetic": "^Bob^^Dr."
          }
        ]
    },
    "00081190": {
        "vr": "UR",
        "Value": [ "http://wado.nema.org/studies/1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873" ]
    },
    "00090010": {
        "vr": "LO",
        "Value": [ "Vendor A" ]
    },
    "00091002": {
        "vr": "UN",
        "InlineBinary": "z0x9c8v7"
    },
    "00100010": {
        "vr": "PN",
        "Value": [
          {
            "Alphabetic": "Wang^XiaoDong",
            "Ideographic": "王^小東"
          }
        ]
    },
    "00100020": {
        "vr": "LO",
        "Value": [ "12345" ]
    },
    "00100021": {
        "vr": "LO",
        "Value": [ "Hospital A" ]
    },
    "00100030": {
        "vr": "DT",
        "Value": [ "19670701" ]
    },
    "00100040": {
        "vr": "CS",
        "Value": [ "M" ]
    },
    "00101002": {
        "vr": "SQ",
        "Value": [
            {
                "00100020": {
                    "vr": "LO",
                    "Value": [ "54321" ]
                },
                "00100021": {
                    "vr": "LO",
                    "Value": [ "Hospital B" ]
                }
            },
            {
                "00100020": {
                    "vr": "LO",
                    "Value": [ "24680" ]
                },
                "00100021": {
                    "vr": "LO",
                    "Value": [ "Hospital C" ]
                }
            }
        ]
    },
    "0020000D": {
        "vr": "UI",
        "Value": [ "1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873" ]
    },
    "00200010": {
        "vr": "SH",
        "Value": [ "11235813" ]
    },
    "00201206": {
        "vr": "IS",
        "Value": [ 4 ]
    },
    "00201208": {
        "vr": "IS",
        "Value": [ 942 ]
    }
})";

const uint8_t kExampleInlineBinary[] = {0xCF, 0x4C, 0x7D, 0x73, 0xCB, 0xFB};  // base64 "z0x9c8v7"

Dataset standard_example_dataset() {
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 192", VR::CS);
    ds.set_string(Tag(0x0008, 0x0020), "20130409", VR::DT);
    ds.set_string(Tag(0x0008, 0x0030), "131600.0000", VR::TM);
    ds.set_string(Tag(0x0008, 0x0050), "11235813", VR::SH);
    ds.set_string(Tag(0x0008, 0x0056), "ONLINE", VR::CS);
    ds.set_strings(Tag(0x0008, 0x0061), {"CT", "PET"}, VR::CS);
    ds.set_string(Tag(0x0008, 0x0090), "^Bob^^Dr.", VR::PN);
    ds.set_string(Tag(0x0008, 0x1190),
                  "http://wado.nema.org/studies/1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873", VR::UR);
    ds.set_string(Tag(0x0009, 0x0010), "Vendor A", VR::LO);
    ds.set_bytes(Tag(0x0009, 0x1002), VR::UN, Bytes::copy(kExampleInlineBinary, sizeof kExampleInlineBinary));
    ds.set_string(kPatientName, "Wang^XiaoDong=王^小東", VR::PN);
    ds.set_string(kPatientID, "12345", VR::LO);
    ds.set_string(kIssuer, "Hospital A", VR::LO);
    ds.set_string(Tag(0x0010, 0x0030), "19670701", VR::DT);
    ds.set_string(Tag(0x0010, 0x0040), "M", VR::CS);
    std::vector<Dataset> items(2);
    items[0].set_string(kPatientID, "54321", VR::LO);
    items[0].set_string(kIssuer, "Hospital B", VR::LO);
    items[1].set_string(kPatientID, "24680", VR::LO);
    items[1].set_string(kIssuer, "Hospital C", VR::LO);
    ds.set_sequence(kOtherPatientIDsSequence, std::move(items));
    ds.set_string(Tag(0x0020, 0x000D), "1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873", VR::UI);
    ds.set_string(Tag(0x0020, 0x0010), "11235813", VR::SH);
    ds.set_string(Tag(0x0020, 0x1206), "4", VR::IS);
    ds.set_string(Tag(0x0020, 0x1208), "942", VR::IS);
    return ds;
}

}  // namespace

// -- the standard's example ---------------------------------------------------------------------------

TEST(JsonWrite, MatchesTheExampleOfPS3_18_F4) {
    const Dataset ds = standard_example_dataset();
    EXPECT_EQ(to_json(ds), minify(kStandardExample));
    JsonWriteOptions pretty;
    pretty.pretty = true;
    EXPECT_EQ(minify(to_json(ds, pretty)), minify(kStandardExample));
}

TEST(JsonRead, ReadsTheExampleOfPS3_18_F4) {
    // As a one-result QIDO-RS response (F.2.1: a top-level array) with the example's one-element
    // InlineBinary array, both of which the reader accepts.
    std::string text = kStandardExample;
    const std::string inline_string = "\"InlineBinary\": \"z0x9c8v7\"";
    text.replace(text.find(inline_string), inline_string.size(), "\"InlineBinary\": [ \"z0x9c8v7\" ]");
    const Dataset ds = from_json("[\n" + text + "\n]");

    EXPECT_EQ(ds.specific_character_set(), "ISO_IR 192");
    EXPECT_EQ(ds.find(Tag(0x0008, 0x0020))->vr, VR::DT);
    EXPECT_EQ(ds.get_string(Tag(0x0008, 0x0020)), "20130409");
    EXPECT_EQ(ds.get_strings(Tag(0x0008, 0x0061)), (std::vector<std::string>{"CT", "PET"}));
    EXPECT_EQ(ds.get_person_name(Tag(0x0008, 0x0090)).alphabetic.given, "Bob");
    EXPECT_EQ(ds.get_person_name(Tag(0x0008, 0x0090)).alphabetic.prefix, "Dr.");
    const PersonName pn = ds.get_person_name(kPatientName);
    EXPECT_EQ(pn.alphabetic.family, "Wang");
    EXPECT_EQ(pn.alphabetic.given, "XiaoDong");
    EXPECT_EQ(pn.ideographic.family, "王");
    EXPECT_EQ(pn.ideographic.given, "小東");
    EXPECT_EQ(ds.get_string(kPatientName), "Wang^XiaoDong=王^小東");
    const Element *un = ds.find(Tag(0x0009, 0x1002));
    ASSERT_NE(un, nullptr);
    EXPECT_EQ(un->vr, VR::UN);
    EXPECT_EQ(un->value.str(), std::string_view(reinterpret_cast<const char *>(kExampleInlineBinary), 6));
    EXPECT_EQ(ds.private_creator_of(Tag(0x0009, 0x1002)), "Vendor A");
    const auto &items = ds.get_items(kOtherPatientIDsSequence);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].get_string(kPatientID), "54321");
    EXPECT_EQ(items[1].get_string(kIssuer), "Hospital C");
    EXPECT_EQ(items[1].specific_character_set(), "ISO_IR 192");  // inherited
    EXPECT_EQ(ds.get_int(Tag(0x0020, 0x1206)), 4);
    EXPECT_EQ(ds.get_int(Tag(0x0020, 0x1208)), 942);
    EXPECT_EQ(ds.get_string(Tag(0x0020, 0x000D)), "1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873");

    std::string why;
    EXPECT_TRUE(ds.equals(standard_example_dataset(), &why)) << why;
}

// -- writing ------------------------------------------------------------------------------------------

TEST(JsonWrite, EmptyDatasetAndEmptyValues) {
    EXPECT_EQ(to_json(Dataset()), "{}");
    Dataset ds;
    ds.set_string(kPatientName, "", VR::PN);
    ds.set_string(kPatientID, "  ", VR::LO);  // padding only
    ds.set_bytes(Tag(0x0009, 0x1001), VR::OB, Bytes());
    ds.set_sequence(kOtherPatientIDsSequence);
    ds.set_strings(kImageType, {"ORIGINAL", "", "AXIAL"}, VR::CS);
    std::vector<Dataset> one_empty(1);
    ds.set_sequence(kReferencedSeriesSequence, std::move(one_empty));
    // PS3.18 F.2.5: no "Value" for an empty attribute, null for an empty value, {} for an empty item.
    EXPECT_EQ(to_json(ds),
              R"({"00080008":{"vr":"CS","Value":["ORIGINAL",null,"AXIAL"]},)"
              R"("00081115":{"vr":"SQ","Value":[{}]},)"
              R"("00091001":{"vr":"OB"},)"
              R"("00100010":{"vr":"PN"},"00100020":{"vr":"LO"},"00101002":{"vr":"SQ"}})");
    expect_round_trip(ds);
}

TEST(JsonWrite, GroupLengthsAreOmitted) {
    Dataset ds;
    ds.set_int(Tag(0x0008, 0x0000), 42, VR::UL);
    ds.set_int(Tag(0x0009, 0x0000), 42, VR::UL);
    ds.set_string(Tag(0x0008, 0x0060), "CT", VR::CS);
    EXPECT_EQ(to_json(ds), R"({"00080060":{"vr":"CS","Value":["CT"]}})");
    // And a group length in the input is ignored (F.2.2: it shall not be included).
    Dataset back = from_json(R"({"00080000":{"vr":"UL","Value":[8]},"00080060":{"vr":"CS","Value":["CT"]}})");
    EXPECT_FALSE(back.contains(Tag(0x0008, 0x0000)));
    EXPECT_EQ(back.get_string(Tag(0x0008, 0x0060)), "CT");
}

TEST(JsonWrite, PrettyIsIndentedWithTwoSpaces) {
    Dataset ds;
    ds.set_strings(Tag(0x0008, 0x0061), {"CT", "PET"}, VR::CS);
    JsonWriteOptions opt;
    opt.pretty = true;
    EXPECT_EQ(to_json(ds, opt),
              "{\n"
              "  \"00080061\": {\n"
              "    \"vr\": \"CS\",\n"
              "    \"Value\": [\n"
              "      \"CT\",\n"
              "      \"PET\"\n"
              "    ]\n"
              "  }\n"
              "}");
}

TEST(JsonWrite, NumbersAndStrings) {
    Dataset ds;
    ds.set_ints(Tag(0x0028, 0x0010), {512}, VR::US);
    ds.set_ints(Tag(0x0028, 0x0106), {-5, 7}, VR::SS);
    ds.set_ints(Tag(0x0018, 0x9219), {-2147483647 - 1}, VR::SL);
    ds.set_ints(Tag(0x0008, 0x1160), {4294967295LL}, VR::UL);
    ds.set_numbers(Tag(0x0018, 0x9087), {0.1}, VR::FD);
    ds.set_numbers(Tag(0x0018, 0x9089), {0.1, -2.5, 1e300}, VR::FD);
    ds.set_numbers(Tag(0x0018, 0x9210), {0.1f}, VR::FL);
    const std::string json = to_json(ds);
    EXPECT_NE(json.find(R"("00280010":{"vr":"US","Value":[512]})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("00280106":{"vr":"SS","Value":[-5,7]})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("00189219":{"vr":"SL","Value":[-2147483648]})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("00081160":{"vr":"UL","Value":[4294967295]})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("00189087":{"vr":"FD","Value":[0.1]})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("00189089":{"vr":"FD","Value":[0.1,-2.5,1e+300]})"), std::string::npos) << json;
    // The shortest text that reads back to the same float: 0.1, not 0.10000000149011612.
    EXPECT_NE(json.find(R"("00189210":{"vr":"FL","Value":[0.1]})"), std::string::npos) << json;
    expect_round_trip(ds);
}

TEST(JsonWrite, DecimalAndIntegerStrings) {
    Dataset ds;
    // PS3.18 F.2.3: DS and IS are JSON numbers; a value that is not a JSON number as written stays a
    // string, which the note allows "to preserve the original format".
    ds.set_string(Tag(0x0018, 0x0050),
                  "1.5\\-0.25\\1.23456789012345\\1E+02\\+1.5\\.5\\1.\\007\\1.23456789012345678", VR::DS);
    ds.set_string(Tag(0x0020, 0x0013), " 12\\-3\\+4\\\\1.5\\1234567890123", VR::IS);
    const std::string json = to_json(ds);
    EXPECT_NE(json.find(R"("00180050":{"vr":"DS","Value":[1.5,-0.25,1.23456789012345,1E+02,"+1.5",".5","1.","007",)"
                        R"("1.23456789012345678"]})"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find(R"("00200013":{"vr":"IS","Value":[12,-3,"+4",null,"1.5","1234567890123"]})"), std::string::npos)
        << json;
    const Dataset back = from_json(json);
    EXPECT_EQ(back.get_strings(Tag(0x0018, 0x0050)),
              (std::vector<std::string>{"1.5", "-0.25", "1.23456789012345", "1E+02", "+1.5", ".5", "1.", "007",
                                        "1.23456789012345678"}));
    EXPECT_EQ(back.get_strings(Tag(0x0020, 0x0013)),
              (std::vector<std::string>{"12", "-3", "+4", "", "1.5", "1234567890123"}));
}

TEST(JsonWrite, VeryLongValuesBeyondTwoToThe53AreStrings) {
    Dataset ds;
    const uint64_t big = std::numeric_limits<uint64_t>::max();
    const int64_t small = std::numeric_limits<int64_t>::min();
    ds.set_ints(Tag(0x0008, 0x041F), {int64_t(big), 9007199254740992LL, 42}, VR::UV);
    ds.set_ints(Tag(0x0008, 0x0420), {small, -9007199254740992LL, -9007199254740993LL}, VR::SV);
    const std::string json = to_json(ds);
    // PS3.18 F.2.3: a string where a JSON number read as a double would lose digits.
    EXPECT_NE(json.find(R"("0008041F":{"vr":"UV","Value":["18446744073709551615",9007199254740992,42]})"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find(R"("00080420":{"vr":"SV","Value":["-9223372036854775808",-9007199254740992,"-9007199254740993"]})"),
              std::string::npos)
        << json;
    expect_round_trip(ds);
    // Numbers are accepted for them too.
    Dataset n = from_json(R"({"0008041F":{"vr":"UV","Value":[18446744073709551615, 1e3]}})");
    EXPECT_EQ(n.get_int(Tag(0x0008, 0x041F), 0), -1);  // all bits set
    EXPECT_EQ(n.get_int(Tag(0x0008, 0x041F), 1), 1000);
}

TEST(JsonWrite, NotANumberAndInfinity) {
    Dataset ds;
    ds.set_numbers(Tag(0x0018, 0x9087), {std::nan(""), std::numeric_limits<double>::infinity(),
                                         -std::numeric_limits<double>::infinity()},
                   VR::FD);
    const std::string json = to_json(ds);
    EXPECT_NE(json.find(R"(["NaN","Infinity","-Infinity"])"), std::string::npos) << json;
    Dataset back = from_json(json);
    EXPECT_TRUE(std::isnan(back.get_number(Tag(0x0018, 0x9087), 0)));
    EXPECT_EQ(back.get_number(Tag(0x0018, 0x9087), 1), std::numeric_limits<double>::infinity());
    EXPECT_EQ(back.get_number(Tag(0x0018, 0x9087), 2), -std::numeric_limits<double>::infinity());
}

TEST(JsonWrite, AttributeTags) {
    Dataset ds;
    ds.set_tags(Tag(0x0020, 0x9165), {Tag(0x0010, 0x0010), Tag(0x7FE0, 0x0010), Tag(0x0009, 0x10AB)});
    EXPECT_EQ(to_json(ds), R"({"00209165":{"vr":"AT","Value":["00100010","7FE00010","000910AB"]}})");
    expect_round_trip(ds);
    EXPECT_EQ(from_json(R"({"00209165":{"vr":"AT","Value":["0009abcd"]}})").get_tags(Tag(0x0020, 0x9165)),
              (std::vector<Tag>{Tag(0x0009, 0xABCD)}));
}

TEST(JsonWrite, BinaryIsBase64) {
    Dataset ds;
    ds.set_bytes(Tag(0x0009, 0x1001), VR::OB, bytes_of({1, 2, 3}));
    ds.set_bytes(Tag(0x0028, 0x1201), VR::OW, bytes_of({0xFF, 0x00, 0x10, 0x20}));
    ds.set_bytes(Tag(0x0009, 0x1002), VR::UN, bytes_of({'a', 'b', 'c', 'd', 'e'}));
    EXPECT_EQ(to_json(ds), R"({"00091001":{"vr":"OB","InlineBinary":"AQID"},)"
                           R"("00091002":{"vr":"UN","InlineBinary":"YWJjZGU="},)"
                           R"("00281201":{"vr":"OW","InlineBinary":"/wAQIA=="}})");
    expect_round_trip(ds);
}

TEST(JsonWrite, TextEscapes) {
    Dataset ds;
    ds.set_string(Tag(0x0008, 0x0005), "ISO_IR 192", VR::CS);
    ds.set_string(Tag(0x0020, 0x4000), "line 1\r\nline \"2\"\t\\ end\x01", VR::LT);
    const std::string json = to_json(ds);
    EXPECT_NE(json.find(R"("line 1\r\nline \"2\"\t\\ end\u0001")"), std::string::npos) << json;
    expect_round_trip(ds);
}

TEST(JsonWrite, BytesThatAreNotUtf8InANonCharsetVrStillGiveValidJson) {
    Dataset ds;
    ds.set_bytes(Tag(0x0008, 0x0060), VR::CS, Bytes::copy("CT\xE9", 3));
    const std::string json = to_json(ds);
    EXPECT_NE(json.find("\"CT\xC3\xA9\""), std::string::npos) << json;  // read as ISO 8859-1
    EXPECT_NO_THROW(from_json(json));
}

TEST(JsonWrite, ItemsUseTheEnclosingCharacterSet) {
    // An item put into a sequence by hand carries no inherited character set; the writer passes the
    // enclosing one down.
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 100", VR::CS);
    Dataset item;
    item.set_bytes(kIssuer, VR::LO, Bytes::copy("H\xF4pital ", 8));
    Element sq(kOtherPatientIDsSequence, VR::SQ);
    sq.items.push_back(item);
    ds.set(sq);
    const std::string json = to_json(ds);
    EXPECT_NE(json.find("\"Value\":[\"Hôpital\"]"), std::string::npos) << json;
}

TEST(JsonWrite, SequencesNestedTooDeepThrow) {
    Dataset ds;
    for (int i = 0; i < 300; ++i) {
        Dataset parent;
        parent.set_sequence(kReferencedSeriesSequence, {std::move(ds)});
        ds = std::move(parent);
    }
    try {
        to_json(ds);
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::too_deep);
    }
}

TEST(JsonWrite, BinaryLengthThatIsNotAMultipleOfTheValueSizeThrows) {
    Dataset ds;
    ds.set_bytes(Tag(0x0028, 0x0010), VR::US, bytes_of({1, 2, 3}));
    try {
        to_json(ds);
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::bad_length);
        EXPECT_EQ(e.tag(), 0x00280010u);
    }
}

// -- round trips of every VR ----------------------------------------------------------------------------

TEST(JsonRoundTrip, EveryVr) {
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 192", VR::CS);
    ds.set_string(Tag(0x0008, 0x0054), "STORESCP\\AE2", VR::AE);
    ds.set_string(Tag(0x0010, 0x1010), "042Y", VR::AS);
    ds.set_tags(Tag(0x0020, 0x9165), {Tag(0x0010, 0x0020)});
    ds.set_strings(kImageType, {"DERIVED", "PRIMARY"}, VR::CS);
    ds.set_string(Tag(0x0008, 0x0020), "20240229", VR::DA);
    ds.set_string(Tag(0x0018, 0x0050), "0.625\\-1e-3", VR::DS);
    ds.set_string(Tag(0x0008, 0x002A), "20240229120000.123456+0100", VR::DT);
    ds.set_numbers(Tag(0x0018, 0x9087), {1.0 / 3.0, -0.0, 5e-324}, VR::FD);
    ds.set_numbers(Tag(0x0018, 0x9210), {1.0f / 3.0f, 3.4028235e38f}, VR::FL);
    ds.set_string(Tag(0x0020, 0x0013), "7\\-2147483648", VR::IS);
    ds.set_string(Tag(0x0008, 0x0070), "Ünïcödé Manufacturer\\Two", VR::LO);
    ds.set_string(Tag(0x0020, 0x4000), "  leading spaces\r\nkept in LT", VR::LT);
    ds.set_bytes(Tag(0x0009, 0x1001), VR::OB, bytes_of({0, 255, 128}));
    {
        std::vector<uint8_t> od(16);
        double d[2] = {1.5, -2.25};
        std::memcpy(od.data(), d, 16);
        ds.set_bytes(Tag(0x0070, 0x1802), VR::OD, Bytes(od));
    }
    ds.set_bytes(Tag(0x0066, 0x0016), VR::OF, bytes_of({0, 0, 0x80, 0x3F}));
    ds.set_bytes(Tag(0x0066, 0x0040), VR::OL, bytes_of({1, 0, 0, 0, 2, 0, 0, 0}));
    ds.set_bytes(Tag(0x0066, 0x0129), VR::OV, bytes_of({1, 2, 3, 4, 5, 6, 7, 8}));
    ds.set_bytes(Tag(0x0028, 0x1201), VR::OW, bytes_of({1, 2, 3, 4}));
    ds.set_string(kPatientName, "Yamada^Tarou=山田^太郎=やまだ^たろう\\Doe^John", VR::PN);
    ds.set_string(Tag(0x0008, 0x0050), "ACC-1", VR::SH);
    ds.set_ints(Tag(0x0018, 0x9219), {-7, 2147483647}, VR::SL);
    ds.set_ints(Tag(0x0028, 0x0106), {-32768, 32767}, VR::SS);
    ds.set_string(Tag(0x0008, 0x0081), "Straße 1", VR::ST);
    ds.set_ints(Tag(0x0008, 0x0420), {-5, std::numeric_limits<int64_t>::max()}, VR::SV);
    ds.set_string(Tag(0x0008, 0x0030), "235959.999999", VR::TM);
    ds.set_string(Tag(0x0008, 0x0119), "a very long unlimited characters value\\second", VR::UC);
    ds.set_string(Tag(0x0008, 0x0018), "1.2.840.10008.1.2.3.4.5", VR::UI);
    ds.set_ints(Tag(0x0008, 0x1160), {0, 4294967295LL}, VR::UL);
    ds.set_bytes(Tag(0x0011, 0x1001), VR::UN, bytes_of({9, 8, 7, 6}));
    ds.set_string(Tag(0x0008, 0x1190), "https://example.org/dicomweb/studies/1.2.3?x=y&z", VR::UR);
    ds.set_ints(Tag(0x0028, 0x0010), {0, 65535}, VR::US);
    ds.set_string(Tag(0x0018, 0x1030), "unlimited text 中文\ttab", VR::UT);
    ds.set_ints(Tag(0x0008, 0x041F), {0, -1}, VR::UV);
    // Nested sequences, an empty item, and an item with its own values.
    Dataset inner;
    inner.set_string(kPatientID, "inner", VR::LO);
    inner.set_ints(Tag(0x0028, 0x0011), {7}, VR::US);
    Dataset middle;
    middle.set_string(kPatientID, "middle", VR::LO);
    middle.set_sequence(kReferencedSeriesSequence, {inner, Dataset()});
    ds.set_sequence(kOtherPatientIDsSequence, {middle});
    ds.set_string(Tag(0x0009, 0x0010), "DCMKIT TEST", VR::LO);
    expect_round_trip(ds);
    JsonWriteOptions pretty;
    pretty.pretty = true;
    expect_round_trip(ds, pretty);
}

TEST(JsonRoundTrip, PersonNameGroups) {
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 192", VR::CS);
    ds.set_string(kPatientName, "Yamada^Tarou=山田^太郎=やまだ^たろう\\\\=Ideo Only\\Alpha==Phon", VR::PN);
    const std::string json = to_json(ds);
    EXPECT_EQ(json, R"({"00080005":{"vr":"CS","Value":["ISO_IR 192"]},"00100010":{"vr":"PN","Value":[)"
                    R"({"Alphabetic":"Yamada^Tarou","Ideographic":"山田^太郎","Phonetic":"やまだ^たろう"},)"
                    R"(null,{"Ideographic":"Ideo Only"},{"Alphabetic":"Alpha","Phonetic":"Phon"}]}})");
    expect_round_trip(ds);
}

TEST(JsonRoundTrip, PrivateTags) {
    Dataset ds;
    const uint8_t block = ds.reserve_private_block(0x0029, "ACME 1.0");
    const uint8_t block2 = ds.reserve_private_block(0x0029, "OTHER VENDOR");
    ds.set_string(Tag(0x0029, uint16_t(block << 8 | 0x01)), "private text", VR::LO);
    ds.set_bytes(Tag(0x0029, uint16_t(block << 8 | 0x02)), VR::UN, bytes_of({1, 2, 3, 4}));
    ds.set_ints(Tag(0x0029, uint16_t(block2 << 8 | 0x10)), {3}, VR::US);
    const std::string json = to_json(ds);
    EXPECT_NE(json.find(R"("00290010":{"vr":"LO","Value":["ACME 1.0"]})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("00291001":{"vr":"LO","Value":["private text"]})"), std::string::npos) << json;
    const Dataset back = from_json(json);
    EXPECT_EQ(back.private_creator_of(Tag(0x0029, 0x1002)), "ACME 1.0");
    EXPECT_EQ(back.find_private(0x0029, "OTHER VENDOR", 0x10), Tag(0x0029, 0x1110));
    expect_round_trip(ds);
}

TEST(JsonRoundTrip, EncapsulatedPixelData) {
    Dataset ds;
    ds.set_ints(Tag(0x0028, 0x0010), {2}, VR::US);
    Element px(tags::PixelData, VR::OB);
    px.undefined_length = true;
    px.fragments = {Bytes(), bytes_of({0xFF, 0xD8, 0xFF, 0xE0}), bytes_of({1, 2, 3, 4, 5, 6})};
    ds.set(px);
    const std::string json = to_json(ds);
    // PS3.18 F.2.7: the Value Field, i.e. the PS3.5 A.4 items and the Sequence Delimitation Item.
    std::string expected_field("\xFE\xFF\x00\xE0\x00\x00\x00\x00"
                               "\xFE\xFF\x00\xE0\x04\x00\x00\x00\xFF\xD8\xFF\xE0"
                               "\xFE\xFF\x00\xE0\x06\x00\x00\x00\x01\x02\x03\x04\x05\x06"
                               "\xFE\xFF\xDD\xE0\x00\x00\x00\x00",
                               8 + 12 + 14 + 8);
    EXPECT_NE(json.find(R"("7FE00010":{"vr":"OB","InlineBinary":")" + base64(expected_field) + "\"}"), std::string::npos)
        << json;
    const Dataset back = from_json(json);
    const Element *e = back.find(tags::PixelData);
    ASSERT_NE(e, nullptr);
    EXPECT_TRUE(e->is_encapsulated());
    EXPECT_TRUE(e->undefined_length);
    ASSERT_EQ(e->fragments.size(), 3u);
    EXPECT_EQ(e->fragments[2].str(), std::string_view("\x01\x02\x03\x04\x05\x06", 6));
    expect_round_trip(ds);
}

TEST(JsonRoundTrip, NativePixelDataStaysNative) {
    Dataset ds;
    ds.set_bytes(tags::PixelData, VR::OW, bytes_of({0xFE, 0xFF, 0x00, 0xE0, 0x10, 0, 0, 0, 1, 2}));
    const Dataset back = from_json(to_json(ds));
    EXPECT_FALSE(back.find(tags::PixelData)->is_encapsulated());
    expect_round_trip(ds);
}

// -- character sets -----------------------------------------------------------------------------------

TEST(JsonCharset, TextIsDecodedFromTheCharacterSetAndReEncodedOnRead) {
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 100", VR::CS);
    ds.set_string(kPatientName, "Buc^Jérôme", VR::PN);
    ASSERT_EQ(ds.find(kPatientName)->value.str(), std::string_view("Buc^J\xE9r\xF4me", 10));
    std::vector<Dataset> items(1);
    items[0].set_inherited_character_set("ISO_IR 100");
    items[0].set_string(kIssuer, "Hôpital", VR::LO);
    ds.set_sequence(kOtherPatientIDsSequence, std::move(items));
    const std::string json = to_json(ds);
    // F.2.2 Note 3: (0008,0005) is kept as metadata of the source; the JSON text is UTF-8.
    EXPECT_NE(json.find(R"("00080005":{"vr":"CS","Value":["ISO_IR 100"]})"), std::string::npos) << json;
    EXPECT_NE(json.find("\"Alphabetic\":\"Buc^Jérôme\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"Hôpital\""), std::string::npos) << json;
    const Dataset back = from_json(json);
    EXPECT_EQ(back.find(kPatientName)->value.str(), std::string_view("Buc^J\xE9r\xF4me", 10));
    EXPECT_EQ(back.get_items(kOtherPatientIDsSequence)[0].find(kIssuer)->value.str(), std::string_view("H\xF4pital ", 8));
    expect_round_trip(ds);
}

TEST(JsonCharset, IsoIr2022Japanese) {
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "\\ISO 2022 IR 87", VR::CS);
    ds.set_string(kPatientName, "Yamada^Tarou=山田^太郎=やまだ^たろう", VR::PN);
    const std::string json = to_json(ds);
    EXPECT_NE(json.find(R"("00080005":{"vr":"CS","Value":[null,"ISO 2022 IR 87"]})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"({"Alphabetic":"Yamada^Tarou","Ideographic":"山田^太郎","Phonetic":"やまだ^たろう"})"),
              std::string::npos)
        << json;
    expect_round_trip(ds);  // the ISO 2022 bytes come back exactly
}

TEST(JsonCharset, NonAsciiWithoutCharacterSetGetsIsoIr192) {
    const Dataset ds = from_json(R"({"00100010":{"vr":"PN","Value":[{"Alphabetic":"Müller^Jörg"}]},)"
                                 R"("00101002":{"vr":"SQ","Value":[{"00100021":{"vr":"LO","Value":["Zürich"]}}]}})");
    EXPECT_EQ(ds.get_string(tags::SpecificCharacterSet), "ISO_IR 192");
    EXPECT_EQ(ds.find(kPatientName)->value.str(), "Müller^Jörg ");
    EXPECT_EQ(ds.get_items(kOtherPatientIDsSequence)[0].get_string(kIssuer), "Zürich");
    // ASCII-only text gets no (0008,0005).
    EXPECT_FALSE(from_json(R"({"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^John"}]}})")
                     .contains(tags::SpecificCharacterSet));
}

TEST(JsonCharset, TextTheDeclaredCharacterSetCannotHoldFallsBackToUtf8) {
    const Dataset ds = from_json(R"({"00080005":{"vr":"CS","Value":["ISO_IR 100"]},)"
                                 R"("00100010":{"vr":"PN","Value":[{"Alphabetic":"Wang^XiaoDong","Ideographic":"王^小東"}]},)"
                                 R"("00100020":{"vr":"LO","Value":["é"]}})");
    EXPECT_EQ(ds.get_string(tags::SpecificCharacterSet), "ISO_IR 192");
    EXPECT_EQ(ds.get_string(kPatientName), "Wang^XiaoDong=王^小東");
    EXPECT_EQ(ds.find(kPatientID)->value.str(), "é");  // UTF-8, not Latin-1
    const Dataset unknown = from_json(R"({"00080005":{"vr":"CS","Value":["NO SUCH SET"]},"00100020":{"vr":"LO","Value":["é"]}})");
    EXPECT_EQ(unknown.get_string(tags::SpecificCharacterSet), "ISO_IR 192");
    EXPECT_EQ(unknown.get_string(kPatientID), "é");
}

TEST(JsonCharset, CharacterSetAfterTheTextInTheJsonStillApplies) {
    const Dataset ds = from_json(R"({"00100010":{"Value":[{"Alphabetic":"Jérôme"}],"vr":"PN"},)"
                                 R"("00080005":{"vr":"CS","Value":["ISO_IR 100"]}})");
    EXPECT_EQ(ds.find(kPatientName)->value.str(), std::string_view("J\xE9r\xF4me", 6));
}

// -- bulk data ---------------------------------------------------------------------------------------

TEST(JsonBulkData, WrittenThroughTheCallbackAboveTheThreshold) {
    Dataset ds;
    ds.set_bytes(Tag(0x0009, 0x1001), VR::OB, bytes_of({1, 2, 3, 4}));
    ds.set_bytes(Tag(0x0009, 0x1002), VR::OB, bytes_of({1, 2, 3, 4, 5}));
    Dataset item;
    item.set_bytes(tags::PixelData, VR::OW, bytes_of({1, 2, 3, 4, 5, 6}));
    item.set_string(kPatientID, "not binary, never bulk: long enough anyway", VR::LO);
    ds.set_sequence(Tag(0x0088, 0x0200), {item});
    JsonWriteOptions opt;
    opt.bulk_data_threshold = 4;
    std::vector<std::string> calls;
    opt.bulk_uri = [&](const Element &e, const std::vector<Tag> &path) {
        std::string where;
        for (Tag t : path) where += t.str() + "/";
        calls.push_back(where + e.tag.str());
        return "https://example.org/bulk/" + std::to_string(calls.size());
    };
    const std::string json = to_json(ds, opt);
    EXPECT_EQ(calls, (std::vector<std::string>{"(0009,1002)", "(0088,0200)/(7FE0,0010)"}));
    EXPECT_NE(json.find(R"("00091001":{"vr":"OB","InlineBinary":"AQIDBA=="})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("00091002":{"vr":"OB","BulkDataURI":"https://example.org/bulk/1"})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("7FE00010":{"vr":"OW","BulkDataURI":"https://example.org/bulk/2"})"), std::string::npos) << json;

    // Reading resolves the URIs through the loader.
    JsonReadOptions ropt;
    ropt.bulk_loader = [&](std::string_view uri, Tag tag, VR vr) -> Bytes {
        if (uri == "https://example.org/bulk/1") {
            EXPECT_EQ(tag, Tag(0x0009, 0x1002));
            EXPECT_EQ(vr, VR::OB);
            return bytes_of({1, 2, 3, 4, 5});
        }
        return bytes_of({1, 2, 3, 4, 5, 6});
    };
    std::string why;
    EXPECT_TRUE(from_json(json, ropt).equals(ds, &why)) << why;
    // Without a loader an http URI is not supported.
    EXPECT_EQ(error_code(json), Errc::unsupported);

    // Text bulk data must be UTF-8 (PS3.18 F.2.2 Note 4).
    JsonReadOptions latin1;
    latin1.bulk_loader = [](std::string_view, Tag, VR) { return Bytes::copy("H\xF4pital", 7); };
    EXPECT_EQ(error_code(R"({"00204000":{"vr":"LT","BulkDataURI":"x"}})", latin1), Errc::charset);

    // An empty URI from the callback writes the value inline.
    opt.bulk_uri = [](const Element &, const std::vector<Tag> &) { return std::string(); };
    EXPECT_EQ(to_json(ds, opt), to_json(ds));
}

TEST(JsonBulkData, DefaultLoaderReadsFiles) {
    char path[] = "/tmp/dcmkit_json_bulk_XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    const char content[] = "0123456789\x01\x00\x02\x00";
    ASSERT_EQ(write(fd, content, 14), 14);
    close(fd);
    const std::string p = path;

    Dataset a = from_json(R"({"00091001":{"vr":"OB","BulkDataURI":"file://)" + p + R"("}})");
    EXPECT_EQ(a.find(Tag(0x0009, 0x1001))->value.str(), std::string_view(content, 14));
    Dataset b = from_json(R"({"00091001":{"vr":"OB","BulkDataURI":")" + p + R"("}})");
    EXPECT_EQ(b.find(Tag(0x0009, 0x1001))->value.size(), 14u);
    Dataset c = from_json(R"({"00280010":{"vr":"US","BulkDataURI":"file:)" + p + R"(?offset=10&length=4"}})");
    EXPECT_EQ(c.get_int(Tag(0x0028, 0x0010), 0), 1);
    EXPECT_EQ(c.get_int(Tag(0x0028, 0x0010), 1), 2);
    // Text bulk data of LT is UTF-8 (PS3.18 F.2.2 Note 4).
    Dataset d = from_json(R"({"00204000":{"vr":"LT","BulkDataURI":"file://localhost)" + p + R"(?length=10"}})");
    EXPECT_EQ(d.get_string(Tag(0x0020, 0x4000)), "0123456789");
    EXPECT_EQ(error_code(R"({"00280010":{"vr":"US","BulkDataURI":"file:)" + p + R"(?offset=12&length=4"}})"),
              Errc::truncated);
    EXPECT_EQ(error_code(R"({"00280010":{"vr":"US","BulkDataURI":"file:)" + p + R"(?offset=11&length=3"}})"),
              Errc::bad_value);  // 3 bytes are no US values
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","BulkDataURI":"file://otherhost)" + p + R"("}})"),
              Errc::unsupported);
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","BulkDataURI":"/no/such/dcmkit/file"}})"), Errc::not_found);
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","BulkDataURI":"http://example.org/x"}})"), Errc::unsupported);
    try {
        from_json(R"({"00091001":{"vr":"OB","BulkDataURI":"http://example.org/x"}})");
    } catch (const Error &e) {
        EXPECT_EQ(e.offset(), 37);  // the URI in the JSON text
        EXPECT_EQ(e.tag(), 0x00091001u);
    }
    std::remove(path);
}

// -- bad input ----------------------------------------------------------------------------------------

TEST(JsonBadInput, TruncatedAtEveryByte) {
    const std::string text = minify(kStandardExample);
    for (size_t n = 0; n < text.size(); ++n) {
        const Errc code = error_code(text.substr(0, n));
        EXPECT_NE(code, Errc::ok) << "prefix of " << n << " bytes was accepted";
    }
    EXPECT_EQ(error_code(text.substr(0, 40)), Errc::truncated);
}

TEST(JsonBadInput, SyntaxErrors) {
    EXPECT_EQ(error_code(""), Errc::truncated);
    EXPECT_EQ(error_code("   "), Errc::truncated);
    EXPECT_EQ(error_code("null"), Errc::malformed);
    EXPECT_EQ(error_code("{}x"), Errc::malformed);
    EXPECT_EQ(error_code("{},"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","Value":["a",]}})"), Errc::malformed);   // trailing comma
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","Value":["a"],}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({'00100020':{"vr":"LO"}})"), Errc::malformed);                  // single quotes
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","Value":["a\x"]}})"), Errc::malformed);  // bad escape
    EXPECT_EQ(error_code("{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"a\tb\"]}}"), Errc::malformed);  // raw tab
    EXPECT_EQ(error_code("{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"\xC3\x28\"]}}"), Errc::malformed);  // bad UTF-8
    EXPECT_EQ(error_code("{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"\xED\xA0\x80\"]}}"), Errc::malformed);  // CESU
    EXPECT_EQ(error_code("{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"\xC0\xAF\"]}}"), Errc::malformed);  // overlong
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","Value":["\uD800"]}})"), Errc::malformed);  // lone surrogate
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","Value":["\uDC00\uD800"]}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00201208":{"vr":"IS","Value":[01]}})"), Errc::malformed);  // leading zero
    EXPECT_EQ(error_code(R"({"00201208":{"vr":"IS","Value":[+1]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00201208":{"vr":"IS","Value":[1.]}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00201208":{"vr":"IS","Value":[tru]}})"), Errc::bad_value);
    EXPECT_EQ(error_code("[{},{}]"), Errc::malformed);
    // A surrogate pair is fine.
    EXPECT_EQ(from_json(R"({"00100020":{"vr":"LO","Value":["\uD83D\uDE00"]}})").get_string(kPatientID), "\xF0\x9F\x98\x80");
}

TEST(JsonBadInput, BadKeysAndMembers) {
    EXPECT_EQ(error_code(R"({"0010002":{"vr":"LO"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"001000200":{"vr":"LO"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"0010002G":{"vr":"LO"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"j({"(0010,0020)":{"vr":"LO"}})j"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"PatientID":{"vr":"LO"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"":{"vr":"LO"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"FFFEE000":{"vr":"SQ"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO"},"00100020":{"vr":"LO"}})"), Errc::malformed);  // duplicate
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO"},"00100010":{"vr":"PN"},"00100020":{"vr":"LO"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100020":"12345"})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100020":{}})"), Errc::malformed);                 // no vr
    EXPECT_EQ(error_code(R"({"00100020":{"Value":["x"]}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"XX"}})"), Errc::bad_vr);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"lo"}})"), Errc::bad_vr);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":5}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","vr":"LO"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","value":["x"]}})"), Errc::malformed);  // unknown member
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","InlineBinary":"AA==","BulkDataURI":"x"}})"), Errc::malformed);
}

TEST(JsonBadInput, WrongTypes) {
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","Value":"x"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","Value":[5]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","Value":[["x"]]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","Value":["a\\b"]}})"), Errc::bad_value);  // delimiter inside
    EXPECT_EQ(error_code(R"({"00204000":{"vr":"LT","Value":["a","b"]}})"), Errc::bad_value);  // single-valued
    EXPECT_EQ(error_code(R"({"00100010":{"vr":"PN","Value":[{"Alphabetic":5}]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00100010":{"vr":"PN","Value":[{"Family":"x"}]}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100010":{"vr":"PN","Value":[{"Alphabetic":"a=b"}]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00280010":{"vr":"US","Value":["512"]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00280010":{"vr":"US","Value":[65536]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00280010":{"vr":"US","Value":[-1]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00280010":{"vr":"US","Value":[1.5]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00280010":{"vr":"US","Value":[null]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00280106":{"vr":"SS","Value":[32768]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"0008041F":{"vr":"UV","Value":["18446744073709551616"]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"0008041F":{"vr":"UV","Value":[18446744073709551616]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00080420":{"vr":"SV","Value":["12abc"]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00189087":{"vr":"FD","Value":[1e999]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00189210":{"vr":"FL","Value":[1e39]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00189087":{"vr":"FD","Value":["1.5"]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00201208":{"vr":"IS","Value":[1.5]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00201208":{"vr":"IS","Value":[1234567890123]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00209165":{"vr":"AT","Value":["0010001"]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00209165":{"vr":"AT","Value":[1048592]}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00101002":{"vr":"SQ","Value":["item"]}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00101002":{"vr":"SQ","Value":[null]}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","Value":[1,2]}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00280010":{"vr":"US","InlineBinary":"AAA="}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00100020":{"vr":"LO","BulkDataURI":"x"}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","InlineBinary":"AQ$D"}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","InlineBinary":"AQIDB"}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","InlineBinary":"AQ=D"}})"), Errc::bad_value);
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","InlineBinary":5}})"), Errc::malformed);
    EXPECT_EQ(error_code(R"({"00091001":{"vr":"OB","InlineBinary":["AA==","AA=="]}})"), Errc::malformed);
}

TEST(JsonBadInput, ErrorsCarryTheByteOffset) {
    const std::string json = R"({"00100010":{"vr":"PN","Value":[5]}})";
    EXPECT_EQ(error_offset(json), int64_t(json.find('5')));
    const std::string dup = R"({"00100020":{"vr":"LO"},"00100020":{"vr":"LO"}})";
    EXPECT_EQ(error_offset(dup), int64_t(dup.rfind("\"00100020\"")));
    const std::string key = R"({"00100020":{"vr":"LO"}, "0010":{"vr":"LO"}})";
    EXPECT_EQ(error_offset(key), int64_t(key.find("\"0010\"")));
    try {
        from_json(R"({"00280010":{"vr":"US","Value":[70000]}})");
        FAIL();
    } catch (const Error &e) {
        EXPECT_EQ(e.tag(), 0x00280010u);
        EXPECT_EQ(e.offset(), 32);
    }
}

TEST(JsonBadInput, DepthBombs) {
    // Sequences nested deeper than max_depth.
    std::string deep;
    const int levels = 100;
    for (int i = 0; i < levels; ++i) deep += R"({"00081115":{"vr":"SQ","Value":[)";
    deep += "{}";
    for (int i = 0; i < levels; ++i) deep += "]}}";
    EXPECT_EQ(error_code(deep), Errc::too_deep);
    JsonReadOptions opt;
    opt.max_depth = 200;
    EXPECT_EQ(error_code(deep, opt), Errc::ok);
    // The same with "vr" after "Value", so the look-ahead for "vr" meets the nesting first.
    std::string deep2;
    for (int i = 0; i < levels; ++i) deep2 += R"({"00081115":{"Value":[)";
    deep2 += "{}";
    for (int i = 0; i < levels; ++i) deep2 += R"(],"vr":"SQ"}})";
    EXPECT_EQ(error_code(deep2), Errc::too_deep);
    EXPECT_EQ(error_code(deep2, opt), Errc::ok);
    // Plain JSON nesting bombs.
    EXPECT_NE(error_code(std::string(100000, '[')), Errc::ok);
    EXPECT_NE(error_code("{\"00100020\":{\"Value\":" + std::string(100000, '[')), Errc::ok);
    EXPECT_EQ(error_code("{\"00100020\":{\"Value\":" + std::string(100000, '[') + std::string(100000, ']') +
                         ",\"vr\":\"LO\"}}"),
              Errc::too_deep);
    // Hostile max_depth values are capped, not trusted to the stack.
    opt.max_depth = 1u << 30;
    std::string very_deep;
    for (int i = 0; i < 5000; ++i) very_deep += R"({"00081115":{"vr":"SQ","Value":[)";
    EXPECT_EQ(error_code(very_deep, opt), Errc::too_deep);
}

TEST(JsonBadInput, RandomMutationsNeverCrash) {
    const std::string base = to_json(standard_example_dataset());
    std::mt19937 rng(12345);
    const char alphabet[] = "{}[]\":,\\ 0123456789eE.-+nultrfaseAZaz\x80\xC3\xFF";
    size_t accepted = 0;
    for (int iter = 0; iter < 3000; ++iter) {
        std::string s = base;
        const int edits = 1 + int(rng() % 4);
        for (int k = 0; k < edits; ++k) {
            const size_t at = rng() % s.size();
            switch (rng() % 3) {
            case 0: s[at] = alphabet[rng() % (sizeof alphabet - 1)]; break;
            case 1: s.erase(at, 1 + rng() % 3); break;
            default: s.insert(at, 1, alphabet[rng() % (sizeof alphabet - 1)]);
            }
            if (s.empty()) s = "{";
        }
        try {
            Dataset ds = from_json(s);
            to_json(ds);  // whatever was accepted can be written again
            ++accepted;
        } catch (const Error &) {
        }
    }
    EXPECT_LT(accepted, 3000u);
}

// -- reading details -----------------------------------------------------------------------------------

TEST(JsonRead, KeysInAnyOrderAndVrAfterValue) {
    const Dataset ds = from_json(R"( { "00100020" : { "Value" : [ "B" ] , "vr" : "LO" } ,
                                      "00080060" : { "vr" : "CS" , "Value" : [ "CT" ] } } )");
    ASSERT_EQ(ds.size(), 2u);
    EXPECT_EQ(ds.begin()->tag, Tag(0x0008, 0x0060));
    EXPECT_EQ(ds.get_string(kPatientID), "B");
}

TEST(JsonRead, LowercaseKeysBomAndPersonNameAsString) {
    const Dataset ds = from_json("\xEF\xBB\xBF{\"0020000d\":{\"vr\":\"UI\",\"Value\":[\"1.2.3\"]},"
                                 "\"00100010\":{\"vr\":\"PN\",\"Value\":[\"Doe^John\",null,{}]}}");
    EXPECT_EQ(ds.get_string(Tag(0x0020, 0x000D)), "1.2.3");
    EXPECT_EQ(ds.get_strings(kPatientName), (std::vector<std::string>{"Doe^John", "", ""}));
}

TEST(JsonRead, StringsArePaddedLikePart10Values) {
    const Dataset ds = from_json(R"({"00080018":{"vr":"UI","Value":["1.2.3"]},"00080060":{"vr":"CS","Value":["MR"]},)"
                                 R"("00100020":{"vr":"LO","Value":["odd"]}})");
    EXPECT_EQ(ds.find(Tag(0x0008, 0x0018))->value.size(), 6u);
    EXPECT_EQ(ds.find(Tag(0x0008, 0x0018))->value[5], 0);
    EXPECT_EQ(ds.find(Tag(0x0008, 0x0060))->value.str(), "MR");
    EXPECT_EQ(ds.find(kPatientID)->value.str(), "odd ");
}

TEST(JsonRead, DecimalStringsKeepTheirDigits) {
    const Dataset ds = from_json(R"({"00180050":{"vr":"DS","Value":[0.1000, 1.0E-3, 0.30000000000000004, "  7 "]}})");
    EXPECT_EQ(ds.get_strings(Tag(0x0018, 0x0050)), (std::vector<std::string>{"0.1000", "1.0E-3", "0.3", "7"}));
    for (const auto &v : ds.get_strings(Tag(0x0018, 0x0050))) EXPECT_LE(v.size(), 16u);
}
