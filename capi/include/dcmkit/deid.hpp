// dcmkit C++ wrapper: de-identification (dk_deid.h) — PS3.15 Annex E with keyed pseudonyms.
//
//   dk::DeidOptions o;
//   o.key = dk::read_key_file("site.key");       // raw bytes, at least 16
//   o.retain_modified_dates = true;
//   dk::DeidReport r = dk::deidentify(ds, o);     // throws dk::UnsupportedError on burned-in text
//   dk::DeidFilesOptions f;
//   f.output = "out";                             // files in, "<new SOP Instance UID>.dcm" out, on threads
//   for (const dk::DeidFileResult &x : dk::deidentify_files({"a.dcm", "b.dcm"}, o, f)) ...
#ifndef DCMKIT_DEID_HPP
#define DCMKIT_DEID_HPP

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dcmkit/common.hpp"
#include "dcmkit/dataset.hpp"
#include "dcmkit/dk_deid.h"

namespace dk {

/// What happens when the pixels likely hold burned-in text.
enum class BurnedIn : int32_t { refuse = DK_DEID_BURNED_IN_REFUSE, flag = DK_DEID_BURNED_IN_FLAG,
                                ignore = DK_DEID_BURNED_IN_IGNORE };

/// The options of Table E.1-1 and the key.
struct DeidOptions {
    std::vector<uint8_t> key;  ///< at least 16 bytes
    bool retain_safe_private = false, retain_uids = false, retain_device = false, retain_institution = false,
         retain_patient_chars = false, retain_full_dates = false, retain_modified_dates = false;
    bool clean_descriptors = false, clean_structured_content = false, clean_graphics = false;
    BurnedIn burned_in = BurnedIn::refuse;

    dk_deid_options to_c() const {
        dk_deid_options o = DK_DEID_OPTIONS_INIT;
        o.key = key.data();
        o.key_size = key.size();
        o.retain = (retain_safe_private ? DK_DEID_RETAIN_SAFE_PRIVATE : 0u) | (retain_uids ? DK_DEID_RETAIN_UIDS : 0u) |
                   (retain_device ? DK_DEID_RETAIN_DEVICE : 0u) | (retain_institution ? DK_DEID_RETAIN_INSTITUTION : 0u) |
                   (retain_patient_chars ? DK_DEID_RETAIN_PATIENT_CHARS : 0u) |
                   (retain_full_dates ? DK_DEID_RETAIN_FULL_DATES : 0u) |
                   (retain_modified_dates ? DK_DEID_RETAIN_MODIFIED_DATES : 0u);
        o.clean = (clean_descriptors ? DK_DEID_CLEAN_DESCRIPTORS : 0u) |
                  (clean_structured_content ? DK_DEID_CLEAN_STRUCTURED_CONTENT : 0u) |
                  (clean_graphics ? DK_DEID_CLEAN_GRAPHICS : 0u);
        o.burned_in = static_cast<int32_t>(burned_in);
        return o;
    }
};

/// Sets the options a comma-separated `retain` list ("safe-private,uids,device,institution,
/// patient-chars,full-dates,modified-dates"), `clean` list ("descriptors,structured-content,graphics")
/// and `burned_in` ("refuse", "flag", "ignore"; "" leaves it) name, as `dcmkit deidentify` spells them.
/// Throws dk::InvalidArgumentError naming an unknown word.
inline void parse_deid_options(DeidOptions &o, const std::string &retain, const std::string &clean,
                               const std::string &burned_in = "") {
    auto each = [](const std::string &list, auto &&fn) {
        size_t start = 0;
        while (start <= list.size()) {
            size_t comma = list.find(',', start);
            if (comma == std::string::npos) comma = list.size();
            const std::string w = list.substr(start, comma - start);
            start = comma + 1;
            if (!w.empty() && !fn(w)) return w;
        }
        return std::string();
    };
    std::string bad = each(retain, [&](const std::string &w) {
        bool *f = w == "safe-private" ? &o.retain_safe_private : w == "uids" ? &o.retain_uids
                : w == "device" ? &o.retain_device : w == "institution" ? &o.retain_institution
                : w == "patient-chars" ? &o.retain_patient_chars : w == "full-dates" ? &o.retain_full_dates
                : w == "modified-dates" ? &o.retain_modified_dates : nullptr;
        if (f) *f = true;
        return f != nullptr;
    });
    if (!bad.empty())
        throw InvalidArgumentError(DK_EINVAL, "retain: unknown option '" + bad + "' (known: safe-private, uids, device, "
                                              "institution, patient-chars, full-dates, modified-dates)");
    bad = each(clean, [&](const std::string &w) {
        bool *f = w == "descriptors" ? &o.clean_descriptors : w == "structured-content" ? &o.clean_structured_content
                : w == "graphics" ? &o.clean_graphics : nullptr;
        if (f) *f = true;
        return f != nullptr;
    });
    if (!bad.empty())
        throw InvalidArgumentError(DK_EINVAL, "clean: unknown option '" + bad + "' (known: descriptors, "
                                              "structured-content, graphics)");
    if (burned_in == "refuse") o.burned_in = BurnedIn::refuse;
    else if (burned_in == "flag") o.burned_in = BurnedIn::flag;
    else if (burned_in == "ignore") o.burned_in = BurnedIn::ignore;
    else if (!burned_in.empty())
        throw InvalidArgumentError(DK_EINVAL, "burned_in: '" + burned_in + "' is not refuse, flag or ignore");
}

/// What a de-identification did.
struct DeidReport {
    uint32_t removed = 0, emptied = 0, replaced = 0, kept = 0, cleaned = 0, uids_remapped = 0;
    bool burned_in_flagged = false;
    int32_t date_offset_days = 0;
    std::string patient_pseudonym;
};

/// De-identifies `ds` in place (dk_dataset_deidentify).
inline DeidReport deidentify(Dataset &ds, const DeidOptions &options) {
    const dk_deid_options o = options.to_c();
    dk_deid_report r{};
    r.version = DK_DEID_REPORT_VERSION;
    check(dk_dataset_deidentify(&r, ds.handle(), &o));
    DeidReport out;
    out.removed = r.removed;
    out.emptied = r.emptied;
    out.replaced = r.replaced;
    out.kept = r.kept;
    out.cleaned = r.cleaned;
    out.uids_remapped = r.uids_remapped;
    out.burned_in_flagged = r.burned_in_flagged != 0;
    out.date_offset_days = r.date_offset_days;
    out.patient_pseudonym = r.patient_pseudonym;
    return out;
}

/// The UID `uid` becomes under `key` (dk_deid_uid).
inline std::string deid_uid(const std::vector<uint8_t> &key, const std::string &uid) {
    return detail::string_call([&](char *buf, size_t *n) { return dk_deid_uid(buf, n, key.data(), key.size(), uid.c_str()); });
}

/// How deidentify_files runs (dk_deid_files_options).
struct DeidFilesOptions {
    std::string output;          ///< the output folder (created when missing)
    unsigned jobs = 0;           ///< files at once, one thread each; 0 = the hardware threads
    bool fsync = true;           ///< false: DK_DEID_FILES_NO_FSYNC
    bool copy_file_range = false;  ///< DK_DEID_FILES_COPY_RANGE
    /// (done, total, input, DK_DEID_FILE_* status) once per input, in input order, from a worker
    /// thread (one call at a time). May throw nothing.
    std::function<void(size_t, size_t, const std::string &, int32_t)> progress;
};

/// The outcome for one input file.
struct DeidFileResult {
    std::string input, output;   ///< output: the file written ("" unless written)
    int32_t status = DK_DEID_FILE_FAILED;  ///< DK_DEID_FILE_WRITTEN, _SKIPPED, _REFUSED or _FAILED
    std::string message;         ///< why it was skipped, refused or failed
    bool burned_in_flagged = false;
    std::string burned_in_reason;
};

/// De-identifies files into a folder on several threads (dk_deidentify_files); one result per input,
/// in input order. Per-file failures are in the results; throws dk::Error for a bad key or options
/// (before any file is read) or an output folder that cannot be made or flushed.
inline std::vector<DeidFileResult> deidentify_files(const std::vector<std::string> &inputs, const DeidOptions &options,
                                                    const DeidFilesOptions &files_options) {
    std::vector<const char *> paths;
    for (const auto &p : inputs) paths.push_back(p.c_str());
    const dk_deid_options d = options.to_c();
    dk_deid_files_options o = DK_DEID_FILES_OPTIONS_INIT;
    o.output = files_options.output.c_str();
    o.jobs = files_options.jobs;
    o.flags = (files_options.fsync ? 0u : DK_DEID_FILES_NO_FSYNC) |
              (files_options.copy_file_range ? DK_DEID_FILES_COPY_RANGE : 0u);
    if (files_options.progress) {
        o.progress = [](void *user, size_t done, size_t total, const char *input, int32_t status) {
            (*static_cast<const std::function<void(size_t, size_t, const std::string &, int32_t)> *>(user))(
                done, total, input, status);
        };
        o.progress_user = const_cast<void *>(static_cast<const void *>(&files_options.progress));
    }
    dk_deid_files_report *h = nullptr;
    check(dk_deidentify_files(&h, paths.data(), paths.size(), &d, &o));
    const std::unique_ptr<dk_deid_files_report, void (*)(dk_deid_files_report *)> owner(h, dk_deid_files_report_free);
    size_t count = 0;
    check(dk_deid_files_report_count(&count, h));
    std::vector<DeidFileResult> out(count);
    for (size_t i = 0; i < count; ++i) {
        auto text = [&](uint32_t what) {
            return detail::string_call([&](char *b, size_t *n) { return dk_deid_files_report_string(b, n, h, i, what); });
        };
        int32_t flagged = 0;
        check(dk_deid_files_report_status(&out[i].status, &flagged, h, i));
        out[i].burned_in_flagged = flagged != 0;
        out[i].input = text(DK_DEID_FILES_INPUT);
        out[i].output = text(DK_DEID_FILES_OUTPUT);
        out[i].message = text(DK_DEID_FILES_MESSAGE);
        out[i].burned_in_reason = text(DK_DEID_FILES_BURNED_IN_REASON);
    }
    return out;
}

/// A key file's bytes (throws dk::IoError when it cannot be read; the length is checked on use).
inline std::vector<uint8_t> read_key_file(const std::string &path) {
    std::FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) throw IoError(DK_EIO, "cannot open the key file " + path);
    std::vector<uint8_t> key;
    uint8_t buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) key.insert(key.end(), buf, buf + n);
    std::fclose(f);
    return key;
}

}  // namespace dk

#endif  // DCMKIT_DEID_HPP
