// UID generation (PS3.5 B.2: "2.25." + a UUID as an unsigned decimal integer) and validation
// (PS3.5 9.1).
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <unordered_set>

#include "dcmkit/uid.h"

using dcmkit::generate_uid;
using dcmkit::is_valid_uid;

namespace {

using u128 = unsigned __int128;

// Decimal digits to a 128-bit integer; false on overflow or a non-digit.
bool to_u128(const std::string &digits, u128 &out) {
    const u128 max = ~u128(0);
    u128 v = 0;
    if (digits.empty()) return false;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
        unsigned d = unsigned(c - '0');
        if (v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

std::string to_decimal(u128 v) {
    if (v == 0) return "0";
    std::string s;
    while (v) {
        s.insert(s.begin(), char('0' + unsigned(v % 10)));
        v /= 10;
    }
    return s;
}

TEST(GenerateUid, FormOfA225Uid) {
    for (int i = 0; i < 100; ++i) {
        const std::string uid = generate_uid();
        SCOPED_TRACE(uid);
        ASSERT_EQ(uid.rfind("2.25.", 0), 0u);  // PS3.5 B.2 root
        EXPECT_LE(uid.size(), 64u);            // PS3.5 9.1
        std::string why;
        EXPECT_TRUE(is_valid_uid(uid, &why)) << why;
        const std::string digits = uid.substr(5);
        EXPECT_EQ(digits.find('.'), std::string::npos);  // one component after the root
        EXPECT_LE(digits.size(), 39u);                   // 2^128 has 39 digits
        EXPECT_TRUE(digits == "0" || digits[0] != '0');  // no leading zero (PS3.5 9.1)
    }
}

TEST(GenerateUid, DecimalIsAVersion4Uuid) {
    // RFC 4122 4.4 (which PS3.5 B.2 refers to, as ISO/IEC 9834-8): the version field, the high
    // nibble of octet 6 (bits 79-76 of the 128-bit integer), is 0100; the variant, the two high bits
    // of octet 8 (bits 63-62), is 10.
    for (int i = 0; i < 1000; ++i) {
        const std::string uid = generate_uid();
        SCOPED_TRACE(uid);
        u128 v = 0;
        ASSERT_TRUE(to_u128(uid.substr(5), v));
        EXPECT_EQ(unsigned((v >> 76) & 0xF), 4u);
        EXPECT_EQ(unsigned((v >> 62) & 0x3), 2u);
        EXPECT_EQ(to_decimal(v), uid.substr(5));  // canonical decimal, no leading zeros
    }
}

TEST(GenerateUid, UniqueOverTenThousandCallsAndBitsVary) {
    std::unordered_set<std::string> seen;
    std::array<unsigned, 128> ones{};
    const int n = 10000;
    for (int i = 0; i < n; ++i) {
        const std::string uid = generate_uid();
        ASSERT_TRUE(seen.insert(uid).second) << "duplicate " << uid;
        u128 v = 0;
        ASSERT_TRUE(to_u128(uid.substr(5), v)) << uid;
        for (int b = 0; b < 128; ++b) ones[size_t(b)] += unsigned((v >> b) & 1);
    }
    // The 122 random bits are each set about half the time; the 6 fixed bits never vary.
    for (int b = 0; b < 128; ++b) {
        const bool fixed = (b >= 76 && b <= 79) || b == 62 || b == 63;
        if (fixed) {
            const bool expected_one = b == 78 || b == 63;  // version 0100, variant 10
            EXPECT_EQ(ones[size_t(b)], expected_one ? unsigned(n) : 0u) << "bit " << b;
        } else {
            EXPECT_GT(ones[size_t(b)], unsigned(n * 4 / 10)) << "bit " << b;
            EXPECT_LT(ones[size_t(b)], unsigned(n * 6 / 10)) << "bit " << b;
        }
    }
}

TEST(IsValidUid, AcceptsPs35Conformant) {
    for (const char *ok : {"1.2.840.10008.1.2", "1.2.840.10008.5.1.4.1.1.2", "0", "1", "0.0", "1.0.2", "2.25.0",
                           "2.25.329800735698586629295641978511506172918", "1.2.3.10.100.1000"}) {
        std::string why;
        EXPECT_TRUE(is_valid_uid(ok, &why)) << ok << ": " << why;
    }
    // Exactly 64 characters is the maximum (PS3.5 9.1).
    std::string max = "1.2." + std::string(1, '3') + std::string(59, '4');
    ASSERT_EQ(max.size(), 64u);
    EXPECT_TRUE(is_valid_uid(max));
}

TEST(IsValidUid, RejectsWhatPs35Forbids) {
    std::string too_long = "1.2." + std::string(1, '3') + std::string(60, '4');
    ASSERT_EQ(too_long.size(), 65u);
    const std::string cases[] = {
        "",            // empty
        "1.02",        // leading zero in a multi-digit component
        "1.2.00",      // likewise
        "01.2",        // likewise, first component
        "1..2",        // empty component
        ".1.2",        // leading dot: empty first component
        "1.2.",        // trailing dot: empty last component
        too_long,      // more than 64 characters
        "1.2.a",       // letters
        "1.2.3A",
        "1.2.3 ",      // a space (padding is not part of the UID)
        "1,2,3",       // wrong separator
        "-1.2",        // sign
        "1.2.+3",
    };
    for (const std::string &bad : cases) {
        std::string why;
        EXPECT_FALSE(is_valid_uid(bad, &why)) << "'" << bad << "'";
        EXPECT_FALSE(why.empty()) << "no reason given for '" << bad << "'";
    }
    // why is optional.
    EXPECT_FALSE(is_valid_uid("1.02"));
}

}  // namespace
