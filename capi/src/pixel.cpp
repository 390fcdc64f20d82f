// dcmkit C ABI — pixel data: layout, native and decoded frames, codecs, transcoding and rendering
// (over core/data/include/dcmkit/pixel.h, core/codecs/include/dcmkit/codec.h and render.h).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "dcmkit/codec.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/dk_pixel.h"
#include "dcmkit/pixel.h"
#include "dcmkit/render.h"
#include "internal.h"

using dcmkit::Dataset;
using dcmkit::Element;
using dcmkit::Tag;
namespace tags = dcmkit::tags;
using dk::check_version;
using dk::fail;
using dk::need;

namespace {

/// The element holding the pixels (the same order as the core's), or nullptr.
const Element *pixel_element(const Dataset &ds) {
    for (Tag t : {tags::PixelData, tags::FloatPixelData, tags::DoubleFloatPixelData})
        if (const Element *e = ds.find(t)) return e;
    return nullptr;
}

const Element &require_pixels(const Dataset &ds) {
    const Element *px = pixel_element(ds);
    if (!px) fail(DK_ENOTFOUND, "the dataset has no Pixel Data, Float Pixel Data nor Double Float Pixel Data");
    return *px;
}

/// The layout, with bits_allocated fixed by the float pixel data elements (as the core reads them).
dcmkit::PixelInfo layout(const Dataset &ds, const Element &px) {
    dcmkit::PixelInfo p = dcmkit::PixelInfo::from(ds);
    if (px.tag == tags::FloatPixelData) p.bits_allocated = 32;
    if (px.tag == tags::DoubleFloatPixelData) p.bits_allocated = 64;
    return p;
}

/// "JPEG Baseline (Process 1) (1.2.840.10008.1.2.4.50)", for messages.
std::string describe_syntax(const std::string &uid) {
    const dcmkit::TransferSyntax ts = dcmkit::TransferSyntax::from_uid(uid);
    if (ts.known) return std::string(ts.name) + " (" + uid + ")";
    return uid.empty() ? std::string("an unknown transfer syntax") : uid;
}

/// The transfer syntax compressed pixel data is encoded in: the one it was read in, else the
/// dataset's default one when the caller made it a compressed one (dk_dataset_set_transfer_syntax
/// on a dataset from JSON without one); "" when the dataset does not say.
std::string compressed_syntax(const dk::Root &root) {
    if (!root.pixel_syntax.empty()) return root.pixel_syntax;
    if (dcmkit::TransferSyntax::from_uid(root.file.transfer_syntax).encapsulated) return root.file.transfer_syntax;
    return {};
}

/// The codec syntax of compressed pixel data; DK_EUNSUPPORTED when the dataset does not record it
/// or this build has no codec for it.
std::string decodable_syntax(const dk_dataset *h) {
    const std::string uid = compressed_syntax(*h->root);
    if (uid.empty())
        fail(DK_EUNSUPPORTED, "the Pixel Data is compressed, but the dataset does not record its transfer syntax: "
                              "set it with dk_dataset_set_transfer_syntax to decode it");
    if (!dcmkit::find_codec(uid))
        fail(DK_EUNSUPPORTED, "the Pixel Data is compressed as " + describe_syntax(uid) +
                                  ": this build of dcmkit has no codec to decode it");
    return uid;
}

/// The syntax to hand the core's decode_frame / render_frame: native pixel data is held little
/// endian whatever the file's syntax was, so any native syntax describes it.
std::string pixel_syntax_for(const dk_dataset *h, const Element &px) {
    return px.is_encapsulated() ? decodable_syntax(h) : std::string(dcmkit::uids::ExplicitVRLittleEndian);
}

/// DK_EBUFS when `needed` bytes do not fit in *size (set to `needed`); DK_EINVAL for a NULL buffer
/// with a non-zero size.
void check_buffer(const void *buf, size_t *size, uint64_t needed, const std::string &what) {
    if (!buf && *size != 0) fail(DK_EINVAL, "buf is NULL but *size is " + std::to_string(*size));
    if (needed > *size) {
        const size_t given = *size;
        *size = size_t(needed);
        fail(DK_EBUFS, "a buffer of " + std::to_string(given) + " bytes is too small: " + what + " needs " +
                           std::to_string(needed));
    }
}

/// Copies native frame `index` as stored (dk_dataset_read_frame's native case).
void copy_native_frame(const Dataset &d, const Element &px, uint64_t index, void *buf, size_t *size) {
    const dcmkit::Bytes frame = dcmkit::frame_bytes(d, index);  // index, attributes, length checks
    const size_t needed = frame.size();
    check_buffer(buf, size, needed, "frame " + std::to_string(index));
    if (needed) std::memcpy(buf, frame.data(), needed);
    // 1-bit frames that end inside a byte: clear the bits of the next frame.
    const uint64_t bits = layout(d, px).frame_bits();
    if (bits % 8 && needed) static_cast<uint8_t *>(buf)[needed - 1] &= uint8_t((1u << (bits % 8)) - 1);
    *size = needed;
}

/// dk_last_warnings(): what the decoders of this thread's last pixel call tolerated.
thread_local std::string t_warnings;

void add_warning(uint64_t frame, const std::string &w) {
    t_warnings += "frame " + std::to_string(frame) + ": " + w + "\n";
}

/// Decodes frame `index` through the core (compressed data, or native data to re-interleave).
/// Returns the Photometric Interpretation of the result.
std::string decode_into(const dk_dataset *h, const Dataset &d, const Element &px, uint64_t index, void *buf,
                        size_t *size) {
    const dcmkit::PixelInfo p = layout(d, px);
    if (index >= p.frames)
        fail(DK_EINVAL, "frame " + std::to_string(index) + " of " + std::to_string(p.frames) + " does not exist");
    const std::string syntax = pixel_syntax_for(h, px);
    check_buffer(buf, size, p.frame_bytes(), "frame " + std::to_string(index));
    dcmkit::FrameLayout fl;
    const std::vector<uint8_t> frame = dcmkit::decode_frame(d, syntax, index, &fl);
    for (const std::string &w : fl.warnings) add_warning(index, w);
    if (frame.size() > *size)  // cannot happen: decode_frame gives frame_bytes()
        fail(DK_EINTERNAL, "internal error: a decoded frame of " + std::to_string(frame.size()) + " bytes");
    if (!frame.empty()) std::memcpy(buf, frame.data(), frame.size());
    *size = frame.size();
    return fl.photometric.empty() ? p.photometric_interpretation : fl.photometric;
}

void copy_photometric(const std::string &pi, char *out) {
    const size_t n = std::min(pi.size(), size_t(19));
    std::memcpy(out, pi.data(), n);
    out[n] = '\0';
}


dcmkit::TranscodeOptions transcode_options(const dk_transcode_options *o, uint64_t frames) {
    dcmkit::TranscodeOptions t;
    uint32_t threads = 0;
    if (o) {
        check_version(o->version, DK_TRANSCODE_OPTIONS_VERSION, "dk_transcode_options");
        // Version 1 fields. A later version appends fields, read here only when o->version has them.
        if (o->quality < 1 || o->quality > 100)
            fail(DK_EINVAL, "quality " + std::to_string(o->quality) + " is not 1 to 100");
        if (!(o->ratio >= 0) || !std::isfinite(o->ratio))
            fail(DK_EINVAL, "ratio " + std::to_string(o->ratio) + " is not a finite number >= 0");
        if (o->near_lossless < 0 || o->near_lossless > 255)
            fail(DK_EINVAL, "near_lossless " + std::to_string(o->near_lossless) + " is not 0 to 255");
        if (o->predictor < 1 || o->predictor > 7)
            fail(DK_EINVAL, "predictor " + std::to_string(o->predictor) + " is not 1 to 7");
        t.encode.quality = o->quality;
        t.encode.ratio = o->ratio;
        t.encode.near_lossless = o->near_lossless;
        t.encode.predictor = o->predictor;
        t.lossy_to_lossless = o->lossy_to_lossless != 0;
        t.extended_offset_table = o->extended_offset_table != 0;
        t.new_uid_when_lossy = o->keep_uid == 0;
        threads = o->threads;
    }
    // Frames in parallel, or one frame split inside the codec: not both (threads² threads).
    t.threads = threads;
    t.encode.threads = frames > 1 ? 1 : threads;
    return t;
}

dcmkit::RenderOptions render_options(const dk_render_options *o) {
    dcmkit::RenderOptions r;
    if (!o) return r;
    check_version(o->version, DK_RENDER_OPTIONS_VERSION, "dk_render_options");
    // Version 1 fields.
    if (o->use_window) {
        if (!std::isfinite(o->window_center))
            fail(DK_EINVAL, "window_center " + std::to_string(o->window_center) + " is not a finite number");
        if (!(o->window_width > 0) || !std::isfinite(o->window_width))
            fail(DK_EINVAL, "window_width " + std::to_string(o->window_width) + " is not a finite number above 0");
        r.window_center = o->window_center;
        r.window_width = o->window_width;
    }
    r.voi_index = o->voi_index;
    r.min_max = o->min_max != 0;
    return r;
}

/// Renders frame `index` of a dataset or item handle.
dcmkit::Image8 render(const dk_dataset *h, uint64_t index, const dcmkit::RenderOptions &ro) {
    const Dataset &d = dk::resolve_dataset(h);
    const Element &px = require_pixels(d);
    if (px.tag != tags::PixelData)
        fail(DK_EUNSUPPORTED, "rendering Float Pixel Data or Double Float Pixel Data is not supported");
    const dcmkit::PixelInfo p = layout(d, px);
    if (p.bits_allocated % 8) fail(DK_EUNSUPPORTED, "rendering 1-bit pixel data is not supported");
    if (index >= p.frames)
        fail(DK_EINVAL, "frame " + std::to_string(index) + " of " + std::to_string(p.frames) + " does not exist");
    const std::string syntax = pixel_syntax_for(h, px);
    if (!h->path.empty()) {  // an item (an icon): a file of its own for the core
        dcmkit::DicomFile item;
        item.dataset = d;
        item.transfer_syntax = syntax;
        return dcmkit::render_frame(item, index, ro);
    }
    // The core reads the pixels' syntax from the file: lend it the one that describes them.
    dcmkit::DicomFile &file = h->root->file;
    struct Restore {
        std::string &ts;
        std::string saved;
        ~Restore() { ts.swap(saved); }
    } restore{file.transfer_syntax, syntax};
    file.transfer_syntax.swap(restore.saved);
    return dcmkit::render_frame(file, index, ro);
}

}  // namespace

extern "C" {

dk_result dk_dataset_pixel_info(dk_pixel_info *info, const dk_dataset *ds) {
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(info, "info");
        check_version(info->version, DK_PIXEL_INFO_VERSION, "dk_pixel_info");
        const Element &px = require_pixels(d);
        const dcmkit::PixelInfo p = layout(d, px);
        // Version 1 fields. A later version appends fields, filled only when info->version has them.
        info->rows = p.rows;
        info->columns = p.columns;
        info->samples_per_pixel = p.samples_per_pixel;
        info->bits_allocated = p.bits_allocated;
        info->bits_stored = p.bits_stored;
        info->high_bit = p.high_bit;
        info->pixel_representation = p.pixel_representation;
        info->planar_configuration = p.planar_configuration;
        info->pixel_data_tag = px.tag.value;
        info->number_of_frames = p.frames;
        info->frame_size = px.is_encapsulated() ? p.frame_bytes() : (p.native_frame_bits() + 7) / 8;
        info->encapsulated = px.is_encapsulated() ? 1 : 0;
        const size_t n = std::min(p.photometric_interpretation.size(), sizeof info->photometric_interpretation - 1);
        std::memcpy(info->photometric_interpretation, p.photometric_interpretation.data(), n);
        info->photometric_interpretation[n] = '\0';
    });
}

dk_result dk_dataset_frame_count(uint64_t *count, const dk_dataset *ds) {
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(count, "count");
        *count = dcmkit::frame_count(d);
    });
}

const char *dk_last_warnings(void) { return t_warnings.c_str(); }

dk_result dk_dataset_read_frame(void *buf, size_t *size, const dk_dataset *ds, uint64_t index) {
    t_warnings.clear();
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(size, "size");
        if (!buf && *size != 0) fail(DK_EINVAL, "buf is NULL but *size is " + std::to_string(*size));
        const Element &px = require_pixels(d);
        if (px.is_encapsulated()) decode_into(ds, d, px, index, buf, size);
        else copy_native_frame(d, px, index, buf, size);
    });
}

dk_result dk_dataset_decode_frame(void *buf, size_t *size, char photometric[20], const dk_dataset *ds, uint64_t index) {
    t_warnings.clear();
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(size, "size");
        if (!buf && *size != 0) fail(DK_EINVAL, "buf is NULL but *size is " + std::to_string(*size));
        const Element &px = require_pixels(d);
        const dcmkit::PixelInfo p = layout(d, px);
        std::string pi;
        // Compressed data, planar native colour to interleave, and native YBR_FULL_422 to upsample
        // (to YBR_FULL, PixelInfo::native_subsampled) go through the core's decode_frame.
        if (px.is_encapsulated() || (p.samples_per_pixel > 1 && p.planar_configuration == 1 && p.bits_allocated % 8 == 0 &&
                                     px.tag == tags::PixelData) ||
            (p.native_subsampled() && px.tag == tags::PixelData)) {
            pi = decode_into(ds, d, px, index, buf, size);
        } else {  // already interleaved (or 1-bit, or float): as stored
            copy_native_frame(d, px, index, buf, size);
            pi = p.photometric_interpretation;
        }
        if (photometric) copy_photometric(pi, photometric);
    });
}

dk_result dk_dataset_pixel_data_view(const void **data, size_t *size, const dk_dataset *ds) {
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(data, "data");
        need(size, "size");
        *data = nullptr;
        *size = 0;
        const Element &px = require_pixels(d);
        if (px.is_encapsulated()) {
            const std::string uid = compressed_syntax(*ds->root);
            fail(DK_EUNSUPPORTED, "the Pixel Data is compressed" + (uid.empty() ? std::string() : " as " + describe_syntax(uid)) +
                                      ": there are no native frames to lend; decode them with dk_dataset_read_frame or "
                                      "dk_dataset_decode_frame, or convert the dataset with dk_dataset_transcode");
        }
        const dcmkit::PixelInfo p = layout(d, px);
        const uint64_t have = px.value.size();
        const uint64_t bits = p.native_frame_bits();  // as stored: YBR_FULL_422 holds 2 samples a pixel
        // frames × bits / 8 without overflow: compare by division first.
        uint64_t needed = 0;
        if (bits != 0) {
            if (p.frames > (have * 8) / bits)
                fail(DK_ETRUNCATED, "pixel data holds " + std::to_string(have) + " bytes, too few for " +
                                        std::to_string(p.frames) + " frames of " + std::to_string((bits + 7) / 8) +
                                        " bytes");
            needed = (p.frames * bits + 7) / 8;
        }
        if (needed > have)  // 1-bit rounding
            fail(DK_ETRUNCATED, "pixel data holds " + std::to_string(have) + " bytes; " + std::to_string(needed) +
                                    " are needed");
        // Only memory that lives as long as the dataset: its source. An owned value would be freed
        // by replacing the element, leaving the caller's pointer dangling.
        if (needed && !px.value.borrowed())
            fail(DK_EUNSUPPORTED, "the pixel data is held in memory of its own, not in the data the dataset was read "
                                  "from: copy its frames with dk_dataset_read_frame");
        *data = needed ? px.value.data() : nullptr;
        *size = size_t(needed);
    });
}

// -- codecs and transcoding -------------------------------------------------------------------------

int32_t dk_codec_support(const char *transfer_syntax) {
    if (!transfer_syntax) return 0;
    try {
        const dcmkit::TransferSyntax ts = dcmkit::TransferSyntax::parse(transfer_syntax);
        if (!ts.encapsulated) {
#ifndef DCMKIT_HAVE_ZLIB
            if (ts.deflated) return 0;  // built without zlib (DCMKIT_WITH_ZLIB=OFF)
#endif
            return DK_CODEC_DECODE | DK_CODEC_ENCODE;
        }
        const dcmkit::Codec *c = dcmkit::find_codec(ts.uid);
        if (!c) return 0;
        // Encoding depends on the image; a codec that cannot encode the plainest one cannot encode.
        dcmkit::PixelInfo plain;
        plain.rows = plain.columns = 16;
        plain.bits_allocated = plain.bits_stored = 8;
        plain.high_bit = 7;
        plain.photometric_interpretation = "MONOCHROME2";
        return DK_CODEC_DECODE | (c->can_encode(plain, dcmkit::EncodeOptions{}, nullptr) ? DK_CODEC_ENCODE : 0);
    } catch (...) {
        return 0;  // an unknown syntax (or no memory for the message): nothing can be done with it
    }
}

dk_result dk_transcode_options_init(dk_transcode_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        check_version(version, DK_TRANSCODE_OPTIONS_VERSION, "dk_transcode_options");
        // Only the fields `version` has: the caller's struct may be an older, shorter one.
        opts->version = version;
        opts->quality = 90;
        opts->ratio = 0;
        opts->near_lossless = 2;
        opts->predictor = 1;
        opts->lossy_to_lossless = 0;
        opts->extended_offset_table = 0;
        opts->keep_uid = 0;
        opts->threads = 0;
    });
}

dk_result dk_dataset_transcode(dk_dataset *ds, const char *transfer_syntax, const dk_transcode_options *opts) {
    t_warnings.clear();
    return dk::guard([&] {
        Dataset &d = dk::resolve_dataset(ds);
        if (!ds->path.empty()) fail(DK_EINVAL, "dk_dataset_transcode needs a top-level dataset, not an item handle");
        need(transfer_syntax, "transfer_syntax");
        const dcmkit::TransferSyntax to = dcmkit::TransferSyntax::parse(transfer_syntax);  // DK_EINVAL when unknown
        dk::Root &root = *ds->root;
        const Element *px = d.find(tags::PixelData);
        dcmkit::TranscodeOptions options = transcode_options(opts, px ? dcmkit::frame_count(d) : 0);
        options.warning = [](const std::string &w) { t_warnings += w + "\n"; };  // "frame N: …" already
        if (to.encapsulated && !px && (d.find(tags::FloatPixelData) || d.find(tags::DoubleFloatPixelData)))
            fail(DK_EUNSUPPORTED, "Float Pixel Data and Double Float Pixel Data have no compressed transfer syntax");
        // The syntax the pixels are in now, for the core: compressed ones as read; native pixel
        // data is held little endian, whatever the default syntax says.
        std::string from = root.file.transfer_syntax;
        if (px && px->is_encapsulated()) {
            from = compressed_syntax(root);
            if (from.empty())
                fail(DK_EUNSUPPORTED, "the Pixel Data is compressed, but the dataset does not record its transfer "
                                      "syntax: set it with dk_dataset_set_transfer_syntax first");
            if (from != to.uid && !dcmkit::find_codec(from))
                fail(DK_EUNSUPPORTED, "the Pixel Data is compressed as " + describe_syntax(from) +
                                          ": this build of dcmkit has no codec to decode it");
        } else if (px && dcmkit::TransferSyntax::from_uid(from).encapsulated) {
            from = dcmkit::uids::ExplicitVRLittleEndian;
        }
        if (px && to.encapsulated && !dcmkit::find_codec(to.uid) && !(px->is_encapsulated() && from == to.uid))
            fail(DK_EUNSUPPORTED, "this build of dcmkit has no codec to encode " + describe_syntax(std::string(to.uid)));
        const std::string saved = root.file.transfer_syntax;
        root.file.transfer_syntax = from;
        try {
            dcmkit::transcode(root.file, to.uid, options);
        } catch (...) {
            root.file.transfer_syntax = saved;  // the core left the rest unchanged
            throw;
        }
        const Element *after = d.find(tags::PixelData);
        root.pixel_syntax = after && after->is_encapsulated() ? std::string(to.uid) : std::string();
    });
}

// -- rendering ----------------------------------------------------------------------------------------

dk_result dk_render_options_init(dk_render_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        check_version(version, DK_RENDER_OPTIONS_VERSION, "dk_render_options");
        opts->version = version;
        opts->use_window = 0;
        opts->window_center = 0;
        opts->window_width = 0;
        opts->voi_index = 0;
        opts->min_max = 0;
    });
}

dk_result dk_dataset_render_frame(void *buf, size_t *size, uint32_t *width, uint32_t *height,
                                  uint32_t *channels, const dk_dataset *ds, uint64_t index, const dk_render_options *opts) {
    t_warnings.clear();
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(size, "size");
        if (!buf && *size != 0) fail(DK_EINVAL, "buf is NULL but *size is " + std::to_string(*size));
        const dcmkit::RenderOptions ro = render_options(opts);
        // The size from the attributes, so that asking for it does not decode: grayscale gives one
        // channel, colour (RGB, YBR, PALETTE COLOR) three.
        const Element &px = require_pixels(d);
        const dcmkit::PixelInfo p = layout(d, px);
        const std::string &pi = p.photometric_interpretation;
        const uint32_t predicted = (pi.empty() || pi == "MONOCHROME1" || pi == "MONOCHROME2") ? 1 : 3;
        auto report = [&](uint32_t w, uint32_t h, uint32_t c) {
            if (width) *width = w;
            if (height) *height = h;
            if (channels) *channels = c;
        };
        const uint64_t needed = uint64_t(p.rows) * p.columns * predicted;
        if (needed > *size) {
            report(p.columns, p.rows, predicted);
            check_buffer(buf, size, needed, "a rendered frame");
        }
        const dcmkit::Image8 img = render(ds, index, ro);
        for (const std::string &w : img.warnings) add_warning(index, w);
        report(img.width, img.height, img.channels);
        check_buffer(buf, size, img.pixels.size(), "the rendered frame");
        if (!img.pixels.empty()) std::memcpy(buf, img.pixels.data(), img.pixels.size());
        *size = img.pixels.size();
    });
}

dk_result dk_dataset_export_png(const dk_dataset *ds, uint64_t index, const dk_render_options *opts, const char *path) {
    t_warnings.clear();
    return dk::guard([&] {
        dk::resolve_dataset(ds);
        need(path, "path");
        const dcmkit::RenderOptions ro = render_options(opts);
        const dcmkit::Image8 img = render(ds, index, ro);
        for (const std::string &w : img.warnings) add_warning(index, w);
        dcmkit::write_png(path, img);
    });
}

dk_result dk_dataset_export_jpeg(const dk_dataset *ds, uint64_t index, const dk_render_options *opts, int32_t quality,
                                 const char *path) {
    t_warnings.clear();
    return dk::guard([&] {
        dk::resolve_dataset(ds);
        need(path, "path");
        if (quality < 1 || quality > 100) fail(DK_EINVAL, "quality must be 1..100, not " + std::to_string(quality));
        const dcmkit::RenderOptions ro = render_options(opts);
        const dcmkit::Image8 img = render(ds, index, ro);
        for (const std::string &w : img.warnings) add_warning(index, w);
        dcmkit::write_jpeg(path, img, int(quality));
    });
}

}  // extern "C"
