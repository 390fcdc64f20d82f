// Hostile and careless peers against net::Server and `dcmkit serve`: connections that trickle or
// never send their A-ASSOCIATE-RQ must not lock real clients out (and must not cost threads or
// keep memory), idle associations are aborted after the idle timeout, per-address limits,
// malformed presentation context lists (PS3.8 7.1.1.13, 9.3.2.2) and the Called AE Title check.
// Peers: raw sockets crafting PDU bytes (from 127.0.0.1 and 127.0.0.2), our SCU, DCMTK's echoscu.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/pdu.h"
#include "dcmkit/net/services.h"
#include "peer.h"

using namespace dcmkit;
namespace net = dcmkit::net;
using dk_test::Child;
using dk_test::Clock;
using dk_test::ms_since;
using dk_test::TempDir;
using dk_test::wait_until;

namespace {

constexpr const char *kVerification = "1.2.840.10008.1.1";
constexpr const char *kImplicit = "1.2.840.10008.1.2";

/// A TCP connection to 127.0.0.1:port from `source` (any 127.0.0.0/8 address: another peer).
int raw_connect(uint16_t port, const char *source = "127.0.0.1") {
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

bool raw_send(int fd, const std::vector<uint8_t> &b) {
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

Reply raw_read(int fd, int timeout_ms) {
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
bool raw_closed(int fd, int timeout_ms) {
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

net::AeConfig scu_config(const std::string &aet = "HOSTILE") {
    net::AeConfig c;
    c.ae_title = aet;
    c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 5000;
    c.log = [](net::LogLevel, const std::string &) {};
    c.add(kVerification, {kImplicit}, false, true);
    return c;
}

net::AAssociateRq echo_rq(const std::string &called) { return net::make_request(scu_config(), called); }

/// A C-ECHO on a new association with our SCU; the milliseconds it took, or -1 (with `why`).
double timed_echo(uint16_t port, const std::string &called, std::string &why) {
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

/// A field of /proc/PID/status ("VmRSS", in kB; "Threads").
long proc_status(pid_t pid, const std::string &field) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind(field + ":", 0) == 0) return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    return -1;
}

class ServeCli : public ::testing::Test {
protected:
    /// `dcmkit serve PORT --storage DIR -aet ARCH` with `extra` options.
    void start(const std::vector<std::string> &extra = {}) {
        port = dk_test::start_server(server, [&](uint16_t p) {
            std::vector<std::string> argv = {DCMKIT_CLI, "serve", std::to_string(p), "--storage", tmp.sub("archive"),
                                             "-aet", "ARCH"};
            argv.insert(argv.end(), extra.begin(), extra.end());
            return argv;
        }, tmp / "serve.log");
        ASSERT_NE(port, 0) << server.log();
    }
    TempDir tmp{"dcmkit-hostile"};
    Child server;
    uint16_t port = 0;
};

/// An in-process server for C-ECHO on 127.0.0.1 (any called AE title).
struct EchoServer {
    std::unique_ptr<net::Server> server;
    explicit EchoServer(const std::function<void(net::AeConfig &)> &tune) {
        net::AeConfig c;
        c.ae_title = "DCMKIT";
        c.add_verification();
        c.check_called_ae = false;
        c.log = [](net::LogLevel, const std::string &) {};
        tune(c);
        server = std::make_unique<net::Server>(c, net::ServiceHandlers{});
        server->start("127.0.0.1", 0);
    }
    uint16_t port() const { return server->port(); }
};

}  // namespace

// =================================================================================================
// Slow connections
// =================================================================================================

TEST_F(ServeCli, SlowConnectionsDoNotLockOutEcho) {
    // 40 connections (more than the 32 association slots) trickling a valid A-ASSOCIATE-RQ one
    // byte a second, reopened when the server closes them, for 5 s; meanwhile C-ECHOs from our SCU
    // and from echoscu each succeed within 2 s. The server's threads stay bounded and its memory
    // returns near where it was.
    start();
    std::string why;
    ASSERT_GE(timed_echo(port, "ARCH", why), 0) << why << server.log();
    const pid_t pid = server.pid();
    const long rss_before = proc_status(pid, "VmRSS"), threads_before = proc_status(pid, "Threads");

    const std::vector<uint8_t> rq = net::encode_pdu(echo_rq("ARCH"));
    constexpr int kSlow = 40;
    std::atomic<bool> stop{false};
    std::atomic<int> opened{0}, open_now{0};
    std::thread attacker([&] {
        std::vector<int> fds(kSlow, -1);
        std::vector<size_t> sent(kSlow, 0);
        const auto t0 = Clock::now();
        while (!stop && ms_since(t0) < 20000 && opened < 400) {
            int live = 0;
            for (int i = 0; i < kSlow; ++i) {
                if (fds[i] < 0) {
                    fds[i] = raw_connect(port);
                    sent[i] = 0;
                    if (fds[i] >= 0) ++opened;
                }
                if (fds[i] < 0) continue;
                // One byte of the request (never the last), or the connection was closed.
                if (sent[i] + 1 >= rq.size() || !raw_send(fds[i], {rq[sent[i]]})) {
                    ::close(fds[i]);
                    fds[i] = -1;
                    continue;
                }
                ++sent[i];
                ++live;
            }
            open_now = live;
            for (int k = 0; k < 10 && !stop; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        for (int fd : fds)
            if (fd >= 0) ::close(fd);
    });
    ASSERT_TRUE(wait_until([&] { return opened >= kSlow; }, 5000));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the slow ones well under way

    std::vector<double> ours;
    for (int i = 0; i < 3; ++i) {
        const double ms = timed_echo(port, "ARCH", why);
        EXPECT_GE(ms, 0) << "C-ECHO " << i << " during the attack: " << why;
        EXPECT_LT(ms, 2000) << "C-ECHO " << i;
        ours.push_back(ms);
    }
    double echoscu_ms = -1;
    if (dk_test::have_tools({"echoscu"})) {
        const dk_test::ProcResult r =
            dk_test::run({"echoscu", "-aec", "ARCH", "-to", "5", "-ta", "5", "127.0.0.1", std::to_string(port)}, 10000);
        EXPECT_EQ(r.status, 0) << r.all();
        EXPECT_LT(r.ms, 2000);
        echoscu_ms = r.ms;
    }
    const long rss_during = proc_status(pid, "VmRSS"), threads_during = proc_status(pid, "Threads");
    // A listener, the 32 workers and the main thread: nothing per connection.
    EXPECT_LE(threads_during, threads_before + 2) << "threads: " << threads_before << " before, " << threads_during
                                                  << " during the attack";
    const int still_open = open_now;
    stop = true;
    attacker.join();
    // Memory given back once idle (the server trims at most a second after it falls idle).
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const long rss_after = proc_status(pid, "VmRSS"), threads_after = proc_status(pid, "Threads");
    EXPECT_LE(rss_after, rss_before + 8 * 1024) << "kB before " << rss_before << ", after " << rss_after;
    EXPECT_EQ(threads_after, threads_before);
    ASSERT_GE(timed_echo(port, "ARCH", why), 0) << why;
    std::printf("[ measured ] %d slow connections opened (%d open at the echo), C-ECHO %.0f/%.0f/%.0f ms, echoscu %.0f ms; "
                "serve RSS %ld kB before, %ld during, %ld after; threads %ld/%ld/%ld\n",
                opened.load(), still_open, ours[0], ours[1], ours[2], echoscu_ms, rss_before, rss_during, rss_after,
                threads_before, threads_during, threads_after);
}

TEST_F(ServeCli, SilentConnectionClosedAfterRequestTimeout) {
    // Nothing sent at all: closed after --request-timeout (1 s here), not after -to (30 s).
    start({"--request-timeout", "1"});
    int fd = raw_connect(port);
    ASSERT_GE(fd, 0);
    const auto t0 = Clock::now();
    EXPECT_TRUE(raw_closed(fd, 5000));
    const double ms = ms_since(t0);
    ::close(fd);
    EXPECT_GE(ms, 700);
    EXPECT_LT(ms, 3000);
}

// =================================================================================================
// Idle associations
// =================================================================================================

TEST_F(ServeCli, IdleAssociationAbortedAndSlotFreed) {
    // An association with no request for --idle-timeout (1 s) is aborted (A-ABORT) and its slot,
    // the only one here, taken by the next peer.
    start({"--idle-timeout", "1", "--max-associations", "1"});
    int fd = raw_connect(port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(raw_send(fd, net::encode_pdu(echo_rq("ARCH"))));
    Reply ac = raw_read(fd, 5000);
    ASSERT_EQ(ac.type(), 0x02) << ac.describe() << server.log();
    Reply r = raw_read(fd, 6000);
    ::close(fd);
    ASSERT_EQ(r.kind, Reply::Pdu) << r.describe();
    EXPECT_EQ(r.type(), 0x07) << r.describe();  // A-ABORT
    EXPECT_GE(r.ms, 800);
    EXPECT_LT(r.ms, 3500);
    std::string why;
    const double ms = timed_echo(port, "ARCH", why);
    EXPECT_GE(ms, 0) << why << server.log();
    EXPECT_LT(ms, 2000);
}

// =================================================================================================
// Called AE Title
// =================================================================================================

TEST_F(ServeCli, CalledAeTitleCheckedByDefault) {
    start();
    // PS3.8 Table 9-21: rejected-permanent (1), DICOM UL service-user (1), called-AE-title-not-recognized (7).
    int fd = raw_connect(port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(raw_send(fd, net::encode_pdu(echo_rq("WRONG"))));
    const Reply r = raw_read(fd, 5000);
    ::close(fd);
    ASSERT_EQ(r.type(), 0x03) << r.describe();
    EXPECT_EQ(r.pdu, (std::vector<uint8_t>{0x03, 0, 0, 0, 0, 4, 0, 1, 1, 7}));
    std::string why;
    EXPECT_LT(timed_echo(port, "WRONG", why), 0);
    EXPECT_NE(why.find("called-AE-title-not-recognized"), std::string::npos) << why;
    EXPECT_GE(timed_echo(port, "ARCH", why), 0) << why;
    if (dk_test::have_tools({"echoscu"})) {
        dk_test::ProcResult bad = dk_test::run({"echoscu", "-aec", "WRONG", "-to", "5", "127.0.0.1", std::to_string(port)}, 10000);
        EXPECT_NE(bad.status, 0);
        EXPECT_NE(bad.all().find("Called AE Title Not Recognized"), std::string::npos) << bad.all();
        dk_test::ProcResult good = dk_test::run({"echoscu", "-aec", "ARCH", "-to", "5", "127.0.0.1", std::to_string(port)}, 10000);
        EXPECT_EQ(good.status, 0) << good.all();
    }
}

TEST_F(ServeCli, CalledAeTitleCheckCanBeTurnedOff) {
    start({"--no-check-called-ae"});
    std::string why;
    EXPECT_GE(timed_echo(port, "ANY-SCP", why), 0) << why;
}

TEST(RecvCli, CalledAeTitleCheckedOnlyWhenAsked) {
    TempDir tmp("dcmkit-hostile-recv");
    for (bool check : {false, true}) {
        Child recv;
        const uint16_t port = dk_test::start_server(recv, [&](uint16_t p) {
            std::vector<std::string> argv = {DCMKIT_CLI, "recv", std::to_string(p), "--out", tmp.sub("in"), "-aet", "STORE"};
            if (check) argv.push_back("--check-called-ae");
            return argv;
        }, tmp / "recv.log");
        ASSERT_NE(port, 0) << recv.log();
        std::string why;
        const double wrong = timed_echo(port, "ANY-SCP", why);
        if (check) {
            EXPECT_LT(wrong, 0);
            EXPECT_NE(why.find("called-AE-title-not-recognized"), std::string::npos) << why;
        } else {
            EXPECT_GE(wrong, 0) << why;
        }
        EXPECT_GE(timed_echo(port, "STORE", why), 0) << why;
    }
}

// =================================================================================================
// Malformed presentation context lists (crafted A-ASSOCIATE-RQ bytes)
// =================================================================================================

TEST_F(ServeCli, DuplicateOrTooManyContextIdsRejected) {
    start();
    auto answer = [&](const net::AAssociateRq &rq) {
        int fd = raw_connect(port);
        EXPECT_GE(fd, 0);
        raw_send(fd, net::encode_pdu(rq));
        Reply r = raw_read(fd, 10000);
        ::close(fd);
        return r;
    };
    // PS3.8 7.1.1.13: "an arbitrary, but unused identifier for each proposed presentation context";
    // 9.3.2.2: odd IDs 1 to 255, so at most 128. Refused by the ACSE provider, permanently:
    // A-ASSOCIATE-RJ (1, 2 service-provider ACSE, 1 no-reason-given).
    const std::vector<uint8_t> rj = {0x03, 0, 0, 0, 0, 4, 0, 1, 2, 1};
    net::AAssociateRq twice = echo_rq("ARCH");
    twice.contexts.push_back(twice.contexts[0]);  // ID 1 again
    Reply r = answer(twice);
    EXPECT_EQ(r.pdu, rj) << r.describe();

    net::AAssociateRq many = echo_rq("ARCH");  // 10,000 contexts, every ID used many times
    for (int i = 1; i < 10000; ++i) {
        many.contexts.push_back(many.contexts[0]);
        many.contexts.back().id = uint8_t(2 * (i % 128) + 1);
    }
    const auto t0 = Clock::now();
    r = answer(many);
    EXPECT_EQ(r.pdu, rj) << r.describe();
    EXPECT_LT(ms_since(t0), 2000);

    // 128 distinct IDs, the most there can be: accepted.
    net::AAssociateRq full = echo_rq("ARCH");
    for (int i = 1; i < 128; ++i) {
        full.contexts.push_back(full.contexts[0]);
        full.contexts.back().id = uint8_t(2 * i + 1);
    }
    r = answer(full);
    EXPECT_EQ(r.type(), 0x02) << r.describe();
    std::string why;
    EXPECT_GE(timed_echo(port, "ARCH", why), 0) << why;
}

// =================================================================================================
// Per-address limits (in-process server; the other peer connects from 127.0.0.2)
// =================================================================================================

TEST(PerAddress, AssociationLimitRejectsTransiently) {
    EchoServer s([](net::AeConfig &c) {
        c.max_associations = 8;
        c.max_associations_per_address = 2;
    });
    std::vector<int> held;
    for (int i = 0; i < 2; ++i) {
        int fd = raw_connect(s.port());
        ASSERT_GE(fd, 0);
        raw_send(fd, net::encode_pdu(echo_rq("DCMKIT")));
        ASSERT_EQ(raw_read(fd, 5000).type(), 0x02);
        held.push_back(fd);
    }
    // A third from 127.0.0.1: rejected-transient (2), service-provider presentation (3),
    // local-limit-exceeded (2), at once.
    int fd = raw_connect(s.port());
    ASSERT_GE(fd, 0);
    raw_send(fd, net::encode_pdu(echo_rq("DCMKIT")));
    Reply r = raw_read(fd, 5000);
    ::close(fd);
    EXPECT_EQ(r.pdu, (std::vector<uint8_t>{0x03, 0, 0, 0, 0, 4, 0, 2, 3, 2})) << r.describe();
    EXPECT_LT(r.ms, 1000);
    // Another address is served.
    fd = raw_connect(s.port(), "127.0.0.2");
    ASSERT_GE(fd, 0) << "cannot bind 127.0.0.2";
    raw_send(fd, net::encode_pdu(echo_rq("DCMKIT")));
    EXPECT_EQ(raw_read(fd, 5000).type(), 0x02);
    ::close(fd);
    // Once one of the two ends (its slot given back), 127.0.0.1 is served again.
    ::close(held[0]);
    ASSERT_TRUE(wait_until([&] { return s.server->active_associations() <= 1; }, 5000));
    std::string why;
    EXPECT_GE(timed_echo(s.port(), "DCMKIT", why), 0) << why;
    ::close(held[1]);
}

TEST(PerAddress, PendingConnectionsBoundedOldestClosed) {
    // 6 silent connections from 127.0.0.2 with room for 4 from one address: the 2 oldest are
    // closed at once (not after the 10 s request timer), the 4 newest wait, and a client from
    // 127.0.0.1 is served meanwhile.
    EchoServer s([](net::AeConfig &c) {
        c.timeouts.request_ms = 10000;
        c.timeouts.artim_ms = 10000;
        c.max_pending_per_address = 4;
    });
    std::vector<int> fds;
    for (int i = 0; i < 6; ++i) {
        fds.push_back(raw_connect(s.port(), "127.0.0.2"));
        ASSERT_GE(fds.back(), 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // accepted in this order
    }
    EXPECT_TRUE(raw_closed(fds[0], 2000));
    EXPECT_TRUE(raw_closed(fds[1], 2000));
    for (int i = 2; i < 6; ++i) EXPECT_FALSE(raw_closed(fds[i], 100)) << "connection " << i;
    EXPECT_EQ(s.server->pending_connections(), 4u);
    EXPECT_EQ(s.server->active_associations(), 0u);
    std::string why;
    const double ms = timed_echo(s.port(), "DCMKIT", why);
    EXPECT_GE(ms, 0) << why;
    EXPECT_LT(ms, 2000);
    for (int fd : fds) ::close(fd);
}

TEST(PerAddress, PendingTotalBoundedAcrossAddresses) {
    // max_pending 3 in total: a fourth connection (another address) closes the oldest.
    EchoServer s([](net::AeConfig &c) {
        c.timeouts.request_ms = 10000;
        c.max_pending = 3;
    });
    std::vector<int> fds;
    for (const char *from : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}) {
        fds.push_back(raw_connect(s.port(), from));
        ASSERT_GE(fds.back(), 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(raw_closed(fds[0], 2000));
    for (int i = 1; i < 4; ++i) EXPECT_FALSE(raw_closed(fds[i], 100)) << "connection " << i;
    // A whole request on one of them still gets its association.
    raw_send(fds[3], net::encode_pdu(echo_rq("DCMKIT")));
    EXPECT_EQ(raw_read(fds[3], 5000).type(), 0x02);
    for (int fd : fds) ::close(fd);
}
