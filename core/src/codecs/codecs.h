// dcmkit — internal: the codec factories the registry lists, and checks codecs share.
#pragma once

#include <memory>
#include <string>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"

namespace dcmkit::codecs {

// Transfer syntax UIDs (PS3.6 Annex A).
inline constexpr const char *kRle = "1.2.840.10008.1.2.5";
inline constexpr const char *kJpegBaseline = "1.2.840.10008.1.2.4.50";     // Process 1
inline constexpr const char *kJpegExtended = "1.2.840.10008.1.2.4.51";     // Processes 2 & 4
inline constexpr const char *kJpegLossless = "1.2.840.10008.1.2.4.57";     // Process 14
inline constexpr const char *kJpegLosslessSv1 = "1.2.840.10008.1.2.4.70";  // Process 14, SV 1
inline constexpr const char *kJpegLsLossless = "1.2.840.10008.1.2.4.80";
inline constexpr const char *kJpegLsNear = "1.2.840.10008.1.2.4.81";
inline constexpr const char *kJ2kLossless = "1.2.840.10008.1.2.4.90";
inline constexpr const char *kJ2k = "1.2.840.10008.1.2.4.91";
inline constexpr const char *kHtj2kLossless = "1.2.840.10008.1.2.4.201";
inline constexpr const char *kHtj2kLosslessRpcl = "1.2.840.10008.1.2.4.202";
inline constexpr const char *kHtj2k = "1.2.840.10008.1.2.4.203";

// Factories, one per source file (rle.cpp, jpeg.cpp, jpeg_lossless.cpp, jpegls.cpp, j2k.cpp, htj2k.cpp).
std::unique_ptr<Codec> make_rle();
std::unique_ptr<Codec> make_jpeg_baseline();            // .50: libjpeg-turbo
std::unique_ptr<Codec> make_jpeg_extended();            // .51: libjpeg-turbo for 8-bit, jpeg_dct12 for 12-bit
std::unique_ptr<Codec> make_jpeg_lossless(bool sv1);    // .57 / .70: our own
std::unique_ptr<Codec> make_jpegls(bool near_lossless); // .80 / .81: CharLS
std::unique_ptr<Codec> make_j2k(bool lossless_only);    // .90 / .91: OpenJPEG
std::unique_ptr<Codec> make_htj2k(const char *uid);     // .201 / .202 / .203: OpenJPH

/// Our own sequential DCT JPEG decoder (Huffman, 8- or 12-bit precision, Processes 1, 2 and 4),
/// used for the 12-bit frames libjpeg-turbo (8-bit only in Debian) cannot decode. Same contract as
/// Codec::decode.
FrameLayout jpeg_dct_decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size);

/// Throws Error(invalid_argument) unless `size` is the frame size `info` implies.
inline void check_frame_size(const PixelInfo &info, size_t size, const char *what) {
    if (uint64_t(size) != info.frame_bytes())
        throw Error(Errc::invalid_argument, std::string(what) + ": buffer of " + std::to_string(size) +
                                                " bytes for a frame of " + std::to_string(info.frame_bytes()));
}

}  // namespace dcmkit::codecs
