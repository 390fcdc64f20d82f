// dcmkit services — PS3.4 C.2.2.2 attribute matching of a C-FIND identifier against a dataset, and
// the failure a Query/Retrieve SCP reports for an identifier it cannot match (the rules are listed in
// dcmkit/archive.h, whose index uses this matcher for worklists and header keys).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"

namespace dcmkit::matching {

/// A failure the SCP reports as a C-FIND/C-MOVE/C-GET status (PS3.4 C.4.1.1.4, C.4.2.1.5, C.4.3.1.4):
/// Errc::invalid_argument for the caller, plus the kind, the Offending Element (0000,0901) (tag(),
/// 0xFFFFFFFF when none) and an Error Comment (0000,0902) (message()).
class QueryError : public Error {
public:
    enum class Kind {
        identifier_does_not_match_sop_class,  ///< A900: missing/invalid level, a key the model forbids
        unable_to_process,                    ///< C000: a key value that cannot be parsed, a store failure
    };
    QueryError(Kind kind, const std::string &message, Tag offending = Tag(0xFFFFFFFFu));
    Kind kind() const noexcept { return kind_; }
    /// 0xA900 or 0xC000.
    uint16_t status() const noexcept;

private:
    Kind kind_;
};

/// Matching options: the extended negotiation the SCP accepted, and implementation choices.
struct FindOptions {
    bool pn_case_insensitive = true;  ///< PN matching ignores letter case (C.2.2.2.1 allows either)
    bool combined_datetime = false;   ///< C.2.2.2.5 combined date and time range matching
    bool empty_value_matching = false;///< C.2.2.2.7: a key of "" matches empty/absent values
    bool respond_in_query_charset = false;  ///< answer in the identifier's (0008,0005) when possible
    size_t limit = 0;                 ///< stop after this many matches (0: all)
};

/// Matches one entity (a dataset: a worklist entry, a stored file's header) against the keys of an
/// identifier (used by the Query/Retrieve SCP's worklist matching, and by the archive's SqliteIndex
/// for worklists and header keys; exposed for other Index implementations). Specific Character Set
/// and Query/Retrieve Level are not matched. Throws QueryError(unable_to_process) for an unparsable
/// key value.
bool match_dataset(const Dataset &entity, const Dataset &identifier, const FindOptions &options = {});

}  // namespace dcmkit::matching
