// dcmkit — DICOMDIR internals shared by its reader and writer.
#pragma once

#include <cstdint>
#include <vector>

#include "dcmkit/tag.h"

namespace dcmkit::dicomdir_detail {

constexpr Tag kFileSetID{0x0004, 0x1130};
constexpr Tag kFirstRecordOffset{0x0004, 0x1200};
constexpr Tag kLastRecordOffset{0x0004, 0x1202};
constexpr Tag kFileSetConsistencyFlag{0x0004, 0x1212};
constexpr Tag kDirectoryRecordSequence{0x0004, 0x1220};
constexpr Tag kNextRecordOffset{0x0004, 0x1400};
constexpr Tag kRecordInUseFlag{0x0004, 0x1410};
constexpr Tag kLowerLevelOffset{0x0004, 0x1420};
constexpr Tag kDirectoryRecordType{0x0004, 0x1430};
constexpr Tag kReferencedFileID{0x0004, 0x1500};
constexpr Tag kReferencedSOPClassUIDInFile{0x0004, 0x1510};
constexpr Tag kReferencedSOPInstanceUIDInFile{0x0004, 0x1511};
constexpr Tag kReferencedTransferSyntaxUIDInFile{0x0004, 0x1512};

/// Byte offsets (from the first byte of `data`) of the Item tags of the top-level Directory Record
/// Sequence (0004,1220) of an Explicit VR Little Endian dataset starting at `dataset_offset`.
/// Throws Error (truncated, malformed, bad_vr, too_deep) on bytes that do not parse.
std::vector<uint64_t> record_item_offsets(const uint8_t *data, size_t size, uint64_t dataset_offset);

}  // namespace dcmkit::dicomdir_detail
