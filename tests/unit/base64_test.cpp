// base64 (base64.h) against RFC 4648: the test vectors of section 10, section 5's URL alphabet, what
// decoding accepts (padding left out, whitespace when asked) and where it stops on bad input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dcmkit/base64.h"

using dcmkit::Base64;
using dcmkit::base64_decode;
using dcmkit::base64_encode;

namespace {

constexpr size_t kOk = std::string_view::npos;

std::string decoded(std::string_view text, Base64 alphabet = Base64::standard, bool skip_whitespace = false) {
    std::string out;
    EXPECT_EQ(base64_decode(text, out, alphabet, skip_whitespace), kOk) << text;
    return out;
}

}  // namespace

TEST(Base64, Rfc4648TestVectors) {
    const std::pair<const char *, const char *> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                             {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                             {"foobar", "Zm9vYmFy"}};
    for (const auto &v : vectors) {
        EXPECT_EQ(base64_encode(v.first), v.second);
        EXPECT_EQ(decoded(v.second), v.first);
        std::vector<uint8_t> bytes;
        EXPECT_EQ(base64_decode(v.second, bytes), kOk);
        EXPECT_EQ(std::string(bytes.begin(), bytes.end()), v.first);
    }
    EXPECT_EQ(base64_encode("fooba", Base64::standard, false), "Zm9vYmE");
    EXPECT_EQ(base64_encode("f", Base64::standard, false), "Zg");
    EXPECT_EQ(decoded("Zm9vYmE"), "fooba");  // padding left out
    EXPECT_EQ(decoded("Zg"), "f");
}

TEST(Base64, UrlAlphabetOfSection5) {
    // 0xFB 0xFF 0xBF: "+/+/" in section 4's alphabet, "-_-_" in section 5's.
    const std::string bytes("\xFB\xFF\xBF", 3);
    EXPECT_EQ(base64_encode(bytes), "+/+/");
    EXPECT_EQ(base64_encode(bytes, Base64::url), "-_-_");
    EXPECT_EQ(decoded("-_-_", Base64::url), bytes);
    std::string out;
    EXPECT_EQ(base64_decode("-_-_", out), 0u);                // not section 4's
    EXPECT_EQ(base64_decode("+/+/", out, Base64::url), 0u);  // nor section 5's
}

TEST(Base64, WhitespaceOnlyWhenAsked) {
    EXPECT_EQ(decoded("Zm9v\r\nYmFy", Base64::standard, true), "foobar");
    EXPECT_EQ(decoded(" Zm 9v\tYg== ", Base64::standard, true), "foob");
    std::string out;
    EXPECT_EQ(base64_decode("Zm9v YmFy", out), 4u);
}

TEST(Base64, BadInputIsWhereItStops) {
    std::string out;
    EXPECT_EQ(base64_decode("Zm9v!mFy", out), 4u);   // not in the alphabet
    EXPECT_EQ(base64_decode("Zg==Zg==", out), 4u);   // data after padding
    EXPECT_EQ(base64_decode("Zg===", out), 4u);      // a third '='
    EXPECT_EQ(base64_decode("Zm9vY", out), 5u);      // a lone sextet holds no byte
    EXPECT_EQ(base64_decode("Zg=", out), 3u);        // padding that does not complete the quantum
    EXPECT_EQ(decoded("Zm9="), "fo");
    EXPECT_EQ(base64_decode("Zm9vYmE=", out), kOk);
}
