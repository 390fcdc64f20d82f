// dcmkit C++ wrapper, network: a DICOM server (dk::Server) whose handlers are std::functions, and
// what they are told about associations, C-STOREs, C-FINDs, C-MOVEs, C-GETs and DIMSE-N requests.
#ifndef DCMKIT_SERVER_HPP
#define DCMKIT_SERVER_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/ae.hpp"
#include "dcmkit/common.hpp"
#include "dcmkit/dataset.hpp"
#include "dcmkit/dk_net.h"

namespace dk {

/// What a server knows about an association (copied out of the C callback's dk_assoc_info).
struct AssocInfo {
    std::string calling_ae, called_ae, peer_address;
    /// The user identity of the A-ASSOCIATE-RQ (PS3.7 D.3.3.7): 0 none, 1 username, 2 username and
    /// passcode, 3 Kerberos, 4 SAML, 5 JWT; `identity` is the username or token (bytes), `passcode`
    /// type 2's passcode. Check it in the associate handler (throw or return an error to reject).
    uint32_t identity_type = 0;
    std::string identity, passcode;
    bool identity_positive_response = false;
    /// TLS: protocol ("TLSv1.3"), the peer certificate's subject and SHA-256 fingerprint ("" when plain).
    std::string tls_protocol, tls_subject, tls_fingerprint;
};
/// An instance received by C-STORE. `path` is a complete Part 10 file, valid during the handler only
/// (unless the server has a storage folder, where it stays when the handler answers success).
struct StoreInfo {
    AssocInfo assoc;
    std::string sop_class_uid, sop_instance_uid, transfer_syntax, path;
};

/// A C-FIND as a server's find handler sees it.
struct FindInfo {
    AssocInfo assoc;
    std::string sop_class_uid;  ///< the information model
    std::string level;          ///< Query/Retrieve Level ("" for the worklist)
};

/// A C-MOVE or C-GET as a server's move/get handler sees it.
struct RetrieveInfo {
    AssocInfo assoc;
    std::string sop_class_uid;     ///< the information model
    std::string level;             ///< Query/Retrieve Level
    std::string move_destination;  ///< C-MOVE: the Move Destination AE title; "" for C-GET
};
/// What a move/get handler decides: the Part 10 files to send and, for C-MOVE, where the destination
/// listens (no host/port: 0xA801). A failure status refuses the request before any sub-operation.
struct RetrievePlan {
    uint16_t status = 0x0000;
    std::vector<std::string> files;
    std::string host;
    uint16_t port = 0;
};

/// A DIMSE-N request as a server's n handler sees it.
struct NInfo {
    AssocInfo assoc;
    uint16_t message = 0;  ///< DK_N_CREATE, DK_N_SET, DK_N_GET, DK_N_ACTION, DK_N_EVENT_REPORT, DK_N_DELETE
    std::string sop_class_uid, sop_instance_uid;
    uint16_t type_id = 0;             ///< N-ACTION Action Type ID, N-EVENT-REPORT Event Type ID
    std::vector<uint32_t> attributes; ///< N-GET: the Attribute Identifier List (DK_TAG values)
};
/// An n handler's answer: the status, the instance UID ("" = the request's) and an optional dataset.
struct NReply {
    uint16_t status = 0x0000;
    std::string sop_instance_uid;
    Dataset dataset{static_cast<dk_dataset *>(nullptr)};  ///< none unless set
};

/// A DICOM server (dk_server) whose handlers are std::functions, called from its worker threads
/// (several at once: they must be thread-safe). A handler that throws fails its request: the
/// association is rejected, or the status is 0x0110 (C-ECHO) / 0xA700 (C-STORE). Move-only; the
/// destructor stops the server (waiting for running handlers) before the handlers go away.
class Server {
public:
    /// true accepts the association, false rejects it (rejected-permanent, service-user).
    using AssociateHandler = std::function<bool(const AssocInfo &)>;
    /// Returns the C-ECHO response status.
    using EchoHandler = std::function<uint16_t(const AssocInfo &)>;
    /// Returns the C-STORE response status.
    using StoreHandler = std::function<uint16_t(const StoreInfo &)>;
    /// Sends a C-FIND match (a pending response); false once the peer cancelled: stop then.
    using FindEmit = std::function<bool(const Dataset &match)>;
    /// Answers a C-FIND: emits the matches for `identifier` (valid during the call), returns the final
    /// status (0x0000, or a failure such as 0xA900, 0xC000).
    using FindHandler = std::function<uint16_t(const FindInfo &, const Dataset &identifier, const FindEmit &emit)>;
    /// Answers a C-MOVE or C-GET for `identifier` (valid during the call): the server sends the files.
    using RetrieveHandler = std::function<RetrievePlan(const RetrieveInfo &, const Dataset &identifier)>;
    /// Answers a DIMSE-N request; `dataset` is the request's (valid during the call), or null.
    using NHandler = std::function<NReply(const NInfo &, const Dataset *dataset)>;
    /// What becomes of an association: DK_ASSOC_ACCEPTED, then DK_ASSOC_RELEASED or DK_ASSOC_ABORTED.
    using AssociationHandler = std::function<void(int event, const AssocInfo &)>;
    struct Handlers {
        AssociateHandler on_associate;  ///< empty: accept every association
        EchoHandler on_echo;            ///< empty: Success
        StoreHandler on_store;          ///< empty: store in the storage folder, or refuse without one
        FindHandler on_find;            ///< empty: C-FIND refused (0x0122); give the AE the classes as SCP
        RetrieveHandler on_move;        ///< empty: C-MOVE refused (0x0122); a throw answers 0xC000
        RetrieveHandler on_get;         ///< empty: C-GET refused (0x0122); a throw answers 0xC000
        NHandler on_n_request;          ///< empty: 0x0118 No such SOP class; a throw answers 0x0110
        AssociationHandler on_association;  ///< a notification; a throw is ignored
    };

    /// A server for `ae` (give it add_verification(), add_all_storage()…).
    explicit Server(const AE &ae, Handlers handlers = {}) : hs_(new Handlers(std::move(handlers))) {
        dk_server_callbacks cb = DK_SERVER_CALLBACKS_INIT;
        if (hs_->on_associate) cb.on_associate = &Server::associate_cb;
        if (hs_->on_echo) cb.on_echo = &Server::echo_cb;
        if (hs_->on_store) cb.on_store = &Server::store_cb;
        if (hs_->on_find) cb.on_find = &Server::find_cb;
        if (hs_->on_move) cb.on_move = &Server::move_cb;
        if (hs_->on_get) cb.on_get = &Server::get_cb;
        if (hs_->on_n_request) cb.on_n_request = &Server::n_cb;
        if (hs_->on_association) cb.on_association = &Server::association_cb;
        cb.user_data = hs_.get();
        check(dk_server_new(&h_, ae.handle(), &cb));
    }
    Server(Server &&o) noexcept : hs_(std::move(o.hs_)), h_(std::exchange(o.h_, nullptr)) {}
    Server &operator=(Server &&o) noexcept {
        if (this != &o) {
            dk_server_free(h_);
            h_ = std::exchange(o.h_, nullptr);
            hs_ = std::move(o.hs_);
        }
        return *this;
    }
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;
    ~Server() { dk_server_free(h_); }  // stops first: no handler runs after this line

    dk_server *handle() const noexcept { return h_; }

    /// Stores received instances as <SOP Instance UID>.dcm in `folder` (which must exist). Before start().
    void set_storage_folder(const std::string &folder, bool fsync = true) {
        check(dk_server_set_storage_folder(h_, folder.c_str(), fsync ? DK_STORAGE_FSYNC : 0u));
    }
    /// Largest dataset and free space reserve, in bytes (0 = no bound); refusals are 0xA700. Before start().
    void set_storage_limits(uint64_t max_dataset_size, uint64_t min_free_space = 0) {
        check(dk_server_set_storage_limits(h_, max_dataset_size, min_free_space));
    }
    /// Binds `address` ("" = every address) and `port` (0 = a free one) and serves in the background.
    void start(const std::string &address = "", uint16_t port = 0) {
        check(dk_server_start(h_, address.empty() ? nullptr : address.c_str(), port));
    }
    /// The port listened on (after start()).
    uint16_t port() const {
        uint16_t p = 0;
        check(dk_server_port(&p, h_));
        return p;
    }
    /// Stops accepting, lets running associations finish for up to `grace_ms`, interrupts the rest
    /// and waits for the workers. Idempotent.
    void stop(int32_t grace_ms = 10000) { check(dk_server_stop(h_, grace_ms)); }

private:
    static AssocInfo info_of(const dk_assoc_info *i) {
        AssocInfo a;
        if (i) {
            a.calling_ae = i->calling_ae ? i->calling_ae : "";
            a.called_ae = i->called_ae ? i->called_ae : "";
            a.peer_address = i->peer_address ? i->peer_address : "";
            a.identity_type = i->identity_type;
            if (i->identity) a.identity.assign(i->identity, i->identity_size);
            a.passcode = i->passcode ? i->passcode : "";
            a.identity_positive_response = i->identity_positive_response != 0;
            a.tls_protocol = i->tls_protocol ? i->tls_protocol : "";
            a.tls_subject = i->tls_subject ? i->tls_subject : "";
            a.tls_fingerprint = i->tls_fingerprint ? i->tls_fingerprint : "";
        }
        return a;
    }
    static dk_result associate_cb(const dk_assoc_info *info, void *user_data) noexcept {
        try {
            return static_cast<Handlers *>(user_data)->on_associate(info_of(info)) ? DK_OK : DK_EREJECTED;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }
    static void association_cb(int event, const dk_assoc_info *info, void *user_data) noexcept {
        try {
            static_cast<Handlers *>(user_data)->on_association(event, info_of(info));
        } catch (...) {  // a notification has nothing to fail
        }
    }
    static dk_result echo_cb(uint16_t *status, const dk_assoc_info *info, void *user_data) noexcept {
        try {
            *status = static_cast<Handlers *>(user_data)->on_echo(info_of(info));
            return DK_OK;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }
    static dk_result store_cb(uint16_t *status, const dk_store_info *info, void *user_data) noexcept {
        try {
            StoreInfo s;
            s.assoc = info_of(info->assoc);
            s.sop_class_uid = info->sop_class_uid ? info->sop_class_uid : "";
            s.sop_instance_uid = info->sop_instance_uid ? info->sop_instance_uid : "";
            s.transfer_syntax = info->transfer_syntax ? info->transfer_syntax : "";
            s.path = info->path ? info->path : "";
            *status = static_cast<Handlers *>(user_data)->on_store(s);
            return DK_OK;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }

    static dk_result find_cb(uint16_t *status, const dk_find_info *info, dk_find_request *request,
                             void *user_data) noexcept {
        try {
            FindInfo f;
            f.assoc = info_of(info->assoc);
            f.sop_class_uid = info->sop_class_uid ? info->sop_class_uid : "";
            f.level = info->level ? info->level : "";
            // A borrowed view of the identifier for the duration of the call.
            struct View {
                Dataset ds;
                ~View() { ds.release(); }
            } id{Dataset(const_cast<dk_dataset *>(info->identifier))};
            const FindEmit emit = [request](const Dataset &match) {
                const dk_result r = dk_find_emit(request, match.handle());
                if (r == DK_EREFUSED) return false;  // cancelled
                check(r);
                return true;
            };
            *status = static_cast<Handlers *>(user_data)->on_find(f, id.ds, emit);
            return DK_OK;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }

    /// A borrowed view of a callback's dataset for the duration of the call.
    struct View {
        Dataset ds;
        explicit View(const dk_dataset *h) : ds(const_cast<dk_dataset *>(h)) {}
        ~View() { ds.release(); }
    };

    static dk_result retrieve_cb(uint16_t *status, const dk_retrieve_info *info, dk_retrieve_plan *plan,
                                 const RetrieveHandler &fn) noexcept {
        try {
            RetrieveInfo r;
            r.assoc = info_of(info->assoc);
            r.sop_class_uid = info->sop_class_uid ? info->sop_class_uid : "";
            r.level = info->level ? info->level : "";
            r.move_destination = info->move_destination ? info->move_destination : "";
            View id(info->identifier);
            const RetrievePlan p = fn(r, id.ds);
            *status = p.status;
            for (const std::string &f : p.files) check(dk_retrieve_plan_add_file(plan, f.c_str()));
            if (!p.host.empty() || p.port) check(dk_retrieve_plan_set_destination(plan, p.host.c_str(), p.port));
            return DK_OK;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }
    static dk_result move_cb(uint16_t *status, const dk_retrieve_info *info, dk_retrieve_plan *plan,
                             void *user_data) noexcept {
        return retrieve_cb(status, info, plan, static_cast<Handlers *>(user_data)->on_move);
    }
    static dk_result get_cb(uint16_t *status, const dk_retrieve_info *info, dk_retrieve_plan *plan,
                            void *user_data) noexcept {
        return retrieve_cb(status, info, plan, static_cast<Handlers *>(user_data)->on_get);
    }
    static dk_result n_cb(uint16_t *status, const dk_n_info *info, dk_n_reply *reply, void *user_data) noexcept {
        try {
            NInfo n;
            n.assoc = info_of(info->assoc);
            n.message = info->message;
            n.sop_class_uid = info->sop_class_uid ? info->sop_class_uid : "";
            n.sop_instance_uid = info->sop_instance_uid ? info->sop_instance_uid : "";
            n.type_id = info->type_id;
            if (info->attributes) n.attributes.assign(info->attributes, info->attributes + info->attribute_count);
            std::unique_ptr<View> ds;
            if (info->dataset) ds.reset(new View(info->dataset));
            const NReply r = static_cast<Handlers *>(user_data)->on_n_request(n, ds ? &ds->ds : nullptr);
            if (!r.sop_instance_uid.empty()) check(dk_n_reply_set_instance_uid(reply, r.sop_instance_uid.c_str()));
            if (r.dataset) check(dk_n_reply_set_dataset(reply, r.dataset.handle()));
            *status = r.status;
            return DK_OK;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }

    std::unique_ptr<Handlers> hs_;  // at a stable address: the C callbacks' user_data
    dk_server *h_ = nullptr;
};

}  // namespace dk

#endif  // DCMKIT_SERVER_HPP
