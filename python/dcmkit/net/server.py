"""A running server (dcmkit.Server, made by AE.start_server), shut down at the latest when the
interpreter exits."""

import atexit as _atexit
import threading as _threading
import weakref as _weakref

from ._common import _ms

__all__ = ["Server"]


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
