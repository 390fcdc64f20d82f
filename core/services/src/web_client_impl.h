// dcmkit — the DICOMweb client's internals shared by its sources (web_client.cpp: requests and
// STOW-RS; web_client_files.cpp: answers streamed to files): one HTTP exchange through libcurl, the
// temporary files answers are written to, and Client::Impl. Only with DCMKIT_WITH_WEB_CLIENT.
#pragma once

#ifdef DCMKIT_WITH_WEB_CLIENT

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/lazy_library.h"
#include "dcmkit/services/multipart.h"
#include "dcmkit/services/web_client.h"

#ifndef DCMKIT_PROJECT_VERSION
#define DCMKIT_PROJECT_VERSION "1"
#endif

namespace dcmkit::web::detail {

inline void check_uid(const std::string &uid, const char *what) {
    bool ok = !uid.empty() && uid.size() <= 64;
    for (char c : uid) ok = ok && ((c >= '0' && c <= '9') || c == '.');
    if (!ok) throw Error(Errc::invalid_argument, std::string("'") + uid + "' is not a " + what + " UID (digits and dots, at most 64)");
}

inline std::string human_size(uint64_t n) {
    char buf[32];
    if (n >= (uint64_t(1) << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", double(n) / (1 << 20));
    else if (n >= 1024) std::snprintf(buf, sizeof buf, "%.1f KB", double(n) / 1024);
    else std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
    return buf;
}

inline Errc errc_of_status(long status) {
    switch (status) {
    case 404: return Errc::not_found;
    case 406:
    case 415:
    case 501: return Errc::unsupported;
    case 408:
    case 504: return Errc::timeout;
    default: return Errc::refused;
    }
}

inline std::string lower(std::string s) {
    for (char &c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// The printable start of a server's error answer (its reason text), on one line.
inline std::string printable(const std::string &body) {
    std::string out;
    for (char c : body) {
        if (out.size() >= 400) {
            out += "…";
            break;
        }
        if (c == '\r' || c == '\n' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else if (static_cast<unsigned char>(c) >= 32 && c != 127)
            out += c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

/// One HTTP exchange: the request's settings, the answer's status line and header fields, the body
/// passed to `on_body` (2xx) or kept (bounded) for the error message.
struct Exchange {
    std::string method, url;
    long status = 0;
    std::string status_line;
    std::map<std::string, std::string> headers;  // lowercased names, the final answer's
    std::string error_body;
    std::function<void(const char *, size_t)> on_body;
    std::function<size_t(char *, size_t)> read_body;  // the request's body, pulled
    std::exception_ptr failure;
    int64_t upload_size = -1;  // the request body's length (POST)
    std::function<void()> on_headers;  // once, before the first byte of a 2xx body

    bool ok() const { return status >= 200 && status < 300; }
    std::string header(const std::string &name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

inline size_t header_cb(char *data, size_t size, size_t n, void *user) {
    auto *x = static_cast<Exchange *>(user);
    std::string line(data, size * n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.rfind("HTTP/", 0) == 0) {  // a new answer (after 100 Continue, or a redirect)
        x->headers.clear();
        x->status_line = line;
        const size_t sp = line.find(' ');
        x->status = sp == std::string::npos ? 0 : std::atol(line.c_str() + sp + 1);
        return size * n;
    }
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
        size_t v = colon + 1;
        while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) ++v;
        x->headers[lower(line.substr(0, colon))] = line.substr(v);
    }
    return size * n;
}

inline size_t write_cb(char *data, size_t size, size_t n, void *user) {
    auto *x = static_cast<Exchange *>(user);
    const size_t len = size * n;
    if (!x->ok()) {
        if (x->error_body.size() < 4096) x->error_body.append(data, std::min(len, 4096 - x->error_body.size()));
        return len;
    }
    try {
        if (x->on_headers) {
            auto f = std::move(x->on_headers);
            x->on_headers = nullptr;
            f();
        }
        if (x->on_body) x->on_body(data, len);
    } catch (...) {
        x->failure = std::current_exception();
        return CURL_WRITEFUNC_ERROR;
    }
    return len;
}

inline size_t read_cb(char *buf, size_t size, size_t n, void *user) {
    auto *x = static_cast<Exchange *>(user);
    try {
        return x->read_body(buf, size * n);
    } catch (...) {
        x->failure = std::current_exception();
        return CURL_READFUNC_ABORT;
    }
}

/// A temporary file in a folder, removed unless kept (renamed to its final name).
class TempFile {
public:
    explicit TempFile(const std::string &dir) {
        path_ = dir + "/.dcmkit-web-XXXXXX";
        fd_ = ::mkstemp(path_.data());
        if (fd_ < 0) throw Error(Errc::io, "cannot create a file in " + dir + ": " + std::strerror(errno));
        (void)::fchmod(fd_, 0644);  // mkstemp's 0600 is for the temporary name only
    }
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!kept_) ::unlink(path_.c_str());
    }
    TempFile(const TempFile &) = delete;
    TempFile &operator=(const TempFile &) = delete;
    void write(const char *d, size_t n) {
        while (n) {
            const ssize_t w = ::write(fd_, d, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                throw Error(Errc::io, "writing " + path_ + ": " + std::strerror(errno));
            }
            d += w;
            n -= size_t(w);
            size_ += uint64_t(w);
        }
    }
    void close() {
        if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
            fd_ = -1;
            throw Error(Errc::io, "writing " + path_ + ": " + std::strerror(errno));
        }
        fd_ = -1;
    }
    void keep_as(const std::string &final_path) {
        if (fd_ >= 0) close();
        if (::rename(path_.c_str(), final_path.c_str()) != 0)
            throw Error(Errc::io, "renaming " + path_ + " to " + final_path + ": " + std::strerror(errno));
        kept_ = true;
    }
    const std::string &path() const { return path_; }
    uint64_t size() const { return size_; }

private:
    std::string path_;
    int fd_ = -1;
    bool kept_ = false;
    uint64_t size_ = 0;
};

inline void make_dirs(const std::string &dir) {
    std::string cur;
    size_t pos = 0;
    while (pos <= dir.size()) {
        const size_t slash = std::min(dir.find('/', pos), dir.size());
        cur = dir.substr(0, slash);
        if (!cur.empty() && ::mkdir(cur.c_str(), 0777) != 0 && errno != EEXIST)
            throw Error(Errc::io, "cannot make the folder " + cur + ": " + std::strerror(errno));
        pos = slash + 1;
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw Error(Errc::io, dir + " is not a folder");
}

inline std::string accept_for(const std::string &type, const std::string &transfer_syntax) {
    std::string a = "multipart/related; type=\"" + type + "\"";
    if (!transfer_syntax.empty()) {
        std::string uid = transfer_syntax;
        if (uid != "*") uid = std::string(TransferSyntax::parse(transfer_syntax).uid);
        a += "; transfer-syntax=" + uid;
    }
    return a;
}

/// The frame list of a frames request ("3,1"); Error(invalid_argument) without an instance, without
/// numbers, or for frame 0.
inline std::string frame_list(const Target &instance, const std::vector<uint32_t> &numbers) {
    if (instance.instance.empty()) throw Error(Errc::invalid_argument, "frames need an instance (study, series and SOP Instance UIDs)");
    if (numbers.empty()) throw Error(Errc::invalid_argument, "no frame numbers (they start at 1)");
    std::string list;
    for (uint32_t n : numbers) {
        if (n == 0) throw Error(Errc::invalid_argument, "frame numbers start at 1");
        list += (list.empty() ? "" : ",") + std::to_string(n);
    }
    return list;
}

}  // namespace dcmkit::web::detail

namespace dcmkit::web {

using namespace detail;

struct Client::Impl {
    ClientOptions o;
    CURL *curl = nullptr;

    explicit Impl(ClientOptions opts) : o(std::move(opts)) {
        lazy::require("curl", "The DICOMweb client");
        static CurlGlobal global;
        while (!o.base_url.empty() && o.base_url.back() == '/') o.base_url.pop_back();
        const std::string scheme = lower(o.base_url.substr(0, o.base_url.find("://")));
        if (o.base_url.find("://") == std::string::npos || (scheme != "http" && scheme != "https"))
            throw Error(Errc::invalid_argument, "'" + o.base_url + "' is not an http:// or https:// URL (the DICOMweb root, e.g. http://host:8042/dicom-web)");
        curl = curl_easy_init();
        if (!curl) throw Error(Errc::io, "libcurl could not start a session");
    }
    ~Impl() {
        if (curl) curl_easy_cleanup(curl);
    }

    /// Runs one exchange; throws for curl's failures and for statuses outside 2xx.
    void perform(Exchange &x, const std::vector<std::string> &request_headers) {
        curl_easy_reset(curl);
        curl_easy_setopt(curl, CURLOPT_URL, x.url.c_str());
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, long(o.connect_timeout_ms));
        if (o.timeout_ms > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, long(o.timeout_ms));
        if (o.stall_timeout_s > 0) {
            curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
            curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, long(o.stall_timeout_s));
        }
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, o.verify_peer ? 1L : 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, o.verify_host ? 2L : 0L);
        if (!o.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, o.ca_file.c_str());
        if (!o.ca_path.empty()) curl_easy_setopt(curl, CURLOPT_CAPATH, o.ca_path.c_str());
        if (!o.client_cert.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, o.client_cert.c_str());
        if (!o.client_key.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, o.client_key.c_str());
        if (!o.key_password.empty()) curl_easy_setopt(curl, CURLOPT_KEYPASSWD, o.key_password.c_str());
        if (!o.bearer_token.empty()) {
            curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
            curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, o.bearer_token.c_str());
        } else if (!o.username.empty()) {
            curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
            curl_easy_setopt(curl, CURLOPT_USERNAME, o.username.c_str());
            curl_easy_setopt(curl, CURLOPT_PASSWORD, o.password.c_str());
        }
        const std::string agent = o.user_agent.empty() ? std::string("dcmkit/") + DCMKIT_PROJECT_VERSION : o.user_agent;
        curl_easy_setopt(curl, CURLOPT_USERAGENT, agent.c_str());
        curl_slist *list = nullptr;
        for (const std::string &h : request_headers) list = curl_slist_append(list, h.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_cb);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
        if (x.method == "POST") {
            curl_easy_setopt(curl, CURLOPT_POST, 1L);
            curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
            curl_easy_setopt(curl, CURLOPT_READDATA, &x);
            if (x.upload_size >= 0) curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(x.upload_size));
        } else {
            curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        }
        char errbuf[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        const CURLcode rc = curl_easy_perform(curl);
        curl_slist_free_all(list);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &x.status);
        const std::string what = x.method + " " + x.url;
        if (x.failure) {
            try {
                std::rethrow_exception(x.failure);
            } catch (const Error &e) {
                throw Error(e.code(), what + ": " + e.message(), e.offset(), e.tag());
            }
        }
        if (rc != CURLE_OK) {
            const std::string detail = *errbuf ? errbuf : curl_easy_strerror(rc);
            switch (rc) {
            case CURLE_COULDNT_CONNECT:
                throw Error(Errc::network, what + ": cannot connect (" + detail + "); is the server running, and is the port right?");
            case CURLE_COULDNT_RESOLVE_HOST:
            case CURLE_COULDNT_RESOLVE_PROXY:
                throw Error(Errc::network, what + ": unknown host (" + detail + ")");
            case CURLE_OPERATION_TIMEDOUT:
                throw Error(Errc::timeout, what + ": timed out (" + detail + ")");
            case CURLE_PEER_FAILED_VERIFICATION:
            case CURLE_SSL_CACERT_BADFILE:
                throw Error(Errc::network, what + ": the server's certificate was not accepted (" + detail +
                                               "); give its CA (ca_file, --ca) or turn verification off");
            case CURLE_SSL_CONNECT_ERROR:
            case CURLE_SSL_CERTPROBLEM:
                throw Error(Errc::network, what + ": TLS handshake failed (" + detail + ")");
            case CURLE_PARTIAL_FILE:
            case CURLE_RECV_ERROR:
            case CURLE_GOT_NOTHING:
                throw Error(Errc::truncated, what + ": the connection closed before the answer was complete (" + detail + ")");
            case CURLE_UNSUPPORTED_PROTOCOL:
            case CURLE_URL_MALFORMAT:
                throw Error(Errc::invalid_argument, what + ": " + detail);
            default:
                throw Error(Errc::network, what + ": " + detail);
            }
        }
        if (!x.ok()) {
            std::string reason;
            // "HTTP/1.1 404 Not Found": the text after the code; HTTP/2 has none.
            const size_t sp1 = x.status_line.find(' ');
            const size_t sp2 = sp1 == std::string::npos ? sp1 : x.status_line.find(' ', sp1 + 1);
            if (sp2 != std::string::npos) reason = x.status_line.substr(sp2 + 1);
            if (reason.empty()) reason = http::reason_phrase(x.status);
            std::string msg = what + ": HTTP " + std::to_string(x.status) + (reason.empty() ? "" : " " + reason);
            const std::string warning = x.header("warning");
            if (!warning.empty()) msg += " (Warning: " + printable(warning) + ")";
            const std::string text = printable(x.error_body);
            if (!text.empty()) msg += ": " + text;
            if (x.status == 401 || x.status == 403) msg += " (check the credentials: bearer token or user and password)";
            throw Error(errc_of_status(x.status), msg);
        }
    }

    /// GETs a URL whose 2xx answer is small enough to hold (JSON, a rendered image, frames).
    std::string get_small(const std::string &url, const std::string &accept, std::string *content_type = nullptr,
                          size_t limit = size_t(1) << 30) {
        Exchange x;
        x.method = "GET";
        x.url = url;
        std::string body;
        x.on_body = [&](const char *d, size_t n) {
            if (body.size() + n > limit) throw Error(Errc::bad_length, "the answer is larger than " + human_size(limit));
            body.append(d, n);
        };
        perform(x, {"Accept: " + accept});
        if (content_type) *content_type = x.header("content-type");
        return body;
    }

    /// Streams a multipart/related 2xx answer through MultipartReader to `cb`; a single-part answer of
    /// another type is passed on as one part.
    void get_multipart(const std::string &url, const std::string &accept, http::MultipartReader::Callbacks cb) {
        Exchange x;
        x.method = "GET";
        x.url = url;
        std::unique_ptr<http::MultipartReader> reader;
        bool single = false;
        x.on_headers = [&] {
            const std::string ct = x.header("content-type");
            http::MediaType mt;
            if (!http::parse_media_type(ct, mt))
                throw Error(Errc::malformed, "the answer's Content-Type '" + ct + "' is not a media type");
            if (mt.type == "multipart/related") {
                const std::string boundary = mt.param("boundary");
                if (boundary.empty())
                    throw Error(Errc::malformed, "multipart/related answer without a boundary parameter");
                reader = std::make_unique<http::MultipartReader>(boundary, cb);
            } else {
                single = true;
                if (cb.begin) cb.begin({{"content-type", ct}});
            }
        };
        x.on_body = [&](const char *d, size_t n) {
            if (reader) reader->feed(d, n);
            else if (cb.data) cb.data(d, n);
        };
        perform(x, {"Accept: " + accept});
        if (x.on_headers) x.on_headers();  // a 2xx answer without a body
        try {
            if (reader) reader->finish();
            else if (single && cb.end) cb.end();
        } catch (const Error &e) {
            throw Error(e.code(), "GET " + url + ": " + e.message());
        }
    }

    /// Streams a (multipart or single-part) 2xx answer into files of `out_dir`, one per part, each
    /// under a temporary name until complete; `name(n, media_type)` gives part n's file name (from 1)
    /// and its number, or throws to refuse it.
    std::vector<PartFile> parts_to_files(const std::string &url, const std::string &accept, const std::string &out_dir,
                                         const std::function<std::pair<std::string, uint32_t>(size_t, const std::string &)> &name,
                                         const std::function<void(const PartFile &)> &on_file) {
        make_dirs(out_dir);
        std::vector<PartFile> out;
        std::unique_ptr<TempFile> part;
        PartFile current;
        size_t count = 0;
        http::MultipartReader::Callbacks cb;
        cb.begin = [&](const http::PartHeaders &h) {
            ++count;
            auto it = h.find("content-type");
            http::MediaType mt;
            current = PartFile{};
            if (it != h.end() && http::parse_media_type(it->second, mt)) current.media_type = mt.type;
            else current.media_type = "application/octet-stream";  // RFC 2046 5.1: a part without one is text/plain,
                                                                   // but DICOMweb parts are binary
            const auto nm = name(count, current.media_type);
            current.path = out_dir + "/" + nm.first;
            current.number = nm.second;
            part = std::make_unique<TempFile>(out_dir);
        };
        cb.data = [&](const char *d, size_t n) {
            if (part) part->write(d, n);
        };
        cb.end = [&] {
            if (!part) return;
            current.size = part->size();
            part->keep_as(current.path);
            part.reset();
            out.push_back(current);
            if (on_file) on_file(out.back());
        };
        get_multipart(url, accept, cb);
        return out;
    }
};

}  // namespace dcmkit::web

#endif  // DCMKIT_WITH_WEB_CLIENT
