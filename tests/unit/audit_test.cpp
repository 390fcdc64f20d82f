// Audit messages (PS3.15 A.5): each builder's XML validated with xmllint against the RELAX NG
// schema of PS3.15 A.5.1 (tests/data/audit), its codes checked against A.5.3's tables; the RFC 5424
// framing; the logger's spool and ordering against a small octet-counting receiver.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <thread>

#include "dcmkit/base64.h"
#include "dcmkit/error.h"
#include "dcmkit/services/audit.h"
#include "peer.h"

namespace au = dcmkit::audit;
using dk_test::TempDir;

namespace {

const std::string kSchema = std::string(DCMKIT_TEST_DATA_DIR) + "/audit/audit-message.rng";

struct Validation {
    bool ok = false;
    std::string out;
};

Validation validate(const TempDir &tmp, const std::string &xml) {
    const std::string path = tmp / "m.xml";
    dk_test::write_bytes(path, xml);
    const auto r = dk_test::run({"xmllint", "--noout", "--relaxng", kSchema, path});
    return {r.status == 0, r.all()};
}

/// The value of an XPath string() over `xml`, by xmllint.
std::string xpath(const TempDir &tmp, const std::string &xml, const std::string &expr) {
    const std::string path = tmp / "x.xml";
    dk_test::write_bytes(path, xml);
    std::string out = dk_test::run({"xmllint", "--xpath", "string(" + expr + ")", path}).out;
    if (!out.empty() && out.back() == '\n') out.pop_back();  // xmllint ends its output with one
    return out;
}

std::vector<std::string> list_dir(const std::string &dir) {
    std::vector<std::string> out;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
        ::closedir(d);
    }
    return out;
}

au::Source source() { return au::Source{"ARCHIVE@host", "Hospital", {"4"}}; }
au::Participant archive() { return au::application("4711", {"DCMKIT"}, "127.0.0.1", false); }
au::Instances ct_study() {
    au::Instances w;
    w.patient_id = "PID-1";
    w.patient_name = "Doe^John";
    w.studies.push_back(au::study("1.2.3.4", {{"1.2.840.10008.5.1.4.1.1.2", 3, {}}}, {"ACC1"}));
    return w;
}

class AuditXml : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"xmllint"})) GTEST_SKIP() << "xmllint (libxml2-utils) is not installed";
    }
    void expect_valid(const au::Message &m) {
        const std::string xml = m.to_xml();
        const Validation v = validate(tmp, xml);
        EXPECT_TRUE(v.ok) << v.out << "\n" << xml;
        EXPECT_EQ(xml.find('\n'), std::string::npos);
    }
    std::string x(const au::Message &m, const std::string &expr) { return xpath(tmp, m.to_xml(), expr); }
    TempDir tmp{"dcmkit-audit"};
};

}  // namespace

TEST_F(AuditXml, SchemaRejectsWhatTheStandardForbids) {
    // The checks below mean something only if the schema bites: an outcome of 3 and a missing
    // AuditSourceIdentification are refused.
    au::Message m = au::application_activity(true, source(), archive());
    std::string xml = m.to_xml();
    ASSERT_TRUE(validate(tmp, xml).ok);
    std::string bad = std::regex_replace(xml, std::regex("EventOutcomeIndicator=\"0\""), "EventOutcomeIndicator=\"3\"");
    EXPECT_FALSE(validate(tmp, bad).ok);
    bad = std::regex_replace(xml, std::regex("<AuditSourceIdentification.*</AuditSourceIdentification>"), "");
    EXPECT_FALSE(validate(tmp, bad).ok);
}

TEST_F(AuditXml, ApplicationActivity) {
    // PS3.15 A.5.3.1: EV (110100, DCM, "Application Activity"), EventActionCode E, EventTypeCode
    // 110120 Application Start / 110121 Application Stop; the application has RoleIDCode 110150,
    // whoever started it 110151 Application Launcher and UserIsRequestor true.
    au::Participant launcher;
    launcher.user_id = "root";
    const au::Message start = au::application_activity(true, source(), archive(), launcher);
    expect_valid(start);
    EXPECT_EQ(x(start, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110100");
    EXPECT_EQ(x(start, "/AuditMessage/EventIdentification/EventID/@codeSystemName"), "DCM");
    EXPECT_EQ(x(start, "/AuditMessage/EventIdentification/EventID/@originalText"), "Application Activity");
    EXPECT_EQ(x(start, "/AuditMessage/EventIdentification/@EventActionCode"), "E");
    EXPECT_EQ(x(start, "/AuditMessage/EventIdentification/EventTypeCode/@csd-code"), "110120");
    EXPECT_EQ(x(start, "/AuditMessage/ActiveParticipant[1]/RoleIDCode/@csd-code"), "110150");
    EXPECT_EQ(x(start, "/AuditMessage/ActiveParticipant[1]/@AlternativeUserID"), "AETITLES=DCMKIT");
    EXPECT_EQ(x(start, "/AuditMessage/ActiveParticipant[1]/@NetworkAccessPointTypeCode"), "2");
    EXPECT_EQ(x(start, "/AuditMessage/ActiveParticipant[2]/RoleIDCode/@csd-code"), "110151");
    EXPECT_EQ(x(start, "/AuditMessage/ActiveParticipant[2]/@UserIsRequestor"), "true");
    EXPECT_EQ(x(start, "/AuditMessage/AuditSourceIdentification/@AuditSourceID"), "ARCHIVE@host");
    EXPECT_EQ(x(start, "/AuditMessage/AuditSourceIdentification/AuditSourceTypeCode/@csd-code"), "4");
    const au::Message stop = au::application_activity(false, source(), archive());
    expect_valid(stop);
    EXPECT_EQ(x(stop, "/AuditMessage/EventIdentification/EventTypeCode/@csd-code"), "110121");
    EXPECT_EQ(x(stop, "/AuditMessage/EventIdentification/EventTypeCode/@originalText"), "Application Stop");
}

TEST_F(AuditXml, EventDateTimeIsUtcWithZone) {
    // PS3.15 A.5.2.5: the time in UTC with its time zone; 2001-09-09T01:46:40Z is 1e9 s.
    au::Message m = au::application_activity(true, source(), archive());
    m.time = std::chrono::system_clock::time_point(std::chrono::seconds(1000000000) + std::chrono::milliseconds(5));
    expect_valid(m);
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/@EventDateTime"), "2001-09-09T01:46:40.005Z");
}

TEST_F(AuditXml, BeginTransferringAndInstancesTransferred) {
    // A.5.3.3: EV (110102, DCM, "Begin Transferring DICOM Instances"), action E; A.5.3.7: EV
    // (110104, DCM, "DICOM Instances Transferred"), C/R/U; source 110153, destination 110152;
    // the study: type 2 role 3, (110180, DCM, "Study Instance UID") with SOPClass UID and
    // NumberOfInstances; the patient: type 1 role 1, (2, RFC-3881, "Patient Number").
    const au::Participant dest = au::peer("VIEWER", "10.0.0.7:11112", false);
    const au::Message begin = au::begin_transferring(source(), archive(), dest, ct_study());
    expect_valid(begin);
    EXPECT_EQ(x(begin, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110102");
    EXPECT_EQ(x(begin, "/AuditMessage/EventIdentification/@EventActionCode"), "E");
    const au::Message done = au::instances_transferred(source(), 'R', archive(), dest, ct_study());
    expect_valid(done);
    EXPECT_EQ(x(done, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110104");
    EXPECT_EQ(x(done, "/AuditMessage/EventIdentification/EventID/@originalText"), "DICOM Instances Transferred");
    EXPECT_EQ(x(done, "/AuditMessage/EventIdentification/@EventActionCode"), "R");
    EXPECT_EQ(x(done, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110153']/@UserID"), "4711");
    EXPECT_EQ(x(done, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110152']/@UserID"), "VIEWER");
    EXPECT_EQ(x(done, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110152']/@AlternativeUserID"), "AETITLES=VIEWER");
    EXPECT_EQ(x(done, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110152']/@NetworkAccessPointID"), "10.0.0.7");
    const std::string st = "/AuditMessage/ParticipantObjectIdentification[ParticipantObjectIDTypeCode/@csd-code='110180']";
    EXPECT_EQ(x(done, st + "/@ParticipantObjectID"), "1.2.3.4");
    EXPECT_EQ(x(done, st + "/@ParticipantObjectTypeCode"), "2");
    EXPECT_EQ(x(done, st + "/@ParticipantObjectTypeCodeRole"), "3");
    EXPECT_EQ(x(done, st + "/ParticipantObjectDescription/SOPClass/@UID"), "1.2.840.10008.5.1.4.1.1.2");
    EXPECT_EQ(x(done, st + "/ParticipantObjectDescription/SOPClass/@NumberOfInstances"), "3");
    EXPECT_EQ(x(done, st + "/ParticipantObjectDescription/Accession/@Number"), "ACC1");
    const std::string pt = "/AuditMessage/ParticipantObjectIdentification[ParticipantObjectIDTypeCode/@csd-code='2']";
    EXPECT_EQ(x(done, pt + "/ParticipantObjectIDTypeCode/@codeSystemName"), "RFC-3881");
    EXPECT_EQ(x(done, pt + "/ParticipantObjectIDTypeCode/@originalText"), "Patient Number");
    EXPECT_EQ(x(done, pt + "/@ParticipantObjectID"), "PID-1");
    EXPECT_EQ(x(done, pt + "/@ParticipantObjectTypeCode"), "1");
    EXPECT_EQ(x(done, pt + "/@ParticipantObjectTypeCodeRole"), "1");
    EXPECT_EQ(x(done, pt + "/ParticipantObjectName"), "Doe^John");
    // A.5.3.7 allows C, R and U only.
    EXPECT_THROW(au::instances_transferred(source(), 'D', archive(), dest, ct_study()), dcmkit::Error);
}

TEST_F(AuditXml, InstancesAccessed) {
    // A.5.3.6: EV (110103, DCM, "DICOM Instances Accessed"), action C, R, U or D.
    const au::Message m = au::instances_accessed(source(), 'D', {archive()}, ct_study());
    expect_valid(m);
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110103");
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/@EventActionCode"), "D");
    EXPECT_THROW(au::instances_accessed(source(), 'E', {archive()}, ct_study()), dcmkit::Error);
}

TEST_F(AuditXml, ExportAndImport) {
    // A.5.3.4: EV (110106, DCM, "Export"), action R, media 110154 Destination Media;
    // A.5.3.5: EV (110107, DCM, "Import"), action C, media 110155 Source Media.
    au::Participant media;
    media.user_id = "file:///media/dvd";
    media.media_type = au::Code{"110033", "DCM", "DVD"};
    au::Participant user;
    user.user_id = "alice@hospital";
    const au::Message ex = au::data_export(source(), user, media, ct_study());
    expect_valid(ex);
    EXPECT_EQ(x(ex, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110106");
    EXPECT_EQ(x(ex, "/AuditMessage/EventIdentification/@EventActionCode"), "R");
    EXPECT_EQ(x(ex, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110154']/MediaIdentifier/MediaType/@csd-code"),
              "110033");
    EXPECT_EQ(x(ex, "/AuditMessage/ActiveParticipant[@UserID='alice@hospital']/@UserIsRequestor"), "true");
    const au::Message im = au::data_import(source(), user, media, ct_study());
    expect_valid(im);
    EXPECT_EQ(x(im, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110107");
    EXPECT_EQ(x(im, "/AuditMessage/EventIdentification/@EventActionCode"), "C");
    EXPECT_EQ(x(im, "count(/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110155'])"), "1");
}

TEST_F(AuditXml, NetworkEntry) {
    // A.5.3.9: EV (110108, DCM, "Network Entry"), action E, 110124 Attach / 110125 Detach.
    const au::Message m = au::network_entry(false, source(), au::application("node1", {}, "node1.example", false));
    expect_valid(m);
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110108");
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/EventTypeCode/@csd-code"), "110125");
    EXPECT_EQ(x(m, "/AuditMessage/ActiveParticipant/@NetworkAccessPointTypeCode"), "1");
}

TEST_F(AuditXml, QueryCarriesTheDatasetInBase64) {
    // A.5.3.10: EV (110112, DCM, "Query"), action E; issuer 110153 (requestor), responder 110152;
    // the SOP Queried: (110181, DCM, "SOP Class UID"), the query in ParticipantObjectQuery (base64)
    // and a ParticipantObjectDetail "TransferSyntax".
    const std::string q("\x08\x00\x52\x00\x06\x00\x00\x00STUDY ", 14);
    const au::Message m = au::query(source(), au::peer("MODALITY", "10.1.1.1", true), archive(),
                                    "1.2.840.10008.5.1.4.1.2.2.1", q, "1.2.840.10008.1.2.1");
    expect_valid(m);
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110112");
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/@EventActionCode"), "E");
    EXPECT_EQ(x(m, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110153']/@UserIsRequestor"), "true");
    const std::string o = "/AuditMessage/ParticipantObjectIdentification";
    EXPECT_EQ(x(m, o + "/ParticipantObjectIDTypeCode/@csd-code"), "110181");
    EXPECT_EQ(x(m, o + "/@ParticipantObjectID"), "1.2.840.10008.5.1.4.1.2.2.1");
    EXPECT_EQ(x(m, o + "/@ParticipantObjectTypeCode"), "2");
    // base64 of 08 00 52 00 06 00 00 00 "STUDY " (RFC 4648 alphabet, as Python's base64.b64encode gives it)
    EXPECT_EQ(x(m, o + "/ParticipantObjectQuery"), "CABSAAYAAABTVFVEWSA=");
    EXPECT_EQ(x(m, o + "/ParticipantObjectDetail/@type"), "TransferSyntax");
    EXPECT_EQ(x(m, o + "/ParticipantObjectDetail/@value"), dcmkit::base64_encode("1.2.840.10008.1.2.1"));
}

TEST_F(AuditXml, SecurityAlert) {
    // A.5.3.11: EV (110113, DCM, "Security Alert"), action E, a type of CID 401 (here 110126
    // Node Authentication); the reporter is a requestor; the subject carries an Alert Description.
    au::ParticipantObject subject;
    subject.id = "EVIL_AE";
    subject.id_type = au::codes::NodeID;
    subject.type_code = 2;
    const au::Message m = au::security_alert(source(), au::codes::NodeAuthentication, archive(),
                                             {au::peer("EVIL_AE", "10.9.9.9:4000", false)}, subject,
                                             "calling AE title 'EVIL_AE' is not allowed");
    expect_valid(m);
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110113");
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/EventTypeCode/@csd-code"), "110126");
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/@EventOutcomeIndicator"), "4");
    EXPECT_EQ(x(m, "/AuditMessage/ActiveParticipant[1]/@UserIsRequestor"), "true");
    EXPECT_EQ(x(m, "/AuditMessage/ParticipantObjectIdentification/ParticipantObjectIDTypeCode/@csd-code"), "110182");
    EXPECT_EQ(x(m, "/AuditMessage/ParticipantObjectIdentification/ParticipantObjectDetail/@type"), "Alert Description");
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/EventOutcomeDescription"), "calling AE title 'EVIL_AE' is not allowed");
}

TEST_F(AuditXml, UserAuthenticationSuccessAndFailure) {
    // A.5.3.12: EV (110114, DCM, "User Authentication"), action E, 110122 Login / 110123 Logout.
    au::Participant user;
    user.user_id = "bob";
    const au::Message ok = au::user_authentication(true, source(), user, archive());
    expect_valid(ok);
    EXPECT_EQ(x(ok, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110114");
    EXPECT_EQ(x(ok, "/AuditMessage/EventIdentification/EventTypeCode/@csd-code"), "110122");
    EXPECT_EQ(x(ok, "/AuditMessage/EventIdentification/@EventOutcomeIndicator"), "0");
    const au::Message bad = au::user_authentication(true, source(), user, archive(), au::Outcome::serious_failure, "bad password");
    expect_valid(bad);
    EXPECT_EQ(x(bad, "/AuditMessage/EventIdentification/@EventOutcomeIndicator"), "8");
    const au::Message out = au::user_authentication(false, source(), user, std::nullopt, au::Outcome::major_failure);
    expect_valid(out);
    EXPECT_EQ(x(out, "/AuditMessage/EventIdentification/EventTypeCode/@csd-code"), "110123");
    EXPECT_EQ(x(out, "/AuditMessage/EventIdentification/@EventOutcomeIndicator"), "12");
}

TEST_F(AuditXml, AuditLogUsed) {
    // A.5.3.2: EV (110101, DCM, "Audit Log Used"), action R; the log is a URI (12, RFC-3881, "URI").
    au::Participant user;
    user.user_id = "auditor";
    const au::Message m = au::audit_log_used(source(), user, "file:///var/log/audit.log");
    expect_valid(m);
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/EventID/@csd-code"), "110101");
    EXPECT_EQ(x(m, "/AuditMessage/EventIdentification/@EventActionCode"), "R");
    EXPECT_EQ(x(m, "/AuditMessage/ParticipantObjectIdentification/ParticipantObjectIDTypeCode/@csd-code"), "12");
}

TEST_F(AuditXml, TextIsEscaped) {
    // Markup, quotes and line breaks in values survive as the same text (xmllint reads them back).
    au::Instances w = ct_study();
    w.patient_name = "O'Brien <&> \"Jr\"\nline2";
    au::Participant sender = au::peer("A&B<C>", "10.0.0.1", true);
    const au::Message m = au::instances_transferred(source(), 'C', sender, archive(), w);
    expect_valid(m);
    EXPECT_EQ(x(m, "/AuditMessage/ParticipantObjectIdentification[@ParticipantObjectTypeCode='1']/ParticipantObjectName"),
              "O'Brien <&> \"Jr\"\nline2");
    EXPECT_EQ(x(m, "/AuditMessage/ActiveParticipant[1]/@UserID"), "A&B<C>");
}

TEST(AuditSyslog, Rfc5424Header) {
    // RFC 5424 6: "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG", PRI = 10*8+5 (security,
    // notice), MSGID "IHE+RFC-3881" (IHE ITI TF-2 3.20.6), SD "-", MSG = BOM + the XML.
    const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1000000000));
    const std::string m = au::syslog_message("<AuditMessage/>", "dcmkit", "my host", t);
    const std::regex re("^<85>1 2001-09-09T01:46:40\\.000Z myhost dcmkit [0-9]+ IHE\\+RFC-3881 - \xEF\xBB\xBF<AuditMessage/>$");
    EXPECT_TRUE(std::regex_match(m, re)) << m;
}

TEST(AuditDestination, Parse) {
    auto d = au::Destination::parse("udp://127.0.0.1:514");
    EXPECT_EQ(d.kind, au::Destination::Kind::udp);
    EXPECT_EQ(d.host, "127.0.0.1");
    EXPECT_EQ(d.port, 514);
    d = au::Destination::parse("tls://[::1]:6514");
    EXPECT_EQ(d.kind, au::Destination::Kind::tls);
    EXPECT_EQ(d.host, "::1");
    EXPECT_EQ(d.port, 6514);
    d = au::Destination::parse("file:/var/log/audit.log");
    EXPECT_EQ(d.kind, au::Destination::Kind::file);
    EXPECT_EQ(d.path, "/var/log/audit.log");
    for (const char *bad : {"http://x:1", "tcp://host", "tcp://host:0", "tcp://host:70000", "file:", "udp://:5"})
        EXPECT_THROW(au::Destination::parse(bad), dcmkit::Error) << bad;
}

// -- delivery ------------------------------------------------------------------------------------

namespace {

/// An octet-counting (RFC 6587 3.4.1) TCP receiver on 127.0.0.1:port, stoppable and restartable.
class Receiver {
public:
    explicit Receiver(uint16_t port = 0) { start(port); }
    ~Receiver() { stop(); }
    void start(uint16_t port) {
        lfd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        ::setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        if (::bind(lfd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(lfd_, 8) != 0)
            throw std::runtime_error("bind");
        socklen_t len = sizeof a;
        ::getsockname(lfd_, reinterpret_cast<sockaddr *>(&a), &len);
        port_ = ntohs(a.sin_port);
        stop_ = false;
        thread_ = std::thread([this] { loop(); });
    }
    void stop() {
        if (!thread_.joinable()) return;
        stop_ = true;
        thread_.join();
        ::close(lfd_);
    }
    uint16_t port() const { return port_; }
    std::vector<std::string> messages() {
        std::lock_guard<std::mutex> lock(mu_);
        return got_;
    }
    bool bad_framing() const { return bad_; }

private:
    void loop() {
        std::vector<int> conns;
        std::vector<std::string> bufs;
        while (!stop_) {
            std::vector<pollfd> p{{lfd_, POLLIN, 0}};
            for (int c : conns) p.push_back({c, POLLIN, 0});
            if (::poll(p.data(), p.size(), 20) <= 0) continue;
            if (p[0].revents & POLLIN) {
                const int c = ::accept4(lfd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (c >= 0) {
                    conns.push_back(c);
                    bufs.emplace_back();
                }
            }
            for (size_t i = 1; i < p.size(); ++i) {
                if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                char buf[4096];
                const ssize_t n = ::recv(conns[i - 1], buf, sizeof buf, 0);
                if (n <= 0) {
                    ::close(conns[i - 1]);
                    conns[i - 1] = -1;
                    continue;
                }
                bufs[i - 1].append(buf, size_t(n));
                std::string &b = bufs[i - 1];
                for (;;) {
                    const size_t sp = b.find(' ');
                    if (sp == std::string::npos) break;
                    const std::string len = b.substr(0, sp);
                    if (len.empty() || len.find_first_not_of("0123456789") != std::string::npos) {
                        bad_ = true;
                        b.clear();
                        break;
                    }
                    const size_t n2 = std::stoul(len);
                    if (b.size() < sp + 1 + n2) break;
                    std::lock_guard<std::mutex> lock(mu_);
                    got_.push_back(b.substr(sp + 1, n2));
                    b.erase(0, sp + 1 + n2);
                }
            }
            for (size_t i = conns.size(); i-- > 0;)
                if (conns[i] < 0) {
                    conns.erase(conns.begin() + long(i));
                    bufs.erase(bufs.begin() + long(i));
                }
        }
        for (int c : conns) ::close(c);
    }
    int lfd_ = -1;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<bool> bad_{false};
    std::thread thread_;
    std::mutex mu_;
    std::vector<std::string> got_;
};

au::Message numbered(int i) {
    au::Instances w = ct_study();
    w.patient_id = "P" + std::to_string(i);
    return au::instances_transferred(source(), 'C', au::peer("MOD", "127.0.0.1", true), archive(), w);
}

std::vector<std::string> patient_ids(const std::vector<std::string> &msgs) {
    std::vector<std::string> out;
    const std::regex re("ParticipantObjectID=\"(P[0-9]+)\"");
    for (const auto &m : msgs) {
        std::smatch s;
        if (std::regex_search(m, s, re)) out.push_back(s[1]);
    }
    return out;
}

std::vector<std::string> expected(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i <= to; ++i) out.push_back("P" + std::to_string(i));
    return out;
}

}  // namespace

TEST(AuditLogger, TcpOctetCountingInOrder) {
    Receiver r;
    TempDir tmp("dcmkit-audit");
    au::AuditLogger::Options o;
    o.destination = au::Destination::parse("tcp://127.0.0.1:" + std::to_string(r.port()));
    o.spool = tmp / "spool";
    au::AuditLogger log(o);
    for (int i = 1; i <= 20; ++i) log.log(numbered(i));
    ASSERT_TRUE(log.flush(10000));
    EXPECT_TRUE(dk_test::wait_until([&] { return r.messages().size() >= 20; }, 5000));
    EXPECT_FALSE(r.bad_framing());
    EXPECT_EQ(patient_ids(r.messages()), expected(1, 20));
    for (const auto &m : r.messages()) EXPECT_EQ(m.rfind("<85>1 ", 0), 0u);
    EXPECT_EQ(log.stats().delivered, 20u);
}

TEST(AuditLogger, SpoolsWhileTheRepositoryIsDownThenDeliversOnceInOrder) {
    auto r = std::make_unique<Receiver>();
    const uint16_t port = r->port();
    TempDir tmp("dcmkit-audit");
    au::AuditLogger::Options o;
    o.destination = au::Destination::parse("tcp://127.0.0.1:" + std::to_string(port));
    o.spool = tmp / "spool";
    o.retry_min_ms = 20;
    o.retry_max_ms = 100;
    auto log = std::make_unique<au::AuditLogger>(o);
    for (int i = 1; i <= 5; ++i) log->log(numbered(i));
    ASSERT_TRUE(log->flush(10000));
    ASSERT_TRUE(dk_test::wait_until([&] { return r->messages().size() >= 5; }, 5000));
    std::vector<std::string> all = r->messages();
    r->stop();  // the repository goes away (its connections closed)
    for (int i = 6; i <= 12; ++i) log->log(numbered(i));
    // Never blocks: log() returned at once; the messages wait in the spool, one file each.
    EXPECT_TRUE(dk_test::wait_until([&] { return log->stats().failures > 0; }, 5000));
    EXPECT_FALSE(log->flush(300));
    size_t files = 0;
    for (const auto &e : list_dir(tmp / "spool")) files += e.size() == 24 ? 1 : 0;
    EXPECT_EQ(files, 7u);
    // A restarted logger resumes the spool.
    log->stop(0);
    log.reset();
    log = std::make_unique<au::AuditLogger>(o);
    for (int i = 13; i <= 14; ++i) log->log(numbered(i));
    Receiver again(port);
    ASSERT_TRUE(log->flush(10000));
    ASSERT_TRUE(dk_test::wait_until([&] { return again.messages().size() >= 9; }, 5000));
    for (const auto &m : again.messages()) all.push_back(m);
    EXPECT_EQ(patient_ids(all), expected(1, 14));
    EXPECT_TRUE(list_dir(tmp / "spool").empty());
}

TEST(AuditLogger, FileOneRecordPerLine) {
    TempDir tmp("dcmkit-audit");
    au::AuditLogger::Options o;
    o.destination = au::Destination::parse("file:" + (tmp / "audit.log"));
    {
        au::AuditLogger log(o);
        au::Instances w = ct_study();
        w.patient_name = "two\nlines";
        log.log(au::instances_transferred(source(), 'C', au::peer("MOD", "127.0.0.1", true), archive(), w));
        log.log(numbered(2));
        ASSERT_TRUE(log.flush(5000));
    }
    const std::string text = dk_test::read_bytes(tmp / "audit.log");
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
    EXPECT_NE(text.find("two&#10;lines"), std::string::npos);
}

TEST(AuditLogger, UdpOneMessagePerDatagram) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    au::AuditLogger::Options o;
    o.destination = au::Destination::parse("udp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
    au::AuditLogger log(o);
    log.log(numbered(1));
    // Larger than a UDP datagram can be (65507 bytes): dropped, not retried forever ahead of the rest.
    au::Instances huge = ct_study();
    huge.patient_name = std::string(70000, 'x');
    log.log(au::instances_transferred(source(), 'C', au::peer("MOD", "127.0.0.1", true), archive(), huge));
    log.log(numbered(2));
    ASSERT_TRUE(log.flush(5000));
    EXPECT_EQ(log.stats().dropped, 1u);
    EXPECT_EQ(log.stats().delivered, 2u);
    std::vector<std::string> got;
    for (int i = 0; i < 2; ++i) {
        pollfd p{fd, POLLIN, 0};
        ASSERT_EQ(::poll(&p, 1, 5000), 1);
        char buf[65536];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        ASSERT_GT(n, 0);
        got.emplace_back(buf, size_t(n));
    }
    ::close(fd);
    EXPECT_EQ(patient_ids(got), expected(1, 2));
    EXPECT_EQ(got[0].find("</AuditMessage>"), got[0].size() - 15);  // the datagram is the whole message
}
