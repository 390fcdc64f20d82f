// dcmkit archive — PostgresIndex: the SQL index (sql_core.h) over libpq. Connections with prepared
// statements, the schema with versioned migrations (schema_version), write transactions that
// several nodes run at once (READ COMMITTED, advisory locks on study, instance and patient, a
// retry when the server reports a deadlock or a concurrent writer's key).
#include "dcmkit/lazy_library.h"
#include "pg_index.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <unordered_map>

namespace dcmkit::archive {

namespace pg {

std::string translate(const std::string &sql, int &params) {
    std::string out;
    out.reserve(sql.size() + 16);
    int next = 0;
    params = 0;
    bool quoted = false;
    for (size_t i = 0; i < sql.size(); ++i) {
        const char ch = sql[i];
        if (quoted) {
            out += ch;
            if (ch == '\'') quoted = false;
            continue;
        }
        if (ch == '\'') {
            quoted = true;
            out += ch;
            continue;
        }
        if (ch == '?') {
            size_t j = i + 1;
            while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
            const int n = j > i + 1 ? std::atoi(sql.substr(i + 1, j - i - 1).c_str()) : ++next;
            out += "$" + std::to_string(n);
            params = std::max(params, n);
            i = j - 1;
            continue;
        }
        const bool word_start = i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_');
        if (word_start && sql.compare(i, 13, "group_concat(") == 0) {
            // Up to the matching parenthesis, then the separator group_concat implies.
            out += "string_agg(";
            int depth = 1;
            size_t j = i + 13;
            std::string inner;
            for (; j < sql.size() && depth; ++j) {
                if (sql[j] == '(') ++depth;
                if (sql[j] == ')' && --depth == 0) break;
                inner += sql[j];
            }
            int inner_params = 0;
            out += translate(inner, inner_params) + ", ',')";
            params = std::max(params, inner_params);
            i = j;
            continue;
        }
        if (word_start && sql.compare(i, 6, "instr(") == 0) {
            out += "strpos(";
            i += 5;
            continue;
        }
        out += ch;
    }
    return out;
}

namespace {

bool retryable(const char *sqlstate) {
    if (!sqlstate) return false;
    // 40001 serialization failure, 40P01 deadlock, 23505 unique violation and 23503 foreign key
    // violation (a concurrent node inserted or pruned the same row first), 55P03 lock not available.
    return !std::strcmp(sqlstate, "40001") || !std::strcmp(sqlstate, "40P01") || !std::strcmp(sqlstate, "23505") ||
           !std::strcmp(sqlstate, "23503") || !std::strcmp(sqlstate, "55P03");
}

class Conn;

class Cursor final : public db::Cursor {
public:
    Cursor(Conn &c, std::string name, int params, std::string sql)
        : c_(c), name_(std::move(name)), sql_(std::move(sql)), values_(size_t(params)), set_(size_t(params), 0),
          formats_(size_t(params), 0) {}
    ~Cursor() override { clear(); }
    void bind_text(int i, std::string_view v) override { put(i, std::string(v), 0); }
    void bind_int(int i, int64_t v) override { put(i, std::to_string(v), 0); }
    void bind_null(int i) override {
        check_index(i);
        set_[size_t(i - 1)] = 2;
    }
    void bind_blob(int i, const std::vector<uint8_t> &v) override {
        put(i, std::string(reinterpret_cast<const char *>(v.data()), v.size()), 1);
    }
    void bind_pointer(int, const void *) override {
        throw Error(Errc::invalid_argument, "index: a pointer parameter on PostgreSQL");
    }
    bool step() override;
    std::string text(int col) const override {
        if (!res_ || PQgetisnull(res_, row_, col)) return {};
        return std::string(PQgetvalue(res_, row_, col), size_t(PQgetlength(res_, row_, col)));
    }
    int64_t i64(int col) const override {
        if (!res_ || PQgetisnull(res_, row_, col)) return 0;
        return std::strtoll(PQgetvalue(res_, row_, col), nullptr, 10);
    }
    bool is_null(int col) const override { return !res_ || PQgetisnull(res_, row_, col); }
    std::vector<uint8_t> blob(int col) const override {
        // bytea in text form: "\x" and two hex digits a byte.
        std::vector<uint8_t> out;
        if (!res_ || PQgetisnull(res_, row_, col)) return out;
        const char *v = PQgetvalue(res_, row_, col);
        const size_t n = size_t(PQgetlength(res_, row_, col));
        if (n < 2 || v[0] != '\\' || v[1] != 'x') throw Error(Errc::io, "index: a bytea value not in hex form");
        auto hex = [](char h) { return h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10; };
        out.reserve((n - 2) / 2);
        for (size_t k = 2; k + 1 < n; k += 2) out.push_back(uint8_t(hex(v[k]) << 4 | hex(v[k + 1])));
        return out;
    }
    void reset() override {
        if (active_) finish();  // the rest of a streamed result is read and dropped
        clear();
        done_ = false;
        std::fill(set_.begin(), set_.end(), 0);
    }
    void set_streaming(bool on) override { streaming_ = on; }

private:
    void check_index(int i) const {
        if (i < 1 || size_t(i) > values_.size())
            throw Error(Errc::invalid_argument, "index: parameter " + std::to_string(i) + " of " + sql_);
    }
    void put(int i, std::string v, int format) {
        check_index(i);
        values_[size_t(i - 1)] = std::move(v);
        set_[size_t(i - 1)] = 1;
        formats_[size_t(i - 1)] = format;
    }
    void clear() {
        if (res_) PQclear(res_);
        res_ = nullptr;
        row_ = -1;
    }

    Conn &c_;
    std::string name_, sql_;
    std::vector<std::string> values_;
    std::vector<char> set_;  // 0 unset, 1 value, 2 NULL
    std::vector<int> formats_;
    PGresult *res_ = nullptr;
    int row_ = -1;
    bool streaming_ = false, active_ = false, done_ = false;

    std::vector<const char *> params(std::vector<int> &lens) const;
    bool step_streaming();
    void finish();
};

class Conn final : public db::Conn {
public:
    explicit Conn(PGconn *pg) : pg_(pg) {}
    ~Conn() override {
        stmts_.clear();
        PQfinish(pg_);
    }
    db::Dialect dialect() const override { return db::Dialect::postgresql; }
    bool usable() const override { return PQstatus(pg_) == CONNECTION_OK && PQtransactionStatus(pg_) == PQTRANS_IDLE; }
    PGconn *pg() const { return pg_; }

    db::Cursor &prepare(const std::string &sql) override {
        auto it = stmts_.find(sql);
        if (it != stmts_.end()) return *it->second;
        if (stmts_.size() > 256 && PQtransactionStatus(pg_) == PQTRANS_IDLE) {  // dynamic texts: bounded cache
            stmts_.clear();
            exec("DEALLOCATE ALL");
        }
        int params = 0;
        const std::string text = translate(sql, params);
        const std::string name = "dk" + std::to_string(++serial_);
        PGresult *r = PQprepare(pg_, name.c_str(), text.c_str(), 0, nullptr);
        check(r, PGRES_COMMAND_OK, "prepare " + text);
        PQclear(r);
        return *stmts_.emplace(sql, std::make_unique<Cursor>(*this, name, params, text)).first->second;
    }
    void exec(const char *sql) override {
        PGresult *r = PQexec(pg_, sql);
        const ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK) check(r, PGRES_COMMAND_OK, sql);
        PQclear(r);
    }
    /// Throws (db::Retry when the server asks for it) unless `r` has status `want`; frees `r` then.
    void check(PGresult *r, ExecStatusType want, const std::string &what) {
        if (r && PQresultStatus(r) == want) return;
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
        std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(pg_);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        const bool retry = retryable(state);
        const std::string full = "index: " + what.substr(0, 200) + ": " + msg + (state ? std::string(" [") + state + "]" : "");
        if (r) PQclear(r);
        if (retry) throw db::Retry(full);
        throw Error(Errc::io, full);
    }

private:
    PGconn *pg_;
    std::unordered_map<std::string, std::unique_ptr<Cursor>> stmts_;
    uint64_t serial_ = 0;
};

std::vector<const char *> Cursor::params(std::vector<int> &lens) const {
    std::vector<const char *> vals(values_.size());
    lens.assign(values_.size(), 0);
    for (size_t k = 0; k < values_.size(); ++k) {
        if (set_[k] == 0)
            throw Error(Errc::invalid_argument, "index: parameter " + std::to_string(k + 1) + " unbound in " + sql_);
        vals[k] = set_[k] == 2 ? nullptr : values_[k].c_str();
        lens[k] = int(values_[k].size());
    }
    return vals;
}

bool Cursor::step() {
    if (streaming_) return step_streaming();
    if (row_ < 0 && !res_) {
        std::vector<int> lens;
        const std::vector<const char *> vals = params(lens);
        PGresult *r = PQexecPrepared(c_.pg(), name_.c_str(), int(vals.size()), vals.data(), lens.data(),
                                     formats_.data(), 0);
        const ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) c_.check(r, PGRES_TUPLES_OK, sql_);
        res_ = r;
    }
    if (++row_ < PQntuples(res_)) return true;
    row_ = PQntuples(res_);
    return false;
}

bool Cursor::step_streaming() {
    if (done_) return false;
    if (!active_) {
        std::vector<int> lens;
        const std::vector<const char *> vals = params(lens);
        if (!PQsendQueryPrepared(c_.pg(), name_.c_str(), int(vals.size()), vals.data(), lens.data(), formats_.data(), 0))
            c_.check(nullptr, PGRES_TUPLES_OK, sql_);
        active_ = true;
        PQsetSingleRowMode(c_.pg());
    }
    clear();
    PGresult *r = PQgetResult(c_.pg());
    const ExecStatusType st = r ? PQresultStatus(r) : PGRES_TUPLES_OK;
    if (st == PGRES_SINGLE_TUPLE) {
        res_ = r;
        row_ = 0;
        return true;
    }
    finish();
    done_ = true;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        if (r) PQclear(r);
        return false;
    }
    c_.check(r, PGRES_TUPLES_OK, sql_);  // throws
    return false;
}

void Cursor::finish() {
    while (PGresult *r = PQgetResult(c_.pg())) PQclear(r);
    active_ = false;
}

void quiet(void *, const char *) {}  // NOTICEs ("relation already exists, skipping") are not errors

constexpr int64_t kSchemaLock = 0x64636b6974736368;  // "dckitsch": the migrations, one node at a time

// Version 1: the tables of SqliteIndex schema version 2 (see index_store.cpp), TEXT compared
// bytewise ("C" collation: ranges over normalised dates and times, GLOB-like case sensitivity).
const char *const kMigration1 = R"SQL(
CREATE TABLE patient(
  pk bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  patient_id TEXT NOT NULL,
  issuer TEXT NOT NULL,
  patient_name TEXT NOT NULL,
  birth_date TEXT NOT NULL,
  birth_date_key TEXT NOT NULL,
  sex TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  UNIQUE(patient_id, issuer, study_uid, patient_name, birth_date, sex));
CREATE TABLE study(
  pk bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  patient_pk bigint NOT NULL REFERENCES patient(pk),
  study_uid TEXT NOT NULL UNIQUE,
  study_date TEXT NOT NULL,
  study_date_key TEXT NOT NULL,
  study_time TEXT NOT NULL,
  study_time_key TEXT NOT NULL,
  accession TEXT NOT NULL,
  study_id TEXT NOT NULL,
  description TEXT NOT NULL,
  referring TEXT NOT NULL);
CREATE INDEX study_patient ON study(patient_pk);
CREATE INDEX study_date ON study(study_date_key);
CREATE INDEX study_accession ON study(accession);
CREATE TABLE series(
  pk bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  study_pk bigint NOT NULL REFERENCES study(pk),
  series_uid TEXT NOT NULL UNIQUE,
  modality TEXT NOT NULL,
  series_number bigint,
  series_number_text TEXT NOT NULL,
  description TEXT NOT NULL,
  series_date TEXT NOT NULL,
  series_date_key TEXT NOT NULL,
  series_time TEXT NOT NULL,
  series_time_key TEXT NOT NULL,
  body_part TEXT NOT NULL);
CREATE INDEX series_study ON series(study_pk);
CREATE TABLE instance(
  pk bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  series_pk bigint NOT NULL REFERENCES series(pk),
  sop_instance_uid TEXT NOT NULL UNIQUE,
  sop_class_uid TEXT NOT NULL,
  instance_number bigint,
  instance_number_text TEXT NOT NULL,
  path TEXT NOT NULL,
  size bigint NOT NULL,
  transfer_syntax TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  indexed_at TEXT NOT NULL DEFAULT NOW_UTC);
CREATE INDEX instance_series ON instance(series_pk);
CREATE TABLE patient_conflict(
  pk bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  patient_id TEXT NOT NULL,
  issuer TEXT NOT NULL,
  attribute bigint NOT NULL,
  stored_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  stored_study_uid TEXT NOT NULL,
  study_uid TEXT NOT NULL,
  sop_instance_uid TEXT NOT NULL,
  recorded_at TEXT NOT NULL DEFAULT NOW_UTC,
  UNIQUE(study_uid, attribute, stored_value, new_value));
CREATE TABLE worklist(
  pk bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  patient_id TEXT NOT NULL,
  accession TEXT NOT NULL,
  requested_procedure_id TEXT NOT NULL,
  sps_ids TEXT NOT NULL,
  item bytea NOT NULL);
)SQL";

struct Migration {
    int version;
    const char *description;
    const char *sql;
};
// Worklist entries made from orders (HL7), by order: what an order's later messages change.
const char *const kMigration2 = R"SQL(
CREATE TABLE worklist_order(
  worklist_pk bigint PRIMARY KEY,
  order_key TEXT NOT NULL);
CREATE INDEX worklist_order_key ON worklist_order(order_key);
)SQL";

const Migration kMigrations[] = {
    {1, "patient, study, series, instance, patient_conflict, worklist", kMigration1},
    {2, "worklist_order", kMigration2},
};

std::string expand(const char *sql) {
    std::string s = sql;
    auto replace_all = [&](const std::string &from, const std::string &to) {
        for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
    };
    replace_all("NOW_UTC", "(to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))");
    replace_all(" TEXT ", " text COLLATE \"C\" ");
    return s;
}

uint64_t fnv1a(const std::string &s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : s) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace
}  // namespace pg

// -- PostgresIndex::Impl ---------------------------------------------------------------------------------

std::unique_ptr<db::Conn> PostgresIndex::Impl::open() {
    lazy::require("pq", "The archive index on PostgreSQL");
    PGconn *raw = PQconnectdb(conninfo.c_str());
    if (!raw) throw Error(Errc::io, "index: out of memory connecting to PostgreSQL");
    auto c = std::make_unique<pg::Conn>(raw);
    if (PQstatus(raw) != CONNECTION_OK) {
        std::string msg = PQerrorMessage(raw);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        throw Error(Errc::io, "index: cannot connect to PostgreSQL: " + msg);
    }
    PQsetNoticeProcessor(raw, pg::quiet, nullptr);
    if (PQsetClientEncoding(raw, "UTF8") != 0) throw Error(Errc::io, "index: PostgreSQL refuses client_encoding UTF8");
    const char *enc = PQparameterStatus(raw, "server_encoding");
    if (!enc || std::strcmp(enc, "UTF8") != 0)
        throw Error(Errc::unsupported, std::string("index: the PostgreSQL database's encoding is ") + (enc ? enc : "?") +
                                           ", not UTF8 (values are stored and matched as UTF-8: CREATE DATABASE ... "
                                           "ENCODING 'UTF8')");
    if (PQserverVersion(raw) < 120000)
        throw Error(Errc::unsupported, "index: PostgreSQL " + std::to_string(PQserverVersion(raw)) +
                                           " is too old (12 or later: generated identity columns, ON CONFLICT)");
    return c;
}

void PostgresIndex::Impl::begin_write(db::Conn &c) { c.exec("BEGIN ISOLATION LEVEL READ COMMITTED"); }

void PostgresIndex::Impl::end_write(db::Conn &c, bool commit) {
    if (commit) {
        c.exec("COMMIT");
        return;
    }
    auto &pc = static_cast<pg::Conn &>(c);
    if (PQstatus(pc.pg()) == CONNECTION_OK) PQclear(PQexec(pc.pg(), "ROLLBACK"));
}

void PostgresIndex::Impl::lock_keys(db::Conn &c, std::vector<std::string> keys) {
    // In one order (deadlock-free between batches); a hash collision only serialises more.
    std::vector<int64_t> h;
    for (const auto &k : keys) h.push_back(int64_t(pg::fnv1a(k)));
    std::sort(h.begin(), h.end());
    h.erase(std::unique(h.begin(), h.end()), h.end());
    if (h.empty()) return;
    std::string array = "{";
    for (size_t i = 0; i < h.size(); ++i) array += (i ? "," : "") + std::to_string(h[i]);
    array += "}";
    db::Stmt s(c, "SELECT pg_advisory_xact_lock(k) FROM unnest(?::bigint[]) AS t(k)");
    s.bind(1, array);
    while (s.step()) {
    }
}

void PostgresIndex::Impl::migrate(db::Conn &c, db::LogLines &log) {
    {
        db::Stmt s(c, "SELECT pg_advisory_xact_lock(?)");
        s.bind(1, pg::kSchemaLock);
        while (s.step()) {
        }
    }
    c.exec("CREATE TABLE IF NOT EXISTS schema_version(version integer PRIMARY KEY, description text NOT NULL, "
           "applied_at timestamptz NOT NULL DEFAULT now())");
    int version = 0;
    {
        db::Stmt s(c, "SELECT COALESCE(max(version), 0) FROM schema_version");
        if (s.step()) version = int(s.i64(0));
    }
    const int latest = std::end(pg::kMigrations)[-1].version;
    if (version > latest)
        throw Error(Errc::unsupported, "index: the PostgreSQL index has schema version " + std::to_string(version) +
                                           "; this dcmkit knows up to " + std::to_string(latest));
    const bool created = version == 0;  // a new database is created silently, as a new SQLite index is
    for (const auto &m : pg::kMigrations) {
        if (m.version <= version) continue;
        c.exec(pg::expand(m.sql).c_str());
        db::Stmt(c, "INSERT INTO schema_version(version, description) VALUES(?, ?)")
            .bind(1, int64_t(m.version))
            .bind(2, m.description)
            .step();
        if (!created)
            log.push_back("index: PostgreSQL schema migrated to version " + std::to_string(m.version) + " (" +
                      m.description + ")");
        version = m.version;
    }
    schema_version = version;
}

// -- PostgresIndex ------------------------------------------------------------------------------------

PostgresIndex::PostgresIndex(const std::string &conninfo, const IndexOptions &options)
    : impl_(std::make_unique<Impl>()) {
    impl_->conninfo = conninfo;
    impl_->options = options;
    impl_->on_log = options.log;
    impl_->set_max_connections(size_t(std::max(1, options.max_connections)));
    impl_->write([&](db::Conn &c, db::LogLines &log) { impl_->migrate(c, log); });
    core_ = impl_.get();
}

PostgresIndex::~PostgresIndex() = default;

int PostgresIndex::schema_version() const noexcept { return impl_->schema_version; }

void PostgresIndex::analyze() {
    auto c = impl_->acquire();
    c->exec("ANALYZE patient, study, series, instance, patient_conflict, worklist");
}

}  // namespace dcmkit::archive
