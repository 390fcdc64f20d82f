// Internal: the generated tables (dictionary_data.cpp in the build tree).
#pragma once

#include <cstddef>

#include "dcmkit/dictionary.h"

namespace dcmkit::detail {
extern const DictEntry kDictExact[];
extern const size_t kDictExactCount;
extern const DictEntry kDictRepeating[];
extern const size_t kDictRepeatingCount;
extern const UidEntry kUids[];
extern const size_t kUidCount;
extern const char *const kStorageSopClasses[];
extern const size_t kStorageSopClassCount;
extern const PrivateDictEntry kPrivateDict[];
extern const size_t kPrivateDictCount;
}  // namespace dcmkit::detail
