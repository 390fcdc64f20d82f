// dcmkit — third-party libraries loaded on first use (cmake/lazy_load.cmake).
#pragma once

namespace dcmkit::lazy {

/// Makes sure the library `name` (a file of cmake/lazy: "openjph", "ssl", "sqlite3"…) is loaded,
/// loading it now if needed; call before the first call into it. Throws Error(Errc::unsupported)
/// naming the library, what needed it (`purpose`, e.g. "HTJ2K encoding") and why it could not be
/// loaded. Without lazy loading (the library linked as usual), or for a library this build does not
/// load lazily, it returns at once. Thread-safe; after the first call, a load-free check.
void require(const char *name, const char *purpose);

/// Whether the library `name` is loaded or can be (loads it); never throws.
bool available(const char *name) noexcept;

/// How many libraries this build loads on first use (0 without lazy loading), and the SONAME of the
/// i-th ("libopenjp2.so.7"; nullptr past the end): for diagnostics and tests.
unsigned library_count() noexcept;
const char *library_soname(unsigned i) noexcept;

/// How many of them are loaded now.
unsigned loaded_count() noexcept;

}  // namespace dcmkit::lazy
