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

// The error classes, one per family of dk_result codes (dk_common.h). This is the one mapping from
// codes to classes: Python, C# and Java name their classes after error_class_name() ("Parse" ->
// dcmkit.ParseError, DcmKit.ParseException, org.dcmkit.ParseException) with the same parents.

/// The caller passed an argument the call cannot use (DK_EINVAL).
class InvalidArgumentError : public Error { public: using Error::Error; };
/// No such element, keyword, UID, item or file (DK_ENOTFOUND).
class NotFoundError : public Error { public: using Error::Error; };
/// The operating system refused a read or a write (DK_EIO).
class IoError : public Error { public: using Error::Error; };
/// The input is not (valid) DICOM: not-dicom, truncated, bad-length, bad-vr, too-deep, malformed.
class ParseError : public Error { public: using Error::Error; };
/// Valid, but not supported by this build (an unknown transfer syntax, say) (DK_EUNSUPPORTED).
class UnsupportedError : public Error { public: using Error::Error; };
/// A value does not parse as its VR or has the wrong type for the call (DK_EBADVALUE).
class BadValueError : public Error { public: using Error::Error; };
/// Text cannot be converted to or from the character set (DK_ECHARSET); a BadValueError.
class CharsetError : public BadValueError { public: using BadValueError::BadValueError; };
/// A connection failed or was closed (DK_ENETWORK); the parent of every network error.
class NetworkError : public Error { public: using Error::Error; };
/// A connect, ARTIM, DIMSE or idle timer expired (DK_ETIMEOUT).
class NetworkTimeoutError : public NetworkError { public: using NetworkError::NetworkError; };
/// The peer rejected the association (DK_EREJECTED): A-ASSOCIATE-RJ, PS3.8 Table 9-21 in the message.
class AssociationRejectedError : public NetworkError { public: using NetworkError::NetworkError; };
/// The association was aborted, by either side (DK_EABORTED).
class AssociationAbortedError : public NetworkError { public: using NetworkError::NetworkError; };
/// The peer broke the upper layer or DIMSE protocol (DK_EPROTOCOL).
class ProtocolError : public NetworkError { public: using NetworkError::NetworkError; };
/// The peer refused a request: no accepted presentation context, a failure status (DK_EREFUSED).
class RefusedError : public NetworkError { public: using NetworkError::NetworkError; };
/// Out of memory (DK_ENOMEM).
class NoMemoryError : public Error { public: using Error::Error; };
/// A bug in dcmkit (DK_EINTERNAL, and DK_EBUFS, which the wrapper never lets through).
class InternalError : public Error { public: using Error::Error; };

/// The error classes, in the order error_class_name() names them.
enum class ErrorClass : int {
    error, invalid_argument, not_found, io, parse, unsupported, bad_value, charset, network,
    network_timeout, association_rejected, association_aborted, protocol, refused, no_memory, internal,
};

/// The class of a dk_result error code; ErrorClass::error for a code this header does not know
/// (one a newer library added).
constexpr ErrorClass error_class(dk_result code) noexcept {
    switch (code) {
    case DK_EINVAL: return ErrorClass::invalid_argument;
    case DK_ENOTFOUND: return ErrorClass::not_found;
    case DK_EIO: return ErrorClass::io;
    case DK_ENOTDICOM:
    case DK_ETRUNCATED:
    case DK_EBADLENGTH:
    case DK_EBADVR:
    case DK_ETOODEEP:
    case DK_EMALFORMED: return ErrorClass::parse;
    case DK_EUNSUPPORTED: return ErrorClass::unsupported;
    case DK_EBADVALUE: return ErrorClass::bad_value;
    case DK_ECHARSET: return ErrorClass::charset;
    case DK_ENETWORK: return ErrorClass::network;
    case DK_ETIMEOUT: return ErrorClass::network_timeout;
    case DK_EREJECTED: return ErrorClass::association_rejected;
    case DK_EABORTED: return ErrorClass::association_aborted;
    case DK_EPROTOCOL: return ErrorClass::protocol;
    case DK_EREFUSED: return ErrorClass::refused;
    case DK_ENOMEM: return ErrorClass::no_memory;
    case DK_EBUFS:
    case DK_EINTERNAL: return ErrorClass::internal;
    default: return ErrorClass::error;
    }
}

/// Stem of a class's name in every language: "" (the base: Error, DicomError, DicomException),
/// "InvalidArgument", "NotFound", "Io", "Parse", "Unsupported", "BadValue", "Charset", "Network",
/// "NetworkTimeout", "AssociationRejected", "AssociationAborted", "Protocol", "Refused", "NoMemory",
/// "Internal".
constexpr const char *error_class_name(ErrorClass c) noexcept {
    constexpr const char *names[] = {"",           "InvalidArgument",     "NotFound",           "Io",
                                     "Parse",      "Unsupported",         "BadValue",           "Charset",
                                     "Network",    "NetworkTimeout",      "AssociationRejected", "AssociationAborted",
                                     "Protocol",   "Refused",             "NoMemory",           "Internal"};
    const int i = int(c);
    return i >= 0 && i < int(sizeof names / sizeof names[0]) ? names[i] : "";
}

/// The class a class derives from: ErrorClass::error, or ErrorClass::network for the network
/// errors, ErrorClass::bad_value for charset.
constexpr ErrorClass error_class_parent(ErrorClass c) noexcept {
    switch (c) {
    case ErrorClass::charset: return ErrorClass::bad_value;
    case ErrorClass::network_timeout:
    case ErrorClass::association_rejected:
    case ErrorClass::association_aborted:
    case ErrorClass::protocol:
    case ErrorClass::refused: return ErrorClass::network;
    default: return ErrorClass::error;
    }
}

/// Throws the exception of error_class(code) with `message` and `offset`.
[[noreturn]] inline void throw_error(dk_result code, const std::string &message, int64_t offset = -1) {
    switch (error_class(code)) {
    case ErrorClass::invalid_argument: throw InvalidArgumentError(code, message, offset);
    case ErrorClass::not_found: throw NotFoundError(code, message, offset);
    case ErrorClass::io: throw IoError(code, message, offset);
    case ErrorClass::parse: throw ParseError(code, message, offset);
    case ErrorClass::unsupported: throw UnsupportedError(code, message, offset);
    case ErrorClass::bad_value: throw BadValueError(code, message, offset);
    case ErrorClass::charset: throw CharsetError(code, message, offset);
    case ErrorClass::network: throw NetworkError(code, message, offset);
    case ErrorClass::network_timeout: throw NetworkTimeoutError(code, message, offset);
    case ErrorClass::association_rejected: throw AssociationRejectedError(code, message, offset);
    case ErrorClass::association_aborted: throw AssociationAbortedError(code, message, offset);
    case ErrorClass::protocol: throw ProtocolError(code, message, offset);
    case ErrorClass::refused: throw RefusedError(code, message, offset);
    case ErrorClass::no_memory: throw NoMemoryError(code, message, offset);
    case ErrorClass::internal: throw InternalError(code, message, offset);
    case ErrorClass::error: break;
    }
    throw Error(code, message, offset);
}

/// Returns `r` when it is not an error; otherwise throws with this thread's dk_last_error().
inline dk_result check(dk_result r) {
    if (r >= 0) return r;
    throw_error(r, dk_last_error(), dk_last_error_offset());
}

// -- versions -------------------------------------------------------------------------------------

/// Version of the loaded library ("1.0.0"); DK_VERSION_STRING is the one compiled against.
inline std::string version() { return dk_version(); }
inline uint32_t version_number() { return dk_version_number(); }

}  // namespace dk

#endif  // DCMKIT_COMMON_HPP
