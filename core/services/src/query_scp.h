// dcmkit — the Query/Retrieve SCP machinery that serve_association() dispatches to (internal).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

#include "dcmkit/net/association.h"

namespace dcmkit::net {

struct ServiceHandlers;

/// Runs the C-FIND, C-MOVE and C-GET requests of one association. A C-FIND or C-MOVE runs on a
/// worker thread while the association's thread goes on reading commands, so that a C-CANCEL-RQ
/// is seen at once (PS3.4 C.4.1.3.1.1, C.4.2.3.1); a C-GET runs on the association's thread, whose
/// waits for the C-STORE sub-operations' responses see the C-CANCEL-RQ (C.4.3.3.1). Requests are
/// performed one at a time (no asynchronous window for these services).
class QueryScp {
public:
    QueryScp(Association &assoc, const ServiceHandlers &handlers) : assoc_(assoc), h_(handlers) {}
    /// Cancels what still runs and waits for it.
    ~QueryScp();
    QueryScp(const QueryScp &) = delete;
    QueryScp &operator=(const QueryScp &) = delete;

    /// A C-FIND-RQ, C-MOVE-RQ or C-GET-RQ whose identifier has not been received yet.
    void request(const Command &cmd);
    /// A C-CANCEL-RQ (PS3.7 9.3.2.3): flags the operation it names, if it still runs.
    void cancel(const Command &cmd);
    /// An operation runs: the association is not idle, whatever the peer sends meanwhile.
    bool busy() const noexcept { return active_id_.load() >= 0; }

private:
    void wait_idle();

    Association &assoc_;
    const ServiceHandlers &h_;
    std::thread worker_;
    std::atomic<bool> cancelled_{false};
    std::atomic<int> active_id_{-1};  ///< Message ID of the running operation, -1 when none
};

}  // namespace dcmkit::net
