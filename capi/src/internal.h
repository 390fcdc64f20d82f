// dcmkit C ABI — internals shared by the dk_* implementation files. Never installed.
//
// Every dk_ body is `return dk::guard([&] { ... });`: the lambda may throw dcmkit::Error (the core's
// taxonomy, mapped one to one onto dk_result), dk::Failure (argument checks and DK_EBUFS, which have
// no core equivalent), std::bad_alloc (DK_ENOMEM) or any other std::exception (DK_EINTERNAL). The
// guard sets the thread-local message and offset and returns the code: no exception crosses the ABI.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/dk_common.h"
#include "dcmkit/dk_dataset.h"

namespace dk {

/// A failure detected by the C layer itself (bad arguments, small buffers).
struct Failure {
    dk_result code;
    std::string message;
};

/// dcmkit::Errc → dk_result. The two enums list the same kinds in the same order (dk_common.h says
/// so code by code); this is checked at compile time in common.cpp.
constexpr dk_result to_result(dcmkit::Errc code) noexcept {
    const int c = static_cast<int>(code);
    return (c >= 0 && c <= static_cast<int>(dcmkit::Errc::refused)) ? static_cast<dk_result>(-c) : DK_EINTERNAL;
}

/// Records the failure of the current call on this thread (never throws).
void set_error(dk_result code, const char *message, int64_t offset = -1) noexcept;

template <typename F>
dk_result guard(F &&body) noexcept {
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            return DK_OK;
        } else {
            return body();
        }
    } catch (const Failure &f) {
        set_error(f.code, f.message.c_str());
        return f.code;
    } catch (const dcmkit::Error &e) {
        const dk_result r = to_result(e.code());
        set_error(r, e.what(), e.offset());
        return r;
    } catch (const std::bad_alloc &) {
        set_error(DK_ENOMEM, "out of memory");
        return DK_ENOMEM;
    } catch (const std::exception &e) {
        set_error(DK_EINTERNAL, (std::string("internal error: ") + e.what()).c_str());
        return DK_EINTERNAL;
    } catch (...) {
        set_error(DK_EINTERNAL, "internal error: an exception of unknown type");
        return DK_EINTERNAL;
    }
}

[[noreturn]] void fail(dk_result code, std::string message);

/// DK_EINVAL "unsupported WHAT version N (this library knows 1 to CURRENT)" for a versioned struct's
/// version of 0 or one newer than this library knows.
inline void check_version(uint32_t version, uint32_t current, const char *what) {
    if (version == 0 || version > current)
        fail(DK_EINVAL, std::string("unsupported ") + what + " version " + std::to_string(version) +
                            " (this library knows 1 to " + std::to_string(current) + ")");
}

/// Throws DK_EINVAL "`name` is NULL" when p is NULL.
template <typename T>
inline T *need(T *p, const char *name) {
    if (!p) fail(DK_EINVAL, std::string(name) + " is NULL");
    return p;
}

/// The top-level object a dataset handle and all its item handles share.
struct Root {
    dcmkit::DicomFile file;
    /// Transfer syntax the encapsulated pixel data (if any) is encoded in; empty when unknown.
    std::string pixel_syntax;
    /// Values borrow from a memory map of this file (device, inode): it must not be truncated in place.
    bool mapped = false;
    dev_t dev = 0;
    ino_t ino = 0;
};

/// One step from a dataset to one of its items: item `index` of sequence `tag`.
struct Step {
    dcmkit::Tag tag;
    size_t index;
};

/// The core writes elements as they are: compressed fragments in a native syntax (or the reverse)
/// would make a file no one can decode. Converting pixel data is dk_dataset_transcode's job (it
/// decodes and encodes with the codecs); writing, set_transfer_syntax and sending never do it
/// implicitly. Fails with DK_EUNSUPPORTED when `root`'s pixel data cannot be encoded as `ts_uid`.
void check_pixel_syntax(const Root &root, const std::string &ts_uid);

/// The dataset or item a handle addresses (DK_EINVAL for a bad handle, DK_ENOTFOUND for a removed item).
dcmkit::Dataset &resolve_dataset(const dk_dataset *h);
/// Copies `s` and its NUL into buf/*size (DK_EBUFS with *size = size needed).
dk_result copy_string(std::string_view s, char *buf, size_t *size);
/// Copies two letters and a NUL into vr[3].
void copy_vr(dcmkit::VR vr, char *out);

}  // namespace dk

/// The opaque handle: the shared root and the path of the item from it (empty: the root itself).
/// Resolved on each call, so an item handle never dangles.
struct dk_dataset {
    std::shared_ptr<dk::Root> root;
    std::vector<dk::Step> path;
};
