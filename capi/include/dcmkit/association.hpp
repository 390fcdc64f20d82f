// dcmkit C++ wrapper, network: associations this AE requests (dk::Association) — C-ECHO, C-STORE,
// C-FIND, C-MOVE, C-GET, DIMSE-N, Storage Commitment — and what they return.
#ifndef DCMKIT_ASSOCIATION_HPP
#define DCMKIT_ASSOCIATION_HPP

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/ae.hpp"
#include "dcmkit/commit.hpp"
#include "dcmkit/common.hpp"
#include "dcmkit/dataset.hpp"
#include "dcmkit/dk_net.h"

namespace dk {

/// A negotiated presentation context.
struct PresentationContext {
    uint8_t id = 0;
    std::string abstract_syntax;  ///< SOP class UID
    std::string transfer_syntax;  ///< accepted syntax, "" when not accepted
    int result = 0;               ///< 0 acceptance, 1 user rejection, 2 no reason, 3/4 not supported
    bool accepted() const noexcept { return result == 0; }
};

/// The final status and counts of a C-MOVE or C-GET, or a pending response's counts.
struct RetrieveResult {
    uint16_t status = 0xFFFF;
    uint16_t completed = 0, failed = 0, warning = 0;
    int32_t remaining = -1;  ///< -1 when the response does not say
    bool cancelled = false;
    uint32_t stored = 0;     ///< C-GET: instances received into the folder

    static RetrieveResult from_c(const dk_retrieve_result &r) {
        RetrieveResult o;
        o.status = r.status;
        o.completed = r.completed;
        o.failed = r.failed;
        o.warning = r.warning;
        o.remaining = r.remaining;
        o.cancelled = r.cancelled != 0;
        o.stored = r.stored;
        return o;
    }
};

/// What an N-CREATE, N-SET or N-ACTION came back with.
struct NResult {
    uint16_t status = 0xFFFF;
    uint16_t action_type = 0;
    std::string sop_instance_uid, error_comment;
    std::optional<Dataset> dataset;  ///< the response's dataset, if any
};

/// What Association::find_all collected: the final C-FIND status (0x0000 Success, 0xFE00 after a
/// cancel, a failure such as 0xA900 or 0xC000) and the matches received before it.
struct FindResult {
    uint16_t status = 0xFFFF;
    std::vector<Dataset> matches;
};

/// An association requested by this AE (dk_assoc). Move-only; use it from one thread at a time.
/// A failed call (NetworkError other than "refused") ends it; the destructor aborts it when it is
/// still established.
class Association {
public:
    Association() = default;
    Association(Association &&o) noexcept
        : h_(std::exchange(o.h_, nullptr)), established_(std::exchange(o.established_, false)) {}
    Association &operator=(Association &&o) noexcept {
        if (this != &o) {
            dk_assoc_free(h_);
            h_ = std::exchange(o.h_, nullptr);
            established_ = std::exchange(o.established_, false);
        }
        return *this;
    }
    Association(const Association &) = delete;
    Association &operator=(const Association &) = delete;
    ~Association() { dk_assoc_free(h_); }

    /// Connects to host:port and requests an association with `called_ae`, proposing the AE's SOP
    /// classes. NetworkError (kind "network", "timeout", "rejected", "aborted"…) on failure.
    static Association connect(const AE &ae, const std::string &host, uint16_t port, const std::string &called_ae) {
        Association a;
        check(dk_assoc_connect(&a.h_, ae.handle(), host.c_str(), port, called_ae.c_str()));
        a.established_ = true;
        return a;
    }

    dk_assoc *handle() const noexcept { return h_; }
    bool established() const noexcept { return h_ != nullptr && established_; }

    /// C-ECHO; the peer's DIMSE status (0x0000 Success).
    uint16_t echo() {
        uint16_t status = 0xFFFF;
        track(dk_assoc_echo(&status, h_));
        return status;
    }
    /// C-STORE of a Part 10 file; the peer's status (0x0000 Success, 0xBxxx warning, else failure).
    uint16_t store_file(const std::string &path) {
        uint16_t status = 0xFFFF;
        track(dk_assoc_store_file(&status, h_, path.c_str()));
        return status;
    }
    /// C-STORE of a top-level dataset in memory.
    uint16_t store_dataset(const Dataset &ds) {
        uint16_t status = 0xFFFF;
        track(dk_assoc_store_dataset(&status, h_, ds.handle()));
        return status;
    }
    /// Called with each C-FIND match (valid during the call only: clone() or dk_dataset_clone() what
    /// you keep); return
    /// false to cancel (C-CANCEL-RQ).
    using MatchFn = std::function<bool(const Dataset &match)>;
    /// Called with each C-MOVE/C-GET pending response; return false to cancel.
    using ProgressFn = std::function<bool(const RetrieveResult &)>;

    /// C-FIND with `identifier` (Query/Retrieve Level and keys); `sop_class` "" = Study Root. Returns
    /// the final status (0x0000, 0xFE00 after a cancel…). An exception thrown by `on_match` cancels
    /// the query and is rethrown once it is over.
    uint16_t find(const Dataset &identifier, const MatchFn &on_match, const std::string &sop_class = "",
                  size_t *matches = nullptr) {
        Match ctx{&on_match, nullptr};
        uint16_t status = 0xFFFF;
        const dk_result r = dk_assoc_find(
            &status, matches, h_,
            sop_class.empty() ? nullptr : sop_class.c_str(), identifier.handle(), on_match ? &Association::match_cb : nullptr, &ctx);
        if (ctx.error) std::rethrow_exception(ctx.error);
        track(r);
        return status;
    }
    /// C-FIND read one match at a time (dk_assoc_find_start): the request is sent now, each
    /// FindQuery::next() waits for the next match. Until the query is over (read to its end,
    /// cancel()led or destroyed, which cancels), this association carries no other request. The
    /// Association must outlive the query and stay where it is (not moved) meanwhile.
    class FindQuery find_start(const Dataset &identifier, const std::string &sop_class = "");
    /// C-FIND collecting every match (each a copy the caller owns) with the final status; at most
    /// `max_matches` (0 = no limit), the query being cancelled past it (status 0xFE00 then).
    FindResult find_all(const Dataset &identifier, const std::string &sop_class = "", size_t max_matches = 0) {
        FindResult out;
        out.status = find(
            identifier,
            [&](const Dataset &match) {
                out.matches.push_back(match.clone());
                return max_matches == 0 || out.matches.size() < max_matches;
            },
            sop_class);
        return out;
    }
    /// C-MOVE of what `identifier` selects to `destination_ae`; `sop_class` "" = Study Root.
    RetrieveResult move(const std::string &destination_ae, const Dataset &identifier, const ProgressFn &progress = {},
                        const std::string &sop_class = "") {
        Progress ctx{&progress, nullptr};
        dk_retrieve_result res = DK_RETRIEVE_RESULT_INIT;
        const dk_result r = dk_assoc_move(&res, h_, sop_class.empty() ? nullptr : sop_class.c_str(),
                                          destination_ae.c_str(), identifier.handle(), progress ? &Association::progress_cb : nullptr,
                                          &ctx);
        if (ctx.error) std::rethrow_exception(ctx.error);
        track(r);
        return RetrieveResult::from_c(res);
    }
    /// C-GET of what `identifier` selects into `folder` (<SOP Instance UID>.dcm files); the AE
    /// needs add_get_storage(). `sop_class` "" = Study Root.
    RetrieveResult get(const Dataset &identifier, const std::string &folder, const ProgressFn &progress = {},
                       const std::string &sop_class = "") {
        Progress ctx{&progress, nullptr};
        dk_retrieve_result res = DK_RETRIEVE_RESULT_INIT;
        const dk_result r = dk_assoc_get(&res, h_, sop_class.empty() ? nullptr : sop_class.c_str(),
                                         identifier.handle(), folder.c_str(), progress ? &Association::progress_cb : nullptr, &ctx);
        if (ctx.error) std::rethrow_exception(ctx.error);
        track(r);
        return RetrieveResult::from_c(res);
    }
    /// N-CREATE (`instance_uid` "" = the performer chooses); `attributes` may be null.
    NResult n_create(const std::string &sop_class, const std::string &instance_uid, const Dataset *attributes) {
        dk_n_result res;
        check(dk_n_result_init(&res, DK_N_RESULT_VERSION));
        track(dk_assoc_n_create(&res, h_, sop_class.c_str(), instance_uid.c_str(),
                                attributes ? attributes->handle() : nullptr));
        return n_result(res);
    }
    /// N-SET of `instance_uid` with `modifications`.
    NResult n_set(const std::string &sop_class, const std::string &instance_uid, const Dataset &modifications) {
        dk_n_result res;
        check(dk_n_result_init(&res, DK_N_RESULT_VERSION));
        track(dk_assoc_n_set(&res, h_, sop_class.c_str(), instance_uid.c_str(), modifications.handle()));
        return n_result(res);
    }
    /// N-ACTION `action_type` on `instance_uid`; `information` may be null.
    NResult n_action(const std::string &sop_class, const std::string &instance_uid, uint16_t action_type,
                     const Dataset *information) {
        dk_n_result res;
        check(dk_n_result_init(&res, DK_N_RESULT_VERSION));
        track(dk_assoc_n_action(&res, h_, sop_class.c_str(), instance_uid.c_str(),
                                action_type, information ? information->handle() : nullptr));
        return n_result(res);
    }

    /// Storage Commitment (dk_assoc_commit): N-ACTION for the (SOP class, SOP instance) pairs, then
    /// up to `report_wait_ms` for the report on this association (0: do not wait, release next; it
    /// will come on a CommitListener). The AE needs add_sop_class(DK_UID_StorageCommitmentPushModel, {}, DK_ROLE_SCU).
    /// A report that does not come in time is no error (report_received false).
    CommitResult commit(const std::vector<std::pair<std::string, std::string>> &instances,
                        int32_t report_wait_ms = 30000) {
        std::vector<const char *> classes, uids;
        classes.reserve(instances.size());
        uids.reserve(instances.size());
        for (const auto &i : instances) {
            classes.push_back(i.first.c_str());
            uids.push_back(i.second.c_str());
        }
        dk_commit_result *r = nullptr;
        track(dk_assoc_commit(&r, h_, classes.empty() ? nullptr : classes.data(),
                              uids.empty() ? nullptr : uids.data(), instances.size(), report_wait_ms));
        return CommitResult::from_c(r);
    }

    /// The negotiated presentation contexts, accepted or not.
    /// The acceptor's user identity response (a positive response asked for with
    /// AE::set_user_identity); "" when none.
    std::string user_identity_response() const {
        const void *p = nullptr;
        size_t n = 0;
        check(dk_assoc_user_identity_response(&p, &n, h_));
        return n ? std::string(static_cast<const char *>(p), n) : std::string();
    }
    std::vector<PresentationContext> contexts() const {
        size_t n = 0;
        check(dk_assoc_context_count(&n, h_));
        std::vector<PresentationContext> out;
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            PresentationContext c;
            const char *as = nullptr, *ts = nullptr;
            check(dk_assoc_context(&c.id, &as, &ts, &c.result, h_, i));
            c.abstract_syntax = as ? as : "";
            c.transfer_syntax = ts ? ts : "";
            out.push_back(std::move(c));
        }
        return out;
    }
    /// A-RELEASE. InvalidArgumentError when no longer established.
    void release() {
        const dk_result r = dk_assoc_release(h_);
        established_ = false;
        check(r);
    }
    /// A-ABORT. Idempotent.
    void abort() {
        established_ = false;
        if (h_) check(dk_assoc_abort(h_));
    }

private:
    friend class FindQuery;
    void track(dk_result r) {
        if (r == DK_ENETWORK || r == DK_ETIMEOUT || r == DK_EABORTED || r == DK_EPROTOCOL) established_ = false;
        check(r);
    }

    struct Match {
        const MatchFn *fn;
        std::exception_ptr error;
    };
    struct Progress {
        const ProgressFn *fn;
        std::exception_ptr error;
    };
    static int match_cb(const dk_dataset *match, void *user_data) noexcept {
        auto *ctx = static_cast<Match *>(user_data);
        // A borrowed view of the C handle for the duration of the call.
        Dataset view(const_cast<dk_dataset *>(match));
        try {
            const bool go_on = (*ctx->fn)(view);
            view.release();
            return go_on ? 1 : 0;
        } catch (...) {
            view.release();
            ctx->error = std::current_exception();
            return 0;
        }
    }
    static int progress_cb(const dk_retrieve_result *p, void *user_data) noexcept {
        auto *ctx = static_cast<Progress *>(user_data);
        try {
            return (*ctx->fn)(RetrieveResult::from_c(*p)) ? 1 : 0;
        } catch (...) {
            ctx->error = std::current_exception();
            return 0;
        }
    }
    static NResult n_result(dk_n_result &r) {
        NResult o;
        o.status = r.status;
        o.action_type = r.action_type;
        o.sop_instance_uid = r.sop_instance_uid;
        o.error_comment = r.error_comment;
        if (r.dataset) o.dataset.emplace(r.dataset);
        return o;
    }

    dk_assoc *h_ = nullptr;
    bool established_ = false;
};

/// A C-FIND read one match at a time (dk_find_query), made by Association::find_start. Move-only;
/// the destructor cancels a query that is not over (C-CANCEL-RQ, the rest drained).
class FindQuery {
public:
    FindQuery() = default;
    FindQuery(Association *assoc, dk_find_query *h) noexcept : assoc_(assoc), h_(h) {}
    FindQuery(FindQuery &&o) noexcept : assoc_(std::exchange(o.assoc_, nullptr)), h_(std::exchange(o.h_, nullptr)) {}
    FindQuery &operator=(FindQuery &&o) noexcept {
        if (this != &o) {
            dk_find_query_free(h_);
            assoc_ = std::exchange(o.assoc_, nullptr);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    FindQuery(const FindQuery &) = delete;
    FindQuery &operator=(const FindQuery &) = delete;
    ~FindQuery() { dk_find_query_free(h_); }

    /// The next match (a dataset of the caller's own), or std::nullopt once the final response
    /// came (status() has it). NetworkError when the association fails (the query is then over).
    std::optional<Dataset> next() {
        dk_dataset *m = nullptr;
        step(dk_find_query_next(&m, h_));
        if (!m) return std::nullopt;
        return Dataset(m);
    }
    /// Ends the query early: C-CANCEL-RQ, the responses on their way drained. No-op once over.
    void cancel() { step(dk_find_query_cancel(h_)); }
    /// Frees the query now (cancelled first when not over), leaving the association free.
    void close() noexcept {
        dk_find_query_free(h_);
        h_ = nullptr;
    }
    /// Whether the final response came (or the association failed, or close()d).
    bool done() const {
        int d = 1;
        if (h_) check(dk_find_query_status(&d, nullptr, nullptr, nullptr, h_));
        return d != 0;
    }
    /// The final status (0x0000, 0xFE00 after a cancel, a failure), 0xFFFF before it came.
    uint16_t status() const {
        uint16_t s = 0xFFFF;
        if (h_) check(dk_find_query_status(nullptr, &s, nullptr, nullptr, h_));
        return s;
    }
    /// The pending responses received so far, those drained after a cancel included.
    size_t matches() const {
        size_t n = 0;
        if (h_) check(dk_find_query_status(nullptr, nullptr, &n, nullptr, h_));
        return n;
    }
    /// Whether a C-CANCEL-RQ was sent.
    bool cancelled() const {
        int c = 0;
        if (h_) check(dk_find_query_status(nullptr, nullptr, nullptr, &c, h_));
        return c != 0;
    }
    dk_find_query *handle() const noexcept { return h_; }

private:
    void step(dk_result r) {
        if (assoc_) assoc_->track(r);
        else check(r);
    }
    Association *assoc_ = nullptr;
    dk_find_query *h_ = nullptr;
};

inline FindQuery Association::find_start(const Dataset &identifier, const std::string &sop_class) {
    dk_find_query *q = nullptr;
    track(dk_assoc_find_start(&q, h_, sop_class.empty() ? nullptr : sop_class.c_str(), identifier.handle()));
    return FindQuery(this, q);
}

}  // namespace dk

#endif  // DCMKIT_ASSOCIATION_HPP
