// libFuzzer target: the upper layer PDU codec (PS3.8 9.3) on arbitrary bytes. Any crash, leak or
// sanitizer report is a bug. Beyond that, a differential round trip: whatever decodes must encode,
// decode again to an equal value, and encode again to the same bytes; abort() otherwise.
//
// Each input is tried as it is and, since a PDU-length that disagrees with the buffer is rejected
// before anything else is looked at, once more with its PDU-length patched to fit, so that the
// fuzzer spends its time inside the PDUs. The input is also split as the body of a P-DATA-TF.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/net/pdu.h"

using namespace dcmkit::net;

namespace {

[[noreturn]] void fail(const char *what, const PduError *e = nullptr) {
    std::fprintf(stderr, "pdu_fuzzer: %s", what);
    if (e) std::fprintf(stderr, " (reason %d at %zu: %s)", int(e->abort_reason), e->offset, e->message.c_str());
    std::fprintf(stderr, "\n");
    std::abort();
}

void check_error(const PduError &e, size_t size) {
    if (e.message.empty()) fail("an error without a message", &e);
    if (e.abort_reason != 1 && e.abort_reason != 5 && e.abort_reason != 6) fail("an unexpected abort reason", &e);
    if (e.offset > size) fail("an error offset past the input", &e);
}

void round_trip(const uint8_t *data, size_t size) {
    PduError e;
    const std::optional<Pdu> p = decode_pdu(data, size, e);
    if (!p) {
        check_error(e, size);
        return;
    }
    std::vector<uint8_t> enc;
    try {
        enc = encode_pdu(*p);
    } catch (const dcmkit::Error &x) {
        // Legitimate only when re-encoding adds what the input left out (the Maximum Length,
        // Abstract Syntax or Transfer Syntax (sub-)items are always written) to an item already
        // near its 65535-byte limit.
        if (x.code() != dcmkit::Errc::invalid_argument || size < 65535) fail(x.what());
        return;
    }
    const auto h = peek_pdu_header(enc.data(), enc.size());
    if (!h || h->type != data[0] || size_t(h->length) + 6 != enc.size()) fail("the re-encoded header is wrong");
    PduError e2;
    const std::optional<Pdu> q = decode_pdu(enc.data(), enc.size(), e2);
    if (!q) fail("a re-encoded PDU does not decode", &e2);
    if (!(*q == *p)) fail("decode(encode(decode(x))) != decode(x)");
    if (encode_pdu(*q) != enc) fail("encode is not a fixed point after one round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)peek_pdu_header(data, size);

    // The input as a P-DATA-TF body: views stay inside it, and their sizes add up.
    {
        std::vector<PdvView> views;
        PduError e;
        if (split_pdvs(data, size, views, e)) {
            size_t total = 0;
            for (const PdvView &v : views) {
                if (v.size && (v.data < data || v.data + v.size > data + size)) fail("a PDV view outside its body");
                total += 6 + v.size;
            }
            if (total != size) fail("PDV views do not cover the body");
        } else {
            check_error(e, size + 6);
        }
    }

    round_trip(data, size);
    if (size >= 6 && size - 6 <= 0xFFFFFFFFu) {
        std::vector<uint8_t> patched(data, data + size);
        const uint32_t n = uint32_t(size - 6);
        patched[2] = uint8_t(n >> 24);
        patched[3] = uint8_t(n >> 16);
        patched[4] = uint8_t(n >> 8);
        patched[5] = uint8_t(n);
        if (std::memcmp(patched.data() + 2, data + 2, 4) != 0) round_trip(patched.data(), patched.size());
    }
    return 0;
}
