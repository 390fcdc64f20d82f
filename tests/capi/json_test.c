/* C ABI: DICOM JSON (PS3.18 Annex F) — round trip, errors with offsets, what from_json refuses. */
#include "dk_test.h"

#define CHARSET DK_TAG(0x0008, 0x0005)
#define REF_SERIES DK_TAG(0x0008, 0x1115)
#define PATIENT_NAME DK_TAG(0x0010, 0x0010)
#define SERIES_UID DK_TAG(0x0020, 0x000E)
#define IMAGE_POSITION DK_TAG(0x0020, 0x0032)
#define ROWS DK_TAG(0x0028, 0x0010)
#define PIXEL_DATA DK_TAG(0x7FE0, 0x0010)
#define TRANSFER_SYNTAX DK_TAG(0x0002, 0x0010)

static dk_dataset *from_text(const char *json) {
    dk_dataset *ds = NULL;
    if (dk_dataset_from_json(&ds, json, strlen(json)) != DK_OK) return NULL;
    return ds;
}

DK_TEST(round_trip) {
    dk_dataset *ds = NULL, *item = NULL, *back = NULL, *back_item = NULL;
    char *json = NULL, *again = NULL;
    char buf[64];
    size_t size, n;
    int64_t v;
    double d;
    const int64_t rows = 512;
    const double pos[] = {-1.5, 2.25, 3};
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_string(ds, CHARSET, NULL, "ISO_IR 192"));
    CHECK_OK(dk_dataset_set_string(ds, PATIENT_NAME, NULL, "\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E"));
    CHECK_OK(dk_dataset_set_ints(ds, ROWS, NULL, &rows, 1));
    CHECK_OK(dk_dataset_set_doubles(ds, IMAGE_POSITION, NULL, pos, 3));
    REQUIRE_OK(dk_dataset_add_item(&item, ds, REF_SERIES));
    CHECK_OK(dk_dataset_set_string(item, SERIES_UID, NULL, "1.2.3.4"));

    REQUIRE_OK(dk_dataset_to_json(&json, ds, 0));
    REQUIRE(json != NULL);
    CHECK(strstr(json, "\"00100010\":{\"vr\":\"PN\"") != NULL);
    CHECK(strstr(json, "\"Alphabetic\"") != NULL);
    CHECK(strstr(json, "\"00280010\":{\"vr\":\"US\",\"Value\":[512]}") != NULL);
    CHECK(strchr(json, '\n') == NULL);

    REQUIRE_OK(dk_dataset_from_json(&back, json, strlen(json)));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, back, PATIENT_NAME));
    CHECK_STR(buf, "\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E");
    CHECK_OK(dk_dataset_get_int(&v, back, ROWS, 0));
    CHECK_INT(v, 512);
    CHECK_OK(dk_dataset_get_double(&d, back, IMAGE_POSITION, 1));
    CHECK(d == 2.25);
    CHECK_OK(dk_dataset_item_count(&n, back, REF_SERIES));
    CHECK_INT(n, 1);
    REQUIRE_OK(dk_dataset_get_item(&back_item, back, REF_SERIES, 0));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, back_item, SERIES_UID));
    CHECK_STR(buf, "1.2.3.4");
    /* JSON → dataset → JSON is stable. */
    REQUIRE_OK(dk_dataset_to_json(&again, back, 0));
    CHECK_STR(again, json);
    /* A dataset from JSON writes as explicit VR little endian by default. */
    size = sizeof buf;
    CHECK_OK(dk_dataset_transfer_syntax(buf, &size, back));
    CHECK_STR(buf, "1.2.840.10008.1.2.1");

    dk_free(again);
    dk_free(json);
    dk_dataset_free(back_item);
    dk_dataset_free(back);
    dk_dataset_free(item);
    dk_dataset_free(ds);
}

DK_TEST(pretty_and_items) {
    dk_dataset *ds = NULL, *item = NULL;
    char *json = NULL;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_add_item(&item, ds, REF_SERIES));
    CHECK_OK(dk_dataset_set_string(item, SERIES_UID, NULL, "1.2.3.4"));
    REQUIRE_OK(dk_dataset_to_json(&json, ds, 1));
    CHECK(strchr(json, '\n') != NULL);
    dk_free(json);
    json = NULL;
    /* An item handle is a dataset too. */
    REQUIRE_OK(dk_dataset_to_json(&json, item, 0));
    CHECK_STR(json, "{\"0020000E\":{\"vr\":\"UI\",\"Value\":[\"1.2.3.4\"]}}");
    dk_free(json);
    /* An empty dataset. */
    json = NULL;
    dk_dataset_free(item);
    dk_dataset_free(ds);
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_to_json(&json, ds, 0));
    CHECK_STR(json, "{}");
    dk_free(json);
    dk_dataset_free(ds);
}

DK_TEST(size_bounds_the_text) {
    /* The text need not be NUL-terminated: only `size` bytes are read. */
    const char text[] = "{\"00280010\":{\"vr\":\"US\",\"Value\":[7]}}GARBAGE";
    dk_dataset *ds = NULL;
    int64_t v;
    REQUIRE_OK(dk_dataset_from_json(&ds, text, strlen(text) - 7));
    CHECK_OK(dk_dataset_get_int(&v, ds, ROWS, 0));
    CHECK_INT(v, 7);
    dk_dataset_free(ds);
    CHECK_RC(dk_dataset_from_json(&ds, text, strlen(text)), DK_EMALFORMED);
    CHECK(ds == NULL);
    CHECK_INT(dk_last_error_offset(), strlen(text) - 7);
}

DK_TEST(bad_json) {
    dk_dataset *ds = NULL;
    static const char truncated[] = "{\"00100010\":{\"vr\":\"PN\"";
    static const char syntax[] = "{\"00100010\" {}}";
    static const char bad_vr[] = "{\"00100010\":{\"vr\":\"XX\"}}";
    static const char bad_value[] = "{\"00280010\":{\"vr\":\"US\",\"Value\":[70000]}}";
    static const char bad_tag[] = "{\"0010001G\":{\"vr\":\"PN\"}}";
    static const char bad_utf8[] = "{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"\xC3\"]}}";
    CHECK_ERR(dk_dataset_from_json(&ds, truncated, strlen(truncated)), DK_ETRUNCATED, "truncated");
    CHECK(dk_last_error_offset() >= 0);
    CHECK(ds == NULL);
    CHECK_ERR(dk_dataset_from_json(&ds, syntax, strlen(syntax)), DK_EMALFORMED, "malformed");
    CHECK_INT(dk_last_error_offset(), 12);
    CHECK_ERR(dk_dataset_from_json(&ds, bad_vr, strlen(bad_vr)), DK_EBADVR, "XX");
    CHECK_ERR(dk_dataset_from_json(&ds, bad_value, strlen(bad_value)), DK_EBADVALUE, "(0028,0010)");
    CHECK_RC(dk_dataset_from_json(&ds, bad_tag, strlen(bad_tag)), DK_EMALFORMED);
    CHECK_RC(dk_dataset_from_json(&ds, bad_utf8, strlen(bad_utf8)), DK_EMALFORMED);
    CHECK_RC(dk_dataset_from_json(&ds, "", 0), DK_ETRUNCATED);
    CHECK_RC(dk_dataset_from_json(&ds, "[]", 2), DK_EMALFORMED);
    CHECK(ds == NULL);
    CHECK_ERR(dk_dataset_from_json(&ds, NULL, 0), DK_EINVAL, "json is NULL");
    CHECK_ERR(dk_dataset_from_json(NULL, "{}", 2), DK_EINVAL, "out is NULL");
}

DK_TEST(deep_nesting_is_refused) {
    /* 100 nested sequences: over the default depth of 64. */
    char *text = malloc(100 * 40 + 16);
    size_t len = 0, i;
    dk_dataset *ds = NULL;
    REQUIRE(text != NULL);
    for (i = 0; i < 100; ++i) len += (size_t)sprintf(text + len, "{\"00081115\":{\"vr\":\"SQ\",\"Value\":[");
    len += (size_t)sprintf(text + len, "{}");
    for (i = 0; i < 100; ++i) len += (size_t)sprintf(text + len, "]}}");
    CHECK_ERR(dk_dataset_from_json(&ds, text, len), DK_ETOODEEP, "");
    CHECK(ds == NULL);
    free(text);
}

DK_TEST(bulk_data_uris_are_not_resolved) {
    static const char text[] = "{\"7FE00010\":{\"vr\":\"OW\",\"BulkDataURI\":\"file:///etc/passwd\"}}";
    dk_dataset *ds = NULL;
    CHECK_ERR(dk_dataset_from_json(&ds, text, strlen(text)), DK_EUNSUPPORTED, "not resolved");
    CHECK(ds == NULL);
}

DK_TEST(meta_elements_go_to_the_file_meta) {
    static const char text[] = "{\"00020010\":{\"vr\":\"UI\",\"Value\":[\"1.2.840.10008.1.2\"]},"
                               "\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"Doe^John\"}]}}";
    dk_dataset *ds = from_text(text);
    char buf[64];
    size_t size = sizeof buf, n;
    REQUIRE(ds != NULL);
    CHECK_OK(dk_dataset_count(&n, ds));
    CHECK_INT(n, 1);
    CHECK(dk_dataset_contains(ds, TRANSFER_SYNTAX) == 1);
    /* Its (0002,0010) is the default transfer syntax for writing. */
    CHECK_OK(dk_dataset_transfer_syntax(buf, &size, ds));
    CHECK_STR(buf, "1.2.840.10008.1.2");
    dk_dataset_free(ds);
}

/* Pixel Data as a PS3.5 A.4 item sequence: an empty Basic Offset Table and one fragment "abcd". */
#define ENCAPSULATED "\"7FE00010\":{\"vr\":\"OB\",\"InlineBinary\":\"/v8A4AAAAAD+/wDgBAAAAGFiY2T+/93gAAAAAA==\"}"

DK_TEST(compressed_pixel_data) {
    static const char jpeg[] = "{\"00020010\":{\"vr\":\"UI\",\"Value\":[\"1.2.840.10008.1.2.4.50\"]}," ENCAPSULATED "}";
    static const char unknown[] = "{" ENCAPSULATED "}";
    dk_dataset *ds = from_text(jpeg), *back = NULL;
    dk_write_options w = DK_WRITE_OPTIONS_INIT;
    void *mem = NULL;
    size_t size = 0;
    unsigned char buf[16];
    REQUIRE(ds != NULL);
    size = sizeof buf;
    CHECK_ERR(dk_dataset_get_bytes(buf, &size, ds, PIXEL_DATA), DK_EUNSUPPORTED, "fragments");
    /* As it is: fine, and it reads back. */
    CHECK_OK(dk_dataset_write_memory(&mem, &size, ds, NULL));
    CHECK_OK(dk_dataset_read_memory(&back, mem, size, NULL));
    CHECK(back != NULL && dk_dataset_contains(back, PIXEL_DATA));
    dk_dataset_free(back);
    dk_free(mem);
    mem = NULL;
    /* Decompressing or recompressing needs a codec. */
    w.transfer_syntax = "explicit";
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, ds, &w), DK_EUNSUPPORTED, "codec");
    w.transfer_syntax = "1.2.840.10008.1.2.4.90";
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, ds, &w), DK_EUNSUPPORTED, "compressed as");
    CHECK_ERR(dk_dataset_set_transfer_syntax(ds, "implicit"), DK_EUNSUPPORTED, "codec");
    CHECK(mem == NULL);
    dk_dataset_free(ds);

    /* Without a transfer syntax, compressed pixel data has none to be written in by default. */
    ds = from_text(unknown);
    REQUIRE(ds != NULL);
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, ds, NULL), DK_EUNSUPPORTED, "codec");
    w.transfer_syntax = "1.2.840.10008.1.2.4.50";
    CHECK_OK(dk_dataset_write_memory(&mem, &size, ds, &w));
    dk_free(mem);
    dk_dataset_free(ds);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(round_trip),
    DK_CASE(pretty_and_items),
    DK_CASE(size_bounds_the_text),
    DK_CASE(bad_json),
    DK_CASE(deep_nesting_is_refused),
    DK_CASE(bulk_data_uris_are_not_resolved),
    DK_CASE(meta_elements_go_to_the_file_meta),
    DK_CASE(compressed_pixel_data),
};
DK_TEST_MAIN(dk_tests)
