// dcmkit archive — SHA-256 (FIPS 180-4) of memory and files, for Storage Commitment checks, through
// OpenSSL's libcrypto.
#include <openssl/evp.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "dcmkit/lazy_library.h"
#include "dcmkit/archive.h"

namespace dcmkit::archive {

namespace {

struct Digest {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
    Digest() {
        if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
            throw Error(Errc::unsupported, "SHA-256 is not available from libcrypto");
    }
    void update(const void *p, size_t n) {
        if (EVP_DigestUpdate(ctx.get(), p, n) != 1) throw Error(Errc::io, "SHA-256 update failed");
    }
    std::string hex() {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) throw Error(Errc::io, "SHA-256 final failed");
        static const char *digits = "0123456789abcdef";
        std::string out;
        for (unsigned i = 0; i < len; ++i) {
            out += digits[md[i] >> 4];
            out += digits[md[i] & 15];
        }
        return out;
    }
};

}  // namespace

std::string sha256_hex(const void *data, size_t size) {
    lazy::require("crypto", "SHA-256 digests");
    Digest d;
    d.update(data, size);
    return d.hex();
}

std::string sha256_file(const std::string &path) {
    lazy::require("crypto", "SHA-256 digests");
    std::FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error(Errc::io, "cannot open " + path + ": " + std::strerror(errno));
    Digest d;
    static thread_local uint8_t buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) d.update(buf, n);
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) throw Error(Errc::io, "cannot read " + path);
    return d.hex();
}

}  // namespace dcmkit::archive
