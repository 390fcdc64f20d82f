// HL7 v2 orders into the worklist, end to end: `dcmkit serve --hl7 PORT` receives ORM^O01 (v2.3.1)
// from python3-hl7's mllp_send and OMI^O23 (v2.5.1) from `dcmkit hl7 send`; DCMTK's findscu -W then
// shows the worklist items with the values IHE RAD TF-2 Appendix B maps; XO changes an item, CA
// removes it, DC discontinues it, ADT^A08 renames the patient; malformed messages get AE/AR and store
// nothing. Our ER7 parser is also compared field by field with python3-hl7's on the same messages.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/services/hl7.h"
#include "findscu.h"
#include "peer.h"

using namespace dcmkit;
namespace hl7 = dcmkit::hl7;

namespace {

const char *kPython = "/usr/bin/python3";

/// A segment from its fields by number (absent ones empty): seg("PID", {{3, "P1"}, {5, "Doe^John"}}).
std::string seg(const std::string &id, const std::map<int, std::string> &fields) {
    std::string s = id;
    int last = fields.empty() ? 0 : fields.rbegin()->first;
    for (int f = 1; f <= last; ++f) {
        s += '|';
        auto it = fields.find(f);
        if (it != fields.end()) s += it->second;
    }
    return s + "\r";
}

std::string msh(const std::string &type, const std::string &control, const std::string &version,
                const std::string &charset = {}) {
    std::map<int, std::string> f = {{1, "^~\\&"}, {2, "RIS"}, {3, "HOSP"}, {4, "PACS"}, {5, "RAD"}, {6, "20261207120000"},
                                    {8, type}, {9, control}, {10, "P"}, {11, version}};
    if (!charset.empty()) f[17] = charset;
    // seg() numbers from MSH-2 here: MSH-1 is the '|' after "MSH".
    return seg("MSH", f);
}

/// ORM^O01 (v2.3.1, RAD-4) with one ORC/OBR group.
std::string orm(const std::string &control, const std::string &orc1, const std::string &when, const std::string &ae,
                const std::string &name = "Doe^John^Q") {
    return msh("ORM^O01", control, "2.3.1") + seg("PID", {{3, "P12345^^^HOSP"}, {5, name}, {7, "19700215"}, {8, "M"}}) +
           seg("PV1", {{2, "O"}, {3, "RAD^101"}, {8, "1234^Referrer^Rita"}, {19, "V5555"}}) +
           seg("ORC", {{1, orc1}, {2, "PL100^RIS"}, {3, "FL200^PACS"}, {5, "SC"}, {7, "^^^" + when + "^^R"},
                       {12, "5678^Orderer^Otto"}}) +
           seg("OBR", {{1, "1"}, {2, "PL100^RIS"}, {3, "FL200^PACS"}, {4, "CTHEAD^CT Head^L^P1^Head protocol^L"},
                       {18, "ACC42"}, {19, "RP42"}, {20, "SPS42"}, {21, ae}, {24, "CT"}}) +
           seg("ZDS", {{1, "1.2.826.0.1.3680043.10.543.42^100^Application^DICOM"}});
}

/// OMI^O23 (v2.5.1, RAD-4) in ISO 8859-1 with TQ1 and two IPC (two scheduled steps).
std::string omi(const std::string &control, const std::string &orc1, const std::string &orc5 = "SC") {
    return msh("OMI^O23^OMI_O23", control, "2.5.1", "8859/1") +
           seg("PID", {{3, "P777^^^HOSP"}, {5, "M\xFCller^J\xF6rg"}, {7, "19811224"}, {8, "F"}}) +
           seg("PV1", {{2, "I"}}) +
           seg("ORC", {{1, orc1}, {2, "PL9^RIS"}, {3, "FL9^PACS"}, {5, orc5}}) +
           seg("TQ1", {{1, "1"}, {7, "202612091415"}, {9, "S"}}) +
           seg("OBR", {{1, "1"}, {2, "PL9^RIS"}, {3, "FL9^PACS"}, {4, "MRKNEE^MR Knee^L"}}) +
           seg("IPC", {{1, "ACC9"}, {2, "RP9"}, {3, "1.2.826.0.1.3680043.10.543.9"}, {4, "SPS9A"}, {5, "MR"},
                       {6, "KNEE1^Knee T1^L"}, {7, "MR-ROOM-1"}, {9, "MRSCAN01"}}) +
           seg("IPC", {{1, "ACC9"}, {2, "RP9"}, {3, "1.2.826.0.1.3680043.10.543.9"}, {4, "SPS9B"}, {5, "MR"},
                       {9, "MRSCAN02"}});
}

class Hl7Interop : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"findscu", "mllp_send"})) GTEST_SKIP() << "findscu or mllp_send not installed";
        hl7_port = dk_test::pick_free_port();
        port = dk_test::start_server(server, [&](uint16_t p) {
            return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--bind", "127.0.0.1", "--storage",
                                            tmp.sub("archive"), "-aet", "ARCH", "--hl7", std::to_string(hl7_port)};
        }, tmp / "serve.log");
        ASSERT_NE(port, 0) << server.log();
        ASSERT_TRUE(dk_test::wait_until([&] { return dk_test::port_listening(hl7_port); }, 10000)) << server.log();
    }

    /// python3-hl7's mllp_send (--loose: segments on lines ended by CR LF); returns the ACK it printed.
    hl7::Message send_python(const std::string &message) {
        std::string crlf;
        for (char c : message) crlf += c == '\r' ? std::string("\r\n") : std::string(1, c);
        const std::string file = tmp / ("py-" + std::to_string(++n) + ".hl7");
        dk_test::write_bytes(file, crlf);
        const dk_test::ProcResult r =
            dk_test::run({"mllp_send", "--loose", "-p", std::to_string(hl7_port), "-f", file, "127.0.0.1"}, 30000);
        EXPECT_EQ(r.status, 0) << r.all() << server.log();
        std::string out = r.out;  // as received: the MLLP start and end blocks included
        for (char &c : out)
            if (c == hl7::kMllpStart || c == hl7::kMllpEnd) c = '\r';
        return hl7::Message::parse(out);
    }
    /// `dcmkit hl7 send`: its exit status and the ACK it printed.
    std::pair<int, hl7::Message> send_dcmkit(const std::string &message) {
        const std::string file = tmp / ("dk-" + std::to_string(++n) + ".hl7");
        dk_test::write_bytes(file, message);
        const dk_test::ProcResult r =
            dk_test::run({DCMKIT_CLI, "hl7", "send", "127.0.0.1", std::to_string(hl7_port), file, "--timeout", "20"}, 30000);
        return {r.status, hl7::Message::parse(r.out)};
    }
    std::vector<Dataset> mwl(std::vector<std::string> keys) {
        std::vector<std::string> args = {"-W", "-k", "PatientName", "-k", "PatientID", "-k", "PatientBirthDate", "-k",
                                         "PatientSex", "-k", "AccessionNumber", "-k", "RequestedProcedureID", "-k",
                                         "StudyInstanceUID", "-k", "RequestedProcedureDescription", "-k",
                                         "PlacerOrderNumberImagingServiceRequest", "-k",
                                         "FillerOrderNumberImagingServiceRequest", "-k", "ReferringPhysicianName", "-k",
                                         "RequestingPhysician", "-k", "AdmissionID", "-k", "RequestedProcedurePriority"};
        for (const char *k : {"Modality", "ScheduledStationAETitle", "ScheduledProcedureStepStartDate",
                              "ScheduledProcedureStepStartTime", "ScheduledProcedureStepID", "ScheduledProcedureStepStatus",
                              "ScheduledProcedureStepDescription", "ScheduledStationName"}) {
            args.push_back("-k");
            args.push_back(std::string("ScheduledProcedureStepSequence[0].") + k);
        }
        for (auto &k : keys) {
            args.push_back("-k");
            args.push_back(k);
        }
        return dk_test::findscu(tmp.sub("mwl"), port, args);
    }

    dk_test::TempDir tmp{"dcmkit-hl7"};
    dk_test::Child server;
    uint16_t port = 0, hl7_port = 0;
    int n = 0;
};

std::string sps(const Dataset &row, uint16_t element) {
    const auto &items = row.get_items(Tag(0x0040, 0x0100));
    return items.empty() ? std::string("<no step>") : items[0].get_string_or(Tag(0x0040, element), "");
}

}  // namespace

TEST_F(Hl7Interop, OrmFromMllpSendCreatesChangesRenamesAndCancels) {
    hl7::Message ack = send_python(orm("M1", "NW", "20261208093000", "CTSCAN01"));
    EXPECT_EQ(ack.get("MSA", 1), "AA") << server.log();
    EXPECT_EQ(ack.get("MSA", 2), "M1");

    auto rows = mwl({});
    ASSERT_EQ(rows.size(), 1u) << server.log();
    const Dataset &r = rows[0];
    EXPECT_EQ(r.get_string(Tag(0x0010, 0x0010)), "Doe^John^Q");           // PID-5
    EXPECT_EQ(r.get_string(Tag(0x0010, 0x0020)), "P12345");               // PID-3
    EXPECT_EQ(r.get_string(Tag(0x0010, 0x0030)), "19700215");             // PID-7
    EXPECT_EQ(r.get_string(Tag(0x0010, 0x0040)), "M");                    // PID-8
    EXPECT_EQ(r.get_string(Tag(0x0008, 0x0050)), "ACC42");                // OBR-18
    EXPECT_EQ(r.get_string(Tag(0x0040, 0x1001)), "RP42");                 // OBR-19
    EXPECT_EQ(r.get_string(Tag(0x0020, 0x000D)), "1.2.826.0.1.3680043.10.543.42");  // ZDS-1
    EXPECT_EQ(r.get_string(Tag(0x0032, 0x1060)), "CT Head");              // OBR-4.2
    EXPECT_EQ(r.get_string(Tag(0x0040, 0x2016)), "PL100");                // ORC-2
    EXPECT_EQ(r.get_string(Tag(0x0040, 0x2017)), "FL200");                // ORC-3
    EXPECT_EQ(r.get_string(Tag(0x0008, 0x0090)), "Referrer^Rita");        // PV1-8
    EXPECT_EQ(r.get_string(Tag(0x0032, 0x1032)), "Orderer^Otto");         // ORC-12
    EXPECT_EQ(r.get_string(Tag(0x0038, 0x0010)), "V5555");                // PV1-19
    EXPECT_EQ(r.get_string(Tag(0x0040, 0x1003)), "ROUTINE");              // ORC-7.6 R
    EXPECT_EQ(sps(r, 0x0009), "SPS42");                                   // OBR-20
    EXPECT_EQ(sps(r, 0x0001), "CTSCAN01");                                // OBR-21
    EXPECT_EQ(sps(r, 0x0002), "20261208");                                // ORC-7.4
    EXPECT_EQ(sps(r, 0x0003), "093000");
    EXPECT_EQ(sps(r, 0x0007), "Head protocol");                           // OBR-4.5
    EXPECT_EQ(sps(r, 0x0020), "SCHEDULED");
    const auto &items = r.get_items(Tag(0x0040, 0x0100));
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].get_string(Tag(0x0008, 0x0060)), "CT");            // OBR-24

    // A second NW for the same order: AE, Duplicate key identifier, nothing changed.
    ack = send_python(orm("M2", "NW", "20261208100000", "OTHER"));
    EXPECT_EQ(ack.get("MSA", 1), "AE");
    EXPECT_EQ(ack.get("MSA", 2), "M2");
    EXPECT_EQ(ack.get("ERR", 1, 4, 1), "205");  // v2.3.1: ERR-1 ELD
    ASSERT_EQ(mwl({}).size(), 1u);

    // XO: another time and station.
    ack = send_python(orm("M3", "XO", "20261209111500", "CTSCAN02"));
    EXPECT_EQ(ack.get("MSA", 1), "AA");
    rows = mwl({});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(sps(rows[0], 0x0001), "CTSCAN02");
    EXPECT_EQ(sps(rows[0], 0x0002), "20261209");
    EXPECT_EQ(sps(rows[0], 0x0003), "111500");
    EXPECT_EQ(mwl({"ScheduledProcedureStepSequence[0].ScheduledStationAETitle=CTSCAN01"}).size(), 0u);

    // ADT^A08: the patient's name is corrected on the scheduled item.
    ack = send_python(msh("ADT^A08", "M4", "2.3.1") + seg("EVN", {{1, "A08"}}) +
                      seg("PID", {{3, "P12345^^^HOSP"}, {5, "Doe^Jonathan"}, {7, "19700216"}, {8, "M"}}));
    EXPECT_EQ(ack.get("MSA", 1), "AA");
    rows = mwl({});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].get_string(Tag(0x0010, 0x0010)), "Doe^Jonathan");
    EXPECT_EQ(rows[0].get_string(Tag(0x0010, 0x0030)), "19700216");
    EXPECT_EQ(rows[0].get_string(Tag(0x0008, 0x0050)), "ACC42");

    // CA: removed.
    ack = send_python(orm("M5", "CA", "20261209111500", "CTSCAN02"));
    EXPECT_EQ(ack.get("MSA", 1), "AA");
    EXPECT_EQ(mwl({}).size(), 0u) << server.log();
    // CA again: the order is unknown now.
    ack = send_python(orm("M6", "CA", "20261209111500", "CTSCAN02"));
    EXPECT_EQ(ack.get("MSA", 1), "AE");
    EXPECT_EQ(ack.get("ERR", 1, 4, 1), "204");
}

TEST_F(Hl7Interop, OmiFromDcmkitHl7SendInLatin1WithTwoSteps) {
    auto [status, ack] = send_dcmkit(omi("O1", "NW"));
    EXPECT_EQ(status, 0) << server.log();
    EXPECT_EQ(ack.get("MSA", 1), "AA");
    EXPECT_EQ(ack.get("MSA", 2), "O1");
    EXPECT_EQ(ack.version(), "2.5.1");

    auto rows = mwl({});
    ASSERT_EQ(rows.size(), 2u) << server.log();
    std::map<std::string, Dataset> by_sps;
    for (auto &r : rows) by_sps[sps(r, 0x0009)] = r;
    ASSERT_EQ(by_sps.count("SPS9A"), 1u);
    ASSERT_EQ(by_sps.count("SPS9B"), 1u);
    const Dataset &a = by_sps["SPS9A"];
    // MSH-18 8859/1: the name decoded from Latin-1 (findscu receives it in UTF-8, ISO_IR 192).
    EXPECT_EQ(a.get_string(Tag(0x0010, 0x0010)), "M\xC3\xBCller^J\xC3\xB6rg");
    EXPECT_EQ(a.get_string(Tag(0x0010, 0x0040)), "F");
    EXPECT_EQ(a.get_string(Tag(0x0008, 0x0050)), "ACC9");                          // IPC-1
    EXPECT_EQ(a.get_string(Tag(0x0040, 0x1001)), "RP9");                           // IPC-2
    EXPECT_EQ(a.get_string(Tag(0x0020, 0x000D)), "1.2.826.0.1.3680043.10.543.9");  // IPC-3
    EXPECT_EQ(a.get_string(Tag(0x0040, 0x1003)), "STAT");                          // TQ1-9 S
    EXPECT_EQ(sps(a, 0x0001), "MRSCAN01");                                          // IPC-9
    EXPECT_EQ(sps(a, 0x0010), "MR-ROOM-1");                                         // IPC-7
    EXPECT_EQ(sps(a, 0x0002), "20261209");                                          // TQ1-7
    EXPECT_EQ(sps(a, 0x0003), "1415");
    EXPECT_EQ(a.get_items(Tag(0x0040, 0x0100))[0].get_string(Tag(0x0008, 0x0060)), "MR");  // IPC-5
    EXPECT_EQ(sps(by_sps["SPS9B"], 0x0001), "MRSCAN02");
    EXPECT_EQ(mwl({"SpecificCharacterSet=ISO_IR 192", "PatientName=M\xC3\xBC*"}).size(), 2u);

    // SC with ORC-5 IP: the steps are started; DC: discontinued. Both keep the items.
    std::tie(status, ack) = send_dcmkit(omi("O2", "SC", "IP"));
    EXPECT_EQ(status, 0);
    rows = mwl({});
    ASSERT_EQ(rows.size(), 2u);
    for (auto &r : rows) EXPECT_EQ(sps(r, 0x0020), "STARTED");
    std::tie(status, ack) = send_dcmkit(omi("O3", "DC"));
    EXPECT_EQ(status, 0);
    rows = mwl({"ScheduledProcedureStepSequence[0].ScheduledProcedureStepStatus=DISCONTINUED"});
    EXPECT_EQ(rows.size(), 2u);
    // An order status the worklist has no status for: AE, Table value not found (ERR-3 in v2.5.1).
    std::tie(status, ack) = send_dcmkit(omi("O4", "SC", "HD"));
    EXPECT_EQ(status, 3);
    EXPECT_EQ(ack.get("MSA", 1), "AE");
    EXPECT_EQ(ack.get("ERR", 3, 1), "103");
    EXPECT_EQ(ack.get("ERR", 2, 1), "ORC");
    EXPECT_EQ(ack.get("ERR", 2, 3), "5");
}

TEST_F(Hl7Interop, MalformedMessagesGetAeOrArAndStoreNothing) {
    // No PID: AE, Segment sequence error.
    std::string no_pid = orm("B1", "NW", "20261208093000", "CTSCAN01");
    no_pid.erase(no_pid.find("PID|"), no_pid.find("PV1|") - no_pid.find("PID|"));
    auto [status, ack] = send_dcmkit(no_pid);
    EXPECT_EQ(status, 3);
    EXPECT_EQ(ack.get("MSA", 1), "AE");
    EXPECT_EQ(ack.get("MSA", 2), "B1");
    EXPECT_EQ(ack.get("ERR", 1, 4, 1), "100");
    // No OBR.
    std::string no_obr = orm("B2", "NW", "20261208093000", "CTSCAN01");
    no_obr.erase(no_obr.find("OBR|"), no_obr.find("ZDS|") - no_obr.find("OBR|"));
    std::tie(status, ack) = send_dcmkit(no_obr);
    EXPECT_EQ(status, 3);
    EXPECT_EQ(ack.get("MSA", 1), "AE");
    // Wrong encoding characters (MSH-2 repeats '^'): AR, and MSA-2 still names the message.
    std::string bad_enc = orm("B3", "NW", "20261208093000", "CTSCAN01");
    bad_enc.replace(4, 4, "^^\\&");
    std::tie(status, ack) = send_dcmkit(bad_enc);
    EXPECT_EQ(status, 4);
    EXPECT_EQ(ack.get("MSA", 1), "AR");
    EXPECT_EQ(ack.get("MSA", 2), "B3");
    // A message type the listener does not handle: AR, Unsupported message type.
    std::tie(status, ack) = send_dcmkit(msh("ORU^R01", "B4", "2.5.1") + seg("PID", {{3, "P1"}}));
    EXPECT_EQ(status, 4);
    EXPECT_EQ(ack.get("ERR", 3, 1), "200");
    // An unsupported character set: AR.
    std::tie(status, ack) = send_dcmkit(msh("OMI^O23", "B5", "2.5.1", "UNICODE UTF-16") + seg("PID", {{3, "P1"}}));
    EXPECT_EQ(status, 4);
    EXPECT_EQ(ack.get("MSA", 1), "AR");
    // Nothing was stored.
    EXPECT_EQ(mwl({}).size(), 0u) << server.log();
    // And python3-hl7's sender gets the same answer as ours.
    EXPECT_EQ(send_python(no_pid).get("MSA", 1), "AE");
}

// Our ER7 parser and python3-hl7's on the same message: every field, repetition, component and
// subcomponent, escapes included.
TEST(Hl7Parser, AgreesWithPythonHl7) {
    if (!dk_test::have_tools({kPython})) GTEST_SKIP() << "python3 not installed";
    const dk_test::TempDir tmp("dcmkit-hl7py");
    const std::string message =
        orm("P1", "NW", "20261208093000", "CT\\F\\01") +
        seg("NTE", {{1, "1"}, {3, "a\\S\\b\\T\\c\\R\\d\\E\\e\\X41\\f~second^rep&sub"}});
    dk_test::write_bytes(tmp / "m.hl7", message);
    // python3-hl7: for each segment, field, repetition, component and subcomponent, the unescaped text.
    const std::string script = R"(
import sys, hl7
m = hl7.parse(open(sys.argv[1], 'rb').read().decode('latin-1'))
def values(field):
    items = [field] if isinstance(field, str) else list(field)
    if all(isinstance(x, str) for x in items):
        for x in items: yield 1, 1, 1, x
        return
    for r, rep in enumerate(items, 1):
        for c, comp in enumerate(rep, 1):
            for s, sub in enumerate([comp] if isinstance(comp, str) else list(comp), 1):
                yield r, c, s, sub
for si, seg in enumerate(m):
    sid = str(seg[0])
    for f in range(1, len(seg)):
        if sid == 'MSH' and f <= 2: continue
        for r, c, s, v in values(seg[f]):
            v = m.unescape(str(v))
            if v: print('%d %s %d %d %d %d %s' % (si, sid, f, r, c, s, v))
)";
    dk_test::write_bytes(tmp / "dump.py", script);
    const dk_test::ProcResult py = dk_test::run({kPython, tmp / "dump.py", tmp / "m.hl7"}, 30000);
    ASSERT_EQ(py.status, 0) << py.all();
    const hl7::Message m = hl7::Message::parse(message);
    size_t checked = 0;
    std::istringstream lines(py.out);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream ls(line);
        size_t si, f, r, c, s;
        std::string id;
        ls >> si >> id >> f >> r >> c >> s;
        std::string value;
        std::getline(ls, value);
        value = value.substr(1);
        ASSERT_LT(si, m.segments().size());
        const hl7::Segment &sg = m.segments()[si];
        const size_t field = f;  // python-hl7 numbers MSH fields as HL7 does (MSH-1 the separator)
        EXPECT_EQ(sg.id(), id);
        EXPECT_EQ(sg.get(field, c, s, r), value) << line;
        ++checked;
    }
    EXPECT_GT(checked, 40u) << py.out;
}
