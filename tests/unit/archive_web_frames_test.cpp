// WADO-RS frames and rendered studies/series in-process (archive_web.h): the parts sent for each
// Accept, frames as stored, an RLE frame against PS3.5 Annex G's encoding, and the order and choice
// of the images of a rendered study, series and thumbnail (through a renderer that names what it drew).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/archive_server.h"
#include "dcmkit/archive_web.h"
#include "dcmkit/file.h"
#include "dcmkit/services/multipart.h"
#include "web_fetch.h"

namespace archive = dcmkit::archive;
namespace http = dcmkit::http;
using dcmkit::Dataset;
using dcmkit::Tag;
using dcmkit::VR;

namespace {

using Reply = dk_test::WebResponse;

/// One HTTP/1.1 GET (Connection: close) to 127.0.0.1:port, bounded by 10 s.
Reply get(uint16_t port, const std::string &path, const std::string &accept = {}) {
    return dk_test::http_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                                            (accept.empty() ? "" : "Accept: " + accept + "\r\n") + "\r\n");
}

const std::string kStudy = "1.2.3.9", kSeries1 = "1.2.3.9.1", kSeries2 = "1.2.3.9.2";

class WebFrames : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/dcmkit-web-frames-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        index = archive::open_storage(dir);
        // Series 2 (Series Number 1) is indexed after series 1 (Series Number 2); instance numbers
        // out of index order; a document without pixel data in series 1.
        add("s1i2", kSeries1, 2, 2, 1, 10);
        add("s1i1", kSeries1, 2, 1, 1, 20);
        add("doc", kSeries1, 2, 3, 0, 0);
        add("s2i1", kSeries2, 1, 1, 3, 30);  // 3 frames
        archive::WebOptions o;
        o.temp_folder = dir + "/files";
        o.render = [](const dcmkit::DicomFile &f, const archive::RenderRequest &r) {
            return f.dataset.get_string_or(Tag(0x0008, 0x0018), "") + "#" + std::to_string(r.frame) + " " +
                   r.media_type + " " + std::to_string(r.viewport_width) + "x" + std::to_string(r.viewport_height);
        };
        server = std::make_unique<archive::WebServer>(index, o);
        server->start("127.0.0.1", 0);
        port = server->port();
        ASSERT_NE(port, 0);
    }
    void TearDown() override {
        if (server) server->stop();
        server.reset();
        index.reset();
        if (!dir.empty()) std::system(("rm -rf '" + dir + "'").c_str());
    }
    /// An 8x2 8-bit instance with `frames` frames, frame k filled with value + k (none: no pixel data).
    void add(const std::string &sop, const std::string &series, int series_number, int instance_number,
             int frames, int value) {
        dcmkit::DicomFile f;
        f.transfer_syntax = "1.2.840.10008.1.2.1";
        Dataset &ds = f.dataset;
        ds.set_string(Tag(0x0008, 0x0016), frames ? "1.2.840.10008.5.1.4.1.1.7" : "1.2.840.10008.5.1.4.1.1.88.11", VR::UI);
        ds.set_string(Tag(0x0008, 0x0018), sop, VR::UI);
        ds.set_string(Tag(0x0020, 0x000D), kStudy, VR::UI);
        ds.set_string(Tag(0x0020, 0x000E), series, VR::UI);
        ds.set_string(Tag(0x0010, 0x0020), "P", VR::LO);
        ds.set_int(Tag(0x0020, 0x0011), series_number, VR::IS);
        ds.set_int(Tag(0x0020, 0x0013), instance_number, VR::IS);
        if (frames) {
            ds.set_int(Tag(0x0028, 0x0002), 1, VR::US);
            ds.set_string(Tag(0x0028, 0x0004), "MONOCHROME2", VR::CS);
            if (frames > 1) ds.set_int(Tag(0x0028, 0x0008), frames, VR::IS);
            ds.set_int(Tag(0x0028, 0x0010), 2, VR::US);
            ds.set_int(Tag(0x0028, 0x0011), 8, VR::US);
            ds.set_int(Tag(0x0028, 0x0100), 8, VR::US);
            ds.set_int(Tag(0x0028, 0x0101), 8, VR::US);
            ds.set_int(Tag(0x0028, 0x0102), 7, VR::US);
            ds.set_int(Tag(0x0028, 0x0103), 0, VR::US);
            std::vector<uint8_t> px;
            for (int k = 0; k < frames; ++k) px.insert(px.end(), 16, uint8_t(value + k));
            ds.set_bytes(Tag(0x7FE0, 0x0010), VR::OB, dcmkit::Bytes(std::move(px)));
        }
        const std::string path = dir + "/" + sop + ".dcm";
        dcmkit::write_file(path, f);
        index->add(archive::InstanceRecord{ds, path, 0, f.transfer_syntax, std::string(64, '0')});
    }
    std::string frames(const std::string &series, const std::string &sop, const std::string &list) {
        return "/dicomweb/studies/" + kStudy + "/series/" + series + "/instances/" + sop + "/frames/" + list;
    }
    std::string dir;
    std::shared_ptr<archive::SqliteIndex> index;
    std::unique_ptr<archive::WebServer> server;
    uint16_t port = 0;
};

}  // namespace

TEST_F(WebFrames, FramesInTheAskedMediaType) {
    // Native frames as stored: the bytes of frames 3 and 1, in that order.
    Reply r = get(port, frames(kSeries2, "s2i1", "3,1"), "multipart/related; type=\"*\"; transfer-syntax=*");
    ASSERT_EQ(r.status, 200) << r.body;
    auto parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].first["content-type"], "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1");
    EXPECT_EQ(parts[0].second, std::string(16, char(32)));
    EXPECT_EQ(parts[1].second, std::string(16, char(30)));
    // RLE (PS3.5 Annex G): a 64-byte header naming one segment at offset 64, then each row of eight
    // equal bytes as one replicate run (-7, value).
    r = get(port, frames(kSeries2, "s2i1", "2"), "multipart/related; type=\"image/dicom-rle\"");
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], "image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5");
    std::string want(64, '\0');
    want[0] = 1;
    want[4] = 64;
    want += "\xF9\x1F\xF9\x1F";
    EXPECT_EQ(parts[0].second, want);
    // One frame, one media type alone: a single-part response.
    r = get(port, frames(kSeries2, "s2i1", "2"), "image/dicom-rle");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5");
    EXPECT_EQ(r.body, want);
    // Refusals: no such media type, a syntax not of the media type, several frames in one part,
    // JPEG 2000 Part 2; frame 0, a frame past the end, a document's frames.
    EXPECT_EQ(get(port, frames(kSeries2, "s2i1", "1"), "multipart/related; type=\"image/gif\"").status, 406);
    r = get(port, frames(kSeries2, "s2i1", "1"), "multipart/related; type=\"image/jp2\"; transfer-syntax=1.2.840.10008.1.2.5");
    EXPECT_EQ(r.status, 406);
    EXPECT_NE(r.body.find("not one of image/jp2"), std::string::npos) << r.body;
    EXPECT_EQ(get(port, frames(kSeries2, "s2i1", "1,2"), "image/dicom-rle").status, 406);
    EXPECT_EQ(get(port, frames(kSeries2, "s2i1", "1"), "multipart/related; type=\"image/jpx\"").status, 406);
    EXPECT_EQ(get(port, frames(kSeries2, "s2i1", "0"), "multipart/related; type=\"image/dicom-rle\"").status, 400);
    EXPECT_EQ(get(port, frames(kSeries2, "s2i1", "4"), "multipart/related; type=\"image/dicom-rle\"").status, 404);
    EXPECT_EQ(get(port, frames(kSeries1, "doc", "1")).status, 404);
}

TEST_F(WebFrames, RenderedStudySeriesAndThumbnails) {
    // The study: Series Number 1 first (its three frames), then series 2's instances by Instance
    // Number; the document is left out.
    Reply r = get(port, "/dicomweb/studies/" + kStudy + "/rendered?viewport=64,32", "image/png");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"].rfind("multipart/related; type=\"image/png\"", 0), 0u);
    auto parts = dk_test::web_parts(r);
    std::vector<std::string> got;
    for (const auto &p : parts) {
        EXPECT_EQ(p.first.at("content-type"), "image/png");
        got.push_back(p.second);
    }
    const std::vector<std::string> want = {"s2i1#0 image/png 64x32", "s2i1#1 image/png 64x32", "s2i1#2 image/png 64x32",
                                           "s1i1#0 image/png 64x32", "s1i2#0 image/png 64x32"};
    EXPECT_EQ(got, want);
    r = get(port, "/dicomweb/studies/" + kStudy + "/series/" + kSeries1 + "/rendered",
            "multipart/related; type=\"image/jpeg\"");
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].second, "s1i1#0 image/jpeg 0x0");
    EXPECT_EQ(parts[1].second, "s1i2#0 image/jpeg 0x0");
    // Thumbnails: one image, the middle image's middle frame, 128x128 unless a viewport is given.
    r = get(port, "/dicomweb/studies/" + kStudy + "/thumbnail");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "image/jpeg");
    EXPECT_EQ(r.body, "s1i1#0 image/jpeg 128x128");
    r = get(port, "/dicomweb/studies/" + kStudy + "/series/" + kSeries2 + "/thumbnail?viewport=10,10");
    EXPECT_EQ(r.body, "s2i1#1 image/jpeg 10x10");
    // Errors: a bad parameter, an unacceptable type, no such study.
    EXPECT_EQ(get(port, "/dicomweb/studies/" + kStudy + "/rendered?quality=0").status, 400);
    EXPECT_EQ(get(port, "/dicomweb/studies/" + kStudy + "/rendered", "text/html").status, 406);
    EXPECT_EQ(get(port, "/dicomweb/studies/9.9.9/rendered").status, 404);
    EXPECT_EQ(get(port, "/dicomweb/studies/" + kStudy + "/rendered/x").status, 404);
}
