// Hostile and careless peers against `dcmkit serve` and `dcmkit recv`: connections that trickle
// or never send their A-ASSOCIATE-RQ must not lock real clients out (nor cost threads or keep
// memory), idle associations are aborted after the idle timeout, malformed presentation context
// lists (PS3.8 7.1.1.13, 9.3.2.2) are refused, the Called AE Title is checked. Peers: raw sockets
// crafting PDU bytes, our SCU, DCMTK's echoscu. Per-address limits: tests/unit/server_limits_test.
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
#include "dcmkit/services/services.h"
#include "peer.h"
#include "raw_peer.h"

using namespace dcmkit;
namespace net = dcmkit::net;
using dk_test::Child;
using dk_test::Clock;
using dk_test::ms_since;
using dk_test::TempDir;
using dk_test::wait_until;

namespace {

using namespace dk_test::raw;

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
