/* C ABI: elements of a dataset made in code — setters, getters, buffers, types, misuse. */
#include <math.h>

#include "dk_test.h"

#define PATIENT_NAME DK_TAG(0x0010, 0x0010)
#define PATIENT_ID DK_TAG(0x0010, 0x0020)
#define MODALITY DK_TAG(0x0008, 0x0060)
#define CHARSET DK_TAG(0x0008, 0x0005)
#define IMAGE_TYPE DK_TAG(0x0008, 0x0008)
#define ROWS DK_TAG(0x0028, 0x0010)
#define COLUMNS DK_TAG(0x0028, 0x0011)
#define SLICE_THICKNESS DK_TAG(0x0018, 0x0050)
#define IMAGE_POSITION DK_TAG(0x0020, 0x0032)
#define INSTANCE_NUMBER DK_TAG(0x0020, 0x0013)
#define PIXEL_DATA DK_TAG(0x7FE0, 0x0010)
#define REF_SERIES DK_TAG(0x0008, 0x1115)
#define PRIVATE_TAG DK_TAG(0x0009, 0x1001)

DK_TEST(new_dataset_is_empty_explicit_little_endian) {
    dk_dataset *ds = NULL;
    size_t n = 99;
    char ts[65];
    size_t size = sizeof ts;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE(ds != NULL);
    CHECK_OK(dk_dataset_count(&n, ds));
    CHECK_INT(n, 0);
    CHECK_OK(dk_dataset_transfer_syntax(ts, &size, ds));
    CHECK_STR(ts, "1.2.840.10008.1.2.1");
    CHECK_INT(size, strlen("1.2.840.10008.1.2.1") + 1); /* on success: bytes written, NUL included */
    CHECK(dk_dataset_contains(ds, PATIENT_NAME) == 0);
    dk_dataset_free(ds);
}

DK_TEST(strings) {
    dk_dataset *ds = NULL;
    char buf[64];
    size_t size;
    size_t n;
    char vr[3];
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "Doe^John"));
    CHECK_OK(dk_dataset_set_string(ds, MODALITY, "CS", "CT"));
    CHECK_OK(dk_dataset_set_string(ds, IMAGE_TYPE, NULL, "ORIGINAL\\PRIMARY\\AXIAL"));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_ID, NULL, "ODD")); /* padded to even length */
    CHECK(dk_dataset_contains(ds, PATIENT_NAME) == 1);

    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, PATIENT_NAME));
    CHECK_STR(buf, "Doe^John");
    CHECK_INT(size, 9);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, PATIENT_ID));
    CHECK_STR(buf, "ODD"); /* padding removed */
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, IMAGE_TYPE));
    CHECK_STR(buf, "ORIGINAL\\PRIMARY\\AXIAL");

    CHECK_OK(dk_dataset_value_count(&n, ds, IMAGE_TYPE));
    CHECK_INT(n, 3);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string_at(buf, &size, ds, IMAGE_TYPE, 1));
    CHECK_STR(buf, "PRIMARY");
    CHECK_INT(size, 8);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string_at(buf, &size, ds, IMAGE_TYPE, 2));
    CHECK_STR(buf, "AXIAL");
    size = sizeof buf;
    CHECK_ERR(dk_dataset_get_string_at(buf, &size, ds, IMAGE_TYPE, 3), DK_ENOTFOUND, "no value 3");

    CHECK_OK(dk_dataset_vr(vr, ds, MODALITY));
    CHECK_STR(vr, "CS");
    CHECK_OK(dk_dataset_vr(vr, ds, PATIENT_NAME));
    CHECK_STR(vr, "PN");

    /* Replacing keeps one element. */
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, "PN", "Roe^Jane"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, PATIENT_NAME));
    CHECK_STR(buf, "Roe^Jane");
    CHECK_OK(dk_dataset_count(&n, ds));
    CHECK_INT(n, 4);

    /* An empty value. */
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_ID, NULL, ""));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, PATIENT_ID));
    CHECK_STR(buf, "");
    CHECK_INT(size, 1);
    CHECK_OK(dk_dataset_value_count(&n, ds, PATIENT_ID));
    CHECK_INT(n, 0);
    dk_dataset_free(ds);
}

DK_TEST(string_buffers_too_small) {
    dk_dataset *ds = NULL;
    char buf[64];
    size_t size;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "Doe^John"));
    /* Exactly the string without room for the NUL. */
    size = 8;
    memset(buf, 'x', sizeof buf);
    CHECK_ERR(dk_dataset_get_string(buf, &size, ds, PATIENT_NAME), DK_EBUFS, "9 are needed");
    CHECK_INT(size, 9);
    CHECK_STR(buf, ""); /* never a truncated, unterminated string */
    /* Asking for the size: NULL and 0. */
    size = 0;
    CHECK_RC(dk_dataset_get_string(NULL, &size, ds, PATIENT_NAME), DK_EBUFS);
    CHECK_INT(size, 9);
    /* Then the exact size works. */
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, PATIENT_NAME));
    CHECK_STR(buf, "Doe^John");
    /* get_string_at and transfer_syntax follow the same rule. */
    size = 3;
    CHECK_RC(dk_dataset_get_string_at(buf, &size, ds, PATIENT_NAME, 0), DK_EBUFS);
    CHECK_INT(size, 9);
    size = 5;
    CHECK_RC(dk_dataset_transfer_syntax(buf, &size, ds), DK_EBUFS);
    CHECK_INT(size, 20);
    /* A NULL buffer with a non-zero size, and a NULL size. */
    size = 10;
    CHECK_ERR(dk_dataset_get_string(NULL, &size, ds, PATIENT_NAME), DK_EINVAL, "buf is NULL");
    CHECK_ERR(dk_dataset_get_string(buf, NULL, ds, PATIENT_NAME), DK_EINVAL, "size is NULL");
    CHECK_ERR(dk_dataset_get_string_at(buf, NULL, ds, PATIENT_NAME, 0), DK_EINVAL, "size is NULL");
    CHECK_ERR(dk_dataset_transfer_syntax(buf, NULL, ds), DK_EINVAL, "size is NULL");
    dk_dataset_free(ds);
}

DK_TEST(integers) {
    dk_dataset *ds = NULL;
    int64_t v = 0;
    double d = 0;
    size_t n;
    char buf[32];
    size_t size = sizeof buf;
    const int64_t rows = 512, is[] = {-7, 42};
    const int64_t sv[] = {INT64_MIN, INT64_MAX};
    const int64_t uv[] = {0, INT64_MAX};
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_ints(ds, ROWS, NULL, &rows, 1));
    CHECK_OK(dk_dataset_get_int(&v, ds, ROWS, 0));
    CHECK_INT(v, 512);
    CHECK_OK(dk_dataset_get_double(&d, ds, ROWS, 0));
    CHECK(d == 512.0);

    CHECK_OK(dk_dataset_set_ints(ds, INSTANCE_NUMBER, NULL, is, 2)); /* IS */
    CHECK_OK(dk_dataset_value_count(&n, ds, INSTANCE_NUMBER));
    CHECK_INT(n, 2);
    CHECK_OK(dk_dataset_get_int(&v, ds, INSTANCE_NUMBER, 1));
    CHECK_INT(v, 42);
    CHECK_OK(dk_dataset_get_int(&v, ds, INSTANCE_NUMBER, 0));
    CHECK_INT(v, -7);
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, INSTANCE_NUMBER));
    CHECK_STR(buf, "-7\\42");

    /* 64-bit values stay exact. */
    CHECK_OK(dk_dataset_set_ints(ds, PRIVATE_TAG, "SV", sv, 2));
    CHECK_OK(dk_dataset_get_int(&v, ds, PRIVATE_TAG, 0));
    CHECK(v == INT64_MIN);
    CHECK_OK(dk_dataset_get_int(&v, ds, PRIVATE_TAG, 1));
    CHECK(v == INT64_MAX);
    CHECK_OK(dk_dataset_set_ints(ds, PRIVATE_TAG, "UV", uv, 2));
    CHECK_OK(dk_dataset_get_int(&v, ds, PRIVATE_TAG, 1));
    CHECK(v == INT64_MAX);

    /* Each binary VR. */
    {
        static const char *const vrs[] = {"US", "SS", "UL", "SL", "UV", "SV", "IS"};
        size_t i;
        const int64_t x = 1234;
        for (i = 0; i < sizeof vrs / sizeof vrs[0]; ++i) {
            CHECK_OK(dk_dataset_set_ints(ds, PRIVATE_TAG, vrs[i], &x, 1));
            v = 0;
            CHECK_OK(dk_dataset_get_int(&v, ds, PRIVATE_TAG, 0));
            CHECK_INT(v, 1234);
        }
    }
    /* Zero values. */
    CHECK_OK(dk_dataset_set_ints(ds, COLUMNS, NULL, NULL, 0));
    CHECK_OK(dk_dataset_value_count(&n, ds, COLUMNS));
    CHECK_INT(n, 0);
    CHECK_ERR(dk_dataset_get_int(&v, ds, COLUMNS, 0), DK_ENOTFOUND, "no value 0");
    dk_dataset_free(ds);
}

DK_TEST(integer_ranges_and_types) {
    dk_dataset *ds = NULL;
    int64_t v;
    const int64_t big = 70000, negative = -1, huge = INT64_MAX;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_ERR(dk_dataset_set_ints(ds, ROWS, NULL, &big, 1), DK_EBADVALUE, "out of range for VR US");
    CHECK_ERR(dk_dataset_set_ints(ds, ROWS, NULL, &negative, 1), DK_EBADVALUE, "out of range");
    CHECK_ERR(dk_dataset_set_ints(ds, INSTANCE_NUMBER, NULL, &huge, 1), DK_EBADVALUE, "out of range for VR IS");
    CHECK_ERR(dk_dataset_set_ints(ds, PRIVATE_TAG, "UV", &negative, 1), DK_EBADVALUE, "out of range");
    CHECK_ERR(dk_dataset_set_ints(ds, SLICE_THICKNESS, NULL, &huge, 1), DK_EBADVALUE, "16 characters");
    CHECK_ERR(dk_dataset_set_ints(ds, PATIENT_NAME, NULL, &big, 1), DK_EBADVALUE, "does not hold numbers");
    CHECK_ERR(dk_dataset_set_ints(ds, ROWS, NULL, NULL, 1), DK_EINVAL, "values is NULL");
    CHECK(dk_dataset_contains(ds, ROWS) == 0); /* a failed set changes nothing */

    /* A UV over INT64_MAX does not fit the int64_t of dk_dataset_get_int. */
    {
        unsigned char bytes[8];
        memset(bytes, 0xFF, sizeof bytes);
        CHECK_OK(dk_dataset_set_bytes(ds, PRIVATE_TAG, "UV", bytes, 8));
        CHECK_ERR(dk_dataset_get_int(&v, ds, PRIVATE_TAG, 0), DK_EBADVALUE, "does not fit");
    }
    /* An IS that is not a number. */
    CHECK_OK(dk_dataset_set_string(ds, INSTANCE_NUMBER, NULL, "12a"));
    CHECK_ERR(dk_dataset_get_int(&v, ds, INSTANCE_NUMBER, 0), DK_EBADVALUE, "not an integer");
    dk_dataset_free(ds);
}

DK_TEST(doubles) {
    dk_dataset *ds = NULL;
    double d = 0;
    int64_t v;
    char buf[64];
    size_t size = sizeof buf;
    const double pos[] = {-125.0, -125.5, 42.25};
    const double thickness = 1.25, rows = 256, half = 0.5, inf = HUGE_VAL;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_doubles(ds, IMAGE_POSITION, NULL, pos, 3)); /* DS */
    CHECK_OK(dk_dataset_get_double(&d, ds, IMAGE_POSITION, 2));
    CHECK(d == 42.25);
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, IMAGE_POSITION));
    CHECK_STR(buf, "-125\\-125.5\\42.25");
    CHECK_ERR(dk_dataset_get_double(&d, ds, IMAGE_POSITION, 3), DK_ENOTFOUND, "has 3 values");
    CHECK_OK(dk_dataset_set_doubles(ds, SLICE_THICKNESS, "DS", &thickness, 1));
    CHECK_OK(dk_dataset_get_double(&d, ds, SLICE_THICKNESS, 0));
    CHECK(d == 1.25);
    /* DS is not an integer VR for dk_dataset_get_int. */
    CHECK_ERR(dk_dataset_get_int(&v, ds, SLICE_THICKNESS, 0), DK_EBADVALUE, "has VR DS");

    CHECK_OK(dk_dataset_set_doubles(ds, PRIVATE_TAG, "FD", &thickness, 1));
    CHECK_OK(dk_dataset_get_double(&d, ds, PRIVATE_TAG, 0));
    CHECK(d == 1.25);
    CHECK_OK(dk_dataset_set_doubles(ds, PRIVATE_TAG, "FL", &thickness, 1));
    CHECK_OK(dk_dataset_get_double(&d, ds, PRIVATE_TAG, 0));
    CHECK(d == 1.25);
    CHECK_OK(dk_dataset_set_doubles(ds, PRIVATE_TAG, "FD", &inf, 1)); /* IEEE values */
    CHECK_ERR(dk_dataset_set_doubles(ds, PRIVATE_TAG, "DS", &inf, 1), DK_EBADVALUE, "infinity");
    CHECK_OK(dk_dataset_set_doubles(ds, PRIVATE_TAG, "FL", pos, 0));

    /* Integer VRs take integral doubles in range. */
    CHECK_OK(dk_dataset_set_doubles(ds, ROWS, NULL, &rows, 1));
    CHECK_OK(dk_dataset_get_int(&v, ds, ROWS, 0));
    CHECK_INT(v, 256);
    CHECK_ERR(dk_dataset_set_doubles(ds, ROWS, NULL, &half, 1), DK_EBADVALUE, "not an integer");
    CHECK_ERR(dk_dataset_set_doubles(ds, ROWS, NULL, &inf, 1), DK_EBADVALUE, "infinity");
    CHECK_ERR(dk_dataset_set_doubles(ds, PATIENT_NAME, NULL, &half, 1), DK_EBADVALUE, "does not hold numbers");
    CHECK_ERR(dk_dataset_set_doubles(ds, ROWS, NULL, NULL, 2), DK_EINVAL, "values is NULL");
    dk_dataset_free(ds);
}

DK_TEST(wrong_types) {
    dk_dataset *ds = NULL;
    int64_t v;
    double d;
    char buf[16];
    size_t size = sizeof buf;
    const int64_t rows = 2;
    dk_dataset *item = NULL;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "Doe^John"));
    REQUIRE_OK(dk_dataset_set_ints(ds, ROWS, NULL, &rows, 1));
    REQUIRE_OK(dk_dataset_add_item(&item, ds, REF_SERIES));
    dk_dataset_free(item);
    CHECK_ERR(dk_dataset_get_int(&v, ds, PATIENT_NAME, 0), DK_EBADVALUE, "has VR PN");
    CHECK_ERR(dk_dataset_get_double(&d, ds, PATIENT_NAME, 0), DK_EBADVALUE, "has VR PN");
    CHECK_ERR(dk_dataset_get_string(buf, &size, ds, ROWS), DK_EBADVALUE, "not a string element");
    size = sizeof buf;
    CHECK_ERR(dk_dataset_get_string_at(buf, &size, ds, ROWS, 0), DK_EBADVALUE, "not a string element");
    size = sizeof buf;
    CHECK_ERR(dk_dataset_get_string(buf, &size, ds, REF_SERIES), DK_EBADVALUE, "VR SQ");
    size = sizeof buf;
    CHECK_ERR(dk_dataset_get_bytes(buf, &size, ds, REF_SERIES), DK_EBADVALUE, "is a sequence");
    CHECK_ERR(dk_dataset_get_int(&v, ds, REF_SERIES, 0), DK_EBADVALUE, "has VR SQ");
    CHECK_ERR(dk_dataset_set_string(ds, ROWS, "US", "12"), DK_EBADVALUE, "not a string VR");
    CHECK_ERR(dk_dataset_set_bytes(ds, REF_SERIES, "SQ", buf, 0), DK_EBADVALUE, "dk_dataset_add_item");
    dk_dataset_free(ds);
}

DK_TEST(unknown_tags) {
    dk_dataset *ds = NULL;
    int64_t v;
    double d;
    char buf[16], vr[3];
    size_t size = sizeof buf, n;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_ERR(dk_dataset_get_string(buf, &size, ds, PATIENT_NAME), DK_ENOTFOUND, "PatientName");
    CHECK_ERR(dk_dataset_get_string_at(buf, &size, ds, PATIENT_NAME, 0), DK_ENOTFOUND, "(0010,0010)");
    CHECK_ERR(dk_dataset_get_int(&v, ds, ROWS, 0), DK_ENOTFOUND, "Rows");
    CHECK_ERR(dk_dataset_get_double(&d, ds, ROWS, 0), DK_ENOTFOUND, "Rows");
    CHECK_ERR(dk_dataset_get_bytes(buf, &size, ds, PIXEL_DATA), DK_ENOTFOUND, "PixelData");
    CHECK_ERR(dk_dataset_vr(vr, ds, PRIVATE_TAG), DK_ENOTFOUND, "(0009,1001)");
    CHECK_ERR(dk_dataset_value_count(&n, ds, ROWS), DK_ENOTFOUND, "Rows");
    CHECK_ERR(dk_dataset_remove(ds, ROWS), DK_ENOTFOUND, "Rows");
    CHECK_ERR(dk_dataset_item_count(&n, ds, REF_SERIES), DK_ENOTFOUND, "ReferencedSeriesSequence");
    /* Setting a tag the dictionary does not know needs its VR. */
    CHECK_ERR(dk_dataset_set_string(ds, PRIVATE_TAG, NULL, "x"), DK_EINVAL, "pass its VR");
    CHECK_ERR(dk_dataset_set_ints(ds, PRIVATE_TAG, NULL, &v, 0), DK_EINVAL, "pass its VR");
    CHECK_ERR(dk_dataset_set_doubles(ds, PRIVATE_TAG, NULL, &d, 0), DK_EINVAL, "pass its VR");
    CHECK_OK(dk_dataset_set_string(ds, PRIVATE_TAG, "LO", "private value"));
    CHECK_OK(dk_dataset_vr(vr, ds, PRIVATE_TAG));
    CHECK_STR(vr, "LO");
    /* Bad VR text, item tags. */
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, "XX", "x"), DK_EINVAL, "'XX' is not a VR");
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, "PNX", "x"), DK_EINVAL, "is not a VR");
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, "", "x"), DK_EINVAL, "is not a VR");
    CHECK_ERR(dk_dataset_set_string(ds, DK_TAG(0xFFFE, 0xE000), "LO", "x"), DK_EINVAL, "item or delimitation");
    CHECK_ERR(dk_dataset_set_bytes(ds, DK_TAG(0xFFFE, 0xE0DD), "OB", "", 0), DK_EINVAL, "item or delimitation");
    CHECK_OK(dk_dataset_count(&n, ds));
    CHECK_INT(n, 1);
    dk_dataset_free(ds);
}

DK_TEST(bytes) {
    dk_dataset *ds = NULL;
    unsigned char in[8] = {1, 0, 2, 0, 3, 0, 0xFF, 0xFF}, out[8];
    size_t size, n;
    int64_t v;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_bytes(ds, PIXEL_DATA, "OW", in, sizeof in));
    size = sizeof out;
    memset(out, 0, sizeof out);
    CHECK_OK(dk_dataset_get_bytes(out, &size, ds, PIXEL_DATA));
    CHECK_INT(size, 8);
    CHECK(memcmp(in, out, 8) == 0);
    /* Too small: DK_EBUFS and the size needed; NULL/0 asks for the size. */
    size = 7;
    CHECK_ERR(dk_dataset_get_bytes(out, &size, ds, PIXEL_DATA), DK_EBUFS, "8 are needed");
    CHECK_INT(size, 8);
    size = 0;
    CHECK_RC(dk_dataset_get_bytes(NULL, &size, ds, PIXEL_DATA), DK_EBUFS);
    CHECK_INT(size, 8);
    size = 4;
    CHECK_ERR(dk_dataset_get_bytes(NULL, &size, ds, PIXEL_DATA), DK_EINVAL, "buf is NULL");
    CHECK_ERR(dk_dataset_get_bytes(out, NULL, ds, PIXEL_DATA), DK_EINVAL, "size is NULL");

    /* US values are little endian two-byte values. */
    CHECK_OK(dk_dataset_set_bytes(ds, ROWS, "US", in, 6));
    CHECK_OK(dk_dataset_value_count(&n, ds, ROWS));
    CHECK_INT(n, 3);
    CHECK_OK(dk_dataset_get_int(&v, ds, ROWS, 2));
    CHECK_INT(v, 3);
    CHECK_ERR(dk_dataset_set_bytes(ds, ROWS, "US", in, 3), DK_EBADLENGTH, "not a multiple");
    CHECK_ERR(dk_dataset_set_bytes(ds, ROWS, "UL", in, 6), DK_EBADLENGTH, "not a multiple");

    /* Empty values: NULL data with size 0 is fine, the buffer may then be NULL too. */
    CHECK_OK(dk_dataset_set_bytes(ds, PRIVATE_TAG, "OB", NULL, 0));
    size = 0;
    CHECK_OK(dk_dataset_get_bytes(NULL, &size, ds, PRIVATE_TAG));
    CHECK_INT(size, 0);
    CHECK_ERR(dk_dataset_set_bytes(ds, PRIVATE_TAG, "OB", NULL, 4), DK_EINVAL, "data is NULL");
    CHECK_ERR(dk_dataset_set_bytes(ds, PRIVATE_TAG, NULL, in, 4), DK_EINVAL, "vr is NULL");

    /* A string's bytes are its encoded value, padding included. */
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "Doe"));
    size = sizeof out;
    CHECK_OK(dk_dataset_get_bytes(out, &size, ds, PATIENT_NAME));
    CHECK_INT(size, 4);
    CHECK(memcmp(out, "Doe ", 4) == 0);
    dk_dataset_free(ds);
}

DK_TEST(count_element_at_remove) {
    dk_dataset *ds = NULL;
    uint32_t tag = 0;
    char vr[3] = "";
    size_t n;
    const int64_t one = 1;
    REQUIRE_OK(dk_dataset_new(&ds));
    /* Set out of order: element_at walks in tag order. */
    CHECK_OK(dk_dataset_set_ints(ds, ROWS, NULL, &one, 1));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "A"));
    CHECK_OK(dk_dataset_set_string(ds, MODALITY, NULL, "OT"));
    CHECK_OK(dk_dataset_count(&n, ds));
    CHECK_INT(n, 3);
    CHECK_OK(dk_dataset_element_at(&tag, vr, ds, 0));
    CHECK_INT(tag, MODALITY);
    CHECK_STR(vr, "CS");
    CHECK_OK(dk_dataset_element_at(&tag, vr, ds, 1));
    CHECK_INT(tag, PATIENT_NAME);
    CHECK_STR(vr, "PN");
    CHECK_OK(dk_dataset_element_at(&tag, vr, ds, 2));
    CHECK_INT(tag, ROWS);
    CHECK_STR(vr, "US");
    CHECK_ERR(dk_dataset_element_at(&tag, vr, ds, 3), DK_ENOTFOUND, "no element at index 3");
    CHECK_ERR(dk_dataset_element_at(NULL, vr, ds, 0), DK_EINVAL, "tag is NULL");
    CHECK_ERR(dk_dataset_element_at(&tag, NULL, ds, 0), DK_EINVAL, "vr is NULL");

    CHECK_OK(dk_dataset_remove(ds, PATIENT_NAME));
    CHECK(dk_dataset_contains(ds, PATIENT_NAME) == 0);
    CHECK_ERR(dk_dataset_remove(ds, PATIENT_NAME), DK_ENOTFOUND, "PatientName");
    CHECK_OK(dk_dataset_count(&n, ds));
    CHECK_INT(n, 2);
    CHECK_ERR(dk_dataset_count(NULL, ds), DK_EINVAL, "count is NULL");
    CHECK_ERR(dk_dataset_value_count(NULL, ds, ROWS), DK_EINVAL, "count is NULL");
    CHECK_ERR(dk_dataset_vr(NULL, ds, ROWS), DK_EINVAL, "vr is NULL");
    dk_dataset_free(ds);
}

DK_TEST(character_sets) {
    dk_dataset *ds = NULL;
    char buf[64];
    unsigned char raw[16];
    size_t size;
    REQUIRE_OK(dk_dataset_new(&ds));
    /* Non-ASCII text needs a Specific Character Set. */
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "M\xC3\xBCller"), DK_ECHARSET,
              "Specific Character Set");
    /* Latin-1: stored as ISO 8859-1, read back as UTF-8. */
    CHECK_OK(dk_dataset_set_string(ds, CHARSET, NULL, "ISO_IR 100"));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "M\xC3\xBCller"));
    size = sizeof raw;
    CHECK_OK(dk_dataset_get_bytes(raw, &size, ds, PATIENT_NAME));
    CHECK_INT(size, 6);
    CHECK(memcmp(raw, "M\xFCller", 6) == 0);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, PATIENT_NAME));
    CHECK_STR(buf, "M\xC3\xBCller");
    /* A character Latin-1 lacks; invalid UTF-8. */
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "\xE5\xB1\xB1\xE7\x94\xB0"), DK_ECHARSET, "");
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "\xC3"), DK_ECHARSET, "");
    /* UTF-8. */
    CHECK_OK(dk_dataset_set_string(ds, CHARSET, NULL, "ISO_IR 192"));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, PATIENT_NAME));
    CHECK_STR(buf, "\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E");
    /* An unknown character set. */
    CHECK_OK(dk_dataset_set_string(ds, CHARSET, NULL, "ISO_IR 999"));
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "M\xC3\xBCller"), DK_ECHARSET, "");
    dk_dataset_free(ds);
}

DK_TEST(file_meta_is_group_0002) {
    dk_dataset *ds = NULL;
    char buf[80];
    size_t size = sizeof buf, n;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_string(ds, DK_TAG(0x0002, 0x0016), NULL, "MY_AE"));
    CHECK(dk_dataset_contains(ds, DK_TAG(0x0002, 0x0016)) == 1);
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, DK_TAG(0x0002, 0x0016)));
    CHECK_STR(buf, "MY_AE");
    /* The meta is not part of the dataset's elements. */
    CHECK_OK(dk_dataset_count(&n, ds));
    CHECK_INT(n, 0);
    CHECK_ERR(dk_dataset_add_item(NULL, ds, DK_TAG(0x0002, 0x0100)), DK_EINVAL, "out is NULL");
    {
        dk_dataset *item = NULL;
        CHECK_ERR(dk_dataset_add_item(&item, ds, DK_TAG(0x0002, 0x0100)), DK_EINVAL, "group 0002");
        CHECK(item == NULL);
    }
    CHECK_OK(dk_dataset_remove(ds, DK_TAG(0x0002, 0x0016)));
    CHECK(dk_dataset_contains(ds, DK_TAG(0x0002, 0x0016)) == 0);
    dk_dataset_free(ds);
}

DK_TEST(transfer_syntax) {
    dk_dataset *ds = NULL;
    char buf[65];
    size_t size;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "implicit"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_transfer_syntax(buf, &size, ds));
    CHECK_STR(buf, "1.2.840.10008.1.2");
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "ExplicitVRBigEndian"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_transfer_syntax(buf, &size, ds));
    CHECK_STR(buf, "1.2.840.10008.1.2.2");
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "1.2.840.10008.1.2.1.99"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_transfer_syntax(buf, &size, ds));
    CHECK_STR(buf, "1.2.840.10008.1.2.1.99");
    /* Compressed syntaxes are fine without pixel data. */
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "1.2.840.10008.1.2.4.50"));
    CHECK_ERR(dk_dataset_set_transfer_syntax(ds, "1.2.3.4"), DK_EINVAL, "unknown transfer syntax");
    CHECK_ERR(dk_dataset_set_transfer_syntax(ds, "CTImageStorage"), DK_EINVAL, "unknown transfer syntax");
    CHECK_ERR(dk_dataset_set_transfer_syntax(ds, NULL), DK_EINVAL, "transfer_syntax is NULL");
    /* Native pixel data cannot be compressed without a codec. */
    {
        const unsigned char px[4] = {0};
        CHECK_OK(dk_dataset_set_transfer_syntax(ds, "explicit"));
        CHECK_OK(dk_dataset_set_bytes(ds, PIXEL_DATA, "OW", px, 4));
        CHECK_ERR(dk_dataset_set_transfer_syntax(ds, "1.2.840.10008.1.2.4.50"), DK_EUNSUPPORTED, "codec");
    }
    dk_dataset_free(ds);
}

DK_TEST(null_handles) {
    dk_dataset *out = NULL;
    char buf[16], vr[3];
    size_t size = sizeof buf, n;
    uint32_t tag;
    int64_t v = 0;
    double d = 0;
    void *mem = NULL;
    char *json = NULL;
    CHECK_ERR(dk_dataset_new(NULL), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_count(&n, NULL), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_element_at(&tag, vr, NULL, 0), DK_EINVAL, "ds is NULL");
    CHECK(dk_dataset_contains(NULL, PATIENT_NAME) == 0);
    CHECK_ERR(dk_dataset_vr(vr, NULL, PATIENT_NAME), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_value_count(&n, NULL, PATIENT_NAME), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_remove(NULL, PATIENT_NAME), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_string(buf, &size, NULL, PATIENT_NAME), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_string_at(buf, &size, NULL, PATIENT_NAME, 0), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_int(&v, NULL, ROWS, 0), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_double(&d, NULL, ROWS, 0), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_bytes(buf, &size, NULL, ROWS), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_string(NULL, PATIENT_NAME, NULL, "x"), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_ints(NULL, ROWS, NULL, &v, 1), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_doubles(NULL, ROWS, NULL, &d, 1), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_bytes(NULL, ROWS, "US", buf, 2), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_item_count(&n, NULL, REF_SERIES), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_item(&out, NULL, REF_SERIES, 0), DK_EINVAL, "ds is NULL");
    CHECK(out == NULL);
    CHECK_ERR(dk_dataset_add_item(&out, NULL, REF_SERIES), DK_EINVAL, "ds is NULL");
    CHECK(out == NULL);
    CHECK_ERR(dk_dataset_transfer_syntax(buf, &size, NULL), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_transfer_syntax(NULL, "explicit"), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_write_file(NULL, "x.dcm", NULL), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, NULL, NULL), DK_EINVAL, "ds is NULL");
    CHECK(mem == NULL);
    CHECK_ERR(dk_dataset_to_json(&json, NULL, 0), DK_EINVAL, "ds is NULL");
    CHECK(json == NULL);
}

DK_TEST(null_arguments) {
    dk_dataset *ds = NULL;
    char buf[16];
    size_t size = sizeof buf;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "A"));
    REQUIRE_OK(dk_dataset_set_string(ds, ROWS, "IS", "1"));
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, NULL, NULL), DK_EINVAL, "utf8 is NULL");
    CHECK_ERR(dk_dataset_get_int(NULL, ds, ROWS, 0), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_get_double(NULL, ds, ROWS, 0), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_item_count(NULL, ds, REF_SERIES), DK_EINVAL, "count is NULL");
    CHECK_ERR(dk_dataset_get_item(NULL, ds, REF_SERIES, 0), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_to_json(NULL, ds, 0), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_write_memory(NULL, &size, ds, NULL), DK_EINVAL, "out is NULL");
    {
        void *mem = NULL;
        CHECK_ERR(dk_dataset_write_memory(&mem, NULL, ds, NULL), DK_EINVAL, "size is NULL");
        CHECK(mem == NULL);
    }
    CHECK_ERR(dk_dataset_write_file(ds, NULL, NULL), DK_EINVAL, "path is NULL");
    dk_dataset_free(ds);
}

/* The file meta information of a Part 10 encoding read back: PS3.10 Table 7.1-1's required
 * elements in tag order, apart from the dataset's own elements; an item has none. */
DK_TEST(file_meta_elements) {
    dk_dataset *ds = NULL, *back = NULL, *item = NULL;
    void *mem = NULL;
    size_t size = 0, n = 99, i, found = 0;
    uint32_t tag = 0, prev = 0;
    char vr[3], ts[65];
    size_t tsz = sizeof ts;
    static const uint32_t required[] = {0x00020001u, 0x00020002u, 0x00020003u, 0x00020010u, 0x00020012u};
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_meta_count(&n, ds));
    CHECK_INT(n, 0); /* nothing read nor set yet */
    CHECK_OK(dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0016), NULL, "1.2.840.10008.5.1.4.1.1.7"));
    CHECK_OK(dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0018), NULL, "1.2.826.0.1.3680043.2.1125.84.1"));
    CHECK_OK(dk_dataset_add_item(&item, ds, DK_TAG(0x0040, 0x0275)));
    REQUIRE_OK(dk_dataset_write_memory(&mem, &size, ds, NULL));
    REQUIRE_OK(dk_dataset_read_memory(&back, mem, size, NULL));
    CHECK_OK(dk_dataset_meta_count(&n, back));
    CHECK(n >= 5);
    for (i = 0; i < n; ++i) {
        size_t k;
        CHECK_OK(dk_dataset_meta_element_at(&tag, vr, back, i));
        CHECK(tag >> 16 == 0x0002);
        CHECK(tag > prev);
        prev = tag;
        for (k = 0; k < sizeof required / sizeof required[0]; ++k)
            if (tag == required[k]) ++found;
        if (tag == 0x00020010u) {
            CHECK_STR(vr, "UI");
            CHECK_OK(dk_dataset_get_string(ts, &tsz, back, tag));
            CHECK_STR(ts, "1.2.840.10008.1.2.1");
        }
    }
    CHECK_INT(found, 5);
    CHECK_INT(dk_dataset_meta_element_at(&tag, vr, back, n), DK_ENOTFOUND);
    CHECK_OK(dk_dataset_count(&n, back));
    CHECK_INT(n, 3); /* SOP class, SOP instance, the sequence: no group 0002 */
    CHECK_OK(dk_dataset_meta_count(&n, item));
    CHECK_INT(n, 0);
    CHECK_INT(dk_dataset_meta_element_at(&tag, vr, item, 0), DK_ENOTFOUND);
    CHECK_INT(dk_dataset_meta_count(&n, NULL), DK_EINVAL);
    CHECK_INT(dk_dataset_meta_count(NULL, back), DK_EINVAL);
    CHECK_INT(dk_dataset_meta_element_at(NULL, vr, back, 0), DK_EINVAL);
    dk_free(mem);
    dk_dataset_free(item);
    dk_dataset_free(back);
    dk_dataset_free(ds);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(new_dataset_is_empty_explicit_little_endian),
    DK_CASE(strings),
    DK_CASE(string_buffers_too_small),
    DK_CASE(integers),
    DK_CASE(integer_ranges_and_types),
    DK_CASE(doubles),
    DK_CASE(wrong_types),
    DK_CASE(unknown_tags),
    DK_CASE(bytes),
    DK_CASE(count_element_at_remove),
    DK_CASE(character_sets),
    DK_CASE(file_meta_is_group_0002),
    DK_CASE(file_meta_elements),
    DK_CASE(transfer_syntax),
    DK_CASE(null_handles),
    DK_CASE(null_arguments),
};
DK_TEST_MAIN(dk_tests)

