// dcmkit C++ wrapper: tags (dk::Tag), the data dictionary, the private dictionary and the UID
// registry (dk_dictionary.h).
#ifndef DCMKIT_DICTIONARY_HPP
#define DCMKIT_DICTIONARY_HPP

#include <cstdint>
#include <string>

#include "dcmkit/common.hpp"
#include "dcmkit/dk_dictionary.h"

namespace dk {

// -- tags and the dictionary ---------------------------------------------------------------------

/// A tag, 0xGGGGEEEE. Converts from and to uint32_t, so `dk::Tag t = 0x00100010;` works.
struct Tag {
    uint32_t value = 0;
    constexpr Tag() = default;
    constexpr Tag(uint32_t v) : value(v) {}  // NOLINT: implicit by design
    constexpr Tag(uint16_t group, uint16_t element) : value(DK_TAG(group, element)) {}
    constexpr operator uint32_t() const { return value; }  // NOLINT
    constexpr uint16_t group() const { return uint16_t(value >> 16); }
    constexpr uint16_t element() const { return uint16_t(value & 0xFFFFu); }
    constexpr bool is_private() const { return (group() & 1u) != 0; }
    /// "(0010,0010)", lower-case hexadecimal as DCMTK prints it.
    std::string str() const {
        static const char hex[] = "0123456789abcdef";
        char s[12] = "(gggg,eeee)";
        for (int i = 0; i < 4; ++i) {
            s[1 + i] = hex[(value >> (28 - 4 * i)) & 0xF];
            s[6 + i] = hex[(value >> (12 - 4 * i)) & 0xF];
        }
        return s;
    }
};

/// The tag of a keyword ("PatientName") or of "(0010,0010)", "0010,0010", "00100010" text.
/// Throws NotFoundError for an unknown keyword.
inline Tag tag(const std::string &keyword) {
    uint32_t t = 0;
    check(dk_tag_from_keyword(&t, keyword.c_str()));
    return Tag(t);
}
/// Like tag(), but returns false instead of throwing when the keyword is unknown.
inline bool find_tag(const std::string &keyword, Tag &out) noexcept {
    uint32_t t = 0;
    if (dk_tag_from_keyword(&t, keyword.c_str()) != DK_OK) return false;
    out = Tag(t);
    return true;
}
/// The keyword of a tag ("PatientName"); "" for private and unknown tags (no exception).
inline std::string keyword(Tag t) {
    const char *k = nullptr;
    return dk_tag_keyword(&k, t) == DK_OK && k ? k : "";
}
/// The name of a tag ("Patient's Name"); "" for private and unknown tags (no exception).
inline std::string tag_name(Tag t) {
    const char *n = nullptr;
    return dk_tag_name(&n, t) == DK_OK && n ? n : "";
}
/// The dictionary VR of a tag ("PN"; "UN" when unknown).
inline std::string dictionary_vr(Tag t) {
    char vr[3] = {0, 0, 0};
    check(dk_tag_vr(vr, t));
    return vr;
}

/// A private data element in the vendors' private dictionary (DCMTK's and pydicom's).
struct PrivateTagInfo {
    std::string vr;       ///< "OB"
    std::string keyword;  ///< "CSAImageHeaderInfo", as dcmdump prints it
    std::string name;     ///< "CSA Image Header Info"
};
/// Looks up private data element `t` (gggg,xxEE) in the block of `creator` (the value of
/// (gggg,00xx)); false when the private dictionary does not know it.
inline bool find_private_tag(const std::string &creator, Tag t, PrivateTagInfo &out) {
    char vr[3] = {0, 0, 0};
    const char *k = nullptr, *n = nullptr;
    if (dk_private_tag_lookup(vr, &k, &n, creator.c_str(), t) != DK_OK) return false;
    out.vr = vr;
    out.keyword = k ? k : "";
    out.name = n ? n : "";
    return true;
}

/// A registered UID (PS3.6 Annex A).
struct UidInfo {
    std::string name;     ///< "CT Image Storage"
    std::string keyword;  ///< "CTImageStorage"
    std::string type;     ///< "SOP Class", "Transfer Syntax", …
};
/// The registry entry of `uid`. Throws NotFoundError when it is not registered.
inline UidInfo uid_info(const std::string &uid) {
    const char *name = nullptr, *kw = nullptr, *type = nullptr;
    check(dk_uid_lookup(&name, &kw, &type, uid.c_str()));
    return UidInfo{name ? name : "", kw ? kw : "", type ? type : ""};
}
/// The name of a registered UID, or "" (no exception).
inline std::string uid_name(const std::string &uid) {
    const char *name = nullptr;
    return dk_uid_lookup(&name, nullptr, nullptr, uid.c_str()) == DK_OK && name ? name : "";
}
/// A new UID under 2.25 (from a random UUID).
inline std::string generate_uid() {
    char buf[80] = {0};
    check(dk_uid_generate(buf, sizeof buf));
    return buf;
}
/// True when `uid` is a syntactically valid UID (PS3.5 9.1).
inline bool is_valid_uid(const std::string &uid) { return dk_uid_is_valid(uid.c_str()) == 1; }
/// The DK_TS_* bits of a transfer syntax (UID, keyword or alias): explicit VR, big endian,
/// deflated, encapsulated… InvalidArgumentError for an unknown name.
inline uint32_t transfer_syntax_flags(const std::string &transfer_syntax) {
    uint32_t flags = 0;
    check(dk_transfer_syntax_flags(&flags, transfer_syntax.c_str()));
    return flags;
}

}  // namespace dk

#endif  // DCMKIT_DICTIONARY_HPP
