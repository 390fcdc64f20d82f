// dcmkit — DIMSE command sets (PS3.7 Section 9 and 10) and status codes (PS3.7 Annex C).
#pragma once

#include <cstdint>
#include <string>

#include "dcmkit/dataset.h"

namespace dcmkit::net::dimse {

/// PS3.7 Table E.1-1 Command Field values.
enum CommandField : uint16_t {
    C_STORE_RQ = 0x0001, C_STORE_RSP = 0x8001,
    C_GET_RQ = 0x0010, C_GET_RSP = 0x8010,
    C_FIND_RQ = 0x0020, C_FIND_RSP = 0x8020,
    C_MOVE_RQ = 0x0021, C_MOVE_RSP = 0x8021,
    C_ECHO_RQ = 0x0030, C_ECHO_RSP = 0x8030,
    N_EVENT_REPORT_RQ = 0x0100, N_EVENT_REPORT_RSP = 0x8100,
    N_GET_RQ = 0x0110, N_GET_RSP = 0x8110,
    N_SET_RQ = 0x0120, N_SET_RSP = 0x8120,
    N_ACTION_RQ = 0x0130, N_ACTION_RSP = 0x8130,
    N_CREATE_RQ = 0x0140, N_CREATE_RSP = 0x8140,
    N_DELETE_RQ = 0x0150, N_DELETE_RSP = 0x8150,
    C_CANCEL_RQ = 0x0FFF,
};
const char *command_name(uint16_t command_field) noexcept;

/// Command set tags (PS3.7 Table E.1-1).
namespace tag {
constexpr Tag AffectedSOPClassUID{0x0000, 0x0002};
constexpr Tag RequestedSOPClassUID{0x0000, 0x0003};
constexpr Tag CommandField{0x0000, 0x0100};
constexpr Tag MessageID{0x0000, 0x0110};
constexpr Tag MessageIDBeingRespondedTo{0x0000, 0x0120};
constexpr Tag MoveDestination{0x0000, 0x0600};
constexpr Tag Priority{0x0000, 0x0700};
constexpr Tag CommandDataSetType{0x0000, 0x0800};
constexpr Tag Status{0x0000, 0x0900};
constexpr Tag ErrorComment{0x0000, 0x0902};
constexpr Tag AffectedSOPInstanceUID{0x0000, 0x1000};
constexpr Tag RequestedSOPInstanceUID{0x0000, 0x1001};
constexpr Tag MoveOriginatorApplicationEntityTitle{0x0000, 0x1030};
constexpr Tag MoveOriginatorMessageID{0x0000, 0x1031};
}  // namespace tag

/// PS3.7 6.3.1: Command Data Set Type value meaning "no dataset".
constexpr uint16_t kNoDataset = 0x0101;

/// Status codes used by the services (PS3.7 Annex C, PS3.4 Annex B).
namespace status {
constexpr uint16_t Success = 0x0000;
constexpr uint16_t Cancel = 0xFE00;
constexpr uint16_t Pending = 0xFF00;
constexpr uint16_t PendingWarning = 0xFF01;
constexpr uint16_t OutOfResources = 0xA700;              ///< Storage: refused, out of resources
constexpr uint16_t DataSetDoesNotMatchSOPClass = 0xA900; ///< Storage: error
constexpr uint16_t CannotUnderstand = 0xC000;            ///< Storage: error, cannot understand
constexpr uint16_t SOPClassNotSupported = 0x0122;        ///< PS3.7 C.5.9: refused
constexpr uint16_t ProcessingFailure = 0x0110;
constexpr uint16_t InvalidSOPInstance = 0x0117;          ///< PS3.7 C.5: refused, e.g. an invalid UID
constexpr uint16_t NotAuthorized = 0x0124;               ///< PS3.7 C.5: refused: not authorized
constexpr uint16_t DuplicateInvocation = 0x0210;
constexpr uint16_t UnrecognizedOperation = 0x0211;
constexpr uint16_t MistypedArgument = 0x0212;
constexpr uint16_t CoercionOfDataElements = 0xB000;      ///< Storage: warning
constexpr uint16_t ElementsDiscarded = 0xB006;           ///< Storage: warning
constexpr uint16_t DataSetDoesNotMatchSOPClassWarning = 0xB007;
}  // namespace status

/// PS3.7 C.1: Success, Warning, Failure, Cancel or Pending.
enum class StatusKind { Success, Warning, Failure, Cancel, Pending };
StatusKind status_kind(uint16_t status) noexcept;
/// "0000H Success", "A700H Refused: Out of Resources", …
std::string status_text(uint16_t status);

/// Builds the common fields of a request (PS3.7 9.3): command field, message ID, affected SOP
/// class, data set type.
Dataset request(uint16_t command_field, uint16_t message_id, const std::string &sop_class_uid, bool has_dataset);
/// Builds a response to `rq` with `status` (PS3.7 9.3): copies the SOP class (and instance) UIDs.
Dataset response(const Dataset &rq, uint16_t command_field, uint16_t status, bool has_dataset = false);
/// Sets Error Comment (0000,0902) on a response (PS3.7 C.4: it goes with a failure or warning
/// status): LO, so at most 64 characters, no backslash, no control character. Empty: nothing set.
void set_error_comment(Dataset &rsp, std::string_view comment);
/// The Error Comment of a response, trimmed ("" when none).
std::string error_comment(const Dataset &rsp);

}  // namespace dcmkit::net::dimse
