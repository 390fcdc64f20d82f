// dcmkit — an ISO 9660 image of a media folder, made by xorriso (spawned without a shell).
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/media_export.h"
#include "iso_image.h"

extern char **environ;

namespace dcmkit::archive {

std::string find_on_path(const std::string &name) {
    const char *env = std::getenv("PATH");
    const std::string dirs = env ? env : "";
    for (size_t b = 0; b <= dirs.size();) {
        size_t e = dirs.find(':', b);
        if (e == std::string::npos) e = dirs.size();
        const std::string candidate = (e > b ? dirs.substr(b, e - b) : std::string(".")) + "/" + name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        b = e + 1;
    }
    return {};
}

void check_volume_label(const std::string &label) {
    bool ok = !label.empty() && label.size() <= 32;
    for (char c : label) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok)
        throw Error(Errc::invalid_argument,
                    "the volume label '" + label + "' is not 1 to 32 of A-Z, 0-9 and _ (ISO 9660 d-characters)");
}

namespace {

/// The last `n` non-empty lines of `text`, joined with "; ".
std::string last_lines(const std::string &text, size_t n) {
    std::vector<std::string> lines;
    size_t b = 0;
    while (b < text.size()) {
        size_t e = text.find('\n', b);
        if (e == std::string::npos) e = text.size();
        if (e > b) lines.push_back(text.substr(b, e - b));
        b = e + 1;
    }
    std::string out;
    for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
        out += (out.empty() ? "" : "; ") + lines[i];
    return out;
}

}  // namespace

void write_iso_image(const std::string &folder, const std::string &iso_path, const std::string &volume_label) {
    const std::string label = volume_label.empty() ? "DICOM" : volume_label;
    check_volume_label(label);
    const std::string xorriso = find_on_path("xorriso");
    if (xorriso.empty())
        throw Error(Errc::not_found, "an ISO image was asked for, but xorriso is not on PATH (install it, e.g. "
                                     "apt-get install xorriso, or leave out the ISO)");
    const std::string partial = iso_path + ".partial";
    std::vector<std::string> argv_s = {"xorriso", "-as", "mkisofs", "-r", "-J", "-V", label, "-o", partial, folder};
    std::vector<char *> argv;
    for (auto &a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(Errc::io, std::string("cannot make a pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, xorriso.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw Error(Errc::io, "cannot run " + xorriso + ": " + std::strerror(rc));
    }
    std::string output;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n > 0) {
            output.append(buf, size_t(n));
            if (output.size() > (1u << 20)) output.erase(0, output.size() - (1u << 19));  // keep the tail
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        ::unlink(partial.c_str());
        throw Error(Errc::io, "xorriso could not write the ISO image " + iso_path + " (" +
                                  (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                                     : std::string("killed")) +
                                  "): " + last_lines(output, 3));
    }
    if (::rename(partial.c_str(), iso_path.c_str()) != 0) {
        const int err = errno;
        ::unlink(partial.c_str());
        throw Error(Errc::io, "cannot rename the ISO image into place at " + iso_path + ": " + std::strerror(err));
    }
}

}  // namespace dcmkit::archive
