// dcmkit — the parts of a STOW-RS request in DICOM JSON (PS3.18 10.5.1.2.2), made from a Part 10 file
// or a DICOM JSON file; no HTTP here (web_client.cpp sends them).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/dataset.h"

namespace dcmkit::web::detail {

/// One part of the multipart/related body: its header fields and its bytes (a view into `owned` or
/// into a dataset the item keeps alive).
struct StowPart {
    std::vector<std::pair<std::string, std::string>> headers;
    std::string_view bytes;
};

/// The parts one input file gives: per dataset, its JSON then its bulk data parts.
struct StowItem {
    std::vector<StowPart> parts;
    std::vector<std::string> sop_instance_uids;
    std::vector<std::shared_ptr<const std::string>> owned;  // the JSON texts
    std::vector<std::shared_ptr<const Dataset>> datasets;   // what bulk views point into
    uint64_t bytes() const {
        uint64_t n = 0;
        for (const StowPart &p : parts) n += p.bytes.size();
        return n;
    }
};

/// Reads `path` (a Part 10 file, or DICOM JSON when its name ends in ".json" or it starts with '{' or
/// '[') into parts: binary values over `threshold` bytes become bulk data parts whose Content-Location
/// is BASE/studies/S/series/R/instances/I/bulk/N. Throws Error(unsupported) for encapsulated pixel
/// data, the reader's errors for a file that does not parse, Error(bad_value) for a dataset without
/// its UIDs.
StowItem stow_json_item(const std::string &path, const std::string &base_url, size_t threshold);

}  // namespace dcmkit::web::detail
