// dcmkit — TLS settings that need no OpenSSL: profile descriptions and AE certificate bindings.
#include <algorithm>
#include <cctype>

#include "dcmkit/net/tls.h"
#include "tls_suites.h"

namespace dcmkit::net {

const std::vector<TlsSuite> &tls_suites(TlsProfile p) {
    // B.10 (non-downgrading) requires the ECDHE-RSA and DHE-RSA AES-GCM suites; the ECDSA
    // variants are "additional cipher suites of similar or greater cryptographic strength", and
    // B.11 (extended) lists them. B.9 keeps TLS_RSA_WITH_AES_128_CBC_SHA for older peers.
    static const std::vector<TlsSuite> nd = {
        {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
        {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
        {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
        {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
        {"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384"},
        {"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256"},
    };
    static const std::vector<TlsSuite> legacy = [] {
        std::vector<TlsSuite> v = nd;
        v.push_back({"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"});
        return v;
    }();
    return p == TlsProfile::bcp195 ? legacy : nd;
}

const char *tls_profile_name(TlsProfile p) noexcept {
    switch (p) {
    case TlsProfile::bcp195_nd: return "Non-Downgrading BCP 195 TLS Secure Transport Connection Profile (PS3.15 B.10)";
    case TlsProfile::bcp195: return "BCP 195 TLS Secure Transport Connection Profile (PS3.15 B.9)";
    case TlsProfile::bcp195_extended: return "Extended BCP 195 TLS Secure Transport Connection Profile (PS3.15 B.11)";
    }
    return "?";
}

const char *tls_profile_versions(TlsProfile p) noexcept {
    return p == TlsProfile::bcp195_extended ? "TLS 1.2" : "TLS 1.2, TLS 1.3";
}

std::vector<std::string> tls_profile_cipher_suites(TlsProfile p) {
    std::vector<std::string> out;
    for (const TlsSuite &s : tls_suites(p)) out.push_back(s.iana);
    return out;
}

namespace {
std::string upper(std::string s) {
    for (char &c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace

bool tls_identity_matches(const TlsPeerInfo &peer, const std::string &identity) {
    if (!peer.has_certificate || identity.empty()) return false;
    auto iequal = [](const std::string &a, const std::string &b) { return upper(a) == upper(b); };
    auto any_of = [&](const std::vector<std::string> &v, const std::string &x, bool exact) {
        return std::any_of(v.begin(), v.end(), [&](const std::string &s) { return exact ? s == x : iequal(s, x); });
    };
    std::string id = identity;
    const std::string low = [&] {
        std::string l = identity.substr(0, 7);
        for (char &c : l) c = char(std::tolower(static_cast<unsigned char>(c)));
        return l;
    }();
    auto hex_only = [](const std::string &s) {
        std::string h;
        for (char c : s)
            if (c != ':') h += char(std::toupper(static_cast<unsigned char>(c)));
        return h;
    };
    bool fingerprint = false;
    if (low.rfind("sha256:", 0) == 0) {
        id = identity.substr(7);
        fingerprint = true;
    } else {
        const std::string h = hex_only(identity);
        fingerprint = h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
    }
    if (fingerprint) return hex_only(id) == hex_only(peer.sha256_fingerprint);
    if (low.rfind("dns:", 0) == 0) return any_of(peer.dns_names, identity.substr(4), false);
    if (low.rfind("uri:", 0) == 0) return any_of(peer.uris, identity.substr(4), true);
    if (low.rfind("cn:", 0) == 0) return !peer.common_name.empty() && iequal(peer.common_name, identity.substr(3));
    return any_of(peer.dns_names, identity, false) || any_of(peer.uris, identity, true) ||
           (!peer.common_name.empty() && iequal(peer.common_name, identity));
}

std::string tls_bound_ae_title(const std::map<std::string, std::vector<std::string>> &ae_certificates,
                               const TlsPeerInfo &peer) {
    for (const auto &[ae, identities] : ae_certificates)
        for (const std::string &identity : identities)
            if (tls_identity_matches(peer, identity)) return ae;
    return {};
}

}  // namespace dcmkit::net
