// dcmkit C ABI — the embedded archive (dk_archive_*) over dcmkit::archive::Server. A build without
// the archive (DCMKIT_WITH_ARCHIVE=OFF: no SQLite, no libcrypto) keeps every dk_archive_* symbol (the
// ABI is one), answering DK_EUNSUPPORTED.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <mutex>

#include "dcmkit/dk_archive.h"
#include "dcmkit/dk_net.h"
#include "internal.h"

#ifdef DCMKIT_HAVE_ARCHIVE
#include "dcmkit/archive_server.h"
#include "dcmkit/render.h"

namespace archive = dcmkit::archive;
using dk::check_version;
using dk::fail;
using dk::need;

struct dk_archive {
    std::unique_ptr<archive::Server> server;
    bool started = false;
};

namespace {


/// Sets `key` from a C string option, failing with the option's name.
void set_key(archive::Config &c, const char *field, const std::string &key, const std::string &value) {
    std::string err;
    if (!c.set(key, value, err)) fail(DK_EINVAL, std::string("dk_archive_options.") + field + ": " + err);
}

dk_archive *open_archive(dk_archive **out, archive::Config config) {
    auto a = std::make_unique<dk_archive>();
    a->server = std::make_unique<archive::Server>(std::move(config));
    // DICOMweb's rendered images come from the codecs, which this library links.
    a->server->set_web_renderer([](const dcmkit::DicomFile &file, const archive::RenderRequest &r) {
        dcmkit::RenderOptions ro;
        ro.window_center = r.window_center;
        ro.window_width = r.window_width;
        const std::vector<uint8_t> b =
            dcmkit::render_encoded(file, r.frame, ro, r.media_type, r.quality, r.viewport_width, r.viewport_height);
        return std::string(b.begin(), b.end());
    });
    *out = a.release();
    return *out;
}

}  // namespace

extern "C" {

dk_result dk_archive_options_init(dk_archive_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        check_version(version, DK_ARCHIVE_OPTIONS_VERSION, "dk_archive_options");
        // Only the caller's version's bytes are written (offsetof the first field a later version
        // added): a version 1 struct ends before hl7_port.
        dk_archive_options d = DK_ARCHIVE_OPTIONS_INIT;
        d.version = version;
        std::memcpy(opts, &d, version == 1 ? offsetof(dk_archive_options, hl7_port) : sizeof d);
    });
}

dk_result dk_archive_open(dk_archive **out, const dk_archive_options *opts) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(opts, "opts");
        check_version(opts->version, DK_ARCHIVE_OPTIONS_VERSION, "dk_archive_options");
        if (!opts->storage || !*opts->storage) fail(DK_EINVAL, "dk_archive_options.storage is required");
        archive::Config c;
        if (opts->ae_title) set_key(c, "ae_title", "ae_title", opts->ae_title);
        c.storage = opts->storage;
        if (opts->bind) c.bind = opts->bind;
        c.port = opts->port;
        c.check_called_ae = opts->check_called_ae != 0;
        set_key(c, "max_associations", "max_associations", std::to_string(opts->max_associations));
        c.max_dataset_size = opts->max_dataset_size;
        c.min_free_space = opts->min_free_space;
        if (opts->log_level < DK_LOG_ERROR || opts->log_level > DK_LOG_TRACE)
            fail(DK_EINVAL, "dk_archive_options.log_level " + std::to_string(opts->log_level) + " is not a dk_log_level");
        c.log_level = static_cast<dcmkit::net::LogLevel>(opts->log_level);
        if (opts->services) set_key(c, "services", "services", opts->services);
        if (opts->version >= 2) {
            if (opts->hl7_port < -1 || opts->hl7_port > 65535)
                fail(DK_EINVAL, "dk_archive_options.hl7_port " + std::to_string(opts->hl7_port) + " is not -1 or a port");
            c.hl7.port = opts->hl7_port;
        }
        if (opts->version >= 2 && opts->http_port != -1) {
            if (opts->http_port < 0 || opts->http_port > 65535)
                fail(DK_EINVAL, "dk_archive_options.http_port " + std::to_string(opts->http_port) +
                                    " is not a port (0 = a free one, -1 = none)");
            c.http_port = uint16_t(opts->http_port);
        }
        if (opts->config_text) {
            try {
                c.load(opts->config_text, "dk_archive_options.config_text");
            } catch (const dcmkit::Error &e) {
                fail(DK_EINVAL, e.message());
            }
        }
        open_archive(out, std::move(c));
    });
}

dk_result dk_archive_open_config_file(dk_archive **out, const char *path) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(path, "path");
        archive::Config c = archive::Config::parse_file(path);
        if (c.storage.empty()) fail(DK_EINVAL, std::string(path) + ": no storage = folder");
        open_archive(out, std::move(c));
    });
}

dk_result dk_archive_set_on_stored(dk_archive *a, dk_archive_stored_fn fn, void *user_data) {
    return dk::guard([&] {
        need(a, "archive");
        if (!fn) {
            a->server->on_stored(nullptr);
            return;
        }
        a->server->on_stored([fn, user_data](const archive::StoredInstance &s) {
            const dk_archive_stored info{s.sop_class_uid.c_str(), s.sop_instance_uid.c_str(), s.path.c_str(),
                                         s.transfer_syntax.c_str(), s.calling_ae.c_str()};
            fn(&info, user_data);
        });
    });
}

dk_result dk_archive_start(dk_archive *a, const char *address, uint16_t port) {
    return dk::guard([&] {
        need(a, "archive");
        if (a->started) fail(DK_EINVAL, "the archive is already started (a stopped archive cannot be restarted)");
        const archive::Config &c = a->server->config();
        a->server->start(address ? address : c.bind, port ? port : c.port);
        a->started = true;
    });
}

dk_result dk_archive_port(uint16_t *port, const dk_archive *a) {
    return dk::guard([&] {
        need(port, "port");
        *port = 0;
        need(a, "archive");
        if (!a->started) fail(DK_EINVAL, "the archive is not started");
        *port = a->server->port();
    });
}

dk_result dk_archive_hl7_port(uint16_t *port, const dk_archive *a) {
    return dk::guard([&] {
        need(port, "port");
        *port = 0;
        need(a, "archive");
        if (!a->started) fail(DK_EINVAL, "the archive is not started");
        *port = a->server->hl7_port();
    });
}

dk_result dk_archive_http_port(uint16_t *port, const dk_archive *a) {
    return dk::guard([&] {
        need(port, "port");
        *port = 0;
        need(a, "archive");
        if (!a->started) fail(DK_EINVAL, "the archive is not started");
        if (!a->server->config().http_port) fail(DK_EINVAL, "the archive serves no DICOMweb (no http_port)");
        *port = a->server->http_port();
    });
}

dk_result dk_archive_wait(dk_archive *a) {
    return dk::guard([&] {
        need(a, "archive");
        if (!a->started) fail(DK_EINVAL, "the archive is not started");
        a->server->wait();
    });
}

void dk_archive_request_stop(dk_archive *a) {
    if (a) a->server->request_stop();
}

dk_result dk_archive_stop(dk_archive *a, int32_t grace_ms) {
    return dk::guard([&] {
        need(a, "archive");
        if (a->started) a->server->stop(std::max<int32_t>(0, grace_ms));
    });
}

dk_result dk_archive_counters_get(dk_archive_counters *counters, const dk_archive *a) {
    return dk::guard([&] {
        need(counters, "counters");
        need(a, "archive");
        check_version(counters->version, DK_ARCHIVE_COUNTERS_VERSION, "dk_archive_counters");
        const archive::Counters c = a->server->counters();
        counters->active_associations = c.active_associations;
        counters->instances_stored = c.instances_stored;
        counters->stores_refused = c.stores_refused;
        counters->associations_served = c.associations_served;
        counters->instances_recovered = c.instances_recovered;
        counters->files_quarantined = c.files_quarantined;
        counters->instances_held = c.instances_held;
        counters->patient_conflicts = c.patient_conflicts;
    });
}

void dk_archive_free(dk_archive *a) {
    if (!a) return;
    if (a->started) {
        try {
            a->server->stop(10000);
        } catch (...) {
        }
    }
    delete a;
}

}  // extern "C"

#else  // DCMKIT_HAVE_ARCHIVE

using dk::fail;
using dk::need;

struct dk_archive {};

namespace {

[[noreturn]] void not_in_this_build() {
    fail(DK_EUNSUPPORTED, "the archive is not in this build of libdcmkit (built with DCMKIT_WITH_ARCHIVE=OFF: no SQLite index)");
}

}  // namespace

extern "C" {

dk_result dk_archive_options_init(dk_archive_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        dk::check_version(version, DK_ARCHIVE_OPTIONS_VERSION, "dk_archive_options");
        dk_archive_options d = DK_ARCHIVE_OPTIONS_INIT;
        d.version = version;
        std::memcpy(opts, &d, version == 1 ? offsetof(dk_archive_options, hl7_port) : sizeof d);
    });
}

dk_result dk_archive_open(dk_archive **out, const dk_archive_options *) {
    return dk::guard([&] {
        if (out) *out = nullptr;
        not_in_this_build();
    });
}

dk_result dk_archive_open_config_file(dk_archive **out, const char *) {
    return dk::guard([&] {
        if (out) *out = nullptr;
        not_in_this_build();
    });
}

dk_result dk_archive_set_on_stored(dk_archive *, dk_archive_stored_fn, void *) { return dk::guard([] { not_in_this_build(); }); }
dk_result dk_archive_start(dk_archive *, const char *, uint16_t) { return dk::guard([] { not_in_this_build(); }); }
dk_result dk_archive_port(uint16_t *, const dk_archive *) { return dk::guard([] { not_in_this_build(); }); }
dk_result dk_archive_hl7_port(uint16_t *, const dk_archive *) { return dk::guard([] { not_in_this_build(); }); }
dk_result dk_archive_http_port(uint16_t *, const dk_archive *) { return dk::guard([] { not_in_this_build(); }); }
dk_result dk_archive_wait(dk_archive *) { return dk::guard([] { not_in_this_build(); }); }
void dk_archive_request_stop(dk_archive *) {}
dk_result dk_archive_stop(dk_archive *, int32_t) { return dk::guard([] { not_in_this_build(); }); }
dk_result dk_archive_counters_get(dk_archive_counters *, const dk_archive *) { return dk::guard([] { not_in_this_build(); }); }
void dk_archive_free(dk_archive *a) { delete a; }

}  // extern "C"

#endif  // DCMKIT_HAVE_ARCHIVE
