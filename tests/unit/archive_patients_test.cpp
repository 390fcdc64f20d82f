// The archive index never mixes up patients (dcmkit/archive.h, Index::add): instances without a
// Patient ID never share a patient record; the same Patient ID and Issuer arriving with other
// demographics is a separate record, recorded as a conflict, and each study answers with the values
// stored with it; values come back as stored (a legacy "1997.04.24" date) while matching uses the
// normalised value; an index of schema version 1 is upgraded by indexing its files again.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "index_backends.h"

using namespace dcmkit;
using namespace dcmkit::archive;
namespace fs = std::filesystem;

namespace {

using Set = std::set<std::string>;

constexpr Tag kPatientName{0x0010, 0x0010};
constexpr Tag kPatientID{0x0010, 0x0020};
constexpr Tag kIssuer{0x0010, 0x0021};
constexpr Tag kBirthDate{0x0010, 0x0030};
constexpr Tag kSex{0x0010, 0x0040};
constexpr Tag kStudyUID{0x0020, 0x000D};
constexpr Tag kSeriesUID{0x0020, 0x000E};
constexpr Tag kStudyDate{0x0008, 0x0020};
constexpr Tag kSeriesDate{0x0008, 0x0021};
constexpr Tag kQueryLevel{0x0008, 0x0052};
constexpr Tag kNumPatientStudies{0x0020, 0x1200};
const char *kCT = "1.2.840.10008.5.1.4.1.1.2";

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "dk-patients-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string str() const { return path.string(); }
};

/// One CT instance: the patient attributes given (absent when empty), study `study` (UID 1.2.9.<study>),
/// one series per study, instance number `n`.
struct Inst {
    std::string patient_id, name, birth, sex, issuer;
    int study = 1, n = 1;
    std::string study_date = "20240101", series_date;
    std::string study_uid() const { return "1.2.9." + std::to_string(study); }
    std::string series_uid() const { return study_uid() + ".1"; }
    std::string sop_uid() const { return series_uid() + "." + std::to_string(n); }
};

InstanceRecord write_instance(const std::string &dir, const Inst &in) {
    DicomFile f;
    Dataset &ds = f.dataset;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    ds.set_string(tags::SOPClassUID, kCT);
    ds.set_string(tags::SOPInstanceUID, in.sop_uid());
    ds.set_string(kStudyDate, in.study_date);
    if (!in.series_date.empty()) ds.set_string(kSeriesDate, in.series_date);
    ds.set_string(Tag(0x0008, 0x0060), "CT");
    if (!in.name.empty()) ds.set_string(kPatientName, in.name);
    if (!in.patient_id.empty()) ds.set_string(kPatientID, in.patient_id);
    if (!in.issuer.empty()) ds.set_string(kIssuer, in.issuer);
    if (!in.birth.empty()) ds.set_string(kBirthDate, in.birth);
    if (!in.sex.empty()) ds.set_string(kSex, in.sex);
    ds.set_string(kStudyUID, in.study_uid());
    ds.set_string(kSeriesUID, in.series_uid());
    ds.set_string(Tag(0x0020, 0x0013), std::to_string(in.n));
    f.transfer_syntax = uids::ExplicitVRLittleEndian;
    const std::string path = dir + "/" + in.sop_uid() + "-" + std::to_string(::getpid()) + "-" +
                             std::to_string(std::hash<std::string>()(in.name + in.patient_id + in.sex)) + ".dcm";
    WriteOptions wo;
    wo.fsync = false;
    write_file(path, f, wo);
    InstanceRecord r;
    r.dataset = f.dataset;
    r.path = path;
    r.size = fs::file_size(path);
    r.transfer_syntax = uids::ExplicitVRLittleEndian;
    r.sha256 = sha256_file(path);
    return r;
}

Dataset query(const char *level, std::initializer_list<std::pair<Tag, std::string>> keys) {
    Dataset q;
    q.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    q.set_string(kQueryLevel, level);
    for (const auto &k : keys) q.set_string(k.first, k.second);
    return q;
}

/// Study Instance UID -> Patient's Name of a STUDY-level C-FIND (Study Root).
std::map<std::string, std::string> names_by_study(Index &index, const std::string &patient_name_key = "") {
    std::map<std::string, std::string> out;
    for (const auto &m : index.find(query("STUDY", {{kStudyUID, ""}, {kPatientName, patient_name_key}, {kPatientID, ""},
                                                   {kBirthDate, ""}, {kSex, ""}}),
                                    Root::study_root))
        out[m.get_string(kStudyUID)] = m.get_string(kPatientName);
    return out;
}

class ArchivePatients : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { DK_SKIP_UNLESS_BACKEND(GetParam()); }
    std::unique_ptr<Index> open(const std::string &dir, const IndexOptions &options = {}) {
        return open_backend(GetParam(), dir, options);
    }
};
INSTANTIATE_TEST_SUITE_P(Backends, ArchivePatients, ::testing::ValuesIn(index_backends()), backend_name);

TEST_P(ArchivePatients, InstancesWithoutPatientIdNeverMerge) {
    TempDir dir;
    auto owned = open(dir.str());
    Index &index = *owned;
    // Three studies without Patient ID: two named, one without a name stored last.
    index.add(write_instance(dir.str(), Inst{"", "ALPHA^ANN", "19500101", "F", "", 1}));
    index.add(write_instance(dir.str(), Inst{"", "BETA^BOB", "19600202", "M", "", 2}));
    index.add(write_instance(dir.str(), Inst{"", "", "", "", "", 3}));
    index.add(write_instance(dir.str(), Inst{"", "ALPHA^ANN", "19500101", "F", "", 1, 2}));  // same study again

    // STUDY level: each study answers with its own patient.
    const auto names = names_by_study(index);
    EXPECT_EQ(names, (std::map<std::string, std::string>{{"1.2.9.1", "ALPHA^ANN"}, {"1.2.9.2", "BETA^BOB"}, {"1.2.9.3", ""}}));
    auto m = index.find(query("STUDY", {{kStudyUID, "1.2.9.2"}, {kBirthDate, ""}, {kSex, ""}}), Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kBirthDate), "19600202");
    EXPECT_EQ(m[0].get_string(kSex), "M");
    // Matching on the name finds only that study.
    EXPECT_EQ(names_by_study(index, "BETA*").size(), 1u);
    EXPECT_EQ(names_by_study(index, "ALPHA^ANN").count("1.2.9.1"), 1u);

    // PATIENT level (Patient Root): one answer per study, Patient ID empty, never merged.
    m = index.find(query("PATIENT", {{kPatientID, ""}, {kPatientName, ""}, {kNumPatientStudies, ""}}),
                   Root::patient_root);
    ASSERT_EQ(m.size(), 3u);
    std::multiset<std::string> patient_names;
    for (const auto &p : m) {
        EXPECT_EQ(p.get_string(kPatientID), "");
        EXPECT_EQ(p.get_int(kNumPatientStudies), 1);
        patient_names.insert(p.get_string(kPatientName));
    }
    EXPECT_EQ(patient_names, (std::multiset<std::string>{"", "ALPHA^ANN", "BETA^BOB"}));
    EXPECT_EQ(index.stats().patients, 3u);
    EXPECT_TRUE(index.conflicts().empty());

    // Removing a study's instances removes its record only.
    EXPECT_TRUE(index.remove("1.2.9.2.1.1"));
    EXPECT_EQ(index.stats().patients, 2u);
    EXPECT_EQ(names_by_study(index).at("1.2.9.1"), "ALPHA^ANN");
}

TEST_P(ArchivePatients, SameIdOtherDemographicsIsRecordedNeverOverwritten) {
    TempDir dir;
    std::vector<std::string> log;
    IndexOptions opt;
    opt.log = [&](const std::string &line) { log.push_back(line); };
    auto owned = open(dir.str(), opt);
    Index &index = *owned;
    index.add(write_instance(dir.str(), Inst{"P1", "DOE^JOHN", "19700101", "M", "", 1}));
    index.add(write_instance(dir.str(), Inst{"P1", "DOE^JOHN", "19700101", "M", "", 1, 2}));
    EXPECT_TRUE(log.empty());
    // Another person under the same ID, two instances (one conflict recorded, not two).
    index.add(std::vector<InstanceRecord>{write_instance(dir.str(), Inst{"P1", "ROE^JANE", "19800202", "F", "", 2}),
                                          write_instance(dir.str(), Inst{"P1", "ROE^JANE", "19800202", "F", "", 2, 2})});
    // John again, later: agrees with the first record.
    index.add(write_instance(dir.str(), Inst{"P1", "DOE^JOHN", "19700101", "M", "", 3}));
    // Same ID under another issuer: another patient, no conflict.
    index.add(write_instance(dir.str(), Inst{"P1", "POE^EDGAR", "18090119", "M", "OTHER", 4}));

    // Every study answers with the values stored with it.
    EXPECT_EQ(names_by_study(index), (std::map<std::string, std::string>{{"1.2.9.1", "DOE^JOHN"},
                                                                          {"1.2.9.2", "ROE^JANE"},
                                                                          {"1.2.9.3", "DOE^JOHN"},
                                                                          {"1.2.9.4", "POE^EDGAR"}}));
    auto m = index.find(query("STUDY", {{kStudyUID, "1.2.9.1"}, {kBirthDate, ""}, {kSex, ""}}), Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kBirthDate), "19700101");
    EXPECT_EQ(m[0].get_string(kSex), "M");
    // Matching the name at STUDY level tells them apart; the Patient ID alone does not.
    Set uids;
    for (const auto &kv : names_by_study(index, "DOE^JOHN")) uids.insert(kv.first);
    EXPECT_EQ(uids, (Set{"1.2.9.1", "1.2.9.3"}));
    EXPECT_EQ(index.find(query("STUDY", {{kStudyUID, ""}, {kPatientID, "P1"}}), Root::study_root).size(), 4u);
    // Patient Root STUDY level below the ID and name.
    m = index.find(query("STUDY", {{kPatientID, "P1"}, {kPatientName, "ROE^JANE"}, {kStudyUID, ""}}), Root::patient_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kStudyUID), "1.2.9.2");

    // PATIENT level: one answer per distinct set of demographics, none picked silently.
    m = index.find(query("PATIENT", {{kPatientID, "P1"}, {kIssuer, ""}, {kPatientName, ""}, {kBirthDate, ""},
                                     {kNumPatientStudies, ""}}),
                   Root::patient_root);
    ASSERT_EQ(m.size(), 3u);
    std::map<std::string, std::pair<std::string, long>> by_name;
    for (const auto &p : m) {
        EXPECT_EQ(p.get_string(kPatientID), "P1");
        by_name[p.get_string(kPatientName)] = {p.get_string(kBirthDate), long(p.get_int(kNumPatientStudies))};
    }
    EXPECT_EQ(by_name["DOE^JOHN"], (std::pair<std::string, long>{"19700101", 2}));
    EXPECT_EQ(by_name["ROE^JANE"], (std::pair<std::string, long>{"19800202", 1}));
    EXPECT_EQ(by_name["POE^EDGAR"], (std::pair<std::string, long>{"18090119", 1}));

    // The conflict: name, birth date and sex of study 2 against the first record (study 1).
    const auto conflicts = index.conflicts();
    ASSERT_EQ(conflicts.size(), 3u);
    std::map<uint32_t, std::pair<std::string, std::string>> diff;
    for (const auto &c : conflicts) {
        EXPECT_EQ(c.patient_id, "P1");
        EXPECT_EQ(c.issuer, "");
        EXPECT_EQ(c.stored_study_uid, "1.2.9.1");
        EXPECT_EQ(c.study_uid, "1.2.9.2");
        EXPECT_EQ(c.sop_instance_uid, "1.2.9.2.1.1");
        EXPECT_EQ(c.recorded_at.size(), 24u) << c.recorded_at;  // 2026-12-07T01:02:03.456Z
        diff[c.attribute.value] = {c.stored_value, c.new_value};
    }
    EXPECT_EQ(diff[kPatientName.value], (std::pair<std::string, std::string>{"DOE^JOHN", "ROE^JANE"}));
    EXPECT_EQ(diff[kBirthDate.value], (std::pair<std::string, std::string>{"19700101", "19800202"}));
    EXPECT_EQ(diff[kSex.value], (std::pair<std::string, std::string>{"M", "F"}));
    // A log line for each, naming the patient, both values and both studies.
    ASSERT_EQ(log.size(), 3u);
    for (const auto &line : log) {
        EXPECT_NE(line.find("'P1'"), std::string::npos) << line;
        EXPECT_NE(line.find("1.2.9.1"), std::string::npos) << line;
        EXPECT_NE(line.find("1.2.9.2"), std::string::npos) << line;
    }
    EXPECT_NE(log[0].find("'DOE^JOHN'"), std::string::npos) << log[0];
    EXPECT_NE(log[0].find("'ROE^JANE'"), std::string::npos) << log[0];

    // A retrieve by Patient ID still takes every study filed under it (and not the other issuer's).
    Dataset r;
    r.set_string(kQueryLevel, "PATIENT");
    r.set_string(kPatientID, "P1");
    r.set_string(kIssuer, "");
    EXPECT_EQ(index.files_for(Level::patient, r, Root::patient_root).size(), 6u);
}

TEST_P(ArchivePatients, WithinAStudyTheFirstValueStaysAndEmptyOnesAreFilledIn) {
    TempDir dir;
    auto owned = open(dir.str());
    Index &index = *owned;
    // The first instance has no sex: a later one fills it in, without a conflict.
    index.add(write_instance(dir.str(), Inst{"P7", "DOE^JOHN", "19700101", "", "", 1}));
    index.add(write_instance(dir.str(), Inst{"P7", "DOE^JOHN", "", "M", "", 1, 2}));
    auto m = index.find(query("STUDY", {{kStudyUID, ""}, {kPatientName, ""}, {kBirthDate, ""}, {kSex, ""}}),
                        Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kBirthDate), "19700101");
    EXPECT_EQ(m[0].get_string(kSex), "M");
    EXPECT_EQ(index.stats().patients, 1u);
    EXPECT_TRUE(index.conflicts().empty());

    // A third instance of the study under another name and ID: the study keeps what it holds.
    index.add(write_instance(dir.str(), Inst{"P8", "ROE^JANE", "19700101", "M", "", 1, 3}));
    m = index.find(query("STUDY", {{kStudyUID, ""}, {kPatientID, ""}, {kPatientName, ""}}), Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kPatientName), "DOE^JOHN");
    EXPECT_EQ(m[0].get_string(kPatientID), "P7");
    const auto conflicts = index.conflicts();
    ASSERT_EQ(conflicts.size(), 2u);
    for (const auto &c : conflicts) {
        EXPECT_EQ(c.patient_id, "P7");
        EXPECT_EQ(c.study_uid, "1.2.9.1");
        EXPECT_EQ(c.stored_study_uid, "1.2.9.1");
        EXPECT_EQ(c.sop_instance_uid, "1.2.9.1.1.3");
    }
    EXPECT_EQ(conflicts[0].attribute, kPatientID);
    EXPECT_EQ(conflicts[0].new_value, "P8");
    EXPECT_EQ(conflicts[1].attribute, kPatientName);
    EXPECT_EQ(conflicts[1].stored_value, "DOE^JOHN");
    EXPECT_EQ(conflicts[1].new_value, "ROE^JANE");
    EXPECT_NE(describe(conflicts[1]).find("the same study"), std::string::npos) << describe(conflicts[1]);
    EXPECT_TRUE(index.find(query("STUDY", {{kStudyUID, ""}, {kPatientID, "P8"}}), Root::study_root).empty());

    // A study's only instance sent again, corrected: the study takes the new values (no other
    // instance carries the old ones).
    index.add(write_instance(dir.str(), Inst{"P9", "SMITH^JON", "19900101", "M", "", 5}));
    index.add(write_instance(dir.str(), Inst{"P9", "SMITH^JOHN", "19900101", "M", "", 5}));
    EXPECT_EQ(names_by_study(index).at("1.2.9.5"), "SMITH^JOHN");
    EXPECT_EQ(index.conflicts().size(), 2u);
}

TEST_P(ArchivePatients, ValuesAreReturnedAsStoredAndMatchedNormalised) {
    TempDir dir;
    auto owned = open(dir.str());
    Index &index = *owned;
    Inst in{"P1", "DOE^JOHN", "1960.02.29", "M", "", 1};
    in.study_date = "1997.04.24";  // ACR-NEMA style, as older modalities still send it
    in.series_date = "1997.04.25";
    index.add(write_instance(dir.str(), in));
    Inst other{"P2", "ROE^JANE", "19610101", "F", "", 2};
    other.study_date = "19970501";
    index.add(write_instance(dir.str(), other));

    auto study_uids = [&](const std::string &date_key) {
        Set out;
        for (const auto &m : index.find(query("STUDY", {{kStudyUID, ""}, {kStudyDate, date_key}}), Root::study_root))
            out.insert(m.get_string(kStudyUID));
        return out;
    };
    // Matching on the normalised date: single value and ranges (PS3.4 C.2.2.2.5).
    EXPECT_EQ(study_uids("19970424"), Set{"1.2.9.1"});
    EXPECT_EQ(study_uids("19970401-19970430"), Set{"1.2.9.1"});
    EXPECT_EQ(study_uids("19970401-"), (Set{"1.2.9.1", "1.2.9.2"}));
    EXPECT_EQ(study_uids("-19970424"), Set{"1.2.9.1"});
    // Returned as stored.
    auto m = index.find(query("STUDY", {{kStudyUID, "1.2.9.1"}, {kStudyDate, ""}, {kBirthDate, ""}}), Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kStudyDate), "1997.04.24");
    EXPECT_EQ(m[0].get_string(kBirthDate), "1960.02.29");
    m = index.find(query("PATIENT", {{kPatientID, ""}, {kBirthDate, "19600229"}}), Root::patient_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kPatientID), "P1");
    EXPECT_EQ(m[0].get_string(kBirthDate), "1960.02.29");
    m = index.find(query("SERIES", {{kStudyUID, "1.2.9.1"}, {kSeriesUID, ""}, {kSeriesDate, "19970425"}}),
                   Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kSeriesDate), "1997.04.25");
    // Combined date-time matching (C.2.2.2.5) on the normalised date too.
    FindOptions combined;
    combined.combined_datetime = true;
    m = index.find(query("STUDY", {{kStudyUID, ""}, {kStudyDate, "19970424-19970430"}, {Tag(0x0008, 0x0030), "000000-235959"}}),
                   Root::study_root, combined);
    EXPECT_EQ(m.size(), 1u);
}

// -- an index of schema version 1 ------------------------------------------------------------------

void exec(sqlite3 *db, const char *sql) {
    char *err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "") << "\n" << sql;
}

std::string sql_one(const std::string &path, const char *sql) {
    sqlite3 *db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt *s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_text(s, 0))
        out = reinterpret_cast<const char *>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

TEST(ArchivePatientsSqlite, AVersion1IndexIsUpgradedFromItsFiles) {
    TempDir dir;
    const std::string files = (dir.path / "files").string(), db_dir = (dir.path / "db").string();
    fs::create_directories(files);
    fs::create_directories(db_dir);
    // What version 1 made of two studies without Patient ID and a third whose file is gone: one
    // patient row, named after the last instance, dates normalised.
    Inst a{"", "ALPHA^ANN", "19500101", "F", "", 1};
    a.study_date = "1997.04.24";
    const InstanceRecord ra = write_instance(files, a);
    const InstanceRecord rb = write_instance(files, Inst{"", "BETA^BOB", "19600202", "M", "", 2});
    const std::string db_path = db_dir + "/index.sqlite";
    {
        sqlite3 *db = nullptr;
        ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
        // The version 1 DDL (index.cpp before schema version 2).
        exec(db, R"SQL(
CREATE TABLE patient(pk INTEGER PRIMARY KEY, patient_id TEXT NOT NULL, issuer TEXT NOT NULL,
  patient_name TEXT NOT NULL, birth_date TEXT NOT NULL, sex TEXT NOT NULL, UNIQUE(patient_id, issuer));
CREATE TABLE study(pk INTEGER PRIMARY KEY, patient_pk INTEGER NOT NULL REFERENCES patient(pk),
  study_uid TEXT NOT NULL UNIQUE, study_date TEXT NOT NULL, study_time TEXT NOT NULL, study_time_key TEXT NOT NULL,
  accession TEXT NOT NULL, study_id TEXT NOT NULL, description TEXT NOT NULL, referring TEXT NOT NULL);
CREATE INDEX study_patient ON study(patient_pk);
CREATE INDEX study_date ON study(study_date);
CREATE INDEX study_accession ON study(accession);
CREATE TABLE series(pk INTEGER PRIMARY KEY, study_pk INTEGER NOT NULL REFERENCES study(pk),
  series_uid TEXT NOT NULL UNIQUE, modality TEXT NOT NULL, series_number INTEGER, series_number_text TEXT NOT NULL,
  description TEXT NOT NULL, series_date TEXT NOT NULL, series_time TEXT NOT NULL, series_time_key TEXT NOT NULL,
  body_part TEXT NOT NULL);
CREATE INDEX series_study ON series(study_pk);
CREATE TABLE instance(pk INTEGER PRIMARY KEY, series_pk INTEGER NOT NULL REFERENCES series(pk),
  sop_instance_uid TEXT NOT NULL UNIQUE, sop_class_uid TEXT NOT NULL, instance_number INTEGER,
  instance_number_text TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, transfer_syntax TEXT NOT NULL,
  sha256 TEXT NOT NULL, indexed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
CREATE INDEX instance_series ON instance(series_pk);
CREATE TABLE worklist(pk INTEGER PRIMARY KEY, patient_id TEXT NOT NULL, accession TEXT NOT NULL,
  requested_procedure_id TEXT NOT NULL, sps_ids TEXT NOT NULL, item BLOB NOT NULL);
INSERT INTO patient VALUES(1, '', '', 'BETA^BOB', '19600202', 'M');
INSERT INTO study VALUES(1, 1, '1.2.9.1', '19970424', '', '', '', '', '', '');
INSERT INTO study VALUES(2, 1, '1.2.9.2', '20240101', '', '', '', '', '', '');
INSERT INTO study VALUES(3, 1, '1.2.9.3', '20240101', '', '', '', '', '', '');
INSERT INTO series VALUES(1, 1, '1.2.9.1.1', 'CT', NULL, '', '', '', '', '', '');
INSERT INTO series VALUES(2, 2, '1.2.9.2.1', 'CT', NULL, '', '', '', '', '', '');
INSERT INTO series VALUES(3, 3, '1.2.9.3.1', 'CT', NULL, '', '', '', '', '', '');
INSERT INTO worklist VALUES(1, 'W1', 'ACC', 'RP', 'SPS', x'');
PRAGMA user_version = 1;
)SQL");
        // The first file's digest as recorded at ingest, before the file changed on disk.
        const std::string stale = std::string(64, '0');
        const std::string sql =
            "INSERT INTO instance(series_pk, sop_instance_uid, sop_class_uid, instance_number_text, path, size, "
            "transfer_syntax, sha256) VALUES(1, '" + a.sop_uid() + "', '" + kCT + "', '1', '" + ra.path + "', " +
            std::to_string(ra.size) + ", '" + ra.transfer_syntax + "', '" + stale +
            "'), (2, '1.2.9.2.1.1', '" + kCT + "', '1', '" + rb.path + "', " + std::to_string(rb.size) + ", '" +
            rb.transfer_syntax + "', '" + rb.sha256 + "'), (3, '1.2.9.3.1.1', '" + kCT + "', '1', '" + files +
            "/gone.dcm', 100, '" + rb.transfer_syntax + "', '" + rb.sha256 + "')";
        exec(db, sql.c_str());
        sqlite3_close(db);
    }

    std::vector<std::string> log;
    SqliteIndexOptions opt;
    opt.log = [&](const std::string &line) { log.push_back(line); };
    {
        SqliteIndex index(db_dir, opt);
        EXPECT_EQ(names_by_study(index),
                  (std::map<std::string, std::string>{{"1.2.9.1", "ALPHA^ANN"}, {"1.2.9.2", "BETA^BOB"}}));
        IndexStats st = index.stats();
        EXPECT_EQ(st.patients, 2u);
        EXPECT_EQ(st.studies, 2u);
        EXPECT_EQ(st.instances, 2u);
        EXPECT_EQ(st.worklist_items, 1u);  // the worklist is kept as it was
        auto m = index.find(query("STUDY", {{kStudyUID, ""}, {kStudyDate, "19970424"}}), Root::study_root);
        ASSERT_EQ(m.size(), 1u);
        EXPECT_EQ(m[0].get_string(kStudyDate), "1997.04.24");
        // The recorded digest is kept: the changed file is still told apart.
        EXPECT_EQ(index.verify(kCT, a.sop_uid()), Verification::digest_mismatch);
        EXPECT_EQ(index.verify(kCT, "1.2.9.2.1.1"), Verification::ok);
        EXPECT_EQ(index.verify(kCT, "1.2.9.3.1.1"), Verification::not_found);
    }
    ASSERT_EQ(log.size(), 2u);
    EXPECT_NE(log[0].find("1.2.9.3.1.1"), std::string::npos) << log[0];
    EXPECT_NE(log[1].find("upgraded"), std::string::npos) << log[1];
    EXPECT_EQ(sql_one(db_path, "PRAGMA user_version"), "2");
    // Opened again: nothing to upgrade.
    log.clear();
    { SqliteIndex again(db_dir, opt); }
    EXPECT_TRUE(log.empty());

    // An index written by a later version is refused, not altered.
    {
        sqlite3 *db = nullptr;
        ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
        exec(db, "PRAGMA user_version = 99");
        sqlite3_close(db);
    }
    try {
        SqliteIndex later(db_dir);
        ADD_FAILURE() << "a version 99 index was opened";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::unsupported) << e.what();
    }
    EXPECT_EQ(sql_one(db_path, "PRAGMA user_version"), "99");
}

}  // namespace
