// dcmkit archive — what the SQLite index's sources share (internal): the connection and statement
// wrappers, SqliteIndex::Impl (connection pool, write transactions) and the patient attributes a
// study is filed under. index.cpp answers queries (C-FIND, C-MOVE/C-GET, Storage Commitment,
// worklist); index_store.cpp holds the schema, its upgrade and ingest (add, remove, conflicts).
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <cstdlib>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/dataset.h"

namespace dcmkit::archive::sqlite {

constexpr const char *kMatcherPointerType = "dk_key_matcher";

[[noreturn]] inline void fail(sqlite3 *db, const std::string &what) {
    throw Error(Errc::io, "index: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

struct Conn {
    sqlite3 *db = nullptr;
    std::unordered_map<std::string, sqlite3_stmt *> stmts;

    ~Conn() {
        for (auto &kv : stmts) sqlite3_finalize(kv.second);
        sqlite3_close_v2(db);
    }
    sqlite3_stmt *prepare(const std::string &sql) {
        auto it = stmts.find(sql);
        if (it != stmts.end()) return it->second;
        if (stmts.size() > 256) {  // dynamic query texts: keep the cache bounded
            for (auto &kv : stmts) sqlite3_finalize(kv.second);
            stmts.clear();
        }
        sqlite3_stmt *s = nullptr;
        if (sqlite3_prepare_v3(db, sql.c_str(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
            fail(db, "prepare " + sql);
        stmts.emplace(sql, s);
        return s;
    }
    void exec(const char *sql) {
        char *err = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw Error(Errc::io, std::string("index: ") + sql + ": " + msg);
        }
    }
};

struct Bind {
    enum Kind { text, integer, pointer } kind = text;
    std::string s;
    int64_t i = 0;
    const void *p = nullptr;
};

class Stmt {
public:
    Stmt(Conn &c, const std::string &sql) : db_(c.db), s_(c.prepare(sql)) {}
    ~Stmt() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    Stmt(const Stmt &) = delete;
    Stmt &operator=(const Stmt &) = delete;

    Stmt &bind(int i, std::string_view v) {
        check(sqlite3_bind_text(s_, i, v.data() ? v.data() : "", int(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Stmt &bind(int i, int64_t v) {
        check(sqlite3_bind_int64(s_, i, v));
        return *this;
    }
    Stmt &bind_null(int i) {
        check(sqlite3_bind_null(s_, i));
        return *this;
    }
    Stmt &bind_blob(int i, const std::vector<uint8_t> &v) {
        check(sqlite3_bind_blob(s_, i, v.empty() ? "" : static_cast<const void *>(v.data()), int(v.size()),
                                SQLITE_TRANSIENT));
        return *this;
    }
    void bind_all(const std::vector<Bind> &binds) {
        int i = 1;
        for (const auto &b : binds) {
            switch (b.kind) {
            case Bind::text: bind(i, b.s); break;
            case Bind::integer: bind(i, b.i); break;
            case Bind::pointer:
                check(sqlite3_bind_pointer(s_, i, const_cast<void *>(b.p), kMatcherPointerType, nullptr));
                break;
            }
            ++i;
        }
    }
    bool step() {
        int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail(db_, "step");
    }
    std::string text(int col) const {
        const unsigned char *t = sqlite3_column_text(s_, col);
        int n = sqlite3_column_bytes(s_, col);
        return t ? std::string(reinterpret_cast<const char *>(t), size_t(n)) : std::string();
    }
    int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
    /// The pk of the one row an INSERT ... RETURNING pk gives (`what` names the failure when there is
    /// none), the statement then run to its end.
    int64_t returned_pk(const char *what) {
        if (!step()) fail(db_, what);
        const int64_t pk = i64(0);
        while (step()) {
        }
        return pk;
    }
    bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
    std::vector<uint8_t> blob(int col) const {
        const auto *p = static_cast<const uint8_t *>(sqlite3_column_blob(s_, col));
        int n = sqlite3_column_bytes(s_, col);
        return p ? std::vector<uint8_t>(p, p + n) : std::vector<uint8_t>();
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) fail(db_, "bind");
    }
    sqlite3 *db_;
    sqlite3_stmt *s_;
};

/// A string attribute, "" when absent or not decodable.
inline std::string str_of(const Dataset &ds, uint32_t tag) {
    try {
        return ds.get_string_or(Tag(tag), "");
    } catch (const Error &) {
        return {};
    }
}

inline std::string require_uid(const Dataset &ds, uint32_t tag, const char *what) {
    std::string v = str_of(ds, tag);
    if (v.empty()) throw Error(Errc::invalid_argument, std::string("index: the dataset has no ") + what, -1, tag);
    return v;
}

inline std::optional<int64_t> int_of(const std::string &text) {
    if (text.empty()) return std::nullopt;
    char *end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (!end || *end != '\0') return std::nullopt;
    return v;
}

/// The patient attributes a study is filed under.
struct Demographics {
    std::string id, issuer, name, birth, sex;
    bool operator==(const Demographics &o) const {
        return id == o.id && issuer == o.issuer && name == o.name && birth == o.birth && sex == o.sex;
    }
};
// In Demographics' order.
inline constexpr Tag kDemographicTags[5] = {Tag(0x00100020), Tag(0x00100021), Tag(0x00100010),
                                            Tag(0x00100030), Tag(0x00100040)};

}  // namespace dcmkit::archive::sqlite

namespace dcmkit::archive {

struct SqliteIndex::Impl {
    using Conn = sqlite::Conn;
    using Demographics = sqlite::Demographics;

    std::string dir, path;
    SqliteIndexOptions options;
    std::mutex pool_mu;
    std::vector<std::unique_ptr<Conn>> free;
    std::mutex write_mu;

    /// A new connection: WAL, foreign keys, the dk_match() function (index.cpp).
    std::unique_ptr<Conn> open();

    class Lease {
    public:
        Lease(Impl &impl, std::unique_ptr<Conn> c) : impl_(impl), c_(std::move(c)) {}
        ~Lease() {
            std::lock_guard<std::mutex> lk(impl_.pool_mu);
            impl_.free.push_back(std::move(c_));
        }
        Conn &operator*() { return *c_; }
        Conn *operator->() { return c_.get(); }

    private:
        Impl &impl_;
        std::unique_ptr<Conn> c_;
    };

    Lease acquire() {
        {
            std::lock_guard<std::mutex> lk(pool_mu);
            if (!free.empty()) {
                auto c = std::move(free.back());
                free.pop_back();
                return Lease(*this, std::move(c));
            }
        }
        return Lease(*this, open());
    }

    /// A write transaction: one writer per process at a time (BEGIN IMMEDIATE also waits for other
    /// processes), rolled back unless committed.
    class WriteTxn {
    public:
        WriteTxn(Impl &impl, Conn &c) : lock_(impl.write_mu), c_(c) { c_.exec("BEGIN IMMEDIATE"); }
        ~WriteTxn() {
            if (!done_) sqlite3_exec(c_.db, "ROLLBACK", nullptr, nullptr, nullptr);
        }
        void commit() {
            c_.exec("COMMIT");
            done_ = true;
        }

    private:
        std::unique_lock<std::mutex> lock_;
        Conn &c_;
        bool done_ = false;
    };

    /// Lines for options.log, gathered under write_mu during a write transaction and handed out
    /// after it commits.
    std::vector<std::string> pending_log;

    void add_one(Conn &c, const InstanceRecord &r);
    void record_conflict(Conn &c, const Demographics &holder, Tag attribute, const std::string &stored,
                         const std::string &now, const std::string &stored_study, const std::string &study_uid,
                         const std::string &sop_uid);
    void check_patient_conflicts(Conn &c, const Demographics &d, int64_t patient_pk, const std::string &study_uid,
                                 const std::string &sop_uid);
    void create_or_upgrade(Conn &c);
    void flush_log(std::vector<std::string> &lines) {
        if (options.log)
            for (const auto &l : lines) options.log(l);
        lines.clear();
    }
    void prune(Conn &c, const std::vector<int64_t> &series, const std::vector<int64_t> &studies,
               const std::vector<int64_t> &patients);
};

}  // namespace dcmkit::archive
