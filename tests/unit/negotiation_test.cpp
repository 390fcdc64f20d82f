// Association negotiation as pure functions (net::negotiate, net::make_request), the AE
// configuration that drives it, and the upper layer state machine table (net::transition).
//
// Golden values come from the standard, transcribed here by hand:
// - PS3.8 Table 9-10 (the state transition table), with the next states of the actions from
//   PS3.8 Tables 9-6 to 9-9;
// - PS3.8 Table 9-18 (presentation context result/reason values) and Table 9-21 (A-ASSOCIATE-RJ
//   result, source and reason values);
// - PS3.8 9.3.2 (protocol version: "shall only test that bit 0 is set"), PS3.8 9.3.2.2 (odd
//   presentation context IDs 1-255), PS3.7 Annex A.2.1 (the DICOM application context name),
//   PS3.7 D.3.3.3-D.3.3.5 and D.3.3.7 (asynchronous operations window, role selection, extended
//   negotiation, user identity).
// Nothing here is compared with dcmkit's own earlier output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/net/ae_config.h"
#include "dcmkit/net/fsm.h"
#include "dcmkit/net/pdu.h"

using namespace dcmkit;
using namespace dcmkit::net;

namespace {

constexpr const char *kVerification = "1.2.840.10008.1.1";                  // PS3.4 A.4
constexpr const char *kCtImage = "1.2.840.10008.5.1.4.1.1.2";                // PS3.4 B.5
constexpr const char *kMrImage = "1.2.840.10008.5.1.4.1.1.4";
constexpr const char *kSecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
constexpr const char *kDicomAppContext = "1.2.840.10008.3.1.1.1";            // PS3.7 A.2.1
constexpr const char *kImplicit = "1.2.840.10008.1.2";                       // PS3.5 A.1
constexpr const char *kExplicitLE = "1.2.840.10008.1.2.1";                   // PS3.5 A.2
constexpr const char *kDeflated = "1.2.840.10008.1.2.1.99";                  // PS3.5 A.5
constexpr const char *kExplicitBE = "1.2.840.10008.1.2.2";                   // PS3.5 A.3 (retired)
#ifndef DK_TEST_WITH_ZLIB
#define DK_TEST_WITH_ZLIB 1
#endif
// Deflated is ours only with zlib (DCMKIT_WITH_ZLIB); without it, it is neither proposed nor accepted.
constexpr bool kHaveDeflate = DK_TEST_WITH_ZLIB;
constexpr const char *kRle = "1.2.840.10008.1.2.5";                          // PS3.5 A.4.2
constexpr const char *kJpegBaseline = "1.2.840.10008.1.2.4.50";              // PS3.5 A.4.1
constexpr const char *kJ2kLossless = "1.2.840.10008.1.2.4.90";               // PS3.5 A.4.4

// =================================================================================================
// PS3.8 Table 9-10, transcribed cell by cell. One row per event, one column per state Sta1…Sta13;
// "" is an empty cell (the event is not valid in that state).
// =================================================================================================

const char *const kTable9_10[19][13] = {
    //            Sta1    Sta2    Sta3    Sta4    Sta5    Sta6    Sta7    Sta8    Sta9    Sta10   Sta11   Sta12   Sta13
    /* Evt1  */ {"AE-1", "",     "",     "",     "",     "",     "",     "",     "",     "",     "",     "",     ""},
    /* Evt2  */ {"",     "",     "",     "AE-2", "",     "",     "",     "",     "",     "",     "",     "",     ""},
    /* Evt3  */ {"",     "AA-1", "AA-8", "",     "AE-3", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-6"},
    /* Evt4  */ {"",     "AA-1", "AA-8", "",     "AE-4", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-6"},
    /* Evt5  */ {"AE-5", "",     "",     "",     "",     "",     "",     "",     "",     "",     "",     "",     ""},
    /* Evt6  */ {"",     "AE-6", "AA-8", "",     "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-7"},
    /* Evt7  */ {"",     "",     "AE-7", "",     "",     "",     "",     "",     "",     "",     "",     "",     ""},
    /* Evt8  */ {"",     "",     "AE-8", "",     "",     "",     "",     "",     "",     "",     "",     "",     ""},
    /* Evt9  */ {"",     "",     "",     "",     "",     "DT-1", "",     "AR-7", "",     "",     "",     "",     ""},
    /* Evt10 */ {"",     "AA-1", "AA-8", "",     "AA-8", "DT-2", "AR-6", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-6"},
    /* Evt11 */ {"",     "",     "",     "",     "",     "AR-1", "",     "",     "",     "",     "",     "",     ""},
    /* Evt12 */ {"",     "AA-1", "AA-8", "",     "AA-8", "AR-2", "AR-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-6"},
    /* Evt13 */ {"",     "AA-1", "AA-8", "",     "AA-8", "AA-8", "AR-3", "AA-8", "AA-8", "AR-10","AR-3", "AA-8", "AA-6"},
    /* Evt14 */ {"",     "",     "",     "",     "",     "",     "",     "AR-4", "AR-9", "",     "",     "AR-4", ""},
    /* Evt15 */ {"",     "",     "AA-1", "AA-2", "AA-1", "AA-1", "AA-1", "AA-1", "AA-1", "AA-1", "AA-1", "AA-1", ""},
    /* Evt16 */ {"",     "AA-2", "AA-3", "",     "AA-3", "AA-3", "AA-3", "AA-3", "AA-3", "AA-3", "AA-3", "AA-3", "AA-2"},
    /* Evt17 */ {"",     "AA-5", "AA-4", "AA-4", "AA-4", "AA-4", "AA-4", "AA-4", "AA-4", "AA-4", "AA-4", "AA-4", "AR-5"},
    /* Evt18 */ {"",     "AA-2", "",     "",     "",     "",     "",     "",     "",     "",     "",     "",     "AA-2"},
    /* Evt19 */ {"",     "AA-1", "AA-8", "",     "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-7"},
};

/// The next state each action defines (PS3.8 Tables 9-6 to 9-9). AE-6 and AR-8 are conditional;
/// fsm.h documents that transition() gives the first choice (Sta3 for AE-6, Sta9 for AR-8).
int next_state_of(const std::string &action) {
    static const std::pair<const char *, int> k[] = {
        {"AE-1", 4}, {"AE-2", 5}, {"AE-3", 6}, {"AE-4", 1}, {"AE-5", 2}, {"AE-6", 3}, {"AE-7", 6}, {"AE-8", 13},
        {"DT-1", 6}, {"DT-2", 6},
        {"AR-1", 7}, {"AR-2", 8}, {"AR-3", 1}, {"AR-4", 13}, {"AR-5", 1}, {"AR-6", 7}, {"AR-7", 8}, {"AR-8", 9},
        {"AR-9", 11}, {"AR-10", 12},
        {"AA-1", 13}, {"AA-2", 1}, {"AA-3", 1}, {"AA-4", 1}, {"AA-5", 1}, {"AA-6", 13}, {"AA-7", 13}, {"AA-8", 13},
    };
    for (const auto &[a, s] : k)
        if (action == a) return s;
    ADD_FAILURE() << "no action " << action;
    return 0;
}

TEST(StateTable, EveryCellMatchesPs38Table9_10) {
    int valid = 0;
    for (int e = 1; e <= 19; ++e) {
        for (int s = 1; s <= 13; ++s) {
            const std::string want = kTable9_10[e - 1][s - 1];
            const Transition t = transition(State(s), Event(e));
            SCOPED_TRACE("Evt" + std::to_string(e) + " in Sta" + std::to_string(s));
            if (want.empty()) {
                EXPECT_EQ(t.action, Action::None) << "the standard leaves this cell empty, got " << action_name(t.action);
                continue;
            }
            ++valid;
            EXPECT_EQ(std::string(action_name(t.action)), want);
            EXPECT_EQ(int(t.next), next_state_of(want)) << "next state of " << want;
        }
    }
    // Table 9-10 has 19 x 13 cells of which these many are filled (counted from the transcription,
    // a guard against a row lost while editing it).
    EXPECT_EQ(valid, 123);
}

TEST(StateTable, OutOfRangeIsInvalid) {
    EXPECT_EQ(transition(State(0), Event::Evt1).action, Action::None);
    EXPECT_EQ(transition(State(14), Event::Evt1).action, Action::None);
    EXPECT_EQ(transition(State::Sta1, Event(0)).action, Action::None);
    EXPECT_EQ(transition(State::Sta1, Event(20)).action, Action::None);
    EXPECT_EQ(transition(State(255), Event(255)).action, Action::None);
}

TEST(StateTable, Names) {
    EXPECT_STREQ(state_name(State::Sta1), "Sta1");
    EXPECT_STREQ(state_name(State::Sta13), "Sta13");
    EXPECT_STREQ(event_name(Event::Evt1), "Evt1");
    EXPECT_STREQ(event_name(Event::Evt19), "Evt19");
    EXPECT_STREQ(action_name(Action::AE1), "AE-1");
    EXPECT_STREQ(action_name(Action::AR10), "AR-10");
    EXPECT_STREQ(action_name(Action::AA8), "AA-8");
    EXPECT_STREQ(state_name(State(99)), "?");
    EXPECT_STREQ(event_name(Event(99)), "?");
    EXPECT_STREQ(action_name(Action(200)), "?");
}

TEST(StateTable, NormalLifecycles) {
    // Requestor: Sta1 -AE-1-> Sta4 -AE-2-> Sta5 -AE-3-> Sta6 -AR-1-> Sta7 -AR-3-> Sta1 (PS3.8 9.2).
    State s = State::Sta1;
    for (Event e : {Event::Evt1, Event::Evt2, Event::Evt3, Event::Evt9, Event::Evt10, Event::Evt11, Event::Evt13}) {
        const Transition t = transition(s, e);
        ASSERT_NE(t.action, Action::None) << event_name(e) << " in " << state_name(s);
        s = t.next;
    }
    EXPECT_EQ(s, State::Sta1);
    // Acceptor: Sta1 -AE-5-> Sta2 -AE-6-> Sta3 -AE-7-> Sta6 -AR-2-> Sta8 -AR-4-> Sta13 -AR-5-> Sta1.
    s = State::Sta1;
    for (Event e : {Event::Evt5, Event::Evt6, Event::Evt7, Event::Evt10, Event::Evt9, Event::Evt12, Event::Evt14,
                    Event::Evt17}) {
        const Transition t = transition(s, e);
        ASSERT_NE(t.action, Action::None) << event_name(e) << " in " << state_name(s);
        s = t.next;
    }
    EXPECT_EQ(s, State::Sta1);
}

// =================================================================================================
// Negotiation
// =================================================================================================

AAssociateRq request(std::vector<PresentationContextRq> contexts, const std::string &calling = "SCU",
                     const std::string &called = "DCMKIT") {
    AAssociateRq rq;
    rq.called_ae = called;
    rq.calling_ae = calling;
    rq.contexts = std::move(contexts);
    rq.user.max_pdu_length = 16384;
    rq.user.implementation_class_uid = "1.2.3.4";
    return rq;
}

AeConfig scp_config() {
    AeConfig c;
    c.ae_title = "DCMKIT";
    c.add_verification();
    c.add(kCtImage);  // the uncompressed syntaxes
    return c;
}

const PresentationContextAc *result_for(const Negotiation &n, uint8_t id) {
    for (const auto &pc : n.ac.contexts)
        if (pc.id == id) return &pc;
    return nullptr;
}

TEST(Negotiate, AcceptsAndEchoesTheRequest) {
    AeConfig c = scp_config();
    c.max_pdu_length = 32768;
    const Negotiation n = negotiate(c, request({{1, kVerification, {kImplicit}}}, "THEM", "DCMKIT"));
    ASSERT_TRUE(n.accepted) << n.reason;
    EXPECT_EQ(n.ac.called_ae, "DCMKIT");
    EXPECT_EQ(n.ac.calling_ae, "THEM");
    EXPECT_EQ(n.ac.application_context, kDicomAppContext);
    EXPECT_EQ(n.ac.protocol_version & 1, 1);
    EXPECT_EQ(n.ac.user.max_pdu_length, 32768u);  // PS3.8 D.1: what we receive
    EXPECT_FALSE(n.ac.user.implementation_class_uid.empty());  // PS3.7 D.3.3.2: mandatory
    ASSERT_EQ(n.ac.contexts.size(), 1u);
    EXPECT_EQ(n.ac.contexts[0].id, 1);
    EXPECT_EQ(uint8_t(n.ac.contexts[0].result), 0);  // PS3.8 Table 9-18: 0 acceptance
    EXPECT_EQ(n.ac.contexts[0].transfer_syntax, kImplicit);
    // The answer survives the codec.
    PduError err;
    const auto bytes = encode_pdu(n.ac);
    auto back = decode_pdu(bytes.data(), bytes.size(), err);
    ASSERT_TRUE(back) << err.message;
    EXPECT_EQ(std::get<AAssociateAc>(*back), n.ac);
}

TEST(Negotiate, ImplementationIdentity) {
    AeConfig c = scp_config();
    Negotiation n = negotiate(c, request({{1, kVerification, {kImplicit}}}));
    EXPECT_EQ(n.ac.user.implementation_class_uid, kImplementationClassUID);
    EXPECT_EQ(n.ac.user.implementation_version_name, kImplementationVersionName);
    // PS3.7 D.3.3.2: a UID of at most 64 characters; the version name is 1-16 characters.
    const std::string uid = kImplementationClassUID;
    EXPECT_LE(uid.size(), 64u);
    EXPECT_TRUE(std::all_of(uid.begin(), uid.end(), [](char ch) { return ch == '.' || std::isdigit((unsigned char)ch); }));
    EXPECT_GE(std::strlen(kImplementationVersionName), 1u);
    EXPECT_LE(std::strlen(kImplementationVersionName), 16u);
    c.implementation_class_uid = "1.2.826.0.1.3680043.99";
    c.implementation_version_name = "MINE_1";
    n = negotiate(c, request({{1, kVerification, {kImplicit}}}));
    EXPECT_EQ(n.ac.user.implementation_class_uid, "1.2.826.0.1.3680043.99");
    EXPECT_EQ(n.ac.user.implementation_version_name, "MINE_1");
}

TEST(Negotiate, TransferSyntaxPreferenceIsOurs) {
    // The SCP accepts the first syntax of ITS list that the requestor proposed, whatever the
    // requestor's order (PS3.8 7.1.1.13 leaves the choice to the acceptor).
    const AeConfig c = scp_config();  // CT: explicit LE, implicit LE, deflated, explicit BE
    Negotiation n = negotiate(c, request({{1, kCtImage, {kExplicitBE, kImplicit, kExplicitLE}},
                                          {3, kCtImage, {kExplicitBE, kImplicit}},
                                          {5, kCtImage, {kExplicitBE}},
                                          {7, kCtImage, {kDeflated, kExplicitBE}}}));
    ASSERT_TRUE(n.accepted);
    ASSERT_EQ(n.ac.contexts.size(), 4u);
    EXPECT_EQ(result_for(n, 1)->transfer_syntax, kExplicitLE);
    EXPECT_EQ(result_for(n, 3)->transfer_syntax, kImplicit);
    EXPECT_EQ(result_for(n, 5)->transfer_syntax, kExplicitBE);
    EXPECT_EQ(result_for(n, 7)->transfer_syntax, kHaveDeflate ? kDeflated : kExplicitBE);
    for (const auto &pc : n.ac.contexts) EXPECT_EQ(pc.result, PcResult::Acceptance);

    // Another preference order in the configuration changes the choice.
    AeConfig be_first;
    be_first.ae_title = "DCMKIT";
    be_first.add(kCtImage, {kExplicitBE, kImplicit});
    n = negotiate(be_first, request({{1, kCtImage, {kImplicit, kExplicitLE, kExplicitBE}}}));
    EXPECT_EQ(result_for(n, 1)->transfer_syntax, kExplicitBE);
}

TEST(Negotiate, PerContextRejections) {
    // PS3.8 Table 9-18: 3 abstract-syntax-not-supported, 4 transfer-syntaxes-not-supported; the
    // association itself is still accepted, each context answered under its own ID, in order.
    const AeConfig c = scp_config();
    const Negotiation n = negotiate(c, request({{1, kVerification, {kImplicit}},
                                                {3, kMrImage, {kImplicit}},
                                                {5, kCtImage, {kJpegBaseline}},
                                                {7, kCtImage, {}},
                                                {9, kCtImage, {kImplicit}}}));
    ASSERT_TRUE(n.accepted) << n.reason;
    ASSERT_EQ(n.ac.contexts.size(), 5u);
    const uint8_t ids[] = {1, 3, 5, 7, 9};
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ(n.ac.contexts[i].id, ids[i]);
    EXPECT_EQ(uint8_t(result_for(n, 1)->result), 0);
    EXPECT_EQ(uint8_t(result_for(n, 3)->result), 3);
    EXPECT_EQ(uint8_t(result_for(n, 5)->result), 4);
    EXPECT_EQ(uint8_t(result_for(n, 7)->result), 4);
    EXPECT_EQ(uint8_t(result_for(n, 9)->result), 0);
    EXPECT_EQ(result_for(n, 9)->transfer_syntax, kImplicit);
    // A rejected context still carries a Transfer Syntax sub-item (PS3.8 Table 9-18: present but
    // not significant), so that the AC encodes and decodes.
    PduError err;
    const auto bytes = encode_pdu(n.ac);
    auto back = decode_pdu(bytes.data(), bytes.size(), err);
    ASSERT_TRUE(back) << err.message;
    EXPECT_EQ(std::get<AAssociateAc>(*back).contexts.size(), 5u);
}

TEST(Negotiate, VerificationOnlyRejectsStorage) {
    AeConfig c;
    c.ae_title = "DCMKIT";
    c.add_verification();
    const Negotiation n = negotiate(c, request({{1, kCtImage, {kExplicitLE, kImplicit}}, {3, kVerification, {kImplicit}}}));
    ASSERT_TRUE(n.accepted);
    EXPECT_EQ(result_for(n, 1)->result, PcResult::AbstractSyntaxNotSupported);
    EXPECT_EQ(result_for(n, 3)->result, PcResult::Acceptance);
}

TEST(Negotiate, AssociationRejections) {
    // PS3.8 Table 9-21: (result, source, reason).
    AeConfig c = scp_config();
    c.allowed_calling_aes = {"GOOD"};
    struct Case {
        const char *what;
        AAssociateRq rq;
        AAssociateRj rj;
    };
    std::vector<Case> cases;
    {
        AAssociateRq rq = request({{1, kVerification, {kImplicit}}}, "BAD");
        cases.push_back({"calling AE not allowed", rq, {1, 1, 3}});  // calling-AE-title-not-recognized
    }
    {
        AAssociateRq rq = request({{1, kVerification, {kImplicit}}}, "GOOD", "SOMEONE");
        cases.push_back({"called AE not ours", rq, {1, 1, 7}});  // called-AE-title-not-recognized
    }
    {
        AAssociateRq rq = request({{1, kVerification, {kImplicit}}}, "GOOD");
        rq.application_context = "1.2.3.4.5";
        cases.push_back({"application context", rq, {1, 1, 2}});  // application-context-name-not-supported
    }
    {
        AAssociateRq rq = request({{1, kVerification, {kImplicit}}}, "GOOD");
        rq.protocol_version = 2;  // bit 0 clear
        cases.push_back({"protocol version", rq, {1, 2, 2}});  // ACSE: protocol-version-not-supported
    }
    {
        AAssociateRq rq = request({{1, kVerification, {kImplicit}}}, "GOOD");
        rq.protocol_version = 0;
        cases.push_back({"protocol version 0", rq, {1, 2, 2}});
    }
    for (const auto &k : cases) {
        SCOPED_TRACE(k.what);
        const Negotiation n = negotiate(c, k.rq);
        EXPECT_FALSE(n.accepted);
        EXPECT_EQ(n.rj, k.rj) << int(n.rj.result) << "/" << int(n.rj.source) << "/" << int(n.rj.reason);
        EXPECT_FALSE(n.reason.empty());
    }
    // The good one, with padding on the AE titles (PS3.8 9.3.2: leading and trailing spaces are
    // not significant), and a protocol version with bit 0 and other bits set ("shall only test
    // that bit 0 is set").
    AAssociateRq ok = request({{1, kVerification, {kImplicit}}}, "  GOOD ", " DCMKIT  ");
    ok.protocol_version = 0x0003;
    EXPECT_TRUE(negotiate(c, ok).accepted) << negotiate(c, ok).reason;
    // check_called_ae off: any called AE title.
    c.check_called_ae = false;
    EXPECT_TRUE(negotiate(c, request({{1, kVerification, {kImplicit}}}, "GOOD", "WHATEVER")).accepted);
    // No allow list: any calling AE title.
    c.allowed_calling_aes.clear();
    EXPECT_TRUE(negotiate(c, request({{1, kVerification, {kImplicit}}}, "ANYBODY")).accepted);
}

TEST(Negotiate, MalformedContextListsRejected) {
    // PS3.8 7.1.1.13: each proposed presentation context has an unused ID; 9.3.2.2: odd, 1 to 255,
    // so at most 128. Otherwise A-ASSOCIATE-RJ rejected-permanent (1), service-provider ACSE (2),
    // no-reason-given (1), whatever the contexts hold and even when the called AE title is wrong.
    AeConfig c;
    c.ae_title = "DCMKIT";
    c.add(kVerification, {kImplicit});
    const AAssociateRj rj{1, 2, 1};
    auto expect_rejected = [&](const AAssociateRq &rq, const char *what) {
        SCOPED_TRACE(what);
        const Negotiation n = negotiate(c, rq);
        EXPECT_FALSE(n.accepted);
        EXPECT_EQ(n.rj, rj) << int(n.rj.result) << "/" << int(n.rj.source) << "/" << int(n.rj.reason) << " " << n.reason;
    };
    expect_rejected(request({{1, kVerification, {kImplicit}}, {1, kVerification, {kImplicit}}}), "ID 1 twice");
    expect_rejected(request({{3, kVerification, {kImplicit}}, {5, kCtImage, {kImplicit}}, {3, kMrImage, {kImplicit}}}),
                    "ID 3 twice, not adjacent");
    std::vector<PresentationContextRq> many;
    for (int i = 0; i < 10000; ++i) many.push_back({uint8_t(2 * (i % 128) + 1), kVerification, {kImplicit}});
    expect_rejected(request(many), "10,000 contexts");
    expect_rejected(request(many, "SCU", "SOMEONE"), "10,000 contexts to another AE");
    // 128 distinct IDs: the most a request can carry, accepted, each context answered.
    many.resize(128);
    const Negotiation full = negotiate(c, request(many));
    ASSERT_TRUE(full.accepted) << full.reason;
    EXPECT_EQ(full.ac.contexts.size(), 128u);
    // Role selection items beyond what 128 contexts can use.
    AAssociateRq roles = request({{1, kVerification, {kImplicit}}});
    for (int i = 0; i < 129; ++i) roles.user.roles.push_back({kVerification, true, false});
    expect_rejected(roles, "129 role selection items");
}

TEST(Negotiate, RoleSelection) {
    // PS3.7 D.3.3.4: the acceptor answers each role with 1 only if it was proposed and is accepted.
    AeConfig c;
    c.ae_title = "DCMKIT";
    c.add(kCtImage, {kExplicitLE}, /*scp=*/true, /*scu=*/false);
    c.add(kMrImage, {kExplicitLE}, /*scp=*/true, /*scu=*/true);
    c.add(kSecondaryCapture, {kExplicitLE}, /*scp=*/false, /*scu=*/true);
    AAssociateRq rq = request({{1, kCtImage, {kExplicitLE}}, {3, kMrImage, {kExplicitLE}}, {5, kSecondaryCapture, {kExplicitLE}}});
    rq.user.roles = {{kCtImage, true, true}, {kMrImage, true, true}, {kSecondaryCapture, false, true}};
    const Negotiation n = negotiate(c, rq);
    ASSERT_TRUE(n.accepted);
    ASSERT_EQ(n.ac.user.roles.size(), 3u);
    EXPECT_EQ(n.ac.user.roles[0], (RoleSelection{kCtImage, true, false}));  // we are SCP only: they are SCU only
    EXPECT_EQ(n.ac.user.roles[1], (RoleSelection{kMrImage, true, true}));
    EXPECT_EQ(n.ac.user.roles[2], (RoleSelection{kSecondaryCapture, false, true}));  // they are SCP, we are SCU
    EXPECT_EQ(result_for(n, 1)->result, PcResult::Acceptance);
    EXPECT_EQ(result_for(n, 3)->result, PcResult::Acceptance);
    EXPECT_EQ(result_for(n, 5)->result, PcResult::Acceptance);

    // No role both sides can take: the context is not accepted.
    AAssociateRq rq2 = request({{1, kCtImage, {kExplicitLE}}});
    rq2.user.roles = {{kCtImage, false, true}};  // they want to be SCP only; we are SCP only
    const Negotiation n2 = negotiate(c, rq2);
    ASSERT_TRUE(n2.accepted);
    EXPECT_NE(result_for(n2, 1)->result, PcResult::Acceptance);
    ASSERT_EQ(n2.ac.user.roles.size(), 1u);
    EXPECT_FALSE(n2.ac.user.roles[0].scu);
    EXPECT_FALSE(n2.ac.user.roles[0].scp);

    // Without a role item the requestor is the SCU (PS3.7 D.3.3.4): an SCU-only class is refused.
    const Negotiation n3 = negotiate(c, request({{1, kSecondaryCapture, {kExplicitLE}}}));
    EXPECT_NE(result_for(n3, 1)->result, PcResult::Acceptance);
    EXPECT_TRUE(n3.ac.user.roles.empty());
}

TEST(Negotiate, ExtendedNegotiationIsAnded) {
    AeConfig c;
    c.ae_title = "DCMKIT";
    c.add(kCtImage, {kExplicitLE}).extended_negotiation = {0x01, 0x00, 0x01};
    c.add(kMrImage, {kExplicitLE});  // no extended negotiation
    AAssociateRq rq = request({{1, kCtImage, {kExplicitLE}}, {3, kMrImage, {kExplicitLE}}});
    rq.user.extended = {{kCtImage, {0x01, 0x01}}, {kMrImage, {0x01}}, {"1.2.3.999", {0x01}}};
    const Negotiation n = negotiate(c, rq);
    ASSERT_TRUE(n.accepted);
    // Only for a class we have flags for, as long as the shorter of the two.
    ASSERT_EQ(n.ac.user.extended.size(), 1u);
    EXPECT_EQ(n.ac.user.extended[0].sop_class_uid, kCtImage);
    EXPECT_EQ(n.ac.user.extended[0].info, (std::vector<uint8_t>{0x01, 0x00}));
}

TEST(Negotiate, AsynchronousOperationsWindow) {
    // PS3.7 D.3.3.3: absent = 1/1 and no reply; the reply never exceeds either side; 0 = unlimited.
    AeConfig c = scp_config();
    c.max_ops_invoked = 2;
    c.max_ops_performed = 4;
    Negotiation n = negotiate(c, request({{1, kVerification, {kImplicit}}}));
    EXPECT_FALSE(n.ac.user.async_ops.has_value());
    AAssociateRq rq = request({{1, kVerification, {kImplicit}}});
    rq.user.async_ops = std::make_pair<uint16_t, uint16_t>(5, 3);  // they invoke 5, perform 3
    n = negotiate(c, rq);
    ASSERT_TRUE(n.ac.user.async_ops.has_value());
    EXPECT_EQ(n.ac.user.async_ops->first, 4);   // they may invoke what we perform
    EXPECT_EQ(n.ac.user.async_ops->second, 2);  // we invoke at most what they perform
    rq.user.async_ops = std::make_pair<uint16_t, uint16_t>(0, 0);  // unlimited
    n = negotiate(c, rq);
    EXPECT_EQ(n.ac.user.async_ops->first, 4);
    EXPECT_EQ(n.ac.user.async_ops->second, 2);
    rq.user.async_ops = std::make_pair<uint16_t, uint16_t>(1, 1);
    n = negotiate(c, rq);
    EXPECT_EQ(n.ac.user.async_ops->first, 1);
    EXPECT_EQ(n.ac.user.async_ops->second, 1);
}

TEST(Negotiate, UserIdentity) {
    // PS3.7 D.3.3.7.
    AeConfig c = scp_config();
    c.user_identity_types = {2};  // username and passcode
    c.user_identity_check = [](const UserIdentityRq &id, std::string &response) {
        response = "welcome";
        return id.primary == "alice" && id.secondary == "secret";
    };
    AAssociateRq rq = request({{1, kVerification, {kImplicit}}});
    rq.user.user_identity_rq = UserIdentityRq{2, true, "alice", "secret"};
    Negotiation n = negotiate(c, rq);
    ASSERT_TRUE(n.accepted) << n.reason;
    ASSERT_TRUE(n.ac.user.user_identity_ac.has_value());  // positive response requested
    EXPECT_EQ(*n.ac.user.user_identity_ac, "welcome");

    rq.user.user_identity_rq->positive_response_requested = false;
    n = negotiate(c, rq);
    ASSERT_TRUE(n.accepted);
    EXPECT_FALSE(n.ac.user.user_identity_ac.has_value());

    rq.user.user_identity_rq->secondary = "wrong";
    n = negotiate(c, rq);
    EXPECT_FALSE(n.accepted);
    EXPECT_EQ(n.rj, (AAssociateRj{1, 1, 1}));  // rejected-permanent, service-user, no-reason-given

    rq.user.user_identity_rq = UserIdentityRq{1, false, "alice", ""};  // a type we do not take
    n = negotiate(c, rq);
    EXPECT_FALSE(n.accepted);

    // Not configured: the identity is ignored (optional for the acceptor).
    AeConfig open = scp_config();
    n = negotiate(open, rq);
    EXPECT_TRUE(n.accepted);
    EXPECT_FALSE(n.ac.user.user_identity_ac.has_value());
}

// =================================================================================================
// make_request
// =================================================================================================

TEST(MakeRequest, SharesUncompressedContextsOnlyBeyond128) {
    // 50 SOP classes x 4 (3 without zlib) uncompressed syntaxes = 200 (150) single-syntax contexts:
    // more than the 128 of PS3.8 9.3.2.2, so each class's uncompressed syntaxes share one context (50 in all).
    AeConfig c;
    const auto storage = storage_sop_classes();
    for (size_t i = 0; i < 50; ++i) c.add(storage[i], {}, false, true);
    AAssociateRq rq = make_request(c, "PEER");
    ASSERT_EQ(rq.contexts.size(), 50u);
    for (const auto &pc : rq.contexts) EXPECT_EQ(pc.transfer_syntaxes.size(), kHaveDeflate ? 4u : 3u);
    EXPECT_EQ(rq.contexts.back().id, 99);  // odd IDs 1 to 99
    // 130 classes cannot fit even then: a clear error, not silently dropped contexts.
    for (size_t i = 40; i < 130; ++i) c.add(storage[i], {}, false, true);
    EXPECT_THROW(make_request(c, "PEER"), dcmkit::Error);
}

TEST(MakeRequest, GetStorageOffersEverySyntaxWithinTheLimit) {
    // As the C-GET SCU we keep what arrives: add_get_storage() offers every storable syntax for each
    // class. 1 + 35 classes x 39 syntaxes cannot each have a context (PS3.8 9.3.2.2: 128 at most),
    // so each class gets one with all its syntaxes, and the rest of the 128 go to single-syntax
    // contexts for the syntaxes archives keep most, placed before their class's shared one.
    AeConfig c;
    c.add("1.2.840.10008.5.1.4.1.2.2.3", {}, false, true);  // Study Root GET
    c.add_get_storage();
    const AAssociateRq rq = make_request(c, "PEER");
    ASSERT_LE(rq.contexts.size(), 128u);
    std::map<std::string, std::vector<const PresentationContextRq *>> by_class;
    for (const auto &pc : rq.contexts) by_class[pc.abstract_syntax].push_back(&pc);
    ASSERT_EQ(by_class.size(), common_storage_sop_classes().size() + 1);
    for (const auto &uid : common_storage_sop_classes()) {
        const auto &pcs = by_class[uid];
        ASSERT_FALSE(pcs.empty()) << uid;
        EXPECT_EQ(pcs.back()->transfer_syntaxes, storable_transfer_syntaxes()) << uid;
        for (const auto &ts : {kExplicitLE, kImplicit, kJ2kLossless, kRle, kJpegBaseline})
            EXPECT_NE(std::find(pcs.back()->transfer_syntaxes.begin(), pcs.back()->transfer_syntaxes.end(), ts),
                      pcs.back()->transfer_syntaxes.end()) << uid << " " << ts;
    }
    const auto &ct = by_class[kCtImage];
    ASSERT_GE(ct.size(), 4u);
    EXPECT_EQ(ct[0]->transfer_syntaxes, std::vector<std::string>{kJ2kLossless});
    EXPECT_EQ(ct[1]->transfer_syntaxes, std::vector<std::string>{"1.2.840.10008.1.2.4.70"});
    EXPECT_EQ(ct[2]->transfer_syntaxes, std::vector<std::string>{kJpegBaseline});
    // A PDF has no pixel data to keep compressed: one context only.
    EXPECT_EQ(by_class["1.2.840.10008.5.1.4.1.1.104.1"].size(), 1u);

    // An archive holding JPEG 2000 (our C-GET SCP's configuration) accepts the single-syntax context,
    // so it sends what it holds without decoding.
    AeConfig scp;
    scp.ae_title = "PEER";
    scp.add("1.2.840.10008.5.1.4.1.2.2.3");
    scp.add_all_storage({}, /*scp=*/true, /*scu=*/true);
    const Negotiation n = negotiate(scp, rq);
    ASSERT_TRUE(n.accepted) << n.reason;
    bool j2k_accepted = false;
    for (const auto &pc : n.ac.contexts)
        if (pc.id == ct[0]->id) j2k_accepted = pc.result == PcResult::Acceptance && pc.transfer_syntax == kJ2kLossless;
    EXPECT_TRUE(j2k_accepted);

    // Asking for uncompressed pixels only: every storage context is uncompressed.
    AeConfig u;
    u.add_get_storage(uncompressed_transfer_syntaxes());
    for (const auto &pc : make_request(u, "PEER").contexts)
        for (const auto &ts : pc.transfer_syntaxes) EXPECT_FALSE(TransferSyntax::from_uid(ts).encapsulated) << ts;
}

TEST(MakeRequest, ContextsAndFields) {
    AeConfig c;
    c.ae_title = " MYSCU ";
    c.max_pdu_length = 65536;
    c.add(kVerification, {kImplicit}, /*scp=*/false, /*scu=*/true);
    c.add(kCtImage, {kExplicitLE, kRle, kImplicit, kJpegBaseline}, /*scp=*/false, /*scu=*/true);
    const AAssociateRq rq = make_request(c, "  PEER ");
    EXPECT_EQ(rq.called_ae, "PEER");
    EXPECT_EQ(rq.calling_ae, "MYSCU");
    EXPECT_EQ(rq.application_context, kDicomAppContext);
    EXPECT_EQ(rq.protocol_version & 1, 1);
    EXPECT_EQ(rq.user.max_pdu_length, 65536u);
    EXPECT_FALSE(rq.user.implementation_class_uid.empty());
    EXPECT_FALSE(rq.user.async_ops.has_value());  // 1/1 is the default: no sub-item
    EXPECT_TRUE(rq.user.roles.empty());           // SCU only: default roles, no item
    // Verification, then one context per CT syntax (as storescu proposes them), so that the peer
    // can accept each file's own syntax.
    ASSERT_EQ(rq.contexts.size(), 5u);
    std::set<uint8_t> ids;
    for (const auto &pc : rq.contexts) {
        EXPECT_EQ(pc.id % 2, 1) << "PS3.8 9.3.2.2: odd IDs";
        EXPECT_TRUE(ids.insert(pc.id).second) << "unique IDs";
        EXPECT_FALSE(pc.transfer_syntaxes.empty());
    }
    EXPECT_EQ(rq.contexts[0].abstract_syntax, kVerification);
    EXPECT_EQ(rq.contexts[0].transfer_syntaxes, std::vector<std::string>{kImplicit});
    std::vector<std::vector<std::string>> ct;
    for (const auto &pc : rq.contexts)
        if (pc.abstract_syntax == kCtImage) ct.push_back(pc.transfer_syntaxes);
    ASSERT_EQ(ct.size(), 4u);
    for (const char *ts : {kExplicitLE, kRle, kImplicit, kJpegBaseline})
        EXPECT_NE(std::find(ct.begin(), ct.end(), std::vector<std::string>{ts}), ct.end()) << ts;

    // It encodes, decodes to itself, and a matching SCP accepts every context.
    PduError err;
    const auto bytes = encode_pdu(rq);
    auto back = decode_pdu(bytes.data(), bytes.size(), err);
    ASSERT_TRUE(back) << err.message;
    EXPECT_EQ(std::get<AAssociateRq>(*back), rq);
    AeConfig scp;
    scp.ae_title = "PEER";
    scp.add_verification();
    scp.add_all_storage();
    const Negotiation n = negotiate(scp, std::get<AAssociateRq>(*back));
    ASSERT_TRUE(n.accepted) << n.reason;
    for (const auto &pc : n.ac.contexts) EXPECT_EQ(pc.result, PcResult::Acceptance) << int(pc.id);
}

TEST(MakeRequest, RolesAsyncAndExtended) {
    AeConfig c;
    c.ae_title = "GETSCU";
    c.max_ops_invoked = 3;
    c.max_ops_performed = 0;
    c.add(kCtImage, {kExplicitLE}, /*scp=*/true, /*scu=*/false).extended_negotiation = {1};
    const AAssociateRq rq = make_request(c, "PEER");
    ASSERT_TRUE(rq.user.async_ops.has_value());
    EXPECT_EQ(rq.user.async_ops->first, 3);
    EXPECT_EQ(rq.user.async_ops->second, 0);
    // As the SCP of a storage class (C-GET's sub-operations) it proposes a role selection item.
    ASSERT_EQ(rq.user.roles.size(), 1u);
    EXPECT_EQ(rq.user.roles[0], (RoleSelection{kCtImage, false, true}));
    ASSERT_EQ(rq.user.extended.size(), 1u);
    EXPECT_EQ(rq.user.extended[0].info, std::vector<uint8_t>{1});
}

TEST(MakeRequest, AtMost128Contexts) {
    // PS3.8 9.3.2.2: presentation context IDs are odd, 1 to 255: at most 128 contexts. Asking for
    // more may fail (an error) or be cut to 128, but never yields an invalid or repeated ID.
    AeConfig c;
    size_t n = 0;
    const char *const *table = storage_sop_class_table(n);
    ASSERT_GT(n, 128u);
    for (size_t i = 0; i < n; ++i) c.add(table[i], {kExplicitLE}, false, true);
    AAssociateRq rq;
    try {
        rq = make_request(c, "PEER");
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument) << e.what();
        return;
    }
    EXPECT_LE(rq.contexts.size(), 128u);
    std::set<int> ids;
    for (const auto &pc : rq.contexts) {
        EXPECT_EQ(pc.id % 2, 1);
        EXPECT_TRUE(ids.insert(pc.id).second) << int(pc.id);
    }
    PduError err;
    const auto bytes = encode_pdu(rq);
    EXPECT_TRUE(decode_pdu(bytes.data(), bytes.size(), err)) << err.message;
}

// =================================================================================================
// AeConfig
// =================================================================================================

TEST(AeConfigTest, AddDefaultsAndMerging) {
    // The uncompressed syntaxes in the documented preference order.
    EXPECT_EQ(uncompressed_transfer_syntaxes(),
              kHaveDeflate ? (std::vector<std::string>{kExplicitLE, kImplicit, kDeflated, kExplicitBE})
                           : (std::vector<std::string>{kExplicitLE, kImplicit, kExplicitBE}));
    AeConfig c;
    SopClassSupport &ct = c.add(kCtImage);
    EXPECT_EQ(ct.transfer_syntaxes, uncompressed_transfer_syntaxes());
    EXPECT_TRUE(ct.scp);
    EXPECT_FALSE(ct.scu);
    // Adding again extends without duplicates and ORs the roles.
    c.add(kCtImage, {kImplicit, kRle}, /*scp=*/false, /*scu=*/true);
    ASSERT_EQ(c.sop_classes.size(), 1u);
    const SopClassSupport *f = c.find(kCtImage);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->transfer_syntaxes, kHaveDeflate
                                        ? (std::vector<std::string>{kExplicitLE, kImplicit, kDeflated, kExplicitBE, kRle})
                                        : (std::vector<std::string>{kExplicitLE, kImplicit, kExplicitBE, kRle}));
    EXPECT_TRUE(f->scp);
    EXPECT_TRUE(f->scu);
    EXPECT_EQ(c.find(kMrImage), nullptr);
}

TEST(AeConfigTest, VerificationAndStorage) {
    AeConfig c;
    c.add_verification();
    const SopClassSupport *v = c.find(kVerification);
    ASSERT_NE(v, nullptr);
    EXPECT_TRUE(v->scp);
    EXPECT_TRUE(v->scu);
    EXPECT_NE(std::find(v->transfer_syntaxes.begin(), v->transfer_syntaxes.end(), kImplicit), v->transfer_syntaxes.end())
        << "PS3.5 10.1: implicit VR little endian is the default every AE supports";

    c.add_all_storage();
    for (const char *uid : {kCtImage, kMrImage, kSecondaryCapture}) {
        const SopClassSupport *s = c.find(uid);
        ASSERT_NE(s, nullptr) << uid;
        EXPECT_TRUE(s->scp);
        // An SCP that stores what it gets accepts encapsulated syntaxes as they are.
        for (const char *ts : {kExplicitLE, kImplicit, kRle, kJpegBaseline})
            EXPECT_NE(std::find(s->transfer_syntaxes.begin(), s->transfer_syntaxes.end(), ts), s->transfer_syntaxes.end())
                << uid << " " << ts;
        EXPECT_EQ(s->transfer_syntaxes.front(), kExplicitLE);
    }
    const auto all = storage_sop_classes();
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size()) << "no duplicates";
    for (const auto &uid : all)  // PS3.4 B.5 (plus Media Storage Directory Storage, PS3.10)
        EXPECT_TRUE(uid.rfind("1.2.840.10008.5.1.4.", 0) == 0 || uid == "1.2.840.10008.1.3.10") << uid;
    EXPECT_EQ(std::find(all.begin(), all.end(), kVerification), all.end());

    AeConfig only_ts;
    only_ts.add_all_storage({kExplicitLE});
    EXPECT_EQ(only_ts.find(kCtImage)->transfer_syntaxes, std::vector<std::string>{kExplicitLE});
}

TEST(AeConfigTest, LoggingIsFilteredAndRouted) {
    AeConfig c;
    std::vector<std::pair<LogLevel, std::string>> got;
    std::mutex m;
    c.log = [&](LogLevel l, const std::string &s) {
        std::lock_guard<std::mutex> lock(m);
        got.emplace_back(l, s);
    };
    c.log_level = LogLevel::info;
    c.emit(LogLevel::error, "e");
    c.emit(LogLevel::info, "i");
    c.emit(LogLevel::debug, "d");
    c.emit(LogLevel::trace, "t");
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].second, "e");
    EXPECT_EQ(got[1].second, "i");
    EXPECT_TRUE(c.logs(LogLevel::warning));
    EXPECT_FALSE(c.logs(LogLevel::debug));
    EXPECT_STREQ(log_level_name(LogLevel::error), "E");
    EXPECT_STREQ(log_level_name(LogLevel::trace), "T");
}

TEST(AeConfigTest, Defaults) {
    const AeConfig c;
    EXPECT_EQ(c.ae_title, "DCMKIT");
    EXPECT_LE(c.ae_title.size(), 16u);  // PS3.8 9.3.2: 16 characters
    EXPECT_TRUE(c.sop_classes.empty());
    EXPECT_TRUE(c.check_called_ae);
    EXPECT_EQ(c.max_ops_invoked, 1);
    EXPECT_EQ(c.max_ops_performed, 1);
    EXPECT_GT(c.timeouts.artim_ms, 0);
    EXPECT_GT(c.timeouts.dimse_ms, 0);
    // A max PDU DCMTK peers accept to send to (its own range is 4096..131072, but it sends less
    // than any larger maximum, so anything >= 4096 works).
    EXPECT_GE(c.max_pdu_length, 4096u);
    EXPECT_EQ(c.impl_class_uid(), kImplementationClassUID);
    EXPECT_EQ(c.impl_version_name(), kImplementationVersionName);
}

}  // namespace
