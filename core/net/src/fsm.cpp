#include "dcmkit/net/fsm.h"

namespace dcmkit::net {

namespace {

using A = Action;
using S = State;

// PS3.8 Table 9-10, one row per event, one column per state (Sta1 … Sta13). {None} = not valid.
struct Cell {
    A a;
    S s;
};
constexpr Cell X{A::None, S::Sta1};

constexpr Cell kTable[19][13] = {
    // Evt1 A-ASSOCIATE request
    {{A::AE1, S::Sta4}, X, X, X, X, X, X, X, X, X, X, X, X},
    // Evt2 transport connect confirmation
    {X, X, X, {A::AE2, S::Sta5}, X, X, X, X, X, X, X, X, X},
    // Evt3 A-ASSOCIATE-AC PDU
    {X, {A::AA1, S::Sta13}, {A::AA8, S::Sta13}, X, {A::AE3, S::Sta6}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA6, S::Sta13}},
    // Evt4 A-ASSOCIATE-RJ PDU
    {X, {A::AA1, S::Sta13}, {A::AA8, S::Sta13}, X, {A::AE4, S::Sta1}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA6, S::Sta13}},
    // Evt5 transport connection indication
    {{A::AE5, S::Sta2}, X, X, X, X, X, X, X, X, X, X, X, X},
    // Evt6 A-ASSOCIATE-RQ PDU
    {X, {A::AE6, S::Sta3}, {A::AA8, S::Sta13}, X, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA7, S::Sta13}},
    // Evt7 A-ASSOCIATE response (accept)
    {X, X, {A::AE7, S::Sta6}, X, X, X, X, X, X, X, X, X, X},
    // Evt8 A-ASSOCIATE response (reject)
    {X, X, {A::AE8, S::Sta13}, X, X, X, X, X, X, X, X, X, X},
    // Evt9 P-DATA request
    {X, X, X, X, X, {A::DT1, S::Sta6}, X, {A::AR7, S::Sta8}, X, X, X, X, X},
    // Evt10 P-DATA-TF PDU
    {X, {A::AA1, S::Sta13}, {A::AA8, S::Sta13}, X, {A::AA8, S::Sta13}, {A::DT2, S::Sta6}, {A::AR6, S::Sta7},
     {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA6, S::Sta13}},
    // Evt11 A-RELEASE request
    {X, X, X, X, X, {A::AR1, S::Sta7}, X, X, X, X, X, X, X},
    // Evt12 A-RELEASE-RQ PDU
    {X, {A::AA1, S::Sta13}, {A::AA8, S::Sta13}, X, {A::AA8, S::Sta13}, {A::AR2, S::Sta8}, {A::AR8, S::Sta9},
     {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA6, S::Sta13}},
    // Evt13 A-RELEASE-RP PDU
    {X, {A::AA1, S::Sta13}, {A::AA8, S::Sta13}, X, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AR3, S::Sta1},
     {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AR10, S::Sta12}, {A::AR3, S::Sta1}, {A::AA8, S::Sta13},
     {A::AA6, S::Sta13}},
    // Evt14 A-RELEASE response
    {X, X, X, X, X, X, X, {A::AR4, S::Sta13}, {A::AR9, S::Sta11}, X, X, {A::AR4, S::Sta13}, X},
    // Evt15 A-ABORT request
    {X, X, {A::AA1, S::Sta13}, {A::AA2, S::Sta1}, {A::AA1, S::Sta13}, {A::AA1, S::Sta13}, {A::AA1, S::Sta13},
     {A::AA1, S::Sta13}, {A::AA1, S::Sta13}, {A::AA1, S::Sta13}, {A::AA1, S::Sta13}, {A::AA1, S::Sta13}, X},
    // Evt16 A-ABORT PDU
    {X, {A::AA2, S::Sta1}, {A::AA3, S::Sta1}, X, {A::AA3, S::Sta1}, {A::AA3, S::Sta1}, {A::AA3, S::Sta1},
     {A::AA3, S::Sta1}, {A::AA3, S::Sta1}, {A::AA3, S::Sta1}, {A::AA3, S::Sta1}, {A::AA3, S::Sta1},
     {A::AA2, S::Sta1}},
    // Evt17 transport connection closed
    {X, {A::AA5, S::Sta1}, {A::AA4, S::Sta1}, {A::AA4, S::Sta1}, {A::AA4, S::Sta1}, {A::AA4, S::Sta1},
     {A::AA4, S::Sta1}, {A::AA4, S::Sta1}, {A::AA4, S::Sta1}, {A::AA4, S::Sta1}, {A::AA4, S::Sta1},
     {A::AA4, S::Sta1}, {A::AR5, S::Sta1}},
    // Evt18 ARTIM timer expired
    {X, {A::AA2, S::Sta1}, X, X, X, X, X, X, X, X, X, X, {A::AA2, S::Sta1}},
    // Evt19 unrecognized or invalid PDU
    {X, {A::AA1, S::Sta13}, {A::AA8, S::Sta13}, X, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13}, {A::AA8, S::Sta13},
     {A::AA7, S::Sta13}},
};

}  // namespace

Transition transition(State state, Event event) noexcept {
    const unsigned s = unsigned(state), e = unsigned(event);
    if (s < 1 || s > 13 || e < 1 || e > 19) return {};
    const Cell &c = kTable[e - 1][s - 1];
    return {c.a, c.s};
}

const char *state_name(State s) noexcept {
    static const char *const k[] = {"?", "Sta1", "Sta2", "Sta3", "Sta4", "Sta5", "Sta6", "Sta7",
                                    "Sta8", "Sta9", "Sta10", "Sta11", "Sta12", "Sta13"};
    unsigned i = unsigned(s);
    return i <= 13 ? k[i] : "?";
}

const char *event_name(Event e) noexcept {
    static const char *const k[] = {"?", "Evt1", "Evt2", "Evt3", "Evt4", "Evt5", "Evt6", "Evt7",
                                    "Evt8", "Evt9", "Evt10", "Evt11", "Evt12", "Evt13", "Evt14",
                                    "Evt15", "Evt16", "Evt17", "Evt18", "Evt19"};
    unsigned i = unsigned(e);
    return i <= 19 ? k[i] : "?";
}

const char *action_name(Action a) noexcept {
    static const char *const k[] = {"none", "AE-1", "AE-2", "AE-3", "AE-4", "AE-5", "AE-6", "AE-7", "AE-8",
                                    "DT-1", "DT-2", "AR-1", "AR-2", "AR-3", "AR-4", "AR-5", "AR-6", "AR-7",
                                    "AR-8", "AR-9", "AR-10", "AA-1", "AA-2", "AA-3", "AA-4", "AA-5", "AA-6",
                                    "AA-7", "AA-8"};
    unsigned i = unsigned(a);
    return i < sizeof k / sizeof k[0] ? k[i] : "?";
}

}  // namespace dcmkit::net
