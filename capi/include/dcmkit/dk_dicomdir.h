/* dcmkit — DICOMDIR, the Media Storage Directory of a file-set (PS3.10, PS3.3 Annex F): reading its
 * record tree (PATIENT → STUDY → SERIES → IMAGE, SR DOCUMENT, RT DOSE…), and writing one.
 *
 *   dk_dicomdir *dir = NULL;
 *   if (dk_dicomdir_open(&dir, "/media/cd/DICOMDIR") != DK_OK) fprintf(stderr, "%s\n", dk_last_error());
 *   size_t n = 0;
 *   dk_dicomdir_child_count(&n, dir, DK_DICOMDIR_ROOT);      // the patients
 *   for (size_t i = 0; i < n; ++i) {
 *       size_t patient; dk_dicomdir_child(&patient, dir, DK_DICOMDIR_ROOT, i);
 *       dk_dataset *keys = NULL; dk_dicomdir_record_dataset(&keys, dir, patient);  // PatientID…
 *       ...                                                   // records below: dk_dicomdir_child(…, patient, j)
 *       dk_dataset_free(keys);
 *   }
 *   dk_dicomdir_free(dir);
 *
 * Records are numbered 0 to dk_dicomdir_record_count() - 1 in tree order (depth first); a record
 * number stays valid for the handle's life. */
#ifndef DCMKIT_DK_DICOMDIR_H
#define DCMKIT_DK_DICOMDIR_H

#include "dcmkit/dk_common.h"
#include "dcmkit/dk_dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A DICOMDIR read into its tree of directory records. Opaque; immutable once opened, so it may be
 *  read from several threads. Freed with dk_dicomdir_free(). */
typedef struct dk_dicomdir dk_dicomdir;

/** The record number that stands for the root directory entity (whose children are the top-level
 *  records, usually the patients) in dk_dicomdir_child_count() and dk_dicomdir_child(). */
#define DK_DICOMDIR_ROOT ((size_t)-1)

/** Reads a DICOMDIR through its offsets (0004,1200), (0004,1400) and (0004,1420).
 *  @param[out] out   the handle, the caller's to free with dk_dicomdir_free() (NULL on failure)
 *  @param      path  the DICOMDIR file (UTF-8); referenced files are found relative to its folder
 *  @return DK_OK; DK_EINVAL for a NULL argument; DK_ENOTFOUND when the file cannot be opened;
 *          DK_ENOTDICOM, DK_ETRUNCATED… for a file that does not parse; DK_EUNSUPPORTED when it is
 *          not Explicit VR Little Endian; DK_EMALFORMED when an offset points at no record, the
 *          offsets loop, or a Type 1 element of the Basic Directory IOD is missing */
DK_EXTERN(dk_result) dk_dicomdir_open(dk_dicomdir **out, const char *path);

/** The same from memory (the bytes are copied); dk_dicomdir_file_path() then gives File IDs as
 *  relative paths.
 *  @param[out] out   the handle, the caller's to free with dk_dicomdir_free() (NULL on failure)
 *  @param      data  the DICOMDIR's bytes (Part 10, preamble included: offsets count from it)
 *  @param      size  their number
 *  @return as dk_dicomdir_open() */
DK_EXTERN(dk_result) dk_dicomdir_open_memory(dk_dicomdir **out, const void *data, size_t size);

/** Frees a DICOMDIR handle (NULL is ignored).
 *  @param dir  the handle */
DK_EXTERN(void) dk_dicomdir_free(dk_dicomdir *dir);

/** The File-set ID (0004,1130), trailing spaces removed ("" when empty).
 *  @param[out]    buf   receives the UTF-8 text and a NUL
 *  @param[in,out] size  in: the size of buf; out: the bytes written with the NUL, or needed (DK_EBUFS)
 *  @param         dir   the DICOMDIR
 *  @return DK_OK; DK_EINVAL for a NULL argument; DK_EBUFS when buf is too small */
DK_EXTERN(dk_result) dk_dicomdir_fileset_id(char *buf, size_t *size, const dk_dicomdir *dir);

/** The number of records reached from the root through the offsets (inactive ones included).
 *  @param[out] count  the number
 *  @param      dir    the DICOMDIR
 *  @return DK_OK; DK_EINVAL for a NULL argument */
DK_EXTERN(dk_result) dk_dicomdir_record_count(size_t *count, const dk_dicomdir *dir);

/** The number of records of the lower-level directory entity of `record`.
 *  @param[out] count   the number
 *  @param      dir     the DICOMDIR
 *  @param      record  a record number, or DK_DICOMDIR_ROOT for the top-level records
 *  @return DK_OK; DK_EINVAL for a NULL argument or a record number out of range */
DK_EXTERN(dk_result) dk_dicomdir_child_count(size_t *count, const dk_dicomdir *dir, size_t record);

/** The `index`-th record below `record`, in the order of their (0004,1400) chain.
 *  @param[out] child   its record number
 *  @param      dir     the DICOMDIR
 *  @param      record  a record number, or DK_DICOMDIR_ROOT
 *  @param      index   0 to dk_dicomdir_child_count() - 1
 *  @return DK_OK; DK_EINVAL for a NULL argument, a record number or an index out of range */
DK_EXTERN(dk_result) dk_dicomdir_child(size_t *child, const dk_dicomdir *dir, size_t record, size_t index);

/** The record above `record`.
 *  @param[out] parent  its record number, DK_DICOMDIR_ROOT for a top-level record
 *  @param      dir     the DICOMDIR
 *  @param      record  a record number
 *  @return DK_OK; DK_EINVAL for a NULL argument or a record number out of range */
DK_EXTERN(dk_result) dk_dicomdir_parent(size_t *parent, const dk_dicomdir *dir, size_t record);

/** The Directory Record Type (0004,1430): "PATIENT", "STUDY", "SERIES", "IMAGE", "SR DOCUMENT"…
 *  @param[out]    buf     receives the text and a NUL
 *  @param[in,out] size    in: the size of buf; out: the bytes written with the NUL, or needed
 *  @param         dir     the DICOMDIR
 *  @param         record  a record number
 *  @return DK_OK; DK_EINVAL for a NULL argument or a record number out of range; DK_EBUFS */
DK_EXTERN(dk_result) dk_dicomdir_record_type(char *buf, size_t *size, const dk_dicomdir *dir, size_t record);

/** Whether the record is in use (Record In-use Flag (0004,1410) other than 0000H).
 *  @param[out] in_use  1 or 0
 *  @param      dir     the DICOMDIR
 *  @param      record  a record number
 *  @return DK_OK; DK_EINVAL for a NULL argument or a record number out of range */
DK_EXTERN(dk_result) dk_dicomdir_record_in_use(int32_t *in_use, const dk_dicomdir *dir, size_t record);

/** The record's item (its keys, PatientID, StudyInstanceUID…, and the record elements) as a new
 *  top-level dataset: a copy, independent of `dir`.
 *  @param[out] out     the dataset, the caller's to free with dk_dataset_free() (NULL on failure)
 *  @param      dir     the DICOMDIR
 *  @param      record  a record number
 *  @return DK_OK; DK_EINVAL for a NULL argument or a record number out of range */
DK_EXTERN(dk_result) dk_dicomdir_record_dataset(dk_dataset **out, const dk_dicomdir *dir, size_t record);

/** The path of the file the record references: the DICOMDIR's folder joined with its Referenced
 *  File ID (0004,1500), components separated by '/'.
 *  @param[out]    buf     receives the UTF-8 path and a NUL
 *  @param[in,out] size    in: the size of buf; out: the bytes written with the NUL, or needed
 *  @param         dir     the DICOMDIR
 *  @param         record  a record number
 *  @return DK_OK; DK_EINVAL for a NULL argument or a record number out of range; DK_ENOTFOUND when
 *          the record references no file; DK_EMALFORMED when its File ID would leave the file-set
 *          (a component "..", "." or empty); DK_EBUFS */
DK_EXTERN(dk_result) dk_dicomdir_file_path(char *buf, size_t *size, const dk_dicomdir *dir, size_t record);

/** How dk_dicomdir_create() and dk_dicomdir_add() write. */
typedef struct dk_dicomdir_options {
    uint32_t version;           /**< DK_DICOMDIR_OPTIONS_VERSION */
    const char *fileset_id;     /**< File-set ID (CS, up to 16 of A-Z 0-9 space _); NULL = "" (create),
                                     the DICOMDIR's own (add) */
    const char *output;         /**< where the DICOMDIR is written; NULL = ROOT/DICOMDIR (create), in place (add) */
    int32_t map_nonconforming;  /**< copy a file whose path is no PS3.10 File ID to DICOM/Dnnnnnnn/Innnnnnn
                                     and reference the copy (default 1); 0: DK_EINVAL */
} dk_dicomdir_options;

#define DK_DICOMDIR_OPTIONS_VERSION 1
#define DK_DICOMDIR_OPTIONS_INIT {DK_DICOMDIR_OPTIONS_VERSION, NULL, NULL, 1}

/** Fills `opts` with the defaults of `version`.
 *  @param[out] opts     the options
 *  @param      version  DK_DICOMDIR_OPTIONS_VERSION
 *  @return DK_OK; DK_EINVAL for a NULL `opts` or an unknown version */
DK_EXTERN(dk_result) dk_dicomdir_options_init(dk_dicomdir_options *opts, uint32_t version);

/** Writes a DICOMDIR for the file-set rooted at folder `root`: every Part 10 file under it is
 *  referenced (PATIENT, STUDY, SERIES, then the record type of its SOP class, with the keys of
 *  PS3.3 F.5); files that are not DICOM are skipped.
 *  @param[out] added            instances given a record (may be NULL)
 *  @param[out] already_present  files whose SOP Instance UID another file already gave (may be NULL)
 *  @param      root             the file-set's root folder (UTF-8)
 *  @param      opts             NULL = defaults
 *  @return DK_OK; DK_EINVAL for a NULL `root`, a bad File-set ID or options, or a non-conforming
 *          name with map_nonconforming 0; DK_ENOTFOUND when `root` is no folder; DK_EIO when the
 *          DICOMDIR (or a copy) cannot be written */
DK_EXTERN(dk_result) dk_dicomdir_create(size_t *added, size_t *already_present, const char *root,
                                        const dk_dicomdir_options *opts);

/** Adds files (or every file under folders) below an existing DICOMDIR's folder to it, and writes
 *  it back: its records are kept (inactive ones dropped), the offsets recomputed.
 *  @param[out] added            instances given a record (may be NULL)
 *  @param[out] already_present  instances the DICOMDIR already referenced (may be NULL)
 *  @param      dicomdir_path    the DICOMDIR
 *  @param      files            `count` paths (absolute, or relative to the working folder)
 *  @param      count            their number
 *  @param      opts             NULL = defaults
 *  @return DK_OK; DK_EINVAL for a NULL argument, a path outside the DICOMDIR's folder, bad options;
 *          the errors of dk_dicomdir_open() for the DICOMDIR; DK_ENOTFOUND for a missing file;
 *          DK_EIO when it cannot be written */
DK_EXTERN(dk_result) dk_dicomdir_add(size_t *added, size_t *already_present, const char *dicomdir_path,
                                     const char *const *files, size_t count, const dk_dicomdir_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_DICOMDIR_H */
