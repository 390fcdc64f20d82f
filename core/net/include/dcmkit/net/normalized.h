// dcmkit — DIMSE-N (PS3.7 10): N-EVENT-REPORT, N-GET, N-SET, N-ACTION, N-CREATE, N-DELETE, as
// requester and performer, and the services built on them: Modality Performed Procedure Step
// (PS3.4 Annex F) and Storage Commitment Push Model (PS3.4 Annex J).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/net/association.h"

namespace dcmkit::net {

/// Command set fields of the N services beyond those of dimse.h (PS3.7 Table E.1-1).
namespace ntag {
constexpr Tag EventTypeID{0x0000, 0x1002};
constexpr Tag AttributeIdentifierList{0x0000, 0x1005};
constexpr Tag ActionTypeID{0x0000, 0x1008};
}  // namespace ntag

/// What a DIMSE-N request came back with.
struct NResult {
    uint16_t status = 0xFFFF;
    std::string sop_class_uid, sop_instance_uid;  ///< Affected SOP Class/Instance UID of the response
    std::optional<Dataset> dataset;               ///< the response's dataset, when it has one
    std::string error_comment;                    ///< Error Comment (0000,0902), when given
    uint16_t action_or_event_type = 0;            ///< Action/Event Type ID echoed by the response
};

// -- requester (usually the SCU; N-EVENT-REPORT is sent by the performer) -------------------------
// Each finds an accepted presentation context for `sop_class` (Error(refused) when none), sends the
// request, waits for its response within the DIMSE timeout and returns it. A failure status is
// returned, not thrown; broken associations throw as the C services do.

/// N-CREATE (PS3.7 10.1.5): `instance_uid` may be empty to let the performer choose one (returned
/// in NResult::sop_instance_uid).
NResult n_create(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
                 const Dataset &attributes);
/// N-SET (PS3.7 10.1.3).
NResult n_set(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
              const Dataset &modifications);
/// N-GET (PS3.7 10.1.2): `attributes` empty asks for all.
NResult n_get(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
              const std::vector<Tag> &attributes);
/// N-ACTION (PS3.7 10.1.4).
NResult n_action(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
                 uint16_t action_type, const Dataset *information);
/// N-DELETE (PS3.7 10.1.6).
NResult n_delete(Association &assoc, const std::string &sop_class, const std::string &instance_uid);
/// N-EVENT-REPORT (PS3.7 10.1.1).
NResult n_event_report(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
                       uint16_t event_type, const Dataset *information);

// -- performer ---------------------------------------------------------------------------------------

/// One N request as the performer sees it.
struct NRequest {
    Association &assoc;
    const Command &command;
    std::string sop_class_uid, sop_instance_uid;  ///< Affected or Requested, whichever the message has
    uint16_t action_or_event_type = 0;            ///< N-ACTION / N-EVENT-REPORT
    std::vector<Tag> attribute_list;              ///< N-GET
    std::optional<Dataset> dataset;               ///< the request's dataset, when it has one
};

/// The performer's answer: a status, the instance it concerns (N-CREATE may assign one), a dataset.
struct NResponse {
    uint16_t status = 0;
    std::string sop_instance_uid;
    std::optional<Dataset> dataset;
    std::string error_comment;
    /// Run after the response is sent, on the same association (Storage Commitment sends its
    /// N-EVENT-REPORT this way).
    std::function<void()> after;
};

/// A handler per SOP class: returns the response to the request.
using NHandler = std::function<NResponse(NRequest &)>;

/// Whether `command_field` is one of the six N requests.
bool is_n_request(uint16_t command_field) noexcept;
/// Reads the rest of an N request (its dataset), calls `handler` (no handler: No Such SOP Class,
/// 0118H) and sends the response. A handler that throws is answered with Processing Failure (0110H).
void serve_n_request(Association &assoc, const Command &command, const NHandler &handler);

}  // namespace dcmkit::net
