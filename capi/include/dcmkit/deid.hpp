// dcmkit C++ wrapper: de-identification (dk_deid.h) — PS3.15 Annex E with keyed pseudonyms.
//
//   dk::DeidOptions o;
//   o.key = dk::read_key_file("site.key");       // raw bytes, at least 16
//   o.retain_modified_dates = true;
//   dk::DeidReport r = dk::deidentify(ds, o);     // throws dk::UnsupportedError on burned-in text
#ifndef DCMKIT_DEID_HPP
#define DCMKIT_DEID_HPP

#include <cstdint>
#include <cstdio>
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
