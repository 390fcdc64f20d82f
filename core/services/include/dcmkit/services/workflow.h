// dcmkit — Modality Performed Procedure Step (PS3.4 Annex F) and Storage Commitment Push Model
// (PS3.4 Annex J), on the DIMSE-N layer.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/net/ae_config.h"
#include "dcmkit/net/normalized.h"
#include "dcmkit/services/services.h"

namespace dcmkit::net {

// -- Modality Performed Procedure Step ---------------------------------------------------------------

/// PS3.7 C / PS3.4 F.7.2 statuses the MPPS performer answers with.
namespace mpps_status {
constexpr uint16_t NoSuchObjectInstance = 0x0112;
constexpr uint16_t DuplicateSOPInstance = 0x0111;
constexpr uint16_t MissingAttribute = 0x0120;
constexpr uint16_t InvalidAttributeValue = 0x0106;
}  // namespace mpps_status

/// The MPPS performer (SCP): keeps each instance as a DICOM JSON file in a folder and enforces
/// PS3.4 F.7.2: N-CREATE needs the attributes the SCU must send and status IN PROGRESS; N-SET may
/// move it to COMPLETED or DISCONTINUED (with the end date and time), after which the instance may
/// no longer be updated (Processing Failure, Error ID A710). Thread-safe.
class MppsStore {
public:
    explicit MppsStore(std::string folder);
    /// The N-CREATE / N-SET handler to register for the MPPS SOP class.
    NHandler handler();
    /// The instance as last stored, if any.
    std::optional<Dataset> get(const std::string &sop_instance_uid) const;
    /// Called (from the association's thread) after each accepted N-CREATE / N-SET with the whole
    /// instance: a worklist can update its scheduled step from it.
    std::function<void(const std::string &sop_instance_uid, const Dataset &mpps)> on_change;

private:
    NResponse create(NRequest &rq);
    NResponse set(NRequest &rq);
    std::string path_of(const std::string &uid) const;
    void save(const std::string &uid, const Dataset &ds) const;

    std::string folder_;
    mutable std::mutex mu_;
};

// -- Storage Commitment Push Model ----------------------------------------------------------------

/// One referenced instance, and when it could not be committed, why (PS3.4 J.3.2.1.1.1: 0110H
/// Processing failure, 0112H No such object instance, 0119H Class-instance conflict, 0122H
/// Referenced SOP Class not supported, 0131H Duplicate transaction UID).
struct CommitItem {
    std::string sop_class_uid, sop_instance_uid;
    uint16_t failure_reason = 0;
};

struct CommitResult {
    uint16_t action_status = 0xFFFF;  ///< status of the N-ACTION response
    std::string transaction_uid;
    bool report_received = false;     ///< the N-EVENT-REPORT came on this association in time
    uint16_t event_type = 0;          ///< 1: all committed, 2: some failed
    std::vector<CommitItem> committed, failed;
};

/// Storage Commitment SCU: sends the N-ACTION (Request Storage Commitment, action type 1) for the
/// instances, then waits up to `report_wait_ms` for the performer's N-EVENT-REPORT on the same
/// association (answering it). When it does not come in time (the performer may send it on an
/// association of its own, see CommitmentReports), report_received is false and the association
/// is still usable. `report_wait_ms` 0 returns as soon as the N-ACTION is answered.
CommitResult request_commitment(Association &assoc, const std::vector<CommitItem> &instances, int report_wait_ms);

/// The SCU's end of reports sent on associations the performer opens (PS3.4 J.3.3.1.3: the SCU
/// accepts an association on which the requestor proposes the SCP role). Register handler() for
/// the Storage Commitment Push Model on a Server whose AeConfig takes the SCU role of that class
/// (`add(uids::StorageCommitmentPushModel, {}, false, true)`), then wait() for each transaction.
/// Reports that arrive before wait() is called are kept. Thread-safe.
class CommitmentReports {
public:
    /// Answers each N-EVENT-REPORT (event type 1 or 2 with a Transaction UID; anything else gets
    /// a failure status) and keeps its result.
    NHandler handler();
    /// Waits up to `timeout_ms` for the report of `r.transaction_uid` and fills `r` from it
    /// (report_received, event_type, committed, failed). false when it did not come in time.
    bool wait(CommitResult &r, int timeout_ms);
    /// A server taking reports for this object, started on `address` ("" = every one) and `port`
    /// (0 = a free one): `ae`'s title, options and log, with only the Storage Commitment Push Model,
    /// in the SCU role. Destroy it before this object.
    std::unique_ptr<Server> listen(AeConfig ae, const std::string &address, uint16_t port);

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::string, CommitResult> reports_;  // by Transaction UID
};

/// Where a Storage Commitment SCP sends its N-EVENT-REPORT (PS3.4 J.3.3.1.2: it may try the
/// N-ACTION's association, and must be able to send it on one of its own).
struct CommitReportOptions {
    /// Try the N-ACTION's association first. When the SCU has released it by then (or aborted, or
    /// this is false), the report goes on a new association to the SCU's AE.
    bool same_association = true;
    /// The AE the new associations are requested as (title, timeouts, log). The Storage Commitment
    /// Push Model is proposed with SCP/SCU Role Selection: SCU role 0, SCP role 1.
    AeConfig ae;
    /// Where an AE title listens ("host", port); nullopt when unknown. Without it, or for an
    /// unknown AE, a report that cannot go on the N-ACTION's association is lost (and logged).
    std::function<std::optional<std::pair<std::string, uint16_t>>(const std::string &ae_title)> locate;
    /// Delivery attempts on a new association, `retry_delay_ms` apart.
    int attempts = 3;
    int retry_delay_ms = 2000;
};

/// Storage Commitment SCP: answers the N-ACTION, then checks each instance with `verify` (0 when
/// it is held and intact, else the failure reason) and sends the N-EVENT-REPORT (event type 1, or
/// 2 with the Failed SOP Sequence) as `options` say. Reports for new associations are sent by a
/// thread of the handler's own, so that an SCU that first releases and then listens is served;
/// destroying the handler (its server) waits for the reports still queued.
NHandler storage_commitment_handler(std::function<uint16_t(const std::string &sop_class, const std::string &sop_instance)> verify,
                                    CommitReportOptions options = {});

}  // namespace dcmkit::net
