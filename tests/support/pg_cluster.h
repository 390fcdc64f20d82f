// A throwaway PostgreSQL 15 cluster for tests: Debian's postgresql-15 (initdb, postgres, psql from
// /usr/lib/postgresql/15/bin), a data folder and a unix socket in a temporary folder, no TCP, fsync
// off, started once per test process on first use and stopped by its PID (SIGINT, fast shutdown)
// at exit. PostgreSQL refuses to run as root: as root (CI), initdb and postgres run as `nobody`
// (setuid in the forked child; the temporary folder is given to it), else as the current user.
// DK_KEEP_PG=1 keeps the folder (data, postgres.log) after the run.
//
//   PgCluster &pg = PgCluster::get();
//   if (!pg.ok()) GTEST_SKIP() << pg.why();     // only when postgresql-15 is not installed
//   std::string conninfo = pg.create_database();  // a fresh, empty database
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

class PgCluster {
public:
    static constexpr const char *kBin = "/usr/lib/postgresql/15/bin";

    static PgCluster &get() {
        static PgCluster cluster;
        return cluster;
    }
    bool ok() const { return ok_; }
    const std::string &why() const { return why_; }
    const std::string &socket_dir() const { return dir_; }
    pid_t pid() const { return pid_; }
    /// The libpq connection string of database `db`.
    std::string conninfo(const std::string &db) const {
        return "host=" + dir_ + " port=5432 user=dcmkit dbname=" + db + " connect_timeout=10";
    }
    /// A new empty database (UTF-8); its connection string.
    std::string create_database() {
        std::lock_guard<std::mutex> lk(mu_);
        const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++serial_);
        std::string out;
        if (psql("postgres", "CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0", out) != 0)
            throw std::runtime_error("CREATE DATABASE failed: " + out);
        return conninfo(name);
    }
    /// Runs `sql` with psql in database `db`; returns its exit status, its output in `out`.
    int psql(const std::string &db, const std::string &sql, std::string &out) const {
        const std::string file = dir_ + "/psql-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id())) + ".out";
        std::vector<std::string> argv{std::string(kBin) + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                      "-h", dir_, "-p", "5432", "-U", "dcmkit", "-d", db, "-c", sql};
        const int rc = run(argv, file, false);
        std::ifstream f(file);
        std::stringstream ss;
        ss << f.rdbuf();
        out = ss.str();
        while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
        std::remove(file.c_str());
        return rc;
    }

    ~PgCluster() { stop(); }

private:
    PgCluster() {
        if (::access((std::string(kBin) + "/postgres").c_str(), X_OK) != 0 ||
            ::access((std::string(kBin) + "/initdb").c_str(), X_OK) != 0) {
            why_ = std::string("PostgreSQL 15 is not installed (") + kBin +
                   "/postgres; Debian's postgresql-15, installed by ./dk.sh setup)";
            return;
        }
        // In /tmp whatever TMPDIR says: `nobody` must reach it, and a unix socket path is short.
        std::string tmpl = "/tmp/dkpg-XXXXXX";
        if (!::mkdtemp(tmpl.data())) {
            why_ = "cannot create a temporary folder";
            return;
        }
        dir_ = tmpl;
        if (::geteuid() == 0) {
            // PostgreSQL will not run as root: the cluster belongs to nobody.
            const passwd *pw = ::getpwnam("nobody");
            if (!pw) {
                why_ = "running as root and there is no user 'nobody' to run PostgreSQL as";
                return;
            }
            uid_ = pw->pw_uid;
            gid_ = pw->pw_gid;
            if (::chown(dir_.c_str(), uid_, gid_) != 0) {
                why_ = "cannot give " + dir_ + " to nobody";
                return;
            }
            as_other_ = true;
        }
        ::chmod(dir_.c_str(), 0755);  // the socket is reached by the tests' user
        const std::string data = dir_ + "/data", log = dir_ + "/initdb.log";
        if (run({std::string(kBin) + "/initdb", "-D", data, "-N", "-E", "UTF8", "--locale=C", "-A", "trust", "-U",
                 "dcmkit"},
                log, as_other_) != 0) {
            why_ = "initdb failed (see " + log + ")";
            return;
        }
        pid_ = spawn({std::string(kBin) + "/postgres", "-D", data, "-k", dir_, "-p", "5432", "-c", "listen_addresses=",
                      "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                      "max_connections=300", "-c", "shared_buffers=32MB"},
                     dir_ + "/postgres.log", as_other_);
        if (pid_ <= 0) {
            why_ = "cannot start postgres";
            return;
        }
        // Ready when postmaster.pid's status line says so (PostgreSQL 10+), bounded.
        for (int i = 0; i < 600; ++i) {
            std::ifstream f(data + "/postmaster.pid");
            std::string line, last;
            while (std::getline(f, line)) last = line;
            if (last.rfind("ready", 0) == 0) {
                ok_ = true;
                return;
            }
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                why_ = "postgres exited (see " + dir_ + "/postgres.log)";
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        why_ = "postgres did not become ready in 30 s";
    }

    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGINT);  // fast shutdown
            int status = 0;
            bool gone = false;
            for (int i = 0; i < 300 && !gone; ++i) {
                if (::waitpid(pid_, &status, WNOHANG) == pid_) gone = true;
                else std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            if (!gone) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
            }
            pid_ = -1;
        }
        if (!dir_.empty() && !keep_) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
        }
    }

    /// Forks `argv` with stdout and stderr to `log`, as nobody when `as_other`; its PID.
    pid_t spawn(const std::vector<std::string> &argv, const std::string &log, bool as_other) const {
        const pid_t pid = ::fork();
        if (pid != 0) return pid;
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            if (as_other) (void)!::fchown(fd, uid_, gid_);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::close(fd);
        }
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::setpgid(0, 0);  // not in the test's process group: a terminal's Ctrl-C reaches the test only
        if (as_other) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0) ::_exit(126);
        }
        if (::chdir(dir_.c_str()) != 0) ::_exit(126);
        std::vector<char *> args;
        for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int run(const std::vector<std::string> &argv, const std::string &log, bool as_other) const {
        const pid_t pid = spawn(argv, log, as_other);
        if (pid < 0) return -1;
        int status = 0;
        ::waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    bool ok_ = false, as_other_ = false, keep_ = std::getenv("DK_KEEP_PG") != nullptr;
    std::string why_, dir_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    pid_t pid_ = -1;
    std::mutex mu_;
    int serial_ = 0;
};
