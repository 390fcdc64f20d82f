// dcmkit — the DICOM Conformance Statement (PS3.2 Annex A outline) of an AeConfig.
#include "dcmkit/services/conformance.h"

#include <cstdio>
#include <map>
#include <sstream>

#include "dcmkit/dictionary.h"
#include "dcmkit/net/association.h"

namespace dcmkit::net {

namespace {

std::string uid_name(const std::string &uid) {
    const UidEntry *e = uid_find(uid);
    return e ? std::string(e->name()) + (e->retired ? " (retired)" : "") : uid;
}

std::string role_text(bool scu, bool scp) {
    return scu && scp ? "SCU, SCP" : scu ? "SCU" : scp ? "SCP" : "-";
}

/// PS3.4 service class of a SOP class, for grouping the overview table.
std::string service_of(const std::string &uid) {
    if (uid == uids::Verification) return "Verification";
    if (is_storage_sop_class(uid)) return "Storage";
    if (uid.rfind("1.2.840.10008.5.1.4.1.2.", 0) == 0) return "Query/Retrieve";  // PS3.4 C.6: the Q/R models' arc
    if (uid == uids::ModalityWorklistInformationModelFind) return "Basic Worklist Management";
    if (uid == uids::ModalityPerformedProcedureStep) return "Modality Performed Procedure Step";
    if (uid == uids::StorageCommitmentPushModel) return "Storage Commitment";
    return "Other";
}

std::string ms(int v) {
    if (v <= 0) return "none";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", v / 1000.0);
    return buf;
}

}  // namespace

std::vector<ConformanceRow> conformance_rows(const AeConfig &config) {
    std::vector<ConformanceRow> rows;
    for (const SopClassSupport &s : config.sop_classes) {
        const std::vector<std::string> &ts = s.transfer_syntaxes.empty() ? uncompressed_transfer_syntaxes() : s.transfer_syntaxes;
        for (const std::string &t : ts) rows.push_back({s.sop_class_uid, t, s.scu, s.scp});
    }
    return rows;
}

std::string conformance_statement_md(const AeConfig &config, const ConformanceProduct &product) {
    std::ostringstream o;
    const std::string version = product.version.empty() ? config.impl_version_name() : product.version;
    const std::string app = product.application.empty() ? product.name : product.application;
    o << "# DICOM Conformance Statement: " << app << "\n\n";
    o << "Product: " << product.name << ", version " << version << ", by " << product.manufacturer << ".\n";
    o << "This statement is generated from the configuration that drives the application's association\n"
         "negotiation (dcmkit::net::AeConfig); it follows the outline of DICOM PS3.2 Annex A.\n\n";

    // 1 Overview: services by class, as SCU (user) and SCP (provider).
    o << "## 1 Overview\n\n";
    if (!product.description.empty()) o << product.description << "\n\n";
    std::map<std::string, std::pair<bool, bool>> services;
    for (const auto &s : config.sop_classes) {
        auto &r = services[service_of(s.sop_class_uid)];
        r.first |= s.scu;
        r.second |= s.scp;
    }
    o << "| Network service | User of service (SCU) | Provider of service (SCP) |\n|---|---|---|\n";
    for (const auto &[name, roles] : services)
        o << "| " << name << " | " << (roles.first ? "Yes" : "No") << " | " << (roles.second ? "Yes" : "No") << " |\n";
    o << "\nMedia services: none.\n\n";

    // 4 Networking.
    o << "## 4 Networking\n\n### 4.1 Implementation model\n\n";
    o << "One Application Entity, **" << config.ae_title << "**, ";
    o << (product.port ? "listening on TCP port " + std::to_string(product.port) : std::string("listening on a configured TCP port"))
      << " and requesting associations as the services below need. Each association is served by a\n"
         "worker of a bounded pool; datasets are streamed to and from files.\n\n";
    o << "### 4.2 AE specification: " << config.ae_title << "\n\n#### 4.2.1 SOP classes\n\n";
    o << "| SOP class | UID | SCU | SCP |\n|---|---|---|---|\n";
    for (const auto &s : config.sop_classes)
        o << "| " << uid_name(s.sop_class_uid) << " | " << s.sop_class_uid << " | " << (s.scu ? "Yes" : "No") << " | "
          << (s.scp ? "Yes" : "No") << " |\n";

    o << "\n#### 4.2.2 Association policies\n\n";
    o << "| Policy | Value |\n|---|---|\n";
    o << "| Application Context Name | " << uids::DICOMApplicationContext << " |\n";
    o << "| Maximum PDU size received | " << (config.max_pdu_length ? std::to_string(config.max_pdu_length) + " bytes" : std::string("unlimited")) << " |\n";
    o << "| Maximum number of simultaneous associations | " << config.max_associations << " |\n";
    o << "| Maximum simultaneous associations from one IP address | "
      << (config.max_associations_per_address ? std::to_string(config.max_associations_per_address) : std::string("no other limit"))
      << " |\n";
    o << "| Connections still sending their A-ASSOCIATE-RQ (total / from one IP address) | " << config.max_pending << " / "
      << config.max_pending_per_address << "; past either, the one waiting longest is closed |\n";
    o << "| Asynchronous operations window (invoked / performed) | " << config.max_ops_invoked << " / "
      << config.max_ops_performed << (config.max_ops_invoked == 1 && config.max_ops_performed == 1 ? " (synchronous)" : "") << " |\n";
    o << "| Implementation Class UID | " << config.impl_class_uid() << " |\n";
    o << "| Implementation Version Name | " << config.impl_version_name() << " |\n";
    o << "| Called AE Title checked | " << (config.check_called_ae ? "Yes (must be " + config.ae_title + ")" : std::string("No")) << " |\n";
    o << "| Calling AE Titles accepted | ";
    if (config.allowed_calling_aes.empty()) {
        o << "any";
    } else {
        for (size_t i = 0; i < config.allowed_calling_aes.size(); ++i) o << (i ? ", " : "") << config.allowed_calling_aes[i];
    }
    o << " |\n\nAn association request beyond the maximum number of associations is rejected transiently\n"
         "(PS3.8 Table 9-21: rejected-transient, service-provider presentation related, local-limit-exceeded).\n\n";

    o << "#### 4.2.3 Presentation contexts\n\n"
         "An association request is accepted when it proposes one of these abstract syntaxes with one of its\n"
         "transfer syntaxes and a role this AE takes (SCP/SCU Role Selection, PS3.7 D.3.3.4); as SCP the first\n"
         "transfer syntax of this table's order that the requestor proposed is chosen.\n\n";
    o << "| Abstract syntax | Transfer syntaxes (in order of preference) | Role | Extended negotiation |\n|---|---|---|---|\n";
    for (const auto &s : config.sop_classes) {
        const std::vector<std::string> &ts = s.transfer_syntaxes.empty() ? uncompressed_transfer_syntaxes() : s.transfer_syntaxes;
        o << "| " << uid_name(s.sop_class_uid) << " `" << s.sop_class_uid << "` | ";
        for (size_t i = 0; i < ts.size(); ++i) o << (i ? "<br>" : "") << uid_name(ts[i]) << " `" << ts[i] << "`";
        o << " | " << role_text(s.scu, s.scp) << " | " << (s.extended_negotiation.empty() ? "None" : "SOP Class Extended Negotiation") << " |\n";
    }

    if (!product.service_notes.empty()) {
        o << "\n#### 4.2.4 SOP specific conformance\n\n";
        for (const auto &[service, text] : product.service_notes) o << "**" << service << ".** " << text << "\n\n";
    } else {
        o << "\n";
    }
    o << "#### 4.2." << (product.service_notes.empty() ? 4 : 5) << " User identity negotiation\n\n";
    if (config.user_identity_types.empty()) {
        o << "User Identity Negotiation (PS3.7 D.3.3.7) sub-items are accepted and ignored.\n\n";
    } else {
        o << "Accepted user identity types:";
        for (uint8_t t : config.user_identity_types)
            o << " " << int(t) << (t == 1 ? " (username)" : t == 2 ? " (username and passcode)" : t == 3 ? " (Kerberos)" : t == 4 ? " (SAML)" : t == 5 ? " (JWT)" : "");
        o << ".\n\n";
    }

    o << "### 4.3 Network interfaces\n\nTCP/IP over IPv4 and IPv6 (PS3.8 9), TCP_NODELAY set. ";
    if (!config.tls) {
        o << "TLS is not offered.\n\n";
    } else {
        const TlsOptions &t = *config.tls;
        o << "Every association is secured by TLS (PS3.15 Annex B); the port takes no plain connection.\n\n";
        o << "#### 4.3.1 Security profile\n\n";
        o << "| Item | Value |\n|---|---|\n";
        o << "| Secure Transport Connection Profile | " << tls_profile_name(t.profile) << " |\n";
        o << "| TLS versions | " << tls_profile_versions(t.profile) << " (TLS 1.0 and 1.1 are never negotiated) |\n";
        o << "| TLS 1.2 cipher suites | ";
        const auto suites = tls_profile_cipher_suites(t.profile);
        for (size_t i = 0; i < suites.size(); ++i) o << (i ? ", " : "") << suites[i];
        o << " |\n";
        if (t.profile != TlsProfile::bcp195_extended) o << "| TLS 1.3 cipher suites | TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256 |\n";
        o << "| Client certificates | "
          << (t.verify_peer == PeerVerification::require ? "required, verified against the configured CAs (mutual authentication)"
              : t.verify_peer == PeerVerification::verify_if_presented ? "optional; verified against the configured CAs when presented"
                                                                         : "not requested")
          << " |\n";
        o << "| Certificate revocation lists | " << (t.crl_files.empty() ? "not checked" : "checked (" + std::to_string(t.crl_files.size()) + " configured)") << " |\n";
        o << "| Calling AE Titles bound to certificates | "
          << (t.ae_certificates.empty() ? "no binding" : std::to_string(t.ae_certificates.size()) +
                                                             " AE title(s); any other, or a certificate not bound to its AE title, is rejected "
                                                             "(A-ASSOCIATE-RJ rejected-permanent, service-user, calling AE title not recognized)")
          << " |\n\n";
    }
    o << "### 4.4 Configuration\n\n| Parameter | Value |\n|---|---|\n";
    o << "| AE title | " << config.ae_title << " |\n";
    o << "| Connection timeout | " << ms(config.timeouts.connect_ms) << " |\n";
    o << "| ARTIM timeout (association request, release) | " << ms(config.timeouts.artim_ms) << " |\n";
    o << "| A-ASSOCIATE-RQ to arrive whole, from the connection | " << ms(Association::request_timeout_ms(config)) << " |\n";
    o << "| DIMSE timeout | " << ms(config.timeouts.dimse_ms) << " |\n";
    o << "| Idle association timeout | " << ms(config.timeouts.idle_ms) << " |\n\n";

    if (!product.web_services.empty()) {
        o << "### 4.5 Web services (DICOMweb, PS3.18)\n\n"
             "The application is a DICOMweb origin server over "
          << (product.web_https ? "HTTPS (HTTP/1.1 over TLS, with the profile, certificates and client certificate "
                                  "requirement of section 4.3.1; Basic and Bearer credentials are checked as user "
                                  "identities are)"
                                : "HTTP/1.1")
          << " at `" << product.web_base << "` on port "
          << (product.http_port ? std::to_string(product.http_port) : std::string("(configurable)"))
          << ". Errors are answered with the status codes PS3.18 defines and the reason as text/plain.\n\n";
        o << "| Service | Resources | Media types | Notes |\n|---|---|---|---|\n";
        for (const auto &w : product.web_services)
            o << "| " << w.name << " | " << w.resources << " | " << w.media_types << " | " << w.notes << " |\n";
        o << "\n";
    }
    o << "## 5 Media interchange\n\nNone.\n\n";
    o << "## 6 Support of character sets\n\n"
         "ISO_IR 6 (default), ISO_IR 100, 101, 109, 110, 126, 127, 138, 144, 148, 166, 203, ISO_IR 13, ISO_IR 192 (UTF-8),\n"
         "GB18030, GBK, and ISO 2022 code extensions (IR 6, 13, 87, 159, 149, 58 and the single-byte sets). Values\n"
         "are decoded to UTF-8 for matching; query responses are returned in ISO_IR 192 unless the query's set\n"
         "can hold them.\n\n";
    o << "## 7 Security\n\n";
    if (config.tls)
        o << "Every association is secured by the " << tls_profile_name(config.tls->profile)
          << " (section 4.3.1). Access can be limited to the calling AE titles above.\n";
    else
        o << "No security profiles are supported. Access can be limited to the calling AE titles above.\n";
    return o.str();
}

namespace {

/// Text of a Markdown line as HTML: escapes &, < and > (keeping the <br> the tables use), then
/// `code` and **bold** spans.
std::string inline_html(const std::string &md) {
    std::string esc;
    for (size_t i = 0; i < md.size(); ++i) {
        if (md.compare(i, 4, "<br>") == 0) {
            esc += "<br>";
            i += 3;
        } else if (md[i] == '&') {
            esc += "&amp;";
        } else if (md[i] == '<') {
            esc += "&lt;";
        } else if (md[i] == '>') {
            esc += "&gt;";
        } else {
            esc += md[i];
        }
    }
    std::string out;
    bool code = false, bold = false;
    for (size_t i = 0; i < esc.size(); ++i) {
        if (esc[i] == '`') {
            out += code ? "</code>" : "<code>";
            code = !code;
        } else if (!code && esc.compare(i, 2, "**") == 0) {
            out += bold ? "</strong>" : "<strong>";
            bold = !bold;
            ++i;
        } else {
            out += esc[i];
        }
    }
    if (code) out += "</code>";
    if (bold) out += "</strong>";
    return out;
}

std::vector<std::string> table_cells(const std::string &line) {
    std::vector<std::string> cells;
    size_t b = line.find('|') + 1;
    for (size_t e; (e = line.find('|', b)) != std::string::npos; b = e + 1) {
        std::string c = line.substr(b, e - b);
        const size_t f = c.find_first_not_of(' '), l = c.find_last_not_of(' ');
        cells.push_back(f == std::string::npos ? std::string() : c.substr(f, l - f + 1));
    }
    return cells;
}

}  // namespace

std::string conformance_statement_html(const AeConfig &config, const ConformanceProduct &product) {
    std::istringstream md(conformance_statement_md(config, product));
    const std::string app = product.application.empty() ? product.name : product.application;
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>DICOM Conformance Statement: "
      << inline_html(app) << "</title>\n<style>\nbody{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}\n"
      << "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #999;padding:.25em .5em;text-align:left;"
         "vertical-align:top}\nth{background:#eee}code{font-size:90%}\n</style>\n</head>\n<body>\n";
    std::string line, paragraph;
    bool in_table = false;
    auto end_paragraph = [&] {
        if (!paragraph.empty()) o << "<p>" << inline_html(paragraph) << "</p>\n";
        paragraph.clear();
    };
    while (std::getline(md, line)) {
        if (line.rfind("|", 0) == 0) {
            end_paragraph();
            if (line.rfind("|---", 0) == 0) continue;  // the header separator
            const bool header = !in_table;
            if (header) o << "<table>\n";
            in_table = true;
            o << "<tr>";
            for (const std::string &c : table_cells(line))
                o << (header ? "<th>" : "<td>") << inline_html(c) << (header ? "</th>" : "</td>");
            o << "</tr>\n";
            continue;
        }
        if (in_table) o << "</table>\n";
        in_table = false;
        if (line.empty()) {
            end_paragraph();
        } else if (line[0] == '#') {
            end_paragraph();
            const size_t level = line.find_first_not_of('#');
            o << "<h" << level << ">" << inline_html(line.substr(level + 1)) << "</h" << level << ">\n";
        } else {
            paragraph += paragraph.empty() ? line : "\n" + line;
        }
    }
    if (in_table) o << "</table>\n";
    end_paragraph();
    o << "</body>\n</html>\n";
    return o.str();
}

}  // namespace dcmkit::net
