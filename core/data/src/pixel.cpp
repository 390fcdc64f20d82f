#include "dcmkit/pixel.h"

#include <cstring>
#include <vector>

#include "dcmkit/error.h"

namespace dcmkit {

static uint32_t us_or(const Dataset &ds, Tag t, uint32_t fallback) {
    auto v = ds.get_int_opt(t);
    return v ? uint32_t(*v) : fallback;
}

PixelInfo PixelInfo::from(const Dataset &ds) {
    PixelInfo p;
    auto need = [&](Tag t, const char *name) {
        auto v = ds.get_int_opt(t);
        if (!v) throw Error(Errc::bad_value, std::string("missing ") + name, -1, t.value);
        return uint32_t(*v);
    };
    p.rows = need(tags::Rows, "Rows");
    p.columns = need(tags::Columns, "Columns");
    p.bits_allocated = need(tags::BitsAllocated, "Bits Allocated");
    p.samples_per_pixel = us_or(ds, tags::SamplesPerPixel, 1);
    p.bits_stored = us_or(ds, Tag(0x0028, 0x0101), p.bits_allocated);
    p.high_bit = us_or(ds, Tag(0x0028, 0x0102), p.bits_stored ? p.bits_stored - 1 : 0);
    p.pixel_representation = us_or(ds, Tag(0x0028, 0x0103), 0);
    p.planar_configuration = us_or(ds, Tag(0x0028, 0x0006), 0);
    p.photometric_interpretation = ds.get_string_or(Tag(0x0028, 0x0004), "");
    p.frames = frame_count(ds);
    if (p.bits_allocated == 0 || p.bits_allocated > 64 || (p.bits_allocated != 1 && p.bits_allocated % 8))
        throw Error(Errc::bad_value, "Bits Allocated " + std::to_string(p.bits_allocated) + " is not 1 or a multiple of 8");
    if (p.bits_stored > p.bits_allocated)
        throw Error(Errc::bad_value, "Bits Stored exceeds Bits Allocated");
    if (p.samples_per_pixel == 0 || p.samples_per_pixel > 4)
        throw Error(Errc::bad_value, "Samples per Pixel " + std::to_string(p.samples_per_pixel) + " out of range");
    return p;
}

static const Element *pixel_element(const Dataset &ds) {
    for (Tag t : {tags::PixelData, tags::FloatPixelData, tags::DoubleFloatPixelData})
        if (const Element *e = ds.find(t)) return e;
    return nullptr;
}

uint64_t frame_count(const Dataset &ds) {
    // Empty or 0 counts as one frame (as pydicom and DCMTK read it); a value that is not a count is
    // an error, not one frame: the frames after the first would be lost without a word.
    const Element *e = ds.find(tags::NumberOfFrames);
    if (e && !e->value.empty()) {
        int64_t n = 0;
        try {
            n = ds.get_int(tags::NumberOfFrames);
        } catch (const Error &) {
            n = -1;
        }
        if (n < 0)
            throw Error(Errc::bad_value, "Number of Frames is not a count of frames: '" + ds.get_string_or(tags::NumberOfFrames, "") + "'",
                        -1, tags::NumberOfFrames.value);
        if (n > 0) return uint64_t(n);
    }
    return pixel_element(ds) ? 1 : 0;
}

static Bytes concat(const std::vector<Bytes> &frags, size_t first, size_t last) {
    if (last - first == 1) return frags[first];  // a view: no copy
    size_t total = 0;
    for (size_t k = first; k < last; ++k) total += frags[k].size();
    std::vector<uint8_t> out;
    out.reserve(total);
    for (size_t k = first; k < last; ++k) out.insert(out.end(), frags[k].data(), frags[k].data() + frags[k].size());
    return Bytes(std::move(out));
}

static Bytes encapsulated_frame(const Dataset &ds, const Element &px, uint64_t index, uint64_t frames) {
    const auto &f = px.fragments;
    const size_t nfrag = f.size() - 1;  // fragments[0] is the Basic Offset Table
    if (nfrag == 0) throw Error(Errc::malformed, "encapsulated pixel data has no fragments", -1, px.tag.value);
    // Offset of each fragment's item header, relative to the first fragment (PS3.5 A.4).
    std::vector<uint64_t> starts(nfrag + 1);
    for (size_t k = 0; k < nfrag; ++k) starts[k + 1] = starts[k] + 8 + f[k + 1].size();
    auto fragment_at = [&](uint64_t offset) -> size_t {
        for (size_t k = 0; k < nfrag; ++k)
            if (starts[k] == offset) return k + 1;
        throw Error(Errc::malformed, "offset table entry " + std::to_string(offset) + " is not at a fragment", -1, px.tag.value);
    };
    // 1. Extended Offset Table (7FE0,0001): one fragment per frame.
    if (const Element *eot = ds.find(tags::ExtendedOffsetTable)) {
        if (eot->value.size() / 8 != frames)
            throw Error(Errc::malformed, "Extended Offset Table has " + std::to_string(eot->value.size() / 8) +
                                             " entries for " + std::to_string(frames) + " frames", -1, eot->tag.value);
        uint64_t off;
        std::memcpy(&off, eot->value.data() + 8 * index, 8);
        return f[fragment_at(off)];
    }
    // 2. Basic Offset Table: frame i spans the fragments from offset[i] to offset[i+1].
    const Bytes &bot = f[0];
    if (!bot.empty()) {
        if (bot.size() % 4 || bot.size() / 4 != frames)
            throw Error(Errc::malformed, "Basic Offset Table has " + std::to_string(bot.size() / 4) + " entries for " +
                                             std::to_string(frames) + " frames", -1, px.tag.value);
        size_t first = fragment_at(load_u32le(bot.data() + 4 * index));
        size_t last = index + 1 < frames ? fragment_at(load_u32le(bot.data() + 4 * (index + 1))) : f.size();
        if (last <= first) throw Error(Errc::malformed, "Basic Offset Table is not increasing", -1, px.tag.value);
        return concat(f, first, last);
    }
    // 3. No table: a single frame owns every fragment; as many fragments as frames is one each.
    if (frames == 1) return concat(f, 1, f.size());
    if (nfrag == frames) return f[1 + index];
    // 4. Frames split over fragments without a table: a frame starts where a fragment opens with a
    //    JPEG SOI (FFD8) or a JPEG 2000 SOC (FF4F) marker.
    std::vector<size_t> frame_starts;
    for (size_t k = 1; k < f.size(); ++k)
        if (f[k].size() >= 2 && f[k][0] == 0xFF && (f[k][1] == 0xD8 || f[k][1] == 0x4F)) frame_starts.push_back(k);
    if (frame_starts.size() != frames || frame_starts[0] != 1)
        throw Error(Errc::unsupported, "cannot tell which of " + std::to_string(nfrag) + " fragments belong to which of " +
                                           std::to_string(frames) + " frames (no offset table)", -1, px.tag.value);
    size_t last = index + 1 < frames ? frame_starts[index + 1] : f.size();
    return concat(f, frame_starts[index], last);
}

Bytes frame_bytes(const Dataset &ds, uint64_t index) {
    const Element *px = pixel_element(ds);
    if (!px) throw Error(Errc::not_found, "dataset has no pixel data");
    const uint64_t frames = frame_count(ds);
    if (index >= frames)
        throw Error(Errc::invalid_argument, "frame " + std::to_string(index) + " of " + std::to_string(frames) + " requested");
    if (px->is_encapsulated()) return encapsulated_frame(ds, *px, index, frames);
    PixelInfo info = PixelInfo::from(ds);
    if (px->tag == tags::FloatPixelData) info.bits_allocated = 32;
    if (px->tag == tags::DoubleFloatPixelData) info.bits_allocated = 64;
    const uint64_t bits = info.native_frame_bits();
    const uint64_t need_bits = bits * (index + 1);
    if ((need_bits + 7) / 8 > px->value.size())
        throw Error(Errc::truncated, "pixel data holds " + std::to_string(px->value.size()) + " bytes; frame " +
                                         std::to_string(index) + " needs " + std::to_string((need_bits + 7) / 8),
                    -1, px->tag.value);
    const uint64_t start_bit = bits * index;
    if (start_bit % 8 == 0) return Bytes::view(px->value.data() + start_bit / 8, size_t((bits + 7) / 8));
    // PS3.5 8.1.1: 1-bit frames are packed back to back; re-align this one to bit 0.
    std::vector<uint8_t> out(size_t((bits + 7) / 8), 0);
    for (uint64_t b = 0; b < bits; ++b) {
        uint64_t src = start_bit + b;
        if ((px->value[size_t(src / 8)] >> (src % 8)) & 1) out[size_t(b / 8)] |= uint8_t(1u << (b % 8));
    }
    return Bytes(std::move(out));
}

}  // namespace dcmkit
