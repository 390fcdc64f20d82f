// dcmkit — the installed pixel data transcoder (dcmkit/transcoder.h).
#include "dcmkit/transcoder.h"

#include <atomic>

#include "dcmkit/error.h"

namespace dcmkit {

namespace {
std::atomic<const PixelTranscoder *> g_transcoder{nullptr};
}  // namespace

void install_pixel_transcoder(const PixelTranscoder *t) noexcept { g_transcoder.store(t); }

const PixelTranscoder *pixel_transcoder() noexcept { return g_transcoder.load(); }

bool can_decode_pixels(std::string_view transfer_syntax) noexcept {
    if (!TransferSyntax::from_uid(std::string(transfer_syntax)).encapsulated) return true;
    const PixelTranscoder *t = pixel_transcoder();
    return t && t->can_decode(transfer_syntax);
}

std::vector<std::string> lossless_encodable_syntaxes() {
    const PixelTranscoder *t = pixel_transcoder();
    return t ? t->lossless_syntaxes() : std::vector<std::string>{};
}

void transcode_pixels(DicomFile &file, std::string_view transfer_syntax) {
    if (const PixelTranscoder *t = pixel_transcoder()) {
        t->transcode(file, transfer_syntax);
        return;
    }
    const TransferSyntax from = file.syntax(), to = TransferSyntax::from_uid(std::string(transfer_syntax));
    if (from.encapsulated || to.encapsulated)
        throw Error(Errc::unsupported, "cannot re-encode pixel data from " + file.transfer_syntax + " to " +
                                           std::string(transfer_syntax) + ": this build has no codecs");
    file.transfer_syntax = std::string(transfer_syntax);
}

}  // namespace dcmkit
