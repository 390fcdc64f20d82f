#include "dcmkit/uid.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <random>

#include "dcmkit/error.h"

namespace dcmkit {

static std::array<uint8_t, 16> random_bytes() {
    std::array<uint8_t, 16> b{};
    // getrandom() would be the direct call; /dev/urandom works in every sandbox we target.
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    bool ok = false;
    if (fd >= 0) {
        ok = ::read(fd, b.data(), b.size()) == ssize_t(b.size());
        ::close(fd);
    }
    if (!ok) {
        std::random_device rd;
        for (size_t i = 0; i < b.size(); i += 4) {
            uint32_t v = rd();
            for (size_t k = 0; k < 4; ++k) b[i + k] = uint8_t(v >> (8 * k));
        }
    }
    return b;
}

std::string generate_uid() {
    auto b = random_bytes();
    b[6] = uint8_t((b[6] & 0x0F) | 0x40);  // RFC 4122 version 4
    b[8] = uint8_t((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return uuid_to_uid(b);
}

std::string uuid_to_uid(const std::array<uint8_t, 16> &b) {
    // 128-bit big-endian integer to decimal by repeated division of 32-bit limbs.
    uint32_t limbs[4];
    for (int i = 0; i < 4; ++i)
        limbs[i] = (uint32_t(b[4 * i]) << 24) | (uint32_t(b[4 * i + 1]) << 16) | (uint32_t(b[4 * i + 2]) << 8) | b[4 * i + 3];
    std::string digits;
    for (;;) {
        bool zero = true;
        uint64_t rem = 0;
        for (auto &limb : limbs) {
            uint64_t cur = (rem << 32) | limb;
            limb = uint32_t(cur / 10);
            rem = cur % 10;
            if (limb) zero = false;
        }
        digits.push_back(char('0' + rem));
        if (zero) break;
    }
    return "2.25." + std::string(digits.rbegin(), digits.rend());
}

bool is_valid_uid(std::string_view uid, std::string *why, bool allow_leading_zeros) {
    auto fail = [&](const char *msg) {
        if (why) *why = msg;
        return false;
    };
    if (uid.empty()) return fail("empty");
    if (uid.size() > 64) return fail("longer than 64 characters");
    size_t start = 0;
    for (;;) {
        size_t dot = uid.find('.', start);
        std::string_view comp = uid.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (comp.empty()) return fail("empty component");
        for (char c : comp)
            if (c < '0' || c > '9') return fail("characters other than digits and dots");
        if (!allow_leading_zeros && comp.size() > 1 && comp[0] == '0') return fail("component with a leading zero");
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return true;
}

}  // namespace dcmkit
