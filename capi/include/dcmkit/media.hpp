// dcmkit C++ wrapper: export to media (dk_media.h) — a media folder with its DICOMDIR, optionally
// de-identified, and an ISO image.
//
//   dk::MediaExportOptions o;
//   o.output = "cd";
//   o.inputs = {"incoming"};
//   o.patient_ids = {"P1"};
//   o.deidentify = dk::DeidOptions{dk::read_key_file("site.key")};
//   o.iso_path = "cd.iso";
//   dk::MediaExportResult r = dk::export_media(o);  // throws dk::Error (InvalidArgumentError, NotFoundError…)
#ifndef DCMKIT_MEDIA_HPP
#define DCMKIT_MEDIA_HPP

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/common.hpp"
#include "dcmkit/deid.hpp"
#include "dcmkit/dk_media.h"

namespace dk {

struct MediaExportOptions {
    std::string output;                       ///< new or empty folder
    std::vector<std::string> inputs;          ///< files and folders
    std::string archive_storage;              ///< an archive's storage folder ("" = none)
    std::vector<std::string> patient_ids, study_uids;
    std::optional<DeidOptions> deidentify;    ///< de-identify on the way
    bool refusal_is_fatal = false;            ///< DK_MEDIA_REFUSAL_FATAL
    bool fsync = true;                        ///< false: DK_MEDIA_NO_FSYNC
    std::string fileset_id, iso_path, volume_label;
    /// (done, total, path) before each instance; false cancels. May throw nothing.
    std::function<bool(size_t, size_t, const std::string &)> progress;
};

struct MediaExportResult {
    size_t exported = 0, patients = 0, studies = 0, series = 0, skipped = 0, refused = 0;
};

/// Exports to media (dk_export_media). Throws the dk::Error of its code.
inline MediaExportResult export_media(const MediaExportOptions &options) {
    auto cstrs = [](const std::vector<std::string> &v) {
        std::vector<const char *> out;
        for (const auto &s : v) out.push_back(s.c_str());
        return out;
    };
    const auto inputs = cstrs(options.inputs), patients = cstrs(options.patient_ids), studies = cstrs(options.study_uids);
    dk_media_export_options o = DK_MEDIA_EXPORT_OPTIONS_INIT;
    o.output = options.output.c_str();
    o.inputs = inputs.data();
    o.input_count = inputs.size();
    o.archive_storage = options.archive_storage.empty() ? nullptr : options.archive_storage.c_str();
    o.patient_ids = patients.data();
    o.patient_count = patients.size();
    o.study_uids = studies.data();
    o.study_count = studies.size();
    dk_deid_options deid;
    if (options.deidentify) {
        deid = options.deidentify->to_c();
        o.deidentify = &deid;
    }
    o.flags = (options.refusal_is_fatal ? DK_MEDIA_REFUSAL_FATAL : 0u) | (options.fsync ? 0u : DK_MEDIA_NO_FSYNC);
    o.fileset_id = options.fileset_id.empty() ? nullptr : options.fileset_id.c_str();
    o.iso_path = options.iso_path.empty() ? nullptr : options.iso_path.c_str();
    o.volume_label = options.volume_label.empty() ? nullptr : options.volume_label.c_str();
    if (options.progress) {
        o.progress = [](void *user, size_t done, size_t total, const char *path) -> int32_t {
            const auto &fn = *static_cast<const std::function<bool(size_t, size_t, const std::string &)> *>(user);
            return fn(done, total, path) ? 1 : 0;
        };
        o.progress_user = const_cast<void *>(static_cast<const void *>(&options.progress));
    }
    dk_media_export_result r{};
    r.version = DK_MEDIA_EXPORT_RESULT_VERSION;
    check(dk_export_media(&r, &o));
    return MediaExportResult{r.exported, r.patients, r.studies, r.series, r.skipped, r.refused};
}

}  // namespace dk

#endif  // DCMKIT_MEDIA_HPP
