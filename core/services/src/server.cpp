// dcmkit — net::Server: the listener thread that reads association requests, and the workers.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "dcmkit/error.h"
#include "dcmkit/services/services.h"

namespace dcmkit::net {

namespace {

using Clock = std::chrono::steady_clock;

/// PS3.8 Table 9-21: rejected-transient, DICOM UL service-provider (presentation related
/// function), local-limit-exceeded.
constexpr uint8_t kTransient = 2, kPresentation = 3, kLocalLimitExceeded = 2;
/// Before association only an A-ASSOCIATE-RQ is expected; any other PDU is small (A-ABORT,
/// A-RELEASE-*: 10 bytes). A larger one is refused from its header.
constexpr uint32_t kMaxOtherFirstPdu = 65536;

uint32_t be32(const uint8_t *p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

}  // namespace

Server::Server(AeConfig config, ServiceHandlers handlers) : config_(std::move(config)), handlers_(std::move(handlers)) {}

Server::~Server() { stop(); }

void Server::start(const std::string &address, uint16_t port) {
    // TLS settings are loaded (and their errors reported) before the port opens.
    if (config_.tls) tls_ = make_tls_context(*config_.tls, true);
    listener_ = std::make_unique<TcpListener>(address, port);
    const unsigned n = std::max(1u, config_.max_associations);
    for (unsigned i = 0; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
    acceptor_ = std::thread([this] { accept_loop(); });
    config_.emit(LogLevel::info, config_.ae_title + " listening on port " + std::to_string(listener_->port()));
}

uint16_t Server::port() const noexcept { return listener_ ? listener_->port() : 0; }

void Server::accept_loop() {
    // Connections whose A-ASSOCIATE-RQ is still arriving, oldest first. They are read here, a
    // chunk at a time as poll() reports data, so that a peer trickling its request or sending
    // nothing holds neither a worker nor a thread, only a socket and the bytes it sent.
    struct Pending {
        std::unique_ptr<Transport> transport;
        std::string address;
        std::vector<uint8_t> bytes;
        size_t want = 6;  // the header first, then the whole PDU
        Clock::time_point deadline;
        bool done = false;
    };
    std::vector<Pending> pending;
    std::vector<pollfd> fds;
    std::vector<uint8_t> chunk(65536);
    const int timer = Association::request_timeout_ms(config_);
    const size_t max_pending = std::max(1u, config_.max_pending);
    const size_t max_per_address = std::max(1u, config_.max_pending_per_address);
    auto drop = [&](Pending &p, LogLevel level, const std::string &why) {
        if (config_.logs(level)) config_.emit(level, p.transport->peer() + ": " + why);
        p.transport.reset();  // closes
        p.done = true;
        trim_due_ = true;
    };
    auto tls_failed = [&](Pending &p, const std::string &why) {
        if (!config_.on_tls_failure) return;
        try {
            config_.on_tls_failure(p.transport->peer(), why);
        } catch (...) {  // an audit hook's failure changes nothing here
        }
    };
    // AA-1 before association (PS3.8 Table 9-10, Evt19 in Sta2): A-ABORT, then close.
    auto refuse = [&](Pending &p, uint8_t reason, const std::string &why) {
        try {
            const std::vector<uint8_t> abort = encode_pdu(AAbort{2, reason});
            p.transport->write_all(abort.data(), abort.size(), 200);
        } catch (const Error &) {
        }
        drop(p, LogLevel::error, "protocol error, aborting: " + why);
    };
    for (;;) {
        fds.clear();
        fds.push_back({listener_->native_handle(), POLLIN, 0});
        fds.push_back({listener_->close_handle(), POLLIN, 0});
        for (const Pending &p : pending) fds.push_back({p.transport->native_handle(), POLLIN, 0});
        // At most a second: an idle server gives memory back (maybe_trim) soon after it falls idle.
        int wait_ms = 1000;
        const auto now = Clock::now();
        if (timer > 0)
            for (const Pending &p : pending) {
                const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(p.deadline - now).count() + 1;
                wait_ms = std::min<int>(wait_ms, int(std::max<long long>(ms, 0)));
            }
        const int rc = ::poll(fds.data(), nfds_t(fds.size()), wait_ms);
        if (rc < 0 && errno != EINTR) {
            config_.emit(LogLevel::error, std::string("poll: ") + std::strerror(errno));
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        if (rc > 0 && fds[1].revents) return;  // closed: the pending connections close with `pending`
        for (size_t i = 0; rc > 0 && i < pending.size(); ++i) {
            if (!fds[2 + i].revents) continue;
            Pending &p = pending[i];
            // TLS decrypts whole records: what it holds beyond this read polls as nothing, so it
            // is read now (a `continue` below ends this connection's turn).
            do {
                size_t n = 0;
                try {
                    n = p.transport->read_some(chunk.data(), std::min(chunk.size(), p.want - p.bytes.size()), 1);
                } catch (const Error &e) {
                    // A failed TLS handshake (unknown CA, no certificate, plain DICOM on the TLS port)
                    // is worth a warning; a TCP connection that breaks before its request is not.
                    if (e.code() != Errc::timeout) {
                        if (p.transport->secure()) tls_failed(p, e.what());
                        drop(p, p.transport->secure() ? LogLevel::warning : LogLevel::info, e.what());
                    }
                    continue;
                }
                if (n == 0) {  // Evt17 in Sta2: AA-5, closed
                    drop(p, LogLevel::info, p.bytes.empty() ? "closed the connection before requesting an association"
                                                            : "closed the connection inside its first PDU");
                    continue;
                }
                p.bytes.insert(p.bytes.end(), chunk.data(), chunk.data() + n);
                if (p.want == 6 && p.bytes.size() == 6) {
                    const uint8_t type = p.bytes[0];
                    const uint32_t length = be32(p.bytes.data() + 2);
                    if (type < 0x01 || type > 0x07) {
                        refuse(p, 1, "unrecognized PDU type " + std::to_string(type));
                        continue;
                    }
                    const size_t limit = type == 0x01 ? Association::kMaxAssociateRq : kMaxOtherFirstPdu;
                    if (length > limit) {
                        refuse(p, 6, "PDU of " + std::to_string(length) + " bytes exceeds the limit of " + std::to_string(limit));
                        continue;
                    }
                    p.want = 6 + size_t(length);
                }
                if (p.bytes.size() == p.want) {
                    admit(std::move(p.transport), std::move(p.bytes), p.address);
                    p.done = true;
                }
            } while (!p.done && p.transport && p.transport->buffered() > 0);
        }
        // ARTIM of Sta2 (PS3.8 9.1.5): Evt18 → AA-2, the connection is closed.
        const auto later = Clock::now();
        if (timer > 0)
            for (Pending &p : pending)
                if (!p.done && later >= p.deadline) {
                    // A TLS handshake still unfinished (a stalled or trickled ClientHello) is a
                    // failed one too.
                    const bool handshake = p.transport->secure() && !p.transport->tls_peer();
                    const std::string why = handshake ? "TLS handshake with " + p.transport->peer() + " did not complete within " +
                                                            std::to_string(timer) + " ms (ARTIM): closed"
                                                      : "no association request within " + std::to_string(timer) + " ms (ARTIM): closed";
                    if (handshake) tls_failed(p, why);
                    drop(p, LogLevel::warning, why);
                }
        pending.erase(std::remove_if(pending.begin(), pending.end(), [](const Pending &p) { return p.done; }), pending.end());

        if (rc > 0 && (fds[0].revents & POLLIN)) {
            std::unique_ptr<Transport> t;
            try {
                t = listener_->accept(1);
            } catch (const Error &e) {
                config_.emit(LogLevel::error, e.what());
                std::this_thread::sleep_for(std::chrono::milliseconds(10));  // e.g. out of descriptors
            }
            if (t && tls_) {
                try {
                    t = tls_server_transport(std::move(t), tls_);  // the handshake runs in the reads above
                } catch (const Error &e) {
                    config_.emit(LogLevel::error, e.what());
                    t.reset();
                }
            }
            if (t) {
                const std::string address = t->peer_address();
                // Full (in total, or for this address): the connection that has waited longest
                // makes room. A genuine peer sends its request at once, so this closes slow ones.
                auto same = [&](const Pending &p) { return p.address == address; };
                auto oldest = pending.end();
                if (size_t(std::count_if(pending.begin(), pending.end(), same)) >= max_per_address)
                    oldest = std::find_if(pending.begin(), pending.end(), same);
                else if (pending.size() >= max_pending)
                    oldest = pending.begin();
                if (oldest != pending.end()) {
                    drop(*oldest, LogLevel::warning,
                         "closed without an association request: " + std::to_string(pending.size()) +
                             " connections are waiting for theirs (max_pending " + std::to_string(max_pending) +
                             ", per address " + std::to_string(max_per_address) + ")");
                    pending.erase(oldest);
                }
                Pending p;
                p.transport = std::move(t);
                p.address = address;
                p.deadline = timer > 0 ? Clock::now() + std::chrono::milliseconds(timer) : Clock::time_point::max();
                pending.push_back(std::move(p));
            }
        }
        pending_ = unsigned(pending.size());
        maybe_trim();
    }
}

void Server::admit(std::unique_ptr<Transport> t, std::vector<uint8_t> pdu, const std::string &address) {
    t->read_ahead();  // no longer polled here: only its association's thread reads it now
    std::string refusal;
    if (pdu[0] == 0x01) {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;  // closed
        // An association whose release is under way (its A-RELEASE-RP is being or has been sent)
        // no longer holds its slot: a peer that reconnects as soon as its release completes is
        // not turned away while the worker tidies up.
        unsigned finishing = 0;
        for (const Association *a : running_) {
            const State st = a->state();
            if (st == State::Sta8 || st == State::Sta13 || st == State::Sta1) ++finishing;
        }
        const unsigned max = std::max(1u, config_.max_associations);
        const auto it = per_address_.find(address);
        const unsigned from_address = it == per_address_.end() ? 0 : it->second;
        if (active_.load() - finishing + queue_.size() >= max) {
            refusal = std::to_string(max) + " associations already (max_associations)";
        } else if (config_.max_associations_per_address && from_address >= config_.max_associations_per_address) {
            refusal = std::to_string(from_address) + " associations from " + address +
                      " already (max_associations_per_address)";
        } else {
            ++per_address_[address];
            queue_.push_back(Admitted{std::move(t), std::move(pdu), address});
            cv_.notify_one();
            return;
        }
    }
    // Answered on this thread, without waiting for the peer: a rejection (the request is whole,
    // the A-ASSOCIATE-RJ is 10 bytes) or whatever another first PDU calls for (A-ABORT, close).
    if (!refusal.empty()) config_.emit(LogLevel::warning, "rejecting an association from " + t->peer() + ": " + refusal);
    AcceptHook reject;
    if (!refusal.empty())
        reject = [](const AAssociateRq &, const std::string &) {
            return std::optional<AAssociateRj>(AAssociateRj{kTransient, kPresentation, kLocalLimitExceeded});
        };
    try {
        // Only sends: nothing was sent on the connection before, so its buffer has room.
        Association::accept(std::move(t), std::move(pdu), config_, reject);
    } catch (const Error &e) {
        if (refusal.empty()) config_.emit(e.code() == Errc::aborted ? LogLevel::info : LogLevel::error, e.what());
    }
}

void Server::worker_loop() {
    for (;;) {
        Admitted job;
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping
            job = std::move(queue_.front());
            queue_.pop_front();
            ++active_;
        }
        const std::string address = job.address;
        // Called with mu_ held, once: the slot and the address's count are given back together, so
        // that admission never sees one without the other.
        auto release_slot = [this, address] {
            ++served_;
            --active_;
            auto it = per_address_.find(address);
            if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
            trim_due_ = true;
        };
        bool slot_held = true;  // until the registration takes it over
        try {
            auto assoc = Association::accept(std::move(job.transport), std::move(job.request), config_, handlers_.on_associate);
            struct Registration {
                Server &s;
                Association *a;
                std::function<void()> release;
                Registration(Server &server, Association *assoc, std::function<void()> r)
                    : s(server), a(assoc), release(std::move(r)) {
                    std::lock_guard<std::mutex> lock(s.mu_);
                    s.running_.push_back(a);
                }
                ~Registration() {
                    std::lock_guard<std::mutex> lock(s.mu_);
                    s.running_.erase(std::find(s.running_.begin(), s.running_.end(), a));
                    release();
                }
            } registration(*this, assoc.get(), release_slot);
            slot_held = false;
            using Ev = ServiceHandlers::AssociationEvent;
            const auto notify = [&](Ev ev) noexcept {
                if (!handlers_.on_association) return;
                try {
                    handlers_.on_association(*assoc, ev);
                } catch (...) {  // a notification cannot fail the association
                }
            };
            notify(Ev::accepted);
            bool released = false;
            try {
                released = serve_association(*assoc, handlers_);
            } catch (...) {
                notify(Ev::aborted);
                throw;
            }
            notify(released ? Ev::released : Ev::aborted);
        } catch (const Error &e) {
            config_.emit(e.code() == Errc::rejected ? LogLevel::warning : LogLevel::error, e.what());
        } catch (const std::exception &e) {
            config_.emit(LogLevel::error, std::string("association failed: ") + e.what());
        }
        if (slot_held) {
            std::lock_guard<std::mutex> lock(mu_);
            release_slot();
        }
    }
}

void Server::maybe_trim() {
    // The associations of a burst leave freed memory in the allocator's arenas (one per thread
    // that allocated); once nothing runs, it is given back to the system, at most once a second.
    if (!trim_due_.load() || active_.load() != 0 || pending_.load() != 0) return;
    const auto now = Clock::now();
    if (now - last_trim_ < std::chrono::seconds(1)) return;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!queue_.empty()) return;
    }
    trim_due_ = false;
    last_trim_ = now;
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
}

void Server::stop(int grace_ms) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_ && workers_.empty()) return;
        stopping_ = true;
    }
    if (listener_) listener_->close();
    if (acceptor_.joinable()) acceptor_.join();
    pending_ = 0;
    cv_.notify_all();
    stop_cv_.notify_all();
    // Let running associations finish, then interrupt what is left (an idle peer would otherwise
    // hold the stop for the whole idle timeout).
    const auto deadline = Clock::now() + std::chrono::milliseconds(grace_ms);
    for (;;) {
        std::unique_lock<std::mutex> lock(mu_);
        if (running_.empty() && queue_.empty()) break;
        if (Clock::now() >= deadline) {
            config_.emit(LogLevel::warning, "stopping: interrupting " + std::to_string(running_.size()) + " association(s)");
            for (Association *a : running_) a->interrupt();
            break;
        }
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (auto &w : workers_)
        if (w.joinable()) w.join();
    workers_.clear();
    queue_.clear();
}

void Server::wait() {
    while (!stop_requested_.load()) {
        std::unique_lock<std::mutex> lock(mu_);
        if (stopping_) return;
        // Polls the flag: request_stop() runs in a signal handler and cannot notify.
        stop_cv_.wait_for(lock, std::chrono::milliseconds(200));
    }
}

void Server::request_stop() noexcept { stop_requested_.store(true); }

}  // namespace dcmkit::net
