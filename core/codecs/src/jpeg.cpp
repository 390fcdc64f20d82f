// dcmkit — JPEG Baseline (Process 1, 1.2.840.10008.1.2.4.50) and JPEG Extended (Processes 2 & 4,
// 1.2.840.10008.1.2.4.51) through libjpeg-turbo (PS3.5 8.2.1 and A.4.1; ITU-T T.81).
//
// libjpeg-turbo in Debian is built for 8-bit samples only: 12-bit frames (SOF1 with P = 12, which
// only .51 allows) go to our own DCT decoder, jpeg_dct_decode, and are not encoded.
//
// libjpeg reports errors through error_exit, which must not return; ours longjmps back to the
// function that called setjmp (run_decode / run_encode). Those functions hold no C++ object with
// a destructor between setjmp and the libjpeg calls, and keep every value they change in a job
// struct that outlives the jump, so the jump skips nothing and clobbers nothing.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
#include <jerror.h>

#include "dcmkit/lazy_library.h"
#include "codecs.h"

namespace dcmkit::codecs {

namespace {

// libjpeg-turbo refuses larger images (JPEG_MAX_DIMENSION in its jmorecfg.h).
constexpr uint32_t kMaxDimension = 65500;

/// libjpeg's error manager extended with where to jump and what went wrong.
struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    Errc code = Errc::malformed;
    int msg_code = 0;
    char message[JMSG_LENGTH_MAX] = {};
    /// Where the warnings of a decode that carries on go (FrameLayout::warnings); null when encoding.
    std::vector<std::string> *warnings = nullptr;
    /// The data ran out (JWRN_JPEG_EOF: libjpeg's source inserted an EOI). libjpeg-turbo reads
    /// ahead, so that alone is no damage: it is when the entropy decoder then needs the bits that
    /// are not there (JWRN_HIT_MARKER) or a marker is missing (an error).
    bool saw_eof = false;
};

Errc classify(int msg_code) {
    switch (msg_code) {
    case JERR_INPUT_EMPTY:
    case JERR_INPUT_EOF:
    case JWRN_JPEG_EOF:
        return Errc::truncated;
    case JERR_SOF_UNSUPPORTED:  // lossless (SOF3) and hierarchical (SOF5..7) processes
    case JERR_NOT_COMPILED:
    case JERR_BAD_PRECISION:
        return Errc::unsupported;
    default:
        return Errc::malformed;
    }
}

[[noreturn]] void fail(j_common_ptr cinfo) {
    auto *err = reinterpret_cast<ErrorManager *>(cinfo->err);
    err->msg_code = err->pub.msg_code;
    err->code = err->saw_eof ? Errc::truncated : classify(err->pub.msg_code);
    err->pub.format_message(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

extern "C" void on_error_exit(j_common_ptr cinfo) { fail(cinfo); }

/// Warnings (level -1) that mean the image data is damaged or cut short: libjpeg would carry on
/// and fill the rest of the image with grey, we stop. The premature end of data ("Premature end
/// of JPEG file") is a truncated bitstream. The others are passed on as warnings, and decoding
/// goes on as in libjpeg, DCMTK's dcmdjpeg and GDCM, which decode such streams with a warning:
/// JWRN_NOT_SEQUENTIAL (Ss/Se/Ah/Al other than 0/63/0/0 in a sequential scan, seen in files from
/// the field: libjpeg decodes the scan as the sequential one it must be), stray bytes between
/// markers, an unknown JFIF version and the like. Trace messages (level >= 0) are dropped.
extern "C" void on_emit_message(j_common_ptr cinfo, int level) {
    if (level != -1) return;
    auto *err = reinterpret_cast<ErrorManager *>(cinfo->err);
    if (cinfo->err->msg_code == JWRN_JPEG_EOF && err->warnings) {
        // Whether the image was whole is known at the end (run_decode): a frame without its EOI
        // marker is decoded, as our own decoders do (jpeg_common.h), with a warning.
        err->saw_eof = true;
        return;
    }
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_BOGUS_PROGRESSION:
        fail(cinfo);
    default:
        break;
    }
    if (!err->warnings) return;
    char text[JMSG_LENGTH_MAX] = {};
    err->pub.format_message(cinfo, text);
    std::string warning = std::string("JPEG: ") + text;
    if (err->pub.msg_code == JWRN_NOT_SEQUENTIAL && cinfo->is_decompressor) {
        const auto *d = reinterpret_cast<j_decompress_ptr>(cinfo);
        warning += " (Ss " + std::to_string(d->Ss) + ", Se " + std::to_string(d->Se) + ", Ah " + std::to_string(d->Ah) +
                   ", Al " + std::to_string(d->Al) + "): decoded as a sequential scan";
    }
    err->warnings->push_back(std::move(warning));
}

void install(ErrorManager &err, jpeg_error_mgr *&slot) {
    slot = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error_exit;
    err.pub.emit_message = on_emit_message;
}

bool starts_with(const std::string &s, const char *prefix) { return s.compare(0, std::strlen(prefix), prefix) == 0; }

// ---- decoding ------------------------------------------------------------------------------------

struct DecodeJob {
    const PixelInfo *info = nullptr;
    const uint8_t *in = nullptr;
    size_t in_size = 0;
    uint8_t *out = nullptr;
    jpeg_decompress_struct cinfo{};
    ErrorManager err;
    bool to_rgb = false;  ///< the result is RGB where the dataset says YBR
    std::vector<std::string> warnings;
};

/// Sign-extends the samples of a decoded frame from Bits Stored to Bits Allocated (codec.h).
void sign_extend(const PixelInfo &info, uint8_t *out, size_t out_size) {
    if (!info.pixel_representation || info.bits_stored >= info.bits_allocated) return;
    const unsigned shift = info.bits_stored;
    if (info.bits_allocated == 8) {
        for (size_t i = 0; i < out_size; ++i)
            if ((out[i] >> (shift - 1)) & 1) out[i] = uint8_t(out[i] | (0xFFu << shift));
    } else {
        for (size_t i = 0; i + 1 < out_size; i += 2) {
            uint16_t v = load_u16le(out + i);
            if ((v >> (shift - 1)) & 1) store_u16le(out + i, uint16_t(v | (0xFFFFu << shift)));
        }
    }
}

/// Runs libjpeg over one frame; false when it failed (the reason in job.err).
bool run_decode(DecodeJob &job) {
    jpeg_decompress_struct &cinfo = job.cinfo;
    install(job.err, cinfo.err);
    job.err.warnings = &job.warnings;
    if (setjmp(job.err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, job.in, static_cast<unsigned long>(job.in_size));
    jpeg_read_header(&cinfo, TRUE);

    const PixelInfo &info = *job.info;
    if (cinfo.image_width != info.columns || cinfo.image_height != info.rows ||
        uint32_t(cinfo.num_components) != info.samples_per_pixel) {
        std::snprintf(job.err.message, sizeof job.err.message,
                      "JPEG frame is %ux%u with %d components, the dataset says %ux%u with %u samples",
                      cinfo.image_width, cinfo.image_height, cinfo.num_components, info.columns, info.rows,
                      info.samples_per_pixel);
        job.err.code = Errc::bad_value;
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    if (info.bits_stored > 8 || (info.bits_allocated != 8 && info.bits_allocated != 16)) {
        std::snprintf(job.err.message, sizeof job.err.message,
                      "JPEG frame has 8-bit precision, the dataset says %u bits stored in %u", info.bits_stored,
                      info.bits_allocated);
        job.err.code = Errc::bad_value;
        jpeg_destroy_decompress(&cinfo);
        return false;
    }

    if (cinfo.num_components == 3) {
        // What dcmdjpeg does by default (+cp): YCbCr is converted to RGB when the dataset says YBR
        // (PS3.5 8.2.1: YBR_FULL_422 for lossy JPEG). A JFIF or Adobe (transform 1) marker also
        // declares YCbCr. A stream coded as RGB (Adobe transform 0, or component ids 'R','G','B',
        // which libjpeg reports as JCS_RGB) is never converted; neither is a stream with no marker
        // in a dataset that says RGB (as GDCM writes lossy RGB): the samples are passed through.
        const std::string &pi = info.photometric_interpretation;
        const bool coded_rgb = cinfo.jpeg_color_space == JCS_RGB;
        const bool marked_ycc = cinfo.saw_JFIF_marker || (cinfo.saw_Adobe_marker && cinfo.Adobe_transform == 1);
        job.to_rgb = starts_with(pi, "YBR");
        if (!coded_rgb && (job.to_rgb || marked_ycc)) {
            cinfo.jpeg_color_space = JCS_YCbCr;
            cinfo.out_color_space = JCS_RGB;
            job.to_rgb = true;
        } else {
            cinfo.jpeg_color_space = JCS_RGB;
            cinfo.out_color_space = JCS_RGB;
        }
    } else {
        cinfo.out_color_space = JCS_GRAYSCALE;
    }
    cinfo.dct_method = JDCT_ISLOW;  // the accurate IDCT, as DCMTK's IJG uses
    jpeg_start_decompress(&cinfo);

    const size_t row_samples = size_t(info.columns) * info.samples_per_pixel;
    if (info.bits_allocated == 8) {
        while (cinfo.output_scanline < cinfo.output_height) {
            JSAMPROW row = job.out + size_t(cinfo.output_scanline) * row_samples;
            jpeg_read_scanlines(&cinfo, &row, 1);
        }
    } else {
        // 8-bit samples in 16-bit containers: one row through a buffer libjpeg frees with cinfo.
        JSAMPARRAY buffer = (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE,
                                                       JDIMENSION(row_samples), 1);
        while (cinfo.output_scanline < cinfo.output_height) {
            uint8_t *dst = job.out + size_t(cinfo.output_scanline) * row_samples * 2;
            jpeg_read_scanlines(&cinfo, buffer, 1);
            for (size_t i = 0; i < row_samples; ++i) store_u16le(dst + 2 * i, buffer[0][i]);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (job.err.saw_eof) job.warnings.push_back("JPEG: no EOI marker at the end of the frame");
    return true;
}

// ---- encoding ------------------------------------------------------------------------------------

struct EncodeJob {
    const PixelInfo *info = nullptr;
    const uint8_t *frame = nullptr;
    int quality = 90;
    jpeg_compress_struct cinfo{};
    ErrorManager err;
    unsigned char *buffer = nullptr;  ///< malloc'd by jpeg_mem_dest; the caller frees it
    unsigned long size = 0;
};

bool run_encode(EncodeJob &job) {
    jpeg_compress_struct &cinfo = job.cinfo;
    install(job.err, cinfo.err);
    if (setjmp(job.err.jump)) {
        jpeg_destroy_compress(&cinfo);
        return false;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &job.buffer, &job.size);

    const PixelInfo &info = *job.info;
    const bool color = info.samples_per_pixel == 3;
    cinfo.image_width = info.columns;
    cinfo.image_height = info.rows;
    cinfo.input_components = int(info.samples_per_pixel);
    cinfo.in_color_space = !color ? JCS_GRAYSCALE : info.photometric_interpretation == "RGB" ? JCS_RGB : JCS_YCbCr;
    jpeg_set_defaults(&cinfo);  // YCbCr for colour input, with a JFIF marker, as dcmcjpeg writes
    if (color) {
        // YBR_FULL_422 (PS3.3 C.7.6.3.1.2): chrominance halved horizontally only; libjpeg's default
        // would be 4:2:0.
        cinfo.comp_info[0].h_samp_factor = 2;
        cinfo.comp_info[0].v_samp_factor = 1;
        for (int c = 1; c < 3; ++c) cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
    }
    jpeg_set_quality(&cinfo, job.quality, TRUE);
    cinfo.optimize_coding = TRUE;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_compress(&cinfo, TRUE);

    const size_t row_samples = size_t(info.columns) * info.samples_per_pixel;
    if (info.bits_stored < 8) {
        // Only Bits Stored of each 8-bit cell are the sample (PS3.5 8.1.1); the rest is cleared.
        const uint8_t mask = uint8_t((1u << info.bits_stored) - 1);
        JSAMPARRAY row = (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE,
                                                    JDIMENSION(row_samples), 1);
        while (cinfo.next_scanline < cinfo.image_height) {
            const uint8_t *src = job.frame + size_t(cinfo.next_scanline) * row_samples;
            for (size_t i = 0; i < row_samples; ++i) row[0][i] = JSAMPLE(src[i] & mask);
            jpeg_write_scanlines(&cinfo, row, 1);
        }
    } else {
        while (cinfo.next_scanline < cinfo.image_height) {
            // libjpeg only reads the rows it is given, though its API is not const.
            JSAMPROW row = const_cast<uint8_t *>(job.frame) + size_t(cinfo.next_scanline) * row_samples;
            jpeg_write_scanlines(&cinfo, &row, 1);
        }
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return true;
}

// ---- the codecs ------------------------------------------------------------------------------------

class JpegCodec final : public Codec {
public:
    JpegCodec(const char *uid, bool extended) : uid_(uid), extended_(extended) {}

    std::string_view transfer_syntax() const noexcept override { return uid_; }
    bool lossless_only() const noexcept override { return false; }

    bool can_encode(const PixelInfo &info, const EncodeOptions &options, std::string *why) const override {
        auto no = [&](std::string reason) {
            if (why) *why = std::move(reason);
            return false;
        };
        if (info.samples_per_pixel != 1 && info.samples_per_pixel != 3)
            return no("JPEG encoding takes 1 or 3 samples per pixel, not " + std::to_string(info.samples_per_pixel));
        if (info.bits_allocated != 8 || info.bits_stored < 1 || info.bits_stored > 8)
            return no(std::string(extended_ ? "only 8-bit JPEG Extended encoding is supported (12-bit needs a "
                                              "12-bit libjpeg)"
                                            : "JPEG Baseline encodes 8-bit samples only") +
                      ": Bits Allocated " + std::to_string(info.bits_allocated) + ", Bits Stored " +
                      std::to_string(info.bits_stored));
        if (info.pixel_representation != 0) return no("JPEG encoding of signed samples is not supported");
        const std::string &pi = info.photometric_interpretation;
        if (info.samples_per_pixel == 1 && pi != "MONOCHROME1" && pi != "MONOCHROME2")
            return no("lossy JPEG of a single sample needs MONOCHROME1 or MONOCHROME2, not " + pi);
        if (info.samples_per_pixel == 3 && pi != "RGB" && pi != "YBR_FULL")
            return no("lossy JPEG colour encoding takes RGB or YBR_FULL input, not " + pi);
        if (info.rows == 0 || info.columns == 0 || info.rows > kMaxDimension || info.columns > kMaxDimension)
            return no("JPEG frames are 1.." + std::to_string(kMaxDimension) + " pixels wide and high");
        if (options.quality < 1 || options.quality > 100)
            return no("JPEG quality must be 1..100, not " + std::to_string(options.quality));
        return true;
    }

    FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out,
                       size_t out_size) const override {
        check_frame_size(info, out_size, "JPEG decode");
        lazy::require("jpeg", "JPEG decoding");
        DecodeJob job;
        job.info = &info;
        job.in = in;
        job.in_size = in_size;
        job.out = out;
        if (!run_decode(job)) {
            // 12-bit precision (T.81 B.2.2, Process 4): libjpeg-turbo here only has 8-bit samples.
            if (job.err.msg_code == JERR_BAD_PRECISION) return jpeg_dct_decode(info, in, in_size, out, out_size);
            throw Error(job.err.code, std::string("JPEG: ") + job.err.message);
        }
        sign_extend(info, out, out_size);
        FrameLayout layout;
        if (job.to_rgb) layout.photometric = "RGB";
        layout.warnings = std::move(job.warnings);
        return layout;
    }

    std::vector<uint8_t> encode(const PixelInfo &info, const uint8_t *frame, size_t size,
                                const EncodeOptions &options, FrameLayout &layout) const override {
        std::string why;
        if (!can_encode(info, options, &why)) throw Error(Errc::unsupported, "JPEG encode: " + why);
        check_frame_size(info, size, "JPEG encode");
        lazy::require("jpeg", "JPEG encoding");
        EncodeJob job;
        job.info = &info;
        job.frame = frame;
        job.quality = options.quality;
        const bool ok = run_encode(job);
        std::vector<uint8_t> bitstream;
        if (ok) bitstream.assign(job.buffer, job.buffer + job.size);
        std::free(job.buffer);
        if (!ok) throw Error(Errc::invalid_argument, std::string("JPEG encode: ") + job.err.message);
        layout = FrameLayout{};
        if (info.samples_per_pixel == 3) layout.photometric = "YBR_FULL_422";
        layout.lossy = true;
        layout.lossy_method = "ISO_10918_1";
        return bitstream;
    }

private:
    const char *uid_;
    bool extended_;
};

}  // namespace

std::vector<uint8_t> jpeg_encode_image(uint32_t width, uint32_t height, uint32_t channels, const uint8_t *pixels,
                                       int quality) {
    if (channels != 1 && channels != 3) throw Error(Errc::invalid_argument, "JPEG export takes 1 or 3 channels");
    lazy::require("jpeg", "JPEG export");
    if (width == 0 || height == 0 || width > kMaxDimension || height > kMaxDimension)
        throw Error(Errc::invalid_argument, "JPEG images are 1.." + std::to_string(kMaxDimension) +
                                                " pixels wide and high, not " + std::to_string(width) + " x " +
                                                std::to_string(height));
    if (quality < 1 || quality > 100)
        throw Error(Errc::invalid_argument, "JPEG quality must be 1..100, not " + std::to_string(quality));
    // The same encoder as the .50 codec: 8-bit samples, a JFIF marker, RGB to YCbCr 4:2:2.
    PixelInfo info;
    info.rows = height;
    info.columns = width;
    info.samples_per_pixel = channels;
    info.bits_allocated = info.bits_stored = 8;
    info.high_bit = 7;
    info.photometric_interpretation = channels == 3 ? "RGB" : "MONOCHROME2";
    EncodeJob job;
    job.info = &info;
    job.frame = pixels;
    job.quality = quality;
    const bool ok = run_encode(job);
    std::vector<uint8_t> bytes;
    if (ok) bytes.assign(job.buffer, job.buffer + job.size);
    std::free(job.buffer);
    if (!ok) throw Error(Errc::invalid_argument, std::string("JPEG export: ") + job.err.message);
    return bytes;
}

std::unique_ptr<Codec> make_jpeg_baseline() { return std::make_unique<JpegCodec>(kJpegBaseline, false); }
std::unique_ptr<Codec> make_jpeg_extended() { return std::make_unique<JpegCodec>(kJpegExtended, true); }

}  // namespace dcmkit::codecs
