// dcmkit — DICOM JSON arrays (QIDO-RS answers, WADO-RS metadata) split into their datasets (see web_client.h).
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/json.h"
#include "dcmkit/services/web_client.h"

namespace dcmkit::web {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
}  // namespace

std::vector<std::string_view> split_json_array(std::string_view json) {
    size_t i = 0;
    auto skip = [&] {
        while (i < json.size() && is_space(json[i])) ++i;
    };
    skip();
    if (i >= json.size()) throw Error(Errc::truncated, "the JSON answer is empty, not an array", int64_t(i));
    if (json[i] != '[') throw Error(Errc::malformed, "the JSON answer is not an array (it starts with '" + std::string(1, json[i]) + "')", int64_t(i));
    ++i;
    std::vector<std::string_view> out;
    skip();
    if (i < json.size() && json[i] == ']') {
        ++i;
        skip();
        if (i != json.size()) throw Error(Errc::malformed, "text after the JSON array", int64_t(i));
        return out;
    }
    for (;;) {
        skip();
        const size_t start = i;
        int depth = 0;
        bool in_string = false;
        for (; i < json.size(); ++i) {
            const char c = json[i];
            if (in_string) {
                if (c == '\\') ++i;
                else if (c == '"') in_string = false;
                continue;
            }
            if (c == '"') in_string = true;
            else if (c == '{' || c == '[') ++depth;
            else if (c == '}' || c == ']') {
                if (depth == 0) break;  // the array's own ']'
                if (--depth < 0) break;
            } else if (c == ',' && depth == 0)
                break;
        }
        if (i >= json.size()) throw Error(Errc::truncated, "the JSON array ends before its closing ']'", int64_t(i));
        size_t end = i;
        while (end > start && is_space(json[end - 1])) --end;
        if (end == start) throw Error(Errc::malformed, "an empty value in the JSON array", int64_t(start));
        out.push_back(json.substr(start, end - start));
        if (json[i] == ',') {
            ++i;
            continue;
        }
        if (json[i] != ']') throw Error(Errc::malformed, "unbalanced JSON array", int64_t(i));
        ++i;
        skip();
        if (i != json.size()) throw Error(Errc::malformed, "text after the JSON array", int64_t(i));
        return out;
    }
}

void JsonArrayScanner::feed(const char *data, size_t n) {
    for (size_t k = 0; k < n; ++k, ++offset_) {
        const char c = data[k];
        if (in_string_) {
            if (escape_) escape_ = false;
            else if (c == '\\') escape_ = true;
            else if (c == '"') in_string_ = false;
            continue;
        }
        if (is_space(c)) continue;
        if (done_) throw Error(Errc::malformed, "text after the JSON array", int64_t(offset_));
        if (!started_) {
            if (c != '[') throw Error(Errc::malformed, "the JSON answer is not an array (it starts with '" + std::string(1, c) + "')", int64_t(offset_));
            started_ = true;
            depth_ = 1;
            continue;
        }
        if (depth_ == 1) {
            // Between the array's values: a value starts, a comma, or the closing bracket.
            if (c == ',') {
                if (!value_open_) throw Error(Errc::malformed, "a comma without a value before it in the JSON array", int64_t(offset_));
                value_open_ = false;
                need_value_ = true;
                continue;
            }
            if (c == ']') {
                if (need_value_) throw Error(Errc::malformed, "a trailing comma in the JSON array", int64_t(offset_));
                depth_ = 0;
                done_ = true;
                continue;
            }
            if (value_open_) throw Error(Errc::malformed, "two values without a comma in the JSON array", int64_t(offset_));
            if (c != '{')
                throw Error(Errc::malformed, "value " + std::to_string(values_ + 1) + " of the JSON array is not a DICOM JSON object",
                            int64_t(offset_));
            value_open_ = true;
            need_value_ = false;
            ++values_;
            ++depth_;
            continue;
        }
        if (c == '"') in_string_ = true;
        else if (c == '{' || c == '[') {
            if (++depth_ > 512) throw Error(Errc::too_deep, "the JSON answer nests deeper than 512 levels", int64_t(offset_));
        } else if (c == '}' || c == ']')
            --depth_;  // at least 1 left: the array's own level
    }
}

void JsonArrayScanner::finish() const {
    if (!started_) throw Error(Errc::truncated, "the JSON answer is empty, not an array", int64_t(offset_));
    if (!done_) throw Error(Errc::truncated, "the JSON array ends before its closing ']'", int64_t(offset_));
}

std::vector<Dataset> datasets_from_json_array(std::string_view json) {
    JsonReadOptions opt;
    // A server's BulkDataURI is never followed here (a "file:" URI would read our own disk).
    opt.bulk_loader = [](std::string_view, Tag, VR) { return Bytes(); };
    std::vector<Dataset> out;
    const std::vector<std::string_view> values = split_json_array(json);
    out.reserve(values.size());
    for (size_t n = 0; n < values.size(); ++n) {
        if (values[n].front() != '{')
            throw Error(Errc::malformed, "value " + std::to_string(n + 1) + " of the JSON array is not a DICOM JSON object",
                        int64_t(values[n].data() - json.data()));
        try {
            out.push_back(from_json(values[n], opt));
        } catch (const Error &e) {
            throw Error(e.code(), "dataset " + std::to_string(n + 1) + " of the JSON array: " + e.message(),
                        int64_t(values[n].data() - json.data()) + std::max<int64_t>(e.offset(), 0), e.tag());
        }
    }
    return out;
}

}  // namespace dcmkit::web
