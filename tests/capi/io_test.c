/* C ABI: reading and writing — round trips in each uncompressed transfer syntax, files and memory,
 * options and their versions, truncated and garbage input, I/O errors. */
#include "dk_test.h"

#define CHARSET DK_TAG(0x0008, 0x0005)
#define SOP_CLASS DK_TAG(0x0008, 0x0016)
#define SOP_INSTANCE DK_TAG(0x0008, 0x0018)
#define MODALITY DK_TAG(0x0008, 0x0060)
#define REF_SERIES DK_TAG(0x0008, 0x1115)
#define REF_IMAGE DK_TAG(0x0008, 0x1140)
#define REF_SOP_INSTANCE DK_TAG(0x0008, 0x1155)
#define PATIENT_NAME DK_TAG(0x0010, 0x0010)
#define SLICE_THICKNESS DK_TAG(0x0018, 0x0050)
#define STUDY_UID DK_TAG(0x0020, 0x000D)
#define SERIES_UID DK_TAG(0x0020, 0x000E)
#define INSTANCE_NUMBER DK_TAG(0x0020, 0x0013)
#define IMAGE_POSITION DK_TAG(0x0020, 0x0032)
#define ROWS DK_TAG(0x0028, 0x0010)
#define COLUMNS DK_TAG(0x0028, 0x0011)
#define BITS_ALLOCATED DK_TAG(0x0028, 0x0100)
#define PIXEL_DATA DK_TAG(0x7FE0, 0x0010)
#define PRIVATE_CREATOR DK_TAG(0x0009, 0x0010)
#define PRIVATE_FD DK_TAG(0x0009, 0x1001)
#define PRIVATE_SL DK_TAG(0x0009, 0x1002)
#define PRIVATE_AT DK_TAG(0x0009, 0x1003)

static const char *const kSyntaxes[][2] = {
    {"implicit", "1.2.840.10008.1.2"},
    {"explicit", "1.2.840.10008.1.2.1"},
    {"big", "1.2.840.10008.1.2.2"},
    {"deflate", "1.2.840.10008.1.2.1.99"},
};
#define SYNTAX_COUNT (sizeof kSyntaxes / sizeof kSyntaxes[0])

/* A small CT-like dataset touching each kind of value: text in UTF-8, UIDs, binary integers of two
 * and four bytes, a double, AT, a nested sequence and native pixel data. */
static dk_result make_dataset(dk_dataset **out) {
    dk_dataset *ds = NULL, *series = NULL, *image = NULL;
    const int64_t rows = 2, cols = 2, bits = 16, number = 7;
    const int64_t sl[] = {-100000, 100000};
    const double pos[] = {-125.0, -125.5, 42.25}, fd = 3.14159265358979;
    const unsigned char pixels[8] = {0x00, 0x00, 0x00, 0x04, 0x00, 0x08, 0xFF, 0x0F};
    const unsigned char at[4] = {0x10, 0x00, 0x10, 0x00}; /* (0010,0010), little endian */
    dk_result r;
    *out = NULL;
    if ((r = dk_dataset_new(&ds)) < 0) return r;
    if ((r = dk_dataset_set_string(ds, CHARSET, NULL, "ISO_IR 192")) < 0 ||
        (r = dk_dataset_set_string(ds, SOP_CLASS, NULL, "1.2.840.10008.5.1.4.1.1.2")) < 0 ||
        (r = dk_dataset_set_string(ds, SOP_INSTANCE, NULL, "1.2.826.0.1.3680043.2.1125.7.1")) < 0 ||
        (r = dk_dataset_set_string(ds, MODALITY, NULL, "CT")) < 0 ||
        (r = dk_dataset_set_string(ds, PATIENT_NAME, NULL, "M\xC3\xBCller^J\xC3\xBCrgen")) < 0 ||
        (r = dk_dataset_set_string(ds, STUDY_UID, NULL, "1.2.826.0.1.3680043.2.1125.7.2")) < 0 ||
        (r = dk_dataset_set_ints(ds, INSTANCE_NUMBER, NULL, &number, 1)) < 0 ||
        (r = dk_dataset_set_doubles(ds, IMAGE_POSITION, NULL, pos, 3)) < 0 ||
        (r = dk_dataset_set_ints(ds, ROWS, NULL, &rows, 1)) < 0 ||
        (r = dk_dataset_set_ints(ds, COLUMNS, NULL, &cols, 1)) < 0 ||
        (r = dk_dataset_set_ints(ds, BITS_ALLOCATED, NULL, &bits, 1)) < 0 ||
        (r = dk_dataset_set_string(ds, PRIVATE_CREATOR, "LO", "DCMKIT TEST")) < 0 ||
        (r = dk_dataset_set_doubles(ds, PRIVATE_FD, "FD", &fd, 1)) < 0 ||
        (r = dk_dataset_set_ints(ds, PRIVATE_SL, "SL", sl, 2)) < 0 ||
        (r = dk_dataset_set_bytes(ds, PRIVATE_AT, "AT", at, 4)) < 0 ||
        (r = dk_dataset_set_bytes(ds, PIXEL_DATA, "OW", pixels, sizeof pixels)) < 0 ||
        (r = dk_dataset_add_item(&series, ds, REF_SERIES)) < 0 ||
        (r = dk_dataset_set_string(series, SERIES_UID, NULL, "1.2.826.0.1.3680043.2.1125.7.3")) < 0 ||
        (r = dk_dataset_add_item(&image, series, REF_IMAGE)) < 0 ||
        (r = dk_dataset_set_string(image, REF_SOP_INSTANCE, NULL, "1.2.826.0.1.3680043.2.1125.7.4")) < 0) {
        dk_dataset_free(image);
        dk_dataset_free(series);
        dk_dataset_free(ds);
        return r;
    }
    dk_dataset_free(image);
    dk_dataset_free(series);
    *out = ds;
    return DK_OK;
}

/* Checks every value make_dataset() set. Implicit VR files do not record the VR of private
 * elements: they read back as UN, with the same bytes. */
static void check_dataset_in(const dk_dataset *ds, int implicit_vr) {
    char buf[128];
    size_t size, n;
    int64_t v;
    double d;
    unsigned char bytes[16];
    dk_dataset *series = NULL, *image = NULL;
    const unsigned char pixels[8] = {0x00, 0x00, 0x00, 0x04, 0x00, 0x08, 0xFF, 0x0F};

    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, PATIENT_NAME));
    CHECK_STR(buf, "M\xC3\xBCller^J\xC3\xBCrgen");
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, STUDY_UID));
    CHECK_STR(buf, "1.2.826.0.1.3680043.2.1125.7.2");
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, MODALITY));
    CHECK_STR(buf, "CT");
    CHECK_OK(dk_dataset_get_int(&v, ds, INSTANCE_NUMBER, 0));
    CHECK_INT(v, 7);
    CHECK_OK(dk_dataset_get_double(&d, ds, IMAGE_POSITION, 1));
    CHECK(d == -125.5);
    CHECK_OK(dk_dataset_get_int(&v, ds, ROWS, 0));
    CHECK_INT(v, 2);
    CHECK_OK(dk_dataset_get_int(&v, ds, COLUMNS, 0));
    CHECK_INT(v, 2);
    CHECK_OK(dk_dataset_get_int(&v, ds, BITS_ALLOCATED, 0));
    CHECK_INT(v, 16);
    if (implicit_vr) {
        char vr[3];
        const double fd = 3.14159265358979;
        const int32_t sl[] = {-100000, 100000};
        CHECK_OK(dk_dataset_vr(vr, ds, PRIVATE_FD));
        CHECK_STR(vr, "UN");
        size = sizeof bytes;
        CHECK_OK(dk_dataset_get_bytes(bytes, &size, ds, PRIVATE_FD));
        CHECK(size == 8 && memcmp(bytes, &fd, 8) == 0); /* hosts are little endian */
        size = sizeof bytes;
        CHECK_OK(dk_dataset_get_bytes(bytes, &size, ds, PRIVATE_SL));
        CHECK(size == 8 && memcmp(bytes, sl, 8) == 0);
        CHECK_ERR(dk_dataset_get_int(&v, ds, PRIVATE_SL, 0), DK_EBADVALUE, "has VR UN");
    } else {
        CHECK_OK(dk_dataset_get_double(&d, ds, PRIVATE_FD, 0));
        CHECK(d == 3.14159265358979);
        CHECK_OK(dk_dataset_value_count(&n, ds, PRIVATE_SL));
        CHECK_INT(n, 2);
        CHECK_OK(dk_dataset_get_int(&v, ds, PRIVATE_SL, 0));
        CHECK_INT(v, -100000);
        CHECK_OK(dk_dataset_get_int(&v, ds, PRIVATE_SL, 1));
        CHECK_INT(v, 100000);
    }
    size = sizeof bytes;
    CHECK_OK(dk_dataset_get_bytes(bytes, &size, ds, PRIVATE_AT));
    CHECK_INT(size, 4);
    CHECK(memcmp(bytes, "\x10\x00\x10\x00", 4) == 0);
    size = sizeof bytes;
    CHECK_OK(dk_dataset_get_bytes(bytes, &size, ds, PIXEL_DATA));
    CHECK_INT(size, 8);
    CHECK(memcmp(bytes, pixels, 8) == 0);

    CHECK_OK(dk_dataset_item_count(&n, ds, REF_SERIES));
    CHECK_INT(n, 1);
    if (dk_dataset_get_item(&series, (dk_dataset *)ds, REF_SERIES, 0) == DK_OK) {
        size = sizeof buf;
        CHECK_OK(dk_dataset_get_string(buf, &size, series, SERIES_UID));
        CHECK_STR(buf, "1.2.826.0.1.3680043.2.1125.7.3");
        if (dk_dataset_get_item(&image, series, REF_IMAGE, 0) == DK_OK) {
            size = sizeof buf;
            CHECK_OK(dk_dataset_get_string(buf, &size, image, REF_SOP_INSTANCE));
            CHECK_STR(buf, "1.2.826.0.1.3680043.2.1125.7.4");
        } else {
            CHECK(!"no nested item");
        }
    } else {
        CHECK(!"no item");
    }
    dk_dataset_free(image);
    dk_dataset_free(series);
}

static void check_dataset(const dk_dataset *ds) { check_dataset_in(ds, 0); }

static void check_syntax(const dk_dataset *ds, const char *uid) {
    char ts[65];
    size_t size = sizeof ts;
    CHECK_OK(dk_dataset_transfer_syntax(ts, &size, ds));
    CHECK_STR(ts, uid);
}

DK_TEST(file_round_trip_in_each_uncompressed_syntax) {
    dk_dataset *ds = NULL;
    size_t i;
    int map;
    REQUIRE_OK(make_dataset(&ds));
    check_dataset(ds);
    for (i = 0; i < SYNTAX_COUNT; ++i) {
        char path[512];
        dk_write_options w = DK_WRITE_OPTIONS_INIT;
        if (!DK_TEST_WITH_ZLIB && strcmp(kSyntaxes[i][0], "deflate") == 0) {
            /* Built without zlib: refused, nothing written. */
            w.transfer_syntax = kSyntaxes[i][0];
            dk_test_path(path, sizeof path, kSyntaxes[i][0]);
            CHECK_ERR(dk_dataset_write_file(ds, path, &w), DK_EUNSUPPORTED, "DCMKIT_WITH_ZLIB=OFF");
            continue;
        }
        w.transfer_syntax = kSyntaxes[i][0];
        dk_test_path(path, sizeof path, kSyntaxes[i][0]);
        CHECK_OK(dk_dataset_write_file(ds, path, &w));
        for (map = 0; map <= 1; ++map) {
            dk_read_options r = DK_READ_OPTIONS_INIT;
            dk_dataset *back = NULL;
            r.map_file = map;
            CHECK_OK(dk_dataset_read_file(&back, path, &r));
            if (back == NULL) continue;
            check_syntax(back, kSyntaxes[i][1]);
            check_dataset_in(back, i == 0);
            dk_dataset_free(back);
        }
    }
    /* The UID works as well as the alias, and the dataset's own syntax is the default. */
    {
        char path[512];
        dk_dataset *back = NULL;
        dk_test_path(path, sizeof path, "default.dcm");
        CHECK_OK(dk_dataset_set_transfer_syntax(ds, "1.2.840.10008.1.2"));
        CHECK_OK(dk_dataset_write_file(ds, path, NULL));
        CHECK_OK(dk_dataset_read_file(&back, path, NULL));
        if (back) check_syntax(back, "1.2.840.10008.1.2");
        dk_dataset_free(back);
    }
    dk_dataset_free(ds);
}

DK_TEST(memory_round_trip_in_each_uncompressed_syntax) {
    dk_dataset *ds = NULL;
    size_t i;
    REQUIRE_OK(make_dataset(&ds));
    for (i = 0; i < SYNTAX_COUNT; ++i) {
        dk_write_options w = DK_WRITE_OPTIONS_INIT;
        void *mem = NULL;
        size_t size = 0;
        dk_dataset *back = NULL;
        w.transfer_syntax = kSyntaxes[i][1];
        if (!DK_TEST_WITH_ZLIB && strcmp(kSyntaxes[i][0], "deflate") == 0) {
            CHECK_ERR(dk_dataset_write_memory(&mem, &size, ds, &w), DK_EUNSUPPORTED, "DCMKIT_WITH_ZLIB=OFF");
            CHECK(mem == NULL);
            continue;
        }
        CHECK_OK(dk_dataset_write_memory(&mem, &size, ds, &w));
        if (mem == NULL) continue;
        CHECK(size > 132);
        CHECK(memcmp((char *)mem + 128, "DICM", 4) == 0);
        CHECK_OK(dk_dataset_read_memory(&back, mem, size, NULL));
        dk_free(mem); /* the bytes were copied */
        if (back == NULL) continue;
        check_syntax(back, kSyntaxes[i][1]);
        check_dataset_in(back, i == 0);
        /* An unchanged dataset writes back the same bytes. */
        {
            void *again = NULL, *first = NULL;
            size_t again_size = 0, first_size = 0;
            CHECK_OK(dk_dataset_write_memory(&first, &first_size, ds, &w));
            CHECK_OK(dk_dataset_write_memory(&again, &again_size, back, NULL));
            CHECK_INT(again_size, first_size);
            CHECK(first && again && again_size == first_size && memcmp(first, again, first_size) == 0);
            dk_free(first);
            dk_free(again);
        }
        dk_dataset_free(back);
    }
    dk_dataset_free(ds);
}

DK_TEST(bare_datasets) {
    dk_dataset *ds = NULL;
    int i;
    static const char *const syntaxes[][2] = {{"implicit", "1.2.840.10008.1.2"}, {"explicit", "1.2.840.10008.1.2.1"}};
    REQUIRE_OK(make_dataset(&ds));
    for (i = 0; i < 2; ++i) {
        dk_write_options w = DK_WRITE_OPTIONS_INIT;
        void *mem = NULL;
        size_t size = 0;
        dk_dataset *back = NULL;
        w.transfer_syntax = syntaxes[i][0];
        w.part10 = 0;
        CHECK_OK(dk_dataset_write_memory(&mem, &size, ds, &w));
        if (!mem) continue;
        CHECK(size < 128 || memcmp((char *)mem + 128, "DICM", 4) != 0);
        /* Read back with the transfer syntax inferred from the first element. */
        CHECK_OK(dk_dataset_read_memory(&back, mem, size, NULL));
        dk_free(mem);
        if (!back) continue;
        check_syntax(back, syntaxes[i][1]);
        check_dataset_in(back, i == 0);
        dk_dataset_free(back);
    }
    dk_dataset_free(ds);
}

DK_TEST(stop_before_pixels) {
    dk_dataset *ds = NULL, *back = NULL;
    char path[512];
    dk_read_options r = DK_READ_OPTIONS_INIT;
    REQUIRE_OK(make_dataset(&ds));
    dk_test_path(path, sizeof path, "pixels.dcm");
    REQUIRE_OK(dk_dataset_write_file(ds, path, NULL));
    r.stop_before_pixels = 1;
    REQUIRE_OK(dk_dataset_read_file(&back, path, &r));
    CHECK(dk_dataset_contains(back, PIXEL_DATA) == 0);
    CHECK(dk_dataset_contains(back, ROWS) == 1);
    dk_dataset_free(back);
    dk_dataset_free(ds);
}

DK_TEST(options_init_and_versions) {
    dk_read_options r;
    dk_write_options w;
    const dk_read_options r_init = DK_READ_OPTIONS_INIT;
    const dk_write_options w_init = DK_WRITE_OPTIONS_INIT;
    memset(&r, 0x5A, sizeof r);
    CHECK_OK(dk_read_options_init(&r, DK_READ_OPTIONS_VERSION));
    CHECK_INT(r.version, DK_READ_OPTIONS_VERSION);
    CHECK_INT(r.stop_before_pixels, r_init.stop_before_pixels);
    CHECK_INT(r.map_file, r_init.map_file);
    CHECK_INT(r.max_depth, r_init.max_depth);
    memset(&w, 0x5A, sizeof w);
    CHECK_OK(dk_write_options_init(&w, DK_WRITE_OPTIONS_VERSION));
    CHECK_INT(w.version, DK_WRITE_OPTIONS_VERSION);
    CHECK(w.transfer_syntax == NULL);
    CHECK_INT(w.part10, w_init.part10);
    CHECK_INT(w.atomic, w_init.atomic);
    CHECK_INT(w.fsync, w_init.fsync);
    CHECK_INT(w.deflate_level, w_init.deflate_level);

    CHECK_ERR(dk_read_options_init(&r, 0), DK_EINVAL, "unsupported options version 0");
    CHECK_ERR(dk_read_options_init(&r, DK_READ_OPTIONS_VERSION + 1), DK_EINVAL, "unsupported options version");
    CHECK_ERR(dk_read_options_init(NULL, DK_READ_OPTIONS_VERSION), DK_EINVAL, "opts is NULL");
    CHECK_ERR(dk_write_options_init(&w, 0), DK_EINVAL, "unsupported options version 0");
    CHECK_ERR(dk_write_options_init(&w, 1000), DK_EINVAL, "unsupported options version 1000");
    CHECK_ERR(dk_write_options_init(NULL, DK_WRITE_OPTIONS_VERSION), DK_EINVAL, "opts is NULL");
}

DK_TEST(bad_option_versions_are_refused) {
    dk_dataset *ds = NULL, *back = NULL;
    dk_read_options r = DK_READ_OPTIONS_INIT;
    dk_write_options w = DK_WRITE_OPTIONS_INIT;
    char path[512];
    void *mem = NULL;
    size_t size = 0;
    REQUIRE_OK(make_dataset(&ds));
    dk_test_path(path, sizeof path, "versions.dcm");
    REQUIRE_OK(dk_dataset_write_file(ds, path, NULL));

    r.version = 0;
    CHECK_ERR(dk_dataset_read_file(&back, path, &r), DK_EINVAL, "unsupported options version");
    CHECK(back == NULL);
    r.version = DK_READ_OPTIONS_VERSION + 1;
    CHECK_ERR(dk_dataset_read_file(&back, path, &r), DK_EINVAL, "unsupported options version");
    CHECK_ERR(dk_dataset_read_memory(&back, "x", 1, &r), DK_EINVAL, "unsupported options version");

    w.version = 0;
    CHECK_ERR(dk_dataset_write_file(ds, path, &w), DK_EINVAL, "unsupported options version");
    w.version = DK_WRITE_OPTIONS_VERSION + 1;
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, ds, &w), DK_EINVAL, "unsupported options version");
    CHECK(mem == NULL);
    CHECK_INT(size, 0);

    /* Bad values in a good struct. */
    w.version = DK_WRITE_OPTIONS_VERSION;
    w.deflate_level = 10;
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, ds, &w), DK_EINVAL, "deflate_level 10");
    w.deflate_level = -1;
    w.transfer_syntax = "no such syntax";
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, ds, &w), DK_EINVAL, "unknown transfer syntax 'no such syntax'");
    /* Native pixel data cannot be written in a compressed syntax without a codec. */
    w.transfer_syntax = "1.2.840.10008.1.2.4.50";
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, ds, &w), DK_EUNSUPPORTED, "codec");
    CHECK(mem == NULL);
    /* The deflate level is used (with zlib). */
    w.transfer_syntax = "deflate";
    w.deflate_level = 9;
    if (DK_TEST_WITH_ZLIB) {
        CHECK_OK(dk_dataset_write_memory(&mem, &size, ds, &w));
        dk_free(mem);
    }
    dk_dataset_free(ds);
}

DK_TEST(non_atomic_and_unsynced_writes) {
    dk_dataset *ds = NULL, *back = NULL;
    dk_write_options w = DK_WRITE_OPTIONS_INIT;
    char path[512];
    REQUIRE_OK(make_dataset(&ds));
    dk_test_path(path, sizeof path, "plain.dcm");
    w.atomic = 0;
    w.fsync = 0;
    CHECK_OK(dk_dataset_write_file(ds, path, &w));
    CHECK_OK(dk_dataset_read_file(&back, path, NULL));
    if (back) check_dataset(back);
    dk_dataset_free(back);
    dk_dataset_free(ds);
}

DK_TEST(overwriting_the_mapped_source) {
    dk_dataset *ds = NULL, *back = NULL;
    dk_write_options w = DK_WRITE_OPTIONS_INIT;
    dk_read_options r = DK_READ_OPTIONS_INIT;
    char path[512];
    REQUIRE_OK(make_dataset(&ds));
    dk_test_path(path, sizeof path, "source.dcm");
    REQUIRE_OK(dk_dataset_write_file(ds, path, NULL));
    dk_dataset_free(ds);

    REQUIRE_OK(dk_dataset_read_file(&back, path, NULL)); /* mapped by default */
    /* Truncating the mapped file in place would pull the values from under the writer. */
    w.atomic = 0;
    CHECK_ERR(dk_dataset_write_file(back, path, &w), DK_EINVAL, "atomic");
    /* Through a temporary file and a rename, the old mapping stays valid. */
    w.atomic = 1;
    CHECK_OK(dk_dataset_write_file(back, path, &w));
    check_dataset(back);
    dk_dataset_free(back);

    /* Read into memory, it may be overwritten in place. */
    r.map_file = 0;
    REQUIRE_OK(dk_dataset_read_file(&back, path, &r));
    w.atomic = 0;
    CHECK_OK(dk_dataset_write_file(back, path, &w));
    check_dataset(back);
    dk_dataset_free(back);
    REQUIRE_OK(dk_dataset_read_file(&back, path, NULL));
    check_dataset(back);
    dk_dataset_free(back);
}

DK_TEST(io_errors) {
    dk_dataset *ds = NULL, *back = NULL;
    char path[512];
    CHECK_ERR(dk_dataset_read_file(&back, DK_TEST_TMPDIR "/no/such/file.dcm", NULL), DK_ENOTFOUND, "no such file");
    CHECK(back == NULL);
    CHECK_ERR(dk_dataset_read_file(&back, DK_TEST_TMPDIR, NULL), DK_EIO, "folder");
    CHECK_ERR(dk_dataset_read_file(&back, NULL, NULL), DK_EINVAL, "path is NULL");
    CHECK_ERR(dk_dataset_read_file(NULL, DK_TEST_TMPDIR, NULL), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_read_memory(&back, NULL, 10, NULL), DK_EINVAL, "data is NULL");
    CHECK_ERR(dk_dataset_read_memory(NULL, "x", 1, NULL), DK_EINVAL, "out is NULL");

    REQUIRE_OK(make_dataset(&ds));
    CHECK_ERR(dk_dataset_write_file(ds, DK_TEST_TMPDIR "/no/such/folder/x.dcm", NULL), DK_EIO, "cannot create");
    {
        dk_write_options w = DK_WRITE_OPTIONS_INIT;
        w.atomic = 0;
        CHECK_ERR(dk_dataset_write_file(ds, DK_TEST_TMPDIR "/no/such/folder/x.dcm", &w), DK_EIO, "cannot create");
    }
    /* A full disk. */
    {
        dk_write_options w = DK_WRITE_OPTIONS_INIT;
        FILE *probe = fopen("/dev/full", "wb");
        if (probe != NULL) {
            fclose(probe);
            w.atomic = 0;
            CHECK_ERR(dk_dataset_write_file(ds, "/dev/full", &w), DK_EIO, "/dev/full");
        }
    }
    dk_test_path(path, sizeof path, "ok.dcm");
    CHECK_OK(dk_dataset_write_file(ds, path, NULL));
    dk_dataset_free(ds);
}

static int is_input_error(dk_result r) {
    return r == DK_ETRUNCATED || r == DK_ENOTDICOM || r == DK_EBADLENGTH || r == DK_EMALFORMED ||
           r == DK_EBADVR || r == DK_ETOODEEP || r == DK_EUNSUPPORTED || r == DK_EBADVALUE;
}

DK_TEST(truncated_input) {
    dk_dataset *ds = NULL, *back = NULL;
    void *mem = NULL;
    size_t size = 0, cut;
    int truncated = 0;
    char path[512];
    FILE *f;
    REQUIRE_OK(make_dataset(&ds));
    REQUIRE_OK(dk_dataset_write_memory(&mem, &size, ds, NULL));
    dk_dataset_free(ds);
    /* Every prefix: a clear error or (cut at an element boundary) a shorter dataset; no crash. */
    for (cut = 0; cut < size; ++cut) {
        dk_result r = dk_dataset_read_memory(&back, mem, cut, NULL);
        if (r == DK_OK) {
            CHECK(back != NULL);
            dk_dataset_free(back);
            back = NULL;
            continue;
        }
        CHECK(back == NULL);
        if (!is_input_error(r)) {
            fprintf(stderr, "cut at %lu: %s\n", (unsigned long)cut, dk_last_error());
            CHECK(is_input_error(r));
        }
        CHECK(dk_last_error()[0] != '\0');
        if (r == DK_ETRUNCATED) {
            ++truncated;
            CHECK(dk_last_error_offset() >= 0);
            CHECK(dk_last_error_offset() <= (int64_t)cut);
        }
    }
    CHECK(truncated > 0);
    /* A file cut in the middle of its pixel data: the value's length runs past the end. */
    dk_test_path(path, sizeof path, "cut.dcm");
    f = fopen(path, "wb");
    REQUIRE(f != NULL);
    CHECK(fwrite(mem, 1, size - 3, f) == size - 3);
    fclose(f);
    CHECK_ERR(dk_dataset_read_file(&back, path, NULL), DK_EBADLENGTH, "runs past the end");
    CHECK(dk_last_error_offset() > 132);
    CHECK(back == NULL);
    /* A file cut in the middle of an element header. */
    f = fopen(path, "wb");
    REQUIRE(f != NULL);
    CHECK(fwrite(mem, 1, size - 8 - 5, f) == size - 8 - 5); /* 7 bytes into the 12 of (7FE0,0010)'s header */
    fclose(f);
    CHECK_ERR(dk_dataset_read_file(&back, path, NULL), DK_ETRUNCATED, "truncated");
    CHECK(dk_last_error_offset() > 132);
    CHECK(back == NULL);
    dk_free(mem);
}

DK_TEST(garbage_input) {
    unsigned char junk[4096] = {0};
    uint32_t x = 12345;
    size_t i, round;
    dk_dataset *back = NULL;
    dk_result r;
    /* Nothing at all. */
    CHECK_ERR(dk_dataset_read_memory(&back, junk, 0, NULL), DK_ENOTDICOM, "");
    CHECK(back == NULL);
    /* Text. */
    CHECK_ERR(dk_dataset_read_memory(&back, "hello, world, this is not DICOM at all", 38, NULL), DK_ENOTDICOM,
              "not DICOM");
    /* Pseudo-random bytes, bare and behind a valid preamble and DICM. */
    for (round = 0; round < 64; ++round) {
        for (i = 0; i < sizeof junk; ++i) {
            x = x * 1103515245u + 12345u;
            junk[i] = (unsigned char)(x >> 16);
        }
        if (round & 1) {
            memset(junk, 0, 128);
            memcpy(junk + 128, "DICM", 4);
        }
        r = dk_dataset_read_memory(&back, junk, sizeof junk, NULL);
        if (r == DK_OK) {
            dk_dataset_free(back);
            back = NULL;
            continue;
        }
        CHECK(back == NULL);
        CHECK(is_input_error(r));
        CHECK(dk_last_error()[0] != '\0');
    }
    /* A meta group whose length points far past the end. */
    memset(junk, 0, sizeof junk);
    memcpy(junk + 128, "DICM", 4);
    memcpy(junk + 132, "\x02\x00\x00\x00UL\x04\x00\xff\xff\xff\x7f", 12);
    r = dk_dataset_read_memory(&back, junk, 200, NULL);
    CHECK(r < 0);
    CHECK(is_input_error(r));
    CHECK(back == NULL);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(file_round_trip_in_each_uncompressed_syntax),
    DK_CASE(memory_round_trip_in_each_uncompressed_syntax),
    DK_CASE(bare_datasets),
    DK_CASE(stop_before_pixels),
    DK_CASE(options_init_and_versions),
    DK_CASE(bad_option_versions_are_refused),
    DK_CASE(non_atomic_and_unsynced_writes),
    DK_CASE(overwriting_the_mapped_source),
    DK_CASE(io_errors),
    DK_CASE(truncated_input),
    DK_CASE(garbage_input),
};
DK_TEST_MAIN(dk_tests)
