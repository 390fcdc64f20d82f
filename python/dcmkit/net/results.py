"""What associations give back: negotiated presentation contexts, C-FIND matches, C-MOVE/C-GET
counts, DIMSE-N responses and Storage Commitment reports."""

__all__ = ["PresentationContext", "FindResult", "RetrieveResult", "NResult", "CommitItem", "CommitResult"]


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
