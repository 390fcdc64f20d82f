#include "dcmkit/dictionary.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "dcmkit/error.h"
#include "dictionary_tables.h"

namespace dcmkit {

using detail::kDictExact;
using detail::kDictExactCount;
using detail::kDictRepeating;
using detail::kDictRepeatingCount;
using detail::kUids;
using detail::kUidCount;

// The generator writes the private dictionary's entries as bytes in this layout when it compresses them.
static_assert(sizeof(PrivateDictEntry) == 16 && offsetof(PrivateDictEntry, creator_) == 4 &&
                  offsetof(PrivateDictEntry, group) == 6 && offsetof(PrivateDictEntry, group_last) == 8 &&
                  offsetof(PrivateDictEntry, vr) == 10 && offsetof(PrivateDictEntry, element) == 12 &&
                  offsetof(PrivateDictEntry, vm_) == 13,
              "PrivateDictEntry no longer matches gen_dictionary.py's packing");
static_assert(sizeof(DictEntry) == 16, "DictEntry grew");

namespace detail {

namespace {

void inflate_chunk(const Blob &b, size_t chunk) noexcept {
    std::call_once(b.once[chunk], [&b, chunk] {
        const auto *z = static_cast<const unsigned char *>(b.data);
        const size_t begin = chunk ? b.ends[chunk - 1] : 0, at = chunk * kBlobChunk;
        // The streams were made by the generator from the sources in this tree: a failure here is a
        // build defect, not bad input.
        if (!inflate_raw(z + begin, b.ends[chunk] - begin, b.inflated + at, std::min(kBlobChunk, b.size - at)))
            std::abort();
    });
}

}  // namespace

const unsigned char *blob_at(const Blob &b, size_t offset) noexcept {
    if (!b.ends) return static_cast<const unsigned char *>(b.data) + offset;
    inflate_chunk(b, offset / kBlobChunk);
    return b.inflated + offset;
}

const unsigned char *blob_all(const Blob &b) noexcept {
    if (!b.ends) return static_cast<const unsigned char *>(b.data);
    for (size_t chunk = 0; chunk * kBlobChunk < b.size; ++chunk) inflate_chunk(b, chunk);
    return b.inflated;
}

}  // namespace detail

namespace {

const PrivateDictEntry &private_entry(size_t i) noexcept {
    return *reinterpret_cast<const PrivateDictEntry *>(detail::blob_at(detail::kPrivateEntries, i * sizeof(PrivateDictEntry)));
}

const DictEntry &keyword_entry(uint16_t i) noexcept {
    return i < kDictExactCount ? kDictExact[i] : kDictRepeating[i - kDictExactCount];
}

}  // namespace

uint32_t DictEntry::mask() const noexcept { return detail::kDictMasks[mask_]; }
const char *DictEntry::vm() const noexcept { return detail::kVmText + vm_; }
const char *DictEntry::keyword() const noexcept { return detail::blob_text(detail::kElementText, text_); }
const char *DictEntry::name() const noexcept {
    const char *k = keyword();
    return k + std::strlen(k) + 1;
}

const char *PrivateDictEntry::creator() const noexcept { return detail::kCreatorText + creator_; }
const char *PrivateDictEntry::vm() const noexcept { return detail::kVmText + vm_; }
const char *PrivateDictEntry::keyword() const noexcept { return detail::blob_text(detail::kPrivateText, text_); }
const char *PrivateDictEntry::name() const noexcept {
    const char *k = keyword();
    return k + std::strlen(k) + 1;
}

const char *UidEntry::uid() const noexcept { return detail::blob_text(detail::kUidText, text_); }
const char *UidEntry::keyword() const noexcept {
    const char *u = uid();
    return u + std::strlen(u) + 1;
}
const char *UidEntry::name() const noexcept {
    const char *k = keyword();
    return k + std::strlen(k) + 1;
}
const char *UidEntry::type() const noexcept { return detail::kUidSmallText + type_; }
const char *UidEntry::info() const noexcept { return detail::kUidSmallText + info_; }

const DictEntry *dict_find(Tag tag) noexcept {
    const uint32_t t = tag.value;
    const DictEntry *end = kDictExact + kDictExactCount;
    const DictEntry *it = std::lower_bound(kDictExact, end, t,
                                           [](const DictEntry &e, uint32_t v) { return e.tag < v; });
    if (it != end && it->tag == t) return it;
    // PS3.5 7.2: element 0000 is the group length in every group, even where a repeating pattern
    // such as (1000,xxx0) or (1010,xxxx) would otherwise cover it.
    if (tag.is_group_length()) return &detail::kDictGeneric[0];
    const bool private_group = tag.is_private();
    if (!private_group) {
        // PS3.5 7.6: repeating groups (50xx, 60xx) use even groups only.
        for (size_t i = 0; i < kDictRepeatingCount; ++i) {
            const DictEntry &e = kDictRepeating[i];
            if ((t & detail::kDictMasks[e.mask_]) == e.tag) return &e;
        }
    }
    if (tag.is_private_creator()) return &detail::kDictGeneric[1];
    return nullptr;
}

namespace {

/// <0, 0, >0: the NUL-terminated `a` sorts before, equals, or sorts after `k` (bytewise, as the
/// generator sorted the keyword index), never reading past a's NUL and with no strlen.
int compare_keyword(const char *a, std::string_view k) noexcept {
    for (size_t i = 0; i < k.size(); ++i) {
        const unsigned char ca = static_cast<unsigned char>(a[i]), ck = static_cast<unsigned char>(k[i]);
        if (ca == 0) return -1;  // a ends first
        if (ca != ck) return ca < ck ? -1 : 1;
    }
    return a[k.size()] == '\0' ? 0 : 1;
}

/// Binary search of the generated keyword index: touches ~12 entries, so in a size-optimized build
/// only the name chunks on its path are inflated.
const DictEntry *find_keyword_sorted(std::string_view keyword) noexcept {
    size_t lo = 0, hi = detail::kDictByKeywordCount;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const DictEntry &e = keyword_entry(detail::kDictByKeyword[mid]);
        const int c = compare_keyword(e.keyword(), keyword);
        if (c == 0) return &e;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return nullptr;
}

/// Keyword -> entry when the names are not deflated: open addressing over the generated index,
/// 16,384 slots of an entry number and 16 bits of the hash (64 KB, built at the first lookup; PS3.6
/// has ~5,000 keywords, so under a third are taken), so a
/// lookup compares one keyword in the common case (C keyword access costs a tag access plus ~10 ns).
class KeywordHash {
public:
    KeywordHash() noexcept {
        for (size_t i = 0; i < detail::kDictByKeywordCount; ++i) {
            const uint16_t entry = detail::kDictByKeyword[i];
            const std::string_view k = keyword_entry(entry).keyword();
            const uint32_t h = hash(k);
            size_t at = h & (kSlots - 1);
            while (slots_[at].entry != kEmpty) at = (at + 1) & (kSlots - 1);
            slots_[at] = Slot{entry, uint16_t(h >> 16)};
        }
    }
    const DictEntry *find(std::string_view k) const noexcept {
        const uint32_t h = hash(k);
        for (size_t at = h & (kSlots - 1);; at = (at + 1) & (kSlots - 1)) {
            const Slot &s = slots_[at];
            if (s.entry == kEmpty) return nullptr;
            if (s.tag == uint16_t(h >> 16)) {
                const DictEntry &e = keyword_entry(s.entry);
                if (compare_keyword(e.keyword(), k) == 0) return &e;
            }
        }
    }

private:
    static constexpr size_t kSlots = 16384;
    static constexpr uint16_t kEmpty = 0xFFFF;
    struct Slot {
        uint16_t entry = kEmpty;
        uint16_t tag = 0;
    };
    static uint32_t hash(std::string_view k) noexcept {  // FNV-1a; keywords are ~20 ASCII letters
        uint32_t h = 2166136261u;
        for (const char c : k) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
        return h ^ (h >> 15);
    }
    Slot slots_[kSlots];
};

}  // namespace

const DictEntry *dict_find(std::string_view keyword) noexcept {
    if (keyword.empty()) return nullptr;
    if (detail::kElementText.ends) return find_keyword_sorted(keyword);  // deflated names: stay lazy
    static const KeywordHash index;  // built once, thread-safe
    return index.find(keyword);
}

VR dict_vr(Tag tag) noexcept {
    const DictEntry *e = dict_find(tag);
    return (e && e->vr != VR::None) ? e->vr : VR::UN;
}

const char *dict_keyword(Tag tag) noexcept {
    const DictEntry *e = dict_find(tag);
    return e ? e->keyword() : "";
}

const PrivateDictEntry *private_dict_find(std::string_view creator, Tag tag) noexcept {
    if (!tag.is_private() || tag.element() < 0x1000) return nullptr;
    // The creator is an LO value: trailing spaces and NULs are padding, leading spaces are not
    // significant (PS3.5 6.2).
    while (!creator.empty() && (creator.back() == ' ' || creator.back() == '\0')) creator.remove_suffix(1);
    while (!creator.empty() && creator.front() == ' ') creator.remove_prefix(1);
    const uint8_t elem = uint8_t(tag.element() & 0xFF);
    const uint16_t group = tag.group();
    // The creator first (a plain table), then its entries, sorted by element byte and first group.
    const detail::PrivateCreator *cb = detail::kPrivateCreators, *ce = cb + detail::kPrivateCreatorCount;
    const detail::PrivateCreator *c = std::lower_bound(cb, ce, creator, [](const detail::PrivateCreator &p, std::string_view v) {
        return std::string_view(detail::kCreatorText + p.text) < v;
    });
    if (c == ce || creator != detail::kCreatorText + c->text) return nullptr;
    size_t lo = c->first, hi = c + 1 == ce ? detail::kPrivateDictCount : c[1].first;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (private_entry(mid).element < elem) lo = mid + 1;
        else hi = mid;
    }
    const size_t end = c + 1 == ce ? detail::kPrivateDictCount : c[1].first;
    for (; lo < end; ++lo) {
        const PrivateDictEntry &e = private_entry(lo);
        if (e.element != elem) break;
        if (group >= e.group && group <= e.group_last) return &e;
    }
    return nullptr;
}

const PrivateDictEntry *private_dict_table(size_t &count) noexcept {
    count = detail::kPrivateDictCount;
    return reinterpret_cast<const PrivateDictEntry *>(detail::blob_all(detail::kPrivateEntries));
}

const UidEntry *uid_find(std::string_view uid) noexcept {
    const UidEntry *end = kUids + kUidCount;
    const UidEntry *it = std::lower_bound(kUids, end, uid,
                                          [](const UidEntry &e, std::string_view u) { return std::string_view(e.uid()) < u; });
    if (it != end && std::string_view(it->uid()) == uid) return it;
    return nullptr;
}

const UidEntry *uid_find_keyword(std::string_view keyword) noexcept {
    for (size_t i = 0; i < kUidCount; ++i)
        if (keyword == kUids[i].keyword()) return &kUids[i];
    return nullptr;
}

const UidEntry *uid_table(size_t &count) noexcept {
    count = kUidCount;
    return kUids;
}

const char *const *storage_sop_class_table(size_t &count) noexcept {
    count = detail::kStorageSopClassCount;
    return detail::kStorageSopClasses;
}

bool is_storage_sop_class(std::string_view uid) noexcept {
    const char *const *begin = detail::kStorageSopClasses, *const *end = begin + detail::kStorageSopClassCount;
    auto it = std::lower_bound(begin, end, uid, [](const char *a, std::string_view u) { return std::string_view(a) < u; });
    return it != end && std::string_view(*it) == uid;
}

static TransferSyntax from_entry(const UidEntry &e) {
    TransferSyntax ts;
    ts.uid = e.uid();
    ts.name = e.name();
    ts.explicit_vr = e.flags & kTsExplicitVr;
    ts.big_endian = e.flags & kTsBigEndian;
    ts.deflated = e.flags & kTsDeflated;
    ts.encapsulated = e.flags & kTsEncapsulated;
    ts.lossy = e.flags & kTsLossy;
    ts.retired = e.retired;
    ts.known = true;
    return ts;
}

TransferSyntax TransferSyntax::from_uid(std::string_view uid) noexcept {
    const UidEntry *e = uid_find(uid);
    if (e && (e->flags & kTsIsTransferSyntax)) return from_entry(*e);
    TransferSyntax ts;
    ts.uid = uid;
    ts.name = "unknown transfer syntax";
    ts.encapsulated = true;
    return ts;
}

TransferSyntax TransferSyntax::parse(std::string_view s) {
    std::string lower(s);
    for (char &c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    static const struct { const char *alias; const char *uid; } kAliases[] = {
        {"implicit", uids::ImplicitVRLittleEndian}, {"little", uids::ExplicitVRLittleEndian},
        {"explicit", uids::ExplicitVRLittleEndian}, {"big", uids::ExplicitVRBigEndian},
        {"deflate", uids::DeflatedExplicitVRLittleEndian}, {"deflated", uids::DeflatedExplicitVRLittleEndian},
        {"rle", "1.2.840.10008.1.2.5"},
        {"jpeg", "1.2.840.10008.1.2.4.50"}, {"jpeg-baseline", "1.2.840.10008.1.2.4.50"},
        {"jpeg-extended", "1.2.840.10008.1.2.4.51"},
        {"jpeg-lossless", "1.2.840.10008.1.2.4.70"}, {"jpeg-lossless-sv1", "1.2.840.10008.1.2.4.70"},
        {"jpeg-lossless-14", "1.2.840.10008.1.2.4.57"},
        {"jpegls", "1.2.840.10008.1.2.4.80"}, {"jpeg-ls", "1.2.840.10008.1.2.4.80"},
        {"jpegls-near", "1.2.840.10008.1.2.4.81"}, {"jpeg-ls-near", "1.2.840.10008.1.2.4.81"},
        {"j2k-lossless", "1.2.840.10008.1.2.4.90"}, {"jpeg2000-lossless", "1.2.840.10008.1.2.4.90"},
        {"j2k", "1.2.840.10008.1.2.4.91"}, {"jpeg2000", "1.2.840.10008.1.2.4.91"},
        {"htj2k-lossless", "1.2.840.10008.1.2.4.201"}, {"htj2k-rpcl", "1.2.840.10008.1.2.4.202"},
        {"htj2k", "1.2.840.10008.1.2.4.203"},
    };
    for (const auto &a : kAliases)
        if (lower == a.alias) return from_entry(*uid_find(a.uid));
    const UidEntry *e = uid_find(s);
    if (!e) e = uid_find_keyword(s);
    if (e && (e->flags & kTsIsTransferSyntax)) return from_entry(*e);
    throw Error(Errc::invalid_argument, "unknown transfer syntax '" + std::string(s) + "'");
}

}  // namespace dcmkit
