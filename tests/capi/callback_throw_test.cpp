// C ABI, from C++: a server callback that throws (a C++ program's callback behind the C function
// pointer) is answered with a failure status, and what it threw reaches the AE's log with the
// callback's name instead of being lost at the boundary.
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "dcmkit/dcmkit.h"

namespace {

std::mutex g_mu;
std::vector<std::string> g_log;

void on_log(dk_log_level, const char *message, void *) {
    std::lock_guard<std::mutex> lock(g_mu);
    g_log.emplace_back(message);
}

int fail(const char *what) {
    std::fprintf(stderr, "FAIL: %s (%s)\n", what, dk_last_error());
    return 1;
}

}  // namespace

int main() {
    dk_ae *scp = nullptr, *scu = nullptr;
    dk_server *srv = nullptr;
    dk_assoc *assoc = nullptr;
    if (dk_ae_new(&scp, "THROWSCP", nullptr) || dk_ae_add_verification(scp) || dk_ae_set_log(scp, on_log, nullptr))
        return fail("SCP AE");
    dk_server_callbacks cb = DK_SERVER_CALLBACKS_INIT;
    cb.on_echo = [](uint16_t *, const dk_assoc_info *, void *) -> dk_result { throw std::runtime_error("boom"); };
    uint16_t port = 0, status = 0;
    if (dk_server_new(&srv, scp, &cb) || dk_server_start(srv, "127.0.0.1", 0) || dk_server_port(&port, srv))
        return fail("server");
    if (dk_ae_new(&scu, "THROWSCU", nullptr) || dk_ae_add_verification(scu)) return fail("SCU AE");
    if (dk_assoc_connect(&assoc, scu, "127.0.0.1", port, "THROWSCP")) return fail("connect");
    if (dk_assoc_echo(&status, assoc)) return fail("echo");
    dk_assoc_release(assoc);
    dk_assoc_free(assoc);
    dk_server_stop(srv, 5000);
    dk_server_free(srv);
    dk_ae_free(scu);
    dk_ae_free(scp);
    int rc = 0;
    if (status != 0x0110) {
        std::fprintf(stderr, "FAIL: C-ECHO status %04X, expected 0110 (Processing Failure)\n", status);
        rc = 1;
    }
    bool logged = false;
    for (const auto &line : g_log) logged = logged || line.find("on_echo threw (internal error): boom") != std::string::npos;
    if (!logged) {
        std::fprintf(stderr, "FAIL: the log does not name on_echo and its exception:\n");
        for (const auto &line : g_log) std::fprintf(stderr, "  %s\n", line.c_str());
        rc = 1;
    }
    if (rc == 0) std::printf("ok: a throwing callback is a failure status and a log line\n");
    return rc;
}
