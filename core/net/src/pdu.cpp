// DICOM upper layer PDUs (PS3.8 Section 9.3, Annex D; PS3.7 Annex D.3.3): pure encode/decode.
//
// Decoding treats its input as hostile: every length is checked against the bytes that remain in
// its container before anything is read or allocated, and a failure names the PS3.8 Table 9-26
// reason the receiver should put in its A-ABORT, with a message and the offending byte offset.
//
// Policy (documented in the report to the lead, and tested in tests/unit/pdu_test.cpp):
// - Structure is checked here, semantics are left to the association layer, which has the right
//   answers for them (an A-ASSOCIATE-RJ, a presentation context rejection): the protocol version,
//   the application context name, whether any presentation context or transfer syntax is offered.
//   A missing Application Context, Abstract Syntax or Transfer Syntax (sub-)item decodes as "".
// - Items of unknown type are skipped (PS3.8 9.3.1: "Items of unrecognized types shall be ignored
//   and skipped"); unknown User Information sub-items are kept in UserInformation::unknown (PS3.8
//   D.2 note 2: acceptors ignore them). A known item type in the wrong place (an AC Presentation
//   Context item in an A-ASSOCIATE-RQ, an Abstract Syntax sub-item in an AC context...) and a second
//   copy of an item the standard allows once are errors with reason 5, unexpected-PDU parameter:
//   two values for one field is an ambiguity a hostile peer could exploit.
// - Every User Information sub-item is decoded wherever it appears: "RQ only"/"AC only" in the
//   header describe use, not what the codec accepts.
// - In an A-ASSOCIATE-AC presentation context that is not accepted, the Transfer Syntax sub-item
//   "shall not be significant and its value shall not be tested" (PS3.8 Table 9-18): it is read
//   when well formed and otherwise ignored.
#include "dcmkit/net/pdu.h"

#include <cstdio>
#include <type_traits>

#include "dcmkit/error.h"

namespace dcmkit::net {

// ------------------------------------------------------------------------------------------------
// Equality
// ------------------------------------------------------------------------------------------------

bool operator==(const RoleSelection &a, const RoleSelection &b) {
    return a.sop_class_uid == b.sop_class_uid && a.scu == b.scu && a.scp == b.scp;
}
bool operator==(const ExtendedNegotiation &a, const ExtendedNegotiation &b) {
    return a.sop_class_uid == b.sop_class_uid && a.info == b.info;
}
bool operator==(const CommonExtendedNegotiation &a, const CommonExtendedNegotiation &b) {
    return a.sop_class_uid == b.sop_class_uid && a.service_class_uid == b.service_class_uid &&
           a.related_general_sop_classes == b.related_general_sop_classes;
}
bool operator==(const UserIdentityRq &a, const UserIdentityRq &b) {
    return a.type == b.type && a.positive_response_requested == b.positive_response_requested &&
           a.primary == b.primary && a.secondary == b.secondary;
}
bool operator==(const UserInformation &a, const UserInformation &b) {
    return a.max_pdu_length == b.max_pdu_length && a.implementation_class_uid == b.implementation_class_uid &&
           a.implementation_version_name == b.implementation_version_name && a.async_ops == b.async_ops &&
           a.roles == b.roles && a.extended == b.extended && a.common_extended == b.common_extended &&
           a.user_identity_rq == b.user_identity_rq && a.user_identity_ac == b.user_identity_ac &&
           a.unknown == b.unknown;
}
bool operator==(const PresentationContextRq &a, const PresentationContextRq &b) {
    return a.id == b.id && a.abstract_syntax == b.abstract_syntax && a.transfer_syntaxes == b.transfer_syntaxes;
}
bool operator==(const PresentationContextAc &a, const PresentationContextAc &b) {
    return a.id == b.id && a.result == b.result && a.transfer_syntax == b.transfer_syntax;
}
bool operator==(const AAssociateRq &a, const AAssociateRq &b) {
    return a.protocol_version == b.protocol_version && a.called_ae == b.called_ae && a.calling_ae == b.calling_ae &&
           a.application_context == b.application_context && a.contexts == b.contexts && a.user == b.user;
}
bool operator==(const AAssociateAc &a, const AAssociateAc &b) {
    return a.protocol_version == b.protocol_version && a.called_ae == b.called_ae && a.calling_ae == b.calling_ae &&
           a.application_context == b.application_context && a.contexts == b.contexts && a.user == b.user;
}
bool operator==(const AAssociateRj &a, const AAssociateRj &b) {
    return a.result == b.result && a.source == b.source && a.reason == b.reason;
}
bool operator==(const Pdv &a, const Pdv &b) {
    return a.context_id == b.context_id && a.command == b.command && a.last == b.last && a.data == b.data;
}
bool operator==(const PDataTf &a, const PDataTf &b) { return a.pdvs == b.pdvs; }
bool operator==(const AReleaseRq &, const AReleaseRq &) { return true; }
bool operator==(const AReleaseRp &, const AReleaseRp &) { return true; }
bool operator==(const AAbort &a, const AAbort &b) { return a.source == b.source && a.reason == b.reason; }

// ------------------------------------------------------------------------------------------------
// Text
// ------------------------------------------------------------------------------------------------

const char *pc_result_name(PcResult r) noexcept {
    // PS3.8 Table 9-18, Result/Reason.
    switch (r) {
    case PcResult::Acceptance: return "acceptance";
    case PcResult::UserRejection: return "user-rejection";
    case PcResult::NoReason: return "no-reason (provider rejection)";
    case PcResult::AbstractSyntaxNotSupported: return "abstract-syntax-not-supported (provider rejection)";
    case PcResult::TransferSyntaxesNotSupported: return "transfer-syntaxes-not-supported (provider rejection)";
    }
    return "unknown result/reason";
}

std::string rj_reason_text(const AAssociateRj &rj) {
    // PS3.8 Table 9-21.
    std::string s;
    switch (rj.result) {
    case 1: s = "rejected-permanent"; break;
    case 2: s = "rejected-transient"; break;
    default: s = "unknown result (" + std::to_string(rj.result) + ")"; break;
    }
    s += ", ";
    const char *reason = nullptr;
    switch (rj.source) {
    case 1:
        s += "DICOM UL service-user";
        switch (rj.reason) {
        case 1: reason = "no-reason-given"; break;
        case 2: reason = "application-context-name-not-supported"; break;
        case 3: reason = "calling-AE-title-not-recognized"; break;
        case 7: reason = "called-AE-title-not-recognized"; break;
        default: break;
        }
        break;
    case 2:
        s += "DICOM UL service-provider (ACSE related function)";
        switch (rj.reason) {
        case 1: reason = "no-reason-given"; break;
        case 2: reason = "protocol-version-not-supported"; break;
        default: break;
        }
        break;
    case 3:
        s += "DICOM UL service-provider (Presentation related function)";
        switch (rj.reason) {
        case 1: reason = "temporary-congestion"; break;
        case 2: reason = "local-limit-exceeded"; break;
        default: break;
        }
        break;
    default: s += "unknown source (" + std::to_string(rj.source) + ")"; break;
    }
    s += ": ";
    if (reason)
        s += reason;
    else
        s += "reserved (" + std::to_string(rj.reason) + ")";
    return s;
}

std::string abort_reason_text(const AAbort &a) {
    // PS3.8 Table 9-26.
    switch (a.source) {
    case 0: return "DICOM UL service-user (initiated abort)";  // the reason is not significant
    case 2: break;
    default: return "unknown source (" + std::to_string(a.source) + ")";
    }
    std::string s = "DICOM UL service-provider (initiated abort): ";
    switch (a.reason) {
    case 0: return s + "reason-not-specified";
    case 1: return s + "unrecognized-PDU";
    case 2: return s + "unexpected-PDU";
    case 4: return s + "unrecognized-PDU parameter";
    case 5: return s + "unexpected-PDU parameter";
    case 6: return s + "invalid-PDU-parameter value";
    default: return s + "reserved (" + std::to_string(a.reason) + ")";
    }
}

// ------------------------------------------------------------------------------------------------
// Strings
// ------------------------------------------------------------------------------------------------

std::string trim_ae(std::string_view ae) {
    // PS3.8 Table 9-11: leading and trailing spaces are not significant. NULs, which some
    // implementations pad with, are trimmed too.
    auto pad = [](char c) { return c == ' ' || c == '\0'; };
    size_t b = 0, e = ae.size();
    while (b < e && pad(ae[b])) ++b;
    while (e > b && pad(ae[e - 1])) --e;
    return std::string(ae.substr(b, e - b));
}

namespace {

// PS3.8 Annex F: no padding in a UID. Trailing NULs (the PS3.5 even-length pad) and spaces a peer
// may still send are trimmed on input, and not written on output.
std::string_view trim_uid(std::string_view s) {
    while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.remove_suffix(1);
    return s;
}

// ------------------------------------------------------------------------------------------------
// Encoding
// ------------------------------------------------------------------------------------------------

[[noreturn]] void too_long(const std::string &what, size_t n, size_t max) {
    throw Error(Errc::invalid_argument,
                what + " is " + std::to_string(n) + " bytes, more than the " + std::to_string(max) + " its length field can hold");
}

class Writer {
public:
    std::vector<uint8_t> b;

    void u8(uint8_t v) { b.push_back(v); }
    void u16(uint16_t v) {
        b.push_back(uint8_t(v >> 8));
        b.push_back(uint8_t(v));
    }
    void u32(uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
    }
    void zeros(size_t n) { b.insert(b.end(), n, 0); }
    void bytes(const void *p, size_t n) {
        const auto *c = static_cast<const uint8_t *>(p);
        b.insert(b.end(), c, c + n);
    }
    void str(std::string_view s) { bytes(s.data(), s.size()); }
    /// A 2-byte length, then the bytes.
    void str16(std::string_view s, const char *what) {
        if (s.size() > 0xFFFF) too_long(what, s.size(), 0xFFFF);
        u16(uint16_t(s.size()));
        str(s);
    }
    void ae(const std::string &title, const char *what) {
        const std::string t = trim_ae(title);
        if (t.size() > 16) throw Error(Errc::invalid_argument, std::string(what) + " \"" + t + "\" is longer than 16 characters");
        str(t);
        b.insert(b.end(), 16 - t.size(), ' ');
    }

    /// Starts an item with a 2-byte length (PS3.8 9.3.2.x: type, reserved, item-length).
    size_t begin_item(uint8_t type, uint8_t second = 0) {
        u8(type);
        u8(second);
        u16(0);
        return b.size();
    }
    void end_item(size_t start, const char *what) {
        const size_t n = b.size() - start;
        if (n > 0xFFFF) too_long(what, n, 0xFFFF);
        b[start - 2] = uint8_t(n >> 8);
        b[start - 1] = uint8_t(n);
    }
    void uid_item(uint8_t type, std::string_view uid, const char *what) {
        const size_t at = begin_item(type);
        str(trim_uid(uid));
        end_item(at, what);
    }

    /// Starts a PDU with a 4-byte length.
    size_t begin_pdu(PduType type) {
        u8(uint8_t(type));
        u8(0);
        u32(0);
        return b.size();
    }
    void end_pdu(size_t start) {
        const size_t n = b.size() - start;
        if (n > 0xFFFFFFFFu) too_long("the PDU", n, 0xFFFFFFFFu);
        for (int i = 0; i < 4; ++i) b[start - 4 + i] = uint8_t(uint32_t(n) >> (24 - 8 * i));
    }
};

void encode_user_information(Writer &w, const UserInformation &u) {
    const size_t item = w.begin_item(0x50);
    // Sub-items in ascending type order (PS3.8 9.3.2.3 note: some older peers expect it).
    {  // PS3.8 D.1, Table D.1-1: Maximum Length, always written (0 = no limit).
        const size_t at = w.begin_item(0x51);
        w.u32(u.max_pdu_length);
        w.end_item(at, "the Maximum Length sub-item");
    }
    if (!trim_uid(u.implementation_class_uid).empty())  // PS3.7 Table D.3-1
        w.uid_item(0x52, u.implementation_class_uid, "the Implementation Class UID");
    if (u.async_ops) {  // PS3.7 Table D.3-7
        const size_t at = w.begin_item(0x53);
        w.u16(u.async_ops->first);
        w.u16(u.async_ops->second);
        w.end_item(at, "the Asynchronous Operations Window sub-item");
    }
    for (const RoleSelection &r : u.roles) {  // PS3.7 Tables D.3-9, D.3-10
        const size_t at = w.begin_item(0x54);
        w.str16(trim_uid(r.sop_class_uid), "an SCP/SCU Role Selection SOP Class UID");
        w.u8(r.scu ? 1 : 0);
        w.u8(r.scp ? 1 : 0);
        w.end_item(at, "an SCP/SCU Role Selection sub-item");
    }
    if (!trim_uid(u.implementation_version_name).empty()) {  // PS3.7 Table D.3-3
        const size_t at = w.begin_item(0x55);
        w.str(trim_uid(u.implementation_version_name));
        w.end_item(at, "the Implementation Version Name");
    }
    for (const ExtendedNegotiation &x : u.extended) {  // PS3.7 Table D.3-11
        const size_t at = w.begin_item(0x56);
        w.str16(trim_uid(x.sop_class_uid), "a SOP Class Extended Negotiation SOP Class UID");
        w.bytes(x.info.data(), x.info.size());
        w.end_item(at, "a SOP Class Extended Negotiation sub-item");
    }
    for (const CommonExtendedNegotiation &c : u.common_extended) {  // PS3.7 Tables D.3-12, D.3-13
        const size_t at = w.begin_item(0x57, /*sub-item version*/ 0);
        w.str16(trim_uid(c.sop_class_uid), "a SOP Class Common Extended Negotiation SOP Class UID");
        w.str16(trim_uid(c.service_class_uid), "a SOP Class Common Extended Negotiation Service Class UID");
        w.u16(0);
        const size_t related = w.b.size();
        for (const std::string &g : c.related_general_sop_classes)
            w.str16(trim_uid(g), "a Related General SOP Class UID");
        const size_t n = w.b.size() - related;
        if (n > 0xFFFF) too_long("the Related General SOP Class Identification", n, 0xFFFF);
        w.b[related - 2] = uint8_t(n >> 8);
        w.b[related - 1] = uint8_t(n);
        w.end_item(at, "a SOP Class Common Extended Negotiation sub-item");
    }
    if (u.user_identity_rq) {  // PS3.7 Table D.3-14
        const UserIdentityRq &id = *u.user_identity_rq;
        const size_t at = w.begin_item(0x58);
        w.u8(id.type);
        w.u8(id.positive_response_requested ? 1 : 0);
        w.str16(id.primary, "the User Identity primary field");
        w.str16(id.secondary, "the User Identity secondary field");
        w.end_item(at, "the User Identity sub-item");
    }
    if (u.user_identity_ac) {  // PS3.7 Table D.3-15
        const size_t at = w.begin_item(0x59);
        w.str16(*u.user_identity_ac, "the User Identity server response");
        w.end_item(at, "the User Identity sub-item");
    }
    for (const auto &[type, value] : u.unknown) {
        const size_t at = w.begin_item(type);
        w.bytes(value.data(), value.size());
        w.end_item(at, "an unknown User Information sub-item");
    }
    w.end_item(item, "the User Information item");
}

template <class Assoc>
void encode_associate_header(Writer &w, const Assoc &a) {
    // PS3.8 Tables 9-11 and 9-17: bytes 7-74. In an A-ASSOCIATE-AC the AE title fields are
    // "reserved", sent with the values of the request; the 32 reserved bytes are zero in both (the
    // request sends zeros, so echoing them is writing zeros).
    w.u16(a.protocol_version);
    w.u16(0);
    w.ae(a.called_ae, "the called AE title");
    w.ae(a.calling_ae, "the calling AE title");
    w.zeros(32);
    w.uid_item(0x10, a.application_context, "the Application Context Name");  // Table 9-12
}

void encode(Writer &w, const AAssociateRq &a) {
    const size_t pdu = w.begin_pdu(PduType::AssociateRq);
    encode_associate_header(w, a);
    for (const PresentationContextRq &pc : a.contexts) {  // Table 9-13
        const size_t item = w.begin_item(0x20);
        w.u8(pc.id);
        w.zeros(3);
        w.uid_item(0x30, pc.abstract_syntax, "an Abstract Syntax Name");  // Table 9-14
        for (const std::string &ts : pc.transfer_syntaxes)
            w.uid_item(0x40, ts, "a Transfer Syntax Name");  // Table 9-15
        w.end_item(item, "a Presentation Context item");
    }
    encode_user_information(w, a.user);
    w.end_pdu(pdu);
}

void encode(Writer &w, const AAssociateAc &a) {
    const size_t pdu = w.begin_pdu(PduType::AssociateAc);
    encode_associate_header(w, a);
    for (const PresentationContextAc &pc : a.contexts) {  // Table 9-18
        const size_t item = w.begin_item(0x21);
        w.u8(pc.id);
        w.u8(0);
        w.u8(uint8_t(pc.result));
        w.u8(0);
        w.uid_item(0x40, pc.transfer_syntax, "a Transfer Syntax Name");  // Table 9-19
        w.end_item(item, "a Presentation Context item");
    }
    encode_user_information(w, a.user);
    w.end_pdu(pdu);
}

void encode(Writer &w, const AAssociateRj &a) {  // Table 9-21
    const size_t pdu = w.begin_pdu(PduType::AssociateRj);
    w.u8(0);
    w.u8(a.result);
    w.u8(a.source);
    w.u8(a.reason);
    w.end_pdu(pdu);
}

void encode(Writer &w, const PDataTf &p) {  // Tables 9-22, 9-23; Annex E.2
    size_t total = 0;
    for (const Pdv &v : p.pdvs) {
        if (v.data.size() > 0xFFFFFFFFu - 2) too_long("a PDV", v.data.size(), 0xFFFFFFFFu - 2);
        total += 6 + v.data.size();
    }
    w.b.reserve(w.b.size() + 6 + total);
    const size_t pdu = w.begin_pdu(PduType::PData);
    for (const Pdv &v : p.pdvs) {
        w.u32(uint32_t(v.data.size() + 2));
        w.u8(v.context_id);
        w.u8(uint8_t((v.command ? 0x01 : 0) | (v.last ? 0x02 : 0)));
        w.bytes(v.data.data(), v.data.size());
    }
    w.end_pdu(pdu);
}

void encode(Writer &w, const AReleaseRq &) {  // Table 9-24
    const size_t pdu = w.begin_pdu(PduType::ReleaseRq);
    w.zeros(4);
    w.end_pdu(pdu);
}

void encode(Writer &w, const AReleaseRp &) {  // Table 9-25
    const size_t pdu = w.begin_pdu(PduType::ReleaseRp);
    w.zeros(4);
    w.end_pdu(pdu);
}

void encode(Writer &w, const AAbort &a) {  // Table 9-26
    const size_t pdu = w.begin_pdu(PduType::Abort);
    w.u8(0);
    w.u8(0);
    w.u8(a.source);
    w.u8(a.reason);
    w.end_pdu(pdu);
}

// ------------------------------------------------------------------------------------------------
// Decoding
// ------------------------------------------------------------------------------------------------

// PS3.8 Table 9-26 reasons.
constexpr uint8_t kUnrecognizedPdu = 1;
constexpr uint8_t kUnexpectedParameter = 5;
constexpr uint8_t kInvalidParameter = 6;

uint16_t be16(const uint8_t *p) { return uint16_t((p[0] << 8) | p[1]); }
uint32_t be32(const uint8_t *p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex8(uint8_t v) {
    static const char digits[] = "0123456789ABCDEF";
    return std::string{digits[v >> 4], digits[v & 15]} + "H";
}

/// A decoding pass over one PDU; positions are absolute offsets in the PDU.
class Decoder {
public:
    Decoder(const uint8_t *pdu, PduError &error) : d_(pdu), err_(error) {}

    bool fail(uint8_t reason, size_t offset, std::string message) {
        err_.abort_reason = reason;
        err_.message = std::move(message);
        err_.offset = offset;
        return false;
    }

    /// An item header at `pos` inside [pos, end): type, reserved, 2-byte length; the value must fit.
    bool item(size_t pos, size_t end, const char *where, uint8_t &type, size_t &len) {
        if (end - pos < 4)
            return fail(kInvalidParameter, pos,
                        std::string(where) + ": " + std::to_string(end - pos) + " bytes left, too few for an item header");
        type = d_[pos];
        len = be16(d_ + pos + 2);
        if (len > end - pos - 4)
            return fail(kInvalidParameter, pos,
                        std::string(where) + ": item " + hex8(type) + " length " + std::to_string(len) +
                            " runs past its container (" + std::to_string(end - pos - 4) + " bytes left)");
        return true;
    }

    /// A 2-byte length then that many bytes, inside [pos, end); advances pos.
    bool str16(size_t &pos, size_t end, const char *what, std::string &out) {
        if (end - pos < 2) return fail(kInvalidParameter, pos, std::string(what) + ": no room for its 2-byte length");
        const size_t n = be16(d_ + pos);
        if (n > end - pos - 2)
            return fail(kInvalidParameter, pos,
                        std::string(what) + ": length " + std::to_string(n) + " runs past its sub-item (" +
                            std::to_string(end - pos - 2) + " bytes left)");
        out.assign(reinterpret_cast<const char *>(d_ + pos + 2), n);
        pos += 2 + n;
        return true;
    }

    std::string uid(size_t pos, size_t n) const {
        return std::string(trim_uid(std::string_view(reinterpret_cast<const char *>(d_ + pos), n)));
    }

    bool duplicate(size_t pos, const char *what) {
        return fail(kUnexpectedParameter, pos, std::string("a second ") + what + " (only one is allowed)");
    }

    bool user_information(size_t begin, size_t end, UserInformation &u);
    bool context_rq(size_t begin, size_t end, PresentationContextRq &pc);
    bool context_ac(size_t begin, size_t end, PresentationContextAc &pc);
    template <class Assoc>
    bool associate(size_t size, bool rq, Assoc &a);

    const uint8_t *d_;
    PduError &err_;
};

bool Decoder::user_information(size_t begin, size_t end, UserInformation &u) {
    bool max_len = false, impl_uid = false, impl_name = false;
    for (size_t pos = begin; pos < end;) {
        uint8_t type;
        size_t len;
        if (!item(pos, end, "User Information", type, len)) return false;
        const size_t v = pos + 4, ve = v + len;
        switch (type) {
        case 0x51:  // PS3.8 D.1, Table D.1-1
            if (max_len) return duplicate(pos, "Maximum Length sub-item");
            if (len != 4)
                return fail(kInvalidParameter, pos, "Maximum Length sub-item length is " + std::to_string(len) + ", not 4");
            u.max_pdu_length = be32(d_ + v);
            max_len = true;
            break;
        case 0x52:  // PS3.7 Table D.3-1
            if (impl_uid) return duplicate(pos, "Implementation Class UID sub-item");
            u.implementation_class_uid = uid(v, len);
            impl_uid = true;
            break;
        case 0x53:  // PS3.7 Table D.3-7
            if (u.async_ops) return duplicate(pos, "Asynchronous Operations Window sub-item");
            if (len != 4)
                return fail(kInvalidParameter, pos,
                            "Asynchronous Operations Window sub-item length is " + std::to_string(len) + ", not 4");
            u.async_ops = std::make_pair(be16(d_ + v), be16(d_ + v + 2));
            break;
        case 0x54: {  // PS3.7 Tables D.3-9, D.3-10
            RoleSelection r;
            size_t p = v;
            if (!str16(p, ve, "SCP/SCU Role Selection SOP Class UID", r.sop_class_uid)) return false;
            if (ve - p != 2)
                return fail(kInvalidParameter, pos,
                            "SCP/SCU Role Selection sub-item: " + std::to_string(ve - p) +
                                " bytes after the UID where the SCU and SCP role bytes should be");
            r.sop_class_uid = std::string(trim_uid(r.sop_class_uid));
            r.scu = d_[p] != 0;
            r.scp = d_[p + 1] != 0;
            u.roles.push_back(std::move(r));
            break;
        }
        case 0x55:  // PS3.7 Table D.3-3
            if (impl_name) return duplicate(pos, "Implementation Version Name sub-item");
            u.implementation_version_name = uid(v, len);  // trailing NUL/space padding trimmed alike
            impl_name = true;
            break;
        case 0x56: {  // PS3.7 Table D.3-11
            ExtendedNegotiation x;
            size_t p = v;
            if (!str16(p, ve, "SOP Class Extended Negotiation SOP Class UID", x.sop_class_uid)) return false;
            x.sop_class_uid = std::string(trim_uid(x.sop_class_uid));
            x.info.assign(d_ + p, d_ + ve);
            u.extended.push_back(std::move(x));
            break;
        }
        case 0x57: {  // PS3.7 Tables D.3-12, D.3-13 (byte 2 is the sub-item version, 0)
            CommonExtendedNegotiation c;
            size_t p = v;
            if (!str16(p, ve, "Common Extended Negotiation SOP Class UID", c.sop_class_uid)) return false;
            if (!str16(p, ve, "Common Extended Negotiation Service Class UID", c.service_class_uid)) return false;
            c.sop_class_uid = std::string(trim_uid(c.sop_class_uid));
            c.service_class_uid = std::string(trim_uid(c.service_class_uid));
            if (ve - p < 2)
                return fail(kInvalidParameter, p,
                            "Common Extended Negotiation: no room for the Related General SOP Class Identification length");
            const size_t n = be16(d_ + p);
            p += 2;
            if (n != ve - p)
                return fail(kInvalidParameter, p - 2,
                            "Common Extended Negotiation: Related General SOP Class Identification length " +
                                std::to_string(n) + " does not fill the sub-item (" + std::to_string(ve - p) + " bytes left)");
            while (p < ve) {
                std::string g;
                if (!str16(p, ve, "Related General SOP Class UID", g)) return false;
                c.related_general_sop_classes.emplace_back(trim_uid(g));
            }
            u.common_extended.push_back(std::move(c));
            break;
        }
        case 0x58: {  // PS3.7 Table D.3-14
            if (u.user_identity_rq) return duplicate(pos, "User Identity (RQ) sub-item");
            UserIdentityRq id;
            if (len < 2) return fail(kInvalidParameter, pos, "User Identity sub-item shorter than its fixed fields");
            id.type = d_[v];
            id.positive_response_requested = d_[v + 1] != 0;
            size_t p = v + 2;
            if (!str16(p, ve, "User Identity primary field", id.primary)) return false;
            if (!str16(p, ve, "User Identity secondary field", id.secondary)) return false;
            if (p != ve)
                return fail(kInvalidParameter, p,
                            "User Identity sub-item: " + std::to_string(ve - p) + " bytes after the secondary field");
            u.user_identity_rq = std::move(id);
            break;
        }
        case 0x59: {  // PS3.7 Table D.3-15
            if (u.user_identity_ac) return duplicate(pos, "User Identity (AC) sub-item");
            std::string response;
            size_t p = v;
            if (!str16(p, ve, "User Identity server response", response)) return false;
            if (p != ve)
                return fail(kInvalidParameter, p,
                            "User Identity sub-item: " + std::to_string(ve - p) + " bytes after the server response");
            u.user_identity_ac = std::move(response);
            break;
        }
        default:  // kept, and ignored (PS3.8 D.2 note 2)
            u.unknown.emplace_back(type, std::vector<uint8_t>(d_ + v, d_ + ve));
            break;
        }
        pos = ve;
    }
    return true;
}

bool Decoder::context_rq(size_t begin, size_t end, PresentationContextRq &pc) {
    // PS3.8 Table 9-13: ID, 3 reserved bytes, one Abstract Syntax sub-item, Transfer Syntax sub-items.
    if (end - begin < 4)
        return fail(kInvalidParameter, begin - 4, "Presentation Context item shorter than its 4 fixed bytes");
    pc.id = d_[begin];
    if (pc.id % 2 == 0)
        return fail(kInvalidParameter, begin, "Presentation Context ID " + std::to_string(pc.id) + " is not odd");
    bool abstract = false;
    for (size_t pos = begin + 4; pos < end;) {
        uint8_t type;
        size_t len;
        if (!item(pos, end, "Presentation Context", type, len)) return false;
        switch (type) {
        case 0x30:
            if (abstract) return duplicate(pos, "Abstract Syntax sub-item");
            pc.abstract_syntax = uid(pos + 4, len);
            abstract = true;
            break;
        case 0x40: pc.transfer_syntaxes.push_back(uid(pos + 4, len)); break;
        case 0x10:
        case 0x20:
        case 0x21:
        case 0x50:
            return fail(kUnexpectedParameter, pos, "item " + hex8(type) + " inside a Presentation Context item");
        default: break;  // PS3.8 9.3.1: ignored and skipped
        }
        pos += 4 + len;
    }
    return true;
}

bool Decoder::context_ac(size_t begin, size_t end, PresentationContextAc &pc) {
    // PS3.8 Table 9-18: ID, reserved, Result/Reason, reserved, one Transfer Syntax sub-item.
    if (end - begin < 4)
        return fail(kInvalidParameter, begin - 4, "Presentation Context item shorter than its 4 fixed bytes");
    pc.id = d_[begin];
    if (pc.id % 2 == 0)
        return fail(kInvalidParameter, begin, "Presentation Context ID " + std::to_string(pc.id) + " is not odd");
    pc.result = PcResult(d_[begin + 2]);
    const bool accepted = pc.result == PcResult::Acceptance;
    bool transfer = false;
    for (size_t pos = begin + 4; pos < end;) {
        uint8_t type;
        size_t len;
        if (accepted) {
            if (!item(pos, end, "Presentation Context", type, len)) return false;
        } else {
            // Not significant, not to be tested: read the sub-item when well formed, else stop.
            if (end - pos < 4) break;
            type = d_[pos];
            len = be16(d_ + pos + 2);
            if (len > end - pos - 4) break;
        }
        switch (type) {
        case 0x40:
            if (transfer) {
                if (accepted) return duplicate(pos, "Transfer Syntax sub-item in an accepted Presentation Context");
                break;
            }
            pc.transfer_syntax = uid(pos + 4, len);
            transfer = true;
            break;
        case 0x10:
        case 0x20:
        case 0x21:
        case 0x30:
        case 0x50:
            if (accepted)
                return fail(kUnexpectedParameter, pos, "item " + hex8(type) + " inside a Presentation Context item");
            break;
        default: break;  // PS3.8 9.3.1: ignored and skipped
        }
        pos += 4 + len;
    }
    return true;
}

template <class Assoc>
bool Decoder::associate(size_t size, bool rq, Assoc &a) {
    // PS3.8 Tables 9-11 / 9-17: after the 6-byte header, 68 bytes of fixed fields, then items.
    const char *name = rq ? "A-ASSOCIATE-RQ" : "A-ASSOCIATE-AC";
    if (size - 6 < 68)
        return fail(kInvalidParameter, 2,
                    std::string(name) + ": PDU-length " + std::to_string(size - 6) + " is shorter than its 68 bytes of fixed fields");
    a.protocol_version = be16(d_ + 6);
    a.called_ae = trim_ae(std::string_view(reinterpret_cast<const char *>(d_ + 10), 16));
    a.calling_ae = trim_ae(std::string_view(reinterpret_cast<const char *>(d_ + 26), 16));
    // PS3.8 Table 9-11: an AE title is ISO 646 G0 characters and spaces (NUL padding is trimmed
    // above). A control character would reach every log line that names the peer: a line break
    // forges a line of its own. (An A-ASSOCIATE-AC's titles are not to be tested.)
    for (size_t i = 10; rq && i < 42; ++i) {
        const uint8_t c = d_[i];
        if ((c >= 0x01 && c < 0x20) || c == 0x7F) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "%02XH", c);
            return fail(kInvalidParameter, i,
                        std::string(name) + ": the " + (i < 26 ? "called" : "calling") + " AE title holds the control character " +
                            hex + " (AE titles are ISO 646 characters and spaces)");
        }
    }
    a.application_context.clear();
    bool app = false, user = false;
    const uint8_t own_pc = rq ? 0x20 : 0x21, other_pc = rq ? 0x21 : 0x20;
    for (size_t pos = 74; pos < size;) {
        uint8_t type;
        size_t len;
        if (!item(pos, size, name, type, len)) return false;
        const size_t v = pos + 4, ve = v + len;
        if (type == 0x10) {  // Table 9-12
            if (app) return duplicate(pos, "Application Context item");
            a.application_context = uid(v, len);
            app = true;
        } else if (type == own_pc) {
            typename decltype(a.contexts)::value_type pc;
            bool ok;
            if constexpr (std::is_same_v<Assoc, AAssociateRq>)
                ok = context_rq(v, ve, pc);
            else
                ok = context_ac(v, ve, pc);
            if (!ok) return false;
            a.contexts.push_back(std::move(pc));
        } else if (type == 0x50) {  // Table 9-16
            if (user) return duplicate(pos, "User Information item");
            if (!user_information(v, ve, a.user)) return false;
            user = true;
        } else if (type == other_pc || type == 0x30 || type == 0x40 || (type >= 0x51 && type <= 0x59)) {
            return fail(kUnexpectedParameter, pos, "item " + hex8(type) + " in the variable field of an " + name);
        }  // else: PS3.8 9.3.1, unrecognized item types are ignored and skipped
        pos = ve;
    }
    return true;
}

}  // namespace

std::vector<uint8_t> encode_pdu(const Pdu &pdu) {
    Writer w;
    std::visit([&](const auto &p) { encode(w, p); }, pdu);
    return std::move(w.b);
}

std::optional<PduHeader> peek_pdu_header(const uint8_t *data, size_t size) {
    if (!data || size < 6) return std::nullopt;
    return PduHeader{data[0], be32(data + 2)};
}

bool split_pdvs(const uint8_t *body, size_t length, std::vector<PdvView> &out, PduError &error) {
    // PS3.8 Table 9-23: 4-byte item length (>= 2: context ID and message control header), context
    // ID, message control header (Annex E.2: bit 0 command, bit 1 last fragment), fragment. Offsets
    // in `error` count from the start of the PDU, i.e. 6 + the offset in `body`.
    out.clear();
    size_t pos = 0;
    while (pos < length) {
        if (length - pos < 6) {
            error = {kInvalidParameter,
                     "P-DATA-TF: " + std::to_string(length - pos) + " bytes left, too few for a PDV item", 6 + pos};
            return false;
        }
        const uint32_t n = be32(body + pos);
        if (n < 2) {
            error = {kInvalidParameter,
                     "P-DATA-TF: PDV item length " + std::to_string(n) + " is less than 2", 6 + pos};
            return false;
        }
        if (n > length - pos - 4) {
            error = {kInvalidParameter,
                     "P-DATA-TF: PDV item length " + std::to_string(n) + " runs past the PDU (" +
                         std::to_string(length - pos - 4) + " bytes left)",
                     6 + pos};
            return false;
        }
        PdvView v;
        v.context_id = body[pos + 4];
        const uint8_t mch = body[pos + 5];
        v.command = (mch & 0x01) != 0;
        v.last = (mch & 0x02) != 0;
        v.data = body + pos + 6;
        v.size = n - 2;
        out.push_back(v);
        pos += 4 + size_t(n);
    }
    return true;
}

std::optional<Pdu> decode_pdu(const uint8_t *data, size_t size, PduError &error) {
    error = PduError{};
    if (!data || size < 6) {
        error = {kInvalidParameter, "PDU shorter than its 6-byte header (" + std::to_string(size) + " bytes)", 0};
        return std::nullopt;
    }
    const uint8_t type = data[0];
    if (type < uint8_t(PduType::AssociateRq) || type > uint8_t(PduType::Abort)) {
        // PS3.8 9.2 Evt19, Table 9-26: an unrecognized PDU is answered with an A-ABORT.
        error = {kUnrecognizedPdu, "unrecognized PDU type " + hex8(type), 0};
        return std::nullopt;
    }
    const uint32_t length = be32(data + 2);
    if (length != size - 6) {
        error = {kInvalidParameter,
                 "PDU-length " + std::to_string(length) + " does not match the " + std::to_string(size - 6) +
                     " bytes after the header",
                 2};
        return std::nullopt;
    }
    Decoder dec(data, error);
    auto fixed4 = [&](const char *name) {
        if (length != 4)
            return dec.fail(kInvalidParameter, 2,
                            std::string(name) + ": PDU-length is " + std::to_string(length) + ", not 4");
        return true;
    };
    switch (PduType(type)) {
    case PduType::AssociateRq: {
        AAssociateRq a;
        if (!dec.associate(size, true, a)) return std::nullopt;
        return Pdu(std::move(a));
    }
    case PduType::AssociateAc: {
        AAssociateAc a;
        if (!dec.associate(size, false, a)) return std::nullopt;
        return Pdu(std::move(a));
    }
    case PduType::AssociateRj: {  // Table 9-21
        if (!fixed4("A-ASSOCIATE-RJ")) return std::nullopt;
        AAssociateRj rj;
        rj.result = data[7];
        rj.source = data[8];
        rj.reason = data[9];
        return Pdu(rj);
    }
    case PduType::PData: {
        std::vector<PdvView> views;
        if (!split_pdvs(data + 6, length, views, error)) return std::nullopt;
        PDataTf p;
        p.pdvs.reserve(views.size());
        for (const PdvView &v : views) {
            Pdv pdv;
            pdv.context_id = v.context_id;
            pdv.command = v.command;
            pdv.last = v.last;
            pdv.data.assign(v.data, v.data + v.size);
            p.pdvs.push_back(std::move(pdv));
        }
        return Pdu(std::move(p));
    }
    case PduType::ReleaseRq:  // Table 9-24
        if (!fixed4("A-RELEASE-RQ")) return std::nullopt;
        return Pdu(AReleaseRq{});
    case PduType::ReleaseRp:  // Table 9-25
        if (!fixed4("A-RELEASE-RP")) return std::nullopt;
        return Pdu(AReleaseRp{});
    case PduType::Abort: {  // Table 9-26
        if (!fixed4("A-ABORT")) return std::nullopt;
        AAbort a;
        a.source = data[8];
        a.reason = data[9];
        return Pdu(a);
    }
    }
    return std::nullopt;  // unreachable: the type was range-checked above
}

}  // namespace dcmkit::net
