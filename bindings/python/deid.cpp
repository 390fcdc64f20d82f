// _dcmkit de-identification: dk::deidentify, dk::deidentify_files and dk::deid_uid (dcmkit/deid.hpp) for Python; the
// keyword form (dcmkit.deidentify(ds, key, retain=..., clean=..., burned_in=...)) is in
// python/dcmkit/__init__.py.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/deid.hpp"
#include "pydataset.hpp"

namespace py = pybind11;

void register_deid(py::module_ &m);

void register_deid(py::module_ &m) {
    using namespace pybind11::literals;
    m.def("deidentify", [](dkpy::PyDataset &s, const py::bytes &key, const std::string &retain, const std::string &clean,
                           const std::string &burned_in) {
        dk::DeidOptions o;
        const std::string k = key;
        o.key.assign(k.begin(), k.end());
        dk::parse_deid_options(o, retain, clean, burned_in);  // the wrapper's one parser of the lists
        dk::DeidReport r;
        {
            py::gil_scoped_release nogil;
            std::lock_guard<std::mutex> l(*s.mu);
            r = dk::deidentify(s.ds, o);
        }
        py::dict d;
        d["removed"] = r.removed;
        d["emptied"] = r.emptied;
        d["replaced"] = r.replaced;
        d["kept"] = r.kept;
        d["cleaned"] = r.cleaned;
        d["uids_remapped"] = r.uids_remapped;
        d["burned_in_flagged"] = r.burned_in_flagged;
        d["date_offset_days"] = r.date_offset_days;
        d["patient_pseudonym"] = r.patient_pseudonym;
        return d;
    }, "ds"_a, "key"_a, "retain"_a = "", "clean"_a = "", "burned_in"_a = "refuse",
       "De-identifies ds in place (PS3.15 Annex E): retain and clean are comma-separated option lists; "
       "returns what was done as a dict.");
    m.def("deidentify_files", [](const std::vector<std::string> &inputs, const std::string &output, const py::bytes &key,
                                 const std::string &retain, const std::string &clean, const std::string &burned_in,
                                 unsigned jobs, bool fsync, bool copy_range, py::object progress) {
        dk::DeidOptions o;
        const std::string k = key;
        o.key.assign(k.begin(), k.end());
        dk::parse_deid_options(o, retain, clean, burned_in);
        dk::DeidFilesOptions f;
        f.output = output;
        f.jobs = jobs;
        f.fsync = fsync;
        f.copy_file_range = copy_range;
        std::optional<py::error_already_set> raised;  // the callback's first exception, raised at the end
        if (!progress.is_none()) {
            f.progress = [&](size_t done, size_t total, const std::string &input, int32_t status) {
                py::gil_scoped_acquire gil;
                if (raised) return;
                try {
                    progress(done, total, input, status);
                } catch (py::error_already_set &e) {
                    raised = std::move(e);
                }
            };
        }
        std::vector<dk::DeidFileResult> results;
        {
            py::gil_scoped_release nogil;
            results = dk::deidentify_files(inputs, o, f);
        }
        if (raised) throw *raised;
        py::list out;
        for (const auto &r : results) {
            py::dict d;
            d["input"] = r.input;
            d["output"] = r.output;
            d["status"] = r.status;
            d["message"] = r.message;
            d["burned_in_flagged"] = r.burned_in_flagged;
            d["burned_in_reason"] = r.burned_in_reason;
            out.append(d);
        }
        return out;
    }, "inputs"_a, "output"_a, "key"_a, "retain"_a = "", "clean"_a = "", "burned_in"_a = "refuse", "jobs"_a = 0u,
       "fsync"_a = true, "copy_range"_a = false, "progress"_a = py::none(),
       "De-identifies files into the folder `output` on several threads (dk_deidentify_files); a dict per "
       "input, in input order (status: 0 written, 1 skipped, 2 refused, 3 failed).");
    m.def("deid_uid", [](const py::bytes &key, const std::string &uid) {
        const std::string k = key;
        return dk::deid_uid(std::vector<uint8_t>(k.begin(), k.end()), uid);
    }, "key"_a, "uid"_a, "The UID `uid` becomes under `key` (as deidentify maps it).");
}
