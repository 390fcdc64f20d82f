// What the field writes and the reader accepts with a warning: a meta information that names the
// wrong VR encoding, elements encoded as UN whose VR a dictionary knows (PS3.5 6.2.2), and private
// elements typed by the vendors' private dictionary through their block's Private Creator (PS3.5
// 7.8.1). Inputs are assembled byte by byte following PS3.5 7.1 and PS3.10 7.1; expected private
// VRs and keywords are those of DCMTK's private.dic.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/dump.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"

using namespace dcmkit;

namespace {

/// Elements in one encoding: PS3.5 7.1.2 (explicit VR) and 7.1.3 (implicit VR).
struct W {
    bool explicit_vr = true;
    bool big = false;
    std::vector<uint8_t> b;

    W(bool ex = true, bool be = false) : explicit_vr(ex), big(be) {}
    void u8(uint8_t v) { b.push_back(v); }
    void u16(uint16_t v) {
        if (big) { u8(uint8_t(v >> 8)); u8(uint8_t(v)); }
        else { u8(uint8_t(v)); u8(uint8_t(v >> 8)); }
    }
    void u32(uint32_t v) {
        if (big) { u16(uint16_t(v >> 16)); u16(uint16_t(v)); }
        else { u16(uint16_t(v)); u16(uint16_t(v >> 16)); }
    }
    void u16le(uint16_t v) { u8(uint8_t(v)); u8(uint8_t(v >> 8)); }
    void u32le(uint32_t v) { u16le(uint16_t(v)); u16le(uint16_t(v >> 16)); }
    void raw(const std::string &s) { b.insert(b.end(), s.begin(), s.end()); }
    void raw(const std::vector<uint8_t> &v) { b.insert(b.end(), v.begin(), v.end()); }
    static bool long_vr(const std::string &vr) {  // PS3.5 Table 7.1-2
        for (const char *l : {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"})
            if (vr == l) return true;
        return false;
    }
    void header(uint16_t g, uint16_t e, const std::string &vr, uint32_t len) {
        u16(g);
        u16(e);
        if (!explicit_vr) { u32(len); return; }
        raw(vr);
        if (long_vr(vr)) { u16(0); u32(len); }
        else u16(uint16_t(len));
    }
    static std::string padded(std::string v, const std::string &vr) {
        if (v.size() & 1) v += (vr == "UI" ? '\0' : ' ');  // PS3.5 6.2
        return v;
    }
    void text(uint16_t g, uint16_t e, const std::string &vr, const std::string &v) {
        const std::string p = padded(v, vr);
        header(g, e, vr, uint32_t(p.size()));
        raw(p);
    }
    void us(uint16_t g, uint16_t e, uint16_t v) { header(g, e, "US", 2); u16(v); }
    /// An element written as UN: its value is already in implicit VR little endian (PS3.5 6.2.2).
    void un(uint16_t g, uint16_t e, const std::vector<uint8_t> &value) {
        header(g, e, "UN", uint32_t(value.size()));
        raw(value);
    }
};

/// A value in implicit VR little endian, as UN carries it.
std::vector<uint8_t> implicit_text(const std::string &v, const std::string &vr = "LO") {
    const std::string p = W::padded(v, vr);
    return std::vector<uint8_t>(p.begin(), p.end());
}

/// PS3.10 7.1: preamble, "DICM", group 0002 in explicit VR little endian led by its group length.
std::vector<uint8_t> part10(const std::string &ts, const std::vector<uint8_t> &dataset) {
    W rest;
    rest.header(0x0002, 0x0001, "OB", 2);
    rest.u8(0x00);
    rest.u8(0x01);
    rest.text(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7");
    rest.text(0x0002, 0x0003, "UI", "1.2.3.4");
    rest.text(0x0002, 0x0010, "UI", ts);
    W out;
    out.raw(std::string(128, '\0'));
    out.raw("DICM");
    out.header(0x0002, 0x0000, "UL", 4);
    out.u32(uint32_t(rest.b.size()));
    out.raw(rest.b);
    out.raw(dataset);
    return out.b;
}

DicomFile read(const std::vector<uint8_t> &bytes, const ReadOptions &opt = {}) {
    return read_memory(bytes.data(), bytes.size(), opt);
}

const Tag kPatientName(0x0010, 0x0010);
const Tag kPatientID(0x0010, 0x0020);
const Tag kRows(0x0028, 0x0010);

/// A small image dataset in `w`'s encoding.
std::vector<uint8_t> small_dataset(bool explicit_vr) {
    W w(explicit_vr);
    w.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
    w.text(0x0008, 0x0018, "UI", "1.2.3.4");
    w.text(0x0010, 0x0010, "PN", "DOE^JOHN");
    w.text(0x0010, 0x0020, "LO", "ID42");
    w.us(0x0028, 0x0010, 512);
    return w.b;
}

// ---------------------------------------------------------------------------------------------------
// The transfer syntax that lies

TEST(TransferSyntaxMismatch, ExplicitDeclaredImplicitFound) {
    const DicomFile f = read(part10(uids::ExplicitVRLittleEndian, small_dataset(false)));
    EXPECT_EQ(f.dataset.get_string(kPatientName), "DOE^JOHN");
    EXPECT_EQ(f.dataset.find(kPatientName)->vr, VR::PN);
    EXPECT_EQ(f.dataset.get_string(kPatientID), "ID42");
    EXPECT_EQ(f.dataset.get_int(kRows), 512);
    EXPECT_EQ(f.transfer_syntax, uids::ImplicitVRLittleEndian);  // what the dataset is encoded in
    EXPECT_EQ(f.warning_flags, uint32_t(kWarnSyntaxMismatch));
    ASSERT_EQ(f.warnings.size(), 1u);  // once, not per element
    EXPECT_NE(f.warnings[0].find("Explicit VR Little Endian"), std::string::npos) << f.warnings[0];
    EXPECT_NE(f.warnings[0].find("implicit"), std::string::npos) << f.warnings[0];
}

TEST(TransferSyntaxMismatch, ImplicitDeclaredExplicitFound) {
    const DicomFile f = read(part10(uids::ImplicitVRLittleEndian, small_dataset(true)));
    EXPECT_EQ(f.dataset.get_string(kPatientName), "DOE^JOHN");
    EXPECT_EQ(f.dataset.get_int(kRows), 512);
    EXPECT_EQ(f.dataset.size(), 5u);
    EXPECT_EQ(f.transfer_syntax, uids::ExplicitVRLittleEndian);
    EXPECT_EQ(f.warning_flags, uint32_t(kWarnSyntaxMismatch));
    ASSERT_EQ(f.warnings.size(), 1u);
}

TEST(TransferSyntaxMismatch, CompressedSyntaxKeepsItsUid) {
    // JPEG Baseline in the meta, an implicit VR dataset (with encapsulated pixel data, PS3.5 A.4).
    W w(false);
    w.text(0x0010, 0x0010, "PN", "DOE^JOHN");
    w.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu);
    w.u16(0xFFFE); w.u16(0xE000); w.u32(0);          // empty Basic Offset Table
    w.u16(0xFFFE); w.u16(0xE000); w.u32(4); w.raw("\xFF\xD8\xFF\xD9");
    w.u16(0xFFFE); w.u16(0xE0DD); w.u32(0);
    const DicomFile f = read(part10("1.2.840.10008.1.2.4.50", w.b));
    EXPECT_EQ(f.transfer_syntax, "1.2.840.10008.1.2.4.50");
    EXPECT_EQ(f.warning_flags, uint32_t(kWarnSyntaxMismatch));
    EXPECT_EQ(f.dataset.get_string(kPatientName), "DOE^JOHN");
    ASSERT_EQ(f.dataset.find(tags::PixelData)->fragments.size(), 2u);
}

TEST(TransferSyntaxMismatch, ConformingFilesHaveNoWarning) {
    for (bool ex : {true, false}) {
        const DicomFile f = read(part10(ex ? uids::ExplicitVRLittleEndian : uids::ImplicitVRLittleEndian, small_dataset(ex)));
        EXPECT_EQ(f.dataset.get_string(kPatientName), "DOE^JOHN");
        EXPECT_EQ(f.warning_flags, 0u);
        EXPECT_TRUE(f.warnings.empty());
    }
}

TEST(TransferSyntaxMismatch, ImplicitLengthSpellingAVrIsNotTakenForExplicit) {
    // Implicit VR: (0008,0016) of length 0x5343, whose low bytes spell "CS". As explicit VR it
    // would be "CS" of length 0, but the dictionary says UI: the meta is believed.
    W w(false);
    w.header(0x0008, 0x0016, "", 0x5343);  // bytes 4-5 spell "CS"
    w.raw(std::string(0x5343, '1'));
    const DicomFile f = read(part10(uids::ImplicitVRLittleEndian, w.b));
    EXPECT_EQ(f.warning_flags, 0u);
    EXPECT_EQ(f.dataset.find(Tag(0x0008, 0x0016))->value.size(), 0x5343u);
}

TEST(TransferSyntaxMismatch, GarbageIsStillAnError) {
    // Neither a valid VR nor an implicit length that fits: the bad VR is reported as before.
    W w(true);
    w.u16(0x0008);
    w.u16(0x0016);
    w.raw("\x01\x02\x03\x04");
    w.raw(std::string(8, 'x'));
    try {
        read(part10(uids::ExplicitVRLittleEndian, w.b));
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::bad_vr);
    }
}

// ---------------------------------------------------------------------------------------------------
// UN whose VR is known (PS3.5 6.2.2)

TEST(UnRetyped, PatientNameComesBackAsPN) {
    W w(true);
    w.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
    w.un(0x0010, 0x0010, implicit_text("DOE^JOHN", "PN"));
    w.un(0x0028, 0x0010, {0x00, 0x02});  // US 512, little endian
    const DicomFile f = read(part10(uids::ExplicitVRLittleEndian, w.b));
    const Element *pn = f.dataset.find(kPatientName);
    ASSERT_NE(pn, nullptr);
    EXPECT_EQ(pn->vr, VR::PN);
    EXPECT_EQ(f.dataset.get_person_name(kPatientName).alphabetic.family, "DOE");
    EXPECT_EQ(f.dataset.find(kRows)->vr, VR::US);
    EXPECT_EQ(f.dataset.get_int(kRows), 512);
    EXPECT_EQ(f.warning_flags, uint32_t(kWarnUnRetyped));
    ASSERT_EQ(f.warnings.size(), 1u);
    EXPECT_NE(f.warnings[0].find("2 elements"), std::string::npos) << f.warnings[0];
    EXPECT_NE(f.warnings[0].find("(0010,0010)"), std::string::npos) << f.warnings[0];

    // Written back, it is PN in explicit VR.
    const std::vector<uint8_t> out = write_memory(f);
    const DicomFile again = read(out);
    EXPECT_EQ(again.dataset.find(kPatientName)->vr, VR::PN);
    EXPECT_EQ(again.warning_flags, 0u);
}

TEST(UnRetyped, KeepUnOption) {
    W w(true);
    w.un(0x0010, 0x0010, implicit_text("DOE^JOHN", "PN"));
    ReadOptions opt;
    opt.keep_un = true;
    const DicomFile f = read(part10(uids::ExplicitVRLittleEndian, w.b), opt);
    EXPECT_EQ(f.dataset.find(kPatientName)->vr, VR::UN);
    EXPECT_EQ(f.dataset.find(kPatientName)->value.str(), "DOE^JOHN");
    EXPECT_EQ(f.warning_flags, 0u);
}

TEST(UnRetyped, BigEndianFileKeepsTheLittleEndianValue) {
    // PS3.5 6.2.2: a UN value is implicit VR little endian whatever the transfer syntax.
    W w(true, /*big=*/true);
    w.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
    w.un(0x0028, 0x0010, {0x00, 0x02});              // US 512 in little endian
    w.un(0x0028, 0x0030, implicit_text("0.5\\0.25", "DS"));
    const DicomFile f = read(part10(uids::ExplicitVRBigEndian, w.b));
    EXPECT_EQ(f.dataset.find(kRows)->vr, VR::US);
    EXPECT_EQ(f.dataset.get_int(kRows), 512);
    EXPECT_DOUBLE_EQ(f.dataset.get_number(Tag(0x0028, 0x0030), 1), 0.25);
}

/// An implicit VR little endian sequence value: one item holding (0008,1150) and (0008,1155).
std::vector<uint8_t> implicit_sequence_value(bool undefined_item) {
    W item(false);
    item.text(0x0008, 0x1150, "UI", "1.2.840.10008.5.1.4.1.1.2");
    item.text(0x0008, 0x1155, "UI", "1.2.3.4.5");
    W v(false);
    v.u16(0xFFFE);
    v.u16(0xE000);
    v.u32(undefined_item ? 0xFFFFFFFFu : uint32_t(item.b.size()));
    v.raw(item.b);
    if (undefined_item) { v.u16(0xFFFE); v.u16(0xE00D); v.u32(0); }
    return v.b;
}

TEST(UnRetyped, DefinedLengthUnHoldingASequence) {
    for (bool big : {false, true}) {
        for (bool undefined_item : {false, true}) {
            W w(true, big);
            w.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
            w.un(0x0008, 0x1140, implicit_sequence_value(undefined_item));  // ReferencedImageSequence
            w.text(0x0010, 0x0010, "PN", "AFTER^SEQ");
            const DicomFile f = read(part10(big ? uids::ExplicitVRBigEndian : uids::ExplicitVRLittleEndian, w.b));
            const Element *sq = f.dataset.find(Tag(0x0008, 0x1140));
            ASSERT_NE(sq, nullptr);
            EXPECT_EQ(sq->vr, VR::SQ);
            ASSERT_EQ(sq->items.size(), 1u);
            EXPECT_EQ(sq->items[0].get_string(Tag(0x0008, 0x1155)), "1.2.3.4.5");
            EXPECT_EQ(f.dataset.get_string(kPatientName), "AFTER^SEQ");
            EXPECT_TRUE(f.warning_flags & kWarnUnRetyped);
        }
    }
}

TEST(UnRetyped, UnThatIsNoSequenceStaysUn) {
    W w(true);
    w.un(0x0008, 0x1140, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});  // not an item header
    w.text(0x0010, 0x0010, "PN", "AFTER");
    const DicomFile f = read(part10(uids::ExplicitVRLittleEndian, w.b));
    EXPECT_EQ(f.dataset.find(Tag(0x0008, 0x1140))->vr, VR::UN);
    EXPECT_EQ(f.dataset.find(Tag(0x0008, 0x1140))->value.size(), 10u);
    EXPECT_EQ(f.dataset.get_string(kPatientName), "AFTER");
    EXPECT_EQ(f.warning_flags, 0u);
}

TEST(UnRetyped, ValueThatDoesNotFitTheVrStaysUn) {
    W w(true);
    w.un(0x0028, 0x0010, {1, 2, 3});  // US needs a multiple of 2 bytes
    const DicomFile f = read(part10(uids::ExplicitVRLittleEndian, w.b));
    EXPECT_EQ(f.dataset.find(kRows)->vr, VR::UN);
    EXPECT_EQ(f.warning_flags, 0u);
}

TEST(UnRetyped, ValueTooLongForItsVrStaysUn) {
    // PS3.5 6.2.2: UN carries values longer than the 16-bit length of their VR in explicit VR.
    W w(true);
    w.un(0x0010, 0x0010, implicit_text("DOE^JOHN", "PN"));
    w.un(0x0010, 0x4000, std::vector<uint8_t>(70000, 'x'));  // Patient Comments, LT
    const DicomFile f = read(part10(uids::ExplicitVRLittleEndian, w.b));
    EXPECT_EQ(f.dataset.find(Tag(0x0010, 0x4000))->vr, VR::UN);
    EXPECT_EQ(f.dataset.find(kPatientName)->vr, VR::PN);
    EXPECT_NO_THROW(write_memory(f));
}

// ---------------------------------------------------------------------------------------------------
// The private dictionary

TEST(PrivateDictionary, LooksUpByCreatorAndElementByte) {
    // DCMTK private.dic: (0029,"SIEMENS CSA HEADER",10) OB CSAImageHeaderInfo.
    const PrivateDictEntry *e = private_dict_find("SIEMENS CSA HEADER", Tag(0x0029, 0x1010));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->vr, VR::OB);
    EXPECT_STREQ(e->keyword(), "CSAImageHeaderInfo");
    EXPECT_STREQ(e->vm(), "1");
    // Any block the creator reserved (here 0x11: elements 11xx), padding ignored.
    const PrivateDictEntry *e2 = private_dict_find("SIEMENS CSA HEADER ", Tag(0x0029, 0x1110));
    EXPECT_EQ(e2, e);
    // (0019,"GEMS_ACQU_01",02) SL NumberOfCellsInDetector.
    const PrivateDictEntry *ge = private_dict_find("GEMS_ACQU_01", Tag(0x0019, 0x1002));
    ASSERT_NE(ge, nullptr);
    EXPECT_EQ(ge->vr, VR::SL);
    EXPECT_STREQ(ge->keyword(), "NumberOfCellsInDetector");
    // (7001-o-70ff,"DLX_ANNOT_01",04): a range of odd groups.
    EXPECT_NE(private_dict_find("DLX_ANNOT_01", Tag(0x7003, 0x1004)), nullptr);
    // Unknown creator, wrong group, non-private tags, creators themselves.
    EXPECT_EQ(private_dict_find("NO SUCH VENDOR", Tag(0x0029, 0x1010)), nullptr);
    EXPECT_EQ(private_dict_find("SIEMENS CSA HEADER", Tag(0x0031, 0x1010)), nullptr);
    EXPECT_EQ(private_dict_find("SIEMENS CSA HEADER", Tag(0x0028, 0x1010)), nullptr);
    EXPECT_EQ(private_dict_find("SIEMENS CSA HEADER", Tag(0x0029, 0x0010)), nullptr);
    size_t n = 0;
    private_dict_table(n);
    EXPECT_GT(n, 2000u);
}

/// (0029,0010) "SIEMENS CSA HEADER" and (0029,0011) "NO SUCH VENDOR", then elements of both blocks.
std::vector<uint8_t> private_dataset(bool explicit_vr) {
    W w(explicit_vr);
    w.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
    w.text(0x0029, 0x0010, "LO", "SIEMENS CSA HEADER");
    w.text(0x0029, 0x0011, "LO", "NO SUCH VENDOR");
    if (explicit_vr) {
        w.un(0x0029, 0x1008, implicit_text("IMAGE NUM 4", "CS"));  // CS CSAImageHeaderType
        w.un(0x0029, 0x1108, implicit_text("OTHER", "CS"));         // unknown creator: stays UN
    } else {
        w.text(0x0029, 0x1008, "CS", "IMAGE NUM 4");
        w.text(0x0029, 0x1108, "CS", "OTHER");
    }
    return w.b;
}

TEST(PrivateDictionary, TypesPrivateElementsReadImplicitly) {
    const DicomFile f = read(part10(uids::ImplicitVRLittleEndian, private_dataset(false)));
    EXPECT_EQ(f.dataset.find(Tag(0x0029, 0x0010))->vr, VR::LO);
    EXPECT_EQ(f.dataset.find(Tag(0x0029, 0x1008))->vr, VR::CS);
    EXPECT_EQ(f.dataset.get_string(Tag(0x0029, 0x1008)), "IMAGE NUM 4");
    EXPECT_EQ(f.dataset.find(Tag(0x0029, 0x1108))->vr, VR::UN);
    EXPECT_EQ(f.warning_flags, 0u);  // implicit VR has no VR to contradict
}

TEST(PrivateDictionary, TypesPrivateElementsEncodedAsUn) {
    const DicomFile f = read(part10(uids::ExplicitVRLittleEndian, private_dataset(true)));
    EXPECT_EQ(f.dataset.find(Tag(0x0029, 0x1008))->vr, VR::CS);
    EXPECT_EQ(f.dataset.find(Tag(0x0029, 0x1108))->vr, VR::UN);
    EXPECT_EQ(f.warning_flags, uint32_t(kWarnUnRetyped));
    ReadOptions keep;
    keep.keep_un = true;
    EXPECT_EQ(read(part10(uids::ExplicitVRLittleEndian, private_dataset(true)), keep).dataset.find(Tag(0x0029, 0x1008))->vr,
              VR::UN);
}

TEST(PrivateDictionary, DumpNamesKnownPrivateElements) {
    const DicomFile f = read(part10(uids::ImplicitVRLittleEndian, private_dataset(false)));
    std::string out;
    dump(out, f, DumpOptions{});
    // As dcmdump prints them from its private.dic.
    EXPECT_NE(out.find("(0029,1008) CS [IMAGE NUM 4]"), std::string::npos) << out;
    EXPECT_NE(out.find("CSAImageHeaderType\n"), std::string::npos) << out;
    EXPECT_NE(out.find("(0029,1108) UN"), std::string::npos) << out;
    EXPECT_NE(out.find("PrivateTag\n"), std::string::npos) << out;
}

}  // namespace
