// dcmkit — DICOMweb retrieval (archive_web.h): WADO-RS (PS3.18 10.4) instances, metadata and bulk
// data, the routing of WADO-RS requests (frames and rendered resources are in web_frames.cpp), and
// WADO-URI (PS3.18 Chapter 9).
#include "web_http.h"

#include <civetweb.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/json.h"
#include "dcmkit/transcoder.h"

namespace dcmkit::archive::web {

DicomFile load(const FileRef &f) {
    try {
        return read_file(f.path);
    } catch (const Error &e) {
        throw HttpError{500, "cannot read the stored instance " + f.sop_instance_uid + ": " + e.message()};
    }
}

namespace {

constexpr const char *kExplicitLE = "1.2.840.10008.1.2.1";

std::string hex8(Tag t) {
    char b[9];
    std::snprintf(b, sizeof b, "%08X", t.value);
    return b;
}

/// What Accept allows for instances: the transfer syntax ("*" as stored, "" none acceptable).
std::string dicom_syntax_from_accept(const std::string &accept) {
    for (const http::MediaType &m : http::parse_accept(accept)) {
        if (m.type == "multipart/related") {
            http::MediaType t;
            if (!http::parse_media_type(m.param("type", "application/dicom"), t) || t.type != "application/dicom")
                continue;
            return m.param("transfer-syntax", t.param("transfer-syntax", kExplicitLE));
        }
        if (m.type == "*/*" || m.type == "multipart/*") return kExplicitLE;
    }
    return {};
}

/// The multipart writer's bytes into a chunked response.
struct PartSink final : Sink {
    http::MultipartWriter &w;
    explicit PartSink(http::MultipartWriter &writer) : w(writer) {}
    void write(const uint8_t *data, size_t size) override { w.write(reinterpret_cast<const char *>(data), size); }
};

/// Streams a file's bytes [first, first + count) into `out`.
void stream_file(const std::string &path, uint64_t first, uint64_t count,
                 const std::function<void(const char *, size_t)> &out) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(Errc::io, "cannot open " + path + ": " + std::strerror(errno));
    std::vector<char> buf(1 << 18);
    uint64_t pos = first;
    while (count) {
        const ssize_t n = ::pread(fd, buf.data(), size_t(std::min<uint64_t>(count, buf.size())), off_t(pos));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            throw Error(Errc::io, "cannot read " + path);
        }
        out(buf.data(), size_t(n));
        pos += uint64_t(n);
        count -= uint64_t(n);
    }
    ::close(fd);
}

uint64_t file_size(const std::string &path) {
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) throw Error(Errc::io, "cannot stat " + path);
    return uint64_t(sb.st_size);
}

/// Instances as multipart/related; type="application/dicom": each stored file streamed as it is, or
/// transcoded (one instance in memory at a time) when Accept asks for another syntax.
void retrieve_instances(Request &rq, const std::vector<FileRef> &files) {
    const std::string ts = dicom_syntax_from_accept(rq.header("Accept"));
    if (ts.empty())
        throw HttpError{406, "instances are served as multipart/related; type=\"application/dicom\" "
                             "(Accept names none of it)"};
    if (ts != "*" && !TransferSyntax::from_uid(ts).known)
        throw HttpError{406, "unknown transfer syntax " + ts};
    // The first instance that needs transcoding is transcoded before the response starts, so that
    // a syntax we cannot produce is a 406 and not a cut stream.
    std::optional<DicomFile> first;
    size_t first_index = SIZE_MAX;
    for (size_t i = 0; i < files.size(); ++i) {
        if (ts == "*" || files[i].transfer_syntax == ts) continue;
        DicomFile f = load(files[i]);
        try {
            transcode_pixels(f, ts);
        } catch (const Error &e) {
            throw HttpError{406, "cannot transcode " + files[i].sop_instance_uid + " to " + ts + ": " + e.message()};
        }
        first = std::move(f);
        first_index = i;
        break;
    }
    const std::string boundary = http::make_boundary();
    Stream out(rq.conn, 200, "multipart/related; type=\"application/dicom\"; boundary=" + boundary);
    http::MultipartWriter w(boundary, [&](const char *d, size_t n) { out.write(d, n); });
    for (size_t i = 0; i < files.size(); ++i) {
        const FileRef &f = files[i];
        if (ts == "*" || f.transfer_syntax == ts) {
            w.begin_part({{"Content-Type", "application/dicom; transfer-syntax=" + f.transfer_syntax}});
            out.write_file(f.path);  // the part's header and the file as one chunk, sent from the page cache
            continue;
        }
        DicomFile file;
        if (i == first_index) {
            file = std::move(*first);
            first.reset();
        } else {
            file = load(f);
            transcode_pixels(file, ts);  // a failure here cuts the response (logged by the caller)
        }
        w.begin_part({{"Content-Type", "application/dicom; transfer-syntax=" + ts}});
        PartSink sink(w);
        write_part10_header(sink, file, ts);
        write_dataset(sink, file.dataset, ts);
    }
    w.finish();
    out.finish();
}

std::string instance_url(const Request &rq, const Dataset &ds) {
    return rq.base_url + "/studies/" + ds.get_string_or(tags::StudyInstanceUID, "") + "/series/" +
           ds.get_string_or(tags::SeriesInstanceUID, "") + "/instances/" + ds.get_string_or(tags::SOPInstanceUID, "");
}

/// Metadata: one DICOM JSON object per instance, bulk data over 1 KiB as a BulkDataURI.
void retrieve_metadata(Request &rq, const std::vector<FileRef> &files) {
    bool ok = false;
    for (const http::MediaType &m : http::parse_accept(rq.header("Accept")))
        if (m.covers("application/dicom+json") || m.type == "application/json") ok = true;
    if (!ok) throw HttpError{406, "metadata is served as application/dicom+json"};
    Stream out(rq.conn, 200, "application/dicom+json");
    out.write("[", 1);
    bool firstobj = true;
    for (const FileRef &f : files) {
        const DicomFile file = load(f);  // values borrowed from a map of the file: pixels are not read
        const std::string url = instance_url(rq, file.dataset);
        JsonWriteOptions jo;
        jo.bulk_data_threshold = 1024;
        jo.bulk_uri = [&](const Element &e, const std::vector<Tag> &path) -> std::string {
            if (!path.empty()) return {};  // nested bulk data stays inline
            return url + "/bulkdata/" + hex8(e.tag);
        };
        if (!firstobj) out.write(",", 1);
        firstobj = false;
        out.write(to_json(file.dataset, jo));
    }
    out.write("]", 1);
    out.finish();
}

/// The value field of a top-level element as bulk data: native values little endian, encapsulated
/// pixel data as PS3.5 A.4 encodes it (items, then the sequence delimiter).
std::string bulk_bytes(const Element &e) {
    if (!e.is_encapsulated()) return std::string(e.value.str());
    std::string out;
    auto item = [&](uint16_t elem, const Bytes &b) {
        uint8_t h[8] = {0xFE, 0xFF, uint8_t(elem & 0xFF), uint8_t(elem >> 8), 0, 0, 0, 0};
        const uint32_t n = uint32_t(b.size());
        for (int i = 0; i < 4; ++i) h[4 + i] = uint8_t(n >> (8 * i));
        out.append(reinterpret_cast<const char *>(h), 8);
        out.append(b.str());
    };
    for (const Bytes &frag : e.fragments) item(0xE000, frag);
    out.append("\xFE\xFF\xDD\xE0\0\0\0\0", 8);
    return out;
}

void retrieve_bulk(Request &rq, const FileRef &f, const std::string &tag_text) {
    if (tag_text.size() != 8 || tag_text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        throw HttpError{400, "bulk data is addressed by a tag, GGGGEEEE"};
    const Tag tag(uint32_t(std::strtoul(tag_text.c_str(), nullptr, 16)));
    const DicomFile file = load(f);
    const Element *e = file.dataset.find(tag);
    if (!e || e->is_sequence()) throw HttpError{404, "the instance has no bulk data " + tag_text};
    const std::string bytes = bulk_bytes(*e);
    const std::string range = rq.header("Range");
    if (!range.empty()) {
        uint64_t a = 0, b = 0;
        if (!http::parse_range(range, bytes.size(), a, b)) {
            send(rq.conn, 416, "text/plain; charset=utf-8",
                 "the range " + range + " is outside the " + std::to_string(bytes.size()) + " bytes of " + tag_text + "\n",
                 {{"Content-Range", "bytes */" + std::to_string(bytes.size())}});
            return;
        }
        send(rq.conn, 206, "application/octet-stream", bytes.substr(size_t(a), size_t(b - a + 1)),
             {{"Content-Range", "bytes " + std::to_string(a) + "-" + std::to_string(b) + "/" + std::to_string(bytes.size())}});
        return;
    }
    for (const http::MediaType &m : http::parse_accept(rq.header("Accept"))) {
        if (m.type == "application/octet-stream") {
            send(rq.conn, 200, "application/octet-stream", bytes);
            return;
        }
        if (m.type == "*/*" || m.type == "multipart/*" ||
            (m.type == "multipart/related" && m.param("type", "application/octet-stream") == "application/octet-stream")) {
            const std::string boundary = http::make_boundary();
            std::string body;
            http::MultipartWriter w(boundary, [&](const char *d, size_t n) { body.append(d, n); });
            w.begin_part({{"Content-Type", "application/octet-stream"}});
            w.write(bytes);
            w.finish();
            send(rq.conn, 200, "multipart/related; type=\"application/octet-stream\"; boundary=" + boundary, body);
            return;
        }
    }
    throw HttpError{406, "bulk data is served as application/octet-stream"};
}

}  // namespace

void wado(Context &ctx, Request &rq) {
    const auto &p = rq.path;
    // studies/{s}[/series/{se}[/instances/{i}]][/metadata | /frames/{list}[/rendered] | /bulkdata/{tag} | /rendered | /thumbnail]
    std::string study = p[1], series, instance;
    size_t next = 2;
    if (p.size() >= 4 && p[2] == "series") {
        series = p[3];
        next = 4;
        if (p.size() >= 6 && p[4] == "instances") {
            instance = p[5];
            next = 6;
        }
    }
    const std::string what = next < p.size() ? p[next] : "";
    if (what.empty()) {
        if (next != p.size()) throw HttpError{404, "no such resource"};
        retrieve_instances(rq, files_of(ctx, rq, study, series, instance));
        return;
    }
    if (what == "metadata" && next + 1 == p.size()) {
        retrieve_metadata(rq, files_of(ctx, rq, study, series, instance));
        return;
    }
    if (instance.empty()) {
        if ((what == "rendered" || what == "thumbnail") && next + 1 == p.size())
            return retrieve_rendered_set(ctx, rq, files_of(ctx, rq, study, series, instance), what == "thumbnail");
        throw HttpError{404, "no such resource: " + what};
    }
    const std::vector<FileRef> files = files_of(ctx, rq, study, series, instance);
    const FileRef &f = files.front();
    if (what == "bulkdata" && next + 2 == p.size()) return retrieve_bulk(rq, f, p[next + 1]);
    if ((what == "rendered" || what == "thumbnail") && next + 1 == p.size())
        return retrieve_rendered(ctx, rq, f, 0, what == "thumbnail");
    if (what == "frames" && next + 2 == p.size()) return retrieve_frames(rq, f, p[next + 1]);
    if (what == "frames" && next + 3 == p.size() && (p[next + 2] == "rendered" || p[next + 2] == "thumbnail")) {
        const std::vector<uint64_t> frames = frame_list(p[next + 1]);
        if (frames.size() != 1) throw HttpError{400, "a rendered frame is one frame number"};
        return retrieve_rendered(ctx, rq, f, frames[0] - 1, p[next + 2] == "thumbnail");
    }
    throw HttpError{404, "no such resource: " + what};
}

void wado_uri(Context &ctx, Request &rq) {
    if (rq.value("requestType") != "WADO") throw HttpError{400, "requestType=WADO is required"};
    const std::string study = rq.value("studyUID"), series = rq.value("seriesUID"), object = rq.value("objectUID");
    if (study.empty() || series.empty() || object.empty())
        throw HttpError{400, "studyUID, seriesUID and objectUID are required"};
    const FileRef f = files_of(ctx, rq, study, series, object).front();
    // contentType: a list in order of preference (PS3.18 9.2.2.2); image/jpeg by default.
    std::string type;
    const std::vector<std::string> types = rq.values("contentType", true);
    for (const std::string &t : types.empty() ? std::vector<std::string>{"image/jpeg"} : types) {
        http::MediaType m;
        if (!http::parse_media_type(t, m)) continue;
        if (m.type == "application/dicom" || m.type == "image/jpeg" || m.type == "image/png") {
            type = m.type;
            break;
        }
    }
    if (type.empty()) throw HttpError{406, "contentType is application/dicom, image/jpeg or image/png here"};
    if (type == "application/dicom") {
        const std::string ts = rq.value("transferSyntax", f.transfer_syntax);
        if (ts == f.transfer_syntax) {
            const uint64_t size = file_size(f.path);
            std::string h = "HTTP/1.1 200 OK\r\nContent-Type: application/dicom\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
            mg_write(rq.conn, h.data(), h.size());
            stream_file(f.path, 0, size, [&](const char *d, size_t n) {
                if (mg_write(rq.conn, d, n) <= 0) throw Error(Errc::network, "the client closed the connection");
            });
            return;
        }
        DicomFile file = load(f);
        try {
            transcode_pixels(file, ts);
        } catch (const Error &e) {
            throw HttpError{406, "cannot transcode to " + ts + ": " + e.message()};
        }
        Stream out(rq.conn, 200, "application/dicom");
        struct S final : Sink {
            Stream &o;
            explicit S(Stream &s) : o(s) {}
            void write(const uint8_t *d, size_t n) override { o.write(reinterpret_cast<const char *>(d), n); }
        } sink(out);
        write_part10_header(sink, file, ts);
        write_dataset(sink, file.dataset, ts);
        out.finish();
        return;
    }
    RenderRequest r;
    r.media_type = type;
    if (rq.has("frameNumber")) r.frame = uint64_t(to_int(rq.value("frameNumber"), 1, 1 << 30, "frameNumber") - 1);
    if (rq.has("imageQuality")) r.quality = to_int(rq.value("imageQuality"), 1, 100, "imageQuality");
    if (rq.has("columns")) r.viewport_width = uint32_t(to_int(rq.value("columns"), 1, 16384, "columns"));
    if (rq.has("rows")) r.viewport_height = uint32_t(to_int(rq.value("rows"), 1, 16384, "rows"));
    if (rq.has("windowCenter") != rq.has("windowWidth"))
        throw HttpError{400, "windowCenter and windowWidth go together"};
    if (rq.has("windowCenter")) {
        r.window_center = to_double(rq.value("windowCenter"), "windowCenter");
        r.window_width = to_double(rq.value("windowWidth"), "windowWidth");
    }
    send_rendered(ctx, rq, f, r);
}

}  // namespace dcmkit::archive::web
