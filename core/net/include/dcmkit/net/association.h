// dcmkit — an association: the upper layer state machine over a transport, and the DIMSE message
// transport on top of it (PS3.8, PS3.7 Section 9).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/net/ae_config.h"
#include "dcmkit/net/fsm.h"
#include "dcmkit/net/pdu.h"
#include "dcmkit/net/transport.h"

namespace dcmkit::net {

/// A negotiated presentation context.
struct PresentationContext {
    uint8_t id = 0;
    std::string abstract_syntax;
    std::string transfer_syntax;  ///< accepted syntax (empty when rejected)
    PcResult result = PcResult::NoReason;
    bool accepted() const { return result == PcResult::Acceptance; }
};

/// Called by an acceptor with the request (and the peer's "host:port") before negotiation; return
/// a rejection to refuse it, or nullopt to negotiate with the configuration.
using AcceptHook = std::function<std::optional<AAssociateRj>(const AAssociateRq &rq, const std::string &peer)>;

/// A received DIMSE command (PS3.7 9.3, 10.3).
struct Command {
    uint8_t context_id = 0;
    Dataset fields;           ///< group 0000
    uint16_t command_field = 0;
    bool has_dataset = false;  ///< Command Data Set Type (0000,0800) is not 0101H
};

class Association {
public:
    /// Requests an association (Evt1 … AE-3): connects, sends `make_request(config, called_ae)`
    /// and waits for the answer within the ARTIM timeout. Throws Error(rejected) with the reason
    /// on A-ASSOCIATE-RJ, Error(network/timeout/aborted) otherwise.
    static std::unique_ptr<Association> connect(const AeConfig &config, const std::string &host, uint16_t port,
                                                const std::string &called_ae);
    /// The same over an open transport with a given request.
    static std::unique_ptr<Association> connect(const AeConfig &config, std::unique_ptr<Transport> transport,
                                                const AAssociateRq &rq);
    /// Accepts on a connected transport (Evt5 … AE-7): reads the A-ASSOCIATE-RQ within ARTIM,
    /// negotiates with `config` and answers. Throws Error(rejected) after sending a rejection.
    /// The request's timer is request_timeout_ms(config).
    static std::unique_ptr<Association> accept(std::unique_ptr<Transport> transport, const AeConfig &config,
                                               const AcceptHook &hook = {});
    /// The same when the caller has read the peer's first PDU itself (a server reads the requests
    /// of many connections on one thread): `first_pdu` is that whole PDU, header included. A PDU
    /// that is not an A-ASSOCIATE-RQ is answered as accept() would (A-ABORT, or close).
    static std::unique_ptr<Association> accept(std::unique_ptr<Transport> transport, std::vector<uint8_t> first_pdu,
                                               const AeConfig &config, const AcceptHook &hook = {});
    /// An acceptor's timer for the whole A-ASSOCIATE-RQ: the shorter of request_ms and artim_ms
    /// (those above 0), 0 = none.
    static int request_timeout_ms(const AeConfig &config) noexcept;
    /// Largest A-ASSOCIATE-RQ accepted: 128 contexts of 64 transfer syntaxes with their items fit.
    static constexpr size_t kMaxAssociateRq = 1u << 20;

    /// Aborts (A-ABORT) if still established: an association dropped without release is an error.
    ~Association();
    Association(const Association &) = delete;
    Association &operator=(const Association &) = delete;

    // -- what was negotiated ------------------------------------------------------------------------
    bool is_requestor() const noexcept { return requestor_; }
    State state() const noexcept { return state_; }
    bool established() const noexcept { return state_ == State::Sta6; }
    const AAssociateRq &request() const noexcept { return rq_; }
    const AAssociateAc &acceptance() const noexcept { return ac_; }
    const std::vector<PresentationContext> &contexts() const noexcept { return contexts_; }
    const PresentationContext *context(uint8_t id) const noexcept;
    /// The first accepted context for `abstract_syntax` (and `transfer_syntax`, when given).
    const PresentationContext *find_accepted(const std::string &abstract_syntax,
                                             const std::string &transfer_syntax = "") const noexcept;
    /// Largest P-DATA-TF this side may send (the peer's maximum, capped for memory).
    uint32_t send_max_pdu() const noexcept { return send_max_; }
    /// Operations this side may have outstanding as invoker, and may perform at once as performer,
    /// from the negotiated asynchronous operations window (PS3.7 D.3.3.3; 1 without it; an
    /// unlimited 0 is capped at 64).
    unsigned max_operations_invoked() const noexcept;
    unsigned max_operations_performed() const noexcept;
    const AeConfig &config() const noexcept { return config_; }
    std::string peer() const;
    std::string calling_ae() const { return rq_.calling_ae; }
    /// TLS: the protocol, cipher suite and the peer's certificate (subject, names, fingerprint)
    /// the handshake established; nullptr on a TCP association.
    const TlsPeerInfo *tls_peer() const noexcept;
    std::string called_ae() const { return rq_.called_ae; }

    // -- DIMSE messages -----------------------------------------------------------------------------
    uint16_t next_message_id() noexcept { return ++message_id_ == 0 ? ++message_id_ : message_id_; }
    /// Sends a command set (implicit VR little endian with its group length, PS3.7 6.3.1).
    /// The send calls are thread-safe with respect to each other (a whole message at a time), so a
    /// response may be sent from another thread while this one receives.
    void send_command(uint8_t context_id, Dataset command);
    /// Sends a dataset encoded in the context's transfer syntax, streamed PDU by PDU.
    void send_dataset(uint8_t context_id, const Dataset &dataset);
    /// Sends an already encoded dataset (e.g. straight from a file), split into PDUs.
    void send_dataset_bytes(uint8_t context_id, const uint8_t *data, size_t size);
    /// Sends `size` encoded bytes read from `path` at `offset`, a PDU's worth at a time, so that
    /// memory stays flat however large the file (a 2 GB instance is sent in a few hundred KB).
    void send_dataset_file(uint8_t context_id, const std::string &path, uint64_t offset, uint64_t size);

    /// Waits up to `timeout_ms` for the next command. Returns nullopt when the peer released the
    /// association (the A-RELEASE-RP has then been sent). Throws Error(aborted) on A-ABORT,
    /// Error(protocol) on a protocol violation (after aborting), Error(timeout).
    std::optional<Command> receive_command(int timeout_ms);
    /// After a command with a dataset: passes each fragment to `sink` until the last one, so that
    /// memory does not grow with the dataset. A throwing sink aborts the association.
    void receive_dataset(const std::function<void(const uint8_t *data, size_t size)> &sink, int timeout_ms);
    /// After a command with a dataset: receives it into memory and decodes it.
    Dataset receive_dataset(int timeout_ms);

    /// Releases (A-RELEASE-RQ, waits for A-RELEASE-RP within ARTIM; handles release collisions).
    void release();
    /// Aborts: sends A-ABORT (source 0 service-user, or 2 service-provider with `reason`) and closes.
    void abort(uint8_t source = 0, uint8_t reason = 0) noexcept;
    /// From another thread: makes the association's blocked I/O fail at once (it then ends with
    /// Error(network)). Used by a stopping server.
    void interrupt() noexcept {
        if (transport_) transport_->interrupt();
    }

private:
    Association(const AeConfig &config, std::unique_ptr<Transport> transport, bool requestor);

    void fire(Event e);  // validates an event against PS3.8 Table 9-10 and moves the state
    void send_pdu(const Pdu &pdu);
    /// Reads one PDU into rbuf_ (header included); false when the transport closed.
    bool read_pdu(int timeout_ms, size_t max_length);
    [[noreturn]] void protocol_abort(uint8_t reason, const std::string &why);
    /// AE-6 onwards on the A-ASSOCIATE-RQ in rbuf_ (Sta2).
    void on_request(const AcceptHook &hook);
    /// TLS with AE bindings (TlsOptions::ae_certificates): why the peer's certificate does not
    /// vouch for `calling_ae`, or "" when it does (or nothing is bound).
    std::string certificate_binding_refusal(const std::string &calling_ae) const;
    [[noreturn]] void on_foreign_pdu(int timeout_ms);
    /// Next PDV of an incoming message, reading P-DATA-TF PDUs as needed. nullopt = released.
    std::optional<PdvView> next_pdv(int timeout_ms);
    void send_pdv(uint8_t context_id, bool command, bool last, const uint8_t *data, size_t size);
    void send_pdvs(uint8_t context_id, bool command, const uint8_t *data, size_t size);
    void close_transport() noexcept;
    void log(LogLevel level, const std::string &message) const;

    AeConfig config_;
    std::unique_ptr<Transport> transport_;
    bool requestor_;
    // Atomic: with an asynchronous operations window, responses are sent from a second thread
    // while this one reads (both stay in Sta6).
    std::atomic<State> state_{State::Sta1};
    std::mutex send_mu_;  // one message at a time on the wire
    AAssociateRq rq_;
    AAssociateAc ac_;
    std::vector<PresentationContext> contexts_;
    uint32_t send_max_ = 16384;
    uint16_t message_id_ = 0;
    std::vector<uint8_t> rbuf_;  // receive buffer; the current PDU is its first rlen_ bytes
    size_t rlen_ = 0;
    std::vector<PdvView> pending_;  // PDVs of rbuf_ not consumed yet
    size_t pending_pos_ = 0;
    std::vector<uint8_t> wbuf_;
};

}  // namespace dcmkit::net
