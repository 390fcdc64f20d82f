// PLACEHOLDER until the codec lands.
#include "codecs.h"
namespace dcmkit::codecs {
std::unique_ptr<Codec> make_jpegls(bool) { return nullptr; }
}  // namespace dcmkit::codecs
