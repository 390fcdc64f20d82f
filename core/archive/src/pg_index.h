// dcmkit archive — the PostgreSQL side of the SQL index (internal): PostgresIndex::Impl, the SqlCore
// with libpq connections (prepared statements, SQLSTATEs that ask for a retry), the schema and its
// migrations, and advisory locks between nodes. The index logic itself is SqlCore's (sql_core.h).
#pragma once

#include <string>

#include "dcmkit/archive_postgresql.h"
#include "sql_core.h"

namespace dcmkit::archive {

struct PostgresIndex::Impl final : db::SqlCore {
    std::string conninfo;
    IndexOptions options;
    int schema_version = 0;

    std::unique_ptr<db::Conn> open() override;
    void begin_write(db::Conn &c) override;
    void end_write(db::Conn &c, bool commit) override;
    void lock_keys(db::Conn &c, std::vector<std::string> keys) override;
    void migrate(db::Conn &c, db::LogLines &log);
    void set_max_connections(size_t n) { max_connections = n; }
};

namespace pg {
/// A statement in SQLite's spelling as PostgreSQL takes it: "?" and "?N" become "$N",
/// group_concat(x) string_agg(x, ','), instr strpos. `params` gets the number of parameters.
std::string translate(const std::string &sql, int &params);
}  // namespace pg

}  // namespace dcmkit::archive
