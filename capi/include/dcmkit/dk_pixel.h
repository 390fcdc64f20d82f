/* dcmkit — pixel data: its layout, and native (uncompressed) frames. */
#ifndef DCMKIT_DK_PIXEL_H
#define DCMKIT_DK_PIXEL_H

#include "dcmkit/dk_common.h"
#include "dcmkit/dk_dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The layout of a dataset's pixel data: the Image Pixel module (PS3.3 C.7.6.3) as read, with the
 *  defaults the standard implies. Filled by the library; the caller sets `version` (to
 *  DK_PIXEL_INFO_VERSION, or use DK_PIXEL_INFO_INIT) and the library fills the fields that version
 *  has. The struct only grows at its end, each growth bumping DK_PIXEL_INFO_VERSION. */
typedef struct dk_pixel_info {
    uint32_t version;              /**< DK_PIXEL_INFO_VERSION, set by the caller */
    uint32_t rows;                 /**< (0028,0010) */
    uint32_t columns;              /**< (0028,0011) */
    uint32_t samples_per_pixel;    /**< (0028,0002), default 1 */
    uint32_t bits_allocated;       /**< (0028,0100): 1 or a multiple of 8 (32 / 64 for float / double float data) */
    uint32_t bits_stored;          /**< (0028,0101), default bits_allocated */
    uint32_t high_bit;             /**< (0028,0102), default bits_stored - 1 */
    uint32_t pixel_representation; /**< (0028,0103): 0 unsigned, 1 two's complement; default 0 */
    uint32_t planar_configuration; /**< (0028,0006): 0 samples interleaved, 1 one plane per sample; default 0 */
    uint32_t pixel_data_tag;       /**< the element holding the pixels: Pixel Data (7FE0,0010), Float
                                        Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009) */
    uint64_t number_of_frames;     /**< (0028,0008), else 1 */
    uint64_t frame_size;           /**< bytes of one native frame, as dk_dataset_read_frame gives it:
                                        rows × columns × samples × bits_allocated / 8, rounded up */
    int encapsulated;              /**< 1 when the pixel data is compressed (encapsulated), else 0 */
    char photometric_interpretation[20]; /**< (0028,0004) NUL-terminated ("MONOCHROME2", "RGB"…;
                                              "" when absent; a CS value has at most 16 characters,
                                              a longer one is cut) */
} dk_pixel_info;
#define DK_PIXEL_INFO_VERSION 1
#define DK_PIXEL_INFO_INIT {DK_PIXEL_INFO_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, {0}}

/** Fills `info` (whose `version` the caller set) with the layout of the pixel data of `ds` (a
 *  dataset or an item). DK_ENOTFOUND when there is no Pixel Data, Float Pixel Data or Double Float
 *  Pixel Data element; DK_EBADVALUE when Rows, Columns or Bits Allocated is missing, or an attribute
 *  is out of range (Bits Allocated not 1 nor a multiple of 8, Bits Stored over Bits Allocated,
 *  Samples per Pixel not 1 to 4); DK_EINVAL for an unknown `version`. Works for encapsulated
 *  (compressed) data too: `frame_size` is then the size a frame decodes to. */
DK_EXTERN(dk_result) dk_dataset_pixel_info(const dk_dataset *ds, dk_pixel_info *info);

/** Number of frames: Number of Frames (0028,0008), else 1 when the dataset has pixel data, else 0
 *  (a dataset without pixel data is not an error here). */
DK_EXTERN(dk_result) dk_dataset_frame_count(const dk_dataset *ds, uint64_t *count);

/** Copies native frame `index` (from 0) into `buf` of `*size` bytes; *size is then the frame's size
 *  (dk_pixel_info.frame_size). DK_EBUFS sets *size to the size needed (`buf` may be NULL with
 *  *size 0 to ask for it). Samples are as stored, little endian: no scaling, no masking of the bits
 *  above bits_stored, no sign extension; with planar configuration 1 the frame holds one plane per
 *  sample. 1-bit data stays packed (8 pixels a byte, the first in the least significant bit), the
 *  frame re-aligned to start at bit 0 of the buffer.
 *  Errors: DK_ENOTFOUND without pixel data; DK_EINVAL when `index` is not below the frame count;
 *  DK_ETRUNCATED when the pixel data is shorter than the frames it must hold; DK_EUNSUPPORTED for
 *  encapsulated (compressed) data, naming its transfer syntax (no codec in this version); the
 *  errors of dk_dataset_pixel_info for the attributes. */
DK_EXTERN(dk_result) dk_dataset_read_frame(const dk_dataset *ds, uint64_t index, void *buf, size_t *size);

/** A borrowed pointer to all the native pixel data, without a copy: *data and *size cover the
 *  number_of_frames frames, back to back (number_of_frames × frame_size bytes; for 1-bit data the
 *  frames are packed without padding between them, ceil(frames × rows × columns × samples / 8)
 *  bytes); a padding byte or extra bytes after them are not included. The layout of each frame is
 *  as for dk_dataset_read_frame. Offered only when the pixel data lies in the memory the dataset was
 *  read from (the mapped file or the buffer): the pointer then stays valid until the dataset is
 *  freed, even if its pixel data element is replaced or removed; never write through it. *data is
 *  NULL when *size is 0.
 *  Errors as for dk_dataset_read_frame: DK_EUNSUPPORTED for encapsulated data, and for pixel data
 *  held in memory of its own (set by the caller, or byte-swapped from big endian) — copy frames
 *  with dk_dataset_read_frame then; DK_ETRUNCATED when the value is shorter than the frames need. */
DK_EXTERN(dk_result) dk_dataset_pixel_data_view(const dk_dataset *ds, const void **data, size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_PIXEL_H */
