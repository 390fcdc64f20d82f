// dcmkit C ABI — what the networking sources share (internal): the AE and association handles, and
// the checks of versioned structures.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

#include "dcmkit/dk_net.h"
#include "dcmkit/net/ae_config.h"
#include "dcmkit/net/association.h"
#include "internal.h"

struct dk_ae {
    dcmkit::net::AeConfig cfg;
};

struct dk_assoc {
    std::unique_ptr<dcmkit::net::Association> a;
    /// The C-FIND query read one match at a time (dk_assoc_find_start) until it is over; while it
    /// is open, other requests are refused. Each side clears the other's pointer when freed.
    dk_find_query *open_query = nullptr;
};

namespace dk {

/// The body of a dk_*_init(out, version): DK_EINVAL for a NULL `out` or an unknown version, else
/// `*out` = `defaults` (the struct's _INIT) with that version. Only the first `size` bytes are
/// written — the size of the caller's `version` of the struct, which may be an older, shorter one:
/// pass offsetof(T, first field the version lacks) for older versions (see ae_options_size).
template <typename T>
void init_versioned(T *out, const char *name, uint32_t version, uint32_t current, const char *what, const T &defaults,
                    size_t size) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(out, name);
    check_version(version, current, what);
    std::memcpy(out, &defaults, size);
    out->version = version;
}

}  // namespace dk
