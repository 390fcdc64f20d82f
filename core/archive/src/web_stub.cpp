// dcmkit — DICOMweb in a build without it (DCMKIT_WITH_WEB=OFF): the server cannot start.
#include "dcmkit/archive_web.h"

#include "dcmkit/error.h"

namespace dcmkit::archive {

struct WebServer::Impl {};

WebServer::WebServer(std::shared_ptr<Index>, WebOptions) : impl_(std::make_unique<Impl>()) {}
WebServer::~WebServer() = default;
void WebServer::start(const std::string &, uint16_t) {
    throw Error(Errc::unsupported, "DICOMweb is not in this build (DCMKIT_WITH_WEB=OFF)");
}
uint16_t WebServer::port() const noexcept { return 0; }
bool WebServer::secure() const noexcept { return false; }
void WebServer::stop() {}
bool web_available() noexcept { return false; }

}  // namespace dcmkit::archive
