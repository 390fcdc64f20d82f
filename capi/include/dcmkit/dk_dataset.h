/* dcmkit — datasets: reading, writing, elements, sequences, DICOM JSON. */
#ifndef DCMKIT_DK_DATASET_H
#define DCMKIT_DK_DATASET_H

#include "dcmkit/dk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A dataset with its file meta information and transfer syntax (a Part 10 file), or a sequence
 *  item. Opaque. A top-level handle is freed with dk_dataset_free(); an item handle too: it keeps
 *  the top-level dataset alive and addresses its item by position, so it stays valid while that
 *  item exists (DK_ENOTFOUND once the item or its sequence is removed). Not thread-safe: use one
 *  dataset from one thread at a time (distinct datasets are independent).
 *  On a top-level handle, tags of group 0002 address the file meta information (get, set, remove,
 *  contains); dk_dataset_count, dk_dataset_element_at and dk_dataset_to_json cover the dataset only.
 *  Group 0002 meta elements are completed by the writer (transfer syntax, SOP class and instance,
 *  implementation). */
typedef struct dk_dataset dk_dataset;

/* -- reading ------------------------------------------------------------------------------------- */

typedef struct dk_read_options {
    uint32_t version;           /**< DK_READ_OPTIONS_VERSION */
    int32_t stop_before_pixels;     /**< do not read Pixel Data nor anything after it (default 0) */
    int32_t map_file;               /**< borrow values from a memory map: large files open in a few MB (default 1) */
    uint32_t max_depth;         /**< deepest sequence nesting accepted (default 64) */
    /* version 2 */
    int32_t keep_un;                /**< keep elements encoded as UN as UN bytes (default 0: an element encoded
                                     as UN whose VR the public or private dictionary knows is re-read with
                                     that VR, PS3.5 6.2.2, and DK_WARN_UN_RETYPED is set) */
} dk_read_options;
#define DK_READ_OPTIONS_VERSION 2
#define DK_READ_OPTIONS_INIT {DK_READ_OPTIONS_VERSION, 0, 1, 64, 0}
/** Fills `opts` with defaults for `version`. DK_EINVAL for an unknown version.
 *
 *  @param[out] opts     the caller's struct; only the fields `version` has are written
 *  @param      version  DK_READ_OPTIONS_VERSION, or an older version the caller's struct has
 *  @return DK_OK; DK_EINVAL when `opts` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_read_options_init(dk_read_options *opts, uint32_t version);

/** What the reader accepted with a warning (dk_dataset_warnings flags). */
#define DK_WARN_SYNTAX_MISMATCH 0x1u /**< the dataset is not in the VR encoding its meta information names
                                          (explicit declared, implicit found, or the reverse): read as found,
                                          and dk_dataset_transfer_syntax gives the syntax found */
#define DK_WARN_UN_RETYPED 0x2u      /**< elements encoded as UN were re-read with their dictionary VR */

/** Warnings of the read that made `ds` (an item handle gives its dataset's): *flags (may be NULL)
 *  receives DK_WARN_* bits, 0 for a conforming file; `buf` of `*size` bytes (both may be NULL)
 *  receives the messages, one per line ("" when none); DK_EBUFS sets *size to the size needed.
 *
 *  @param[out]    flags  receives the DK_WARN_* bits; may be NULL
 *  @param[out]    buf    receives the messages, NUL-terminated; may be NULL with *size 0 to ask
 *                        for the size
 *  @param[in,out] size   the size of `buf` in bytes, then the size written or needed (NUL
 *                        included); may be NULL (no messages are copied, `buf` is ignored)
 *  @param         ds     the dataset or item handle
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`, or a NULL `buf` with a *size other than 0;
 *          DK_ENOTFOUND when the item `ds` addresses was removed; DK_EBUFS as above (*flags is
 *          still set) */
DK_EXTERN(dk_result) dk_dataset_warnings(uint32_t *flags, char *buf, size_t *size, const dk_dataset *ds);

/** A new empty dataset (explicit VR little endian). Caller frees with dk_dataset_free().
 *
 *  @param[out] out  receives the new top-level handle; NULL on failure
 *  @return DK_OK; DK_EINVAL when `out` is NULL */
DK_EXTERN(dk_result) dk_dataset_new(dk_dataset **out);
/** Reads a Part 10 file or a raw dataset. `opts` may be NULL (defaults). Caller frees *out.
 *
 *  @param[out] out   receives the new top-level handle (free with dk_dataset_free); NULL on failure
 *  @param      path  the file's path
 *  @param      opts  reading options; NULL = the defaults (DK_READ_OPTIONS_INIT)
 *  @return DK_OK; DK_EINVAL when `out` or `path` is NULL or `opts` has a bad version; DK_ENOTFOUND
 *          when the file does not exist, DK_EIO when it cannot be read; the parse errors
 *          (DK_ENOTDICOM, DK_ETRUNCATED, DK_EBADLENGTH, DK_EBADVR, DK_ETOODEEP, DK_EMALFORMED…,
 *          with dk_last_error_offset) */
DK_EXTERN(dk_result) dk_dataset_read_file(dk_dataset **out, const char *path, const dk_read_options *opts);
/** Reads from memory; the bytes are copied (`data` must not be NULL, even when `size` is 0).
 *  `opts` may be NULL. Caller frees *out.
 *
 *  @param[out] out   receives the new top-level handle (free with dk_dataset_free); NULL on failure
 *  @param      data  the encoded bytes (a Part 10 file or a raw dataset); copied, never kept
 *  @param      size  the number of bytes at `data`
 *  @param      opts  reading options (map_file does not apply); NULL = the defaults
 *  @return DK_OK; DK_EINVAL when `out` or `data` is NULL or `opts` has a bad version; the parse
 *          errors of dk_dataset_read_file */
DK_EXTERN(dk_result) dk_dataset_read_memory(dk_dataset **out, const void *data, size_t size,
                                            const dk_read_options *opts);
/** A deep copy of a dataset, or of a sequence item as a new top-level dataset (with the transfer
 *  syntax and, unless the item has its own, the Specific Character Set of its root). Changing one
 *  never changes the other. Caller frees *out.
 *
 *  @param[out] out  receives the new top-level handle (free with dk_dataset_free); NULL on failure
 *  @param      ds   the dataset or item handle to copy
 *  @return DK_OK; DK_EINVAL for a NULL `out` or a NULL or bad `ds`; DK_ENOTFOUND when the item
 *          `ds` addresses was removed */
DK_EXTERN(dk_result) dk_dataset_clone(dk_dataset **out, const dk_dataset *ds);
/** Frees a dataset or item handle (NULL is ignored).
 *
 *  @param ds  the handle; the dataset itself lives on while other handles on it (its items' or its
 *             root's) remain */
DK_EXTERN(void) dk_dataset_free(dk_dataset *ds);

/* -- writing ------------------------------------------------------------------------------------- */

typedef struct dk_write_options {
    uint32_t version;             /**< DK_WRITE_OPTIONS_VERSION */
    const char *transfer_syntax;  /**< UID, keyword or alias (implicit, explicit, big, deflate); NULL = as read */
    int32_t part10;                   /**< preamble, DICM and meta (default 1); 0 = the bare dataset */
    int32_t atomic;                   /**< temporary file, fsync, rename (default 1) */
    int32_t fsync;                    /**< fsync before returning (default 1) */
    int32_t deflate_level;            /**< deflated syntax: zlib level 0-9, -1 = zlib default (default -1) */
} dk_write_options;
#define DK_WRITE_OPTIONS_VERSION 1
#define DK_WRITE_OPTIONS_INIT {DK_WRITE_OPTIONS_VERSION, NULL, 1, 1, 1, -1}
/** Fills `opts` with defaults for `version`. DK_EINVAL for an unknown version.
 *
 *  @param[out] opts     the caller's struct; only the fields `version` has are written
 *  @param      version  DK_WRITE_OPTIONS_VERSION, or an older version the caller's struct has
 *  @return DK_OK; DK_EINVAL when `opts` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_write_options_init(dk_write_options *opts, uint32_t version);

/** Writes a top-level dataset as a file. `opts` may be NULL. DK_EINVAL for an item handle, and
 *  with atomic = 0 when `path` is the file the dataset was read from with map_file (truncating it
 *  would pull its values away). DK_EUNSUPPORTED when the pixel data would need re-encoding: native
 *  pixel data in a compressed syntax, compressed pixel data in a native or another compressed one
 *  (writing never converts pixel data: dk_dataset_transcode does, dk_pixel.h).
 *
 *  @param ds    the top-level dataset to write
 *  @param path  the file to create or replace
 *  @param opts  writing options; NULL = the defaults (DK_WRITE_OPTIONS_INIT: Part 10, in the
 *               dataset's transfer syntax, atomic, fsynced)
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`, an item handle, a NULL `path`, a bad `opts`
 *          (version, an unknown transfer_syntax, deflate_level not -1 to 9) or the mapped-file
 *          case above; DK_EUNSUPPORTED as above; DK_EIO when the file cannot be written */
DK_EXTERN(dk_result) dk_dataset_write_file(const dk_dataset *ds, const char *path, const dk_write_options *opts);
/** Encodes into a library-allocated buffer: *out (free with dk_free) and *size. Errors as for
 *  dk_dataset_write_file.
 *
 *  @param[out] out   receives the encoded bytes, malloc'ed (free with dk_free); NULL on failure
 *  @param[out] size  receives the number of bytes at *out; 0 on failure
 *  @param      ds    the top-level dataset to encode
 *  @param      opts  writing options (atomic and fsync do not apply); NULL = the defaults
 *  @return DK_OK; DK_EINVAL when `out` or `size` is NULL; the errors of dk_dataset_write_file
 *          except those of the file itself (the mapped-file case, DK_EIO) */
DK_EXTERN(dk_result) dk_dataset_write_memory(void **out, size_t *size, const dk_dataset *ds,
                                             const dk_write_options *opts);

/** The transfer syntax UID the dataset was read in (or will be written in by default). Copies into
 *  `buf` of `*size` bytes (NUL included); DK_EBUFS sets *size to the size needed.
 *
 *  @param[out]    buf   receives the UID, NUL-terminated; may be NULL with *size 0 to ask for the size
 *  @param[in,out] size  the size of `buf` in bytes, then the size written or needed (NUL included)
 *  @param         ds    the dataset or item handle (an item gives its root's syntax)
 *  @return DK_OK; DK_EINVAL for a NULL `size`, a NULL or bad `ds`, or a NULL `buf` with a *size
 *          other than 0; DK_ENOTFOUND when the item `ds` addresses was removed; DK_EBUFS as above */
DK_EXTERN(dk_result) dk_dataset_transfer_syntax(char *buf, size_t *size, const dk_dataset *ds);
/** Sets the default transfer syntax for writing (UID, keyword or alias). DK_EINVAL for an unknown
 *  syntax or an item handle; DK_EUNSUPPORTED when the pixel data would need re-encoding (between
 *  native and compressed, or two compressed syntaxes): dk_dataset_transcode converts the pixel data
 *  and sets the syntax (dk_pixel.h).
 *
 *  @param ds               the top-level dataset
 *  @param transfer_syntax  a registered transfer syntax UID, its keyword, or an alias ("explicit"…)
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`, an item handle, a NULL or unknown
 *          `transfer_syntax`; DK_EUNSUPPORTED as above (the syntax is then unchanged) */
DK_EXTERN(dk_result) dk_dataset_set_transfer_syntax(dk_dataset *ds, const char *transfer_syntax);

/* -- elements ------------------------------------------------------------------------------------ */

/** Number of elements (top level of this dataset or item).
 *
 *  @param[out] count  receives the number of elements (group 0002 meta elements not included)
 *  @param      ds     the dataset or item handle
 *  @return DK_OK; DK_EINVAL for a NULL `count` or a NULL or bad `ds`; DK_ENOTFOUND when the item
 *          `ds` addresses was removed */
DK_EXTERN(dk_result) dk_dataset_count(size_t *count, const dk_dataset *ds);
/** The tag and VR ("PN", NUL-terminated in vr[3]) of the element at `index` in tag order
 *  (DK_ENOTFOUND past the end).
 *
 *  @param[out] tag    receives the tag (DK_TAG)
 *  @param[out] vr     receives the VR, two letters and a NUL
 *  @param      ds     the dataset or item handle
 *  @param      index  0 to dk_dataset_count - 1
 *  @return DK_OK; DK_EINVAL for a NULL `tag` or `vr`, or a NULL or bad `ds`; DK_ENOTFOUND past the
 *          end, or when the item `ds` addresses was removed */
DK_EXTERN(dk_result) dk_dataset_element_at(uint32_t *tag, char vr[3], const dk_dataset *ds, size_t index);
/** Number of file meta information elements (group 0002) a top-level handle holds (as read, set,
 *  or completed by a write); 0 for an item handle.
 *
 *  @param[out] count  receives the number of meta elements
 *  @param      ds     the dataset or item handle
 *  @return DK_OK; DK_EINVAL for a NULL `count` or a NULL or bad `ds`; DK_ENOTFOUND when the item
 *          `ds` addresses was removed */
DK_EXTERN(dk_result) dk_dataset_meta_count(size_t *count, const dk_dataset *ds);
/** The tag and VR of the file meta element at `index` in tag order (DK_ENOTFOUND past the end);
 *  read its value through the ordinary getters with that tag.
 *
 *  @param[out] tag    receives the tag (DK_TAG, group 0002)
 *  @param[out] vr     receives the VR, two letters and a NUL
 *  @param      ds     the top-level handle (an item handle has no meta elements: DK_ENOTFOUND)
 *  @param      index  0 to dk_dataset_meta_count - 1
 *  @return DK_OK; DK_EINVAL for a NULL `tag` or `vr`, or a NULL or bad `ds`; DK_ENOTFOUND past the
 *          end */
DK_EXTERN(dk_result) dk_dataset_meta_element_at(uint32_t *tag, char vr[3], const dk_dataset *ds, size_t index);
/** 1 when present, 0 when not (also 0 for a NULL handle).
 *
 *  @param ds   the dataset or item handle; NULL, or an item that was removed, gives 0 (and sets
 *              dk_last_error)
 *  @param tag  the element's tag (DK_TAG); group 0002 on a top-level handle asks the meta information
 *  @return 1 or 0; never fails */
DK_EXTERN(int32_t) dk_dataset_contains(const dk_dataset *ds, uint32_t tag);
/** The element's VR as two letters in vr[3].
 *
 *  @param[out] vr   receives the VR, two letters and a NUL
 *  @param      ds   the dataset or item handle
 *  @param      tag  the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @return DK_OK; DK_EINVAL for a NULL `vr` or a NULL or bad `ds`; DK_ENOTFOUND when the element is
 *          absent or the item `ds` addresses was removed */
DK_EXTERN(dk_result) dk_dataset_vr(char vr[3], const dk_dataset *ds, uint32_t tag);
/** Number of values (strings split on '\', binary values by size, items for SQ).
 *
 *  @param[out] count  receives the value multiplicity (0 for an empty value)
 *  @param      ds     the dataset or item handle
 *  @param      tag    the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @return DK_OK; DK_EINVAL for a NULL `count` or a NULL or bad `ds`; DK_ENOTFOUND when the element
 *          is absent or the item `ds` addresses was removed */
DK_EXTERN(dk_result) dk_dataset_value_count(size_t *count, const dk_dataset *ds, uint32_t tag);
/** Removes an element; DK_ENOTFOUND when absent.
 *
 *  @param ds   the dataset or item handle; handles on items of a removed sequence then give
 *              DK_ENOTFOUND
 *  @param tag  the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`; DK_ENOTFOUND when the element is absent or the
 *          item `ds` addresses was removed */
DK_EXTERN(dk_result) dk_dataset_remove(dk_dataset *ds, uint32_t tag);

/** The whole string value decoded to UTF-8 (values joined by '\'), padding removed. DK_EBADVALUE
 *  for a binary VR or a sequence.
 *
 *  @param[out]    buf   receives the text, NUL-terminated; may be NULL with *size 0 to ask for the size
 *  @param[in,out] size  the size of `buf` in bytes, then the size written or needed (NUL included)
 *  @param         ds    the dataset or item handle
 *  @param         tag   the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @return DK_OK; DK_EINVAL for a NULL `size`, a NULL or bad `ds`, or a NULL `buf` with a *size
 *          other than 0; DK_ENOTFOUND when the element is absent or the item `ds` addresses was
 *          removed; DK_EBADVALUE as above (a UN element is read as text); DK_ECHARSET when the
 *          text does not decode in the Specific Character Set; DK_EBUFS as in dk_common.h */
DK_EXTERN(dk_result) dk_dataset_get_string(char *buf, size_t *size, const dk_dataset *ds, uint32_t tag);
/** Value `index` of a multi-valued string, decoded to UTF-8 (DK_ENOTFOUND past the last value).
 *
 *  @param[out]    buf    receives the value, NUL-terminated; may be NULL with *size 0 to ask for
 *                        the size
 *  @param[in,out] size   the size of `buf` in bytes, then the size written or needed (NUL included)
 *  @param         ds     the dataset or item handle
 *  @param         tag    the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @param         index  0 to dk_dataset_value_count - 1
 *  @return DK_OK; DK_EINVAL for a NULL `size`, a NULL or bad `ds`, or a NULL `buf` with a *size
 *          other than 0; DK_ENOTFOUND when the element is absent, past the last value (an empty
 *          value has none), or when the item `ds` addresses was removed; DK_EBADVALUE and
 *          DK_ECHARSET as for dk_dataset_get_string; DK_EBUFS */
DK_EXTERN(dk_result) dk_dataset_get_string_at(char *buf, size_t *size, const dk_dataset *ds, uint32_t tag,
                                              size_t index);
/** Integer value `index` (IS, or US SS UL SL UV SV). DK_EBADVALUE for other VRs, unparsable text
 *  or a UV over INT64_MAX; DK_ENOTFOUND past the last value.
 *
 *  @param[out] out    receives the value; unchanged on failure
 *  @param      ds     the dataset or item handle
 *  @param      tag    the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @param      index  0 to dk_dataset_value_count - 1
 *  @return DK_OK; DK_EINVAL for a NULL `out` or a NULL or bad `ds`; DK_ENOTFOUND when the element
 *          is absent, past the last value, or when the item `ds` addresses was removed; DK_EBADVALUE
 *          as above */
DK_EXTERN(dk_result) dk_dataset_get_int(int64_t *out, const dk_dataset *ds, uint32_t tag, size_t index);
/** Numeric value `index` (DS, IS, or a binary number VR: US SS UL SL UV SV FL FD). DK_EBADVALUE for
 *  other VRs or unparsable text; DK_ENOTFOUND past the last value.
 *
 *  @param[out] out    receives the value; unchanged on failure
 *  @param      ds     the dataset or item handle
 *  @param      tag    the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @param      index  0 to dk_dataset_value_count - 1
 *  @return DK_OK; DK_EINVAL for a NULL `out` or a NULL or bad `ds`; DK_ENOTFOUND when the element
 *          is absent, past the last value, or when the item `ds` addresses was removed; DK_EBADVALUE
 *          as above */
DK_EXTERN(dk_result) dk_dataset_get_double(double *out, const dk_dataset *ds, uint32_t tag, size_t index);
/** The raw value bytes (binary values little endian, text as encoded with its padding). DK_EBUFS
 *  sets *size to the size needed. DK_EBADVALUE for a sequence, DK_EUNSUPPORTED for compressed
 *  (encapsulated) pixel data.
 *
 *  @param[out]    buf   receives the bytes (no NUL is added); may be NULL with *size 0 to ask for
 *                       the size
 *  @param[in,out] size  the size of `buf` in bytes, then the number of bytes written or needed
 *                       (an empty value: DK_OK with *size 0, even with a NULL `buf`)
 *  @param         ds    the dataset or item handle
 *  @param         tag   the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @return DK_OK; DK_EINVAL for a NULL `size`, a NULL or bad `ds`, or a NULL `buf` with a *size
 *          other than 0; DK_ENOTFOUND when the element is absent or the item `ds` addresses was
 *          removed; DK_EBADVALUE, DK_EUNSUPPORTED as above; DK_EBUFS */
DK_EXTERN(dk_result) dk_dataset_get_bytes(void *buf, size_t *size, const dk_dataset *ds, uint32_t tag);

/** Sets a string element from UTF-8, encoded in the dataset's Specific Character Set. `vr` NULL =
 *  the dictionary's (DK_EINVAL for a tag the dictionary lacks, such as a private one). Multiple
 *  values are separated by '\'. DK_EBADVALUE when the VR is not a string VR, DK_ECHARSET when the
 *  text cannot be encoded (non-ASCII text needs a Specific Character Set (0008,0005)). Setters
 *  replace an element of the same tag; DK_EINVAL for item and delimitation tags (FFFE,xxxx).
 *
 *  @param ds    the dataset or item handle
 *  @param tag   the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @param vr    the VR, two upper-case letters ("PN"); NULL = the dictionary's
 *  @param utf8  the value, values separated by '\'; "" for an empty value
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`, a NULL `utf8`, an (FFFE,xxxx) tag, a `vr` that
 *          is not a VR, or a NULL `vr` with a tag the dictionary lacks; DK_ENOTFOUND when the item
 *          `ds` addresses was removed; DK_EBADVALUE, DK_ECHARSET as above */
DK_EXTERN(dk_result) dk_dataset_set_string(dk_dataset *ds, uint32_t tag, const char *vr, const char *utf8);
/** Adds one query key as DCMTK's findscu -k spells it: "Keyword=value", "gggg,eeee=value",
 *  "Keyword" (an empty return key), "Sequence[n].Keyword=value" through nested sequences (items
 *  made as needed; "Sequence[0]" alone adds an empty item). The VR is the dictionary's (LO for an
 *  unknown tag); binary numbers (US SS UL SL UV SV FL FD) are parsed whole. DK_EINVAL, naming the
 *  key, when a part is not a keyword or tag, a step is not a sequence or a number does not parse;
 *  DK_ECHARSET when the text cannot be encoded.
 *
 *  @param ds   the dataset or item handle the key is added to (an identifier)
 *  @param key  the key, as above
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`, a NULL `key`, or as above; DK_ENOTFOUND when the
 *          item `ds` addresses was removed; DK_ECHARSET as above */
DK_EXTERN(dk_result) dk_dataset_set_key(dk_dataset *ds, const char *key);
/** Sets `count` numbers (IS DS US SS UL SL UV SV FL FD; `vr` NULL = the dictionary's). `values` may
 *  be NULL when `count` is 0. DK_EBADVALUE for another VR or a value out of the VR's range (IS is
 *  32-bit, DS at most 16 characters); integer VRs take only integral doubles.
 *
 *  @param ds      the dataset or item handle
 *  @param tag     the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @param vr      the VR, two upper-case letters; NULL = the dictionary's
 *  @param values  `count` values; may be NULL when `count` is 0 (an empty value)
 *  @param count   the number of values
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`, an (FFFE,xxxx) tag, a NULL `values` with a
 *          `count`, a `vr` that is not a VR, or a NULL `vr` with a tag the dictionary lacks;
 *          DK_ENOTFOUND when the item `ds` addresses was removed; DK_EBADVALUE as above */
DK_EXTERN(dk_result) dk_dataset_set_ints(dk_dataset *ds, uint32_t tag, const char *vr, const int64_t *values,
                                         size_t count);
/** As dk_dataset_set_ints, from doubles: FD takes any double, FL any within float's range (NaN and
 *  infinities included for both); DS and the integer VRs need finite values, the integer VRs
 *  integral ones within their range.
 *
 *  @param ds      the dataset or item handle
 *  @param tag     the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @param vr      the VR, two upper-case letters; NULL = the dictionary's
 *  @param values  `count` values; may be NULL when `count` is 0 (an empty value)
 *  @param count   the number of values
 *  @return DK_OK; DK_EINVAL as for dk_dataset_set_ints; DK_ENOTFOUND when the item `ds` addresses
 *          was removed; DK_EBADVALUE for a VR that does not hold numbers or a value it cannot hold */
DK_EXTERN(dk_result) dk_dataset_set_doubles(dk_dataset *ds, uint32_t tag, const char *vr, const double *values,
                                            size_t count);
/** Sets raw bytes (binary values little endian); `vr` is required. `data` may be NULL when `size` is
 *  0. DK_EBADLENGTH when `size` is not a multiple of the VR's value size (2 for US…).
 *
 *  @param ds    the dataset or item handle
 *  @param tag   the element's tag (DK_TAG); group 0002 on a top-level handle: a meta element
 *  @param vr    the VR, two upper-case letters (not SQ); required
 *  @param data  the value's bytes, copied (text VRs: encoded text as is); may be NULL when `size`
 *               is 0
 *  @param size  the number of bytes at `data` (at most 0xFFFFFFFE)
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`, an (FFFE,xxxx) tag, a NULL or unknown `vr`, a
 *          NULL `data` with a `size`; DK_ENOTFOUND when the item `ds` addresses was removed;
 *          DK_EBADVALUE for SQ; DK_EBADLENGTH as above, or for a `size` over 0xFFFFFFFE */
DK_EXTERN(dk_result) dk_dataset_set_bytes(dk_dataset *ds, uint32_t tag, const char *vr, const void *data,
                                          size_t size);

/* -- sequences ----------------------------------------------------------------------------------- */

/** Number of items of a sequence element (DK_ENOTFOUND when absent, DK_EBADVALUE when not SQ).
 *
 *  @param[out] count  receives the number of items
 *  @param      ds     the dataset or item handle
 *  @param      tag    the sequence's tag (DK_TAG); looked up in the dataset, group 0002 included
 *  @return DK_OK; DK_EINVAL for a NULL `count` or a NULL or bad `ds`; DK_ENOTFOUND when the element
 *          is absent or the item `ds` addresses was removed; DK_EBADVALUE when it is not SQ */
DK_EXTERN(dk_result) dk_dataset_item_count(size_t *count, const dk_dataset *ds, uint32_t tag);
/** A handle on item `index` of a sequence. Caller frees *out with dk_dataset_free().
 *
 *  @param[out] out    receives the item handle (free with dk_dataset_free; it keeps the dataset
 *                     alive); NULL on failure
 *  @param      ds     the dataset or item handle holding the sequence
 *  @param      tag    the sequence's tag (DK_TAG)
 *  @param      index  0 to dk_dataset_item_count - 1
 *  @return DK_OK; DK_EINVAL for a NULL `out` or a NULL or bad `ds`; DK_ENOTFOUND when the element is
 *          absent, past the last item, or when the item `ds` addresses was removed; DK_EBADVALUE
 *          when the element is not SQ */
DK_EXTERN(dk_result) dk_dataset_get_item(dk_dataset **out, dk_dataset *ds, uint32_t tag, size_t index);
/** Appends an empty item (creating the sequence if absent) and returns a handle on it. DK_EBADVALUE
 *  when the element exists and is not SQ, or the dictionary gives the tag another VR.
 *
 *  @param[out] out  receives the new item's handle (free with dk_dataset_free); NULL on failure,
 *                   and then nothing was added
 *  @param      ds   the dataset or item handle the sequence belongs to
 *  @param      tag  the sequence's tag (DK_TAG)
 *  @return DK_OK; DK_EINVAL for a NULL `out`, a NULL or bad `ds`, an (FFFE,xxxx) tag, or a group
 *          0002 tag on a top-level handle (the meta information has no sequences); DK_ENOTFOUND
 *          when the item `ds` addresses was removed; DK_EBADVALUE as above */
DK_EXTERN(dk_result) dk_dataset_add_item(dk_dataset **out, dk_dataset *ds, uint32_t tag);

/* -- DICOM JSON (PS3.18 Annex F) ----------------------------------------------------------------- */

/** dk_dataset_to_json flags. */
#define DK_JSON_PRETTY 0x1u /**< indent two spaces per level, one attribute per line */

/** The dataset as DICOM JSON in a library-allocated string.
 *
 *  @param[out] out    receives the NUL-terminated UTF-8 text; free it with dk_free(); NULL on failure
 *  @param      ds     the dataset (or item) to convert (the meta information is left out)
 *  @param      flags  0 for compact output, or DK_JSON_PRETTY; other bits give DK_EINVAL
 *  @return DK_OK; DK_EINVAL for a NULL `out`, a NULL or bad `ds`, or unknown `flags`; DK_ENOTFOUND
 *          when the item `ds` addresses was removed; DK_ECHARSET when text does not decode */
DK_EXTERN(dk_result) dk_dataset_to_json(char **out, const dk_dataset *ds, uint32_t flags);
/** A dataset from DICOM JSON (`size` bytes of UTF-8, no NUL needed). Caller frees *out. Errors carry
 *  the byte offset in the text (dk_last_error_offset). BulkDataURI values are not resolved
 *  (DK_EUNSUPPORTED): JSON often comes from a peer, and resolving would read files on its behalf.
 *  Group 0002 elements become the file meta information; its (0002,0010), when given and known, is
 *  the default transfer syntax, else explicit VR little endian.
 *
 *  @param[out] out   receives the new top-level handle (free with dk_dataset_free); NULL on failure
 *  @param      json  the text; not NULL, even when `size` is 0
 *  @param      size  the number of bytes at `json`
 *  @return DK_OK; DK_EINVAL when `out` or `json` is NULL; DK_EUNSUPPORTED for a BulkDataURI; the
 *          errors of the JSON reader for text that is not DICOM JSON (DK_EMALFORMED, DK_ETRUNCATED,
 *          DK_EBADVALUE, DK_EBADVR, DK_ETOODEEP, DK_ECHARSET, with dk_last_error_offset) */
DK_EXTERN(dk_result) dk_dataset_from_json(dk_dataset **out, const char *json, size_t size);

/** Frees memory the library allocated for the caller (NULL is ignored).
 *
 *  @param p  what dk_dataset_write_memory or dk_dataset_to_json gave */
DK_EXTERN(void) dk_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_DATASET_H */
