/* C ABI: versions, result codes, the thread-local last error. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "dk_test.h"

/* First case: in a fresh process (ctest runs each case alone) no call has failed yet. */
DK_TEST(last_error_starts_empty) {
    CHECK_STR(dk_last_error(), "");
    CHECK_INT(dk_last_error_offset(), -1);
}

DK_TEST(version_matches_the_header) {
    CHECK_STR(dk_version(), DK_VERSION_STRING);
    CHECK_INT(dk_version_number(), DK_VERSION_NUMBER);
    CHECK_INT(DK_VERSION_NUMBER, DK_VERSION_MAJOR * 10000 + DK_VERSION_MINOR * 100 + DK_VERSION_PATCH);
    {
        char expect[32];
        sprintf(expect, "%d.%d.%d", DK_VERSION_MAJOR, DK_VERSION_MINOR, DK_VERSION_PATCH);
        CHECK_STR(dk_version(), expect);
    }
}

DK_TEST(result_names_are_distinct_and_never_null) {
    int a, b;
    CHECK_STR(dk_result_name(DK_OK), "ok");
    CHECK_STR(dk_result_name(DK_ETRUNCATED), "truncated");
    CHECK_STR(dk_result_name(DK_EBUFS), "buffer too small");
    CHECK_STR(dk_result_name(DK_ENOMEM), "out of memory");
    CHECK_STR(dk_result_name(DK_EINTERNAL), "internal error");
    for (a = DK_EINTERNAL; a <= DK_OK; ++a) {
        const char *na = dk_result_name((dk_result)a);
        CHECK(na != NULL && *na != '\0');
        CHECK(strcmp(na, "unknown result code") != 0);
        for (b = DK_EINTERNAL; b < a; ++b) CHECK(strcmp(na, dk_result_name((dk_result)b)) != 0);
    }
    /* Codes this library does not know (a newer header, a corrupted value). */
    CHECK_STR(dk_result_name((dk_result)1), "unknown result code");
    CHECK_STR(dk_result_name((dk_result)-99), "unknown result code");
}

DK_TEST(result_codes_keep_their_values) {
    /* The numbers are ABI: bindings hard-code them. */
    CHECK_INT(DK_OK, 0);
    CHECK_INT(DK_EINVAL, -1);
    CHECK_INT(DK_ENOTFOUND, -2);
    CHECK_INT(DK_EIO, -3);
    CHECK_INT(DK_ENOTDICOM, -4);
    CHECK_INT(DK_ETRUNCATED, -5);
    CHECK_INT(DK_EBADLENGTH, -6);
    CHECK_INT(DK_EBADVR, -7);
    CHECK_INT(DK_ETOODEEP, -8);
    CHECK_INT(DK_EMALFORMED, -9);
    CHECK_INT(DK_EUNSUPPORTED, -10);
    CHECK_INT(DK_ECHARSET, -11);
    CHECK_INT(DK_EBADVALUE, -12);
    CHECK_INT(DK_ENETWORK, -13);
    CHECK_INT(DK_ETIMEOUT, -14);
    CHECK_INT(DK_EREJECTED, -15);
    CHECK_INT(DK_EABORTED, -16);
    CHECK_INT(DK_EPROTOCOL, -17);
    CHECK_INT(DK_EREFUSED, -18);
    CHECK_INT(DK_EBUFS, -19);
    CHECK_INT(DK_ENOMEM, -20);
    CHECK_INT(DK_EINTERNAL, -21);
    CHECK_INT(DK_TAG(0x0010, 0x0010), 0x00100010);
    CHECK_INT(DK_TAG(0xFFFE, 0xE000), 0xFFFEE000u);
}

DK_TEST(a_failure_sets_message_and_offset) {
    /* 132 bytes: a preamble, DICM, then a meta group length element cut short. */
    unsigned char bytes[140];
    dk_dataset *ds = NULL;
    memset(bytes, 0, sizeof bytes);
    memcpy(bytes + 128, "DICM", 4);
    bytes[132] = 0x02; /* (0002,0000) UL ... */
    bytes[134] = 0x00;
    bytes[136] = 'U';
    bytes[137] = 'L';
    CHECK_RC(dk_dataset_read_memory(&ds, bytes, 139, NULL), DK_ETRUNCATED);
    CHECK(ds == NULL);
    CHECK(strstr(dk_last_error(), "truncated") != NULL);
    CHECK(dk_last_error_offset() >= 128);
    CHECK(dk_last_error_offset() <= 139);

    /* The message stays until the next failure: the return code says whether a call failed. */
    {
        uint32_t tag;
        CHECK_OK(dk_tag_from_keyword(&tag, "PatientName"));
        CHECK(strstr(dk_last_error(), "truncated") != NULL);
    }
    /* A failure without a position resets the offset. */
    CHECK_ERR(dk_dataset_new(NULL), DK_EINVAL, "out is NULL");
    CHECK_INT(dk_last_error_offset(), -1);
}

static void *fail_in_another_thread(void *arg) {
    uint32_t tag;
    (void)arg;
    if (dk_tag_from_keyword(&tag, "NoSuchKeywordAnywhere") != DK_ENOTFOUND) return (void *)1;
    if (strstr(dk_last_error(), "NoSuchKeywordAnywhere") == NULL) return (void *)2;
    return NULL;
}

DK_TEST(the_last_error_is_per_thread) {
    pthread_t t;
    void *ret = (void *)3;
    CHECK_ERR(dk_dataset_count(NULL, NULL), DK_EINVAL, "ds is NULL");
    REQUIRE(pthread_create(&t, NULL, fail_in_another_thread, NULL) == 0);
    REQUIRE(pthread_join(t, &ret) == 0);
    CHECK(ret == NULL);
    /* This thread's message is untouched by the other thread's failure. */
    CHECK(strstr(dk_last_error(), "ds is NULL") != NULL);
}

DK_TEST(messages_name_the_code) {
    uint32_t tag;
    CHECK_ERR(dk_tag_from_keyword(&tag, NULL), DK_EINVAL, "invalid argument: keyword is NULL");
    CHECK_ERR(dk_tag_from_keyword(&tag, "Nonsense"), DK_ENOTFOUND, "not found");
}

DK_TEST(dk_free_accepts_null) {
    dk_free(NULL);
    dk_dataset_free(NULL);
    CHECK(1);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(last_error_starts_empty),
    DK_CASE(version_matches_the_header),
    DK_CASE(result_names_are_distinct_and_never_null),
    DK_CASE(result_codes_keep_their_values),
    DK_CASE(a_failure_sets_message_and_offset),
    DK_CASE(the_last_error_is_per_thread),
    DK_CASE(messages_name_the_code),
    DK_CASE(dk_free_accepts_null),
};
DK_TEST_MAIN(dk_tests)
