// dcmkit — the command-line tool: deidentify (PS3.15 Annex E, with keyed pseudonyms).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "deid_args.h"
#include "dcmkit/deidentify.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"

namespace dcmkit_cli {

namespace {

int new_key(const std::string &path) {
    uint8_t key[32];
    const int r = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    const bool ok = r >= 0 && ::read(r, key, sizeof key) == ssize_t(sizeof key);
    if (r >= 0) ::close(r);
    if (!ok) {
        std::fprintf(stderr, "dcmkit: error: deidentify: cannot read /dev/urandom\n");
        return 1;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        std::fprintf(stderr, "dcmkit: error: deidentify: cannot create the key file %s: %s%s\n", path.c_str(),
                     std::strerror(errno), errno == EEXIST ? " (an existing key is never overwritten)" : "");
        return 1;
    }
    const bool written = ::write(fd, key, sizeof key) == ssize_t(sizeof key) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        std::fprintf(stderr, "dcmkit: error: deidentify: cannot write the key file %s\n", path.c_str());
        return 1;
    }
    std::fprintf(stderr, "dcmkit: wrote a new 32-byte key to %s: keep it secret, and keep it to get the same "
                         "pseudonyms again\n", path.c_str());
    return 0;
}

}  // namespace

int cmd_deidentify(const std::string &, const Args &args) {
    std::vector<std::string> inputs;
    std::string out_dir, new_key_file;
    bool verbose = false, durable = true, copy_range = false;
    unsigned jobs = 0;  // the hardware threads
    DeidArgs deid;
    dcmkit::DeidOptions &opt = deid.options;
    int rc = 0;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        auto value = [&](std::string &v) {
            if (i + 1 >= args.size()) return false;
            v = args[++i];
            return true;
        };
        if (a == "--out" || a == "-o" || a == "-od") {
            if (!value(out_dir)) return usage_error("deidentify: " + a + " needs a folder");
        } else if (parse_deid_arg("deidentify", args, i, deid, rc)) {
            if (rc != 0) return rc;
        } else if (a == "--new-key") {
            if (!value(new_key_file)) return usage_error("deidentify: --new-key needs a file");
        } else if (a == "-v" || a == "--verbose") {
            verbose = true;
        } else if (a == "--no-fsync") {
            durable = false;
        } else if (a == "--copy-range") {
            copy_range = true;
        } else if (a == "--jobs" || a == "-j") {
            std::string v;
            if (!value(v) || v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos ||
                std::stoul(v) == 0)
                return usage_error("deidentify: " + a + " needs a number of threads (1 or more)");
            jobs = unsigned(std::stoul(v));
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("deidentify: unknown option '" + a + "'");
        } else {
            inputs.push_back(a);
        }
    }
    if (!new_key_file.empty()) {
        if (!inputs.empty() || !out_dir.empty()) return usage_error("deidentify: --new-key FILE is used alone");
        return new_key(new_key_file);
    }
    if (inputs.empty()) return usage_error("deidentify: needs the files or folders to de-identify");
    if (out_dir.empty()) return usage_error("deidentify: --out DIR is required");
    if (const int status = load_deid_key("deidentify", deid)) return status;
    std::vector<std::string> files;
    for (const auto &in : inputs) collect_files(in, true, true, files);
    dcmkit::DeidFilesOptions fo;
    fo.output = out_dir;
    fo.jobs = jobs;
    fo.fsync = durable;
    fo.copy_file_range = copy_range;
    const bool tty = ::isatty(2);
    size_t done = 0, refused = 0, failed = 0, skipped = 0, flagged = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto say = [&](const std::string &f, const std::string &what) {
        if (tty) std::fputs("\r\033[K", stderr);
        std::fprintf(stderr, "dcmkit: %s: %s\n", f.c_str(), what.c_str());
    };
    // Called in input order, whatever the threads: the messages come out as the files are listed.
    auto on_file = [&](size_t n, size_t total, const dcmkit::DeidFileResult &r) {
        const std::string name = r.output.substr(r.output.rfind('/') + 1);
        switch (r.status) {
        case dcmkit::DeidFileStatus::written:
            ++done;
            if (r.burned_in_flagged) {
                ++flagged;
                say(r.input, "warning: burned-in text is likely in the pixels (" + r.burned_in_reason + "); written as " + name);
            }
            if (verbose) say(r.input, "-> " + name);
            break;
        case dcmkit::DeidFileStatus::skipped:
            ++skipped;
            // A DICOMDIR is always said; files that are not DICOM only with --verbose.
            if (verbose || r.message != "not DICOM") say(r.input, "skipped: " + r.message);
            break;
        case dcmkit::DeidFileStatus::refused:
            ++refused;
            say(r.input, "refused: " + r.message + "; not written (--burned-in flag writes it, with a warning)");
            break;
        case dcmkit::DeidFileStatus::failed:
            ++failed;
            say(r.input, r.message);
            break;
        }
        if (!verbose && tty) {
            const int width = 30, filled = int(width * double(n) / double(total));
            std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu", filled, "##############################", width - filled, "", n,
                         total);
        }
    };
    try {
        dcmkit::deidentify_files(files, opt, fo, on_file);
    } catch (const dcmkit::Error &e) {
        if (tty) std::fputs("\r\033[K", stderr);
        std::fprintf(stderr, "dcmkit: error: deidentify: %s\n", e.what());
        return 1;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (tty) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "de-identified %zu, refused %zu, failed %zu, skipped %zu, flagged %zu in %.2f s\n", done, refused,
                 failed, skipped, flagged, s);
    return refused + failed == 0 ? 0 : 1;
}

}  // namespace dcmkit_cli
