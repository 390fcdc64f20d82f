#include "dcmkit/dictionary.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "dcmkit/error.h"
#include "dictionary_tables.h"

namespace dcmkit {

using detail::kDictExact;
using detail::kDictExactCount;
using detail::kDictRepeating;
using detail::kDictRepeatingCount;
using detail::kUids;
using detail::kUidCount;

namespace {

// Generic entries for tags PS3.6 describes by rule rather than by row.
constexpr DictEntry kGroupLength{0x00000000u, 0x0000FFFFu, VR::UL, VR::None, "1", "GenericGroupLength",
                                 "Generic Group Length", true};
constexpr DictEntry kPrivateCreator{0x00010010u, 0x000100F0u, VR::LO, VR::None, "1", "PrivateCreator",
                                    "Private Creator", false};

// Keyword -> entry: an open-addressing hash table built once (the keyword hashed 8 bytes a step; each slot
// keeps the hash and length, so a lookup compares one keyword in the common case, without strlen).
// A keyword listed twice keeps its first entry (the exact table before the repeating one).
struct KeywordIndex {
    struct Slot {
        const DictEntry *entry = nullptr;
        uint32_t hash = 0;
        uint32_t size = 0;
    };
    std::vector<Slot> slots;  // a power of two, at most half full
    size_t mask = 0;

    static uint32_t hash_of(std::string_view k) noexcept {  // 8 bytes a step (keywords: ~20 letters)
        uint64_t h = k.size() * 0x9E3779B97F4A7C15ull;
        size_t i = 0;
        for (; i + 8 <= k.size(); i += 8) {
            uint64_t w;
            std::memcpy(&w, k.data() + i, 8);
            h = (h ^ w) * 0xFF51AFD7ED558CCDull;
            h ^= h >> 29;
        }
        uint64_t w = 0;  // the last 0-7 bytes (a loop, not a memcpy call of variable size)
        for (size_t j = 0; i + j < k.size(); ++j) w |= uint64_t(uint8_t(k[i + j])) << (8 * j);
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
        return uint32_t(h ^ (h >> 32));
    }
    void add(const DictEntry *e) {
        const std::string_view k(e->keyword);
        if (k.empty()) return;
        const uint32_t h = hash_of(k);
        for (size_t i = h & mask;; i = (i + 1) & mask) {
            Slot &s = slots[i];
            if (!s.entry) {
                s = Slot{e, h, uint32_t(k.size())};
                return;
            }
            if (s.hash == h && std::string_view(s.entry->keyword, s.size) == k) return;
        }
    }
    KeywordIndex() {
        size_t n = 1;
        while (n < 2 * (kDictExactCount + kDictRepeatingCount)) n *= 2;
        slots.resize(n);
        mask = n - 1;
        for (size_t i = 0; i < kDictExactCount; ++i) add(&kDictExact[i]);
        for (size_t i = 0; i < kDictRepeatingCount; ++i) add(&kDictRepeating[i]);
    }
    const DictEntry *find(std::string_view k) const noexcept {
        const uint32_t h = hash_of(k);
        for (size_t i = h & mask;; i = (i + 1) & mask) {
            const Slot &s = slots[i];
            if (!s.entry) return nullptr;
            if (s.hash == h && s.size == k.size() && std::memcmp(s.entry->keyword, k.data(), k.size()) == 0)
                return s.entry;
        }
    }
};

const KeywordIndex &keyword_index() {
    static const KeywordIndex index;  // built once, thread-safe (C++11 magic statics)
    return index;
}

}  // namespace

const DictEntry *dict_find(Tag tag) noexcept {
    const uint32_t t = tag.value;
    const DictEntry *end = kDictExact + kDictExactCount;
    const DictEntry *it = std::lower_bound(kDictExact, end, t,
                                           [](const DictEntry &e, uint32_t v) { return e.tag < v; });
    if (it != end && it->tag == t) return it;
    // PS3.5 7.2: element 0000 is the group length in every group, even where a repeating pattern
    // such as (1000,xxx0) or (1010,xxxx) would otherwise cover it.
    if (tag.is_group_length()) return &kGroupLength;
    const bool private_group = tag.is_private();
    if (!private_group) {
        // PS3.5 7.6: repeating groups (50xx, 60xx) use even groups only.
        for (size_t i = 0; i < kDictRepeatingCount; ++i) {
            const DictEntry &e = kDictRepeating[i];
            if ((t & e.mask) == e.tag) return &e;
        }
    }
    if (tag.is_private_creator()) return &kPrivateCreator;
    return nullptr;
}

const DictEntry *dict_find(std::string_view keyword) noexcept {
    if (keyword.empty()) return nullptr;
    return keyword_index().find(keyword);
}

VR dict_vr(Tag tag) noexcept {
    const DictEntry *e = dict_find(tag);
    return (e && e->vr != VR::None) ? e->vr : VR::UN;
}

const char *dict_keyword(Tag tag) noexcept {
    const DictEntry *e = dict_find(tag);
    return e ? e->keyword : "";
}

const PrivateDictEntry *private_dict_find(std::string_view creator, Tag tag) noexcept {
    if (!tag.is_private() || tag.element() < 0x1000) return nullptr;
    // The creator is an LO value: trailing spaces and NULs are padding, leading spaces are not
    // significant (PS3.5 6.2).
    while (!creator.empty() && (creator.back() == ' ' || creator.back() == '\0')) creator.remove_suffix(1);
    while (!creator.empty() && creator.front() == ' ') creator.remove_prefix(1);
    const uint8_t elem = uint8_t(tag.element() & 0xFF);
    const uint16_t group = tag.group();
    const PrivateDictEntry *begin = detail::kPrivateDict, *end = begin + detail::kPrivateDictCount;
    auto key_less = [](std::string_view ca, uint8_t ea, std::string_view cb, uint8_t eb) {
        const int c = ca.compare(cb);
        return c < 0 || (c == 0 && ea < eb);
    };
    const PrivateDictEntry *it = std::lower_bound(begin, end, creator, [&](const PrivateDictEntry &e, std::string_view c) {
        return key_less(e.creator, e.element, c, elem);
    });
    for (; it != end && it->element == elem && creator == it->creator; ++it)
        if (group >= it->group && group <= it->group_last) return it;
    return nullptr;
}

const PrivateDictEntry *private_dict_table(size_t &count) noexcept {
    count = detail::kPrivateDictCount;
    return detail::kPrivateDict;
}

const UidEntry *uid_find(std::string_view uid) noexcept {
    const UidEntry *end = kUids + kUidCount;
    const UidEntry *it = std::lower_bound(kUids, end, uid,
                                          [](const UidEntry &e, std::string_view u) { return std::string_view(e.uid) < u; });
    if (it != end && std::string_view(it->uid) == uid) return it;
    return nullptr;
}

const UidEntry *uid_find_keyword(std::string_view keyword) noexcept {
    for (size_t i = 0; i < kUidCount; ++i)
        if (keyword == kUids[i].keyword) return &kUids[i];
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
    ts.uid = e.uid;
    ts.name = e.name;
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
