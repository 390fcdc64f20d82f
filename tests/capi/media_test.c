/* C ABI: export to media — two patients written here through the C ABI, one picked and
 * de-identified on the way; the DICOMDIR walked through dk_dicomdir_*; options, versions, flags and
 * bad input (a folder that is not empty, an unknown patient, a cancelled export). What is checked
 * against is what the instances were given, and the UIDs dk_deid_uid() gives for the key. */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk_test.h"

#define PATIENT_ID DK_TAG(0x0010, 0x0020)
#define SOP_INSTANCE DK_TAG(0x0008, 0x0018)

static const uint8_t key[32] = "media-export-capi-test-key-01234";

static void write_instance_of(const char *path, const char *pid, int number, const char *modality) {
    dk_dataset *ds = NULL;
    char uid[80], kv[120];
    const int64_t n = number;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_key(ds, "SOPClassUID=1.2.840.10008.5.1.4.1.1.2"));
    snprintf(uid, sizeof uid, "1.2.826.0.1.3680043.10.543.7.%s.%d", pid + 1, number);
    CHECK_OK(dk_dataset_set_string(ds, SOP_INSTANCE, NULL, uid));
    snprintf(kv, sizeof kv, "PatientName=PATIENT^%s", pid);
    CHECK_OK(dk_dataset_set_key(ds, kv));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_ID, NULL, pid));
    snprintf(kv, sizeof kv, "StudyInstanceUID=1.2.826.0.1.3680043.10.543.7.%s", pid + 1);
    CHECK_OK(dk_dataset_set_key(ds, kv));
    snprintf(kv, sizeof kv, "SeriesInstanceUID=1.2.826.0.1.3680043.10.543.7.%s.0", pid + 1);
    CHECK_OK(dk_dataset_set_key(ds, kv));
    CHECK_OK(dk_dataset_set_key(ds, "StudyDate=20240101"));
    CHECK_OK(dk_dataset_set_key(ds, "StudyTime=101010"));
    CHECK_OK(dk_dataset_set_key(ds, "StudyID=1"));
    snprintf(kv, sizeof kv, "Modality=%s", modality);
    CHECK_OK(dk_dataset_set_key(ds, kv));
    CHECK_OK(dk_dataset_set_key(ds, "SeriesNumber=1"));
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0020, 0x0013), NULL, &n, 1));
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "1.2.840.10008.1.2.1"));
    CHECK_OK(dk_dataset_write_file(ds, path, NULL));
    dk_dataset_free(ds);
}

static void write_instance(const char *path, const char *pid, int number) {
    write_instance_of(path, pid, number, "CT");
}

/* Removes what an earlier run left in `dir` (a media folder: DICOM/P.../S.../R.../I...). */
static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(p);
        else remove(p);
    }
    closedir(d);
    rmdir(dir);
}

static int empty_or_missing(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d) return 1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) ++n;
    closedir(d);
    return n == 0;
}

static void make_sources(char *src, size_t size) {
    char p[512];
    dk_test_path(src, size, "src");
    remove_tree(src);
    mkdir(src, 0755);
    snprintf(p, sizeof p, "%s/a1.dcm", src);
    write_instance(p, "P1", 1);
    snprintf(p, sizeof p, "%s/a2.dcm", src);
    write_instance(p, "P1", 2);
    snprintf(p, sizeof p, "%s/b1.dcm", src);
    write_instance(p, "P2", 1);
}

static int32_t cancel_at_second(void *user, size_t done, size_t total, const char *path) {
    (void)total;
    (void)path;
    ++*(int *)user;
    return done < 1;
}

DK_TEST(exports_one_patient_deidentified) {
    DK_NEED_ARCHIVE();
    char src[512], out[512], p[600], buf[128], want[128];
    const char *inputs[1];
    const char *patients[] = {"P1"};
    dk_media_export_options opts;
    dk_deid_options deid = DK_DEID_OPTIONS_INIT;
    dk_media_export_result r;
    dk_dicomdir *dir = NULL;
    dk_dataset *keys = NULL, *f = NULL;
    size_t n = 0, patient = 0, sz;
    make_sources(src, sizeof src);
    dk_test_path(out, sizeof out, "out");
    remove_tree(out);
    inputs[0] = src;
    REQUIRE_OK(dk_media_export_options_init(&opts, DK_MEDIA_EXPORT_OPTIONS_VERSION));
    deid.key = key;
    deid.key_size = sizeof key;
    opts.output = out;
    opts.inputs = inputs;
    opts.input_count = 1;
    opts.patient_ids = patients;
    opts.patient_count = 1;
    opts.deidentify = &deid;
    opts.fileset_id = "CAPI_CD";
    opts.flags = DK_MEDIA_NO_FSYNC;
    memset(&r, 0, sizeof r);
    r.version = DK_MEDIA_EXPORT_RESULT_VERSION;
    REQUIRE_OK(dk_export_media(&r, &opts));
    CHECK_INT(r.exported, 2);
    CHECK_INT(r.patients, 1);
    CHECK_INT(r.studies, 1);
    CHECK_INT(r.series, 1);
    CHECK_INT(r.refused, 0);

    snprintf(p, sizeof p, "%s/DICOMDIR", out);
    REQUIRE_OK(dk_dicomdir_open(&dir, p));
    sz = sizeof buf;
    CHECK_OK(dk_dicomdir_fileset_id(buf, &sz, dir));
    CHECK_STR(buf, "CAPI_CD");
    CHECK_OK(dk_dicomdir_child_count(&n, dir, DK_DICOMDIR_ROOT));
    CHECK_INT(n, 1);
    CHECK_OK(dk_dicomdir_child(&patient, dir, DK_DICOMDIR_ROOT, 0));
    REQUIRE_OK(dk_dicomdir_record_dataset(&keys, dir, patient));
    sz = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &sz, keys, PATIENT_ID));
    CHECK(strncmp(buf, "DK", 2) == 0 && strcmp(buf, "P1") != 0);
    dk_dataset_free(keys);
    dk_dicomdir_free(dir);
    /* The first instance, under its conforming File ID, with the UID the key maps it to. */
    snprintf(p, sizeof p, "%s/DICOM/P0000001/S0000001/R0000001/I0000001", out);
    REQUIRE_OK(dk_dataset_read_file(&f, p, NULL));
    sz = sizeof want;
    CHECK_OK(dk_deid_uid(want, &sz, key, sizeof key, "1.2.826.0.1.3680043.10.543.7.1.1"));
    sz = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &sz, f, SOP_INSTANCE));
    CHECK_STR(buf, want);
    dk_dataset_free(f);
}

DK_TEST(options_and_bad_input) {
    DK_NEED_ARCHIVE();
    char src[512], out[512], p[600];
    const char *inputs[1];
    const char *nobody[] = {"NOBODY"};
    dk_media_export_options opts = DK_MEDIA_EXPORT_OPTIONS_INIT;
    dk_media_export_result r = {DK_MEDIA_EXPORT_RESULT_VERSION, 0, 0, 0, 0, 0, 0};
    int calls = 0;
    FILE *fp;
    make_sources(src, sizeof src);
    dk_test_path(out, sizeof out, "out");
    remove_tree(out);
    inputs[0] = src;
    opts.output = out;
    opts.inputs = inputs;
    opts.input_count = 1;
    /* An unknown patient: DK_ENOTFOUND, nothing written. */
    opts.patient_ids = nobody;
    opts.patient_count = 1;
    CHECK_ERR(dk_export_media(&r, &opts), DK_ENOTFOUND, "NOBODY");
    CHECK(empty_or_missing(out));
    opts.patient_count = 0;
    /* Cancelled at the second instance: DK_EIO, what was written removed. */
    opts.progress = cancel_at_second;
    opts.progress_user = &calls;
    CHECK_ERR(dk_export_media(&r, &opts), DK_EIO, "cancelled");
    CHECK_INT(calls, 2);
    CHECK(empty_or_missing(out));
    opts.progress = NULL;
    /* A folder that is not empty. */
    mkdir(out, 0755);
    snprintf(p, sizeof p, "%s/keep.txt", out);
    fp = fopen(p, "w");
    REQUIRE(fp != NULL);
    fclose(fp);
    CHECK_ERR(dk_export_media(&r, &opts), DK_EINVAL, "not empty");
    remove(p);
    /* Bad File-set ID and volume label, versions, flags, NULLs. */
    opts.fileset_id = "lower case";
    CHECK_ERR(dk_export_media(&r, &opts), DK_EINVAL, "File-set ID");
    opts.fileset_id = NULL;
    opts.iso_path = "/nonexistent-dir/x.iso";
    opts.volume_label = "bad label";
    CHECK_ERR(dk_export_media(&r, &opts), DK_EINVAL, "volume label");
    opts.iso_path = opts.volume_label = NULL;
    opts.flags = 0x80u;
    CHECK_RC(dk_export_media(&r, &opts), DK_EINVAL);
    opts.flags = 0;
    opts.version = 99;
    CHECK_RC(dk_export_media(&r, &opts), DK_EINVAL);
    opts.version = DK_MEDIA_EXPORT_OPTIONS_VERSION;
    r.version = 99;
    CHECK_RC(dk_export_media(&r, &opts), DK_EINVAL);
    CHECK_RC(dk_export_media(NULL, NULL), DK_EINVAL);
    opts.input_count = 2;
    opts.inputs = NULL;
    CHECK_RC(dk_export_media(NULL, &opts), DK_EINVAL);
    CHECK_RC(dk_media_export_options_init(NULL, 1), DK_EINVAL);
    CHECK_RC(dk_media_export_options_init(&opts, 0), DK_EINVAL);
    CHECK(empty_or_missing(out));
}

/* The report of an export, file by file: each instance exported with the File ID it was written
 * under (and the file is there), the input that is not DICOM with why it was skipped, the instance
 * the de-identification refused (ultrasound: burned-in text likely) with its reason. */
DK_TEST(report_lists_files_skipped_and_refused) {
    DK_NEED_ARCHIVE();
    char src[256], out[256], p[600], notes[300], us[300], buf[300], detail[300], small[4];
    const char *inputs[1];
    dk_media_export_options opts;
    dk_deid_options deid = DK_DEID_OPTIONS_INIT;
    dk_media_export_result c;
    dk_media_export_report *rep = NULL;
    size_t n = 0, i, sz;
    int seen_a1 = 0, seen_a2 = 0, seen_b1 = 0;
    FILE *fp;
    make_sources(src, sizeof src);
    snprintf(notes, sizeof notes, "%s/notes.txt", src);
    fp = fopen(notes, "w");
    REQUIRE(fp != NULL);
    fputs("not a DICOM file, but long enough to be looked at by the reader of the export\n", fp);
    fclose(fp);
    snprintf(us, sizeof us, "%s/us1.dcm", src);
    write_instance_of(us, "P3", 1, "US");
    dk_test_path(out, sizeof out, "out_report");
    remove_tree(out);
    inputs[0] = src;
    REQUIRE_OK(dk_media_export_options_init(&opts, DK_MEDIA_EXPORT_OPTIONS_VERSION));
    deid.key = key;
    deid.key_size = sizeof key;
    opts.output = out;
    opts.inputs = inputs;
    opts.input_count = 1;
    opts.deidentify = &deid;
    opts.flags = DK_MEDIA_NO_FSYNC;
    REQUIRE_OK(dk_export_media_report(&rep, &opts));
    REQUIRE(rep != NULL);
    memset(&c, 0, sizeof c);
    c.version = DK_MEDIA_EXPORT_RESULT_VERSION;
    CHECK_OK(dk_media_export_report_counts(&c, rep));
    CHECK_INT(c.exported, 3);
    CHECK_INT(c.patients, 2);
    CHECK_INT(c.skipped, 1);
    CHECK_INT(c.refused, 1);

    CHECK_OK(dk_media_export_report_count(&n, rep, DK_MEDIA_LIST_FILES));
    CHECK_INT(n, 3);
    for (i = 0; i < n; ++i) {
        struct stat st;
        sz = sizeof buf;
        CHECK_OK(dk_media_export_report_path(buf, &sz, rep, DK_MEDIA_LIST_FILES, i));
        CHECK_INT(sz, strlen(buf) + 1);
        seen_a1 += strstr(buf, "/a1.dcm") != NULL;
        seen_a2 += strstr(buf, "/a2.dcm") != NULL;
        seen_b1 += strstr(buf, "/b1.dcm") != NULL;
        sz = sizeof detail;
        CHECK_OK(dk_media_export_report_detail(detail, &sz, rep, DK_MEDIA_LIST_FILES, i));
        CHECK(strncmp(detail, "DICOM/P000000", 13) == 0);
        snprintf(p, sizeof p, "%s/%s", out, detail);
        CHECK(stat(p, &st) == 0 && S_ISREG(st.st_mode));
    }
    CHECK(seen_a1 == 1 && seen_a2 == 1 && seen_b1 == 1);

    CHECK_OK(dk_media_export_report_count(&n, rep, DK_MEDIA_LIST_SKIPPED));
    REQUIRE(n == 1);
    sz = sizeof buf;
    CHECK_OK(dk_media_export_report_path(buf, &sz, rep, DK_MEDIA_LIST_SKIPPED, 0));
    CHECK_STR(buf, notes);
    sz = sizeof detail;
    CHECK_OK(dk_media_export_report_detail(detail, &sz, rep, DK_MEDIA_LIST_SKIPPED, 0));
    CHECK(strlen(detail) > 0);

    CHECK_OK(dk_media_export_report_count(&n, rep, DK_MEDIA_LIST_REFUSED));
    REQUIRE(n == 1);
    sz = sizeof buf;
    CHECK_OK(dk_media_export_report_path(buf, &sz, rep, DK_MEDIA_LIST_REFUSED, 0));
    CHECK_STR(buf, us);
    sz = sizeof detail;
    CHECK_OK(dk_media_export_report_detail(detail, &sz, rep, DK_MEDIA_LIST_REFUSED, 0));
    CHECK(strstr(detail, "US") != NULL);

    sz = sizeof buf;
    CHECK_OK(dk_media_export_report_dicomdir(buf, &sz, rep));
    snprintf(p, sizeof p, "%s/DICOMDIR", out);
    CHECK_STR(buf, p);
    sz = sizeof buf;
    CHECK_OK(dk_media_export_report_iso(buf, &sz, rep));
    CHECK_STR(buf, "");
    CHECK_OK(dk_media_export_report_count(&n, rep, DK_MEDIA_LIST_WARNINGS));
    if (n > 0) {
        sz = sizeof detail;
        CHECK_OK(dk_media_export_report_detail(detail, &sz, rep, DK_MEDIA_LIST_WARNINGS, 0));
        CHECK_STR(detail, "");
    }

    /* A small buffer: DK_EBUFS with the size needed; bad lists and indexes; NULLs. */
    sz = sizeof small;
    CHECK_RC(dk_media_export_report_path(small, &sz, rep, DK_MEDIA_LIST_SKIPPED, 0), DK_EBUFS);
    CHECK_INT(sz, strlen(notes) + 1);
    CHECK_ERR(dk_media_export_report_count(&n, rep, 7u), DK_EINVAL, "unknown list");
    sz = sizeof buf;
    CHECK_ERR(dk_media_export_report_path(buf, &sz, rep, DK_MEDIA_LIST_REFUSED, 1), DK_EINVAL, "out of range");
    CHECK_RC(dk_media_export_report_count(NULL, rep, DK_MEDIA_LIST_FILES), DK_EINVAL);
    CHECK_RC(dk_media_export_report_count(&n, NULL, DK_MEDIA_LIST_FILES), DK_EINVAL);
    c.version = 99;
    CHECK_RC(dk_media_export_report_counts(&c, rep), DK_EINVAL);
    dk_media_export_report_free(rep);
    dk_media_export_report_free(NULL);

    /* A failed export makes no report: the folder is not empty now. */
    rep = (dk_media_export_report *)&c; /* not NULL, to see it cleared */
    CHECK_ERR(dk_export_media_report(&rep, &opts), DK_EINVAL, "not empty");
    CHECK(rep == NULL);
    CHECK_RC(dk_export_media_report(NULL, &opts), DK_EINVAL);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(exports_one_patient_deidentified),
    DK_CASE(options_and_bad_input),
    DK_CASE(report_lists_files_skipped_and_refused),
};
DK_TEST_MAIN(dk_tests)
