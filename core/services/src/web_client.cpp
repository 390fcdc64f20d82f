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
#include "web_client_impl.h"
#include "web_stow_json.h"

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
StoreResult Client::store_json(const std::vector<std::string> &, const std::string &, const Progress &, size_t) { return {}; }

#else

namespace {
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

/// Sends the STOW-RS body `x.read_body` produces (`total` bytes) as multipart/related of `type` and
/// reads the answer (at most 64 MB).
template <typename Impl>
StoreResult post_stow(Impl &impl, Exchange &x, uint64_t total, const char *type, const std::string &boundary) {
    std::string body;
    x.on_body = [&](const char *d, size_t n) {
        if (body.size() + n > (size_t(64) << 20)) throw Error(Errc::bad_length, "the STOW-RS answer is larger than 64 MB");
        body.append(d, n);
    };
    x.upload_size = int64_t(total);
    impl.perform(x, {std::string("Content-Type: multipart/related; type=\"") + type + "\"; boundary=" + boundary,
                     "Accept: application/dicom+json", "Expect:"});
    return store_result(x.status, x.header("content-type"), body);
}
}  // namespace

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
    return post_stow(*impl_, x, total, "application/dicom", boundary);
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
    const std::string url = url_of(instance) + "/frames/" + detail::frame_list(instance, numbers);
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
    return post_stow(*impl_, x, total, "application/dicom+json", boundary);
}

#endif  // DCMKIT_WITH_WEB_CLIENT

}  // namespace dcmkit::web
