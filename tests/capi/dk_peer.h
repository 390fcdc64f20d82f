/* dcmkit C ABI tests — peers and files shared by the network tests (net_test.c, scp_test.c,
 * archive_test.c): DCMTK tools found on PATH, started with fork/exec (TCP_NODELAY=1, only
 * async-signal-safe calls between fork and exec), waited for with a bound and stopped by PID; free
 * ports on 127.0.0.1; a small Secondary Capture instance. */
#ifndef DK_PEER_H
#define DK_PEER_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dk_test.h"

extern char **environ;

#ifndef SC_STORAGE
#define SC_STORAGE "1.2.840.10008.5.1.4.1.1.7" /* Secondary Capture Image Storage */
#endif

static inline void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* 1 when `name` is an executable in PATH (its full path in `out`). */
static inline int find_tool(const char *name, char *out, size_t size) {
    const char *path = getenv("PATH");
    char dir[1024];
    while (path && *path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        if (n > 0 && n < sizeof dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
            snprintf(out, size, "%s/%s", dir, name);
            if (access(out, X_OK) == 0) return 1;
        }
        path = end ? end + 1 : NULL;
    }
    return 0;
}

static inline int have_dcmtk(void) {
    char p[1100];
    return find_tool("storescp", p, sizeof p) && find_tool("storescu", p, sizeof p) && find_tool("echoscu", p, sizeof p);
}

/* A port nobody listens on now (bound to 0, then closed). */
static inline uint16_t free_port(void) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    uint16_t port = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* 1 once something accepts TCP connections on 127.0.0.1:port (within timeout_ms). */
static inline int wait_listening(uint16_t port, long timeout_ms) {
    long waited = 0;
    for (;;) {
        struct sockaddr_in a;
        int ok, fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return 0;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok) return 1;
        if (waited >= timeout_ms) return 0;
        sleep_ms(50);
        waited += 50;
    }
}

/* argv[0] as a path: itself when it has a slash, else the first executable of that name in PATH. */
static inline int resolve_program(const char *name, char *out, size_t size) {
    const char *path = getenv("PATH"), *p;
    if (strchr(name, '/')) return snprintf(out, size, "%s", name) < (int)size;
    for (p = path ? path : "/usr/bin:/bin"; *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (snprintf(out, size, "%.*s/%s", (int)len, p, name) < (int)size && access(out, X_OK) == 0) return 1;
        p += len + (end ? 1 : 0);
    }
    return 0;
}

/* Starts argv[0] (found in PATH) with TCP_NODELAY=1, its output appended to `log`. The path, the
 * environment and the log are prepared before fork: the tests have server threads running, and
 * between fork and exec the child may only call async-signal-safe functions (a malloc or setenv
 * there can wait forever on a lock another thread held at the fork, under ASan above all). */
static inline pid_t spawn(char *const argv[], const char *log) {
    char program[1024];
    char *envp[512];
    size_t n = 0;
    char **e;
    int fd;
    pid_t pid;
    if (!resolve_program(argv[0], program, sizeof program)) return -1;
    for (e = environ; e && *e && n + 2 < sizeof envp / sizeof envp[0]; ++e)
        if (strncmp(*e, "TCP_NODELAY=", 12) != 0) envp[n++] = *e;
    envp[n++] = (char *)"TCP_NODELAY=1";
    envp[n] = NULL;
    fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid = fork();
    if (pid == 0) {
        if (fd >= 0) {
            dup2(fd, 1);  /* dup2 clears O_CLOEXEC on the copies */
            dup2(fd, 2);
        }
        execve(program, argv, envp);
        _exit(127);
    }
    if (fd >= 0) close(fd);
    return pid;
}

/* Waits up to timeout_ms for `pid`, killing it after; its exit code, or -1 when killed or failed. */
static inline int wait_exit(pid_t pid, long timeout_ms) {
    long waited = 0;
    int st = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (r < 0) return -1;
        if (waited >= timeout_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        sleep_ms(20);
        waited += 20;
    }
}

/* Runs a tool to completion (60 s at most); its exit code. */
static inline int run(char *const argv[], const char *log) {
    pid_t pid = spawn(argv, log);
    return pid > 0 ? wait_exit(pid, 60000) : -1;
}

static inline void stop_process(pid_t pid) {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    if (wait_exit(pid, 5000) == -1) kill(pid, SIGKILL);
}

/* 1 when the text file `path` contains `needle`. */
static inline int file_contains(const char *path, const char *needle) {
    static char buf[1 << 16];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static inline int count_files(const char *dir) {
    int n = 0;
    struct dirent *e;
    DIR *d = opendir(dir);
    if (!d) return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n;
}

static inline int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* A fresh empty folder for this case. */
static inline const char *fresh_dir(char *buf, size_t size, const char *suffix) {
    char cmd[1200];
    dk_test_path(buf, size, suffix);
    if (snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", buf, buf) >= (int)sizeof cmd || system(cmd) != 0)
        fprintf(stderr, "cannot make %s\n", buf);
    return buf;
}

/* A small Secondary Capture instance, written to `path`; its SOP Instance UID in uid[65]. */
static inline int make_instance(dk_dataset **out, char uid[65]) {
    dk_dataset *ds = NULL;
    static const int64_t rows = 2, bits = 8;
    const unsigned char px[4] = {1, 2, 3, 4};
    if (dk_dataset_new(&ds) != DK_OK || dk_uid_generate(uid, 65) != DK_OK) return 0;
    if (dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0016), NULL, SC_STORAGE) != DK_OK ||
        dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0018), NULL, uid) != DK_OK ||
        dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0060), NULL, "OT") != DK_OK ||
        dk_dataset_set_string(ds, DK_TAG(0x0010, 0x0010), NULL, "Test^Net") != DK_OK ||
        dk_dataset_set_string(ds, DK_TAG(0x0020, 0x000D), NULL, "1.2.826.0.1.3680043.2.1125.77.1") != DK_OK ||
        dk_dataset_set_string(ds, DK_TAG(0x0028, 0x0004), NULL, "MONOCHROME2") != DK_OK ||
        dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0002), NULL, &(int64_t){1}, 1) != DK_OK ||
        dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0010), NULL, &rows, 1) != DK_OK ||
        dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0011), NULL, &rows, 1) != DK_OK ||
        dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0100), NULL, &bits, 1) != DK_OK ||
        dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0101), NULL, &bits, 1) != DK_OK ||
        dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0102), NULL, &(int64_t){7}, 1) != DK_OK ||
        dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0103), NULL, &(int64_t){0}, 1) != DK_OK ||
        dk_dataset_set_bytes(ds, DK_TAG(0x7FE0, 0x0010), "OB", px, sizeof px) != DK_OK) {
        dk_dataset_free(ds);
        return 0;
    }
    *out = ds;
    return 1;
}

static inline int make_file(const char *path, char uid[65]) {
    dk_dataset *ds = NULL;
    int ok;
    if (!make_instance(&ds, uid)) return 0;
    ok = dk_dataset_write_file(ds, path, NULL) == DK_OK;
    dk_dataset_free(ds);
    return ok;
}

/* Starts DCMTK's storescp (AE STORESCP) on a free port, storing into `dir`. */
static inline pid_t start_storescp(uint16_t *port, const char *dir, const char *log) {
    char portbuf[16];
    char *argv[] = {"storescp", "-aet", "STORESCP", "-od", NULL, NULL, NULL};
    pid_t pid;
    *port = free_port();
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)*port);
    argv[4] = (char *)dir;
    argv[5] = portbuf;
    pid = spawn(argv, log);
    if (pid > 0 && !wait_listening(*port, 10000)) {
        stop_process(pid);
        return -1;
    }
    return pid;
}

static inline void print_file(const char *path) {
    char buf[4096];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f) return;
    fprintf(stderr, "--- %s ---\n", path);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stderr);
    fclose(f);
}
#endif
