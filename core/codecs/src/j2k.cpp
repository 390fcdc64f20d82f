// dcmkit — JPEG 2000 Image Compression (PS3.5 8.2.4 and A.4.4) through OpenJPEG:
//   1.2.840.10008.1.2.4.90  JPEG 2000 Image Compression (Lossless Only): reversible 5/3 wavelet;
//   1.2.840.10008.1.2.4.91  JPEG 2000 Image Compression: irreversible 9/7 wavelet at a target ratio.
//
// Each fragment holds a JPEG 2000 codestream (ISO/IEC 15444-1 Annex A, "raw .j2k"), not a JP2 file
// (PS3.5 A.4.4); the decoder still accepts a JP2 wrapper, found by its signature box, as some writers
// emit one. Colour: RGB frames are encoded with the multiple component transform (MCT) so that
// Photometric Interpretation becomes YBR_RCT (reversible) or YBR_ICT (irreversible) (PS3.5 8.2.4,
// PS3.3 C.7.6.3.1.2); decoding such a codestream applies the inverse MCT and gives RGB.
//
// EncodeOptions::ratio on .91: the target compression ratio (10 for 10:1), measured by OpenJPEG
// against Bits Stored; 0 picks 10:1. Ratios below 1 are refused. .90 ignores it.
#include <openjpeg.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "dcmkit/lazy_library.h"
#include "codecs.h"
#include "j2k_common.h"

namespace dcmkit::codecs {

namespace {

constexpr double kDefaultRatio = 10.0;

// ---- Memory streams -------------------------------------------------------------------------

/// The input buffer OpenJPEG reads through callbacks; `hit_end` records a read asked past the end.
struct InStream {
    const uint8_t *data;
    size_t size, pos;
    bool hit_end;
};

OPJ_SIZE_T in_read(void *buf, OPJ_SIZE_T n, void *user) {
    auto *s = static_cast<InStream *>(user);
    if (s->pos >= s->size) {
        s->hit_end = true;
        return OPJ_SIZE_T(-1);  // OpenJPEG's end-of-stream value
    }
    const size_t k = std::min<size_t>(n, s->size - s->pos);
    std::memcpy(buf, s->data + s->pos, k);
    s->pos += k;
    return k;
}

OPJ_OFF_T in_skip(OPJ_OFF_T n, void *user) {
    auto *s = static_cast<InStream *>(user);
    if (n < 0 || s->pos >= s->size) {
        s->hit_end = true;
        return -1;  // a 0 here would make OpenJPEG retry forever
    }
    const size_t k = std::min<uint64_t>(uint64_t(n), s->size - s->pos);
    s->pos += k;
    return OPJ_OFF_T(k);
}

OPJ_BOOL in_seek(OPJ_OFF_T to, void *user) {
    auto *s = static_cast<InStream *>(user);
    if (to < 0 || uint64_t(to) > s->size) {
        s->hit_end = true;
        return OPJ_FALSE;
    }
    s->pos = size_t(to);
    return OPJ_TRUE;
}

/// The growing output of the encoder; OpenJPEG may seek back to patch lengths.
struct OutStream {
    std::vector<uint8_t> bytes;
    size_t pos = 0;
};

OPJ_SIZE_T out_write(void *buf, OPJ_SIZE_T n, void *user) {
    auto *s = static_cast<OutStream *>(user);
    if (s->pos + n > s->bytes.size()) s->bytes.resize(s->pos + n);
    std::memcpy(s->bytes.data() + s->pos, buf, n);
    s->pos += n;
    return n;
}

OPJ_OFF_T out_skip(OPJ_OFF_T n, void *user) {
    auto *s = static_cast<OutStream *>(user);
    if (n < 0 && uint64_t(-n) > s->pos) return -1;
    s->pos = size_t(OPJ_OFF_T(s->pos) + n);
    if (s->pos > s->bytes.size()) s->bytes.resize(s->pos);
    return n;
}

OPJ_BOOL out_seek(OPJ_OFF_T to, void *user) {
    auto *s = static_cast<OutStream *>(user);
    if (to < 0) return OPJ_FALSE;
    s->pos = size_t(to);
    if (s->pos > s->bytes.size()) s->bytes.resize(s->pos);
    return OPJ_TRUE;
}

// ---- RAII for OpenJPEG objects --------------------------------------------------------------

struct Handles {
    opj_codec_t *codec = nullptr;
    opj_stream_t *stream = nullptr;
    opj_image_t *image = nullptr;
    opj_codestream_info_v2_t *cstr = nullptr;
    std::string error;  ///< OpenJPEG's error messages, joined
    Handles() = default;
    Handles(const Handles &) = delete;
    Handles &operator=(const Handles &) = delete;
    ~Handles() {
        if (cstr) opj_destroy_cstr_info(&cstr);
        if (image) opj_image_destroy(image);
        if (stream) opj_stream_destroy(stream);
        if (codec) opj_destroy_codec(codec);
    }
};

void on_error(const char *msg, void *user) {
    auto *h = static_cast<Handles *>(user);
    std::string m(msg ? msg : "");
    while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) m.pop_back();
    if (!h->error.empty()) h->error += "; ";
    h->error += m;
}
void on_quiet(const char *, void *) {}

void install_handlers(Handles &h) {
    opj_set_error_handler(h.codec, on_error, &h);
    opj_set_warning_handler(h.codec, on_quiet, nullptr);
    opj_set_info_handler(h.codec, on_quiet, nullptr);
}

/// Worker threads for one frame: `requested` (0 = every core), but one for small frames where a
/// thread pool costs more than it saves.
int thread_count(unsigned requested, const PixelInfo &info) {
    if (uint64_t(info.rows) * info.columns * info.samples_per_pixel < 256u * 256u) return 1;
    unsigned n = requested ? requested : std::thread::hardware_concurrency();
    return int(std::clamp(n, 1u, 64u));
}

// ---- Header checks --------------------------------------------------------------------------

/// The JP2 signature box (ISO/IEC 15444-1 I.5.1) that starts a JP2 file.
constexpr uint8_t kJp2Signature[12] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};

/// Checks the decoded image against `info`: size, components, no subsampling, precision that fits
/// Bits Allocated (it may differ from Bits Stored, as real-world files show).
void check_image(const PixelInfo &info, const opj_image_t *img) {
    const uint32_t w = img->x1 - img->x0, h = img->y1 - img->y0;
    if (img->x1 <= img->x0 || img->y1 <= img->y0 || w != info.columns || h != info.rows ||
        img->numcomps != info.samples_per_pixel)
        throw Error(Errc::bad_value, "JPEG 2000: image of " + std::to_string(w) + "x" + std::to_string(h) + " with " +
                                         std::to_string(img->numcomps) + " components; the dataset says " +
                                         std::to_string(info.columns) + "x" + std::to_string(info.rows) + " with " +
                                         std::to_string(info.samples_per_pixel));
    for (uint32_t c = 0; c < img->numcomps; ++c) {
        const opj_image_comp_t &k = img->comps[c];
        if (k.dx != 1 || k.dy != 1 || k.w != w || k.h != h)
            throw Error(Errc::unsupported, "JPEG 2000: subsampled component " + std::to_string(c));
        if (k.prec < 1 || k.prec > info.bits_allocated)
            throw Error(Errc::bad_value, "JPEG 2000: component " + std::to_string(c) + " has " + std::to_string(k.prec) +
                                             "-bit samples, more than Bits Allocated " +
                                             std::to_string(info.bits_allocated));
    }
}

/// Whether a codestream ends with EOC (FFD9, 15444-1 A.4.4), before the pad byte a fragment may add.
bool ends_with_eoc(const uint8_t *p, size_t n) {
    if (n >= 3 && p[n - 1] == 0) --n;
    return n >= 2 && p[n - 2] == 0xFF && p[n - 1] == 0xD9;
}

/// Throws the error OpenJPEG reported: truncated when the input ran out (a read past its end, or
/// no EOC at its end), malformed otherwise.
[[noreturn]] void fail(const Handles &h, const InStream *in, const char *what) {
    std::string msg = std::string("JPEG 2000: ") + what;
    if (!h.error.empty()) msg += ": " + h.error;
    if (in && (in->hit_end || !ends_with_eoc(in->data, in->size))) throw Error(Errc::truncated, msg, int64_t(in->size));
    throw Error(Errc::malformed, msg);
}

// ---- The codec ------------------------------------------------------------------------------

class J2kCodec final : public Codec {
public:
    explicit J2kCodec(bool lossless_only) : lossless_only_(lossless_only) {}

    std::string_view transfer_syntax() const noexcept override { return lossless_only_ ? kJ2kLossless : kJ2k; }
    bool lossless_only() const noexcept override { return lossless_only_; }

    bool can_encode(const PixelInfo &info, const EncodeOptions &options, std::string *why) const override {
        return jpeg2000::can_encode(info, options, lossless_only_, "JPEG 2000", why);
    }

    FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out,
                       size_t out_size) const override {
        check_frame_size(info, out_size, "JPEG 2000 decode");
        if (info.bits_allocated != 8 && info.bits_allocated != 16)
            throw Error(Errc::unsupported, "JPEG 2000: Bits Allocated " + std::to_string(info.bits_allocated));
        if (info.samples_per_pixel != 1 && info.samples_per_pixel != 3)
            throw Error(Errc::unsupported, "JPEG 2000: Samples per Pixel " + std::to_string(info.samples_per_pixel));
        const bool jp2 = in_size >= sizeof kJp2Signature && std::memcmp(in, kJp2Signature, sizeof kJp2Signature) == 0;
        if (!jp2) jpeg2000::check_siz(info, in, in_size, "JPEG 2000");

        lazy::require("openjp2", "JPEG 2000 decoding");
        Handles h;
        InStream src{in, in_size, 0, false};
        h.codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
        if (!h.codec) throw Error(Errc::unsupported, "JPEG 2000: OpenJPEG has no decoder");
        install_handlers(h);
        opj_dparameters_t params;
        opj_set_default_decoder_parameters(&params);
        if (!opj_setup_decoder(h.codec, &params)) fail(h, nullptr, "decoder setup failed");
        // Strict: a codestream cut short is an error, not a silently blurred image.
        opj_decoder_set_strict_mode(h.codec, OPJ_TRUE);
        opj_codec_set_threads(h.codec, thread_count(0, info));

        h.stream = opj_stream_create(in_size < (1u << 20) ? in_size + 1 : (1u << 20), OPJ_TRUE);
        if (!h.stream) throw Error(Errc::unsupported, "JPEG 2000: cannot create a stream");
        opj_stream_set_user_data(h.stream, &src, nullptr);
        opj_stream_set_user_data_length(h.stream, in_size);
        opj_stream_set_read_function(h.stream, in_read);
        opj_stream_set_skip_function(h.stream, in_skip);
        opj_stream_set_seek_function(h.stream, in_seek);

        if (!opj_read_header(h.stream, h.codec, &h.image) || !h.image) fail(h, &src, "cannot read the header");
        check_image(info, h.image);
        h.cstr = opj_get_cstr_info(h.codec);
        const bool mct = h.cstr && h.cstr->m_default_tile_info.mct != 0;
        if (!opj_decode(h.codec, h.stream, h.image) || !opj_end_decompress(h.codec, h.stream))
            fail(h, &src, "cannot decode");
        check_image(info, h.image);
        for (uint32_t c = 0; c < h.image->numcomps; ++c)
            if (!h.image->comps[c].data) fail(h, &src, "no samples decoded");

        // Interleave the components into Bits Allocated little-endian samples; signed values are
        // sign-extended by storing their two's complement in the whole sample. A codestream whose
        // precision exceeds Bits Stored (GDCM writes 12-bit data as 16-bit components) may hold
        // lossy overshoot past what Bits Stored can hold: clamp it into that range, so it does not
        // wrap when readers drop the bits above Bits Stored.
        const size_t pixels = size_t(info.rows) * info.columns, spp = info.samples_per_pixel;
        const size_t bytes = info.bits_allocated / 8;
        for (size_t c = 0; c < spp; ++c) {
            const opj_image_comp_t &k = h.image->comps[c];
            const uint32_t bits = std::min<uint32_t>(k.prec, std::max<uint32_t>(info.bits_stored, 1));
            const OPJ_INT32 lo = k.sgnd ? -(OPJ_INT32(1) << (bits - 1)) : 0;
            const OPJ_INT32 hi = k.sgnd ? (OPJ_INT32(1) << (bits - 1)) - 1 : OPJ_INT32((1u << bits) - 1);
            const OPJ_INT32 *d = k.data;
            uint8_t *o = out + c * bytes;
            if (bytes == 1) {
                for (size_t i = 0; i < pixels; ++i, o += spp) *o = uint8_t(std::clamp(d[i], lo, hi));
            } else {
                for (size_t i = 0; i < pixels; ++i, o += 2 * spp) store_u16le(o, uint16_t(std::clamp(d[i], lo, hi)));
            }
        }
        // The codestream's sign (Ssiz) only tells how OpenJPEG gave the values: Bits Stored bits of
        // them are the stored value, read as Pixel Representation says (apply_pixel_representation).
        apply_pixel_representation(info, out, out_size);
        FrameLayout layout;
        if (spp == 3 && mct) layout.photometric = "RGB";
        return layout;
    }

    std::vector<uint8_t> encode(const PixelInfo &info, const uint8_t *frame, size_t size, const EncodeOptions &options,
                                FrameLayout &layout) const override {
        lazy::require("openjp2", "JPEG 2000 encoding");
        std::string why;
        if (!can_encode(info, options, &why)) throw Error(Errc::unsupported, why);
        check_frame_size(info, size, "JPEG 2000 encode");
        const uint32_t spp = info.samples_per_pixel;
        const bool rgb = spp == 3 && info.photometric_interpretation == "RGB";
        const bool lossy = !lossless_only_;
        const bool is_signed = info.pixel_representation == 1;

        // The image: one component per sample, Bits Stored precision, signed as the data is.
        opj_image_cmptparm_t cmpt[3];
        std::memset(cmpt, 0, sizeof cmpt);
        for (uint32_t c = 0; c < spp; ++c) {
            cmpt[c].dx = cmpt[c].dy = 1;
            cmpt[c].w = info.columns;
            cmpt[c].h = info.rows;
            cmpt[c].prec = info.bits_stored;
            cmpt[c].sgnd = is_signed;
        }
        Handles h;
        h.image = opj_image_create(spp, cmpt, spp == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
        if (!h.image) throw Error(Errc::unsupported, "JPEG 2000: cannot allocate the image");
        h.image->x0 = h.image->y0 = 0;
        h.image->x1 = info.columns;
        h.image->y1 = info.rows;
        const size_t pixels = size_t(info.rows) * info.columns, bytes = info.bits_allocated / 8;
        const uint32_t bits = info.bits_stored;
        const uint32_t mask = (1u << bits) - 1, sign = 1u << (bits - 1);
        for (uint32_t c = 0; c < spp; ++c) {
            OPJ_INT32 *d = h.image->comps[c].data;
            const uint8_t *p = frame + c * bytes;
            for (size_t i = 0; i < pixels; ++i, p += spp * bytes) {
                // Bits above Bits Stored are not pixel data (PS3.5 8.1.1): drop them, then sign-extend.
                uint32_t v = (bytes == 1 ? p[0] : load_u16le(p)) & mask;
                d[i] = is_signed ? OPJ_INT32(v ^ sign) - OPJ_INT32(sign) : OPJ_INT32(v);
            }
        }

        opj_cparameters_t params;
        opj_set_default_encoder_parameters(&params);
        params.tcp_numlayers = 1;
        params.cp_disto_alloc = 1;
        // tcp_rates[0] is the compression ratio of the layer; 0 keeps every bit (reversible 5/3).
        params.tcp_rates[0] = lossy ? float(options.ratio > 0 ? options.ratio : kDefaultRatio) : 0.0f;
        params.irreversible = lossy ? 1 : 0;
        params.tcp_mct = rgb ? 1 : 0;
        // Resolutions: 5 decomposition levels (6 resolutions), fewer for frames too small for them.
        const uint32_t smallest = std::min(info.rows, info.columns);
        int levels = 0;
        while (levels < 5 && (smallest >> (levels + 1)) > 0) ++levels;
        params.numresolution = levels + 1;

        h.codec = opj_create_compress(OPJ_CODEC_J2K);
        if (!h.codec) throw Error(Errc::unsupported, "JPEG 2000: OpenJPEG has no encoder");
        install_handlers(h);
        if (!opj_setup_encoder(h.codec, &params, h.image)) fail(h, nullptr, "encoder setup failed");
        opj_codec_set_threads(h.codec, thread_count(options.threads, info));

        OutStream dst;
        dst.bytes.reserve(size / 2 + 1024);
        h.stream = opj_stream_create(1u << 20, OPJ_FALSE);
        if (!h.stream) throw Error(Errc::unsupported, "JPEG 2000: cannot create a stream");
        opj_stream_set_user_data(h.stream, &dst, nullptr);
        opj_stream_set_write_function(h.stream, out_write);
        opj_stream_set_skip_function(h.stream, out_skip);
        opj_stream_set_seek_function(h.stream, out_seek);
        if (!opj_start_compress(h.codec, h.image, h.stream) || !opj_encode(h.codec, h.stream) ||
            !opj_end_compress(h.codec, h.stream))
            fail(h, nullptr, "cannot encode");

        layout = FrameLayout{};
        if (rgb) layout.photometric = lossy ? "YBR_ICT" : "YBR_RCT";
        layout.lossy = lossy;
        if (lossy) layout.lossy_method = "ISO_15444_1";
        return std::move(dst.bytes);
    }

private:
    bool lossless_only_;
};

}  // namespace

std::unique_ptr<Codec> make_j2k(bool lossless_only) { return std::make_unique<J2kCodec>(lossless_only); }

}  // namespace dcmkit::codecs
