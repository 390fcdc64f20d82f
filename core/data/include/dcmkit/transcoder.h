// dcmkit — the pixel data transcoder the network services re-encode files with, seen from below the
// codecs: the codecs layer installs one (dcmkit::codecs::install(), done by linking dcmkit::core), so
// that the services layer links no codec. Without one, files are sent as they are stored or in an
// uncompressed syntax when their pixel data is native; re-encoding compressed pixel data is refused.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/file.h"

namespace dcmkit {

/// Re-encodes pixel data between transfer syntaxes. Implementations are stateless and thread-safe.
class PixelTranscoder {
public:
    virtual ~PixelTranscoder() = default;
    /// Whether pixel data in `transfer_syntax` can be decoded (true for native syntaxes).
    virtual bool can_decode(std::string_view transfer_syntax) const noexcept = 0;
    /// The encapsulated syntaxes that keep every bit and can be encoded, in preference order.
    virtual std::vector<std::string> lossless_syntaxes() const = 0;
    /// Re-encodes `file` in `transfer_syntax` (never lossy unless the syntax is). Throws Error.
    virtual void transcode(DicomFile &file, std::string_view transfer_syntax) const = 0;
};

/// Installs the transcoder used by the helpers below (nullptr removes it). `t` must outlive its use.
void install_pixel_transcoder(const PixelTranscoder *t) noexcept;
/// The installed transcoder, or nullptr.
const PixelTranscoder *pixel_transcoder() noexcept;

/// Whether pixel data in `transfer_syntax` can be read as native samples: native syntaxes always;
/// encapsulated ones when a transcoder is installed that decodes them.
bool can_decode_pixels(std::string_view transfer_syntax) noexcept;
/// The installed transcoder's lossless encapsulated syntaxes (none without a transcoder).
std::vector<std::string> lossless_encodable_syntaxes();
/// Re-encodes `file` in `transfer_syntax` through the installed transcoder; a change between two
/// native syntaxes needs none (only file.transfer_syntax changes: the writer re-encodes the rest).
/// Throws Error(unsupported) naming both syntaxes when compressed pixel data is involved and no
/// transcoder is installed (a build without codecs).
void transcode_pixels(DicomFile &file, std::string_view transfer_syntax);

}  // namespace dcmkit
