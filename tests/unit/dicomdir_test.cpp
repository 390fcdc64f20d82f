// DICOMDIR reading on hostile bytes, File ID rules and the SOP class → record type table.
// The DICOMDIRs here are assembled byte by byte following PS3.10 7.1 (meta), PS3.5 7.1 and 7.5
// (explicit VR little endian, sequences) and PS3.3 F.3.2.1 (offsets count from the first byte of
// the file, the preamble's, to the Item tag of a record).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dcmkit/dicomdir.h"
#include "dcmkit/error.h"

namespace {

using Bytes = std::vector<uint8_t>;

void u16(Bytes &b, uint16_t v) {
    b.push_back(uint8_t(v));
    b.push_back(uint8_t(v >> 8));
}
void u32(Bytes &b, uint32_t v) {
    u16(b, uint16_t(v));
    u16(b, uint16_t(v >> 16));
}
void put32(Bytes &b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
}
/// An explicit VR element with a short (16-bit) length; the value padded to even length with `pad`.
void elem(Bytes &b, uint16_t g, uint16_t e, const char *vr, std::string v, char pad = ' ') {
    if (v.size() % 2) v += pad;
    u16(b, g);
    u16(b, e);
    b.push_back(uint8_t(vr[0]));
    b.push_back(uint8_t(vr[1]));
    u16(b, uint16_t(v.size()));
    b.insert(b.end(), v.begin(), v.end());
}
/// A UL element; returns where its value is, to be patched.
size_t ul(Bytes &b, uint16_t g, uint16_t e, uint32_t v) {
    u16(b, g);
    u16(b, e);
    b.push_back('U');
    b.push_back('L');
    u16(b, 4);
    const size_t at = b.size();
    u32(b, v);
    return at;
}

struct Crafted {
    Bytes bytes;
    size_t first = 0, last = 0;  ///< where (0004,1200) and (0004,1202) values are
    std::vector<size_t> item;    ///< where each record's Item tag is
    std::vector<size_t> next, lower;  ///< where each record's (0004,1400) and (0004,1420) values are
};

/// A DICOMDIR of `types.size()` records, all offsets 0 (to be linked by the test).
Crafted craft(const std::vector<std::string> &types) {
    Crafted c;
    Bytes &b = c.bytes;
    b.assign(128, 0);
    b.insert(b.end(), {'D', 'I', 'C', 'M'});
    Bytes meta;
    elem(meta, 0x0002, 0x0002, "UI", "1.2.840.10008.1.3.10", '\0');
    elem(meta, 0x0002, 0x0003, "UI", "1.2.3.4", '\0');
    elem(meta, 0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1", '\0');
    ul(b, 0x0002, 0x0000, uint32_t(meta.size()));
    b.insert(b.end(), meta.begin(), meta.end());
    elem(b, 0x0004, 0x1130, "CS", "HOSTILE");
    c.first = ul(b, 0x0004, 0x1200, 0);
    c.last = ul(b, 0x0004, 0x1202, 0);
    u16(b, 0x0004);
    u16(b, 0x1212);
    b.insert(b.end(), {'U', 'S', 2, 0, 0, 0});
    // (0004,1220) SQ, undefined length, items of defined length.
    u16(b, 0x0004);
    u16(b, 0x1220);
    b.insert(b.end(), {'S', 'Q', 0, 0});
    u32(b, 0xFFFFFFFFu);
    for (const std::string &type : types) {
        Bytes item;
        const size_t next = ul(item, 0x0004, 0x1400, 0);
        elem(item, 0x0004, 0x1410, "US", std::string("\xFF\xFF", 2));
        const size_t lower = ul(item, 0x0004, 0x1420, 0);
        elem(item, 0x0004, 0x1430, "CS", type);
        if (type == "IMAGE") elem(item, 0x0004, 0x1500, "CS", "DICOM\\IM1");
        c.item.push_back(b.size());
        u16(b, 0xFFFE);
        u16(b, 0xE000);
        u32(b, uint32_t(item.size()));
        c.next.push_back(b.size() + next);
        c.lower.push_back(b.size() + lower);
        b.insert(b.end(), item.begin(), item.end());
    }
    u16(b, 0xFFFE);
    u16(b, 0xE0DD);
    u32(b, 0);
    return c;
}

/// PATIENT → STUDY → SERIES → IMAGE, IMAGE, and a second PATIENT, linked.
Crafted linked() {
    Crafted c = craft({"PATIENT", "STUDY", "SERIES", "IMAGE", "IMAGE", "PATIENT"});
    put32(c.bytes, c.first, uint32_t(c.item[0]));
    put32(c.bytes, c.last, uint32_t(c.item[5]));
    put32(c.bytes, c.next[0], uint32_t(c.item[5]));
    put32(c.bytes, c.lower[0], uint32_t(c.item[1]));
    put32(c.bytes, c.lower[1], uint32_t(c.item[2]));
    put32(c.bytes, c.lower[2], uint32_t(c.item[3]));
    put32(c.bytes, c.next[3], uint32_t(c.item[4]));
    return c;
}

dcmkit::Errc code_of(const Bytes &b) {
    try {
        dcmkit::read_dicomdir_memory(b.data(), b.size());
    } catch (const dcmkit::Error &e) {
        return e.code();
    }
    return dcmkit::Errc::ok;
}

TEST(DicomDirRead, WalksTheTreeThroughTheOffsets) {
    const Crafted c = linked();
    const dcmkit::DicomDir d = dcmkit::read_dicomdir_memory(c.bytes.data(), c.bytes.size());
    EXPECT_EQ(d.fileset_id, "HOSTILE");
    ASSERT_EQ(d.roots.size(), 2u);
    EXPECT_EQ(d.records[d.roots[0]].type, "PATIENT");
    EXPECT_EQ(d.records[d.roots[0]].offset, c.item[0]);
    const auto &studies = d.children(d.roots[0]);
    ASSERT_EQ(studies.size(), 1u);
    const auto &series = d.children(studies[0]);
    ASSERT_EQ(series.size(), 1u);
    const auto &images = d.children(series[0]);
    ASSERT_EQ(images.size(), 2u);
    EXPECT_EQ(d.records[images[1]].type, "IMAGE");
    EXPECT_EQ(d.records[images[1]].file_id, "DICOM/IM1");
    EXPECT_EQ(d.records[images[1]].parent, series[0]);
    EXPECT_EQ(d.file_path(images[1]), "DICOM/IM1");  // from memory: relative to no folder
    EXPECT_THROW(d.file_path(studies[0]), dcmkit::Error);
    EXPECT_EQ(d.of_type("IMAGE").size(), 2u);
    EXPECT_TRUE(d.children(d.roots[1]).empty());
}

TEST(DicomDirRead, OffsetOutsideTheFileIsMalformed) {
    Crafted c = linked();
    put32(c.bytes, c.next[3], 0x7FFFFFF0u);
    EXPECT_EQ(code_of(c.bytes), dcmkit::Errc::malformed);
    c = linked();
    put32(c.bytes, c.first, uint32_t(c.bytes.size() + 100));
    EXPECT_EQ(code_of(c.bytes), dcmkit::Errc::malformed);
}

TEST(DicomDirRead, OffsetInsideARecordIsMalformed) {
    Crafted c = linked();
    put32(c.bytes, c.lower[2], uint32_t(c.item[3] + 8));  // the record's first element, not its Item tag
    EXPECT_EQ(code_of(c.bytes), dcmkit::Errc::malformed);
}

TEST(DicomDirRead, LoopsAreMalformedNotHangs) {
    Crafted c = linked();
    put32(c.bytes, c.next[4], uint32_t(c.item[3]));  // the second image's next is the first image
    EXPECT_EQ(code_of(c.bytes), dcmkit::Errc::malformed);
    c = linked();
    put32(c.bytes, c.lower[3], uint32_t(c.item[0]));  // an image's lower level is the patient
    EXPECT_EQ(code_of(c.bytes), dcmkit::Errc::malformed);
    c = linked();
    put32(c.bytes, c.next[5], uint32_t(c.item[5]));  // a record that is its own next
    EXPECT_EQ(code_of(c.bytes), dcmkit::Errc::malformed);
}

TEST(DicomDirRead, EveryTruncationIsATypedError) {
    const Crafted c = linked();
    for (size_t n = 0; n < c.bytes.size(); ++n) {
        const Bytes cut(c.bytes.begin(), c.bytes.begin() + long(n));
        EXPECT_NE(code_of(cut), dcmkit::Errc::ok) << "cut at " << n;
    }
}

TEST(DicomDirRead, ImplicitVrIsRefused) {
    // PS3.10 8.6: a DICOMDIR is Explicit VR Little Endian; the same bytes declared implicit fail.
    Crafted c = linked();
    const std::string ts = "1.2.840.10008.1.2.1";
    auto at = std::search(c.bytes.begin(), c.bytes.end(), ts.begin(), ts.end());
    ASSERT_NE(at, c.bytes.end());
    const std::string implicit("1.2.840.10008.1.2\0\0", 19);  // same length, NUL-padded (UI)
    std::copy(implicit.begin(), implicit.begin() + long(ts.size()), at);
    EXPECT_NE(code_of(c.bytes), dcmkit::Errc::ok);
}

TEST(DicomDirRead, FileIdLeavingTheFileSetIsRefused) {
    Crafted c = craft({"IMAGE"});
    const std::string id = "DICOM\\IM1";
    auto at = std::search(c.bytes.begin(), c.bytes.end(), id.begin(), id.end());
    ASSERT_NE(at, c.bytes.end());
    const std::string evil = "..\\..\\IM";  // same length
    std::copy(evil.begin(), evil.end(), at);
    put32(c.bytes, c.first, uint32_t(c.item[0]));
    const dcmkit::DicomDir d = dcmkit::read_dicomdir_memory(c.bytes.data(), c.bytes.size());
    ASSERT_EQ(d.roots.size(), 1u);
    try {
        d.file_path(d.roots[0]);
        FAIL() << "a File ID with '..' gave a path";
    } catch (const dcmkit::Error &e) {
        EXPECT_EQ(e.code(), dcmkit::Errc::malformed);
    }
}

TEST(DicomDirFileId, Ps3_10Rules) {
    EXPECT_EQ(dcmkit::file_id_components("DICOM/ST000001/IM_1"), (std::vector<std::string>{"DICOM", "ST000001", "IM_1"}));
    EXPECT_EQ(dcmkit::file_id_components("A/B/C/D/E/F/G/H").size(), 8u);  // PS3.10 8.2: depth 8 allowed
    for (const char *bad : {"A/B/C/D/E/F/G/H/I", "dicom/im1", "ABCDEFGHI", "A//B", "IM.DCM", "IM-1", "", "A/"}) {
        SCOPED_TRACE(bad);
        try {
            dcmkit::file_id_components(bad);
            FAIL() << "accepted";
        } catch (const dcmkit::Error &e) {
            EXPECT_EQ(e.code(), dcmkit::Errc::invalid_argument);
        }
    }
}

TEST(DicomDirRecordTypes, Ps3_3TableF4_1) {
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.2"), "IMAGE");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.88.11"), "SR DOCUMENT");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.88.59"), "KEY OBJECT DOC");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.11.1"), "PRESENTATION");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.481.2"), "RT DOSE");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.481.3"), "RT STRUCTURE SET");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.481.5"), "RT PLAN");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.481.4"), "RT TREAT RECORD");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.9.1.1"), "WAVEFORM");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.104.1"), "ENCAP DOC");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.66.1"), "REGISTRATION");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.66.2"), "FIDUCIAL");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.66"), "RAW DATA");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.4.2"), "SPECTROSCOPY");
    EXPECT_EQ(dcmkit::record_type_for_sop_class("1.2.840.10008.5.1.4.1.1.481.1"), "IMAGE");  // RT Image
}

}  // namespace
