#include "dcmkit/net/dimse.h"

#include <cstdio>

namespace dcmkit::net::dimse {

const char *command_name(uint16_t f) noexcept {
    switch (f) {
    case C_STORE_RQ: return "C-STORE-RQ";
    case C_STORE_RSP: return "C-STORE-RSP";
    case C_GET_RQ: return "C-GET-RQ";
    case C_GET_RSP: return "C-GET-RSP";
    case C_FIND_RQ: return "C-FIND-RQ";
    case C_FIND_RSP: return "C-FIND-RSP";
    case C_MOVE_RQ: return "C-MOVE-RQ";
    case C_MOVE_RSP: return "C-MOVE-RSP";
    case C_ECHO_RQ: return "C-ECHO-RQ";
    case C_ECHO_RSP: return "C-ECHO-RSP";
    case N_EVENT_REPORT_RQ: return "N-EVENT-REPORT-RQ";
    case N_EVENT_REPORT_RSP: return "N-EVENT-REPORT-RSP";
    case N_GET_RQ: return "N-GET-RQ";
    case N_GET_RSP: return "N-GET-RSP";
    case N_SET_RQ: return "N-SET-RQ";
    case N_SET_RSP: return "N-SET-RSP";
    case N_ACTION_RQ: return "N-ACTION-RQ";
    case N_ACTION_RSP: return "N-ACTION-RSP";
    case N_CREATE_RQ: return "N-CREATE-RQ";
    case N_CREATE_RSP: return "N-CREATE-RSP";
    case N_DELETE_RQ: return "N-DELETE-RQ";
    case N_DELETE_RSP: return "N-DELETE-RSP";
    case C_CANCEL_RQ: return "C-CANCEL-RQ";
    default: return "unknown command";
    }
}

StatusKind status_kind(uint16_t s) noexcept {
    // PS3.7 C.1: the status classes by code range.
    if (s == 0x0000) return StatusKind::Success;
    if (s == 0xFF00 || s == 0xFF01) return StatusKind::Pending;
    if (s == 0xFE00) return StatusKind::Cancel;
    if (s == 0x0001 || (s & 0xF000) == 0xB000 || s == 0x0107 || s == 0x0116) return StatusKind::Warning;
    return StatusKind::Failure;
}

std::string status_text(uint16_t s) {
    const char *what = nullptr;
    switch (s) {
    case 0x0000: what = "Success"; break;
    case 0xFE00: what = "Cancel"; break;
    case 0xFF00: what = "Pending"; break;
    case 0xFF01: what = "Pending (warning: optional keys not supported)"; break;
    case 0xA700: what = "Refused: Out of Resources"; break;
    case 0xA900: what = "Error: Data Set does not match SOP Class"; break;
    case 0xC000: what = "Error: Cannot understand"; break;
    case 0x0122: what = "Refused: SOP Class not supported"; break;
    case 0x0110: what = "Processing failure"; break;
    case 0x0117: what = "Invalid SOP Instance"; break;
    case 0x0210: what = "Duplicate invocation"; break;
    case 0x0211: what = "Unrecognized operation"; break;
    case 0x0212: what = "Mistyped argument"; break;
    case 0xB000: what = "Warning: Coercion of Data Elements"; break;
    case 0xB007: what = "Warning: Data Set does not match SOP Class"; break;
    case 0xB006: what = "Warning: Elements Discarded"; break;
    default: break;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04XH", s);
    if (what) return std::string(buf) + " " + what;
    switch (status_kind(s)) {
    case StatusKind::Warning: return std::string(buf) + " Warning";
    case StatusKind::Failure: return std::string(buf) + " Failure";
    default: return buf;
    }
}

Dataset request(uint16_t command_field, uint16_t message_id, const std::string &sop_class_uid, bool has_dataset) {
    Dataset c;
    c.set_string(tag::AffectedSOPClassUID, sop_class_uid, VR::UI);
    c.set_int(tag::CommandField, command_field, VR::US);
    c.set_int(tag::MessageID, message_id, VR::US);
    c.set_int(tag::CommandDataSetType, has_dataset ? 0x0000 : kNoDataset, VR::US);
    return c;
}

Dataset response(const Dataset &rq, uint16_t command_field, uint16_t status_code, bool has_dataset) {
    Dataset c;
    for (Tag t : {tag::AffectedSOPClassUID, tag::AffectedSOPInstanceUID})
        if (const Element *e = rq.find(t)) c.set(*e);
    if (!c.contains(tag::AffectedSOPClassUID))
        if (const Element *e = rq.find(tag::RequestedSOPClassUID)) c.set(Element(tag::AffectedSOPClassUID, VR::UI, e->value));
    c.set_int(tag::CommandField, command_field, VR::US);
    c.set_int(tag::MessageIDBeingRespondedTo, rq.get_int_opt(tag::MessageID).value_or(0), VR::US);
    c.set_int(tag::CommandDataSetType, has_dataset ? 0x0000 : kNoDataset, VR::US);
    c.set_int(tag::Status, status_code, VR::US);
    return c;
}

void set_error_comment(Dataset &rsp, std::string_view comment) {
    std::string lo;
    for (char c : comment) {
        if (lo.size() == 64) break;
        // PS3.5 6.2: LO excludes the backslash and control characters other than ESC.
        lo += (c == '\\' || (static_cast<unsigned char>(c) < 0x20 && c != 0x1B)) ? ' ' : c;
    }
    while (!lo.empty() && lo.back() == ' ') lo.pop_back();
    if (!lo.empty()) rsp.set_string(tag::ErrorComment, lo, VR::LO);
}

std::string error_comment(const Dataset &rsp) {
    const Element *e = rsp.find(tag::ErrorComment);
    return e ? std::string(trim_value(e->value.str(), VR::LO)) : std::string();
}

}  // namespace dcmkit::net::dimse
