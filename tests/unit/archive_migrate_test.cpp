// Copying an index (migrate_index, `dcmkit archive migrate`) from SQLite to PostgreSQL, and two
// processes ("nodes") writing the same studies and patients into one index at once: the index each
// ends with is the one a single writer would have built.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/file.h"
#include "index_backends.h"

using namespace dcmkit;
using namespace dcmkit::archive;
namespace fs = std::filesystem;

namespace {

constexpr Tag kPatientName{0x0010, 0x0010};
constexpr Tag kPatientID{0x0010, 0x0020};
constexpr Tag kBirthDate{0x0010, 0x0030};
constexpr Tag kStudyUID{0x0020, 0x000D};
constexpr Tag kSeriesUID{0x0020, 0x000E};
constexpr Tag kStudyDate{0x0008, 0x0020};
constexpr Tag kQueryLevel{0x0008, 0x0052};
constexpr Tag kNumStudyInstances{0x0020, 0x1208};
constexpr Tag kNumPatientStudies{0x0020, 0x1200};
const char *kCT = "1.2.840.10008.5.1.4.1.1.2";

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "dk-migrate-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string str() const { return path.string(); }
};

InstanceRecord record(const std::string &pid, const std::string &name, const std::string &birth, const std::string &study,
                      const std::string &date, int series, int n) {
    InstanceRecord r;
    Dataset &ds = r.dataset;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    ds.set_string(tags::SOPClassUID, kCT);
    ds.set_string(tags::SOPInstanceUID, study + "." + std::to_string(series) + "." + std::to_string(n));
    ds.set_string(kPatientID, pid);
    ds.set_string(kPatientName, name);
    ds.set_string(kBirthDate, birth);
    ds.set_string(kStudyUID, study);
    ds.set_string(kStudyDate, date);
    ds.set_string(kSeriesUID, study + "." + std::to_string(series));
    ds.set_string(Tag(0x0008, 0x0060), "CT");
    ds.set_string(Tag(0x0020, 0x0013), std::to_string(n));
    r.path = "/archive/" + ds.get_string(tags::SOPInstanceUID) + ".dcm";
    r.size = 1000 + uint64_t(n);
    r.transfer_syntax = "1.2.840.10008.1.2.1";
    r.sha256 = std::string(64, 'a');
    return r;
}

std::multiset<std::string> studies_of(Index &index) {
    Dataset q;
    q.set_string(kQueryLevel, "STUDY");
    q.set_string(kStudyUID, "");
    q.set_string(kPatientID, "");
    q.set_string(kPatientName, "");
    q.set_string(kBirthDate, "");
    q.set_string(kStudyDate, "");
    q.set_string(kNumStudyInstances, "");
    std::multiset<std::string> out;
    for (const auto &m : index.find(q, Root::study_root))
        out.insert(m.get_string(kStudyUID) + "|" + m.get_string(kPatientID) + "|" + m.get_string(kPatientName) + "|" +
                   m.get_string(kBirthDate) + "|" + m.get_string(kStudyDate) + "|" + m.get_string(kNumStudyInstances));
    return out;
}

std::multiset<std::string> patients_of(Index &index) {
    Dataset q;
    q.set_string(kQueryLevel, "PATIENT");
    q.set_string(kPatientID, "");
    q.set_string(kPatientName, "");
    q.set_string(kNumPatientStudies, "");
    std::multiset<std::string> out;
    for (const auto &m : index.find(q, Root::patient_root))
        out.insert(m.get_string(kPatientID) + "|" + m.get_string(kPatientName) + "|" + m.get_string(kNumPatientStudies));
    return out;
}

TEST(ArchiveMigrate, SqliteToPostgresqlKeepsRecordsConflictsAndWorklist) {
    DK_SKIP_UNLESS_BACKEND("postgresql");
    TempDir dir;
    {
        SqliteIndex src(dir.str());
        src.add(record("P1", "DOE^JOHN", "19700101", "1.2.7.1", "20240101", 1, 1));
        src.add(record("P1", "DOE^JOHN", "19700101", "1.2.7.1", "20240101", 1, 2));
        src.add(record("P1", "DOE^JANE", "19700101", "1.2.7.2", "20240102", 1, 1));  // a conflict, a second record
        src.add(record("", "ANON^A", "", "1.2.7.3", "2024.01.03", 1, 1));             // a legacy date, kept as stored
        Dataset w;
        w.set_string(kPatientID, "P1");
        w.set_string(Tag(0x0040, 0x1001), "RP1");
        src.add_worklist_item(w);
        ASSERT_EQ(src.conflicts().size(), 1u);
    }
    const std::string to = PgCluster::get().create_database();
    MigrateCounts n = migrate_index("sqlite:" + dir.str(), to);
    EXPECT_EQ(n.instances, 4u);
    EXPECT_EQ(n.conflicts, 1u);
    EXPECT_EQ(n.worklist_items, 1u);

    SqliteIndex src(dir.str());
    auto dst = open_index(to);
    EXPECT_EQ(studies_of(*dst), studies_of(src));
    EXPECT_EQ(patients_of(*dst), patients_of(src));
    const IndexStats a = src.stats(), b = dst->stats();
    EXPECT_EQ(b.patients, a.patients);
    EXPECT_EQ(b.patients, 3u);
    EXPECT_EQ(b.instances, a.instances);
    EXPECT_EQ(b.worklist_items, 1u);
    const auto ca = src.conflicts(), cb = dst->conflicts();
    ASSERT_EQ(cb.size(), 1u);
    EXPECT_EQ(cb[0].recorded_at, ca[0].recorded_at);
    EXPECT_EQ(cb[0].stored_value, "DOE^JOHN");
    EXPECT_EQ(cb[0].new_value, "DOE^JANE");
    Dataset r;
    r.set_string(kStudyUID, "1.2.7.1");
    const auto files = dst->files_for(Level::study, r, Root::study_root);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].path, "/archive/1.2.7.1.1.1.dcm");
    EXPECT_EQ(files[0].size, 1001u);

    // Again: nothing doubles.
    n = migrate_index("sqlite:" + dir.str(), to);
    EXPECT_EQ(n.worklist_items, 0u);
    EXPECT_EQ(dst->stats().instances, 4u);
    EXPECT_EQ(dst->stats().worklist_items, 1u);
    EXPECT_EQ(dst->conflicts().size(), 1u);
    // A folder without an index is refused, not created.
    EXPECT_THROW(migrate_index("sqlite:" + dir.str() + "/none", to), Error);
}

// Two "nodes" (two Index objects, each with its connections) ingest the same studies at once.
class ArchiveNodes : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Backends, ArchiveNodes, ::testing::ValuesIn(index_backends()), backend_name);

TEST_P(ArchiveNodes, ConcurrentIngestOfTheSameStudiesLosesAndDuplicatesNothing) {
    DK_SKIP_UNLESS_BACKEND(GetParam());
    TempDir dir;
    const std::string spec = new_index_spec(GetParam(), dir.str());
    auto first = open_index(spec), second = open_index(spec);
    constexpr int kStudies = 6, kPerStudy = 30;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        Index &node = t % 2 ? *second : *first;
        threads.emplace_back([&, t] {
            try {
                // Every thread stores every study (each instance twice over), in its own order.
                // Study 5 is P2's with another birth date than study 2: a record of its own and
                // one conflict, whichever of the two comes first.
                for (int k = 0; k < kStudies * kPerStudy; ++k) {
                    const int i = (k * (t + 1) * 7 + t) % (kStudies * kPerStudy);
                    const int s = i / kPerStudy;
                    node.add(record("P" + std::to_string(s % 3), "SAME^NAME", s == 5 ? "19800101" : "19700101",
                                    "1.2.8." + std::to_string(s), "20240101", 1 + i % 2, i % kPerStudy));
                }
            } catch (const std::exception &e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    }
    for (auto &th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    const IndexStats st = first->stats();
    EXPECT_EQ(st.instances, uint64_t(kStudies * kPerStudy));
    EXPECT_EQ(st.studies, uint64_t(kStudies));
    EXPECT_EQ(st.series, uint64_t(kStudies * 2));
    EXPECT_EQ(st.patients, 4u);  // P0, P1, P2 twice
    EXPECT_EQ(second->stats().instances, st.instances);
    std::multiset<std::string> expected;
    for (int s = 0; s < kStudies; ++s)
        expected.insert("1.2.8." + std::to_string(s) + "|P" + std::to_string(s % 3) + "|SAME^NAME|" +
                        (s == 5 ? "19800101" : "19700101") + "|20240101|" + std::to_string(kPerStudy));
    EXPECT_EQ(studies_of(*second), expected);
    const auto conflicts = first->conflicts();
    ASSERT_EQ(conflicts.size(), 1u);
    EXPECT_EQ(conflicts[0].attribute, kBirthDate);
    EXPECT_EQ(conflicts[0].patient_id, "P2");
}

TEST_P(ArchiveNodes, TwoFirstInstancesOfAStudyAtOnceAreFiledAsIfOneCameFirst) {
    // The first two instances of a new study reach two nodes at the same moment, with different
    // Patient's Names: one is filed first, the other finds the study holding it (a within-study
    // conflict, PatientConflict) — never two patient records for one study, nor a lost conflict.
    DK_SKIP_UNLESS_BACKEND(GetParam());
    TempDir dir;
    const std::string spec = new_index_spec(GetParam(), dir.str());
    auto first = open_index(spec), second = open_index(spec);
    constexpr int kStudies = 40;
    for (int s = 0; s < kStudies; ++s) {
        const std::string study = "1.2.9." + std::to_string(s), pid = "R" + std::to_string(s);
        std::atomic<int> ready{0};
        auto go = [&](Index &node, const char *name, int n) {
            ++ready;
            while (ready.load() < 2) {
            }
            node.add(record(pid, name, "19700101", study, "20240101", 1, n));
        };
        std::thread a([&] { go(*first, "ROE^ANN", 1); }), b([&] { go(*second, "ROE^ANNA", 2); });
        a.join();
        b.join();
    }
    const IndexStats st = first->stats();
    EXPECT_EQ(st.studies, uint64_t(kStudies));
    EXPECT_EQ(st.instances, uint64_t(2 * kStudies));
    EXPECT_EQ(st.patients, uint64_t(kStudies));  // one record per study: no orphan left by the loser
    const auto conflicts = second->conflicts();
    EXPECT_EQ(conflicts.size(), size_t(kStudies));
    std::set<std::string> studies;
    for (const auto &c : conflicts) {
        EXPECT_EQ(c.attribute, kPatientName);
        EXPECT_EQ(c.stored_study_uid, c.study_uid);
        studies.insert(c.study_uid);
    }
    EXPECT_EQ(studies.size(), size_t(kStudies));
}

}  // namespace
