// dcmkit — STOW-RS parts in DICOM JSON (see web_stow_json.h).
#include "web_stow_json.h"

#include <fstream>
#include <sstream>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/services/web_client.h"

namespace dcmkit::web::detail {

namespace {

bool looks_like_json(const std::string &path) {
    if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) return true;
    std::ifstream in(path, std::ios::binary);
    char c = 0;
    while (in.get(c))
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c == '{' || c == '[';
    return false;
}

void refuse_encapsulated(const Dataset &ds, const std::string &path) {
    for (const Element &e : ds) {
        if (e.is_encapsulated())
            throw Error(Errc::unsupported, path + ": encapsulated (compressed) pixel data cannot be sent as DICOM JSON bulk data "
                                                  "(JSON carries no transfer syntax); send the file as Part 10 (without --json)");
        for (const Dataset &item : e.items) refuse_encapsulated(item, path);
    }
}

}  // namespace

StowItem stow_json_item(const std::string &path, const std::string &base_url, size_t threshold) {
    std::vector<Dataset> datasets;
    if (looks_like_json(path)) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Error(Errc::not_found, path + ": cannot be opened");
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        // DICOM JSON: one object, or an array of them (a metadata answer); BulkDataURIs of local
        // files ("file:" or plain paths) are read from disk.
        try {
            const size_t first = text.find_first_not_of(" \t\r\n");
            if (first != std::string::npos && text[first] == '[') {
                for (std::string_view v : split_json_array(text)) datasets.push_back(from_json(v));
            } else {
                datasets.push_back(from_json(text));
            }
        } catch (const Error &e) {
            throw Error(e.code(), path + ": " + e.message(), e.offset(), e.tag());
        }
    } else {
        try {
            DicomFile f = read_file(path);
            datasets.push_back(std::move(f.dataset));
        } catch (const Error &e) {
            throw Error(e.code(), path + ": " + e.message(), e.offset(), e.tag());
        }
    }
    if (datasets.empty()) throw Error(Errc::invalid_argument, path + ": no dataset (an empty JSON array)");
    StowItem item;
    for (Dataset &ds : datasets) {
        refuse_encapsulated(ds, path);
        auto keep = std::make_shared<const Dataset>(std::move(ds));
        item.datasets.push_back(keep);
        const std::string study = keep->get_string_or(Tag(0x0020, 0x000D), ""), series = keep->get_string_or(Tag(0x0020, 0x000E), ""),
                          sop = keep->get_string_or(Tag(0x0008, 0x0018), "");
        if (study.empty() || series.empty() || sop.empty())
            throw Error(Errc::bad_value, path + ": a dataset without its Study, Series or SOP Instance UID cannot be stored");
        const std::string prefix = base_url + "/studies/" + study + "/series/" + series + "/instances/" + sop + "/bulk/";
        std::vector<StowPart> bulk;
        JsonWriteOptions wo;
        wo.bulk_data_threshold = threshold;
        wo.bulk_uri = [&](const Element &e, const std::vector<Tag> &) {
            const std::string uri = prefix + std::to_string(bulk.size() + 1);
            // Binary values are held little endian, as F.2.7 and the octet-stream part want them.
            bulk.push_back(StowPart{{{"Content-Type", "application/octet-stream"}, {"Content-Location", uri}}, e.value.str()});
            return uri;
        };
        auto json = std::make_shared<const std::string>(to_json(*keep, wo));
        item.owned.push_back(json);
        item.parts.push_back(StowPart{{{"Content-Type", "application/dicom+json"}}, *json});
        for (StowPart &p : bulk) item.parts.push_back(std::move(p));
        item.sop_instance_uids.push_back(sop);
    }
    return item;
}

}  // namespace dcmkit::web::detail
