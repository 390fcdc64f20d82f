// dcmkit — a DICOM Conformance Statement (PS3.2) generated from the AeConfig that drives
// negotiation, so that what the statement says is what the application does.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "dcmkit/net/ae_config.h"

namespace dcmkit::net {

/// What the statement says of the product around the configuration.
struct ConformanceProduct {
    std::string name = "dcmkit";
    std::string version;           ///< empty: dcmkit's version name
    std::string manufacturer = "the dcmkit project";
    std::string application;       ///< e.g. "dcmkit serve"
    std::string description;       ///< a paragraph on what the application does
    uint16_t port = 0;             ///< the listening port, 0 = configurable
    /// How the application behaves in services beyond what negotiation shows (PS3.2 A.4.2.x
    /// "SOP specific conformance"), as (service, paragraph) pairs, in order.
    std::vector<std::pair<std::string, std::string>> service_notes;
    /// DICOMweb services (PS3.18) the application provides as origin server: listed in the
    /// statement's web services section when any is given.
    struct WebService {
        std::string name;         ///< "QIDO-RS (Search)"
        std::string resources;    ///< "GET /studies, /series, ..."
        std::string media_types;  ///< what is produced or accepted
        std::string notes;        ///< behaviour beyond the standard's defaults
    };
    std::vector<WebService> web_services;
    uint16_t http_port = 0;  ///< 0: configurable
    std::string web_base;    ///< the services' base path, "/dicomweb"
    bool web_https = false;  ///< served over HTTPS (the TLS profile of section 4.3.1), not HTTP
};

/// One row of the statement's presentation context tables (PS3.2 A.4.2.x): what an association
/// proposing this abstract syntax, transfer syntax and role gets accepted.
struct ConformanceRow {
    std::string sop_class_uid, transfer_syntax_uid;
    bool scu = false, scp = false;  ///< the roles this AE takes
};

/// The rows `config` accepts, in the statement's order (its SOP classes, their syntaxes).
std::vector<ConformanceRow> conformance_rows(const AeConfig &config);

/// The statement in Markdown, following PS3.2 Annex A's outline: overview, networking (implementation
/// model, AE specification, SOP classes and roles, association policies — application context, max
/// PDU, number of associations, asynchronous window, implementation identification — presentation
/// contexts, extended negotiation, user identity), network interfaces, configuration, media (none),
/// character sets, security. Deterministic: the same configuration gives the same text.
std::string conformance_statement_md(const AeConfig &config, const ConformanceProduct &product);

/// The same statement as a standalone HTML document (the Markdown above rendered: headings,
/// paragraphs, tables, bold and code spans), for sites that publish statements on the web.
std::string conformance_statement_html(const AeConfig &config, const ConformanceProduct &product);

}  // namespace dcmkit::net
