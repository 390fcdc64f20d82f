// DICOMweb over the archive's index in-process (archive_web.h): the http_port key, the conformance
// statement's web services, and the server's answers over HTTP/1.0 on 127.0.0.1 (QIDO-RS matching,
// limit/offset, fuzzymatching's Warning, STOW-RS bodies, the PS3.18 error statuses).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "dcmkit/archive_server.h"
#include "dcmkit/archive_web.h"
#include "dcmkit/error.h"
#include "dcmkit/services/conformance.h"
#include "web_fetch.h"

namespace archive = dcmkit::archive;
using dcmkit::Dataset;
using dcmkit::Tag;
using dcmkit::VR;

namespace {

using Reply = dk_test::WebResponse;

/// One HTTP/1.0 exchange with 127.0.0.1:port, bounded by 10 s.
Reply roundtrip(uint16_t port, const std::string &request) { return dk_test::http_exchange(port, request); }

std::string get(const std::string &path) { return "GET " + path + " HTTP/1.0\r\n\r\n"; }

std::string post(const std::string &path, const std::string &content_type, const std::string &body) {
    return "POST " + path + " HTTP/1.0\r\nContent-Type: " + content_type + "\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

class Web : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/dcmkit-web-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        index = archive::open_storage(dir);
        // Three studies the index holds (no files: QIDO answers from the index alone).
        for (int i = 1; i <= 3; ++i) {
            Dataset ds;
            ds.set_string(Tag(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.7", VR::UI);
            ds.set_string(Tag(0x0008, 0x0018), "1.2.3.4." + std::to_string(i) + ".1.1", VR::UI);
            ds.set_string(Tag(0x0020, 0x000D), "1.2.3.4." + std::to_string(i), VR::UI);
            ds.set_string(Tag(0x0020, 0x000E), "1.2.3.4." + std::to_string(i) + ".1", VR::UI);
            ds.set_string(Tag(0x0010, 0x0010), i == 3 ? "Roe^Richard" : "Doe^Jane" + std::to_string(i), VR::PN);
            ds.set_string(Tag(0x0010, 0x0020), "P" + std::to_string(i), VR::LO);
            ds.set_string(Tag(0x0008, 0x0020), "2024010" + std::to_string(i), VR::DA);
            ds.set_string(Tag(0x0008, 0x0060), "OT", VR::CS);
            index->add(archive::InstanceRecord{ds, dir + "/none.dcm", 0, "1.2.840.10008.1.2.1", std::string(64, '0')});
        }
        archive::WebOptions o;
        o.temp_folder = dir + "/files";
        o.max_part_size = 1 << 20;
        o.ingest = [this](const std::vector<std::string> &paths, const std::string &) {
            std::vector<archive::IngestResult> out;
            for (const std::string &path : paths) {
                ingested.push_back(path);
                std::remove(path.c_str());
                archive::IngestResult r;
                r.status = 0xC000;
                r.comment = "test";
                out.push_back(r);
            }
            return out;
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
    std::string dir;
    std::shared_ptr<archive::SqliteIndex> index;
    std::unique_ptr<archive::WebServer> server;
    uint16_t port = 0;
    std::vector<std::string> ingested;
};

size_t count(const std::string &s, const std::string &what) {
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

}  // namespace

TEST(WebConfig, HttpPortKey) {
    EXPECT_FALSE(archive::Config().http_port.has_value());
    archive::Config c = archive::Config::parse("http_port = 8080\n");
    ASSERT_TRUE(c.http_port.has_value());
    EXPECT_EQ(*c.http_port, 8080);
    c.load("http_port = no\n");
    EXPECT_FALSE(c.http_port.has_value());
    EXPECT_THROW(archive::Config::parse("http_port = 70000\n"), dcmkit::Error);
}

TEST(WebConfig, ConformanceStatementListsTheWebServices) {
    dcmkit::net::ConformanceProduct p;
    archive::describe_web(8042, true, p);
    ASSERT_TRUE(archive::web_available());
    const std::string md = dcmkit::net::conformance_statement_md(archive::Config().to_ae_config(), p);
    for (const char *s : {"Web services (DICOMweb, PS3.18)", "QIDO-RS", "WADO-RS", "STOW-RS", "WADO-URI", "port 8042",
                          "fuzzymatching"})
        EXPECT_NE(md.find(s), std::string::npos) << s;
}

TEST_F(Web, QidoMatchesLimitsAndStatesFuzzyMatching) {
    Reply r = roundtrip(port, get("/dicomweb/studies"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.head.find("Content-Type: application/dicom+json"), std::string::npos);
    EXPECT_EQ(count(r.body, "\"0020000D\""), 3u);
    r = roundtrip(port, get("/dicomweb/studies?PatientName=doe*"));
    EXPECT_EQ(count(r.body, "\"0020000D\""), 2u);
    r = roundtrip(port, get("/dicomweb/studies?00100020=P3"));
    EXPECT_EQ(count(r.body, "\"0020000D\""), 1u);
    EXPECT_NE(r.body.find("1.2.3.4.3"), std::string::npos);
    r = roundtrip(port, get("/dicomweb/studies?StudyDate=20240102-&limit=1&offset=1"));
    EXPECT_EQ(count(r.body, "\"0020000D\""), 1u);
    EXPECT_NE(r.body.find("20240103"), std::string::npos);
    r = roundtrip(port, get("/dicomweb/studies/1.2.3.4.2/series"));
    EXPECT_EQ(count(r.body, "\"0020000E\""), 1u);
    EXPECT_NE(r.body.find("/dicomweb/studies/1.2.3.4.2/series/1.2.3.4.2.1\""), std::string::npos);  // RetrieveURL
    r = roundtrip(port, get("/dicomweb/studies?PatientName=Doe&fuzzymatching=true"));
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.head.find("Warning: 299"), std::string::npos);
    EXPECT_EQ(r.body, "[]");
    EXPECT_EQ(roundtrip(port, get("/dicomweb/studies?Nonsense=1")).status, 400);
    EXPECT_EQ(roundtrip(port, get("/dicomweb/studies?limit=x")).status, 400);
    EXPECT_EQ(roundtrip(port, get("/dicomweb/nothing")).status, 404);
    EXPECT_EQ(roundtrip(port, get("/dicomweb/studies/9.9.9")).status, 404);
    EXPECT_EQ(roundtrip(port, "DELETE /dicomweb/studies HTTP/1.0\r\n\r\n").status, 405);
}

TEST_F(Web, StowRefusesBadBodiesAndHandsPartsToIngest) {
    const std::string mp = "multipart/related; type=\"application/dicom\"; boundary=X";
    // A good body: each part's file reaches ingest (which refuses it here: 409 with C000).
    Reply r = roundtrip(port, post("/dicomweb/studies", mp, "--X\r\n\r\nabc\r\n--X\r\nContent-Type: application/dicom\r\n\r\ndef\r\n--X--\r\n"));
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_NE(r.body.find("\"00081197\":{\"vr\":\"US\",\"Value\":[49152]}"), std::string::npos) << r.body;
    EXPECT_EQ(ingested.size(), 2u);
    // A part of another type is failed without reaching ingest.
    r = roundtrip(port, post("/dicomweb/studies", mp, "--X\r\nContent-Type: text/plain\r\n\r\nabc\r\n--X--\r\n"));
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(ingested.size(), 2u);
    // Truncated, no boundary, wrong type, huge headers, too large a part.
    r = roundtrip(port, post("/dicomweb/studies", mp, "--X\r\n\r\nabc"));
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("ends inside part 1"), std::string::npos);
    // A malformed body stores nothing, not even its complete parts.
    r = roundtrip(port, post("/dicomweb/studies", mp, "--X\r\n\r\nabc\r\n--X\r\n\r\ndef"));
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("nothing was stored"), std::string::npos);
    EXPECT_EQ(roundtrip(port, post("/dicomweb/studies", "multipart/related; type=application/dicom", "--X--")).status, 400);
    EXPECT_EQ(roundtrip(port, post("/dicomweb/studies", "application/dicom+json", "[]")).status, 415);
    EXPECT_EQ(roundtrip(port, post("/dicomweb/studies", mp, "--X\r\nA: " + std::string(20000, 'a') + "\r\n\r\nx\r\n--X--\r\n")).status, 413);
    r = roundtrip(port, post("/dicomweb/studies", mp, "--X\r\n\r\n" + std::string((1 << 20) + 10, 'z') + "\r\n--X--\r\n"));
    EXPECT_EQ(r.status, 409);
    EXPECT_NE(r.body.find("[42752]"), std::string::npos);  // A700: out of resources
    EXPECT_EQ(ingested.size(), 2u);
    EXPECT_EQ(roundtrip(port, post("/dicomweb/studies/x.y", mp, "--X--")).status, 400);
    // No temporary file is left behind.
    EXPECT_EQ(std::system(("test -z \"$(ls -A '" + dir + "/files')\"").c_str()), 0);
}
