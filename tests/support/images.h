// dcmkit tests — synthetic images for codec tests: written by dcmkit as Explicit VR Little Endian,
// then compressed and decompressed by peer tools, whose output is the golden value.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"
#include "dcmkit/uid.h"

namespace dk_test {

struct ImageSpec {
    std::string name;  ///< short label for file names and messages, e.g. "ct16s"
    uint32_t rows = 64, columns = 64, frames = 1;
    uint32_t samples = 1, bits_allocated = 16, bits_stored = 16;
    bool is_signed = false;
    std::string photometric = "MONOCHROME2";
    uint32_t planar = 0;
};

/// The specs the codec tests cover: 8/12/16-bit, signed, RGB (both planar configurations), multi-frame,
/// odd sizes.
inline std::vector<ImageSpec> standard_specs() {
    return {
        {"mono8", 64, 48, 1, 1, 8, 8, false, "MONOCHROME2", 0},
        {"mono12", 60, 50, 1, 1, 16, 12, false, "MONOCHROME2", 0},
        {"mono12s", 33, 47, 1, 1, 16, 12, true, "MONOCHROME2", 0},
        {"mono16", 64, 64, 1, 1, 16, 16, false, "MONOCHROME2", 0},
        {"mono16s", 64, 40, 1, 1, 16, 16, true, "MONOCHROME2", 0},
        {"rgb8", 48, 64, 1, 3, 8, 8, false, "RGB", 0},
        {"rgb8p", 31, 37, 1, 3, 8, 8, false, "RGB", 1},
        {"mf8", 40, 40, 4, 1, 8, 8, false, "MONOCHROME2", 0},
        {"mf16", 32, 48, 3, 1, 16, 16, false, "MONOCHROME2", 0},
    };
}

/// Deterministic content that looks like an image: smooth gradients, a disc with an edge, and
/// noise in the low bits; covers the minimum and maximum values Bits Stored allows.
inline int64_t sample_value(const ImageSpec &s, uint32_t f, uint32_t r, uint32_t c, uint32_t k) {
    const int64_t range = int64_t(1) << s.bits_stored;
    const int64_t lo = s.is_signed ? -(range / 2) : 0, hi = lo + range - 1;
    if (r == 0 && c == 0) return lo;
    if (r == 0 && c == 1) return hi;
    const double x = double(c) / s.columns, y = double(r) / s.rows;
    double v = 0.45 * x + 0.35 * y + 0.1 * std::sin(6.28 * (x * 2 + y + 0.25 * f + 0.3 * k));
    const double dx = x - 0.55, dy = y - 0.45;
    if (dx * dx + dy * dy < 0.06) v += 0.15;
    uint32_t h = (f * 73856093u) ^ (r * 19349663u) ^ (c * 83492791u) ^ (k * 2654435761u);
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    int64_t value = lo + int64_t(v * double(range - 1)) + int64_t(h % 5) - 2;
    return value < lo ? lo : value > hi ? hi : value;
}

/// A native image file (Explicit VR Little Endian) for a spec.
inline dcmkit::DicomFile make_image(const ImageSpec &s) {
    using namespace dcmkit;
    DicomFile f;
    f.transfer_syntax = "1.2.840.10008.1.2.1";
    Dataset &d = f.dataset;
    const bool color = s.samples == 3;
    // Secondary Capture; multi-frame images take the multi-frame SC classes (GDCM insists).
    const char *sop = "1.2.840.10008.5.1.4.1.1.7";
    if (s.frames > 1) {
        sop = color ? "1.2.840.10008.5.1.4.1.1.7.4"                           // True Color
                    : s.bits_allocated == 8 ? "1.2.840.10008.5.1.4.1.1.7.2"   // Grayscale Byte
                                            : "1.2.840.10008.5.1.4.1.1.7.3";  // Grayscale Word
    }
    d.set_string(tags::SOPClassUID, sop, VR::UI);
    d.set_string(tags::SOPInstanceUID, generate_uid(), VR::UI);
    d.set_string(Tag(0x0008, 0x0060), "OT", VR::CS);
    d.set_string(Tag(0x0010, 0x0010), "Codec^" + s.name, VR::PN);
    d.set_string(Tag(0x0020, 0x000D), generate_uid(), VR::UI);
    d.set_string(Tag(0x0020, 0x000E), generate_uid(), VR::UI);
    d.set_int(Tag(0x0028, 0x0002), s.samples, VR::US);
    d.set_string(Tag(0x0028, 0x0004), s.photometric, VR::CS);
    if (color) d.set_int(Tag(0x0028, 0x0006), s.planar, VR::US);
    if (s.frames > 1) d.set_string(Tag(0x0028, 0x0008), std::to_string(s.frames), VR::IS);
    d.set_int(Tag(0x0028, 0x0010), s.rows, VR::US);
    d.set_int(Tag(0x0028, 0x0011), s.columns, VR::US);
    d.set_int(Tag(0x0028, 0x0100), s.bits_allocated, VR::US);
    d.set_int(Tag(0x0028, 0x0101), s.bits_stored, VR::US);
    d.set_int(Tag(0x0028, 0x0102), s.bits_stored - 1, VR::US);
    d.set_int(Tag(0x0028, 0x0103), s.is_signed ? 1 : 0, VR::US);
    const size_t bps = s.bits_allocated / 8;
    const size_t plane = size_t(s.rows) * s.columns;
    std::vector<uint8_t> px(size_t(s.frames) * plane * s.samples * bps);
    size_t i = 0;
    for (uint32_t fr = 0; fr < s.frames; ++fr) {
        for (uint32_t n = 0; n < plane * s.samples; ++n) {
            // Planar configuration 1 stores all of sample 0, then 1, then 2.
            const uint32_t k = s.planar ? n / plane : n % s.samples;
            const uint32_t p = s.planar ? n % plane : n / s.samples;
            const uint64_t v = uint64_t(sample_value(s, fr, p / s.columns, p % s.columns, k));
            for (size_t b = 0; b < bps; ++b) px[i++] = uint8_t(v >> (8 * b));
        }
    }
    if (px.size() % 2) px.push_back(0);
    d.set_bytes(tags::PixelData, s.bits_allocated > 8 ? VR::OW : VR::OB, Bytes(std::move(px)));
    return f;
}

/// The samples of native frame data as integers, interleaved (planar configuration 0), sign-
/// extended from Bits Stored when signed and masked to Bits Stored otherwise.
inline std::vector<int64_t> samples_of(const dcmkit::PixelInfo &info, const uint8_t *p, size_t n, bool planar) {
    const size_t bps = info.bits_allocated / 8;
    const size_t plane = size_t(info.rows) * info.columns;
    const size_t count = plane * info.samples_per_pixel;
    if (n < count * bps) throw std::runtime_error("frame too short: " + std::to_string(n) + " bytes");
    std::vector<int64_t> out(count);
    const uint64_t mask = info.bits_stored >= 64 ? ~0ull : ((1ull << info.bits_stored) - 1);
    for (size_t i = 0; i < count; ++i) {
        uint64_t v = 0;
        for (size_t b = 0; b < bps; ++b) v |= uint64_t(p[i * bps + b]) << (8 * b);
        v &= mask;
        int64_t s = int64_t(v);
        if (info.pixel_representation && info.bits_stored < 64 && (v >> (info.bits_stored - 1)) & 1)
            s = int64_t(v) - (int64_t(1) << info.bits_stored);
        const size_t dst = planar ? (i % plane) * info.samples_per_pixel + i / plane : i;
        out[dst] = s;
    }
    return out;
}

/// Largest absolute difference between two sample arrays of the same length (or -1 when lengths differ).
inline int64_t max_abs_diff(const std::vector<int64_t> &a, const std::vector<int64_t> &b) {
    if (a.size() != b.size()) return -1;
    int64_t m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max<int64_t>(m, a[i] > b[i] ? a[i] - b[i] : b[i] - a[i]);
    return m;
}

}  // namespace dk_test
