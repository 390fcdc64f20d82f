// dcmkit C++ wrapper, network: the Application Entity (dk::AE and its options), from which
// associations, servers and Storage Commitment listeners are made (dk_net.h).
#ifndef DCMKIT_AE_HPP
#define DCMKIT_AE_HPP

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/common.hpp"
#include "dcmkit/dk_net.h"

namespace dk {

/// Options of an Application Entity (dk_ae_options); the defaults are the C ABI's.
struct AeOptions {
    uint32_t max_pdu = 262144;           ///< largest P-DATA-TF received (0 = no limit)
    int32_t connect_timeout_ms = 10000;  ///< TCP connection
    int32_t artim_timeout_ms = 30000;    ///< association request, release and abort
    int32_t dimse_timeout_ms = 60000;    ///< waiting for a DIMSE response
    int32_t idle_timeout_ms = 60000;     ///< an SCP's wait for the next request, then A-ABORT
    uint16_t max_ops_invoked = 1;
    uint16_t max_ops_performed = 1;
    uint32_t max_associations = 32;      ///< a server's concurrent associations
    bool check_called_ae = false;        ///< a server rejects a Called AE Title that is not its own
    int log_level = DK_LOG_WARNING;
    int32_t request_timeout_ms = 5000;   ///< a connection's whole A-ASSOCIATE-RQ, else closed
    uint32_t max_associations_per_address = 0;  ///< 0: only max_associations
    uint32_t max_pending = 64;           ///< connections still sending their A-ASSOCIATE-RQ
    uint32_t max_pending_per_address = 16;

    dk_ae_options to_c() const {
        dk_ae_options o = DK_AE_OPTIONS_INIT;
        o.max_pdu = max_pdu;
        o.connect_timeout_ms = connect_timeout_ms;
        o.artim_timeout_ms = artim_timeout_ms;
        o.dimse_timeout_ms = dimse_timeout_ms;
        o.idle_timeout_ms = idle_timeout_ms;
        o.max_ops_invoked = max_ops_invoked;
        o.max_ops_performed = max_ops_performed;
        o.max_associations = max_associations;
        o.check_called_ae = check_called_ae ? 1 : 0;
        o.log_level = log_level;
        o.request_timeout_ms = request_timeout_ms;
        o.max_associations_per_address = max_associations_per_address;
        o.max_pending = max_pending;
        o.max_pending_per_address = max_pending_per_address;
        return o;
    }
};

/// An Application Entity's configuration (dk_ae): title, SOP classes, options. Move-only.
/// Association::connect and Server copy it, so it may change or go away afterwards.
/// TLS settings of an AE (PS3.15 Annex B; files are PEM): see dk_tls_options.
struct TlsSettings {
    std::string certificate_file, private_key_file, private_key_password;
    std::string ca_file, ca_folder, crl_file;
    dk_tls_profile profile = DK_TLS_BCP195_ND;
    dk_tls_peer peer = DK_TLS_PEER_REQUIRE;  ///< what is asked of the peer's certificate
    bool check_host_name = true;             ///< as SCU: the server's certificate must name the host
};

class AE {
public:
    explicit AE(const std::string &title, const AeOptions &options = {}) {
        const dk_ae_options o = options.to_c();
        check(dk_ae_new(&h_, title.c_str(), &o));
    }
    AE(AE &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    AE &operator=(AE &&o) noexcept {
        if (this != &o) {
            dk_ae_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    AE(const AE &) = delete;
    AE &operator=(const AE &) = delete;
    ~AE() { dk_ae_free(h_); }

    dk_ae *handle() const noexcept { return h_; }

    /// Adds (or extends) a SOP class with its transfer syntaxes in order of preference (UIDs,
    /// keywords or aliases; none = the uncompressed ones), as SCU and/or SCP (DK_ROLE_SCU|DK_ROLE_SCP).
    AE &add_sop_class(const std::string &sop_class_uid, const std::vector<std::string> &transfer_syntaxes = {},
                      uint32_t roles = DK_ROLE_SCU | DK_ROLE_SCP) {
        std::vector<const char *> ts;
        ts.reserve(transfer_syntaxes.size());
        for (const std::string &s : transfer_syntaxes) ts.push_back(s.c_str());
        check(dk_ae_add_sop_class(h_, sop_class_uid.c_str(), ts.empty() ? nullptr : ts.data(), ts.size(), roles));
        return *this;
    }
    /// Verification (C-ECHO) as SCU and SCP.
    AE &add_verification() {
        check(dk_ae_add_verification(h_));
        return *this;
    }
    /// Every Storage SOP class as SCP, uncompressed and encapsulated syntaxes (a storage server).
    AE &add_all_storage() {
        check(dk_ae_add_all_storage(h_));
        return *this;
    }
    /// The Query/Retrieve SOP classes (Study and Patient Root FIND, MOVE, GET) as SCU.
    AE &add_query_retrieve() {
        check(dk_ae_add_query_retrieve(h_));
        return *this;
    }
    /// The common storage SOP classes with the SCP role of a C-GET's sub-operations, with every
    /// syntax we can store (files arrive as the peer holds them), or `uncompressed_only`.
    AE &add_get_storage(bool uncompressed_only = false) {
        check(uncompressed_only ? dk_ae_add_get_storage_uncompressed(h_) : dk_ae_add_get_storage(h_));
        return *this;
    }
    /// Sends the AE's log lines to `fn` (from any thread, possibly several at once; `user_data`
    /// must outlive every association and server made from this AE); nullptr: standard error.
    AE &set_log(dk_log_fn fn, void *user_data = nullptr) {
        check(dk_ae_set_log(h_, fn, user_data));
        return *this;
    }
    /// The user identity associations made from this AE send (PS3.7 D.3.3.7): DK_IDENTITY_USERNAME
    /// (`primary` the username), DK_IDENTITY_USERNAME_PASSCODE (with `passcode`), DK_IDENTITY_KERBEROS,
    /// DK_IDENTITY_SAML, DK_IDENTITY_JWT (`primary` the ticket or token); `positive_response` asks
    /// the acceptor to answer (Association::user_identity_response). Type 0 clears it.
    AE &set_user_identity(uint32_t type, const std::string &primary, const std::string &passcode = {},
                          bool positive_response = false) {
        check(dk_ae_set_user_identity(h_, type, primary.data(), primary.size(),
                                      type == DK_IDENTITY_USERNAME_PASSCODE ? passcode.c_str() : nullptr,
                                      positive_response ? DK_IDENTITY_POSITIVE_RESPONSE : 0u));
        return *this;
    }
    /// TLS for the associations and servers made from this AE afterwards (files read now: a bad
    /// one throws InvalidArgumentError; UnsupportedError in a build without TLS).
    AE &set_tls(const TlsSettings &s) {
        dk_tls_options o = DK_TLS_OPTIONS_INIT;
        auto opt = [](const std::string &v) { return v.empty() ? nullptr : v.c_str(); };
        o.certificate_file = opt(s.certificate_file);
        o.private_key_file = opt(s.private_key_file);
        o.private_key_password = opt(s.private_key_password);
        o.ca_file = opt(s.ca_file);
        o.ca_folder = opt(s.ca_folder);
        o.crl_file = opt(s.crl_file);
        o.profile = s.profile;
        o.peer = s.peer;
        o.check_host_name = s.check_host_name ? 1 : 0;
        check(dk_ae_set_tls(h_, &o));
        return *this;
    }
    /// Plain TCP again.
    AE &clear_tls() {
        check(dk_ae_set_tls(h_, nullptr));
        return *this;
    }
    /// As SCP: binds a Calling AE Title to a certificate identity ("sha256:…", "dns:…", "uri:…",
    /// "cn:…" or a name); once one exists, other calling AEs and other certificates are rejected.
    AE &bind_certificate(const std::string &calling_ae, const std::string &identity) {
        check(dk_ae_bind_certificate(h_, calling_ae.c_str(), identity.c_str()));
        return *this;
    }
    /// The storage contexts (as SCU) needed to send these files. All or nothing.
    AE &add_storage_for_files(const std::vector<std::string> &paths) {
        std::vector<const char *> p;
        p.reserve(paths.size());
        for (const std::string &s : paths) p.push_back(s.c_str());
        check(dk_ae_add_storage_for_files(h_, p.empty() ? nullptr : p.data(), p.size()));
        return *this;
    }

private:
    dk_ae *h_ = nullptr;
};

}  // namespace dk

#endif  // DCMKIT_AE_HPP
