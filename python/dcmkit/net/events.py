"""What a server's handlers are given (AssociationEvent, StoreEvent, FindEvent, RetrieveEvent, NEvent), the event names of
AE.start_server(evt_handlers=...) (dcmkit.evt), and the adapters from the native server's
callbacks to the handlers."""

import os as _os
import shutil as _shutil

__all__ = ["evt", "AssociationEvent", "StoreEvent", "FindEvent", "RetrieveEvent", "NEvent"]


class evt:  # noqa: N801  (a namespace, as pynetdicom's module)
    """Event names for AE.start_server(evt_handlers=[(evt.EVT_C_STORE, handler)])."""

    EVT_REQUESTED = "on_associate"  #: an association request: return False (or raise) to reject it
    EVT_C_ECHO = "on_echo"          #: a C-ECHO: return the status (None = Success)
    EVT_C_STORE = "on_store"        #: a C-STORE: return the status (None = Success)
    EVT_C_FIND = "on_find"          #: a C-FIND: yield (status, Dataset) pairs, or Datasets (pynetdicom's protocol)
    EVT_C_MOVE = "on_move"          #: a C-MOVE: return ((host, port), [paths]), or a failure status
    EVT_C_GET = "on_get"            #: a C-GET: return [paths], or a failure status
    EVT_N_CREATE = "n_create"       #: DIMSE-N: return status, (status, Dataset) or (status, Dataset, instance UID)
    EVT_N_SET = "n_set"
    EVT_N_GET = "n_get"
    EVT_N_ACTION = "n_action"
    EVT_N_EVENT_REPORT = "n_event_report"
    EVT_N_DELETE = "n_delete"


_HANDLER_NAMES = {
    "on_associate": "on_associate", "associate": "on_associate", "requested": "on_associate",
    "on_echo": "on_echo", "echo": "on_echo", "c_echo": "on_echo",
    "on_store": "on_store", "store": "on_store", "c_store": "on_store",
    "on_find": "on_find", "find": "on_find", "c_find": "on_find",
    "on_move": "on_move", "move": "on_move", "c_move": "on_move",
    "on_get": "on_get", "get": "on_get", "c_get": "on_get",
}
# The DIMSE-N messages: their request Command Field (PS3.7 E.1) by handler name.
_N_MESSAGES = {"n_event_report": 0x0100, "n_get": 0x0110, "n_set": 0x0120, "n_action": 0x0130,
               "n_create": 0x0140, "n_delete": 0x0150}
for _n in _N_MESSAGES:
    _HANDLER_NAMES[_n] = _HANDLER_NAMES["on_" + _n] = _n
_N_NAMES = {v: k.upper().replace("_", "-") for k, v in _N_MESSAGES.items()}


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


class RetrieveEvent(AssociationEvent):
    """A received C-MOVE or C-GET: identifier (a Dataset, the handler's own copy), level,
    sop_class_uid (the information model), move_destination (the AE title; "" for C-GET), and the
    association's calling_ae, called_ae, peer_address."""

    __slots__ = ("identifier", "level", "sop_class_uid", "move_destination")

    def __init__(self, info, identifier):
        AssociationEvent.__init__(self, info.assoc)
        self.identifier = identifier
        self.level = info.level
        self.sop_class_uid = info.sop_class_uid
        self.move_destination = info.move_destination


def _plan(result, move):
    """(status, [paths], host, port) from what a C-MOVE/C-GET handler returned."""
    if isinstance(result, int):
        return (result, [], None, 0)
    if move:
        destination, files = result
        host, port = destination if destination is not None else (None, 0)
    else:
        files, host, port = result, None, 0
    return (0x0000, [_os.fspath(f) for f in files], host, int(port))


def _wrap_move(fn, args):
    from .. import Dataset
    return lambda info, identifier: _plan(fn(RetrieveEvent(info, Dataset._wrap(identifier)), *args), True)


def _wrap_get(fn, args):
    from .. import Dataset
    return lambda info, identifier: _plan(fn(RetrieveEvent(info, Dataset._wrap(identifier)), *args), False)


class NEvent(AssociationEvent):
    """A received DIMSE-N request: message ("N-CREATE", "N-SET", "N-GET", "N-ACTION",
    "N-EVENT-REPORT", "N-DELETE"), sop_class_uid, sop_instance_uid ("" when an N-CREATE has none),
    action_type_id (N-ACTION) / event_type_id (N-EVENT-REPORT), attribute_identifier_list (N-GET, tags
    as ints 0xGGGGEEEE), dataset (the request's, a Dataset of the handler's own, or None), and the
    association's calling_ae, called_ae, peer_address."""

    __slots__ = ("message", "sop_class_uid", "sop_instance_uid", "action_type_id", "event_type_id",
                 "attribute_identifier_list", "dataset")

    def __init__(self, info, dataset):
        AssociationEvent.__init__(self, info.assoc)
        self.message = _N_NAMES.get(info.message, "0x%04X" % info.message)
        self.sop_class_uid = info.sop_class_uid
        self.sop_instance_uid = info.sop_instance_uid
        self.action_type_id = info.type_id if info.message == 0x0130 else None
        self.event_type_id = info.type_id if info.message == 0x0100 else None
        self.attribute_identifier_list = list(info.attributes)
        self.dataset = dataset


def _wrap_n(table):
    """One native on_n_request over the handlers by message ({"n_create": (fn, args)…}); a message
    without a handler is answered 0x0211 (Unrecognized operation)."""
    from .. import Dataset
    by_field = {_N_MESSAGES[name]: entry for name, entry in table.items()}

    def call(info, dataset):
        entry = by_field.get(info.message)
        if entry is None:
            return (0x0211, None, None)
        fn, args = entry
        r = fn(NEvent(info, None if dataset is None else Dataset._wrap(dataset)), *args)
        if r is None or isinstance(r, int):
            return (0 if r is None else r, None, None)
        status, ds = r[0], r[1]
        uid = r[2] if len(r) > 2 else None
        return (0 if status is None else int(status), None if ds is None else ds._ds, uid)
    return call


_WRAPPERS = {"on_associate": _wrap_associate, "on_echo": _wrap_echo, "on_store": _wrap_store, "on_find": _wrap_find,
             "on_move": _wrap_move, "on_get": _wrap_get}
