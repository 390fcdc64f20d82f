// The archive index's backends for parameterised tests: every Index test runs against SQLite (a
// folder) and PostgreSQL (a fresh database in the throwaway cluster of pg_cluster.h), so that the
// same assertions prove the same behaviour.
//
//   class MyTest : public ::testing::TestWithParam<std::string> {};
//   TEST_P(MyTest, X) { DK_INDEX_OR_SKIP(index, GetParam(), dir.str()); index->add(...); }
//   INSTANTIATE_TEST_SUITE_P(Backends, MyTest, ::testing::ValuesIn(index_backends()), backend_name);
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dcmkit/archive.h"
#ifdef DCMKIT_HAVE_POSTGRESQL
#include "dcmkit/archive_postgresql.h"
#endif
#include "pg_cluster.h"

inline std::vector<std::string> index_backends() { return {"sqlite", "postgresql"}; }
inline std::string backend_name(const ::testing::TestParamInfo<std::string> &info) { return info.param; }

/// Why `backend` cannot run here ("" when it can): PostgreSQL needs the build option and postgresql-15.
inline std::string backend_unavailable(const std::string &backend) {
    if (backend != "postgresql") return {};
#ifndef DCMKIT_HAVE_POSTGRESQL
    return "built without PostgreSQL (DCMKIT_WITH_POSTGRESQL=OFF)";
#else
    PgCluster &pg = PgCluster::get();
    return pg.ok() ? std::string() : pg.why();
#endif
}

/// The index spec of a new, empty index of `backend`: the folder `dir` (SQLite) or a new database.
inline std::string new_index_spec(const std::string &backend, const std::string &dir) {
    if (backend == "sqlite") return dir;
    return PgCluster::get().create_database();
}

/// A new, empty index of `backend` (SQLite in `dir`).
inline std::unique_ptr<dcmkit::archive::Index> open_backend(const std::string &backend, const std::string &dir,
                                                            const dcmkit::archive::IndexOptions &options = {}) {
    if (backend == "sqlite") {
        dcmkit::archive::SqliteIndexOptions so;
        so.log = options.log;
        return std::make_unique<dcmkit::archive::SqliteIndex>(dir, so);
    }
#ifdef DCMKIT_HAVE_POSTGRESQL
    return std::make_unique<dcmkit::archive::PostgresIndex>(PgCluster::get().create_database(), options);
#else
    return nullptr;
#endif
}

#define DK_SKIP_UNLESS_BACKEND(backend)                                                   \
    do {                                                                                  \
        const std::string dk_why_ = backend_unavailable(backend);                         \
        if (!dk_why_.empty()) GTEST_SKIP() << (backend) << " backend: " << dk_why_;       \
    } while (0)
