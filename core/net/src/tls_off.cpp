// dcmkit — a build without TLS (DCMKIT_WITH_TLS=OFF): every TLS entry point says so.
#include "dcmkit/error.h"
#include "dcmkit/net/tls.h"

namespace dcmkit::net {

class TlsContext {};

namespace {
[[noreturn]] void no_tls() {
    throw Error(Errc::unsupported, "this dcmkit was built without TLS (DCMKIT_WITH_TLS=OFF)");
}
}  // namespace

bool tls_available() noexcept { return false; }
std::shared_ptr<TlsContext> make_tls_context(const TlsOptions &, bool) { no_tls(); }
std::unique_ptr<Transport> tls_connect(const std::string &, uint16_t, int, const TlsOptions &) { no_tls(); }
std::unique_ptr<Transport> tls_connect(const std::string &, uint16_t, int, const std::shared_ptr<TlsContext> &) { no_tls(); }
std::unique_ptr<Transport> tls_accept(std::unique_ptr<Transport>, const std::shared_ptr<TlsContext> &, int) { no_tls(); }
void *tls_native_context(const TlsContext &) noexcept { return nullptr; }
TlsPeerInfo tls_certificate_info(const void *) { no_tls(); }
std::unique_ptr<Transport> tls_server_transport(std::unique_ptr<Transport>, const std::shared_ptr<TlsContext> &) { no_tls(); }

}  // namespace dcmkit::net
