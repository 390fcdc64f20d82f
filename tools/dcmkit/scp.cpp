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
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#ifdef DCMKIT_HAVE_ARCHIVE
#include "dcmkit/archive.h"
#include "dcmkit/archive_server.h"
#endif
#include "dcmkit/codec.h"
#include "dcmkit/render.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/services/conformance.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "dcmkit/services/workflow.h"
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

#ifdef DCMKIT_HAVE_ARCHIVE
namespace {

namespace archive = dcmkit::archive;

/// The archive serve runs, stopped by SIGINT and SIGTERM.
archive::Server *g_archive = nullptr;
extern "C" void on_archive_signal(int) {
    if (g_archive) g_archive->request_stop();
}

/// Takes the server limit option at rest[i] (and its value) into `c` if it is one; `err` set on a bad value.
bool limit_option(const std::vector<std::string> &rest, size_t &i, archive::Config &c, std::string &err) {
    const std::string &a = rest[i];
    if (a == "--check-called-ae") return c.check_called_ae = true, true;
    if (a == "--no-check-called-ae") return c.check_called_ae = false, true;
    const auto opts = ServerLimits::value_options();
    if (std::find(opts.begin(), opts.end(), a) == opts.end()) return false;
    std::string key = a.substr(2);
    std::replace(key.begin(), key.end(), '-', '_');
    if (!c.set(key, rest[++i], err)) err = a + ": " + err;
    return true;
}

/// Settings for serve and conformance: --config FILE first (archive::Config's file), then the
/// command line over it.
bool serve_settings(const std::vector<std::string> &args, NetOptions &o, archive::Config &c,
                    std::vector<std::string> &pos, std::string &err) {
    for (size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] != "--config") continue;
        try {
            c.load_file(args[i + 1]);
        } catch (const dcmkit::Error &e) {
            err = e.message();
            return false;
        }
    }
    o.aet = c.ae_title;
    o.max_pdu = c.max_pdu;
    o.timeout_s = c.timeout_s;
    o.dimse_s = c.dimse_timeout_s;
    if (c.tls) {
        o.tls_on = true;
        o.tls_opts = *c.tls;
    }
    std::vector<std::string> value_opts = ServerLimits::value_options();
    value_opts.insert(value_opts.end(), {"--storage", "--index", "--dest", "--bind", "--config", "--port", "--max-dataset-size",
                                         "--min-free-space", "--audit", "--hl7", "--http"});
    if (!o.parse(args, value_opts)) {
        err = o.error;
        return false;
    }
    for (size_t i = 0; i < o.rest.size(); ++i) {
        const std::string &a = o.rest[i];
        if (limit_option(o.rest, i, c, err)) {
            if (!err.empty()) return false;
        } else if (a == "--config") {
            ++i;
        } else if (a == "--storage") {
            c.storage = o.rest[++i];
        } else if (a == "--index") {
            c.index = o.rest[++i];
        } else if (a == "--dest") {
            if (!c.add_destination(o.rest[++i], err)) return false;
        } else if (a == "--bind") {
            c.bind = o.rest[++i];
        } else if (a == "--audit") {
            if (!c.set("audit", o.rest[++i], err)) return err = "--audit: " + err, false;
        } else if (a == "--hl7") {
            if (!c.set("hl7_port", o.rest[++i], err)) return err = "--hl7: " + err, false;
        } else if (a == "--port") {
            if (!parse_port(o.rest[++i], c.port)) return err = "--port takes a port number", false;
        } else if (a == "--http") {
            if (!c.set("http_port", o.rest[++i], err)) return err = "--http: " + err, false;
        } else if (a == "--max-dataset-size" || a == "--min-free-space") {
            if (!parse_size(o.rest[++i], a == "--max-dataset-size" ? c.max_dataset_size : c.min_free_space))
                return err = a + " takes a size in bytes (or with K, M, G, T)", false;
        } else if (a.size() > 1 && a[0] == '-') {
            err = "unknown option '" + a + "'";
            return false;
        } else {
            pos.push_back(a);
        }
    }
    c.ae_title = o.aet;
    c.max_pdu = o.max_pdu;
    c.timeout_s = o.timeout_s;
    c.dimse_timeout_s = o.dimse_s;
    c.log_level = o.level;
    c.user_identity = o.config().user_identity;
    if (o.tls_on) c.tls = o.tls_opts;
    else c.tls.reset();
    return true;
}

}  // namespace

/// `dcmkit conformance serve [--config FILE] [-aet T] [--max-associations N] [--port P]`: the DICOM
/// Conformance Statement of `dcmkit serve` with these settings, generated from the configuration it
/// negotiates with.
int cmd_conformance(const std::string &, const Args &args_in) {
    std::vector<std::string> args = args_in;
    NetOptions o;
    archive::Config s;
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
    if (!serve_settings(args, o, s, pos, err)) return usage_error("conformance: " + err);
    if (pos.size() != 1 || pos[0] != "serve") return usage_error("conformance: the application is 'serve'");
    net::ConformanceProduct p;
    p.application = "dcmkit serve";
    p.port = s.port;
    p.version = DCMKIT_VERSION_STRING;
    p.description = "`dcmkit serve` is an embedded archive: it stores the instances it receives, indexes them, "
                    "answers queries and retrievals of them, serves a modality worklist, records performed "
                    "procedure steps and commits storage.";
    // What negotiation does not show, from the same settings serve runs with.
    if (s.serves("storage")) {
        auto size = [](uint64_t n) { return std::to_string(n) + " bytes"; };
        std::string limits;
        if (s.max_dataset_size)
            limits += " A dataset larger than " + size(s.max_dataset_size) +
                      " is refused with A700H (one going on past twice that aborts the association).";
        if (s.min_free_space)
            limits += " Below " + size(s.min_free_space) + " of free space on the storage file system, instances "
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
    if (s.serves("query-retrieve"))
        p.service_notes.emplace_back(
            "Query/Retrieve",
            "C-MOVE destinations are the AE titles configured with `dest` (AE=HOST:PORT); any other destination is "
            "refused with A801H (Move Destination unknown). Matching follows PS3.4 C.2.2.2 (single value, UID list, "
            "universal, wildcard, range and sequence matching) on normalised values; values are returned as stored. "
            "Patients are never merged: studies without a Patient ID are separate patients, and studies of the same "
            "Patient ID and Issuer with a different Patient's Name, Birth Date or Sex are separate PATIENT-level "
            "answers, each study answering with the values it was stored with; each such conflict is logged and "
            "listed by `dcmkit archive conflicts`.");
    if (s.hl7.enabled())
        p.service_notes.emplace_back(
            "HL7 orders",
            "An HL7 v2 listener (MLLP, port " + (s.hl7.port ? std::to_string(s.hl7.port) : std::string("chosen at start")) +
                ", messages up to " + std::to_string(s.hl7.max_message_size) + " bytes, " +
                std::to_string(s.hl7.max_connections) + " connections) fills the Modality Worklist: ORM^O01 (v2.3.1) "
                "and OMI^O23 (v2.5.1) create (ORC-1 NW), replace (XO), remove (CA), discontinue (DC) and set the "
                "status of (SC) the items of an order, mapped as IHE RAD TF-2 Appendix B does; ADT^A08 updates the "
                "patient of scheduled items. Each message is answered with an ACK: AA, AE (with ERR) when its "
                "content cannot be applied, AR for a message type, version, processing ID, character set or "
                "delimiters it does not take; a refused message changes nothing.");
    const net::CommitReportOptions report_defaults;
    if (s.serves("commitment"))
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
    if (s.identity.enabled()) {
        std::string text = std::string(s.identity.required ? "An association must carry a user identity (PS3.7 D.3.3.7); "
                                                            "one without is rejected (A-ASSOCIATE-RJ, rejected-permanent, "
                                                            "service-user, no reason given). "
                                                          : "A user identity is optional; one that is sent must pass. ");
        if (!s.identity.password_file.empty())
            text += "Username and passcode are checked against salted scrypt or PBKDF2-HMAC-SHA256 hashes "
                    "(`dcmkit passwd`). ";
        if (s.identity.jwt)
            text += "JSON Web Tokens must be signed with HS256, RS256 or ES256 by the configured key (never \"none\"), "
                    "unexpired (\"exp\" required, 60 s of clock skew)" +
                    std::string(s.identity.jwt_options.audience.empty() ? "" : ", for the audience \"" + s.identity.jwt_options.audience + "\"") +
                    std::string(s.identity.jwt_options.issuer.empty() ? "" : ", from the issuer \"" + s.identity.jwt_options.issuer + "\"") + ". ";
        text += "A refused identity is an A-ASSOCIATE-RJ (rejected-permanent, service-user, no reason given) and a log "
                "line naming the user and the reason, never the passcode.";
        p.service_notes.emplace_back("User identity", text);
    }
    if (!s.access.empty()) {
        std::string text = "Operations are permitted by rules on the calling AE title and the user (a username, or a "
                           "token's subject); an operation no rule permits is refused with 0124H (Refused: Not "
                           "Authorized) and logged. Verification is always permitted. Rules:";
        for (const auto &rule : s.access) text += " `" + rule.text() + "`;";
        text.back() = '.';
        p.service_notes.emplace_back("Access control", text);
    }
    if (s.audit.enabled())
        p.service_notes.emplace_back(
            "Audit Trail",
            "DICOM Audit Messages (PS3.15 A.5, the namespace-less schema of A.5.1) are sent as RFC 5424 syslog "
            "messages (APP-NAME dcmkit, MSGID IHE+RFC-3881) over UDP (RFC 5426), TCP with octet counting or TLS "
            "(RFC 5425), or written to a file; undelivered ones wait in a spool folder and are sent in order when "
            "the repository is back. Events: Application Activity (Application Start, Application Stop); DICOM "
            "Instances Transferred (action C) for the C-STOREs of an association, one message per patient when it "
            "ends; Query for each C-FIND (the identifier in Explicit VR Little Endian, base64); Begin Transferring "
            "DICOM Instances before the C-STORE sub-operations of a C-MOVE or C-GET and DICOM Instances Transferred "
            "(action R) after them, one message for what was sent and one (Minor failure) for what was not; "
            "Security Alert (Node Authentication, Minor failure) for an association refused for its calling or "
            "called AE title, and for a failed TLS handshake (refused, malformed, abandoned, or unfinished within "
            "the request timeout); User Authentication (Login) for an association accepted with a user identity the "
            "archive checks, and (Minor failure) for one refused for its identity. DICOMweb: Query for each QIDO-RS search, DICOM "
            "Instances Transferred (action R) for each WADO-RS or WADO-URI retrieve and (action C, per patient) for each "
            "STOW-RS, User Authentication (Minor failure) for refused credentials; the client's UserID is its user, "
            "its bound AE title or its address. Identifiers (A.5.2.1, A.5.2.2): the archive's UserID is its process ID, its "
            "AlternativeUserID AETITLES= its AE title, its NetworkAccessPointID the host name; a peer's UserID is "
            "its AE title and its NetworkAccessPointID its IP address; AuditSourceID is `audit_source_id` (default "
            "the AE title) with AuditSourceTypeCode 4.");
    if (s.http_port) archive::describe_web(*s.http_port, true, p, s.tls.has_value());
    const net::AeConfig cfg = s.to_ae_config();
    write_all(format == "html" ? net::conformance_statement_html(cfg, p) : net::conformance_statement_md(cfg, p));
    return 0;
}

int cmd_serve(const std::string &, const Args &args) {
    NetOptions o;
    archive::Config c;
    std::vector<std::string> pos;
    std::string err;
    if (!serve_settings(args, o, c, pos, err)) return usage_error("serve: " + err);
    if (pos.size() > 1 || (pos.size() == 1 && !parse_port(pos[0], c.port))) return usage_error("serve: needs PORT");
    if (c.port == 0) return usage_error("serve: needs PORT (or port = in the configuration file)");
    if (c.storage.empty()) return usage_error("serve: --storage DIR (or storage = in the configuration file) is required");
    try {
        archive::Server server(c);
        if (const uint64_t recovered = server.counters().instances_recovered)
            std::fprintf(stderr, "dcmkit: indexed %llu file(s) stored before an interruption\n",
                         static_cast<unsigned long long>(recovered));
        server.set_web_renderer([](const dcmkit::DicomFile &file, const archive::RenderRequest &r) {
            dcmkit::RenderOptions ro;
            ro.window_center = r.window_center;
            ro.window_width = r.window_width;
            const std::vector<uint8_t> b =
                dcmkit::render_encoded(file, r.frame, ro, r.media_type, r.quality, r.viewport_width, r.viewport_height);
            return std::string(b.begin(), b.end());
        });
        server.start();
        g_archive = &server;
        if (c.http_port)
            std::fprintf(stderr, "dcmkit: DICOMweb on %s://%s:%u/dicomweb (QIDO-RS, WADO-RS, STOW-RS, WADO-URI)\n",
                         c.tls ? "https" : "http", c.bind.empty() ? "0.0.0.0" : c.bind.c_str(), server.http_port());
        struct sigaction sa {};
        sa.sa_handler = on_archive_signal;
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
        std::fprintf(stderr,
                     "dcmkit: %s serving on port %u from %s (%llu instances): Verification, Storage, Q/R FIND/MOVE/GET, "
                     "Worklist, MPPS, Storage Commitment (Ctrl-C stops)\n",
                     c.ae_title.c_str(), server.port(), c.storage.c_str(),
                     static_cast<unsigned long long>(server.index().stats().instances));
        if (server.hl7_port())
            std::fprintf(stderr, "dcmkit: HL7 orders (MLLP) to the worklist on port %u\n", server.hl7_port());
        server.wait();
        server.stop();
        g_archive = nullptr;
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
        auto index = archive::open_storage(storage);
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

/// `dcmkit archive conflicts --storage DIR | --index SPEC`: the patient conflicts the archive's
/// index recorded. `dcmkit archive migrate --from sqlite:DIR --to postgresql://…`: copies an index.
int cmd_archive(const std::string &, const Args &args) {
    if (args.empty() || (args[0] != "conflicts" && args[0] != "migrate"))
        return usage_error("archive: the commands are 'archive conflicts --storage DIR|--index SPEC' and "
                           "'archive migrate --from SPEC --to SPEC'");
    std::string storage, index, from, to;
    for (size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--storage" && i + 1 < args.size()) storage = args[++i];
        else if (args[i] == "--index" && i + 1 < args.size()) index = args[++i];
        else if (args[i] == "--from" && i + 1 < args.size()) from = args[++i];
        else if (args[i] == "--to" && i + 1 < args.size()) to = args[++i];
        else return usage_error("archive " + args[0] + ": unexpected '" + args[i] + "'");
    }
    archive::IndexOptions options;
    options.log = [](const std::string &line) { std::fprintf(stderr, "dcmkit: %s\n", line.c_str()); };
    if (args[0] == "migrate") {
        if (from.empty() || to.empty())
            return usage_error("archive migrate: needs --from SPEC and --to SPEC (sqlite:DIR, postgresql://…)");
        try {
            const auto n = archive::migrate_index(from, to, options);
            std::fprintf(stderr, "dcmkit: copied %llu instance(s), %llu patient conflict(s), %llu worklist item(s)\n",
                         static_cast<unsigned long long>(n.instances), static_cast<unsigned long long>(n.conflicts),
                         static_cast<unsigned long long>(n.worklist_items));
        } catch (const dcmkit::Error &e) {
            std::fprintf(stderr, "dcmkit: error: archive migrate: %s\n", e.what());
            return 1;
        }
        return 0;
    }
    if (storage.empty() && index.empty()) return usage_error("archive conflicts: needs --storage DIR or --index SPEC");
    if (index.empty()) {
        struct stat sb {};
        if (::stat((storage + "/index.sqlite").c_str(), &sb) != 0) {
            std::fprintf(stderr, "dcmkit: error: archive: no index in %s (dcmkit serve --storage creates one)\n",
                         storage.c_str());
            return 1;
        }
        index = storage;
    }
    try {
        const auto conflicts = archive::open_index(index, options)->conflicts();
        for (const auto &c : conflicts) std::printf("%s %s\n", c.recorded_at.c_str(), archive::describe(c).c_str());
        std::fprintf(stderr, "dcmkit: %zu patient conflict(s) in %s\n", conflicts.size(),
                     storage.empty() ? "the index" : storage.c_str());
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: archive: %s\n", e.what());
        return 1;
    }
    return 0;
}

int cmd_passwd(const std::string &, const Args &args) {
    std::vector<std::string> pos;
    std::string password;
    bool have_password = false;
    archive::PasswordScheme scheme = archive::PasswordScheme::scrypt;
    for (size_t i = 0; i < args.size(); ++i) {
        if ((args[i] == "--password" || args[i] == "-pwd") && i + 1 < args.size()) {
            password = args[++i];
            have_password = true;
        } else if (args[i] == "--pbkdf2") {
            scheme = archive::PasswordScheme::pbkdf2_sha256;
        } else if (!args[i].empty() && args[i][0] == '-') {
            return usage_error("passwd: unexpected '" + args[i] + "'");
        } else {
            pos.push_back(args[i]);
        }
    }
    if (pos.size() != 2) return usage_error("passwd: the arguments are FILE USER");
    if (!have_password) {
        // The first line of standard input: a password never goes on a command line others can read.
        if (!std::getline(std::cin, password)) {
            std::fprintf(stderr, "dcmkit: error: passwd: no password on standard input\n");
            return 1;
        }
        if (!password.empty() && password.back() == '\r') password.pop_back();
    }
    if (password.empty()) return usage_error("passwd: the password is empty");
    try {
        archive::PasswordFile::set_user(pos[0], pos[1], password, scheme);
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: passwd: %s\n", e.what());
        return e.code() == dcmkit::Errc::invalid_argument ? 2 : 1;
    }
    std::fprintf(stderr, "dcmkit: %s: password of '%s' set\n", pos[0].c_str(), pos[1].c_str());
    return 0;
}

#else  // DCMKIT_HAVE_ARCHIVE

namespace {

/// serve, worklist, archive and conformance (of serve) need the archive layer (SQLite).
int not_in_this_build(const std::string &name) {
    std::fprintf(stderr, "dcmkit: error: %s: not in this build (built without the archive, DCMKIT_WITH_ARCHIVE=OFF)\n",
                 name.c_str());
    return 2;
}

}  // namespace

int cmd_conformance(const std::string &, const Args &) { return not_in_this_build("conformance"); }
int cmd_serve(const std::string &, const Args &) { return not_in_this_build("serve"); }
int cmd_worklist(const std::string &, const Args &) { return not_in_this_build("worklist"); }
int cmd_archive(const std::string &, const Args &) { return not_in_this_build("archive"); }
int cmd_passwd(const std::string &, const Args &) { return not_in_this_build("passwd"); }

#endif  // DCMKIT_HAVE_ARCHIVE

}  // namespace dcmkit_cli
