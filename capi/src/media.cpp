// dcmkit C ABI — export to media (dk_media.h).
#include "dcmkit/dk_media.h"
#include "dcmkit/deidentify.h"
#include "internal.h"

#include <memory>
#include <string_view>
#include <utility>

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

dcmkit::archive::MediaExportResult run_export(const dk_media_export_options *opts) {
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
    return dcmkit::archive::export_media(o, progress);
}

void fill_counts(dk_media_export_result *result, const dcmkit::archive::MediaExportResult &r) {
    result->exported = r.exported;
    result->patients = r.patients;
    result->studies = r.studies;
    result->series = r.series;
    result->skipped = r.skipped.size();
    result->refused = r.refused.size();
}

}  // namespace

struct dk_media_export_report {
    dcmkit::archive::MediaExportResult result;
};

namespace {

// (path, detail) of entry `index` of `list`.
std::pair<std::string_view, std::string_view> report_entry(const dk_media_export_report *report, uint32_t list,
                                                           size_t index) {
    const dcmkit::archive::MediaExportResult &r = need(report, "report")->result;
    const std::vector<std::pair<std::string, std::string>> *pairs = nullptr;
    switch (list) {
    case DK_MEDIA_LIST_FILES: pairs = &r.files; break;
    case DK_MEDIA_LIST_SKIPPED: pairs = &r.skipped; break;
    case DK_MEDIA_LIST_REFUSED: pairs = &r.refused; break;
    case DK_MEDIA_LIST_WARNINGS:
        if (index >= r.warnings.size())
            fail(DK_EINVAL, "index " + std::to_string(index) + " is out of range (" + std::to_string(r.warnings.size()) +
                                " warnings)");
        return {r.warnings[index], std::string_view()};
    default: fail(DK_EINVAL, "unknown list " + std::to_string(list) + " (DK_MEDIA_LIST_FILES to DK_MEDIA_LIST_WARNINGS)");
    }
    if (index >= pairs->size())
        fail(DK_EINVAL, "index " + std::to_string(index) + " is out of range (" + std::to_string(pairs->size()) +
                            " entries)");
    return {(*pairs)[index].first, (*pairs)[index].second};
}

}  // namespace

extern "C" {

dk_result dk_export_media(dk_media_export_result *result, const dk_media_export_options *opts) {
    return dk::guard([&] {
        if (result) dk::check_version(result->version, DK_MEDIA_EXPORT_RESULT_VERSION, "dk_media_export_result");
        const dcmkit::archive::MediaExportResult r = run_export(opts);
        if (result) fill_counts(result, r);
    });
}

dk_result dk_export_media_report(dk_media_export_report **out, const dk_media_export_options *opts) {
    if (out) *out = nullptr;
    return dk::guard([&] {
        need(out, "out");
        auto report = std::make_unique<dk_media_export_report>();
        report->result = run_export(opts);
        *out = report.release();
    });
}

void dk_media_export_report_free(dk_media_export_report *report) { delete report; }

dk_result dk_media_export_report_counts(dk_media_export_result *counts, const dk_media_export_report *report) {
    return dk::guard([&] {
        need(counts, "counts");
        dk::check_version(counts->version, DK_MEDIA_EXPORT_RESULT_VERSION, "dk_media_export_result");
        fill_counts(counts, need(report, "report")->result);
    });
}

dk_result dk_media_export_report_count(size_t *count, const dk_media_export_report *report, uint32_t list) {
    return dk::guard([&] {
        need(count, "count");
        const dcmkit::archive::MediaExportResult &r = need(report, "report")->result;
        switch (list) {
        case DK_MEDIA_LIST_FILES: *count = r.files.size(); break;
        case DK_MEDIA_LIST_SKIPPED: *count = r.skipped.size(); break;
        case DK_MEDIA_LIST_REFUSED: *count = r.refused.size(); break;
        case DK_MEDIA_LIST_WARNINGS: *count = r.warnings.size(); break;
        default: fail(DK_EINVAL, "unknown list " + std::to_string(list) + " (DK_MEDIA_LIST_FILES to DK_MEDIA_LIST_WARNINGS)");
        }
    });
}

dk_result dk_media_export_report_path(char *buf, size_t *size, const dk_media_export_report *report, uint32_t list,
                                      size_t index) {
    return dk::guard([&] { return dk::copy_string(report_entry(report, list, index).first, buf, size); });
}

dk_result dk_media_export_report_detail(char *buf, size_t *size, const dk_media_export_report *report, uint32_t list,
                                        size_t index) {
    return dk::guard([&] { return dk::copy_string(report_entry(report, list, index).second, buf, size); });
}

dk_result dk_media_export_report_dicomdir(char *buf, size_t *size, const dk_media_export_report *report) {
    return dk::guard([&] { return dk::copy_string(need(report, "report")->result.dicomdir, buf, size); });
}

dk_result dk_media_export_report_iso(char *buf, size_t *size, const dk_media_export_report *report) {
    return dk::guard([&] { return dk::copy_string(need(report, "report")->result.iso, buf, size); });
}

}  // extern "C"

#else  // DCMKIT_HAVE_ARCHIVE

extern "C" {

dk_result dk_export_media(dk_media_export_result *, const dk_media_export_options *) {
    return dk::guard([&] {
        fail(DK_EUNSUPPORTED, "media export is not in this build of libdcmkit (built with DCMKIT_WITH_ARCHIVE=OFF)");
    });
}

dk_result dk_export_media_report(dk_media_export_report **out, const dk_media_export_options *opts) {
    if (out) *out = nullptr;
    return dk_export_media(nullptr, opts);
}

// No report is ever made in this build: the accessors only check their arguments.
void dk_media_export_report_free(dk_media_export_report *) {}
dk_result dk_media_export_report_counts(dk_media_export_result *, const dk_media_export_report *) {
    return dk::guard([&] { fail(DK_EINVAL, "report is NULL"); });
}
dk_result dk_media_export_report_count(size_t *, const dk_media_export_report *, uint32_t) {
    return dk::guard([&] { fail(DK_EINVAL, "report is NULL"); });
}
dk_result dk_media_export_report_path(char *, size_t *, const dk_media_export_report *, uint32_t, size_t) {
    return dk::guard([&] { fail(DK_EINVAL, "report is NULL"); });
}
dk_result dk_media_export_report_detail(char *, size_t *, const dk_media_export_report *, uint32_t, size_t) {
    return dk::guard([&] { fail(DK_EINVAL, "report is NULL"); });
}
dk_result dk_media_export_report_dicomdir(char *, size_t *, const dk_media_export_report *) {
    return dk::guard([&] { fail(DK_EINVAL, "report is NULL"); });
}
dk_result dk_media_export_report_iso(char *, size_t *, const dk_media_export_report *) {
    return dk::guard([&] { fail(DK_EINVAL, "report is NULL"); });
}

}  // extern "C"

#endif  // DCMKIT_HAVE_ARCHIVE
