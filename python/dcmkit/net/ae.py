"""The Application Entity (dcmkit.AE): its contexts and limits, associations it requests and servers
it starts; dcmkit.connect, the one-line form of an association."""

import os as _os

from .. import _dcmkit
from .. import sop as _sop
from ._common import _LOG_LEVELS, _ms, _uid
from .association import Association
from .events import _HANDLER_NAMES, _N_MESSAGES, _NOTIFICATIONS, _WRAPPERS, _wrap_n, _wrap_notifications, _wrap_user_id
from .server import Server

__all__ = ["AE", "connect"]


class AE:
    """An Application Entity: its title, the SOP classes it requests (SCU) and supports (SCP), and
    its limits. Times are in seconds. Log lines at log_level and above ("error", "warning", "info",
    "debug", "trace") go to the logging module's "dcmkit.net" logger.

    As a server: a connection's A-ASSOCIATE-RQ must arrive whole within request_timeout (else it is
    closed; it holds no association slot meanwhile, and at most max_pending such connections are
    kept, max_pending_per_address from one IP address, the longest waiting closed first); an
    association with no request for idle_timeout is aborted; max_associations_per_address (0 = no
    limit but max_associations) bounds one address's associations."""

    def __init__(self, ae_title="DCMKIT", *, max_pdu=262144, connect_timeout=10.0, acse_timeout=30.0,
                 dimse_timeout=60.0, idle_timeout=60.0, max_associations=32, require_called_aet=False,
                 log_level="warning", request_timeout=5.0, max_associations_per_address=0, max_pending=64,
                 max_pending_per_address=16):
        self.ae_title = ae_title
        self.maximum_pdu_size = max_pdu
        self.connect_timeout = connect_timeout
        self.acse_timeout = acse_timeout
        self.dimse_timeout = dimse_timeout
        self.idle_timeout = idle_timeout
        self.maximum_associations = max_associations
        self.require_called_aet = require_called_aet
        self.log_level = log_level
        self.request_timeout = request_timeout
        self.maximum_associations_per_address = max_associations_per_address
        self.maximum_pending = max_pending
        self.maximum_pending_per_address = max_pending_per_address
        self._contexts = []   # (uid, [transfer syntaxes], roles)
        self._files = []      # add_storage_for_files
        self._all_storage = False
        self._query_retrieve = False
        self._get_storage = False
        self._user_identity = None  # (type, primary bytes, passcode str, positive response)
        self._tls = None            # set_tls's arguments
        self._bindings = []         # (calling AE, certificate identity)

    # -- contexts ---------------------------------------------------------------------------

    def _add(self, sop_class, transfer_syntax, role):
        if transfer_syntax is None:
            ts = []
        elif isinstance(transfer_syntax, str):
            ts = [transfer_syntax]
        else:
            ts = list(transfer_syntax)
        self._contexts.append((_uid(sop_class), ts, role))

    def add_requested_context(self, abstract_syntax, transfer_syntax=None):
        """Proposes `abstract_syntax` (a SOP class UID, or a keyword of dcmkit.sop) as SCU, with
        these transfer syntaxes (UIDs, keywords, aliases such as "explicit"; None = uncompressed)."""
        self._add(abstract_syntax, transfer_syntax, _dcmkit.ROLE_SCU)

    def add_supported_context(self, abstract_syntax, transfer_syntax=None):
        """Accepts `abstract_syntax` as SCP with these transfer syntaxes (None = uncompressed)."""
        self._add(abstract_syntax, transfer_syntax, _dcmkit.ROLE_SCP)

    def add_verification(self):
        """Verification (C-ECHO) as SCU and SCP."""
        self._add(_sop.Verification, None, _dcmkit.ROLE_SCU | _dcmkit.ROLE_SCP)

    def add_all_storage(self):
        """Every Storage SOP class as SCP, uncompressed and encapsulated syntaxes (received as is)."""
        self._all_storage = True

    def add_query_retrieve(self):
        """Query/Retrieve as SCU: FIND, MOVE and GET of the Study Root and Patient Root models."""
        self._query_retrieve = True

    def add_get_storage(self, uncompressed_only=False):
        """The common storage SOP classes with the SCP role of C-GET's sub-operations (what
        Association.get() needs to receive files), with every syntax we can store: files arrive in
        the syntax the peer holds. uncompressed_only=True has the peer decode them instead."""
        self._get_storage = "uncompressed" if uncompressed_only else True

    def add_storage_for_files(self, paths):
        """Proposes, as SCU, the contexts needed to send these files (their headers are read when
        associating: each file's SOP class in its own transfer syntax, uncompressed as fallback)."""
        if isinstance(paths, (str, bytes, _os.PathLike)):
            paths = [paths]
        self._files.extend(_os.fspath(p) for p in paths)

    @property
    def requested_contexts(self):
        return [(uid, ts) for uid, ts, role in self._contexts if role & _dcmkit.ROLE_SCU]

    @property
    def supported_contexts(self):
        return [(uid, ts) for uid, ts, role in self._contexts if role & _dcmkit.ROLE_SCP]

    def _native(self):
        level = self.log_level
        if isinstance(level, str):
            level = _LOG_LEVELS[level.lower()]
        ae = _dcmkit.AE(self.ae_title, max_pdu=self.maximum_pdu_size,
                        connect_timeout_ms=_ms(self.connect_timeout), artim_timeout_ms=_ms(self.acse_timeout),
                        dimse_timeout_ms=_ms(self.dimse_timeout), idle_timeout_ms=_ms(self.idle_timeout),
                        max_associations=self.maximum_associations, check_called_ae=self.require_called_aet,
                        log_level=level, request_timeout_ms=_ms(self.request_timeout),
                        max_associations_per_address=self.maximum_associations_per_address,
                        max_pending=self.maximum_pending, max_pending_per_address=self.maximum_pending_per_address)
        ae.log_to_python()
        for uid, ts, role in self._contexts:
            ae.add_sop_class(uid, ts, role)
        if self._all_storage:
            ae.add_all_storage()
        if self._query_retrieve:
            ae.add_query_retrieve()
        if self._get_storage:
            ae.add_get_storage(self._get_storage == "uncompressed")
        if self._files:
            ae.add_storage_for_files(self._files)
        if self._user_identity:
            ae.set_user_identity(*self._user_identity)
        if self._tls:
            ae.set_tls(**self._tls)
            for calling, identity in self._bindings:
                ae.bind_certificate(calling, identity)
        return ae

    _TLS_PROFILES = {"bcp195-nd": 0, "bcp195": 1, "bcp195-ex": 2}
    _TLS_PEER = {"require": 0, "verify": 1, "ignore": 2}

    def set_tls(self, certificate=None, private_key=None, ca_file=None, *, ca_folder=None, crl_file=None,
                private_key_password=None, profile="bcp195-nd", peer="require", check_hostname=True):
        """TLS (PS3.15 Annex B, through OpenSSL 3) for the associations this AE requests and the
        servers it starts: PEM files of our certificate and key (a server needs them), the trusted
        CAs (ca_file, ca_folder) and a CRL; profile "bcp195-nd" (Non-Downgrading BCP 195, the
        default), "bcp195" or "bcp195-ex" (TLS 1.0 and 1.1 never); peer "require" (a server asks
        for a client certificate and refuses associations without one), "verify" (if presented) or
        "ignore"; check_hostname: as SCU the server's certificate must name the host connected to.
        The files are read when an association or server is made (InvalidArgumentError naming the
        file). set_tls(None) turns TLS off."""
        if certificate is None and private_key is None and ca_file is None and ca_folder is None:
            self._tls = None
            return
        if profile not in self._TLS_PROFILES:
            raise _dcmkit.InvalidArgumentError("profile is one of " + ", ".join(self._TLS_PROFILES))
        if peer not in self._TLS_PEER:
            raise _dcmkit.InvalidArgumentError("peer is one of " + ", ".join(self._TLS_PEER))
        s = lambda v: "" if v is None else _os.fspath(v)  # noqa: E731
        self._tls = dict(certificate=s(certificate), private_key=s(private_key),
                         private_key_password=s(private_key_password), ca_file=s(ca_file), ca_folder=s(ca_folder),
                         crl_file=s(crl_file), profile=self._TLS_PROFILES[profile], peer=self._TLS_PEER[peer],
                         check_host_name=bool(check_hostname))

    def bind_certificate(self, ae_title, identity):
        """As a TLS server: only a peer whose certificate matches `identity` ("sha256:AB:CD:…",
        "dns:NAME", "uri:URI", "cn:NAME" or a name) may call as `ae_title`; once one binding
        exists, calling AE titles without one are rejected too."""
        self._bindings.append((ae_title, identity))

    def set_user_identity(self, user_id_type, primary_field, secondary_field=None, positive_response=False):
        """The user identity the associations this AE requests send (PS3.7 D.3.3.7), with
        pynetdicom's names: user_id_type 1 username, 2 username and passcode (secondary_field), 3
        Kerberos ticket, 4 SAML assertion, 5 JWT; primary_field and secondary_field as str or
        bytes; positive_response asks the acceptor to answer (Association.user_identity_response).
        None as user_id_type clears it."""
        if user_id_type is None:
            self._user_identity = None
            return
        as_bytes = lambda v: v if isinstance(v, bytes) else str(v).encode("utf-8")  # noqa: E731
        passcode = "" if secondary_field is None else as_bytes(secondary_field).decode("utf-8")
        self._user_identity = (int(user_id_type), as_bytes(primary_field), passcode, bool(positive_response))

    # -- SCU --------------------------------------------------------------------------------

    def associate(self, addr, port, ae_title="ANY-SCP"):
        """Requests an association with `ae_title` at addr:port proposing the requested contexts.
        Returns an established Association (a context manager); raises NetworkError otherwise."""
        a = _dcmkit.Association.connect(self._native(), addr, int(port), ae_title)
        return Association(a, addr, int(port), ae_title)

    # -- SCP --------------------------------------------------------------------------------

    def start_server(self, address, block=False, evt_handlers=None, handlers=None, storage=None, fsync=True,
                     max_dataset_size=0, min_free_space=0):
        """Starts a server on `address` = (host, port) ("" = every address, port 0 = a free one).

        handlers: {"on_associate": fn, "on_echo": fn, "on_store": fn, "on_find": fn, "on_move": fn,
        "on_get": fn, "n_create": fn, "n_set": fn, "n_get": fn, "n_action": fn, "n_event_report": fn,
        "n_delete": fn, "accepted": fn, "released": fn, "aborted": fn}; evt_handlers:
        pynetdicom's [(dcmkit.evt.EVT_C_STORE, fn)] or [(event, fn, [args])]; the notification
        events (EVT_ACCEPTED, EVT_RELEASED, EVT_ABORTED) may have several handlers, their return
        ignored, an exception reported through sys.unraisablehook. on_associate(event)
        returns False (or raises) to reject; on_user_id (pynetdicom's EVT_USER_ID) is called as
        fn(event, user_id_type, primary_field, secondary_field) for a request carrying a user identity
        (PS3.7 D.3.3.7) and returns (is_verified, response) — not verified rejects the association; on_echo(event) and on_store(event) return the status
        (None = 0x0000). on_find(event) (a FindEvent) yields the matches as Datasets or as
        (0xFF00, Dataset) pairs, and may end with a final (status, None) (a failure such as 0xA900);
        the generator simply stops after a cancel; raising answers 0xC000. on_move(event) (a
        RetrieveEvent) returns ((host, port), [paths]) — where event.move_destination listens and the
        Part 10 files to send — or a failure status (0xA801…); on_get(event) returns [paths] or a
        status; the server performs the C-STORE sub-operations and the responses; raising answers
        0xC000. n_create(event)… (an NEvent) return a status, (status, Dataset) or (status, Dataset,
        instance UID) (the one an N-CREATE assigned); raising answers 0x0110; they serve the SOP
        classes added with add_supported_context. Accept the information
        models with add_supported_context(dcmkit.sop.StudyRootQueryRetrieveInformationModelFind).
        storage: a folder where received instances are stored as <SOP Instance UID>.dcm (kept when
        on_store answers success; without on_store, every one is stored). Without storage nor
        on_store, C-STOREs are refused. block=True serves until KeyboardInterrupt.
        max_dataset_size, min_free_space: bytes (0 = no bound): a larger dataset, or one arriving while
        the storage file system has less free space, is refused with 0xA700 and leaves no file.
        Whatever the limits, a dataset that does not parse completely (0xC000), an invalid SOP
        Instance UID (0x0117) or another instance than announced (0xA900) is refused.
        """
        table = {}
        notifications = {}  # several handlers each
        entries = [(key, fn, ()) for key, fn in (handlers or {}).items()]
        entries += [(e[0], e[1], tuple(e[2]) if len(e) > 2 else ()) for e in evt_handlers or ()]
        for key, fn, args in entries:
            name = _HANDLER_NAMES[key]
            if name in _NOTIFICATIONS:
                notifications.setdefault(name, []).append((fn, args))
            else:
                table[name] = (fn, args)
        n_table = {name: table.pop(name) for name in list(table) if name in _N_MESSAGES}
        user_id = table.pop("on_user_id", None)
        callbacks = {name: _WRAPPERS[name](fn, args) for name, (fn, args) in table.items()}
        if user_id is not None:
            callbacks["on_associate"] = _wrap_user_id(user_id[0], user_id[1], callbacks.get("on_associate"))
        if n_table:
            callbacks["on_n_request"] = _wrap_n(n_table)
        if notifications:
            callbacks["on_association"] = _wrap_notifications(notifications)
        host, port = address
        native = _dcmkit.Server(self._native(), **callbacks)
        if storage is not None:
            native.set_storage_folder(_os.fspath(storage), fsync)
        if max_dataset_size or min_free_space:
            native.set_storage_limits(int(max_dataset_size), int(min_free_space))
        native.start(host or "", int(port))
        server = Server(native, host, self.ae_title)
        if block:
            server.serve_forever()
        return server


# -- the one-line form --------------------------------------------------------------------------

def connect(host, port, calling="DCMKIT", called="ANY-SCP", contexts=None, files=None, max_pdu=262144,
            timeout=None, query=False, commitment=False, uncompressed=False):
    """An association from `calling` to `called` at host:port, proposing Verification and:
    `contexts` (SOP class UIDs or keywords, or (sop_class, [transfer syntaxes]) pairs), the storage
    of `files` (paths), or, when both are None (and query is False), the common storage SOP classes
    (dcmkit.sop.COMMON_STORAGE, uncompressed). query=True also proposes Query/Retrieve (Study and
    Patient Root FIND, MOVE, GET; Modality Worklist FIND) and the C-GET storage roles, for find(),
    move() and get(); get() receives the instances in the syntax the peer holds them, or decoded by
    the peer with uncompressed=True. commitment=True also proposes the Storage Commitment Push Model as SCU, for
    commit(). `timeout` (seconds) bounds the connection, the association negotiation and
    each DIMSE response. Use it as a context manager:

        with dcmkit.connect("pacs", 104, called="PACS") as assoc:
            assoc.echo(); assoc.store(ds)
        with dcmkit.connect("pacs", 104, called="PACS", query=True) as assoc:
            for ds in assoc.find_all("STUDY", PatientName="DOE*", StudyInstanceUID=""):
                assoc.get("out", "STUDY", StudyInstanceUID=ds.StudyInstanceUID)
    """
    kw = {}
    if timeout is not None:
        kw = dict(connect_timeout=timeout, acse_timeout=timeout, dimse_timeout=timeout)
    ae = AE(calling, max_pdu=max_pdu, **kw)
    ae.add_verification()
    if query:
        ae.add_query_retrieve()
        ae.add_get_storage(uncompressed_only=uncompressed)
        ae.add_requested_context(_sop.ModalityWorklistInformationModelFind)
    elif contexts is None and files is None:
        contexts = _sop.COMMON_STORAGE
    for c in contexts or ():
        if isinstance(c, str):
            ae.add_requested_context(c)
        else:
            ae.add_requested_context(c[0], c[1] if len(c) > 1 else None)
    if files is not None:
        ae.add_storage_for_files(files)
    if commitment:
        ae.add_requested_context(_sop.StorageCommitmentPushModel)
    return ae.associate(host, port, ae_title=called)
