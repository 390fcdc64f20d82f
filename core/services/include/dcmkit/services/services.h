// dcmkit — Verification and Storage service classes (PS3.4 Annexes A and B), SCU and SCP, and the
// server that runs SCPs.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/dimse.h"
#include "dcmkit/net/normalized.h"
#include "dcmkit/services/query.h"

namespace dcmkit::net {

// -- SCU ------------------------------------------------------------------------------------------

/// C-ECHO (PS3.4 A.4). Returns the response status. Throws Error(refused) when no Verification
/// context was accepted, Error(timeout/aborted/protocol) on failures of the association.
uint16_t echo(Association &assoc);

/// Result of one C-STORE.
struct StoreResult {
    uint16_t status = 0;
    std::string sop_class_uid, sop_instance_uid;
    std::string transfer_syntax;  ///< the syntax it was sent in
    uint64_t bytes = 0;           ///< dataset bytes sent
    bool transcoded = false;      ///< re-encoded because the file's syntax was not accepted
    std::string error_comment;    ///< the response's Error Comment (0000,0902), "" when none
};

/// C-STORE of a file (PS3.4 B.2). When the file's transfer syntax was accepted, the dataset is sent
/// straight from the (memory-mapped) file; otherwise it is re-encoded in an accepted syntax of the
/// same SOP class. Throws Error(refused) when no context can carry it.
StoreResult store_file(Association &assoc, const std::string &path, uint16_t priority = 0);
/// C-STOREs many files on one association, keeping up to the negotiated asynchronous operations
/// window outstanding (PS3.7 D.3.3.3; one at a time without it). `done` is called once per file, in
/// the order responses arrive, with the result or with the error that kept that file from being
/// sent (the association goes on). Throws when the association itself fails.
void store_files(Association &assoc, const std::vector<std::string> &paths,
                 const std::function<void(size_t index, const StoreResult *result, const Error *error)> &done,
                 uint16_t priority = 0);
/// C-STORE of a dataset in memory.
StoreResult store(Association &assoc, const DicomFile &file, uint16_t priority = 0);

/// Adds to `config` the storage contexts needed to send `paths` (reading headers only): each
/// file's SOP class with its own transfer syntax and, as a fallback, the uncompressed syntaxes.
/// Returns the files that are DICOM (unreadable ones are reported in `errors`).
std::vector<std::string> add_storage_contexts(AeConfig &config, const std::vector<std::string> &paths,
                                              std::vector<std::string> *errors = nullptr);

// -- SCP ------------------------------------------------------------------------------------------

/// What a C-STORE handler learns about an incoming instance.
struct StoreRequest {
    Association &assoc;
    const Command &command;
    std::string sop_class_uid, sop_instance_uid, transfer_syntax;
    /// Set by the handler: sent as the response's Error Comment (0000,0902) with a failure or
    /// warning status (at most 64 characters are sent; StorageFolder fills it when it refuses).
    std::string error_comment = {};
};

/// What a check of a received instance found: Success, or a failure status and the Error Comment
/// that names the problem (64 characters at most).
struct StoreCheck {
    uint16_t status = 0;
    std::string comment;
    bool ok() const noexcept { return status == 0; }
};

/// Checks a received Part 10 file before it is kept: it parses completely in its transfer syntax
/// (every length within the data, sequences and fragments delimited); native Pixel Data holds at
/// least Rows x Columns x Samples per Pixel x Bits Allocated x Number of Frames bits; encapsulated
/// Pixel Data comes only in an encapsulated transfer syntax, and native only in a native one; the
/// dataset's SOP Class and Instance UIDs are the ones given (when not empty). Reads through a memory
/// map with lazy values: a 2 GB instance is not loaded. Failures: C000 (cannot understand), A900
/// (the dataset is another instance or class). `max_inflated` bounds a deflated dataset.
StoreCheck check_received_file(const std::string &path, const std::string &sop_class_uid,
                               const std::string &sop_instance_uid, uint64_t max_inflated = uint64_t(4) << 30);

/// A SOP Instance UID StorageFolder can name a file after: 1 to 64 characters, digits and dots, no
/// empty component (a leading zero, which PS3.5 9.1 forbids but real senders use, is accepted).
/// On failure `why` says what is wrong.
bool is_storable_uid(std::string_view uid, std::string *why = nullptr);

/// A byte count as StorageFolder::Limits are written on a command line or in a configuration file:
/// digits with an optional K, M, G or T suffix (powers of 1024); false when malformed or too large.
bool parse_byte_size(const std::string &text, uint64_t &bytes);

/// Stores received instances as Part 10 files under a folder, streaming each dataset to disk
/// (memory does not grow with its size). A file is reported Success once it is complete, checked
/// (check_received_file) and atomically renamed (and, by default, fsynced); its name is the SOP
/// Instance UID, which must be storable (is_storable_uid), never a path from the wire. What is
/// refused leaves no file, with a status and Error Comment: 0117 (invalid SOP Instance UID), C000
/// (does not parse completely), A900 (the dataset is not the instance or class announced), A700
/// (larger than the limit, less free space than the reserve, a write error). Thread-safe.
class StorageFolder {
public:
    /// When received files reach the disk.
    enum class Durability {
        each_file,  ///< fsynced before Success: a sender may delete its copy once answered
        at_end,     ///< written back in the background; sync_all() makes them durable together
                    ///< (a C-GET: the source keeps its copies, so its caller syncs once at the end)
        none,       ///< left to the page cache
    };
    /// `keep` false makes it a scratch folder: files an `approve` callback of complete() has seen
    /// are removed afterwards instead of renamed. `fsync` false = Durability::none.
    explicit StorageFolder(std::string folder, bool fsync = true, bool keep = true);
    StorageFolder(std::string folder, Durability durability, bool keep = true);

    /// Bounds on what one C-STORE may use; 0 = no bound.
    struct Limits {
        /// Largest dataset accepted, in bytes. Past it, nothing more is written and the file is
        /// removed; the rest is drained and answered A700 when the dataset ends within as many bytes
        /// again, else the association is aborted (a never-ending dataset cannot fill the disk).
        uint64_t max_dataset_size = 0;
        /// Free space (bytes) the folder's file system must keep: checked before a dataset is
        /// written and every 8 MB while it is; below it the dataset is refused with A700 and its
        /// file removed.
        uint64_t min_free_space = 0;
    };
    /// Before serving (not synchronised with receives in progress).
    void set_limits(const Limits &limits) { limits_ = limits; }
    const Limits &limits() const noexcept { return limits_; }
    /// Receives the dataset of `rq` and returns the C-STORE status (PS3.4 B.2.3).
    /// Sets rq.error_comment when it refuses.
    uint16_t receive(StoreRequest &rq);

    /// receive() in its two steps, so that finishing can overlap the next transfer: the dataset
    /// streamed into a temporary file, then completed (fsync, checked against the command, renamed).
    /// A dropped Incoming removes its temporary file.
    struct Incoming {
        int fd = -1;
        std::string tmp;
        std::string sop_class_uid, sop_instance_uid;
        uint16_t status = 0;  ///< a failure already known (out of resources), else 0
        std::string error_comment;  ///< the Error Comment that goes with a failure status
        const AeConfig *log = nullptr;
        Incoming() = default;
        Incoming(Incoming &&o) noexcept;
        Incoming &operator=(Incoming &&) = delete;
        ~Incoming();
    };
    Incoming receive_to_temp(StoreRequest &rq);
    /// `approve`, when set, is called with the complete, checked temporary file and returns the
    /// status: Success or a warning keeps the file (renamed into place), a failure drops it.
    /// A refusal's Error Comment is left in in.error_comment.
    uint16_t complete(Incoming &in, const std::function<uint16_t(const std::string &path)> &approve = {});
    /// Where complete() puts the instance `sop_instance_uid` (a storable UID).
    std::string path_for(const std::string &sop_instance_uid) const { return folder_ + "/" + sop_instance_uid + ".dcm"; }
    /// Removes the temporary `.incoming-*` files an interrupted process left in the folder (never
    /// while a server stores into it); returns how many. With `older_than`, only those not written
    /// to for that long: a folder other processes store into at the same time (several servers on
    /// shared storage) keeps their transfers in progress.
    size_t remove_partial_files(std::chrono::seconds older_than = std::chrono::seconds(0));
    /// fsyncs the folder, making completed renames durable (each_file only).
    void sync_folder();
    /// Makes every file completed so far durable, names included: with at_end, one syncfs(2) of the
    /// folder's file system (one journal commit for all, not one per file); with each_file, the
    /// folder's fsync. Throws Error(io) when the file system reports a write error.
    void sync_all();
    const std::string &folder() const { return folder_; }

private:
    /// Free bytes on the folder's file system, or UINT64_MAX when statvfs fails.
    uint64_t free_space() const;

    std::string folder_;
    Durability durability_;
    bool keep_;
    Limits limits_;
};

/// The SCP side's behaviour. Unset handlers get defaults: echo answers Success; store writes into
/// `storage` (or refuses with Out of Resources when none is set).
struct ServiceHandlers {
    std::function<uint16_t(Association &, const Command &)> on_echo;
    /// Must consume the dataset (assoc.receive_dataset) and return the status.
    std::function<uint16_t(StoreRequest &)> on_store;
    std::shared_ptr<StorageFolder> storage;
    /// Query/Retrieve SCP (query.h, PS3.4 Annex C). An unset handler answers 0122 Refused: SOP
    /// Class not supported.
    FindHandler on_find;
    RetrieveHandler on_move;
    RetrieveHandler on_get;
    /// DIMSE-N performers by SOP class UID (normalized.h, workflow.h: MPPS, Storage Commitment).
    /// A class without one answers 0118 No Such SOP Class.
    std::map<std::string, NHandler> n_handlers;
    /// Sees each request before negotiation (e.g. to reject); the server already enforces
    /// max_associations.
    AcceptHook on_associate;
    /// What becomes of an association the server serves: accepted (negotiated, before its first
    /// request), then released (A-RELEASE) or aborted (A-ABORT either way, a failure, a timeout, the
    /// server stopping). Called on the association's worker thread; must not throw.
    enum class AssociationEvent { accepted, released, aborted };
    std::function<void(const Association &, AssociationEvent)> on_association;
};

/// Runs one accepted association until it is released or fails: reads commands and dispatches them.
/// Returns true when the peer released it, false when it ended under a handler (an abort, or a
/// release a handler made); throws on failures (aborted, timeout, protocol).
bool serve_association(Association &assoc, ServiceHandlers &handlers);

/// A DICOM server: a listener thread and a bounded pool of workers, one association each.
///
/// The listener thread reads every connection's A-ASSOCIATE-RQ itself (poll), within
/// Association::request_timeout_ms (5 s by default), holding at most `max_pending` such connections
/// (`max_pending_per_address` from one IP; past either, the one waiting longest is closed). A
/// worker — an association slot — is taken only once a whole request has arrived; past
/// `max_associations` (or `max_associations_per_address`) the request is rejected at once
/// (A-ASSOCIATE-RJ transient, local-limit-exceeded). An association with no request for
/// `timeouts.idle_ms` is aborted. No thread is started per connection; memory freed by ended
/// associations is given back to the system when the server falls idle.
class Server {
public:
    Server(AeConfig config, ServiceHandlers handlers);
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    /// Binds and starts accepting (address "" = every address; port 0 = a free one).
    void start(const std::string &address, uint16_t port);
    uint16_t port() const noexcept;
    /// Stops accepting, lets running associations finish for up to `grace_ms`, then interrupts
    /// the rest, and waits for the workers.
    void stop(int grace_ms = 10000);
    /// Blocks until stop() is called from another thread (or a signal handler calls request_stop()).
    void wait();
    /// Async-signal-safe request to stop; wait() then returns and the caller calls stop().
    void request_stop() noexcept;

    unsigned active_associations() const noexcept { return active_.load(); }
    uint64_t associations_served() const noexcept { return served_.load(); }
    /// Connections whose A-ASSOCIATE-RQ is still awaited.
    unsigned pending_connections() const noexcept { return pending_.load(); }

private:
    /// A connection whose A-ASSOCIATE-RQ has arrived whole, waiting for a worker.
    struct Admitted {
        std::unique_ptr<Transport> transport;
        std::vector<uint8_t> request;
        std::string address;
    };
    void accept_loop();
    void worker_loop();
    /// On the listener thread: a whole first PDU from a connection; queues it for a worker, or
    /// answers it there (a rejection, an A-ABORT) without blocking.
    void admit(std::unique_ptr<Transport> t, std::vector<uint8_t> pdu, const std::string &address);
    void maybe_trim();

    AeConfig config_;
    ServiceHandlers handlers_;
    std::unique_ptr<TcpListener> listener_;
    std::shared_ptr<TlsContext> tls_;  ///< with AeConfig::tls: the server's certificates and trust store
    std::thread acceptor_;
    std::vector<std::thread> workers_;
    std::mutex mu_;
    std::condition_variable cv_;       // workers: a connection is queued, or stopping
    std::condition_variable stop_cv_;  // wait(): stopping
    std::deque<Admitted> queue_;
    std::vector<Association *> running_;  // guarded by mu_, for interrupt() on stop
    std::map<std::string, unsigned> per_address_;  // queued and running associations by address, guarded by mu_
    bool stopping_ = false;
    std::atomic<unsigned> active_{0};
    std::atomic<unsigned> pending_{0};
    std::atomic<bool> trim_due_{false};
    std::chrono::steady_clock::time_point last_trim_{};
    std::atomic<uint64_t> served_{0};
    std::atomic<bool> stop_requested_{false};
};

}  // namespace dcmkit::net
