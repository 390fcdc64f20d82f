/* dcmkit — export to media (PS3.10, PS3.11): patients or studies picked from files or from an
 * archive, optionally de-identified (PS3.15 Annex E), written to a folder with its DICOMDIR, and an
 * ISO 9660 image when xorriso is installed. */
#ifndef DCMKIT_DK_MEDIA_H
#define DCMKIT_DK_MEDIA_H

#include "dcmkit/dk_common.h"
#include "dcmkit/dk_deid.h"

#ifdef __cplusplus
extern "C" {
#endif

/** dk_media_export_options.flags */
#define DK_MEDIA_REFUSAL_FATAL 0x01u /**< an instance the de-identification refuses fails the export
                                          (DK_EUNSUPPORTED) instead of being left out */
#define DK_MEDIA_NO_FSYNC 0x02u      /**< do not flush the files to the disk (by default: together, once,
                                          before the DICOMDIR, which is always flushed) */

/** Called before each instance. Return 1 to go on, 0 to cancel (the export then fails with DK_EIO
 *  and removes what it wrote).
 *  @param user   dk_media_export_options.progress_user
 *  @param done   instances done so far
 *  @param total  instances to export
 *  @param path   the source file about to be exported (UTF-8) */
typedef int32_t (*dk_media_progress_fn)(void *user, size_t done, size_t total, const char *path);

/** What dk_export_media() does. Initialise with DK_MEDIA_EXPORT_OPTIONS_INIT or
 *  dk_media_export_options_init(). Strings are UTF-8 paths or values, read during the call. */
typedef struct dk_media_export_options {
    uint32_t version;                /**< DK_MEDIA_EXPORT_OPTIONS_VERSION */
    const char *output;              /**< the media folder: created when missing, else it must be empty (required) */
    const char *const *inputs;       /**< files and folders (recursed); may be NULL when input_count is 0 */
    size_t input_count;
    const char *archive_storage;     /**< an archive's storage folder (holding index.sqlite); NULL = none */
    const char *const *patient_ids;  /**< Patient IDs to export; may be NULL when patient_count is 0 */
    size_t patient_count;
    const char *const *study_uids;   /**< Study Instance UIDs to export; may be NULL when study_count is 0 */
    size_t study_count;
    const dk_deid_options *deidentify; /**< de-identify each instance with these options; NULL = as they are */
    uint32_t flags;                  /**< DK_MEDIA_* bits (default 0) */
    const char *fileset_id;          /**< File-set ID (up to 16 of A-Z 0-9 space _); NULL = none */
    const char *iso_path;            /**< also write an ISO image there (needs xorriso on PATH); NULL = none */
    const char *volume_label;        /**< its volume label (1-32 of A-Z 0-9 _); NULL = "DICOM" */
    dk_media_progress_fn progress;   /**< NULL = none */
    void *progress_user;             /**< passed to `progress` */
} dk_media_export_options;
#define DK_MEDIA_EXPORT_OPTIONS_VERSION 1
#define DK_MEDIA_EXPORT_OPTIONS_INIT                                                                          \
    {DK_MEDIA_EXPORT_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, 0, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL}

/** Fills `opts` with the defaults of `version` (no output folder: one must be set).
 *  @param[out] opts     the caller's struct
 *  @param      version  DK_MEDIA_EXPORT_OPTIONS_VERSION
 *  @return DK_OK; DK_EINVAL for a NULL `opts` or an unknown version */
DK_EXTERN(dk_result) dk_media_export_options_init(dk_media_export_options *opts, uint32_t version);

/** What dk_export_media() wrote. The caller sets `version`; the library fills the fields it has. */
typedef struct dk_media_export_result {
    uint32_t version;   /**< DK_MEDIA_EXPORT_RESULT_VERSION, set by the caller */
    size_t exported;    /**< instances written */
    size_t patients;    /**< PATIENT records (after de-identification: pseudonyms) */
    size_t studies;
    size_t series;
    size_t skipped;     /**< input files that are not Part 10 DICOM */
    size_t refused;     /**< instances the de-identification refused (left out) */
} dk_media_export_result;
#define DK_MEDIA_EXPORT_RESULT_VERSION 1

/** Exports to media: the instances selected (a Patient ID or Study Instance UID listed; with no
 *  list, every input file; an archive needs a list) are written under OUTPUT as
 *  DICOM/Pnnnnnnn/Snnnnnnn/Rnnnnnnn/Innnnnnn (PS3.10 File IDs, one P per Patient ID), de-identified
 *  on the way when asked, then OUTPUT/DICOMDIR is written under a temporary name, checked (each
 *  file under its own patient's record) and renamed; then the ISO image. A failure removes what
 *  the export wrote: no partial DICOMDIR is left.
 *  @param[out] result  what was written (its `version` set by the caller); may be NULL
 *  @param      opts    the options
 *  @return DK_OK; DK_EINVAL for a NULL `opts` or output, a bad version or flag, an output folder
 *          that is not empty, a bad File-set ID or volume label, an archive without Patient IDs or
 *          Study UIDs, two identities under one Patient ID; DK_ENOTFOUND for a Patient ID or Study
 *          UID that selects nothing, no instance to export, an input or archive index that does not
 *          exist, no xorriso on PATH when an ISO was asked for; DK_EUNSUPPORTED when the
 *          de-identification refuses an instance with DK_MEDIA_REFUSAL_FATAL (or every instance),
 *          or in a build without the archive; DK_EIO when a file cannot be written, xorriso fails
 *          (its message in dk_last_error()) or `progress` cancelled; DK_EMALFORMED when the
 *          DICOMDIR check fails (a bug) */
DK_EXTERN(dk_result) dk_export_media(dk_media_export_result *result, const dk_media_export_options *opts);

/** What an export did, file by file: made by dk_export_media_report(), freed with
 *  dk_media_export_report_free(). Read-only; it may be read from several threads at once. */
typedef struct dk_media_export_report dk_media_export_report;

/** The lists of a dk_media_export_report (the `list` argument of its accessors). Each entry has a
 *  path and a detail: */
#define DK_MEDIA_LIST_FILES 0u    /**< each instance exported, in order: the source file, and the File ID
                                       written under the output folder ("DICOM/P0000001/...", '/'-separated) */
#define DK_MEDIA_LIST_SKIPPED 1u  /**< input files left out: the file, and why (not Part 10 DICOM, unreadable) */
#define DK_MEDIA_LIST_REFUSED 2u  /**< instances the de-identification refused and left out (burned-in text
                                       likely): the source file, and the de-identification's reason */
#define DK_MEDIA_LIST_WARNINGS 3u /**< warnings (a Type 1 key invented in the DICOMDIR...): the text, and "" */

/** Exports to media as dk_export_media() does, and returns what it did file by file.
 *  @param[out] out   the report, caller frees with dk_media_export_report_free(); NULL on failure
 *  @param      opts  the options
 *  @return as dk_export_media(); DK_EINVAL for a NULL `out` */
DK_EXTERN(dk_result) dk_export_media_report(dk_media_export_report **out, const dk_media_export_options *opts);

/** Frees a report (NULL is accepted). */
DK_EXTERN(void) dk_media_export_report_free(dk_media_export_report *report);

/** The counts of the export, as dk_export_media() returns them.
 *  @param[out] counts  its `version` set by the caller (DK_MEDIA_EXPORT_RESULT_VERSION)
 *  @return DK_OK; DK_EINVAL for a NULL argument or a bad version */
DK_EXTERN(dk_result) dk_media_export_report_counts(dk_media_export_result *counts,
                                                   const dk_media_export_report *report);

/** The number of entries in one list.
 *  @param[out] count  entries
 *  @param      list   DK_MEDIA_LIST_*
 *  @return DK_OK; DK_EINVAL for a NULL argument or an unknown list */
DK_EXTERN(dk_result) dk_media_export_report_count(size_t *count, const dk_media_export_report *report,
                                                  uint32_t list);

/** The path of entry `index` of `list` (for DK_MEDIA_LIST_WARNINGS: the warning's text), UTF-8.
 *  @param[out]    buf   receives the string and its NUL
 *  @param[in,out] size  in: the size of buf; out: the bytes written, or needed (DK_EBUFS)
 *  @return DK_OK; DK_EBUFS when buf is too small; DK_EINVAL for a NULL argument, an unknown list or
 *          an index out of range */
DK_EXTERN(dk_result) dk_media_export_report_path(char *buf, size_t *size, const dk_media_export_report *report,
                                                 uint32_t list, size_t index);

/** The detail of entry `index` of `list`: the File ID written (DK_MEDIA_LIST_FILES), the reason
 *  (DK_MEDIA_LIST_SKIPPED, DK_MEDIA_LIST_REFUSED), "" (DK_MEDIA_LIST_WARNINGS). Buffers and errors as
 *  dk_media_export_report_path(). */
DK_EXTERN(dk_result) dk_media_export_report_detail(char *buf, size_t *size, const dk_media_export_report *report,
                                                   uint32_t list, size_t index);

/** The DICOMDIR written, and the ISO image ("" when none was asked for). Buffers and errors as
 *  dk_media_export_report_path(). */
DK_EXTERN(dk_result) dk_media_export_report_dicomdir(char *buf, size_t *size, const dk_media_export_report *report);
DK_EXTERN(dk_result) dk_media_export_report_iso(char *buf, size_t *size, const dk_media_export_report *report);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_MEDIA_H */
