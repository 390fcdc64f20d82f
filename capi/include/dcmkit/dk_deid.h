/* dcmkit — de-identification (PS3.15 Annex E: the Basic Application Level Confidentiality Profile
 * and the options of Table E.1-1), with keyed, consistent pseudonyms. */
#ifndef DCMKIT_DK_DEID_H
#define DCMKIT_DK_DEID_H

#include "dcmkit/dk_common.h"
#include "dcmkit/dk_dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The Retain options of Table E.1-1 (dk_deid_options.retain bits). */
#define DK_DEID_RETAIN_SAFE_PRIVATE 0x01u   /**< keep the private elements of the safe list (113111) */
#define DK_DEID_RETAIN_UIDS 0x02u           /**< keep UIDs (113110) */
#define DK_DEID_RETAIN_DEVICE 0x04u         /**< Retain Device Identity (113109) */
#define DK_DEID_RETAIN_INSTITUTION 0x08u    /**< Retain Institution Identity (113112) */
#define DK_DEID_RETAIN_PATIENT_CHARS 0x10u  /**< Retain Patient Characteristics (113108) */
#define DK_DEID_RETAIN_FULL_DATES 0x20u     /**< Retain Longitudinal Temporal Information Full Dates (113106) */
#define DK_DEID_RETAIN_MODIFIED_DATES 0x40u /**< … Modified Dates: dates shifted per patient (113107) */
/** The Clean options (dk_deid_options.clean bits). */
#define DK_DEID_CLEAN_DESCRIPTORS 0x01u         /**< Clean Descriptors (113105) */
#define DK_DEID_CLEAN_STRUCTURED_CONTENT 0x02u  /**< Clean Structured Content (113104) */
#define DK_DEID_CLEAN_GRAPHICS 0x04u            /**< Clean Graphics (113103) */
/** What happens when the pixels likely hold burned-in text (dk_deid_options.burned_in). */
#define DK_DEID_BURNED_IN_REFUSE 0  /**< fail with DK_EUNSUPPORTED, the dataset unchanged (default) */
#define DK_DEID_BURNED_IN_FLAG 1    /**< de-identify and set dk_deid_report.burned_in_flagged */
#define DK_DEID_BURNED_IN_IGNORE 2  /**< de-identify */

typedef struct dk_deid_options {
    uint32_t version;      /**< DK_DEID_OPTIONS_VERSION */
    const uint8_t *key;    /**< the HMAC-SHA256 key of every pseudonym, at least 16 bytes; read during the call */
    size_t key_size;       /**< bytes at `key` */
    uint32_t retain;       /**< DK_DEID_RETAIN_* bits (default 0) */
    uint32_t clean;        /**< DK_DEID_CLEAN_* bits (default 0) */
    int32_t burned_in;     /**< DK_DEID_BURNED_IN_* (default DK_DEID_BURNED_IN_REFUSE) */
} dk_deid_options;
#define DK_DEID_OPTIONS_VERSION 1
#define DK_DEID_OPTIONS_INIT {DK_DEID_OPTIONS_VERSION, NULL, 0, 0, 0, DK_DEID_BURNED_IN_REFUSE}
/** Fills `opts` with defaults for `version` (no key: one must be set before use).
 *
 *  @param[out] opts     the caller's struct; only the fields `version` has are written
 *  @param      version  DK_DEID_OPTIONS_VERSION, or an older version the caller's struct has
 *  @return DK_OK; DK_EINVAL when `opts` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_deid_options_init(dk_deid_options *opts, uint32_t version);

/** What a de-identification did. The caller sets `version`; the library fills the fields it has. */
typedef struct dk_deid_report {
    uint32_t version;            /**< DK_DEID_REPORT_VERSION, set by the caller */
    uint32_t removed;            /**< elements removed (X, and private elements) */
    uint32_t emptied;            /**< elements emptied (Z) */
    uint32_t replaced;           /**< elements given a dummy value or the patient pseudonym (D) */
    uint32_t kept;               /**< elements of the table kept (K) */
    uint32_t cleaned;            /**< elements cleaned (C) */
    uint32_t uids_remapped;      /**< UID elements remapped (U) */
    int32_t burned_in_flagged;   /**< 1 when burned-in text is likely and DK_DEID_BURNED_IN_FLAG let it through */
    int32_t date_offset_days;    /**< days added to dates (Modified Dates; negative), else 0 */
    char patient_pseudonym[64];  /**< the new Patient ID and Patient's Name, NUL-terminated */
} dk_deid_report;
#define DK_DEID_REPORT_VERSION 1

/** De-identifies `ds` in place by PS3.15 Table E.1-1 and the options chosen: each attribute of the
 *  table, at any depth in sequences, is removed (X), emptied (Z), given a dummy value (D), kept
 *  (K), cleaned (C) or has its UIDs remapped (U) to "2.25." + 128 bits of HMAC-SHA256(key, UID), so
 *  references across files stay consistent; Patient ID and Name become a keyed pseudonym; private
 *  elements are removed (except the safe list with DK_DEID_RETAIN_SAFE_PRIVATE); Patient Identity
 *  Removed (0012,0062), De-identification Method (0012,0063) and its Code Sequence (0012,0064,
 *  PS3.16 CID 7050) are added. On a top-level handle the meta information loses the sender's AE
 *  titles; on an item handle only the item is de-identified.
 *
 *  @param[out] report  receives what was done (its `version` set by the caller); may be NULL
 *  @param      ds      the dataset (or item) handle, changed in place
 *  @param      opts    the options; a key of at least 16 bytes is required
 *  @return DK_OK; DK_EINVAL for a NULL `ds` or `opts`, a bad version, a key shorter than 16 bytes,
 *          both date options, an unknown burned_in value; DK_EUNSUPPORTED when burned-in text is
 *          likely (Burned In Annotation YES, modality US, a Secondary Capture SOP class, Image Type
 *          SCREEN SAVE) and burned_in is DK_DEID_BURNED_IN_REFUSE: the dataset is left unchanged */
DK_EXTERN(dk_result) dk_dataset_deidentify(dk_deid_report *report, dk_dataset *ds, const dk_deid_options *opts);

/** The UID `uid` becomes under `key` (as dk_dataset_deidentify remaps it): to map a UID known
 *  outside the files (a worklist, a report) the same way. Well-known UIDs of PS3.6 map to themselves.
 *
 *  @param[out]    buf       receives the UID, NUL-terminated; may be NULL with *size 0 to ask the size
 *  @param[in,out] size      the size of `buf`, then the size written or needed (NUL included)
 *  @param         key       the key, at least 16 bytes
 *  @param         key_size  bytes at `key`
 *  @param         uid       the original UID (UTF-8, NUL-terminated)
 *  @return DK_OK; DK_EINVAL for a NULL argument or a key shorter than 16 bytes; DK_EBUFS with
 *          *size set to the size needed */
DK_EXTERN(dk_result) dk_deid_uid(char *buf, size_t *size, const uint8_t *key, size_t key_size, const char *uid);

/** dk_deid_files_options.flags */
#define DK_DEID_FILES_NO_FSYNC 0x01u   /**< leave the files to the page cache (by default the output is
                                            flushed to the disk once, at the end) */
#define DK_DEID_FILES_COPY_RANGE 0x02u /**< copy the unchanged Pixel Data from the input with
                                            copy_file_range(2): a clone on XFS or Btrfs, a server-side
                                            copy on NFS (no faster than plain writes on ext4) */

/** The status of one file (dk_deid_files_report_status). */
#define DK_DEID_FILE_WRITTEN 0 /**< de-identified and written */
#define DK_DEID_FILE_SKIPPED 1 /**< not DICOM, or a DICOMDIR */
#define DK_DEID_FILE_REFUSED 2 /**< burned-in text likely (DK_DEID_BURNED_IN_REFUSE): not written */
#define DK_DEID_FILE_FAILED 3  /**< unreadable, no SOP Instance UID, the same instance as an earlier
                                    input, or a write error */

/** Called once per input, in input order, as its result is final; from a worker thread, one call at
 *  a time. It must not call back into a dk_deidentify_files in progress.
 *  @param user    dk_deid_files_options.progress_user
 *  @param done    results so far (1 for the first)
 *  @param total   inputs in all
 *  @param input   the input file (UTF-8)
 *  @param status  DK_DEID_FILE_* */
typedef void (*dk_deid_files_progress_fn)(void *user, size_t done, size_t total, const char *input, int32_t status);

/** How dk_deidentify_files() runs. Initialise with DK_DEID_FILES_OPTIONS_INIT or
 *  dk_deid_files_options_init(). */
typedef struct dk_deid_files_options {
    uint32_t version;                   /**< DK_DEID_FILES_OPTIONS_VERSION */
    const char *output;                 /**< the output folder, created when missing (required) */
    uint32_t jobs;                      /**< files at once, one thread each; 0 = the hardware threads */
    uint32_t flags;                     /**< DK_DEID_FILES_* bits (default 0) */
    dk_deid_files_progress_fn progress; /**< NULL = none */
    void *progress_user;                /**< passed to `progress` */
} dk_deid_files_options;
#define DK_DEID_FILES_OPTIONS_VERSION 1
#define DK_DEID_FILES_OPTIONS_INIT {DK_DEID_FILES_OPTIONS_VERSION, NULL, 0, 0, NULL, NULL}
/** Fills `opts` with the defaults of `version` (no output folder: one must be set).
 *  @return DK_OK; DK_EINVAL for a NULL `opts` or an unknown version */
DK_EXTERN(dk_result) dk_deid_files_options_init(dk_deid_files_options *opts, uint32_t version);

/** What dk_deidentify_files() did, one entry per input in input order: made by it, freed with
 *  dk_deid_files_report_free(). Read-only. */
typedef struct dk_deid_files_report dk_deid_files_report;

/** De-identifies files (not folders) into a folder, as `dcmkit deidentify` does: each is written as
 *  "<new SOP Instance UID>.dcm" (through a temporary name renamed into place), several at once on
 *  threads; the files, their names and the report do not depend on the threads. A file that cannot
 *  be read, is refused or cannot be written is reported and the others go on; of two inputs that are
 *  the same instance the first in input order is written.
 *  @param[out] out       the report, caller frees with dk_deid_files_report_free(); NULL on failure
 *  @param      inputs    the files (UTF-8 paths); may be NULL when count is 0
 *  @param      count     files at `inputs`
 *  @param      deid      the de-identification options (a key is required)
 *  @param      opts      how it runs
 *  @return DK_OK (also when some files failed: see the report); DK_EINVAL for a NULL argument, a bad
 *          version or flag, a bad key or options (before any file is read); DK_EIO when the output
 *          folder cannot be made or flushed; DK_EUNSUPPORTED in a build without de-identification */
DK_EXTERN(dk_result) dk_deidentify_files(dk_deid_files_report **out, const char *const *inputs, size_t count,
                                         const dk_deid_options *deid, const dk_deid_files_options *opts);

/** Frees a report (NULL is accepted). */
DK_EXTERN(void) dk_deid_files_report_free(dk_deid_files_report *report);

/** The entries of the report (the inputs given). */
DK_EXTERN(dk_result) dk_deid_files_report_count(size_t *count, const dk_deid_files_report *report);

/** Entry `index`: its status (DK_DEID_FILE_*) and whether it was written although burned-in text is
 *  likely (DK_DEID_BURNED_IN_FLAG; 1 or 0).
 *  @return DK_OK; DK_EINVAL for a NULL argument or an index out of range */
DK_EXTERN(dk_result) dk_deid_files_report_status(int32_t *status, int32_t *burned_in_flagged,
                                                 const dk_deid_files_report *report, size_t index);

/** Entry `index`'s strings (UTF-8): the input, the file written ("" unless written), the message
 *  (why it was skipped, refused or failed; "" when written), the burned-in reason ("" unless
 *  flagged). Buffers as everywhere (DK_EBUFS with *size the size needed).
 *  @param what  DK_DEID_FILES_INPUT, _OUTPUT, _MESSAGE or _BURNED_IN_REASON
 *  @return DK_OK; DK_EBUFS; DK_EINVAL for a NULL argument, an index out of range or an unknown `what` */
DK_EXTERN(dk_result) dk_deid_files_report_string(char *buf, size_t *size, const dk_deid_files_report *report,
                                                 size_t index, uint32_t what);
#define DK_DEID_FILES_INPUT 0u
#define DK_DEID_FILES_OUTPUT 1u
#define DK_DEID_FILES_MESSAGE 2u
#define DK_DEID_FILES_BURNED_IN_REASON 3u

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_DEID_H */
