// dcmkit — MPPS performer and Storage Commitment Push Model, both sides (PS3.4 Annexes F and J).
#include "dcmkit/services/workflow.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <deque>
#include <memory>
#include <sstream>
#include <thread>

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
    // The temporary name is unique: servers sharing the folder may save the same instance at once.
    const std::string path = path_of(uid);
    std::string tmp = path + ".tmp-XXXXXX";
    const std::string text = to_json(ds);
    const int fd = ::mkstemp(tmp.data());
    FILE *f = fd >= 0 ? ::fdopen(fd, "wb") : nullptr;
    if (!f) {
        const int err = errno;
        if (fd >= 0) {
            ::close(fd);
            ::unlink(tmp.c_str());
        }
        throw Error(Errc::io, "cannot write " + tmp + ": " + std::strerror(err));
    }
    ::fchmod(fd, 0644);
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

/// The N-EVENT-REPORT's content as the SCU reads it, into `r`; the status to answer with.
uint16_t take_report(const NRequest &rq, const std::string &expected_transaction, CommitResult &r) {
    if (rq.action_or_event_type != 1 && rq.action_or_event_type != 2)
        return 0x0113;  // No Such Event Type (PS3.7 C.4.1)
    if (!rq.dataset) return mpps_status::MissingAttribute;
    const std::string transaction = rq.dataset->get_string_or(kTransactionUID, "");
    if (!is_uid(transaction)) return mpps_status::InvalidAttributeValue;
    if (!expected_transaction.empty() && transaction != expected_transaction) return dimse::status::ProcessingFailure;
    r.transaction_uid = transaction;
    r.report_received = true;
    r.event_type = rq.action_or_event_type;
    r.committed = items_of(*rq.dataset, kReferencedSOPSequence);
    r.failed = items_of(*rq.dataset, kFailedSOPSequence);
    return dimse::status::Success;
}

NResponse status_only(uint16_t status, const char *why) {
    return status == dimse::status::Success ? NResponse{} : failure(status, why);
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
        n_action(assoc, uids::StorageCommitmentPushModel, uids::StorageCommitmentPushModelInstance, 1, &info);
    r.action_status = action.status;
    if (dimse::status_kind(action.status) == dimse::StatusKind::Failure || report_wait_ms <= 0) return r;

    // PS3.4 J.3.3: the N-EVENT-REPORT may come on this association.
    std::optional<Command> cmd;
    try {
        cmd = assoc.receive_command(report_wait_ms);
    } catch (const Error &e) {
        // Not in time: the association stays usable, and the caller has the Transaction UID to
        // wait for the report elsewhere (CommitmentReports).
        if (e.code() == Errc::timeout) return r;
        throw;
    }
    if (!cmd) return r;  // released by the performer: the report will come on another association
    if (cmd->command_field != dimse::N_EVENT_REPORT_RQ) {
        assoc.abort(2, 5);
        throw Error(Errc::protocol, std::string("expected an N-EVENT-REPORT, got ") + dimse::command_name(cmd->command_field));
    }
    serve_n_request(assoc, *cmd, [&](NRequest &rq) -> NResponse {
        return status_only(take_report(rq, r.transaction_uid, r), "not a report of the transaction requested");
    });
    return r;
}

NHandler CommitmentReports::handler() {
    return [this](NRequest &rq) -> NResponse {
        if (rq.command.command_field != dimse::N_EVENT_REPORT_RQ)
            return failure(dimse::status::UnrecognizedOperation, "the Storage Commitment SCU takes N-EVENT-REPORT");
        CommitResult r;
        const uint16_t status = take_report(rq, "", r);
        if (status == dimse::status::Success) {
            std::lock_guard<std::mutex> lock(mu_);
            reports_[r.transaction_uid] = std::move(r);
            cv_.notify_all();
        }
        return status_only(status, "not a Storage Commitment result");
    };
}

bool CommitmentReports::wait(CommitResult &r, int timeout_ms) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::milliseconds(std::max(0, timeout_ms)),
                      [&] { return reports_.count(r.transaction_uid) != 0; }))
        return false;
    auto node = reports_.extract(r.transaction_uid);
    CommitResult &got = node.mapped();
    r.report_received = true;
    r.event_type = got.event_type;
    r.committed = std::move(got.committed);
    r.failed = std::move(got.failed);
    return true;
}

namespace {

/// `ae` with the Storage Commitment Push Model as its only SOP class (its transfer syntaxes kept),
/// in one role: the SCP's on associations it requests to send reports, the SCU's on those it accepts.
void commitment_only(AeConfig &ae, bool as_scp) {
    const SopClassSupport *s = ae.find(uids::StorageCommitmentPushModel);
    std::vector<std::string> syntaxes = s ? s->transfer_syntaxes : std::vector<std::string>{};
    ae.sop_classes.clear();
    ae.add(uids::StorageCommitmentPushModel, std::move(syntaxes), as_scp, !as_scp);
}

}  // namespace

std::unique_ptr<Server> CommitmentReports::listen(AeConfig ae, const std::string &address, uint16_t port) {
    commitment_only(ae, false);
    ServiceHandlers h;
    h.n_handlers[uids::StorageCommitmentPushModel] = handler();
    auto server = std::make_unique<Server>(std::move(ae), std::move(h));
    server->start(address, port);
    return server;
}

namespace {

/// One report waiting for an association of its own.
struct PendingReport {
    std::string ae_title;  // the SCU's (the N-ACTION's Calling AE Title)
    uint16_t event_type;
    Dataset report;
};

/// Sends reports on new associations from a thread of its own, in order, with retries. Destroying
/// it delivers what is queued (each attempt bounded by the AE's timeouts), without further retries.
class ReportSender {
public:
    explicit ReportSender(CommitReportOptions options) : o_(std::move(options)) {
        // The requestor of these associations is the SCP of the class (role selection SCU 0, SCP 1).
        commitment_only(o_.ae, true);
        thread_ = std::thread([this] { run(); });
    }
    ~ReportSender() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    void push(PendingReport p) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            queue_.push_back(std::move(p));
        }
        cv_.notify_all();
    }

private:
    void run() {
        std::unique_lock<std::mutex> lock(mu_);
        for (;;) {
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, nothing left
            PendingReport p = std::move(queue_.front());
            queue_.pop_front();
            for (int attempt = 1;; ++attempt) {
                lock.unlock();
                std::string error;
                const bool sent = deliver(p, error);
                lock.lock();
                if (sent) break;
                const bool last = attempt >= std::max(1, o_.attempts) || stopping_;
                o_.ae.emit(last ? LogLevel::error : LogLevel::warning,
                           "Storage Commitment report for " + p.ae_title + " (transaction " +
                               p.report.get_string_or(kTransactionUID, "") + "), attempt " + std::to_string(attempt) +
                               ": " + error + (last ? "; the report is not delivered" : "; trying again"));
                if (last) break;
                cv_.wait_for(lock, std::chrono::milliseconds(o_.retry_delay_ms), [&] { return stopping_; });
            }
        }
    }

    bool deliver(const PendingReport &p, std::string &error) {
        std::optional<std::pair<std::string, uint16_t>> where;
        if (o_.locate) where = o_.locate(p.ae_title);
        if (!where) {
            error = "no address is configured for AE " + p.ae_title;
            return false;
        }
        try {
            auto assoc = Association::connect(o_.ae, where->first, where->second, p.ae_title);
            const NResult rsp = n_event_report(*assoc, uids::StorageCommitmentPushModel,
                                               uids::StorageCommitmentPushModelInstance, p.event_type, &p.report);
            assoc->release();
            if (dimse::status_kind(rsp.status) == dimse::StatusKind::Failure) {
                // The SCU received it and said no: sending it again would be refused the same way.
                o_.ae.emit(LogLevel::error, p.ae_title + " refused the Storage Commitment report: " +
                                                dimse::status_text(rsp.status));
            } else {
                o_.ae.emit(LogLevel::info, "Storage Commitment report sent to " + p.ae_title + " on a new association");
            }
            return true;
        } catch (const std::exception &e) {
            error = where->first + ":" + std::to_string(where->second) + ": " + e.what();
            return false;
        }
    }

    CommitReportOptions o_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<PendingReport> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace

NHandler storage_commitment_handler(std::function<uint16_t(const std::string &, const std::string &)> verify,
                                    CommitReportOptions options) {
    const bool same = options.same_association;
    // Only needed, and only started, when reports may go on associations of their own.
    std::shared_ptr<ReportSender> sender;
    if (options.locate || !same) sender = std::make_shared<ReportSender>(std::move(options));
    return [verify = std::move(verify), same, sender](NRequest &rq) -> NResponse {
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
        ok.after = [&assoc, verify, same, sender, transaction, asked]() mutable {
            std::vector<Dataset> good, bad;
            for (CommitItem &c : asked) {
                c.failure_reason = verify ? verify(c.sop_class_uid, c.sop_instance_uid) : uint16_t(0x0110);
                (c.failure_reason ? bad : good).push_back(reference_item(c, c.failure_reason != 0));
            }
            PendingReport p{assoc.calling_ae(), uint16_t(bad.empty() ? 1 : 2), Dataset()};
            p.report.set_string(kTransactionUID, transaction, VR::UI);
            if (!good.empty()) p.report.set_sequence(kReferencedSOPSequence, std::move(good));
            if (!bad.empty()) p.report.set_sequence(kFailedSOPSequence, std::move(bad));
            if (!same) {
                sender->push(std::move(p));
                return;
            }
            try {
                n_event_report(assoc, uids::StorageCommitmentPushModel, uids::StorageCommitmentPushModelInstance,
                               p.event_type, &p.report);
            } catch (const Error &e) {
                // The SCU may release at any time after the N-ACTION response (PS3.4 J.3.2.1.2):
                // the report then needs an association of its own.
                if (!sender || (e.code() != Errc::aborted && e.code() != Errc::network && e.code() != Errc::timeout))
                    throw;
                assoc.config().emit(LogLevel::info, "Storage Commitment report not delivered on the N-ACTION's association (" +
                                                        std::string(e.what()) + "): sending it on a new one");
                if (assoc.established()) assoc.abort();  // a timeout: the association's state is unknown
                sender->push(std::move(p));
            }
        };
        return ok;
    };
}

}  // namespace dcmkit::net
