/* C ABI: the embedded archive (dk_archive_*). DCMTK's storescu stores into an archive opened from
 * options, findscu finds the instance, getscu retrieves it, and echoscu checks one opened from a
 * configuration file; the on_stored hook and the counters; misuse. The DCMTK cases skip when DCMTK
 * is not installed. The archive listens on 127.0.0.1; DCMTK tools are started with fork/exec
 * (TCP_NODELAY=1), waited for with a bound, and killed by PID. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dk_test.h"
#include "dk_peer.h"

#define STUDY_UID "1.2.826.0.1.3680043.2.1125.78.1"

/* -- helpers ------------------------------------------------------------------------------------- */

static int have_archive_tools(void) {
    char p[1100];
    return resolve_program("storescu", p, sizeof p) && resolve_program("findscu", p, sizeof p) &&
           resolve_program("echoscu", p, sizeof p) && resolve_program("getscu", p, sizeof p);
}

/* A small Secondary Capture instance of study STUDY_UID written to `path`; its SOP Instance UID in uid[65]. */
static int make_archive_file(const char *path, char uid[65]) {
    dk_dataset *ds = NULL;
    static const int64_t rows = 2, bits = 8;
    const unsigned char px[4] = {1, 2, 3, 4};
    int ok;
    if (dk_dataset_new(&ds) != DK_OK || dk_uid_generate(uid, 65) != DK_OK) return 0;
    ok = dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0016), NULL, SC_STORAGE) == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0018), NULL, uid) == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0060), NULL, "OT") == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0010, 0x0010), NULL, "Archive^Test") == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0010, 0x0020), NULL, "ARCH-1") == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0020, 0x000D), NULL, STUDY_UID) == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0020, 0x000E), NULL, "1.2.826.0.1.3680043.2.1125.78.2") == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0028, 0x0004), NULL, "MONOCHROME2") == DK_OK &&
         dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0002), NULL, &(int64_t){1}, 1) == DK_OK &&
         dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0010), NULL, &rows, 1) == DK_OK &&
         dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0011), NULL, &rows, 1) == DK_OK &&
         dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0100), NULL, &bits, 1) == DK_OK &&
         dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0101), NULL, &bits, 1) == DK_OK &&
         dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0102), NULL, &(int64_t){7}, 1) == DK_OK &&
         dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0103), NULL, &(int64_t){0}, 1) == DK_OK &&
         dk_dataset_set_bytes(ds, DK_TAG(0x7FE0, 0x0010), "OB", px, sizeof px) == DK_OK &&
         dk_dataset_write_file(ds, path, NULL) == DK_OK;
    dk_dataset_free(ds);
    return ok;
}

/* What on_stored saw, from the archive's worker threads. */
typedef struct stored_log {
    pthread_mutex_t mu;
    int calls;
    char sop_class[65], sop_instance[65], calling_ae[17], syntax[65];
    char path[1024];
} stored_log;

static void on_stored(const dk_archive_stored *info, void *user_data) {
    stored_log *s = (stored_log *)user_data;
    pthread_mutex_lock(&s->mu);
    ++s->calls;
    snprintf(s->sop_class, sizeof s->sop_class, "%s", info->sop_class_uid);
    snprintf(s->sop_instance, sizeof s->sop_instance, "%s", info->sop_instance_uid);
    snprintf(s->calling_ae, sizeof s->calling_ae, "%s", info->calling_ae);
    snprintf(s->syntax, sizeof s->syntax, "%s", info->transfer_syntax);
    snprintf(s->path, sizeof s->path, "%s", info->path);
    pthread_mutex_unlock(&s->mu);
}

/* -- cases --------------------------------------------------------------------------------------- */

DK_TEST(storescu_into_archive_then_findscu) {
    DK_NEED_ARCHIVE();
    char dir[1024], storage[1100], file[1100], log[1100], portbuf[16], uidkey[100];
    char uid[65];
    dk_archive_options opts;
    dk_archive *a = NULL;
    dk_archive_counters c = DK_ARCHIVE_COUNTERS_INIT;
    stored_log seen;
    uint16_t port = 0;
    long waited = 0;
    if (!have_archive_tools()) DK_SKIP("DCMTK (storescu, findscu, getscu, echoscu) not installed");
    fresh_dir(dir, sizeof dir, "store");
    snprintf(storage, sizeof storage, "%s/archive", dir);
    snprintf(file, sizeof file, "%s/sc.dcm", dir);
    snprintf(log, sizeof log, "%s/peers.log", dir);
    REQUIRE(make_archive_file(file, uid));
    memset(&seen, 0, sizeof seen);
    pthread_mutex_init(&seen.mu, NULL);

    REQUIRE_OK(dk_archive_options_init(&opts, DK_ARCHIVE_OPTIONS_VERSION));
    CHECK_INT(opts.check_called_ae, 1);
    CHECK_INT(opts.max_associations, 32);
    opts.ae_title = "DKARCHIVE";
    opts.storage = storage;
    REQUIRE_OK(dk_archive_open(&a, &opts));
    CHECK(exists(storage));
    CHECK_OK(dk_archive_set_on_stored(a, on_stored, &seen));
    CHECK_RC(dk_archive_port(&port, a), DK_EINVAL);
    REQUIRE_OK(dk_archive_start(a, "127.0.0.1", 0));
    REQUIRE_OK(dk_archive_port(&port, a));
    CHECK(port != 0);
    CHECK_ERR(dk_archive_start(a, "127.0.0.1", 0), DK_EINVAL, "already started");
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    {
        char *store[] = {"storescu", "-aet", "STORESCU", "-aec", "DKARCHIVE", "127.0.0.1", portbuf, file, NULL};
        char *wrong_called[] = {"storescu", "-aet", "STORESCU", "-aec", "SOMEONE", "127.0.0.1", portbuf, file, NULL};
        CHECK_INT(run(store, log), 0);
        /* An archive answers to its own AE title only (check_called_ae). */
        CHECK(run(wrong_called, log) != 0);
    }
    pthread_mutex_lock(&seen.mu);
    CHECK_INT(seen.calls, 1);
    CHECK_STR(seen.sop_instance, uid);
    CHECK_STR(seen.sop_class, SC_STORAGE);
    CHECK_STR(seen.calling_ae, "STORESCU");
    CHECK(seen.syntax[0] != '\0');
    CHECK(strstr(seen.path, storage) == seen.path);
    CHECK(exists(seen.path));
    pthread_mutex_unlock(&seen.mu);

    /* findscu (Study Root, IMAGE level) finds the instance in the index. */
    snprintf(uidkey, sizeof uidkey, "0020,000D=%s", STUDY_UID);
    {
        char *find[] = {"findscu", "-v", "-S", "-aet", "FINDSCU", "-aec", "DKARCHIVE", "-k", "0008,0052=IMAGE",
                        "-k", uidkey, "-k", "0008,0018", "127.0.0.1", portbuf, NULL};
        CHECK_INT(run(find, log), 0);
        CHECK(file_contains(log, uid));
    }

    /* getscu (Study Root, STUDY level) retrieves it on its own association (C-GET, SCP/SCU role selection). */
    {
        char getdir[1100], got[1300];
        char *get[] = {"getscu", "-S", "-aet", "GETSCU", "-aec", "DKARCHIVE", "-od", NULL, "-k", "0008,0052=STUDY",
                       "-k", uidkey, "127.0.0.1", portbuf, NULL};
        snprintf(getdir, sizeof getdir, "%s/got", dir);
        REQUIRE(mkdir(getdir, 0755) == 0);
        get[7] = getdir;
        CHECK_INT(run(get, log), 0);
        snprintf(got, sizeof got, "%s/SC.%s", getdir, uid); /* getscu names files by class and instance */
        CHECK(exists(got));
    }

    /* The counters: one instance stored and held; the associations end shortly after the peers exit. */
    for (;;) {
        REQUIRE_OK(dk_archive_counters_get(&c, a));
        if ((c.associations_served >= 3 && c.active_associations == 0) || waited >= 5000) break;
        sleep_ms(50);
        waited += 50;
    }
    CHECK_INT(c.instances_stored, 1);
    CHECK_INT(c.instances_held, 1);
    CHECK_INT(c.stores_refused, 0);
    CHECK_INT(c.instances_recovered, 0);
    CHECK_INT(c.files_quarantined, 0);
    CHECK_INT(c.patient_conflicts, 0);
    CHECK_INT(c.active_associations, 0);
    CHECK(c.associations_served >= 3); /* storescu's, findscu's and getscu's (the rejected one is not served) */

    /* wait() returns once a stop is requested (as from a SIGINT handler). */
    dk_archive_request_stop(a);
    CHECK_OK(dk_archive_wait(a));
    CHECK_OK(dk_archive_stop(a, 2000));
    CHECK_OK(dk_archive_stop(a, 2000)); /* idempotent */
    dk_archive_free(a);

    /* Opened again, the archive still holds the instance. */
    REQUIRE_OK(dk_archive_open(&a, &opts));
    REQUIRE_OK(dk_archive_counters_get(&c, a));
    CHECK_INT(c.instances_held, 1);
    CHECK_INT(c.instances_stored, 0);
    dk_archive_free(a);
    pthread_mutex_destroy(&seen.mu);
}

DK_TEST(archive_from_config_file) {
    DK_NEED_ARCHIVE();
    char dir[1024], storage[1100], conf[1100], bad[1100], log[1100], portbuf[16];
    dk_archive *a = NULL;
    uint16_t port = free_port(), got = 0;
    FILE *f;
    if (!have_archive_tools()) DK_SKIP("DCMTK (storescu, findscu, getscu, echoscu) not installed");
    fresh_dir(dir, sizeof dir, "config");
    snprintf(storage, sizeof storage, "%s/archive", dir);
    snprintf(conf, sizeof conf, "%s/serve.conf", dir);
    snprintf(bad, sizeof bad, "%s/bad.conf", dir);
    snprintf(log, sizeof log, "%s/peers.log", dir);
    REQUIRE((f = fopen(conf, "w")) != NULL);
    fprintf(f, "# an archive serving Verification and Storage only\nae_title = CFGARCHIVE\nbind = 127.0.0.1\n"
               "port = %u\nstorage = %s\nservices = verification, storage\n",
            (unsigned)port, storage);
    fclose(f);
    REQUIRE_OK(dk_archive_open_config_file(&a, conf));
    REQUIRE_OK(dk_archive_start(a, NULL, 0)); /* the file's bind and port */
    REQUIRE_OK(dk_archive_port(&got, a));
    CHECK_INT(got, port);
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    {
        char *echo[] = {"echoscu", "-aet", "ECHOSCU", "-aec", "CFGARCHIVE", "127.0.0.1", portbuf, NULL};
        char *find[] = {"findscu", "-S", "-aet", "FINDSCU", "-aec", "CFGARCHIVE", "-k", "0008,0052=STUDY",
                        "127.0.0.1", portbuf, NULL};
        CHECK_INT(run(echo, log), 0);
        /* Query/Retrieve is not among the services: no presentation context for C-FIND. */
        CHECK(run(find, log) != 0);
    }
    dk_archive_free(a);

    /* A bad line is named with its file and line number; a missing file is DK_ENOTFOUND. */
    a = (dk_archive *)&got;
    REQUIRE((f = fopen(bad, "w")) != NULL);
    fprintf(f, "storage = %s\ncolour = blue\n", storage);
    fclose(f);
    CHECK_ERR(dk_archive_open_config_file(&a, bad), DK_EINVAL, "bad.conf:2: unknown key 'colour'");
    CHECK(a == NULL);
    REQUIRE((f = fopen(bad, "w")) != NULL);
    fprintf(f, "storage = %s\nport = 70000\n", storage);
    fclose(f);
    CHECK_ERR(dk_archive_open_config_file(&a, bad), DK_EINVAL, "port takes a number from 1 to 65535");
    REQUIRE((f = fopen(bad, "w")) != NULL);
    fprintf(f, "port = 104\n");
    fclose(f);
    CHECK_ERR(dk_archive_open_config_file(&a, bad), DK_EINVAL, "no storage");
    CHECK_ERR(dk_archive_open_config_file(&a, "/nonexistent/serve.conf"), DK_ENOTFOUND,
              "cannot read configuration file /nonexistent/serve.conf");
}

DK_TEST(archive_misuse) {
    DK_NEED_ARCHIVE();
    char dir[1024], storage[1100], file[1100];
    dk_archive_options opts = DK_ARCHIVE_OPTIONS_INIT;
    dk_archive_counters c = DK_ARCHIVE_COUNTERS_INIT;
    dk_archive *a = NULL;
    uint16_t port = 7;
    FILE *f;
    fresh_dir(dir, sizeof dir, "misuse");
    snprintf(storage, sizeof storage, "%s/archive", dir);

    CHECK_ERR(dk_archive_options_init(NULL, DK_ARCHIVE_OPTIONS_VERSION), DK_EINVAL, "opts is NULL");
    CHECK_ERR(dk_archive_options_init(&opts, 0), DK_EINVAL, "unsupported dk_archive_options version 0");
    CHECK_ERR(dk_archive_options_init(&opts, DK_ARCHIVE_OPTIONS_VERSION + 1), DK_EINVAL, "unsupported");
    CHECK_OK(dk_archive_options_init(&opts, DK_ARCHIVE_OPTIONS_VERSION));
    CHECK_ERR(dk_archive_open(NULL, &opts), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_archive_open(&a, NULL), DK_EINVAL, "opts is NULL");
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EINVAL, "storage is required");
    opts.storage = storage;
    opts.version = 99;
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EINVAL, "unsupported dk_archive_options version 99");
    opts.version = DK_ARCHIVE_OPTIONS_VERSION;
    opts.ae_title = "A_TITLE_LONGER_THAN_16";
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EINVAL, "an AE title has 1 to 16 characters");
    opts.ae_title = NULL;
    opts.services = "storage fax";
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EINVAL, "unknown service 'fax'");
    opts.services = NULL;
    opts.max_associations = 0;
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EINVAL, "max_associations takes a number from 1 to 4096");
    opts.max_associations = 32;
    opts.log_level = 9;
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EINVAL, "log_level 9");
    opts.log_level = DK_LOG_WARNING;
    opts.config_text = "dest = NOPORT\n";
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EINVAL, "config_text:1: a destination is AE=HOST:PORT");
    CHECK(a == NULL);
    /* A storage folder that cannot be created. */
    snprintf(file, sizeof file, "%s/plain-file", dir);
    REQUIRE((f = fopen(file, "w")) != NULL);
    fclose(f);
    opts.config_text = NULL;
    opts.storage = file;
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EIO, "cannot create");
    opts.storage = storage;
    /* The index on a PostgreSQL server, named through config_text: one that cannot be reached is
     * an I/O error (unsupported in a build without PostgreSQL), never a silent SQLite index. */
    opts.config_text = "index = host=/nonexistent-dcmkit-socket port=5432 dbname=x connect_timeout=2\n";
    {
        const dk_result r = dk_archive_open(&a, &opts);
        CHECK(r == DK_EIO || r == DK_EUNSUPPORTED);
        CHECK(a == NULL);
        if (r == DK_EIO) CHECK(strstr(dk_last_error(), "PostgreSQL") != NULL);
    }
    opts.config_text = NULL;

    CHECK_ERR(dk_archive_open_config_file(NULL, "x.conf"), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_archive_open_config_file(&a, NULL), DK_EINVAL, "path is NULL");
    CHECK_ERR(dk_archive_set_on_stored(NULL, on_stored, NULL), DK_EINVAL, "archive is NULL");
    CHECK_ERR(dk_archive_start(NULL, NULL, 0), DK_EINVAL, "archive is NULL");
    CHECK_ERR(dk_archive_port(&port, NULL), DK_EINVAL, "archive is NULL");
    CHECK_INT(port, 0);
    CHECK_ERR(dk_archive_wait(NULL), DK_EINVAL, "archive is NULL");
    CHECK_ERR(dk_archive_stop(NULL, 0), DK_EINVAL, "archive is NULL");
    CHECK_ERR(dk_archive_counters_get(&c, NULL), DK_EINVAL, "archive is NULL");
    dk_archive_request_stop(NULL);
    dk_archive_free(NULL);

    opts.config_text = "max_dataset_size = 10M\nallow = STORESCU, OTHER\n";
    REQUIRE_OK(dk_archive_open(&a, &opts));
    CHECK_ERR(dk_archive_port(NULL, a), DK_EINVAL, "port is NULL");
    CHECK_ERR(dk_archive_port(&port, a), DK_EINVAL, "not started");
    CHECK_ERR(dk_archive_wait(a), DK_EINVAL, "not started");
    CHECK_ERR(dk_archive_counters_get(NULL, a), DK_EINVAL, "counters is NULL");
    c.version = 0;
    CHECK_ERR(dk_archive_counters_get(&c, a), DK_EINVAL, "unsupported dk_archive_counters version 0");
    c.version = DK_ARCHIVE_COUNTERS_VERSION;
    CHECK_OK(dk_archive_counters_get(&c, a));
    CHECK_INT(c.instances_held, 0);
    CHECK_OK(dk_archive_set_on_stored(a, NULL, NULL));
    CHECK_OK(dk_archive_stop(a, 0)); /* not started: nothing to stop */
    dk_archive_free(a);
}

/* The HL7 v2 order listener from the C ABI: hl7_port 0 picks a free port; an ORM^O01 sent over MLLP
 * on a plain socket is acknowledged AA (MSA-2 = its MSH-10) and becomes a worklist item. */
DK_TEST(archive_hl7_listener) {
    char dir[1024], storage[1100], reply[4096];
    static const char orm[] =
        "\x0b" "MSH|^~\\&|RIS|HOSP|PACS|RAD|20261207120000||ORM^O01|C-ABI-1|P|2.3.1\r"
        "PID|||P1^^^HOSP||Doe^Jane||19800101|F\r"
        "ORC|NW|PL1|FL1\r"
        "OBR|1|PL1|FL1|CT^CT Chest||||||||||||||ACC1|RP1|SPS1|CT01|||CT\r" "\x1c\r";
    dk_archive_options opts = DK_ARCHIVE_OPTIONS_INIT, v1;
    dk_archive *a = NULL;
    uint16_t hl7 = 7;
    struct sockaddr_in sa;
    size_t got = 0;
    int fd;
    if (!dk_test_archive_in_build()) DK_SKIP("the archive is not in this build");
    fresh_dir(dir, sizeof dir, "hl7");
    snprintf(storage, sizeof storage, "%s/archive", dir);
    CHECK_INT(opts.hl7_port, -1);
    /* A version-1 caller's struct ends before hl7_port: init leaves what follows alone. */
    memset(&v1, 0x5A, sizeof v1);
    CHECK_OK(dk_archive_options_init(&v1, 1));
    CHECK_INT(v1.hl7_port, 0x5A5A5A5A);
    opts.storage = storage;
    opts.hl7_port = 70000;
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EINVAL, "hl7_port 70000");
    opts.hl7_port = 0;
    REQUIRE_OK(dk_archive_open(&a, &opts));
    CHECK_ERR(dk_archive_hl7_port(&hl7, a), DK_EINVAL, "not started");
    CHECK_INT(hl7, 0);
    REQUIRE_OK(dk_archive_start(a, "127.0.0.1", 0));
    REQUIRE_OK(dk_archive_hl7_port(&hl7, a));
    CHECK(hl7 != 0);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(hl7);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    REQUIRE(send(fd, orm, sizeof orm - 1, 0) == (ssize_t)(sizeof orm - 1));
    while (got < sizeof reply - 1) {
        ssize_t n = recv(fd, reply + got, sizeof reply - 1 - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
        if (got >= 2 && reply[got - 2] == '\x1c' && reply[got - 1] == '\r') break;
    }
    reply[got] = '\0';
    close(fd);
    CHECK(strstr(reply, "\rMSA|AA|C-ABI-1") != NULL);
    CHECK(reply[0] == '\x0b');
    /* dk_hl7_send: a change of that order (ORC-1 XO) under another MSH-10, its reply unframed. */
    {
        char msg[sizeof orm], *ack = NULL;
        memcpy(msg, orm + 1, sizeof orm - 4); /* without the framing */
        msg[sizeof orm - 4] = '\0';
        memcpy(strstr(msg, "C-ABI-1"), "C-ABI-2", 7);
        memcpy(strstr(msg, "ORC|NW"), "ORC|XO", 6);
        CHECK_ERR(dk_hl7_send(&ack, "127.0.0.1", 0, msg, strlen(msg), 5000), DK_EINVAL, "port 0");
        CHECK(ack == NULL);
        CHECK_ERR(dk_hl7_send(&ack, "127.0.0.1", hl7, msg, 0, 5000), DK_EINVAL, "empty");
        CHECK_ERR(dk_hl7_send(&ack, "127.0.0.1", hl7, msg, strlen(msg), 0), DK_EINVAL, "timeout_ms");
        REQUIRE_OK(dk_hl7_send(&ack, "127.0.0.1", hl7, msg, strlen(msg), 10000));
        CHECK(strncmp(ack, "MSH|", 4) == 0);
        CHECK(strstr(ack, "\rMSA|AA|C-ABI-2") != NULL);
        dk_free(ack);
    }
    CHECK_OK(dk_archive_stop(a, 0));
    dk_archive_free(a);
    /* A version-2 caller that wants no listener: -1. */
    opts.hl7_port = -1;
    REQUIRE_OK(dk_archive_open(&a, &opts));
    REQUIRE_OK(dk_archive_start(a, "127.0.0.1", 0));
    REQUIRE_OK(dk_archive_hl7_port(&hl7, a));
    CHECK_INT(hl7, 0);
    dk_archive_free(a);
}

/* One HTTP/1.0 request to 127.0.0.1:port (5 s bound); the whole response in out (NUL-terminated). */
static int http_get(uint16_t port, const char *request, char *out, size_t cap) {
    struct sockaddr_in sa;
    struct timeval tv = {5, 0};
    size_t n = 0;
    ssize_t r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || write(fd, request, strlen(request)) < 0) {
        close(fd);
        return 0;
    }
    while (n + 1 < cap && (r = read(fd, out + n, cap - 1 - n)) > 0) n += (size_t)r;
    out[n] = '\0';
    close(fd);
    return n > 0;
}

/* DICOMweb from the C ABI (dk_archive_options v2 http_port): the instance stored by C-STORE is found
 * by QIDO-RS and retrieved by WADO-URI byte for byte; a version 1 struct leaves http_port alone. */
DK_TEST(archive_serves_dicomweb) {
    char dir[1024], storage[1100], file[1100], log[1100], portbuf[16], uid[65], req[512];
    static char resp[65536];
    dk_archive_options opts;
    dk_archive *a = NULL;
    uint16_t port = 0, http = 0;
    if (!dk_test_archive_in_build()) DK_SKIP("the archive is not in this build");
    if (!have_archive_tools()) DK_SKIP("DCMTK not installed");
    fresh_dir(dir, sizeof dir, "dicomweb");
    snprintf(storage, sizeof storage, "%s/archive", dir);
    snprintf(file, sizeof file, "%s/sc.dcm", dir);
    snprintf(log, sizeof log, "%s/peers.log", dir);
    REQUIRE(make_archive_file(file, uid));
    opts.http_port = 1234;
    REQUIRE_OK(dk_archive_options_init(&opts, 1));
    CHECK_INT(opts.http_port, 1234); /* not a field of version 1 */
    REQUIRE_OK(dk_archive_options_init(&opts, DK_ARCHIVE_OPTIONS_VERSION));
    CHECK_INT(opts.http_port, -1);
    opts.storage = storage;
    opts.ae_title = "DKARCHIVE";
    opts.http_port = 70000;
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EINVAL, "http_port 70000 is not a port");
    opts.http_port = 0;
    REQUIRE_OK(dk_archive_open(&a, &opts));
    CHECK_ERR(dk_archive_http_port(&http, a), DK_EINVAL, "not started");
    REQUIRE_OK(dk_archive_start(a, "127.0.0.1", 0));
    REQUIRE_OK(dk_archive_port(&port, a));
    REQUIRE_OK(dk_archive_http_port(&http, a));
    CHECK(http != 0 && http != port);
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    {
        char *store[] = {"storescu", "-aec", "DKARCHIVE", "127.0.0.1", portbuf, file, NULL};
        CHECK_INT(run(store, log), 0);
    }
    REQUIRE(http_get(http, "GET /dicomweb/studies?PatientID=ARCH-1 HTTP/1.0\r\n\r\n", resp, sizeof resp));
    CHECK(strncmp(resp, "HTTP/1.1 200", 12) == 0);
    CHECK(strstr(resp, STUDY_UID) != NULL);
    CHECK(strstr(resp, "Archive^Test") != NULL);
    snprintf(req, sizeof req,
             "GET /dicomweb/wado?requestType=WADO&studyUID=%s&seriesUID=1.2.826.0.1.3680043.2.1125.78.2&objectUID=%s"
             "&contentType=application/dicom HTTP/1.0\r\n\r\n",
             STUDY_UID, uid);
    REQUIRE(http_get(http, req, resp, sizeof resp));
    CHECK(strncmp(resp, "HTTP/1.1 200", 12) == 0);
    CHECK(strstr(resp, "Content-Type: application/dicom\r\n") != NULL);
    {
        /* the Part 10 file as stored: "DICM" after the 128-byte preamble that follows the header */
        const char *body = strstr(resp, "\r\n\r\n");
        REQUIRE(body != NULL);
        CHECK(memcmp(body + 4 + 128, "DICM", 4) == 0);
    }
    CHECK_OK(dk_archive_stop(a, 1000));
    dk_archive_free(a);
}

/* A build without the archive (DCMKIT_WITH_ARCHIVE=OFF) keeps every dk_archive_* function, each
 * answering DK_EUNSUPPORTED with a message naming the missing archive. */
DK_TEST(archive_not_in_build_answers_unsupported) {
    dk_archive_options opts;
    dk_archive *a = (dk_archive *)&opts; /* overwritten with NULL */
    dk_archive_counters counters;
    uint16_t port = 0;
    if (dk_test_archive_in_build()) DK_SKIP("this build has the archive");
    CHECK_OK(dk_archive_options_init(&opts, DK_ARCHIVE_OPTIONS_VERSION));
    opts.storage = DK_TEST_TMPDIR;
    CHECK_ERR(dk_archive_open(&a, &opts), DK_EUNSUPPORTED, "DCMKIT_WITH_ARCHIVE=OFF");
    CHECK(a == NULL);
    a = (dk_archive *)&opts;
    CHECK_ERR(dk_archive_open_config_file(&a, "serve.conf"), DK_EUNSUPPORTED, "the archive is not in this build");
    CHECK(a == NULL);
    CHECK_ERR(dk_archive_start(NULL, "127.0.0.1", 0), DK_EUNSUPPORTED, "not in this build");
    CHECK_ERR(dk_archive_port(&port, NULL), DK_EUNSUPPORTED, "not in this build");
    CHECK_ERR(dk_archive_hl7_port(&port, NULL), DK_EUNSUPPORTED, "not in this build");

    CHECK_ERR(dk_archive_http_port(&port, NULL), DK_EUNSUPPORTED, "not in this build");
    CHECK_ERR(dk_archive_wait(NULL), DK_EUNSUPPORTED, "not in this build");
    CHECK_ERR(dk_archive_stop(NULL, 0), DK_EUNSUPPORTED, "not in this build");
    CHECK_ERR(dk_archive_counters_get(&counters, NULL), DK_EUNSUPPORTED, "not in this build");
    CHECK_ERR(dk_archive_set_on_stored(NULL, NULL, NULL), DK_EUNSUPPORTED, "not in this build");
    dk_archive_request_stop(NULL);
    dk_archive_free(NULL);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(storescu_into_archive_then_findscu),
    DK_CASE(archive_from_config_file),
    DK_CASE(archive_misuse),
    DK_CASE(archive_hl7_listener),

    DK_CASE(archive_serves_dicomweb),
    DK_CASE(archive_not_in_build_answers_unsupported),
};
DK_TEST_MAIN(dk_tests)
