// dcmkit C++ wrapper: the embedded archive (dk::Archive over dk_archive) — a server that stores,
// indexes, answers C-FIND/C-MOVE/C-GET, serves a worklist, records MPPS and commits storage, as
// `dcmkit serve` does.
//
//   dk::ArchiveOptions o;
//   o.ae_title = "ARCHIVE";
//   o.storage = "/var/lib/archive";
//   dk::Archive archive(o);                    // or dk::Archive::open_config_file("serve.conf")
//   archive.on_stored([](const dk::StoredInstance &s) { std::printf("%s\n", s.sop_instance_uid.c_str()); });
//   archive.start("", 11112);
//   archive.wait();                            // until request_stop() (a signal handler) or stop()
#ifndef DCMKIT_ARCHIVE_HPP
#define DCMKIT_ARCHIVE_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/common.hpp"
#include "dcmkit/dk_archive.h"
#include "dcmkit/dk_net.h"

namespace dk {

/// The common settings of an archive (dk_archive_options); every other key of the configuration
/// file's format can be given in `config_text` ("key = value" lines).
struct ArchiveOptions {
    std::string ae_title = "DCMKIT";
    std::string storage;             ///< the storage folder (created if needed); required
    std::string bind;                ///< start()'s default address; "" = every address
    uint16_t port = 0;               ///< start()'s default port; 0 = a free one
    bool check_called_ae = true;     ///< reject a Called AE Title that is not ae_title
    uint32_t max_associations = 32;
    uint64_t max_dataset_size = 0;   ///< bytes; 0 = no limit
    uint64_t min_free_space = 0;     ///< bytes kept free; 0 = none
    int log_level = DK_LOG_WARNING;  ///< a dk_log_level; lines go to stderr
    std::string services;            ///< "" = all: verification storage query-retrieve worklist mpps commitment
    std::string config_text;         ///< further `key = value` lines
    int32_t hl7_port = -1;           ///< the HL7 v2 order listener: -1 none, 0 a free port, else the port
    int32_t http_port = -1;          ///< DICOMweb: -1 none, 0 a free port, else the port
};

/// An instance the archive stored and indexed.
struct StoredInstance {
    std::string sop_class_uid, sop_instance_uid, path, transfer_syntax, calling_ae;
};

/// What an archive did since it was opened (dk_archive_counters).
struct ArchiveCounters {
    uint32_t active_associations = 0;
    uint64_t instances_stored = 0, stores_refused = 0, associations_served = 0, instances_recovered = 0,
             files_quarantined = 0, instances_held = 0, patient_conflicts = 0;
};

/// An archive server (dk_archive). Move-only; the destructor stops it (waiting for running
/// handlers) before the handlers go away.
class Archive {
public:
    /// Called after each instance is stored and indexed, from the archive's worker threads (several
    /// at once: it must be thread-safe). Exceptions it throws are ignored.
    using StoredHandler = std::function<void(const StoredInstance &)>;

    /// Opens (creating if needed) the storage folder and its index. Throws InvalidArgumentError for a bad
    /// option, IoError when the folder cannot be created.
    explicit Archive(const ArchiveOptions &o) {
        dk_archive_options c = DK_ARCHIVE_OPTIONS_INIT;
        c.ae_title = o.ae_title.c_str();
        c.storage = o.storage.c_str();
        c.bind = o.bind.empty() ? nullptr : o.bind.c_str();
        c.port = o.port;
        c.check_called_ae = o.check_called_ae ? 1 : 0;
        c.max_associations = o.max_associations;
        c.max_dataset_size = o.max_dataset_size;
        c.min_free_space = o.min_free_space;
        c.log_level = o.log_level;
        c.services = o.services.empty() ? nullptr : o.services.c_str();
        c.config_text = o.config_text.empty() ? nullptr : o.config_text.c_str();
        c.hl7_port = o.hl7_port;
        c.http_port = o.http_port;
        check(dk_archive_open(&h_, &c));
    }
    /// Opens the archive a configuration file (`dcmkit serve --config`'s format) describes.
    /// Throws NotFoundError when it cannot be read, InvalidArgumentError naming FILE:LINE for a bad line.
    static Archive open_config_file(const std::string &path) {
        dk_archive *h = nullptr;
        check(dk_archive_open_config_file(&h, path.c_str()));
        return Archive(h);
    }
    Archive(Archive &&o) noexcept : handlers_(std::move(o.handlers_)), h_(std::exchange(o.h_, nullptr)) {}
    Archive &operator=(Archive &&o) noexcept {
        if (this != &o) {
            dk_archive_free(h_);
            h_ = std::exchange(o.h_, nullptr);
            handlers_ = std::move(o.handlers_);
        }
        return *this;
    }
    Archive(const Archive &) = delete;
    Archive &operator=(const Archive &) = delete;
    ~Archive() { dk_archive_free(h_); }  // stops first: no handler runs after this line

    dk_archive *handle() const noexcept { return h_; }

    /// Sets (or, with an empty function, clears) the handler of stored instances.
    void on_stored(StoredHandler fn) {
        if (!fn) {
            check(dk_archive_set_on_stored(h_, nullptr, nullptr));
            return;
        }
        // Handlers set before stay alive: a worker thread may still be running one.
        handlers_.push_back(std::make_unique<StoredHandler>(std::move(fn)));
        check(dk_archive_set_on_stored(h_, &Archive::stored_cb, handlers_.back().get()));
    }
    /// Binds `address` and `port` ("" and 0: the options' bind and port; a free port when none) and
    /// serves in background threads.
    void start(const std::string &address = "", uint16_t port = 0) {
        check(dk_archive_start(h_, address.empty() ? nullptr : address.c_str(), port));
    }
    /// The port listened on (after start()).
    uint16_t port() const {
        uint16_t p = 0;
        check(dk_archive_port(&p, h_));
        return p;
    }
    /// The HL7 listener's port (after start()); 0 without one.
    uint16_t hl7_port() const {
        uint16_t p = 0;
        check(dk_archive_hl7_port(&p, h_));
        return p;
    }
    /// The port DICOMweb listens on (after start(), with dk_archive_options.http_port or http_port =).
    uint16_t http_port() const {
        uint16_t p = 0;
        check(dk_archive_http_port(&p, h_));
        return p;
    }
    /// Blocks until request_stop() or stop() from another thread.
    void wait() { check(dk_archive_wait(h_)); }
    /// Makes wait() return; async-signal-safe.
    void request_stop() noexcept { dk_archive_request_stop(h_); }
    /// Stops accepting, lets running associations finish for up to `grace_ms`, interrupts the rest
    /// and waits for the workers. Idempotent.
    void stop(int32_t grace_ms = 10000) { check(dk_archive_stop(h_, grace_ms)); }

    ArchiveCounters counters() const {
        dk_archive_counters c = DK_ARCHIVE_COUNTERS_INIT;
        check(dk_archive_counters_get(&c, h_));
        ArchiveCounters r;
        r.active_associations = c.active_associations;
        r.instances_stored = c.instances_stored;
        r.stores_refused = c.stores_refused;
        r.associations_served = c.associations_served;
        r.instances_recovered = c.instances_recovered;
        r.files_quarantined = c.files_quarantined;
        r.instances_held = c.instances_held;
        r.patient_conflicts = c.patient_conflicts;
        return r;
    }

private:
    explicit Archive(dk_archive *h) noexcept : h_(h) {}
    static void stored_cb(const dk_archive_stored *info, void *user_data) noexcept {
        try {
            StoredInstance s;
            s.sop_class_uid = info->sop_class_uid ? info->sop_class_uid : "";
            s.sop_instance_uid = info->sop_instance_uid ? info->sop_instance_uid : "";
            s.path = info->path ? info->path : "";
            s.transfer_syntax = info->transfer_syntax ? info->transfer_syntax : "";
            s.calling_ae = info->calling_ae ? info->calling_ae : "";
            (*static_cast<StoredHandler *>(user_data))(s);
        } catch (...) {
        }
    }

    std::vector<std::unique_ptr<StoredHandler>> handlers_;
    dk_archive *h_ = nullptr;
};

}  // namespace dk

#endif  // DCMKIT_ARCHIVE_HPP
