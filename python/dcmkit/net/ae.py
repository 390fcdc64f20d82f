"""DICOM networking: associations as SCU (C-ECHO, C-STORE) and servers whose handlers are Python callables.

    with dcmkit.connect("pacs", 104, calling="MODALITY", called="PACS", files=paths) as assoc:
        assoc.echo()                          # 0x0000
        for p in paths:
            assoc.store(p)                    # the peer's status (0x0000 Success)

    ae = dcmkit.AE("MODALITY")                # pynetdicom's idioms
    ae.add_requested_context(dcmkit.sop.CTImageStorage)
    with ae.associate("pacs", 104, ae_title="PACS") as assoc:
        assoc.store(ds)

    def on_store(event):                      # from a server thread; return the status
        event.save_to(dest / (event.sop_instance_uid + ".dcm"))
        return 0x0000
    ae = dcmkit.AE("STORESCP")
    ae.add_all_storage()
    server = ae.start_server(("127.0.0.1", 11112), evt_handlers=[(dcmkit.evt.EVT_C_STORE, on_store)])
    ...
    server.shutdown()

A failed call raises dcmkit.NetworkError (also an OSError), whose .kind says why: "network error"
(connection refused, unknown host), "timeout", "association rejected", "association aborted",
"protocol error", or "refused" (no accepted presentation context can carry the request: the
association stays usable). A DIMSE status that is not Success is no exception: echo() and store()
return it.

Handlers run on the server's worker threads, several at once when several associations are served,
with the GIL held. An exception in a handler is reported through sys.unraisablehook and fails the
request: the association is rejected, or the status is 0x0110 (C-ECHO) or 0xA700 (C-STORE); the
server keeps running.
"""

import atexit as _atexit
import logging as _logging
import os as _os
import shutil as _shutil
import threading as _threading
import weakref as _weakref

from .. import _dcmkit
from .. import sop as _sop

__all__ = ["AE", "Association", "Server", "AssociationEvent", "StoreEvent", "PresentationContext", "connect",
           "evt", "FindResult", "RetrieveResult", "NResult", "FindEvent", "CommitItem", "CommitResult",
           "CommitmentListener"]

_LOG_LEVELS = {"error": 0, "warning": 1, "info": 2, "debug": 3, "trace": 4}
# dcmkit's levels as the logging module's (trace is finer than DEBUG).
_TO_LOGGING = {0: _logging.ERROR, 1: _logging.WARNING, 2: _logging.INFO, 3: _logging.DEBUG, 4: 5}
logger = _logging.getLogger("dcmkit.net")


def _log(level, message):
    logger.log(_TO_LOGGING.get(level, _logging.INFO), "%s", message)


_dcmkit.set_log_sink(_log)


class evt:  # noqa: N801  (a namespace, as pynetdicom's module)
    """Event names for AE.start_server(evt_handlers=[(evt.EVT_C_STORE, handler)])."""

    EVT_REQUESTED = "on_associate"  #: an association request: return False (or raise) to reject it
    EVT_C_ECHO = "on_echo"          #: a C-ECHO: return the status (None = Success)
    EVT_C_STORE = "on_store"        #: a C-STORE: return the status (None = Success)
    EVT_C_FIND = "on_find"          #: a C-FIND: yield (status, Dataset) pairs, or Datasets (pynetdicom's protocol)


_HANDLER_NAMES = {
    "on_associate": "on_associate", "associate": "on_associate", "requested": "on_associate",
    "on_echo": "on_echo", "echo": "on_echo", "c_echo": "on_echo",
    "on_store": "on_store", "store": "on_store", "c_store": "on_store",
    "on_find": "on_find", "find": "on_find", "c_find": "on_find",
}


def _uid(sop_class):
    """A SOP class UID from a UID or a keyword of dcmkit.sop ("CTImageStorage")."""
    if not sop_class[:1].isdigit():
        uid = getattr(_sop, sop_class, None)
        if isinstance(uid, str):
            return uid
    return sop_class


def _ms(seconds):
    return None if seconds is None else int(round(float(seconds) * 1000))


class PresentationContext(tuple):
    """A negotiated presentation context: (context_id, abstract_syntax, transfer_syntax, result)."""

    __slots__ = ()

    def __new__(cls, context_id, abstract_syntax, transfer_syntax, result):
        return tuple.__new__(cls, (context_id, abstract_syntax, transfer_syntax, result))

    context_id = property(lambda self: self[0])
    abstract_syntax = property(lambda self: self[1])   #: the SOP class UID
    transfer_syntax = property(lambda self: self[2])   #: the accepted syntax, "" when not accepted
    result = property(lambda self: self[3])            #: 0 accepted, 1-4 rejected (PS3.8 9.3.3.2)

    @property
    def accepted(self):
        return self[3] == 0

    def __repr__(self):
        return "PresentationContext(id=%d, %s, %r, result=%d)" % self


# -- Query/Retrieve helpers ------------------------------------------------------------------------

_QR_MODELS = {
    ("study", "find"): _sop.StudyRootQueryRetrieveInformationModelFind,
    ("study", "move"): _sop.StudyRootQueryRetrieveInformationModelMove,
    ("study", "get"): _sop.StudyRootQueryRetrieveInformationModelGet,
    ("patient", "find"): _sop.PatientRootQueryRetrieveInformationModelFind,
    ("patient", "move"): _sop.PatientRootQueryRetrieveInformationModelMove,
    ("patient", "get"): _sop.PatientRootQueryRetrieveInformationModelGet,
    ("worklist", "find"): _sop.ModalityWorklistInformationModelFind,
}
_LEVELS = ("PATIENT", "STUDY", "SERIES", "IMAGE")


def _model_uid(model, service):
    """The SOP class of a C-FIND/C-MOVE/C-GET: "study", "patient", "worklist", or a UID/keyword."""
    key = (str(model).lower(), service)
    if key in _QR_MODELS:
        return _QR_MODELS[key]
    if str(model).lower() in ("study", "patient", "worklist"):
        raise ValueError("the %s information model has no C-%s" % (model, service.upper()))
    return _uid(model)


def _identifier(level, keys):
    """A Dataset identifier from a level and keyword keys, or the Dataset given."""
    from .. import Dataset
    if isinstance(level, Dataset):
        if keys:
            raise TypeError("pass either an identifier Dataset or keys, not both")
        return level
    ds = Dataset()
    if level is not None:
        lv = str(level).upper()
        if lv not in _LEVELS:
            raise ValueError("level must be one of %s (or a Dataset), not %r" % (", ".join(_LEVELS), level))
        ds.QueryRetrieveLevel = lv
    for keyword, value in keys.items():
        try:
            setattr(ds, keyword, "" if value is None else value)
        except AttributeError:
            raise ValueError("%r is not a DICOM keyword (query keys are keywords: PatientName=...)"
                             % keyword) from None
    return ds


def _handle(dataset):
    return None if dataset is None else dataset._ds


class FindResult(list):
    """The matches of a C-FIND (Datasets, in the order they came) and its final .status."""

    def __init__(self, matches, status):
        list.__init__(self, matches)
        self.status = status

    def __repr__(self):
        return "FindResult(%d matches, status=0x%04X)" % (len(self), self.status)


class RetrieveResult(tuple):
    """The outcome of a C-MOVE or C-GET: (status, completed, failed, warning, remaining, cancelled,
    stored). remaining is None when the final response does not say; stored counts C-GET files."""

    __slots__ = ()

    def __new__(cls, status, completed, failed, warning, remaining, cancelled, stored):
        return tuple.__new__(cls, (status, completed, failed, warning, remaining, cancelled, stored))

    status = property(lambda self: self[0])
    completed = property(lambda self: self[1])
    failed = property(lambda self: self[2])
    warning = property(lambda self: self[3])
    remaining = property(lambda self: self[4])
    cancelled = property(lambda self: self[5])
    stored = property(lambda self: self[6])

    def __repr__(self):
        return ("RetrieveResult(status=0x%04X, completed=%d, failed=%d, warning=%d, remaining=%s, "
                "cancelled=%s, stored=%d)" % self)


class NResult(tuple):
    """What a DIMSE-N request came back with: (status, sop_instance_uid, error_comment, dataset or
    None, action_type)."""

    __slots__ = ()

    def __new__(cls, status, sop_instance_uid, error_comment, dataset, action_type):
        if dataset is not None:
            from .. import Dataset
            dataset = Dataset._wrap(dataset)
        return tuple.__new__(cls, (status, sop_instance_uid, error_comment, dataset, action_type))

    status = property(lambda self: self[0])
    sop_instance_uid = property(lambda self: self[1])
    error_comment = property(lambda self: self[2])
    dataset = property(lambda self: self[3])
    action_type = property(lambda self: self[4])

    def __repr__(self):
        return "NResult(status=0x%04X, sop_instance_uid=%r)" % (self[0], self[1])


# -- Storage Commitment (PS3.4 Annex J) -----------------------------------------------------------

class CommitItem(tuple):
    """An instance of a Storage Commitment report: (sop_class_uid, sop_instance_uid, failure_reason).
    failure_reason is 0 in the committed list; in the failed list PS3.4 J.3.2.1.1.1's: 0x0110
    Processing failure, 0x0112 No such object instance, 0x0119 Class-instance conflict, 0x0122
    Referenced SOP Class not supported, 0x0131 Duplicate transaction UID."""

    __slots__ = ()

    def __new__(cls, sop_class_uid, sop_instance_uid, failure_reason=0):
        return tuple.__new__(cls, (sop_class_uid, sop_instance_uid, failure_reason))

    sop_class_uid = property(lambda self: self[0])
    sop_instance_uid = property(lambda self: self[1])
    failure_reason = property(lambda self: self[2])

    def __repr__(self):
        return "CommitItem(%r, %r, failure_reason=0x%04X)" % self


class CommitResult:
    """The outcome of Association.commit(): action_status (the N-ACTION response's status, 0x0000
    Success), transaction_uid, and once the N-EVENT-REPORT came (report_received True, on the
    association or through CommitmentListener.wait): event_type (1 all committed, 2 some failed),
    committed and failed (lists of CommitItem, the failed ones with their failure_reason)."""

    def __init__(self, _native):
        self._r = _native

    action_status = property(lambda self: self._r.action_status)
    transaction_uid = property(lambda self: self._r.transaction_uid)
    report_received = property(lambda self: self._r.report_received)
    event_type = property(lambda self: self._r.event_type)

    @property
    def committed(self):
        return [CommitItem(i.sop_class_uid, i.sop_instance_uid, i.failure_reason) for i in self._r.committed]

    @property
    def failed(self):
        return [CommitItem(i.sop_class_uid, i.sop_instance_uid, i.failure_reason) for i in self._r.failed]

    def __repr__(self):
        if not self.report_received:
            return "CommitResult(status=0x%04X, transaction %s, no report yet)" % (self.action_status,
                                                                                 self.transaction_uid)
        return "CommitResult(status=0x%04X, transaction %s, event_type=%d, %d committed, %d failed)" % (
            self.action_status, self.transaction_uid, self.event_type, len(self._r.committed), len(self._r.failed))


def _commit_pair(item):
    """(SOP class UID, SOP instance UID) of a pair, a Dataset or a Part 10 file (path)."""
    if isinstance(item, (tuple, list)):
        if len(item) != 2:
            raise ValueError("an instance to commit is a (sop_class, sop_instance) pair, not %r" % (item,))
        return _uid(str(item[0])), str(item[1])
    ds = item
    if getattr(item, "_ds", None) is None:
        from .. import read
        ds = read(_os.fspath(item), stop_before_pixels=True)
    try:
        return str(ds.SOPClassUID), str(ds.SOPInstanceUID)
    except (AttributeError, KeyError):
        raise ValueError("%r has no SOP Class UID or SOP Instance UID" % (item,)) from None


class CommitmentListener:
    """Where Storage Commitment reports come when the performer sends them on an association of its
    own (PS3.4 J.3.3.1.3): a server titled `ae_title` on `address` ("" = every address) and `port`
    (0 = a free one: see .port), accepting only the Storage Commitment Push Model in the SCU role.
    The performer must know where that AE title listens. Start it before the request, so that a
    report sent at once finds it; reports that come before wait() asks for them are kept. A context
    manager that stops on exit.

        with dcmkit.CommitmentListener("CT01", port=11113) as listener:
            with dcmkit.connect("pacs", 104, calling="CT01", called="PACS", commitment=True) as assoc:
                result = assoc.commit(paths, wait=0)      # release at once
            if listener.wait(result, timeout=60):
                print(result.committed, result.failed)
    """

    def __init__(self, ae_title, port=0, address="", log_level="warning"):
        ae = AE(ae_title, log_level=log_level)
        self.ae_title = ae_title
        self.address = address
        self._l = _dcmkit.CommitListener(ae._native(), address or "", int(port))
        self.port = self._l.port

    def wait(self, result, timeout=30.0):
        """Waits up to `timeout` seconds for the report of `result`'s transaction (a CommitResult of
        Association.commit) and fills `result` with it. True when it came (at once when `result`
        already had its report), False on timeout."""
        if self._l is None:
            raise ValueError("the listener is closed")
        return self._l.wait(result._r, max(0, _ms(timeout)))

    def close(self):
        """Stops listening (running associations get 2 s). Idempotent."""
        if self._l is not None:
            self._l.close()
            self._l = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return "<dcmkit.CommitmentListener %s on %s:%s>" % (self.ae_title, self.address or "*", self.port)


# -- associations (SCU) --------------------------------------------------------------------------

class Association:
    """An established association (made by dcmkit.connect or AE.associate). A context manager: it
    is released on a normal exit, aborted when the block raises. Use it from one thread at a time."""

    def __init__(self, _assoc, host=None, port=None, called=None):
        self._a = _assoc
        self.host, self.port, self.called_ae = host, port, called

    @property
    def is_established(self):
        return self._a.established

    def echo(self):
        """C-ECHO; returns the peer's status (0x0000 Success)."""
        return self._a.echo()

    def store(self, dataset):
        """C-STORE of a Dataset or of a file (path); returns the peer's status (0x0000 Success,
        0xBxxx warnings, others failures). NetworkError kind "refused" when no accepted context can
        carry it (the association stays usable)."""
        handle = getattr(dataset, "_ds", None)
        if handle is not None:
            return self._a.store_dataset(handle)
        return self._a.store_file(_os.fspath(dataset))

    send_c_echo = echo
    send_c_store = store

    # -- Query/Retrieve (PS3.4 Annex C) ---------------------------------------------------------

    def find(self, level="STUDY", model="study", limit=None, **keys):
        """C-FIND. `level` is "PATIENT", "STUDY", "SERIES" or "IMAGE" (any case), or a Dataset used
        as the identifier as is; `keys` are attributes by keyword: a value is matched (wildcards
        * and ?, date ranges "20260101-", UID lists), "" or None asks for it to be returned.
        `model`: "study" (Study Root), "patient" (Patient Root), "worklist" (Modality Worklist, no
        level: pass level=None) or a SOP class UID. `limit` stops after that many matches (a
        C-CANCEL-RQ). Returns a FindResult: a list of the matching Datasets with the final .status
        (0x0000; 0xFE00 after a cancel; failures such as 0xA900 are no exception).

            for ds in assoc.find("STUDY", PatientName="DOE*", StudyInstanceUID=""):
                print(ds.StudyInstanceUID)
        """
        identifier, sop_class = _identifier(level, keys), _model_uid(model, "find")
        status, found = self._a.find(identifier._ds, sop_class, int(limit or 0))
        from .. import Dataset
        return FindResult((Dataset._wrap(h) for h in found), status)

    send_c_find = find

    def move(self, destination, level="STUDY", model="study", **keys):
        """C-MOVE: the peer sends what `level` and the unique `keys` select (StudyInstanceUID=...,
        or a Dataset as `level`) to the AE titled `destination`, which it must know. Returns a
        RetrieveResult (status, completed, failed, warning, remaining, cancelled, stored); an
        unknown destination is status 0xA801, no exception."""
        identifier, sop_class = _identifier(level, keys), _model_uid(model, "move")
        return RetrieveResult(*self._a.move(destination, identifier._ds, sop_class))

    send_c_move = move

    def get(self, into, level="STUDY", model="study", **keys):
        """C-GET: the instances `level` and the unique `keys` select arrive on this association and
        are streamed into the folder `into` (made if missing) as <SOP Instance UID>.dcm. The
        association must have been made with the C-GET storage roles (connect(query=True) or
        AE.add_get_storage()). Returns a RetrieveResult (.stored = files written)."""
        identifier, sop_class = _identifier(level, keys), _model_uid(model, "get")
        folder = _os.fspath(into)
        _os.makedirs(folder, exist_ok=True)
        return RetrieveResult(*self._a.get(identifier._ds, folder, sop_class))

    send_c_get = get

    # -- DIMSE-N (PS3.7 10): MPPS, Storage Commitment… ------------------------------------------

    def n_create(self, sop_class, dataset=None, instance_uid=None):
        """N-CREATE of an instance of `sop_class` (a UID or a dcmkit.sop keyword) with `dataset`'s
        attributes; instance_uid None lets the performer choose (NResult.sop_instance_uid)."""
        return NResult(*self._a.n_create(_uid(sop_class), instance_uid or "", _handle(dataset)))

    def n_set(self, sop_class, instance_uid, dataset):
        """N-SET of `instance_uid` with the modifications in `dataset`."""
        return NResult(*self._a.n_set(_uid(sop_class), instance_uid, _handle(dataset)))

    def n_action(self, sop_class, instance_uid, action_type, dataset=None):
        """N-ACTION `action_type` on `instance_uid`, with `dataset` as the action information."""
        return NResult(*self._a.n_action(_uid(sop_class), instance_uid, int(action_type), _handle(dataset)))

    send_n_create = n_create
    send_n_set = n_set
    send_n_action = n_action

    def commit(self, instances, wait=30.0):
        """Storage Commitment (PS3.4 J): asks the peer to commit `instances` (paths of Part 10
        files, Datasets, or (sop_class, sop_instance) pairs) under a new transaction, then waits up
        to `wait` seconds for its report on this association (0: do not wait; release the
        association next, and the report comes on a CommitmentListener: a report sent on this
        association would meet the next request instead of its response). The association must propose the Storage Commitment Push Model
        (connect(..., commitment=True), or AE.add_requested_context(dcmkit.sop.StorageCommitmentPushModel)).
        Returns a CommitResult: a report that did not come in time is no error (report_received
        False), nor is a failure status of the N-ACTION (action_status). InvalidArgumentError for an
        empty list or a UID that is not one (nothing is sent); NetworkError kind "refused" without
        an accepted context.

            result = assoc.commit(["ct1.dcm", ds, (sop_class, sop_instance)])
            for item in result.failed:
                print(item.sop_instance_uid, hex(item.failure_reason))
        """
        if isinstance(instances, (str, bytes, _os.PathLike)) or getattr(instances, "_ds", None) is not None:
            instances = [instances]
        pairs = [_commit_pair(i) for i in instances]
        return CommitResult(self._a.commit(pairs, max(0, _ms(wait))))

    @property
    def contexts(self):
        """Every negotiated PresentationContext, accepted or not."""
        return [PresentationContext(*c) for c in self._a.contexts()]

    @property
    def accepted_contexts(self):
        return [c for c in self.contexts if c.accepted]

    def release(self):
        """A-RELEASE (no-op when no longer established)."""
        if self._a.established:
            self._a.release()

    def abort(self):
        """A-ABORT. Idempotent."""
        self._a.abort()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.release()
        else:
            self.abort()
        return False

    def __repr__(self):
        state = "established" if self.is_established else "closed"
        return "<dcmkit.Association %s:%s %s (%s)>" % (self.host, self.port, self.called_ae, state)


# -- server (SCP) -------------------------------------------------------------------------------

class AssociationEvent:
    """What a handler learns about an association: calling_ae, called_ae, peer_address ("host:port")."""

    __slots__ = ("calling_ae", "called_ae", "peer_address")

    def __init__(self, info):
        self.calling_ae = info.calling_ae
        self.called_ae = info.called_ae
        self.peer_address = info.peer_address

    def __repr__(self):
        return "<%s %s -> %s from %s>" % (type(self).__name__, self.calling_ae, self.called_ae, self.peer_address)


class StoreEvent(AssociationEvent):
    """A received C-STORE: path (a complete Part 10 file, valid during the handler unless the server
    has a storage folder), sop_class_uid, sop_instance_uid, transfer_syntax, and the association's
    calling_ae, called_ae, peer_address. .dataset reads the file on first use."""

    __slots__ = ("path", "sop_class_uid", "sop_instance_uid", "transfer_syntax", "_dataset")

    def __init__(self, info):
        AssociationEvent.__init__(self, info.assoc)
        self.path = info.path
        self.sop_class_uid = info.sop_class_uid
        self.sop_instance_uid = info.sop_instance_uid
        self.transfer_syntax = info.transfer_syntax
        self._dataset = None

    @property
    def dataset(self):
        """The received instance as a dcmkit.Dataset (read in full, independent of the file)."""
        if self._dataset is None:
            from .. import read
            self._dataset = read(self.path, map_file=False)
        return self._dataset

    def encoded_dataset(self):
        """The received file's bytes (Part 10)."""
        with open(self.path, "rb") as f:
            return f.read()

    def save_to(self, dest):
        """Copies the received file to `dest` (a path)."""
        _shutil.copyfile(self.path, _os.fspath(dest))


_running = _weakref.WeakSet()


@_atexit.register
def _shutdown_all():
    # Before the interpreter goes: a worker thread must not call a handler during finalization.
    for server in list(_running):
        server.shutdown(grace=0.5)


class Server:
    """A running server (AE.start_server). .port is the port listened on; shutdown() stops it
    (running associations get `grace` seconds). A context manager that shuts down on exit."""

    def __init__(self, _server, address, ae_title):
        self._s = _server
        self.address = address
        self.ae_title = ae_title
        self.port = _server.port
        self._stopped = _threading.Event()
        _running.add(self)

    @property
    def is_running(self):
        return not self._s.closed

    def shutdown(self, grace=2.0):
        """Stops accepting, waits up to `grace` seconds for running associations, then interrupts
        them and waits for the handlers. Idempotent."""
        self._s.stop(_ms(grace))
        self._stopped.set()
        _running.discard(self)

    def serve_forever(self):
        """Blocks until shutdown() (from another thread) or KeyboardInterrupt, then shuts down."""
        try:
            while not self._stopped.wait(0.5):
                pass
        finally:
            self.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
        return False

    def __repr__(self):
        return "<dcmkit.Server %s on %s:%s (%s)>" % (self.ae_title, self.address or "*", self.port,
                                                    "running" if self.is_running else "stopped")


def _wrap_associate(fn, args):
    return lambda info: fn(AssociationEvent(info), *args)


def _wrap_echo(fn, args):
    return lambda info: fn(AssociationEvent(info), *args)


def _wrap_store(fn, args):
    return lambda info: fn(StoreEvent(info), *args)


class FindEvent(AssociationEvent):
    """A received C-FIND: identifier (a Dataset, the handler's own copy), level ("STUDY"…; "" for
    the worklist), sop_class_uid (the information model), and the association's calling_ae,
    called_ae, peer_address."""

    __slots__ = ("identifier", "level", "sop_class_uid")

    def __init__(self, info, identifier):
        AssociationEvent.__init__(self, info.assoc)
        self.identifier = identifier
        self.level = info.level
        self.sop_class_uid = info.sop_class_uid


def _wrap_find(fn, args):
    from .. import Dataset

    def call(info, identifier):
        for item in fn(FindEvent(info, Dataset._wrap(identifier)), *args) or ():
            if isinstance(item, tuple):
                status, ds = item
                yield (0x0000 if status is None else int(status), None if ds is None else ds._ds)
            else:
                yield (0xFF00, item._ds)
    return call


_WRAPPERS = {"on_associate": _wrap_associate, "on_echo": _wrap_echo, "on_store": _wrap_store, "on_find": _wrap_find}


# -- the Application Entity ---------------------------------------------------------------------

class AE:
    """An Application Entity: its title, the SOP classes it requests (SCU) and supports (SCP), and
    its limits. Times are in seconds. Log lines at log_level and above ("error", "warning", "info",
    "debug", "trace") go to the logging module's "dcmkit.net" logger.

    As a server: a connection's A-ASSOCIATE-RQ must arrive whole within request_timeout (else it is
    closed; it holds no association slot meanwhile, and at most max_pending such connections are
    kept, max_pending_per_address from one IP address, the longest waiting closed first); an
    association with no request for idle_timeout is aborted; max_associations_per_address (0 = no
    limit but max_associations) bounds one address's associations."""

    def __init__(self, ae_title="DCMKIT", *, max_pdu=262144, connect_timeout=10.0, acse_timeout=30.0,
                 dimse_timeout=60.0, idle_timeout=60.0, max_associations=32, require_called_aet=False,
                 log_level="warning", request_timeout=5.0, max_associations_per_address=0, max_pending=64,
                 max_pending_per_address=16):
        self.ae_title = ae_title
        self.maximum_pdu_size = max_pdu
        self.connect_timeout = connect_timeout
        self.acse_timeout = acse_timeout
        self.dimse_timeout = dimse_timeout
        self.idle_timeout = idle_timeout
        self.maximum_associations = max_associations
        self.require_called_aet = require_called_aet
        self.log_level = log_level
        self.request_timeout = request_timeout
        self.maximum_associations_per_address = max_associations_per_address
        self.maximum_pending = max_pending
        self.maximum_pending_per_address = max_pending_per_address
        self._contexts = []   # (uid, [transfer syntaxes], roles)
        self._files = []      # add_storage_for_files
        self._all_storage = False
        self._query_retrieve = False
        self._get_storage = False

    # -- contexts ---------------------------------------------------------------------------

    def _add(self, sop_class, transfer_syntax, role):
        if transfer_syntax is None:
            ts = []
        elif isinstance(transfer_syntax, str):
            ts = [transfer_syntax]
        else:
            ts = list(transfer_syntax)
        self._contexts.append((_uid(sop_class), ts, role))

    def add_requested_context(self, abstract_syntax, transfer_syntax=None):
        """Proposes `abstract_syntax` (a SOP class UID, or a keyword of dcmkit.sop) as SCU, with
        these transfer syntaxes (UIDs, keywords, aliases such as "explicit"; None = uncompressed)."""
        self._add(abstract_syntax, transfer_syntax, _dcmkit.ROLE_SCU)

    def add_supported_context(self, abstract_syntax, transfer_syntax=None):
        """Accepts `abstract_syntax` as SCP with these transfer syntaxes (None = uncompressed)."""
        self._add(abstract_syntax, transfer_syntax, _dcmkit.ROLE_SCP)

    def add_verification(self):
        """Verification (C-ECHO) as SCU and SCP."""
        self._add(_sop.Verification, None, _dcmkit.ROLE_SCU | _dcmkit.ROLE_SCP)

    def add_all_storage(self):
        """Every Storage SOP class as SCP, uncompressed and encapsulated syntaxes (received as is)."""
        self._all_storage = True

    def add_query_retrieve(self):
        """Query/Retrieve as SCU: FIND, MOVE and GET of the Study Root and Patient Root models."""
        self._query_retrieve = True

    def add_get_storage(self, uncompressed_only=False):
        """The common storage SOP classes with the SCP role of C-GET's sub-operations (what
        Association.get() needs to receive files), with every syntax we can store: files arrive in
        the syntax the peer holds. uncompressed_only=True has the peer decode them instead."""
        self._get_storage = "uncompressed" if uncompressed_only else True

    def add_storage_for_files(self, paths):
        """Proposes, as SCU, the contexts needed to send these files (their headers are read when
        associating: each file's SOP class in its own transfer syntax, uncompressed as fallback)."""
        if isinstance(paths, (str, bytes, _os.PathLike)):
            paths = [paths]
        self._files.extend(_os.fspath(p) for p in paths)

    @property
    def requested_contexts(self):
        return [(uid, ts) for uid, ts, role in self._contexts if role & _dcmkit.ROLE_SCU]

    @property
    def supported_contexts(self):
        return [(uid, ts) for uid, ts, role in self._contexts if role & _dcmkit.ROLE_SCP]

    def _native(self):
        level = self.log_level
        if isinstance(level, str):
            level = _LOG_LEVELS[level.lower()]
        ae = _dcmkit.AE(self.ae_title, max_pdu=self.maximum_pdu_size,
                        connect_timeout_ms=_ms(self.connect_timeout), artim_timeout_ms=_ms(self.acse_timeout),
                        dimse_timeout_ms=_ms(self.dimse_timeout), idle_timeout_ms=_ms(self.idle_timeout),
                        max_associations=self.maximum_associations, check_called_ae=self.require_called_aet,
                        log_level=level, request_timeout_ms=_ms(self.request_timeout),
                        max_associations_per_address=self.maximum_associations_per_address,
                        max_pending=self.maximum_pending, max_pending_per_address=self.maximum_pending_per_address)
        ae.log_to_python()
        for uid, ts, role in self._contexts:
            ae.add_sop_class(uid, ts, role)
        if self._all_storage:
            ae.add_all_storage()
        if self._query_retrieve:
            ae.add_query_retrieve()
        if self._get_storage:
            ae.add_get_storage(self._get_storage == "uncompressed")
        if self._files:
            ae.add_storage_for_files(self._files)
        return ae

    # -- SCU --------------------------------------------------------------------------------

    def associate(self, addr, port, ae_title="ANY-SCP"):
        """Requests an association with `ae_title` at addr:port proposing the requested contexts.
        Returns an established Association (a context manager); raises NetworkError otherwise."""
        a = _dcmkit.Association.connect(self._native(), addr, int(port), ae_title)
        return Association(a, addr, int(port), ae_title)

    # -- SCP --------------------------------------------------------------------------------

    def start_server(self, address, block=False, evt_handlers=None, handlers=None, storage=None, fsync=True,
                     max_dataset_size=0, min_free_space=0):
        """Starts a server on `address` = (host, port) ("" = every address, port 0 = a free one).

        handlers: {"on_associate": fn, "on_echo": fn, "on_store": fn, "on_find": fn}; evt_handlers:
        pynetdicom's [(dcmkit.evt.EVT_C_STORE, fn)] or [(event, fn, [args])]. on_associate(event)
        returns False (or raises) to reject; on_echo(event) and on_store(event) return the status
        (None = 0x0000). on_find(event) (a FindEvent) yields the matches as Datasets or as
        (0xFF00, Dataset) pairs, and may end with a final (status, None) (a failure such as 0xA900);
        the generator simply stops after a cancel; raising answers 0xC000. Accept the information
        models with add_supported_context(dcmkit.sop.StudyRootQueryRetrieveInformationModelFind).
        storage: a folder where received instances are stored as <SOP Instance UID>.dcm (kept when
        on_store answers success; without on_store, every one is stored). Without storage nor
        on_store, C-STOREs are refused. block=True serves until KeyboardInterrupt.
        max_dataset_size, min_free_space: bytes (0 = no bound): a larger dataset, or one arriving while
        the storage file system has less free space, is refused with 0xA700 and leaves no file.
        Whatever the limits, a dataset that does not parse completely (0xC000), an invalid SOP
        Instance UID (0x0117) or another instance than announced (0xA900) is refused.
        """
        table = {}
        for key, fn in (handlers or {}).items():
            table[_HANDLER_NAMES[key]] = (fn, ())
        for entry in evt_handlers or ():
            name, fn, args = entry[0], entry[1], tuple(entry[2]) if len(entry) > 2 else ()
            table[_HANDLER_NAMES[name]] = (fn, args)
        callbacks = {name: _WRAPPERS[name](fn, args) for name, (fn, args) in table.items()}
        host, port = address
        native = _dcmkit.Server(self._native(), **callbacks)
        if storage is not None:
            native.set_storage_folder(_os.fspath(storage), fsync)
        if max_dataset_size or min_free_space:
            native.set_storage_limits(int(max_dataset_size), int(min_free_space))
        native.start(host or "", int(port))
        server = Server(native, host, self.ae_title)
        if block:
            server.serve_forever()
        return server


# -- the one-line form --------------------------------------------------------------------------

def connect(host, port, calling="DCMKIT", called="ANY-SCP", contexts=None, files=None, max_pdu=262144,
            timeout=None, query=False, commitment=False, uncompressed=False):
    """An association from `calling` to `called` at host:port, proposing Verification and:
    `contexts` (SOP class UIDs or keywords, or (sop_class, [transfer syntaxes]) pairs), the storage
    of `files` (paths), or, when both are None (and query is False), the common storage SOP classes
    (dcmkit.sop.COMMON_STORAGE, uncompressed). query=True also proposes Query/Retrieve (Study and
    Patient Root FIND, MOVE, GET; Modality Worklist FIND) and the C-GET storage roles, for find(),
    move() and get(); get() receives the instances in the syntax the peer holds them, or decoded by
    the peer with uncompressed=True. commitment=True also proposes the Storage Commitment Push Model as SCU, for
    commit(). `timeout` (seconds) bounds the connection, the association negotiation and
    each DIMSE response. Use it as a context manager:

        with dcmkit.connect("pacs", 104, called="PACS") as assoc:
            assoc.echo(); assoc.store(ds)
        with dcmkit.connect("pacs", 104, called="PACS", query=True) as assoc:
            for ds in assoc.find("STUDY", PatientName="DOE*", StudyInstanceUID=""):
                assoc.get("out", "STUDY", StudyInstanceUID=ds.StudyInstanceUID)
    """
    kw = {}
    if timeout is not None:
        kw = dict(connect_timeout=timeout, acse_timeout=timeout, dimse_timeout=timeout)
    ae = AE(calling, max_pdu=max_pdu, **kw)
    ae.add_verification()
    if query:
        ae.add_query_retrieve()
        ae.add_get_storage(uncompressed_only=uncompressed)
        ae.add_requested_context(_sop.ModalityWorklistInformationModelFind)
    elif contexts is None and files is None:
        contexts = _sop.COMMON_STORAGE
    for c in contexts or ():
        if isinstance(c, str):
            ae.add_requested_context(c)
        else:
            ae.add_requested_context(c[0], c[1] if len(c) > 1 else None)
    if files is not None:
        ae.add_storage_for_files(files)
    if commitment:
        ae.add_requested_context(_sop.StorageCommitmentPushModel)
    return ae.associate(host, port, ae_title=called)
