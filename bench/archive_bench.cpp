// Micro-benchmark of the archive index (dcmkit/archive.h): ingest N synthetic instances (default
// 100,000 in 1,000 studies of 10 series, 500 patients) into a fresh SqliteIndex — or into a
// PostgreSQL database (an empty one: a postgresql:// URI or a libpq connection string) — then time
// study-level C-FIND queries with a wild card Patient's Name (queries/s).
//
//   archive_bench [instances] [directory | postgresql-spec]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dcmkit/archive.h"
#ifdef DCMKIT_HAVE_POSTGRESQL
#include "dcmkit/archive_postgresql.h"
#endif
#include "dcmkit/dictionary.h"

using namespace dcmkit;
using namespace dcmkit::archive;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

InstanceRecord make(int i, int per_study) {
    const int study = i / per_study, series = (i % per_study) / (per_study / 10 > 0 ? per_study / 10 : 1);
    const int patient = study / 2;
    char buf[64];
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    ds.set_string(tags::SOPClassUID, "1.2.840.10008.5.1.4.1.1.2");
    std::snprintf(buf, sizeof buf, "1.2.826.0.1.3680043.9.7.%d.%d.%d", study, series, i);
    ds.set_string(tags::SOPInstanceUID, buf);
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", 2000 + study % 24, 1 + study % 12, 1 + study % 28);
    ds.set_string(Tag(0x0008, 0x0020), buf);
    ds.set_string(Tag(0x0008, 0x0030), "101500");
    std::snprintf(buf, sizeof buf, "ACC%06d", study);
    ds.set_string(Tag(0x0008, 0x0050), buf);
    ds.set_string(Tag(0x0008, 0x0060), series % 3 == 0 ? "CT" : series % 3 == 1 ? "MR" : "PR");
    ds.set_string(Tag(0x0008, 0x1030), "SYNTHETIC STUDY");
    std::snprintf(buf, sizeof buf, patient % 10 == 0 ? "Müller%03d^Jürgen" : "Doe%03d^John", patient);
    ds.set_string(Tag(0x0010, 0x0010), buf);
    std::snprintf(buf, sizeof buf, "PID%05d", patient);
    ds.set_string(Tag(0x0010, 0x0020), buf);
    ds.set_string(Tag(0x0010, 0x0030), "19700101");
    ds.set_string(Tag(0x0010, 0x0040), "O");
    std::snprintf(buf, sizeof buf, "1.2.826.0.1.3680043.9.7.%d", study);
    ds.set_string(Tag(0x0020, 0x000D), buf);
    std::snprintf(buf, sizeof buf, "1.2.826.0.1.3680043.9.7.%d.%d", study, series);
    ds.set_string(Tag(0x0020, 0x000E), buf);
    ds.set_string(Tag(0x0020, 0x0011), std::to_string(series + 1));
    ds.set_string(Tag(0x0020, 0x0013), std::to_string(i % per_study + 1));
    InstanceRecord r;
    r.dataset = std::move(ds);
    r.path = "/archive/" + std::to_string(study) + "/" + std::to_string(i) + ".dcm";
    r.size = 525000;
    r.transfer_syntax = uids::ExplicitVRLittleEndian;
    r.sha256 = std::string(64, 'a');
    return r;
}

struct QueryCase {
    const char *name, *pattern;
    bool counts;
};

}  // namespace

int main(int argc, char **argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 100000;
    const int studies = n >= 1000 ? 1000 : 1;
    const int per_study = n / studies;
    std::string dir = argc > 2 ? argv[2] : (std::filesystem::temp_directory_path() / "dk-archive-bench").string();
    const bool postgresql = is_postgresql_spec(dir);
    if (!postgresql) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    std::shared_ptr<Index> opened = open_index(dir);
    Index &index = *opened;
    // Ingest: batches of 1,000 (one transaction each), as a bulk import would; then single-instance
    // transactions (a C-STORE at a time) for the last 2,000.
    const int single = n >= 10000 ? 2000 : 0;
    auto t0 = Clock::now();
    std::vector<InstanceRecord> batch;
    for (int i = 0; i < n - single; ++i) {
        batch.push_back(make(i, per_study));
        if (batch.size() == 1000) {
            index.add(batch);
            batch.clear();
        }
    }
    if (!batch.empty()) index.add(batch);
    double batched_s = seconds_since(t0);
    t0 = Clock::now();
    for (int i = n - single; i < n; ++i) index.add(make(i, per_study));
    double single_s = seconds_since(t0);
#ifdef DCMKIT_HAVE_POSTGRESQL
    // As autovacuum would within a minute: the queries below run on an index that has statistics.
    if (auto *pg = dynamic_cast<PostgresIndex *>(&index)) pg->analyze();
#endif
    IndexStats st = index.stats();
    std::printf("archive index: %llu instances, %llu series, %llu studies, %llu patients in %s\n",
                (unsigned long long)st.instances, (unsigned long long)st.series, (unsigned long long)st.studies,
                (unsigned long long)st.patients, postgresql ? "PostgreSQL" : (dir + "/index.sqlite").c_str());
    std::printf("ingest, batches of 1000:      %8.0f instances/s (%.2f s)\n", (n - single) / batched_s, batched_s);
    if (single)
        std::printf("ingest, one per transaction:  %8.0f instances/s (%.2f s)\n", single / single_s, single_s);
    if (!postgresql)
        std::printf("database size: %.1f MB\n", double(std::filesystem::file_size(dir + "/index.sqlite")) / 1e6);

    const QueryCase cases[] = {
        {"PatientName=Doe01*            ", "Doe01*", false},
        {"PatientName=doe01* +counts    ", "doe01*", true},
        {"PatientName=*42^*             ", "*42^*", false},
        {"PatientName=Müller0?0^*       ", "Müller0?0^*", false},
        {"PatientName=* (all studies)   ", "*", false},
        {"PatientName=Doe* +counts (all)", "Doe*", true},
    };
    for (const auto &c : cases) {
        Dataset q;
        q.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
        q.set_string(Tag(0x0008, 0x0052), "STUDY");
        q.set_string(Tag(0x0010, 0x0010), c.pattern);
        q.set_string(Tag(0x0010, 0x0020), "");
        q.set_string(Tag(0x0020, 0x000D), "");
        q.set_string(Tag(0x0008, 0x0020), "");
        q.set_string(Tag(0x0008, 0x0050), "");
        if (c.counts) {
            q.set_string(Tag(0x0008, 0x0061), "");
            q.set_string(Tag(0x0020, 0x1206), "");
            q.set_string(Tag(0x0020, 0x1208), "");
        }
        size_t matches = 0;
        int queries = 0;
        t0 = Clock::now();
        double elapsed = 0;
        do {
            matches = index.find(Level::study, q, Root::study_root).size();
            ++queries;
            elapsed = seconds_since(t0);
        } while (elapsed < 1.5 || queries < 3);
        std::printf("study-level C-FIND %s: %5zu matches, %9.1f queries/s (%.3f ms/query)\n", c.name, matches,
                    queries / elapsed, 1000.0 * elapsed / queries);
    }
    if (argc <= 2 && !postgresql) std::filesystem::remove_all(dir);
    return 0;
}
