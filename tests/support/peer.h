// dcmkit tests — running peer tools (DCMTK, GDCM) and temporary folders, shared by the interop tests.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char **environ;

namespace dk_test {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// Full path of an executable on PATH (or `name` itself when it holds a '/'), "" when there is none.
inline std::string find_on_path(const std::string &name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
    const char *path = std::getenv("PATH");
    std::stringstream ss(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

/// A command line as a shell would need it (words with other than plain characters in single
/// quotes), for failure messages only.
inline std::string shell_words(const std::vector<std::string> &argv) {
    std::string s;
    for (const auto &a : argv) {
        if (!s.empty()) s += ' ';
        if (!a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-_=/.,:") ==
                              std::string::npos) {
            s += a;
        } else {
            s += '\'';
            for (char c : a) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
            s += '\'';
        }
    }
    return s;
}

struct ProcResult {
    int status = -1;  ///< exit status, or 128 + signal number
    bool timed_out = false;
    double ms = 0;
    std::string out, err;
    std::string all() const { return out + err; }
};

/// Runs argv (no shell) with stdin from /dev/null and TCP_NODELAY=1 in its environment, capturing
/// stdout and stderr; killed (SIGKILL, by its PID) when it runs longer than `timeout_ms`.
/// argv/envp are built before fork: between fork and exec the child calls only async-signal-safe
/// functions, so this is safe from multi-threaded tests.
inline ProcResult run(const std::vector<std::string> &argv, int timeout_ms = 60000, const std::string &cwd = {}) {
    ProcResult r;
    const std::string path = find_on_path(argv.at(0));
    if (path.empty()) {
        r.err = "not found: " + argv[0];
        return r;
    }
    std::vector<std::string> args(argv), env;
    for (char **e = environ; e && *e; ++e)
        if (std::strncmp(*e, "TCP_NODELAY=", 12) != 0) env.emplace_back(*e);
    env.emplace_back("TCP_NODELAY=1");
    std::vector<char *> cargv, cenvp;
    for (auto &s : args) cargv.push_back(s.data());
    cargv.push_back(nullptr);
    for (auto &s : env) cenvp.push_back(s.data());
    cenvp.push_back(nullptr);

    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return r;
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return r;
    }
    const auto t0 = Clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) _exit(126);
        ::execve(path.c_str(), cargv.data(), cenvp.data());
        _exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (pid < 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        return r;
    }
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string *sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    char buf[65536];
    auto deadline = t0 + std::chrono::milliseconds(timeout_ms);
    bool killed = false;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            if (killed) break;
            ::kill(pid, SIGKILL);
            killed = r.timed_out = true;
            deadline = Clock::now() + std::chrono::milliseconds(2000);
            continue;
        }
        int rc = ::poll(fds, 2, int(left));
        if (rc <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, size_t(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto &f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    r.ms = ms_since(t0);
    return r;
}

/// Runs a tool that must succeed; throws with its command line and output otherwise.
inline std::string tool(const std::vector<std::string> &argv, int timeout_ms = 60000) {
    ProcResult r = run(argv, timeout_ms);
    if (r.status != 0)
        throw std::runtime_error(shell_words(argv) + " failed (" + std::to_string(r.status) + "): " + r.all());
    return r.out;
}

inline bool have_tools(std::initializer_list<const char *> names) {
    for (const char *n : names)
        if (find_on_path(n).empty()) return false;
    return true;
}

/// Polls `done` every 5 ms until it holds or `timeout_ms` passes.
template <class F>
bool wait_until(F &&done, int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (done()) return true;
        if (Clock::now() >= deadline) return false;
        ::usleep(5000);
    }
}

/// A long-running child (a server) with its output in a log file, started with TCP_NODELAY=1. The
/// destructor kills it (by its PID) if it still runs.
class Child {
public:
    Child() = default;
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;
    ~Child() {
        if (pid_ > 0) stop(SIGKILL, 5000);
    }
    /// `own_group`: the child leads a process group of its own, and stop() signals the group (for
    /// servers such as dcmqrscp that fork a process per association).
    bool start(const std::vector<std::string> &argv, const std::string &log_path, bool own_group = false) {
        const std::string path = find_on_path(argv.at(0));
        if (path.empty()) return false;
        std::vector<std::string> args(argv), env;
        for (char **e = environ; e && *e; ++e)
            if (std::strncmp(*e, "TCP_NODELAY=", 12) != 0) env.emplace_back(*e);
        env.emplace_back("TCP_NODELAY=1");
        std::vector<char *> cargv, cenvp;
        for (auto &a : args) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        for (auto &e : env) cenvp.push_back(e.data());
        cenvp.push_back(nullptr);
        const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log < 0) return false;
        log_ = log_path;
        group_ = own_group;
        pid_ = ::fork();
        if (pid_ == 0) {
            int devnull = ::open("/dev/null", O_RDONLY);
            if (devnull >= 0) ::dup2(devnull, 0);
            ::dup2(log, 1);
            ::dup2(log, 2);
            if (own_group) ::setpgid(0, 0);
            ::execve(path.c_str(), cargv.data(), cenvp.data());
            _exit(127);
        }
        ::close(log);
        return pid_ > 0;
    }
    /// Still running (reaps it when it has exited).
    bool running() {
        if (pid_ <= 0) return false;
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
            pid_ = -1;
            return false;
        }
        return r == 0;
    }
    /// Sends `sig` and waits up to `wait_ms` for the exit (then SIGKILL). Returns the exit status.
    int stop(int sig = SIGTERM, int wait_ms = 5000) {
        if (pid_ > 0 && running()) {
            const pid_t target = group_ ? -pid_ : pid_;
            ::kill(target, sig);
            if (!wait_until([&] { return !running(); }, wait_ms) && pid_ > 0) {
                ::kill(target, SIGKILL);
                wait_until([&] { return !running(); }, 5000);
                stop_timed_out_ = true;
            }
        }
        return status_;
    }
    /// The last stop() had to resort to SIGKILL.
    bool stop_timed_out() const { return stop_timed_out_; }
    /// The child's process ID (-1 when none runs).
    pid_t pid() const { return pid_; }
    std::string log() const {
        std::ifstream f(log_);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }

private:
    pid_t pid_ = -1;
    int status_ = -1;
    bool group_ = false, stop_timed_out_ = false;
    std::string log_;
};

/// A port the kernel just handed out on 127.0.0.1 (for servers that cannot be told to use port 0).
inline uint16_t pick_free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) {
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ::close(fd);
    return port;
}

/// Whether a socket listens on `port`, from /proc/net/tcp{,6} (no connection is made).
inline bool port_listening(uint16_t port) {
    char want[8];
    std::snprintf(want, sizeof want, ":%04X", port);
    for (const char *table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream f(table);
        std::string line;
        std::getline(f, line);  // header
        while (std::getline(f, line)) {
            std::istringstream ls(line);
            std::string sl, local, remote, st;
            ls >> sl >> local >> remote >> st;
            if (st == "0A" && local.size() > 5 && local.compare(local.size() - 5, 5, want) == 0) return true;
        }
    }
    return false;
}

/// Starts a server child on a free port (argv_for(port) is its command line), retrying with another
/// port when the child dies (the port taken meanwhile). Returns the port, 0 on failure.
template <class ArgvFor>
uint16_t start_server(Child &child, ArgvFor &&argv_for, const std::string &log_path) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        const uint16_t port = pick_free_port();
        if (!port || !child.start(argv_for(port), log_path)) continue;
        if (wait_until([&] { return port_listening(port) || !child.running(); }, 10000) && child.running()) return port;
        child.stop(SIGKILL);
    }
    return 0;
}

inline int remove_entry(const char *path, const struct stat *, int, struct FTW *) { return ::remove(path); }

/// A folder made with mkdtemp and removed with everything in it at the end (kept when
/// DCMKIT_KEEP_TMP is set, to look at after a failure).
class TempDir {
public:
    explicit TempDir(const char *prefix = "dcmkit-test") {
        std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
        if (::mkdtemp(tmpl.data())) path_ = tmpl;
        if (path_.empty()) throw std::runtime_error("mkdtemp failed");
    }
    ~TempDir() {
        if (path_.empty()) return;
        if (std::getenv("DCMKIT_KEEP_TMP")) {
            std::printf("[ tmp      ] kept in %s\n", path_.c_str());
            return;
        }
        ::nftw(path_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }
    /// A path inside the folder.
    std::string operator/(const std::string &name) const { return path_ + "/" + name; }
    /// A new empty sub-folder.
    std::string sub(const std::string &name) const {
        std::string p = path_ + "/" + name;
        ::mkdir(p.c_str(), 0755);
        return p;
    }

private:
    std::string path_;
};

inline std::string read_bytes(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + path);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline void write_bytes(const std::string &path, const void *data, size_t n) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(static_cast<const char *>(data), std::streamsize(n));
    if (!f) throw std::runtime_error("cannot write " + path);
}
inline void write_bytes(const std::string &path, const std::string &bytes) { write_bytes(path, bytes.data(), bytes.size()); }

}  // namespace dk_test
