// PLACEHOLDER until the codec lands.
#include "codecs.h"
namespace dcmkit::codecs {
std::unique_ptr<Codec> make_jpeg_lossless(bool) { return nullptr; }
}  // namespace dcmkit::codecs
