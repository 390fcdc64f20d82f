#include "dcmkit/error.h"

#include <cstdio>

namespace dcmkit {

const char *errc_name(Errc code) noexcept {
    switch (code) {
    case Errc::ok: return "ok";
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_found: return "not found";
    case Errc::io: return "i/o error";
    case Errc::not_dicom: return "not DICOM";
    case Errc::truncated: return "truncated";
    case Errc::bad_length: return "bad length";
    case Errc::bad_vr: return "invalid VR";
    case Errc::too_deep: return "nesting too deep";
    case Errc::malformed: return "malformed";
    case Errc::unsupported: return "unsupported";
    case Errc::charset: return "character set";
    case Errc::bad_value: return "bad value";
    case Errc::network: return "network error";
    case Errc::timeout: return "timeout";
    case Errc::rejected: return "association rejected";
    case Errc::aborted: return "association aborted";
    case Errc::protocol: return "protocol error";
    case Errc::refused: return "refused";
    }
    return "unknown";
}

static std::string decorate(Errc code, const std::string &message, int64_t offset, uint32_t tag) {
    std::string s = errc_name(code);
    s += ": ";
    s += message;
    char buf[64];
    if (tag != 0xFFFFFFFFu) {
        std::snprintf(buf, sizeof buf, " in (%04X,%04X)", tag >> 16, tag & 0xFFFFu);
        s += buf;
    }
    if (offset >= 0) {
        std::snprintf(buf, sizeof buf, " at byte %lld", static_cast<long long>(offset));
        s += buf;
    }
    return s;
}

Error::Error(Errc code, const std::string &message, int64_t offset, uint32_t tag)
    : std::runtime_error(decorate(code, message, offset, tag)),
      code_(code), offset_(offset), tag_(tag), message_(message) {}

}  // namespace dcmkit
