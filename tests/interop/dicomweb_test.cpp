// DICOMweb (PS3.18) served by `dcmkit serve --http`: curl for the protocol's edge cases (status codes,
// Range, Accept, malformed multipart), Orthanc with its DICOMweb plugin as the client (QIDO, WADO-RS
// retrieve, STOW through its REST API), and the golden values from pydicom, which makes the files
// (and their frames), and DCMTK's dcmcjpls, which compresses one.
#include <gtest/gtest.h>


#include <algorithm>
#include <map>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/services/multipart.h"
#include "peer.h"
#include "web_fetch.h"
#include "web_study.h"

using namespace dcmkit;
using dk_test::Child;
using dk_test::TempDir;
using dk_test::WebResponse;
using dk_test::stow_body;
using dk_test::web_fetch;
using dk_test::web_parts;

namespace {

constexpr const char *kPython = "/usr/bin/python3";

// Two patients (tests/support/web_study.h): study A (CT, 3 single-frame 16-bit 64x48 instances and a
// 3-frame 32x32 secondary capture), study B (MR, one instance, compressed to JPEG-LS lossless by
// dcmcjpls below); each frame's raw little endian bytes as pydicom reads them in NAME.frameN.

using Instance = dk_test::WebInstance;

class DicomWeb : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"curl", "dcmcjpls", "dcmdump"})) GTEST_SKIP() << "curl or DCMTK not installed";
        std::string error;
        instances = dk_test::make_web_study(data, error);
        ASSERT_EQ(instances.size(), 5u) << error;
        // b1 stored JPEG-LS lossless, compressed by DCMTK.
        const std::string b1 = instances["b1"].path;
        ASSERT_EQ(dk_test::run({"dcmcjpls", b1, b1 + ".jls"}).status, 0);
        ::rename((b1 + ".jls").c_str(), b1.c_str());
        start();
    }
    void start() {
        http_port = 0;
        port = dk_test::start_server(server, [&](uint16_t p) {
            http_port = dk_test::pick_free_port();
            return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", archive, "--bind",
                                            "127.0.0.1", "--http", std::to_string(http_port)};
        }, tmp / "serve.log");
        ASSERT_NE(port, 0) << server.log();
        ASSERT_TRUE(dk_test::wait_until([&] { return dk_test::port_listening(http_port); }, 10000)) << server.log();
        base = "http://127.0.0.1:" + std::to_string(http_port) + "/dicomweb";
    }
    /// STOW-RS of every instance (a multipart body in a file).
    void store_all() {
        std::vector<std::string> files;
        for (const auto &kv : instances) files.push_back(kv.second.path);
        const WebResponse r = web_fetch(tmp, base + "/studies", dk_test::stow_args(tmp, files));
        ASSERT_EQ(r.status, 200) << r.body << server.log();
        const Dataset ds = from_json(r.body);
        std::set<std::string> referenced;
        for (const Dataset &item : ds.get_items(Tag(0x0008, 0x1199)))
            referenced.insert(item.get_string_or(Tag(0x0008, 0x1155), ""));
        std::set<std::string> want;
        for (const auto &kv : instances) want.insert(kv.second.sop);
        ASSERT_EQ(referenced, want);
        EXPECT_FALSE(ds.contains(Tag(0x0008, 0x1198)));
    }
    std::string files_count() const {
        return dk_test::tool({"sh", "-c", "ls -A '" + archive + "/files' | wc -l"});
    }
    std::string instance_url(const Instance &i) const {
        return base + "/studies/" + i.study + "/series/" + i.series + "/instances/" + i.sop;
    }

    TempDir tmp{"dcmkit-dicomweb"};
    std::string data = tmp.sub("data"), archive = tmp.sub("archive");
    std::map<std::string, Instance> instances;
    Child server;
    uint16_t port = 0, http_port = 0;
    std::string base;
};

}  // namespace

TEST_F(DicomWeb, StowThenQidoMatchesAsCFind) {
    store_all();
    WebResponse r = web_fetch(tmp, base + "/studies");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/dicom+json");
    // PN wildcard and case-insensitive PN matching, as the archive's C-FIND.
    r = web_fetch(tmp, base + "/studies?PatientName=doe*");
    ASSERT_EQ(r.status, 200);
    Dataset one = from_json(r.body);  // a one-object array is accepted (F.2.1)
    EXPECT_EQ(one.get_string_or(Tag(0x0020, 0x000D), ""), instances["a1"].study);
    EXPECT_EQ(one.get_string_or(Tag(0x0010, 0x0010), ""), "DOE^JANE");
    EXPECT_EQ(one.get_string_or(Tag(0x0020, 0x1208), ""), "4");  // NumberOfStudyRelatedInstances
    EXPECT_EQ(one.get_string_or(Tag(0x0008, 0x1190), ""), base + "/studies/" + instances["a1"].study);
    // By tag, date range, includefield, limit/offset.
    r = web_fetch(tmp, base + "/studies?00080020=20240101-20241231&includefield=00080050");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(from_json(r.body).get_string_or(Tag(0x0008, 0x0050), ""), "ACCA");
    r = web_fetch(tmp, base + "/studies/" + instances["a1"].study + "/series/" + instances["a1"].series + "/instances?limit=2");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '{') > 0, true);
    size_t objects = 0;
    for (size_t p = r.body.find("\"00080018\""); p != std::string::npos; p = r.body.find("\"00080018\"", p + 1)) ++objects;
    EXPECT_EQ(objects, 2u);
    r = web_fetch(tmp, base + "/studies/" + instances["a1"].study + "/series/" + instances["a1"].series + "/instances?offset=3");
    EXPECT_EQ(r.body, "[]");
    r = web_fetch(tmp, base + "/series?Modality=MR&includefield=all");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(from_json(r.body).get_string_or(Tag(0x0020, 0x000E), ""), instances["b1"].series);
    r = web_fetch(tmp, base + "/instances?SOPInstanceUID=" + instances["mf"].sop);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(from_json(r.body).get_string_or(Tag(0x0028, 0x0008), ""), "3");
    // fuzzymatching is stated honestly.
    r = web_fetch(tmp, base + "/studies?PatientName=DOE&fuzzymatching=true");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.headers["warning"].find("fuzzymatching"), std::string::npos);
    EXPECT_EQ(r.body, "[]");
    // Errors.
    EXPECT_EQ(web_fetch(tmp, base + "/studies?NoSuchKeyword=1").status, 400);
    EXPECT_EQ(web_fetch(tmp, base + "/studies?StudyDate=2024x").status, 400);
    EXPECT_EQ(web_fetch(tmp, base + "/studies?limit=-1").status, 400);
    EXPECT_EQ(web_fetch(tmp, base + "/studies", {"-H", "Accept: text/html"}).status, 406);
}

TEST_F(DicomWeb, WadoRsRetrievesStreamsTranscodesAndServesFrames) {
    store_all();
    const Instance &a1 = instances["a1"], &b1 = instances["b1"], &mf = instances["mf"];
    // As stored: the parts are the files, byte for byte.
    WebResponse r = web_fetch(tmp, base + "/studies/" + a1.study,
                      {"-H", "Accept: multipart/related; type=\"application/dicom\"; transfer-syntax=*"});
    ASSERT_EQ(r.status, 200) << r.body;
    auto parts = web_parts(r);
    ASSERT_EQ(parts.size(), 4u);
    std::set<std::string> got, want;
    for (const auto &p : parts) got.insert(p.second);
    for (const char *n : {"a1", "a2", "a3", "mf"}) want.insert(dk_test::read_bytes(instances[n].path));
    EXPECT_TRUE(got == want);
    // The JPEG-LS instance, asked for in Explicit VR Little Endian: decoded to pydicom's pixels.
    r = web_fetch(tmp, instance_url(b1),
             {"-H", "Accept: multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1"});
    ASSERT_EQ(r.status, 200) << r.body;
    parts = web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_NE(parts[0].first["content-type"].find("1.2.840.10008.1.2.1"), std::string::npos);
    const DicomFile decoded = read_memory(reinterpret_cast<const uint8_t *>(parts[0].second.data()), parts[0].second.size());
    EXPECT_EQ(decoded.transfer_syntax, "1.2.840.10008.1.2.1");
    EXPECT_EQ(std::string(decoded.dataset.find(Tag(0x7FE0, 0x0010))->value.str()),
              dk_test::read_bytes(data + "/b1.frame1"));
    // ...and as stored, still JPEG-LS.
    r = web_fetch(tmp, instance_url(b1), {"-H", "Accept: multipart/related; type=application/dicom; transfer-syntax=*"});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(web_parts(r).at(0).second, dk_test::read_bytes(b1.path));
    // Frames, decoded: pydicom's frame 3 and 1 of the multi-frame instance, and b1's only frame.
    r = web_fetch(tmp, instance_url(mf) + "/frames/3,1");
    ASSERT_EQ(r.status, 200) << r.body;
    parts = web_parts(r);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].second, dk_test::read_bytes(data + "/mf.frame3"));
    EXPECT_EQ(parts[1].second, dk_test::read_bytes(data + "/mf.frame1"));
    r = web_fetch(tmp, instance_url(b1) + "/frames/1");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(web_parts(r).at(0).second, dk_test::read_bytes(data + "/b1.frame1"));
    // Errors PS3.18 defines, each with a reason.
    r = web_fetch(tmp, instance_url(mf) + "/frames/4");
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("frame 4"), std::string::npos);
    EXPECT_EQ(web_fetch(tmp, instance_url(mf) + "/frames/0,x").status, 400);
    EXPECT_EQ(web_fetch(tmp, base + "/studies/1.2.3.4").status, 404);
    EXPECT_EQ(web_fetch(tmp, base + "/studies/" + a1.study, {"-H", "Accept: text/html"}).status, 406);
    EXPECT_EQ(web_fetch(tmp, instance_url(b1), {"-H", "Accept: multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.3"}).status, 406);
}

TEST_F(DicomWeb, WadoRsMixesStoredAndTranscodedPartsAndOutlivesAClientThatLeaves) {
    // a2 stored in Implicit VR Little Endian by DCMTK's dcmconv: a study asked for in Explicit VR
    // Little Endian has three parts sent as stored (from the page cache) and a2's transcoded.
    const Instance &a1 = instances["a1"], &a2 = instances["a2"];
    ASSERT_EQ(dk_test::run({"dcmconv", "+ti", a2.path, a2.path + ".ti"}).status, 0);
    ::rename((a2.path + ".ti").c_str(), a2.path.c_str());
    store_all();
    const std::string explicit_le = "1.2.840.10008.1.2.1";
    WebResponse r = web_fetch(tmp, base + "/studies/" + a1.study,
                       {"-H", "Accept: multipart/related; type=\"application/dicom\"; transfer-syntax=" + explicit_le});
    ASSERT_EQ(r.status, 200) << r.body;  // curl decodes the chunked body, or fails on bad framing
    const auto parts = web_parts(r);
    ASSERT_EQ(parts.size(), 4u);
    std::set<std::string> as_stored;
    for (const char *n : {"a1", "a3", "mf"}) as_stored.insert(dk_test::read_bytes(instances[n].path));
    size_t stored = 0, transcoded = 0;
    for (const auto &p : parts) {
        EXPECT_EQ(p.first.at("content-type"), "application/dicom; transfer-syntax=" + explicit_le);
        if (as_stored.count(p.second)) {
            ++stored;
            continue;
        }
        const DicomFile f = read_memory(reinterpret_cast<const uint8_t *>(p.second.data()), p.second.size());
        EXPECT_EQ(f.transfer_syntax, explicit_le);
        EXPECT_EQ(f.dataset.get_string_or(Tag(0x0008, 0x0018), ""), a2.sop);
        EXPECT_EQ(std::string(f.dataset.find(Tag(0x7FE0, 0x0010))->value.str()), dk_test::read_bytes(data + "/a2.frame1"));
        ++transcoded;
    }
    EXPECT_EQ(stored, 3u);
    EXPECT_EQ(transcoded, 1u);

    // A client that reads a little of a response and resets the connection (a small receive
    // buffer, so that the server is still sending): the server goes on answering.
    for (int attempt = 0; attempt < 3; ++attempt) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        ASSERT_GE(fd, 0);
        const int small = 2048;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(http_port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
        const std::string req = "GET /dicomweb/studies/" + a1.study + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Accept: multipart/related; type=\"application/dicom\"; transfer-syntax=*\r\n\r\n";
        ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), ssize_t(req.size()));
        char buf[512];
        EXPECT_GT(::recv(fd, buf, sizeof buf, 0), 0);
        const linger reset{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::close(fd);
    }
    r = web_fetch(tmp, base + "/studies/" + a1.study,
              {"-H", "Accept: multipart/related; type=\"application/dicom\"; transfer-syntax=*"});
    ASSERT_EQ(r.status, 200) << server.log();
    EXPECT_EQ(web_parts(r).size(), 4u);
    EXPECT_TRUE(server.running());
}

TEST_F(DicomWeb, MetadataBulkDataRangeRenderedAndWadoUri) {
    store_all();
    const Instance &a2 = instances["a2"];
    WebResponse r = web_fetch(tmp, instance_url(a2) + "/metadata");
    ASSERT_EQ(r.status, 200) << r.body;
    // Pixel data (6144 bytes) is a BulkDataURI; the rest as dcmdump reads it.
    const std::string uri = instance_url(a2) + "/bulkdata/7FE00010";
    EXPECT_NE(r.body.find("\"BulkDataURI\":\"" + uri + "\""), std::string::npos);
    const std::string dump = dk_test::tool({"dcmdump", "+P", "0010,0010", a2.path});
    EXPECT_NE(dump.find("[DOE^JANE]"), std::string::npos);
    EXPECT_NE(r.body.find("\"Alphabetic\":\"DOE^JANE\""), std::string::npos);
    const std::string pixels = dk_test::read_bytes(data + "/a2.frame1");
    r = web_fetch(tmp, uri, {"-H", "Accept: application/octet-stream"});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, pixels);
    r = web_fetch(tmp, uri, {"-H", "Range: bytes=100-199"});
    ASSERT_EQ(r.status, 206);
    EXPECT_EQ(r.body, pixels.substr(100, 100));
    EXPECT_EQ(r.headers["content-range"], "bytes 100-199/" + std::to_string(pixels.size()));
    r = web_fetch(tmp, uri, {"-H", "Range: bytes=-10"});
    ASSERT_EQ(r.status, 206);
    EXPECT_EQ(r.body, pixels.substr(pixels.size() - 10));
    r = web_fetch(tmp, uri, {"-H", "Range: bytes=" + std::to_string(pixels.size()) + "-"});
    EXPECT_EQ(r.status, 416);
    EXPECT_EQ(r.headers["content-range"], "bytes */" + std::to_string(pixels.size()));
    // Rendered: a JPEG of the viewport's size (64x48 fitted into 32x32 -> 32x24), a PNG on request.
    r = web_fetch(tmp, instance_url(a2) + "/rendered?viewport=32,32&quality=80", {"-H", "Accept: image/jpeg"});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "image/jpeg");
    dk_test::write_bytes(tmp / "r.jpg", r.body);
    EXPECT_NE(dk_test::tool({"file", tmp / "r.jpg"}).find("32x24"), std::string::npos);
    r = web_fetch(tmp, instance_url(a2) + "/rendered", {"-H", "Accept: image/png"});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body.substr(1, 3), "PNG");
    r = web_fetch(tmp, instance_url(a2) + "/thumbnail");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "image/jpeg");
    EXPECT_EQ(web_fetch(tmp, instance_url(a2) + "/rendered?window=abc").status, 400);
    // WADO-URI: the file as stored, or a JPEG.
    const std::string q = "?requestType=WADO&studyUID=" + a2.study + "&seriesUID=" + a2.series + "&objectUID=" + a2.sop;
    r = web_fetch(tmp, base + "/wado" + q + "&contentType=application/dicom");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, dk_test::read_bytes(a2.path));
    r = web_fetch(tmp, "http://127.0.0.1:" + std::to_string(http_port) + "/wado" + q);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "image/jpeg");
    EXPECT_EQ(web_fetch(tmp, base + "/wado?requestType=WADO&studyUID=1").status, 400);
    EXPECT_EQ(web_fetch(tmp, base + "/wado?requestType=WADO&studyUID=1&seriesUID=2&objectUID=3").status, 404);
}

TEST_F(DicomWeb, BadStowBodiesStoreNothing) {
    const std::string ct = "Content-Type: multipart/related; type=\"application/dicom\"; boundary=BND";
    auto post = [&](const std::string &body, const std::string &content_type) {
        dk_test::write_bytes(tmp / "bad.body", body);
        return web_fetch(tmp, base + "/studies", {"-X", "POST", "-H", content_type, "--data-binary", "@" + tmp / "bad.body"});
    };
    const std::string a1 = dk_test::read_bytes(instances["a1"].path);
    // Garbage: 409, Failure Reason C000 (cannot understand) for the part.
    WebResponse r = post(stow_body({"not DICOM at all"}), ct);
    ASSERT_EQ(r.status, 409) << r.body;
    const Dataset ds = from_json(r.body);
    ASSERT_EQ(ds.get_items(Tag(0x0008, 0x1198)).size(), 1u);
    EXPECT_EQ(ds.get_items(Tag(0x0008, 0x1198))[0].get_int(Tag(0x0008, 0x1197)), 0xC000);
    // A dataset cut short (the first 2000 bytes of a file): 409, not stored.
    r = post(stow_body({a1.substr(0, 2000)}), ct);
    EXPECT_EQ(r.status, 409) << r.body;
    // Truncated multipart (no closing delimiter), in the middle of a whole instance: 400.
    r = post("--BND\r\nContent-Type: application/dicom\r\n\r\n" + a1, ct);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("ends inside part"), std::string::npos);
    // Huge part headers: 413; no boundary: 400; another media type: 415.
    EXPECT_EQ(post("--BND\r\nX-Big: " + std::string(40000, 'x') + "\r\n\r\n" + a1 + "\r\n--BND--\r\n", ct).status, 413);
    EXPECT_EQ(post(stow_body({a1}), "Content-Type: multipart/related; type=\"application/dicom\"").status, 400);
    EXPECT_EQ(post(stow_body({a1}), "Content-Type: application/octet-stream").status, 415);
    // A study's resource refuses another study's instance (A900) and stores nothing.
    r = web_fetch(tmp, base + "/studies/" + instances["b1"].study,
             {"-X", "POST", "-H", "Content-Type: multipart/related; type=application/dicom; boundary=BND", "--data-binary",
              "@" + (dk_test::write_bytes(tmp / "other.body", stow_body({a1})), tmp / "other.body")});
    ASSERT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(from_json(r.body).get_items(Tag(0x0008, 0x1198)).at(0).get_int(Tag(0x0008, 0x1197)), 0xA900);
    // Nothing reached the archive: no file, no temporary file, no index entry.
    EXPECT_EQ(files_count(), "0\n");
    EXPECT_EQ(web_fetch(tmp, base + "/studies").body, "[]");
    // A good one with a garbage one: 202, one of each.
    r = post(stow_body({a1, "garbage"}), ct);
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(files_count(), "1\n");
}

TEST_F(DicomWeb, StowOfDicomJsonWithBulkDataParts) {
    // pydicom writes a2 as DICOM JSON, its Pixel Data as a BulkDataURI; the body carries the JSON
    // and the pixel bytes in a part with that Content-Location.
    const char *script = R"PY(
import sys, json, pydicom
ds = pydicom.dcmread(sys.argv[1])
ds.SOPInstanceUID = pydicom.uid.generate_uid()
def bulk(elem):
    return 'http://client/bulk/' + ('%08X' % elem.tag)
obj = ds.to_json_dict(bulk_data_threshold=1024, bulk_data_element_handler=bulk)
px = ds.PixelData
body = b'--J\r\nContent-Type: application/dicom+json\r\n\r\n' + json.dumps([obj]).encode()
body += b'\r\n--J\r\nContent-Type: application/octet-stream\r\nContent-Location: http://client/bulk/7FE00010\r\n\r\n' + px
body += b'\r\n--J--\r\n'
open(sys.argv[2], 'wb').write(body)
print(ds.SOPInstanceUID)
)PY";
    const dk_test::ProcResult made = dk_test::run({kPython, "-c", script, instances["a2"].path, tmp / "json.body"});
    ASSERT_EQ(made.status, 0) << made.all();
    const std::string uid = made.out.substr(0, made.out.find('\n'));
    WebResponse r = web_fetch(tmp, base + "/studies",
                       {"-X", "POST", "-H", "Content-Type: multipart/related; type=\"application/dicom+json\"; boundary=J",
                        "--data-binary", "@" + tmp / "json.body"});
    ASSERT_EQ(r.status, 200) << r.body << server.log();
    EXPECT_EQ(from_json(r.body).get_items(Tag(0x0008, 0x1199)).at(0).get_string_or(Tag(0x0008, 0x1155), ""), uid);
    const Instance &a2 = instances["a2"];
    r = web_fetch(tmp, base + "/studies/" + a2.study + "/series/" + a2.series + "/instances/" + uid + "/frames/1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(web_parts(r).at(0).second, dk_test::read_bytes(data + "/a2.frame1"));
    r = web_fetch(tmp, base + "/instances?SOPInstanceUID=" + uid + "&includefield=PatientName");
    EXPECT_NE(r.body.find("DOE^JANE"), std::string::npos) << r.body;
    // A BulkDataURI no part carries: the dataset fails (409), nothing stored.
    std::string body = dk_test::read_bytes(tmp / "json.body");
    body.replace(body.find("Content-Location: http://client/bulk/7FE00010"), 45, "Content-Location: http://client/bulk/other000");
    dk_test::write_bytes(tmp / "json2.body", body);
    r = web_fetch(tmp, base + "/studies",
              {"-X", "POST", "-H", "Content-Type: multipart/related; type=\"application/dicom+json\"; boundary=J",
               "--data-binary", "@" + tmp / "json2.body"});
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(files_count(), "1\n");
}

TEST_F(DicomWeb, OrthancDicomWebClientSearchesRetrievesAndStores) {
    if (!dk_test::have_orthanc()) GTEST_SKIP() << "Orthanc or its DICOMweb plugin not installed";
    // Store a, not b1: Orthanc will STOW b1 to us.
    std::vector<std::string> files;
    for (const char *n : {"a1", "a2", "a3", "mf"}) files.push_back(instances[n].path);
    ASSERT_EQ(web_fetch(tmp, base + "/studies", dk_test::stow_args(tmp, files)).status, 200);
    Child orth;
    const uint16_t oport = dk_test::start_orthanc(orth, tmp.sub("orthanc"), "\"Servers\": {\"ours\": [\"" + base + "/\"]}");
    ASSERT_NE(oport, 0) << orth.log();
    const std::string o = "http://127.0.0.1:" + std::to_string(oport);
    auto post = [&](const std::string &path, const std::string &json) {
        return web_fetch(tmp, o + path, {"-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json});
    };
    // QIDO through Orthanc: our study, with pydicom's values.
    WebResponse r = post("/dicom-web/servers/ours/qido", "{\"Uri\": \"/studies\", \"Arguments\": {\"PatientName\": \"DOE*\"}}");
    ASSERT_EQ(r.status, 200) << r.body << orth.log();
    EXPECT_NE(r.body.find(instances["a1"].study), std::string::npos);
    EXPECT_NE(r.body.find("DOE^JANE"), std::string::npos);
    EXPECT_EQ(r.body.find(instances["b1"].study), std::string::npos);
    // WADO-RS retrieve of study A into Orthanc: its 4 instances, byte for byte the files' datasets.
    r = post("/dicom-web/servers/ours/retrieve", "{\"Resources\": [{\"Study\": \"" + instances["a1"].study + "\"}]}");
    ASSERT_EQ(r.status, 200) << r.body << orth.log();
    r = web_fetch(tmp, o + "/instances?expand");
    ASSERT_EQ(r.status, 200);
    for (const char *n : {"a1", "a2", "a3", "mf"}) EXPECT_NE(r.body.find(instances[n].sop), std::string::npos) << n;
    r = web_fetch(tmp, o + "/tools/lookup", {"-X", "POST", "--data-binary", instances["mf"].sop});
    const std::string mf_id = dk_test::orthanc_id(r.body);
    ASSERT_FALSE(mf_id.empty()) << r.body;
    r = web_fetch(tmp, o + "/instances/" + mf_id + "/file");
    ASSERT_EQ(r.status, 200);
    const DicomFile back = read_memory(reinterpret_cast<const uint8_t *>(r.body.data()), r.body.size());
    const DicomFile orig = read_file(instances["mf"].path);
    std::string why;
    EXPECT_TRUE(back.dataset.equals(orig.dataset, &why)) << why;
    // STOW from Orthanc: b1 uploaded to it, then sent to us; our QIDO then finds it.
    r = web_fetch(tmp, o + "/instances", {"-X", "POST", "--data-binary", "@" + instances["b1"].path});
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string b_id = dk_test::orthanc_id(r.body);
    r = post("/dicom-web/servers/ours/stow", "{\"Resources\": [\"" + b_id + "\"]}");
    ASSERT_EQ(r.status, 200) << r.body << orth.log() << server.log();
    r = web_fetch(tmp, base + "/instances?SOPInstanceUID=" + instances["b1"].sop);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(from_json(r.body).get_string_or(Tag(0x0008, 0x0016), ""), instances["b1"].cls);
    orth.stop();
}
