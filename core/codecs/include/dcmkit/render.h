// dcmkit — rendering a frame to 8-bit display values (PS3.3 C.11 grayscale pipeline) and PNG / JPEG export.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/file.h"

namespace dcmkit {

/// An 8-bit image: `channels` 1 (grayscale) or 3 (RGB), rows of width * channels bytes.
struct Image8 {
    uint32_t width = 0, height = 0, channels = 1;
    std::vector<uint8_t> pixels;
    /// What the decoder tolerated in the frame's bitstream (FrameLayout::warnings); empty when clean.
    std::vector<std::string> warnings;
};

/// How to turn stored values into display values.
struct RenderOptions {
    /// An explicit window (centre, width), applied with the file's VOI LUT Function (LINEAR when absent).
    std::optional<double> window_center, window_width;
    /// Which of the file's windows / VOI LUTs to use when no explicit window is given.
    unsigned voi_index = 0;
    /// Ignore the file's windows and VOI LUTs and stretch the frame's minimum..maximum.
    bool min_max = false;
};

/// Renders frame `index` of `file`: decodes it (any syntax with a codec), then for grayscale applies
/// the Modality LUT (Rescale Slope/Intercept or Modality LUT Sequence), the VOI LUT (the window,
/// the VOI LUT Sequence, else the frame's min..max), MONOCHROME1 and Presentation LUT Shape INVERSE
/// inversion; per-frame and shared functional groups of enhanced images are honoured. Colour: RGB
/// and YBR_FULL (converted, PS3.3 C.7.6.3.1.2) scaled to 8 bits, PALETTE COLOR through its LUTs.
/// Throws Error(unsupported) for what it cannot render (segmented palettes, 1-bit data).
Image8 render_frame(const DicomFile &file, uint64_t index, const RenderOptions &options = {});

/// Writes an image as PNG (8-bit grayscale or RGB), through a temporary file in the same folder
/// renamed into place. Throws Error(io) when the file cannot be written, Error(unsupported) in a
/// build without libpng.
void write_png(const std::string &path, const Image8 &image);

/// Writes an image as a baseline JPEG (JFIF; 8-bit grayscale, or RGB coded as YCbCr 4:2:2) of
/// `quality` 1..100, atomically as write_png. Throws Error(invalid_argument) for a quality out of
/// range, Error(io) when the file cannot be written, Error(unsupported) in a build without
/// libjpeg-turbo (DCMKIT_WITH_JPEG=OFF).
void write_jpeg(const std::string &path, const Image8 &image, int quality = 90);

/// Renders frame `index` and encodes it in memory as `media_type` ("image/jpeg" of `quality`
/// 1..100, or "image/png"), scaled down (box filter, aspect kept) to fit `max_width` x `max_height`
/// when those are non-zero and smaller (DICOMweb's rendered viewport, thumbnails). Throws as
/// render_frame, Error(invalid_argument) for another media type, Error(unsupported) without the encoder.
std::vector<uint8_t> render_encoded(const DicomFile &file, uint64_t index, const RenderOptions &options,
                                    const std::string &media_type, int quality = 90, uint32_t max_width = 0,
                                    uint32_t max_height = 0);

/// The file name of frame `index` (from 0) when every frame of a multi-frame image is exported:
/// OUT.png becomes OUT_0001.png for frame 0, OUT_0002.png for frame 1, … (numbered from 1; at
/// least four digits). A name without an extension gets the number at its end.
std::string numbered_path(const std::string &path, uint64_t index);

}  // namespace dcmkit
