// swig_server.hpp — what the C# and Java bindings add over dk::Server (dcmkit.hpp): a handler class
// whose virtual methods C# or Java code overrides (SWIG directors), and a server that calls it.
//
// dk::Server takes std::functions, which SWIG cannot build from a C# delegate or a Java lambda; a
// class with virtual methods is what a director can subclass. Everything here is plain C++ over
// dcmkit.hpp (no JNI, no P/Invoke): the language-specific parts (exception guards, keeping the
// handler alive) are in dcmkit.i.
#ifndef DCMKIT_SWIG_SERVER_HPP
#define DCMKIT_SWIG_SERVER_HPP

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dcmkit/dcmkit.hpp"

namespace dcmkit_swig {

/// What a server knows about an association.
struct AssocInfo {
    std::string calling_ae;    ///< the peer's AE title
    std::string called_ae;     ///< the AE title the peer asked for
    std::string peer_address;  ///< "host:port" of the peer
    /// The user identity (PS3.7 D.3.3.7): 0 none, 1 username, 2 username and passcode, 3 Kerberos,
    /// 4 SAML, 5 JWT; `identity` the username or token, `passcode` type 2's passcode. Check it in
    /// OnAssociate/onAssociate (return false to reject the association).
    uint32_t identity_type = 0;
    std::string identity;
    std::string passcode;
    bool identity_positive_response = false;
    /// TLS: protocol ("TLSv1.3"), the peer certificate's subject and SHA-256 fingerprint ("" when plain).
    std::string tls_protocol, tls_subject, tls_fingerprint;
};

/// An instance received by C-STORE (with its association's AssocInfo). A flat copy: a handler may
/// keep it after returning, unlike `path`, whose file is only guaranteed during the call.
struct StoreInfo : AssocInfo {
    std::string sop_class_uid, sop_instance_uid;
    std::string transfer_syntax;     ///< the syntax it was received in
    std::string path;                ///< a complete Part 10 file of the instance
    bool in_storage_folder = false;  ///< `path` is in the storage folder: it stays there on success
};

/// A C-FIND as a find handler sees it (with its association's AssocInfo).
struct FindInfo : AssocInfo {
    std::string sop_class_uid;  ///< the information model (Study Root FIND, Modality Worklist…)
    std::string level;          ///< Query/Retrieve Level ("" for the worklist)
};

/// Sends the matches of one C-FIND. Valid while its on_find call runs, on that call's thread only:
/// a copy kept past the call (a C# or Java object may be) throws InvalidArgumentError instead of touching
/// a request that is over.
class FindResponder {
public:
    /// Sends `match` as a pending response; false once the peer cancelled (stop emitting then).
    bool emit(const dk::Dataset &match) {
        std::lock_guard<std::mutex> lock(s_->mu);
        if (!s_->emit) throw dk::InvalidArgumentError(DK_EINVAL, "FindResponder: the C-FIND it answered is over");
        if (std::this_thread::get_id() != s_->thread)
            throw dk::InvalidArgumentError(DK_EINVAL, "FindResponder: emit from the thread of the find handler only");
        if (s_->cancelled) return false;
        if (!(*s_->emit)(match)) s_->cancelled = true;
        return !s_->cancelled;
    }
    /// Whether the peer cancelled the query (C-CANCEL-RQ).
    bool cancelled() const {
        std::lock_guard<std::mutex> lock(s_->mu);
        return s_->cancelled;
    }

#ifndef SWIG
    /// A responder over `emit`, open until close().
    explicit FindResponder(const dk::Server::FindEmit &emit) : s_(std::make_shared<State>()) {
        s_->emit = &emit;
        s_->thread = std::this_thread::get_id();
    }
    void close() {
        std::lock_guard<std::mutex> lock(s_->mu);
        s_->emit = nullptr;
    }

private:
    struct State {
        mutable std::mutex mu;
        const dk::Server::FindEmit *emit = nullptr;  // null once the handler returned
        std::thread::id thread;
        bool cancelled = false;
    };
    std::shared_ptr<State> s_;  // shared by the copies handed to C# or Java
#endif
};

/// A C-MOVE or C-GET as a move/get handler sees it (with its association's AssocInfo).
struct RetrieveInfo : AssocInfo {
    std::string sop_class_uid;     ///< the information model (Study Root MOVE, Patient Root GET…)
    std::string level;             ///< Query/Retrieve Level ("STUDY"…)
    std::string move_destination;  ///< C-MOVE: the Move Destination AE title; "" for C-GET
};

/// What a move/get handler fills in (dk::RetrievePlan): the Part 10 files the server sends, in the
/// order added, and for C-MOVE where the Move Destination listens; the server then runs the C-STORE
/// sub-operations and the responses itself. Valid while its handler runs: a copy kept past the call
/// throws InvalidArgumentError.
class RetrievePlan {
public:
    /// Adds the Part 10 file `path` to the instances sent (read when the sub-operations run; a file
    /// that cannot be read is a failed sub-operation).
    void add_file(const std::string &path) {
        std::lock_guard<std::mutex> lock(s_->mu);
        check_open();
        s_->plan.files.push_back(path);
    }
    /// C-MOVE: the Move Destination listens on `host` and `port` (without it the C-MOVE is refused
    /// with 0xA801 Move Destination unknown). A C-GET has no destination: its request then fails.
    void set_destination(const std::string &host, uint16_t port) {
        std::lock_guard<std::mutex> lock(s_->mu);
        check_open();
        s_->plan.host = host;
        s_->plan.port = port;
    }
    /// The number of files added so far.
    size_t file_count() const {
        std::lock_guard<std::mutex> lock(s_->mu);
        return s_->plan.files.size();
    }

#ifndef SWIG
    RetrievePlan() : s_(std::make_shared<State>()) {}
    /// Closes the plan and hands over what the handler added.
    dk::RetrievePlan take() {
        std::lock_guard<std::mutex> lock(s_->mu);
        s_->open = false;
        return std::move(s_->plan);
    }

private:
    void check_open() const {
        if (!s_->open) throw dk::InvalidArgumentError(DK_EINVAL, "RetrievePlan: the C-MOVE or C-GET it planned is over");
    }
    struct State {
        mutable std::mutex mu;
        bool open = true;
        dk::RetrievePlan plan;
    };
    std::shared_ptr<State> s_;  // shared by the copies handed to C# or Java
#endif
};

/// A DIMSE-N request as an n handler sees it (with its association's AssocInfo).
struct NInfo : AssocInfo {
    /// The request's Command Field (PS3.7 E.1): one of the constants below.
    static const int N_EVENT_REPORT = 0x0100;
    static const int N_GET = 0x0110;
    static const int N_SET = 0x0120;
    static const int N_ACTION = 0x0130;
    static const int N_CREATE = 0x0140;
    static const int N_DELETE = 0x0150;
    int message = 0;               ///< N_CREATE, N_SET, N_GET, N_ACTION, N_EVENT_REPORT or N_DELETE
    std::string sop_class_uid;     ///< Affected or Requested SOP Class UID
    std::string sop_instance_uid;  ///< Affected or Requested SOP Instance UID ("" when an N-CREATE has none)
    int type_id = 0;               ///< N-ACTION: Action Type ID; N-EVENT-REPORT: Event Type ID; else 0
    /// N-GET: the number of tags in the Attribute Identifier List (0: all attributes).
    size_t attribute_count() const { return attributes.size(); }
    /// N-GET: tag `index` of the Attribute Identifier List (0xGGGGEEEE).
    uint32_t attribute(size_t index) const {
        if (index >= attributes.size())
            throw dk::InvalidArgumentError(DK_EINVAL, "NInfo: no attribute " + std::to_string(index));
        return attributes[index];
    }
#ifndef SWIG
    std::vector<uint32_t> attributes;
#endif
};

#ifndef SWIG
static_assert(NInfo::N_EVENT_REPORT == DK_N_EVENT_REPORT && NInfo::N_GET == DK_N_GET && NInfo::N_SET == DK_N_SET &&
                  NInfo::N_ACTION == DK_N_ACTION && NInfo::N_CREATE == DK_N_CREATE && NInfo::N_DELETE == DK_N_DELETE,
              "NInfo's message constants are the C ABI's");
#endif

/// The reply an n handler sets besides its status (dk::NReply): the dataset (Attribute List, Action
/// Reply…) and the Affected SOP Instance UID. Valid while its handler runs: a copy kept past the
/// call throws InvalidArgumentError.
class NReply {
public:
    /// The reply's dataset (copied).
    void set_dataset(const dk::Dataset &dataset) {
        dk::Dataset copy = dataset.clone();
        std::lock_guard<std::mutex> lock(s_->mu);
        check_open();
        s_->reply.dataset = std::move(copy);
    }
    /// The reply's Affected SOP Instance UID: the instance an N-CREATE without one was given.
    /// Default: the request's.
    void set_instance_uid(const std::string &uid) {
        std::lock_guard<std::mutex> lock(s_->mu);
        check_open();
        s_->reply.sop_instance_uid = uid;
    }

#ifndef SWIG
    NReply() : s_(std::make_shared<State>()) {}
    /// Closes the reply and hands over what the handler set.
    dk::NReply take() {
        std::lock_guard<std::mutex> lock(s_->mu);
        s_->open = false;
        return std::move(s_->reply);
    }

private:
    void check_open() const {
        if (!s_->open) throw dk::InvalidArgumentError(DK_EINVAL, "NReply: the DIMSE-N request it answered is over");
    }
    struct State {
        mutable std::mutex mu;
        bool open = true;
        dk::NReply reply;
    };
    std::shared_ptr<State> s_;
#endif
};

/// The handlers of a Server: override what you serve. Called from the server's worker threads,
/// several at once when several associations are served: overrides must be thread-safe. An
/// exception thrown by an override fails its request (the association is rejected, or the status is
/// 0x0110 for C-ECHO and DIMSE-N, 0xA700 for C-STORE, 0xC000 for C-FIND, C-MOVE and C-GET); so does
/// a status outside 0..0xFFFF.
class ServerHandler {
public:
    virtual ~ServerHandler() = default;
    /// An association request: true accepts it (negotiated with the AE's SOP classes). Default: accept.
    virtual bool on_associate(AssocInfo info) {
        (void)info;
        return true;
    }
    /// A C-ECHO: the response status. Default: 0x0000 Success.
    virtual int on_echo(AssocInfo info) {
        (void)info;
        return 0x0000;
    }
    /// A C-STORE, once the instance is in the file `info.path`: the response status. Default: Success
    /// when the server has a storage folder (the file stays there), else 0xA700 (nowhere to keep it).
    virtual int on_store(StoreInfo info) { return info.in_storage_folder ? 0x0000 : 0xA700; }
    /// A C-FIND on a SOP class the AE accepts as SCP: emit each match of `identifier` through
    /// `responder`, then return the final status (0x0000; a failure such as 0xA900, 0xC000).
    /// `identifier` is the handler's own copy. Default: 0x0122 (SOP class not supported).
    virtual int on_find(FindInfo info, const dk::Dataset &identifier, FindResponder responder) {
        (void)info;
        (void)identifier;
        (void)responder;
        return 0x0122;
    }
    /// A C-MOVE on a SOP class the AE accepts as SCP (Study Root MOVE…): add the files that
    /// `identifier` selects to `plan` and where `info.move_destination` listens, then return 0x0000;
    /// the server sends the C-STORE sub-operations and the responses. A failure status (0xA801
    /// destination unknown, 0xA701, 0xA900, 0xC000…) refuses the request before any sub-operation.
    /// `identifier` is the handler's own copy. Default: 0x0122 (SOP class not supported).
    virtual int on_move(RetrieveInfo info, const dk::Dataset &identifier, RetrievePlan plan) {
        (void)info;
        (void)identifier;
        (void)plan;
        return 0x0122;
    }
    /// A C-GET: as on_move, the instances sent back on the requesting association (no destination).
    /// Default: 0x0122.
    virtual int on_get(RetrieveInfo info, const dk::Dataset &identifier, RetrievePlan plan) {
        (void)info;
        (void)identifier;
        (void)plan;
        return 0x0122;
    }
    /// A DIMSE-N request (N-CREATE, N-SET, N-GET, N-ACTION, N-EVENT-REPORT, N-DELETE: info.message)
    /// on a SOP class the AE accepts (add_sop_class): set the reply's dataset and instance UID
    /// through `reply`, return the response status. `dataset` is the request's (the handler's own
    /// copy), null when it has none. Default: 0x0118 (No such SOP class).
    virtual int on_n_request(NInfo info, const dk::Dataset *dataset, NReply reply) {
        (void)info;
        (void)dataset;
        (void)reply;
        return 0x0118;
    }
};

/// A DICOM server (dk::Server) whose requests go to a ServerHandler. Not copyable: its handlers
/// point at it. Destroying it stops it first (waiting for running handlers).
class Server {
public:
    /// A server for `ae` (give it add_verification(), add_all_storage(), Q/R classes as SCP…) calling
    /// `handler`, which must outlive it (the bindings keep it alive); null = the defaults above.
    Server(const dk::AE &ae, ServerHandler *handler) : handler_(handler ? handler : &defaults_) {
        dk::Server::Handlers h;
        h.on_associate = [this](const dk::AssocInfo &a) {
            return guard([&] { return handler_->on_associate(info_of(a)); });
        };
        h.on_echo = [this](const dk::AssocInfo &a) {
            return guard([&] { return status_of(handler_->on_echo(info_of(a)), "on_echo"); });
        };
        h.on_store = [this](const dk::StoreInfo &s) {
            return guard([&] {
                StoreInfo i;
                static_cast<AssocInfo &>(i) = info_of(s.assoc);
                i.sop_class_uid = s.sop_class_uid;
                i.sop_instance_uid = s.sop_instance_uid;
                i.transfer_syntax = s.transfer_syntax;
                i.path = s.path;
                i.in_storage_folder = has_storage_folder_;
                return status_of(handler_->on_store(i), "on_store");
            });
        };
        h.on_find = [this](const dk::FindInfo &f, const dk::Dataset &identifier, const dk::Server::FindEmit &emit) {
            return guard([&] {
                FindInfo i;
                static_cast<AssocInfo &>(i) = info_of(f.assoc);
                i.sop_class_uid = f.sop_class_uid;
                i.level = f.level;
                FindResponder responder(emit);
                struct Close {  // whatever the handler does, its responder is closed when it returns
                    FindResponder &r;
                    ~Close() { r.close(); }
                } close{responder};
                return status_of(handler_->on_find(i, identifier, responder), "on_find");
            });
        };
        h.on_move = [this](const dk::RetrieveInfo &r, const dk::Dataset &identifier) {
            return guard([&] { return retrieve(r, identifier, true); });
        };
        h.on_get = [this](const dk::RetrieveInfo &r, const dk::Dataset &identifier) {
            return guard([&] { return retrieve(r, identifier, false); });
        };
        h.on_n_request = [this](const dk::NInfo &n, const dk::Dataset *dataset) {
            return guard([&] {
                NInfo i;
                static_cast<AssocInfo &>(i) = info_of(n.assoc);
                i.message = n.message;
                i.sop_class_uid = n.sop_class_uid;
                i.sop_instance_uid = n.sop_instance_uid;
                i.type_id = n.type_id;
                i.attributes = n.attributes;
                NReply reply;
                struct Close {  // whatever the handler does, its reply is closed when it returns
                    NReply &r;
                    ~Close() { r.take(); }
                } close{reply};
                const int status = handler_->on_n_request(i, dataset, reply);
                dk::NReply r = reply.take();
                r.status = status_of(status, "on_n_request");
                return r;
            });
        };
        server_ = std::make_unique<dk::Server>(ae, std::move(h));
    }
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;
    ~Server() { server_.reset(); }  // stops (waits for running handlers) before handler_ may go

    /// Stores received instances as <SOP Instance UID>.dcm in `folder` (which must exist). Before start().
    void set_storage_folder(const std::string &folder, bool fsync = true) {
        server_->set_storage_folder(folder, fsync);
        has_storage_folder_ = true;
    }
    /// Refuses (0xA700, with an Error Comment) a dataset over `max_dataset_size` bytes, or one that
    /// would leave less than `min_free_space` bytes free on the storage folder's file system; 0 = no
    /// limit. After set_storage_folder(), before start().
    void set_storage_limits(uint64_t max_dataset_size, uint64_t min_free_space = 0) {
        server_->set_storage_limits(max_dataset_size, min_free_space);
    }
    /// Binds `address` ("" = every address) and `port` (0 = a free one) and serves in the background.
    void start(const std::string &address = "", uint16_t port = 0) { server_->start(address, port); }
    /// The port listened on (after start()).
    uint16_t port() const { return server_->port(); }
    /// Stops accepting, lets running associations finish for up to `grace_ms`, interrupts the rest
    /// and waits for the workers (and so for running handlers). Idempotent.
    void stop(int32_t grace_ms = 10000) { server_->stop(grace_ms); }
    /// The message of the last exception a handler threw ("" when none): what a failure status
    /// sent to a peer does not say.
    std::string last_handler_error() const {
        std::lock_guard<std::mutex> lock(mu_);
        return last_error_;
    }

#ifndef SWIG  // SWIG's parser needs none of this (and not the trailing return type)
private:
    static AssocInfo info_of(const dk::AssocInfo &a) {
        return AssocInfo{a.calling_ae, a.called_ae,      a.peer_address, a.identity_type,
                         a.identity,   a.passcode,       a.identity_positive_response,
                         a.tls_protocol, a.tls_subject,  a.tls_fingerprint};
    }
    /// A C-MOVE (`move`) or C-GET through the handler: its plan, with its status.
    dk::RetrievePlan retrieve(const dk::RetrieveInfo &r, const dk::Dataset &identifier, bool move) {
        RetrieveInfo i;
        static_cast<AssocInfo &>(i) = info_of(r.assoc);
        i.sop_class_uid = r.sop_class_uid;
        i.level = r.level;
        i.move_destination = r.move_destination;
        RetrievePlan plan;
        struct Close {  // whatever the handler does, its plan is closed when it returns
            RetrievePlan &p;
            ~Close() { p.take(); }
        } close{plan};
        const int status = move ? handler_->on_move(i, identifier, plan) : handler_->on_get(i, identifier, plan);
        dk::RetrievePlan p = plan.take();
        p.status = status_of(status, move ? "on_move" : "on_get");
        return p;
    }
    static uint16_t status_of(int status, const char *handler) {
        if (status < 0 || status > 0xFFFF)
            throw dk::InvalidArgumentError(DK_EINVAL, std::string(handler) + " returned " + std::to_string(status) +
                                                     ", not a DIMSE status (0..0xFFFF)");
        return uint16_t(status);
    }
    /// Calls `f`, remembering the message of what it throws before letting dk::Server turn it
    /// into a failure status.
    template <class F>
    auto guard(F &&f) -> decltype(f()) {
        try {
            return f();
        } catch (const std::exception &e) {
            remember(e.what());
            throw;
        } catch (...) {
            remember("unknown exception");
            throw;
        }
    }
    void remember(const std::string &what) {
        std::lock_guard<std::mutex> lock(mu_);
        last_error_ = what;
    }

    ServerHandler defaults_;
    ServerHandler *handler_;
    bool has_storage_folder_ = false;
    mutable std::mutex mu_;
    std::string last_error_;
    std::unique_ptr<dk::Server> server_;  // last: destroyed (stopped) first
#endif
};

/// What Association.find collected (dk::FindResult), handed over one match at a time: the bindings
/// build a C# or Java list from it.
class FindMatches {
public:
#ifndef SWIG
    explicit FindMatches(dk::FindResult r) : r_(std::move(r)) {}
#endif
    int status() const { return r_.status; }
    size_t size() const { return r_.matches.size(); }
    /// Match `index`, moved out (a second take of the same index throws).
    dk::Dataset *take(size_t index) {
        if (index >= r_.matches.size() || !r_.matches[index])
            throw dk::InvalidArgumentError(DK_EINVAL, "FindMatches: no match " + std::to_string(index));
        return new dk::Dataset(std::move(r_.matches[index]));
    }

private:
    dk::FindResult r_;
};

/// The response to an N-CREATE, N-SET or N-ACTION an Association sent (dk::NResult).
class NResult {
public:
#ifndef SWIG
    explicit NResult(dk::NResult r) : r_(std::move(r)) {}
#endif
    /// The response's status (0x0000 Success; a failure status is no exception).
    int status() const { return r_.status; }
    /// N-ACTION: the Action Type ID of the response.
    int action_type() const { return r_.action_type; }
    /// The Affected SOP Instance UID (N-CREATE: the one the performer chose).
    std::string sop_instance_uid() const { return r_.sop_instance_uid; }
    /// Error Comment (0000,0902), "" when none.
    std::string error_comment() const { return r_.error_comment; }
    /// Whether the response has a dataset.
    bool has_dataset() const { return r_.dataset.has_value() && bool(*r_.dataset); }
    /// The response's dataset, moved out (null when it has none, or once taken).
    dk::Dataset *take_dataset() {
        if (!has_dataset()) return nullptr;
        dk::Dataset *d = new dk::Dataset(std::move(*r_.dataset));
        r_.dataset.reset();
        return d;
    }

private:
    dk::NResult r_;
};

}  // namespace dcmkit_swig

#endif  // DCMKIT_SWIG_SERVER_HPP
