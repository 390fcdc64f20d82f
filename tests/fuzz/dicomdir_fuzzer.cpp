// libFuzzer target: the DICOMDIR reader (record tree through the offsets) on arbitrary bytes. What
// parses must be a tree: every child's parent is the record that lists it, every record is reached
// once, and File IDs either give a path below the file-set or a typed Error.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dcmkit/dicomdir.h"
#include "dcmkit/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    try {
        const dcmkit::DicomDir d = dcmkit::read_dicomdir_memory(data, size);
        std::vector<int> seen(d.records.size(), 0);
        auto check = [&](const std::vector<size_t> &kids, size_t parent) {
            for (size_t k : kids) {
                if (k >= d.records.size() || d.records[k].parent != parent || seen[k]++) std::abort();
            }
        };
        check(d.roots, dcmkit::DirectoryRecord::npos);
        for (size_t i = 0; i < d.records.size(); ++i) {
            check(d.records[i].children, i);
            try {
                const std::string p = d.file_path(i);
                if (p.find("..") != std::string::npos && d.records[i].file_id.find("..") == std::string::npos) std::abort();
            } catch (const dcmkit::Error &) {
            }
        }
        for (int s : seen)
            if (s != 1) std::abort();
    } catch (const dcmkit::Error &) {
    }
    return 0;
}
