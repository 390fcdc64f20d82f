// net::Server's limits in-process, against raw-socket peers from 127.0.0.1 and other loopback
// addresses: associations per address (A-ASSOCIATE-RJ transient, local-limit-exceeded),
// connections still sending their A-ASSOCIATE-RQ bounded in total and per address (the longest
// waiting closed first), neither holding an association slot.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dcmkit/services/services.h"
#include "raw_peer.h"

using namespace dk_test::raw;
using dk_test::wait_until;

namespace {

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

// =================================================================================================
// Slow and idle peers
// =================================================================================================

TEST(SlowPeers, HalfSentRequestsHoldNoAssociationSlot) {
    // 10 connections with half an A-ASSOCIATE-RQ each against 2 association slots: none takes a
    // slot, an echo gets through at once, and a request completed later is still accepted.
    EchoServer s([](net::AeConfig &c) {
        c.max_associations = 2;
        c.timeouts.request_ms = 5000;
    });
    const std::vector<uint8_t> rq = net::encode_pdu(echo_rq("DCMKIT"));
    const std::vector<uint8_t> head(rq.begin(), rq.begin() + long(rq.size() / 2)), tail(rq.begin() + long(rq.size() / 2), rq.end());
    std::vector<int> fds;
    for (int i = 0; i < 10; ++i) {
        fds.push_back(raw_connect(s.port()));
        ASSERT_GE(fds.back(), 0);
        ASSERT_TRUE(raw_send(fds.back(), head));
    }
    ASSERT_TRUE(wait_until([&] { return s.server->pending_connections() == 10; }, 2000));
    EXPECT_EQ(s.server->active_associations(), 0u);
    std::string why;
    const double ms = timed_echo(s.port(), "DCMKIT", why);
    EXPECT_GE(ms, 0) << why;
    EXPECT_LT(ms, 1000);
    ASSERT_TRUE(raw_send(fds[0], tail));
    EXPECT_EQ(raw_read(fds[0], 5000).type(), 0x02);  // A-ASSOCIATE-AC
    for (int fd : fds) ::close(fd);
}

TEST(SlowPeers, IdleAssociationAbortedAfterIdleTimeout) {
    EchoServer s([](net::AeConfig &c) { c.timeouts.idle_ms = 300; });
    int fd = raw_connect(s.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(raw_send(fd, net::encode_pdu(echo_rq("DCMKIT"))));
    ASSERT_EQ(raw_read(fd, 5000).type(), 0x02);
    ASSERT_TRUE(wait_until([&] { return s.server->active_associations() == 1; }, 2000));
    const Reply r = raw_read(fd, 5000);  // A-ABORT (PS3.8 Table 9-26)
    ::close(fd);
    ASSERT_EQ(r.kind, Reply::Pdu) << r.describe();
    EXPECT_EQ(r.type(), 0x07);
    EXPECT_GE(r.ms, 200);
    EXPECT_LT(r.ms, 2000);
    EXPECT_TRUE(wait_until([&] { return s.server->active_associations() == 0; }, 2000));
}
