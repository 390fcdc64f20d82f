// dcmkit — the command-line tool: the argument parsing every command shares.
#include "args.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace dcmkit_cli {

int usage_error(const std::string &msg) {
    std::fprintf(stderr, "dcmkit: %s\n(try 'dcmkit help')\n", msg.c_str());
    return 2;
}

void write_all(const std::string &s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(1, s.data() + off, s.size() - off);
        if (n <= 0) return;  // a closed pipe (| head) is not an error worth reporting
        off += size_t(n);
    }
}

bool wants_help(const std::vector<std::string> &args) {
    return std::any_of(args.begin(), args.end(), [](const std::string &a) { return a == "--help" || a == "-h"; });
}

bool number_arg(const std::string &opt, const std::string &v, double lo, double hi, double &out, std::string &err) {
    char *end = nullptr;
    out = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || !(out >= lo && out <= hi)) {
        err = opt + " takes a number from " + std::to_string(int(lo)) + " to " + std::to_string(int(hi)) + ", not '" + v + "'";
        return false;
    }
    return true;
}

bool NetOptions::parse(const std::vector<std::string> &args, const std::vector<std::string> &value_opts) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        auto value = [&](std::string &out) {
            if (i + 1 >= args.size()) {
                error = a + " needs a value";
                return false;
            }
            out = args[++i];
            return true;
        };
        std::string v;
        if (tls_option(args, i)) {
            if (!error.empty()) return false;
            continue;
        }
        if (a == "-aet" || a == "--aetitle") { if (!value(aet)) return false; }
        else if (a == "-aec" || a == "--call") { if (!value(aec)) return false; }
        else if (a == "--max-pdu" || a == "-pdu") {
            if (!value(v)) return false;
            max_pdu = uint32_t(std::strtoul(v.c_str(), nullptr, 10));
            if (max_pdu != 0 && (max_pdu < 4096 || max_pdu > (64u << 20))) {
                error = "--max-pdu must be 0 or between 4096 and 67108864";
                return false;
            }
        }
        else if (a == "--user" || a == "-usr") { if (!value(user)) return false; }
        else if (a == "--password" || a == "-pwd") { if (!value(password)) return false; }
        else if (a == "--kerberos" || a == "-kt" || a == "--saml" || a == "--jwt") {
            if (!value(v)) return false;
            std::ifstream f(v, std::ios::binary);
            if (!f) {
                error = a + ": cannot read " + v;
                return false;
            }
            std::ostringstream ss;
            ss << f.rdbuf();
            identity_token = ss.str();
            if (a == "--jwt") {  // a token file usually ends with a line break; the token does not
                while (!identity_token.empty() && (identity_token.back() == '\n' || identity_token.back() == '\r'))
                    identity_token.pop_back();
            }
            if (identity_token.empty() || identity_token.size() > 65535) {
                error = a + ": " + v + " must hold 1 to 65535 bytes";
                return false;
            }
            identity_type = a == "--jwt" ? 5 : a == "--saml" ? 4 : 3;
        }
        else if (a == "--pos-response" || a == "-rsp") positive_response = true;
        else if (a == "-to") { if (!value(v)) return false; timeout_s = std::atoi(v.c_str()); }
        else if (a == "-ta") { if (!value(v)) return false; dimse_s = std::atoi(v.c_str()); }
        else if (a == "-v" || a == "--verbose") level = std::max(level, net::LogLevel::info);
        else if (a == "-d" || a == "--debug") level = net::LogLevel::trace;
        else if (std::find(value_opts.begin(), value_opts.end(), a) != value_opts.end()) {
            if (!value(v)) return false;
            rest.push_back(a);
            rest.push_back(v);
        } else rest.push_back(a);
    }
    if (identity_type && !user.empty()) {
        error = "--user and --kerberos/--saml/--jwt are different identities: give one";
        return false;
    }
    if (!password.empty() && user.empty()) {
        error = "--password needs --user";
        return false;
    }
    if (!tls_on && !tls_given_.empty()) {
        error = tls_given_ + " needs TLS (+tls KEY CERT, or +tla)";
        return false;
    }
    if (aet.empty() || aet.size() > 16 || aec.empty() || aec.size() > 16) {
        error = "AE titles are 1 to 16 characters";
        return false;
    }
    return true;
}

bool NetOptions::tls_option(const std::vector<std::string> &args, size_t &i) {
    const std::string &a = args[i];
    auto value = [&](std::string &out) {
        if (i + 1 >= args.size()) {
            error = a + " needs a value";
            return false;
        }
        out = args[++i];
        return true;
    };
    std::string v;
    auto given = [&] {
        if (tls_given_.empty()) tls_given_ = a;
    };
    if (a == "+tls" || a == "--enable-tls") {
        if (i + 2 >= args.size()) {
            error = a + " needs the private key file and the certificate file";
            return true;
        }
        tls_opts.private_key_file = args[++i];
        tls_opts.certificate_file = args[++i];
        tls_on = true;
    } else if (a == "+tla" || a == "--anonymous-tls") {
        tls_opts.private_key_file.clear();
        tls_opts.certificate_file.clear();
        tls_on = true;
    } else if (a == "-tls" || a == "--disable-tls") {
        tls_on = false;
    } else if (a == "+pw" || a == "--use-passwd") {
        given();
        value(tls_opts.private_key_password);
    } else if (a == "-pw" || a == "--null-passwd") {
        given();
        tls_opts.private_key_password.clear();
    } else if (a == "+cf" || a == "--add-cert-file") {
        given();
        if (value(v)) tls_opts.ca_files.push_back(v);
    } else if (a == "+cd" || a == "--add-cert-dir") {
        given();
        if (value(v)) tls_opts.ca_folders.push_back(v);
    } else if (a == "+crl" || a == "--add-crl-file") {
        given();
        if (value(v)) tls_opts.crl_files.push_back(v);
    } else if (a == "+py" || a == "--profile-bcp195-nd") {
        given();
        tls_opts.profile = net::TlsProfile::bcp195_nd;
    } else if (a == "+px" || a == "--profile-bcp195") {
        given();
        tls_opts.profile = net::TlsProfile::bcp195;
    } else if (a == "+pz" || a == "--profile-bcp195-ex") {
        given();
        tls_opts.profile = net::TlsProfile::bcp195_extended;
    } else if (a == "-rc" || a == "--require-peer-cert") {
        given();
        tls_opts.verify_peer = net::PeerVerification::require;
    } else if (a == "-vc" || a == "--verify-peer-cert") {
        given();
        tls_opts.verify_peer = net::PeerVerification::verify_if_presented;
    } else if (a == "-ic" || a == "--ignore-peer-cert") {
        given();
        tls_opts.verify_peer = net::PeerVerification::ignore;
    } else if (a == "+hn" || a == "--check-host-name") {
        given();
        tls_opts.verify_host_name = true;
    } else if (a == "-hn" || a == "--no-host-name-check") {
        given();
        tls_opts.verify_host_name = false;
    } else {
        return false;
    }
    return true;
}

net::AeConfig NetOptions::config() const {
    net::AeConfig c;
    c.ae_title = aet;
    c.max_pdu_length = max_pdu;
    c.log_level = level;
    c.timeouts.connect_ms = c.timeouts.artim_ms = timeout_s * 1000;
    c.timeouts.dimse_ms = dimse_s * 1000;
    if (!user.empty()) {
        net::UserIdentityRq id;
        id.type = password.empty() ? 1 : 2;  // username, or username and passcode
        id.primary = user;
        id.secondary = password;
        id.positive_response_requested = positive_response;
        c.user_identity = id;
    } else if (identity_type) {
        net::UserIdentityRq id;
        id.type = identity_type;
        id.primary = identity_token;
        id.positive_response_requested = positive_response;
        c.user_identity = id;
    }
    if (tls_on) c.tls = tls_opts;
    return c;
}

void collect_files(const std::string &path, bool recursive, bool top, std::vector<std::string> &out) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        out.push_back(path);  // reported as unreadable later
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        out.push_back(path);
        return;
    }
    if (!top && !recursive) return;
    DIR *d = ::opendir(path.c_str());
    if (!d) {
        out.push_back(path);
        return;
    }
    std::vector<std::string> names;
    while (dirent *e = ::readdir(d))
        if (e->d_name[0] != '.') names.push_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto &n : names) collect_files(path + "/" + n, recursive, false, out);
}

}  // namespace dcmkit_cli
