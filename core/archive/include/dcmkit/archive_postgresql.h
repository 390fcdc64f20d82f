// dcmkit — the archive's index on a PostgreSQL server (built with DCMKIT_WITH_POSTGRESQL, over
// libpq): what several `dcmkit serve` nodes share, with the files in one shared storage folder.
// Same behaviour as SqliteIndex (archive.h), proven by the same test suite.
#pragma once

#include <memory>
#include <string>

#include "dcmkit/archive.h"

namespace dcmkit::archive {

/// The index in a PostgreSQL database (version 12 or later, UTF-8 encoding), given by a libpq
/// connection string ("postgresql://user@host/db" or "host=... dbname=..."). The tables are those
/// of SqliteIndex, created when missing; the schema_version table records the migrations applied
/// (an index of a newer version than this dcmkit knows is refused). Thread-safe, with a pool of at
/// most IndexOptions::max_connections connections and prepared statements on each.
///
/// Several processes (nodes) may share one database: each add() is one READ COMMITTED transaction
/// holding advisory locks on its study, its SOP instance and its patient (Patient ID + Issuer),
/// so that two nodes ingesting the same study or patient at once end as if one had come first —
/// one study row, one patient record per demographics, every conflict recorded once. Rows are
/// upserted (INSERT ... ON CONFLICT); a deadlock or a concurrent writer's unique key makes the
/// transaction run again.
class PostgresIndex final : public Index {
public:
    /// Connects and creates or migrates the schema. Throws Error(io) when the database cannot be
    /// reached, Error(unsupported) for a newer schema or a database whose encoding is not UTF-8.
    explicit PostgresIndex(const std::string &conninfo, const IndexOptions &options = {});
    ~PostgresIndex() override;
    PostgresIndex(const PostgresIndex &) = delete;
    PostgresIndex &operator=(const PostgresIndex &) = delete;

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

    /// The schema version the database is at.
    int schema_version() const noexcept;
    /// Refreshes the query planner's statistics of the index's tables (ANALYZE), as autovacuum
    /// does a minute or so after they change much: after a bulk load (migrate_index calls it),
    /// before the first queries. Throws Error(io).
    void analyze();

    struct Impl;

private:
    friend db::SqlCore *db::core_of(Index &index) noexcept;
    std::unique_ptr<Impl> impl_;
};

}  // namespace dcmkit::archive
