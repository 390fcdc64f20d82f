// dcmkit — TLS transport over OpenSSL 3 (PS3.15 Annex B BCP 195 profiles).
#include "dcmkit/lazy_library.h"
#include "dcmkit/net/tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <chrono>
#include <cstring>
#include <mutex>

#include "dcmkit/error.h"
#include "tls_suites.h"

namespace dcmkit::net {

bool tls_available() noexcept { return true; }

class TlsContext {
public:
    SSL_CTX *ctx = nullptr;
    bool server = false;
    TlsOptions options;
    ~TlsContext() {
        if (ctx) SSL_CTX_free(ctx);
    }
};

namespace {

using Clock = std::chrono::steady_clock;

/// The socket BIO under every connection. OpenSSL's own socket BIO writes with write(2), which
/// raises SIGPIPE when the peer has reset the connection, and SIGPIPE's default action ends the
/// process; a library must not change the process's signal handling. This BIO sends with
/// send(MSG_NOSIGNAL), as the plain TCP transport does, so such a write fails with EPIPE (an
/// Error) at no cost per call. It reads with recv(2) and reports end-of-file as OpenSSL's socket
/// BIO does (BIO_eof), which SSL_OP_IGNORE_UNEXPECTED_EOF relies on.
struct SocketBio {
    int fd = -1;
    bool eof = false;
};

int socket_bio_write(BIO *b, const char *data, size_t size, size_t *written) {
    auto *s = static_cast<SocketBio *>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    ssize_t n;
    do {
        n = ::send(s->fd, data, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
        return 0;
    }
    *written = size_t(n);
    return 1;
}

int socket_bio_read(BIO *b, char *data, size_t size, size_t *read) {
    auto *s = static_cast<SocketBio *>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    ssize_t n;
    do {
        n = ::recv(s->fd, data, size, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(b);
        if (n == 0) s->eof = true;
        return 0;
    }
    *read = size_t(n);
    return 1;
}

long socket_bio_ctrl(BIO *b, int cmd, long, void *ptr) {
    auto *s = static_cast<SocketBio *>(BIO_get_data(b));
    switch (cmd) {
    case BIO_CTRL_EOF:
        return s && s->eof ? 1 : 0;
    case BIO_C_GET_FD:
        if (!s) return -1;
        if (ptr) *static_cast<int *>(ptr) = s->fd;
        return s->fd;
    case BIO_CTRL_FLUSH:
        return 1;
    default:
        return 0;
    }
}

int socket_bio_destroy(BIO *b) {
    delete static_cast<SocketBio *>(BIO_get_data(b));
    BIO_set_data(b, nullptr);
    BIO_set_init(b, 0);
    return 1;
}

/// A BIO over `fd` (not closed by the BIO: the TCP transport owns it), or nullptr.
BIO *new_socket_bio(int fd) {
    static BIO_METHOD *const method = [] {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "dcmkit socket");
        if (m) {
            BIO_meth_set_write_ex(m, socket_bio_write);
            BIO_meth_set_read_ex(m, socket_bio_read);
            BIO_meth_set_ctrl(m, socket_bio_ctrl);
            BIO_meth_set_destroy(m, socket_bio_destroy);
        }
        return m;
    }();
    if (!method) return nullptr;
    BIO *b = BIO_new(method);
    if (!b) return nullptr;
    BIO_set_data(b, new SocketBio{fd, false});
    BIO_set_init(b, 1);
    return b;
}

/// OpenSSL's queued errors as one line ("certificate verify failed; …"), the queue emptied.
std::string openssl_errors() {
    std::string out;
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
        const char *reason = ERR_reason_error_string(e);
        std::string r = reason ? reason : "error " + std::to_string(ERR_GET_REASON(e));
        if (out.find(r) != std::string::npos) continue;
        if (!out.empty()) out += "; ";
        out += r;
    }
    return out;
}

[[noreturn]] void config_fail(const std::string &what) {
    std::string why = openssl_errors();
    throw Error(Errc::invalid_argument, "TLS: " + what + (why.empty() ? "" : ": " + why));
}

std::string cipher_list(TlsProfile p) {
    std::string out;
    for (const TlsSuite &s : tls_suites(p)) out += std::string(out.empty() ? "" : ":") + s.openssl;
    return out;
}

int password_cb(char *buf, int size, int, void *userdata) {
    const auto *pw = static_cast<const std::string *>(userdata);
    if (!pw || pw->empty() || size <= 0) return 0;  // never prompt on a terminal
    const int n = std::min<int>(size, int(pw->size()));
    std::memcpy(buf, pw->data(), size_t(n));
    return n;
}

bool is_ip_literal(const std::string &host) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string asn1_text(const ASN1_STRING *s) {
    unsigned char *utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n < 0) return {};
    std::string out(reinterpret_cast<char *>(utf8), size_t(n));
    OPENSSL_free(utf8);
    return out;
}

std::string name_text(const X509_NAME *name) {
    BIO *b = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    std::string out(data, size_t(n > 0 ? n : 0));
    BIO_free(b);
    return out;
}

void fill_certificate(X509 *cert, TlsPeerInfo &info) {
    info.has_certificate = true;
    info.subject = name_text(X509_get_subject_name(cert));
    info.issuer = name_text(X509_get_issuer_name(cert));
    const X509_NAME *subject = X509_get_subject_name(cert);
    const int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx >= 0) info.common_name = asn1_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx)));
    auto *names = static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_DNS) info.dns_names.push_back(asn1_text(g->d.dNSName));
        else if (g->type == GEN_URI) info.uris.push_back(asn1_text(g->d.uniformResourceIdentifier));
        else if (g->type == GEN_IPADD) {
            char text[INET6_ADDRSTRLEN] = "";
            const int len = ASN1_STRING_length(g->d.iPAddress);
            const unsigned char *p = ASN1_STRING_get0_data(g->d.iPAddress);
            if (len == 4) ::inet_ntop(AF_INET, p, text, sizeof text);
            else if (len == 16) ::inet_ntop(AF_INET6, p, text, sizeof text);
            info.ip_addresses.push_back(text);
        }
    }
    if (names) GENERAL_NAMES_free(names);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (X509_digest(cert, EVP_sha256(), md, &md_len)) {
        static const char hex[] = "0123456789ABCDEF";
        for (unsigned i = 0; i < md_len; ++i) {
            if (i) info.sha256_fingerprint += ':';
            info.sha256_fingerprint += hex[md[i] >> 4];
            info.sha256_fingerprint += hex[md[i] & 15];
        }
    }
}

void fill_peer(SSL *ssl, TlsPeerInfo &info) {
    info.protocol = SSL_get_version(ssl);
    info.cipher = SSL_get_cipher_name(ssl);
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return;
    fill_certificate(cert, info);
    X509_free(cert);
}

/// A TLS connection over a TCP transport (which keeps the socket, the peer's name and interrupt()).
class TlsTransport final : public Transport {
public:
    TlsTransport(std::unique_ptr<Transport> tcp, std::shared_ptr<TlsContext> context, bool server, const std::string &host,
                 bool verify_host = false)
        : tcp_(std::move(tcp)), context_(std::move(context)), server_(server) {
        fd_ = tcp_->native_handle();
        if (fd_ < 0) throw Error(Errc::invalid_argument, "TLS needs a socket transport");
        ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
        ssl_ = SSL_new(context_->ctx);
        if (!ssl_) config_fail("cannot create a connection");
        BIO *bio = new_socket_bio(fd_);
        if (!bio) {
            SSL_free(ssl_);
            ssl_ = nullptr;
            config_fail("cannot create a connection");
        }
        SSL_set_bio(ssl_, bio, bio);  // one BIO both ways: SSL_set_bio takes its one reference
        // The first byte the peer sends, as OpenSSL reads it: a DICOM PDU type there (instead of a
        // TLS record) says the peer speaks plain DICOM.
        BIO *rbio = SSL_get_rbio(ssl_);
        BIO_set_callback_arg(rbio, reinterpret_cast<char *>(this));
        BIO_set_callback_ex(rbio, &TlsTransport::on_bio);
        if (server) {
            SSL_set_accept_state(ssl_);  // read ahead once the server hands the connection on (read_ahead())
        } else {
            SSL_set_connect_state(ssl_);
            SSL_set_read_ahead(ssl_, 1);
            const TlsOptions &o = context_->options;
            if (!is_ip_literal(host)) SSL_set_tlsext_host_name(ssl_, host.c_str());
            if (verify_host && o.verify_peer != PeerVerification::ignore) {
                X509_VERIFY_PARAM *param = SSL_get0_param(ssl_);
                X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                const int ok = is_ip_literal(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                                   : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
                if (!ok) {
                    SSL_free(ssl_);
                    ssl_ = nullptr;
                    config_fail("cannot check the host name '" + host + "'");
                }
            }
        }
    }
    ~TlsTransport() override { close(); }

    void handshake(int timeout_ms) {
        const auto deadline = timeout_ms > 0 ? Clock::now() + std::chrono::milliseconds(timeout_ms) : Clock::time_point::max();
        while (!done_) {
            Outcome o;
            {
                std::lock_guard<std::mutex> lock(mu_);
                ERR_clear_error();
                const int rc = SSL_do_handshake(ssl_);
                if (rc == 1) {
                    handshake_done();
                    return;
                }
                o = outcome(rc);
            }
            wait(o, deadline, timeout_ms, "the TLS handshake");
        }
    }

    size_t read_some(uint8_t *data, size_t size, int timeout_ms) override {
        if (!size) return 0;
        const auto deadline = timeout_ms > 0 ? Clock::now() + std::chrono::milliseconds(timeout_ms) : Clock::time_point::max();
        for (;;) {
            if (!ssl_) throw Error(Errc::network, "connection to " + peer() + " is closed");
            Outcome o;
            size_t n = 0;
            {
                std::lock_guard<std::mutex> lock(mu_);
                ERR_clear_error();
                const int rc = SSL_read_ex(ssl_, data, size, &n);
                if (rc == 1) {
                    if (!done_) handshake_done();
                    return n;
                }
                const int err = SSL_get_error(ssl_, rc);
                if (err == SSL_ERROR_ZERO_RETURN) {  // close_notify, or (IGNORE_UNEXPECTED_EOF) a plain close
                    // A peer that began a handshake and closed inside it failed it: not an orderly
                    // end (a connection closed before its first byte still is one).
                    if (done_ || !server_ || first_byte_ < 0 || SSL_is_init_finished(ssl_)) return 0;
                    failed_ = true;
                    throw Error(Errc::network, "TLS handshake with " + peer() +
                                                   " failed: the peer closed the connection inside the handshake "
                                                   "(a truncated ClientHello, or a client that gave up)");
                }
                if (err == SSL_ERROR_SSL && done_ && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                    return 0;
                o = outcome(rc);
            }
            wait(o, deadline, timeout_ms, "data");
        }
    }

    void write_all(const uint8_t *data, size_t size, int timeout_ms) override {
        const auto deadline = timeout_ms > 0 ? Clock::now() + std::chrono::milliseconds(timeout_ms) : Clock::time_point::max();
        while (size) {
            if (!ssl_) throw Error(Errc::network, "connection to " + peer() + " is closed");
            Outcome o;
            size_t n = 0;
            {
                std::lock_guard<std::mutex> lock(wmu_);
                std::lock_guard<std::mutex> lock2(mu_);
                ERR_clear_error();
                const int rc = SSL_write_ex(ssl_, data, size, &n);
                if (rc == 1) {
                    if (!done_) handshake_done();
                    data += n;
                    size -= n;
                    continue;
                }
                o = outcome(rc);
            }
            wait(o, deadline, timeout_ms, "sending");
        }
    }

    void write_all2(const uint8_t *head, size_t head_size, const uint8_t *body, size_t body_size, int timeout_ms) override {
        // One TLS record for a PDU header and a small body; a large body goes on its own.
        if (head_size + body_size <= sizeof small_) {
            std::lock_guard<std::mutex> lock(wmu_small_);
            std::memcpy(small_, head, head_size);
            if (body_size) std::memcpy(small_ + head_size, body, body_size);
            write_all(small_, head_size + body_size, timeout_ms);
            return;
        }
        write_all(head, head_size, timeout_ms);
        if (body_size) write_all(body, body_size, timeout_ms);
    }

    void close() noexcept override {
        if (ssl_) {
            if (done_ && !failed_) {
                std::lock_guard<std::mutex> lock(mu_);
                ERR_clear_error();
                SSL_shutdown(ssl_);  // close_notify; the peer's answer is not awaited
                ERR_clear_error();
            }
            SSL_free(ssl_);
            ssl_ = nullptr;
            if (failed_ && server_ && fd_ >= 0) {
                // After a refused handshake the client may already have sent its A-ASSOCIATE-RQ
                // (TLS 1.3 ends its handshake first): reading it lets the alert reach the client
                // instead of a connection reset.
                ::shutdown(fd_, SHUT_WR);
                drain();
            }
        }
        if (tcp_) tcp_->close();
        fd_ = -1;
    }

    void interrupt() noexcept override {
        if (tcp_) tcp_->interrupt();
    }
    std::string peer() const override { return tcp_ ? tcp_->peer() : std::string("?"); }
    int native_handle() const noexcept override { return fd_; }
    size_t buffered() const noexcept override {
        std::lock_guard<std::mutex> lock(mu_);
        return ssl_ ? size_t(SSL_pending(ssl_)) : 0;
    }
    void read_ahead() noexcept override {
        std::lock_guard<std::mutex> lock(mu_);
        if (ssl_) SSL_set_read_ahead(ssl_, 1);
    }
    const TlsPeerInfo *tls_peer() const noexcept override { return done_ ? &info_ : nullptr; }
    bool secure() const noexcept override { return true; }

private:
    void handshake_done() {
        done_ = true;
        fill_peer(ssl_, info_);
    }

    static long on_bio(BIO *b, int oper, const char *argp, size_t, int, long, int ret, size_t *processed) {
        if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed && *processed > 0) {
            auto *self = reinterpret_cast<TlsTransport *>(BIO_get_callback_arg(b));
            if (self->first_byte_ < 0) self->first_byte_ = static_cast<uint8_t>(argp[0]);
            BIO_set_callback_ex(b, nullptr);  // one byte was all it was for
        }
        return ret;
    }

    /// Reads and drops what has arrived (without waiting).
    void drain() noexcept {
        uint8_t buf[4096];
        for (int i = 0; i < 64; ++i)
            if (::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) <= 0) break;
    }

    /// After a failed handshake: a DICOM PDU type where a TLS record (type 20 to 23) belongs
    /// means the peer does not speak TLS.
    void check_first_byte() {
        if (first_byte_ < 0) return;
        const uint8_t b = uint8_t(first_byte_);
        if (b >= 0x01 && b <= 0x07) {
            if (server_ && b == 0x01) {
                // A plain requestor understands an A-ABORT (service-provider, reason not specified)
                // better than a reset; what it sent is read first, so that the close sends no RST.
                drain();
                static const uint8_t abort_pdu[10] = {0x07, 0, 0, 0, 0, 4, 0, 0, 2, 0};
                const ssize_t w = ::send(fd_, abort_pdu, sizeof abort_pdu, MSG_NOSIGNAL | MSG_DONTWAIT);
                (void)w;
            }
            static const char *const names[] = {"", "A-ASSOCIATE-RQ", "A-ASSOCIATE-AC", "A-ASSOCIATE-RJ",
                                                "P-DATA-TF", "A-RELEASE-RQ", "A-RELEASE-RP", "A-ABORT"};
            char hex[8];
            std::snprintf(hex, sizeof hex, "%02XH", b);
            throw Error(Errc::network, "TLS handshake with " + peer() + " failed: the peer speaks plain DICOM, not TLS (it sent " +
                                           names[b] + ", PDU type " + hex + ")" +
                                           (server_ ? ": it must connect with TLS, or use a port without TLS"
                                                    : ": this port does not take TLS; connect without TLS or use the peer's TLS port"));
        }
    }

    /// What an SSL call that returned `rc` asks for, taken at once with mu_ held: the BIO's retry
    /// flags, errno and the error queue belong to the last call, and another thread's read or
    /// write (one BIO serves both ways) would change them.
    struct Outcome {
        int err = SSL_ERROR_NONE;
        std::string why;  ///< empty while the call only has to wait
    };
    Outcome outcome(int rc) const {
        Outcome o;
        const int saved_errno = errno;
        o.err = SSL_get_error(ssl_, rc);
        if (o.err != SSL_ERROR_WANT_READ && o.err != SSL_ERROR_WANT_WRITE) {
            o.why = openssl_errors();
            const long vr = SSL_get_verify_result(ssl_);
            if (vr != X509_V_OK && !done_) {
                const std::string v = X509_verify_cert_error_string(vr);
                if (o.why.find(v) == std::string::npos) o.why = (o.why.empty() ? "" : o.why + ": ") + v;
            }
            if (o.why.empty() && o.err == SSL_ERROR_SYSCALL) o.why = saved_errno ? std::strerror(saved_errno) : "connection closed";
            if (o.why.empty()) o.why = "OpenSSL error " + std::to_string(o.err);
        }
        return o;
    }

    /// After an SSL call that did not complete: waits for the socket as OpenSSL asks, or throws.
    void wait(const Outcome &o, Clock::time_point deadline, int timeout_ms, const char *what) {
        const int err = o.err;
        const std::string &why = o.why;
        if (!why.empty()) {
            failed_ = true;
            if (!done_) check_first_byte();
            std::string hint;
            if (why.find("unexpected eof") != std::string::npos || why == "connection closed" ||
                why.find("Connection reset") != std::string::npos)
                hint = done_ ? " (the peer closed the connection right after the handshake: with TLS 1.3 a server reports only "
                               "now that it refused our certificate; check its log)"
                             : " (the peer closed the connection during the handshake: does it speak TLS on this port, and "
                               "does it trust our certificate?)";
            else if (why.find("wrong version number") != std::string::npos || why.find("packet length too long") != std::string::npos)
                hint = " (the peer does not speak TLS on this port, or not TLS 1.2 or later)";
            else if (why.find("protocol version") != std::string::npos || why.find("unsupported protocol") != std::string::npos)
                hint = " (no TLS version in common: dcmkit negotiates TLS 1.2 or 1.3 only)";
            else if (why.find("no shared cipher") != std::string::npos || why.find("handshake failure") != std::string::npos)
                hint = " (no cipher suite in common: check both sides' TLS profiles)";
            else if (why.find("did not return a certificate") != std::string::npos ||
                     why.find("certificate required") != std::string::npos)
                hint = " (a client certificate is required: give the client +tls KEY CERT)";
            else if (why.find("unknown ca") != std::string::npos || why.find("local issuer") != std::string::npos ||
                     why.find("self-signed certificate") != std::string::npos || why.find("self signed") != std::string::npos)
                hint = " (the certificate is not signed by a CA this side trusts: add it with +cf/+cd)";
            else if (why.find("certificate has expired") != std::string::npos || why.find("certificate expired") != std::string::npos)
                hint = " (renew the certificate, or check the clocks)";
            else if (why.find("hostname mismatch") != std::string::npos || why.find("IP address mismatch") != std::string::npos)
                hint = " (the server's certificate does not name the host connected to: connect by a name it carries, or -hn)";
            throw Error(Errc::network, (done_ ? "TLS connection with " + peer() + " failed: " : "TLS handshake with " + peer() + " failed: ") +
                                           why + hint);
        }
        int left = -1;
        if (timeout_ms > 0) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (ms <= 0) timeout_fail(what, timeout_ms);
            left = int(ms);
        }
        pollfd p{fd_, short(err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
        const int prc = ::poll(&p, 1, left);
        if (prc == 0) timeout_fail(what, timeout_ms);
        if (prc < 0 && errno != EINTR) throw Error(Errc::network, std::string("poll: ") + std::strerror(errno));
    }

    [[noreturn]] void timeout_fail(const char *what, int timeout_ms) {
        if (!done_) {
            failed_ = true;
            throw Error(Errc::timeout, "TLS handshake with " + peer() + " did not complete within " + std::to_string(timeout_ms) +
                                           " ms (does the peer speak TLS on this port?)");
        }
        if (std::strcmp(what, "sending") == 0)
            throw Error(Errc::timeout, peer() + " accepted no data for " + std::to_string(timeout_ms) + " ms");
        throw Error(Errc::timeout, "no data from " + peer() + " for " + std::to_string(timeout_ms) + " ms");
    }

    std::unique_ptr<Transport> tcp_;
    std::shared_ptr<TlsContext> context_;
    bool server_;
    int fd_ = -1;
    SSL *ssl_ = nullptr;
    mutable std::mutex mu_;  // the SSL object: reads and writes may come from two threads
    std::mutex wmu_;         // one writer at a time
    std::mutex wmu_small_;
    bool done_ = false, failed_ = false;
    int first_byte_ = -1;
    TlsPeerInfo info_;
    uint8_t small_[16384];
};

}  // namespace

void *tls_native_context(const TlsContext &context) noexcept { return context.ctx; }

TlsPeerInfo tls_certificate_info(const void *x509) {
    TlsPeerInfo info;
    if (!x509) return info;
    lazy::require("ssl", "TLS");
    fill_certificate(static_cast<X509 *>(const_cast<void *>(x509)), info);
    return info;
}

std::shared_ptr<TlsContext> make_tls_context(const TlsOptions &o, bool server) {
    auto c = std::make_shared<TlsContext>();
    c->server = server;
    c->options = o;
    lazy::require("ssl", "TLS");
    c->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!c->ctx) config_fail("cannot create a context");
    SSL_CTX *ctx = c->ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);  // TLS 1.0 and 1.1: never
    if (o.profile == TlsProfile::bcp195_extended) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Reading ahead (see read_ahead()) fills this buffer with as many records as have arrived: one
    // recv(2) for four full records instead of two per record.
    SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024);
    if (!SSL_CTX_set_cipher_list(ctx, cipher_list(o.profile).c_str())) config_fail("cipher suites of the profile");
    if (!SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384:P-521")) config_fail("key exchange groups");
    SSL_CTX_set_dh_auto(ctx, 1);  // DHE with a group as strong as the certificate's key (2048 bits or more)
    c->options.private_key_password = o.private_key_password;
    SSL_CTX_set_default_passwd_cb(ctx, password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &c->options.private_key_password);
    if (server && (o.certificate_file.empty() || o.private_key_file.empty()))
        throw Error(Errc::invalid_argument, "TLS: a server needs a certificate and its private key (+tls KEY CERT)");
    if (!o.certificate_file.empty() &&
        SSL_CTX_use_certificate_chain_file(ctx, o.certificate_file.c_str()) != 1)
        config_fail("cannot read the certificate '" + o.certificate_file + "'");
    if (!o.private_key_file.empty() && SSL_CTX_use_PrivateKey_file(ctx, o.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        config_fail("cannot read the private key '" + o.private_key_file + "'" +
                    (o.private_key_password.empty() ? " (is it encrypted? give its password)" : ""));
    if (!o.certificate_file.empty() && !o.private_key_file.empty() && SSL_CTX_check_private_key(ctx) != 1)
        config_fail("the private key '" + o.private_key_file + "' does not belong to the certificate '" + o.certificate_file + "'");
    for (const std::string &f : o.ca_files)
        if (SSL_CTX_load_verify_file(ctx, f.c_str()) != 1) config_fail("cannot read the CA certificates '" + f + "'");
    for (const std::string &d : o.ca_folders)
        if (SSL_CTX_load_verify_dir(ctx, d.c_str()) != 1) config_fail("cannot use the CA folder '" + d + "'");
    if (!o.crl_files.empty()) {
        X509_STORE *store = SSL_CTX_get_cert_store(ctx);
        for (const std::string &f : o.crl_files)
            if (X509_load_crl_file(X509_STORE_add_lookup(store, X509_LOOKUP_file()), f.c_str(), X509_FILETYPE_PEM) <= 0)
                config_fail("cannot read the certificate revocation list '" + f + "'");
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    }
    if (o.verify_peer != PeerVerification::ignore && o.ca_files.empty() && o.ca_folders.empty())
        throw Error(Errc::invalid_argument,
                    "TLS: peer certificates are verified, but no trusted CA is given (+cf FILE or +cd DIR; or -ic to ignore)");
    int mode = SSL_VERIFY_NONE;
    if (o.verify_peer == PeerVerification::require) mode = SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
    else if (o.verify_peer == PeerVerification::verify_if_presented) mode = SSL_VERIFY_PEER;
    SSL_CTX_set_verify(ctx, mode, nullptr);
    if (server) {
        static const unsigned char sid[] = "dcmkit";
        SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
        SSL_CTX_set_num_tickets(ctx, 0);  // sessions are not resumed: no TLS 1.3 tickets to send
    }
    ERR_clear_error();
    return c;
}

namespace {

std::unique_ptr<Transport> connect_with(const std::string &host, uint16_t port, int timeout_ms,
                                        const std::shared_ptr<TlsContext> &context, bool verify_host) {
    if (!context || context->server) throw Error(Errc::invalid_argument, "tls_connect needs a client context");
    const auto start = Clock::now();
    auto tcp = tcp_connect(host, port, timeout_ms);
    auto t = std::make_unique<TlsTransport>(std::move(tcp), context, false, host, verify_host);
    int left = timeout_ms;
    if (timeout_ms > 0) {
        left = timeout_ms - int(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
        if (left < 1) left = 1;
    }
    t->handshake(left);
    return t;
}

}  // namespace

std::unique_ptr<Transport> tls_connect(const std::string &host, uint16_t port, int timeout_ms,
                                       const std::shared_ptr<TlsContext> &context) {
    return connect_with(host, port, timeout_ms, context, context && context->options.verify_host_name);
}

namespace {

/// What a client context was loaded from: the options and each file's modification time, so that
/// a renewed certificate or CA file is read again.
std::string context_key(const TlsOptions &o) {
    std::string k;
    auto add = [&](const std::string &v) {
        k += std::to_string(v.size()) + ":" + v + ";";
    };
    auto add_file = [&](const std::string &path) {
        add(path);
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0)
            add(std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "/" + std::to_string(st.st_size));
    };
    add_file(o.certificate_file);
    add_file(o.private_key_file);
    add(o.private_key_password);
    for (const auto &f : o.ca_files) add_file(f);
    add("|");
    for (const auto &d : o.ca_folders) add_file(d);
    add("|");
    for (const auto &f : o.crl_files) add_file(f);
    add(std::to_string(int(o.verify_peer)) + std::to_string(int(o.profile)));
    return k;  // host-name checking is set per connection, AE bindings are a server's
}

}  // namespace

std::unique_ptr<Transport> tls_connect(const std::string &host, uint16_t port, int timeout_ms, const TlsOptions &options) {
    // Loading certificates and keys costs as much as a handshake: an SCU that opens association
    // after association (a C-MOVE's sub-operations, a store of many studies) loads them once.
    static std::mutex mu;
    static std::vector<std::pair<std::string, std::shared_ptr<TlsContext>>> cache;  // most recent last, at most 8
    const std::string key = context_key(options);
    std::shared_ptr<TlsContext> context;
    {
        std::lock_guard<std::mutex> lock(mu);
        for (auto it = cache.begin(); it != cache.end(); ++it)
            if (it->first == key) {
                context = it->second;
                cache.erase(it);
                break;
            }
    }
    if (!context) context = make_tls_context(options, false);
    {
        std::lock_guard<std::mutex> lock(mu);
        cache.emplace_back(key, context);
        if (cache.size() > 8) cache.erase(cache.begin());
    }
    return connect_with(host, port, timeout_ms, context, options.verify_host_name);
}

std::unique_ptr<Transport> tls_server_transport(std::unique_ptr<Transport> tcp, const std::shared_ptr<TlsContext> &context) {
    if (!context || !context->server) throw Error(Errc::invalid_argument, "a TLS server connection needs a server context");
    return std::make_unique<TlsTransport>(std::move(tcp), context, true, std::string());
}

std::unique_ptr<Transport> tls_accept(std::unique_ptr<Transport> tcp, const std::shared_ptr<TlsContext> &context,
                                      int timeout_ms) {
    auto t = std::make_unique<TlsTransport>(std::move(tcp), context, true, std::string());
    t->handshake(timeout_ms);
    return t;
}

}  // namespace dcmkit::net
