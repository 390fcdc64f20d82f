// dcmkit — the archive's MLLP listener: HL7 v2 messages over TCP, each answered with its ACK.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>

#include "dcmkit/archive_hl7.h"

namespace dcmkit::archive {

struct Hl7Listener::Impl {
    std::shared_ptr<Index> index;
    Hl7ListenerOptions options;
    std::function<void(const Hl7Outcome &, const std::string &)> on_message;
    std::function<void(const std::string &)> log;

    int listen_fd = -1;
    int wake[2] = {-1, -1};  // a pipe: stop() writes, every poll() wakes
    uint16_t bound_port = 0;
    std::atomic<bool> stopping{false};
    std::atomic<uint64_t> messages{0};
    std::atomic<unsigned> active{0};
    std::mutex apply_mu;  // one message applied at a time
    std::mutex mu;        // guards connections
    struct Connection {
        int fd;
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::list<Connection> connections;
    std::thread acceptor;

    void warn(const std::string &line) {
        if (log) log("HL7: " + line);
    }

    /// Writes all of `data`; false when the peer is gone or too slow.
    bool send_all(int fd, const std::string &data) {
        size_t off = 0;
        while (off < data.size()) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, options.timeout_s * 1000) <= 0) return false;
            const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) {
                if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
                return false;
            }
            off += size_t(n);
        }
        return true;
    }

    void serve(int fd, std::string peer) {
        hl7::MllpDecoder decoder(options.max_message_size);
        std::vector<char> buf(65536);
        for (;;) {
            pollfd p[2] = {{fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
            const int r = ::poll(p, 2, options.timeout_s * 1000);
            if (r < 0 && errno == EINTR) continue;
            if (stopping || r < 0) break;
            if (r == 0) {
                if (decoder.in_frame()) warn(peer + ": closed, a frame unfinished after " + std::to_string(options.timeout_s) + " s");
                break;
            }
            if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) {
                if (decoder.in_frame()) warn(peer + ": connection closed inside a frame");
                break;
            }
            std::vector<std::string> frames;
            try {
                frames = decoder.feed(buf.data(), size_t(n));
            } catch (const hl7::ParseError &e) {
                warn(peer + ": " + e.message() + "; connection closed");
                break;
            }
            bool ok = true;
            for (const std::string &frame : frames) {
                Hl7Outcome outcome;
                std::string ack;
                {
                    std::lock_guard<std::mutex> lock(apply_mu);
                    ack = handle_hl7(*index, frame, outcome, options.application);
                }
                ++messages;
                if (outcome.code != hl7::AckCode::AA) warn(peer + ": " + outcome.description);
                if (on_message) {
                    try {
                        on_message(outcome, peer);
                    } catch (const std::exception &e) {
                        warn(std::string("on_message: ") + e.what());
                    }
                }
                if (!send_all(fd, hl7::mllp_frame(ack))) {
                    ok = false;
                    break;
                }
            }
            if (!ok) break;
        }
        // Counted out before the peer can see the close: a client that reconnects at once finds
        // the slot free.
        --active;
        ::shutdown(fd, SHUT_RDWR);
    }

    void accept_loop() {
        while (!stopping) {
            pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
            const int r = ::poll(p, 2, 1000);
            if (stopping) break;
            if (r <= 0) {
                reap();
                continue;
            }
            if (!(p[0].revents & POLLIN)) continue;
            sockaddr_storage ss{};
            socklen_t len = sizeof ss;
            const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr *>(&ss), &len, SOCK_CLOEXEC);
            if (fd < 0) continue;
            char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";
            ::getnameinfo(reinterpret_cast<sockaddr *>(&ss), len, host, sizeof host, serv, sizeof serv,
                          NI_NUMERICHOST | NI_NUMERICSERV);
            const std::string peer = std::string(host) + ":" + serv;
            reap();
            if (active >= options.max_connections) {
                warn(peer + ": refused, " + std::to_string(options.max_connections) + " connections already open");
                ::close(fd);
                continue;
            }
            ++active;
            auto done = std::make_shared<std::atomic<bool>>(false);
            std::lock_guard<std::mutex> lock(mu);
            connections.push_back(Connection{fd, {}, done});
            connections.back().thread = std::thread([this, fd, peer, done] {
                serve(fd, peer);
                *done = true;
            });
        }
    }

    /// Joins the threads of connections that ended and closes their sockets.
    void reap() {
        std::lock_guard<std::mutex> lock(mu);
        for (auto it = connections.begin(); it != connections.end();) {
            if (!*it->done) {
                ++it;
                continue;
            }
            if (it->thread.joinable()) it->thread.join();
            ::close(it->fd);
            it = connections.erase(it);
        }
    }
};

Hl7Listener::Hl7Listener(std::shared_ptr<Index> index, Hl7ListenerOptions options,
                         std::function<void(const Hl7Outcome &, const std::string &)> on_message,
                         std::function<void(const std::string &)> log)
    : impl_(std::make_shared<Impl>()) {
    if (!index) throw Error(Errc::invalid_argument, "HL7 listener: no index");
    impl_->index = std::move(index);
    impl_->options = std::move(options);
    if (impl_->options.max_message_size == 0) impl_->options.max_message_size = 1 << 20;
    if (impl_->options.max_connections == 0) impl_->options.max_connections = 1;
    if (impl_->options.timeout_s <= 0) impl_->options.timeout_s = 30;
    impl_->on_message = std::move(on_message);
    impl_->log = std::move(log);
}

Hl7Listener::~Hl7Listener() { stop(); }

void Hl7Listener::start() {
    Impl &d = *impl_;
    if (d.listen_fd >= 0) return;
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    const std::string port = std::to_string(d.options.port);
    const int rc = ::getaddrinfo(d.options.bind.empty() ? nullptr : d.options.bind.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) throw Error(Errc::network, "HL7 listener: cannot resolve '" + d.options.bind + "': " + ::gai_strerror(rc));
    std::string why;
    for (addrinfo *ai = res; ai; ai = ai->ai_next) {
        const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 16) == 0) {
            d.listen_fd = fd;
            break;
        }
        why = std::strerror(errno);
        ::close(fd);
    }
    ::freeaddrinfo(res);
    if (d.listen_fd < 0)
        throw Error(Errc::network, "HL7 listener: cannot listen on port " + port + (why.empty() ? "" : ": " + why));
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(d.listen_fd, reinterpret_cast<sockaddr *>(&ss), &len);
    d.bound_port = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port)
                                            : ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
    if (::pipe2(d.wake, O_CLOEXEC) != 0) {
        ::close(d.listen_fd);
        d.listen_fd = -1;
        throw Error(Errc::io, std::string("HL7 listener: pipe: ") + std::strerror(errno));
    }
    d.stopping = false;
    d.acceptor = std::thread([impl = impl_] { impl->accept_loop(); });
}

uint16_t Hl7Listener::port() const noexcept { return impl_->bound_port; }
uint64_t Hl7Listener::messages() const noexcept { return impl_->messages.load(); }

void Hl7Listener::stop() {
    Impl &d = *impl_;
    if (d.listen_fd < 0) return;
    d.stopping = true;
    if (d.wake[1] >= 0) (void)!::write(d.wake[1], "x", 1);
    if (d.acceptor.joinable()) d.acceptor.join();
    std::list<Impl::Connection> conns;
    {
        std::lock_guard<std::mutex> lock(d.mu);
        conns.swap(d.connections);
    }
    for (auto &c : conns) ::shutdown(c.fd, SHUT_RDWR);
    for (auto &c : conns) {
        if (c.thread.joinable()) c.thread.join();
        ::close(c.fd);
    }
    ::close(d.listen_fd);
    d.listen_fd = -1;
    for (int &fd : d.wake) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
}

}  // namespace dcmkit::archive
