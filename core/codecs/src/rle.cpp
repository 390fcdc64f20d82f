// dcmkit — RLE Lossless (1.2.840.10008.1.2.5): the PackBits scheme of PS3.5 Annex G.
//
// A frame is split into Byte Segments, one per byte of each sample: for each sample in turn (R, G, B
// for colour), its most significant byte first (G.2). Each Byte Segment is compressed on its own into
// an RLE Segment (G.3), and a 64-byte header gives the number of segments and where each starts
// (G.4, G.5). Decoding unpacks every segment into a plane buffer with memcpy/memset, then
// interleaves the planes into the native frame; encoding does the reverse.
#include <cstring>
#include <memory>
#include <string>

#include "codecs.h"

namespace dcmkit::codecs {

namespace {

constexpr size_t kHeaderSize = 64;     // G.5: sixteen unsigned 32-bit little-endian values
constexpr uint32_t kMaxSegments = 15;  // G.5: the header has room for 15 segment offsets

/// The layouts this codec reads and writes: 8, 16 or 32 bits allocated, 1 or 3 samples.
bool layout_ok(const PixelInfo &info, std::string *why) {
    auto no = [why](const std::string &reason) {
        if (why) *why = reason;
        return false;
    };
    if (info.bits_allocated != 8 && info.bits_allocated != 16 && info.bits_allocated != 32)
        return no("RLE: Bits Allocated " + std::to_string(info.bits_allocated) + " (8, 16 or 32 supported)");
    if (info.samples_per_pixel != 1 && info.samples_per_pixel != 3)
        return no("RLE: Samples per Pixel " + std::to_string(info.samples_per_pixel) + " (1 or 3 supported)");
    if (info.rows == 0 || info.columns == 0) return no("RLE: the image has no pixels");
    return true;
}

// ---- planes <-> native frame (G.2) ------------------------------------------------------------

// Plane `s * Bps + k` holds byte k, counted from the most significant, of sample s (G.2); native
// frames are little-endian and colour-by-pixel. The loop bounds are constants, so each layout gets
// its own unrolled copy.
template <unsigned Spp, unsigned Bps>
void planes_to_frame(const uint8_t *planes, size_t plane, uint8_t *out) {
    for (size_t i = 0; i < plane; ++i)
        for (unsigned s = 0; s < Spp; ++s)
            for (unsigned b = 0; b < Bps; ++b) out[(i * Spp + s) * Bps + b] = planes[(s * Bps + Bps - 1 - b) * plane + i];
}

template <unsigned Spp, unsigned Bps>
void frame_to_planes(const uint8_t *frame, size_t plane, uint8_t *planes) {
    for (size_t i = 0; i < plane; ++i)
        for (unsigned s = 0; s < Spp; ++s)
            for (unsigned b = 0; b < Bps; ++b) planes[(s * Bps + Bps - 1 - b) * plane + i] = frame[(i * Spp + s) * Bps + b];
}

using Reorder = void (*)(const uint8_t *, size_t, uint8_t *);

/// The reordering for a layout that layout_ok accepted (8/16/32 bits, 1 or 3 samples).
Reorder pick(const PixelInfo &info, bool to_frame) {
    const bool rgb = info.samples_per_pixel == 3;
    switch (info.bits_allocated) {
    case 8:
        return rgb ? (to_frame ? planes_to_frame<3, 1> : frame_to_planes<3, 1>)
                   : (to_frame ? planes_to_frame<1, 1> : frame_to_planes<1, 1>);
    case 16:
        return rgb ? (to_frame ? planes_to_frame<3, 2> : frame_to_planes<3, 2>)
                   : (to_frame ? planes_to_frame<1, 2> : frame_to_planes<1, 2>);
    default:
        return rgb ? (to_frame ? planes_to_frame<3, 4> : frame_to_planes<3, 4>)
                   : (to_frame ? planes_to_frame<1, 4> : frame_to_planes<1, 4>);
    }
}

// ---- decoding (G.3.2) -------------------------------------------------------------------------

/// Unpacks RLE segment `index`, bytes [p, end) of the frame starting at `base`, into exactly `size`
/// bytes at `dst`. A control byte n of 0..127 copies the next n + 1 bytes, -1..-127 repeats the next
/// byte 1 - n times, -128 does nothing. Decoding stops when `size` bytes are out, so the even-length
/// pad of G.3 (and any other trailing byte) is ignored; a segment that ends early, or a run that
/// would write past `size`, is an error.
void unpack_segment(const uint8_t *base, const uint8_t *p, const uint8_t *end, uint8_t *dst, size_t size,
                    uint32_t index) {
    size_t o = 0;
    auto fail = [&](Errc code, const char *what) {
        throw Error(code, "RLE segment " + std::to_string(index + 1) + ": " + what + " after " + std::to_string(o) +
                              " of " + std::to_string(size) + " bytes",
                    p - base);
    };
    while (o < size) {
        if (p == end) fail(Errc::truncated, "the segment ends");
        const int n = int8_t(*p++);
        if (n >= 0) {
            const size_t len = size_t(n) + 1;
            if (size_t(end - p) < len) fail(Errc::truncated, "a literal run runs past the end of the segment");
            if (size - o < len) fail(Errc::malformed, "a literal run overflows the segment");
            std::memcpy(dst + o, p, len);
            p += len;
            o += len;
        } else if (n != -128) {
            const size_t len = size_t(1 - n);
            if (p == end) fail(Errc::truncated, "a replicate run has no byte value");
            if (size - o < len) fail(Errc::malformed, "a replicate run overflows the segment");
            std::memset(dst + o, *p++, len);
            o += len;
        }
    }
}

// ---- encoding (G.3.1) -------------------------------------------------------------------------

/// Literal runs of at most 128 bytes: <count - 1> <bytes>.
uint8_t *put_literal(const uint8_t *p, size_t n, uint8_t *o) {
    while (n > 0) {
        const size_t c = n < 128 ? n : 128;
        *o++ = uint8_t(c - 1);
        std::memcpy(o, p, c);
        o += c;
        p += c;
        n -= c;
    }
    return o;
}

/// A run of `n` >= 2 identical bytes as replicate runs of at most 128: <-count + 1> <byte>. A single
/// byte left over after 128s becomes a one-byte literal run, as -0 cannot be written.
uint8_t *put_replicate(uint8_t b, size_t n, uint8_t *o) {
    while (n > 0) {
        const size_t c = n < 128 ? n : 128;
        *o++ = uint8_t(257 - c);  // -c + 1 as a signed byte; 0 (a literal run of one) when c is 1
        *o++ = b;
        n -= c;
    }
    return o;
}

/// Worst-case size of one packed row of `n` bytes: all literal runs, one control byte per 128 bytes
/// (runs of 3 or more identical bytes pack into fewer bytes than they cover).
size_t row_bound(size_t n) { return n + n / 128 + 2; }

/// Packs one row (G.3.1: rows are encoded separately, no run crosses a row boundary). Three or more
/// identical bytes are a replicate run ("shall"); one or two join the literal run around them, except
/// a pair that ends the row, which is a replicate run. These are the runs DCMTK's dcmcrle chooses,
/// so both write the same bytes.
uint8_t *pack_row(const uint8_t *row, size_t n, uint8_t *o) {
    size_t literal = 0;  // start of the pending literal run
    size_t i = 0;
    while (i < n) {
        const uint8_t b = row[i];
        size_t j = i + 1;
        while (j < n && row[j] == b) ++j;
        if (j - i >= 3 || (j - i == 2 && j == n)) {
            o = put_literal(row + literal, i - literal, o);
            o = put_replicate(b, j - i, o);
            literal = j;
        }
        i = j;
    }
    return put_literal(row + literal, n - literal, o);
}

class RleCodec final : public Codec {
public:
    std::string_view transfer_syntax() const noexcept override { return kRle; }
    bool lossless_only() const noexcept override { return true; }

    bool can_encode(const PixelInfo &info, const EncodeOptions &, std::string *why) const override {
        return layout_ok(info, why);
    }

    FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out,
                       size_t out_size) const override {
        std::string why;
        if (!layout_ok(info, &why)) throw Error(Errc::unsupported, why);
        check_frame_size(info, out_size, "RLE decode");
        const size_t plane = size_t(info.rows) * info.columns;
        const uint32_t bytes = info.bits_allocated / 8, expected = info.samples_per_pixel * bytes;

        // G.5: the header: number of segments, then the offset of each from the start of the frame.
        if (in_size < kHeaderSize)
            throw Error(Errc::truncated, "RLE: " + std::to_string(in_size) + " bytes, shorter than the 64-byte header");
        const uint32_t count = load_u32le(in);
        if (count == 0 || count > kMaxSegments)
            throw Error(Errc::malformed, "RLE: header gives " + std::to_string(count) + " segments (1 to 15 allowed)", 0);
        if (count != expected)
            throw Error(Errc::bad_value,
                        "RLE: " + std::to_string(count) + " segments where the pixel description implies " +
                            std::to_string(expected),
                        0);
        uint32_t offsets[kMaxSegments + 1];
        for (uint32_t i = 0; i < count; ++i) {
            offsets[i] = load_u32le(in + 4 + 4 * i);
            if (offsets[i] < (i == 0 ? kHeaderSize : size_t(offsets[i - 1]) + 1))
                throw Error(Errc::malformed,
                            "RLE: segment " + std::to_string(i + 1) + " offset " + std::to_string(offsets[i]) +
                                (i == 0 ? " lies inside the header" : " does not follow the previous segment's"),
                            4 + 4 * i);
            if (offsets[i] >= in_size)
                throw Error(Errc::truncated,
                            "RLE: segment " + std::to_string(i + 1) + " offset " + std::to_string(offsets[i]) +
                                " is past the end of the " + std::to_string(in_size) + "-byte frame",
                            4 + 4 * i);
        }
        auto segment_end = [&](uint32_t i) { return in + (i + 1 < count ? offsets[i + 1] : in_size); };

        if (count == 1) {
            unpack_segment(in, in + offsets[0], segment_end(0), out, plane, 0);
        } else {
            std::unique_ptr<uint8_t[]> planes(new uint8_t[plane * count]);
            for (uint32_t i = 0; i < count; ++i)
                unpack_segment(in, in + offsets[i], segment_end(i), planes.get() + i * plane, plane, i);
            pick(info, true)(planes.get(), plane, out);
        }
        // RLE codes bytes: they come back as they went in, bits above High Bit included (the same
        // as dcmdrle, and as native pixel data is read), so that transcoding through RLE is
        // lossless to the bit (retired overlays in those bits included): no sign extension here.
        return {};
    }

    std::vector<uint8_t> encode(const PixelInfo &info, const uint8_t *frame, size_t size, const EncodeOptions &,
                                FrameLayout &layout) const override {
        std::string why;
        if (!layout_ok(info, &why)) throw Error(Errc::unsupported, why);
        check_frame_size(info, size, "RLE encode");
        const size_t rows = info.rows, columns = info.columns, plane = rows * columns;
        const uint32_t count = info.samples_per_pixel * (info.bits_allocated / 8);

        const uint8_t *planes = frame;  // one segment: the frame is its own plane
        std::unique_ptr<uint8_t[]> scratch;
        if (count > 1) {
            scratch.reset(new uint8_t[plane * count]);
            pick(info, false)(frame, plane, scratch.get());
            planes = scratch.get();
        }

        const size_t segment_bound = rows * row_bound(columns) + 1;  // + the even-length pad
        std::vector<uint8_t> bits(kHeaderSize + count * segment_bound);
        uint8_t *const start = bits.data();
        uint8_t *o = start + kHeaderSize;
        store_u32le(start, count);
        for (uint32_t i = 0; i < count; ++i) {
            const size_t offset = size_t(o - start);
            if (offset > UINT32_MAX) throw Error(Errc::unsupported, "RLE: the frame is too large for 32-bit segment offsets");
            store_u32le(start + 4 + 4 * i, uint32_t(offset));
            const uint8_t *p = planes + i * plane;
            for (size_t r = 0; r < rows; ++r) o = pack_row(p + r * columns, columns, o);
            if ((o - start) % 2) *o++ = 0;  // G.3: each RLE segment has an even length
        }
        bits.resize(size_t(o - start));
        layout = FrameLayout{};  // lossless, Photometric Interpretation unchanged
        return bits;
    }
};

}  // namespace

std::unique_ptr<Codec> make_rle() { return std::make_unique<RleCodec>(); }

}  // namespace dcmkit::codecs
