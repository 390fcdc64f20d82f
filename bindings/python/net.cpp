// _dcmkit networking: dk::AE, dk::Association and dk::Server (dcmkit.hpp) for Python. The Pythonic
// surface (dcmkit.connect, dcmkit.AE.associate/start_server, events) is in the package python/dcmkit/net/.
//
// Threads: every blocking call (connect, echo, store, find, move, get, n_*, commit, release, start, stop,
// a commitment listener's wait) releases the GIL (C-FIND matches are copied into C++ handles meanwhile,
// wrapped once it is over). The
// server's handlers run on its worker threads: they take the GIL, and a Python exception they raise
// is reported (sys.unraisablehook) and fails the request (the association is rejected, the status
// becomes 0x0110 for C-ECHO and 0xA700 for C-STORE); it never leaves the thread.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "dcmkit/dcmkit.hpp"
#include "pydataset.hpp"

namespace py = pybind11;

namespace {

/// A C-FIND read one match at a time, its calls serialized (next() runs without the GIL). Its
/// destructor (the last reference dropped) cancels a query that is not over: it may block on the
/// network, so the GIL is released for it.
struct PyFindQuery {
    dk::FindQuery q;
    std::mutex mu;
    ~PyFindQuery() {
        if (q.handle() && Py_IsInitialized() && PyGILState_Check()) {
            py::gil_scoped_release unlocked;
            q.close();
        }
    }
};

/// A handler's answer as a DIMSE status: None is Success, an int must fit 16 bits.
uint16_t status_of(const py::object &r) {
    if (r.is_none()) return 0x0000;
    const long v = r.cast<long>();  // a non-int raises (cast_error), which fails the request
    if (v < 0 || v > 0xFFFF) throw py::value_error("a DIMSE status is 0 to 0xFFFF, not " + std::to_string(v));
    return uint16_t(v);
}

/// Calls a Python handler from a server worker thread (without the GIL on entry). A Python error is
/// reported as unraisable, then turned into a C++ exception that dk::Server answers as a failure.
template <class Result, class Arg, class Convert>
Result call_handler(const py::object &fn, const char *what, const Arg &arg, Convert convert) {
    py::gil_scoped_acquire gil;
    try {
        py::object r = fn(arg);
        return convert(r);
    } catch (py::error_already_set &e) {
        e.discard_as_unraisable(what);
    } catch (const std::exception &e) {  // a cast error, say
        PyErr_SetString(PyExc_RuntimeError, e.what());
        py::error_already_set err;
        err.discard_as_unraisable(what);
    }
    throw std::runtime_error(what);
}

/// A dk::Server and the Python callables its handlers call.
struct PyServer {
    std::unique_ptr<dk::Server> srv;

    ~PyServer() { close(); }

    /// Stops the server (GIL released: running handlers need it) and frees it. Idempotent.
    void close(int32_t grace_ms = 2000) {
        if (!srv) return;
        {
            py::gil_scoped_release nogil;
            try {
                srv->stop(grace_ms);
            } catch (...) {  // best effort: dk_server_free stops again
            }
        }
        srv.reset();  // with the GIL: the handlers hold Python objects
    }
};

/// A dk::CommitListener, stopped without the GIL (its AE's log lines may need it meanwhile).
struct PyCommitListener {
    std::unique_ptr<dk::CommitListener> l;

    ~PyCommitListener() { close(); }

    dk::CommitListener &get() const {
        if (!l) throw dk::InvalidArgumentError(DK_EINVAL, "the listener is closed");
        return *l;
    }
    void close() {
        if (!l) return;
        py::gil_scoped_release nogil;
        l.reset();
    }
};

/// The Python function log lines go to (dcmkit.net._common._log): set once, never freed (log lines may
/// come from server threads until the process ends).
py::object *g_log_sink = nullptr;

/// dk_log_fn for every AE made from Python: takes the GIL and hands the line to Python's logging.
void log_to_python(dk_log_level level, const char *message, void *) {
    if (!g_log_sink || !Py_IsInitialized() || _Py_IsFinalizing()) return;
    py::gil_scoped_acquire gil;
    try {
        (*g_log_sink)(int(level), message);
    } catch (py::error_already_set &e) {
        e.discard_as_unraisable("dcmkit log handler");
    }
}

/// A server's defences against slow, idle and hostile peers (dk_ae_options version 2).
struct ServerLimits {
    int32_t request_ms;
    uint32_t per_address, pending, pending_per_address;
};

dk::AeOptions ae_options(uint32_t max_pdu, int32_t connect_ms, int32_t artim_ms, int32_t dimse_ms, int32_t idle_ms,
                         uint16_t ops_invoked, uint16_t ops_performed, uint32_t max_assoc, bool check_called,
                         int log_level, const ServerLimits &limits) {
    dk::AeOptions o;
    o.request_timeout_ms = limits.request_ms;
    o.max_associations_per_address = limits.per_address;
    o.max_pending = limits.pending;
    o.max_pending_per_address = limits.pending_per_address;
    o.max_pdu = max_pdu;
    o.connect_timeout_ms = connect_ms;
    o.artim_timeout_ms = artim_ms;
    o.dimse_timeout_ms = dimse_ms;
    o.idle_timeout_ms = idle_ms;
    o.max_ops_invoked = ops_invoked;
    o.max_ops_performed = ops_performed;
    o.max_associations = max_assoc;
    o.check_called_ae = check_called;
    o.log_level = log_level;
    return o;
}

/// Runs a Python C-FIND handler (from the association's thread, without the GIL on entry):
/// fn(info, identifier) returns an iterable of (status, dataset handle or None); pending statuses
/// (0xFF00, 0xFF01) send the dataset, another status ends the query with it. Each match is sent
/// without the GIL. A Python error is reported as unraisable and answered 0xC000.
uint16_t answer_find(const py::object &fn, const dk::FindInfo &info, const dk::Dataset &identifier,
                     const dk::Server::FindEmit &emit) {
    const char *what = "dcmkit server: on_find handler";
    py::gil_scoped_acquire gil;
    try {
        dk_dataset *copy = nullptr;
        dk::check(dk_dataset_clone(&copy, identifier.handle()));
        py::object results = fn(info, dkpy::PyDataset(dk::Dataset(copy)));
        for (py::handle item : results) {
            const auto t = py::reinterpret_borrow<py::tuple>(item);
            const uint16_t st = status_of(t[0]);
            if (st != 0xFF00 && st != 0xFF01) return st;
            const dkpy::PyDataset &match = t[1].cast<const dkpy::PyDataset &>();
            py::object keep = t[1];  // holds the dataset while the GIL is released
            bool go_on;
            {
                py::gil_scoped_release nogil;
                std::lock_guard<std::mutex> l(*match.mu);
                go_on = emit(match.ds);
            }
            if (!go_on) break;  // cancelled: the SCP answers FE00
        }
        return 0x0000;
    } catch (py::error_already_set &e) {
        e.discard_as_unraisable(what);
    } catch (const std::exception &e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        py::error_already_set err;
        err.discard_as_unraisable(what);
    }
    throw std::runtime_error(what);
}

/// Runs a Python C-MOVE/C-GET handler: fn(info, identifier) returns (status, [paths], host, port).
dk::RetrievePlan answer_retrieve(const py::object &fn, const char *what, const dk::RetrieveInfo &info,
                                 const dk::Dataset &identifier) {
    py::gil_scoped_acquire gil;
    try {
        dk_dataset *copy = nullptr;
        dk::check(dk_dataset_clone(&copy, identifier.handle()));
        const py::tuple t = fn(info, dkpy::PyDataset(dk::Dataset(copy)));
        dk::RetrievePlan plan;
        plan.status = status_of(t[0]);
        for (py::handle f : t[1]) plan.files.push_back(py::str(f).cast<std::string>());
        if (!t[2].is_none()) plan.host = t[2].cast<std::string>();
        plan.port = t[3].cast<uint16_t>();
        return plan;
    } catch (py::error_already_set &e) {
        e.discard_as_unraisable(what);
    } catch (const std::exception &e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        py::error_already_set err;
        err.discard_as_unraisable(what);
    }
    throw std::runtime_error(what);
}

/// Runs a Python DIMSE-N handler: fn(info, dataset or None) returns (status, dataset handle or None,
/// instance UID or None).
dk::NReply answer_n(const py::object &fn, const dk::NInfo &info, const dk::Dataset *dataset) {
    const char *what = "dcmkit server: on_n_request handler";
    py::gil_scoped_acquire gil;
    try {
        py::object ds = py::none();
        if (dataset) {
            dk_dataset *copy = nullptr;
            dk::check(dk_dataset_clone(&copy, dataset->handle()));
            ds = py::cast(dkpy::PyDataset(dk::Dataset(copy)));
        }
        const py::tuple t = fn(info, ds);
        dk::NReply r;
        r.status = status_of(t[0]);
        if (!t[1].is_none()) {
            const dkpy::PyDataset &reply = t[1].cast<const dkpy::PyDataset &>();
            std::lock_guard<std::mutex> l(*reply.mu);
            r.dataset = reply.ds.clone();
        }
        if (!t[2].is_none()) r.sop_instance_uid = t[2].cast<std::string>();
        return r;
    } catch (py::error_already_set &e) {
        e.discard_as_unraisable(what);
    } catch (const std::exception &e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        py::error_already_set err;
        err.discard_as_unraisable(what);
    }
    throw std::runtime_error(what);
}

/// (status, completed, failed, warning, remaining or None, cancelled, stored)
py::tuple retrieve_tuple(const dk::RetrieveResult &r) {
    return py::make_tuple(r.status, r.completed, r.failed, r.warning,
                          r.remaining < 0 ? py::object(py::none()) : py::object(py::int_(r.remaining)), r.cancelled,
                          r.stored);
}

/// (status, sop_instance_uid, error_comment, dataset or None, action_type)
py::tuple n_tuple(dk::NResult &&r) {
    py::object ds = py::none();
    if (r.dataset) ds = py::cast(dkpy::PyDataset(std::move(*r.dataset)));
    return py::make_tuple(r.status, r.sop_instance_uid, r.error_comment, ds, r.action_type);
}

}  // namespace

void register_net(py::module_ &m) {
    using namespace pybind11::literals;
    using nogil = py::call_guard<py::gil_scoped_release>;

    m.attr("ROLE_SCU") = DK_ROLE_SCU;
    m.attr("ROLE_SCP") = DK_ROLE_SCP;

    const dk::AeOptions d;
    py::class_<dk::AE>(m, "AE", "An Application Entity's configuration (dk_ae): title, SOP classes, options.")
        .def(py::init([](const std::string &title, uint32_t max_pdu, int32_t connect_ms, int32_t artim_ms,
                         int32_t dimse_ms, int32_t idle_ms, uint16_t ops_invoked, uint16_t ops_performed,
                         uint32_t max_assoc, bool check_called, int log_level, int32_t request_ms,
                         uint32_t per_address, uint32_t pending, uint32_t pending_per_address) {
                 return dk::AE(title, ae_options(max_pdu, connect_ms, artim_ms, dimse_ms, idle_ms, ops_invoked,
                                                 ops_performed, max_assoc, check_called, log_level,
                                                 {request_ms, per_address, pending, pending_per_address}));
             }),
             "title"_a, "max_pdu"_a = d.max_pdu, "connect_timeout_ms"_a = d.connect_timeout_ms,
             "artim_timeout_ms"_a = d.artim_timeout_ms, "dimse_timeout_ms"_a = d.dimse_timeout_ms,
             "idle_timeout_ms"_a = d.idle_timeout_ms, "max_ops_invoked"_a = d.max_ops_invoked,
             "max_ops_performed"_a = d.max_ops_performed, "max_associations"_a = d.max_associations,
             "check_called_ae"_a = d.check_called_ae, "log_level"_a = d.log_level,
             "request_timeout_ms"_a = d.request_timeout_ms, "max_associations_per_address"_a = d.max_associations_per_address,
             "max_pending"_a = d.max_pending, "max_pending_per_address"_a = d.max_pending_per_address)
        .def("add_sop_class", [](dk::AE &ae, const std::string &uid, const std::vector<std::string> &ts,
                                 uint32_t roles) { ae.add_sop_class(uid, ts, roles); },
             "sop_class_uid"_a, "transfer_syntaxes"_a = std::vector<std::string>{},
             "roles"_a = DK_ROLE_SCU | DK_ROLE_SCP)
        .def("log_to_python", [](dk::AE &ae) { ae.set_log(log_to_python); },
             "Sends this AE's log lines to the function given to set_log_sink().")
        .def("add_verification", [](dk::AE &ae) { ae.add_verification(); })
        .def("set_tls", [](dk::AE &ae, const std::string &certificate, const std::string &private_key,
                           const std::string &private_key_password, const std::string &ca_file,
                           const std::string &ca_folder, const std::string &crl_file, uint32_t profile, uint32_t peer,
                           bool check_host_name) {
            dk::TlsSettings s;
            s.certificate_file = certificate;
            s.private_key_file = private_key;
            s.private_key_password = private_key_password;
            s.ca_file = ca_file;
            s.ca_folder = ca_folder;
            s.crl_file = crl_file;
            s.profile = static_cast<dk_tls_profile>(profile);
            s.peer = static_cast<dk_tls_peer>(peer);
            s.check_host_name = check_host_name;
            ae.set_tls(s);
        }, "certificate"_a, "private_key"_a, "private_key_password"_a, "ca_file"_a, "ca_folder"_a, "crl_file"_a,
           "profile"_a, "peer"_a, "check_host_name"_a)
        .def("bind_certificate", [](dk::AE &ae, const std::string &calling_ae, const std::string &identity) {
            ae.bind_certificate(calling_ae, identity);
        }, "calling_ae"_a, "identity"_a)
        .def("set_user_identity", [](dk::AE &ae, uint32_t type, const py::bytes &primary, const std::string &passcode,
                                     bool positive_response) {
            ae.set_user_identity(type, std::string(primary), passcode, positive_response);
        }, "type"_a, "primary"_a, "passcode"_a = std::string(), "positive_response"_a = false)
        .def("add_query_retrieve", [](dk::AE &ae) { ae.add_query_retrieve(); })
        .def("add_get_storage", [](dk::AE &ae, bool uncompressed_only) { ae.add_get_storage(uncompressed_only); },
             py::arg("uncompressed_only") = false)
        .def("add_all_storage", [](dk::AE &ae) { ae.add_all_storage(); })
        .def("add_storage_for_files", [](dk::AE &ae, const std::vector<std::string> &paths) {
            ae.add_storage_for_files(paths);
        }, "paths"_a, nogil());

    m.def("set_log_sink", [](py::object fn) {
        if (!g_log_sink) g_log_sink = new py::object();
        *g_log_sink = std::move(fn);
    }, "fn"_a, "fn(level: int, message: str) receives the log lines of AEs that log_to_python().");

    py::class_<PyFindQuery>(m, "FindQuery",
                            "A C-FIND read one match at a time (dk_find_query); it keeps its association alive.")
        .def("next", [](PyFindQuery &f) -> py::object {
            std::optional<dk::Dataset> match;
            {
                py::gil_scoped_release unlocked;
                std::lock_guard<std::mutex> l(f.mu);
                match = f.q.next();
            }
            if (!match) return py::none();
            return py::cast(dkpy::PyDataset(std::move(*match)));
        }, "The next match (a Dataset handle), None once the final response came.")
        .def("cancel", [](PyFindQuery &f) {
            py::gil_scoped_release unlocked;
            std::lock_guard<std::mutex> l(f.mu);
            f.q.cancel();
        }, "C-CANCEL-RQ (unless over); the responses on their way are drained.")
        .def("close", [](PyFindQuery &f) {
            py::gil_scoped_release unlocked;
            std::lock_guard<std::mutex> l(f.mu);
            f.q.close();
        }, "Frees the query, cancelled first when not over. Idempotent.")
        .def_property_readonly("done", [](PyFindQuery &f) {
            std::lock_guard<std::mutex> l(f.mu);
            return f.q.done();
        })
        .def_property_readonly("status", [](PyFindQuery &f) {
            std::lock_guard<std::mutex> l(f.mu);
            return f.q.status();
        })
        .def_property_readonly("matches", [](PyFindQuery &f) {
            std::lock_guard<std::mutex> l(f.mu);
            return f.q.matches();
        })
        .def_property_readonly("cancelled", [](PyFindQuery &f) {
            std::lock_guard<std::mutex> l(f.mu);
            return f.q.cancelled();
        });

    py::class_<dk::Association>(m, "Association", "An association requested by this AE (dk_assoc).")
        .def_static("connect", &dk::Association::connect, "ae"_a, "host"_a, "port"_a, "called_ae"_a, nogil())
        .def_property_readonly("established", &dk::Association::established)
        .def("echo", &dk::Association::echo, nogil())
        .def("store_file", &dk::Association::store_file, "path"_a, nogil())
        .def("store_dataset", [](dk::Association &a, const dkpy::PyDataset &ds) {
            py::gil_scoped_release unlocked;
            std::lock_guard<std::mutex> l(*ds.mu);
            return a.store_dataset(ds.ds);
        }, "dataset"_a)
        .def("find", [](dk::Association &a, const dkpy::PyDataset &identifier, const std::string &sop_class,
                        size_t limit) {
            // Without the GIL: the matches are copied into C++ handles, wrapped once it is over.
            std::vector<dk::Dataset> found;
            uint16_t status = 0xFFFF;
            {
                py::gil_scoped_release unlocked;
                std::lock_guard<std::mutex> l(*identifier.mu);
                status = a.find(identifier.ds, [&](const dk::Dataset &match) {
                    dk_dataset *copy = nullptr;
                    dk::check(dk_dataset_clone(&copy, match.handle()));
                    found.emplace_back(copy);
                    return limit == 0 || found.size() < limit;
                }, sop_class);
            }
            py::list out;
            for (dk::Dataset &f : found) out.append(py::cast(dkpy::PyDataset(std::move(f))));
            return py::make_tuple(status, out);
        }, "identifier"_a, "sop_class"_a = "", "limit"_a = 0,
           "C-FIND: (final status, [match datasets]); limit > 0 cancels after that many matches.")
        .def("find_start", [](dk::Association &a, const dkpy::PyDataset &identifier, const std::string &sop_class) {
            auto q = std::make_unique<PyFindQuery>();
            py::gil_scoped_release unlocked;
            std::lock_guard<std::mutex> l(*identifier.mu);
            q->q = a.find_start(identifier.ds, sop_class);
            return q;
        }, "identifier"_a, "sop_class"_a = "", py::keep_alive<0, 1>(),
           "C-FIND read one match at a time: a FindQuery (next(), cancel(), close()).")
        .def("move", [](dk::Association &a, const std::string &dest, const dkpy::PyDataset &identifier,
                        const std::string &sop_class) {
            dk::RetrieveResult r;
            {
                py::gil_scoped_release unlocked;
                std::lock_guard<std::mutex> l(*identifier.mu);
                r = a.move(dest, identifier.ds, {}, sop_class);
            }
            return retrieve_tuple(r);
        }, "destination"_a, "identifier"_a, "sop_class"_a = "")
        .def("get", [](dk::Association &a, const dkpy::PyDataset &identifier, const std::string &folder,
                       const std::string &sop_class) {
            dk::RetrieveResult r;
            {
                py::gil_scoped_release unlocked;
                std::lock_guard<std::mutex> l(*identifier.mu);
                r = a.get(identifier.ds, folder, {}, sop_class);
            }
            return retrieve_tuple(r);
        }, "identifier"_a, "folder"_a, "sop_class"_a = "")
        .def("n_create", [](dk::Association &a, const std::string &sop_class, const std::string &instance_uid,
                            const dkpy::PyDataset *attributes) {
            dk::NResult r;
            {
                py::gil_scoped_release unlocked;
                std::unique_lock<std::mutex> l;
                if (attributes) l = std::unique_lock<std::mutex>(*attributes->mu);
                r = a.n_create(sop_class, instance_uid, attributes ? &attributes->ds : nullptr);
            }
            return n_tuple(std::move(r));
        }, "sop_class"_a, "instance_uid"_a, "attributes"_a)
        .def("n_set", [](dk::Association &a, const std::string &sop_class, const std::string &instance_uid,
                         const dkpy::PyDataset &modifications) {
            dk::NResult r;
            {
                py::gil_scoped_release unlocked;
                std::lock_guard<std::mutex> l(*modifications.mu);
                r = a.n_set(sop_class, instance_uid, modifications.ds);
            }
            return n_tuple(std::move(r));
        }, "sop_class"_a, "instance_uid"_a, "modifications"_a)
        .def("n_action", [](dk::Association &a, const std::string &sop_class, const std::string &instance_uid,
                            uint16_t action_type, const dkpy::PyDataset *information) {
            dk::NResult r;
            {
                py::gil_scoped_release unlocked;
                std::unique_lock<std::mutex> l;
                if (information) l = std::unique_lock<std::mutex>(*information->mu);
                r = a.n_action(sop_class, instance_uid, action_type, information ? &information->ds : nullptr);
            }
            return n_tuple(std::move(r));
        }, "sop_class"_a, "instance_uid"_a, "action_type"_a, "information"_a)
        .def("commit", [](dk::Association &a, const std::vector<std::pair<std::string, std::string>> &instances,
                          int32_t report_wait_ms) {
            py::gil_scoped_release unlocked;
            return a.commit(instances, report_wait_ms);
        }, "instances"_a, "report_wait_ms"_a,
           "Storage Commitment: N-ACTION for [(sop_class, sop_instance)], then up to report_wait_ms for the "
           "report on this association; a CommitResult.")
        .def("user_identity_response", [](const dk::Association &a) { return py::bytes(a.user_identity_response()); },
             "The acceptor's user identity response (b'' when none).")
        .def("contexts", [](const dk::Association &a) {
            std::vector<std::tuple<int, std::string, std::string, int>> out;
            for (const dk::PresentationContext &c : a.contexts())
                out.emplace_back(c.id, c.abstract_syntax, c.transfer_syntax, c.result);
            return out;
        }, "[(id, abstract syntax, accepted transfer syntax or \"\", result)]")
        .def("release", &dk::Association::release, nogil())
        .def("abort", &dk::Association::abort, nogil());

    py::class_<dk::CommitItem>(m, "CommitItem", "An instance of a Storage Commitment report.")
        .def_readonly("sop_class_uid", &dk::CommitItem::sop_class_uid)
        .def_readonly("sop_instance_uid", &dk::CommitItem::sop_instance_uid)
        .def_readonly("failure_reason", &dk::CommitItem::failure_reason);
    py::class_<dk::CommitResult>(m, "CommitResult", "The outcome of a Storage Commitment request (dk_commit_result).")
        .def_readonly("action_status", &dk::CommitResult::action_status)
        .def_readonly("transaction_uid", &dk::CommitResult::transaction_uid)
        .def_readonly("report_received", &dk::CommitResult::report_received)
        .def_readonly("event_type", &dk::CommitResult::event_type)
        .def_readonly("committed", &dk::CommitResult::committed)
        .def_readonly("failed", &dk::CommitResult::failed);
    py::class_<PyCommitListener>(m, "CommitListener",
                                 "The requestor's end of Storage Commitment reports (dk_commit_listener).")
        .def(py::init([](const dk::AE &ae, const std::string &address, uint16_t port) {
                 auto l = std::make_unique<PyCommitListener>();
                 py::gil_scoped_release unlocked;
                 l->l = std::make_unique<dk::CommitListener>(ae, address, port);
                 return l;
             }),
             "ae"_a, "address"_a = "", "port"_a = 0)
        .def_property_readonly("port", [](const PyCommitListener &l) { return l.get().port(); })
        .def_property_readonly("closed", [](const PyCommitListener &l) { return !l.l; })
        .def("wait", [](PyCommitListener &l, dk::CommitResult &result, int32_t timeout_ms) {
            dk::CommitListener &listener = l.get();
            py::gil_scoped_release unlocked;
            return listener.wait(result, timeout_ms);
        }, "result"_a, "timeout_ms"_a, "Waits for the report of result's transaction and fills result; False on timeout.")
        .def("close", &PyCommitListener::close, "Stops listening and frees the listener. Idempotent.");

    py::class_<dk::AssocInfo>(m, "AssocInfo", "What a server knows about an association.")
        .def_readonly("calling_ae", &dk::AssocInfo::calling_ae)
        .def_readonly("called_ae", &dk::AssocInfo::called_ae)
        .def_readonly("peer_address", &dk::AssocInfo::peer_address)
        .def_readonly("identity_type", &dk::AssocInfo::identity_type,
                      "User identity type (PS3.7 D.3.3.7): 0 none, 1 username, 2 username and passcode, 3 Kerberos, "
                      "4 SAML, 5 JWT.")
        .def_property_readonly("identity", [](const dk::AssocInfo &a) { return py::bytes(a.identity); },
                               "The identity's primary field (username or token) as bytes; b'' when none.")
        .def_readonly("passcode", &dk::AssocInfo::passcode, "Type 2's passcode; '' otherwise.")
        .def_readonly("identity_positive_response", &dk::AssocInfo::identity_positive_response)
        .def_readonly("tls_protocol", &dk::AssocInfo::tls_protocol, "\"TLSv1.3\"…; '' on a plain association.")
        .def_readonly("tls_subject", &dk::AssocInfo::tls_subject, "The peer certificate's subject (RFC 2253); ''.")
        .def_readonly("tls_fingerprint", &dk::AssocInfo::tls_fingerprint, "Its SHA-256 fingerprint (AB:CD:…); ''.");
    m.attr("ASSOC_ACCEPTED") = DK_ASSOC_ACCEPTED;
    m.attr("ASSOC_RELEASED") = DK_ASSOC_RELEASED;
    m.attr("ASSOC_ABORTED") = DK_ASSOC_ABORTED;
    py::class_<dk::StoreInfo>(m, "StoreInfo", "An instance received by C-STORE (path valid during the handler).")
        .def_readonly("assoc", &dk::StoreInfo::assoc)
        .def_readonly("sop_class_uid", &dk::StoreInfo::sop_class_uid)
        .def_readonly("sop_instance_uid", &dk::StoreInfo::sop_instance_uid)
        .def_readonly("transfer_syntax", &dk::StoreInfo::transfer_syntax)
        .def_readonly("path", &dk::StoreInfo::path);

    py::class_<dk::FindInfo>(m, "FindInfo", "A C-FIND as a server sees it.")
        .def_readonly("assoc", &dk::FindInfo::assoc)
        .def_readonly("sop_class_uid", &dk::FindInfo::sop_class_uid)
        .def_readonly("level", &dk::FindInfo::level);

    py::class_<dk::RetrieveInfo>(m, "RetrieveInfo", "A C-MOVE or C-GET as a server sees it.")
        .def_readonly("assoc", &dk::RetrieveInfo::assoc)
        .def_readonly("sop_class_uid", &dk::RetrieveInfo::sop_class_uid)
        .def_readonly("level", &dk::RetrieveInfo::level)
        .def_readonly("move_destination", &dk::RetrieveInfo::move_destination);

    py::class_<dk::NInfo>(m, "NInfo", "A DIMSE-N request as a server sees it.")
        .def_readonly("assoc", &dk::NInfo::assoc)
        .def_readonly("message", &dk::NInfo::message)
        .def_readonly("sop_class_uid", &dk::NInfo::sop_class_uid)
        .def_readonly("sop_instance_uid", &dk::NInfo::sop_instance_uid)
        .def_readonly("type_id", &dk::NInfo::type_id)
        .def_readonly("attributes", &dk::NInfo::attributes);

    py::class_<PyServer>(m, "Server", "A DICOM server (dk_server) whose handlers are Python callables.")
        .def(py::init([](const dk::AE &ae, py::object on_associate, py::object on_echo, py::object on_store,
                         py::object on_find, py::object on_move, py::object on_get, py::object on_n_request,
                         py::object on_association) {
                 dk::Server::Handlers h;
                 // The lambdas own references to the callables; they are copied and destroyed with
                 // the GIL held (here, and in PyServer::close).
                 if (!on_associate.is_none())
                     h.on_associate = [fn = on_associate](const dk::AssocInfo &i) {
                         return call_handler<bool>(fn, "dcmkit server: on_associate handler", i,
                                                   [](const py::object &r) { return r.is_none() || r.cast<bool>(); });
                     };
                 if (!on_echo.is_none())
                     h.on_echo = [fn = on_echo](const dk::AssocInfo &i) {
                         return call_handler<uint16_t>(fn, "dcmkit server: on_echo handler", i, status_of);
                     };
                 if (!on_store.is_none())
                     h.on_store = [fn = on_store](const dk::StoreInfo &i) {
                         return call_handler<uint16_t>(fn, "dcmkit server: on_store handler", i, status_of);
                     };
                 if (!on_find.is_none())
                     h.on_find = [fn = on_find](const dk::FindInfo &i, const dk::Dataset &identifier,
                                                const dk::Server::FindEmit &emit) -> uint16_t {
                         return answer_find(fn, i, identifier, emit);
                     };
                 if (!on_move.is_none())
                     h.on_move = [fn = on_move](const dk::RetrieveInfo &i, const dk::Dataset &identifier) {
                         return answer_retrieve(fn, "dcmkit server: on_move handler", i, identifier);
                     };
                 if (!on_get.is_none())
                     h.on_get = [fn = on_get](const dk::RetrieveInfo &i, const dk::Dataset &identifier) {
                         return answer_retrieve(fn, "dcmkit server: on_get handler", i, identifier);
                     };
                 if (!on_n_request.is_none())
                     h.on_n_request = [fn = on_n_request](const dk::NInfo &i, const dk::Dataset *dataset) {
                         return answer_n(fn, i, dataset);
                     };
                 if (!on_association.is_none())
                     h.on_association = [fn = on_association](int event, const dk::AssocInfo &i) {
                         // A notification: an exception is reported (sys.unraisablehook), nothing fails.
                         py::gil_scoped_acquire gil;
                         try {
                             fn(event, i);
                         } catch (py::error_already_set &e) {
                             e.discard_as_unraisable("dcmkit server: on_association handler");
                         }
                     };
                 auto s = std::make_unique<PyServer>();
                 s->srv = std::make_unique<dk::Server>(ae, std::move(h));
                 return s;
             }),
             "ae"_a, "on_associate"_a = py::none(), "on_echo"_a = py::none(), "on_store"_a = py::none(),
             "on_find"_a = py::none(), "on_move"_a = py::none(), "on_get"_a = py::none(),
             "on_n_request"_a = py::none(), "on_association"_a = py::none())
        .def("set_storage_folder", [](PyServer &s, const std::string &folder, bool fsync) {
            if (!s.srv) throw dk::InvalidArgumentError(DK_EINVAL, "the server is closed");
            s.srv->set_storage_folder(folder, fsync);
        }, "folder"_a, "fsync"_a = true)
        .def("set_storage_limits", [](PyServer &s, uint64_t max_dataset_size, uint64_t min_free_space) {
            if (!s.srv) throw dk::InvalidArgumentError(DK_EINVAL, "the server is closed");
            s.srv->set_storage_limits(max_dataset_size, min_free_space);
        }, "max_dataset_size"_a, "min_free_space"_a = 0)
        .def("start", [](PyServer &s, const std::string &address, uint16_t port) {
            if (!s.srv) throw dk::InvalidArgumentError(DK_EINVAL, "the server is closed");
            py::gil_scoped_release unlocked;
            s.srv->start(address, port);
        }, "address"_a = "", "port"_a = 0)
        .def_property_readonly("port", [](const PyServer &s) {
            if (!s.srv) throw dk::InvalidArgumentError(DK_EINVAL, "the server is closed");
            return s.srv->port();
        })
        .def_property_readonly("closed", [](const PyServer &s) { return !s.srv; })
        .def("stop", [](PyServer &s, int32_t grace_ms) { s.close(grace_ms); }, "grace_ms"_a = 2000,
             "Stops (running associations get grace_ms to finish) and frees the server. Idempotent.");

    m.def("hl7_send", [](const std::string &host, uint16_t port, const py::bytes &message, int32_t timeout_ms) {
        const std::string bytes = message;
        std::string reply;
        {
            py::gil_scoped_release unlocked;
            reply = dk::hl7_send(host, port, bytes, timeout_ms);
        }
        return py::bytes(reply);
    }, "host"_a, "port"_a, "message"_a, "timeout_ms"_a, "One HL7 v2 message over MLLP; the reply's bytes (dk_hl7_send).");
}
