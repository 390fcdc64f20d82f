// dcmkit — the command-line tool: audit-test, one DICOM audit message (PS3.15 A.5) sent to an
// audit repository to check the destination (address, TLS certificates) before serve uses it.
#include <unistd.h>

#include <cstdio>

#include "args.h"
#include "commands.h"
#include "dcmkit/error.h"
#include "dcmkit/services/audit.h"

namespace dcmkit_cli {

namespace au = dcmkit::audit;

int cmd_audit_test(const std::string &, const Args &args) {
    std::string dest, ca, cert, key, source = "dcmkit";
    double timeout = 10;
    bool print = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        const bool has_value = i + 1 < args.size();
        if ((a == "--ca" || a == "--cert" || a == "--key" || a == "--source-id" || a == "--timeout") && !has_value)
            return usage_error("audit-test: " + a + " needs a value");
        if (a == "--ca") ca = args[++i];
        else if (a == "--cert") cert = args[++i];
        else if (a == "--key") key = args[++i];
        else if (a == "--source-id") source = args[++i];
        else if (a == "--timeout") {
            std::string err;
            if (!number_arg(a, args[++i], 1, 3600, timeout, err)) return usage_error("audit-test: " + err);
        } else if (a == "--print") print = true;
        else if (a.size() > 1 && a[0] == '-') return usage_error("audit-test: unknown option '" + a + "'");
        else if (dest.empty()) dest = a;
        else return usage_error("audit-test: one DEST only");
    }
    if (dest.empty()) return usage_error("audit-test: needs DEST (udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT, file:PATH)");
    try {
        au::AuditLogger::Options o;
        o.destination = au::Destination::parse(dest);
        o.destination.ca_file = ca;
        o.destination.cert_file = cert;
        o.destination.key_file = key;
        o.timeout_ms = int(timeout * 1000);
        std::string last_error;
        o.log = [&](const std::string &line) { last_error = line; };
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        // This process, started to test the audit trail: an Application Activity (Application Start).
        const au::Message m =
            au::application_activity(true, au::Source{source, {}, {"4"}}, au::application(std::to_string(::getpid()), {}, host, false));
        if (print) write_all(m.to_xml() + "\n");
        au::AuditLogger logger(o);
        logger.log(m);
        const bool delivered = logger.flush(int(timeout * 1000));
        logger.stop(0);
        if (!delivered) {
            std::fprintf(stderr, "dcmkit: error: audit-test: not delivered to %s within %g s%s%s\n", dest.c_str(), timeout,
                         last_error.empty() ? "" : ": ", last_error.c_str());
            return 1;
        }
        std::fprintf(stderr, "dcmkit: audit message delivered to %s\n", o.destination.to_string().c_str());
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: audit-test: %s\n", e.what());
        return e.code() == dcmkit::Errc::invalid_argument ? 2 : 1;
    }
    return 0;
}

}  // namespace dcmkit_cli
