// The network layer against real peers on 127.0.0.1: DCMTK's echoscu, storescu and storescp
// against dcmkit's SCP (the in-process net::Server and the `dcmkit recv` binary) and SCU
// (net::Association with net::echo / net::store_file, and the `dcmkit echo` / `dcmkit send`
// binaries); negotiation outcomes as the peers report them; PDU sizes seen on the wire; aborted and
// dropped transfers; many concurrent associations; and malformed PDUs from a raw socket.
//
// Golden values come from the standard (PS3.8 Tables 9-10, 9-21, 9-26, PS3.8 Annex D) or from
// DCMTK (what storescp stores and dcmdump prints, what echoscu/storescu report), never from dcmkit.
//
// Rules: 127.0.0.1 only (storescp 3.6.7 cannot bind one address: it listens on every address, and
// the tests only ever connect to 127.0.0.1); ports from the kernel (port 0 for our servers; for
// DCMTK's, a port bound to 0 and released, retried when taken); DCMTK peers run with TCP_NODELAY=1;
// every wait has a deadline; only the processes started here are signalled, by PID; the temporary
// folder is removed at the end. Skipped when the DCMTK tools are not on PATH.
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/dimse.h"
#include "dcmkit/net/pdu.h"
#include "dcmkit/services/services.h"
#include "dcmkit/net/transport.h"
#include "peer.h"
#include "raw_peer.h"

extern char **environ;

using namespace dcmkit;
namespace net = dcmkit::net;
using dk_test::Clock;

namespace {

constexpr const char *kVerification = "1.2.840.10008.1.1";
constexpr const char *kCtImage = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char *kImplicit = "1.2.840.10008.1.2";
constexpr const char *kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char *kDeflated = "1.2.840.10008.1.2.1.99";
constexpr const char *kExplicitBE = "1.2.840.10008.1.2.2";
constexpr const char *kRle = "1.2.840.10008.1.2.5";

using dk_test::Child;
using dk_test::find_on_path;
using dk_test::ms_since;
using dk_test::pick_free_port;
using dk_test::shell_words;
using dk_test::ProcResult;
using dk_test::start_server;
using dk_test::TempDir;
using dk_test::wait_until;

/// A tool run (no shell, TCP_NODELAY=1) killed by its PID after `timeout_ms`.
ProcResult run(const std::vector<std::string> &argv, int timeout_ms = 30000) { return dk_test::run(argv, timeout_ms); }

std::vector<std::string> list_dir(const std::string &dir) {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string read_text(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_text(const std::string &path, const std::string &s) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << s;
}

std::vector<uint8_t> dataset_bytes(const std::string &path) {
    DicomFile f = read_file(path, [] {
        ReadOptions o;
        o.stop_before_pixels = true;
        return o;
    }());
    const std::string all = read_text(path);
    return std::vector<uint8_t>(all.begin() + std::ptrdiff_t(f.dataset_offset), all.end());
}

/// dcmdump's rendering of the data set (not the meta header), every value in full.
std::string dcmdump_dataset(const std::string &path) {
    ProcResult r = run({"dcmdump", "-q", "+L", path});
    if (r.status != 0) return "dcmdump failed (" + std::to_string(r.status) + "): " + r.err;
    const size_t at = r.out.find("# Dicom-Data-Set");
    if (at == std::string::npos) return "no data set in: " + r.out;
    const size_t body = r.out.find('\n', r.out.find("# Used TransferSyntax", at));
    return r.out.substr(body + 1);
}

std::string uid_of(const Dataset &ds, Tag t) {
    const Element *e = ds.find(t);
    return e ? std::string(trim_value(e->value.str(), VR::UI)) : std::string();
}

// =================================================================================================
// The corpus, made once with DCMTK's tools
// =================================================================================================

struct Sample {
    std::string name, path, ts, sop_instance;
};

struct Corpus {
    TempDir dir;
    std::string error;                 ///< why it could not be made
    std::vector<Sample> syntaxes;      ///< one small CT in each of: implicit, explicit LE, explicit BE, deflated, RLE
    std::string syntax_dir;            ///< a folder holding just those five
    std::string big;                   ///< 2 MB of pixel data, explicit VR little endian
    std::string huge;                  ///< 32 MB of pixel data, explicit VR little endian
    std::string scu_cfg;               ///< storescu -xf profile: one context per syntax, profile "All"
    std::string not_dicom;
};

const char *kDcmtkTools[] = {"echoscu", "storescu", "storescp", "dump2dcm", "dcmconv", "dcmcrle", "dcmdrle", "dcmdump"};

bool have_dcmtk() {
    for (const char *t : kDcmtkTools)
        if (find_on_path(t).empty()) return false;
    return true;
}

std::string ct_dump(const std::string &instance, int rows, int cols, const std::string &pixel_file) {
    std::string s;
    s += "(0008,0016) UI [" + std::string(kCtImage) + "]\n";
    s += "(0008,0018) UI [" + instance + "]\n";
    s += "(0008,0020) DA [20240102]\n(0008,0060) CS [CT]\n(0008,103e) LO [network test]\n";
    s += "(0010,0010) PN [Doe^John]\n(0010,0020) LO [P1]\n(0018,0050) DS [1.25]\n";
    s += "(0020,000d) UI [1.2.826.0.1.3680043.10.1]\n(0020,000e) UI [1.2.826.0.1.3680043.10.2]\n";
    s += "(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n";
    s += "(0028,0010) US " + std::to_string(rows) + "\n(0028,0011) US " + std::to_string(cols) + "\n";
    s += "(0028,0100) US 16\n(0028,0101) US 12\n(0028,0102) US 11\n(0028,0103) US 1\n";
    s += "(0028,1052) DS [-1024]\n(0028,1053) DS [1]\n";
    s += "(7fe0,0010) OW =" + pixel_file + "\n";
    return s;
}

void write_pixels(const std::string &path, size_t bytes) {
    std::vector<uint8_t> b(bytes);
    uint32_t x = 2463534242u;  // xorshift: not compressible to nothing, yet reproducible
    for (size_t i = 0; i < bytes; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = uint8_t(x >> 7) & 0x0F;  // 12 bits stored
        if (i & 1) b[i] = uint8_t(x) & 0x0F;
    }
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char *>(b.data()), std::streamsize(b.size()));
}

const Corpus &corpus() {
    // Destroyed at exit, which removes its folder.
    static const std::unique_ptr<Corpus> c = [] {
        auto k = std::make_unique<Corpus>();
        const std::string d = k->dir.path();
        auto tool = [&](const std::vector<std::string> &argv) {
            if (!k->error.empty()) return false;
            ProcResult r = run(argv, 60000);
            if (r.status != 0) k->error = shell_words(argv) + " failed (" + std::to_string(r.status) + "): " + r.all();
            return r.status == 0;
        };
        write_pixels(d + "/small.raw", 16 * 16 * 2);
        write_pixels(d + "/big.raw", 1024 * 1024 * 2);
        write_pixels(d + "/huge.raw", 4096 * 4096 * 2);
        struct V {
            const char *name, *ts;
            std::vector<std::string> conv;  // how to get it from the explicit LE base
        };
        const std::vector<V> variants = {
            {"ti", kImplicit, {"dcmconv", "-q", "+ti"}},
            {"te", kExplicitLE, {}},
            {"tb", kExplicitBE, {"dcmconv", "-q", "+tb"}},
            {"td", kDeflated, {"dcmconv", "-q", "+td"}},
            {"rle", kRle, {"dcmcrle", "-q"}},
        };
        k->syntax_dir = k->dir.sub("syntaxes");
        int n = 0;
        for (const auto &v : variants) {
            const std::string instance = "1.2.826.0.1.3680043.10.3." + std::to_string(++n);
            const std::string base = d + "/" + v.name + ".base.dcm", out = k->syntax_dir + "/" + v.name + ".dcm";
            write_text(d + "/" + v.name + ".dump", ct_dump(instance, 16, 16, d + "/small.raw"));
            tool({"dump2dcm", "-q", "+te", d + "/" + v.name + ".dump", v.conv.empty() ? out : base});
            if (!v.conv.empty()) {
                std::vector<std::string> argv = v.conv;
                argv.push_back(base);
                argv.push_back(out);
                tool(argv);
            }
            k->syntaxes.push_back({v.name, out, v.ts, instance});
        }
        write_text(d + "/big.dump", ct_dump("1.2.826.0.1.3680043.10.4.1", 1024, 1024, d + "/big.raw"));
        k->big = d + "/big.dcm";
        tool({"dump2dcm", "-q", "+te", d + "/big.dump", k->big});
        write_text(d + "/huge.dump", ct_dump("1.2.826.0.1.3680043.10.4.2", 4096, 4096, d + "/huge.raw"));
        k->huge = d + "/huge.dcm";
        tool({"dump2dcm", "-q", "+te", d + "/huge.dump", k->huge});
        ::unlink((d + "/huge.raw").c_str());
        // storescu association profile: every syntax in a presentation context of its own, so each
        // file goes in its own syntax on one association (storescu's default would propose only
        // the uncompressed ones, and combine big endian with implicit).
        k->scu_cfg = d + "/scu.cfg";
        write_text(k->scu_cfg,
                   "[[TransferSyntaxes]]\n[TI]\nTransferSyntax1 = LittleEndianImplicit\n[TE]\nTransferSyntax1 = "
                   "LittleEndianExplicit\n[TB]\nTransferSyntax1 = BigEndianExplicit\n[TD]\nTransferSyntax1 = "
                   "DeflatedLittleEndianExplicit\n[TR]\nTransferSyntax1 = RLELossless\n\n[[PresentationContexts]]\n"
                   "[CTAll]\nPresentationContext1 = CTImageStorage\\TI\nPresentationContext2 = CTImageStorage\\TE\n"
                   "PresentationContext3 = CTImageStorage\\TB\nPresentationContext4 = CTImageStorage\\TD\n"
                   "PresentationContext5 = CTImageStorage\\TR\n\n[[Profiles]]\n[All]\nPresentationContexts = CTAll\n");
        k->not_dicom = d + "/not-dicom.txt";
        write_text(k->not_dicom, "hello\n");
        // Every file must be what it says.
        for (const auto &s : k->syntaxes) {
            if (!k->error.empty()) break;
            try {
                DicomFile f = read_file(s.path);
                if (f.transfer_syntax != s.ts) k->error = s.path + " is in " + f.transfer_syntax + ", not " + s.ts;
            } catch (const std::exception &e) {
                k->error = s.path + ": " + e.what();
            }
        }
        return k;
    }();
    return *c;
}

#define REQUIRE_DCMTK()                                                                   \
    do {                                                                                  \
        if (!have_dcmtk()) GTEST_SKIP() << "DCMTK command-line tools (dcmtk) not on PATH"; \
        ASSERT_TRUE(corpus().error.empty()) << corpus().error;                            \
    } while (0)

/// Compares each stored file (found by SOP Instance UID in `folder`) with its original: the data
/// set as dcmkit reads it, the data set as dcmdump prints it, and — when `same_syntax` — the
/// transfer syntax and, for non-deflated syntaxes, the data set bytes.
void expect_stored_equal(const std::string &folder, const std::vector<Sample> &originals, bool same_syntax) {
    std::map<std::string, std::string> by_uid;
    for (const auto &name : list_dir(folder)) {
        const std::string p = folder + "/" + name;
        try {
            ReadOptions o;
            o.stop_before_pixels = true;
            by_uid[uid_of(read_file(p, o).dataset, tags::SOPInstanceUID)] = p;
        } catch (const std::exception &e) {
            ADD_FAILURE() << p << " is not readable: " << e.what();
        }
    }
    for (const auto &s : originals) {
        SCOPED_TRACE(s.name);
        auto it = by_uid.find(s.sop_instance);
        ASSERT_NE(it, by_uid.end()) << "no file for " << s.sop_instance << " in " << folder;
        const DicomFile original = read_file(s.path), stored = read_file(it->second);
        std::string why;
        EXPECT_TRUE(stored.dataset.equals(original.dataset, &why)) << why;
        EXPECT_EQ(dcmdump_dataset(it->second), dcmdump_dataset(s.path));
        if (same_syntax) {
            EXPECT_EQ(stored.transfer_syntax, s.ts);
            if (s.ts != kDeflated) {
                EXPECT_TRUE(dataset_bytes(it->second) == dataset_bytes(s.path)) << "data set bytes differ";
            }
        }
        // Part 10 meta of the stored file names the instance (PS3.10 7.1).
        EXPECT_EQ(uid_of(stored.meta, tags::MediaStorageSOPInstanceUID), s.sop_instance);
        EXPECT_EQ(uid_of(stored.meta, tags::MediaStorageSOPClassUID), kCtImage);
    }
}

// =================================================================================================
// PDUs on the wire
// =================================================================================================

/// Follows a byte stream PDU by PDU, recording (type, PDU-length) pairs.
class PduLog {
public:
    void feed(const uint8_t *d, size_t n) {
        std::lock_guard<std::mutex> lock(m_);
        while (n > 0) {
            if (skip_ > 0) {
                const size_t take = size_t(std::min<uint64_t>(skip_, n));
                skip_ -= take;
                d += take;
                n -= take;
                continue;
            }
            hdr_[have_++] = *d++;
            --n;
            if (have_ == 6) {
                const uint32_t len = uint32_t(hdr_[2]) << 24 | uint32_t(hdr_[3]) << 16 | uint32_t(hdr_[4]) << 8 | hdr_[5];
                pdus_.emplace_back(hdr_[0], len);
                skip_ = len;
                have_ = 0;
            }
        }
    }
    std::vector<std::pair<uint8_t, uint32_t>> pdus() const {
        std::lock_guard<std::mutex> lock(m_);
        return pdus_;
    }
    std::vector<uint32_t> lengths(uint8_t type) const {
        std::vector<uint32_t> v;
        for (const auto &[t, l] : pdus())
            if (t == type) v.push_back(l);
        return v;
    }
    uint32_t max_length(uint8_t type) const {
        auto v = lengths(type);
        return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    }

private:
    mutable std::mutex m_;
    uint8_t hdr_[6] = {};
    size_t have_ = 0;
    uint64_t skip_ = 0;
    std::vector<std::pair<uint8_t, uint32_t>> pdus_;
};

/// A transport that records the PDUs going each way, and can write raw bytes past the association.
class SniffTransport final : public net::Transport {
public:
    SniffTransport(std::unique_ptr<net::Transport> inner, PduLog *sent, PduLog *received)
        : inner_(std::move(inner)), sent_(sent), received_(received) {}
    size_t read_some(uint8_t *data, size_t size, int timeout_ms) override {
        const size_t n = inner_->read_some(data, size, timeout_ms);
        if (received_ && n) received_->feed(data, n);
        return n;
    }
    void write_all(const uint8_t *data, size_t size, int timeout_ms) override {
        if (sent_) sent_->feed(data, size);
        inner_->write_all(data, size, timeout_ms);
    }
    void close() noexcept override { inner_->close(); }
    std::string peer() const override { return inner_->peer(); }
    void raw_write(const std::vector<uint8_t> &b) { write_all(b.data(), b.size(), 5000); }

private:
    std::unique_ptr<net::Transport> inner_;
    PduLog *sent_, *received_;
};

/// A TCP relay on 127.0.0.1 between one client and `target`, recording the PDUs each way. With
/// `stall_after`, it stops reading from the client once that many bytes went through (the client
/// then blocks in the middle of its message).
class Proxy {
public:
    explicit Proxy(uint16_t target, uint64_t stall_after = UINT64_MAX) : target_(target), stall_after_(stall_after) {
        listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listen_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(listen_, 4) != 0) return;
        socklen_t len = sizeof a;
        ::getsockname(listen_, reinterpret_cast<sockaddr *>(&a), &len);
        port_ = ntohs(a.sin_port);
        if (::pipe2(wake_, O_CLOEXEC) != 0) return;
        thread_ = std::thread([this] { relay(); });
    }
    ~Proxy() {
        stop();
        if (thread_.joinable()) thread_.join();
        for (int fd : {listen_, wake_[0], wake_[1]})
            if (fd >= 0) ::close(fd);
    }
    uint16_t port() const { return port_; }
    /// Closes both connections now.
    void stop() {
        if (wake_[1] >= 0) {
            char b = 1;
            ssize_t ignored = ::write(wake_[1], &b, 1);
            (void)ignored;
        }
    }
    PduLog up, down;  ///< client → target, target → client
    std::atomic<uint64_t> up_bytes{0};
    std::atomic<bool> stalled{false}, done{false};

private:
    static bool send_all(int fd, const uint8_t *d, size_t n) {
        while (n > 0) {
            ssize_t w = ::send(fd, d, n, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return false;
            d += w;
            n -= size_t(w);
        }
        return true;
    }
    void relay() {
        int client = -1, server = -1;
        pollfd lp[2] = {{listen_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(lp, 2, 30000) > 0 && (lp[0].revents & POLLIN)) client = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client >= 0) {
            server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            a.sin_port = htons(target_);
            int one = 1;
            ::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (::connect(server, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
                ::close(server);
                server = -1;
            }
        }
        std::vector<uint8_t> buf(1 << 16);
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        while (client >= 0 && server >= 0 && Clock::now() < deadline) {
            pollfd p[3] = {{client, short(stalled ? 0 : POLLIN), 0}, {server, POLLIN, 0}, {wake_[0], POLLIN, 0}};
            if (::poll(p, 3, 200) < 0 && errno != EINTR) break;
            if (p[2].revents) break;
            if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                size_t want = buf.size();
                if (stall_after_ != UINT64_MAX) want = size_t(std::min<uint64_t>(want, stall_after_ - up_bytes));
                ssize_t n = want ? ::recv(client, buf.data(), want, 0) : 0;
                if (n <= 0 && !(n < 0 && errno == EINTR)) break;
                if (n > 0) {
                    up.feed(buf.data(), size_t(n));
                    if (!send_all(server, buf.data(), size_t(n))) break;
                    up_bytes += uint64_t(n);
                    if (up_bytes >= stall_after_) stalled = true;
                }
            }
            if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = ::recv(server, buf.data(), buf.size(), 0);
                if (n <= 0 && !(n < 0 && errno == EINTR)) break;
                if (n > 0) {
                    down.feed(buf.data(), size_t(n));
                    if (!send_all(client, buf.data(), size_t(n))) break;
                }
            }
        }
        if (client >= 0) ::close(client);
        if (server >= 0) ::close(server);
        done = true;
    }

    uint16_t target_;
    uint64_t stall_after_;
    int listen_ = -1, wake_[2] = {-1, -1};
    uint16_t port_ = 0;
    std::thread thread_;
};

// =================================================================================================
// Our side
// =================================================================================================

/// Collects a server's log lines (thread-safe) instead of printing them.
struct LogLines {
    std::mutex m;
    std::vector<std::string> lines;
    net::LogSink sink() {
        return [this](net::LogLevel, const std::string &s) {
            std::lock_guard<std::mutex> lock(m);
            lines.push_back(s);
        };
    }
    std::string text() {
        std::lock_guard<std::mutex> lock(m);
        std::string s;
        for (const auto &l : lines) s += l + "\n";
        return s;
    }
};

net::AeConfig server_config(LogLines &log) {
    net::AeConfig c;
    c.ae_title = "DCMKIT";
    c.add_verification();
    c.add_all_storage();
    c.check_called_ae = false;  // like storescp: DCMTK tools call ANY-SCP by default
    c.timeouts.connect_ms = 5000;
    c.timeouts.artim_ms = 2000;
    c.timeouts.dimse_ms = 10000;
    c.timeouts.idle_ms = 10000;
    c.log = log.sink();
    c.log_level = net::LogLevel::info;
    return c;
}

net::AeConfig scu_config(const std::string &aet = "NETTEST") {
    net::AeConfig c;
    c.ae_title = aet;
    c.timeouts.connect_ms = 5000;
    c.timeouts.artim_ms = 5000;
    c.timeouts.dimse_ms = 10000;
    c.log_level = net::LogLevel::error;
    c.log = [](net::LogLevel, const std::string &) {};
    return c;
}

/// An in-process SCP storing into `folder` (fsync off: the tests do not pull the plug).
struct OurServer {
    LogLines log;
    std::shared_ptr<net::StorageFolder> storage;
    std::unique_ptr<net::Server> server;
    std::mutex m;
    std::vector<std::string> accepted_syntaxes;  ///< transfer syntax of each C-STORE, in order

    OurServer(const std::string &folder, const std::function<void(net::AeConfig &)> &tune = {}) {
        net::AeConfig c = server_config(log);
        if (tune) tune(c);
        storage = std::make_shared<net::StorageFolder>(folder, false);
        net::ServiceHandlers h;
        h.on_store = [this](net::StoreRequest &rq) {
            {
                std::lock_guard<std::mutex> lock(m);
                accepted_syntaxes.push_back(rq.transfer_syntax);
            }
            return storage->receive(rq);
        };
        server = std::make_unique<net::Server>(c, h);
        server->start("127.0.0.1", 0);
    }
    uint16_t port() const { return server->port(); }
    std::vector<std::string> syntaxes() {
        std::lock_guard<std::mutex> lock(m);
        return accepted_syntaxes;
    }
    bool idle(int timeout_ms = 10000) {
        return wait_until([&] { return server->active_associations() == 0; }, timeout_ms);
    }
};

std::string dcmkit_cli() { return DCMKIT_CLI; }

/// A small CT instance in memory.
DicomFile make_instance(const std::string &instance) {
    DicomFile f;
    f.transfer_syntax = kExplicitLE;
    Dataset &d = f.dataset;
    d.set_string(tags::SOPClassUID, kCtImage, VR::UI);
    d.set_string(tags::SOPInstanceUID, instance, VR::UI);
    d.set_string(Tag(0x0010, 0x0010), "Concurrent^Test", VR::PN);
    d.set_int(Tag(0x0028, 0x0010), 8, VR::US);
    d.set_int(Tag(0x0028, 0x0011), 8, VR::US);
    d.set_int(Tag(0x0028, 0x0100), 16, VR::US);
    std::vector<uint8_t> px(128);
    for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t(i * 7);
    d.set_bytes(tags::PixelData, VR::OW, Bytes(std::move(px)));
    return f;
}

// =================================================================================================
// DCMTK peers against our SCP
// =================================================================================================

TEST(DcmtkToOurScp, EchoscuAgainstInProcessServer) {
    REQUIRE_DCMTK();
    TempDir tmp;
    OurServer s(tmp.sub("in"));
    const std::string port = std::to_string(s.port());
    ProcResult r = run({"echoscu", "-v", "-to", "5", "-ta", "5", "-td", "5", "--repeat", "3", "127.0.0.1", port}, 20000);
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.all().find("Received Echo Response (Success)"), std::string::npos) << r.all();
    // A second, separate association on the same server.
    r = run({"echoscu", "-to", "5", "-ta", "5", "127.0.0.1", port}, 20000);
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_TRUE(s.idle());
    EXPECT_GE(s.server->associations_served(), 2u);
}

TEST(DcmtkToOurScp, StorescuEverySyntaxInOneAssociation) {
    REQUIRE_DCMTK();
    TempDir tmp;
    const std::string in = tmp.sub("in");
    OurServer s(in);
    std::vector<std::string> argv = {"storescu", "-v", "-to", "5", "-ta", "5", "-td", "10", "-xf", corpus().scu_cfg,
                                     "All", "127.0.0.1", std::to_string(s.port())};
    for (const auto &f : corpus().syntaxes) argv.push_back(f.path);
    ProcResult r = run(argv, 30000);
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(r.all().find("Converting transfer syntax: Little Endian Implicit -> Little Endian Explicit"), std::string::npos);
    ASSERT_TRUE(s.idle());
    EXPECT_EQ(s.server->associations_served(), 1u) << "five files, one association";
    // Each went in its own syntax…
    std::vector<std::string> want;
    for (const auto &f : corpus().syntaxes) want.push_back(f.ts);
    EXPECT_EQ(s.syntaxes(), want);
    // …and was stored as sent.
    EXPECT_EQ(list_dir(in).size(), corpus().syntaxes.size());
    expect_stored_equal(in, corpus().syntaxes, /*same_syntax=*/true);
}

TEST(DcmtkToOurScp, RecvBinaryServesEchoscuAndStorescu) {
    REQUIRE_DCMTK();
    TempDir tmp;
    const std::string in = tmp.sub("in");
    Child recv;
    const uint16_t port = start_server(
        recv, [&](uint16_t p) { return std::vector<std::string>{dcmkit_cli(), "recv", std::to_string(p), "--out", in,
                                                                "--bind", "127.0.0.1", "-to", "5", "-ta", "10"}; },
        tmp.path() + "/recv.log");
    ASSERT_NE(port, 0) << recv.log();
    // Sequential associations, each answered promptly (a server that swallowed a worker wake-up
    // left every second association waiting; echoscu's ACSE timeout is 5 s here).
    for (int i = 0; i < 4; ++i) {
        ProcResult r = run({"echoscu", "-to", "5", "-ta", "5", "-td", "5", "127.0.0.1", std::to_string(port)}, 20000);
        EXPECT_EQ(r.status, 0) << "echo " << i << ": " << r.all();
        EXPECT_LT(r.ms, 3000) << "echo " << i << " took " << r.ms << " ms";
    }
    std::vector<std::string> argv = {"storescu", "-to", "5", "-ta", "5", "-td", "10", "-xf", corpus().scu_cfg, "All",
                                     "127.0.0.1", std::to_string(port)};
    for (const auto &f : corpus().syntaxes) argv.push_back(f.path);
    ProcResult r = run(argv, 30000);
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(recv.stop(SIGTERM, 10000), 0) << recv.log();
    EXPECT_FALSE(recv.stop_timed_out()) << "dcmkit recv did not stop on SIGTERM";
    expect_stored_equal(in, corpus().syntaxes, /*same_syntax=*/true);
    for (const auto &n : list_dir(in)) EXPECT_EQ(n.find(".incoming"), std::string::npos) << n;
}

TEST(DcmtkToOurScp, RecvBinaryAllowList) {
    REQUIRE_DCMTK();
    TempDir tmp;
    const std::string in = tmp.sub("in");
    Child recv;
    const uint16_t port = start_server(
        recv, [&](uint16_t p) { return std::vector<std::string>{dcmkit_cli(), "recv", std::to_string(p), "--out", in,
                                                                "--bind", "127.0.0.1", "--allow", "GOOD", "-to", "5"}; },
        tmp.path() + "/recv.log");
    ASSERT_NE(port, 0) << recv.log();
    ProcResult bad = run({"echoscu", "-aet", "BAD", "-to", "5", "-ta", "5", "127.0.0.1", std::to_string(port)}, 20000);
    EXPECT_NE(bad.status, 0);
    // echoscu prints PS3.8 Table 9-21's values: rejected-permanent, service-user, reason 3.
    EXPECT_NE(bad.all().find("Association Rejected"), std::string::npos) << bad.all();
    EXPECT_NE(bad.all().find("Rejected Permanent"), std::string::npos) << bad.all();
    EXPECT_NE(bad.all().find("Calling AE Title Not Recognized"), std::string::npos) << bad.all();
    ProcResult good = run({"echoscu", "-aet", "GOOD", "-to", "5", "-ta", "5", "127.0.0.1", std::to_string(port)}, 20000);
    EXPECT_EQ(good.status, 0) << good.all();
    EXPECT_EQ(recv.stop(SIGTERM, 10000), 0) << recv.log();
}

// =================================================================================================
// Our SCU against DCMTK's storescp
// =================================================================================================

struct Storescp {
    Child child;
    uint16_t port = 0;
    std::string folder;
    Storescp(const TempDir &tmp, const std::string &name, std::vector<std::string> extra = {}) {
        folder = tmp.sub(name);
        port = start_server(
            child,
            [&](uint16_t p) {
                std::vector<std::string> a = {"storescp", "-aet", "STORESCP", "+B", "-od", folder, "-ta", "5", "-td", "10"};
                // Every syntax DCMTK knows, unless a configuration file says which.
                if (std::find(extra.begin(), extra.end(), "-xf") == extra.end()) a.push_back("+xa");
                a.insert(a.end(), extra.begin(), extra.end());
                a.push_back(std::to_string(p));
                return a;
            },
            tmp.path() + "/" + name + ".log");
    }
};

/// An A-ASSOCIATE-RQ with one presentation context per file syntax (and Verification).
net::AAssociateRq one_context_per_syntax(const net::AeConfig &c, const std::string &called) {
    net::AAssociateRq rq = net::make_request(c, called);
    rq.contexts.clear();
    rq.contexts.push_back({1, kVerification, {kImplicit}});
    uint8_t id = 3;
    for (const auto &f : corpus().syntaxes) {
        rq.contexts.push_back({id, kCtImage, {f.ts}});
        id += 2;
    }
    return rq;
}

TEST(OurScuToDcmtk, AssociationEchoAndStoreEverySyntax) {
    REQUIRE_DCMTK();
    TempDir tmp;
    Storescp scp(tmp, "scp");
    ASSERT_NE(scp.port, 0) << scp.child.log();
    net::AeConfig c = scu_config();
    c.add(kVerification, {kImplicit}, false, true);
    auto assoc = net::Association::connect(c, net::tcp_connect("127.0.0.1", scp.port, 5000), one_context_per_syntax(c, "STORESCP"));
    ASSERT_TRUE(assoc->established());
    for (const auto &pc : assoc->contexts()) EXPECT_TRUE(pc.accepted()) << int(pc.id) << " " << pc.transfer_syntax;
    EXPECT_EQ(net::echo(*assoc), net::dimse::status::Success);
    for (const auto &f : corpus().syntaxes) {
        net::StoreResult r = net::store_file(*assoc, f.path);
        EXPECT_EQ(r.status, net::dimse::status::Success) << f.name << ": " << net::dimse::status_text(r.status);
        EXPECT_EQ(r.transfer_syntax, f.ts) << f.name;
        EXPECT_FALSE(r.transcoded) << f.name;
    }
    assoc->release();
    EXPECT_EQ(assoc->state(), net::State::Sta1);
    EXPECT_TRUE(wait_until([&] { return list_dir(scp.folder).size() == corpus().syntaxes.size(); }, 5000));
    EXPECT_TRUE(scp.child.running()) << scp.child.log();
    expect_stored_equal(scp.folder, corpus().syntaxes, /*same_syntax=*/true);
}

TEST(OurScuToDcmtk, MakeRequestContextsTranscodeWhenNeeded) {
    // make_request proposes the uncompressed syntaxes of a SOP class in one context (storescp
    // picks one of them): files in the others are re-encoded, and must arrive equal.
    REQUIRE_DCMTK();
    TempDir tmp;
    Storescp scp(tmp, "scp");
    ASSERT_NE(scp.port, 0) << scp.child.log();
    net::AeConfig c = scu_config();
    std::vector<std::string> paths;
    for (const auto &f : corpus().syntaxes) paths.push_back(f.path);
    std::vector<std::string> errors;
    paths.push_back(corpus().not_dicom);
    auto ok = net::add_storage_contexts(c, paths, &errors);
    EXPECT_EQ(ok.size(), corpus().syntaxes.size());
    EXPECT_EQ(errors.size(), 1u);
    auto assoc = net::Association::connect(c, "127.0.0.1", scp.port, "STORESCP");
    for (const auto &p : ok) {
        net::StoreResult r = net::store_file(*assoc, p);
        EXPECT_EQ(r.status, 0) << p;
    }
    assoc->release();
    EXPECT_TRUE(wait_until([&] { return list_dir(scp.folder).size() == corpus().syntaxes.size(); }, 5000));
    expect_stored_equal(scp.folder, corpus().syntaxes, /*same_syntax=*/false);
}

/// The native pixel data DCMTK makes of a file (dcmdrle / dcmconv to explicit VR little endian).
std::vector<uint8_t> dcmtk_native_pixels(const TempDir &tmp, const std::string &path, bool rle) {
    const std::string out = tmp.path() + "/native-" + std::to_string(std::hash<std::string>()(path)) + ".dcm";
    ProcResult r = rle ? run({"dcmdrle", path, out}) : run({"dcmconv", "+te", path, out});
    EXPECT_EQ(r.status, 0) << r.all();
    const DicomFile f = read_file(out);
    const Element *e = f.dataset.find(tags::PixelData);
    return e ? std::vector<uint8_t>(e->value.data(), e->value.data() + e->value.size()) : std::vector<uint8_t>();
}

TEST(OurScuToDcmtk, CompressedFileDecodedForAPeerThatTakesOnlyUncompressed) {
    // storescp +xi accepts implicit VR little endian only; the RLE file (made by dcmcrle) is decoded
    // on the way, and what storescp stores has DCMTK's own decompression of it as pixel data.
    REQUIRE_DCMTK();
    TempDir tmp;
    Storescp scp(tmp, "scp", {"+xi"});
    ASSERT_NE(scp.port, 0) << scp.child.log();
    const auto rle = std::find_if(corpus().syntaxes.begin(), corpus().syntaxes.end(), [](const Sample &s) { return s.ts == kRle; });
    ASSERT_NE(rle, corpus().syntaxes.end());
    net::AeConfig c = scu_config();
    ASSERT_EQ(net::add_storage_contexts(c, {rle->path}).size(), 1u);
    auto assoc = net::Association::connect(c, "127.0.0.1", scp.port, "STORESCP");
    net::StoreResult r = net::store_file(*assoc, rle->path);
    EXPECT_EQ(r.status, 0) << net::dimse::status_text(r.status);
    EXPECT_TRUE(r.transcoded);
    EXPECT_EQ(r.transfer_syntax, kImplicit);
    assoc->release();
    ASSERT_TRUE(wait_until([&] { return list_dir(scp.folder).size() == 1; }, 5000));
    const std::string stored = scp.folder + "/" + list_dir(scp.folder)[0];
    EXPECT_EQ(read_file(stored).transfer_syntax, kImplicit);
    EXPECT_EQ(dcmtk_native_pixels(tmp, stored, false), dcmtk_native_pixels(tmp, rle->path, true));
}

TEST(OurScuToDcmtk, NativeFileEncodedForAPeerThatTakesOnlyRle) {
    // A storescp profile that accepts CT Image Storage in RLE Lossless only: the explicit VR file is
    // RLE-encoded on the way, and DCMTK's decompression of what it stored gives the original pixels.
    REQUIRE_DCMTK();
    TempDir tmp;
    const std::string cfg = tmp.path() + "/rle-only.cfg";
    write_text(cfg, "[[TransferSyntaxes]]\n[RleOnly]\nTransferSyntax1 = RLELossless\n"
                    "[[PresentationContexts]]\n[Contexts]\nPresentationContext1 = CTImageStorage\\RleOnly\n"
                    "[[Profiles]]\n[RleOnly]\nPresentationContexts = Contexts\n");
    Storescp scp(tmp, "scp", {"-xf", cfg, "RleOnly"});
    ASSERT_NE(scp.port, 0) << scp.child.log();
    const auto le = std::find_if(corpus().syntaxes.begin(), corpus().syntaxes.end(), [](const Sample &s) { return s.ts == kExplicitLE; });
    ASSERT_NE(le, corpus().syntaxes.end());
    net::AeConfig c = scu_config();
    c.add(kCtImage, {kExplicitLE, kRle}, false, true);
    auto assoc = net::Association::connect(c, "127.0.0.1", scp.port, "STORESCP");
    net::StoreResult r = net::store_file(*assoc, le->path);
    EXPECT_EQ(r.status, 0) << net::dimse::status_text(r.status) << scp.child.log();
    EXPECT_TRUE(r.transcoded);
    EXPECT_EQ(r.transfer_syntax, kRle);
    assoc->release();
    ASSERT_TRUE(wait_until([&] { return list_dir(scp.folder).size() == 1; }, 5000));
    const std::string stored = scp.folder + "/" + list_dir(scp.folder)[0];
    EXPECT_EQ(read_file(stored).transfer_syntax, kRle);
    EXPECT_EQ(dcmtk_native_pixels(tmp, stored, true), dcmtk_native_pixels(tmp, le->path, false));
}

TEST(OurScuToDcmtk, CliEchoAndSend) {
    REQUIRE_DCMTK();
    TempDir tmp;
    Storescp scp(tmp, "scp");
    ASSERT_NE(scp.port, 0) << scp.child.log();
    const std::string port = std::to_string(scp.port);
    ProcResult r = run({dcmkit_cli(), "echo", "127.0.0.1", port, "-aec", "STORESCP", "--repeat", "2", "-to", "5"}, 20000);
    EXPECT_EQ(r.status, 0) << r.all();
    r = run({dcmkit_cli(), "send", "127.0.0.1", port, corpus().syntax_dir, "-aec", "STORESCP", "-to", "5"}, 30000);
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.err.find("sent 5, failed 0"), std::string::npos) << r.all();
    EXPECT_TRUE(wait_until([&] { return list_dir(scp.folder).size() == corpus().syntaxes.size(); }, 5000));
    expect_stored_equal(scp.folder, corpus().syntaxes, /*same_syntax=*/false);
    // A file that is not DICOM is reported, and the exit status says so.
    r = run({dcmkit_cli(), "send", "127.0.0.1", port, corpus().not_dicom, corpus().syntaxes[1].path, "-to", "5"}, 30000);
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(r.err.find("skipped"), std::string::npos) << r.all();
    // Nobody listening: a clean error, quickly.
    const uint16_t closed = pick_free_port();
    r = run({dcmkit_cli(), "echo", "127.0.0.1", std::to_string(closed), "-to", "2"}, 20000);
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_LT(r.ms, 5000);
}

// =================================================================================================
// Negotiation as real peers see it
// =================================================================================================

TEST(Negotiation, UnknownCallingAeIsRejected) {
    REQUIRE_DCMTK();
    TempDir tmp;
    OurServer s(tmp.sub("in"), [](net::AeConfig &c) { c.allowed_calling_aes = {"GOOD"}; });
    ProcResult r = run({"echoscu", "-aet", "BAD", "-to", "5", "-ta", "5", "127.0.0.1", std::to_string(s.port())}, 20000);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.all().find("Rejected Permanent"), std::string::npos) << r.all();
    EXPECT_NE(r.all().find("Source: Service User"), std::string::npos) << r.all();
    EXPECT_NE(r.all().find("Calling AE Title Not Recognized"), std::string::npos) << r.all();
    // Our SCU sees the same rejection.
    net::AeConfig c = scu_config("BAD");
    c.add(kVerification, {kImplicit}, false, true);
    try {
        net::Association::connect(c, "127.0.0.1", s.port(), "DCMKIT");
        ADD_FAILURE() << "association accepted";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::rejected) << e.what();
        EXPECT_NE(std::string(e.what()).find("calling-AE-title-not-recognized"), std::string::npos) << e.what();
    }
    r = run({"echoscu", "-aet", "GOOD", "-to", "5", "-ta", "5", "127.0.0.1", std::to_string(s.port())}, 20000);
    EXPECT_EQ(r.status, 0) << r.all();
}

TEST(Negotiation, UnsupportedSopClassRejectedPerContext) {
    REQUIRE_DCMTK();
    TempDir tmp;
    const std::string in = tmp.sub("in");
    OurServer s(in, [](net::AeConfig &c) {
        c.sop_classes.clear();
        c.add_verification();
    });
    ProcResult r = run({"storescu", "-v", "+v", "-R", "-to", "5", "-ta", "5", "-td", "5", "127.0.0.1",
                        std::to_string(s.port()), corpus().syntaxes[1].path},
                       20000);
    EXPECT_NE(r.status, 0) << r.all();
    // PS3.8 Table 9-18 result 3, as storescu reports it, and nothing sent.
    EXPECT_NE(r.all().find("Abstract Syntax Not Supported"), std::string::npos) << r.all();
    EXPECT_NE(r.all().find("No Acceptable Presentation Contexts"), std::string::npos) << r.all();
    EXPECT_TRUE(list_dir(in).empty());
    // Verification still works on the same server.
    r = run({"echoscu", "-to", "5", "-ta", "5", "127.0.0.1", std::to_string(s.port())}, 20000);
    EXPECT_EQ(r.status, 0) << r.all();
}

TEST(Negotiation, OurTransferSyntaxPreferenceWins) {
    // storescu +C puts its proposals in one context, in its own order; our SCP picks from its own
    // preference list (explicit VR little endian first).
    REQUIRE_DCMTK();
    TempDir tmp;
    const std::string in = tmp.sub("in");
    OurServer s(in);
    const std::string port = std::to_string(s.port());
    const std::string implicit_file = corpus().syntaxes[0].path;  // implicit VR little endian
    struct Case {
        const char *option;
        const char *accepted;
    };
    for (const Case &k : {Case{"-xb", kExplicitLE}, Case{"-xe", kExplicitLE}, Case{"-x=", kExplicitLE}, Case{"-xi", kImplicit}}) {
        SCOPED_TRACE(k.option);
        ProcResult r = run({"storescu", "-R", "+C", k.option, "-v", "+v", "-to", "5", "-ta", "5", "-td", "10", "127.0.0.1",
                            port, implicit_file},
                           20000);
        EXPECT_EQ(r.status, 0) << r.all();
        ASSERT_TRUE(s.idle());
        auto got = s.syntaxes();
        ASSERT_FALSE(got.empty());
        EXPECT_EQ(got.back(), k.accepted);
        if (std::string(k.option) == "-xb") {  // one context, big endian proposed first
            const std::string out = r.all();
            const size_t rq = out.find("BEGIN A-ASSOCIATE-RQ"), be = out.find("=BigEndianExplicit", rq),
                         le = out.find("=LittleEndianExplicit", rq), ac = out.find("BEGIN A-ASSOCIATE-AC");
            EXPECT_TRUE(rq < be && be < le && le < ac) << out;
            EXPECT_EQ(out.find("Context ID:        3"), std::string::npos) << out;
        }
        // storescu's own account of the AC (DCMTK's names for the syntaxes).
        const std::string name = std::string(k.accepted) == kImplicit ? "=LittleEndianImplicit" : "=LittleEndianExplicit";
        EXPECT_NE(r.all().find("Accepted Transfer Syntax: " + name), std::string::npos) << r.all();
        ReadOptions o;
        o.stop_before_pixels = true;
        const std::string stored = in + "/" + corpus().syntaxes[0].sop_instance + ".dcm";
        EXPECT_EQ(read_file(stored, o).transfer_syntax, k.accepted);
        std::string why;
        EXPECT_TRUE(read_file(stored).dataset.equals(read_file(implicit_file).dataset, &why)) << why;
    }
}

// =================================================================================================
// Maximum PDU sizes (PS3.8 Annex D.1: the Maximum Length is that of the P-DATA-TF variable field,
// i.e. the PDU-length field)
// =================================================================================================

TEST(MaxPdu, Small4096BothWays) {
    REQUIRE_DCMTK();
    TempDir tmp;
    // storescu → our SCP receiving at most 4096.
    {
        const std::string in = tmp.sub("in");
        OurServer s(in, [](net::AeConfig &c) { c.max_pdu_length = 4096; });
        Proxy proxy(s.port());
        ProcResult r = run({"storescu", "-R", "-pdu", "4096", "-to", "5", "-ta", "5", "-td", "10", "127.0.0.1",
                            std::to_string(proxy.port()), corpus().big},
                           30000);
        EXPECT_EQ(r.status, 0) << r.all();
        ASSERT_TRUE(wait_until([&] { return proxy.done.load(); }, 10000));
        const auto up = proxy.up.lengths(0x04);
        EXPECT_GE(up.size(), (2u << 20) / 4096) << "2 MB in PDUs of at most 4096";
        EXPECT_LE(proxy.up.max_length(0x04), 4096u);
        EXPECT_GT(proxy.up.max_length(0x04), 2048u) << "storescu used the room it was given";
        EXPECT_LE(proxy.down.max_length(0x04), 4096u);  // and we sent no more than storescu's 4096
        std::string why;
        EXPECT_TRUE(read_file(in + "/1.2.826.0.1.3680043.10.4.1.dcm").dataset.equals(read_file(corpus().big).dataset, &why)) << why;
    }
    // our SCU → storescp receiving at most 4096.
    {
        Storescp scp(tmp, "scp4k", {"-pdu", "4096"});
        ASSERT_NE(scp.port, 0) << scp.child.log();
        net::AeConfig c = scu_config();
        c.max_pdu_length = 4096;
        c.add(kCtImage, {kExplicitLE}, false, true);
        PduLog sent, received;
        auto t = std::make_unique<SniffTransport>(net::tcp_connect("127.0.0.1", scp.port, 5000), &sent, &received);
        auto assoc = net::Association::connect(c, std::move(t), net::make_request(c, "STORESCP"));
        EXPECT_EQ(assoc->send_max_pdu(), 4096u);
        net::StoreResult r = net::store_file(*assoc, corpus().big);
        EXPECT_EQ(r.status, 0) << net::dimse::status_text(r.status);
        assoc->release();
        const auto lens = sent.lengths(0x04);
        ASSERT_GE(lens.size(), (2u << 20) / 4096);
        EXPECT_EQ(*std::max_element(lens.begin(), lens.end()), 4096u) << "full PDUs use the whole maximum";
        EXPECT_LE(received.max_length(0x04), 4096u);
        // A-ASSOCIATE-AC announced 4096 (DCMTK's max receive) and storescp took every PDU.
        ASSERT_TRUE(wait_until([&] { return list_dir(scp.folder).size() == 1; }, 5000));
        std::string why;
        EXPECT_TRUE(read_file(scp.folder + "/" + list_dir(scp.folder)[0]).dataset.equals(read_file(corpus().big).dataset, &why)) << why;
    }
    // dcmkit recv --max-pdu 4096 ← storescu.
    {
        const std::string in = tmp.sub("recv4k");
        Child recv;
        const uint16_t port = start_server(
            recv, [&](uint16_t p) { return std::vector<std::string>{dcmkit_cli(), "recv", std::to_string(p), "--out", in,
                                                                    "--bind", "127.0.0.1", "--max-pdu", "4096"}; },
            tmp.path() + "/recv4k.log");
        ASSERT_NE(port, 0) << recv.log();
        Proxy proxy(port);
        ProcResult r = run({"storescu", "-R", "-to", "5", "-ta", "5", "-td", "10", "127.0.0.1", std::to_string(proxy.port()),
                            corpus().big},
                           30000);
        EXPECT_EQ(r.status, 0) << r.all();
        ASSERT_TRUE(wait_until([&] { return proxy.done.load(); }, 10000));
        EXPECT_LE(proxy.up.max_length(0x04), 4096u);
        EXPECT_GE(proxy.up.lengths(0x04).size(), (2u << 20) / 4096);
        EXPECT_EQ(recv.stop(), 0) << recv.log();
        EXPECT_EQ(list_dir(in).size(), 1u);
    }
}

TEST(MaxPdu, LargeBothWays) {
    REQUIRE_DCMTK();
    TempDir tmp;
    // storescu → our SCP receiving up to 1 MB: DCMTK sends larger PDUs than its 16 KB default, never
    // more than we announced (it caps its own sending at 128 KB).
    {
        const std::string in = tmp.sub("in");
        OurServer s(in, [](net::AeConfig &c) { c.max_pdu_length = 1u << 20; });
        Proxy proxy(s.port());
        ProcResult r = run({"storescu", "-R", "-pdu", "131072", "-to", "5", "-ta", "5", "-td", "10", "127.0.0.1",
                            std::to_string(proxy.port()), corpus().big},
                           30000);
        EXPECT_EQ(r.status, 0) << r.all();
        ASSERT_TRUE(wait_until([&] { return proxy.done.load(); }, 10000));
        EXPECT_LE(proxy.up.max_length(0x04), 1u << 20);
        EXPECT_GT(proxy.up.max_length(0x04), 16384u);
        EXPECT_EQ(list_dir(in).size(), 1u);
    }
    // our SCU → storescp receiving its maximum, 131072: our full PDUs are exactly that.
    {
        Storescp scp(tmp, "scp128k", {"-pdu", "131072"});
        ASSERT_NE(scp.port, 0) << scp.child.log();
        net::AeConfig c = scu_config();
        c.max_pdu_length = 1u << 20;
        c.add(kCtImage, {kExplicitLE}, false, true);
        PduLog sent;
        auto t = std::make_unique<SniffTransport>(net::tcp_connect("127.0.0.1", scp.port, 5000), &sent, nullptr);
        auto assoc = net::Association::connect(c, std::move(t), net::make_request(c, "STORESCP"));
        EXPECT_EQ(assoc->send_max_pdu(), 131072u);
        EXPECT_EQ(net::store_file(*assoc, corpus().big).status, 0);
        assoc->release();
        EXPECT_EQ(sent.max_length(0x04), 131072u);
        ASSERT_TRUE(wait_until([&] { return list_dir(scp.folder).size() == 1; }, 5000));
    }
    // our SCU → our SCP, both at 1 MB: the association carries PDUs of exactly 1 MB.
    {
        const std::string in = tmp.sub("in1m");
        OurServer s(in, [](net::AeConfig &c) { c.max_pdu_length = 1u << 20; });
        net::AeConfig c = scu_config();
        c.max_pdu_length = 1u << 20;
        c.add(kCtImage, {kExplicitLE}, false, true);
        PduLog sent, received;
        auto t = std::make_unique<SniffTransport>(net::tcp_connect("127.0.0.1", s.port(), 5000), &sent, &received);
        auto assoc = net::Association::connect(c, std::move(t), net::make_request(c, "DCMKIT"));
        EXPECT_EQ(assoc->send_max_pdu(), 1u << 20);
        EXPECT_EQ(net::store_file(*assoc, corpus().big).status, 0);
        assoc->release();
        const auto lens = sent.lengths(0x04);
        EXPECT_EQ(std::count(lens.begin(), lens.end(), 1u << 20), 2) << "2 MB + header = two full PDUs and a rest";
        EXPECT_LE(received.max_length(0x04), 1u << 20);
        std::string why;
        EXPECT_TRUE(read_file(in + "/1.2.826.0.1.3680043.10.4.1.dcm").dataset.equals(read_file(corpus().big).dataset, &why)) << why;
    }
}

// =================================================================================================
// Interrupted transfers leave nothing behind
// =================================================================================================

TEST(Interrupted, StorescuKilledMidTransfer) {
    REQUIRE_DCMTK();
    TempDir tmp;
    const std::string in = tmp.sub("in");
    OurServer s(in);
    // The relay lets 8 MB of the 32 MB through, then holds storescu back: the transfer is
    // certainly in progress when storescu is killed, however fast the machine.
    Proxy proxy(s.port(), 8u << 20);
    Child scu;
    ASSERT_TRUE(scu.start({"storescu", "-R", "-to", "5", "-ta", "5", "-td", "30", "127.0.0.1", std::to_string(proxy.port()),
                           corpus().huge},
                          tmp.path() + "/storescu.log"));
    ASSERT_TRUE(wait_until([&] { return proxy.stalled.load(); }, 20000)) << scu.log();
    ASSERT_TRUE(wait_until([&] {
        for (const auto &n : list_dir(in))
            if (n.rfind(".incoming-", 0) == 0) return true;
        return false;
    }, 5000)) << "the server should be writing a temporary file";
    EXPECT_EQ(scu.stop(SIGKILL), 128 + SIGKILL);
    proxy.stop();  // the connection drops with the dataset half sent, no A-ABORT
    ASSERT_TRUE(s.idle()) << s.log.text();
    EXPECT_TRUE(list_dir(in).empty()) << "left behind: " << (list_dir(in).empty() ? "" : list_dir(in)[0]);
    // The server carries on.
    ProcResult r = run({"storescu", "-R", "-to", "5", "-ta", "5", "127.0.0.1", std::to_string(s.port()),
                        corpus().syntaxes[1].path},
                       20000);
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(list_dir(in).size(), 1u);
}

TEST(Interrupted, AMessageHalfSentEndsTheAssociation) {
    // The relay stops reading after 1 MB of a 32 MB data set, so our write times out in the middle
    // of a PDU. Nothing sent after that could be framed by the peer: the association must end
    // there, and the next file must not go out on the same connection (over TLS, OpenSSL would
    // refuse it with "bad length"; over TCP the peer would read it as the rest of the first).
    TempDir tmp;
    OurServer s(tmp.sub("in"));
    Proxy proxy(s.port(), 1u << 20);
    net::AeConfig c = scu_config();
    c.timeouts.dimse_ms = 1000;
    const std::vector<std::string> paths = {corpus().huge, corpus().syntaxes[1].path};
    ASSERT_EQ(net::add_storage_contexts(c, paths).size(), 2u);
    auto assoc = net::Association::connect(c, net::tcp_connect("127.0.0.1", proxy.port(), 5000), net::make_request(c, "DCMKIT"));
    ASSERT_TRUE(assoc->established());
    std::vector<size_t> attempted;
    try {
        net::store_files(*assoc, paths, [&](size_t i, const net::StoreResult *, const Error *) { attempted.push_back(i); });
        ADD_FAILURE() << "the half-sent message should end store_files with an error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::timeout) << e.what();
    }
    EXPECT_FALSE(assoc->established());
    EXPECT_TRUE(attempted.empty()) << "file " << attempted[0] << " was reported as if the association went on";
    proxy.stop();
}

TEST(Interrupted, AAbortInTheMiddleOfADataset) {
    TempDir tmp;
    const std::string in = tmp.sub("in");
    OurServer s(in);
    net::AeConfig c = scu_config();
    c.add(kCtImage, {kExplicitLE}, false, true);
    auto t = std::make_unique<SniffTransport>(net::tcp_connect("127.0.0.1", s.port(), 5000), nullptr, nullptr);
    SniffTransport *raw = t.get();
    auto assoc = net::Association::connect(c, std::move(t), net::make_request(c, "DCMKIT"));
    const net::PresentationContext *pc = assoc->find_accepted(kCtImage, kExplicitLE);
    ASSERT_NE(pc, nullptr);
    // A C-STORE-RQ, then half of the data set in fragments none of which is the last (PS3.8 E.2).
    Dataset cmd = net::dimse::request(net::dimse::C_STORE_RQ, assoc->next_message_id(), kCtImage, true);
    cmd.set_string(net::dimse::tag::AffectedSOPInstanceUID, "1.2.826.0.1.3680043.10.9.1", VR::UI);
    cmd.set_int(net::dimse::tag::Priority, 0, VR::US);
    assoc->send_command(pc->id, cmd);
    DicomFile f = make_instance("1.2.826.0.1.3680043.10.9.1");
    std::vector<uint8_t> pixels(1u << 20, 0x11);
    f.dataset.set_bytes(tags::PixelData, VR::OW, Bytes(std::move(pixels)));
    std::vector<uint8_t> encoded = write_memory(f, [] {
        WriteOptions o;
        o.part10 = false;
        o.transfer_syntax = kExplicitLE;
        return o;
    }());
    const size_t half = encoded.size() / 2 & ~size_t(1), chunk = 16000;
    for (size_t off = 0; off < half; off += chunk) {
        const size_t n = std::min(chunk, half - off);
        // P-DATA-TF (PS3.8 Table 9-22) with one PDV item (Table 9-23), control header 00H: data
        // set fragment, not the last.
        std::vector<uint8_t> pdu(12 + n, 0);
        const uint32_t pdu_len = uint32_t(6 + n), item_len = uint32_t(2 + n);
        pdu[0] = 0x04;
        for (int i = 0; i < 4; ++i) {
            pdu[2 + i] = uint8_t(pdu_len >> (24 - 8 * i));
            pdu[6 + i] = uint8_t(item_len >> (24 - 8 * i));
        }
        pdu[10] = pc->id;
        std::memcpy(pdu.data() + 12, encoded.data() + off, n);
        raw->raw_write(pdu);
    }
    ASSERT_TRUE(wait_until([&] {
        for (const auto &n : list_dir(in))
            if (n.rfind(".incoming-", 0) == 0) return true;
        return false;
    }, 5000)) << "the server should be writing a temporary file";
    assoc->abort();  // A-ABORT, service-user
    EXPECT_EQ(assoc->state(), net::State::Sta1);
    ASSERT_TRUE(s.idle()) << s.log.text();
    EXPECT_TRUE(list_dir(in).empty());
    EXPECT_NE(s.log.text().find("abort"), std::string::npos) << s.log.text();
    // A complete store right after succeeds.
    auto again = net::Association::connect(c, "127.0.0.1", s.port(), "DCMKIT");
    EXPECT_EQ(net::store(*again, make_instance("1.2.826.0.1.3680043.10.9.2")).status, 0);
    again->release();
    EXPECT_EQ(list_dir(in), std::vector<std::string>{"1.2.826.0.1.3680043.10.9.2.dcm"});
}

// =================================================================================================
// Many associations
// =================================================================================================

TEST(Concurrency, FiftyAssociationsAtOnce) {
    TempDir tmp;
    const std::string in = tmp.sub("in");
    OurServer s(in, [](net::AeConfig &c) { c.max_associations = 50; });
    constexpr int kThreads = 50;
    std::atomic<int> ready{0}, ok{0};
    std::atomic<bool> go{false};
    std::mutex m;
    std::vector<std::string> failures;
    std::vector<std::thread> threads;
    const auto t0 = Clock::now();
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            ++ready;
            while (!go) std::this_thread::yield();
            try {
                net::AeConfig c = scu_config("T" + std::to_string(i));
                c.add(kCtImage, {kExplicitLE}, false, true);
                auto a = net::Association::connect(c, "127.0.0.1", s.port(), "DCMKIT");
                const uint16_t st = net::store(*a, make_instance("1.2.826.0.1.3680043.10.5." + std::to_string(i + 1))).status;
                a->release();
                if (st == 0) ++ok;
                else throw std::runtime_error(net::dimse::status_text(st));
            } catch (const std::exception &e) {
                std::lock_guard<std::mutex> lock(m);
                failures.push_back("thread " + std::to_string(i) + ": " + e.what());
            }
        });
    }
    while (ready < kThreads) std::this_thread::yield();
    go = true;
    for (auto &t : threads) t.join();
    EXPECT_EQ(ok.load(), kThreads) << (failures.empty() ? "" : failures[0]);
    EXPECT_LT(ms_since(t0), 20000);
    ASSERT_TRUE(s.idle());
    EXPECT_EQ(list_dir(in).size(), size_t(kThreads));
    EXPECT_EQ(s.server->associations_served(), uint64_t(kThreads));
}

TEST(Concurrency, BeyondMaxAssociationsRejectedTransiently) {
    TempDir tmp;
    const std::string in = tmp.sub("in");
    OurServer s(in, [](net::AeConfig &c) { c.max_associations = 4; });
    net::AeConfig c = scu_config();
    c.add(kVerification, {kImplicit}, false, true);
    std::vector<std::unique_ptr<net::Association>> held;
    for (int i = 0; i < 4; ++i) held.push_back(net::Association::connect(c, "127.0.0.1", s.port(), "DCMKIT"));
    ASSERT_TRUE(wait_until([&] { return s.server->active_associations() == 4; }, 5000));
    // The fifth: PS3.8 Table 9-21 rejected-transient (2), service-provider presentation (3),
    // local-limit-exceeded (2); promptly.
    const auto t0 = Clock::now();
    try {
        net::Association::connect(c, "127.0.0.1", s.port(), "DCMKIT");
        ADD_FAILURE() << "a fifth association was accepted";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::rejected) << e.what();
        EXPECT_NE(std::string(e.what()).find("rejected-transient"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("local-limit-exceeded"), std::string::npos) << e.what();
    }
    EXPECT_LT(ms_since(t0), 1500);
    if (have_dcmtk()) {
        ProcResult r = run({"echoscu", "-to", "5", "-ta", "5", "127.0.0.1", std::to_string(s.port())}, 20000);
        EXPECT_NE(r.status, 0);
        EXPECT_NE(r.all().find("Rejected Transient"), std::string::npos) << r.all();
        EXPECT_NE(r.all().find("Local Limit Exceeded"), std::string::npos) << r.all();
    }
    // The held ones still work, then make room.
    for (auto &a : held) {
        EXPECT_EQ(net::echo(*a), 0);
        a->release();
    }
    held.clear();
    ASSERT_TRUE(s.idle());
    auto later = net::Association::connect(c, "127.0.0.1", s.port(), "DCMKIT");
    EXPECT_EQ(net::echo(*later), 0);
    later->release();

    // A burst of 16 against 4 slots: each one either completes or is rejected transiently; none hangs.
    std::atomic<int> done{0}, rejected{0};
    std::mutex m;
    std::vector<std::string> other;
    std::vector<std::thread> threads;
    const auto t1 = Clock::now();
    for (int i = 0; i < 16; ++i) {
        threads.emplace_back([&] {
            try {
                auto a = net::Association::connect(c, "127.0.0.1", s.port(), "DCMKIT");
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
                net::echo(*a);
                a->release();
                ++done;
            } catch (const Error &e) {
                if (e.code() == Errc::rejected && std::string(e.what()).find("rejected-transient") != std::string::npos) {
                    ++rejected;
                } else {
                    std::lock_guard<std::mutex> lock(m);
                    other.push_back(e.what());
                }
            }
        });
    }
    for (auto &t : threads) t.join();
    EXPECT_TRUE(other.empty()) << other[0];
    EXPECT_EQ(done + rejected, 16);
    EXPECT_GE(done.load(), 4);
    EXPECT_GE(rejected.load(), 1);
    EXPECT_LT(ms_since(t1), 8000);
}

// =================================================================================================
// Malformed PDUs from a raw socket
// =================================================================================================

// Raw sockets to our server: tests/support/raw_peer.h.
using dk_test::raw::raw_closed;
using dk_test::raw::raw_connect;
using dk_test::raw::raw_read;
using dk_test::raw::raw_send;
using dk_test::raw::Reply;

std::vector<uint8_t> valid_rq(const std::string &called = "DCMKIT") {
    net::AeConfig c = scu_config("RAWSCU");
    c.add(kVerification, {kImplicit}, false, true);
    return net::encode_pdu(net::make_request(c, called));
}

/// A raw connection with an established association (A-ASSOCIATE-RQ sent, -AC read).
int raw_associated(uint16_t port) {
    int fd = raw_connect(port);
    if (fd < 0) return -1;
    raw_send(fd, valid_rq());
    Reply r = raw_read(fd, 5000);
    if (r.kind != Reply::Pdu || r.type() != 0x02) {
        ::close(fd);
        return -1;
    }
    return fd;
}

class Malformed : public ::testing::Test {
protected:
    void SetUp() override {
        server_ = std::make_unique<OurServer>(tmp_.sub("in"), [](net::AeConfig &c) {
            c.check_called_ae = true;
            c.max_pdu_length = 16384;
            c.timeouts.artim_ms = 1000;
            c.timeouts.dimse_ms = 3000;
            c.timeouts.idle_ms = 5000;
        });
    }
    void TearDown() override {
        // Whatever came before, the server still serves, promptly.
        net::AeConfig c = scu_config();
        c.add(kVerification, {kImplicit}, false, true);
        const auto t0 = Clock::now();
        auto a = net::Association::connect(c, "127.0.0.1", port(), "DCMKIT");
        EXPECT_EQ(net::echo(*a), 0);
        a->release();
        EXPECT_LT(ms_since(t0), 2000);
        if (have_dcmtk()) {
            ProcResult r = run({"echoscu", "-aec", "DCMKIT", "-to", "5", "-ta", "5", "127.0.0.1", std::to_string(port())}, 20000);
            EXPECT_EQ(r.status, 0) << r.all();
        }
        EXPECT_TRUE(server_->idle(5000));
    }
    uint16_t port() const { return server_->port(); }

    /// Sends `bytes` on a fresh connection (closing the sending side after when `close_after`),
    /// and returns the first answer.
    Reply exchange(const std::vector<uint8_t> &bytes, bool close_after = false, int timeout_ms = 5000) {
        int fd = raw_connect(port());
        EXPECT_GE(fd, 0);
        raw_send(fd, bytes);
        if (close_after) ::shutdown(fd, SHUT_WR);
        Reply r = raw_read(fd, timeout_ms);
        if (r.kind == Reply::Pdu) {
            EXPECT_TRUE(raw_closed(fd, 5000)) << "the server should close after " << r.describe();
        }
        ::close(fd);
        return r;
    }
    /// An A-ABORT (PS3.8 Table 9-26: 10 bytes, type 07H, PDU-length 4).
    static void expect_abort(const Reply &r) {
        ASSERT_EQ(r.kind, Reply::Pdu) << r.describe();
        EXPECT_EQ(r.type(), 0x07) << r.describe();
        ASSERT_EQ(r.pdu.size(), 10u);
        EXPECT_EQ(r.pdu[5], 4);
        EXPECT_TRUE(r.pdu[8] == 0 || r.pdu[8] == 2) << "source " << int(r.pdu[8]);
        EXPECT_LT(r.ms, 1500) << "answered at once, not after a timeout";
    }
    /// An A-ASSOCIATE-RJ with (result, source, reason) of PS3.8 Table 9-21.
    static void expect_reject(const Reply &r, uint8_t result, uint8_t source, uint8_t reason) {
        ASSERT_EQ(r.kind, Reply::Pdu) << r.describe();
        ASSERT_EQ(r.type(), 0x03) << r.describe();
        ASSERT_EQ(r.pdu.size(), 10u);
        EXPECT_EQ(r.pdu[7], result);
        EXPECT_EQ(r.pdu[8], source);
        EXPECT_EQ(r.pdu[9], reason);
    }

    TempDir tmp_;
    std::unique_ptr<OurServer> server_;
};

TEST_F(Malformed, GarbageBytes) {
    // 'G' (47H) is no PDU type: Evt19 in Sta2 → AA-1, an A-ABORT (PS3.8 Table 9-10).
    const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    expect_abort(exchange(std::vector<uint8_t>(http.begin(), http.end())));
}

TEST_F(Malformed, UnknownPduType) {
    expect_abort(exchange({0x08, 0, 0, 0, 0, 4, 0, 0, 0, 0}));
    expect_abort(exchange({0x00, 0, 0, 0, 0, 4, 0, 0, 0, 0}));
    expect_abort(exchange({0xFF, 0, 0, 0, 0, 0}));
}

TEST_F(Malformed, PduLengthLargerThanMax) {
    // An A-ASSOCIATE-RQ claiming 2 GB: refused from its header, nothing allocated or awaited.
    expect_abort(exchange({0x01, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0, 1}));
    expect_abort(exchange({0x01, 0, 0xFF, 0xFF, 0xFF, 0xFF}));
    // After association, a P-DATA-TF one byte over our maximum of 16384.
    int fd = raw_associated(port());
    ASSERT_GE(fd, 0);
    const uint32_t len = 16385;
    raw_send(fd, {0x04, 0, uint8_t(len >> 24), uint8_t(len >> 16), uint8_t(len >> 8), uint8_t(len), 0, 0, 0x3F, 0xFF, 1, 3});
    Reply r = raw_read(fd, 5000);
    expect_abort(r);
    EXPECT_TRUE(raw_closed(fd, 5000));
    ::close(fd);
}

TEST_F(Malformed, TruncatedAssociateRqThenClose) {
    std::vector<uint8_t> rq = valid_rq();
    rq.resize(rq.size() / 2);
    const Reply r = exchange(rq, /*close_after=*/true);
    // Evt17 (transport closed) in Sta2: AA-5, nothing sent, connection closed.
    EXPECT_EQ(r.kind, Reply::Closed) << r.describe();
    EXPECT_LT(r.ms, 1500);
    // Only a header, then close.
    EXPECT_EQ(exchange({0x01, 0, 0}, true).kind, Reply::Closed);
}

TEST_F(Malformed, TruncatedAssociateRqThenSilence) {
    // ARTIM (1 s here) runs from the connection to the complete A-ASSOCIATE-RQ (PS3.8 9.1.5):
    // Evt18 in Sta2 → AA-2, the connection is closed.
    std::vector<uint8_t> rq = valid_rq();
    rq.resize(rq.size() / 2);
    Reply r = exchange(rq, false, 5000);
    EXPECT_EQ(r.kind, Reply::Closed) << r.describe();
    EXPECT_GE(r.ms, 700);
    EXPECT_LT(r.ms, 3000);
    r = exchange({}, false, 5000);  // nothing at all
    EXPECT_EQ(r.kind, Reply::Closed) << r.describe();
    EXPECT_LT(r.ms, 3000);
}

TEST_F(Malformed, TrickledAssociateRqIsBoundedByArtim) {
    // One byte every 200 ms never lets a single read wait for 1 s, but the request as a whole must
    // still arrive within ARTIM: the server closes after about 1 s, not when the trickle ends.
    const std::vector<uint8_t> rq = valid_rq();
    int fd = raw_connect(port());
    ASSERT_GE(fd, 0);
    const auto t0 = Clock::now();
    bool closed = false;
    for (size_t i = 0; i < rq.size() && ms_since(t0) < 6000; ++i) {
        if (!raw_send(fd, {rq[i]})) {
            closed = true;
            break;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) > 0) {
            uint8_t b;
            if (::recv(fd, &b, 1, 0) <= 0) {
                closed = true;
                break;
            }
        }
    }
    const double ms = ms_since(t0);
    ::close(fd);
    EXPECT_TRUE(closed) << "still open after " << ms << " ms";
    EXPECT_LT(ms, 3000);
}

TEST_F(Malformed, PDataBeforeAssociation) {
    // Evt10 in Sta2 → AA-1.
    expect_abort(exchange({0x04, 0, 0, 0, 0, 8, 0, 0, 0, 4, 1, 3, 0, 0}));
}

TEST_F(Malformed, ReleaseOrAbortBeforeAssociation) {
    expect_abort(exchange({0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0}));  // Evt12 in Sta2 → AA-1
    expect_abort(exchange({0x02, 0, 0, 0, 0, 4, 0, 0, 0, 0}));  // an A-ASSOCIATE-AC, badly formed
    // Evt16 in Sta2 → AA-2: no answer, the connection is closed.
    EXPECT_EQ(exchange({0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0}).kind, Reply::Closed);
}

TEST_F(Malformed, AssociateRqWithInvalidItemLength) {
    std::vector<uint8_t> rq = valid_rq();
    // The Application Context item starts at byte 74 (PS3.8 Table 9-11); the next item is the
    // first Presentation Context: give it a length running past the end of the PDU.
    ASSERT_EQ(rq[74], 0x10);
    const size_t pc = 74 + 4 + (size_t(rq[76]) << 8 | rq[77]);
    ASSERT_EQ(rq[pc], 0x20);
    std::vector<uint8_t> bad = rq;
    bad[pc + 2] = 0xFF;
    bad[pc + 3] = 0xF0;
    expect_abort(exchange(bad));
    // An item length one short (the item then ends inside a sub-item).
    bad = rq;
    const uint16_t len = uint16_t(rq[pc + 2] << 8 | rq[pc + 3]) - 1;
    bad[pc + 2] = uint8_t(len >> 8);
    bad[pc + 3] = uint8_t(len);
    expect_abort(exchange(bad));
    // A PDU-length that disagrees with the items (one byte more than sent, then nothing): ARTIM.
    bad = rq;
    bad[5] = uint8_t(bad[5] + 1);
    Reply r = exchange(bad, false, 5000);
    EXPECT_EQ(r.kind, Reply::Closed) << r.describe();
}

TEST_F(Malformed, AssociateRqRejections) {
    // Well-formed requests the acceptor cannot take get an A-ASSOCIATE-RJ (PS3.8 Table 9-21).
    std::vector<uint8_t> rq = valid_rq();
    std::vector<uint8_t> v2 = rq;
    v2[7] = 0x02;  // protocol version without bit 0
    expect_reject(exchange(v2), 1, 2, 2);
    expect_reject(exchange(valid_rq("SOMEONE-ELSE")), 1, 1, 7);
    // Application context name changed (same length, so the PDU stays well formed).
    std::vector<uint8_t> ctx = rq;
    ASSERT_EQ(ctx[74], 0x10);
    ctx[78 + 4] = '9';  // "1.2.9..." instead of "1.2.840..."
    expect_reject(exchange(ctx), 1, 1, 2);
}

TEST_F(Malformed, BadPdusAfterAssociation) {
    struct Case {
        const char *what;
        std::vector<uint8_t> bytes;
    };
    const std::vector<Case> cases = {
        {"unknown PDU type", {0x09, 0, 0, 0, 0, 2, 0, 0}},
        {"second A-ASSOCIATE-RQ", valid_rq()},  // Evt6 in Sta6 → AA-8
        {"P-DATA on a context never proposed", {0x04, 0, 0, 0, 0, 8, 0, 0, 0, 4, 99, 3, 0, 0}},
        {"PDV item length past the PDU", {0x04, 0, 0, 0, 0, 8, 0, 0, 0, 9, 1, 3, 0, 0}},
        {"PDV item length below 2", {0x04, 0, 0, 0, 0, 6, 0, 0, 0, 1, 1, 3}},
        {"A-RELEASE-RQ with a bad length", {0x05, 0, 0, 0, 0, 2, 0, 0}},
        {"undecodable command", {0x04, 0, 0, 0, 0, 10, 0, 0, 0, 6, 1, 3, 0xFF, 0xFF, 0xFF, 0xFF}},
    };
    for (const auto &k : cases) {
        SCOPED_TRACE(k.what);
        int fd = raw_associated(port());
        ASSERT_GE(fd, 0);
        raw_send(fd, k.bytes);
        Reply r = raw_read(fd, 5000);
        expect_abort(r);
        EXPECT_TRUE(raw_closed(fd, 5000));
        ::close(fd);
    }
}

}  // namespace
