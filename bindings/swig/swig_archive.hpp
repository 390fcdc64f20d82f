// swig_archive.hpp — the embedded archive (dk::Archive, dcmkit/archive.hpp) for C# and Java: a
// handler class whose on_stored C# or Java code overrides (a SWIG director), and an archive that
// calls it. Plain C++ over dcmkit.hpp; the language-specific parts are in dcmkit.i.
#ifndef DCMKIT_SWIG_ARCHIVE_HPP
#define DCMKIT_SWIG_ARCHIVE_HPP

#include <cstdint>
#include <memory>
#include <string>

#include "dcmkit/dcmkit.hpp"

namespace dcmkit_swig {

/// An instance the archive stored and indexed (a flat copy: a handler may keep it).
struct StoredInstance {
    std::string sop_class_uid, sop_instance_uid;
    std::string path;             ///< the stored Part 10 file
    std::string transfer_syntax;  ///< the syntax it was received (and stored) in
    std::string calling_ae;       ///< the AE title that sent it
};

/// What an archive did since it was opened.
struct ArchiveCounters {
    int64_t instances_stored = 0;     ///< C-STOREs stored and indexed
    int64_t stores_refused = 0;       ///< C-STOREs answered with a failure status
    int64_t associations_served = 0;  ///< associations ended
    int64_t active_associations = 0;  ///< associations open now
    int64_t instances_recovered = 0;  ///< files indexed again when opened
    int64_t files_quarantined = 0;    ///< files moved to quarantine/ when opened
    int64_t instances_held = 0;       ///< instances in the index now
    int64_t patient_conflicts = 0;    ///< patient conflicts the index recorded
};

/// What an archive tells its user: override on_stored. Called from the archive's worker threads,
/// several at once: overrides must be thread-safe. Its return value is not used (0 by convention);
/// an exception it throws is ignored (the instance stays stored).
class ArchiveHandler {
public:
    virtual ~ArchiveHandler() = default;
    /// An instance was stored and indexed.
    virtual int on_stored(StoredInstance info) {
        (void)info;
        return 0;
    }
};

/// The embedded archive server (dk::Archive): storage folder, index and every service of
/// `dcmkit serve`. Not copyable. Destroying it stops it first (waiting for running handlers).
class Archive {
public:
    /// The archive a configuration file (`dcmkit serve --config`'s format) describes, calling
    /// `handler` (which must outlive it; the bindings keep it alive; null = none).
    Archive(const std::string &config_file, ArchiveHandler *handler) : handler_(handler) {
        a_ = std::make_unique<dk::Archive>(dk::Archive::open_config_file(config_file));
        hook();
    }
    /// An archive storing into `storage` as `ae_title`; `config_text` holds further `key = value`
    /// lines of the configuration file's format ("" = none).
    Archive(const std::string &storage, const std::string &ae_title, const std::string &config_text,
            ArchiveHandler *handler)
        : handler_(handler) {
        dk::ArchiveOptions o;
        o.storage = storage;
        o.ae_title = ae_title;
        o.config_text = config_text;
        a_ = std::make_unique<dk::Archive>(o);
        hook();
    }
    Archive(const Archive &) = delete;
    Archive &operator=(const Archive &) = delete;
    ~Archive() { a_.reset(); }  // stops (waits for running handlers) before handler_ may go

    /// Binds `address` and `port` ("" and 0: the configured ones; a free port when none) and serves.
    void start(const std::string &address = "", uint16_t port = 0) { a_->start(address, port); }
    /// The port listened on (after start()).
    uint16_t port() const { return a_->port(); }
    /// The port DICOMweb listens on (after start(), with http_port = in the configuration).
    uint16_t http_port() const { return a_->http_port(); }
    /// The port the HL7 v2 order listener listens on (after start(), with hl7_port = in the configuration).
    uint16_t hl7_port() const { return a_->hl7_port(); }
    /// Stops accepting, lets running associations finish for up to `grace_ms`, interrupts the rest
    /// and waits for the workers (and so for running handlers). Idempotent.
    void stop(int32_t grace_ms = 10000) { a_->stop(grace_ms); }
    ArchiveCounters counters() const {
        const dk::ArchiveCounters c = a_->counters();
        ArchiveCounters r;
        r.instances_stored = int64_t(c.instances_stored);
        r.stores_refused = int64_t(c.stores_refused);
        r.associations_served = int64_t(c.associations_served);
        r.active_associations = int64_t(c.active_associations);
        r.instances_recovered = int64_t(c.instances_recovered);
        r.files_quarantined = int64_t(c.files_quarantined);
        r.instances_held = int64_t(c.instances_held);
        r.patient_conflicts = int64_t(c.patient_conflicts);
        return r;
    }

#ifndef SWIG
private:
    void hook() {
        if (!handler_) return;
        a_->on_stored([this](const dk::StoredInstance &s) {
            handler_->on_stored(StoredInstance{s.sop_class_uid, s.sop_instance_uid, s.path, s.transfer_syntax, s.calling_ae});
        });
    }
    ArchiveHandler *handler_;
    std::unique_ptr<dk::Archive> a_;  // last: destroyed (stopped) first
#endif
};

}  // namespace dcmkit_swig

#endif  // DCMKIT_SWIG_ARCHIVE_HPP
