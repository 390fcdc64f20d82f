// dcmkit — byte buffers: owned values, and views into a shared source (a mapped file or a buffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dcmkit {

/// Memory that element values may borrow from: a read-only file mapping or an in-memory buffer.
/// Datasets hold a shared_ptr to it, so borrowed values stay valid as long as any dataset does.
class Source {
public:
    virtual ~Source() = default;
    virtual const uint8_t *data() const noexcept = 0;
    virtual size_t size() const noexcept = 0;

    /// Opens a file: mapped read-only when `map` is true and the file can be mapped, else read
    /// into memory. Throws Error(not_found) or Error(io).
    static std::shared_ptr<const Source> open_file(const std::string &path, bool map = true);
    /// Takes ownership of a buffer.
    static std::shared_ptr<const Source> from_vector(std::vector<uint8_t> bytes);
    /// Borrows caller memory; the caller keeps it alive while any dataset read from it lives.
    static std::shared_ptr<const Source> borrow(const uint8_t *data, size_t size);
};

/// An element's value bytes: either owned, or a view into a Source that the owning dataset keeps alive.
class Bytes {
public:
    Bytes() = default;
    explicit Bytes(std::vector<uint8_t> owned) : own_(std::move(owned)), p_(own_.data()), n_(own_.size()) {}
    static Bytes view(const uint8_t *p, size_t n) { Bytes b; b.p_ = p; b.n_ = n; b.borrowed_ = true; return b; }
    static Bytes copy(const void *p, size_t n) {
        const auto *b = static_cast<const uint8_t *>(p);
        return Bytes(std::vector<uint8_t>(b, b + n));
    }
    static Bytes copy(std::string_view s) { return copy(s.data(), s.size()); }

    Bytes(const Bytes &o) : own_(o.own_), p_(o.borrowed_ ? o.p_ : own_.data()), n_(o.n_), borrowed_(o.borrowed_) {}
    Bytes(Bytes &&o) noexcept
        : own_(std::move(o.own_)), p_(o.borrowed_ ? o.p_ : own_.data()), n_(o.n_), borrowed_(o.borrowed_) {
        o.p_ = nullptr; o.n_ = 0; o.borrowed_ = false;
    }
    Bytes &operator=(Bytes o) noexcept {
        own_.swap(o.own_);
        borrowed_ = o.borrowed_;
        n_ = o.n_;
        p_ = borrowed_ ? o.p_ : own_.data();
        return *this;
    }

    const uint8_t *data() const noexcept { return p_; }
    size_t size() const noexcept { return n_; }
    bool empty() const noexcept { return n_ == 0; }
    bool borrowed() const noexcept { return borrowed_; }
    std::string_view str() const noexcept { return {reinterpret_cast<const char *>(p_), n_}; }
    const uint8_t &operator[](size_t i) const noexcept { return p_[i]; }

private:
    std::vector<uint8_t> own_;
    const uint8_t *p_ = nullptr;
    size_t n_ = 0;
    bool borrowed_ = false;
};

// Little/big endian helpers used by the reader, writer and codecs.
inline uint16_t load_u16le(const uint8_t *p) { return uint16_t(p[0] | (p[1] << 8)); }
inline uint32_t load_u32le(const uint8_t *p) {
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
inline uint16_t load_u16be(const uint8_t *p) { return uint16_t((p[0] << 8) | p[1]); }
inline uint32_t load_u32be(const uint8_t *p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
inline void store_u16le(uint8_t *p, uint16_t v) { p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); }
inline void store_u32le(uint8_t *p, uint32_t v) {
    p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v >> 16); p[3] = uint8_t(v >> 24);
}

}  // namespace dcmkit
