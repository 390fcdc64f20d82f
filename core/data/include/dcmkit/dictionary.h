// dcmkit — the PS3.6 data dictionary, UID registry and transfer syntax properties, generated at
// build time from core/data/standard/*.tsv.
#pragma once

#include <cstdint>
#include <string_view>

#include "dcmkit/tag.h"
#include "dcmkit/uids.h"  // dcmkit::uids::ExplicitVRLittleEndian… (generated from the registry)

namespace dcmkit {

/// One row of PS3.6 Table 6-1 (or 7-1/E.1-1), as stored in the library's constant tables: strings
/// are offsets into one string pool per table (no pointers, so nothing to relocate at load time;
/// size-optimized builds keep the big pools deflated until first used). The accessors return
/// static NUL-terminated strings that live as long as the program; the `_` members are internal.
struct DictEntry {
    uint32_t tag;      ///< tag with the repeating digits set to zero (e.g. 0x60000010 for 60xx,0010)
    uint32_t text_;    ///< internal: offset of "keyword\0name\0" in the element string pool
    VR vr;             ///< first VR given by PS3.6 ("OB or OW" -> OB), VR::None for items
    VR vr_alt;         ///< second VR when PS3.6 gives a choice ("OB or OW" -> OW), else VR::None
    uint8_t vm_;       ///< internal: offset of the VM in the VM pool
    uint8_t mask_;     ///< internal: which digits repeat (0 for a plain entry)
    bool retired;

    /// Bits of `tag` that are fixed (0xFFFFFFFF for a plain entry).
    uint32_t mask() const noexcept;
    /// Value multiplicity, e.g. "1", "1-n", "2-2n".
    const char *vm() const noexcept;
    const char *keyword() const noexcept;
    const char *name() const noexcept;
};

/// Looks up a tag: exact entries, then repeating groups (50xx, 60xx, …), then the generic rules for
/// group lengths (gggg,0000 → UL) and private creators (gggg,0010-00FF → LO). Returns nullptr for
/// private data elements and unknown tags.
const DictEntry *dict_find(Tag tag) noexcept;
/// Looks up a keyword (e.g. "PatientName"). Returns nullptr when unknown.
const DictEntry *dict_find(std::string_view keyword) noexcept;
/// The VR to use in implicit VR for `tag`: the dictionary's first choice, UN when unknown.
VR dict_vr(Tag tag) noexcept;
/// Keyword for a tag, "" when unknown.
const char *dict_keyword(Tag tag) noexcept;

/// One row of the vendors' private dictionary (core/data/standard/private.tsv, from DCMTK's private.dic
/// and pydicom's private dictionary): the element at byte `element` of a block reserved by
/// `creator` in any odd group from `group` to `group_last` (PS3.5 7.8.1).
struct PrivateDictEntry {
    uint32_t text_;        ///< internal: offset of "keyword\0name\0" in the private string pool
    uint16_t creator_;     ///< internal: offset of the creator in the creator pool
    uint16_t group;        ///< first group
    uint16_t group_last;   ///< last group (== group for most rows)
    VR vr;
    uint8_t element;       ///< element byte within the block: (gggg,xxEE) -> EE
    uint8_t vm_;           ///< internal: offset of the VM in the VM pool

    /// Private Creator value, e.g. "SIEMENS CSA HEADER" (exact, case-sensitive).
    const char *creator() const noexcept;
    const char *vm() const noexcept;
    /// As DCMTK's dcmdump prints it, e.g. "CSAImageHeaderInfo".
    const char *keyword() const noexcept;
    /// E.g. "CSA Image Header Info".
    const char *name() const noexcept;
};

/// Looks up private data element `tag` (gggg,xxEE) in the block of `creator` (the value of
/// (gggg,00xx); padding is ignored). Returns nullptr for non-private tags, private creators and
/// unknown creators or elements.
const PrivateDictEntry *private_dict_find(std::string_view creator, Tag tag) noexcept;
/// Every row, sorted by creator, element byte and group; `count` receives the number of rows.
const PrivateDictEntry *private_dict_table(size_t &count) noexcept;

/// Transfer syntax property flags (PS3.5 Section 10 and Annex A).
enum TsFlags : uint32_t {
    kTsIsTransferSyntax = 1u << 0,
    kTsExplicitVr = 1u << 1,
    kTsBigEndian = 1u << 2,
    kTsDeflated = 1u << 3,
    kTsEncapsulated = 1u << 4,
    kTsLossy = 1u << 5,
};

/// One row of PS3.6 Table A-1.
struct UidEntry {
    uint32_t text_;     ///< internal: offset of "uid\0keyword\0name\0" in the UID string pool
    uint32_t flags;     ///< TsFlags for transfer syntaxes, 0 otherwise
    uint16_t type_;     ///< internal: offset of the type in the pool of types and info texts
    uint16_t info_;     ///< internal: offset of the info text in that pool
    bool retired;

    const char *uid() const noexcept;
    const char *keyword() const noexcept;
    const char *name() const noexcept;
    /// "SOP Class", "Transfer Syntax", "Well-known SOP Instance", …
    const char *type() const noexcept;
    /// E.g. "Default Transfer Syntax for DICOM".
    const char *info() const noexcept;
};

const UidEntry *uid_find(std::string_view uid) noexcept;
const UidEntry *uid_find_keyword(std::string_view keyword) noexcept;
/// Every registry row, in UID order; `count` receives the number of rows.
const UidEntry *uid_table(size_t &count) noexcept;

/// Storage SOP class UIDs (PS3.4 Table B.5-1 and retired storage classes), in UID order.
const char *const *storage_sop_class_table(size_t &count) noexcept;
bool is_storage_sop_class(std::string_view uid) noexcept;

/// Properties of a transfer syntax, as the reader and writer need them.
struct TransferSyntax {
    std::string_view uid;
    std::string_view name;
    bool explicit_vr = true;
    bool big_endian = false;
    bool deflated = false;
    bool encapsulated = false;
    bool lossy = false;
    bool retired = false;
    bool known = false;   ///< found in the registry

    /// Looks up a UID; an unknown UID is assumed to be explicit VR little endian encapsulated
    /// (PS3.5 10.1: every transfer syntax other than the native ones encapsulates pixel data).
    static TransferSyntax from_uid(std::string_view uid) noexcept;
    /// Accepts a UID, a registry keyword ("ExplicitVRLittleEndian") or a short alias
    /// ("implicit", "explicit", "big", "deflate", "rle", "jpeg", "jpeg-extended", "jpeg-lossless",
    /// "jpeg-lossless-14", "jpegls", "jpegls-near", "j2k-lossless", "j2k", "htj2k-lossless",
    /// "htj2k-rpcl", "htj2k"). Throws Error(invalid_argument) when unknown.
    static TransferSyntax parse(std::string_view name_or_uid);
};


}  // namespace dcmkit
