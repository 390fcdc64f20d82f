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

    with dcmkit.connect("pacs", 104, called="PACS", query=True) as assoc:
        for status, identifier in assoc.find("STUDY", PatientName="DOE*", StudyInstanceUID=""):
            if identifier is not None:        # pending: a match; the last pair is (final status, None)
                print(identifier.StudyInstanceUID)
                break                         # stopping early sends a C-CANCEL-RQ; assoc goes on
        studies = assoc.find_all("STUDY", PatientName="DOE*", StudyInstanceUID="")   # a list
        result = assoc.get(None, "STUDY", StudyInstanceUID=studies[0].StudyInstanceUID)
        datasets = result.datasets            # or assoc.get("folder", ...) to write files

A failed call raises dcmkit.NetworkError (also an OSError), whose .kind says why: "network error"
(connection refused, unknown host), "timeout", "association rejected", "association aborted",
"protocol error", or "refused" (no accepted presentation context can carry the request: the
association stays usable). A DIMSE status that is not Success is no exception: echo() and store()
return it.

Handlers run on the server's worker threads, several at once when several associations are served,
with the GIL held. An exception in a handler is reported through sys.unraisablehook and fails the
request: the association is rejected, or the status is 0x0110 (C-ECHO) or 0xA700 (C-STORE); the
server keeps running.

The package's modules: ae (AE, connect), association (Association), server (Server), events (evt and
what handlers are given), results (what requests return), commitment (CommitmentListener).
"""

from ._common import logger  # noqa: F401  (the "dcmkit.net" logger)
from .ae import AE, connect
from .association import Association
from .commitment import CommitmentListener
from .events import AssociationEvent, FindEvent, NEvent, RetrieveEvent, StoreEvent, evt
from .results import (CommitItem, CommitResult, FindResponses, FindResult, NResult, PresentationContext, RetrieveResult,
                      Status)
from .server import Server

__all__ = ["AE", "Association", "Server", "AssociationEvent", "StoreEvent", "PresentationContext", "connect",
           "evt", "FindResult", "RetrieveResult", "NResult", "FindEvent", "CommitItem", "CommitResult",
           "CommitmentListener", "RetrieveEvent", "NEvent", "FindResponses", "Status"]
