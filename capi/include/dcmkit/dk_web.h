/* dcmkit — a DICOMweb client (PS3.18): STOW-RS store, QIDO-RS search, WADO-RS retrieve (instances
 * streamed to files, metadata, frames, rendered images), over HTTP(S) through libcurl.
 *
 *   dk_web_client_options opts = DK_WEB_CLIENT_OPTIONS_INIT;
 *   opts.base_url = "http://pacs:8042/dicom-web";
 *   dk_web_client *c = NULL;
 *   if (dk_web_client_open(&c, &opts) != DK_OK) fprintf(stderr, "%s\n", dk_last_error());
 *   const char *files[] = {"a.dcm", "b.dcm"};
 *   int32_t http = 0; size_t stored = 0, failed = 0;
 *   dk_web_client_store(&http, &stored, &failed, c, files, 2, NULL, NULL, NULL);
 *   const char *keys[] = {"PatientName=DOE*"};
 *   dk_web_query q = DK_WEB_QUERY_INIT;  q.match = keys;  q.match_count = 1;
 *   size_t n = 0;
 *   dk_web_client_search(&n, c, &q, on_match, ctx);      // each match as a dk_dataset
 *   dk_web_client_retrieve(&n, c, study, NULL, NULL, "out", NULL, on_file, ctx);
 *   dk_web_client_free(c);
 *
 * Errors: an HTTP status outside 2xx gives DK_ENOTFOUND (404), DK_EUNSUPPORTED (406, 415, 501),
 * DK_ETIMEOUT (408, 504) or DK_EREFUSED (any other), and dk_last_error() names the method, the URL,
 * the status, its reason and the start of the server's answer; DK_ENETWORK when the server cannot be
 * reached (refused, unknown host, TLS handshake), DK_ETIMEOUT, DK_ETRUNCATED when the answer ends
 * early (a multipart body without its closing delimiter), DK_EMALFORMED or DK_ENOTDICOM for an answer
 * that does not parse. A retrieve that fails leaves no partial file: each instance appears under its
 * name only once complete. Without libcurl in the build (DCMKIT_WITH_WEB_CLIENT=OFF) every call but
 * the _init ones answers DK_EUNSUPPORTED. One thread at a time per client. */
#ifndef DCMKIT_DK_WEB_H
#define DCMKIT_DK_WEB_H

#include "dcmkit/dk_common.h"
#include "dcmkit/dk_dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A DICOMweb client: the service's root URL, its connection settings and credentials. Opaque. */
typedef struct dk_web_client dk_web_client;

typedef struct dk_web_client_options {
    uint32_t version;            /**< DK_WEB_CLIENT_OPTIONS_VERSION */
    const char *base_url;        /**< the DICOMweb root, e.g. "https://pacs/dicom-web"; required */
    int32_t connect_timeout_ms;  /**< establishing the connection, TLS included (default 10000) */
    int32_t timeout_ms;          /**< a whole request; 0 = no limit (default) */
    int32_t stall_timeout_s;     /**< abort a transfer that moved no byte for this long; 0 = never (default 60) */
    int32_t verify_peer;         /**< https: verify the server's certificate (default 1) */
    int32_t verify_host;         /**< https: check the certificate names the host (default 1) */
    const char *ca_file;         /**< trust these CA certificates (PEM); NULL = the system's */
    const char *ca_path;         /**< a folder of hashed CA certificates; NULL = none */
    const char *client_cert;     /**< a client certificate (PEM); NULL = none */
    const char *client_key;      /**< its private key (PEM); NULL = none */
    const char *key_password;    /**< the key's password; NULL = none */
    const char *bearer_token;    /**< Authorization: Bearer (RFC 6750); NULL = none */
    const char *username;        /**< HTTP Basic, when no bearer token; NULL = none */
    const char *password;        /**< its password; NULL = "" */
} dk_web_client_options;
#define DK_WEB_CLIENT_OPTIONS_VERSION 1
#define DK_WEB_CLIENT_OPTIONS_INIT \
    {DK_WEB_CLIENT_OPTIONS_VERSION, NULL, 10000, 0, 60, 1, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}

/** Fills `opts` with defaults for `version`.
 *
 *  @param[out] opts     the caller's struct
 *  @param      version  DK_WEB_CLIENT_OPTIONS_VERSION
 *  @return DK_OK; DK_EINVAL when `opts` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_web_client_options_init(dk_web_client_options *opts, uint32_t version);

/** Makes a client (no connection is made yet).
 *
 *  @param[out] out   receives the client (free with dk_web_client_free); NULL on failure
 *  @param      opts  the options (copied); base_url required
 *  @return DK_OK; DK_EINVAL when `out` or `opts` is NULL, for a bad version, a NULL base_url or one
 *          that is not http:// or https://; DK_EUNSUPPORTED without the client in this build */
DK_EXTERN(dk_result) dk_web_client_open(dk_web_client **out, const dk_web_client_options *opts);
/** Frees a client (NULL is ignored). */
DK_EXTERN(void) dk_web_client_free(dk_web_client *client);

/** An instance in a STOW-RS answer. The strings are valid during the callback only. */
typedef struct dk_web_stored {
    const char *sop_class_uid;    /**< (0008,1150) */
    const char *sop_instance_uid; /**< (0008,1155) */
    const char *retrieve_url;     /**< (0008,1190); "" when the server gave none */
    int32_t failed;               /**< 1: an item of the Failed SOP Sequence; 0: of the Referenced one */
    uint16_t failure_reason;      /**< (0008,1197) of a failed instance (0xA700, 0xC000…); else 0 */
    uint16_t warning_reason;      /**< (0008,1196) of a stored one the server changed; else 0 */
} dk_web_stored;

/** Called for each instance of a STOW-RS answer, on the caller's thread.
 *
 *  @param instance   the instance; valid during the call only
 *  @param user_data  what the call was given */
typedef void (*dk_web_stored_fn)(const dk_web_stored *instance, void *user_data);

/** STOW-RS: POSTs the Part 10 files in one multipart/related request, each read from disk a block at
 *  a time (constant memory), to BASE/studies (or BASE/studies/STUDY when `study_uid` is given).
 *  DK_ENOTDICOM, before anything is sent, for a file that is not Part 10.
 *
 *  @param[out] http_status  receives the HTTP status (200 all stored, 202 some failed); may be NULL
 *  @param[out] stored       receives the number of instances referenced as stored; may be NULL
 *  @param[out] failed       receives the number of instances that failed; may be NULL
 *  @param      client       the client
 *  @param      paths        `count` file paths
 *  @param      count        how many (at least 1)
 *  @param      study_uid    the study the instances must belong to; NULL = any
 *  @param      on_instance  called with each instance of the answer; may be NULL
 *  @param      user_data    passed to `on_instance`; may be NULL
 *  @return DK_OK (also when the server refused some instances: see *failed); DK_EINVAL for NULL
 *          `client` or `paths`, a count of 0, a bad study UID; DK_ENOTFOUND, DK_EIO, DK_ENOTDICOM
 *          for a file; the HTTP and network errors above */
DK_EXTERN(dk_result) dk_web_client_store(int32_t *http_status, size_t *stored, size_t *failed, dk_web_client *client,
                                         const char *const *paths, size_t count, const char *study_uid,
                                         dk_web_stored_fn on_instance, void *user_data);

/** Options of dk_web_client_store_with (versioned: new fields are appended and bump the version). */
typedef struct dk_web_store_options {
    uint32_t version;              /**< DK_WEB_STORE_OPTIONS_VERSION */
    int32_t json;                  /**< 1: send DICOM JSON (multipart/related; type="application/dicom+json",
                                        PS3.18 10.5.1.2.2) with bulk data parts; 0: Part 10 (default).
                                        Files named *.json are read as DICOM JSON (one object or an array) */
    uint64_t bulk_data_threshold;  /**< json: binary values larger than this many bytes go in bulk data
                                        parts named by BulkDataURI/Content-Location (default 1024) */
} dk_web_store_options;
#define DK_WEB_STORE_OPTIONS_VERSION 1
#define DK_WEB_STORE_OPTIONS_INIT {DK_WEB_STORE_OPTIONS_VERSION, 0, 1024}

/** Fills `opts` with defaults for `version`.
 *
 *  @param[out] opts     the caller's struct
 *  @param      version  DK_WEB_STORE_OPTIONS_VERSION
 *  @return DK_OK; DK_EINVAL when `opts` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_web_store_options_init(dk_web_store_options *opts, uint32_t version);

/** STOW-RS as dk_web_client_store, with options: `opts->json` sends each dataset as DICOM JSON, its
 *  binary values over the threshold as bulk data parts (Part 10 files are read one at a time; a file
 *  with encapsulated pixel data gives DK_EUNSUPPORTED before anything is sent). NULL `opts` = defaults
 *  (the same request as dk_web_client_store).
 *
 *  @return as dk_web_client_store; DK_EINVAL also for a bad `opts` version */
DK_EXTERN(dk_result) dk_web_client_store_with(int32_t *http_status, size_t *stored, size_t *failed, dk_web_client *client,
                                              const char *const *paths, size_t count, const char *study_uid,
                                              const dk_web_store_options *opts, dk_web_stored_fn on_instance,
                                              void *user_data);

/** The level of a QIDO-RS search. */
typedef enum dk_web_level { DK_WEB_STUDY = 0, DK_WEB_SERIES = 1, DK_WEB_INSTANCE = 2 } dk_web_level;

/** A QIDO-RS query. */
typedef struct dk_web_query {
    uint32_t version;                   /**< DK_WEB_QUERY_VERSION */
    int32_t level;                      /**< a dk_web_level (default DK_WEB_STUDY) */
    const char *study_uid;              /**< search under this study (series, instance level); NULL = none */
    const char *series_uid;             /**< and this series (instance level); NULL = none */
    const char *const *match;           /**< "Keyword=value" or "ggggeeee=value" match keys */
    size_t match_count;
    const char *const *include_fields;  /**< keywords, "ggggeeee", or "all" */
    size_t include_count;
    int32_t limit;                      /**< at most this many results; -1 = the server's choice (default) */
    int32_t offset;                     /**< skip this many (default 0) */
    int32_t fuzzy;                      /**< fuzzymatching=true (default 0) */
} dk_web_query;
#define DK_WEB_QUERY_VERSION 1
#define DK_WEB_QUERY_INIT {DK_WEB_QUERY_VERSION, DK_WEB_STUDY, NULL, NULL, NULL, 0, NULL, 0, -1, 0, 0}

/** Fills `query` with defaults for `version`.
 *
 *  @param[out] query    the caller's struct
 *  @param      version  DK_WEB_QUERY_VERSION
 *  @return DK_OK; DK_EINVAL when `query` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_web_query_init(dk_web_query *query, uint32_t version);

/** Called with each dataset of an answer (a QIDO-RS match, an instance's metadata), on the caller's
 *  thread. The handle is valid during the call only and must not be freed.
 *
 *  @param dataset    a top-level dataset handle, valid during the call
 *  @param user_data  what the call was given */
typedef void (*dk_web_dataset_fn)(const dk_dataset *dataset, void *user_data);

/** QIDO-RS: the matching studies, series or instances (DICOM JSON read into datasets).
 *
 *  @param[out] matches    receives the number of matches; may be NULL
 *  @param      client     the client
 *  @param      query      the query
 *  @param      on_match   called with each match; may be NULL
 *  @param      user_data  passed to `on_match`; may be NULL
 *  @return DK_OK; DK_EINVAL for NULL `client` or `query`, a bad version, level, UID, "KEY=value"
 *          or keyword; the HTTP, network and parse errors above */
DK_EXTERN(dk_result) dk_web_client_search(size_t *matches, dk_web_client *client, const dk_web_query *query,
                                          dk_web_dataset_fn on_match, void *user_data);

/** A file a WADO-RS retrieve wrote. The strings are valid during the callback only. */
typedef struct dk_web_file {
    const char *path;              /**< OUT_DIR/SOPInstanceUID.dcm */
    const char *sop_instance_uid;
    const char *transfer_syntax;   /**< of the file as received */
    uint64_t size;                 /**< bytes */
} dk_web_file;

/** Called as each retrieved file is complete (renamed to its name), on the caller's thread.
 *
 *  @param file       the file; valid during the call only
 *  @param user_data  what the call was given */
typedef void (*dk_web_file_fn)(const dk_web_file *file, void *user_data);

/** WADO-RS: a study (`series_uid` and `instance_uid` NULL), a series or an instance, streamed part by
 *  part into `out_dir` (made when missing) as SOPInstanceUID.dcm.
 *
 *  @param[out] files            receives the number of files written; may be NULL
 *  @param      client           the client
 *  @param      study_uid        the study; required
 *  @param      series_uid       a series of it; NULL = the whole study
 *  @param      instance_uid     an instance of the series; NULL = the whole series
 *  @param      out_dir          the folder the files go to
 *  @param      transfer_syntax  ask for this syntax (a UID or keyword; "*" = as stored); NULL = the server's choice
 *  @param      on_file          called as each file is complete; may be NULL
 *  @param      user_data        passed to `on_file`; may be NULL
 *  @return DK_OK; DK_EINVAL for NULL `client`, `study_uid` or `out_dir`, a bad UID or syntax, an
 *          instance without its series; DK_EIO when a file cannot be written; the HTTP, network
 *          and parse errors above (files completed before the failure stay) */
DK_EXTERN(dk_result) dk_web_client_retrieve(size_t *files, dk_web_client *client, const char *study_uid,
                                            const char *series_uid, const char *instance_uid, const char *out_dir,
                                            const char *transfer_syntax, dk_web_file_fn on_file, void *user_data);

/** WADO-RS metadata: one dataset per instance of the study, series or instance (bulk data values
 *  left empty).
 *
 *  @param[out] count         receives the number of datasets; may be NULL
 *  @param      client        the client
 *  @param      study_uid     the study; required
 *  @param      series_uid    NULL = the whole study
 *  @param      instance_uid  NULL = the whole series
 *  @param      on_dataset    called with each instance's metadata; may be NULL
 *  @param      user_data     passed to `on_dataset`; may be NULL
 *  @return DK_OK; errors as dk_web_client_retrieve */
DK_EXTERN(dk_result) dk_web_client_metadata(size_t *count, dk_web_client *client, const char *study_uid,
                                            const char *series_uid, const char *instance_uid,
                                            dk_web_dataset_fn on_dataset, void *user_data);

/** Called with bytes of an answer: a frame (its 1-based number), or a rendered image (number 0).
 *
 *  @param data       the bytes; valid during the call only
 *  @param size       how many
 *  @param number     the frame number, 0 for a rendered image
 *  @param user_data  what the call was given */
typedef void (*dk_web_bytes_fn)(const uint8_t *data, size_t size, uint32_t number, void *user_data);

/** WADO-RS frames of an instance, in the order asked, each passed whole to `on_frame`.
 *
 *  @param[out] count            receives the number of frames received; may be NULL
 *  @param      client           the client
 *  @param      study_uid        the instance's study
 *  @param      series_uid       its series
 *  @param      instance_uid     the instance
 *  @param      numbers          `number_count` frame numbers, from 1
 *  @param      number_count     at least 1
 *  @param      transfer_syntax  NULL = uncompressed; a UID or keyword; "*" = as stored
 *  @param      on_frame         called with each frame; may be NULL
 *  @param      user_data        passed to `on_frame`; may be NULL
 *  @return DK_OK; DK_EINVAL for a NULL argument, a frame number of 0; DK_EMALFORMED when the answer
 *          holds another number of frames; the HTTP and network errors above */
DK_EXTERN(dk_result) dk_web_client_frames(size_t *count, dk_web_client *client, const char *study_uid,
                                          const char *series_uid, const char *instance_uid, const uint32_t *numbers,
                                          size_t number_count, const char *transfer_syntax, dk_web_bytes_fn on_frame,
                                          void *user_data);

/** WADO-RS rendered: an instance (or frame `frame` of it, when > 0) as an image the server makes,
 *  written to `path` (a temporary file renamed once complete).
 *
 *  @param[out] size          receives the file's size; may be NULL
 *  @param      client        the client
 *  @param      study_uid     the instance's study
 *  @param      series_uid    its series
 *  @param      instance_uid  the instance
 *  @param      frame         a frame number; 0 = the instance
 *  @param      media_type    "image/jpeg" or "image/png"; NULL = "image/jpeg"
 *  @param      params        a query string to append ("window=40,400,linear"); NULL = none
 *  @param      path          the file to write
 *  @return DK_OK; DK_EINVAL for a NULL argument; DK_EIO; the HTTP and network errors above */
DK_EXTERN(dk_result) dk_web_client_rendered_file(uint64_t *size, dk_web_client *client, const char *study_uid,
                                                 const char *series_uid, const char *instance_uid, uint32_t frame,
                                                 const char *media_type, const char *params, const char *path);

/** WADO-RS metadata written to `path` as the server sends it (DICOM JSON, streamed: constant memory
 *  whatever the study's size), under a temporary name renamed once the array is complete.
 *
 *  @param[out] count         receives the number of datasets in the array; may be NULL
 *  @param      client        the client
 *  @param      study_uid     the study; required
 *  @param      series_uid    NULL = the whole study
 *  @param      instance_uid  NULL = the whole series
 *  @param      path          the file to write
 *  @return DK_OK; DK_EINVAL for a NULL `client`, `study_uid` or `path`; DK_ETRUNCATED when the array
 *          is cut short, DK_EMALFORMED when the answer is not a JSON array of objects (no file is
 *          left in either case); DK_EIO; the HTTP and network errors above */
DK_EXTERN(dk_result) dk_web_client_metadata_file(size_t *count, dk_web_client *client, const char *study_uid,
                                                 const char *series_uid, const char *instance_uid, const char *path);

/** A file written from a part of an answer (a frame, a rendered image). Strings valid during the callback only. */
typedef struct dk_web_part {
    const char *path;        /**< OUT_DIR/frame_N.EXT or OUT_DIR/rendered_N.EXT */
    const char *media_type;  /**< the part's type: "application/octet-stream", "image/jls", "image/jpeg"... */
    uint32_t number;         /**< the frame number, else the part's position from 1 */
    uint64_t size;           /**< bytes */
} dk_web_part;

/** Called as each part's file is complete (renamed to its name), on the caller's thread.
 *
 *  @param part       the file; valid during the call only
 *  @param user_data  what the call was given */
typedef void (*dk_web_part_fn)(const dk_web_part *part, void *user_data);

/** WADO-RS frames of an instance streamed to files: each part of the answer to OUT_DIR/frame_N.EXT
 *  (made when missing; N the frame number, EXT from the part's media type: .raw, .jpg, .jls, .jp2,
 *  .jph, .rle...), under a temporary name until complete.
 *
 *  @param[out] count         receives the number of frames written; may be NULL
 *  @param      client        the client
 *  @param      study_uid     the instance's study
 *  @param      series_uid    its series
 *  @param      instance_uid  the instance
 *  @param      numbers       `number_count` frame numbers, from 1
 *  @param      number_count  at least 1
 *  @param      accept        NULL or "" = uncompressed (application/octet-stream); a short name ("jls",
 *                            "jpeg", "jp2", "jpx", "jph", "jphc", "rle"), a media type ("image/jls"), or
 *                            a whole Accept header ("multipart/related; type=\"image/jls\"")
 *  @param      out_dir       the folder
 *  @param      on_part       called as each frame's file is complete; may be NULL
 *  @param      user_data     passed to `on_part`; may be NULL
 *  @return DK_OK; DK_EINVAL for a NULL argument, a frame number of 0, an unknown short name;
 *          DK_EMALFORMED when the answer holds another number of frames; DK_ETRUNCATED when a part is
 *          cut (its file is not left; frames completed before stay); DK_EIO; the HTTP and network errors */
DK_EXTERN(dk_result) dk_web_client_frames_dir(size_t *count, dk_web_client *client, const char *study_uid,
                                              const char *series_uid, const char *instance_uid, const uint32_t *numbers,
                                              size_t number_count, const char *accept, const char *out_dir,
                                              dk_web_part_fn on_part, void *user_data);

/** WADO-RS rendered images streamed to files: an instance (or frame `frame` of it), a series or a study
 *  (a multipart answer of images), each image to OUT_DIR/rendered_N.EXT (N from 1).
 *
 *  @param[out] count         receives the number of images written; may be NULL
 *  @param      client        the client
 *  @param      study_uid     the study; required
 *  @param      series_uid    NULL = the whole study
 *  @param      instance_uid  NULL = the whole series
 *  @param      frame         a frame number of the instance; 0 = none
 *  @param      media_type    "image/jpeg", "image/png"...; NULL = "image/jpeg"
 *  @param      params        a query string to append ("window=40,400,linear"); NULL = none
 *  @param      out_dir       the folder
 *  @param      on_part       called as each image's file is complete; may be NULL
 *  @param      user_data     passed to `on_part`; may be NULL
 *  @return DK_OK; errors as dk_web_client_frames_dir */
DK_EXTERN(dk_result) dk_web_client_rendered_dir(size_t *count, dk_web_client *client, const char *study_uid,
                                                const char *series_uid, const char *instance_uid, uint32_t frame,
                                                const char *media_type, const char *params, const char *out_dir,
                                                dk_web_part_fn on_part, void *user_data);

/** A BulkDataURI (absolute, or relative to the client's base URL) written to `path`: `length` bytes
 *  from byte `first` (a Range request; a server that ignores Range has the bytes cut from its whole
 *  answer), or the whole value (`first` 0, `length` 0). Streamed; a temporary file renamed when complete.
 *
 *  @param[out] size    receives the file's size; may be NULL
 *  @param      client  the client
 *  @param      uri     the BulkDataURI
 *  @param      first   the first byte (from 0)
 *  @param      length  how many bytes; 0 = to the end
 *  @param      path    the file to write
 *  @return DK_OK; DK_EINVAL for a NULL argument; DK_EMALFORMED for a multipart answer of several parts
 *          or a Content-Range elsewhere than asked; DK_ETRUNCATED; DK_EIO; the HTTP and network errors */
DK_EXTERN(dk_result) dk_web_client_bulkdata_file(uint64_t *size, dk_web_client *client, const char *uri, uint64_t first,
                                                 uint64_t length, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_WEB_H */
