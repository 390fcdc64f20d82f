// _dcmkit archive: dk::Archive (dcmkit/archive.hpp) for Python, as _dcmkit._Archive; the Pythonic
// dcmkit.Archive (configuration by file or keywords, context manager) is in python/dcmkit/archive.py.
//
// Threads: start, wait and stop release the GIL; the on_stored handler runs on the archive's worker
// threads and takes the GIL; a Python exception it raises is reported (sys.unraisablehook) and
// ignored (the instance stays stored).
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>

#include "dcmkit/archive.hpp"

namespace py = pybind11;

namespace {

/// A dk::Archive and the Python callable its handler calls.
struct PyArchive {
    std::unique_ptr<dk::Archive> a;

    ~PyArchive() { close(); }

    dk::Archive &get() const {
        if (!a) throw dk::InvalidArgumentError(DK_EINVAL, "the archive is closed");
        return *a;
    }
    /// Stops the archive (GIL released: a running handler needs it) and frees it. Idempotent.
    void close(int32_t grace_ms = 2000) {
        if (!a) return;
        {
            py::gil_scoped_release nogil;
            try {
                a->stop(grace_ms);
            } catch (...) {  // best effort: dk_archive_free stops again
            }
        }
        a.reset();  // with the GIL: the handler holds a Python object
    }
};

}  // namespace

void register_archive(py::module_ &m);

void register_archive(py::module_ &m) {
    using namespace pybind11::literals;

    py::class_<dk::StoredInstance>(m, "StoredInstance", "An instance the archive stored and indexed.")
        .def_readonly("sop_class_uid", &dk::StoredInstance::sop_class_uid)
        .def_readonly("sop_instance_uid", &dk::StoredInstance::sop_instance_uid)
        .def_readonly("path", &dk::StoredInstance::path)
        .def_readonly("transfer_syntax", &dk::StoredInstance::transfer_syntax)
        .def_readonly("calling_ae", &dk::StoredInstance::calling_ae)
        .def("__repr__", [](const dk::StoredInstance &s) {
            return "<dcmkit.StoredInstance " + s.sop_instance_uid + " from " + s.calling_ae + ">";
        });

    py::class_<PyArchive>(m, "_Archive", "The embedded archive server (dk_archive).")
        .def(py::init([](const std::string &config_file, const std::string &ae_title, const std::string &storage,
                         const std::string &bind, uint16_t port, bool check_called_ae, uint32_t max_associations,
                         uint64_t max_dataset_size, uint64_t min_free_space, int log_level, const std::string &services,
                         const std::string &config_text) {
                 auto p = std::make_unique<PyArchive>();
                 py::gil_scoped_release nogil;  // opening reindexes files an interruption left
                 if (!config_file.empty()) {
                     p->a = std::make_unique<dk::Archive>(dk::Archive::open_config_file(config_file));
                 } else {
                     dk::ArchiveOptions o;
                     o.ae_title = ae_title;
                     o.storage = storage;
                     o.bind = bind;
                     o.port = port;
                     o.check_called_ae = check_called_ae;
                     o.max_associations = max_associations;
                     o.max_dataset_size = max_dataset_size;
                     o.min_free_space = min_free_space;
                     o.log_level = log_level;
                     o.services = services;
                     o.config_text = config_text;
                     p->a = std::make_unique<dk::Archive>(o);
                 }
                 return p;
             }),
             "config_file"_a = "", "ae_title"_a = "DCMKIT", "storage"_a = "", "bind"_a = "", "port"_a = 0,
             "check_called_ae"_a = true, "max_associations"_a = 32, "max_dataset_size"_a = 0, "min_free_space"_a = 0,
             "log_level"_a = int(DK_LOG_WARNING), "services"_a = "", "config_text"_a = "")
        .def("set_on_stored", [](PyArchive &p, py::object fn) {
            if (fn.is_none()) {
                p.get().on_stored(nullptr);
                return;
            }
            p.get().on_stored([fn](const dk::StoredInstance &s) {
                py::gil_scoped_acquire gil;
                try {
                    fn(s);
                } catch (py::error_already_set &e) {
                    e.discard_as_unraisable("dcmkit archive: on_stored handler");
                }
            });
        }, "fn"_a)
        .def("start", [](PyArchive &p, const std::string &address, uint16_t port) {
            dk::Archive &a = p.get();
            py::gil_scoped_release nogil;
            a.start(address, port);
        }, "address"_a = "", "port"_a = 0)
        .def_property_readonly("port", [](const PyArchive &p) { return p.get().port(); })
        .def_property_readonly("hl7_port", [](const PyArchive &p) { return p.get().hl7_port(); })
        .def_property_readonly("http_port", [](const PyArchive &p) { return p.get().http_port(); })
        .def_property_readonly("closed", [](const PyArchive &p) { return !p.a; })
        .def("wait", [](PyArchive &p) {
            dk::Archive &a = p.get();
            py::gil_scoped_release nogil;
            a.wait();
        })
        .def("request_stop", [](PyArchive &p) { p.get().request_stop(); })
        .def("stop", [](PyArchive &p, int32_t grace_ms) { p.close(grace_ms); }, "grace_ms"_a = 2000,
             "Stops (running associations get grace_ms to finish) and frees the archive. Idempotent.")
        .def("counters", [](const PyArchive &p) {
            const dk::ArchiveCounters c = p.get().counters();
            py::dict d;
            d["active_associations"] = c.active_associations;
            d["instances_stored"] = c.instances_stored;
            d["stores_refused"] = c.stores_refused;
            d["associations_served"] = c.associations_served;
            d["instances_recovered"] = c.instances_recovered;
            d["files_quarantined"] = c.files_quarantined;
            d["instances_held"] = c.instances_held;
            d["patient_conflicts"] = c.patient_conflicts;
            return d;
        });
}
