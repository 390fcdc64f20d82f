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

    /// Reads the attributes; throws Error(bad_value) when required ones are missing or inconsistent.
    static PixelInfo from(const Dataset &ds);
};

/// Number of frames: Number of Frames (0028,0008), else 1 when pixel data is present, else 0.
uint64_t frame_count(const Dataset &ds);

/// The bytes of frame `index`. Native pixel data: a view of that frame (a copy, re-aligned, for
/// 1-bit frames that do not start on a byte). Encapsulated pixel data: the frame's compressed
/// bitstream, located through the Extended Offset Table, else the Basic Offset Table, else one
/// fragment per frame (or all fragments for a single frame). Throws Error with the reason when the
/// frame cannot be located or the data is too short.
Bytes frame_bytes(const Dataset &ds, uint64_t index);

}  // namespace dcmkit
