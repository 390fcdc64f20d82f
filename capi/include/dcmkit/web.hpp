// dcmkit C++ wrapper: the DICOMweb client (dk::WebClient over dk_web_client) — STOW-RS store, QIDO-RS
// search, WADO-RS retrieve (files streamed into a folder), metadata, frames, rendered images.
//
//   dk::WebClientOptions o;
//   o.base_url = "http://pacs:8042/dicom-web";
//   dk::WebClient web(o);
//   dk::WebStoreResult r = web.store({"a.dcm", "b.dcm"});
//   dk::WebQuery q;
//   q.match = {"PatientName=DOE*"};
//   for (const dk::Dataset &study : web.search(q)) ...
//   for (const dk::WebFile &f : web.retrieve(study_uid, "", "", "out")) std::puts(f.path.c_str());
#ifndef DCMKIT_WEB_HPP
#define DCMKIT_WEB_HPP

#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/common.hpp"
#include "dcmkit/dataset.hpp"
#include "dcmkit/dk_web.h"

namespace dk {

/// dk_web_client_options: the DICOMweb root, timeouts, TLS and credentials.
struct WebClientOptions {
    std::string base_url;           ///< e.g. "https://pacs/dicom-web"; required
    int32_t connect_timeout_ms = 10000;
    int32_t timeout_ms = 0;         ///< a whole request; 0 = no limit
    int32_t stall_timeout_s = 60;   ///< abort a transfer that moved no byte for this long; 0 = never
    bool verify_peer = true, verify_host = true;
    std::string ca_file, ca_path, client_cert, client_key, key_password;
    std::string bearer_token;       ///< Authorization: Bearer
    std::string username, password; ///< HTTP Basic (without a bearer token)
};

/// An instance of a STOW-RS answer.
struct WebStored {
    std::string sop_class_uid, sop_instance_uid, retrieve_url;
    uint16_t failure_reason = 0, warning_reason = 0;
};

struct WebStoreResult {
    int32_t http_status = 0;
    std::vector<WebStored> stored, failed;
};

/// A QIDO-RS query (dk_web_query).
struct WebQuery {
    dk_web_level level = DK_WEB_STUDY;
    std::string study_uid, series_uid;
    std::vector<std::string> match;           ///< "Keyword=value" or "ggggeeee=value"
    std::vector<std::string> include_fields;  ///< keywords, "ggggeeee", or "all"
    int32_t limit = -1, offset = 0;
    bool fuzzy = false;
};

/// A file a WADO-RS retrieve wrote.
struct WebFile {
    std::string path, sop_instance_uid, transfer_syntax;
    uint64_t size = 0;
};

/// A file written from a part of an answer (a frame, a rendered image).
struct WebPart {
    std::string path, media_type;
    uint32_t number = 0;  ///< the frame number, else the part's position from 1
    uint64_t size = 0;
};

/// A DICOMweb client. Move-only; one thread at a time.
class WebClient {
public:
    explicit WebClient(const WebClientOptions &o) {
        dk_web_client_options c = DK_WEB_CLIENT_OPTIONS_INIT;
        c.base_url = o.base_url.c_str();
        c.connect_timeout_ms = o.connect_timeout_ms;
        c.timeout_ms = o.timeout_ms;
        c.stall_timeout_s = o.stall_timeout_s;
        c.verify_peer = o.verify_peer ? 1 : 0;
        c.verify_host = o.verify_host ? 1 : 0;
        c.ca_file = opt(o.ca_file);
        c.ca_path = opt(o.ca_path);
        c.client_cert = opt(o.client_cert);
        c.client_key = opt(o.client_key);
        c.key_password = opt(o.key_password);
        c.bearer_token = opt(o.bearer_token);
        c.username = opt(o.username);
        c.password = opt(o.password);
        check(dk_web_client_open(&h_, &c));
    }
    WebClient(WebClient &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    WebClient &operator=(WebClient &&o) noexcept {
        if (this != &o) {
            dk_web_client_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    WebClient(const WebClient &) = delete;
    WebClient &operator=(const WebClient &) = delete;
    ~WebClient() { dk_web_client_free(h_); }
    dk_web_client *handle() const noexcept { return h_; }

    /// STOW-RS of these Part 10 files, streamed (to /studies/STUDY when `study_uid` is given).
    WebStoreResult store(const std::vector<std::string> &paths, const std::string &study_uid = "") {
        std::vector<const char *> p;
        for (const std::string &s : paths) p.push_back(s.c_str());
        WebStoreResult r;
        size_t stored = 0, failed = 0;
        check(dk_web_client_store(&r.http_status, &stored, &failed, h_, p.data(), p.size(), opt(study_uid), &store_cb, &r));
        return r;
    }

    /// STOW-RS of DICOM JSON (dk_web_client_store_with, json = 1): each dataset of these files (Part 10,
    /// or .json DICOM JSON) as application/dicom+json, binary values over `bulk_data_threshold` bytes
    /// as bulk data parts.
    WebStoreResult store_json(const std::vector<std::string> &paths, const std::string &study_uid = "",
                              uint64_t bulk_data_threshold = 1024) {
        std::vector<const char *> p;
        for (const std::string &s : paths) p.push_back(s.c_str());
        dk_web_store_options o = DK_WEB_STORE_OPTIONS_INIT;
        o.json = 1;
        o.bulk_data_threshold = bulk_data_threshold;
        WebStoreResult r;
        size_t stored = 0, failed = 0;
        check(dk_web_client_store_with(&r.http_status, &stored, &failed, h_, p.data(), p.size(), opt(study_uid), &o, &store_cb, &r));
        return r;
    }

    /// QIDO-RS: the matches, each an owned dataset.
    std::vector<Dataset> search(const WebQuery &query) {
        std::vector<const char *> m, inc;
        for (const std::string &s : query.match) m.push_back(s.c_str());
        for (const std::string &s : query.include_fields) inc.push_back(s.c_str());
        dk_web_query q = DK_WEB_QUERY_INIT;
        q.level = query.level;
        q.study_uid = opt(query.study_uid);
        q.series_uid = opt(query.series_uid);
        q.match = m.data();
        q.match_count = m.size();
        q.include_fields = inc.data();
        q.include_count = inc.size();
        q.limit = query.limit;
        q.offset = query.offset;
        q.fuzzy = query.fuzzy ? 1 : 0;
        Collect<Dataset> c;
        size_t n = 0;
        check(dk_web_client_search(&n, h_, &q, &dataset_cb, &c));
        return c.finish();
    }

    /// WADO-RS: a study (series and instance ""), a series or an instance into `out_dir` as
    /// SOPInstanceUID.dcm. `transfer_syntax` "" = the server's choice, "*" = as stored. `on_file`, when
    /// given, sees each file as it completes; an exception it throws is rethrown once the retrieve is
    /// over (the files that follow are still written, and no longer reported).
    std::vector<WebFile> retrieve(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                                  const std::string &out_dir, const std::string &transfer_syntax = "",
                                  std::function<void(const WebFile &)> on_file = {}) {
        FileCollect c;
        c.fn = std::move(on_file);
        size_t n = 0;
        const dk_result r = dk_web_client_retrieve(&n, h_, study_uid.c_str(), opt(series_uid), opt(instance_uid), out_dir.c_str(),
                                                   opt(transfer_syntax), &file_cb, &c);
        if (c.error) std::rethrow_exception(c.error);
        check(r);
        return std::move(c.files);
    }

    /// WADO-RS metadata: one dataset per instance.
    std::vector<Dataset> metadata(const std::string &study_uid, const std::string &series_uid = "",
                                  const std::string &instance_uid = "") {
        Collect<Dataset> c;
        size_t n = 0;
        check(dk_web_client_metadata(&n, h_, study_uid.c_str(), opt(series_uid), opt(instance_uid), &dataset_cb, &c));
        return c.finish();
    }

    /// WADO-RS frames (numbers from 1) of an instance, in the order asked.
    std::vector<std::vector<uint8_t>> frames(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                              const std::vector<uint32_t> &numbers, const std::string &transfer_syntax = "") {
        Collect<std::vector<uint8_t>> c;
        size_t n = 0;
        check(dk_web_client_frames(&n, h_, study_uid.c_str(), series_uid.c_str(), instance_uid.c_str(), numbers.data(),
                                   numbers.size(), opt(transfer_syntax), &bytes_cb, &c));
        return c.finish();
    }

    /// WADO-RS rendered (frame `frame` when > 0) as `media_type`, written to `path`; returns its size.
    uint64_t rendered_file(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                           const std::string &path, const std::string &media_type = "image/jpeg", uint32_t frame = 0,
                           const std::string &params = "") {
        uint64_t size = 0;
        check(dk_web_client_rendered_file(&size, h_, study_uid.c_str(), series_uid.c_str(), instance_uid.c_str(), frame,
                                          media_type.c_str(), opt(params), path.c_str()));
        return size;
    }

    /// WADO-RS metadata streamed to `path` as the server sends it; returns the number of datasets.
    size_t metadata_file(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                         const std::string &path) {
        size_t n = 0;
        check(dk_web_client_metadata_file(&n, h_, study_uid.c_str(), opt(series_uid), opt(instance_uid), path.c_str()));
        return n;
    }

    /// WADO-RS frames streamed to `out_dir` as frame_N.EXT. `accept`: "" uncompressed, a short name
    /// ("jls", "jpeg", "jp2", "jph", "rle"...), a media type, or a whole Accept header.
    std::vector<WebPart> frames_dir(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                                    const std::vector<uint32_t> &numbers, const std::string &out_dir, const std::string &accept = "") {
        Collect<WebPart> c;
        size_t n = 0;
        check(dk_web_client_frames_dir(&n, h_, study_uid.c_str(), series_uid.c_str(), instance_uid.c_str(), numbers.data(),
                                       numbers.size(), opt(accept), out_dir.c_str(), &part_cb, &c));
        return c.finish();
    }

    /// WADO-RS rendered images of an instance (a frame of it when `frame` > 0), a series or a study
    /// ("" UIDs), each to `out_dir` as rendered_N.EXT.
    std::vector<WebPart> rendered_dir(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                                      const std::string &out_dir, const std::string &media_type = "image/jpeg", uint32_t frame = 0,
                                      const std::string &params = "") {
        Collect<WebPart> c;
        size_t n = 0;
        check(dk_web_client_rendered_dir(&n, h_, study_uid.c_str(), opt(series_uid), opt(instance_uid), frame, media_type.c_str(),
                                         opt(params), out_dir.c_str(), &part_cb, &c));
        return c.finish();
    }

    /// A BulkDataURI to `path` (`length` bytes from `first`; 0 = to the end); returns the file's size.
    uint64_t bulkdata_file(const std::string &uri, const std::string &path, uint64_t first = 0, uint64_t length = 0) {
        uint64_t size = 0;
        check(dk_web_client_bulkdata_file(&size, h_, uri.c_str(), first, length, path.c_str()));
        return size;
    }

private:
    static const char *opt(const std::string &s) noexcept { return s.empty() ? nullptr : s.c_str(); }

    template <typename T>
    struct Collect {
        std::vector<T> items;
        std::exception_ptr error;
        std::vector<T> finish() {
            if (error) std::rethrow_exception(error);
            return std::move(items);
        }
    };
    struct FileCollect {
        std::vector<WebFile> files;
        std::function<void(const WebFile &)> fn;
        std::exception_ptr error;
    };

    static void store_cb(const dk_web_stored *s, void *user_data) noexcept {
        auto *r = static_cast<WebStoreResult *>(user_data);
        try {
            WebStored w{s->sop_class_uid, s->sop_instance_uid, s->retrieve_url, s->failure_reason, s->warning_reason};
            (s->failed ? r->failed : r->stored).push_back(std::move(w));
        } catch (...) {
        }
    }
    static void dataset_cb(const dk_dataset *ds, void *user_data) noexcept {
        auto *c = static_cast<Collect<Dataset> *>(user_data);
        if (c->error) return;
        dk_dataset *copy = nullptr;
        const dk_result r = dk_dataset_clone(&copy, ds);
        try {
            check(r);
            c->items.emplace_back(copy);
        } catch (...) {
            dk_dataset_free(copy);
            c->error = std::current_exception();
        }
    }
    static void bytes_cb(const uint8_t *data, size_t size, uint32_t, void *user_data) noexcept {
        auto *c = static_cast<Collect<std::vector<uint8_t>> *>(user_data);
        try {
            c->items.emplace_back(data, data + size);
        } catch (...) {
            c->error = std::current_exception();
        }
    }
    static void part_cb(const dk_web_part *p, void *user_data) noexcept {
        auto *c = static_cast<Collect<WebPart> *>(user_data);
        try {
            c->items.push_back(WebPart{p->path, p->media_type, p->number, p->size});
        } catch (...) {
            c->error = std::current_exception();
        }
    }
    static void file_cb(const dk_web_file *f, void *user_data) noexcept {
        auto *c = static_cast<FileCollect *>(user_data);
        if (c->error) return;
        try {
            c->files.push_back(WebFile{f->path, f->sop_instance_uid, f->transfer_syntax, f->size});
            if (c->fn) c->fn(c->files.back());
        } catch (...) {
            c->error = std::current_exception();
        }
    }

    dk_web_client *h_ = nullptr;
};

}  // namespace dk

#endif  // DCMKIT_WEB_HPP
