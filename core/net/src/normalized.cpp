// dcmkit — DIMSE-N messages (PS3.7 10.1 and 10.3), requester and performer.
#include "dcmkit/net/normalized.h"

#include "dcmkit/error.h"
#include "dcmkit/net/dimse.h"

namespace dcmkit::net {

namespace {

namespace tg = dimse::tag;

std::string uid_of(const Dataset &ds, Tag t) {
    const Element *e = ds.find(t);
    return e ? std::string(trim_value(e->value.str(), VR::UI)) : std::string();
}

/// The fields PS3.7 10.3 gives each request: the SOP class and instance go in the Affected fields
/// for N-CREATE and N-EVENT-REPORT, in the Requested ones for the others.
Dataset n_command(uint16_t field, uint16_t id, const std::string &sop_class, const std::string &instance,
                  bool has_dataset) {
    const bool affected = field == dimse::N_CREATE_RQ || field == dimse::N_EVENT_REPORT_RQ;
    Dataset cmd;
    cmd.set_string(affected ? tg::AffectedSOPClassUID : tg::RequestedSOPClassUID, sop_class, VR::UI);
    cmd.set_int(tg::CommandField, field, VR::US);
    cmd.set_int(tg::MessageID, id, VR::US);
    cmd.set_int(tg::CommandDataSetType, has_dataset ? 0x0000 : dimse::kNoDataset, VR::US);
    if (!instance.empty())
        cmd.set_string(affected ? tg::AffectedSOPInstanceUID : tg::RequestedSOPInstanceUID, instance, VR::UI);
    return cmd;
}

NResult exchange(Association &assoc, uint16_t field, const std::string &sop_class, const std::string &instance,
                 const Dataset *data, const std::function<void(Dataset &)> &extra = {}) {
    const PresentationContext *pc = assoc.find_accepted(sop_class);
    if (!pc) throw Error(Errc::refused, "the peer accepted no presentation context for " + sop_class);
    const uint16_t id = assoc.next_message_id();
    Dataset cmd = n_command(field, id, sop_class, instance, data != nullptr);
    if (extra) extra(cmd);
    assoc.send_command(pc->id, std::move(cmd));
    if (data) assoc.send_dataset(pc->id, *data);

    const uint16_t expected = uint16_t(field | 0x8000);
    auto rsp = assoc.receive_command(assoc.config().timeouts.dimse_ms);
    if (!rsp) throw Error(Errc::aborted, "the peer released the association while a response was awaited");
    if (rsp->command_field != expected || rsp->fields.get_int_opt(tg::MessageIDBeingRespondedTo).value_or(-1) != id) {
        assoc.abort(2, 5);
        throw Error(Errc::protocol, std::string("expected ") + dimse::command_name(expected) + " for message " +
                                        std::to_string(id) + ", got " + dimse::command_name(rsp->command_field));
    }
    NResult r;
    r.status = uint16_t(rsp->fields.get_int_opt(tg::Status).value_or(0xFFFF));
    r.sop_class_uid = uid_of(rsp->fields, tg::AffectedSOPClassUID);
    r.sop_instance_uid = uid_of(rsp->fields, tg::AffectedSOPInstanceUID);
    if (r.sop_instance_uid.empty()) r.sop_instance_uid = instance;
    r.error_comment = rsp->fields.get_string_or(tg::ErrorComment, "");
    if (auto t = rsp->fields.get_int_opt(field == dimse::N_ACTION_RQ ? ntag::ActionTypeID : ntag::EventTypeID))
        r.action_or_event_type = uint16_t(*t);
    if (rsp->has_dataset) r.dataset = assoc.receive_dataset(assoc.config().timeouts.dimse_ms);
    return r;
}

}  // namespace

NResult n_create(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
                 const Dataset &attributes) {
    return exchange(assoc, dimse::N_CREATE_RQ, sop_class, instance_uid, &attributes);
}

NResult n_set(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
              const Dataset &modifications) {
    if (instance_uid.empty()) throw Error(Errc::invalid_argument, "N-SET needs the SOP Instance UID");
    return exchange(assoc, dimse::N_SET_RQ, sop_class, instance_uid, &modifications);
}

NResult n_get(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
              const std::vector<Tag> &attributes) {
    if (instance_uid.empty()) throw Error(Errc::invalid_argument, "N-GET needs the SOP Instance UID");
    return exchange(assoc, dimse::N_GET_RQ, sop_class, instance_uid, nullptr, [&](Dataset &cmd) {
        if (!attributes.empty()) cmd.set_tags(ntag::AttributeIdentifierList, attributes);
    });
}

NResult n_action(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
                 uint16_t action_type, const Dataset *information) {
    if (instance_uid.empty()) throw Error(Errc::invalid_argument, "N-ACTION needs the SOP Instance UID");
    return exchange(assoc, dimse::N_ACTION_RQ, sop_class, instance_uid, information,
                    [&](Dataset &cmd) { cmd.set_int(ntag::ActionTypeID, action_type, VR::US); });
}

NResult n_delete(Association &assoc, const std::string &sop_class, const std::string &instance_uid) {
    if (instance_uid.empty()) throw Error(Errc::invalid_argument, "N-DELETE needs the SOP Instance UID");
    return exchange(assoc, dimse::N_DELETE_RQ, sop_class, instance_uid, nullptr);
}

NResult n_event_report(Association &assoc, const std::string &sop_class, const std::string &instance_uid,
                       uint16_t event_type, const Dataset *information) {
    if (instance_uid.empty()) throw Error(Errc::invalid_argument, "N-EVENT-REPORT needs the SOP Instance UID");
    return exchange(assoc, dimse::N_EVENT_REPORT_RQ, sop_class, instance_uid, information,
                    [&](Dataset &cmd) { cmd.set_int(ntag::EventTypeID, event_type, VR::US); });
}

bool is_n_request(uint16_t f) noexcept {
    return f == dimse::N_EVENT_REPORT_RQ || f == dimse::N_GET_RQ || f == dimse::N_SET_RQ || f == dimse::N_ACTION_RQ ||
           f == dimse::N_CREATE_RQ || f == dimse::N_DELETE_RQ;
}

void serve_n_request(Association &assoc, const Command &command, const NHandler &handler) {
    const Dataset &f = command.fields;
    NRequest rq{assoc, command, {}, {}, 0, {}, {}};
    const bool affected = command.command_field == dimse::N_CREATE_RQ || command.command_field == dimse::N_EVENT_REPORT_RQ;
    rq.sop_class_uid = uid_of(f, affected ? tg::AffectedSOPClassUID : tg::RequestedSOPClassUID);
    rq.sop_instance_uid = uid_of(f, affected ? tg::AffectedSOPInstanceUID : tg::RequestedSOPInstanceUID);
    if (auto t = f.get_int_opt(command.command_field == dimse::N_ACTION_RQ ? ntag::ActionTypeID : ntag::EventTypeID))
        rq.action_or_event_type = uint16_t(*t);
    if (f.find(ntag::AttributeIdentifierList)) rq.attribute_list = f.get_tags(ntag::AttributeIdentifierList);
    if (command.has_dataset) rq.dataset = assoc.receive_dataset(assoc.config().timeouts.dimse_ms);

    NResponse out;
    if (!handler) {
        out.status = 0x0118;  // No Such SOP Class (PS3.7 C.5.x)
        out.error_comment = "SOP class not supported by this performer";
    } else {
        try {
            out = handler(rq);
        } catch (const std::exception &e) {
            out = NResponse{};
            out.status = dimse::status::ProcessingFailure;
            out.error_comment = std::string(e.what()).substr(0, 64);  // LO
        }
    }
    // PS3.7 10.3: every N response carries the Affected SOP Class and Instance UIDs (optional in
    // some, always useful), the status, and echoes the action or event type.
    Dataset rsp;
    rsp.set_string(tg::AffectedSOPClassUID, rq.sop_class_uid, VR::UI);
    rsp.set_int(tg::CommandField, command.command_field | 0x8000, VR::US);
    rsp.set_int(tg::MessageIDBeingRespondedTo, f.get_int_opt(tg::MessageID).value_or(0), VR::US);
    rsp.set_int(tg::CommandDataSetType, out.dataset ? 0x0000 : dimse::kNoDataset, VR::US);
    rsp.set_int(tg::Status, out.status, VR::US);
    const std::string instance = out.sop_instance_uid.empty() ? rq.sop_instance_uid : out.sop_instance_uid;
    if (!instance.empty()) rsp.set_string(tg::AffectedSOPInstanceUID, instance, VR::UI);
    if (!out.error_comment.empty() && dimse::status_kind(out.status) != dimse::StatusKind::Success)
        rsp.set_string(tg::ErrorComment, out.error_comment.substr(0, 64), VR::LO);
    if (command.command_field == dimse::N_ACTION_RQ) rsp.set_int(ntag::ActionTypeID, rq.action_or_event_type, VR::US);
    if (command.command_field == dimse::N_EVENT_REPORT_RQ) rsp.set_int(ntag::EventTypeID, rq.action_or_event_type, VR::US);
    assoc.send_command(command.context_id, std::move(rsp));
    if (out.dataset) assoc.send_dataset(command.context_id, *out.dataset);
    if (out.after) out.after();
}

}  // namespace dcmkit::net
