// Loads the libraries of cmake/lazy_load.cmake on first use and fills their function slots.
#include "dcmkit/lazy_library.h"

#include "dcmkit/error.h"

#include <dlfcn.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

// The generated table (lazy_table.cpp): one SONAME per library, one name, owner and slot per function.
extern "C" {
extern const char *const dk_lazy_sonames[];
extern const char *const dk_lazy_names[];
extern const unsigned char dk_lazy_owner[];
extern void *dk_lazy_slots[];
extern const std::size_t dk_lazy_library_count;
extern const std::size_t dk_lazy_symbol_count;
}

namespace dcmkit::lazy {
namespace {

constexpr std::size_t kMaxLibraries = 32;

// States of a library: not tried, loaded (every slot filled), failed (message kept).
enum : int { kUntried = 0, kLoaded = 1, kFailed = 2 };
std::atomic<int> g_state[kMaxLibraries];
std::mutex g_mutex;  // one load at a time: loads are rare and dlopen serialises anyway
std::string g_failure[kMaxLibraries];

// The library whose file name (SONAME, or the last part of a path) is "lib" + name + ".so" followed
// by nothing or a version ("libopenjp2.so.7"), or is exactly name.
int find_library(const char *name) {
    const std::string want = std::string("lib") + name + ".so";
    for (std::size_t i = 0; i < dk_lazy_library_count; ++i) {
        const char *soname = dk_lazy_sonames[i];
        if (const char *slash = std::strrchr(soname, '/')) soname = slash + 1;
        const char after = std::strncmp(soname, want.c_str(), want.size()) == 0 ? soname[want.size()] : 'x';
        if (after == '\0' || after == '.') return static_cast<int>(i);
        if (std::strcmp(soname, name) == 0) return static_cast<int>(i);
    }
    return -1;
}

// Loads library `lib` and fills its slots, once; returns its state.
int load(std::size_t lib) {
    int state = g_state[lib].load(std::memory_order_acquire);
    if (state != kUntried)
        return state;
    std::lock_guard<std::mutex> lock(g_mutex);
    state = g_state[lib].load(std::memory_order_relaxed);
    if (state != kUntried)
        return state;
    const char *soname = dk_lazy_sonames[lib];
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char *why = dlerror();
        g_failure[lib] = std::string("cannot load ") + soname + ": " + (why ? why : "unknown error");
        g_state[lib].store(kFailed, std::memory_order_release);
        return kFailed;
    }
    // Every function first, then the slots: a slot is filled only when the whole library is usable.
    for (std::size_t k = 0; k < dk_lazy_symbol_count; ++k) {
        if (dk_lazy_owner[k] != lib)
            continue;
        if (dlsym(handle, dk_lazy_names[k]) == nullptr) {
            g_failure[lib] = std::string(soname) + " has no function " + dk_lazy_names[k] +
                             " (a version other than the one dcmkit was built with?)";
            g_state[lib].store(kFailed, std::memory_order_release);
            return kFailed;  // the handle stays open: harmless, and another thread may hold its code
        }
    }
    for (std::size_t k = 0; k < dk_lazy_symbol_count; ++k)
        if (dk_lazy_owner[k] == lib)
            __atomic_store_n(&dk_lazy_slots[k], dlsym(handle, dk_lazy_names[k]), __ATOMIC_RELEASE);
    g_state[lib].store(kLoaded, std::memory_order_release);
    return kLoaded;
}

}  // namespace

void require(const char *name, const char *purpose) {
    const int lib = find_library(name);
    if (lib < 0)
        return;  // linked as usual, or not lazily loaded in this build
    if (load(static_cast<std::size_t>(lib)) != kLoaded)
        throw Error(Errc::unsupported, std::string(purpose) + " needs " + dk_lazy_sonames[lib] +
                                           ", which is not usable here: " + g_failure[lib]);
}

bool available(const char *name) noexcept {
    const int lib = find_library(name);
    try {
        return lib < 0 || load(static_cast<std::size_t>(lib)) == kLoaded;
    } catch (...) {
        return false;  // std::bad_alloc building the message
    }
}

unsigned library_count() noexcept { return static_cast<unsigned>(dk_lazy_library_count); }

const char *library_soname(unsigned i) noexcept { return i < dk_lazy_library_count ? dk_lazy_sonames[i] : nullptr; }

unsigned loaded_count() noexcept {
    unsigned n = 0;
    for (std::size_t i = 0; i < dk_lazy_library_count; ++i)
        n += g_state[i].load(std::memory_order_acquire) == kLoaded;
    return n;
}

}  // namespace dcmkit::lazy

// Called by a stub (lazy_stub.h) whose slot is still empty: the library's first call. A library
// that cannot be loaded here was not require()d first; there is no way to report an error from
// inside an arbitrary function, so the process ends with the reason.
extern "C" __attribute__((visibility("hidden"))) void *dk_lazy_resolve(unsigned k) {
    const std::size_t lib = dk_lazy_owner[k];
    if (dcmkit::lazy::load(lib) != dcmkit::lazy::kLoaded) {
        std::fprintf(stderr, "dcmkit: %s\n", dcmkit::lazy::g_failure[lib].c_str());
        std::abort();
    }
    return __atomic_load_n(&dk_lazy_slots[k], __ATOMIC_ACQUIRE);
}
