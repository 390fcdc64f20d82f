// dcmkit — the DICOM upper layer state machine (PS3.8 9.2), as data.
#pragma once

#include <cstdint>

namespace dcmkit::net {

/// PS3.8 Tables 9-1 to 9-5.
enum class State : uint8_t {
    Sta1 = 1,  ///< idle
    Sta2,      ///< transport connection open, awaiting A-ASSOCIATE-RQ
    Sta3,      ///< awaiting local A-ASSOCIATE response
    Sta4,      ///< awaiting transport connection opening
    Sta5,      ///< awaiting A-ASSOCIATE-AC or -RJ
    Sta6,      ///< association established, data transfer
    Sta7,      ///< awaiting A-RELEASE-RP
    Sta8,      ///< awaiting local A-RELEASE response
    Sta9,      ///< release collision requestor side, awaiting local A-RELEASE response
    Sta10,     ///< release collision acceptor side, awaiting A-RELEASE-RP
    Sta11,     ///< release collision requestor side, awaiting A-RELEASE-RP
    Sta12,     ///< release collision acceptor side, awaiting local A-RELEASE response
    Sta13,     ///< awaiting transport connection close
};

/// PS3.8 Table 9-10 events.
enum class Event : uint8_t {
    Evt1 = 1,  ///< A-ASSOCIATE request (local user)
    Evt2,      ///< transport connect confirmation
    Evt3,      ///< A-ASSOCIATE-AC PDU received
    Evt4,      ///< A-ASSOCIATE-RJ PDU received
    Evt5,      ///< transport connection indication
    Evt6,      ///< A-ASSOCIATE-RQ PDU received
    Evt7,      ///< A-ASSOCIATE response (accept)
    Evt8,      ///< A-ASSOCIATE response (reject)
    Evt9,      ///< P-DATA request
    Evt10,     ///< P-DATA-TF PDU received
    Evt11,     ///< A-RELEASE request
    Evt12,     ///< A-RELEASE-RQ PDU received
    Evt13,     ///< A-RELEASE-RP PDU received
    Evt14,     ///< A-RELEASE response
    Evt15,     ///< A-ABORT request
    Evt16,     ///< A-ABORT PDU received
    Evt17,     ///< transport connection closed
    Evt18,     ///< ARTIM timer expired
    Evt19,     ///< unrecognized or invalid PDU received
};

/// PS3.8 Tables 9-6 to 9-9 actions.
enum class Action : uint8_t {
    None = 0,  ///< the event is not valid in this state (a local programming error)
    AE1, AE2, AE3, AE4, AE5, AE6, AE7, AE8,
    DT1, DT2,
    AR1, AR2, AR3, AR4, AR5, AR6, AR7, AR8, AR9, AR10,
    AA1, AA2, AA3, AA4, AA5, AA6, AA7, AA8,
};

struct Transition {
    Action action = Action::None;
    /// The next state; for AE-6 and AR-8 it depends on a condition, given as the first choice
    /// (AE-6: Sta3 when acceptable, else Sta13; AR-8: Sta9 for the requestor, else Sta10).
    State next = State::Sta1;
};

/// PS3.8 Table 9-10.
Transition transition(State state, Event event) noexcept;

const char *state_name(State s) noexcept;
const char *event_name(Event e) noexcept;
const char *action_name(Action a) noexcept;

}  // namespace dcmkit::net
