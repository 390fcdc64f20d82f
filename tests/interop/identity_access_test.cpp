// `dcmkit serve` with user identities (PS3.7 D.3.3.7) and access rules, against DCMTK's storescu,
// findscu and movescu (--user/--password, --jwt). The password file holds a hash written by our
// `dcmkit passwd` and hashes Python's hashlib computed (scrypt and PBKDF2), and `dcmkit passwd`'s
// hash is recomputed with hashlib: the formats agree with a second implementation. Tokens are
// signed by peers too: Python's hmac (HS256), `openssl dgst -sign` (ES256).
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include "peer.h"

using dk_test::Child;
using dk_test::TempDir;

namespace {

const std::string kProject = std::string(DCMKIT_STANDARD_DIR) + "/../../..";  // core/data/standard
const std::string kPython = "/usr/bin/python3";
const std::string kMakeJwt = kProject + "/tests/interop/make_jwt.py";
constexpr const char *kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char *kStudy = "1.2.826.0.1.3680043.10.543.77";

/// DCMTK prints a status as 0x0124 or 0x124, we as 0124H: Refused: Not Authorized.
bool not_authorized(const std::string &out) {
    return out.find("0x0124") != std::string::npos || out.find("0x124") != std::string::npos ||
           out.find("0124H") != std::string::npos;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

class IdentityAccess : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"storescu", "findscu", "movescu", "storescp", "dump2dcm", "openssl"}))
            GTEST_SKIP() << "DCMTK or openssl not installed";
        // One CT instance, made by dump2dcm.
        file = tmp.path() + "/ct.dcm";
        dk_test::write_bytes(file + ".txt", std::string("(0008,0016) UI [") + kCt +
                                                "]\n(0008,0018) UI [" + kStudy + ".1.1]\n(0008,0060) CS [CT]\n"
                                                "(0010,0010) PN [DOE^JOHN]\n(0010,0020) LO [P1]\n(0020,000d) UI [" +
                                                kStudy + "]\n(0020,000e) UI [" + kStudy + ".1]\n");
        dk_test::tool({"dump2dcm", file + ".txt", file});

        // Users: alice by `dcmkit passwd` (scrypt), bob and dave by hashlib (PBKDF2, scrypt).
        passwords = tmp.path() + "/users.txt";
        auto r = dk_test::run({DCMKIT_CLI, "passwd", passwords, "alice", "--password", "alice-pw"});
        ASSERT_EQ(r.status, 0) << r.all();
        std::string text = dk_test::read_bytes(passwords);
        text += "bob:" + trimmed(dk_test::tool({kPython, kMakeJwt, "pbkdf2", "bob-pw"})) + "\n";
        text += "dave:" + trimmed(dk_test::tool({kPython, kMakeJwt, "scrypt", "dave-pw"})) + "\n";
        dk_test::write_bytes(passwords, text);

        // JWT keys: an HS256 secret and an EC P-256 pair.
        secret = tmp.path() + "/hs256.key";
        dk_test::write_bytes(secret, "a shared secret of the test\n");
        ec_key = tmp.path() + "/ec.pem";
        ec_pub = tmp.path() + "/ec_pub.pem";
        dk_test::tool({"openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ec_key});
        dk_test::tool({"openssl", "ec", "-in", ec_key, "-pubout", "-out", ec_pub});

        // A storescp as the C-MOVE destination GOOD; BAD is configured but not permitted.
        dest_dir = tmp.sub("dest");
        dest_port = dk_test::start_server(dest, [&](uint16_t p) {
            return std::vector<std::string>{"storescp", "-aet", "GOOD", "-od", dest_dir, std::to_string(p)};
        }, tmp.path() + "/storescp.log");
        ASSERT_NE(dest_port, 0);
    }

    /// Starts `dcmkit serve` with the users, keys and rules above; `required`: every association
    /// must carry an identity.
    void start(bool required, const std::string &public_key = {}) {
        const std::string config = tmp.path() + "/serve.conf";
        dk_test::write_bytes(config, "ae_title = ARCH\n"
                                     "identity = " + std::string(required ? "required" : "optional") + "\n"
                                     "identity_password_file = " + passwords + "\n"
                                     "identity_jwt_secret_file = " + secret + "\n"
                                     "identity_jwt_public_key = " + (public_key.empty() ? ec_pub : public_key) + "\n"
                                     "identity_jwt_audience = dcmkit-test\n"
                                     "audit = file:" + tmp.path() + "/audit.log\n"
                                     "dest = GOOD=127.0.0.1:" + std::to_string(dest_port) + "\n"
                                     "dest = BAD=127.0.0.1:" + std::to_string(dest_port) + "\n"
                                     "permit = ae:STORER store\n"
                                     "permit = ae:VIEWER find\n"
                                     "permit = ae:MOVER move dest:GOOD\n"
                                     "permit = user:alice find\n"
                                     "permit = user:carol find\n"
                                     "permit = user:bob move dest:GOOD\n");
        port = dk_test::start_server(server, [&](uint16_t p) {
            return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", tmp.sub("archive"),
                                            "--config", config, "-v"};
        }, tmp.path() + "/serve.log");
        ASSERT_NE(port, 0) << server.log();
    }

    dk_test::ProcResult store(std::vector<std::string> identity, const std::string &aet = "STORER") {
        std::vector<std::string> argv = {"storescu", "-v", "-aet", aet, "-aec", "ARCH"};
        argv.insert(argv.end(), identity.begin(), identity.end());
        argv.insert(argv.end(), {"127.0.0.1", std::to_string(port), file});
        return dk_test::run(argv);
    }

    dk_test::ProcResult find(std::vector<std::string> identity, const std::string &aet = "VIEWER") {
        std::vector<std::string> argv = {"findscu", "-v", "-S", "-aet", aet, "-aec", "ARCH", "-k", "0008,0052=STUDY",
                                         "-k", std::string("0020,000D=") + kStudy, "-k", "0010,0010"};
        argv.insert(argv.end(), identity.begin(), identity.end());
        argv.insert(argv.end(), {"127.0.0.1", std::to_string(port)});
        return dk_test::run(argv);
    }

    /// Our own find or move with an identity (DCMTK 3.6.7's findscu and movescu negotiate none).
    dk_test::ProcResult ours(const std::string &command, const std::string &aet, std::vector<std::string> extra) {
        std::vector<std::string> argv = {DCMKIT_CLI, command, "127.0.0.1", std::to_string(port), "-aet", aet, "-aec", "ARCH",
                                         "-k", "QueryRetrieveLevel=STUDY", "-k", std::string("StudyInstanceUID=") + kStudy};
        if (command == "find") argv.insert(argv.end(), {"-k", "PatientName"});
        argv.insert(argv.end(), extra.begin(), extra.end());
        return dk_test::run(argv);
    }

    std::string token(const std::string &alg, const std::string &key, const std::string &claims) {
        const std::string path = tmp.path() + "/token" + std::to_string(++tokens) + ".jwt";
        dk_test::write_bytes(path, dk_test::tool({kPython, kMakeJwt, alg, key, claims}));
        return path;
    }

    TempDir tmp{"dcmkit-identity"};
    Child server, dest;
    uint16_t port = 0, dest_port = 0;
    int tokens = 0;
    std::string file, passwords, secret, ec_key, ec_pub, dest_dir;
};

}  // namespace

TEST_F(IdentityAccess, PasswordsFromOurFileAndFromHashlibAreChecked) {
    start(/*required=*/true);
    // `dcmkit passwd`'s scrypt hash is the one hashlib computes from the same salt and password.
    const std::string line = dk_test::read_bytes(passwords).substr(0, dk_test::read_bytes(passwords).find('\n'));
    ASSERT_EQ(line.rfind("alice:$scrypt$ln=15,r=8,p=1$", 0), 0u) << line;
    const std::string check =
        "import base64,hashlib,sys\n"
        "p=sys.argv[1].split('$')\n"
        "d=lambda s: base64.b64decode(s+'='*(-len(s)%4))\n"
        "h=hashlib.scrypt(b'alice-pw',salt=d(p[3]),n=1<<15,r=8,p=1,maxmem=64<<20,dklen=32)\n"
        "print('same' if h==d(p[4]) else 'different')\n";
    EXPECT_EQ(trimmed(dk_test::tool({kPython, "-c", check, line.substr(6)})), "same");

    auto r = store({"--user", "alice", "--password", "alice-pw"});
    EXPECT_EQ(r.status, 0) << r.all();
    r = store({"--user", "bob", "--password", "bob-pw"});  // PBKDF2 by hashlib
    EXPECT_EQ(r.status, 0) << r.all();
    r = store({"--user", "dave", "--password", "dave-pw"});  // scrypt by hashlib
    EXPECT_EQ(r.status, 0) << r.all();

    r = store({"--user", "alice", "--password", "wrong"});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.all().find("Association Rejected"), std::string::npos) << r.all();
    r = store({"--user", "mallory", "--password", "alice-pw"});
    EXPECT_NE(r.status, 0);
    r = store({});  // identity = required
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.all().find("Association Rejected"), std::string::npos) << r.all();
    r = store({"--user", "alice"});  // a bare username is not accepted here
    EXPECT_NE(r.status, 0);
    const std::string log = server.log();
    EXPECT_NE(log.find("wrong password or unknown user 'alice'"), std::string::npos) << log;
    EXPECT_NE(log.find("a user identity is required"), std::string::npos) << log;
    EXPECT_EQ(log.find("alice-pw"), std::string::npos) << "a passcode reached the log";

    // The audit trail (PS3.15 A.5.3.12 User Authentication, EventID 110114, EventTypeCode 110122
    // Login): alice's accepted logins with outcome 0, the refused ones with outcome 4.
    server.stop();
    std::vector<std::string> logins;
    {
        std::istringstream in(dk_test::read_bytes(tmp.path() + "/audit.log"));
        std::string record;
        while (std::getline(in, record))
            if (record.find("csd-code=\"110114\"") != std::string::npos) logins.push_back(record);
    }
    auto count = [&](const std::string &user, const std::string &outcome) {
        int n = 0;
        for (const auto &l : logins)
            if (l.find("UserID=\"" + user + "\"") != std::string::npos &&
                l.find("EventOutcomeIndicator=\"" + outcome + "\"") != std::string::npos &&
                l.find("csd-code=\"110122\"") != std::string::npos)
                ++n;
        return n;
    };
    EXPECT_EQ(count("alice", "0"), 1) << logins.size();
    EXPECT_EQ(count("bob", "0"), 1);
    EXPECT_EQ(count("alice", "4"), 2);  // a wrong passcode, a bare username
    EXPECT_EQ(count("mallory", "4"), 1);
    for (const auto &l : logins) EXPECT_EQ(l.find("alice-pw"), std::string::npos) << l;
}

TEST_F(IdentityAccess, JsonWebTokensAreVerified) {
    start(/*required=*/true);
    const long long now = time(nullptr);
    auto claims = [&](const std::string &sub, long long exp, const std::string &aud) {
        return "{\"sub\":\"" + sub + "\",\"exp\":" + std::to_string(exp) + ",\"aud\":\"" + aud + "\"}";
    };
    auto r = store({"--jwt", token("HS256", secret, claims("carol", now + 600, "dcmkit-test"))});
    EXPECT_EQ(r.status, 0) << r.all();
    r = store({"--jwt", token("ES256", ec_key, claims("carol", now + 600, "dcmkit-test"))});
    EXPECT_EQ(r.status, 0) << r.all();
    // Expired, another audience, another key: rejected.
    r = store({"--jwt", token("HS256", secret, claims("carol", now - 600, "dcmkit-test"))});
    EXPECT_NE(r.status, 0) << r.all();
    r = store({"--jwt", token("HS256", secret, claims("carol", now + 600, "elsewhere"))});
    EXPECT_NE(r.status, 0) << r.all();
    const std::string other = tmp.path() + "/other.key";
    dk_test::write_bytes(other, "not the secret");
    r = store({"--jwt", token("HS256", other, claims("carol", now + 600, "dcmkit-test"))});
    EXPECT_NE(r.status, 0) << r.all();
    const std::string log = server.log();
    EXPECT_NE(log.find("JWT: expired"), std::string::npos) << log;
    EXPECT_NE(log.find("JWT: the audience is not \"dcmkit-test\""), std::string::npos) << log;
    EXPECT_NE(log.find("JWT: bad signature"), std::string::npos) << log;
    // The token's subject is the user the access rules see: carol may find.
    r = ours("find", "OTHER", {"--jwt", token("ES256", ec_key, claims("carol", now + 600, "dcmkit-test"))});
    EXPECT_EQ(r.status, 0) << r.all();
    r = ours("find", "OTHER", {"--jwt", token("ES256", ec_key, claims("erin", now + 600, "dcmkit-test"))});
    EXPECT_NE(r.status, 0) << r.all();
    EXPECT_TRUE(not_authorized(r.all())) << r.all();
}

TEST_F(IdentityAccess, RsaSignedTokensAreVerified) {
    // An RSA key pair made by openssl: RS256 tokens signed by `openssl dgst -sign` pass; an ES256
    // token is refused by a server that holds an RSA key, and so is one signed by another RSA key.
    const std::string rsa = tmp.path() + "/rsa.pem", rsa_pub = tmp.path() + "/rsa_pub.pem", other = tmp.path() + "/other.pem";
    dk_test::tool({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa});
    dk_test::tool({"openssl", "pkey", "-in", rsa, "-pubout", "-out", rsa_pub});
    dk_test::tool({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", other});
    start(/*required=*/true, rsa_pub);
    const long long now = time(nullptr);
    const std::string claims = "{\"sub\":\"carol\",\"exp\":" + std::to_string(now + 600) + ",\"aud\":\"dcmkit-test\"}";
    auto r = store({"--jwt", token("RS256", rsa, claims)});
    EXPECT_EQ(r.status, 0) << r.all();
    r = store({"--jwt", token("RS256", other, claims)});
    EXPECT_NE(r.status, 0) << r.all();
    r = store({"--jwt", token("ES256", ec_key, claims)});
    EXPECT_NE(r.status, 0) << r.all();
    const std::string log = server.log();
    EXPECT_NE(log.find("JWT: bad signature"), std::string::npos) << log;
    EXPECT_NE(log.find("an ES256 token, but the configured key is not an EC P-256 key"), std::string::npos) << log;
}

TEST_F(IdentityAccess, AccessRulesRefuseWithNotAuthorized) {
    start(/*required=*/false);
    // Only the calling AE STORER may store: from another AE (even with a good identity): 0124H.
    auto r = store({"--user", "alice", "--password", "alice-pw"}, "LAPTOP");
    EXPECT_TRUE(not_authorized(r.all())) << r.all();
    r = store({});
    ASSERT_EQ(r.status, 0) << r.all();

    // DCMTK's findscu: VIEWER may find, OTHER may not.
    r = find({}, "VIEWER");
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.all().find("DOE^JOHN"), std::string::npos) << r.all();
    r = find({}, "OTHER");
    EXPECT_TRUE(not_authorized(r.all())) << r.all();
    EXPECT_EQ(r.all().find("DOE^JOHN"), std::string::npos) << r.all();
    // By user: alice may find from any AE, dave may not.
    r = ours("find", "OTHER", {"--user", "alice", "--password", "alice-pw"});
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.all().find("DOE^JOHN"), std::string::npos) << r.all();
    r = ours("find", "OTHER", {"--user", "dave", "--password", "dave-pw"});
    EXPECT_NE(r.status, 0);
    EXPECT_TRUE(not_authorized(r.all())) << r.all();

    // DCMTK's movescu: MOVER may move to GOOD, not to BAD; bob (by identity) likewise.
    auto movescu = [&](const std::string &aet, const std::string &dest_ae) {
        return dk_test::run({"movescu", "-S", "-aet", aet, "-aec", "ARCH", "-aem", dest_ae, "-k", "0008,0052=STUDY",
                             "-k", std::string("0020,000D=") + kStudy, "127.0.0.1", std::to_string(port)});
    };
    const std::string moved = dest_dir + "/CT." + kStudy + ".1.1";
    r = movescu("MOVER", "BAD");
    EXPECT_TRUE(not_authorized(r.all())) << r.all();
    r = movescu("OTHER", "GOOD");
    EXPECT_TRUE(not_authorized(r.all())) << r.all();
    r = ours("move", "OTHER", {"-aem", "BAD", "--user", "bob", "--password", "bob-pw"});
    EXPECT_NE(r.status, 0);
    EXPECT_TRUE(not_authorized(r.all())) << r.all();
    EXPECT_NE(::access(moved.c_str(), F_OK), 0) << "an instance was moved without permission";
    r = movescu("MOVER", "GOOD");
    EXPECT_EQ(r.status, 0) << r.all();
    EXPECT_FALSE(not_authorized(r.all())) << r.all();
    EXPECT_TRUE(dk_test::wait_until([&] { return ::access(moved.c_str(), F_OK) == 0; }, 5000));
    const std::string log = server.log();
    EXPECT_NE(log.find("refused (not authorized): store by LAPTOP (user alice)"), std::string::npos) << log;
    EXPECT_NE(log.find("refused (not authorized): move to BAD by OTHER (user bob)"), std::string::npos) << log;
    EXPECT_NE(log.find("refused (not authorized): find by OTHER (user dave)"), std::string::npos) << log;
}
