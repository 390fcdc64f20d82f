// What StorageFolder checks before it keeps a received instance (check_received_file,
// is_storable_uid), the Error Comment of a response (PS3.7 C.4: LO, 64 characters), and the removal
// of the partial files an interruption leaves. Files are written by dcmkit's writer and then cut or
// patched byte by byte; lengths follow PS3.5 8.1.1 (Rows x Columns x Samples x Bits Allocated x
// Frames) and A.4 (encapsulation only in encapsulated transfer syntaxes).
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/file.h"
#include "dcmkit/net/dimse.h"
#include "dcmkit/services/services.h"

using namespace dcmkit;
namespace net = dcmkit::net;

namespace {

constexpr const char *kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char *kUid = "1.2.826.0.1.3680043.10.772.1";

struct Tmp {
    std::string path;
    Tmp() {
        char t[] = "/tmp/dcmkit-check-XXXXXX";
        path = ::mkdtemp(t) ? t : "";
    }
    ~Tmp() {
        if (DIR *d = ::opendir(path.c_str())) {
            while (dirent *e = ::readdir(d))
                if (e->d_name[0] != '.' || (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0))
                    ::unlink((path + "/" + e->d_name).c_str());
            ::closedir(d);
        }
        ::rmdir(path.c_str());
    }
};

std::string slurp(const std::string &p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void spit(const std::string &p, const std::string &b) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(b.data(), std::streamsize(b.size()));
}

/// A CT image: rows x cols, `bits` allocated, `frames` frames (0: no Number of Frames), with
/// `pixel_bytes` bytes of native Pixel Data.
DicomFile image(uint16_t rows, uint16_t cols, uint16_t bits, size_t pixel_bytes, int frames = 0) {
    DicomFile f;
    f.transfer_syntax = "1.2.840.10008.1.2.1";
    Dataset &d = f.dataset;
    d.set_string(tags::SOPClassUID, kCt, VR::UI);
    d.set_string(tags::SOPInstanceUID, kUid, VR::UI);
    d.set_int(Tag(0x0028, 0x0002), 1, VR::US);
    d.set_string(Tag(0x0028, 0x0004), "MONOCHROME2", VR::CS);
    if (frames) d.set_string(tags::NumberOfFrames, std::to_string(frames), VR::IS);
    d.set_int(Tag(0x0028, 0x0010), rows, VR::US);
    d.set_int(Tag(0x0028, 0x0011), cols, VR::US);
    d.set_int(Tag(0x0028, 0x0100), bits, VR::US);
    d.set_int(Tag(0x0028, 0x0101), bits, VR::US);
    d.set_int(Tag(0x0028, 0x0102), bits - 1, VR::US);
    d.set_int(Tag(0x0028, 0x0103), 0, VR::US);
    std::vector<uint8_t> px(pixel_bytes);
    for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t(i * 13);
    d.set_bytes(tags::PixelData, bits > 8 ? VR::OW : VR::OB, Bytes(std::move(px)));
    return f;
}

std::string save(const Tmp &t, const std::string &name, const DicomFile &f) {
    const std::string p = t.path + "/" + name;
    WriteOptions o;
    o.atomic = false;
    o.fsync = false;
    write_file(p, f, o);
    return p;
}

/// Replaces the first `from` in the file's bytes by `to` (same length).
void patch(const std::string &path, const std::string &from, const std::string &to) {
    ASSERT_EQ(from.size(), to.size());
    std::string b = slurp(path);
    const size_t at = b.find(from);
    ASSERT_NE(at, std::string::npos);
    b.replace(at, from.size(), to);
    spit(path, b);
}

}  // namespace

TEST(StorableUid, DigitsAndDotsOfAtMost64) {
    for (const char *ok : {"1.2.840.10008.1.2", "2.25.123456789012345678901234567890", "1.2.04.5", "9"})
        EXPECT_TRUE(net::is_storable_uid(ok)) << ok;
    std::string why;
    for (const char *bad : {"", "../x", "/abs", "1..2", "1.2.", ".1.2", "1.2.3a", "1.2 3", "1.2/3"}) {
        EXPECT_FALSE(net::is_storable_uid(bad, &why)) << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
    const std::string u64 = "1.2." + std::string(60, '7'), u65 = u64 + "7";
    ASSERT_EQ(u64.size(), 64u);
    EXPECT_TRUE(net::is_storable_uid(u64));
    EXPECT_FALSE(net::is_storable_uid(u65, &why));
    EXPECT_EQ(why, "longer than 64 characters");
}

TEST(ErrorComment, IsAnLoOfAtMost64Characters) {
    Dataset rsp;
    net::dimse::set_error_comment(rsp, "");
    EXPECT_FALSE(rsp.contains(net::dimse::tag::ErrorComment));
    net::dimse::set_error_comment(rsp, std::string(100, 'a'));
    EXPECT_EQ(net::dimse::error_comment(rsp), std::string(64, 'a'));
    // PS3.5 6.2: no backslash (a value separator) nor control characters in LO.
    net::dimse::set_error_comment(rsp, "a\\b\nc\td ");
    EXPECT_EQ(net::dimse::error_comment(rsp), "a b c d");
    EXPECT_EQ(rsp.find(net::dimse::tag::ErrorComment)->vr, VR::LO);
}

TEST(CheckReceivedFile, CompleteNativeImagePasses) {
    Tmp t;
    const std::string p = save(t, "ok.dcm", image(8, 8, 16, 128));
    const net::StoreCheck c = net::check_received_file(p, kCt, kUid);
    EXPECT_TRUE(c.ok()) << c.comment;
    // Several frames, and an odd total padded to even (3 x 3 x 8 bits = 9 bytes, sent as 10).
    EXPECT_TRUE(net::check_received_file(save(t, "mf.dcm", image(4, 4, 16, 96, 3)), kCt, kUid).ok());
    EXPECT_TRUE(net::check_received_file(save(t, "odd.dcm", image(3, 3, 8, 10)), kCt, kUid).ok());
    // Without the attributes that give its size, a Pixel Data value cannot be called short.
    DicomFile no_rows = image(8, 8, 16, 128);
    no_rows.dataset.remove(Tag(0x0028, 0x0010));
    EXPECT_TRUE(net::check_received_file(save(t, "norows.dcm", no_rows), kCt, kUid).ok());
}

TEST(CheckReceivedFile, ShortNativePixelDataIsRefused) {
    Tmp t;
    net::StoreCheck c = net::check_received_file(save(t, "short.dcm", image(8, 8, 16, 100)), kCt, kUid);
    EXPECT_EQ(c.status, net::dimse::status::CannotUnderstand);
    EXPECT_EQ(c.comment, "Pixel Data has 100 bytes of 128 needed");
    // 3 frames of 4 x 4 x 16 bits: 96 bytes; two frames' worth is short.
    c = net::check_received_file(save(t, "frames.dcm", image(4, 4, 16, 64, 3)), kCt, kUid);
    EXPECT_EQ(c.comment, "Pixel Data has 64 bytes of 96 needed");
}

TEST(CheckReceivedFile, FileCutInsidePixelDataIsRefusedWithoutItsPath) {
    Tmp t;
    const std::string p = save(t, "cut.dcm", image(8, 8, 16, 128));
    std::string b = slurp(p);
    b.resize(b.size() - 20);
    spit(p, b);
    const net::StoreCheck c = net::check_received_file(p, kCt, kUid);
    EXPECT_EQ(c.status, net::dimse::status::CannotUnderstand);
    EXPECT_EQ(c.comment.rfind("Pixel Data: ", 0), 0u) << c.comment;
    EXPECT_EQ(c.comment.find(t.path), std::string::npos) << c.comment;
}

TEST(CheckReceivedFile, PixelEncodingMustMatchTheTransferSyntax) {
    Tmp t;
    // Encapsulated Pixel Data (a Basic Offset Table and one fragment) written as RLE, then its meta
    // information patched to say Explicit VR Little Endian (both UIDs have 19 characters).
    DicomFile enc = image(8, 8, 16, 0);
    Element px(tags::PixelData, VR::OB);
    px.undefined_length = true;
    px.fragments = {Bytes(std::vector<uint8_t>{}), Bytes(std::vector<uint8_t>(64, 0))};
    enc.dataset.set(px);
    enc.transfer_syntax = "1.2.840.10008.1.2.5";
    const std::string p = save(t, "enc.dcm", enc);
    EXPECT_TRUE(net::check_received_file(p, kCt, kUid).ok()) << net::check_received_file(p, kCt, kUid).comment;
    patch(p, std::string("1.2.840.10008.1.2.5\0", 20), std::string("1.2.840.10008.1.2.1\0", 20));
    net::StoreCheck c = net::check_received_file(p, kCt, kUid);
    EXPECT_EQ(c.status, net::dimse::status::CannotUnderstand);
    EXPECT_EQ(c.comment, "encapsulated Pixel Data in a native transfer syntax");
    // And native Pixel Data under an encapsulated syntax's UID.
    const std::string q = save(t, "native.dcm", image(8, 8, 16, 128));
    patch(q, std::string("1.2.840.10008.1.2.1\0", 20), std::string("1.2.840.10008.1.2.5\0", 20));
    c = net::check_received_file(q, kCt, kUid);
    EXPECT_EQ(c.status, net::dimse::status::CannotUnderstand);
    EXPECT_EQ(c.comment, "native Pixel Data in an encapsulated transfer syntax");
}

TEST(CheckReceivedFile, AnotherInstanceOrClassIsA900) {
    Tmp t;
    const std::string p = save(t, "ok.dcm", image(8, 8, 16, 128));
    net::StoreCheck c = net::check_received_file(p, kCt, "1.2.3");
    EXPECT_EQ(c.status, net::dimse::status::DataSetDoesNotMatchSOPClass);
    EXPECT_EQ(c.comment, "dataset SOP Instance UID differs from Affected SOP Instance UID");
    c = net::check_received_file(p, "1.2.840.10008.5.1.4.1.1.4", kUid);
    EXPECT_EQ(c.status, net::dimse::status::DataSetDoesNotMatchSOPClass);
    EXPECT_EQ(c.comment, "dataset SOP Class UID differs from Affected SOP Class UID");
    // Empty expectations are not checked (re-indexing knows the instance from the file name only).
    EXPECT_TRUE(net::check_received_file(p, "", kUid).ok());
}

TEST(StorageFolderPartialFiles, RemovedAtStartOthersKept) {
    Tmp t;
    net::StorageFolder folder(t.path, net::StorageFolder::Durability::none);
    spit(t.path + "/.incoming-abc123", "partial");
    spit(t.path + "/.incoming-XYZ789", "partial");
    spit(t.path + "/1.2.3.dcm", "kept");
    spit(t.path + "/.hidden", "kept");
    EXPECT_EQ(folder.remove_partial_files(), 2u);
    EXPECT_NE(::access((t.path + "/1.2.3.dcm").c_str(), F_OK), -1);
    EXPECT_NE(::access((t.path + "/.hidden").c_str(), F_OK), -1);
    EXPECT_EQ(::access((t.path + "/.incoming-abc123").c_str(), F_OK), -1);
    EXPECT_EQ(folder.path_for("1.2.3"), t.path + "/1.2.3.dcm");
}
