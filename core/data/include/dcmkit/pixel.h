// dcmkit — per-frame access to native and encapsulated pixel data (PS3.5 8 and A.4).
#pragma once

#include <cstdint>
#include <string>

#include "dcmkit/bytes.h"
#include "dcmkit/dataset.h"

namespace dcmkit {

/// The Image Pixel module attributes that lay out the pixel data (PS3.3 C.7.6.3).
struct PixelInfo {
    uint32_t rows = 0, columns = 0, samples_per_pixel = 1;
    uint32_t bits_allocated = 0, bits_stored = 0, high_bit = 0;
    uint32_t pixel_representation = 0, planar_configuration = 0;
    uint64_t frames = 1;
    std::string photometric_interpretation;

    /// Bytes of one native frame (rounded up to whole bytes for 1-bit data).
    uint64_t frame_bits() const { return uint64_t(rows) * columns * samples_per_pixel * bits_allocated; }
    uint64_t frame_bytes() const { return (frame_bits() + 7) / 8; }

    /// Whether native pixel data is stored subsampled: YBR_FULL_422 (PS3.3 C.7.6.3.1.2), where two
    /// horizontally adjacent pixels share one Cb Cr pair, stored Y1 Y2 Cb Cr (Planar Configuration 0).
    /// Decoded, such a frame is YBR_FULL (frame_bits(), each pixel Y Cb Cr), as pydicom's
    /// pixel_array gives it; encapsulated YBR_FULL_422 is the codec's business.
    bool native_subsampled() const { return samples_per_pixel == 3 && photometric_interpretation == "YBR_FULL_422"; }
    /// Bits of one frame as native pixel data stores it: frame_bits(), two samples per pixel for
    /// subsampled YBR_FULL_422.
    uint64_t native_frame_bits() const {
        return native_subsampled() ? uint64_t(rows) * columns * 2 * bits_allocated : frame_bits();
    }

    /// Reads the attributes; throws Error(bad_value) when required ones are missing or inconsistent.
    static PixelInfo from(const Dataset &ds);
};

/// Number of frames: Number of Frames (0028,0008), else 1 when pixel data is present, else 0.
uint64_t frame_count(const Dataset &ds);

/// The bytes of frame `index`. Native pixel data: a view of that frame as stored (a copy, re-aligned,
/// for 1-bit frames that do not start on a byte; PixelInfo::native_frame_bits() long, so the
/// Y1 Y2 Cb Cr groups of YBR_FULL_422 as they are: decode_frame() upsamples them). Encapsulated pixel data: the frame's compressed
/// bitstream, located through the Extended Offset Table, else the Basic Offset Table, else one
/// fragment per frame (or all fragments for a single frame). Throws Error with the reason when the
/// frame cannot be located or the data is too short.
Bytes frame_bytes(const Dataset &ds, uint64_t index);

}  // namespace dcmkit
