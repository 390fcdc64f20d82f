// dcmkit codecs — installs the codecs as the pixel transcoder before main(). Linked as an object
// file by dcmkit::core (a static library member nothing refers to would be dropped by the linker).
#include "dcmkit/codec.h"

namespace {
const bool installed = (dcmkit::codecs::install(), true);
}  // namespace
