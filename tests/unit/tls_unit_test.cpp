// TLS settings without a peer: binding identities (tls_identity_matches), the PS3.15 Annex B profile
// tables, the conformance statement's TLS section, and settings that cannot be loaded (an Error
// naming the file, never a prompt or a crash).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "dcmkit/error.h"
#include "dcmkit/net/tls.h"
#include "dcmkit/services/conformance.h"

namespace net = dcmkit::net;

namespace {

net::TlsPeerInfo modality() {
    net::TlsPeerInfo p;
    p.has_certificate = true;
    p.subject = "CN=modality1,O=Hospital";
    p.common_name = "modality1";
    p.dns_names = {"modality1.example", "ct.example"};
    p.uris = {"urn:dicom:Modality1"};
    p.sha256_fingerprint = "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9";
    return p;
}

std::string error_of(const net::TlsOptions &o, bool server, dcmkit::Errc *code = nullptr) {
    try {
        net::make_tls_context(o, server);
    } catch (const dcmkit::Error &e) {
        if (code) *code = e.code();
        return e.message();
    }
    return "";
}

}  // namespace

TEST(TlsIdentity, FingerprintWithOrWithoutColonsAnyCase) {
    const auto p = modality();
    EXPECT_TRUE(net::tls_identity_matches(p, "sha256:" + p.sha256_fingerprint));
    EXPECT_TRUE(net::tls_identity_matches(p, "SHA256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"));
    EXPECT_TRUE(net::tls_identity_matches(p, "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"));
    EXPECT_FALSE(net::tls_identity_matches(p, "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f8"));
    EXPECT_FALSE(net::tls_identity_matches(p, "sha256:0a1b"));
}

TEST(TlsIdentity, NamesByKindOrAnyKind) {
    const auto p = modality();
    EXPECT_TRUE(net::tls_identity_matches(p, "dns:CT.example"));  // DNS names: any case
    EXPECT_FALSE(net::tls_identity_matches(p, "dns:modality1"));  // the CN is no DNS name
    EXPECT_TRUE(net::tls_identity_matches(p, "cn:MODALITY1"));
    EXPECT_FALSE(net::tls_identity_matches(p, "cn:ct.example"));
    EXPECT_TRUE(net::tls_identity_matches(p, "uri:urn:dicom:Modality1"));
    EXPECT_FALSE(net::tls_identity_matches(p, "uri:urn:dicom:modality1"));  // URIs: exact
    EXPECT_TRUE(net::tls_identity_matches(p, "modality1.example"));
    EXPECT_TRUE(net::tls_identity_matches(p, "modality1"));
    EXPECT_TRUE(net::tls_identity_matches(p, "urn:dicom:Modality1"));
    EXPECT_FALSE(net::tls_identity_matches(p, "modality2.example"));
    EXPECT_FALSE(net::tls_identity_matches(p, ""));
    net::TlsPeerInfo none;  // no certificate: nothing matches
    EXPECT_FALSE(net::tls_identity_matches(none, "modality1"));
    EXPECT_FALSE(net::tls_identity_matches(none, "cn:"));
}

TEST(TlsProfiles, VersionsAndSuitesOfPs315AnnexB) {
    // B.10 requires the ECDHE-RSA and DHE-RSA AES-GCM suites; B.9 adds TLS_RSA_WITH_AES_128_CBC_SHA;
    // B.11 is TLS 1.2 only.
    for (auto p : {net::TlsProfile::bcp195_nd, net::TlsProfile::bcp195, net::TlsProfile::bcp195_extended}) {
        const auto s = net::tls_profile_cipher_suites(p);
        for (const char *required : {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                                     "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"})
            EXPECT_NE(std::find(s.begin(), s.end(), required), s.end()) << required;
        for (const auto &suite : s)
            if (p != net::TlsProfile::bcp195) {
                EXPECT_NE(suite.find("_GCM_"), std::string::npos) << suite;
            }
        EXPECT_EQ(std::find(s.begin(), s.end(), "TLS_RSA_WITH_AES_128_CBC_SHA") != s.end(), p == net::TlsProfile::bcp195);
    }
    EXPECT_STREQ(net::tls_profile_versions(net::TlsProfile::bcp195_extended), "TLS 1.2");
    EXPECT_STREQ(net::tls_profile_versions(net::TlsProfile::bcp195_nd), "TLS 1.2, TLS 1.3");
    EXPECT_NE(std::string(net::tls_profile_name(net::TlsProfile::bcp195_nd)).find("B.10"), std::string::npos);
}

TEST(TlsConformance, StatementDescribesTheConfiguredTls) {
    net::AeConfig c;
    c.add_verification();
    net::ConformanceProduct product;
    std::string md = net::conformance_statement_md(c, product);
    EXPECT_NE(md.find("TLS is not offered."), std::string::npos);
    net::TlsOptions t;
    t.profile = net::TlsProfile::bcp195_extended;
    t.verify_peer = net::PeerVerification::verify_if_presented;
    t.ae_certificates["MOD1"] = {"dns:mod1.example"};
    c.tls = t;
    md = net::conformance_statement_md(c, product);
    EXPECT_EQ(md.find("TLS is not offered."), std::string::npos);
    EXPECT_NE(md.find("Extended BCP 195 TLS Secure Transport Connection Profile (PS3.15 B.11)"), std::string::npos) << md;
    EXPECT_NE(md.find("| TLS versions | TLS 1.2 (TLS 1.0 and 1.1 are never negotiated) |"), std::string::npos) << md;
    EXPECT_EQ(md.find("TLS 1.3 cipher suites"), std::string::npos) << md;
    EXPECT_NE(md.find("| Client certificates | optional;"), std::string::npos) << md;
    EXPECT_NE(md.find("calling AE title not recognized"), std::string::npos) << md;
}

TEST(TlsContext, SettingsThatCannotBeLoadedNameTheReason) {
    if (!net::tls_available()) {
        dcmkit::Errc code{};
        EXPECT_NE(error_of(net::TlsOptions{}, false, &code).find("without TLS"), std::string::npos);
        EXPECT_EQ(code, dcmkit::Errc::unsupported);
        GTEST_SKIP() << "built without TLS";
    }
    dcmkit::Errc code{};
    net::TlsOptions o;
    o.ca_files = {"/nonexistent/ca.pem"};
    EXPECT_NE(error_of(o, false, &code).find("cannot read the CA certificates '/nonexistent/ca.pem'"), std::string::npos);
    EXPECT_EQ(code, dcmkit::Errc::invalid_argument);
    // A server needs its certificate; verification needs a CA.
    EXPECT_NE(error_of(net::TlsOptions{}, true).find("a server needs a certificate and its private key"), std::string::npos);
    EXPECT_NE(error_of(net::TlsOptions{}, false).find("no trusted CA is given"), std::string::npos);
    o = {};
    o.verify_peer = net::PeerVerification::ignore;
    o.certificate_file = "/nonexistent/cert.pem";
    o.private_key_file = "/nonexistent/key.pem";
    EXPECT_NE(error_of(o, false).find("cannot read the certificate '/nonexistent/cert.pem'"), std::string::npos);
    o = {};
    o.verify_peer = net::PeerVerification::ignore;
    EXPECT_EQ(error_of(o, false), "");  // anonymous client that trusts any server: loads
}
