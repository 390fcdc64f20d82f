/* dcmkit — the OpenSSL CivetWeb loads for HTTPS (web_security.cpp).
 *
 * Debian's CivetWeb (1.15, built for the OpenSSL 1.1 API, loading OpenSSL with dlopen) opens
 * "libssl.so" and "libcrypto.so" and looks up each function it calls, among them
 * SSL_get_peer_certificate, which OpenSSL 3 has as a macro only (civetweb/civetweb#1334): its HTTPS
 * cannot start. These two small libraries carry those names as their SONAMEs and depend on
 * libssl.so.3 and libcrypto.so.3, dcmkit's OpenSSL: loaded before CivetWeb starts, they are what
 * its dlopen finds, its lookups reach OpenSSL 3 through them, and the missing function is here.
 * Built twice: with DK_SHIM_SSL (SONAME libssl.so) and without (SONAME libcrypto.so, no code). */
#if defined(DK_SHIM_SSL)
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *ssl);
X509 *SSL_get_peer_certificate(const SSL *ssl) { return SSL_get1_peer_certificate(ssl); }
#else
/* ISO C wants a declaration in a translation unit. */
int dk_civetweb_crypto_shim;
#endif
