// PLACEHOLDER until the codec lands.
#include "codecs.h"
namespace dcmkit::codecs {
FrameLayout jpeg_dct_decode(const PixelInfo &, const uint8_t *, size_t, uint8_t *, size_t) {
    throw Error(Errc::unsupported, "12-bit JPEG is not built yet");
}
}  // namespace dcmkit::codecs
