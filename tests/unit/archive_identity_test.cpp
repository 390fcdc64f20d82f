// User identities an SCP accepts (archive_identity.h): password hashes, JSON Web Tokens, the
// archive's access rules. Golden values: RFC 7515 Appendix A.1 (an HS256 JWS with its key) and
// hashes that Python's hashlib computes (interop test); here the failure paths and formats.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dcmkit/archive_identity.h"
#include "dcmkit/archive_server.h"
#include "dcmkit/error.h"

using namespace dcmkit;
using namespace dcmkit::archive;

namespace {

// RFC 7515 A.1: the JWS, and its HMAC key (the JWK "k", base64url).
const char *kRfcToken =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const unsigned char kRfcKey[] = {3,   35,  53,  75,  43,  15,  165, 188, 131, 126, 6,   101, 119, 123, 166, 143,
                                 90,  179, 40,  230, 240, 84,  201, 40,  169, 15,  132, 178, 210, 80,  46,  191,
                                 211, 251, 90,  146, 210, 6,   71,  239, 150, 138, 180, 195, 119, 98,  61,  34,
                                 61,  46,  33,  114, 5,   46,  79,  8,   192, 205, 154, 245, 103, 208, 128, 163};
constexpr int64_t kRfcExp = 1300819380;

JwtOptions rfc_options() {
    JwtOptions o;
    o.hs256_secret.assign(reinterpret_cast<const char *>(kRfcKey), sizeof kRfcKey);
    o.leeway_s = 0;
    return o;
}

std::string refusal(std::string_view token, const JwtOptions &o, int64_t now) {
    try {
        verify_jwt(token, o, now);
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::refused) << e.what();
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST(Jwt, Rfc7515HmacExampleVerifies) {
    const JwtClaims c = verify_jwt(kRfcToken, rfc_options(), kRfcExp - 100);
    EXPECT_EQ(c.algorithm, "HS256");
    EXPECT_EQ(c.issuer, "joe");
    EXPECT_EQ(c.expires, kRfcExp);
}

TEST(Jwt, ExpiryNotBeforeAudienceIssuer) {
    JwtOptions o = rfc_options();
    EXPECT_NE(refusal(kRfcToken, o, kRfcExp).find("expired"), std::string::npos);
    o.leeway_s = 60;
    EXPECT_EQ(refusal(kRfcToken, o, kRfcExp + 30), "accepted");  // within the allowed clock skew
    o.issuer = "mallory";
    EXPECT_NE(refusal(kRfcToken, o, kRfcExp - 100).find("issuer"), std::string::npos);
    o.issuer = "joe";
    o.audience = "dcmkit";  // the example has no "aud"
    EXPECT_NE(refusal(kRfcToken, o, kRfcExp - 100).find("audience"), std::string::npos);
}

TEST(Jwt, TamperedTokensAndWrongKeysAreRefused) {
    const JwtOptions o = rfc_options();
    std::string t = kRfcToken;
    t[t.rfind('.') + 3] ^= 1;  // one signature character changed
    EXPECT_NE(refusal(t, o, kRfcExp - 100), "accepted");
    t = kRfcToken;
    t[50] = t[50] == 'a' ? 'b' : 'a';  // a payload character changed
    EXPECT_NE(refusal(t, o, kRfcExp - 100), "accepted");
    JwtOptions other = o;
    other.hs256_secret = "another key";
    EXPECT_NE(refusal(kRfcToken, other, kRfcExp - 100).find("bad signature"), std::string::npos);
    JwtOptions none;
    EXPECT_NE(refusal(kRfcToken, none, kRfcExp - 100).find("not accepted"), std::string::npos);
}

TEST(Jwt, UnsignedAndMalformedTokensAreRefused) {
    const JwtOptions o = rfc_options();
    // {"alg":"none"} . {"sub":"x","exp":9999999999} . (empty signature): never accepted.
    EXPECT_NE(refusal("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ.", o, 0).find("\"none\""),
              std::string::npos);
    for (const char *bad : {"", "a", "a.b", "a.b.c.d", "!!!.e30.", "e30.e30.", "eyJhbGciOiJIUzI1NiJ9.e30.",
                            "eyJhbGciOjF9.e30.", "eyJ9.e30.", "eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiZXhwIl19.e30."})
        EXPECT_NE(refusal(bad, o, 0), "accepted") << bad;
    EXPECT_NE(refusal(std::string(70000, 'a'), o, 0).find("longer"), std::string::npos);
}

TEST(Jwt, RefusalsQuoteThePeersValuesPrintably) {
    // {"alg":"x\nW: forged line"}: the refusal reaches the log, where a line break would forge a
    // line of its own; it is shown as \x0A. A long value is cut at 64 bytes.
    const std::string forged = refusal("eyJhbGciOiJ4XG5XOiBmb3JnZWQgbGluZSJ9.e30.", rfc_options(), 0);
    EXPECT_NE(forged.find("algorithm \"x\\x0AW: forged line\" is not accepted"), std::string::npos) << forged;
    EXPECT_EQ(forged.find('\n'), std::string::npos) << forged;
    // {"alg":"AAAA…"} (100 bytes)
    const std::string long_alg = refusal("eyJhbGciOiJBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
                                         "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBIn0.e30.",
                                         rfc_options(), 0);
    EXPECT_NE(long_alg.find("algorithm \"" + std::string(64, 'A') + "... (100 bytes)\" is not accepted"), std::string::npos)
        << long_alg;
}

TEST(Password, HashesVerifyAndFormatsAreChecked) {
    const std::string h = hash_password("s3cret", PasswordScheme::pbkdf2_sha256);
    EXPECT_EQ(h.rfind("$pbkdf2-sha256$i=600000$", 0), 0u) << h;
    EXPECT_TRUE(verify_password("s3cret", h));
    EXPECT_FALSE(verify_password("s3cre", h));
    EXPECT_NE(hash_password("s3cret", PasswordScheme::pbkdf2_sha256), h);  // salted
    const std::string s = hash_password("s3cret");
    EXPECT_EQ(s.rfind("$scrypt$ln=15,r=8,p=1$", 0), 0u) << s;
    EXPECT_TRUE(verify_password("s3cret", s));
    EXPECT_FALSE(verify_password("S3cret", s));
    for (const char *bad : {"", "plain", "$md5$x$y$z", "$scrypt$ln=40,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                            "$scrypt$ln=15$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$pbkdf2-sha256$i=5$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                            "$pbkdf2-sha256$i=600000$!!$aGFzaGhhc2hoYXNoaGFzaA"}) {
        EXPECT_THROW(verify_password("x", bad), Error) << bad;
    }
}

TEST(Password, FileParsesAndRefusesBadLines) {
    const std::string h = hash_password("pw", PasswordScheme::pbkdf2_sha256);
    const PasswordFile f = PasswordFile::parse("# users\n\nalice:" + h + "\n");
    EXPECT_TRUE(f.has("alice"));
    EXPECT_TRUE(f.verify("alice", "pw"));
    EXPECT_FALSE(f.verify("alice", "wrong"));
    EXPECT_FALSE(f.verify("nobody", "pw"));
    try {
        PasswordFile::parse("alice:" + h + "\nbob\n", "users.txt");
        FAIL() << "a line without ':' was accepted";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("users.txt:2"), std::string::npos) << e.what();
    }
    EXPECT_THROW(PasswordFile::parse("alice:" + h + "\nalice:" + h + "\n"), Error);
    EXPECT_THROW(PasswordFile::parse("alice:$scrypt$nonsense\n"), Error);
}

TEST(Identity, UserOfAnIdentity) {
    net::UserIdentityRq id;
    id.type = 2;
    id.primary = "alice";
    id.secondary = "pw";
    EXPECT_EQ(identity_user(id), "alice");
    id.type = 5;
    id.primary = kRfcToken;  // no "sub"
    EXPECT_EQ(identity_user(id), "");
    // {"alg":"HS256"} . {"sub":"carol"} . x
    id.primary = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJvbCJ9.eA";
    EXPECT_EQ(identity_user(id), "carol");
    id.type = 3;
    EXPECT_EQ(identity_user(id), "");
}

TEST(Access, RulesParseAndDecide) {
    Config c;
    std::string err;
    EXPECT_TRUE(c.permits("ANY", "", "store"));  // no rules: everything served is open
    ASSERT_TRUE(c.set("permit", "ae:CT1 store", err)) << err;
    ASSERT_TRUE(c.set("permit", "user:alice find move dest:WS1,dest:WS2", err)) << err;
    ASSERT_TRUE(c.set("permit", "ae:VIEW+user:bob get", err)) << err;
    ASSERT_TRUE(c.set("permit", "* worklist", err)) << err;
    EXPECT_TRUE(c.permits("CT1", "", "store"));
    EXPECT_FALSE(c.permits("CT2", "", "store"));
    EXPECT_FALSE(c.permits("CT1", "", "find"));
    EXPECT_TRUE(c.permits("ANY", "alice", "find"));
    EXPECT_TRUE(c.permits("ANY", "alice", "move", "WS2"));
    EXPECT_FALSE(c.permits("ANY", "alice", "move", "WS3"));
    EXPECT_TRUE(c.permits("VIEW", "bob", "get"));
    EXPECT_FALSE(c.permits("OTHER", "bob", "get"));
    EXPECT_FALSE(c.permits("VIEW", "", "get"));
    EXPECT_TRUE(c.permits("ANY", "", "worklist"));
    EXPECT_FALSE(c.permits("ANY", "", "mpps"));
    EXPECT_EQ(c.access[1].text(), "user:alice find move dest:WS1 dest:WS2");
    for (const char *bad : {"ae:CT1", "ae:CT1 delete", "who store", "ae: store", "user:alice find dest:WS1", "* store dest:"}) {
        EXPECT_FALSE(c.set("permit", bad, err)) << bad;
        EXPECT_FALSE(err.empty());
    }
    EXPECT_FALSE(c.set("identity", "maybe", err));
    EXPECT_FALSE(c.set("identity_jwt_secret_file", "/nonexistent/key", err));
    EXPECT_NE(err.find("/nonexistent/key"), std::string::npos);
}

TEST(Identity, UserNamesWithControlCharactersAreRefusedAndLoggedPrintably) {
    // A bare username (type 1) is trusted by this policy, but not one that would forge log lines
    // (access rules, the log and the audit trail all name the user).
    IdentityPolicy policy;
    policy.trust_username = true;
    net::AeConfig ae;
    std::vector<std::string> lines;
    ae.log = [&](net::LogLevel, const std::string &line) { lines.push_back(line); };
    ae.log_level = net::LogLevel::info;
    apply_identity_policy(ae, policy);
    ASSERT_TRUE(ae.user_identity_check);
    std::string response;
    net::UserIdentityRq id;
    id.type = 1;
    id.primary = "alice";
    EXPECT_TRUE(ae.user_identity_check(id, response));
    EXPECT_TRUE(lines.empty());
    id.primary = "alice\nW: forged line";
    EXPECT_FALSE(ae.user_identity_check(id, response));
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "user identity refused: the user name 'alice\\x0AW: forged line' holds control characters");
    id.primary = std::string(100, 'a') + "\x1b";
    EXPECT_FALSE(ae.user_identity_check(id, response));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1], "user identity refused: the user name '" + std::string(64, 'a') + "... (101 bytes)' holds control characters");
}
