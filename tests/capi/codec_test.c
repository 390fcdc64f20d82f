/* C ABI: codecs — decoding files DCMTK compressed (dcmcrle, dcmcjpls: make_fixtures.sh) bit-exactly
 * against the native originals, transcoding round trips, the lossy-to-lossless refusal, rendering
 * and PNG export, corrupt frames, and misuse. The cases reading DCMTK files skip without DCMTK. */
#include "dk_test.h"

#define SOP_INSTANCE_UID DK_TAG(0x0008, 0x0018)
#define IMAGE_TYPE DK_TAG(0x0008, 0x0008)
#define PHOTOMETRIC DK_TAG(0x0028, 0x0004)
#define LOSSY DK_TAG(0x0028, 0x2110)
#define EXTENDED_OFFSET_TABLE DK_TAG(0x7FE0, 0x0001)
#define PIXEL_DATA DK_TAG(0x7FE0, 0x0010)

#define TS_EXPLICIT "1.2.840.10008.1.2.1"
#define TS_RLE "1.2.840.10008.1.2.5"
#define TS_JPEGLS "1.2.840.10008.1.2.4.80"
#define TS_JPEG_BASELINE "1.2.840.10008.1.2.4.50"

/* A fixture of make_fixtures.sh, or NULL when it was not made (no DCMTK). */
static dk_dataset *fixture(const char *name) {
    char path[512];
    FILE *f;
    dk_dataset *ds = NULL;
    snprintf(path, sizeof path, "%s/%s", DK_TEST_DATA_DIR, name);
    f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fclose(f);
    if (dk_dataset_read_file(&ds, path, NULL) != DK_OK) {
        CHECK(!"a fixture does not read");
        return NULL;
    }
    return ds;
}

/* Frame `index` through dk_dataset_read_frame (decode = 0) or dk_dataset_decode_frame (1), in a
 * malloc'd buffer sized by the size protocol; NULL on failure (reported). */
static unsigned char *frame_of(const dk_dataset *ds, uint64_t index, int decode, size_t *size, char pi[20]) {
    unsigned char *buf;
    dk_result r;
    *size = 0;
    r = decode ? dk_dataset_decode_frame(NULL, size, pi, ds, index) : dk_dataset_read_frame(NULL, size, ds, index);
    if (r != DK_EBUFS) {
        CHECK_RC(r, DK_EBUFS);
        return NULL;
    }
    buf = malloc(*size);
    if (buf == NULL) return NULL;
    r = decode ? dk_dataset_decode_frame(buf, size, pi, ds, index) : dk_dataset_read_frame(buf, size, ds, index);
    if (r != DK_OK) {
        CHECK_OK(r);
        free(buf);
        return NULL;
    }
    return buf;
}

/* Every frame of `a` and `b` decodes to the same bytes (read_frame and decode_frame). */
static void check_same_frames(const dk_dataset *a, const dk_dataset *b) {
    uint64_t na = 0, nb = 0, f;
    int decode;
    CHECK_OK(dk_dataset_frame_count(&na, a));
    CHECK_OK(dk_dataset_frame_count(&nb, b));
    CHECK_INT(na, nb);
    CHECK(na > 0);
    for (f = 0; f < na && f < nb; ++f) {
        for (decode = 0; decode < 2; ++decode) {
            size_t sa = 0, sb = 0;
            char pa[20] = "?", pb[20] = "?";
            unsigned char *fa = frame_of(a, f, decode, &sa, pa);
            unsigned char *fb = frame_of(b, f, decode, &sb, pb);
            CHECK(fa != NULL && fb != NULL);
            if (fa && fb) {
                CHECK_INT(sa, sb);
                CHECK(sa == sb && memcmp(fa, fb, sa) == 0);
                if (decode) CHECK_STR(pa, pb);
            }
            free(fa);
            free(fb);
        }
    }
}

static void check_ts(const dk_dataset *ds, const char *want) {
    char buf[80];
    size_t size = sizeof buf;
    CHECK_OK(dk_dataset_transfer_syntax(buf, &size, ds));
    CHECK_STR(buf, want);
}

static int encapsulated(const dk_dataset *ds) {
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    if (dk_dataset_pixel_info(&info, ds) != DK_OK) return -1;
    return info.encapsulated;
}

/* Encodes and reads back, as another program would read the file. */
static dk_dataset *reread(const dk_dataset *ds) {
    void *bytes = NULL;
    size_t n = 0;
    dk_dataset *out = NULL;
    if (dk_dataset_write_memory(&bytes, &n, ds, NULL) == DK_OK) CHECK_OK(dk_dataset_read_memory(&out, bytes, n, NULL));
    else CHECK(!"write_memory failed");
    dk_free(bytes);
    return out;
}

static void check_decodes_like_the_original(const char *original, const char *compressed, const char *ts) {
    dk_dataset *a = fixture(original), *b = fixture(compressed);
    if (a == NULL || b == NULL) {
        dk_dataset_free(a);
        dk_dataset_free(b);
        DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    }
    check_ts(b, ts);
    CHECK_INT(encapsulated(a), 0);
    CHECK_INT(encapsulated(b), 1);
    check_same_frames(a, b);
    dk_dataset_free(a);
    dk_dataset_free(b);
}

DK_TEST(decodes_dcmcrle_bit_exactly) {
    check_decodes_like_the_original("mono16.dcm", "mono16-rle.dcm", TS_RLE);
    check_decodes_like_the_original("rgb8.dcm", "rgb8-rle.dcm", TS_RLE);
}

DK_TEST(decodes_dcmcjpls_bit_exactly) {
    DK_NEED_CODEC(TS_JPEGLS);
    check_decodes_like_the_original("mono16.dcm", "mono16-jls.dcm", TS_JPEGLS);
    check_decodes_like_the_original("rgb8.dcm", "rgb8-jls.dcm", TS_JPEGLS);
}

DK_TEST(codec_support) {
    const int both = DK_CODEC_DECODE | DK_CODEC_ENCODE;
    CHECK_INT(dk_codec_support("explicit"), both);
    CHECK_INT(dk_codec_support("1.2.840.10008.1.2"), both);
    CHECK_INT(dk_codec_support("ExplicitVRBigEndian"), both);
    CHECK_INT(dk_codec_support("deflate"), DK_TEST_WITH_ZLIB ? both : 0);
    CHECK_INT(dk_codec_support(TS_RLE), both);
    CHECK_INT(dk_codec_support("rle"), both);
    /* Third-party codecs only when compiled in (the DCMKIT_WITH_* options); JPEG lossless is ours. */
    CHECK_INT(dk_codec_support("jpegls"), DK_TEST_WITH_CHARLS ? both : 0);
    CHECK_INT(dk_codec_support("jpeg"), DK_TEST_WITH_JPEG ? both : 0);
    CHECK_INT(dk_codec_support("1.2.840.10008.1.2.4.51"), DK_TEST_WITH_JPEG ? both : 0);
    CHECK_INT(dk_codec_support("jpeg-lossless"), both);
    CHECK_INT(dk_codec_support("1.2.840.10008.1.2.4.57"), both);
    CHECK_INT(dk_codec_support("j2k-lossless") & DK_CODEC_DECODE, DK_TEST_WITH_OPENJPEG ? DK_CODEC_DECODE : 0);
    CHECK_INT(dk_codec_support("1.2.840.10008.1.2.4.201") & DK_CODEC_DECODE, DK_TEST_WITH_OPENJPH ? DK_CODEC_DECODE : 0);
    CHECK_INT(dk_codec_support("1.2.840.10008.1.2.4.100"), 0); /* MPEG2: no codec */
    CHECK_INT(dk_codec_support("no such syntax"), 0);
    CHECK_INT(dk_codec_support("CTImageStorage"), 0);
    CHECK_INT(dk_codec_support(""), 0);
    CHECK_INT(dk_codec_support(NULL), 0);
}

/* Native → `ts` → native keeps every frame; the compressed dataset writes and reads back in `ts`. */
static void round_trip(const char *name, const char *ts, const char *ts_uid) {
    dk_dataset *orig = fixture(name), *ds = fixture(name), *back = NULL;
    dk_transcode_options o = DK_TRANSCODE_OPTIONS_INIT;
    if (orig == NULL || ds == NULL) {
        dk_dataset_free(orig);
        dk_dataset_free(ds);
        DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    }
    o.threads = 2;
    REQUIRE_OK(dk_dataset_transcode(ds, ts, &o));
    check_ts(ds, ts_uid);
    CHECK_INT(encapsulated(ds), 1);
    CHECK(!dk_dataset_contains(ds, LOSSY)); /* lossless: nothing to say */
    check_same_frames(orig, ds);
    back = reread(ds);
    REQUIRE(back != NULL);
    check_ts(back, ts_uid);
    CHECK_INT(encapsulated(back), 1);
    check_same_frames(orig, back);
    /* And back to native, from what was read. */
    REQUIRE_OK(dk_dataset_transcode(back, "explicit", NULL));
    check_ts(back, TS_EXPLICIT);
    CHECK_INT(encapsulated(back), 0);
    check_same_frames(orig, back);
    dk_dataset_free(back);
    back = reread(ds); /* once more, via implicit VR with the default options */
    REQUIRE(back != NULL);
    REQUIRE_OK(dk_dataset_transcode(back, "implicit", NULL));
    check_ts(back, "1.2.840.10008.1.2");
    check_same_frames(orig, back);
    dk_dataset_free(back);
    dk_dataset_free(orig);
    dk_dataset_free(ds);
}

DK_TEST(transcode_round_trips) {
    if (dk_codec_support(TS_JPEGLS)) {
        round_trip("mono16.dcm", "jpegls", TS_JPEGLS);
        round_trip("rgb8.dcm", "JPEGLSLossless", TS_JPEGLS);
    }
    round_trip("mono16.dcm", TS_RLE, TS_RLE);
    round_trip("rgb8.dcm", "rle", TS_RLE);
    round_trip("mono16.dcm", "jpeg-lossless", "1.2.840.10008.1.2.4.70");
}

DK_TEST(transcode_between_compressed_syntaxes) {
    DK_NEED_CODEC(TS_JPEGLS);
    dk_dataset *orig = fixture("mono16.dcm"), *ds = fixture("mono16-rle.dcm");
    dk_transcode_options o;
    if (orig == NULL || ds == NULL) {
        dk_dataset_free(orig);
        dk_dataset_free(ds);
        DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    }
    REQUIRE_OK(dk_transcode_options_init(&o, DK_TRANSCODE_OPTIONS_VERSION));
    o.extended_offset_table = 1;
    /* RLE as read → JPEG-LS, with an Extended Offset Table. */
    REQUIRE_OK(dk_dataset_transcode(ds, "jpegls", &o));
    check_ts(ds, TS_JPEGLS);
    CHECK(dk_dataset_contains(ds, EXTENDED_OFFSET_TABLE));
    check_same_frames(orig, ds);
    /* To the syntax it is already in: nothing to do. */
    CHECK_OK(dk_dataset_transcode(ds, TS_JPEGLS, NULL));
    check_same_frames(orig, ds);
    /* Writing in another syntax still needs a transcode, and says so. */
    CHECK_ERR(dk_dataset_set_transfer_syntax(ds, "explicit"), DK_EUNSUPPORTED, "dk_dataset_transcode");
    CHECK_ERR(dk_dataset_set_transfer_syntax(ds, "rle"), DK_EUNSUPPORTED, "dk_dataset_transcode");
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "jpegls"));
    dk_dataset_free(orig);
    dk_dataset_free(ds);
}

DK_TEST(set_transfer_syntax_suggests_transcode) {
    dk_dataset *ds = fixture("mono16.dcm");
    dk_write_options w = DK_WRITE_OPTIONS_INIT;
    void *mem = NULL;
    size_t size = 0;
    if (ds == NULL) DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    CHECK_ERR(dk_dataset_set_transfer_syntax(ds, "jpegls"), DK_EUNSUPPORTED, "dk_dataset_transcode");
    w.transfer_syntax = "rle";
    CHECK_ERR(dk_dataset_write_memory(&mem, &size, ds, &w), DK_EUNSUPPORTED, "dk_dataset_transcode");
    CHECK(mem == NULL);
    check_ts(ds, TS_EXPLICIT); /* unchanged by the refusals */
    CHECK_OK(dk_dataset_set_transfer_syntax(ds, "implicit")); /* native to native is fine */
    dk_dataset_free(ds);
}

DK_TEST(lossy_to_lossless_is_refused) {
    DK_NEED_CODEC(TS_JPEG_BASELINE);
    dk_dataset *ds = fixture("rgb8.dcm"), *copy = NULL;
    dk_transcode_options o = DK_TRANSCODE_OPTIONS_INIT;
    char uid[80], uid2[80], pi[20] = "", type[80];
    size_t size;
    unsigned char *frame;
    if (ds == NULL) DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    size = sizeof uid;
    REQUIRE_OK(dk_dataset_get_string(uid, &size, ds, SOP_INSTANCE_UID));
    /* keep_uid: the UID stays. */
    copy = reread(ds);
    REQUIRE(copy != NULL);
    o.keep_uid = 1;
    o.quality = 95;
    REQUIRE_OK(dk_dataset_transcode(copy, "jpeg", &o));
    size = sizeof uid2;
    CHECK_OK(dk_dataset_get_string(uid2, &size, copy, SOP_INSTANCE_UID));
    CHECK_STR(uid2, uid);
    dk_dataset_free(copy);
    /* By default, lossy compression makes a new image. */
    REQUIRE_OK(dk_dataset_transcode(ds, "jpeg", NULL));
    check_ts(ds, TS_JPEG_BASELINE);
    size = sizeof uid2;
    CHECK_OK(dk_dataset_get_string(uid2, &size, ds, SOP_INSTANCE_UID));
    CHECK(strcmp(uid, uid2) != 0);
    size = sizeof type;
    CHECK_OK(dk_dataset_get_string(type, &size, ds, LOSSY));
    CHECK_STR(type, "01");
    /* Decoding gives RGB, whatever colour space the JPEG holds. */
    frame = frame_of(ds, 0, 1, &size, pi);
    CHECK(frame != NULL);
    CHECK_INT(size, 40 * 30 * 3);
    CHECK_STR(pi, "RGB");
    free(frame);
    /* Lossy pixels presented as lossless: refused, the dataset unchanged. */
    CHECK_ERR(dk_dataset_transcode(ds, "jpegls", NULL), DK_EINVAL, "lossy");
    CHECK_ERR(dk_dataset_transcode(ds, "rle", NULL), DK_EINVAL, "lossy");
    check_ts(ds, TS_JPEG_BASELINE);
    CHECK_INT(encapsulated(ds), 1);
    /* Asked for, it is done; decoding to native is always allowed. */
    copy = reread(ds);
    REQUIRE(copy != NULL);
    o = (dk_transcode_options)DK_TRANSCODE_OPTIONS_INIT;
    o.lossy_to_lossless = 1;
    CHECK_OK(dk_dataset_transcode(copy, "jpegls", &o));
    check_ts(copy, TS_JPEGLS);
    size = sizeof type;
    CHECK_OK(dk_dataset_get_string(type, &size, copy, LOSSY));
    CHECK_STR(type, "01"); /* still lossy */
    dk_dataset_free(copy);
    CHECK_OK(dk_dataset_transcode(ds, "explicit", NULL));
    CHECK_INT(encapsulated(ds), 0);
    size = sizeof pi;
    CHECK_OK(dk_dataset_get_string(pi, &size, ds, PHOTOMETRIC));
    CHECK_STR(pi, "RGB");
    dk_dataset_free(ds);
}

DK_TEST(render_to_a_buffer) {
    DK_NEED_CODEC(TS_JPEGLS);
    dk_dataset *ds = fixture("mono16.dcm"), *rle = fixture("mono16-rle.dcm"), *rgb = fixture("rgb8-jls.dcm");
    dk_render_options o = DK_RENDER_OPTIONS_INIT;
    unsigned char *a = NULL, *b = NULL, *c = NULL, *native = NULL;
    size_t size = 0, n = 0;
    uint32_t w = 0, h = 0, ch = 0;
    int differs = 0;
    size_t i;
    if (ds == NULL || rle == NULL || rgb == NULL) {
        dk_dataset_free(ds);
        dk_dataset_free(rle);
        dk_dataset_free(rgb);
        DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    }
    /* Size protocol: ask, then render. */
    CHECK_ERR(dk_dataset_render_frame(NULL, &size, &w, &h, &ch, ds, 1, NULL), DK_EBUFS, "too small");
    CHECK_INT(size, 64 * 48);
    CHECK_INT(w, 64);
    CHECK_INT(h, 48);
    CHECK_INT(ch, 1);
    a = malloc(size);
    b = malloc(size);
    c = malloc(size);
    REQUIRE(a && b && c);
    n = size - 1;
    CHECK_ERR(dk_dataset_render_frame(a, &n, NULL, NULL, NULL, ds, 1, NULL), DK_EBUFS, "3072");
    CHECK_INT(n, size);
    w = h = ch = 0;
    CHECK_OK(dk_dataset_render_frame(a, &n, &w, &h, &ch, ds, 1, NULL));
    CHECK_INT(n, 64 * 48);
    CHECK_INT(w, 64);
    CHECK_INT(ch, 1);
    /* The same from the RLE file; and the file's window (2048, 4096) given explicitly. */
    n = size;
    CHECK_OK(dk_dataset_render_frame(b, &n, NULL, NULL, NULL, rle, 1, &o));
    CHECK(memcmp(a, b, size) == 0);
    o.use_window = 1;
    o.window_center = 2048;
    o.window_width = 4096;
    n = size;
    CHECK_OK(dk_dataset_render_frame(b, &n, NULL, NULL, NULL, rle, 1, &o));
    CHECK(memcmp(a, b, size) == 0);
    /* min..max stretches differently: values 0..4095 vs the frame's range. */
    o = (dk_render_options)DK_RENDER_OPTIONS_INIT;
    o.min_max = 1;
    n = size;
    CHECK_OK(dk_dataset_render_frame(c, &n, NULL, NULL, NULL, ds, 1, &o));
    for (i = 0; i < size; ++i) differs |= a[i] != c[i];
    CHECK(differs);
    /* A narrow window thresholds. */
    o = (dk_render_options)DK_RENDER_OPTIONS_INIT;
    CHECK_OK(dk_render_options_init(&o, DK_RENDER_OPTIONS_VERSION));
    o.use_window = 1;
    o.window_center = 2048;
    o.window_width = 1;
    n = size;
    CHECK_OK(dk_dataset_render_frame(c, &n, NULL, NULL, NULL, ds, 0, &o));
    for (i = 0, differs = 0; i < size; ++i) differs |= c[i] != 0 && c[i] != 255;
    CHECK(!differs);
    free(a);
    free(b);
    free(c);
    /* RGB 8-bit renders to its own values, three channels. */
    size = 0;
    CHECK_RC(dk_dataset_render_frame(NULL, &size, &w, &h, &ch, rgb, 0, NULL), DK_EBUFS);
    CHECK_INT(size, 40 * 30 * 3);
    CHECK_INT(ch, 3);
    a = malloc(size);
    REQUIRE(a != NULL);
    CHECK_OK(dk_dataset_render_frame(a, &size, &w, &h, &ch, rgb, 0, NULL));
    CHECK_INT(w, 40);
    CHECK_INT(h, 30);
    native = frame_of(rgb, 0, 1, &n, NULL);
    CHECK(native != NULL && n == size && memcmp(native, a, n) == 0);
    free(native);
    free(a);
    dk_dataset_free(ds);
    dk_dataset_free(rle);
    dk_dataset_free(rgb);
}

static uint32_t be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Reads the start of a PNG file: signature, then IHDR. */
static void check_png(const char *path, uint32_t width, uint32_t height, int color_type) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    unsigned char head[33];
    FILE *f = fopen(path, "rb");
    REQUIRE(f != NULL);
    CHECK_INT(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    CHECK(memcmp(head, signature, 8) == 0);
    CHECK_INT(be32(head + 8), 13);
    CHECK(memcmp(head + 12, "IHDR", 4) == 0);
    CHECK_INT(be32(head + 16), width);
    CHECK_INT(be32(head + 20), height);
    CHECK_INT(head[24], 8); /* bit depth */
    CHECK_INT(head[25], color_type);
}

static unsigned be16(const unsigned char *p) { return ((unsigned)p[0] << 8) | p[1]; }

/* Walks the markers of the JPEG file at `path` up to its first scan: SOI first, a SOF0 (baseline,
 * 8-bit) of the given size and components and no other SOFn, EOI last. Returns the file's size. */
static long check_jpeg(const char *path, unsigned width, unsigned height, unsigned components) {
    unsigned char buf[1 << 16];
    size_t n, pos = 2;
    int sof0 = 0;
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f == NULL) return 0;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    CHECK(n > 4 && n < sizeof buf);
    CHECK_INT(buf[0], 0xFF);
    CHECK_INT(buf[1], 0xD8); /* SOI */
    CHECK_INT(buf[n - 2], 0xFF);
    CHECK_INT(buf[n - 1], 0xD9); /* EOI */
    while (pos + 4 <= n && buf[pos] == 0xFF && buf[pos + 1] != 0xDA) {
        const unsigned m = buf[pos + 1], len = (unsigned)be16(buf + pos + 2);
        if (m == 0xC0 && pos + 10 <= n) {
            sof0 = 1;
            CHECK_INT(buf[pos + 4], 8); /* sample precision */
            CHECK_INT(be16(buf + pos + 5), height);
            CHECK_INT(be16(buf + pos + 7), width);
            CHECK_INT(buf[pos + 9], components);
        }
        /* SOF1..SOF15 (but DHT C4, JPG C8, DAC CC): no other process than baseline. */
        CHECK(!(m > 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC));
        pos += 2 + len;
    }
    CHECK(pos + 2 <= n && buf[pos + 1] == 0xDA); /* the markers led to a scan */
    CHECK(sof0);
    return (long)n;
}

DK_TEST(export_jpeg) {
    dk_dataset *ds = NULL, *rgb = fixture("rgb8-rle.dcm");
    dk_render_options o = DK_RENDER_OPTIONS_INIT;
    char path[512], bad[600];
    long small, large;
    if (rgb == NULL) DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    dk_test_path(path, sizeof path, "rgb.jpg");
    remove(path);
    if (!(dk_codec_support(TS_JPEG_BASELINE) & DK_CODEC_ENCODE)) {
        /* Built without libjpeg-turbo: a clear refusal, and no file. */
        CHECK_ERR(dk_dataset_export_jpeg(rgb, 0, NULL, 90, path), DK_EUNSUPPORTED, "JPEG export is not in this build");
        CHECK(fopen(path, "rb") == NULL);
        dk_dataset_free(rgb);
        return;
    }
    CHECK_OK(dk_dataset_export_jpeg(rgb, 0, NULL, 90, path));
    check_jpeg(path, 40, 30, 3);
    /* Quality is honoured: the same image is smaller at 10 than at 100. */
    CHECK_OK(dk_dataset_export_jpeg(rgb, 0, NULL, 10, path));
    small = check_jpeg(path, 40, 30, 3);
    CHECK_OK(dk_dataset_export_jpeg(rgb, 0, NULL, 100, path));
    large = check_jpeg(path, 40, 30, 3);
    CHECK(small < large);
    /* Refusals: quality out of 1..100 (the file written above is left alone), a frame past the end,
     * a folder that does not exist, NULL arguments. */
    CHECK_ERR(dk_dataset_export_jpeg(rgb, 0, NULL, 0, path), DK_EINVAL, "quality must be 1..100, not 0");
    CHECK_ERR(dk_dataset_export_jpeg(rgb, 0, NULL, 101, path), DK_EINVAL, "not 101");
    CHECK_INT(check_jpeg(path, 40, 30, 3), large);
    CHECK_ERR(dk_dataset_export_jpeg(rgb, 1, NULL, 90, path), DK_EINVAL, "frame 1");
    snprintf(bad, sizeof bad, "%s/no-such-folder/x.jpg", DK_TEST_TMPDIR);
    CHECK_ERR(dk_dataset_export_jpeg(rgb, 0, NULL, 90, bad), DK_EIO, "no-such-folder");
    CHECK_ERR(dk_dataset_export_jpeg(NULL, 0, NULL, 90, path), DK_EINVAL, "NULL");
    CHECK_ERR(dk_dataset_export_jpeg(rgb, 0, NULL, 90, NULL), DK_EINVAL, "path is NULL");
    /* A dataset without pixel data: nothing to render, nothing written. */
    REQUIRE_OK(dk_dataset_new(&ds));
    dk_test_path(bad, sizeof bad, "empty.jpg");
    remove(bad);
    CHECK_ERR(dk_dataset_export_jpeg(ds, 0, NULL, 90, bad), DK_ENOTFOUND, "no Pixel Data");
    CHECK(fopen(bad, "rb") == NULL);
    dk_dataset_free(ds);
    ds = NULL;
    /* Grayscale, 16-bit JPEG-LS frames through a window. */
    if (dk_codec_support(TS_JPEGLS) & DK_CODEC_DECODE) {
        ds = fixture("mono16-jls.dcm");
        CHECK(ds != NULL);
        dk_test_path(path, sizeof path, "mono.jpg");
        CHECK_OK(dk_dataset_export_jpeg(ds, 1, NULL, 90, path));
        check_jpeg(path, 64, 48, 1);
        o.min_max = 1;
        CHECK_OK(dk_dataset_export_jpeg(ds, 0, &o, 75, path));
        check_jpeg(path, 64, 48, 1);
        o.window_width = -1;
        o.use_window = 1;
        CHECK_ERR(dk_dataset_export_jpeg(ds, 0, &o, 75, path), DK_EINVAL, "window_width");
        dk_dataset_free(ds);
    }
    dk_dataset_free(rgb);
}

DK_TEST(export_png) {
    dk_dataset *ds = NULL, *rgb = fixture("rgb8-rle.dcm");
    dk_render_options o = DK_RENDER_OPTIONS_INIT;
    char path[512], bad[600];
    if (rgb == NULL) DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    if (!DK_TEST_WITH_PNG) {
        /* Built without libpng: a clear refusal, and no file. */
        dk_test_path(path, sizeof path, "nopng.png");
        remove(path);
        CHECK_ERR(dk_dataset_export_png(rgb, 0, NULL, path), DK_EUNSUPPORTED, "PNG export is not in this build");
        CHECK(fopen(path, "rb") == NULL);
        dk_dataset_free(rgb);
        return;
    }
    DK_NEED_CODEC(TS_JPEGLS);
    ds = fixture("mono16-jls.dcm");
    if (ds == NULL) {
        dk_dataset_free(rgb);
        DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    }
    dk_test_path(path, sizeof path, "mono.png");
    remove(path);
    CHECK_OK(dk_dataset_export_png(ds, 1, NULL, path));
    check_png(path, 64, 48, 0);
    o.min_max = 1;
    CHECK_OK(dk_dataset_export_png(ds, 0, &o, path));
    check_png(path, 64, 48, 0);
    dk_test_path(path, sizeof path, "rgb.png");
    CHECK_OK(dk_dataset_export_png(rgb, 0, NULL, path));
    check_png(path, 40, 30, 2);
    snprintf(bad, sizeof bad, "%s/no-such-folder/x.png", DK_TEST_TMPDIR);
    CHECK_ERR(dk_dataset_export_png(rgb, 0, NULL, bad), DK_EIO, "no-such-folder");
    CHECK_ERR(dk_dataset_export_png(rgb, 1, NULL, path), DK_EINVAL, "frame 1");
    dk_dataset_free(ds);
    dk_dataset_free(rgb);
}

/* Rewrites the last fragment of an encapsulated file in memory (Pixel Data last, then the Sequence
 * Delimitation Item) to keep only its first `keep` bytes. Returns 0 when the layout is not found. */
static int cut_last_fragment(unsigned char *bytes, size_t *n, uint32_t keep) {
    static const unsigned char item[4] = {0xFE, 0xFF, 0x00, 0xE0}, end[8] = {0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0};
    size_t stop, p;
    if (*n < 16 || memcmp(bytes + *n - 8, end, 8) != 0) return 0;
    stop = *n - 8;
    for (p = stop - 8;; --p) {
        uint32_t len = (uint32_t)bytes[p + 4] | ((uint32_t)bytes[p + 5] << 8) | ((uint32_t)bytes[p + 6] << 16) |
                       ((uint32_t)bytes[p + 7] << 24);
        if (memcmp(bytes + p, item, 4) == 0 && p + 8 + len == stop) {
            if (keep >= len) return 0;
            bytes[p + 4] = (unsigned char)keep;
            bytes[p + 5] = (unsigned char)(keep >> 8);
            bytes[p + 6] = (unsigned char)(keep >> 16);
            bytes[p + 7] = (unsigned char)(keep >> 24);
            memcpy(bytes + p + 8 + keep, end, 8);
            *n = p + 8 + keep + 8;
            return 1;
        }
        if (p == 0) return 0;
    }
}

static void check_truncated(const char *ts) {
    dk_dataset *ds = fixture("mono16.dcm"), *cut = NULL;
    void *mem = NULL;
    size_t n = 0, size;
    unsigned char *buf = NULL;
    dk_result r;
    if (ds == NULL) DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    REQUIRE_OK(dk_dataset_transcode(ds, ts, NULL));
    REQUIRE_OK(dk_dataset_write_memory(&mem, &n, ds, NULL));
    CHECK(cut_last_fragment(mem, &n, 100));
    CHECK_OK(dk_dataset_read_memory(&cut, mem, n, NULL));
    dk_free(mem);
    dk_dataset_free(ds);
    REQUIRE(cut != NULL);
    buf = frame_of(cut, 0, 0, &size, NULL); /* frame 0 is intact */
    CHECK(buf != NULL);
    if (buf != NULL) {
        r = dk_dataset_read_frame(buf, &size, cut, 1);
        CHECK(r == DK_ETRUNCATED || r == DK_EMALFORMED);
        CHECK(strstr(dk_last_error(), "frame 1") != NULL);
        r = dk_dataset_decode_frame(buf, &size, NULL, cut, 1);
        CHECK(r == DK_ETRUNCATED || r == DK_EMALFORMED);
        CHECK(strstr(dk_last_error(), "frame 1") != NULL);
        r = dk_dataset_render_frame(buf, &size, NULL, NULL, NULL, cut, 1, NULL);
        CHECK(r == DK_ETRUNCATED || r == DK_EMALFORMED);
        /* Transcoding fails and leaves the dataset as it was. */
        r = dk_dataset_transcode(cut, "explicit", NULL);
        CHECK(r == DK_ETRUNCATED || r == DK_EMALFORMED);
        CHECK(strstr(dk_last_error(), "frame 1") != NULL);
        check_ts(cut, ts[0] == 'r' ? TS_RLE : TS_JPEGLS);
        CHECK_INT(encapsulated(cut), 1);
        free(buf);
    }
    dk_dataset_free(cut);
}

DK_TEST(truncated_compressed_frame) {
    if (dk_codec_support(TS_JPEGLS)) check_truncated("jpegls");
    check_truncated("rle");
}

/* Pixel Data as a PS3.5 A.4 item sequence: an empty Basic Offset Table and one fragment "abcd". */
#define ENCAPSULATED "\"7FE00010\":{\"vr\":\"OB\",\"InlineBinary\":\"/v8A4AAAAAD+/wDgBAAAAGFiY2T+/93gAAAAAA==\"}"
#define IMAGE_ATTRS                                                                                  \
    "\"00280010\":{\"vr\":\"US\",\"Value\":[2]},\"00280011\":{\"vr\":\"US\",\"Value\":[2]},"         \
    "\"00280100\":{\"vr\":\"US\",\"Value\":[8]},\"00280004\":{\"vr\":\"CS\",\"Value\":[\"MONOCHROME2\"]},"

DK_TEST(corrupt_and_unknown_compression) {
    static const char jpeg[] =
        "{\"00020010\":{\"vr\":\"UI\",\"Value\":[\"1.2.840.10008.1.2.4.50\"]}," IMAGE_ATTRS ENCAPSULATED "}";
    static const char mpeg[] =
        "{\"00020010\":{\"vr\":\"UI\",\"Value\":[\"1.2.840.10008.1.2.4.100\"]}," IMAGE_ATTRS ENCAPSULATED "}";
    static const char unknown[] = "{" IMAGE_ATTRS ENCAPSULATED "}";
    dk_dataset *ds = NULL;
    unsigned char buf[16];
    size_t size = sizeof buf;
    dk_result r;
    /* "abcd" is no JPEG; a build without libjpeg-turbo has no codec for it, and says so. */
    REQUIRE_OK(dk_dataset_from_json(&ds, jpeg, strlen(jpeg)));
    r = dk_dataset_read_frame(buf, &size, ds, 0);
    if (DK_TEST_WITH_JPEG) {
        CHECK(r == DK_ETRUNCATED || r == DK_EMALFORMED);
        CHECK(strstr(dk_last_error(), "frame 0") != NULL);
    } else {
        CHECK_INT(r, DK_EUNSUPPORTED);
        CHECK(strstr(dk_last_error(), "no codec to decode it") != NULL);
    }
    size = sizeof buf;
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 1), DK_EINVAL, "frame 1 of 1");
    dk_dataset_free(ds);
    /* No codec for MPEG2: named. */
    REQUIRE_OK(dk_dataset_from_json(&ds, mpeg, strlen(mpeg)));
    size = sizeof buf;
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 0), DK_EUNSUPPORTED, "1.2.840.10008.1.2.4.100");
    CHECK_ERR(dk_dataset_decode_frame(buf, &size, NULL, ds, 0), DK_EUNSUPPORTED, "no codec");
    CHECK_ERR(dk_dataset_render_frame(buf, &size, NULL, NULL, NULL, ds, 0, NULL), DK_EUNSUPPORTED, "no codec");
    CHECK_ERR(dk_dataset_transcode(ds, "explicit", NULL), DK_EUNSUPPORTED, "no codec");
    CHECK_ERR(dk_dataset_transcode(ds, "rle", NULL), DK_EUNSUPPORTED, "no codec");
    dk_dataset_free(ds);
    /* Compressed, in a syntax the dataset does not record. */
    REQUIRE_OK(dk_dataset_from_json(&ds, unknown, strlen(unknown)));
    size = sizeof buf;
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 0), DK_EUNSUPPORTED, "does not record");
    CHECK_ERR(dk_dataset_transcode(ds, "explicit", NULL), DK_EUNSUPPORTED, "does not record");
    dk_dataset_free(ds);
}

DK_TEST(what_cannot_be_compressed) {
    static const float px[4] = {0.5f, -1.0f, 2.25f, 1e6f};
    static const unsigned char bits[1] = {0x05};
    dk_dataset *ds = NULL;
    int64_t v = 2;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0010), NULL, &v, 1));
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0011), NULL, &v, 1));
    v = 32;
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0100), NULL, &v, 1));
    CHECK_OK(dk_dataset_set_string(ds, PHOTOMETRIC, NULL, "MONOCHROME2"));
    CHECK_OK(dk_dataset_set_bytes(ds, DK_TAG(0x7FE0, 0x0008), "OF", px, sizeof px));
    CHECK_ERR(dk_dataset_transcode(ds, "rle", NULL), DK_EUNSUPPORTED, "Float Pixel Data");
    CHECK_OK(dk_dataset_transcode(ds, "implicit", NULL)); /* native to native */
    CHECK_OK(dk_dataset_remove(ds, DK_TAG(0x7FE0, 0x0008)));
    v = 1;
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0100), NULL, &v, 1));
    CHECK_OK(dk_dataset_set_bytes(ds, PIXEL_DATA, "OB", bits, sizeof bits));
    CHECK_ERR(dk_dataset_transcode(ds, "rle", NULL), DK_EUNSUPPORTED, "1-bit");
    CHECK_ERR(dk_dataset_export_png(ds, 0, NULL, "/nonexistent/x.png"), DK_EUNSUPPORTED, "1-bit");
    /* Without pixel data, a transcode only changes the syntax. */
    CHECK_OK(dk_dataset_remove(ds, PIXEL_DATA));
    CHECK_OK(dk_dataset_transcode(ds, "jpegls", NULL));
    check_ts(ds, TS_JPEGLS);
    dk_dataset_free(ds);
}

DK_TEST(native_planar_frames_decode_interleaved) {
    static const unsigned char planes[12] = {1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12};
    static const unsigned char inter[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    dk_dataset *ds = NULL;
    unsigned char buf[12];
    char pi[20] = "";
    size_t size = sizeof buf;
    int64_t v;
    REQUIRE_OK(dk_dataset_new(&ds));
    v = 2;
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0010), NULL, &v, 1));
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0011), NULL, &v, 1));
    v = 3;
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0002), NULL, &v, 1));
    v = 1;
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0006), NULL, &v, 1));
    v = 8;
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0100), NULL, &v, 1));
    CHECK_OK(dk_dataset_set_string(ds, PHOTOMETRIC, NULL, "RGB"));
    CHECK_OK(dk_dataset_set_bytes(ds, PIXEL_DATA, "OB", planes, sizeof planes));
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 0)); /* as stored */
    CHECK(memcmp(buf, planes, 12) == 0);
    size = sizeof buf;
    CHECK_OK(dk_dataset_decode_frame(buf, &size, pi, ds, 0)); /* interleaved */
    CHECK_INT(size, 12);
    CHECK(memcmp(buf, inter, 12) == 0);
    CHECK_STR(pi, "RGB");
    /* Compressed and back: planar configuration 0 afterwards. */
    CHECK_OK(dk_dataset_transcode(ds, "rle", NULL));
    CHECK_OK(dk_dataset_transcode(ds, "explicit", NULL));
    CHECK_OK(dk_dataset_get_int(&v, ds, DK_TAG(0x0028, 0x0006), 0));
    CHECK_INT(v, 0);
    size = sizeof buf;
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 0));
    CHECK(memcmp(buf, inter, 12) == 0);
    dk_dataset_free(ds);
}

/* A JPEG scan header with Se 0 instead of 63, as some writers in the field leave it: decoded as the
 * sequential scan it is (libjpeg, dcmdjpeg and gdcmconv warn and decode), and dk_last_warnings says
 * so; a clean stream leaves it empty. */
DK_TEST(tolerated_bitstream_warns) {
    DK_NEED_CODEC(TS_JPEG_BASELINE);
    dk_dataset *ds = fixture("rgb8.dcm"), *odd = NULL;
    void *bytes = NULL;
    size_t n = 0, i, size = 0;
    unsigned char *clean = NULL, *patched = NULL;
    if (ds == NULL) DK_SKIP("no DCMTK fixtures (make_fixtures.sh)");
    CHECK_OK(dk_dataset_transcode(ds, "jpeg", NULL));
    CHECK_STR(dk_last_warnings(), "");
    clean = frame_of(ds, 0, 1, &size, NULL);
    CHECK(clean != NULL);
    CHECK_STR(dk_last_warnings(), "");
    CHECK_OK(dk_dataset_write_memory(&bytes, &n, ds, NULL));
    for (i = 0; i + 6 < n; ++i) { /* the SOS segment: FF DA, Ls, Ns, Ns component specs, Ss, Se */
        unsigned char *p = (unsigned char *)bytes + i;
        if (p[0] == 0xFF && p[1] == 0xDA) {
            p[5 + 2 * p[4] + 1] = 0;
            break;
        }
    }
    CHECK(i + 6 < n);
    CHECK_OK(dk_dataset_read_memory(&odd, bytes, n, NULL));
    if (odd) {
        size_t odd_size = 0;
        patched = frame_of(odd, 0, 1, &odd_size, NULL);
        CHECK(patched != NULL);
        CHECK(strstr(dk_last_warnings(), "frame 0: JPEG: Invalid SOS parameters for sequential JPEG (Ss 0, Se 0") ==
              dk_last_warnings());
        CHECK(patched && clean && odd_size == size && memcmp(patched, clean, size) == 0);
        CHECK_OK(dk_dataset_export_png(odd, 0, NULL, DK_TEST_TMPDIR "/tolerated.png"));
        CHECK(strstr(dk_last_warnings(), "Invalid SOS parameters") != NULL);
    }
    free(clean);
    free(patched);
    dk_free(bytes);
    dk_dataset_free(odd);
    dk_dataset_free(ds);
}

DK_TEST(misuse) {
    static const unsigned char px[4] = {1, 2, 3, 4};
    dk_dataset *ds = NULL, *item = NULL;
    dk_transcode_options t = DK_TRANSCODE_OPTIONS_INIT;
    dk_render_options o = DK_RENDER_OPTIONS_INIT;
    unsigned char buf[16];
    size_t size = sizeof buf;
    int64_t v = 2;
    REQUIRE_OK(dk_dataset_new(&ds));
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0010), NULL, &v, 1));
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0011), NULL, &v, 1));
    v = 8;
    CHECK_OK(dk_dataset_set_ints(ds, DK_TAG(0x0028, 0x0100), NULL, &v, 1));
    CHECK_OK(dk_dataset_set_string(ds, PHOTOMETRIC, NULL, "MONOCHROME2"));
    CHECK_OK(dk_dataset_set_bytes(ds, PIXEL_DATA, "OB", px, sizeof px));

    /* Options initialisers. */
    CHECK_ERR(dk_transcode_options_init(NULL, DK_TRANSCODE_OPTIONS_VERSION), DK_EINVAL, "opts is NULL");
    CHECK_ERR(dk_transcode_options_init(&t, 0), DK_EINVAL, "version 0");
    CHECK_ERR(dk_transcode_options_init(&t, DK_TRANSCODE_OPTIONS_VERSION + 1), DK_EINVAL, "version");
    CHECK_OK(dk_transcode_options_init(&t, DK_TRANSCODE_OPTIONS_VERSION));
    CHECK_INT(t.quality, 90);
    CHECK_INT(t.near_lossless, 2);
    CHECK_INT(t.predictor, 1);
    CHECK_INT(t.keep_uid, 0);
    CHECK_ERR(dk_render_options_init(NULL, DK_RENDER_OPTIONS_VERSION), DK_EINVAL, "opts is NULL");
    CHECK_ERR(dk_render_options_init(&o, 0), DK_EINVAL, "version 0");
    CHECK_ERR(dk_render_options_init(&o, 7), DK_EINVAL, "version 7");
    CHECK_OK(dk_render_options_init(&o, DK_RENDER_OPTIONS_VERSION));
    CHECK_INT(o.use_window, 0);

    /* Transcoding. */
    CHECK_ERR(dk_dataset_transcode(NULL, "rle", NULL), DK_EINVAL, "NULL");
    CHECK_ERR(dk_dataset_transcode(ds, NULL, NULL), DK_EINVAL, "transfer_syntax is NULL");
    CHECK_ERR(dk_dataset_transcode(ds, "no such syntax", NULL), DK_EINVAL, "unknown transfer syntax");
    t.version = 0;
    CHECK_ERR(dk_dataset_transcode(ds, "rle", &t), DK_EINVAL, "version 0");
    t.version = DK_TRANSCODE_OPTIONS_VERSION + 1;
    CHECK_ERR(dk_dataset_transcode(ds, "rle", &t), DK_EINVAL, "dk_transcode_options version");
    t = (dk_transcode_options)DK_TRANSCODE_OPTIONS_INIT;
    t.quality = 0;
    CHECK_ERR(dk_dataset_transcode(ds, "jpeg", &t), DK_EINVAL, "quality 0");
    t.quality = 90;
    t.predictor = 8;
    CHECK_ERR(dk_dataset_transcode(ds, "jpeg-lossless-14", &t), DK_EINVAL, "predictor 8");
    t.predictor = 1;
    t.near_lossless = -1;
    CHECK_ERR(dk_dataset_transcode(ds, "jpegls-near", &t), DK_EINVAL, "near_lossless -1");
    t.near_lossless = 2;
    t.ratio = -3;
    CHECK_ERR(dk_dataset_transcode(ds, "j2k", &t), DK_EINVAL, "ratio");
    check_ts(ds, TS_EXPLICIT); /* all refused before anything changed */
    CHECK_INT(encapsulated(ds), 0);
    REQUIRE_OK(dk_dataset_add_item(&item, ds, DK_TAG(0x0088, 0x0200)));
    CHECK_ERR(dk_dataset_transcode(item, "rle", NULL), DK_EINVAL, "item handle");

    /* Decoding. */
    CHECK_ERR(dk_dataset_decode_frame(buf, &size, NULL, NULL, 0), DK_EINVAL, "NULL");
    CHECK_ERR(dk_dataset_decode_frame(buf, NULL, NULL, ds, 0), DK_EINVAL, "size is NULL");
    size = 4;
    CHECK_ERR(dk_dataset_decode_frame(NULL, &size, NULL, ds, 0), DK_EINVAL, "buf is NULL");
    CHECK_ERR(dk_dataset_decode_frame(buf, &size, NULL, ds, 1), DK_EINVAL, "frame 1 of 1");
    CHECK_ERR(dk_dataset_decode_frame(buf, &size, NULL, item, 0), DK_ENOTFOUND, "no Pixel Data");

    /* Rendering. */
    size = sizeof buf;
    CHECK_ERR(dk_dataset_render_frame(buf, &size, NULL, NULL, NULL, NULL, 0, NULL), DK_EINVAL, "NULL");
    CHECK_ERR(dk_dataset_render_frame(buf, NULL, NULL, NULL, NULL, ds, 0, NULL), DK_EINVAL, "size is NULL");
    CHECK_ERR(dk_dataset_render_frame(NULL, &size, NULL, NULL, NULL, ds, 0, NULL), DK_EINVAL, "buf is NULL");
    CHECK_ERR(dk_dataset_render_frame(buf, &size, NULL, NULL, NULL, ds, 1, NULL), DK_EINVAL, "frame 1 of 1");
    o.version = 0;
    CHECK_ERR(dk_dataset_render_frame(buf, &size, NULL, NULL, NULL, ds, 0, &o), DK_EINVAL, "version 0");
    o = (dk_render_options)DK_RENDER_OPTIONS_INIT;
    o.use_window = 1;
    o.window_center = 10;
    o.window_width = 0;
    CHECK_ERR(dk_dataset_render_frame(buf, &size, NULL, NULL, NULL, ds, 0, &o), DK_EINVAL, "window_width");
    CHECK_ERR(dk_dataset_export_png(ds, 0, &o, "/nonexistent/x.png"), DK_EINVAL, "window_width");
    o.window_width = 1;
    CHECK_OK(dk_dataset_render_frame(buf, &size, NULL, NULL, NULL, ds, 0, &o));
    CHECK_INT(size, 4);
    CHECK_ERR(dk_dataset_export_png(NULL, 0, NULL, "x.png"), DK_EINVAL, "NULL");
    CHECK_ERR(dk_dataset_export_png(ds, 0, NULL, NULL), DK_EINVAL, "path is NULL");
    dk_dataset_free(item);
    dk_dataset_free(ds);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(decodes_dcmcrle_bit_exactly),
    DK_CASE(decodes_dcmcjpls_bit_exactly),
    DK_CASE(codec_support),
    DK_CASE(transcode_round_trips),
    DK_CASE(transcode_between_compressed_syntaxes),
    DK_CASE(set_transfer_syntax_suggests_transcode),
    DK_CASE(lossy_to_lossless_is_refused),
    DK_CASE(render_to_a_buffer),
    DK_CASE(export_png),
    DK_CASE(export_jpeg),
    DK_CASE(truncated_compressed_frame),
    DK_CASE(corrupt_and_unknown_compression),
    DK_CASE(what_cannot_be_compressed),
    DK_CASE(native_planar_frames_decode_interleaved),
    DK_CASE(tolerated_bitstream_warns),
    DK_CASE(misuse),
};

DK_TEST_MAIN(dk_tests)
