// Raw-socket peers for network tests: connections from any 127.0.0.0/8 address, crafted PDU
// bytes, the first PDU or the close that comes back, and a timed C-ECHO with our SCU.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "dcmkit/net/association.h"
#include "dcmkit/net/pdu.h"
#include "dcmkit/services/services.h"
#include "peer.h"

namespace dk_test::raw {

using dk_test::Clock;
using dk_test::ms_since;
namespace net = dcmkit::net;

constexpr const char *kVerification = "1.2.840.10008.1.1";
constexpr const char *kImplicit = "1.2.840.10008.1.2";

/// A TCP connection to 127.0.0.1:port from `source` (any 127.0.0.0/8 address: another peer).
inline int raw_connect(uint16_t port, const char *source = "127.0.0.1") {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&from), sizeof from) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline bool raw_send(int fd, const std::vector<uint8_t> &b) {
    size_t off = 0;
    while (off < b.size()) {
        ssize_t n = ::send(fd, b.data() + off, b.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += size_t(n);
    }
    return true;
}

/// The first PDU that comes back, or Closed, or Timeout.
struct Reply {
    enum Kind { Pdu, Closed, Timeout } kind = Timeout;
    std::vector<uint8_t> pdu;
    double ms = 0;
    uint8_t type() const { return pdu.empty() ? 0 : pdu[0]; }
    std::string describe() const {
        if (kind == Closed) return "connection closed";
        if (kind == Timeout) return "nothing (timeout)";
        char b[96];
        std::snprintf(b, sizeof b, "PDU type %02X, %zu bytes%s", type(), pdu.size(),
                      pdu.size() == 10 ? (" (" + std::to_string(pdu[7]) + "," + std::to_string(pdu[8]) + "," +
                                          std::to_string(pdu[9]) + ")").c_str()
                                       : "");
        return b;
    }
};

inline Reply raw_read(int fd, int timeout_ms) {
    Reply r;
    const auto t0 = Clock::now();
    const auto deadline = t0 + std::chrono::milliseconds(timeout_ms);
    size_t want = 6;
    while (r.pdu.size() < want) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, int(left)) <= 0) continue;
        uint8_t buf[4096];
        ssize_t n = ::recv(fd, buf, std::min(sizeof buf, want - r.pdu.size()), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            r.kind = Reply::Closed;
            r.ms = ms_since(t0);
            return r;
        }
        r.pdu.insert(r.pdu.end(), buf, buf + n);
        if (r.pdu.size() == 6) {
            const uint32_t len = uint32_t(r.pdu[2]) << 24 | uint32_t(r.pdu[3]) << 16 | uint32_t(r.pdu[4]) << 8 | r.pdu[5];
            want = 6 + std::min<uint32_t>(len, 1u << 20);
        }
    }
    r.kind = r.pdu.size() == want ? Reply::Pdu : Reply::Timeout;
    r.ms = ms_since(t0);
    return r;
}

/// True when the server closes `fd` within `timeout_ms` (bytes received meanwhile are skipped).
inline bool raw_closed(int fd, int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, int(left)) <= 0) continue;
        uint8_t buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return true;
    }
}

inline net::AeConfig scu_config(const std::string &aet = "HOSTILE") {
    net::AeConfig c;
    c.ae_title = aet;
    c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 5000;
    c.log = [](net::LogLevel, const std::string &) {};
    c.add(kVerification, {kImplicit}, false, true);
    return c;
}

inline net::AAssociateRq echo_rq(const std::string &called) { return net::make_request(scu_config(), called); }

/// A C-ECHO on a new association with our SCU; the milliseconds it took, or -1 (with `why`).
inline double timed_echo(uint16_t port, const std::string &called, std::string &why) {
    const auto t0 = Clock::now();
    try {
        auto a = net::Association::connect(scu_config(), "127.0.0.1", port, called);
        if (net::echo(*a) != 0) throw std::runtime_error("C-ECHO status not Success");
        a->release();
    } catch (const std::exception &e) {
        why = e.what();
        return -1;
    }
    return ms_since(t0);
}

}  // namespace dk_test::raw
