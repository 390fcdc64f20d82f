/* C ABI: the DICOMweb client (dk_web_client_*) against the archive's DICOMweb server (dk_archive with
 * http_port 0, in this process): STOW-RS of two files, QIDO-RS at each level, WADO-RS retrieve into a
 * folder, metadata, frames, rendered; 404, a closed port and bad arguments as typed errors. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "dk_test.h"
#include "dk_peer.h"

/* Whether this build has the DICOMweb client (DCMKIT_WITH_WEB_CLIENT): without it dk_web_client_open
 * answers DK_EUNSUPPORTED. */
static int web_client_in_build(void) {
    dk_web_client_options opts = DK_WEB_CLIENT_OPTIONS_INIT;
    dk_web_client *c = NULL;
    dk_result r;
    opts.base_url = "http://127.0.0.1:9";
    r = dk_web_client_open(&c, &opts);
    dk_web_client_free(c);
    return r != DK_EUNSUPPORTED;
}

#define WEB_STUDY "1.2.826.0.1.3680043.2.1125.77.1"
#define WEB_SERIES "1.2.826.0.1.3680043.2.1125.77.2"

typedef struct seen {
    int count;
    char uids[4][65];
    char text[4][128];
    char paths[4][1100];
    unsigned char bytes[64];
    size_t nbytes;
    uint32_t number;
} seen;

static void on_stored(const dk_web_stored *s, void *user_data) {
    seen *v = (seen *)user_data;
    if (v->count < 4 && !s->failed) snprintf(v->uids[v->count], 65, "%s", s->sop_instance_uid);
    ++v->count;
}

static void on_dataset(const dk_dataset *ds, void *user_data) {
    seen *v = (seen *)user_data;
    size_t n = 65;
    if (v->count < 4) {
        if (dk_dataset_get_string(v->uids[v->count], &n, ds, DK_TAG(0x0008, 0x0018)) != DK_OK) v->uids[v->count][0] = '\0';
        n = 128;
        if (dk_dataset_get_string(v->text[v->count], &n, ds, DK_TAG(0x0010, 0x0010)) != DK_OK) v->text[v->count][0] = '\0';
    }
    ++v->count;
}

static void on_file(const dk_web_file *f, void *user_data) {
    seen *v = (seen *)user_data;
    if (v->count < 4) {
        snprintf(v->uids[v->count], 65, "%s", f->sop_instance_uid);
        snprintf(v->paths[v->count], sizeof v->paths[0], "%s", f->path);
    }
    ++v->count;
}

static void on_bytes(const uint8_t *data, size_t size, uint32_t number, void *user_data) {
    seen *v = (seen *)user_data;
    v->nbytes = size < sizeof v->bytes ? size : sizeof v->bytes;
    memcpy(v->bytes, data, v->nbytes);
    v->number = number;
    ++v->count;
}

static void on_part(const dk_web_part *p, void *user_data) {
    seen *v = (seen *)user_data;
    if (v->count < 4) {
        snprintf(v->paths[v->count], sizeof v->paths[0], "%s", p->path);
        snprintf(v->text[v->count], sizeof v->text[0], "%s", p->media_type);
    }
    v->number = p->number;
    ++v->count;
}

static size_t file_bytes(const char *path, unsigned char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f) return (size_t)-1;
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* A Secondary Capture file of WEB_STUDY/WEB_SERIES (pixels 1 2 3 4); its SOP Instance UID in uid. */
static int make_web_file(const char *path, char uid[65]) {
    dk_dataset *ds = NULL;
    int ok;
    if (!make_instance(&ds, uid)) return 0;
    ok = dk_dataset_set_string(ds, DK_TAG(0x0020, 0x000E), NULL, WEB_SERIES) == DK_OK &&
         dk_dataset_set_string(ds, DK_TAG(0x0010, 0x0020), NULL, "WEB-1") == DK_OK &&
         dk_dataset_write_file(ds, path, NULL) == DK_OK;
    dk_dataset_free(ds);
    return ok;
}

DK_TEST(stores_searches_and_retrieves) {
    char dir[1024], storage[1100], f1[1100], f2[1100], f3[1100], out[1100], out2[1100], png[1100], path[1200], uri[300];
    char uid1[65], uid2[65], uid3[65], url[128];
    unsigned char buf[64];
    dk_web_store_options sopts;
    const char *files[2];
    const char *keys[] = {"PatientID=WEB-1"};
    const char *include[] = {"PatientName"};
    const uint32_t frame1 = 1;
    dk_archive_options aopts;
    dk_archive *a = NULL;
    dk_web_client_options opts;
    dk_web_client *c = NULL;
    dk_web_query q;
    seen v;
    uint16_t http = 0;
    int32_t status = 0;
    size_t stored = 0, failed = 0, n = 0;
    uint64_t size = 0;
    struct stat st;
    if (!dk_test_archive_in_build()) DK_SKIP("the archive is not in this build");
    if (!web_client_in_build()) DK_SKIP("the DICOMweb client is not in this build");
    fresh_dir(dir, sizeof dir, "web");
    snprintf(storage, sizeof storage, "%s/archive", dir);
    snprintf(f1, sizeof f1, "%s/one.dcm", dir);
    snprintf(f2, sizeof f2, "%s/two.dcm", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(png, sizeof png, "%s/one.png", dir);
    snprintf(f3, sizeof f3, "%s/three.dcm", dir);
    snprintf(out2, sizeof out2, "%s/out2", dir);
    REQUIRE(make_web_file(f1, uid1) && make_web_file(f2, uid2));
    REQUIRE_OK(dk_archive_options_init(&aopts, DK_ARCHIVE_OPTIONS_VERSION));
    aopts.storage = storage;
    aopts.http_port = 0;
    REQUIRE_OK(dk_archive_open(&a, &aopts));
    REQUIRE_OK(dk_archive_start(a, "127.0.0.1", 0));
    REQUIRE_OK(dk_archive_http_port(&http, a));
    snprintf(url, sizeof url, "http://127.0.0.1:%u/dicomweb", (unsigned)http);

    REQUIRE_OK(dk_web_client_options_init(&opts, DK_WEB_CLIENT_OPTIONS_VERSION));
    CHECK_INT(opts.verify_peer, 1);
    CHECK_INT(opts.stall_timeout_s, 60);
    CHECK_ERR(dk_web_client_open(&c, &opts), DK_EINVAL, "base_url");
    opts.base_url = "ftp://x/y";
    CHECK_ERR(dk_web_client_open(&c, &opts), DK_EINVAL, "not an http");
    CHECK(c == NULL);
    opts.base_url = url;
    opts.timeout_ms = 60000;
    REQUIRE_OK(dk_web_client_open(&c, &opts));

    /* STOW-RS */
    files[0] = f1;
    files[1] = f2;
    memset(&v, 0, sizeof v);
    REQUIRE_OK(dk_web_client_store(&status, &stored, &failed, c, files, 2, NULL, on_stored, &v));
    CHECK_INT(status, 200);
    CHECK_INT(stored, 2);
    CHECK_INT(failed, 0);
    CHECK_INT(v.count, 2);
    CHECK(strcmp(v.uids[0], uid1) == 0 || strcmp(v.uids[1], uid1) == 0);
    files[0] = dir; /* a folder is not a Part 10 file */
    CHECK_ERR(dk_web_client_store(&status, NULL, NULL, c, files, 1, NULL, NULL, NULL), DK_ENOTDICOM, "not a DICOM Part 10 file");
    CHECK_ERR(dk_web_client_store(&status, NULL, NULL, c, files, 0, NULL, NULL, NULL), DK_EINVAL, "count is 0");

    /* QIDO-RS: the study, then its instances with PatientName */
    REQUIRE_OK(dk_web_query_init(&q, DK_WEB_QUERY_VERSION));
    CHECK_INT(q.limit, -1);
    q.match = keys;
    q.match_count = 1;
    memset(&v, 0, sizeof v);
    REQUIRE_OK(dk_web_client_search(&n, c, &q, on_dataset, &v));
    CHECK_INT(n, 1);
    q.level = DK_WEB_INSTANCE;
    q.study_uid = WEB_STUDY;
    q.include_fields = include;
    q.include_count = 1;
    memset(&v, 0, sizeof v);
    REQUIRE_OK(dk_web_client_search(&n, c, &q, on_dataset, &v));
    CHECK_INT(n, 2);
    CHECK_INT(v.count, 2);
    CHECK_STR(v.text[0], "Test^Net");
    CHECK(strcmp(v.uids[0], uid1) == 0 || strcmp(v.uids[1], uid1) == 0);
    q.limit = 1;
    REQUIRE_OK(dk_web_client_search(&n, c, &q, NULL, NULL));
    CHECK_INT(n, 1);
    q.level = 7;
    CHECK_ERR(dk_web_client_search(&n, c, &q, NULL, NULL), DK_EINVAL, "not a dk_web_level");
    q.level = DK_WEB_STUDY;
    q.study_uid = NULL;
    keys[0] = "NotAKeyword=1";
    CHECK_ERR(dk_web_client_search(&n, c, &q, NULL, NULL), DK_EINVAL, "NotAKeyword");

    /* WADO-RS: the study into a folder */
    memset(&v, 0, sizeof v);
    REQUIRE_OK(dk_web_client_retrieve(&n, c, WEB_STUDY, NULL, NULL, out, NULL, on_file, &v));
    CHECK_INT(n, 2);
    CHECK_INT(count_files(out), 2);
    CHECK(exists(v.paths[0]) && exists(v.paths[1]));
    {
        dk_dataset *back = NULL;
        char pname[64];
        size_t len = sizeof pname;
        REQUIRE_OK(dk_dataset_read_file(&back, v.paths[0], NULL));
        CHECK_OK(dk_dataset_get_string(pname, &len, back, DK_TAG(0x0010, 0x0010)));
        CHECK_STR(pname, "Test^Net");
        dk_dataset_free(back);
    }
    CHECK_ERR(dk_web_client_retrieve(&n, c, "1.2.3.4.5.6.7.8.9", NULL, NULL, out, NULL, NULL, NULL), DK_ENOTFOUND, "404");
    CHECK_INT(count_files(out), 2);
    CHECK_ERR(dk_web_client_retrieve(&n, c, WEB_STUDY, NULL, uid1, out, NULL, NULL, NULL), DK_EINVAL, "needs its series");

    /* metadata, frames, rendered */
    memset(&v, 0, sizeof v);
    REQUIRE_OK(dk_web_client_metadata(&n, c, WEB_STUDY, WEB_SERIES, uid1, on_dataset, &v));
    CHECK_INT(n, 1);
    CHECK_STR(v.uids[0], uid1);
    memset(&v, 0, sizeof v);
    REQUIRE_OK(dk_web_client_frames(&n, c, WEB_STUDY, WEB_SERIES, uid1, &frame1, 1, NULL, on_bytes, &v));
    CHECK_INT(n, 1);
    CHECK_INT(v.number, 1);
    CHECK_INT(v.nbytes, 4);
    CHECK(memcmp(v.bytes, "\1\2\3\4", 4) == 0);
    if (DK_TEST_WITH_PNG) {
        REQUIRE_OK(dk_web_client_rendered_file(&size, c, WEB_STUDY, WEB_SERIES, uid1, 0, "image/png", NULL, png));
        CHECK(stat(png, &st) == 0 && (uint64_t)st.st_size == size && size > 8);
        memset(&v, 0, sizeof v);
        REQUIRE_OK(dk_web_client_rendered_dir(&n, c, WEB_STUDY, WEB_SERIES, uid1, 0, "image/png", NULL, out2, on_part, &v));
        CHECK_INT(n, 1);
        CHECK(strstr(v.paths[0], "/rendered_1.png") != NULL);
        CHECK_STR(v.text[0], "image/png");
    }

    /* to files: metadata as it streams, frames, a bulk data range */
    snprintf(path, sizeof path, "%s/md.json", out2);
    REQUIRE_OK(dk_web_client_metadata_file(&n, c, WEB_STUDY, NULL, NULL, path));
    CHECK_INT(n, 2);
    CHECK(file_bytes(path, buf, sizeof buf) > 10 && buf[0] == '[');
    memset(&v, 0, sizeof v);
    REQUIRE_OK(dk_web_client_frames_dir(&n, c, WEB_STUDY, WEB_SERIES, uid1, &frame1, 1, NULL, out2, on_part, &v));
    CHECK_INT(n, 1);
    CHECK_INT(v.number, 1);
    CHECK_STR(v.text[0], "application/octet-stream");
    CHECK(strstr(v.paths[0], "/frame_1.raw") != NULL);
    CHECK_INT(file_bytes(v.paths[0], buf, sizeof buf), 4);
    CHECK(memcmp(buf, "\1\2\3\4", 4) == 0);
    CHECK_ERR(dk_web_client_frames_dir(&n, c, WEB_STUDY, WEB_SERIES, uid1, &frame1, 1, "gif87", out2, NULL, NULL), DK_EINVAL,
              "not a frame type");
    snprintf(path, sizeof path, "%s/px.bin", out2);
    snprintf(uri, sizeof uri, "studies/%s/series/%s/instances/%s/bulkdata/7FE00010", WEB_STUDY, WEB_SERIES, uid1);
    REQUIRE_OK(dk_web_client_bulkdata_file(&size, c, uri, 1, 2, path));
    CHECK_INT(size, 2);
    CHECK_INT(file_bytes(path, buf, sizeof buf), 2);
    CHECK(memcmp(buf, "\2\3", 2) == 0);

    /* STOW of DICOM JSON: a third instance, then found by its SOP Instance UID */
    REQUIRE(make_web_file(f3, uid3));
    files[0] = f3;
    REQUIRE_OK(dk_web_store_options_init(&sopts, DK_WEB_STORE_OPTIONS_VERSION));
    sopts.json = 1;
    sopts.bulk_data_threshold = 2;
    memset(&v, 0, sizeof v);
    REQUIRE_OK(dk_web_client_store_with(&status, &stored, &failed, c, files, 1, NULL, &sopts, on_stored, &v));
    CHECK_INT(status, 200);
    CHECK_INT(stored, 1);
    CHECK_STR(v.uids[0], uid3);
    memset(&v, 0, sizeof v);
    REQUIRE_OK(dk_web_client_frames(&n, c, WEB_STUDY, WEB_SERIES, uid3, &frame1, 1, NULL, on_bytes, &v));
    CHECK_INT(v.nbytes, 4);
    CHECK(memcmp(v.bytes, "\1\2\3\4", 4) == 0);
    sopts.version = 99;
    CHECK_ERR(dk_web_client_store_with(&status, NULL, NULL, c, files, 1, NULL, &sopts, NULL, NULL), DK_EINVAL, "version");

    dk_web_client_free(c);
    CHECK_OK(dk_archive_stop(a, 1000));
    dk_archive_free(a);
}

DK_TEST(closed_port_is_a_network_error) {
    char url[128];
    dk_web_client_options opts = DK_WEB_CLIENT_OPTIONS_INIT;
    dk_web_client *c = NULL;
    dk_web_query q = DK_WEB_QUERY_INIT;
    size_t n = 7;
    if (!web_client_in_build()) DK_SKIP("the DICOMweb client is not in this build");
    snprintf(url, sizeof url, "http://127.0.0.1:%u/dicom-web", (unsigned)free_port());
    opts.base_url = url;
    REQUIRE_OK(dk_web_client_open(&c, &opts));
    CHECK_ERR(dk_web_client_search(&n, c, &q, NULL, NULL), DK_ENETWORK, "cannot connect");
    CHECK_INT(n, 0);
    CHECK_ERR(dk_web_client_search(&n, NULL, &q, NULL, NULL), DK_EINVAL, "client is NULL");
    CHECK_ERR(dk_web_client_options_init(&opts, 99), DK_EINVAL, "version");
    CHECK_ERR(dk_web_query_init(&q, 0), DK_EINVAL, "version");
    dk_web_client_free(c);
    dk_web_client_free(NULL);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(stores_searches_and_retrieves),
    DK_CASE(closed_port_is_a_network_error),
};
DK_TEST_MAIN(dk_tests)
