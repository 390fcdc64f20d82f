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

/// Bytes the generator emitted: plain, or deflated in chunks of kBlobChunk bytes (one raw deflate
/// stream each, inflated on first use of a byte in it; no record crosses a chunk boundary).
struct Blob {
    const void *data;           ///< the bytes, or the chunks' deflate streams one after another
    const uint32_t *ends;       ///< deflated: where chunk i's stream ends in `data`; nullptr when plain
    size_t size;                ///< bytes once inflated
    unsigned char *inflated;    ///< deflated: storage for `size` bytes (zero-initialized)
    std::once_flag *once;       ///< deflated: one per chunk
};
constexpr size_t kBlobChunk = 32768;
/// Byte `offset` of `b` (its chunk inflated on first use).
const unsigned char *blob_at(const Blob &b, size_t offset) noexcept;
inline const char *blob_text(const Blob &b, size_t offset) noexcept {
    return reinterpret_cast<const char *>(blob_at(b, offset));
}
/// All of `b` (every chunk inflated).
const unsigned char *blob_all(const Blob &b) noexcept;

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
extern const char kCreatorText[];   ///< private creators, sorted (bytes)
/// Each creator, in kCreatorText's order, and the index of its first entry (the entries are sorted
/// by creator, then element byte, then first group).
struct PrivateCreator {
    uint16_t text;
    uint16_t first;
};
extern const PrivateCreator kPrivateCreators[];
extern const size_t kPrivateCreatorCount;

/// Inflates the raw deflate stream (RFC 1951) `in` into exactly `out_size` bytes at `out`.
/// Returns false for a malformed stream or one that does not fill `out` exactly.
bool inflate_raw(const unsigned char *in, size_t in_size, unsigned char *out, size_t out_size) noexcept;

}  // namespace dcmkit::detail
