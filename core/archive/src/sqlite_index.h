// dcmkit archive — the SQLite side of the SQL index (internal): its connection and statements
// (db::Conn over sqlite3) and SqliteIndex::Impl, the SqlCore with SQLite's schema (index_store.cpp)
// and write transactions. The index logic itself is SqlCore's (sql_core.h).
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "dcmkit/archive.h"
#include "sql_core.h"

namespace dcmkit::archive::sqlite {

constexpr const char *kMatcherPointerType = "dk_key_matcher";

[[noreturn]] inline void fail(sqlite3 *db, const std::string &what) {
    throw Error(Errc::io, "index: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

class Cursor final : public db::Cursor {
public:
    Cursor(sqlite3 *db, sqlite3_stmt *s) : db_(db), s_(s) {}
    ~Cursor() override { sqlite3_finalize(s_); }
    void bind_text(int i, std::string_view v) override {
        check(sqlite3_bind_text(s_, i, v.data() ? v.data() : "", int(v.size()), SQLITE_TRANSIENT));
    }
    void bind_int(int i, int64_t v) override { check(sqlite3_bind_int64(s_, i, v)); }
    void bind_null(int i) override { check(sqlite3_bind_null(s_, i)); }
    void bind_blob(int i, const std::vector<uint8_t> &v) override {
        check(sqlite3_bind_blob(s_, i, v.empty() ? "" : static_cast<const void *>(v.data()), int(v.size()),
                                SQLITE_TRANSIENT));
    }
    void bind_pointer(int i, const void *p) override {
        check(sqlite3_bind_pointer(s_, i, const_cast<void *>(p), kMatcherPointerType, nullptr));
    }
    bool step() override {
        int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail(db_, "step");
    }
    std::string text(int col) const override {
        const unsigned char *t = sqlite3_column_text(s_, col);
        int n = sqlite3_column_bytes(s_, col);
        return t ? std::string(reinterpret_cast<const char *>(t), size_t(n)) : std::string();
    }
    int64_t i64(int col) const override { return sqlite3_column_int64(s_, col); }
    bool is_null(int col) const override { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
    std::vector<uint8_t> blob(int col) const override {
        const auto *p = static_cast<const uint8_t *>(sqlite3_column_blob(s_, col));
        int n = sqlite3_column_bytes(s_, col);
        return p ? std::vector<uint8_t>(p, p + n) : std::vector<uint8_t>();
    }
    void reset() override {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) fail(db_, "bind");
    }
    sqlite3 *db_;
    sqlite3_stmt *s_;
};

struct Conn final : db::Conn {
    sqlite3 *db = nullptr;
    std::unordered_map<std::string, std::unique_ptr<Cursor>> stmts;

    ~Conn() override {
        stmts.clear();
        sqlite3_close_v2(db);
    }
    db::Dialect dialect() const override { return db::Dialect::sqlite; }
    db::Cursor &prepare(const std::string &sql) override {
        auto it = stmts.find(sql);
        if (it != stmts.end()) return *it->second;
        if (stmts.size() > 256) stmts.clear();  // dynamic query texts: keep the cache bounded
        sqlite3_stmt *s = nullptr;
        if (sqlite3_prepare_v3(db, sql.c_str(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
            fail(db, "prepare " + sql);
        return *stmts.emplace(sql, std::make_unique<Cursor>(db, s)).first->second;
    }
    void exec(const char *sql) override {
        char *err = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw Error(Errc::io, std::string("index: ") + sql + ": " + msg);
        }
    }
};

}  // namespace dcmkit::archive::sqlite

namespace dcmkit::archive {

struct SqliteIndex::Impl final : db::SqlCore {
    std::string dir, path;
    SqliteIndexOptions options;
    std::mutex write_mu;
    std::unique_lock<std::mutex> write_lock{write_mu, std::defer_lock};

    /// A new connection: WAL, foreign keys, the dk_match() function (index.cpp).
    std::unique_ptr<db::Conn> open() override;
    /// One writer per process at a time; BEGIN IMMEDIATE also waits for other processes.
    void begin_write(db::Conn &c) override {
        std::unique_lock<std::mutex> lk(write_mu);
        c.exec("BEGIN IMMEDIATE");
        write_lock = std::move(lk);
    }
    void end_write(db::Conn &c, bool commit) override {
        std::unique_lock<std::mutex> lk = std::move(write_lock);
        if (commit) {
            c.exec("COMMIT");
        } else {
            sqlite3_exec(static_cast<sqlite::Conn &>(c).db, "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }
    void create_or_upgrade(db::Conn &c, db::LogLines &log);
};

}  // namespace dcmkit::archive
