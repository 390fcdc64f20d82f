// dcmkit — JPEG-LS lossless (1.2.840.10008.1.2.4.80) and near-lossless (.81) through CharLS
// (PS3.5 8.2.3 and A.4.3; ITU-T T.87).
//
// Decoding takes what the bitstream says (T.87 C.2.2: P, X, Y, Nf; C.2.3: ILV) as long as it fits
// the dataset: any sample precision P up to Bits Allocated — DCMTK 3.6.7 and GDCM write P = Bits
// Allocated (16) for 12-bit data, DCMTK's near-lossless mode P = 8 for 8 bits in 16 — and any
// interleave mode; samples are written as codec.h says (little endian, interleaved, signed values
// sign-extended from Bits Stored).
//
// Encoding writes P = Bits Stored (16 with MAXVAL 2^Bits Stored - 1 for 8 bits or fewer in 16-bit
// cells, see encode) with the
// stored bit pattern (masked to Bits Stored, so two's complement samples are coded as their
// unsigned pattern), colour sample-interleaved (ILV = 2), no colour transform (PS3.5 8.2.3 keeps
// the Photometric Interpretation).
#include <charls/charls.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "dcmkit/lazy_library.h"
#include "codecs.h"

namespace dcmkit::codecs {

namespace {

using charls::jpegls_errc;

Errc classify(jpegls_errc ec) {
    switch (ec) {
    case jpegls_errc::source_buffer_too_small:
    case jpegls_errc::end_of_image_marker_not_found:
        return Errc::truncated;
    case jpegls_errc::parameter_value_not_supported:
    case jpegls_errc::bit_depth_for_transform_not_supported:
    case jpegls_errc::color_transform_not_supported:
    case jpegls_errc::encoding_not_supported:
    case jpegls_errc::jpegls_preset_extended_parameter_type_not_supported:
        return Errc::unsupported;
    default:
        return Errc::malformed;
    }
}

/// Throws Error(`code`) naming CharLS's message when `ec` is a failure.
void check(jpegls_errc ec, const char *what, Errc code) {
    if (ec != jpegls_errc::success)
        throw Error(code, std::string("JPEG-LS ") + what + ": " + charls_get_error_message(ec));
}
void check_decode(jpegls_errc ec, const char *what) { check(ec, what, classify(ec)); }

struct DecoderDeleter {
    void operator()(charls_jpegls_decoder *d) const noexcept { charls_jpegls_decoder_destroy(d); }
};
struct EncoderDeleter {
    void operator()(charls_jpegls_encoder *e) const noexcept { charls_jpegls_encoder_destroy(e); }
};

/// Bytes after the EOI marker a decoder accepts as padding.
constexpr size_t kTrailing = 8;

class JpegLsCodec final : public Codec {
public:
    explicit JpegLsCodec(bool near_lossless) : near_(near_lossless) {}

    std::string_view transfer_syntax() const noexcept override { return near_ ? kJpegLsNear : kJpegLsLossless; }
    bool lossless_only() const noexcept override { return !near_; }

    bool can_encode(const PixelInfo &info, const EncodeOptions &options, std::string *why) const override {
        auto no = [&](std::string reason) {
            if (why) *why = std::move(reason);
            return false;
        };
        if (info.samples_per_pixel != 1 && info.samples_per_pixel != 3)
            return no("JPEG-LS encoding takes 1 or 3 samples per pixel, not " + std::to_string(info.samples_per_pixel));
        // PS3.5 Table 8.2.3-1: Bits Allocated 8 or 16, Bits Stored 2..16; T.87 C.2.2: P = 2..16.
        if ((info.bits_allocated != 8 && info.bits_allocated != 16) || info.bits_stored < 2 ||
            info.bits_stored > info.bits_allocated)
            return no("JPEG-LS encodes 2..16 bits stored in 8 or 16 allocated, not " + std::to_string(info.bits_stored) +
                      " in " + std::to_string(info.bits_allocated));
        const std::string &pi = info.photometric_interpretation;
        if (pi == "YBR_FULL_422" || pi == "YBR_PARTIAL_422" || pi == "YBR_PARTIAL_420")
            return no("JPEG-LS cannot encode subsampled " + pi + " frames (PS3.5 Table 8.2.3-1)");
        if (info.rows == 0 || info.columns == 0 || info.rows > 65535 || info.columns > 65535)
            return no("JPEG-LS frames are 1..65535 pixels wide and high");
        if (near_ && options.near_lossless != 0) {
            const int max_near = std::min(255, int(((1u << info.bits_stored) - 1) / 2));  // T.87 C.2.3
            if (options.near_lossless < 0 || options.near_lossless > max_near)
                return no("JPEG-LS NEAR must be 0.." + std::to_string(max_near) + " for " +
                          std::to_string(info.bits_stored) + "-bit samples, not " +
                          std::to_string(options.near_lossless));
            // The bound NEAR holds on the unsigned pattern, where the most negative and the most
            // positive value are neighbours; dcmcjpls refuses this too.
            if (info.pixel_representation != 0)
                return no("JPEG-LS near-lossless encoding of signed samples is not supported (the error bound "
                          "would not hold across the two's complement wrap)");
            if (pi == "PALETTE COLOR") return no("PALETTE COLOR indices are only encoded losslessly (PS3.5 Table 8.2.3-1)");
        }
        return true;
    }

    FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out,
                       size_t out_size) const override {
        check_frame_size(info, out_size, "JPEG-LS decode");
        lazy::require("charls", "JPEG-LS decoding");
        // The stream ends with EOI (T.87 C.4; T.81 B.2.1), perhaps followed by bytes that pad the
        // fragment to even length (PS3.5 A.4; dcmcjpls 3.6.7 leaves one stray byte after the EOI
        // of some near-lossless frames). Checked here because CharLS 2.4 takes seconds per frame
        // to give up on a scan that simply stops. FF D9 cannot occur inside JPEG-LS scan data (a
        // byte after FF has its high bit clear, T.87 A.1), so it marks the end.
        const size_t floor = in_size > kTrailing ? in_size - kTrailing : 0;
        size_t end = in_size;
        while (end >= floor + 2 && !(in[end - 2] == 0xFF && in[end - 1] == 0xD9)) --end;
        if (end < floor + 2 || end < 4)
            throw Error(Errc::truncated, "JPEG-LS: the bitstream does not end with an EOI marker");
        in_size = end;
        std::unique_ptr<charls_jpegls_decoder, DecoderDeleter> dec(charls_jpegls_decoder_create());
        if (!dec) throw Error(Errc::unsupported, "JPEG-LS: cannot create a CharLS decoder");
        check_decode(charls_jpegls_decoder_set_source_buffer(dec.get(), in, in_size), "source");
        check_decode(charls_jpegls_decoder_read_header(dec.get()), "header");
        charls_frame_info fi{};
        check_decode(charls_jpegls_decoder_get_frame_info(dec.get(), &fi), "frame info");
        charls::interleave_mode ilv{};
        check_decode(charls_jpegls_decoder_get_interleave_mode(dec.get(), &ilv), "interleave mode");

        if (fi.width != info.columns || fi.height != info.rows || uint32_t(fi.component_count) != info.samples_per_pixel)
            throw Error(Errc::bad_value, "JPEG-LS frame is " + std::to_string(fi.width) + "x" +
                                             std::to_string(fi.height) + " with " + std::to_string(fi.component_count) +
                                             " components, the dataset says " + std::to_string(info.columns) + "x" +
                                             std::to_string(info.rows) + " with " +
                                             std::to_string(info.samples_per_pixel) + " samples");
        if ((info.bits_allocated != 8 && info.bits_allocated != 16) || uint32_t(fi.bits_per_sample) > info.bits_allocated)
            throw Error(Errc::bad_value, "JPEG-LS frame has " + std::to_string(fi.bits_per_sample) +
                                             "-bit samples, the dataset allocates " +
                                             std::to_string(info.bits_allocated) + " bits");

        // CharLS writes 1 byte per sample for P <= 8 and 2 (native, little endian here) above;
        // pixel-interleaved for ILV 1 and 2, one plane per component for ILV 0.
        const size_t sample_bytes = fi.bits_per_sample <= 8 ? 1 : 2;
        const size_t pixels = size_t(fi.width) * fi.height;
        const size_t samples = pixels * info.samples_per_pixel;
        const bool planar = ilv == charls::interleave_mode::none && info.samples_per_pixel > 1;
        const size_t out_bytes = info.bits_allocated / 8;
        size_t needed = 0;
        check_decode(charls_jpegls_decoder_get_destination_size(dec.get(), 0, &needed), "destination size");
        if (needed != samples * sample_bytes)
            throw Error(Errc::malformed, "JPEG-LS: CharLS wants " + std::to_string(needed) + " bytes for " +
                                             std::to_string(samples) + " samples");

        if (!planar && sample_bytes == out_bytes) {
            check_decode(charls_jpegls_decoder_decode_to_buffer(dec.get(), out, out_size, 0), "decode");
        } else {
            std::vector<uint8_t> tmp(needed);
            check_decode(charls_jpegls_decoder_decode_to_buffer(dec.get(), tmp.data(), tmp.size(), 0), "decode");
            const size_t comps = info.samples_per_pixel;
            for (size_t i = 0; i < samples; ++i) {
                // Output sample i is pixel i / comps, component i % comps.
                const size_t src = planar ? (i % comps) * pixels + i / comps : i;
                const uint16_t v = sample_bytes == 1 ? tmp[src] : load_u16le(&tmp[2 * src]);
                if (out_bytes == 1)
                    out[i] = uint8_t(v);
                else
                    store_u16le(out + 2 * i, v);
            }
        }
        // JPEG-LS has no sign: a precision above Bits Stored may hold sign-extended samples, one at
        // Bits Stored their pattern. Pixel Representation decides (apply_pixel_representation).
        apply_pixel_representation(info, out, out_size);
        return {};
    }

    std::vector<uint8_t> encode(const PixelInfo &info, const uint8_t *frame, size_t size,
                                const EncodeOptions &options, FrameLayout &layout) const override {
        std::string why;
        if (!can_encode(info, options, &why)) throw Error(Errc::unsupported, "JPEG-LS encode: " + why);
        check_frame_size(info, size, "JPEG-LS encode");
        const int near = near_ ? options.near_lossless : 0;

        // P = Bits Stored, samples masked to it. Except 8 bits or fewer in 16-bit cells: there P =
        // 16, as dcmcjpls and gdcmconv write it, because dcmdjpls 3.6.7 rejects a stream with
        // P <= 8 for Bits Allocated 16 ("Image data mismatch between DICOM header and JPEG-LS
        // bitstream"), and MAXVAL (T.87 C.2.4.1.1, in an LSE segment) = 2^Bits Stored - 1, so that
        // near-lossless reconstruction, clamped to MAXVAL, stays within Bits Stored.
        const bool wide = info.bits_allocated == 16 && info.bits_stored <= 8;
        const unsigned bits = wide ? 16 : info.bits_stored;
        // CharLS takes 1 byte per sample for P <= 8 and 2 above: the cell size, as P is chosen.
        const uint8_t *source = frame;
        std::vector<uint8_t> masked;
        if (info.bits_stored != info.bits_allocated) {
            masked.assign(frame, frame + size);
            if (info.bits_allocated == 8) {
                const uint8_t mask = uint8_t((1u << info.bits_stored) - 1);
                for (auto &b : masked) b &= mask;
            } else {
                const uint16_t mask = uint16_t((1u << info.bits_stored) - 1);
                for (size_t i = 0; i + 1 < size; i += 2) store_u16le(&masked[i], uint16_t(load_u16le(&masked[i]) & mask));
            }
            source = masked.data();
        }

        lazy::require("charls", "JPEG-LS encoding");
        std::unique_ptr<charls_jpegls_encoder, EncoderDeleter> enc(charls_jpegls_encoder_create());
        if (!enc) throw Error(Errc::unsupported, "JPEG-LS: cannot create a CharLS encoder");
        auto ok = [](jpegls_errc ec, const char *what) { check(ec, what, Errc::invalid_argument); };
        const charls_frame_info fi{info.columns, info.rows, int32_t(bits), int32_t(info.samples_per_pixel)};
        ok(charls_jpegls_encoder_set_frame_info(enc.get(), &fi), "frame info");
        ok(charls_jpegls_encoder_set_interleave_mode(enc.get(), info.samples_per_pixel == 3
                                                                    ? charls::interleave_mode::sample
                                                                    : charls::interleave_mode::none),
           "interleave mode");
        ok(charls_jpegls_encoder_set_near_lossless(enc.get(), near), "NEAR");
        if (wide) {
            const charls_jpegls_pc_parameters pc{int32_t((1u << info.bits_stored) - 1), 0, 0, 0, 0};
            ok(charls_jpegls_encoder_set_preset_coding_parameters(enc.get(), &pc), "MAXVAL");
        }
        size_t capacity = 0;
        ok(charls_jpegls_encoder_get_estimated_destination_size(enc.get(), &capacity), "destination size");
        std::vector<uint8_t> bitstream(capacity);
        ok(charls_jpegls_encoder_set_destination_buffer(enc.get(), bitstream.data(), bitstream.size()), "destination");
        ok(charls_jpegls_encoder_encode_from_buffer(enc.get(), source, size, 0), "encode");
        size_t written = 0;
        ok(charls_jpegls_encoder_get_bytes_written(enc.get(), &written), "bytes written");
        bitstream.resize(written);

        layout = FrameLayout{};
        if (near > 0) {
            layout.lossy = true;
            layout.lossy_method = "ISO_14495_1";
        }
        return bitstream;
    }

private:
    bool near_;
};

}  // namespace

std::unique_ptr<Codec> make_jpegls(bool near_lossless) { return std::make_unique<JpegLsCodec>(near_lossless); }

}  // namespace dcmkit::codecs
