// dcmkit — the command-line tool: export-media (patients or studies to a media folder with its
// DICOMDIR, optionally de-identified, and an ISO image).
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "deid_args.h"
#include "dcmkit/error.h"

#ifdef DCMKIT_HAVE_ARCHIVE
#include "dcmkit/archive_server.h"
#include "dcmkit/media_export.h"
#endif

namespace dcmkit_cli {

#ifdef DCMKIT_HAVE_ARCHIVE

namespace {

/// --archive takes the storage folder, or a `dcmkit serve` configuration file naming it (whose
/// audit trail, when it has one, then gets the Data Export messages).
void archive_of(const std::string &arg, dcmkit::archive::MediaExportOptions &opt) {
    struct stat st {};
    if (::stat(arg.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        const auto config = dcmkit::archive::Config::parse_file(arg);
        if (config.storage.empty())
            throw dcmkit::Error(dcmkit::Errc::invalid_argument, "the configuration " + arg + " names no storage folder");
        opt.archive_storage = config.storage;
        opt.audit = config.audit;
        opt.audit_source_id = config.ae_title;
        return;
    }
    opt.archive_storage = arg;  // export_media says so when there is no index there
}

}  // namespace

int cmd_export_media(const std::string &, const Args &args) {
    namespace ar = dcmkit::archive;
    ar::MediaExportOptions opt;
    DeidArgs deid;
    bool deidentify = false, verbose = false;
    std::string archive_arg;
    std::vector<std::string> positional;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        int rc = 0;
        auto value = [&](std::string &v, const char *what) {
            if (i + 1 >= args.size()) {
                rc = usage_error("export-media: " + a + " needs " + what);
                return false;
            }
            v = args[++i];
            return true;
        };
        std::string v;
        if (parse_deid_arg("export-media", args, i, deid, rc)) {
            if (rc != 0) return rc;
        } else if (a == "--deidentify") {
            deidentify = true;
        } else if (a == "--archive") {
            if (!value(archive_arg, "the archive's storage folder or configuration file")) return rc;
        } else if (a == "--patient") {
            if (!value(v, "a Patient ID")) return rc;
            opt.patient_ids.push_back(v);
        } else if (a == "--study") {
            if (!value(v, "a Study Instance UID")) return rc;
            opt.study_uids.push_back(v);
        } else if (a == "--iso") {
            if (!value(opt.iso_path, "the ISO image's path")) return rc;
        } else if (a == "--volume") {
            if (!value(opt.volume_label, "a label (A-Z, 0-9, _)")) return rc;
        } else if (a == "--fileset-id" || a == "+F") {
            if (!value(opt.fileset_id, "an ID (up to 16 of A-Z, 0-9, space, _)")) return rc;
        } else if (a == "--refusal-fatal") {
            opt.refusal_is_fatal = true;
        } else if (a == "--no-fsync") {
            opt.fsync = false;
        } else if (a == "-v" || a == "--verbose") {
            verbose = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("export-media: unknown option '" + a + "'");
        } else {
            positional.push_back(a);
        }
    }
    if (positional.empty()) return usage_error("export-media: needs the output folder (OUT_DIR) first");
    opt.output = positional[0];
    opt.inputs.assign(positional.begin() + 1, positional.end());
    if (opt.inputs.empty() && archive_arg.empty())
        return usage_error("export-media: needs files or folders to export, or --archive with --patient/--study");
    if (!deidentify && (!deid.key_file.empty()))
        return usage_error("export-media: --key is for --deidentify (add --deidentify to de-identify)");
    if (!opt.volume_label.empty() && opt.iso_path.empty()) return usage_error("export-media: --volume is for --iso");
    if (deidentify) {
        if (const int status = load_deid_key("export-media", deid)) return status;
        opt.deidentify = deid.options;
    }
    const bool tty = ::isatty(2);
    const auto t0 = std::chrono::steady_clock::now();
    try {
        if (!archive_arg.empty()) archive_of(archive_arg, opt);
        auto progress = [&](size_t done, size_t total, const std::string &path) {
            if (tty) std::fprintf(stderr, "\r\033[Kdcmkit: export-media: %zu/%zu", done + 1, total);
            else if (verbose) std::fprintf(stderr, "dcmkit: export-media: %zu/%zu %s\n", done + 1, total, path.c_str());
            return true;
        };
        const ar::MediaExportResult r = ar::export_media(opt, progress);
        if (tty) std::fputs("\r\033[K", stderr);
        for (const auto &[path, why] : r.skipped)
            if (verbose) std::fprintf(stderr, "dcmkit: skipped %s: %s\n", path.c_str(), why.c_str());
        for (const auto &[path, why] : r.refused)
            std::fprintf(stderr, "dcmkit: warning: export-media: %s left out: %s\n", path.c_str(), why.c_str());
        for (const auto &w : r.warnings) std::fprintf(stderr, "dcmkit: warning: export-media: %s\n", w.c_str());
        if (verbose)
            for (const auto &[src, id] : r.files) std::fprintf(stderr, "dcmkit: %s -> %s\n", src.c_str(), id.c_str());
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::fprintf(stderr,
                     "dcmkit: export-media: %zu instance(s) of %zu patient(s), %zu stud%s, %zu series written to %s "
                     "with its DICOMDIR%s%s in %.2f s%s\n",
                     r.exported, r.patients, r.studies, r.studies == 1 ? "y" : "ies", r.series, opt.output.c_str(),
                     r.iso.empty() ? "" : ", and the ISO image ", r.iso.c_str(), s,
                     r.refused.empty() ? "" : (" (" + std::to_string(r.refused.size()) + " refused)").c_str());
        return 0;
    } catch (const dcmkit::Error &e) {
        if (tty) std::fputs("\r\033[K", stderr);
        std::fprintf(stderr, "dcmkit: error: export-media: %s\n", e.message().c_str());
        return e.code() == dcmkit::Errc::invalid_argument ? 2 : 1;
    }
}

#else  // DCMKIT_HAVE_ARCHIVE

int cmd_export_media(const std::string &, const Args &) {
    std::fprintf(stderr, "dcmkit: error: export-media: not in this build (built without the archive, "
                         "DCMKIT_WITH_ARCHIVE=OFF)\n");
    return 2;
}

#endif  // DCMKIT_HAVE_ARCHIVE

}  // namespace dcmkit_cli
