/* C ABI: pixel data — layout, native frames, views, and what is refused (no codec, truncated).
 * Decoding compressed frames: codec_test.c. */
#include "dk_test.h"

#define ROWS DK_TAG(0x0028, 0x0010)
#define COLUMNS DK_TAG(0x0028, 0x0011)
#define SAMPLES DK_TAG(0x0028, 0x0002)
#define PHOTOMETRIC DK_TAG(0x0028, 0x0004)
#define PLANAR DK_TAG(0x0028, 0x0006)
#define FRAMES DK_TAG(0x0028, 0x0008)
#define BITS_ALLOCATED DK_TAG(0x0028, 0x0100)
#define BITS_STORED DK_TAG(0x0028, 0x0101)
#define HIGH_BIT DK_TAG(0x0028, 0x0102)
#define PIXEL_REP DK_TAG(0x0028, 0x0103)
#define PIXEL_DATA DK_TAG(0x7FE0, 0x0010)
#define FLOAT_PIXEL_DATA DK_TAG(0x7FE0, 0x0008)

static void set_int(dk_dataset *ds, uint32_t tag, int64_t v) { CHECK_OK(dk_dataset_set_ints(ds, tag, NULL, &v, 1)); }

/* Encodes a dataset and reads it back, as if from a file: its values then lie in the memory it was
 * read from, which is what dk_dataset_pixel_data_view lends out. */
static dk_dataset *reread(dk_dataset *ds) {
    void *bytes = NULL;
    size_t n = 0;
    dk_dataset *out = NULL;
    if (dk_dataset_write_memory(&bytes, &n, ds, NULL) == DK_OK) CHECK_OK(dk_dataset_read_memory(&out, bytes, n, NULL));
    dk_free(bytes);
    dk_dataset_free(ds);
    return out;
}

/* A dataset with the Image Pixel attributes (frames 0: no Number of Frames) and `size` pixel bytes,
 * read back from its encoding. */
static dk_dataset *image(int rows, int cols, int spp, int bits, int signed_, int planar, int frames,
                         const char *photometric, const void *pixels, size_t size) {
    dk_dataset *ds = NULL;
    if (dk_dataset_new(&ds) != DK_OK) return NULL;
    set_int(ds, ROWS, rows);
    set_int(ds, COLUMNS, cols);
    set_int(ds, SAMPLES, spp);
    set_int(ds, BITS_ALLOCATED, bits);
    set_int(ds, BITS_STORED, bits);
    set_int(ds, HIGH_BIT, bits - 1);
    set_int(ds, PIXEL_REP, signed_);
    if (spp > 1) set_int(ds, PLANAR, planar);
    if (frames) set_int(ds, FRAMES, frames);
    CHECK_OK(dk_dataset_set_string(ds, PHOTOMETRIC, NULL, photometric));
    CHECK_OK(dk_dataset_set_bytes(ds, PIXEL_DATA, bits > 8 ? "OW" : "OB", pixels, size));
    return reread(ds);
}

DK_TEST(views_only_of_the_memory_read) {
    static const unsigned char px[4] = {1, 2, 3, 4}, other[4] = {9, 9, 9, 9};
    const void *view = NULL, *kept = NULL;
    size_t size = 0;
    dk_dataset *ds = NULL;
    REQUIRE_OK(dk_dataset_new(&ds));
    set_int(ds, ROWS, 2);
    set_int(ds, COLUMNS, 2);
    set_int(ds, BITS_ALLOCATED, 8);
    CHECK_OK(dk_dataset_set_string(ds, PHOTOMETRIC, NULL, "MONOCHROME2"));
    CHECK_OK(dk_dataset_set_bytes(ds, PIXEL_DATA, "OB", px, sizeof px));
    /* Set in code: the library owns those bytes and may free them, so no view. */
    CHECK_ERR(dk_dataset_pixel_data_view(&view, &size, ds), DK_EUNSUPPORTED, "dk_dataset_read_frame");
    CHECK(view == NULL);
    ds = reread(ds);
    REQUIRE(ds != NULL);
    REQUIRE_OK(dk_dataset_pixel_data_view(&kept, &size, ds));
    CHECK(memcmp(kept, px, 4) == 0);
    /* Replacing the element leaves the lent memory intact until the dataset is freed. */
    CHECK_OK(dk_dataset_set_bytes(ds, PIXEL_DATA, "OB", other, sizeof other));
    CHECK(memcmp(kept, px, 4) == 0);
    CHECK_ERR(dk_dataset_pixel_data_view(&view, &size, ds), DK_EUNSUPPORTED, "memory of its own");
    dk_dataset_free(ds);
}

DK_TEST(eight_bit_monochrome) {
    static const unsigned char px[6] = {0, 1, 2, 3, 254, 255};
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    unsigned char buf[16];
    size_t size = sizeof buf;
    const void *view = NULL;
    uint64_t n = 99;
    dk_dataset *ds = image(2, 3, 1, 8, 0, 0, 0, "MONOCHROME2", px, sizeof px);
    REQUIRE(ds != NULL);
    REQUIRE_OK(dk_dataset_pixel_info(&info, ds));
    CHECK_INT(info.version, DK_PIXEL_INFO_VERSION);
    CHECK_INT(info.rows, 2);
    CHECK_INT(info.columns, 3);
    CHECK_INT(info.samples_per_pixel, 1);
    CHECK_INT(info.bits_allocated, 8);
    CHECK_INT(info.bits_stored, 8);
    CHECK_INT(info.high_bit, 7);
    CHECK_INT(info.pixel_representation, 0);
    CHECK_INT(info.planar_configuration, 0);
    CHECK_INT(info.pixel_data_tag, PIXEL_DATA);
    CHECK_INT(info.number_of_frames, 1);
    CHECK_INT(info.frame_size, 6);
    CHECK_INT(info.encapsulated, 0);
    CHECK_STR(info.photometric_interpretation, "MONOCHROME2");
    CHECK_OK(dk_dataset_frame_count(&n, ds));
    CHECK_INT(n, 1);
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 0));
    CHECK_INT(size, 6);
    CHECK(memcmp(buf, px, 6) == 0);
    size = 0;
    CHECK_OK(dk_dataset_pixel_data_view(&view, &size, ds));
    CHECK_INT(size, 6);
    CHECK(view != NULL && memcmp(view, px, 6) == 0);
    dk_dataset_free(ds);
}

DK_TEST(sixteen_bit_signed) {
    /* -2, -1, 0, 1, 32767, -32768 little endian; the value is padded to even length by nothing. */
    static const unsigned char px[12] = {0xFE, 0xFF, 0xFF, 0xFF, 0, 0, 1, 0, 0xFF, 0x7F, 0x00, 0x80};
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    unsigned char buf[12];
    size_t size = 0;
    const void *view = NULL;
    dk_dataset *ds = image(3, 2, 1, 16, 1, 0, 0, "MONOCHROME2", px, sizeof px);
    REQUIRE(ds != NULL);
    REQUIRE_OK(dk_dataset_pixel_info(&info, ds));
    CHECK_INT(info.bits_allocated, 16);
    CHECK_INT(info.pixel_representation, 1);
    CHECK_INT(info.frame_size, 12);
    /* Size query: NULL buffer, *size 0. */
    CHECK_ERR(dk_dataset_read_frame(NULL, &size, ds, 0), DK_EBUFS, "too small");
    CHECK_INT(size, 12);
    size = 11;
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 0), DK_EBUFS, "12");
    CHECK_INT(size, 12);
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 0));
    CHECK(memcmp(buf, px, 12) == 0);
    CHECK_OK(dk_dataset_pixel_data_view(&view, &size, ds));
    CHECK_INT(size, 12);
    CHECK(view != NULL && memcmp(view, px, 12) == 0);
    dk_dataset_free(ds);
}

DK_TEST(rgb_planar_configurations) {
    /* 2×2 RGB: interleaved (planar 0) and one plane per sample (planar 1) are returned as stored. */
    static const unsigned char inter[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    static const unsigned char planes[12] = {1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12};
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    unsigned char buf[12];
    size_t size = sizeof buf;
    dk_dataset *a = image(2, 2, 3, 8, 0, 0, 0, "RGB", inter, sizeof inter);
    dk_dataset *b = image(2, 2, 3, 8, 0, 1, 0, "RGB", planes, sizeof planes);
    REQUIRE(a != NULL && b != NULL);
    CHECK_OK(dk_dataset_pixel_info(&info, a));
    CHECK_INT(info.samples_per_pixel, 3);
    CHECK_INT(info.planar_configuration, 0);
    CHECK_INT(info.frame_size, 12);
    CHECK_STR(info.photometric_interpretation, "RGB");
    CHECK_OK(dk_dataset_read_frame(buf, &size, a, 0));
    CHECK(memcmp(buf, inter, 12) == 0);
    CHECK_OK(dk_dataset_pixel_info(&info, b));
    CHECK_INT(info.planar_configuration, 1);
    CHECK_INT(info.frame_size, 12);
    size = sizeof buf;
    CHECK_OK(dk_dataset_read_frame(buf, &size, b, 0));
    CHECK(memcmp(buf, planes, 12) == 0);
    dk_dataset_free(a);
    dk_dataset_free(b);
}

DK_TEST(multi_frame) {
    /* 3 frames of 2×2 16-bit: frame f holds f*10 + 0..3. */
    unsigned char px[24];
    unsigned char buf[8];
    size_t size, i;
    uint64_t n = 0;
    int f;
    const void *view = NULL;
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    dk_dataset *ds;
    for (i = 0; i < 12; ++i) {
        px[2 * i] = (unsigned char)((i / 4) * 10 + i % 4);
        px[2 * i + 1] = (unsigned char)(i / 4);
    }
    ds = image(2, 2, 1, 16, 0, 0, 3, "MONOCHROME2", px, sizeof px);
    REQUIRE(ds != NULL);
    CHECK_OK(dk_dataset_frame_count(&n, ds));
    CHECK_INT(n, 3);
    CHECK_OK(dk_dataset_pixel_info(&info, ds));
    CHECK_INT(info.number_of_frames, 3);
    CHECK_INT(info.frame_size, 8);
    for (f = 0; f < 3; ++f) {
        size = sizeof buf;
        CHECK_OK(dk_dataset_read_frame(buf, &size, ds, (uint64_t)f));
        CHECK_INT(size, 8);
        CHECK(memcmp(buf, px + 8 * f, 8) == 0);
    }
    size = sizeof buf;
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 3), DK_EINVAL, "frame 3 of 3");
    CHECK_OK(dk_dataset_pixel_data_view(&view, &size, ds));
    CHECK_INT(size, 24);
    CHECK(view != NULL && memcmp(view, px, 24) == 0);
    dk_dataset_free(ds);
}

DK_TEST(one_bit_frames_stay_packed) {
    /* 3 frames of 2×3 1-bit pixels: 18 bits packed back to back, the first pixel in bit 0.
     * Frame 0 = bits 0-5 (1,0,1,0,1,0), frame 1 = bits 6-11 (all 1), frame 2 = bits 12-17 (0,0,0,0,0,1). */
    static const unsigned char px[4] = {0x15 | 0xC0, 0x0F, 0x02, 0x00};
    unsigned char buf[4];
    size_t size = sizeof buf;
    const void *view = NULL;
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    dk_dataset *ds = image(2, 3, 1, 1, 0, 0, 3, "MONOCHROME2", px, sizeof px);
    REQUIRE(ds != NULL);
    CHECK_OK(dk_dataset_pixel_info(&info, ds));
    CHECK_INT(info.bits_allocated, 1);
    CHECK_INT(info.frame_size, 1); /* 6 bits, rounded up */
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 0));
    CHECK_INT(size, 1);
    CHECK_INT(buf[0], 0x15); /* bits 6 and 7, of frame 1, cleared */
    size = sizeof buf;
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 1)); /* starts at bit 6: re-aligned */
    CHECK_INT(buf[0], 0x3F);
    size = sizeof buf;
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 2));
    CHECK_INT(buf[0], 0x20);
    CHECK_OK(dk_dataset_pixel_data_view(&view, &size, ds));
    CHECK_INT(size, 3); /* ceil(18 / 8): the padding byte is not included */
    CHECK(view != NULL && memcmp(view, px, 3) == 0);
    dk_dataset_free(ds);
}

DK_TEST(float_pixel_data) {
    static const float px[4] = {0.5f, -1.0f, 2.25f, 1e6f};
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    float buf[4];
    size_t size = sizeof buf;
    dk_dataset *ds = NULL;
    REQUIRE_OK(dk_dataset_new(&ds));
    set_int(ds, ROWS, 2);
    set_int(ds, COLUMNS, 2);
    set_int(ds, BITS_ALLOCATED, 32);
    CHECK_OK(dk_dataset_set_string(ds, PHOTOMETRIC, NULL, "MONOCHROME2"));
    CHECK_OK(dk_dataset_set_bytes(ds, FLOAT_PIXEL_DATA, "OF", px, sizeof px));
    CHECK_OK(dk_dataset_pixel_info(&info, ds));
    CHECK_INT(info.pixel_data_tag, FLOAT_PIXEL_DATA);
    CHECK_INT(info.bits_allocated, 32);
    CHECK_INT(info.samples_per_pixel, 1); /* defaults */
    CHECK_INT(info.bits_stored, 32);
    CHECK_INT(info.frame_size, 16);
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 0));
    CHECK(memcmp(buf, px, sizeof px) == 0); /* this test assumes a little-endian host */
    dk_dataset_free(ds);
}

DK_TEST(missing_attributes) {
    static const unsigned char px[4] = {1, 2, 3, 4};
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    unsigned char buf[4];
    size_t size = sizeof buf;
    const void *view = NULL;
    uint64_t n = 99;
    dk_dataset *ds = NULL;
    REQUIRE_OK(dk_dataset_new(&ds));
    /* No pixel data at all: no frames, and the other calls say so. */
    CHECK_OK(dk_dataset_frame_count(&n, ds));
    CHECK_INT(n, 0);
    CHECK_ERR(dk_dataset_pixel_info(&info, ds), DK_ENOTFOUND, "no Pixel Data");
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 0), DK_ENOTFOUND, "no Pixel Data");
    CHECK_ERR(dk_dataset_pixel_data_view(&view, &size, ds), DK_ENOTFOUND, "no Pixel Data");
    /* Pixel data without Rows / Bits Allocated. */
    CHECK_OK(dk_dataset_set_bytes(ds, PIXEL_DATA, "OB", px, sizeof px));
    set_int(ds, COLUMNS, 2);
    CHECK_ERR(dk_dataset_pixel_info(&info, ds), DK_EBADVALUE, "Rows");
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 0), DK_EBADVALUE, "Rows");
    set_int(ds, ROWS, 2);
    CHECK_ERR(dk_dataset_pixel_data_view(&view, &size, ds), DK_EBADVALUE, "Bits Allocated");
    /* Out of range. */
    set_int(ds, BITS_ALLOCATED, 12);
    CHECK_ERR(dk_dataset_pixel_info(&info, ds), DK_EBADVALUE, "Bits Allocated 12");
    set_int(ds, BITS_ALLOCATED, 8);
    set_int(ds, BITS_STORED, 9);
    CHECK_ERR(dk_dataset_pixel_info(&info, ds), DK_EBADVALUE, "Bits Stored");
    set_int(ds, BITS_STORED, 8);
    set_int(ds, SAMPLES, 5);
    CHECK_ERR(dk_dataset_pixel_info(&info, ds), DK_EBADVALUE, "Samples per Pixel");
    set_int(ds, SAMPLES, 1);
    /* Now complete: no Photometric Interpretation gives "". */
    CHECK_OK(dk_dataset_pixel_info(&info, ds));
    CHECK_STR(info.photometric_interpretation, "");
    CHECK_INT(info.high_bit, 7);
    size = sizeof buf;
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 0));
    CHECK_INT(size, 4);
    dk_dataset_free(ds);
}

DK_TEST(truncated_pixel_data) {
    static const unsigned char px[10] = {0};
    unsigned char buf[16];
    size_t size = sizeof buf;
    const void *view = &size;
    /* 2 frames of 2×2 16-bit need 16 bytes; 10 hold frame 0 only. */
    dk_dataset *ds = image(2, 2, 1, 16, 0, 0, 2, "MONOCHROME2", px, sizeof px);
    REQUIRE(ds != NULL);
    CHECK_OK(dk_dataset_read_frame(buf, &size, ds, 0));
    size = sizeof buf;
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 1), DK_ETRUNCATED, "10 bytes");
    CHECK_ERR(dk_dataset_pixel_data_view(&view, &size, ds), DK_ETRUNCATED, "10 bytes");
    CHECK(view == NULL);
    CHECK_INT(size, 0);
    /* More bytes than needed: the view covers the frames only. */
    set_int(ds, FRAMES, 1);
    CHECK_OK(dk_dataset_pixel_data_view(&view, &size, ds));
    CHECK_INT(size, 8);
    dk_dataset_free(ds);
}

/* Pixel Data as a PS3.5 A.4 item sequence: an empty Basic Offset Table and one fragment "abcd". */
#define ENCAPSULATED "\"7FE00010\":{\"vr\":\"OB\",\"InlineBinary\":\"/v8A4AAAAAD+/wDgBAAAAGFiY2T+/93gAAAAAA==\"}"
#define IMAGE_ATTRS                                                                                  \
    "\"00280010\":{\"vr\":\"US\",\"Value\":[2]},\"00280011\":{\"vr\":\"US\",\"Value\":[2]},"         \
    "\"00280100\":{\"vr\":\"US\",\"Value\":[8]},"

DK_TEST(compressed_without_codec_is_unsupported) {
    /* MPEG2 has no codec (JPEG and the others decode: codec_test.c). */
    static const char mpeg[] =
        "{\"00020010\":{\"vr\":\"UI\",\"Value\":[\"1.2.840.10008.1.2.4.100\"]}," IMAGE_ATTRS ENCAPSULATED "}";
    dk_dataset *ds = NULL;
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    unsigned char buf[16];
    size_t size = sizeof buf;
    const void *view = NULL;
    uint64_t n = 0;
    REQUIRE_OK(dk_dataset_from_json(&ds, mpeg, strlen(mpeg)));
    CHECK_OK(dk_dataset_pixel_info(&info, ds));
    CHECK_INT(info.encapsulated, 1);
    CHECK_INT(info.frame_size, 4); /* what a frame decodes to */
    CHECK_OK(dk_dataset_frame_count(&n, ds));
    CHECK_INT(n, 1);
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 0), DK_EUNSUPPORTED, "1.2.840.10008.1.2.4.100");
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 0), DK_EUNSUPPORTED, "MPEG2");
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 0), DK_EUNSUPPORTED, "no codec");
    /* Compressed data has no native frames to lend, codec or not. */
    CHECK_ERR(dk_dataset_pixel_data_view(&view, &size, ds), DK_EUNSUPPORTED, "dk_dataset_decode_frame");
    CHECK(view == NULL);
    dk_dataset_free(ds);
}

DK_TEST(pixel_data_in_an_item) {
    static const unsigned char px[4] = {9, 8, 7, 6};
    dk_dataset *ds = NULL, *item = NULL;
    unsigned char buf[4];
    size_t size = sizeof buf;
    int64_t v = 2;
    REQUIRE_OK(dk_dataset_new(&ds));
    REQUIRE_OK(dk_dataset_add_item(&item, ds, DK_TAG(0x0088, 0x0200))); /* Icon Image Sequence */
    CHECK_OK(dk_dataset_set_ints(item, ROWS, NULL, &v, 1));
    CHECK_OK(dk_dataset_set_ints(item, COLUMNS, NULL, &v, 1));
    v = 8;
    CHECK_OK(dk_dataset_set_ints(item, BITS_ALLOCATED, NULL, &v, 1));
    CHECK_OK(dk_dataset_set_bytes(item, PIXEL_DATA, "OB", px, sizeof px));
    CHECK_OK(dk_dataset_read_frame(buf, &size, item, 0));
    CHECK(memcmp(buf, px, 4) == 0);
    size = sizeof buf;
    CHECK_RC(dk_dataset_read_frame(buf, &size, ds, 0), DK_ENOTFOUND); /* the top level has none */
    dk_dataset_free(item);
    dk_dataset_free(ds);
}

DK_TEST(misuse) {
    static const unsigned char px[4] = {1, 2, 3, 4};
    dk_pixel_info info = DK_PIXEL_INFO_INIT;
    unsigned char buf[4];
    size_t size = sizeof buf;
    const void *view = NULL;
    uint64_t n = 0;
    dk_dataset *ds = image(2, 2, 1, 8, 0, 0, 0, "MONOCHROME2", px, sizeof px);
    REQUIRE(ds != NULL);
    CHECK_ERR(dk_dataset_pixel_info(&info, NULL), DK_EINVAL, "NULL");
    CHECK_ERR(dk_dataset_pixel_info(NULL, ds), DK_EINVAL, "info is NULL");
    info.version = 0;
    CHECK_ERR(dk_dataset_pixel_info(&info, ds), DK_EINVAL, "version 0");
    info.version = DK_PIXEL_INFO_VERSION + 1;
    CHECK_ERR(dk_dataset_pixel_info(&info, ds), DK_EINVAL, "version");
    CHECK_ERR(dk_dataset_frame_count(&n, NULL), DK_EINVAL, "NULL");
    CHECK_ERR(dk_dataset_frame_count(NULL, ds), DK_EINVAL, "count is NULL");
    CHECK_ERR(dk_dataset_read_frame(buf, &size, NULL, 0), DK_EINVAL, "NULL");
    CHECK_ERR(dk_dataset_read_frame(buf, NULL, ds, 0), DK_EINVAL, "size is NULL");
    size = 4;
    CHECK_ERR(dk_dataset_read_frame(NULL, &size, ds, 0), DK_EINVAL, "buf is NULL");
    CHECK_ERR(dk_dataset_read_frame(buf, &size, ds, 1), DK_EINVAL, "frame 1 of 1");
    CHECK_ERR(dk_dataset_pixel_data_view(&view, &size, NULL), DK_EINVAL, "NULL");
    CHECK_ERR(dk_dataset_pixel_data_view(NULL, &size, ds), DK_EINVAL, "data is NULL");
    CHECK_ERR(dk_dataset_pixel_data_view(&view, NULL, ds), DK_EINVAL, "size is NULL");
    dk_dataset_free(ds);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(views_only_of_the_memory_read),
    DK_CASE(eight_bit_monochrome),
    DK_CASE(sixteen_bit_signed),
    DK_CASE(rgb_planar_configurations),
    DK_CASE(multi_frame),
    DK_CASE(one_bit_frames_stay_packed),
    DK_CASE(float_pixel_data),
    DK_CASE(missing_attributes),
    DK_CASE(truncated_pixel_data),
    DK_CASE(compressed_without_codec_is_unsupported),
    DK_CASE(pixel_data_in_an_item),
    DK_CASE(misuse),
};
DK_TEST_MAIN(dk_tests)
