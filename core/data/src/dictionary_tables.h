// Internal: the generated tables (dictionary_data.cpp in the build tree, from core/data/tools/gen_dictionary.py).
// Entries hold offsets into string pools (NUL-separated strings), never pointers. In a size-optimized
// build (DCMKIT_SIZE_OPTIMIZED) the big pools and the private dictionary's entries are stored
// deflated and inflated once, on first use, into zero-initialized storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "dcmkit/dictionary.h"

namespace dcmkit::detail {

/// Bytes the generator emitted, plain or as a raw deflate stream.
struct Blob {
    const void *data;           ///< the bytes, or their deflate stream when `inflated` is set
    size_t size;                ///< bytes at `data`
    size_t plain_size;          ///< bytes once inflated
    unsigned char *inflated;    ///< storage for plain_size bytes when `data` is deflated, else nullptr
    std::once_flag *once;       ///< guards the inflation
};
/// The plain bytes of `b` (inflated on first use).
const unsigned char *blob_bytes(const Blob &b) noexcept;
inline const char *blob_text(const Blob &b) noexcept { return reinterpret_cast<const char *>(blob_bytes(b)); }

extern const DictEntry kDictExact[];
extern const size_t kDictExactCount;
extern const DictEntry kDictRepeating[];
extern const size_t kDictRepeatingCount;
/// kDictGeneric[0]: group lengths (gggg,0000); [1]: private creators (gggg,0010-00FF).
extern const DictEntry kDictGeneric[2];
/// Indices of the entries with a keyword, sorted by keyword: i < kDictExactCount is kDictExact[i],
/// else kDictRepeating[i - kDictExactCount].
extern const uint16_t kDictByKeyword[];
extern const size_t kDictByKeywordCount;
/// The fixed bits of a repeating entry, by DictEntry::mask_ (0 is 0xFFFFFFFF).
extern const uint32_t kDictMasks[];
extern const Blob kElementText;    ///< "keyword\0name\0" of every DictEntry
extern const char kVmText[];       ///< value multiplicities (DictEntry and PrivateDictEntry)

extern const UidEntry kUids[];
extern const size_t kUidCount;
extern const Blob kUidText;        ///< "uid\0keyword\0name\0" of every UidEntry
extern const char kUidSmallText[]; ///< UID types and info texts
extern const char *const kStorageSopClasses[];
extern const size_t kStorageSopClassCount;

extern const Blob kPrivateEntries;  ///< PrivateDictEntry[kPrivateDictCount]
extern const size_t kPrivateDictCount;
extern const Blob kPrivateText;     ///< "keyword\0name\0" of every PrivateDictEntry
extern const char kCreatorText[];   ///< private creators

/// Inflates the raw deflate stream (RFC 1951) `in` into exactly `out_size` bytes at `out`.
/// Returns false for a malformed stream or one that does not fill `out` exactly.
bool inflate_raw(const unsigned char *in, size_t in_size, unsigned char *out, size_t out_size) noexcept;

}  // namespace dcmkit::detail
