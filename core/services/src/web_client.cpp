// dcmkit — the DICOMweb client through libcurl (see web_client.h).
#include "dcmkit/lazy_library.h"
#include "dcmkit/services/web_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/services/multipart.h"
#include "dcmkit/uid.h"
#include "web_stow_json.h"

#ifdef DCMKIT_WITH_WEB_CLIENT
#include <curl/curl.h>
#endif

#ifndef DCMKIT_PROJECT_VERSION
#define DCMKIT_PROJECT_VERSION "1"
#endif

namespace dcmkit::web {

namespace {

std::string percent_encode(std::string_view s) {
    static const char *hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '*' || c == ',') out += char(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

[[maybe_unused]] void check_uid(const std::string &uid, const char *what) {
    bool ok = !uid.empty() && uid.size() <= 64;
    for (char c : uid) ok = ok && ((c >= '0' && c <= '9') || c == '.');
    if (!ok) throw Error(Errc::invalid_argument, std::string("'") + uid + "' is not a " + what + " UID (digits and dots, at most 64)");
}

/// A match key or include field as QIDO-RS writes it: a keyword, or "ggggeeee" (a tag, or a keyword path).
std::string attribute_name(const std::string &name) {
    if (name == "all") return name;
    if (name.size() == 8 && std::all_of(name.begin(), name.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
        return name;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.'))
            throw Error(Errc::invalid_argument, "'" + name + "' is neither a keyword nor a tag (ggggeeee)");
    // Each step of a sequence path (Keyword.Keyword) must be known.
    size_t start = 0;
    while (start <= name.size()) {
        const size_t dot = std::min(name.find('.', start), name.size());
        const std::string part = name.substr(start, dot - start);
        const bool tag = part.size() == 8 && std::all_of(part.begin(), part.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
        if (!tag && !dict_find(std::string_view(part)))
            throw Error(Errc::invalid_argument, "'" + part + "' is not a DICOM keyword (PS3.6) nor a tag (ggggeeee)");
        start = dot + 1;
    }
    return name;
}

[[maybe_unused]] std::string human_size(uint64_t n) {
    char buf[32];
    if (n >= (uint64_t(1) << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", double(n) / (1 << 20));
    else if (n >= 1024) std::snprintf(buf, sizeof buf, "%.1f KB", double(n) / 1024);
    else std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
    return buf;
}

/// The file's size when it is a Part 10 file (128-byte preamble and "DICM"); throws otherwise.
[[maybe_unused]] uint64_t part10_size(const std::string &path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(errno == ENOENT ? Errc::not_found : Errc::io, path + ": " + std::strerror(errno));
    struct stat st {};
    char magic[4] = {};
    const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::pread(fd, magic, 4, 128) == 4;
    ::close(fd);
    if (!ok || std::memcmp(magic, "DICM", 4) != 0)
        throw Error(Errc::not_dicom, path + ": not a DICOM Part 10 file (no \"DICM\" after the 128-byte preamble); STOW-RS sends Part 10 files");
    return uint64_t(st.st_size);
}

}  // namespace

std::string Client::query_string(const SearchQuery &q) {
    std::string out;
    auto add = [&](const std::string &k, const std::string &v) {
        if (!out.empty()) out += '&';
        out += percent_encode(k) + "=" + percent_encode(v);
    };
    for (const auto &kv : q.match) add(attribute_name(kv.first), kv.second);
    for (const std::string &f : q.include_fields) add("includefield", attribute_name(f));
    if (q.limit >= 0) add("limit", std::to_string(q.limit));
    if (q.offset > 0) add("offset", std::to_string(q.offset));
    if (q.fuzzy) add("fuzzymatching", "true");
    return out;
}

namespace {
// PS3.18 8.7.3.5 (Table 8.7.3-5): the media types of frames and bulk data, and our short names.
struct FrameType {
    const char *name, *media_type, *ext;
};
constexpr FrameType kFrameTypes[] = {
    {"raw", "application/octet-stream", ".raw"}, {"jpeg", "image/jpeg", ".jpg"},  {"jpg", "image/jpeg", ".jpg"},
    {"jls", "image/jls", ".jls"},                {"jp2", "image/jp2", ".jp2"},     {"jpx", "image/jpx", ".jpx"},
    {"jph", "image/jph", ".jph"},                {"jphc", "image/jphc", ".jhc"},   {"jhc", "image/jphc", ".jhc"},
    {"rle", "image/dicom-rle", ".rle"},          {"png", "image/png", ".png"},     {"gif", "image/gif", ".gif"},
    {"mpeg", "video/mpeg", ".mpg"},              {"mp4", "video/mp4", ".mp4"},     {"h265", "video/h265", ".mp4"},
    {"json", "application/dicom+json", ".json"}, {"xml", "application/dicom+xml", ".xml"},
};

std::string lowered(std::string s) {
    for (char &c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace

std::string Client::frame_accept(const std::string &type, const std::string &transfer_syntax) {
    std::string t = lowered(type);
    while (!t.empty() && t.front() == '.') t.erase(0, 1);
    if (t.rfind("multipart/", 0) == 0 || t.find(',') != std::string::npos) return type;  // a whole Accept header
    std::string media = t.empty() ? std::string("application/octet-stream") : t;
    if (media.find('/') == std::string::npos) {
        media.clear();
        for (const FrameType &f : kFrameTypes)
            if (t == f.name) media = f.media_type;
        if (media.empty())
            throw Error(Errc::invalid_argument, "'" + type + "' is not a frame type (raw, jpeg, jls, jp2, jpx, jph, jphc, rle, or a media type)");
    }
    std::string a = "multipart/related; type=\"" + media + "\"";
    if (!transfer_syntax.empty())
        a += "; transfer-syntax=" + (transfer_syntax == "*" ? transfer_syntax : std::string(TransferSyntax::parse(transfer_syntax).uid));
    return a;
}

std::string Client::extension_for(const std::string &media_type) {
    const std::string t = lowered(media_type.substr(0, media_type.find(';')));
    std::string trimmed = t;
    while (!trimmed.empty() && trimmed.back() == ' ') trimmed.pop_back();
    for (const FrameType &f : kFrameTypes)
        if (trimmed == f.media_type) return f.ext;
    if (trimmed == "image/x-dicom-rle") return ".rle";
    return ".bin";
}

#ifndef DCMKIT_WITH_WEB_CLIENT

struct Client::Impl {
    ClientOptions o;
};
Client::Client(ClientOptions) {
    throw Error(Errc::unsupported, "this build has no DICOMweb client (DCMKIT_WITH_WEB_CLIENT=OFF: libcurl left out)");
}
Client::~Client() = default;
Client::Client(Client &&) noexcept = default;
Client &Client::operator=(Client &&) noexcept = default;
const ClientOptions &Client::options() const noexcept { return impl_->o; }
StoreResult Client::store(const std::vector<std::string> &, const std::string &, const Progress &) { return {}; }
std::vector<Dataset> Client::search(const SearchQuery &) { return {}; }
std::vector<RetrievedFile> Client::retrieve(const Target &, const std::string &, const std::string &,
                                            const std::function<void(const RetrievedFile &)> &, const Progress &) {
    return {};
}
std::vector<Dataset> Client::metadata(const Target &) { return {}; }
std::vector<std::vector<uint8_t>> Client::frames(const Target &, const std::vector<uint32_t> &, const std::string &) { return {}; }
std::vector<uint8_t> Client::rendered(const Target &, const std::string &, uint32_t, const std::string &) { return {}; }
uint64_t Client::rendered_to_file(const Target &, const std::string &, const std::string &, uint32_t, const std::string &) { return 0; }
std::string Client::url_of(const Target &) const { return {}; }
size_t Client::metadata_to_file(const Target &, const std::string &) { return 0; }
std::vector<PartFile> Client::frames_to_dir(const Target &, const std::vector<uint32_t> &, const std::string &, const std::string &,
                                            const std::function<void(const PartFile &)> &) {
    return {};
}
std::vector<PartFile> Client::rendered_to_dir(const Target &, const std::string &, const std::string &, uint32_t, const std::string &,
                                              const std::function<void(const PartFile &)> &) {
    return {};
}
uint64_t Client::bulkdata_to_file(const std::string &, const std::string &, uint64_t, uint64_t) { return 0; }
StoreResult Client::store_json(const std::vector<std::string> &, const std::string &, const Progress &, size_t) { return {}; }

#else

namespace {

const char *reason_phrase(long status) {
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

Errc errc_of_status(long status) {
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

std::string lower(std::string s) {
    for (char &c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// The printable start of a server's error answer (its reason text), on one line.
std::string printable(const std::string &body) {
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

size_t header_cb(char *data, size_t size, size_t n, void *user) {
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

size_t write_cb(char *data, size_t size, size_t n, void *user) {
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

size_t read_cb(char *buf, size_t size, size_t n, void *user) {
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

void make_dirs(const std::string &dir) {
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

std::string accept_for(const std::string &type, const std::string &transfer_syntax) {
    std::string a = "multipart/related; type=\"" + type + "\"";
    if (!transfer_syntax.empty()) {
        std::string uid = transfer_syntax;
        if (uid != "*") uid = std::string(TransferSyntax::parse(transfer_syntax).uid);
        a += "; transfer-syntax=" + uid;
    }
    return a;
}

StoreResult store_result(long status, const std::string &content_type, const std::string &body) {
    StoreResult out;
    out.http_status = int(status);
    const std::string ct = lower(content_type);
    if (!body.empty() && ct.find("json") != std::string::npos) {
        JsonReadOptions opt;
        opt.bulk_loader = [](std::string_view, Tag, VR) { return Bytes(); };
        std::string_view text = body;
        std::vector<std::string_view> one;
        const size_t first = text.find_first_not_of(" \t\r\n");
        if (first != std::string_view::npos && text[first] == '[') one = split_json_array(text);
        else one.push_back(text);
        if (!one.empty()) out.response = from_json(one.front(), opt);
        auto items = [&](uint32_t tag, std::vector<StoredInstance> &dst) {
            const Element *e = out.response.find(Tag(tag));
            if (!e) return;
            for (const Dataset &item : e->items) {
                StoredInstance s;
                s.sop_class_uid = item.get_string_or(Tag(0x0008, 0x1150), "");
                s.sop_instance_uid = item.get_string_or(Tag(0x0008, 0x1155), "");
                s.retrieve_url = item.get_string_or(Tag(0x0008, 0x1190), "");
                if (item.contains(Tag(0x0008, 0x1197))) s.failure_reason = int(item.get_int(Tag(0x0008, 0x1197)));
                if (item.contains(Tag(0x0008, 0x1196))) s.warning_reason = int(item.get_int(Tag(0x0008, 0x1196)));
                dst.push_back(std::move(s));
            }
        };
        items(0x00081199, out.referenced);
        items(0x00081198, out.failed);
        out.retrieve_url = out.response.get_string_or(Tag(0x0008, 0x1190), "");
    }
    return out;
}

}  // namespace

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
            if (reason.empty()) reason = reason_phrase(x.status);
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

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client &&) noexcept = default;
Client &Client::operator=(Client &&) noexcept = default;
const ClientOptions &Client::options() const noexcept { return impl_->o; }

std::string Client::url_of(const Target &t) const {
    std::string url = impl_->o.base_url;
    if (t.study.empty()) throw Error(Errc::invalid_argument, "a WADO-RS request needs a Study Instance UID");
    check_uid(t.study, "Study Instance");
    url += "/studies/" + t.study;
    if (!t.series.empty()) {
        check_uid(t.series, "Series Instance");
        url += "/series/" + t.series;
        if (!t.instance.empty()) {
            check_uid(t.instance, "SOP Instance");
            url += "/instances/" + t.instance;
        }
    } else if (!t.instance.empty()) {
        throw Error(Errc::invalid_argument, "an instance needs its series (Series Instance UID)");
    }
    return url;
}

StoreResult Client::store(const std::vector<std::string> &files, const std::string &study_uid, const Progress &progress) {
    if (files.empty()) throw Error(Errc::invalid_argument, "STOW-RS: no files to store");
    std::vector<uint64_t> sizes;
    for (const std::string &f : files) sizes.push_back(part10_size(f));
    std::string url = impl_->o.base_url + "/studies";
    if (!study_uid.empty()) {
        check_uid(study_uid, "Study Instance");
        url += "/" + study_uid;
    }
    const std::vector<std::pair<std::string, std::string>> part_headers = {{"Content-Type", "application/dicom"}};
    const std::string boundary = http::make_boundary();
    // The body's length: the delimiters and part headers (written once without data) and the files.
    uint64_t total = 0;
    {
        http::MultipartWriter dry(boundary, [&](const char *, size_t n) { total += n; });
        for (size_t i = 0; i < files.size(); ++i) dry.begin_part(part_headers);
        dry.finish();
        for (uint64_t s : sizes) total += s;
    }
    // The body, produced as curl pulls it: the writer's output goes to `pending`, refilled from the
    // current file a block at a time.
    std::string pending;
    size_t pending_pos = 0;
    http::MultipartWriter writer(boundary, [&](const char *d, size_t n) { pending.append(d, n); });
    size_t index = 0;
    int fd = -1;
    uint64_t left = 0;
    bool finished = false;
    std::vector<char> block(64 * 1024);
    struct Closer {
        int &fd;
        ~Closer() {
            if (fd >= 0) ::close(fd);
        }
    } closer{fd};
    Exchange x;
    x.method = "POST";
    x.url = url;
    x.read_body = [&](char *buf, size_t cap) -> size_t {
        while (pending_pos == pending.size()) {
            pending.clear();
            pending_pos = 0;
            if (fd >= 0 && left > 0) {
                const ssize_t r = ::read(fd, block.data(), size_t(std::min<uint64_t>(left, block.size())));
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0)
                    throw Error(Errc::io, files[index - 1] + ": " + (r < 0 ? std::strerror(errno) : "shorter than when the upload began"));
                writer.write(block.data(), size_t(r));
                left -= uint64_t(r);
                continue;
            }
            if (fd >= 0) {
                ::close(fd);
                fd = -1;
                if (progress) progress("sent " + files[index - 1] + " (" + human_size(sizes[index - 1]) + ")");
            }
            if (index < files.size()) {
                fd = ::open(files[index].c_str(), O_RDONLY | O_CLOEXEC);
                if (fd < 0) throw Error(Errc::io, files[index] + ": " + std::strerror(errno));
                left = sizes[index];
                ++index;
                writer.begin_part(part_headers);
                continue;
            }
            if (finished) return 0;
            writer.finish();
            finished = true;
        }
        const size_t n = std::min(cap, pending.size() - pending_pos);
        std::memcpy(buf, pending.data() + pending_pos, n);
        pending_pos += n;
        return n;
    };
    std::string body;
    x.on_body = [&](const char *d, size_t n) {
        if (body.size() + n > (size_t(64) << 20)) throw Error(Errc::bad_length, "the STOW-RS answer is larger than 64 MB");
        body.append(d, n);
    };
    x.upload_size = int64_t(total);
    impl_->perform(x, {"Content-Type: multipart/related; type=\"application/dicom\"; boundary=" + boundary,
                       "Accept: application/dicom+json", "Expect:"});
    return store_result(x.status, x.header("content-type"), body);
}

std::vector<Dataset> Client::search(const SearchQuery &q) {
    std::string url = impl_->o.base_url;
    if (!q.study_uid.empty()) {
        check_uid(q.study_uid, "Study Instance");
        url += "/studies/" + q.study_uid;
        if (q.level == Level::study) throw Error(Errc::invalid_argument, "a study-level search cannot be under a study");
    }
    if (!q.series_uid.empty()) {
        if (q.study_uid.empty()) throw Error(Errc::invalid_argument, "a search under a series needs its study");
        if (q.level != Level::instance) throw Error(Errc::invalid_argument, "only an instance-level search can be under a series");
        check_uid(q.series_uid, "Series Instance");
        url += "/series/" + q.series_uid;
    }
    url += q.level == Level::study ? "/studies" : q.level == Level::series ? "/series" : "/instances";
    const std::string qs = query_string(q);
    if (!qs.empty()) url += "?" + qs;
    const std::string body = impl_->get_small(url, "application/dicom+json", nullptr, size_t(256) << 20);
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) return {};  // 204 No Content
    try {
        return datasets_from_json_array(body);
    } catch (const Error &e) {
        throw Error(e.code(), "GET " + url + ": " + e.message(), e.offset(), e.tag());
    }
}

std::vector<RetrievedFile> Client::retrieve(const Target &target, const std::string &out_dir, const std::string &transfer_syntax,
                                            const std::function<void(const RetrievedFile &)> &on_file, const Progress &progress) {
    const std::string url = url_of(target);
    make_dirs(out_dir);
    std::vector<RetrievedFile> out;
    std::unique_ptr<TempFile> part;
    size_t count = 0;
    http::MultipartReader::Callbacks cb;
    cb.begin = [&](const http::PartHeaders &h) {
        ++count;
        auto it = h.find("content-type");
        if (it != h.end()) {
            http::MediaType mt;
            if (!http::parse_media_type(it->second, mt) || mt.type != "application/dicom")
                throw Error(Errc::malformed, "part " + std::to_string(count) + " is '" + it->second + "', not application/dicom");
        }
        part = std::make_unique<TempFile>(out_dir);
    };
    cb.data = [&](const char *d, size_t n) {
        if (part) part->write(d, n);
    };
    cb.end = [&] {
        if (!part) return;
        part->close();
        RetrievedFile f;
        f.size = part->size();
        try {
            ReadOptions ro;
            ro.stop_before_pixels = true;
            const DicomFile df = read_file(part->path(), ro);
            f.sop_instance_uid = df.meta.get_string_or(Tag(0x0002, 0x0003), df.dataset.get_string_or(Tag(0x0008, 0x0018), ""));
            f.transfer_syntax = df.transfer_syntax;
        } catch (const Error &e) {
            throw Error(e.code(), "part " + std::to_string(count) + " is not a DICOM file: " + e.message());
        }
        try {
            check_uid(f.sop_instance_uid, "SOP Instance");
        } catch (const Error &e) {
            throw Error(Errc::bad_value, "part " + std::to_string(count) + ": " + e.message());
        }
        f.path = out_dir + "/" + f.sop_instance_uid + ".dcm";
        part->keep_as(f.path);
        part.reset();
        if (progress) progress("received " + f.path + " (" + human_size(f.size) + ")");
        if (on_file) on_file(f);
        out.push_back(std::move(f));
    };
    impl_->get_multipart(url, accept_for("application/dicom", transfer_syntax), cb);
    return out;
}

std::vector<Dataset> Client::metadata(const Target &target) {
    const std::string url = url_of(target) + "/metadata";
    const std::string body = impl_->get_small(url, "application/dicom+json", nullptr, size_t(1) << 30);
    try {
        return datasets_from_json_array(body);
    } catch (const Error &e) {
        throw Error(e.code(), "GET " + url + ": " + e.message(), e.offset(), e.tag());
    }
}

std::vector<std::vector<uint8_t>> Client::frames(const Target &instance, const std::vector<uint32_t> &numbers,
                                                 const std::string &transfer_syntax) {
    if (instance.instance.empty()) throw Error(Errc::invalid_argument, "frames need an instance (study, series and SOP Instance UIDs)");
    if (numbers.empty()) throw Error(Errc::invalid_argument, "no frame numbers (they start at 1)");
    std::string list;
    for (uint32_t n : numbers) {
        if (n == 0) throw Error(Errc::invalid_argument, "frame numbers start at 1");
        list += (list.empty() ? "" : ",") + std::to_string(n);
    }
    const std::string url = url_of(instance) + "/frames/" + list;
    std::vector<std::vector<uint8_t>> out;
    http::MultipartReader::Callbacks cb;
    size_t total = 0;
    cb.begin = [&](const http::PartHeaders &) { out.emplace_back(); };
    cb.data = [&](const char *d, size_t n) {
        total += n;
        if (total > (size_t(4) << 30)) throw Error(Errc::bad_length, "the frames exceed 4 GB");
        out.back().insert(out.back().end(), d, d + n);
    };
    impl_->get_multipart(url, accept_for("application/octet-stream", transfer_syntax.empty() ? std::string() : transfer_syntax), cb);
    if (out.size() != numbers.size())
        throw Error(Errc::malformed, "GET " + url + ": " + std::to_string(out.size()) + " frame(s) in the answer, " +
                                         std::to_string(numbers.size()) + " asked for");
    return out;
}

namespace {
std::string rendered_url(const std::string &base, uint32_t frame, const std::string &params) {
    std::string url = base + (frame ? "/frames/" + std::to_string(frame) : std::string()) + "/rendered";
    if (!params.empty()) url += "?" + params;
    return url;
}
}  // namespace

std::vector<uint8_t> Client::rendered(const Target &target, const std::string &media_type, uint32_t frame, const std::string &params) {
    const std::string url = rendered_url(url_of(target), frame, params);
    const std::string body = impl_->get_small(url, media_type, nullptr, size_t(1) << 30);
    return std::vector<uint8_t>(body.begin(), body.end());
}

uint64_t Client::rendered_to_file(const Target &target, const std::string &path, const std::string &media_type, uint32_t frame,
                                  const std::string &params) {
    const std::string url = rendered_url(url_of(target), frame, params);
    const size_t slash = path.rfind('/');
    TempFile tmp(slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path.substr(0, slash));
    Exchange x;
    x.method = "GET";
    x.url = url;
    x.on_body = [&](const char *d, size_t n) { tmp.write(d, n); };
    impl_->perform(x, {"Accept: " + media_type});
    tmp.keep_as(path);
    return tmp.size();
}

size_t Client::metadata_to_file(const Target &target, const std::string &path) {
    const std::string url = url_of(target) + "/metadata";
    const size_t slash = path.rfind('/');
    TempFile tmp(slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path.substr(0, slash));
    JsonArrayScanner scan;
    Exchange x;
    x.method = "GET";
    x.url = url;
    x.on_body = [&](const char *d, size_t n) {
        scan.feed(d, n);
        tmp.write(d, n);
    };
    impl_->perform(x, {"Accept: application/dicom+json"});
    try {
        scan.finish();
    } catch (const Error &e) {
        throw Error(e.code(), "GET " + url + ": " + e.message(), e.offset());
    }
    tmp.keep_as(path);
    return scan.values();
}

std::vector<PartFile> Client::frames_to_dir(const Target &instance, const std::vector<uint32_t> &numbers, const std::string &out_dir,
                                            const std::string &accept, const std::function<void(const PartFile &)> &on_file) {
    if (instance.instance.empty()) throw Error(Errc::invalid_argument, "frames need an instance (study, series and SOP Instance UIDs)");
    if (numbers.empty()) throw Error(Errc::invalid_argument, "no frame numbers (they start at 1)");
    std::string list;
    for (uint32_t n : numbers) {
        if (n == 0) throw Error(Errc::invalid_argument, "frame numbers start at 1");
        list += (list.empty() ? "" : ",") + std::to_string(n);
    }
    const std::string url = url_of(instance) + "/frames/" + list;
    const std::string header = frame_accept(accept);
    auto out = impl_->parts_to_files(url, header, out_dir, [&](size_t n, const std::string &type) {
        if (n > numbers.size())
            throw Error(Errc::malformed, "more parts in the answer than the " + std::to_string(numbers.size()) + " frame(s) asked for");
        return std::make_pair("frame_" + std::to_string(numbers[n - 1]) + extension_for(type), numbers[n - 1]);
    }, on_file);
    if (out.size() != numbers.size())
        throw Error(Errc::malformed, "GET " + url + ": " + std::to_string(out.size()) + " frame(s) in the answer, " +
                                         std::to_string(numbers.size()) + " asked for");
    return out;
}

std::vector<PartFile> Client::rendered_to_dir(const Target &target, const std::string &out_dir, const std::string &media_type,
                                              uint32_t frame, const std::string &params,
                                              const std::function<void(const PartFile &)> &on_file) {
    if (frame && target.instance.empty()) throw Error(Errc::invalid_argument, "a rendered frame needs its instance");
    std::string base = url_of(target) + (frame ? "/frames/" + std::to_string(frame) : std::string()) + "/rendered";
    if (!params.empty()) base += "?" + params;
    // An instance is one image; a series or a study is a multipart/related answer of images.
    const std::string accept = target.instance.empty() ? "multipart/related; type=\"" + media_type + "\"" : media_type;
    return impl_->parts_to_files(base, accept, out_dir, [&](size_t n, const std::string &type) {
        return std::make_pair("rendered_" + std::to_string(n) + extension_for(type), uint32_t(n));
    }, on_file);
}

uint64_t Client::bulkdata_to_file(const std::string &uri, const std::string &path, uint64_t first, uint64_t length) {
    if (uri.empty()) throw Error(Errc::invalid_argument, "no BulkDataURI");
    std::string url = uri;
    if (uri.find("://") == std::string::npos) {
        size_t s = 0;
        while (s < uri.size() && uri[s] == '/') ++s;
        url = impl_->o.base_url + "/" + uri.substr(s);
    }
    if (length && first + length < first) throw Error(Errc::invalid_argument, "the range overflows");
    std::vector<std::string> headers = {"Accept: multipart/related; type=\"application/octet-stream\", application/octet-stream"};
    const bool ranged = first > 0 || length > 0;
    if (ranged)
        headers.push_back("Range: bytes=" + std::to_string(first) + "-" + (length ? std::to_string(first + length - 1) : std::string()));
    const size_t slash = path.rfind('/');
    TempFile tmp(slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path.substr(0, slash));
    // A server that ignores Range answers 200 with the whole value: the asked bytes are cut from it.
    uint64_t skip = 0, keep = UINT64_MAX, seen_parts = 0;
    bool whole = false;
    auto write = [&](const char *d, size_t n) {
        if (whole && skip) {
            const size_t k = size_t(std::min<uint64_t>(skip, n));
            d += k;
            n -= k;
            skip -= k;
        }
        if (whole && keep != UINT64_MAX) {
            n = size_t(std::min<uint64_t>(keep, n));
            keep -= n;
        }
        if (n) tmp.write(d, n);
    };
    std::unique_ptr<http::MultipartReader> reader;
    Exchange x;
    x.method = "GET";
    x.url = url;
    x.on_headers = [&] {
        if (ranged && x.status == 200) {
            whole = true;
            skip = first;
            if (length) keep = length;
        } else if (ranged && x.status == 206) {
            // "bytes FIRST-LAST/SIZE" must start where we asked.
            const std::string cr = x.header("content-range");
            const size_t sp = cr.find(' ');
            if (sp != std::string::npos && std::strtoull(cr.c_str() + sp + 1, nullptr, 10) != first)
                throw Error(Errc::malformed, "Content-Range '" + cr + "' does not start at byte " + std::to_string(first));
        }
        http::MediaType mt;
        const std::string ct = x.header("content-type");
        if (http::parse_media_type(ct, mt) && mt.type == "multipart/related") {
            const std::string boundary = mt.param("boundary");
            if (boundary.empty()) throw Error(Errc::malformed, "multipart/related answer without a boundary parameter");
            http::MultipartReader::Callbacks cb;
            cb.begin = [&](const http::PartHeaders &) {
                if (++seen_parts > 1) throw Error(Errc::malformed, "a bulk data answer with more than one part");
            };
            cb.data = write;
            reader = std::make_unique<http::MultipartReader>(boundary, cb);
        }
    };
    x.on_body = [&](const char *d, size_t n) {
        if (reader) reader->feed(d, n);
        else write(d, n);
    };
    impl_->perform(x, headers);
    if (x.on_headers) x.on_headers();
    if (reader) {
        try {
            reader->finish();
        } catch (const Error &e) {
            throw Error(e.code(), "GET " + url + ": " + e.message());
        }
        if (seen_parts == 0) throw Error(Errc::malformed, "GET " + url + ": a multipart answer without a part");
    }
    tmp.keep_as(path);
    return tmp.size();
}

StoreResult Client::store_json(const std::vector<std::string> &files, const std::string &study_uid, const Progress &progress,
                               size_t bulk_data_threshold) {
    if (files.empty()) throw Error(Errc::invalid_argument, "STOW-RS: no files to store");
    std::string url = impl_->o.base_url + "/studies";
    if (!study_uid.empty()) {
        check_uid(study_uid, "Study Instance");
        url += "/" + study_uid;
    }
    const std::string boundary = http::make_boundary();
    // First pass: each file read and turned into parts (refusing a bad one before anything is sent),
    // only their sizes kept; the second pass makes them again as curl pulls the body.
    uint64_t total = 0;
    {
        http::MultipartWriter dry(boundary, [&](const char *, size_t n) { total += n; });
        for (const std::string &f : files) {
            const detail::StowItem item = detail::stow_json_item(f, impl_->o.base_url, bulk_data_threshold);
            for (const detail::StowPart &p : item.parts) dry.begin_part(p.headers);
            total += item.bytes();
        }
        dry.finish();
    }
    std::string pending;
    size_t pending_pos = 0;
    http::MultipartWriter writer(boundary, [&](const char *d, size_t n) { pending.append(d, n); });
    size_t index = 0, part = 0;
    size_t part_pos = 0;
    bool finished = false, in_part = false;
    detail::StowItem item;
    Exchange x;
    x.method = "POST";
    x.url = url;
    x.read_body = [&](char *buf, size_t cap) -> size_t {
        while (pending_pos == pending.size()) {
            pending.clear();
            pending_pos = 0;
            if (in_part && part < item.parts.size()) {
                const std::string_view b = item.parts[part].bytes;
                if (part_pos < b.size()) {
                    const size_t n = std::min<size_t>(b.size() - part_pos, 64 * 1024);
                    writer.write(b.data() + part_pos, n);
                    part_pos += n;
                    continue;
                }
                ++part;
                in_part = false;
            }
            if (part < item.parts.size()) {
                writer.begin_part(item.parts[part].headers);
                part_pos = 0;
                in_part = true;
                continue;
            }
            if (!item.parts.empty() && progress)
                progress("sent " + files[index - 1] + " as DICOM JSON (" + std::to_string(item.parts.size() - item.sop_instance_uids.size()) +
                         " bulk data part(s), " + human_size(item.bytes()) + ")");
            if (index < files.size()) {
                item = detail::stow_json_item(files[index++], impl_->o.base_url, bulk_data_threshold);
                part = 0;
                in_part = false;
                continue;
            }
            item = detail::StowItem{};
            if (finished) return 0;
            writer.finish();
            finished = true;
        }
        const size_t n = std::min(cap, pending.size() - pending_pos);
        std::memcpy(buf, pending.data() + pending_pos, n);
        pending_pos += n;
        return n;
    };
    std::string body;
    x.on_body = [&](const char *d, size_t n) {
        if (body.size() + n > (size_t(64) << 20)) throw Error(Errc::bad_length, "the STOW-RS answer is larger than 64 MB");
        body.append(d, n);
    };
    x.upload_size = int64_t(total);
    impl_->perform(x, {"Content-Type: multipart/related; type=\"application/dicom+json\"; boundary=" + boundary,
                       "Accept: application/dicom+json", "Expect:"});
    return store_result(x.status, x.header("content-type"), body);
}

#endif  // DCMKIT_WITH_WEB_CLIENT

}  // namespace dcmkit::web
