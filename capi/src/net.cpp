// dcmkit C ABI — networking: the AE configuration, associations as SCU, a server with C callbacks,
// Storage Commitment as SCU (the request and a listener for reports).
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
#include <thread>
#include <type_traits>

#include "dcmkit/dictionary.h"
#include "dcmkit/dk_net.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/tls.h"
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

/// The bytes of dk_ae_options that `version` has (version 1 ends at log_level).
size_t ae_options_size(uint32_t version) {
    return version >= 2 ? sizeof(dk_ae_options) : offsetof(dk_ae_options, request_timeout_ms);
}

/// PS3.5 Table 6.2-1 (AE): 1 to 16 characters of the default repertoire, no backslash nor control
/// character, not only spaces.
std::string ae_title(const char *title, const char *what) {
    need(title, what);
    std::string s(title);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    size_t lead = 0;
    while (lead < s.size() && s[lead] == ' ') ++lead;
    s.erase(0, lead);
    if (s.empty() || s.size() > 16)
        fail(DK_EINVAL, std::string(what) + " '" + title + "' must have 1 to 16 characters");
    for (unsigned char c : s)
        if (c < 0x20 || c >= 0x7F || c == '\\')
            fail(DK_EINVAL, std::string(what) + " '" + title + "' has a character an AE title cannot have");
    return s;
}

const net::Association &established(const dk_assoc *h) {
    need(h, "assoc");
    if (!h->a || !h->a->established())
        fail(DK_EINVAL, "the association is no longer established (released or aborted)");
    return *h->a;
}

net::Association &established(dk_assoc *h) {
    const net::Association &a = established(static_cast<const dk_assoc *>(h));
    if (h->open_query)
        fail(DK_EINVAL, "a C-FIND query is still open on this association: read it to its end, or cancel it "
                        "(dk_find_query_cancel), before another request");
    return const_cast<net::Association &>(a);
}

}  // namespace

extern "C" {

// -- the AE ---------------------------------------------------------------------------------------

dk_result dk_ae_options_init(dk_ae_options *opts, uint32_t version) {
    return dk::guard([&] {
        const dk_ae_options d = DK_AE_OPTIONS_INIT;
        init_versioned(opts, "opts", version, DK_AE_OPTIONS_VERSION, "dk_ae_options", d, ae_options_size(version));
    });
}

dk_result dk_ae_new(dk_ae **out, const char *title, const dk_ae_options *opts) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        std::string t = ae_title(title, "ae_title");
        dk_ae_options o = DK_AE_OPTIONS_INIT;
        if (opts) {
            check_version(opts->version, DK_AE_OPTIONS_VERSION, "dk_ae_options");
            // The fields the caller's version has; the later ones keep their defaults.
            std::memcpy(&o, opts, ae_options_size(opts->version));
            o.version = DK_AE_OPTIONS_VERSION;
        }
        auto check_ms = [](int32_t v, const char *name) {
            if (v < 0) fail(DK_EINVAL, std::string(name) + " is negative (" + std::to_string(v) + ")");
            return int(v);
        };
        auto ae = std::make_unique<dk_ae>();
        net::AeConfig &c = ae->cfg;
        c.ae_title = t;
        c.max_pdu_length = o.max_pdu;
        c.timeouts.connect_ms = check_ms(o.connect_timeout_ms, "connect_timeout_ms");
        c.timeouts.artim_ms = check_ms(o.artim_timeout_ms, "artim_timeout_ms");
        c.timeouts.dimse_ms = check_ms(o.dimse_timeout_ms, "dimse_timeout_ms");
        c.timeouts.idle_ms = check_ms(o.idle_timeout_ms, "idle_timeout_ms");
        c.max_ops_invoked = o.max_ops_invoked;
        c.max_ops_performed = o.max_ops_performed;
        if (o.max_associations == 0) fail(DK_EINVAL, "max_associations is 0");
        c.max_associations = o.max_associations;
        c.check_called_ae = o.check_called_ae != 0;
        c.timeouts.request_ms = check_ms(o.request_timeout_ms, "request_timeout_ms");
        c.max_associations_per_address = o.max_associations_per_address;
        if (o.max_pending == 0) fail(DK_EINVAL, "max_pending is 0");
        if (o.max_pending_per_address == 0) fail(DK_EINVAL, "max_pending_per_address is 0");
        c.max_pending = o.max_pending;
        c.max_pending_per_address = o.max_pending_per_address;
        if (o.log_level < DK_LOG_ERROR || o.log_level > DK_LOG_TRACE)
            fail(DK_EINVAL, "log_level " + std::to_string(o.log_level) + " is not a dk_log_level");
        c.log_level = static_cast<net::LogLevel>(o.log_level);
        *out = ae.release();
    });
}

void dk_ae_free(dk_ae *ae) { delete ae; }

dk_result dk_ae_add_sop_class(dk_ae *ae, const char *sop_class_uid, const char *const *transfer_syntaxes, size_t n,
                              uint32_t roles) {
    return dk::guard([&] {
        need(ae, "ae");
        need(sop_class_uid, "sop_class_uid");
        std::string why;
        if (!dcmkit::is_valid_uid(sop_class_uid, &why))
            fail(DK_EINVAL, std::string("sop_class_uid '") + sop_class_uid + "' is not a UID: " + why);
        if (roles == 0 || (roles & ~(DK_ROLE_SCU | DK_ROLE_SCP)) != 0)
            fail(DK_EINVAL, "roles must be DK_ROLE_SCU, DK_ROLE_SCP or both, not " + std::to_string(roles));
        if (n && !transfer_syntaxes) fail(DK_EINVAL, "transfer_syntaxes is NULL but n is " + std::to_string(n));
        std::vector<std::string> ts;
        for (size_t i = 0; i < n; ++i)
            ts.emplace_back(dcmkit::TransferSyntax::parse(need(transfer_syntaxes[i], "transfer_syntaxes[i]")).uid);
        ae->cfg.add(sop_class_uid, std::move(ts), (roles & DK_ROLE_SCP) != 0, (roles & DK_ROLE_SCU) != 0);
    });
}

dk_result dk_ae_add_verification(dk_ae *ae) {
    return dk::guard([&] { need(ae, "ae")->cfg.add_verification(); });
}

dk_result dk_ae_add_all_storage(dk_ae *ae) {
    return dk::guard([&] { need(ae, "ae")->cfg.add_all_storage(); });
}

dk_result dk_ae_add_storage_for_files(dk_ae *ae, const char *const *paths, size_t n) {
    return dk::guard([&] {
        need(ae, "ae");
        if (n && !paths) fail(DK_EINVAL, "paths is NULL but n is " + std::to_string(n));
        net::AeConfig cfg = ae->cfg;  // all or nothing
        for (size_t i = 0; i < n; ++i) {
            const std::string path = need(paths[i], "paths[i]");
            std::vector<std::string> errors;
            if (net::add_storage_contexts(cfg, {path}, &errors).empty()) {
                // Reads the header again for the precise error (its code and message).
                dcmkit::ReadOptions ro;
                ro.stop_before_pixels = true;
                (void)dcmkit::read_file(path, ro);
                fail(DK_ENOTDICOM, errors.empty() ? path + ": cannot be sent" : errors.front());
            }
        }
        if (cfg.sop_classes.size() > 128)
            fail(DK_EINVAL, std::to_string(cfg.sop_classes.size()) +
                                " SOP classes need more than the 128 presentation contexts of one association");
        ae->cfg = std::move(cfg);
    });
}

dk_result dk_ae_add_query_retrieve(dk_ae *ae) {
    return dk::guard([&] {
        need(ae, "ae");
        for (const char *uid : {dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, dcmkit::uids::StudyRootQueryRetrieveInformationModelGet,
                                dcmkit::uids::PatientRootQueryRetrieveInformationModelFind, dcmkit::uids::PatientRootQueryRetrieveInformationModelMove, dcmkit::uids::PatientRootQueryRetrieveInformationModelGet})
            ae->cfg.add(uid, {}, /*scp=*/false, /*scu=*/true);
    });
}

dk_result dk_ae_add_get_storage(dk_ae *ae) {
    return dk::guard([&] { need(ae, "ae")->cfg.add_get_storage(); });
}

dk_result dk_ae_add_get_storage_uncompressed(dk_ae *ae) {
    return dk::guard([&] { need(ae, "ae")->cfg.add_get_storage(net::uncompressed_transfer_syntaxes()); });
}

dk_result dk_tls_options_init(dk_tls_options *opts, uint32_t version) {
    return dk::guard([&] {
        const dk_tls_options d = DK_TLS_OPTIONS_INIT;
        init_versioned(opts, "opts", version, DK_TLS_OPTIONS_VERSION, "dk_tls_options", d, sizeof d);  // version 1: all
    });
}

dk_result dk_ae_set_tls(dk_ae *ae, const dk_tls_options *opts) {
    return dk::guard([&] {
        need(ae, "ae");
        if (!opts) {
            ae->cfg.tls.reset();
            return;
        }
        check_version(opts->version, DK_TLS_OPTIONS_VERSION, "dk_tls_options");
        if (opts->profile > DK_TLS_BCP195_EXTENDED) fail(DK_EINVAL, "unknown TLS profile " + std::to_string(opts->profile));
        if (opts->peer > DK_TLS_PEER_IGNORE) fail(DK_EINVAL, "unknown peer verification " + std::to_string(opts->peer));
        if (!net::tls_available()) fail(DK_EUNSUPPORTED, "this build has no TLS (DCMKIT_WITH_TLS=OFF)");
        net::TlsOptions t;
        auto str = [](const char *s) { return s ? std::string(s) : std::string(); };
        t.certificate_file = str(opts->certificate_file);
        t.private_key_file = str(opts->private_key_file);
        t.private_key_password = str(opts->private_key_password);
        if (opts->ca_file && *opts->ca_file) t.ca_files.push_back(opts->ca_file);
        if (opts->ca_folder && *opts->ca_folder) t.ca_folders.push_back(opts->ca_folder);
        if (opts->crl_file && *opts->crl_file) t.crl_files.push_back(opts->crl_file);
        t.profile = opts->profile == DK_TLS_BCP195 ? net::TlsProfile::bcp195
                    : opts->profile == DK_TLS_BCP195_EXTENDED ? net::TlsProfile::bcp195_extended
                                                              : net::TlsProfile::bcp195_nd;
        t.verify_peer = opts->peer == DK_TLS_PEER_VERIFY   ? net::PeerVerification::verify_if_presented
                        : opts->peer == DK_TLS_PEER_IGNORE ? net::PeerVerification::ignore
                                                           : net::PeerVerification::require;
        t.verify_host_name = opts->check_host_name != 0;
        // Load the files now, as a client and (when it has a certificate) as a server: a bad file
        // fails here with its reason rather than at the first connection.
        try {
            net::make_tls_context(t, false);
            if (!t.certificate_file.empty()) net::make_tls_context(t, true);
        } catch (const dcmkit::Error &e) {
            fail(e.code() == dcmkit::Errc::unsupported ? DK_EUNSUPPORTED : DK_EINVAL, e.message());
        }
        if (ae->cfg.tls) t.ae_certificates = ae->cfg.tls->ae_certificates;  // bindings stay
        ae->cfg.tls = std::move(t);
    });
}

dk_result dk_ae_bind_certificate(dk_ae *ae, const char *calling_ae, const char *identity) {
    return dk::guard([&] {
        need(ae, "ae");
        need(calling_ae, "calling_ae");
        need(identity, "identity");
        if (!*calling_ae || std::strlen(calling_ae) > 16) fail(DK_EINVAL, "calling_ae must have 1 to 16 characters");
        if (!*identity) fail(DK_EINVAL, "identity is empty");
        if (!ae->cfg.tls) fail(DK_EINVAL, "the AE has no TLS (dk_ae_set_tls first): a binding needs a peer certificate");
        ae->cfg.tls->ae_certificates[calling_ae].push_back(identity);
    });
}

dk_result dk_ae_set_user_identity(dk_ae *ae, uint32_t type, const void *primary, size_t primary_size,
                                  const char *passcode, uint32_t flags) {
    return dk::guard([&] {
        need(ae, "ae");
        if (type == 0) {
            ae->cfg.user_identity.reset();
            return;
        }
        if (type > DK_IDENTITY_JWT) fail(DK_EINVAL, "unknown user identity type " + std::to_string(type) + " (1 to 5)");
        if (flags & ~DK_IDENTITY_POSITIVE_RESPONSE) fail(DK_EINVAL, "unknown dk_ae_set_user_identity flags " + std::to_string(flags));
        need(primary, "primary");
        if (primary_size == 0 || primary_size > 65535) fail(DK_EINVAL, "primary_size must be 1 to 65535 (PS3.7 D.3.3.7.1)");
        if ((type == DK_IDENTITY_USERNAME_PASSCODE) != (passcode != nullptr))
            fail(DK_EINVAL, type == DK_IDENTITY_USERNAME_PASSCODE ? "a username and passcode identity needs a passcode"
                                                                  : "only a username and passcode identity has a passcode");
        if (passcode && (!*passcode || std::strlen(passcode) > 65535)) fail(DK_EINVAL, "the passcode must be 1 to 65535 bytes");
        net::UserIdentityRq id;
        id.type = uint8_t(type);
        id.primary.assign(static_cast<const char *>(primary), primary_size);
        if (passcode) id.secondary = passcode;
        id.positive_response_requested = (flags & DK_IDENTITY_POSITIVE_RESPONSE) != 0;
        ae->cfg.user_identity = std::move(id);
    });
}

dk_result dk_assoc_user_identity_response(const void **response, size_t *size, const dk_assoc *assoc) {
    return dk::guard([&] {
        need(response, "response");
        *response = nullptr;
        need(size, "size");
        *size = 0;
        need(assoc, "assoc");
        if (!assoc->a) fail(DK_EINVAL, "assoc is not an association");
        const auto &r = assoc->a->acceptance().user.user_identity_ac;
        if (r && !r->empty()) {
            *response = r->data();
            *size = r->size();
        }
    });
}

dk_result dk_ae_set_log(dk_ae *ae, dk_log_fn fn, void *user_data) {
    return dk::guard([&] {
        need(ae, "ae");
        if (!fn) {
            ae->cfg.log = nullptr;
            return;
        }
        ae->cfg.log = [fn, user_data](net::LogLevel level, const std::string &message) {
            fn(static_cast<dk_log_level>(level), message.c_str(), user_data);
        };
    });
}

// -- associations -----------------------------------------------------------------------------------

dk_result dk_assoc_connect(dk_assoc **out, const dk_ae *ae, const char *host, uint16_t port, const char *called_ae) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(ae, "ae");
        need(host, "host");
        const std::string called = ae_title(called_ae, "called_ae");
        if (port == 0) fail(DK_EINVAL, "port is 0");
        if (ae->cfg.sop_classes.empty())
            fail(DK_EINVAL, "the AE has no SOP class to propose (dk_ae_add_verification, dk_ae_add_sop_class…)");
        auto h = std::make_unique<dk_assoc>();
        try {
            h->a = net::Association::connect(ae->cfg, host, port, called);
        } catch (const dcmkit::Error &e) {
            // Name the peer: "network: connection refused" alone does not say where.
            const std::string where = std::string(host) + ":" + std::to_string(port);
            std::string msg = std::string(e.what()) + " (requesting an association with " + called;
            if (msg.find(where) == std::string::npos) msg += " at " + where;
            throw dk::Failure{dk::to_result(e.code()), msg + ")"};
        }
        *out = h.release();
    });
}

dk_result dk_assoc_echo(uint16_t *status, dk_assoc *assoc) {
    return dk::guard([&] {
        need(status, "status");
        *status = 0;
        net::Association &a = established(assoc);
        *status = net::echo(a);
    });
}

dk_result dk_assoc_store_file(uint16_t *status, dk_assoc *assoc, const char *path) {
    return dk::guard([&] {
        need(status, "status");
        *status = 0;
        net::Association &a = established(assoc);
        need(path, "path");
        *status = net::store_file(a, path).status;
    });
}

dk_result dk_assoc_store_dataset(uint16_t *status, dk_assoc *assoc, const dk_dataset *ds) {
    return dk::guard([&] {
        need(status, "status");
        *status = 0;
        net::Association &a = established(assoc);
        need(ds, "ds");
        if (!ds->path.empty()) fail(DK_EINVAL, "ds is a sequence item: only a top-level dataset can be stored");
        *status = net::store(a, ds->root->file).status;
    });
}

// -- Query/Retrieve and DIMSE-N ------------------------------------------------------------------------

}  // extern "C"

namespace {

/// A SOP class argument: NULL = `fallback`, else a valid UID.
std::string sop_class_arg(const char *uid, const char *fallback) {
    if (!uid) return fallback;
    std::string why;
    if (!dcmkit::is_valid_uid(uid, &why)) fail(DK_EINVAL, std::string("sop_class '") + uid + "' is not a UID: " + why);
    return uid;
}

/// A top-level or item dataset argument.
const dcmkit::Dataset &dataset_arg(const dk_dataset *ds, const char *name) {
    return dk::resolve_dataset(need(ds, name));
}

/// Checks an output structure's version (set by the caller) before anything is sent.
template <class T>
T *result_arg(T *r, const char *name, uint32_t current) {
    need(r, name);
    check_version(r->version, current, name);
    return r;
}

void fill(dk_retrieve_result &out, const net::RetrieveProgress &p) {
    out.status = p.status;
    out.completed = p.completed;
    out.failed = p.failed;
    out.warning = p.warning;
    out.remaining = p.remaining ? int32_t(*p.remaining) : -1;
}

void fill(dk_retrieve_result &out, const net::RetrieveResult &r) {
    fill(out, static_cast<const net::RetrieveProgress &>(r));
    out.cancelled = r.cancelled ? 1 : 0;
    out.stored = uint32_t(r.stored);
}

/// The progress callback of a retrieval as the core's: a C callback returning 0 cancels.
net::RetrieveProgressFn progress_fn(dk_retrieve_fn fn, void *user_data) {
    if (!fn) return {};
    return [fn, user_data](const net::RetrieveProgress &p) {
        dk_retrieve_result r = DK_RETRIEVE_RESULT_INIT;
        fill(r, p);
        return fn(&r, user_data) != 0;
    };
}

void copy_fixed(char *dst, size_t size, const std::string &s) {
    const size_t n = std::min(s.size(), size - 1);
    std::memcpy(dst, s.data(), n);
    dst[n] = '\0';
}

void fill(dk_n_result &out, net::NResult &&r) {
    out.status = r.status;
    out.action_type = r.action_or_event_type;
    copy_fixed(out.sop_instance_uid, sizeof out.sop_instance_uid, r.sop_instance_uid);
    copy_fixed(out.error_comment, sizeof out.error_comment, r.error_comment);
    out.dataset = nullptr;
    if (r.dataset) {
        auto root = std::make_shared<dk::Root>();
        root->file.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
        root->file.dataset = std::move(*r.dataset);
        out.dataset = new dk_dataset{std::move(root), {}};
    }
}

/// The bytes of a caller's result struct of `version`. Version 1 is the whole struct today; a
/// version that appends fields makes the older ones shorter (offsetof the first field it adds),
/// and nothing past that may be written into an older caller's struct.
size_t result_size(const dk_retrieve_result &, uint32_t) { return sizeof(dk_retrieve_result); }
size_t result_size(const dk_n_result &, uint32_t) { return sizeof(dk_n_result); }

/// Back to its initial values, keeping the caller's version (only the bytes that version has).
void reset(dk_retrieve_result &out) {
    dk_retrieve_result init = DK_RETRIEVE_RESULT_INIT;
    init.version = out.version;
    std::memcpy(&out, &init, result_size(out, out.version));
}

void reset(dk_n_result &out) {
    dk_n_result init;
    std::memset(&init, 0, sizeof init);
    init.version = out.version;
    init.status = 0xFFFF;
    std::memcpy(&out, &init, result_size(out, out.version));
}

/// The instance UID argument of an N request (NULL or "" allowed only when `optional`).
std::string instance_arg(const char *uid, bool optional) {
    if (!uid || !*uid) {
        if (optional) return {};
        fail(DK_EINVAL, "instance_uid is NULL or empty");
    }
    std::string why;
    if (!dcmkit::is_valid_uid(uid, &why)) fail(DK_EINVAL, std::string("instance_uid '") + uid + "' is not a UID: " + why);
    return uid;
}

}  // namespace

extern "C" {

dk_result dk_retrieve_result_init(dk_retrieve_result *result, uint32_t version) {
    return dk::guard([&] {
        const dk_retrieve_result d = DK_RETRIEVE_RESULT_INIT;
        init_versioned(result, "result", version, DK_RETRIEVE_RESULT_VERSION, "dk_retrieve_result", d,
                       result_size(d, version));
    });
}

dk_result dk_n_result_init(dk_n_result *result, uint32_t version) {
    return dk::guard([&] {
        need(result, "result");
        check_version(version, DK_N_RESULT_VERSION, "dk_n_result");
        result->version = version;
        reset(*result);
    });
}

dk_result dk_assoc_find(uint16_t *status, size_t *matches, dk_assoc *assoc, const char *sop_class,
                        const dk_dataset *identifier, dk_find_fn on_match, void *user_data) {
    return dk::guard([&] {
        need(status, "status");
        *status = 0xFFFF;
        if (matches) *matches = 0;
        net::Association &a = established(assoc);
        const std::string cls = sop_class_arg(sop_class, dcmkit::uids::StudyRootQueryRetrieveInformationModelFind);
        const dcmkit::Dataset &id = dataset_arg(identifier, "identifier");
        const net::FindResult r = net::find(a, cls, id, [&](const dcmkit::Dataset &m) {
            if (!on_match) return true;
            // A root of its own per match: item handles the callback takes stay on this match.
            auto root = std::make_shared<dk::Root>();
            root->file.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
            root->file.dataset = m;
            const dk_dataset handle{std::move(root), {}};
            return on_match(&handle, user_data) != 0;
        });
        *status = r.status;
        if (matches) *matches = r.matches;
    });
}

}  // extern "C"

struct dk_find_query {
    dk_assoc *assoc = nullptr;  // NULL once the association is freed
    std::unique_ptr<net::FindQuery> q;
    bool failed = false;        // the association failed under the query

    /// Leaves the association free for other requests once the query is over.
    void settle() {
        if ((failed || q->done()) && assoc && assoc->open_query == this) assoc->open_query = nullptr;
    }
};

namespace {

dk_find_query &open_query(dk_find_query *query) {
    need(query, "query");
    if (!query->assoc) fail(DK_EINVAL, "the query's association was freed");
    return *query;
}

/// Runs a step of `query` (next or cancel); an exception ends it.
template <typename F>
void query_step(dk_find_query &query, F &&step) {
    try {
        step();
    } catch (...) {
        query.failed = true;
        query.settle();
        throw;
    }
    query.settle();
}

}  // namespace

extern "C" {

dk_result dk_assoc_find_start(dk_find_query **out, dk_assoc *assoc, const char *sop_class,
                              const dk_dataset *identifier) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        net::Association &a = established(assoc);
        const std::string cls = sop_class_arg(sop_class, dcmkit::uids::StudyRootQueryRetrieveInformationModelFind);
        const dcmkit::Dataset &id = dataset_arg(identifier, "identifier");
        auto query = std::make_unique<dk_find_query>();
        query->assoc = assoc;
        query->q = std::make_unique<net::FindQuery>(a, cls, id);
        assoc->open_query = query.get();
        *out = query.release();
    });
}

dk_result dk_find_query_next(dk_dataset **match, dk_find_query *query) {
    return dk::guard([&] {
        need(match, "match");
        *match = nullptr;
        dk_find_query &fq = open_query(query);
        if (fq.failed) return;
        std::optional<dcmkit::Dataset> m;
        query_step(fq, [&] { m = fq.q->next(); });
        if (!m) return;
        auto root = std::make_shared<dk::Root>();
        root->file.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
        root->file.dataset = std::move(*m);
        *match = new dk_dataset{std::move(root), {}};
    });
}

dk_result dk_find_query_cancel(dk_find_query *query) {
    return dk::guard([&] {
        dk_find_query &fq = open_query(query);
        if (fq.failed) return;
        query_step(fq, [&] { fq.q->cancel(); });
    });
}

dk_result dk_find_query_status(int32_t *done, uint16_t *status, size_t *matches, int32_t *cancelled,
                               const dk_find_query *query) {
    return dk::guard([&] {
        need(query, "query");
        const net::FindResult &r = query->q->result();
        if (done) *done = (query->failed || query->q->done()) ? 1 : 0;
        if (status) *status = r.status;
        if (matches) *matches = r.matches;
        if (cancelled) *cancelled = r.cancelled ? 1 : 0;
    });
}

void dk_find_query_free(dk_find_query *query) {
    if (!query) return;
    if (query->assoc && !query->failed && !query->q->done()) {
        try {
            query->q->cancel();
        } catch (...) {
            if (query->assoc->a) query->assoc->a->abort();
        }
    }
    if (query->assoc && query->assoc->open_query == query) query->assoc->open_query = nullptr;
    delete query;
}

dk_result dk_assoc_move(dk_retrieve_result *result, dk_assoc *assoc, const char *sop_class,
                        const char *destination_ae, const dk_dataset *identifier, dk_retrieve_fn progress,
                        void *user_data) {
    return dk::guard([&] {
        reset(*result_arg(result, "result", DK_RETRIEVE_RESULT_VERSION));
        net::Association &a = established(assoc);
        const std::string cls = sop_class_arg(sop_class, dcmkit::uids::StudyRootQueryRetrieveInformationModelMove);
        const std::string dest = ae_title(destination_ae, "destination_ae");
        const dcmkit::Dataset &id = dataset_arg(identifier, "identifier");
        fill(*result, net::move(a, cls, dest, id, progress_fn(progress, user_data)));
    });
}

dk_result dk_assoc_get(dk_retrieve_result *result, dk_assoc *assoc, const char *sop_class, const dk_dataset *identifier,
                       const char *folder, dk_retrieve_fn progress, void *user_data) {
    return dk::guard([&] {
        reset(*result_arg(result, "result", DK_RETRIEVE_RESULT_VERSION));
        net::Association &a = established(assoc);
        const std::string cls = sop_class_arg(sop_class, dcmkit::uids::StudyRootQueryRetrieveInformationModelGet);
        const dcmkit::Dataset &id = dataset_arg(identifier, "identifier");
        need(folder, "folder");
        struct stat st {};
        if (::stat(folder, &st) != 0) fail(DK_ENOTFOUND, std::string(folder) + ": " + std::strerror(errno));
        if (!S_ISDIR(st.st_mode)) fail(DK_EINVAL, std::string(folder) + " is not a folder");
        if (::access(folder, W_OK | X_OK) != 0)
            fail(DK_EIO, std::string("cannot write in ") + folder + ": " + std::strerror(errno));
        // The source keeps its copies: files are made durable together once the C-GET is over.
        net::StorageFolder into(folder, net::StorageFolder::Durability::at_end);
        fill(*result, net::get(a, cls, id, into, progress_fn(progress, user_data)));
        into.sync_all();
    });
}

dk_result dk_assoc_n_create(dk_n_result *result, dk_assoc *assoc, const char *sop_class,
                            const char *instance_uid, const dk_dataset *attributes) {
    return dk::guard([&] {
        reset(*result_arg(result, "result", DK_N_RESULT_VERSION));
        net::Association &a = established(assoc);
        const std::string cls = sop_class_arg(need(sop_class, "sop_class"), "");
        const std::string inst = instance_arg(instance_uid, true);
        const dcmkit::Dataset empty;
        fill(*result, net::n_create(a, cls, inst, attributes ? dataset_arg(attributes, "attributes") : empty));
    });
}

dk_result dk_assoc_n_set(dk_n_result *result, dk_assoc *assoc, const char *sop_class,
                         const char *instance_uid, const dk_dataset *modifications) {
    return dk::guard([&] {
        reset(*result_arg(result, "result", DK_N_RESULT_VERSION));
        net::Association &a = established(assoc);
        const std::string cls = sop_class_arg(need(sop_class, "sop_class"), "");
        const std::string inst = instance_arg(instance_uid, false);
        fill(*result, net::n_set(a, cls, inst, dataset_arg(modifications, "modifications")));
    });
}

dk_result dk_assoc_n_action(dk_n_result *result, dk_assoc *assoc, const char *sop_class, const char *instance_uid,
                            uint16_t action_type, const dk_dataset *information) {
    return dk::guard([&] {
        reset(*result_arg(result, "result", DK_N_RESULT_VERSION));
        net::Association &a = established(assoc);
        const std::string cls = sop_class_arg(need(sop_class, "sop_class"), "");
        const std::string inst = instance_arg(instance_uid, false);
        const dcmkit::Dataset *info = information ? &dataset_arg(information, "information") : nullptr;
        fill(*result, net::n_action(a, cls, inst, action_type, info));
    });
}

dk_result dk_assoc_context_count(size_t *count, const dk_assoc *assoc) {
    return dk::guard([&] {
        need(count, "count");
        *count = 0;
        need(assoc, "assoc");
        if (assoc->a) *count = assoc->a->contexts().size();
    });
}

dk_result dk_assoc_context(uint8_t *id, const char **abstract_syntax, const char **transfer_syntax, int32_t *result,
                           const dk_assoc *assoc, size_t index) {
    return dk::guard([&] {
        need(assoc, "assoc");
        const size_t n = assoc->a ? assoc->a->contexts().size() : 0;
        if (index >= n)
            fail(DK_ENOTFOUND, "no presentation context " + std::to_string(index) + " (there are " +
                                   std::to_string(n) + ")");
        const net::PresentationContext &pc = assoc->a->contexts()[index];
        if (id) *id = pc.id;
        if (abstract_syntax) *abstract_syntax = pc.abstract_syntax.c_str();
        if (transfer_syntax) *transfer_syntax = pc.accepted() ? pc.transfer_syntax.c_str() : "";
        if (result) *result = static_cast<int>(pc.result);
    });
}

dk_result dk_assoc_release(dk_assoc *assoc) {
    return dk::guard([&] { established(assoc).release(); });
}

dk_result dk_assoc_abort(dk_assoc *assoc) {
    return dk::guard([&] {
        need(assoc, "assoc");
        if (assoc->a) assoc->a->abort();
    });
}

void dk_assoc_free(dk_assoc *assoc) {
    if (assoc && assoc->open_query) assoc->open_query->assoc = nullptr;
    delete assoc;  // ~Association aborts an established association; never throws
}

}  // extern "C"

// -- Storage Commitment Push Model as SCU (PS3.4 Annex J) ----------------------------------------------

struct dk_commit_result {
    net::CommitResult r;
};

struct dk_commit_listener {
    net::CommitmentReports reports;
    std::unique_ptr<net::Server> server;  // declared last, destroyed first: its handler uses `reports`
    ~dk_commit_listener() {
        if (server) server->stop(2000);
    }
};

namespace {

/// UID `i` of one of dk_assoc_commit's arrays.
std::string commit_uid_arg(const char *const *uids, size_t i, const char *name) {
    const char *uid = uids[i];
    const std::string which = std::string(name) + "[" + std::to_string(i) + "]";
    if (!uid) fail(DK_EINVAL, which + " is NULL");
    std::string why;
    if (!dcmkit::is_valid_uid(uid, &why)) fail(DK_EINVAL, which + " '" + uid + "' is not a UID: " + why);
    return uid;
}

const std::vector<net::CommitItem> &commit_list(const dk_commit_result *r, dk_commit_list list) {
    need(r, "r");
    if (list == DK_COMMIT_COMMITTED) return r->r.committed;
    if (list == DK_COMMIT_FAILED) return r->r.failed;
    fail(DK_EINVAL, "list " + std::to_string(int(list)) + " is neither DK_COMMIT_COMMITTED nor DK_COMMIT_FAILED");
}

}  // namespace

extern "C" {

dk_result dk_assoc_commit(dk_commit_result **out, dk_assoc *assoc, const char *const *sop_class_uids,
                          const char *const *sop_instance_uids, size_t n, int32_t report_wait_ms) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        // The arguments first: a bad one sends nothing and leaves the association as it was.
        if (n == 0) fail(DK_EINVAL, "n is 0: no instance to commit");
        need(sop_class_uids, "sop_class_uids");
        need(sop_instance_uids, "sop_instance_uids");
        if (report_wait_ms < 0) fail(DK_EINVAL, "report_wait_ms is negative (" + std::to_string(report_wait_ms) + ")");
        std::vector<net::CommitItem> items;
        items.reserve(n);
        for (size_t i = 0; i < n; ++i)
            items.push_back({commit_uid_arg(sop_class_uids, i, "sop_class_uids"),
                             commit_uid_arg(sop_instance_uids, i, "sop_instance_uids"), 0});
        net::Association &a = established(assoc);
        auto res = std::make_unique<dk_commit_result>();
        res->r = net::request_commitment(a, items, report_wait_ms);
        *out = res.release();
    });
}

dk_result dk_commit_result_action_status(uint16_t *status, const dk_commit_result *r) {
    return dk::guard([&] {
        need(status, "status");
        *status = 0xFFFF;
        *status = need(r, "r")->r.action_status;
    });
}

dk_result dk_commit_result_transaction_uid(const char **uid, const dk_commit_result *r) {
    return dk::guard([&] {
        need(uid, "uid");
        *uid = "";
        *uid = need(r, "r")->r.transaction_uid.c_str();
    });
}

dk_result dk_commit_result_report_received(int32_t *received, const dk_commit_result *r) {
    return dk::guard([&] {
        need(received, "received");
        *received = 0;
        *received = need(r, "r")->r.report_received ? 1 : 0;
    });
}

dk_result dk_commit_result_event_type(uint16_t *event_type, const dk_commit_result *r) {
    return dk::guard([&] {
        need(event_type, "event_type");
        *event_type = 0;
        *event_type = need(r, "r")->r.event_type;
    });
}

dk_result dk_commit_result_count(size_t *count, const dk_commit_result *r, dk_commit_list list) {
    return dk::guard([&] {
        need(count, "count");
        *count = 0;
        *count = commit_list(r, list).size();
    });
}

dk_result dk_commit_result_item(const char **sop_class_uid, const char **sop_instance_uid, uint16_t *failure_reason,
                                const dk_commit_result *r, dk_commit_list list, size_t index) {
    return dk::guard([&] {
        const std::vector<net::CommitItem> &items = commit_list(r, list);
        if (index >= items.size())
            fail(DK_ENOTFOUND, "no instance " + std::to_string(index) + " in the " +
                                   (list == DK_COMMIT_FAILED ? "failed" : "committed") + " list (there are " +
                                   std::to_string(items.size()) + ")");
        const net::CommitItem &c = items[index];
        if (sop_class_uid) *sop_class_uid = c.sop_class_uid.c_str();
        if (sop_instance_uid) *sop_instance_uid = c.sop_instance_uid.c_str();
        if (failure_reason) *failure_reason = c.failure_reason;
    });
}

void dk_commit_result_free(dk_commit_result *r) { delete r; }

dk_result dk_commit_listener_start(dk_commit_listener **out, const dk_ae *ae, const char *address, uint16_t port) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(ae, "ae");
        // The performer requests these associations proposing the SCP role (PS3.4 J.3.3.1.3).
        auto l = std::make_unique<dk_commit_listener>();
        l->server = l->reports.listen(ae->cfg, address ? address : "", port);
        *out = l.release();
    });
}

dk_result dk_commit_listener_port(uint16_t *port, const dk_commit_listener *l) {
    return dk::guard([&] {
        need(port, "port");
        *port = 0;
        *port = need(l, "l")->server->port();
    });
}

dk_result dk_commit_listener_wait(int32_t *received, dk_commit_listener *l, dk_commit_result *r, int32_t timeout_ms) {
    return dk::guard([&] {
        need(received, "received");
        *received = 0;
        need(l, "l");
        need(r, "r");
        if (timeout_ms < 0) fail(DK_EINVAL, "timeout_ms is negative (" + std::to_string(timeout_ms) + ")");
        if (r->r.report_received) {
            *received = 1;
            return;
        }
        *received = l->reports.wait(r->r, timeout_ms) ? 1 : 0;
    });
}

void dk_commit_listener_free(dk_commit_listener *l) { delete l; }

}  // extern "C"
