// dcmkit — user identities an SCP accepts (PS3.7 D.3.3.7): a password file of salted memory-hard
// hashes and JSON Web Token verification, through OpenSSL's libcrypto, composed into the
// net::UserIdentityCheck an AE configuration runs during association negotiation.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/net/ae_config.h"

namespace dcmkit::archive {

enum class PasswordScheme : uint8_t {
    scrypt,        ///< RFC 7914, N = 2^15, r = 8, p = 1 (32 MiB per check): the default
    pbkdf2_sha256  ///< PBKDF2-HMAC-SHA256 (RFC 8018), 600,000 iterations: for hosts short of memory
};

/// A salted hash of `password` in the PHC string format, e.g.
/// "$scrypt$ln=15,r=8,p=1$<salt>$<hash>" or "$pbkdf2-sha256$i=600000$<salt>$<hash>" (base64
/// without padding, 16 random salt bytes, 32 hash bytes).
std::string hash_password(const std::string &password, PasswordScheme scheme = PasswordScheme::scrypt);

/// Whether `password` matches `phc` (compared in constant time). Throws Error(bad_value) naming
/// what is wrong when `phc` is not a hash hash_password makes (unknown scheme, parameters out of
/// range, bad base64).
bool verify_password(const std::string &password, const std::string &phc);

/// `user:hash` lines (hash as hash_password makes it; `#` comments and blank lines ignored), the
/// format of `dcmkit passwd`.
class PasswordFile {
public:
    /// Throws Error (not_found when unreadable; bad_value naming FILE:LINE for a bad line).
    static PasswordFile load(const std::string &path);
    static PasswordFile parse(const std::string &text, const std::string &origin = "password file");
    /// false for an unknown user or a wrong password. An unknown user costs one hash too, so that
    /// timing does not tell which users exist.
    bool verify(const std::string &user, const std::string &password) const;
    bool has(const std::string &user) const { return users_.count(user) != 0; }
    size_t size() const { return users_.size(); }

    /// Adds `user` to the file at `path` (created with mode 0600 when absent) or replaces its
    /// hash, rewriting the file atomically (temporary file, fsync, rename). Throws Error.
    static void set_user(const std::string &path, const std::string &user, const std::string &password,
                         PasswordScheme scheme = PasswordScheme::scrypt);

private:
    std::map<std::string, std::string> users_;
};

/// What a JSON Web Token (RFC 7519, compact JWS, RFC 7515) must satisfy.
struct JwtOptions {
    std::string hs256_secret;    ///< HS256 key bytes; empty: HS256 tokens are refused
    std::string public_key_pem;  ///< an RSA (RS256) or EC P-256 (ES256) public key; empty: refused
    std::string audience;        ///< required in "aud" when set
    std::string issuer;          ///< required as "iss" when set
    int64_t leeway_s = 60;       ///< clock skew allowed on "exp" and "nbf"
    bool require_exp = true;     ///< a token without "exp" is refused
};

struct JwtClaims {
    std::string subject, issuer, algorithm;
    std::vector<std::string> audience;
    int64_t expires = 0, not_before = 0;  ///< 0 when absent
};

/// Verifies a compact JWS: algorithm (HS256, RS256 or ES256 only, never "none"), signature,
/// "exp", "nbf", "aud", "iss". Throws Error(refused) saying why a token is refused.
JwtClaims verify_jwt(std::string_view token, const JwtOptions &options, int64_t now = int64_t(std::time(nullptr)));

/// Who an accepted identity names: the username (types 1 and 2), a JSON Web Token's "sub" claim
/// (type 5; read without checking the signature again: call it on identities negotiation accepted),
/// else "".
std::string identity_user(const net::UserIdentityRq &identity);

/// The built-in identity checks of an SCP.
struct IdentityPolicy {
    std::string password_file;  ///< checks username+passcode (type 2); empty: type 2 refused
    bool jwt = false;           ///< checks JSON Web Tokens (type 5) with `jwt_options`
    JwtOptions jwt_options;
    bool trust_username = false;  ///< accepts a bare username (type 1), which proves nothing
    bool required = false;        ///< an association without an identity is rejected

    bool enabled() const { return !password_file.empty() || jwt || trust_username || required; }
    /// The identity types the policy can accept (PS3.7 Table D.3-14).
    std::vector<uint8_t> types() const;
};

/// Applies `policy` to `ae`: the accepted types, whether one is required, and the check (the
/// password file is read once, here). A refused identity is an A-ASSOCIATE-RJ and a log line
/// naming the user and the reason (never the passcode). Throws Error when the password file or a
/// key cannot be read.
void apply_identity_policy(net::AeConfig &ae, const IdentityPolicy &policy);

}  // namespace dcmkit::archive
