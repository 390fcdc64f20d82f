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

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_DEID_H */
