// dcmkit — the codec registry, and decoding a dataset's frames through it. It lists the codecs this
// build compiles in (DCMKIT_HAVE_* from the DCMKIT_WITH_* options, core/codecs/CMakeLists.txt).
#include <algorithm>
#include <memory>
#include <vector>

#include "codecs.h"

namespace dcmkit {

namespace {

struct Registry {
    std::vector<std::unique_ptr<Codec>> owned;
    std::vector<const Codec *> list;
    Registry() {
        owned.push_back(codecs::make_rle());
#ifdef DCMKIT_HAVE_JPEG
        owned.push_back(codecs::make_jpeg_baseline());
        owned.push_back(codecs::make_jpeg_extended());
#endif
        owned.push_back(codecs::make_jpeg_lossless(false));
        owned.push_back(codecs::make_jpeg_lossless(true));
#ifdef DCMKIT_HAVE_CHARLS
        owned.push_back(codecs::make_jpegls(false));
        owned.push_back(codecs::make_jpegls(true));
#endif
#ifdef DCMKIT_HAVE_OPENJPEG
        owned.push_back(codecs::make_j2k(true));
        owned.push_back(codecs::make_j2k(false));
#endif
#ifdef DCMKIT_HAVE_OPENJPH
        owned.push_back(codecs::make_htj2k(codecs::kHtj2kLossless));
        owned.push_back(codecs::make_htj2k(codecs::kHtj2kLosslessRpcl));
        owned.push_back(codecs::make_htj2k(codecs::kHtj2k));
#endif
        for (auto &c : owned) list.push_back(c.get());
    }
};

const Registry &registry() {
    static const Registry r;
    return r;
}

}  // namespace

const Codec *find_codec(std::string_view uid) noexcept {
    for (const Codec *c : registry().list)
        if (c->transfer_syntax() == uid) return c;
    return nullptr;
}

const std::vector<const Codec *> &all_codecs() noexcept { return registry().list; }

}  // namespace dcmkit
