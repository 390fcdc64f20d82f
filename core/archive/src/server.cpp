// dcmkit — the archive server: a storage folder and its index behind every service's handler
// (store -> index, find, move/get retrieve plans, worklist, MPPS -> worklist, Storage Commitment).
#include "dcmkit/archive_server.h"

#include "audit_trail.h"

#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "dcmkit/archive_hl7.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "dcmkit/services/workflow.h"

namespace dcmkit::archive {

namespace {

/// Creates a folder (and its parents); false with errno when it cannot.
bool make_dirs(const std::string &path) {
    std::string p;
    for (size_t i = 0; i <= path.size(); ++i) {
        if (i == path.size() || (path[i] == '/' && i > 0)) {
            p = path.substr(0, i);
            if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) return false;
        }
    }
    return true;
}

/// Storage Commitment failure reasons (PS3.4 J.3.2.1.1.1) for what the index says of an instance.
uint16_t failure_reason(Verification v) {
    switch (v) {
    case Verification::ok: return 0;
    case Verification::not_found: return 0x0112;           // No such object instance
    case Verification::sop_class_mismatch: return 0x0119;  // Class-instance conflict
    default: return 0x0110;                                // Processing failure (changed, gone)
    }
}

/// De-identifies the file `path` of `folder` (the gateway of Config::deidentify_on_receipt): written
/// under its new SOP Instance UID (atomically), the original removed.
/// Returns the new UID; throws Error (unsupported when burned-in text is refused).
std::string deidentify_stored(const net::StorageFolder &folder, const std::string &path, const DeidOptions &options) {
    DicomFile file = read_file(path, ReadOptions{});
    DeidReport report;
    deidentify(file, options, report);
    const std::string uid = file.dataset.get_string_or(tags::SOPInstanceUID, "");
    if (!net::is_storable_uid(uid)) throw Error(Errc::bad_value, "the de-identified SOP Instance UID cannot name a file");
    const std::string out = folder.path_for(uid);
    write_file(out, file);  // atomic: a temporary file, fsynced, renamed
    if (out != path) std::remove(path.c_str());
    return uid;
}

/// De-identifies what a retrieve sends (Config::deidentify_on_export): each file is read (its pixel
/// data stays mapped from the disk, not copied), de-identified and sent from memory; the stored
/// files are left as they are. An instance the options refuse (burned-in text) or that cannot be
/// read is left out, with a warning in the log.
void deidentify_plan(net::RetrievePlan &plan, const DeidOptions &options, const net::AeConfig &ae) {
    for (const std::string &path : plan.files) {
        try {
            auto file = std::make_shared<DicomFile>(read_file(path));
            DeidReport report;
            deidentify(*file, options, report);
            plan.instances.push_back(std::move(file));
        } catch (const Error &e) {
            ae.emit(net::LogLevel::warning, "not sent (de-identification on export): " + path + ": " + e.message());
        }
    }
    plan.files.clear();
}

/// Indexes a stored Part 10 file (header only, plus size and SHA-256); `facts`, when given, gets
/// what the audit trail records of it.
void index_file(Index &index, const std::string &path, InstanceFacts *facts = nullptr) {
    ReadOptions ro;
    ro.stop_before_pixels = true;
    DicomFile f = read_file(path, ro);
    if (facts) *facts = instance_facts(f.dataset);
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) throw Error(Errc::io, "cannot stat " + path);
    InstanceRecord r{std::move(f.dataset), path, uint64_t(sb.st_size), f.transfer_syntax, sha256_file(path)};
    index.add(r);
}

/// STOW-RS: the complete temporary files of one request go the way of C-STOREs: each parsed
/// completely (check_received_file) and named by its storable SOP Instance UID; those accepted are
/// made durable together (one syncfs of the storage's file system), renamed into place (one fsync
/// of the folder), de-identified when the gateway is on, and indexed in one transaction. What is
/// refused is removed and answered with the status a C-STORE would get.
std::vector<IngestResult> ingest_web_files(Index &index, net::StorageFolder &folder, const std::vector<std::string> &tmps,
                                           const DeidOptions *deid, const net::AeConfig &ae, const std::string &peer) {
    std::vector<IngestResult> out(tmps.size());
    auto refuse = [&](size_t i, const std::string &path, uint16_t status, const std::string &why) {
        std::remove(path.c_str());
        out[i].status = status;
        out[i].comment = why;
        ae.emit(net::LogLevel::warning, "STOW-RS from " + peer + ": not stored: " + why);
    };
    std::vector<size_t> kept;
    for (size_t i = 0; i < tmps.size(); ++i) {
        IngestResult &r = out[i];
        try {
            ReadOptions ro;
            ro.stop_before_pixels = true;
            const DicomFile f = read_file(tmps[i], ro);
            r.sop_class_uid = f.dataset.get_string_or(tags::SOPClassUID, "");
            r.sop_instance_uid = f.dataset.get_string_or(tags::SOPInstanceUID, "");
            r.study_uid = f.dataset.get_string_or(Tag(0x0020, 0x000D), "");
            r.series_uid = f.dataset.get_string_or(Tag(0x0020, 0x000E), "");
            r.transfer_syntax = f.transfer_syntax;
        } catch (const Error &e) {
            refuse(i, tmps[i], 0xC000, "not a DICOM instance: " + e.message());
            continue;
        }
        std::string why;
        if (!net::is_storable_uid(r.sop_instance_uid, &why)) {
            refuse(i, tmps[i], 0x0117, "invalid SOP Instance UID: " + why);
            continue;
        }
        if (r.sop_class_uid.empty() || r.study_uid.empty() || r.series_uid.empty()) {
            refuse(i, tmps[i], 0xC000, "no SOP Class, Study or Series Instance UID");
            continue;
        }
        const net::StoreCheck check = net::check_received_file(tmps[i], r.sop_class_uid, r.sop_instance_uid);
        if (!check.ok()) {
            refuse(i, tmps[i], check.status, check.comment);
            continue;
        }
        kept.push_back(i);
    }
    if (kept.empty()) return out;
    // Durable before they are named (a crash leaves whole files or temporaries), named before indexed.
    const int dfd = ::open(folder.folder().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool synced = dfd >= 0 && ::syncfs(dfd) == 0;
    if (dfd >= 0) ::close(dfd);
    if (!synced) {
        for (size_t i : kept) refuse(i, tmps[i], 0xA700, std::string("cannot make the files durable: ") + std::strerror(errno));
        return out;
    }
    std::vector<std::pair<size_t, std::string>> placed;
    for (size_t i : kept) {
        const std::string path = folder.path_for(out[i].sop_instance_uid);
        if (::rename(tmps[i].c_str(), path.c_str()) != 0) {
            refuse(i, tmps[i], 0xA700, std::string("cannot store: ") + std::strerror(errno));
            continue;
        }
        placed.emplace_back(i, path);
    }
    std::vector<InstanceRecord> records;
    std::vector<std::pair<size_t, std::string>> indexed;
    try {
        folder.sync_folder();
    } catch (const Error &) {
    }
    for (auto &[i, path] : placed) {
        try {
            if (deid) {
                out[i].sop_instance_uid = deidentify_stored(folder, path, *deid);
                path = folder.path_for(out[i].sop_instance_uid);
            }
            ReadOptions ro;
            ro.stop_before_pixels = true;
            DicomFile f = read_file(path, ro);
            struct stat sb {};
            if (::stat(path.c_str(), &sb) != 0) throw Error(Errc::io, "cannot stat " + path);
            records.push_back(InstanceRecord{std::move(f.dataset), path, uint64_t(sb.st_size), f.transfer_syntax, sha256_file(path)});
            indexed.emplace_back(i, path);
        } catch (const Error &e) {
            refuse(i, path, e.code() == Errc::unsupported ? 0x0110 : 0xA700,
                   e.code() == Errc::unsupported ? "refused: burned-in text is likely in the pixels" : e.message());
        }
    }
    if (records.empty()) return out;
    try {
        index.add(records);  // one transaction: all or none
    } catch (const Error &e) {
        for (const auto &[i, path] : indexed) refuse(i, path, 0xA700, std::string("cannot index: ") + e.what());
    }
    return out;
}

}  // namespace

std::shared_ptr<SqliteIndex> open_storage(const std::string &dir, const SqliteIndexOptions &options) {
    if (dir.empty()) throw Error(Errc::invalid_argument, "the archive needs a storage folder");
    if (!make_dirs(dir + "/files"))
        throw Error(Errc::io, "cannot create " + dir + "/files: " + std::strerror(errno));
    return std::make_shared<SqliteIndex>(dir, options);
}

/// What the handlers share with the server object (they may outlive a call into it).
struct Server::Shared {
    net::AeConfig ae;
    std::mutex mu;
    std::function<void(const StoredInstance &)> on_stored;  // guarded by mu
    std::atomic<uint64_t> stored{0}, refused{0};
    uint64_t recovered = 0, quarantined = 0;
    bool shared_folder = false;  // other servers store into the folder too (a shared index)
    std::shared_ptr<net::MppsStore> mpps;  // its handler refers to it
    Renderer renderer;                      // guarded by mu (DICOMweb rendered images)

    /// Moves a stored file that fails the checks out of the served folder, into `quarantine`.
    void quarantine_file(const std::string &path, const std::string &name, const std::string &quarantine,
                         const std::string &why) {
        ::mkdir(quarantine.c_str(), 0755);
        const std::string to = quarantine + "/" + name;
        if (::rename(path.c_str(), to.c_str()) == 0) {
            ++quarantined;
            ae.emit(net::LogLevel::warning, path + " moved to " + to + ": " + why);
        } else {
            ae.emit(net::LogLevel::warning, path + " is not indexed (" + why + ") and cannot be moved to " + quarantine +
                                                ": " + std::strerror(errno));
        }
    }

    /// Before serving: removes the temporary files an interruption left in `folder`, and indexes the
    /// files the index does not hold after the checks a C-STORE gets (net::check_received_file, a
    /// storable SOP Instance UID that is the file's name). A file that fails them goes to `quarantine`
    /// and is never indexed. Returns how many were indexed.
    size_t reindex_orphans(Index &index, net::StorageFolder &folder, const std::string &quarantine,
                           const DeidOptions *deid) {
        if (const size_t partial = folder.remove_partial_files(shared_folder ? std::chrono::seconds(3600)
                                                                               : std::chrono::seconds(0)))
            ae.emit(net::LogLevel::warning, "removed " + std::to_string(partial) + " partial file(s) an interruption left");
        size_t n = 0;
        DIR *d = ::opendir(folder.folder().c_str());
        if (!d) return 0;
        std::vector<std::string> names;
        while (dirent *e = ::readdir(d)) names.push_back(e->d_name);
        ::closedir(d);
        for (const std::string &name : names) {
            if (name.size() < 5 || name.compare(name.size() - 4, 4, ".dcm") != 0) continue;
            const std::string path = folder.folder() + "/" + name, uid = name.substr(0, name.size() - 4);
            try {
                ReadOptions ro;
                ro.stop_before_pixels = true;
                std::string why;
                if (!net::is_storable_uid(uid, &why)) {
                    // Named by a version that stored invalid UIDs: never served again. Its raw UID, if
                    // it is invalid as well, cannot belong to an instance stored since.
                    try {
                        const DicomFile f = read_file(path, ro);
                        const std::string raw = f.dataset.get_string_or(tags::SOPInstanceUID, "");
                        if (!raw.empty() && !net::is_storable_uid(raw)) index.remove(raw);
                    } catch (const Error &) {
                    }
                    quarantine_file(path, name, quarantine, "its name is not a SOP Instance UID (" + why + ")");
                    continue;
                }
                const DicomFile f = read_file(path, ro);
                if (index.verify(f.dataset.get_string_or(tags::SOPClassUID, ""),
                                 f.dataset.get_string_or(tags::SOPInstanceUID, "")) != Verification::not_found)
                    continue;
                const net::StoreCheck check = net::check_received_file(path, "", uid);
                if (!check.ok()) {
                    quarantine_file(path, name, quarantine, check.comment);
                    continue;
                }
                // The gateway stopped between a file's arrival and its de-identification: do it now
                // (a file with Patient Identity Removed YES was de-identified before).
                std::string indexed = path;
                if (deid && f.dataset.get_string_or(Tag(0x0012, 0x0062), "") != "YES")
                    indexed = folder.path_for(deidentify_stored(folder, path, *deid));
                index_file(index, indexed);
                ++n;
            } catch (const Error &err) {
                quarantine_file(path, name, quarantine, err.what());
            }
        }
        return n;
    }
};

Server::Server(Config config) : config_(std::move(config)), ae_(config_.to_ae_config()), shared_(std::make_shared<Shared>()) {
    shared_->ae = ae_;
    const std::string &storage = config_.storage;
    // Patient conflicts found at ingest and index upgrades are logged as warnings (listed later
    // with `dcmkit archive conflicts`).
    IndexOptions options;
    // (weakly: the index must not own what owns it through the MPPS store)
    options.log = [weak = std::weak_ptr<Shared>(shared_)](const std::string &line) {
        if (auto shared = weak.lock()) shared->ae.emit(net::LogLevel::warning, line);
    };
    // Enough connections for every association thread that may query at once.
    options.max_connections = int(std::max(4u, std::min(config_.max_associations, 64u)));
    if (config_.index.empty()) {
        SqliteIndexOptions so;
        so.log = options.log;
        index_ = open_storage(storage, so);
    } else {
        if (storage.empty()) throw Error(Errc::invalid_argument, "the archive needs a storage folder");
        if (!make_dirs(storage + "/files"))
            throw Error(Errc::io, "cannot create " + storage + "/files: " + std::strerror(errno));
        index_ = open_index(config_.index, options);
    }
    // With a shared index, other servers may be storing into the same folder: only their
    // temporary files old enough to be abandoned are removed.
    shared_->shared_folder = !config_.index.empty() && is_postgresql_spec(config_.index);
    auto index = index_;
    auto folder = std::make_shared<net::StorageFolder>(storage + "/files");
    net::StorageFolder::Limits limits;
    limits.max_dataset_size = config_.max_dataset_size;
    limits.min_free_space = config_.min_free_space;
    folder->set_limits(limits);
    auto mpps = std::make_shared<net::MppsStore>(storage + "/mpps");
    // A stop between a file's rename and its indexing (a crash, kill -9) leaves a file the index
    // does not know: index those again before serving, checked as a C-STORE is.
    shared_->recovered = shared_->reindex_orphans(*index, *folder, storage + "/quarantine",
                                                  config_.deidentify_on_receipt ? &*config_.deidentify_on_receipt : nullptr);
    const auto destinations = config_.destinations;
    auto shared = shared_;
    // Access control (`permit` rules): an operation no rule permits is refused with 0124H. The
    // user is the identity negotiation accepted (its username, or its token's subject).
    auto access = std::make_shared<const Config>(config_);
    auto permitted = [access, shared](net::Association &a, const std::string &op, const std::string &dest = {}) {
        if (access->access.empty()) return true;
        const auto &id = a.request().user.user_identity_rq;
        const std::string user = id ? identity_user(*id) : std::string();
        const std::string ae = net::trim_ae(a.calling_ae());
        if (access->permits(ae, user, op, dest)) return true;
        shared->ae.emit(net::LogLevel::warning, "refused (not authorized): " + op + (dest.empty() ? "" : " to " + dest) +
                                                    " by " + ae + (user.empty() ? "" : " (user " + user + ")"));
        return false;
    };
    const int dimse_ms = ae_.timeouts.dimse_ms;
    if (config_.audit.enabled()) audit_ = std::make_shared<Audit>(config_, ae_);
    auto audit = audit_;
    net::ServiceHandlers h;
    std::shared_ptr<const DeidOptions> deid;
    if (config_.deidentify_on_receipt) deid = std::make_shared<const DeidOptions>(*config_.deidentify_on_receipt);
    h.on_store = [index, folder, shared, permitted, dimse_ms, audit, deid](net::StoreRequest &rq) -> uint16_t {
        if (!permitted(rq.assoc, "store")) {
            rq.assoc.receive_dataset([](const uint8_t *, size_t) {}, dimse_ms);
            rq.error_comment = "not authorized to store";
            ++shared->refused;
            return net::dimse::status::NotAuthorized;
        }
        const uint16_t st = folder->receive(rq);
        const auto kind = net::dimse::status_kind(st);
        if (kind != net::dimse::StatusKind::Success && kind != net::dimse::StatusKind::Warning) {
            ++shared->refused;
            return st;
        }
        // Stored under its (checked) SOP Instance UID.
        std::string path = folder->path_for(rq.sop_instance_uid), stored_uid = rq.sop_instance_uid;
        if (deid) {  // the de-identifying gateway: de-identified before it is indexed
            try {
                stored_uid = deidentify_stored(*folder, path, *deid);
                path = folder->path_for(stored_uid);
            } catch (const Error &e) {
                std::remove(path.c_str());
                shared->ae.emit(net::LogLevel::warning, "not stored (de-identification): " + rq.sop_instance_uid + ": " +
                                                            e.message());
                rq.error_comment = e.code() == Errc::unsupported ? "refused: burned-in text is likely in the pixels"
                                                                  : "cannot de-identify the instance";
                ++shared->refused;
                return net::dimse::status::ProcessingFailure;
            }
        }
        InstanceFacts facts;
        try {
            index_file(*index, path, audit ? &facts : nullptr);
        } catch (const Error &e) {
            shared->ae.emit(net::LogLevel::error, "cannot index " + path + ": " + e.what());
            std::remove(path.c_str());
            rq.error_comment = "cannot index the instance";
            ++shared->refused;
            return net::dimse::status::OutOfResources;
        }
        ++shared->stored;
        if (audit) audit->stored(rq.assoc, std::move(facts));
        std::function<void(const StoredInstance &)> fn;
        {
            std::lock_guard<std::mutex> lock(shared->mu);
            fn = shared->on_stored;
        }
        if (fn) {
            try {
                fn(StoredInstance{rq.sop_class_uid, stored_uid, path, rq.transfer_syntax, rq.assoc.calling_ae()});
            } catch (const std::exception &e) {
                shared->ae.emit(net::LogLevel::error, std::string("on_stored: ") + e.what());
            } catch (...) {
                shared->ae.emit(net::LogLevel::error, "on_stored threw");
            }
        }
        return st;
    };
    auto root_of = [](net::QueryModel m) { return m == net::QueryModel::PatientRoot ? Root::patient_root : Root::study_root; };
    auto find = [index, root_of, permitted](net::QueryRequest &rq) -> uint16_t {
        if (!permitted(rq.assoc, rq.model == net::QueryModel::Worklist ? "worklist" : "find"))
            return net::dimse::status::NotAuthorized;
        try {
            auto emit = [&](Dataset &&match) { return rq.emit(match); };
            if (rq.model == net::QueryModel::Worklist) {
                index->find_worklist(rq.identifier, emit);
            } else {
                Level level;
                if (!parse_level(rq.level, level)) return net::dimse::status::IdentifierDoesNotMatchSOPClass;
                index->find(level, rq.identifier, root_of(rq.model), emit);
            }
            return net::dimse::status::Success;
        } catch (const QueryError &e) {
            return e.status();
        }
    };
    h.on_find = [find, audit](net::QueryRequest &rq) -> uint16_t {
        const uint16_t status = find(rq);
        if (audit) audit->query(rq, status);
        return status;
    };
    std::shared_ptr<const DeidOptions> export_deid;
    if (config_.deidentify_on_export) export_deid = std::make_shared<const DeidOptions>(*config_.deidentify_on_export);
    auto retrieve = [index, root_of, destinations, permitted, audit, export_deid,
                     shared](net::QueryRequest &rq) -> net::RetrievePlan {
        net::RetrievePlan plan;
        const bool move = rq.command_field == net::dimse::C_MOVE_RQ;
        if (!permitted(rq.assoc, move ? "move" : "get", move ? rq.move_destination : std::string())) {
            plan.status = net::dimse::status::NotAuthorized;
            plan.error_comment = move ? "not authorized to move to " + rq.move_destination : "not authorized to get";
            return plan;
        }
        if (move) {
            auto it = destinations.find(rq.move_destination);
            if (it == destinations.end()) {
                plan.status = net::dimse::status::MoveDestinationUnknown;
                plan.error_comment = "unknown move destination " + rq.move_destination;
                return plan;
            }
            plan.host = it->second.host;
            plan.port = it->second.port;
        }
        try {
            Level level;
            if (!parse_level(rq.level, level)) {
                plan.status = net::dimse::status::IdentifierDoesNotMatchSOPClass;
                return plan;
            }
            for (auto &f : index->files_for(level, rq.identifier, root_of(rq.model))) plan.files.push_back(f.path);
        } catch (const QueryError &e) {
            plan.status = e.status();
            plan.error_comment = e.message();
        }
        if (audit && net::dimse::status_kind(plan.status) != net::dimse::StatusKind::Failure) audit->retrieve(rq, plan);
        if (export_deid && net::dimse::status_kind(plan.status) != net::dimse::StatusKind::Failure)
            deidentify_plan(plan, *export_deid, shared->ae);
        return plan;
    };
    h.on_move = retrieve;
    h.on_get = retrieve;
    mpps->on_change = [index](const std::string &, const Dataset &ds) {
        // The worklist follows the procedure step: IN PROGRESS, COMPLETED or DISCONTINUED.
        const std::string status = ds.get_string_or(Tag(0x0040, 0x0252), "");
        for (const Dataset &step : ds.get_items(Tag(0x0040, 0x0270))) {
            const std::string sps = step.get_string_or(Tag(0x0040, 0x0009), "");
            if (!sps.empty()) index->set_procedure_step_status(sps, status);
        }
    };
    // N requests pass the same check (mpps, commitment) before their handler.
    auto guarded = [permitted](net::NHandler inner, std::string op) -> net::NHandler {
        return [inner = std::move(inner), op = std::move(op), permitted](net::NRequest &rq) -> net::NResponse {
            if (permitted(rq.assoc, op)) return inner(rq);
            net::NResponse r;
            r.status = net::dimse::status::NotAuthorized;
            r.error_comment = "not authorized: " + op;
            return r;
        };
    };
    h.n_handlers[dcmkit::uids::ModalityPerformedProcedureStep] = guarded(mpps->handler(), "mpps");
    shared_->mpps = mpps;
    // Reports that cannot use the N-ACTION's association go to the requestor's `dest` address.
    net::CommitReportOptions reports;
    reports.same_association = config_.commitment_report_same;
    reports.ae = ae_;
    reports.locate = [destinations](const std::string &ae) -> std::optional<std::pair<std::string, uint16_t>> {
        auto it = destinations.find(ae);
        if (it == destinations.end()) return std::nullopt;
        return std::make_pair(it->second.host, it->second.port);
    };
    h.n_handlers[dcmkit::uids::StorageCommitmentPushModel] = guarded(net::storage_commitment_handler(
        [index](const std::string &cls, const std::string &inst) { return failure_reason(index->verify(cls, inst)); },
        std::move(reports)), "commitment");
    if (audit) {
        // What negotiation refuses (AE titles, user identities) is audited from its decision.
        ae_.on_rejected = [audit](const net::AAssociateRq &rq, const std::string &peer, const net::AAssociateRj &rj,
                                  const std::string &reason) { audit->rejected(rq, peer, rj, reason); };
        ae_.on_tls_failure = [audit](const std::string &peer, const std::string &reason) { audit->tls_failed(peer, reason); };
        h.on_association = [audit](const net::Association &a, net::ServiceHandlers::AssociationEvent ev) {
            if (ev == net::ServiceHandlers::AssociationEvent::accepted) {
                const auto &id = a.request().user.user_identity_rq;
                if (id && !a.config().user_identity_types.empty()) {
                    const std::string user = identity_user(*id);
                    if (!user.empty()) audit->authenticated(a, user);
                }
                return;
            }
            audit->association_ended(a);
        };
    }
    server_ = std::make_unique<net::Server>(ae_, h);
    if (config_.http_port) web_ = make_web_server(index, folder, deid, access);
}

/// DICOMweb over the same index and folder: STOW-RS parts are checked, stored, de-identified and
/// indexed as C-STOREs are (ingest_web_files), over HTTPS when the associations use TLS; the access
/// rules apply to the HTTP client's user and certificate-bound AE title as to an association's, and
/// what it does is audited.
std::unique_ptr<WebServer> Server::make_web_server(std::shared_ptr<Index> index,
                                                   std::shared_ptr<net::StorageFolder> folder,
                                                   std::shared_ptr<const DeidOptions> deid,
                                                   std::shared_ptr<const Config> access) {
    WebOptions o;
    o.temp_folder = folder->folder();
    o.max_part_size = config_.max_dataset_size;
    auto shared = shared_;
    o.ingest = [index, folder, deid, shared](const std::vector<std::string> &tmps, const std::string &peer) {
        std::vector<IngestResult> results = ingest_web_files(*index, *folder, tmps, deid.get(), shared->ae, peer);
        std::function<void(const StoredInstance &)> fn;
        {
            std::lock_guard<std::mutex> lock(shared->mu);
            fn = shared->on_stored;
        }
        for (const IngestResult &r : results) {
            if (r.status != 0) {
                ++shared->refused;
                continue;
            }
            ++shared->stored;
            if (!fn) continue;
            try {
                fn(StoredInstance{r.sop_class_uid, r.sop_instance_uid, folder->path_for(r.sop_instance_uid),
                                  r.transfer_syntax, ""});
            } catch (const std::exception &e) {
                shared->ae.emit(net::LogLevel::error, std::string("on_stored: ") + e.what());
            }
        }
        return results;
    };
    // HTTPS with the associations' TLS settings; the client's user (Basic, Bearer) checked by the
    // same identity policy, its AE title the one its certificate is bound to (tls_ae_certificate).
    o.tls = config_.tls;
    o.identity = config_.identity;
    o.log = [shared](net::LogLevel level, const std::string &line) { shared->ae.emit(level, "DICOMweb: " + line); };
    if (!access->access.empty())
        o.permits = [access, shared](const std::string &op, const WebClient &c) {
            if (access->permits(c.ae_title, c.user, op)) return true;
            shared->ae.emit(net::LogLevel::warning, "DICOMweb: refused (not authorized): " + op + " by " + c.address +
                                                        (c.ae_title.empty() ? "" : " (AE " + c.ae_title + ")") +
                                                        (c.user.empty() ? "" : " (user " + c.user + ")"));
            return false;
        };
    if (audit_) {
        auto audit = audit_;
        o.on_event = [audit, folder](const WebEvent &e) { audit->web(e, *folder); };
    }
    o.render = [shared](const DicomFile &file, const RenderRequest &rq) {
        Renderer fn;
        {
            std::lock_guard<std::mutex> lock(shared->mu);
            fn = shared->renderer;
        }
        if (!fn) throw Error(Errc::unsupported, "this server renders no images (no renderer set)");
        return fn(file, rq);
    };
    return std::make_unique<WebServer>(index, std::move(o));
}

void Server::set_web_renderer(Renderer renderer) {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->renderer = std::move(renderer);
}

uint16_t Server::http_port() const noexcept { return web_ ? web_->port() : 0; }

Server::~Server() {
    if (audit_) {
        if (started_) {
            try {
                stop();  // as net::Server's destructor would, then Application Stop
            } catch (const std::exception &e) {
                shared_->ae.emit(net::LogLevel::error, std::string("stopping: ") + e.what());
            }
        }
        audit_->stop();
    }
}

void Server::on_stored(std::function<void(const StoredInstance &)> fn) {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->on_stored = std::move(fn);
}

void Server::start() { start(config_.bind, config_.port); }
void Server::start(const std::string &address, uint16_t port) {
    server_->start(address, port);
    if (config_.hl7.enabled() && !hl7_) {
        // HL7 v2 orders into the worklist, on the same address (dcmkit/archive_hl7.h).
        Hl7ListenerOptions o;
        o.bind = address;
        o.port = uint16_t(config_.hl7.port);
        o.max_message_size = config_.hl7.max_message_size;
        o.max_connections = config_.hl7.max_connections;
        o.timeout_s = config_.hl7.timeout_s;
        o.application = config_.ae_title;
        auto audit = audit_;
        std::weak_ptr<Shared> weak = shared_;
        auto listener = std::make_unique<Hl7Listener>(
            index_, o,
            [audit, weak](const Hl7Outcome &out, const std::string &peer) {
                if (auto shared = weak.lock()) shared->ae.emit(net::LogLevel::info, "HL7 from " + peer + ": " + out.description);
                if (audit) audit->hl7(out, peer);
            },
            [weak](const std::string &line) {
                if (auto shared = weak.lock()) shared->ae.emit(net::LogLevel::warning, line);
            });
        try {
            listener->start();
        } catch (...) {
            server_->stop(0);
            throw;
        }
        hl7_ = std::move(listener);
    }
    if (web_) {
        try {
            web_->start(address, *config_.http_port);
        } catch (...) {
            if (hl7_) {
                hl7_->stop();
                hl7_.reset();
            }
            server_->stop(0);
            throw;
        }
    }
    if (audit_ && !started_) audit_->application(true);
    started_ = true;
}
uint16_t Server::port() const noexcept { return server_->port(); }
uint16_t Server::hl7_port() const noexcept { return hl7_ ? hl7_->port() : 0; }
void Server::stop(int grace_ms) {
    if (web_) web_->stop();
    if (hl7_) {
        hl7_->stop();
        hl7_.reset();
    }
    server_->stop(grace_ms);
    if (audit_ && started_) audit_->application(false);
    started_ = false;
}
void Server::wait() { server_->wait(); }
void Server::request_stop() noexcept { server_->request_stop(); }

Counters Server::counters() const {
    Counters c;
    c.instances_stored = shared_->stored.load();
    c.stores_refused = shared_->refused.load();
    c.associations_served = server_->associations_served();
    c.active_associations = server_->active_associations();
    c.instances_recovered = shared_->recovered;
    c.files_quarantined = shared_->quarantined;
    c.instances_held = index_->stats().instances;
    c.patient_conflicts = index_->conflicts().size();
    c.hl7_messages = hl7_ ? hl7_->messages() : 0;
    return c;
}

}  // namespace dcmkit::archive
