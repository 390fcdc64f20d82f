/* dcmkit — DICOM networking: an Application Entity, associations as SCU (C-ECHO, C-STORE; C-FIND,
 * C-MOVE, C-GET; N-CREATE, N-SET, N-ACTION) and a server (SCP) with callbacks (C-ECHO, C-STORE,
 * C-FIND); Storage Commitment as SCU (dk_assoc_commit, dk_commit_listener).
 *
 *   dk_ae *ae = NULL;
 *   dk_ae_new(&ae, "MODALITY", NULL);                  // NULL options = defaults
 *   dk_ae_add_verification(ae);
 *   dk_ae_add_storage_for_files(ae, files, nfiles);    // contexts to send these files
 *   dk_assoc *a = NULL;
 *   if (dk_assoc_connect(&a, ae, "pacs.local", 104, "PACS") == DK_OK) {
 *       uint16_t status;
 *       dk_assoc_store_file(&status, a, files[0]);     // status 0x0000 = Success
 *       dk_assoc_release(a);
 *   }
 *   dk_assoc_free(a);
 *   dk_ae_free(ae);
 *
 * Query/Retrieve: dk_ae_add_query_retrieve(ae) (+ dk_ae_add_get_storage(ae) for C-GET), then
 * dk_assoc_find(&status, &n, a, NULL, identifier, on_match, ctx) with an identifier holding
 * QueryRetrieveLevel "STUDY" and the keys, dk_assoc_get(&r, a, NULL, identifier, "out", NULL, NULL)…
 *
 * A DIMSE status that is not Success (a C-STORE refused by the peer) is not a failed call: the call
 * returns DK_OK and the status says what the peer answered. A failed call (DK_ENETWORK, DK_ETIMEOUT,
 * DK_EABORTED, DK_EPROTOCOL) means the association itself failed and can only be freed; DK_EREFUSED
 * (no accepted presentation context can carry the request) and errors reading a file (DK_ENOTDICOM…)
 * leave it usable. */
#ifndef DCMKIT_DK_NET_H
#define DCMKIT_DK_NET_H

#include "dcmkit/dk_common.h"
#include "dcmkit/dk_dataset.h"
#include "dcmkit/dk_uids.h"

#ifdef __cplusplus
extern "C" {
#endif

/* -- the Application Entity ---------------------------------------------------------------------- */

/** An Application Entity's configuration: AE title, SOP classes and transfer syntaxes, limits,
 *  timeouts, logging. Opaque; used by dk_assoc_connect (as SCU) and dk_server_new (as SCP), which
 *  copy it, so it may be changed or freed afterwards. Not thread-safe while it is being changed. */
typedef struct dk_ae dk_ae;

/** Log levels (the lines at or above the configured level are emitted). */
typedef enum dk_log_level {
    DK_LOG_ERROR = 0,
    DK_LOG_WARNING = 1,
    DK_LOG_INFO = 2,
    DK_LOG_DEBUG = 3,
    DK_LOG_TRACE = 4
} dk_log_level;

typedef struct dk_ae_options {
    uint32_t version;            /**< DK_AE_OPTIONS_VERSION */
    uint32_t max_pdu;            /**< largest P-DATA-TF received (default 262144; 0 = no limit) */
    int32_t connect_timeout_ms;  /**< TCP connection (default 10000) */
    int32_t artim_timeout_ms;    /**< association request, release and abort (default 30000) */
    int32_t dimse_timeout_ms;    /**< waiting for a DIMSE response or the rest of a message (default 60000) */
    int32_t idle_timeout_ms;     /**< an SCP's wait for the next request, then A-ABORT (default 60000) */
    uint16_t max_ops_invoked;    /**< asynchronous operations window proposed/accepted (default 1 = synchronous) */
    uint16_t max_ops_performed;  /**< asynchronous operations performed window proposed/accepted (default 1) */
    uint32_t max_associations;   /**< a server's concurrent associations (default 32) */
    int32_t check_called_ae;         /**< a server rejects a Called AE Title that is not its own (default 0) */
    int32_t log_level;               /**< a dk_log_level (default DK_LOG_WARNING) */
    /* -- version 2: a server's defences against slow, idle and hostile peers -- */
    int32_t request_timeout_ms;  /**< a connection's whole A-ASSOCIATE-RQ, else closed (default 5000; the
                                      ARTIM timeout applies too when shorter; 0 = ARTIM alone) */
    uint32_t max_associations_per_address; /**< associations from one IP address (default 0: only
                                                max_associations); past it, A-ASSOCIATE-RJ transient */
    uint32_t max_pending;        /**< connections still sending their A-ASSOCIATE-RQ, read by the listener
                                      thread without taking an association slot (default 64; past it
                                      the one waiting longest is closed) */
    uint32_t max_pending_per_address; /**< of those, from one IP address (default 16) */
} dk_ae_options;
#define DK_AE_OPTIONS_VERSION 2
#define DK_AE_OPTIONS_INIT \
    {DK_AE_OPTIONS_VERSION, 262144, 10000, 30000, 60000, 60000, 1, 1, 32, 0, DK_LOG_WARNING, 5000, 0, 64, 16}
/** Fills `opts` with defaults for `version`. DK_EINVAL for an unknown version.
 *
 *  @param[out] opts     the caller's struct; only the fields `version` has are written
 *  @param      version  DK_AE_OPTIONS_VERSION, or an older version the caller's struct has
 *  @return DK_OK; DK_EINVAL when `opts` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_ae_options_init(dk_ae_options *opts, uint32_t version);

/** A new AE titled `ae_title` (1 to 16 characters, no backslash) with no SOP class yet. `opts` may
 *  be NULL (defaults). Caller frees *out with dk_ae_free().
 *
 *  @param[out] out       receives the AE (free with dk_ae_free); NULL on failure
 *  @param      ae_title  this AE's title: leading and trailing spaces are dropped, then 1 to 16
 *                        printable ASCII characters without backslash
 *  @param      opts      limits, timeouts, logging (copied); NULL = the defaults (DK_AE_OPTIONS_INIT);
 *                        the fields after its version's keep their defaults
 *  @return DK_OK; DK_EINVAL when `out` or `ae_title` is NULL, for a bad title, or a bad `opts`
 *          (version, a negative timeout, max_associations, max_pending or max_pending_per_address
 *          0, log_level not a dk_log_level; the message names the field) */
DK_EXTERN(dk_result) dk_ae_new(dk_ae **out, const char *ae_title, const dk_ae_options *opts);
/** Frees an AE (NULL is ignored).
 *
 *  @param ae  the AE; associations, servers and listeners made from it keep their own copy */
DK_EXTERN(void) dk_ae_free(dk_ae *ae);

/** Roles for dk_ae_add_sop_class: this AE is the SCU (requests), the SCP (performs), or both. */
#define DK_ROLE_SCU 1u
#define DK_ROLE_SCP 2u

/** Adds (or extends) a SOP class with its transfer syntaxes in order of preference (UIDs, keywords
 *  or aliases such as "explicit"); `n` = 0 (`transfer_syntaxes` may then be NULL) means the
 *  uncompressed ones. As SCU each SOP class is one proposed presentation context; as SCP the first
 *  syntax of the list the peer also proposed is accepted. `roles` is DK_ROLE_SCU and/or DK_ROLE_SCP.
 *
 *  @param ae                 the AE
 *  @param sop_class_uid      the SOP class (abstract syntax) UID
 *  @param transfer_syntaxes  `n` transfer syntaxes (UIDs, keywords or aliases), in order of
 *                            preference; may be NULL when `n` is 0
 *  @param n                  the number of transfer syntaxes; 0 = the uncompressed ones
 *  @param roles              DK_ROLE_SCU, DK_ROLE_SCP or both
 *  @return DK_OK; DK_EINVAL when `ae` or `sop_class_uid` is NULL, `sop_class_uid` is not a valid UID,
 *          `roles` is 0 or has other bits, `transfer_syntaxes` (or one of its `n` entries) is NULL,
 *          or a transfer syntax is unknown */
DK_EXTERN(dk_result) dk_ae_add_sop_class(dk_ae *ae, const char *sop_class_uid, const char *const *transfer_syntaxes,
                                         size_t n, uint32_t roles);
/** Adds the Verification SOP class (C-ECHO) as SCU and SCP.
 *
 *  @param ae  the AE
 *  @return DK_OK; DK_EINVAL when `ae` is NULL */
DK_EXTERN(dk_result) dk_ae_add_verification(dk_ae *ae);
/** Adds every Storage SOP class of the registry as SCP, with the uncompressed transfer syntaxes and
 *  every encapsulated one (received as is): what a storage server accepts.
 *
 *  @param ae  the AE
 *  @return DK_OK; DK_EINVAL when `ae` is NULL */
DK_EXTERN(dk_result) dk_ae_add_all_storage(dk_ae *ae);
/** Adds, as SCU, the storage contexts needed to send these files (reading their headers only): each
 *  file's SOP class in its own transfer syntax, and the uncompressed ones as a fallback. All or
 *  nothing: the first file that cannot be read fails the call (DK_ENOTFOUND, DK_ENOTDICOM…, the
 *  message names the file) and adds nothing.
 *
 *  @param ae     the AE
 *  @param paths  `n` paths of Part 10 files; may be NULL when `n` is 0
 *  @param n      the number of paths
 *  @return DK_OK; DK_EINVAL when `ae`, `paths` (with an `n`) or one of the paths is NULL, or when the
 *          AE would need more than 128 SOP classes (the presentation contexts of one association);
 *          the errors of dk_dataset_read_file for a file that cannot be read (DK_ENOTDICOM when
 *          it reads but cannot be sent: no SOP class or instance) */
DK_EXTERN(dk_result) dk_ae_add_storage_for_files(dk_ae *ae, const char *const *paths, size_t n);

/** Adds the Query/Retrieve SOP classes as SCU (C-FIND, C-MOVE and C-GET of the Study Root and Patient
 *  Root information models) with the uncompressed transfer syntaxes: what dk_assoc_find,
 *  dk_assoc_move and dk_assoc_get need. Other SOP classes (Modality Worklist "1.2.840.10008.5.1.4.31",
 *  MPPS "1.2.840.10008.3.1.2.3.3", Storage Commitment "1.2.840.10008.1.20.1"…) are proposed with
 *  dk_ae_add_sop_class(ae, uid, NULL, 0, DK_ROLE_SCU).
 *
 *  @param ae  the AE
 *  @return DK_OK; DK_EINVAL when `ae` is NULL */
DK_EXTERN(dk_result) dk_ae_add_query_retrieve(dk_ae *ae);
/** Adds what a C-GET needs to receive its instances (PS3.4 C.4.3, PS3.7 D.3.3.4): the common image
 *  storage SOP classes (CT, MR, CR, DX, MG, US, SC, NM, PET, XA, RF, RT, SR, PDF…) with every
 *  transfer syntax we can store, uncompressed and compressed, so that the instances arrive in the
 *  syntax the peer holds and it never has to decode them for us; this AE takes the SCP role of their
 *  C-STORE sub-operations (proposed with SCP/SCU role selection items). Other classes:
 *  dk_ae_add_sop_class with DK_ROLE_SCP (and DK_ROLE_SCU to also send them).
 *
 *  @param ae  the AE
 *  @return DK_OK; DK_EINVAL when `ae` is NULL */
DK_EXTERN(dk_result) dk_ae_add_get_storage(dk_ae *ae);
/** As dk_ae_add_get_storage, with the uncompressed transfer syntaxes only: the peer decodes
 *  compressed instances and the pixels arrive native.
 *
 *  @param ae  the AE
 *  @return DK_OK; DK_EINVAL when `ae` is NULL */
DK_EXTERN(dk_result) dk_ae_add_get_storage_uncompressed(dk_ae *ae);

/** Receives the AE's log lines (already filtered by the options' log_level), from any thread,
 *  possibly several at once. `fn` NULL restores the default (standard error).
 *
 *  @param level      the line's level
 *  @param message    the line, without a newline; valid during the call only
 *  @param user_data  what dk_ae_set_log was given */
typedef void (*dk_log_fn)(dk_log_level level, const char *message, void *user_data);
/** Sends the AE's log lines to `fn` (and to no other place), for the associations, servers and
 *  listeners made from `ae` afterwards (they copy the AE).
 *
 *  @param ae         the AE
 *  @param fn         the callback; NULL = standard error, one "level: message" line each
 *  @param user_data  passed to each call of `fn`; may be NULL
 *  @return DK_OK; DK_EINVAL when `ae` is NULL */
DK_EXTERN(dk_result) dk_ae_set_log(dk_ae *ae, dk_log_fn fn, void *user_data);

/* -- TLS (PS3.15 Annex B) -------------------------------------------------------------------------- */

/** The Secure Transport Connection Profile (PS3.15 Annex B); TLS 1.0 and 1.1 are never negotiated. */
typedef enum dk_tls_profile {
    DK_TLS_BCP195_ND = 0,       /**< B.10 Non-Downgrading BCP 195: TLS 1.2 (AEAD, forward secrecy) and 1.3; the default */
    DK_TLS_BCP195 = 1,          /**< B.9 BCP 195: the above plus TLS_RSA_WITH_AES_128_CBC_SHA for older peers */
    DK_TLS_BCP195_EXTENDED = 2  /**< B.11 Extended BCP 195: TLS 1.2 only, AES-GCM with ECDHE or DHE */
} dk_tls_profile;

/** What is asked of the peer's certificate. */
typedef enum dk_tls_peer {
    DK_TLS_PEER_REQUIRE = 0,  /**< it must chain to a trusted CA (mutual authentication on an SCP); the default */
    DK_TLS_PEER_VERIFY = 1,   /**< one that is presented must chain to a trusted CA */
    DK_TLS_PEER_IGNORE = 2    /**< no verification */
} dk_tls_peer;

/** An AE's TLS settings (files are PEM). Initialise with DK_TLS_OPTIONS_INIT or dk_tls_options_init. */
typedef struct dk_tls_options {
    uint32_t version;                 /**< DK_TLS_OPTIONS_VERSION */
    const char *certificate_file;     /**< our certificate (chain); required on an SCP; NULL: none */
    const char *private_key_file;     /**< its private key */
    const char *private_key_password; /**< when the key is encrypted; NULL: none */
    const char *ca_file;              /**< trusted CA certificates (one file may hold several); NULL: none */
    const char *ca_folder;            /**< a folder of trusted CA certificates (hashed names); NULL: none */
    const char *crl_file;             /**< a CRL: when given, peer certificates are checked against it */
    uint32_t profile;                 /**< a dk_tls_profile (default DK_TLS_BCP195_ND) */
    uint32_t peer;                    /**< a dk_tls_peer (default DK_TLS_PEER_REQUIRE) */
    int32_t check_host_name;          /**< as SCU: 1 (default) the server's certificate must name the host */
} dk_tls_options;

#define DK_TLS_OPTIONS_VERSION 1
#define DK_TLS_OPTIONS_INIT \
    { DK_TLS_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, DK_TLS_BCP195_ND, DK_TLS_PEER_REQUIRE, 1 }

/** Sets `opts` to the defaults of `version`.
 *  @param[out] opts     the options to initialise
 *  @param      version  DK_TLS_OPTIONS_VERSION (or an older version)
 *  @return DK_OK; DK_EINVAL for a NULL `opts` or an unknown version */
DK_EXTERN(dk_result) dk_tls_options_init(dk_tls_options *opts, uint32_t version);

/** TLS for the associations, servers and listeners made from `ae` afterwards (as SCU: every
 *  connection; as SCP: every accepted connection; handshake within the connection timeout, a
 *  plain peer failing at once with "the peer speaks plain DICOM, not TLS"). The files are read
 *  here, so a bad one fails now.
 *  @param ae    the AE
 *  @param opts  the settings; NULL turns TLS off (plain TCP, the default)
 *  @return DK_OK; DK_EINVAL for a NULL `ae`, a bad version, profile or peer value, or a file that
 *          cannot be read or a key that does not match its certificate; DK_EUNSUPPORTED in a build
 *          without TLS (DCMKIT_WITH_TLS=OFF) */
DK_EXTERN(dk_result) dk_ae_set_tls(dk_ae *ae, const dk_tls_options *opts);

/** As SCP: binds a Calling AE Title to a certificate identity. Once one binding exists, an
 *  association whose Calling AE Title has none, or whose TLS peer certificate matches none of its
 *  identities, is rejected (A-ASSOCIATE-RJ, rejected-permanent, service-user, reason 3).
 *  @param ae          the AE (its TLS is set with dk_ae_set_tls)
 *  @param calling_ae  the Calling AE Title (1 to 16 characters)
 *  @param identity    "sha256:AB:CD:…" (the certificate's SHA-256 fingerprint), "dns:NAME", "uri:URI",
 *                     "cn:NAME", or a name matched against the DNS names, URIs and CN; repeatable
 *  @return DK_OK; DK_EINVAL for a NULL or empty argument, an AE title too long, or no TLS set on `ae` */
DK_EXTERN(dk_result) dk_ae_bind_certificate(dk_ae *ae, const char *calling_ae, const char *identity);

/** User identity types (PS3.7 Table D.3-14), for dk_ae_set_user_identity and dk_assoc_info. */
#define DK_IDENTITY_USERNAME 1u          /**< a username */
#define DK_IDENTITY_USERNAME_PASSCODE 2u /**< a username and a passcode */
#define DK_IDENTITY_KERBEROS 3u          /**< a Kerberos service ticket */
#define DK_IDENTITY_SAML 4u              /**< a SAML assertion */
#define DK_IDENTITY_JWT 5u               /**< a JSON Web Token */
/** dk_ae_set_user_identity flag: ask the acceptor for a positive response (its server response,
 *  read with dk_assoc_user_identity_response). */
#define DK_IDENTITY_POSITIVE_RESPONSE 0x1u

/** The user identity the associations made from `ae` afterwards send (PS3.7 D.3.3.7).
 *
 *  @param ae            the AE
 *  @param type          a DK_IDENTITY_* type; 0 clears the identity (then the other arguments are ignored)
 *  @param primary       the username or the token's bytes (`primary_size` of them; a Kerberos ticket
 *                       may hold NULs); not NULL unless `type` is 0
 *  @param primary_size  1 to 65535
 *  @param passcode      type 2: the passcode (UTF-8, 1 to 65535 bytes); must be NULL for other types
 *  @param flags         0 or DK_IDENTITY_POSITIVE_RESPONSE; other bits give DK_EINVAL
 *  @return DK_OK; DK_EINVAL for a NULL `ae`, an unknown type or flag, a size out of range, a passcode
 *          missing for type 2 or given for another type */
DK_EXTERN(dk_result) dk_ae_set_user_identity(dk_ae *ae, uint32_t type, const void *primary, size_t primary_size,
                                             const char *passcode, uint32_t flags);

/* -- associations as SCU ------------------------------------------------------------------------- */

/** An established association, requested by this AE. Opaque. Use it from one thread at a time. */
typedef struct dk_assoc dk_assoc;

/** Connects to `host`:`port` and requests an association with `called_ae` proposing the AE's SOP
 *  classes. DK_ENETWORK (connection refused, unknown host: the message says which), DK_ETIMEOUT,
 *  DK_EREJECTED (the message gives the peer's reason), DK_EABORTED. Caller frees *out with
 *  dk_assoc_free().
 *
 *  @param[out] out        receives the established association (free with dk_assoc_free); NULL on
 *                         failure
 *  @param      ae         this AE (copied): its title is the Calling AE Title
 *  @param      host       the peer's host name or address
 *  @param      port       the peer's TCP port (not 0)
 *  @param      called_ae  the peer's AE title (rules as for dk_ae_new's title)
 *  @return DK_OK; DK_EINVAL when `out`, `ae`, `host` or `called_ae` is NULL, for a bad `called_ae`,
 *          a `port` of 0, or an AE without SOP classes; DK_ENETWORK, DK_ETIMEOUT, DK_EREJECTED,
 *          DK_EABORTED as above; DK_EPROTOCOL when the peer's answer breaks the protocol */
DK_EXTERN(dk_result) dk_assoc_connect(dk_assoc **out, const dk_ae *ae, const char *host, uint16_t port,
                                      const char *called_ae);

/** C-ECHO. *status receives the peer's DIMSE status (0x0000 Success). DK_EREFUSED when no
 *  Verification context was accepted.
 *
 *  @param[out] status  receives the response's status; 0 on failure
 *  @param      assoc   the established association
 *  @return DK_OK (whatever the status); DK_EINVAL when `status` or `assoc` is NULL, the association
 *          is no longer established, or a C-FIND query is open on it (dk_assoc_find_start);
 *          DK_EREFUSED as above; DK_ENETWORK, DK_ETIMEOUT, DK_EABORTED, DK_EPROTOCOL when the
 *          association fails (it can then only be freed) */
DK_EXTERN(dk_result) dk_assoc_echo(uint16_t *status, dk_assoc *assoc);
/** C-STORE of a Part 10 file: sent as is when its transfer syntax was accepted, else re-encoded in
 *  an accepted one. *status receives the peer's status (0x0000 Success, 0xBxxx warnings, others
 *  failures). DK_ENOTFOUND/DK_ENOTDICOM… when the file cannot be read (the association stays
 *  usable), DK_EREFUSED when no accepted context can carry it.
 *
 *  @param[out] status  receives the response's status; 0 on failure
 *  @param      assoc   the established association
 *  @param      path    the Part 10 file to send
 *  @return DK_OK (whatever the status); DK_EINVAL when `status`, `assoc` or `path` is NULL, and as
 *          for dk_assoc_echo; the read errors of dk_dataset_read_file; DK_EBADVALUE when it has no
 *          SOP Class UID or SOP Instance UID; DK_EREFUSED as above; the errors of
 *          dk_dataset_transcode when it must be re-encoded; the network errors of dk_assoc_echo */
DK_EXTERN(dk_result) dk_assoc_store_file(uint16_t *status, dk_assoc *assoc, const char *path);
/** C-STORE of a top-level dataset in memory (DK_EINVAL for an item handle). Errors as above.
 *
 *  @param[out] status  receives the response's status; 0 on failure
 *  @param      assoc   the established association
 *  @param      ds      the top-level dataset to send (in its transfer syntax when accepted)
 *  @return as dk_assoc_store_file, with DK_EINVAL also for a NULL `ds` or an item handle */
DK_EXTERN(dk_result) dk_assoc_store_dataset(uint16_t *status, dk_assoc *assoc, const dk_dataset *ds);

/* -- Query/Retrieve as SCU (PS3.4 Annex C) --------------------------------------------------------- */

/* SOP class UIDs: DK_UID_<keyword> of dcmkit/dk_uids.h (DK_UID_StudyRootQueryRetrieveInformationModelFind,
 * DK_UID_ModalityWorklistInformationModelFind, DK_UID_ModalityPerformedProcedureStep,
 * DK_UID_StorageCommitmentPushModel…), generated from the registry. */

/** Called with each C-FIND match (a pending response's identifier), on the caller's thread. The
 *  handle is valid during the call only (copy what you keep: dk_dataset_write_memory…) and
 *  must not be freed. Return nonzero to go on, 0 to cancel the query (a C-CANCEL-RQ is sent and
 *  the remaining responses are drained: the final status is then usually 0xFE00 Cancel).
 *
 *  @param match      the match's identifier, a top-level handle valid during the call only
 *  @param user_data  what dk_assoc_find was given
 *  @return nonzero to go on, 0 to cancel */
typedef int32_t (*dk_find_fn)(const dk_dataset *match, void *user_data);

/** C-FIND (PS3.4 C.4.1). `sop_class` NULL = Study Root
 *  (DK_UID_StudyRootQueryRetrieveInformationModelFind); `identifier` holds the Query/Retrieve Level
 *  (0008,0052) ("PATIENT", "STUDY", "SERIES", "IMAGE"; none for the worklist) and the keys: empty
 *  ones are returned, others are matched (wildcards * ?, date ranges, UID lists). `on_match` may be
 *  NULL (matches are counted and dropped). *status receives the final status (0x0000 Success,
 *  0xFE00 after a cancel, 0xA700, 0xA900, 0xCxxx…) and *matches, when not NULL, the number of
 *  matches received. DK_EREFUSED when no context for `sop_class` was accepted (the association
 *  stays usable).
 *
 *  @param[out] status      receives the final status; 0xFFFF on failure
 *  @param[out] matches     receives the number of matches (0 on failure); may be NULL
 *  @param      assoc       the established association
 *  @param      sop_class   the information model's Find SOP class UID; NULL = Study Root
 *  @param      identifier  the query (a dataset or item handle; see dk_dataset_set_key)
 *  @param      on_match    called with each match on this thread; may be NULL
 *  @param      user_data   passed to `on_match`; may be NULL
 *  @return DK_OK (whatever the status); DK_EINVAL when `status`, `assoc` or `identifier` is NULL,
 *          for a `sop_class` that is not a valid UID, and as for dk_assoc_echo; DK_EREFUSED as
 *          above; the network errors of dk_assoc_echo */
DK_EXTERN(dk_result) dk_assoc_find(uint16_t *status, size_t *matches, dk_assoc *assoc,
                                   const char *sop_class, const dk_dataset *identifier, dk_find_fn on_match,
                                   void *user_data);

/** A C-FIND read one match at a time (see dk_assoc_find_start). Opaque; one thread at a time. */
typedef struct dk_find_query dk_find_query;

/** Starts a C-FIND (the request is sent; `sop_class` and `identifier` as dk_assoc_find) and returns
 *  at once with *out, a query whose matches dk_find_query_next reads as they arrive: nothing runs
 *  in the background, so a caller that stops reading early cancels with dk_find_query_cancel (or
 *  dk_find_query_free) and the peer sends no more. While the query is open (not yet at its final
 *  response) the association carries no other request: those return DK_EINVAL. `out` receives the
 *  query (NULL on error); free it with dk_find_query_free. Errors as dk_assoc_find.
 *
 *  @param[out] out         receives the query (free with dk_find_query_free, before or after the
 *                          association); NULL on failure
 *  @param      assoc       the established association, with no other query open
 *  @param      sop_class   the Find SOP class UID; NULL = Study Root
 *  @param      identifier  the query (a dataset or item handle), copied
 *  @return DK_OK; DK_EINVAL when `out`, `assoc` or `identifier` is NULL, for a `sop_class` that is
 *          not a valid UID, and as for dk_assoc_echo; DK_EREFUSED as for dk_assoc_find; the network
 *          errors of dk_assoc_echo */
DK_EXTERN(dk_result) dk_assoc_find_start(dk_find_query **out, dk_assoc *assoc, const char *sop_class,
                                         const dk_dataset *identifier);

/** Waits (up to the AE's DIMSE timeout) for the next response of `query`. A pending response:
 *  *match receives its identifier, a dataset the caller owns (free it with dk_dataset_free). The
 *  final one (or a query already over): *match is NULL, and dk_find_query_status has the final
 *  status. Matches that arrive after a cancel are counted, never returned. DK_ETIMEOUT,
 *  DK_EABORTED, DK_EPROTOCOL when the association fails (the query is then over); DK_EINVAL when the
 *  association was freed.
 *
 *  @param[out] match  receives the next match (free with dk_dataset_free), or NULL once the query
 *                     is over; NULL on failure
 *  @param      query  the query
 *  @return DK_OK (also with *match NULL at the end, or after the association failed under the
 *          query); DK_EINVAL when `match` or `query` is NULL or the association was freed;
 *          DK_ENETWORK, DK_ETIMEOUT, DK_EABORTED, DK_EPROTOCOL as above */
DK_EXTERN(dk_result) dk_find_query_next(dk_dataset **match, dk_find_query *query);

/** Ends `query` early: a C-CANCEL-RQ is sent (once) and the responses still on their way are read
 *  and dropped up to the final one (normally 0xFE00 Cancel); the association is then free for other
 *  requests. Nothing is sent for a query already over. Errors as dk_find_query_next.
 *
 *  @param query  the query
 *  @return DK_OK (also for a query already over); DK_EINVAL when `query` is NULL or the association
 *          was freed; the network errors of dk_find_query_next */
DK_EXTERN(dk_result) dk_find_query_cancel(dk_find_query *query);

/** The state of `query`: *done 1 once its final response came (or the association failed), then
 *  *status the final status (0xFFFF before); *matches the pending responses received, including
 *  those drained after a cancel; *cancelled 1 when a C-CANCEL-RQ was sent. Each output may be NULL.
 *
 *  @param[out] done       receives 1 or 0; may be NULL
 *  @param[out] status     receives the final status, 0xFFFF before it; may be NULL
 *  @param[out] matches    receives the number of pending responses received; may be NULL
 *  @param[out] cancelled  receives 1 or 0; may be NULL
 *  @param      query      the query (its association may have been freed)
 *  @return DK_OK; DK_EINVAL when `query` is NULL (the outputs are then left as they were) */
DK_EXTERN(dk_result) dk_find_query_status(int32_t *done, uint16_t *status, size_t *matches, int32_t *cancelled,
                                          const dk_find_query *query);

/** Frees `query` (NULL is ignored). A query not over is cancelled first as dk_find_query_cancel
 *  does; when that fails, the association is aborted (its state is unknown).
 *
 *  @param query  the query; when its association was freed, nothing is sent */
DK_EXTERN(void) dk_find_query_free(dk_find_query *query);

/** The counts of a C-MOVE or C-GET response (PS3.7 9.3.3.2, 9.3.4.2): the final one when returned
 *  by dk_assoc_move/get, each pending one when passed to a dk_retrieve_fn. An output structure: set
 *  `version` (dk_retrieve_result_init) before the call; the library fills the fields `version` has. */
typedef struct dk_retrieve_result {
    uint32_t version;    /**< DK_RETRIEVE_RESULT_VERSION */
    uint16_t status;     /**< 0x0000 Success, 0xFF00 Pending, 0xB000 some failed, 0xFE00 Cancel, 0xA801… */
    uint16_t completed;  /**< sub-operations completed */
    uint16_t failed;     /**< sub-operations failed */
    uint16_t warning;    /**< sub-operations with a warning */
    int32_t remaining;   /**< sub-operations remaining, -1 when the response does not say */
    int32_t cancelled;       /**< the retrieval was cancelled (a C-CANCEL-RQ was sent) */
    uint32_t stored;     /**< C-GET: instances received and stored into the folder */
} dk_retrieve_result;
#define DK_RETRIEVE_RESULT_VERSION 1
#define DK_RETRIEVE_RESULT_INIT {DK_RETRIEVE_RESULT_VERSION, 0xFFFF, 0, 0, 0, -1, 0, 0}
/** Fills `result` with the initial values of `version`. DK_EINVAL for an unknown version.
 *
 *  @param[out] result   the caller's struct
 *  @param      version  DK_RETRIEVE_RESULT_VERSION
 *  @return DK_OK; DK_EINVAL when `result` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_retrieve_result_init(dk_retrieve_result *result, uint32_t version);

/** Called with each pending response of a C-MOVE or C-GET (and the final one), on the caller's
 *  thread. Return nonzero to go on, 0 to cancel (C-CANCEL-RQ).
 *
 *  @param progress   the response's status and counts (DK_RETRIEVE_RESULT_VERSION; `cancelled` and
 *                    `stored` are 0 here); valid during the call only
 *  @param user_data  what dk_assoc_move or dk_assoc_get was given
 *  @return nonzero to go on, 0 to cancel */
typedef int32_t (*dk_retrieve_fn)(const dk_retrieve_result *progress, void *user_data);

/** C-MOVE (PS3.4 C.4.2): the peer C-STOREs what `identifier` selects (Query/Retrieve Level and the
 *  unique keys) to `destination_ae`, which it must know. `sop_class` NULL = Study Root
 *  (DK_UID_StudyRootQueryRetrieveInformationModelMove); `progress` may be NULL. `*result` (its
 *  version set) receives the final status and counts. Errors as dk_assoc_find.
 *
 *  @param[in,out] result          the caller's struct with `version` set: receives the final
 *                                 status and counts (its initial values on failure)
 *  @param         assoc           the established association
 *  @param         sop_class       the Move SOP class UID; NULL = Study Root
 *  @param         destination_ae  the Move Destination's AE title
 *  @param         identifier      what to retrieve (a dataset or item handle)
 *  @param         progress        called with each pending response on this thread; may be NULL
 *  @param         user_data       passed to `progress`; may be NULL
 *  @return DK_OK (whatever the status); DK_EINVAL when `result`, `assoc`, `destination_ae` or
 *          `identifier` is NULL, for an unknown result version, a `sop_class` that is not a valid
 *          UID, a bad `destination_ae`, and as for dk_assoc_echo; DK_EREFUSED when no context for
 *          `sop_class` was accepted; the network errors of dk_assoc_echo */
DK_EXTERN(dk_result) dk_assoc_move(dk_retrieve_result *result, dk_assoc *assoc, const char *sop_class,
                                   const char *destination_ae, const dk_dataset *identifier, dk_retrieve_fn progress,
                                   void *user_data);

/** C-GET (PS3.4 C.4.3): the peer sends what `identifier` selects as C-STORE sub-operations on this
 *  association, each streamed to `folder` (which must exist) as `<SOP Instance UID>.dcm`, and all
 *  made durable together (one file-system flush) before it returns. The AE
 *  must have proposed their storage SOP classes with the SCP role (dk_ae_add_get_storage).
 *  `sop_class` NULL = Study Root (DK_UID_StudyRootQueryRetrieveInformationModelGet). Errors as
 *  dk_assoc_move.
 *
 *  @param[in,out] result      the caller's struct with `version` set: receives the final status,
 *                             counts and `stored` (its initial values on failure)
 *  @param         assoc       the established association
 *  @param         sop_class   the Get SOP class UID; NULL = Study Root
 *  @param         identifier  what to retrieve (a dataset or item handle)
 *  @param         folder      an existing folder this process can write in
 *  @param         progress    called with each pending response on this thread; may be NULL
 *  @param         user_data   passed to `progress`; may be NULL
 *  @return DK_OK (whatever the status); DK_EINVAL when `result`, `assoc`, `identifier` or `folder`
 *          is NULL, for an unknown result version, a `sop_class` that is not a valid UID, a
 *          `folder` that is not a folder, and as for dk_assoc_echo; DK_ENOTFOUND when `folder` does
 *          not exist; DK_EIO when it cannot be written in or the files cannot be made durable;
 *          DK_EREFUSED when no context for `sop_class` was accepted; the network errors of
 *          dk_assoc_echo */
DK_EXTERN(dk_result) dk_assoc_get(dk_retrieve_result *result, dk_assoc *assoc, const char *sop_class,
                                  const dk_dataset *identifier, const char *folder, dk_retrieve_fn progress,
                                  void *user_data);

/* -- DIMSE-N as requester (PS3.7 10): MPPS (PS3.4 F), Storage Commitment (PS3.4 J)… --------------- */

/** What an N-CREATE, N-SET or N-ACTION came back with. An output structure: set `version`
 *  (dk_n_result_init) before the call. Free `dataset` with dk_dataset_free. */
typedef struct dk_n_result {
    uint32_t version;             /**< DK_N_RESULT_VERSION */
    uint16_t status;              /**< the response's status (0x0000 Success; failures are not errors) */
    uint16_t action_type;         /**< N-ACTION: the Action Type ID of the response */
    char sop_instance_uid[65];    /**< the Affected SOP Instance UID (N-CREATE: the one the performer chose) */
    char error_comment[65];       /**< Error Comment (0000,0902), "" when none */
    dk_dataset *dataset;          /**< the response's dataset, NULL when none; the caller frees it */
} dk_n_result;
#define DK_N_RESULT_VERSION 1
/** Fills `result` with the initial values of `version` (status 0xFFFF, no dataset).
 *
 *  @param[out] result   the caller's struct (a `dataset` it held is not freed)
 *  @param      version  DK_N_RESULT_VERSION
 *  @return DK_OK; DK_EINVAL when `result` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_n_result_init(dk_n_result *result, uint32_t version);

/** N-CREATE (PS3.7 10.1.5) of an instance of `sop_class`: `instance_uid` NULL or "" lets the
 *  performer choose one (returned in result->sop_instance_uid); `attributes` may be NULL. DK_EREFUSED
 *  when no context for `sop_class` was accepted.
 *
 *  @param[in,out] result        the caller's struct with `version` set: receives the response (its
 *                               initial values on failure; a `dataset` it held is not freed)
 *  @param         assoc         the established association
 *  @param         sop_class     the SOP class UID (Affected SOP Class); required
 *  @param         instance_uid  the new instance's UID; NULL or "" = the performer's choice
 *  @param         attributes    the attribute list (a dataset or item handle); may be NULL
 *  @return DK_OK (whatever the status); DK_EINVAL when `result`, `assoc` or `sop_class` is NULL, for
 *          an unknown result version, a `sop_class` or `instance_uid` that is not a valid UID, and as
 *          for dk_assoc_echo; DK_EREFUSED as above; the network errors of dk_assoc_echo */
DK_EXTERN(dk_result) dk_assoc_n_create(dk_n_result *result, dk_assoc *assoc, const char *sop_class,
                                       const char *instance_uid, const dk_dataset *attributes);
/** N-SET (PS3.7 10.1.3) of `instance_uid` with `modifications`.
 *
 *  @param[in,out] result         as for dk_assoc_n_create
 *  @param         assoc          the established association
 *  @param         sop_class      the SOP class UID (Requested SOP Class); required
 *  @param         instance_uid   the instance to modify (Requested SOP Instance); required
 *  @param         modifications  the modification list (a dataset or item handle); required
 *  @return DK_OK (whatever the status); DK_EINVAL when `result`, `assoc`, `sop_class` or
 *          `modifications` is NULL, `instance_uid` is NULL or "", for an unknown result version, a
 *          UID that is not valid, and as for dk_assoc_echo; DK_EREFUSED when no context for
 *          `sop_class` was accepted; the network errors of dk_assoc_echo */
DK_EXTERN(dk_result) dk_assoc_n_set(dk_n_result *result, dk_assoc *assoc, const char *sop_class,
                                    const char *instance_uid, const dk_dataset *modifications);
/** N-ACTION (PS3.7 10.1.4) `action_type` on `instance_uid`, with `information` (may be NULL).
 *
 *  @param[in,out] result        as for dk_assoc_n_create (action_type: the response's)
 *  @param         assoc         the established association
 *  @param         sop_class     the SOP class UID (Requested SOP Class); required
 *  @param         instance_uid  the instance acted on (Requested SOP Instance); required
 *  @param         action_type   the Action Type ID
 *  @param         information   the action information (a dataset or item handle); may be NULL
 *  @return DK_OK (whatever the status); DK_EINVAL when `result`, `assoc` or `sop_class` is NULL,
 *          `instance_uid` is NULL or "", for an unknown result version, a UID that is not valid,
 *          and as for dk_assoc_echo; DK_EREFUSED when no context for `sop_class` was accepted; the
 *          network errors of dk_assoc_echo */
DK_EXTERN(dk_result) dk_assoc_n_action(dk_n_result *result, dk_assoc *assoc, const char *sop_class,
                                       const char *instance_uid, uint16_t action_type,
                                       const dk_dataset *information);

/* -- Storage Commitment Push Model as SCU (PS3.4 Annex J) ----------------------------------------- */

/* A modality asks an archive to take over the safekeeping of instances it sent:
 *
 *   dk_ae_add_sop_class(ae, DK_UID_StorageCommitmentPushModel, NULL, 0, DK_ROLE_SCU);
 *   dk_commit_listener *l = NULL;                       // when the report may come on an
 *   dk_commit_listener_start(&l, ae, NULL, 11113);      // association the archive opens
 *   dk_assoc_connect(&a, ae, "pacs.local", 104, "PACS");
 *   dk_commit_result *r = NULL;
 *   dk_assoc_commit(&r, a, classes, instances, n, 30000);   // N-ACTION, then the report (30 s)
 *   dk_assoc_release(a);
 *   int32_t received = 0;
 *   dk_commit_result_report_received(&received, r);
 *   if (!received) dk_commit_listener_wait(&received, l, r, 60000);
 *   ... dk_commit_result_count(&nfailed, r, DK_COMMIT_FAILED), dk_commit_result_item(...) ...
 *   dk_commit_result_free(r);
 *   dk_commit_listener_free(l);
 *
 * The AE needs the Storage Commitment Push Model as SCU: dk_ae_add_sop_class(ae,
 * DK_UID_StorageCommitmentPushModel, NULL, 0, DK_ROLE_SCU). The archive sends its report on a new
 * association to where it knows this AE title listens (its configuration, not the request). */

/** The outcome of a Storage Commitment request: the N-ACTION's status, the Transaction UID, and
 *  once the N-EVENT-REPORT came, its event type and the committed and failed instances. Opaque;
 *  made by dk_assoc_commit, completed by dk_commit_listener_wait, freed with dk_commit_result_free.
 *  Not thread-safe while dk_commit_listener_wait fills it. */
typedef struct dk_commit_result dk_commit_result;

/** The two lists of a report: the Referenced SOP Sequence (committed) and the Failed SOP Sequence. */
typedef enum dk_commit_list {
    DK_COMMIT_COMMITTED = 0,
    DK_COMMIT_FAILED = 1
} dk_commit_list;

/** Requests Storage Commitment (PS3.4 J.3.2: N-ACTION, action type 1, on the well-known instance
 *  DK_UID_StorageCommitmentPushModelInstance) for the `n` instances (`sop_class_uids[i]`,
 *  `sop_instance_uids[i]`) under a new Transaction UID, then waits up to `report_wait_ms` for the
 *  performer's N-EVENT-REPORT on this association (answering it). When it does not come in time
 *  (or `report_wait_ms` is 0: do not wait, the report will come on a dk_commit_listener), the call
 *  still succeeds with report_received 0, and the association stays usable; a performer that
 *  releases the association instead ends it (dk_assoc_release then gives DK_EINVAL). Without the
 *  report, release the association next: a performer may still send the report on it, which the
 *  next request would meet instead of its response (DK_EPROTOCOL); released, it comes to the
 *  listener.
 *  An N-ACTION failure status (dk_commit_result_action_status) is no failed call either.
 *  DK_EINVAL (nothing sent, the message says which argument): `out` or an array NULL, `n` 0, a
 *  UID that is not one (index named), `report_wait_ms` negative. DK_EREFUSED when no context for
 *  DK_UID_StorageCommitmentPushModel was accepted (the association stays usable). Network failures
 *  as dk_assoc_find. Caller frees *out with dk_commit_result_free().
 *
 *  @param[out] out                receives the result (free with dk_commit_result_free); NULL on
 *                                 failure
 *  @param      assoc              the established association
 *  @param      sop_class_uids     `n` SOP Class UIDs
 *  @param      sop_instance_uids  `n` SOP Instance UIDs, in the same order
 *  @param      n                  the number of instances (not 0)
 *  @param      report_wait_ms     milliseconds to wait for the report on this association (>= 0)
 *  @return DK_OK (whatever the N-ACTION status, report or not); DK_EINVAL as above, and as for
 *          dk_assoc_echo (checked after the arguments); DK_EREFUSED as above; the network errors
 *          of dk_assoc_echo */
DK_EXTERN(dk_result) dk_assoc_commit(dk_commit_result **out, dk_assoc *assoc,
                                     const char *const *sop_class_uids, const char *const *sop_instance_uids, size_t n,
                                     int32_t report_wait_ms);

/** The status of the N-ACTION response (0x0000 Success; 0x0110, 0x0112… failures, PS3.4 J.3.2.1.2).
 *
 *  @param[out] status  receives the status; 0xFFFF when `r` is NULL
 *  @param      r       the result
 *  @return DK_OK; DK_EINVAL when `status` or `r` is NULL */
DK_EXTERN(dk_result) dk_commit_result_action_status(uint16_t *status, const dk_commit_result *r);
/** The Transaction UID (0008,1195) of the request; borrowed from `r` (valid until it is freed).
 *
 *  @param[out] uid  receives the borrowed UID; "" when `r` is NULL
 *  @param      r    the result
 *  @return DK_OK; DK_EINVAL when `uid` or `r` is NULL */
DK_EXTERN(dk_result) dk_commit_result_transaction_uid(const char **uid, const dk_commit_result *r);
/** *received = 1 when the N-EVENT-REPORT came (on the association or through a listener), else 0.
 *
 *  @param[out] received  receives 1 or 0; 0 when `r` is NULL
 *  @param      r         the result
 *  @return DK_OK; DK_EINVAL when `received` or `r` is NULL */
DK_EXTERN(dk_result) dk_commit_result_report_received(int32_t *received, const dk_commit_result *r);
/** The report's Event Type ID (PS3.4 J.3.3.1: 1 all committed, 2 some failed); 0 before the report.
 *
 *  @param[out] event_type  receives the Event Type ID; 0 when `r` is NULL
 *  @param      r           the result
 *  @return DK_OK; DK_EINVAL when `event_type` or `r` is NULL */
DK_EXTERN(dk_result) dk_commit_result_event_type(uint16_t *event_type, const dk_commit_result *r);
/** The number of instances in `list` (0 before the report). DK_EINVAL for an unknown list.
 *
 *  @param[out] count  receives the number; 0 on failure
 *  @param      r      the result
 *  @param      list   DK_COMMIT_COMMITTED or DK_COMMIT_FAILED
 *  @return DK_OK; DK_EINVAL when `count` or `r` is NULL, or for an unknown `list` */
DK_EXTERN(dk_result) dk_commit_result_count(size_t *count, const dk_commit_result *r, dk_commit_list list);
/** Instance `index` of `list` (DK_ENOTFOUND past the end): its SOP class and instance UIDs and, in
 *  the failed list, its Failure Reason (PS3.4 J.3.2.1.1.1: 0x0110 Processing failure, 0x0112 No
 *  such object instance, 0x0119 Class-instance conflict, 0x0122 Referenced SOP Class not
 *  supported, 0x0131 Duplicate transaction UID; 0 in the committed list). Each out pointer may be
 *  NULL; the strings are borrowed from `r` (valid until it is freed or filled by
 *  dk_commit_listener_wait).
 *
 *  @param[out] sop_class_uid     receives the borrowed SOP Class UID; may be NULL
 *  @param[out] sop_instance_uid  receives the borrowed SOP Instance UID; may be NULL
 *  @param[out] failure_reason    receives the Failure Reason (0 in the committed list); may be NULL
 *  @param      r                 the result
 *  @param      list              DK_COMMIT_COMMITTED or DK_COMMIT_FAILED
 *  @param      index             0 to dk_commit_result_count - 1
 *  @return DK_OK; DK_EINVAL when `r` is NULL or for an unknown `list`; DK_ENOTFOUND past the end
 *          (the outputs are then left as they were) */
DK_EXTERN(dk_result) dk_commit_result_item(const char **sop_class_uid, const char **sop_instance_uid,
                                           uint16_t *failure_reason, const dk_commit_result *r, dk_commit_list list,
                                           size_t index);
/** Frees a result (NULL is ignored).
 *
 *  @param r  the result; the strings borrowed from it die with it */
DK_EXTERN(void) dk_commit_result_free(dk_commit_result *r);

/** The requestor's end of reports sent on associations the performer opens (PS3.4 J.3.3.1.3): a
 *  server with the AE's title, options and log, accepting only the Storage Commitment Push Model
 *  in the SCU role (the performer proposes the SCP role) and answering each N-EVENT-REPORT. Reports
 *  that come before dk_commit_listener_wait asks for them are kept. Opaque; thread-safe. */
typedef struct dk_commit_listener dk_commit_listener;

/** Starts a listener on `address` (NULL or "" = every address) and `port` (0 = a free one, see
 *  dk_commit_listener_port) for the AE title of `ae` (its SOP classes are not used). Start it
 *  before the request, so that a report sent at once finds it. DK_ENETWORK when the address cannot
 *  be bound. Caller frees *out with dk_commit_listener_free().
 *
 *  @param[out] out      receives the running listener (free with dk_commit_listener_free); NULL on
 *                       failure
 *  @param      ae       the AE whose title, options and log the listener takes (copied)
 *  @param      address  the address to bind; NULL or "" = every address
 *  @param      port     the TCP port; 0 = a free one
 *  @return DK_OK; DK_EINVAL when `out` or `ae` is NULL; DK_ENETWORK as above */
DK_EXTERN(dk_result) dk_commit_listener_start(dk_commit_listener **out, const dk_ae *ae, const char *address,
                                              uint16_t port);
/** The port the listener listens on.
 *
 *  @param[out] port  receives the port; 0 on failure
 *  @param      l     the listener
 *  @return DK_OK; DK_EINVAL when `port` or `l` is NULL */
DK_EXTERN(dk_result) dk_commit_listener_port(uint16_t *port, const dk_commit_listener *l);
/** Waits up to `timeout_ms` (0: only look) for the report of `r`'s Transaction UID and fills `r`
 *  with it (report received, event type, committed and failed lists); *received = 1 when it came
 *  (or `r` already had its report), 0 on timeout (no error). Each report is handed out once.
 *
 *  @param[out] received    receives 1 or 0; 0 on failure
 *  @param      l           the listener
 *  @param      r           the result to complete (from dk_assoc_commit)
 *  @param      timeout_ms  milliseconds to wait (>= 0); 0 only looks
 *  @return DK_OK (a timeout too); DK_EINVAL when `received`, `l` or `r` is NULL, or `timeout_ms` is
 *          negative */
DK_EXTERN(dk_result) dk_commit_listener_wait(int32_t *received, dk_commit_listener *l, dk_commit_result *r,
                                             int32_t timeout_ms);
/** Stops the listener (running associations get 2 s) and frees it (NULL is ignored).
 *
 *  @param l  the listener; reports it kept and did not hand out are dropped */
DK_EXTERN(void) dk_commit_listener_free(dk_commit_listener *l);

/** Number of presentation contexts negotiated (accepted or not).
 *
 *  @param[out] count  receives the number; 0 on failure
 *  @param      assoc  the association (also once released or aborted)
 *  @return DK_OK; DK_EINVAL when `count` or `assoc` is NULL */
DK_EXTERN(dk_result) dk_assoc_context_count(size_t *count, const dk_assoc *assoc);

/** The acceptor's answer to a user identity that asked for a positive response (PS3.7 D.3.3.7.2):
 *  a JWT or SAML response, a Kerberos server ticket, or nothing (an acceptor that does not answer,
 *  or that accepted an identity the request did not ask to be confirmed).
 *
 *  @param[out] response  receives the response bytes, borrowed from `assoc` (valid until it is
 *                        freed); NULL when there was none
 *  @param[out] size      receives their number (0 when none)
 *  @param      assoc     the association
 *  @return DK_OK; DK_EINVAL when an argument is NULL */
DK_EXTERN(dk_result) dk_assoc_user_identity_response(const void **response, size_t *size, const dk_assoc *assoc);
/** Presentation context `index` (DK_ENOTFOUND past the end): its ID, abstract syntax (SOP class UID),
 *  accepted transfer syntax ("" when not accepted) and result (0 acceptance, 1 user rejection,
 *  2 no reason, 3 abstract syntax not supported, 4 transfer syntaxes not supported). Each out
 *  pointer may be NULL; the strings are borrowed from the association (valid until dk_assoc_free).
 *
 *  @param[out] id               receives the presentation context ID (odd, 1 to 255); may be NULL
 *  @param[out] abstract_syntax  receives the borrowed SOP class UID; may be NULL
 *  @param[out] transfer_syntax  receives the borrowed accepted transfer syntax UID, or ""; may be NULL
 *  @param[out] result           receives the result/reason (0 to 4, PS3.8 9.3.3.2); may be NULL
 *  @param      assoc            the association (also once released or aborted)
 *  @param      index            0 to dk_assoc_context_count - 1
 *  @return DK_OK; DK_EINVAL when `assoc` is NULL; DK_ENOTFOUND past the end (the outputs are then
 *          left as they were) */
DK_EXTERN(dk_result) dk_assoc_context(uint8_t *id, const char **abstract_syntax, const char **transfer_syntax,
                                      int32_t *result, const dk_assoc *assoc, size_t index);

/** Releases the association (A-RELEASE). Afterwards the handle only answers queries and is freed.
 *  DK_EINVAL when it is no longer established.
 *
 *  @param assoc  the established association
 *  @return DK_OK; DK_EINVAL when `assoc` is NULL, no longer established, or a C-FIND query is open
 *          on it (dk_assoc_find_start: read it to its end or cancel it first); DK_ENETWORK,
 *          DK_ETIMEOUT, DK_EABORTED, DK_EPROTOCOL when the release fails */
DK_EXTERN(dk_result) dk_assoc_release(dk_assoc *assoc);
/** Aborts the association (A-ABORT). Idempotent.
 *
 *  @param assoc  the association (released or aborted before: nothing is sent)
 *  @return DK_OK; DK_EINVAL when `assoc` is NULL */
DK_EXTERN(dk_result) dk_assoc_abort(dk_assoc *assoc);
/** Frees the handle, aborting the association if it is still established (NULL is ignored).
 *
 *  @param assoc  the association; a query started on it must still be freed (dk_find_query_free),
 *                and its dk_find_query_next and _cancel then give DK_EINVAL */
DK_EXTERN(void) dk_assoc_free(dk_assoc *assoc);

/* -- server (SCP) -------------------------------------------------------------------------------- */

/** A DICOM server: a listener and a pool of worker threads, one association each. Opaque. */
typedef struct dk_server dk_server;

/** What the server knows about an association. The strings are valid during the callback only.
 *  The library fills this struct; fields are only ever appended to it. */
typedef struct dk_assoc_info {
    const char *calling_ae;    /**< the peer's AE title */
    const char *called_ae;     /**< the AE title the peer asked for */
    const char *peer_address;  /**< "host:port" of the peer */
    /** The user identity of the A-ASSOCIATE-RQ (PS3.7 D.3.3.7): 0 none, 1 username, 2 username and
     *  passcode, 3 Kerberos ticket, 4 SAML assertion, 5 JSON Web Token. on_associate is the place
     *  to check it (return an error to reject the association); the later callbacks see the identity
     *  the association was accepted with. */
    uint32_t identity_type;
    const char *identity;      /**< the primary field (username or token), NUL-terminated; "" when none */
    size_t identity_size;      /**< its length in bytes (a Kerberos ticket may hold NULs) */
    const char *passcode;      /**< type 2: the passcode; "" otherwise */
    uint32_t identity_positive_response; /**< 1 when the requestor asked for a positive response */
    /** TLS: the protocol ("TLSv1.3") and the peer certificate's subject (RFC 2253, "CN=modality1,O=…")
     *  and SHA-256 fingerprint; "" on a plain association, and in on_associate (before negotiation) */
    const char *tls_protocol;
    const char *tls_subject;
    const char *tls_fingerprint;
} dk_assoc_info;

/** An instance received by C-STORE. The strings are valid during the callback only. */
typedef struct dk_store_info {
    const dk_assoc_info *assoc;     /**< the association it came on */
    const char *sop_class_uid;      /**< Affected SOP Class UID of the C-STORE-RQ */
    const char *sop_instance_uid;   /**< Affected SOP Instance UID of the C-STORE-RQ */
    const char *transfer_syntax;  /**< the syntax it was received in */
    /** A complete, checked Part 10 file holding the instance (read it with dk_dataset_read_file).
     *  With a storage folder (dk_server_set_storage_folder) it is the stored file, removed when the
     *  callback answers a failure status; without, a scratch file removed after the callback. */
    const char *path;
} dk_store_info;

/** A C-FIND being answered (see on_find): the handle dk_find_emit sends matches through. Opaque,
 *  valid during the callback only. */
typedef struct dk_find_request dk_find_request;

/** A C-FIND request as the server's on_find callback sees it. Valid during the callback only. */
typedef struct dk_find_info {
    const dk_assoc_info *assoc;    /**< the association it came on */
    const char *sop_class_uid;     /**< the information model (DK_UID_StudyRootQueryRetrieveInformationModelFind…) */
    const char *level;             /**< Query/Retrieve Level, trimmed ("STUDY"…); "" for the worklist */
    const dk_dataset *identifier;  /**< the request's identifier (read only) */
} dk_find_info;

/** Sends `match` as a pending C-FIND response (0xFF00); Query/Retrieve Level is added when it lacks
 *  it. From an on_find callback only, on its thread. DK_EREFUSED when the peer cancelled the query
 *  (the match was not sent): stop emitting and return. Network failures end the association.
 *
 *  @param request  the request the on_find callback received
 *  @param match    the match's identifier (a dataset or item handle), copied
 *  @return DK_OK; DK_EINVAL when `request` or `match` is NULL, `match` is a bad handle, or after
 *          on_find returned; DK_ENOTFOUND when the item `match` addresses was removed; DK_EREFUSED
 *          as above; DK_ENETWORK, DK_ETIMEOUT, DK_EABORTED when sending fails */
DK_EXTERN(dk_result) dk_find_emit(dk_find_request *request, const dk_dataset *match);

/** A C-MOVE or C-GET being answered (see on_move, on_get): the plan the callback fills with the
 *  files to send and, for C-MOVE, where the destination listens. Opaque, valid during the callback
 *  only. */
typedef struct dk_retrieve_plan dk_retrieve_plan;

/** A C-MOVE or C-GET request as on_move/on_get see it. Valid during the callback only. */
typedef struct dk_retrieve_info {
    const dk_assoc_info *assoc;    /**< the association it came on */
    const char *sop_class_uid;     /**< the information model (DK_UID_StudyRootQueryRetrieveInformationModelMove…) */
    const char *level;             /**< Query/Retrieve Level, trimmed ("STUDY"…) */
    const char *move_destination;  /**< C-MOVE: the Move Destination AE title; "" for C-GET */
    const dk_dataset *identifier;  /**< the request's identifier (read only) */
} dk_retrieve_info;

/** Adds the Part 10 file `path` (copied) to the instances the server sends, in the order added,
 *  streamed from disk when the sub-operations run (a file that cannot be read counts as a failed
 *  sub-operation). From an on_move/on_get callback only.
 *
 *  @param plan  the plan the callback received
 *  @param path  the file's path (not ""), copied; read only when the sub-operations run
 *  @return DK_OK; DK_EINVAL when `plan` or `path` is NULL, `path` is "", or after the callback
 *          returned */
DK_EXTERN(dk_result) dk_retrieve_plan_add_file(dk_retrieve_plan *plan, const char *path);
/** C-MOVE: the Move Destination listens on `host` (copied) and `port` (not 0). Without it the
 *  C-MOVE is refused with 0xA801 (Move Destination unknown). DK_EINVAL from on_get.
 *
 *  @param plan  the plan the on_move callback received
 *  @param host  the destination's host name or address (not "")
 *  @param port  the destination's TCP port (not 0)
 *  @return DK_OK; DK_EINVAL when `plan` or `host` is NULL, `host` is "", `port` is 0, the plan is
 *          a C-GET's, or after the callback returned */
DK_EXTERN(dk_result) dk_retrieve_plan_set_destination(dk_retrieve_plan *plan, const char *host, uint16_t port);

/** DIMSE-N messages (PS3.7 10.1) as dk_n_info.message gives them: their request Command Field. */
#define DK_N_EVENT_REPORT 0x0100u
#define DK_N_GET 0x0110u
#define DK_N_SET 0x0120u
#define DK_N_ACTION 0x0130u
#define DK_N_CREATE 0x0140u
#define DK_N_DELETE 0x0150u

/** A DIMSE-N request being answered (see on_n_request): the handle its reply is set through.
 *  Opaque, valid during the callback only. */
typedef struct dk_n_reply dk_n_reply;

/** A DIMSE-N request as on_n_request sees it. Valid during the callback only. */
typedef struct dk_n_info {
    const dk_assoc_info *assoc;    /**< the association it came on */
    uint16_t message;              /**< DK_N_CREATE, DK_N_SET, DK_N_GET, DK_N_ACTION, DK_N_EVENT_REPORT, DK_N_DELETE */
    const char *sop_class_uid;     /**< Affected or Requested SOP Class UID */
    const char *sop_instance_uid;  /**< Affected or Requested SOP Instance UID ("" when an N-CREATE has none) */
    uint16_t type_id;              /**< N-ACTION: Action Type ID; N-EVENT-REPORT: Event Type ID; else 0 */
    const uint32_t *attributes;    /**< N-GET: the Attribute Identifier List as DK_TAG values (may be NULL) */
    size_t attribute_count;        /**< the number of tags at `attributes` (0 when NULL) */
    const dk_dataset *dataset;     /**< the request's dataset (read only), NULL when it has none */
} dk_n_info;

/** The reply's dataset (Attribute List, Action Reply…): `dataset` is copied; NULL removes it. From
 *  an on_n_request callback only.
 *
 *  @param reply    the reply the callback received
 *  @param dataset  the reply's dataset (a dataset or item handle), copied; NULL = none
 *  @return DK_OK; DK_EINVAL when `reply` is NULL, `dataset` is a bad handle, or after the callback
 *          returned; DK_ENOTFOUND when the item `dataset` addresses was removed */
DK_EXTERN(dk_result) dk_n_reply_set_dataset(dk_n_reply *reply, const dk_dataset *dataset);
/** The Affected SOP Instance UID of the reply (copied): the instance an N-CREATE without one was
 *  given. Default: the request's.
 *
 *  @param reply  the reply the callback received
 *  @param uid    the UID (not checked here)
 *  @return DK_OK; DK_EINVAL when `reply` or `uid` is NULL, or after the callback returned */
DK_EXTERN(dk_result) dk_n_reply_set_instance_uid(dk_n_reply *reply, const char *uid);

/** Server callbacks. Each may be NULL. They are called from the server's worker threads, several
 *  at once when several associations are served: they must be thread-safe. They must not call
 *  dk_server_stop() or dk_server_free() on their own server. A callback returning a code other than
 *  DK_OK fails the request it was asked about: the association is rejected, or the DIMSE status
 *  becomes 0x0110 (Processing Failure) for C-ECHO and 0xA700 (Out of Resources) for C-STORE.
 *
 *  Their parameters, in the order of dk_common.h: `status` (in/out: the response status, 0x0000
 *  on entry), `info` (the request, valid during the call only), the handle the answer goes through
 *  (`request`, `plan`, `reply`: valid during the call only), and `user_data` (this struct's). */
typedef struct dk_server_callbacks {
    uint32_t version; /**< DK_SERVER_CALLBACKS_VERSION */
    /** An association request, before negotiation: DK_OK accepts it (negotiated with the AE's SOP
     *  classes), another code rejects it (rejected-permanent, service-user, no reason given). NULL:
     *  accept all. `info`: the calling and called AE titles and the peer's address. */
    dk_result (*on_associate)(const dk_assoc_info *info, void *user_data);
    /** A C-ECHO: *status (0x0000 on entry) is the response status; `info`: the association. NULL:
     *  answer Success. */
    dk_result (*on_echo)(uint16_t *status, const dk_assoc_info *info, void *user_data);
    /** A C-STORE, after the dataset was received into a file (see dk_store_info.path): *status
     *  (0x0000 on entry) is the response status. NULL: with a storage folder, store there and answer
     *  Success; without one, refuse (0xA700). `info`: the instance and its file. */
    dk_result (*on_store)(uint16_t *status, const dk_store_info *info, void *user_data);
    void *user_data;  /**< passed to every callback */
    /* -- version 2 -- */
    /** A C-FIND (PS3.4 C.4.1) on a Query/Retrieve or worklist SOP class the AE accepts as SCP
     *  (dk_ae_add_sop_class(ae, DK_UID_StudyRootQueryRetrieveInformationModelFind, NULL, 0,
     *  DK_ROLE_SCP)…): send each match with dk_find_emit(request, match), then return; *status
     *  (0x0000 on entry) is the final status (0xA700, 0xA900, 0xC000… for failures; 0xFE00 is sent
     *  after a cancel whatever it says). A code other than DK_OK answers 0xC000 (Unable to
     *  process). Runs on a thread of the association. NULL: C-FIND is answered 0x0122 (SOP class
     *  not supported). `info`: the request's model, level and identifier; `request`: for
     *  dk_find_emit. */
    dk_result (*on_find)(uint16_t *status, const dk_find_info *info, dk_find_request *request, void *user_data);
    /* -- version 3 -- */
    /** A C-MOVE (PS3.4 C.4.2) on a Query/Retrieve SOP class the AE accepts as SCP: add the files to
     *  send (dk_retrieve_plan_add_file) and the destination (dk_retrieve_plan_set_destination), then
     *  return; the server opens the association to the destination, sends the C-STORE
     *  sub-operations and the pending and final responses (counts, Failed SOP Instance UID List,
     *  0xFE00 on a cancel). *status (0x0000 on entry) set to a failure (0xA801, 0xA701, 0xA900,
     *  0xC000…) refuses the request before any sub-operation. A code other than DK_OK answers 0xC000.
     *  NULL: C-MOVE is answered 0x0122. `info`: the request's model, level, identifier and Move
     *  Destination; `plan`: for dk_retrieve_plan_add_file and _set_destination. */
    dk_result (*on_move)(uint16_t *status, const dk_retrieve_info *info, dk_retrieve_plan *plan, void *user_data);
    /** A C-GET (PS3.4 C.4.3): like on_move, the sub-operations sent on the requesting association
     *  (the peer must have proposed the storage SOP classes with the SCP role); the plan takes no
     *  destination. NULL: 0x0122. */
    dk_result (*on_get)(uint16_t *status, const dk_retrieve_info *info, dk_retrieve_plan *plan, void *user_data);
    /** A DIMSE-N request (N-CREATE, N-SET, N-GET, N-ACTION, N-EVENT-REPORT, N-DELETE) on a SOP class
     *  the AE accepts (dk_ae_add_sop_class): set the reply's dataset and instance UID through
     *  `reply`; *status (0x0000 on entry) is the response status. A code other than DK_OK answers
     *  0x0110 (Processing Failure). NULL: answered 0x0118 (No such SOP class). `info`: the
     *  message, its UIDs, type ID, attribute list and dataset; `reply`: for dk_n_reply_set_*. */
    dk_result (*on_n_request)(uint16_t *status, const dk_n_info *info, dk_n_reply *reply, void *user_data);
    /* -- version 4 -- */
    /** What becomes of an association the server serves (a notification: nothing to answer):
     *  `event` is DK_ASSOC_ACCEPTED once it is negotiated (before its first request), then
     *  DK_ASSOC_RELEASED (the peer released it) or DK_ASSOC_ABORTED (an A-ABORT either way, a
     *  failure, a timeout, the server stopping, or an end a handler caused). Runs on the
     *  association's thread; `info` is valid during the call. NULL: not called. It returns nothing:
     *  it cannot refuse. */
    void (*on_association)(int32_t event, const dk_assoc_info *info, void *user_data);
} dk_server_callbacks;
#define DK_ASSOC_ACCEPTED 1 /**< on_association: negotiated */
#define DK_ASSOC_RELEASED 2 /**< on_association: released by the peer */
#define DK_ASSOC_ABORTED 3  /**< on_association: aborted, failed or interrupted */
#define DK_SERVER_CALLBACKS_VERSION 4
#define DK_SERVER_CALLBACKS_INIT {DK_SERVER_CALLBACKS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}
/** Fills `callbacks` with the defaults of `version`: every callback and user_data NULL.
 *
 *  @param[out] callbacks  the caller's struct; only the fields `version` has are written
 *  @param      version    DK_SERVER_CALLBACKS_VERSION, or an older version the caller's struct has
 *  @return DK_OK; DK_EINVAL when `callbacks` is NULL or `version` is 0 or newer than this library
 *          knows */
DK_EXTERN(dk_result) dk_server_callbacks_init(dk_server_callbacks *callbacks, uint32_t version);

/** A server for `ae` (copied): give it Verification and the storage SOP classes it accepts
 *  (dk_ae_add_verification, dk_ae_add_all_storage). `callbacks` may be NULL (copied). Caller frees
 *  *out with dk_server_free().
 *
 *  @param[out] out        receives the server, not yet listening (free with dk_server_free); NULL
 *                         on failure
 *  @param      ae         the AE the server answers as (copied)
 *  @param      callbacks  the callbacks (copied: the fields its version has, later ones NULL); NULL
 *                         = none (answers as each field's NULL says)
 *  @return DK_OK; DK_EINVAL when `out` or `ae` is NULL, for a bad callbacks version, or an AE
 *          without SOP classes */
DK_EXTERN(dk_result) dk_server_new(dk_server **out, const dk_ae *ae, const dk_server_callbacks *callbacks);
/** dk_server_set_storage_folder flags. */
#define DK_STORAGE_FSYNC 0x1u /**< fsync each file (and its folder) before the C-STORE response */

/** Stores received instances as `<SOP Instance UID>.dcm` files in `folder`, streamed to disk and
 *  atomically renamed. Before dk_server_start only (DK_EINVAL after).
 *
 *  @param srv     the server, not started
 *  @param folder  an existing folder this process can write in
 *  @param flags   0 or DK_STORAGE_FSYNC; other bits give DK_EINVAL
 *  @return DK_OK; DK_EINVAL when `srv` or `folder` is NULL, for other `flags` bits, once started, or
 *          when `folder` is not a folder; DK_ENOTFOUND when it does not exist; DK_EIO when it cannot
 *          be written in */
DK_EXTERN(dk_result) dk_server_set_storage_folder(dk_server *srv, const char *folder, uint32_t flags);
/** Bounds on each C-STORE the server receives into its storage folder (or into the scratch files
 *  on_store sees); 0 = no bound. A dataset larger than `max_dataset_size` bytes is refused with
 *  0xA700 and its file removed (one going on past twice the limit aborts the association); below
 *  `min_free_space` free bytes on the folder's file system (checked before and while writing) an
 *  instance is refused with 0xA700. Whatever the limits, the server refuses, leaving no file and
 *  with an Error Comment, a dataset that does not parse completely (0xC000), an invalid SOP Instance
 *  UID (0x0117) and a dataset that is not the instance announced (0xA900). Before dk_server_start
 *  only (DK_EINVAL after).
 *
 *  @param srv               the server, not started
 *  @param max_dataset_size  the largest dataset received, in bytes; 0 = no bound
 *  @param min_free_space    the free bytes kept on the file system; 0 = no bound
 *  @return DK_OK; DK_EINVAL when `srv` is NULL or once started */
DK_EXTERN(dk_result) dk_server_set_storage_limits(dk_server *srv, uint64_t max_dataset_size,
                                                  uint64_t min_free_space);
/** Binds `address` (NULL or "" = every address; "127.0.0.1"…) and `port` (0 = a free one, see
 *  dk_server_port) and starts serving in background threads. DK_ENETWORK when the address cannot
 *  be bound, DK_EINVAL when already started.
 *
 *  @param srv      the server
 *  @param address  the address to bind; NULL or "" = every address
 *  @param port     the TCP port; 0 = a free one
 *  @return DK_OK; DK_EINVAL when `srv` is NULL or was started before (a stopped server is not
 *          restarted); DK_ENETWORK as above; DK_EIO when on_store is set without a storage folder
 *          and the scratch folder (under TMPDIR, else /tmp) cannot be made */
DK_EXTERN(dk_result) dk_server_start(dk_server *srv, const char *address, uint16_t port);
/** The port the server listens on. DK_EINVAL when not started.
 *
 *  @param[out] port  receives the port; 0 on failure
 *  @param      srv   the started server
 *  @return DK_OK; DK_EINVAL when `port` or `srv` is NULL or the server is not started */
DK_EXTERN(dk_result) dk_server_port(uint16_t *port, const dk_server *srv);
/** Stops accepting, lets running associations finish for up to `grace_ms`, then interrupts the rest
 *  and waits for the workers (and so for running callbacks). Idempotent.
 *
 *  @param srv       the server (not started: nothing to do)
 *  @param grace_ms  milliseconds running associations get; a negative value counts as 0
 *  @return DK_OK; DK_EINVAL when `srv` is NULL */
DK_EXTERN(dk_result) dk_server_stop(dk_server *srv, int32_t grace_ms);
/** Stops the server (a grace of 10 s) and frees it (NULL is ignored).
 *
 *  @param srv  the server; must not be used afterwards (nor from its callbacks) */
DK_EXTERN(void) dk_server_free(dk_server *srv);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_NET_H */
