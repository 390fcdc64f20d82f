// dcmkit — pixel data codecs (PS3.5 8.2 and A.4): one per compressed transfer syntax, found by UID.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/file.h"
#include "dcmkit/pixel.h"

namespace dcmkit {

/// Choices for encoders; each codec reads the ones that apply to it.
struct EncodeOptions {
    /// JPEG Baseline / Extended: IJG quality, 1..100.
    int quality = 90;
    /// JPEG 2000 and HTJ2K lossy syntaxes: target compression ratio (e.g. 10 for 10:1); 0 picks the
    /// codec's default. Ignored by the lossless-only syntaxes.
    double ratio = 0;
    /// JPEG-LS near-lossless (.81): NEAR, the largest error allowed per sample; 0 = lossless.
    int near_lossless = 2;
    /// JPEG Lossless Process 14 (.57): selection value (predictor) 1..7; .70 always uses 1.
    int predictor = 1;
    /// Point transform Pt for JPEG lossless (0 = lossless); kept 0 unless asked for.
    int point_transform = 0;
    /// Threads one frame may use inside a codec that can split its work (OpenJPEG); 0 = all cores.
    unsigned threads = 0;
};

/// How a frame a codec produced is laid out, when that differs from what went in.
struct FrameLayout {
    /// Photometric Interpretation of the result: decoding JPEG Baseline YBR_FULL_422 gives RGB;
    /// encoding RGB as lossless JPEG 2000 gives YBR_RCT. Empty means unchanged.
    std::string photometric;
    /// Encoders: whether information was lost, and the Lossy Image Compression Method
    /// (0028,2114) term for it (PS3.3 C.7.6.1.1.5.1: ISO_10918_1, ISO_14495_1, ISO_15444_1, ISO_15444_15).
    bool lossy = false;
    std::string lossy_method;
    /// Decoders: what was wrong with a bitstream that was decoded all the same, as libjpeg, DCMTK
    /// and GDCM decode it (e.g. "JPEG: spectral selection or approximation (Ss 0, Se 0, Ah 0, Al 0)
    /// in a sequential scan, ignored"). Empty for a clean bitstream. Never silently: callers pass
    /// these on (transcode's warning callback, the CLI's "dcmkit: warning:" lines).
    std::vector<std::string> warnings;
};

/// A codec for one transfer syntax. Codecs are stateless and may be used from several threads at once.
///
/// Native frames, in and out, are what an Explicit VR Little Endian file would hold for the frame:
/// little-endian samples of Bits Allocated bits (8, 16 or 32), colour samples interleaved (Planar
/// Configuration 0). Decoders carry Bits Stored bits per sample, read as Pixel Representation says
/// whatever signedness the codestream declares or implies (as DCMTK reads what GDCM and DCMTK
/// decompress): signed samples sign-extended to Bits Allocated, unsigned ones with the bits above
/// Bits Stored clear. A signed codestream's -2000 in a 13-bit unsigned dataset is 6192; an unsigned
/// codestream's 6192 in a signed one is -2000. RLE, which codes bytes, gives the bytes that were
/// coded, bits above Bits Stored included, as native pixel data is read (and as dcmdrle does).
class Codec {
public:
    virtual ~Codec() = default;

    /// The transfer syntax UID this codec reads and writes, e.g. "1.2.840.10008.1.2.5".
    virtual std::string_view transfer_syntax() const noexcept = 0;
    /// Whether the syntax keeps every bit (RLE, JPEG lossless, JPEG-LS .80, J2K .90, HTJ2K .201/.202).
    virtual bool lossless_only() const noexcept = 0;
    /// Whether frames of this layout can be encoded; when not, and `why` is given, says why.
    virtual bool can_encode(const PixelInfo &info, const EncodeOptions &options, std::string *why) const = 0;

    /// Decodes one frame's bitstream into `out`, `out_size` == info.frame_bytes() bytes. `info` is
    /// the dataset's description of the pixels (Photometric Interpretation as the file states it).
    /// Throws Error: truncated or malformed for a corrupt bitstream, unsupported for a valid one this
    /// codec cannot decode, bad_value when the bitstream disagrees with `info` (size, bit depth,
    /// components). Never writes outside `out`.
    virtual FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out,
                               size_t out_size) const = 0;

    /// Encodes one native frame (`size` == info.frame_bytes(), interleaved) into a bitstream for one
    /// fragment (even length is the caller's business). Throws Error(unsupported) when can_encode
    /// is false, Error(invalid_argument) for a wrong size.
    virtual std::vector<uint8_t> encode(const PixelInfo &info, const uint8_t *frame, size_t size,
                                        const EncodeOptions &options, FrameLayout &layout) const = 0;
};

/// Decodes frame `index` of `dataset`, whose pixel data is encoded in `transfer_syntax`, to a
/// native frame as described above (interleaved, little-endian); native syntaxes give a copy of the
/// frame, re-interleaved when Planar Configuration is 1. `layout`, when given, receives the
/// Photometric Interpretation of the result. Errors name the frame: "frame 3: truncated: …".
std::vector<uint8_t> decode_frame(const Dataset &dataset, std::string_view transfer_syntax, uint64_t index,
                                  FrameLayout *layout = nullptr);

/// Choices for transcode().
struct TranscodeOptions {
    EncodeOptions encode;
    /// Re-encoding pixel data that was lossy compressed (Lossy Image Compression "01", or a syntax
    /// that is always lossy) in a lossless encapsulated syntax is refused unless this is set.
    /// Decompressing to a native syntax is always allowed.
    bool lossy_to_lossless = false;
    /// Write an Extended Offset Table (7FE0,0001/0002) and an empty Basic Offset Table; otherwise a
    /// Basic Offset Table (the Extended one is used anyway past 4 GiB of fragments).
    bool extended_offset_table = false;
    /// Lossy compression makes a new image: a new SOP Instance UID, Image Type DERIVED (as DCMTK does).
    bool new_uid_when_lossy = true;
    /// Frames decoded and encoded at once; 0 = one per core.
    unsigned threads = 0;
    /// Called after each frame is encoded or decoded, from any thread (not concurrently).
    std::function<void(uint64_t frames_done, uint64_t frames_total)> progress;
    /// Called once per distinct warning of the decoders (FrameLayout::warnings), after every frame
    /// is decoded, with the first frame it came from ("frame 0: JPEG: …", " (and N more frames)"
    /// appended when others had it too). A warning never stops the transcoding.
    std::function<void(const std::string &warning)> warning;
};

/// Re-encodes the pixel data of `file` in `transfer_syntax` (any pair of native and compressed
/// syntaxes with a codec) and updates what the standard ties to it: Photometric Interpretation,
/// Planar Configuration, Lossy Image Compression, its Ratio and Method (PS3.3 C.7.6.1.1.5), the
/// offset tables, and file.transfer_syntax. Files without pixel data just change syntax. Throws
/// Error(unsupported) when no codec can encode the image, Error(invalid_argument) for a refused
/// lossy-to-lossless re-encoding; the file is unchanged when it throws.
void transcode(DicomFile &file, std::string_view transfer_syntax, const TranscodeOptions &options = {});

/// The codec for a transfer syntax UID, or nullptr when it has none (native syntaxes have none).
const Codec *find_codec(std::string_view transfer_syntax_uid) noexcept;
/// Every codec of this build, in a stable order.
const std::vector<const Codec *> &all_codecs() noexcept;

namespace codecs {
/// Installs these codecs as the pixel transcoder of the layers below (dcmkit/transcoder.h): the
/// Storage SCU and the C-MOVE/C-GET sub-operations then decode and re-encode for a peer. Linking
/// dcmkit::core does it before main(); calling it again is harmless.
void install() noexcept;
}  // namespace codecs

}  // namespace dcmkit
