// dcmkit C ABI — the DICOMweb client (dk_web.h) over dcmkit::web::Client. Without libcurl in the build
// the client's constructor throws Error(unsupported): dk_web_client_open answers DK_EUNSUPPORTED.
#include "dcmkit/dk_web.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcmkit/services/web_client.h"
#include "dcmkit/dictionary.h"
#include "internal.h"

namespace web = dcmkit::web;
using dk::fail;
using dk::need;

struct dk_web_client {
    std::unique_ptr<web::Client> c;
};

namespace {

std::string str(const char *s) { return s ? std::string(s) : std::string(); }

web::Client &client_arg(dk_web_client *client) {
    need(client, "client");
    return *client->c;
}

/// A dataset handle of its own for a callback (valid during the call).
template <typename F>
void with_handle(const dcmkit::Dataset &ds, F &&f) {
    auto root = std::make_shared<dk::Root>();
    root->file.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
    root->file.dataset = ds;
    const dk_dataset handle{std::move(root), {}};
    f(&handle);
}

web::Target target_arg(const char *study, const char *series, const char *instance) {
    need(study, "study_uid");
    return web::Target{study, str(series), str(instance)};
}

void report_store(const web::StoreResult &r, int32_t *http_status, size_t *stored, size_t *failed, dk_web_stored_fn on_instance,
                  void *user_data) {
    if (http_status) *http_status = r.http_status;
    if (stored) *stored = r.referenced.size();
    if (failed) *failed = r.failed.size();
    if (!on_instance) return;
    for (int f = 0; f < 2; ++f)
        for (const web::StoredInstance &s : f ? r.failed : r.referenced) {
            dk_web_stored info{s.sop_class_uid.c_str(), s.sop_instance_uid.c_str(), s.retrieve_url.c_str(), f,
                               uint16_t(s.failure_reason), uint16_t(s.warning_reason)};
            on_instance(&info, user_data);
        }
}

std::function<void(const web::PartFile &)> part_callback(size_t *count, dk_web_part_fn on_part, void *user_data) {
    return [=](const web::PartFile &f) {
        if (count) ++*count;
        if (!on_part) return;
        const dk_web_part info{f.path.c_str(), f.media_type.c_str(), f.number, f.size};
        on_part(&info, user_data);
    };
}

}  // namespace

extern "C" {

dk_result dk_web_client_options_init(dk_web_client_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        dk::check_version(version, DK_WEB_CLIENT_OPTIONS_VERSION, "dk_web_client_options");
        *opts = DK_WEB_CLIENT_OPTIONS_INIT;
        opts->version = version;
    });
}

dk_result dk_web_query_init(dk_web_query *query, uint32_t version) {
    return dk::guard([&] {
        need(query, "query");
        dk::check_version(version, DK_WEB_QUERY_VERSION, "dk_web_query");
        *query = DK_WEB_QUERY_INIT;
        query->version = version;
    });
}

dk_result dk_web_client_open(dk_web_client **out, const dk_web_client_options *opts) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(opts, "opts");
        dk::check_version(opts->version, DK_WEB_CLIENT_OPTIONS_VERSION, "dk_web_client_options");
        if (!opts->base_url || !*opts->base_url) fail(DK_EINVAL, "base_url is NULL or empty (the DICOMweb root URL)");
        web::ClientOptions o;
        o.base_url = opts->base_url;
        o.connect_timeout_ms = opts->connect_timeout_ms;
        o.timeout_ms = opts->timeout_ms;
        o.stall_timeout_s = opts->stall_timeout_s;
        o.verify_peer = opts->verify_peer != 0;
        o.verify_host = opts->verify_host != 0;
        o.ca_file = str(opts->ca_file);
        o.ca_path = str(opts->ca_path);
        o.client_cert = str(opts->client_cert);
        o.client_key = str(opts->client_key);
        o.key_password = str(opts->key_password);
        o.bearer_token = str(opts->bearer_token);
        o.username = str(opts->username);
        o.password = str(opts->password);
        if (o.connect_timeout_ms < 0 || o.timeout_ms < 0 || o.stall_timeout_s < 0) fail(DK_EINVAL, "a timeout is negative");
        auto c = std::make_unique<dk_web_client>();
        c->c = std::make_unique<web::Client>(std::move(o));
        *out = c.release();
    });
}

void dk_web_client_free(dk_web_client *client) { delete client; }

dk_result dk_web_client_store(int32_t *http_status, size_t *stored, size_t *failed, dk_web_client *client,
                              const char *const *paths, size_t count, const char *study_uid, dk_web_stored_fn on_instance,
                              void *user_data) {
    return dk::guard([&] {
        if (http_status) *http_status = 0;
        if (stored) *stored = 0;
        if (failed) *failed = 0;
        web::Client &c = client_arg(client);
        need(paths, "paths");
        if (count == 0) fail(DK_EINVAL, "no files to store (count is 0)");
        std::vector<std::string> files;
        for (size_t i = 0; i < count; ++i) files.push_back(need(paths[i], "a path"));
        report_store(c.store(files, str(study_uid)), http_status, stored, failed, on_instance, user_data);
    });
}

dk_result dk_web_store_options_init(dk_web_store_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        dk::check_version(version, DK_WEB_STORE_OPTIONS_VERSION, "dk_web_store_options");
        *opts = DK_WEB_STORE_OPTIONS_INIT;
        opts->version = version;
    });
}

dk_result dk_web_client_store_with(int32_t *http_status, size_t *stored, size_t *failed, dk_web_client *client,
                                   const char *const *paths, size_t count, const char *study_uid, const dk_web_store_options *opts,
                                   dk_web_stored_fn on_instance, void *user_data) {
    return dk::guard([&] {
        if (http_status) *http_status = 0;
        if (stored) *stored = 0;
        if (failed) *failed = 0;
        dk_web_store_options o = DK_WEB_STORE_OPTIONS_INIT;
        if (opts) {
            dk::check_version(opts->version, DK_WEB_STORE_OPTIONS_VERSION, "dk_web_store_options");
            o = *opts;
        }
        web::Client &c = client_arg(client);
        need(paths, "paths");
        if (count == 0) fail(DK_EINVAL, "no files to store (count is 0)");
        std::vector<std::string> files;
        for (size_t i = 0; i < count; ++i) files.push_back(need(paths[i], "a path"));
        const web::StoreResult r = o.json ? c.store_json(files, str(study_uid), {}, size_t(o.bulk_data_threshold))
                                          : c.store(files, str(study_uid));
        report_store(r, http_status, stored, failed, on_instance, user_data);
    });
}

dk_result dk_web_client_search(size_t *matches, dk_web_client *client, const dk_web_query *query, dk_web_dataset_fn on_match,
                               void *user_data) {
    return dk::guard([&] {
        if (matches) *matches = 0;
        web::Client &c = client_arg(client);
        need(query, "query");
        dk::check_version(query->version, DK_WEB_QUERY_VERSION, "dk_web_query");
        web::SearchQuery q;
        switch (query->level) {
        case DK_WEB_STUDY: q.level = web::Level::study; break;
        case DK_WEB_SERIES: q.level = web::Level::series; break;
        case DK_WEB_INSTANCE: q.level = web::Level::instance; break;
        default: fail(DK_EINVAL, "level " + std::to_string(query->level) + " is not a dk_web_level");
        }
        q.study_uid = str(query->study_uid);
        q.series_uid = str(query->series_uid);
        if (query->match_count) need(query->match, "match");
        for (size_t i = 0; i < query->match_count; ++i) {
            const std::string kv = need(query->match[i], "a match key");
            const size_t eq = kv.find('=');
            if (eq == std::string::npos) fail(DK_EINVAL, "match key '" + kv + "' has no '=' (Keyword=value)");
            q.match.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
        }
        if (query->include_count) need(query->include_fields, "include_fields");
        for (size_t i = 0; i < query->include_count; ++i) q.include_fields.push_back(need(query->include_fields[i], "an include field"));
        q.limit = query->limit;
        q.offset = query->offset;
        q.fuzzy = query->fuzzy != 0;
        const std::vector<dcmkit::Dataset> found = c.search(q);
        if (matches) *matches = found.size();
        if (on_match)
            for (const dcmkit::Dataset &ds : found) with_handle(ds, [&](const dk_dataset *h) { on_match(h, user_data); });
    });
}

dk_result dk_web_client_retrieve(size_t *files, dk_web_client *client, const char *study_uid, const char *series_uid,
                                 const char *instance_uid, const char *out_dir, const char *transfer_syntax,
                                 dk_web_file_fn on_file, void *user_data) {
    return dk::guard([&] {
        if (files) *files = 0;
        web::Client &c = client_arg(client);
        const web::Target t = target_arg(study_uid, series_uid, instance_uid);
        need(out_dir, "out_dir");
        size_t n = 0;
        c.retrieve(t, out_dir, str(transfer_syntax), [&](const web::RetrievedFile &f) {
            ++n;
            if (files) *files = n;
            if (!on_file) return;
            const dk_web_file info{f.path.c_str(), f.sop_instance_uid.c_str(), f.transfer_syntax.c_str(), f.size};
            on_file(&info, user_data);
        });
    });
}

dk_result dk_web_client_metadata(size_t *count, dk_web_client *client, const char *study_uid, const char *series_uid,
                                 const char *instance_uid, dk_web_dataset_fn on_dataset, void *user_data) {
    return dk::guard([&] {
        if (count) *count = 0;
        web::Client &c = client_arg(client);
        const std::vector<dcmkit::Dataset> md = c.metadata(target_arg(study_uid, series_uid, instance_uid));
        if (count) *count = md.size();
        if (on_dataset)
            for (const dcmkit::Dataset &ds : md) with_handle(ds, [&](const dk_dataset *h) { on_dataset(h, user_data); });
    });
}

dk_result dk_web_client_frames(size_t *count, dk_web_client *client, const char *study_uid, const char *series_uid,
                               const char *instance_uid, const uint32_t *numbers, size_t number_count,
                               const char *transfer_syntax, dk_web_bytes_fn on_frame, void *user_data) {
    return dk::guard([&] {
        if (count) *count = 0;
        web::Client &c = client_arg(client);
        need(series_uid, "series_uid");
        need(instance_uid, "instance_uid");
        need(numbers, "numbers");
        const std::vector<uint32_t> want(numbers, numbers + number_count);
        const auto frames = c.frames(target_arg(study_uid, series_uid, instance_uid), want, str(transfer_syntax));
        if (count) *count = frames.size();
        if (on_frame)
            for (size_t i = 0; i < frames.size(); ++i) on_frame(frames[i].data(), frames[i].size(), want[i], user_data);
    });
}

dk_result dk_web_client_rendered_file(uint64_t *size, dk_web_client *client, const char *study_uid, const char *series_uid,
                                      const char *instance_uid, uint32_t frame, const char *media_type, const char *params,
                                      const char *path) {
    return dk::guard([&] {
        if (size) *size = 0;
        web::Client &c = client_arg(client);
        need(series_uid, "series_uid");
        need(instance_uid, "instance_uid");
        need(path, "path");
        const uint64_t n = c.rendered_to_file(target_arg(study_uid, series_uid, instance_uid), path,
                                              media_type ? media_type : "image/jpeg", frame, str(params));
        if (size) *size = n;
    });
}

dk_result dk_web_client_metadata_file(size_t *count, dk_web_client *client, const char *study_uid, const char *series_uid,
                                      const char *instance_uid, const char *path) {
    return dk::guard([&] {
        if (count) *count = 0;
        web::Client &c = client_arg(client);
        need(path, "path");
        const size_t n = c.metadata_to_file(target_arg(study_uid, series_uid, instance_uid), path);
        if (count) *count = n;
    });
}

dk_result dk_web_client_frames_dir(size_t *count, dk_web_client *client, const char *study_uid, const char *series_uid,
                                   const char *instance_uid, const uint32_t *numbers, size_t number_count, const char *accept,
                                   const char *out_dir, dk_web_part_fn on_part, void *user_data) {
    return dk::guard([&] {
        if (count) *count = 0;
        web::Client &c = client_arg(client);
        need(series_uid, "series_uid");
        need(instance_uid, "instance_uid");
        need(numbers, "numbers");
        need(out_dir, "out_dir");
        const std::vector<uint32_t> want(numbers, numbers + number_count);
        c.frames_to_dir(target_arg(study_uid, series_uid, instance_uid), want, out_dir, str(accept),
                        part_callback(count, on_part, user_data));
    });
}

dk_result dk_web_client_rendered_dir(size_t *count, dk_web_client *client, const char *study_uid, const char *series_uid,
                                     const char *instance_uid, uint32_t frame, const char *media_type, const char *params,
                                     const char *out_dir, dk_web_part_fn on_part, void *user_data) {
    return dk::guard([&] {
        if (count) *count = 0;
        web::Client &c = client_arg(client);
        need(out_dir, "out_dir");
        c.rendered_to_dir(target_arg(study_uid, series_uid, instance_uid), out_dir, media_type ? media_type : "image/jpeg", frame,
                          str(params), part_callback(count, on_part, user_data));
    });
}

dk_result dk_web_client_bulkdata_file(uint64_t *size, dk_web_client *client, const char *uri, uint64_t first, uint64_t length,
                                      const char *path) {
    return dk::guard([&] {
        if (size) *size = 0;
        web::Client &c = client_arg(client);
        need(uri, "uri");
        need(path, "path");
        const uint64_t n = c.bulkdata_to_file(uri, path, first, length);
        if (size) *size = n;
    });
}

}  // extern "C"
