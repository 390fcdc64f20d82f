// dcmkit — the archive server's audit trail: DICOM audit messages (PS3.15 A.5.3) for what the
// server does, sent by an AuditLogger from its own thread.
#include "audit_trail.h"

#include <unistd.h>

#include <cctype>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/services/services.h"

namespace dcmkit::archive {

namespace au = dcmkit::audit;

namespace {

constexpr Tag kPatientID{0x0010, 0x0020}, kPatientName{0x0010, 0x0010}, kStudyInstanceUID{0x0020, 0x000D},
    kAccessionNumber{0x0008, 0x0050};
const char *const kExplicitVRLittleEndian = "1.2.840.10008.1.2.1";

std::string hostname() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return {};
    return buf;
}

class StringSink : public Sink {
public:
    void write(const uint8_t *data, size_t size) override { out.append(reinterpret_cast<const char *>(data), size); }
    std::string out;
};

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    size_t b = 0;
    while (b < s.size() && s[b] == ' ') ++b;
    return s.substr(b);
}

}  // namespace

InstanceFacts instance_facts(const Dataset &ds) {
    InstanceFacts f;
    f.patient_id = ds.get_string_or(kPatientID, "");
    f.patient_name = ds.get_string_or(kPatientName, "");
    f.study_uid = ds.get_string_or(kStudyInstanceUID, "");
    f.accession = ds.get_string_or(kAccessionNumber, "");
    f.sop_class_uid = ds.get_string_or(tags::SOPClassUID, "");
    f.sop_instance_uid = ds.get_string_or(tags::SOPInstanceUID, "");
    return f;
}

std::string default_audit_spool(const Config &config) {
    if (config.index.empty() || !is_postgresql_spec(config.index)) return config.storage + "/audit-spool";
    // Servers sharing the storage folder (and the index) each keep a spool of their own: spooled
    // messages are numbered per spool, and a server resumes (and empties) only its own.
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::string name = host;
    for (char &ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.') ch = '_';
    // (a server without a configured port, which the C ABI allows, spools per process)
    return config.storage + "/audit-spool-" + name + "-" +
           (config.port ? std::to_string(config.port) : "pid" + std::to_string(::getpid()));
}

Server::Audit::Audit(const Config &config, const net::AeConfig &ae) : ae_(ae) {
    const AuditSettings &s = config.audit;
    source_.id = s.source_id.empty() ? config.ae_title : s.source_id;
    source_.enterprise_site = s.site;
    au::AuditLogger::Options o;
    o.destination = au::Destination::parse(s.destination);
    o.destination.ca_file = s.ca_file;
    o.destination.cert_file = s.cert_file;
    o.destination.key_file = s.key_file;
    o.spool = s.spool.empty() ? default_audit_spool(config) : s.spool;
    o.app_name = "dcmkit";
    o.log = [ae](const std::string &line) { ae.emit(net::LogLevel::warning, line); };
    logger_ = std::make_unique<au::AuditLogger>(std::move(o));
}

Server::Audit::~Audit() { stop(); }

void Server::Audit::stop() {
    if (logger_) logger_->stop(2000);
}

au::Participant Server::Audit::self(bool requestor) const {
    // PS3.15 A.5.2.1: a process is identified by its process ID; A.5.2.2: its AE titles.
    return au::application(std::to_string(::getpid()), {ae_.ae_title}, hostname(), requestor);
}

void Server::Audit::application(bool start) {
    logger_->log(au::application_activity(start, source_, self(false)));
}

void Server::Audit::rejected(const net::AAssociateRq &rq, const std::string &peer, const net::AAssociateRj &rj,
                             const std::string &reason) {
    // PS3.8 Table 9-21: rejected by the service-user for the calling AE title (3), the called AE
    // title (7) or no reason given (1: the user identity). Protocol-level rejections (the
    // service-provider's) are not security events.
    if (rj.source != 1) return;
    const std::string calling = trim(rq.calling_ae);
    if (reason.find("user identity") != std::string::npos) {
        // A.5.3.12: a failed login of the user the identity names (or of the node, without one).
        au::Participant user = au::peer(calling, peer, true);
        if (rq.user.user_identity_rq) {
            const std::string name = identity_user(*rq.user.user_identity_rq);
            if (!name.empty()) {
                user.user_id = name;
                user.alternative_user_id = "AETITLES=" + calling;
            }
        }
        logger_->log(au::user_authentication(true, source_, std::move(user), self(false), au::Outcome::minor_failure,
                                             "association refused: " + reason));
        return;
    }
    au::ParticipantObject subject;
    subject.id = calling.empty() ? peer : calling;
    subject.id_type = au::codes::NodeID;
    subject.type_code = 2;
    subject.name = peer;
    logger_->log(au::security_alert(source_, au::codes::NodeAuthentication, self(false), {au::peer(calling, peer, true)},
                                    std::move(subject), "association refused: " + reason));
}

void Server::Audit::tls_failed(const std::string &peer, const std::string &reason) {
    au::ParticipantObject subject;
    subject.id = peer;
    subject.id_type = au::codes::NodeID;
    subject.type_code = 2;
    subject.name = peer;
    logger_->log(au::security_alert(source_, au::codes::NodeAuthentication, self(false), {au::peer("", peer, true)},
                                    std::move(subject), "TLS handshake failed: " + reason));
}

void Server::Audit::authenticated(const net::Association &assoc, const std::string &user) {
    au::Participant who = au::peer(trim(assoc.calling_ae()), assoc.peer(), true);
    who.user_id = user;
    who.alternative_user_id = "AETITLES=" + trim(assoc.calling_ae());
    logger_->log(au::user_authentication(true, source_, std::move(who), self(false)));
}

void Server::Audit::add(ByPatient &to, const InstanceFacts &f) {
    Patient &p = to[f.patient_id];
    if (p.name.empty()) p.name = f.patient_name;
    auto &study = p.studies[f.study_uid];
    if (!f.accession.empty()) study.first.insert(f.accession);
    ++study.second[f.sop_class_uid];
}

au::Instances Server::Audit::instances(const std::string &patient_id, const Patient &p) {
    au::Instances w;
    w.patient_id = patient_id;
    w.patient_name = p.name;
    for (const auto &[uid, study] : p.studies) {
        std::vector<au::SopClassCount> classes;
        for (const auto &[cls, n] : study.second) classes.push_back({cls, n, {}});
        w.studies.push_back(au::study(uid, std::move(classes), {study.first.begin(), study.first.end()}));
    }
    return w;
}

void Server::Audit::stored(const net::Association &assoc, InstanceFacts facts) {
    std::lock_guard<std::mutex> lock(mu_);
    Transfers &t = stores_[&assoc];
    if (t.calling_ae.empty()) {
        t.calling_ae = trim(assoc.calling_ae());
        t.peer = assoc.peer();
    }
    add(t.patients, facts);
}

void Server::Audit::association_ended(const net::Association &assoc) {
    Transfers t;
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = stores_.find(&assoc);
        if (it == stores_.end()) return;
        t = std::move(it->second);
        stores_.erase(it);
    }
    // PS3.15 A.5.3.7: one message per patient; the sender is the requestor, the archive created
    // the instances (EventActionCode C).
    for (const auto &[id, p] : t.patients)
        logger_->log(au::instances_transferred(source_, 'C', au::peer(t.calling_ae, t.peer, true), self(false),
                                               instances(id, p)));
}

void Server::Audit::hl7(const Hl7Outcome &outcome, const std::string &peer) {
    static const au::Code kOrderRecord{"110109", "DCM", "Order Record"}, kPatientRecord{"110110", "DCM", "Patient Record"};
    const bool adt = outcome.message_type.rfind("ADT", 0) == 0;
    auto record = [&](char action, const std::string &description) {
        au::Message m;
        m.event_id = adt ? kPatientRecord : kOrderRecord;
        m.action = action;
        m.source = source_;
        m.outcome = outcome.code == hl7::AckCode::AA ? au::Outcome::success : au::Outcome::minor_failure;
        m.outcome_description = description;
        au::Participant sender = au::peer(outcome.sending_application.empty() ? std::string("HL7") : outcome.sending_application,
                                          peer, true);
        m.participants.push_back(std::move(sender));
        m.participants.push_back(self(false));
        m.objects.push_back(au::patient(outcome.patient_id.empty() ? std::string("unknown") : outcome.patient_id,
                                        outcome.patient_name));
        logger_->log(m);
    };
    if (outcome.code != hl7::AckCode::AA || outcome.orders.empty()) {
        record(adt ? 'U' : 'C', outcome.description);
        return;
    }
    for (const auto &o : outcome.orders) {
        const char action = adt ? 'U' : o.control == "NW" ? 'C' : (o.control == "CA" || o.control == "OC") ? 'D' : 'U';
        record(action, outcome.message_type + " " + o.control + (o.order_key.empty() ? "" : " " + o.order_key) +
                           (o.accession.empty() ? "" : " accession " + o.accession) + ": " + std::to_string(o.items) +
                           " worklist item(s)");
    }
}

void Server::Audit::query(const net::QueryRequest &rq, uint16_t status) {
    StringSink sink;
    try {
        write_dataset(sink, rq.identifier, kExplicitVRLittleEndian);
    } catch (const Error &) {
        sink.out.clear();
    }
    const auto kind = net::dimse::status_kind(status);
    const au::Outcome outcome = kind == net::dimse::StatusKind::Failure ? au::Outcome::minor_failure : au::Outcome::success;
    logger_->log(au::query(source_, au::peer(trim(rq.assoc.calling_ae()), rq.assoc.peer(), true), self(false),
                           rq.sop_class_uid, sink.out, kExplicitVRLittleEndian, outcome));
}

void Server::Audit::retrieve(const net::QueryRequest &rq, net::RetrievePlan &plan) {
    if (plan.files.empty()) return;
    auto facts = std::make_shared<std::map<std::string, InstanceFacts>>();  // by SOP Instance UID
    ByPatient all;
    for (const std::string &path : plan.files) {
        try {
            ReadOptions ro;
            ro.stop_before_pixels = true;
            const InstanceFacts f = instance_facts(read_file(path, ro).dataset);
            add(all, f);
            (*facts)[f.sop_instance_uid] = f;
        } catch (const Error &) {
            // Unreadable: the sub-operation fails and says so; nothing to audit of it.
        }
    }
    const bool move = rq.command_field == net::dimse::C_MOVE_RQ;
    const std::string calling = trim(rq.assoc.calling_ae()), peer = rq.assoc.peer();
    // PS3.15 A.5.3.3/A.5.3.7: the archive sends; the receiver is the move destination (C-MOVE) or
    // the requestor itself (C-GET); a C-MOVE's requestor is another participant.
    const au::Participant receiver =
        move ? au::peer(rq.move_destination, plan.host, false) : au::peer(calling, peer, true);
    std::vector<au::Participant> others;
    if (move) others.push_back(au::peer(calling, peer, true));
    for (const auto &[id, p] : all)
        logger_->log(au::begin_transferring(source_, self(false), receiver, instances(id, p), others));
    auto self_ptr = shared_from_this();
    plan.on_done = [self_ptr, facts, receiver, others](const std::vector<std::string> &sent, const net::RetrieveProgress &) {
        ByPatient ok, failed;
        std::set<std::string> done(sent.begin(), sent.end());
        for (const auto &[uid, f] : *facts) add(done.count(uid) ? ok : failed, f);
        for (const auto &[id, p] : ok)
            self_ptr->logger_->log(au::instances_transferred(self_ptr->source_, 'R', self_ptr->self(false), receiver,
                                                             self_ptr->instances(id, p), others));
        // PS3.15 A.5.2: what failed is reported in a message of its own.
        for (const auto &[id, p] : failed)
            self_ptr->logger_->log(au::instances_transferred(self_ptr->source_, 'R', self_ptr->self(false), receiver,
                                                             self_ptr->instances(id, p), others,
                                                             au::Outcome::minor_failure,
                                                             "sub-operations failed or were not performed"));
    };
}

namespace {

/// An HTTP client as an audit participant: its user (AlternativeUserID the AE title its
/// certificate is bound to), else that AE title, else its address; NetworkAccessPointID its address.
au::Participant web_client(const WebClient &c, bool requestor) {
    au::Participant p = au::peer(c.ae_title, c.address, requestor);
    if (!c.user.empty()) p.user_id = c.user;
    else if (c.ae_title.empty()) p.user_id = c.address;
    p.alternative_user_id = c.ae_title.empty() ? std::string() : "AETITLES=" + c.ae_title;
    return p;
}

}  // namespace

void Server::Audit::web(const WebEvent &e, const net::StorageFolder &folder) {
    static const WebClient nobody;
    const WebClient &client = e.client ? *e.client : nobody;
    const bool ok = e.status >= 200 && e.status < 300;
    switch (e.kind) {
    case WebEvent::Kind::authentication_failed:
    {
        // A.5.3.12 as for an association refused for its identity: the user it named.
        au::Participant who = web_client(client, true);
        if (!client.claimed_user.empty()) who.user_id = client.claimed_user;
        logger_->log(au::user_authentication(true, source_, std::move(who), self(false), au::Outcome::minor_failure,
                                             "HTTP " + e.method + " " + e.resource + " refused: " + e.reason));
    }
        return;
    case WebEvent::Kind::query: {
        // A.5.3.10: the matching and return keys as a C-FIND identifier (Study Root FIND, the model
        // QIDO-RS matches as).
        StringSink sink;
        if (e.identifier) {
            try {
                write_dataset(sink, *e.identifier, kExplicitVRLittleEndian);
            } catch (const Error &) {
                sink.out.clear();
            }
        }
        logger_->log(au::query(source_, web_client(client, true), self(false), "1.2.840.10008.5.1.4.1.2.2.1", sink.out,
                               kExplicitVRLittleEndian, ok ? au::Outcome::success : au::Outcome::minor_failure));
        return;
    }
    case WebEvent::Kind::retrieve: {
        // A.5.3.7: the archive sent (action R) to the client, the requestor.
        ByPatient sent;
        for (const std::string &path : e.files) {
            try {
                ReadOptions ro;
                ro.stop_before_pixels = true;
                add(sent, instance_facts(read_file(path, ro).dataset));
            } catch (const Error &) {
            }
        }
        for (const auto &[id, p] : sent)
            logger_->log(au::instances_transferred(source_, 'R', self(false), web_client(client, true), instances(id, p), {},
                                                   ok ? au::Outcome::success : au::Outcome::minor_failure,
                                                   ok ? std::string() : "HTTP " + std::to_string(e.status) + " " + e.reason));
        return;
    }
    case WebEvent::Kind::store: {
        // A.5.3.7: the client sent, the archive created them (action C), one message per patient.
        ByPatient stored;
        for (const IngestResult &r : e.stored) {
            if (r.status != 0) continue;
            try {
                ReadOptions ro;
                ro.stop_before_pixels = true;
                add(stored, instance_facts(read_file(folder.path_for(r.sop_instance_uid), ro).dataset));
            } catch (const Error &) {
            }
        }
        for (const auto &[id, p] : stored)
            logger_->log(au::instances_transferred(source_, 'C', web_client(client, true), self(false), instances(id, p)));
        return;
    }
    }
}

}  // namespace dcmkit::archive
