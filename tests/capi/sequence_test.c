/* C ABI: sequences and item handles — nesting, lifetime, items that go away. */
#include "dk_test.h"

#define REF_SERIES DK_TAG(0x0008, 0x1115)
#define REF_IMAGE DK_TAG(0x0008, 0x1140)
#define SERIES_UID DK_TAG(0x0020, 0x000E)
#define SOP_INSTANCE DK_TAG(0x0008, 0x1155)
#define PATIENT_NAME DK_TAG(0x0010, 0x0010)
#define CHARSET DK_TAG(0x0008, 0x0005)
#define ROWS DK_TAG(0x0028, 0x0010)

DK_TEST(add_and_get_items) {
    dk_dataset *ds = NULL, *a = NULL, *b = NULL, *again = NULL;
    size_t n = 0;
    char buf[64], vr[3];
    size_t size;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_add_item(&a, ds, REF_SERIES)); /* creates the sequence */
    REQUIRE(a != NULL);
    REQUIRE_OK(dk_dataset_add_item(&b, ds, REF_SERIES));
    CHECK_OK(dk_dataset_set_string(a, SERIES_UID, NULL, "1.2.3.1"));
    CHECK_OK(dk_dataset_set_string(b, SERIES_UID, NULL, "1.2.3.2"));
    CHECK_OK(dk_dataset_item_count(&n, ds, REF_SERIES));
    CHECK_INT(n, 2);
    CHECK_OK(dk_dataset_value_count(&n, ds, REF_SERIES));
    CHECK_INT(n, 2);
    CHECK_OK(dk_dataset_vr(vr, ds, REF_SERIES));
    CHECK_STR(vr, "SQ");
    CHECK_OK(dk_dataset_count(&n, a));
    CHECK_INT(n, 1);

    REQUIRE_OK(dk_dataset_get_item(&again, ds, REF_SERIES, 1));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, again, SERIES_UID));
    CHECK_STR(buf, "1.2.3.2");
    /* Two handles on one item see each other's changes. */
    CHECK_OK(dk_dataset_set_string(again, SERIES_UID, NULL, "1.2.3.22"));
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, b, SERIES_UID));
    CHECK_STR(buf, "1.2.3.22");
    dk_dataset_free(again);

    CHECK_ERR(dk_dataset_get_item(&again, ds, REF_SERIES, 2), DK_ENOTFOUND, "no item 2");
    CHECK(again == NULL);
    CHECK_ERR(dk_dataset_get_item(&again, ds, REF_IMAGE, 0), DK_ENOTFOUND, "ReferencedImageSequence");
    dk_dataset_free(a);
    dk_dataset_free(b);
    dk_dataset_free(ds);
}

DK_TEST(nested_items) {
    dk_dataset *ds = NULL, *series = NULL, *image = NULL, *back = NULL, *inner = NULL;
    char buf[64];
    size_t size = sizeof buf, n;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_add_item(&series, ds, REF_SERIES));
    REQUIRE_OK(dk_dataset_add_item(&image, series, REF_IMAGE));
    CHECK_OK(dk_dataset_set_string(image, SOP_INSTANCE, NULL, "1.2.3.4.5"));
    dk_dataset_free(image);
    dk_dataset_free(series);

    REQUIRE_OK(dk_dataset_get_item(&back, ds, REF_SERIES, 0));
    CHECK_OK(dk_dataset_item_count(&n, back, REF_IMAGE));
    CHECK_INT(n, 1);
    REQUIRE_OK(dk_dataset_get_item(&inner, back, REF_IMAGE, 0));
    CHECK_OK(dk_dataset_get_string(buf, &size, inner, SOP_INSTANCE));
    CHECK_STR(buf, "1.2.3.4.5");
    dk_dataset_free(inner);
    dk_dataset_free(back);
    dk_dataset_free(ds);
}

DK_TEST(an_item_handle_keeps_the_dataset_alive) {
    dk_dataset *ds = NULL, *item = NULL;
    char buf[32];
    size_t size = sizeof buf;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_add_item(&item, ds, REF_SERIES));
    CHECK_OK(dk_dataset_set_string(item, SERIES_UID, NULL, "1.2.3"));
    dk_dataset_free(ds); /* the item handle still works (ASan checks it) */
    CHECK_OK(dk_dataset_get_string(buf, &size, item, SERIES_UID));
    CHECK_STR(buf, "1.2.3");
    dk_dataset_free(item);
}

DK_TEST(item_handles_after_the_sequence_is_removed) {
    dk_dataset *ds = NULL, *item = NULL, *nested = NULL, *out = NULL;
    char buf[32], vr[3];
    size_t size = sizeof buf, n = 0;
    uint32_t tag;
    int64_t v;
    double d;
    void *mem = NULL;
    char *json = NULL;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_add_item(&item, ds, REF_SERIES));
    REQUIRE_OK(dk_dataset_add_item(&nested, item, REF_IMAGE));
    CHECK_OK(dk_dataset_set_string(item, SERIES_UID, NULL, "1.2.3"));
    CHECK_OK(dk_dataset_remove(ds, REF_SERIES));

    /* Every call on a handle whose item is gone: DK_ENOTFOUND, never a crash. */
    CHECK_ERR(dk_dataset_count(&n, item), DK_ENOTFOUND, "no longer exists");
    CHECK_ERR(dk_dataset_count(&n, nested), DK_ENOTFOUND, "no longer exists");
    CHECK_ERR(dk_dataset_element_at(&tag, vr, item, 0), DK_ENOTFOUND, "item 0 of (0008,1115)");
    CHECK(dk_dataset_contains(item, SERIES_UID) == 0);
    CHECK_RC(dk_dataset_vr(vr, item, SERIES_UID), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_value_count(&n, item, SERIES_UID), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_remove(item, SERIES_UID), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_get_string(buf, &size, item, SERIES_UID), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_get_string_at(buf, &size, item, SERIES_UID, 0), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_get_int(&v, item, ROWS, 0), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_get_double(&d, item, ROWS, 0), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_get_bytes(buf, &size, item, ROWS), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_set_string(item, SERIES_UID, NULL, "1.2"), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_set_ints(nested, ROWS, NULL, &v, 0), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_set_doubles(nested, ROWS, NULL, &d, 0), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_set_bytes(nested, ROWS, "US", buf, 2), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_item_count(&n, item, REF_IMAGE), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_get_item(&out, item, REF_IMAGE, 0), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_add_item(&out, item, REF_IMAGE), DK_ENOTFOUND);
    CHECK(out == NULL);
    CHECK_RC(dk_dataset_transfer_syntax(buf, &size, item), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_to_json(&json, item, 0), DK_ENOTFOUND);
    CHECK_RC(dk_dataset_write_memory(&mem, &size, item, NULL), DK_ENOTFOUND);

    /* The top-level dataset is fine. */
    CHECK_OK(dk_dataset_count(&n, ds));
    CHECK_INT(n, 0);
    /* Handles address items by position: a new item 0 of (0008,1115) is what `item` now reaches,
     * without the old content. */
    REQUIRE_OK(dk_dataset_add_item(&out, ds, REF_SERIES));
    CHECK_OK(dk_dataset_count(&n, item));
    CHECK_INT(n, 0);
    CHECK_RC(dk_dataset_count(&n, nested), DK_ENOTFOUND);
    dk_dataset_free(out);
    dk_dataset_free(nested);
    dk_dataset_free(item);
    dk_dataset_free(ds);
}

DK_TEST(item_handles_after_the_sequence_is_replaced) {
    dk_dataset *ds = NULL, *item = NULL;
    size_t n;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_add_item(&item, ds, REF_SERIES));
    /* Replaced by an element of another VR: the item is gone. */
    CHECK_OK(dk_dataset_set_bytes(ds, REF_SERIES, "OB", "ab", 2));
    CHECK_ERR(dk_dataset_count(&n, item), DK_ENOTFOUND, "no longer exists");
    CHECK_ERR(dk_dataset_item_count(&n, ds, REF_SERIES), DK_EBADVALUE, "not SQ");
    {
        dk_dataset *other = NULL;
        CHECK_ERR(dk_dataset_add_item(&other, ds, REF_SERIES), DK_EBADVALUE, "not SQ");
        CHECK_ERR(dk_dataset_get_item(&other, ds, REF_SERIES, 0), DK_EBADVALUE, "not SQ");
        CHECK(other == NULL);
    }
    dk_dataset_free(item);
    dk_dataset_free(ds);
}

DK_TEST(add_item_checks_the_dictionary) {
    dk_dataset *ds = NULL, *item = NULL;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_ERR(dk_dataset_add_item(&item, ds, PATIENT_NAME), DK_EBADVALUE, "is PN in the dictionary");
    CHECK(item == NULL);
    CHECK_ERR(dk_dataset_add_item(&item, ds, DK_TAG(0xFFFE, 0xE000)), DK_EINVAL, "item or delimitation");
    /* A private tag may be a sequence. */
    CHECK_OK(dk_dataset_add_item(&item, ds, DK_TAG(0x0009, 0x1010)));
    dk_dataset_free(item);
    dk_dataset_free(ds);
}

DK_TEST(items_inherit_the_character_set) {
    dk_dataset *ds = NULL, *item = NULL;
    char buf[64];
    unsigned char raw[16];
    size_t size;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_add_item(&item, ds, DK_TAG(0x0008, 0x1120))); /* ReferencedPatientSequence */
    /* Set after the item was made: the item follows its dataset's (0008,0005). */
    CHECK_OK(dk_dataset_set_string(ds, CHARSET, NULL, "ISO_IR 100"));
    CHECK_OK(dk_dataset_set_string(item, PATIENT_NAME, NULL, "G\xC3\xA9rard"));
    size = sizeof raw;
    CHECK_OK(dk_dataset_get_bytes(raw, &size, item, PATIENT_NAME));
    CHECK_INT(size, 6);
    CHECK(memcmp(raw, "G\xE9rard", 6) == 0);
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, item, PATIENT_NAME));
    CHECK_STR(buf, "G\xC3\xA9rard");
    dk_dataset_free(item);
    dk_dataset_free(ds);
}

DK_TEST(item_handles_are_not_files) {
    dk_dataset *ds = NULL, *item = NULL;
    void *mem = NULL;
    size_t size = 0;
    char ts[65];
    size_t ts_size = sizeof ts;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_add_item(&item, ds, REF_SERIES));
    CHECK_ERR(dk_dataset_write_file(item, DK_TEST_TMPDIR "/item.dcm", NULL), DK_EINVAL, "not an item handle");
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, item, NULL), DK_EINVAL, "not an item handle");
    CHECK(mem == NULL);
    CHECK_ERR(dk_dataset_set_transfer_syntax(item, "implicit"), DK_EINVAL, "not an item handle");
    /* An item is encoded in its file's transfer syntax. */
    CHECK_OK(dk_dataset_transfer_syntax(ts, &ts_size, item));
    CHECK_STR(ts, "1.2.840.10008.1.2.1");
    /* Group 0002 inside an item is just an element of the item. */
    CHECK_OK(dk_dataset_set_string(item, DK_TAG(0x0002, 0x0016), "AE", "X"));
    CHECK(dk_dataset_contains(item, DK_TAG(0x0002, 0x0016)) == 1);
    CHECK(dk_dataset_contains(ds, DK_TAG(0x0002, 0x0016)) == 0);
    dk_dataset_free(item);
    dk_dataset_free(ds);
}

/* Query keys as findscu -k spells them (tests/interop/query_key_test.cpp checks the same syntax
 * against DCMTK's dcmodify). */
DK_TEST(query_keys_make_items_as_needed) {
    dk_dataset *ds = NULL, *item = NULL;
    char buf[32];
    size_t size = sizeof buf, n = 0;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_key(ds, "PatientName=SMITH*"));
    CHECK_OK(dk_dataset_set_key(ds, "ScheduledProcedureStepSequence[1].Modality=MR"));
    CHECK_OK(dk_dataset_item_count(&n, ds, DK_TAG(0x0040, 0x0100)));
    CHECK_INT(n, 2);
    REQUIRE_OK(dk_dataset_get_item(&item, ds, DK_TAG(0x0040, 0x0100), 1));
    CHECK_OK(dk_dataset_get_string(buf, &size, item, DK_TAG(0x0008, 0x0060)));
    CHECK_STR(buf, "MR");
    size = sizeof buf;
    CHECK_OK(dk_dataset_get_string(buf, &size, ds, PATIENT_NAME));
    CHECK_STR(buf, "SMITH*");
    CHECK_ERR(dk_dataset_set_key(ds, "PatientName[0].Modality=CT"), DK_EINVAL, "'PatientName' is not a sequence");
    CHECK_ERR(dk_dataset_set_key(ds, "Rows=big"), DK_EINVAL, "'big' is not an integer (US)");
    CHECK_ERR(dk_dataset_set_key(ds, NULL), DK_EINVAL, "key");
    CHECK(dk_dataset_contains(ds, ROWS) == 0);
    dk_dataset_free(item);
    dk_dataset_free(ds);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(query_keys_make_items_as_needed),
    DK_CASE(add_and_get_items),
    DK_CASE(nested_items),
    DK_CASE(an_item_handle_keeps_the_dataset_alive),
    DK_CASE(item_handles_after_the_sequence_is_removed),
    DK_CASE(item_handles_after_the_sequence_is_replaced),
    DK_CASE(add_item_checks_the_dictionary),
    DK_CASE(items_inherit_the_character_set),
    DK_CASE(item_handles_are_not_files),
};
DK_TEST_MAIN(dk_tests)
