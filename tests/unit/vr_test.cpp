// Every one of the 34 VRs of PS3.5 Table 6.2-1, encoded in Implicit VR Little Endian, Explicit VR
// Little Endian and Explicit VR Big Endian. The expected bytes below are written by hand from the
// standard's rules, never taken from dcmkit's output:
//
//   PS3.5 7.1.2 (Table 7.1-1): explicit VR, VRs other than the long ones:
//       tag group (2) | tag element (2) | VR (2 ASCII chars) | value length (2) | value
//   PS3.5 7.1.2 (Table 7.1-2): explicit VR, OB OD OF OL OV OW SQ SV UC UN UR UT UV:
//       tag group (2) | tag element (2) | VR (2) | reserved 0000H (2) | value length (4) | value
//   PS3.5 7.1.3 (Table 7.1-3): implicit VR:
//       tag group (2) | tag element (2) | value length (4) | value
//   PS3.5 7.3 and Annex A.1/A.2/A.3: in little endian every 16/32/64-bit number (tag halves, lengths,
//       binary values) is stored least significant byte first; in big endian most significant byte
//       first. The VR characters, the string values and OB/UN bytes are never swapped. OW swaps
//       16-bit words, OF/OL/FL/UL/SL 32-bit words, OD/OV/FD/SV/UV 64-bit words, and AT each 16-bit
//       half of the tag (group, then element).
//   PS3.5 7.1.1: value lengths are even; PS3.5 6.2: an odd-length value is padded with a trailing
//       SPACE (20H) for character strings, a NUL (00H) for UI, and a 00H byte for OB and UN.
//   PS3.5 7.5 (Tables 7.5-1..3): sequences; items (FFFE,E000) and delimiters (FFFE,E00D),
//       (FFFE,E0DD) carry no VR in any transfer syntax, only tag + 4-byte length.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"

using namespace dcmkit;
using namespace std::string_literals;

namespace {

const std::string kImplicit = uids::ImplicitVRLittleEndian;
const std::string kExplicitLE = uids::ExplicitVRLittleEndian;
const std::string kExplicitBE = uids::ExplicitVRBigEndian;

std::string hex(const std::string &s) {
    static const char *d = "0123456789ABCDEF";
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i) out += ' ';
        unsigned char c = static_cast<unsigned char>(s[i]);
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}

class StringSink final : public Sink {
public:
    std::string bytes;
    void write(const uint8_t *data, size_t size) override { bytes.append(reinterpret_cast<const char *>(data), size); }
};

// Encodes a bare dataset (no preamble, no meta) both through write_dataset and write_memory and
// checks that the two agree.
std::string encode(const Dataset &ds, const std::string &ts) {
    StringSink sink;
    write_dataset(sink, ds, ts);
    DicomFile f;
    f.dataset = ds;
    f.transfer_syntax = ts;
    WriteOptions o;
    o.part10 = false;
    std::vector<uint8_t> mem = write_memory(f, o);
    EXPECT_EQ(hex(std::string(mem.begin(), mem.end())), hex(sink.bytes)) << "write_memory and write_dataset disagree";
    return sink.bytes;
}

Dataset decode(const std::string &bytes, const std::string &ts) {
    return read_dataset(Source::from_vector(std::vector<uint8_t>(bytes.begin(), bytes.end())), ts);
}

struct VrCase {
    VR vr;
    Tag tag;
    std::function<void(Dataset &)> build;
    std::string implicit_le, explicit_le, explicit_be;
    std::function<void(const Dataset &)> verify;  // called on the dataset read back, in each syntax
};

std::vector<uint8_t> value_bytes(const Dataset &ds, Tag t) {
    const Element *e = ds.find(t);
    if (!e) return {};
    return std::vector<uint8_t>(e->value.data(), e->value.data() + e->value.size());
}

const std::vector<VrCase> &cases() {
    static const std::vector<VrCase> k = {
        // ---- AE: Retrieve AE Title (0008,0054), "ORTHANC" (7 chars) padded with one SPACE.
        {VR::AE, Tag(0x0008, 0x0054), [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x0054), "ORTHANC"); },
         // PS3.5 7.1.3 implicit; 6.2 space padding
         "\x08\x00\x54\x00" "\x08\x00\x00\x00" "ORTHANC "s,
         // PS3.5 7.1.2 Table 7.1-1 (2-byte length)
         "\x08\x00\x54\x00" "AE" "\x08\x00" "ORTHANC "s,
         // PS3.5 7.1.2 Table 7.1-1, big endian tag and length (A.3)
         "\x00\x08\x00\x54" "AE" "\x00\x08" "ORTHANC "s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_string(Tag(0x0008, 0x0054)), "ORTHANC"); }},

        // ---- AS: Patient's Age (0010,1010), "045Y".
        {VR::AS, Tag(0x0010, 0x1010), [](Dataset &ds) { ds.set_string(Tag(0x0010, 0x1010), "045Y"); },
         // PS3.5 7.1.3
         "\x10\x00\x10\x10" "\x04\x00\x00\x00" "045Y"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x10\x00\x10\x10" "AS" "\x04\x00" "045Y"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x10\x10\x10" "AS" "\x00\x04" "045Y"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_string(Tag(0x0010, 0x1010)), "045Y"); }},

        // ---- AT: Frame Increment Pointer (0028,0009) = (0018,1063)\(0018,1065).
        {VR::AT, Tag(0x0028, 0x0009),
         [](Dataset &ds) { ds.set_tags(Tag(0x0028, 0x0009), {Tag(0x0018, 0x1063), Tag(0x0018, 0x1065)}); },
         // PS3.5 7.1.3; 6.2 AT: ordered pair of 16-bit unsigned integers, group first
         "\x28\x00\x09\x00" "\x08\x00\x00\x00" "\x18\x00\x63\x10" "\x18\x00\x65\x10"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x28\x00\x09\x00" "AT" "\x08\x00" "\x18\x00\x63\x10" "\x18\x00\x65\x10"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3: each 16-bit half swapped, group still first
         "\x00\x28\x00\x09" "AT" "\x00\x08" "\x00\x18\x10\x63" "\x00\x18\x10\x65"s,
         [](const Dataset &ds) {
             auto t = ds.get_tags(Tag(0x0028, 0x0009));
             ASSERT_EQ(t.size(), 2u);
             EXPECT_EQ(t[0], Tag(0x0018, 0x1063));
             EXPECT_EQ(t[1], Tag(0x0018, 0x1065));
         }},

        // ---- CS: Image Type (0008,0008) = DERIVED\SECONDARY (17 chars) + SPACE.
        {VR::CS, Tag(0x0008, 0x0008),
         [](Dataset &ds) { ds.set_strings(Tag(0x0008, 0x0008), {"DERIVED", "SECONDARY"}); },
         // PS3.5 7.1.3; 6.2 space padding; 6.4 backslash delimiter
         "\x08\x00\x08\x00" "\x12\x00\x00\x00" "DERIVED\\SECONDARY "s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x08\x00\x08\x00" "CS" "\x12\x00" "DERIVED\\SECONDARY "s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x08\x00\x08" "CS" "\x00\x12" "DERIVED\\SECONDARY "s,
         [](const Dataset &ds) {
             EXPECT_EQ(ds.get_strings(Tag(0x0008, 0x0008)), (std::vector<std::string>{"DERIVED", "SECONDARY"}));
         }},

        // ---- DA: Study Date (0008,0020) = 20240131.
        {VR::DA, Tag(0x0008, 0x0020), [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x0020), "20240131"); },
         // PS3.5 7.1.3
         "\x08\x00\x20\x00" "\x08\x00\x00\x00" "20240131"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x08\x00\x20\x00" "DA" "\x08\x00" "20240131"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x08\x00\x20" "DA" "\x00\x08" "20240131"s,
         [](const Dataset &ds) {
             Date d = ds.get_date(Tag(0x0008, 0x0020));
             EXPECT_EQ(d.year, 2024);
             EXPECT_EQ(d.month, 1);
             EXPECT_EQ(d.day, 31);
         }},

        // ---- DS: Slice Thickness (0018,0050) = 2.5\-10 (7 chars) + SPACE.
        {VR::DS, Tag(0x0018, 0x0050), [](Dataset &ds) { ds.set_numbers(Tag(0x0018, 0x0050), {2.5, -10}); },
         // PS3.5 7.1.3; 6.2 space padding
         "\x18\x00\x50\x00" "\x08\x00\x00\x00" "2.5\\-10 "s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x18\x00\x50\x00" "DS" "\x08\x00" "2.5\\-10 "s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x18\x00\x50" "DS" "\x00\x08" "2.5\\-10 "s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_numbers(Tag(0x0018, 0x0050)), (std::vector<double>{2.5, -10})); }},

        // ---- DT: Acquisition DateTime (0008,002A) = 20240131123456.789+0100 (23 chars) + SPACE.
        {VR::DT, Tag(0x0008, 0x002A),
         [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x002A), "20240131123456.789+0100"); },
         // PS3.5 7.1.3; 6.2 space padding
         "\x08\x00\x2A\x00" "\x18\x00\x00\x00" "20240131123456.789+0100 "s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x08\x00\x2A\x00" "DT" "\x18\x00" "20240131123456.789+0100 "s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x08\x00\x2A" "DT" "\x00\x18" "20240131123456.789+0100 "s,
         [](const Dataset &ds) {
             DateTime dt = ds.get_datetime(Tag(0x0008, 0x002A));
             EXPECT_EQ(dt.date.year, 2024);
             EXPECT_EQ(dt.date.day, 31);
             EXPECT_EQ(dt.time.hour, 12);
             EXPECT_EQ(dt.time.second, 56);
             EXPECT_EQ(dt.time.microsecond, 789000);
             EXPECT_TRUE(dt.has_offset);
             EXPECT_EQ(dt.offset_minutes, 60);
         }},

        // ---- FD: Diffusion b-value (0018,9087) = 1000.0 = IEEE 754 binary64 408F400000000000H.
        {VR::FD, Tag(0x0018, 0x9087), [](Dataset &ds) { ds.set_number(Tag(0x0018, 0x9087), 1000.0); },
         // PS3.5 7.1.3; A.1 little endian binary64
         "\x18\x00\x87\x90" "\x08\x00\x00\x00" "\x00\x00\x00\x00\x00\x40\x8F\x40"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x18\x00\x87\x90" "FD" "\x08\x00" "\x00\x00\x00\x00\x00\x40\x8F\x40"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3: 64-bit value byte-swapped
         "\x00\x18\x90\x87" "FD" "\x00\x08" "\x40\x8F\x40\x00\x00\x00\x00\x00"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_number(Tag(0x0018, 0x9087)), 1000.0); }},

        // ---- FL: B1rms (0018,1320) = 1.5f = IEEE 754 binary32 3FC00000H.
        {VR::FL, Tag(0x0018, 0x1320), [](Dataset &ds) { ds.set_number(Tag(0x0018, 0x1320), 1.5); },
         // PS3.5 7.1.3
         "\x18\x00\x20\x13" "\x04\x00\x00\x00" "\x00\x00\xC0\x3F"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x18\x00\x20\x13" "FL" "\x04\x00" "\x00\x00\xC0\x3F"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3: 32-bit value byte-swapped
         "\x00\x18\x13\x20" "FL" "\x00\x04" "\x3F\xC0\x00\x00"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_number(Tag(0x0018, 0x1320)), 1.5); }},

        // ---- IS: Instance Number (0020,0013) = -12 (3 chars) + SPACE.
        {VR::IS, Tag(0x0020, 0x0013), [](Dataset &ds) { ds.set_int(Tag(0x0020, 0x0013), -12); },
         // PS3.5 7.1.3; 6.2 space padding
         "\x20\x00\x13\x00" "\x04\x00\x00\x00" "-12 "s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x20\x00\x13\x00" "IS" "\x04\x00" "-12 "s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x20\x00\x13" "IS" "\x00\x04" "-12 "s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_int(Tag(0x0020, 0x0013)), -12); }},

        // ---- LO: Manufacturer (0008,0070) = "ACME Co" (7 chars) + SPACE.
        {VR::LO, Tag(0x0008, 0x0070), [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x0070), "ACME Co"); },
         // PS3.5 7.1.3; 6.2 space padding
         "\x08\x00\x70\x00" "\x08\x00\x00\x00" "ACME Co "s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x08\x00\x70\x00" "LO" "\x08\x00" "ACME Co "s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x08\x00\x70" "LO" "\x00\x08" "ACME Co "s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_string(Tag(0x0008, 0x0070)), "ACME Co"); }},

        // ---- LT: Image Comments (0020,4000) = "  a\b" (5 chars, leading spaces and a backslash that is
        //      not a delimiter in LT) + SPACE.
        {VR::LT, Tag(0x0020, 0x4000), [](Dataset &ds) { ds.set_string(Tag(0x0020, 0x4000), "  a\\b"); },
         // PS3.5 7.1.3; 6.2 space padding
         "\x20\x00\x00\x40" "\x06\x00\x00\x00" "  a\\b "s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x20\x00\x00\x40" "LT" "\x06\x00" "  a\\b "s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x20\x40\x00" "LT" "\x00\x06" "  a\\b "s,
         [](const Dataset &ds) {
             EXPECT_EQ(ds.get_string(Tag(0x0020, 0x4000)), "  a\\b");
             EXPECT_EQ(ds.get_strings(Tag(0x0020, 0x4000)), (std::vector<std::string>{"  a\\b"}));
         }},

        // ---- OB: Encapsulated Document (0042,0011) = 01 02 03 + one 00H pad byte.
        {VR::OB, Tag(0x0042, 0x0011),
         [](Dataset &ds) { ds.set_bytes(Tag(0x0042, 0x0011), VR::OB, Bytes::copy("\x01\x02\x03", 3)); },
         // PS3.5 7.1.3; 6.2 OB padded with 00H
         "\x42\x00\x11\x00" "\x04\x00\x00\x00" "\x01\x02\x03\x00"s,
         // PS3.5 7.1.2 Table 7.1-2 (reserved 0000H, 4-byte length)
         "\x42\x00\x11\x00" "OB" "\x00\x00" "\x04\x00\x00\x00" "\x01\x02\x03\x00"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3: OB bytes not swapped
         "\x00\x42\x00\x11" "OB" "\x00\x00" "\x00\x00\x00\x04" "\x01\x02\x03\x00"s,
         [](const Dataset &ds) {
             EXPECT_EQ(value_bytes(ds, Tag(0x0042, 0x0011)), (std::vector<uint8_t>{1, 2, 3, 0}));
         }},

        // ---- OD: Volumetric Curve Points (0070,150D) = 1.0 (3FF0000000000000H), -0.5 (BFE0000000000000H).
        {VR::OD, Tag(0x0070, 0x150D), [](Dataset &ds) { ds.set_numbers(Tag(0x0070, 0x150D), {1.0, -0.5}, VR::OD); },
         // PS3.5 7.1.3
         "\x70\x00\x0D\x15" "\x10\x00\x00\x00" "\x00\x00\x00\x00\x00\x00\xF0\x3F" "\x00\x00\x00\x00\x00\x00\xE0\xBF"s,
         // PS3.5 7.1.2 Table 7.1-2
         "\x70\x00\x0D\x15" "OD" "\x00\x00" "\x10\x00\x00\x00"
         "\x00\x00\x00\x00\x00\x00\xF0\x3F" "\x00\x00\x00\x00\x00\x00\xE0\xBF"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3: 64-bit words swapped
         "\x00\x70\x15\x0D" "OD" "\x00\x00" "\x00\x00\x00\x10"
         "\x3F\xF0\x00\x00\x00\x00\x00\x00" "\xBF\xE0\x00\x00\x00\x00\x00\x00"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_numbers(Tag(0x0070, 0x150D)), (std::vector<double>{1.0, -0.5})); }},

        // ---- OF: Point Coordinates Data (0066,0016) = 1.0f (3F800000H), 0.25f (3E800000H).
        {VR::OF, Tag(0x0066, 0x0016), [](Dataset &ds) { ds.set_numbers(Tag(0x0066, 0x0016), {1.0, 0.25}, VR::OF); },
         // PS3.5 7.1.3
         "\x66\x00\x16\x00" "\x08\x00\x00\x00" "\x00\x00\x80\x3F" "\x00\x00\x80\x3E"s,
         // PS3.5 7.1.2 Table 7.1-2
         "\x66\x00\x16\x00" "OF" "\x00\x00" "\x08\x00\x00\x00" "\x00\x00\x80\x3F" "\x00\x00\x80\x3E"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3: 32-bit words swapped
         "\x00\x66\x00\x16" "OF" "\x00\x00" "\x00\x00\x00\x08" "\x3F\x80\x00\x00" "\x3E\x80\x00\x00"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_numbers(Tag(0x0066, 0x0016)), (std::vector<double>{1.0, 0.25})); }},

        // ---- OL: Long Primitive Point Index List (0066,0040) = 01020304H, 0A0B0C0DH.
        {VR::OL, Tag(0x0066, 0x0040),
         [](Dataset &ds) { ds.set_ints(Tag(0x0066, 0x0040), {0x01020304, 0x0A0B0C0D}, VR::OL); },
         // PS3.5 7.1.3
         "\x66\x00\x40\x00" "\x08\x00\x00\x00" "\x04\x03\x02\x01" "\x0D\x0C\x0B\x0A"s,
         // PS3.5 7.1.2 Table 7.1-2
         "\x66\x00\x40\x00" "OL" "\x00\x00" "\x08\x00\x00\x00" "\x04\x03\x02\x01" "\x0D\x0C\x0B\x0A"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3: 32-bit words swapped
         "\x00\x66\x00\x40" "OL" "\x00\x00" "\x00\x00\x00\x08" "\x01\x02\x03\x04" "\x0A\x0B\x0C\x0D"s,
         [](const Dataset &ds) {
             EXPECT_EQ(ds.get_int(Tag(0x0066, 0x0040), 0), 0x01020304);
             EXPECT_EQ(ds.get_int(Tag(0x0066, 0x0040), 1), 0x0A0B0C0D);
         }},

        // ---- OV: Extended Offset Table (7FE0,0001) = 0, 0102030405060708H.
        {VR::OV, Tag(0x7FE0, 0x0001),
         [](Dataset &ds) { ds.set_ints(Tag(0x7FE0, 0x0001), {0, 0x0102030405060708LL}, VR::OV); },
         // PS3.5 7.1.3
         "\xE0\x7F\x01\x00" "\x10\x00\x00\x00" "\x00\x00\x00\x00\x00\x00\x00\x00" "\x08\x07\x06\x05\x04\x03\x02\x01"s,
         // PS3.5 7.1.2 Table 7.1-2
         "\xE0\x7F\x01\x00" "OV" "\x00\x00" "\x10\x00\x00\x00"
         "\x00\x00\x00\x00\x00\x00\x00\x00" "\x08\x07\x06\x05\x04\x03\x02\x01"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3: 64-bit words swapped
         "\x7F\xE0\x00\x01" "OV" "\x00\x00" "\x00\x00\x00\x10"
         "\x00\x00\x00\x00\x00\x00\x00\x00" "\x01\x02\x03\x04\x05\x06\x07\x08"s,
         [](const Dataset &ds) {
             EXPECT_EQ(ds.get_int(Tag(0x7FE0, 0x0001), 0), 0);
             EXPECT_EQ(ds.get_int(Tag(0x7FE0, 0x0001), 1), 0x0102030405060708LL);
         }},

        // ---- OW: Red Palette Color Lookup Table Data (0028,1201) = 1234H, ABCDH.
        {VR::OW, Tag(0x0028, 0x1201),
         [](Dataset &ds) { ds.set_bytes(Tag(0x0028, 0x1201), VR::OW, Bytes::copy("\x34\x12\xCD\xAB", 4)); },
         // PS3.5 7.1.3
         "\x28\x00\x01\x12" "\x04\x00\x00\x00" "\x34\x12\xCD\xAB"s,
         // PS3.5 7.1.2 Table 7.1-2
         "\x28\x00\x01\x12" "OW" "\x00\x00" "\x04\x00\x00\x00" "\x34\x12\xCD\xAB"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3: 16-bit words swapped
         "\x00\x28\x12\x01" "OW" "\x00\x00" "\x00\x00\x00\x04" "\x12\x34\xAB\xCD"s,
         [](const Dataset &ds) {
             EXPECT_EQ(ds.get_int(Tag(0x0028, 0x1201), 0), 0x1234);
             EXPECT_EQ(ds.get_int(Tag(0x0028, 0x1201), 1), 0xABCD);
         }},

        // ---- PN: Patient's Name (0010,0010) = Doe^Jane.
        {VR::PN, Tag(0x0010, 0x0010), [](Dataset &ds) { ds.set_string(Tag(0x0010, 0x0010), "Doe^Jane"); },
         // PS3.5 7.1.3
         "\x10\x00\x10\x00" "\x08\x00\x00\x00" "Doe^Jane"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x10\x00\x10\x00" "PN" "\x08\x00" "Doe^Jane"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x10\x00\x10" "PN" "\x00\x08" "Doe^Jane"s,
         [](const Dataset &ds) {
             PersonName pn = ds.get_person_name(Tag(0x0010, 0x0010));
             EXPECT_EQ(pn.alphabetic.family, "Doe");
             EXPECT_EQ(pn.alphabetic.given, "Jane");
         }},

        // ---- SH: Accession Number (0008,0050) = "A1234" (5 chars) + SPACE.
        {VR::SH, Tag(0x0008, 0x0050), [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x0050), "A1234"); },
         // PS3.5 7.1.3; 6.2 space padding
         "\x08\x00\x50\x00" "\x06\x00\x00\x00" "A1234 "s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x08\x00\x50\x00" "SH" "\x06\x00" "A1234 "s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x08\x00\x50" "SH" "\x00\x06" "A1234 "s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_string(Tag(0x0008, 0x0050)), "A1234"); }},

        // ---- SL: Reference Pixel X0 (0018,6020) = -100000 = FFFE7960H.
        {VR::SL, Tag(0x0018, 0x6020), [](Dataset &ds) { ds.set_int(Tag(0x0018, 0x6020), -100000); },
         // PS3.5 7.1.3; 2's complement
         "\x18\x00\x20\x60" "\x04\x00\x00\x00" "\x60\x79\xFE\xFF"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x18\x00\x20\x60" "SL" "\x04\x00" "\x60\x79\xFE\xFF"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x18\x60\x20" "SL" "\x00\x04" "\xFF\xFE\x79\x60"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_int(Tag(0x0018, 0x6020)), -100000); }},

        // ---- SQ: Referenced Image Sequence (0008,1140), defined length, one item holding Referenced
        //      SOP Class UID (0008,1150) = "1.2.3" + NUL (element: 8 + 6 = 14 bytes, item 8 + 14 = 22).
        {VR::SQ, Tag(0x0008, 0x1140),
         [](Dataset &ds) {
             Dataset item;
             item.set_string(Tag(0x0008, 0x1150), "1.2.3");
             ds.set_sequence(Tag(0x0008, 0x1140), {item});
         },
         // PS3.5 7.5.1 Table 7.5-1 (explicit length sequence and item), 7.1.3 for the item's element
         "\x08\x00\x40\x11" "\x16\x00\x00\x00"
         "\xFE\xFF\x00\xE0" "\x0E\x00\x00\x00"
         "\x08\x00\x50\x11" "\x06\x00\x00\x00" "1.2.3" "\x00"s,
         // PS3.5 7.1.2 Table 7.1-2 (SQ: reserved + 4-byte length), 7.5 items without VR
         "\x08\x00\x40\x11" "SQ" "\x00\x00" "\x16\x00\x00\x00"
         "\xFE\xFF\x00\xE0" "\x0E\x00\x00\x00"
         "\x08\x00\x50\x11" "UI" "\x06\x00" "1.2.3" "\x00"s,
         // same, A.3 big endian: the item tag FFFE,E000 and lengths swapped too
         "\x00\x08\x11\x40" "SQ" "\x00\x00" "\x00\x00\x00\x16"
         "\xFF\xFE\xE0\x00" "\x00\x00\x00\x0E"
         "\x00\x08\x11\x50" "UI" "\x00\x06" "1.2.3" "\x00"s,
         [](const Dataset &ds) {
             const auto &items = ds.get_items(Tag(0x0008, 0x1140));
             ASSERT_EQ(items.size(), 1u);
             EXPECT_EQ(items[0].get_string(Tag(0x0008, 0x1150)), "1.2.3");
             EXPECT_FALSE(ds.find(Tag(0x0008, 0x1140))->undefined_length);
         }},

        // ---- SS: Tag Angle Second Axis (0018,9219) = -300 = FED4H.
        {VR::SS, Tag(0x0018, 0x9219), [](Dataset &ds) { ds.set_int(Tag(0x0018, 0x9219), -300); },
         // PS3.5 7.1.3
         "\x18\x00\x19\x92" "\x02\x00\x00\x00" "\xD4\xFE"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x18\x00\x19\x92" "SS" "\x02\x00" "\xD4\xFE"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x18\x92\x19" "SS" "\x00\x02" "\xFE\xD4"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_int(Tag(0x0018, 0x9219)), -300); }},

        // ---- ST: Institution Address (0008,0081) = " 1 Main St" (leading space is significant in ST).
        {VR::ST, Tag(0x0008, 0x0081), [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x0081), " 1 Main St"); },
         // PS3.5 7.1.3
         "\x08\x00\x81\x00" "\x0A\x00\x00\x00" " 1 Main St"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x08\x00\x81\x00" "ST" "\x0A\x00" " 1 Main St"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x08\x00\x81" "ST" "\x00\x0A" " 1 Main St"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_string(Tag(0x0008, 0x0081)), " 1 Main St"); }},

        // ---- SV: Selector SV Value (0072,0082) = -2 (FFFFFFFFFFFFFFFEH), 0102030405060708H.
        {VR::SV, Tag(0x0072, 0x0082),
         [](Dataset &ds) { ds.set_ints(Tag(0x0072, 0x0082), {-2, 0x0102030405060708LL}); },
         // PS3.5 7.1.3
         "\x72\x00\x82\x00" "\x10\x00\x00\x00" "\xFE\xFF\xFF\xFF\xFF\xFF\xFF\xFF" "\x08\x07\x06\x05\x04\x03\x02\x01"s,
         // PS3.5 7.1.2 Table 7.1-2 (SV has the long header)
         "\x72\x00\x82\x00" "SV" "\x00\x00" "\x10\x00\x00\x00"
         "\xFE\xFF\xFF\xFF\xFF\xFF\xFF\xFF" "\x08\x07\x06\x05\x04\x03\x02\x01"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3: 64-bit values swapped
         "\x00\x72\x00\x82" "SV" "\x00\x00" "\x00\x00\x00\x10"
         "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFE" "\x01\x02\x03\x04\x05\x06\x07\x08"s,
         [](const Dataset &ds) {
             EXPECT_EQ(ds.get_int(Tag(0x0072, 0x0082), 0), -2);
             EXPECT_EQ(ds.get_int(Tag(0x0072, 0x0082), 1), 0x0102030405060708LL);
         }},

        // ---- TM: Study Time (0008,0030) = 235959.123.
        {VR::TM, Tag(0x0008, 0x0030), [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x0030), "235959.123"); },
         // PS3.5 7.1.3
         "\x08\x00\x30\x00" "\x0A\x00\x00\x00" "235959.123"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x08\x00\x30\x00" "TM" "\x0A\x00" "235959.123"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x08\x00\x30" "TM" "\x00\x0A" "235959.123"s,
         [](const Dataset &ds) {
             Time t = ds.get_time(Tag(0x0008, 0x0030));
             EXPECT_EQ(t.hour, 23);
             EXPECT_EQ(t.minute, 59);
             EXPECT_EQ(t.second, 59);
             EXPECT_EQ(t.microsecond, 123000);
         }},

        // ---- UC: Long Code Value (0008,0119) = "LONG CODE" (9 chars) + SPACE.
        {VR::UC, Tag(0x0008, 0x0119), [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x0119), "LONG CODE"); },
         // PS3.5 7.1.3; 6.2 space padding
         "\x08\x00\x19\x01" "\x0A\x00\x00\x00" "LONG CODE "s,
         // PS3.5 7.1.2 Table 7.1-2 (UC has the long header)
         "\x08\x00\x19\x01" "UC" "\x00\x00" "\x0A\x00\x00\x00" "LONG CODE "s,
         // PS3.5 7.1.2 Table 7.1-2, A.3
         "\x00\x08\x01\x19" "UC" "\x00\x00" "\x00\x00\x00\x0A" "LONG CODE "s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_string(Tag(0x0008, 0x0119)), "LONG CODE"); }},

        // ---- UI: SOP Instance UID (0008,0018) = 1.2.840.10008.1.1 (17 chars) + NUL.
        {VR::UI, Tag(0x0008, 0x0018), [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x0018), "1.2.840.10008.1.1"); },
         // PS3.5 7.1.3; 6.2 and 9.1: UI padded with a single trailing NUL
         "\x08\x00\x18\x00" "\x12\x00\x00\x00" "1.2.840.10008.1.1" "\x00"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x08\x00\x18\x00" "UI" "\x12\x00" "1.2.840.10008.1.1" "\x00"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x08\x00\x18" "UI" "\x00\x12" "1.2.840.10008.1.1" "\x00"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_string(Tag(0x0008, 0x0018)), "1.2.840.10008.1.1"); }},

        // ---- UL: Simple Frame List (0008,1161) = DEADBEEFH, 1.
        {VR::UL, Tag(0x0008, 0x1161), [](Dataset &ds) { ds.set_ints(Tag(0x0008, 0x1161), {0xDEADBEEFLL, 1}); },
         // PS3.5 7.1.3
         "\x08\x00\x61\x11" "\x08\x00\x00\x00" "\xEF\xBE\xAD\xDE" "\x01\x00\x00\x00"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x08\x00\x61\x11" "UL" "\x08\x00" "\xEF\xBE\xAD\xDE" "\x01\x00\x00\x00"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x08\x11\x61" "UL" "\x00\x08" "\xDE\xAD\xBE\xEF" "\x00\x00\x00\x01"s,
         [](const Dataset &ds) {
             EXPECT_EQ(ds.get_int(Tag(0x0008, 0x1161), 0), 0xDEADBEEFLL);
             EXPECT_EQ(ds.get_int(Tag(0x0008, 0x1161), 1), 1);
         }},

        // ---- UN: a private data element (0009,1001) unknown to any dictionary = 01 02 03 + 00H pad.
        //      In implicit VR the reader cannot know its VR, so it is UN there too (PS3.5 6.2.2).
        {VR::UN, Tag(0x0009, 0x1001),
         [](Dataset &ds) { ds.set_bytes(Tag(0x0009, 0x1001), VR::UN, Bytes::copy("\x01\x02\x03", 3)); },
         // PS3.5 7.1.3; 6.2 UN padded with 00H
         "\x09\x00\x01\x10" "\x04\x00\x00\x00" "\x01\x02\x03\x00"s,
         // PS3.5 7.1.2 Table 7.1-2
         "\x09\x00\x01\x10" "UN" "\x00\x00" "\x04\x00\x00\x00" "\x01\x02\x03\x00"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3: UN bytes not swapped
         "\x00\x09\x10\x01" "UN" "\x00\x00" "\x00\x00\x00\x04" "\x01\x02\x03\x00"s,
         [](const Dataset &ds) {
             EXPECT_EQ(value_bytes(ds, Tag(0x0009, 0x1001)), (std::vector<uint8_t>{1, 2, 3, 0}));
         }},

        // ---- UR: Retrieve URL (0008,1190) = "https://a/b" (11 chars) + SPACE.
        {VR::UR, Tag(0x0008, 0x1190), [](Dataset &ds) { ds.set_string(Tag(0x0008, 0x1190), "https://a/b"); },
         // PS3.5 7.1.3; 6.2 UR: trailing spaces are padding
         "\x08\x00\x90\x11" "\x0C\x00\x00\x00" "https://a/b "s,
         // PS3.5 7.1.2 Table 7.1-2 (UR has the long header)
         "\x08\x00\x90\x11" "UR" "\x00\x00" "\x0C\x00\x00\x00" "https://a/b "s,
         // PS3.5 7.1.2 Table 7.1-2, A.3
         "\x00\x08\x11\x90" "UR" "\x00\x00" "\x00\x00\x00\x0C" "https://a/b "s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_string(Tag(0x0008, 0x1190)), "https://a/b"); }},

        // ---- US: Rows (0028,0010) = 258 = 0102H.
        {VR::US, Tag(0x0028, 0x0010), [](Dataset &ds) { ds.set_int(Tag(0x0028, 0x0010), 258); },
         // PS3.5 7.1.3
         "\x28\x00\x10\x00" "\x02\x00\x00\x00" "\x02\x01"s,
         // PS3.5 7.1.2 Table 7.1-1
         "\x28\x00\x10\x00" "US" "\x02\x00" "\x02\x01"s,
         // PS3.5 7.1.2 Table 7.1-1, A.3
         "\x00\x28\x00\x10" "US" "\x00\x02" "\x01\x02"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_int(Tag(0x0028, 0x0010)), 258); }},

        // ---- UT: Text Value (0040,A160) = " x\y" (leading space kept, backslash not a delimiter).
        {VR::UT, Tag(0x0040, 0xA160), [](Dataset &ds) { ds.set_string(Tag(0x0040, 0xA160), " x\\y"); },
         // PS3.5 7.1.3
         "\x40\x00\x60\xA1" "\x04\x00\x00\x00" " x\\y"s,
         // PS3.5 7.1.2 Table 7.1-2 (UT has the long header)
         "\x40\x00\x60\xA1" "UT" "\x00\x00" "\x04\x00\x00\x00" " x\\y"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3
         "\x00\x40\xA1\x60" "UT" "\x00\x00" "\x00\x00\x00\x04" " x\\y"s,
         [](const Dataset &ds) {
             EXPECT_EQ(ds.get_string(Tag(0x0040, 0xA160)), " x\\y");
             EXPECT_EQ(ds.get_strings(Tag(0x0040, 0xA160)).size(), 1u);
         }},

        // ---- UV: File Offset in Container (0008,040C) = 0102030405060708H.
        {VR::UV, Tag(0x0008, 0x040C), [](Dataset &ds) { ds.set_int(Tag(0x0008, 0x040C), 0x0102030405060708LL); },
         // PS3.5 7.1.3
         "\x08\x00\x0C\x04" "\x08\x00\x00\x00" "\x08\x07\x06\x05\x04\x03\x02\x01"s,
         // PS3.5 7.1.2 Table 7.1-2 (UV has the long header)
         "\x08\x00\x0C\x04" "UV" "\x00\x00" "\x08\x00\x00\x00" "\x08\x07\x06\x05\x04\x03\x02\x01"s,
         // PS3.5 7.1.2 Table 7.1-2, A.3
         "\x00\x08\x04\x0C" "UV" "\x00\x00" "\x00\x00\x00\x08" "\x01\x02\x03\x04\x05\x06\x07\x08"s,
         [](const Dataset &ds) { EXPECT_EQ(ds.get_int(Tag(0x0008, 0x040C)), 0x0102030405060708LL); }},
    };
    return k;
}

class VrEncoding : public ::testing::TestWithParam<size_t> {};

void check_syntax(const VrCase &c, const std::string &ts, const std::string &golden) {
    SCOPED_TRACE(std::string(vr_name(c.vr)) + " in " + ts);
    Dataset ds;
    c.build(ds);
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds.find(c.tag)->vr, c.vr) << "the API did not pick the dictionary's VR";
    EXPECT_EQ(hex(encode(ds, ts)), hex(golden));
    // Decode the hand-written bytes (not the writer's) and check the values.
    Dataset back = decode(golden, ts);
    ASSERT_EQ(back.size(), 1u);
    const Element *e = back.find(c.tag);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->vr, c.vr);
    c.verify(back);
    // Odd-length OB/UN values gain their pad byte on the wire, so only the others compare equal.
    std::string why;
    if (c.vr != VR::OB && c.vr != VR::UN) {
        EXPECT_TRUE(back.equals(ds, &why)) << why;
    }
    // And the read dataset encodes back to the same bytes.
    EXPECT_EQ(hex(encode(back, ts)), hex(golden));
}

TEST_P(VrEncoding, ImplicitVRLittleEndian) { check_syntax(cases()[GetParam()], kImplicit, cases()[GetParam()].implicit_le); }
TEST_P(VrEncoding, ExplicitVRLittleEndian) { check_syntax(cases()[GetParam()], kExplicitLE, cases()[GetParam()].explicit_le); }
TEST_P(VrEncoding, ExplicitVRBigEndian) { check_syntax(cases()[GetParam()], kExplicitBE, cases()[GetParam()].explicit_be); }

INSTANTIATE_TEST_SUITE_P(AllVRs, VrEncoding, ::testing::Range<size_t>(0, 34),
                         [](const ::testing::TestParamInfo<size_t> &p) {
                             return std::string(vr_name(cases()[p.param].vr));
                         });

TEST(VrTable, CoversEveryVrOnce) {
    ASSERT_EQ(cases().size(), 34u);
    std::set<VR> seen;
    for (const auto &c : cases()) EXPECT_TRUE(seen.insert(c.vr).second) << vr_name(c.vr) << " twice";
    for (unsigned v = 1; v <= static_cast<unsigned>(VR::UV); ++v)
        EXPECT_TRUE(seen.count(static_cast<VR>(v))) << vr_name(static_cast<VR>(v)) << " missing";
}

// The 13 VRs of PS3.5 Table 7.1-2 take the long header; the other 21 (of Table 7.1-1) do not.
TEST(VrTable, LongLengthVrsArePs35Table71_2) {
    const std::set<VR> long_vrs = {VR::OB, VR::OD, VR::OF, VR::OL, VR::OV, VR::OW, VR::SQ,
                                   VR::SV, VR::UC, VR::UN, VR::UR, VR::UT, VR::UV};
    for (unsigned v = 1; v <= static_cast<unsigned>(VR::UV); ++v) {
        VR vr = static_cast<VR>(v);
        EXPECT_EQ(vr_has_long_length(vr), long_vrs.count(vr) == 1) << vr_name(vr);
        EXPECT_EQ(vr_from_string(vr_name(vr)), vr);
    }
    EXPECT_EQ(vr_from_chars('Z', 'Z'), VR::None);
    EXPECT_EQ(vr_from_chars('\0', '\0'), VR::None);
    EXPECT_EQ(vr_from_chars('o', 'b'), VR::None);  // VRs are upper case
}

// PS3.5 6.2: padding characters by VR.
TEST(VrTable, PaddingByVr) {
    EXPECT_EQ(vr_padding(VR::UI), '\0');
    EXPECT_EQ(vr_padding(VR::OB), '\0');
    EXPECT_EQ(vr_padding(VR::UN), '\0');
    for (VR v : {VR::AE, VR::AS, VR::CS, VR::DA, VR::DS, VR::DT, VR::IS, VR::LO, VR::LT, VR::PN, VR::SH, VR::ST,
                 VR::TM, VR::UC, VR::UR, VR::UT})
        EXPECT_EQ(vr_padding(v), ' ') << vr_name(v);
}

// All 34 elements in one dataset: the encoding is the concatenation of the single-element goldens in
// ascending tag order (PS3.5 7.1: "Data Elements ... shall be ordered by increasing Data Element Tag").
TEST(VrEncodingAll, OneDatasetWithEveryVr) {
    std::vector<const VrCase *> sorted;
    for (const auto &c : cases()) sorted.push_back(&c);
    std::sort(sorted.begin(), sorted.end(), [](const VrCase *a, const VrCase *b) { return a->tag < b->tag; });
    Dataset ds;
    // Build in reverse order: the dataset must sort by tag whatever the insertion order.
    for (auto it = cases().rbegin(); it != cases().rend(); ++it) it->build(ds);
    ASSERT_EQ(ds.size(), 34u);
    struct Syntax {
        const std::string *uid;
        std::string VrCase::*golden;
    } syntaxes[] = {{&kImplicit, &VrCase::implicit_le}, {&kExplicitLE, &VrCase::explicit_le},
                    {&kExplicitBE, &VrCase::explicit_be}};
    for (const auto &s : syntaxes) {
        SCOPED_TRACE(*s.uid);
        std::string golden;
        for (const VrCase *c : sorted) golden += c->*s.golden;
        EXPECT_EQ(hex(encode(ds, *s.uid)), hex(golden));
        Dataset back = decode(golden, *s.uid);
        ASSERT_EQ(back.size(), 34u);
        for (const auto &c : cases()) {
            SCOPED_TRACE(vr_name(c.vr));
            ASSERT_NE(back.find(c.tag), nullptr);
            EXPECT_EQ(back.find(c.tag)->vr, c.vr);
            c.verify(back);
        }
        // Odd-length OB/UN values gain their pad byte on the wire: compare the rest.
        Dataset a = back, b = ds;
        for (Tag t : {Tag(0x0042, 0x0011), Tag(0x0009, 0x1001)}) {
            a.remove(t);
            b.remove(t);
        }
        std::string why;
        EXPECT_TRUE(a.equals(b, &why)) << why;
    }
}

// PS3.5 7.5.2 Table 7.5-3: sequence and items of undefined length, closed by an Item Delimitation Item
// (FFFE,E00D) and a Sequence Delimitation Item (FFFE,E0DD), each with a zero length.
TEST(VrEncodingSq, UndefinedLengthSequenceAndItems) {
    Dataset item;
    item.set_string(Tag(0x0008, 0x1150), "1.2.3");
    Dataset ds;
    Element &sq = ds.set_sequence(Tag(0x0008, 0x1140), {item});
    sq.undefined_length = true;
    const std::string implicit_golden =
        // PS3.5 7.5.2 Table 7.5-3 in implicit VR (7.1.3)
        "\x08\x00\x40\x11" "\xFF\xFF\xFF\xFF"
        "\xFE\xFF\x00\xE0" "\xFF\xFF\xFF\xFF"
        "\x08\x00\x50\x11" "\x06\x00\x00\x00" "1.2.3" "\x00"
        "\xFE\xFF\x0D\xE0" "\x00\x00\x00\x00"
        "\xFE\xFF\xDD\xE0" "\x00\x00\x00\x00"s;
    const std::string explicit_le_golden =
        // PS3.5 7.5.2 Table 7.5-3 in explicit VR (7.1.2 Table 7.1-2 for SQ)
        "\x08\x00\x40\x11" "SQ" "\x00\x00" "\xFF\xFF\xFF\xFF"
        "\xFE\xFF\x00\xE0" "\xFF\xFF\xFF\xFF"
        "\x08\x00\x50\x11" "UI" "\x06\x00" "1.2.3" "\x00"
        "\xFE\xFF\x0D\xE0" "\x00\x00\x00\x00"
        "\xFE\xFF\xDD\xE0" "\x00\x00\x00\x00"s;
    const std::string explicit_be_golden =
        // same, A.3 big endian
        "\x00\x08\x11\x40" "SQ" "\x00\x00" "\xFF\xFF\xFF\xFF"
        "\xFF\xFE\xE0\x00" "\xFF\xFF\xFF\xFF"
        "\x00\x08\x11\x50" "UI" "\x00\x06" "1.2.3" "\x00"
        "\xFF\xFE\xE0\x0D" "\x00\x00\x00\x00"
        "\xFF\xFE\xE0\xDD" "\x00\x00\x00\x00"s;
    for (auto [ts, golden] : {std::pair{kImplicit, implicit_golden}, std::pair{kExplicitLE, explicit_le_golden},
                              std::pair{kExplicitBE, explicit_be_golden}}) {
        SCOPED_TRACE(ts);
        EXPECT_EQ(hex(encode(ds, ts)), hex(golden));
        Dataset back = decode(golden, ts);
        const Element *e = back.find(Tag(0x0008, 0x1140));
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->vr, VR::SQ);
        EXPECT_TRUE(e->undefined_length);
        ASSERT_EQ(e->items.size(), 1u);
        EXPECT_EQ(e->items[0].get_string(Tag(0x0008, 0x1150)), "1.2.3");
        EXPECT_EQ(hex(encode(back, ts)), hex(golden)) << "undefined lengths must round-trip";
    }
}

// An empty value: length 0, no padding (PS3.5 7.1.1: zero-length values are allowed).
TEST(VrEncodingEmpty, ZeroLengthValues) {
    Dataset ds;
    ds.set_string(Tag(0x0010, 0x0010), "");
    ds.set_bytes(Tag(0x0042, 0x0011), VR::OB, Bytes());
    EXPECT_EQ(hex(encode(ds, kExplicitLE)), hex("\x10\x00\x10\x00" "PN" "\x00\x00"
                                                "\x42\x00\x11\x00" "OB" "\x00\x00" "\x00\x00\x00\x00"s));
    EXPECT_EQ(hex(encode(ds, kImplicit)), hex("\x10\x00\x10\x00" "\x00\x00\x00\x00"
                                              "\x42\x00\x11\x00" "\x00\x00\x00\x00"s));
    Dataset back = decode(encode(ds, kExplicitBE), kExplicitBE);
    EXPECT_EQ(back.get_string(Tag(0x0010, 0x0010)), "");
    EXPECT_TRUE(back.find(Tag(0x0042, 0x0011))->value.empty());
}

// A Part 10 file in Explicit VR Big Endian: the meta is still Explicit VR Little Endian (PS3.10 7.1),
// only the dataset after it is big endian.
TEST(VrEncodingPart10, BigEndianDatasetAfterLittleEndianMeta) {
    DicomFile f;
    f.dataset.set_string(tags::SOPClassUID, "1.2.840.10008.5.1.4.1.1.7");
    f.dataset.set_string(tags::SOPInstanceUID, "1.2.3.4");
    f.dataset.set_int(tags::Rows, 258);
    f.transfer_syntax = kExplicitBE;
    std::vector<uint8_t> bytes = write_memory(f);
    ASSERT_GT(bytes.size(), 132u);
    EXPECT_EQ(std::string(bytes.begin() + 128, bytes.begin() + 132), "DICM");
    // First meta element (0002,0000) UL 4, little endian (PS3.10 7.1, PS3.5 7.1.2 Table 7.1-1).
    EXPECT_EQ(hex(std::string(bytes.begin() + 132, bytes.begin() + 140)), hex("\x02\x00\x00\x00" "UL" "\x04\x00"s));
    const std::string tail = "\x00\x28\x00\x10" "US" "\x00\x02" "\x01\x02"s;  // Rows, big endian
    ASSERT_GE(bytes.size(), tail.size());
    EXPECT_EQ(hex(std::string(bytes.end() - tail.size(), bytes.end())), hex(tail));
    DicomFile back = read_memory(bytes.data(), bytes.size());
    EXPECT_EQ(back.transfer_syntax, kExplicitBE);
    EXPECT_EQ(back.dataset.get_int(tags::Rows), 258);
    EXPECT_EQ(back.meta.get_string(tags::TransferSyntaxUID), kExplicitBE);
}

}  // namespace
