// PLACEHOLDER until the codec lands.
#include "codecs.h"
namespace dcmkit::codecs {
std::unique_ptr<Codec> make_jpeg_baseline() { return nullptr; }
std::unique_ptr<Codec> make_jpeg_extended() { return nullptr; }
}  // namespace dcmkit::codecs
