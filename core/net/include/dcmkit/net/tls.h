// dcmkit — TLS under the DICOM upper layer (PS3.15 Annex B: the BCP 195 Secure Transport
// Connection Profiles), through OpenSSL 3 when built with DCMKIT_WITH_TLS.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dcmkit/net/transport.h"

namespace dcmkit::net {

/// The PS3.15 Annex B profile: which TLS versions and cipher suites are negotiated. TLS 1.0 and
/// 1.1 are never negotiated, whatever the profile.
enum class TlsProfile : uint8_t {
    /// B.10 Non-Downgrading BCP 195: TLS 1.2 and 1.3; TLS 1.2 only with AEAD (AES-GCM) suites
    /// with forward secrecy (ECDHE-RSA, ECDHE-ECDSA, DHE-RSA). The default.
    bcp195_nd,
    /// B.9 BCP 195: as bcp195_nd plus TLS_RSA_WITH_AES_128_CBC_SHA for older peers (TLS 1.2 and 1.3).
    bcp195,
    /// B.11 Extended BCP 195: TLS 1.2 only, AES-GCM with ECDHE (RSA, ECDSA) or DHE-RSA, ECDHE
    /// keys of 256 bits or more, DHE of 2048 bits or more.
    bcp195_extended,
};

/// What is asked of the peer's certificate.
enum class PeerVerification : uint8_t {
    /// The peer must present a certificate that chains to a trusted CA (mutual authentication on
    /// an SCP; a server always presents one). The default.
    require,
    /// A certificate the peer presents must chain to a trusted CA; an SCP lets a client without one in.
    verify_if_presented,
    /// No verification (an SCP asks for no client certificate; an SCU trusts any server).
    ignore,
};

/// An AE's TLS settings. Files are PEM.
struct TlsOptions {
    std::string certificate_file;      ///< our certificate (chain); required on an SCP
    std::string private_key_file;      ///< its private key
    std::string private_key_password;  ///< when the key is encrypted (empty: none)
    std::vector<std::string> ca_files;    ///< trusted CA certificates (PEM files, each may hold several)
    std::vector<std::string> ca_folders;  ///< trusted CA folders (hashed names, c_rehash / openssl rehash)
    /// Certificate revocation lists (PEM): when given, the peer's certificate is checked against
    /// them, and a certificate whose issuer has no CRL here is refused.
    std::vector<std::string> crl_files;
    PeerVerification verify_peer = PeerVerification::require;
    /// As SCU: the server's certificate must name the host connected to (DNS name or IP address
    /// in its subject alternative names).
    bool verify_host_name = true;
    TlsProfile profile = TlsProfile::bcp195_nd;
    /// As SCP: Calling AE Title → the certificate identities accepted for it (any one matches; see
    /// tls_identity_matches). Empty map: no binding. Otherwise an association whose Calling AE
    /// Title is missing here, or whose peer certificate matches none of its identities, is
    /// rejected (A-ASSOCIATE-RJ rejected-permanent, service-user, calling AE title not recognized).
    std::map<std::string, std::vector<std::string>> ae_certificates;
};

/// What the handshake established about the peer (empty strings when it sent no certificate).
struct TlsPeerInfo {
    std::string protocol;  ///< "TLSv1.3", "TLSv1.2"
    std::string cipher;    ///< OpenSSL's name of the suite
    bool has_certificate = false;
    std::string subject;  ///< RFC 2253 ("CN=modality1,O=Hospital")
    std::string issuer;
    std::string common_name;
    std::vector<std::string> dns_names, uris, ip_addresses;  ///< subject alternative names
    std::string sha256_fingerprint;  ///< uppercase hex pairs joined by ':'
};

/// True when this build has TLS (DCMKIT_WITH_TLS).
bool tls_available() noexcept;
const char *tls_profile_name(TlsProfile profile) noexcept;
/// The versions a profile negotiates ("TLS 1.2, TLS 1.3").
const char *tls_profile_versions(TlsProfile profile) noexcept;
/// The TLS 1.2 cipher suites of a profile, IANA names, in preference order.
std::vector<std::string> tls_profile_cipher_suites(TlsProfile profile);

/// Whether `peer` matches one identity of an AE binding:
///   "sha256:AB:CD:…" (or 64 hex digits, colons optional): the certificate's SHA-256 fingerprint;
///   "dns:NAME", "uri:URI", "cn:NAME": that subject alternative name, or the subject's CN;
///   anything else: a DNS name or URI among the subject alternative names, or the CN.
/// Names compare without regard to case, URIs exactly.
bool tls_identity_matches(const TlsPeerInfo &peer, const std::string &identity);

/// Loaded certificates, keys, trust store and profile, shared by the connections of one AE.
class TlsContext;
/// Loads `options` for a client (`server` false) or a server. Throws Error(invalid_argument) when
/// a file cannot be read or the key does not match the certificate, Error(unsupported) without TLS.
std::shared_ptr<TlsContext> make_tls_context(const TlsOptions &options, bool server);

/// The context's OpenSSL SSL_CTX* (as void *: OpenSSL's headers stay out of dcmkit's), for a
/// server that runs its own TLS connections with our settings (the DICOMweb server hands it to
/// CivetWeb). It stays owned by `context`. nullptr in a build without TLS.
void *tls_native_context(const TlsContext &context) noexcept;
/// What a peer certificate (an OpenSSL X509 *, e.g. one a TLS library reports of its connection)
/// says, as TlsPeerInfo (protocol and cipher left empty; has_certificate false for nullptr).
/// Throws Error(unsupported) in a build without TLS.
TlsPeerInfo tls_certificate_info(const void *x509);
/// The Calling AE Title `ae_certificates` (TlsOptions::ae_certificates) binds to `peer`'s
/// certificate: the first title, in order, one of whose identities it matches; "" when none does.
std::string tls_bound_ae_title(const std::map<std::string, std::vector<std::string>> &ae_certificates,
                               const TlsPeerInfo &peer);

/// Connects (TCP, as tcp_connect) and completes the TLS handshake within `timeout_ms` in all.
/// Throws Error(network) naming the reason (unknown CA, expired certificate, host name mismatch,
/// no shared cipher, protocol version, a peer that answers in plain DICOM) or Error(timeout).
std::unique_ptr<Transport> tls_connect(const std::string &host, uint16_t port, int timeout_ms, const TlsOptions &options);
std::unique_ptr<Transport> tls_connect(const std::string &host, uint16_t port, int timeout_ms,
                                       const std::shared_ptr<TlsContext> &context);
/// Wraps an accepted TCP connection and completes the server handshake within `timeout_ms`.
/// A peer whose first byte is a DICOM PDU type rather than a TLS record fails at once
/// ("the peer speaks plain DICOM, not TLS").
std::unique_ptr<Transport> tls_accept(std::unique_ptr<Transport> tcp, const std::shared_ptr<TlsContext> &context,
                                      int timeout_ms);
/// The same without waiting: the handshake advances inside read_some and write_all, so a server
/// that polls many connections (native_handle, buffered) drives it with the rest of its reads.
std::unique_ptr<Transport> tls_server_transport(std::unique_ptr<Transport> tcp,
                                                const std::shared_ptr<TlsContext> &context);

}  // namespace dcmkit::net
