// dcmkit codecs — the codecs as the pixel transcoder of the layers below them (dcmkit/transcoder.h).
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/transcoder.h"

namespace dcmkit::codecs {

namespace {

class CodecTranscoder final : public PixelTranscoder {
public:
    bool can_decode(std::string_view transfer_syntax) const noexcept override {
        return !TransferSyntax::from_uid(transfer_syntax).encapsulated || find_codec(transfer_syntax) != nullptr;
    }
    std::vector<std::string> lossless_syntaxes() const override {
        std::vector<std::string> out;
        for (const Codec *c : all_codecs())
            if (c->lossless_only()) out.emplace_back(c->transfer_syntax());
        return out;
    }
    void transcode(DicomFile &file, std::string_view transfer_syntax) const override {
        dcmkit::transcode(file, transfer_syntax);
    }
};

}  // namespace

void install() noexcept {
    static const CodecTranscoder transcoder;
    install_pixel_transcoder(&transcoder);
}

}  // namespace dcmkit::codecs
