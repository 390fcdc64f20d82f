// dcmkit — the byte transport under the upper layer: TCP, or TLS over TCP (tls.h), behind one interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace dcmkit::net {

struct TlsPeerInfo;

/// A connected byte stream. Timeouts are in milliseconds; 0 means wait forever. Errors throw
/// dcmkit::Error(network) or Error(timeout).
class Transport {
public:
    virtual ~Transport() = default;
    /// Reads at least 1 and at most `size` bytes; returns 0 when the peer closed the connection.
    virtual size_t read_some(uint8_t *data, size_t size, int timeout_ms) = 0;
    virtual void write_all(const uint8_t *data, size_t size, int timeout_ms) = 0;
    /// Writes `head` then `body` (a PDU header and its payload) without copying them together;
    /// TCP sends them in one system call.
    virtual void write_all2(const uint8_t *head, size_t head_size, const uint8_t *body, size_t body_size, int timeout_ms) {
        write_all(head, head_size, timeout_ms);
        if (body_size) write_all(body, body_size, timeout_ms);
    }
    /// Closes the connection (idempotent). Not thread-safe: call from the thread that uses it.
    virtual void close() noexcept = 0;
    /// Makes blocked and later reads and writes fail at once (shutdown of both directions), from
    /// any thread; used to end associations when a server stops.
    virtual void interrupt() noexcept {}
    /// "host:port" of the peer, for logs.
    virtual std::string peer() const = 0;
    /// The peer's address alone ("127.0.0.1", "::1"; an IPv4-mapped IPv6 address as IPv4), for
    /// per-address limits.
    virtual std::string peer_address() const;
    /// The descriptor to poll for readability, or -1 (then read_some is the only way to wait).
    virtual int native_handle() const noexcept { return -1; }
    /// Bytes that read_some returns without waiting although native_handle may not poll readable
    /// (decrypted data held inside TLS). A poller reads again while this is above 0.
    virtual size_t buffered() const noexcept { return 0; }
    /// From now on the connection is read only through read_some, by one reader (nobody polls
    /// native_handle): the transport may read ahead of what it is asked for, in larger chunks (TLS
    /// reads many records per system call). A server calls it when it hands the connection to the
    /// association's thread; a requestor's transport does it from the start.
    virtual void read_ahead() noexcept {}
    /// TLS: what the handshake established about the peer (nullptr for TCP, and before the handshake).
    virtual const TlsPeerInfo *tls_peer() const noexcept { return nullptr; }
    /// True for a TLS transport (also before its handshake).
    virtual bool secure() const noexcept { return false; }
};

/// Opens a TCP connection (IPv4 or IPv6, whatever `host` resolves to first that answers) with
/// TCP_NODELAY set. Throws Error(network) with the reason, or Error(timeout).
std::unique_ptr<Transport> tcp_connect(const std::string &host, uint16_t port, int timeout_ms);

/// A TCP port as written on a command line or in a configuration file: 1 to 65535, digits only.
bool parse_port(const std::string &text, uint16_t &port);

/// A listening TCP socket.
class TcpListener {
public:
    /// Binds `address` ("" = every IPv6 and IPv4 address, "127.0.0.1", "::1", …) and `port`
    /// (0 = a free port, see port()). Throws Error(network) naming the address and the reason.
    TcpListener(const std::string &address, uint16_t port, int backlog = 128);
    ~TcpListener();
    TcpListener(const TcpListener &) = delete;
    TcpListener &operator=(const TcpListener &) = delete;

    uint16_t port() const noexcept { return port_; }
    /// Waits up to `timeout_ms` (0 = forever) for a connection; nullptr on timeout or after close().
    std::unique_ptr<Transport> accept(int timeout_ms);
    /// Stops accepting; a thread blocked in accept() returns nullptr. Thread-safe.
    void close() noexcept;
    /// For a caller that polls other descriptors too: the listening socket (readable: accept(1)
    /// returns a connection at once) and the descriptor that becomes readable on close().
    int native_handle() const noexcept { return fd_; }
    int close_handle() const noexcept { return wake_[0]; }

private:
    int fd_ = -1;
    int wake_[2] = {-1, -1};  // self-pipe that wakes accept() on close()
    uint16_t port_ = 0;
};

}  // namespace dcmkit::net
