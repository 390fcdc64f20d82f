// dcmkit — the command-line tool: the argument parsing every command shares.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dcmkit/services/services.h"

namespace dcmkit_cli {

namespace net = dcmkit::net;

/// Prints "dcmkit: MSG" and a pointer to the help on stderr; returns 2, the exit status of a usage error.
int usage_error(const std::string &msg);

/// Writes `s` to stdout whole (a closed pipe, as with `| head`, ends it quietly).
void write_all(const std::string &s);

/// The files a command reads: each path, or the files in a folder (sorted, hidden names skipped;
/// its sub-folders too when `recursive`, or always for `top` = false); a path that cannot be read
/// stays, to be reported as unreadable.
void collect_files(const std::string &path, bool recursive, bool top, std::vector<std::string> &out);

/// True when the arguments ask for the command's usage: `--help` or `-h` among them.
bool wants_help(const std::vector<std::string> &args);

/// Parses a number option's value; false (and a message) when it is not a number in [lo, hi].
bool number_arg(const std::string &opt, const std::string &v, double lo, double hi, double &out, std::string &err);

using dcmkit::net::parse_port;                      // a TCP port, 1 to 65535
inline bool parse_size(const std::string &v, uint64_t &out) { return dcmkit::net::parse_byte_size(v, out); }

/// The options shared by the network commands, DCMTK style (-aet, -aec, -pdu, -to, -ta, -v, -d,
/// --user, --password); the other arguments land in `rest`, in order, each of the command's
/// `value_opts` followed by its value.
struct NetOptions {
    std::string aet = "DCMKIT", aec = "ANY-SCP", user, password;
    /// A user identity read from a file (--kerberos 3, --saml 4, --jwt 5): its type and bytes.
    uint8_t identity_type = 0;
    std::string identity_token;
    bool positive_response = false;  ///< -rsp: ask the acceptor to confirm the identity
    uint32_t max_pdu = 262144;
    int timeout_s = 30, dimse_s = 60;
    net::LogLevel level = net::LogLevel::warning;
    /// TLS (DCMTK's options: +tls KEY CERT, +tla, -tls, +pw, +cf, +cd, +crl, +py/+px/+pz,
    /// -rc/-vc/-ic, +hn/-hn): on when tls_on; tls_opts holds what was given.
    bool tls_on = false;
    net::TlsOptions tls_opts;
    std::vector<std::string> rest;
    std::string error;

    /// False (and `error` set) when an option lacks its value or has a bad one.
    bool parse(const std::vector<std::string> &args, const std::vector<std::string> &value_opts);
    /// The association settings these options make.
    net::AeConfig config() const;

private:
    /// A TLS option at args[i] (its values consumed): true when it was one (`error` set when bad).
    bool tls_option(const std::vector<std::string> &args, size_t &i);
    std::string tls_given_;  ///< the first TLS setting given, for "needs +tls"
};

}  // namespace dcmkit_cli
