"""Associations as SCU (dcmkit.Association): C-ECHO, C-STORE, Query/Retrieve (C-FIND, C-MOVE, C-GET),
DIMSE-N and Storage Commitment requests."""

import os as _os
import shutil as _shutil
import tempfile as _tempfile
import weakref as _weakref
from typing import TYPE_CHECKING, Any, List, Optional, Union

from .. import sop as _sop
from ._common import _handle, _ms, _uid
from .results import CommitResult, FindResponses, FindResult, NResult, PresentationContext, RetrieveResult

if TYPE_CHECKING:
    from .. import Dataset

__all__ = ["Association"]


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


# -- associations (SCU) --------------------------------------------------------------------------

class Association:
    """An established association (made by dcmkit.connect or AE.associate). A context manager: it
    is released on a normal exit, aborted when the block raises. Use it from one thread at a time."""

    def __init__(self, _assoc: Any, host: Optional[str] = None, port: Optional[int] = None,
                 called: Optional[str] = None) -> None:
        self._a = _assoc
        self.host, self.port, self.called_ae = host, port, called
        self._query = None  # a weak reference to the FindResponses still being read

    def _settle(self) -> None:
        """Ends a C-FIND still being read (find()) before another request: cancelled and drained."""
        q = self._query() if self._query is not None else None
        self._query = None
        if q is not None:
            q.close()

    @property
    def is_established(self) -> bool:
        return self._a.established

    def echo(self) -> int:
        """C-ECHO; returns the peer's status (0x0000 Success)."""
        self._settle()
        return self._a.echo()

    def store(self, dataset: "Union[Dataset, str, _os.PathLike]") -> int:
        """C-STORE of a Dataset or of a file (path); returns the peer's status (0x0000 Success,
        0xBxxx warnings, others failures). NetworkError kind "refused" when no accepted context can
        carry it (the association stays usable)."""
        self._settle()
        handle = getattr(dataset, "_ds", None)
        if handle is not None:
            return self._a.store_dataset(handle)
        return self._a.store_file(_os.fspath(dataset))

    send_c_echo = echo
    send_c_store = store

    # -- Query/Retrieve (PS3.4 Annex C) ---------------------------------------------------------

    def find(self, level: "Union[str, Dataset, None]" = "STUDY", model: str = "study", **keys: Any) -> FindResponses:
        """C-FIND, read lazily as pynetdicom's send_c_find: returns FindResponses, an iterator of
        (status, identifier) pairs, a match's (Status 0xFF00, Dataset) as it arrives, then the final
        (Status, None) (0x0000; 0xFE00 after a cancel; failures such as 0xA900 are no exception).
        Stopping early (break and drop it, .close(), a `with` block) sends a C-CANCEL-RQ and drains
        the rest; so does the next request on this association. `level` is "PATIENT", "STUDY",
        "SERIES" or "IMAGE" (any case), or a Dataset used as the identifier as is; `keys` are
        attributes by keyword: a value is matched (wildcards * and ?, date ranges "20260101-", UID
        lists), "" or None asks for it to be returned. `model`: "study" (Study Root), "patient"
        (Patient Root), "worklist" (Modality Worklist, no level: pass level=None) or a SOP class UID.
        find_all() collects the matches in a list.

            for status, ds in assoc.find("STUDY", PatientName="DOE*", StudyInstanceUID=""):
                if status.is_pending:
                    print(ds.StudyInstanceUID)
        """
        if "limit" in keys:
            raise TypeError("find() reads lazily: stop iterating to cancel; find_all(..., limit=n) collects n")
        identifier, sop_class = _identifier(level, keys), _model_uid(model, "find")
        self._settle()
        responses = FindResponses(self._a.find_start(identifier._ds, sop_class))
        self._query = _weakref.ref(responses)
        return responses

    def send_c_find(self, dataset: "Dataset", query_model: str = "study", **keys: Any) -> FindResponses:
        """pynetdicom's spelling of find(): send_c_find(identifier, query_model) with query_model
        "study", "patient", "worklist", pynetdicom's "S", "P", "W", or a SOP class UID/keyword."""
        query_model = {"S": "study", "P": "patient", "W": "worklist", "O": "1.2.840.10008.5.1.4.1.2.3.1"}.get(
            query_model, query_model)
        return self.find(dataset, query_model, **keys)

    def find_all(self, level: "Union[str, Dataset, None]" = "STUDY", model: str = "study",
                 limit: Optional[int] = None, **keys: Any) -> FindResult:
        """C-FIND collecting every match: a FindResult, the list of the matching Datasets with the
        final .status. `limit` stops after that many matches (a C-CANCEL-RQ; .status 0xFE00).
        Arguments as find().

            for ds in assoc.find_all("STUDY", PatientName="DOE*", StudyInstanceUID=""):
                print(ds.StudyInstanceUID)
        """
        identifier, sop_class = _identifier(level, keys), _model_uid(model, "find")
        self._settle()
        status, found = self._a.find(identifier._ds, sop_class, int(limit or 0))
        from .. import Dataset
        return FindResult((Dataset._wrap(h) for h in found), status)

    def move(self, destination: str, level: "Union[str, Dataset]" = "STUDY", model: str = "study",
             **keys: Any) -> RetrieveResult:
        """C-MOVE: the peer sends what `level` and the unique `keys` select (StudyInstanceUID=...,
        or a Dataset as `level`) to the AE titled `destination`, which it must know. Returns a
        RetrieveResult (status, completed, failed, warning, remaining, cancelled, stored); an
        unknown destination is status 0xA801, no exception."""
        identifier, sop_class = _identifier(level, keys), _model_uid(model, "move")
        self._settle()
        return RetrieveResult(*self._a.move(destination, identifier._ds, sop_class))

    send_c_move = move

    def get(self, into: "Union[str, _os.PathLike, None]", level: "Union[str, Dataset]" = "STUDY",
            model: str = "study", **keys: Any) -> RetrieveResult:
        """C-GET: the instances `level` and the unique `keys` select arrive on this association.
        With a folder as `into` (made if missing) they are streamed into it as <SOP Instance
        UID>.dcm; with None they come back as Datasets in the result's .datasets (in the order they
        came; nothing stays on disk). The association must have been made with the C-GET storage
        roles (connect(query=True) or AE.add_get_storage()). Returns a RetrieveResult (.stored =
        instances received; pynetdicom's NumberOf…Suboperations names too).

            r = assoc.get(None, "STUDY", StudyInstanceUID=uid)
            for ds in r.datasets:
                print(ds.SOPInstanceUID)
        """
        identifier, sop_class = _identifier(level, keys), _model_uid(model, "get")
        self._settle()
        if into is not None:
            folder = _os.fspath(into)
            _os.makedirs(folder, exist_ok=True)
            return RetrieveResult(*self._a.get(identifier._ds, folder, sop_class))
        from .. import read
        scratch = _tempfile.mkdtemp(prefix="dcmkit-get-")
        try:
            result = RetrieveResult(*self._a.get(identifier._ds, scratch, sop_class))
            names = sorted(_os.listdir(scratch), key=lambda n: _os.stat(_os.path.join(scratch, n)).st_mtime_ns)
            result._datasets = [read(_os.path.join(scratch, n), map_file=False) for n in names]
        finally:
            _shutil.rmtree(scratch, ignore_errors=True)
        return result

    send_c_get = get

    # -- DIMSE-N (PS3.7 10): MPPS, Storage Commitment… ------------------------------------------

    def n_create(self, sop_class: str, dataset: "Optional[Dataset]" = None,
                 instance_uid: Optional[str] = None) -> NResult:
        """N-CREATE of an instance of `sop_class` (a UID or a dcmkit.sop keyword) with `dataset`'s
        attributes; instance_uid None lets the performer choose (NResult.sop_instance_uid)."""
        self._settle()
        return NResult(*self._a.n_create(_uid(sop_class), instance_uid or "", _handle(dataset)))

    def n_set(self, sop_class: str, instance_uid: str, dataset: "Dataset") -> NResult:
        """N-SET of `instance_uid` with the modifications in `dataset`."""
        self._settle()
        return NResult(*self._a.n_set(_uid(sop_class), instance_uid, _handle(dataset)))

    def n_action(self, sop_class: str, instance_uid: str, action_type: int,
                 dataset: "Optional[Dataset]" = None) -> NResult:
        """N-ACTION `action_type` on `instance_uid`, with `dataset` as the action information."""
        self._settle()
        return NResult(*self._a.n_action(_uid(sop_class), instance_uid, int(action_type), _handle(dataset)))

    send_n_create = n_create
    send_n_set = n_set
    send_n_action = n_action

    def commit(self, instances: Any, wait: float = 30.0) -> CommitResult:
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
        self._settle()
        return CommitResult(self._a.commit(pairs, max(0, _ms(wait))))

    @property
    def user_identity_response(self) -> bytes:
        """The acceptor's answer to a user identity that asked for a positive response (b'' when none)."""
        return self._a.user_identity_response()

    @property
    def contexts(self) -> List[PresentationContext]:
        """Every negotiated PresentationContext, accepted or not."""
        return [PresentationContext(*c) for c in self._a.contexts()]

    @property
    def accepted_contexts(self) -> List[PresentationContext]:
        return [c for c in self.contexts if c.accepted]

    def release(self) -> None:
        """A-RELEASE (no-op when no longer established); a C-FIND still being read is cancelled first."""
        if self._a.established:
            self._settle()
            self._a.release()

    def abort(self) -> None:
        """A-ABORT. Idempotent."""
        self._a.abort()

    def __enter__(self) -> "Association":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is None:
            self.release()
        else:
            self.abort()
        return False

    def __repr__(self):
        state = "established" if self.is_established else "closed"
        return "<dcmkit.Association %s:%s %s (%s)>" % (self.host, self.port, self.called_ae, state)
