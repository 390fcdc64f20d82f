// Two `dcmkit serve` nodes on one PostgreSQL index (a throwaway PostgreSQL 15 cluster,
// tests/support/pg_cluster.h) and one shared storage folder, against DCMTK's tools: storescu stores
// into either (both at once, into the same study and patient), findscu queries and getscu
// retrieves from either, Storage Commitment is answered by either; a node killed (SIGKILL) while
// storescu sends loses nothing storescu was answered Success for, and the other keeps serving.
#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/file.h"
#include "dcmkit/services/services.h"
#include "dcmkit/services/workflow.h"
#include "dcmkit/uid.h"
#include "findscu.h"
#include "peer.h"
#include "pg_cluster.h"

using namespace dcmkit;
namespace net = dcmkit::net;
using dk_test::Child;
using dk_test::findscu;
using dk_test::TempDir;

namespace {

constexpr const char *kCt = "1.2.840.10008.5.1.4.1.1.2";
const std::string kStudy = "1.2.826.0.1.3680043.10.545.1";

/// `n` CT instances of one study of patient P1 (a dump2dcm file, its SOP Instance UID varied).
std::vector<std::pair<std::string, std::string>> make_files(const std::string &dir, const std::string &series, int first,
                                                            int n) {
    const std::string dump_path = dir + "/base.txt", base = dir + "/base.dcm";
    if (::access(base.c_str(), R_OK) != 0) {
        const std::string dump = std::string("(0008,0016) UI [") + kCt + "]\n(0008,0018) UI [1.2.3]\n"
                                 "(0008,0020) DA [20260301]\n(0008,0060) CS [CT]\n(0010,0010) PN [NODE^PAT]\n"
                                 "(0010,0020) LO [P1]\n(0010,0030) DA [19700101]\n(0010,0040) CS [F]\n"
                                 "(0020,000d) UI [" + kStudy + "]\n(0020,000e) UI [1.2.3.4]\n(0020,0013) IS [1]\n"
                                 "(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0010) US 2\n"
                                 "(0028,0011) US 2\n(0028,0100) US 16\n(0028,0101) US 12\n(0028,0102) US 11\n"
                                 "(0028,0103) US 0\n(7fe0,0010) OW 0000\\0400\\0800\\0fff\n";
        dk_test::write_bytes(dump_path, dump);
        dk_test::tool({"dump2dcm", dump_path, base});
    }
    std::vector<std::pair<std::string, std::string>> out;  // (SOP Instance UID, path)
    for (int i = first; i < first + n; ++i) {
        DicomFile f = read_file(base);
        const std::string sop = kStudy + "." + series + "." + std::to_string(i);
        f.dataset.set_string(tags::SOPInstanceUID, sop, VR::UI);
        f.dataset.set_string(Tag(0x0020, 0x000E), kStudy + "." + series, VR::UI);
        f.dataset.set_string(Tag(0x0020, 0x0013), std::to_string(i), VR::IS);
        f.meta.remove(tags::MediaStorageSOPInstanceUID);
        const std::string p = dir + "/" + series + "-" + std::to_string(i) + ".dcm";
        write_file(p, f);
        out.emplace_back(sop, p);
    }
    return out;
}

std::set<std::string> sops_in(const std::string &dir) {
    std::set<std::string> out;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            out.insert(read_file(dir + "/" + e->d_name).dataset.get_string_or(tags::SOPInstanceUID, ""));
        }
        ::closedir(d);
    }
    return out;
}

class ServeNodes : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"storescu", "findscu", "getscu", "dump2dcm"})) GTEST_SKIP() << "DCMTK tools not installed";
#ifndef DCMKIT_HAVE_POSTGRESQL
        GTEST_SKIP() << "built without PostgreSQL (DCMKIT_WITH_POSTGRESQL=OFF)";
#endif
        PgCluster &pg = PgCluster::get();
        if (!pg.ok()) GTEST_SKIP() << "PostgreSQL: " << pg.why();
        conninfo = pg.create_database();
        for (int n = 0; n < 2; ++n) start(n);
    }
    void start(int n) {
        port[n] = dk_test::start_server(node[n], [&](uint16_t p) {
            return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", storage, "--index",
                                            conninfo, "-aet", "ARCH"};
        }, tmp / ("node" + std::to_string(n) + ".log"));
        ASSERT_NE(port[n], 0) << node[n].log();
    }
    std::vector<std::string> storescu(int n) const {
        return {"storescu", "-v", "-aec", "ARCH", "-to", "10", "127.0.0.1", std::to_string(port[n])};
    }
    /// SOP Instance UIDs at IMAGE level of the study, from node n.
    std::set<std::string> found(int n, const std::string &dir) {
        std::set<std::string> out;
        for (const auto &d : findscu(dir, port[n], {"-S", "-k", "QueryRetrieveLevel=IMAGE", "-k",
                                                    "StudyInstanceUID=" + kStudy, "-k", "SOPInstanceUID"}))
            out.insert(d.get_string_or(tags::SOPInstanceUID, ""));
        return out;
    }
    std::set<std::string> retrieved(int n, const std::string &dir) {
        const auto r = dk_test::run({"getscu", "-S", "-aec", "ARCH", "-od", dir, "-to", "10", "-k",
                                     "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + kStudy, "127.0.0.1",
                                     std::to_string(port[n])});
        EXPECT_EQ(r.status, 0) << r.all();
        return sops_in(dir);
    }
    net::CommitResult commit(int n, const std::set<std::string> &sops) {
        net::AeConfig c;
        c.ae_title = "DKSCU";
        c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 10000;
        c.add(dcmkit::uids::StorageCommitmentPushModel, {}, false, true);
        auto a = net::Association::connect(c, "127.0.0.1", port[n], "ARCH");
        std::vector<net::CommitItem> items;
        for (const auto &s : sops) items.push_back({kCt, s, 0});
        net::CommitResult r = net::request_commitment(*a, items, 20000);
        a->release();
        return r;
    }

    TempDir tmp{"dcmkit-nodes"};
    std::string storage = tmp.sub("storage");
    std::string conninfo;
    Child node[2];
    uint16_t port[2] = {0, 0};
};

TEST_F(ServeNodes, StoreIntoEitherQueryRetrieveAndCommitFromEither) {
    // Both nodes ingest the same study of the same patient at the same time.
    const auto a = make_files(tmp.sub("a"), "1", 1, 40), b = make_files(tmp.sub("b"), "2", 1, 40);
    auto args_a = storescu(0), args_b = storescu(1);
    std::set<std::string> all;
    for (const auto &f : a) args_a.push_back(f.second), all.insert(f.first);
    for (const auto &f : b) args_b.push_back(f.second), all.insert(f.first);
    Child sa, sb;
    ASSERT_TRUE(sa.start(args_a, tmp / "storescu-a.log"));
    ASSERT_TRUE(sb.start(args_b, tmp / "storescu-b.log"));
    ASSERT_TRUE(dk_test::wait_until([&] { return !sa.running() && !sb.running(); }, 60000));
    EXPECT_EQ(sa.stop(), 0) << sa.log() << node[0].log();
    EXPECT_EQ(sb.stop(), 0) << sb.log() << node[1].log();

    for (int n = 0; n < 2; ++n) {
        const std::string dir = tmp.sub("find" + std::to_string(n));
        EXPECT_EQ(found(n, dir), all) << "node " << n;
        // One study, one patient record: nothing duplicated by the concurrent ingest.
        auto studies = findscu(dir, port[n], {"-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "-k",
                                              "NumberOfStudyRelatedSeries", "-k", "NumberOfStudyRelatedInstances"});
        ASSERT_EQ(studies.size(), 1u);
        EXPECT_EQ(studies[0].get_string_or(Tag(0x0020, 0x1206), ""), "2");
        EXPECT_EQ(studies[0].get_string_or(Tag(0x0020, 0x1208), ""), "80");
        auto patients = findscu(dir, port[n], {"-P", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID", "-k",
                                               "NumberOfPatientRelatedInstances"});
        ASSERT_EQ(patients.size(), 1u);
        EXPECT_EQ(patients[0].get_string_or(Tag(0x0010, 0x0020), ""), "P1");
        EXPECT_EQ(retrieved(n, tmp.sub("get" + std::to_string(n))), all) << "node " << n;
        const net::CommitResult r = commit(n, all);
        ASSERT_TRUE(r.report_received);
        EXPECT_EQ(r.committed.size(), all.size()) << "node " << n;
        EXPECT_TRUE(r.failed.empty());
    }
    // The shared folder holds each file once, no temporary file left behind.
    size_t files = 0, temporary = 0;
    if (DIR *d = ::opendir((storage + "/files").c_str())) {
        while (dirent *e = ::readdir(d)) {
            const std::string name = e->d_name;
            if (name.rfind(".incoming-", 0) == 0) ++temporary;
            else if (name.size() > 4 && name.compare(name.size() - 4, 4, ".dcm") == 0) ++files;
        }
        ::closedir(d);
    }
    EXPECT_EQ(files, all.size());
    EXPECT_EQ(temporary, 0u);
}

TEST_F(ServeNodes, ANodeKilledMidIngestLosesNothingAcknowledged) {
    const auto files = make_files(tmp.sub("in"), "3", 1, 400);
    auto args = storescu(0);
    for (const auto &f : files) args.push_back(f.second);
    Child sender;
    ASSERT_TRUE(sender.start(args, tmp / "storescu.log"));
    auto acknowledged = [&] {
        // storescu sends the files in order, one C-STORE each: the k-th Success is the k-th file.
        const std::string log = sender.log();
        size_t n = 0;
        for (size_t p = log.find("Received Store Response (Success)"); p != std::string::npos;
             p = log.find("Received Store Response (Success)", p + 1))
            ++n;
        return n;
    };
    ASSERT_TRUE(dk_test::wait_until([&] { return acknowledged() >= 60; }, 60000)) << sender.log() << node[0].log();
    const pid_t killed = node[0].pid();
    ASSERT_GT(killed, 0);
    ASSERT_EQ(::kill(killed, SIGKILL), 0);
    node[0].stop(SIGKILL);
    dk_test::wait_until([&] { return !sender.running(); }, 30000);
    sender.stop(SIGKILL);
    const size_t acked = acknowledged();
    ASSERT_GE(acked, 60u);
    ASSERT_LT(acked, files.size()) << "the node was killed too late to test anything";
    std::set<std::string> want;
    for (size_t i = 0; i < acked; ++i) want.insert(files[i].first);

    // Everything acknowledged is findable, retrievable and committed by the survivor.
    const std::set<std::string> have = found(1, tmp.sub("find"));
    for (const auto &s : want) EXPECT_TRUE(have.count(s)) << s << " was acknowledged by the killed node";
    const std::set<std::string> got = retrieved(1, tmp.sub("get"));
    for (const auto &s : want) EXPECT_TRUE(got.count(s)) << s << " not retrievable from the survivor";
    const net::CommitResult r = commit(1, want);
    ASSERT_TRUE(r.report_received);
    EXPECT_EQ(r.committed.size(), want.size());
    // The survivor keeps taking instances, into the same study.
    const auto more = make_files(tmp.sub("more"), "4", 1, 5);
    auto args_more = storescu(1);
    for (const auto &f : more) args_more.push_back(f.second);
    const auto res = dk_test::run(args_more);
    EXPECT_EQ(res.status, 0) << res.all() << node[1].log();
    const std::set<std::string> after = found(1, tmp.sub("find2"));
    for (const auto &f : more) EXPECT_TRUE(after.count(f.first));
}

}  // namespace
