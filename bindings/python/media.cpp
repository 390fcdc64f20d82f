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

namespace {

dk::MediaExportOptions media_options(const std::string &output, const std::vector<std::string> &inputs,
                                     const std::string &archive, const std::vector<std::string> &patients,
                                     const std::vector<std::string> &studies, const std::optional<py::bytes> &key,
                                     const std::string &retain, const std::string &clean, const std::string &burned_in,
                                     bool refusal_is_fatal, const std::string &fileset_id, const std::string &iso,
                                     const std::string &volume_label, bool fsync) {
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
    return o;
}

/// Runs `call(o)` without the GIL, with `progress` (a Python callable or None) as o.progress; an
/// exception the callback raised is raised again in place of the cancellation it caused.
template <typename F>
auto with_progress(dk::MediaExportOptions &o, py::object progress, F &&call) {
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
    try {
        py::gil_scoped_release nogil;
        return call(o);
    } catch (...) {
        if (raised) throw *raised;  // the progress callback's own exception
        throw;
    }
}

py::dict counts_dict(const dk::MediaExportResult &r) {
    py::dict d;
    d["exported"] = r.exported;
    d["patients"] = r.patients;
    d["studies"] = r.studies;
    d["series"] = r.series;
    d["skipped"] = r.skipped;
    d["refused"] = r.refused;
    return d;
}

py::list pairs(const std::vector<dk::MediaExportEntry> &entries) {
    py::list l;
    for (const auto &e : entries) l.append(py::make_tuple(e.path, e.detail));
    return l;
}

}  // namespace

void register_media(py::module_ &m) {
    using namespace pybind11::literals;
    m.def("export_media", [](const std::string &output, const std::vector<std::string> &inputs, const std::string &archive,
                             const std::vector<std::string> &patients, const std::vector<std::string> &studies,
                             const std::optional<py::bytes> &key, const std::string &retain, const std::string &clean,
                             const std::string &burned_in, bool refusal_is_fatal, const std::string &fileset_id,
                             const std::string &iso, const std::string &volume_label, bool fsync, py::object progress) {
        dk::MediaExportOptions o = media_options(output, inputs, archive, patients, studies, key, retain, clean, burned_in,
                                                 refusal_is_fatal, fileset_id, iso, volume_label, fsync);
        return counts_dict(with_progress(o, progress, [](const dk::MediaExportOptions &opt) { return dk::export_media(opt); }));
    }, "output"_a, "inputs"_a, "archive"_a, "patients"_a, "studies"_a, "key"_a, "retain"_a, "clean"_a, "burned_in"_a,
       "refusal_is_fatal"_a, "fileset_id"_a, "iso"_a, "volume_label"_a, "fsync"_a, "progress"_a,
       "Exports to a media folder with its DICOMDIR (dk_export_media); returns the counts as a dict.");
    m.def("export_media_report", [](const std::string &output, const std::vector<std::string> &inputs,
                                    const std::string &archive, const std::vector<std::string> &patients,
                                    const std::vector<std::string> &studies, const std::optional<py::bytes> &key,
                                    const std::string &retain, const std::string &clean, const std::string &burned_in,
                                    bool refusal_is_fatal, const std::string &fileset_id, const std::string &iso,
                                    const std::string &volume_label, bool fsync, py::object progress) {
        dk::MediaExportOptions o = media_options(output, inputs, archive, patients, studies, key, retain, clean, burned_in,
                                                 refusal_is_fatal, fileset_id, iso, volume_label, fsync);
        const dk::MediaExportReport r =
            with_progress(o, progress, [](const dk::MediaExportOptions &opt) { return dk::export_media_report(opt); });
        py::dict d;
        d["counts"] = counts_dict(r.counts);
        d["files"] = pairs(r.files);
        d["skipped"] = pairs(r.skipped);
        d["refused"] = pairs(r.refused);
        d["warnings"] = py::cast(r.warnings);
        d["dicomdir"] = r.dicomdir;
        d["iso"] = r.iso;
        return d;
    }, "output"_a, "inputs"_a, "archive"_a, "patients"_a, "studies"_a, "key"_a, "retain"_a, "clean"_a, "burned_in"_a,
       "refusal_is_fatal"_a, "fileset_id"_a, "iso"_a, "volume_label"_a, "fsync"_a, "progress"_a,
       "Exports as export_media and says what happened to each file (dk_export_media_report): a dict of counts, "
       "files, skipped, refused (lists of (path, detail)), warnings, dicomdir and iso.");
}
