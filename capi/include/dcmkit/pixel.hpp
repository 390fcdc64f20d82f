// dcmkit C++ wrapper: pixel data (dk_pixel.h) — layout, frames, decoding, codecs and transcoding,
// rendering to 8-bit images, PNG and JPEG.
#ifndef DCMKIT_PIXEL_HPP
#define DCMKIT_PIXEL_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "dcmkit/common.hpp"
#include "dcmkit/dataset.hpp"
#include "dcmkit/dk_pixel.h"

namespace dk {

// -- pixel data -----------------------------------------------------------------------------------

/// The layout of a dataset's pixel data (dk_pixel_info).
struct PixelInfo {
    uint32_t rows = 0, columns = 0, samples_per_pixel = 1;
    uint32_t bits_allocated = 0, bits_stored = 0, high_bit = 0;
    uint32_t pixel_representation = 0, planar_configuration = 0;
    Tag pixel_data_tag;            ///< Pixel Data, Float Pixel Data or Double Float Pixel Data
    uint64_t number_of_frames = 0;
    uint64_t frame_size = 0;       ///< bytes of one native frame (read_frame's size)
    bool encapsulated = false;     ///< compressed: read_frame decodes, pixel_data_view throws UnsupportedError
    std::string photometric_interpretation;
};

/// The pixel data's layout. NotFoundError without pixel data, BadValueError for missing attributes.
inline PixelInfo pixel_info(const Dataset &ds) {
    dk_pixel_info c = DK_PIXEL_INFO_INIT;
    check(dk_dataset_pixel_info(&c, ds.handle()));
    PixelInfo p;
    p.rows = c.rows;
    p.columns = c.columns;
    p.samples_per_pixel = c.samples_per_pixel;
    p.bits_allocated = c.bits_allocated;
    p.bits_stored = c.bits_stored;
    p.high_bit = c.high_bit;
    p.pixel_representation = c.pixel_representation;
    p.planar_configuration = c.planar_configuration;
    p.pixel_data_tag = Tag(c.pixel_data_tag);
    p.number_of_frames = c.number_of_frames;
    p.frame_size = c.frame_size;
    p.encapsulated = c.encapsulated != 0;
    p.photometric_interpretation = c.photometric_interpretation;
    return p;
}

/// Number of Frames, else 1 with pixel data, else 0.
inline uint64_t frame_count(const Dataset &ds) {
    uint64_t n = 0;
    check(dk_dataset_frame_count(&n, ds.handle()));
    return n;
}

/// Frame `index`: native data as stored (little endian; 1-bit data packed), compressed data decoded
/// (interleaved; see decode_frame for its photometric interpretation). UnsupportedError when this
/// build has no codec for the syntax; ParseError for a corrupt frame ("frame N: …").
inline std::vector<uint8_t> read_frame(const Dataset &ds, uint64_t index) {
    size_t n = 0;
    const dk_result r = dk_dataset_read_frame(nullptr, &n, ds.handle(), index);
    if (r != DK_EBUFS) check(r);
    std::vector<uint8_t> out(n);
    if (n) check(dk_dataset_read_frame(out.data(), &n, ds.handle(), index));
    out.resize(n);
    return out;
}

/// All the native frames, borrowed from the dataset (no copy): valid until its pixel data is replaced
/// or removed, or the dataset destroyed. UnsupportedError when compressed.
struct PixelView {
    const uint8_t *data = nullptr;
    size_t size = 0;
};
inline PixelView pixel_data_view(const Dataset &ds) {
    const void *p = nullptr;
    size_t n = 0;
    check(dk_dataset_pixel_data_view(&p, &n, ds.handle()));
    return PixelView{static_cast<const uint8_t *>(p), n};
}

/// A frame decoded by decode_frame: interleaved samples and their photometric interpretation.
struct DecodedFrame {
    std::vector<uint8_t> data;
    std::string photometric;  ///< "RGB" for JPEG Baseline YBR_FULL_422, else the dataset's
};

/// Decodes frame `index` into `buf` of `size` bytes (pixel_info().frame_size; 3/2 of it for native
/// YBR_FULL_422, upsampled to YBR_FULL), always interleaved,
/// and returns the size written; `photometric`, when given, receives the result's Photometric
/// Interpretation. Throws as read_frame (Error with code DK_EBUFS when `size` is too small).
inline size_t decode_frame_into(const Dataset &ds, uint64_t index, void *buf, size_t size,
                                std::string *photometric = nullptr) {
    char pi[20] = {0};
    check(dk_dataset_decode_frame(buf, &size, pi, ds.handle(), index));
    if (photometric) *photometric = pi;
    return size;
}

/// What the decoders tolerated in this thread's last frame, transcode or render call
/// (dk_last_warnings): "frame N: …" lines, each ending in '\n'; empty when nothing.
inline std::string last_warnings() { return dk_last_warnings(); }

/// Decodes frame `index` (dk_dataset_decode_frame): always interleaved, with the photometric
/// interpretation of the result.
inline DecodedFrame decode_frame(const Dataset &ds, uint64_t index) {
    DecodedFrame out;
    size_t n = 0;
    const dk_result r = dk_dataset_decode_frame(nullptr, &n, nullptr, ds.handle(), index);
    if (r != DK_EBUFS) check(r);
    out.data.resize(n);
    char pi[20] = {0};
    check(dk_dataset_decode_frame(out.data.empty() ? nullptr : out.data.data(), &n, pi, ds.handle(), index));
    out.data.resize(n);
    out.photometric = pi;
    return out;
}

// -- codecs and transcoding -----------------------------------------------------------------------

/// DK_CODEC_DECODE | DK_CODEC_ENCODE for what this build can do with pixel data in `transfer_syntax`
/// (a UID, keyword or alias); 0 for an unknown syntax or one without codec.
inline int codec_support(const std::string &transfer_syntax) { return dk_codec_support(transfer_syntax.c_str()); }
inline bool can_decode(const std::string &transfer_syntax) {
    return (codec_support(transfer_syntax) & DK_CODEC_DECODE) != 0;
}
inline bool can_encode(const std::string &transfer_syntax) {
    return (codec_support(transfer_syntax) & DK_CODEC_ENCODE) != 0;
}

/// Choices for transcode() (dk_transcode_options); the defaults are the C ABI's.
struct TranscodeOptions {
    int quality = 90;                    ///< JPEG Baseline / Extended: 1..100
    double ratio = 0;                    ///< JPEG 2000 / HTJ2K lossy: target ratio; 0 = the codec's default
    int near_lossless = 2;               ///< JPEG-LS near-lossless (.81): NEAR
    int predictor = 1;                   ///< JPEG Lossless Process 14 (.57): 1..7
    bool lossy_to_lossless = false;      ///< re-encode lossy pixel data in a lossless syntax anyway
    bool extended_offset_table = false;  ///< Extended Offset Table instead of the Basic one
    bool keep_uid = false;               ///< keep SOP Instance UID and Image Type after lossy compression
    uint32_t threads = 0;                ///< 0 = one per core

    dk_transcode_options to_c() const {
        dk_transcode_options o = DK_TRANSCODE_OPTIONS_INIT;
        o.quality = quality;
        o.ratio = ratio;
        o.near_lossless = near_lossless;
        o.predictor = predictor;
        o.lossy_to_lossless = lossy_to_lossless ? 1 : 0;
        o.extended_offset_table = extended_offset_table ? 1 : 0;
        o.keep_uid = keep_uid ? 1 : 0;
        o.threads = threads;
        return o;
    }
};

/// Re-encodes the pixel data of a top-level dataset in `transfer_syntax` (a UID, keyword or alias)
/// and makes it the dataset's syntax (dk_dataset_transcode). InvalidArgumentError for a refused
/// lossy-to-lossless re-encoding or bad options, UnsupportedError when no codec can do it.
inline void transcode(Dataset &ds, const std::string &transfer_syntax, const TranscodeOptions &opts = {}) {
    const dk_transcode_options o = opts.to_c();
    check(dk_dataset_transcode(ds.handle(), transfer_syntax.c_str(), &o));
}

// -- rendering ------------------------------------------------------------------------------------

/// How stored values become display values (dk_render_options).
struct RenderOptions {
    bool use_window = false;   ///< apply window_center / window_width instead of the dataset's
    double window_center = 0;
    double window_width = 0;   ///< > 0 with use_window
    uint32_t voi_index = 0;    ///< which of the dataset's windows / VOI LUTs
    bool min_max = false;      ///< stretch the frame's minimum..maximum

    /// The window (centre, width) to use.
    static RenderOptions window(double center, double width) {
        RenderOptions o;
        o.use_window = true;
        o.window_center = center;
        o.window_width = width;
        return o;
    }
    dk_render_options to_c() const {
        dk_render_options o = DK_RENDER_OPTIONS_INIT;
        o.use_window = use_window ? 1 : 0;
        o.window_center = window_center;
        o.window_width = window_width;
        o.voi_index = voi_index;
        o.min_max = min_max ? 1 : 0;
        return o;
    }
};

/// An 8-bit image: `channels` 1 (grayscale) or 3 (RGB), rows of width × channels bytes.
struct Image8 {
    uint32_t width = 0, height = 0, channels = 1;
    std::vector<uint8_t> pixels;
};

/// Renders frame `index` to 8-bit display values (dk_dataset_render_frame).
inline Image8 render_frame(const Dataset &ds, uint64_t index = 0, const RenderOptions &opts = {}) {
    const dk_render_options o = opts.to_c();
    Image8 img;
    size_t n = 0;
    dk_result r = dk_dataset_render_frame(nullptr, &n, &img.width, &img.height, &img.channels, ds.handle(), index, &o);
    while (r == DK_EBUFS) {  // the size is known without rendering; a second answer only if it grew
        img.pixels.resize(n);
        r = dk_dataset_render_frame(img.pixels.data(), &n, &img.width, &img.height, &img.channels, ds.handle(), index,
                                    &o);
    }
    check(r);
    img.pixels.resize(n);
    return img;
}

/// Renders frame `index` and writes it as a PNG file (dk_dataset_export_png).
inline void export_png(const Dataset &ds, const std::string &path, uint64_t index = 0, const RenderOptions &opts = {}) {
    const dk_render_options o = opts.to_c();
    check(dk_dataset_export_png(ds.handle(), index, &o, path.c_str()));
}

/// Renders frame `index` and writes it as a baseline JPEG file of `quality` 1..100
/// (dk_dataset_export_jpeg).
inline void export_jpeg(const Dataset &ds, const std::string &path, uint64_t index = 0, const RenderOptions &opts = {},
                        int quality = 90) {
    const dk_render_options o = opts.to_c();
    check(dk_dataset_export_jpeg(ds.handle(), index, &o, quality, path.c_str()));
}

}  // namespace dk

#endif  // DCMKIT_PIXEL_HPP
