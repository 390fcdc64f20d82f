// dcmkit — the codec registry, and decoding a dataset's frames through it.
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
        owned.push_back(codecs::make_jpeg_baseline());
        owned.push_back(codecs::make_jpeg_extended());
        owned.push_back(codecs::make_jpeg_lossless(false));
        owned.push_back(codecs::make_jpeg_lossless(true));
        owned.push_back(codecs::make_jpegls(false));
        owned.push_back(codecs::make_jpegls(true));
        owned.push_back(codecs::make_j2k(true));
        owned.push_back(codecs::make_j2k(false));
        owned.push_back(codecs::make_htj2k(codecs::kHtj2kLossless));
        owned.push_back(codecs::make_htj2k(codecs::kHtj2kLosslessRpcl));
        owned.push_back(codecs::make_htj2k(codecs::kHtj2k));
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
