// dcmkit — MPPS performer and Storage Commitment Push Model, both sides (PS3.4 Annexes F and J).
#include "dcmkit/net/workflow.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dcmkit/error.h"
#include "dcmkit/json.h"
#include "dcmkit/net/dimse.h"
#include "dcmkit/uid.h"

namespace dcmkit::net {

namespace {

constexpr Tag kPerformedProcedureStepStatus{0x0040, 0x0252};
constexpr Tag kPerformedProcedureStepEndDate{0x0040, 0x0250}, kPerformedProcedureStepEndTime{0x0040, 0x0251};
constexpr Tag kTransactionUID{0x0008, 0x1195};
constexpr Tag kReferencedSOPSequence{0x0008, 0x1199}, kFailedSOPSequence{0x0008, 0x1198};
constexpr Tag kReferencedSOPClassUID{0x0008, 0x1150}, kReferencedSOPInstanceUID{0x0008, 0x1155};
constexpr Tag kFailureReason{0x0008, 0x1197};

/// PS3.4 Table F.7.2-1: attributes the SCU shall send in the N-CREATE (requirement type 1, the
/// ones every MPPS carries whatever the modality).
const std::pair<Tag, const char *> kCreateRequired[] = {
    {{0x0040, 0x0270}, "Scheduled Step Attributes Sequence"},
    {{0x0040, 0x0253}, "Performed Procedure Step ID"},
    {{0x0040, 0x0241}, "Performed Station AE Title"},
    {{0x0040, 0x0244}, "Performed Procedure Step Start Date"},
    {{0x0040, 0x0245}, "Performed Procedure Step Start Time"},
    {kPerformedProcedureStepStatus, "Performed Procedure Step Status"},
    {{0x0008, 0x0060}, "Modality"},
};

NResponse failure(uint16_t status, std::string comment) {
    NResponse r;
    r.status = status;
    r.error_comment = std::move(comment);
    return r;
}

bool is_uid(const std::string &s) { return is_valid_uid(s); }

std::string read_text(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

// -- MPPS --------------------------------------------------------------------------------------------

MppsStore::MppsStore(std::string folder) : folder_(std::move(folder)) {
    if (::mkdir(folder_.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error(Errc::io, "cannot create " + folder_ + ": " + std::strerror(errno));
}

std::string MppsStore::path_of(const std::string &uid) const { return folder_ + "/" + uid + ".json"; }

void MppsStore::save(const std::string &uid, const Dataset &ds) const {
    // Written to a temporary file, flushed and renamed: a crash leaves the old or the new state.
    const std::string path = path_of(uid), tmp = path + ".tmp";
    const std::string text = to_json(ds);
    FILE *f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw Error(Errc::io, "cannot write " + tmp + ": " + std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 &&
                    ::fsync(::fileno(f)) == 0;
    const int err = errno;
    std::fclose(f);
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw Error(Errc::io, "cannot write " + path + ": " + std::strerror(ok ? errno : err));
    }
}

std::optional<Dataset> MppsStore::get(const std::string &uid) const {
    if (!is_uid(uid)) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu_);
    if (::access(path_of(uid).c_str(), R_OK) != 0) return std::nullopt;
    return from_json(read_text(path_of(uid)));
}

NResponse MppsStore::create(NRequest &rq) {
    // PS3.4 F.7.2.1.1: the SCU gives the SOP Instance UID; we accept one chosen by us too.
    std::string uid = rq.sop_instance_uid.empty() ? generate_uid() : rq.sop_instance_uid;
    if (!is_uid(uid)) return failure(mpps_status::InvalidAttributeValue, "invalid Affected SOP Instance UID");
    if (!rq.dataset) return failure(mpps_status::MissingAttribute, "N-CREATE without attributes");
    const Dataset &ds = *rq.dataset;
    for (const auto &[tag, name] : kCreateRequired)
        if (!ds.find(tag)) return failure(mpps_status::MissingAttribute, std::string("missing ") + name);
    if (ds.get_string_or(kPerformedProcedureStepStatus, "") != "IN PROGRESS")
        return failure(mpps_status::InvalidAttributeValue, "Performed Procedure Step Status must be IN PROGRESS");
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (::access(path_of(uid).c_str(), F_OK) == 0)
            return failure(mpps_status::DuplicateSOPInstance, "MPPS instance exists already");
        save(uid, ds);
    }
    if (on_change) on_change(uid, ds);
    NResponse r;
    r.sop_instance_uid = uid;
    return r;
}

NResponse MppsStore::set(NRequest &rq) {
    const std::string &uid = rq.sop_instance_uid;
    if (!rq.dataset) return failure(mpps_status::MissingAttribute, "N-SET without modifications");
    Dataset merged;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!is_uid(uid) || ::access(path_of(uid).c_str(), F_OK) != 0)
            return failure(mpps_status::NoSuchObjectInstance, "no such MPPS instance");
        merged = from_json(read_text(path_of(uid)));
        const std::string current = merged.get_string_or(kPerformedProcedureStepStatus, "");
        if (current == "COMPLETED" || current == "DISCONTINUED")  // PS3.4 F.7.2.2.2, Error ID A710
            return failure(dimse::status::ProcessingFailure, "Performed Procedure Step Object may no longer be updated");
        for (const Element &e : *rq.dataset) merged.set(e);
        const std::string next = merged.get_string_or(kPerformedProcedureStepStatus, "");
        if (next != "IN PROGRESS" && next != "COMPLETED" && next != "DISCONTINUED")
            return failure(mpps_status::InvalidAttributeValue, "Performed Procedure Step Status " + next);
        if (next != "IN PROGRESS" && (merged.get_string_or(kPerformedProcedureStepEndDate, "").empty() ||
                                      merged.get_string_or(kPerformedProcedureStepEndTime, "").empty()))
            // PS3.4 F.7.2.2.2: the final state needs the end date and time (Error ID A711).
            return failure(dimse::status::ProcessingFailure, "Performed Procedure Step End Date/Time missing");
        save(uid, merged);
    }
    if (on_change) on_change(uid, merged);
    return {};
}

NHandler MppsStore::handler() {
    return [this](NRequest &rq) -> NResponse {
        switch (rq.command.command_field) {
        case dimse::N_CREATE_RQ: return create(rq);
        case dimse::N_SET_RQ: return set(rq);
        default: return failure(dimse::status::UnrecognizedOperation, "MPPS takes N-CREATE and N-SET");
        }
    };
}

// -- Storage Commitment ------------------------------------------------------------------------------

namespace {

Dataset reference_item(const CommitItem &c, bool with_reason) {
    Dataset item;
    item.set_string(kReferencedSOPClassUID, c.sop_class_uid, VR::UI);
    item.set_string(kReferencedSOPInstanceUID, c.sop_instance_uid, VR::UI);
    if (with_reason) item.set_int(kFailureReason, c.failure_reason, VR::US);
    return item;
}

std::vector<CommitItem> items_of(const Dataset &ds, Tag sequence) {
    std::vector<CommitItem> out;
    for (const Dataset &item : ds.get_items(sequence)) {
        CommitItem c;
        c.sop_class_uid = item.get_string_or(kReferencedSOPClassUID, "");
        c.sop_instance_uid = item.get_string_or(kReferencedSOPInstanceUID, "");
        c.failure_reason = uint16_t(item.get_int_opt(kFailureReason).value_or(0));
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

CommitResult request_commitment(Association &assoc, const std::vector<CommitItem> &instances, int report_wait_ms) {
    CommitResult r;
    r.transaction_uid = generate_uid();
    Dataset info;
    info.set_string(kTransactionUID, r.transaction_uid, VR::UI);
    std::vector<Dataset> refs;
    for (const auto &c : instances) refs.push_back(reference_item(c, false));
    info.set_sequence(kReferencedSOPSequence, std::move(refs));
    const NResult action =
        n_action(assoc, sop::StorageCommitmentPushModel, sop::StorageCommitmentPushModelInstance, 1, &info);
    r.action_status = action.status;
    if (dimse::status_kind(action.status) == dimse::StatusKind::Failure) return r;

    // PS3.4 J.3.3: the N-EVENT-REPORT may come on this association.
    auto cmd = assoc.receive_command(report_wait_ms);
    if (!cmd) return r;  // released by the performer: the report will come on another association
    if (cmd->command_field != dimse::N_EVENT_REPORT_RQ) {
        assoc.abort(2, 5);
        throw Error(Errc::protocol, std::string("expected an N-EVENT-REPORT, got ") + dimse::command_name(cmd->command_field));
    }
    serve_n_request(assoc, *cmd, [&](NRequest &rq) -> NResponse {
        if (!rq.dataset || rq.dataset->get_string_or(kTransactionUID, "") != r.transaction_uid)
            return failure(dimse::status::ProcessingFailure, "unknown Transaction UID");
        r.report_received = true;
        r.event_type = rq.action_or_event_type;
        r.committed = items_of(*rq.dataset, kReferencedSOPSequence);
        r.failed = items_of(*rq.dataset, kFailedSOPSequence);
        return {};
    });
    return r;
}

NHandler storage_commitment_handler(std::function<uint16_t(const std::string &, const std::string &)> verify) {
    return [verify = std::move(verify)](NRequest &rq) -> NResponse {
        if (rq.command.command_field != dimse::N_ACTION_RQ)
            return failure(dimse::status::UnrecognizedOperation, "Storage Commitment takes N-ACTION");
        if (rq.action_or_event_type != 1) return failure(0x0123, "no such action type");  // No Such Action
        if (!rq.dataset) return failure(mpps_status::MissingAttribute, "N-ACTION without its information");
        const std::string transaction = rq.dataset->get_string_or(kTransactionUID, "");
        if (!is_uid(transaction)) return failure(mpps_status::InvalidAttributeValue, "invalid Transaction UID");
        std::vector<CommitItem> asked = items_of(*rq.dataset, kReferencedSOPSequence);
        if (asked.empty()) return failure(mpps_status::MissingAttribute, "empty Referenced SOP Sequence");

        NResponse ok;
        Association &assoc = rq.assoc;
        ok.after = [&assoc, verify, transaction, asked]() mutable {
            std::vector<Dataset> good, bad;
            for (CommitItem &c : asked) {
                c.failure_reason = verify ? verify(c.sop_class_uid, c.sop_instance_uid) : uint16_t(0x0110);
                (c.failure_reason ? bad : good).push_back(reference_item(c, c.failure_reason != 0));
            }
            Dataset report;
            report.set_string(kTransactionUID, transaction, VR::UI);
            const uint16_t event = bad.empty() ? 1 : 2;
            if (!good.empty()) report.set_sequence(kReferencedSOPSequence, std::move(good));
            if (!bad.empty()) report.set_sequence(kFailedSOPSequence, std::move(bad));
            n_event_report(assoc, sop::StorageCommitmentPushModel, sop::StorageCommitmentPushModelInstance, event, &report);
        };
        return ok;
    };
}

}  // namespace dcmkit::net
