// _dcmkit de-identification: dk::deidentify and dk::deid_uid (dcmkit/deid.hpp) for Python; the
// keyword form (dcmkit.deidentify(ds, key, retain=..., clean=..., burned_in=...)) is in
// python/dcmkit/__init__.py.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mutex>
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
    m.def("deid_uid", [](const py::bytes &key, const std::string &uid) {
        const std::string k = key;
        return dk::deid_uid(std::vector<uint8_t>(k.begin(), k.end()), uid);
    }, "key"_a, "uid"_a, "The UID `uid` becomes under `key` (as deidentify maps it).");
}
