/* C ABI: files made by DCMTK's dump2dcm (make_fixtures.sh), in three transfer syntaxes. The cases
 * skip when DCMTK is not installed. */
#include "dk_test.h"

static int open_fixture(const char *name, dk_dataset **out) {
    char path[512];
    FILE *f;
    sprintf(path, "%s/%s", DK_TEST_DATA_DIR, name);
    f = fopen(path, "rb");
    if (f == NULL) return 0;
    fclose(f);
    return dk_dataset_read_file(out, path, NULL) == DK_OK;
}

static void check_ct(const dk_dataset *ds, const char *ts_uid) {
    char buf[128];
    size_t size, n;
    int64_t v;
    double d;
    unsigned char px[8];
    const unsigned char want_px[8] = {0x00, 0x00, 0x00, 0x04, 0x00, 0x08, 0xFF, 0x0F};
    dk_dataset *item = NULL;

    size = sizeof buf;
    CHECK_OK(dk_dataset_transfer_syntax(buf, &size, ds));
    CHECK_STR(buf, ts_uid);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, DK_TAG(0x0010, 0x0010)));
    CHECK_STR(buf, "M\xC3\xBCller^J\xC3\xBCrgen=\xE3\x83\x9F\xE3\x83\xA5\xE3\x83\xA9\xE3\x83\xBC^"
                   "\xE3\x83\xA6\xE3\x83\xAB\xE3\x82\xB2\xE3\x83\xB3");
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, DK_TAG(0x0008, 0x0060)));
    CHECK_STR(buf, "CT");
    CHECK_OK(dk_dataset_get_int(&v, ds, DK_TAG(0x0028, 0x0010), 0));
    CHECK_INT(v, 2);
    CHECK_OK(dk_dataset_get_int(&v, ds, DK_TAG(0x0028, 0x0101), 0));
    CHECK_INT(v, 12);
    CHECK_OK(dk_dataset_value_count(&n, ds, DK_TAG(0x0020, 0x0032)));
    CHECK_INT(n, 3);
    CHECK_OK(dk_dataset_get_double(&d, ds, DK_TAG(0x0020, 0x0032), 2));
    CHECK(d == 42.5);
    size = sizeof px;
    CHECK_OK(dk_dataset_get_bytes(px, &size, ds, DK_TAG(0x7FE0, 0x0010)));
    CHECK_INT(size, 8);
    CHECK(memcmp(px, want_px, 8) == 0);
    /* The meta information DCMTK wrote. */
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, DK_TAG(0x0002, 0x0010)));
    CHECK_STR(buf, ts_uid);
    /* The sequence of two items of undefined length. */
    CHECK_OK(dk_dataset_item_count(&n, ds, DK_TAG(0x0008, 0x1115)));
    CHECK_INT(n, 2);
    if (dk_dataset_get_item(&item, (dk_dataset *)ds, DK_TAG(0x0008, 0x1115), 1) == DK_OK) {
        size = sizeof buf;
        CHECK_OK(dk_dataset_get_string(buf, &size, item, DK_TAG(0x0020, 0x000E)));
        CHECK_STR(buf, "1.2.826.0.1.3680043.2.1125.1.4");
        dk_dataset_free(item);
    } else {
        CHECK(!"no item 1");
    }
}

DK_TEST(reads_dcmtk_explicit_little_endian) {
    dk_dataset *ds = NULL;
    if (!open_fixture("ct.dcm", &ds)) DK_SKIP("no ct.dcm (DCMTK's dump2dcm missing)");
    check_ct(ds, "1.2.840.10008.1.2.1");
    dk_dataset_free(ds);
}

DK_TEST(reads_dcmtk_implicit_little_endian) {
    dk_dataset *ds = NULL;
    if (!open_fixture("ct-implicit.dcm", &ds)) DK_SKIP("no ct-implicit.dcm (DCMTK's dump2dcm missing)");
    check_ct(ds, "1.2.840.10008.1.2");
    dk_dataset_free(ds);
}

DK_TEST(reads_dcmtk_big_endian) {
    dk_dataset *ds = NULL;
    if (!open_fixture("ct-big.dcm", &ds)) DK_SKIP("no ct-big.dcm (DCMTK's dump2dcm missing)");
    check_ct(ds, "1.2.840.10008.1.2.2");
    dk_dataset_free(ds);
}

DK_TEST(rewrites_a_dcmtk_file_unchanged) {
    dk_dataset *ds = NULL;
    char path[512];
    FILE *f;
    long size;
    unsigned char *original;
    void *mem = NULL;
    size_t mem_size = 0;
    if (!open_fixture("ct.dcm", &ds)) DK_SKIP("no ct.dcm (DCMTK's dump2dcm missing)");
    sprintf(path, "%s/ct.dcm", DK_TEST_DATA_DIR);
    f = fopen(path, "rb");
    REQUIRE(f != NULL);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    original = malloc((size_t)size);
    REQUIRE(original != NULL);
    CHECK(fread(original, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    CHECK_OK(dk_dataset_write_memory(&mem, &mem_size, ds, NULL));
    CHECK_INT(mem_size, size);
    CHECK(mem != NULL && mem_size == (size_t)size && memcmp(mem, original, mem_size) == 0);
    dk_free(mem);
    free(original);
    dk_dataset_free(ds);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(reads_dcmtk_explicit_little_endian),
    DK_CASE(reads_dcmtk_implicit_little_endian),
    DK_CASE(reads_dcmtk_big_endian),
    DK_CASE(rewrites_a_dcmtk_file_unchanged),
};
DK_TEST_MAIN(dk_tests)
