// The upper layer PDU codec (PS3.8 9.3, PS3.8 Annex D, PS3.7 Annex D.3.3): golden PDUs written by
// hand from the standard's tables, round trips, and hostile input (truncations, overflowing
// lengths, zero-length and unknown items).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/net/pdu.h"

using namespace dcmkit::net;

namespace {

using Bytes = std::vector<uint8_t>;

// One piece of a golden: bytes written as numbers, or characters written as a string.
struct Piece {
    Bytes b;
    Piece(std::initializer_list<uint8_t> l) : b(l) {}
    Piece(const char *s) : b(s, s + std::strlen(s)) {}
    Piece(const std::string &s) : b(s.begin(), s.end()) {}
    Piece(const Bytes &v) : b(v) {}
};
Bytes cat(std::initializer_list<Piece> pieces) {
    Bytes out;
    for (const Piece &p : pieces) out.insert(out.end(), p.b.begin(), p.b.end());
    return out;
}
std::string spaces(size_t n) { return std::string(n, ' '); }
Bytes zeros(size_t n) { return Bytes(n, 0); }

std::optional<Pdu> decode(const Bytes &b, PduError &e) {
    // An exact-size heap copy, so that AddressSanitizer sees any read past the end.
    auto copy = std::make_unique<uint8_t[]>(b.size() ? b.size() : 1);
    if (!b.empty()) std::memcpy(copy.get(), b.data(), b.size());
    return decode_pdu(copy.get(), b.size(), e);
}
Pdu decode_ok(const Bytes &b) {
    PduError e;
    auto p = decode(b, e);
    EXPECT_TRUE(p.has_value()) << e.message << " at " << e.offset;
    return p ? *p : Pdu{AReleaseRq{}};
}
PduError decode_err(const Bytes &b) {
    PduError e;
    auto p = decode(b, e);
    EXPECT_FALSE(p.has_value());
    EXPECT_FALSE(e.message.empty());
    EXPECT_LE(e.offset, b.size());
    return e;
}
template <class T>
T decode_as(const Bytes &b) {
    Pdu p = decode_ok(b);
    EXPECT_TRUE(std::holds_alternative<T>(p));
    return std::holds_alternative<T>(p) ? std::get<T>(p) : T{};
}

const char *kAppCtx = "1.2.840.10008.3.1.1.1";       // 21 bytes, PS3.7 A.2.1
const char *kVerification = "1.2.840.10008.1.1";     // 17 bytes
const char *kImplicitLE = "1.2.840.10008.1.2";       // 17 bytes
const char *kExplicitLE = "1.2.840.10008.1.2.1";     // 19 bytes
const char *kCtStorage = "1.2.840.10008.5.1.4.1.1.2";  // 25 bytes

// ------------------------------------------------------------------------------------------------
// A-ASSOCIATE-RQ golden, PS3.8 Table 9-11 (PDU), 9-12 (Application Context), 9-13/9-14/9-15
// (Presentation Context with its Abstract and Transfer Syntax sub-items), 9-16 (User Information),
// Annex D.1 Table D.1-1 (Maximum Length), PS3.7 Tables D.3-1 (Implementation Class UID) and D.3-3
// (Implementation Version Name).
//   01 | 00 | 000000CA          PDU-type 01H, reserved, PDU-length 202 = 68 fixed + 25 + 73 + 36
//   0001 | 0000                 protocol-version bit 0, reserved
//   "ANY-SCP" + 9 spaces        called-AE-title (bytes 11-26)
//   "ECHOSCU" + 9 spaces        calling-AE-title (bytes 27-42)
//   32 x 00                     reserved (bytes 43-74)
//   10 00 0015 "1.2.840.10008.3.1.1.1"             Application Context item, 21 bytes
//   20 00 0045                                     Presentation Context item, length 69:
//      01 00 00 00                                   ID 1, 3 reserved
//      30 00 0011 "1.2.840.10008.1.1"                Abstract Syntax, 17 bytes
//      40 00 0011 "1.2.840.10008.1.2"                Transfer Syntax, 17 bytes
//      40 00 0013 "1.2.840.10008.1.2.1"              Transfer Syntax, 19 bytes
//   50 00 0020                                     User Information item, length 32:
//      51 00 0004 00004000                           Maximum Length 16384
//      52 00 0007 "1.2.3.4"                          Implementation Class UID
//      55 00 0009 "DCMKIT_01"                        Implementation Version Name
// ------------------------------------------------------------------------------------------------
Bytes golden_rq() {
    return cat({{0x01, 0x00, 0x00, 0x00, 0x00, 0xCA},
                {0x00, 0x01, 0x00, 0x00},
                "ANY-SCP" + spaces(9),
                "ECHOSCU" + spaces(9),
                zeros(32),
                {0x10, 0x00, 0x00, 0x15}, kAppCtx,
                {0x20, 0x00, 0x00, 0x45},
                {0x01, 0x00, 0x00, 0x00},
                {0x30, 0x00, 0x00, 0x11}, kVerification,
                {0x40, 0x00, 0x00, 0x11}, kImplicitLE,
                {0x40, 0x00, 0x00, 0x13}, kExplicitLE,
                {0x50, 0x00, 0x00, 0x20},
                {0x51, 0x00, 0x00, 0x04, 0x00, 0x00, 0x40, 0x00},
                {0x52, 0x00, 0x00, 0x07}, "1.2.3.4",
                {0x55, 0x00, 0x00, 0x09}, "DCMKIT_01"});
}
AAssociateRq value_rq() {
    AAssociateRq rq;
    rq.called_ae = "ANY-SCP";
    rq.calling_ae = "ECHOSCU";
    rq.contexts.push_back({1, kVerification, {kImplicitLE, kExplicitLE}});
    rq.user.max_pdu_length = 16384;
    rq.user.implementation_class_uid = "1.2.3.4";
    rq.user.implementation_version_name = "DCMKIT_01";
    return rq;
}
// Offsets of the item boundaries in golden_rq(): after the fixed fields, the Application Context,
// the Presentation Context and the User Information item.
constexpr size_t kRqBoundaries[] = {74, 99, 172, 208};

// ------------------------------------------------------------------------------------------------
// A-ASSOCIATE-AC golden, PS3.8 Table 9-17 (PDU), 9-12, 9-18/9-19 (Presentation Context AC with its
// Transfer Syntax sub-item), 9-16, D.1-1, PS3.7 D.3-2 and D.3-15 (User Identity AC).
//   02 | 00 | 000000A3          PDU-type 02H, PDU-length 163 = 68 + 25 + 29 + 12 + 29
//   0001 | 0000                 protocol-version, reserved
//   "ANY-SCP" + 9 spaces        reserved, echoing the request's called AE title
//   "ECHOSCU" + 9 spaces        reserved, echoing the request's calling AE title
//   32 x 00                     reserved
//   10 00 0015 "1.2.840.10008.3.1.1.1"
//   21 00 0019 01 00 00 00 40 00 0011 "1.2.840.10008.1.2"   ID 1, acceptance (0), TS, length 25
//   21 00 0008 03 00 04 00 40 00 0000                       ID 3, transfer-syntaxes-not-supported
//                                                           (4), empty TS sub-item, length 8
//   50 00 0019                                              User Information, length 25:
//      51 00 0004 00008000                                    Maximum Length 32768
//      52 00 0007 "1.2.3.4"                                   Implementation Class UID
//      59 00 0002 0000                                        User Identity AC, empty response
// ------------------------------------------------------------------------------------------------
Bytes golden_ac() {
    return cat({{0x02, 0x00, 0x00, 0x00, 0x00, 0xA3},
                {0x00, 0x01, 0x00, 0x00},
                "ANY-SCP" + spaces(9),
                "ECHOSCU" + spaces(9),
                zeros(32),
                {0x10, 0x00, 0x00, 0x15}, kAppCtx,
                {0x21, 0x00, 0x00, 0x19, 0x01, 0x00, 0x00, 0x00},
                {0x40, 0x00, 0x00, 0x11}, kImplicitLE,
                {0x21, 0x00, 0x00, 0x08, 0x03, 0x00, 0x04, 0x00},
                {0x40, 0x00, 0x00, 0x00},
                {0x50, 0x00, 0x00, 0x19},
                {0x51, 0x00, 0x00, 0x04, 0x00, 0x00, 0x80, 0x00},
                {0x52, 0x00, 0x00, 0x07}, "1.2.3.4",
                {0x59, 0x00, 0x00, 0x02, 0x00, 0x00}});
}
AAssociateAc value_ac() {
    AAssociateAc ac;
    ac.called_ae = "ANY-SCP";
    ac.calling_ae = "ECHOSCU";
    ac.contexts.push_back({1, PcResult::Acceptance, kImplicitLE});
    ac.contexts.push_back({3, PcResult::TransferSyntaxesNotSupported, ""});
    ac.user.max_pdu_length = 32768;
    ac.user.implementation_class_uid = "1.2.3.4";
    ac.user.user_identity_ac = "";
    return ac;
}

// An A-ASSOCIATE-RQ whose User Information item holds the given sub-items (hand-written by each
// test), after the fixed fields of golden_rq() and an Application Context item. Only the two
// enclosing lengths are computed here.
Bytes rq_with_user_items(const Bytes &sub_items) {
    Bytes b = cat({{0x01, 0x00, 0x00, 0x00, 0x00, 0x00},
                   {0x00, 0x01, 0x00, 0x00},
                   "ANY-SCP" + spaces(9),
                   "ECHOSCU" + spaces(9),
                   zeros(32),
                   {0x10, 0x00, 0x00, 0x15}, kAppCtx,
                   {0x50, 0x00, uint8_t(sub_items.size() >> 8), uint8_t(sub_items.size())},
                   sub_items});
    const size_t n = b.size() - 6;
    b[2] = uint8_t(n >> 24);
    b[3] = uint8_t(n >> 16);
    b[4] = uint8_t(n >> 8);
    b[5] = uint8_t(n);
    return b;
}
AAssociateRq rq_with_user(const UserInformation &u) {
    AAssociateRq rq;
    rq.called_ae = "ANY-SCP";
    rq.calling_ae = "ECHOSCU";
    rq.user = u;
    return rq;
}
// PS3.8 Table D.1-1: 51H, reserved, length 4, maximum-length-received 16384.
const Bytes kMaxLen16k = {0x51, 0x00, 0x00, 0x04, 0x00, 0x00, 0x40, 0x00};

// A-ASSOCIATE-RQ built from `items` (hand-written) in the variable field; the PDU length computed.
Bytes rq_with_items(const Bytes &items) {
    Bytes b = cat({{0x01, 0x00, 0x00, 0x00, 0x00, 0x00},
                   {0x00, 0x01, 0x00, 0x00},
                   "ANY-SCP" + spaces(9),
                   "ECHOSCU" + spaces(9),
                   zeros(32),
                   items});
    const size_t n = b.size() - 6;
    b[2] = uint8_t(n >> 24);
    b[3] = uint8_t(n >> 16);
    b[4] = uint8_t(n >> 8);
    b[5] = uint8_t(n);
    return b;
}

}  // namespace

// ================================================================================================
// Goldens: every PDU type
// ================================================================================================

TEST(PduGolden, AssociateRq) {
    const Bytes golden = golden_rq();
    ASSERT_EQ(golden.size(), 208u);
    EXPECT_EQ(encode_pdu(value_rq()), golden);
    EXPECT_EQ(decode_as<AAssociateRq>(golden), value_rq());
}

TEST(PduGolden, AssociateAc) {
    const Bytes golden = golden_ac();
    ASSERT_EQ(golden.size(), 169u);
    EXPECT_EQ(encode_pdu(value_ac()), golden);
    EXPECT_EQ(decode_as<AAssociateAc>(golden), value_ac());
}

// PS3.8 Table 9-21: 03H, reserved, length 4, reserved, result 1 (rejected-permanent), source 1
// (service-user), reason 7 (called-AE-title-not-recognized).
TEST(PduGolden, AssociateRj) {
    const Bytes golden = {0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x01, 0x07};
    const AAssociateRj rj{1, 1, 7};
    EXPECT_EQ(encode_pdu(rj), golden);
    EXPECT_EQ(decode_as<AAssociateRj>(golden), rj);
    EXPECT_EQ(rj_reason_text(rj), "rejected-permanent, DICOM UL service-user: called-AE-title-not-recognized");
}

// PS3.8 Tables 9-22, 9-23 and Annex E.2: 04H, reserved, PDU-length 18, then two PDV items:
//   00000006 01 03 AABBCCDD    item length 6, context 1, MCH 03 (command, last), 4 bytes
//   00000004 03 00 EEFF        item length 4, context 3, MCH 00 (data set, not last), 2 bytes
TEST(PduGolden, PDataTf) {
    const Bytes golden = {0x04, 0x00, 0x00, 0x00, 0x00, 0x12,                          //
                          0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0xAA, 0xBB, 0xCC, 0xDD,  //
                          0x00, 0x00, 0x00, 0x04, 0x03, 0x00, 0xEE, 0xFF};
    PDataTf p;
    p.pdvs.push_back({1, true, true, {0xAA, 0xBB, 0xCC, 0xDD}});
    p.pdvs.push_back({3, false, false, {0xEE, 0xFF}});
    EXPECT_EQ(encode_pdu(p), golden);
    EXPECT_EQ(decode_as<PDataTf>(golden), p);

    std::vector<PdvView> views;
    PduError e;
    ASSERT_TRUE(split_pdvs(golden.data() + 6, golden.size() - 6, views, e)) << e.message;
    ASSERT_EQ(views.size(), 2u);
    EXPECT_EQ(views[0].context_id, 1);
    EXPECT_TRUE(views[0].command);
    EXPECT_TRUE(views[0].last);
    EXPECT_EQ(views[0].data, golden.data() + 12);  // borrowed, not copied
    EXPECT_EQ(views[0].size, 4u);
    EXPECT_EQ(views[1].context_id, 3);
    EXPECT_FALSE(views[1].command);
    EXPECT_FALSE(views[1].last);
    EXPECT_EQ(views[1].data, golden.data() + 22);
    EXPECT_EQ(views[1].size, 2u);
}

// Message control header bits (PS3.8 E.2): bit 0 = command, bit 1 = last; the other bits are not
// tested on receipt.
TEST(PduGolden, MessageControlHeaderBits) {
    for (uint8_t mch : {0x00, 0x01, 0x02, 0x03, 0xFC, 0xFF}) {
        const Bytes b = {0x04, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x05, mch, 0x42};
        PDataTf p = decode_as<PDataTf>(b);
        ASSERT_EQ(p.pdvs.size(), 1u);
        EXPECT_EQ(p.pdvs[0].command, (mch & 1) != 0);
        EXPECT_EQ(p.pdvs[0].last, (mch & 2) != 0);
        EXPECT_EQ(p.pdvs[0].data, Bytes{0x42});
    }
}

// PS3.8 Tables 9-24 and 9-25: type, reserved, length 4, 4 reserved bytes.
TEST(PduGolden, Release) {
    const Bytes rq = {0x05, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00};
    const Bytes rp = {0x06, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00};
    EXPECT_EQ(encode_pdu(AReleaseRq{}), rq);
    EXPECT_EQ(encode_pdu(AReleaseRp{}), rp);
    decode_as<AReleaseRq>(rq);
    decode_as<AReleaseRp>(rp);
    // Reserved bytes are "not tested to this value when received".
    decode_as<AReleaseRq>({0x05, 0xFF, 0x00, 0x00, 0x00, 0x04, 0x12, 0x34, 0x56, 0x78});
}

// PS3.8 Table 9-26: 07H, reserved, length 4, reserved, reserved, source 2 (service-provider),
// reason 6 (invalid-PDU-parameter value).
TEST(PduGolden, Abort) {
    const Bytes golden = {0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x02, 0x06};
    const AAbort a{2, 6};
    EXPECT_EQ(encode_pdu(a), golden);
    EXPECT_EQ(decode_as<AAbort>(golden), a);
    // A service-user abort: source 0, reason 0 (not significant).
    EXPECT_EQ(encode_pdu(AAbort{}), (Bytes{0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00}));
}

// ================================================================================================
// Goldens: every User Information sub-item
// ================================================================================================

// PS3.8 Annex D.1, Table D.1-1: 51H, reserved, length 4, maximum-length-received. Always written,
// even when 0 (no limit).
TEST(PduUserItems, MaximumLength) {
    UserInformation u;
    u.max_pdu_length = 0;
    const Bytes b = rq_with_user_items({0x51, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00});
    EXPECT_EQ(encode_pdu(rq_with_user(u)), b);
    EXPECT_EQ(decode_as<AAssociateRq>(b), rq_with_user(u));

    u.max_pdu_length = 0xFEDCBA98;
    const Bytes big = rq_with_user_items({0x51, 0x00, 0x00, 0x04, 0xFE, 0xDC, 0xBA, 0x98});
    EXPECT_EQ(encode_pdu(rq_with_user(u)), big);
    EXPECT_EQ(decode_as<AAssociateRq>(big), rq_with_user(u));
}

// PS3.7 Table D.3-1: 52H, reserved, length 7, "1.2.3.4" (no padding, PS3.8 Annex F).
TEST(PduUserItems, ImplementationClassUid) {
    UserInformation u;
    u.max_pdu_length = 16384;
    u.implementation_class_uid = "1.2.3.4";
    const Bytes b = rq_with_user_items(cat({kMaxLen16k, {0x52, 0x00, 0x00, 0x07}, "1.2.3.4"}));
    EXPECT_EQ(encode_pdu(rq_with_user(u)), b);
    EXPECT_EQ(decode_as<AAssociateRq>(b), rq_with_user(u));
    // Empty: the sub-item is not written.
    u.implementation_class_uid.clear();
    EXPECT_EQ(encode_pdu(rq_with_user(u)), rq_with_user_items(kMaxLen16k));
}

// PS3.7 Table D.3-7: 53H, reserved, length 4, max-operations-invoked 5, max-operations-performed 3.
TEST(PduUserItems, AsyncOperationsWindow) {
    UserInformation u;
    u.max_pdu_length = 16384;
    u.async_ops = std::make_pair(uint16_t(5), uint16_t(3));
    const Bytes b = rq_with_user_items(cat({kMaxLen16k, {0x53, 0x00, 0x00, 0x04, 0x00, 0x05, 0x00, 0x03}}));
    EXPECT_EQ(encode_pdu(rq_with_user(u)), b);
    EXPECT_EQ(decode_as<AAssociateRq>(b), rq_with_user(u));
}

// PS3.7 Tables D.3-9/D.3-10: 54H, reserved, item length 29 = 2 + 25 + 2, UID-length 25,
// SOP-class-uid, SCU-role 1, SCP-role 0; then a second one with SCU 0, SCP 1.
TEST(PduUserItems, RoleSelection) {
    UserInformation u;
    u.max_pdu_length = 16384;
    u.roles.push_back({kCtStorage, true, false});
    u.roles.push_back({kCtStorage, false, true});
    const Bytes b = rq_with_user_items(cat({kMaxLen16k,
                                            {0x54, 0x00, 0x00, 0x1D, 0x00, 0x19}, kCtStorage, {0x01, 0x00},
                                            {0x54, 0x00, 0x00, 0x1D, 0x00, 0x19}, kCtStorage, {0x00, 0x01}}));
    EXPECT_EQ(encode_pdu(rq_with_user(u)), b);
    EXPECT_EQ(decode_as<AAssociateRq>(b), rq_with_user(u));
}

// PS3.7 Table D.3-3: 55H, reserved, length 9, "DCMKIT_01".
TEST(PduUserItems, ImplementationVersionName) {
    UserInformation u;
    u.max_pdu_length = 16384;
    u.implementation_version_name = "DCMKIT_01";
    const Bytes b = rq_with_user_items(cat({kMaxLen16k, {0x55, 0x00, 0x00, 0x09}, "DCMKIT_01"}));
    EXPECT_EQ(encode_pdu(rq_with_user(u)), b);
    EXPECT_EQ(decode_as<AAssociateRq>(b), rq_with_user(u));
}

// PS3.7 Table D.3-11: 56H, reserved, item length 30 = 2 + 25 + 3, SOP-class-uid-length 25,
// SOP-class-uid, service-class-application-information 01 00 01.
TEST(PduUserItems, SopClassExtendedNegotiation) {
    UserInformation u;
    u.max_pdu_length = 16384;
    u.extended.push_back({kCtStorage, {0x01, 0x00, 0x01}});
    const Bytes b = rq_with_user_items(
        cat({kMaxLen16k, {0x56, 0x00, 0x00, 0x1E, 0x00, 0x19}, kCtStorage, {0x01, 0x00, 0x01}}));
    EXPECT_EQ(encode_pdu(rq_with_user(u)), b);
    EXPECT_EQ(decode_as<AAssociateRq>(b), rq_with_user(u));
}

// PS3.7 Tables D.3-12/D.3-13, with the example of D.3.3.6 note 1:
//   57 00 0053                    type, sub-item version 0, item length 83 = 31 + 19 + 2 + 31
//   001D "1.2.840.10008.5.1.4.1.1.88.40"    SOP class UID (Procedure Log), 29 bytes
//   0011 "1.2.840.10008.4.2"                service class UID (Storage), 17 bytes
//   001F                                    related-general-sop-class-identification length 31
//     001D "1.2.840.10008.5.1.4.1.1.88.22"  related general SOP class (Enhanced SR), 29 bytes
TEST(PduUserItems, SopClassCommonExtendedNegotiation) {
    UserInformation u;
    u.max_pdu_length = 16384;
    u.common_extended.push_back(
        {"1.2.840.10008.5.1.4.1.1.88.40", "1.2.840.10008.4.2", {"1.2.840.10008.5.1.4.1.1.88.22"}});
    const Bytes b = rq_with_user_items(cat({kMaxLen16k,
                                            {0x57, 0x00, 0x00, 0x53},
                                            {0x00, 0x1D}, "1.2.840.10008.5.1.4.1.1.88.40",
                                            {0x00, 0x11}, "1.2.840.10008.4.2",
                                            {0x00, 0x1F},
                                            {0x00, 0x1D}, "1.2.840.10008.5.1.4.1.1.88.22"}));
    EXPECT_EQ(encode_pdu(rq_with_user(u)), b);
    EXPECT_EQ(decode_as<AAssociateRq>(b), rq_with_user(u));

    // No related general SOP class (D.3.3.6 note 2): the identification length is 0.
    u.common_extended[0] = {"1.2.840.10008.5.1.4.1.1.7.1", "1.2.840.10008.4.2", {}};
    const Bytes none = rq_with_user_items(cat({kMaxLen16k,
                                               {0x57, 0x00, 0x00, 0x32},  // 2+27 + 2+17 + 2 = 50
                                               {0x00, 0x1B}, "1.2.840.10008.5.1.4.1.1.7.1",
                                               {0x00, 0x11}, "1.2.840.10008.4.2",
                                               {0x00, 0x00}}));
    EXPECT_EQ(encode_pdu(rq_with_user(u)), none);
    EXPECT_EQ(decode_as<AAssociateRq>(none), rq_with_user(u));
}

// PS3.7 Table D.3-14: 58H, reserved, item length 17 = 1 + 1 + 2 + 5 + 2 + 6, user-identity-type 2
// (username and passcode), positive-response-requested 1, primary-field-length 5, "alice",
// secondary-field-length 6, "s3cret".
TEST(PduUserItems, UserIdentityRq) {
    UserInformation u;
    u.max_pdu_length = 16384;
    u.user_identity_rq = UserIdentityRq{2, true, "alice", "s3cret"};
    const Bytes b = rq_with_user_items(cat({kMaxLen16k,
                                            {0x58, 0x00, 0x00, 0x11, 0x02, 0x01},
                                            {0x00, 0x05}, "alice",
                                            {0x00, 0x06}, "s3cret"}));
    EXPECT_EQ(encode_pdu(rq_with_user(u)), b);
    EXPECT_EQ(decode_as<AAssociateRq>(b), rq_with_user(u));

    // Type 1 (username): the secondary-field-length is present and 0.
    u.user_identity_rq = UserIdentityRq{1, false, "user", ""};
    const Bytes t1 = rq_with_user_items(
        cat({kMaxLen16k, {0x58, 0x00, 0x00, 0x0A, 0x01, 0x00}, {0x00, 0x04}, "user", {0x00, 0x00}}));
    EXPECT_EQ(encode_pdu(rq_with_user(u)), t1);
    EXPECT_EQ(decode_as<AAssociateRq>(t1), rq_with_user(u));
}

// PS3.7 Table D.3-15: 59H, reserved, item length 6, server-response-length 4, "tick".
TEST(PduUserItems, UserIdentityAc) {
    UserInformation u;
    u.max_pdu_length = 16384;
    u.user_identity_ac = std::string("tick");
    AAssociateAc ac;
    ac.called_ae = "ANY-SCP";
    ac.calling_ae = "ECHOSCU";
    ac.user = u;
    Bytes b = rq_with_user_items(cat({kMaxLen16k, {0x59, 0x00, 0x00, 0x06, 0x00, 0x04}, "tick"}));
    b[0] = 0x02;  // the same layout as an A-ASSOCIATE-AC (Table 9-17)
    EXPECT_EQ(encode_pdu(ac), b);
    EXPECT_EQ(decode_as<AAssociateAc>(b), ac);
}

// A sub-item of unknown type (PS3.8 D.2 note 2: to be ignored) is kept as (type, value) and
// written back after the known ones.
TEST(PduUserItems, UnknownSubItemKept) {
    const Bytes b = rq_with_user_items(cat({kMaxLen16k, {0x5F, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC},
                                            {0x52, 0x00, 0x00, 0x07}, "1.2.3.4",
                                            {0x00, 0x00, 0x00, 0x00}}));  // type 00H, zero length
    const AAssociateRq rq = decode_as<AAssociateRq>(b);
    EXPECT_EQ(rq.user.implementation_class_uid, "1.2.3.4");
    ASSERT_EQ(rq.user.unknown.size(), 2u);
    EXPECT_EQ(rq.user.unknown[0].first, 0x5F);
    EXPECT_EQ(rq.user.unknown[0].second, (Bytes{0xAA, 0xBB, 0xCC}));
    EXPECT_EQ(rq.user.unknown[1].first, 0x00);
    EXPECT_TRUE(rq.user.unknown[1].second.empty());
    // Re-encoded in ascending order of the known types, the unknown ones last in their order.
    EXPECT_EQ(encode_pdu(rq), rq_with_user_items(cat({kMaxLen16k, {0x52, 0x00, 0x00, 0x07}, "1.2.3.4",
                                                      {0x5F, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC},
                                                      {0x00, 0x00, 0x00, 0x00}})));
}

// Every sub-item at once, in an RQ and in an AC, round trips.
TEST(PduUserItems, AllTogetherRoundTrip) {
    UserInformation u;
    u.max_pdu_length = 65536;
    u.implementation_class_uid = "1.2.826.0.1.3680043.2.1143.107.104.103.115";
    u.implementation_version_name = "DCMKIT";
    u.async_ops = std::make_pair(uint16_t(0), uint16_t(1));
    u.roles = {{kCtStorage, true, true}, {kVerification, false, false}};
    u.extended = {{kCtStorage, {}}, {kVerification, {0, 1, 2, 3, 4, 5, 6}}};
    u.common_extended = {{kCtStorage, "1.2.840.10008.4.2", {"1.2.3", "4.5.6", ""}}};
    u.user_identity_rq = UserIdentityRq{5, true, std::string("a.b\0c", 5), ""};
    u.user_identity_ac = std::string("resp\xFF", 5);
    u.unknown = {{0x60, {1, 2}}, {0x5A, {}}};
    AAssociateRq rq = rq_with_user(u);
    rq.contexts = {{1, kCtStorage, {kExplicitLE}}, {255, kVerification, {}}};
    EXPECT_EQ(decode_as<AAssociateRq>(encode_pdu(rq)), rq);
    AAssociateAc ac;
    ac.user = u;
    ac.contexts = {{1, PcResult::UserRejection, ""}, {5, PcResult::Acceptance, kExplicitLE}};
    EXPECT_EQ(decode_as<AAssociateAc>(encode_pdu(ac)), ac);
}

// ================================================================================================
// Round trips, padding and AE titles
// ================================================================================================

TEST(PduRoundTrip, EveryPduType) {
    std::vector<Pdu> pdus = {value_rq(), value_ac(), AAssociateRj{2, 3, 1}, AReleaseRq{}, AReleaseRp{},
                             AAbort{2, 1}, PDataTf{}};
    PDataTf big;
    big.pdvs.push_back({1, false, true, Bytes(100000, 0x5A)});
    big.pdvs.push_back({7, true, false, {}});
    pdus.push_back(big);
    for (const Pdu &p : pdus) {
        const Bytes b = encode_pdu(p);
        auto h = peek_pdu_header(b.data(), b.size());
        ASSERT_TRUE(h);
        EXPECT_EQ(h->length + 6u, b.size());
        EXPECT_EQ(h->type, b[0]);
        PduError e;
        auto back = decode(b, e);
        ASSERT_TRUE(back) << e.message;
        EXPECT_TRUE(*back == p) << "PDU type " << int(b[0]);
        EXPECT_EQ(encode_pdu(*back), b);
    }
}

// PS3.8 Annex F: UIDs are not padded. Trailing NUL (the PS3.5 even-length pad) or spaces are
// trimmed on input and never written.
TEST(PduRoundTrip, UidPadding) {
    AAssociateRq rq = value_rq();
    rq.application_context = std::string(kAppCtx) + '\0';
    rq.contexts[0].abstract_syntax = std::string(kVerification) + '\0';
    rq.contexts[0].transfer_syntaxes[0] = std::string(kImplicitLE) + '\0';
    rq.user.implementation_class_uid = std::string("1.2.3.4") + '\0';
    EXPECT_EQ(encode_pdu(rq), golden_rq());

    // The golden with padded UIDs (each item one byte longer) decodes to the unpadded value.
    const Bytes padded = cat({{0x01, 0x00, 0x00, 0x00, 0x00, 0xCD},
                              {0x00, 0x01, 0x00, 0x00},
                              "ANY-SCP" + spaces(9),
                              "ECHOSCU" + spaces(9),
                              zeros(32),
                              {0x10, 0x00, 0x00, 0x16}, kAppCtx, {0x00},
                              {0x20, 0x00, 0x00, 0x47},
                              {0x01, 0x00, 0x00, 0x00},
                              {0x30, 0x00, 0x00, 0x12}, kVerification, {0x00},
                              {0x40, 0x00, 0x00, 0x12}, kImplicitLE, " ",
                              {0x40, 0x00, 0x00, 0x13}, kExplicitLE,
                              {0x50, 0x00, 0x00, 0x20},
                              {0x51, 0x00, 0x00, 0x04, 0x00, 0x00, 0x40, 0x00},
                              {0x52, 0x00, 0x00, 0x07}, "1.2.3.4",
                              {0x55, 0x00, 0x00, 0x09}, "DCMKIT_01"});
    EXPECT_EQ(decode_as<AAssociateRq>(padded), value_rq());
}

// PS3.8 Table 9-11: AE titles are 16 characters, leading and trailing spaces not significant.
TEST(PduRoundTrip, AeTitles) {
    EXPECT_EQ(trim_ae("  STORE SCP   "), "STORE SCP");
    EXPECT_EQ(trim_ae(std::string("AE\0\0", 4)), "AE");
    EXPECT_EQ(trim_ae("                "), "");
    EXPECT_EQ(trim_ae(""), "");
    EXPECT_EQ(trim_ae("ABCDEFGHIJKLMNOP"), "ABCDEFGHIJKLMNOP");

    AAssociateRq rq = value_rq();
    rq.called_ae = "  ANY-SCP ";  // trimmed, then padded to 16 on output
    EXPECT_EQ(encode_pdu(rq), golden_rq());

    Bytes b = golden_rq();
    std::memcpy(b.data() + 10, "   ANY-SCP      ", 16);  // leading spaces are not significant
    EXPECT_EQ(decode_as<AAssociateRq>(b).called_ae, "ANY-SCP");
    std::memcpy(b.data() + 10, "ABCDEFGHIJKLMNOP", 16);  // all 16 used
    EXPECT_EQ(decode_as<AAssociateRq>(b).called_ae, "ABCDEFGHIJKLMNOP");

    rq.called_ae = "ABCDEFGHIJKLMNOPQ";  // 17 characters cannot be sent
    try {
        (void)encode_pdu(rq);
        ADD_FAILURE() << "a 17-character AE title was encoded";
    } catch (const dcmkit::Error &e) {
        EXPECT_EQ(e.code(), dcmkit::Errc::invalid_argument);
    }
}

// Items whose value cannot fit their 2-byte length are refused, not truncated.
TEST(PduRoundTrip, EncodeOverflowThrows) {
    AAssociateRq rq = value_rq();
    rq.contexts[0].abstract_syntax = std::string(70000, '1');
    EXPECT_THROW((void)encode_pdu(rq), dcmkit::Error);
    rq = value_rq();
    for (int i = 0; i < 3000; ++i) rq.user.roles.push_back({kCtStorage, true, true});  // 3000 x 33 bytes
    EXPECT_THROW((void)encode_pdu(rq), dcmkit::Error);
    rq = value_rq();
    rq.user.user_identity_rq = UserIdentityRq{4, false, std::string(65536, 'x'), ""};
    EXPECT_THROW((void)encode_pdu(rq), dcmkit::Error);
    rq = value_rq();
    rq.user.unknown.push_back({0x70, Bytes(65532, 0)});  // fits the sub-item, not the User Information
    EXPECT_THROW((void)encode_pdu(rq), dcmkit::Error);
    // The largest that fits: a 65535-byte unknown sub-item value alone would overflow the item;
    // 65535 - 8 (max length) - 4 (header) = 65523 fits exactly.
    AAssociateRq ok = rq_with_user(UserInformation{});
    ok.user.unknown.push_back({0x70, Bytes(65523, 0)});
    EXPECT_EQ(decode_as<AAssociateRq>(encode_pdu(ok)), ok);
}

TEST(PduRoundTrip, ProtocolVersionIsReportedNotJudged) {
    // PS3.8 Table 9-11: bit 0 identifies version 1. Whether the version is acceptable is the
    // association layer's call (an A-ASSOCIATE-RJ, source 2, reason 2), so it is decoded as is.
    Bytes b = golden_rq();
    b[6] = 0x00;
    b[7] = 0x03;
    EXPECT_EQ(decode_as<AAssociateRq>(b).protocol_version, 3);
    b[7] = 0x02;
    EXPECT_EQ(decode_as<AAssociateRq>(b).protocol_version, 2);
}

// ================================================================================================
// Hostile input
// ================================================================================================

// Every prefix of a valid A-ASSOCIATE-RQ, with its PDU-length left alone and with it patched to
// match, fails cleanly, except the prefixes ending at an item boundary once patched.
TEST(PduHostile, EveryTruncationOfAssociateRq) {
    const Bytes golden = golden_rq();
    for (size_t n = 0; n < golden.size(); ++n) {
        const Bytes cut(golden.begin(), golden.begin() + long(n));
        PduError e = decode_err(cut);
        EXPECT_EQ(e.abort_reason, 6) << n;
        if (n < 6) continue;
        Bytes patched = cut;
        const size_t len = n - 6;
        patched[2] = uint8_t(len >> 24);
        patched[3] = uint8_t(len >> 16);
        patched[4] = uint8_t(len >> 8);
        patched[5] = uint8_t(len);
        PduError pe;
        auto p = decode(patched, pe);
        const bool boundary = std::find(std::begin(kRqBoundaries), std::end(kRqBoundaries), n) != std::end(kRqBoundaries);
        EXPECT_EQ(p.has_value(), boundary) << "prefix " << n << ": " << pe.message;
        if (!p) {
            EXPECT_EQ(pe.abort_reason, 6) << n;
            EXPECT_LE(pe.offset, n) << n;
            EXPECT_FALSE(pe.message.empty());
        }
    }
}

// The same for the A-ASSOCIATE-AC and for every fixed-size PDU.
TEST(PduHostile, EveryTruncationOfOtherPdus) {
    const std::vector<Bytes> pdus = {golden_ac(), encode_pdu(AAssociateRj{}), encode_pdu(AReleaseRq{}),
                                     encode_pdu(AReleaseRp{}), encode_pdu(AAbort{})};
    for (const Bytes &golden : pdus) {
        for (size_t n = 0; n < golden.size(); ++n) {
            Bytes cut(golden.begin(), golden.begin() + long(n));
            decode_err(cut);
            if (n < 6) continue;
            const size_t len = n - 6;
            cut[2] = uint8_t(len >> 24);
            cut[3] = uint8_t(len >> 16);
            cut[4] = uint8_t(len >> 8);
            cut[5] = uint8_t(len);
            PduError e;
            (void)decode(cut, e);  // may succeed at an item boundary; must not crash
        }
    }
}

TEST(PduHostile, UnrecognizedPduType) {
    for (uint8_t t : {0x00, 0x08, 0x10, 0x50, 0xFF}) {
        const Bytes b = {t, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00};
        PduError e = decode_err(b);
        EXPECT_EQ(e.abort_reason, 1) << int(t);  // Table 9-26: unrecognized-PDU
        EXPECT_EQ(e.offset, 0u);
    }
}

// PS3.8 Table 9-11: AE titles are ISO 646 G0 characters and spaces. One with a control character
// (a line break would forge a log line wherever the peer is named) is refused with reason 6 and
// the offset of that byte; NUL padding, which some peers send, is still trimmed and accepted.
TEST(PduHostile, ControlCharactersInAeTitles) {
    for (const auto &[offset, byte] : std::vector<std::pair<size_t, uint8_t>>{{10 + 1, 0x0A}, {26 + 7, 0x0D}, {26, 0x1B}, {25, 0x7F}}) {
        Bytes b = golden_rq();
        b[offset] = byte;
        PduError e = decode_err(b);
        EXPECT_EQ(e.abort_reason, 6) << offset;
        EXPECT_EQ(e.offset, offset);
        EXPECT_NE(e.message.find(offset < 26 ? "the called AE title" : "the calling AE title"), std::string::npos) << e.message;
    }
    Bytes nul_padded = golden_rq();
    for (size_t i = 26 + 7; i < 42; ++i) nul_padded[i] = 0x00;  // "ECHOSCU" + 9 NULs
    EXPECT_EQ(decode_as<AAssociateRq>(nul_padded), value_rq());
    // An A-ASSOCIATE-AC's titles are not tested (PS3.8 Table 9-17).
    Bytes ac = encode_pdu(value_ac());
    ac[11] = 0x0A;
    PduError e;
    EXPECT_TRUE(decode(ac, e).has_value()) << e.message;
}

TEST(PduHostile, PduLengthMismatch) {
    Bytes b = encode_pdu(AReleaseRq{});
    b.push_back(0);  // one byte more than PDU-length says
    EXPECT_EQ(decode_err(b).abort_reason, 6);
    // A PDU-length of 0xFFFFFFFF over 4 bytes.
    EXPECT_EQ(decode_err({0x04, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x02}).abort_reason, 6);
    // Fixed-size PDUs with another length.
    for (uint8_t t : {0x03, 0x05, 0x06, 0x07}) {
        EXPECT_EQ(decode_err({t, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00}).abort_reason, 6);
        EXPECT_EQ(decode_err({t, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00}).abort_reason, 6);
        EXPECT_EQ(decode_err({t, 0x00, 0x00, 0x00, 0x00, 0x00}).abort_reason, 6);
    }
    // Fewer than 68 bytes of fixed fields in an A-ASSOCIATE-RQ/AC.
    for (uint8_t t : {0x01, 0x02}) {
        Bytes short_rq = {t, 0x00, 0x00, 0x00, 0x00, 0x43};
        short_rq.resize(6 + 0x43, 0x20);
        EXPECT_EQ(decode_err(short_rq).abort_reason, 6);
    }
}

TEST(PduHostile, ItemLengthsOverflowing) {
    // An item length of FFFFH with 21 bytes behind it.
    PduError e = decode_err(rq_with_items(cat({{0x10, 0x00, 0xFF, 0xFF}, kAppCtx})));
    EXPECT_EQ(e.abort_reason, 6);
    EXPECT_EQ(e.offset, 74u);
    // An item header cut short (3 bytes).
    e = decode_err(rq_with_items(cat({{0x10, 0x00, 0x00, 0x15}, kAppCtx, {0x50, 0x00, 0x00}})));
    EXPECT_EQ(e.offset, 99u);
    // A sub-item that runs past its Presentation Context item (which itself fits the PDU).
    e = decode_err(rq_with_items(cat({{0x20, 0x00, 0x00, 0x0A, 0x01, 0x00, 0x00, 0x00},
                                      {0x30, 0x00, 0x00, 0x11, 0x31, 0x2E},
                                      zeros(20)})));
    EXPECT_EQ(e.abort_reason, 6);
    EXPECT_EQ(e.offset, 82u);
    // A sub-item that runs past its User Information item.
    e = decode_err(rq_with_items(cat({{0x50, 0x00, 0x00, 0x08}, {0x51, 0x00, 0x00, 0x05, 0, 0, 0, 0}, zeros(8)})));
    EXPECT_EQ(e.abort_reason, 6);
    EXPECT_EQ(e.offset, 78u);
    // Role selection: a UID-length past the sub-item.
    e = decode_err(rq_with_user_items(cat({{0x54, 0x00, 0x00, 0x05, 0xFF, 0xFF, 0x31, 0x01, 0x00}})));
    EXPECT_EQ(e.abort_reason, 6);
    // Role selection: the UID fits but the role bytes are missing, or there are extra bytes.
    decode_err(rq_with_user_items({0x54, 0x00, 0x00, 0x03, 0x00, 0x01, 0x31}));
    decode_err(rq_with_user_items({0x54, 0x00, 0x00, 0x06, 0x00, 0x01, 0x31, 0x01, 0x00, 0x00}));
    // Extended negotiation: UID length past the sub-item; no room for the UID length.
    decode_err(rq_with_user_items({0x56, 0x00, 0x00, 0x03, 0x00, 0x02, 0x31}));
    decode_err(rq_with_user_items({0x56, 0x00, 0x00, 0x01, 0x00}));
    // Common extended negotiation: related length not filling the sub-item, or an inner UID
    // length past it, or no related length at all.
    decode_err(rq_with_user_items({0x57, 0x00, 0x00, 0x09, 0x00, 0x01, 0x31, 0x00, 0x01, 0x32, 0x00, 0x03, 0x00}));
    decode_err(rq_with_user_items({0x57, 0x00, 0x00, 0x0A, 0x00, 0x01, 0x31, 0x00, 0x01, 0x32, 0x00, 0x02, 0x00, 0x05}));
    decode_err(rq_with_user_items({0x57, 0x00, 0x00, 0x06, 0x00, 0x01, 0x31, 0x00, 0x01, 0x32}));
    // User identity: primary length past the sub-item; secondary length missing; extra bytes.
    decode_err(rq_with_user_items({0x58, 0x00, 0x00, 0x06, 0x01, 0x00, 0xFF, 0xFF, 0x61, 0x62}));
    decode_err(rq_with_user_items({0x58, 0x00, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x61}));
    decode_err(rq_with_user_items({0x58, 0x00, 0x00, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
    decode_err(rq_with_user_items({0x58, 0x00, 0x00, 0x01, 0x01}));
    // User identity AC: response length past the sub-item; extra bytes.
    decode_err(rq_with_user_items({0x59, 0x00, 0x00, 0x03, 0x00, 0x02, 0x61}));
    decode_err(rq_with_user_items({0x59, 0x00, 0x00, 0x03, 0x00, 0x00, 0x61}));
    // Maximum length and async window of the wrong size.
    decode_err(rq_with_user_items({0x51, 0x00, 0x00, 0x02, 0x40, 0x00}));
    decode_err(rq_with_user_items({0x53, 0x00, 0x00, 0x05, 0x00, 0x01, 0x00, 0x01, 0x00}));
}

TEST(PduHostile, ZeroLengthItems) {
    // A zero-length Application Context item, a Presentation Context with zero-length Abstract and
    // Transfer Syntax sub-items, and an empty User Information item: all decode, as empty values.
    const Bytes b = rq_with_items(cat({{0x10, 0x00, 0x00, 0x00},
                                       {0x20, 0x00, 0x00, 0x0C, 0x01, 0x00, 0x00, 0x00},
                                       {0x30, 0x00, 0x00, 0x00},
                                       {0x40, 0x00, 0x00, 0x00},
                                       {0x50, 0x00, 0x00, 0x00}}));
    AAssociateRq rq = decode_as<AAssociateRq>(b);
    EXPECT_EQ(rq.application_context, "");
    ASSERT_EQ(rq.contexts.size(), 1u);
    EXPECT_EQ(rq.contexts[0].abstract_syntax, "");
    EXPECT_EQ(rq.contexts[0].transfer_syntaxes, std::vector<std::string>{""});
    EXPECT_EQ(rq.user, UserInformation{});
    EXPECT_EQ(decode_as<AAssociateRq>(encode_pdu(rq)), rq);
    // No items at all: the application context is empty, for the association layer to reject.
    AAssociateRq bare = decode_as<AAssociateRq>(rq_with_items({}));
    EXPECT_EQ(bare.application_context, "");
    EXPECT_TRUE(bare.contexts.empty());
    // A Presentation Context item too short for its 4 fixed bytes.
    EXPECT_EQ(decode_err(rq_with_items({0x20, 0x00, 0x00, 0x00})).abort_reason, 6);
    EXPECT_EQ(decode_err(rq_with_items({0x20, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00})).abort_reason, 6);
    // Zero-length user information sub-items with a variable part only.
    AAssociateRq z = decode_as<AAssociateRq>(rq_with_user_items({0x52, 0x00, 0x00, 0x00, 0x55, 0x00, 0x00, 0x00}));
    EXPECT_EQ(z.user.implementation_class_uid, "");
    EXPECT_EQ(z.user.implementation_version_name, "");
    // A zero-length PDV (item length 2: context ID and message control header only).
    PDataTf p = decode_as<PDataTf>({0x04, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02});
    ASSERT_EQ(p.pdvs.size(), 1u);
    EXPECT_TRUE(p.pdvs[0].data.empty());
    EXPECT_TRUE(p.pdvs[0].last);
    // A P-DATA-TF with no PDV at all is accepted as empty.
    EXPECT_TRUE(decode_as<PDataTf>({0x04, 0x00, 0x00, 0x00, 0x00, 0x00}).pdvs.empty());
}

TEST(PduHostile, SplitPdvs) {
    // Three PDVs, the middle one empty.
    const Bytes body = {0x00, 0x00, 0x00, 0x03, 0x01, 0x01, 0x10,              //
                        0x00, 0x00, 0x00, 0x02, 0x03, 0x00,                    //
                        0x00, 0x00, 0x00, 0x05, 0x05, 0x02, 0x20, 0x21, 0x22};
    std::vector<PdvView> v;
    PduError e;
    ASSERT_TRUE(split_pdvs(body.data(), body.size(), v, e)) << e.message;
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[0].context_id, 1);
    EXPECT_TRUE(v[0].command);
    EXPECT_EQ(v[0].size, 1u);
    EXPECT_EQ(v[1].context_id, 3);
    EXPECT_EQ(v[1].size, 0u);
    EXPECT_EQ(v[2].context_id, 5);
    EXPECT_TRUE(v[2].last);
    EXPECT_FALSE(v[2].command);
    EXPECT_EQ(v[2].size, 3u);
    EXPECT_EQ(v[2].data, body.data() + 19);

    // The output is replaced, not appended to.
    ASSERT_TRUE(split_pdvs(body.data(), 7, v, e));
    EXPECT_EQ(v.size(), 1u);

    auto bad = [&](const Bytes &b, size_t offset) {
        auto copy = std::make_unique<uint8_t[]>(b.size());
        std::memcpy(copy.get(), b.data(), b.size());
        PduError err;
        std::vector<PdvView> out;
        EXPECT_FALSE(split_pdvs(copy.get(), b.size(), out, err));
        EXPECT_EQ(err.abort_reason, 6);
        EXPECT_EQ(err.offset, offset) << err.message;  // counted from the start of the PDU
    };
    bad({0x00, 0x00, 0x00, 0x01, 0x01}, 6);                                       // item length 1 < 2
    bad({0x00, 0x00, 0x00, 0x00}, 6);                                             // item length 0, nothing else
    bad({0x00, 0x00, 0x00, 0x00, 0x01, 0x00}, 6);                                 // item length 0
    bad({0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0xAA}, 6);                           // runs one byte past
    bad({0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0xAA}, 6);                           // 4 GB item
    bad({0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0xAA, 0x00, 0x00}, 13);              // 2 trailing bytes
    bad({0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0xAA, 0x00, 0x00, 0x00, 0x02, 0x01}, 13);  // header cut short
    bad({0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0xAA, 0x80, 0x00, 0x00, 0x02, 0x01, 0x00}, 13);
    // Through decode_pdu, the same errors.
    EXPECT_EQ(decode_err({0x04, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x01}).abort_reason, 6);
    // An empty body is no PDV.
    ASSERT_TRUE(split_pdvs(nullptr, 0, v, e));
    EXPECT_TRUE(v.empty());
}

// PS3.8 9.3.1: "Items of unrecognized types shall be ignored and skipped."
TEST(PduHostile, UnknownItemsSkipped) {
    const Bytes golden = golden_rq();
    // A 77H item (5 bytes of value) between the Presentation Context and User Information items,
    // one of length 0 before the Application Context, and a 3FH sub-item inside the Presentation
    // Context (its item length grows from 69 to 74).
    Bytes b(golden.begin(), golden.begin() + 74);
    const Bytes unknown0 = {0x7F, 0x00, 0x00, 0x00};
    b.insert(b.end(), unknown0.begin(), unknown0.end());
    b.insert(b.end(), golden.begin() + 74, golden.begin() + 99);  // Application Context
    const Bytes pc_head = {0x20, 0x00, 0x00, 0x4A, 0x01, 0x00, 0x00, 0x00};
    b.insert(b.end(), pc_head.begin(), pc_head.end());
    const Bytes sub = {0x3F, 0x00, 0x00, 0x01, 0xEE};
    b.insert(b.end(), sub.begin(), sub.end());
    b.insert(b.end(), golden.begin() + 107, golden.begin() + 172);  // the PC's sub-items
    const Bytes unknown = {0x77, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5};
    b.insert(b.end(), unknown.begin(), unknown.end());
    b.insert(b.end(), golden.begin() + 172, golden.end());  // User Information
    const size_t n = b.size() - 6;
    b[5] = uint8_t(n);
    b[4] = uint8_t(n >> 8);
    ASSERT_EQ(n, 202u + 4 + 5 + 9);
    EXPECT_EQ(decode_as<AAssociateRq>(b), value_rq());

    // In an A-ASSOCIATE-AC too.
    Bytes ac = golden_ac();
    ac.insert(ac.begin() + 74, unknown.begin(), unknown.end());
    ac[5] = uint8_t(ac[5] + unknown.size());
    EXPECT_EQ(decode_as<AAssociateAc>(ac), value_ac());
}

// Known item types in the wrong place, and second copies of items allowed once: Table 9-26
// reason 5, unexpected-PDU parameter.
TEST(PduHostile, UnexpectedAndDuplicateItems) {
    const Bytes app = cat({{0x10, 0x00, 0x00, 0x15}, kAppCtx});
    const Bytes user = {0x50, 0x00, 0x00, 0x08, 0x51, 0x00, 0x00, 0x04, 0x00, 0x00, 0x40, 0x00};
    const Bytes ac_pc = {0x21, 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00};
    EXPECT_EQ(decode_err(rq_with_items(cat({app, ac_pc, user}))).abort_reason, 5);  // AC context in an RQ
    EXPECT_EQ(decode_err(rq_with_items(cat({app, app, user}))).abort_reason, 5);
    EXPECT_EQ(decode_err(rq_with_items(cat({app, user, user}))).abort_reason, 5);
    EXPECT_EQ(decode_err(rq_with_items(cat({app, {0x51, 0x00, 0x00, 0x04, 0, 0, 0, 0}, user}))).abort_reason, 5);
    // Two Abstract Syntax sub-items in one Presentation Context.
    EXPECT_EQ(decode_err(rq_with_items(cat({app,
                                            {0x20, 0x00, 0x00, 0x0C, 0x01, 0x00, 0x00, 0x00},
                                            {0x30, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00},
                                            user})))
                  .abort_reason,
              5);
    // Duplicate single-instance user information sub-items.
    for (const Bytes &sub : {Bytes{0x51, 0x00, 0x00, 0x04, 0, 0, 0, 0},
                             Bytes{0x52, 0x00, 0x00, 0x01, 0x31},
                             Bytes{0x53, 0x00, 0x00, 0x04, 0, 1, 0, 1},
                             Bytes{0x55, 0x00, 0x00, 0x01, 0x41},
                             Bytes{0x58, 0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00},
                             Bytes{0x59, 0x00, 0x00, 0x02, 0x00, 0x00}}) {
        EXPECT_EQ(decode_err(rq_with_user_items(cat({sub, sub}))).abort_reason, 5) << int(sub[0]);
    }
    // Role selection and extended negotiation may repeat.
    const Bytes role = {0x54, 0x00, 0x00, 0x05, 0x00, 0x01, 0x31, 0x01, 0x01};
    EXPECT_EQ(decode_as<AAssociateRq>(rq_with_user_items(cat({role, role}))).user.roles.size(), 2u);
    // An accepted AC context with two Transfer Syntax sub-items.
    Bytes ac = golden_ac();
    const Bytes extra_ts = {0x40, 0x00, 0x00, 0x00};
    ac.insert(ac.begin() + 99 + 29, extra_ts.begin(), extra_ts.end());
    ac[102] = uint8_t(ac[102] + 4);  // the PC item length
    ac[5] = uint8_t(ac[5] + 4);
    EXPECT_EQ(decode_err(ac).abort_reason, 5);
}

TEST(PduHostile, PresentationContextIds) {
    // PS3.8 Table 9-13: IDs are odd, 1-255. An even ID is an invalid parameter value.
    for (uint8_t id : {0, 2, 254}) {
        Bytes b = golden_rq();
        b[103] = id;
        EXPECT_EQ(decode_err(b).abort_reason, 6) << int(id);
        Bytes ac = golden_ac();
        ac[103] = id;
        EXPECT_EQ(decode_err(ac).abort_reason, 6) << int(id);
    }
}

// PS3.8 Table 9-18: when the result is not acceptance the Transfer Syntax sub-item "shall not be
// significant and its value shall not be tested when received".
TEST(PduHostile, RejectedContextNotTested) {
    // ID 3, user-rejection, then 3 bytes of garbage instead of a sub-item; ID 5, no-reason, with a
    // Transfer Syntax sub-item whose length runs past the item.
    Bytes b = rq_with_items(cat({{0x10, 0x00, 0x00, 0x15}, kAppCtx,
                                 {0x21, 0x00, 0x00, 0x07, 0x03, 0x00, 0x01, 0x00, 0xDE, 0xAD, 0xBE},
                                 {0x21, 0x00, 0x00, 0x08, 0x05, 0x00, 0x02, 0x00, 0x40, 0x00, 0xFF, 0xFF}}));
    b[0] = 0x02;  // an A-ASSOCIATE-AC (same fixed layout)
    AAssociateAc got = decode_as<AAssociateAc>(b);
    ASSERT_EQ(got.contexts.size(), 2u);
    EXPECT_EQ(got.contexts[0].result, PcResult::UserRejection);
    EXPECT_EQ(got.contexts[0].transfer_syntax, "");
    EXPECT_EQ(got.contexts[1].result, PcResult::NoReason);
    EXPECT_EQ(got.contexts[1].transfer_syntax, "");
    // The same garbage in an accepted context is an error (the first context's result is byte 105).
    b[105] = 0x00;
    EXPECT_EQ(decode_err(b).abort_reason, 6);
}

TEST(PduHostile, NullAndTinyBuffers) {
    PduError e;
    EXPECT_FALSE(decode_pdu(nullptr, 0, e));
    EXPECT_EQ(e.abort_reason, 6);
    EXPECT_FALSE(peek_pdu_header(nullptr, 0));
    const uint8_t five[5] = {0x04, 0, 0, 0, 0};
    EXPECT_FALSE(peek_pdu_header(five, 5));
    EXPECT_FALSE(decode_pdu(five, 5, e));
    const uint8_t hdr[6] = {0x04, 0x00, 0x12, 0x34, 0x56, 0x78};
    auto h = peek_pdu_header(hdr, 6);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->type, 0x04);
    EXPECT_EQ(h->length, 0x12345678u);
}

// Single-byte corruption of the goldens at every offset and every value: decoding never crashes,
// and whatever decodes re-encodes and decodes to the same value.
TEST(PduHostile, EveryByteCorrupted) {
    for (const Bytes &golden : {golden_rq(), golden_ac()}) {
        for (size_t i = 0; i < golden.size(); ++i) {
            for (int v : {0x00, 0x01, 0x7F, 0x80, 0xFF, golden[i] ^ 0x01}) {
                Bytes b = golden;
                b[i] = uint8_t(v);
                PduError e;
                auto p = decode(b, e);
                if (!p) {
                    EXPECT_FALSE(e.message.empty());
                    EXPECT_TRUE(e.abort_reason == 1 || e.abort_reason == 5 || e.abort_reason == 6);
                    continue;
                }
                const Bytes again = encode_pdu(*p);
                auto q = decode(again, e);
                ASSERT_TRUE(q) << e.message;
                EXPECT_TRUE(*q == *p) << "offset " << i << " value " << v;
            }
        }
    }
}

// ================================================================================================
// Text from the standard's tables
// ================================================================================================

TEST(PduText, PresentationContextResults) {  // PS3.8 Table 9-18
    EXPECT_STREQ(pc_result_name(PcResult::Acceptance), "acceptance");
    EXPECT_STREQ(pc_result_name(PcResult::UserRejection), "user-rejection");
    EXPECT_STREQ(pc_result_name(PcResult::NoReason), "no-reason (provider rejection)");
    EXPECT_STREQ(pc_result_name(PcResult::AbstractSyntaxNotSupported), "abstract-syntax-not-supported (provider rejection)");
    EXPECT_STREQ(pc_result_name(PcResult::TransferSyntaxesNotSupported),
                 "transfer-syntaxes-not-supported (provider rejection)");
    EXPECT_STREQ(pc_result_name(PcResult(9)), "unknown result/reason");
}

TEST(PduText, RejectReasons) {  // PS3.8 Table 9-21
    EXPECT_EQ(rj_reason_text({1, 1, 1}), "rejected-permanent, DICOM UL service-user: no-reason-given");
    EXPECT_EQ(rj_reason_text({1, 1, 2}), "rejected-permanent, DICOM UL service-user: application-context-name-not-supported");
    EXPECT_EQ(rj_reason_text({1, 1, 3}), "rejected-permanent, DICOM UL service-user: calling-AE-title-not-recognized");
    EXPECT_EQ(rj_reason_text({2, 1, 5}), "rejected-transient, DICOM UL service-user: reserved (5)");
    EXPECT_EQ(rj_reason_text({1, 2, 1}),
              "rejected-permanent, DICOM UL service-provider (ACSE related function): no-reason-given");
    EXPECT_EQ(rj_reason_text({1, 2, 2}),
              "rejected-permanent, DICOM UL service-provider (ACSE related function): protocol-version-not-supported");
    EXPECT_EQ(rj_reason_text({2, 3, 1}),
              "rejected-transient, DICOM UL service-provider (Presentation related function): temporary-congestion");
    EXPECT_EQ(rj_reason_text({2, 3, 2}),
              "rejected-transient, DICOM UL service-provider (Presentation related function): local-limit-exceeded");
    EXPECT_EQ(rj_reason_text({2, 3, 0}),
              "rejected-transient, DICOM UL service-provider (Presentation related function): reserved (0)");
    EXPECT_EQ(rj_reason_text({9, 4, 1}), "unknown result (9), unknown source (4): reserved (1)");
}

TEST(PduText, AbortReasons) {  // PS3.8 Table 9-26
    EXPECT_EQ(abort_reason_text({0, 0}), "DICOM UL service-user (initiated abort)");
    EXPECT_EQ(abort_reason_text({0, 6}), "DICOM UL service-user (initiated abort)");  // not significant
    const char *p = "DICOM UL service-provider (initiated abort): ";
    EXPECT_EQ(abort_reason_text({2, 0}), std::string(p) + "reason-not-specified");
    EXPECT_EQ(abort_reason_text({2, 1}), std::string(p) + "unrecognized-PDU");
    EXPECT_EQ(abort_reason_text({2, 2}), std::string(p) + "unexpected-PDU");
    EXPECT_EQ(abort_reason_text({2, 3}), std::string(p) + "reserved (3)");
    EXPECT_EQ(abort_reason_text({2, 4}), std::string(p) + "unrecognized-PDU parameter");
    EXPECT_EQ(abort_reason_text({2, 5}), std::string(p) + "unexpected-PDU parameter");
    EXPECT_EQ(abort_reason_text({2, 6}), std::string(p) + "invalid-PDU-parameter value");
    EXPECT_EQ(abort_reason_text({1, 0}), "unknown source (1)");
}
