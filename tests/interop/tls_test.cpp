// TLS (PS3.15 Annex B, BCP 195 profiles) against DCMTK: echoscu and storescu +tls into our server,
// our SCU (library and `dcmkit echo/send +tls`) into storescp +tls, with each profile DCMTK 3.6.7
// offers on both sides; mutual authentication, a wrong CA, an expired certificate, a plain peer on a
// TLS port and a TLS peer on a plain port (each failing within 2 s with a reason), Calling AE Titles
// bound to certificates (A-ASSOCIATE-RJ reason 3), and a TLS 1.1 client (openssl s_client) refused.
// Certificates are made by each run with the openssl command in a temporary folder.
#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/net/tls.h"
#include "dcmkit/services/conformance.h"
#include "dcmkit/services/services.h"
#include "peer.h"
#include "test_pki.h"

using namespace dcmkit;
namespace net = dcmkit::net;
using dk_test::Child;
using dk_test::ProcResult;
using dk_test::run;
using dk_test::TempDir;
using dk_test::wait_until;

namespace {

#define REQUIRE_TOOLS()                                                                                           \
    do {                                                                                                         \
        if (!net::tls_available()) GTEST_SKIP() << "built without TLS";                                           \
        if (!dk_test::have_tools({"openssl", "echoscu", "storescu", "storescp", "dump2dcm", "dcmdump"}))           \
            GTEST_SKIP() << "openssl or DCMTK missing";                                                          \
    } while (0)

using dk_test::Pki;

const Pki &pki() {
    static Pki p;
    return p;
}

struct LogLines {
    std::mutex m;
    std::vector<std::pair<net::LogLevel, std::string>> lines;
    net::LogSink sink() {
        return [this](net::LogLevel l, const std::string &s) {
            std::lock_guard<std::mutex> lock(m);
            lines.emplace_back(l, s);
        };
    }
    std::string text(net::LogLevel at_most = net::LogLevel::trace) {
        std::lock_guard<std::mutex> lock(m);
        std::string out;
        for (const auto &[l, s] : lines)
            if (l <= at_most) out += std::string(net::log_level_name(l)) + ": " + s + "\n";
        return out;
    }
};

net::TlsOptions server_tls(net::TlsProfile profile = net::TlsProfile::bcp195_nd) {
    net::TlsOptions t;
    t.certificate_file = pki().cert("server");
    t.private_key_file = pki().key("server");
    t.ca_files = {pki().ca};
    t.profile = profile;
    return t;
}

net::TlsOptions client_tls(const std::string &name = "client", net::TlsProfile profile = net::TlsProfile::bcp195_nd) {
    net::TlsOptions t;
    if (!name.empty()) {
        t.certificate_file = pki().cert(name);
        t.private_key_file = pki().key(name);
    }
    t.ca_files = {pki().ca};
    t.profile = profile;
    return t;
}

/// An in-process TLS SCP (verification, storage into `folder`) that records the TLS peer of each
/// accepted association.
struct TlsServer {
    LogLines log;
    std::shared_ptr<net::StorageFolder> storage;
    std::unique_ptr<net::Server> server;
    std::mutex m;
    std::vector<std::string> subjects, protocols, ciphers;
    int releases = 0;

    TlsServer(const std::string &folder, std::optional<net::TlsOptions> tls, const std::function<void(net::AeConfig &)> &tune = {}) {
        net::AeConfig c;
        c.ae_title = "DCMKIT";
        c.add_verification();
        c.add_all_storage();
        c.check_called_ae = false;
        c.timeouts.artim_ms = 5000;
        c.timeouts.dimse_ms = 10000;
        c.log = log.sink();
        c.log_level = net::LogLevel::info;
        c.tls = std::move(tls);
        if (tune) tune(c);
        storage = std::make_shared<net::StorageFolder>(folder, false);
        net::ServiceHandlers h;
        h.on_store = [this](net::StoreRequest &rq) { return storage->receive(rq); };
        h.on_association = [this](const net::Association &a, net::ServiceHandlers::AssociationEvent ev) {
            std::lock_guard<std::mutex> lock(m);
            if (ev == net::ServiceHandlers::AssociationEvent::released) ++releases;
            if (ev != net::ServiceHandlers::AssociationEvent::accepted) return;
            const net::TlsPeerInfo *p = a.tls_peer();
            subjects.push_back(p ? p->subject : "(no TLS)");
            protocols.push_back(p ? p->protocol : "");
            ciphers.push_back(p ? p->cipher : "");
        };
        server = std::make_unique<net::Server>(c, h);
        server->start("127.0.0.1", 0);
    }
    std::string port() const { return std::to_string(server->port()); }
    bool idle() {
        return wait_until([&] { return server->active_associations() == 0 && server->pending_connections() == 0; }, 10000);
    }
    template <class F>
    auto locked(F f) {
        std::lock_guard<std::mutex> lock(m);
        return f();
    }
};

std::string cli() { return DCMKIT_CLI; }

std::vector<std::string> list_dir(const std::string &dir) {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
        ::closedir(d);
    }
    return names;
}

bool file_exists(const std::string &p) { return ::access(p.c_str(), F_OK) == 0; }

/// `n` small CT files made by dump2dcm.
std::vector<std::string> make_files(const TempDir &tmp, int n) {
    std::vector<std::string> out;
    const std::string dir = tmp.sub("files");
    for (int i = 1; i <= n; ++i) {
        const std::string p = dir + "/f" + std::to_string(i) + ".dcm";
        const std::string uid = "1.2.826.0.1.3680043.10.543.77." + std::to_string(i);
        dk_test::write_bytes(p + ".txt", "(0008,0016) UI [1.2.840.10008.5.1.4.1.1.2]\n(0008,0018) UI [" + uid +
                                             "]\n(0010,0010) PN [TLS^TEST]\n(0010,0020) LO [TLS1]\n(0020,000d) UI [" + uid +
                                             ".1]\n(0020,000e) UI [" + uid + ".2]\n(0028,0010) US 2\n(0028,0011) US 2\n"
                                             "(0028,0100) US 16\n(0028,0002) US 1\n(7fe0,0010) OW 0001\\0002\\0003\\0004\n");
        dk_test::tool({"dump2dcm", "+te", p + ".txt", p});
        out.push_back(p);
    }
    return out;
}

std::vector<std::string> dcmtk_tls(const std::string &name, const std::string &profile_flag) {
    std::vector<std::string> v = {"+tls", pki().key(name), pki().cert(name), "+cf", pki().ca};
    if (!profile_flag.empty()) v.push_back(profile_flag);
    return v;
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string> &b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

net::AeConfig scu(std::optional<net::TlsOptions> tls, const std::string &aet = "TLSSCU") {
    net::AeConfig c;
    c.ae_title = aet;
    c.add_verification();
    c.timeouts.connect_ms = 5000;
    c.timeouts.artim_ms = 5000;
    c.log = [](net::LogLevel, const std::string &) {};
    c.tls = std::move(tls);
    return c;
}

/// Starts DCMTK's storescp on a free port with `extra` options; 0 when it does not come up.
uint16_t start_storescp(Child &child, const TempDir &tmp, const std::string &out, const std::vector<std::string> &extra) {
    return dk_test::start_server(
        child,
        [&](uint16_t port) {
            return concat(concat({"storescp", "-od", out, "-aet", "STORESCP"}, extra), {std::to_string(port)});
        },
        tmp / "storescp.log");
}

struct Profile {
    net::TlsProfile ours;
    const char *flag;
    const char *name;
};
const Profile kProfiles[] = {{net::TlsProfile::bcp195_nd, "+py", "bcp195-nd"},
                             {net::TlsProfile::bcp195, "+px", "bcp195"},
                             {net::TlsProfile::bcp195_extended, "+pz", "bcp195-ex"}};

}  // namespace

// ================================================================================================
// DCMTK into our SCP
// ================================================================================================

TEST(TlsDcmtkToOurs, EchoscuAndStorescuWithEveryProfile) {
    REQUIRE_TOOLS();
    TempDir tmp;
    const auto files = make_files(tmp, 3);
    for (const Profile &p : kProfiles) {
        SCOPED_TRACE(p.name);
        TlsServer s(tmp.sub(std::string("in-") + p.name), server_tls(p.ours));
        ProcResult r = run(concat({"echoscu", "-to", "5", "127.0.0.1", s.port()}, dcmtk_tls("client", p.flag)), 20000);
        EXPECT_EQ(r.status, 0) << r.all();
        r = run(concat(concat({"storescu", "-to", "5", "127.0.0.1", s.port()}, dcmtk_tls("client", p.flag)), files), 20000);
        EXPECT_EQ(r.status, 0) << r.all();
        ASSERT_TRUE(s.idle());
        for (int i = 1; i <= 3; ++i)
            EXPECT_TRUE(file_exists(s.storage->path_for("1.2.826.0.1.3680043.10.543.77." + std::to_string(i))))
                << p.name << " " << i;
        // The handlers see the peer's certificate and what was negotiated.
        s.locked([&] {
            EXPECT_EQ(s.subjects.size(), 2u);
            for (const auto &subject : s.subjects) EXPECT_EQ(subject, "CN=modality1,O=dcmkit test");
            for (const auto &proto : s.protocols)
                EXPECT_EQ(proto, p.ours == net::TlsProfile::bcp195_extended ? "TLSv1.2" : "TLSv1.3");
            if (p.ours == net::TlsProfile::bcp195_extended) {
                for (const auto &c : s.ciphers) EXPECT_NE(c.find("GCM"), std::string::npos) << c;
            }
            EXPECT_EQ(s.releases, 2);
            return 0;
        });
        // A normal release logs nothing at warning level or above.
        EXPECT_EQ(s.log.text(net::LogLevel::warning), "");
    }
}

TEST(TlsDcmtkToOurs, ClientWithoutCertificateOrFromAnotherCaIsRefused) {
    REQUIRE_TOOLS();
    TempDir tmp;
    TlsServer s(tmp.sub("in"), server_tls());
    // echoscu +tla: TLS without a client certificate; our SCP requires one (mutual authentication).
    auto t0 = dk_test::Clock::now();
    ProcResult r = run({"echoscu", "-to", "5", "127.0.0.1", s.port(), "+tla", "+cf", pki().ca}, 20000);
    EXPECT_NE(r.status, 0) << r.all();
    EXPECT_LT(dk_test::ms_since(t0), 2000);
    r = run(concat({"echoscu", "-to", "5", "127.0.0.1", s.port()}, dcmtk_tls("other", "")), 20000);
    EXPECT_NE(r.status, 0) << r.all();
    r = run(concat({"echoscu", "-to", "5", "127.0.0.1", s.port()}, dcmtk_tls("expired", "")), 20000);
    EXPECT_NE(r.status, 0) << r.all();
    ASSERT_TRUE(s.idle());
    const std::string log = s.log.text(net::LogLevel::warning);
    EXPECT_NE(log.find("certificate has expired (renew the certificate, or check the clocks)"), std::string::npos) << log;
    EXPECT_NE(log.find("peer did not return a certificate"), std::string::npos) << log;
    EXPECT_NE(log.find("unable to get local issuer certificate"), std::string::npos) << log;
    s.locked([&] {
        EXPECT_TRUE(s.subjects.empty());
        return 0;
    });
}

TEST(TlsDcmtkToOurs, RevokedCertificateIsRefusedWhenACrlIsGiven) {
    REQUIRE_TOOLS();
    TempDir tmp;
    net::TlsOptions t = server_tls();
    t.crl_files = {pki().path("crl.pem")};
    TlsServer s(tmp.sub("in"), t);
    ProcResult r = run(concat({"echoscu", "-to", "5", "127.0.0.1", s.port()}, dcmtk_tls("revoked", "")), 20000);
    EXPECT_NE(r.status, 0) << r.all();
    r = run(concat({"echoscu", "-to", "5", "127.0.0.1", s.port()}, dcmtk_tls("client", "")), 20000);
    EXPECT_EQ(r.status, 0) << r.all();
    ASSERT_TRUE(s.idle());
    EXPECT_NE(s.log.text(net::LogLevel::warning).find("certificate revoked"), std::string::npos) << s.log.text();
    s.locked([&] {
        EXPECT_EQ(s.subjects, std::vector<std::string>{"CN=modality1,O=dcmkit test"});
        return 0;
    });
    // Without the CRL the same certificate is accepted: the refusal above is the CRL's.
    TlsServer plain_crl(tmp.sub("in2"), server_tls());
    r = run(concat({"echoscu", "-to", "5", "127.0.0.1", plain_crl.port()}, dcmtk_tls("revoked", "")), 20000);
    EXPECT_EQ(r.status, 0) << r.all();
}

TEST(TlsDcmtkToOurs, PlainEchoscuOnTlsPortFailsFastAndIsNamed) {
    REQUIRE_TOOLS();
    TempDir tmp;
    TlsServer s(tmp.sub("in"), server_tls());
    const auto t0 = dk_test::Clock::now();
    ProcResult r = run({"echoscu", "-to", "10", "127.0.0.1", s.port()}, 20000);
    EXPECT_LT(dk_test::ms_since(t0), 2000);
    EXPECT_NE(r.status, 0) << r.all();
    // Answered with A-ABORT, which a plain requestor understands.
    EXPECT_NE(r.all().find("Peer aborted Association"), std::string::npos) << r.all();
    ASSERT_TRUE(s.idle());
    EXPECT_NE(s.log.text(net::LogLevel::warning).find("the peer speaks plain DICOM, not TLS"), std::string::npos)
        << s.log.text();
}

TEST(TlsDcmtkToOurs, CallingAeBoundToAnotherCertificateIsRejected) {
    REQUIRE_TOOLS();
    TempDir tmp;
    net::TlsOptions t = server_tls();
    t.ae_certificates["MODALITY1"] = {"sha256:" + pki().fingerprint("client")};
    t.ae_certificates["WORKSTATION"] = {"dns:workstation.example"};
    TlsServer s(tmp.sub("in"), t);
    // Bound by fingerprint (openssl's own print of it): accepted.
    ProcResult r = run(concat({"echoscu", "-aet", "MODALITY1", "-to", "5", "127.0.0.1", s.port()}, dcmtk_tls("client", "")), 20000);
    EXPECT_EQ(r.status, 0) << r.all();
    // The same certificate calling as WORKSTATION (bound to another name), and as an AE bound to nothing.
    for (const char *aet : {"WORKSTATION", "STRANGER"}) {
        r = run(concat({"echoscu", "-aet", aet, "-to", "5", "127.0.0.1", s.port()}, dcmtk_tls("client", "")), 20000);
        EXPECT_NE(r.status, 0) << r.all();
        EXPECT_NE(r.all().find("Association Rejected"), std::string::npos) << r.all();
        EXPECT_NE(r.all().find("Calling AE Title Not Recognized"), std::string::npos) << r.all();
        EXPECT_NE(r.all().find("Result: Rejected Permanent, Source: Service User"), std::string::npos) << r.all();
    }
    ASSERT_TRUE(s.idle());
    const std::string log = s.log.text(net::LogLevel::warning);
    EXPECT_NE(log.find("association from 'WORKSTATION' rejected: the peer certificate (subject "
                       "'CN=modality1,O=dcmkit test') is not bound to the calling AE title 'WORKSTATION'"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("the calling AE title 'STRANGER' is bound to no certificate (peer certificate subject "
                       "'CN=modality1,O=dcmkit test')"),
              std::string::npos)
        << log;
}

TEST(TlsDcmtkToOurs, ServeWithTlsConfigurationFile) {
    REQUIRE_TOOLS();
    TempDir tmp;
    const auto files = make_files(tmp, 2);
    const std::string conf = tmp / "serve.conf";
    dk_test::write_bytes(conf, "tls_key = " + pki().key("server") + "\ntls_certificate = " + pki().cert("server") +
                                   "\ntls_ca_file = " + pki().ca + "\ntls_profile = bcp195\n" +
                                   "tls_ae_certificate = STORESCU dns:modality1.example\ncheck_called_ae = no\n" +
                                   "audit = file:" + (tmp / "audit.log") + "\n");
    Child serve;
    const uint16_t port = dk_test::start_server(
        serve, [&](uint16_t p) { return std::vector<std::string>{cli(), "serve", std::to_string(p), "--storage", tmp.sub("archive"), "--config", conf}; },
        tmp / "serve.log");
    ASSERT_NE(port, 0) << serve.log();
    ProcResult r = run(concat(concat({"storescu", "-to", "5", "127.0.0.1", std::to_string(port)}, dcmtk_tls("client", "+px")), files), 20000);
    EXPECT_EQ(r.status, 0) << r.all();
    r = run(concat({"echoscu", "-aet", "OTHER", "-to", "5", "127.0.0.1", std::to_string(port)}, dcmtk_tls("client", "+px")), 20000);
    EXPECT_NE(r.all().find("Calling AE Title Not Recognized"), std::string::npos) << r.all();
    // The conformance statement of the same configuration names the profile.
    r = run({cli(), "conformance", "serve", "--config", conf}, 20000);
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.out.find("BCP 195 TLS Secure Transport Connection Profile (PS3.15 B.9)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("TLS_RSA_WITH_AES_128_CBC_SHA"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("| Client certificates | required"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("TLS is not offered"), std::string::npos) << r.out;
    // Plain DICOM on the TLS port: refused, and a Security Alert (PS3.15 A.5.3.11: EventID 110113,
    // EventTypeCode 110126 Node Authentication) in the audit trail names the TLS failure.
    r = run({"echoscu", "-aet", "PLAIN", "-to", "5", "127.0.0.1", std::to_string(port)}, 20000);
    EXPECT_NE(r.status, 0) << r.all();
    serve.stop(SIGTERM);
    EXPECT_NE(serve.log().find("association from 'OTHER' rejected"), std::string::npos) << serve.log();
    const std::string audit = dk_test::read_bytes(tmp / "audit.log");
    bool tls_alert = false, ae_alert = false;
    std::istringstream in(audit);
    for (std::string record; std::getline(in, record);) {
        if (record.find("csd-code=\"110113\"") == std::string::npos || record.find("csd-code=\"110126\"") == std::string::npos)
            continue;
        if (record.find("TLS handshake failed") != std::string::npos && record.find("plain DICOM") != std::string::npos)
            tls_alert = true;
        if (record.find("association refused") != std::string::npos && record.find("OTHER") != std::string::npos)
            ae_alert = true;
    }
    EXPECT_TRUE(tls_alert) << audit;
    EXPECT_TRUE(ae_alert) << audit;
}

TEST(TlsDcmtkToOurs, Tls11ClientIsRefused) {
    REQUIRE_TOOLS();
    TempDir tmp;
    TlsServer s(tmp.sub("in"), server_tls());
    ProcResult r = run({"openssl", "s_client", "-connect", "127.0.0.1:" + s.port(), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                        "-cert", pki().cert("client"), "-key", pki().key("client"), "-CAfile", pki().ca},
                       10000);
    if (r.all().find("no protocols available") != std::string::npos) GTEST_SKIP() << "this OpenSSL cannot offer TLS 1.1: " << r.all();
    EXPECT_NE(r.status, 0) << r.all();
    EXPECT_NE(r.all().find("alert protocol version"), std::string::npos) << r.all();
    ASSERT_TRUE(s.idle());
    EXPECT_NE(s.log.text(net::LogLevel::warning).find("unsupported protocol"), std::string::npos) << s.log.text();
}

// ================================================================================================
// Our SCU into DCMTK's storescp
// ================================================================================================

TEST(TlsOursToDcmtk, EchoAndSendWithEveryProfile) {
    REQUIRE_TOOLS();
    TempDir tmp;
    const auto files = make_files(tmp, 2);
    for (const Profile &p : kProfiles) {
        SCOPED_TRACE(p.name);
        Child scp;
        const std::string out = tmp.sub(std::string("out-") + p.name);
        const uint16_t port = start_storescp(scp, tmp, out, dcmtk_tls("server", p.flag));
        ASSERT_NE(port, 0) << scp.log();
        // The library.
        auto a = net::Association::connect(scu(client_tls("client", p.ours)), "127.0.0.1", port, "STORESCP");
        ASSERT_NE(a->tls_peer(), nullptr);
        EXPECT_EQ(a->tls_peer()->subject, "CN=localhost,O=dcmkit test");
        EXPECT_EQ(a->tls_peer()->protocol, p.ours == net::TlsProfile::bcp195_extended ? "TLSv1.2" : "TLSv1.3");
        a->release();
        // The command line.
        const std::vector<std::string> tls = {"+tls", pki().key("client"), pki().cert("client"), "+cf", pki().ca, p.flag};
        ProcResult r = run(concat({cli(), "echo", "127.0.0.1", std::to_string(port), "-aec", "STORESCP"}, tls), 20000);
        EXPECT_EQ(r.status, 0) << r.all();
        r = run(concat(concat({cli(), "send", "127.0.0.1", std::to_string(port), "-aec", "STORESCP"}, tls), files), 20000);
        EXPECT_EQ(r.status, 0) << r.all();
        scp.stop(SIGTERM);
        int stored = 0;
        for (const auto &f : list_dir(out)) stored += f.rfind("CT.", 0) == 0;
        EXPECT_EQ(stored, 2) << scp.log();
    }
}

TEST(TlsOursToDcmtk, APeerThatDiesMidAssociationIsAnErrorNotSigpipe) {
    // OpenSSL's own socket BIO writes with write(2): to a reset connection that raises SIGPIPE, whose
    // default action would end this test process. Our SCU must turn it into an Error instead.
    REQUIRE_TOOLS();
    TempDir tmp;
    const auto files = make_files(tmp, 1);
    Child scp;
    const std::string out = tmp.sub("out");
    const uint16_t port = start_storescp(scp, tmp, out, dcmtk_tls("server", "+py"));
    ASSERT_NE(port, 0) << scp.log();
    auto a = net::Association::connect(scu(client_tls("client", net::TlsProfile::bcp195_nd)), "127.0.0.1", port,
                                       "STORESCP");
    scp.stop(SIGKILL);
    Dataset big = read_file(files[0]).dataset;
    big.set_bytes(Tag(0x0009, 0x1010), VR::OB, Bytes(std::vector<uint8_t>(4 << 20, 0x55)));  // 4 MB: many records
    bool failed = false;
    for (int i = 0; i < 20 && !failed; ++i) {
        try {
            net::echo(*a);
            a->send_dataset(1, big);
        } catch (const Error &e) {
            failed = true;
            EXPECT_TRUE(e.code() == Errc::network || e.code() == Errc::aborted || e.code() == Errc::protocol ||
                        e.code() == Errc::timeout)
                << e.what();
        }
    }
    EXPECT_TRUE(failed) << "writing to a dead peer never failed";
}

TEST(TlsOursToDcmtk, HostNameWrongCaExpiredAndPlainPortFailWithReasons) {
    REQUIRE_TOOLS();
    TempDir tmp;
    Child scp;
    const std::string out = tmp.sub("out");
    // storescp presents the client certificate (SAN modality1.example), not one naming 127.0.0.1.
    const uint16_t port = start_storescp(scp, tmp, out, dcmtk_tls("client", ""));
    ASSERT_NE(port, 0) << scp.log();
    auto fails = [&](const net::TlsOptions &t, const std::string &host) {
        try {
            auto a = net::Association::connect(scu(t), host, port, "STORESCP");
            a->release();
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::network) << e.what();
            return std::string(e.what());
        }
        return std::string("(connected)");
    };
    std::string mismatch = fails(client_tls(), "127.0.0.1");
    EXPECT_NE(mismatch.find("IP address mismatch"), std::string::npos) << mismatch;
    EXPECT_NE(mismatch.find("does not name the host connected to"), std::string::npos) << mismatch;
    mismatch = fails(client_tls(), "localhost");
    EXPECT_NE(mismatch.find("hostname mismatch"), std::string::npos) << mismatch;
    // With the host-name check off the same server is accepted.
    net::TlsOptions no_host = client_tls();
    no_host.verify_host_name = false;
    EXPECT_EQ(fails(no_host, "127.0.0.1"), "(connected)");
    // Trusting another CA only.
    net::TlsOptions wrong_ca = client_tls();
    wrong_ca.ca_files = {pki().ca2};
    wrong_ca.verify_host_name = false;
    const std::string why = fails(wrong_ca, "127.0.0.1");
    EXPECT_NE(why.find("certificate verify failed"), std::string::npos) << why;
    EXPECT_NE(why.find("not signed by a CA this side trusts"), std::string::npos) << why;
    // Our expired client certificate: storescp refuses it (TLS 1.3 reports it after the handshake;
    // storescp's alert often comes after its connection reset, then the message points to its log).
    net::TlsOptions expired_client = client_tls("expired");
    expired_client.verify_host_name = false;
    const std::string expired = fails(expired_client, "127.0.0.1");
    // Whether its alert arrives before the reset depends on timing: either names where to look.
    EXPECT_TRUE(expired.find("alert certificate expired (renew the certificate") != std::string::npos ||
                expired.find("check its log") != std::string::npos)
        << expired;
    // storescp logs the refusal when its handshake fails, which may be after our side gave up.
    EXPECT_TRUE(dk_test::wait_until([&] { return scp.log().find("certificate verify failed") != std::string::npos; },
                                    5000))
        << scp.log();
    scp.stop(SIGTERM);

    // An expired server certificate, seen by our SCU.
    Child scp2;
    const uint16_t port2 = start_storescp(scp2, tmp, out, {"+tls", pki().key("expired"), pki().cert("expired"), "+cf", pki().ca});
    ASSERT_NE(port2, 0) << scp2.log();
    net::TlsOptions t = client_tls();
    t.verify_host_name = false;
    try {
        net::Association::connect(scu(t), "127.0.0.1", port2, "STORESCP")->release();
        ADD_FAILURE() << "an expired server certificate was accepted";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("certificate has expired"), std::string::npos) << e.what();
    }
    scp2.stop(SIGTERM);

    // TLS to DCMTK's plain port: within 2 s, with a reason.
    Child plain;
    const uint16_t port3 = start_storescp(plain, tmp, out, {});
    ASSERT_NE(port3, 0) << plain.log();
    const auto t0 = dk_test::Clock::now();
    ProcResult r = run({cli(), "echo", "127.0.0.1", std::to_string(port3), "-aec", "STORESCP", "+tls", pki().key("client"),
                        pki().cert("client"), "+cf", pki().ca},
                       20000);
    EXPECT_LT(dk_test::ms_since(t0), 2000);
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(r.err.find("TLS handshake with 127.0.0.1:" + std::to_string(port3) + " failed"), std::string::npos) << r.all();
    plain.stop(SIGTERM);
}

// ================================================================================================
// Ours with ours
// ================================================================================================

TEST(TlsOurs, PlainAndTlsMismatchesFailFastWithClearErrors) {
    if (!net::tls_available()) GTEST_SKIP() << "built without TLS";
    TempDir tmp;
    TlsServer tls_server(tmp.sub("a"), server_tls());
    TlsServer plain_server(tmp.sub("b"), std::nullopt);
    auto error_of = [](const net::AeConfig &c, uint16_t port) {
        try {
            net::Association::connect(c, "127.0.0.1", port, "DCMKIT")->release();
        } catch (const Error &e) {
            return std::string(e.what());
        }
        return std::string("(connected)");
    };
    auto t0 = dk_test::Clock::now();
    std::string why = error_of(scu(std::nullopt), tls_server.server->port());
    EXPECT_LT(dk_test::ms_since(t0), 2000);
    EXPECT_NE(why.find("requires TLS"), std::string::npos) << why;
    t0 = dk_test::Clock::now();
    why = error_of(scu(client_tls()), plain_server.server->port());
    EXPECT_LT(dk_test::ms_since(t0), 2000);
    EXPECT_NE(why.find("the peer speaks plain DICOM, not TLS (it sent A-ABORT, PDU type 07H)"), std::string::npos) << why;
    // Without a client certificate: refused, saying so.
    why = error_of(scu(client_tls("")), tls_server.server->port());
    EXPECT_NE(why.find("certificate required"), std::string::npos) << why;
    // verify-if-presented lets it in; the handlers then see no certificate.
    net::TlsOptions optional = server_tls();
    optional.verify_peer = net::PeerVerification::verify_if_presented;
    TlsServer lenient(tmp.sub("c"), optional);
    EXPECT_EQ(error_of(scu(client_tls("")), lenient.server->port()), "(connected)");
    ASSERT_TRUE(tls_server.idle() && plain_server.idle() && lenient.idle());
    EXPECT_NE(tls_server.log.text(net::LogLevel::warning).find("the peer speaks plain DICOM, not TLS"), std::string::npos);
    lenient.locked([&] {
        EXPECT_EQ(lenient.subjects, std::vector<std::string>{""});
        return 0;
    });
}

TEST(TlsOurs, AssociationSetupTimeAndStoreThroughput) {
    if (!net::tls_available()) GTEST_SKIP() << "built without TLS";
    TempDir tmp;
    TlsServer tls_server(tmp.sub("a"), server_tls());
    TlsServer plain_server(tmp.sub("b"), std::nullopt);
    const int n = 20;
    auto setup_ms = [&](const net::AeConfig &c, uint16_t port) {
        double total = 0;
        for (int i = 0; i < n; ++i) {
            const auto t0 = dk_test::Clock::now();
            auto a = net::Association::connect(c, "127.0.0.1", port, "DCMKIT");
            total += dk_test::ms_since(t0);
            a->release();
        }
        return total / n;
    };
    const double tls_ms = setup_ms(scu(client_tls()), tls_server.server->port());
    const double plain_ms = setup_ms(scu(std::nullopt), plain_server.server->port());
    // The same with the client's certificates loaded once (a TlsContext kept across associations).
    const auto context = net::make_tls_context(client_tls(), false);
    double shared_ms = 0;
    for (int i = 0; i < n; ++i) {
        const auto t0 = dk_test::Clock::now();
        net::AeConfig c = scu(std::nullopt);
        auto a = net::Association::connect(c, net::tls_connect("127.0.0.1", tls_server.server->port(), 5000, context),
                                           net::make_request(c, "DCMKIT"));
        shared_ms += dk_test::ms_since(t0);
        ASSERT_NE(a->tls_peer(), nullptr);
        a->release();
    }
    std::printf("[ figures  ] association setup ours->ours: TLS %.2f ms (%.2f ms with the context loaded once), plain %.2f ms "
                "(mean of %d)\n",
                tls_ms, shared_ms / n, plain_ms, n);
    EXPECT_LT(tls_ms, 500);

    // 100 instances of 512 KB each way.
    auto store = [&](net::AeConfig cfg, uint16_t port) {
        cfg.add("1.2.840.10008.5.1.4.1.1.7", {"1.2.840.10008.1.2.1"}, false, true);
        auto a = net::Association::connect(cfg, "127.0.0.1", port, "DCMKIT");
        const auto *pc = a->find_accepted("1.2.840.10008.5.1.4.1.1.7");
        EXPECT_NE(pc, nullptr);
        if (!pc) return 0.0;
        DicomFile f;
        f.transfer_syntax = "1.2.840.10008.1.2.1";
        Dataset &d = f.dataset;
        d.set_string(tags::SOPClassUID, "1.2.840.10008.5.1.4.1.1.7", VR::UI);
        d.set_string(Tag(0x0010, 0x0010), "THROUGHPUT", VR::PN);
        d.set_bytes(tags::PixelData, VR::OW, Bytes(std::vector<uint8_t>(512 * 1024, 0x5a)));
        const auto t0 = dk_test::Clock::now();
        for (int i = 0; i < 100; ++i) {
            const std::string uid = "1.2.826.0.1.3680043.10.543.88." + std::to_string(port) + "." + std::to_string(i);
            d.set_string(tags::SOPInstanceUID, uid, VR::UI);
            EXPECT_EQ(net::store(*a, f).status, 0) << i;
        }
        const double ms = dk_test::ms_since(t0);
        a->release();
        return 100 * 0.5 / (ms / 1000);  // MB/s
    };
    const double tls_mbs = store(scu(client_tls()), tls_server.server->port());
    const double plain_mbs = store(scu(std::nullopt), plain_server.server->port());
    std::printf("[ figures  ] C-STORE of 100 x 512 KB ours->ours: TLS %.0f MB/s, plain %.0f MB/s\n", tls_mbs, plain_mbs);
    EXPECT_GT(tls_mbs, 0);
}

TEST(TlsOursToDcmtk, EchoscuToStorescpSetupTime) {
    REQUIRE_TOOLS();
    TempDir tmp;
    Child scp;
    const uint16_t port = start_storescp(scp, tmp, tmp.sub("out"), dcmtk_tls("server", ""));
    ASSERT_NE(port, 0) << scp.log();
    const int n = 5;
    double total = 0;
    for (int i = 0; i < n; ++i) {
        const auto t0 = dk_test::Clock::now();
        ProcResult r = run(concat({"echoscu", "-aec", "STORESCP", "127.0.0.1", std::to_string(port)}, dcmtk_tls("client", "")), 20000);
        total += dk_test::ms_since(t0);
        EXPECT_EQ(r.status, 0) << r.all();
    }
    std::printf("[ figures  ] echoscu +tls -> storescp +tls, whole process run: %.1f ms (mean of %d)\n", total / n, n);
    scp.stop(SIGTERM);
}

// ================================================================================================
// The command line
// ================================================================================================

TEST(TlsCli, EveryNetworkCommandListsTheTlsOptions) {
    for (const char *cmd : {"echo", "send", "find", "move", "get", "serve", "recv"}) {
        ProcResult r = run({cli(), cmd, "--help"}, 10000);
        EXPECT_EQ(r.status, 0) << cmd;
        for (const char *opt : {"+tls KEY CERT", "-tls, --disable-tls", "+cf FILE", "+cd DIR", "+crl FILE", "+py,", "+px,",
                                "+pz,", "-rc,", "-vc,", "-ic,", "+hn, -hn"})
            EXPECT_NE(r.out.find(opt), std::string::npos) << cmd << " --help lacks " << opt << "\n" << r.out;
    }
}

TEST(TlsCli, OptionErrors) {
    // A TLS setting without TLS, and +tls without both files: usage errors (2).
    ProcResult r = run({cli(), "echo", "127.0.0.1", "104", "+cf", "ca.pem"}, 10000);
    EXPECT_EQ(r.status, 2) << r.all();
    EXPECT_NE(r.err.find("+cf needs TLS (+tls KEY CERT, or +tla)"), std::string::npos) << r.all();
    r = run({cli(), "send", "127.0.0.1", "104", "x.dcm", "+pz"}, 10000);
    EXPECT_EQ(r.status, 2) << r.all();
    EXPECT_NE(r.err.find("+pz needs TLS"), std::string::npos) << r.all();
    r = run({cli(), "echo", "127.0.0.1", "104", "+tls", "key.pem"}, 10000);
    EXPECT_EQ(r.status, 2) << r.all();
    EXPECT_NE(r.err.find("+tls needs the private key file and the certificate file"), std::string::npos) << r.all();
    // -tls after +tls: plain again, so +cf is refused.
    r = run({cli(), "echo", "127.0.0.1", "104", "+tls", "k", "c", "+cf", "ca.pem", "-tls"}, 10000);
    EXPECT_EQ(r.status, 2) << r.all();
    // Files that cannot be read: an error naming the file, before any connection.
    if (net::tls_available()) {
        r = run({cli(), "echo", "127.0.0.1", "1", "+tls", "/nonexistent/k.pem", "/nonexistent/c.pem", "+cf", "/nonexistent/ca.pem"},
                10000);
        EXPECT_EQ(r.status, 1) << r.all();
        EXPECT_NE(r.err.find("cannot read the certificate '/nonexistent/c.pem'"), std::string::npos) << r.all();
    }
}

TEST(TlsCli, FindMoveAndGetFromServeOverTls) {
    REQUIRE_TOOLS();
    TempDir tmp;
    const auto files = make_files(tmp, 2);
    // The C-MOVE destination: storescp +tls; the archive's sub-association is TLS too, with its
    // own certificate as the client's.
    Child dest;
    const std::string moved = tmp.sub("moved");
    const uint16_t dest_port = start_storescp(dest, tmp, moved, dcmtk_tls("server", "+pz"));
    ASSERT_NE(dest_port, 0) << dest.log();
    Child serve;
    const uint16_t port = dk_test::start_server(
        serve,
        [&](uint16_t p) {
            return std::vector<std::string>{cli(), "serve", std::to_string(p), "--storage", tmp.sub("archive"), "--no-check-called-ae",
                                            "--dest", "STORESCP=127.0.0.1:" + std::to_string(dest_port),
                                            "+tls", pki().key("server"), pki().cert("server"), "+cf", pki().ca, "+pz"};
        },
        tmp / "serve.log");
    ASSERT_NE(port, 0) << serve.log();
    const std::vector<std::string> tls = {"+tls", pki().key("client"), pki().cert("client"), "+cf", pki().ca, "+pz"};
    ProcResult r = run(concat(concat({cli(), "send", "127.0.0.1", std::to_string(port)}, tls), files), 20000);
    ASSERT_EQ(r.status, 0) << r.all();
    r = run(concat({cli(), "find", "127.0.0.1", std::to_string(port), "-k", "QueryRetrieveLevel=PATIENT", "-P", "-k", "PatientID=TLS1", "--json"}, tls), 20000);
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.out.find("TLS1"), std::string::npos) << r.all();
    const std::string out = tmp.sub("got");
    r = run(concat({cli(), "get", "127.0.0.1", std::to_string(port), "--out", out, "-P", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=TLS1"}, tls), 20000);
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(list_dir(out).size(), 2u) << r.all();
    r = run(concat({cli(), "move", "127.0.0.1", std::to_string(port), "--dest", "STORESCP", "-P", "-k", "QueryRetrieveLevel=PATIENT",
                    "-k", "PatientID=TLS1"}, tls), 20000);
    EXPECT_EQ(r.status, 0) << r.all() << serve.log();
    dest.stop(SIGTERM);
    EXPECT_EQ(list_dir(moved).size(), 2u) << r.all() << dest.log();
    // The same commands without TLS fail at once, saying why.
    r = run({cli(), "echo", "127.0.0.1", std::to_string(port)}, 20000);
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(r.err.find("requires TLS"), std::string::npos) << r.all();
    serve.stop(SIGTERM);
}
