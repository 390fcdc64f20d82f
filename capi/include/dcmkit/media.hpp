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
//   dk::MediaExportReport rep = dk::export_media_report(o);  // the same, with what happened file by file
//   for (const auto &[file, why] : rep.skipped) std::cerr << file << ": " << why << "\n";
#ifndef DCMKIT_MEDIA_HPP
#define DCMKIT_MEDIA_HPP

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/common.hpp"
#include "dcmkit/dataset.hpp"  // detail::string_call
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

/// One entry of a report list: a path and its detail (see MediaExportReport).
struct MediaExportEntry {
    std::string path, detail;
};

/// What an export did file by file (dk_export_media_report).
struct MediaExportReport {
    MediaExportResult counts;
    std::vector<MediaExportEntry> files;     ///< (source file, File ID written: "DICOM/P0000001/...")
    std::vector<MediaExportEntry> skipped;   ///< (input file, why: not Part 10 DICOM, unreadable)
    std::vector<MediaExportEntry> refused;   ///< (source file, the de-identification's reason)
    std::vector<std::string> warnings;
    std::string dicomdir, iso;               ///< paths written (iso "" when none was asked for)
};

namespace detail {

/// Calls `export_call(const dk_media_export_options &)` with the C form of `options`.
template <typename F>
auto with_media_options(const MediaExportOptions &options, F &&export_call) {
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
    return export_call(o);
}

}  // namespace detail

/// Exports to media (dk_export_media). Throws the dk::Error of its code.
inline MediaExportResult export_media(const MediaExportOptions &options) {
    return detail::with_media_options(options, [](const dk_media_export_options &o) {
        dk_media_export_result r{};
        r.version = DK_MEDIA_EXPORT_RESULT_VERSION;
        check(dk_export_media(&r, &o));
        return MediaExportResult{r.exported, r.patients, r.studies, r.series, r.skipped, r.refused};
    });
}

/// Exports to media and says what happened to each file (dk_export_media_report). Throws the
/// dk::Error of its code.
inline MediaExportReport export_media_report(const MediaExportOptions &options) {
    dk_media_export_report *h = nullptr;
    detail::with_media_options(options, [&](const dk_media_export_options &o) {
        check(dk_export_media_report(&h, &o));
        return 0;
    });
    const std::unique_ptr<dk_media_export_report, void (*)(dk_media_export_report *)> owner(h, dk_media_export_report_free);
    auto text = [](auto &&fn) { return detail::string_call(fn); };
    MediaExportReport rep;
    dk_media_export_result c{};
    c.version = DK_MEDIA_EXPORT_RESULT_VERSION;
    check(dk_media_export_report_counts(&c, h));
    rep.counts = MediaExportResult{c.exported, c.patients, c.studies, c.series, c.skipped, c.refused};
    auto entries = [&](uint32_t list, std::vector<MediaExportEntry> &out) {
        size_t count = 0;
        check(dk_media_export_report_count(&count, h, list));
        for (size_t i = 0; i < count; ++i)
            out.push_back({text([&](char *b, size_t *n) { return dk_media_export_report_path(b, n, h, list, i); }),
                           text([&](char *b, size_t *n) { return dk_media_export_report_detail(b, n, h, list, i); })});
    };
    entries(DK_MEDIA_LIST_FILES, rep.files);
    entries(DK_MEDIA_LIST_SKIPPED, rep.skipped);
    entries(DK_MEDIA_LIST_REFUSED, rep.refused);
    size_t warnings = 0;
    check(dk_media_export_report_count(&warnings, h, DK_MEDIA_LIST_WARNINGS));
    for (size_t i = 0; i < warnings; ++i)
        rep.warnings.push_back(
            text([&](char *b, size_t *n) { return dk_media_export_report_path(b, n, h, DK_MEDIA_LIST_WARNINGS, i); }));
    rep.dicomdir = text([&](char *b, size_t *n) { return dk_media_export_report_dicomdir(b, n, h); });
    rep.iso = text([&](char *b, size_t *n) { return dk_media_export_report_iso(b, n, h); });
    return rep;
}

}  // namespace dk

#endif  // DCMKIT_MEDIA_HPP
