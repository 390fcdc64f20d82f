// dcmkit — DICOMweb over the archive (archive_web.h): the CivetWeb server and its routing, QIDO-RS
// and STOW-RS. WADO-RS and WADO-URI are in web_retrieve.cpp.
#include "dcmkit/lazy_library.h"
#include "dcmkit/archive_web.h"

#include "web_http.h"

#include <civetweb.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"

namespace dcmkit::archive {

namespace web {

namespace {

std::string url_decode(const std::string &s) {
    std::string out(s.size() + 1, '\0');
    const int n = mg_url_decode(s.c_str(), int(s.size()), &out[0], int(out.size()), 0);
    out.resize(n < 0 ? 0 : size_t(n));
    return out;
}

std::vector<std::string> split(const std::string &s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == sep) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

}  // namespace

std::string Request::header(const char *name) const {
    const char *v = mg_get_header(conn, name);
    return v ? v : "";
}

std::vector<std::string> Request::values(const std::string &key, bool split_commas) const {
    std::vector<std::string> out;
    for (const auto &kv : query) {
        if (kv.first != key) continue;
        if (!split_commas) {
            out.push_back(kv.second);
            continue;
        }
        for (std::string &v : split(kv.second, ','))
            if (!v.empty()) out.push_back(std::move(v));
    }
    return out;
}

bool Request::has(const std::string &key) const {
    for (const auto &kv : query)
        if (kv.first == key) return true;
    return false;
}

std::string Request::value(const std::string &key, const std::string &def) const {
    for (const auto &kv : query)
        if (kv.first == key) return kv.second;
    return def;
}

void send(mg_connection *c, int status, const std::string &content_type, const std::string &body,
          const std::vector<std::pair<std::string, std::string>> &headers) {
    std::string h = "HTTP/1.1 " + std::to_string(status) + " " + http::reason_phrase(status) + "\r\n";
    if (!content_type.empty()) h += "Content-Type: " + content_type + "\r\n";
    h += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    for (const auto &kv : headers) h += kv.first + ": " + kv.second + "\r\n";
    h += "\r\n";
    mg_write(c, h.data(), h.size());
    if (!body.empty()) mg_write(c, body.data(), body.size());
}

void send_error(mg_connection *c, const HttpError &e) {
    send(c, e.status, "text/plain; charset=utf-8", e.reason + "\n", e.headers);
}

Stream::Stream(mg_connection *c, int status, const std::string &content_type,
               const std::vector<std::pair<std::string, std::string>> &headers)
    : c_(c) {
    std::string h = "HTTP/1.1 " + std::to_string(status) + " " + http::reason_phrase(status) + "\r\n";
    h += "Content-Type: " + content_type + "\r\nTransfer-Encoding: chunked\r\n";
    for (const auto &kv : headers) h += kv.first + ": " + kv.second + "\r\n";
    h += "\r\n";
    if (mg_write(c_, h.data(), h.size()) <= 0) throw Error(Errc::network, "the client closed the connection");
}

void Stream::write(const char *data, size_t n) {
    // Small pieces (part headers) are gathered; large ones go out as they come.
    if (pending_.empty() && n >= 65536) {
        settle();
        if (mg_send_chunk(c_, data, unsigned(n)) <= 0) throw Error(Errc::network, "the client closed the connection");
        return;
    }
    pending_.append(data, n);
    if (pending_.size() >= 65536) {
        settle();
        if (mg_send_chunk(c_, pending_.data(), unsigned(pending_.size())) <= 0)
            throw Error(Errc::network, "the client closed the connection");
        pending_.clear();
    }
}

void Stream::send_raw(const char *data, size_t n) {
    if (n && mg_write(c_, data, n) <= 0) throw Error(Errc::network, "the client closed the connection");
}

void Stream::settle() {
    if (!crlf_owed_) return;
    crlf_owed_ = false;
    send_raw("\r\n", 2);
}

void Stream::write_file(const std::string &path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(Errc::io, "cannot open " + path + ": " + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat sb {};
    if (::fstat(fd, &sb) != 0) throw Error(Errc::io, "cannot stat " + path + ": " + std::strerror(errno));
    const uint64_t size = uint64_t(sb.st_size);
    // One chunk: its size line, the gathered bytes, the file; its closing CRLF goes out with what
    // follows (the next chunk's size line), one write less per file.
    if (pending_.size() + size == 0) return;  // an empty chunk would end the body
    char line[32];
    std::snprintf(line, sizeof line, "%s%llx\r\n", crlf_owed_ ? "\r\n" : "",
                  static_cast<unsigned long long>(pending_.size() + size));
    crlf_owed_ = false;
    pending_.insert(0, line);
    send_raw(pending_.data(), pending_.size());
    pending_.clear();
    // On a plain connection CivetWeb's mg_send_file_body sends the file with sendfile(2) (on TLS it
    // would read and write it in small pieces: there the file is read here, 256 KB at a time). It
    // opens a path: /proc/self/fd/N is the file opened above, whose size the chunk announces, even
    // if the archive has since renamed a new version over `path` (stored files are replaced by
    // rename, never rewritten in place). A client that left shows in the writes that follow
    // (sendfile's SIGPIPE is ignored: CivetWeb's mg_start sets SIGPIPE to SIG_IGN). When the path
    // cannot be opened (no /proc), nothing has been sent and the bytes are read here instead.
    const mg_request_info *ri = mg_get_request_info(c_);
    const bool plain = ri && !ri->is_ssl;
    const std::string self_path = "/proc/self/fd/" + std::to_string(fd);
    if (size && !(plain && mg_send_file_body(c_, self_path.c_str()) >= 0)) {
        std::vector<char> buf(size_t(std::min<uint64_t>(size, 1 << 18)));
        for (uint64_t pos = 0; pos < size;) {
            const ssize_t n = ::pread(fd, buf.data(), size_t(std::min<uint64_t>(size - pos, buf.size())), off_t(pos));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw Error(Errc::io, "cannot read " + path);  // the chunk is cut: so is the response
            send_raw(buf.data(), size_t(n));
            pos += uint64_t(n);
        }
    }
    crlf_owed_ = true;
}

void Stream::finish() {
    if (finished_) return;
    finished_ = true;
    // In one write: a CRLF owed, the gathered bytes as a chunk, the last chunk (size 0).
    std::string tail = crlf_owed_ ? "\r\n" : "";
    crlf_owed_ = false;
    if (!pending_.empty()) {
        char line[24];
        std::snprintf(line, sizeof line, "%zx\r\n", pending_.size());
        tail += line;
        tail += pending_;
        tail += "\r\n";
        pending_.clear();
    }
    tail += "0\r\n\r\n";
    send_raw(tail.data(), tail.size());
}

Stream::~Stream() {
    // An unfinished stream (an error midway) is cut: the client sees the chunked body end early.
}

std::vector<FileRef> files_of(Context &ctx, Request &rq, const std::string &study, const std::string &series,
                              const std::string &instance) {
    Dataset id;
    id.set_string(tags::StudyInstanceUID, study);
    Level level = Level::study;
    if (!series.empty()) {
        id.set_string(tags::SeriesInstanceUID, series);
        level = Level::series;
    }
    if (!instance.empty()) {
        id.set_string(tags::SOPInstanceUID, instance);
        level = Level::image;
    }
    std::vector<FileRef> files;
    try {
        files = ctx.index->files_for(level, id, Root::study_root);
    } catch (const QueryError &e) {
        throw HttpError{400, e.message()};
    }
    if (files.empty())
        throw HttpError{404, std::string("no such ") + (level == Level::study ? "study " : level == Level::series ? "series " : "instance ") +
                                 (level == Level::study ? study : level == Level::series ? series : instance)};
    for (const FileRef &f : files) rq.files.push_back(f.path);
    rq.level = level;
    return files;
}

// -- QIDO-RS (PS3.18 10.6) ------------------------------------------------------------------------

namespace {

/// An attribute of a query: a keyword or GGGGEEEE.
bool resolve(const std::string &name, Tag &tag, VR &vr) {
    if (name.size() == 8 && name.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
        tag = Tag(uint32_t(std::strtoul(name.c_str(), nullptr, 16)));
        vr = dict_vr(tag);
        return true;
    }
    const DictEntry *e = dict_find(std::string_view(name));
    if (!e || e->mask() != 0xFFFFFFFFu) return false;
    tag = Tag(e->tag);
    vr = e->vr;
    return true;
}

/// Sets `path` (dotted attributes: a sequence, then its item's attribute) to `value` in `ds`;
/// `only_if_absent` leaves a key already there (includefield after a matching key).
void set_key(Dataset &ds, const std::string &path, const std::string &value, bool only_if_absent) {
    const size_t dot = path.find('.');
    const std::string head = path.substr(0, dot);
    Tag tag;
    VR vr;
    if (!resolve(head, tag, vr)) throw HttpError{400, "unknown attribute '" + head + "'"};
    if (dot != std::string::npos) {
        if (vr != VR::SQ) throw HttpError{400, "'" + head + "' is not a sequence"};
        Element *e = ds.find(tag);
        if (!e) e = &ds.set_sequence(tag, {Dataset()});
        if (e->items.empty()) e->items.emplace_back();
        set_key(e->items[0], path.substr(dot + 1), value, only_if_absent);
        return;
    }
    if (only_if_absent && ds.contains(tag)) return;
    if (vr == VR::SQ) {
        if (!value.empty()) throw HttpError{400, "a sequence attribute ('" + head + "') takes no value"};
        ds.set_sequence(tag, {});
        return;
    }
    std::string v = value;
    if (vr == VR::UI)  // a UID list: comma-separated in the URL (PS3.18 8.3.4.1), '\' in DICOM
        for (char &c : v)
            if (c == ',') c = '\\';
    try {
        ds.set_string(tag, v, vr == VR::None ? VR::UN : vr);
    } catch (const Error &e) {
        throw HttpError{400, "bad value for " + head + ": " + e.message()};
    }
}

const std::vector<const char *> &default_keys(Level level) {
    // PS3.18 Tables 10.6.3-3 (study), 10.6.3-4 (series), 10.6.3-5 (instance).
    static const std::vector<const char *> study = {
        "StudyDate", "StudyTime", "AccessionNumber", "InstanceAvailability", "ModalitiesInStudy",
        "ReferringPhysicianName", "PatientName", "PatientID", "PatientBirthDate", "PatientSex",
        "StudyInstanceUID", "StudyID", "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances"};
    static const std::vector<const char *> series = {"Modality", "SeriesDescription", "SeriesInstanceUID",
                                                     "SeriesNumber", "NumberOfSeriesRelatedInstances",
                                                     "StudyInstanceUID"};
    static const std::vector<const char *> instance = {"SOPClassUID", "SOPInstanceUID", "InstanceAvailability",
                                                       "InstanceNumber", "Rows", "Columns", "BitsAllocated",
                                                       "NumberOfFrames", "StudyInstanceUID", "SeriesInstanceUID"};
    return level == Level::study ? study : level == Level::series ? series : instance;
}

/// includefield=all: every attribute the index holds at the level and above.
const std::vector<const char *> &all_keys(Level level) {
    static const std::vector<const char *> study = {
        "StudyDate", "StudyTime", "AccessionNumber", "InstanceAvailability", "ModalitiesInStudy", "SOPClassesInStudy",
        "ReferringPhysicianName", "StudyDescription", "PatientName", "PatientID", "IssuerOfPatientID",
        "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyID", "NumberOfStudyRelatedSeries",
        "NumberOfStudyRelatedInstances"};
    static const std::vector<const char *> series = [] {
        std::vector<const char *> v = study;
        for (const char *k : {"Modality", "SeriesDescription", "SeriesInstanceUID", "SeriesNumber", "SeriesDate",
                              "SeriesTime", "BodyPartExamined", "NumberOfSeriesRelatedInstances"})
            v.push_back(k);
        return v;
    }();
    static const std::vector<const char *> instance = [] {
        std::vector<const char *> v = series;
        for (const char *k : {"SOPClassUID", "SOPInstanceUID", "InstanceNumber", "Rows", "Columns", "BitsAllocated",
                              "NumberOfFrames"})
            v.push_back(k);
        return v;
    }();
    return level == Level::study ? study : level == Level::series ? series : instance;
}

bool parse_count(const std::string &s, uint64_t &out) {
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::strtoull(s.c_str(), nullptr, 10);
    return true;
}

}  // namespace

void qido(Context &ctx, Request &rq) {
    // /studies, /series, /instances, /studies/{s}/series, /studies/{s}/instances,
    // /studies/{s}/series/{se}/instances
    const auto &p = rq.path;
    Level level;
    std::string study, series;
    if (p.size() == 1) {
        level = p[0] == "studies" ? Level::study : p[0] == "series" ? Level::series : Level::image;
    } else if (p.size() == 3 && p[0] == "studies") {
        study = p[1];
        level = p[2] == "series" ? Level::series : Level::image;
    } else {
        study = p[1];
        series = p[3];
        level = Level::image;
    }
    Dataset id;
    bool fuzzy = false;
    uint64_t limit = UINT64_MAX, offset = 0;
    std::vector<std::string> include;
    bool include_all = false;
    for (const auto &kv : rq.query) {
        const std::string &k = kv.first;
        if (k == "includefield") {
            for (const std::string &f : split(kv.second, ',')) {
                if (f == "all") include_all = true;
                else if (!f.empty()) include.push_back(f);
            }
        } else if (k == "limit") {
            if (!parse_count(kv.second, limit)) throw HttpError{400, "limit takes a number"};
        } else if (k == "offset") {
            if (!parse_count(kv.second, offset)) throw HttpError{400, "offset takes a number"};
        } else if (k == "fuzzymatching") {
            if (kv.second != "true" && kv.second != "false") throw HttpError{400, "fuzzymatching takes true or false"};
            fuzzy = kv.second == "true";
        } else if (k == "charset" || k == "accept") {
            // response character set / media type as query parameters: UTF-8 JSON is what we write
        } else {
            set_key(id, k, kv.second, false);
        }
    }
    if (!study.empty()) set_key(id, "StudyInstanceUID", study, false);
    if (!series.empty()) set_key(id, "SeriesInstanceUID", series, false);
    for (const char *k : include_all ? all_keys(level) : default_keys(level)) set_key(id, k, "", true);
    // PS3.18 10.6.3.3.2/.3: all series also carry the study's attributes, all instances the study's
    // and the series', a study's instances the series'.
    if (!include_all && level != Level::study && study.empty())
        for (const char *k : default_keys(Level::study)) set_key(id, k, "", true);
    if (!include_all && level == Level::image && series.empty())
        for (const char *k : default_keys(Level::series)) set_key(id, k, "", true);
    for (const std::string &k : include) set_key(id, k, "", true);

    rq.level = level;
    rq.identifier = id;  // what the audit trail records of the query
    // Accept: application/dicom+json (or application/json, */*).
    bool acceptable = false;
    for (const http::MediaType &m : http::parse_accept(rq.header("Accept")))
        if (m.covers("application/dicom+json") || m.type == "application/json") acceptable = true;
    if (!acceptable) throw HttpError{406, "QIDO-RS answers application/dicom+json only"};

    std::vector<std::pair<std::string, std::string>> headers;
    if (fuzzy)  // PS3.18 8.3.4.1: the origin server states what it does not support in a Warning
        headers.emplace_back("Warning", "299 dcmkit: The fuzzymatching parameter is not supported. Only literal matching has been performed.");
    std::string body = "[";
    uint64_t seen = 0, sent = 0;
    try {
        ctx.index->find(level, id, Root::study_root, [&](Dataset &&m) {
            if (seen++ < offset) return true;
            if (sent >= limit) return false;
            m.remove(Tag(0x0008, 0x0052));
            if (m.contains(Tag(0x0008, 0x0056))) m.set_string(Tag(0x0008, 0x0056), "ONLINE", VR::CS);
            std::string url = rq.base_url + "/studies/" + m.get_string_or(tags::StudyInstanceUID, "");
            if (level != Level::study) url += "/series/" + m.get_string_or(tags::SeriesInstanceUID, "");
            if (level == Level::image) url += "/instances/" + m.get_string_or(tags::SOPInstanceUID, "");
            m.set_string(Tag(0x0008, 0x1190), url, VR::UR);
            if (sent++) body += ",";
            body += to_json(m);
            return true;
        });
    } catch (const QueryError &e) {
        throw HttpError{400, e.message()};
    }
    body += "]";
    send(rq.conn, 200, "application/dicom+json", body, headers);
}

// -- STOW-RS (PS3.18 10.5) ------------------------------------------------------------------------

namespace {

/// One part being written to its temporary file.
struct PartFile {
    int fd = -1;
    std::string path;
    uint64_t size = 0;
    bool too_large = false, write_failed = false;
    void discard() {
        if (fd >= 0) ::close(fd);
        fd = -1;
        if (!path.empty()) ::unlink(path.c_str());
        path.clear();
    }
    ~PartFile() { discard(); }
};

}  // namespace

/// The objects of a DICOM JSON array (or the one object), as text: split at the top level, strings
/// respected. Throws Error(malformed) when it is neither.
static std::vector<std::string> json_objects(const std::string &text) {
    std::vector<std::string> out;
    size_t i = text.find_first_not_of(" \t\r\n");
    if (i == std::string::npos) throw Error(Errc::malformed, "empty DICOM JSON");
    if (text[i] == '{') return {text};
    if (text[i] != '[') throw Error(Errc::malformed, "DICOM JSON is an array of objects");
    int depth = 0;
    bool in_string = false;
    size_t start = 0;
    for (++i; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') {
            if (depth++ == 0) start = i;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return out;  // the array's end
            if (--depth == 0) out.push_back(text.substr(start, i - start + 1));
        }
    }
    throw Error(Errc::truncated, "the DICOM JSON array is not closed");
}

/// A temporary file's bytes, at most `max`.
static std::string read_text(const std::string &path, uint64_t max) {
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) throw Error(Errc::io, "cannot stat " + path);
    if (uint64_t(sb.st_size) > max) throw Error(Errc::bad_length, "a part larger than " + std::to_string(max) + " bytes");
    std::string out(size_t(sb.st_size), '\0');
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(Errc::io, "cannot open " + path);
    size_t got = 0;
    while (got < out.size()) {
        const ssize_t n = ::read(fd, &out[got], out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += size_t(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

void stow(Context &ctx, Request &rq) {
    if (!ctx.options.ingest) throw HttpError{405, "this server does not store (no STOW-RS)"};
    http::MediaType ct;
    std::string err;
    if (!http::parse_media_type(rq.header("Content-Type"), ct, &err)) throw HttpError{415, "Content-Type: " + err};
    if (ct.type != "multipart/related")
        throw HttpError{415, "STOW-RS takes multipart/related; type=\"application/dicom\", not " + ct.type};
    const std::string type = ct.param("type", "application/dicom");
    http::MediaType root;
    if (!http::parse_media_type(type, root) || (root.type != "application/dicom" && root.type != "application/dicom+json"))
        throw HttpError{415, "STOW-RS takes parts of type application/dicom or application/dicom+json, not " + type};
    // application/dicom+json: the metadata parts, and bulk data parts named by Content-Location.
    const bool json_mode = root.type == "application/dicom+json";
    std::vector<std::string> json_parts;
    std::map<std::string, std::string> bulk_parts;  // Content-Location -> temporary file
    std::string part_location;
    const std::string boundary = ct.param("boundary");
    if (boundary.empty() || boundary.size() > 256) throw HttpError{400, "multipart/related without a valid boundary"};
    const std::string study = rq.path.size() >= 2 ? rq.path[1] : "";

    Dataset response;
    std::vector<Dataset> referenced, failed;
    PartFile part;
    // Complete parts wait on disk for the end of the body: a body that turns out malformed stores
    // nothing; a whole one is stored together (one file system sync, one index transaction).
    std::vector<std::string> complete;
    struct Cleanup {
        std::vector<std::string> &paths;
        ~Cleanup() {
            for (const std::string &p : paths) ::unlink(p.c_str());
        }
    } cleanup{complete};
    bool part_ok = true;
    std::string part_type;
    uint64_t max = ctx.options.max_part_size;
    auto fail = [&](const std::string &cls, const std::string &inst, uint16_t reason) {
        Dataset item;
        item.set_string(Tag(0x0008, 0x1150), cls, VR::UI);
        item.set_string(Tag(0x0008, 0x1155), inst, VR::UI);
        item.set_int(Tag(0x0008, 0x1197), reason, VR::US);
        failed.push_back(std::move(item));
    };
    http::MultipartReader::Callbacks cb;
    cb.begin = [&](const http::PartHeaders &h) {
        auto it = h.find("content-type");
        part_type = it == h.end() ? type : it->second;
        http::MediaType pt;
        part_ok = http::parse_media_type(part_type, pt) && (json_mode || pt.type == "application/dicom");
        if (!part_ok) return;
        auto loc = h.find("content-location");
        part_location = loc == h.end() ? std::string() : loc->second;
        if (json_mode && pt.type != "application/dicom+json" && part_location.empty())
            throw HttpError{400, "a bulk data part without Content-Location"};
        part_type = pt.type;
        part.path = ctx.options.temp_folder + "/.incoming-stow-XXXXXX";
        part.fd = ::mkstemp(&part.path[0]);
        if (part.fd < 0) {
            part.path.clear();
            throw HttpError{500, std::string("cannot create a temporary file: ") + std::strerror(errno)};
        }
        part.size = 0;
        part.too_large = part.write_failed = false;
    };
    cb.data = [&](const char *d, size_t n) {
        if (!part_ok || part.fd < 0 || part.too_large || part.write_failed) return;
        part.size += n;
        if (max && part.size > max) {
            part.too_large = true;
            return;
        }
        while (n) {
            const ssize_t w = ::write(part.fd, d, n);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                part.write_failed = true;
                return;
            }
            d += w;
            n -= size_t(w);
        }
    };
    cb.end = [&] {
        if (!part_ok) {  // PS3.18 10.5.3: a part of another type fails, the others go on
            fail("", "", 0xC000);
            return;
        }
        if (part.too_large || part.write_failed) {
            fail("", "", 0xA700);
            part.discard();
            return;
        }
        if (::close(part.fd) != 0) {  // made durable by ingest, all parts at once
            part.fd = -1;
            fail("", "", 0xA700);
            part.discard();
            return;
        }
        part.fd = -1;
        if (json_mode) {
            if (part_type == "application/dicom+json") json_parts.push_back(part.path);
            else bulk_parts[part_location] = part.path;
            complete.push_back(part.path);  // removed at the end either way
            part.path.clear();
            return;
        }
        // A study's resource takes only that study's instances (PS3.18 10.5.1: A900 otherwise).
        if (!study.empty()) {
            try {
                ReadOptions ro;
                ro.stop_before_pixels = true;
                const DicomFile f = read_file(part.path, ro);
                if (f.dataset.get_string_or(tags::StudyInstanceUID, "") != study) {
                    fail(f.dataset.get_string_or(tags::SOPClassUID, ""), f.dataset.get_string_or(tags::SOPInstanceUID, ""),
                         0xA900);
                    part.discard();
                    return;
                }
            } catch (const Error &) {
                // left to ingest, which answers C000 as a C-STORE would
            }
        }
        complete.push_back(part.path);
        part.path.clear();  // now complete's
    };
    http::MultipartReader::Limits limits;
    http::MultipartReader reader(boundary, cb, limits);
    // A client that waits for it (curl, libcurl clients such as Orthanc's, for large bodies) would
    // otherwise hold the body back for a second (RFC 9110 10.1.1).
    const std::string expect = rq.header("Expect");
    if (expect.size() == 12 && ::strncasecmp(expect.c_str(), "100-continue", 12) == 0)
        mg_write(rq.conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    char buf[65536];
    try {
        for (;;) {
            const int n = mg_read(rq.conn, buf, sizeof buf);
            if (n < 0) throw HttpError{400, "the request body could not be read"};
            if (n == 0) break;
            reader.feed(buf, size_t(n));
        }
        reader.finish();
    } catch (const Error &e) {
        part.discard();
        const int status = e.code() == Errc::bad_length ? 413 : 400;
        throw HttpError{status, "malformed multipart body: " + e.message() + " (nothing was stored)"};
    }
    std::vector<std::string> paths;
    if (json_mode) {
        // Each dataset of the metadata becomes a Part 10 file (Explicit VR Little Endian), its bulk
        // data read from the parts its BulkDataURIs name; the parts themselves go at the end.
        for (const std::string &jp : json_parts) {
            std::vector<std::string> objects;
            try {
                objects = json_objects(read_text(jp, 256u << 20));
            } catch (const Error &e) {
                fail("", "", 0xC000);
                continue;
            }
            for (const std::string &obj : objects) {
                JsonReadOptions jo;
                jo.bulk_loader = [&](std::string_view uri, Tag, VR) {
                    auto it = bulk_parts.find(std::string(uri));
                    if (it == bulk_parts.end())
                        throw Error(Errc::not_found, "no part has Content-Location " + std::string(uri));
                    const std::string bytes = read_text(it->second, max ? max : uint64_t(4) << 30);
                    return Bytes::copy(bytes.data(), bytes.size());
                };
                DicomFile f;
                try {
                    f.dataset = from_json(obj, jo);
                } catch (const Error &e) {
                    fail("", "", 0xC000);
                    continue;
                }
                f.transfer_syntax = "1.2.840.10008.1.2.1";
                std::string tmp = ctx.options.temp_folder + "/.incoming-stow-XXXXXX";
                const int fd = ::mkstemp(&tmp[0]);
                if (fd < 0) {
                    fail("", "", 0xA700);
                    continue;
                }
                ::close(fd);
                try {
                    write_file(tmp, f);
                } catch (const Error &) {
                    ::unlink(tmp.c_str());
                    fail(f.dataset.get_string_or(tags::SOPClassUID, ""), f.dataset.get_string_or(tags::SOPInstanceUID, ""),
                         0xA700);
                    continue;
                }
                paths.push_back(tmp);
            }
        }
    } else {
        paths.swap(complete);  // ingest moves or removes each
    }
    rq.stored = ctx.options.ingest(paths, rq.peer);
    for (const IngestResult &r : rq.stored) {
        if (r.status != 0) {
            fail(r.sop_class_uid, r.sop_instance_uid, r.status);
            continue;
        }
        Dataset item;
        item.set_string(Tag(0x0008, 0x1150), r.sop_class_uid, VR::UI);
        item.set_string(Tag(0x0008, 0x1155), r.sop_instance_uid, VR::UI);
        const std::string study_url = rq.base_url + "/studies/" + r.study_uid;
        item.set_string(Tag(0x0008, 0x1190), study_url + "/series/" + r.series_uid + "/instances/" + r.sop_instance_uid,
                        VR::UR);
        referenced.push_back(std::move(item));
        if (!study.empty() || !response.contains(Tag(0x0008, 0x1190))) response.set_string(Tag(0x0008, 0x1190), study_url, VR::UR);
    }
    if (!failed.empty()) response.set_sequence(Tag(0x0008, 0x1198), std::move(failed));
    const bool none_stored = referenced.empty();
    if (!referenced.empty()) response.set_sequence(Tag(0x0008, 0x1199), std::move(referenced));
    int status = 200;
    if (response.contains(Tag(0x0008, 0x1198))) status = none_stored ? 409 : 202;
    if (none_stored && !response.contains(Tag(0x0008, 0x1198)))
        throw HttpError{400, "the multipart body holds no part"};
    send(rq.conn, status, "application/dicom+json", to_json(response));
}

// -- routing --------------------------------------------------------------------------------------

namespace {

bool is_uid(const std::string &s) { return !s.empty() && s.size() <= 64 && s.find_first_not_of("0123456789.") == std::string::npos; }

void route(Context &ctx, Request &rq) {
    const auto &p = rq.path;
    auto permit = [&](const char *op) {
        if (ctx.options.permits && !ctx.options.permits(op, rq.client))
            throw HttpError{403, std::string("not authorized: ") + op};
    };
    if (!p.empty() && p[0] == "wado") {
        if (rq.method != "GET") throw HttpError{405, "WADO-URI takes GET"};
        permit("get");
        rq.event = WebEvent::Kind::retrieve;
        wado_uri(ctx, rq);
        return;
    }
    const bool qido_path = (p.size() == 1 && (p[0] == "studies" || p[0] == "series" || p[0] == "instances")) ||
                           (p.size() == 3 && p[0] == "studies" && (p[2] == "series" || p[2] == "instances")) ||
                           (p.size() == 5 && p[0] == "studies" && p[2] == "series" && p[4] == "instances");
    if (rq.method == "POST") {
        if ((p.size() == 1 && p[0] == "studies") || (p.size() == 2 && p[0] == "studies")) {
            if (p.size() == 2 && !is_uid(p[1])) throw HttpError{400, "'" + p[1] + "' is not a UID"};
            permit("store");
            rq.event = WebEvent::Kind::store;
            stow(ctx, rq);
            return;
        }
        throw HttpError{405, "POST is for BASE/studies (STOW-RS)"};
    }
    if (rq.method != "GET") throw HttpError{405, rq.method + " is not served"};
    if (qido_path) {
        permit("find");
        rq.event = WebEvent::Kind::query;
        qido(ctx, rq);
        return;
    }
    if (p.size() >= 2 && p[0] == "studies") {
        permit("get");
        rq.event = WebEvent::Kind::retrieve;
        wado(ctx, rq);
        return;
    }
    throw HttpError{404, "no DICOMweb resource here"};
}

}  // namespace

}  // namespace web

// -- the server -----------------------------------------------------------------------------------

struct WebServer::Impl {
    web::Context ctx;
    mg_context *mg = nullptr;
    uint16_t port = 0;

    // CivetWeb's workers run on ~100 KB stacks (Debian builds it with CIVETWEB_THREAD_STACK_SIZE
    // 102400), too small for the reader and the codecs: each request runs on one of our threads
    // (the default 8 MB stack) while its CivetWeb worker waits.
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> jobs;
    std::vector<std::thread> workers;
    bool stopping = false;

    void run_workers(unsigned n) {
        stopping = false;
        for (unsigned i = 0; i < n; ++i)
            workers.emplace_back([this] {
                for (;;) {
                    std::function<void()> job;
                    {
                        std::unique_lock<std::mutex> lock(mu);
                        cv.wait(lock, [this] { return stopping || !jobs.empty(); });
                        if (jobs.empty()) return;
                        job = std::move(jobs.front());
                        jobs.pop_front();
                    }
                    job();
                }
            });
    }
    void stop_workers() {
        {
            std::lock_guard<std::mutex> lock(mu);
            stopping = true;
        }
        cv.notify_all();
        for (std::thread &t : workers) t.join();
        workers.clear();
    }

    static int handle(mg_connection *conn, void *cbdata) {
        auto *self = static_cast<Impl *>(cbdata);
        std::promise<int> done;
        std::future<int> result = done.get_future();
        {
            std::lock_guard<std::mutex> lock(self->mu);
            self->jobs.emplace_back([self, conn, &done] {
                int status = 500;
                try {
                    status = self->serve(conn);
                } catch (...) {  // serve() answers every error itself; nothing may leave the job
                }
                done.set_value(status);
            });
        }
        self->cv.notify_one();
        return result.get();
    }

    int serve(mg_connection *conn) {
        Impl *self = this;
        const mg_request_info *ri = mg_get_request_info(conn);
        web::Request rq;
        rq.conn = conn;
        rq.method = ri->request_method ? ri->request_method : "";
        rq.peer = ri->remote_addr;
        std::string uri = ri->local_uri_raw ? ri->local_uri_raw : (ri->local_uri ? ri->local_uri : "");
        const std::string &base = self->ctx.options.base;
        if (uri.compare(0, base.size(), base) == 0) uri = uri.substr(base.size());
        for (std::string &s : web::split(uri, '/'))
            if (!s.empty()) rq.path.push_back(s);
        if (ri->query_string) {
            for (const std::string &kv : web::split(ri->query_string, '&')) {
                if (kv.empty()) continue;
                const size_t eq = kv.find('=');
                rq.query.emplace_back(web::url_decode(kv.substr(0, eq)),
                                      eq == std::string::npos ? std::string() : web::url_decode(kv.substr(eq + 1)));
            }
        }
        const char *host = mg_get_header(conn, "Host");
        rq.base_url = std::string(self->ctx.security.tls ? "https://" : "http://") +
                      (host ? host : "127.0.0.1:" + std::to_string(self->port)) + base;
        int status = 200;
        std::string reason;
        try {
            try {
                web::identify(self->ctx, rq);
            } catch (const web::HttpError &e) {
                if (e.status == 401) web::report(self->ctx, rq, WebEvent::Kind::authentication_failed, 401, e.reason);
                throw;
            }
            web::route(self->ctx, rq);
        } catch (const web::HttpError &e) {
            status = e.status;
            reason = e.reason;
            web::send_error(conn, e);
        } catch (const Error &e) {
            // Mid-stream failures (the client left, a file vanished) end the response here.
            status = e.code() == Errc::network ? 499 : 500;
            reason = e.message();
            if (e.code() != Errc::network) web::send_error(conn, web::HttpError{500, e.message()});
        } catch (const std::exception &e) {
            status = 500;
            reason = e.what();
            web::send_error(conn, web::HttpError{500, e.what()});
        }
        if (rq.event) web::report(self->ctx, rq, *rq.event, status, reason);
        return status;
    }
};

WebServer::WebServer(std::shared_ptr<Index> index, WebOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->ctx.index = std::move(index);
    impl_->ctx.options = std::move(options);
    while (!impl_->ctx.options.base.empty() && impl_->ctx.options.base.back() == '/') impl_->ctx.options.base.pop_back();
}

WebServer::~WebServer() { stop(); }

void WebServer::start(const std::string &address, uint16_t port) {
    if (impl_->mg) throw Error(Errc::invalid_argument, "the DICOMweb server is already started");
    lazy::require("civetweb", "DICOMweb");
    static std::once_flag once;
    std::call_once(once, [] { mg_init_library(0); });
    const std::string ports = (address.empty() ? std::string() : address + ":") + std::to_string(port);
    const std::string threads = std::to_string(impl_->ctx.options.threads ? impl_->ctx.options.threads : 8);
    // TLS (web_security.cpp): our context, with the profile's versions and ciphers, the CAs, CRLs
    // and peer verification, is CivetWeb's; the port takes the "s" suffix (HTTPS only).
    web::prepare_security(impl_->ctx);
    const bool tls = impl_->ctx.security.tls != nullptr;
    if (tls) web::check_civetweb_tls();
    const std::string listening = ports + (tls ? "s" : "");
    const char *opts[] = {"listening_ports", listening.c_str(), "num_threads", threads.c_str(),
                          "request_timeout_ms", "600000", "enable_keep_alive", "yes",
                          "keep_alive_timeout_ms", "30000", "tcp_nodelay", "1", nullptr};
    mg_callbacks callbacks{};
    callbacks.log_message = [](const mg_connection *, const char *) { return 1; };  // no stderr lines
    if (tls) callbacks.external_ssl_ctx = &web::external_ssl_ctx;
    char errbuf[256] = {0};
    mg_init_data init{};
    init.callbacks = &callbacks;
    init.user_data = &impl_->ctx;
    init.configuration_options = opts;
    mg_error_data error{};
    error.text = errbuf;
    error.text_buffer_size = sizeof errbuf;
    impl_->run_workers(impl_->ctx.options.threads ? impl_->ctx.options.threads : 8);
    impl_->mg = mg_start2(&init, &error);
    if (!impl_->mg) impl_->stop_workers();
    if (!impl_->mg && tls && std::strstr(errbuf, "SSL"))  // CivetWeb's own OpenSSL set-up failed
        throw Error(Errc::unsupported, "cannot serve DICOMweb over HTTPS on " + ports + ": " + errbuf +
                                           " (CivetWeb loads OpenSSL as libssl.so and libcrypto.so: install libssl-dev)");
    if (!impl_->mg)
        throw Error(Errc::io, "cannot serve DICOMweb on " + ports + (errbuf[0] ? std::string(": ") + errbuf : std::string()));
    const std::string &base = impl_->ctx.options.base;
    mg_set_request_handler(impl_->mg, base.empty() ? "/" : base.c_str(), &Impl::handle, impl_.get());
    if (!base.empty()) mg_set_request_handler(impl_->mg, "/wado$", &Impl::handle, impl_.get());
    mg_server_port sp[4];
    const int n = mg_get_server_ports(impl_->mg, 4, sp);
    impl_->port = n > 0 ? uint16_t(sp[0].port) : port;
}

uint16_t WebServer::port() const noexcept { return impl_->port; }
bool WebServer::secure() const noexcept { return impl_->ctx.security.tls != nullptr; }

void WebServer::stop() {
    if (!impl_->mg) return;
    mg_stop(impl_->mg);
    impl_->mg = nullptr;
    impl_->stop_workers();
    impl_->port = 0;
}

bool web_available() noexcept { return true; }

}  // namespace dcmkit::archive
