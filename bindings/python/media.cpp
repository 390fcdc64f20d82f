// _dcmkit export to media: dk::export_media (dcmkit/media.hpp) for Python; the keyword form
// (dcmkit.export_media(output, inputs, patients=..., key=..., iso=...)) is in python/dcmkit/__init__.py.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "dcmkit/media.hpp"

namespace py = pybind11;

void register_media(py::module_ &m);

void register_media(py::module_ &m) {
    using namespace pybind11::literals;
    m.def("export_media", [](const std::string &output, const std::vector<std::string> &inputs, const std::string &archive,
                             const std::vector<std::string> &patients, const std::vector<std::string> &studies,
                             const std::optional<py::bytes> &key, const std::string &retain, const std::string &clean,
                             const std::string &burned_in, bool refusal_is_fatal, const std::string &fileset_id,
                             const std::string &iso, const std::string &volume_label, bool fsync, py::object progress) {
        dk::MediaExportOptions o;
        o.output = output;
        o.inputs = inputs;
        o.archive_storage = archive;
        o.patient_ids = patients;
        o.study_uids = studies;
        if (key) {
            dk::DeidOptions d;
            const std::string k = *key;
            d.key.assign(k.begin(), k.end());
            dk::parse_deid_options(d, retain, clean, burned_in);
            o.deidentify = d;
        }
        o.refusal_is_fatal = refusal_is_fatal;
        o.fileset_id = fileset_id;
        o.iso_path = iso;
        o.volume_label = volume_label;
        o.fsync = fsync;
        std::optional<py::error_already_set> raised;
        if (!progress.is_none()) {
            o.progress = [&](size_t done, size_t total, const std::string &path) {
                py::gil_scoped_acquire gil;
                try {
                    py::object r = progress(done, total, path);
                    return r.is_none() || r.cast<bool>();
                } catch (py::error_already_set &e) {
                    raised = std::move(e);
                    return false;
                }
            };
        }
        dk::MediaExportResult r;
        try {
            py::gil_scoped_release nogil;
            r = dk::export_media(o);
        } catch (...) {
            if (raised) throw *raised;  // the progress callback's own exception
            throw;
        }
        py::dict d;
        d["exported"] = r.exported;
        d["patients"] = r.patients;
        d["studies"] = r.studies;
        d["series"] = r.series;
        d["skipped"] = r.skipped;
        d["refused"] = r.refused;
        return d;
    }, "output"_a, "inputs"_a, "archive"_a, "patients"_a, "studies"_a, "key"_a, "retain"_a, "clean"_a, "burned_in"_a,
       "refusal_is_fatal"_a, "fileset_id"_a, "iso"_a, "volume_label"_a, "fsync"_a, "progress"_a,
       "Exports to a media folder with its DICOMDIR (dk_export_media); returns the counts as a dict.");
}
