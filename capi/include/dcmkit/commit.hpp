// dcmkit C++ wrapper, network: Storage Commitment (PS3.4 Annex J) — the result of
// Association::commit and the listener for reports sent on associations the performer opens.
#ifndef DCMKIT_COMMIT_HPP
#define DCMKIT_COMMIT_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/ae.hpp"
#include "dcmkit/common.hpp"
#include "dcmkit/dk_net.h"

namespace dk {

/// One instance of a Storage Commitment report and, in the failed list, why (PS3.4 J.3.2.1.1.1:
/// 0x0110 Processing failure, 0x0112 No such object instance, 0x0119 Class-instance conflict…).
struct CommitItem {
    std::string sop_class_uid, sop_instance_uid;
    uint16_t failure_reason = 0;
};

/// The outcome of Association::commit (dk_commit_result): the N-ACTION's status, the Transaction
/// UID and, once the N-EVENT-REPORT came (on the association, or through CommitListener::wait),
/// its event type (1 all committed, 2 some failed) and lists. Copies share the C handle.
struct CommitResult {
    uint16_t action_status = 0xFFFF;
    std::string transaction_uid;
    bool report_received = false;
    uint16_t event_type = 0;
    std::vector<CommitItem> committed, failed;
    std::shared_ptr<dk_commit_result> handle;  ///< the C result, which CommitListener::wait fills

    /// Takes ownership of `r` and reads it.
    static CommitResult from_c(dk_commit_result *r) {
        CommitResult o;
        o.handle.reset(r, &dk_commit_result_free);
        o.refresh();
        return o;
    }
    /// Reads the fields again from the C result (after a listener filled it).
    void refresh() {
        if (!handle) return;
        const dk_commit_result *r = handle.get();
        check(dk_commit_result_action_status(&action_status, r));
        const char *uid = nullptr;
        check(dk_commit_result_transaction_uid(&uid, r));
        transaction_uid = uid ? uid : "";
        int received = 0;
        check(dk_commit_result_report_received(&received, r));
        report_received = received != 0;
        check(dk_commit_result_event_type(&event_type, r));
        committed = items(r, DK_COMMIT_COMMITTED);
        failed = items(r, DK_COMMIT_FAILED);
    }

private:
    static std::vector<CommitItem> items(const dk_commit_result *r, dk_commit_list list) {
        size_t n = 0;
        check(dk_commit_result_count(&n, r, list));
        std::vector<CommitItem> out(n);
        for (size_t i = 0; i < n; ++i) {
            const char *cls = nullptr, *inst = nullptr;
            check(dk_commit_result_item(&cls, &inst, &out[i].failure_reason, r, list, i));
            out[i].sop_class_uid = cls ? cls : "";
            out[i].sop_instance_uid = inst ? inst : "";
        }
        return out;
    }
};

/// The requestor's end of Storage Commitment reports sent on associations the performer opens
/// (dk_commit_listener): a server with the AE's title accepting only the Storage Commitment Push
/// Model in the SCU role. Start it before the request. Move-only; the destructor stops it.
class CommitListener {
public:
    /// Listens on `address` ("" = every address) and `port` (0 = a free one, see port()).
    explicit CommitListener(const AE &ae, const std::string &address = "", uint16_t port = 0) {
        check(dk_commit_listener_start(&h_, ae.handle(), address.empty() ? nullptr : address.c_str(), port));
    }
    CommitListener(CommitListener &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    CommitListener &operator=(CommitListener &&o) noexcept {
        if (this != &o) {
            dk_commit_listener_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    CommitListener(const CommitListener &) = delete;
    CommitListener &operator=(const CommitListener &) = delete;
    ~CommitListener() { dk_commit_listener_free(h_); }

    dk_commit_listener *handle() const noexcept { return h_; }
    uint16_t port() const {
        uint16_t p = 0;
        check(dk_commit_listener_port(&p, h_));
        return p;
    }
    /// Waits up to `timeout_ms` for the report of `r`'s transaction and fills `r` with it; false
    /// when it did not come in time (true at once when `r` already has its report).
    bool wait(CommitResult &r, int32_t timeout_ms) {
        if (!r.handle) throw InvalidArgumentError(DK_EINVAL, "the CommitResult has no C result (not from Association::commit)");
        int received = 0;
        check(dk_commit_listener_wait(&received, h_, r.handle.get(), timeout_ms));
        r.refresh();
        return received != 0;
    }

private:
    dk_commit_listener *h_ = nullptr;
};

}  // namespace dk

#endif  // DCMKIT_COMMIT_HPP
