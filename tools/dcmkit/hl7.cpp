// dcmkit — the command-line tool: hl7 send, a test client for HL7 v2 listeners (MLLP), such as the
// one `dcmkit serve --hl7 PORT` runs.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "args.h"
#include "commands.h"
#include "dcmkit/error.h"
#include "dcmkit/services/hl7.h"

namespace dcmkit_cli {

namespace hl7 = dcmkit::hl7;

namespace {

/// The messages of a file: segments on lines ended by CR, LF or CR LF (sent with CR, as MLLP
/// expects), a new message at each line starting with MSH.
std::vector<std::string> messages_of(const std::string &text) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find_first_of("\r\n", pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end;
        while (pos < text.size() && (text[pos] == '\r' || text[pos] == '\n')) ++pos;
        if (line.empty()) continue;
        if (line.rfind("MSH", 0) == 0 || out.empty()) out.emplace_back();
        out.back() += line + "\r";
    }
    return out;
}

}  // namespace

/// `dcmkit hl7 send HOST PORT FILE... [--timeout SECONDS]`: each message to HOST:PORT over MLLP, its
/// acknowledgement printed (segments on lines); the exit status says the worst MSA-1.
int cmd_hl7(const std::string &, const Args &args) {
    if (args.empty() || args[0] != "send") return usage_error("hl7: the command is 'hl7 send HOST PORT FILE...'");
    std::vector<std::string> pos;
    double timeout = 30;
    for (size_t i = 1; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (a == "--timeout") {
            std::string err;
            if (i + 1 >= args.size() || !number_arg(a, args[++i], 1, 3600, timeout, err))
                return usage_error("hl7 send: --timeout takes seconds (1 to 3600)");
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("hl7 send: unknown option '" + a + "'");
        } else {
            pos.push_back(a);
        }
    }
    if (pos.size() < 3) return usage_error("hl7 send: needs HOST PORT FILE...");
    uint16_t port = 0;
    if (!parse_port(pos[1], port)) return usage_error("hl7 send: '" + pos[1] + "' is not a port");
    int worst = 0;  // 0 AA, 3 AE, 4 AR, 1 an error
    for (size_t f = 2; f < pos.size(); ++f) {
        std::ifstream in(pos[f], std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "dcmkit: error: hl7 send: cannot read %s\n", pos[f].c_str());
            worst = worst ? worst : 1;
            continue;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        const auto messages = messages_of(ss.str());
        if (messages.empty()) {
            std::fprintf(stderr, "dcmkit: error: hl7 send: %s holds no message\n", pos[f].c_str());
            worst = worst ? worst : 1;
        }
        for (const std::string &m : messages) {
            try {
                const std::string reply = hl7::mllp_send(pos[0], port, m, int(timeout * 1000));
                std::string shown = reply;
                for (char &c : shown)
                    if (c == '\r') c = '\n';
                if (!shown.empty() && shown.back() != '\n') shown += '\n';
                write_all(shown);
                std::string code;
                try {
                    code = hl7::Message::parse(reply).get("MSA", 1);
                } catch (const dcmkit::Error &e) {
                    std::fprintf(stderr, "dcmkit: error: hl7 send: %s: the reply does not parse: %s\n", pos[f].c_str(), e.what());
                    worst = std::max(worst, 1);
                    continue;
                }
                const int rc = code == "AA" || code == "CA" ? 0 : code == "AE" || code == "CE" ? 3 : code == "AR" || code == "CR" ? 4 : 1;
                if (rc) std::fprintf(stderr, "dcmkit: hl7 send: %s: MSA-1 %s\n", pos[f].c_str(), code.c_str());
                if (rc == 1 || worst == 1) worst = 1;
                else worst = std::max(worst, rc);
            } catch (const dcmkit::Error &e) {
                std::fprintf(stderr, "dcmkit: error: hl7 send: %s: %s\n", pos[f].c_str(), e.what());
                worst = 1;
            }
        }
    }
    return worst;
}

}  // namespace dcmkit_cli
