// dcmkit — the DICOM upper layer protocol data units (PS3.8 Section 9.3), as plain values with
// pure encode/decode functions: no sockets here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "dcmkit/uids.h"

namespace dcmkit::net {

/// PS3.8 9.3.1: PDU types.
enum class PduType : uint8_t {
    AssociateRq = 0x01,
    AssociateAc = 0x02,
    AssociateRj = 0x03,
    PData = 0x04,
    ReleaseRq = 0x05,
    ReleaseRp = 0x06,
    Abort = 0x07,
};

/// SCP/SCU Role Selection sub-item (PS3.7 D.3.3.4).
struct RoleSelection {
    std::string sop_class_uid;
    bool scu = false;  ///< in an RQ: the requestor proposes to be SCU; in an AC: accepted
    bool scp = false;
};

/// SOP Class Extended Negotiation sub-item (PS3.7 D.3.3.5).
struct ExtendedNegotiation {
    std::string sop_class_uid;
    std::vector<uint8_t> info;  ///< service-class-application-information
};

/// SOP Class Common Extended Negotiation sub-item (PS3.7 D.3.3.6), RQ only.
struct CommonExtendedNegotiation {
    std::string sop_class_uid;
    std::string service_class_uid;
    std::vector<std::string> related_general_sop_classes;
};

/// User Identity negotiation (PS3.7 D.3.3.7).
struct UserIdentityRq {
    uint8_t type = 1;  ///< 1 username, 2 username+passcode, 3 Kerberos, 4 SAML, 5 JWT
    bool positive_response_requested = false;
    std::string primary;    ///< username or token (bytes)
    std::string secondary;  ///< passcode for type 2
};

/// User Information item (PS3.8 9.3.2.3, PS3.7 Annex D.3.3).
struct UserInformation {
    uint32_t max_pdu_length = 0;  ///< Maximum Length sub-item (PS3.8 D.1); 0 = no limit
    std::string implementation_class_uid;
    std::string implementation_version_name;  ///< empty = sub-item absent
    /// Asynchronous Operations Window (PS3.7 D.3.3.3); absent means 1/1.
    std::optional<std::pair<uint16_t, uint16_t>> async_ops;  ///< (invoked, performed)
    std::vector<RoleSelection> roles;
    std::vector<ExtendedNegotiation> extended;
    std::vector<CommonExtendedNegotiation> common_extended;  ///< RQ only
    std::optional<UserIdentityRq> user_identity_rq;           ///< RQ only
    std::optional<std::string> user_identity_ac;              ///< AC only: server response
    /// Sub-items of unknown type, kept as (type, value) and ignored (PS3.8 9.3.2.3).
    std::vector<std::pair<uint8_t, std::vector<uint8_t>>> unknown;
};

/// Presentation Context item in an A-ASSOCIATE-RQ (PS3.8 9.3.2.2).
struct PresentationContextRq {
    uint8_t id = 0;  ///< odd, 1-255
    std::string abstract_syntax;
    std::vector<std::string> transfer_syntaxes;
};

/// PS3.8 Table 9-18: presentation context result/reason.
enum class PcResult : uint8_t {
    Acceptance = 0,
    UserRejection = 1,
    NoReason = 2,
    AbstractSyntaxNotSupported = 3,
    TransferSyntaxesNotSupported = 4,
};
const char *pc_result_name(PcResult r) noexcept;

/// Presentation Context item in an A-ASSOCIATE-AC (PS3.8 9.3.3.2).
struct PresentationContextAc {
    uint8_t id = 0;
    PcResult result = PcResult::Acceptance;
    std::string transfer_syntax;  ///< meaningful only when accepted
};

/// A-ASSOCIATE-RQ (PS3.8 9.3.2).
struct AAssociateRq {
    uint16_t protocol_version = 1;
    std::string called_ae;   ///< trimmed, at most 16 characters
    std::string calling_ae;
    std::string application_context = uids::DICOMApplicationContext;
    std::vector<PresentationContextRq> contexts;
    UserInformation user;
};

/// A-ASSOCIATE-AC (PS3.8 9.3.3).
struct AAssociateAc {
    uint16_t protocol_version = 1;
    std::string called_ae;
    std::string calling_ae;
    std::string application_context = uids::DICOMApplicationContext;
    std::vector<PresentationContextAc> contexts;
    UserInformation user;
};

/// A-ASSOCIATE-RJ (PS3.8 9.3.4, Table 9-21).
struct AAssociateRj {
    uint8_t result = 1;  ///< 1 rejected-permanent, 2 rejected-transient
    uint8_t source = 1;  ///< 1 service-user, 2 service-provider (ACSE), 3 service-provider (presentation)
    uint8_t reason = 1;  ///< meaning depends on source, see rj_reason_text
};
std::string rj_reason_text(const AAssociateRj &rj);

/// One presentation data value (PS3.8 9.3.5.1, Annex E.2).
struct Pdv {
    uint8_t context_id = 0;
    bool command = false;  ///< message control header bit 0
    bool last = false;     ///< message control header bit 1
    std::vector<uint8_t> data;
};

/// P-DATA-TF (PS3.8 9.3.5).
struct PDataTf {
    std::vector<Pdv> pdvs;
};

struct AReleaseRq {};
struct AReleaseRp {};

/// A-ABORT (PS3.8 9.3.8, Table 9-26).
struct AAbort {
    uint8_t source = 0;  ///< 0 service-user, 2 service-provider
    uint8_t reason = 0;  ///< for source 2: 0 not specified, 1 unrecognized PDU, 2 unexpected PDU,
                         ///< 4 unrecognized PDU parameter, 5 unexpected PDU parameter, 6 invalid PDU parameter value
};
std::string abort_reason_text(const AAbort &a);

using Pdu = std::variant<AAssociateRq, AAssociateAc, AAssociateRj, PDataTf, AReleaseRq, AReleaseRp, AAbort>;

/// Member-wise equality (for tests, the fuzzer's round-trip check, and callers comparing offers).
bool operator==(const RoleSelection &a, const RoleSelection &b);
bool operator==(const ExtendedNegotiation &a, const ExtendedNegotiation &b);
bool operator==(const CommonExtendedNegotiation &a, const CommonExtendedNegotiation &b);
bool operator==(const UserIdentityRq &a, const UserIdentityRq &b);
bool operator==(const UserInformation &a, const UserInformation &b);
bool operator==(const PresentationContextRq &a, const PresentationContextRq &b);
bool operator==(const PresentationContextAc &a, const PresentationContextAc &b);
bool operator==(const AAssociateRq &a, const AAssociateRq &b);
bool operator==(const AAssociateAc &a, const AAssociateAc &b);
bool operator==(const AAssociateRj &a, const AAssociateRj &b);
bool operator==(const Pdv &a, const Pdv &b);
bool operator==(const PDataTf &a, const PDataTf &b);
bool operator==(const AReleaseRq &a, const AReleaseRq &b);
bool operator==(const AReleaseRp &a, const AReleaseRp &b);
bool operator==(const AAbort &a, const AAbort &b);
inline bool operator!=(const RoleSelection &a, const RoleSelection &b) { return !(a == b); }
inline bool operator!=(const ExtendedNegotiation &a, const ExtendedNegotiation &b) { return !(a == b); }
inline bool operator!=(const CommonExtendedNegotiation &a, const CommonExtendedNegotiation &b) { return !(a == b); }
inline bool operator!=(const UserIdentityRq &a, const UserIdentityRq &b) { return !(a == b); }
inline bool operator!=(const UserInformation &a, const UserInformation &b) { return !(a == b); }
inline bool operator!=(const PresentationContextRq &a, const PresentationContextRq &b) { return !(a == b); }
inline bool operator!=(const PresentationContextAc &a, const PresentationContextAc &b) { return !(a == b); }
inline bool operator!=(const AAssociateRq &a, const AAssociateRq &b) { return !(a == b); }
inline bool operator!=(const AAssociateAc &a, const AAssociateAc &b) { return !(a == b); }
inline bool operator!=(const AAssociateRj &a, const AAssociateRj &b) { return !(a == b); }
inline bool operator!=(const Pdv &a, const Pdv &b) { return !(a == b); }
inline bool operator!=(const PDataTf &a, const PDataTf &b) { return !(a == b); }
inline bool operator!=(const AReleaseRq &a, const AReleaseRq &b) { return !(a == b); }
inline bool operator!=(const AReleaseRp &a, const AReleaseRp &b) { return !(a == b); }
inline bool operator!=(const AAbort &a, const AAbort &b) { return !(a == b); }

/// PS3.8 9.3: encodes a PDU, header included. UIDs are written without padding (PS3.8 Annex F),
/// AE titles trimmed and space-padded to 16 bytes; the Maximum Length sub-item is always written,
/// the Implementation Class UID sub-item whenever it is non-empty. Throws
/// dcmkit::Error(Errc::invalid_argument) when a value does not fit its field: an AE title over 16
/// characters, or an item over the 65535 bytes of its 2-byte length.
std::vector<uint8_t> encode_pdu(const Pdu &pdu);

/// Why a PDU could not be decoded; maps onto the A-ABORT reason the receiver must send.
struct PduError {
    uint8_t abort_reason = 0;  ///< PS3.8 Table 9-26 reason for a provider A-ABORT
    std::string message;
    size_t offset = 0;  ///< byte offset in the PDU
};

/// Result of looking at the start of a receive buffer.
struct PduHeader {
    uint8_t type = 0;
    uint32_t length = 0;  ///< of the variable part, i.e. the PDU is length + 6 bytes
};

/// Reads the 6-byte PDU header; nullopt when fewer than 6 bytes are available.
std::optional<PduHeader> peek_pdu_header(const uint8_t *data, size_t size);

/// Decodes one complete PDU (header included, exactly 6 + length bytes). Every length inside is
/// checked against what remains; unknown item types are skipped as PS3.8 9.3.1 requires.
/// Returns the PDU, or fills `error` and returns nullopt.
std::optional<Pdu> decode_pdu(const uint8_t *data, size_t size, PduError &error);

/// A PDV inside a received P-DATA-TF, borrowed from the receive buffer (the hot path of a
/// transfer: no copy of the data).
struct PdvView {
    uint8_t context_id = 0;
    bool command = false;
    bool last = false;
    const uint8_t *data = nullptr;
    size_t size = 0;
};

/// Splits the variable part of a P-DATA-TF (the `length` bytes after the 6-byte header) into PDVs.
/// Returns false and fills `error` when an item length is inconsistent (PS3.8 9.3.5.1: each item
/// has a 4-byte length >= 2, and items fill the PDU exactly).
bool split_pdvs(const uint8_t *body, size_t length, std::vector<PdvView> &out, PduError &error);

/// Trims and pads AE titles (PS3.8 9.3.2: 16 bytes, leading and trailing spaces insignificant).
std::string trim_ae(std::string_view ae);

}  // namespace dcmkit::net
