// The PS3.6 data dictionary, the UID registry (PS3.6 Table A-1) and transfer syntax properties
// (PS3.5 Section 10 and Annex A). Expected values are taken from the standard's tables.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/tag.h"

using namespace dcmkit;

namespace {

// ---------------------------------------------------------------------------------------------------
// PS3.6 Table 6-1: plain entries

TEST(Dictionary, MagneticFieldStrength) {
    // PS3.6 Table 6-1: (0018,0087) Magnetic Field Strength, MagneticFieldStrength, DS, 1.
    const DictEntry *e = dict_find(Tag(0x0018, 0x0087));
    ASSERT_NE(e, nullptr);
    EXPECT_STREQ(e->keyword(), "MagneticFieldStrength");
    EXPECT_STREQ(e->name(), "Magnetic Field Strength");
    EXPECT_EQ(e->vr, VR::DS);
    EXPECT_EQ(e->vr_alt, VR::None);
    EXPECT_STREQ(e->vm(), "1");
    EXPECT_FALSE(e->retired);
    EXPECT_EQ(e->tag, 0x00180087u);
    EXPECT_EQ(e->mask(), 0xFFFFFFFFu);
    EXPECT_EQ(dict_vr(Tag(0x0018, 0x0087)), VR::DS);
    EXPECT_STREQ(dict_keyword(Tag(0x0018, 0x0087)), "MagneticFieldStrength");
}

TEST(Dictionary, PixelDataIsObOrOw) {
    // PS3.6 Table 6-1: (7FE0,0010) Pixel Data, VR "OB or OW", VM 1.
    const DictEntry *e = dict_find(tags::PixelData);
    ASSERT_NE(e, nullptr);
    EXPECT_STREQ(e->keyword(), "PixelData");
    EXPECT_EQ(e->vr, VR::OB);
    EXPECT_EQ(e->vr_alt, VR::OW);
    EXPECT_STREQ(e->vm(), "1");
    EXPECT_EQ(dict_vr(tags::PixelData), VR::OB);  // the first choice
}

TEST(Dictionary, OtherWellKnownEntries) {
    struct Row {
        uint32_t tag;
        const char *keyword;
        VR vr, alt;
        const char *vm;
        bool retired;
    } rows[] = {
        // values from PS3.6 Table 6-1 (and Table 7-1 for group 0002, Table E.1-1 for group 0000)
        {0x00100010, "PatientName", VR::PN, VR::None, "1", false},
        {0x00080016, "SOPClassUID", VR::UI, VR::None, "1", false},
        {0x00080008, "ImageType", VR::CS, VR::None, "2-n", false},
        {0x00280030, "PixelSpacing", VR::DS, VR::None, "2", false},
        {0x00200032, "ImagePositionPatient", VR::DS, VR::None, "3", false},
        {0x00280106, "SmallestImagePixelValue", VR::US, VR::SS, "1", false},
        {0x00281201, "RedPaletteColorLookupTableData", VR::OW, VR::None, "1", false},
        {0x00020010, "TransferSyntaxUID", VR::UI, VR::None, "1", false},
        {0x00020001, "FileMetaInformationVersion", VR::OB, VR::None, "1", false},
        {0x00000100, "CommandField", VR::US, VR::None, "1", false},
        {0x00080040, "DataSetType", VR::US, VR::None, "1", true},  // retired ACR-NEMA element
        {0x7FE00001, "ExtendedOffsetTable", VR::OV, VR::None, "1", false},
        {0x00720082, "SelectorSVValue", VR::SV, VR::None, "1-n", false},
    };
    for (const Row &r : rows) {
        SCOPED_TRACE(r.keyword);
        const DictEntry *e = dict_find(Tag(r.tag));
        ASSERT_NE(e, nullptr);
        EXPECT_STREQ(e->keyword(), r.keyword);
        EXPECT_EQ(e->vr, r.vr);
        EXPECT_EQ(e->vr_alt, r.alt);
        EXPECT_STREQ(e->vm(), r.vm);
        EXPECT_EQ(e->retired, r.retired);
        // And back from the keyword.
        const DictEntry *k = dict_find(std::string_view(r.keyword));
        ASSERT_NE(k, nullptr);
        EXPECT_EQ(k->tag, r.tag);
    }
}

TEST(Dictionary, ItemsAndDelimitersHaveNoVr) {
    // PS3.6 Table 7-3 / PS3.5 7.5: (FFFE,E000), (FFFE,E00D), (FFFE,E0DD) have no VR.
    for (Tag t : {tags::Item, tags::ItemDelimitationItem, tags::SequenceDelimitationItem}) {
        const DictEntry *e = dict_find(t);
        ASSERT_NE(e, nullptr) << t.str();
        EXPECT_EQ(e->vr, VR::None) << t.str();
        EXPECT_EQ(dict_vr(t), VR::UN) << t.str();
    }
    EXPECT_STREQ(dict_keyword(tags::Item), "Item");
}

// ---------------------------------------------------------------------------------------------------
// Repeating groups (PS3.5 7.6) and generic rules

TEST(Dictionary, OverlayRepeatingGroup) {
    // PS3.6: (60xx,3000) Overlay Data, "OB or OW"; xx is an even group 6000-601E (PS3.5 7.6).
    for (uint16_t g : {uint16_t(0x6000), uint16_t(0x6002), uint16_t(0x601E)}) {
        const DictEntry *e = dict_find(Tag(g, 0x3000));
        ASSERT_NE(e, nullptr) << std::hex << g;
        EXPECT_STREQ(e->keyword(), "OverlayData");
        EXPECT_EQ(e->vr, VR::OB);
        EXPECT_EQ(e->vr_alt, VR::OW);
        EXPECT_EQ(e->tag, 0x60003000u);
        EXPECT_NE(e->mask(), 0xFFFFFFFFu);
    }
    // (60xx,0010) Overlay Rows US, (60xx,0040) Overlay Type CS.
    EXPECT_STREQ(dict_keyword(Tag(0x6004, 0x0010)), "OverlayRows");
    EXPECT_EQ(dict_vr(Tag(0x6004, 0x0010)), VR::US);
    EXPECT_EQ(dict_vr(Tag(0x6006, 0x0040)), VR::CS);
}

TEST(Dictionary, OddOverlayGroupIsPrivateNotAnOverlay) {
    // PS3.5 7.8.1: odd groups are private; (6001,3000) is a private data element, not Overlay Data.
    EXPECT_EQ(dict_find(Tag(0x6001, 0x3000)), nullptr);
    EXPECT_EQ(dict_vr(Tag(0x6001, 0x3000)), VR::UN);
    EXPECT_STREQ(dict_keyword(Tag(0x6001, 0x3000)), "");
    // (6001,0010) is a Private Creator (LO), not Overlay Rows.
    const DictEntry *c = dict_find(Tag(0x6001, 0x0010));
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->vr, VR::LO);
    EXPECT_STRNE(c->keyword(), "OverlayRows");
}

TEST(Dictionary, CurveRepeatingGroup) {
    // PS3.6 (retired): (50xx,0010) Number of Points US, (50xx,3000) Curve Data "OB or OW".
    const DictEntry *n = dict_find(Tag(0x5004, 0x0010));
    ASSERT_NE(n, nullptr);
    EXPECT_STREQ(n->keyword(), "NumberOfPoints");
    EXPECT_EQ(n->vr, VR::US);
    EXPECT_TRUE(n->retired);
    const DictEntry *d = dict_find(Tag(0x5002, 0x3000));
    ASSERT_NE(d, nullptr);
    EXPECT_STREQ(d->keyword(), "CurveData");
    EXPECT_EQ(d->vr, VR::OB);
    EXPECT_EQ(d->vr_alt, VR::OW);
    EXPECT_EQ(dict_find(Tag(0x5003, 0x3000)), nullptr);  // odd: private
}

TEST(Dictionary, OtherRepeatingPatterns) {
    // PS3.6 (retired): (1000,xxx0) Escape Triplet, (1000,xxx1) Run Length Triplet, (1000,xxx5)
    // Shift Table Triplet, all US 3; (1010,xxxx) Zonal Map US 1-n; (0020,31xx) Source Image IDs CS.
    const DictEntry *e = dict_find(Tag(0x1000, 0x0010));
    ASSERT_NE(e, nullptr);
    EXPECT_STREQ(e->keyword(), "EscapeTriplet");
    EXPECT_EQ(e->vr, VR::US);
    EXPECT_STREQ(e->vm(), "3");
    EXPECT_STREQ(dict_keyword(Tag(0x1000, 0x0120)), "EscapeTriplet");
    EXPECT_STREQ(dict_keyword(Tag(0x1000, 0x0011)), "RunLengthTriplet");
    EXPECT_STREQ(dict_keyword(Tag(0x1000, 0xABC5)), "ShiftTableTriplet");
    EXPECT_STREQ(dict_keyword(Tag(0x1010, 0x1234)), "ZonalMap");
    EXPECT_STREQ(dict_keyword(Tag(0x0020, 0x3105)), "SourceImageIDs");
    EXPECT_EQ(dict_vr(Tag(0x0020, 0x3105)), VR::CS);
    // A specific entry is preferred to a pattern: (0020,3100) matches 31xx only.
    EXPECT_STREQ(dict_keyword(Tag(0x0020, 0x3000)), "");
}

TEST(Dictionary, GroupLengths) {
    // PS3.5 7.2: (gggg,0000) is the Group Length, UL, in every group, private ones included.
    for (uint16_t g : {uint16_t(0x0009), uint16_t(0x0008), uint16_t(0x0010), uint16_t(0x0029), uint16_t(0x6001),
                       uint16_t(0x7FE1)}) {
        const DictEntry *e = dict_find(Tag(g, 0x0000));
        ASSERT_NE(e, nullptr) << std::hex << g;
        EXPECT_EQ(e->vr, VR::UL) << std::hex << g;
        EXPECT_EQ(dict_vr(Tag(g, 0x0000)), VR::UL);
    }
    // Groups whose other elements follow a repeating pattern still have a UL group length at 0000:
    // (1000,xxx0) and (1010,xxxx) must not claim (1000,0000) and (1010,0000).
    EXPECT_EQ(dict_vr(Tag(0x1000, 0x0000)), VR::UL);
    EXPECT_EQ(dict_vr(Tag(0x1010, 0x0000)), VR::UL);
    // PS3.6 Table E.1-1 / 7-1: the named group lengths.
    EXPECT_STREQ(dict_keyword(Tag(0x0000, 0x0000)), "CommandGroupLength");
    EXPECT_STREQ(dict_keyword(tags::FileMetaInformationGroupLength), "FileMetaInformationGroupLength");
}

TEST(Dictionary, PrivateCreatorsAndPrivateElements) {
    // PS3.5 7.8.1: (gggg,0010-00FF) in a private group are Private Creator Data Elements, LO.
    for (uint16_t el : {uint16_t(0x0010), uint16_t(0x0011), uint16_t(0x00FF)}) {
        const DictEntry *e = dict_find(Tag(0x0009, el));
        ASSERT_NE(e, nullptr) << std::hex << el;
        EXPECT_EQ(e->vr, VR::LO);
        EXPECT_STREQ(e->vm(), "1");
    }
    // Private data elements are unknown to the standard dictionary.
    EXPECT_EQ(dict_find(Tag(0x0009, 0x1001)), nullptr);
    EXPECT_EQ(dict_vr(Tag(0x0009, 0x1001)), VR::UN);
    // (gggg,0001-000F) and (gggg,0100-0FFF) are not creators (PS3.5 7.8.1: not used).
    EXPECT_EQ(dict_find(Tag(0x0009, 0x0001)), nullptr);
    EXPECT_EQ(dict_find(Tag(0x0009, 0x0100)), nullptr);
    // Odd groups 0001-0007 and FFFF are not private: no creator there.
    EXPECT_EQ(dict_find(Tag(0x0003, 0x0010)), nullptr);
    // Unknown standard tag.
    EXPECT_EQ(dict_find(Tag(0x0008, 0x0002)), nullptr);
    EXPECT_EQ(dict_vr(Tag(0x0008, 0x0002)), VR::UN);
    EXPECT_STREQ(dict_keyword(Tag(0x0008, 0x0002)), "");
}

TEST(Dictionary, KeywordLookup) {
    const DictEntry *e = dict_find(std::string_view("MagneticFieldStrength"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->tag, 0x00180087u);
    const DictEntry *o = dict_find(std::string_view("OverlayData"));
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->tag, 0x60003000u);
    EXPECT_NE(o->mask(), 0xFFFFFFFFu);
    EXPECT_EQ(dict_find(std::string_view("NoSuchKeyword")), nullptr);
    EXPECT_EQ(dict_find(std::string_view("")), nullptr);
    EXPECT_EQ(dict_find(std::string_view("magneticfieldstrength")), nullptr);  // case matters
    EXPECT_EQ(dict_find(std::string_view("MagneticFieldStrengt")), nullptr);   // no prefix matches
    // Every exact entry's keyword leads back to its tag.
    for (uint32_t t : {0x00100020u, 0x0020000Du, 0x0020000Eu, 0x00280100u, 0x00400275u}) {
        const DictEntry *a = dict_find(Tag(t));
        ASSERT_NE(a, nullptr);
        const DictEntry *b = dict_find(std::string_view(a->keyword()));
        ASSERT_NE(b, nullptr);
        EXPECT_EQ(b->tag, t) << a->keyword();
    }
}

TEST(Dictionary, EveryKeywordOfTheMainGroupsLeadsBackToItsEntry) {
    // The keyword index against the tag table, entry by entry, for the groups that hold most of PS3.6.
    size_t checked = 0;
    for (uint32_t g : {0x0000u, 0x0002u, 0x0004u, 0x0008u, 0x0010u, 0x0012u, 0x0014u, 0x0018u, 0x0020u, 0x0022u,
                       0x0024u, 0x0028u, 0x0032u, 0x0038u, 0x003Au, 0x0040u, 0x0042u, 0x0044u, 0x0046u, 0x0048u,
                       0x0050u, 0x0052u, 0x0054u, 0x0060u, 0x0062u, 0x0064u, 0x0066u, 0x0068u, 0x0070u, 0x0072u,
                       0x0074u, 0x0076u, 0x0078u, 0x0080u, 0x0082u, 0x0088u, 0x0100u, 0x0400u, 0x2000u, 0x2010u,
                       0x2020u, 0x2030u, 0x2040u, 0x2050u, 0x2100u, 0x2110u, 0x2120u, 0x2130u, 0x2200u, 0x3002u,
                       0x3004u, 0x3006u, 0x3008u, 0x300Au, 0x300Cu, 0x300Eu, 0x4000u, 0x4008u, 0x4010u, 0x4FFEu,
                       0x5200u, 0x5400u, 0x5600u, 0x7FE0u, 0xFFFAu, 0xFFFCu, 0xFFFEu}) {
        for (uint32_t el = 1; el <= 0xFFFFu; ++el) {
            const DictEntry *e = dict_find(Tag(g << 16 | el));
            if (!e || e->mask() != 0xFFFFFFFFu || !e->keyword()[0]) continue;
            EXPECT_EQ(dict_find(std::string_view(e->keyword())), e) << e->keyword();
            ++checked;
        }
    }
    EXPECT_GT(checked, 4000u);
    // Lengths around the index's 8-byte steps, and a keyword followed by more bytes.
    for (const char *k : {"Rows", "Modality", "PatientID", "StudyInstanceUID", "SeriesInstanceUID"})
        EXPECT_NE(dict_find(std::string_view(k)), nullptr) << k;
    EXPECT_EQ(dict_find(std::string_view("Modality\0", 9)), nullptr);
    EXPECT_EQ(dict_find(std::string_view("ModalityX")), nullptr);
    EXPECT_EQ(dict_find(std::string_view("PatientID").substr(0, 8)), nullptr);  // "PatientI"
}

// ---------------------------------------------------------------------------------------------------
// PS3.6 Table A-1: UID registry

TEST(UidRegistry, SpotChecks) {
    const UidEntry *h = uid_find("1.2.840.10008.1.2.4.201");
    ASSERT_NE(h, nullptr);
    EXPECT_STREQ(h->keyword(), "HTJ2KLossless");
    EXPECT_STREQ(h->type(), "Transfer Syntax");
    EXPECT_FALSE(h->retired);
    const UidEntry *w = uid_find("1.2.840.10008.5.1.4.31");
    ASSERT_NE(w, nullptr);
    EXPECT_STREQ(w->keyword(), "ModalityWorklistInformationModelFind");
    EXPECT_STREQ(w->type(), "SOP Class");
    EXPECT_EQ(w->flags, 0u);
    const UidEntry *s = uid_find("1.2.840.10008.1.20.1");
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(s->keyword(), "StorageCommitmentPushModel");
    EXPECT_STREQ(s->type(), "SOP Class");
    const UidEntry *v = uid_find("1.2.840.10008.1.1");
    ASSERT_NE(v, nullptr);
    EXPECT_STREQ(v->keyword(), "Verification");
    const UidEntry *d = uid_find("1.2.840.10008.1.2");
    ASSERT_NE(d, nullptr);
    EXPECT_STREQ(d->info(), "Default Transfer Syntax for DICOM");
    const UidEntry *ct = uid_find_keyword("CTImageStorage");
    ASSERT_NE(ct, nullptr);
    EXPECT_STREQ(ct->uid(), "1.2.840.10008.5.1.4.1.1.2");
    EXPECT_EQ(uid_find("1.2.3"), nullptr);
    EXPECT_EQ(uid_find(""), nullptr);
    EXPECT_EQ(uid_find("1.2.840.10008.1.2 "), nullptr);
    EXPECT_EQ(uid_find_keyword("NoSuchUid"), nullptr);
}

TEST(UidRegistry, TableIsSortedAndUnique) {
    size_t n = 0;
    const UidEntry *t = uid_table(n);
    ASSERT_GT(n, 400u);
    for (size_t i = 1; i < n; ++i) EXPECT_LT(std::string_view(t[i - 1].uid()), std::string_view(t[i].uid())) << t[i].uid();
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(uid_find(t[i].uid()), &t[i]);
}

// ---------------------------------------------------------------------------------------------------
// Transfer syntax properties: PS3.5 Section 10 and Annex A; retirement from PS3.6 Table A-1.

struct TsExpect {
    const char *uid;
    bool explicit_vr, big_endian, deflated, encapsulated, lossy, retired;
};

void check_ts(const TsExpect &x) {
    SCOPED_TRACE(x.uid);
    TransferSyntax ts = TransferSyntax::from_uid(x.uid);
    EXPECT_TRUE(ts.known);
    EXPECT_EQ(ts.uid, x.uid);
    EXPECT_EQ(ts.explicit_vr, x.explicit_vr);
    EXPECT_EQ(ts.big_endian, x.big_endian);
    EXPECT_EQ(ts.deflated, x.deflated);
    EXPECT_EQ(ts.encapsulated, x.encapsulated);
    EXPECT_EQ(ts.lossy, x.lossy);
    EXPECT_EQ(ts.retired, x.retired);
}

TEST(TransferSyntaxProps, Uncompressed) {
    //         uid                        explicit big   deflate encaps lossy  retired
    // PS3.5 A.1: Implicit VR Little Endian, the default.
    check_ts({"1.2.840.10008.1.2", false, false, false, false, false, false});
    // PS3.5 A.2: Explicit VR Little Endian.
    check_ts({"1.2.840.10008.1.2.1", true, false, false, false, false, false});
    // PS3.5 A.5: Deflated Explicit VR Little Endian.
    check_ts({"1.2.840.10008.1.2.1.99", true, false, true, false, false, false});
    // PS3.5 A.3: Explicit VR Big Endian, retired (PS3.6 Table A-1).
    check_ts({"1.2.840.10008.1.2.2", true, true, false, false, false, true});
    // PS3.5 A.4.11: Encapsulated Uncompressed Explicit VR Little Endian: encapsulated, lossless.
    check_ts({"1.2.840.10008.1.2.1.98", true, false, false, true, false, false});
    // Papyrus 3 Implicit VR Little Endian (retired).
    check_ts({"1.2.840.10008.1.20", false, false, false, false, false, true});
}

TEST(TransferSyntaxProps, Compressed) {
    // PS3.5 A.4.1 JPEG: Baseline is lossy; Process 14 and its SV1 selection are lossless.
    check_ts({"1.2.840.10008.1.2.4.50", true, false, false, true, true, false});
    check_ts({"1.2.840.10008.1.2.4.51", true, false, false, true, true, false});
    check_ts({"1.2.840.10008.1.2.4.57", true, false, false, true, false, false});
    check_ts({"1.2.840.10008.1.2.4.70", true, false, false, true, false, false});
    // Retired JPEG processes (PS3.6 Table A-1).
    check_ts({"1.2.840.10008.1.2.4.52", true, false, false, true, true, true});
    // PS3.5 A.4.3 JPEG-LS: lossless, and near-lossless (lossy).
    check_ts({"1.2.840.10008.1.2.4.80", true, false, false, true, false, false});
    check_ts({"1.2.840.10008.1.2.4.81", true, false, false, true, true, false});
    // PS3.5 A.4.4 JPEG 2000: lossless only, and lossless-or-lossy (may be lossy).
    check_ts({"1.2.840.10008.1.2.4.90", true, false, false, true, false, false});
    check_ts({"1.2.840.10008.1.2.4.91", true, false, false, true, true, false});
    // PS3.5 A.4.2 RLE Lossless.
    check_ts({"1.2.840.10008.1.2.5", true, false, false, true, false, false});
    // PS3.5 A.4.12 HTJ2K lossless.
    check_ts({"1.2.840.10008.1.2.4.201", true, false, false, true, false, false});
    // PS3.5 A.4.5 MPEG2: lossy.
    check_ts({"1.2.840.10008.1.2.4.100", true, false, false, true, true, false});
    // PS3.5 A.6: JPIP Referenced Deflate: a deflated dataset, pixel data by reference, not encapsulated.
    check_ts({"1.2.840.10008.1.2.4.95", true, false, true, false, false, false});
    check_ts({"1.2.840.10008.1.2.4.94", true, false, false, false, false, false});
}

TEST(TransferSyntaxProps, UnknownUids) {
    // PS3.5 10.1: an unknown transfer syntax is assumed explicit VR little endian, encapsulated.
    TransferSyntax u = TransferSyntax::from_uid("1.2.3.4.5");
    EXPECT_FALSE(u.known);
    EXPECT_TRUE(u.explicit_vr);
    EXPECT_FALSE(u.big_endian);
    EXPECT_TRUE(u.encapsulated);
    EXPECT_EQ(u.uid, "1.2.3.4.5");
    // A registered UID that is not a transfer syntax is not a known transfer syntax either.
    EXPECT_FALSE(TransferSyntax::from_uid("1.2.840.10008.5.1.4.1.1.2").known);
    EXPECT_FALSE(TransferSyntax::from_uid("").known);
}

TEST(TransferSyntaxParse, AliasesKeywordsAndUids) {
    EXPECT_EQ(TransferSyntax::parse("implicit").uid, "1.2.840.10008.1.2");
    EXPECT_EQ(TransferSyntax::parse("IMPLICIT").uid, "1.2.840.10008.1.2");
    EXPECT_EQ(TransferSyntax::parse("explicit").uid, "1.2.840.10008.1.2.1");
    EXPECT_EQ(TransferSyntax::parse("little").uid, "1.2.840.10008.1.2.1");
    EXPECT_EQ(TransferSyntax::parse("big").uid, "1.2.840.10008.1.2.2");
    EXPECT_EQ(TransferSyntax::parse("Big").uid, "1.2.840.10008.1.2.2");
    EXPECT_EQ(TransferSyntax::parse("deflate").uid, "1.2.840.10008.1.2.1.99");
    EXPECT_EQ(TransferSyntax::parse("deflated").uid, "1.2.840.10008.1.2.1.99");
    EXPECT_EQ(TransferSyntax::parse("ExplicitVRBigEndian").uid, "1.2.840.10008.1.2.2");
    EXPECT_EQ(TransferSyntax::parse("JPEGBaseline8Bit").uid, "1.2.840.10008.1.2.4.50");
    EXPECT_EQ(TransferSyntax::parse("HTJ2KLossless").uid, "1.2.840.10008.1.2.4.201");
    TransferSyntax j = TransferSyntax::parse("1.2.840.10008.1.2.4.90");
    EXPECT_TRUE(j.known);
    EXPECT_TRUE(j.encapsulated);
    EXPECT_FALSE(j.lossy);
    EXPECT_EQ(TransferSyntax::parse("deflate").deflated, true);
    EXPECT_EQ(TransferSyntax::parse("implicit").explicit_vr, false);
}

TEST(TransferSyntaxParse, Errors) {
    for (const char *bad : {"", "nope", "1.2.3.4", "1.2.840.10008.5.1.4.1.1.2" /* a SOP class */,
                            "CTImageStorage" /* a SOP class keyword */, "implicit ", "1.2.840.10008.1.2."}) {
        SCOPED_TRACE(bad);
        try {
            TransferSyntax::parse(bad);
            ADD_FAILURE() << "accepted";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument);
        }
    }
}

}  // namespace
