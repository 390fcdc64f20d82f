// dcmkit — the embedded archive's index: what `dcmkit serve` answers C-FIND, C-MOVE/C-GET, Storage
// Commitment and Modality Worklist queries from.
//
// `Index` is abstract so that a server database can replace the embedded SQLite one (`SqliteIndex`):
// `PostgresIndex` (dcmkit/archive_postgresql.h) behaves the same; open_index() picks by name.
// It knows nothing of the network: the SCP turns a QueryError into a C-FIND/C-MOVE/C-GET failure
// status (QueryError::status()), and streams the matches find() produces as Pending responses.
//
// Matching (PS3.4 C.2.2.2), as implemented by every Index:
//   - Universal (C.2.2.2.3): a zero-length key, and (leniently) a key of "*" whatever its VR, match all.
//   - Single value (C.2.2.2.1): exact and case-sensitive, leading/trailing spaces insignificant — except
//     PN, which the standard leaves to the implementation: by default PN matching is insensitive to
//     letter case (Unicode simple case folding of the Latin, Greek and Cyrillic letters; accents stay
//     significant), and trailing empty components are ignored ("Doe^John^^" == "Doe^John").
//   - List of UID (C.2.2.2.2): a backslash-separated list of UIDs matches any of them.
//   - Wild card (C.2.2.2.4): "*" (any sequence, including none) and "?" (one character — one Unicode
//     character, not one byte) for AE, CS, LO, LT, PN, SH, ST, UC, UR and UT. No other character is
//     special: SQL's % _ ' [ are matched literally.
//   - Range (C.2.2.2.5): "d1-d2", "-d2", "d1-" for DA, TM and DT; bounds are inclusive, a partial upper
//     bound covers its whole precision ("-1030" includes 10:30:59.999999, "-2024" as DT includes all
//     of 2024), DT offsets from UTC are taken into account when both sides have one, and TM ranges
//     do not cross midnight. A single DA/TM/DT value is the range of its own precision. An empty
//     entity value never matches a range. With FindOptions::combined_datetime (C.2.2.2.5, extended
//     negotiation), a date key and its time key (StudyDate+StudyTime, SPS Start Date+Time, …) are
//     matched together as one DT range.
//   - Sequence (C.2.2.2.6): a sequence key with one item matches an entity sequence when any of its
//     items matches every key in that item (recursively); an empty item or no item is universal.
//     Only the matching items are returned, reduced to the requested keys.
//   - Multiple values in a key (other than UI, where it is List of UID matching) are matched as
//     alternatives — any of them (C.2.2.2.8 leaves the semantics undefined without negotiation);
//     a multi-valued entity attribute (e.g. Modalities in Study) matches when any value matches.
//   - Empty value (C.2.2.2.7, extended negotiation): with FindOptions::empty_value_matching a key of
//     "" (two QUOTATION MARKs) matches entities whose attribute is empty or absent.
//   - PN with component groups: a key without '=' is matched against the whole value and against each
//     component group (alphabetic, ideographic, phonetic); a key with '=' is matched group by group,
//     an empty key group matching anything.
//   - Specific Character Set (C.2.2.2): keys are decoded to UTF-8 with the identifier's character set,
//     values are stored and compared as UTF-8, and matches are returned in UTF-8 with (0008,0005)
//     "ISO_IR 192" — or in the query's character set with FindOptions::respond_in_query_charset when
//     every returned value can be encoded in it.
//
// Keys the index holds (PS3.4 C.6.1.1 / C.6.2.1): see SqliteIndex. Other keys are returned
// zero-length (C.4.1.2.3 allows it for unsupported optional keys), except at IMAGE level where they
// are matched against, and filled from, the stored file's header.
//
// Identifiers (C.4.1.2.1 hierarchical search; C.4.2.2.1 / C.4.3.2.1 retrieve):
//   - A900 "Identifier does not match SOP Class": no or an invalid Query/Retrieve Level, one that
//     contradicts the call, PATIENT level in the Study Root model, a key of a level below the query
//     level (for the keys of C.6.1.1/C.6.2.1 we know the level of), for a retrieve a missing unique key
//     at the retrieve level or a wild card in a unique key.
//   - C000 "Unable to process": a DA/TM/DT/IS key that does not parse, a key that cannot be decoded.
//   - Lenient where the standard is strict: unique keys above the query level may be absent (they do
//     not restrict) or lists; required/optional keys of higher levels are matched and returned too
//     (as in relational queries); Retrieve AE Title, Instance Availability and the like are returned
//     zero-length for the SCP to fill, never matched; private keys are ignored.
//   - Responses hold exactly the requested keys (C.4.1.1.3.2) plus (0008,0052) and (0008,0005).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/services/matching.h"

namespace dcmkit::archive {

/// Query/Retrieve Level (0008,0052).
enum class Level { patient, study, series, image };
/// The information model (the SOP Class of the C-FIND/C-MOVE/C-GET).
enum class Root { patient_root, study_root };

/// "PATIENT", "STUDY", "SERIES", "IMAGE".
const char *level_name(Level level) noexcept;
/// Parses a Query/Retrieve Level value; returns false when it is none of the four.
bool parse_level(std::string_view text, Level &out) noexcept;

/// QueryError and FindOptions are the matcher's (dcmkit/services/matching.h).
using matching::FindOptions;
using matching::match_dataset;
using matching::QueryError;

/// One stored instance, as Index::add takes it.
struct InstanceRecord {
    /// The instance's dataset; the header is enough (pixel data is not looked at).
    Dataset dataset;
    std::string path;             ///< where the file is
    uint64_t size = 0;            ///< file size in bytes
    std::string transfer_syntax;  ///< the file's transfer syntax UID
    std::string sha256;           ///< SHA-256 of the file bytes, 64 lowercase hex digits
};

/// A file to send for a C-MOVE/C-GET.
struct FileRef {
    std::string path;
    std::string sop_class_uid;
    std::string sop_instance_uid;
    std::string transfer_syntax;
    uint64_t size = 0;
};

/// Storage Commitment check of one instance (PS3.4 J.3.3: the SCP commits only what it holds intact).
enum class Verification {
    ok,                 ///< indexed, same SOP class, the file's SHA-256 matches the one recorded
    not_found,          ///< no such SOP Instance in the index
    sop_class_mismatch, ///< indexed under another SOP Class UID
    file_missing,       ///< indexed, but its file cannot be read
    digest_mismatch,    ///< the file's bytes have changed since it was indexed
};
const char *verification_name(Verification v) noexcept;

/// Counts, for statistics and tests. `patients` counts patient records: one per distinct (Patient ID,
/// Issuer, Patient's Name, Birth Date, Sex), and one per study that has no Patient ID.
struct IndexStats {
    uint64_t patients = 0, studies = 0, series = 0, instances = 0, worklist_items = 0;
};

/// An instance whose patient attributes disagree with what the index already holds for the same
/// patient (recorded by Index::add, listed by Index::conflicts()). Two kinds:
///   - across studies: a study whose Patient's Name, Birth Date or Sex differs from the first-stored
///     record of the same Patient ID and Issuer (`stored_study_uid` is a study of that record);
///   - within a study: an instance whose Patient ID, Issuer, Name, Birth Date or Sex differs from
///     the non-empty value the study already holds (`stored_study_uid` == `study_uid`); the study
///     keeps its value.
/// Nothing is overwritten either way: each study answers with the values stored with it.
struct PatientConflict {
    std::string patient_id, issuer;  ///< of the record the stored value belongs to
    Tag attribute;                   ///< (0010,0010), (0010,0020), (0010,0021), (0010,0030) or (0010,0040)
    std::string stored_value;        ///< as stored before (UTF-8), possibly empty
    std::string new_value;           ///< as the instance carries it (UTF-8), possibly empty
    std::string stored_study_uid;    ///< a study that holds the stored value
    std::string study_uid;           ///< the study of the instance that carried the new value
    std::string sop_instance_uid;    ///< that instance
    std::string recorded_at;         ///< when, ISO 8601 UTC ("2026-12-07T01:02:03.456Z")
};
/// One line for a log: "Patient ID 'P1' (issuer 'H'): Patient's Name 'DOE^JOHN' in study 1.2.3,
/// 'DOE^JANE' in study 1.2.4 (instance 1.2.4.1.1)".
std::string describe(const PatientConflict &conflict);

class Index {
public:
    virtual ~Index() = default;

    /// Indexes an instance; an instance with the same SOP Instance UID is replaced (its old series,
    /// study or patient rows go when nothing else refers to them). Study and series attributes take
    /// the values of the last instance added that has them. Patient attributes are never
    /// overwritten (patient safety): each study keeps the Patient ID, Issuer, Name, Birth Date and
    /// Sex it was first stored with (an empty one is filled in by a later instance of the study);
    /// studies of the same Patient ID and Issuer with different values are separate patient records
    /// (one PATIENT-level answer each), and studies without a Patient ID never share a record. Each
    /// disagreement is recorded (conflicts()). Atomic: a crash leaves either the old or the new
    /// state. Throws Error(invalid_argument) when the dataset lacks SOP Instance/Class, Study or
    /// Series Instance UID; Error(io) when the store fails.
    virtual void add(const InstanceRecord &record) = 0;
    /// Adds many in one transaction (all or none).
    virtual void add(const std::vector<InstanceRecord> &records) = 0;
    /// Removes an instance (and the series/study/patient it leaves empty). False when absent.
    virtual bool remove(const std::string &sop_instance_uid) = 0;

    /// C-FIND: calls `on_match` with each match (in the hierarchy's order); returning false stops
    /// (C-FIND-CANCEL). `identifier` holds the keys and, unless `level` is given explicitly through
    /// the overload below, the Query/Retrieve Level (0008,0052). Each match holds the requested keys
    /// filled from the index (zero-length when unknown), Query/Retrieve Level and Specific Character
    /// Set. Throws QueryError.
    virtual void find(Level level, const Dataset &identifier, Root root,
                      const std::function<bool(Dataset &&)> &on_match, const FindOptions &options = {}) = 0;
    std::vector<Dataset> find(Level level, const Dataset &identifier, Root root, const FindOptions &options = {});
    /// The level taken from the identifier's (0008,0052) (QueryError A900 when missing or invalid).
    std::vector<Dataset> find(const Dataset &identifier, Root root, const FindOptions &options = {});

    /// C-MOVE/C-GET (PS3.4 C.4.2.2.1): the files of the entities the identifier's unique keys select.
    /// The unique key of `level` is required (single value or UID list); unique keys above it are
    /// used when present; other keys are ignored. Throws QueryError (A900) otherwise.
    virtual std::vector<FileRef> files_for(Level level, const Dataset &identifier, Root root) = 0;

    /// Storage Commitment: is the instance held, under this SOP class, with its file intact?
    virtual Verification verify(const std::string &sop_class_uid, const std::string &sop_instance_uid) = 0;

    // -- Modality Worklist (PS3.4 K.6) -----------------------------------------------------------
    /// Stores a worklist entry: the patient/visit/requested procedure attributes and a Scheduled
    /// Procedure Step Sequence (0040,0100). Returns its id.
    virtual int64_t add_worklist_item(const Dataset &item) = 0;
    virtual bool remove_worklist_item(int64_t id) = 0;
    /// MWL C-FIND: one match per Scheduled Procedure Step item that matches (the entity of the
    /// Modality Worklist Information Model), its sequence holding that single item.
    virtual void find_worklist(const Dataset &identifier, const std::function<bool(Dataset &&)> &on_match,
                               const FindOptions &options = {}) = 0;
    std::vector<Dataset> find_worklist(const Dataset &identifier, const FindOptions &options = {});
    /// Sets Scheduled Procedure Step Status (0040,0020) of the step with this Scheduled Procedure
    /// Step ID (0040,0009) — only under that Requested Procedure ID (0040,1001) when one is given —
    /// e.g. to "STARTED"/"COMPLETED"/"DISCONTINUED" from MPPS. Returns the number of steps updated.
    virtual size_t set_procedure_step_status(const std::string &scheduled_procedure_step_id, const std::string &status,
                                             const std::string &requested_procedure_id = {}) = 0;

    // -- Worklist items of orders (HL7 v2 ORM^O01 / OMI^O23, dcmkit/archive_hl7.h) -----------------
    /// Files worklist items under an order: the items `order_key` held before are removed and
    /// `items` stored (each as add_worklist_item stores it) under that key, in one transaction (all
    /// or nothing). `items` empty removes the order. The key is opaque to the index (the HL7 mapping
    /// makes it from the filler or placer order number). Returns the new items' ids, in order.
    /// Throws Error(invalid_argument) for an empty key, Error(io) when the store fails.
    virtual std::vector<int64_t> put_worklist_order(const std::string &order_key, const std::vector<Dataset> &items) = 0;
    /// The worklist items filed under `order_key`, in the order they were put; empty when none
    /// (an unknown order, or one removed). remove_worklist_item() takes an item out of its order.
    virtual std::vector<Dataset> worklist_order(const std::string &order_key) = 0;
    /// Updates the patient of scheduled worklist items (HL7 ADT^A08): every item whose Patient ID
    /// (0010,0020) is `patient_id` and, when `issuer` is not empty, whose Issuer of Patient ID
    /// (0010,0021) is `issuer`, unless every step of it is COMPLETED or DISCONTINUED, gets each
    /// top-level element of `demographics` (text values decoded with its character set and stored
    /// in the item's; a zero-length element empties the item's). In one transaction. Returns the
    /// number of items updated. Throws Error(invalid_argument) for an empty ID, Error(charset) when
    /// a value cannot be encoded in an item's character set.
    virtual size_t update_worklist_patient(const std::string &patient_id, const std::string &issuer,
                                           const Dataset &demographics) = 0;

    virtual IndexStats stats() = 0;

    /// Every patient conflict recorded so far, oldest first (see PatientConflict). Conflicts stay
    /// recorded when the instances involved are removed.
    virtual std::vector<PatientConflict> conflicts() = 0;
};

namespace db {
class SqlCore;
SqlCore *core_of(Index &index) noexcept;
}  // namespace db

/// An Index over SQL — SqliteIndex, or PostgresIndex (dcmkit/archive_postgresql.h): every call goes
/// to the index logic both share (written once, against either database's connections).
class SqlIndex : public Index {
public:
    using Index::add;
    using Index::find;
    using Index::find_worklist;
    void add(const InstanceRecord &record) override;
    void add(const std::vector<InstanceRecord> &records) override;
    bool remove(const std::string &sop_instance_uid) override;
    void find(Level level, const Dataset &identifier, Root root, const std::function<bool(Dataset &&)> &on_match,
              const FindOptions &options = {}) override;
    std::vector<FileRef> files_for(Level level, const Dataset &identifier, Root root) override;
    Verification verify(const std::string &sop_class_uid, const std::string &sop_instance_uid) override;
    int64_t add_worklist_item(const Dataset &item) override;
    bool remove_worklist_item(int64_t id) override;
    void find_worklist(const Dataset &identifier, const std::function<bool(Dataset &&)> &on_match,
                       const FindOptions &options = {}) override;
    size_t set_procedure_step_status(const std::string &scheduled_procedure_step_id, const std::string &status,
                                     const std::string &requested_procedure_id = {}) override;
    std::vector<int64_t> put_worklist_order(const std::string &order_key, const std::vector<Dataset> &items) override;
    std::vector<Dataset> worklist_order(const std::string &order_key) override;
    size_t update_worklist_patient(const std::string &patient_id, const std::string &issuer,
                                   const Dataset &demographics) override;
    IndexStats stats() override;
    std::vector<PatientConflict> conflicts() override;

protected:
    SqlIndex() = default;
    /// The shared logic: the derived class's Impl, set by its constructor.
    db::SqlCore *core_ = nullptr;

private:
    friend db::SqlCore *db::core_of(Index &index) noexcept;
};

struct SqliteIndexOptions {
    /// Milliseconds a writer waits for another process's write transaction before failing.
    int busy_timeout_ms = 30000;
    /// Receives a line for each patient conflict recorded by add() (describe()), after its
    /// transaction commits, and for the upgrade of an index written by an older version. Called on
    /// the thread that adds; may be empty.
    std::function<void(const std::string &message)> log;
};

/// The embedded index: DIR/index.sqlite, WAL journal, synchronous=NORMAL (a process crash loses
/// nothing committed; a power loss may lose the last transactions but never corrupts the index).
/// Thread-safe: each thread gets its own connection; writes are serialized.
///
/// Tables (see index.cpp for the DDL): patient (one row per PatientID + IssuerOfPatientID +
/// PatientName + PatientBirthDate + PatientSex, or per study when PatientID is empty), study
/// (StudyInstanceUID; StudyDate, StudyTime, AccessionNumber, StudyID, StudyDescription,
/// ReferringPhysicianName), series (SeriesInstanceUID; Modality, SeriesNumber, SeriesDescription,
/// SeriesDate, SeriesTime, BodyPartExamined), instance (SOPInstanceUID; SOPClassUID, InstanceNumber,
/// path, size, transfer syntax, SHA-256), patient_conflict, worklist, worklist_order (entry -> order
/// key; created in an index of version 2 when opened). Values are returned as stored
/// (a legacy date "1997.04.24" comes back so) and matched on normalised copies (19970424).
/// Computed: ModalitiesInStudy, SOPClassesInStudy, NumberOfPatientRelatedStudies/Series/Instances,
/// NumberOfStudyRelatedSeries/Instances, NumberOfSeriesRelatedInstances.
///
/// Schema version 2 (PRAGMA user_version). An index of version 1 is upgraded when opened: its
/// instances are indexed again from their files' headers (recorded paths, sizes and SHA-256 kept,
/// in one transaction); instances whose file cannot be read are dropped (and logged).
class SqliteIndex final : public SqlIndex {
public:
    /// Opens (creating when needed) `directory`/index.sqlite. Throws Error(io).
    explicit SqliteIndex(const std::string &directory, const SqliteIndexOptions &options = {});
    ~SqliteIndex() override;
    SqliteIndex(const SqliteIndex &) = delete;
    SqliteIndex &operator=(const SqliteIndex &) = delete;


    /// Path of the database file.
    const std::string &path() const noexcept;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// Options of open_index() and of PostgresIndex (dcmkit/archive_postgresql.h).
struct IndexOptions {
    /// Receives a line for each patient conflict recorded (after its transaction commits) and for
    /// schema upgrades; may be empty.
    std::function<void(const std::string &message)> log;
    /// PostgreSQL: connections kept open at most (the server's association threads share them).
    int max_connections = 8;
    /// SQLite: milliseconds a writer waits for another process's write transaction.
    int busy_timeout_ms = 30000;
};

/// True when `spec` names a PostgreSQL database: a "postgresql://" or "postgres://" URI, or a libpq
/// "keyword=value ..." connection string (it starts with a keyword: lowercase letters and '_').
bool is_postgresql_spec(const std::string &spec) noexcept;
/// True when this dcmkit was built with PostgreSQL (DCMKIT_WITH_POSTGRESQL).
bool postgresql_available() noexcept;

/// Opens the index `spec` names: a PostgreSQL database (is_postgresql_spec; PostgresIndex), else a
/// folder holding index.sqlite (SqliteIndex; "sqlite:" before the folder is accepted). Throws
/// Error(unsupported) for PostgreSQL in a build without it, Error(io) when it cannot be opened.
std::shared_ptr<Index> open_index(const std::string &spec, const IndexOptions &options = {});

/// What migrate_index() copied.
struct MigrateCounts {
    uint64_t instances = 0, worklist_items = 0, conflicts = 0;
};
/// Copies an index into another (open_index specs, e.g. "sqlite:/srv/archive" to
/// "postgresql://host/archive"): every instance with its recorded path, size, transfer syntax and
/// SHA-256, filed under the same patient records (each study with the patient attributes it
/// holds), the recorded patient conflicts with their times, and the worklist entries (with new ids,
/// and only into a target without any). Instances already in the target are replaced, so running it
/// again copies what changed since. The source is only read.
/// Throws Error(invalid_argument) when both name the same index, Error(io) on a database failure.
MigrateCounts migrate_index(const std::string &from, const std::string &to, const IndexOptions &options = {});

/// SHA-256 (FIPS 180-4) as 64 lowercase hex digits.
std::string sha256_hex(const void *data, size_t size);
/// SHA-256 of a file's bytes. Throws Error(io) when it cannot be read.
std::string sha256_file(const std::string &path);

}  // namespace dcmkit::archive
