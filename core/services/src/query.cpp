#include "dcmkit/services/query.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <set>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/services/matching.h"
#include "dcmkit/services/services.h"
#include "dcmkit/transcoder.h"
#include "query_scp.h"
#include "store_send.h"

namespace dcmkit::net {

namespace {

namespace st = dimse::status;
namespace tg = dimse::tag;

/// A string value with its padding removed (raw bytes, no character set conversion).
std::string raw_value(const Dataset &ds, Tag t) {
    const Element *e = ds.find(t);
    if (!e || e->is_sequence()) return {};
    return std::string(trim_value(e->value.str(), e->vr));
}

std::string upper(std::string s) {
    for (auto &c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string sop_name(const std::string &uid) {
    const UidEntry *u = uid_find(uid);
    return u ? std::string(u->name()) : uid;
}

uint16_t status_of(const Command &c) { return uint16_t(c.fields.get_int_opt(tg::Status).value_or(0xFFFF)); }

std::string comment_of(const Command &c) {
    const Element *e = c.fields.find(tg::ErrorComment);
    return e ? std::string(trim_value(e->value.str(), VR::LO)) : std::string();
}

/// (0000,0902) is LO: 64 characters at most.
void set_comment(Dataset &rsp, const std::string &comment) {
    if (!comment.empty()) rsp.set_string(tg::ErrorComment, comment.substr(0, 64), VR::LO);
}

const PresentationContext &qr_context(Association &assoc, const std::string &sop_class) {
    const PresentationContext *pc = assoc.find_accepted(sop_class);
    if (!pc) throw Error(Errc::refused, "the peer accepted no presentation context for " + sop_name(sop_class));
    return *pc;
}

/// PS3.7 9.3.2.3: C-CANCEL-RQ names the request by Message ID Being Responded To; no SOP class.
void send_cancel(Association &assoc, uint8_t context_id, uint16_t id) {
    Dataset c;
    c.set_int(tg::CommandField, dimse::C_CANCEL_RQ, VR::US);
    c.set_int(tg::MessageIDBeingRespondedTo, id, VR::US);
    c.set_int(tg::CommandDataSetType, dimse::kNoDataset, VR::US);
    assoc.send_command(context_id, std::move(c));
}

[[noreturn]] void unexpected(Association &assoc, const Command &c, uint16_t expected, uint16_t id) {
    assoc.abort(2, 5);
    throw Error(Errc::protocol, std::string("expected ") + dimse::command_name(expected) + " for message " +
                                    std::to_string(id) + ", got " + dimse::command_name(c.command_field));
}

Command next_command(Association &assoc) {
    auto c = assoc.receive_command(assoc.config().timeouts.dimse_ms);
    if (!c) throw Error(Errc::aborted, "the peer released the association while a response was awaited");
    return std::move(*c);
}

bool responds_to(const Command &c, uint16_t field, uint16_t id) {
    return c.command_field == field && c.fields.get_int_opt(tg::MessageIDBeingRespondedTo).value_or(-1) == id;
}

/// Receives a response's dataset; a dataset that does not decode aborts (the operation cannot go on).
Dataset response_dataset(Association &assoc) {
    try {
        return assoc.receive_dataset(assoc.config().timeouts.dimse_ms);
    } catch (const Error &e) {
        if (!assoc.established()) throw;
        assoc.abort(2, 6);
        throw Error(Errc::protocol, std::string("undecodable identifier in a response: ") + e.what());
    }
}

void read_counts(const Command &c, RetrieveProgress &p) {
    p.status = status_of(c);
    if (auto v = c.fields.get_int_opt(tg::NumberOfRemainingSuboperations)) p.remaining = uint16_t(*v);
    else p.remaining.reset();
    p.completed = uint16_t(c.fields.get_int_opt(tg::NumberOfCompletedSuboperations).value_or(p.completed));
    p.failed = uint16_t(c.fields.get_int_opt(tg::NumberOfFailedSuboperations).value_or(p.failed));
    p.warning = uint16_t(c.fields.get_int_opt(tg::NumberOfWarningSuboperations).value_or(p.warning));
}

/// One C-STORE sub-operation of a C-MOVE or C-GET: a file and what its header says.
struct SubOp : FileHead {
    std::string error;  ///< the file could not be read, or lacks its UIDs
};

SubOp read_sub_op(const std::string &path) {
    SubOp op;
    op.path = path;
    try {
        static_cast<FileHead &>(op) = read_file_head(path);
        if (op.sop_class.empty() || op.sop_instance.empty()) op.error = "no SOP Class UID or SOP Instance UID";
    } catch (const Error &e) {
        op.error = e.what();
    }
    return op;
}

SubOp memory_sub_op(const std::shared_ptr<const DicomFile> &instance) {
    SubOp op;
    static_cast<FileHead &>(op) = memory_head(instance);
    if (op.sop_class.empty() || op.sop_instance.empty()) op.error = "no SOP Class UID or SOP Instance UID";
    return op;
}

/// PS3.4 C.4.2.3.1 / C.4.3.3.1: the final status of a C-MOVE or C-GET from its counts.
uint16_t final_retrieve_status(bool cancelled, unsigned completed, unsigned failed, unsigned warning) {
    if (cancelled) return st::Cancel;
    if (failed == 0 && warning == 0) return st::Success;
    if (completed == 0 && warning == 0) return st::UnableToPerformSuboperations;  // all failed
    return st::SuboperationsCompleteWithFailures;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// models

QueryModel query_model(const std::string &uid) noexcept {
    if (uid == uids::PatientRootQueryRetrieveInformationModelFind || uid == uids::PatientRootQueryRetrieveInformationModelMove || uid == uids::PatientRootQueryRetrieveInformationModelGet)
        return QueryModel::PatientRoot;
    if (uid == uids::StudyRootQueryRetrieveInformationModelFind || uid == uids::StudyRootQueryRetrieveInformationModelMove || uid == uids::StudyRootQueryRetrieveInformationModelGet)
        return QueryModel::StudyRoot;
    if (uid == uids::PatientStudyOnlyQueryRetrieveInformationModelFind || uid == uids::PatientStudyOnlyQueryRetrieveInformationModelMove || uid == uids::PatientStudyOnlyQueryRetrieveInformationModelGet)
        return QueryModel::PatientStudyOnly;
    if (uid == uids::ModalityWorklistInformationModelFind) return QueryModel::Worklist;
    return QueryModel::Unknown;
}

bool level_in_model(QueryModel model, const std::string &level) noexcept {
    switch (model) {
    case QueryModel::PatientRoot: return level == "PATIENT" || level == "STUDY" || level == "SERIES" || level == "IMAGE";
    case QueryModel::StudyRoot: return level == "STUDY" || level == "SERIES" || level == "IMAGE";
    case QueryModel::PatientStudyOnly: return level == "PATIENT" || level == "STUDY";
    case QueryModel::Worklist: return true;
    case QueryModel::Unknown: return false;
    }
    return false;
}

Tag unique_key_of_level(const std::string &level) {
    if (level == "PATIENT") return Tag(0x0010, 0x0020);
    if (level == "STUDY") return Tag(0x0020, 0x000D);
    if (level == "SERIES") return Tag(0x0020, 0x000E);
    if (level == "IMAGE") return tags::SOPInstanceUID;
    throw Error(Errc::invalid_argument, "'" + level + "' is not a Query/Retrieve level");
}

std::string qr_status_text(uint16_t field, uint16_t s) {
    const uint16_t f = uint16_t(field & 0x7FFF);
    const bool retrieve = f == dimse::C_MOVE_RQ || f == dimse::C_GET_RQ;
    const char *what = nullptr;
    switch (s) {
    case 0xA700: what = "Refused: Out of Resources"; break;
    case 0xA701: what = "Refused: Out of Resources - Unable to calculate number of matches"; break;
    case 0xA702: what = "Refused: Out of Resources - Unable to perform sub-operations"; break;
    case 0xA801: what = "Refused: Move Destination unknown"; break;
    case 0xA900: what = "Error: Identifier does not match SOP Class"; break;
    case 0xB000: what = retrieve ? "Warning: Sub-operations Complete - One or more Failures" : nullptr; break;
    case 0xFE00: what = retrieve ? "Cancel: Sub-operations terminated due to Cancel Indication"
                                 : "Cancel: Matching terminated due to Cancel request"; break;
    case 0xFF00: what = retrieve ? "Pending: Sub-operations are continuing" : "Pending: Matches are continuing"; break;
    case 0xFF01: what = "Pending: Matches are continuing - Optional Keys not supported"; break;
    default: break;
    }
    if (!what && (s & 0xF000) == 0xC000) what = "Error: Unable to process";
    if (!what) return dimse::status_text(s);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04XH ", s);
    return buf + std::string(what);
}

// ---------------------------------------------------------------------------------------------------
// SCU

FindQuery::FindQuery(Association &assoc, const std::string &sop_class, const Dataset &identifier, uint16_t priority)
    : assoc_(assoc) {
    const PresentationContext &pc = qr_context(assoc, sop_class);
    context_id_ = pc.id;
    message_id_ = assoc.next_message_id();
    Dataset cmd = dimse::request(dimse::C_FIND_RQ, message_id_, sop_class, true);
    cmd.set_int(tg::Priority, priority, VR::US);
    assoc.send_command(pc.id, std::move(cmd));
    assoc.send_dataset(pc.id, identifier);
}

std::optional<Dataset> FindQuery::next() {
    while (!done_) {
        Command rsp;
        try {
            rsp = next_command(assoc_);
            if (!responds_to(rsp, dimse::C_FIND_RSP, message_id_))
                unexpected(assoc_, rsp, dimse::C_FIND_RSP, message_id_);
        } catch (...) {
            done_ = true;
            throw;
        }
        const uint16_t status = status_of(rsp);
        if (dimse::status_kind(status) == dimse::StatusKind::Pending) {
            Dataset match;
            try {
                if (rsp.has_dataset) match = response_dataset(assoc_);
            } catch (...) {
                done_ = true;
                throw;
            }
            ++result_.matches;
            // After a cancel, matches already on their way are drained (PS3.4 C.4.1.2.3).
            if (result_.cancelled) continue;
            return match;
        }
        done_ = true;
        if (rsp.has_dataset) (void)response_dataset(assoc_);
        result_.status = status;
        result_.error_comment = comment_of(rsp);
    }
    return std::nullopt;
}

void FindQuery::cancel() {
    if (done_) return;
    if (!result_.cancelled) {
        result_.cancelled = true;
        try {
            send_cancel(assoc_, context_id_, message_id_);
        } catch (...) {
            done_ = true;
            throw;
        }
    }
    (void)next();  // drains: matches after the cancel are counted, not returned
}

FindResult find(Association &assoc, const std::string &sop_class, const Dataset &identifier,
                const std::function<bool(const Dataset &)> &on_match, uint16_t priority) {
    FindQuery q(assoc, sop_class, identifier, priority);
    while (std::optional<Dataset> match = q.next())
        if (on_match && !on_match(*match)) q.cancel();
    return q.result();
}

namespace {

/// The response loop of C-MOVE and C-GET; `on_store` handles C-STORE sub-operations (C-GET only).
RetrieveResult retrieve(Association &assoc, uint16_t field, const std::string &sop_class,
                        const std::string &destination, const Dataset &identifier, const RetrieveProgressFn &progress,
                        uint16_t priority, const GetStoreHandler *on_store) {
    const PresentationContext &pc = qr_context(assoc, sop_class);
    const uint16_t id = assoc.next_message_id();
    Dataset cmd = dimse::request(field, id, sop_class, true);
    cmd.set_int(tg::Priority, priority, VR::US);
    if (field == dimse::C_MOVE_RQ) cmd.set_string(tg::MoveDestination, destination, VR::AE);
    assoc.send_command(pc.id, std::move(cmd));
    assoc.send_dataset(pc.id, identifier);
    const uint16_t rsp_field = uint16_t(field | 0x8000);
    const AeConfig &cfg = assoc.config();
    RetrieveResult r;
    for (;;) {
        Command c = next_command(assoc);
        if (on_store && c.command_field == dimse::C_STORE_RQ) {
            // A C-STORE sub-operation of the C-GET (PS3.4 C.4.3.2), on a context where we are SCP.
            const PresentationContext *spc = assoc.context(c.context_id);
            StoreRequest rq{assoc, c, raw_value(c.fields, tg::AffectedSOPClassUID),
                            raw_value(c.fields, tg::AffectedSOPInstanceUID), spc ? spc->transfer_syntax : ""};
            uint16_t s;
            if (!c.has_dataset) {
                s = st::CannotUnderstand;
            } else if (!spc || rq.sop_class_uid != spc->abstract_syntax) {
                assoc.receive_dataset([](const uint8_t *, size_t) {}, cfg.timeouts.dimse_ms);
                s = st::DataSetDoesNotMatchSOPClass;
            } else {
                s = (*on_store)(rq);
            }
            const auto kind = dimse::status_kind(s);
            if (kind == dimse::StatusKind::Success || kind == dimse::StatusKind::Warning) ++r.stored;
            if (cfg.logs(LogLevel::info))
                cfg.emit(LogLevel::info, "C-GET sub-operation C-STORE " + rq.sop_instance_uid + ": " + dimse::status_text(s));
            Dataset rsp = dimse::response(c.fields, dimse::C_STORE_RSP, s);
            if (s != st::Success) dimse::set_error_comment(rsp, rq.error_comment);
            assoc.send_command(c.context_id, std::move(rsp));
            continue;
        }
        if (!responds_to(c, rsp_field, id)) unexpected(assoc, c, rsp_field, id);
        read_counts(c, r);
        Dataset ds;
        if (c.has_dataset) ds = response_dataset(assoc);
        if (dimse::status_kind(r.status) == dimse::StatusKind::Pending) {
            if (!r.cancelled && progress && !progress(r)) {
                send_cancel(assoc, pc.id, id);
                r.cancelled = true;
            }
            continue;
        }
        r.error_comment = comment_of(c);
        if (ds.contains(tg::FailedSOPInstanceUIDList)) r.failed_sop_instances = ds.get_strings(tg::FailedSOPInstanceUIDList);
        if (progress) (void)progress(r);
        return r;
    }
}

}  // namespace

RetrieveResult move(Association &assoc, const std::string &sop_class, const std::string &destination_ae,
                    const Dataset &identifier, const RetrieveProgressFn &progress, uint16_t priority) {
    if (destination_ae.empty() || destination_ae.size() > 16)
        throw Error(Errc::invalid_argument, "a move destination is an AE title of 1 to 16 characters");
    return retrieve(assoc, dimse::C_MOVE_RQ, sop_class, destination_ae, identifier, progress, priority, nullptr);
}

RetrieveResult get(Association &assoc, const std::string &sop_class, const Dataset &identifier,
                   const GetStoreHandler &store, const RetrieveProgressFn &progress, uint16_t priority) {
    if (!store) throw Error(Errc::invalid_argument, "get: a storage handler is required");
    return retrieve(assoc, dimse::C_GET_RQ, sop_class, "", identifier, progress, priority, &store);
}

RetrieveResult get(Association &assoc, const std::string &sop_class, const Dataset &identifier, StorageFolder &folder,
                   const RetrieveProgressFn &progress, uint16_t priority) {
    GetStoreHandler h = [&folder](StoreRequest &rq) { return folder.receive(rq); };
    return get(assoc, sop_class, identifier, h, progress, priority);
}

// ---------------------------------------------------------------------------------------------------
// matching helpers

bool matches_identifier(const Dataset &identifier, const Dataset &record) {
    // One implementation of PS3.4 C.2.2.2 for the whole SDK: the archive's.
    return matching::match_dataset(record, identifier);
}

Dataset project_identifier(const Dataset &identifier, const Dataset &record) {
    Dataset out;
    if (const Element *cs = record.find(tags::SpecificCharacterSet)) out.set(*cs);
    for (const Element &k : identifier) {
        if (k.tag.group() == 0x0000 || k.tag == tags::SpecificCharacterSet) continue;
        if (k.tag == tg::QueryRetrieveLevel) {
            out.set(k);
            continue;
        }
        const Element *r = record.find(k.tag);
        if (k.is_sequence()) {
            Element e(k.tag, VR::SQ);
            e.undefined_length = true;
            if (r && r->is_sequence()) {
                for (const Dataset &item : r->items)
                    e.items.push_back(k.items.empty() || k.items[0].empty() ? item : project_identifier(k.items[0], item));
            }
            out.set(std::move(e));
            continue;
        }
        if (r && !r->is_sequence()) out.set(*r);
        else out.set(Element(k.tag, k.vr));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------
// SCP

QueryScp::~QueryScp() {
    cancelled_ = true;
    if (worker_.joinable()) {
        // The association ended under a running operation: make its blocked sends fail at once.
        if (!assoc_.established()) assoc_.interrupt();
        worker_.join();
    }
}

void QueryScp::wait_idle() {
    if (worker_.joinable()) worker_.join();
}

void QueryScp::cancel(const Command &cmd) {
    const int64_t id = cmd.fields.get_int_opt(tg::MessageIDBeingRespondedTo).value_or(-2);
    if (id == active_id_.load()) {
        cancelled_ = true;
        assoc_.config().emit(LogLevel::info, "C-CANCEL-RQ for message " + std::to_string(id));
    }
}

namespace {

/// One Query/Retrieve operation as the SCP performs it.
struct Operation {
    Association &assoc;
    Command cmd;
    uint16_t rsp_field;
    QueryRequest req;
    std::atomic<bool> &cancelled;

    Operation(Association &a, const Command &c, std::atomic<bool> &flag)
        : assoc(a), cmd(c), rsp_field(uint16_t(c.command_field | 0x8000)), req(a, &flag), cancelled(flag) {}

    const AeConfig &cfg() const { return assoc.config(); }

    void log(LogLevel level, const std::string &m) const {
        if (cfg().logs(level))
            cfg().emit(level, std::string(dimse::command_name(cmd.command_field)) + " from " + assoc.calling_ae() + ": " + m);
    }

    /// A response with no identifier (and counts, for C-MOVE/C-GET).
    void respond(uint16_t status, const std::string &comment = {}, const RetrieveProgress *counts = nullptr,
                 const Dataset *identifier = nullptr) {
        Dataset rsp = dimse::response(cmd.fields, rsp_field, status, identifier != nullptr);
        if (counts) {
            if (counts->remaining) rsp.set_int(tg::NumberOfRemainingSuboperations, *counts->remaining, VR::US);
            rsp.set_int(tg::NumberOfCompletedSuboperations, counts->completed, VR::US);
            rsp.set_int(tg::NumberOfFailedSuboperations, counts->failed, VR::US);
            rsp.set_int(tg::NumberOfWarningSuboperations, counts->warning, VR::US);
        }
        if (dimse::status_kind(status) == dimse::StatusKind::Failure) set_comment(rsp, comment);
        assoc.send_command(cmd.context_id, std::move(rsp));
        if (identifier) assoc.send_dataset(cmd.context_id, *identifier);
        if (dimse::status_kind(status) != dimse::StatusKind::Pending)
            log(dimse::status_kind(status) == dimse::StatusKind::Failure ? LogLevel::warning : LogLevel::info,
                qr_status_text(cmd.command_field, status) + (comment.empty() ? "" : " (" + comment + ")"));
    }

    void run_find(const FindHandler &handler) {
        size_t sent = 0;
        req.emit_ = [&](const Dataset &match, uint16_t pending) {
            if (cancelled) return false;
            if (dimse::status_kind(pending) != dimse::StatusKind::Pending) pending = st::Pending;
            if (req.model != QueryModel::Worklist && !match.contains(tg::QueryRetrieveLevel)) {
                Dataset m = match;
                m.set_string(tg::QueryRetrieveLevel, req.level, VR::CS);
                respond(pending, {}, nullptr, &m);
            } else {
                respond(pending, {}, nullptr, &match);
            }
            ++sent;
            return !cancelled;
        };
        uint16_t status;
        std::string comment;
        try {
            status = handler(req);
        } catch (const Error &e) {
            if (!assoc.established()) throw;
            status = st::UnableToProcess;
            comment = e.what();
        } catch (const std::exception &e) {
            status = st::UnableToProcess;
            comment = e.what();
        }
        if (cancelled) status = st::Cancel;  // PS3.4 C.4.1.3.1.1: matching terminated due to cancel
        else if (dimse::status_kind(status) == dimse::StatusKind::Pending) status = st::Success;
        log(LogLevel::info, std::to_string(sent) + " match(es)");
        respond(status, comment);
    }

    /// The C-STORE sub-operations of a C-MOVE (on `store_assoc`, a new association) or a C-GET
    /// (on this association, awaiting each response here, where a C-CANCEL-RQ may arrive too).
    void run_retrieve(const RetrieveHandler &handler, bool is_move) {
        RetrievePlan plan;
        try {
            plan = handler(req);
        } catch (const std::exception &e) {
            plan = RetrievePlan{};
            plan.status = st::UnableToProcess;
            plan.error_comment = e.what();
        }
        if (dimse::status_kind(plan.status) == dimse::StatusKind::Failure) return respond(plan.status, plan.error_comment);
        std::vector<std::string> sent_uids;
        RetrieveProgress counts;
        auto done = [&] {
            if (!plan.on_done) return;
            try {
                plan.on_done(sent_uids, counts);
            } catch (const std::exception &e) {
                log(LogLevel::warning, std::string("retrieve on_done: ") + e.what());
            }
        };
        if (cancelled) {
            respond(st::Cancel, {}, nullptr);
            return done();
        }
        if (is_move && (plan.host.empty() || plan.port == 0)) {
            respond(st::MoveDestinationUnknown, "no address for " + req.move_destination);
            return done();
        }

        std::vector<SubOp> ops;
        ops.reserve(plan.files.size() + plan.instances.size());
        for (const auto &f : plan.files) ops.push_back(read_sub_op(f));
        for (const auto &i : plan.instances) ops.push_back(memory_sub_op(i));
        counts.remaining = uint16_t(std::min<size_t>(ops.size(), 0xFFFF));
        std::vector<std::string> failed_uids;
        auto fail = [&](const SubOp &op, const std::string &why) {
            ++counts.failed;
            if (!op.sop_instance.empty()) failed_uids.push_back(op.sop_instance);
            log(LogLevel::warning, "sub-operation " + (op.sop_instance.empty() ? op.path : op.sop_instance) + " failed: " + why);
        };

        std::unique_ptr<Association> sub;
        Association *store_assoc = &assoc;
        std::string connect_error;
        if (is_move && !ops.empty()) {
            // PS3.4 C.4.2.3: the SCP associates with the move destination as a Storage SCU, with
            // each file's own syntax proposed and the uncompressed ones as fallbacks.
            AeConfig sc = cfg();
            sc.sop_classes.clear();
            sc.max_ops_invoked = sc.max_ops_performed = 1;
            sc.user_identity.reset();
            std::set<std::pair<std::string, std::string>> seen;
            for (const auto &op : ops) {
                if (!op.error.empty() || !seen.insert({op.sop_class, op.transfer_syntax}).second) continue;
                std::vector<std::string> ts = {op.transfer_syntax};
                if (can_decode_pixels(op.transfer_syntax))
                    for (const auto &u : uncompressed_transfer_syntaxes())
                        if (u != op.transfer_syntax) ts.push_back(u);
                sc.add(op.sop_class, ts, false, true);
            }
            try {
                if (sc.sop_classes.empty()) throw Error(Errc::not_found, "no readable file to send");
                sub = Association::connect(sc, plan.host, plan.port, req.move_destination);
                store_assoc = sub.get();
            } catch (const Error &e) {
                connect_error = std::string("cannot associate with ") + req.move_destination + ": " + e.what();
            }
        }
        const std::string originator = is_move ? trim_ae(assoc.calling_ae()) : std::string();
        const int originator_id = int(cmd.fields.get_int_opt(tg::MessageID).value_or(0));

        size_t next = 0;
        for (; next < ops.size(); ++next) {
            if (cancelled) break;
            const SubOp &op = ops[next];
            if (!op.error.empty()) {
                fail(op, op.error);
            } else if (!connect_error.empty() || (is_move && !store_assoc->established())) {
                fail(op, connect_error.empty() ? "the association to the destination failed" : connect_error);
            } else if (!is_move && !peer_takes_scp(op.sop_class)) {
                fail(op, "the peer did not take the SCP role for " + sop_name(op.sop_class) + " (PS3.7 D.3.3.4)");
            } else {
                try {
                    StoreResult sent;
                    const uint16_t id = begin_store(*store_assoc, op, req.priority, sent, originator, originator_id);
                    const uint16_t s = await_store(*store_assoc, id, is_move);
                    switch (dimse::status_kind(s)) {
                    case dimse::StatusKind::Success: ++counts.completed; sent_uids.push_back(op.sop_instance); break;
                    case dimse::StatusKind::Warning: ++counts.warning; sent_uids.push_back(op.sop_instance); break;
                    default: fail(op, dimse::status_text(s));
                    }
                } catch (const Error &e) {
                    if (!is_move && !assoc.established()) throw;  // the association itself failed
                    fail(op, e.what());
                }
            }
            counts.remaining = uint16_t(std::min<size_t>(ops.size() - next - 1, 0xFFFF));
            // Pending responses with the counts after each sub-operation (PS3.4 C.4.2.3.1).
            if (*counts.remaining > 0 && !cancelled) respond(st::Pending, {}, &counts);
        }
        if (sub && sub->established()) {
            try {
                sub->release();
            } catch (const Error &e) {
                log(LogLevel::warning, std::string("releasing the association to the destination: ") + e.what());
            }
        }
        const uint16_t final_status = final_retrieve_status(cancelled, counts.completed, counts.failed, counts.warning);
        // Remaining is only given with Cancel: the sub-operations not initiated (PS3.4 C.4.2.1.4).
        if (final_status == st::Cancel) counts.remaining = uint16_t(std::min<size_t>(ops.size() - next, 0xFFFF));
        else counts.remaining.reset();
        if (!failed_uids.empty() && final_status != st::Success) {
            Dataset id;
            id.set_strings(tg::FailedSOPInstanceUIDList, failed_uids, VR::UI);
            respond(final_status, connect_error, &counts, &id);
        } else {
            respond(final_status, connect_error, &counts);
        }
        done();
    }

    /// PS3.7 D.3.3.4: C-STORE sub-operations of a C-GET go only where the requestor took the SCP role.
    bool peer_takes_scp(const std::string &sop_class) const {
        for (const auto &r : assoc.acceptance().user.roles)
            if (r.sop_class_uid == sop_class && r.scp) return true;
        return false;
    }

    uint16_t await_store(Association &a, uint16_t id, bool is_move) {
        for (;;) {
            Command c = next_command(a);
            if (!is_move && c.command_field == dimse::C_CANCEL_RQ) {
                // PS3.4 C.4.3.3.1: a C-GET's cancel arrives between its sub-operations' responses.
                if (c.has_dataset) a.receive_dataset([](const uint8_t *, size_t) {}, cfg().timeouts.dimse_ms);
                if (c.fields.get_int_opt(tg::MessageIDBeingRespondedTo).value_or(-1) ==
                    cmd.fields.get_int_opt(tg::MessageID).value_or(-2)) {
                    cancelled = true;
                    log(LogLevel::info, "C-CANCEL-RQ received");
                }
                continue;
            }
            if (!responds_to(c, dimse::C_STORE_RSP, id)) unexpected(a, c, dimse::C_STORE_RSP, id);
            if (c.has_dataset) a.receive_dataset([](const uint8_t *, size_t) {}, cfg().timeouts.dimse_ms);
            return status_of(c);
        }
    }
};

}  // namespace

void QueryScp::request(const Command &cmd) {
    wait_idle();  // one operation at a time
    const AeConfig &cfg = assoc_.config();
    const PresentationContext *pc = assoc_.context(cmd.context_id);
    auto op = std::make_shared<Operation>(assoc_, cmd, cancelled_);
    cancelled_ = false;
    QueryRequest &req = op->req;
    req.command_field = cmd.command_field;
    req.sop_class_uid = raw_value(cmd.fields, tg::AffectedSOPClassUID);
    req.model = query_model(req.sop_class_uid);
    req.priority = uint16_t(cmd.fields.get_int_opt(tg::Priority).value_or(0));
    req.move_destination = trim_ae(raw_value(cmd.fields, tg::MoveDestination));

    // The identifier: received whole (it is small), decoded apart so that a malformed one is
    // answered with a failure rather than ending the association.
    std::string decode_error;
    if (cmd.has_dataset) {
        std::vector<uint8_t> bytes;
        assoc_.receive_dataset([&](const uint8_t *d, size_t n) {
            if (bytes.size() + n > (16u << 20)) throw Error(Errc::protocol, "identifier larger than 16 MB");
            bytes.insert(bytes.end(), d, d + n);
        }, cfg.timeouts.dimse_ms);
        try {
            req.identifier = read_dataset(Source::from_vector(std::move(bytes)), pc->transfer_syntax);
        } catch (const Error &e) {
            decode_error = e.what();
        }
    }
    const Element *lvl = req.identifier.find(tg::QueryRetrieveLevel);
    if (lvl) req.level = upper(std::string(trim_value(lvl->value.str(), VR::CS)));

    const FindHandler *find = cmd.command_field == dimse::C_FIND_RQ && h_.on_find ? &h_.on_find : nullptr;
    const RetrieveHandler *retrieve = cmd.command_field == dimse::C_MOVE_RQ && h_.on_move  ? &h_.on_move
                                      : cmd.command_field == dimse::C_GET_RQ && h_.on_get ? &h_.on_get
                                                                                          : nullptr;
    const bool worklist = req.model == QueryModel::Worklist;
    // PS3.7 C.5.9 and PS3.4 C.4.x status tables: refuse what cannot be performed before starting.
    uint16_t refuse = 0;
    std::string why;
    if (req.sop_class_uid != pc->abstract_syntax || req.model == QueryModel::Unknown || (!find && !retrieve) ||
        (worklist && cmd.command_field != dimse::C_FIND_RQ)) {
        refuse = st::SOPClassNotSupported;
        why = "no " + std::string(dimse::command_name(cmd.command_field)) + " service for " + sop_name(req.sop_class_uid);
    } else if (!cmd.has_dataset) {
        refuse = st::IdentifierDoesNotMatchSOPClass;
        why = "no identifier";
    } else if (!decode_error.empty()) {
        refuse = st::UnableToProcess;
        why = "undecodable identifier: " + decode_error;
    } else if (!worklist && !lvl) {
        refuse = st::IdentifierDoesNotMatchSOPClass;
        why = "no Query/Retrieve Level (0008,0052)";
    } else if (!worklist && !level_in_model(req.model, req.level)) {
        refuse = st::IdentifierDoesNotMatchSOPClass;
        why = "level '" + req.level + "' is not in the information model";
    } else if (cmd.command_field == dimse::C_MOVE_RQ && req.move_destination.empty()) {
        refuse = st::MoveDestinationUnknown;
        why = "no Move Destination";
    }
    if (refuse) {
        op->respond(refuse, why);
        return;
    }
    if (cfg.logs(LogLevel::info))
        op->log(LogLevel::info, sop_name(req.sop_class_uid) + (req.level.empty() ? "" : " at " + req.level + " level") +
                                    (req.move_destination.empty() ? "" : " to " + req.move_destination));
    if (cmd.command_field == dimse::C_GET_RQ) {
        // On this thread: the sub-operations' responses (and a C-CANCEL-RQ) are read here.
        active_id_ = int(cmd.fields.get_int_opt(tg::MessageID).value_or(-1));
        op->run_retrieve(*retrieve, false);
        active_id_ = -1;
        return;
    }
    active_id_ = int(cmd.fields.get_int_opt(tg::MessageID).value_or(-1));
    worker_ = std::thread([this, op, find, retrieve] {
        try {
            if (find) op->run_find(*find);
            else op->run_retrieve(*retrieve, true);
        } catch (const std::exception &e) {
            // The association failed under the operation; the association's thread reports it.
            op->log(LogLevel::warning, e.what());
        }
        active_id_ = -1;
    });
}

}  // namespace dcmkit::net
