// dcmkit C ABI — de-identification (PS3.15 Annex E).
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dcmkit/deidentify.h"
#include "dcmkit/dk_deid.h"
#include "internal.h"

using dk::fail;
using dk::need;

namespace {

dcmkit::DeidOptions to_core(const dk_deid_options *o) {
    need(o, "opts");
    dk::check_version(o->version, DK_DEID_OPTIONS_VERSION, "dk_deid_options");
    if (!o->key && o->key_size) fail(DK_EINVAL, "opts->key is NULL but key_size is not 0");
    dcmkit::DeidOptions d;
    if (o->key) d.key.assign(o->key, o->key + o->key_size);
    d.retain_safe_private = (o->retain & DK_DEID_RETAIN_SAFE_PRIVATE) != 0;
    d.retain_uids = (o->retain & DK_DEID_RETAIN_UIDS) != 0;
    d.retain_device_identity = (o->retain & DK_DEID_RETAIN_DEVICE) != 0;
    d.retain_institution_identity = (o->retain & DK_DEID_RETAIN_INSTITUTION) != 0;
    d.retain_patient_characteristics = (o->retain & DK_DEID_RETAIN_PATIENT_CHARS) != 0;
    d.retain_long_full_dates = (o->retain & DK_DEID_RETAIN_FULL_DATES) != 0;
    d.retain_long_modified_dates = (o->retain & DK_DEID_RETAIN_MODIFIED_DATES) != 0;
    d.clean_descriptors = (o->clean & DK_DEID_CLEAN_DESCRIPTORS) != 0;
    d.clean_structured_content = (o->clean & DK_DEID_CLEAN_STRUCTURED_CONTENT) != 0;
    d.clean_graphics = (o->clean & DK_DEID_CLEAN_GRAPHICS) != 0;
    if (o->retain & ~0x7Fu) fail(DK_EINVAL, "opts->retain has unknown bits " + std::to_string(o->retain & ~0x7Fu));
    if (o->clean & ~0x7u) fail(DK_EINVAL, "opts->clean has unknown bits " + std::to_string(o->clean & ~0x7u));
    switch (o->burned_in) {
    case DK_DEID_BURNED_IN_REFUSE: d.burned_in = dcmkit::BurnedIn::refuse; break;
    case DK_DEID_BURNED_IN_FLAG: d.burned_in = dcmkit::BurnedIn::flag; break;
    case DK_DEID_BURNED_IN_IGNORE: d.burned_in = dcmkit::BurnedIn::ignore; break;
    default: fail(DK_EINVAL, "opts->burned_in " + std::to_string(o->burned_in) + " is not a DK_DEID_BURNED_IN_* value");
    }
    return d;
}

uint32_t clamp32(size_t v) { return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : uint32_t(v); }

}  // namespace

namespace dk {
/// The core options of a dk_deid_options (for the calls that de-identify on the way, e.g. media export).
dcmkit::DeidOptions deid_options(const dk_deid_options *o) { return to_core(o); }
}  // namespace dk

dk_result dk_deid_options_init(dk_deid_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        dk::check_version(version, DK_DEID_OPTIONS_VERSION, "dk_deid_options");
        opts->version = version;
        opts->key = nullptr;
        opts->key_size = 0;
        opts->retain = 0;
        opts->clean = 0;
        opts->burned_in = DK_DEID_BURNED_IN_REFUSE;
    });
}

dk_result dk_dataset_deidentify(dk_deid_report *report, dk_dataset *ds, const dk_deid_options *opts) {
    return dk::guard([&] {
        if (report) dk::check_version(report->version, DK_DEID_REPORT_VERSION, "dk_deid_report");
        const dcmkit::DeidOptions o = to_core(opts);
        need(ds, "ds");
        dcmkit::DeidReport r;
        if (ds->path.empty() && ds->root) {
            dcmkit::deidentify(ds->root->file, o, r);
        } else {
            dcmkit::deidentify(dk::resolve_dataset(ds), o, r);
        }
        if (report) {
            report->removed = clamp32(r.removed);
            report->emptied = clamp32(r.emptied);
            report->replaced = clamp32(r.replaced);
            report->kept = clamp32(r.kept);
            report->cleaned = clamp32(r.cleaned);
            report->uids_remapped = clamp32(r.uids_remapped);
            report->burned_in_flagged = r.burned_in_flagged ? 1 : 0;
            report->date_offset_days = r.date_offset_days;
            std::memset(report->patient_pseudonym, 0, sizeof report->patient_pseudonym);
            std::strncpy(report->patient_pseudonym, r.patient_pseudonym.c_str(), sizeof report->patient_pseudonym - 1);
        }
    });
}

dk_result dk_deid_uid(char *buf, size_t *size, const uint8_t *key, size_t key_size, const char *uid) {
    return dk::guard([&] {
        need(size, "size");
        need(key, "key");
        need(uid, "uid");
        if (!buf && *size) fail(DK_EINVAL, "buf is NULL but *size is not 0");
        const std::string out = dcmkit::deid_uid(std::vector<uint8_t>(key, key + key_size), uid);
        return dk::copy_string(out, buf, size);
    });
}

struct dk_deid_files_report {
    std::vector<dcmkit::DeidFileResult> results;
};

namespace {

const dcmkit::DeidFileResult &files_entry(const dk_deid_files_report *report, size_t index) {
    const auto &v = need(report, "report")->results;
    if (index >= v.size())
        fail(DK_EINVAL, "index " + std::to_string(index) + " is out of range (" + std::to_string(v.size()) + " files)");
    return v[index];
}

int32_t status_code(dcmkit::DeidFileStatus s) {
    switch (s) {
    case dcmkit::DeidFileStatus::written: return DK_DEID_FILE_WRITTEN;
    case dcmkit::DeidFileStatus::skipped: return DK_DEID_FILE_SKIPPED;
    case dcmkit::DeidFileStatus::refused: return DK_DEID_FILE_REFUSED;
    case dcmkit::DeidFileStatus::failed: break;
    }
    return DK_DEID_FILE_FAILED;
}

}  // namespace

extern "C" {

dk_result dk_deid_files_options_init(dk_deid_files_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        dk::check_version(version, DK_DEID_FILES_OPTIONS_VERSION, "dk_deid_files_options");
        *opts = dk_deid_files_options DK_DEID_FILES_OPTIONS_INIT;
        opts->version = version;
    });
}

dk_result dk_deidentify_files(dk_deid_files_report **out, const char *const *inputs, size_t count,
                              const dk_deid_options *deid, const dk_deid_files_options *opts) {
    if (out) *out = nullptr;
    return dk::guard([&] {
        need(out, "out");
        const dcmkit::DeidOptions d = to_core(deid);
        need(opts, "opts");
        dk::check_version(opts->version, DK_DEID_FILES_OPTIONS_VERSION, "dk_deid_files_options");
        need(opts->output, "opts->output");
        if (opts->flags & ~(DK_DEID_FILES_NO_FSYNC | DK_DEID_FILES_COPY_RANGE))
            fail(DK_EINVAL, "opts->flags has unknown bits " + std::to_string(opts->flags));
        if (count && !inputs) fail(DK_EINVAL, "inputs is NULL but count is not 0");
        std::vector<std::string> files;
        files.reserve(count);
        for (size_t i = 0; i < count; ++i) {
            if (!inputs[i]) fail(DK_EINVAL, "inputs[" + std::to_string(i) + "] is NULL");
            files.emplace_back(inputs[i]);
        }
        dcmkit::DeidFilesOptions fo;
        fo.output = opts->output;
        fo.jobs = opts->jobs;
        fo.fsync = (opts->flags & DK_DEID_FILES_NO_FSYNC) == 0;
        fo.copy_file_range = (opts->flags & DK_DEID_FILES_COPY_RANGE) != 0;
        dcmkit::DeidFilesProgress progress;
        if (opts->progress) {
            const dk_deid_files_progress_fn fn = opts->progress;
            void *user = opts->progress_user;
            progress = [fn, user](size_t done, size_t total, const dcmkit::DeidFileResult &r) {
                fn(user, done, total, r.input.c_str(), status_code(r.status));
            };
        }
        auto report = std::make_unique<dk_deid_files_report>();
        report->results = dcmkit::deidentify_files(files, d, fo, progress);
        *out = report.release();
    });
}

void dk_deid_files_report_free(dk_deid_files_report *report) { delete report; }

dk_result dk_deid_files_report_count(size_t *count, const dk_deid_files_report *report) {
    return dk::guard([&] { *need(count, "count") = need(report, "report")->results.size(); });
}

dk_result dk_deid_files_report_status(int32_t *status, int32_t *burned_in_flagged, const dk_deid_files_report *report,
                                      size_t index) {
    return dk::guard([&] {
        need(status, "status");
        need(burned_in_flagged, "burned_in_flagged");
        const dcmkit::DeidFileResult &r = files_entry(report, index);
        *status = status_code(r.status);
        *burned_in_flagged = r.burned_in_flagged ? 1 : 0;
    });
}

dk_result dk_deid_files_report_string(char *buf, size_t *size, const dk_deid_files_report *report, size_t index,
                                      uint32_t what) {
    return dk::guard([&] {
        const dcmkit::DeidFileResult &r = files_entry(report, index);
        switch (what) {
        case DK_DEID_FILES_INPUT: return dk::copy_string(r.input, buf, size);
        case DK_DEID_FILES_OUTPUT: return dk::copy_string(r.output, buf, size);
        case DK_DEID_FILES_MESSAGE: return dk::copy_string(r.message, buf, size);
        case DK_DEID_FILES_BURNED_IN_REASON: return dk::copy_string(r.burned_in_reason, buf, size);
        default: fail(DK_EINVAL, "what " + std::to_string(what) + " is not a DK_DEID_FILES_* string");
        }
    });
}

}  // extern "C"
