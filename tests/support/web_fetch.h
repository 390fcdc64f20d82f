// What the DICOMweb tests share (tests/interop/dicomweb*_test.cpp, tests/unit/archive_web*_test.cpp):
// curl as the HTTP client with a bounded time (status, headers, body, curl's own errors), one
// exchange written by hand over a socket (for requests curl would not send), the parts of a
// multipart/related response, a STOW-RS body, and Orthanc with its DICOMweb plugin (Debian's orthanc
// and orthanc-dicomweb) started on free ports.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/services/multipart.h"
#include "peer.h"

namespace dk_test {

struct WebResponse {
    int curl_status = -1;  ///< curl's exit status (0: an HTTP exchange happened)
    int status = 0;        ///< the (last) HTTP status; 0 without one
    std::map<std::string, std::string> headers;  ///< of the last response, lowercased names
    std::string head;  ///< every response header line as received
    std::string body;
    std::string err;  ///< what curl printed (why a connection or TLS handshake failed)
};

/// Splits what a server sent into status, header block, headers (lowercased names) and body (a
/// chunked body joined).
inline WebResponse parse_http_response(const std::string &all) {
    WebResponse r;
    const size_t end = all.find("\r\n\r\n");
    if (all.size() < 12 || end == std::string::npos) return r;
    r.curl_status = 0;
    r.status = std::atoi(all.c_str() + 9);
    r.head = all.substr(0, end);
    for (size_t pos = all.find("\r\n") + 2; pos < end;) {
        size_t eol = all.find("\r\n", pos);
        if (eol == std::string::npos || eol > end) eol = end;
        const std::string line = all.substr(pos, eol - pos);
        pos = eol + 2;
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (char &c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
        const size_t value = line.find_first_not_of(' ', colon + 1);
        r.headers[name] = value == std::string::npos ? std::string() : line.substr(value);
    }
    std::string body = all.substr(end + 4);
    if (r.headers["transfer-encoding"] == "chunked") {
        std::string plain;
        for (size_t pos = 0; pos < body.size();) {
            const size_t eol = body.find("\r\n", pos);
            if (eol == std::string::npos) break;
            const size_t n = std::strtoul(body.substr(pos, eol - pos).c_str(), nullptr, 16);
            if (n == 0) break;
            plain += body.substr(eol + 2, n);
            pos = eol + 2 + n + 2;
        }
        body = plain;
    }
    r.body = body;
    return r;
}

/// One exchange with 127.0.0.1:port over plain TCP, `request` sent as it is (then the sending side
/// shut), the answer read until the server closes; each step bounded by `timeout_s`. An empty
/// WebResponse (status 0) when no answer came.
inline WebResponse http_exchange(uint16_t port, const std::string &request, int timeout_s = 10) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return {};
    timeval tv{timeout_s, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return {};
    }
    size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += size_t(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string all;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) all.append(buf, size_t(n));
    ::close(fd);
    return parse_http_response(all);
}

/// curl with a bounded time (`timeout_s`, within a process bound twice that): `args` are extra
/// options (-H, -X, --data-binary, --cacert…); the body and headers pass through files in `tmp`.
inline WebResponse web_fetch(const TempDir &tmp, const std::string &url, std::vector<std::string> args = {},
                             int timeout_s = 60) {
    const std::string body = tmp / "curl.body", head = tmp / "curl.head";
    std::remove(body.c_str());
    std::remove(head.c_str());
    std::vector<std::string> argv = {"curl", "-sS", "-m", std::to_string(timeout_s), "-o", body, "-D", head};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(url);
    const ProcResult r = run(argv, timeout_s * 2000);
    WebResponse out;
    out.curl_status = r.status;
    out.err = r.all();
    struct stat st {};
    if (::stat(body.c_str(), &st) == 0) out.body = read_bytes(body);
    if (::stat(head.c_str(), &st) == 0) out.head = read_bytes(head);
    size_t pos = 0;
    while (pos < out.head.size()) {
        size_t eol = out.head.find("\r\n", pos);
        if (eol == std::string::npos) eol = out.head.size();
        const std::string line = out.head.substr(pos, eol - pos);
        pos = eol + 2;
        if (line.rfind("HTTP/", 0) == 0) {
            const size_t sp = line.find(' ');
            out.status = sp == std::string::npos ? 0 : std::atoi(line.c_str() + sp + 1);
            out.headers.clear();
            continue;
        }
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (char &c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
        const size_t value = line.find_first_not_of(' ', colon + 1);
        out.headers[name] = value == std::string::npos ? std::string() : line.substr(value);
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

/// A STOW-RS body of these contents (files' bytes, or any text) as application/dicom parts, boundary "BND".
inline std::string stow_body(const std::vector<std::string> &contents) {
    std::string b;
    for (const std::string &c : contents) b += "--BND\r\nContent-Type: application/dicom\r\n\r\n" + c + "\r\n";
    return b + "--BND--\r\n";
}

/// curl options POSTing these files as one STOW-RS body (written to `tmp`/stow.body).
inline std::vector<std::string> stow_args(const TempDir &tmp, const std::vector<std::string> &files) {
    std::vector<std::string> contents;
    for (const std::string &f : files) contents.push_back(read_bytes(f));
    write_bytes(tmp / "stow.body", stow_body(contents));
    return {"-X", "POST", "-H", "Content-Type: multipart/related; type=\"application/dicom\"; boundary=BND",
            "--data-binary", "@" + tmp / "stow.body"};
}

inline constexpr const char *kOrthanc = "/usr/sbin/Orthanc";
inline constexpr const char *kOrthancDicomWeb = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";

/// Whether Orthanc and its DICOMweb plugin are installed.
inline bool have_orthanc() {
    struct stat sb {};
    return ::stat(kOrthanc, &sb) == 0 && ::stat(kOrthancDicomWeb, &sb) == 0;
}

/// Starts Orthanc with its DICOMweb plugin at /dicom-web/, its files in `dir`: `dicomweb` are more
/// members of the plugin's configuration ("\"Servers\": {…}"), `extra` more top-level ones. Returns
/// its HTTP port, 0 when it did not start (its log: orthanc.log()).
inline uint16_t start_orthanc(Child &orthanc, const std::string &dir, const std::string &dicomweb = {},
                              const std::string &extra = {}) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        const uint16_t hp = pick_free_port(), dp = pick_free_port();
        const std::string cfg = dir + "/orthanc.json";
        write_bytes(cfg, "{\"Name\": \"dktest\", \"StorageDirectory\": \"" + dir + "/db\", \"IndexDirectory\": \"" + dir +
                             "/db\", \"HttpPort\": " + std::to_string(hp) + ", \"DicomPort\": " + std::to_string(dp) +
                             ", \"RemoteAccessAllowed\": true, \"AuthenticationEnabled\": false, \"Plugins\": [\"" +
                             kOrthancDicomWeb + "\"], \"DicomWeb\": {\"Enable\": true, \"Root\": \"/dicom-web/\"" +
                             (dicomweb.empty() ? "" : ", " + dicomweb) + "}" + (extra.empty() ? "" : ", " + extra) + "}");
        if (!orthanc.start({kOrthanc, cfg}, dir + "/orthanc.log")) continue;
        if (wait_until([&] { return port_listening(hp) || !orthanc.running(); }, 20000) && orthanc.running()) return hp;
        orthanc.stop(SIGKILL);
    }
    return 0;
}

/// The "ID" Orthanc's REST API gives in an answer (/tools/lookup, POST /instances); "" when none.
inline std::string orthanc_id(const std::string &answer) {
    const size_t at = answer.find("\"ID\" : \"");
    if (at == std::string::npos) return {};
    return answer.substr(at + 8, answer.find('"', at + 8) - at - 8);
}

}  // namespace dk_test
