// dcmkit — the DICOMweb client's answers streamed to files: metadata, frames, rendered images, bulk
// data (see web_client.h), and the media types of frames (PS3.18 8.7.3.5).
#include "dcmkit/services/web_client.h"

#include <cctype>
#include <string>
#include <vector>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "web_client_impl.h"

namespace dcmkit::web {

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

#else

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
    const std::string url = url_of(instance) + "/frames/" + detail::frame_list(instance, numbers);
    const std::string header = frame_accept(accept);
    auto out = impl_->parts_to_files(url, header, out_dir, [&](size_t n, const std::string &type) {
        if (n > numbers.size())
            throw Error(Errc::malformed, "more parts in the answer than the " + std::to_string(numbers.size()) + " frame(s) asked for");
        // Frames are pixels (PS3.18 8.7.3.5: application/octet-stream, image/..., video/...), never a
        // page or a document, which is what a proxy or a portal answers with when it fails.
        if (type.rfind("text/", 0) == 0 || type.find("html") != std::string::npos || type.find("json") != std::string::npos ||
            type.find("xml") != std::string::npos)
            throw Error(Errc::malformed, "part " + std::to_string(n) + " is " + type + ", not a frame");
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
    if (whole && skip > 0)
        throw Error(Errc::bad_length, "GET " + url + ": the value has fewer than the " + std::to_string(first + 1) +
                                          " bytes the range starts at (the server ignored Range and sent it whole)");
    tmp.keep_as(path);
    return tmp.size();
}

#endif  // DCMKIT_WITH_WEB_CLIENT

}  // namespace dcmkit::web
