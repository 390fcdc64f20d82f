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
class PostgresIndex final : public SqlIndex {
public:
    /// Connects and creates or migrates the schema. Throws Error(io) when the database cannot be
    /// reached, Error(unsupported) for a newer schema or a database whose encoding is not UTF-8.
    explicit PostgresIndex(const std::string &conninfo, const IndexOptions &options = {});
    ~PostgresIndex() override;
    PostgresIndex(const PostgresIndex &) = delete;
    PostgresIndex &operator=(const PostgresIndex &) = delete;


    /// The schema version the database is at.
    int schema_version() const noexcept;
    /// Refreshes the query planner's statistics of the index's tables (ANALYZE), as autovacuum
    /// does a minute or so after they change much: after a bulk load (migrate_index calls it),
    /// before the first queries. Throws Error(io).
    void analyze();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace dcmkit::archive
