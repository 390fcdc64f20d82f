// dcmkit C ABI — versions, result codes, the thread-local last error.
#include <cstring>

#include "internal.h"

using dcmkit::Errc;

// The two taxonomies list the same kinds in the same order: one check per code, so that a kind added
// to one enum and not the other fails the build.
static_assert(dk::to_result(Errc::ok) == DK_OK);
static_assert(dk::to_result(Errc::invalid_argument) == DK_EINVAL);
static_assert(dk::to_result(Errc::not_found) == DK_ENOTFOUND);
static_assert(dk::to_result(Errc::io) == DK_EIO);
static_assert(dk::to_result(Errc::not_dicom) == DK_ENOTDICOM);
static_assert(dk::to_result(Errc::truncated) == DK_ETRUNCATED);
static_assert(dk::to_result(Errc::bad_length) == DK_EBADLENGTH);
static_assert(dk::to_result(Errc::bad_vr) == DK_EBADVR);
static_assert(dk::to_result(Errc::too_deep) == DK_ETOODEEP);
static_assert(dk::to_result(Errc::malformed) == DK_EMALFORMED);
static_assert(dk::to_result(Errc::unsupported) == DK_EUNSUPPORTED);
static_assert(dk::to_result(Errc::charset) == DK_ECHARSET);
static_assert(dk::to_result(Errc::bad_value) == DK_EBADVALUE);
static_assert(dk::to_result(Errc::network) == DK_ENETWORK);
static_assert(dk::to_result(Errc::timeout) == DK_ETIMEOUT);
static_assert(dk::to_result(Errc::rejected) == DK_EREJECTED);
static_assert(dk::to_result(Errc::aborted) == DK_EABORTED);
static_assert(dk::to_result(Errc::protocol) == DK_EPROTOCOL);
static_assert(dk::to_result(Errc::refused) == DK_EREFUSED);
static_assert(DK_EBUFS == -static_cast<int>(Errc::refused) - 1, "C-only codes follow the shared ones");

// The header's version macros are what the library reports: they must match the CMake project.
#ifdef DCMKIT_PROJECT_VERSION
static constexpr bool same(const char *a, const char *b) {
    return *a == *b && (*a == '\0' || same(a + 1, b + 1));
}
static_assert(same(DK_VERSION_STRING, DCMKIT_PROJECT_VERSION),
              "DK_VERSION_STRING in dk_common.h differs from the CMake project version");
#endif

namespace {

struct LastError {
    std::string message;
    const char *fallback = nullptr;  // used when the message could not be stored (out of memory)
    int64_t offset = -1;
};

LastError &last() noexcept {
    thread_local LastError e;
    return e;
}

}  // namespace

namespace dk {

void set_error(dk_result code, const char *message, int64_t offset) noexcept {
    LastError &e = last();
    e.offset = offset;
    try {
        e.message = (message && *message) ? message : dk_result_name(code);
        e.fallback = nullptr;
    } catch (...) {
        e.message.clear();
        e.fallback = code == DK_ENOMEM ? "out of memory" : "out of memory while recording an error";
    }
}

void fail(dk_result code, std::string message) {
    throw Failure{code, std::string(dk_result_name(code)) + ": " + message};
}

dk_result copy_string(std::string_view s, char *buf, size_t *size) {
    need(size, "size");
    const size_t needed = s.size() + 1;
    if (!buf && *size != 0) fail(DK_EINVAL, "buf is NULL but *size is " + std::to_string(*size));
    if (!buf || *size < needed) {
        if (buf && *size > 0) buf[0] = '\0';
        const size_t given = *size;
        *size = needed;
        fail(DK_EBUFS, "a buffer of " + std::to_string(given) + " bytes is too small: " + std::to_string(needed) +
                           " are needed (NUL included)");
    }
    if (!s.empty()) std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    *size = needed;
    return DK_OK;
}

void copy_vr(dcmkit::VR vr, char *out) {
    const char *name = vr == dcmkit::VR::None ? "UN" : dcmkit::vr_name(vr);
    out[0] = name[0];
    out[1] = name[1];
    out[2] = '\0';
}

}  // namespace dk

extern "C" {

const char *dk_version(void) { return DK_VERSION_STRING; }

uint32_t dk_version_number(void) { return DK_VERSION_NUMBER; }

const char *dk_last_error(void) {
    const LastError &e = last();
    return e.fallback ? e.fallback : e.message.c_str();
}

int64_t dk_last_error_offset(void) { return last().offset; }

const char *dk_result_name(dk_result result) {
    switch (result) {
    case DK_OK: return "ok";
    case DK_EBUFS: return "buffer too small";
    case DK_ENOMEM: return "out of memory";
    case DK_EINTERNAL: return "internal error";
    default: break;
    }
    const int r = static_cast<int>(result);
    if (r < 0 && r >= DK_EREFUSED) return dcmkit::errc_name(static_cast<Errc>(-r));
    return "unknown result code";
}

}  // extern "C"
