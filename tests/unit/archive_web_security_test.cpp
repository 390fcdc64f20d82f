// DICOMweb security on a WebServer of its own (archive_web.h): Basic credentials checked against a
// password file by the identity policy, the client handed to the access check and to on_event, and
// HTTPS through our TLS context, a client certificate (made by the openssl command) bound to an AE
// title, reached with our own TLS client.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "dcmkit/archive_identity.h"
#include "dcmkit/archive_server.h"
#include "dcmkit/archive_web.h"
#include "dcmkit/error.h"
#include "dcmkit/net/tls.h"
#include "peer.h"
#include "test_pki.h"
#include "web_fetch.h"

namespace archive = dcmkit::archive;
namespace net = dcmkit::net;

namespace {

using Reply = dk_test::WebResponse;

/// One HTTP/1.0 exchange over plain TCP with 127.0.0.1:port, bounded by 10 s.
Reply roundtrip(uint16_t port, const std::string &request) { return dk_test::http_exchange(port, request); }

/// The same over TLS with our client.
Reply tls_roundtrip(uint16_t port, const std::string &request, const net::TlsOptions &client) {
    auto t = net::tls_connect("127.0.0.1", port, 10000, client);
    t->write_all(reinterpret_cast<const uint8_t *>(request.data()), request.size(), 10000);
    std::string all;
    uint8_t buf[4096];
    try {
        for (size_t n; (n = t->read_some(buf, sizeof buf, 10000)) > 0;) all.append(reinterpret_cast<char *>(buf), n);
    } catch (const dcmkit::Error &) {  // the server closed the connection (HTTP/1.0)
    }
    return dk_test::parse_http_response(all);
}

std::string get(const std::string &path, const std::string &authorization = {}) {
    return "GET " + path + " HTTP/1.0\r\nHost: dicomweb.test\r\n" +
           (authorization.empty() ? std::string() : "Authorization: " + authorization + "\r\n") + "\r\n";
}

/// What the server told the callbacks.
struct Seen {
    std::mutex mu;
    std::vector<archive::WebClient> asked;  // permits()
    std::vector<std::pair<archive::WebEvent::Kind, archive::WebClient>> events;
    bool query_had_identifier = false;
};

class WebSecurityUnit : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/dcmkit-websec-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        index = archive::open_storage(dir);
    }
    void TearDown() override {
        if (server) server->stop();
        server.reset();
        index.reset();
        if (!dir.empty()) std::system(("rm -rf '" + dir + "'").c_str());
    }
    archive::WebOptions options() {
        archive::WebOptions o;
        o.threads = 2;
        o.permits = [this](const std::string &op, const archive::WebClient &c) {
            std::lock_guard<std::mutex> lock(seen.mu);
            seen.asked.push_back(c);
            return op == "find" && c.user != "mallory";
        };
        o.on_event = [this](const archive::WebEvent &e) {
            std::lock_guard<std::mutex> lock(seen.mu);
            seen.events.emplace_back(e.kind, e.client ? *e.client : archive::WebClient{});
            if (e.kind == archive::WebEvent::Kind::query && e.identifier && e.identifier->contains(dcmkit::Tag(0x0020, 0x000D)))
                seen.query_had_identifier = true;
        };
        o.log = [](net::LogLevel, const std::string &) {};
        return o;
    }
    void start(archive::WebOptions o) {
        server = std::make_unique<archive::WebServer>(index, std::move(o));
        server->start("127.0.0.1", 0);
        ASSERT_NE(server->port(), 0);
    }
    std::string dir;
    std::shared_ptr<archive::SqliteIndex> index;
    std::unique_ptr<archive::WebServer> server;
    Seen seen;
};

}  // namespace

TEST(WebSecurityBinding, TheFirstAeTitleWhoseIdentityTheCertificateMatches) {
    net::TlsPeerInfo p;
    p.has_certificate = true;
    p.common_name = "modality1";
    p.dns_names = {"modality1.example"};
    const std::map<std::string, std::vector<std::string>> bindings = {
        {"CT1", {"dns:ct.example"}}, {"MOD1", {"uri:urn:x", "dns:MODALITY1.example"}}, {"MOD2", {"cn:modality1"}}};
    EXPECT_EQ(net::tls_bound_ae_title(bindings, p), "MOD1");
    p.dns_names.clear();
    EXPECT_EQ(net::tls_bound_ae_title(bindings, p), "MOD2");
    p.has_certificate = false;
    EXPECT_EQ(net::tls_bound_ae_title(bindings, p), "");
}

TEST_F(WebSecurityUnit, BasicCredentialsAreCheckedByTheIdentityPolicy) {
    const std::string passwords = dir + "/passwd";
    archive::PasswordFile::set_user(passwords, "alice", "wonderland");
    archive::WebOptions o = options();
    o.identity.password_file = passwords;
    start(std::move(o));
    // "alice:wonderland" and "alice:wrong" in base64 (RFC 7617 2).
    Reply r = roundtrip(server->port(), get("/dicomweb/studies", "Basic YWxpY2U6d29uZGVybGFuZA=="));
    EXPECT_EQ(r.status, 200) << r.head << r.body;
    r = roundtrip(server->port(), get("/dicomweb/studies", "basic   YWxpY2U6d29uZGVybGFuZA=="));  // the scheme has no case
    EXPECT_EQ(r.status, 200) << r.head << r.body;
    r = roundtrip(server->port(), get("/dicomweb/studies", "Basic YWxpY2U6d3Jvbmc="));
    EXPECT_EQ(r.status, 401) << r.head;
    EXPECT_NE(r.head.find("WWW-Authenticate: Basic realm=\"DICOMweb\""), std::string::npos) << r.head;
    for (const char *bad : {"Basic !!!", "Basic YWxpY2U=", "Digest username=\"alice\"", "Bearer abc.def.ghi"}) {
        r = roundtrip(server->port(), get("/dicomweb/studies", bad));
        EXPECT_EQ(r.status, 401) << bad << "\n" << r.head;
    }
    // Without credentials (not required): no user.
    r = roundtrip(server->port(), get("/dicomweb/studies"));
    EXPECT_EQ(r.status, 200) << r.head << r.body;
    server->stop();
    std::lock_guard<std::mutex> lock(seen.mu);
    ASSERT_EQ(seen.asked.size(), 3u);
    EXPECT_EQ(seen.asked[0].user, "alice");
    EXPECT_EQ(seen.asked[0].address, "127.0.0.1");
    EXPECT_FALSE(seen.asked[0].secure);
    EXPECT_EQ(seen.asked[2].user, "");
    size_t failures = 0, queries = 0;
    for (const auto &[kind, client] : seen.events) {
        if (kind == archive::WebEvent::Kind::authentication_failed) ++failures;
        if (kind == archive::WebEvent::Kind::query) ++queries;
    }
    EXPECT_EQ(failures, 5u);
    EXPECT_EQ(queries, 3u);
    EXPECT_TRUE(seen.query_had_identifier);
    EXPECT_EQ(seen.events[2].second.claimed_user, "alice");  // the wrong password's
    EXPECT_EQ(seen.events[2].second.user, "");
}

TEST_F(WebSecurityUnit, RequiredIdentityRefusesAnonymousRequests) {
    const std::string passwords = dir + "/passwd";
    archive::PasswordFile::set_user(passwords, "mallory", "x", archive::PasswordScheme::pbkdf2_sha256);
    archive::WebOptions o = options();
    o.identity.password_file = passwords;
    o.identity.required = true;
    start(std::move(o));
    Reply r = roundtrip(server->port(), get("/dicomweb/studies"));
    EXPECT_EQ(r.status, 401) << r.head;
    r = roundtrip(server->port(), get("/dicomweb/studies", "Basic bWFsbG9yeTp4"));  // mallory:x, whom permits refuses
    EXPECT_EQ(r.status, 403) << r.head;
}

TEST_F(WebSecurityUnit, HttpsWithOurContextAndACertificateBoundToAnAeTitle) {
    if (!net::tls_available()) GTEST_SKIP() << "built without TLS";
    if (!dk_test::have_tools({"openssl"})) GTEST_SKIP() << "openssl not installed";
    static dk_test::Pki pki;
    archive::WebOptions o = options();
    net::TlsOptions tls;
    tls.certificate_file = pki.cert("server");
    tls.private_key_file = pki.key("server");
    tls.ca_files = {pki.ca};
    tls.ae_certificates = {{"MOD1", {"dns:modality1.example"}}};
    o.tls = tls;
    start(std::move(o));
    EXPECT_TRUE(server->secure());
    net::TlsOptions client;
    client.certificate_file = pki.cert("client");
    client.private_key_file = pki.key("client");
    client.ca_files = {pki.ca};
    Reply r = tls_roundtrip(server->port(), get("/dicomweb/studies?PatientID=X"), client);
    EXPECT_EQ(r.status, 200) << r.head << r.body;
    // A client without a certificate is refused at the handshake (required: with TLS 1.3 the
    // client may finish its side first, and then reads the server's alert): no answer; neither
    // does plain HTTP get one.
    net::TlsOptions anonymous;
    anonymous.ca_files = {pki.ca};
    Reply refused;
    try {
        refused = tls_roundtrip(server->port(), get("/dicomweb/studies"), anonymous);
    } catch (const dcmkit::Error &) {
    }
    EXPECT_EQ(refused.status, 0) << refused.head;
    EXPECT_EQ(roundtrip(server->port(), get("/dicomweb/studies")).status, 0);
    server->stop();
    std::lock_guard<std::mutex> lock(seen.mu);
    ASSERT_EQ(seen.asked.size(), 1u);
    EXPECT_TRUE(seen.asked[0].secure);
    EXPECT_EQ(seen.asked[0].ae_title, "MOD1");
    ASSERT_TRUE(seen.asked[0].certificate.has_value());
    EXPECT_EQ(seen.asked[0].certificate->common_name, "modality1");
    EXPECT_EQ(seen.asked[0].certificate->dns_names, std::vector<std::string>{"modality1.example"});
}

TEST_F(WebSecurityUnit, TlsSettingsThatCannotBeUsedAreAnError) {
    if (!net::tls_available()) GTEST_SKIP() << "built without TLS";
    archive::WebOptions o = options();
    net::TlsOptions tls;
    tls.certificate_file = dir + "/missing.pem";
    tls.private_key_file = dir + "/missing.key";
    tls.verify_peer = net::PeerVerification::ignore;
    o.tls = tls;
    server = std::make_unique<archive::WebServer>(index, std::move(o));
    try {
        server->start("127.0.0.1", 0);
        ADD_FAILURE() << "started";
    } catch (const dcmkit::Error &e) {
        EXPECT_EQ(e.code(), dcmkit::Errc::invalid_argument) << e.what();
        EXPECT_NE(std::string(e.what()).find("missing.pem"), std::string::npos) << e.what();
    }
    EXPECT_EQ(server->port(), 0);
}
