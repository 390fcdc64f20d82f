/* C ABI: the data dictionary, the UID registry, UID generation. */
#include "dk_test.h"

DK_TEST(tag_from_keyword_and_text) {
    uint32_t tag = 0;
    CHECK_OK(dk_tag_from_keyword(&tag, "PatientName"));
    CHECK_INT(tag, DK_TAG(0x0010, 0x0010));
    CHECK_OK(dk_tag_from_keyword(&tag, "(0028,0010)"));
    CHECK_INT(tag, DK_TAG(0x0028, 0x0010));
    CHECK_OK(dk_tag_from_keyword(&tag, "0020,000D"));
    CHECK_INT(tag, DK_TAG(0x0020, 0x000D));
    CHECK_OK(dk_tag_from_keyword(&tag, "7FE00010"));
    CHECK_INT(tag, DK_TAG(0x7FE0, 0x0010));
    CHECK_OK(dk_tag_from_keyword(&tag, "(0009,1001)")); /* private tags by number */
    CHECK_INT(tag, DK_TAG(0x0009, 0x1001));
}

DK_TEST(tag_from_keyword_misuse) {
    uint32_t tag = 0;
    CHECK_ERR(dk_tag_from_keyword(&tag, "PatientNam"), DK_ENOTFOUND, "PatientNam");
    CHECK_ERR(dk_tag_from_keyword(&tag, ""), DK_ENOTFOUND, "unknown keyword");
    CHECK_ERR(dk_tag_from_keyword(&tag, "(0010,001G)"), DK_ENOTFOUND, "unknown keyword");
    /* A keyword of a repeating group (60xx,3000) names no single tag. */
    CHECK_ERR(dk_tag_from_keyword(&tag, "OverlayData"), DK_EINVAL, "repeating group");
    CHECK_ERR(dk_tag_from_keyword(&tag, NULL), DK_EINVAL, "keyword is NULL");
    CHECK_ERR(dk_tag_from_keyword(NULL, "PatientName"), DK_EINVAL, "tag is NULL");
}

DK_TEST(tag_keyword_and_name) {
    const char *s = NULL;
    CHECK_OK(dk_tag_keyword(&s, DK_TAG(0x0010, 0x0010)));
    CHECK_STR(s, "PatientName");
    CHECK_OK(dk_tag_name(&s, DK_TAG(0x0010, 0x0010)));
    CHECK_STR(s, "Patient's Name");
    CHECK_OK(dk_tag_keyword(&s, DK_TAG(0x6002, 0x3000))); /* repeating group 60xx */
    CHECK_STR(s, "OverlayData");
    CHECK_OK(dk_tag_keyword(&s, DK_TAG(0x0009, 0x0010))); /* a private creator */
    CHECK_STR(s, "PrivateCreator");
    /* Private data elements and unknown tags: "" and DK_ENOTFOUND. */
    s = NULL;
    CHECK_ERR(dk_tag_keyword(&s, DK_TAG(0x0009, 0x1001)), DK_ENOTFOUND, "(0009,1001)");
    CHECK_STR(s, "");
    s = NULL;
    CHECK_ERR(dk_tag_name(&s, DK_TAG(0x0010, 0x9999)), DK_ENOTFOUND, "not in the data dictionary");
    CHECK_STR(s, "");
    CHECK_ERR(dk_tag_keyword(NULL, DK_TAG(0x0010, 0x0010)), DK_EINVAL, "keyword is NULL");
    CHECK_ERR(dk_tag_name(NULL, DK_TAG(0x0010, 0x0010)), DK_EINVAL, "name is NULL");
}

DK_TEST(tag_vr) {
    char vr[3] = "xx";
    CHECK_OK(dk_tag_vr(vr, DK_TAG(0x0010, 0x0010)));
    CHECK_STR(vr, "PN");
    CHECK_OK(dk_tag_vr(vr, DK_TAG(0x0028, 0x0010)));
    CHECK_STR(vr, "US");
    CHECK_OK(dk_tag_vr(vr, DK_TAG(0x0008, 0x1115)));
    CHECK_STR(vr, "SQ");
    CHECK_OK(dk_tag_vr(vr, DK_TAG(0x0009, 0x1001)));
    CHECK_STR(vr, "UN");
    CHECK_OK(dk_tag_vr(vr, DK_TAG(0xFFFE, 0xE000))); /* an item: no VR */
    CHECK_INT(strlen(vr), 2);
    CHECK_ERR(dk_tag_vr(NULL, DK_TAG(0x0010, 0x0010)), DK_EINVAL, "vr is NULL");
}

DK_TEST(uid_lookup) {
    const char *name = NULL, *keyword = NULL, *type = NULL;
    CHECK_OK(dk_uid_lookup(&name, &keyword, &type, "1.2.840.10008.5.1.4.1.1.2"));
    CHECK_STR(name, "CT Image Storage");
    CHECK_STR(keyword, "CTImageStorage");
    CHECK_STR(type, "SOP Class");
    CHECK_OK(dk_uid_lookup(NULL, &keyword, NULL, "1.2.840.10008.1.2.1"));
    CHECK_STR(keyword, "ExplicitVRLittleEndian");
    CHECK_OK(dk_uid_lookup(&name, NULL, &type, "1.2.840.10008.1.2"));
    CHECK_STR(type, "Transfer Syntax");
    CHECK_OK(dk_uid_lookup(NULL, NULL, NULL, "1.2.840.10008.1.2"));

    name = keyword = type = NULL;
    CHECK_ERR(dk_uid_lookup(&name, &keyword, &type, "1.2.3.4"), DK_ENOTFOUND, "not in the UID registry");
    CHECK_STR(name, "");
    CHECK_STR(keyword, "");
    CHECK_STR(type, "");
    CHECK_ERR(dk_uid_lookup(&name, NULL, NULL, NULL), DK_EINVAL, "uid is NULL");
}

DK_TEST(uid_generate) {
    char a[65], b[80];
    CHECK_OK(dk_uid_generate(a, sizeof a));
    CHECK_OK(dk_uid_generate(b, sizeof b));
    CHECK(strncmp(a, "2.25.", 5) == 0);
    CHECK(strlen(a) <= 64);
    CHECK(dk_uid_is_valid(a) == 1);
    CHECK(dk_uid_is_valid(b) == 1);
    CHECK(strcmp(a, b) != 0);
    CHECK_ERR(dk_uid_generate(b, 64), DK_EBUFS, "65");
    CHECK_ERR(dk_uid_generate(b, 0), DK_EBUFS, "too small");
    CHECK_ERR(dk_uid_generate(NULL, 65), DK_EINVAL, "buf is NULL");
}

DK_TEST(uid_is_valid) {
    char longest[66];
    CHECK(dk_uid_is_valid("1.2.840.10008.1.2.1") == 1);
    CHECK(dk_uid_is_valid("0") == 1);
    CHECK(dk_uid_is_valid("1.02") == 0);  /* leading zero */
    CHECK(dk_uid_is_valid("1..2") == 0);  /* empty component */
    CHECK(dk_uid_is_valid("1.2.") == 0);
    CHECK(dk_uid_is_valid("1.2a") == 0);
    CHECK(dk_uid_is_valid("") == 0);
    CHECK(dk_uid_is_valid(NULL) == 0);
    memset(longest, '1', 64);
    longest[64] = '\0';
    CHECK(dk_uid_is_valid(longest) == 1);
    longest[64] = '1';
    longest[65] = '\0';
    CHECK(dk_uid_is_valid(longest) == 0); /* 65 characters */
}

/* dk_uids.h: generated constants; the values are PS3.6 Annex A's. */
DK_TEST(uid_constants) {
    static const char *const common[] = DK_COMMON_STORAGE_SOP_CLASSES;
    const char *name = NULL, *keyword = NULL, *type = NULL;
    size_t i;
    CHECK_STR(DK_UID_CTImageStorage, "1.2.840.10008.5.1.4.1.1.2");
    CHECK_STR(DK_UID_ExplicitVRLittleEndian, "1.2.840.10008.1.2.1");
    CHECK_STR(DK_UID_StudyRootQueryRetrieveInformationModelFind, "1.2.840.10008.5.1.4.1.2.2.1");
    CHECK_STR(DK_UID_StorageCommitmentPushModelInstance, "1.2.840.10008.1.20.1.1");
    CHECK_INT(sizeof common / sizeof common[0], DK_COMMON_STORAGE_COUNT);
    CHECK(DK_COMMON_STORAGE_COUNT > 30 && DK_COMMON_STORAGE_COUNT < 128);
    for (i = 0; i < DK_COMMON_STORAGE_COUNT; i++) {
        CHECK_OK(dk_uid_lookup(&name, &keyword, &type, common[i]));
        CHECK_STR(type, "SOP Class");
        CHECK(strstr(name, "Storage") != NULL);
    }
}

/* PS3.5 Annex A: implicit VR little endian (A.1), explicit little (A.2), explicit big (A.3, retired),
 * deflated (A.5), JPEG baseline (A.4.1, lossy). */
DK_TEST(transfer_syntax_flags) {
    uint32_t f = 99;
    CHECK_OK(dk_transfer_syntax_flags(&f, "1.2.840.10008.1.2"));
    CHECK_INT(f, DK_TS_KNOWN);
    CHECK_OK(dk_transfer_syntax_flags(&f, "ExplicitVRLittleEndian"));
    CHECK_INT(f, DK_TS_KNOWN | DK_TS_EXPLICIT_VR);
    CHECK_OK(dk_transfer_syntax_flags(&f, "1.2.840.10008.1.2.2"));
    CHECK_INT(f, DK_TS_KNOWN | DK_TS_EXPLICIT_VR | DK_TS_BIG_ENDIAN | DK_TS_RETIRED);
    CHECK_OK(dk_transfer_syntax_flags(&f, "deflate"));
    CHECK_INT(f, DK_TS_KNOWN | DK_TS_EXPLICIT_VR | DK_TS_DEFLATED);
    CHECK_OK(dk_transfer_syntax_flags(&f, "1.2.840.10008.1.2.4.50"));
    CHECK_INT(f, DK_TS_KNOWN | DK_TS_EXPLICIT_VR | DK_TS_ENCAPSULATED | DK_TS_LOSSY);
    CHECK_OK(dk_transfer_syntax_flags(&f, "1.2.3.4")); /* unknown UID: PS3.5 10.1 */
    CHECK_INT(f, DK_TS_EXPLICIT_VR | DK_TS_ENCAPSULATED);
    CHECK_INT(dk_transfer_syntax_flags(&f, "not-a-syntax"), DK_EINVAL);
    CHECK_INT(f, 0);
    CHECK_INT(dk_transfer_syntax_flags(&f, NULL), DK_EINVAL);
    CHECK_INT(dk_transfer_syntax_flags(NULL, "implicit"), DK_EINVAL);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(uid_constants),
    DK_CASE(tag_from_keyword_and_text),
    DK_CASE(tag_from_keyword_misuse),
    DK_CASE(tag_keyword_and_name),
    DK_CASE(tag_vr),
    DK_CASE(uid_lookup),
    DK_CASE(uid_generate),
    DK_CASE(uid_is_valid),
    DK_CASE(transfer_syntax_flags),
};
DK_TEST_MAIN(dk_tests)
