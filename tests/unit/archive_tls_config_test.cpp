// The TLS keys of `dcmkit serve --config` (archive::Config): values, errors, and the association
// configuration they make.
#include <gtest/gtest.h>

#include "dcmkit/archive_server.h"
#include "dcmkit/error.h"

namespace archive = dcmkit::archive;
namespace net = dcmkit::net;

namespace {
std::string parse_error(const std::string &text) {
    try {
        archive::Config::parse(text, "serve.conf");
    } catch (const dcmkit::Error &e) {
        return e.message();
    }
    return "";
}
}  // namespace

TEST(ArchiveTlsConfig, KeysMakeTheTlsOptions) {
    const archive::Config c = archive::Config::parse(
        "tls_key = /etc/dicom/key.pem\n"
        "tls_certificate = /etc/dicom/cert.pem\n"
        "tls_key_password = secret\n"
        "tls_ca_file = /etc/dicom/ca1.pem\n"
        "tls_ca_file = /etc/dicom/ca2.pem\n"
        "tls_ca_folder = /etc/dicom/cas\n"
        "tls_crl = /etc/dicom/crl.pem\n"
        "tls_profile = bcp195-ex\n"
        "tls_peer_certificate = verify\n"
        "tls_check_host_name = no\n"
        "tls_ae_certificate = MODALITY1 sha256:AB:CD\n"
        "tls_ae_certificate = MODALITY1 dns:mod1.example\n"
        "tls_ae_certificate = WS cn:Reading Room 2\n");
    ASSERT_TRUE(c.tls.has_value());
    const net::TlsOptions &t = *c.tls;
    EXPECT_EQ(t.private_key_file, "/etc/dicom/key.pem");
    EXPECT_EQ(t.certificate_file, "/etc/dicom/cert.pem");
    EXPECT_EQ(t.private_key_password, "secret");
    EXPECT_EQ(t.ca_files, (std::vector<std::string>{"/etc/dicom/ca1.pem", "/etc/dicom/ca2.pem"}));
    EXPECT_EQ(t.ca_folders, std::vector<std::string>{"/etc/dicom/cas"});
    EXPECT_EQ(t.crl_files, std::vector<std::string>{"/etc/dicom/crl.pem"});
    EXPECT_EQ(t.profile, net::TlsProfile::bcp195_extended);
    EXPECT_EQ(t.verify_peer, net::PeerVerification::verify_if_presented);
    EXPECT_FALSE(t.verify_host_name);
    ASSERT_EQ(t.ae_certificates.size(), 2u);
    EXPECT_EQ(t.ae_certificates.at("MODALITY1"), (std::vector<std::string>{"sha256:AB:CD", "dns:mod1.example"}));
    EXPECT_EQ(t.ae_certificates.at("WS"), std::vector<std::string>{"cn:Reading Room 2"});
    ASSERT_TRUE(c.to_ae_config().tls.has_value());
    EXPECT_EQ(c.to_ae_config().tls->profile, net::TlsProfile::bcp195_extended);
}

TEST(ArchiveTlsConfig, DefaultsAndOnOff) {
    EXPECT_FALSE(archive::Config{}.tls.has_value());
    EXPECT_FALSE(archive::Config{}.to_ae_config().tls.has_value());
    archive::Config c = archive::Config::parse("tls = yes\n");
    ASSERT_TRUE(c.tls.has_value());
    EXPECT_EQ(c.tls->profile, net::TlsProfile::bcp195_nd);
    EXPECT_EQ(c.tls->verify_peer, net::PeerVerification::require);
    EXPECT_TRUE(c.tls->verify_host_name);
    c = archive::Config::parse("tls_key = k.pem\ntls_certificate = c.pem\ntls = no\n");
    EXPECT_FALSE(c.tls.has_value());
}

TEST(ArchiveTlsConfig, BadValuesNameFileAndLine) {
    EXPECT_EQ(parse_error("tls_profile = tls1.1\n"), "serve.conf:1: tls_profile is bcp195-nd, bcp195 or bcp195-ex");
    EXPECT_EQ(parse_error("\ntls_peer_certificate = maybe\n"), "serve.conf:2: tls_peer_certificate is require, verify or ignore");
    EXPECT_NE(parse_error("tls_ae_certificate = MODALITY1\n").find("serve.conf:1: tls_ae_certificate is AE IDENTITY"), std::string::npos);
    EXPECT_EQ(parse_error("tls = maybe\n"), "serve.conf:1: tls is 'yes' or 'no'");
    EXPECT_EQ(parse_error("tls_cipher = NULL\n"), "serve.conf:1: unknown key 'tls_cipher'");
}
