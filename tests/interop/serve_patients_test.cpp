// `dcmkit serve` never mixes up patients, as DCMTK's findscu and our SCU (net::find) see it: files
// made by dump2dcm and stored by storescu hold two studies without a Patient ID (two people), and
// two studies under the same Patient ID with different names, birth dates and sexes (one of them
// with a legacy "1997.04.24" Study Date). STUDY-level answers carry each study's own patient,
// PATIENT-level answers never merge or rename anyone, the date comes back as stored while matching
// its normalised value, and `dcmkit archive conflicts` lists the conflict (also logged at ingest).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/services/query.h"
#include "findscu.h"
#include "peer.h"

using namespace dcmkit;
namespace net = dcmkit::net;
using dk_test::Child;
using dk_test::TempDir;

namespace {

constexpr const char *kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr Tag kPatientName{0x0010, 0x0010};
constexpr Tag kPatientId{0x0010, 0x0020};
constexpr Tag kBirthDate{0x0010, 0x0030};
constexpr Tag kSex{0x0010, 0x0040};
constexpr Tag kStudyUid{0x0020, 0x000D};
constexpr Tag kStudyDate{0x0008, 0x0020};
constexpr Tag kLevel{0x0008, 0x0052};
const std::string kRoot = "1.2.826.0.1.3680043.10.544.";

struct StudyRow {
    const char *pid, *name, *birth, *sex, *date;
    int study, instances;
};
// In the order storescu sends them: John Doe's study is the first stored under P1.
const StudyRow kRows[] = {
    {"", "ALPHA^ANN", "19500101", "F", "20260101", 1, 2},
    {"", "BETA^BOB", "19600202", "M", "20260102", 2, 1},
    {"P1", "DOE^JOHN", "19700101", "M", "1997.04.24", 3, 2},
    {"P1", "ROE^JANE", "19800202", "F", "20260104", 4, 1},
};

std::string study_uid(int n) { return kRoot + std::to_string(n); }

std::vector<std::string> make_files(const TempDir &tmp) {
    std::vector<std::string> out;
    const std::string dir = tmp.sub("in");
    for (const StudyRow &r : kRows) {
        for (int i = 1; i <= r.instances; ++i) {
            const std::string study = study_uid(r.study), series = study + ".1", sop = series + "." + std::to_string(i);
            std::string dump = std::string("(0008,0016) UI [") + kCt + "]\n(0008,0018) UI [" + sop + "]\n(0008,0020) DA [" +
                               r.date + "]\n(0008,0060) CS [CT]\n(0010,0010) PN [" + r.name + "]\n";
            if (*r.pid) dump += std::string("(0010,0020) LO [") + r.pid + "]\n";  // else no Patient ID at all
            dump += std::string("(0010,0030) DA [") + r.birth + "]\n(0010,0040) CS [" + r.sex + "]\n(0020,000d) UI [" +
                    study + "]\n(0020,000e) UI [" + series + "]\n(0020,0013) IS [" + std::to_string(i) +
                    "]\n(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0010) US 2\n(0028,0011) US 2\n"
                    "(0028,0100) US 16\n(0028,0101) US 12\n(0028,0102) US 11\n(0028,0103) US 0\n"
                    "(7fe0,0010) OW 0000\\0400\\0800\\0fff\n";
            const std::string path = dir + "/s" + std::to_string(r.study) + "i" + std::to_string(i) + ".dcm";
            dk_test::write_bytes(path + ".txt", dump);
            dk_test::tool({"dump2dcm", path + ".txt", path});
            out.push_back(path);
        }
    }
    return out;
}

using dk_test::findscu;

using Patient = std::tuple<std::string, std::string, std::string, std::string>;  // ID, name, birth, sex

std::multiset<Patient> patients_of(const std::vector<Dataset> &rows) {
    std::multiset<Patient> out;
    for (const auto &d : rows)
        out.emplace(d.get_string_or(kPatientId, ""), d.get_string_or(kPatientName, ""), d.get_string_or(kBirthDate, ""),
                    d.get_string_or(kSex, ""));
    return out;
}

/// Study Instance UID -> (patient) of each STUDY-level answer.
std::map<std::string, Patient> by_study(const std::vector<Dataset> &rows) {
    std::map<std::string, Patient> out;
    for (const auto &d : rows)
        out[d.get_string_or(kStudyUid, "")] = Patient{d.get_string_or(kPatientId, ""), d.get_string_or(kPatientName, ""),
                                                      d.get_string_or(kBirthDate, ""), d.get_string_or(kSex, "")};
    return out;
}

// What each study was stored with, and the four patients a PATIENT-level query must see.
const std::map<std::string, Patient> kExpectedStudies = {
    {study_uid(1), Patient{"", "ALPHA^ANN", "19500101", "F"}},
    {study_uid(2), Patient{"", "BETA^BOB", "19600202", "M"}},
    {study_uid(3), Patient{"P1", "DOE^JOHN", "19700101", "M"}},
    {study_uid(4), Patient{"P1", "ROE^JANE", "19800202", "F"}},
};
const std::multiset<Patient> kExpectedPatients = {
    Patient{"", "ALPHA^ANN", "19500101", "F"}, Patient{"", "BETA^BOB", "19600202", "M"},
    Patient{"P1", "DOE^JOHN", "19700101", "M"}, Patient{"P1", "ROE^JANE", "19800202", "F"}};

class ServePatients : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"storescu", "findscu", "dump2dcm"})) GTEST_SKIP() << "DCMTK tools not installed";
        files = make_files(tmp);
        port = dk_test::start_server(server, [&](uint16_t p) {
            return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", archive, "-aet", "ARCH"};
        }, tmp / "serve.log");
        ASSERT_NE(port, 0) << server.log();
        std::vector<std::string> argv = {"storescu", "-aec", "ARCH", "-to", "10", "127.0.0.1", std::to_string(port)};
        argv.insert(argv.end(), files.begin(), files.end());
        const dk_test::ProcResult r = dk_test::run(argv);
        ASSERT_EQ(r.status, 0) << r.all() << server.log();
    }
    /// Our SCU: the matches of one C-FIND.
    std::vector<Dataset> our_find(const char *sop_class, const Dataset &identifier) {
        net::AeConfig c;
        c.ae_title = "DKSCU";
        c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 10000;
        c.add(sop_class, {}, false, true);
        auto a = net::Association::connect(c, "127.0.0.1", port, "ARCH");
        std::vector<Dataset> out;
        const net::FindResult r = net::find(*a, sop_class, identifier, [&](const Dataset &m) {
            out.push_back(m);
            return true;
        });
        EXPECT_EQ(r.status, 0x0000) << r.error_comment;
        a->release();
        return out;
    }
    TempDir tmp{"dcmkit-patients"};
    std::string archive = tmp.sub("archive");
    std::vector<std::string> files;
    Child server;
    uint16_t port = 0;
};

TEST_F(ServePatients, FindscuStudyAndPatientLevels) {
    const std::string dir = tmp.sub("find");
    // STUDY level (Study Root): every study with the patient it was stored with.
    auto rows = findscu(dir, port, {"-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "-k", "PatientID",
                                    "-k", "PatientName", "-k", "PatientBirthDate", "-k", "PatientSex", "-k", "StudyDate"});
    EXPECT_EQ(by_study(rows), kExpectedStudies) << server.log();
    // Patient Root, STUDY level under P1 and a name: John's study only.
    rows = findscu(dir, port, {"-P", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID=P1", "-k", "PatientName=DOE^JOHN",
                               "-k", "StudyInstanceUID"});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].get_string(kStudyUid), study_uid(3));
    // PATIENT level (Patient Root): four people, none merged or renamed.
    rows = findscu(dir, port, {"-P", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID", "-k", "PatientName", "-k",
                               "PatientBirthDate", "-k", "PatientSex"});
    EXPECT_EQ(patients_of(rows), kExpectedPatients);
    // Matching a name without a Patient ID finds that person alone.
    rows = findscu(dir, port, {"-P", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID", "-k", "PatientName=BETA*"});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].get_string(kPatientName), "BETA^BOB");
    // The legacy date: matched on its value, returned as stored.
    rows = findscu(dir, port, {"-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyDate=19970401-19970430", "-k",
                               "StudyInstanceUID"});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].get_string(kStudyUid), study_uid(3));
    EXPECT_EQ(rows[0].get_string(kStudyDate), "1997.04.24");
}

TEST_F(ServePatients, OurScuStudyAndPatientLevels) {
    Dataset q;
    q.set_string(kLevel, "STUDY");
    for (Tag t : {kStudyUid, kPatientId, kPatientName, kBirthDate, kSex, kStudyDate}) q.set(Element(t, dict_vr(t)));
    auto rows = our_find(dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, q);
    EXPECT_EQ(by_study(rows), kExpectedStudies) << server.log();
    for (const auto &d : rows) {
        if (d.get_string(kStudyUid) == study_uid(3)) {
            EXPECT_EQ(d.get_string(kStudyDate), "1997.04.24");
        }
    }
    q.set_string(kStudyDate, "19970424");
    rows = our_find(dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, q);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].get_string(kStudyDate), "1997.04.24");

    Dataset p;
    p.set_string(kLevel, "PATIENT");
    for (Tag t : {kPatientId, kPatientName, kBirthDate, kSex}) p.set(Element(t, dict_vr(t)));
    EXPECT_EQ(patients_of(our_find(dcmkit::uids::PatientRootQueryRetrieveInformationModelFind, p)), kExpectedPatients);
    p.set_string(kPatientId, "P1");
    EXPECT_EQ(patients_of(our_find(dcmkit::uids::PatientRootQueryRetrieveInformationModelFind, p)),
              (std::multiset<Patient>{Patient{"P1", "DOE^JOHN", "19700101", "M"}, Patient{"P1", "ROE^JANE", "19800202", "F"}}));
}

TEST_F(ServePatients, ConflictIsLoggedAndListedByTheCli) {
    // Logged by serve at ingest, once per differing attribute of Jane's study.
    const std::string log = server.log();
    size_t logged = 0;
    for (size_t at = log.find("patient conflict"); at != std::string::npos; at = log.find("patient conflict", at + 1)) ++logged;
    EXPECT_EQ(logged, 3u) << log;
    // Listed by `dcmkit archive conflicts` while the archive runs.
    dk_test::ProcResult r = dk_test::run({DCMKIT_CLI, "archive", "conflicts", "--storage", archive});
    ASSERT_EQ(r.status, 0) << r.all();
    std::vector<std::string> lines;
    for (size_t start = 0, nl; (nl = r.out.find('\n', start)) != std::string::npos; start = nl + 1)
        lines.push_back(r.out.substr(start, nl - start));
    ASSERT_EQ(lines.size(), 3u) << r.all();
    for (const char *want : {"PatientName (0010,0010) 'DOE^JOHN'", "PatientBirthDate (0010,0030) '19700101'",
                             "PatientSex (0010,0040) 'M'"}) {
        bool found = false;
        for (const auto &l : lines) {
            if (l.find(want) == std::string::npos) continue;
            found = true;
            EXPECT_NE(l.find("Patient ID 'P1'"), std::string::npos) << l;
            EXPECT_NE(l.find("study " + study_uid(3)), std::string::npos) << l;
            EXPECT_NE(l.find("study " + study_uid(4)), std::string::npos) << l;
        }
        EXPECT_TRUE(found) << want << "\n" << r.out;
    }
    // No archive there: an error, and nothing is created.
    r = dk_test::run({DCMKIT_CLI, "archive", "conflicts", "--storage", tmp / "none"});
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(::access((tmp / "none").c_str(), F_OK), 0);
}

}  // namespace
