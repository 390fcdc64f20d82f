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
    CHECK_OK(dk_dataset_count(ds, &n));
    CHECK_INT(n, 0);
    CHECK_OK(dk_dataset_transfer_syntax(ds, ts, &size));
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
    CHECK_OK(dk_dataset_get_string(ds, PATIENT_NAME, buf, &size));
    CHECK_STR(buf, "Doe^John");
    CHECK_INT(size, 9);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(ds, PATIENT_ID, buf, &size));
    CHECK_STR(buf, "ODD"); /* padding removed */
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(ds, IMAGE_TYPE, buf, &size));
    CHECK_STR(buf, "ORIGINAL\\PRIMARY\\AXIAL");

    CHECK_OK(dk_dataset_value_count(ds, IMAGE_TYPE, &n));
    CHECK_INT(n, 3);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string_at(ds, IMAGE_TYPE, 1, buf, &size));
    CHECK_STR(buf, "PRIMARY");
    CHECK_INT(size, 8);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string_at(ds, IMAGE_TYPE, 2, buf, &size));
    CHECK_STR(buf, "AXIAL");
    size = sizeof buf;
    CHECK_ERR(dk_dataset_get_string_at(ds, IMAGE_TYPE, 3, buf, &size), DK_ENOTFOUND, "no value 3");

    CHECK_OK(dk_dataset_vr(ds, MODALITY, vr));
    CHECK_STR(vr, "CS");
    CHECK_OK(dk_dataset_vr(ds, PATIENT_NAME, vr));
    CHECK_STR(vr, "PN");

    /* Replacing keeps one element. */
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, "PN", "Roe^Jane"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(ds, PATIENT_NAME, buf, &size));
    CHECK_STR(buf, "Roe^Jane");
    CHECK_OK(dk_dataset_count(ds, &n));
    CHECK_INT(n, 4);

    /* An empty value. */
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_ID, NULL, ""));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(ds, PATIENT_ID, buf, &size));
    CHECK_STR(buf, "");
    CHECK_INT(size, 1);
    CHECK_OK(dk_dataset_value_count(ds, PATIENT_ID, &n));
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
    CHECK_ERR(dk_dataset_get_string(ds, PATIENT_NAME, buf, &size), DK_EBUFS, "9 are needed");
    CHECK_INT(size, 9);
    CHECK_STR(buf, ""); /* never a truncated, unterminated string */
    /* Asking for the size: NULL and 0. */
    size = 0;
    CHECK_RC(dk_dataset_get_string(ds, PATIENT_NAME, NULL, &size), DK_EBUFS);
    CHECK_INT(size, 9);
    /* Then the exact size works. */
    CHECK_OK(dk_dataset_get_string(ds, PATIENT_NAME, buf, &size));
    CHECK_STR(buf, "Doe^John");
    /* get_string_at and transfer_syntax follow the same rule. */
    size = 3;
    CHECK_RC(dk_dataset_get_string_at(ds, PATIENT_NAME, 0, buf, &size), DK_EBUFS);
    CHECK_INT(size, 9);
    size = 5;
    CHECK_RC(dk_dataset_transfer_syntax(ds, buf, &size), DK_EBUFS);
    CHECK_INT(size, 20);
    /* A NULL buffer with a non-zero size, and a NULL size. */
    size = 10;
    CHECK_ERR(dk_dataset_get_string(ds, PATIENT_NAME, NULL, &size), DK_EINVAL, "buf is NULL");
    CHECK_ERR(dk_dataset_get_string(ds, PATIENT_NAME, buf, NULL), DK_EINVAL, "size is NULL");
    CHECK_ERR(dk_dataset_get_string_at(ds, PATIENT_NAME, 0, buf, NULL), DK_EINVAL, "size is NULL");
    CHECK_ERR(dk_dataset_transfer_syntax(ds, buf, NULL), DK_EINVAL, "size is NULL");
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
    CHECK_OK(dk_dataset_get_int(ds, ROWS, 0, &v));
    CHECK_INT(v, 512);
    CHECK_OK(dk_dataset_get_double(ds, ROWS, 0, &d));
    CHECK(d == 512.0);

    CHECK_OK(dk_dataset_set_ints(ds, INSTANCE_NUMBER, NULL, is, 2)); /* IS */
    CHECK_OK(dk_dataset_value_count(ds, INSTANCE_NUMBER, &n));
    CHECK_INT(n, 2);
    CHECK_OK(dk_dataset_get_int(ds, INSTANCE_NUMBER, 1, &v));
    CHECK_INT(v, 42);
    CHECK_OK(dk_dataset_get_int(ds, INSTANCE_NUMBER, 0, &v));
    CHECK_INT(v, -7);
    CHECK_OK(dk_dataset_get_string(ds, INSTANCE_NUMBER, buf, &size));
    CHECK_STR(buf, "-7\\42");

    /* 64-bit values stay exact. */
    CHECK_OK(dk_dataset_set_ints(ds, PRIVATE_TAG, "SV", sv, 2));
    CHECK_OK(dk_dataset_get_int(ds, PRIVATE_TAG, 0, &v));
    CHECK(v == INT64_MIN);
    CHECK_OK(dk_dataset_get_int(ds, PRIVATE_TAG, 1, &v));
    CHECK(v == INT64_MAX);
    CHECK_OK(dk_dataset_set_ints(ds, PRIVATE_TAG, "UV", uv, 2));
    CHECK_OK(dk_dataset_get_int(ds, PRIVATE_TAG, 1, &v));
    CHECK(v == INT64_MAX);

    /* Each binary VR. */
    {
        static const char *const vrs[] = {"US", "SS", "UL", "SL", "UV", "SV", "IS"};
        size_t i;
        const int64_t x = 1234;
        for (i = 0; i < sizeof vrs / sizeof vrs[0]; ++i) {
            CHECK_OK(dk_dataset_set_ints(ds, PRIVATE_TAG, vrs[i], &x, 1));
            v = 0;
            CHECK_OK(dk_dataset_get_int(ds, PRIVATE_TAG, 0, &v));
            CHECK_INT(v, 1234);
        }
    }
    /* Zero values. */
    CHECK_OK(dk_dataset_set_ints(ds, COLUMNS, NULL, NULL, 0));
    CHECK_OK(dk_dataset_value_count(ds, COLUMNS, &n));
    CHECK_INT(n, 0);
    CHECK_ERR(dk_dataset_get_int(ds, COLUMNS, 0, &v), DK_ENOTFOUND, "no value 0");
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
        CHECK_ERR(dk_dataset_get_int(ds, PRIVATE_TAG, 0, &v), DK_EBADVALUE, "does not fit");
    }
    /* An IS that is not a number. */
    CHECK_OK(dk_dataset_set_string(ds, INSTANCE_NUMBER, NULL, "12a"));
    CHECK_ERR(dk_dataset_get_int(ds, INSTANCE_NUMBER, 0, &v), DK_EBADVALUE, "not an integer");
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
    CHECK_OK(dk_dataset_get_double(ds, IMAGE_POSITION, 2, &d));
    CHECK(d == 42.25);
    CHECK_OK(dk_dataset_get_string(ds, IMAGE_POSITION, buf, &size));
    CHECK_STR(buf, "-125\\-125.5\\42.25");
    CHECK_ERR(dk_dataset_get_double(ds, IMAGE_POSITION, 3, &d), DK_ENOTFOUND, "has 3 values");
    CHECK_OK(dk_dataset_set_doubles(ds, SLICE_THICKNESS, "DS", &thickness, 1));
    CHECK_OK(dk_dataset_get_double(ds, SLICE_THICKNESS, 0, &d));
    CHECK(d == 1.25);
    /* DS is not an integer VR for dk_dataset_get_int. */
    CHECK_ERR(dk_dataset_get_int(ds, SLICE_THICKNESS, 0, &v), DK_EBADVALUE, "has VR DS");

    CHECK_OK(dk_dataset_set_doubles(ds, PRIVATE_TAG, "FD", &thickness, 1));
    CHECK_OK(dk_dataset_get_double(ds, PRIVATE_TAG, 0, &d));
    CHECK(d == 1.25);
    CHECK_OK(dk_dataset_set_doubles(ds, PRIVATE_TAG, "FL", &thickness, 1));
    CHECK_OK(dk_dataset_get_double(ds, PRIVATE_TAG, 0, &d));
    CHECK(d == 1.25);
    CHECK_OK(dk_dataset_set_doubles(ds, PRIVATE_TAG, "FD", &inf, 1)); /* IEEE values */
    CHECK_ERR(dk_dataset_set_doubles(ds, PRIVATE_TAG, "DS", &inf, 1), DK_EBADVALUE, "infinity");
    CHECK_OK(dk_dataset_set_doubles(ds, PRIVATE_TAG, "FL", pos, 0));

    /* Integer VRs take integral doubles in range. */
    CHECK_OK(dk_dataset_set_doubles(ds, ROWS, NULL, &rows, 1));
    CHECK_OK(dk_dataset_get_int(ds, ROWS, 0, &v));
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
    REQUIRE_OK(dk_dataset_add_item(ds, REF_SERIES, &item));
    dk_dataset_free(item);
    CHECK_ERR(dk_dataset_get_int(ds, PATIENT_NAME, 0, &v), DK_EBADVALUE, "has VR PN");
    CHECK_ERR(dk_dataset_get_double(ds, PATIENT_NAME, 0, &d), DK_EBADVALUE, "has VR PN");
    CHECK_ERR(dk_dataset_get_string(ds, ROWS, buf, &size), DK_EBADVALUE, "not a string element");
    size = sizeof buf;
    CHECK_ERR(dk_dataset_get_string_at(ds, ROWS, 0, buf, &size), DK_EBADVALUE, "not a string element");
    size = sizeof buf;
    CHECK_ERR(dk_dataset_get_string(ds, REF_SERIES, buf, &size), DK_EBADVALUE, "VR SQ");
    size = sizeof buf;
    CHECK_ERR(dk_dataset_get_bytes(ds, REF_SERIES, buf, &size), DK_EBADVALUE, "is a sequence");
    CHECK_ERR(dk_dataset_get_int(ds, REF_SERIES, 0, &v), DK_EBADVALUE, "has VR SQ");
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
    CHECK_ERR(dk_dataset_get_string(ds, PATIENT_NAME, buf, &size), DK_ENOTFOUND, "PatientName");
    CHECK_ERR(dk_dataset_get_string_at(ds, PATIENT_NAME, 0, buf, &size), DK_ENOTFOUND, "(0010,0010)");
    CHECK_ERR(dk_dataset_get_int(ds, ROWS, 0, &v), DK_ENOTFOUND, "Rows");
    CHECK_ERR(dk_dataset_get_double(ds, ROWS, 0, &d), DK_ENOTFOUND, "Rows");
    CHECK_ERR(dk_dataset_get_bytes(ds, PIXEL_DATA, buf, &size), DK_ENOTFOUND, "PixelData");
    CHECK_ERR(dk_dataset_vr(ds, PRIVATE_TAG, vr), DK_ENOTFOUND, "(0009,1001)");
    CHECK_ERR(dk_dataset_value_count(ds, ROWS, &n), DK_ENOTFOUND, "Rows");
    CHECK_ERR(dk_dataset_remove(ds, ROWS), DK_ENOTFOUND, "Rows");
    CHECK_ERR(dk_dataset_item_count(ds, REF_SERIES, &n), DK_ENOTFOUND, "ReferencedSeriesSequence");
    /* Setting a tag the dictionary does not know needs its VR. */
    CHECK_ERR(dk_dataset_set_string(ds, PRIVATE_TAG, NULL, "x"), DK_EINVAL, "pass its VR");
    CHECK_ERR(dk_dataset_set_ints(ds, PRIVATE_TAG, NULL, &v, 0), DK_EINVAL, "pass its VR");
    CHECK_ERR(dk_dataset_set_doubles(ds, PRIVATE_TAG, NULL, &d, 0), DK_EINVAL, "pass its VR");
    CHECK_OK(dk_dataset_set_string(ds, PRIVATE_TAG, "LO", "private value"));
    CHECK_OK(dk_dataset_vr(ds, PRIVATE_TAG, vr));
    CHECK_STR(vr, "LO");
    /* Bad VR text, item tags. */
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, "XX", "x"), DK_EINVAL, "'XX' is not a VR");
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, "PNX", "x"), DK_EINVAL, "is not a VR");
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, "", "x"), DK_EINVAL, "is not a VR");
    CHECK_ERR(dk_dataset_set_string(ds, DK_TAG(0xFFFE, 0xE000), "LO", "x"), DK_EINVAL, "item or delimitation");
    CHECK_ERR(dk_dataset_set_bytes(ds, DK_TAG(0xFFFE, 0xE0DD), "OB", "", 0), DK_EINVAL, "item or delimitation");
    CHECK_OK(dk_dataset_count(ds, &n));
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
    CHECK_OK(dk_dataset_get_bytes(ds, PIXEL_DATA, out, &size));
    CHECK_INT(size, 8);
    CHECK(memcmp(in, out, 8) == 0);
    /* Too small: DK_EBUFS and the size needed; NULL/0 asks for the size. */
    size = 7;
    CHECK_ERR(dk_dataset_get_bytes(ds, PIXEL_DATA, out, &size), DK_EBUFS, "8 are needed");
    CHECK_INT(size, 8);
    size = 0;
    CHECK_RC(dk_dataset_get_bytes(ds, PIXEL_DATA, NULL, &size), DK_EBUFS);
    CHECK_INT(size, 8);
    size = 4;
    CHECK_ERR(dk_dataset_get_bytes(ds, PIXEL_DATA, NULL, &size), DK_EINVAL, "buf is NULL");
    CHECK_ERR(dk_dataset_get_bytes(ds, PIXEL_DATA, out, NULL), DK_EINVAL, "size is NULL");

    /* US values are little endian two-byte values. */
    CHECK_OK(dk_dataset_set_bytes(ds, ROWS, "US", in, 6));
    CHECK_OK(dk_dataset_value_count(ds, ROWS, &n));
    CHECK_INT(n, 3);
    CHECK_OK(dk_dataset_get_int(ds, ROWS, 2, &v));
    CHECK_INT(v, 3);
    CHECK_ERR(dk_dataset_set_bytes(ds, ROWS, "US", in, 3), DK_EBADLENGTH, "not a multiple");
    CHECK_ERR(dk_dataset_set_bytes(ds, ROWS, "UL", in, 6), DK_EBADLENGTH, "not a multiple");

    /* Empty values: NULL data with size 0 is fine, the buffer may then be NULL too. */
    CHECK_OK(dk_dataset_set_bytes(ds, PRIVATE_TAG, "OB", NULL, 0));
    size = 0;
    CHECK_OK(dk_dataset_get_bytes(ds, PRIVATE_TAG, NULL, &size));
    CHECK_INT(size, 0);
    CHECK_ERR(dk_dataset_set_bytes(ds, PRIVATE_TAG, "OB", NULL, 4), DK_EINVAL, "data is NULL");
    CHECK_ERR(dk_dataset_set_bytes(ds, PRIVATE_TAG, NULL, in, 4), DK_EINVAL, "vr is NULL");

    /* A string's bytes are its encoded value, padding included. */
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "Doe"));
    size = sizeof out;
    CHECK_OK(dk_dataset_get_bytes(ds, PATIENT_NAME, out, &size));
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
    CHECK_OK(dk_dataset_count(ds, &n));
    CHECK_INT(n, 3);
    CHECK_OK(dk_dataset_element_at(ds, 0, &tag, vr));
    CHECK_INT(tag, MODALITY);
    CHECK_STR(vr, "CS");
    CHECK_OK(dk_dataset_element_at(ds, 1, &tag, vr));
    CHECK_INT(tag, PATIENT_NAME);
    CHECK_STR(vr, "PN");
    CHECK_OK(dk_dataset_element_at(ds, 2, &tag, vr));
    CHECK_INT(tag, ROWS);
    CHECK_STR(vr, "US");
    CHECK_ERR(dk_dataset_element_at(ds, 3, &tag, vr), DK_ENOTFOUND, "no element at index 3");
    CHECK_ERR(dk_dataset_element_at(ds, 0, NULL, vr), DK_EINVAL, "tag is NULL");
    CHECK_ERR(dk_dataset_element_at(ds, 0, &tag, NULL), DK_EINVAL, "vr is NULL");

    CHECK_OK(dk_dataset_remove(ds, PATIENT_NAME));
    CHECK(dk_dataset_contains(ds, PATIENT_NAME) == 0);
    CHECK_ERR(dk_dataset_remove(ds, PATIENT_NAME), DK_ENOTFOUND, "PatientName");
    CHECK_OK(dk_dataset_count(ds, &n));
    CHECK_INT(n, 2);
    CHECK_ERR(dk_dataset_count(ds, NULL), DK_EINVAL, "count is NULL");
    CHECK_ERR(dk_dataset_value_count(ds, ROWS, NULL), DK_EINVAL, "count is NULL");
    CHECK_ERR(dk_dataset_vr(ds, ROWS, NULL), DK_EINVAL, "vr is NULL");
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
    CHECK_OK(dk_dataset_get_bytes(ds, PATIENT_NAME, raw, &size));
    CHECK_INT(size, 6);
    CHECK(memcmp(raw, "M\xFCller", 6) == 0);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(ds, PATIENT_NAME, buf, &size));
    CHECK_STR(buf, "M\xC3\xBCller");
    /* A character Latin-1 lacks; invalid UTF-8. */
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "\xE5\xB1\xB1\xE7\x94\xB0"), DK_ECHARSET, "");
    CHECK_ERR(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "\xC3"), DK_ECHARSET, "");
    /* UTF-8. */
    CHECK_OK(dk_dataset_set_string(ds, CHARSET, NULL, "ISO_IR 192"));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(ds, PATIENT_NAME, buf, &size));
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
    CHECK_OK(dk_dataset_get_string(ds, DK_TAG(0x0002, 0x0016), buf, &size));
    CHECK_STR(buf, "MY_AE");
    /* The meta is not part of the dataset's elements. */
    CHECK_OK(dk_dataset_count(ds, &n));
    CHECK_INT(n, 0);
    CHECK_ERR(dk_dataset_add_item(ds, DK_TAG(0x0002, 0x0100), NULL), DK_EINVAL, "out is NULL");
    {
        dk_dataset *item = NULL;
        CHECK_ERR(dk_dataset_add_item(ds, DK_TAG(0x0002, 0x0100), &item), DK_EINVAL, "group 0002");
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
    CHECK_OK(dk_dataset_transfer_syntax(ds, buf, &size));
    CHECK_STR(buf, "1.2.840.10008.1.2");
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "ExplicitVRBigEndian"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_transfer_syntax(ds, buf, &size));
    CHECK_STR(buf, "1.2.840.10008.1.2.2");
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "1.2.840.10008.1.2.1.99"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_transfer_syntax(ds, buf, &size));
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
    CHECK_ERR(dk_dataset_count(NULL, &n), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_element_at(NULL, 0, &tag, vr), DK_EINVAL, "ds is NULL");
    CHECK(dk_dataset_contains(NULL, PATIENT_NAME) == 0);
    CHECK_ERR(dk_dataset_vr(NULL, PATIENT_NAME, vr), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_value_count(NULL, PATIENT_NAME, &n), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_remove(NULL, PATIENT_NAME), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_string(NULL, PATIENT_NAME, buf, &size), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_string_at(NULL, PATIENT_NAME, 0, buf, &size), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_int(NULL, ROWS, 0, &v), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_double(NULL, ROWS, 0, &d), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_bytes(NULL, ROWS, buf, &size), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_string(NULL, PATIENT_NAME, NULL, "x"), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_ints(NULL, ROWS, NULL, &v, 1), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_doubles(NULL, ROWS, NULL, &d, 1), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_bytes(NULL, ROWS, "US", buf, 2), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_item_count(NULL, REF_SERIES, &n), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_get_item(NULL, REF_SERIES, 0, &out), DK_EINVAL, "ds is NULL");
    CHECK(out == NULL);
    CHECK_ERR(dk_dataset_add_item(NULL, REF_SERIES, &out), DK_EINVAL, "ds is NULL");
    CHECK(out == NULL);
    CHECK_ERR(dk_dataset_transfer_syntax(NULL, buf, &size), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_set_transfer_syntax(NULL, "explicit"), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_write_file(NULL, "x.dcm", NULL), DK_EINVAL, "ds is NULL");
    CHECK_ERR(dk_dataset_write_memory(NULL, &mem, &size, NULL), DK_EINVAL, "ds is NULL");
    CHECK(mem == NULL);
    CHECK_ERR(dk_dataset_to_json(NULL, 0, &json), DK_EINVAL, "ds is NULL");
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
    CHECK_ERR(dk_dataset_get_int(ds, ROWS, 0, NULL), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_get_double(ds, ROWS, 0, NULL), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_item_count(ds, REF_SERIES, NULL), DK_EINVAL, "count is NULL");
    CHECK_ERR(dk_dataset_get_item(ds, REF_SERIES, 0, NULL), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_to_json(ds, 0, NULL), DK_EINVAL, "out is NULL");
    CHECK_ERR(dk_dataset_write_memory(ds, NULL, &size, NULL), DK_EINVAL, "out is NULL");
    {
        void *mem = NULL;
        CHECK_ERR(dk_dataset_write_memory(ds, &mem, NULL, NULL), DK_EINVAL, "size is NULL");
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
    CHECK_OK(dk_dataset_meta_count(ds, &n));
    CHECK_INT(n, 0); /* nothing read nor set yet */
    CHECK_OK(dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0016), NULL, "1.2.840.10008.5.1.4.1.1.7"));
    CHECK_OK(dk_dataset_set_string(ds, DK_TAG(0x0008, 0x0018), NULL, "1.2.826.0.1.3680043.2.1125.84.1"));
    CHECK_OK(dk_dataset_add_item(ds, DK_TAG(0x0040, 0x0275), &item));
    REQUIRE_OK(dk_dataset_write_memory(ds, &mem, &size, NULL));
    REQUIRE_OK(dk_dataset_read_memory(&back, mem, size, NULL));
    CHECK_OK(dk_dataset_meta_count(back, &n));
    CHECK(n >= 5);
    for (i = 0; i < n; ++i) {
        size_t k;
        CHECK_OK(dk_dataset_meta_element_at(back, i, &tag, vr));
        CHECK(tag >> 16 == 0x0002);
        CHECK(tag > prev);
        prev = tag;
        for (k = 0; k < sizeof required / sizeof required[0]; ++k)
            if (tag == required[k]) ++found;
        if (tag == 0x00020010u) {
            CHECK_STR(vr, "UI");
            CHECK_OK(dk_dataset_get_string(back, tag, ts, &tsz));
            CHECK_STR(ts, "1.2.840.10008.1.2.1");
        }
    }
    CHECK_INT(found, 5);
    CHECK_INT(dk_dataset_meta_element_at(back, n, &tag, vr), DK_ENOTFOUND);
    CHECK_OK(dk_dataset_count(back, &n));
    CHECK_INT(n, 3); /* SOP class, SOP instance, the sequence: no group 0002 */
    CHECK_OK(dk_dataset_meta_count(item, &n));
    CHECK_INT(n, 0);
    CHECK_INT(dk_dataset_meta_element_at(item, 0, &tag, vr), DK_ENOTFOUND);
    CHECK_INT(dk_dataset_meta_count(NULL, &n), DK_EINVAL);
    CHECK_INT(dk_dataset_meta_count(back, NULL), DK_EINVAL);
    CHECK_INT(dk_dataset_meta_element_at(back, 0, NULL, vr), DK_EINVAL);
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

