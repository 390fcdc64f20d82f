// DICOMweb security, `dcmkit serve --http` with the archive's TLS, identity and access settings, curl
// as the client: HTTPS with the DIMSE TLS configuration (client certificates required, verified or
// ignored; the profile's versions), Basic and Bearer credentials checked by the identity policy, the
// access rules applied to the HTTP client's user and to the AE title its certificate is bound to,
// and the audit messages of QIDO, WADO and STOW requests (PS3.15 A.5 codes from the standard).
// Certificates are made by the openssl command (tests/support/test_pki.h), the instances by pydicom
// (tests/support/web_study.h), the password file by `dcmkit passwd`, the token by Python's hmac.
#include <gtest/gtest.h>


#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/json.h"
#include "peer.h"
#include "test_pki.h"
#include "web_fetch.h"
#include "web_study.h"

using namespace dcmkit;
using dk_test::Child;
using dk_test::ProcResult;
using dk_test::TempDir;
using dk_test::WebResponse;

namespace {

const dk_test::Pki &pki() {
    static dk_test::Pki p;
    return p;
}

/// curl with a 30 s bound; `args` are its options.
WebResponse curl(const TempDir &tmp, const std::string &url, std::vector<std::string> args = {}) {
    return dk_test::web_fetch(tmp, url, std::move(args), 30);
}

std::vector<std::string> client_cert(const std::string &name) {
    return {"--cacert", pki().ca, "--cert", pki().cert(name), "--key", pki().key(name)};
}

class WebSecurity : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"curl", "openssl"})) GTEST_SKIP() << "curl or openssl not installed";
        std::string error;
        instances = dk_test::make_web_study(tmp.sub("data"), error);
        ASSERT_EQ(instances.size(), 5u) << error;
    }
    /// `dcmkit serve --http` with `config` lines (plus the audit trail to a file).
    void serve(const std::string &config) {
        const std::string conf = tmp / "serve.conf";
        dk_test::write_bytes(conf, config + "\naudit = file:" + audit_path() + "\n");
        http_port = 0;
        const uint16_t port = dk_test::start_server(server, [&](uint16_t p) {
            http_port = dk_test::pick_free_port();
            return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", tmp.sub("archive"), "--bind",
                                            "127.0.0.1", "--http", std::to_string(http_port), "--config", conf};
        }, tmp / "serve.log");
        ASSERT_NE(port, 0) << server.log();
        ASSERT_TRUE(dk_test::wait_until([&] { return dk_test::port_listening(http_port); }, 10000)) << server.log();
    }
    std::string url(const std::string &scheme, const std::string &path) const {
        return scheme + "://127.0.0.1:" + std::to_string(http_port) + "/dicomweb" + path;
    }
    std::string tls_config(const std::string &extra = {}) const {
        return "tls_key = " + pki().key("server") + "\ntls_certificate = " + pki().cert("server") + "\ntls_ca_file = " +
               pki().ca + "\n" + extra;
    }
    std::string audit_path() const { return tmp / "audit.log"; }
    /// curl options POSTing the instances named as one STOW-RS body.
    std::vector<std::string> stow_args(const std::vector<std::string> &names) {
        std::vector<std::string> files;
        for (const std::string &n : names) files.push_back(instances[n].path);
        return dk_test::stow_args(tmp, files);
    }
    /// The audit records (one syslog line each) once the server has stopped and flushed them.
    std::vector<std::string> audit_records() {
        server.stop(SIGTERM);
        std::vector<std::string> out;
        std::istringstream in(dk_test::read_bytes(audit_path()));
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) out.push_back(line);
        return out;
    }

    TempDir tmp{"dcmkit-web-tls"};
    Child server;
    uint16_t http_port = 0;
    std::map<std::string, dk_test::WebInstance> instances;
};

bool has(const std::string &s, const std::string &what) { return s.find(what) != std::string::npos; }

/// The records holding every one of `parts`.
size_t count_records(const std::vector<std::string> &records, std::initializer_list<std::string> parts) {
    size_t n = 0;
    for (const std::string &r : records) {
        bool all = true;
        for (const std::string &p : parts) all = all && has(r, p);
        n += all;
    }
    return n;
}

}  // namespace

TEST_F(WebSecurity, HttpsWithClientCertificatesServesQidoWadoStowAndAuditsThem) {
    serve(tls_config());
    EXPECT_TRUE(has(server.log(), "DICOMweb on https://127.0.0.1:")) << server.log();
    // STOW, QIDO, WADO over HTTPS with the client certificate of the trusted CA.
    WebResponse r = curl(tmp, url("https", "/studies"), [&] {
        auto a = client_cert("client");
        for (auto &s : stow_args({"a1", "a2"})) a.push_back(s);
        return a;
    }());
    ASSERT_EQ(r.status, 200) << r.err << r.body << server.log();
    r = curl(tmp, url("https", "/studies"), client_cert("client"));
    ASSERT_EQ(r.status, 200) << r.err << r.body;
    const std::string study = instances["a1"].study;
    EXPECT_TRUE(has(r.body, study)) << r.body;
    // The Retrieve URL is built with the scheme served.
    EXPECT_TRUE(has(r.body, "https://127.0.0.1:" + std::to_string(http_port) + "/dicomweb/studies/" + study)) << r.body;
    r = curl(tmp, url("https", "/studies/" + study + "/series/" + instances["a1"].series + "/instances/" + instances["a1"].sop),
             client_cert("client"));
    ASSERT_EQ(r.status, 200) << r.err;
    EXPECT_TRUE(has(r.head, "multipart/related")) << r.head;
    EXPECT_TRUE(has(r.body, instances["a1"].sop));
    // Refused at the handshake: no client certificate (required), one of another CA, plain HTTP.
    r = curl(tmp, url("https", "/studies"), {"--cacert", pki().ca});
    EXPECT_NE(r.curl_status, 0) << r.head;
    EXPECT_EQ(r.status, 0);
    r = curl(tmp, url("https", "/studies"), {"--cacert", pki().ca, "--cert", pki().cert("other"), "--key", pki().key("other")});
    EXPECT_NE(r.curl_status, 0) << r.head;
    EXPECT_EQ(r.status, 0);
    r = curl(tmp, url("http", "/studies"));
    EXPECT_NE(r.curl_status, 0) << r.head;
    EXPECT_EQ(r.status, 0);
    // The audit trail (PS3.15 A.5.3): Query (110112) for the QIDO, DICOM Instances Transferred
    // (110104) with action C for the STOW (the client the source, 110153) and R for the WADO.
    const std::vector<std::string> records = audit_records();
    EXPECT_GE(count_records(records, {"csd-code=\"110112\"", "EventOutcomeIndicator=\"0\"", "1.2.840.10008.5.1.4.1.2.2.1",
                                      "NetworkAccessPointID=\"127.0.0.1\""}),
              1u);
    EXPECT_EQ(count_records(records, {"csd-code=\"110104\"", "EventActionCode=\"C\"", study, instances["a1"].patient}), 1u);
    EXPECT_EQ(count_records(records, {"csd-code=\"110104\"", "EventActionCode=\"R\"", study, "EventOutcomeIndicator=\"0\""}),
              1u);
}

TEST_F(WebSecurity, PeerVerificationIgnoreAdmitsAClientWithoutCertificate) {
    serve(tls_config("tls_peer_certificate = ignore\n"));
    WebResponse r = curl(tmp, url("https", "/studies"), {"--cacert", pki().ca});
    EXPECT_EQ(r.status, 200) << r.err << server.log();
    r = curl(tmp, url("http", "/studies"));
    EXPECT_EQ(r.status, 0) << r.head;
}

TEST_F(WebSecurity, TheProfileDecidesTheTlsVersions) {
    // Non-downgrading BCP 195 (the default): TLS 1.1 refused by the server (an alert), TLS 1.3 served.
    serve(tls_config("tls_peer_certificate = ignore\n"));
    WebResponse r = curl(tmp, url("https", "/studies"), {"--cacert", pki().ca, "--tlsv1.1", "--tls-max", "1.1", "--ciphers",
                                                   "DEFAULT@SECLEVEL=0"});
    if (has(r.err, "no protocols available") || (has(r.err, "unsupported protocol") && !has(r.err, "alert")))
        GTEST_SKIP() << "this curl cannot offer TLS 1.1: " << r.err;
    EXPECT_NE(r.curl_status, 0);
    EXPECT_TRUE(has(r.err, "alert protocol version")) << r.err;
    r = curl(tmp, url("https", "/studies"), {"--cacert", pki().ca, "--tlsv1.3", "-v"});
    EXPECT_EQ(r.status, 200) << r.err;
    EXPECT_TRUE(has(r.err, "TLSv1.3")) << r.err;
    server.stop(SIGTERM);
    // Extended BCP 195: TLS 1.2 only; a TLS 1.3-only client is refused, and the TLS 1.2 suite is
    // one of the profile's (ECDHE with AES-GCM).
    serve(tls_config("tls_peer_certificate = ignore\ntls_profile = bcp195-ex\n"));
    r = curl(tmp, url("https", "/studies"), {"--cacert", pki().ca, "--tlsv1.3"});
    EXPECT_NE(r.curl_status, 0) << r.head;
    r = curl(tmp, url("https", "/studies"), {"--cacert", pki().ca, "-v"});
    EXPECT_EQ(r.status, 200) << r.err;
    EXPECT_TRUE(has(r.err, "TLSv1.2")) << r.err;
    EXPECT_TRUE(has(r.err, "ECDHE-RSA-AES256-GCM-SHA384") || has(r.err, "ECDHE-RSA-AES128-GCM-SHA256")) << r.err;
}

TEST_F(WebSecurity, BasicCredentialsFromThePasswordFileAndTheAccessRules) {
    const std::string passwords = tmp / "passwd";
    ASSERT_EQ(dk_test::run({DCMKIT_CLI, "passwd", passwords, "alice", "--password", "wonderland"}).status, 0);
    ASSERT_EQ(dk_test::run({DCMKIT_CLI, "passwd", passwords, "bob", "--password", "builder"}).status, 0);
    serve("identity_password_file = " + passwords + "\npermit = user:alice find\npermit = user:bob find store\n");
    WebResponse r = curl(tmp, url("http", "/studies"), {"-u", "alice:wonderland"});
    EXPECT_EQ(r.status, 200) << r.body << server.log();
    r = curl(tmp, url("http", "/studies"), {"-u", "alice:wrong"});
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_TRUE(has(r.head, "WWW-Authenticate: Basic realm=")) << r.head;
    // No credentials: no user, whom no rule permits anything.
    r = curl(tmp, url("http", "/studies"));
    EXPECT_EQ(r.status, 403) << r.body;
    // alice may search, not store; bob may store.
    r = curl(tmp, url("http", "/studies"), [&] {
        std::vector<std::string> a = {"-u", "alice:wonderland"};
        for (auto &s : stow_args({"b1"})) a.push_back(s);
        return a;
    }());
    EXPECT_EQ(r.status, 403) << r.body;
    r = curl(tmp, url("http", "/studies"), [&] {
        std::vector<std::string> a = {"-u", "bob:builder"};
        for (auto &s : stow_args({"b1"})) a.push_back(s);
        return a;
    }());
    EXPECT_EQ(r.status, 200) << r.body;
    // The refused login is audited (A.5.3.12: User Authentication 110114, Login 110122, Minor
    // failure 4) with the user it named; the STOW's transfer names bob.
    const std::vector<std::string> records = audit_records();
    EXPECT_EQ(count_records(records, {"csd-code=\"110114\"", "csd-code=\"110122\"", "EventOutcomeIndicator=\"4\"",
                                      "UserID=\"alice\"", "wrong user name or password"}),
              1u);
    EXPECT_EQ(count_records(records, {"csd-code=\"110104\"", "EventActionCode=\"C\"", "UserID=\"bob\"", instances["b1"].study}),
              1u);
    EXPECT_TRUE(has(server.log(), "refused (not authorized): store")) << server.log();
}

TEST_F(WebSecurity, RequiredIdentityAndBearerTokens) {
    const std::string secret = tmp / "jwt.key";
    dk_test::write_bytes(secret, "a shared secret of thirty-two bytes!");
    serve("identity = required\nidentity_jwt_secret_file = " + secret + "\npermit = user:carol find\n");
    // An HS256 token (RFC 7519) made by Python's hmac, not by us.
    auto token = [&](const std::string &sub, const std::string &key) {
        return dk_test::tool({"/usr/bin/python3", "-c",
                              "import base64,hmac,hashlib,json,sys,time\n"
                              "b=lambda x: base64.urlsafe_b64encode(x).rstrip(b'=').decode()\n"
                              "h=b(json.dumps({'alg':'HS256','typ':'JWT'}).encode())\n"
                              "p=b(json.dumps({'sub':sys.argv[1],'exp':int(time.time())+600}).encode())\n"
                              "s=b(hmac.new(open(sys.argv[2],'rb').read(),(h+'.'+p).encode(),hashlib.sha256).digest())\n"
                              "print(h+'.'+p+'.'+s,end='')",
                              sub, key});
    };
    WebResponse r = curl(tmp, url("http", "/studies"));
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_TRUE(has(r.head, "WWW-Authenticate: Bearer realm=")) << r.head;
    r = curl(tmp, url("http", "/studies"), {"-H", "Authorization: Bearer " + token("carol", secret)});
    EXPECT_EQ(r.status, 200) << r.body << server.log();
    r = curl(tmp, url("http", "/studies"), {"-H", "Authorization: Bearer " + token("dave", secret)});
    EXPECT_EQ(r.status, 403) << r.body;
    const std::string other = tmp / "other.key";
    dk_test::write_bytes(other, "not the secret the server knows..");
    r = curl(tmp, url("http", "/studies"), {"-H", "Authorization: Bearer " + token("carol", other)});
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_TRUE(has(r.head, "error=\"invalid_token\"")) << r.head;
    // Basic is not what this policy checks.
    r = curl(tmp, url("http", "/studies"), {"-u", "carol:x"});
    EXPECT_EQ(r.status, 401) << r.body;
}

TEST_F(WebSecurity, ACertificateBoundToAnAeTitleGetsThatAesRules) {
    // "client" (DNS modality1.example) is bound to MODALITY1, which may store and search; "revoked"
    // (stolen.example, of the same CA, no CRL given) is valid but bound to nothing.
    serve(tls_config("tls_ae_certificate = MODALITY1 dns:modality1.example\npermit = ae:MODALITY1 store find\n"));
    WebResponse r = curl(tmp, url("https", "/studies"), [&] {
        auto a = client_cert("client");
        for (auto &s : stow_args({"a3"})) a.push_back(s);
        return a;
    }());
    EXPECT_EQ(r.status, 200) << r.err << r.body << server.log();
    r = curl(tmp, url("https", "/studies"), client_cert("client"));
    EXPECT_EQ(r.status, 200) << r.err << r.body;
    r = curl(tmp, url("https", "/studies"), client_cert("revoked"));
    EXPECT_EQ(r.status, 403) << r.err << r.body;
    // The audit trail names the AE title of the certificate.
    const std::vector<std::string> records = audit_records();
    EXPECT_EQ(count_records(records, {"csd-code=\"110104\"", "EventActionCode=\"C\"", "UserID=\"MODALITY1\""}), 1u);
}

TEST_F(WebSecurity, ConformanceStatementSaysHttps) {
    const std::string conf = tmp / "c.conf";
    dk_test::write_bytes(conf, tls_config() + "http_port = 8443\n");
    ProcResult r = dk_test::run({DCMKIT_CLI, "conformance", "serve", "--config", conf}, 20000);
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_TRUE(has(r.out, "DICOMweb origin server over HTTPS")) << r.out;
    dk_test::write_bytes(conf, "http_port = 8080\n");
    r = dk_test::run({DCMKIT_CLI, "conformance", "serve", "--config", conf}, 20000);
    EXPECT_TRUE(has(r.out, "DICOMweb origin server over HTTP/1.1")) << r.out;
}

TEST_F(WebSecurity, OrthancDicomWebClientOverHttpsWithACertificateAndAPassword) {
    if (!dk_test::have_orthanc()) GTEST_SKIP() << "Orthanc or its DICOMweb plugin not installed";
    const std::string passwords = tmp / "passwd";
    ASSERT_EQ(dk_test::run({DCMKIT_CLI, "passwd", passwords, "orthanc", "--password", "s3cret"}).status, 0);
    serve(tls_config("identity = required\nidentity_password_file = " + passwords +
                     "\npermit = user:orthanc find get store\n"));
    // Study A stored by curl; Orthanc searches it, retrieves it, and sends b1 back.
    WebResponse r = curl(tmp, url("https", "/studies"), [&] {
        auto a = client_cert("client");
        for (const char *s : {"-u", "orthanc:s3cret"}) a.push_back(s);
        for (auto &s : stow_args({"a1", "a2", "a3", "mf"})) a.push_back(s);
        return a;
    }());
    ASSERT_EQ(r.status, 200) << r.err << r.body << server.log();
    Child orth;
    const uint16_t oport = dk_test::start_orthanc(
        orth, tmp.sub("orthanc"),
        "\"Servers\": {\"ours\": {\"Url\": \"" + url("https", "/") + "\", \"Username\": \"orthanc\", \"Password\": \"s3cret\", " +
            "\"CertificateFile\": \"" + pki().cert("client") + "\", \"CertificateKeyFile\": \"" + pki().key("client") + "\"}}",
        "\"HttpsCACertificates\": \"" + pki().ca + "\"");
    ASSERT_NE(oport, 0) << orth.log();
    const std::string o = "http://127.0.0.1:" + std::to_string(oport);
    auto post = [&](const std::string &path, const std::string &json) {
        return curl(tmp, o + path, {"-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json});
    };
    r = post("/dicom-web/servers/ours/qido", "{\"Uri\": \"/studies\", \"Arguments\": {\"PatientName\": \"DOE*\"}}");
    ASSERT_EQ(r.status, 200) << r.body << orth.log() << server.log();
    EXPECT_TRUE(has(r.body, instances["a1"].study)) << r.body;
    r = post("/dicom-web/servers/ours/retrieve", "{\"Resources\": [{\"Study\": \"" + instances["a1"].study + "\"}]}");
    ASSERT_EQ(r.status, 200) << r.body << orth.log();
    r = curl(tmp, o + "/instances?expand");
    for (const char *n : {"a1", "a2", "a3", "mf"}) EXPECT_TRUE(has(r.body, instances[n].sop)) << n;
    r = curl(tmp, o + "/instances", {"-X", "POST", "--data-binary", "@" + instances["b1"].path});
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string b_id = dk_test::orthanc_id(r.body);
    ASSERT_FALSE(b_id.empty()) << r.body;
    r = post("/dicom-web/servers/ours/stow", "{\"Resources\": [\"" + b_id + "\"]}");
    ASSERT_EQ(r.status, 200) << r.body << orth.log() << server.log();
    r = curl(tmp, url("https", "/instances?SOPInstanceUID=" + instances["b1"].sop),
             [&] {
                 auto a = client_cert("client");
                 for (const char *s : {"-u", "orthanc:s3cret"}) a.push_back(s);
                 return a;
             }());
    ASSERT_EQ(r.status, 200) << r.err;
    EXPECT_TRUE(has(r.body, instances["b1"].sop)) << r.body;
    orth.stop();
}
