// `dcmkit serve`, the embedded archive, against DCMTK's tools: storescu stores into it, findscu
// queries it (study root, patient root, worklist), movescu and getscu retrieve from it; our SCU does
// MPPS and Storage Commitment with it (a failure when a stored file was altered); and the archive
// survives a kill -9 during ingest with its index and files consistent.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/file.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "dcmkit/services/workflow.h"
#include "dcmkit/uid.h"
#include "findscu.h"
#include "peer.h"

using namespace dcmkit;
namespace net = dcmkit::net;
using dk_test::Child;
using dk_test::TempDir;

namespace {

constexpr const char *kCt = "1.2.840.10008.5.1.4.1.1.2";

struct Instance {
    std::string path, patient_id, patient_name, study, series, sop;
};

/// 2 patients, 3 studies, 4 series, 7 instances, made by dump2dcm.
std::vector<Instance> make_instances(const TempDir &tmp) {
    struct Row { const char *pid, *name, *date; int study, series, n; };
    const Row rows[] = {{"P1", "DOE^JOHN", "20260101", 1, 1, 2}, {"P1", "DOE^JOHN", "20260101", 1, 2, 1},
                        {"P1", "DOE^JOHN", "20260215", 2, 3, 2}, {"P2", "ROE^JANE", "20260301", 3, 4, 2}};
    std::vector<Instance> out;
    int k = 0;
    const std::string dir = tmp.sub("in");
    for (const Row &r : rows) {
        for (int i = 0; i < r.n; ++i) {
            Instance in;
            in.patient_id = r.pid;
            in.patient_name = r.name;
            in.study = "1.2.826.0.1.3680043.10.543." + std::to_string(r.study);
            in.series = in.study + "." + std::to_string(r.series);
            in.sop = in.series + "." + std::to_string(++k);
            in.path = dir + "/i" + std::to_string(k) + ".dcm";
            const std::string dump = std::string("(0008,0016) UI [") + kCt + "]\n(0008,0018) UI [" + in.sop +
                                     "]\n(0008,0020) DA [" + r.date + "]\n(0008,0060) CS [CT]\n(0010,0010) PN [" + r.name +
                                     "]\n(0010,0020) LO [" + r.pid + "]\n(0020,000d) UI [" + in.study +
                                     "]\n(0020,000e) UI [" + in.series + "]\n(0020,0013) IS [" + std::to_string(i + 1) +
                                     "]\n(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0010) US 2\n"
                                     "(0028,0011) US 2\n(0028,0100) US 16\n(0028,0101) US 12\n(0028,0102) US 11\n"
                                     "(0028,0103) US 0\n(7fe0,0010) OW 0000\\0400\\0800\\0fff\n";
            dk_test::write_bytes(in.path + ".txt", dump);
            dk_test::tool({"dump2dcm", in.path + ".txt", in.path});
            out.push_back(in);
        }
    }
    return out;
}

using dk_test::findscu;

std::set<std::string> values(const std::vector<Dataset> &rows, Tag t) {
    std::set<std::string> out;
    for (const auto &d : rows) out.insert(d.get_string_or(t, ""));
    return out;
}

std::map<std::string, std::string> sops_in(const std::string &dir) {
    std::map<std::string, std::string> out;  // SOP Instance UID -> path
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            const std::string p = dir + "/" + e->d_name;
            out[read_file(p).dataset.get_string_or(tags::SOPInstanceUID, "")] = p;
        }
        ::closedir(d);
    }
    return out;
}

class Serve : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"storescu", "findscu", "movescu", "getscu", "dump2dcm"}))
            GTEST_SKIP() << "DCMTK tools not installed";
        instances = make_instances(tmp);
        move_port = dk_test::pick_free_port();
        report_port = dk_test::pick_free_port();
        start();
        std::vector<std::string> argv = {"storescu", "-aec", "ARCH", "-to", "10", "127.0.0.1", std::to_string(port)};
        for (const auto &i : instances) argv.push_back(i.path);
        const dk_test::ProcResult r = dk_test::run(argv);
        ASSERT_EQ(r.status, 0) << r.all() << server.log();
    }
    void start() {
        port = dk_test::start_server(server, [&](uint16_t p) {
            return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", archive, "-aet", "ARCH",
                                            "--dest", "MOVESCU=127.0.0.1:" + std::to_string(move_port),
                                            "--dest", "MODALITY=127.0.0.1:" + std::to_string(report_port)};
        }, tmp / "serve.log");
        ASSERT_NE(port, 0) << server.log();
    }
    net::AeConfig scu() const {
        net::AeConfig c;
        c.ae_title = "DKSCU";
        c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 10000;
        c.add(dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, {}, false, true);
        c.add(dcmkit::uids::ModalityPerformedProcedureStep, {}, false, true);
        c.add(dcmkit::uids::StorageCommitmentPushModel, {}, false, true);
        return c;
    }
    TempDir tmp{"dcmkit-serve"};
    std::string archive = tmp.sub("archive");
    std::vector<Instance> instances;
    Child server;
    uint16_t port = 0, move_port = 0, report_port = 0;
};

TEST_F(Serve, FindscuAtEveryLevelOfBothRoots) {
    const std::string dir = tmp.sub("find");
    // Study root, STUDY level, wildcard name: both of John Doe's studies, with their counts.
    auto rows = findscu(dir, port, {"-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientName=DOE*", "-k",
                                    "StudyInstanceUID", "-k", "NumberOfStudyRelatedInstances", "-k", "ModalitiesInStudy"});
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(values(rows, Tag(0x0020, 0x000D)),
              (std::set<std::string>{"1.2.826.0.1.3680043.10.543.1", "1.2.826.0.1.3680043.10.543.2"}));
    EXPECT_EQ(values(rows, Tag(0x0020, 0x1208)), (std::set<std::string>{"3", "2"}));
    EXPECT_EQ(values(rows, Tag(0x0008, 0x0061)), (std::set<std::string>{"CT"}));
    // Date range (PS3.4 C.2.2.2.5): studies from February on.
    rows = findscu(dir, port, {"-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyDate=20260201-", "-k", "StudyInstanceUID"});
    EXPECT_EQ(values(rows, Tag(0x0020, 0x000D)),
              (std::set<std::string>{"1.2.826.0.1.3680043.10.543.2", "1.2.826.0.1.3680043.10.543.3"}));
    // SERIES level within a study, and IMAGE level within a series.
    rows = findscu(dir, port, {"-S", "-k", "QueryRetrieveLevel=SERIES", "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.543.1",
                               "-k", "SeriesInstanceUID", "-k", "NumberOfSeriesRelatedInstances"});
    EXPECT_EQ(rows.size(), 2u);
    rows = findscu(dir, port, {"-S", "-k", "QueryRetrieveLevel=IMAGE", "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.543.1",
                               "-k", "SeriesInstanceUID=1.2.826.0.1.3680043.10.543.1.1", "-k", "SOPInstanceUID"});
    EXPECT_EQ(rows.size(), 2u);
    // Patient root, PATIENT level.
    rows = findscu(dir, port, {"-P", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID", "-k", "PatientName"});
    EXPECT_EQ(values(rows, Tag(0x0010, 0x0020)), (std::set<std::string>{"P1", "P2"}));
}

TEST_F(Serve, MovescuAndGetscuRetrieveTheStoredFiles) {
    const std::string moved = tmp.sub("moved"), got = tmp.sub("got");
    dk_test::ProcResult r = dk_test::run({"movescu", "-S", "-aec", "ARCH", "-aet", "MOVESCU", "-aem", "MOVESCU", "--port",
                                          std::to_string(move_port), "-od", moved, "-to", "10", "-k",
                                          "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.543.1",
                                          "127.0.0.1", std::to_string(port)});
    EXPECT_EQ(r.status, 0) << r.all() << server.log();
    r = dk_test::run({"getscu", "-S", "-aec", "ARCH", "-od", got, "-to", "10", "-k", "QueryRetrieveLevel=SERIES", "-k",
                      "StudyInstanceUID=1.2.826.0.1.3680043.10.543.3", "-k", "SeriesInstanceUID=1.2.826.0.1.3680043.10.543.3.4",
                      "127.0.0.1", std::to_string(port)});
    EXPECT_EQ(r.status, 0) << r.all() << server.log();
    const auto m = sops_in(moved), g = sops_in(got);
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(g.size(), 2u);
    for (const auto &in : instances) {
        const auto &where = in.study == "1.2.826.0.1.3680043.10.543.1" ? m : in.study == "1.2.826.0.1.3680043.10.543.3" ? g : m;
        auto it = where.find(in.sop);
        if (in.study == "1.2.826.0.1.3680043.10.543.2") {
            EXPECT_EQ(it, where.end()) << in.sop << " was not asked for";
            continue;
        }
        ASSERT_NE(it, where.end()) << in.sop;
        std::string why;
        EXPECT_TRUE(read_file(it->second).dataset.equals(read_file(in.path).dataset, &why)) << why;
    }
    // An unknown destination: A801.
    r = dk_test::run({"movescu", "-S", "-aec", "ARCH", "-aem", "NOWHERE", "-to", "10", "-k", "QueryRetrieveLevel=STUDY",
                      "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.543.2", "127.0.0.1", std::to_string(port)});
    EXPECT_NE(r.all().find("MoveDestinationUnknown"), std::string::npos) << r.all();  // A801
}

TEST_F(Serve, WorklistItemsFoundByFindscuAndFollowedByMpps) {
    // A worklist item in DICOM JSON, added with `dcmkit worklist add`.
    const std::string item = tmp / "item.json";
    dk_test::write_bytes(item, R"({
      "00100010": {"vr": "PN", "Value": [{"Alphabetic": "DOE^JOHN"}]},
      "00100020": {"vr": "LO", "Value": ["P1"]},
      "00080050": {"vr": "SH", "Value": ["ACC-9"]},
      "0020000D": {"vr": "UI", "Value": ["1.2.826.0.1.3680043.10.543.9"]},
      "00401001": {"vr": "SH", "Value": ["RP-9"]},
      "00400100": {"vr": "SQ", "Value": [{
        "00080060": {"vr": "CS", "Value": ["CT"]},
        "00400001": {"vr": "AE", "Value": ["CT01"]},
        "00400002": {"vr": "DA", "Value": ["20261126"]},
        "00400003": {"vr": "TM", "Value": ["0900"]},
        "00400009": {"vr": "SH", "Value": ["SPS-9"]},
        "00400020": {"vr": "CS", "Value": ["SCHEDULED"]}
      }]}
    })");
    dk_test::ProcResult r = dk_test::run({DCMKIT_CLI, "worklist", "add", "--storage", archive, item});
    ASSERT_EQ(r.status, 0) << r.all();
    const std::string dir = tmp.sub("mwl");
    auto rows = findscu(dir, port, {"-W", "-k", "PatientName", "-k", "AccessionNumber", "-k",
                                    "ScheduledProcedureStepSequence[0].Modality=CT", "-k",
                                    "ScheduledProcedureStepSequence[0].ScheduledStationAETitle=CT01", "-k",
                                    "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=20261126",
                                    "-k", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepID"});
    ASSERT_EQ(rows.size(), 1u) << server.log();
    EXPECT_EQ(rows[0].get_string(Tag(0x0008, 0x0050)), "ACC-9");
    ASSERT_EQ(rows[0].get_items(Tag(0x0040, 0x0100)).size(), 1u);
    EXPECT_EQ(rows[0].get_items(Tag(0x0040, 0x0100))[0].get_string(Tag(0x0040, 0x0009)), "SPS-9");
    rows = findscu(dir, port, {"-W", "-k", "ScheduledProcedureStepSequence[0].Modality=MR"});
    EXPECT_TRUE(rows.empty());

    // The modality reports the step: the worklist item's status follows (IN PROGRESS).
    auto a = net::Association::connect(scu(), "127.0.0.1", port, "ARCH");
    Dataset pps;
    Dataset step;
    step.set_string(Tag(0x0020, 0x000D), "1.2.826.0.1.3680043.10.543.9", VR::UI);
    step.set_string(Tag(0x0040, 0x0009), "SPS-9", VR::SH);
    pps.set_sequence(Tag(0x0040, 0x0270), {step});
    pps.set_string(Tag(0x0040, 0x0253), "PPS-9", VR::SH);
    pps.set_string(Tag(0x0040, 0x0241), "CT01", VR::AE);
    pps.set_string(Tag(0x0040, 0x0244), "20261126", VR::DA);
    pps.set_string(Tag(0x0040, 0x0245), "091500", VR::TM);
    pps.set_string(Tag(0x0040, 0x0252), "IN PROGRESS", VR::CS);
    pps.set_string(Tag(0x0008, 0x0060), "CT", VR::CS);
    const net::NResult created = net::n_create(*a, dcmkit::uids::ModalityPerformedProcedureStep, generate_uid(), pps);
    EXPECT_EQ(created.status, 0x0000) << created.error_comment;
    a->release();
    rows = findscu(dir, port, {"-W", "-k", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepID=SPS-9", "-k",
                               "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStatus"});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].get_items(Tag(0x0040, 0x0100))[0].get_string(Tag(0x0040, 0x0020)), "IN PROGRESS");
}

TEST_F(Serve, StorageCommitmentFailsForAnAlteredFile) {
    std::vector<net::CommitItem> items;
    for (const auto &i : instances) items.push_back({kCt, i.sop, 0});
    auto a = net::Association::connect(scu(), "127.0.0.1", port, "ARCH");
    net::CommitResult r = net::request_commitment(*a, items, 10000);
    ASSERT_TRUE(r.report_received) << server.log();
    EXPECT_EQ(r.event_type, 1);
    EXPECT_EQ(r.committed.size(), instances.size());
    // One stored file changes on disk: its digest no longer matches, Processing failure (0110).
    const std::string stored = archive + "/files/" + instances[2].sop + ".dcm";
    std::string bytes = dk_test::read_bytes(stored);
    bytes[bytes.size() - 1] ^= 0x5A;
    dk_test::write_bytes(stored, bytes);
    r = net::request_commitment(*a, items, 10000);
    ASSERT_TRUE(r.report_received);
    EXPECT_EQ(r.event_type, 2);
    ASSERT_EQ(r.failed.size(), 1u);
    EXPECT_EQ(r.failed[0].sop_instance_uid, instances[2].sop);
    EXPECT_EQ(r.failed[0].failure_reason, 0x0110);
    a->release();
}

TEST_F(Serve, SurvivesKillDashNineDuringIngest) {
    // Many small files stored while the server is killed -9; restarted on the same folder, every
    // file on disk is indexed and every indexed file is intact (Storage Commitment of all succeeds).
    const std::string many = tmp.sub("many");
    std::vector<std::string> argv = {"storescu", "-aec", "ARCH", "-to", "10", "127.0.0.1", std::to_string(port)};
    for (int i = 0; i < 300; ++i) {
        DicomFile f = read_file(instances[0].path);
        f.dataset.set_string(tags::SOPInstanceUID, "1.2.826.0.1.3680043.10.544." + std::to_string(i + 1), VR::UI);
        const std::string p = many + "/m" + std::to_string(i) + ".dcm";
        write_file(p, f);
        argv.push_back(p);
    }
    Child sender;
    ASSERT_TRUE(sender.start(argv, tmp / "storescu.log"));
    const std::string files = archive + "/files";
    auto count_files = [&] {
        size_t n = 0;
        if (DIR *d = ::opendir(files.c_str())) {
            while (dirent *e = ::readdir(d)) n += std::string(e->d_name).size() > 4 && std::string(e->d_name).find(".dcm") != std::string::npos;
            ::closedir(d);
        }
        return n;
    };
    ASSERT_TRUE(dk_test::wait_until([&] { return count_files() >= instances.size() + 60; }, 30000)) << server.log();
    server.stop(SIGKILL);
    sender.stop(SIGKILL);
    start();
    const size_t on_disk = count_files();
    // Every instance on disk is in the index…
    auto a = net::Association::connect(scu(), "127.0.0.1", port, "ARCH");
    Dataset q;
    q.set_string(Tag(0x0008, 0x0052), "IMAGE", VR::CS);
    q.set_string(tags::SOPInstanceUID, "", VR::UI);
    std::vector<net::CommitItem> items;
    const net::FindResult fr = net::find(*a, dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, q, [&](const Dataset &m) {
        items.push_back({kCt, m.get_string_or(tags::SOPInstanceUID, ""), 0});
        return true;
    });
    EXPECT_EQ(fr.status, 0x0000);
    EXPECT_EQ(items.size(), on_disk) << server.log();
    // …and intact.
    const net::CommitResult r = net::request_commitment(*a, items, 20000);
    ASSERT_TRUE(r.report_received);
    EXPECT_TRUE(r.failed.empty()) << r.failed.size() << " failed, first " << (r.failed.empty() ? "" : r.failed[0].sop_instance_uid);
    EXPECT_EQ(r.committed.size(), on_disk);
    a->release();
}

TEST_F(Serve, APeerThatVanishesMidRetrieveLeavesTheArchiveServing) {
    // 200 more instances in one study; getscu is killed after its first files arrive. The archive
    // goes on serving, and a later retrieval of the same study is complete.
    const std::string many = tmp.sub("more");
    std::vector<std::string> argv = {"storescu", "-aec", "ARCH", "-to", "10", "127.0.0.1", std::to_string(port)};
    for (int i = 0; i < 200; ++i) {
        DicomFile f = read_file(instances[0].path);
        f.dataset.set_string(tags::SOPInstanceUID, "1.2.826.0.1.3680043.10.546." + std::to_string(i + 1), VR::UI);
        const std::string p = many + "/m" + std::to_string(i) + ".dcm";
        write_file(p, f);
        argv.push_back(p);
    }
    ASSERT_EQ(dk_test::run(argv).status, 0);
    const std::string got = tmp.sub("partial"), all = tmp.sub("all");
    const std::vector<std::string> get = {"getscu", "-S", "-aec", "ARCH", "-to", "10", "-k", "QueryRetrieveLevel=STUDY",
                                          "-k", "StudyInstanceUID=" + instances[0].study, "127.0.0.1", std::to_string(port)};
    std::vector<std::string> partial = get;
    partial.insert(partial.begin() + 1, {"-od", got});
    Child getter;
    ASSERT_TRUE(getter.start(partial, tmp / "getscu.log"));
    auto entries = [](const std::string &dir) {  // files being written are not parsed
        size_t n = 0;
        if (DIR *d = ::opendir(dir.c_str())) {
            while (dirent *e = ::readdir(d)) n += e->d_name[0] != '.';
            ::closedir(d);
        }
        return n;
    };
    dk_test::wait_until([&] { return entries(got) >= 5 || !getter.running(); }, 20000);
    getter.stop(SIGKILL);
    EXPECT_TRUE(server.running()) << server.log();
    std::vector<std::string> complete = get;
    complete.insert(complete.begin() + 1, {"-od", all});
    const dk_test::ProcResult r = dk_test::run(complete);
    EXPECT_EQ(r.status, 0) << r.all() << server.log();
    EXPECT_EQ(sops_in(all).size(), 203u);  // the study's 3 instances and the 200
}

TEST_F(Serve, CommandLineCommitMppsAndMwl) {
    std::vector<std::string> argv = {DCMKIT_CLI, "commit", "127.0.0.1", std::to_string(port), "-aec", "ARCH"};
    for (const auto &i : instances) argv.push_back(i.path);
    dk_test::ProcResult r = dk_test::run(argv);
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.err.find(std::to_string(instances.size()) + " committed, 0 failed"), std::string::npos) << r.all();

    const std::string pps = tmp / "pps.json";
    dk_test::write_bytes(pps, R"({
      "00400270": {"vr": "SQ", "Value": [{"00400009": {"vr": "SH", "Value": ["SPS-1"]}}]},
      "00400253": {"vr": "SH", "Value": ["PPS-1"]}, "00400241": {"vr": "AE", "Value": ["CT01"]},
      "00400244": {"vr": "DA", "Value": ["20261126"]}, "00400245": {"vr": "TM", "Value": ["0915"]},
      "00400252": {"vr": "CS", "Value": ["IN PROGRESS"]}, "00080060": {"vr": "CS", "Value": ["CT"]}})");
    r = dk_test::run({DCMKIT_CLI, "mpps", "127.0.0.1", std::to_string(port), "create", pps, "-aec", "ARCH"});
    ASSERT_EQ(r.status, 0) << r.all();
    const std::string uid = r.out.substr(0, r.out.find('\n'));
    EXPECT_TRUE(is_valid_uid(uid)) << r.out;
    // Completing without the end date and time: the performer refuses, with its reason.
    const std::string done = tmp / "done.json";
    dk_test::write_bytes(done, R"({"00400252": {"vr": "CS", "Value": ["COMPLETED"]}})");
    r = dk_test::run({DCMKIT_CLI, "mpps", "127.0.0.1", std::to_string(port), "set", done, "--uid", uid, "-aec", "ARCH"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("End Date"), std::string::npos) << r.err;

    r = dk_test::run({DCMKIT_CLI, "mwl", "127.0.0.1", std::to_string(port), "-aec", "ARCH", "-k", "PatientName"});
    EXPECT_EQ(r.status, 0) << r.all();
}

TEST_F(Serve, CommandLineCommitTakesTheReportOnAnAssociationTheArchiveOpens) {
    // `dcmkit commit --listen` releases as soon as the N-ACTION is answered (as IHE modalities do);
    // the archive then opens an association to the address its `dest` gives the calling AE title.
    std::vector<std::string> argv = {DCMKIT_CLI, "commit", "127.0.0.1", std::to_string(port), "-aec", "ARCH",
                                     "-aet", "MODALITY", "--listen", std::to_string(report_port), "--wait", "20"};
    for (const auto &i : instances) argv.push_back(i.path);
    dk_test::ProcResult r = dk_test::run(argv);
    EXPECT_EQ(r.status, 0) << r.all() << server.log();
    EXPECT_NE(r.err.find(std::to_string(instances.size()) + " committed, 0 failed"), std::string::npos) << r.all();
    for (const auto &i : instances) EXPECT_NE(r.out.find("committed\t" + i.sop), std::string::npos) << r.out;

    // An altered file is reported failed the same way.
    const std::string stored = archive + "/files/" + instances[0].sop + ".dcm";
    std::string bytes = dk_test::read_bytes(stored);
    bytes[bytes.size() - 1] ^= 0x5A;
    dk_test::write_bytes(stored, bytes);
    r = dk_test::run(argv);
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(r.out.find("failed\t" + instances[0].sop + "\t0110H"), std::string::npos) << r.all() << server.log();

    // An AE title the archive has no address for gets no report: said plainly, exit 1.
    argv[7] = "NOWHERE";
    argv[11] = "3";
    r = dk_test::run(argv);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("no report came to port " + std::to_string(report_port) + " as NOWHERE within 3 s"),
              std::string::npos)
        << r.all();
}

TEST(WorklistScu, AgainstWlmscpfs) {
    // Our Modality Worklist SCU against DCMTK's wlmscpfs, serving worklist files made by dump2dcm.
    if (!dk_test::have_tools({"wlmscpfs", "dump2dcm"})) GTEST_SKIP() << "wlmscpfs not installed";
    TempDir tmp("dcmkit-wlm");
    const std::string db = tmp.sub("db"), ae = tmp.sub("db/WLM");
    dk_test::write_bytes(ae + "/lockfile", "");
    const char *items[][4] = {{"DOE^JOHN", "CT", "20261126", "SPS-1"}, {"ROE^JANE", "MR", "20261126", "SPS-2"},
                              {"DOE^JIM", "CT", "20261127", "SPS-3"}};
    int n = 0;
    for (const auto &it : items) {
        // The attributes wlmscpfs requires of a worklist file (as its example wlistdb has them).
        const std::string nn = std::to_string(n);
        const std::string dump = std::string("(0008,0005) CS [ISO_IR 100]\n(0008,0050) SH [ACC") + nn +
                                 "]\n(0010,0010) PN [" + it[0] + "]\n(0010,0020) LO [P" + nn +
                                 "]\n(0010,0030) DA [19700101]\n(0010,0040) CS [M]\n(0020,000d) UI [1.2.826.0.1.3680043.10.545." +
                                 nn + "]\n(0032,1032) PN [SMITH]\n(0032,1060) LO [EXAM]\n(0040,0100) SQ\n(fffe,e000) -\n"
                                 "(0008,0060) CS [" + it[1] + "]\n(0040,0001) AE [CT01]\n(0040,0002) DA [" + it[2] +
                                 "]\n(0040,0003) TM [0900]\n(0040,0006) PN [JOHNSON]\n(0040,0007) LO [STEP]\n"
                                 "(0040,0009) SH [" + it[3] + "]\n(0040,0010) SH [STN1]\n(0040,0011) SH [ROOM1]\n"
                                 "(fffe,e00d) -\n(fffe,e0dd) -\n(0040,1001) SH [RP" + nn + "]\n(0040,1003) SH [LOW]\n";
        const std::string txt = tmp / ("w" + std::to_string(n) + ".txt");
        dk_test::write_bytes(txt, dump);
        dk_test::tool({"dump2dcm", "-g", txt, ae + "/w" + std::to_string(n++) + ".wl"});
    }
    Child wlm;
    const uint16_t port = dk_test::start_server(wlm, [&](uint16_t p) {
        return std::vector<std::string>{"wlmscpfs", "-dfp", db, std::to_string(p)};
    }, tmp / "wlm.log");
    ASSERT_NE(port, 0) << wlm.log();
    net::AeConfig c;
    c.ae_title = "DKSCU";
    c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 10000;
    c.add(dcmkit::uids::ModalityWorklistInformationModelFind, {}, false, true);
    auto a = net::Association::connect(c, "127.0.0.1", port, "WLM");
    Dataset q;
    q.set_string(Tag(0x0010, 0x0010), "", VR::PN);
    Dataset sps;
    sps.set_string(Tag(0x0008, 0x0060), "CT", VR::CS);
    sps.set_string(Tag(0x0040, 0x0002), "20261126", VR::DA);
    sps.set_string(Tag(0x0040, 0x0009), "", VR::SH);
    q.set_sequence(Tag(0x0040, 0x0100), {sps});
    std::vector<Dataset> rows;
    const net::FindResult r = net::find(*a, dcmkit::uids::ModalityWorklistInformationModelFind, q, [&](const Dataset &m) {
        rows.push_back(m);
        return true;
    });
    EXPECT_EQ(r.status, 0x0000) << wlm.log();
    ASSERT_EQ(rows.size(), 1u) << wlm.log();
    EXPECT_EQ(rows[0].get_string(Tag(0x0010, 0x0010)), "DOE^JOHN");
    EXPECT_EQ(rows[0].get_items(Tag(0x0040, 0x0100)).at(0).get_string(Tag(0x0040, 0x0009)), "SPS-1");
    a->release();
}

}  // namespace
