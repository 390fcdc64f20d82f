// PLACEHOLDER until the codec lands.
#include "codecs.h"
namespace dcmkit::codecs {
std::unique_ptr<Codec> make_rle() { return nullptr; }
}  // namespace dcmkit::codecs
