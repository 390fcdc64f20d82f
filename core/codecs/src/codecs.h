// dcmkit — internal: the codec factories the registry lists, and checks codecs share.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/uids.h"

namespace dcmkit::codecs {

// Transfer syntax UIDs (PS3.6 Annex A, dcmkit/uids.h), by the short names the codecs use.
inline constexpr const char *kRle = uids::RLELossless;
inline constexpr const char *kJpegBaseline = uids::JPEGBaseline8Bit;      // Process 1
inline constexpr const char *kJpegExtended = uids::JPEGExtended12Bit;     // Processes 2 & 4
inline constexpr const char *kJpegLossless = uids::JPEGLossless;          // Process 14
inline constexpr const char *kJpegLosslessSv1 = uids::JPEGLosslessSV1;    // Process 14, SV 1
inline constexpr const char *kJpegLsLossless = uids::JPEGLSLossless;
inline constexpr const char *kJpegLsNear = uids::JPEGLSNearLossless;
inline constexpr const char *kJ2kLossless = uids::JPEG2000Lossless;
inline constexpr const char *kJ2k = uids::JPEG2000;
inline constexpr const char *kHtj2kLossless = uids::HTJ2KLossless;
inline constexpr const char *kHtj2kLosslessRpcl = uids::HTJ2KLosslessRPCL;
inline constexpr const char *kHtj2k = uids::HTJ2K;

/// True on a thread that codes one of several frames at once (transcode's frame workers): a codec
/// then keeps a frame to that thread instead of splitting it over the cores.
inline thread_local bool t_frame_worker = false;

// Factories, one per source file (rle.cpp, jpeg.cpp, jpeg_lossless.cpp, jpegls.cpp, j2k.cpp, htj2k.cpp).
std::unique_ptr<Codec> make_rle();
std::unique_ptr<Codec> make_jpeg_baseline();            // .50: libjpeg-turbo
std::unique_ptr<Codec> make_jpeg_extended();            // .51: libjpeg-turbo for 8-bit, jpeg_dct12 for 12-bit
std::unique_ptr<Codec> make_jpeg_lossless(bool sv1);    // .57 / .70: our own
std::unique_ptr<Codec> make_jpegls(bool near_lossless); // .80 / .81: CharLS
std::unique_ptr<Codec> make_j2k(bool lossless_only);    // .90 / .91: OpenJPEG
std::unique_ptr<Codec> make_htj2k(const char *uid);     // .201 / .202 / .203: OpenJPH

/// An 8-bit image (`channels` 1 = grey or 3 = RGB, interleaved rows) as a baseline JPEG file's
/// bytes (SOF0, JFIF, colour as YCbCr 4:2:2), `quality` 1..100 (jpeg.cpp; render.cpp's write_jpeg).
/// Throws Error(invalid_argument) for a bad size or quality.
std::vector<uint8_t> jpeg_encode_image(uint32_t width, uint32_t height, uint32_t channels, const uint8_t *pixels,
                                       int quality);

/// Our own sequential DCT JPEG decoder (Huffman, 8- or 12-bit precision, Processes 1, 2 and 4),
/// used for the 12-bit frames libjpeg-turbo (8-bit only in Debian) cannot decode. Same contract as
/// Codec::decode.
FrameLayout jpeg_dct_decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size);

/// The signedness rule every decoder follows (codec.h): the low Bits Stored bits of a decoded sample
/// are the stored value, and Pixel Representation alone says how to read them, whatever
/// signedness the codestream declares (a JPEG 2000 SIZ Ssiz sign bit) or implies (a JPEG-LS or
/// lossless JPEG precision above Bits Stored holding sign-extended samples). RLE, which codes bytes,
/// gives them back as they were coded, like native pixel data (and dcmdrle). A signed codestream's -2000 in a 13-bit unsigned image is the
/// pattern 6192; an unsigned codestream's 6192 in a signed one is -2000. That is how DCMTK reads
/// GDCM's decompression of such streams (gdcmconv --raw keeps the codestream's bits and the
/// attributes; dcmj2pnm then masks to Bits Stored and sign-extends per Pixel Representation).
/// Rewrites the decoded samples in place accordingly: sign-extended to Bits Allocated when
/// Pixel Representation is 1, bits above Bits Stored cleared when it is 0.
inline void apply_pixel_representation(const PixelInfo &info, uint8_t *out, size_t size) {
    const uint32_t ba = info.bits_allocated, bs = info.bits_stored;
    if (bs == 0 || bs >= ba || (ba != 8 && ba != 16 && ba != 32)) return;
    const uint32_t mask = (1u << bs) - 1, sign = 1u << (bs - 1);
    const size_t bytes = ba / 8;
    for (size_t i = 0; i + bytes <= size; i += bytes) {
        uint32_t v = 0;
        for (size_t b = 0; b < bytes; ++b) v |= uint32_t(out[i + b]) << (8 * b);
        v &= mask;
        if (info.pixel_representation == 1 && (v & sign)) v |= ~mask;
        for (size_t b = 0; b < bytes; ++b) out[i + b] = uint8_t(v >> (8 * b));
    }
}

/// Throws Error(invalid_argument) unless `size` is the frame size `info` implies.
inline void check_frame_size(const PixelInfo &info, size_t size, const char *what) {
    if (uint64_t(size) != info.frame_bytes())
        throw Error(Errc::invalid_argument, std::string(what) + ": buffer of " + std::to_string(size) +
                                                " bytes for a frame of " + std::to_string(info.frame_bytes()));
}

}  // namespace dcmkit::codecs
