// dcmkit — Query/Retrieve (PS3.4 Annex C): the DIMSE-C services C-FIND, C-MOVE, C-GET and
// C-CANCEL (PS3.7 9.1.2-9.1.4, 9.3.2-9.3.5), SCU and SCP.
//
// The SCU calls block on the caller's thread, stream each response to a callback, and cancel (a
// C-CANCEL-RQ, PS3.7 9.3.2.3) when the callback says so. The SCP side is run by
// serve_association() with the handlers of ServiceHandlers (services.h): the handlers only decide
// *what* matches or *which files* to send; the protocol (pending responses, counts, the
// sub-associations of C-MOVE, the C-STORE sub-operations of C-GET on the same association,
// cancellation, final statuses) is done here. Files are streamed from disk when sent and into files
// when received, so memory stays flat whatever the size of a retrieval.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/dimse.h"

namespace dcmkit::net {

struct StoreRequest;
class StorageFolder;


namespace dimse {
namespace tag {
constexpr Tag NumberOfRemainingSuboperations{0x0000, 0x1020};
constexpr Tag NumberOfCompletedSuboperations{0x0000, 0x1021};
constexpr Tag NumberOfFailedSuboperations{0x0000, 0x1022};
constexpr Tag NumberOfWarningSuboperations{0x0000, 0x1023};
constexpr Tag QueryRetrieveLevel{0x0008, 0x0052};
constexpr Tag FailedSOPInstanceUIDList{0x0008, 0x0058};
}  // namespace tag
namespace status {
/// PS3.4 C.4.1.1.4 (C-FIND), C.4.2.1.5 (C-MOVE), C.4.3.1.4 (C-GET).
constexpr uint16_t UnableToCalculateMatches = 0xA701;       ///< Refused: out of resources (C-MOVE/C-GET)
constexpr uint16_t UnableToPerformSuboperations = 0xA702;   ///< Refused: out of resources (C-MOVE/C-GET)
constexpr uint16_t MoveDestinationUnknown = 0xA801;         ///< Refused (C-MOVE)
constexpr uint16_t IdentifierDoesNotMatchSOPClass = 0xA900; ///< Error (all three)
constexpr uint16_t UnableToProcess = 0xC000;                ///< Failed: Cxxx (all three)
constexpr uint16_t SuboperationsCompleteWithFailures = 0xB000;  ///< Warning (C-MOVE/C-GET)
}  // namespace status
}  // namespace dimse

/// Query/Retrieve information models (PS3.4 C.6) and the Modality Worklist (PS3.4 K.6).
enum class QueryModel { Unknown, PatientRoot, StudyRoot, PatientStudyOnly, Worklist };
QueryModel query_model(const std::string &sop_class_uid) noexcept;
/// Whether `level` ("PATIENT", "STUDY", "SERIES", "IMAGE") is a level of `model` (PS3.4 C.6.1.1,
/// C.6.2.1, C.6.3.1). The worklist has no levels.
bool level_in_model(QueryModel model, const std::string &level) noexcept;
/// The unique key of a level (PS3.4 C.6.1.1.2-5): Patient ID, Study/Series/SOP Instance UID.
Tag unique_key_of_level(const std::string &level);
/// Status text that knows the Query/Retrieve meanings of codes shared with other services
/// (B000 is "Sub-operations complete - one or more failures" for C-MOVE and C-GET).
std::string qr_status_text(uint16_t command_field, uint16_t status);

// -- SCU ------------------------------------------------------------------------------------------

/// The outcome of a C-FIND.
struct FindResult {
    uint16_t status = 0xFFFF;  ///< final status: 0000, FE00 after a cancel, or a failure
    std::string error_comment; ///< (0000,0902) of the final response, if any
    size_t matches = 0;        ///< pending responses received (including any after the cancel)
    bool cancelled = false;    ///< a C-CANCEL-RQ was sent
};

/// C-FIND (PS3.4 C.4.1, PS3.7 9.1.2): sends `identifier` (it should hold Query/Retrieve Level
/// (0008,0052), except for the worklist) and passes each match to `on_match` as its pending
/// response arrives. When `on_match` returns false, a C-CANCEL-RQ is sent and the remaining
/// responses are drained until the final one (normally FE00 Cancel). Throws Error(refused) when no
/// context for `sop_class` was accepted, Error(timeout/aborted/protocol) when the association fails.
FindResult find(Association &assoc, const std::string &sop_class, const Dataset &identifier,
                const std::function<bool(const Dataset &match)> &on_match, uint16_t priority = 0);

/// A C-FIND read one response at a time (pull-driven, on the caller's thread): the request is
/// sent by the constructor, next() waits for the next pending response, cancel() ends the query
/// early (C-CANCEL-RQ, then the responses already on their way are drained to the final one, PS3.4
/// C.4.1.2.3). Until done(), the association must carry no other request. The destructor sends
/// nothing: cancel() or read to the end before dropping a query that is not done(), or abort the
/// association. Throws like find() (the query is then done()).
class FindQuery {
public:
    FindQuery(Association &assoc, const std::string &sop_class, const Dataset &identifier, uint16_t priority = 0);
    /// The next match, or std::nullopt once the final response came (result() holds it).
    std::optional<Dataset> next();
    /// Sends a C-CANCEL-RQ (unless done()) and drains the responses to the final one.
    void cancel();
    bool done() const noexcept { return done_; }
    /// The outcome so far; final once done().
    const FindResult &result() const noexcept { return result_; }

private:
    Association &assoc_;
    uint8_t context_id_ = 0;
    uint16_t message_id_ = 0;
    bool done_ = false;
    FindResult result_;
};

/// Sub-operation counts of a C-MOVE or C-GET response (PS3.7 9.3.3.2, 9.3.4.2).
struct RetrieveProgress {
    uint16_t status = 0xFFFF;
    std::optional<uint16_t> remaining;  ///< absent in most final responses
    uint16_t completed = 0, failed = 0, warning = 0;
};
/// The outcome of a C-MOVE or C-GET.
struct RetrieveResult : RetrieveProgress {
    std::string error_comment;
    /// Failed SOP Instance UID List (0008,0058) of the final response (PS3.4 C.4.2.1.4, C.4.3.1.3).
    std::vector<std::string> failed_sop_instances;
    bool cancelled = false;  ///< a C-CANCEL-RQ was sent
    size_t stored = 0;       ///< C-GET: C-STORE sub-operations received and answered with success/warning
};
/// Called with each pending (and the final) response; return false to cancel (C-CANCEL-RQ).
using RetrieveProgressFn = std::function<bool(const RetrieveProgress &)>;

/// C-MOVE (PS3.4 C.4.2, PS3.7 9.1.4): asks the peer to C-STORE what `identifier` selects to
/// `destination_ae` (which the peer must know). Throws like find().
RetrieveResult move(Association &assoc, const std::string &sop_class, const std::string &destination_ae,
                    const Dataset &identifier, const RetrieveProgressFn &progress = {}, uint16_t priority = 0);

/// Handles one C-STORE sub-operation of a C-GET: must consume the dataset and return the status.
using GetStoreHandler = std::function<uint16_t(StoreRequest &)>;
/// C-GET (PS3.4 C.4.3, PS3.7 9.1.3): the instances arrive as C-STORE sub-operations on this same
/// association, so their storage SOP classes must have been negotiated with this side as SCP
/// (AeConfig::add_get_storage, PS3.7 D.3.3.4). `store` receives each one (streamed: see
/// StorageFolder); it is answered with its status. Throws like find().
RetrieveResult get(Association &assoc, const std::string &sop_class, const Dataset &identifier,
                   const GetStoreHandler &store, const RetrieveProgressFn &progress = {}, uint16_t priority = 0);
/// C-GET into a folder, each instance streamed to disk (StorageFolder::receive).
RetrieveResult get(Association &assoc, const std::string &sop_class, const Dataset &identifier,
                   StorageFolder &folder, const RetrieveProgressFn &progress = {}, uint16_t priority = 0);

// -- SCP ------------------------------------------------------------------------------------------

/// A C-FIND, C-MOVE or C-GET request as an SCP handler sees it. Handlers run on a thread of the
/// association's own (C-FIND, C-MOVE) or on the association's thread (C-GET); they may be called
/// concurrently for different associations.
class QueryRequest {
public:
    Association &assoc;
    uint16_t command_field = 0;   ///< C_FIND_RQ, C_MOVE_RQ or C_GET_RQ
    std::string sop_class_uid;    ///< the Affected SOP Class UID (the context's abstract syntax)
    QueryModel model = QueryModel::Unknown;
    std::string level;            ///< Query/Retrieve Level (0008,0052), trimmed; "" for the worklist
    Dataset identifier;           ///< the request's identifier
    std::string move_destination; ///< C-MOVE: Move Destination (0000,0600)
    uint16_t priority = 0;

    /// A C-CANCEL-RQ for this request has arrived (PS3.4 C.4.1.3.1.1, C.4.2.3.1, C.4.3.3.1): stop
    /// producing matches; the SCP answers FE00 Cancel.
    bool cancelled() const noexcept { return cancelled_ && cancelled_->load(); }
    /// C-FIND: sends `match` as a pending response (FF00, or FF01 when optional keys were not
    /// supported). Query/Retrieve Level is added when the match lacks it (PS3.4 C.4.1.1.3.2).
    /// Returns false once cancelled (the match is then not sent): stop and return.
    bool emit(const Dataset &match, uint16_t pending_status = dimse::status::Pending) {
        return emit_ ? emit_(match, pending_status) : false;
    }

    QueryRequest(Association &a, const std::atomic<bool> *cancelled) : assoc(a), cancelled_(cancelled) {}
    std::function<bool(const Dataset &, uint16_t)> emit_;  ///< set by the SCP

private:
    const std::atomic<bool> *cancelled_;
};

/// Answers a C-FIND: emits the matches, returns the final status (Success, or a failure such as
/// A700 Out of Resources, A900 Identifier does not match SOP Class, Cxxx Unable to process). When
/// the request was cancelled the SCP answers FE00 whatever is returned.
using FindHandler = std::function<uint16_t(QueryRequest &)>;

/// What a C-MOVE or C-GET handler decides.
struct RetrievePlan {
    /// A failure refuses the whole request before any sub-operation: A801 Move Destination
    /// unknown, A701 Unable to calculate number of matches, A900, Cxxx…
    uint16_t status = dimse::status::Success;
    std::string error_comment;
    /// The Part 10 files to send, streamed from disk one after the other.
    std::vector<std::string> files;
    /// Instances held in memory, sent after the files, each in its own transfer syntax when the
    /// peer accepted it, else converted as a file would be.
    std::vector<std::shared_ptr<const DicomFile>> instances;
    /// C-MOVE: where the Move Destination AE listens.
    std::string host;
    uint16_t port = 0;
    /// Optional: called once the sub-operations are over (after the final response, on the same
    /// thread) with the SOP Instance UIDs sent with a Success or Warning status, in order, and the
    /// final counts (an audit trail records what was transferred). Not called when the plan's
    /// status refuses the request. Exceptions it throws are ignored.
    std::function<void(const std::vector<std::string> &sent, const RetrieveProgress &counts)> on_done;
};
/// Resolves a C-MOVE (destination and files) or a C-GET (files).
using RetrieveHandler = std::function<RetrievePlan(QueryRequest &)>;

// -- matching helpers for SCPs backed by datasets ---------------------------------------------------

/// Attribute matching of PS3.4 C.2.2.2 of one record against an identifier (matching::match_dataset,
/// with its default options): Universal (empty key),
/// Single Value (case-sensitive, except PN which is case-insensitive as is common practice and AE/CS
/// exact), Wild Card (* and ?), List of UID, Range (DA, TM, DT: "a-b", "-b", "a-"), Sequence
/// (the first item's keys against any record item). Query/Retrieve Level, Specific Character Set
/// and group 0000 are not matched. A key the record lacks matches only when universal.
bool matches_identifier(const Dataset &identifier, const Dataset &record);
/// The response identifier for a match: each key of `identifier` with the record's value (empty
/// when the record lacks it), plus Specific Character Set when the record has one.
Dataset project_identifier(const Dataset &identifier, const Dataset &record);

}  // namespace dcmkit::net
