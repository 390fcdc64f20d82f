/* dcmkit — DICOM networking: an Application Entity, associations as SCU (C-ECHO, C-STORE) and a
 * server (SCP) with callbacks.
 *
 *   dk_ae *ae = NULL;
 *   dk_ae_new(&ae, "MODALITY", NULL);                  // NULL options = defaults
 *   dk_ae_add_verification(ae);
 *   dk_ae_add_storage_for_files(ae, files, nfiles);    // contexts to send these files
 *   dk_assoc *a = NULL;
 *   if (dk_assoc_connect(&a, ae, "pacs.local", 104, "PACS") == DK_OK) {
 *       uint16_t status;
 *       dk_assoc_store_file(a, files[0], &status);     // status 0x0000 = Success
 *       dk_assoc_release(a);
 *   }
 *   dk_assoc_free(a);
 *   dk_ae_free(ae);
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
    int32_t idle_timeout_ms;     /**< an SCP's wait for the next request (default 300000) */
    uint16_t max_ops_invoked;    /**< asynchronous operations window proposed/accepted (default 1 = synchronous) */
    uint16_t max_ops_performed;  /**< (default 1) */
    uint32_t max_associations;   /**< a server's concurrent associations (default 32) */
    int check_called_ae;         /**< a server rejects a Called AE Title that is not its own (default 0) */
    int log_level;               /**< a dk_log_level (default DK_LOG_WARNING) */
} dk_ae_options;
#define DK_AE_OPTIONS_VERSION 1
#define DK_AE_OPTIONS_INIT {DK_AE_OPTIONS_VERSION, 262144, 10000, 30000, 60000, 300000, 1, 1, 32, 0, DK_LOG_WARNING}
/** Fills `opts` with defaults for `version`. DK_EINVAL for an unknown version. */
DK_EXTERN(dk_result) dk_ae_options_init(dk_ae_options *opts, uint32_t version);

/** A new AE titled `ae_title` (1 to 16 characters, no backslash) with no SOP class yet. `opts` may
 *  be NULL (defaults). Caller frees *out with dk_ae_free(). */
DK_EXTERN(dk_result) dk_ae_new(dk_ae **out, const char *ae_title, const dk_ae_options *opts);
/** Frees an AE (NULL is ignored). */
DK_EXTERN(void) dk_ae_free(dk_ae *ae);

/** Roles for dk_ae_add_sop_class: this AE is the SCU (requests), the SCP (performs), or both. */
#define DK_ROLE_SCU 1u
#define DK_ROLE_SCP 2u

/** Adds (or extends) a SOP class with its transfer syntaxes in order of preference (UIDs, keywords
 *  or aliases such as "explicit"); `n` = 0 (`transfer_syntaxes` may then be NULL) means the
 *  uncompressed ones. As SCU each SOP class is one proposed presentation context; as SCP the first
 *  syntax of the list the peer also proposed is accepted. `roles` is DK_ROLE_SCU and/or DK_ROLE_SCP. */
DK_EXTERN(dk_result) dk_ae_add_sop_class(dk_ae *ae, const char *sop_class_uid, const char *const *transfer_syntaxes,
                                         size_t n, uint32_t roles);
/** Adds the Verification SOP class (C-ECHO) as SCU and SCP. */
DK_EXTERN(dk_result) dk_ae_add_verification(dk_ae *ae);
/** Adds every Storage SOP class of the registry as SCP, with the uncompressed transfer syntaxes and
 *  every encapsulated one (received as is): what a storage server accepts. */
DK_EXTERN(dk_result) dk_ae_add_all_storage(dk_ae *ae);
/** Adds, as SCU, the storage contexts needed to send these files (reading their headers only): each
 *  file's SOP class in its own transfer syntax, and the uncompressed ones as a fallback. All or
 *  nothing: the first file that cannot be read fails the call (DK_ENOTFOUND, DK_ENOTDICOM…, the
 *  message names the file) and adds nothing. */
DK_EXTERN(dk_result) dk_ae_add_storage_for_files(dk_ae *ae, const char *const *paths, size_t n);

/** Receives the AE's log lines (already filtered by the options' log_level), from any thread,
 *  possibly several at once. `fn` NULL restores the default (standard error). */
typedef void (*dk_log_fn)(dk_log_level level, const char *message, void *user_data);
DK_EXTERN(dk_result) dk_ae_set_log(dk_ae *ae, dk_log_fn fn, void *user_data);

/* -- associations as SCU ------------------------------------------------------------------------- */

/** An established association, requested by this AE. Opaque. Use it from one thread at a time. */
typedef struct dk_assoc dk_assoc;

/** Connects to `host`:`port` and requests an association with `called_ae` proposing the AE's SOP
 *  classes. DK_ENETWORK (connection refused, unknown host: the message says which), DK_ETIMEOUT,
 *  DK_EREJECTED (the message gives the peer's reason), DK_EABORTED. Caller frees *out with
 *  dk_assoc_free(). */
DK_EXTERN(dk_result) dk_assoc_connect(dk_assoc **out, const dk_ae *ae, const char *host, uint16_t port,
                                      const char *called_ae);

/** C-ECHO. *status receives the peer's DIMSE status (0x0000 Success). DK_EREFUSED when no
 *  Verification context was accepted. */
DK_EXTERN(dk_result) dk_assoc_echo(dk_assoc *assoc, uint16_t *status);
/** C-STORE of a Part 10 file: sent as is when its transfer syntax was accepted, else re-encoded in
 *  an accepted one. *status receives the peer's status (0x0000 Success, 0xBxxx warnings, others
 *  failures). DK_ENOTFOUND/DK_ENOTDICOM… when the file cannot be read (the association stays
 *  usable), DK_EREFUSED when no accepted context can carry it. */
DK_EXTERN(dk_result) dk_assoc_store_file(dk_assoc *assoc, const char *path, uint16_t *status);
/** C-STORE of a top-level dataset in memory (DK_EINVAL for an item handle). Errors as above. */
DK_EXTERN(dk_result) dk_assoc_store_dataset(dk_assoc *assoc, const dk_dataset *ds, uint16_t *status);

/** Number of presentation contexts negotiated (accepted or not). */
DK_EXTERN(dk_result) dk_assoc_context_count(const dk_assoc *assoc, size_t *count);
/** Presentation context `index` (DK_ENOTFOUND past the end): its ID, abstract syntax (SOP class UID),
 *  accepted transfer syntax ("" when not accepted) and result (0 acceptance, 1 user rejection,
 *  2 no reason, 3 abstract syntax not supported, 4 transfer syntaxes not supported). Each out
 *  pointer may be NULL; the strings are borrowed from the association (valid until dk_assoc_free). */
DK_EXTERN(dk_result) dk_assoc_context(const dk_assoc *assoc, size_t index, uint8_t *id, const char **abstract_syntax,
                                      const char **transfer_syntax, int *result);

/** Releases the association (A-RELEASE). Afterwards the handle only answers queries and is freed.
 *  DK_EINVAL when it is no longer established. */
DK_EXTERN(dk_result) dk_assoc_release(dk_assoc *assoc);
/** Aborts the association (A-ABORT). Idempotent. */
DK_EXTERN(dk_result) dk_assoc_abort(dk_assoc *assoc);
/** Frees the handle, aborting the association if it is still established (NULL is ignored). */
DK_EXTERN(void) dk_assoc_free(dk_assoc *assoc);

/* -- server (SCP) -------------------------------------------------------------------------------- */

/** A DICOM server: a listener and a pool of worker threads, one association each. Opaque. */
typedef struct dk_server dk_server;

/** What the server knows about an association. The strings are valid during the callback only. */
typedef struct dk_assoc_info {
    const char *calling_ae;    /**< the peer's AE title */
    const char *called_ae;     /**< the AE title the peer asked for */
    const char *peer_address;  /**< "host:port" of the peer */
} dk_assoc_info;

/** An instance received by C-STORE. The strings are valid during the callback only. */
typedef struct dk_store_info {
    const dk_assoc_info *assoc;
    const char *sop_class_uid;
    const char *sop_instance_uid;
    const char *transfer_syntax;  /**< the syntax it was received in */
    /** A complete, checked Part 10 file holding the instance (read it with dk_dataset_read_file).
     *  With a storage folder (dk_server_set_storage_folder) it is the stored file, removed when the
     *  callback answers a failure status; without, a scratch file removed after the callback. */
    const char *path;
} dk_store_info;

/** Server callbacks. Each may be NULL. They are called from the server's worker threads, several
 *  at once when several associations are served: they must be thread-safe. They must not call
 *  dk_server_stop() or dk_server_free() on their own server. A callback returning a code other than
 *  DK_OK fails the request it was asked about: the association is rejected, or the DIMSE status
 *  becomes 0x0110 (Processing Failure) for C-ECHO and 0xA700 (Out of Resources) for C-STORE. */
typedef struct dk_server_callbacks {
    uint32_t version; /**< DK_SERVER_CALLBACKS_VERSION */
    /** An association request, before negotiation: DK_OK accepts it (negotiated with the AE's SOP
     *  classes), another code rejects it (rejected-permanent, service-user, no reason given). NULL:
     *  accept all. */
    dk_result (*on_associate)(const dk_assoc_info *info, void *user_data);
    /** A C-ECHO: *status (0x0000 on entry) is the response status. NULL: answer Success. */
    dk_result (*on_echo)(uint16_t *status, const dk_assoc_info *info, void *user_data);
    /** A C-STORE, after the dataset was received into a file (see dk_store_info.path): *status
     *  (0x0000 on entry) is the response status. NULL: with a storage folder, store there and answer
     *  Success; without one, refuse (0xA700). */
    dk_result (*on_store)(uint16_t *status, const dk_store_info *info, void *user_data);
    void *user_data;  /**< passed to every callback */
} dk_server_callbacks;
#define DK_SERVER_CALLBACKS_VERSION 1
#define DK_SERVER_CALLBACKS_INIT {DK_SERVER_CALLBACKS_VERSION, NULL, NULL, NULL, NULL}
DK_EXTERN(dk_result) dk_server_callbacks_init(dk_server_callbacks *callbacks, uint32_t version);

/** A server for `ae` (copied): give it Verification and the storage SOP classes it accepts
 *  (dk_ae_add_verification, dk_ae_add_all_storage). `callbacks` may be NULL (copied). Caller frees
 *  *out with dk_server_free(). */
DK_EXTERN(dk_result) dk_server_new(dk_server **out, const dk_ae *ae, const dk_server_callbacks *callbacks);
/** Stores received instances as `<SOP Instance UID>.dcm` files in `folder` (which must exist),
 *  streamed to disk, fsynced when `fsync` is not 0, atomically renamed. Before dk_server_start
 *  only (DK_EINVAL after). */
DK_EXTERN(dk_result) dk_server_set_storage_folder(dk_server *srv, const char *folder, int fsync);
/** Binds `address` (NULL or "" = every address; "127.0.0.1"…) and `port` (0 = a free one, see
 *  dk_server_port) and starts serving in background threads. DK_ENETWORK when the address cannot
 *  be bound, DK_EINVAL when already started. */
DK_EXTERN(dk_result) dk_server_start(dk_server *srv, const char *address, uint16_t port);
/** The port the server listens on. DK_EINVAL when not started. */
DK_EXTERN(dk_result) dk_server_port(const dk_server *srv, uint16_t *port);
/** Stops accepting, lets running associations finish for up to `grace_ms`, then interrupts the rest
 *  and waits for the workers (and so for running callbacks). Idempotent. */
DK_EXTERN(dk_result) dk_server_stop(dk_server *srv, int32_t grace_ms);
/** Stops the server (a grace of 10 s) and frees it (NULL is ignored). */
DK_EXTERN(void) dk_server_free(dk_server *srv);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_NET_H */
