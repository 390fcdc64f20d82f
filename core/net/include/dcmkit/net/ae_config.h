// dcmkit — an Application Entity's configuration: the one object that drives association
// negotiation (and, later, the generated Conformance Statement).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/net/pdu.h"
#include "dcmkit/net/tls.h"

namespace dcmkit::net {

/// What this AE supports for one SOP class (abstract syntax).
struct SopClassSupport {
    std::string sop_class_uid;
    /// Transfer syntaxes in order of preference: as SCP the first one the peer also proposed is
    /// accepted; as SCU they are proposed in this order.
    std::vector<std::string> transfer_syntaxes;
    bool scp = true;   ///< this AE performs the SCP role (the peer may be SCU)
    bool scu = false;  ///< this AE performs the SCU role (as SCP of C-GET sub-operations, say)
    /// SOP Class Extended Negotiation (PS3.7 D.3.3.5) this AE supports as SCP: the reply is the
    /// byte-wise AND of the request and these flags (empty: no extended negotiation).
    std::vector<uint8_t> extended_negotiation;
};

struct Timeouts {
    int connect_ms = 10000;
    int artim_ms = 30000;   ///< PS3.8 9.1.5: association request, release and abort timer
    int dimse_ms = 60000;   ///< waiting for a DIMSE response or the next fragment of a message
    int idle_ms = 60000;    ///< an SCP's wait for the next request on an idle association, then A-ABORT
    /// An acceptor's limit from the connection to the complete A-ASSOCIATE-RQ (the ARTIM of Sta2,
    /// PS3.8 9.1.5; the shorter of this and artim_ms applies). Short, so that connections that
    /// trickle or send nothing are closed before they matter; 0 = artim_ms alone.
    int request_ms = 5000;
};

enum class LogLevel : uint8_t { error = 0, warning, info, debug, trace };
const char *log_level_name(LogLevel level) noexcept;
/// Receives log lines (already filtered by level). Must be thread-safe: servers log from workers.
using LogSink = std::function<void(LogLevel level, const std::string &message)>;

/// Verifies a user identity (PS3.7 D.3.3.7). Returns true to accept; may set a server response
/// that is sent when the requestor asked for a positive response.
using UserIdentityCheck = std::function<bool(const UserIdentityRq &identity, std::string &server_response)>;

struct AeConfig {
    std::string ae_title = "DCMKIT";
    /// Largest P-DATA-TF this AE receives (PS3.8 D.1); 0 = no limit. 256 KB keeps per-PDU
    /// overhead negligible without large buffers.
    uint32_t max_pdu_length = 262144;
    std::vector<SopClassSupport> sop_classes;
    /// Calling AE titles allowed to associate (empty: any).
    std::vector<std::string> allowed_calling_aes;
    /// Reject requests whose Called AE Title is not ours.
    bool check_called_ae = true;
    /// A server's concurrent associations. Only associations whose A-ASSOCIATE-RQ has arrived
    /// count: connections still sending theirs are read by the listener thread, bounded by
    /// max_pending. Past it: A-ASSOCIATE-RJ rejected-transient, local-limit-exceeded.
    unsigned max_associations = 32;
    /// Associations from one peer IP address (0 = no limit but max_associations); past it the
    /// same A-ASSOCIATE-RJ.
    unsigned max_associations_per_address = 0;
    /// Connections whose A-ASSOCIATE-RQ has not arrived yet, in total and from one IP address
    /// (each at least 1): a new connection past either limit closes the one waiting longest (of
    /// that address first), so that slow or silent connections cannot lock others out.
    unsigned max_pending = 64;
    unsigned max_pending_per_address = 16;
    /// Asynchronous Operations Window offered (PS3.7 D.3.3.3); 1/1 = synchronous.
    uint16_t max_ops_invoked = 1, max_ops_performed = 1;
    /// User identity types accepted (1 username, 2 username+passcode, …); empty = identity ignored.
    std::vector<uint8_t> user_identity_types;
    UserIdentityCheck user_identity_check;
    /// As acceptor: reject an A-ASSOCIATE-RQ that carries no user identity (PS3.7 D.3.3.7 lets
    /// an acceptor require one; the rejection is rejected-permanent, service-user, no reason given).
    bool user_identity_required = false;
    /// As acceptor: told of each A-ASSOCIATE-RQ negotiation rejected (the request, the peer's
    /// "host:port", the A-ASSOCIATE-RJ and the reason logged), after the rejection is sent; for an
    /// audit trail. Must not throw (what it throws is ignored).
    std::function<void(const AAssociateRq &rq, const std::string &peer, const AAssociateRj &rj, const std::string &reason)>
        on_rejected;
    /// As acceptor with TLS: told of each connection whose TLS handshake failed (the peer's
    /// "host:port" and the reason: unknown CA, no certificate, plain DICOM on the TLS port…); for
    /// an audit trail. Must not throw (what it throws is ignored).
    std::function<void(const std::string &peer, const std::string &reason)> on_tls_failure;
    /// As requestor: the user identity to send (PS3.7 D.3.3.7), if any.
    std::optional<UserIdentityRq> user_identity;
    Timeouts timeouts;
    /// TLS (PS3.15 Annex B): set, associations this AE requests (Association::connect) and a
    /// Server's connections use TLS with these settings; unset, plain TCP.
    std::optional<TlsOptions> tls;
    LogLevel log_level = LogLevel::warning;
    LogSink log;  ///< empty = stderr
    std::string implementation_class_uid;      ///< empty = dcmkit's
    std::string implementation_version_name;   ///< empty = dcmkit's

    // -- building the configuration ---------------------------------------------------------------
    /// Adds (or extends) support for a SOP class. Empty `transfer_syntaxes` = the uncompressed ones
    /// (explicit VR LE, implicit VR LE, deflated, explicit VR BE).
    SopClassSupport &add(const std::string &sop_class_uid, std::vector<std::string> transfer_syntaxes = {},
                         bool scp = true, bool scu = false);
    /// Verification SOP Class as SCP and SCU.
    AeConfig &add_verification();
    /// Every Storage SOP class of the registry (PS3.4 Annex B), with `transfer_syntaxes`
    /// (empty = uncompressed ones, plus every encapsulated syntax the registry knows, accepted as is).
    AeConfig &add_all_storage(std::vector<std::string> transfer_syntaxes = {}, bool scp = true, bool scu = false);
    /// For C-GET (PS3.4 C.4.3): storage SOP classes on which this AE takes the roles a C-GET
    /// needs, proposed or accepted through SCP/SCU Role Selection (PS3.7 D.3.3.4). As the C-GET
    /// SCU (`as_get_scu` true) this AE receives the C-STORE sub-operations, so it is their SCP
    /// (role item SCU=0, SCP=1); as the C-GET SCP it sends them and is their SCU. `sop_classes`
    /// empty = a list of common image storage classes that fits the 128 presentation contexts of
    /// an association with the query contexts (every storage class would not); `transfer_syntaxes`
    /// empty = as the C-GET SCU, every syntax we can store (storable_transfer_syntaxes(): the
    /// retrieved files come in the syntax the source holds, never decoded for us; pass
    /// uncompressed_transfer_syntaxes() to ask for native pixels), as the C-GET SCP the uncompressed ones.
    AeConfig &add_get_storage(std::vector<std::string> transfer_syntaxes = {}, std::vector<std::string> sop_classes = {},
                              bool as_get_scu = true);
    const SopClassSupport *find(const std::string &sop_class_uid) const;

    /// Logs through `log` when `level` is at or above `log_level`.
    void emit(LogLevel level, const std::string &message) const;
    bool logs(LogLevel level) const { return level <= log_level; }

    std::string impl_class_uid() const;
    std::string impl_version_name() const;
};

/// The uncompressed transfer syntaxes in dcmkit's preference order.
const std::vector<std::string> &uncompressed_transfer_syntaxes();
/// What a storage SCP can keep as received: the uncompressed syntaxes, then every encapsulated
/// syntax of the registry (not retired).
const std::vector<std::string> &storable_transfer_syntaxes();
/// Every Storage SOP class UID of the registry (PS3.4 B.5).
std::vector<std::string> storage_sop_classes();
/// The storage SOP classes add_get_storage() uses by default (CT, MR, CR, DX, MG, US, SC, NM, PET,
/// XA, RF, RT, SR, encapsulated PDF, enhanced CT/MR, VL photographic…).
const std::vector<std::string> &common_storage_sop_classes();

/// What an acceptor decides about an A-ASSOCIATE-RQ: accept (with per-context results) or reject.
struct Negotiation {
    bool accepted = false;
    AAssociateAc ac;  ///< when accepted
    AAssociateRj rj;  ///< when rejected
    std::string reason;  ///< human-readable, for logs
};

/// PS3.8 and PS3.7 Annex D negotiation as a pure function of the configuration and the request.
Negotiation negotiate(const AeConfig &config, const AAssociateRq &rq);

/// The presentation contexts proposed for `classes`, within PS3.8's 128: one per class and syntax
/// when they fit; else a class's uncompressed syntaxes share one; else one context per class with
/// all its syntaxes, and what is left of the 128 goes to single-syntax contexts for the
/// encapsulated syntaxes archives most often keep (image classes only). IDs are left 0.
std::vector<PresentationContextRq> pack_contexts(const std::vector<SopClassSupport> &classes);

/// The presentation contexts an SCU proposes for `config` (one per SOP class, all its syntaxes),
/// with its role selection and extended negotiation items, as an A-ASSOCIATE-RQ.
AAssociateRq make_request(const AeConfig &config, const std::string &called_ae);

}  // namespace dcmkit::net
