// dcmkit — DICOMweb's security (archive_web.h): HTTPS through dcmkit's own TLS context handed to
// CivetWeb, who asks (the client certificate and the AE title it is bound to; Basic and Bearer
// credentials checked by the archive's identity policy), and what each request did, reported.
#include "dcmkit/lazy_library.h"
#include "dcmkit/archive_web.h"

#include "web_http.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include "dcmkit/base64.h"
#include "dcmkit/error.h"

namespace dcmkit::archive::web {

/// Basic credentials checked recently (SHA-256 of the header value → when it stops counting): a
/// password check costs 32 MiB and tens of milliseconds (scrypt), too much for each of the many
/// requests a viewer makes. Only accepted credentials are kept, for a minute.
class CredentialCache {
public:
    bool fresh(const std::string &key) {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = until_.find(key);
        if (it == until_.end()) return false;
        if (Clock::now() < it->second) return true;
        until_.erase(it);
        return false;
    }
    void add(const std::string &key) {
        std::lock_guard<std::mutex> lock(mu_);
        if (until_.size() >= 1024) until_.clear();
        until_[key] = Clock::now() + std::chrono::seconds(60);
    }

private:
    using Clock = std::chrono::steady_clock;
    std::mutex mu_;
    std::map<std::string, Clock::time_point> until_;
};

namespace {

std::string trim(const std::string &s) {
    const size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

HttpError unauthorized(const Context &ctx, const std::string &reason, bool bad_token = false) {
    HttpError e{401, reason};
    const auto &types = ctx.security.identity_types;
    if (std::count(types.begin(), types.end(), uint8_t(2)) || std::count(types.begin(), types.end(), uint8_t(1)))
        e.headers.emplace_back("WWW-Authenticate", "Basic realm=\"DICOMweb\", charset=\"UTF-8\"");
    if (std::count(types.begin(), types.end(), uint8_t(5)))  // RFC 6750 3
        e.headers.emplace_back("WWW-Authenticate",
                               bad_token ? "Bearer realm=\"DICOMweb\", error=\"invalid_token\"" : "Bearer realm=\"DICOMweb\"");
    return e;
}

/// The folders CivetWeb's OpenSSL adapters may be in (civetweb_openssl_shim.c): lib/dcmkit of the
/// installation, the build's, and next to the program or library holding this code.
std::vector<std::string> shim_folders() {
    std::vector<std::string> out;
#ifdef DCMKIT_CIVETWEB_SHIM_DIRS
    std::string dirs = DCMKIT_CIVETWEB_SHIM_DIRS;
    for (size_t start = 0; start <= dirs.size();) {
        size_t colon = dirs.find(':', start);
        if (colon == std::string::npos) colon = dirs.size();
        if (colon > start) out.push_back(dirs.substr(start, colon - start));
        start = colon + 1;
    }
#endif
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void *>(&check_civetweb_tls), &info) && info.dli_fname) {
        std::string self = info.dli_fname;
        const size_t slash = self.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : self.substr(0, slash);
        out.push_back(dir + "/dcmkit");
        out.push_back(dir + "/../lib/dcmkit");
    }
    return out;
}

}  // namespace

void prepare_security(Context &ctx) {
    ctx.security = Security{};
    if (ctx.options.tls) {
        if (!net::tls_available())
            throw Error(Errc::unsupported, "DICOMweb over HTTPS needs TLS, which this dcmkit was built without (DCMKIT_WITH_TLS=OFF)");
        ctx.security.tls = net::make_tls_context(*ctx.options.tls, true);
    }
    const IdentityPolicy &policy = ctx.options.identity;
    if (policy.enabled()) {
        // The same checks as an association's user identity (archive_identity.h): Basic is a
        // username and passcode (type 2), or a bare username (type 1), Bearer a JSON Web Token (type 5).
        net::AeConfig ae;
        ae.log = ctx.options.log;
        ae.log_level = net::LogLevel::warning;
        apply_identity_policy(ae, policy);
        ctx.security.identity_types = ae.user_identity_types;
        ctx.security.check = ae.user_identity_check;
        ctx.security.required = ae.user_identity_required;
        ctx.security.cache = std::make_shared<CredentialCache>();
    }
}

void check_civetweb_tls() {
    // Our OpenSSL first (loaded on first use): the adapters depend on it.
    lazy::require("ssl", "DICOMweb over HTTPS");
    lazy::require("crypto", "DICOMweb over HTTPS");
    static std::mutex mu;
    static bool ready = false;
    std::lock_guard<std::mutex> lock(mu);
    if (ready) return;
    const std::vector<std::string> folders = shim_folders();
    struct Lib {
        const char *civetweb_name, *ours, *adapter, *probe;
    };
    static const Lib libs[] = {{"libcrypto.so", "libcrypto.so.3", "libdcmkit-civetweb-crypto.so", "ERR_get_error"},
                               {"libssl.so", "libssl.so.3", "libdcmkit-civetweb-ssl.so", "SSL_CTX_new"}};
    for (const Lib &lib : libs) {
        void *adapter = nullptr;
        std::string tried, why;
        for (const std::string &dir : folders) {
            const std::string path = dir + "/" + lib.adapter;
            adapter = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // kept: CivetWeb uses it until the process ends
            if (adapter) break;
            tried += (tried.empty() ? "" : ", ") + path;
            if (const char *e = ::dlerror(); e && why.empty() && ::access(path.c_str(), F_OK) == 0) why = e;
        }
        if (!adapter)
            throw Error(Errc::unsupported,
                        std::string("DICOMweb over HTTPS: CivetWeb needs dcmkit's OpenSSL 3 adapter ") + lib.adapter +
                            ", not found (" + tried + ")" + (why.empty() ? "" : ": " + why) +
                            "; install dcmkit's runtime files (lib/dcmkit) and OpenSSL 3 (libssl3)");
        // What CivetWeb's dlopen(lib.civetweb_name) will find must be the adapter, over our OpenSSL.
        void *found = ::dlopen(lib.civetweb_name, RTLD_NOW | RTLD_NOLOAD);
        void *ours = ::dlopen(lib.ours, RTLD_NOW | RTLD_NOLOAD);
        const bool same = found == adapter && ours && ::dlsym(adapter, lib.probe) == ::dlsym(ours, lib.probe);
        if (found) ::dlclose(found);
        if (ours) ::dlclose(ours);
        if (!same)
            throw Error(Errc::unsupported, std::string("DICOMweb over HTTPS: CivetWeb would load another OpenSSL than dcmkit's ") +
                                               lib.ours + " (" + lib.civetweb_name + " was loaded before by something else)");
    }
    ready = true;
}

int external_ssl_ctx(void **ssl_ctx, void *user_data) {
    auto *ctx = static_cast<Context *>(user_data);
    if (!ctx || !ctx->security.tls) return -1;
    // At creation: ours. At mg_stop (*ssl_ctx set): 1 too, so that CivetWeb does not free what
    // the TlsContext owns.
    if (!*ssl_ctx) *ssl_ctx = net::tls_native_context(*ctx->security.tls);
    return *ssl_ctx ? 1 : -1;
}

void identify(Context &ctx, Request &rq) {
    const mg_request_info *ri = mg_get_request_info(rq.conn);
    rq.client.address = rq.peer;
    rq.client.secure = ri && ri->is_ssl;
    if (ctx.security.tls && ri && ri->client_cert && ri->client_cert->peer_cert) {
        // CivetWeb keeps the verified peer certificate (an X509 *) for the connection.
        rq.client.certificate = net::tls_certificate_info(ri->client_cert->peer_cert);
        rq.client.ae_title = net::tls_bound_ae_title(ctx.options.tls->ae_certificates, *rq.client.certificate);
    }
    if (!ctx.security.check) return;  // no identity policy: Authorization is not ours to check
    const std::string auth = trim(rq.header("Authorization"));
    if (auth.empty()) {
        if (ctx.security.required) throw unauthorized(ctx, "credentials are required (Authorization: Basic or Bearer)");
        return;
    }
    const size_t sp = auth.find(' ');
    const std::string scheme = auth.substr(0, sp), value = sp == std::string::npos ? "" : trim(auth.substr(sp + 1));
    const auto &types = ctx.security.identity_types;
    auto accepts = [&](uint8_t t) { return std::count(types.begin(), types.end(), t) != 0; };
    net::UserIdentityRq id;
    if (::strcasecmp(scheme.c_str(), "Basic") == 0) {
        std::string decoded;
        const size_t colon = base64_decode(value, decoded) == std::string_view::npos ? decoded.find(':') : std::string::npos;
        if (colon == std::string::npos) throw unauthorized(ctx, "malformed Basic credentials");
        id.primary = decoded.substr(0, colon);
        id.secondary = decoded.substr(colon + 1);
        if (accepts(2)) id.type = 2;
        else if (accepts(1)) id.type = 1;
        else throw unauthorized(ctx, "Basic credentials are not accepted here (no password file)");
    } else if (::strcasecmp(scheme.c_str(), "Bearer") == 0) {
        if (!accepts(5)) throw unauthorized(ctx, "Bearer tokens are not accepted here (no JWT key)");
        id.type = 5;
        id.primary = value;
    } else {
        throw unauthorized(ctx, "the authentication scheme '" + scheme.substr(0, 32) + "' is not accepted");
    }
    rq.client.claimed_user = identity_user(id);
    CredentialCache &cache = *ctx.security.cache;
    const std::string key = id.type == 2 ? sha256_hex(auth.data(), auth.size()) : std::string();
    if (key.empty() || !cache.fresh(key)) {
        std::string response;
        if (!ctx.security.check(id, response))
            throw unauthorized(ctx, id.type == 5 ? "the token is refused" : "wrong user name or password", id.type == 5);
        if (!key.empty()) cache.add(key);
    }
    rq.client.user = rq.client.claimed_user;
}

void report(Context &ctx, const Request &rq, WebEvent::Kind kind, int status, const std::string &reason) {
    if (!ctx.options.on_event) return;
    WebEvent e;
    e.kind = kind;
    e.client = &rq.client;
    e.method = rq.method;
    for (const std::string &p : rq.path) e.resource += "/" + p;
    e.status = status;
    e.reason = reason;
    e.level = rq.level;
    e.identifier = rq.identifier ? &*rq.identifier : nullptr;
    e.files = rq.files;
    e.stored = rq.stored;
    try {
        ctx.options.on_event(e);
    } catch (...) {  // a report never changes the answer
    }
}

}  // namespace dcmkit::archive::web
