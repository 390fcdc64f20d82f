/* C ABI: DICOMDIR — create over a folder of instances, navigate the record tree, open the referenced
 * files, add to it; options and their versions; hostile input. The instances are written here
 * through the C ABI; what is checked against them are the values they were given. */
#include <sys/stat.h>

#include "dk_test.h"

#define SOP_CLASS DK_TAG(0x0008, 0x0016)
#define SOP_INSTANCE DK_TAG(0x0008, 0x0018)
#define CHARSET DK_TAG(0x0008, 0x0005)
#define PATIENT_NAME DK_TAG(0x0010, 0x0010)
#define PATIENT_ID DK_TAG(0x0010, 0x0020)
#define STUDY_UID DK_TAG(0x0020, 0x000D)
#define SERIES_UID DK_TAG(0x0020, 0x000E)
#define REF_SOP_INSTANCE DK_TAG(0x0004, 0x1511)

/* Writes a CT instance `number` of patient `pid` (name `name`, charset `charset` or NULL) at `path`. */
static void write_instance(const char *path, const char *pid, const char *name, const char *charset, int number) {
    dk_dataset *ds = NULL;
    char uid[64];
    const int64_t n = number;
    REQUIRE_OK(dk_dataset_new(&ds));
    if (charset) CHECK_OK(dk_dataset_set_string(ds, CHARSET, NULL, charset));
    CHECK_OK(dk_dataset_set_string(ds, SOP_CLASS, NULL, "1.2.840.10008.5.1.4.1.1.2"));
    snprintf(uid, sizeof uid, "1.2.826.0.1.3680043.10.543.9.%s.%d", pid + 1, number);
    CHECK_OK(dk_dataset_set_string(ds, SOP_INSTANCE, NULL, uid));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, name));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_ID, NULL, pid));
    snprintf(uid, sizeof uid, "1.2.826.0.1.3680043.10.543.9.%s", pid + 1);
    CHECK_OK(dk_dataset_set_string(ds, STUDY_UID, NULL, uid));
    snprintf(uid, sizeof uid, "1.2.826.0.1.3680043.10.543.9.%s.0", pid + 1);
    CHECK_OK(dk_dataset_set_string(ds, SERIES_UID, NULL, uid));
    CHECK_OK(dk_dataset_set_key(ds, "StudyDate=20240101"));
    CHECK_OK(dk_dataset_set_key(ds, "StudyTime=101010"));
    CHECK_OK(dk_dataset_set_key(ds, "StudyID=1"));
    CHECK_OK(dk_dataset_set_key(ds, "Modality=CT"));
    CHECK_OK(dk_dataset_set_key(ds, "SeriesNumber=1"));
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0020, 0x0013), NULL, &n, 1));
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "1.2.840.10008.1.2.1"));
    CHECK_OK(dk_dataset_write_file(ds, path, NULL));
    dk_dataset_free(ds);
}

static void make_fileset(char *root, size_t size) {
    char p[512];
    dk_test_path(root, size, "media");
    mkdir(root, 0755);
    snprintf(p, sizeof p, "%s/P1", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/P2", root);
    mkdir(p, 0755);
    /* What an earlier run of the case added (the folder is the case's own, kept between runs). */
    snprintf(p, sizeof p, "%s/P1/IM3", root);
    remove(p);
    snprintf(p, sizeof p, "%s/P1/im-4.dcm", root);
    remove(p);
    snprintf(p, sizeof p, "%s/DICOMDIR", root);
    remove(p);
    snprintf(p, sizeof p, "%s/P1/IM1", root);
    write_instance(p, "P1", "DOE^JOHN", NULL, 1);
    snprintf(p, sizeof p, "%s/P1/IM2", root);
    write_instance(p, "P1", "DOE^JOHN", NULL, 2);
    snprintf(p, sizeof p, "%s/P2/IM1", root);
    write_instance(p, "P2", "M\xc3\xbcller^J\xc3\xbcrgen", "ISO_IR 192", 1);
}

DK_TEST(creates_and_navigates) {
    DK_NEED_MEDIA();
    char root[256], path[300], buf[128], p[300];
    size_t added = 99, present = 99, n = 0, patient = 0, study = 0, series = 0, image = 0, parent = 0, size;
    dk_dicomdir *dir = NULL;
    dk_dataset *keys = NULL, *file = NULL;
    int32_t in_use = 0;
    make_fileset(root, sizeof root);
    REQUIRE_OK(dk_dicomdir_create(&added, &present, root, NULL));
    CHECK_INT(added, 3);
    CHECK_INT(present, 0);
    snprintf(path, sizeof path, "%s/DICOMDIR", root);
    REQUIRE_OK(dk_dicomdir_open(&dir, path));
    CHECK_OK(dk_dicomdir_record_count(&n, dir));
    CHECK_INT(n, 2 * 3 + 3); /* PATIENT, STUDY, SERIES for each patient, and three images */
    CHECK_OK(dk_dicomdir_child_count(&n, dir, DK_DICOMDIR_ROOT));
    CHECK_INT(n, 2);
    REQUIRE_OK(dk_dicomdir_child(&patient, dir, DK_DICOMDIR_ROOT, 1));
    size = sizeof buf;
    CHECK_OK(dk_dicomdir_record_type(buf, &size, dir, patient));
    CHECK_STR(buf, "PATIENT");
    REQUIRE_OK(dk_dicomdir_record_dataset(&keys, dir, patient));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, keys, PATIENT_NAME));
    CHECK_STR(buf, "M\xc3\xbcller^J\xc3\xbcrgen");
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, keys, CHARSET));
    CHECK_STR(buf, "ISO_IR 192");
    dk_dataset_free(keys);
    keys = NULL;
    CHECK_OK(dk_dicomdir_parent(&parent, dir, patient));
    CHECK(parent == DK_DICOMDIR_ROOT);

    REQUIRE_OK(dk_dicomdir_child(&patient, dir, DK_DICOMDIR_ROOT, 0));
    REQUIRE_OK(dk_dicomdir_child(&study, dir, patient, 0));
    REQUIRE_OK(dk_dicomdir_child(&series, dir, study, 0));
    CHECK_OK(dk_dicomdir_child_count(&n, dir, series));
    CHECK_INT(n, 2);
    REQUIRE_OK(dk_dicomdir_child(&image, dir, series, 1));
    CHECK_OK(dk_dicomdir_parent(&parent, dir, image));
    CHECK_INT(parent, series);
    CHECK_OK(dk_dicomdir_record_in_use(&in_use, dir, image));
    CHECK_INT(in_use, 1);
    size = sizeof p;
    REQUIRE_OK(dk_dicomdir_file_path(p, &size, dir, image));
    snprintf(path, sizeof path, "%s/P1/IM2", root);
    CHECK_STR(p, path);
    REQUIRE_OK(dk_dataset_read_file(&file, p, NULL));
    REQUIRE_OK(dk_dicomdir_record_dataset(&keys, dir, image));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, keys, REF_SOP_INSTANCE));
    CHECK_STR(buf, "1.2.826.0.1.3680043.10.543.9.1.2");
    dk_dataset_free(keys);
    dk_dataset_free(file);

    /* A study references no file; record numbers past the end and buffers too small. */
    size = sizeof p;
    CHECK_RC(dk_dicomdir_file_path(p, &size, dir, study), DK_ENOTFOUND);
    CHECK_RC(dk_dicomdir_child(&n, dir, series, 2), DK_EINVAL);
    CHECK_RC(dk_dicomdir_record_type(buf, &size, dir, 1000), DK_EINVAL);
    size = 3;
    CHECK_RC(dk_dicomdir_record_type(buf, &size, dir, patient), DK_EBUFS);
    CHECK_INT(size, 8);
    size = sizeof buf;
    CHECK_OK(dk_dicomdir_fileset_id(buf, &size, dir));
    CHECK_STR(buf, "");
    dk_dicomdir_free(dir);
}

DK_TEST(adds_to_an_existing_dicomdir) {
    DK_NEED_MEDIA();
    char root[256], path[512], im3[512], buf[64];
    const char *files[2];
    size_t added = 0, present = 0, n = 0;
    dk_dicomdir *dir = NULL;
    dk_dicomdir_options opts;
    make_fileset(root, sizeof root);
    CHECK_OK(dk_dicomdir_options_init(&opts, DK_DICOMDIR_OPTIONS_VERSION));
    CHECK_INT(opts.map_nonconforming, 1);
    opts.fileset_id = "DISC_1";
    REQUIRE_OK(dk_dicomdir_create(NULL, NULL, root, &opts));
    snprintf(im3, sizeof im3, "%s/P1/IM3", root);
    write_instance(im3, "P1", "DOE^JOHN", NULL, 3);
    snprintf(path, sizeof path, "%s/DICOMDIR", root);
    files[0] = im3;
    files[1] = path; /* the DICOMDIR itself is no instance: skipped */
    REQUIRE_OK(dk_dicomdir_add(&added, &present, path, files, 2, NULL));
    CHECK_INT(added, 1);
    REQUIRE_OK(dk_dicomdir_add(&added, &present, path, files, 1, NULL));
    CHECK_INT(added, 0);
    CHECK_INT(present, 1);
    REQUIRE_OK(dk_dicomdir_open(&dir, path));
    CHECK_OK(dk_dicomdir_record_count(&n, dir));
    CHECK_INT(n, 10);
    n = sizeof buf;
    CHECK_OK(dk_dicomdir_fileset_id(buf, &n, dir));
    CHECK_STR(buf, "DISC_1");
    dk_dicomdir_free(dir);

    files[0] = "/etc/hostname";
    CHECK_ERR(dk_dicomdir_add(&added, NULL, path, files, 1, NULL), DK_EINVAL, "not under");
}

DK_TEST(options_and_bad_input) {
    DK_NEED_MEDIA();
    char root[256], p[512];
    dk_dicomdir_options opts = DK_DICOMDIR_OPTIONS_INIT;
    dk_dicomdir *dir = NULL;
    static const unsigned char junk[300] = {0};
    make_fileset(root, sizeof root);
    CHECK_RC(dk_dicomdir_options_init(&opts, 0), DK_EINVAL);
    CHECK_RC(dk_dicomdir_options_init(&opts, DK_DICOMDIR_OPTIONS_VERSION + 1), DK_EINVAL);
    CHECK_RC(dk_dicomdir_options_init(NULL, DK_DICOMDIR_OPTIONS_VERSION), DK_EINVAL);
    opts.fileset_id = "lower case";
    CHECK_ERR(dk_dicomdir_create(NULL, NULL, root, &opts), DK_EINVAL, "File-set ID");
    /* A name that is no PS3.10 File ID, refused when mapping is off. */
    snprintf(p, sizeof p, "%s/P1/im-4.dcm", root);
    write_instance(p, "P1", "DOE^JOHN", NULL, 4);
    opts.fileset_id = NULL;
    opts.map_nonconforming = 0;
    CHECK_ERR(dk_dicomdir_create(NULL, NULL, root, &opts), DK_EINVAL, "im-4.dcm");
    opts.version = 99;
    CHECK_RC(dk_dicomdir_create(NULL, NULL, root, &opts), DK_EINVAL);
    CHECK_RC(dk_dicomdir_create(NULL, NULL, NULL, NULL), DK_EINVAL);
    CHECK_RC(dk_dicomdir_create(NULL, NULL, "/nonexistent/media", NULL), DK_ENOTFOUND);

    CHECK_RC(dk_dicomdir_open(&dir, "/nonexistent/DICOMDIR"), DK_ENOTFOUND);
    CHECK(dir == NULL);
    CHECK(dk_dicomdir_open_memory(&dir, junk, sizeof junk) < 0);
    CHECK(dir == NULL);
    snprintf(p, sizeof p, "%s/P1/IM1", root);
    CHECK_ERR(dk_dicomdir_open(&dir, p), DK_EMALFORMED, "not a DICOMDIR");
    CHECK(dir == NULL);
    CHECK_RC(dk_dicomdir_open(NULL, p), DK_EINVAL);
    dk_dicomdir_free(NULL);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(creates_and_navigates),
    DK_CASE(adds_to_an_existing_dicomdir),
    DK_CASE(options_and_bad_input),
};
DK_TEST_MAIN(dk_tests)
