// Audit messages received by a real syslog receiver: rsyslogd (run by the test, not as a daemon,
// with its own configuration in a temporary folder) takes them over UDP (RFC 5426), TCP with octet
// counting and TLS (RFC 5425, the ossl stream driver; certificates made with openssl here), and
// writes MSGID, APP-NAME, STRUCTURED-DATA and MSG of each to a file. The XML it received validates
// against the schema of PS3.15 A.5.1. The archive's spool: with rsyslogd stopped, the messages of
// C-STOREs wait in the spool, and arrive once each, in order, when it is back on the same port.
// 127.0.0.1 only, free ports, bounded waits; rsyslogd is stopped by its PID.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <mutex>
#include <regex>
#include <set>

#include "dcmkit/archive_server.h"
#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/services/audit.h"
#include "dcmkit/services/services.h"
#include "peer.h"

using namespace dcmkit;
namespace au = dcmkit::audit;
namespace net = dcmkit::net;

namespace {

const std::string kSchema = std::string(DCMKIT_TEST_DATA_DIR) + "/audit/audit-message.rng";

bool udp_bound(uint16_t port) {
    char want[8];
    std::snprintf(want, sizeof want, ":%04X", port);
    std::ifstream f("/proc/net/udp");
    std::string line;
    std::getline(f, line);
    while (std::getline(f, line)) {
        std::istringstream ls(line);
        std::string sl, local;
        ls >> sl >> local;
        if (local.size() > 5 && local.compare(local.size() - 5, 5, want) == 0) return true;
    }
    return false;
}

/// rsyslogd with UDP, TCP, TLS (anonymous clients) and TLS (client certificate required) inputs.
class Rsyslog {
public:
    explicit Rsyslog(const dk_test::TempDir &dir) : dir_(dir) {}
    ~Rsyslog() { stop(); }

    /// Makes the certificates: a CA, the server's (CN and SAN localhost/127.0.0.1), a client's.
    bool make_certificates(std::string &err) {
        auto ossl = [&](const std::vector<std::string> &args) {
            std::vector<std::string> argv = {"openssl"};
            argv.insert(argv.end(), args.begin(), args.end());
            const auto r = dk_test::run(argv, 60000, dir_.path());
            if (r.status != 0) err += dk_test::shell_words(argv) + ": " + r.all();
            return r.status == 0;
        };
        dk_test::write_bytes(dir_ / "server.ext", std::string("subjectAltName=DNS:localhost,IP:127.0.0.1\n"));
        return ossl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                     "-subj", "/CN=dcmkit audit test CA"}) &&
               ossl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
                     "/CN=localhost"}) &&
               ossl({"x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                     "server.pem", "-days", "2", "-extfile", "server.ext"}) &&
               ossl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj",
                     "/CN=dcmkit-client"}) &&
               ossl({"x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                     "client.pem", "-days", "2"}) &&
               // Another CA, which did not sign the server's certificate.
               ossl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem", "-days",
                     "2", "-subj", "/CN=another CA"});
    }

    /// Starts rsyslogd (on the ports of the first start when restarted); false when it does not listen.
    bool start() {
        if (!udp) {
            udp = dk_test::pick_free_port();
            tcp = dk_test::pick_free_port();
            tls = dk_test::pick_free_port();
            mtls = dk_test::pick_free_port();
            ::mkdir((dir_ / "work").c_str(), 0700);
            const std::string d = dir_.path();
            std::ofstream conf(dir_ / "rsyslog.conf");
            conf << "global(workDirectory=\"" << d << "/work\" maxMessageSize=\"64k\"\n"
                 << "       defaultNetstreamDriverCAFile=\"" << d << "/ca.pem\"\n"
                 << "       defaultNetstreamDriverCertFile=\"" << d << "/server.pem\"\n"
                 << "       defaultNetstreamDriverKeyFile=\"" << d << "/server.key\")\n"
                 << "module(load=\"imudp\")\nmodule(load=\"imtcp\" maxSessions=\"50\")\n"
                 << "template(name=\"audit\" type=\"string\" string=\"%msgid%|%app-name%|%structured-data%|%msg%\\n\")\n"
                 << "input(type=\"imudp\" address=\"127.0.0.1\" port=\"" << udp << "\")\n"
                 << "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" << tcp << "\")\n"
                 << "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" << tls
                 << "\" streamDriver.name=\"ossl\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")\n"
                 << "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" << mtls
                 << "\" streamDriver.name=\"ossl\" streamDriver.mode=\"1\" streamDriver.authMode=\"x509/certvalid\")\n"
                 << "action(type=\"omfile\" file=\"" << d << "/received.log\" template=\"audit\")\n";
        }
        ++starts_;
        std::string exe = dk_test::find_on_path("rsyslogd");
        if (exe.empty()) exe = "/usr/sbin/rsyslogd";
        if (!child_.start({exe, "-n", "-f", dir_ / "rsyslog.conf", "-i", dir_ / "rsyslogd.pid"},
                          dir_ / ("rsyslogd-" + std::to_string(starts_) + ".log")))
            return false;
        return dk_test::wait_until(
                   [&] {
                       return !child_.running() || (dk_test::port_listening(tcp) && dk_test::port_listening(tls) &&
                                                    dk_test::port_listening(mtls) && udp_bound(udp));
                   },
                   15000) &&
               child_.running();
    }
    void stop() {
        if (child_.pid() > 0) child_.stop(SIGTERM, 10000);
    }
    std::string log() const { return child_.log(); }

    /// The lines received so far: MSGID|APP-NAME|SD|MSG.
    std::vector<std::string> received() const {
        std::vector<std::string> out;
        std::ifstream f(dir_ / "received.log");
        std::string line;
        while (std::getline(f, line)) out.push_back(line);
        return out;
    }
    bool wait_for(size_t n, int ms = 15000) const {
        return dk_test::wait_until([&] { return received().size() >= n; }, ms);
    }

    uint16_t udp = 0, tcp = 0, tls = 0, mtls = 0;

private:
    const dk_test::TempDir &dir_;
    dk_test::Child child_;
    int starts_ = 0;
};

/// The XML of a received line, after checking its syslog fields.
std::string xml_of(const std::string &line) {
    const std::string prefix = "IHE+RFC-3881|dcmkit|-|";
    EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
    std::string msg = line.size() >= prefix.size() ? line.substr(prefix.size()) : std::string();
    if (msg.rfind("\xEF\xBB\xBF", 0) == 0) msg = msg.substr(3);  // RFC 5424 MSG-UTF8 starts with a BOM
    return msg;
}

void expect_valid(const dk_test::TempDir &tmp, const std::string &xml) {
    dk_test::write_bytes(tmp / "m.xml", xml);
    const auto r = dk_test::run({"xmllint", "--noout", "--relaxng", kSchema, tmp / "m.xml"});
    EXPECT_EQ(r.status, 0) << r.all() << "\n" << xml;
}

std::string patient_of(const std::string &xml) {
    std::smatch m;
    static const std::regex re("ParticipantObjectID=\"([^\"]*)\" ParticipantObjectTypeCode=\"1\"");
    return std::regex_search(xml, m, re) ? std::string(m[1]) : std::string();
}

std::string event_of(const std::string &xml) {
    std::smatch m;
    static const std::regex re("<EventID csd-code=\"([0-9]+)\"");
    return std::regex_search(xml, m, re) ? std::string(m[1]) : std::string();
}

class AuditRsyslog : public ::testing::Test {
protected:
    void SetUp() override {
        if (dk_test::find_on_path("rsyslogd").empty() && ::access("/usr/sbin/rsyslogd", X_OK) != 0)
            GTEST_SKIP() << "needs rsyslogd (rsyslog, rsyslog-openssl)";
        if (!dk_test::have_tools({"openssl", "xmllint"}))
            GTEST_SKIP() << "needs rsyslogd (rsyslog, rsyslog-openssl), openssl and xmllint";
        std::string err;
        ASSERT_TRUE(rs.make_certificates(err)) << err;
        ASSERT_TRUE(rs.start()) << rs.log();
    }
    au::AuditLogger::Options options(const std::string &dest) {
        au::AuditLogger::Options o;
        o.destination = au::Destination::parse(dest);
        o.retry_min_ms = 50;
        o.retry_max_ms = 500;
        o.log = [this](const std::string &line) {
            std::lock_guard<std::mutex> lock(mu);
            warnings.push_back(line);
        };
        return o;
    }
    dk_test::TempDir tmp{"dcmkit-rsyslog"};
    Rsyslog rs{tmp};
    std::mutex mu;
    std::vector<std::string> warnings;
};

au::Message message(const std::string &patient) {
    au::Instances w;
    w.patient_id = patient;
    w.patient_name = "Test^" + patient;
    w.studies.push_back(au::study("1.2.826.0.1.3680043.10.773.9", {{"1.2.840.10008.5.1.4.1.1.7", 1, {}}}));
    return au::instances_transferred(au::Source{"TEST", {}, {"4"}}, 'C', au::peer("MOD", "127.0.0.1", true),
                                     au::application("1", {"ARCHIVE"}, "127.0.0.1", false), w);
}

}  // namespace

TEST_F(AuditRsyslog, UdpTcpAndTlsMessagesArriveAndValidate) {
    const std::vector<std::pair<std::string, std::string>> sends = {
        {"udp://127.0.0.1:" + std::to_string(rs.udp), "P-UDP"},
        {"tcp://127.0.0.1:" + std::to_string(rs.tcp), "P-TCP"},
        {"tls://127.0.0.1:" + std::to_string(rs.tls), "P-TLS"},
        {"tls://localhost:" + std::to_string(rs.mtls), "P-MTLS"},
    };
    for (const auto &[dest, patient] : sends) {
        auto o = options(dest);
        o.destination.ca_file = tmp / "ca.pem";
        if (patient == "P-MTLS") {
            o.destination.cert_file = tmp / "client.pem";
            o.destination.key_file = tmp / "client.key";
        }
        au::AuditLogger log(o);
        log.log(message(patient));
        EXPECT_TRUE(log.flush(10000)) << dest;
        EXPECT_EQ(log.stats().delivered, 1u) << dest;
    }
    ASSERT_TRUE(rs.wait_for(4)) << rs.log();
    std::set<std::string> patients;
    for (const auto &line : rs.received()) {
        const std::string xml = xml_of(line);
        expect_valid(tmp, xml);
        EXPECT_EQ(event_of(xml), "110104");
        patients.insert(patient_of(xml));
    }
    EXPECT_EQ(patients, (std::set<std::string>{"P-UDP", "P-TCP", "P-TLS", "P-MTLS"}));
}

TEST_F(AuditRsyslog, TlsRefusalsAreNotCountedAsDelivered) {
    // A repository whose certificate the CA file does not vouch for; a repository that requires a
    // client certificate, without one (TLS 1.3 tells it after the handshake).
    for (const std::string which : {"wrong-ca", "no-client-cert"}) {
        auto o = options("tls://127.0.0.1:" + std::to_string(which == "wrong-ca" ? rs.tls : rs.mtls));
        o.destination.ca_file = tmp / (which == "wrong-ca" ? "other.pem" : "ca.pem");
        au::AuditLogger log(o);
        log.log(message(which));
        EXPECT_FALSE(log.flush(1500)) << which;
        EXPECT_EQ(log.stats().delivered, 0u) << which;
        EXPECT_GT(log.stats().failures, 0u) << which;
        log.stop(0);
    }
    ::usleep(300000);
    EXPECT_TRUE(rs.received().empty());
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_FALSE(warnings.empty());
    EXPECT_NE(warnings[0].find("certificate verify failed"), std::string::npos) << warnings[0];
}

namespace {

DicomFile image(int n) {
    const std::string uid = "1.2.826.0.1.3680043.10.773.7" + std::to_string(n);
    DicomFile f;
    f.transfer_syntax = "1.2.840.10008.1.2.1";
    Dataset &d = f.dataset;
    d.set_string(tags::SOPClassUID, "1.2.840.10008.5.1.4.1.1.7", VR::UI);
    d.set_string(tags::SOPInstanceUID, uid, VR::UI);
    d.set_string(Tag(0x0010, 0x0010), "Spool^" + std::to_string(n), VR::PN);
    d.set_string(Tag(0x0010, 0x0020), "SPOOL-" + std::to_string(n), VR::LO);
    d.set_string(Tag(0x0020, 0x000D), uid + ".0", VR::UI);
    d.set_string(Tag(0x0020, 0x000E), uid + ".1", VR::UI);
    d.set_int(Tag(0x0028, 0x0002), 1, VR::US);
    d.set_string(Tag(0x0028, 0x0004), "MONOCHROME2", VR::CS);
    d.set_int(Tag(0x0028, 0x0010), 2, VR::US);
    d.set_int(Tag(0x0028, 0x0011), 2, VR::US);
    d.set_int(Tag(0x0028, 0x0100), 8, VR::US);
    d.set_int(Tag(0x0028, 0x0101), 8, VR::US);
    d.set_int(Tag(0x0028, 0x0102), 7, VR::US);
    d.set_int(Tag(0x0028, 0x0103), 0, VR::US);
    d.set_bytes(tags::PixelData, VR::OB, Bytes(std::vector<uint8_t>{1, 2, 3, 4}));
    return f;
}

size_t spool_files(const std::string &dir) {
    size_t n = 0;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d)) n += std::string(e->d_name).size() == 24;
        ::closedir(d);
    }
    return n;
}

}  // namespace

TEST_F(AuditRsyslog, ArchiveSpoolsWhileTheRepositoryIsDownAndDeliversEachOnceInOrder) {
    for (const std::string scheme : {"tcp", "tls"}) {
        SCOPED_TRACE(scheme);
        dk_test::TempDir store("dcmkit-rsyslog-archive");
        archive::Config c;
        c.storage = store / "archive";
        c.ae_title = "ARCHIVE";
        c.audit.destination = scheme + "://127.0.0.1:" + std::to_string(scheme == "tcp" ? rs.tcp : rs.tls);
        c.audit.ca_file = tmp / "ca.pem";
        c.audit.spool = store / "spool";
        c.log = [](net::LogLevel, const std::string &) {};
        const size_t before = rs.received().size();
        net::AeConfig scu;
        scu.ae_title = "MODALITY";
        scu.add("1.2.840.10008.5.1.4.1.1.7", {}, false, true);
        std::vector<std::string> want = {"start"};
        {
            archive::Server s(c);
            s.start("127.0.0.1", 0);
            auto store_one = [&](int n) {
                auto a = net::Association::connect(scu, "127.0.0.1", s.port(), "ARCHIVE");
                EXPECT_EQ(net::store(*a, image(n)).status, 0);
                a->release();
                want.push_back("SPOOL-" + std::to_string(n));
                // Its message is logged before the association counts as served: the next one's comes after.
                EXPECT_TRUE(dk_test::wait_until([&] { return s.counters().associations_served >= uint64_t(n); }, 5000));
            };
            store_one(1);
            ASSERT_TRUE(rs.wait_for(before + 2)) << rs.log();
            rs.stop();  // the repository goes away
            const auto t0 = dk_test::Clock::now();
            for (int n = 2; n <= 6; ++n) store_one(n);
            // The stores were not held up by the missing repository.
            EXPECT_LT(dk_test::ms_since(t0), 5000.0);
            EXPECT_TRUE(dk_test::wait_until([&] { return spool_files(c.audit.spool) >= 5; }, 10000));
            ASSERT_TRUE(rs.start()) << rs.log();  // back, on the same ports
            ASSERT_TRUE(rs.wait_for(before + 7, 20000)) << rs.log();
            s.stop(2000);
            want.push_back("stop");
        }
        ASSERT_TRUE(rs.wait_for(before + 8)) << rs.log();
        ::usleep(300000);  // anything sent twice would show by now
        const auto lines = rs.received();
        std::vector<std::string> got;
        for (size_t i = before; i < lines.size(); ++i) {
            const std::string xml = xml_of(lines[i]);
            expect_valid(tmp, xml);
            const std::string ev = event_of(xml);
            if (ev == "110100") got.push_back(xml.find("\"110120\"") != std::string::npos ? "start" : "stop");
            else if (ev == "110104") got.push_back(patient_of(xml));
            else got.push_back("event " + ev);
        }
        EXPECT_EQ(got, want);
        EXPECT_EQ(spool_files(c.audit.spool), 0u);
    }
}
