// The archive server's audit trail (PS3.15 A.5.3) to a file: Application Start/Stop, DICOM
// Instances Transferred per association and patient for C-STOREs, Query for a C-FIND (its
// identifier base64 in ParticipantObjectQuery), Begin Transferring + DICOM Instances Transferred for
// a C-GET, Security Alert for a calling AE title the configuration does not allow. Each message is
// validated with xmllint against the schema of PS3.15 A.5.1. 127.0.0.1 only, port 0.
#include <gtest/gtest.h>

#include <mutex>
#include <regex>

#include "dcmkit/archive_server.h"
#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "index_backends.h"
#include "peer.h"

using namespace dcmkit;
namespace net = dcmkit::net;

namespace {

constexpr const char *kSc = "1.2.840.10008.5.1.4.1.1.7";
constexpr const char *kStudyFind = "1.2.840.10008.5.1.4.1.2.2.1";
constexpr const char *kStudyGet = "1.2.840.10008.5.1.4.1.2.2.3";
const std::string kSchema = std::string(DCMKIT_TEST_DATA_DIR) + "/audit/audit-message.rng";

DicomFile image(const std::string &uid, const std::string &patient, const std::string &study) {
    DicomFile f;
    f.transfer_syntax = "1.2.840.10008.1.2.1";
    Dataset &d = f.dataset;
    d.set_string(tags::SOPClassUID, kSc, VR::UI);
    d.set_string(tags::SOPInstanceUID, uid, VR::UI);
    d.set_string(Tag(0x0008, 0x0050), "ACC-" + patient, VR::SH);
    d.set_string(Tag(0x0010, 0x0010), "Audit^" + patient, VR::PN);
    d.set_string(Tag(0x0010, 0x0020), patient, VR::LO);
    d.set_string(Tag(0x0020, 0x000D), study, VR::UI);
    d.set_string(Tag(0x0020, 0x000E), study + ".1", VR::UI);
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

/// The XML of each RFC 5424 line of the audit file (after the BOM).
std::vector<std::string> messages(const std::string &path) {
    std::vector<std::string> out;
    std::istringstream in(dk_test::read_bytes(path));
    std::string line;
    while (std::getline(in, line)) {
        const size_t bom = line.find("\xEF\xBB\xBF");
        EXPECT_EQ(line.rfind("<85>1 ", 0), 0u) << line;
        EXPECT_NE(line.find(" dcmkit "), std::string::npos);
        EXPECT_NE(line.find(" IHE+RFC-3881 - \xEF\xBB\xBF<AuditMessage>"), std::string::npos);
        if (bom != std::string::npos) out.push_back(line.substr(bom + 3));
    }
    return out;
}

std::string xpath(const dk_test::TempDir &tmp, const std::string &xml, const std::string &expr) {
    const std::string path = tmp / "x.xml";
    dk_test::write_bytes(path, xml);
    std::string out = dk_test::run({"xmllint", "--xpath", "string(" + expr + ")", path}).out;
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::string event_of(const dk_test::TempDir &tmp, const std::string &xml) {
    return xpath(tmp, xml, "/AuditMessage/EventIdentification/EventID/@csd-code");
}

std::string unbase64(const std::string &s) {
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : s) {
        const int v = val(c);
        if (v < 0) continue;
        acc = acc << 6 | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += char((acc >> bits) & 0xFF);
        }
    }
    return out;
}

}  // namespace

TEST(ArchiveAudit, ConfigurationKeys) {
    archive::Config c = archive::Config::parse(
        "audit = tls://audit.example:6514\naudit_ca = /etc/ca.pem\naudit_cert = /etc/c.pem\naudit_key = /etc/c.key\n"
        "audit_spool = /var/spool/audit\naudit_source_id = PACS1\naudit_site = Hospital\n");
    EXPECT_EQ(c.audit.destination, "tls://audit.example:6514");
    EXPECT_EQ(c.audit.ca_file, "/etc/ca.pem");
    EXPECT_EQ(c.audit.cert_file, "/etc/c.pem");
    EXPECT_EQ(c.audit.key_file, "/etc/c.key");
    EXPECT_EQ(c.audit.spool, "/var/spool/audit");
    EXPECT_EQ(c.audit.source_id, "PACS1");
    EXPECT_EQ(c.audit.site, "Hospital");
    try {
        archive::Config::parse("audit = smtp://x:25\n", "cfg");
        FAIL() << "accepted a bad audit destination";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("cfg:1"), std::string::npos) << e.what();
    }
}

TEST(ArchiveAudit, ServersSharingAStorageFolderSpoolApart) {
    // Two servers on one PostgreSQL index and one storage folder: each has its audit spool (the
    // messages of a spool are numbered, and a server resumes and empties its own).
    DK_SKIP_UNLESS_BACKEND("postgresql");
    dk_test::TempDir tmp("dcmkit-archive-audit");
    const std::string conninfo = PgCluster::get().create_database();
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::vector<std::string> spools;
    std::vector<std::unique_ptr<archive::Server>> servers;
    for (int n = 0; n < 2; ++n) {
        archive::Config c;
        c.storage = tmp / "store";
        c.index = conninfo;
        c.port = dk_test::pick_free_port();
        c.audit.destination = "file:" + (tmp / ("audit" + std::to_string(n) + ".log"));
        c.log = [](net::LogLevel, const std::string &) {};
        servers.push_back(std::make_unique<archive::Server>(c));
        spools.push_back(c.storage + "/audit-spool-" + host + "-" + std::to_string(c.port));
    }
    ASSERT_NE(spools[0], spools[1]);
    struct stat sb {};
    for (const auto &s : spools) EXPECT_EQ(::stat(s.c_str(), &sb), 0) << s;
    EXPECT_NE(::stat((tmp / "store/audit-spool").c_str(), &sb), 0);
}

TEST(ArchiveAudit, ServerEmitsTheMessagesOfItsEvents) {
    if (!dk_test::have_tools({"xmllint"})) GTEST_SKIP() << "xmllint (libxml2-utils) is not installed";
    dk_test::TempDir tmp("dcmkit-archive-audit");
    const std::string log = tmp / "audit.log";
    archive::Config c;
    c.storage = tmp / "store";
    c.ae_title = "ARCHIVE";
    c.allow = {"MODALITY", "VIEWER"};
    c.audit.destination = "file:" + log;
    c.audit.source_id = "ARCHIVE-SITE-1";
    c.log = [](net::LogLevel, const std::string &) {};
    {
        archive::Server s(c);
        s.start("127.0.0.1", 0);
        ASSERT_NE(s.port(), 0);
        net::AeConfig scu;
        scu.ae_title = "MODALITY";
        scu.add(kSc, {}, false, true);
        {
            auto a = net::Association::connect(scu, "127.0.0.1", s.port(), "ARCHIVE");
            EXPECT_EQ(net::store(*a, image("1.2.826.0.1.3680043.10.773.51", "PA", "1.2.826.0.1.3680043.10.773.50")).status, 0);
            EXPECT_EQ(net::store(*a, image("1.2.826.0.1.3680043.10.773.52", "PA", "1.2.826.0.1.3680043.10.773.50")).status, 0);
            EXPECT_EQ(net::store(*a, image("1.2.826.0.1.3680043.10.773.61", "PB", "1.2.826.0.1.3680043.10.773.60")).status, 0);
            a->release();
        }
        // Its messages are logged before the association counts as served: wait, so that the order
        // of the messages below is the order of the events.
        EXPECT_TRUE(dk_test::wait_until([&] { return s.counters().associations_served >= 1; }, 5000));
        // A calling AE title the configuration does not allow.
        net::AeConfig evil = scu;
        evil.ae_title = "INTRUDER";
        EXPECT_THROW(net::Association::connect(evil, "127.0.0.1", s.port(), "ARCHIVE"), Error);
        // C-FIND, then C-GET of patient PA's study.
        net::AeConfig viewer;
        viewer.ae_title = "VIEWER";
        viewer.add(kStudyFind, {}, false, true);
        viewer.add(kStudyGet, {}, false, true);
        viewer.add_get_storage({}, {kSc});
        {
            auto a = net::Association::connect(viewer, "127.0.0.1", s.port(), "ARCHIVE");
            Dataset id;
            id.set_string(Tag(0x0008, 0x0052), "STUDY", VR::CS);
            id.set_string(Tag(0x0010, 0x0020), "PA", VR::LO);
            id.set_string(Tag(0x0020, 0x000D), "", VR::UI);
            EXPECT_EQ(net::find(*a, kStudyFind, id, [](const Dataset &) { return true; }).matches, 1u);
            net::StorageFolder folder(tmp / "got");
            ::mkdir((tmp / "got").c_str(), 0755);
            Dataset study;
            study.set_string(Tag(0x0008, 0x0052), "STUDY", VR::CS);
            study.set_string(Tag(0x0020, 0x000D), "1.2.826.0.1.3680043.10.773.50", VR::UI);
            const net::RetrieveResult r = net::get(*a, kStudyGet, study, folder);
            EXPECT_EQ(r.completed, 2) << std::hex << r.status << " " << r.error_comment;
            a->release();
        }
        dk_test::wait_until([&] { return s.counters().associations_served >= 2; }, 5000);
        s.stop(2000);
    }
    // The server's destructor flushed what it logged.
    const std::vector<std::string> msgs = messages(log);
    std::vector<std::string> events;
    for (const auto &m : msgs) {
        dk_test::write_bytes(tmp / "m.xml", m);
        const auto v = dk_test::run({"xmllint", "--noout", "--relaxng", kSchema, tmp / "m.xml"});
        EXPECT_EQ(v.status, 0) << v.all() << "\n" << m;
        events.push_back(event_of(tmp, m));
    }
    // Start; the two patients' transfers (at the release); the alert; the query; the C-GET's
    // begin and end for patient PA; stop.
    const std::vector<std::string> want = {"110100", "110104", "110104", "110113", "110112", "110102", "110104", "110100"};
    ASSERT_EQ(events, want);
    auto x = [&](size_t i, const std::string &e) { return xpath(tmp, msgs[i], e); };
    EXPECT_EQ(x(0, "/AuditMessage/EventIdentification/EventTypeCode/@csd-code"), "110120");
    EXPECT_EQ(x(0, "/AuditMessage/AuditSourceIdentification/@AuditSourceID"), "ARCHIVE-SITE-1");
    EXPECT_EQ(x(7, "/AuditMessage/EventIdentification/EventTypeCode/@csd-code"), "110121");
    // C-STOREs: action C; MODALITY the source (requestor), ARCHIVE the destination; per patient.
    const std::string pa = "/AuditMessage/ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole='1']/@ParticipantObjectID";
    const std::string sop = "/AuditMessage/ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole='3']/"
                            "ParticipantObjectDescription/SOPClass";
    EXPECT_EQ(x(1, "/AuditMessage/EventIdentification/@EventActionCode"), "C");
    EXPECT_EQ(x(1, pa), "PA");
    EXPECT_EQ(x(1, sop + "/@NumberOfInstances"), "2");
    EXPECT_EQ(x(1, sop + "/@UID"), kSc);
    EXPECT_EQ(x(1, "/AuditMessage/ParticipantObjectIdentification[@ParticipantObjectTypeCodeRole='3']/@ParticipantObjectID"),
              "1.2.826.0.1.3680043.10.773.50");
    EXPECT_EQ(x(1, "/AuditMessage/ParticipantObjectIdentification/ParticipantObjectDescription/Accession/@Number"), "ACC-PA");
    EXPECT_EQ(x(1, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110153']/@UserID"), "MODALITY");
    EXPECT_EQ(x(1, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110153']/@UserIsRequestor"), "true");
    EXPECT_EQ(x(1, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110153']/@NetworkAccessPointID"), "127.0.0.1");
    EXPECT_EQ(x(1, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110152']/@AlternativeUserID"), "AETITLES=ARCHIVE");
    EXPECT_EQ(x(2, pa), "PB");
    EXPECT_EQ(x(2, sop + "/@NumberOfInstances"), "1");
    // The alert: Node Authentication, the refused calling AE title as the subject.
    EXPECT_EQ(x(3, "/AuditMessage/EventIdentification/EventTypeCode/@csd-code"), "110126");
    EXPECT_EQ(x(3, "/AuditMessage/ParticipantObjectIdentification/@ParticipantObjectID"), "INTRUDER");
    EXPECT_NE(x(3, "/AuditMessage/EventIdentification/EventOutcomeDescription").find("INTRUDER"), std::string::npos);
    // The query: the Study Root FIND class, the identifier as sent (explicit VR little endian).
    EXPECT_EQ(x(4, "/AuditMessage/ParticipantObjectIdentification/@ParticipantObjectID"), kStudyFind);
    const std::string q = unbase64(x(4, "/AuditMessage/ParticipantObjectIdentification/ParticipantObjectQuery"));
    ASSERT_FALSE(q.empty());
    const Dataset qd = read_dataset(Source::from_vector(std::vector<uint8_t>(q.begin(), q.end())), "1.2.840.10008.1.2.1");
    EXPECT_EQ(qd.get_string_or(Tag(0x0008, 0x0052), ""), "STUDY");
    EXPECT_EQ(qd.get_string_or(Tag(0x0010, 0x0020), ""), "PA");
    EXPECT_EQ(unbase64(x(4, "/AuditMessage/ParticipantObjectIdentification/ParticipantObjectDetail[@type='TransferSyntax']/@value")),
              "1.2.840.10008.1.2.1");
    // The C-GET: the archive sends (110153), VIEWER receives (110152); two instances read (R).
    EXPECT_EQ(x(5, "/AuditMessage/EventIdentification/@EventActionCode"), "E");
    EXPECT_EQ(x(5, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110152']/@UserID"), "VIEWER");
    EXPECT_EQ(x(6, "/AuditMessage/EventIdentification/@EventActionCode"), "R");
    EXPECT_EQ(x(6, "/AuditMessage/EventIdentification/@EventOutcomeIndicator"), "0");
    EXPECT_EQ(x(6, sop + "/@NumberOfInstances"), "2");
    EXPECT_EQ(x(6, pa), "PA");
}

TEST(ArchiveAudit, MoveNamesTheDestinationAndTheRequestor) {
    // PS3.15 A.5.3.3/A.5.3.7 for a C-MOVE: the archive sends (110153), the move destination
    // receives (110152), and the C-MOVE's requestor is another participant (UserIsRequestor true).
    if (!dk_test::have_tools({"xmllint"})) GTEST_SKIP() << "xmllint (libxml2-utils) is not installed";
    dk_test::TempDir tmp("dcmkit-archive-audit");
    ::mkdir((tmp / "dest").c_str(), 0755);
    net::AeConfig dest_ae;
    dest_ae.ae_title = "DEST";
    dest_ae.add_all_storage();
    dest_ae.log = [](net::LogLevel, const std::string &) {};
    net::ServiceHandlers dh;
    dh.storage = std::make_shared<net::StorageFolder>(tmp / "dest");
    net::Server dest(dest_ae, dh);
    dest.start("127.0.0.1", 0);

    const std::string log = tmp / "audit.log";
    archive::Config c;
    c.storage = tmp / "store";
    c.ae_title = "ARCHIVE";
    c.destinations["DEST"] = {"127.0.0.1", dest.port()};
    c.audit.destination = "file:" + log;
    c.log = [](net::LogLevel, const std::string &) {};
    {
        archive::Server s(c);
        s.start("127.0.0.1", 0);
        net::AeConfig scu;
        scu.ae_title = "WORKSTATION";
        scu.add(kSc, {}, false, true);
        scu.add("1.2.840.10008.5.1.4.1.2.2.2", {}, false, true);  // Study Root MOVE
        auto a = net::Association::connect(scu, "127.0.0.1", s.port(), "ARCHIVE");
        EXPECT_EQ(net::store(*a, image("1.2.826.0.1.3680043.10.773.81", "PM", "1.2.826.0.1.3680043.10.773.80")).status, 0);
        Dataset study;
        study.set_string(Tag(0x0008, 0x0052), "STUDY", VR::CS);
        study.set_string(Tag(0x0020, 0x000D), "1.2.826.0.1.3680043.10.773.80", VR::UI);
        const net::RetrieveResult r = net::move(*a, "1.2.840.10008.5.1.4.1.2.2.2", "DEST", study);
        EXPECT_EQ(r.completed, 1) << std::hex << r.status;
        a->release();
        dk_test::wait_until([&] { return s.counters().associations_served >= 1; }, 5000);
        s.stop(2000);
    }
    dest.stop(1000);
    const std::vector<std::string> msgs = messages(log);
    std::vector<std::string> events;
    for (const auto &m : msgs) events.push_back(event_of(tmp, m));
    // Start; begin and end of the move (during the association) and the C-STORE's transfer (at its
    // end: the move's end runs on a thread of its own, so these two may come in either order); stop.
    ASSERT_EQ(events, (std::vector<std::string>{"110100", "110102", "110104", "110104", "110100"}));
    auto x = [&](size_t i, const std::string &e) { return xpath(tmp, msgs[i], e); };
    const size_t end = x(2, "/AuditMessage/EventIdentification/@EventActionCode") == "R" ? 2 : 3, store = 5 - end;
    for (size_t i : {size_t(1), end}) {
        EXPECT_EQ(x(i, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110153']/@AlternativeUserID"), "AETITLES=ARCHIVE");
        EXPECT_EQ(x(i, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110152']/@UserID"), "DEST");
        EXPECT_EQ(x(i, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110152']/@UserIsRequestor"), "false");
        EXPECT_EQ(x(i, "/AuditMessage/ActiveParticipant[not(RoleIDCode)]/@UserID"), "WORKSTATION");
        EXPECT_EQ(x(i, "/AuditMessage/ActiveParticipant[not(RoleIDCode)]/@UserIsRequestor"), "true");
    }
    EXPECT_EQ(x(end, "/AuditMessage/EventIdentification/@EventActionCode"), "R");
    EXPECT_EQ(x(store, "/AuditMessage/EventIdentification/@EventActionCode"), "C");
    EXPECT_EQ(x(store, "/AuditMessage/ActiveParticipant[RoleIDCode/@csd-code='110153']/@UserID"), "WORKSTATION");
}
