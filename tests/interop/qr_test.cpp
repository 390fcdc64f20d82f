// Query/Retrieve (PS3.4 Annex C) against DCMTK on 127.0.0.1: C-FIND, C-MOVE, C-GET and C-CANCEL.
//
//  * Our SCU (net::find / net::move / net::get) against DCMTK's dcmqrscp, configured here with a
//    storage area in a temporary folder and filled with 9 instances made by dump2dcm (2 patients,
//    3 studies, 4 series) through storescu. FIND results are compared, attribute by attribute,
//    with what DCMTK's findscu (-X: each response written to a file) gets for the same query from
//    the same dcmqrscp. MOVE goes to our in-process storage SCP (listed in dcmqrscp.cfg's HostTable),
//    GET into a folder; the received files are compared with the originals.
//  * DCMTK's findscu, movescu and getscu against our in-process SCP (net::Server with on_find /
//    on_move / on_get over an in-memory list of the same files).
//  * Cancellation both ways (our SCU cancelling our SCP, findscu --cancel against our SCP) and the
//    failure statuses of PS3.4 C.4 (A801, A900, 0122).
//
// Golden values come from DCMTK (what findscu gets, what dcmqrscp sends) or from the standard.
// Rules: 127.0.0.1 only, free ports (0 for ours, picked and retried for DCMTK's), DCMTK peers with
// TCP_NODELAY=1, every wait bounded, only processes started here are signalled (by PID).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "peer.h"

using namespace dcmkit;
namespace net = dcmkit::net;
using dk_test::Clock;
using dk_test::ms_since;
using dk_test::run;
using dk_test::Child;
using dk_test::pick_free_port;
using dk_test::port_listening;
using dk_test::TempDir;
using dk_test::wait_until;

namespace {

namespace st = net::dimse::status;
constexpr const char *kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char *kMr = "1.2.840.10008.5.1.4.1.1.4";
constexpr Tag kLevel{0x0008, 0x0052};
constexpr Tag kStudyUid{0x0020, 0x000D};
constexpr Tag kPatientId{0x0010, 0x0020};

std::vector<std::string> list_dir(const std::string &dir) {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d))
            if (e->d_name[0] != '.') names.push_back(e->d_name);
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string uid_of(const Dataset &ds, Tag t) {
    const Element *e = ds.find(t);
    return e ? std::string(trim_value(e->value.str(), VR::UI)) : std::string();
}

// -- the archive: files, dcmqrscp, our move destination ---------------------------------------------

struct Instance {
    std::string path, sop_class, sop_instance, study, series, patient_id;
    Dataset header;  ///< the data set without pixel data
};

struct Study {
    std::string pid, name, birth, sex, uid, date, time, accession, description, modality;
    std::vector<std::pair<std::string, int>> series;  // (uid, instances)
};

const std::vector<Study> kStudies = {
    {"PID1", "DOE^JOHN", "19700101", "M", "1.2.826.0.1.3680043.10.9.1.1", "20240102", "101500", "A1", "CT HEAD", "CT",
     {{"1.2.826.0.1.3680043.10.9.1.1.1", 3}, {"1.2.826.0.1.3680043.10.9.1.1.2", 2}}},
    {"PID1", "DOE^JOHN", "19700101", "M", "1.2.826.0.1.3680043.10.9.1.2", "20240315", "090000", "A2", "MR KNEE", "MR",
     {{"1.2.826.0.1.3680043.10.9.1.2.1", 2}}},
    {"PID2", "SMITH^JANE", "19800505", "F", "1.2.826.0.1.3680043.10.9.2.1", "20230720", "143000", "A3", "CT CHEST", "CT",
     {{"1.2.826.0.1.3680043.10.9.2.1.1", 2}}},
};

/// Our in-process storage SCP, the C-MOVE destination of dcmqrscp: stores into whatever folder the
/// running test set.
struct MoveDestination {
    std::mutex mu;
    std::shared_ptr<net::StorageFolder> folder;
    std::unique_ptr<net::Server> server;
    /// Each C-STORE waits this long first: a slow destination, so that a C-CANCEL surely arrives
    /// while a C-MOVE still has sub-operations to do.
    std::atomic<int> delay_ms{0};
    void use(const std::string &dir) {
        std::lock_guard<std::mutex> lock(mu);
        folder = std::make_shared<net::StorageFolder>(dir, false);
    }
};

struct Archive {
    TempDir dir{"dcmkit-qr"};
    std::string error;
    std::vector<Instance> instances;
    std::map<std::string, const Instance *> by_uid;
    Child qrscp;
    uint16_t qr_port = 0;
    MoveDestination dest;
    uint16_t dest_port = 0;
};

bool have_dcmtk() { return dk_test::have_tools({"dcmqrscp", "findscu", "movescu", "getscu", "storescu", "dump2dcm"}); }

Archive &archive() {
    static const std::unique_ptr<Archive> a = [] {
        auto k = std::make_unique<Archive>();
        const std::string d = k->dir.path();
        auto fail = [&](const std::string &why) {
            if (k->error.empty()) k->error = why;
        };
        // 8x8 16-bit pixels of zeros: only the attributes matter here.
        dk_test::write_bytes(d + "/px.raw", std::string(128, '\0'));
        const std::string in = k->dir.sub("in");
        int n = 0;
        for (const auto &s : kStudies) {
            for (size_t si = 0; si < s.series.size(); ++si) {
                for (int i = 0; i < s.series[si].second; ++i) {
                    ++n;
                    const std::string sop = s.modality == "CT" ? kCt : kMr;
                    const std::string inst = s.series[si].first + "." + std::to_string(i + 1);
                    std::string dump = "(0008,0016) UI [" + sop + "]\n(0008,0018) UI [" + inst + "]\n";
                    dump += "(0008,0020) DA [" + s.date + "]\n(0008,0030) TM [" + s.time + "]\n";
                    dump += "(0008,0050) SH [" + s.accession + "]\n(0008,0060) CS [" + s.modality + "]\n";
                    dump += "(0008,1030) LO [" + s.description + "]\n(0010,0010) PN [" + s.name + "]\n";
                    dump += "(0010,0020) LO [" + s.pid + "]\n(0010,0030) DA [" + s.birth + "]\n";
                    dump += "(0010,0040) CS [" + s.sex + "]\n(0020,000d) UI [" + s.uid + "]\n";
                    dump += "(0020,000e) UI [" + s.series[si].first + "]\n(0020,0010) SH [" + s.accession + "]\n";
                    dump += "(0020,0011) IS [" + std::to_string(si + 1) + "]\n(0020,0013) IS [" + std::to_string(i + 1) + "]\n";
                    dump += "(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0010) US 8\n(0028,0011) US 8\n";
                    dump += "(0028,0100) US 16\n(0028,0101) US 12\n(0028,0102) US 11\n(0028,0103) US 0\n";
                    dump += "(7fe0,0010) OW =" + d + "/px.raw\n";
                    const std::string base = in + "/" + std::to_string(n);
                    dk_test::write_bytes(base + ".dump", dump);
                    auto r = run({"dump2dcm", "-q", "+te", base + ".dump", base + ".dcm"});
                    if (r.status != 0) fail("dump2dcm failed: " + r.all());
                    Instance x;
                    x.path = base + ".dcm";
                    x.sop_class = sop;
                    x.sop_instance = inst;
                    x.study = s.uid;
                    x.series = s.series[si].first;
                    x.patient_id = s.pid;
                    k->instances.push_back(std::move(x));
                }
            }
        }
        for (auto &x : k->instances) {
            try {
                ReadOptions o;
                o.stop_before_pixels = true;
                x.header = read_file(x.path, o).dataset;
            } catch (const std::exception &e) {
                fail(x.path + ": " + e.what());
            }
        }
        for (const auto &x : k->instances) k->by_uid[x.sop_instance] = &x;

        // Our move destination, on a port of the kernel's choosing.
        net::AeConfig dc;
        dc.ae_title = "DKDEST";
        dc.add_all_storage();
        dc.add_verification();
        net::ServiceHandlers dh;
        Archive *self = k.get();
        dh.on_store = [self](net::StoreRequest &rq) {
            if (int wait = self->dest.delay_ms.load()) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
            std::shared_ptr<net::StorageFolder> f;
            {
                std::lock_guard<std::mutex> lock(self->dest.mu);
                f = self->dest.folder;
            }
            if (!f) {
                rq.assoc.receive_dataset([](const uint8_t *, size_t) {}, 10000);
                return st::OutOfResources;
            }
            return f->receive(rq);
        };
        k->dest.server = std::make_unique<net::Server>(dc, dh);
        k->dest.server->start("127.0.0.1", 0);
        k->dest_port = k->dest.server->port();

        // dcmqrscp with a storage area here, our destination in its HostTable.
        const std::string db = k->dir.sub("db");
        for (int attempt = 0; attempt < 5 && k->error.empty(); ++attempt) {
            const uint16_t port = pick_free_port();
            const std::string cfg = d + "/dcmqrscp.cfg";
            dk_test::write_bytes(cfg, "NetworkTCPPort = " + std::to_string(port) +
                                          "\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
                                          "HostTable BEGIN\ndest = (DKDEST, 127.0.0.1, " +
                                          std::to_string(k->dest_port) +
                                          ")\nmovescu = (MOVESCU, 127.0.0.1, 1)\nHostTable END\n"
                                          "VendorTable BEGIN\nVendorTable END\n"
                                          "AETable BEGIN\nQRSCP " + db + " RW (100, 64mb) ANY\nAETable END\n");
            if (!k->qrscp.start({"dcmqrscp", "-c", cfg, std::to_string(port)}, d + "/dcmqrscp.log", /*own_group=*/true)) {
                fail("cannot start dcmqrscp");
                break;
            }
            if (wait_until([&] { return port_listening(port) || !k->qrscp.running(); }, 10000) && k->qrscp.running()) {
                k->qr_port = port;
                break;
            }
            k->qrscp.stop();
        }
        if (!k->qr_port) fail("dcmqrscp did not start: " + k->qrscp.log());
        if (k->error.empty()) {
            std::vector<std::string> argv = {"storescu", "-aet", "LOADER", "-aec", "QRSCP", "127.0.0.1",
                                             std::to_string(k->qr_port)};
            for (const auto &x : k->instances) argv.push_back(x.path);
            auto r = run(argv, 60000);
            if (r.status != 0) fail("storescu into dcmqrscp failed: " + r.all() + "\n" + k->qrscp.log());
        }
        return k;
    }();
    return *a;
}

#define REQUIRE_ARCHIVE()                                                                     \
    do {                                                                                      \
        if (!have_dcmtk()) GTEST_SKIP() << "DCMTK command-line tools (dcmtk) not on PATH";   \
        ASSERT_TRUE(archive().error.empty()) << archive().error;                              \
    } while (0)

/// An identifier from findscu-style keys ("gggg,eeee=value", "Keyword=value", "key").
Dataset identifier_of(const std::vector<std::string> &keys) {
    Dataset ds;
    for (const auto &k : keys) {
        const size_t eq = k.find('=');
        const Tag t = tag_from_keyword(k.substr(0, eq));
        const DictEntry *d = dict_find(t);
        const VR vr = d ? d->vr : VR::LO;
        if (eq == std::string::npos || eq + 1 == k.size()) ds.set(Element(t, vr));
        else ds.set_string(t, k.substr(eq + 1), vr);
    }
    return ds;
}

net::AeConfig scu_config(const std::vector<std::string> &sop_classes, const std::string &aet = "DCMKIT") {
    net::AeConfig c;
    c.ae_title = aet;
    c.timeouts.connect_ms = c.timeouts.artim_ms = 10000;
    c.timeouts.dimse_ms = 20000;
    for (const auto &s : sop_classes) c.add(s, {}, false, true);
    return c;
}

struct FindOutcome {
    net::FindResult result;
    std::vector<Dataset> matches;
};

FindOutcome our_find(uint16_t port, const std::string &called, const std::string &sop, const Dataset &id,
                     size_t cancel_after = 0) {
    FindOutcome o;
    auto assoc = net::Association::connect(scu_config({sop}), "127.0.0.1", port, called);
    o.result = net::find(*assoc, sop, id, [&](const Dataset &m) {
        o.matches.push_back(m);
        return cancel_after == 0 || o.matches.size() < cancel_after;
    });
    assoc->release();
    return o;
}

/// findscu with -X: each response identifier written to rspNNNN.dcm in a folder of its own.
std::vector<Dataset> findscu(uint16_t port, const std::string &called, bool patient_root,
                             const std::vector<std::string> &keys, dk_test::ProcResult *out = nullptr,
                             const std::vector<std::string> &extra = {}) {
    TempDir dir("dcmkit-findscu");
    std::vector<std::string> argv = {"findscu", patient_root ? "-P" : "-S", "-aet", "FINDSCU", "-aec", called, "-X"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    for (const auto &k : keys) {
        argv.push_back("-k");
        argv.push_back(k);
    }
    argv.push_back("127.0.0.1");
    argv.push_back(std::to_string(port));
    dk_test::ProcResult r = run(argv, 30000, dir.path());
    if (out) *out = r;
    EXPECT_EQ(r.status, 0) << dk_test::shell_words(argv) << "\n" << r.all();
    std::vector<Dataset> v;
    for (const auto &name : list_dir(dir.path()))
        if (name.rfind("rsp", 0) == 0) v.push_back(read_file(dir / name).dataset);
    return v;
}

/// Compares our SCU's matches with findscu's for the same query, attribute by attribute.
void expect_same_matches(const std::vector<Dataset> &ours, const std::vector<Dataset> &theirs) {
    ASSERT_EQ(ours.size(), theirs.size());
    for (size_t i = 0; i < ours.size(); ++i) {
        std::string why;
        EXPECT_TRUE(ours[i].equals(theirs[i], &why)) << "match " << i << ": " << why;
    }
}

/// Each received file has the data set of the original with its SOP Instance UID.
void expect_files_equal_originals(const std::string &dir, const std::set<std::string> &expected_uids) {
    std::set<std::string> got;
    for (const auto &name : list_dir(dir)) {
        const DicomFile f = read_file(dir + "/" + name);
        const std::string uid = uid_of(f.dataset, tags::SOPInstanceUID);
        got.insert(uid);
        auto it = archive().by_uid.find(uid);
        ASSERT_NE(it, archive().by_uid.end()) << "unexpected instance " << uid;
        const DicomFile original = read_file(it->second->path);
        std::string why;
        EXPECT_TRUE(f.dataset.equals(original.dataset, &why)) << uid << ": " << why;
    }
    EXPECT_EQ(got, expected_uids);
}

std::set<std::string> instances_where(const std::function<bool(const Instance &)> &pred) {
    std::set<std::string> s;
    for (const auto &x : archive().instances)
        if (pred(x)) s.insert(x.sop_instance);
    return s;
}

// =================================================================================================
// Our SCU against dcmqrscp
// =================================================================================================

struct QueryCase {
    const char *name;
    bool patient_root;
    std::vector<std::string> keys;
    size_t expected;
};

const std::vector<QueryCase> kQueries = {
    {"study root, STUDY, wildcard name", false,
     {"0008,0052=STUDY", "PatientName=DOE*", "StudyInstanceUID", "StudyDate", "PatientID", "AccessionNumber"}, 2},
    {"study root, STUDY, every study", false, {"0008,0052=STUDY", "PatientName", "StudyInstanceUID", "StudyDescription"}, 3},
    {"study root, STUDY, date range", false, {"0008,0052=STUDY", "StudyDate=20240101-20241231", "StudyInstanceUID"}, 2},
    {"study root, STUDY, open date range", false, {"0008,0052=STUDY", "StudyDate=-20240110", "StudyInstanceUID"}, 2},
    {"study root, STUDY, UID list", false,
     {"0008,0052=STUDY", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.1\\1.2.826.0.1.3680043.10.9.2.1", "PatientName"}, 2},
    {"study root, SERIES", false,
     {"0008,0052=SERIES", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.1", "SeriesInstanceUID", "Modality",
      "SeriesNumber"}, 2},
    {"study root, IMAGE", false,
     {"0008,0052=IMAGE", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.1",
      "SeriesInstanceUID=1.2.826.0.1.3680043.10.9.1.1.1", "SOPInstanceUID", "InstanceNumber"}, 3},
    {"patient root, PATIENT", true, {"0008,0052=PATIENT", "PatientName", "PatientID", "PatientBirthDate"}, 2},
    {"patient root, PATIENT, wildcard ?", true, {"0008,0052=PATIENT", "PatientName=SMITH^JAN?", "PatientID"}, 1},
    {"patient root, STUDY", true, {"0008,0052=STUDY", "PatientID=PID1", "StudyInstanceUID", "StudyDate"}, 2},
    {"patient root, SERIES", true,
     {"0008,0052=SERIES", "PatientID=PID2", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.2.1", "SeriesInstanceUID",
      "Modality"}, 1},
    {"patient root, IMAGE", true,
     {"0008,0052=IMAGE", "PatientID=PID1", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.2",
      "SeriesInstanceUID=1.2.826.0.1.3680043.10.9.1.2.1", "SOPInstanceUID", "SOPClassUID"}, 2},
};

TEST(OurScuToDcmqrscp, FindMatchesWhatFindscuGets) {
    REQUIRE_ARCHIVE();
    const Archive &a = archive();
    for (const auto &q : kQueries) {
        SCOPED_TRACE(q.name);
        const std::string sop = q.patient_root ? dcmkit::uids::PatientRootQueryRetrieveInformationModelFind : dcmkit::uids::StudyRootQueryRetrieveInformationModelFind;
        FindOutcome ours = our_find(a.qr_port, "QRSCP", sop, identifier_of(q.keys));
        EXPECT_EQ(ours.result.status, st::Success) << net::qr_status_text(net::dimse::C_FIND_RSP, ours.result.status);
        EXPECT_EQ(ours.matches.size(), q.expected);
        const std::vector<Dataset> theirs = findscu(a.qr_port, "QRSCP", q.patient_root, q.keys);
        expect_same_matches(ours.matches, theirs);
    }
}

TEST(OurScuToDcmqrscp, CliFindPrintsOneRowPerMatch) {
    REQUIRE_ARCHIVE();
    auto r = run({DCMKIT_CLI, "find", "127.0.0.1", std::to_string(archive().qr_port), "-aec", "QRSCP", "-S", "-k",
                  "0008,0052=STUDY", "-k", "PatientName=DOE*", "-k", "0020,000D", "-k", "StudyDate"},
                 30000);
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(r.out,
              "QueryRetrieveLevel\tPatientName\tStudyInstanceUID\tStudyDate\n"
              "STUDY\tDOE^JOHN\t1.2.826.0.1.3680043.10.9.1.1\t20240102\n"
              "STUDY\tDOE^JOHN\t1.2.826.0.1.3680043.10.9.1.2\t20240315\n");
    auto j = run({DCMKIT_CLI, "find", "127.0.0.1", std::to_string(archive().qr_port), "-aec", "QRSCP", "-P", "--json",
                  "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=PID2", "-k", "PatientName"},
                 30000);
    ASSERT_EQ(j.status, 0) << j.all();
    EXPECT_NE(j.out.find("\"SMITH^JANE\""), std::string::npos) << j.out;
}

TEST(OurScuToDcmqrscp, MoveStudyToOurStorageScp) {
    REQUIRE_ARCHIVE();
    Archive &a = archive();
    TempDir out("dcmkit-qr-move");
    a.dest.use(out.path());
    auto assoc = net::Association::connect(scu_config({dcmkit::uids::StudyRootQueryRetrieveInformationModelMove}), "127.0.0.1", a.qr_port, "QRSCP");
    std::vector<net::RetrieveProgress> pendings;
    const net::RetrieveResult r =
        net::move(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, "DKDEST",
                  identifier_of({"0008,0052=STUDY", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.1"}),
                  [&](const net::RetrieveProgress &p) {
                      if (p.status == st::Pending) pendings.push_back(p);
                      return true;
                  });
    assoc->release();
    EXPECT_EQ(r.status, st::Success) << net::qr_status_text(net::dimse::C_MOVE_RSP, r.status);
    EXPECT_EQ(r.completed, 5);
    EXPECT_EQ(r.failed, 0);
    EXPECT_FALSE(pendings.empty());
    expect_files_equal_originals(out.path(), instances_where([](const Instance &x) {
                                     return x.study == "1.2.826.0.1.3680043.10.9.1.1";
                                 }));
    a.dest.use(a.dir.sub("dest-idle"));
}

TEST(OurScuToDcmqrscp, MoveToUnknownDestinationIsRefusedA801) {
    REQUIRE_ARCHIVE();
    auto assoc = net::Association::connect(scu_config({dcmkit::uids::StudyRootQueryRetrieveInformationModelMove}), "127.0.0.1", archive().qr_port,
                                           "QRSCP");
    const net::RetrieveResult r = net::move(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, "NOWHERE",
                                            identifier_of({"0008,0052=STUDY", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.1"}));
    assoc->release();
    EXPECT_EQ(r.status, st::MoveDestinationUnknown);
}

TEST(OurScuToDcmqrscp, GetPatientIntoFolder) {
    REQUIRE_ARCHIVE();
    TempDir out("dcmkit-qr-get");
    net::AeConfig cfg = scu_config({dcmkit::uids::PatientRootQueryRetrieveInformationModelGet});
    cfg.add_get_storage();
    auto assoc = net::Association::connect(cfg, "127.0.0.1", archive().qr_port, "QRSCP");
    // As `dcmkit get` does: files written back in the background, made durable together at the end.
    net::StorageFolder folder(out.path(), net::StorageFolder::Durability::at_end);
    const net::RetrieveResult r = net::get(*assoc, dcmkit::uids::PatientRootQueryRetrieveInformationModelGet,
                                           identifier_of({"0008,0052=PATIENT", "PatientID=PID1"}), folder);
    assoc->release();
    EXPECT_NO_THROW(folder.sync_all());
    EXPECT_EQ(r.status, st::Success) << net::qr_status_text(net::dimse::C_GET_RSP, r.status) << " " << r.error_comment;
    EXPECT_EQ(r.completed, 7);
    EXPECT_EQ(r.stored, 7u);
    expect_files_equal_originals(out.path(), instances_where([](const Instance &x) { return x.patient_id == "PID1"; }));
    // A folder that went away cannot be made durable: a typed error, not silence.
    const std::string gone = out.sub("gone");
    net::StorageFolder vanished(gone, net::StorageFolder::Durability::at_end);
    ASSERT_EQ(::rmdir(gone.c_str()), 0);
    try {
        vanished.sync_all();
        ADD_FAILURE() << "sync_all() of a removed folder did not throw";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::io);
        EXPECT_NE(std::string(e.what()).find(gone), std::string::npos) << e.what();
    }
}

TEST(OurScuToDcmqrscp, CliMoveAndGet) {
    REQUIRE_ARCHIVE();
    Archive &a = archive();
    TempDir out("dcmkit-qr-cli");
    a.dest.use(out.sub("moved"));
    auto m = run({DCMKIT_CLI, "move", "127.0.0.1", std::to_string(a.qr_port), "-aec", "QRSCP", "--dest", "DKDEST", "-k",
                  "0008,0052=SERIES", "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.1", "-k",
                  "SeriesInstanceUID=1.2.826.0.1.3680043.10.9.1.1.2"},
                 30000);
    EXPECT_EQ(m.status, 0) << m.all();
    EXPECT_NE(m.err.find("completed 2, failed 0"), std::string::npos) << m.err;
    expect_files_equal_originals(out.path() + "/moved", instances_where([](const Instance &x) {
                                     return x.series == "1.2.826.0.1.3680043.10.9.1.1.2";
                                 }));
    auto g = run({DCMKIT_CLI, "get", "127.0.0.1", std::to_string(a.qr_port), "-aec", "QRSCP", "--out",
                  out.path() + "/got", "-k", "0008,0052=STUDY", "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.2.1"},
                 30000);
    EXPECT_EQ(g.status, 0) << g.all();
    expect_files_equal_originals(out.path() + "/got", instances_where([](const Instance &x) {
                                     return x.study == "1.2.826.0.1.3680043.10.9.2.1";
                                 }));
    a.dest.use(a.dir.sub("dest-idle"));
}

// =================================================================================================
// DCMTK tools against our SCP
// =================================================================================================

/// Our Query/Retrieve SCP over the archive's files, held in memory as the records an index would
/// give. A PatientID of "MANY" makes C-FIND produce 100000 matches, slowly (for cancellation).
struct OurScp {
    std::unique_ptr<net::Server> server;
    std::map<std::string, uint16_t> destinations;  // move destination AE -> port on 127.0.0.1
    std::mutex mu;
    std::atomic<int> find_calls{0};

    explicit OurScp(bool with_handlers = true) {
        net::AeConfig c;
        c.ae_title = "DKSCP";
        c.add_verification();
        for (const char *s : {dcmkit::uids::PatientRootQueryRetrieveInformationModelFind, dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, dcmkit::uids::PatientRootQueryRetrieveInformationModelMove,
                              dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, dcmkit::uids::PatientRootQueryRetrieveInformationModelGet, dcmkit::uids::StudyRootQueryRetrieveInformationModelGet})
            c.add(s);
        c.add_get_storage({}, {}, false);  // we send C-GET's C-STOREs: SCU of storage
        c.timeouts.dimse_ms = 20000;
        net::ServiceHandlers h;
        if (with_handlers) {
            h.on_find = [this](net::QueryRequest &rq) { return find(rq); };
            h.on_move = [this](net::QueryRequest &rq) { return retrieve(rq, true); };
            h.on_get = [this](net::QueryRequest &rq) { return retrieve(rq, false); };
        }
        server = std::make_unique<net::Server>(c, h);
        server->start("127.0.0.1", 0);
    }
    uint16_t port() const { return server->port(); }

    uint16_t find(net::QueryRequest &rq) {
        ++find_calls;
        if (uid_of(rq.identifier, kPatientId) == "MANY") {
            for (int i = 0; i < 100000; ++i) {
                Dataset m;
                m.set_string(kPatientId, "MANY", VR::LO);
                m.set_string(kStudyUid, "1.2.826.0.1.3680043.10.9.99." + std::to_string(i + 1), VR::UI);
                if (!rq.emit(m)) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return st::Success;
        }
        const Tag key = net::unique_key_of_level(rq.level);
        std::set<std::string> seen;
        for (const auto &x : archive().instances) {
            if (!net::matches_identifier(rq.identifier, x.header)) continue;
            if (!seen.insert(x.header.get_string_or(key, "")).second) continue;
            if (!rq.emit(net::project_identifier(rq.identifier, x.header))) break;
        }
        return st::Success;
    }

    net::RetrievePlan retrieve(net::QueryRequest &rq, bool move) {
        net::RetrievePlan plan;
        if (move) {
            std::lock_guard<std::mutex> lock(mu);
            auto it = destinations.find(rq.move_destination);
            if (it == destinations.end()) {
                plan.status = st::MoveDestinationUnknown;
                plan.error_comment = "unknown destination " + rq.move_destination;
                return plan;
            }
            plan.host = "127.0.0.1";
            plan.port = it->second;
        }
        for (const auto &x : archive().instances)
            if (net::matches_identifier(rq.identifier, x.header)) plan.files.push_back(x.path);
        return plan;
    }
};

TEST(DcmtkToOurScp, FindscuGetsTheSameStudiesAsFromDcmqrscp) {
    REQUIRE_ARCHIVE();
    OurScp scp;
    for (const auto &q : kQueries) {
        SCOPED_TRACE(q.name);
        const std::vector<Dataset> ours = findscu(scp.port(), "DKSCP", q.patient_root, q.keys);
        const std::vector<Dataset> reference = findscu(archive().qr_port, "QRSCP", q.patient_root, q.keys);
        ASSERT_EQ(ours.size(), q.expected);
        ASSERT_EQ(ours.size(), reference.size());
        // Every requested key, with the value dcmqrscp gives where dcmqrscp gives one (it adds
        // Retrieve AE Title, and leaves out keys its index lacks, such as SOP Class UID).
        const Dataset id = identifier_of(q.keys);
        for (size_t i = 0; i < ours.size(); ++i) {
            for (const Element &k : id) {
                const Element *x = ours[i].find(k.tag), *y = reference[i].find(k.tag);
                ASSERT_TRUE(x) << "our match " << i << " lacks " << dict_keyword(k.tag);
                if (!y) continue;
                EXPECT_EQ(std::string(trim_value(x->value.str(), x->vr)), std::string(trim_value(y->value.str(), y->vr)))
                    << "match " << i << " " << dict_keyword(k.tag);
            }
        }
    }
}

TEST(DcmtkToOurScp, FindscuCancelAfterTwo) {
    REQUIRE_ARCHIVE();
    OurScp scp;
    dk_test::ProcResult r;
    const auto t0 = Clock::now();
    const std::vector<Dataset> got =
        findscu(scp.port(), "DKSCP", false, {"0008,0052=STUDY", "PatientID=MANY", "StudyInstanceUID"}, &r,
                {"--cancel", "2", "-v"});
    const double ms = ms_since(t0);
    EXPECT_GE(got.size(), 2u);
    EXPECT_LT(got.size(), 1000u);
    // findscu -v reports the final response's status: FE00 (PS3.4 C.4.1.1.4).
    const size_t final_at = r.all().find("Final Find Response");
    ASSERT_NE(final_at, std::string::npos) << r.all();
    EXPECT_NE(r.all().find("Cancel", final_at), std::string::npos) << r.all();
    EXPECT_LT(ms, 10000);
    std::printf("[ figures  ] findscu --cancel 2: %zu match(es) received, done in %.0f ms\n", got.size(), ms);
}

TEST(DcmtkToOurScp, MovescuReceivesTheStudy) {
    REQUIRE_ARCHIVE();
    OurScp scp;
    TempDir out("dcmkit-movescu");
    bool ok = false;
    dk_test::ProcResult r;
    for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
        const uint16_t port = pick_free_port();
        {
            std::lock_guard<std::mutex> lock(scp.mu);
            scp.destinations["MOVESCU"] = port;
        }
        r = run({"movescu", "-v", "-S", "-aet", "MOVESCU", "-aec", "DKSCP", "-aem", "MOVESCU", "+P", std::to_string(port),
                 "+xa", "-od", out.path(), "-k", "0008,0052=STUDY", "-k",
                 "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.1", "127.0.0.1", std::to_string(scp.port())},
                30000);
        ok = r.status == 0 && r.all().find("cannot listen") == std::string::npos;
    }
    ASSERT_TRUE(ok) << r.all();
    EXPECT_NE(r.all().find("Success"), std::string::npos) << r.all();
    expect_files_equal_originals(out.path(), instances_where([](const Instance &x) {
                                     return x.study == "1.2.826.0.1.3680043.10.9.1.1";
                                 }));
}

TEST(DcmtkToOurScp, GetscuReceivesTheSeries) {
    REQUIRE_ARCHIVE();
    OurScp scp;
    TempDir out("dcmkit-getscu");
    auto r = run({"getscu", "-v", "-S", "-aet", "GETSCU", "-aec", "DKSCP", "-od", out.path(), "-k", "0008,0052=SERIES",
                  "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.2", "-k",
                  "SeriesInstanceUID=1.2.826.0.1.3680043.10.9.1.2.1", "127.0.0.1", std::to_string(scp.port())},
                 30000);
    ASSERT_EQ(r.status, 0) << r.all();
    expect_files_equal_originals(out.path(), instances_where([](const Instance &x) {
                                     return x.series == "1.2.826.0.1.3680043.10.9.1.2.1";
                                 }));
}

// =================================================================================================
// Our SCU against our SCP: cancellation and failure statuses
// =================================================================================================

TEST(OurScuToOurScp, FindCancelAfterThreeIsPrompt) {
    REQUIRE_ARCHIVE();
    OurScp scp;
    const auto t0 = Clock::now();
    FindOutcome o = our_find(scp.port(), "DKSCP", dcmkit::uids::StudyRootQueryRetrieveInformationModelFind,
                             identifier_of({"0008,0052=STUDY", "PatientID=MANY", "StudyInstanceUID"}), 3);
    const double ms = ms_since(t0);
    EXPECT_EQ(o.result.status, st::Cancel) << net::qr_status_text(net::dimse::C_FIND_RSP, o.result.status);
    EXPECT_TRUE(o.result.cancelled);
    EXPECT_GE(o.matches.size(), 3u);
    EXPECT_LT(o.matches.size(), 100u);  // at 1 ms a match, a prompt cancel leaves few in flight
    EXPECT_LT(ms, 5000);
    std::printf("[ figures  ] C-FIND cancelled after 3: %zu match(es) in all, final FE00 after %.0f ms\n",
                o.matches.size(), ms);
}

TEST(OurScuToOurScp, FindResultsAndLevels) {
    REQUIRE_ARCHIVE();
    OurScp scp;
    // Same matches as dcmqrscp gives our SCU, for every query.
    for (const auto &q : kQueries) {
        SCOPED_TRACE(q.name);
        const std::string sop = q.patient_root ? dcmkit::uids::PatientRootQueryRetrieveInformationModelFind : dcmkit::uids::StudyRootQueryRetrieveInformationModelFind;
        FindOutcome o = our_find(scp.port(), "DKSCP", sop, identifier_of(q.keys));
        EXPECT_EQ(o.result.status, st::Success);
        EXPECT_EQ(o.matches.size(), q.expected);
        for (const auto &m : o.matches) EXPECT_EQ(m.get_string_or(kLevel, ""), identifier_of(q.keys).get_string(kLevel));
    }
    // PS3.4 C.4.1.1.4: a level the model lacks, or none, is A900 Identifier does not match SOP Class.
    FindOutcome bad = our_find(scp.port(), "DKSCP", dcmkit::uids::StudyRootQueryRetrieveInformationModelFind,
                               identifier_of({"0008,0052=PATIENT", "PatientID"}));
    EXPECT_EQ(bad.result.status, st::IdentifierDoesNotMatchSOPClass);
    EXPECT_TRUE(bad.matches.empty());
    FindOutcome junk = our_find(scp.port(), "DKSCP", dcmkit::uids::StudyRootQueryRetrieveInformationModelFind,
                                identifier_of({"0008,0052=FOO", "PatientID"}));
    EXPECT_EQ(junk.result.status, st::IdentifierDoesNotMatchSOPClass);
    FindOutcome none = our_find(scp.port(), "DKSCP", dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, identifier_of({"PatientID"}));
    EXPECT_EQ(none.result.status, st::IdentifierDoesNotMatchSOPClass);
    EXPECT_FALSE(none.result.error_comment.empty());
}

TEST(OurScuToOurScp, MoveGetAndTheirStatuses) {
    REQUIRE_ARCHIVE();
    Archive &a = archive();
    OurScp scp;
    {
        std::lock_guard<std::mutex> lock(scp.mu);
        scp.destinations["DKDEST"] = a.dest_port;
    }
    TempDir out("dcmkit-qr-ours");
    a.dest.use(out.sub("moved"));
    net::AeConfig cfg = scu_config({dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, dcmkit::uids::StudyRootQueryRetrieveInformationModelGet, dcmkit::uids::PatientRootQueryRetrieveInformationModelMove});
    cfg.add_get_storage();
    auto assoc = net::Association::connect(cfg, "127.0.0.1", scp.port(), "DKSCP");
    // C-MOVE to our own storage SCP, with pending counts on the way.
    std::vector<net::RetrieveProgress> seen;
    net::RetrieveResult m = net::move(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, "DKDEST",
                                      identifier_of({"0008,0052=STUDY", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.1"}),
                                      [&](const net::RetrieveProgress &p) {
                                          seen.push_back(p);
                                          return true;
                                      });
    EXPECT_EQ(m.status, st::Success) << net::qr_status_text(net::dimse::C_MOVE_RSP, m.status) << " " << m.error_comment;
    EXPECT_EQ(m.completed, 5);
    ASSERT_GE(seen.size(), 5u);  // 4 pending + the final
    EXPECT_EQ(seen[0].remaining.value_or(0), 4);
    EXPECT_EQ(seen[0].completed, 1);
    expect_files_equal_originals(out.path() + "/moved", instances_where([](const Instance &x) {
                                     return x.study == "1.2.826.0.1.3680043.10.9.1.1";
                                 }));
    // PS3.4 C.4.2.1.5: an unknown destination is A801.
    net::RetrieveResult unknown = net::move(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, "NOWHERE",
                                            identifier_of({"0008,0052=STUDY", "StudyInstanceUID=1.2.3"}));
    EXPECT_EQ(unknown.status, st::MoveDestinationUnknown);
    // C-GET on the same association.
    net::StorageFolder folder(out.sub("got"), false);
    net::RetrieveResult g = net::get(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelGet,
                                     identifier_of({"0008,0052=STUDY", "StudyInstanceUID=1.2.826.0.1.3680043.10.9.1.2"}),
                                     folder);
    EXPECT_EQ(g.status, st::Success) << net::qr_status_text(net::dimse::C_GET_RSP, g.status) << " " << g.error_comment;
    EXPECT_EQ(g.completed, 2);
    expect_files_equal_originals(out.path() + "/got", instances_where([](const Instance &x) {
                                     return x.study == "1.2.826.0.1.3680043.10.9.1.2";
                                 }));
    // C-GET cancelled at the first pending response: FE00, the rest not sent (PS3.4 C.4.3.3.1).
    net::StorageFolder folder2(out.sub("got2"), false);
    net::RetrieveResult c = net::get(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelGet,
                                     identifier_of({"0008,0052=STUDY", "StudyInstanceUID"}), folder2,
                                     [](const net::RetrieveProgress &) { return false; });
    EXPECT_EQ(c.status, st::Cancel) << net::qr_status_text(net::dimse::C_GET_RSP, c.status);
    EXPECT_TRUE(c.cancelled);
    EXPECT_LT(c.completed, 9);
    EXPECT_GT(c.remaining.value_or(0), 0);
    EXPECT_EQ(list_dir(out.path() + "/got2").size(), c.stored);
    // C-MOVE cancelled likewise, to a destination slow enough (100 ms a file) that the sub-operations
    // cannot all be done before the C-CANCEL arrives.
    a.dest.use(out.sub("moved2"));
    a.dest.delay_ms = 100;
    const auto t0 = std::chrono::steady_clock::now();
    net::RetrieveResult mc = net::move(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, "DKDEST",
                                       identifier_of({"0008,0052=STUDY", "StudyInstanceUID"}),
                                       [](const net::RetrieveProgress &) { return false; });
    a.dest.delay_ms = 0;
    EXPECT_EQ(mc.status, st::Cancel);
    EXPECT_LT(mc.completed, 9);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(800));  // stopped promptly
    // A C-MOVE whose level is not in the model: A900.
    net::RetrieveResult lvl = net::move(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, "DKDEST",
                                        identifier_of({"0008,0052=PATIENT", "PatientID=PID1"}));
    EXPECT_EQ(lvl.status, st::IdentifierDoesNotMatchSOPClass);
    // A file that cannot be sent: counted as failed, its UID listed, B000 when others went (or A702).
    assoc->release();
    a.dest.use(a.dir.sub("dest-idle"));
}

TEST(OurScuToOurScp, NoHandlerIsSopClassNotSupported) {
    REQUIRE_ARCHIVE();
    OurScp scp(false);  // the SOP classes negotiated, no handler
    auto assoc = net::Association::connect(scu_config({dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, dcmkit::uids::PatientRootQueryRetrieveInformationModelMove}),
                                           "127.0.0.1", scp.port(), "DKSCP");
    net::FindResult f = net::find(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, identifier_of({"0008,0052=STUDY"}),
                                  [](const Dataset &) { return true; });
    EXPECT_EQ(f.status, st::SOPClassNotSupported);
    net::RetrieveResult m = net::move(*assoc, dcmkit::uids::PatientRootQueryRetrieveInformationModelMove, "X", identifier_of({"0008,0052=PATIENT"}));
    EXPECT_EQ(m.status, st::SOPClassNotSupported);
    assoc->release();
}

TEST(OurScuToOurScp, MoveReportsFailedInstances) {
    REQUIRE_ARCHIVE();
    // A destination that refuses MR: the CT ones complete, the MR ones fail and are listed (B000).
    net::AeConfig dc;
    dc.ae_title = "CTONLY";
    dc.add(kCt);
    net::ServiceHandlers dh;
    TempDir out("dcmkit-qr-ctonly");
    dh.storage = std::make_shared<net::StorageFolder>(out.path(), false);
    net::Server ctonly(dc, dh);
    ctonly.start("127.0.0.1", 0);
    OurScp scp;
    {
        std::lock_guard<std::mutex> lock(scp.mu);
        scp.destinations["CTONLY"] = ctonly.port();
    }
    auto assoc = net::Association::connect(scu_config({dcmkit::uids::PatientRootQueryRetrieveInformationModelMove}), "127.0.0.1", scp.port(), "DKSCP");
    net::RetrieveResult r = net::move(*assoc, dcmkit::uids::PatientRootQueryRetrieveInformationModelMove, "CTONLY",
                                      identifier_of({"0008,0052=PATIENT", "PatientID=PID1"}));
    assoc->release();
    EXPECT_EQ(r.status, st::SuboperationsCompleteWithFailures) << net::qr_status_text(net::dimse::C_MOVE_RSP, r.status);
    EXPECT_EQ(r.completed, 5);
    EXPECT_EQ(r.failed, 2);
    EXPECT_EQ(std::set<std::string>(r.failed_sop_instances.begin(), r.failed_sop_instances.end()),
              instances_where([](const Instance &x) { return x.study == "1.2.826.0.1.3680043.10.9.1.2"; }));
    ctonly.stop();
}

}  // namespace
