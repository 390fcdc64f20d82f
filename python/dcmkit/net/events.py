"""What a server's handlers are given (AssociationEvent, StoreEvent, FindEvent), the event names of
AE.start_server(evt_handlers=...) (dcmkit.evt), and the adapters from the native server's
callbacks to the handlers."""

import os as _os
import shutil as _shutil

__all__ = ["evt", "AssociationEvent", "StoreEvent", "FindEvent"]


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


_WRAPPERS = {"on_associate": _wrap_associate, "on_echo": _wrap_echo, "on_store": _wrap_store, "on_find": _wrap_find}
