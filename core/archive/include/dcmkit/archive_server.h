// dcmkit — the embedded archive as a library: its configuration (the `key = value` file that
// `dcmkit serve --config` takes) and the server that stores, indexes, answers queries and
// retrievals, serves a modality worklist, records performed procedure steps and commits storage.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/deidentify.h"
#include "dcmkit/archive.h"
#include "dcmkit/archive_identity.h"
#include "dcmkit/archive_web.h"
#include "dcmkit/net/ae_config.h"

namespace dcmkit::net {
class Server;
class StorageFolder;
}  // namespace dcmkit::net

namespace dcmkit::archive {

class Hl7Listener;

/// A C-MOVE destination, or where Storage Commitment reports for an AE title go.
struct Destination {
    std::string host;
    uint16_t port = 0;
};

/// Who may use which services: a calling AE title, a user, both or anyone, and the operations
/// (store, find, move, get, worklist, mpps, commitment) and C-MOVE destinations allowed.
struct AccessRule {
    std::string ae;    ///< calling AE title; empty: any
    std::string user;  ///< user (the identity's username, or a JWT's "sub"); empty: any, even none
    std::set<std::string> operations;
    std::set<std::string> destinations;  ///< for move: the destinations allowed; empty: any

    /// Parses `WHO OPERATION... [dest:AE]...`, WHO being `*`, `ae:TITLE`, `user:NAME` or
    /// `ae:TITLE+user:NAME`. false (with `err`) on a bad rule.
    static bool parse(const std::string &text, AccessRule &out, std::string &err);
    /// The rule as `parse` reads it.
    std::string text() const;
};

/// The operations an access rule can name.
const std::set<std::string> &access_operations();

/// The audit trail (PS3.15 A.5 DICOM audit messages, IHE ATNA) the server keeps: application
/// start/stop, C-STOREs received (DICOM Instances Transferred, one message per patient and
/// association), C-FINDs (Query), C-MOVE/C-GET (Begin Transferring DICOM Instances, then DICOM
/// Instances Transferred), refused associations (Security Alert); DICOMweb searches (Query),
/// retrievals and stores (DICOM Instances Transferred) and refused credentials (User
/// Authentication). Sent from a background thread
/// (dcmkit/services/audit.h): no DICOM operation waits for the repository.
struct AuditSettings {
    std::string destination;  ///< udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT or file:PATH; "" = none
    std::string ca_file, cert_file, key_file;  ///< tls: trusted CAs, optional client certificate and key (PEM)
    std::string spool;        ///< folder for undelivered messages; "" = <storage>/audit-spool (with a
                              ///< PostgreSQL index: <storage>/audit-spool-<host>-<port>, one per server)
    std::string source_id;    ///< AuditSourceID; "" = the AE title
    std::string site;         ///< AuditEnterpriseSiteID; "" = none
    bool enabled() const { return !destination.empty(); }
};

/// The HL7 v2 order listener (MLLP; dcmkit/archive_hl7.h): ORM^O01, OMI^O23 and ADT^A08 into the
/// Modality Worklist. Listens on the configuration's bind address.
struct Hl7Settings {
    int port = -1;                       ///< -1: no listener; 0: a free port (Server::hl7_port())
    size_t max_message_size = 1 << 20;   ///< bytes per message
    unsigned max_connections = 16;
    int timeout_s = 30;                  ///< a silent connection is closed after this long
    bool enabled() const { return port >= 0; }
};

/// Everything the archive server runs with. The defaults are `dcmkit serve`'s.
struct Config {
    std::string ae_title = "DCMKIT";
    uint16_t port = 0;        ///< 0: none configured (start() then needs one, or picks a free one)
    std::string bind;         ///< address to listen on; "" = every address
    std::string storage;      ///< folder: index.sqlite, files/, mpps/, quarantine/
    /// The index (open_index): "" = `storage`/index.sqlite; a "postgresql://…" URI or a libpq
    /// "key=value" string = a PostgreSQL database, which several servers with the same (shared)
    /// `storage` folder may use at once.
    std::string index;
    /// Served: verification storage query-retrieve worklist mpps commitment.
    std::set<std::string> services = {"verification", "storage", "query-retrieve", "worklist", "mpps", "commitment"};
    std::vector<std::string> storage_transfer_syntaxes;  ///< UIDs accepted for storage; empty: every one, kept as received
    std::vector<std::string> allow;                      ///< calling AE titles admitted; empty: any
    std::map<std::string, Destination> destinations;     ///< AE title -> address (C-MOVE, commitment reports)
    uint64_t max_dataset_size = 0;  ///< bytes; 0: no limit
    uint64_t min_free_space = 0;    ///< bytes kept free on the storage file system; 0: none
    // Limits against slow, idle and hostile peers.
    unsigned max_associations = 32, max_associations_per_address = 16, max_pending = 64, max_pending_per_address = 16;
    int idle_timeout_s = 60, request_timeout_s = 5;
    bool check_called_ae = true;          ///< an archive answers to its own AE title only
    bool commitment_report_same = true;   ///< reports on the N-ACTION's association first (else always a new one)
    uint32_t max_pdu = 262144;
    int timeout_s = 30, dimse_timeout_s = 60;
    net::LogLevel log_level = net::LogLevel::warning;
    net::LogSink log;                                  ///< where log lines go; empty: stderr
    std::optional<net::UserIdentityRq> user_identity;  ///< sent on the associations the archive opens (reports)
    IdentityPolicy identity;          ///< user identities accepted (PS3.7 D.3.3.7); default: none checked
    std::vector<AccessRule> access;   ///< who may use which operation; empty: everyone, everything served
    AuditSettings audit;
    /// TLS for every association the archive accepts and opens (C-MOVE, reports); unset: plain TCP.
    std::optional<net::TlsOptions> tls;
    /// A de-identifying gateway: each instance received is de-identified (PS3.15 Annex E, with
    /// these options and key) before it is indexed, and stored under its new SOP Instance UID;
    /// one the options refuse (burned-in text) is removed and answered 0110 Processing Failure.
    std::optional<DeidOptions> deidentify_on_receipt;
    /// Instances sent by C-MOVE and C-GET are de-identified on the way out (the stored files stay
    /// as they are); one the options refuse is left out, with a warning in the log.
    std::optional<DeidOptions> deidentify_on_export;
    Hl7Settings hl7;  ///< HL7 v2 orders into the worklist; off by default
    /// DICOMweb (archive_web.h) on this HTTP port, at the same bind address (0: a free one); unset:
    /// none. `http_port` in the file, `dcmkit serve --http PORT`. With `tls` it serves HTTPS only,
    /// with the same settings; `identity` checks its Basic and Bearer credentials, `access` applies
    /// to its clients' users and certificate-bound AE titles, `audit` records its requests.
    std::optional<uint16_t> http_port;

    /// Reads a configuration file of `key = value` lines (# comments):
    ///   ae_title, port, storage, index (postgresql://… or a libpq connection string; default
    ///   the storage folder's index.sqlite), bind, max_associations, max_pdu, timeout, dimse_timeout,
    ///   max_associations_per_address, max_pending, max_pending_per_address, idle_timeout,
    ///   request_timeout (seconds), check_called_ae (yes, the default, or no),
    ///   allow (calling AE titles), dest (AE=HOST:PORT, repeatable), services (verification storage
    ///   query-retrieve worklist mpps commitment), storage_transfer_syntaxes (names or UIDs),
    ///   commitment_report (same: the N-ACTION's association, else a new one; new: always a new one),
    ///   max_dataset_size, min_free_space (bytes, or with K, M, G, T);
    ///   identity (required or optional), identity_password_file (`dcmkit passwd`'s file: checks
    ///   username+passcode), identity_jwt_secret_file (HS256 key), identity_jwt_public_key (PEM,
    ///   RS256 or ES256), identity_jwt_audience, identity_jwt_issuer, identity_username_only (yes: a
    ///   bare username is accepted);
    ///   permit (an AccessRule, repeatable: once one is given, an operation no rule permits is
    ///   refused with 0124H Refused: Not Authorized);
    ///   audit (udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT or file:PATH), audit_ca,
    ///   audit_cert, audit_key (PEM files for tls://), audit_spool (folder), audit_source_id,
    ///   audit_site (see AuditSettings);
    ///   TLS (any tls_* key turns it on, `tls = no` off): tls = yes | no, tls_key, tls_certificate,
    ///   tls_key_password, tls_ca_file, tls_ca_folder, tls_crl (each repeatable),
    ///   tls_profile = bcp195-nd (default) | bcp195 | bcp195-ex,
    ///   tls_peer_certificate = require (default) | verify | ignore, tls_check_host_name = yes | no,
    ///   tls_ae_certificate = AE IDENTITY (repeatable: the certificate identities a Calling AE
    ///   Title is bound to, see net::tls_identity_matches; once one is given, every calling AE needs one);
    ///   deidentify_on_receipt = KEYFILE [retain=LIST] [clean=LIST] [burned_in=refuse|flag|ignore]
    ///   (LIST as `dcmkit deidentify` takes it, e.g. retain=uids,modified-dates; `no` turns it off);
    ///   deidentify_on_export, the same for what C-MOVE and C-GET send;
    ///   hl7_port (the HL7 v2 MLLP listener's port, 0 a free one, `no` none), hl7_max_message_size
    ///   (bytes, or with K, M, G), hl7_max_connections, hl7_timeout (seconds; see Hl7Settings).
    ///   http_port (DICOMweb on that port: QIDO-RS, WADO-RS, STOW-RS, WADO-URI under /dicomweb).
    /// Throws Error (not_found when the file cannot be read, invalid_argument naming FILE:LINE).
    static Config parse_file(const std::string &path);
    /// The same from text; `origin` names it in messages ("origin:LINE: ...").
    static Config parse(const std::string &text, const std::string &origin = "configuration");
    /// Reads the file over this configuration (keys it does not name keep their values).
    void load_file(const std::string &path);
    void load(const std::string &text, const std::string &origin = "configuration");
    /// Sets one key as the file would; false (with `err`, without a location) on a bad key or value.
    bool set(const std::string &key, const std::string &value, std::string &err);
    /// deidentify_on_receipt's or deidentify_on_export's value (set() calls it): reads the key file.
    bool set_deidentify(std::optional<DeidOptions> &target, const std::string &value, std::string &err);
    /// A tls_* key (set() calls it).
    bool set_tls(const std::string &key, const std::string &value, std::string &err);
    /// Adds a destination from "AE=HOST:PORT"; false (with `err`) when it is not one.
    bool add_destination(const std::string &spec, std::string &err);
    bool serves(const std::string &service) const { return services.count(service) != 0; }
    /// Whether `operation` (store, find, move, get, worklist, mpps, commitment) is permitted to
    /// `calling_ae` with `user` ("" without an identity), moving to `destination` for move.
    bool permits(const std::string &calling_ae, const std::string &user, const std::string &operation,
                 const std::string &destination = {}) const;

    /// What the server negotiates: the one configuration its conformance statement is made from.
    net::AeConfig to_ae_config() const;
};

/// An instance the archive stored and indexed.
struct StoredInstance {
    std::string sop_class_uid, sop_instance_uid, path, transfer_syntax, calling_ae;
};

/// What the server did since it was opened.
struct Counters {
    uint64_t instances_stored = 0;      ///< C-STOREs stored and indexed
    uint64_t stores_refused = 0;        ///< C-STOREs answered with a failure
    uint64_t associations_served = 0;   ///< associations ended
    unsigned active_associations = 0;   ///< associations now open
    uint64_t instances_recovered = 0;   ///< files indexed again when opened (stored before an interruption)
    uint64_t files_quarantined = 0;     ///< files moved to quarantine/ when opened
    uint64_t instances_held = 0;        ///< instances in the index now
    uint64_t patient_conflicts = 0;     ///< patient conflicts the index recorded (`dcmkit archive conflicts`)
    uint64_t hl7_messages = 0;          ///< HL7 messages acknowledged (any code)
};

/// Creates `dir`/files and opens (or creates) the index `dir`/index.sqlite.
std::shared_ptr<SqliteIndex> open_storage(const std::string &dir, const SqliteIndexOptions &options = {});

/// The archive server. The constructor opens the storage folder and its index and indexes again
/// the files an interruption left unindexed (files failing the checks a C-STORE gets go to
/// quarantine/); start() then serves every configured service until stop().
class Server {
public:
    /// Throws Error (invalid_argument without storage; io when the folder or index cannot be opened).
    explicit Server(Config config);
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    /// Called after each instance is stored and indexed, from the association's thread (set it
    /// before start()). Exceptions it throws are logged and ignored.
    void on_stored(std::function<void(const StoredInstance &)> fn);

    /// Binds and starts accepting: the configuration's bind address and port.
    void start();
    /// Binds `address` ("" = every address) and `port` (0 = a free one).
    void start(const std::string &address, uint16_t port);
    uint16_t port() const noexcept;
    /// The HL7 listener's port once started (0 without one: Config::hl7).
    uint16_t hl7_port() const noexcept;
    /// Stops accepting, lets running associations finish for up to `grace_ms`, then aborts them.
    void stop(int grace_ms = 10000);
    /// Blocks until stop() or request_stop().
    void wait();
    /// Async-signal-safe request to stop; wait() then returns.
    void request_stop() noexcept;

    Counters counters() const;
    /// The port DICOMweb listens on once started (Config::http_port), else 0.
    uint16_t http_port() const noexcept;
    /// Renders frames for DICOMweb's rendered resources and WADO-URI images (the codecs do it:
    /// the CLI and the C ABI set it). Before start().
    void set_web_renderer(Renderer renderer);
    const Config &config() const noexcept { return config_; }
    const net::AeConfig &ae_config() const noexcept { return ae_; }
    Index &index() noexcept { return *index_; }

private:
    struct Shared;
    class Audit;
    std::unique_ptr<WebServer> make_web_server(std::shared_ptr<Index> index, std::shared_ptr<net::StorageFolder> folder,
                                               std::shared_ptr<const DeidOptions> deid, std::shared_ptr<const Config> access);
    Config config_;
    net::AeConfig ae_;
    std::shared_ptr<Index> index_;
    std::shared_ptr<Shared> shared_;
    std::shared_ptr<Audit> audit_;  // null without an audit destination
    std::unique_ptr<net::Server> server_;
    std::unique_ptr<Hl7Listener> hl7_;  // null without Config::hl7
    std::unique_ptr<WebServer> web_;  // with Config::http_port
    bool started_ = false;
};

}  // namespace dcmkit::archive
