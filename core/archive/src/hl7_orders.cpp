// dcmkit — HL7 v2 orders (ORM^O01, OMI^O23) and patient updates (ADT^A08) applied to the archive's
// Modality Worklist (the mapping of IHE RAD TF-2 Appendix B; see dcmkit/archive_hl7.h).
#include "dcmkit/archive_hl7.h"

#include <algorithm>
#include <atomic>
#include <ctime>

#include "dcmkit/charset.h"
#include "dcmkit/uid.h"

namespace dcmkit::archive {

namespace {

using hl7::AckCode;
using hl7::AckError;
using hl7::Condition;

constexpr Tag kSpecificCharacterSet{0x0008, 0x0005}, kAccessionNumber{0x0008, 0x0050}, kModality{0x0008, 0x0060},
    kReferringPhysician{0x0008, 0x0090}, kCodeValue{0x0008, 0x0100}, kCodingScheme{0x0008, 0x0102},
    kCodeMeaning{0x0008, 0x0104}, kPatientName{0x0010, 0x0010}, kPatientID{0x0010, 0x0020},
    kIssuer{0x0010, 0x0021}, kBirthDate{0x0010, 0x0030}, kSex{0x0010, 0x0040}, kStudyUID{0x0020, 0x000D},
    kRequestingPhysician{0x0032, 0x1032}, kRequestedProcDescription{0x0032, 0x1060},
    kRequestedProcCodeSeq{0x0032, 0x1064}, kAdmissionID{0x0038, 0x0010}, kCurrentLocation{0x0038, 0x0300},
    kStationAE{0x0040, 0x0001}, kSpsStartDate{0x0040, 0x0002}, kSpsStartTime{0x0040, 0x0003},
    kPerformingPhysician{0x0040, 0x0006}, kSpsDescription{0x0040, 0x0007}, kProtocolCodeSeq{0x0040, 0x0008},
    kSpsID{0x0040, 0x0009}, kStationName{0x0040, 0x0010}, kSpsLocation{0x0040, 0x0011}, kSpsStatus{0x0040, 0x0020},
    kSpsSequence{0x0040, 0x0100}, kRequestedProcID{0x0040, 0x1001}, kReason{0x0040, 0x1002},
    kPriority{0x0040, 0x1003}, kPlacerOrder{0x0040, 0x2016}, kFillerOrder{0x0040, 0x2017};

Hl7Reject reject(AckCode code, Condition cond, std::string text, std::string segment = {}, size_t index = 0,
                 size_t field = 0) {
    return Hl7Reject(code, AckError{cond, std::move(text), std::move(segment), index, field});
}

/// Text of a message in UTF-8: bytes decoded with the DICOM character set MSH-18 maps to.
struct Text {
    CharacterSet cs;
    std::string operator()(const std::string &bytes, VR vr = VR::LO) const {
        std::string s = cs.is_default() && std::all_of(bytes.begin(), bytes.end(), [](char c) { return (c & 0x80) == 0; })
                            ? bytes
                            : cs.decode(bytes, vr);
        while (!s.empty() && s.back() == ' ') s.pop_back();
        return s;
    }
};

/// A value safe for a PN component or a multi-valued string: DICOM's delimiters become spaces.
std::string pn_component(std::string s) {
    for (char &c : s)
        if (c == '^' || c == '=' || c == '\\') c = ' ';
    return s;
}
std::string single_value(std::string s) {
    for (char &c : s)
        if (c == '\\' || c == '\r' || c == '\n') c = ' ';
    return s;
}

/// PN from components family, given, middle, prefix, suffix (trailing empty ones dropped).
std::string person_name(std::vector<std::string> parts) {
    for (auto &p : parts) p = pn_component(p);
    while (!parts.empty() && parts.back().empty()) parts.pop_back();
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "^" : "") + parts[i];
    return out;
}

/// XPN (PID-5): family (its first subcomponent) ^ given ^ middle ^ suffix ^ prefix ^ degree.
std::string xpn(const hl7::Segment &s, size_t field, size_t rep, const Text &text) {
    return person_name({text(s.get(field, 1, 1, rep), VR::PN), text(s.get(field, 2, 1, rep), VR::PN),
                        text(s.get(field, 3, 1, rep), VR::PN), text(s.get(field, 5, 1, rep), VR::PN),
                        text(s.get(field, 4, 1, rep), VR::PN)});
}

/// PID-5 with its repetitions: alphabetic, ideographic (XPN-8 "I"), phonetic ("P") groups.
std::string patient_name(const hl7::Segment &pid, const Text &text) {
    std::string groups[3];
    for (size_t r = 1; r <= pid.repetitions(5); ++r) {
        const std::string rep_code = pid.get(5, 8, 1, r);
        const int g = rep_code == "I" ? 1 : rep_code == "P" ? 2 : 0;
        if (groups[g].empty()) groups[g] = xpn(pid, 5, r, text);
    }
    std::string out = groups[0];
    if (!groups[1].empty() || !groups[2].empty()) out += "=" + groups[1];
    if (!groups[2].empty()) out += "=" + groups[2];
    return out;
}

/// XCN (ORC-12, OBR-16, PV1-8): ID ^ family ^ given ^ middle ^ suffix ^ prefix.
std::string xcn(const hl7::Segment *s, size_t field, const Text &text) {
    if (!s) return {};
    return person_name({text(s->get(field, 2), VR::PN), text(s->get(field, 3), VR::PN), text(s->get(field, 4), VR::PN),
                        text(s->get(field, 6), VR::PN), text(s->get(field, 5), VR::PN)});
}

bool all_digits(const std::string &s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// DA from an HL7 TS/DT (YYYY[MM[DD[HH…]]]); "" when it is not one.
std::string ts_date(const std::string &ts) {
    if (ts.size() < 8 || !all_digits(ts.substr(0, 8))) return {};
    return ts.substr(0, 8);
}
/// TM from an HL7 TS (YYYYMMDDHH[MM[SS[.S…]]][+/-ZZZZ]); "" without a time.
std::string ts_time(const std::string &ts) {
    if (ts.size() < 10) return {};
    std::string t;
    for (size_t i = 8; i < ts.size(); ++i) {
        const char c = ts[i];
        if (c == '+' || c == '-') break;
        if (!((c >= '0' && c <= '9') || c == '.')) return {};
        t += c;
    }
    if (t.size() < 2 || !all_digits(t.substr(0, 2))) return {};
    return t.substr(0, 16);
}

std::string sex_of(const std::string &hl7_sex) {
    if (hl7_sex == "M" || hl7_sex == "F" || hl7_sex == "O") return hl7_sex;
    if (hl7_sex == "A" || hl7_sex == "N") return "O";
    return "";  // U (unknown) and anything else
}

/// One code item (0008,0100/0102/0104) from components `first`, +1, +2 of a CE/CWE.
std::optional<Dataset> code_item(const hl7::Segment *s, size_t field, size_t first, const Text &text,
                                 size_t rep = 1) {
    if (!s) return std::nullopt;
    const std::string value = s->get(field, first, 1, rep), meaning = s->get(field, first + 1, 1, rep),
                      scheme = s->get(field, first + 2, 1, rep);
    if (value.empty()) return std::nullopt;
    Dataset item;
    item.set_inherited_character_set("ISO_IR 192");
    item.set_string(kCodeValue, single_value(text(value, VR::SH)), VR::SH);
    item.set_string(kCodingScheme, single_value(text(scheme.empty() ? std::string("L") : scheme, VR::SH)), VR::SH);
    item.set_string(kCodeMeaning, single_value(text(meaning, VR::LO)), VR::LO);
    return item;
}

/// The message's segments split into its ORC groups (each ORC and what follows it up to the next).
struct OrderGroup {
    const hl7::Segment *orc = nullptr, *obr = nullptr, *tq1 = nullptr, *zds = nullptr;
    std::vector<const hl7::Segment *> ipcs;
    size_t orc_position = 0;  // 1-based position in the message, for ERR
};

std::vector<OrderGroup> order_groups(const hl7::Message &m) {
    std::vector<OrderGroup> out;
    size_t pos = 0;
    for (const auto &s : m.segments()) {
        ++pos;
        if (s.id() == "ORC") {
            out.push_back(OrderGroup{});
            out.back().orc = &s;
            out.back().orc_position = pos;
        } else if (!out.empty()) {
            OrderGroup &g = out.back();
            if (s.id() == "OBR" && !g.obr) g.obr = &s;
            else if (s.id() == "TQ1" && !g.tq1) g.tq1 = &s;
            else if (s.id() == "ZDS" && !g.zds) g.zds = &s;
            else if (s.id() == "IPC") g.ipcs.push_back(&s);
        }
    }
    return out;
}

size_t position_of(const hl7::Message &m, const hl7::Segment *seg) {
    size_t i = 0;
    for (const auto &s : m.segments()) {
        ++i;
        if (&s == seg) return i;
    }
    return 0;
}

Text text_of(const hl7::Message &m) {
    try {
        return Text{CharacterSet::from_value(hl7::dicom_character_set(m.character_sets()))};
    } catch (const hl7::ParseError &e) {
        throw reject(AckCode::AR, e.condition(), e.message(), "MSH", 1, 18);
    } catch (const Error &e) {
        throw reject(AckCode::AR, Condition::table_value_not_found, e.message(), "MSH", 1, 18);
    }
}

/// Patient attributes from PID (Patient ID required).
Dataset patient_attributes(const hl7::Message &m, const Text &text) {
    const hl7::Segment *pid = m.find("PID");
    if (!pid) throw reject(AckCode::AE, Condition::segment_sequence_error, "the message has no PID segment", "PID");
    const size_t at = position_of(m, pid);
    const std::string id = single_value(text(pid->get(3, 1), VR::LO));
    if (id.empty())
        throw reject(AckCode::AE, Condition::required_field_missing, "PID-3 (Patient ID) is empty", "PID", at, 3);
    Dataset ds;
    ds.set_string(kSpecificCharacterSet, "ISO_IR 192", VR::CS);
    ds.set_string(kPatientName, patient_name(*pid, text), VR::PN);
    ds.set_string(kPatientID, id, VR::LO);
    ds.set_string(kIssuer, single_value(text(pid->get(3, 4), VR::LO)), VR::LO);
    const std::string birth = pid->get(7, 1);
    const std::string da = ts_date(birth);
    if (!birth.empty() && da.empty())
        throw reject(AckCode::AE, Condition::data_type_error, "PID-7 (date of birth) '" + birth + "' is not a date", "PID", at, 7);
    ds.set_string(kBirthDate, da, VR::DA);
    ds.set_string(kSex, sex_of(pid->get(8, 1)), VR::CS);
    return ds;
}

/// The order's key: filler order number (ORC-3), else placer (ORC-2), as entity ^ namespace.
std::string order_key_of(const hl7::Segment &orc, const hl7::Segment *obr) {
    auto ei = [](const hl7::Segment *s, size_t f) {
        if (!s || s->get(f, 1).empty()) return std::string();
        std::string k = s->get(f, 1);
        const std::string ns = s->get(f, 2);
        if (!ns.empty()) k += "^" + ns;
        return k;
    };
    if (std::string k = ei(&orc, 3); !k.empty()) return "filler:" + k;
    if (std::string k = ei(obr, 3); !k.empty()) return "filler:" + k;
    if (std::string k = ei(&orc, 2); !k.empty()) return "placer:" + k;
    if (std::string k = ei(obr, 2); !k.empty()) return "placer:" + k;
    return {};
}

std::string priority_of(const std::string &code) {
    if (code == "S") return "STAT";
    if (code == "A") return "HIGH";
    if (code == "R") return "ROUTINE";
    return {};
}

std::vector<Dataset> items_of(const hl7::Message &m, const OrderGroup &g, const Dataset &patient, const Text &text) {
    const hl7::Segment &orc = *g.orc;
    const hl7::Segment *obr = g.obr, *pv1 = m.find("PV1"), *tq1 = g.tq1;
    if (!obr && g.ipcs.empty())
        throw reject(AckCode::AE, Condition::segment_sequence_error, "the order (ORC) has no OBR segment", "ORC",
                     g.orc_position);
    auto get = [](const hl7::Segment *s, size_t f, size_t c = 1, size_t sub = 1) {
        return s ? s->get(f, c, sub) : std::string();
    };
    Dataset base = patient;
    if (pv1) {
        base.set_string(kAdmissionID, single_value(text(pv1->get(19, 1))), VR::LO);
        base.set_string(kCurrentLocation, single_value(text(pv1->get(3, 1))), VR::LO);
        base.set_string(kReferringPhysician, xcn(pv1, 8, text), VR::PN);
    }
    std::string requesting = xcn(&orc, 12, text);
    if (requesting.empty()) requesting = xcn(obr, 16, text);
    base.set_string(kRequestingPhysician, requesting, VR::PN);
    base.set_string(kPlacerOrder, single_value(text(orc.get(2, 1).empty() ? get(obr, 2) : orc.get(2, 1))), VR::LO);
    base.set_string(kFillerOrder, single_value(text(orc.get(3, 1).empty() ? get(obr, 3) : orc.get(3, 1))), VR::LO);
    std::string rp_desc = get(obr, 44, 2);
    if (rp_desc.empty()) rp_desc = get(obr, 4, 2);
    base.set_string(kRequestedProcDescription, single_value(text(rp_desc)), VR::LO);
    if (auto code = code_item(obr, 44, 1, text)) base.set_sequence(kRequestedProcCodeSeq, {*code});
    base.set_string(kReason, single_value(text(get(obr, 31, 2).empty() ? get(obr, 31, 1) : get(obr, 31, 2))), VR::LO);
    base.set_string(kPriority, priority_of(tq1 ? tq1->get(9, 1) : orc.get(7, 6)), VR::CS);
    // Start: TQ1-7 (v2.5.1), ORC-7.4, OBR-27.4 (v2.3.1 TQ).
    std::string start = tq1 ? tq1->get(7, 1) : std::string();
    if (start.empty()) start = orc.get(7, 4);
    if (start.empty()) start = get(obr, 27, 4);
    const std::string start_date = ts_date(start), start_time = ts_time(start);
    if (!start.empty() && start_date.empty())
        throw reject(AckCode::AE, Condition::data_type_error, "the start date/time '" + start + "' is not a date",
                     tq1 ? "TQ1" : "ORC", tq1 ? position_of(m, tq1) : g.orc_position, tq1 ? 7 : 7);

    auto make = [&](const hl7::Segment *ipc) {
        Dataset item = base;
        const std::string accession = ipc ? ipc->get(1, 1) : get(obr, 18);
        std::string rp_id = ipc ? ipc->get(2, 1) : get(obr, 19);
        std::string study = ipc ? ipc->get(3, 1) : get(g.zds, 1, 1);
        std::string sps_id = ipc ? ipc->get(4, 1) : get(obr, 20);
        const std::string modality = ipc ? ipc->get(5, 1) : get(obr, 24);
        std::string ae = ipc ? ipc->get(9, 1) : std::string();
        if (ae.empty()) ae = get(obr, 21);
        if (sps_id.empty())
            throw reject(AckCode::AE, Condition::required_field_missing,
                         ipc ? "IPC-4 (Scheduled Procedure Step ID) is empty" : "OBR-20 (Scheduled Procedure Step ID) is empty",
                         ipc ? "IPC" : "OBR", position_of(m, ipc ? ipc : obr), ipc ? 4 : 20);
        if (rp_id.empty()) rp_id = accession.empty() ? sps_id : accession;
        if (study.empty()) study = generate_uid();
        else if (!is_valid_uid(study))
            throw reject(AckCode::AE, Condition::data_type_error, "Study Instance UID '" + study + "' is not a UID",
                         ipc ? "IPC" : "ZDS", position_of(m, ipc ? ipc : g.zds), ipc ? 3 : 1);
        item.set_string(kAccessionNumber, single_value(text(accession, VR::SH)), VR::SH);
        item.set_string(kRequestedProcID, single_value(text(rp_id, VR::SH)), VR::SH);
        item.set_string(kStudyUID, study, VR::UI);
        Dataset sps;
        sps.set_inherited_character_set("ISO_IR 192");
        sps.set_string(kStationAE, single_value(ae).substr(0, 16), VR::AE);
        sps.set_string(kSpsStartDate, start_date, VR::DA);
        sps.set_string(kSpsStartTime, start_time, VR::TM);
        sps.set_string(kModality, single_value(modality).substr(0, 16), VR::CS);
        sps.set_string(kPerformingPhysician,
                       person_name({text(get(obr, 34, 1, 2), VR::PN), text(get(obr, 34, 1, 3), VR::PN)}), VR::PN);
        std::string sps_desc = get(obr, 4, 5);
        if (sps_desc.empty()) sps_desc = get(obr, 4, 2);
        sps.set_string(kSpsDescription, single_value(text(sps_desc)), VR::LO);
        std::vector<Dataset> protocol;
        if (ipc) {
            for (size_t r = 1; r <= ipc->repetitions(6); ++r)
                if (auto c = code_item(ipc, 6, 1, text, r)) protocol.push_back(std::move(*c));
        } else if (auto c = code_item(obr, 4, 4, text)) {
            protocol.push_back(std::move(*c));
        }
        sps.set_sequence(kProtocolCodeSeq, std::move(protocol));
        sps.set_string(kSpsID, single_value(text(sps_id, VR::SH)), VR::SH);
        sps.set_string(kStationName, single_value(text(ipc ? ipc->get(7, 1) : std::string(), VR::SH)), VR::SH);
        sps.set_string(kSpsLocation, single_value(text(ipc ? ipc->get(8, 1) : std::string(), VR::SH)), VR::SH);
        sps.set_string(kSpsStatus, "SCHEDULED", VR::CS);
        item.set_sequence(kSpsSequence, {std::move(sps)});
        return item;
    };
    std::vector<Dataset> items;
    if (g.ipcs.empty()) items.push_back(make(nullptr));
    for (const hl7::Segment *ipc : g.ipcs) items.push_back(make(ipc));
    return items;
}

void check_header(const hl7::Message &m, Hl7Outcome &out) {
    const hl7::Segment *msh = m.find("MSH");
    out.message_type = m.message_code() + "^" + m.trigger_event();
    out.control_id = m.control_id();
    out.sending_application = msh ? msh->get(3, 1) : std::string();
    const std::string version = m.version();
    if (!version.empty() && version.rfind("2.", 0) != 0)
        throw reject(AckCode::AR, Condition::unsupported_version_id, "HL7 version '" + version + "' is not 2.x", "MSH", 1, 12);
    const std::string pid = msh ? msh->get(11, 1) : std::string();
    if (!pid.empty() && pid != "P" && pid != "D" && pid != "T")
        throw reject(AckCode::AR, Condition::unsupported_processing_id, "processing ID '" + pid + "' is not P, D or T",
                     "MSH", 1, 11);
    if (out.control_id.empty())
        throw reject(AckCode::AR, Condition::required_field_missing, "MSH-10 (message control ID) is empty", "MSH", 1, 10);
}

/// A status of the worklist (PS3.3 C.4.10) for ORC-5 of an SC; "CA" removes; "" is not mappable.
std::string status_for(const std::string &orc5) {
    if (orc5 == "SC") return "SCHEDULED";
    if (orc5 == "IP") return "STARTED";
    if (orc5 == "CM") return "COMPLETED";
    if (orc5 == "DC") return "DISCONTINUED";
    if (orc5 == "CA") return "CA";
    return {};
}

std::string plural(size_t n, const char *what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

}  // namespace

Hl7Reject::Hl7Reject(AckCode code, AckError error)
    : Error(Errc::refused, "HL7 " + std::string(hl7::ack_code_name(code)) + ": " + error.text), code_(code),
      error_(std::move(error)) {}

std::vector<Dataset> worklist_items_from_order(const hl7::Message &message, size_t orc_index) {
    const Text text = text_of(message);
    const Dataset patient = patient_attributes(message, text);
    const auto groups = order_groups(message);
    if (orc_index >= groups.size()) throw reject(AckCode::AE, Condition::segment_sequence_error, "no such ORC segment", "ORC");
    return items_of(message, groups[orc_index], patient, text);
}

Hl7Outcome apply_hl7(Index &index, const hl7::Message &m) {
    Hl7Outcome out;
    try {
        check_header(m, out);
        const std::string code = m.message_code(), event = m.trigger_event();
        const bool order = (code == "ORM" && event == "O01") || (code == "OMI" && event == "O23");
        const bool adt = code == "ADT" && (event == "A08" || event == "A31");
        if (!order && !adt) {
            const bool known = code == "ORM" || code == "OMI" || code == "ADT";
            throw reject(AckCode::AR, known ? Condition::unsupported_event_code : Condition::unsupported_message_type,
                         "message type " + out.message_type + " is not handled (ORM^O01, OMI^O23, ADT^A08)", "MSH", 1, 9);
        }
        const Text text = text_of(m);
        const Dataset patient = patient_attributes(m, text);
        out.patient_id = patient.get_string_or(kPatientID, "");
        out.patient_name = patient.get_string_or(kPatientName, "");
        if (adt) {
            Dataset demo;
            demo.set_string(kSpecificCharacterSet, "ISO_IR 192", VR::CS);
            for (Tag t : {kPatientName, kBirthDate, kSex})
                if (const Element *e = patient.find(t)) demo.set(*e);
            const size_t n = index.update_worklist_patient(out.patient_id, patient.get_string_or(kIssuer, ""), demo);
            out.orders.push_back({event, "", "", n});
            out.description = out.message_type + " patient " + out.patient_id + ": " + plural(n, "worklist item") + " updated";
            return out;
        }
        // Map and check every group before changing anything.
        struct Plan {
            std::string control, key, status;
            std::vector<Dataset> items;  // NW, XO: the new items; DC, SC: the changed ones
            bool remove = false;
            size_t position;
        };
        std::vector<Plan> plans;
        const auto groups = order_groups(m);
        if (groups.empty()) throw reject(AckCode::AE, Condition::segment_sequence_error, "the message has no ORC segment", "ORC");
        for (const OrderGroup &g : groups) {
            Plan p;
            p.position = g.orc_position;
            p.control = g.orc->get(1, 1);
            p.key = order_key_of(*g.orc, g.obr);
            if (p.key.empty())
                throw reject(AckCode::AE, Condition::required_field_missing,
                             "the order has neither a filler (ORC-3) nor a placer order number (ORC-2)", "ORC", p.position, 3);
            std::vector<Dataset> existing = index.worklist_order(p.key);
            for (const Plan &earlier : plans)
                if (earlier.key == p.key)
                    throw reject(AckCode::AE, Condition::duplicate_key_identifier, "order " + p.key + " twice in one message",
                                 "ORC", p.position, 3);
            const std::string &c = p.control;
            if (c == "NW" || c == "XO") {
                if (c == "NW" && !existing.empty())
                    throw reject(AckCode::AE, Condition::duplicate_key_identifier, "order " + p.key + " already exists (NW)",
                                 "ORC", p.position, 3);
                if (c == "XO" && existing.empty())
                    throw reject(AckCode::AE, Condition::unknown_key_identifier, "order " + p.key + " is not known (XO)",
                                 "ORC", p.position, 3);
                p.items = items_of(m, g, patient, text);
            } else if (c == "CA" || c == "OC" || c == "DC" || c == "OD" || c == "SC") {
                if (existing.empty())
                    throw reject(AckCode::AE, Condition::unknown_key_identifier, "order " + p.key + " is not known (" + c + ")",
                                 "ORC", p.position, 3);
                if (c == "CA" || c == "OC") p.remove = true;
                else if (c == "DC" || c == "OD") p.status = "DISCONTINUED";
                else {
                    const std::string orc5 = g.orc->get(5, 1);
                    p.status = status_for(orc5);
                    if (p.status.empty())
                        throw reject(AckCode::AE, Condition::table_value_not_found,
                                     "order status (ORC-5) '" + orc5 + "' has no worklist status (SC, IP, CM, DC, CA)",
                                     "ORC", p.position, 5);
                    if (p.status == "CA") p.remove = true;
                }
                if (!p.remove) {
                    for (Dataset &item : existing) {
                        Element *seq = item.find(kSpsSequence);
                        if (seq)
                            for (Dataset &sps : seq->items) sps.set_string(kSpsStatus, p.status, VR::CS);
                    }
                    p.items = std::move(existing);
                } else {
                    p.items.resize(existing.size());  // counted, not stored
                }
            } else {
                throw reject(AckCode::AE, Condition::table_value_not_found,
                             "order control (ORC-1) '" + c + "' is not handled (NW, XO, CA, DC, SC)", "ORC", p.position, 1);
            }
            plans.push_back(std::move(p));
        }
        std::string desc;
        for (Plan &p : plans) {
            const size_t n = p.items.size();
            Hl7Outcome::Order o{p.control, p.key, "", n};
            if (!p.remove && !p.items.empty()) o.accession = p.items[0].get_string_or(kAccessionNumber, "");
            index.put_worklist_order(p.key, p.remove ? std::vector<Dataset>{} : p.items);
            out.orders.push_back(o);
            if (!desc.empty()) desc += "; ";
            desc += p.control + " order " + p.key.substr(p.key.find(':') + 1) + ": " + plural(n, "worklist item") + " " +
                    (p.remove ? "removed" : p.control == "NW" ? "created" : p.control == "XO" ? "replaced" : "set to " + p.status);
        }
        out.description = out.message_type + " " + desc;
    } catch (const Hl7Reject &r) {
        out.code = r.ack_code();
        out.error = r.ack_error();
        out.orders.clear();
        out.description = out.message_type + " refused (" + hl7::ack_code_name(out.code) + "): " + r.ack_error().text;
    } catch (const hl7::ParseError &e) {
        out.code = AckCode::AE;
        out.error = AckError{e.condition(), e.message(), e.segment(), e.segment_index(), e.field()};
        out.orders.clear();
        out.description = out.message_type + " refused (AE): " + e.message();
    } catch (const Error &e) {
        out.code = AckCode::AE;
        out.error = AckError{Condition::application_internal_error, e.message(), {}, 0, 0};
        out.orders.clear();
        out.description = out.message_type + " failed (AE): " + e.message();
    }
    return out;
}

std::string handle_hl7(Index &index, std::string_view bytes, Hl7Outcome &outcome, const std::string &application) {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
    static std::atomic<uint32_t> sequence{0};  // MSH-10 of our acknowledgements: unique per process
    const std::string ack_id = "ACK" + std::string(stamp) + std::to_string(++sequence % 100000);
    hl7::Message m;
    try {
        m = hl7::Message::parse(bytes);
    } catch (const hl7::ParseError &e) {
        outcome = Hl7Outcome{};
        // Delimiters, framing or MSH itself: the message cannot be processed at all (AR); an
        // error further in (a bad segment or escape): AE.
        const bool header = e.kind() == hl7::ParseErrorKind::empty || e.kind() == hl7::ParseErrorKind::no_msh ||
                            e.kind() == hl7::ParseErrorKind::bad_encoding_characters ||
                            e.kind() == hl7::ParseErrorKind::unsupported_character_set;
        outcome.code = header ? AckCode::AR : AckCode::AE;
        outcome.error = AckError{e.condition(), e.message(), e.segment(), e.segment_index(), e.field()};
        outcome.description = std::string("message refused (") + hl7::ack_code_name(outcome.code) + "): " + e.message();
        hl7::Message ack = hl7::make_ack_unparsed(bytes, outcome.code, ack_id, stamp, *outcome.error);
        if (ack.segments()[0].raw(3).empty()) ack.segments()[0].set(3, application);
        return ack.encode();
    }
    outcome = apply_hl7(index, m);
    hl7::Message ack = hl7::make_ack(m, outcome.code, ack_id, stamp, outcome.error ? &*outcome.error : nullptr);
    if (ack.segments()[0].raw(3).empty()) ack.segments()[0].set(3, application);
    return ack.encode();
}

}  // namespace dcmkit::archive
