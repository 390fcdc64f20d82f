// libFuzzer target: the multipart/related reader (STOW-RS bodies) on arbitrary bytes, fed in pieces
// whose sizes come from the input, with a differential check: the parts read must be the same
// whatever the piece sizes, and what the writer makes of them must read back to the same parts.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/services/multipart.h"

namespace {

struct Parts {
    std::vector<std::string> bodies;
    std::vector<dcmkit::http::PartHeaders> headers;
    bool done = false;
};

/// Reads `body` fed `step` bytes at a time (0: at once); false when the reader refused it.
bool read_all(const std::string &boundary, const std::string &body, size_t step, Parts &out) {
    dcmkit::http::MultipartReader::Callbacks cb;
    cb.begin = [&](const dcmkit::http::PartHeaders &h) {
        out.headers.push_back(h);
        out.bodies.emplace_back();
    };
    cb.data = [&](const char *d, size_t n) { out.bodies.back().append(d, n); };
    dcmkit::http::MultipartReader::Limits limits;
    limits.max_header_bytes = 512;
    try {
        dcmkit::http::MultipartReader r(boundary, cb, limits);
        if (step == 0) {
            r.feed(body.data(), body.size());
        } else {
            for (size_t i = 0; i < body.size(); i += step) r.feed(body.data() + i, std::min(step, body.size() - i));
        }
        r.finish();
        out.done = true;
        return true;
    } catch (const dcmkit::Error &) {
        return false;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    const size_t step = data[0] % 17 + 1;
    const std::string boundary = std::string("b") + char('0' + data[1] % 10);
    const std::string body(reinterpret_cast<const char *>(data) + 2, size - 2);
    Parts whole, pieces;
    const bool ok1 = read_all(boundary, body, 0, whole), ok2 = read_all(boundary, body, step, pieces);
    // Errors may come at different points only for the header limit; parts completed must agree.
    if (ok1 != ok2) std::abort();
    if (!ok1) return 0;
    if (whole.bodies != pieces.bodies || whole.headers != pieces.headers) std::abort();
    // Writing the parts again and reading them back gives the same bodies (headers are not
    // rewritten: a body may contain the delimiter only when the input's did not, so use a fresh one).
    std::string again;
    dcmkit::http::MultipartWriter w(dcmkit::http::make_boundary(), [&](const char *d, size_t n) { again.append(d, n); });
    for (const std::string &b : whole.bodies) {
        w.begin_part({{"Content-Type", "application/octet-stream"}});
        w.write(b);
    }
    w.finish();
    Parts back;
    if (!read_all(w.boundary(), again, 0, back) || back.bodies != whole.bodies) std::abort();
    return 0;
}
