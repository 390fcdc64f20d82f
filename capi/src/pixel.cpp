// dcmkit C ABI — pixel data: layout and native frames (over core/include/dcmkit/pixel.h).
#include <algorithm>
#include <cstring>

#include "dcmkit/dictionary.h"
#include "dcmkit/dk_pixel.h"
#include "dcmkit/pixel.h"
#include "internal.h"

using dcmkit::Dataset;
using dcmkit::Element;
using dcmkit::Tag;
namespace tags = dcmkit::tags;
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

/// DK_EUNSUPPORTED naming the transfer syntax of compressed pixel data.
[[noreturn]] void no_codec(const dk_dataset *h) {
    std::string uid = h->root->pixel_syntax.empty() ? h->root->file.transfer_syntax : h->root->pixel_syntax;
    const dcmkit::TransferSyntax ts = dcmkit::TransferSyntax::from_uid(uid);
    std::string what = ts.known ? std::string(ts.name) + " (" + uid + ")" : (uid.empty() ? "an unknown transfer syntax" : uid);
    fail(DK_EUNSUPPORTED, "the Pixel Data is compressed as " + what +
                              ": this version of dcmkit has no codec to decode it (only native pixel data is read)");
}

}  // namespace

extern "C" {

dk_result dk_dataset_pixel_info(const dk_dataset *ds, dk_pixel_info *info) {
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(info, "info");
        if (info->version == 0 || info->version > DK_PIXEL_INFO_VERSION)
            fail(DK_EINVAL, "unsupported dk_pixel_info version " + std::to_string(info->version) +
                                " (this library knows 1 to " + std::to_string(DK_PIXEL_INFO_VERSION) + ")");
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
        info->frame_size = p.frame_bytes();
        info->encapsulated = px.is_encapsulated() ? 1 : 0;
        const size_t n = std::min(p.photometric_interpretation.size(), sizeof info->photometric_interpretation - 1);
        std::memcpy(info->photometric_interpretation, p.photometric_interpretation.data(), n);
        info->photometric_interpretation[n] = '\0';
    });
}

dk_result dk_dataset_frame_count(const dk_dataset *ds, uint64_t *count) {
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(count, "count");
        *count = dcmkit::frame_count(d);
    });
}

dk_result dk_dataset_read_frame(const dk_dataset *ds, uint64_t index, void *buf, size_t *size) {
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(size, "size");
        if (!buf && *size != 0) fail(DK_EINVAL, "buf is NULL but *size is " + std::to_string(*size));
        const Element &px = require_pixels(d);
        if (px.is_encapsulated()) no_codec(ds);
        const dcmkit::Bytes frame = dcmkit::frame_bytes(d, index);  // index, attributes, length checks
        const size_t needed = frame.size();
        if (needed > *size) {
            const size_t given = *size;
            *size = needed;
            fail(DK_EBUFS, "a buffer of " + std::to_string(given) + " bytes is too small: frame " + std::to_string(index) +
                               " needs " + std::to_string(needed));
        }
        if (needed) std::memcpy(buf, frame.data(), needed);
        // 1-bit frames that end inside a byte: clear the bits of the next frame.
        const uint64_t bits = layout(d, px).frame_bits();
        if (bits % 8 && needed) static_cast<uint8_t *>(buf)[needed - 1] &= uint8_t((1u << (bits % 8)) - 1);
        *size = needed;
    });
}

dk_result dk_dataset_pixel_data_view(const dk_dataset *ds, const void **data, size_t *size) {
    return dk::guard([&] {
        const Dataset &d = dk::resolve_dataset(ds);
        need(data, "data");
        need(size, "size");
        *data = nullptr;
        *size = 0;
        const Element &px = require_pixels(d);
        if (px.is_encapsulated()) no_codec(ds);
        const dcmkit::PixelInfo p = layout(d, px);
        const uint64_t have = px.value.size();
        const uint64_t bits = p.frame_bits();
        // frames × bits / 8 without overflow: compare by division first.
        uint64_t needed = 0;
        if (bits != 0) {
            if (p.frames > (have * 8) / bits)
                fail(DK_ETRUNCATED, "pixel data holds " + std::to_string(have) + " bytes, too few for " +
                                        std::to_string(p.frames) + " frames of " + std::to_string(p.frame_bytes()) +
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

}  // extern "C"
