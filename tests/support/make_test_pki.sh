#!/bin/sh
# A small PKI for the TLS tests of the C ABI and the bindings, made with the openssl command:
#   DIR/ca.pem, ca.key            a self-signed CA ("dcmkit test CA")
#   DIR/server.pem, server.key    CN localhost, subjectAltName DNS:localhost, IP:127.0.0.1
#   DIR/client.pem, client.key    CN modality1, subjectAltName DNS:modality1.example
# usage: make_test_pki.sh DIR        (DIR must exist)
set -eu
d=$1
cd "$d"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=dcmkit test CA" 2>/dev/null
for spec in "server:localhost:DNS:localhost,IP:127.0.0.1" "client:modality1:DNS:modality1.example"; do
  name=${spec%%:*}; rest=${spec#*:}; cn=${rest%%:*}; san=${rest#*:}
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/O=dcmkit test/CN=$cn" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$san" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" -days 30 \
    -extfile "$name.ext" 2>/dev/null
done
