/* C ABI: networking. dcmkit as SCU against DCMTK's storescp and against its own dk_server;
 * DCMTK's echoscu/storescu against a dk_server with callbacks; misuse. The DCMTK cases skip when
 * DCMTK is not installed. Every peer listens on 127.0.0.1 on a free port; DCMTK tools are started
 * with fork/exec, waited for with a bound, and killed by PID. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dk_test.h"
#include "dk_peer.h"


/* -- helpers ------------------------------------------------------------------------------------- */

/* An SCU AE proposing Verification and the storage of `file`. */
static dk_ae *scu_ae(const char *file) {
    dk_ae *ae = NULL;
    dk_ae_options o;
    if (dk_ae_options_init(&o, DK_AE_OPTIONS_VERSION) != DK_OK) return NULL;
    o.dimse_timeout_ms = 20000;
    o.artim_timeout_ms = 10000;
    if (dk_ae_new(&ae, "DKSCU", &o) != DK_OK) return NULL;
    if (dk_ae_add_verification(ae) != DK_OK || (file && dk_ae_add_storage_for_files(ae, &file, 1) != DK_OK)) {
        dk_ae_free(ae);
        return NULL;
    }
    return ae;
}

/* Echo, store a file and a dataset over one association to 127.0.0.1:port. */
static void echo_and_store(uint16_t port, const char *called, const char *file) {
    dk_ae *ae = scu_ae(file);
    dk_assoc *a = NULL;
    dk_dataset *ds = NULL;
    uint16_t status = 0xFFFF;
    size_t n = 0, i;
    int verification = 0, storage = 0;
    char uid[65];
    REQUIRE(ae != NULL);
    CHECK_OK(dk_assoc_connect(&a, ae, "127.0.0.1", port, called));
    dk_ae_free(ae); /* the association has its copy */
    REQUIRE(a != NULL);
    CHECK_OK(dk_assoc_echo(&status, a));
    CHECK_INT(status, 0);
    CHECK_OK(dk_assoc_context_count(&n, a));
    CHECK(n >= 2);
    for (i = 0; i < n; ++i) {
        uint8_t id = 0;
        const char *as = NULL, *ts = NULL;
        int result = -1;
        CHECK_OK(dk_assoc_context(&id, &as, &ts, &result, a, i));
        CHECK(id % 2 == 1);
        if (result == 0 && strcmp(as, "1.2.840.10008.1.1") == 0) verification = 1;
        if (result == 0 && strcmp(as, SC_STORAGE) == 0 && ts[0] != '\0') storage = 1;
    }
    CHECK(verification);
    CHECK(storage);
    CHECK_RC(dk_assoc_context(NULL, NULL, NULL, NULL, a, n), DK_ENOTFOUND);
    status = 0xFFFF;
    CHECK_OK(dk_assoc_store_file(&status, a, file));
    CHECK_INT(status, 0);
    if (make_instance(&ds, uid)) {
        status = 0xFFFF;
        CHECK_OK(dk_assoc_store_dataset(&status, a, ds));
        CHECK_INT(status, 0);
        dk_dataset_free(ds);
    } else {
        CHECK(!"cannot make a dataset");
    }
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);
}

/* -- dcmkit SCU -> DCMTK storescp ------------------------------------------------------------------ */

DK_TEST(scu_echo_and_store_to_storescp) {
    char dir[512], log[512], file[512], uid[65];
    uint16_t port;
    pid_t pid;
    if (!have_dcmtk()) DK_SKIP("DCMTK (storescp) not installed");
    fresh_dir(dir, sizeof dir, "in");
    dk_test_path(log, sizeof log, "storescp.log");
    dk_test_path(file, sizeof file, "sc.dcm");
    REQUIRE(make_file(file, uid));
    pid = start_storescp(&port, dir, log);
    REQUIRE(pid > 0);
    echo_and_store(port, "STORESCP", file);
    stop_process(pid);
    CHECK_INT(count_files(dir), 2); /* the file and the dataset */
}

/* -- dcmkit SCU -> dk_server (in process) ---------------------------------------------------------- */

DK_TEST(scu_echo_and_store_to_own_server) {
    char dir[512], file[512], stored[700], uid[65];
    dk_ae *ae = NULL;
    dk_server *srv = NULL;
    uint16_t port = 0;
    fresh_dir(dir, sizeof dir, "in");
    dk_test_path(file, sizeof file, "sc.dcm");
    REQUIRE(make_file(file, uid));
    REQUIRE_OK(dk_ae_new(&ae, "DKSCP", NULL));
    CHECK_OK(dk_ae_add_verification(ae));
    CHECK_OK(dk_ae_add_all_storage(ae));
    REQUIRE_OK(dk_server_new(&srv, ae, NULL)); /* no callbacks: the defaults */
    dk_ae_free(ae);
    CHECK_OK(dk_server_set_storage_folder(srv, dir, 0));
    REQUIRE_OK(dk_server_start(srv, "127.0.0.1", 0));
    CHECK_OK(dk_server_port(&port, srv));
    CHECK(port != 0);
    CHECK_RC(dk_server_start(srv, "127.0.0.1", 0), DK_EINVAL);
    CHECK_RC(dk_server_set_storage_folder(srv, dir, 0), DK_EINVAL);
    echo_and_store(port, "DKSCP", file);
    CHECK_OK(dk_server_stop(srv, 5000));
    CHECK_OK(dk_server_stop(srv, 5000)); /* idempotent */
    dk_server_free(srv);
    snprintf(stored, sizeof stored, "%s/%s.dcm", dir, uid);
    CHECK(exists(stored));
    CHECK_INT(count_files(dir), 2);
}

DK_TEST(own_server_storage_limits) {
    char dir[512], file[512], uid[65];
    dk_ae *ae = NULL, *scu = NULL;
    dk_server *srv = NULL;
    dk_assoc *a = NULL;
    uint16_t port = 0, status = 0;
    int round;
    dk_test_path(file, sizeof file, "limits.dcm");
    REQUIRE(make_file(file, uid));
    for (round = 0; round < 2; ++round) {
        fresh_dir(dir, sizeof dir, round ? "reserve" : "largest");
        REQUIRE_OK(dk_ae_new(&ae, "DKSCP", NULL));
        CHECK_OK(dk_ae_add_all_storage(ae));
        REQUIRE_OK(dk_server_new(&srv, ae, NULL));
        dk_ae_free(ae);
        CHECK_OK(dk_server_set_storage_folder(srv, dir, 0));
        /* a 64-byte dataset limit; or a free space reserve of 2^62 bytes, which no disk has */
        CHECK_OK(dk_server_set_storage_limits(srv, round ? 0 : 64, round ? ((uint64_t)1 << 62) : 0));
        REQUIRE_OK(dk_server_start(srv, "127.0.0.1", 0));
        CHECK_RC(dk_server_set_storage_limits(srv, 0, 0), DK_EINVAL);
        CHECK_OK(dk_server_port(&port, srv));
        scu = scu_ae(file);
        REQUIRE(scu != NULL);
        CHECK_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "DKSCP"));
        dk_ae_free(scu);
        REQUIRE(a != NULL);
        status = 0;
        CHECK_OK(dk_assoc_store_file(&status, a, file));
        CHECK_INT(status, 0xA700); /* PS3.4 B.2.3: Refused: Out of Resources */
        CHECK_OK(dk_assoc_release(a));
        dk_assoc_free(a);
        a = NULL;
        dk_server_free(srv);
        srv = NULL;
        CHECK_INT(count_files(dir), 0); /* nothing stored */
    }
    CHECK_RC(dk_server_set_storage_limits(NULL, 0, 0), DK_EINVAL);
}

/* -- DCMTK echoscu/storescu -> dk_server with callbacks -------------------------------------------- */

typedef struct counts {
    pthread_mutex_t mu;
    int associate, echo, store, rejected, info_ok, dataset_ok, log_lines;
    int fail_store; /* on_store answers a failure */
    char instance[65];
    int accepted, released, aborted, aborter_aborted; /* on_association */
} counts;

static int starts_with(const char *s, const char *prefix) {
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static dk_result on_associate(const dk_assoc_info *info, void *user_data) {
    counts *c = (counts *)user_data;
    int reject = strcmp(info->calling_ae, "BADGUY") == 0;
    pthread_mutex_lock(&c->mu);
    ++c->associate;
    if (reject) ++c->rejected;
    if (strcmp(info->called_ae, "DKSCP") == 0 && starts_with(info->peer_address, "127.0.0.1:")) ++c->info_ok;
    pthread_mutex_unlock(&c->mu);
    return reject ? DK_EREJECTED : DK_OK;
}

static void on_association(int event, const dk_assoc_info *info, void *user_data) {
    counts *c = (counts *)user_data;
    pthread_mutex_lock(&c->mu);
    if (event == DK_ASSOC_ACCEPTED) ++c->accepted;
    if (event == DK_ASSOC_RELEASED) ++c->released;
    if (event == DK_ASSOC_ABORTED) {
        ++c->aborted;
        if (strcmp(info->calling_ae, "ABORTER") == 0 && strcmp(info->called_ae, "DKSCP") == 0 &&
            starts_with(info->peer_address, "127.0.0.1:"))
            ++c->aborter_aborted;
    }
    pthread_mutex_unlock(&c->mu);
}

static dk_result on_echo(uint16_t *status, const dk_assoc_info *info, void *user_data) {
    counts *c = (counts *)user_data;
    pthread_mutex_lock(&c->mu);
    ++c->echo;
    if (*status == 0 && strcmp(info->calling_ae, "ECHOSCU") == 0) ++c->info_ok;
    pthread_mutex_unlock(&c->mu);
    return DK_OK;
}

static dk_result on_store(uint16_t *status, const dk_store_info *info, void *user_data) {
    counts *c = (counts *)user_data;
    dk_dataset *ds = NULL;
    char buf[128];
    size_t size = sizeof buf;
    int ok = 0, fail;
    /* The file is complete: read it back. */
    if (dk_dataset_read_file(&ds, info->path, NULL) == DK_OK &&
        dk_dataset_get_string(buf, &size, ds, DK_TAG(0x0008, 0x0018)) == DK_OK)
        ok = strcmp(buf, info->sop_instance_uid) == 0;
    dk_dataset_free(ds);
    pthread_mutex_lock(&c->mu);
    ++c->store;
    if (ok) ++c->dataset_ok;
    if (strcmp(info->sop_class_uid, SC_STORAGE) == 0 && info->transfer_syntax[0] != '\0' &&
        strcmp(info->assoc->calling_ae, "STORESCU") == 0 && strcmp(info->assoc->called_ae, "DKSCP") == 0 &&
        starts_with(info->assoc->peer_address, "127.0.0.1:"))
        ++c->info_ok;
    snprintf(c->instance, sizeof c->instance, "%s", info->sop_instance_uid);
    fail = c->fail_store;
    pthread_mutex_unlock(&c->mu);
    if (fail > 0) *status = 0xA700; /* a failure status */
    return fail < 0 ? DK_EIO : DK_OK; /* a failed callback */
}

static void set_fail_store(counts *c, int fail) {
    pthread_mutex_lock(&c->mu);
    c->fail_store = fail;
    pthread_mutex_unlock(&c->mu);
}

static void on_log(dk_log_level level, const char *message, void *user_data) {
    counts *c = (counts *)user_data;
    (void)level;
    (void)message;
    pthread_mutex_lock(&c->mu);
    ++c->log_lines;
    pthread_mutex_unlock(&c->mu);
}

DK_TEST(dcmtk_tools_to_server_with_callbacks) {
    char dir[512], log[512], log2[512], log3[512], file[512], file2[512], file3[512], stored[700], uid[65], uid2[65], uid3[65];
    char portbuf[16];
    dk_ae *ae = NULL;
    dk_ae_options o = DK_AE_OPTIONS_INIT;
    dk_server_callbacks cb;
    dk_server *srv = NULL;
    uint16_t port = 0;
    counts c;
    if (!have_dcmtk()) DK_SKIP("DCMTK (echoscu, storescu) not installed");
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.mu, NULL);
    fresh_dir(dir, sizeof dir, "in");
    remove(dk_test_path(log, sizeof log, "tools.log"));
    remove(dk_test_path(log2, sizeof log2, "store-fail.log"));
    remove(dk_test_path(log3, sizeof log3, "store-error.log"));
    dk_test_path(file, sizeof file, "a.dcm");
    dk_test_path(file2, sizeof file2, "b.dcm");
    dk_test_path(file3, sizeof file3, "c.dcm");
    REQUIRE(make_file(file, uid) && make_file(file2, uid2) && make_file(file3, uid3));

    o.log_level = DK_LOG_INFO;
    REQUIRE_OK(dk_ae_new(&ae, "DKSCP", &o));
    CHECK_OK(dk_ae_add_verification(ae));
    CHECK_OK(dk_ae_add_all_storage(ae));
    CHECK_OK(dk_ae_set_log(ae, on_log, &c));
    CHECK_OK(dk_server_callbacks_init(&cb, DK_SERVER_CALLBACKS_VERSION));
    cb.on_associate = on_associate;
    cb.on_echo = on_echo;
    cb.on_store = on_store;
    cb.on_association = on_association;
    cb.user_data = &c;
    REQUIRE_OK(dk_server_new(&srv, ae, &cb));
    dk_ae_free(ae);
    CHECK_OK(dk_server_set_storage_folder(srv, dir, 1));
    REQUIRE_OK(dk_server_start(srv, "127.0.0.1", 0));
    CHECK_OK(dk_server_port(&port, srv));
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    {
        char *echo_ok[] = {"echoscu", "-aet", "ECHOSCU", "-aec", "DKSCP", "127.0.0.1", portbuf, NULL};
        char *echo_bad[] = {"echoscu", "-aet", "BADGUY", "-aec", "DKSCP", "127.0.0.1", portbuf, NULL};
        char *store_ok[] = {"storescu", "-aet", "STORESCU", "-aec", "DKSCP", "127.0.0.1", portbuf, file, NULL};
        char *store_fail[] = {"storescu", "-v", "-aet", "STORESCU", "-aec", "DKSCP", "127.0.0.1", portbuf, file2, NULL};
        char *store_err[] = {"storescu", "-v", "-aet", "STORESCU", "-aec", "DKSCP", "127.0.0.1", portbuf, file3, NULL};
        char *echo_abort[] = {"echoscu", "--abort", "-aet", "ABORTER", "-aec", "DKSCP", "127.0.0.1", portbuf, NULL};
        CHECK_INT(run(echo_abort, log), 0);
        CHECK_INT(run(echo_ok, log), 0);
        CHECK(run(echo_bad, log) != 0); /* rejected by on_associate */
        CHECK(file_contains(log, "Association Rejected"));
        CHECK_INT(run(store_ok, log), 0);
        /* storescu reports the failure status on_store answers, and that of a failed callback. */
        set_fail_store(&c, 1);
        run(store_fail, log2);
        CHECK(file_contains(log2, "Received Store Response (Refused: OutOfResources)"));
        set_fail_store(&c, -1);
        run(store_err, log3);
        CHECK(file_contains(log3, "Received Store Response (Refused: OutOfResources)"));
    }
    CHECK_OK(dk_server_stop(srv, 5000));
    dk_server_free(srv);

    pthread_mutex_lock(&c.mu);
    CHECK_INT(c.associate, 6);
    CHECK_INT(c.rejected, 1);
    CHECK_INT(c.echo, 2);
    /* on_association: every accepted one (not the rejected), released but the echoscu --abort one. */
    CHECK_INT(c.accepted, 5);
    CHECK_INT(c.released, 4);
    CHECK_INT(c.aborted, 1);
    CHECK_INT(c.aborter_aborted, 1);
    CHECK_INT(c.store, 3);
    CHECK_INT(c.dataset_ok, 3);
    /* on_associate: called AE and peer of all 6; on_echo: 1 (ECHOSCU); on_store: 3 */
    CHECK_INT(c.info_ok, 6 + 1 + 3);
    CHECK(c.log_lines > 0);
    pthread_mutex_unlock(&c.mu);
    pthread_mutex_destroy(&c.mu);
    /* Only the accepted instance is kept, under its UID. */
    snprintf(stored, sizeof stored, "%s/%s.dcm", dir, uid);
    CHECK(exists(stored));
    CHECK_INT(count_files(dir), 1);
    if (dk_test_failed_checks) {
        print_file(log);
        print_file(log2);
        print_file(log3);
    }
}

/* -- misuse -------------------------------------------------------------------------------------- */

DK_TEST(null_handles_and_bad_options) {
    dk_ae *ae = NULL;
    dk_ae_options o;
    dk_server_callbacks cb = DK_SERVER_CALLBACKS_INIT;
    dk_server *srv = NULL;
    dk_assoc *a = NULL;
    uint16_t status = 1, port = 1;
    size_t n = 1;
    const char *ts[] = {"explicit", "implicit"};
    const char *bad_ts[] = {"no-such-syntax"};

    CHECK_ERR(dk_ae_options_init(&o, 0), DK_EINVAL, "version 0");
    CHECK_ERR(dk_ae_options_init(&o, DK_AE_OPTIONS_VERSION + 1), DK_EINVAL, "dk_ae_options");
    CHECK_RC(dk_ae_options_init(NULL, DK_AE_OPTIONS_VERSION), DK_EINVAL);
    REQUIRE_OK(dk_ae_options_init(&o, DK_AE_OPTIONS_VERSION));
    CHECK_INT(o.max_pdu, 262144);
    o.version = 99;
    ae = (dk_ae *)&o; /* must be reset to NULL */
    CHECK_ERR(dk_ae_new(&ae, "DKSCU", &o), DK_EINVAL, "version 99");
    CHECK(ae == NULL);
    CHECK_RC(dk_ae_new(NULL, "DKSCU", NULL), DK_EINVAL);
    CHECK_ERR(dk_ae_new(&ae, NULL, NULL), DK_EINVAL, "ae_title is NULL");
    CHECK_ERR(dk_ae_new(&ae, "", NULL), DK_EINVAL, "1 to 16");
    CHECK_ERR(dk_ae_new(&ae, "SEVENTEEN_LETTERS", NULL), DK_EINVAL, "1 to 16");
    CHECK_ERR(dk_ae_new(&ae, "BACK\\SLASH", NULL), DK_EINVAL, "character");
    o.version = DK_AE_OPTIONS_VERSION;
    o.dimse_timeout_ms = -1;
    CHECK_ERR(dk_ae_new(&ae, "DKSCU", &o), DK_EINVAL, "dimse_timeout_ms");

    CHECK_RC(dk_ae_add_verification(NULL), DK_EINVAL);
    CHECK_RC(dk_ae_add_all_storage(NULL), DK_EINVAL);
    CHECK_RC(dk_ae_add_sop_class(NULL, SC_STORAGE, NULL, 0, DK_ROLE_SCU), DK_EINVAL);
    CHECK_RC(dk_ae_add_storage_for_files(NULL, NULL, 0), DK_EINVAL);
    CHECK_RC(dk_ae_set_log(NULL, NULL, NULL), DK_EINVAL);
    dk_ae_free(NULL);

    REQUIRE_OK(dk_ae_new(&ae, "DKSCU", NULL));
    CHECK_ERR(dk_assoc_connect(&a, ae, "127.0.0.1", 104, "PEER"), DK_EINVAL, "no SOP class");
    CHECK_OK(dk_ae_add_sop_class(ae, "1.2.840.10008.1.1", ts, 2, DK_ROLE_SCU));
    CHECK_ERR(dk_ae_add_sop_class(ae, "not a uid", ts, 2, DK_ROLE_SCU), DK_EINVAL, "not a UID");
    CHECK_RC(dk_ae_add_sop_class(ae, SC_STORAGE, bad_ts, 1, DK_ROLE_SCU), DK_EINVAL);
    CHECK_ERR(dk_ae_add_sop_class(ae, SC_STORAGE, NULL, 0, 0), DK_EINVAL, "roles");
    CHECK_ERR(dk_ae_add_sop_class(ae, SC_STORAGE, NULL, 3, DK_ROLE_SCU), DK_EINVAL, "transfer_syntaxes is NULL");
    CHECK_OK(dk_ae_set_log(ae, NULL, NULL));

    CHECK_RC(dk_assoc_connect(NULL, ae, "127.0.0.1", 104, "PEER"), DK_EINVAL);
    CHECK_RC(dk_assoc_connect(&a, NULL, "127.0.0.1", 104, "PEER"), DK_EINVAL);
    CHECK_RC(dk_assoc_connect(&a, ae, NULL, 104, "PEER"), DK_EINVAL);
    CHECK_ERR(dk_assoc_connect(&a, ae, "127.0.0.1", 104, NULL), DK_EINVAL, "called_ae is NULL");
    CHECK_ERR(dk_assoc_connect(&a, ae, "127.0.0.1", 0, "PEER"), DK_EINVAL, "port");
    CHECK(a == NULL);
    CHECK_RC(dk_assoc_echo(&status, NULL), DK_EINVAL);
    CHECK_RC(dk_assoc_store_file(&status, NULL, "x.dcm"), DK_EINVAL);
    CHECK_RC(dk_assoc_store_dataset(&status, NULL, NULL), DK_EINVAL);
    CHECK_RC(dk_assoc_context_count(&n, NULL), DK_EINVAL);
    CHECK_RC(dk_assoc_context(NULL, NULL, NULL, NULL, NULL, 0), DK_EINVAL);
    CHECK_RC(dk_assoc_release(NULL), DK_EINVAL);
    CHECK_RC(dk_assoc_abort(NULL), DK_EINVAL);
    dk_assoc_free(NULL);

    cb.version = 0;
    CHECK_ERR(dk_server_new(&srv, ae, &cb), DK_EINVAL, "dk_server_callbacks version 0");
    CHECK_ERR(dk_server_callbacks_init(&cb, DK_SERVER_CALLBACKS_VERSION + 1), DK_EINVAL, "unsupported dk_server_callbacks version");
    {
        /* An older caller's struct: only the version 1 fields are written. */
        dk_server_callbacks v1;
        memset(&v1, 0xAB, sizeof v1);
        CHECK_OK(dk_server_callbacks_init(&v1, 1));
        CHECK(v1.version == 1 && v1.on_store == NULL && v1.user_data == NULL);
        CHECK(((const unsigned char *)&v1.on_find)[0] == 0xAB);
        /* Version 3 stops before on_association. */
        memset(&v1, 0xAB, sizeof v1);
        CHECK_OK(dk_server_callbacks_init(&v1, 3));
        CHECK(v1.version == 3 && v1.on_n_request == NULL);
        CHECK(((const unsigned char *)&v1.on_association)[0] == 0xAB);
    }
    CHECK_RC(dk_server_new(&srv, NULL, NULL), DK_EINVAL);
    CHECK(srv == NULL);
    REQUIRE_OK(dk_server_new(&srv, ae, NULL));
    CHECK_ERR(dk_server_port(&port, srv), DK_EINVAL, "not started");
    CHECK_INT(port, 0);
    CHECK_ERR(dk_server_set_storage_folder(srv, DK_TEST_TMPDIR "/no/such/folder", 0), DK_ENOTFOUND, "no/such/folder");
    CHECK_OK(dk_server_stop(srv, 0)); /* never started: nothing to stop */
    dk_server_free(srv);
    CHECK_RC(dk_server_start(NULL, NULL, 0), DK_EINVAL);
    CHECK_RC(dk_server_port(&port, NULL), DK_EINVAL);
    CHECK_RC(dk_server_stop(NULL, 0), DK_EINVAL);
    CHECK_RC(dk_server_set_storage_folder(NULL, "/tmp", 0), DK_EINVAL);
    dk_server_free(NULL);
    dk_ae_free(ae);
}

/* dk_ae_options version 2: a version 1 struct still works (the server limits keep their
 * defaults), the new fields are checked, and request_timeout_ms closes a silent connection. */
DK_TEST(server_limits_options) {
    dk_ae_options o;
    dk_ae *ae = NULL;
    dk_server *srv = NULL;
    uint16_t port = 0;
    struct sockaddr_in a;
    struct pollfd p;
    char b;
    int fd;
    long waited = 0;
    REQUIRE_OK(dk_ae_options_init(&o, DK_AE_OPTIONS_VERSION));
    CHECK_INT(o.request_timeout_ms, 5000);
    CHECK_INT(o.idle_timeout_ms, 60000);
    CHECK_INT(o.max_associations_per_address, 0);
    CHECK_INT(o.max_pending, 64);
    CHECK_INT(o.max_pending_per_address, 16);
    o.max_pending = 0;
    CHECK_ERR(dk_ae_new(&ae, "DKSCP", &o), DK_EINVAL, "max_pending");
    o.max_pending = 64;
    o.request_timeout_ms = -5;
    CHECK_ERR(dk_ae_new(&ae, "DKSCP", &o), DK_EINVAL, "request_timeout_ms");
    /* Version 1 ends at log_level: what follows is not read (garbage here). */
    memset(&o, 0x7F, sizeof o);
    REQUIRE_OK(dk_ae_options_init(&o, 1));
    CHECK_INT(o.version, 1);
    CHECK_INT(o.max_pending, 0x7F7F7F7F);
    REQUIRE_OK(dk_ae_new(&ae, "DKSCP", &o));
    dk_ae_free(ae);

    REQUIRE_OK(dk_ae_options_init(&o, DK_AE_OPTIONS_VERSION));
    o.request_timeout_ms = 500;
    REQUIRE_OK(dk_ae_new(&ae, "DKSCP", &o));
    CHECK_OK(dk_ae_add_verification(ae));
    REQUIRE_OK(dk_server_new(&srv, ae, NULL));
    dk_ae_free(ae);
    REQUIRE_OK(dk_server_start(srv, "127.0.0.1", 0));
    CHECK_OK(dk_server_port(&port, srv));
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    /* Nothing sent: the server closes the connection after about 500 ms. */
    p.fd = fd;
    p.events = POLLIN;
    while (waited < 5000 && poll(&p, 1, 50) == 0) waited += 50;
    CHECK(waited < 3000);
    CHECK(waited >= 300);
    CHECK(recv(fd, &b, 1, 0) <= 0);
    close(fd);
    CHECK_OK(dk_server_stop(srv, 1000));
    dk_server_free(srv);
}

DK_TEST(connect_to_a_closed_port) {
    dk_ae *ae = scu_ae(NULL);
    dk_assoc *a = (dk_assoc *)&ae;
    uint16_t port = free_port();
    REQUIRE(ae != NULL);
    REQUIRE(port != 0);
    CHECK_ERR(dk_assoc_connect(&a, ae, "127.0.0.1", port, "NOBODY"), DK_ENETWORK, "refused");
    CHECK(a == NULL);
    printf("message: %s\n", dk_last_error());
    CHECK(strstr(dk_last_error(), "127.0.0.1") != NULL);
    dk_ae_free(ae);
}

/* A non-DICOM file, a rejected request, an abort: the association goes on where it should. */
DK_TEST(failures_on_an_association) {
    char dir[512], file[512], junk[512], uid[65];
    dk_ae *ae = NULL, *scu = NULL;
    dk_server *srv = NULL;
    dk_assoc *a = NULL;
    dk_dataset *ds = NULL, *item = NULL;
    uint16_t port = 0, status = 0xFFFF;
    const char *junk_path;
    FILE *f;
    fresh_dir(dir, sizeof dir, "in");
    dk_test_path(file, sizeof file, "sc.dcm");
    junk_path = dk_test_path(junk, sizeof junk, "junk.txt");
    REQUIRE(make_file(file, uid));
    f = fopen(junk, "wb");
    REQUIRE(f != NULL);
    fputs("this is not a DICOM file, only some text long enough to be read as one\n", f);
    fclose(f);

    REQUIRE_OK(dk_ae_new(&ae, "DKSCP", NULL));
    CHECK_OK(dk_ae_add_verification(ae));
    CHECK_OK(dk_ae_add_all_storage(ae));
    REQUIRE_OK(dk_server_new(&srv, ae, NULL));
    dk_ae_free(ae);
    CHECK_OK(dk_server_set_storage_folder(srv, dir, 0));
    REQUIRE_OK(dk_server_start(srv, NULL, 0));
    CHECK_OK(dk_server_port(&port, srv));

    /* Verification only: the storage of a file is refused by the AE's own negotiation. */
    scu = scu_ae(NULL);
    REQUIRE(scu != NULL);
    CHECK_RC(dk_ae_add_storage_for_files(scu, &junk_path, 1), DK_ENOTDICOM);
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "DKSCP"));
    CHECK_RC(dk_assoc_store_file(&status, a, junk), DK_ENOTDICOM);
    printf("message: %s\n", dk_last_error());
    CHECK_RC(dk_assoc_store_file(&status, a, DK_TEST_TMPDIR "/no-such-file.dcm"), DK_ENOTFOUND);
    CHECK_ERR(dk_assoc_store_file(&status, a, file), DK_EREFUSED, "");
    CHECK_RC(dk_assoc_store_file(&status, a, NULL), DK_EINVAL);
    CHECK_RC(dk_assoc_echo(NULL, a), DK_EINVAL);
    if (make_instance(&ds, uid)) {
        CHECK_RC(dk_assoc_store_dataset(&status, a, NULL), DK_EINVAL);
        CHECK_RC(dk_assoc_store_dataset(&status, a, ds), DK_EREFUSED);
        if (dk_dataset_add_item(&item, ds, DK_TAG(0x0008, 0x1115)) == DK_OK) {
            CHECK_ERR(dk_assoc_store_dataset(&status, a, item), DK_EINVAL, "item");
            dk_dataset_free(item);
        }
        dk_dataset_free(ds);
    }
    /* Still usable. */
    status = 0xFFFF;
    CHECK_OK(dk_assoc_echo(&status, a));
    CHECK_INT(status, 0);
    CHECK_OK(dk_assoc_release(a));
    CHECK_ERR(dk_assoc_release(a), DK_EINVAL, "no longer established");
    CHECK_ERR(dk_assoc_echo(&status, a), DK_EINVAL, "no longer established");
    dk_assoc_free(a);
    a = NULL;

    /* Aborted: unusable, abort idempotent, free fine. */
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "DKSCP"));
    CHECK_OK(dk_assoc_abort(a));
    CHECK_OK(dk_assoc_abort(a));
    CHECK_ERR(dk_assoc_echo(&status, a), DK_EINVAL, "no longer established");
    dk_assoc_free(a);

    /* Freed while established: aborted, the server goes on. */
    a = NULL;
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "DKSCP"));
    dk_assoc_free(a);
    a = NULL;
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "DKSCP"));
    CHECK_OK(dk_assoc_echo(&status, a));
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);

    dk_ae_free(scu);
    dk_server_free(srv); /* stops */
    CHECK_INT(count_files(dir), 0);
}

/* A server whose on_store callback runs with scratch files (no storage folder), stopped while an
 * association is still open. */
DK_TEST(server_scratch_files_and_stop_with_open_association) {
    char file[512], uid[65];
    dk_ae *ae = NULL, *scu = NULL;
    dk_server_callbacks cb = DK_SERVER_CALLBACKS_INIT;
    dk_server *srv = NULL;
    dk_assoc *a = NULL;
    uint16_t port = 0, status = 0xFFFF;
    counts c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.mu, NULL);
    dk_test_path(file, sizeof file, "sc.dcm");
    REQUIRE(make_file(file, uid));
    REQUIRE_OK(dk_ae_new(&ae, "DKSCP", NULL));
    CHECK_OK(dk_ae_add_verification(ae));
    CHECK_OK(dk_ae_add_all_storage(ae));
    cb.on_store = on_store;
    cb.user_data = &c;
    REQUIRE_OK(dk_server_new(&srv, ae, &cb));
    dk_ae_free(ae);
    REQUIRE_OK(dk_server_start(srv, "127.0.0.1", 0));
    CHECK_OK(dk_server_port(&port, srv));
    scu = scu_ae(file);
    REQUIRE(scu != NULL);
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "DKSCP"));
    CHECK_OK(dk_assoc_store_file(&status, a, file));
    CHECK_INT(status, 0);
    set_fail_store(&c, -1); /* the callback fails: Out of Resources */
    CHECK_OK(dk_assoc_store_file(&status, a, file));
    CHECK_INT(status, 0xA700);
    CHECK_OK(dk_server_stop(srv, 100)); /* interrupts the open association */
    CHECK(dk_assoc_echo(&status, a) < 0);
    dk_assoc_free(a);
    dk_server_free(srv);
    dk_ae_free(scu);
    CHECK_INT(c.store, 2);
    CHECK_INT(c.dataset_ok, 2);
    CHECK(strcmp(c.instance, uid) == 0);
    pthread_mutex_destroy(&c.mu);
}

/* -- Query/Retrieve and DIMSE-N against `dcmkit serve` (the CLI's archive) ------------------------ */

#define QR_STUDY1 "1.2.826.0.1.3680043.2.1125.78.1"
#define QR_STUDY2 "1.2.826.0.1.3680043.2.1125.78.2"

/* An instance of patient QR^ONE / QRP1 in `study` (series study.1), written to `path`. */
static int make_qr_file(const char *path, const char *study, char uid[65]) {
    dk_dataset *ds = NULL;
    char series[80];
    int ok;
    if (!make_instance(&ds, uid)) return 0;
    snprintf(series, sizeof series, "%s.1", study);
    ok = dk_dataset_set_string(ds, DK_TAG(0x0010, 0x0010), NULL, "QR^ONE") == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0010, 0x0020), NULL, "QRP1") == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0020), NULL, "20260101") == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0020, 0x000D), NULL, study) == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0020, 0x000E), NULL, series) == DK_OK &&
         dk_dataset_write_file(ds, path, NULL) == DK_OK;
    dk_dataset_free(ds);
    return ok;
}

/* `dcmkit serve PORT --storage DIR -aet ARCH [--dest DKDEST=127.0.0.1:dest_port]`. */
static pid_t start_serve(uint16_t *port, const char *dir, uint16_t dest_port, const char *log) {
    char portbuf[16], dest[64];
    char *argv[] = {DK_TEST_CLI, "serve", NULL, "--storage", NULL, "-aet", "ARCH", "--dest", NULL, NULL};
    pid_t pid;
    *port = free_port();
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)*port);
    snprintf(dest, sizeof dest, "DKDEST=127.0.0.1:%u", (unsigned)dest_port);
    argv[2] = portbuf;
    argv[4] = (char *)dir;
    argv[8] = dest;
    pid = spawn(argv, log);
    if (pid > 0 && !wait_listening(*port, 15000)) {
        stop_process(pid);
        return -1;
    }
    return pid;
}

typedef struct find_state {
    int seen, study1, study2, stop_after;
} find_state;

static int on_match(const dk_dataset *m, void *user_data) {
    find_state *st = (find_state *)user_data;
    char buf[80], level[16];
    size_t n = sizeof buf, nl = sizeof level;
    ++st->seen;
    if (dk_dataset_get_string(buf, &n, m, DK_TAG(0x0020, 0x000D)) == DK_OK) {
        if (strcmp(buf, QR_STUDY1) == 0) ++st->study1;
        if (strcmp(buf, QR_STUDY2) == 0) ++st->study2;
    }
    if (dk_dataset_get_string(level, &nl, m, DK_TAG(0x0008, 0x0052)) != DK_OK || strcmp(level, "STUDY") != 0)
        st->seen += 1000; /* each match says its level */
    return st->stop_after == 0 || st->seen < st->stop_after;
}

static int on_progress(const dk_retrieve_result *p, void *user_data) {
    int *calls = (int *)user_data;
    ++*calls;
    return p->version == DK_RETRIEVE_RESULT_VERSION;
}

static dk_dataset *study_identifier(const char *patient_name, const char *study) {
    dk_dataset *q = NULL;
    if (dk_dataset_new(&q) != DK_OK) return NULL;
    if (dk_dataset_set_string(q, DK_TAG(0x0008, 0x0052), NULL, "STUDY") != DK_OK ||
        dk_dataset_set_string(q, DK_TAG(0x0010, 0x0010), NULL, patient_name) != DK_OK ||
        dk_dataset_set_string(q, DK_TAG(0x0020, 0x000D), NULL, study) != DK_OK) {
        dk_dataset_free(q);
        return NULL;
    }
    return q;
}

DK_TEST(qr_find_get_move_mpps_against_dcmkit_serve) {
    char archive[512], got[512], moved[512], log[512], files[3][512], uids[3][65], path[700];
    const char *paths[3];
    dk_ae *ae = NULL, *dae = NULL;
    dk_server *dest = NULL;
    dk_assoc *a = NULL;
    dk_dataset *q = NULL, *mpps = NULL, *item = NULL;
    dk_retrieve_result rr;
    dk_n_result nr;
    find_state fs;
    uint16_t port = 0, dest_port = 0, status = 0xFFFF;
    size_t matches = 0;
    int i, calls = 0;
    pid_t pid;
    if (access(DK_TEST_CLI, X_OK) != 0) DK_SKIP("the dcmkit CLI is not built");
    DK_NEED_ARCHIVE(); /* `dcmkit serve` */
    fresh_dir(archive, sizeof archive, "archive");
    fresh_dir(got, sizeof got, "got");
    fresh_dir(moved, sizeof moved, "moved");
    dk_test_path(log, sizeof log, "serve.log");
    for (i = 0; i < 3; ++i) {
        char name[32];
        snprintf(name, sizeof name, "qr%d.dcm", i);
        dk_test_path(files[i], sizeof files[i], name);
        REQUIRE(make_qr_file(files[i], i < 2 ? QR_STUDY1 : QR_STUDY2, uids[i]));
        paths[i] = files[i];
    }
    /* The C-MOVE destination: a dk_server storing into `moved`. */
    REQUIRE_OK(dk_ae_new(&dae, "DKDEST", NULL));
    CHECK_OK(dk_ae_add_all_storage(dae));
    REQUIRE_OK(dk_server_new(&dest, dae, NULL));
    dk_ae_free(dae);
    CHECK_OK(dk_server_set_storage_folder(dest, moved, 0));
    REQUIRE_OK(dk_server_start(dest, "127.0.0.1", 0));
    CHECK_OK(dk_server_port(&dest_port, dest));
    pid = start_serve(&port, archive, dest_port, log);
    if (pid <= 0) {
        print_file(log);
        dk_server_free(dest);
        REQUIRE(pid > 0);
    }

    /* One AE for everything: storage of the files, Q/R, C-GET's storage as SCP, MPPS. */
    ae = scu_ae(NULL);
    REQUIRE(ae != NULL);
    CHECK_OK(dk_ae_add_storage_for_files(ae, paths, 3));
    CHECK_OK(dk_ae_add_query_retrieve(ae));
    CHECK_OK(dk_ae_add_get_storage(ae));
    CHECK_OK(dk_ae_add_sop_class(ae, DK_UID_ModalityPerformedProcedureStep, NULL, 0, DK_ROLE_SCU));
    CHECK_OK(dk_assoc_connect(&a, ae, "127.0.0.1", port, "ARCH"));
    if (!a) {
        print_file(log);
        goto done;
    }
    for (i = 0; i < 3; ++i) {
        status = 0xFFFF;
        CHECK_OK(dk_assoc_store_file(&status, a, files[i]));
        CHECK_INT(status, 0);
    }

    /* C-FIND at STUDY level: both studies, each match with its level. */
    q = study_identifier("QR*", "");
    REQUIRE(q != NULL);
    memset(&fs, 0, sizeof fs);
    CHECK_OK(dk_assoc_find(&status, &matches, a, NULL, q, on_match, &fs));
    CHECK_INT(status, 0);
    CHECK_INT((int)matches, 2);
    CHECK_INT(fs.seen, 2);
    CHECK_INT(fs.study1, 1);
    CHECK_INT(fs.study2, 1);
    /* Patient Root, explicit class; no callback (counted only). */
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0010, 0x0020), NULL, "QRP1"));
    CHECK_OK(dk_assoc_find(&status, &matches, a, DK_UID_PatientRootQueryRetrieveInformationModelFind, q, NULL, NULL));
    CHECK_INT(status, 0);
    CHECK_INT((int)matches, 2);
    /* No match. */
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0010, 0x0010), NULL, "NOBODY"));
    memset(&fs, 0, sizeof fs);
    CHECK_OK(dk_assoc_find(&status, &matches, a, NULL, q, on_match, &fs));
    CHECK_INT(status, 0);
    CHECK_INT((int)matches, 0);
    /* A cancel after the first match: Cancel, or Success when the peer was done already. */
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0010, 0x0010), NULL, "QR*"));
    memset(&fs, 0, sizeof fs);
    fs.stop_after = 1;
    CHECK_OK(dk_assoc_find(&status, NULL, a, NULL, q, on_match, &fs));
    CHECK(status == 0xFE00 || status == 0);
    CHECK(fs.seen >= 1);

    /* The same query read one match at a time: both studies, then the final Success. */
    {
        dk_find_query *fq = NULL;
        dk_dataset *m = NULL;
        int done = -1, cancelled = -1, n = 0;
        uint16_t echo_status = 0xFFFF;
        REQUIRE_OK(dk_assoc_find_start(&fq, a, NULL, q));
        CHECK_OK(dk_find_query_status(&done, &status, &matches, &cancelled, fq));
        CHECK_INT(done, 0);
        CHECK_INT(status, 0xFFFF);
        /* While it is open, the association carries no other request. */
        CHECK_INT(dk_assoc_echo(&echo_status, a), DK_EINVAL);
        while (dk_find_query_next(&m, fq) == DK_OK && m) {
            char level[16];
            size_t nl = sizeof level;
            CHECK_OK(dk_dataset_get_string(level, &nl, m, DK_TAG(0x0008, 0x0052)));
            CHECK_STR(level, "STUDY");
            dk_dataset_free(m);
            m = NULL;
            REQUIRE(++n <= 2);
        }
        CHECK_INT(n, 2);
        CHECK_OK(dk_find_query_status(&done, &status, &matches, &cancelled, fq));
        CHECK_INT(done, 1);
        CHECK_INT(status, 0);
        CHECK_INT((int)matches, 2);
        CHECK_INT(cancelled, 0);
        /* Past its end: no match, no error; the association is free again. */
        CHECK_OK(dk_find_query_next(&m, fq));
        CHECK(m == NULL);
        CHECK_OK(dk_assoc_echo(&echo_status, a));
        CHECK_INT(echo_status, 0);
        dk_find_query_free(fq);

        /* Cancelled after the first match: a C-CANCEL-RQ, the rest drained, the association usable. */
        REQUIRE_OK(dk_assoc_find_start(&fq, a, NULL, q));
        CHECK_OK(dk_find_query_next(&m, fq));
        CHECK(m != NULL);
        dk_dataset_free(m);
        m = NULL;
        CHECK_OK(dk_find_query_cancel(fq));
        CHECK_OK(dk_find_query_status(&done, &status, NULL, &cancelled, fq));
        CHECK_INT(done, 1);
        CHECK_INT(cancelled, 1);
        CHECK(status == 0xFE00 || status == 0);
        CHECK_OK(dk_find_query_next(&m, fq));
        CHECK(m == NULL);
        dk_find_query_free(fq);
        /* Freed while open: cancelled by dk_find_query_free, the association usable. */
        REQUIRE_OK(dk_assoc_find_start(&fq, a, NULL, q));
        dk_find_query_free(fq);
        dk_find_query_free(NULL);
        CHECK_OK(dk_assoc_echo(&echo_status, a));
        CHECK_INT(echo_status, 0);
        /* Bad arguments. */
        CHECK_INT(dk_assoc_find_start(NULL, a, NULL, q), DK_EINVAL);
        CHECK_INT(dk_find_query_next(&m, NULL), DK_EINVAL);
        CHECK_INT(dk_find_query_cancel(NULL), DK_EINVAL);
        CHECK_INT(dk_find_query_status(&done, NULL, NULL, NULL, NULL), DK_EINVAL);
    }
    dk_dataset_free(q);

    /* C-GET of study 1 into `got`: its two files. */
    q = study_identifier("", QR_STUDY1);
    REQUIRE(q != NULL);
    CHECK_OK(dk_retrieve_result_init(&rr, DK_RETRIEVE_RESULT_VERSION));
    CHECK_OK(dk_assoc_get(&rr, a, NULL, q, got, on_progress, &calls));
    CHECK_INT(rr.status, 0);
    CHECK_INT(rr.completed, 2);
    CHECK_INT(rr.failed, 0);
    CHECK_INT((int)rr.stored, 2);
    CHECK(calls >= 1);
    CHECK_INT(count_files(got), 2);
    snprintf(path, sizeof path, "%s/%s.dcm", got, uids[0]);
    CHECK(exists(path));
    /* Into a folder that does not exist: nothing sent, the association goes on. */
    CHECK_ERR(dk_assoc_get(&rr, a, NULL, q, DK_TEST_TMPDIR "/no/such/folder", NULL, NULL), DK_ENOTFOUND, "no/such");
    dk_dataset_free(q);

    /* C-MOVE of study 2 to DKDEST (the dk_server); to an unknown AE: A801. */
    q = study_identifier("", QR_STUDY2);
    REQUIRE(q != NULL);
    CHECK_OK(dk_retrieve_result_init(&rr, DK_RETRIEVE_RESULT_VERSION));
    CHECK_OK(dk_assoc_move(&rr, a, NULL, "DKDEST", q, NULL, NULL));
    CHECK_INT(rr.status, 0);
    CHECK_INT(rr.completed, 1);
    snprintf(path, sizeof path, "%s/%s.dcm", moved, uids[2]);
    CHECK(exists(path));
    CHECK_OK(dk_assoc_move(&rr, a, DK_UID_StudyRootQueryRetrieveInformationModelMove, "NOWHERE", q, NULL, NULL));
    CHECK_INT(rr.status, 0xA801);
    CHECK_INT(rr.completed, 0);
    dk_dataset_free(q);

    /* A class without an accepted context: DK_EREFUSED, and the association goes on. */
    q = study_identifier("", "");
    CHECK_ERR(dk_assoc_find(&status, NULL, a, DK_UID_ModalityWorklistInformationModelFind, q, NULL, NULL), DK_EREFUSED, "");
    dk_dataset_free(q);
    CHECK_OK(dk_assoc_echo(&status, a));
    CHECK_INT(status, 0);

    /* MPPS: N-CREATE (missing attributes: a failure status, no error), then a complete one, N-SET. */
    REQUIRE_OK(dk_dataset_new(&mpps));
    CHECK_OK(dk_n_result_init(&nr, DK_N_RESULT_VERSION));
    CHECK_OK(dk_assoc_n_create(&nr, a, DK_UID_ModalityPerformedProcedureStep, NULL, mpps));
    CHECK_INT(nr.status, 0x0120); /* Missing Attribute */
    CHECK(nr.dataset == NULL);
    CHECK_OK(dk_dataset_add_item(&item, mpps, DK_TAG(0x0040, 0x0270)));
    CHECK_OK(dk_dataset_set_string(item, DK_TAG(0x0020, 0x000D), NULL, QR_STUDY1));
    dk_dataset_free(item);
    CHECK_OK(dk_dataset_set_string(mpps, DK_TAG(0x0040, 0x0253), NULL, "PPS-1"));
    CHECK_OK(dk_dataset_set_string(mpps, DK_TAG(0x0040, 0x0241), NULL, "DKSCU"));
    CHECK_OK(dk_dataset_set_string(mpps, DK_TAG(0x0040, 0x0244), NULL, "20260101"));
    CHECK_OK(dk_dataset_set_string(mpps, DK_TAG(0x0040, 0x0245), NULL, "101500"));
    CHECK_OK(dk_dataset_set_string(mpps, DK_TAG(0x0040, 0x0252), NULL, "IN PROGRESS"));
    CHECK_OK(dk_dataset_set_string(mpps, DK_TAG(0x0008, 0x0060), NULL, "OT"));
    CHECK_OK(dk_assoc_n_create(&nr, a, DK_UID_ModalityPerformedProcedureStep, "", mpps));
    CHECK_INT(nr.status, 0);
    CHECK(strlen(nr.sop_instance_uid) > 0); /* chosen by the performer */
    dk_dataset_free(nr.dataset);
    dk_dataset_free(mpps);
    REQUIRE_OK(dk_dataset_new(&mpps));
    CHECK_OK(dk_dataset_set_string(mpps, DK_TAG(0x0040, 0x0252), NULL, "COMPLETED"));
    CHECK_OK(dk_dataset_set_string(mpps, DK_TAG(0x0040, 0x0250), NULL, "20260101"));
    CHECK_OK(dk_dataset_set_string(mpps, DK_TAG(0x0040, 0x0251), NULL, "103000"));
    {
        char created[65];
        memcpy(created, nr.sop_instance_uid, sizeof created);
        CHECK_OK(dk_assoc_n_set(&nr, a, DK_UID_ModalityPerformedProcedureStep, created, mpps));
        CHECK_INT(nr.status, 0);
        dk_dataset_free(nr.dataset);
        /* Completed: no further update (a failure status). */
        CHECK_OK(dk_assoc_n_set(&nr, a, DK_UID_ModalityPerformedProcedureStep, created, mpps));
        CHECK(nr.status != 0);
        dk_dataset_free(nr.dataset);
    }
    /* N-ACTION on a class without a context: refused. */
    CHECK_ERR(dk_assoc_n_action(&nr, a, DK_UID_StorageCommitmentPushModel, DK_UID_StorageCommitmentPushModelInstance, 1, NULL),
              DK_EREFUSED, "");
    dk_dataset_free(mpps);

    CHECK_OK(dk_assoc_release(a));
done:
    dk_assoc_free(a);
    dk_ae_free(ae);
    stop_process(pid);
    CHECK_OK(dk_server_stop(dest, 5000));
    dk_server_free(dest);
}

DK_TEST(qr_misuse) {
    dk_ae *ae = NULL;
    dk_dataset *q = NULL, *c = NULL, *item = NULL;
    dk_retrieve_result rr;
    dk_n_result nr;
    uint16_t status = 1;
    size_t matches = 7;
    char buf[32];
    size_t n = sizeof buf;
    CHECK_RC(dk_retrieve_result_init(NULL, DK_RETRIEVE_RESULT_VERSION), DK_EINVAL);
    CHECK_ERR(dk_retrieve_result_init(&rr, 0), DK_EINVAL, "version");
    CHECK_ERR(dk_retrieve_result_init(&rr, DK_RETRIEVE_RESULT_VERSION + 1), DK_EINVAL, "version");
    CHECK_OK(dk_retrieve_result_init(&rr, DK_RETRIEVE_RESULT_VERSION));
    CHECK_INT(rr.status, 0xFFFF);
    CHECK_INT(rr.remaining, -1);
    CHECK_RC(dk_n_result_init(NULL, DK_N_RESULT_VERSION), DK_EINVAL);
    CHECK_ERR(dk_n_result_init(&nr, 9), DK_EINVAL, "version");
    CHECK_OK(dk_n_result_init(&nr, DK_N_RESULT_VERSION));
    CHECK_INT(nr.status, 0xFFFF);
    CHECK(nr.dataset == NULL && nr.sop_instance_uid[0] == '\0');
    CHECK_RC(dk_ae_add_query_retrieve(NULL), DK_EINVAL);
    CHECK_RC(dk_ae_add_get_storage(NULL), DK_EINVAL);
    CHECK_RC(dk_ae_add_get_storage_uncompressed(NULL), DK_EINVAL);
    REQUIRE_OK(dk_ae_new(&ae, "DKSCU", NULL));
    CHECK_OK(dk_ae_add_query_retrieve(ae));
    CHECK_OK(dk_ae_add_get_storage(ae));
    CHECK_OK(dk_ae_add_get_storage_uncompressed(ae));
    /* Q/R and N classes as SCU through the generic call. */
    CHECK_OK(dk_ae_add_sop_class(ae, DK_UID_ModalityWorklistInformationModelFind, NULL, 0, DK_ROLE_SCU));
    CHECK_OK(dk_ae_add_sop_class(ae, DK_UID_StorageCommitmentPushModel, NULL, 0, DK_ROLE_SCU));
    dk_ae_free(ae);
    REQUIRE_OK(dk_dataset_new(&q));
    /* NULL association, outputs, identifiers: DK_EINVAL and the outputs reset. */
    CHECK_ERR(dk_assoc_find(&status, &matches, NULL, NULL, q, NULL, NULL), DK_EINVAL, "assoc");
    CHECK_INT(status, 0xFFFF);
    CHECK_INT((int)matches, 0);
    CHECK_ERR(dk_assoc_find(NULL, NULL, NULL, NULL, q, NULL, NULL), DK_EINVAL, "status");
    CHECK_ERR(dk_assoc_move(&rr, NULL, NULL, "DEST", q, NULL, NULL), DK_EINVAL, "assoc");
    CHECK_ERR(dk_assoc_move(NULL, NULL, NULL, "DEST", q, NULL, NULL), DK_EINVAL, "result");
    rr.version = 0;
    CHECK_ERR(dk_assoc_get(&rr, NULL, NULL, q, "/tmp", NULL, NULL), DK_EINVAL, "version");
    rr.version = DK_RETRIEVE_RESULT_VERSION;
    CHECK_ERR(dk_assoc_get(&rr, NULL, NULL, q, "/tmp", NULL, NULL), DK_EINVAL, "assoc");
    CHECK_ERR(dk_assoc_n_create(&nr, NULL, DK_UID_ModalityPerformedProcedureStep, NULL, q), DK_EINVAL, "assoc");
    CHECK_ERR(dk_assoc_n_set(NULL, NULL, DK_UID_ModalityPerformedProcedureStep, "1.2.3", q), DK_EINVAL, "result");
    nr.version = 2;
    CHECK_ERR(dk_assoc_n_action(&nr, NULL, DK_UID_ModalityPerformedProcedureStep, "1.2.3", 1, NULL), DK_EINVAL, "version");
    /* A deep copy of a dataset and of an item. */
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0010, 0x0010), NULL, "ORIG"));
    CHECK_OK(dk_dataset_clone(&c, q));
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0010, 0x0010), NULL, "CHANGED"));
    CHECK_OK(dk_dataset_get_string(buf, &n, c, DK_TAG(0x0010, 0x0010)));
    CHECK(strcmp(buf, "ORIG") == 0);
    dk_dataset_free(c);
    c = NULL;
    CHECK_OK(dk_dataset_add_item(&item, q, DK_TAG(0x0040, 0x0270)));
    CHECK_OK(dk_dataset_set_string(item, DK_TAG(0x0040, 0x0009), NULL, "SPS"));
    CHECK_OK(dk_dataset_clone(&c, item));
    n = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &n, c, DK_TAG(0x0040, 0x0009)));
    CHECK(strcmp(buf, "SPS") == 0);
    dk_dataset_free(c);
    CHECK_RC(dk_dataset_clone(NULL, q), DK_EINVAL);
    CHECK_RC(dk_dataset_clone(&c, NULL), DK_EINVAL);
    CHECK(c == NULL);
    dk_dataset_free(item);
    dk_dataset_free(q);
}

/* -- C-FIND SCP: dk_server's on_find ----------------------------------------------------------------- */

typedef struct scp_find_state {
    pthread_mutex_t mu;
    int calls, emitted, refused;
    long want; /* matches to emit */
    char level[16], sop_class[65], patient[64];
} scp_find_state;

static dk_result on_find_cb(uint16_t *status, const dk_find_info *info, dk_find_request *request, void *user_data) {
    scp_find_state *st = (scp_find_state *)user_data;
    dk_dataset *m = NULL;
    char name[64];
    size_t n = sizeof name;
    long i, want;
    pthread_mutex_lock(&st->mu);
    ++st->calls;
    snprintf(st->level, sizeof st->level, "%s", info->level);
    snprintf(st->sop_class, sizeof st->sop_class, "%s", info->sop_class_uid);
    if (dk_dataset_get_string(name, &n, info->identifier, DK_TAG(0x0010, 0x0010)) == DK_OK)
        snprintf(st->patient, sizeof st->patient, "%s", name);
    want = st->want;
    pthread_mutex_unlock(&st->mu);
    if (strcmp(name, "FAIL") == 0) return DK_EINTERNAL; /* answered 0xC000 */
    if (strcmp(name, "A900") == 0) {
        *status = 0xA900;
        return DK_OK;
    }
    if (dk_dataset_new(&m) != DK_OK) return DK_ENOMEM;
    for (i = 0; i < want; ++i) {
        char uid[80];
        dk_result r;
        snprintf(uid, sizeof uid, "1.2.826.0.1.3680043.2.1125.80.%ld", i + 1);
        dk_dataset_set_string(m, DK_TAG(0x0020, 0x000D), NULL, uid);
        dk_dataset_set_string(m, DK_TAG(0x0010, 0x0010), NULL, "SCP^FIND");
        r = dk_find_emit(request, m);
        pthread_mutex_lock(&st->mu);
        if (r == DK_OK) ++st->emitted;
        if (r == DK_EREFUSED) ++st->refused;
        pthread_mutex_unlock(&st->mu);
        if (r != DK_OK) break;
    }
    dk_dataset_free(m);
    return DK_OK;
}

typedef struct client_find_state {
    int seen, stop_after, level_ok;
} client_find_state;

static int client_on_match(const dk_dataset *m, void *user_data) {
    client_find_state *st = (client_find_state *)user_data;
    char level[16];
    size_t n = sizeof level;
    ++st->seen;
    if (dk_dataset_get_string(level, &n, m, DK_TAG(0x0008, 0x0052)) == DK_OK && strcmp(level, "STUDY") == 0)
        ++st->level_ok;
    return st->stop_after == 0 || st->seen < st->stop_after;
}

DK_TEST(find_scp_with_on_find_callback) {
    dk_ae *ae = NULL, *scu = NULL;
    dk_server *srv = NULL, *old = NULL;
    dk_server_callbacks cb;
    dk_assoc *a = NULL;
    dk_dataset *q = NULL;
    scp_find_state st;
    client_find_state cs;
    uint16_t port = 0, status = 0xFFFF;
    size_t matches = 0;
    memset(&st, 0, sizeof st);
    pthread_mutex_init(&st.mu, NULL);
    st.want = 3;
    REQUIRE_OK(dk_ae_new(&ae, "FINDSCP", NULL));
    CHECK_OK(dk_ae_add_verification(ae));
    CHECK_OK(dk_ae_add_sop_class(ae, DK_UID_StudyRootQueryRetrieveInformationModelFind, NULL, 0, DK_ROLE_SCP));
    CHECK_OK(dk_server_callbacks_init(&cb, DK_SERVER_CALLBACKS_VERSION));
    CHECK(cb.on_find == NULL);
    cb.on_find = on_find_cb;
    cb.user_data = &st;
    REQUIRE_OK(dk_server_new(&srv, ae, &cb));
    /* A version 1 caller: on_find is not read (C-FIND then answers 0x0122 SOP class not supported). */
    cb.version = 1;
    REQUIRE_OK(dk_server_new(&old, ae, &cb));
    dk_ae_free(ae);
    REQUIRE_OK(dk_server_start(srv, "127.0.0.1", 0));
    CHECK_OK(dk_server_port(&port, srv));

    REQUIRE_OK(dk_ae_new(&scu, "DKSCU", NULL));
    CHECK_OK(dk_ae_add_verification(scu));
    CHECK_OK(dk_ae_add_query_retrieve(scu));
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "FINDSCP"));
    q = study_identifier("DOE*", "");
    REQUIRE(q != NULL);
    memset(&cs, 0, sizeof cs);
    CHECK_OK(dk_assoc_find(&status, &matches, a, NULL, q, client_on_match, &cs));
    CHECK_INT(status, 0);
    CHECK_INT((int)matches, 3);
    CHECK_INT(cs.level_ok, 3); /* the level added to each match */
    CHECK(strcmp(st.level, "STUDY") == 0);
    CHECK(strcmp(st.sop_class, DK_UID_StudyRootQueryRetrieveInformationModelFind) == 0);
    CHECK(strcmp(st.patient, "DOE*") == 0);
    /* Patient Root was not accepted by this SCP. */
    CHECK_ERR(dk_assoc_find(&status, NULL, a, DK_UID_PatientRootQueryRetrieveInformationModelFind, q, NULL, NULL), DK_EREFUSED, "");
    /* The callback's status; a failing callback: 0xC000. */
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0010, 0x0010), NULL, "A900"));
    CHECK_OK(dk_assoc_find(&status, &matches, a, NULL, q, NULL, NULL));
    CHECK_INT(status, 0xA900);
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0010, 0x0010), NULL, "FAIL"));
    CHECK_OK(dk_assoc_find(&status, &matches, a, NULL, q, NULL, NULL));
    CHECK_INT(status, 0xC000);
    /* A cancel while the SCP has many to send: dk_find_emit says so, the final status is Cancel. */
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0010, 0x0010), NULL, "MANY"));
    pthread_mutex_lock(&st.mu);
    st.want = 200000;
    st.emitted = 0;
    pthread_mutex_unlock(&st.mu);
    memset(&cs, 0, sizeof cs);
    cs.stop_after = 1;
    CHECK_OK(dk_assoc_find(&status, &matches, a, NULL, q, client_on_match, &cs));
    CHECK_INT(status, 0xFE00);
    CHECK(cs.seen == 1);
    pthread_mutex_lock(&st.mu);
    CHECK_INT(st.refused, 1);
    CHECK(st.emitted < 200000);
    pthread_mutex_unlock(&st.mu);
    CHECK_OK(dk_assoc_echo(&status, a));
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);
    a = NULL;
    dk_server_free(srv);

    /* The version 1 server. */
    REQUIRE_OK(dk_server_start(old, "127.0.0.1", 0));
    CHECK_OK(dk_server_port(&port, old));
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "FINDSCP"));
    CHECK_OK(dk_assoc_find(&status, &matches, a, NULL, q, NULL, NULL));
    CHECK_INT(status, 0x0122);
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);
    dk_server_free(old);
    dk_ae_free(scu);
    dk_dataset_free(q);
    CHECK_RC(dk_find_emit(NULL, NULL), DK_EINVAL);
    CHECK_INT(st.calls, 4); /* DOE*, A900, FAIL, MANY; none from the version 1 server */
    pthread_mutex_destroy(&st.mu);
}

/* -- Storage Commitment (PS3.4 Annex J) against `dcmkit serve` ------------------------------------- */

/* 1 when `list` of `r` holds exactly the instances `uids` (in any order), each with `reason`. */
static int commit_list_is(const dk_commit_result *r, dk_commit_list list, const char *const *uids, size_t n,
                          uint16_t reason) {
    size_t count = 0, i, j;
    if (dk_commit_result_count(&count, r, list) != DK_OK || count != n) return 0;
    for (i = 0; i < n; ++i) {
        int found = 0;
        for (j = 0; j < count; ++j) {
            const char *cls = NULL, *inst = NULL;
            uint16_t why = 0xFFFF;
            if (dk_commit_result_item(&cls, &inst, &why, r, list, j) != DK_OK) return 0;
            if (strcmp(inst, uids[i]) == 0 && strcmp(cls, SC_STORAGE) == 0 && why == reason) found = 1;
        }
        if (!found) return 0;
    }
    return 1;
}

/* Flips the last byte of `path` (in the pixel data): the file's SHA-256 no longer matches the index. */
static int flip_last_byte(const char *path) {
    unsigned char c;
    int ok = 0;
    FILE *f = fopen(path, "r+b");
    if (!f) return 0;
    if (fseek(f, -1, SEEK_END) == 0 && fread(&c, 1, 1, f) == 1 && fseek(f, -1, SEEK_END) == 0) {
        c ^= 0xFF;
        ok = fwrite(&c, 1, 1, f) == 1;
    }
    return fclose(f) == 0 && ok;
}

DK_TEST(storage_commitment_against_dcmkit_serve) {
    char archive[512], log[512], files[3][512], uids[3][65], stored[700];
    const char *paths[3], *classes[3] = {SC_STORAGE, SC_STORAGE, SC_STORAGE}, *insts[3];
    const char *tuid = NULL, *tuid2 = NULL;
    static const char *unknown = "1.2.826.0.1.3680043.2.1125.81.404";
    dk_ae *ae = NULL;
    dk_commit_listener *l = NULL;
    dk_assoc *a = NULL;
    dk_commit_result *r = NULL;
    uint16_t port = 0, lport = 0, status = 0xFFFF, event = 0;
    int i, received = -1;
    pid_t pid;
    if (access(DK_TEST_CLI, X_OK) != 0) DK_SKIP("the dcmkit CLI is not built");
    DK_NEED_ARCHIVE(); /* `dcmkit serve` */
    fresh_dir(archive, sizeof archive, "archive");
    dk_test_path(log, sizeof log, "serve.log");
    for (i = 0; i < 3; ++i) {
        char name[32];
        snprintf(name, sizeof name, "sc%d.dcm", i);
        dk_test_path(files[i], sizeof files[i], name);
        REQUIRE(make_qr_file(files[i], QR_STUDY1, uids[i]));
        paths[i] = files[i];
        insts[i] = uids[i];
    }
    /* This AE is DKDEST, which the archive knows (--dest): reports on new associations go to the
     * listener, started before any request. */
    REQUIRE_OK(dk_ae_new(&ae, "DKDEST", NULL));
    CHECK_OK(dk_ae_add_storage_for_files(ae, paths, 3));
    CHECK_OK(dk_ae_add_sop_class(ae, DK_UID_StorageCommitmentPushModel, NULL, 0, DK_ROLE_SCU));
    REQUIRE_OK(dk_commit_listener_start(&l, ae, "127.0.0.1", 0));
    CHECK_OK(dk_commit_listener_port(&lport, l));
    CHECK(lport != 0);
    pid = start_serve(&port, archive, lport, log);
    if (pid <= 0) {
        print_file(log);
        dk_commit_listener_free(l);
        dk_ae_free(ae);
        REQUIRE(pid > 0);
    }
    CHECK_OK(dk_assoc_connect(&a, ae, "127.0.0.1", port, "ARCH"));
    if (!a) {
        print_file(log);
        goto done;
    }
    for (i = 0; i < 3; ++i) {
        status = 0xFFFF;
        CHECK_OK(dk_assoc_store_file(&status, a, files[i]));
        CHECK_INT(status, 0);
    }

    /* (a) The report on the same association: all committed, event type 1. */
    CHECK_OK(dk_assoc_commit(&r, a, classes, insts, 3, 20000));
    if (!r) goto done; /* the peer is stopped below */
    CHECK_OK(dk_commit_result_action_status(&status, r));
    CHECK_INT(status, 0);
    CHECK_OK(dk_commit_result_report_received(&received, r));
    CHECK_INT(received, 1);
    CHECK_OK(dk_commit_result_event_type(&event, r));
    CHECK_INT(event, 1);
    CHECK_OK(dk_commit_result_transaction_uid(&tuid, r));
    CHECK(tuid != NULL && strlen(tuid) > 0);
    CHECK(commit_list_is(r, DK_COMMIT_COMMITTED, insts, 3, 0));
    CHECK(commit_list_is(r, DK_COMMIT_FAILED, NULL, 0, 0));
    CHECK_RC(dk_commit_result_item(NULL, NULL, NULL, r, DK_COMMIT_COMMITTED, 3), DK_ENOTFOUND);
    CHECK_RC(dk_commit_result_item(NULL, NULL, NULL, r, DK_COMMIT_FAILED, 0), DK_ENOTFOUND);
    /* Already has its report: the listener says so at once. */
    CHECK_OK(dk_commit_listener_wait(&received, l, r, 0));
    CHECK_INT(received, 1);
    dk_commit_result_free(r);
    r = NULL;

    /* (b) One stored file altered on disk: 0110H Processing failure; an unknown instance: 0112H No
     * such object instance; event type 2, the intact one committed. */
    snprintf(stored, sizeof stored, "%s/files/%s.dcm", archive, uids[1]);
    CHECK(flip_last_byte(stored));
    {
        const char *ask[3], *bad[1], *gone[1];
        ask[0] = uids[0];
        ask[1] = uids[1];
        ask[2] = unknown;
        bad[0] = uids[1];
        gone[0] = unknown;
        CHECK_OK(dk_assoc_commit(&r, a, classes, ask, 3, 20000));
        if (!r) goto done; /* the peer is stopped below */
        CHECK_OK(dk_commit_result_action_status(&status, r));
        CHECK_INT(status, 0);
        CHECK_OK(dk_commit_result_report_received(&received, r));
        CHECK_INT(received, 1);
        CHECK_OK(dk_commit_result_event_type(&event, r));
        CHECK_INT(event, 2);
        CHECK(commit_list_is(r, DK_COMMIT_COMMITTED, ask, 1, 0));
        {
            size_t nf = 0, j;
            int saw_bad = 0, saw_gone = 0;
            CHECK_OK(dk_commit_result_count(&nf, r, DK_COMMIT_FAILED));
            CHECK_INT((int)nf, 2);
            for (j = 0; j < nf; ++j) {
                const char *inst = NULL;
                uint16_t why = 0;
                CHECK_OK(dk_commit_result_item(NULL, &inst, &why, r, DK_COMMIT_FAILED, j));
                if (inst && strcmp(inst, bad[0]) == 0 && why == 0x0110) saw_bad = 1;
                if (inst && strcmp(inst, gone[0]) == 0 && why == 0x0112) saw_gone = 1;
            }
            CHECK(saw_bad);
            CHECK(saw_gone);
        }
        dk_commit_result_free(r);
        r = NULL;
    }

    /* (d) Bad input on a live association: DK_EINVAL, nothing sent, the association goes on. */
    {
        const char *bad_uid[1];
        bad_uid[0] = "1.2.abc";
        CHECK_ERR(dk_assoc_commit(&r, a, classes, bad_uid, 1, 0), DK_EINVAL, "sop_instance_uids[0]");
        CHECK(r == NULL);
        CHECK_ERR(dk_assoc_commit(&r, a, bad_uid, insts, 1, 0), DK_EINVAL, "sop_class_uids[0]");
        CHECK_ERR(dk_assoc_commit(&r, a, classes, insts, 0, 0), DK_EINVAL, "n is 0");
        CHECK_ERR(dk_assoc_commit(&r, a, NULL, insts, 1, 0), DK_EINVAL, "sop_class_uids");
        CHECK_ERR(dk_assoc_commit(&r, a, classes, NULL, 1, 0), DK_EINVAL, "sop_instance_uids");
        CHECK_ERR(dk_assoc_commit(&r, a, classes, insts, 1, -1), DK_EINVAL, "report_wait_ms");
        CHECK_ERR(dk_assoc_commit(NULL, a, classes, insts, 1, 0), DK_EINVAL, "out");
    }

    /* (c) No wait: release at once; the archive sends the report on a new association to DKDEST,
     * i.e. to the listener. The two intact instances. */
    insts[1] = uids[2];
    CHECK_OK(dk_assoc_commit(&r, a, classes, insts, 2, 0));
    if (!r) goto done; /* the peer is stopped below */
    CHECK_OK(dk_commit_result_action_status(&status, r));
    CHECK_INT(status, 0);
    CHECK_OK(dk_commit_result_report_received(&received, r));
    CHECK_INT(received, 0);
    CHECK_OK(dk_commit_result_event_type(&event, r));
    CHECK_INT(event, 0);
    CHECK_OK(dk_commit_result_transaction_uid(&tuid2, r));
    CHECK(tuid2 != NULL && strlen(tuid2) > 0);
    CHECK_OK(dk_assoc_release(a));
    CHECK_OK(dk_commit_listener_wait(&received, l, r, 30000));
    CHECK_INT(received, 1);
    if (!received) print_file(log);
    CHECK_OK(dk_commit_result_report_received(&received, r));
    CHECK_INT(received, 1);
    CHECK_OK(dk_commit_result_event_type(&event, r));
    CHECK_INT(event, 1);
    CHECK(commit_list_is(r, DK_COMMIT_COMMITTED, insts, 2, 0));
    CHECK(commit_list_is(r, DK_COMMIT_FAILED, NULL, 0, 0));
    dk_commit_result_free(r);
    r = NULL;
done:
    dk_assoc_free(a);
    stop_process(pid);
    dk_commit_listener_free(l);
    dk_ae_free(ae);
}

DK_TEST(storage_commitment_misuse) {
    const char *cls[1] = {SC_STORAGE}, *inst[1] = {"1.2.826.0.1.3680043.2.1125.81.1"}, *bad[1] = {"1..2"};
    const char *s = NULL;
    dk_commit_result *r = (dk_commit_result *)&s; /* must be reset to NULL */
    dk_commit_listener *l = NULL;
    dk_ae *ae = NULL;
    uint16_t u16 = 7, port = 1;
    size_t n = 7;
    int received = 7;
    CHECK_ERR(dk_assoc_commit(&r, NULL, NULL, inst, 1, 0), DK_EINVAL, "sop_class_uids is NULL");
    CHECK(r == NULL);
    CHECK_ERR(dk_assoc_commit(&r, NULL, cls, NULL, 1, 0), DK_EINVAL, "sop_instance_uids is NULL");
    CHECK_ERR(dk_assoc_commit(&r, NULL, cls, inst, 0, 0), DK_EINVAL, "no instance to commit");
    CHECK_ERR(dk_assoc_commit(&r, NULL, cls, bad, 1, 0), DK_EINVAL, "'1..2' is not a UID");
    CHECK_ERR(dk_assoc_commit(&r, NULL, cls, inst, 1, 0), DK_EINVAL, "assoc");
    /* Accessors with NULL: DK_EINVAL and the outputs reset. */
    CHECK_ERR(dk_commit_result_action_status(&u16, NULL), DK_EINVAL, "r is NULL");
    CHECK_INT(u16, 0xFFFF);
    CHECK_RC(dk_commit_result_action_status(NULL, NULL), DK_EINVAL);
    CHECK_RC(dk_commit_result_transaction_uid(&s, NULL), DK_EINVAL);
    CHECK(s != NULL && s[0] == '\0');
    CHECK_RC(dk_commit_result_report_received(&received, NULL), DK_EINVAL);
    CHECK_INT(received, 0);
    CHECK_RC(dk_commit_result_event_type(&u16, NULL), DK_EINVAL);
    CHECK_INT(u16, 0);
    CHECK_RC(dk_commit_result_count(&n, NULL, DK_COMMIT_FAILED), DK_EINVAL);
    CHECK_INT((int)n, 0);
    CHECK_RC(dk_commit_result_item(NULL, NULL, NULL, NULL, DK_COMMIT_COMMITTED, 0), DK_EINVAL);
    dk_commit_result_free(NULL);
    /* A listener: starts on a free port, nothing comes; NULL arguments. */
    CHECK_RC(dk_commit_listener_start(&l, NULL, NULL, 0), DK_EINVAL);
    CHECK(l == NULL);
    REQUIRE_OK(dk_ae_new(&ae, "DKLISTEN", NULL));
    CHECK_RC(dk_commit_listener_start(NULL, ae, NULL, 0), DK_EINVAL);
    REQUIRE_OK(dk_commit_listener_start(&l, ae, "127.0.0.1", 0));
    dk_ae_free(ae);
    CHECK_OK(dk_commit_listener_port(&port, l));
    CHECK(port != 0);
    CHECK_RC(dk_commit_listener_port(&port, NULL), DK_EINVAL);
    CHECK_INT(port, 0);
    CHECK_ERR(dk_commit_listener_wait(&received, l, NULL, 0), DK_EINVAL, "r is NULL");
    CHECK_ERR(dk_commit_listener_wait(&received, NULL, NULL, 0), DK_EINVAL, "l is NULL");
    CHECK_RC(dk_commit_listener_wait(NULL, l, NULL, 0), DK_EINVAL);
    dk_commit_listener_free(l);
    dk_commit_listener_free(NULL);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(scu_echo_and_store_to_storescp),
    DK_CASE(scu_echo_and_store_to_own_server),
    DK_CASE(own_server_storage_limits),
    DK_CASE(dcmtk_tools_to_server_with_callbacks),
    DK_CASE(null_handles_and_bad_options),
    DK_CASE(server_limits_options),
    DK_CASE(connect_to_a_closed_port),
    DK_CASE(failures_on_an_association),
    DK_CASE(server_scratch_files_and_stop_with_open_association),
    DK_CASE(qr_find_get_move_mpps_against_dcmkit_serve),
    DK_CASE(qr_misuse),
    DK_CASE(find_scp_with_on_find_callback),
    DK_CASE(storage_commitment_against_dcmkit_serve),
    DK_CASE(storage_commitment_misuse),
};
DK_TEST_MAIN(dk_tests)
