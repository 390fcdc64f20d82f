// dcmkit — the cipher suites of the PS3.15 Annex B BCP 195 profiles (shared by tls.cpp and the
// conformance text, with and without OpenSSL).
#pragma once

#include <vector>

#include "dcmkit/net/tls.h"

namespace dcmkit::net {

struct TlsSuite {
    const char *iana;     ///< "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    const char *openssl;  ///< "ECDHE-RSA-AES128-GCM-SHA256"
};
/// A profile's TLS 1.2 suites in preference order (TLS 1.3 uses OpenSSL's AEAD suites).
const std::vector<TlsSuite> &tls_suites(TlsProfile profile);

}  // namespace dcmkit::net
