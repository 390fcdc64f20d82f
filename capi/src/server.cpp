// dcmkit C ABI — the server (dk_server_*): an AE's configuration serving associations, with the
// application's callbacks for association, echo, store, C-FIND, C-MOVE, C-GET and DIMSE-N.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#define DK_EXPERIMENTAL
#include "dcmkit/experimental.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/dk_net.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/dimse.h"
#include "dcmkit/net/normalized.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "dcmkit/net/transport.h"
#include "dcmkit/services/workflow.h"
#include "dcmkit/uid.h"
#include "internal.h"
#include "net_internal.h"

namespace net = dcmkit::net;
namespace dimse = dcmkit::net::dimse;
using dk::check_version;
using dk::fail;
using dk::init_versioned;
using dk::need;

namespace {

/// The size of a dk_server_callbacks of `version` (1 ends with user_data).
size_t callbacks_size(uint32_t version) {
    return version >= 4   ? sizeof(dk_server_callbacks)
           : version == 3 ? offsetof(dk_server_callbacks, on_association)
           : version == 2 ? offsetof(dk_server_callbacks, on_move)
                          : offsetof(dk_server_callbacks, on_find);
}

}  // namespace

extern "C" {

dk_result dk_server_callbacks_init(dk_server_callbacks *callbacks, uint32_t version) {
    return dk::guard([&] {
        const dk_server_callbacks d = DK_SERVER_CALLBACKS_INIT;
        init_versioned(callbacks, "callbacks", version, DK_SERVER_CALLBACKS_VERSION, "dk_server_callbacks", d,
                       callbacks_size(version));
    });
}

}  // extern "C"

// -- the server ---------------------------------------------------------------------------------------

struct dk_find_request {
    net::QueryRequest *rq;
};

struct dk_retrieve_plan {
    net::RetrievePlan *plan;  // null once the callback returned
    bool move;
};

struct dk_n_reply {
    net::NResponse *rsp;  // null once the callback returned
};

struct dk_server {
    net::AeConfig cfg;
    dk_server_callbacks cb = DK_SERVER_CALLBACKS_INIT;
    std::shared_ptr<net::StorageFolder> storage;  // the caller's folder, or a scratch one for on_store
    bool scratch = false;                         // storage is a private temporary folder
    net::StorageFolder::Limits limits;            // dk_server_set_storage_limits, applied at start
    std::unique_ptr<net::Server> server;          // the core's server: pool, limits, stop
    bool started = false;

    ~dk_server() {
        if (server) server->stop(10000);
        if (scratch && storage) ::rmdir(storage->folder().c_str());
    }

    void start(const std::string &address, uint16_t port);
};

namespace {

/// A callback's answer: its status, or `failure` when it returns an error code.
uint16_t status_of(dk_result r, uint16_t status, uint16_t failure) { return r == DK_OK ? status : failure; }

/// The strings dk_assoc_info points to, for one callback.
struct AssocInfo {
    std::string calling, called, peer;
    net::UserIdentityRq identity;
    std::string tls_protocol, tls_subject, tls_fingerprint;
    dk_assoc_info info;
    AssocInfo(std::string calling_ae, std::string called_ae, std::string peer_address,
              const std::optional<net::UserIdentityRq> &id, const net::TlsPeerInfo *tls = nullptr)
        : calling(std::move(calling_ae)), called(std::move(called_ae)), peer(std::move(peer_address)),
          identity(id.value_or(net::UserIdentityRq{})), tls_protocol(tls ? tls->protocol : std::string()),
          tls_subject(tls ? tls->subject : std::string()), tls_fingerprint(tls ? tls->sha256_fingerprint : std::string()),
          info{calling.c_str(),         called.c_str(),           peer.c_str(),
               id ? uint32_t(id->type) : 0u, identity.primary.c_str(), identity.primary.size(),
               identity.secondary.c_str(), id && id->positive_response_requested ? 1u : 0u,
               tls_protocol.c_str(),    tls_subject.c_str(),      tls_fingerprint.c_str()} {}
    explicit AssocInfo(const net::Association &a)
        : AssocInfo(a.calling_ae(), a.called_ae(), a.peer(), a.request().user.user_identity_rq, a.tls_peer()) {}
};

/// Calls a C callback; a C++ caller's callback that throws anyway counts as an internal error, and
/// what it threw goes to the AE's log (error level) with the callback's name, not lost.
template <typename F>
dk_result call_back(const net::AeConfig &cfg, const char *name, F &&f) noexcept {
    std::string why;
    try {
        return f();
    } catch (const std::exception &e) {
        why = e.what();
    } catch (...) {
        why = "an exception of unknown type";
    }
    try {
        cfg.emit(net::LogLevel::error, std::string(name) + " threw (internal error): " + why);
    } catch (...) {
    }
    return DK_EINTERNAL;
}

}  // namespace

void dk_server::start(const std::string &address, uint16_t port) {
    if (cb.on_store && !storage) {
        // Incoming instances go to scratch files, removed after the callback.
        const char *tmp = std::getenv("TMPDIR");
        std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/dcmkit-scp-XXXXXX";
        if (!::mkdtemp(dir.data())) fail(DK_EIO, "cannot create a scratch folder in " + dir + ": " + std::strerror(errno));
        storage = std::make_shared<net::StorageFolder>(dir, false, false);
        scratch = true;
    }
    if (storage) storage->set_limits(limits);
    net::ServiceHandlers h;
    if (cb.on_associate) {
        h.on_associate = [this](const net::AAssociateRq &rq, const std::string &peer) -> std::optional<net::AAssociateRj> {
            AssocInfo ai(rq.calling_ae, rq.called_ae, peer, rq.user.user_identity_rq);
            const dk_result r = call_back(cfg, "on_associate", [&] { return cb.on_associate(&ai.info, cb.user_data); });
            if (r == DK_OK) return std::nullopt;
            cfg.emit(net::LogLevel::info, "on_associate rejected " + rq.calling_ae + " from " + peer + " (" +
                                              dk_result_name(r) + ")");
            return net::AAssociateRj{1, 1, 1};  // rejected-permanent, service-user, no reason given
        };
    }
    if (cb.on_association) {
        h.on_association = [this](const net::Association &a, net::ServiceHandlers::AssociationEvent ev) {
            using Ev = net::ServiceHandlers::AssociationEvent;
            AssocInfo ai(a);
            const int e = ev == Ev::accepted ? DK_ASSOC_ACCEPTED : ev == Ev::released ? DK_ASSOC_RELEASED
                                                                                      : DK_ASSOC_ABORTED;
            (void)call_back(cfg, "on_association", [&] {
                cb.on_association(e, &ai.info, cb.user_data);
                return DK_OK;
            });
        };
    }
    if (cb.on_echo) {
        h.on_echo = [this](net::Association &a, const net::Command &) -> uint16_t {
            AssocInfo ai(a);
            uint16_t st = dimse::status::Success;
            const dk_result r = call_back(cfg, "on_echo", [&] { return cb.on_echo(&st, &ai.info, cb.user_data); });
            return status_of(r, st, dimse::status::ProcessingFailure);
        };
    }
    if (cb.on_find) {
        h.on_find = [this](net::QueryRequest &rq) -> uint16_t {
            AssocInfo ai(rq.assoc);
            auto root = std::make_shared<dk::Root>();
            root->file.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
            root->file.dataset = rq.identifier;
            const dk_dataset identifier{root, {}};
            dk_find_request request{&rq};
            const dk_find_info fi{&ai.info, rq.sop_class_uid.c_str(), rq.level.c_str(), &identifier};
            uint16_t st = dimse::status::Success;
            const dk_result r = call_back(cfg, "on_find", [&] { return cb.on_find(&st, &fi, &request, cb.user_data); });
            return status_of(r, st, dimse::status::UnableToProcess);
        };
    }
    if (cb.on_move || cb.on_get) {
        auto retrieve = [this](net::QueryRequest &rq, bool move) -> net::RetrievePlan {
            AssocInfo ai(rq.assoc);
            auto root = std::make_shared<dk::Root>();
            root->file.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
            root->file.dataset = rq.identifier;
            const dk_dataset identifier{root, {}};
            net::RetrievePlan plan;
            dk_retrieve_plan handle{&plan, move};
            const dk_retrieve_info ri{&ai.info, rq.sop_class_uid.c_str(), rq.level.c_str(),
                                      move ? rq.move_destination.c_str() : "", &identifier};
            uint16_t st = dimse::status::Success;
            const dk_result r = call_back(cfg, move ? "on_move" : "on_get", [&] {
                return (move ? cb.on_move : cb.on_get)(&st, &ri, &handle, cb.user_data);
            });
            handle.plan = nullptr;
            plan.status = status_of(r, st, dimse::status::UnableToProcess);
            if (r != DK_OK) plan.error_comment = std::string(move ? "on_move" : "on_get") + " failed (" +
                                                 dk_result_name(r) + ")";
            if (plan.status != dimse::status::Success) {
                plan.files.clear();
                plan.instances.clear();
            }
            return plan;
        };
        if (cb.on_move) h.on_move = [retrieve](net::QueryRequest &rq) { return retrieve(rq, true); };
        if (cb.on_get) h.on_get = [retrieve](net::QueryRequest &rq) { return retrieve(rq, false); };
    }
    if (cb.on_n_request) {
        net::NHandler nh = [this](net::NRequest &rq) -> net::NResponse {
            AssocInfo ai(rq.assoc);
            std::shared_ptr<dk::Root> root;
            std::optional<dk_dataset> ds;
            if (rq.dataset) {
                root = std::make_shared<dk::Root>();
                root->file.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
                root->file.dataset = *rq.dataset;
                ds = dk_dataset{root, {}};
            }
            std::vector<uint32_t> attrs;
            for (const dcmkit::Tag &t : rq.attribute_list) attrs.push_back(t.value);
            const dk_n_info ni{&ai.info,
                               rq.command.command_field,
                               rq.sop_class_uid.c_str(),
                               rq.sop_instance_uid.c_str(),
                               rq.action_or_event_type,
                               attrs.empty() ? nullptr : attrs.data(),
                               attrs.size(),
                               ds ? &*ds : nullptr};
            net::NResponse rsp;
            rsp.sop_instance_uid = rq.sop_instance_uid;
            dk_n_reply reply{&rsp};
            uint16_t st = dimse::status::Success;
            const dk_result r = call_back(cfg, "on_n_request", [&] { return cb.on_n_request(&st, &ni, &reply, cb.user_data); });
            reply.rsp = nullptr;
            rsp.status = status_of(r, st, dimse::status::ProcessingFailure);
            if (r != DK_OK) {
                rsp.dataset.reset();
                rsp.error_comment = std::string("on_n_request failed (") + dk_result_name(r) + ")";
            }
            return rsp;
        };
        // Every SOP class the AE accepts as SCP reaches the callback.
        for (const net::SopClassSupport &sc : cfg.sop_classes)
            if (sc.scp) h.n_handlers[sc.sop_class_uid] = nh;
    }
    if (cb.on_store) {
        // Streamed to a temporary file, fsynced and checked; the callback sees it before it is kept.
        h.on_store = [this](net::StoreRequest &rq) -> uint16_t {
            AssocInfo ai(rq.assoc);
            net::StorageFolder::Incoming in = storage->receive_to_temp(rq);
            const uint16_t st = storage->complete(in, [&](const std::string &path) {
                const dk_store_info si{&ai.info, rq.sop_class_uid.c_str(), rq.sop_instance_uid.c_str(),
                                       rq.transfer_syntax.c_str(), path.c_str()};
                uint16_t status = dimse::status::Success;
                const dk_result r = call_back(cfg, "on_store", [&] { return cb.on_store(&status, &si, cb.user_data); });
                return status_of(r, status, dimse::status::OutOfResources);
            });
            rq.error_comment = in.error_comment;  // the folder's refusal, if it refused
            return st;
        };
    } else {
        h.storage = storage;  // the core's default: stored in the folder, or refused without one
    }
    server = std::make_unique<net::Server>(cfg, std::move(h));
    server->start(address, port);
    started = true;
}

extern "C" {

dk_result dk_find_emit(dk_find_request *request, const dk_dataset *match) {
    return dk::guard([&] {
        need(request, "request");
        if (!request->rq) fail(DK_EINVAL, "the C-FIND request is over (dk_find_emit after on_find returned)");
        const dcmkit::Dataset &m = dk::resolve_dataset(need(match, "match"));
        if (!request->rq->emit(m))
            fail(DK_EREFUSED, "the peer cancelled the C-FIND (C-CANCEL-RQ): stop sending matches");
    });
}

dk_result dk_retrieve_plan_add_file(dk_retrieve_plan *plan, const char *path) {
    return dk::guard([&] {
        need(plan, "plan");
        need(path, "path");
        if (!plan->plan) fail(DK_EINVAL, "the retrieve request is over (called after on_move/on_get returned)");
        if (!*path) fail(DK_EINVAL, "path is empty");
        plan->plan->files.emplace_back(path);
    });
}

dk_result dk_retrieve_plan_add_dataset(dk_retrieve_plan *plan, const dk_dataset *ds) {
    return dk::guard([&] {
        need(plan, "plan");
        need(ds, "ds");
        if (!plan->plan) fail(DK_EINVAL, "the retrieve request is over (called after on_move/on_get returned)");
        if (!ds->path.empty()) fail(DK_EINVAL, "ds is an item handle: pass the instance's top-level dataset");
        const dk::Root &root = *ds->root;
        const std::string ts = root.pixel_syntax.empty() ? root.file.transfer_syntax : root.pixel_syntax;
        dk::check_pixel_syntax(root, ts);
        auto copy = std::make_shared<dcmkit::DicomFile>(root.file);
        copy->transfer_syntax = ts;
        plan->plan->instances.push_back(std::move(copy));
    });
}

dk_result dk_retrieve_plan_set_destination(dk_retrieve_plan *plan, const char *host, uint16_t port) {
    return dk::guard([&] {
        need(plan, "plan");
        need(host, "host");
        if (!plan->plan) fail(DK_EINVAL, "the retrieve request is over (called after on_move/on_get returned)");
        if (!plan->move) fail(DK_EINVAL, "a C-GET has no Move Destination: its instances go back on the association");
        if (!*host || port == 0) fail(DK_EINVAL, "the destination needs a host and a port other than 0");
        plan->plan->host = host;
        plan->plan->port = port;
    });
}

dk_result dk_n_reply_set_dataset(dk_n_reply *reply, const dk_dataset *dataset) {
    return dk::guard([&] {
        need(reply, "reply");
        if (!reply->rsp) fail(DK_EINVAL, "the N request is over (called after on_n_request returned)");
        if (dataset)
            reply->rsp->dataset = dk::resolve_dataset(dataset);
        else
            reply->rsp->dataset.reset();
    });
}

dk_result dk_n_reply_set_instance_uid(dk_n_reply *reply, const char *uid) {
    return dk::guard([&] {
        need(reply, "reply");
        need(uid, "uid");
        if (!reply->rsp) fail(DK_EINVAL, "the N request is over (called after on_n_request returned)");
        reply->rsp->sop_instance_uid = uid;
    });
}

dk_result dk_server_new(dk_server **out, const dk_ae *ae, const dk_server_callbacks *callbacks) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(ae, "ae");
        auto s = std::make_unique<dk_server>();
        if (callbacks) {
            check_version(callbacks->version, DK_SERVER_CALLBACKS_VERSION, "dk_server_callbacks");
            // The fields the caller's version has; the later ones stay NULL.
            std::memcpy(&s->cb, callbacks, callbacks_size(callbacks->version));
        }
        s->cfg = ae->cfg;
        if (s->cfg.sop_classes.empty())
            fail(DK_EINVAL, "the AE has no SOP class to accept (dk_ae_add_verification, dk_ae_add_all_storage…)");
        *out = s.release();
    });
}

dk_result dk_server_set_storage_folder(dk_server *srv, const char *folder, uint32_t flags) {
    return dk::guard([&] {
        need(srv, "srv");
        need(folder, "folder");
        if (flags & ~DK_STORAGE_FSYNC)
            fail(DK_EINVAL, "unknown dk_server_set_storage_folder flags " + std::to_string(flags));
        if (srv->started) fail(DK_EINVAL, "the server is already started");
        struct stat st {};
        if (::stat(folder, &st) != 0) fail(DK_ENOTFOUND, std::string(folder) + ": " + std::strerror(errno));
        if (!S_ISDIR(st.st_mode)) fail(DK_EINVAL, std::string(folder) + " is not a folder");
        if (::access(folder, W_OK | X_OK) != 0)
            fail(DK_EIO, std::string("cannot write in ") + folder + ": " + std::strerror(errno));
        srv->storage = std::make_shared<net::StorageFolder>(folder, (flags & DK_STORAGE_FSYNC) != 0);
        srv->scratch = false;
    });
}

dk_result dk_server_set_storage_limits(dk_server *srv, uint64_t max_dataset_size, uint64_t min_free_space) {
    return dk::guard([&] {
        need(srv, "srv");
        if (srv->started) fail(DK_EINVAL, "the server is already started");
        srv->limits.max_dataset_size = max_dataset_size;
        srv->limits.min_free_space = min_free_space;
    });
}

dk_result dk_server_start(dk_server *srv, const char *address, uint16_t port) {
    return dk::guard([&] {
        need(srv, "srv");
        if (srv->started) fail(DK_EINVAL, "the server is already started (a stopped server cannot be restarted)");
        srv->start(address ? address : "", port);
    });
}

dk_result dk_server_port(uint16_t *port, const dk_server *srv) {
    return dk::guard([&] {
        need(port, "port");
        *port = 0;
        need(srv, "srv");
        if (!srv->server) fail(DK_EINVAL, "the server is not started");
        *port = srv->server->port();
    });
}

dk_result dk_server_stop(dk_server *srv, int32_t grace_ms) {
    return dk::guard([&] {
        need(srv, "srv");
        if (srv->server) srv->server->stop(std::max<int32_t>(0, grace_ms));
    });
}

void dk_server_free(dk_server *srv) { delete srv; }

}  // extern "C"

