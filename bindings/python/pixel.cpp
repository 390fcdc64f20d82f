// The Python extension's pixel data: _dcmkit.pixel_info(ds) and _dcmkit.pixel_array(ds), a numpy
// array over the native pixel data or of the decoded frames (dcmkit.Dataset.pixel_array in the
// package); decode_frame, codec_support, transcode, render, export_png and export_jpeg over the C ABI's codecs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pydataset.hpp"

namespace py = pybind11;
using dkpy::PyDataset;

namespace {

/// The dataset's mutex, waited for without the GIL (as module.cpp's HeldLock).
class Lock {
public:
    explicit Lock(const PyDataset &d) : l_(*d.mu, std::try_to_lock) {
        if (!l_.owns_lock()) {
            py::gil_scoped_release nogil;
            l_.lock();
        }
    }

private:
    std::unique_lock<std::mutex> l_;
};

constexpr uint32_t kFloatPixelData = DK_TAG(0x7FE0, 0x0008);
constexpr uint32_t kDoubleFloatPixelData = DK_TAG(0x7FE0, 0x0009);

/// The numpy type of one sample, little endian as the C ABI gives them.
py::dtype sample_dtype(const dk::PixelInfo &p) {
    if (p.pixel_data_tag.value == kFloatPixelData) return py::dtype("<f4");
    if (p.pixel_data_tag.value == kDoubleFloatPixelData) return py::dtype("<f8");
    const bool s = p.pixel_representation == 1;
    switch (p.bits_allocated) {
    case 1:
    case 8: return py::dtype(s && p.bits_allocated == 8 ? "i1" : "u1");
    case 16: return py::dtype(s ? "<i2" : "<u2");
    case 32: return py::dtype(s ? "<i4" : "<u4");
    case 64: return py::dtype(s ? "<i8" : "<u8");
    default:
        throw dk::UnsupportedError(DK_EUNSUPPORTED, "Bits Allocated " + std::to_string(p.bits_allocated) +
                                                        " has no numpy type (1, 8, 16, 32 and 64 do)");
    }
}

py::dict info_dict(const dk::PixelInfo &p) {
    py::dict d;
    d["rows"] = p.rows;
    d["columns"] = p.columns;
    d["samples_per_pixel"] = p.samples_per_pixel;
    d["bits_allocated"] = p.bits_allocated;
    d["bits_stored"] = p.bits_stored;
    d["high_bit"] = p.high_bit;
    d["pixel_representation"] = p.pixel_representation;
    d["planar_configuration"] = p.planar_configuration;
    d["pixel_data_tag"] = p.pixel_data_tag.value;
    d["number_of_frames"] = p.number_of_frames;
    d["frame_size"] = p.frame_size;
    d["encapsulated"] = p.encapsulated;
    d["photometric_interpretation"] = p.photometric_interpretation;
    return d;
}

/// (frames,) rows, columns(, samples): pydicom's shapes.
std::vector<py::ssize_t> array_shape(const dk::PixelInfo &p, bool with_frames) {
    std::vector<py::ssize_t> shape;
    if (with_frames) shape.push_back(py::ssize_t(p.number_of_frames));
    shape.push_back(py::ssize_t(p.rows));
    shape.push_back(py::ssize_t(p.columns));
    if (p.samples_per_pixel > 1) shape.push_back(py::ssize_t(p.samples_per_pixel));
    return shape;
}

/// Decodes frames [first, first + count) into a new array (interleaved samples), with the GIL
/// released while decoding. Returns the array and the photometric interpretation of the result.
/// dcmkit.DecodeWarning (a UserWarning): what the decoders tolerated (dk_last_warnings).
PyObject *g_decode_warning = nullptr;

/// Issues each line of `text` (dk_last_warnings' format) as a DecodeWarning; the GIL must be held.
void warn_decoded(const std::string &text) {
    size_t at = 0;
    while (at < text.size()) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        const std::string line = text.substr(at, nl - at);
        at = nl + 1;
        if (!line.empty() && PyErr_WarnEx(g_decode_warning, line.c_str(), 2) < 0) throw py::error_already_set();
    }
}

std::pair<py::array, std::string> decode_frames(const PyDataset &s, const dk::PixelInfo &p, uint64_t first,
                                                uint64_t count, bool with_frames) {
    if (p.bits_allocated % 8)
        throw dk::UnsupportedError(DK_EUNSUPPORTED, "compressed 1-bit pixel data cannot be decoded");
    py::array out(sample_dtype(p), array_shape(p, with_frames));
    auto *dst = static_cast<uint8_t *>(out.mutable_data());
    // A decoded frame: every pixel with all its samples (native YBR_FULL_422 stores fewer).
    const size_t frame = size_t(p.rows) * p.columns * p.samples_per_pixel * (p.bits_allocated / 8);
    std::string photometric = p.photometric_interpretation, warnings;
    {
        py::gil_scoped_release nogil;
        for (uint64_t f = 0; f < count; ++f) {
            dk::decode_frame_into(s.ds, first + f, dst + size_t(f) * frame, frame, &photometric);
            warnings += dk::last_warnings();
        }
    }
    warn_decoded(warnings);
    return {std::move(out), photometric};
}

/// frames × rows × columns × samples, without the frame axis for one frame and the sample axis for
/// one sample (pydicom's shapes). A read-only view of the dataset's memory (kept alive by `obj`)
/// when the samples are whole bytes; a new array for 1-bit data (unpacked to 0 / 1) and for
/// compressed data (decoded, samples interleaved).
py::array pixel_array(py::object obj) {
    const PyDataset &s = obj.cast<const PyDataset &>();
    Lock l(s);
    const dk::PixelInfo p = dk::pixel_info(s.ds);
    if (p.encapsulated) return decode_frames(s, p, 0, p.number_of_frames, p.number_of_frames > 1).first;
    // Native YBR_FULL_422 (Y1 Y2 Cb Cr) is upsampled to YBR_FULL, as pydicom's pixel_array does.
    if (p.samples_per_pixel == 3 && std::string(p.photometric_interpretation) == "YBR_FULL_422" && p.bits_allocated % 8 == 0)
        return decode_frames(s, p, 0, p.number_of_frames, p.number_of_frames > 1).first;
    // A view of the file's memory when the dataset was read; else (pixel data set in code, or
    // byte-swapped from big endian) a copy that the array owns, so no array can outlive its pixels.
    py::object base = obj;
    dk::PixelView v{nullptr, 0};
    try {
        v = dk::pixel_data_view(s.ds);
    } catch (const dk::UnsupportedError &) {
        std::vector<uint8_t> all;
        if (p.bits_allocated == 1) {
            // Frames come re-aligned to bit 0; pack them back to back as the stored layout is.
            const uint64_t per_frame = uint64_t(p.rows) * p.columns * p.samples_per_pixel;
            all.assign(size_t((per_frame * p.number_of_frames + 7) / 8), 0);
            for (uint64_t f = 0; f < p.number_of_frames; ++f) {
                const std::vector<uint8_t> frame = dk::read_frame(s.ds, f);
                for (uint64_t b = 0; b < per_frame; ++b)
                    if ((frame[size_t(b / 8)] >> (b % 8)) & 1u) {
                        const uint64_t o = f * per_frame + b;
                        all[size_t(o / 8)] = uint8_t(all[size_t(o / 8)] | (1u << (o % 8)));
                    }
            }
        } else {
            for (uint64_t f = 0; f < p.number_of_frames; ++f) {
                const std::vector<uint8_t> frame = dk::read_frame(s.ds, f);
                all.insert(all.end(), frame.begin(), frame.end());
            }
        }
        py::bytes owned(reinterpret_cast<const char *>(all.data()), all.size());
        base = owned;
        char *buf = nullptr;
        py::ssize_t len = 0;
        PyBytes_AsStringAndSize(owned.ptr(), &buf, &len);
        v = dk::PixelView{reinterpret_cast<const uint8_t *>(buf), size_t(len)};
    }
    const py::dtype dt = sample_dtype(p);
    const bool multi = p.number_of_frames > 1, color = p.samples_per_pixel > 1;
    std::vector<py::ssize_t> shape;
    if (multi) shape.push_back(py::ssize_t(p.number_of_frames));
    shape.push_back(py::ssize_t(p.rows));
    shape.push_back(py::ssize_t(p.columns));
    if (color) shape.push_back(py::ssize_t(p.samples_per_pixel));

    if (p.bits_allocated == 1) {
        py::array_t<uint8_t> out(shape);
        uint8_t *dst = out.mutable_data();
        const uint64_t per_frame = uint64_t(p.rows) * p.columns * p.samples_per_pixel;
        const uint64_t total = per_frame * p.number_of_frames;
        // Stored order is frame, (plane,) row, column, sample; the output is frame, row, column, sample.
        for (uint64_t b = 0; b < total; ++b) {
            const uint8_t bit = (v.data[b / 8] >> (b % 8)) & 1u;
            uint64_t o = b;
            if (color && p.planar_configuration == 1) {
                const uint64_t f = b / per_frame, r = b % per_frame, plane = uint64_t(p.rows) * p.columns;
                o = f * per_frame + (r % plane) * p.samples_per_pixel + r / plane;
            }
            dst[o] = bit;
        }
        return std::move(out);
    }

    const py::ssize_t item = py::ssize_t(p.bits_allocated / 8);
    const py::ssize_t spp = py::ssize_t(p.samples_per_pixel), cols = py::ssize_t(p.columns);
    std::vector<py::ssize_t> strides;
    if (multi) strides.push_back(py::ssize_t(p.frame_size));
    if (color && p.planar_configuration == 1) {  // one plane per sample: samples last by strides
        strides.push_back(cols * item);
        strides.push_back(item);
        strides.push_back(py::ssize_t(p.rows) * cols * item);
    } else {
        strides.push_back(cols * spp * item);
        strides.push_back(spp * item);
        if (color) strides.push_back(item);
    }
    if (v.size == 0) return py::array(dt, shape);  // no pixels (0 rows or columns)
    py::array out(dt, shape, strides, v.data, base);  // a view: the dataset (or the copy) is its base
    out.attr("setflags")(py::arg("write") = false);
    return out;
}

dk::TranscodeOptions transcode_options(std::optional<int> quality, std::optional<double> ratio,
                                       std::optional<int> near, std::optional<int> predictor, bool lossy_to_lossless,
                                       bool extended_offset_table, bool keep_uid, uint32_t threads) {
    dk::TranscodeOptions o;
    if (quality) o.quality = *quality;
    if (ratio) o.ratio = *ratio;
    if (near) o.near_lossless = *near;
    if (predictor) o.predictor = *predictor;
    o.lossy_to_lossless = lossy_to_lossless;
    o.extended_offset_table = extended_offset_table;
    o.keep_uid = keep_uid;
    o.threads = threads;
    return o;
}

/// Render options from Python: window = (center, width) or None.
dk::RenderOptions render_options(std::optional<std::pair<double, double>> window, uint32_t voi_index, bool min_max) {
    dk::RenderOptions o;
    if (window) o = dk::RenderOptions::window(window->first, window->second);
    o.voi_index = voi_index;
    o.min_max = min_max;
    return o;
}

}  // namespace

void register_pixel(py::module_ &m) {
    using namespace pybind11::literals;
    g_decode_warning = PyErr_NewExceptionWithDoc(
        "dcmkit.DecodeWarning",
        "A bitstream decoded as libjpeg, DCMTK and GDCM decode it, with their warning (an out-of-spec JPEG "
        "scan header, a missing EOI marker, stray bytes before a marker).",
        PyExc_UserWarning, nullptr);
    if (!g_decode_warning) throw py::error_already_set();
    m.attr("DecodeWarning") = py::handle(g_decode_warning);
    m.def("pixel_info", [](const PyDataset &s) {
        Lock l(s);
        return info_dict(dk::pixel_info(s.ds));
    }, "dataset"_a, "The pixel data's layout as a dict (NotFoundError without pixel data).");
    m.def("frame_count", [](const PyDataset &s) {
        Lock l(s);
        return dk::frame_count(s.ds);
    }, "dataset"_a, "Number of Frames, else 1 with pixel data, else 0.");
    m.def("read_frame", [](const PyDataset &s, uint64_t index) {
        std::vector<uint8_t> b;
        std::string warnings;
        {
            Lock l(s);
            py::gil_scoped_release nogil;
            b = dk::read_frame(s.ds, index);
            warnings = dk::last_warnings();
        }
        warn_decoded(warnings);
        return py::bytes(reinterpret_cast<const char *>(b.data()), b.size());
    }, "dataset"_a, "index"_a,
       "Frame `index`: native data as stored (little endian; 1-bit data packed), compressed data decoded "
       "(samples interleaved).");
    m.def("pixel_array", &pixel_array, "dataset"_a,
          "The pixel data as a numpy array: (frames,) rows, columns(, samples). Native data: a read-only "
          "view of the dataset's memory when the samples are whole bytes (valid while the dataset lives and "
          "its pixel data is not replaced). Compressed data: decoded into a new array, samples interleaved "
          "(UnsupportedError when this build has no codec for its transfer syntax).");
    m.def("decode_frame", [](const PyDataset &s, uint64_t index) {
        Lock l(s);
        const dk::PixelInfo p = dk::pixel_info(s.ds);
        if (index >= p.number_of_frames)
            throw dk::InvalidArgumentError(DK_EINVAL, "frame " + std::to_string(index) + " of " +
                                                     std::to_string(p.number_of_frames) + " does not exist");
        if (p.bits_allocated % 8 && !p.encapsulated) {
            // 1-bit native frames: unpacked to 0 / 1, as pixel_array unpacks them.
            const std::vector<uint8_t> packed = dk::read_frame(s.ds, index);
            py::array_t<uint8_t> out(array_shape(p, false));
            uint8_t *dst = out.mutable_data();
            const size_t n = size_t(p.rows) * p.columns * p.samples_per_pixel;
            for (size_t b = 0; b < n; ++b) dst[b] = (packed[b / 8] >> (b % 8)) & 1u;
            return py::make_tuple(std::move(out), p.photometric_interpretation);
        }
        auto r = decode_frames(s, p, index, 1, false);
        return py::make_tuple(std::move(r.first), r.second);
    }, "dataset"_a, "index"_a,
       "(array, photometric): frame `index` decoded, samples interleaved, and the Photometric "
       "Interpretation of the result.");
    m.def("codec_support", [](const std::string &ts) { return dk::codec_support(ts); }, "transfer_syntax"_a,
          "DK_CODEC_DECODE (1) | DK_CODEC_ENCODE (2) for a transfer syntax (UID, keyword or alias); 0 when "
          "unknown or without codec.");
    m.def("transcode", [](PyDataset &s, const std::string &ts, std::optional<int> quality, std::optional<double> ratio,
                          std::optional<int> near, std::optional<int> predictor, bool lossy_to_lossless,
                          bool extended_offset_table, bool keep_uid, uint32_t threads) {
        const dk::TranscodeOptions o = transcode_options(quality, ratio, near, predictor, lossy_to_lossless,
                                                         extended_offset_table, keep_uid, threads);
        std::string warnings;
        {
            Lock l(s);
            py::gil_scoped_release nogil;
            dk::transcode(s.ds, ts, o);
            warnings = dk::last_warnings();
        }
        warn_decoded(warnings);
    }, "dataset"_a, "transfer_syntax"_a, "quality"_a = std::nullopt, "ratio"_a = std::nullopt, "near"_a = std::nullopt,
       "predictor"_a = std::nullopt, "lossy_to_lossless"_a = false, "extended_offset_table"_a = false,
       "keep_uid"_a = false, "threads"_a = 0,
       "Re-encodes the pixel data in `transfer_syntax`, which becomes the dataset's (dk_dataset_transcode).");
    m.def("render", [](const PyDataset &s, uint64_t index, std::optional<std::pair<double, double>> window,
                       uint32_t voi_index, bool min_max) {
        const dk::RenderOptions o = render_options(window, voi_index, min_max);
        dk::Image8 img;
        std::string warnings;
        {
            Lock l(s);
            py::gil_scoped_release nogil;
            img = dk::render_frame(s.ds, index, o);
            warnings = dk::last_warnings();
        }
        warn_decoded(warnings);
        std::vector<py::ssize_t> shape{py::ssize_t(img.height), py::ssize_t(img.width)};
        if (img.channels > 1) shape.push_back(py::ssize_t(img.channels));
        py::array_t<uint8_t> out(shape);
        if (!img.pixels.empty()) std::memcpy(out.mutable_data(), img.pixels.data(), img.pixels.size());
        return out;
    }, "dataset"_a, "index"_a = 0, "window"_a = std::nullopt, "voi_index"_a = 0, "min_max"_a = false,
       "Frame `index` rendered to 8-bit display values: a uint8 array (rows, columns) or (rows, columns, 3).");
    m.def("export_png", [](const PyDataset &s, const std::string &path, uint64_t index,
                           std::optional<std::pair<double, double>> window, uint32_t voi_index, bool min_max) {
        const dk::RenderOptions o = render_options(window, voi_index, min_max);
        std::string warnings;
        {
            Lock l(s);
            py::gil_scoped_release nogil;
            dk::export_png(s.ds, path, index, o);
            warnings = dk::last_warnings();
        }
        warn_decoded(warnings);
    }, "dataset"_a, "path"_a, "index"_a = 0, "window"_a = std::nullopt, "voi_index"_a = 0, "min_max"_a = false,
       "Renders frame `index` and writes it as a PNG file.");
    m.def("export_jpeg", [](const PyDataset &s, const std::string &path, uint64_t index,
                            std::optional<std::pair<double, double>> window, uint32_t voi_index, bool min_max,
                            int quality) {
        const dk::RenderOptions o = render_options(window, voi_index, min_max);
        std::string warnings;
        {
            Lock l(s);
            py::gil_scoped_release nogil;
            dk::export_jpeg(s.ds, path, index, o, quality);
            warnings = dk::last_warnings();
        }
        warn_decoded(warnings);
    }, "dataset"_a, "path"_a, "index"_a = 0, "window"_a = std::nullopt, "voi_index"_a = 0, "min_max"_a = false,
       "quality"_a = 90, "Renders frame `index` and writes it as a baseline JPEG file of `quality` 1..100.");
}
