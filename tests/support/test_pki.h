// A test PKI made with the openssl command in a temporary folder (tests/interop/tls_test.cpp,
// dicomweb_tls_test.cpp): what the certificates say is openssl's, not ours.
#pragma once

#include <string>

#include "peer.h"

namespace dk_test {

/// A CA, a server certificate (SAN localhost, 127.0.0.1), a client certificate of that CA, one of
/// another CA, and an expired one, made with the openssl command.
struct Pki {
    TempDir dir{"dcmkit-tls"};
    std::string ca, ca2;
    std::string path(const std::string &name) const { return dir / name; }
    std::string key(const std::string &name) const { return dir / (name + ".key"); }
    std::string cert(const std::string &name) const { return dir / (name + ".pem"); }

    void self_signed(const std::string &name, const std::string &cn) {
        dk_test::tool({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key(name), "-out", cert(name),
                       "-days", "30", "-subj", "/CN=" + cn});
    }
    void issue(const std::string &name, const std::string &cn, const std::string &san, const std::string &issuer,
               int days) {
        dk_test::tool({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key(name), "-out", path(name + ".csr"),
                       "-subj", "/O=dcmkit test/CN=" + cn});
        dk_test::write_bytes(path(name + ".ext"), "subjectAltName=" + san + "\nbasicConstraints=CA:FALSE\n");
        // -days -1 makes a certificate that expired a day before it was issued.
        dk_test::tool({"openssl", "x509", "-req", "-in", path(name + ".csr"), "-CA", cert(issuer), "-CAkey", key(issuer),
                       "-CAcreateserial", "-out", cert(name), "-days", std::to_string(days), "-extfile", path(name + ".ext")});
    }
    Pki() {
        self_signed("ca", "dcmkit test CA");
        self_signed("ca2", "another CA");
        issue("server", "localhost", "DNS:localhost,IP:127.0.0.1", "ca", 30);
        issue("client", "modality1", "DNS:modality1.example,URI:urn:dicom:modality1", "ca", 30);
        issue("other", "intruder", "DNS:intruder.example", "ca2", 30);
        issue("expired", "modality1", "DNS:modality1.example", "ca", -1);
        issue("revoked", "stolen", "DNS:stolen.example", "ca", 30);
        ca = cert("ca");
        ca2 = cert("ca2");
        // A CRL of the CA revoking "revoked", made by `openssl ca`.
        dk_test::write_bytes(path("ca.cnf"), "[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = " + path("index.txt") +
                                                 "\ncertificate = " + ca + "\nprivate_key = " + key("ca") +
                                                 "\ndefault_md = sha256\ndefault_crl_days = 30\n");
        dk_test::write_bytes(path("index.txt"), "");
        dk_test::tool({"openssl", "ca", "-config", path("ca.cnf"), "-batch", "-revoke", cert("revoked")});
        dk_test::tool({"openssl", "ca", "-config", path("ca.cnf"), "-batch", "-gencrl", "-out", path("crl.pem")});
    }
    /// The SHA-256 fingerprint openssl prints ("AB:CD:…").
    std::string fingerprint(const std::string &name) const {
        std::string out = dk_test::tool({"openssl", "x509", "-in", cert(name), "-noout", "-fingerprint", "-sha256"});
        const size_t eq = out.find('=');
        out = out.substr(eq + 1);
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        return out;
    }
};

}  // namespace dk_test
