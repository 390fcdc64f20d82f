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
    m.attr("DEID_RETAIN_SAFE_PRIVATE") = DK_DEID_RETAIN_SAFE_PRIVATE;
    m.attr("DEID_RETAIN_UIDS") = DK_DEID_RETAIN_UIDS;
    m.attr("DEID_RETAIN_DEVICE") = DK_DEID_RETAIN_DEVICE;
    m.attr("DEID_RETAIN_INSTITUTION") = DK_DEID_RETAIN_INSTITUTION;
    m.attr("DEID_RETAIN_PATIENT_CHARS") = DK_DEID_RETAIN_PATIENT_CHARS;
    m.attr("DEID_RETAIN_FULL_DATES") = DK_DEID_RETAIN_FULL_DATES;
    m.attr("DEID_RETAIN_MODIFIED_DATES") = DK_DEID_RETAIN_MODIFIED_DATES;
    m.attr("DEID_CLEAN_DESCRIPTORS") = DK_DEID_CLEAN_DESCRIPTORS;
    m.attr("DEID_CLEAN_STRUCTURED_CONTENT") = DK_DEID_CLEAN_STRUCTURED_CONTENT;
    m.attr("DEID_CLEAN_GRAPHICS") = DK_DEID_CLEAN_GRAPHICS;
    m.def("deidentify", [](dkpy::PyDataset &s, const py::bytes &key, uint32_t retain, uint32_t clean, int32_t burned_in) {
        const std::string k = key;
        dk_deid_options o = DK_DEID_OPTIONS_INIT;
        o.key = reinterpret_cast<const uint8_t *>(k.data());
        o.key_size = k.size();
        o.retain = retain;
        o.clean = clean;
        o.burned_in = burned_in;
        dk_deid_report r{};
        r.version = DK_DEID_REPORT_VERSION;
        {
            py::gil_scoped_release nogil;
            std::lock_guard<std::mutex> l(*s.mu);
            dk::check(dk_dataset_deidentify(&r, s.ds.handle(), &o));
        }
        py::dict d;
        d["removed"] = r.removed;
        d["emptied"] = r.emptied;
        d["replaced"] = r.replaced;
        d["kept"] = r.kept;
        d["cleaned"] = r.cleaned;
        d["uids_remapped"] = r.uids_remapped;
        d["burned_in_flagged"] = r.burned_in_flagged != 0;
        d["date_offset_days"] = r.date_offset_days;
        d["patient_pseudonym"] = std::string(r.patient_pseudonym);
        return d;
    }, "ds"_a, "key"_a, "retain"_a = 0, "clean"_a = 0, "burned_in"_a = 0,
       "De-identifies ds in place (PS3.15 Annex E); returns what was done as a dict.");
    m.def("deid_uid", [](const py::bytes &key, const std::string &uid) {
        const std::string k = key;
        return dk::deid_uid(std::vector<uint8_t>(k.begin(), k.end()), uid);
    }, "key"_a, "uid"_a, "The UID `uid` becomes under `key` (as deidentify maps it).");
}
