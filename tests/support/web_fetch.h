// The DICOMweb tests' HTTP side: curl with a bounded time for a request, and the parts of a
// multipart/related response (tests/interop/dicomweb_frames_test.cpp).
#pragma once

#include <cctype>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/services/multipart.h"
#include "peer.h"

namespace dk_test {

struct WebResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lowercased names
    std::string body;
};

/// curl with a bounded time: `args` are extra options (-H, -X, --data-binary…).
inline WebResponse web_fetch(const TempDir &tmp, const std::string &url, std::vector<std::string> args = {}) {
    const std::string body = tmp / "curl.body", head = tmp / "curl.head";
    std::vector<std::string> argv = {"curl", "-s", "-m", "60", "-o", body, "-D", head};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(url);
    const ProcResult r = run(argv, 90000);
    WebResponse out;
    if (r.status != 0) return out;
    out.body = read_bytes(body);
    const std::string h = read_bytes(head);
    size_t pos = 0;
    while (pos < h.size()) {
        size_t eol = h.find("\r\n", pos);
        if (eol == std::string::npos) eol = h.size();
        const std::string line = h.substr(pos, eol - pos);
        pos = eol + 2;
        if (line.rfind("HTTP/", 0) == 0) {
            out.status = std::stoi(line.substr(9, 3));
            out.headers.clear();
            continue;
        }
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (char &c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    return out;
}

/// The parts of a multipart/related response (the boundary from its Content-Type); none when it is not one.
inline std::vector<std::pair<dcmkit::http::PartHeaders, std::string>> web_parts(const WebResponse &r) {
    namespace http = dcmkit::http;
    http::MediaType ct;
    const auto it = r.headers.find("content-type");
    if (it == r.headers.end() || !http::parse_media_type(it->second, ct) || ct.type != "multipart/related") return {};
    std::vector<std::pair<http::PartHeaders, std::string>> out;
    http::MultipartReader::Callbacks cb;
    cb.begin = [&](const http::PartHeaders &h) { out.push_back({h, {}}); };
    cb.data = [&](const char *d, size_t n) { out.back().second.append(d, n); };
    http::MultipartReader reader(ct.param("boundary"), cb);
    reader.feed(r.body.data(), r.body.size());
    reader.finish();
    return out;
}

}  // namespace dk_test
