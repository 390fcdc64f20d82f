// tls_setup — helper of the TLS benchmark (`./dk.sh bench tls`, bench/tls_report.py): the time to
// open an association in-process, so that process start-up is not counted.
//
//   tls_setup HOST PORT COUNT [-aec AE] [+tls KEY CERT +cf CA]
//
// COUNT times: request an association (TCP connect, with +tls the TLS handshake with mutual
// authentication under the default BCP 195 Non-Downgrading profile, then A-ASSOCIATE), one C-ECHO,
// A-RELEASE; each round is timed from the connect to the release's answer. One warm-up round is
// not counted. With +tls, first prints what the handshake negotiated:
//   tls protocol TLSv1.3 cipher TLS_AES_256_GCM_SHA384
// then one line per way of connecting, the median and the minimum in milliseconds:
//   plain   median_ms M min_ms m n N                 (without +tls)
//   fresh   median_ms M min_ms m n N                 (with +tls: the certificates, key and CA are
//                                                      loaded for every association, like a CLI run)
//   shared  median_ms M min_ms m n N                 (with +tls: loaded once, a TlsContext kept
//                                                      across associations, like a long-running SCU)
// Exit status: 0, 1 on an error (a failed association or C-ECHO), 2 on a usage error.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/tls.h"
#include "dcmkit/services/services.h"

namespace net = dcmkit::net;
using Clock = std::chrono::steady_clock;

namespace {

int usage() {
    std::fprintf(stderr, "usage: tls_setup HOST PORT COUNT [-aec AE] [+tls KEY CERT +cf CA]\n");
    return 2;
}

void print(const char *mode, std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    const size_t n = ms.size();
    const double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    std::printf("%s median_ms %.3f min_ms %.3f n %zu\n", mode, median, ms.front(), n);
}

/// COUNT + 1 rounds of `open` (returns an established association), one C-ECHO and a release;
/// the first round is a warm-up.
template <class Open>
std::vector<double> rounds(int count, Open open) {
    std::vector<double> ms;
    for (int i = 0; i <= count; ++i) {
        const auto t0 = Clock::now();
        auto a = open();
        const uint16_t status = net::echo(*a);
        a->release();
        const double t = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (status != 0) throw dcmkit::Error(dcmkit::Errc::network, "C-ECHO answered status " + std::to_string(status));
        if (i > 0) ms.push_back(t);
    }
    return ms;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 4) return usage();
    const std::string host = argv[1];
    const long port = std::strtol(argv[2], nullptr, 10);
    const long count = std::strtol(argv[3], nullptr, 10);
    if (port < 1 || port > 65535 || count < 1) return usage();
    std::string called = "ANY-SCP";
    net::TlsOptions tls;
    bool use_tls = false;
    for (int i = 4; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-aec" && i + 1 < argc) {
            called = argv[++i];
        } else if (a == "+tls" && i + 2 < argc) {
            tls.private_key_file = argv[++i];
            tls.certificate_file = argv[++i];
            use_tls = true;
        } else if (a == "+cf" && i + 1 < argc) {
            tls.ca_files.push_back(argv[++i]);
        } else {
            return usage();
        }
    }
    if (!use_tls && !tls.ca_files.empty()) return usage();

    net::AeConfig config;
    config.ae_title = "TLSBENCH";
    config.add_verification();
    config.timeouts.connect_ms = config.timeouts.artim_ms = 10000;
    config.timeouts.dimse_ms = 10000;
    try {
        if (!use_tls) {
            print("plain", rounds(int(count), [&] { return net::Association::connect(config, host, uint16_t(port), called); }));
            return 0;
        }
        net::AeConfig with_tls = config;
        with_tls.tls = tls;
        {  // what the handshake negotiated (not timed)
            auto a = net::Association::connect(with_tls, host, uint16_t(port), called);
            const net::TlsPeerInfo *peer = a->tls_peer();
            std::printf("tls protocol %s cipher %s\n", peer ? peer->protocol.c_str() : "none",
                        peer ? peer->cipher.c_str() : "none");
            a->release();
        }
        print("fresh",
              rounds(int(count), [&] { return net::Association::connect(with_tls, host, uint16_t(port), called); }));
        const auto context = net::make_tls_context(tls, false);
        const net::AAssociateRq rq = net::make_request(config, called);
        print("shared", rounds(int(count), [&] {
                  return net::Association::connect(
                      config, net::tls_connect(host, uint16_t(port), config.timeouts.connect_ms, context), rq);
              }));
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "tls_setup: %s\n", e.what());
        return 1;
    }
}
