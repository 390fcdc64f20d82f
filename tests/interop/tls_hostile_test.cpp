// Hostile peers against `dcmkit serve`: garbage where a TLS handshake belongs (random bytes, a
// record header announcing more than it sends, a ClientHello cut short, 16 KB of 16H), A-ASSOCIATE-RQ
// PDUs crafted byte by byte with malformed User Identity sub-items (PS3.8 9.3.2, PS3.7 D.3.3.7.1),
// testssl.sh's protocol scan, and a certificate seen as expired under faketime. Each time the
// server answers cleanly (A-ASSOCIATE-RJ, A-ABORT or a close within its request timeout), logs a
// line, and keeps serving. Certificates come from tests/support/make_test_pki.sh (openssl).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/net/tls.h"
#include "peer.h"

using dk_test::Child;
using dk_test::ProcResult;
using dk_test::run;
using dk_test::TempDir;
using dk_test::wait_until;

namespace {

const std::string kProject = std::string(DCMKIT_STANDARD_DIR) + "/../../..";  // core/data/standard

struct Pki {
    TempDir dir{"dcmkit-hostile-pki"};
    Pki() { dk_test::tool({"sh", kProject + "/tests/support/make_test_pki.sh", dir.path()}); }
    std::string operator()(const std::string &name) const { return dir / name; }
};

const Pki &pki() {
    static Pki p;
    return p;
}

std::string tls_config() {
    return "tls_key = " + pki()("server.key") + "\ntls_certificate = " + pki()("server.pem") + "\ntls_ca_file = " +
           pki()("ca.pem") + "\ncheck_called_ae = no\n";
}

/// `dcmkit serve --config` with a request timeout of 2 s.
uint16_t start_serve(Child &server, const TempDir &tmp, const std::string &config_text) {
    const std::string cfg = tmp / "serve.cfg";
    dk_test::write_bytes(cfg, config_text);
    return dk_test::start_server(server, [&](uint16_t p) {
        return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", tmp.sub("archive"),
                                        "--config", cfg, "--request-timeout", "2"};
    }, tmp / "serve.log");
}

int connect_to(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
}

void send_all(int fd, const std::vector<uint8_t> &bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;  // the server may close before reading it all
        sent += size_t(n);
    }
}

/// What the server sent until it closed the connection, and how long that took (-1: still open
/// after `timeout_ms`).
struct Answer {
    std::vector<uint8_t> bytes;
    double ms = -1;
};

Answer until_closed(int fd, int timeout_ms) {
    Answer a;
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(); };
    while (elapsed() < timeout_ms) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        uint8_t buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            a.bytes.insert(a.bytes.end(), buf, buf + n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        a.ms = elapsed();  // 0: closed; < 0: reset
        break;
    }
    ::close(fd);
    return a;
}

size_t count(const std::string &text, const std::string &what) {
    size_t n = 0;
    for (size_t p = 0; (p = text.find(what, p)) != std::string::npos; p += what.size()) ++n;
    return n;
}

/// Waits until the server's log holds more than `before` lines starting "W: " and containing `what`.
bool logged(const Child &server, const std::string &what, size_t before) {
    auto warnings = [&] {
        size_t n = 0;
        std::istringstream in(server.log());
        for (std::string line; std::getline(in, line);)
            if ((line.rfind("W: ", 0) == 0 || line.rfind("E: ", 0) == 0) && line.find(what) != std::string::npos) ++n;
        return n;
    };
    return wait_until([&] { return warnings() > before; }, 4000);
}

std::vector<std::string> echoscu_tls(uint16_t port) {
    return {"echoscu", "-to", "5", "+tls", pki()("client.key"), pki()("client.pem"), "+cf", pki()("ca.pem"), "127.0.0.1",
            std::to_string(port)};
}

#define REQUIRE_TLS()                                                                                     \
    do {                                                                                                  \
        if (!dcmkit::net::tls_available()) GTEST_SKIP() << "built without TLS";                           \
        if (!dk_test::have_tools({"openssl", "echoscu"})) GTEST_SKIP() << "openssl or DCMTK missing";      \
    } while (0)

// ================================================================================================
// Garbage in the handshake
// ================================================================================================

TEST(TlsHostile, GarbageInTheHandshakeIsRefusedLoggedAuditedAndTheServerKeepsServing) {
    REQUIRE_TLS();
    TempDir tmp("dcmkit-hostile");
    Child server;
    const uint16_t port = start_serve(server, tmp, tls_config() + "audit = file:" + (tmp / "audit.log") + "\n");
    ASSERT_NE(port, 0) << server.log();

    std::mt19937 rng(20261207);
    std::vector<uint8_t> random_bytes(4096);
    for (auto &b : random_bytes) b = uint8_t(rng());
    random_bytes[0] = 0x9C;  // not a DICOM PDU type: TLS garbage, not a plain DICOM peer
    // A TLS 1.2 ClientHello (RFC 5246 7.4.1.2) announcing 196 bytes, cut after its random.
    std::vector<uint8_t> hello = {0x16, 0x03, 0x01, 0x00, 0xC8, 0x01, 0x00, 0x00, 0xC4, 0x03, 0x03};
    for (int i = 0; i < 32; ++i) hello.push_back(uint8_t(rng()));
    struct Case {
        const char *name;
        std::vector<uint8_t> bytes;
        bool close_after_sending;
    };
    const std::vector<Case> cases = {
        {"random bytes", random_bytes, false},
        // A handshake record of 65535 bytes (more than the 2^14 + 2048 RFC 5246 6.2.3 allows), then nothing.
        {"a record header announcing 65535 bytes", {0x16, 0x03, 0x03, 0xFF, 0xFF}, false},
        // A record of the largest allowed size, then nothing: only the request timeout ends it.
        {"a record header announcing 16384 bytes", {0x16, 0x03, 0x01, 0x40, 0x00}, false},
        {"a ClientHello cut short, then closed", hello, true},
        {"16 KB of 16H", std::vector<uint8_t>(16384, 0x16), false},
    };
    size_t alerts_expected = 0;
    for (const Case &c : cases) {
        SCOPED_TRACE(c.name);
        const size_t before = count(server.log(), "TLS handshake with");
        const int fd = connect_to(port);
        ASSERT_GE(fd, 0);
        send_all(fd, c.bytes);
        if (c.close_after_sending) {
            ::close(fd);
        } else {
            const Answer a = until_closed(fd, 6000);
            EXPECT_GE(a.ms, 0) << "the server kept the connection open";
            EXPECT_LT(a.ms, 2000 + 1500) << "beyond the request timeout of 2 s";
            // No DICOM answer to what is not TLS (at most a TLS alert record, type 15H).
            if (!a.bytes.empty()) {
                EXPECT_EQ(a.bytes[0], 0x15);
            }
        }
        EXPECT_TRUE(wait_until([&] { return count(server.log(), "TLS handshake with") > before; }, 4000))
            << "no warning in the log:\n" << server.log();
        ++alerts_expected;
        ASSERT_TRUE(server.running()) << server.log();
    }
    const std::string log = server.log();
    EXPECT_NE(log.find("did not complete within 2000 ms"), std::string::npos) << log;
    EXPECT_NE(log.find("closed the connection inside the handshake"), std::string::npos) << log;
    for (const std::string &line : {std::string("W: "), std::string("TLS handshake with")})
        EXPECT_GE(count(log, line), alerts_expected) << log;

    // Still serving: a valid TLS echo.
    const ProcResult r = run(echoscu_tls(port), 20000);
    EXPECT_EQ(r.status, 0) << r.all() << server.log();
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();

    // Each failure is a Security Alert (PS3.15 A.5.3.11: EventID 110113, Node Authentication 110126).
    const std::string audit = dk_test::read_bytes(tmp / "audit.log");
    size_t alerts = 0;
    std::istringstream in(audit);
    for (std::string record; std::getline(in, record);)
        if (record.find("csd-code=\"110113\"") != std::string::npos && record.find("csd-code=\"110126\"") != std::string::npos &&
            record.find("TLS handshake with") != std::string::npos)
            ++alerts;
    EXPECT_EQ(alerts, alerts_expected) << audit;
    // The conformance statement of the same configuration says so.
    const ProcResult statement = run({DCMKIT_CLI, "conformance", "serve", "--config", tmp / "serve.cfg"});
    EXPECT_NE(statement.out.find("Security Alert (Node Authentication, Minor failure) for an association refused for its "
                                 "calling or called AE title, and for a failed TLS handshake"),
              std::string::npos)
        << statement.all();
}

// ================================================================================================
// Malformed User Identity sub-items, crafted byte by byte
// ================================================================================================

void put16(std::vector<uint8_t> &v, size_t n) {
    v.push_back(uint8_t(n >> 8));
    v.push_back(uint8_t(n));
}
void put_str(std::vector<uint8_t> &v, const std::string &s) { v.insert(v.end(), s.begin(), s.end()); }

/// An item or sub-item: type, reserved, 2-byte length (or `length` when given), value.
std::vector<uint8_t> item(uint8_t type, const std::vector<uint8_t> &value, long length = -1) {
    std::vector<uint8_t> v = {type, 0};
    put16(v, length < 0 ? value.size() : size_t(length));
    v.insert(v.end(), value.begin(), value.end());
    return v;
}
std::vector<uint8_t> bytes_of(const std::string &s) { return {s.begin(), s.end()}; }

/// The User Identity Negotiation sub-item (PS3.7 Table D.3-14): 58H, reserved, item length, user
/// identity type, positive response requested, primary field length, primary field, secondary
/// field length, secondary field. `primary_length`/`sub_item_length` override the true lengths.
std::vector<uint8_t> user_identity(uint8_t type, const std::string &primary, const std::string &secondary,
                                   long primary_length = -1, long sub_item_length = -1) {
    std::vector<uint8_t> v = {type, 1};
    put16(v, primary_length < 0 ? primary.size() : size_t(primary_length));
    put_str(v, primary);
    put16(v, secondary.size());
    put_str(v, secondary);
    return item(0x58, v, sub_item_length);
}

/// An A-ASSOCIATE-RQ (PS3.8 9.3.2) for Verification with `identity` in its User Information item.
std::vector<uint8_t> associate_rq(const std::vector<uint8_t> &identity, std::string calling = "HOSTILE") {
    std::vector<uint8_t> body = {0x00, 0x01, 0x00, 0x00};  // protocol version 1, reserved
    std::string called = "ARCH";
    called.resize(16, ' ');
    calling.resize(16, ' ');
    put_str(body, called);
    put_str(body, calling);
    body.insert(body.end(), 32, 0);
    const auto app = item(0x10, bytes_of("1.2.840.10008.3.1.1.1"));
    body.insert(body.end(), app.begin(), app.end());
    std::vector<uint8_t> pc = {1, 0, 0, 0};
    for (const auto &sub : {item(0x30, bytes_of("1.2.840.10008.1.1")), item(0x40, bytes_of("1.2.840.10008.1.2"))})
        pc.insert(pc.end(), sub.begin(), sub.end());
    const auto pci = item(0x20, pc);
    body.insert(body.end(), pci.begin(), pci.end());
    std::vector<uint8_t> ui = item(0x51, {0x00, 0x00, 0x40, 0x00});
    const auto impl = item(0x52, bytes_of("1.2.3.4"));
    ui.insert(ui.end(), impl.begin(), impl.end());
    ui.insert(ui.end(), identity.begin(), identity.end());
    const auto uii = item(0x50, ui);
    body.insert(body.end(), uii.begin(), uii.end());
    const size_t n = body.size();
    const uint8_t header[6] = {0x01, 0x00, uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
    body.insert(body.begin(), header, header + 6);
    return body;
}

TEST(TlsHostile, MalformedUserIdentitiesGetACleanRefusalAndALogLine) {
    TempDir tmp("dcmkit-hostile-identity");
    const std::string users = tmp / "users.txt", secret = tmp / "hs256.key";
    const ProcResult pw = run({DCMKIT_CLI, "passwd", users, "alice", "--password", "alice-pw"});
    ASSERT_EQ(pw.status, 0) << pw.all();
    dk_test::write_bytes(secret, "a shared secret of the test\n");
    Child server;
    const uint16_t port = start_serve(server, tmp, "ae_title = ARCH\nidentity = required\nidentity_password_file = " + users +
                                                       "\nidentity_jwt_secret_file = " + secret + "\n");
    ASSERT_NE(port, 0) << server.log();

    // The User Information item's length is 16 bits: 65506 bytes of primary field fill it.
    std::string garbage(65506, '\0');
    std::mt19937 rng(7);
    for (char &c : garbage) c = char(0x21 + rng() % 94);
    const std::vector<uint8_t> valid = associate_rq(user_identity(2, "alice", "alice-pw"));
    struct Case {
        const char *name;
        std::vector<uint8_t> pdu;
        const char *logged;  // a part of the log line it causes
    };
    const std::vector<Case> cases = {
        {"primary field length larger than the sub-item", associate_rq(user_identity(2, "alice", "alice-pw", 1000)),
         "length 1000 runs past its sub-item"},
        {"65506 bytes of garbage as a JWT (type 5)", associate_rq(user_identity(5, garbage, "")), "not a compact JWS"},
        {"a primary field length of 65535 in a full sub-item", associate_rq(user_identity(5, garbage, "", 65535)),
         "length 65535 runs past its sub-item"},
        {"username and passcode (type 2) with an empty passcode", associate_rq(user_identity(2, "alice", "")),
         "wrong password or unknown user 'alice'"},
        {"unknown user identity type 9", associate_rq(user_identity(9, "alice", "alice-pw")), "(type 9)"},
        {"a sub-item length running past the User Information item", associate_rq(user_identity(2, "alice", "alice-pw", -1, 300)),
         "item 58H length 300 runs past its container"},
        // A user name with a line break must not forge a log line of its own.
        {"a user name with a line break", associate_rq(user_identity(2, "mallory\nW: forged line", "x")),
         "the user name 'mallory\\x0AW: forged line' holds control characters"},
        {"a calling AE title with a line break", associate_rq(user_identity(2, "alice", "alice-pw"), "EVIL\nW: forged"),
         "the calling AE title holds the control character 0AH"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.name);
        const size_t before = count(server.log(), c.logged);
        const int fd = connect_to(port);
        ASSERT_GE(fd, 0);
        send_all(fd, c.pdu);
        const Answer a = until_closed(fd, 8000);
        EXPECT_GE(a.ms, 0) << "the server kept the connection open";
        // A-ASSOCIATE-RJ (03H, 10 bytes) or A-ABORT (07H, 10 bytes), nothing else.
        ASSERT_EQ(a.bytes.size(), 10u) << server.log();
        EXPECT_TRUE(a.bytes[0] == 0x03 || a.bytes[0] == 0x07) << int(a.bytes[0]);
        EXPECT_TRUE(wait_until([&] { return count(server.log(), c.logged) > before; }, 4000)) << server.log();
        ASSERT_TRUE(server.running()) << server.log();
    }
    EXPECT_EQ(server.log().find("\nW: forged"), std::string::npos) << server.log();

    // Still serving: the same request with a good identity is accepted (A-ASSOCIATE-AC, 02H).
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0);
    send_all(fd, valid);
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 10000), 1);
    uint8_t type = 0;
    ASSERT_EQ(::recv(fd, &type, 1, 0), 1);
    EXPECT_EQ(type, 0x02) << server.log();
    send_all(fd, {0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0});  // A-ABORT
    ::close(fd);
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
}

// ================================================================================================
// testssl.sh
// ================================================================================================

TEST(TlsHostile, TestsslFindsOnlyTls12AndLaterOffered) {
    REQUIRE_TLS();
    std::string testssl = dk_test::have_tools({"testssl"}) ? "testssl" : dk_test::have_tools({"testssl.sh"}) ? "testssl.sh" : "";
    if (testssl.empty()) GTEST_SKIP() << "testssl.sh not installed (apt-get install testssl.sh)";
    TempDir tmp("dcmkit-testssl");
    Child server;
    // testssl.sh brings no client certificate: the server asks for one but lets a client without in.
    const uint16_t port = start_serve(server, tmp, tls_config() + "tls_peer_certificate = verify\n");
    ASSERT_NE(port, 0) << server.log();
    const ProcResult r = run({testssl, "--quiet", "--color", "0", "--warnings", "off", "--protocols", "--std", "--ip", "one",
                              "127.0.0.1:" + std::to_string(port)},
                             120000);
    const std::string out = r.out;
    auto line = [&](const std::string &name) {
        std::istringstream in(out);
        for (std::string l; std::getline(in, l);) {
            const size_t at = l.find_first_not_of(' ');
            if (at != std::string::npos && l.compare(at, name.size() + 1, name + " ") == 0) return l;
        }
        return std::string();
    };
    for (const char *old : {"SSLv2", "SSLv3", "TLS 1", "TLS 1.1"})
        EXPECT_NE(line(old).find("not offered"), std::string::npos) << old << ":\n" << out;
    EXPECT_NE(line("TLS 1.2").find("offered (OK)"), std::string::npos) << out;
    EXPECT_EQ(line("TLS 1.2").find("not offered"), std::string::npos) << out;
    EXPECT_NE(line("TLS 1.3").find("offered (OK)"), std::string::npos) << out;
    // Standard cipher categories: no NULL, anonymous, export, 64-bit block or RC4 suite; AEAD offered.
    for (const char *bad : {"NULL ciphers (no encryption)", "Anonymous NULL Ciphers", "Export ciphers", "LOW: 64 Bit",
                            "Triple DES Ciphers", "Obsolete CBC ciphers"})
        if (!line(bad).empty()) {
            EXPECT_NE(line(bad).find("not offered"), std::string::npos) << bad << ":\n" << out;
        }
    EXPECT_NE(line("Strong encryption (AEAD ciphers)").find("offered (OK)"), std::string::npos) << out;
    std::printf("[ figures  ] testssl.sh --protocols --std: %.1f s\n", r.ms / 1000.0);
    EXPECT_TRUE(server.running()) << server.log();
    server.stop(SIGTERM);
}

// ================================================================================================
// An expired certificate, by the clock (faketime)
// ================================================================================================

TEST(TlsHostile, ACertificateSeenAfterItsExpiryIsRefusedWithAClearReason) {
    REQUIRE_TLS();
    if (!dk_test::have_tools({"faketime"})) GTEST_SKIP() << "faketime not installed (apt-get install faketime)";
    TempDir tmp("dcmkit-faketime");
    Child server;
    const uint16_t port = start_serve(server, tmp, tls_config());
    ASSERT_NE(port, 0) << server.log();
    const std::vector<std::string> echo = {DCMKIT_CLI, "echo", "127.0.0.1", std::to_string(port), "-to", "10", "+tls",
                                           pki()("client.key"), pki()("client.pem"), "+cf", pki()("ca.pem")};
    // Today the certificates (30 days) are valid…
    ProcResult r = run(echo, 20000);
    ASSERT_EQ(r.status, 0) << r.all() << server.log();
    // …two years on, our SCU finds the server's certificate expired and says so.
    std::vector<std::string> later = {"faketime", "+2 years"};
    later.insert(later.end(), echo.begin(), echo.end());
    r = run(later, 20000);
    EXPECT_NE(r.status, 0) << r.all();
    EXPECT_NE(r.all().find("certificate has expired (renew the certificate, or check the clocks)"), std::string::npos)
        << r.all();
    // The server, in its own time, logged the client's refusal and goes on.
    EXPECT_TRUE(logged(server, "TLS handshake with", 0)) << server.log();
    r = run(echo, 20000);
    EXPECT_EQ(r.status, 0) << r.all() << server.log();
    server.stop(SIGTERM);
}

}  // namespace
