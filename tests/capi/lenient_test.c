/* C ABI: what the reader accepts with a warning (dk_dataset_warnings), keep_un (dk_read_options
 * version 2) and the private dictionary (dk_private_tag_lookup). Files are assembled byte by byte
 * following PS3.5 7.1 and PS3.10 7.1; the private VRs and keywords are those of DCMTK's private.dic. */
#include "dk_test.h"

typedef struct {
    unsigned char b[1024];
    size_t n;
} buf;

static void put(buf *w, const void *p, size_t n) {
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void u16(buf *w, unsigned v) {
    unsigned char x[2];
    x[0] = (unsigned char)(v & 0xFF);
    x[1] = (unsigned char)(v >> 8);
    put(w, x, 2);
}
static void u32(buf *w, unsigned long v) {
    u16(w, (unsigned)(v & 0xFFFF));
    u16(w, (unsigned)(v >> 16));
}
/* An element of `n` value bytes, explicit (PS3.5 Tables 7.1-1, 7.1-2) or implicit VR (7.1.3). */
static void elem(buf *w, int explicit_vr, unsigned g, unsigned e, const char *vr, const void *value, size_t n) {
    u16(w, g);
    u16(w, e);
    if (!explicit_vr) {
        u32(w, (unsigned long)n);
    } else if (strcmp(vr, "UN") == 0 || strcmp(vr, "OB") == 0) {
        put(w, vr, 2);
        u16(w, 0);
        u32(w, (unsigned long)n);
    } else {
        put(w, vr, 2);
        u16(w, (unsigned)n);
    }
    put(w, value, n);
}
/* PS3.10 7.1: preamble, DICM, group 0002 (explicit VR little endian) naming `ts`, then `body`. */
static void part10(buf *out, const char *ts, const buf *body) {
    buf rest;
    rest.n = 0;
    out->n = 0;
    elem(&rest, 1, 0x0002, 0x0001, "OB", "\0\1", 2);
    elem(&rest, 1, 0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7", 26); /* NUL padded */
    elem(&rest, 1, 0x0002, 0x0010, "UI", ts, strlen(ts) + (strlen(ts) & 1));
    memset(out->b, 0, 128);
    out->n = 128;
    put(out, "DICM", 4);
    elem(out, 1, 0x0002, 0x0000, "UL", "\0\0\0\0", 4);
    out->b[out->n - 4] = (unsigned char)rest.n;
    put(out, rest.b, rest.n);
    put(out, body->b, body->n);
}

#define EXPLICIT_LE "1.2.840.10008.1.2.1"
#define IMPLICIT_LE "1.2.840.10008.1.2"

DK_TEST(syntax_mismatch_is_read_with_a_warning) {
    buf body, file;
    dk_dataset *ds = NULL;
    char text[512];
    size_t size = sizeof text;
    uint32_t flags = 0;
    body.n = 0;
    /* Implicit VR dataset behind a meta that says explicit VR. */
    elem(&body, 0, 0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7", 26);
    elem(&body, 0, 0x0010, 0x0010, "PN", "DOE^JOHN", 8);
    part10(&file, EXPLICIT_LE, &body);
    REQUIRE_OK(dk_dataset_read_memory(&ds, file.b, file.n, NULL));
    CHECK_OK(dk_dataset_get_string(text, &size, ds, DK_TAG(0x0010, 0x0010)));
    CHECK_STR(text, "DOE^JOHN");
    size = sizeof text;
    CHECK_OK(dk_dataset_warnings(&flags, text, &size, ds));
    CHECK_INT(flags, DK_WARN_SYNTAX_MISMATCH);
    CHECK(strstr(text, "Explicit VR Little Endian") != NULL);
    CHECK(strchr(text, '\n') == NULL); /* one warning */
    size = sizeof text;
    CHECK_OK(dk_dataset_transfer_syntax(text, &size, ds));
    CHECK_STR(text, IMPLICIT_LE);
    /* Flags alone, and the size needed. */
    flags = 0;
    CHECK_OK(dk_dataset_warnings(&flags, NULL, NULL, ds));
    CHECK_INT(flags, DK_WARN_SYNTAX_MISMATCH);
    size = 0;
    CHECK_ERR(dk_dataset_warnings(NULL, NULL, &size, ds), DK_EBUFS, "too small");
    CHECK(size > 20);
    dk_dataset_free(ds);

    /* A conforming file: no flag, no text. */
    body.n = 0;
    elem(&body, 1, 0x0010, 0x0010, "PN", "DOE^JOHN", 8);
    part10(&file, EXPLICIT_LE, &body);
    REQUIRE_OK(dk_dataset_read_memory(&ds, file.b, file.n, NULL));
    size = sizeof text;
    flags = 99;
    CHECK_OK(dk_dataset_warnings(&flags, text, &size, ds));
    CHECK_INT(flags, 0);
    CHECK_STR(text, "");
    dk_dataset_free(ds);
    CHECK_ERR(dk_dataset_warnings(&flags, NULL, NULL, NULL), DK_EINVAL, "NULL");
}

DK_TEST(un_with_a_known_vr_and_keep_un) {
    buf body, file;
    dk_dataset *ds = NULL;
    dk_read_options opts = DK_READ_OPTIONS_INIT;
    char vr[3] = "";
    char text[256];
    size_t size = sizeof text;
    uint32_t flags = 0;
    body.n = 0;
    elem(&body, 1, 0x0010, 0x0010, "UN", "DOE^JOHN", 8);
    elem(&body, 1, 0x0029, 0x0010, "LO", "SIEMENS CSA HEADER", 18);
    elem(&body, 1, 0x0029, 0x1008, "UN", "IMAGE NUM 4 ", 12); /* CS CSAImageHeaderType */
    part10(&file, EXPLICIT_LE, &body);

    REQUIRE_OK(dk_dataset_read_memory(&ds, file.b, file.n, NULL));
    CHECK_OK(dk_dataset_vr(vr, ds, DK_TAG(0x0010, 0x0010)));
    CHECK_STR(vr, "PN");
    CHECK_OK(dk_dataset_vr(vr, ds, DK_TAG(0x0029, 0x1008)));
    CHECK_STR(vr, "CS");
    CHECK_OK(dk_dataset_get_string(text, &size, ds, DK_TAG(0x0029, 0x1008)));
    CHECK_STR(text, "IMAGE NUM 4");
    size = sizeof text;
    CHECK_OK(dk_dataset_warnings(&flags, text, &size, ds));
    CHECK_INT(flags, DK_WARN_UN_RETYPED);
    dk_dataset_free(ds);

    CHECK_INT(opts.version, 2);
    opts.keep_un = 1;
    REQUIRE_OK(dk_dataset_read_memory(&ds, file.b, file.n, &opts));
    CHECK_OK(dk_dataset_vr(vr, ds, DK_TAG(0x0010, 0x0010)));
    CHECK_STR(vr, "UN");
    CHECK_OK(dk_dataset_warnings(&flags, NULL, NULL, ds));
    CHECK_INT(flags, 0);
    dk_dataset_free(ds);

    /* A version 1 caller (no keep_un field) gets the default. */
    opts.version = 1;
    REQUIRE_OK(dk_dataset_read_memory(&ds, file.b, file.n, &opts));
    CHECK_OK(dk_dataset_vr(vr, ds, DK_TAG(0x0010, 0x0010)));
    CHECK_STR(vr, "PN");
    dk_dataset_free(ds);
    memset(&opts, 0x5A, sizeof opts);
    CHECK_OK(dk_read_options_init(&opts, 2));
    CHECK_INT(opts.keep_un, 0);
}

DK_TEST(private_tag_lookup) {
    char vr[3] = "";
    const char *keyword = NULL, *name = NULL;
    /* DCMTK private.dic: (0029,"SIEMENS CSA HEADER",10) OB CSAImageHeaderInfo. */
    CHECK_OK(dk_private_tag_lookup(vr, &keyword, &name, "SIEMENS CSA HEADER", DK_TAG(0x0029, 0x1010)));
    CHECK_STR(vr, "OB");
    CHECK_STR(keyword, "CSAImageHeaderInfo");
    CHECK(name != NULL && *name != '\0');
    /* Another block of the same creator; out pointers may be NULL. */
    CHECK_OK(dk_private_tag_lookup(vr, NULL, NULL, "SIEMENS CSA HEADER", DK_TAG(0x0029, 0x1210)));
    CHECK_STR(vr, "OB");
    /* (0019,"GEMS_ACQU_01",02) SL NumberOfCellsInDetector. */
    CHECK_OK(dk_private_tag_lookup(vr, &keyword, NULL, "GEMS_ACQU_01", DK_TAG(0x0019, 0x1002)));
    CHECK_STR(vr, "SL");
    CHECK_STR(keyword, "NumberOfCellsInDetector");
    CHECK_ERR(dk_private_tag_lookup(vr, &keyword, NULL, "NO SUCH VENDOR", DK_TAG(0x0029, 0x1010)), DK_ENOTFOUND,
              "not in the private dictionary");
    CHECK_STR(vr, "UN");
    CHECK_STR(keyword, "");
    CHECK_ERR(dk_private_tag_lookup(vr, NULL, NULL, "SIEMENS CSA HEADER", DK_TAG(0x0010, 0x0010)), DK_ENOTFOUND, "");
    CHECK_ERR(dk_private_tag_lookup(vr, NULL, NULL, NULL, DK_TAG(0x0029, 0x1010)), DK_EINVAL, "creator is NULL");
}

static const dk_test_case dk_tests[] = {
    DK_CASE(syntax_mismatch_is_read_with_a_warning),
    DK_CASE(un_with_a_known_vr_and_keep_un),
    DK_CASE(private_tag_lookup),
};
DK_TEST_MAIN(dk_tests)
