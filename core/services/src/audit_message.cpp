// dcmkit — the DICOM Audit Messages of PS3.15 A.5.3 and their XML (the A.5.1 schema, no namespace).
#include <arpa/inet.h>

#include <cstdio>
#include <ctime>

#include "dcmkit/base64.h"
#include "dcmkit/error.h"
#include "dcmkit/services/audit.h"

namespace dcmkit::audit {

namespace {

bool is_ip_address(const std::string &host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

/// "host:port" or "[v6]:port" or "host" -> host.
std::string host_of(const std::string &address) {
    if (!address.empty() && address[0] == '[') {
        const size_t e = address.find(']');
        return e == std::string::npos ? address : address.substr(1, e - 1);
    }
    const size_t c = address.rfind(':');
    if (c != std::string::npos && address.find(':') == c) return address.substr(0, c);
    return address;
}

class Xml {
public:
    void open(const char *name) {
        close_start();
        out_ += '<';
        out_ += name;
        stack_.push_back(name);
        open_ = true;
    }
    void attr(const char *name, const std::string &value) {
        out_ += ' ';
        out_ += name;
        out_ += "=\"";
        out_ += xml_escape(value);
        out_ += '"';
    }
    void text(const std::string &t) {
        close_start();
        out_ += xml_escape(t);
    }
    void close() {
        const std::string name = stack_.back();
        stack_.pop_back();
        if (open_) {
            out_ += "/>";
            open_ = false;
        } else {
            out_ += "</" + name + ">";
        }
    }
    void code(const char *name, const Code &c) {
        open(name);
        attr("csd-code", c.code);
        attr("codeSystemName", c.system);
        attr("originalText", c.meaning);
        close();
    }
    std::string take() { return std::move(out_); }

private:
    void close_start() {
        if (open_) out_ += '>';
        open_ = false;
    }
    std::string out_;
    std::vector<std::string> stack_;
    bool open_ = false;
};

void check_action(char action, const char *allowed) {
    for (const char *p = allowed; *p; ++p)
        if (*p == action) return;
    throw Error(Errc::invalid_argument, std::string("EventActionCode '") + action + "' is not one of " + allowed);
}

Message base(const Code &id, char action, const Source &source, Outcome outcome) {
    Message m;
    m.event_id = id;
    m.action = action;
    m.source = source;
    m.outcome = outcome;
    return m;
}

Participant with_role(Participant p, const Code &role) {
    if (p.roles.empty() || !(p.roles.front() == role)) p.roles.insert(p.roles.begin(), role);
    return p;
}

void add_instances(Message &m, const Instances &what) {
    for (const auto &s : what.studies) m.objects.push_back(s);
    m.objects.push_back(patient(what.patient_id, what.patient_name));
}

}  // namespace

std::string xml_escape(const std::string &text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        case '\t': out += "&#9;"; break;
        case '\n': out += "&#10;"; break;
        case '\r': out += "&#13;"; break;
        default:
            // Other C0 controls are not allowed in XML 1.0 at all: replaced by U+FFFD.
            if (c < 0x20) out += "\xEF\xBF\xBD";
            else out += char(c);
        }
    }
    return out;
}


std::string format_time(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const time_t secs = time_t(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
    const int frac = int(((ms % 1000) + 1000) % 1000);
    struct tm tm {};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    return buf;
}

Participant application(const std::string &user_id, const std::vector<std::string> &ae_titles, const std::string &host,
                        bool requestor, std::optional<Code> role) {
    Participant p;
    p.user_id = user_id;
    if (!ae_titles.empty()) {
        p.alternative_user_id = "AETITLES=";
        for (size_t i = 0; i < ae_titles.size(); ++i) p.alternative_user_id += (i ? ";" : "") + ae_titles[i];
    }
    p.requestor = requestor;
    if (role) p.roles.push_back(*role);
    if (!host.empty()) {
        p.network_id = host;
        p.network_type = is_ip_address(host) ? 2 : 1;
    }
    return p;
}

Participant peer(const std::string &ae_title, const std::string &address, bool requestor, std::optional<Code> role) {
    Participant p = application(ae_title, {ae_title}, host_of(address), requestor, role);
    return p;
}

ParticipantObject study(const std::string &study_uid, std::vector<SopClassCount> sop_classes,
                        std::vector<std::string> accessions) {
    ParticipantObject o;
    o.id = study_uid;
    o.id_type = codes::StudyInstanceUID;
    o.type_code = 2;
    o.type_role = 3;
    o.sop_classes = std::move(sop_classes);
    o.accessions = std::move(accessions);
    return o;
}

ParticipantObject patient(const std::string &patient_id, const std::string &patient_name) {
    ParticipantObject o;
    o.id = patient_id;
    o.id_type = codes::PatientNumber;
    o.type_code = 1;
    o.type_role = 1;
    o.name = patient_name;
    return o;
}

std::string Message::to_xml() const {
    Xml x;
    x.open("AuditMessage");
    x.open("EventIdentification");
    if (action) x.attr("EventActionCode", std::string(1, action));
    x.attr("EventDateTime", format_time(time));
    x.attr("EventOutcomeIndicator", std::to_string(int(outcome)));
    x.code("EventID", event_id);
    for (const Code &c : event_types) x.code("EventTypeCode", c);
    if (!outcome_description.empty()) {
        x.open("EventOutcomeDescription");
        x.text(outcome_description);
        x.close();
    }
    x.close();
    for (const Participant &p : participants) {
        x.open("ActiveParticipant");
        x.attr("UserID", p.user_id);
        if (!p.alternative_user_id.empty()) x.attr("AlternativeUserID", p.alternative_user_id);
        if (!p.user_name.empty()) x.attr("UserName", p.user_name);
        x.attr("UserIsRequestor", p.requestor ? "true" : "false");
        if (!p.network_id.empty()) {
            x.attr("NetworkAccessPointID", p.network_id);
            if (p.network_type) x.attr("NetworkAccessPointTypeCode", std::to_string(p.network_type));
        }
        for (const Code &c : p.roles) x.code("RoleIDCode", c);
        if (p.media_type) {
            x.open("MediaIdentifier");
            x.code("MediaType", *p.media_type);
            x.close();
        }
        x.close();
    }
    x.open("AuditSourceIdentification");
    if (!source.enterprise_site.empty()) x.attr("AuditEnterpriseSiteID", source.enterprise_site);
    x.attr("AuditSourceID", source.id);
    for (const std::string &t : source.type_codes) {
        x.open("AuditSourceTypeCode");
        x.attr("csd-code", t);
        x.close();
    }
    x.close();
    for (const ParticipantObject &o : objects) {
        x.open("ParticipantObjectIdentification");
        x.attr("ParticipantObjectID", o.id);
        if (o.type_code) x.attr("ParticipantObjectTypeCode", std::to_string(o.type_code));
        if (o.type_role) x.attr("ParticipantObjectTypeCodeRole", std::to_string(o.type_role));
        if (o.life_cycle) x.attr("ParticipantObjectDataLifeCycle", std::to_string(o.life_cycle));
        if (!o.sensitivity.empty()) x.attr("ParticipantObjectSensitivity", o.sensitivity);
        x.code("ParticipantObjectIDTypeCode", o.id_type);
        if (o.query) {
            x.open("ParticipantObjectQuery");
            x.text(base64_encode(*o.query));
            x.close();
        } else {
            x.open("ParticipantObjectName");
            x.text(o.name.empty() ? o.id : o.name);
            x.close();
        }
        for (const auto &d : o.details) {
            x.open("ParticipantObjectDetail");
            x.attr("type", d.first);
            x.attr("value", base64_encode(d.second));
            x.close();
        }
        if (!o.mpps.empty() || !o.accessions.empty() || !o.sop_classes.empty() || !o.contains_studies.empty() ||
            o.encrypted || o.anonymized) {
            x.open("ParticipantObjectDescription");
            for (const auto &u : o.mpps) {
                x.open("MPPS");
                x.attr("UID", u);
                x.close();
            }
            for (const auto &a : o.accessions) {
                x.open("Accession");
                x.attr("Number", a);
                x.close();
            }
            for (const auto &s : o.sop_classes) {
                x.open("SOPClass");
                if (!s.uid.empty()) x.attr("UID", s.uid);
                x.attr("NumberOfInstances", std::to_string(s.instances));
                for (const auto &i : s.instance_uids) {
                    x.open("Instance");
                    x.attr("UID", i);
                    x.close();
                }
                x.close();
            }
            if (!o.contains_studies.empty()) {
                x.open("ParticipantObjectContainsStudy");
                for (const auto &s : o.contains_studies) {
                    x.open("StudyIDs");
                    x.attr("UID", s);
                    x.close();
                }
                x.close();
            }
            if (o.encrypted) {
                x.open("Encrypted");
                x.text(*o.encrypted ? "true" : "false");
                x.close();
            }
            if (o.anonymized) {
                x.open("Anonymized");
                x.text(*o.anonymized ? "true" : "false");
                x.close();
            }
            x.close();
        }
        x.close();
    }
    x.close();
    return x.take();
}

// -- builders --------------------------------------------------------------------------------------

Message application_activity(bool start, const Source &source, Participant app, std::optional<Participant> launcher,
                             Outcome outcome) {
    Message m = base(codes::ApplicationActivity, 'E', source, outcome);
    m.event_types.push_back(start ? codes::ApplicationStart : codes::ApplicationStop);
    m.participants.push_back(with_role(std::move(app), codes::Application));
    if (launcher) {
        launcher->requestor = true;
        m.participants.push_back(with_role(std::move(*launcher), codes::ApplicationLauncher));
    }
    return m;
}

Message audit_log_used(const Source &source, Participant accessor, const std::string &log_uri, Outcome outcome) {
    Message m = base(codes::AuditLogUsed, 'R', source, outcome);
    accessor.requestor = true;
    m.participants.push_back(std::move(accessor));
    ParticipantObject o;
    o.id = log_uri;
    o.id_type = codes::URI;
    o.type_code = 2;
    o.type_role = 13;  // Security Resource
    o.name = "Security Audit Log";
    m.objects.push_back(std::move(o));
    return m;
}

Message begin_transferring(const Source &source, Participant sender, Participant receiver, const Instances &what,
                           std::vector<Participant> others, Outcome outcome) {
    Message m = base(codes::BeginTransferringDicomInstances, 'E', source, outcome);
    m.participants.push_back(with_role(std::move(sender), codes::SourceRoleID));
    m.participants.push_back(with_role(std::move(receiver), codes::DestinationRoleID));
    for (auto &o : others) m.participants.push_back(std::move(o));
    add_instances(m, what);
    return m;
}

Message data_export(const Source &source, Participant exporter, Participant media, const Instances &what,
                    Outcome outcome) {
    Message m = base(codes::Export, 'R', source, outcome);
    exporter.requestor = true;
    m.participants.push_back(with_role(std::move(exporter), codes::SourceRoleID));
    media.requestor = false;
    m.participants.push_back(with_role(std::move(media), codes::DestinationMedia));
    add_instances(m, what);
    return m;
}

Message data_import(const Source &source, Participant importer, Participant media, const Instances &what,
                    Outcome outcome) {
    Message m = base(codes::Import, 'C', source, outcome);
    importer.requestor = true;
    m.participants.push_back(with_role(std::move(importer), codes::DestinationRoleID));
    media.requestor = false;
    m.participants.push_back(with_role(std::move(media), codes::SourceMedia));
    add_instances(m, what);
    return m;
}

Message instances_accessed(const Source &source, char action, std::vector<Participant> accessors, const Instances &what,
                           Outcome outcome) {
    check_action(action, "CRUD");
    Message m = base(codes::DicomInstancesAccessed, action, source, outcome);
    if (accessors.empty()) throw Error(Errc::invalid_argument, "DICOM Instances Accessed needs who accessed them");
    m.participants = std::move(accessors);
    add_instances(m, what);
    return m;
}

Message instances_transferred(const Source &source, char action, Participant sender, Participant receiver,
                              const Instances &what, std::vector<Participant> others, Outcome outcome,
                              const std::string &description) {
    check_action(action, "CRU");
    Message m = base(codes::DicomInstancesTransferred, action, source, outcome);
    m.outcome_description = description;
    m.participants.push_back(with_role(std::move(sender), codes::SourceRoleID));
    m.participants.push_back(with_role(std::move(receiver), codes::DestinationRoleID));
    for (auto &o : others) m.participants.push_back(std::move(o));
    add_instances(m, what);
    return m;
}

Message network_entry(bool attach, const Source &source, Participant node, Outcome outcome) {
    Message m = base(codes::NetworkEntry, 'E', source, outcome);
    m.event_types.push_back(attach ? codes::Attach : codes::Detach);
    node.requestor = false;
    m.participants.push_back(std::move(node));
    return m;
}

Message query(const Source &source, Participant requestor, Participant responder, const std::string &sop_class_uid,
              const std::string &query_bytes, const std::string &transfer_syntax, Outcome outcome) {
    Message m = base(codes::Query, 'E', source, outcome);
    requestor.requestor = true;
    m.participants.push_back(with_role(std::move(requestor), codes::SourceRoleID));
    m.participants.push_back(with_role(std::move(responder), codes::DestinationRoleID));
    ParticipantObject o;
    o.id = sop_class_uid;
    o.id_type = codes::SOPClassUID;
    o.type_code = 2;
    o.type_role = 3;  // Report (PS3.15 A.5.3.10: "SOP Queried")
    o.query = query_bytes;
    if (!transfer_syntax.empty()) o.details.emplace_back("TransferSyntax", transfer_syntax);
    m.objects.push_back(std::move(o));
    return m;
}

Message security_alert(const Source &source, const Code &type, Participant reporter, std::vector<Participant> performers,
                       ParticipantObject subject, const std::string &description, Outcome outcome) {
    Message m = base(codes::SecurityAlert, 'E', source, outcome);
    m.event_types.push_back(type);
    m.outcome_description = description;
    reporter.requestor = true;
    m.participants.push_back(std::move(reporter));
    for (auto &p : performers) m.participants.push_back(std::move(p));
    if (!description.empty()) subject.details.emplace_back("Alert Description", description);
    m.objects.push_back(std::move(subject));
    return m;
}

Message user_authentication(bool login, const Source &source, Participant user, std::optional<Participant> node,
                            Outcome outcome, const std::string &description) {
    Message m = base(codes::UserAuthentication, 'E', source, outcome);
    m.event_types.push_back(login ? codes::Login : codes::Logout);
    m.outcome_description = description;
    user.requestor = true;
    m.participants.push_back(std::move(user));
    if (node) {
        node->requestor = false;
        m.participants.push_back(std::move(*node));
    }
    return m;
}

}  // namespace dcmkit::audit
