// dcmkit — the archive server's audit trail (PS3.15 A.5): what the handlers report, turned into
// DICOM audit messages and handed to an AuditLogger (dcmkit/services/audit.h).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/archive_hl7.h"
#include "dcmkit/archive_server.h"
#include "dcmkit/net/association.h"
#include "dcmkit/services/audit.h"
#include "dcmkit/services/query.h"

namespace dcmkit::archive {

/// Where undelivered audit messages wait when AuditSettings::spool is not set: <storage>/audit-spool,
/// or, with a shared (PostgreSQL) index, <storage>/audit-spool-<host>-<port>: one per server.
std::string default_audit_spool(const Config &config);

/// What the audit trail keeps of a stored or retrieved instance.
struct InstanceFacts {
    std::string patient_id, patient_name, study_uid, accession, sop_class_uid, sop_instance_uid;
};

class Server::Audit : public std::enable_shared_from_this<Server::Audit> {
public:
    /// Throws Error when the destination or the spool folder cannot be used.
    Audit(const Config &config, const net::AeConfig &ae);
    ~Audit();

    /// Application Activity: Application Start / Application Stop.
    void application(bool start);
    /// A request negotiation rejected (AeConfig::on_rejected): one refused by the service-user for
    /// its AE titles is a Security Alert (Node Authentication); one refused for its user identity
    /// (or for having none when one is required) a User Authentication failure.
    void rejected(const net::AAssociateRq &rq, const std::string &peer, const net::AAssociateRj &rj,
                  const std::string &reason);
    /// A connection whose TLS handshake failed (AeConfig::on_tls_failure): Security Alert (Node
    /// Authentication, Minor failure) naming the peer and the reason.
    void tls_failed(const std::string &peer, const std::string &reason);
    /// An association accepted with a user identity: User Authentication (Login) of its user.
    void authenticated(const net::Association &assoc, const std::string &user);
    /// A C-STORE stored and indexed on `assoc`.
    void stored(const net::Association &assoc, InstanceFacts facts);
    /// The association ended: DICOM Instances Transferred (action C) per patient it stored.
    void association_ended(const net::Association &assoc);
    /// A C-FIND answered with `status`: Query.
    void query(const net::QueryRequest &rq, uint16_t status);
    /// A C-MOVE/C-GET about to send `files`: Begin Transferring DICOM Instances now, DICOM Instances
    /// Transferred (action R) once done (plan.on_done), one message per patient and outcome.
    void retrieve(const net::QueryRequest &rq, net::RetrievePlan &plan);
    /// An HL7 message the listener answered, from `peer` ("host:port"): Order Record (PS3.15
    /// A.5.3.9; action C for NW, U for XO, DC and SC, D for CA) per order, or Patient Record
    /// (A.5.3.10, action U) for ADT^A08; a refused message is one record with a failure outcome.
    void hl7(const Hl7Outcome &outcome, const std::string &peer);
    /// A DICOMweb request (WebOptions::on_event): Query (QIDO-RS), DICOM Instances Transferred
    /// (WADO: action R, the client receiving; STOW-RS: action C per patient, the client sending),
    /// User Authentication failure (credentials refused). Stored instances are read from `folder`.
    void web(const WebEvent &event, const net::StorageFolder &folder);
    /// Stops the sender (what is undelivered stays in the spool).
    void stop();

    audit::AuditLogger &logger() { return *logger_; }

private:
    struct Patient {
        std::string name;
        // study UID -> (accessions, SOP class -> count)
        std::map<std::string, std::pair<std::set<std::string>, std::map<std::string, uint64_t>>> studies;
    };
    using ByPatient = std::map<std::string, Patient>;
    static void add(ByPatient &to, const InstanceFacts &f);
    static audit::Instances instances(const std::string &patient_id, const Patient &p);
    audit::Participant self(bool requestor) const;

    net::AeConfig ae_;
    audit::Source source_;
    std::unique_ptr<audit::AuditLogger> logger_;
    std::mutex mu_;
    struct Transfers {
        std::string calling_ae, peer;
        ByPatient patients;
    };
    std::map<const net::Association *, Transfers> stores_;  // guarded by mu_
};

/// The facts of a Part 10 file's header (patient, study, SOP class and instance).
InstanceFacts instance_facts(const Dataset &ds);

}  // namespace dcmkit::archive
