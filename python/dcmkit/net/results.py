"""What associations give back: negotiated presentation contexts, C-FIND matches, C-MOVE/C-GET
counts, DIMSE-N responses and Storage Commitment reports."""

from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple

if TYPE_CHECKING:
    from .. import Dataset

__all__ = ["PresentationContext", "Status", "FindResponses", "FindResult", "RetrieveResult", "NResult", "CommitItem",
           "CommitResult"]


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


class Status:
    """A DIMSE response's status as pynetdicom yields it: .Status (the code, 0x0000 Success, 0xFF00
    Pending, 0xFE00 Cancel…) and, when the response has them, .ErrorComment and the sub-operation
    counts of C-MOVE/C-GET (NumberOfRemainingSuboperations… ; None when absent). Always true (as a
    non-empty pydicom Dataset is); compares equal to its code (status == 0xFF00) and converts with
    int(); .is_pending, .is_success, .is_cancel."""

    __slots__ = ("Status", "ErrorComment", "NumberOfRemainingSuboperations", "NumberOfCompletedSuboperations",
                 "NumberOfFailedSuboperations", "NumberOfWarningSuboperations")

    def __init__(self, status: int, error_comment: Optional[str] = None, remaining: Optional[int] = None,
                 completed: Optional[int] = None, failed: Optional[int] = None, warning: Optional[int] = None) -> None:
        self.Status = int(status)
        self.ErrorComment = error_comment
        self.NumberOfRemainingSuboperations = remaining
        self.NumberOfCompletedSuboperations = completed
        self.NumberOfFailedSuboperations = failed
        self.NumberOfWarningSuboperations = warning

    is_pending = property(lambda self: self.Status in (0xFF00, 0xFF01))
    is_success = property(lambda self: self.Status == 0x0000)
    is_cancel = property(lambda self: self.Status == 0xFE00)

    def __bool__(self) -> bool:
        return True

    def __int__(self) -> int:
        return self.Status

    __index__ = __int__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Status):
            return self.Status == other.Status
        if isinstance(other, int):
            return self.Status == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.Status)

    def __repr__(self) -> str:
        return "Status(0x%04X)" % self.Status


class FindResponses:
    """The responses of a C-FIND, read lazily (Association.find): iterating yields (Status,
    Dataset) for each match as it arrives (Status 0xFF00), then (final Status, None). Stopping early
    (break out of the loop and drop it, close(), or leave its `with` block) cancels the query: a
    C-CANCEL-RQ is sent and the responses already on their way are drained, so the association is
    free again. After the end: .status (the final code, None before), .matches (pending responses
    received, drained ones included), .cancelled.

        for status, identifier in assoc.find("STUDY", PatientName="DOE*", StudyInstanceUID=""):
            if identifier is not None:
                print(identifier.StudyInstanceUID)
    """

    def __init__(self, _query: Any) -> None:
        self._q = _query
        self._final_sent = False

    def __iter__(self) -> "FindResponses":
        return self

    def __next__(self) -> "Tuple[Status, Optional[Dataset]]":
        if self._q is None or self._final_sent:
            raise StopIteration
        handle = self._q.next()
        if handle is not None:
            from .. import Dataset
            return Status(0xFF00), Dataset._wrap(handle)
        self._final_sent = True
        return Status(self._q.status), None

    def datasets(self) -> "Iterator[Dataset]":
        """The matches alone (the final status in .status once over)."""
        for _status, identifier in self:
            if identifier is not None:
                yield identifier

    @property
    def done(self) -> bool:
        """Whether the final response came (or the query was closed)."""
        return self._q is None or self._q.done

    @property
    def status(self) -> Optional[int]:
        """The final status (0x0000, 0xFE00 after a cancel, a failure), None before it came."""
        if self._q is None:
            return self._status_at_close
        return self._q.status if self._q.done else None

    @property
    def matches(self) -> int:
        return self._matches_at_close if self._q is None else self._q.matches

    @property
    def cancelled(self) -> bool:
        return self._cancelled_at_close if self._q is None else self._q.cancelled

    def close(self) -> None:
        """Ends the query: cancelled (C-CANCEL-RQ, the rest drained) when not over. Idempotent."""
        q = self._q
        if q is None:
            return
        try:
            q.cancel()
        finally:
            self._status_at_close = q.status if q.done else None
            self._matches_at_close, self._cancelled_at_close = q.matches, q.cancelled
            q.close()
            self._q = None

    def __enter__(self) -> "FindResponses":
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.close()
        return False

    def __repr__(self) -> str:
        if not self.done:
            return "<FindResponses: %d matches so far>" % self.matches
        return "<FindResponses: %d matches, status=0x%04X>" % (self.matches, self.status or 0)


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

    def __new__(cls, status, completed, failed, warning, remaining, cancelled, stored):
        return tuple.__new__(cls, (status, completed, failed, warning, remaining, cancelled, stored))

    status = property(lambda self: self[0])
    completed = property(lambda self: self[1])
    failed = property(lambda self: self[2])
    warning = property(lambda self: self[3])
    remaining = property(lambda self: self[4])
    cancelled = property(lambda self: self[5])
    stored = property(lambda self: self[6])

    # pynetdicom's names, as on the final response's status Dataset.
    Status = status
    NumberOfCompletedSuboperations = completed
    NumberOfFailedSuboperations = failed
    NumberOfWarningSuboperations = warning
    NumberOfRemainingSuboperations = remaining

    @property
    def datasets(self) -> "List[Dataset]":
        """Association.get(None, …): the received instances as Datasets, in the order they came
        (empty for a C-MOVE, or a C-GET into a folder)."""
        return list(getattr(self, "_datasets", ()))

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
