// dcmkit — HL7 v2 orders into the archive's Modality Worklist: the mapping of ORM^O01 (v2.3.1),
// OMI^O23 (v2.5.1) and ADT^A08 to worklist items (IHE Radiology Technical Framework Vol. 2,
// Appendix B), and the MLLP listener the archive server runs (Config::hl7_port).
//
// Orders (ORC-1, per ORC group of the message):
//   NW  new order: its items are created (an order already known: AE, 205 Duplicate key identifier)
//   XO  change: its items are replaced by the message's (unknown order: AE, 204 Unknown key identifier)
//   CA  (and OC) cancel: its items are removed (unknown: AE 204)
//   DC  (and OD) discontinue: every step of its items gets Scheduled Procedure Step Status DISCONTINUED
//   SC  status change by ORC-5: SC -> SCHEDULED, IP -> STARTED, CM -> COMPLETED, DC -> DISCONTINUED,
//       CA -> the items are removed (another ORC-5: AE 103 Table value not found)
// An order is keyed by its filler order number (ORC-3: entity identifier ^ namespace), else by its
// placer order number (ORC-2). ADT^A08 (and A31) sets Patient's Name, Birth Date and Sex (PID-5,
// PID-7, PID-8) on the scheduled items of the patient PID-3 names.
//
// Mapping (IPC fields when the message has IPC, v2.5.1; the OBR fields of v2.3.1 otherwise):
//   Patient's Name (0010,0010) PID-5 (family^given^middle^suffix^prefix; repetitions with XPN-8 "I"
//   or "P" as the ideographic and phonetic groups), Patient ID (0010,0020) PID-3.1, Issuer of
//   Patient ID (0010,0021) PID-3.4, Birth Date (0010,0030) PID-7, Sex (0010,0040) PID-8,
//   Admission ID (0038,0010) PV1-19, Current Patient Location (0038,0300) PV1-3, Referring
//   Physician's Name (0008,0090) PV1-8, Requesting Physician (0032,1032) ORC-12 or OBR-16,
//   Placer/Filler Order Number / Imaging Service Request (0040,2016)/(0040,2017) ORC-2/ORC-3,
//   Accession Number (0008,0050) IPC-1 / OBR-18, Requested Procedure ID (0040,1001) IPC-2 / OBR-19,
//   Study Instance UID (0020,000D) IPC-3 / ZDS-1 (generated when absent), Requested Procedure
//   Description (0032,1060) OBR-44.2 or OBR-4.2, Requested Procedure Code Sequence (0032,1064)
//   OBR-44, Reason for the Requested Procedure (0040,1002) OBR-31.2, Requested Procedure Priority
//   (0040,1003) TQ1-9 / ORC-7.6 (S STAT, A HIGH, R ROUTINE); in the Scheduled Procedure Step
//   Sequence: Scheduled Procedure Step ID (0040,0009) IPC-4 / OBR-20, Modality (0008,0060) IPC-5 /
//   OBR-24, Scheduled Station AE Title (0040,0001) IPC-9 / OBR-21, Station Name (0040,0010) IPC-7,
//   Location (0040,0011) IPC-8, Start Date/Time (0040,0002/0003) TQ1-7 / ORC-7.4 / OBR-27.4,
//   Description (0040,0007) OBR-4.5 or OBR-4.2, Protocol Code Sequence (0040,0008) IPC-6 / OBR-4.4-6,
//   Scheduled Performing Physician's Name (0040,0006) OBR-34, Status (0040,0020) SCHEDULED.
//   Text is decoded from MSH-18's character set (hl7::dicom_character_set) and stored as UTF-8
//   (Specific Character Set ISO_IR 192).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/services/hl7.h"

namespace dcmkit::archive {

/// What one message did (or why it was refused).
struct Hl7Outcome {
    hl7::AckCode code = hl7::AckCode::AA;
    std::optional<hl7::AckError> error;  ///< set for AE and AR
    std::string message_type;            ///< "ORM^O01", "OMI^O23", "ADT^A08"
    std::string control_id;              ///< MSH-10
    std::string sending_application;     ///< MSH-3.1
    struct Order {
        std::string control;    ///< ORC-1 (or "A08")
        std::string order_key;  ///< "" for ADT
        std::string accession;
        size_t items = 0;       ///< worklist items created, changed or removed
    };
    std::vector<Order> orders;
    std::string patient_id, patient_name;  ///< from PID (UTF-8)
    /// One line for a log or an audit message: "ORM^O01 NW order F1^RIS: 1 item created".
    std::string description;
};

/// The worklist items the ORC group at `orc_index` (0-based among the message's ORC segments) maps
/// to (one per IPC segment, else one). Throws Hl7Reject.
std::vector<Dataset> worklist_items_from_order(const hl7::Message &message, size_t orc_index);

/// A message the mapping refuses: the acknowledgement code (AE or AR) and the ERR content.
class Hl7Reject : public Error {
public:
    Hl7Reject(hl7::AckCode code, hl7::AckError error);
    hl7::AckCode ack_code() const noexcept { return code_; }
    const hl7::AckError &ack_error() const noexcept { return error_; }

private:
    hl7::AckCode code_;
    hl7::AckError error_;
};

/// Applies a parsed message to the index: every ORC group is mapped and checked first, then
/// applied (a message refused stores nothing). Never throws for what the message holds: the
/// outcome says AA, AE or AR and why.
Hl7Outcome apply_hl7(Index &index, const hl7::Message &message);

/// Parses `bytes` (one message, unframed), applies it and returns the ACK (unframed ER7); an
/// unparsable message gets AR (bad MSH) or AE. `application` is the ACK's sending application
/// (MSH-3) when the request names no receiving application.
std::string handle_hl7(Index &index, std::string_view bytes, Hl7Outcome &outcome,
                       const std::string &application = "DCMKIT");

/// The MLLP listener's settings.
struct Hl7ListenerOptions {
    std::string bind;                      ///< "" = every address
    uint16_t port = 0;                     ///< 0 = a free one
    size_t max_message_size = 1 << 20;     ///< bytes; a larger frame closes the connection
    unsigned max_connections = 16;         ///< connections served at once; more are closed at once
    int timeout_s = 30;                    ///< a connection silent this long (or mid-frame) is closed
    std::string application = "DCMKIT";    ///< MSH-3 of the acknowledgements
};

/// An MLLP server (HL7 v2 over TCP, frames 0x0B … 0x1C 0x0D): each message is answered with its
/// acknowledgement on the same connection, in order. Messages are applied one at a time (across
/// connections), so that a check and its update are not interleaved.
class Hl7Listener {
public:
    /// `on_message` (may be empty) is called after each message with its outcome and the peer's
    /// address, from the connection's thread; `log` gets warnings (may be empty).
    Hl7Listener(std::shared_ptr<Index> index, Hl7ListenerOptions options,
                std::function<void(const Hl7Outcome &, const std::string &peer)> on_message = {},
                std::function<void(const std::string &)> log = {});
    ~Hl7Listener();
    Hl7Listener(const Hl7Listener &) = delete;
    Hl7Listener &operator=(const Hl7Listener &) = delete;

    /// Binds and starts accepting. Throws Error(network) when the address cannot be bound.
    void start();
    uint16_t port() const noexcept;
    /// Stops accepting and closes every connection (waits for their threads).
    void stop();
    /// Messages answered since start (any acknowledgement code).
    uint64_t messages() const noexcept;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace dcmkit::archive
