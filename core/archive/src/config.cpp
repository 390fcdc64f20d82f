// dcmkit — the archive server's configuration: the `key = value` file of `dcmkit serve --config`,
// and the association configuration (presentation contexts, limits) the server negotiates with.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dcmkit/archive_server.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/services/audit.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "dcmkit/services/workflow.h"

namespace dcmkit::archive {

namespace {

std::vector<std::string> words(const std::string &s) {
    std::vector<std::string> out;
    std::string w;
    for (char c : s + " ") {
        if (c == ' ' || c == ',' || c == '\t') {
            if (!w.empty()) out.push_back(w);
            w.clear();
        } else {
            w += c;
        }
    }
    return out;
}


std::string trim(const std::string &v) {
    const size_t b = v.find_first_not_of(" \t\r"), e = v.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
}

/// A key file's bytes (a trailing line break dropped, for secrets written with echo).
bool read_key_file(const std::string &path, std::string &out, std::string &err) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return err = "cannot read " + path + ": " + std::strerror(errno), false;
    std::stringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (out.empty()) return err = path + " is empty", false;
    return true;
}

}  // namespace

const std::set<std::string> &access_operations() {
    static const std::set<std::string> ops = {"store", "find", "move", "get", "worklist", "mpps", "commitment"};
    return ops;
}

bool AccessRule::parse(const std::string &text, AccessRule &out, std::string &err) {
    const std::vector<std::string> w = words(text);
    out = AccessRule{};
    if (w.size() < 2) return err = "a rule is WHO OPERATION... [dest:AE]... (WHO: *, ae:TITLE, user:NAME, ae:TITLE+user:NAME)", false;
    if (w[0] != "*") {
        for (const std::string &part : {w[0].substr(0, w[0].find('+')),
                                        w[0].find('+') == std::string::npos ? std::string() : w[0].substr(w[0].find('+') + 1)}) {
            if (part.empty()) continue;
            if (part.rfind("ae:", 0) == 0 && part.size() > 3 && part.size() <= 19) out.ae = part.substr(3);
            else if (part.rfind("user:", 0) == 0 && part.size() > 5) out.user = part.substr(5);
            else return err = "'" + w[0] + "' is not *, ae:TITLE, user:NAME or ae:TITLE+user:NAME", false;
        }
    }
    for (size_t i = 1; i < w.size(); ++i) {
        if (w[i].rfind("dest:", 0) == 0) {
            if (w[i].size() == 5 || w[i].size() > 21) return err = "'" + w[i] + "' is not dest:AE", false;
            out.destinations.insert(w[i].substr(5));
        } else if (access_operations().count(w[i])) {
            out.operations.insert(w[i]);
        } else {
            return err = "unknown operation '" + w[i] + "' (store find move get worklist mpps commitment)", false;
        }
    }
    if (out.operations.empty()) return err = "the rule names no operation", false;
    if (!out.destinations.empty() && !out.operations.count("move"))
        return err = "dest: limits move, which the rule does not permit", false;
    return true;
}

std::string AccessRule::text() const {
    std::string who = ae.empty() && user.empty() ? "*" : "";
    if (!ae.empty()) who += "ae:" + ae;
    if (!user.empty()) who += (who.empty() ? "" : "+") + std::string("user:") + user;
    for (const auto &op : operations) who += " " + op;
    for (const auto &d : destinations) who += " dest:" + d;
    return who;
}

bool Config::permits(const std::string &calling_ae, const std::string &user, const std::string &operation,
                     const std::string &destination) const {
    if (access.empty()) return true;
    for (const AccessRule &r : access) {
        if (!r.ae.empty() && r.ae != calling_ae) continue;
        if (!r.user.empty() && r.user != user) continue;
        if (!r.operations.count(operation)) continue;
        if (operation == "move" && !r.destinations.empty() && !r.destinations.count(destination)) continue;
        return true;
    }
    return false;
}

bool Config::add_destination(const std::string &d, std::string &err) {
    const size_t eq = d.find('='), colon = d.rfind(':');
    uint16_t p = 0;
    if (eq == std::string::npos || colon == std::string::npos || colon < eq || eq == 0 || eq > 16 ||
        !net::parse_port(d.substr(colon + 1), p)) {
        err = "a destination is AE=HOST:PORT, not '" + d + "'";
        return false;
    }
    destinations[d.substr(0, eq)] = {d.substr(eq + 1, colon - eq - 1), p};
    return true;
}

bool Config::set_deidentify(std::optional<DeidOptions> &target, const std::string &value, std::string &err) {
    std::vector<std::string> w;  // split on blanks only: the option lists hold commas
    {
        std::istringstream in(value);
        std::string word;
        while (in >> word) w.push_back(word);
    }
    if (w.empty() || (w.size() == 1 && w[0] == "no")) {
        target.reset();
        return true;
    }
    DeidOptions o;
    for (size_t i = 1; i < w.size(); ++i) {
        const size_t eq = w[i].find('=');
        const std::string name = w[i].substr(0, eq), list = eq == std::string::npos ? "" : w[i].substr(eq + 1);
        if (eq == std::string::npos || list.empty())
            return err = "'" + w[i] + "' is not retain=LIST, clean=LIST or burned_in=MODE", false;
        try {
            if (name == "burned_in") o.burned_in = parse_burned_in(list);
            else parse_deid_list(o, name, list);
        } catch (const Error &e) {
            return err = e.message(), false;
        }
    }
    if (o.retain_long_full_dates && o.retain_long_modified_dates)
        return err = "full-dates and modified-dates exclude each other", false;
    try {
        o.key = read_deid_key(w[0]);
    } catch (const Error &e) {
        return err = e.message(), false;
    }
    target = std::move(o);
    return true;
}

bool Config::set(const std::string &key, const std::string &value, std::string &err) {
    long v = 0;
    auto number = [&](long lo, long hi) {
        char *end = nullptr;
        v = std::strtol(value.c_str(), &end, 10);
        if (value.empty() || *end || v < lo || v > hi) {
            err = key + " takes a number from " + std::to_string(lo) + " to " + std::to_string(hi);
            return false;
        }
        return true;
    };
    if (key == "ae_title") {
        if (value.empty() || value.size() > 16) return err = "an AE title has 1 to 16 characters", false;
        ae_title = value;
    } else if (key == "port") {
        if (!number(1, 65535)) return false;
        port = uint16_t(v);
    } else if (key == "http_port") {
        if (value == "no" || value == "none") {
            http_port.reset();
        } else {
            if (!number(0, 65535)) return false;
            http_port = uint16_t(v);
        }
    } else if (key == "storage") {
        storage = value;
    } else if (key == "index") {
        index = value;
    } else if (key == "bind") {
        bind = value;
    } else if (key == "max_associations") {
        if (!number(1, 4096)) return false;
        max_associations = unsigned(v);
    } else if (key == "max_associations_per_address") {
        if (!number(0, 4096)) return false;
        max_associations_per_address = unsigned(v);
    } else if (key == "max_pending") {
        if (!number(1, 4096)) return false;
        max_pending = unsigned(v);
    } else if (key == "max_pending_per_address") {
        if (!number(1, 4096)) return false;
        max_pending_per_address = unsigned(v);
    } else if (key == "idle_timeout") {
        if (!number(1, 86400)) return false;
        idle_timeout_s = int(v);
    } else if (key == "request_timeout") {
        if (!number(1, 3600)) return false;
        request_timeout_s = int(v);
    } else if (key == "check_called_ae") {
        if (value != "yes" && value != "no") return err = "check_called_ae is 'yes' or 'no'", false;
        check_called_ae = value == "yes";
    } else if (key == "max_pdu") {
        if (!number(4096, 64 << 20)) return false;
        max_pdu = uint32_t(v);
    } else if (key == "timeout") {
        if (!number(1, 3600)) return false;
        timeout_s = int(v);
    } else if (key == "dimse_timeout") {
        if (!number(1, 3600)) return false;
        dimse_timeout_s = int(v);
    } else if (key == "allow") {
        allow = words(value);
    } else if (key == "dest") {
        return add_destination(value, err);
    } else if (key == "services") {
        static const std::set<std::string> known = {"verification", "storage", "query-retrieve", "worklist", "mpps", "commitment"};
        std::set<std::string> s;
        for (const auto &w : words(value)) {
            if (!known.count(w)) return err = "unknown service '" + w + "'", false;
            s.insert(w);
        }
        services = std::move(s);
    } else if (key == "max_dataset_size" || key == "min_free_space") {
        if (!net::parse_byte_size(value, key == "max_dataset_size" ? max_dataset_size : min_free_space))
            return err = key + " takes a size in bytes (or with K, M, G, T)", false;
    } else if (key == "deidentify_on_receipt" || key == "deidentify_on_export") {
        if (!set_deidentify(key == "deidentify_on_receipt" ? deidentify_on_receipt : deidentify_on_export, value, err)) {
            err = key + ": " + err;
            return false;
        }
        return true;
    } else if (key == "commitment_report") {
        if (value != "same" && value != "new") return err = "commitment_report is 'same' or 'new'", false;
        commitment_report_same = value == "same";
    } else if (key == "storage_transfer_syntaxes") {
        for (const auto &w : words(value)) {
            try {
                storage_transfer_syntaxes.push_back(std::string(TransferSyntax::parse(w).uid));
            } catch (const Error &e) {
                return err = e.message(), false;
            }
        }
    } else if (key == "identity") {
        if (value != "required" && value != "optional") return err = "identity is 'required' or 'optional'", false;
        identity.required = value == "required";
    } else if (key == "identity_password_file") {
        identity.password_file = value;
    } else if (key == "identity_jwt_secret_file") {
        if (!read_key_file(value, identity.jwt_options.hs256_secret, err)) return false;
        identity.jwt = true;
    } else if (key == "identity_jwt_public_key") {
        if (!read_key_file(value, identity.jwt_options.public_key_pem, err)) return false;
        identity.jwt = true;
    } else if (key == "identity_jwt_audience") {
        identity.jwt_options.audience = value;
    } else if (key == "identity_jwt_issuer") {
        identity.jwt_options.issuer = value;
    } else if (key == "identity_username_only") {
        if (value != "yes" && value != "no") return err = "identity_username_only is 'yes' or 'no'", false;
        identity.trust_username = value == "yes";
    } else if (key == "permit") {
        AccessRule r;
        if (!AccessRule::parse(value, r, err)) return false;
        access.push_back(std::move(r));
    } else if (key == "audit") {
        try {
            if (!value.empty()) audit::Destination::parse(value);
        } catch (const Error &e) {
            return err = e.message(), false;
        }
        audit.destination = value;
    } else if (key == "audit_ca") {
        audit.ca_file = value;
    } else if (key == "audit_cert") {
        audit.cert_file = value;
    } else if (key == "audit_key") {
        audit.key_file = value;
    } else if (key == "audit_spool") {
        audit.spool = value;
    } else if (key == "audit_source_id") {
        audit.source_id = value;
    } else if (key == "audit_site") {
        audit.site = value;
    } else if (key == "tls") {
        if (value != "yes" && value != "no") return err = "tls is 'yes' or 'no'", false;
        if (value == "no") tls.reset();
        else if (!tls) tls.emplace();
    } else if (key.rfind("tls_", 0) == 0) {
        return set_tls(key, value, err);
    } else if (key == "hl7_port") {
        if (value == "no") {
            hl7.port = -1;
            return true;
        }
        if (!number(0, 65535)) return false;
        hl7.port = int(v);
    } else if (key == "hl7_max_message_size") {
        uint64_t n = 0;
        if (!net::parse_byte_size(value, n) || n == 0 || n > (uint64_t(1) << 30))
            return err = "hl7_max_message_size takes a size from 1 byte to 1G", false;
        hl7.max_message_size = size_t(n);
    } else if (key == "hl7_max_connections") {
        if (!number(1, 4096)) return false;
        hl7.max_connections = unsigned(v);
    } else if (key == "hl7_timeout") {
        if (!number(1, 86400)) return false;
        hl7.timeout_s = int(v);
    } else {
        err = "unknown key '" + key + "'";
        return false;
    }
    return true;
}

bool Config::set_tls(const std::string &key, const std::string &value, std::string &err) {
    net::TlsOptions t = tls ? *tls : net::TlsOptions{};
    if (key == "tls_key") {
        t.private_key_file = value;
    } else if (key == "tls_certificate") {
        t.certificate_file = value;
    } else if (key == "tls_key_password") {
        t.private_key_password = value;
    } else if (key == "tls_ca_file") {
        t.ca_files.push_back(value);
    } else if (key == "tls_ca_folder") {
        t.ca_folders.push_back(value);
    } else if (key == "tls_crl") {
        t.crl_files.push_back(value);
    } else if (key == "tls_profile") {
        if (value == "bcp195-nd") t.profile = net::TlsProfile::bcp195_nd;
        else if (value == "bcp195") t.profile = net::TlsProfile::bcp195;
        else if (value == "bcp195-ex") t.profile = net::TlsProfile::bcp195_extended;
        else return err = "tls_profile is bcp195-nd, bcp195 or bcp195-ex", false;
    } else if (key == "tls_peer_certificate") {
        if (value == "require") t.verify_peer = net::PeerVerification::require;
        else if (value == "verify") t.verify_peer = net::PeerVerification::verify_if_presented;
        else if (value == "ignore") t.verify_peer = net::PeerVerification::ignore;
        else return err = "tls_peer_certificate is require, verify or ignore", false;
    } else if (key == "tls_check_host_name") {
        if (value != "yes" && value != "no") return err = "tls_check_host_name is 'yes' or 'no'", false;
        t.verify_host_name = value == "yes";
    } else if (key == "tls_ae_certificate") {
        const size_t sp = value.find_first_of(" \t");
        const std::string ae = value.substr(0, sp);
        const std::string bound = sp == std::string::npos ? std::string() : trim(value.substr(sp));
        if (ae.empty() || ae.size() > 16 || bound.empty())
            return err = "tls_ae_certificate is AE IDENTITY (sha256:FINGERPRINT, dns:NAME, uri:URI, cn:NAME or a name)", false;
        t.ae_certificates[ae].push_back(bound);
    } else {
        err = "unknown key '" + key + "'";
        return false;
    }
    tls = std::move(t);
    return true;
}

void Config::load(const std::string &text, const std::string &origin) {
    std::istringstream in(text);
    std::string line, err;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        const size_t hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        if (trim(line).empty()) continue;
        const std::string where = origin + ":" + std::to_string(n) + ": ";
        const size_t eq = line.find('=');
        if (eq == std::string::npos) throw Error(Errc::invalid_argument, where + "expected key = value");
        if (!set(trim(line.substr(0, eq)), trim(line.substr(eq + 1)), err)) throw Error(Errc::invalid_argument, where + err);
    }
}

void Config::load_file(const std::string &path) {
    std::ifstream f(path);
    if (!f) throw Error(Errc::not_found, "cannot read configuration file " + path);
    std::stringstream ss;
    ss << f.rdbuf();
    load(ss.str(), path);
}

Config Config::parse(const std::string &text, const std::string &origin) {
    Config c;
    c.load(text, origin);
    return c;
}

Config Config::parse_file(const std::string &path) {
    Config c;
    c.load_file(path);
    return c;
}

net::AeConfig Config::to_ae_config() const {
    net::AeConfig cfg;
    cfg.ae_title = ae_title;
    cfg.max_pdu_length = max_pdu;
    cfg.log_level = log_level;
    cfg.log = log;
    cfg.timeouts.connect_ms = cfg.timeouts.artim_ms = timeout_s * 1000;
    cfg.timeouts.dimse_ms = dimse_timeout_s * 1000;
    cfg.user_identity = user_identity;
    if (serves("verification")) cfg.add_verification();
    // C-STORE in, and out as C-GET sub-operations (SCU role) when Query/Retrieve is served.
    if (serves("storage")) cfg.add_all_storage(storage_transfer_syntaxes, /*scp=*/true, /*scu=*/serves("query-retrieve"));
    if (serves("query-retrieve"))
        for (const char *uid : {dcmkit::uids::PatientRootQueryRetrieveInformationModelFind, dcmkit::uids::PatientRootQueryRetrieveInformationModelMove, dcmkit::uids::PatientRootQueryRetrieveInformationModelGet,
                                dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, dcmkit::uids::StudyRootQueryRetrieveInformationModelMove, dcmkit::uids::StudyRootQueryRetrieveInformationModelGet})
            cfg.add(uid, {}, true, false);
    if (serves("worklist")) cfg.add(dcmkit::uids::ModalityWorklistInformationModelFind, {}, true, false);
    if (serves("mpps")) cfg.add(dcmkit::uids::ModalityPerformedProcedureStep, {}, true, false);
    if (serves("commitment")) cfg.add(dcmkit::uids::StorageCommitmentPushModel, {}, true, false);
    cfg.max_associations = max_associations;
    cfg.max_associations_per_address = max_associations_per_address;
    cfg.max_pending = max_pending;
    cfg.max_pending_per_address = max_pending_per_address;
    cfg.timeouts.idle_ms = idle_timeout_s * 1000;
    cfg.timeouts.request_ms = request_timeout_s * 1000;
    cfg.check_called_ae = check_called_ae;
    cfg.allowed_calling_aes = allow;
    apply_identity_policy(cfg, identity);
    cfg.tls = tls;
    return cfg;
}

}  // namespace dcmkit::archive
