#include "dcmkit/net/transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>

#include "dcmkit/error.h"

namespace dcmkit::net {

namespace {

[[noreturn]] void net_fail(const std::string &what) { throw Error(Errc::network, what + ": " + std::strerror(errno)); }

/// Waits for `events` on fd; false on timeout. EINTR restarts with the remaining time.
bool wait_fd(int fd, short events, int timeout_ms) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        pollfd p{fd, events, 0};
        int left = -1;
        if (timeout_ms > 0) {
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
            left = ms > 0 ? int(ms) : 0;
        }
        int rc = ::poll(&p, 1, left);
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) net_fail("poll");
    }
}

std::string addr_text(const sockaddr *sa) {
    char host[INET6_ADDRSTRLEN] = "?";
    uint16_t port = 0;
    if (sa->sa_family == AF_INET) {
        auto *in = reinterpret_cast<const sockaddr_in *>(sa);
        ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
        return std::string(host) + ":" + std::to_string(port);
    }
    if (sa->sa_family == AF_INET6) {
        auto *in6 = reinterpret_cast<const sockaddr_in6 *>(sa);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
        return "[" + std::string(host) + "]:" + std::to_string(port);
    }
    return "?";
}

void tune(int fd) {
    int one = 1;
    // Without TCP_NODELAY every small DIMSE message waits for the delayed ACK (~40 ms on loopback).
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
#ifdef SO_NOSIGPIPE
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

class TcpTransport final : public Transport {
public:
    TcpTransport(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) { tune(fd_); }
    ~TcpTransport() override { close(); }

    size_t read_some(uint8_t *data, size_t size, int timeout_ms) override {
        // Try first, poll only when nothing is there: on a busy association data is usually waiting.
        bool waited = false;
        for (;;) {
            if (fd_ < 0) throw Error(Errc::network, "connection to " + peer_ + " is closed");
            ssize_t n = ::recv(fd_, data, size, (timeout_ms > 0 && !waited) ? MSG_DONTWAIT : 0);
            if (n >= 0) return size_t(n);
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) net_fail("receiving from " + peer_);
            if (!wait_fd(fd_, POLLIN, timeout_ms))
                throw Error(Errc::timeout, "no data from " + peer_ + " for " + std::to_string(timeout_ms) + " ms");
            waited = true;
        }
    }

    void write_all(const uint8_t *data, size_t size, int timeout_ms) override { write_all2(data, size, nullptr, 0, timeout_ms); }

    void write_all2(const uint8_t *head, size_t head_size, const uint8_t *body, size_t body_size, int timeout_ms) override {
        iovec iov[2] = {{const_cast<uint8_t *>(head), head_size}, {const_cast<uint8_t *>(body), body_size}};
        int first = 0;
        const int count = body_size ? 2 : 1;
        while (first < count) {
            if (fd_ < 0) throw Error(Errc::network, "connection to " + peer_ + " is closed");
            msghdr msg{};
            msg.msg_iov = iov + first;
            msg.msg_iovlen = size_t(count - first);
            ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | (timeout_ms > 0 ? MSG_DONTWAIT : 0));
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK) net_fail("sending to " + peer_);
                if (!wait_fd(fd_, POLLOUT, timeout_ms))
                    throw Error(Errc::timeout, peer_ + " accepted no data for " + std::to_string(timeout_ms) + " ms");
                continue;
            }
            size_t left = size_t(n);
            while (first < count && left >= iov[first].iov_len) {
                left -= iov[first].iov_len;
                ++first;
            }
            if (first < count) {
                iov[first].iov_base = static_cast<uint8_t *>(iov[first].iov_base) + left;
                iov[first].iov_len -= left;
            }
        }
    }

    void close() noexcept override {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    void interrupt() noexcept override {
        const int fd = fd_;
        if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    }

    std::string peer() const override { return peer_; }
    int native_handle() const noexcept override { return fd_; }

private:
    int fd_;
    std::string peer_;
};

}  // namespace

std::string Transport::peer_address() const {
    std::string p = peer();
    const size_t colon = p.rfind(':');
    if (colon != std::string::npos && colon > 0) p.erase(colon);
    if (p.size() >= 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
    if (p.rfind("::ffff:", 0) == 0 && p.find('.') != std::string::npos) p.erase(0, 7);  // IPv4-mapped
    return p;
}

std::unique_ptr<Transport> tcp_connect(const std::string &host, uint16_t port, int timeout_ms) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *res = nullptr;
    const std::string port_text = std::to_string(port);
    int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res);
    if (rc != 0) throw Error(Errc::network, "cannot resolve '" + host + "': " + ::gai_strerror(rc));
    std::string last_error = "no address";
    bool timed_out = false;
    for (addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            last_error = std::strerror(errno);
            continue;
        }
        rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            if (!wait_fd(fd, POLLOUT, timeout_ms)) {
                timed_out = true;
                last_error = "timed out after " + std::to_string(timeout_ms) + " ms";
                ::close(fd);
                continue;
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err ? -1 : 0;
            errno = err;
        }
        if (rc != 0) {
            last_error = std::strerror(errno);
            ::close(fd);
            continue;
        }
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        std::string peer = addr_text(ai->ai_addr);
        ::freeaddrinfo(res);
        return std::make_unique<TcpTransport>(fd, peer);
    }
    ::freeaddrinfo(res);
    throw Error(timed_out ? Errc::timeout : Errc::network,
                "cannot connect to " + host + ":" + std::to_string(port) + ": " + last_error);
}

TcpListener::TcpListener(const std::string &address, uint16_t port, int backlog) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    addrinfo *res = nullptr;
    const std::string port_text = std::to_string(port);
    // "" binds the IPv6 wildcard with IPV6_V6ONLY off, which takes IPv4 too; else the given address.
    const char *node = address.empty() ? "::" : address.c_str();
    int rc = ::getaddrinfo(node, port_text.c_str(), &hints, &res);
    if (rc != 0) throw Error(Errc::network, "cannot use address '" + address + "': " + ::gai_strerror(rc));
    int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd < 0 && address.empty()) {  // no IPv6 on this host: fall back to IPv4
        ::freeaddrinfo(res);
        hints.ai_family = AF_INET;
        rc = ::getaddrinfo("0.0.0.0", port_text.c_str(), &hints, &res);
        if (rc != 0) throw Error(Errc::network, std::string("cannot bind: ") + ::gai_strerror(rc));
        fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    }
    if (fd < 0) {
        ::freeaddrinfo(res);
        net_fail("socket");
    }
    int one = 1, zero = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (res->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
        int err = errno;
        ::freeaddrinfo(res);
        ::close(fd);
        errno = err;
        net_fail("cannot listen on " + (address.empty() ? std::string("*") : address) + " port " + port_text);
    }
    ::freeaddrinfo(res);
    if (::listen(fd, backlog) != 0) {
        ::close(fd);
        net_fail("listen");
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
    port_ = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
    if (::pipe2(wake_, O_CLOEXEC) != 0) {
        ::close(fd);
        net_fail("pipe");
    }
    fd_ = fd;
}

TcpListener::~TcpListener() {
    close();
    if (fd_ >= 0) ::close(fd_);
    for (int &w : wake_)
        if (w >= 0) ::close(w);
}

void TcpListener::close() noexcept {
    if (wake_[1] >= 0) {
        const char b = 1;
        ssize_t ignored = ::write(wake_[1], &b, 1);
        (void)ignored;
    }
}

std::unique_ptr<Transport> TcpListener::accept(int timeout_ms) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    for (;;) {
        int rc = ::poll(p, 2, timeout_ms > 0 ? timeout_ms : -1);
        if (rc == 0) return nullptr;
        if (rc < 0) {
            if (errno == EINTR) continue;
            net_fail("poll");
        }
        if (p[1].revents) return nullptr;  // closed
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int fd = ::accept4(fd_, reinterpret_cast<sockaddr *>(&ss), &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN) continue;
            net_fail("accept");
        }
        return std::make_unique<TcpTransport>(fd, addr_text(reinterpret_cast<sockaddr *>(&ss)));
    }
}

bool parse_port(const std::string &s, uint16_t &port) {
    char *end = nullptr;
    unsigned long v = std::strtoul(s.c_str(), &end, 10);
    if (s.empty() || *end || v == 0 || v > 65535) return false;
    port = uint16_t(v);
    return true;
}

}  // namespace dcmkit::net
