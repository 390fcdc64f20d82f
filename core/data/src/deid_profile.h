// dcmkit — the PS3.15 Table E.1-1 profile table and the Table E.3.10-1 safe private attributes,
// generated from standard/deid_profile.tsv and standard/safe_private.tsv by tools/gen_deid_profile.py
// (deid_profile_data.cpp in the build folder).
#pragma once

#include <cstddef>
#include <cstdint>

namespace dcmkit::deid_detail {

/// Action columns of Table E.1-1, in the table's order.
enum Column : int {
    kBasic = 0, kRtnSafePriv, kRtnUids, kRtnDevId, kRtnInstId, kRtnPatChars, kRtnLongFullDates,
    kRtnLongModifDates, kCleanDesc, kCleanStructCont, kCleanGraph, kColumnCount
};

struct ProfileRow {
    uint32_t tag;   ///< with the wildcard digits (xx) zero
    uint32_t mask;  ///< 0xFFFFFFFF, or with the wildcard digits clear
    const char *name;
    const char *actions[kColumnCount];  ///< "" where the column says nothing
};

extern const ProfileRow kProfile[];
extern const size_t kProfileCount;

/// A row of Table E.3.10-1: (group, xx + offset) in the block of `creator`.
struct SafePrivateRow {
    const char *creator;
    uint16_t group;
    uint8_t offset;
    const char *vr;  ///< "" where the table gives none
    const char *name;
};

extern const SafePrivateRow kSafePrivateRows[];
extern const size_t kSafePrivateCount;

}  // namespace dcmkit::deid_detail
