// dcmkit C ABI — export to media (dk_media.h).
#include "dcmkit/dk_media.h"
#include "dcmkit/deidentify.h"
#include "internal.h"

using dk::fail;
using dk::need;

namespace dk {
dcmkit::DeidOptions deid_options(const dk_deid_options *o);  // deid.cpp
}

extern "C" {

dk_result dk_media_export_options_init(dk_media_export_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        dk::check_version(version, DK_MEDIA_EXPORT_OPTIONS_VERSION, "dk_media_export_options");
        *opts = dk_media_export_options DK_MEDIA_EXPORT_OPTIONS_INIT;
        opts->version = version;
    });
}

}  // extern "C"

#ifdef DCMKIT_HAVE_ARCHIVE

#include "dcmkit/media_export.h"

namespace {

std::vector<std::string> strings(const char *const *list, size_t count, const char *what) {
    if (count && !list) fail(DK_EINVAL, std::string("opts->") + what + " is NULL but its count is not 0");
    std::vector<std::string> out;
    for (size_t i = 0; i < count; ++i) {
        if (!list[i]) fail(DK_EINVAL, std::string("opts->") + what + "[" + std::to_string(i) + "] is NULL");
        out.emplace_back(list[i]);
    }
    return out;
}

}  // namespace

extern "C" {

dk_result dk_export_media(dk_media_export_result *result, const dk_media_export_options *opts) {
    return dk::guard([&] {
        if (result) dk::check_version(result->version, DK_MEDIA_EXPORT_RESULT_VERSION, "dk_media_export_result");
        need(opts, "opts");
        dk::check_version(opts->version, DK_MEDIA_EXPORT_OPTIONS_VERSION, "dk_media_export_options");
        need(opts->output, "opts->output");
        if (opts->flags & ~(DK_MEDIA_REFUSAL_FATAL | DK_MEDIA_NO_FSYNC))
            fail(DK_EINVAL, "opts->flags has unknown bits " + std::to_string(opts->flags));
        dcmkit::archive::MediaExportOptions o;
        o.output = opts->output;
        o.inputs = strings(opts->inputs, opts->input_count, "inputs");
        o.patient_ids = strings(opts->patient_ids, opts->patient_count, "patient_ids");
        o.study_uids = strings(opts->study_uids, opts->study_count, "study_uids");
        if (opts->archive_storage) o.archive_storage = opts->archive_storage;
        if (opts->deidentify) o.deidentify = dk::deid_options(opts->deidentify);
        o.refusal_is_fatal = (opts->flags & DK_MEDIA_REFUSAL_FATAL) != 0;
        o.fsync = (opts->flags & DK_MEDIA_NO_FSYNC) == 0;
        if (opts->fileset_id) o.fileset_id = opts->fileset_id;
        if (opts->iso_path) o.iso_path = opts->iso_path;
        if (opts->volume_label) o.volume_label = opts->volume_label;
        dcmkit::archive::MediaExportProgress progress;
        if (opts->progress) {
            const dk_media_progress_fn fn = opts->progress;
            void *user = opts->progress_user;
            progress = [fn, user](size_t done, size_t total, const std::string &path) {
                return fn(user, done, total, path.c_str()) != 0;
            };
        }
        const dcmkit::archive::MediaExportResult r = dcmkit::archive::export_media(o, progress);
        if (result) {
            result->exported = r.exported;
            result->patients = r.patients;
            result->studies = r.studies;
            result->series = r.series;
            result->skipped = r.skipped.size();
            result->refused = r.refused.size();
        }
    });
}

}  // extern "C"

#else  // DCMKIT_HAVE_ARCHIVE

extern "C" {

dk_result dk_export_media(dk_media_export_result *, const dk_media_export_options *) {
    return dk::guard([&] {
        fail(DK_EUNSUPPORTED, "media export is not in this build of libdcmkit (built with DCMKIT_WITH_ARCHIVE=OFF)");
    });
}

}  // extern "C"

#endif  // DCMKIT_HAVE_ARCHIVE
