// dcmkit — tags and value representations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dcmkit {

/// A data element tag (group, element) packed as 0xGGGGEEEE, so tags sort in file order.
struct Tag {
    uint32_t value = 0;

    constexpr Tag() = default;
    constexpr explicit Tag(uint32_t v) : value(v) {}
    constexpr Tag(uint16_t group, uint16_t element) : value((uint32_t(group) << 16) | element) {}

    constexpr uint16_t group() const { return uint16_t(value >> 16); }
    constexpr uint16_t element() const { return uint16_t(value & 0xFFFFu); }
    /// PS3.5 7.8.1: odd groups other than 0001, 0003, 0005, 0007 and FFFF are private.
    constexpr bool is_private() const {
        return (group() & 1u) && group() > 0x0007u && group() != 0xFFFFu;
    }
    /// A Private Creator element (gggg,0010-00FF) of a private group.
    constexpr bool is_private_creator() const {
        return is_private() && element() >= 0x0010u && element() <= 0x00FFu;
    }
    /// Group length element (gggg,0000).
    constexpr bool is_group_length() const { return element() == 0; }

    friend constexpr bool operator==(Tag a, Tag b) { return a.value == b.value; }
    friend constexpr bool operator!=(Tag a, Tag b) { return a.value != b.value; }
    friend constexpr bool operator<(Tag a, Tag b) { return a.value < b.value; }
    friend constexpr bool operator<=(Tag a, Tag b) { return a.value <= b.value; }
    friend constexpr bool operator>(Tag a, Tag b) { return a.value > b.value; }

    /// "(0010,0010)"
    std::string str() const;
    /// Parses "(0010,0010)", "0010,0010" or "00100010"; throws Error(bad_value) otherwise.
    static Tag parse(std::string_view text);
};

namespace tags {
// The handful of tags the core itself needs; the rest are looked up through the dictionary.
constexpr Tag FileMetaInformationGroupLength{0x0002, 0x0000};
constexpr Tag FileMetaInformationVersion{0x0002, 0x0001};
constexpr Tag MediaStorageSOPClassUID{0x0002, 0x0002};
constexpr Tag MediaStorageSOPInstanceUID{0x0002, 0x0003};
constexpr Tag TransferSyntaxUID{0x0002, 0x0010};
constexpr Tag ImplementationClassUID{0x0002, 0x0012};
constexpr Tag ImplementationVersionName{0x0002, 0x0013};
constexpr Tag SourceApplicationEntityTitle{0x0002, 0x0016};
constexpr Tag SpecificCharacterSet{0x0008, 0x0005};
constexpr Tag SOPClassUID{0x0008, 0x0016};
constexpr Tag SOPInstanceUID{0x0008, 0x0018};
constexpr Tag SamplesPerPixel{0x0028, 0x0002};
constexpr Tag NumberOfFrames{0x0028, 0x0008};
constexpr Tag Rows{0x0028, 0x0010};
constexpr Tag Columns{0x0028, 0x0011};
constexpr Tag BitsAllocated{0x0028, 0x0100};
constexpr Tag ExtendedOffsetTable{0x7FE0, 0x0001};
constexpr Tag ExtendedOffsetTableLengths{0x7FE0, 0x0002};
constexpr Tag FloatPixelData{0x7FE0, 0x0008};
constexpr Tag DoubleFloatPixelData{0x7FE0, 0x0009};
constexpr Tag PixelData{0x7FE0, 0x0010};
constexpr Tag Item{0xFFFE, 0xE000};
constexpr Tag ItemDelimitationItem{0xFFFE, 0xE00D};
constexpr Tag SequenceDelimitationItem{0xFFFE, 0xE0DD};
}  // namespace tags

/// The 34 value representations of PS3.5 Table 6.2-1, plus `None` for item/delimiter tags
/// and unknown dictionary entries.
enum class VR : uint16_t {
    None = 0,
    AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN,
    SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV,
};

/// Two-letter code, "??" for None.
const char *vr_name(VR vr) noexcept;
/// Parses two ASCII letters; returns VR::None when they name no VR.
VR vr_from_chars(char a, char b) noexcept;
inline VR vr_from_string(std::string_view s) noexcept {
    return s.size() == 2 ? vr_from_chars(s[0], s[1]) : VR::None;
}

/// PS3.5 7.1.2: VRs whose explicit-VR header has 2 reserved bytes and a 32-bit length.
bool vr_has_long_length(VR vr) noexcept;
/// Character-string VRs (values are text, padded with a space).
bool vr_is_string(VR vr) noexcept;
/// String VRs whose values are affected by Specific Character Set (SH, LO, ST, LT, PN, UC, UT).
bool vr_uses_charset(VR vr) noexcept;
/// String VRs that hold one value, where backslash is not a delimiter (LT, ST, UT, UR).
bool vr_is_single_valued_text(VR vr) noexcept;
/// Size of one binary value (2 for US/SS/OW, 4 for UL/SL/FL/OF/OL/AT, 8 for FD/OD/SV/UV/OV), 1 for
/// OB/UN, 0 for strings and SQ. This is also the unit to swap when changing byte order.
unsigned vr_value_size(VR vr) noexcept;
/// Padding byte for odd-length values: NUL for UI and binary VRs, space for other strings.
char vr_padding(VR vr) noexcept;

}  // namespace dcmkit
