// dcmkit C++ wrapper: errors (dk::Error and its subclasses by kind), dk::check(), and the
// library version. Every other module header builds on it. Include dcmkit/dcmkit.hpp for the whole
// wrapper.
#ifndef DCMKIT_COMMON_HPP
#define DCMKIT_COMMON_HPP

#include <cstdint>
#include <stdexcept>
#include <string>

#include "dcmkit/dk_common.h"

namespace dk {

// -- errors ---------------------------------------------------------------------------------------

/// Base of every exception the wrapper throws. code() is the C ABI's result, message() the text of
/// dk_last_error(), offset() the byte offset in the input where the problem was found (or -1).
class Error : public std::runtime_error {
public:
    Error(dk_result code, const std::string &message, int64_t offset = -1)
        : std::runtime_error(message), code_(code), offset_(offset) {}
    dk_result code() const noexcept { return code_; }
    int64_t offset() const noexcept { return offset_; }
    std::string message() const { return what(); }
    /// Short name of the code ("truncated"), from dk_result_name().
    const char *kind() const noexcept { return dk_result_name(code_); }

private:
    dk_result code_;
    int64_t offset_;
};

/// The input is not (valid) DICOM: not-dicom, truncated, bad-length, bad-vr, too-deep, malformed.
class ParseError : public Error { public: using Error::Error; };
/// No such element, keyword, UID, item or file.
class NotFoundError : public Error { public: using Error::Error; };
/// The operating system refused a read or a write.
class IoError : public Error { public: using Error::Error; };
/// A value does not parse as its VR, has the wrong type for the call, or cannot be converted to or
/// from the character set.
class ValueError : public Error { public: using Error::Error; };
/// Network: connection failure, timeout, rejected or aborted association, protocol error, refusal.
class NetworkError : public Error { public: using Error::Error; };
/// Valid, but not supported by this build (an unknown transfer syntax, say).
class UnsupportedError : public Error { public: using Error::Error; };
/// The caller passed an argument the call cannot use.
class InvalidArgument : public Error { public: using Error::Error; };

/// Throws the exception that matches `code` (a negative dk_result) with `message` and `offset`.
[[noreturn]] inline void throw_error(dk_result code, const std::string &message, int64_t offset = -1) {
    switch (code) {
    case DK_ENOTDICOM:
    case DK_ETRUNCATED:
    case DK_EBADLENGTH:
    case DK_EBADVR:
    case DK_ETOODEEP:
    case DK_EMALFORMED: throw ParseError(code, message, offset);
    case DK_ENOTFOUND: throw NotFoundError(code, message, offset);
    case DK_EIO: throw IoError(code, message, offset);
    case DK_EBADVALUE:
    case DK_ECHARSET: throw ValueError(code, message, offset);
    case DK_ENETWORK:
    case DK_ETIMEOUT:
    case DK_EREJECTED:
    case DK_EABORTED:
    case DK_EPROTOCOL:
    case DK_EREFUSED: throw NetworkError(code, message, offset);
    case DK_EUNSUPPORTED: throw UnsupportedError(code, message, offset);
    case DK_EINVAL: throw InvalidArgument(code, message, offset);
    default: throw Error(code, message, offset);  // DK_ENOMEM, DK_EINTERNAL, DK_EBUFS, unknown codes
    }
}

/// Returns `r` when it is not an error; otherwise throws with this thread's dk_last_error().
inline dk_result check(dk_result r) {
    if (r >= 0) return r;
    throw_error(r, dk_last_error(), dk_last_error_offset());
}

// -- versions -------------------------------------------------------------------------------------

/// Version of the loaded library ("0.1.0"); DK_VERSION_STRING is the one compiled against.
inline std::string version() { return dk_version(); }
inline uint32_t version_number() { return dk_version_number(); }

}  // namespace dk

#endif  // DCMKIT_COMMON_HPP
