#include "dcmkit/net/association.h"
#include "dcmkit/net/tls.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"

namespace dcmkit::net {

namespace {

constexpr uint32_t kSendCap = 4u << 20;          // never build PDUs larger than this
constexpr size_t kMaxControlPdu = 4u << 20;      // A-ASSOCIATE-RQ/AC with every item at its limit fit
constexpr uint32_t kNoLimitReceive = 64u << 20;  // our max is 0 (unlimited): still refuse absurd PDUs
constexpr const char *kCommandTs = uids::ImplicitVRLittleEndian;  // PS3.7 6.3.1: commands are implicit VR LE

class VectorSink final : public Sink {
public:
    explicit VectorSink(std::vector<uint8_t> &out) : out_(out) {}
    void write(const uint8_t *d, size_t n) override { out_.insert(out_.end(), d, d + n); }

private:
    std::vector<uint8_t> &out_;
};

/// Streams an encoded dataset into P-DATA-TF PDUs as the encoder produces it.
class PduSink final : public Sink {
public:
    PduSink(std::function<void(const uint8_t *, size_t, bool)> emit, size_t chunk) : emit_(std::move(emit)), chunk_(chunk) {
        buf_.reserve(chunk_);
    }
    void write(const uint8_t *d, size_t n) override {
        while (n > 0) {
            if (buf_.size() == chunk_) {
                emit_(buf_.data(), buf_.size(), false);
                buf_.clear();
            }
            size_t take = std::min(n, chunk_ - buf_.size());
            buf_.insert(buf_.end(), d, d + take);
            d += take;
            n -= take;
        }
    }
    void finish() { emit_(buf_.data(), buf_.size(), true); }

private:
    std::function<void(const uint8_t *, size_t, bool)> emit_;
    size_t chunk_;
    std::vector<uint8_t> buf_;
};

/// Largest even fragment that fits a P-DATA-TF of `max_pdu` (PDV header: 4-byte length, context
/// ID, control header); even so that only a message's last fragment can have an odd length.
size_t even_chunk(uint32_t max_pdu) { return size_t(max_pdu - 6) & ~size_t(1); }

}  // namespace

Association::Association(const AeConfig &config, std::unique_ptr<Transport> transport, bool requestor)
    : config_(config), transport_(std::move(transport)), requestor_(requestor) {}

Association::~Association() {
    if (state_ != State::Sta1 && state_ != State::Sta13) abort();
    close_transport();
}

void Association::log(LogLevel level, const std::string &message) const {
    if (config_.logs(level)) config_.emit(level, config_.ae_title + " <-> " + peer() + ": " + message);
}

std::string Association::peer() const { return transport_ ? transport_->peer() : std::string("(closed)"); }

void Association::close_transport() noexcept {
    if (transport_) transport_->close();
}

void Association::fire(Event e) {
    const Transition t = transition(state_, e);
    if (t.action == Action::None)
        throw Error(Errc::invalid_argument, std::string(event_name(e)) + " is not valid in state " + state_name(state_));
    if (config_.logs(LogLevel::trace))
        log(LogLevel::trace, std::string(state_name(state_)) + " " + event_name(e) + " -> " + action_name(t.action) +
                                 " -> " + state_name(t.next));
    state_ = t.next;
}

void Association::send_pdu(const Pdu &pdu) {
    std::vector<uint8_t> bytes = encode_pdu(pdu);
    transport_->write_all(bytes.data(), bytes.size(), config_.timeouts.dimse_ms);
}

bool Association::read_pdu(int timeout_ms, size_t max_length) {
    // rbuf_ only grows: resizing it per PDU would zero-fill every received byte once more.
    if (rbuf_.size() < 6) rbuf_.resize(6);
    rlen_ = 0;
    // The timeout bounds the whole PDU, not each read: ARTIM runs from the connection to the
    // complete A-ASSOCIATE-RQ (PS3.8 9.1.5), and a peer trickling a byte at a time must not hold a
    // worker past it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    auto left = [&]() -> int {
        if (timeout_ms <= 0) return 0;  // wait forever
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (ms <= 0)
            throw Error(Errc::timeout, "no complete PDU from " + peer() + " within " + std::to_string(timeout_ms) + " ms");
        return int(ms);
    };
    size_t have = 0;
    while (have < 6) {
        size_t n = transport_->read_some(rbuf_.data() + have, 6 - have, left());
        if (n == 0) {
            if (have == 0) return false;
            throw Error(Errc::network, "connection to " + peer() + " closed inside a PDU header");
        }
        have += n;
    }
    const auto h = peek_pdu_header(rbuf_.data(), 6);
    if (h->type < 0x01 || h->type > 0x07) protocol_abort(1, "unrecognized PDU type " + std::to_string(h->type));
    const size_t limit = h->type == 0x04 ? max_length : kMaxControlPdu;
    if (h->length > limit)
        protocol_abort(6, "PDU of " + std::to_string(h->length) + " bytes exceeds the limit of " + std::to_string(limit));
    const size_t total = 6 + size_t(h->length);
    if (rbuf_.size() < total) rbuf_.resize(total);
    while (have < total) {
        size_t n = transport_->read_some(rbuf_.data() + have, total - have, left());
        if (n == 0) throw Error(Errc::network, "connection to " + peer() + " closed inside a PDU");
        have += n;
    }
    rlen_ = total;
    return true;
}

void Association::protocol_abort(uint8_t reason, const std::string &why) {
    // AA-8: send A-ABORT (service-provider), issue A-P-ABORT, then wait for close (Sta13).
    log(LogLevel::error, "protocol error, aborting: " + why);
    if (state_ != State::Sta1 && state_ != State::Sta13) {
        try {
            send_pdu(AAbort{2, reason});
        } catch (const Error &) {
        }
    }
    state_ = State::Sta13;
    close_transport();
    state_ = State::Sta1;
    throw Error(Errc::protocol, why);
}

// ---------------------------------------------------------------------------------------------------
// establishment

namespace {
/// What a plain requestor is told when the peer drops or aborts its request at once.
constexpr const char *kPlainHint = " (a peer that requires TLS on this port answers a plain request so: connect with TLS, +tls)";
}  // namespace

std::unique_ptr<Association> Association::connect(const AeConfig &config, const std::string &host, uint16_t port,
                                                  const std::string &called_ae) {
    auto t = config.tls ? tls_connect(host, port, config.timeouts.connect_ms, *config.tls)
                        : tcp_connect(host, port, config.timeouts.connect_ms);
    return connect(config, std::move(t), make_request(config, called_ae));
}

std::unique_ptr<Association> Association::connect(const AeConfig &config, std::unique_ptr<Transport> transport,
                                                  const AAssociateRq &rq) {
    std::unique_ptr<Association> a(new Association(config, std::move(transport), true));
    a->fire(Event::Evt1);  // AE-1: the transport is connected by the caller
    a->fire(Event::Evt2);  // AE-2
    a->rq_ = rq;
    a->send_pdu(rq);
    bool got = false;
    try {
        got = a->read_pdu(config.timeouts.artim_ms, kMaxControlPdu);
    } catch (const Error &e) {
        if (e.code() == Errc::network) {  // Evt17 in Sta5: AA-4, no A-ABORT on a dead connection
            a->fire(Event::Evt17);
            const bool plain = a->transport_ && !a->transport_->secure();
            a->close_transport();
            if (plain) throw Error(Errc::network, e.message() + kPlainHint);
        }
        throw;
    }
    if (!got) {
        a->fire(Event::Evt17);
        throw Error(Errc::network, std::string("the peer closed the connection instead of answering the association request") +
                                       (a->transport_ && !a->transport_->secure() ? kPlainHint : ""));
    }
    PduError err;
    auto pdu = decode_pdu(a->rbuf_.data(), a->rlen_, err);
    if (!pdu) {
        a->fire(Event::Evt19);
        a->protocol_abort(err.abort_reason, "invalid answer to the association request: " + err.message);
    }
    if (auto *rj = std::get_if<AAssociateRj>(&*pdu)) {
        a->fire(Event::Evt4);  // AE-4
        a->close_transport();
        throw Error(Errc::rejected, "association rejected by " + a->peer() + ": " + rj_reason_text(*rj));
    }
    if (auto *ab = std::get_if<AAbort>(&*pdu)) {
        a->fire(Event::Evt16);
        a->close_transport();
        throw Error(Errc::aborted, "association aborted by " + a->peer() + ": " + abort_reason_text(*ab) +
                                       (a->transport_ && !a->transport_->secure() ? kPlainHint : ""));
    }
    auto *ac = std::get_if<AAssociateAc>(&*pdu);
    if (!ac) {
        a->fire(Event::Evt19);
        a->protocol_abort(2, "unexpected PDU in answer to the association request");
    }
    a->fire(Event::Evt3);  // AE-3
    a->ac_ = *ac;
    for (const auto &pc : rq.contexts) {
        PresentationContext p;
        p.id = pc.id;
        p.abstract_syntax = pc.abstract_syntax;
        for (const auto &r : ac->contexts) {
            if (r.id != pc.id) continue;
            p.result = r.result;
            // PS3.8 9.3.3.2: the accepted syntax must be one we proposed.
            if (r.result == PcResult::Acceptance &&
                std::find(pc.transfer_syntaxes.begin(), pc.transfer_syntaxes.end(), r.transfer_syntax) == pc.transfer_syntaxes.end()) {
                a->abort(2, 6);
                throw Error(Errc::protocol, "peer accepted context " + std::to_string(pc.id) + " with transfer syntax " +
                                                r.transfer_syntax + ", which was not proposed");
            }
            p.transfer_syntax = r.transfer_syntax;
        }
        a->contexts_.push_back(p);
    }
    const uint32_t peer_max = ac->user.max_pdu_length;
    a->send_max_ = (peer_max == 0 || peer_max > kSendCap) ? kSendCap : std::max<uint32_t>(peer_max, 8);
    a->log(LogLevel::info, "association accepted, " + std::to_string(
        std::count_if(a->contexts_.begin(), a->contexts_.end(), [](const PresentationContext &c) { return c.accepted(); })) +
        " of " + std::to_string(a->contexts_.size()) + " contexts, max PDU " + std::to_string(a->send_max_));
    return a;
}

int Association::request_timeout_ms(const AeConfig &config) noexcept {
    const int r = config.timeouts.request_ms, a = config.timeouts.artim_ms;
    if (r > 0 && a > 0) return std::min(r, a);
    return r > 0 ? r : a > 0 ? a : 0;
}

std::unique_ptr<Association> Association::accept(std::unique_ptr<Transport> transport, const AeConfig &config,
                                                 const AcceptHook &hook) {
    std::unique_ptr<Association> a(new Association(config, std::move(transport), false));
    a->fire(Event::Evt5);  // AE-5: ARTIM runs while we wait for the request
    const int timer = request_timeout_ms(config);
    bool got = false;
    try {
        got = a->read_pdu(timer, kMaxAssociateRq);
    } catch (const Error &e) {
        if (e.code() == Errc::timeout) {
            a->fire(Event::Evt18);  // AA-2
            a->close_transport();
            throw Error(Errc::timeout, "no association request from " + a->peer() + " within " +
                                           std::to_string(timer) + " ms (ARTIM)");
        }
        if (e.code() == Errc::network) {  // closed inside the request: Evt17 in Sta2, AA-5
            a->fire(Event::Evt17);
            a->close_transport();
        }
        throw;
    }
    if (!got) {
        a->fire(Event::Evt17);
        throw Error(Errc::network, a->peer() + " closed the connection before requesting an association");
    }
    a->on_request(hook);
    return a;
}

std::unique_ptr<Association> Association::accept(std::unique_ptr<Transport> transport, std::vector<uint8_t> first_pdu,
                                                 const AeConfig &config, const AcceptHook &hook) {
    std::unique_ptr<Association> a(new Association(config, std::move(transport), false));
    a->fire(Event::Evt5);
    const auto h = peek_pdu_header(first_pdu.data(), first_pdu.size());
    if (!h || first_pdu.size() != 6 + size_t(h->length))
        throw Error(Errc::invalid_argument, "Association::accept: the first PDU given is not one whole PDU");
    if (h->type < 0x01 || h->type > 0x07) a->protocol_abort(1, "unrecognized PDU type " + std::to_string(h->type));
    if (h->type == 0x01 && h->length > kMaxAssociateRq)
        a->protocol_abort(6, "A-ASSOCIATE-RQ of " + std::to_string(h->length) + " bytes exceeds the limit of " +
                                 std::to_string(kMaxAssociateRq));
    a->rlen_ = first_pdu.size();
    a->rbuf_ = std::move(first_pdu);
    a->on_request(hook);
    return a;
}

void Association::on_request(const AcceptHook &hook) {
    Association *a = this;
    PduError err;
    auto pdu = decode_pdu(a->rbuf_.data(), a->rlen_, err);
    auto *rq = pdu ? std::get_if<AAssociateRq>(&*pdu) : nullptr;
    if (pdu && std::holds_alternative<AAbort>(*pdu)) {
        a->fire(Event::Evt16);  // AA-2: close, nothing sent
        a->close_transport();
        throw Error(Errc::aborted, a->peer() + " aborted before requesting an association");
    }
    if (!rq) {
        a->fire(pdu ? Event::Evt10 : Event::Evt19);  // AA-1: A-ABORT, then wait for close
        try {
            a->send_pdu(AAbort{0, 0});  // PS3.8 AA-1: service-user source, reason not significant
        } catch (const Error &) {
        }
        a->close_transport();
        a->state_ = State::Sta1;
        throw Error(Errc::protocol, "expected an A-ASSOCIATE-RQ from " + a->peer() +
                                        (pdu ? std::string(", got another PDU") : ": " + err.message));
    }
    a->rq_ = *rq;
    // TLS: a Calling AE Title must be bound to the peer's certificate (PS3.15 leaves the binding
    // to the application). PS3.8 Table 9-21: rejected-permanent, service-user, calling AE title
    // not recognized.
    std::string unbound = certificate_binding_refusal(rq->calling_ae);
    std::optional<AAssociateRj> hooked;
    if (!unbound.empty()) hooked = AAssociateRj{1, 1, 3};
    else if (hook) hooked = hook(*rq, a->peer());
    Negotiation n = hooked ? Negotiation{false, {}, *hooked, unbound.empty() ? "refused by the server" : unbound}
                           : negotiate(config_, *rq);
    a->fire(Event::Evt6);  // AE-6: acceptable by the provider → Sta3
    if (!n.accepted) {
        a->fire(Event::Evt8);  // AE-8
        try {
            a->send_pdu(n.rj);
        } catch (const Error &) {
        }
        a->close_transport();
        a->state_ = State::Sta1;
        a->log(LogLevel::warning, "association from '" + rq->calling_ae + "' rejected: " + n.reason);
        if (config_.on_rejected) {
            try {
                config_.on_rejected(*rq, a->peer(), n.rj, n.reason);
            } catch (...) {  // an audit hook's failure must not change what the peer was told
            }
        }
        throw Error(Errc::rejected, "association from '" + rq->calling_ae + "' rejected: " + n.reason);
    }
    a->ac_ = n.ac;
    a->fire(Event::Evt7);  // AE-7
    a->send_pdu(a->ac_);
    for (const auto &pc : rq->contexts) {
        PresentationContext p;
        p.id = pc.id;
        p.abstract_syntax = pc.abstract_syntax;
        for (const auto &r : a->ac_.contexts)
            if (r.id == pc.id) {
                p.result = r.result;
                if (r.result == PcResult::Acceptance) p.transfer_syntax = r.transfer_syntax;
            }
        a->contexts_.push_back(p);
    }
    const uint32_t peer_max = rq->user.max_pdu_length;
    a->send_max_ = (peer_max == 0 || peer_max > kSendCap) ? kSendCap : std::max<uint32_t>(peer_max, 8);
    a->log(LogLevel::info, "association from '" + rq->calling_ae + "' accepted");
}

std::string Association::certificate_binding_refusal(const std::string &calling_ae) const {
    if (!config_.tls || config_.tls->ae_certificates.empty() || !transport_ || !transport_->secure()) return {};
    const TlsPeerInfo *peer = transport_->tls_peer();
    const std::string subject = peer && peer->has_certificate ? "'" + peer->subject + "'" : "none";
    const auto &bindings = config_.tls->ae_certificates;
    const auto it = bindings.find(calling_ae);
    if (it == bindings.end())
        return "the calling AE title '" + calling_ae + "' is bound to no certificate (peer certificate subject " + subject + ")";
    if (peer)
        for (const std::string &identity : it->second)
            if (tls_identity_matches(*peer, identity)) return {};
    return "the peer certificate (subject " + subject + ") is not bound to the calling AE title '" + calling_ae + "'";
}

const TlsPeerInfo *Association::tls_peer() const noexcept { return transport_ ? transport_->tls_peer() : nullptr; }

const PresentationContext *Association::context(uint8_t id) const noexcept {
    for (const auto &c : contexts_)
        if (c.id == id) return &c;
    return nullptr;
}

const PresentationContext *Association::find_accepted(const std::string &as, const std::string &ts) const noexcept {
    for (const auto &c : contexts_)
        if (c.accepted() && c.abstract_syntax == as && (ts.empty() || c.transfer_syntax == ts)) return &c;
    return nullptr;
}

// ---------------------------------------------------------------------------------------------------
// data transfer

void Association::send_pdv(uint8_t context_id, bool command, bool last, const uint8_t *data, size_t n) {
    // PS3.8 9.3.5 and E.2: one PDV per P-DATA-TF, as large as the peer accepts.
    fire(Event::Evt9);  // DT-1 (or AR-7 while a release is pending)
    // Message fragments have even lengths (DCMTK aborts on an odd one): a message of odd length,
    // i.e. a deflated data set whose bit stream is odd, ends with a zero pad byte, as DCMTK sends it.
    // Every other fragment is a multiple of 2 (see even_chunk), so only the last can be odd.
    const size_t pad = (last && (n & 1)) ? 1 : 0;
    uint8_t h[12];
    const uint32_t pdu_len = uint32_t(6 + n + pad), item_len = uint32_t(2 + n + pad);
    h[0] = 0x04;
    h[1] = 0;
    h[2] = uint8_t(pdu_len >> 24); h[3] = uint8_t(pdu_len >> 16); h[4] = uint8_t(pdu_len >> 8); h[5] = uint8_t(pdu_len);
    h[6] = uint8_t(item_len >> 24); h[7] = uint8_t(item_len >> 16); h[8] = uint8_t(item_len >> 8); h[9] = uint8_t(item_len);
    h[10] = context_id;
    h[11] = uint8_t((command ? 0x01 : 0x00) | (last ? 0x02 : 0x00));  // message control header
    try {
        if (!pad) {
            // Header and payload in one system call, the payload straight from the caller (a mapped file).
            transport_->write_all2(h, sizeof h, data, n, config_.timeouts.dimse_ms);
            return;
        }
        wbuf_.assign(data, data + n);
        wbuf_.push_back(0);
        transport_->write_all2(h, sizeof h, wbuf_.data(), wbuf_.size(), config_.timeouts.dimse_ms);
    } catch (const Error &e) {
        // A PDU may be half written (a timeout, a reset): nothing sent after it could be framed,
        // so the connection is ended (the peer sees Evt17, an A-P-ABORT) and the association
        // with it. The transport is shut down, not closed: another thread may be reading it.
        log(LogLevel::error, std::string("sending failed, the association is ended: ") + e.what());
        transport_->interrupt();
        state_ = State::Sta1;
        throw;
    }
}

void Association::send_pdvs(uint8_t context_id, bool command, const uint8_t *data, size_t size) {
    const size_t chunk = even_chunk(send_max_);
    size_t off = 0;
    do {
        const size_t n = std::min(chunk, size - off);
        send_pdv(context_id, command, off + n == size, data + off, n);
        off += n;
    } while (off < size);
}

unsigned Association::max_operations_invoked() const noexcept {
    // PS3.7 D.3.3.3: in the A-ASSOCIATE-AC, "invoked" is what the requestor may invoke.
    const auto &w = ac_.user.async_ops;
    if (!w) return 1;
    const unsigned v = requestor_ ? w->first : w->second;
    return v == 0 ? 64 : std::min(v, 64u);
}

unsigned Association::max_operations_performed() const noexcept {
    const auto &w = ac_.user.async_ops;
    if (!w) return 1;
    const unsigned v = requestor_ ? w->second : w->first;
    return v == 0 ? 64 : std::min(v, 64u);
}

void Association::send_command(uint8_t context_id, Dataset command) {
    if (!context(context_id)) throw Error(Errc::invalid_argument, "no presentation context " + std::to_string(context_id));
    std::lock_guard<std::mutex> lock(send_mu_);
    command.set_bytes(Tag(0x0000, 0x0000), VR::UL, Bytes(std::vector<uint8_t>(4, 0)));  // the encoder fills it in
    std::vector<uint8_t> bytes;
    VectorSink sink(bytes);
    write_dataset(sink, command, kCommandTs);
    send_pdvs(context_id, true, bytes.data(), bytes.size());
}

void Association::send_dataset(uint8_t context_id, const Dataset &dataset) {
    const PresentationContext *pc = context(context_id);
    if (!pc || !pc->accepted()) throw Error(Errc::invalid_argument, "presentation context " + std::to_string(context_id) + " is not accepted");
    std::lock_guard<std::mutex> lock(send_mu_);
    PduSink sink([&](const uint8_t *d, size_t n, bool last) { send_pdv(context_id, false, last, d, n); }, even_chunk(send_max_));
    write_dataset(sink, dataset, pc->transfer_syntax);
    sink.finish();
}

void Association::send_dataset_file(uint8_t context_id, const std::string &path, uint64_t offset, uint64_t size) {
    const PresentationContext *pc = context(context_id);
    if (!pc || !pc->accepted()) throw Error(Errc::invalid_argument, "presentation context " + std::to_string(context_id) + " is not accepted");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(Errc::io, "cannot open '" + path + "': " + std::strerror(errno));
    struct Close {
        int fd;
        ~Close() { ::close(fd); }
    } closer{fd};
    ::posix_fadvise(fd, off_t(offset), off_t(size), POSIX_FADV_SEQUENTIAL);
    std::lock_guard<std::mutex> lock(send_mu_);
    std::vector<uint8_t> buf(even_chunk(send_max_));
    uint64_t sent = 0;
    do {
        const size_t want = size_t(std::min<uint64_t>(buf.size(), size - sent));
        size_t got = 0;
        while (got < want) {
            const ssize_t n = ::pread(fd, buf.data() + got, want - got, off_t(offset + sent + got));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                // The message is half sent: the association cannot carry on (PS3.7 has no way to
                // take back a fragment), so it is aborted.
                const std::string why = n < 0 ? std::strerror(errno) : "the file shrank";
                abort();
                throw Error(Errc::io, "cannot read '" + path + "': " + why);
            }
            got += size_t(n);
        }
        sent += want;
        send_pdv(context_id, false, sent == size, buf.data(), want);
    } while (sent < size);
}

void Association::send_dataset_bytes(uint8_t context_id, const uint8_t *data, size_t size) {
    const PresentationContext *pc = context(context_id);
    if (!pc || !pc->accepted()) throw Error(Errc::invalid_argument, "presentation context " + std::to_string(context_id) + " is not accepted");
    std::lock_guard<std::mutex> lock(send_mu_);
    send_pdvs(context_id, false, data, size);
}

void Association::on_foreign_pdu(int timeout_ms) {
    // rbuf_ holds a PDU that is not P-DATA-TF.
    const uint8_t type = rbuf_[0];
    PduError err;
    auto pdu = decode_pdu(rbuf_.data(), rlen_, err);
    if (!pdu) {
        fire(Event::Evt19);
        state_ = State::Sta6;  // protocol_abort sends the A-ABORT from a live state
        protocol_abort(err.abort_reason, "invalid PDU from " + peer() + ": " + err.message);
    }
    if (type == 0x07) {
        fire(Event::Evt16);  // AA-3
        close_transport();
        throw Error(Errc::aborted, "association aborted by " + peer() + ": " + abort_reason_text(std::get<AAbort>(*pdu)));
    }
    (void)timeout_ms;
    protocol_abort(2, std::string("unexpected ") +
                          (type == 1 ? "A-ASSOCIATE-RQ" : type == 2 ? "A-ASSOCIATE-AC" : type == 3 ? "A-ASSOCIATE-RJ"
                                                                                                 : "A-RELEASE-RP") +
                          " during data transfer");
}

std::optional<PdvView> Association::next_pdv(int timeout_ms) {
    while (pending_pos_ >= pending_.size()) {
        pending_.clear();
        pending_pos_ = 0;
        const uint32_t our_max = config_.max_pdu_length ? config_.max_pdu_length : kNoLimitReceive;
        bool got;
        try {
            got = read_pdu(timeout_ms, our_max);
        } catch (const Error &e) {
            if (e.code() == Errc::network) {
                fire(Event::Evt17);  // AA-4: A-P-ABORT
                close_transport();
            }
            throw;
        }
        if (!got) {
            fire(Event::Evt17);
            close_transport();
            throw Error(Errc::aborted, peer() + " closed the connection without releasing the association");
        }
        const uint8_t type = rbuf_[0];
        // A-RELEASE-RQ/RP have a PDU-length of 4 (PS3.8 Tables 9-24, 9-25); otherwise the PDU is
        // invalid (Evt19): on_foreign_pdu fails to decode it and aborts.
        if ((type == 0x05 || type == 0x06) && rlen_ != 10) on_foreign_pdu(timeout_ms);
        if (type == 0x05) {  // A-RELEASE-RQ
            fire(Event::Evt12);  // AR-2 (or AR-8 on a collision)
            if (state_ == State::Sta8) {
                fire(Event::Evt14);  // AR-4: answer and wait for the close
                send_pdu(AReleaseRp{});
                close_transport();
                state_ = State::Sta1;
                log(LogLevel::info, "association released by the peer");
                return std::nullopt;
            }
            continue;
        }
        if (type != 0x04) on_foreign_pdu(timeout_ms);
        fire(Event::Evt10);  // DT-2
        PduError err;
        if (!split_pdvs(rbuf_.data() + 6, rlen_ - 6, pending_, err)) {
            state_ = State::Sta6;
            protocol_abort(err.abort_reason, "invalid P-DATA-TF from " + peer() + ": " + err.message);
        }
    }
    const PdvView v = pending_[pending_pos_++];
    const PresentationContext *pc = context(v.context_id);
    if (!pc || !pc->accepted())
        protocol_abort(6, "P-DATA on presentation context " + std::to_string(v.context_id) + ", which is not accepted");
    return v;
}

std::optional<Command> Association::receive_command(int timeout_ms) {
    std::vector<uint8_t> bytes;
    uint8_t context_id = 0;
    for (;;) {
        auto v = next_pdv(timeout_ms);
        if (!v) return std::nullopt;
        if (!v->command) protocol_abort(5, "dataset fragment where a command was expected");
        if (!bytes.empty() && v->context_id != context_id) protocol_abort(5, "command fragments on different contexts");
        context_id = v->context_id;
        if (bytes.size() + v->size > (1u << 20)) protocol_abort(6, "command set larger than 1 MB");
        bytes.insert(bytes.end(), v->data, v->data + v->size);
        if (v->last) break;
    }
    Command c;
    c.context_id = context_id;
    try {
        c.fields = read_dataset(Source::from_vector(std::move(bytes)), kCommandTs);
        c.command_field = uint16_t(c.fields.get_int(Tag(0x0000, 0x0100)));
        c.has_dataset = c.fields.get_int_opt(Tag(0x0000, 0x0800)).value_or(0x0101) != 0x0101;
    } catch (const Error &e) {
        protocol_abort(6, std::string("undecodable command set: ") + e.what());
    }
    return c;
}

void Association::receive_dataset(const std::function<void(const uint8_t *, size_t)> &sink, int timeout_ms) {
    for (;;) {
        auto v = next_pdv(timeout_ms);
        if (!v) throw Error(Errc::protocol, "peer released the association in the middle of a dataset");
        if (v->command) protocol_abort(5, "command fragment where dataset fragments were expected");
        try {
            sink(v->data, v->size);
        } catch (...) {
            abort(2, 0);
            throw;
        }
        if (v->last) return;
    }
}

Dataset Association::receive_dataset(int timeout_ms) {
    std::vector<uint8_t> bytes;
    uint8_t context_id = 0;
    receive_dataset([&](const uint8_t *d, size_t n) { bytes.insert(bytes.end(), d, d + n); }, timeout_ms);
    context_id = pending_.empty() ? 0 : pending_[pending_pos_ - 1].context_id;
    const PresentationContext *pc = context(context_id);
    return read_dataset(Source::from_vector(std::move(bytes)), pc ? pc->transfer_syntax : kCommandTs);
}

// ---------------------------------------------------------------------------------------------------
// release and abort

void Association::release() {
    if (state_ != State::Sta6) throw Error(Errc::invalid_argument, std::string("cannot release in state ") + state_name(state_));
    fire(Event::Evt11);  // AR-1
    send_pdu(AReleaseRq{});
    for (;;) {
        bool got;
        try {
            got = read_pdu(config_.timeouts.artim_ms, config_.max_pdu_length ? config_.max_pdu_length : kNoLimitReceive);
        } catch (const Error &e) {
            abort();
            throw Error(e.code(), std::string("waiting for the release answer: ") + e.message());
        }
        if (!got) {
            fire(Event::Evt17);
            close_transport();
            throw Error(Errc::network, peer() + " closed the connection instead of answering the release request");
        }
        if ((rbuf_[0] == 0x05 || rbuf_[0] == 0x06) && rlen_ != 10) on_foreign_pdu(config_.timeouts.artim_ms);
        switch (rbuf_[0]) {
        case 0x06:  // A-RELEASE-RP
            fire(Event::Evt13);  // AR-3 (Sta7) or AR-10 (Sta10)
            if (state_ == State::Sta12) {
                fire(Event::Evt14);  // AR-4
                send_pdu(AReleaseRp{});
            }
            close_transport();
            state_ = State::Sta1;
            return;
        case 0x05:  // A-RELEASE-RQ: a release collision (PS3.8 7.2.2, AR-8)
            fire(Event::Evt12);
            if (requestor_) {
                state_ = State::Sta9;
                fire(Event::Evt14);  // AR-9: send RP, then wait for theirs
                send_pdu(AReleaseRp{});
            } else {
                state_ = State::Sta10;
            }
            continue;
        case 0x04:  // P-DATA arriving while releasing (AR-6): not ours to read, dropped
            fire(Event::Evt10);
            continue;
        default:
            on_foreign_pdu(config_.timeouts.artim_ms);
        }
    }
}

void Association::abort(uint8_t source, uint8_t reason) noexcept {
    if (state_ == State::Sta1) return;
    try {
        if (transport_ && state_ != State::Sta13) send_pdu(AAbort{source, reason});
    } catch (...) {
    }
    close_transport();
    state_ = State::Sta1;
}

}  // namespace dcmkit::net
