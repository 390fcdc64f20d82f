"""The requestor's end of Storage Commitment reports that come on associations the performer opens
(dcmkit.CommitmentListener)."""

from .. import _dcmkit
from ._common import _ms
from .ae import AE

__all__ = ["CommitmentListener"]


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
