/* dcmkit — the PS3.6 data dictionary, the UID registry, UID generation. */
#ifndef DCMKIT_DK_DICTIONARY_H
#define DCMKIT_DK_DICTIONARY_H

#include "dcmkit/dk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Tag of a keyword ("PatientName") or of "(0010,0010)" / "0010,0010" / "00100010" text.
 *
 *  @param[out] tag      receives the tag as DK_TAG gives it; left unchanged on failure
 *  @param      keyword  the keyword or tag text
 *  @return DK_OK; DK_EINVAL when `tag` or `keyword` is NULL, or the keyword names a repeating group
 *          (use its tag); DK_ENOTFOUND for an unknown keyword */
DK_EXTERN(dk_result) dk_tag_from_keyword(uint32_t *tag, const char *keyword);
/** Keyword of a tag ("" for private data elements and unknown tags: DK_ENOTFOUND; private creators
 *  are "PrivateCreator"). Static string, never freed.
 *
 *  @param[out] keyword  receives the static keyword; "" on failure
 *  @param      tag      the tag (DK_TAG)
 *  @return DK_OK; DK_EINVAL when `keyword` is NULL; DK_ENOTFOUND when the dictionary has no
 *          keyword for the tag */
DK_EXTERN(dk_result) dk_tag_keyword(const char **keyword, uint32_t tag);
/** Name of a tag ("Patient's Name"). Static string; "" and DK_ENOTFOUND as for dk_tag_keyword.
 *
 *  @param[out] name  receives the static name; "" on failure
 *  @param      tag   the tag (DK_TAG)
 *  @return DK_OK; DK_EINVAL when `name` is NULL; DK_ENOTFOUND as for dk_tag_keyword */
DK_EXTERN(dk_result) dk_tag_name(const char **name, uint32_t tag);
/** The dictionary VR of a tag in vr[3] ("UN" when unknown).
 *
 *  @param[out] vr   receives two letters and a NUL
 *  @param      tag  the tag (DK_TAG)
 *  @return DK_OK (an unknown tag too); DK_EINVAL when `vr` is NULL */
DK_EXTERN(dk_result) dk_tag_vr(char vr[3], uint32_t tag);

/** The vendors' private dictionary (DCMTK's private.dic and pydicom's, PS3.5 7.8.1): private data
 *  element `tag` (gggg,xxEE) of a block reserved by `creator` (the value of (gggg,00xx); padding
 *  ignored, case-sensitive). Fills vr[3] ("UN" when not found) and the static keyword ("CSAImageHeaderInfo",
 *  as dcmdump prints it) and name; each out pointer may be NULL. DK_ENOTFOUND for an unknown creator or
 *  element, and for tags that are not private data elements.
 *
 *  @param[out] vr       receives two letters and a NUL ("UN" on failure); may be NULL
 *  @param[out] keyword  receives the static keyword ("" on failure); may be NULL
 *  @param[out] name     receives the static name ("" on failure); may be NULL
 *  @param      creator  the Private Creator value (padding ignored, case-sensitive)
 *  @param      tag      the private data element's tag (DK_TAG)
 *  @return DK_OK; DK_EINVAL when `creator` is NULL; DK_ENOTFOUND as above */
DK_EXTERN(dk_result) dk_private_tag_lookup(char vr[3], const char **keyword, const char **name, const char *creator,
                                           uint32_t tag);

/** Registry entry of a UID: name ("CT Image Storage"), keyword and type ("SOP Class", "Transfer
 *  Syntax", …); each out pointer may be NULL. Static strings. DK_ENOTFOUND when not registered.
 *
 *  @param[out] name     receives the static name ("" on failure); may be NULL
 *  @param[out] keyword  receives the static keyword ("" on failure); may be NULL
 *  @param[out] type     receives the static type ("" on failure); may be NULL
 *  @param      uid      the UID to look up
 *  @return DK_OK; DK_EINVAL when `uid` is NULL; DK_ENOTFOUND when the registry lacks it */
DK_EXTERN(dk_result) dk_uid_lookup(const char **name, const char **keyword, const char **type, const char *uid);
/** A new UID under 2.25 from a random UUID, into `buf` (at least 65 bytes: DK_EBUFS when `size` is
 *  smaller).
 *
 *  Unlike the other buffers of this API, `size` is passed by value: the size needed is always 65.
 *
 *  @param[out] buf   receives the UID and its NUL (at most 64 characters, PS3.5 9.1)
 *  @param      size  the size of `buf` in bytes
 *  @return DK_OK; DK_EINVAL when `buf` is NULL; DK_EBUFS when `size` is below 65 (`buf` untouched) */
DK_EXTERN(dk_result) dk_uid_generate(char *buf, size_t size);
/** 1 when `uid` is a valid UID (PS3.5 9.1), else 0.
 *
 *  @param uid  the text to check; NULL gives 0 (and sets dk_last_error)
 *  @return 1 or 0; never fails */
DK_EXTERN(int32_t) dk_uid_is_valid(const char *uid);

/** How a transfer syntax encodes (PS3.5 10, Annex A): bits of dk_transfer_syntax_flags. */
#define DK_TS_EXPLICIT_VR 0x01u   /**< explicit VR (else implicit) */
#define DK_TS_BIG_ENDIAN 0x02u    /**< big endian (else little endian) */
#define DK_TS_DEFLATED 0x04u      /**< the dataset is deflated */
#define DK_TS_ENCAPSULATED 0x08u  /**< pixel data are encapsulated (compressed) */
#define DK_TS_LOSSY 0x10u         /**< a lossy compression */
#define DK_TS_RETIRED 0x20u       /**< retired from the standard */
#define DK_TS_KNOWN 0x40u         /**< in the registry (an unknown UID is taken as explicit VR little
                                       endian encapsulated, PS3.5 10.1) */
/** *flags = the DK_TS_* bits of `transfer_syntax`, a UID, a registry keyword
 *  ("ImplicitVRLittleEndian") or an alias ("implicit", "explicit", "big", "deflate", "jpeg"…).
 *  DK_EINVAL for a name that is neither a UID nor a known keyword or alias.
 *
 *  @param[out] flags            receives the DK_TS_* bits; 0 on failure
 *  @param      transfer_syntax  a UID (registered or not), keyword or alias
 *  @return DK_OK; DK_EINVAL when `flags` or `transfer_syntax` is NULL, or as above */
DK_EXTERN(dk_result) dk_transfer_syntax_flags(uint32_t *flags, const char *transfer_syntax);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_DICTIONARY_H */
