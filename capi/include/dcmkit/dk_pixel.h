/* dcmkit — pixel data: its layout, frames (native or decoded), codecs, transcoding and rendering. */
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
                                        rows × columns × samples × bits_allocated / 8, rounded up
                                        (native YBR_FULL_422 stores 2 samples a pixel: rows ×
                                        columns × 2 × bits_allocated / 8; it decodes to 3) */
    int32_t encapsulated;              /**< 1 when the pixel data is compressed (encapsulated), else 0 */
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
 *  (compressed) data too: `frame_size` is then the size a frame decodes to.
 *
 *  @param[in,out] info  the caller's struct with `version` set; the fields of that version are
 *                       filled (left as they were on failure)
 *  @param         ds    the dataset or item handle (an item: an icon image)
 *  @return DK_OK; DK_EINVAL for a NULL `info`, an unknown `version` or a NULL or bad `ds`;
 *          DK_ENOTFOUND without pixel data, or when the item `ds` addresses was removed;
 *          DK_EBADVALUE as above */
DK_EXTERN(dk_result) dk_dataset_pixel_info(dk_pixel_info *info, const dk_dataset *ds);

/** What the decoders tolerated during this thread's last call of dk_dataset_read_frame,
 *  dk_dataset_decode_frame, dk_dataset_transcode, dk_dataset_render_frame, dk_dataset_export_png or
 *  dk_dataset_export_jpeg (each call starts it afresh): one line per warning, "frame N: " first, '\n' after each, e.g.
 *  "frame 0: JPEG: Invalid SOS parameters for sequential JPEG (Ss 0, Se 0, Ah 0, Al 0): decoded as a
 *  sequential scan\n". Such bitstreams (out-of-spec scan headers, a missing EOI marker, stray bytes
 *  before a marker) are decoded as libjpeg, DCMTK and GDCM decode them, with their warning; the
 *  call still returns DK_OK. "" when there was nothing to say. Never NULL; owned by the library,
 *  valid until this thread's next call of one of those functions.
 *
 *  @return the warnings, owned by the library (per thread); never NULL; never fails */
DK_EXTERN(const char *) dk_last_warnings(void);

/** Number of frames: Number of Frames (0028,0008), else 1 when the dataset has pixel data, else 0
 *  (a dataset without pixel data is not an error here).
 *
 *  @param[out] count  receives the number of frames
 *  @param      ds     the dataset or item handle
 *  @return DK_OK; DK_EINVAL for a NULL `count` or a NULL or bad `ds`; DK_ENOTFOUND when the item
 *          `ds` addresses was removed; DK_EBADVALUE for a Number of Frames that does not parse */
DK_EXTERN(dk_result) dk_dataset_frame_count(uint64_t *count, const dk_dataset *ds);

/** Copies frame `index` (from 0) into `buf` of `*size` bytes; *size is then the frame's size
 *  (dk_pixel_info.frame_size). DK_EBUFS sets *size to the size needed (`buf` may be NULL with
 *  *size 0 to ask for it); the size is known without decoding, so asking costs nothing.
 *  Native pixel data: samples are as stored, little endian: no scaling, no masking of the bits
 *  above bits_stored, no sign extension; with planar configuration 1 the frame holds one plane per
 *  sample. 1-bit data stays packed (8 pixels a byte, the first in the least significant bit), the
 *  frame re-aligned to start at bit 0 of the buffer.
 *  Encapsulated (compressed) pixel data is decoded with the codec of the transfer syntax it was
 *  read in (dk_codec_support): the frame is then what an Explicit VR Little Endian file would hold,
 *  except that colour samples are always interleaved (as with planar configuration 0, whatever
 *  the dataset's says) and that the Photometric Interpretation may differ from the dataset's (JPEG
 *  Baseline YBR_FULL_422 decodes to RGB): dk_dataset_decode_frame tells which. Decoders keep
 *  bits_stored bits per sample, read as pixel_representation says whatever sign the codestream
 *  declares: sign-extended when 1, the bits above cleared when 0 (RLE, which codes bytes, gives
 *  them back as coded, like native pixel data).
 *  Errors: DK_ENOTFOUND without pixel data; DK_EINVAL when `index` is not below the frame count;
 *  DK_ETRUNCATED when the pixel data is shorter than the frames it must hold; for compressed data,
 *  DK_EUNSUPPORTED when this build has no codec for its transfer syntax (naming it) or the dataset
 *  does not record which syntax encodes it, and DK_ETRUNCATED, DK_EMALFORMED or DK_EBADVALUE for a
 *  corrupt frame or one that disagrees with the attributes, the message starting "frame N: ";
 *  the errors of dk_dataset_pixel_info for the attributes.
 *
 *  @param[out]    buf    receives the frame; may be NULL with *size 0 to ask for the size
 *  @param[in,out] size   the size of `buf` in bytes, then the frame's size (written or needed)
 *  @param         ds     the dataset or item handle
 *  @param         index  the frame, 0 to number_of_frames - 1
 *  @return DK_OK; DK_EINVAL for a NULL `size`, a NULL or bad `ds`, a NULL `buf` with a *size other
 *          than 0, or an `index` past the last frame; DK_EBUFS as above; the others as above
 *          (DK_ENOTFOUND also when the item `ds` addresses was removed) */
DK_EXTERN(dk_result) dk_dataset_read_frame(void *buf, size_t *size, const dk_dataset *ds, uint64_t index);

/** A borrowed pointer to all the native pixel data, without a copy: *data and *size cover the
 *  number_of_frames frames, back to back (number_of_frames × frame_size bytes; for 1-bit data the
 *  frames are packed without padding between them, ceil(frames × rows × columns × samples / 8)
 *  bytes); a padding byte or extra bytes after them are not included. The layout of each frame is
 *  as for dk_dataset_read_frame. Offered only when the pixel data lies in the memory the dataset was
 *  read from (the mapped file or the buffer): the pointer then stays valid until the dataset is
 *  freed, even if its pixel data element is replaced or removed; never write through it. *data is
 *  NULL when *size is 0.
 *  Errors as for dk_dataset_read_frame: DK_EUNSUPPORTED for encapsulated data (there are no native
 *  frames to lend: decode them with dk_dataset_read_frame or dk_dataset_decode_frame, or convert
 *  the dataset with dk_dataset_transcode), and for pixel data held in memory of its own (set by
 *  the caller, or byte-swapped from big endian) — copy frames with dk_dataset_read_frame then;
 *  DK_ETRUNCATED when the value is shorter than the frames need.
 *
 *  @param[out] data  receives the borrowed pointer (never free it); NULL on failure
 *  @param[out] size  receives the number of bytes at *data; 0 on failure
 *  @param      ds    the dataset or item handle
 *  @return DK_OK; DK_EINVAL for a NULL `data` or `size`, or a NULL or bad `ds`; DK_ENOTFOUND without
 *          pixel data, or when the item `ds` addresses was removed; DK_EUNSUPPORTED, DK_ETRUNCATED
 *          as above; DK_EBADVALUE as for dk_dataset_pixel_info */
DK_EXTERN(dk_result) dk_dataset_pixel_data_view(const void **data, size_t *size, const dk_dataset *ds);

/** Decodes frame `index` (from 0) into `buf` of `*size` bytes, like dk_dataset_read_frame, but
 *  always interleaved: colour samples come pixel by pixel (R G B R G B…) for native pixel data of
 *  planar configuration 1 too, and `photometric` (when not NULL) receives the Photometric
 *  Interpretation of the result, NUL-terminated: the dataset's, or what decoding made of it ("RGB"
 *  for JPEG Baseline YBR_FULL_422). Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2: Y1 Y2 Cb Cr for each
 *  two pixels) is upsampled to "YBR_FULL", Y Cb Cr for every pixel (rows × columns × 3 samples,
 *  3/2 of frame_size), as pydicom's pixel_array does. Native 1-bit and float data are copied as
 *  dk_dataset_read_frame copies them. The same size protocol and errors as dk_dataset_read_frame.
 *
 *  @param[out]    buf          receives the decoded frame; may be NULL with *size 0 to ask for the size
 *  @param[in,out] size         the size of `buf` in bytes, then the decoded frame's size (written or
 *                              needed)
 *  @param[out]    photometric  receives the result's Photometric Interpretation (at most 19
 *                              characters and a NUL) on success; may be NULL
 *  @param         ds           the dataset or item handle
 *  @param         index        the frame, 0 to number_of_frames - 1
 *  @return as dk_dataset_read_frame */
DK_EXTERN(dk_result) dk_dataset_decode_frame(void *buf, size_t *size, char photometric[20], const dk_dataset *ds,
                                             uint64_t index);

/* -- codecs and transcoding ---------------------------------------------------------------------- */

#define DK_CODEC_DECODE 1 /**< dk_codec_support: frames in this syntax can be decoded */
#define DK_CODEC_ENCODE 2 /**< dk_codec_support: frames can be encoded in this syntax */

/** What this build can do with pixel data in `transfer_syntax` (a UID, keyword or alias such as
 *  "jpegls"): DK_CODEC_DECODE | DK_CODEC_ENCODE for the native syntaxes (implicit, explicit, big
 *  endian, deflate) and for each compressed syntax with a codec (whether a given image can be
 *  encoded also depends on its layout: dk_dataset_transcode says why not); 0 for a compressed
 *  syntax without codec, an unknown syntax, and NULL. Never fails.
 *
 *  @param transfer_syntax  a UID, keyword or alias; may be NULL (gives 0)
 *  @return DK_CODEC_DECODE and DK_CODEC_ENCODE bits, or 0; dk_last_error is left as it was */
DK_EXTERN(int32_t) dk_codec_support(const char *transfer_syntax);

/** Choices for dk_dataset_transcode. Initialise with DK_TRANSCODE_OPTIONS_INIT or
 *  dk_transcode_options_init(); each codec reads the fields that apply to it. */
typedef struct dk_transcode_options {
    uint32_t version;          /**< DK_TRANSCODE_OPTIONS_VERSION */
    int32_t quality;               /**< JPEG Baseline / Extended: IJG quality 1..100 (default 90) */
    double ratio;              /**< JPEG 2000 / HTJ2K lossy: target compression ratio (10 = 10:1), >= 0;
                                    0 = the codec's default (default 0) */
    int32_t near_lossless;         /**< JPEG-LS near-lossless (.81): NEAR, the largest error per sample,
                                    0..255 (default 2) */
    int32_t predictor;             /**< JPEG Lossless Process 14 (.57): selection value 1..7 (default 1) */
    int32_t lossy_to_lossless;     /**< 1: re-encode pixel data that was lossy compressed (Lossy Image
                                    Compression "01", or JPEG Baseline / Extended) in a lossless
                                    compressed syntax anyway; 0 (default): refused with DK_EINVAL, as
                                    it would present lossy pixels as lossless. Decoding to a native
                                    syntax is always allowed. */
    int32_t extended_offset_table; /**< 1: an Extended Offset Table (7FE0,0001/0002) and an empty Basic
                                    Offset Table; 0 (default): a Basic Offset Table (the Extended one
                                    is used anyway past 4 GiB of fragments) */
    int32_t keep_uid;              /**< 0 (default): lossy compression makes a new image, as DCMTK does —
                                    a new SOP Instance UID and Image Type (0008,0008) value 1 DERIVED;
                                    1: keep both */
    uint32_t threads;          /**< threads used: frames are decoded and encoded in parallel, and the
                                    frame of a single-frame image may be split inside the codec
                                    (JPEG 2000); 0 = one per core (default 0) */
} dk_transcode_options;
#define DK_TRANSCODE_OPTIONS_VERSION 1
#define DK_TRANSCODE_OPTIONS_INIT {DK_TRANSCODE_OPTIONS_VERSION, 90, 0.0, 2, 1, 0, 0, 0, 0}
/** Fills `opts` with defaults for `version`. DK_EINVAL for an unknown version.
 *
 *  @param[out] opts     the caller's struct
 *  @param      version  DK_TRANSCODE_OPTIONS_VERSION
 *  @return DK_OK; DK_EINVAL when `opts` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_transcode_options_init(dk_transcode_options *opts, uint32_t version);

/** Re-encodes the pixel data of a top-level dataset in `transfer_syntax` (a UID, keyword or alias:
 *  "explicit", "rle", "jpegls", "j2k-lossless"…), which also becomes its transfer syntax for
 *  writing (dk_dataset_transfer_syntax). Any pair of native and compressed syntaxes with a codec:
 *  compressed frames are decoded, native ones encoded. What the standard ties to the encoding is
 *  updated: Photometric Interpretation (JPEG YBR_FULL_422 decodes to RGB, lossless JPEG 2000 of
 *  RGB encodes as YBR_RCT), Planar Configuration (0), Lossy Image Compression (0028,2110), its
 *  Ratio (0028,2112) and Method (0028,2114), the offset tables; a new SOP Instance UID after lossy
 *  compression unless keep_uid. Between native syntaxes, or to the syntax the pixels are already
 *  in, and for a dataset without Pixel Data, only the transfer syntax changes. `opts` may be NULL
 *  (defaults).
 *  Errors: DK_EINVAL for an item handle, an unknown syntax, a bad `opts` (version, or a field out
 *  of range: the message names it), and for re-encoding lossy pixel data in a lossless syntax
 *  without lossy_to_lossless; DK_EUNSUPPORTED when the syntax has no codec, the codec cannot encode
 *  this image (the message says why: bit depth, photometric interpretation…), 1-bit or float pixel
 *  data would need to be compressed, or the dataset does not record the syntax its compressed
 *  pixel data is in; the decoding errors of dk_dataset_read_frame ("frame N: …"). On failure the
 *  dataset is unchanged.
 *
 *  @param ds               the top-level dataset, changed in place
 *  @param transfer_syntax  the target: a registered UID, keyword or alias
 *  @param opts             encoding choices; NULL = the defaults (DK_TRANSCODE_OPTIONS_INIT)
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`, a NULL `transfer_syntax`, and as above;
 *          DK_ENOTFOUND when the item `ds` addresses was removed; DK_EUNSUPPORTED (also for Float or
 *          Double Float Pixel Data to a compressed syntax) and the decoding errors as above */
DK_EXTERN(dk_result) dk_dataset_transcode(dk_dataset *ds, const char *transfer_syntax,
                                          const dk_transcode_options *opts);

/* -- rendering ----------------------------------------------------------------------------------- */

/** How stored values become 8-bit display values. Initialise with DK_RENDER_OPTIONS_INIT or
 *  dk_render_options_init(). */
typedef struct dk_render_options {
    uint32_t version;     /**< DK_RENDER_OPTIONS_VERSION */
    int32_t use_window;       /**< 1: the window below, applied with the dataset's VOI LUT Function
                               (LINEAR when absent); 0 (default): the dataset's */
    double window_center; /**< with use_window (default 0) */
    double window_width;  /**< with use_window: > 0 (default 0) */
    uint32_t voi_index;   /**< which of the dataset's windows / VOI LUTs when use_window is 0 (default 0) */
    int32_t min_max;          /**< 1: ignore the dataset's windows and VOI LUTs and stretch the frame's
                               minimum..maximum (default 0) */
} dk_render_options;
#define DK_RENDER_OPTIONS_VERSION 1
#define DK_RENDER_OPTIONS_INIT {DK_RENDER_OPTIONS_VERSION, 0, 0.0, 0.0, 0, 0}
/** Fills `opts` with defaults for `version`. DK_EINVAL for an unknown version.
 *
 *  @param[out] opts     the caller's struct
 *  @param      version  DK_RENDER_OPTIONS_VERSION
 *  @return DK_OK; DK_EINVAL when `opts` is NULL or `version` is 0 or newer than this library knows */
DK_EXTERN(dk_result) dk_render_options_init(dk_render_options *opts, uint32_t version);

/** Renders frame `index` (any syntax dk_dataset_read_frame decodes) to 8-bit display values in
 *  `buf` of `*size` bytes: *height rows of *width × *channels bytes, top to bottom, `channels` 1
 *  (grayscale) or 3 (RGB, interleaved). Grayscale goes through the Modality LUT (Rescale Slope /
 *  Intercept or the Modality LUT Sequence), the VOI LUT (the window of `opts`, else the dataset's
 *  window or VOI LUT Sequence number voi_index, else the frame's minimum..maximum), and
 *  MONOCHROME1 / Presentation LUT Shape INVERSE inversion; per-frame and shared functional groups
 *  of enhanced images are honoured. Colour: RGB and YBR_FULL scaled to 8 bits, PALETTE COLOR
 *  through its LUTs. `opts` may be NULL (defaults); `width`, `height` and `channels` may be NULL,
 *  and are set on success and on DK_EBUFS. DK_EBUFS sets *size to the size needed, rows × columns
 *  × channels (`buf` may be NULL with *size 0 to ask for it, which does not decode the frame).
 *  Errors: those of dk_dataset_read_frame; DK_EINVAL for a bad `opts` (version, window width not
 *  above 0); DK_EUNSUPPORTED for what cannot be rendered (segmented palettes, 1-bit or float data,
 *  other photometric interpretations); DK_EBADVALUE for inconsistent LUTs or attributes.
 *
 *  @param[out]    buf       receives the 8-bit pixels; may be NULL with *size 0 to ask for the size
 *  @param[in,out] size      the size of `buf` in bytes, then the image's size (written or needed)
 *  @param[out]    width     receives the columns; may be NULL
 *  @param[out]    height    receives the rows; may be NULL
 *  @param[out]    channels  receives 1 or 3; may be NULL
 *  @param         ds        the dataset or item handle (an item: an icon image)
 *  @param         index     the frame, 0 to number_of_frames - 1
 *  @param         opts      rendering choices; NULL = the defaults (DK_RENDER_OPTIONS_INIT)
 *  @return DK_OK; DK_EINVAL for a NULL `size`, a NULL or bad `ds`, a NULL `buf` with a *size other
 *          than 0, an `index` past the last frame (checked after the size: a too small buffer
 *          gives DK_EBUFS first), and as above; DK_EBUFS; the others as above */
DK_EXTERN(dk_result) dk_dataset_render_frame(void *buf, size_t *size, uint32_t *width, uint32_t *height,
                                             uint32_t *channels, const dk_dataset *ds, uint64_t index,
                                             const dk_render_options *opts);

/** Renders frame `index` as dk_dataset_render_frame does and writes it to `path` as a PNG file
 *  (8-bit grayscale or RGB). `opts` may be NULL. The errors of dk_dataset_render_frame, and DK_EIO
 *  when the file cannot be written.
 *
 *  @param ds     the dataset or item handle
 *  @param index  the frame, 0 to number_of_frames - 1
 *  @param opts   rendering choices; NULL = the defaults
 *  @param path   the PNG file to create or replace
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds` or a NULL `path`; the errors of
 *          dk_dataset_render_frame (but DK_EBUFS); DK_EIO as above; DK_EUNSUPPORTED when this
 *          build has no PNG writer */
DK_EXTERN(dk_result) dk_dataset_export_png(const dk_dataset *ds, uint64_t index, const dk_render_options *opts,
                                           const char *path);

/** Renders frame `index` as dk_dataset_render_frame does and writes it to `path` as a baseline
 *  JPEG file (SOF0 with a JFIF marker, as libjpeg-turbo writes it: 8-bit grayscale for MONOCHROME1/2,
 *  three components for RGB, YBR and PALETTE COLOR, coded as YCbCr 4:2:2 like dcmj2pnm +oj) of
 *  `quality` 1..100. The file is written to a temporary name in the same folder and renamed into
 *  place, as dk_dataset_export_png does: a failed export leaves no partial file and an existing
 *  `path` untouched. One frame per call: a multi-frame image takes one call per frame
 *  (dk_dataset_frame_count), e.g. to the numbered names `dcmkit export` uses (OUT_0001.jpg…).
 *
 *  @param ds       the dataset or item handle
 *  @param index    the frame, 0 to number_of_frames - 1
 *  @param opts     rendering choices; NULL = the defaults (DK_RENDER_OPTIONS_INIT)
 *  @param quality  the libjpeg quality, 1 (smallest file) to 100 (best); the CLI's default is 90
 *  @param path     the JPEG file to create or replace (UTF-8)
 *  @return DK_OK; DK_EINVAL for a NULL or bad `ds`, a NULL `path`, a `quality` outside 1..100, a
 *          bad `opts` or an `index` past the last frame; DK_ENOTFOUND when the dataset has no pixel
 *          data; DK_EIO when the file cannot be written (no such folder, disk full); DK_EUNSUPPORTED
 *          for what cannot be rendered (as dk_dataset_render_frame) and when this build has no JPEG
 *          encoder (DCMKIT_WITH_JPEG=OFF); DK_EBADVALUE for inconsistent attributes or LUTs; the
 *          errors of dk_dataset_read_frame for a frame that does not decode */
DK_EXTERN(dk_result) dk_dataset_export_jpeg(const dk_dataset *ds, uint64_t index, const dk_render_options *opts,
                                            int32_t quality, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* DCMKIT_DK_PIXEL_H */
