/* dcmkit — the PS3.6 data dictionary, the UID registry, UID generation. */
#ifndef DCMKIT_DK_DICTIONARY_H
#define DCMKIT_DK_DICTIONARY_H

#include "dcmkit/dk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Tag of a keyword ("PatientName") or of "(0010,0010)" / "0010,0010" / "00100010" text. */
DK_EXTERN(dk_result) dk_tag_from_keyword(uint32_t *tag, const char *keyword);
/** Keyword of a tag ("" for private data elements and unknown tags: DK_ENOTFOUND; private creators
 *  are "PrivateCreator"). Static string, never freed. */
DK_EXTERN(dk_result) dk_tag_keyword(const char **keyword, uint32_t tag);
/** Name of a tag ("Patient's Name"). Static string; "" and DK_ENOTFOUND as for dk_tag_keyword. */
DK_EXTERN(dk_result) dk_tag_name(const char **name, uint32_t tag);
/** The dictionary VR of a tag in vr[3] ("UN" when unknown). */
DK_EXTERN(dk_result) dk_tag_vr(char vr[3], uint32_t tag);

/** The vendors' private dictionary (DCMTK's private.dic and pydicom's, PS3.5 7.8.1): private data
 *  element `tag` (gggg,xxEE) of a block reserved by `creator` (the value of (gggg,00xx); padding
 *  ignored, case-sensitive). Fills vr[3] ("UN" when not found) and the static keyword ("CSAImageHeaderInfo",
 *  as dcmdump prints it) and name; each out pointer may be NULL. DK_ENOTFOUND for an unknown creator or
 *  element, and for tags that are not private data elements. */
DK_EXTERN(dk_result) dk_private_tag_lookup(char vr[3], const char **keyword, const char **name, const char *creator,
                                           uint32_t tag);

/** Registry entry of a UID: name ("CT Image Storage"), keyword and type ("SOP Class", "Transfer
 *  Syntax", …); each out pointer may be NULL. Static strings. DK_ENOTFOUND when not registered. */
DK_EXTERN(dk_result) dk_uid_lookup(const char **name, const char **keyword, const char **type, const char *uid);
/** A new UID under 2.25 from a random UUID, into `buf` (at least 65 bytes: DK_EBUFS when `size` is
 *  smaller). */
DK_EXTERN(dk_result) dk_uid_generate(char *buf, size_t size);
/** 1 when `uid` is a valid UID (PS3.5 9.1), else 0. */
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
 *  DK_EINVAL for a name that is neither a UID nor a known keyword or alias. */
DK_EXTERN(dk_result) dk_transfer_syntax_flags(uint32_t *flags, const char *transfer_syntax);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_DICTIONARY_H */
