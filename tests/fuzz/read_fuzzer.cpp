// libFuzzer target: the Part 10 / raw dataset reader, then every consumer of its output (dump,
// per-frame access, re-encoding), on arbitrary bytes. Any crash, leak or sanitizer report is a bug;
// dcmkit::Error is the expected outcome for bad input.
#include <cstdint>
#include <string>

#include "dcmkit/dump.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dcmkit::ReadOptions opt;
    opt.max_inflated_size = 16u << 20;
    try {
        dcmkit::DicomFile f = dcmkit::read_memory(data, size, opt, /*borrow=*/true);
        std::string out;
        dcmkit::dump(out, f);
        try {
            const uint64_t frames = dcmkit::frame_count(f.dataset);
            for (uint64_t i = 0; i < frames && i < 4; ++i) (void)dcmkit::frame_bytes(f.dataset, i);
        } catch (const dcmkit::Error &) {
        }
        dcmkit::WriteOptions w;
        w.transfer_syntax = "1.2.840.10008.1.2.1";
        (void)dcmkit::write_memory(f, w);
    } catch (const dcmkit::Error &) {
    }
    return 0;
}
