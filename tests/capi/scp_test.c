/* C ABI: a dk_server answering C-MOVE, C-GET and DIMSE-N through its callbacks (on_move, on_get,
 * on_n_request). DCMTK's movescu and getscu retrieve from it (movescu to a storescp the test
 * starts), our own SCU sends N-CREATE, N-SET and N-ACTION and checks the failure paths. The DCMTK
 * cases skip when DCMTK is not installed. Every peer listens on 127.0.0.1 on a free port; DCMTK
 * tools are started with fork/exec and TCP_NODELAY=1, waited for with a bound, killed by PID. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DK_EXPERIMENTAL /* dk_retrieve_plan_add_dataset */
#include "dk_test.h"
#include "dk_peer.h"
#include "dcmkit/experimental.h"

#define STUDY_UID "1.2.826.0.1.3680043.2.1125.77.1"

/* -- helpers (and dk_peer.h) ------------------------------------------------------------------------ */

/* 1 when the folder holds a file whose name contains `needle`. */
static int dir_has(const char *dir, const char *needle) {
    int found = 0;
    struct dirent *e;
    DIR *d = opendir(dir);
    if (!d) return 0;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, needle)) found = 1;
    closedir(d);
    return found;
}

static int have_retrieve_tools(void) {
    char p[1100];
    return find_tool("storescp", p, sizeof p) && find_tool("movescu", p, sizeof p) && find_tool("getscu", p, sizeof p);
}

/* -- C-MOVE and C-GET ------------------------------------------------------------------------------ */

typedef struct retrieve_state {
    pthread_mutex_t mu;
    int moves, gets;
    char files[2][1024];
    uint16_t dest_port;      /* 0: no destination given (the SCP answers A801) */
    int set_dest_on_get;     /* on_get tries dk_retrieve_plan_set_destination: DK_EINVAL */
    dk_result get_dest_rc;
    dk_dataset *memory[2];   /* study "MEMORY": these instances, sent from memory */
    dk_result item_rc;       /* dk_retrieve_plan_add_dataset with an item handle: DK_EINVAL */
    char destination[32], level[16], study[80], sop_class[80], calling[32];
} retrieve_state;

static dk_result on_retrieve(uint16_t *status, const dk_retrieve_info *info, dk_retrieve_plan *plan, void *user_data,
                             int move) {
    retrieve_state *st = (retrieve_state *)user_data;
    char study[80] = "";
    size_t n = sizeof study;
    int i;
    dk_dataset_get_string(study, &n, info->identifier, DK_TAG(0x0020, 0x000D));
    pthread_mutex_lock(&st->mu);
    if (move) ++st->moves; else ++st->gets;
    snprintf(st->destination, sizeof st->destination, "%s", info->move_destination);
    snprintf(st->level, sizeof st->level, "%s", info->level);
    snprintf(st->study, sizeof st->study, "%s", study);
    snprintf(st->sop_class, sizeof st->sop_class, "%s", info->sop_class_uid);
    snprintf(st->calling, sizeof st->calling, "%s", info->assoc->calling_ae);
    pthread_mutex_unlock(&st->mu);
    if (strcmp(study, "FAIL") == 0) return DK_EINTERNAL; /* answered 0xC000 */
    if (strcmp(study, "A701") == 0) {
        *status = 0xA701;
        dk_retrieve_plan_add_file(plan, st->files[0]); /* dropped: a refusal sends nothing */
        return DK_OK;
    }
    if (strcmp(study, "MEMORY") == 0) {
        dk_dataset *item = NULL;
        for (i = 0; i < 2; ++i)
            if (dk_retrieve_plan_add_dataset(plan, st->memory[i]) != DK_OK) return DK_EINTERNAL;
        if (dk_dataset_add_item(&item, st->memory[0], DK_TAG(0x0008, 0x1140)) == DK_OK) {
            st->item_rc = dk_retrieve_plan_add_dataset(plan, item);
            dk_dataset_free(item);
            dk_dataset_remove(st->memory[0], DK_TAG(0x0008, 0x1140));
        }
        /* The plan holds copies: changing the caller's dataset now changes nothing sent. */
        dk_dataset_set_string(st->memory[0], DK_TAG(0x0010, 0x0010), NULL, "Changed^After");
        if (move && dk_retrieve_plan_set_destination(plan, "127.0.0.1", st->dest_port) != DK_OK) return DK_EINTERNAL;
        return DK_OK;
    }
    if (strcmp(study, STUDY_UID) != 0) return DK_OK; /* nothing matches: Success, 0 sub-operations */
    for (i = 0; i < 2; ++i)
        if (dk_retrieve_plan_add_file(plan, st->files[i]) != DK_OK) return DK_EINTERNAL;
    if (move && st->dest_port && dk_retrieve_plan_set_destination(plan, "127.0.0.1", st->dest_port) != DK_OK)
        return DK_EINTERNAL;
    if (!move && st->set_dest_on_get) st->get_dest_rc = dk_retrieve_plan_set_destination(plan, "127.0.0.1", 104);
    return DK_OK;
}

static dk_result on_move_cb(uint16_t *status, const dk_retrieve_info *info, dk_retrieve_plan *plan, void *user_data) {
    return on_retrieve(status, info, plan, user_data, 1);
}

static dk_result on_get_cb(uint16_t *status, const dk_retrieve_info *info, dk_retrieve_plan *plan, void *user_data) {
    return on_retrieve(status, info, plan, user_data, 0);
}

static dk_server *retrieve_server(retrieve_state *st, uint32_t version, uint16_t *port) {
    dk_ae *ae = NULL;
    dk_server *srv = NULL;
    dk_server_callbacks cb;
    if (dk_ae_new(&ae, "RETRSCP", NULL) != DK_OK) return NULL;
    dk_ae_add_verification(ae);
    dk_ae_add_sop_class(ae, DK_UID_StudyRootQueryRetrieveInformationModelMove, NULL, 0, DK_ROLE_SCP);
    dk_ae_add_sop_class(ae, DK_UID_StudyRootQueryRetrieveInformationModelGet, NULL, 0, DK_ROLE_SCP);
    dk_ae_add_sop_class(ae, SC_STORAGE, NULL, 0, DK_ROLE_SCU); /* the C-GET sub-operations */
    dk_server_callbacks_init(&cb, DK_SERVER_CALLBACKS_VERSION);
    cb.on_move = on_move_cb;
    cb.on_get = on_get_cb;
    cb.user_data = st;
    cb.version = version; /* a version 2 caller's struct ends at on_find */
    if (dk_server_new(&srv, ae, &cb) != DK_OK || dk_server_start(srv, "127.0.0.1", 0) != DK_OK ||
        dk_server_port(port, srv) != DK_OK) {
        dk_server_free(srv);
        srv = NULL;
    }
    dk_ae_free(ae);
    return srv;
}

static void init_retrieve_state(retrieve_state *st, const char *dir, char uids[2][65]) {
    int i;
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
    for (i = 0; i < 2; ++i) {
        snprintf(st->files[i], sizeof st->files[i], "%s/in%d.dcm", dir, i);
        if (!make_file(st->files[i], uids[i])) fprintf(stderr, "cannot make %s\n", st->files[i]);
    }
}

static dk_dataset *study_key(const char *study) {
    dk_dataset *q = NULL;
    if (dk_dataset_new(&q) != DK_OK) return NULL;
    dk_dataset_set_string(q, DK_TAG(0x0008, 0x0052), NULL, "STUDY");
    dk_dataset_set_string(q, DK_TAG(0x0020, 0x000D), NULL, study);
    return q;
}

DK_TEST(move_scp_with_on_move_callback) {
    char src[1024], dest[1024], log[1024], portbuf[16], key[128];
    char uids[2][65];
    retrieve_state st;
    dk_server *srv = NULL, *old = NULL;
    dk_ae *scu = NULL;
    dk_assoc *a = NULL;
    dk_dataset *q = NULL;
    dk_retrieve_result res;
    uint16_t port = 0, old_port = 0, dest_port = 0;
    pid_t storescp;
    if (!have_retrieve_tools()) DK_SKIP("DCMTK (storescp, movescu, getscu) not installed");
    fresh_dir(src, sizeof src, "scp_move_src");
    fresh_dir(dest, sizeof dest, "scp_move_dest");
    dk_test_path(log, sizeof log, "scp_move.log");
    init_retrieve_state(&st, src, uids);
    storescp = start_storescp(&dest_port, dest, log);
    REQUIRE(storescp > 0);
    st.dest_port = dest_port;
    srv = retrieve_server(&st, DK_SERVER_CALLBACKS_VERSION, &port);
    REQUIRE(srv != NULL);

    /* DCMTK's movescu moves the study to the storescp: both files arrive there. */
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    snprintf(key, sizeof key, "0020,000D=%s", STUDY_UID);
    {
        char *argv[] = {"movescu", "-S", "-aet", "MOVESCU", "-aec", "RETRSCP", "-aem", "STORESCP", "-k",
                        "0008,0052=STUDY", "-k", key, "127.0.0.1", portbuf, NULL};
        CHECK_INT(run(argv, log), 0);
    }
    CHECK(dir_has(dest, uids[0]));
    CHECK(dir_has(dest, uids[1]));
    CHECK_INT(st.moves, 1);
    CHECK(strcmp(st.destination, "STORESCP") == 0);
    CHECK(strcmp(st.level, "STUDY") == 0);
    CHECK(strcmp(st.study, STUDY_UID) == 0);
    CHECK(strcmp(st.sop_class, DK_UID_StudyRootQueryRetrieveInformationModelMove) == 0);
    CHECK(strcmp(st.calling, "MOVESCU") == 0);

    /* Our SCU sees the counts and the statuses the callback decides. */
    REQUIRE_OK(dk_ae_new(&scu, "DKSCU", NULL));
    CHECK_OK(dk_ae_add_query_retrieve(scu));
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "RETRSCP"));
    q = study_key(STUDY_UID);
    REQUIRE(q != NULL);
    CHECK_OK(dk_retrieve_result_init(&res, DK_RETRIEVE_RESULT_VERSION));
    CHECK_OK(dk_assoc_move(&res, a, NULL, "STORESCP", q, NULL, NULL));
    CHECK_INT(res.status, 0);
    CHECK_INT(res.completed, 2);
    CHECK_INT(res.failed, 0);
    /* One file gone: that sub-operation fails, the final status is B000. */
    CHECK(unlink(st.files[1]) == 0);
    CHECK_OK(dk_assoc_move(&res, a, NULL, "STORESCP", q, NULL, NULL));
    CHECK_INT(res.status, 0xB000);
    CHECK_INT(res.completed, 1);
    CHECK_INT(res.failed, 1);
    /* No destination from the callback: A801 Move Destination unknown. */
    st.dest_port = 0;
    CHECK_OK(dk_assoc_move(&res, a, NULL, "ELSEWHERE", q, NULL, NULL));
    CHECK_INT(res.status, 0xA801);
    CHECK(strcmp(st.destination, "ELSEWHERE") == 0);
    /* The callback's refusal, and a failing callback. */
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0020, 0x000D), NULL, "A701"));
    CHECK_OK(dk_assoc_move(&res, a, NULL, "STORESCP", q, NULL, NULL));
    CHECK_INT(res.status, 0xA701);
    CHECK_INT(res.completed, 0);
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0020, 0x000D), NULL, "FAIL"));
    CHECK_OK(dk_assoc_move(&res, a, NULL, "STORESCP", q, NULL, NULL));
    CHECK_INT(res.status, 0xC000);
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);
    a = NULL;
    CHECK_INT(st.moves, 6);

    /* A version 2 callbacks struct: on_move is not read, C-MOVE is answered 0x0122. */
    old = retrieve_server(&st, 2, &old_port);
    REQUIRE(old != NULL);
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", old_port, "RETRSCP"));
    CHECK_OK(dk_assoc_move(&res, a, NULL, "STORESCP", q, NULL, NULL));
    CHECK_INT(res.status, 0x0122);
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);
    CHECK_INT(st.moves, 6);

    CHECK_RC(dk_retrieve_plan_add_file(NULL, "x"), DK_EINVAL);
    CHECK_RC(dk_retrieve_plan_set_destination(NULL, "127.0.0.1", 104), DK_EINVAL);
    dk_server_free(old);
    dk_server_free(srv);
    dk_ae_free(scu);
    dk_dataset_free(q);
    stop_process(storescp);
    pthread_mutex_destroy(&st.mu);
}

/* Text of a file (at most size - 1 bytes), "" when unreadable. */
static void read_text(const char *path, char *buf, size_t size) {
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (f) {
        n = fread(buf, 1, size - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
}

/* dcmdump of the one file in `dir` whose name holds `uid`, into `out`. */
static int dump_received(const char *dir, const char *uid, const char *log, char *out, size_t size) {
    char path[1200] = "";
    struct dirent *e;
    DIR *d = opendir(dir);
    if (!d) return 0;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, uid)) snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    closedir(d);
    if (!*path) return 0;
    {
        char *argv[] = {"dcmdump", "+L", path, NULL};
        if (run(argv, log) != 0) return 0;
    }
    read_text(log, out, size);
    return 1;
}

DK_TEST(retrieve_scp_sends_datasets_from_memory) {
    char src[1024], got[1024], moved[1024], log[1024], dump_log[1024], portbuf[16], dump[16384];
    char uids[2][65], mem_uids[2][65];
    retrieve_state st;
    dk_server *srv = NULL;
    uint16_t port = 0, dest_port = 0;
    pid_t storescp;
    int i;
    if (!have_retrieve_tools()) DK_SKIP("DCMTK (storescp, movescu, getscu) not installed");
    fresh_dir(src, sizeof src, "scp_mem_src");
    fresh_dir(got, sizeof got, "scp_mem_get");
    fresh_dir(moved, sizeof moved, "scp_mem_move");
    dk_test_path(log, sizeof log, "scp_mem.log");
    dk_test_path(dump_log, sizeof dump_log, "scp_mem_dump.log");
    init_retrieve_state(&st, src, uids);
    /* Two instances that exist only in memory: one native, one RLE compressed (the peers propose
     * only uncompressed syntaxes, so the SCP decodes it on the way). */
    for (i = 0; i < 2; ++i) {
        REQUIRE(make_instance(&st.memory[i], mem_uids[i]));
        CHECK_OK(dk_dataset_set_string(st.memory[i], DK_TAG(0x0010, 0x0010), NULL, i ? "Memory^Two" : "Memory^One"));
    }
    CHECK_OK(dk_dataset_transcode(st.memory[1], "1.2.840.10008.1.2.5", NULL));
    st.item_rc = DK_OK;
    storescp = start_storescp(&dest_port, moved, log);
    REQUIRE(storescp > 0);
    st.dest_port = dest_port;
    srv = retrieve_server(&st, DK_SERVER_CALLBACKS_VERSION, &port);
    REQUIRE(srv != NULL);
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);

    /* DCMTK's getscu receives both on its association; dcmdump reads what was sent. */
    {
        char *argv[] = {"getscu", "-S", "-aet", "GETSCU", "-aec", "RETRSCP", "-od", got, "-k", "0008,0052=STUDY",
                        "-k", "0020,000D=MEMORY", "127.0.0.1", portbuf, NULL};
        CHECK_INT(run(argv, log), 0);
    }
    CHECK_RC(st.item_rc, DK_EINVAL);
    REQUIRE(dump_received(got, mem_uids[0], dump_log, dump, sizeof dump));
    CHECK(strstr(dump, "[Memory^One]") != NULL);
    CHECK(strstr(dump, "01\\02\\03\\04") != NULL); /* the native pixel data, as built */
    REQUIRE(dump_received(got, mem_uids[1], dump_log, dump, sizeof dump));
    CHECK(strstr(dump, "[Memory^Two]") != NULL);
    CHECK(strstr(dump, "01\\02\\03\\04") != NULL); /* RLE decoded back to the same pixels */
    CHECK(strstr(dump, "LittleEndian") != NULL || strstr(dump, "Little Endian") != NULL);

    /* DCMTK's movescu: the same two arrive at its storescp. The first one's name was changed after it
     * was added to the first plan: each retrieval copies the dataset as it is when added. */
    {
        char *argv[] = {"movescu", "-S", "-aet", "MOVESCU", "-aec", "RETRSCP", "-aem", "STORESCP", "-k",
                        "0008,0052=STUDY", "-k", "0020,000D=MEMORY", "127.0.0.1", portbuf, NULL};
        CHECK_INT(run(argv, log), 0);
    }
    REQUIRE(dump_received(moved, mem_uids[0], dump_log, dump, sizeof dump));
    CHECK(strstr(dump, "[Changed^After]") != NULL);
    REQUIRE(dump_received(moved, mem_uids[1], dump_log, dump, sizeof dump));
    CHECK(strstr(dump, "[Memory^Two]") != NULL);
    CHECK_INT(st.gets, 1);
    CHECK_INT(st.moves, 1);

    /* Bad arguments. */
    CHECK_RC(dk_retrieve_plan_add_dataset(NULL, st.memory[0]), DK_EINVAL);

    dk_server_free(srv);
    stop_process(storescp);
    for (i = 0; i < 2; ++i) dk_dataset_free(st.memory[i]);
    pthread_mutex_destroy(&st.mu);
}

DK_TEST(get_scp_with_on_get_callback) {
    char src[1024], dest[1024], mine[1024], log[1024], portbuf[16], key[128], path[1200];
    char uids[2][65];
    retrieve_state st;
    dk_server *srv = NULL;
    dk_ae *scu = NULL;
    dk_assoc *a = NULL;
    dk_dataset *q = NULL;
    dk_retrieve_result res;
    uint16_t port = 0;
    if (!have_retrieve_tools()) DK_SKIP("DCMTK (storescp, movescu, getscu) not installed");
    fresh_dir(src, sizeof src, "scp_get_src");
    fresh_dir(dest, sizeof dest, "scp_get_dest");
    fresh_dir(mine, sizeof mine, "scp_get_mine");
    dk_test_path(log, sizeof log, "scp_get.log");
    init_retrieve_state(&st, src, uids);
    st.set_dest_on_get = 1;
    srv = retrieve_server(&st, DK_SERVER_CALLBACKS_VERSION, &port);
    REQUIRE(srv != NULL);

    /* DCMTK's getscu: the instances come back on its association (SC.<uid> files). */
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    snprintf(key, sizeof key, "0020,000D=%s", STUDY_UID);
    {
        char *argv[] = {"getscu", "-S", "-aet", "GETSCU", "-aec", "RETRSCP", "-od", dest, "-k", "0008,0052=STUDY",
                        "-k", key, "127.0.0.1", portbuf, NULL};
        CHECK_INT(run(argv, log), 0);
    }
    CHECK(dir_has(dest, uids[0]));
    CHECK(dir_has(dest, uids[1]));
    CHECK_INT(st.gets, 1);
    CHECK(strcmp(st.destination, "") == 0);
    CHECK(strcmp(st.sop_class, DK_UID_StudyRootQueryRetrieveInformationModelGet) == 0);
    CHECK(strcmp(st.calling, "GETSCU") == 0);
    CHECK_RC(st.get_dest_rc, DK_EINVAL); /* a C-GET has no destination */

    /* Our SCU: the same, into a folder; then a failing callback. */
    REQUIRE_OK(dk_ae_new(&scu, "DKSCU", NULL));
    CHECK_OK(dk_ae_add_query_retrieve(scu));
    CHECK_OK(dk_ae_add_get_storage(scu));
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "RETRSCP"));
    q = study_key(STUDY_UID);
    REQUIRE(q != NULL);
    CHECK_OK(dk_retrieve_result_init(&res, DK_RETRIEVE_RESULT_VERSION));
    CHECK_OK(dk_assoc_get(&res, a, NULL, q, mine, NULL, NULL));
    CHECK_INT(res.status, 0);
    CHECK_INT(res.completed, 2);
    CHECK_INT((int)res.stored, 2);
    snprintf(path, sizeof path, "%s/%s.dcm", mine, uids[1]);
    CHECK(exists(path));
    CHECK_OK(dk_dataset_set_string(q, DK_TAG(0x0020, 0x000D), NULL, "FAIL"));
    CHECK_OK(dk_assoc_get(&res, a, NULL, q, mine, NULL, NULL));
    CHECK_INT(res.status, 0xC000);
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);
    CHECK_INT(st.gets, 3);
    dk_server_free(srv);
    dk_ae_free(scu);
    dk_dataset_free(q);
    pthread_mutex_destroy(&st.mu);
}

/* -- DIMSE-N --------------------------------------------------------------------------------------- */

#define ASSIGNED_UID "1.2.826.0.1.3680043.2.1125.78.1"

typedef struct n_state {
    pthread_mutex_t mu;
    int calls;
    uint16_t message, type_id;
    char sop_class[80], instance[80], patient[64];
    int had_dataset;
    size_t attribute_count;
    uint32_t first_attribute;
} n_state;

static dk_result on_n_cb(uint16_t *status, const dk_n_info *info, dk_n_reply *reply, void *user_data) {
    n_state *st = (n_state *)user_data;
    char name[64] = "";
    size_t n = sizeof name;
    dk_dataset *out = NULL;
    dk_result r = DK_OK;
    if (info->dataset) dk_dataset_get_string(name, &n, info->dataset, DK_TAG(0x0010, 0x0010));
    pthread_mutex_lock(&st->mu);
    ++st->calls;
    st->message = info->message;
    st->type_id = info->type_id;
    st->had_dataset = info->dataset != NULL;
    st->attribute_count = info->attribute_count;
    st->first_attribute = info->attribute_count ? info->attributes[0] : 0;
    snprintf(st->sop_class, sizeof st->sop_class, "%s", info->sop_class_uid);
    snprintf(st->instance, sizeof st->instance, "%s", info->sop_instance_uid);
    snprintf(st->patient, sizeof st->patient, "%s", name);
    pthread_mutex_unlock(&st->mu);
    if (strcmp(name, "FAIL^CALLBACK") == 0) return DK_EINTERNAL; /* answered 0x0110 */
    if (strcmp(name, "NO^SUCH") == 0) {
        *status = 0x0112; /* No such SOP Instance */
        return DK_OK;
    }
    if (info->message == DK_N_CREATE && info->sop_instance_uid[0] == '\0')
        r = dk_n_reply_set_instance_uid(reply, ASSIGNED_UID);
    if (r == DK_OK && (info->message == DK_N_CREATE || info->message == DK_N_ACTION)) {
        if (dk_dataset_new(&out) != DK_OK) return DK_ENOMEM;
        dk_dataset_set_string(out, DK_TAG(0x0040, 0x0252), NULL,
                              info->message == DK_N_CREATE ? "IN PROGRESS" : "ACTED");
        r = dk_n_reply_set_dataset(reply, out);
        dk_dataset_free(out); /* copied */
    }
    return r;
}

DK_TEST(n_requests_with_on_n_request_callback) {
    dk_ae *ae = NULL, *scu = NULL;
    dk_server *srv = NULL, *old = NULL;
    dk_server_callbacks cb;
    dk_assoc *a = NULL;
    dk_dataset *attrs = NULL;
    dk_n_result res;
    n_state st;
    uint16_t port = 0;
    char value[64];
    size_t n;
    memset(&st, 0, sizeof st);
    pthread_mutex_init(&st.mu, NULL);
    REQUIRE_OK(dk_ae_new(&ae, "NSCP", NULL));
    CHECK_OK(dk_ae_add_verification(ae));
    CHECK_OK(dk_ae_add_sop_class(ae, DK_UID_ModalityPerformedProcedureStep, NULL, 0, DK_ROLE_SCP));
    CHECK_OK(dk_server_callbacks_init(&cb, DK_SERVER_CALLBACKS_VERSION));
    CHECK(cb.on_n_request == NULL && cb.on_move == NULL && cb.on_get == NULL);
    cb.on_n_request = on_n_cb;
    cb.user_data = &st;
    REQUIRE_OK(dk_server_new(&srv, ae, &cb));
    cb.version = 2; /* a version 2 caller: on_n_request is not read */
    REQUIRE_OK(dk_server_new(&old, ae, &cb));
    dk_ae_free(ae);
    REQUIRE_OK(dk_server_start(srv, "127.0.0.1", 0));
    CHECK_OK(dk_server_port(&port, srv));

    REQUIRE_OK(dk_ae_new(&scu, "DKSCU", NULL));
    CHECK_OK(dk_ae_add_sop_class(scu, DK_UID_ModalityPerformedProcedureStep, NULL, 0, DK_ROLE_SCU));
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "NSCP"));
    REQUIRE_OK(dk_dataset_new(&attrs));
    CHECK_OK(dk_dataset_set_string(attrs, DK_TAG(0x0010, 0x0010), NULL, "DOE^JANE"));

    /* N-CREATE without an instance UID: the callback assigns one and answers with a dataset. */
    CHECK_OK(dk_n_result_init(&res, DK_N_RESULT_VERSION));
    CHECK_OK(dk_assoc_n_create(&res, a, DK_UID_ModalityPerformedProcedureStep, NULL, attrs));
    CHECK_INT(res.status, 0);
    CHECK(strcmp(res.sop_instance_uid, ASSIGNED_UID) == 0);
    REQUIRE(res.dataset != NULL);
    n = sizeof value;
    CHECK_OK(dk_dataset_get_string(value, &n, res.dataset, DK_TAG(0x0040, 0x0252)));
    CHECK(strcmp(value, "IN PROGRESS") == 0);
    dk_dataset_free(res.dataset);
    CHECK_INT(st.message, DK_N_CREATE);
    CHECK(strcmp(st.sop_class, DK_UID_ModalityPerformedProcedureStep) == 0);
    CHECK(strcmp(st.instance, "") == 0);
    CHECK(strcmp(st.patient, "DOE^JANE") == 0);

    /* N-SET of that instance: Success, the instance UID echoed back. */
    CHECK_OK(dk_dataset_set_string(attrs, DK_TAG(0x0010, 0x0010), NULL, "DOE^JOHN"));
    CHECK_OK(dk_n_result_init(&res, DK_N_RESULT_VERSION));
    CHECK_OK(dk_assoc_n_set(&res, a, DK_UID_ModalityPerformedProcedureStep, ASSIGNED_UID, attrs));
    CHECK_INT(res.status, 0);
    CHECK(strcmp(res.sop_instance_uid, ASSIGNED_UID) == 0);
    CHECK(res.dataset == NULL);
    CHECK_INT(st.message, DK_N_SET);
    CHECK(strcmp(st.instance, ASSIGNED_UID) == 0);
    CHECK(strcmp(st.patient, "DOE^JOHN") == 0);

    /* N-ACTION: the Action Type ID reaches the callback; no information dataset. */
    CHECK_OK(dk_n_result_init(&res, DK_N_RESULT_VERSION));
    CHECK_OK(dk_assoc_n_action(&res, a, DK_UID_ModalityPerformedProcedureStep, ASSIGNED_UID, 7, NULL));
    CHECK_INT(res.status, 0);
    CHECK_INT(st.message, DK_N_ACTION);
    CHECK_INT(st.type_id, 7);
    CHECK(!st.had_dataset);
    CHECK_INT(res.action_type, 7);
    if (res.dataset) dk_dataset_free(res.dataset);

    /* The callback's status, and a failing callback (0x0110 Processing Failure). */
    CHECK_OK(dk_dataset_set_string(attrs, DK_TAG(0x0010, 0x0010), NULL, "NO^SUCH"));
    CHECK_OK(dk_n_result_init(&res, DK_N_RESULT_VERSION));
    CHECK_OK(dk_assoc_n_set(&res, a, DK_UID_ModalityPerformedProcedureStep, ASSIGNED_UID, attrs));
    CHECK_INT(res.status, 0x0112);
    CHECK_OK(dk_dataset_set_string(attrs, DK_TAG(0x0010, 0x0010), NULL, "FAIL^CALLBACK"));
    CHECK_OK(dk_n_result_init(&res, DK_N_RESULT_VERSION));
    CHECK_OK(dk_assoc_n_set(&res, a, DK_UID_ModalityPerformedProcedureStep, ASSIGNED_UID, attrs));
    CHECK_INT(res.status, 0x0110);
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);
    a = NULL;
    CHECK_INT(st.calls, 5);

    /* The version 2 server answers 0x0118 No such SOP class without calling back. */
    REQUIRE_OK(dk_server_start(old, "127.0.0.1", 0));
    CHECK_OK(dk_server_port(&port, old));
    REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "NSCP"));
    CHECK_OK(dk_n_result_init(&res, DK_N_RESULT_VERSION));
    CHECK_OK(dk_assoc_n_create(&res, a, DK_UID_ModalityPerformedProcedureStep, NULL, attrs));
    CHECK_INT(res.status, 0x0118);
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);
    CHECK_INT(st.calls, 5);

    CHECK_RC(dk_n_reply_set_dataset(NULL, attrs), DK_EINVAL);
    CHECK_RC(dk_n_reply_set_instance_uid(NULL, ASSIGNED_UID), DK_EINVAL);
    dk_server_free(old);
    dk_server_free(srv);
    dk_ae_free(scu);
    dk_dataset_free(attrs);
    pthread_mutex_destroy(&st.mu);
}

/* -- user identity in on_associate ------------------------------------------------------------------ */

typedef struct identity_state {
    pthread_mutex_t mu;
    int calls;
    uint32_t type;
    char user[64], passcode[64];
    size_t size;
} identity_state;

/* Accepts alice's username+passcode only; records what it saw. */
static dk_result on_associate_identity(const dk_assoc_info *info, void *user_data) {
    identity_state *st = (identity_state *)user_data;
    int ok;
    pthread_mutex_lock(&st->mu);
    ++st->calls;
    st->type = info->identity_type;
    st->size = info->identity_size;
    snprintf(st->user, sizeof st->user, "%s", info->identity);
    snprintf(st->passcode, sizeof st->passcode, "%s", info->passcode);
    pthread_mutex_unlock(&st->mu);
    ok = info->identity_type == 2 && strcmp(info->identity, "alice") == 0 && strcmp(info->passcode, "s3cret") == 0;
    return ok ? DK_OK : DK_EREFUSED;
}

DK_TEST(on_associate_sees_the_user_identity_of_storescu) {
    char dir[1024], log[1024], path[1200], portbuf[16], uid[65];
    identity_state st;
    dk_ae *ae = NULL;
    dk_server *srv = NULL;
    dk_server_callbacks cb;
    uint16_t port = 0;
    char tool[1100];
    if (!find_tool("storescu", tool, sizeof tool)) DK_SKIP("DCMTK (storescu) not installed");
    memset(&st, 0, sizeof st);
    pthread_mutex_init(&st.mu, NULL);
    fresh_dir(dir, sizeof dir, "scp_identity");
    dk_test_path(log, sizeof log, "scp_identity.log");
    snprintf(path, sizeof path, "%s/in.dcm", dir);
    REQUIRE(make_file(path, uid));
    REQUIRE_OK(dk_ae_new(&ae, "IDSCP", NULL));
    CHECK_OK(dk_ae_add_all_storage(ae));
    CHECK_OK(dk_server_callbacks_init(&cb, DK_SERVER_CALLBACKS_VERSION));
    cb.on_associate = on_associate_identity;
    cb.user_data = &st;
    REQUIRE_OK(dk_server_new(&srv, ae, &cb));
    REQUIRE_OK(dk_server_set_storage_folder(srv, dir, 0));
    REQUIRE_OK(dk_server_start(srv, "127.0.0.1", 0));
    REQUIRE_OK(dk_server_port(&port, srv));
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    {
        char *argv[] = {"storescu", "-aet", "IDSCU", "-aec", "IDSCP", "--user", "alice", "--password", "s3cret",
                        "127.0.0.1", portbuf, path, NULL};
        CHECK_INT(run(argv, log), 0);
    }
    CHECK_INT((int)st.type, 2);
    CHECK(strcmp(st.user, "alice") == 0);
    CHECK_INT((int)st.size, 5);
    CHECK(strcmp(st.passcode, "s3cret") == 0);
    {
        char *argv[] = {"storescu", "-aet", "IDSCU", "-aec", "IDSCP", "--user", "alice", "--password", "guess",
                        "127.0.0.1", portbuf, path, NULL};
        CHECK(run(argv, log) != 0); /* rejected */
    }
    {
        char *argv[] = {"storescu", "-aet", "IDSCU", "-aec", "IDSCP", "127.0.0.1", portbuf, path, NULL};
        CHECK(run(argv, log) != 0); /* no identity: this callback rejects it too */
    }
    CHECK_INT((int)st.type, 0);
    CHECK(strcmp(st.user, "") == 0);
    CHECK_INT(st.calls, 3);

    /* Our SCU sends an identity too (dk_ae_set_user_identity): accepted with alice's passcode. */
    {
        dk_ae *scu = NULL;
        dk_assoc *a = NULL;
        const void *rsp = NULL;
        size_t rsp_size = 1;
        uint16_t status = 0xFFFF;
        REQUIRE_OK(dk_ae_new(&scu, "IDSCU", NULL));
        CHECK_OK(dk_ae_add_storage_for_files(scu, (const char *const[]){path}, 1));
        CHECK_RC(dk_ae_set_user_identity(scu, 2, "alice", 5, NULL, 0), DK_EINVAL);      /* no passcode */
        CHECK_RC(dk_ae_set_user_identity(scu, 1, "alice", 5, "x", 0), DK_EINVAL);       /* passcode for type 1 */
        CHECK_RC(dk_ae_set_user_identity(scu, 6, "alice", 5, NULL, 0), DK_EINVAL);      /* unknown type */
        CHECK_RC(dk_ae_set_user_identity(scu, 1, "alice", 0, NULL, 0), DK_EINVAL);      /* empty */
        CHECK_RC(dk_ae_set_user_identity(scu, 1, "alice", 5, NULL, 0x10), DK_EINVAL);   /* unknown flag */
        CHECK_OK(dk_ae_set_user_identity(scu, DK_IDENTITY_USERNAME_PASSCODE, "alice", 5, "s3cret",
                                         DK_IDENTITY_POSITIVE_RESPONSE));
        REQUIRE_OK(dk_assoc_connect(&a, scu, "127.0.0.1", port, "IDSCP"));
        CHECK_OK(dk_assoc_store_file(&status, a, path));
        CHECK_INT(status, 0);
        CHECK_OK(dk_assoc_user_identity_response(&rsp, &rsp_size, a));
        CHECK(rsp == NULL && rsp_size == 0); /* this server checks in on_associate and sends no response */
        CHECK_RC(dk_assoc_user_identity_response(NULL, &rsp_size, a), DK_EINVAL);
        CHECK_OK(dk_assoc_release(a));
        dk_assoc_free(a);
        a = NULL;
        CHECK_INT((int)st.type, 2);
        CHECK(strcmp(st.user, "alice") == 0 && strcmp(st.passcode, "s3cret") == 0);
        CHECK_OK(dk_ae_set_user_identity(scu, DK_IDENTITY_USERNAME_PASSCODE, "alice", 5, "guess", 0));
        CHECK_RC(dk_assoc_connect(&a, scu, "127.0.0.1", port, "IDSCP"), DK_EREJECTED);
        CHECK(a == NULL);
        CHECK_OK(dk_ae_set_user_identity(scu, 0, NULL, 0, NULL, 0)); /* cleared */
        CHECK_RC(dk_assoc_connect(&a, scu, "127.0.0.1", port, "IDSCP"), DK_EREJECTED);
        CHECK_INT((int)st.type, 0);
        dk_ae_free(scu);
    }
    dk_server_free(srv);
    dk_ae_free(ae);
    pthread_mutex_destroy(&st.mu);
}


static const dk_test_case dk_tests[] = {
    DK_CASE(move_scp_with_on_move_callback),
    DK_CASE(get_scp_with_on_get_callback),
    DK_CASE(retrieve_scp_sends_datasets_from_memory),
    DK_CASE(n_requests_with_on_n_request_callback),
    DK_CASE(on_associate_sees_the_user_identity_of_storescu),
};
DK_TEST_MAIN(dk_tests)
