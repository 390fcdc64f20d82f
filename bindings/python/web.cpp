// _dcmkit web: dk::WebClient (dcmkit/web.hpp) for Python, as _dcmkit._WebClient; the Pythonic
// dcmkit.WebClient (keyword settings, match keys as keywords) is in python/dcmkit/web.py.
//
// Every request releases the GIL; retrieve's on_file callback takes it back for each file.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "dcmkit/web.hpp"
#include "pydataset.hpp"

namespace py = pybind11;

void register_web(py::module_ &m);

void register_web(py::module_ &m) {
    using namespace pybind11::literals;
    using nogil = py::call_guard<py::gil_scoped_release>;

    py::class_<dk::WebStored>(m, "WebStored", "An instance of a STOW-RS answer.")
        .def_readonly("sop_class_uid", &dk::WebStored::sop_class_uid)
        .def_readonly("sop_instance_uid", &dk::WebStored::sop_instance_uid)
        .def_readonly("retrieve_url", &dk::WebStored::retrieve_url)
        .def_readonly("failure_reason", &dk::WebStored::failure_reason)
        .def_readonly("warning_reason", &dk::WebStored::warning_reason)
        .def("__repr__", [](const dk::WebStored &s) { return "<dcmkit.WebStored " + s.sop_instance_uid + ">"; });
    py::class_<dk::WebStoreResult>(m, "WebStoreResult", "A STOW-RS answer: the HTTP status, stored and failed instances.")
        .def_readonly("http_status", &dk::WebStoreResult::http_status)
        .def_readonly("stored", &dk::WebStoreResult::stored)
        .def_readonly("failed", &dk::WebStoreResult::failed)
        .def("__repr__", [](const dk::WebStoreResult &r) {
            return "<dcmkit.WebStoreResult HTTP " + std::to_string(r.http_status) + ": " + std::to_string(r.stored.size()) +
                   " stored, " + std::to_string(r.failed.size()) + " failed>";
        });
    py::class_<dk::WebFile>(m, "WebFile", "A file a WADO-RS retrieve wrote.")
        .def_readonly("path", &dk::WebFile::path)
        .def_readonly("sop_instance_uid", &dk::WebFile::sop_instance_uid)
        .def_readonly("transfer_syntax", &dk::WebFile::transfer_syntax)
        .def_readonly("size", &dk::WebFile::size)
        .def("__fspath__", [](const dk::WebFile &f) { return f.path; })
        .def("__repr__", [](const dk::WebFile &f) { return "<dcmkit.WebFile " + f.path + ">"; });

    py::class_<dk::WebPart>(m, "WebPart", "A file written from a part of an answer: a frame, a rendered image.")
        .def_readonly("path", &dk::WebPart::path)
        .def_readonly("media_type", &dk::WebPart::media_type)
        .def_readonly("number", &dk::WebPart::number)
        .def_readonly("size", &dk::WebPart::size)
        .def("__fspath__", [](const dk::WebPart &f) { return f.path; })
        .def("__repr__", [](const dk::WebPart &f) { return "<dcmkit.WebPart " + f.path + " " + f.media_type + ">"; });

    py::class_<dk::WebClient>(m, "_WebClient", "A DICOMweb client (dk_web_client).")
        .def(py::init([](const std::string &base_url, int32_t connect_timeout_ms, int32_t timeout_ms, int32_t stall_timeout_s,
                         bool verify_peer, bool verify_host, const std::string &ca_file, const std::string &ca_path,
                         const std::string &client_cert, const std::string &client_key, const std::string &key_password,
                         const std::string &bearer_token, const std::string &username, const std::string &password) {
                 dk::WebClientOptions o;
                 o.base_url = base_url;
                 o.connect_timeout_ms = connect_timeout_ms;
                 o.timeout_ms = timeout_ms;
                 o.stall_timeout_s = stall_timeout_s;
                 o.verify_peer = verify_peer;
                 o.verify_host = verify_host;
                 o.ca_file = ca_file;
                 o.ca_path = ca_path;
                 o.client_cert = client_cert;
                 o.client_key = client_key;
                 o.key_password = key_password;
                 o.bearer_token = bearer_token;
                 o.username = username;
                 o.password = password;
                 return std::make_unique<dk::WebClient>(o);
             }),
             "base_url"_a, "connect_timeout_ms"_a = 10000, "timeout_ms"_a = 0, "stall_timeout_s"_a = 60, "verify_peer"_a = true,
             "verify_host"_a = true, "ca_file"_a = "", "ca_path"_a = "", "client_cert"_a = "", "client_key"_a = "",
             "key_password"_a = "", "bearer_token"_a = "", "username"_a = "", "password"_a = "")
        .def("store", &dk::WebClient::store, "paths"_a, "study_uid"_a = "", nogil())
        .def("store_json", &dk::WebClient::store_json, "paths"_a, "study_uid"_a = "", "bulk_data_threshold"_a = 1024, nogil())
        .def("metadata_file", &dk::WebClient::metadata_file, "study_uid"_a, "series_uid"_a, "instance_uid"_a, "path"_a, nogil())
        .def("frames_dir", &dk::WebClient::frames_dir, "study_uid"_a, "series_uid"_a, "instance_uid"_a, "numbers"_a, "out_dir"_a,
             "accept"_a = "", nogil())
        .def("rendered_dir", &dk::WebClient::rendered_dir, "study_uid"_a, "series_uid"_a, "instance_uid"_a, "out_dir"_a,
             "media_type"_a = "image/jpeg", "frame"_a = 0, "params"_a = "", nogil())
        .def("bulkdata_file", &dk::WebClient::bulkdata_file, "uri"_a, "path"_a, "first"_a = 0, "length"_a = 0, nogil())
        .def("search", [](dk::WebClient &c, int level, const std::string &study_uid, const std::string &series_uid,
                          const std::vector<std::string> &match, const std::vector<std::string> &include_fields, int32_t limit,
                          int32_t offset, bool fuzzy) {
                 dk::WebQuery q;
                 q.level = dk_web_level(level);
                 q.study_uid = study_uid;
                 q.series_uid = series_uid;
                 q.match = match;
                 q.include_fields = include_fields;
                 q.limit = limit;
                 q.offset = offset;
                 q.fuzzy = fuzzy;
                 std::vector<dk::Dataset> found;
                 {
                     py::gil_scoped_release nogil_;
                     found = c.search(q);
                 }
                 py::list out;
                 for (dk::Dataset &d : found) out.append(dkpy::PyDataset(std::move(d)));
                 return out;
             },
             "level"_a = 0, "study_uid"_a = "", "series_uid"_a = "", "match"_a = std::vector<std::string>{},
             "include_fields"_a = std::vector<std::string>{}, "limit"_a = -1, "offset"_a = 0, "fuzzy"_a = false)
        .def("retrieve", [](dk::WebClient &c, const std::string &study, const std::string &series, const std::string &instance,
                            const std::string &out_dir, const std::string &ts, py::object on_file) {
                 std::function<void(const dk::WebFile &)> fn;
                 if (!on_file.is_none())
                     fn = [on_file](const dk::WebFile &f) {
                         py::gil_scoped_acquire gil;
                         on_file(f);
                     };
                 py::gil_scoped_release nogil_;
                 return c.retrieve(study, series, instance, out_dir, ts, fn);
             },
             "study_uid"_a, "series_uid"_a = "", "instance_uid"_a = "", "out_dir"_a, "transfer_syntax"_a = "",
             "on_file"_a = py::none())
        .def("metadata", [](dk::WebClient &c, const std::string &study, const std::string &series, const std::string &instance) {
                 std::vector<dk::Dataset> md;
                 {
                     py::gil_scoped_release nogil_;
                     md = c.metadata(study, series, instance);
                 }
                 py::list out;
                 for (dk::Dataset &d : md) out.append(dkpy::PyDataset(std::move(d)));
                 return out;
             },
             "study_uid"_a, "series_uid"_a = "", "instance_uid"_a = "")
        .def("frames", [](dk::WebClient &c, const std::string &study, const std::string &series, const std::string &instance,
                          const std::vector<uint32_t> &numbers, const std::string &ts) {
                 std::vector<std::vector<uint8_t>> frames;
                 {
                     py::gil_scoped_release nogil_;
                     frames = c.frames(study, series, instance, numbers, ts);
                 }
                 py::list out;
                 for (const auto &f : frames) out.append(py::bytes(reinterpret_cast<const char *>(f.data()), f.size()));
                 return out;
             },
             "study_uid"_a, "series_uid"_a, "instance_uid"_a, "numbers"_a, "transfer_syntax"_a = "")
        .def("rendered_file", &dk::WebClient::rendered_file, "study_uid"_a, "series_uid"_a, "instance_uid"_a, "path"_a,
             "media_type"_a = "image/jpeg", "frame"_a = 0, "params"_a = "", nogil());
}
