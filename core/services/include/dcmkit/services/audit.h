// dcmkit — audit trail: the DICOM Audit Messages of PS3.15 A.5 (IHE ATNA) and where they go.
//
// Messages are built as values (Message) by one function per event of PS3.15 A.5.3 and written as
// XML in the namespace-less form of the A.5.1 schema (root AuditMessage). An AuditLogger frames them
// as RFC 5424 syslog messages (MSGID "IHE+RFC-3881", structured data "-", the XML as MSG) and sends
// them from a background thread to a repository: UDP (RFC 5426), TCP or TLS with octet counting
// (RFC 6587 / RFC 5425), or a local file. log() only enqueues: no DICOM operation waits for the
// repository.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dcmkit::audit {

/// A coded value (PS3.15 A.5.1 CodedValueType): csd-code, codeSystemName, originalText.
struct Code {
    std::string code, system, meaning;
    bool operator==(const Code &o) const { return code == o.code && system == o.system; }
};

/// Codes of PS3.16 CID 400 (Audit Event ID), 401 (Audit Event Type Code), 402 (Audit Participant
/// Role ID Code), 404 (Audit Participant Object ID Type Code), as PS3.15 A.5.3 uses them.
namespace codes {
// EventID (CID 400)
inline const Code ApplicationActivity{"110100", "DCM", "Application Activity"};
inline const Code AuditLogUsed{"110101", "DCM", "Audit Log Used"};
inline const Code BeginTransferringDicomInstances{"110102", "DCM", "Begin Transferring DICOM Instances"};
inline const Code DicomInstancesAccessed{"110103", "DCM", "DICOM Instances Accessed"};
inline const Code DicomInstancesTransferred{"110104", "DCM", "DICOM Instances Transferred"};
inline const Code DicomStudyDeleted{"110105", "DCM", "DICOM Study Deleted"};
inline const Code Export{"110106", "DCM", "Export"};
inline const Code Import{"110107", "DCM", "Import"};
inline const Code NetworkEntry{"110108", "DCM", "Network Entry"};
inline const Code Query{"110112", "DCM", "Query"};
inline const Code SecurityAlert{"110113", "DCM", "Security Alert"};
inline const Code UserAuthentication{"110114", "DCM", "User Authentication"};
// EventTypeCode (CID 401)
inline const Code ApplicationStart{"110120", "DCM", "Application Start"};
inline const Code ApplicationStop{"110121", "DCM", "Application Stop"};
inline const Code Login{"110122", "DCM", "Login"};
inline const Code Logout{"110123", "DCM", "Logout"};
inline const Code Attach{"110124", "DCM", "Attach"};
inline const Code Detach{"110125", "DCM", "Detach"};
inline const Code NodeAuthentication{"110126", "DCM", "Node Authentication"};
inline const Code EmergencyOverrideStarted{"110127", "DCM", "Emergency Override Started"};
inline const Code NetworkConfiguration{"110128", "DCM", "Network Configuration"};
inline const Code SecurityConfiguration{"110129", "DCM", "Security Configuration"};
inline const Code SoftwareConfiguration{"110131", "DCM", "Software Configuration"};
inline const Code UseOfRestrictedFunction{"110132", "DCM", "Use of Restricted Function"};
inline const Code AuditRecordingStopped{"110133", "DCM", "Audit Recording Stopped"};
inline const Code AuditRecordingStarted{"110134", "DCM", "Audit Recording Started"};
// RoleIDCode (CID 402)
inline const Code Application{"110150", "DCM", "Application"};
inline const Code ApplicationLauncher{"110151", "DCM", "Application Launcher"};
inline const Code DestinationRoleID{"110152", "DCM", "Destination Role ID"};
inline const Code SourceRoleID{"110153", "DCM", "Source Role ID"};
inline const Code DestinationMedia{"110154", "DCM", "Destination Media"};
inline const Code SourceMedia{"110155", "DCM", "Source Media"};
// ParticipantObjectIDTypeCode (CID 404, and RFC 3881's table of A.5.1.2.4)
inline const Code StudyInstanceUID{"110180", "DCM", "Study Instance UID"};
inline const Code SOPClassUID{"110181", "DCM", "SOP Class UID"};
inline const Code NodeID{"110182", "DCM", "Node ID"};
inline const Code PatientNumber{"2", "RFC-3881", "Patient Number"};
inline const Code UserIdentifier{"11", "RFC-3881", "User Identifier"};
inline const Code URI{"12", "RFC-3881", "URI"};
}  // namespace codes

/// EventOutcomeIndicator (PS3.15 A.5.1).
enum class Outcome : int { success = 0, minor_failure = 4, serious_failure = 8, major_failure = 12 };

/// ActiveParticipant.
struct Participant {
    std::string user_id;              ///< UserID (M): a process id, an AE title, a login
    std::string alternative_user_id;  ///< AlternativeUserID: "AETITLES=A;B" for an application
    std::string user_name;            ///< UserName
    bool requestor = false;           ///< UserIsRequestor
    std::vector<Code> roles;          ///< RoleIDCode
    std::string network_id;           ///< NetworkAccessPointID (host name or IP address)
    int network_type = 0;             ///< NetworkAccessPointTypeCode: 1 machine name, 2 IP address, 0 none
    std::optional<Code> media_type;   ///< MediaIdentifier/MediaType (Export/Import media)
};

/// An application process: UserID `user_id`, AlternativeUserID "AETITLES=" the titles,
/// NetworkAccessPoint `host` (type 2 when it is an IP address, else 1).
Participant application(const std::string &user_id, const std::vector<std::string> &ae_titles,
                        const std::string &host, bool requestor, std::optional<Code> role = std::nullopt);
/// A remote DICOM peer identified by its AE title and address ("host" or "host:port").
Participant peer(const std::string &ae_title, const std::string &address, bool requestor,
                 std::optional<Code> role = std::nullopt);

/// ParticipantObjectDescription/SOPClass: a SOP class with its number of instances.
struct SopClassCount {
    std::string uid;
    uint64_t instances = 0;
    std::vector<std::string> instance_uids;  ///< optional Instance elements
};

/// ParticipantObjectIdentification.
struct ParticipantObject {
    std::string id;                       ///< ParticipantObjectID (M)
    Code id_type;                         ///< ParticipantObjectIDTypeCode (M)
    int type_code = 0;                    ///< 1 person, 2 system object, 3 organization, 4 other; 0 none
    int type_role = 0;                    ///< ParticipantObjectTypeCodeRole: 1 patient, 3 report, 24 query…
    int life_cycle = 0;                   ///< ParticipantObjectDataLifeCycle, 0 none
    std::string sensitivity;
    /// The schema requires a name or a query: when `query` is set it is written (base64),
    /// else ParticipantObjectName (`name`, or the id when `name` is empty).
    std::string name;
    std::optional<std::string> query;     ///< raw bytes, written base64
    std::vector<std::pair<std::string, std::string>> details;  ///< ParticipantObjectDetail type, raw value (base64)
    // ParticipantObjectDescription (written when any is set)
    std::vector<std::string> mpps, accessions;
    std::vector<SopClassCount> sop_classes;
    std::vector<std::string> contains_studies;
    std::optional<bool> encrypted, anonymized;
};

/// A study object (type 2, role 3 Report, Study Instance UID) with its SOP classes and counts.
ParticipantObject study(const std::string &study_uid, std::vector<SopClassCount> sop_classes = {},
                        std::vector<std::string> accessions = {});
/// A patient object (type 1, role 1 Patient, (2, RFC-3881, "Patient Number")).
ParticipantObject patient(const std::string &patient_id, const std::string &patient_name = {});

/// AuditSourceIdentification.
struct Source {
    std::string id;              ///< AuditSourceID (M)
    std::string enterprise_site; ///< AuditEnterpriseSiteID
    std::vector<std::string> type_codes = {"4"};  ///< AuditSourceTypeCode: 4 Application Server process
};

/// One audit message.
struct Message {
    Code event_id;
    char action = 0;                     ///< EventActionCode C R U D E; 0 none
    std::vector<Code> event_types;       ///< EventTypeCode
    std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
    Outcome outcome = Outcome::success;
    std::string outcome_description;     ///< EventOutcomeDescription
    std::vector<Participant> participants;
    Source source;
    std::vector<ParticipantObject> objects;

    /// The XML of PS3.15 A.5.1 (UTF-8, one line: line breaks in values are character references).
    std::string to_xml() const;
};

/// An xsd:dateTime in UTC with milliseconds and the "Z" zone (PS3.15 A.5.2.5).
std::string format_time(std::chrono::system_clock::time_point t);
/// `text` escaped for XML text and attribute values (& < > " ' and control characters).
std::string xml_escape(const std::string &text);

// -- builders, one per event of PS3.15 A.5.3 ----------------------------------------------------

/// What was transferred, accessed, exported or imported: one patient and its studies.
struct Instances {
    std::string patient_id, patient_name;
    std::vector<ParticipantObject> studies;  ///< study(...) objects
};

/// A.5.3.1 Application Activity: `app` (RoleIDCode Application is added), and whoever started it.
Message application_activity(bool start, const Source &source, Participant app,
                             std::optional<Participant> launcher = std::nullopt, Outcome outcome = Outcome::success);
/// A.5.3.2 Audit Log Used: who read the log, and the log (a URI).
Message audit_log_used(const Source &source, Participant accessor, const std::string &log_uri,
                       Outcome outcome = Outcome::success);
/// A.5.3.3 Begin Transferring DICOM Instances (EventActionCode E).
Message begin_transferring(const Source &source, Participant sender, Participant receiver, const Instances &what,
                           std::vector<Participant> others = {}, Outcome outcome = Outcome::success);
/// A.5.3.4 Data Export: `exporter` (the requestor), the media (RoleIDCode Destination Media).
Message data_export(const Source &source, Participant exporter, Participant media, const Instances &what,
                    Outcome outcome = Outcome::success);
/// A.5.3.5 Data Import: `importer`, the media (RoleIDCode Source Media).
Message data_import(const Source &source, Participant importer, Participant media, const Instances &what,
                    Outcome outcome = Outcome::success);
/// A.5.3.6 DICOM Instances Accessed: `action` C, R, U or D.
Message instances_accessed(const Source &source, char action, std::vector<Participant> accessors,
                           const Instances &what, Outcome outcome = Outcome::success);
/// A.5.3.7 DICOM Instances Transferred: `action` C (the receiver created them), R (read, sent) or U.
Message instances_transferred(const Source &source, char action, Participant sender, Participant receiver,
                              const Instances &what, std::vector<Participant> others = {},
                              Outcome outcome = Outcome::success, const std::string &description = {});
/// A.5.3.9 Network Entry: a node attaching to or detaching from the network (EventActionCode E).
Message network_entry(bool attach, const Source &source, Participant node, Outcome outcome = Outcome::success);
/// A.5.3.10 Query: the query dataset (encoded bytes, base64 in ParticipantObjectQuery) under the
/// SOP class UID, with its transfer syntax as ParticipantObjectDetail "TransferSyntax".
Message query(const Source &source, Participant requestor, Participant responder, const std::string &sop_class_uid,
              const std::string &query_bytes, const std::string &transfer_syntax, Outcome outcome = Outcome::success);
/// A.5.3.11 Security Alert: `type` (e.g. codes::NodeAuthentication), the reporting process, those
/// who performed it, and the subject: an object with a ParticipantObjectDetail "Alert Description".
Message security_alert(const Source &source, const Code &type, Participant reporter,
                       std::vector<Participant> performers, ParticipantObject subject,
                       const std::string &description, Outcome outcome = Outcome::minor_failure);
/// A.5.3.12 User Authentication: Login or Logout of `user` at `node`.
Message user_authentication(bool login, const Source &source, Participant user, std::optional<Participant> node,
                            Outcome outcome = Outcome::success, const std::string &description = {});

// -- delivery ------------------------------------------------------------------------------------

/// Where messages go, parsed from udp://HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT or file:PATH.
struct Destination {
    enum class Kind { udp, tcp, tls, file } kind = Kind::udp;
    std::string host;
    uint16_t port = 0;
    std::string path;      ///< file:
    std::string ca_file;   ///< tls: the trusted CA certificates (PEM)
    std::string cert_file, key_file;  ///< tls: optional client certificate and key (PEM)
    /// Throws Error(invalid_argument) on anything else.
    static Destination parse(const std::string &spec);
    std::string to_string() const;
};

/// RFC 5424 syslog message: "<85>1 TIMESTAMP HOSTNAME APP-NAME PROCID IHE+RFC-3881 - " + BOM + xml.
/// PRI 85: facility 10 (security/authorization), severity 5 (notice).
std::string syslog_message(const std::string &xml, const std::string &app_name, const std::string &hostname,
                           std::chrono::system_clock::time_point t = std::chrono::system_clock::now());

/// Sends framed syslog messages to one destination (one connection, reopened when it breaks).
class Sender {
public:
    virtual ~Sender() = default;
    /// Delivers one syslog message; throws Error(network/io) when it cannot (the caller retries).
    /// Returns once the message is wholly written to the socket (TCP, TLS), sent (UDP) or written
    /// and fsynced (file).
    virtual void send(const std::string &message) = 0;
    /// Drops the connection (the next send reconnects).
    virtual void close() = 0;
};
/// Throws Error(unsupported) for tls:// in a build without DCMKIT_WITH_TLS.
std::unique_ptr<Sender> make_sender(const Destination &dest, int timeout_ms = 5000);

/// The audit trail of one application: log() enqueues, a background thread delivers.
///
/// With a spool folder each message is first written there (one file per message, written to a
/// temporary name, fsynced and renamed), then sent in order; a file is removed only once its
/// message was wholly written to the stream (or sent as a datagram, or appended to the file and
/// fsynced). While the repository cannot be reached the files wait, retried with a backoff
/// (`retry_min_ms` doubling up to `retry_max_ms`); a restarted logger resumes the folder first.
/// Delivery is at least once: before each message the sender checks that the repository has not
/// closed the connection, so a stopped receiver loses nothing and gets nothing twice, but a stream
/// that breaks with bytes in flight (a crash of the receiving host), or a stop between the write
/// and the removal, can lose or repeat the message being written. UDP (RFC 5426) has no
/// acknowledgement: a datagram counts as delivered once sent.
class AuditLogger {
public:
    struct Options {
        Destination destination;
        std::string spool;              ///< folder; "" = memory only (lost on exit when undeliverable)
        std::string app_name = "dcmkit";
        std::string hostname;           ///< "" = gethostname()
        int retry_min_ms = 200, retry_max_ms = 30000;
        size_t max_queued = 100000;     ///< messages held (memory or spool) before the oldest is dropped
        int timeout_ms = 5000;          ///< connect and write timeout
        std::function<void(const std::string &)> log;  ///< warnings (repository unreachable, drops)
    };
    /// Throws Error when the spool folder cannot be created or the destination is unsupported.
    explicit AuditLogger(Options options);
    /// Stops the sender after trying for up to `drain_ms` (set by stop()) to deliver what is queued.
    ~AuditLogger();
    AuditLogger(const AuditLogger &) = delete;
    AuditLogger &operator=(const AuditLogger &) = delete;

    /// Enqueues a message; never blocks on the repository.
    void log(const Message &message);
    /// Enqueues an XML audit message as it is.
    void log_xml(const std::string &xml);
    /// Waits up to `timeout_ms` until everything queued is delivered; true when it is.
    bool flush(int timeout_ms);
    /// Tries to deliver what is queued for up to `drain_ms`, then stops the sender (what is left
    /// stays in the spool).
    void stop(int drain_ms = 2000);

    struct Stats {
        uint64_t queued = 0, delivered = 0, dropped = 0, failures = 0;
        size_t pending = 0;
    };
    Stats stats() const;
    const Options &options() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace dcmkit::audit
