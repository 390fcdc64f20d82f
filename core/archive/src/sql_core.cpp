// dcmkit archive — SqlCore's connection pool and write transactions, SqliteIndex's calls (SqlCore's),
// open_index() and migrate_index().
#include "sql_core.h"

#include <map>
#include <sys/stat.h>

#include <thread>

#include "dcmkit/archive.h"
#include "sqlite_index.h"
#ifdef DCMKIT_HAVE_POSTGRESQL
#include "dcmkit/archive_postgresql.h"
#include "pg_index.h"
#endif

namespace dcmkit::archive {

namespace db {

SqlCore::~SqlCore() = default;

SqlCore::Lease SqlCore::acquire() {
    {
        std::unique_lock<std::mutex> lk(pool_mu_);
        if (max_connections && free_.empty() && open_count_ >= max_connections &&
            !pool_cv_.wait_for(lk, connection_wait, [&] { return !free_.empty() || open_count_ < max_connections; }))
            throw Error(Errc::io, "index: no database connection free after " +
                                      std::to_string(connection_wait.count()) + " ms (" +
                                      std::to_string(max_connections) + " in use)");
        if (!free_.empty()) {
            auto c = std::move(free_.back());
            free_.pop_back();
            return Lease(*this, std::move(c));
        }
        ++open_count_;
    }
    try {
        return Lease(*this, open());
    } catch (...) {
        std::lock_guard<std::mutex> lk(pool_mu_);
        --open_count_;
        pool_cv_.notify_one();
        throw;
    }
}

void SqlCore::release(std::unique_ptr<Conn> c) {
    std::lock_guard<std::mutex> lk(pool_mu_);
    if (c->usable()) {
        free_.push_back(std::move(c));
    } else {
        --open_count_;
        c.reset();
    }
    pool_cv_.notify_one();
}

void SqlCore::write(const std::function<void(Conn &, LogLines &)> &body) {
    constexpr int kAttempts = 50;
    for (int attempt = 1;; ++attempt) {
        LogLines lines;
        {
            auto c = acquire();
            begin_write(*c);
            try {
                body(*c, lines);
                end_write(*c, true);
            } catch (const Retry &e) {
                try {
                    end_write(*c, false);
                } catch (const Error &) {
                }
                if (attempt >= kAttempts)
                    throw Error(Errc::io, std::string(e.what()) + " (after " + std::to_string(attempt) + " attempts)");
                std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempt, 20) * 2 + attempt % 3));
                continue;
            } catch (...) {
                try {
                    end_write(*c, false);
                } catch (const Error &) {
                }
                throw;
            }
        }
        if (on_log)
            for (const auto &l : lines) on_log(l);
        return;
    }
}

void SqlCore::export_instances(size_t batch, const std::function<void(std::vector<InstanceRecord> &&)> &sink) {
    auto c = acquire();
    Stmt s(*c, "SELECT p.patient_id, p.issuer, p.patient_name, p.birth_date, p.sex, st.study_uid, st.study_date, "
               "st.study_time, st.accession, st.study_id, st.description, st.referring, se.series_uid, se.modality, "
               "se.series_number_text, se.description, se.series_date, se.series_time, se.body_part, "
               "i.sop_instance_uid, i.sop_class_uid, i.instance_number_text, i.path, i.size, i.transfer_syntax, "
               "i.sha256 FROM instance i JOIN series se ON se.pk=i.series_pk JOIN study st ON st.pk=se.study_pk "
               "JOIN patient p ON p.pk=st.patient_pk ORDER BY i.pk");
    static const uint32_t kTags[] = {0x00100020, 0x00100021, 0x00100010, 0x00100030, 0x00100040, 0x0020000D,
                                     0x00080020, 0x00080030, 0x00080050, 0x00200010, 0x00081030, 0x00080090,
                                     0x0020000E, 0x00080060, 0x00200011, 0x0008103E, 0x00080021, 0x00080031,
                                     0x00180015, 0x00080018, 0x00080016, 0x00200013};
    std::vector<InstanceRecord> out;
    while (s.step()) {
        InstanceRecord r;
        r.dataset.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
        for (int k = 0; k < int(sizeof kTags / sizeof kTags[0]); ++k) {
            const std::string v = s.text(k);
            if (!v.empty()) r.dataset.set_string(Tag(kTags[k]), v);
        }
        r.path = s.text(22);
        r.size = uint64_t(s.i64(23));
        r.transfer_syntax = s.text(24);
        r.sha256 = s.text(25);
        out.push_back(std::move(r));
        if (out.size() >= batch) {
            sink(std::move(out));
            out.clear();
        }
    }
    if (!out.empty()) sink(std::move(out));
}

void SqlCore::import_conflicts(const std::vector<PatientConflict> &list) {
    write([&](Conn &c, LogLines &) {
        for (const auto &pc : list) {
            Stmt s(c, "INSERT INTO patient_conflict(patient_id, issuer, attribute, stored_value, new_value, "
                      "stored_study_uid, study_uid, sop_instance_uid, recorded_at) VALUES(?,?,?,?,?,?,?,?,?) "
                      "ON CONFLICT DO NOTHING");
            s.bind(1, pc.patient_id)
                .bind(2, pc.issuer)
                .bind(3, int64_t(pc.attribute.value))
                .bind(4, pc.stored_value)
                .bind(5, pc.new_value)
                .bind(6, pc.stored_study_uid)
                .bind(7, pc.study_uid)
                .bind(8, pc.sop_instance_uid)
                .bind(9, pc.recorded_at);
            s.step();
        }
    });
}

SqlCore *core_of(Index &index) noexcept {
    auto *s = dynamic_cast<SqlIndex *>(&index);
    return s ? s->core_ : nullptr;
}

}  // namespace db

// -- SqlIndex: SqlCore's calls, for SQLite and PostgreSQL alike -----------------------------------------

void SqlIndex::add(const InstanceRecord &record) { core_->add({record}); }
void SqlIndex::add(const std::vector<InstanceRecord> &records) { core_->add(records); }
bool SqlIndex::remove(const std::string &sop_instance_uid) { return core_->remove(sop_instance_uid); }
void SqlIndex::find(Level level, const Dataset &identifier, Root root,
                    const std::function<bool(Dataset &&)> &on_match, const FindOptions &options) {
    core_->find(level, identifier, root, on_match, options);
}
std::vector<FileRef> SqlIndex::files_for(Level level, const Dataset &identifier, Root root) {
    return core_->files_for(level, identifier, root);
}
Verification SqlIndex::verify(const std::string &sop_class_uid, const std::string &sop_instance_uid) {
    return core_->verify(sop_class_uid, sop_instance_uid);
}
int64_t SqlIndex::add_worklist_item(const Dataset &item) { return core_->add_worklist_item(item); }
bool SqlIndex::remove_worklist_item(int64_t id) { return core_->remove_worklist_item(id); }
void SqlIndex::find_worklist(const Dataset &identifier, const std::function<bool(Dataset &&)> &on_match,
                             const FindOptions &options) {
    core_->find_worklist(identifier, on_match, options);
}
size_t SqlIndex::set_procedure_step_status(const std::string &scheduled_procedure_step_id,
                                           const std::string &status, const std::string &requested_procedure_id) {
    return core_->set_procedure_step_status(scheduled_procedure_step_id, status, requested_procedure_id);
}
std::vector<int64_t> SqlIndex::put_worklist_order(const std::string &order_key, const std::vector<Dataset> &items) {
    return core_->put_worklist_order(order_key, items);
}
std::vector<Dataset> SqlIndex::worklist_order(const std::string &order_key) { return core_->worklist_order(order_key); }
size_t SqlIndex::update_worklist_patient(const std::string &patient_id, const std::string &issuer,
                                         const Dataset &demographics) {
    return core_->update_worklist_patient(patient_id, issuer, demographics);
}
IndexStats SqlIndex::stats() { return core_->stats(); }
std::vector<PatientConflict> SqlIndex::conflicts() { return core_->conflicts(); }

// -- choosing and copying indexes ----------------------------------------------------------------------

bool is_postgresql_spec(const std::string &spec) noexcept {
    if (spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0) return true;
    // libpq's "keyword=value ..." form: it starts with a keyword (lowercase letters and '_').
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    size_t end = eq;
    while (end > 0 && spec[end - 1] == ' ') --end;
    for (size_t i = 0; i < end; ++i)
        if (!((spec[i] >= 'a' && spec[i] <= 'z') || spec[i] == '_')) return false;
    return end > 0;
}

bool postgresql_available() noexcept {
#ifdef DCMKIT_HAVE_POSTGRESQL
    return true;
#else
    return false;
#endif
}

std::shared_ptr<Index> open_index(const std::string &spec, const IndexOptions &options) {
    if (spec.empty()) throw Error(Errc::invalid_argument, "index: no index given (a folder or a postgresql:// URI)");
    if (is_postgresql_spec(spec)) {
#ifdef DCMKIT_HAVE_POSTGRESQL
        return std::make_shared<PostgresIndex>(spec, options);
#else
        // (the spec is not repeated: it may hold a password)
        throw Error(Errc::unsupported,
                    "index: this dcmkit was built without PostgreSQL (DCMKIT_WITH_POSTGRESQL=OFF): cannot open a "
                    "PostgreSQL index");
#endif
    }
    SqliteIndexOptions so;
    so.log = options.log;
    so.busy_timeout_ms = options.busy_timeout_ms;
    return std::make_shared<SqliteIndex>(spec.rfind("sqlite:", 0) == 0 ? spec.substr(7) : spec, so);
}

MigrateCounts migrate_index(const std::string &from, const std::string &to, const IndexOptions &options) {
    if (from == to) throw Error(Errc::invalid_argument, "migrate: the source and the target are the same index");
    if (!is_postgresql_spec(from)) {
        // The source is only read: a folder without an index is an error, not a new empty index.
        struct stat sb {};
        const std::string dir = from.rfind("sqlite:", 0) == 0 ? from.substr(7) : from;
        if (::stat((dir + "/index.sqlite").c_str(), &sb) != 0)
            throw Error(Errc::not_found, "migrate: no index in " + dir + " (no index.sqlite)");
    }
    auto source = open_index(from, options);
    auto target = open_index(to, options);
    db::SqlCore *src = db::core_of(*source), *dst = db::core_of(*target);
    MigrateCounts counts;
    // The recorded conflicts first, with their times: filing the instances again finds the same
    // disagreements, which are then already recorded.
    const auto conflicts = src->conflicts();
    dst->import_conflicts(conflicts);
    counts.conflicts = conflicts.size();
    src->export_instances(500, [&](std::vector<InstanceRecord> &&batch) {
        dst->add(batch);
        counts.instances += batch.size();
    });
    if (dst->stats().worklist_items == 0) {
        // Entries of one order stay one order (HL7 messages that change it find it by its key).
        std::vector<std::string> keys;
        std::map<std::string, std::vector<Dataset>> orders;
        for (auto &[key, item] : src->export_worklist()) {
            ++counts.worklist_items;
            if (key.empty()) {
                dst->add_worklist_item(item);
                continue;
            }
            if (!orders.count(key)) keys.push_back(key);
            orders[key].push_back(std::move(item));
        }
        for (const auto &key : keys) dst->put_worklist_order(key, orders[key]);
    }
#ifdef DCMKIT_HAVE_POSTGRESQL
    // A bulk load: the planner gets statistics now rather than when autovacuum comes by.
    if (auto *pg = dynamic_cast<PostgresIndex *>(target.get())) pg->analyze();
#endif
    return counts;
}

}  // namespace dcmkit::archive
