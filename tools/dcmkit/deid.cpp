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
    bool verbose = false, durable = true;
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
    if (::mkdir(out_dir.c_str(), 0755) != 0 && errno != EEXIST) {
        std::fprintf(stderr, "dcmkit: error: deidentify: cannot make the folder %s: %s\n", out_dir.c_str(),
                     std::strerror(errno));
        return 1;
    }
    std::vector<std::string> files;
    for (const auto &in : inputs) collect_files(in, true, true, files);
    const bool tty = ::isatty(2);
    size_t done = 0, refused = 0, failed = 0, skipped = 0, flagged = 0;
    std::map<std::string, std::string> written;  // output name -> the input it came from
    const auto t0 = std::chrono::steady_clock::now();
    auto say = [&](const std::string &f, const std::string &what) {
        if (tty) std::fputs("\r\033[K", stderr);
        std::fprintf(stderr, "dcmkit: %s: %s\n", f.c_str(), what.c_str());
    };
    for (size_t i = 0; i < files.size(); ++i) {
        const std::string &f = files[i];
        dcmkit::DicomFile file;
        try {
            dcmkit::ReadOptions ro;
            ro.map_file = false;  // each file is read whole, once: plain reads beat page faults
            file = dcmkit::read_file(f, ro);
        } catch (const dcmkit::Error &e) {
            if (e.code() == dcmkit::Errc::not_dicom) {
                ++skipped;
                if (verbose) say(f, "skipped: not DICOM");
            } else {
                ++failed;
                say(f, std::string("cannot be read: ") + e.what());
            }
            continue;
        }
        const std::string sop_class = file.dataset.get_string_or(dcmkit::tags::SOPClassUID, "");
        if (sop_class == "1.2.840.10008.1.3.10" || file.meta.get_string_or(dcmkit::tags::MediaStorageSOPClassUID, "") ==
                                                        "1.2.840.10008.1.3.10") {
            ++skipped;
            say(f, "skipped: a DICOMDIR (it names patients; make a new one for the output)");
            continue;
        }
        dcmkit::DeidReport rep;
        try {
            dcmkit::deidentify(file, opt, rep);
        } catch (const dcmkit::Error &e) {
            if (e.code() == dcmkit::Errc::unsupported) {
                ++refused;
                say(f, "refused: " + e.message() + "; not written (--burned-in flag writes it, with a warning)");
            } else {
                ++failed;
                say(f, e.what());
            }
            continue;
        }
        const std::string uid = file.dataset.get_string_or(dcmkit::tags::SOPInstanceUID, "");
        if (uid.empty()) {
            ++failed;
            say(f, "has no SOP Instance UID (0008,0018): not written");
            continue;
        }
        const std::string name = uid + ".dcm";
        auto it = written.find(name);
        if (it != written.end()) {
            ++failed;
            say(f, "is the same instance as " + it->second + " (same SOP Instance UID): not written twice");
            continue;
        }
        const std::string path = out_dir + "/" + name, tmp = out_dir + "/." + name + ".part";
        try {
            dcmkit::WriteOptions wo;  // our own temporary file and rename; synced together at the end
            wo.atomic = false;
            wo.fsync = false;
            dcmkit::write_file(tmp, file, wo);
            if (::rename(tmp.c_str(), path.c_str()) != 0)
                throw dcmkit::Error(dcmkit::Errc::io, "cannot rename " + tmp + ": " + std::strerror(errno));
        } catch (const dcmkit::Error &e) {
            ::unlink(tmp.c_str());
            ++failed;
            say(f, std::string("cannot be written: ") + e.what());
            continue;
        }
        written[name] = f;
        ++done;
        if (rep.burned_in_flagged) {
            ++flagged;
            say(f, "warning: burned-in text is likely in the pixels (" + rep.burned_in_reason + "); written as " + name);
        }
        if (verbose) {
            say(f, "-> " + name);
        } else if (tty) {
            const int width = 30, filled = int(width * double(i + 1) / double(files.size()));
            std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu", filled, "##############################", width - filled, "",
                         i + 1, files.size());
        }
    }
    // The files reach the disk together, once (as `dcmkit get` does), before the count is reported.
    if (done > 0 && durable) {
        const int dfd = ::open(out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || ::syncfs(dfd) != 0 || ::fsync(dfd) != 0) {
            std::fprintf(stderr, "dcmkit: error: deidentify: cannot flush %s to the disk: %s\n", out_dir.c_str(),
                         std::strerror(errno));
            ++failed;
        }
        if (dfd >= 0) ::close(dfd);
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (tty) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "de-identified %zu, refused %zu, failed %zu, skipped %zu, flagged %zu in %.2f s\n", done, refused,
                 failed, skipped, flagged, s);
    return refused + failed == 0 ? 0 : 1;
}

}  // namespace dcmkit_cli
