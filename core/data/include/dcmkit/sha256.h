// dcmkit — SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), small and dependency-free, for keyed
// pseudonyms in de-identification (the data layer links no crypto library).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dcmkit {

using Sha256Digest = std::array<uint8_t, 32>;

/// Incremental SHA-256.
class Sha256 {
public:
    Sha256();
    void update(const void *data, size_t size);
    void update(std::string_view s) { update(s.data(), s.size()); }
    Sha256Digest finish();

private:
    void block(const uint8_t *p);
    uint32_t h_[8];
    uint8_t buf_[64];
    size_t used_ = 0;
    uint64_t total_ = 0;
};

Sha256Digest sha256(const void *data, size_t size);
/// HMAC-SHA256 of `message` under `key` (any length).
Sha256Digest hmac_sha256(const void *key, size_t key_size, const void *message, size_t size);
/// Lowercase hex of a digest.
std::string to_hex(const Sha256Digest &digest);

}  // namespace dcmkit
