// _dcmkit — the pybind11 extension under the `dcmkit` Python package, over dcmkit.hpp only.
//
// It maps dk:: calls to Python with as little policy as possible: the Pythonic surface (attribute
// access by keyword, DataElement, read()/save()) lives in python/dcmkit/__init__.py. What it does
// add is what cannot be done well in Python:
//   - values converted by VR (dk::value_kind) straight into Python objects, pydicom's types: str
//     (list of str when multi-valued), int, float, bytes, a list of item datasets for SQ; None for
//     an empty non-text value;
//   - the exception classes, one per error kind, carrying code, kind and offset;
//   - a mutex per top-level dataset (shared with its item handles): reading, writing and JSON run
//     with the GIL released, and the C ABI's datasets are not thread-safe.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/dcmkit.hpp"
#include "pydataset.hpp"

namespace py = pybind11;

namespace {

// -- exceptions -----------------------------------------------------------------------------------

/// The exception classes by dk::ErrorClass (created once at import; kept for the interpreter's lifetime).
PyObject *g_exc[int(dk::ErrorClass::internal) + 1] = {};

/// A new exception class `dcmkit.<name>` deriving from `bases`, whose str() is the plain message
/// (KeyError's str() would quote it).
PyObject *make_exception(py::module_ &m, const char *name, py::tuple bases, const char *doc) {
    py::dict ns;
    ns["__doc__"] = py::str(doc);
    ns["__module__"] = py::str("dcmkit");
    ns["__str__"] = py::module_::import("builtins").attr("BaseException").attr("__str__");
    const std::string qualified = std::string("dcmkit.") + name;
    PyObject *cls = PyErr_NewException(qualified.c_str(), bases.ptr(), ns.ptr());
    if (!cls) throw py::error_already_set();
    m.attr(name) = py::handle(cls);  // the module holds a reference, and so do we (never released)
    return cls;
}

/// dcmkit.<stem>Error for each dk::ErrorClass (dk::error_class_name: the one mapping from C codes
/// to classes, shared with C# and Java), with the same parents, and a built-in exception as a second
/// base where one means the same, so that `except ValueError` or `except OSError` catches ours too.
/// None is named after a built-in (dcmkit.ValueError would shadow the built-in inside the package).
void define_exceptions(py::module_ &m) {
    py::module_ builtins = py::module_::import("builtins");
    auto b = [&](const char *n) { return builtins.attr(n); };
    using C = dk::ErrorClass;
    struct Spec {
        C cls;
        const char *builtin, *builtin2;
        const char *doc;
    };
    const Spec specs[] = {
        {C::error, "Exception", nullptr,
         "Base of dcmkit's errors: .code (the C ABI's dk_result), .kind (\"truncated\"), .offset (byte offset "
         "in the input, or None)."},
        {C::invalid_argument, "ValueError", nullptr, "An argument the call cannot use (DK_EINVAL)."},
        {C::not_found, "KeyError", "AttributeError",
         "No such element, keyword, UID, item or file (DK_ENOTFOUND). Also a KeyError (ds[tag]) and an "
         "AttributeError (ds.Keyword)."},
        {C::io, "OSError", nullptr, "The operating system refused a read or a write (DK_EIO)."},
        {C::parse, "ValueError", nullptr,
         "The input is not valid DICOM (not-dicom, truncated, bad-length, bad-vr, too-deep, malformed)."},
        {C::unsupported, "NotImplementedError", nullptr, "Valid, but not supported by this build (DK_EUNSUPPORTED)."},
        {C::bad_value, "ValueError", nullptr,
         "A value does not parse as its VR or has the wrong type for the call (DK_EBADVALUE)."},
        {C::charset, nullptr, nullptr, "Text cannot be converted to or from the character set (DK_ECHARSET)."},
        {C::network, "OSError", nullptr, "A connection failed or was closed (DK_ENETWORK); the parent of every network error."},
        {C::network_timeout, "TimeoutError", nullptr,
         "A connect, ARTIM, DIMSE or idle timer expired (DK_ETIMEOUT). Also the built-in TimeoutError."},
        {C::association_rejected, nullptr, nullptr,
         "The peer rejected the association (A-ASSOCIATE-RJ, DK_EREJECTED); the message gives the result, "
         "source and reason of PS3.8 Table 9-21."},
        {C::association_aborted, nullptr, nullptr, "The association was aborted, by either side (DK_EABORTED)."},
        {C::protocol, nullptr, nullptr, "The peer broke the upper layer or DIMSE protocol (DK_EPROTOCOL)."},
        {C::refused, nullptr, nullptr,
         "The peer refused a request: no accepted presentation context, a failure status (DK_EREFUSED)."},
        {C::no_memory, "MemoryError", nullptr, "Out of memory (DK_ENOMEM)."},
        {C::internal, nullptr, nullptr, "A bug in dcmkit (DK_EINTERNAL): please report it with the message."},
    };
    for (const Spec &sp : specs) {  // parents come before their children in the table
        const std::string stem = dk::error_class_name(sp.cls);
        const std::string name = stem.empty() ? "DicomError" : stem + "Error";
        py::list bases;
        if (sp.cls != C::error) bases.append(py::handle(g_exc[int(dk::error_class_parent(sp.cls))]));
        if (sp.builtin) bases.append(b(sp.builtin));
        if (sp.builtin2) bases.append(b(sp.builtin2));
        g_exc[int(sp.cls)] = make_exception(m, name.c_str(), py::tuple(bases), sp.doc);
    }
}

PyObject *class_of(const dk::Error &e) { return g_exc[int(dk::error_class(e.code()))]; }

void raise(const dk::Error &e) {
    py::handle cls(class_of(e));
    py::object exc = cls(py::str(e.what()));
    exc.attr("code") = int(e.code());
    exc.attr("kind") = py::str(e.kind());
    exc.attr("offset") = e.offset() >= 0 ? py::object(py::int_(e.offset())) : py::object(py::none());
    PyErr_SetObject(cls.ptr(), exc.ptr());
}

// -- datasets -------------------------------------------------------------------------------------

/// A dk::Dataset and the mutex of its top-level dataset (pydataset.hpp: net.cpp uses it too).
using dkpy::PyDataset;

/// Locks a dataset from a thread that holds the GIL: when another thread is busy with the dataset
/// (GIL released), wait without the GIL so that the other thread can finish.
class HeldLock {
public:
    explicit HeldLock(const PyDataset &d) : l_(*d.mu, std::try_to_lock) {
        if (!l_.owns_lock()) {
            py::gil_scoped_release nogil;
            l_.lock();
        }
    }

private:
    std::unique_lock<std::mutex> l_;
};

py::object none() { return py::none(); }

/// The value of an element as pydicom would give it.
py::object get_value(PyDataset &self, dk::Tag t, const std::string &vr) {
    dk::Dataset &ds = self.ds;
    const dk::ValueKind kind = dk::value_kind(vr);
    switch (kind) {
    case dk::ValueKind::Sequence: {
        const size_t n = ds.item_count(t);
        py::list out(n);
        for (size_t i = 0; i < n; ++i) out[i] = py::cast(PyDataset(ds.item(t, i), self.mu));
        return out;
    }
    case dk::ValueKind::Bytes: {
        const size_t n = ds.byte_size(t);
        if (n == 0) return none();
        py::bytes out(nullptr, n);  // filled in place: pixel data is copied once
        const size_t written = ds.get_bytes_into(t, PyBytes_AS_STRING(out.ptr()), n);
        if (written != n) return py::bytes(PyBytes_AS_STRING(out.ptr()), written);
        return out;
    }
    default: break;
    }
    const size_t n = ds.value_count(t);
    if (kind == dk::ValueKind::Text) {
        if (n <= 1) return py::str(n == 0 ? std::string() : ds.get_string(t));
        py::list out(n);
        for (size_t i = 0; i < n; ++i) out[i] = py::str(ds.get_string(t, i));
        return out;
    }
    if (n == 0) return none();
    auto one_or_list = [n](auto &&values) -> py::object {
        if (n == 1 && values.size() == 1) return py::cast(values[0]);
        return py::cast(values);
    };
    switch (kind) {
    case dk::ValueKind::Decimal:
    case dk::ValueKind::Float: return one_or_list(ds.get_doubles(t));
    case dk::ValueKind::IntegerString: return one_or_list(ds.get_ints(t));
    case dk::ValueKind::Int:
        if (vr == "UV") return one_or_list(ds.get_uints(t));
        return one_or_list(ds.get_ints(t));
    case dk::ValueKind::AttributeTag: {
        std::vector<uint32_t> tags;
        for (dk::Tag x : ds.get_tags(t)) tags.push_back(x.value);
        return one_or_list(tags);
    }
    default: return none();
    }
}

bool is_sequence_value(py::handle v) {
    return py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v);
}

std::vector<py::object> as_list(py::handle v) {
    std::vector<py::object> out;
    if (is_sequence_value(v)) {
        for (py::handle x : v) out.push_back(py::reinterpret_borrow<py::object>(x));
    } else {
        out.push_back(py::reinterpret_borrow<py::object>(v));
    }
    return out;
}

[[noreturn]] void type_error(const std::string &what) { throw py::type_error(what); }

uint64_t to_uint64(py::handle x) {
    if (!py::isinstance<py::int_>(x)) type_error("an int is needed for VR UV");
    const unsigned long long u = PyLong_AsUnsignedLongLong(x.ptr());
    if (u == static_cast<unsigned long long>(-1) && PyErr_Occurred()) throw py::error_already_set();
    return u;
}

int64_t to_int64(py::handle x, const std::string &vr) {
    if (!py::isinstance<py::int_>(x)) type_error("an int is needed for VR " + vr);
    const long long v = PyLong_AsLongLong(x.ptr());
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    return v;
}

std::string text_of(py::handle x, const std::string &vr) {
    if (py::isinstance<py::str>(x)) return x.cast<std::string>();
    if (vr == "DS" || vr == "IS") {
        if (py::isinstance<py::int_>(x) || py::isinstance<py::float_>(x)) return py::str(x).cast<std::string>();
    }
    type_error("a str is needed for VR " + vr);
}

/// Snapshots of the datasets in a Python list (each taken under its own lock).
std::vector<dk::Dataset::Snapshot> snapshots_of(py::handle value) {
    std::vector<dk::Dataset::Snapshot> out;
    for (py::handle x : as_list(value)) {
        py::object h = py::hasattr(x, "_ds") ? x.attr("_ds") : py::reinterpret_borrow<py::object>(x);
        if (!py::isinstance<PyDataset>(h)) type_error("a sequence value is a list of datasets");
        const PyDataset &item = h.cast<const PyDataset &>();
        HeldLock l(item);
        out.push_back(item.ds.snapshot());
    }
    return out;
}

/// Sets an element from a Python value, by VR (`vr` empty: the element's, else the dictionary's).
void set_value(PyDataset &self, dk::Tag t, py::handle value, std::string vr) {
    dk::Dataset &ds = self.ds;
    if (vr.empty()) {
        HeldLock l(self);
        vr = ds.contains(t) ? ds.vr(t) : dk::dictionary_vr(t);
    }
    const char *v = vr.c_str();
    const dk::ValueKind kind = dk::value_kind(vr);
    if (kind == dk::ValueKind::Sequence) {
        // The items may belong to this dataset or another: snapshot them before locking this one.
        std::vector<dk::Dataset::Snapshot> items;
        if (!value.is_none()) items = snapshots_of(value);
        HeldLock l(self);
        return ds.set_items(t, items);
    }
    HeldLock l(self);
    if (value.is_none()) return ds.set_bytes(t, v, nullptr, 0);
    if (kind != dk::ValueKind::Text &&
        (py::isinstance<py::bytes>(value) || py::isinstance<py::bytearray>(value) ||
         py::isinstance<py::memoryview>(value))) {
        py::buffer_info info = py::reinterpret_borrow<py::buffer>(value).request();
        return ds.set_bytes(t, v, info.ptr, size_t(info.size * info.itemsize));
    }
    switch (kind) {
    case dk::ValueKind::Text:
    case dk::ValueKind::Decimal:
    case dk::ValueKind::IntegerString:
        if (py::isinstance<py::str>(value)) return ds.set_string(t, value.cast<std::string>(), v);
        if (kind == dk::ValueKind::Decimal && (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)))
            return ds.set_double(t, value.cast<double>(), v);
        if (kind == dk::ValueKind::IntegerString && py::isinstance<py::int_>(value))
            return ds.set_int(t, to_int64(value, vr), v);
        {
            std::vector<std::string> parts;
            for (py::handle x : as_list(value)) parts.push_back(text_of(x, vr));
            return ds.set_strings(t, parts, v);
        }
    case dk::ValueKind::Int: {
        if (vr == "UV") {
            std::vector<uint64_t> u;
            for (py::handle x : as_list(value)) u.push_back(to_uint64(x));
            return ds.set_uints(t, u);
        }
        std::vector<int64_t> ints;
        for (py::handle x : as_list(value)) ints.push_back(to_int64(x, vr));
        return ds.set_ints(t, ints, v);
    }
    case dk::ValueKind::Float: {
        std::vector<double> d;
        for (py::handle x : as_list(value)) {
            if (!py::isinstance<py::int_>(x) && !py::isinstance<py::float_>(x)) type_error("a number is needed for VR " + vr);
            d.push_back(x.cast<double>());
        }
        return ds.set_doubles(t, d, v);
    }
    case dk::ValueKind::AttributeTag: {
        std::vector<dk::Tag> tags;
        for (py::handle x : as_list(value)) tags.push_back(dk::Tag(uint32_t(to_int64(x, "AT"))));
        return ds.set_tags(t, tags);
    }
    case dk::ValueKind::Bytes: type_error("a bytes-like value is needed for VR " + vr);
    case dk::ValueKind::Sequence: break;
    }
}

dk::ReadOptions read_options(bool stop_before_pixels, bool map_file, uint32_t max_depth, bool keep_un) {
    dk::ReadOptions o;
    o.keep_un = keep_un;
    o.stop_before_pixels = stop_before_pixels;
    o.map_file = map_file;
    o.max_depth = max_depth;
    return o;
}

dk::WriteOptions write_options(const std::optional<std::string> &ts, bool part10, bool atomic, bool fsync,
                               int deflate_level) {
    dk::WriteOptions o;
    o.transfer_syntax = ts.value_or("");
    o.part10 = part10;
    o.atomic = atomic;
    o.fsync = fsync;
    o.deflate_level = deflate_level;
    return o;
}

}  // namespace

void register_net(py::module_ &m);  // net.cpp
void register_pixel(py::module_ &m);  // pixel.cpp
void register_archive(py::module_ &m);  // archive.cpp
void register_dicomdir(py::module_ &m);  // dicomdir.cpp
void register_deid(py::module_ &m);     // deid.cpp
void register_media(py::module_ &m);    // media.cpp
void register_web(py::module_ &m);      // web.cpp

PYBIND11_MODULE(_dcmkit, m) {
    m.doc() = "dcmkit's C ABI for Python (the low level under the dcmkit package)";
    define_exceptions(m);
    m.def("error_class", [](int code) { return py::handle(g_exc[int(dk::error_class(dk_result(code)))]); }, py::arg("code"),
          "The exception class of a dk_result error code (DicomError for a code this build does not know).");
    m.def("result_name", [](int code) { return std::string(dk_result_name(dk_result(code))); }, py::arg("code"),
          "The short name of a dk_result code (\"truncated\"), an exception's .kind.");
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const dk::Error &e) {
            raise(e);
        }
    });

    using namespace pybind11::literals;
    using nogil = py::call_guard<py::gil_scoped_release>;

    // -- versions, dictionary, UIDs --------------------------------------------------------------
    m.def("version", &dk::version, "Version of the loaded dcmkit library (\"1.0.0\").");
    m.def("version_number", &dk::version_number);
    m.attr("HEADER_VERSION") = DK_VERSION_STRING;
    m.def("tag", [](const std::string &k) { return dk::tag(k).value; }, "keyword"_a,
          "The tag (0xGGGGEEEE) of a keyword or of \"(gggg,eeee)\" text. NotFoundError when unknown.");
    m.def("find_tag", [](const std::string &k) -> std::optional<uint32_t> {
        dk::Tag t;
        if (!dk::find_tag(k, t)) return std::nullopt;
        return t.value;
    }, "keyword"_a, "Like tag(), but None when unknown.");
    m.def("keyword", [](uint32_t t) { return dk::keyword(t); }, "tag"_a, "\"\" for private and unknown tags.");
    m.def("tag_name", [](uint32_t t) { return dk::tag_name(t); }, "tag"_a);
    m.def("dictionary_vr", [](uint32_t t) { return dk::dictionary_vr(t); }, "tag"_a);
    m.def("uid_info", [](const std::string &uid) {
        dk::UidInfo i = dk::uid_info(uid);
        return py::make_tuple(i.name, i.keyword, i.type);
    }, "uid"_a, "(name, keyword, type) of a registered UID. NotFoundError otherwise.");
    m.def("uid_name", &dk::uid_name, "uid"_a);
    m.def("generate_uid", &dk::generate_uid);
    m.def("is_valid_uid", &dk::is_valid_uid, "uid"_a);
    m.def("transfer_syntax_flags", &dk::transfer_syntax_flags, "transfer_syntax"_a,
          "The DK_TS_* bits of a transfer syntax (UID, keyword or alias).");
    m.attr("TS_EXPLICIT_VR") = DK_TS_EXPLICIT_VR;
    m.attr("TS_BIG_ENDIAN") = DK_TS_BIG_ENDIAN;
    m.attr("TS_DEFLATED") = DK_TS_DEFLATED;
    m.attr("TS_ENCAPSULATED") = DK_TS_ENCAPSULATED;

    // -- reading ---------------------------------------------------------------------------------
    m.def("read_file", [](const std::string &path, bool stop, bool map_file, uint32_t max_depth, bool keep_un) {
        return PyDataset(dk::Dataset::read_file(path, read_options(stop, map_file, max_depth, keep_un)));
    }, "path"_a, "stop_before_pixels"_a = false, "map_file"_a = true, "max_depth"_a = 64, "keep_un"_a = false, nogil());
    m.def("private_tag_info", [](const std::string &creator, uint32_t tag) -> py::object {
        dk::PrivateTagInfo info;
        if (!dk::find_private_tag(creator, dk::Tag(tag), info)) return py::none();
        return py::make_tuple(info.vr, info.keyword, info.name);
    }, "creator"_a, "tag"_a, "(vr, keyword, name) of a private data element in the block of `creator`, or None.");
    m.def("read_memory", [](py::buffer data, bool stop, uint32_t max_depth, bool keep_un) {
        py::buffer_info info = data.request();  // `data` is kept alive by the caller's frame
        const size_t size = size_t(info.size * info.itemsize);
        py::gil_scoped_release nogil_;
        return PyDataset(dk::Dataset::read_memory(info.ptr, size, read_options(stop, true, max_depth, keep_un)));
    }, "data"_a, "stop_before_pixels"_a = false, "max_depth"_a = 64, "keep_un"_a = false);
    m.def("from_json", [](const std::string &text) {
        return PyDataset(dk::Dataset::from_json(text));
    }, "text"_a, nogil());

    // -- datasets --------------------------------------------------------------------------------
    py::class_<PyDataset>(m, "Dataset", "A dataset or a sequence item (a handle; items share their top level).")
        .def(py::init<>())
        .def("write_file", [](const PyDataset &s, const std::string &path, const std::optional<std::string> &ts,
                              bool part10, bool atomic, bool fsync, int level) {
            std::lock_guard<std::mutex> l(*s.mu);
            s.ds.write_file(path, write_options(ts, part10, atomic, fsync, level));
        }, "path"_a, "transfer_syntax"_a = std::nullopt, "part10"_a = true, "atomic"_a = true, "fsync"_a = true,
             "deflate_level"_a = -1, nogil())
        .def("write_memory", [](const PyDataset &s, const std::optional<std::string> &ts, bool part10, int level) {
            dk::Buffer b;
            {
                py::gil_scoped_release nogil_;
                std::lock_guard<std::mutex> l(*s.mu);
                b = s.ds.write_memory(write_options(ts, part10, true, false, level));
            }
            return py::bytes(reinterpret_cast<const char *>(b.data()), b.size());
        }, "transfer_syntax"_a = std::nullopt, "part10"_a = true, "deflate_level"_a = -1)
        .def("to_json", [](const PyDataset &s, bool pretty) {
            std::lock_guard<std::mutex> l(*s.mu);
            return s.ds.to_json(pretty);
        }, "pretty"_a = false, nogil())
        .def_property("transfer_syntax",
            [](const PyDataset &s) { HeldLock l(s); return s.ds.transfer_syntax(); },
            [](PyDataset &s, const std::string &ts) { HeldLock l(s); s.ds.set_transfer_syntax(ts); })
        .def_property_readonly("warnings", [](const PyDataset &s) { HeldLock l(s); return s.ds.warnings(); },
            "What the reader accepted with a warning, one message each (empty for a conforming file).")
        .def_property_readonly("warning_flags", [](const PyDataset &s) { HeldLock l(s); return s.ds.warning_flags(); })
        .def("__len__", [](const PyDataset &s) { HeldLock l(s); return s.ds.size(); })
        .def("element_at", [](const PyDataset &s, size_t i) {
            HeldLock l(s);
            dk::ElementInfo e = s.ds.element_at(i);
            return py::make_tuple(e.tag.value, e.vr);
        }, "index"_a, "(tag, vr) of the element at `index` in tag order.")
        .def("meta_elements", [](const PyDataset &s) {
            HeldLock l(s);
            py::list out;
            for (const dk::ElementInfo &e : s.ds.meta_elements()) out.append(py::make_tuple(e.tag.value, e.vr));
            return out;
        })
        .def("elements", [](const PyDataset &s) {
            HeldLock l(s);
            const size_t n = s.ds.size();
            py::list out(n);
            for (size_t i = 0; i < n; ++i) {
                dk::ElementInfo e = s.ds.element_at(i);
                out[i] = py::make_tuple(e.tag.value, e.vr);
            }
            return out;
        }, "[(tag, vr), …] in tag order.")
        .def("contains", [](const PyDataset &s, uint32_t t) { HeldLock l(s); return s.ds.contains(t); }, "tag"_a)
        .def("vr", [](const PyDataset &s, uint32_t t) { HeldLock l(s); return s.ds.vr(t); }, "tag"_a)
        .def("value_count", [](const PyDataset &s, uint32_t t) { HeldLock l(s); return s.ds.value_count(t); }, "tag"_a)
        .def("remove", [](PyDataset &s, uint32_t t) { HeldLock l(s); s.ds.remove(t); }, "tag"_a)
        .def("get_value", [](PyDataset &s, uint32_t t) {
            HeldLock l(s);
            return get_value(s, t, s.ds.vr(t));
        }, "tag"_a, "The value as pydicom types it (see the module's documentation).")
        .def("get_element", [](PyDataset &s, uint32_t t) {
            HeldLock l(s);
            std::string vr = s.ds.vr(t);
            py::object v = get_value(s, t, vr);
            return py::make_tuple(vr, v);
        }, "tag"_a, "(vr, value).")
        .def("set_value", [](PyDataset &s, uint32_t t, py::object value, std::optional<std::string> vr) {
            set_value(s, t, value, vr.value_or(""));
        }, "tag"_a, "value"_a, "vr"_a = std::nullopt,
           "Sets an element from str / list of str, int(s), float(s), bytes, a list of datasets (SQ) "
           "or None (empty), by VR (default: the element's, else the dictionary's).")
        .def("get_string", [](const PyDataset &s, uint32_t t, std::optional<size_t> i) {
            HeldLock l(s);
            return i ? s.ds.get_string(t, *i) : s.ds.get_string(t);
        }, "tag"_a, "index"_a = std::nullopt)
        .def("get_strings", [](const PyDataset &s, uint32_t t) { HeldLock l(s); return s.ds.get_strings(t); }, "tag"_a)
        .def("get_int", [](const PyDataset &s, uint32_t t, size_t i) { HeldLock l(s); return s.ds.get_int(t, i); },
             "tag"_a, "index"_a = 0)
        .def("get_ints", [](const PyDataset &s, uint32_t t) { HeldLock l(s); return s.ds.get_ints(t); }, "tag"_a)
        .def("get_double", [](const PyDataset &s, uint32_t t, size_t i) { HeldLock l(s); return s.ds.get_double(t, i); },
             "tag"_a, "index"_a = 0)
        .def("get_doubles", [](const PyDataset &s, uint32_t t) { HeldLock l(s); return s.ds.get_doubles(t); }, "tag"_a)
        .def("get_bytes", [](const PyDataset &s, uint32_t t) {
            HeldLock l(s);
            std::vector<uint8_t> b = s.ds.get_bytes(t);
            return py::bytes(reinterpret_cast<const char *>(b.data()), b.size());
        }, "tag"_a, "The raw value (binary values little endian, text in the dataset's character set).")
        .def("get_tags", [](const PyDataset &s, uint32_t t) {
            HeldLock l(s);
            std::vector<uint32_t> out;
            for (dk::Tag x : s.ds.get_tags(t)) out.push_back(x.value);
            return out;
        }, "tag"_a)
        .def("set_key", [](PyDataset &s, const std::string &key) {
            HeldLock l(s);
            s.ds.set_key(key);
        }, "key"_a)
        .def("set_string", [](PyDataset &s, uint32_t t, const std::string &v, std::optional<std::string> vr) {
            HeldLock l(s);
            s.ds.set_string(t, v, vr ? vr->c_str() : nullptr);
        }, "tag"_a, "value"_a, "vr"_a = std::nullopt)
        .def("set_ints", [](PyDataset &s, uint32_t t, const std::vector<int64_t> &v, std::optional<std::string> vr) {
            HeldLock l(s);
            s.ds.set_ints(t, v, vr ? vr->c_str() : nullptr);
        }, "tag"_a, "values"_a, "vr"_a = std::nullopt)
        .def("set_doubles", [](PyDataset &s, uint32_t t, const std::vector<double> &v, std::optional<std::string> vr) {
            HeldLock l(s);
            s.ds.set_doubles(t, v, vr ? vr->c_str() : nullptr);
        }, "tag"_a, "values"_a, "vr"_a = std::nullopt)
        .def("set_bytes", [](PyDataset &s, uint32_t t, const std::string &vr, py::buffer data) {
            py::buffer_info info = data.request();
            HeldLock l(s);
            s.ds.set_bytes(t, vr.c_str(), info.ptr, size_t(info.size * info.itemsize));
        }, "tag"_a, "vr"_a, "data"_a)
        .def("item_count", [](const PyDataset &s, uint32_t t) { HeldLock l(s); return s.ds.item_count(t); }, "tag"_a)
        .def("item", [](PyDataset &s, uint32_t t, size_t i) {
            HeldLock l(s);
            return PyDataset(s.ds.item(t, i), s.mu);
        }, "tag"_a, "index"_a)
        .def("add_item", [](PyDataset &s, uint32_t t) {
            HeldLock l(s);
            return PyDataset(s.ds.add_item(t), s.mu);
        }, "tag"_a, "Appends an empty item (creating the sequence when absent) and returns it.")
        .def("update", [](PyDataset &s, const PyDataset &src) {
            // Two locks: take the source's snapshot first, then apply it (they may share a mutex).
            dk::Dataset::Snapshot snap;
            {
                HeldLock l(src);
                snap = src.ds.snapshot();
            }
            HeldLock l(s);
            s.ds.apply(snap);
        }, "other"_a, "Copies every element of `other` (deeply) into this dataset.")
        .def("clone", [](const PyDataset &s) {
            std::lock_guard<std::mutex> l(*s.mu);
            return PyDataset(s.ds.clone());
        }, nogil(), "A deep copy, as a new top-level dataset.")
        .def("same_root", [](const PyDataset &s, const PyDataset &o) { return s.mu == o.mu; }, "other"_a,
             "Whether both handles address the same top-level dataset.");

    register_net(m);  // AE, Association, Server (net.cpp)
    register_pixel(m);  // pixel_info, pixel_array (pixel.cpp)
    register_archive(m);  // _Archive, StoredInstance (archive.cpp)
    register_dicomdir(m);  // _DicomDir (dicomdir.cpp)
    register_deid(m);     // deidentify, deid_uid (deid.cpp)
    register_media(m);    // export_media (media.cpp)
    register_web(m);      // WebClient, the DICOMweb client (web.cpp)
}
