// dcmkit — UID generation and validation (PS3.5 9).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dcmkit {

/// A new UID under the 2.25 root from a random (version 4) UUID, as PS3.5 B.2 describes:
/// "2.25." followed by the UUID's 128 bits as a decimal integer without leading zeros.
std::string generate_uid();

/// The UID of a UUID (PS3.5 B.2): "2.25." + the decimal of its 128 bits, `uuid` big-endian as
/// RFC 9562 writes it (its version and variant bits as the caller set them).
std::string uuid_to_uid(const std::array<uint8_t, 16> &uuid);

/// PS3.5 9.1: at most 64 characters, digits and dots, no empty component, no leading zero in a
/// component of more than one digit (unless `allow_leading_zeros`: real senders use them). On
/// failure `why` (if given) says what is wrong.
bool is_valid_uid(std::string_view uid, std::string *why = nullptr, bool allow_leading_zeros = false);

}  // namespace dcmkit
