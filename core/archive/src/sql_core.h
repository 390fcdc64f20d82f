// dcmkit archive — what the SQL indexes share (internal). The index logic (PS3.4 keys as SQL, ingest
// with the patient rules, worklist, Storage Commitment checks) is written once against a small
// connection interface (db::Conn, db::Stmt) in SqlCore; SQLite (sqlite_index.h) and PostgreSQL
// (pg_index.cpp) provide connections, the schema and write transactions. The SQL is SQLite's
// spelling where both databases accept it; the PostgreSQL connection rewrites the rest when it
// prepares a statement (placeholders, group_concat, instr), and the few places where the two
// differ in meaning (wild cards, PN matching, row locks) ask Conn::dialect().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/dataset.h"

namespace dcmkit::archive::db {

enum class Dialect { sqlite, postgresql };

/// A failure the database asks to retry the transaction for (deadlock, serialization failure, a
/// unique or foreign key violation from a concurrent writer): SqlCore::write runs it again.
class Retry : public Error {
public:
    explicit Retry(const std::string &message) : Error(Errc::io, message) {}
};

/// A prepared statement of one connection (kept by the connection, reused by SQL text).
class Cursor {
public:
    virtual ~Cursor() = default;
    virtual void bind_text(int i, std::string_view v) = 0;
    virtual void bind_int(int i, int64_t v) = 0;
    virtual void bind_null(int i) = 0;
    virtual void bind_blob(int i, const std::vector<uint8_t> &v) = 0;
    /// SQLite only: a pointer for dk_match().
    virtual void bind_pointer(int i, const void *p) = 0;
    virtual bool step() = 0;
    virtual std::string text(int col) const = 0;
    virtual int64_t i64(int col) const = 0;
    virtual bool is_null(int col) const = 0;
    virtual std::vector<uint8_t> blob(int col) const = 0;
    /// Back to unexecuted, bindings cleared.
    virtual void reset() = 0;
    /// Rows are fetched as step() asks for them rather than all at once (PostgreSQL's single-row
    /// mode: memory does not grow with a large C-FIND). No other statement may run on the
    /// connection until this one has ended (stepped to its end or reset).
    virtual void set_streaming(bool) {}
};

class Conn {
public:
    virtual ~Conn() = default;
    virtual Dialect dialect() const = 0;
    virtual Cursor &prepare(const std::string &sql) = 0;
    virtual void exec(const char *sql) = 0;
    /// False when the connection is lost (it is then dropped, not pooled again).
    virtual bool usable() const { return true; }
};

struct Bind {
    enum Kind { text, integer, pointer } kind = text;
    std::string s;
    int64_t i = 0;
    const void *p = nullptr;
};

class Stmt {
public:
    Stmt(Conn &c, const std::string &sql) : c_(c.prepare(sql)) {}
    ~Stmt() {
        c_.reset();
        c_.set_streaming(false);
    }
    Stmt(const Stmt &) = delete;
    Stmt &operator=(const Stmt &) = delete;

    Stmt &bind(int i, std::string_view v) {
        c_.bind_text(i, v);
        return *this;
    }
    Stmt &bind(int i, int64_t v) {
        c_.bind_int(i, v);
        return *this;
    }
    Stmt &bind_null(int i) {
        c_.bind_null(i);
        return *this;
    }
    Stmt &bind_blob(int i, const std::vector<uint8_t> &v) {
        c_.bind_blob(i, v);
        return *this;
    }
    void bind_all(const std::vector<Bind> &binds) {
        int i = 1;
        for (const auto &b : binds) {
            switch (b.kind) {
            case Bind::text: c_.bind_text(i, b.s); break;
            case Bind::integer: c_.bind_int(i, b.i); break;
            case Bind::pointer: c_.bind_pointer(i, b.p); break;
            }
            ++i;
        }
    }
    /// See Cursor::set_streaming.
    Stmt &stream() {
        c_.set_streaming(true);
        return *this;
    }
    bool step() { return c_.step(); }
    std::string text(int col) const { return c_.text(col); }
    int64_t i64(int col) const { return c_.i64(col); }
    bool is_null(int col) const { return c_.is_null(col); }
    std::vector<uint8_t> blob(int col) const { return c_.blob(col); }
    /// The pk of the one row an INSERT ... RETURNING pk gives (`what` names the failure when there is
    /// none), the statement then run to its end.
    int64_t returned_pk(const char *what) {
        if (!step()) throw Error(Errc::io, std::string("index: ") + what + ": no row returned");
        const int64_t pk = i64(0);
        while (step()) {
        }
        return pk;
    }

private:
    Cursor &c_;
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

/// Lines for the log, gathered during a write transaction and handed out after it commits.
using LogLines = std::vector<std::string>;

/// The index over SQL: a connection pool, write transactions (the backend's), and every Index
/// operation written once.
class SqlCore {
public:
    virtual ~SqlCore();

    /// A connection of the pool, returned to it when the lease ends (dropped when unusable).
    class Lease {
    public:
        Lease(SqlCore &core, std::unique_ptr<Conn> c) : core_(&core), c_(std::move(c)) {}
        Lease(Lease &&o) noexcept : core_(o.core_), c_(std::move(o.c_)) {}
        Lease &operator=(Lease &&) = delete;
        ~Lease() {
            if (c_) core_->release(std::move(c_));
        }
        Conn &operator*() { return *c_; }
        Conn *operator->() { return c_.get(); }

    private:
        SqlCore *core_;
        std::unique_ptr<Conn> c_;
    };
    Lease acquire();

    /// Runs `body` in a write transaction: rolled back when it throws, committed when it returns;
    /// run again (a bounded number of times) when the database throws db::Retry. The log lines it
    /// gathered are handed to `log` after the commit.
    void write(const std::function<void(Conn &, LogLines &)> &body);

    std::function<void(const std::string &message)> on_log;

    // -- Index, written once (index.cpp: queries; index_store.cpp: ingest) -----------------------
    void add(const std::vector<InstanceRecord> &records);
    bool remove(const std::string &sop_instance_uid);
    void find(Level level, const Dataset &identifier, Root root, const std::function<bool(Dataset &&)> &on_match,
              const FindOptions &options);
    std::vector<FileRef> files_for(Level level, const Dataset &identifier, Root root);
    Verification verify(const std::string &sop_class_uid, const std::string &sop_instance_uid);
    int64_t add_worklist_item(const Dataset &item);
    bool remove_worklist_item(int64_t id);
    void find_worklist(const Dataset &identifier, const std::function<bool(Dataset &&)> &on_match,
                       const FindOptions &options);
    size_t set_procedure_step_status(const std::string &scheduled_procedure_step_id, const std::string &status,
                                     const std::string &requested_procedure_id);
    std::vector<int64_t> put_worklist_order(const std::string &order_key, const std::vector<Dataset> &items);
    std::vector<Dataset> worklist_order(const std::string &order_key);
    size_t update_worklist_patient(const std::string &patient_id, const std::string &issuer, const Dataset &demographics);
    IndexStats stats();
    std::vector<PatientConflict> conflicts();

    /// Indexes one instance inside a write transaction.
    void add_one(Conn &c, const InstanceRecord &r, LogLines &log);

    /// What migrate_index() copies: every instance as an InstanceRecord whose dataset holds the
    /// attributes the index keeps (in the order they were indexed), in batches of `batch`.
    void export_instances(size_t batch, const std::function<void(std::vector<InstanceRecord> &&)> &sink);
    /// Every worklist entry, oldest first, with the order it was made from ("" for none).
    std::vector<std::pair<std::string, Dataset>> export_worklist();
    /// Adds recorded conflicts as they are (their time kept); duplicates are ignored.
    void import_conflicts(const std::vector<PatientConflict> &list);

protected:
    /// Connections: how many at most (0: no bound), and how long a caller waits for one.
    size_t max_connections = 0;
    std::chrono::milliseconds connection_wait{30000};

    virtual std::unique_ptr<Conn> open() = 0;
    /// A write transaction's start, end and abandon (SQLite: BEGIN IMMEDIATE under a process-wide
    /// mutex; PostgreSQL: BEGIN, READ COMMITTED, with advisory locks taken by lock_keys).
    virtual void begin_write(Conn &c) = 0;
    virtual void end_write(Conn &c, bool commit) = 0;
    /// Serialises the writers of the same study, patient and instance across nodes (PostgreSQL);
    /// nothing for SQLite, whose writers are serialised already.
    virtual void lock_keys(Conn &c, std::vector<std::string> keys);

private:
    void release(std::unique_ptr<Conn> c);
    void record_conflict(Conn &c, const Demographics &holder, Tag attribute, const std::string &stored,
                         const std::string &now, const std::string &stored_study, const std::string &study_uid,
                         const std::string &sop_uid, LogLines &log);
    void check_patient_conflicts(Conn &c, const Demographics &d, int64_t patient_pk, const std::string &study_uid,
                                 const std::string &sop_uid, LogLines &log);
    void prune(Conn &c, const std::vector<int64_t> &series, const std::vector<int64_t> &studies,
               const std::vector<int64_t> &patients);

    std::mutex pool_mu_;
    std::condition_variable pool_cv_;
    std::vector<std::unique_ptr<Conn>> free_;
    size_t open_count_ = 0;
};

/// The keys lock_keys() takes for an instance: its study, its SOP instance and its patient.
std::vector<std::string> lock_keys_of(const InstanceRecord &r);

/// The SQL core behind an Index of ours (SqliteIndex, PostgresIndex); nullptr for another Index.
SqlCore *core_of(Index &index) noexcept;

}  // namespace dcmkit::archive::db
