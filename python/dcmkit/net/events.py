"""What a server's handlers are given (AssociationEvent, StoreEvent, FindEvent, RetrieveEvent, NEvent), the event names of
AE.start_server(evt_handlers=...) (dcmkit.evt), and the adapters from the native server's
callbacks to the handlers."""

import datetime as _datetime
import os as _os
import shutil as _shutil
from typing import Any, Iterable, List, Optional, Tuple

__all__ = ["evt", "AssociationEvent", "StoreEvent", "FindEvent", "RetrieveEvent", "NEvent", "AssociationInfo",
           "AEInfo", "Request", "Context"]


class _Event(str):
    """An event type of dcmkit.evt: the handler key it stands for (a str), with pynetdicom's .name,
    .description, .is_intervention (the handler's return is the response) and .is_notification."""

    def __new__(cls, key: str, name: str, description: str, intervention: bool) -> "_Event":
        e = str.__new__(cls, key)
        e.name, e.description, e.is_intervention = name, description, intervention
        return e

    @property
    def is_notification(self) -> bool:
        return not self.is_intervention

    def __repr__(self) -> str:
        return "<%s: %s>" % (self.name, self.description)


class evt:  # noqa: N801  (a namespace, as pynetdicom's module)
    """Event types for AE.start_server(evt_handlers=[(evt.EVT_C_STORE, handler)]). Intervention
    events: the handler's return is the answer (one handler each). Notification events (several
    handlers each, their return ignored): EVT_ACCEPTED (an association negotiated, before its first
    request), then EVT_RELEASED (the peer released it) or EVT_ABORTED (an A-ABORT either way, a
    failure, a timeout, the server stopping). The server reports no connection-level events
    (pynetdicom's EVT_CONN_OPEN/CLOSE) nor rejections."""

    EVT_ACCEPTED = _Event("accepted", "EVT_ACCEPTED", "Association request accepted", False)
    EVT_RELEASED = _Event("released", "EVT_RELEASED", "Association released", False)
    EVT_ABORTED = _Event("aborted", "EVT_ABORTED", "Association aborted", False)

    EVT_REQUESTED = _Event("on_associate", "EVT_REQUESTED", "Association request received", True)
    EVT_USER_ID = _Event("on_user_id", "EVT_USER_ID", "User identity negotiation received", True)
    EVT_C_ECHO = _Event("on_echo", "EVT_C_ECHO", "C-ECHO request received", True)
    EVT_C_STORE = _Event("on_store", "EVT_C_STORE", "C-STORE request received", True)
    EVT_C_FIND = _Event("on_find", "EVT_C_FIND", "C-FIND request received", True)
    EVT_C_MOVE = _Event("on_move", "EVT_C_MOVE", "C-MOVE request received", True)
    EVT_C_GET = _Event("on_get", "EVT_C_GET", "C-GET request received", True)
    EVT_N_CREATE = _Event("n_create", "EVT_N_CREATE", "N-CREATE request received", True)
    EVT_N_SET = _Event("n_set", "EVT_N_SET", "N-SET request received", True)
    EVT_N_GET = _Event("n_get", "EVT_N_GET", "N-GET request received", True)
    EVT_N_ACTION = _Event("n_action", "EVT_N_ACTION", "N-ACTION request received", True)
    EVT_N_EVENT_REPORT = _Event("n_event_report", "EVT_N_EVENT_REPORT", "N-EVENT-REPORT request received", True)
    EVT_N_DELETE = _Event("n_delete", "EVT_N_DELETE", "N-DELETE request received", True)


_EVENTS = {e: e for e in vars(evt).values() if isinstance(e, _Event)}


_HANDLER_NAMES = {
    "on_associate": "on_associate", "associate": "on_associate", "requested": "on_associate",
    "on_user_id": "on_user_id", "user_id": "on_user_id",
    "on_echo": "on_echo", "echo": "on_echo", "c_echo": "on_echo",
    "on_store": "on_store", "store": "on_store", "c_store": "on_store",
    "on_find": "on_find", "find": "on_find", "c_find": "on_find",
    "on_move": "on_move", "move": "on_move", "c_move": "on_move",
    "on_get": "on_get", "get": "on_get", "c_get": "on_get",
}
_NOTIFICATIONS = ("accepted", "released", "aborted")
for _n in _NOTIFICATIONS:
    _HANDLER_NAMES[_n] = _HANDLER_NAMES["on_" + _n] = _n


def _wrap_notifications(table: "dict") -> Any:
    """One native on_association(event, info) over the notification handlers by name
    ({"released": [(fn, args)…]…}); each gets an AssociationEvent."""
    from .. import _dcmkit
    by_code = {_dcmkit.ASSOC_ACCEPTED: ("accepted", evt.EVT_ACCEPTED),
               _dcmkit.ASSOC_RELEASED: ("released", evt.EVT_RELEASED),
               _dcmkit.ASSOC_ABORTED: ("aborted", evt.EVT_ABORTED)}

    def call(code: int, info: Any) -> None:
        name, event_type = by_code[code]
        for fn, args in table.get(name, ()):
            fn(AssociationEvent(info, event_type), *args)
    return call


# The DIMSE-N messages: their request Command Field (PS3.7 E.1) by handler name.
_N_MESSAGES = {"n_event_report": 0x0100, "n_get": 0x0110, "n_set": 0x0120, "n_action": 0x0130,
               "n_create": 0x0140, "n_delete": 0x0150}
for _n in _N_MESSAGES:
    _HANDLER_NAMES[_n] = _HANDLER_NAMES["on_" + _n] = _n
_N_NAMES = {v: k.upper().replace("_", "-") for k, v in _N_MESSAGES.items()}


class AEInfo:
    """One side of an association as pynetdicom's event.assoc.requestor / .acceptor: ae_title, and
    for the requestor its address and port."""

    __slots__ = ("ae_title", "address", "port")

    def __init__(self, ae_title: str, address: Optional[str] = None, port: Optional[int] = None) -> None:
        self.ae_title, self.address, self.port = ae_title, address, port

    def __repr__(self) -> str:
        return "<AEInfo %s %s:%s>" % (self.ae_title, self.address, self.port)


class AssociationInfo:
    """The association a request came on, as pynetdicom's event.assoc: requestor (the peer:
    ae_title, address, port) and acceptor (this server: ae_title)."""

    __slots__ = ("requestor", "acceptor")

    def __init__(self, calling_ae: str, called_ae: str, peer_address: str) -> None:
        host, _, port = peer_address.rpartition(":")
        self.requestor = AEInfo(calling_ae, host or peer_address, int(port) if port.isdigit() else None)
        self.acceptor = AEInfo(called_ae)

    is_acceptor = property(lambda self: True)   #: the server accepted it
    is_requestor = property(lambda self: False)

    def __repr__(self) -> str:
        return "<AssociationInfo %s -> %s from %s:%s>" % (self.requestor.ae_title, self.acceptor.ae_title,
                                                        self.requestor.address, self.requestor.port)


class Request:
    """What the server knows of a DIMSE request, by pynetdicom's primitive attribute names
    (AffectedSOPClassUID, AffectedSOPInstanceUID, MoveDestination, RequestedSOPClassUID…); names
    the request does not have are absent (AttributeError)."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update({k: v for k, v in fields.items() if v is not None})

    def __repr__(self) -> str:
        return "Request(%s)" % ", ".join("%s=%r" % kv for kv in sorted(self.__dict__.items()))


class Context:
    """The presentation context of a request, as pynetdicom's event.context: abstract_syntax and
    transfer_syntax (None where the server does not say which: C-FIND/MOVE/GET, DIMSE-N)."""

    __slots__ = ("abstract_syntax", "transfer_syntax")

    def __init__(self, abstract_syntax: str, transfer_syntax: Optional[str] = None) -> None:
        self.abstract_syntax, self.transfer_syntax = abstract_syntax, transfer_syntax

    def __repr__(self) -> str:
        return "Context(%r, %r)" % (self.abstract_syntax, self.transfer_syntax)


class AssociationEvent:
    """What a handler learns about an association: calling_ae, called_ae, peer_address ("host:port"),
    the user identity it was requested with (identity_type: 0 none, 1 username, 2 username and
    passcode, 3 Kerberos, 4 SAML, 5 JWT; identity: the username or token as bytes; passcode), its TLS
    (tls_protocol, the peer certificate's tls_subject and tls_fingerprint; '' when plain), and
    pynetdicom's event shape: .assoc (requestor/acceptor), .event (the evt type), .timestamp."""

    __slots__ = ("calling_ae", "called_ae", "peer_address", "identity_type", "identity", "passcode", "tls_protocol",
                 "tls_subject", "tls_fingerprint", "event", "timestamp")

    def __init__(self, info: Any, event: Optional[_Event] = None) -> None:
        self.calling_ae = info.calling_ae
        self.called_ae = info.called_ae
        self.peer_address = info.peer_address
        self.identity_type = info.identity_type
        self.identity = info.identity
        self.passcode = info.passcode
        self.tls_protocol = info.tls_protocol
        self.tls_subject = info.tls_subject
        self.tls_fingerprint = info.tls_fingerprint
        self.event = event
        self.timestamp = _datetime.datetime.now()

    @property
    def assoc(self) -> AssociationInfo:
        return AssociationInfo(self.calling_ae, self.called_ae, self.peer_address)

    def __repr__(self) -> str:
        return "<%s %s -> %s from %s>" % (type(self).__name__, self.calling_ae, self.called_ae, self.peer_address)


class StoreEvent(AssociationEvent):
    """A received C-STORE: path (a complete Part 10 file, valid during the handler unless the server
    has a storage folder), sop_class_uid, sop_instance_uid, transfer_syntax, and the association's
    calling_ae, called_ae, peer_address. .dataset reads the file on first use."""

    __slots__ = ("path", "sop_class_uid", "sop_instance_uid", "transfer_syntax", "_dataset")

    def __init__(self, info: Any) -> None:
        AssociationEvent.__init__(self, info.assoc, evt.EVT_C_STORE)
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

    @property
    def file_meta(self) -> Any:
        """The received file's meta information (group 0002), pynetdicom's event.file_meta."""
        return self.dataset.file_meta

    @property
    def request(self) -> Request:
        return Request(AffectedSOPClassUID=self.sop_class_uid, AffectedSOPInstanceUID=self.sop_instance_uid)

    @property
    def context(self) -> Context:
        return Context(self.sop_class_uid, self.transfer_syntax)

    def encoded_dataset(self):
        """The received file's bytes (Part 10)."""
        with open(self.path, "rb") as f:
            return f.read()

    def save_to(self, dest):
        """Copies the received file to `dest` (a path)."""
        _shutil.copyfile(self.path, _os.fspath(dest))


def _wrap_associate(fn, args):
    return lambda info: fn(AssociationEvent(info, evt.EVT_REQUESTED), *args)


def _wrap_user_id(fn, args, requested=None):
    """pynetdicom's EVT_USER_ID: fn(event, user_id_type, primary_field, secondary_field) returns
    (is_verified, response); called for a request that carries an identity, before the
    EVT_REQUESTED handler (`requested`, wrapped) if there is one. A request without an identity
    goes on to `requested` alone."""
    def call(info):
        if info.identity_type:
            r = fn(AssociationEvent(info, evt.EVT_USER_ID), info.identity_type, info.identity,
                   info.passcode.encode() if info.identity_type == 2 else None, *args)
            verified = r[0] if isinstance(r, tuple) else r
            if not verified:
                return False
        return True if requested is None else requested(info)
    return call


def _wrap_echo(fn, args):
    return lambda info: fn(AssociationEvent(info, evt.EVT_C_ECHO), *args)


def _wrap_store(fn, args):
    return lambda info: fn(StoreEvent(info), *args)


class FindEvent(AssociationEvent):
    """A received C-FIND: identifier (a Dataset, the handler's own copy), level ("STUDY"…; "" for
    the worklist), sop_class_uid (the information model), and the association's calling_ae,
    called_ae, peer_address."""

    __slots__ = ("identifier", "level", "sop_class_uid")

    def __init__(self, info: Any, identifier: Any) -> None:
        AssociationEvent.__init__(self, info.assoc, evt.EVT_C_FIND)
        self.identifier = identifier
        self.level = info.level
        self.sop_class_uid = info.sop_class_uid

    @property
    def request(self) -> Request:
        return Request(AffectedSOPClassUID=self.sop_class_uid, Identifier=self.identifier)

    @property
    def context(self) -> Context:
        return Context(self.sop_class_uid)


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

    def __init__(self, info: Any, identifier: Any) -> None:
        AssociationEvent.__init__(self, info.assoc, evt.EVT_C_MOVE if info.move_destination else evt.EVT_C_GET)
        self.identifier = identifier
        self.level = info.level
        self.sop_class_uid = info.sop_class_uid
        self.move_destination = info.move_destination

    @property
    def request(self) -> Request:
        return Request(AffectedSOPClassUID=self.sop_class_uid, Identifier=self.identifier,
                       MoveDestination=self.move_destination or None)

    @property
    def context(self) -> Context:
        return Context(self.sop_class_uid)


def _sub_operation_file(item: Any) -> str:
    """The Part 10 file a C-MOVE/C-GET handler names for a sub-operation (a path)."""
    if isinstance(item, (str, bytes, _os.PathLike)):
        return _os.fsdecode(item)
    raise TypeError("a C-MOVE/C-GET handler yields the Part 10 files to send as paths, not %s (the server "
                    "streams them from disk)" % type(item).__name__)


def _plan_from_generator(gen: Iterable[Any], move: bool) -> Tuple[int, List[str], Optional[str], int]:
    """pynetdicom's C-MOVE/C-GET handler protocol: (C-MOVE) first (host, port) of the destination,
    or (None, None) when unknown (0xA801); then the number of sub-operations; then (status, file)
    pairs, status 0xFF00 for each file to send. A failure status before any file refuses the
    request with it; a failure or 0xFE00 Cancel after some stops the list there."""
    it = iter(gen)
    host, port = None, 0
    if move:
        try:
            host, port = next(it)
        except StopIteration:
            return (0xC000, [], None, 0)
        if host is None or port is None:
            return (0xA801, [], None, 0)
    try:
        count = next(it)  # the number of sub-operations: the server counts the files itself
    except StopIteration:
        return (0x0000, [], host, int(port))
    if not move and not isinstance(count, int):  # a C-GET handler's iterable of paths
        return (0x0000, [_sub_operation_file(f) for f in (count, *it)], None, 0)
    files: List[str] = []
    for item in it:
        status, dataset = item
        status = 0xFF00 if status is None else int(status)
        if status in (0xFF00, 0xFF01):
            files.append(_sub_operation_file(dataset))
            continue
        if not files and status not in (0x0000, 0xFE00):
            return (status, [], host, int(port))
        break
    return (0x0000, files, host, int(port))


def _plan(result: Any, move: bool) -> Tuple[int, List[str], Optional[str], int]:
    """(status, [paths], host, port) from what a C-MOVE/C-GET handler returned: a status, the plan
    (((host, port), [paths]) / [paths]), or a generator of pynetdicom's protocol."""
    if isinstance(result, int):
        return (result, [], None, 0)
    if not isinstance(result, (tuple, list)):
        return _plan_from_generator(result, move)
    if move:
        destination, files = result
        host, port = destination if destination is not None else (None, 0)
    else:
        files, host, port = result, None, 0
    return (0x0000, [_sub_operation_file(f) for f in files], host, int(port))


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

    def __init__(self, info: Any, dataset: Any) -> None:
        name = _N_NAMES.get(info.message, "0x%04X" % info.message)
        AssociationEvent.__init__(self, info.assoc, _EVENTS.get(name.lower().replace("-", "_")))
        self.message = name
        self.sop_class_uid = info.sop_class_uid
        self.sop_instance_uid = info.sop_instance_uid
        self.action_type_id = info.type_id if info.message == 0x0130 else None
        self.event_type_id = info.type_id if info.message == 0x0100 else None
        self.attribute_identifier_list = list(info.attributes)
        self.dataset = dataset

    # pynetdicom's names
    action_type = property(lambda self: self.action_type_id)
    event_type = property(lambda self: self.event_type_id)
    attribute_identifiers = property(lambda self: self.attribute_identifier_list)
    action_information = property(lambda self: self.dataset if self.message == "N-ACTION" else None)
    event_information = property(lambda self: self.dataset if self.message == "N-EVENT-REPORT" else None)
    modification_list = property(lambda self: self.dataset if self.message == "N-SET" else None)
    attribute_list = property(lambda self: self.dataset if self.message == "N-CREATE" else None)

    @property
    def request(self) -> Request:
        """N-CREATE and N-EVENT-REPORT name the Affected SOP class/instance, the others the Requested."""
        which = "Affected" if self.message in ("N-CREATE", "N-EVENT-REPORT") else "Requested"
        return Request(**{which + "SOPClassUID": self.sop_class_uid,
                          which + "SOPInstanceUID": self.sop_instance_uid or None,
                          "ActionTypeID": self.action_type_id, "EventTypeID": self.event_type_id})

    @property
    def context(self) -> Context:
        return Context(self.sop_class_uid)


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
