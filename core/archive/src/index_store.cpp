// dcmkit archive — the SQLite index's schema (and its upgrade from version 1); the SQL index's ingest
// (SqlCore, for SQLite and PostgreSQL alike: add, remove, patient records and the conflicts between
// them) and the conflict list.
#include <string>
#include <sys/stat.h>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/file.h"
#include "dcmkit/services/matching_detail.h"
#include "sql_core.h"
#include "sqlite_index.h"

namespace dcmkit::archive {

using namespace db;

namespace {

constexpr int kSchemaVersion = 2;

// Version 2: patients keyed by their demographics too (never merged, never renamed), dates kept as
// stored with a normalised copy for matching, patient_conflict. Version 1 is upgraded by
// re-indexing (SqliteIndex::Impl::create_or_upgrade).
const char *const kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS patient(
  pk INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL,            -- (0010,0020) Patient ID
  issuer TEXT NOT NULL,                -- (0010,0021) Issuer of Patient ID
  patient_name TEXT NOT NULL,          -- (0010,0010) UTF-8
  birth_date TEXT NOT NULL,            -- (0010,0030) as stored
  birth_date_key TEXT NOT NULL,        -- YYYYMMDD or '' (matching)
  sex TEXT NOT NULL,                   -- (0010,0040)
  study_uid TEXT NOT NULL,             -- '' — or, when patient_id is '', the one study of this record
  UNIQUE(patient_id, issuer, study_uid, patient_name, birth_date, sex));
CREATE TABLE IF NOT EXISTS study(
  pk INTEGER PRIMARY KEY,
  patient_pk INTEGER NOT NULL REFERENCES patient(pk),
  study_uid TEXT NOT NULL UNIQUE,      -- (0020,000D)
  study_date TEXT NOT NULL,            -- (0008,0020) as stored
  study_date_key TEXT NOT NULL,        -- YYYYMMDD or '' (matching)
  study_time TEXT NOT NULL,            -- (0008,0030) as stored
  study_time_key TEXT NOT NULL,        -- HHMMSS.ffffff or '' (range matching)
  accession TEXT NOT NULL,             -- (0008,0050)
  study_id TEXT NOT NULL,              -- (0020,0010)
  description TEXT NOT NULL,           -- (0008,1030)
  referring TEXT NOT NULL);            -- (0008,0090)
CREATE INDEX IF NOT EXISTS study_patient ON study(patient_pk);
CREATE INDEX IF NOT EXISTS study_date ON study(study_date_key);
CREATE INDEX IF NOT EXISTS study_accession ON study(accession);
CREATE TABLE IF NOT EXISTS series(
  pk INTEGER PRIMARY KEY,
  study_pk INTEGER NOT NULL REFERENCES study(pk),
  series_uid TEXT NOT NULL UNIQUE,     -- (0020,000E)
  modality TEXT NOT NULL,              -- (0008,0060)
  series_number INTEGER,               -- (0020,0011) NULL when absent or not an integer
  series_number_text TEXT NOT NULL,
  description TEXT NOT NULL,           -- (0008,103E)
  series_date TEXT NOT NULL,           -- (0008,0021) as stored
  series_date_key TEXT NOT NULL,       -- YYYYMMDD or ''
  series_time TEXT NOT NULL,           -- (0008,0031)
  series_time_key TEXT NOT NULL,
  body_part TEXT NOT NULL);            -- (0018,0015)
CREATE INDEX IF NOT EXISTS series_study ON series(study_pk);
CREATE TABLE IF NOT EXISTS instance(
  pk INTEGER PRIMARY KEY,
  series_pk INTEGER NOT NULL REFERENCES series(pk),
  sop_instance_uid TEXT NOT NULL UNIQUE,  -- (0008,0018)
  sop_class_uid TEXT NOT NULL,            -- (0008,0016)
  instance_number INTEGER,                -- (0020,0013)
  instance_number_text TEXT NOT NULL,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  transfer_syntax TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  indexed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
CREATE INDEX IF NOT EXISTS instance_series ON instance(series_pk);
CREATE TABLE IF NOT EXISTS patient_conflict(
  pk INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL,            -- of the record holding the stored value
  issuer TEXT NOT NULL,
  attribute INTEGER NOT NULL,          -- the tag, (gggg<<16)|eeee
  stored_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  stored_study_uid TEXT NOT NULL,
  study_uid TEXT NOT NULL,             -- the study of the instance that carried new_value
  sop_instance_uid TEXT NOT NULL,
  recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  UNIQUE(study_uid, attribute, stored_value, new_value));
CREATE TABLE IF NOT EXISTS worklist(
  pk INTEGER PRIMARY KEY,
  patient_id TEXT NOT NULL,
  accession TEXT NOT NULL,
  requested_procedure_id TEXT NOT NULL,
  sps_ids TEXT NOT NULL,               -- Scheduled Procedure Step IDs, backslash-separated
  item BLOB NOT NULL);                 -- the whole entry, explicit VR little endian
CREATE TABLE IF NOT EXISTS worklist_order(  -- worklist entries made from orders (HL7), by order
  worklist_pk INTEGER PRIMARY KEY,
  order_key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS worklist_order_key ON worklist_order(order_key);
PRAGMA user_version = 2;
)SQL";

}  // namespace

std::string describe(const PatientConflict &c) {
    const char *kw = dict_keyword(c.attribute);
    std::string out = "Patient ID '" + c.patient_id + "'";
    if (!c.issuer.empty()) out += " (issuer '" + c.issuer + "')";
    out += ": " + std::string(kw && *kw ? kw : "attribute") + " " + c.attribute.str() + " '" + c.stored_value +
           "' in study " + c.stored_study_uid + ", '" + c.new_value + "' in ";
    out += c.study_uid == c.stored_study_uid ? "the same study" : "study " + c.study_uid;
    out += " (instance " + c.sop_instance_uid + ")";
    return out;
}

// -- SqliteIndex ------------------------------------------------------------------------------------

SqliteIndex::SqliteIndex(const std::string &directory, const SqliteIndexOptions &options)
    : impl_(std::make_unique<Impl>()) {
    impl_->dir = directory;
    impl_->path = directory + "/index.sqlite";
    impl_->options = options;
    impl_->on_log = options.log;
    ::mkdir(directory.c_str(), 0755);
    impl_->write([&](Conn &c, LogLines &log) { impl_->create_or_upgrade(c, log); });
    core_ = impl_.get();
}

void SqliteIndex::Impl::create_or_upgrade(Conn &c, LogLines &log) {
    int64_t version = 0;
    bool has_instances = false;
    {
        Stmt s(c, "PRAGMA user_version");
        if (s.step()) version = s.i64(0);
    }
    {
        Stmt s(c, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='instance'");
        has_instances = s.step();
    }
    if (version > kSchemaVersion)
        throw Error(Errc::unsupported, "index: " + path + " has schema version " + std::to_string(version) +
                                           "; this dcmkit knows up to " + std::to_string(kSchemaVersion));
    if (!has_instances || version == kSchemaVersion) {
        c.exec(kSchema);
        return;
    }
    // Version 1 merged patients by (Patient ID, Issuer) and kept normalised dates only: what it holds
    // cannot be split again, so its instances are indexed anew from their files (the recorded path,
    // size, transfer syntax and SHA-256 are kept, so that Storage Commitment still sees later changes).
    struct Old {
        std::string path, transfer_syntax, sha256, sop_uid;
        int64_t size;
    };
    std::vector<Old> old;
    {
        Stmt s(c, "SELECT path, transfer_syntax, sha256, sop_instance_uid, size FROM instance ORDER BY pk");
        while (s.step()) old.push_back(Old{s.text(0), s.text(1), s.text(2), s.text(3), s.i64(4)});
    }
    c.exec("DROP TABLE IF EXISTS instance; DROP TABLE IF EXISTS series; DROP TABLE IF EXISTS study; "
           "DROP TABLE IF EXISTS patient;");
    c.exec(kSchema);
    size_t dropped = 0;
    for (const auto &o : old) {
        try {
            ReadOptions ro;
            ro.stop_before_pixels = true;
            DicomFile f = read_file(o.path, ro);
            add_one(c, InstanceRecord{std::move(f.dataset), o.path, uint64_t(o.size), o.transfer_syntax, o.sha256},
                    log);
        } catch (const Error &err) {
            ++dropped;
            log.push_back("index upgrade: instance " + o.sop_uid + " dropped: " + err.message());
        }
    }
    log.push_back("index upgraded from schema version " + std::to_string(version) + " to " +
                          std::to_string(kSchemaVersion) + ": " + std::to_string(old.size() - dropped) +
                          " instance(s) indexed again from their files, " + std::to_string(dropped) + " dropped");
}

SqliteIndex::~SqliteIndex() = default;

const std::string &SqliteIndex::path() const noexcept { return impl_->path; }

void SqlCore::prune(Conn &c, const std::vector<int64_t> &series, const std::vector<int64_t> &studies,
                              const std::vector<int64_t> &patients) {
    for (int64_t pk : series)
        Stmt(c, "DELETE FROM series WHERE pk=?1 AND NOT EXISTS (SELECT 1 FROM instance WHERE series_pk=?1)")
            .bind(1, pk)
            .step();
    for (int64_t pk : studies)
        Stmt(c, "DELETE FROM study WHERE pk=?1 AND NOT EXISTS (SELECT 1 FROM series WHERE study_pk=?1)")
            .bind(1, pk)
            .step();
    for (int64_t pk : patients)
        Stmt(c, "DELETE FROM patient WHERE pk=?1 AND NOT EXISTS (SELECT 1 FROM study WHERE patient_pk=?1)")
            .bind(1, pk)
            .step();
}

void SqlCore::add_one(Conn &c, const InstanceRecord &r, LogLines &log) {
    const Dataset &ds = r.dataset;
    const std::string sop_uid = require_uid(ds, 0x00080018, "SOP Instance UID (0008,0018)");
    const std::string sop_class = require_uid(ds, 0x00080016, "SOP Class UID (0008,0016)");
    const std::string study_uid = require_uid(ds, 0x0020000D, "Study Instance UID (0020,000D)");
    const std::string series_uid = require_uid(ds, 0x0020000E, "Series Instance UID (0020,000E)");
    if (r.path.empty()) throw Error(Errc::invalid_argument, "index: the instance has no path");

    // Rows the instance (or its series/study) leaves behind when it moves: pruned at the end.
    std::vector<int64_t> old_series, old_studies, old_patients;
    {
        Stmt s(c, "SELECT i.series_pk, se.study_pk, st.patient_pk FROM instance i JOIN series se ON se.pk=i.series_pk "
                  "JOIN study st ON st.pk=se.study_pk WHERE i.sop_instance_uid=?");
        s.bind(1, sop_uid);
        if (s.step()) {
            old_series.push_back(s.i64(0));
            old_studies.push_back(s.i64(1));
            old_patients.push_back(s.i64(2));
        }
    }
    {
        Stmt s(c, "SELECT se.study_pk, st.patient_pk FROM series se JOIN study st ON st.pk=se.study_pk "
                  "WHERE se.series_uid=?");
        s.bind(1, series_uid);
        if (s.step()) {
            old_studies.push_back(s.i64(0));
            old_patients.push_back(s.i64(1));
        }
    }
    // The patient attributes the instance carries, and those its study already holds.
    Demographics carried{str_of(ds, 0x00100020), str_of(ds, 0x00100021), str_of(ds, 0x00100010),
                         str_of(ds, 0x00100030), str_of(ds, 0x00100040)};
    std::optional<Demographics> held;
    int64_t held_pk = 0;
    {
        // A study whose only instance is the one being replaced holds nothing another instance carries.
        Stmt s(c, "SELECT st.patient_pk, p.patient_id, p.issuer, p.patient_name, p.birth_date, p.sex, "
                  "CASE WHEN EXISTS (SELECT 1 FROM series se JOIN instance i ON i.series_pk=se.pk WHERE se.study_pk=st.pk "
                  "AND i.sop_instance_uid<>?2) THEN 1 ELSE 0 END FROM study st JOIN patient p ON p.pk=st.patient_pk WHERE st.study_uid=?1");
        s.bind(1, study_uid).bind(2, sop_uid);
        if (s.step()) {
            old_patients.push_back(s.i64(0));
            if (s.i64(6)) {
                held_pk = s.i64(0);
                held = Demographics{s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)};
            }
        }
    }
    int64_t patient_pk = held_pk, study_pk, series_pk;
    // Within a study the first non-empty value of each attribute stays; a different one is a conflict.
    Demographics merged = carried;
    if (held) {
        merged = *held;
        std::string Demographics::*const fields[] = {&Demographics::id, &Demographics::issuer, &Demographics::name,
                                                     &Demographics::birth, &Demographics::sex};
        for (size_t k = 0; k < 5; ++k) {
            const std::string &was = (*held).*fields[k], &now = carried.*fields[k];
            if (now.empty() || was == now) continue;
            if (was.empty()) merged.*fields[k] = now;
            else record_conflict(c, *held, kDemographicTags[k], was, now, study_uid, study_uid, sop_uid, log);
        }
    }
    if (!held || !(merged == *held)) {
        // The study's record: shared by the studies of the same Patient ID, Issuer and demographics;
        // a study without a Patient ID has a record of its own.
        const std::string anon = merged.id.empty() ? study_uid : std::string();
        // Another node may file a study under the same record meanwhile: its key is locked
        // (lock_keys), and the insert leaves a concurrent one standing.
        if (!merged.id.empty() && merged.id != carried.id) lock_keys(c, {"p:" + merged.id + "\\" + merged.issuer});
        const char *const kSelect = "SELECT pk FROM patient WHERE patient_id=? AND issuer=? AND study_uid=? AND "
                                    "patient_name=? AND birth_date=? AND sex=?";
        {
            Stmt s(c, kSelect);
            s.bind(1, merged.id).bind(2, merged.issuer).bind(3, anon).bind(4, merged.name).bind(5, merged.birth).bind(
                6, merged.sex);
            patient_pk = s.step() ? s.i64(0) : 0;
        }
        if (!patient_pk) {
            Stmt s(c, "INSERT INTO patient(patient_id, issuer, patient_name, birth_date, birth_date_key, sex, study_uid) "
                      "VALUES(?,?,?,?,?,?,?) ON CONFLICT(patient_id, issuer, study_uid, patient_name, birth_date, sex) "
                      "DO NOTHING RETURNING pk");
            s.bind(1, merged.id)
                .bind(2, merged.issuer)
                .bind(3, merged.name)
                .bind(4, merged.birth)
                .bind(5, matching::detail::da_key(merged.birth))
                .bind(6, merged.sex)
                .bind(7, anon);
            if (s.step()) patient_pk = s.i64(0);
            while (s.step()) {
            }
        }
        if (!patient_pk) {
            Stmt s(c, kSelect);
            s.bind(1, merged.id).bind(2, merged.issuer).bind(3, anon).bind(4, merged.name).bind(5, merged.birth).bind(
                6, merged.sex);
            if (!s.step()) throw Retry("index: the patient record went while it was being filed under");
            patient_pk = s.i64(0);
        }
        if (!merged.id.empty()) check_patient_conflicts(c, merged, patient_pk, study_uid, sop_uid, log);
    }
    {
        std::string time = str_of(ds, 0x00080030);
        Stmt s(c, "INSERT INTO study(patient_pk, study_uid, study_date, study_date_key, study_time, study_time_key, "
                  "accession, study_id, description, referring) VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT(study_uid) "
                  "DO UPDATE SET patient_pk=excluded.patient_pk, "
                  "study_date=CASE WHEN excluded.study_date<>'' THEN excluded.study_date ELSE study.study_date END, "
                  "study_date_key=CASE WHEN excluded.study_date<>'' THEN excluded.study_date_key ELSE study.study_date_key END, "
                  "study_time=CASE WHEN excluded.study_time<>'' THEN excluded.study_time ELSE study.study_time END, "
                  "study_time_key=CASE WHEN excluded.study_time<>'' THEN excluded.study_time_key ELSE study.study_time_key END, "
                  "accession=CASE WHEN excluded.accession<>'' THEN excluded.accession ELSE study.accession END, "
                  "study_id=CASE WHEN excluded.study_id<>'' THEN excluded.study_id ELSE study.study_id END, "
                  "description=CASE WHEN excluded.description<>'' THEN excluded.description ELSE study.description END, "
                  "referring=CASE WHEN excluded.referring<>'' THEN excluded.referring ELSE study.referring END RETURNING pk");
        const std::string date = str_of(ds, 0x00080020);
        s.bind(1, patient_pk)
            .bind(2, study_uid)
            .bind(3, date)
            .bind(4, matching::detail::da_key(date))
            .bind(5, time)
            .bind(6, matching::detail::tm_key(time, false))
            .bind(7, str_of(ds, 0x00080050))
            .bind(8, str_of(ds, 0x00200010))
            .bind(9, str_of(ds, 0x00081030))
            .bind(10, str_of(ds, 0x00080090));
        study_pk = s.returned_pk("upsert study");
    }
    {
        std::string time = str_of(ds, 0x00080031);
        std::string number = str_of(ds, 0x00200011);
        Stmt s(c, "INSERT INTO series(study_pk, series_uid, modality, series_number, series_number_text, description, "
                  "series_date, series_date_key, series_time, series_time_key, body_part) VALUES(?,?,?,?,?,?,?,?,?,?,?) "
                  "ON CONFLICT(series_uid) DO UPDATE SET study_pk=excluded.study_pk, "
                  "modality=CASE WHEN excluded.modality<>'' THEN excluded.modality ELSE series.modality END, "
                  "series_number=CASE WHEN excluded.series_number_text<>'' THEN excluded.series_number "
                  "ELSE series.series_number END, "
                  "series_number_text=CASE WHEN excluded.series_number_text<>'' THEN excluded.series_number_text "
                  "ELSE series.series_number_text END, "
                  "description=CASE WHEN excluded.description<>'' THEN excluded.description ELSE series.description END, "
                  "series_date=CASE WHEN excluded.series_date<>'' THEN excluded.series_date ELSE series.series_date END, "
                  "series_date_key=CASE WHEN excluded.series_date<>'' THEN excluded.series_date_key "
                  "ELSE series.series_date_key END, "
                  "series_time=CASE WHEN excluded.series_time<>'' THEN excluded.series_time ELSE series.series_time END, "
                  "series_time_key=CASE WHEN excluded.series_time<>'' THEN excluded.series_time_key "
                  "ELSE series.series_time_key END, "
                  "body_part=CASE WHEN excluded.body_part<>'' THEN excluded.body_part ELSE series.body_part END RETURNING pk");
        s.bind(1, study_pk).bind(2, series_uid).bind(3, str_of(ds, 0x00080060));
        if (auto n = int_of(number)) s.bind(4, *n);
        else s.bind_null(4);
        s.bind(5, number)
            .bind(6, str_of(ds, 0x0008103E))
            .bind(7, str_of(ds, 0x00080021))
            .bind(8, matching::detail::da_key(str_of(ds, 0x00080021)))
            .bind(9, time)
            .bind(10, matching::detail::tm_key(time, false))
            .bind(11, str_of(ds, 0x00180015));
        series_pk = s.returned_pk("upsert series");
    }
    {
        std::string number = str_of(ds, 0x00200013);
        Stmt s(c, "INSERT INTO instance(series_pk, sop_instance_uid, sop_class_uid, instance_number, instance_number_text, "
                  "path, size, transfer_syntax, sha256) VALUES(?,?,?,?,?,?,?,?,?) "
                  "ON CONFLICT(sop_instance_uid) DO UPDATE SET series_pk=excluded.series_pk, "
                  "sop_class_uid=excluded.sop_class_uid, instance_number=excluded.instance_number, "
                  "instance_number_text=excluded.instance_number_text, path=excluded.path, size=excluded.size, "
                  "transfer_syntax=excluded.transfer_syntax, sha256=excluded.sha256, indexed_at=excluded.indexed_at");
        s.bind(1, series_pk).bind(2, sop_uid).bind(3, sop_class);
        if (auto n = int_of(number)) s.bind(4, *n);
        else s.bind_null(4);
        s.bind(5, number)
            .bind(6, r.path)
            .bind(7, int64_t(r.size))
            .bind(8, r.transfer_syntax)
            .bind(9, r.sha256);
        s.step();
    }
    prune(c, old_series, old_studies, old_patients);
}

void SqlCore::record_conflict(Conn &c, const Demographics &holder, Tag attribute, const std::string &stored,
                              const std::string &now, const std::string &stored_study, const std::string &study_uid,
                              const std::string &sop_uid, LogLines &log) {
    // Once per study and disagreement: the study's other instances carry the same values.
    Stmt s(c, "INSERT INTO patient_conflict(patient_id, issuer, attribute, stored_value, new_value, "
              "stored_study_uid, study_uid, sop_instance_uid) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING "
              "RETURNING pk");
    s.bind(1, holder.id)
        .bind(2, holder.issuer)
        .bind(3, int64_t(attribute.value))
        .bind(4, stored)
        .bind(5, now)
        .bind(6, stored_study)
        .bind(7, study_uid)
        .bind(8, sop_uid);
    const bool recorded = s.step();
    while (s.step()) {
    }
    if (!recorded) return;
    PatientConflict pc;
    pc.patient_id = holder.id;
    pc.issuer = holder.issuer;
    pc.attribute = attribute;
    pc.stored_value = stored;
    pc.new_value = now;
    pc.stored_study_uid = stored_study;
    pc.study_uid = study_uid;
    pc.sop_instance_uid = sop_uid;
    log.push_back("patient conflict: " + describe(pc));
}

void SqlCore::check_patient_conflicts(Conn &c, const Demographics &d, int64_t patient_pk, const std::string &study_uid,
                                      const std::string &sop_uid, LogLines &log) {
    // The first-stored record of this Patient ID and Issuer that some other study is filed under.
    Stmt s(c, "SELECT pk, patient_name, birth_date, sex, other FROM (SELECT p.pk, p.patient_name, p.birth_date, "
              "p.sex, (SELECT st.study_uid FROM study st WHERE st.patient_pk=p.pk AND st.study_uid<>?3 ORDER BY st.pk "
              "LIMIT 1) AS other FROM patient p WHERE p.patient_id=?1 AND p.issuer=?2 AND p.study_uid='') f "
              "WHERE other IS NOT NULL ORDER BY pk LIMIT 1");
    s.bind(1, d.id).bind(2, d.issuer).bind(3, study_uid);
    if (!s.step() || s.i64(0) == patient_pk) return;
    const Demographics first{d.id, d.issuer, s.text(1), s.text(2), s.text(3)};
    const std::string other = s.text(4);
    if (first.name != d.name)
        record_conflict(c, first, kDemographicTags[2], first.name, d.name, other, study_uid, sop_uid, log);
    if (first.birth != d.birth)
        record_conflict(c, first, kDemographicTags[3], first.birth, d.birth, other, study_uid, sop_uid, log);
    if (first.sex != d.sex) record_conflict(c, first, kDemographicTags[4], first.sex, d.sex, other, study_uid, sop_uid, log);
}

std::vector<std::string> db::lock_keys_of(const InstanceRecord &r) {
    std::vector<std::string> keys{"s:" + str_of(r.dataset, 0x0020000D), "i:" + str_of(r.dataset, 0x00080018)};
    const std::string id = str_of(r.dataset, 0x00100020);
    if (!id.empty()) keys.push_back("p:" + id + "\\" + str_of(r.dataset, 0x00100021));
    return keys;
}

void SqlCore::lock_keys(Conn &, std::vector<std::string>) {}

void SqlCore::add(const std::vector<InstanceRecord> &records) {
    std::vector<std::string> keys;
    for (const auto &r : records)
        for (auto &k : lock_keys_of(r)) keys.push_back(std::move(k));
    write([&](Conn &c, LogLines &log) {
        lock_keys(c, keys);
        for (const auto &r : records) add_one(c, r, log);
    });
}

bool SqlCore::remove(const std::string &sop_instance_uid) {
    bool removed = false;
    write([&](Conn &c, LogLines &) {
        removed = false;
        int64_t series_pk, study_pk, patient_pk;
        std::string study_uid, patient_key;
        {
            Stmt s(c, "SELECT i.series_pk, se.study_pk, st.patient_pk, st.study_uid, p.patient_id, p.issuer "
                      "FROM instance i JOIN series se ON se.pk=i.series_pk JOIN study st ON st.pk=se.study_pk "
                      "JOIN patient p ON p.pk=st.patient_pk WHERE i.sop_instance_uid=?");
            s.bind(1, sop_instance_uid);
            if (!s.step()) return;
            series_pk = s.i64(0);
            study_pk = s.i64(1);
            patient_pk = s.i64(2);
            study_uid = s.text(3);
            if (!s.text(4).empty()) patient_key = "p:" + s.text(4) + "\\" + s.text(5);
        }
        std::vector<std::string> keys{"s:" + study_uid, "i:" + sop_instance_uid};
        if (!patient_key.empty()) keys.push_back(patient_key);
        lock_keys(c, keys);
        Stmt d(c, "DELETE FROM instance WHERE sop_instance_uid=? RETURNING pk");
        d.bind(1, sop_instance_uid);
        if (!d.step()) return;  // removed meanwhile by another node
        while (d.step()) {
        }
        prune(c, {series_pk}, {study_pk}, {patient_pk});
        removed = true;
    });
    return removed;
}

std::vector<PatientConflict> SqlCore::conflicts() {
    auto c = acquire();
    Stmt s(*c, "SELECT patient_id, issuer, attribute, stored_value, new_value, stored_study_uid, study_uid, "
               "sop_instance_uid, recorded_at FROM patient_conflict ORDER BY pk");
    std::vector<PatientConflict> out;
    while (s.step()) {
        PatientConflict pc;
        pc.patient_id = s.text(0);
        pc.issuer = s.text(1);
        pc.attribute = Tag(uint32_t(s.i64(2)));
        pc.stored_value = s.text(3);
        pc.new_value = s.text(4);
        pc.stored_study_uid = s.text(5);
        pc.study_uid = s.text(6);
        pc.sop_instance_uid = s.text(7);
        pc.recorded_at = s.text(8);
        out.push_back(std::move(pc));
    }
    return out;
}

}  // namespace dcmkit::archive
