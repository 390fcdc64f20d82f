// _dcmkit dicomdir: dk::DicomDir (dcmkit/dicomdir.hpp) for Python, as _dcmkit._DicomDir; the
// Pythonic dcmkit.DicomDir (records as objects, walking the tree) is in python/dcmkit/dicomdir.py.
// Reading and writing release the GIL.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "dcmkit/dicomdir.hpp"
#include "pydataset.hpp"

namespace py = pybind11;

void register_dicomdir(py::module_ &m);

void register_dicomdir(py::module_ &m) {
    using namespace pybind11::literals;
    using Record = dk::DicomDir::Record;

    auto to_options = [](const std::string &fileset_id, const std::string &output, bool map) {
        dk::DicomDirOptions o;
        o.fileset_id = fileset_id;
        o.output = output;
        o.map_nonconforming = map;
        return o;
    };

    py::class_<dk::DicomDir>(m, "_DicomDir", "A DICOMDIR's record tree (dk_dicomdir).")
        .def(py::init([](const std::string &path) {
                 py::gil_scoped_release nogil;
                 return std::make_unique<dk::DicomDir>(path);
             }),
             "path"_a)
        .def_static("from_memory", [](py::buffer data) {
            py::buffer_info info = data.request();
            return std::make_unique<dk::DicomDir>(
                dk::DicomDir::from_memory(info.ptr, size_t(info.size * info.itemsize)));
        }, "data"_a)
        .def_property_readonly("fileset_id", &dk::DicomDir::fileset_id)
        .def("__len__", &dk::DicomDir::size)
        .def("children", [](const dk::DicomDir &d, py::object r) {
            return d.children(r.is_none() ? dk::DicomDir::root : r.cast<Record>());
        }, "record"_a = py::none(), "The records below `record` (the top-level ones for None).")
        .def("parent", [](const dk::DicomDir &d, Record r) -> py::object {
            const Record p = d.parent(r);
            return p == dk::DicomDir::root ? py::object(py::none()) : py::object(py::int_(p));
        }, "record"_a)
        .def("type", &dk::DicomDir::type, "record"_a)
        .def("in_use", &dk::DicomDir::in_use, "record"_a)
        .def("dataset", [](const dk::DicomDir &d, Record r) { return dkpy::PyDataset(d.dataset(r)); }, "record"_a)
        .def("file_path", &dk::DicomDir::file_path, "record"_a)
        .def_static("create", [to_options](const std::string &root, const std::string &fileset_id,
                                           const std::string &output, bool map) {
            py::gil_scoped_release nogil;
            const dk::DicomDirWriteResult r = dk::DicomDir::create(root, to_options(fileset_id, output, map));
            return std::make_pair(r.added, r.already_present);
        }, "root"_a, "fileset_id"_a = "", "output"_a = "", "map_nonconforming"_a = true)
        .def_static("add", [to_options](const std::string &dicomdir, const std::vector<std::string> &files,
                                        const std::string &fileset_id, const std::string &output, bool map) {
            py::gil_scoped_release nogil;
            const dk::DicomDirWriteResult r = dk::DicomDir::add(dicomdir, files, to_options(fileset_id, output, map));
            return std::make_pair(r.added, r.already_present);
        }, "dicomdir"_a, "files"_a, "fileset_id"_a = "", "output"_a = "", "map_nonconforming"_a = true);
}
