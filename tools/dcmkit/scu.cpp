// dcmkit — the command-line tool: the requests to a peer (echo, send, find, mwl, move, get, mpps,
// commit).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "dcmkit/services/workflow.h"
#include "dcmkit/uid.h"

namespace dcmkit_cli {

namespace {

/// Adds one -k key to `ds` (dcmkit::set_key) and its top-level tag to the output columns.
bool add_key(dcmkit::Dataset &ds, const std::string &spec, std::vector<dcmkit::Tag> *columns, std::string &err) {
    try {
        const dcmkit::Tag tag = dcmkit::set_key(ds, spec);
        if (columns && std::find(columns->begin(), columns->end(), tag) == columns->end()) columns->push_back(tag);
        return true;
    } catch (const dcmkit::Error &e) {
        err = e.message();
        return false;
    }
}

/// Options shared by find, move and get.
struct QueryOptions {
    char model = 'S';
    dcmkit::Dataset identifier;
    std::vector<dcmkit::Tag> columns;
    std::vector<std::string> pos;
    std::string dest, out;
    bool json = false, fsync = true, uncompressed = false;
    long cancel_after = -1;

    /// Parses what NetOptions left; `name` for messages.
    bool parse(const std::string &name, const std::vector<std::string> &rest, std::string &err) {
        for (size_t i = 0; i < rest.size(); ++i) {
            const std::string &a = rest[i];
            if (a == "-S" || a == "-P" || a == "-W") model = a[1];
            else if (a == "-k" || a == "--key") {
                if (!add_key(identifier, rest[++i], &columns, err)) return false;
            } else if (a == "--json") json = true;
            else if (a == "--no-fsync") fsync = false;
            else if (a == "--uncompressed") uncompressed = true;
            else if (a == "--dest" || a == "-aem" || a == "--move") dest = rest[++i];
            else if (a == "--out" || a == "-od") out = rest[++i];
            else if (a == "--cancel") cancel_after = std::max(0L, std::atol(rest[++i].c_str()));
            else if (a.size() > 1 && a[0] == '-') {
                err = name + ": unknown option '" + a + "'";
                return false;
            } else pos.push_back(a);
        }
        const dcmkit::Tag level(0x0008, 0x0052);
        if (model != 'W' && !identifier.contains(level)) identifier.set_string(level, "STUDY", dcmkit::VR::CS);
        return true;
    }
};

const std::vector<std::string> kQueryValueOpts = {"-k", "--key", "--dest", "-aem", "--move", "--out", "-od", "--cancel"};

std::string cell(const dcmkit::Dataset &ds, dcmkit::Tag t) {
    const dcmkit::Element *e = ds.find(t);
    if (!e) return "";
    if (e->is_sequence()) return "(" + std::to_string(e->items.size()) + " item(s))";
    try {
        if (dcmkit::vr_is_string(e->vr)) return ds.get_string(t);
        std::string s;
        for (double v : ds.get_numbers(t)) s += (s.empty() ? "" : "\\") + std::to_string(int64_t(v));
        return s;
    } catch (const dcmkit::Error &) {
        return "?";
    }
}

/// The options and HOST PORT of find, move and get; 0, or the usage error's exit status.
int parse_query_command(const std::string &name, const std::vector<std::string> &args, NetOptions &o, QueryOptions &q,
                        uint16_t &port) {
    if (!o.parse(args, kQueryValueOpts)) return usage_error(name + ": " + o.error);
    std::string err;
    if (!q.parse(name, o.rest, err)) return usage_error(err);
    if (q.pos.size() != 2 || !parse_port(q.pos[1], port)) return usage_error(name + ": needs HOST PORT");
    return 0;
}

/// move and get: the progress line and the final counts.
int report_retrieve(const char *what, const net::RetrieveResult &r, double seconds) {
    if (::isatty(2)) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "%s: %s; completed %u, failed %u, warning %u in %.2f s\n", what,
                 net::qr_status_text(net::dimse::C_MOVE_RSP, r.status).c_str(), r.completed, r.failed, r.warning, seconds);
    if (!r.error_comment.empty()) std::fprintf(stderr, "  %s\n", r.error_comment.c_str());
    for (const auto &uid : r.failed_sop_instances) std::fprintf(stderr, "  failed: %s\n", uid.c_str());
    return r.status == 0 ? 0 : 1;
}

net::RetrieveProgressFn progress_line() {
    const bool tty = ::isatty(2);
    return [tty](const net::RetrieveProgress &p) {
        if (tty && p.status >= 0xFF00)
            std::fprintf(stderr, "\r\033[Kremaining %u, completed %u, failed %u, warning %u",
                         p.remaining ? unsigned(*p.remaining) : 0u, p.completed, p.failed, p.warning);
        return true;
    };
}

}  // namespace

int cmd_echo(const std::string &, const Args &args) {
    NetOptions o;
    if (!o.parse(args, {"--repeat"})) return usage_error("echo: " + o.error);
    std::vector<std::string> pos;
    int repeat = 1;
    for (size_t i = 0; i < o.rest.size(); ++i) {
        if (o.rest[i] == "--repeat") repeat = std::max(1, std::atoi(o.rest[++i].c_str()));
        else if (o.rest[i][0] == '-') return usage_error("echo: unknown option '" + o.rest[i] + "'");
        else pos.push_back(o.rest[i]);
    }
    uint16_t port = 0;
    if (pos.size() != 2 || !parse_port(pos[1], port)) return usage_error("echo: needs HOST PORT");
    net::AeConfig cfg = o.config();
    cfg.add(dcmkit::uids::Verification, {dcmkit::uids::ExplicitVRLittleEndian, dcmkit::uids::ImplicitVRLittleEndian}, false, true);
    try {
        auto t0 = std::chrono::steady_clock::now();
        auto assoc = net::Association::connect(cfg, pos[0], port, o.aec);
        int failed = 0;
        for (int i = 0; i < repeat; ++i) {
            uint16_t st = net::echo(*assoc);
            if (st != 0) ++failed;
            if (o.level >= net::LogLevel::info || st != 0)
                std::fprintf(stderr, "C-ECHO %d: %s\n", i + 1, net::dimse::status_text(st).c_str());
        }
        assoc->release();
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (o.level >= net::LogLevel::info) std::fprintf(stderr, "%d echo(es) in %.1f ms\n", repeat, ms);
        return failed ? 1 : 0;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: echo %s:%u: %s\n", pos[0].c_str(), port, e.what());
        return 1;
    }
}

int cmd_send(const std::string &, const Args &args) {
    NetOptions o;
    if (!o.parse(args, {})) return usage_error("send: " + o.error);
    bool recursive = false;
    std::vector<std::string> pos;
    for (const auto &a : o.rest) {
        if (a == "-r" || a == "--recursive") recursive = true;
        else if (a.size() > 1 && a[0] == '-') return usage_error("send: unknown option '" + a + "'");
        else pos.push_back(a);
    }
    uint16_t port = 0;
    if (pos.size() < 3 || !parse_port(pos[1], port)) return usage_error("send: needs HOST PORT FILE|DIR...");
    std::vector<std::string> files;
    for (size_t i = 2; i < pos.size(); ++i) collect_files(pos[i], recursive, true, files);
    net::AeConfig cfg = o.config();
    cfg.max_ops_invoked = 16;  // asynchronous operations window, when the peer grants it (PS3.7 D.3.3.3)
    std::vector<std::string> errors;
    files = net::add_storage_contexts(cfg, files, &errors);
    for (const auto &e : errors) std::fprintf(stderr, "dcmkit: skipped: %s\n", e.c_str());
    if (files.empty()) {
        std::fprintf(stderr, "dcmkit: error: send: no DICOM files to send\n");
        return 1;
    }
    const bool tty = ::isatty(2);
    size_t sent = 0, failed = static_cast<size_t>(errors.size());
    uint64_t bytes = 0;
    auto t0 = std::chrono::steady_clock::now();
    auto progress = [&](bool final) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double mbps = s > 0 ? double(bytes) / 1e6 / s : 0;
        if (final) {
            if (tty) std::fputs("\r\033[K", stderr);
            std::fprintf(stderr, "sent %zu, failed %zu, %.1f MB in %.2f s, %.1f MB/s\n", sent, failed,
                         double(bytes) / 1e6, s, mbps);
        } else if (tty) {
            const size_t done = sent + failed - errors.size(), total = files.size();
            const int width = 30, filled = int(width * double(done) / double(total));
            std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu  %.1f MB/s", filled, "##############################",
                         width - filled, "", done, total, mbps);
        }
    };
    try {
        auto assoc = net::Association::connect(cfg, pos[0], port, o.aec);
        net::store_files(*assoc, files, [&](size_t i, const net::StoreResult *r, const dcmkit::Error *e) {
            const std::string &f = files[i];
            if (e || net::dimse::status_kind(r->status) == net::dimse::StatusKind::Failure) {
                ++failed;
                if (tty) std::fputs("\r\033[K", stderr);
                const std::string why = e ? e->what()
                                          : net::dimse::status_text(r->status) +
                                                (r->error_comment.empty() ? "" : ": " + r->error_comment);
                std::fprintf(stderr, "dcmkit: %s: %s\n", f.c_str(), why.c_str());
            } else {
                ++sent;
                bytes += r->bytes;
                if (o.level >= net::LogLevel::info)
                    std::fprintf(stderr, "%s%s: %s%s\n", tty ? "\r\033[K" : "", f.c_str(),
                                 net::dimse::status_text(r->status).c_str(), r->transcoded ? " (re-encoded)" : "");
            }
            progress(false);
        });
        assoc->release();
    } catch (const dcmkit::Error &e) {
        if (tty) std::fputs("\r\033[K", stderr);
        std::fprintf(stderr, "dcmkit: error: send to %s:%u: %s\n", pos[0].c_str(), port, e.what());
        failed = files.size() + errors.size() - sent;
        progress(true);
        return 1;
    }
    progress(true);
    return failed ? 1 : 0;
}


int cmd_find(const std::string &, const Args &args) {
    NetOptions o;
    QueryOptions q;
    uint16_t port = 0;
    if (int rc = parse_query_command("find", args, o, q, port)) return rc;
    const std::string sop = q.model == 'W' ? dcmkit::uids::ModalityWorklistInformationModelFind
                            : q.model == 'P' ? dcmkit::uids::PatientRootQueryRetrieveInformationModelFind
                                             : dcmkit::uids::StudyRootQueryRetrieveInformationModelFind;
    net::AeConfig cfg = o.config();
    cfg.add(sop, {}, false, true);
    std::vector<dcmkit::Dataset> json_rows;
    std::string table;
    auto row = [&](const dcmkit::Dataset &ds) {
        std::string line;
        for (size_t i = 0; i < q.columns.size(); ++i) line += (i ? "\t" : "") + cell(ds, q.columns[i]);
        return line + "\n";
    };
    try {
        auto assoc = net::Association::connect(cfg, q.pos[0], port, o.aec);
        if (!q.json) {
            std::string head;
            for (size_t i = 0; i < q.columns.size(); ++i) {
                const char *kw = dcmkit::dict_keyword(q.columns[i]);
                char buf[16];
                std::snprintf(buf, sizeof buf, "(%04X,%04X)", q.columns[i].group(), q.columns[i].element());
                head += (i ? "\t" : "") + std::string(*kw ? kw : buf);
            }
            write_all(head + "\n");
        }
        long n = 0;
        net::FindResult r = net::find(*assoc, sop, q.identifier, [&](const dcmkit::Dataset &m) {
            ++n;
            if (q.json) json_rows.push_back(m);
            else write_all(row(m));
            return q.cancel_after < 0 || n < q.cancel_after;
        });
        assoc->release();
        if (q.json) {
            dcmkit::JsonWriteOptions jopt;
            jopt.pretty = true;
            std::string out = "[";
            for (size_t i = 0; i < json_rows.size(); ++i) out += (i ? ",\n" : "\n") + dcmkit::to_json(json_rows[i], jopt);
            out += "\n]\n";
            write_all(out);
        }
        const bool ok = r.status == 0 || (r.cancelled && r.status == net::dimse::status::Cancel);
        if (o.level >= net::LogLevel::info || !ok)
            std::fprintf(stderr, "%zu match(es), %s%s%s\n", r.matches,
                         net::qr_status_text(net::dimse::C_FIND_RSP, r.status).c_str(),
                         r.error_comment.empty() ? "" : ": ", r.error_comment.c_str());
        return ok ? 0 : 1;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: find %s:%u: %s\n", q.pos[0].c_str(), port, e.what());
        return 1;
    }
}

int cmd_mwl(const std::string &name, const Args &args) {  // find -W: the Modality Worklist
    std::vector<std::string> a = args;
    a.insert(a.begin(), "-W");
    return cmd_find(name, a);
}

int cmd_move(const std::string &, const Args &args) {
    NetOptions o;
    QueryOptions q;
    uint16_t port = 0;
    if (int rc = parse_query_command("move", args, o, q, port)) return rc;
    if (q.dest.empty() || q.dest.size() > 16) return usage_error("move: --dest AE (1 to 16 characters) is required");
    if (q.model == 'W') return usage_error("move: the worklist has no C-MOVE");
    const std::string sop = q.model == 'P' ? dcmkit::uids::PatientRootQueryRetrieveInformationModelMove : dcmkit::uids::StudyRootQueryRetrieveInformationModelMove;
    net::AeConfig cfg = o.config();
    cfg.add(sop, {}, false, true);
    const auto t0 = std::chrono::steady_clock::now();
    try {
        auto assoc = net::Association::connect(cfg, q.pos[0], port, o.aec);
        net::RetrieveResult r = net::move(*assoc, sop, q.dest, q.identifier, progress_line());
        assoc->release();
        return report_retrieve("move", r, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: move %s:%u: %s\n", q.pos[0].c_str(), port, e.what());
        return 1;
    }
}

int cmd_get(const std::string &, const Args &args) {
    NetOptions o;
    QueryOptions q;
    uint16_t port = 0;
    if (int rc = parse_query_command("get", args, o, q, port)) return rc;
    if (q.out.empty()) return usage_error("get: --out DIR is required");
    if (q.model == 'W') return usage_error("get: the worklist has no C-GET");
    const std::string sop = q.model == 'P' ? dcmkit::uids::PatientRootQueryRetrieveInformationModelGet : dcmkit::uids::StudyRootQueryRetrieveInformationModelGet;
    net::AeConfig cfg = o.config();
    cfg.add(sop, {}, false, true);
    // The C-STORE sub-operations come back with us as SCP (PS3.7 D.3.3.4), in every syntax we can
    // store (the peer sends what it holds) unless --uncompressed.
    if (q.uncompressed) cfg.add_get_storage(net::uncompressed_transfer_syntaxes());
    else cfg.add_get_storage();
    const auto t0 = std::chrono::steady_clock::now();
    try {
        // The source keeps its copies: each C-STORE is answered once its file is written, and all
        // of them are made durable together before get reports (--no-fsync: not at all).
        net::StorageFolder folder(q.out, q.fsync ? net::StorageFolder::Durability::at_end : net::StorageFolder::Durability::none);
        auto assoc = net::Association::connect(cfg, q.pos[0], port, o.aec);
        net::RetrieveResult r = net::get(*assoc, sop, q.identifier, folder, progress_line());
        assoc->release();
        folder.sync_all();
        return report_retrieve("get", r, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: get %s:%u: %s\n", q.pos[0].c_str(), port, e.what());
        return 1;
    }
}

/// `dcmkit commit HOST PORT FILE...`: Storage Commitment of the instances in the files (PS3.4 J).
int cmd_commit(const std::string &, const Args &args) {
    NetOptions o;
    if (!o.parse(args, {"--wait", "--listen"})) return usage_error("commit: " + o.error);
    std::vector<std::string> pos;
    int wait_s = 30;
    uint16_t listen_port = 0;
    for (size_t i = 0; i < o.rest.size(); ++i) {
        if (o.rest[i] == "--wait") wait_s = std::max(1, std::atoi(o.rest[++i].c_str()));
        else if (o.rest[i] == "--listen") {
            if (!parse_port(o.rest[++i], listen_port)) return usage_error("commit: --listen takes a port number");
        } else if (o.rest[i].size() > 1 && o.rest[i][0] == '-') return usage_error("commit: unknown option '" + o.rest[i] + "'");
        else pos.push_back(o.rest[i]);
    }
    uint16_t port = 0;
    if (pos.size() < 3 || !parse_port(pos[1], port)) return usage_error("commit: needs HOST PORT FILE...");
    std::vector<net::CommitItem> items;
    for (size_t i = 2; i < pos.size(); ++i) {
        try {
            dcmkit::ReadOptions ro;
            ro.stop_before_pixels = true;
            const dcmkit::DicomFile f = dcmkit::read_file(pos[i], ro);
            items.push_back({f.dataset.get_string(dcmkit::tags::SOPClassUID), f.dataset.get_string(dcmkit::tags::SOPInstanceUID), 0});
        } catch (const dcmkit::Error &e) {
            std::fprintf(stderr, "dcmkit: error: %s: %s\n", pos[i].c_str(), e.what());
            return 1;
        }
    }
    net::AeConfig cfg = o.config();
    cfg.add(dcmkit::uids::StorageCommitmentPushModel, {}, false, true);
    try {
        // With --listen the report comes on an association the archive requests, proposing the
        // SCP role of the class; this AE accepts it in the SCU role. Listening starts before the
        // request, so that a report sent at once finds it.
        net::CommitmentReports reports;
        std::unique_ptr<net::Server> listener;
        if (listen_port) listener = reports.listen(cfg, "", listen_port);
        auto assoc = net::Association::connect(cfg, pos[0], port, o.aec);
        net::CommitResult r = net::request_commitment(*assoc, items, listen_port ? 0 : wait_s * 1000);
        if (assoc->established()) assoc->release();
        if (net::dimse::status_kind(r.action_status) == net::dimse::StatusKind::Failure) {
            std::fprintf(stderr, "dcmkit: error: commit: %s\n", net::dimse::status_text(r.action_status).c_str());
            return 1;
        }
        if (listen_port) reports.wait(r, wait_s * 1000);
        if (!r.report_received) {
            const std::string where = listen_port ? "to port " + std::to_string(listen_port) + " as " + cfg.ae_title
                                                  : "on the request's association";
            std::fprintf(stderr, "dcmkit: commit: requested (transaction %s); no report came %s within %d s\n",
                         r.transaction_uid.c_str(), where.c_str(), wait_s);
            return 1;
        }
        for (const auto &c : r.committed) std::printf("committed\t%s\n", c.sop_instance_uid.c_str());
        for (const auto &c : r.failed)
            std::printf("failed\t%s\t%04XH %s\n", c.sop_instance_uid.c_str(), c.failure_reason,
                        c.failure_reason == 0x0112 ? "no such object instance"
                        : c.failure_reason == 0x0119 ? "class-instance conflict"
                                                     : "processing failure");
        std::fprintf(stderr, "dcmkit: commit: %zu committed, %zu failed\n", r.committed.size(), r.failed.size());
        return r.failed.empty() ? 0 : 1;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: commit: %s\n", e.what());
        return 1;
    }
}

/// `dcmkit mpps HOST PORT create|set ATTRS.json [--uid UID]`: an MPPS N-CREATE or N-SET (PS3.4 F).
int cmd_mpps(const std::string &, const Args &args) {
    NetOptions o;
    if (!o.parse(args, {"--uid"})) return usage_error("mpps: " + o.error);
    std::vector<std::string> pos;
    std::string uid;
    for (size_t i = 0; i < o.rest.size(); ++i) {
        if (o.rest[i] == "--uid") uid = o.rest[++i];
        else if (o.rest[i].size() > 1 && o.rest[i][0] == '-') return usage_error("mpps: unknown option '" + o.rest[i] + "'");
        else pos.push_back(o.rest[i]);
    }
    uint16_t port = 0;
    if (pos.size() != 4 || !parse_port(pos[1], port) || (pos[2] != "create" && pos[2] != "set"))
        return usage_error("mpps: needs HOST PORT create|set ATTRIBUTES.json");
    if (pos[2] == "set" && uid.empty()) return usage_error("mpps set: --uid is required");
    try {
        std::ifstream f(pos[3], std::ios::binary);
        if (!f) throw dcmkit::Error(dcmkit::Errc::not_found, "cannot read " + pos[3]);
        std::stringstream ss;
        ss << f.rdbuf();
        const dcmkit::Dataset attrs = dcmkit::from_json(ss.str());
        net::AeConfig cfg = o.config();
        cfg.add(dcmkit::uids::ModalityPerformedProcedureStep, {}, false, true);
        auto assoc = net::Association::connect(cfg, pos[0], port, o.aec);
        if (pos[2] == "create" && uid.empty()) uid = dcmkit::generate_uid();
        const net::NResult r = pos[2] == "create"
                                   ? net::n_create(*assoc, dcmkit::uids::ModalityPerformedProcedureStep, uid, attrs)
                                   : net::n_set(*assoc, dcmkit::uids::ModalityPerformedProcedureStep, uid, attrs);
        assoc->release();
        if (net::dimse::status_kind(r.status) == net::dimse::StatusKind::Failure) {
            std::fprintf(stderr, "dcmkit: error: mpps %s: %s%s%s\n", pos[2].c_str(), net::dimse::status_text(r.status).c_str(),
                         r.error_comment.empty() ? "" : ": ", r.error_comment.c_str());
            return 1;
        }
        std::printf("%s\n", r.sop_instance_uid.c_str());
        return 0;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: mpps: %s\n", e.what());
        return 1;
    }
}

}  // namespace dcmkit_cli
