// libFuzzer target: the DICOM JSON reader (PS3.18 Annex F) on arbitrary text, with a differential
// check: whatever parses must write, read and write again to the same JSON.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dcmkit/error.h"
#include "dcmkit/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dcmkit::JsonReadOptions opt;
    // Never touch the file system from a fuzzer: bulk data resolves to fixed bytes.
    opt.bulk_loader = [](std::string_view, dcmkit::Tag, dcmkit::VR) { return dcmkit::Bytes::copy("\x01\x02\x03\x04", 4); };
    try {
        dcmkit::Dataset ds = dcmkit::from_json(std::string_view(reinterpret_cast<const char *>(data), size), opt);
        const std::string j = dcmkit::to_json(ds);
        const dcmkit::Dataset again = dcmkit::from_json(j, opt);
        if (dcmkit::to_json(again) != j) std::abort();
    } catch (const dcmkit::Error &) {
    }
    return 0;
}
