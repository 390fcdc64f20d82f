// dcmkit — one error taxonomy from the core to every binding.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace dcmkit {

/// Error kinds. The C ABI maps each to a `DK_E…` code; bindings map them to exception types.
enum class Errc : int {
    ok = 0,
    invalid_argument,   ///< a caller passed a value the call cannot use
    not_found,          ///< no such element, keyword, UID or file
    io,                 ///< the operating system refused a read or a write (disk full, permissions…)
    not_dicom,          ///< the input is not DICOM at all
    truncated,          ///< the input ends before a structure it promises
    bad_length,         ///< a length runs past its container, or is odd where even is required
    bad_vr,             ///< a VR field holds no valid VR
    too_deep,           ///< sequences nest deeper than the reader allows
    malformed,          ///< any other structural error in the encoding
    unsupported,        ///< a valid feature this build does not handle (e.g. an unknown transfer syntax)
    charset,            ///< text cannot be converted to or from the character set
    bad_value,          ///< a value does not parse as its VR (e.g. "1.2.3a" as DS)
    network,            ///< a connection failed, was reset or closed by the peer
    timeout,            ///< a connect, read, write or DIMSE timer expired
    rejected,           ///< the peer rejected the association (A-ASSOCIATE-RJ)
    aborted,            ///< the association was aborted (A-ABORT, by either side)
    protocol,           ///< the peer broke the upper layer or DIMSE protocol
    refused,            ///< the peer refused a request (no accepted presentation context, a failure status)
};

/// Name of an error kind, e.g. "truncated".
const char *errc_name(Errc code) noexcept;

/// The exception the core throws. `offset` is the byte offset in the input where the problem was
/// found (or -1 when it does not apply); `tag` is the element involved (0xFFFFFFFF when none).
class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string &message, int64_t offset = -1, uint32_t tag = 0xFFFFFFFFu);

    Errc code() const noexcept { return code_; }
    int64_t offset() const noexcept { return offset_; }
    uint32_t tag() const noexcept { return tag_; }
    /// The bare message, without offset and tag decorations (what() includes them).
    const std::string &message() const noexcept { return message_; }

private:
    Errc code_;
    int64_t offset_;
    uint32_t tag_;
    std::string message_;
};

}  // namespace dcmkit
