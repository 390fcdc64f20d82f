// PLACEHOLDER until the codec lands.
#include "codecs.h"
namespace dcmkit::codecs {
std::unique_ptr<Codec> make_htj2k(const char *) { return nullptr; }
}  // namespace dcmkit::codecs
