// dcmkit — audit trail delivery: RFC 5424 syslog messages over UDP (RFC 5426), TCP or TLS with
// octet counting (RFC 6587 3.4.1, RFC 5425), or to a file; a spool folder and a background sender.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "dcmkit/lazy_library.h"
#include "dcmkit/error.h"
#include "dcmkit/services/audit.h"

#ifdef DCMKIT_WITH_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

namespace dcmkit::audit {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int e) { return std::strerror(e); }

bool parse_host_port(const std::string &s, std::string &host, uint16_t &port) {
    std::string h, p;
    if (!s.empty() && s[0] == '[') {
        const size_t e = s.find("]:");
        if (e == std::string::npos) return false;
        h = s.substr(1, e - 1);
        p = s.substr(e + 2);
    } else {
        const size_t c = s.rfind(':');
        if (c == std::string::npos || c == 0) return false;
        h = s.substr(0, c);
        p = s.substr(c + 1);
    }
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
    const long v = std::strtol(p.c_str(), nullptr, 10);
    if (v < 1 || v > 65535) return false;
    host = h;
    port = uint16_t(v);
    return true;
}

/// A socket connected to host:port within `timeout_ms` (non-blocking afterwards).
int connect_to(const std::string &host, uint16_t port, int type, int timeout_ms) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = type;
    const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (rc != 0) throw Error(Errc::network, "cannot resolve " + host + ": " + gai_strerror(rc));
    std::string last = "no address";
    for (addrinfo *ai = res; ai; ai = ai->ai_next) {
        const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            freeaddrinfo(res);
            return fd;
        }
        if (errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, timeout_ms) == 1) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err == 0) {
                    freeaddrinfo(res);
                    return fd;
                }
                last = errno_text(err);
            } else {
                last = "timed out";
            }
        } else {
            last = errno_text(errno);
        }
        ::close(fd);
    }
    freeaddrinfo(res);
    throw Error(Errc::network, "cannot connect to " + host + ":" + std::to_string(port) + ": " + last);
}

void wait_fd(int fd, short events, int timeout_ms, const char *what) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, timeout_ms);
    if (r == 0) throw Error(Errc::timeout, std::string(what) + " timed out");
    if (r < 0 && errno != EINTR) throw Error(Errc::network, std::string(what) + ": " + errno_text(errno));
}

/// True when the peer of a connected stream socket has closed it or reset it (it never sends to us).
bool peer_closed(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLERR | POLLHUP)) return true;
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

class UdpSender : public Sender {
public:
    UdpSender(std::string host, uint16_t port, int timeout_ms) : host_(std::move(host)), port_(port), timeout_(timeout_ms) {}
    ~UdpSender() override { close(); }
    void send(const std::string &msg) override {
        if (fd_ < 0) fd_ = connect_to(host_, port_, SOCK_DGRAM, timeout_);
        // RFC 5426 3.1: one message per datagram; 3.2: receivers must take 480 octets (IPv4) and
        // should take 2048; larger datagrams may be truncated or lost on the way.
        const ssize_t n = ::send(fd_, msg.data(), msg.size(), MSG_NOSIGNAL);
        if (n != ssize_t(msg.size())) {
            const int e = errno;
            close();
            // A message larger than a datagram can carry never will be: not worth retrying.
            if (e == EMSGSIZE)
                throw Error(Errc::invalid_argument, "a " + std::to_string(msg.size()) +
                                                        "-byte message does not fit in a UDP datagram (use tcp:// or tls://)");
            throw Error(Errc::network, "udp://" + host_ + ":" + std::to_string(port_) + ": " + errno_text(e));
        }
    }
    void close() override {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    std::string host_;
    uint16_t port_;
    int timeout_;
    int fd_ = -1;
};

/// TCP (or TLS) with octet counting: "LEN SP MSG".
class StreamSender : public Sender {
public:
    StreamSender(Destination d, int timeout_ms) : d_(std::move(d)), timeout_(timeout_ms) {
#ifdef DCMKIT_WITH_TLS
        if (d_.kind == Destination::Kind::tls) make_context();
#else
        if (d_.kind == Destination::Kind::tls)
            throw Error(Errc::unsupported, "tls:// audit destinations need a build with DCMKIT_WITH_TLS");
#endif
    }
    ~StreamSender() override {
        close();
#ifdef DCMKIT_WITH_TLS
        if (ctx_) SSL_CTX_free(ctx_);
#endif
    }
    void send(const std::string &msg) override {
        if (fd_ >= 0 && !alive()) close();
        if (fd_ < 0) open();
        const std::string frame = std::to_string(msg.size()) + " " + msg;
        try {
            write_all(frame);
        } catch (...) {
            close();
            throw;
        }
    }
    void close() override {
#ifdef DCMKIT_WITH_TLS
        if (ssl_) {
            SSL_shutdown(ssl_);  // close_notify, not waiting for the peer's
            SSL_free(ssl_);
            ssl_ = nullptr;
        }
#endif
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    std::string where() const { return d_.to_string(); }

    void open() {
        fd_ = connect_to(d_.host, d_.port, SOCK_STREAM, timeout_);
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef DCMKIT_WITH_TLS
        if (ctx_) {
            try {
                handshake();
            } catch (...) {
                close();
                throw;
            }
        }
#endif
    }

    /// Before a message: has the repository closed the connection (it sends nothing otherwise)?
    bool alive() {
#ifdef DCMKIT_WITH_TLS
        if (ssl_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0) return true;
            if (p.revents & (POLLERR | POLLHUP)) return false;
            // Readable: a TLS 1.3 session ticket (harmless), a close_notify or a reset.
            char c;
            ERR_clear_error();
            const int n = SSL_read(ssl_, &c, 1);
            if (n > 0) return true;  // data from a syslog receiver: ignored
            const int e = SSL_get_error(ssl_, n);
            return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
        }
#endif
        return !peer_closed(fd_);
    }

    void write_all(const std::string &frame) {
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_);
        auto left = [&] {
            return int(std::max<int64_t>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
        };
#ifdef DCMKIT_WITH_TLS
        if (ssl_) {
            for (;;) {
                ERR_clear_error();
                size_t written = 0;
                const int r = SSL_write_ex(ssl_, frame.data(), frame.size(), &written);
                if (r == 1) return;
                const int e = SSL_get_error(ssl_, r);
                if (e == SSL_ERROR_WANT_WRITE) wait_fd(fd_, POLLOUT, left(), "TLS write");
                else if (e == SSL_ERROR_WANT_READ) wait_fd(fd_, POLLIN, left(), "TLS write");
                else throw Error(Errc::network, where() + ": TLS write failed: " + ssl_error());
            }
        }
#endif
        size_t off = 0;
        while (off < frame.size()) {
            const ssize_t n = ::send(fd_, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
            if (n > 0) {
                off += size_t(n);
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                wait_fd(fd_, POLLOUT, left(), "write");
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                throw Error(Errc::network, where() + ": " + errno_text(errno));
            }
        }
    }

#ifdef DCMKIT_WITH_TLS
    static std::string ssl_error() {
        std::string out;
        while (const unsigned long e = ERR_get_error()) {
            char buf[256];
            ERR_error_string_n(e, buf, sizeof buf);
            if (!out.empty()) out += "; ";
            out += buf;
        }
        return out.empty() ? errno_text(errno) : out;
    }

    void make_context() {
        lazy::require("ssl", "Audit messages over TLS");
        ctx_ = SSL_CTX_new(TLS_client_method());
        if (!ctx_) throw Error(Errc::unsupported, "cannot create a TLS context: " + ssl_error());
        // RFC 5425 4.2 / IHE ATNA: TLS 1.2 or later, the server's certificate checked.
        SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
        // Session tickets are not resumed; their arrival only tells that the server accepted us.
        SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx_, on_new_session);
        if (d_.ca_file.empty()) {
            if (SSL_CTX_set_default_verify_paths(ctx_) != 1)
                throw Error(Errc::invalid_argument, "no CA file for " + where() + " and no system trust store");
        } else if (SSL_CTX_load_verify_locations(ctx_, d_.ca_file.c_str(), nullptr) != 1) {
            throw Error(Errc::invalid_argument, "cannot read the CA file " + d_.ca_file + ": " + ssl_error());
        }
        if (!d_.cert_file.empty()) {
            if (SSL_CTX_use_certificate_chain_file(ctx_, d_.cert_file.c_str()) != 1)
                throw Error(Errc::invalid_argument, "cannot read the certificate " + d_.cert_file + ": " + ssl_error());
            const std::string key = d_.key_file.empty() ? d_.cert_file : d_.key_file;
            if (SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx_) != 1)
                throw Error(Errc::invalid_argument, "cannot use the private key " + key + ": " + ssl_error());
        }
    }

    void handshake() {
        ssl_ = SSL_new(ctx_);
        if (!ssl_) throw Error(Errc::network, "SSL_new: " + ssl_error());
        SSL_set_fd(ssl_, fd_);
        SSL_set_app_data(ssl_, this);
        unsigned char buf[16];
        const bool ip = inet_pton(AF_INET, d_.host.c_str(), buf) == 1 || inet_pton(AF_INET6, d_.host.c_str(), buf) == 1;
        if (ip) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), d_.host.c_str());
        } else {
            SSL_set_tlsext_host_name(ssl_, d_.host.c_str());
            SSL_set1_host(ssl_, d_.host.c_str());
        }
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_);
        for (;;) {
            ERR_clear_error();
            const int r = SSL_connect(ssl_);
            if (r == 1) return confirm();
            const int e = SSL_get_error(ssl_, r);
            const int left = int(std::max<int64_t>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
            if (e == SSL_ERROR_WANT_READ) {
                wait_fd(fd_, POLLIN, left, "TLS handshake");
            } else if (e == SSL_ERROR_WANT_WRITE) {
                wait_fd(fd_, POLLOUT, left, "TLS handshake");
            } else {
                std::string why = ssl_error();
                const long v = SSL_get_verify_result(ssl_);
                if (v != X509_V_OK) why += std::string(" (certificate: ") + X509_verify_cert_error_string(v) + ")";
                throw Error(Errc::network, where() + ": TLS handshake failed: " + why);
            }
        }
    }

    /// TLS 1.3 ends the client's handshake before the server has checked the client's certificate:
    /// a server that refuses it says so with an alert after our first write, which would count as
    /// delivered. So wait (up to a second) for the server's first post-handshake message: a session
    /// ticket (accepted) or an alert (refused). A server that sends neither is trusted after the wait.
    void confirm() {
        if (SSL_version(ssl_) != TLS1_3_VERSION) return;  // TLS 1.2: the handshake included the check
        ticket_ = false;
        const auto deadline = Clock::now() + std::chrono::milliseconds(std::min(timeout_, 1000));
        while (!ticket_) {
            const int left = int(std::max<int64_t>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
            pollfd p{fd_, POLLIN, 0};
            if (left == 0 || ::poll(&p, 1, left) <= 0) return;
            char c;
            ERR_clear_error();
            const int n = SSL_read(ssl_, &c, 1);
            if (n > 0) continue;
            const int e = SSL_get_error(ssl_, n);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) continue;
            std::string why = ssl_error();
            throw Error(Errc::network, where() + ": the server refused the TLS session: " + why);
        }
    }
    static int on_new_session(SSL *ssl, SSL_SESSION *) {
        if (auto *self = static_cast<StreamSender *>(SSL_get_app_data(ssl))) self->ticket_ = true;
        return 0;  // not kept
    }

    SSL_CTX *ctx_ = nullptr;
    SSL *ssl_ = nullptr;
    bool ticket_ = false;
#endif

    Destination d_;
    int timeout_;
    int fd_ = -1;
};

class FileSender : public Sender {
public:
    explicit FileSender(std::string path) : path_(std::move(path)) {}
    void send(const std::string &msg) override {
        const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) throw Error(Errc::io, "cannot open " + path_ + ": " + errno_text(errno));
        // One record per line (the XML has no line break: xml_escape writes them as references).
        std::string line = msg;
        for (char &c : line)
            if (c == '\n') c = ' ';
        line += '\n';
        size_t off = 0;
        while (off < line.size()) {
            const ssize_t n = ::write(fd, line.data() + off, line.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                const int e = errno;
                ::close(fd);
                throw Error(Errc::io, "cannot write " + path_ + ": " + errno_text(e));
            }
            off += size_t(n);
        }
        const bool synced = ::fsync(fd) == 0;
        const int e = errno;
        ::close(fd);
        if (!synced) throw Error(Errc::io, "cannot fsync " + path_ + ": " + errno_text(e));
    }
    void close() override {}

private:
    std::string path_;
};

bool write_file_synced(const std::string &path, const std::string &data) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            return false;
        }
        off += size_t(n);
    }
    const bool ok = ::fsync(fd) == 0;
    return ::close(fd) == 0 && ok;
}

bool read_file(const std::string &path, std::string &out) {
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    char buf[8192];
    size_t n;
    out.clear();
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
    return true;
}

void sync_dir(const std::string &dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

Destination Destination::parse(const std::string &spec) {
    Destination d;
    auto bad = [&](const std::string &why) {
        return Error(Errc::invalid_argument, "audit destination '" + spec + "': " + why +
                                                 " (udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT or file:PATH)");
    };
    if (spec.rfind("file:", 0) == 0) {
        d.kind = Kind::file;
        d.path = spec.substr(5);
        if (d.path.rfind("//", 0) == 0) d.path = d.path.substr(2);
        if (d.path.empty()) throw bad("no path");
        return d;
    }
    std::string rest;
    if (spec.rfind("udp://", 0) == 0) {
        d.kind = Kind::udp;
        rest = spec.substr(6);
    } else if (spec.rfind("tcp://", 0) == 0) {
        d.kind = Kind::tcp;
        rest = spec.substr(6);
    } else if (spec.rfind("tls://", 0) == 0) {
        d.kind = Kind::tls;
        rest = spec.substr(6);
    } else {
        throw bad("unknown scheme");
    }
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (!parse_host_port(rest, d.host, d.port)) throw bad("needs HOST:PORT with a port from 1 to 65535");
    return d;
}

std::string Destination::to_string() const {
    switch (kind) {
    case Kind::file: return "file:" + path;
    case Kind::udp: return "udp://" + host + ":" + std::to_string(port);
    case Kind::tcp: return "tcp://" + host + ":" + std::to_string(port);
    case Kind::tls: return "tls://" + host + ":" + std::to_string(port);
    }
    return {};
}

std::string syslog_message(const std::string &xml, const std::string &app_name, const std::string &hostname,
                           std::chrono::system_clock::time_point t) {
    // RFC 5424 6: HEADER = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID;
    // fields are PRINTUSASCII without spaces (at most 255, 48, 128 octets), "-" when empty.
    auto field = [](const std::string &s, size_t max) {
        std::string out;
        for (char c : s)
            if (c > 32 && c < 127) out += c;
        if (out.size() > max) out.resize(max);
        return out.empty() ? std::string("-") : out;
    };
    std::string m = "<85>1 " + format_time(t) + " " + field(hostname, 255) + " " + field(app_name, 48) + " " +
                    std::to_string(::getpid()) + " IHE+RFC-3881 - \xEF\xBB\xBF";
    m += xml;
    return m;
}

std::unique_ptr<Sender> make_sender(const Destination &dest, int timeout_ms) {
    switch (dest.kind) {
    case Destination::Kind::udp: return std::make_unique<UdpSender>(dest.host, dest.port, timeout_ms);
    case Destination::Kind::tcp:
    case Destination::Kind::tls: return std::make_unique<StreamSender>(dest, timeout_ms);
    case Destination::Kind::file: return std::make_unique<FileSender>(dest.path);
    }
    throw Error(Errc::invalid_argument, "unknown audit destination");
}

// -- AuditLogger -------------------------------------------------------------------------------------

struct AuditLogger::Impl {
    Options opt;
    std::unique_ptr<Sender> sender;
    std::string hostname;

    struct Item {
        uint64_t seq = 0;
        std::string path;  // spool file, "" when memory only
        std::string message;
    };
    mutable std::mutex mu;
    std::condition_variable cv, idle_cv;
    std::deque<std::string> incoming;  // syslog messages not yet spooled (guarded by mu)
    std::deque<Item> pending;          // spooled, in order (sender thread; size mirrored in pending_n)
    size_t pending_n = 0;              // guarded by mu
    bool busy = false;                 // the sender holds messages outside `incoming` (guarded by mu)
    bool stopping = false;
    Clock::time_point stop_deadline{};
    uint64_t next_seq = 1;
    Stats stats;
    std::thread thread;

    void warn(const std::string &s) {
        if (opt.log) opt.log(s);
    }

    std::string spool_name(uint64_t seq) const {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%020llu.msg", static_cast<unsigned long long>(seq));
        return opt.spool + "/" + buf;
    }

    /// What an earlier run left in the spool, in order; removes temporary files.
    void resume_spool() {
        DIR *d = ::opendir(opt.spool.c_str());
        if (!d) throw Error(Errc::io, "cannot open the audit spool " + opt.spool + ": " + errno_text(errno));
        std::vector<std::string> names;
        while (dirent *e = ::readdir(d)) names.push_back(e->d_name);
        ::closedir(d);
        std::sort(names.begin(), names.end());
        for (const auto &n : names) {
            const std::string path = opt.spool + "/" + n;
            if (n.rfind(".tmp-", 0) == 0) {
                ::unlink(path.c_str());  // never renamed: never acknowledged as spooled
                continue;
            }
            if (n.size() != 24 || n.compare(20, 4, ".msg") != 0 || n.find_first_not_of("0123456789") != 20) continue;
            Item it;
            it.seq = std::strtoull(n.substr(0, 20).c_str(), nullptr, 10);
            it.path = path;
            if (!read_file(path, it.message)) continue;
            next_seq = std::max(next_seq, it.seq + 1);
            pending.push_back(std::move(it));
        }
        pending_n = pending.size();
    }

    /// Moves `msgs` into `pending`, each written to the spool first when there is one.
    void spool(std::deque<std::string> &msgs) {
        bool wrote = false;
        for (auto &m : msgs) {
            Item it;
            it.seq = next_seq++;
            if (!opt.spool.empty()) {
                const std::string path = spool_name(it.seq);
                const std::string tmp = opt.spool + "/.tmp-" + path.substr(opt.spool.size() + 1);
                if (write_file_synced(tmp, m) && ::rename(tmp.c_str(), path.c_str()) == 0) {
                    it.path = path;
                    wrote = true;
                } else {
                    warn("audit: cannot write the spool file " + path + ": " + errno_text(errno) + " (kept in memory)");
                    ::unlink(tmp.c_str());
                }
            }
            it.message = std::move(m);
            pending.push_back(std::move(it));
        }
        if (wrote) sync_dir(opt.spool);
        while (pending.size() > opt.max_queued) {
            if (!pending.front().path.empty()) ::unlink(pending.front().path.c_str());
            pending.pop_front();
            std::lock_guard<std::mutex> lock(mu);
            ++stats.dropped;
            if (stats.dropped == 1 || stats.dropped % 1000 == 0)
                warn("audit: more than " + std::to_string(opt.max_queued) + " messages waiting; the oldest dropped (" +
                     std::to_string(stats.dropped) + " so far)");
        }
    }

    void run() {
        int backoff = opt.retry_min_ms;
        Clock::time_point retry_at{};
        bool outage = false;
        for (;;) {
            std::deque<std::string> got;
            {
                std::unique_lock<std::mutex> lock(mu);
                for (;;) {
                    if (!incoming.empty()) break;
                    const bool can_send = !pending.empty() && Clock::now() >= retry_at;
                    if (stopping && (pending.empty() || Clock::now() >= stop_deadline)) {
                        busy = false;
                        idle_cv.notify_all();
                        return;
                    }
                    if (can_send) break;
                    busy = !pending.empty();
                    idle_cv.notify_all();
                    if (pending.empty()) {
                        cv.wait(lock);
                    } else {
                        auto until = retry_at;
                        if (stopping) until = std::min(until, stop_deadline);
                        cv.wait_until(lock, until);
                    }
                }
                got.swap(incoming);
                busy = true;
            }
            if (!got.empty()) spool(got);
            {
                std::lock_guard<std::mutex> lock(mu);
                pending_n = pending.size();
            }
            if (Clock::now() < retry_at) continue;
            while (!pending.empty()) {
                Item &it = pending.front();
                std::string why;
                bool failed = false, permanent = false;
                try {
                    sender->send(it.message);
                } catch (const Error &e) {
                    why = e.what();
                    failed = true;
                    permanent = e.code() == Errc::invalid_argument;
                } catch (const std::exception &e) {
                    why = e.what();
                    failed = true;
                }
                if (permanent) {
                    // This message can never be delivered: dropped, so that it does not hold up the rest.
                    warn("audit: dropped a message: " + why);
                    if (!it.path.empty()) ::unlink(it.path.c_str());
                    pending.pop_front();
                    std::lock_guard<std::mutex> lock(mu);
                    ++stats.dropped;
                    pending_n = pending.size();
                    continue;
                }
                if (failed) {
                    sender->close();
                    {
                        std::lock_guard<std::mutex> lock(mu);
                        ++stats.failures;
                    }
                    if (!outage)
                        warn("audit: cannot deliver to " + opt.destination.to_string() + ": " + why +
                             (opt.spool.empty() ? " (held in memory, retrying)" : " (spooled, retrying)"));
                    outage = true;
                    retry_at = Clock::now() + std::chrono::milliseconds(backoff);
                    backoff = std::min(backoff * 2, opt.retry_max_ms);
                    break;
                }
                if (outage) warn("audit: delivering to " + opt.destination.to_string() + " again");
                outage = false;
                backoff = opt.retry_min_ms;
                if (!it.path.empty()) ::unlink(it.path.c_str());
                pending.pop_front();
                std::lock_guard<std::mutex> lock(mu);
                ++stats.delivered;
                pending_n = pending.size();
                if (!incoming.empty()) break;  // spool what arrived before sending on
            }
        }
    }
};

AuditLogger::AuditLogger(Options options) : impl_(std::make_unique<Impl>()) {
    Impl &im = *impl_;
    im.opt = std::move(options);
    if (im.opt.retry_min_ms < 1) im.opt.retry_min_ms = 1;
    if (im.opt.retry_max_ms < im.opt.retry_min_ms) im.opt.retry_max_ms = im.opt.retry_min_ms;
    if (im.opt.max_queued == 0) im.opt.max_queued = 1;
    im.hostname = im.opt.hostname;
    if (im.hostname.empty()) {
        char buf[256] = {};
        if (::gethostname(buf, sizeof buf - 1) == 0) im.hostname = buf;
    }
    im.sender = make_sender(im.opt.destination, im.opt.timeout_ms);
    if (!im.opt.spool.empty()) {
        std::string p;
        for (size_t i = 0; i <= im.opt.spool.size(); ++i) {
            if (i == im.opt.spool.size() || (im.opt.spool[i] == '/' && i > 0)) {
                p = im.opt.spool.substr(0, i);
                if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST)
                    throw Error(Errc::io, "cannot create the audit spool " + p + ": " + errno_text(errno));
            }
        }
        im.resume_spool();
    }
    im.thread = std::thread([&im] { im.run(); });
}

AuditLogger::~AuditLogger() { stop(impl_->opt.retry_min_ms); }

void AuditLogger::log(const Message &message) { log_xml(message.to_xml()); }

void AuditLogger::log_xml(const std::string &xml) {
    Impl &im = *impl_;
    std::string m = syslog_message(xml, im.opt.app_name, im.hostname);
    std::lock_guard<std::mutex> lock(im.mu);
    if (im.stopping) {
        ++im.stats.dropped;
        return;
    }
    im.incoming.push_back(std::move(m));
    ++im.stats.queued;
    im.cv.notify_all();
}

bool AuditLogger::flush(int timeout_ms) {
    Impl &im = *impl_;
    std::unique_lock<std::mutex> lock(im.mu);
    return im.idle_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                               [&] { return im.incoming.empty() && im.pending_n == 0 && !im.busy; });
}

void AuditLogger::stop(int drain_ms) {
    Impl &im = *impl_;
    {
        std::lock_guard<std::mutex> lock(im.mu);
        if (!im.stopping) {
            im.stopping = true;
            im.stop_deadline = Clock::now() + std::chrono::milliseconds(std::max(0, drain_ms));
        }
        im.cv.notify_all();
    }
    if (im.thread.joinable()) im.thread.join();
    im.sender->close();
}

AuditLogger::Stats AuditLogger::stats() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Stats s = impl_->stats;
    s.pending = impl_->pending_n + impl_->incoming.size();
    return s;
}

const AuditLogger::Options &AuditLogger::options() const noexcept { return impl_->opt; }

}  // namespace dcmkit::audit
