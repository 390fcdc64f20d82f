/* dcmkit — the embedded archive: a server that stores the instances it receives (checked, fsynced,
 * indexed in SQLite), answers C-FIND, C-MOVE and C-GET of them (Patient and Study Root), serves a
 * modality worklist, records MPPS and commits storage — what `dcmkit serve` runs.
 *
 *   dk_archive_options opts = DK_ARCHIVE_OPTIONS_INIT;
 *   opts.ae_title = "ARCHIVE";
 *   opts.storage = "/var/lib/archive";               // index.sqlite, files/, mpps/, quarantine/
 *   dk_archive *a = NULL;
 *   if (dk_archive_open(&a, &opts) != DK_OK)         // or dk_archive_open_config_file(&a, "serve.conf")
 *       fprintf(stderr, "%s\n", dk_last_error());
 *   dk_archive_set_on_stored(a, on_stored, NULL);    // each instance stored and indexed
 *   dk_archive_start(a, "127.0.0.1", 11112);         // port 0 = a free one (dk_archive_port)
 *   ...
 *   dk_archive_stop(a, 5000);
 *   dk_archive_free(a); */
#ifndef DCMKIT_DK_ARCHIVE_H
#define DCMKIT_DK_ARCHIVE_H

#include "dcmkit/dk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An archive server: its storage folder and index, and the DICOM server in front of them. Opaque. */
typedef struct dk_archive dk_archive;

/** The common settings; every other one can be given in the configuration file's format through
 *  `config_text` (the keys `dcmkit serve --config` takes: dest, allow, storage_transfer_syntaxes,
 *  commitment_report, max_pdu, timeouts, limits…; `index = postgresql://…` puts the index on a
 *  PostgreSQL server, which several archives sharing one storage folder may use). */
typedef struct dk_archive_options {
    uint32_t version;          /**< DK_ARCHIVE_OPTIONS_VERSION */
    const char *ae_title;      /**< NULL = "DCMKIT" */
    const char *storage;       /**< the storage folder (created if needed); required */
    const char *bind;          /**< address dk_archive_start(a, NULL, 0) listens on; NULL = every address */
    uint16_t port;             /**< port dk_archive_start(a, NULL, 0) listens on; 0 = a free one */
    int32_t check_called_ae;       /**< reject a Called AE Title that is not ae_title (default 1) */
    uint32_t max_associations; /**< concurrent associations (default 32) */
    uint64_t max_dataset_size; /**< largest dataset stored, bytes (default 0: no limit) */
    uint64_t min_free_space;   /**< free bytes kept on the storage file system (default 0) */
    int32_t log_level;             /**< a dk_log_level (default DK_LOG_WARNING = 1); lines go to stderr */
    /** Served services, separated by spaces or commas: verification storage query-retrieve
     *  worklist mpps commitment. NULL = all of them. */
    const char *services;
    /** Further `key = value` lines, as in the configuration file, applied after the fields above. NULL = none. */
    const char *config_text;
    /* version 2 */
    /** The HL7 v2 order listener (MLLP, on the same address): ORM^O01 and OMI^O23 orders create,
     *  change and cancel worklist items, ADT^A08 updates their patient. -1 = none (default), 0 = a
     *  free port (dk_archive_hl7_port), else the port. config_text's hl7_* keys set its limits. */
    int32_t hl7_port;
    /** DICOMweb (PS3.18: QIDO-RS, WADO-RS, STOW-RS, WADO-URI under /dicomweb) on this HTTP port, at
     *  the same address as DICOM (see dk_archive_http_port); 0 = a free one; -1 = none (default).
     *  `http_port` in config_text does the same. */
    int32_t http_port;
} dk_archive_options;
#define DK_ARCHIVE_OPTIONS_VERSION 2
#define DK_ARCHIVE_OPTIONS_INIT {DK_ARCHIVE_OPTIONS_VERSION, NULL, NULL, NULL, 0, 1, 32, 0, 0, 1, NULL, NULL, -1, -1}
/** Fills `opts` with defaults for `version`. DK_EINVAL for an unknown version.
 *
 *  @param[out] opts     the caller's struct
 *  @param      version  DK_ARCHIVE_OPTIONS_VERSION
 *  @return DK_OK; DK_EINVAL when `opts` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_archive_options_init(dk_archive_options *opts, uint32_t version);

/** Opens the archive the options describe: creates the storage folder and its index (or opens
 *  them), and indexes again the files an interruption left unindexed (files that fail the checks a
 *  C-STORE gets are moved to quarantine/). Caller frees *out with dk_archive_free(). DK_EINVAL for a
 *  bad option (the message names it), DK_EIO when the folder or index cannot be created.
 *
 *  @param[out] out   receives the archive, not yet serving (free with dk_archive_free); NULL on
 *                    failure
 *  @param      opts  the options; required (storage must be set), copied
 *  @return DK_OK; DK_EINVAL when `out` or `opts` is NULL, for a bad version, a NULL or empty
 *          storage, and as above (log_level not a dk_log_level; a bad ae_title, max_associations,
 *          services or config_text line); DK_EIO as above; DK_EUNSUPPORTED when this build has no
 *          archive (DCMKIT_WITH_ARCHIVE=OFF: so does every dk_archive_* call returning a dk_result
 *          but dk_archive_options_init) */
DK_EXTERN(dk_result) dk_archive_open(dk_archive **out, const dk_archive_options *opts);
/** The same from a configuration file of `key = value` lines (`dcmkit serve --config`'s format).
 *  DK_ENOTFOUND when it cannot be read, DK_EINVAL naming FILE:LINE for a bad line.
 *
 *  @param[out] out   receives the archive (free with dk_archive_free); NULL on failure
 *  @param      path  the configuration file; it must set storage
 *  @return DK_OK; DK_EINVAL when `out` or `path` is NULL, for a bad line, or a file without
 *          storage; DK_ENOTFOUND as above; DK_EIO as for dk_archive_open; DK_EUNSUPPORTED without
 *          the archive in this build */
DK_EXTERN(dk_result) dk_archive_open_config_file(dk_archive **out, const char *path);

/** An instance the archive stored and indexed. The strings are valid during the callback only. */
typedef struct dk_archive_stored {
    const char *sop_class_uid;    /**< SOP Class UID (0008,0016) of the instance */
    const char *sop_instance_uid; /**< SOP Instance UID (0008,0018) of the instance */
    const char *path;             /**< the stored Part 10 file */
    const char *transfer_syntax;  /**< the syntax it was received (and stored) in */
    const char *calling_ae;       /**< the AE title that sent it */
} dk_archive_stored;

/** Called after each instance is stored and indexed, from the server's worker threads (several at
 *  once: it must be thread-safe; it must not stop or free the archive).
 *
 *  @param info       the instance; it and its strings are valid during the call only
 *  @param user_data  what dk_archive_set_on_stored was given */
typedef void (*dk_archive_stored_fn)(const dk_archive_stored *info, void *user_data);

/** Sets (or, with NULL, clears) the callback for stored instances.
 *
 *  @param archive    the archive (started or not)
 *  @param fn         the callback; NULL clears it
 *  @param user_data  passed to each call of `fn`; may be NULL
 *  @return DK_OK; DK_EINVAL when `archive` is NULL; DK_EUNSUPPORTED without the archive */
DK_EXTERN(dk_result) dk_archive_set_on_stored(dk_archive *archive, dk_archive_stored_fn fn, void *user_data);

/** Binds `address` and `port` (NULL and 0: the options' or configuration's bind and port; port 0
 *  there too = a free one, see dk_archive_port) and serves in background threads. DK_ENETWORK when
 *  the address cannot be bound, DK_EINVAL when already started.
 *
 *  @param archive  the archive
 *  @param address  the address to bind ("127.0.0.1"…); NULL = the options' bind
 *  @param port     the TCP port; 0 = the options' port
 *  @return DK_OK; DK_EINVAL when `archive` is NULL or was started before (a stopped archive is not
 *          restarted); DK_ENETWORK as above; DK_EUNSUPPORTED without the archive */
DK_EXTERN(dk_result) dk_archive_start(dk_archive *archive, const char *address, uint16_t port);
/** The port the archive listens on. DK_EINVAL when not started.
 *
 *  @param[out] port     receives the port; 0 on failure
 *  @param      archive  the started archive
 *  @return DK_OK; DK_EINVAL when `port` or `archive` is NULL or the archive is not started;
 *          DK_EUNSUPPORTED without the archive */
DK_EXTERN(dk_result) dk_archive_port(uint16_t *port, const dk_archive *archive);
/** The port the HL7 v2 order listener (dk_archive_options.hl7_port, or the hl7_port key) listens on.
 *
 *  @param[out] port     receives the port; 0 when the archive has no HL7 listener
 *  @param      archive  a started archive
 *  @return DK_OK; DK_EINVAL when `port` or `archive` is NULL or the archive is not started;
 *          DK_EUNSUPPORTED without the archive in this build */
DK_EXTERN(dk_result) dk_archive_hl7_port(uint16_t *port, const dk_archive *archive);
/** The port DICOMweb listens on (dk_archive_options.http_port, or `http_port` in the configuration).
 *  DK_EINVAL when not started or without DICOMweb configured.
 *
 *  @param[out] port     receives the HTTP port; 0 on failure
 *  @param      archive  the started archive
 *  @return DK_OK; DK_EINVAL when `port` or `archive` is NULL, the archive is not started or serves
 *          no DICOMweb; DK_EUNSUPPORTED without the archive */
DK_EXTERN(dk_result) dk_archive_http_port(uint16_t *port, const dk_archive *archive);
/** Blocks until dk_archive_request_stop() or dk_archive_stop() from another thread.
 *
 *  @param archive  the started archive
 *  @return DK_OK once stopped; DK_EINVAL when `archive` is NULL or not started; DK_EUNSUPPORTED
 *          without the archive */
DK_EXTERN(dk_result) dk_archive_wait(dk_archive *archive);
/** Asks dk_archive_wait() to return; async-signal-safe (for a SIGINT handler).
 *
 *  @param archive  the archive; NULL is ignored */
DK_EXTERN(void) dk_archive_request_stop(dk_archive *archive);
/** Stops accepting, lets running associations finish for up to `grace_ms`, then interrupts the rest
 *  and waits for the workers (and so for running callbacks). Idempotent.
 *
 *  @param archive   the archive (not started: nothing to do)
 *  @param grace_ms  milliseconds running associations get; a negative value counts as 0
 *  @return DK_OK; DK_EINVAL when `archive` is NULL; DK_EUNSUPPORTED without the archive */
DK_EXTERN(dk_result) dk_archive_stop(dk_archive *archive, int32_t grace_ms);

/** What the archive did since it was opened. */
typedef struct dk_archive_counters {
    uint32_t version;              /**< DK_ARCHIVE_COUNTERS_VERSION */
    uint32_t active_associations;  /**< associations open now */
    uint64_t instances_stored;     /**< C-STOREs stored and indexed */
    uint64_t stores_refused;       /**< C-STOREs answered with a failure status */
    uint64_t associations_served;  /**< associations ended */
    uint64_t instances_recovered;  /**< files indexed again when opened */
    uint64_t files_quarantined;    /**< files moved to quarantine/ when opened */
    uint64_t instances_held;       /**< instances in the index now */
    uint64_t patient_conflicts;    /**< patient conflicts the index recorded */
} dk_archive_counters;
#define DK_ARCHIVE_COUNTERS_VERSION 1
#define DK_ARCHIVE_COUNTERS_INIT {DK_ARCHIVE_COUNTERS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0}
/** Fills `counters` (its `version` set by the caller, e.g. with DK_ARCHIVE_COUNTERS_INIT).
 *
 *  @param[in,out] counters  the caller's struct with `version` set; the other fields are filled
 *  @param         archive   the archive (started or not)
 *  @return DK_OK; DK_EINVAL when `counters` or `archive` is NULL or for an unknown `version`;
 *          DK_EUNSUPPORTED without the archive */
DK_EXTERN(dk_result) dk_archive_counters_get(dk_archive_counters *counters, const dk_archive *archive);

/** Stops the archive (a grace of 10 s) and frees it (NULL is ignored).
 *
 *  @param archive  the archive; must not be used afterwards */
DK_EXTERN(void) dk_archive_free(dk_archive *archive);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_ARCHIVE_H */
