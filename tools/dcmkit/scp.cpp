// dcmkit — the command-line tool: the receiver and the embedded archive (recv, serve and its
// configuration file, conformance, worklist, archive conflicts).
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "dcmkit/archive.h"
#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/net/conformance.h"
#include "dcmkit/net/query.h"
#include "dcmkit/net/services.h"
#include "dcmkit/net/workflow.h"
#include "dcmkit/uid.h"

namespace dcmkit_cli {

namespace {

/// What recv and serve share to keep slow, idle and hostile peers from locking others out: options
/// (and, for serve, configuration keys of the same names with '_').
struct ServerLimits {
    unsigned max_associations = 32, per_address = 16, max_pending = 64, pending_per_address = 16;
    int idle_s = 60, request_s = 5;
    bool check_called_ae = false;

    /// The options that take a value, for NetOptions::parse.
    static std::vector<std::string> value_options() {
        return {"--max-associations", "--max-associations-per-address", "--max-pending", "--max-pending-per-address",
                "--idle-timeout", "--request-timeout"};
    }
    /// Takes the option at rest[i] (and its value) if it is one of ours; `err` set on a bad value.
    bool option(const std::vector<std::string> &rest, size_t &i, std::string &err) {
        const std::string &a = rest[i];
        if (a == "--check-called-ae") return check_called_ae = true, true;
        if (a == "--no-check-called-ae") return check_called_ae = false, true;
        const auto opts = value_options();
        if (std::find(opts.begin(), opts.end(), a) == opts.end()) return false;
        std::string key = a.substr(2);
        std::replace(key.begin(), key.end(), '-', '_');
        if (!set(key, rest[++i], err)) err = a + ": " + err;
        return true;
    }
    /// Sets `key` (max_associations, idle_timeout…) from `value`; false (with `err`) when out of range.
    bool set(const std::string &key, const std::string &value, std::string &err) {
        char *end = nullptr;
        const long v = std::strtol(value.c_str(), &end, 10);
        auto range = [&](long lo, long hi) {
            if (value.empty() || *end || v < lo || v > hi) {
                err = key + " takes a number from " + std::to_string(lo) + " to " + std::to_string(hi);
                return false;
            }
            return true;
        };
        if (key == "max_associations") return range(1, 4096) && (max_associations = unsigned(v), true);
        if (key == "max_associations_per_address") return range(0, 4096) && (per_address = unsigned(v), true);
        if (key == "max_pending") return range(1, 4096) && (max_pending = unsigned(v), true);
        if (key == "max_pending_per_address") return range(1, 4096) && (pending_per_address = unsigned(v), true);
        if (key == "idle_timeout") return range(1, 86400) && (idle_s = int(v), true);
        if (key == "request_timeout") return range(1, 3600) && (request_s = int(v), true);
        if (key == "check_called_ae") {
            if (value != "yes" && value != "no") return err = "check_called_ae is 'yes' or 'no'", false;
            check_called_ae = value == "yes";
            return true;
        }
        err = "unknown key '" + key + "'";
        return false;
    }
    void apply(net::AeConfig &c) const {
        c.max_associations = max_associations;
        c.max_associations_per_address = per_address;
        c.max_pending = max_pending;
        c.max_pending_per_address = pending_per_address;
        c.timeouts.idle_ms = idle_s * 1000;
        c.timeouts.request_ms = request_s * 1000;
        c.check_called_ae = check_called_ae;
    }
};

/// The server recv or serve runs, stopped by SIGINT and SIGTERM.
net::Server *g_server = nullptr;
extern "C" void on_signal(int) {
    if (g_server) g_server->request_stop();
}

}  // namespace

int cmd_recv(const std::string &, const Args &args) {
    NetOptions o;
    o.aet = "DCMKIT";
    std::vector<std::string> value_opts = ServerLimits::value_options();
    value_opts.insert(value_opts.end(), {"--out", "-od", "--allow", "--bind", "--max-dataset-size", "--min-free-space"});
    if (!o.parse(args, value_opts)) return usage_error("recv: " + o.error);
    std::string out, bind, err;
    std::vector<std::string> pos, allow;
    ServerLimits limits;  // the Called AE Title is not checked unless asked, as storescp
    bool fsync = true;
    net::StorageFolder::Limits store_limits;
    for (size_t i = 0; i < o.rest.size(); ++i) {
        const std::string &a = o.rest[i];
        if (limits.option(o.rest, i, err)) {
            if (!err.empty()) return usage_error("recv: " + err);
        } else if (a == "--no-fsync") fsync = false;
        else if (a == "--max-dataset-size" || a == "--min-free-space") {
            if (!parse_size(o.rest[++i], a == "--max-dataset-size" ? store_limits.max_dataset_size : store_limits.min_free_space))
                return usage_error("recv: " + a + " takes a size in bytes (or with K, M, G, T)");
        }
        else if (a == "--out" || a == "-od") out = o.rest[++i];
        else if (a == "--allow") allow.push_back(o.rest[++i]);
        else if (a == "--bind") bind = o.rest[++i];
        else if (a.size() > 1 && a[0] == '-') return usage_error("recv: unknown option '" + a + "'");
        else pos.push_back(a);
    }
    uint16_t port = 0;
    if (pos.size() != 1 || !parse_port(pos[0], port)) return usage_error("recv: needs PORT");
    if (out.empty()) return usage_error("recv: --out DIR is required");
    net::AeConfig cfg = o.config();
    cfg.add_verification();
    cfg.add_all_storage();
    limits.apply(cfg);
    cfg.max_ops_performed = 16;  // C-STOREs finished (fsync) while the next ones arrive
    cfg.allowed_calling_aes = allow;
    if (cfg.log_level < net::LogLevel::info) cfg.log_level = net::LogLevel::warning;
    try {
        net::ServiceHandlers h;
        h.storage = std::make_shared<net::StorageFolder>(out, fsync);
        h.storage->set_limits(store_limits);
        net::Server server(cfg, h);
        server.start(bind, port);
        g_server = &server;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
        std::fprintf(stderr, "dcmkit: %s receiving on port %u into %s (Ctrl-C stops)\n", cfg.ae_title.c_str(),
                     server.port(), out.c_str());
        server.wait();
        server.stop();
        g_server = nullptr;
        std::fprintf(stderr, "dcmkit: stopped after %llu association(s)\n",
                     static_cast<unsigned long long>(server.associations_served()));
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: recv: %s\n", e.what());
        return 1;
    }
    return 0;
}

namespace {

namespace archive = dcmkit::archive;

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

/// The archive's index and its folders, under --storage DIR: DIR/index.sqlite, DIR/files, DIR/mpps.
std::shared_ptr<archive::SqliteIndex> open_archive(const std::string &dir, const archive::SqliteIndexOptions &options = {}) {
    if (!make_dirs(dir + "/files"))
        throw dcmkit::Error(dcmkit::Errc::io, "cannot create " + dir + "/files: " + std::strerror(errno));
    return std::make_shared<archive::SqliteIndex>(dir, options);
}

/// The index of `dcmkit serve`: patient conflicts found at ingest and index upgrades are logged as
/// warnings (listed later with `dcmkit archive conflicts`).
archive::SqliteIndexOptions serve_index_options(const net::AeConfig &cfg) {
    archive::SqliteIndexOptions options;
    options.log = [&cfg](const std::string &line) { cfg.emit(net::LogLevel::warning, line); };
    return options;
}

/// Storage Commitment failure reasons (PS3.4 J.3.2.1.1.1) for what the index says of an instance.
uint16_t failure_reason(archive::Verification v) {
    switch (v) {
    case archive::Verification::ok: return 0;
    case archive::Verification::not_found: return 0x0112;           // No such object instance
    case archive::Verification::sop_class_mismatch: return 0x0119;  // Class-instance conflict
    default: return 0x0110;                                         // Processing failure (changed, gone)
    }
}

/// Indexes a stored Part 10 file (header only, plus size and SHA-256).
void index_file(archive::Index &index, const std::string &path) {
    dcmkit::ReadOptions ro;
    ro.stop_before_pixels = true;
    dcmkit::DicomFile f = dcmkit::read_file(path, ro);
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) throw dcmkit::Error(dcmkit::Errc::io, "cannot stat " + path);
    archive::InstanceRecord r{std::move(f.dataset), path, uint64_t(sb.st_size), f.transfer_syntax, archive::sha256_file(path)};
    index.add(r);
}

/// Moves a stored file that fails the checks out of the served folder, into `quarantine`.
void quarantine_file(const std::string &path, const std::string &name, const std::string &quarantine,
                     const std::string &why) {
    ::mkdir(quarantine.c_str(), 0755);
    const std::string to = quarantine + "/" + name;
    if (::rename(path.c_str(), to.c_str()) == 0)
        std::fprintf(stderr, "dcmkit: warning: %s moved to %s: %s\n", path.c_str(), to.c_str(), why.c_str());
    else
        std::fprintf(stderr, "dcmkit: warning: %s is not indexed (%s) and cannot be moved to %s: %s\n", path.c_str(),
                     why.c_str(), quarantine.c_str(), std::strerror(errno));
}

/// Before serving: removes the temporary files an interruption left in `folder`, and indexes the
/// files the index does not hold after the checks a C-STORE gets (net::check_received_file, a
/// storable SOP Instance UID that is the file's name). A file that fails them goes to `quarantine`
/// and is never indexed. Returns how many were indexed.
size_t reindex_orphans(archive::Index &index, net::StorageFolder &folder, const std::string &quarantine) {
    if (const size_t partial = folder.remove_partial_files())
        std::fprintf(stderr, "dcmkit: removed %zu partial file(s) an interruption left\n", partial);
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
            dcmkit::ReadOptions ro;
            ro.stop_before_pixels = true;
            std::string why;
            if (!net::is_storable_uid(uid, &why)) {
                // Named by a version that stored invalid UIDs: never served again. Its raw UID, if
                // it is invalid as well, cannot belong to an instance stored since.
                try {
                    const dcmkit::DicomFile f = dcmkit::read_file(path, ro);
                    const std::string raw = f.dataset.get_string_or(dcmkit::tags::SOPInstanceUID, "");
                    if (!raw.empty() && !net::is_storable_uid(raw)) index.remove(raw);
                } catch (const dcmkit::Error &) {
                }
                quarantine_file(path, name, quarantine, "its name is not a SOP Instance UID (" + why + ")");
                continue;
            }
            const dcmkit::DicomFile f = dcmkit::read_file(path, ro);
            if (index.verify(f.dataset.get_string_or(dcmkit::tags::SOPClassUID, ""),
                             f.dataset.get_string_or(dcmkit::tags::SOPInstanceUID, "")) != archive::Verification::not_found)
                continue;
            const net::StoreCheck check = net::check_received_file(path, "", uid);
            if (!check.ok()) {
                quarantine_file(path, name, quarantine, check.comment);
                continue;
            }
            index_file(index, path);
            ++n;
        } catch (const dcmkit::Error &err) {
            quarantine_file(path, name, quarantine, err.what());
        }
    }
    return n;
}

/// `dcmkit serve`'s settings: from a configuration file (--config), then the command line.
struct ServeSettings {
    std::string storage, bind;
    uint16_t port = 0;
    ServerLimits limits = [] {
        ServerLimits l;
        l.check_called_ae = true;  // an archive answers to its own AE title only
        return l;
    }();
    std::vector<std::string> allow;
    std::map<std::string, std::pair<std::string, uint16_t>> destinations;
    std::set<std::string> services = {"verification", "storage", "query-retrieve", "worklist", "mpps", "commitment"};
    std::vector<std::string> storage_syntaxes;  ///< empty: every syntax, kept as received
    net::StorageFolder::Limits store_limits;    ///< largest dataset, free space reserve
    /// Storage Commitment reports: try the request's association first (else a new one to the
    /// requestor's `dest`), or always a new association.
    bool commitment_report_same = true;
};

std::vector<std::string> words(const std::string &s) {
    std::vector<std::string> out;
    std::string w;
    for (char c : s + " ") {
        if (c == ' ' || c == ',' || c == '\t') {
            if (!w.empty()) out.push_back(w);
            w.clear();
        } else {
            w += c;
        }
    }
    return out;
}

bool parse_dest(const std::string &d, ServeSettings &s, std::string &err) {
    const size_t eq = d.find('='), colon = d.rfind(':');
    uint16_t port = 0;
    if (eq == std::string::npos || colon == std::string::npos || colon < eq || eq == 0 || eq > 16 ||
        !parse_port(d.substr(colon + 1), port)) {
        err = "a destination is AE=HOST:PORT, not '" + d + "'";
        return false;
    }
    s.destinations[d.substr(0, eq)] = {d.substr(eq + 1, colon - eq - 1), port};
    return true;
}

/// Reads a configuration file of `key = value` lines (# comments):
///   ae_title, port, storage, bind, max_associations, max_pdu, timeout, dimse_timeout,
///   max_associations_per_address, max_pending, max_pending_per_address, idle_timeout,
///   request_timeout (seconds), check_called_ae (yes, the default, or no),
///   allow (calling AE titles), dest (AE=HOST:PORT, repeatable), services (verification storage
///   query-retrieve worklist mpps commitment), storage_transfer_syntaxes (names or UIDs),
///   commitment_report (same: the N-ACTION's association, else a new one; new: always a new one),
///   max_dataset_size, min_free_space (bytes, or with K, M, G, T).
bool load_serve_config(const std::string &path, NetOptions &o, ServeSettings &s, std::string &err) {
    std::ifstream f(path);
    if (!f) {
        err = "cannot read configuration file " + path;
        return false;
    }
    std::string line;
    int n = 0;
    while (std::getline(f, line)) {
        ++n;
        const size_t hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        const size_t eq = line.find('=');
        auto trim = [](std::string v) {
            const size_t b = v.find_first_not_of(" \t\r"), e = v.find_last_not_of(" \t\r");
            return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
        };
        if (trim(line).empty()) continue;
        const std::string where = path + ":" + std::to_string(n) + ": ";
        if (eq == std::string::npos) {
            err = where + "expected key = value";
            return false;
        }
        const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        auto number = [&](long lo, long hi, long &out) {
            char *end = nullptr;
            out = std::strtol(value.c_str(), &end, 10);
            if (value.empty() || *end || out < lo || out > hi) {
                err = where + key + " takes a number from " + std::to_string(lo) + " to " + std::to_string(hi);
                return false;
            }
            return true;
        };
        long v = 0;
        if (key == "ae_title") {
            if (value.empty() || value.size() > 16) return err = where + "an AE title has 1 to 16 characters", false;
            o.aet = value;
        } else if (key == "port") {
            if (!number(1, 65535, v)) return false;
            s.port = uint16_t(v);
        } else if (key == "storage") {
            s.storage = value;
        } else if (key == "bind") {
            s.bind = value;
        } else if (key == "max_associations" || key == "max_associations_per_address" || key == "max_pending" ||
                   key == "max_pending_per_address" || key == "idle_timeout" || key == "request_timeout" ||
                   key == "check_called_ae") {
            if (!s.limits.set(key, value, err)) return err = where + err, false;
        } else if (key == "max_pdu") {
            if (!number(4096, 64 << 20, v)) return false;
            o.max_pdu = uint32_t(v);
        } else if (key == "timeout") {
            if (!number(1, 3600, v)) return false;
            o.timeout_s = int(v);
        } else if (key == "dimse_timeout") {
            if (!number(1, 3600, v)) return false;
            o.dimse_s = int(v);
        } else if (key == "allow") {
            s.allow = words(value);
        } else if (key == "dest") {
            if (!parse_dest(value, s, err)) return err = where + err, false;
        } else if (key == "services") {
            s.services.clear();
            for (const auto &w : words(value)) {
                static const std::set<std::string> known = {"verification", "storage", "query-retrieve", "worklist", "mpps", "commitment"};
                if (!known.count(w)) return err = where + "unknown service '" + w + "'", false;
                s.services.insert(w);
            }
        } else if (key == "max_dataset_size" || key == "min_free_space") {
            if (!parse_size(value, key == "max_dataset_size" ? s.store_limits.max_dataset_size : s.store_limits.min_free_space))
                return err = where + key + " takes a size in bytes (or with K, M, G, T)", false;
        } else if (key == "commitment_report") {
            if (value != "same" && value != "new") return err = where + "commitment_report is 'same' or 'new'", false;
            s.commitment_report_same = value == "same";
        } else if (key == "storage_transfer_syntaxes") {
            for (const auto &w : words(value)) {
                try {
                    s.storage_syntaxes.push_back(std::string(dcmkit::TransferSyntax::parse(w).uid));
                } catch (const dcmkit::Error &e) {
                    return err = where + e.message(), false;
                }
            }
        } else {
            err = where + "unknown key '" + key + "'";
            return false;
        }
    }
    return true;
}

/// Settings for serve and conformance: --config FILE first, then the command line over it.
bool serve_settings(const std::string &name, const std::vector<std::string> &args, NetOptions &o, ServeSettings &s,
                    std::vector<std::string> &pos, std::string &err) {
    o.aet = "DCMKIT";
    for (size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--config" && !load_serve_config(args[i + 1], o, s, err)) return false;
    std::vector<std::string> value_opts = ServerLimits::value_options();
    value_opts.insert(value_opts.end(), {"--storage", "--dest", "--bind", "--config", "--port", "--max-dataset-size",
                                         "--min-free-space"});
    if (!o.parse(args, value_opts)) {
        err = o.error;
        return false;
    }
    for (size_t i = 0; i < o.rest.size(); ++i) {
        const std::string &a = o.rest[i];
        if (s.limits.option(o.rest, i, err)) {
            if (!err.empty()) return false;
        } else if (a == "--config") {
            ++i;
        } else if (a == "--storage") {
            s.storage = o.rest[++i];
        } else if (a == "--dest") {
            if (!parse_dest(o.rest[++i], s, err)) return false;
        } else if (a == "--bind") {
            s.bind = o.rest[++i];
        } else if (a == "--port") {
            if (!parse_port(o.rest[++i], s.port)) return err = "--port takes a port number", false;
        } else if (a == "--max-dataset-size" || a == "--min-free-space") {
            if (!parse_size(o.rest[++i], a == "--max-dataset-size" ? s.store_limits.max_dataset_size : s.store_limits.min_free_space))
                return err = a + " takes a size in bytes (or with K, M, G, T)", false;
        } else if (a.size() > 1 && a[0] == '-') {
            err = "unknown option '" + a + "'";
            return false;
        } else {
            pos.push_back(a);
        }
    }
    (void)name;
    return true;
}

/// What `dcmkit serve` negotiates: the one configuration its conformance statement is made from.
net::AeConfig serve_config(const NetOptions &o, const ServeSettings &s) {
    net::AeConfig cfg = o.config();
    auto has = [&](const char *service) { return s.services.count(service) != 0; };
    if (has("verification")) cfg.add_verification();
    // C-STORE in, and out as C-GET sub-operations (SCU role) when Query/Retrieve is served.
    if (has("storage")) cfg.add_all_storage(s.storage_syntaxes, /*scp=*/true, /*scu=*/has("query-retrieve"));
    if (has("query-retrieve"))
        for (const char *uid : {net::qr_uids::PatientRootFind, net::qr_uids::PatientRootMove, net::qr_uids::PatientRootGet,
                                net::qr_uids::StudyRootFind, net::qr_uids::StudyRootMove, net::qr_uids::StudyRootGet})
            cfg.add(uid, {}, true, false);
    if (has("worklist")) cfg.add(net::qr_uids::ModalityWorklistFind, {}, true, false);
    if (has("mpps")) cfg.add(net::sop::ModalityPerformedProcedureStep, {}, true, false);
    if (has("commitment")) cfg.add(net::sop::StorageCommitmentPushModel, {}, true, false);
    s.limits.apply(cfg);
    cfg.allowed_calling_aes = s.allow;
    return cfg;
}

}  // namespace

/// `dcmkit conformance serve [--config FILE] [-aet T] [--max-associations N] [--port P]`: the DICOM
/// Conformance Statement of `dcmkit serve` with these settings, generated from the configuration it
/// negotiates with.
int cmd_conformance(const std::string &, const Args &args_in) {
    std::vector<std::string> args = args_in;
    NetOptions o;
    ServeSettings s;
    std::vector<std::string> pos;
    std::string err, format = "md";
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] != "--format") continue;
        if (i + 1 >= args.size() || (args[i + 1] != "md" && args[i + 1] != "html"))
            return usage_error("conformance: --format takes md or html");
        format = args[i + 1];
        args.erase(args.begin() + long(i), args.begin() + long(i) + 2);
        break;
    }
    if (!serve_settings("conformance", args, o, s, pos, err)) return usage_error("conformance: " + err);
    if (pos.size() != 1 || pos[0] != "serve") return usage_error("conformance: the application is 'serve'");
    net::ConformanceProduct p;
    p.application = "dcmkit serve";
    p.port = s.port;
    p.version = DCMKIT_VERSION_STRING;
    p.description = "`dcmkit serve` is an embedded archive: it stores the instances it receives, indexes them, "
                    "answers queries and retrievals of them, serves a modality worklist, records performed "
                    "procedure steps and commits storage.";
    // What negotiation does not show, from the same settings serve runs with.
    if (s.services.count("storage")) {
        auto size = [](uint64_t n) { return std::to_string(n) + " bytes"; };
        std::string limits;
        if (s.store_limits.max_dataset_size)
            limits += " A dataset larger than " + size(s.store_limits.max_dataset_size) +
                      " is refused with A700H (one going on past twice that aborts the association).";
        if (s.store_limits.min_free_space)
            limits += " Below " + size(s.store_limits.min_free_space) + " of free space on the storage file system, instances "
                      "are refused with A700H.";
        p.service_notes.emplace_back(
            "Storage",
            "An instance is answered Success once its file is complete, checked and durable (fsynced). Refused, "
            "with an Error Comment (0000,0902) naming the problem and without keeping anything: a dataset that does "
            "not parse completely in the negotiated transfer syntax, native Pixel Data shorter than Rows x Columns x "
            "Samples per Pixel x Bits Allocated x Number of Frames, encapsulated Pixel Data in a native transfer "
            "syntax or native Pixel Data in an encapsulated one (C000H); an Affected SOP Instance UID that is not 1 "
            "to 64 digits and dots (0117H); a dataset whose SOP Class or Instance UID is not the command's (A900H); "
            "a write error (A700H)." + limits);
    }
    if (s.services.count("query-retrieve"))
        p.service_notes.emplace_back(
            "Query/Retrieve",
            "C-MOVE destinations are the AE titles configured with `dest` (AE=HOST:PORT); any other destination is "
            "refused with A801H (Move Destination unknown). Matching follows PS3.4 C.2.2.2 (single value, UID list, "
            "universal, wildcard, range and sequence matching) on normalised values; values are returned as stored. "
            "Patients are never merged: studies without a Patient ID are separate patients, and studies of the same "
            "Patient ID and Issuer with a different Patient's Name, Birth Date or Sex are separate PATIENT-level "
            "answers, each study answering with the values it was stored with; each such conflict is logged and "
            "listed by `dcmkit archive conflicts`.");
    const net::CommitReportOptions report_defaults;
    if (s.services.count("commitment"))
        p.service_notes.emplace_back(
            "Storage Commitment",
            std::string(s.commitment_report_same
                            ? "The N-EVENT-REPORT is sent on the N-ACTION's association while the SCU keeps it open; "
                              "when the SCU has released it, "
                            : "The N-EVENT-REPORT is always sent ") +
                "on a new association to the address configured with `dest` for the SCU's AE title, proposing the "
                "SCP role (SCP/SCU Role Selection: SCU 0, SCP 1); " + std::to_string(report_defaults.attempts) +
                " attempts, " + std::to_string(report_defaults.retry_delay_ms / 1000) + " s apart. An instance is "
                "committed when the archive holds it and its file still has the SHA-256 recorded when it was "
                "stored; failure reasons: 0112H (not held), 0119H (held with another SOP class), 0110H (its file "
                "changed or is gone).");
    const net::AeConfig cfg = serve_config(o, s);
    write_all(format == "html" ? net::conformance_statement_html(cfg, p) : net::conformance_statement_md(cfg, p));
    return 0;
}

int cmd_serve(const std::string &, const Args &args) {
    NetOptions o;
    ServeSettings s;
    std::vector<std::string> pos;
    std::string err;
    if (!serve_settings("serve", args, o, s, pos, err)) return usage_error("serve: " + err);
    if (pos.size() > 1 || (pos.size() == 1 && !parse_port(pos[0], s.port))) return usage_error("serve: needs PORT");
    if (s.port == 0) return usage_error("serve: needs PORT (or port = in the configuration file)");
    if (s.storage.empty()) return usage_error("serve: --storage DIR (or storage = in the configuration file) is required");
    const std::string storage = s.storage, bind = s.bind;
    const uint16_t port = s.port;
    const auto destinations = s.destinations;

    net::AeConfig cfg = serve_config(o, s);
    try {
        auto index = open_archive(storage, serve_index_options(cfg));
        auto folder = std::make_shared<net::StorageFolder>(storage + "/files");
        folder->set_limits(s.store_limits);
        auto mpps = std::make_shared<net::MppsStore>(storage + "/mpps");
        // A stop between a file's rename and its indexing (a crash, kill -9) leaves a file the index
        // does not know: index those again before serving, checked as a C-STORE is.
        const size_t recovered = reindex_orphans(*index, *folder, storage + "/quarantine");
        if (recovered) std::fprintf(stderr, "dcmkit: indexed %zu file(s) stored before an interruption\n", recovered);
        net::ServiceHandlers h;
        h.on_store = [index, folder, &cfg](net::StoreRequest &rq) -> uint16_t {
            const uint16_t st = folder->receive(rq);
            const auto kind = net::dimse::status_kind(st);
            if (kind != net::dimse::StatusKind::Success && kind != net::dimse::StatusKind::Warning) return st;
            // Stored under its (checked) SOP Instance UID.
            const std::string path = folder->path_for(rq.sop_instance_uid);
            try {
                index_file(*index, path);
            } catch (const dcmkit::Error &e) {
                cfg.emit(net::LogLevel::error, "cannot index " + path + ": " + e.what());
                std::remove(path.c_str());
                rq.error_comment = "cannot index the instance";
                return net::dimse::status::OutOfResources;
            }
            return st;
        };
        auto root_of = [](net::QueryModel m) {
            return m == net::QueryModel::PatientRoot ? archive::Root::patient_root : archive::Root::study_root;
        };
        h.on_find = [index, root_of](net::QueryRequest &rq) -> uint16_t {
            try {
                auto emit = [&](dcmkit::Dataset &&match) { return rq.emit(match); };
                if (rq.model == net::QueryModel::Worklist) {
                    index->find_worklist(rq.identifier, emit);
                } else {
                    archive::Level level;
                    if (!archive::parse_level(rq.level, level)) return net::dimse::status::IdentifierDoesNotMatchSOPClass;
                    index->find(level, rq.identifier, root_of(rq.model), emit);
                }
                return net::dimse::status::Success;
            } catch (const archive::QueryError &e) {
                return e.status();
            }
        };
        auto retrieve = [index, root_of, destinations](net::QueryRequest &rq) -> net::RetrievePlan {
            net::RetrievePlan plan;
            if (rq.command_field == net::dimse::C_MOVE_RQ) {
                auto it = destinations.find(rq.move_destination);
                if (it == destinations.end()) {
                    plan.status = net::dimse::status::MoveDestinationUnknown;
                    plan.error_comment = "unknown move destination " + rq.move_destination;
                    return plan;
                }
                plan.host = it->second.first;
                plan.port = it->second.second;
            }
            try {
                archive::Level level;
                if (!archive::parse_level(rq.level, level)) {
                    plan.status = net::dimse::status::IdentifierDoesNotMatchSOPClass;
                    return plan;
                }
                for (auto &f : index->files_for(level, rq.identifier, root_of(rq.model))) plan.files.push_back(f.path);
            } catch (const archive::QueryError &e) {
                plan.status = e.status();
                plan.error_comment = e.message();
            }
            return plan;
        };
        h.on_move = retrieve;
        h.on_get = retrieve;
        mpps->on_change = [index](const std::string &, const dcmkit::Dataset &ds) {
            // The worklist follows the procedure step: IN PROGRESS, COMPLETED or DISCONTINUED.
            const std::string status = ds.get_string_or(dcmkit::Tag(0x0040, 0x0252), "");
            for (const dcmkit::Dataset &step : ds.get_items(dcmkit::Tag(0x0040, 0x0270))) {
                const std::string sps = step.get_string_or(dcmkit::Tag(0x0040, 0x0009), "");
                if (!sps.empty()) index->set_procedure_step_status(sps, status);
            }
        };
        h.n_handlers[net::sop::ModalityPerformedProcedureStep] = mpps->handler();
        // Reports that cannot use the N-ACTION's association go to the requestor's `dest` address.
        net::CommitReportOptions reports;
        reports.same_association = s.commitment_report_same;
        reports.ae = cfg;
        reports.locate = [destinations](const std::string &ae) -> std::optional<std::pair<std::string, uint16_t>> {
            auto it = destinations.find(ae);
            if (it == destinations.end()) return std::nullopt;
            return it->second;
        };
        h.n_handlers[net::sop::StorageCommitmentPushModel] = net::storage_commitment_handler(
            [index](const std::string &cls, const std::string &inst) { return failure_reason(index->verify(cls, inst)); },
            std::move(reports));
        net::Server server(cfg, h);
        server.start(bind, port);
        g_server = &server;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
        const auto stats = index->stats();
        std::fprintf(stderr,
                     "dcmkit: %s serving on port %u from %s (%llu instances): Verification, Storage, Q/R FIND/MOVE/GET, "
                     "Worklist, MPPS, Storage Commitment (Ctrl-C stops)\n",
                     cfg.ae_title.c_str(), server.port(), storage.c_str(), static_cast<unsigned long long>(stats.instances));
        server.wait();
        server.stop();
        g_server = nullptr;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: serve: %s\n", e.what());
        return 1;
    }
    return 0;
}

int cmd_worklist(const std::string &, const Args &args) {
    if (args.empty() || args[0] != "add") return usage_error("worklist: the command is 'worklist add --storage DIR ITEM.json...'");
    std::string storage;
    std::vector<std::string> items;
    for (size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--storage") {
            if (i + 1 >= args.size()) return usage_error("worklist: --storage needs a folder");
            storage = args[++i];
        } else if (args[i].size() > 1 && args[i][0] == '-') {
            return usage_error("worklist: unknown option '" + args[i] + "'");
        } else {
            items.push_back(args[i]);
        }
    }
    if (storage.empty() || items.empty()) return usage_error("worklist add: needs --storage DIR and ITEM.json");
    int rc = 0;
    try {
        auto index = open_archive(storage);
        for (const auto &path : items) {
            try {
                std::ifstream f(path, std::ios::binary);
                if (!f) throw dcmkit::Error(dcmkit::Errc::not_found, "cannot read " + path);
                std::stringstream ss;
                ss << f.rdbuf();
                const int64_t id = index->add_worklist_item(dcmkit::from_json(ss.str()));
                std::printf("%s: worklist item %lld\n", path.c_str(), static_cast<long long>(id));
            } catch (const dcmkit::Error &e) {
                std::fprintf(stderr, "dcmkit: error: %s: %s\n", path.c_str(), e.what());
                rc = 1;
            }
        }
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: worklist: %s\n", e.what());
        return 1;
    }
    return rc;
}

/// `dcmkit archive conflicts --storage DIR`: the patient conflicts the archive's index recorded.
int cmd_archive(const std::string &, const Args &args) {
    if (args.empty() || args[0] != "conflicts")
        return usage_error("archive: the command is 'archive conflicts --storage DIR'");
    std::string storage;
    for (size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--storage" && i + 1 < args.size()) storage = args[++i];
        else return usage_error("archive conflicts: unexpected '" + args[i] + "'");
    }
    if (storage.empty()) return usage_error("archive conflicts: needs --storage DIR");
    struct stat sb {};
    if (::stat((storage + "/index.sqlite").c_str(), &sb) != 0) {
        std::fprintf(stderr, "dcmkit: error: archive: no index in %s (dcmkit serve --storage creates one)\n",
                     storage.c_str());
        return 1;
    }
    try {
        archive::SqliteIndexOptions options;
        options.log = [](const std::string &line) { std::fprintf(stderr, "dcmkit: %s\n", line.c_str()); };
        const auto conflicts = archive::SqliteIndex(storage, options).conflicts();
        for (const auto &c : conflicts) std::printf("%s %s\n", c.recorded_at.c_str(), archive::describe(c).c_str());
        std::fprintf(stderr, "dcmkit: %zu patient conflict(s) in %s\n", conflicts.size(), storage.c_str());
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: archive: %s\n", e.what());
        return 1;
    }
    return 0;
}


}  // namespace dcmkit_cli
