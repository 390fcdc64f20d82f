// dcmkit — user identities an SCP accepts: password hashes (scrypt, PBKDF2) and JSON Web Tokens,
// on OpenSSL's libcrypto.
#include "dcmkit/lazy_library.h"
#include "dcmkit/archive_identity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "dcmkit/base64.h"
#include "dcmkit/error.h"

namespace dcmkit::archive {

namespace {

constexpr size_t kSaltBytes = 16, kHashBytes = 32;
constexpr uint64_t kScryptLogN = 15, kScryptR = 8, kScryptP = 1;
constexpr uint64_t kPbkdf2Iterations = 600000;
constexpr size_t kMaxToken = 65535;  // a User Identity field's length is 16 bits (PS3.7 D.3.3.7.1)

/// A value the peer chose, fit for a log line: control characters (a line break would forge a
/// line of its own) as \xNN, and at most 64 bytes of it, with the length of the rest.
std::string printable(std::string_view v) {
    std::string out;
    const size_t shown = std::min<size_t>(v.size(), 64);
    for (size_t i = 0; i < shown; ++i) {
        const uint8_t c = uint8_t(v[i]);
        if (c < 0x20 || c == 0x7F) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", c);
            out += hex;
        } else {
            out += char(c);
        }
    }
    if (shown < v.size()) out += "... (" + std::to_string(v.size()) + " bytes)";
    return out;
}

// -- base64 (base64.h): password hashes without padding, JSON Web Tokens in the URL alphabet ------------

std::string b64_encode(const uint8_t *p, size_t n) { return base64_encode({reinterpret_cast<const char *>(p), n}, Base64::standard, false); }

bool b64_decode(std::string_view s, std::string &out, bool url) {
    return base64_decode(s, out, url ? Base64::url : Base64::standard) == std::string_view::npos;
}

[[noreturn]] void bad_hash(const std::string &why) { throw Error(Errc::bad_value, "password hash: " + why); }

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == sep) {
            out.emplace_back(s.substr(start, i - start));
            start = i + 1;
        }
    return out;
}

bool parse_u64(const std::string &s, uint64_t &v) {
    if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    v = std::stoull(s);
    return true;
}

void derive_scrypt(const std::string &password, const std::string &salt, uint64_t log_n, uint64_t r, uint64_t p,
                   uint8_t *out, size_t n) {
    lazy::require("crypto", "scrypt password hashes");
    const uint64_t N = uint64_t(1) << log_n;
    const uint64_t maxmem = 128 * N * r * p + 1024 * r * p + (uint64_t(1) << 20);
    if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char *>(salt.data()),
                       salt.size(), N, r, p, maxmem, out, n) != 1)
        throw std::bad_alloc();  // scrypt fails only when it cannot have its memory
}

void derive_pbkdf2(const std::string &password, const std::string &salt, uint64_t iterations, uint8_t *out, size_t n) {
    lazy::require("crypto", "PBKDF2 password hashes");
    if (PKCS5_PBKDF2_HMAC(password.data(), int(password.size()), reinterpret_cast<const unsigned char *>(salt.data()),
                          int(salt.size()), int(iterations), EVP_sha256(), int(n), out) != 1)
        throw Error(Errc::unsupported, "PBKDF2-HMAC-SHA256 is not available in this OpenSSL");
}

// -- a small JSON reader for JWT headers and claims ----------------------------------------------------

/// One claim: a string, a number (as text), a bool/null (as text), or an array of strings.
struct JsonValue {
    enum Kind { string, number, literal, array, object } kind = literal;
    std::string text;
    std::vector<std::string> items;
};

class JsonReader {
public:
    explicit JsonReader(std::string_view s) : s_(s) {}

    /// A top-level object's members (nested objects and arrays of non-strings are kept as kinds only).
    std::map<std::string, JsonValue> object() {
        std::map<std::string, JsonValue> out;
        ws();
        expect('{');
        ws();
        if (peek() == '}') {
            ++i_;
            end();
            return out;
        }
        for (;;) {
            ws();
            std::string key = str();
            ws();
            expect(':');
            JsonValue v = value(1);
            if (!out.emplace(std::move(key), std::move(v)).second) fail("a member appears twice");
            ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            expect('}');
            break;
        }
        end();
        return out;
    }

private:
    [[noreturn]] void fail(const std::string &why) { throw Error(Errc::refused, "JWT: bad JSON: " + why); }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("'") + c + "' expected");
        ++i_;
    }
    void end() {
        ws();
        if (i_ != s_.size()) fail("text after the object");
    }
    std::string str() {
        expect('"');
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (uint8_t(c) < 0x20) fail("a control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) fail("an unfinished escape");
            c = s_[i_++];
            switch (c) {
            case '"': case '\\': case '/': out += c; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                if (i_ + 4 > s_.size()) fail("a short \\u escape");
                unsigned cp = 0;
                for (int k = 0; k < 4; ++k) {
                    const char h = s_[i_++];
                    cp <<= 4;
                    if (h >= '0' && h <= '9') cp |= unsigned(h - '0');
                    else if (h >= 'a' && h <= 'f') cp |= unsigned(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') cp |= unsigned(h - 'A' + 10);
                    else fail("a bad \\u escape");
                }
                // Claims we compare are ASCII in practice; keep other characters as UTF-8 (no pairs).
                if (cp < 0x80) {
                    out += char(cp);
                } else if (cp < 0x800) {
                    out += char(0xC0 | (cp >> 6));
                    out += char(0x80 | (cp & 0x3F));
                } else {
                    out += char(0xE0 | (cp >> 12));
                    out += char(0x80 | ((cp >> 6) & 0x3F));
                    out += char(0x80 | (cp & 0x3F));
                }
                break;
            }
            default: fail("a bad escape");
            }
        }
        expect('"');
        return out;
    }
    JsonValue value(int depth) {
        if (depth > 16) fail("nested too deeply");
        ws();
        JsonValue v;
        const char c = peek();
        if (c == '"') {
            v.kind = JsonValue::string;
            v.text = str();
        } else if (c == '{' || c == '[') {
            const char close = c == '{' ? '}' : ']';
            v.kind = c == '{' ? JsonValue::object : JsonValue::array;
            ++i_;
            ws();
            if (peek() == close) {
                ++i_;
                return v;
            }
            for (;;) {
                ws();
                if (v.kind == JsonValue::object) {
                    str();
                    ws();
                    expect(':');
                }
                JsonValue item = value(depth + 1);
                if (v.kind == JsonValue::array && item.kind == JsonValue::string) v.items.push_back(item.text);
                ws();
                if (peek() == ',') {
                    ++i_;
                    continue;
                }
                expect(close);
                break;
            }
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            v.kind = JsonValue::number;
            while (i_ < s_.size() && std::strchr("+-0123456789.eE", s_[i_])) v.text += s_[i_++];
        } else {
            for (const char *lit : {"true", "false", "null"})
                if (s_.substr(i_, std::strlen(lit)) == lit) {
                    v.text = lit;
                    i_ += std::strlen(lit);
                    return v;
                }
            fail("a value expected");
        }
        return v;
    }

    std::string_view s_;
    size_t i_ = 0;
};

[[noreturn]] void refuse(const std::string &why) { throw Error(Errc::refused, "JWT: " + why); }

/// A NumericDate claim (RFC 7519 2): seconds since the epoch; fractions are dropped.
int64_t numeric_date(const std::map<std::string, JsonValue> &claims, const char *name) {
    auto it = claims.find(name);
    if (it == claims.end()) return 0;
    if (it->second.kind != JsonValue::number) refuse(std::string("\"") + name + "\" is not a number");
    const std::string &t = it->second.text;
    const size_t dot = t.find_first_of(".eE");
    const std::string whole = t.substr(0, dot);
    char *end = nullptr;
    errno = 0;
    const long long v = std::strtoll(whole.c_str(), &end, 10);
    if (whole.empty() || *end || errno == ERANGE || v <= 0) refuse(std::string("\"") + name + "\" is not a date");
    return int64_t(v);
}

struct PkeyFree {
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey read_public_key(const std::string &pem) {
    lazy::require("crypto", "JWT signatures");
    BIO *bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
    if (!bio) throw std::bad_alloc();
    Pkey key(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    if (!key) throw Error(Errc::invalid_argument, "JWT: the public key is not a PEM public key");
    return key;
}

bool verify_signature(EVP_PKEY *key, const std::string &input, const std::string &signature) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) throw std::bad_alloc();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.data()), signature.size(),
                               reinterpret_cast<const unsigned char *>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/// ES256 signatures are R || S, 32 bytes each (RFC 7518 3.4); OpenSSL verifies DER.
std::string es256_to_der(const std::string &raw) {
    if (raw.size() != 64) refuse("an ES256 signature has 64 bytes, not " + std::to_string(raw.size()));
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()), 32, nullptr);
    BIGNUM *s = BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()) + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        throw std::bad_alloc();
    }
    unsigned char *der = nullptr;
    const int n = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (n <= 0) throw std::bad_alloc();
    std::string out(reinterpret_cast<char *>(der), size_t(n));
    OPENSSL_free(der);
    return out;
}

std::string read_text_file(const std::string &path, const char *what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(Errc::not_found, std::string("cannot read the ") + what + " " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

// -- passwords ---------------------------------------------------------------------------------------

std::string hash_password(const std::string &password, PasswordScheme scheme) {
    uint8_t salt[kSaltBytes], hash[kHashBytes];
    lazy::require("crypto", "Password hashing");
    if (RAND_bytes(salt, sizeof salt) != 1) throw Error(Errc::io, "no random bytes for a salt (OpenSSL RAND_bytes failed)");
    const std::string salt_s(reinterpret_cast<const char *>(salt), sizeof salt);
    if (scheme == PasswordScheme::scrypt) {
        derive_scrypt(password, salt_s, kScryptLogN, kScryptR, kScryptP, hash, sizeof hash);
        return "$scrypt$ln=" + std::to_string(kScryptLogN) + ",r=" + std::to_string(kScryptR) +
               ",p=" + std::to_string(kScryptP) + "$" + b64_encode(salt, sizeof salt) + "$" +
               b64_encode(hash, sizeof hash);
    }
    derive_pbkdf2(password, salt_s, kPbkdf2Iterations, hash, sizeof hash);
    return "$pbkdf2-sha256$i=" + std::to_string(kPbkdf2Iterations) + "$" + b64_encode(salt, sizeof salt) + "$" +
           b64_encode(hash, sizeof hash);
}

namespace {

/// A parsed hash_password string.
struct Phc {
    bool scrypt = true;
    uint64_t ln = 0, r = 0, p = 0, iterations = 0;
    std::string salt, hash;
};

Phc parse_phc(const std::string &phc) {
    const std::vector<std::string> f = split(phc, '$');
    // "", scheme, parameters, salt, hash
    if (f.size() != 5 || !f[0].empty()) bad_hash("not $scheme$parameters$salt$hash");
    Phc h;
    if (!b64_decode(f[3], h.salt, false) || h.salt.size() < 8 || h.salt.size() > 64) bad_hash("bad salt");
    if (!b64_decode(f[4], h.hash, false) || h.hash.size() < 16 || h.hash.size() > 64) bad_hash("bad hash value");
    if (f[1] == "scrypt") {
        for (const std::string &kv : split(f[2], ',')) {
            const size_t eq = kv.find('=');
            const std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
            uint64_t *dst = k == "ln" ? &h.ln : k == "r" ? &h.r : k == "p" ? &h.p : nullptr;
            if (!dst || !parse_u64(v, *dst)) bad_hash("bad scrypt parameter '" + kv + "'");
        }
        // Bounds that keep one check under ~1 GiB and a few seconds.
        if (h.ln < 10 || h.ln > 20 || h.r < 1 || h.r > 32 || h.p < 1 || h.p > 16 ||
            (uint64_t(128) << h.ln) * h.r * h.p > (uint64_t(1) << 30))
            bad_hash("scrypt parameters out of range");
    } else if (f[1] == "pbkdf2-sha256") {
        h.scrypt = false;
        if (f[2].rfind("i=", 0) != 0 || !parse_u64(f[2].substr(2), h.iterations) || h.iterations < 10000 ||
            h.iterations > 10000000)
            bad_hash("bad PBKDF2 iteration count '" + f[2] + "'");
    } else {
        bad_hash("unknown scheme '" + f[1] + "' (scrypt or pbkdf2-sha256)");
    }
    return h;
}

}  // namespace

bool verify_password(const std::string &password, const std::string &phc) {
    const Phc h = parse_phc(phc);
    std::vector<uint8_t> got(h.hash.size());
    if (h.scrypt) derive_scrypt(password, h.salt, h.ln, h.r, h.p, got.data(), got.size());
    else derive_pbkdf2(password, h.salt, h.iterations, got.data(), got.size());
    return CRYPTO_memcmp(got.data(), h.hash.data(), got.size()) == 0;
}

PasswordFile PasswordFile::parse(const std::string &text, const std::string &origin) {
    PasswordFile pf;
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#') continue;
        const size_t colon = line.find(':');
        const std::string where = origin + ":" + std::to_string(n) + ": ";
        if (colon == std::string::npos || colon == 0)
            throw Error(Errc::bad_value, where + "a line is USER:HASH");
        const std::string user = line.substr(0, colon), hash = line.substr(colon + 1);
        try {
            parse_phc(hash);
        } catch (const Error &e) {
            throw Error(Errc::bad_value, where + e.message());
        }
        if (!pf.users_.emplace(user, hash).second) throw Error(Errc::bad_value, where + "user '" + user + "' appears twice");
    }
    return pf;
}

PasswordFile PasswordFile::load(const std::string &path) { return parse(read_text_file(path, "password file"), path); }

bool PasswordFile::verify(const std::string &user, const std::string &password) const {
    auto it = users_.find(user);
    if (it == users_.end()) {
        // The same work as for a known user, against a hash no password matches.
        static const std::string decoy = hash_password("dcmkit: no such user");
        verify_password(password, decoy);
        return false;
    }
    return verify_password(password, it->second);
}

void PasswordFile::set_user(const std::string &path, const std::string &user, const std::string &password,
                            PasswordScheme scheme) {
    if (user.empty() || user.find_first_of(":\n\r") != std::string::npos)
        throw Error(Errc::invalid_argument, "a user name is not empty and holds no ':' or line break");
    std::string text;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) text = read_text_file(path, "password file");
    // Keep every other line as it is (comments included); replace or append this user's.
    std::ostringstream out;
    std::istringstream in(text);
    std::string line;
    bool replaced = false;
    const std::string entry = user + ":" + hash_password(password, scheme);
    while (std::getline(in, line)) {
        if (line.rfind(user + ":", 0) == 0) {
            if (!replaced) out << entry << '\n';
            replaced = true;
        } else {
            out << line << '\n';
        }
    }
    if (!replaced) out << entry << '\n';
    const std::string data = out.str();
    parse(data, path);  // never write a file the server would refuse
    const std::string tmp = path + ".dcmkit-tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(Errc::io, "cannot write " + tmp + ": " + std::strerror(errno));
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw Error(Errc::io, "cannot write " + tmp + ": " + std::strerror(e));
        }
        done += size_t(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        throw Error(Errc::io, "cannot replace " + path + ": " + std::strerror(e));
    }
}

// -- JSON Web Tokens ---------------------------------------------------------------------------------

JwtClaims verify_jwt(std::string_view token, const JwtOptions &options, int64_t now) {
    if (token.size() > kMaxToken) refuse("longer than a User Identity field can be");
    lazy::require("crypto", "JWT verification");
    // Tools send a token file as it is, often with its final line break: white space around the
    // token is not part of it (it cannot be: base64url has none).
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!token.empty() && space(token.front())) token.remove_prefix(1);
    while (!token.empty() && space(token.back())) token.remove_suffix(1);
    const size_t d1 = token.find('.'), d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
    if (d1 == std::string_view::npos || d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
        refuse("not a compact JWS (three base64url parts joined by '.')");
    std::string header_json, payload_json, signature;
    if (!b64_decode(token.substr(0, d1), header_json, true) || !b64_decode(token.substr(d1 + 1, d2 - d1 - 1), payload_json, true) ||
        !b64_decode(token.substr(d2 + 1), signature, true))
        refuse("a part is not base64url");
    const auto header = JsonReader(header_json).object();
    const auto alg_it = header.find("alg");
    if (alg_it == header.end() || alg_it->second.kind != JsonValue::string) refuse("no \"alg\" in the header");
    if (header.count("crit")) refuse("\"crit\" header parameters are not supported");
    JwtClaims claims;
    claims.algorithm = alg_it->second.text;
    const std::string input(token.substr(0, d2));
    if (claims.algorithm == "HS256") {
        if (options.hs256_secret.empty()) refuse("HS256 tokens are not accepted (no shared secret configured)");
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (!HMAC(EVP_sha256(), options.hs256_secret.data(), int(options.hs256_secret.size()),
                  reinterpret_cast<const unsigned char *>(input.data()), input.size(), mac, &n))
            throw Error(Errc::unsupported, "JWT: HMAC-SHA256 is not available in this OpenSSL");
        if (signature.size() != n || CRYPTO_memcmp(mac, signature.data(), n) != 0) refuse("bad signature");
    } else if (claims.algorithm == "RS256" || claims.algorithm == "ES256") {
        if (options.public_key_pem.empty()) refuse(printable(claims.algorithm) + " tokens are not accepted (no public key configured)");
        Pkey key = read_public_key(options.public_key_pem);
        const bool rsa = EVP_PKEY_is_a(key.get(), "RSA") == 1;
        const bool ec = EVP_PKEY_is_a(key.get(), "EC") == 1;
        if (claims.algorithm == "RS256" && !rsa) refuse("an RS256 token, but the configured key is not RSA");
        if (claims.algorithm == "ES256") {
            char group[64] = "";
            size_t len = 0;
            if (!ec || EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1 ||
                std::strcmp(group, "prime256v1") != 0)
                refuse("an ES256 token, but the configured key is not an EC P-256 key");
        }
        const std::string sig = claims.algorithm == "ES256" ? es256_to_der(signature) : signature;
        if (!verify_signature(key.get(), input, sig)) refuse("bad signature");
    } else {
        refuse("algorithm \"" + printable(claims.algorithm) + "\" is not accepted (HS256, RS256, ES256)");
    }

    const auto payload = JsonReader(payload_json).object();
    auto text_claim = [&](const char *name) -> std::string {
        auto it = payload.find(name);
        if (it == payload.end()) return {};
        if (it->second.kind != JsonValue::string) refuse(std::string("\"") + name + "\" is not a string");
        return it->second.text;
    };
    claims.subject = text_claim("sub");
    claims.issuer = text_claim("iss");
    if (auto it = payload.find("aud"); it != payload.end()) {
        if (it->second.kind == JsonValue::string) claims.audience = {it->second.text};
        else if (it->second.kind == JsonValue::array) claims.audience = it->second.items;
        else refuse("\"aud\" is neither a string nor an array of strings");
    }
    claims.expires = numeric_date(payload, "exp");
    claims.not_before = numeric_date(payload, "nbf");
    if (claims.expires == 0 && options.require_exp) refuse("no \"exp\" (expiry) claim");
    if (claims.expires != 0 && now >= claims.expires + options.leeway_s) refuse("expired");
    if (claims.not_before != 0 && now + options.leeway_s < claims.not_before) refuse("not valid yet (\"nbf\")");
    if (!options.audience.empty() &&
        std::find(claims.audience.begin(), claims.audience.end(), options.audience) == claims.audience.end())
        refuse("the audience is not \"" + options.audience + "\"");
    if (!options.issuer.empty() && claims.issuer != options.issuer)
        refuse("the issuer is \"" + printable(claims.issuer) + "\", not \"" + options.issuer + "\"");
    return claims;
}

std::string identity_user(const net::UserIdentityRq &identity) {
    if (identity.type == 1 || identity.type == 2) return identity.primary;
    if (identity.type != 5) return {};
    const std::string_view token = identity.primary;
    const size_t d1 = token.find('.'), d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
    std::string payload;
    if (d2 == std::string_view::npos || !b64_decode(token.substr(d1 + 1, d2 - d1 - 1), payload, true)) return {};
    try {
        const auto claims = JsonReader(payload).object();
        auto it = claims.find("sub");
        return it != claims.end() && it->second.kind == JsonValue::string ? it->second.text : std::string();
    } catch (const Error &) {
        return {};
    }
}

// -- the policy ----------------------------------------------------------------------------------------

std::vector<uint8_t> IdentityPolicy::types() const {
    std::vector<uint8_t> t;
    if (trust_username) t.push_back(1);
    if (!password_file.empty()) t.push_back(2);
    if (jwt) t.push_back(5);
    return t;
}

void apply_identity_policy(net::AeConfig &ae, const IdentityPolicy &policy) {
    ae.user_identity_types = policy.types();
    ae.user_identity_required = policy.required;
    if (!policy.enabled()) {
        ae.user_identity_check = nullptr;
        return;
    }
    auto passwords = std::make_shared<PasswordFile>();
    if (!policy.password_file.empty()) *passwords = PasswordFile::load(policy.password_file);
    if (policy.jwt && policy.jwt_options.hs256_secret.empty() && policy.jwt_options.public_key_pem.empty())
        throw Error(Errc::invalid_argument, "JWT identities need a shared secret (HS256) or a public key (RS256, ES256)");
    if (!policy.jwt_options.public_key_pem.empty()) read_public_key(policy.jwt_options.public_key_pem);  // fail now
    const JwtOptions jwt = policy.jwt_options;
    const net::LogSink sink = ae.log;
    const net::LogLevel level = ae.log_level;
    auto log = [sink, level](const std::string &line) {
        if (net::LogLevel::warning > level) return;
        if (sink) sink(net::LogLevel::warning, line);
        else std::fprintf(stderr, "W: %s\n", line.c_str());
    };
    ae.user_identity_check = [passwords, jwt, log, trust = policy.trust_username](const net::UserIdentityRq &id,
                                                                                  std::string &) -> bool {
        // A user name is matched by access rules and written to the log and the audit trail: one
        // with control characters is no one's.
        if ((id.type == 1 || id.type == 2) &&
            std::any_of(id.primary.begin(), id.primary.end(), [](char c) { return uint8_t(c) < 0x20 || c == 0x7F; })) {
            log("user identity refused: the user name '" + printable(id.primary) + "' holds control characters");
            return false;
        }
        try {
            switch (id.type) {
            case 1:
                if (trust) return true;
                break;
            case 2:
                if (passwords->verify(id.primary, id.secondary)) return true;
                log("user identity refused: wrong password or unknown user '" + printable(id.primary) + "'");
                return false;
            case 5: {
                const JwtClaims c = verify_jwt(id.primary, jwt);
                (void)c;
                return true;
            }
            default:
                break;
            }
            log("user identity refused: type " + std::to_string(id.type) + " is not accepted");
        } catch (const Error &e) {
            log("user identity refused: " + e.message());
        }
        return false;
    };
}

}  // namespace dcmkit::archive
