"""dcmkit.Archive: the embedded archive server — what `dcmkit serve` runs — from Python.

    import dcmkit

    def stored(instance):          # on the archive's threads, one call per instance stored and indexed
        print(instance.sop_instance_uid, instance.path)

    with dcmkit.Archive(storage="/var/lib/archive", ae_title="ARCHIVE", port=11112, on_stored=stored) as archive:
        archive.serve_forever()    # until KeyboardInterrupt or archive.shutdown() from another thread

    dcmkit.Archive("serve.conf")   # the configuration file of `dcmkit serve --config`

Keywords besides the common ones are keys of the configuration file: dest=["PACS=pacs:104"],
allow=["MODALITY"], storage_transfer_syntaxes=[...], commitment_report="new", idle_timeout=30…
A list gives one line per item for `dest`, else one space-separated value.
"""

import os as _os
import threading as _threading

from . import _dcmkit

__all__ = ["Archive", "StoredInstance"]

StoredInstance = _dcmkit.StoredInstance

_LOG_LEVELS = {"error": 0, "warning": 1, "info": 2, "debug": 3, "trace": 4}


def _config_text(settings):
    lines = []
    for key, value in settings.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if isinstance(value, (list, tuple)):
            if key == "dest":
                lines += ["dest = %s" % v for v in value]
                continue
            value = " ".join(str(v) for v in value)
        lines.append("%s = %s" % (key, value))
    return "\n".join(lines) + ("\n" if lines else "")


class Archive:
    """An archive server: a storage folder (index.sqlite, files/, mpps/, quarantine/) and the DICOM
    services in front of it — Verification, Storage, Query/Retrieve (FIND, MOVE, GET), Modality
    Worklist, MPPS, Storage Commitment.

    Archive(config_file) opens what a configuration file describes; Archive(storage=..., ...) takes
    the settings as keywords. Opening creates (or opens) the storage folder and its index. start()
    serves in background threads; used as a context manager it is started on entry (if it is not
    yet) and stopped on exit."""

    def __init__(self, config_file=None, *, storage=None, ae_title="DCMKIT", port=0, bind="", services=None,
                 check_called_ae=True, max_associations=32, max_dataset_size=0, min_free_space=0,
                 log_level="warning", on_stored=None, **settings):
        if config_file is not None and (storage is not None or settings):
            raise TypeError("Archive takes a configuration file or keyword settings, not both")
        if isinstance(log_level, str):
            log_level = _LOG_LEVELS[log_level]
        if isinstance(services, (list, tuple, set)):
            services = " ".join(services)
        self._a = _dcmkit._Archive(
            config_file=_os.fspath(config_file) if config_file is not None else "",
            ae_title=ae_title, storage=_os.fspath(storage) if storage is not None else "", bind=bind, port=port,
            check_called_ae=check_called_ae, max_associations=max_associations, max_dataset_size=max_dataset_size,
            min_free_space=min_free_space, log_level=log_level, services=services or "",
            config_text=_config_text(settings))
        self._started = False
        self._stopped = _threading.Event()
        self._on_stored = None
        if on_stored is not None:
            self.on_stored = on_stored

    @property
    def on_stored(self):
        """Called with a StoredInstance (sop_class_uid, sop_instance_uid, path, transfer_syntax,
        calling_ae) for each instance stored and indexed, from the archive's threads."""
        return self._on_stored

    @on_stored.setter
    def on_stored(self, fn):
        self._a.set_on_stored(fn)
        self._on_stored = fn

    def start(self, address="", port=0):
        """Binds address and port ("" and 0: the configured ones; a free port when none) and serves."""
        self._a.start(address, port)
        self._started = True
        return self

    @property
    def port(self):
        """The port listened on (after start())."""
        return self._a.port

    @property
    def hl7_port(self):
        """The port of the HL7 v2 order listener (after start(); the hl7_port setting, 0 a free one),
        0 without one."""
        return self._a.hl7_port

    @property
    def http_port(self):
        """The port DICOMweb (QIDO-RS, WADO-RS, STOW-RS, WADO-URI under /dicomweb) listens on, after
        start(), when the archive was opened with http_port= (0: a free one) or `http_port =`."""
        return self._a.http_port

    @property
    def is_running(self):
        return self._started and not self._a.closed

    @property
    def counters(self):
        """What the archive did since it was opened: instances_stored, stores_refused,
        associations_served, active_associations, instances_recovered, files_quarantined,
        instances_held, patient_conflicts."""
        return self._a.counters()

    def shutdown(self, grace=2.0):
        """Stops accepting, waits up to `grace` seconds for running associations, then interrupts
        them and waits for the handlers; the archive is closed. Idempotent."""
        self._a.stop(int(grace * 1000))
        self._stopped.set()

    def serve_forever(self):
        """Blocks until shutdown() (from another thread) or KeyboardInterrupt, then shuts down."""
        try:
            while not self._stopped.wait(0.5):
                pass
        finally:
            self.shutdown()

    def __enter__(self):
        if not self._started:
            self.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        return False

    def __repr__(self):
        state = "running on port %d" % self.port if self.is_running else "stopped"
        return "<dcmkit.Archive %s>" % state
