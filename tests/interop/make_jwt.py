#!/usr/bin/python3
"""Makes a JSON Web Token (compact JWS, RFC 7515) with peer tools, for the identity tests.

    make_jwt.py HS256 KEY_FILE CLAIMS_JSON      HMAC-SHA256 with Python's hmac module
    make_jwt.py RS256 PRIVATE_KEY_PEM CLAIMS    RSASSA-PKCS1-v1_5 SHA-256 by `openssl dgst -sign`
    make_jwt.py ES256 PRIVATE_KEY_PEM CLAIMS    ECDSA P-256 SHA-256 by `openssl dgst -sign`, its DER
                                                signature turned into R || S (RFC 7518 3.4)

Prints the token. Also: `make_jwt.py scrypt PASSWORD` and `make_jwt.py pbkdf2 PASSWORD` print a
password-file hash of PASSWORD computed by Python's hashlib, in the PHC format dcmkit reads.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).rstrip(b"=").decode()


def der_to_raw(der: bytes) -> bytes:
    """ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } -> r || s, 32 bytes each."""
    assert der[0] == 0x30
    i = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        v = der[i + 2:i + 2 + n].lstrip(b"\0")
        out += v.rjust(32, b"\0")
        i += 2 + n
    return out


def main() -> int:
    kind = sys.argv[1]
    if kind == "scrypt":
        salt = os.urandom(16)
        h = hashlib.scrypt(sys.argv[2].encode(), salt=salt, n=1 << 15, r=8, p=1, maxmem=64 << 20, dklen=32)
        print("$scrypt$ln=15,r=8,p=1$%s$%s" % (b64(salt), b64(h)))
        return 0
    if kind == "pbkdf2":
        salt = os.urandom(16)
        h = hashlib.pbkdf2_hmac("sha256", sys.argv[2].encode(), salt, 600000, 32)
        print("$pbkdf2-sha256$i=600000$%s$%s" % (b64(salt), b64(h)))
        return 0
    alg, key, claims = kind, sys.argv[2], json.loads(sys.argv[3])
    header = {"alg": alg, "typ": "JWT"}
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    if alg == "HS256":
        with open(key, "rb") as f:
            secret = f.read().rstrip(b"\r\n")
        sig = hmac.new(secret, signing_input, hashlib.sha256).digest()
    else:
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input,
                             stdout=subprocess.PIPE, check=True).stdout
        if alg == "ES256":
            sig = der_to_raw(sig)
    print(signing_input.decode() + "." + b64url(sig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
