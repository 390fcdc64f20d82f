/* C ABI: de-identification (PS3.15 Annex E) with keyed pseudonyms. */
#include "dk_test.h"

static const uint8_t kKey[32] = "0123456789abcdef0123456789abcde";

static dk_dataset *make_ct(const char *modality) {
    dk_dataset *ds = NULL, *item = NULL;
    if (dk_dataset_new(&ds) != DK_OK) return NULL;
    dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0016), "UI", "1.2.840.10008.5.1.4.1.1.2");
    dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0018), "UI", "1.2.826.0.1.3680043.8.498.11");
    dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0060), "CS", modality);
    dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0080), "LO", "St. Example Hospital");
    dk_dataset_set_string(ds, DK_TAG(0x0008, 0x1030), "LO", "CT chest");
    dk_dataset_set_string(ds, DK_TAG(0x0010, 0x0010), "PN", "Doe^John");
    dk_dataset_set_string(ds, DK_TAG(0x0010, 0x0020), "LO", "MRN-0042");
    dk_dataset_set_string(ds, DK_TAG(0x0010, 0x0030), "DA", "19700202");
    dk_dataset_set_string(ds, DK_TAG(0x0020, 0x000D), "UI", "1.2.826.0.1.3680043.8.498.12");
    dk_dataset_set_string(ds, DK_TAG(0x0029, 0x0010), "LO", "ACME PRIVATE");
    dk_dataset_set_string(ds, DK_TAG(0x0029, 0x1001), "LO", "MRN-0042");
    if (dk_dataset_add_item(&item, ds, DK_TAG(0x0008, 0x1140)) == DK_OK) {
        dk_dataset_set_string(item, DK_TAG(0x0008, 0x1150), "UI", "1.2.840.10008.5.1.4.1.1.2");
        dk_dataset_set_string(item, DK_TAG(0x0008, 0x1155), "UI", "1.2.826.0.1.3680043.8.498.13");
        dk_dataset_free(item);
    }
    return ds;
}

static void get(char *buf, size_t n, const dk_dataset *ds, uint32_t tag) {
    size_t size = n;
    buf[0] = '\0';
    if (dk_dataset_get_string(buf, &size, ds, tag) != DK_OK) buf[0] = '\0';
}

DK_TEST(options_init_and_versions) {
    DK_NEED_MEDIA();
    dk_deid_options o = DK_DEID_OPTIONS_INIT;
    dk_deid_options p;
    CHECK_INT(o.version, DK_DEID_OPTIONS_VERSION);
    CHECK_OK(dk_deid_options_init(&p, DK_DEID_OPTIONS_VERSION));
    CHECK_INT(p.version, 1);
    CHECK(p.key == NULL && p.key_size == 0 && p.retain == 0 && p.clean == 0);
    CHECK_INT(p.burned_in, DK_DEID_BURNED_IN_REFUSE);
    CHECK_ERR(dk_deid_options_init(&p, 0), DK_EINVAL, "version");
    CHECK_ERR(dk_deid_options_init(&p, DK_DEID_OPTIONS_VERSION + 1), DK_EINVAL, "version");
    CHECK_ERR(dk_deid_options_init(NULL, DK_DEID_OPTIONS_VERSION), DK_EINVAL, "opts");
}

DK_TEST(basic_profile_with_keyed_uids) {
    DK_NEED_MEDIA();
    dk_dataset *ds = make_ct("CT"), *item = NULL;
    dk_deid_options o = DK_DEID_OPTIONS_INIT;
    dk_deid_report r;
    char buf[128], want[128];
    size_t n = sizeof want, count = 0;
    REQUIRE(ds != NULL);
    o.key = kKey;
    o.key_size = sizeof kKey;
    memset(&r, 0, sizeof r);
    r.version = DK_DEID_REPORT_VERSION;
    CHECK_OK(dk_dataset_deidentify(&r, ds, &o));
    /* U: the SOP Instance UID and the one a sequence item references map as dk_deid_uid says. */
    CHECK_OK(dk_deid_uid(want, &n, kKey, sizeof kKey, "1.2.826.0.1.3680043.8.498.11"));
    CHECK(strncmp(want, "2.25.", 5) == 0);
    get(buf, sizeof buf, ds, DK_TAG(0x0008, 0x0018));
    CHECK_STR(buf, want);
    CHECK_OK(dk_dataset_get_item(&item, ds, DK_TAG(0x0008, 0x1140), 0));
    n = sizeof want;
    CHECK_OK(dk_deid_uid(want, &n, kKey, sizeof kKey, "1.2.826.0.1.3680043.8.498.13"));
    get(buf, sizeof buf, item, DK_TAG(0x0008, 0x1155));
    CHECK_STR(buf, want);
    get(buf, sizeof buf, item, DK_TAG(0x0008, 0x1150));
    CHECK_STR(buf, "1.2.840.10008.5.1.4.1.1.2"); /* a SOP class is no identifier */
    dk_dataset_free(item);
    /* Patient ID and Name: the pseudonym; Z, X, D of Table E.1-1. */
    get(buf, sizeof buf, ds, DK_TAG(0x0010, 0x0020));
    CHECK_STR(buf, r.patient_pseudonym);
    CHECK(strncmp(r.patient_pseudonym, "DK", 2) == 0);
    get(buf, sizeof buf, ds, DK_TAG(0x0010, 0x0030));
    CHECK_STR(buf, "");                                          /* Patient's Birth Date: Z */
    CHECK_INT(dk_dataset_contains(ds, DK_TAG(0x0008, 0x1030)), 0); /* Study Description: X */
    get(buf, sizeof buf, ds, DK_TAG(0x0008, 0x0080));
    CHECK(buf[0] != '\0' && strcmp(buf, "St. Example Hospital") != 0); /* Institution Name: X/Z/D */
    CHECK_INT(dk_dataset_contains(ds, DK_TAG(0x0029, 0x1001)), 0);
    CHECK_INT(dk_dataset_contains(ds, DK_TAG(0x0029, 0x0010)), 0);
    get(buf, sizeof buf, ds, DK_TAG(0x0012, 0x0062));
    CHECK_STR(buf, "YES");
    CHECK_OK(dk_dataset_item_count(&count, ds, DK_TAG(0x0012, 0x0064)));
    CHECK_INT(count, 1);
    CHECK_OK(dk_dataset_get_item(&item, ds, DK_TAG(0x0012, 0x0064), 0));
    get(buf, sizeof buf, item, DK_TAG(0x0008, 0x0100));
    CHECK_STR(buf, "113100"); /* PS3.16 CID 7050: Basic Application Confidentiality Profile */
    dk_dataset_free(item);
    CHECK(r.uids_remapped >= 3);
    CHECK(r.removed >= 2);
    dk_dataset_free(ds);
}

DK_TEST(options_change_the_actions) {
    DK_NEED_MEDIA();
    dk_dataset *ds = make_ct("CT");
    dk_deid_options o = DK_DEID_OPTIONS_INIT;
    char buf[128];
    REQUIRE(ds != NULL);
    o.key = kKey;
    o.key_size = sizeof kKey;
    o.retain = DK_DEID_RETAIN_UIDS | DK_DEID_RETAIN_INSTITUTION;
    CHECK_OK(dk_dataset_deidentify(NULL, ds, &o));
    get(buf, sizeof buf, ds, DK_TAG(0x0008, 0x0018));
    CHECK_STR(buf, "1.2.826.0.1.3680043.8.498.11");
    get(buf, sizeof buf, ds, DK_TAG(0x0008, 0x0080));
    CHECK_STR(buf, "St. Example Hospital");
    dk_dataset_free(ds);
}

DK_TEST(burned_in_refused_and_bad_options) {
    DK_NEED_MEDIA();
    dk_dataset *ds = make_ct("US");
    dk_deid_options o = DK_DEID_OPTIONS_INIT;
    dk_deid_report r;
    char buf[128];
    size_t n = sizeof buf;
    static const uint8_t short_key[15] = "fifteen bytes!";
    REQUIRE(ds != NULL);
    o.key = kKey;
    o.key_size = sizeof kKey;
    CHECK_ERR(dk_dataset_deidentify(NULL, ds, &o), DK_EUNSUPPORTED, "burned-in");
    get(buf, sizeof buf, ds, DK_TAG(0x0010, 0x0020));
    CHECK_STR(buf, "MRN-0042"); /* unchanged */
    o.burned_in = DK_DEID_BURNED_IN_FLAG;
    memset(&r, 0, sizeof r);
    r.version = DK_DEID_REPORT_VERSION;
    CHECK_OK(dk_dataset_deidentify(&r, ds, &o));
    CHECK_INT(r.burned_in_flagged, 1);
    o.burned_in = 7;
    CHECK_ERR(dk_dataset_deidentify(NULL, ds, &o), DK_EINVAL, "burned_in");
    o.burned_in = DK_DEID_BURNED_IN_IGNORE;
    o.key = short_key;
    o.key_size = sizeof short_key;
    CHECK_ERR(dk_dataset_deidentify(NULL, ds, &o), DK_EINVAL, "at least 16");
    CHECK_ERR(dk_deid_uid(buf, &n, short_key, sizeof short_key, "1.2.3"), DK_EINVAL, "at least 16");
    o.key = kKey;
    o.key_size = sizeof kKey;
    o.retain = DK_DEID_RETAIN_FULL_DATES | DK_DEID_RETAIN_MODIFIED_DATES;
    CHECK_ERR(dk_dataset_deidentify(NULL, ds, &o), DK_EINVAL, "Full Dates or Modified Dates");
    CHECK_ERR(dk_dataset_deidentify(NULL, NULL, &o), DK_EINVAL, "ds");
    n = 3;
    CHECK_RC(dk_deid_uid(buf, &n, kKey, sizeof kKey, "1.2.3"), DK_EBUFS);
    CHECK(n > 6 && n <= 65);
    dk_dataset_free(ds);
}

/* A build without DICOMDIR and de-identification (DCMKIT_WITH_MEDIA=OFF, the firmware preset)
 * keeps their calls, each answering DK_EUNSUPPORTED with a message naming the option. */
DK_TEST(not_in_build_answers_unsupported) {
    dk_deid_options o = DK_DEID_OPTIONS_INIT;
    dk_dataset *ds;
    dk_dicomdir *dir = NULL;
    dk_dicomdir_options d = DK_DICOMDIR_OPTIONS_INIT;
    size_t added = 0, present = 0, n = 0;
    char buf[128];
    if (DK_TEST_WITH_MEDIA) DK_SKIP("DICOMDIR and de-identification are in this build");
    ds = make_ct("CT");
    CHECK(ds != NULL);
    CHECK_ERR(dk_deid_options_init(&o, DK_DEID_OPTIONS_VERSION), DK_EUNSUPPORTED, "DCMKIT_WITH_MEDIA=OFF");
    o.key = kKey;
    o.key_size = sizeof kKey;
    CHECK_ERR(dk_dataset_deidentify(NULL, ds, &o), DK_EUNSUPPORTED, "DCMKIT_WITH_MEDIA=OFF");
    n = sizeof buf;
    CHECK_ERR(dk_deid_uid(buf, &n, kKey, sizeof kKey, "1.2.3"), DK_EUNSUPPORTED, "DCMKIT_WITH_MEDIA=OFF");
    CHECK_ERR(dk_dicomdir_open(&dir, "/nonexistent/DICOMDIR"), DK_EUNSUPPORTED, "DCMKIT_WITH_MEDIA=OFF");
    CHECK(dir == NULL);
    CHECK_ERR(dk_dicomdir_create(&added, &present, DK_TEST_TMPDIR, &d), DK_EUNSUPPORTED, "DCMKIT_WITH_MEDIA=OFF");
    {
        dk_deid_files_options fo = DK_DEID_FILES_OPTIONS_INIT;
        dk_deid_files_report *rep = (dk_deid_files_report *)&fo;
        fo.output = DK_TEST_TMPDIR;
        CHECK_ERR(dk_deidentify_files(&rep, NULL, 0, &o, &fo), DK_EUNSUPPORTED, "DCMKIT_WITH_MEDIA=OFF");
        CHECK(rep == NULL);
    }
    dk_dataset_free(ds);
}

static void write_ct(const char *path, const char *modality, const char *sop_uid) {
    dk_dataset *ds = make_ct(modality);
    REQUIRE(ds != NULL);
    CHECK_OK(dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0018), "UI", sop_uid));
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "1.2.840.10008.1.2.1"));
    CHECK_OK(dk_dataset_write_file(ds, path, NULL));
    dk_dataset_free(ds);
}

typedef struct {
    size_t calls, last_done;
    int in_order;
} files_progress;

static void on_file(void *user, size_t done, size_t total, const char *input, int32_t status) {
    files_progress *p = (files_progress *)user;
    (void)input;
    (void)status;
    ++p->calls;
    if (done != p->last_done + 1 || total != 5) p->in_order = 0;
    p->last_done = done;
}

/* Files into a folder on two threads: one result per input in input order, each CT written as its
 * keyed new SOP Instance UID + ".dcm", the text file skipped, the ultrasound refused, a second copy
 * of the first CT failed as the same instance. */
DK_TEST(files_into_a_folder) {
    DK_NEED_MEDIA();
    char in[5][200], out[200], buf[300], want[100], path[400];
    const char *inputs[5];
    const char *uids[2] = {"1.2.826.0.1.3680043.8.498.101", "1.2.826.0.1.3680043.8.498.102"};
    dk_deid_options o = DK_DEID_OPTIONS_INIT;
    dk_deid_files_options fo;
    dk_deid_files_report *rep = NULL;
    files_progress prog = {0, 0, 1};
    size_t n = 0, i, sz;
    int32_t status = -1, flagged = -1;
    FILE *fp;
    for (i = 0; i < 5; ++i) {
        char name[16];
        snprintf(name, sizeof name, "in%u", (unsigned)i);
        dk_test_path(in[i], sizeof in[i], name);
        inputs[i] = in[i];
    }
    write_ct(in[0], "CT", uids[0]);
    fp = fopen(in[1], "w");
    REQUIRE(fp != NULL);
    fputs("not a DICOM file, but long enough for the reader to look at it\n", fp);
    fclose(fp);
    write_ct(in[2], "US", "1.2.826.0.1.3680043.8.498.103");
    write_ct(in[3], "CT", uids[1]);
    write_ct(in[4], "CT", uids[0]);
    dk_test_path(out, sizeof out, "out");
    o.key = kKey;
    o.key_size = sizeof kKey;
    REQUIRE_OK(dk_deid_files_options_init(&fo, DK_DEID_FILES_OPTIONS_VERSION));
    fo.output = out;
    fo.jobs = 2;
    fo.flags = DK_DEID_FILES_NO_FSYNC | DK_DEID_FILES_COPY_RANGE;
    fo.progress = on_file;
    fo.progress_user = &prog;
    REQUIRE_OK(dk_deidentify_files(&rep, inputs, 5, &o, &fo));
    REQUIRE(rep != NULL);
    CHECK_INT(prog.calls, 5);
    CHECK(prog.in_order);
    CHECK_OK(dk_deid_files_report_count(&n, rep));
    CHECK_INT(n, 5);
    {
        const int32_t expected[5] = {DK_DEID_FILE_WRITTEN, DK_DEID_FILE_SKIPPED, DK_DEID_FILE_REFUSED,
                                     DK_DEID_FILE_WRITTEN, DK_DEID_FILE_FAILED};
        for (i = 0; i < 5; ++i) {
            CHECK_OK(dk_deid_files_report_status(&status, &flagged, rep, i));
            CHECK_INT(status, expected[i]);
            CHECK_INT(flagged, 0);
            sz = sizeof buf;
            CHECK_OK(dk_deid_files_report_string(buf, &sz, rep, i, DK_DEID_FILES_INPUT));
            CHECK(strcmp(buf, in[i]) == 0);
        }
    }
    for (i = 0; i < 2; ++i) {
        dk_dataset *f = NULL;
        const size_t index = i == 0 ? 0 : 3;
        sz = sizeof want;
        CHECK_OK(dk_deid_uid(want, &sz, kKey, sizeof kKey, uids[i]));
        snprintf(path, sizeof path, "%s/%s.dcm", out, want);
        sz = sizeof buf;
        CHECK_OK(dk_deid_files_report_string(buf, &sz, rep, index, DK_DEID_FILES_OUTPUT));
        CHECK_STR(buf, path);
        REQUIRE_OK(dk_dataset_read_file(&f, path, NULL));
        get(buf, sizeof buf, f, DK_TAG(0x0008, 0x0018));
        CHECK_STR(buf, want);
        get(buf, sizeof buf, f, DK_TAG(0x0010, 0x0010));
        CHECK(strcmp(buf, "Doe^John") != 0);
        dk_dataset_free(f);
    }
    sz = sizeof buf;
    CHECK_OK(dk_deid_files_report_string(buf, &sz, rep, 1, DK_DEID_FILES_MESSAGE));
    CHECK_STR(buf, "not DICOM");
    sz = sizeof buf;
    CHECK_OK(dk_deid_files_report_string(buf, &sz, rep, 2, DK_DEID_FILES_MESSAGE));
    CHECK(strstr(buf, "US") != NULL);
    sz = sizeof buf;
    CHECK_OK(dk_deid_files_report_string(buf, &sz, rep, 4, DK_DEID_FILES_MESSAGE));
    CHECK(strstr(buf, "same instance") != NULL && strstr(buf, in[0]) != NULL);
    sz = sizeof buf;
    CHECK_OK(dk_deid_files_report_string(buf, &sz, rep, 2, DK_DEID_FILES_OUTPUT));
    CHECK_STR(buf, "");
    /* Buffers, indexes, selectors. */
    sz = 2;
    CHECK_RC(dk_deid_files_report_string(buf, &sz, rep, 0, DK_DEID_FILES_INPUT), DK_EBUFS);
    CHECK_INT(sz, strlen(in[0]) + 1);
    sz = sizeof buf;
    CHECK_ERR(dk_deid_files_report_string(buf, &sz, rep, 5, DK_DEID_FILES_INPUT), DK_EINVAL, "out of range");
    CHECK_ERR(dk_deid_files_report_string(buf, &sz, rep, 0, 9u), DK_EINVAL, "what");
    CHECK_ERR(dk_deid_files_report_status(&status, &flagged, rep, 5), DK_EINVAL, "out of range");
    CHECK_RC(dk_deid_files_report_count(NULL, rep), DK_EINVAL);
    dk_deid_files_report_free(rep);
    dk_deid_files_report_free(NULL);

    /* Refused before any file is read: a short key, unknown flags, NULLs, versions. */
    rep = (dk_deid_files_report *)&prog; /* not NULL, to see it cleared */
    o.key_size = 8;
    CHECK_ERR(dk_deidentify_files(&rep, inputs, 5, &o, &fo), DK_EINVAL, "key");
    CHECK(rep == NULL);
    o.key_size = sizeof kKey;
    fo.flags = 0x80u;
    CHECK_ERR(dk_deidentify_files(&rep, inputs, 5, &o, &fo), DK_EINVAL, "flags");
    fo.flags = 0;
    fo.output = NULL;
    CHECK_ERR(dk_deidentify_files(&rep, inputs, 5, &o, &fo), DK_EINVAL, "output");
    fo.output = out;
    CHECK_RC(dk_deidentify_files(&rep, NULL, 2, &o, &fo), DK_EINVAL);
    CHECK_RC(dk_deidentify_files(NULL, inputs, 5, &o, &fo), DK_EINVAL);
    fo.version = 99;
    CHECK_RC(dk_deidentify_files(&rep, inputs, 5, &o, &fo), DK_EINVAL);
    CHECK_RC(dk_deid_files_options_init(&fo, 0), DK_EINVAL);
    CHECK_RC(dk_deid_files_options_init(NULL, 1), DK_EINVAL);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(not_in_build_answers_unsupported),
    DK_CASE(options_init_and_versions),
    DK_CASE(basic_profile_with_keyed_uids),
    DK_CASE(options_change_the_actions),
    DK_CASE(burned_in_refused_and_bad_options),
    DK_CASE(files_into_a_folder),
};
DK_TEST_MAIN(dk_tests)
