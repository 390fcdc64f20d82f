// dcmkit — frames to 8-bit display values (PS3.3 C.11: Modality LUT, VOI LUT, Presentation LUT),
// colour conversion, palettes, and PNG (libpng) and JPEG (libjpeg-turbo) output, written atomically.
#include "dcmkit/lazy_library.h"
#include "dcmkit/render.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef DCMKIT_HAVE_PNG
#include <png.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#ifdef DCMKIT_HAVE_JPEG
#include "codecs.h"
#endif

namespace dcmkit {

namespace {

constexpr Tag kSharedGroups{0x5200, 0x9229}, kPerFrameGroups{0x5200, 0x9230};
constexpr Tag kPixelValueTransformation{0x0028, 0x9145}, kFrameVoiLut{0x0028, 0x9132};
constexpr Tag kWindowCenter{0x0028, 0x1050}, kWindowWidth{0x0028, 0x1051}, kVoiLutFunction{0x0028, 0x1056};
constexpr Tag kRescaleIntercept{0x0028, 0x1052}, kRescaleSlope{0x0028, 0x1053};
constexpr Tag kModalityLutSequence{0x0028, 0x3000}, kVoiLutSequence{0x0028, 0x3010};
constexpr Tag kLutDescriptor{0x0028, 0x3002}, kLutData{0x0028, 0x3006};
constexpr Tag kPresentationLutShape{0x2050, 0x0020};

/// The dataset holding `attr` for frame `index`: the frame's item of the Per-frame Functional
/// Groups, then the Shared Functional Groups (inside macro sequence `macro`), then the top level.
const Dataset *locate(const Dataset &ds, uint64_t index, Tag macro, Tag attr) {
    for (Tag groups : {kPerFrameGroups, kSharedGroups}) {
        const auto &items = ds.get_items(groups);
        const size_t k = groups == kPerFrameGroups ? size_t(index) : 0;
        if (k >= items.size()) continue;
        const auto &inner = items[k].get_items(macro);
        if (!inner.empty() && inner[0].find(attr)) return &inner[0];
    }
    return ds.find(attr) ? &ds : nullptr;
}

/// A LUT (PS3.3 C.11.1.1): descriptor [entries (0 = 65536), first mapped input, bits per entry].
struct Lut {
    uint32_t entries = 0;
    int64_t first = 0;
    uint32_t bits = 16;
    std::vector<uint16_t> data;

    double operator()(double x) const {
        const double i = std::clamp(std::floor(x) - double(first), 0.0, double(entries - 1));
        return data[size_t(i)];
    }
    double max_output() const { return double((1u << bits) - 1); }
};

Lut read_lut(const Dataset &item, Tag descriptor_tag, Tag data_tag, bool signed_input) {
    Lut lut;
    const Element *d = item.find(descriptor_tag);
    if (!d || d->count() < 3) throw Error(Errc::bad_value, "LUT Descriptor missing or short", -1, descriptor_tag.value);
    lut.entries = uint32_t(item.get_int(descriptor_tag, 0));
    if (lut.entries == 0) lut.entries = 65536;
    lut.first = item.get_int(descriptor_tag, 1);
    if (signed_input && lut.first > 32767) lut.first -= 65536;  // US in the file, SS in meaning
    lut.bits = uint32_t(item.get_int(descriptor_tag, 2));
    if (lut.bits < 1 || lut.bits > 16)
        throw Error(Errc::bad_value, "LUT Descriptor gives " + std::to_string(lut.bits) + " bits per entry", -1,
                    descriptor_tag.value);
    const Element *e = item.find(data_tag);
    if (!e) throw Error(Errc::bad_value, "LUT Data missing", -1, data_tag.value);
    const Bytes &v = e->value;
    lut.data.resize(lut.entries);
    if (v.size() >= size_t(lut.entries) * 2) {
        for (uint32_t i = 0; i < lut.entries; ++i) lut.data[i] = load_u16le(v.data() + 2 * i);
    } else if (lut.bits <= 8 && v.size() >= lut.entries) {
        for (uint32_t i = 0; i < lut.entries; ++i) lut.data[i] = v[i];  // 8-bit entries packed in bytes
    } else {
        throw Error(Errc::bad_value,
                    "LUT Data holds " + std::to_string(v.size()) + " bytes for " + std::to_string(lut.entries) + " entries",
                    -1, data_tag.value);
    }
    // Some writers put 8-bit entries in 16-bit words with a descriptor that says 16 bits.
    if (lut.bits == 16 && *std::max_element(lut.data.begin(), lut.data.end()) < 256 && lut.entries > 1)
        lut.bits = 8;
    return lut;
}

/// The stored values of a native frame, sign-extended from Bits Stored (PS3.5 8.1.1).
std::vector<int64_t> stored_values(const PixelInfo &info, const std::vector<uint8_t> &frame) {
    const size_t bps = info.bits_allocated / 8;
    const size_t n = size_t(info.rows) * info.columns * info.samples_per_pixel;
    std::vector<int64_t> out(n);
    const uint32_t bits = std::max(1u, std::min(info.bits_stored, info.bits_allocated));
    const uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
    for (size_t i = 0; i < n; ++i) {
        uint64_t v = 0;
        for (size_t b = 0; b < bps; ++b) v |= uint64_t(frame[i * bps + b]) << (8 * b);
        // High Bit is Bits Stored - 1 for every syntax with a codec, and in nearly every native file.
        if (info.high_bit + 1 > info.bits_stored) v >>= (info.high_bit + 1 - info.bits_stored);
        v &= mask;
        if (info.pixel_representation && bits < 64 && ((v >> (bits - 1)) & 1)) out[i] = int64_t(v) - int64_t(1ull << bits);
        else out[i] = int64_t(v);
    }
    return out;
}

uint8_t to8(double y) { return uint8_t(std::lround(std::clamp(y, 0.0, 255.0))); }

/// PS3.3 C.11.2.1.2: the window functions, output 0..255.
double window(double x, double c, double w, const std::string &function) {
    if (function == "SIGMOID") return 255.0 / (1.0 + std::exp(-4.0 * (x - c) / w));
    if (function == "LINEAR_EXACT") {
        if (x <= c - w / 2) return 0;
        if (x > c + w / 2) return 255;
        return ((x - c) / w + 0.5) * 255.0;
    }
    if (w < 1) w = 1;  // LINEAR needs a width of at least 1
    if (x <= c - 0.5 - (w - 1) / 2) return 0;
    if (x > c - 0.5 + (w - 1) / 2) return 255;
    return ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.0;
}

Image8 render_gray(const DicomFile &file, const PixelInfo &info, const std::vector<uint8_t> &frame, uint64_t index,
                   const std::string &photometric, const RenderOptions &opt) {
    const Dataset &ds = file.dataset;
    const std::vector<int64_t> stored = stored_values(info, frame);

    // The pipeline below is a function of the stored value. When the frame has more pixels than
    // half the values Bits Stored allows, it runs once per possible value into a table (as DCMTK
    // does) rather than once per pixel; the results are the same.
    const uint32_t bits = std::max(1u, std::min(info.bits_stored, info.bits_allocated));
    const bool table = bits <= 16 && (size_t(1) << bits) <= 2 * stored.size();
    const int64_t first = table && info.pixel_representation ? -(int64_t(1) << (bits - 1)) : 0;
    std::vector<int64_t> domain;
    if (table) {
        domain.resize(size_t(1) << bits);
        for (size_t i = 0; i < domain.size(); ++i) domain[i] = first + int64_t(i);
    }
    const std::vector<int64_t> &input = table ? domain : stored;
    const size_t n = input.size();

    // Modality LUT: the LUT Sequence, else rescale (PS3.3 C.11.1).
    std::vector<double> value(n);
    const auto &modality_items = ds.get_items(kModalityLutSequence);
    if (!modality_items.empty()) {
        const Lut lut = read_lut(modality_items[0], kLutDescriptor, kLutData, info.pixel_representation != 0);
        for (size_t i = 0; i < n; ++i) value[i] = lut(double(input[i]));
    } else {
        double slope = 1, intercept = 0;
        if (const Dataset *d = locate(ds, index, kPixelValueTransformation, kRescaleSlope)) {
            slope = d->get_number(kRescaleSlope);
            if (d->find(kRescaleIntercept)) intercept = d->get_number(kRescaleIntercept);
        }
        for (size_t i = 0; i < n; ++i) value[i] = double(input[i]) * slope + intercept;
    }

    // VOI LUT: an explicit window, the file's window, its VOI LUT, else min..max.
    Image8 img;
    img.width = info.columns;
    img.height = info.rows;
    img.channels = 1;
    img.pixels.resize(n);
    std::string function = "LINEAR";
    if (const Dataset *d = locate(ds, index, kFrameVoiLut, kVoiLutFunction)) function = d->get_string_or(kVoiLutFunction, "LINEAR");
    bool done = false;
    if (opt.window_center && opt.window_width) {
        for (size_t i = 0; i < n; ++i) img.pixels[i] = to8(window(value[i], *opt.window_center, *opt.window_width, function));
        done = true;
    }
    if (!done && !opt.min_max) {
        const Dataset *d = locate(ds, index, kFrameVoiLut, kWindowCenter);
        if (d && d->find(kWindowWidth)) {
            const auto centers = d->get_numbers(kWindowCenter), widths = d->get_numbers(kWindowWidth);
            if (opt.voi_index < centers.size() && opt.voi_index < widths.size()) {
                const double c = centers[opt.voi_index], w = widths[opt.voi_index];
                for (size_t i = 0; i < n; ++i) img.pixels[i] = to8(window(value[i], c, w, function));
                done = true;
            }
        }
    }
    if (!done && !opt.min_max) {
        const auto &items = ds.get_items(kVoiLutSequence);
        if (opt.voi_index < items.size()) {
            const bool signed_in = info.pixel_representation != 0 && modality_items.empty();
            const Lut lut = read_lut(items[opt.voi_index], kLutDescriptor, kLutData, signed_in);
            const double scale = 255.0 / lut.max_output();
            for (size_t i = 0; i < n; ++i) img.pixels[i] = to8(lut(value[i]) * scale);
            done = true;
        }
    }
    if (!done) {
        // The minimum and maximum of the frame's values (not of the table's).
        double a = 0, b = 0;
        if (table) {
            for (size_t i = 0; i < stored.size(); ++i) {
                const double v = value[size_t(stored[i] - first)];
                if (i == 0 || v < a) a = v;
                if (i == 0 || v > b) b = v;
            }
        } else if (n) {
            const auto [lo, hi] = std::minmax_element(value.begin(), value.end());
            a = *lo;
            b = *hi;
        }
        for (size_t i = 0; i < n; ++i) img.pixels[i] = b > a ? to8((value[i] - a) * 255.0 / (b - a)) : 0;
    }

    // MONOCHROME1 shows its minimum as white; Presentation LUT Shape INVERSE flips again (C.11.6).
    bool invert = photometric == "MONOCHROME1";
    if (ds.get_string_or(kPresentationLutShape, "") == "INVERSE") invert = !invert;
    if (invert)
        for (auto &p : img.pixels) p = uint8_t(255 - p);
    if (table) {
        std::vector<uint8_t> pixels(stored.size());
        for (size_t i = 0; i < stored.size(); ++i) pixels[i] = img.pixels[size_t(stored[i] - first)];
        img.pixels = std::move(pixels);
    }
    return img;
}

Image8 render_color(const Dataset &ds, const PixelInfo &info, const std::vector<uint8_t> &frame,
                    const std::string &photometric) {
    const std::vector<int64_t> stored = stored_values(info, frame);
    Image8 img;
    img.width = info.columns;
    img.height = info.rows;
    img.channels = 3;
    const size_t pixels = size_t(info.rows) * info.columns;
    img.pixels.resize(pixels * 3);
    if (photometric == "PALETTE COLOR") {
        if (info.samples_per_pixel != 1) throw Error(Errc::bad_value, "PALETTE COLOR with more than one sample");
        if (ds.find(Tag(0x0028, 0x1221)))
            throw Error(Errc::unsupported, "segmented palette colour LUTs are not supported");
        const bool signed_in = info.pixel_representation != 0;
        const Lut lut[3] = {read_lut(ds, Tag(0x0028, 0x1101), Tag(0x0028, 0x1201), signed_in),
                            read_lut(ds, Tag(0x0028, 0x1102), Tag(0x0028, 0x1202), signed_in),
                            read_lut(ds, Tag(0x0028, 0x1103), Tag(0x0028, 0x1203), signed_in)};
        for (size_t p = 0; p < pixels; ++p)
            for (int k = 0; k < 3; ++k) img.pixels[p * 3 + k] = to8(lut[k](double(stored[p])) * 255.0 / lut[k].max_output());
        return img;
    }
    if (info.samples_per_pixel != 3)
        throw Error(Errc::bad_value, photometric + " with " + std::to_string(info.samples_per_pixel) + " samples per pixel");
    const double scale = 255.0 / double((1ull << std::min(info.bits_stored, 32u)) - 1);
    const bool ybr = photometric == "YBR_FULL" || photometric == "YBR_FULL_422";
    if (!ybr && photometric != "RGB")
        throw Error(Errc::unsupported, "rendering " + photometric + " pixel data is not supported");
    for (size_t p = 0; p < pixels; ++p) {
        double r = double(stored[3 * p]) * scale, g = double(stored[3 * p + 1]) * scale, b = double(stored[3 * p + 2]) * scale;
        if (ybr) {  // PS3.3 C.7.6.3.1.2, YBR_FULL (ITU-R BT.601 full range)
            const double y = r, cb = g - 128, cr = b - 128;
            r = y + 1.402 * cr;
            g = y - 0.344136 * cb - 0.714136 * cr;
            b = y + 1.772 * cb;
        }
        img.pixels[3 * p] = to8(r);
        img.pixels[3 * p + 1] = to8(g);
        img.pixels[3 * p + 2] = to8(b);
    }
    return img;
}

}  // namespace

Image8 render_frame(const DicomFile &file, uint64_t index, const RenderOptions &options) {
    const Dataset &ds = file.dataset;
    PixelInfo info = PixelInfo::from(ds);
    FrameLayout layout;
    const std::vector<uint8_t> frame = decode_frame(ds, file.transfer_syntax, index, &layout);
    const std::string photometric = layout.photometric.empty() ? info.photometric_interpretation : layout.photometric;
    info.planar_configuration = 0;
    Image8 img;
    if (photometric == "MONOCHROME1" || photometric == "MONOCHROME2" || photometric.empty()) {
        if (info.samples_per_pixel != 1) throw Error(Errc::bad_value, photometric + " with more than one sample per pixel");
        img = render_gray(file, info, frame, index, photometric, options);
    } else {
        img = render_color(ds, info, frame, photometric);
    }
    img.warnings = std::move(layout.warnings);
    return img;
}

#if defined(DCMKIT_HAVE_PNG) || defined(DCMKIT_HAVE_JPEG)
namespace {

void check_image(const Image8 &image, const char *format) {
    if (image.channels != 1 && image.channels != 3)
        throw Error(Errc::invalid_argument, std::string(format) + " export takes 1 or 3 channels");
    if (image.pixels.size() != size_t(image.width) * image.height * image.channels || image.width == 0 || image.height == 0)
        throw Error(Errc::invalid_argument, "image buffer does not match its size");
}

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed into place: a
/// reader sees the old file or the whole new one, and a failed export leaves no partial file.
/// A path that exists and is no regular file (/dev/stdout, a pipe, /dev/full) is written in place,
/// never replaced or unlinked.
void write_atomically(const std::string &path, const std::vector<uint8_t> &bytes) {
    struct stat st {};
    const bool special = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
    std::string tmp = path + ".dcmkit-XXXXXX";
    const int fd = special ? ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC) : ::mkstemp(tmp.data());
    if (fd < 0) throw Error(Errc::io, "cannot create " + path + ": " + std::strerror(errno));
    if (!special) ::fchmod(fd, 0644);
    size_t done = 0;
    int err = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        done += size_t(n);
    }
    if (::close(fd) != 0 && err == 0) err = errno;
    if (!special && err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
        if (!special) ::unlink(tmp.c_str());
        throw Error(Errc::io, "writing " + path + ": " + std::strerror(err));
    }
}

}  // namespace
#endif

std::string numbered_path(const std::string &path, uint64_t index) {
    const size_t slash = path.rfind('/');
    const size_t dot = path.rfind('.');
    const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash + 1);
    char number[32];
    std::snprintf(number, sizeof number, "_%04llu", static_cast<unsigned long long>(index + 1));
    return has_ext ? path.substr(0, dot) + number + path.substr(dot) : path + number;
}

#ifdef DCMKIT_HAVE_PNG
namespace {

struct PngWriter {
    png_structp png = nullptr;
    png_infop pinfo = nullptr;
    std::vector<uint8_t> bytes;
    std::string error;
    ~PngWriter() {
        if (png) png_destroy_write_struct(&png, pinfo ? &pinfo : nullptr);
    }
};

void png_error_handler(png_structp png, png_const_charp msg) {
    auto *w = static_cast<PngWriter *>(png_get_error_ptr(png));
    if (w) w->error = msg ? msg : "libpng error";
    png_longjmp(png, 1);
}

void png_warning_handler(png_structp, png_const_charp) {}

void png_write_data(png_structp png, png_bytep data, png_size_t size) {
    auto *w = static_cast<PngWriter *>(png_get_io_ptr(png));
    w->bytes.insert(w->bytes.end(), data, data + size);
}

void png_flush_data(png_structp) {}

/// The PNG encoding, into memory. Holds no object with a destructor between setjmp and libpng's
/// calls (the writer and its vector live in the caller's frame).
bool encode_png(PngWriter &w, const Image8 &image) {
    if (setjmp(png_jmpbuf(w.png))) return false;
    png_set_write_fn(w.png, &w, png_write_data, png_flush_data);
    png_set_IHDR(w.png, w.pinfo, image.width, image.height, 8, image.channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(w.png, w.pinfo);
    const size_t stride = size_t(image.width) * image.channels;
    for (uint32_t r = 0; r < image.height; ++r)
        png_write_row(w.png, const_cast<png_bytep>(image.pixels.data() + r * stride));
    png_write_end(w.png, nullptr);
    return true;
}

}  // namespace

void write_png(const std::string &path, const Image8 &image) {
    check_image(image, "PNG");
    lazy::require("png16", "PNG export");
    PngWriter w;
    w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, png_error_handler, png_warning_handler);
    if (!w.png) throw Error(Errc::io, "libpng: out of memory");
    w.pinfo = png_create_info_struct(w.png);
    if (!w.pinfo) throw Error(Errc::io, "libpng: out of memory");
    if (!encode_png(w, image)) throw Error(Errc::io, "writing " + path + ": " + w.error);
    write_atomically(path, w.bytes);
}

namespace {
std::vector<uint8_t> png_bytes(const Image8 &image) {
    check_image(image, "PNG");
    PngWriter w;
    w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, png_error_handler, png_warning_handler);
    if (!w.png) throw Error(Errc::io, "libpng: out of memory");
    w.pinfo = png_create_info_struct(w.png);
    if (!w.pinfo) throw Error(Errc::io, "libpng: out of memory");
    if (!encode_png(w, image)) throw Error(Errc::io, "PNG: " + w.error);
    return std::move(w.bytes);
}
}  // namespace
#else
namespace {
std::vector<uint8_t> png_bytes(const Image8 &) {
    throw Error(Errc::unsupported, "PNG export is not in this build (built without libpng, DCMKIT_WITH_PNG=OFF)");
}
}  // namespace
void write_png(const std::string &path, const Image8 &) {
    throw Error(Errc::unsupported, "cannot write " + path + ": PNG export is not in this build (built without libpng, DCMKIT_WITH_PNG=OFF)");
}
#endif

namespace {

/// Box-filter downscale to fit max_w x max_h (aspect kept); the image itself when it fits.
Image8 fit(const Image8 &in, uint32_t max_w, uint32_t max_h) {
    if ((max_w == 0 || in.width <= max_w) && (max_h == 0 || in.height <= max_h)) return in;
    double scale = 1.0;
    if (max_w) scale = std::min(scale, double(max_w) / in.width);
    if (max_h) scale = std::min(scale, double(max_h) / in.height);
    Image8 out;
    out.channels = in.channels;
    out.width = std::max<uint32_t>(1, uint32_t(in.width * scale + 0.5));
    out.height = std::max<uint32_t>(1, uint32_t(in.height * scale + 0.5));
    out.pixels.resize(size_t(out.width) * out.height * out.channels);
    for (uint32_t y = 0; y < out.height; ++y) {
        const uint32_t y0 = uint32_t(uint64_t(y) * in.height / out.height),
                       y1 = std::max(y0 + 1, uint32_t(uint64_t(y + 1) * in.height / out.height));
        for (uint32_t x = 0; x < out.width; ++x) {
            const uint32_t x0 = uint32_t(uint64_t(x) * in.width / out.width),
                           x1 = std::max(x0 + 1, uint32_t(uint64_t(x + 1) * in.width / out.width));
            for (uint32_t c = 0; c < in.channels; ++c) {
                uint64_t sum = 0;
                for (uint32_t yy = y0; yy < y1; ++yy)
                    for (uint32_t xx = x0; xx < x1; ++xx) sum += in.pixels[(size_t(yy) * in.width + xx) * in.channels + c];
                out.pixels[(size_t(y) * out.width + x) * out.channels + c] = uint8_t(sum / (uint64_t(y1 - y0) * (x1 - x0)));
            }
        }
    }
    return out;
}

}  // namespace

std::vector<uint8_t> render_encoded(const DicomFile &file, uint64_t index, const RenderOptions &options,
                                    const std::string &media_type, int quality, uint32_t max_width, uint32_t max_height) {
    if (media_type != "image/jpeg" && media_type != "image/png")
        throw Error(Errc::invalid_argument, "images are rendered as image/jpeg or image/png, not " + media_type);
    if (quality < 1 || quality > 100)
        throw Error(Errc::invalid_argument, "JPEG quality must be 1..100, not " + std::to_string(quality));
    const Image8 image = fit(render_frame(file, index, options), max_width, max_height);
    if (media_type == "image/png") return png_bytes(image);
#ifdef DCMKIT_HAVE_JPEG
    check_image(image, "JPEG");
    return codecs::jpeg_encode_image(image.width, image.height, image.channels, image.pixels.data(), quality);
#else
    throw Error(Errc::unsupported, "JPEG export is not in this build (built without libjpeg-turbo, DCMKIT_WITH_JPEG=OFF)");
#endif
}

#ifdef DCMKIT_HAVE_JPEG
void write_jpeg(const std::string &path, const Image8 &image, int quality) {
    check_image(image, "JPEG");
    write_atomically(path, codecs::jpeg_encode_image(image.width, image.height, image.channels, image.pixels.data(), quality));
}
#else
void write_jpeg(const std::string &path, const Image8 &, int quality) {
    if (quality < 1 || quality > 100)
        throw Error(Errc::invalid_argument, "JPEG quality must be 1..100, not " + std::to_string(quality));
    throw Error(Errc::unsupported, "cannot write " + path + ": JPEG export is not in this build (built without libjpeg-turbo, DCMKIT_WITH_JPEG=OFF)");
}
#endif

}  // namespace dcmkit
