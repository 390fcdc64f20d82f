// dcmkit services — PS3.4 C.2.2.2 attribute matching on UTF-8 values (internal: the pieces the
// archive's SQLite index compiles its keys with).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/services/matching.h"

namespace dcmkit::matching::detail {

/// Simple case folding of UTF-8 text: ASCII, Latin-1 Supplement, Latin Extended-A, Greek, Cyrillic and
/// fullwidth Latin letters. Other characters (and invalid bytes) pass through unchanged.
std::string fold_case(std::string_view utf8);
/// "*" (any sequence of characters, including none) and "?" (exactly one character) over UTF-8 code
/// points; every other character matches itself.
bool wildcard_match(std::string_view pattern, std::string_view text);
bool has_wildcard(std::string_view s);
/// The parts with `sep` between them (a vector of std::string or std::string_view).
template <class Parts>
std::string join(const Parts &parts, char sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}
/// PN normalized for comparison: components trimmed, trailing empty components and groups removed.
std::string normalize_pn(std::string_view pn);

/// Comparable keys of DA/TM/DT values ("" when the value does not parse). `upper` fills absent
/// components with their maximum (the end of the value's precision), otherwise with their minimum.
std::string da_key(std::string_view da);
std::string tm_key(std::string_view tm, bool upper);
/// DT: local wall-clock key "YYYYMMDDHHMMSS.ffffff"; `utc` receives the same in UTC when the value has
/// an offset (else it is left empty).
std::string dt_key(std::string_view dt, bool upper, std::string *utc = nullptr);

/// One alternative of a key: a value between backslashes.
struct Alternative {
    enum Type { single, wildcard, range, empty } type = single;
    std::string value;   ///< single (normalized: folded PN, trimmed) or wildcard pattern
    std::string lo, hi;  ///< range bounds as comparable keys; "" = open (also single DA/TM/DT: lo..hi)
    std::string lo_utc, hi_utc;  ///< DT bounds in UTC when they carried an offset
    bool is_range_form = false;  ///< written as a range ("a-b", "-b", "a-"), not a single value
};

/// A compiled key: how to match entity values of one attribute.
class KeyMatcher {
public:
    /// Compiles a key value (UTF-8, as Dataset::get_string returns it). Throws
    /// QueryError(unable_to_process) for a DA/TM/DT value that does not parse.
    static KeyMatcher compile(VR vr, std::string_view key, const FindOptions &options, Tag tag);
    /// A combined date+time range (C.2.2.2.5): matches "YYYYMMDD" + tm_key(time) values.
    /// Returns false (and leaves `out` alone) when the two keys are not of the same form.
    static bool compile_combined(std::string_view date_key_text, std::string_view time_key_text, Tag tag,
                                 KeyMatcher &out);

    bool universal() const noexcept { return universal_; }
    VR vr() const noexcept { return vr_; }
    bool pn_fold() const noexcept { return fold_; }
    const std::vector<Alternative> &alternatives() const noexcept { return alts_; }

    /// One entity value (UTF-8, trimmed; for DA/TM/DT the raw value, not a key).
    bool matches(std::string_view value) const;
    /// A multi-valued (or absent: empty list) entity attribute: any value matches.
    bool matches_any(const std::vector<std::string> &values) const;
    /// An entity value already turned into a comparable key (DA/TM/DT keys, combined date+time).
    bool matches_key(std::string_view key, std::string_view key_utc = {}) const;

private:
    VR vr_ = VR::None;
    bool universal_ = true;
    bool fold_ = false;
    bool combined_ = false;
    std::vector<Alternative> alts_;
};

/// The keys of an identifier compiled once, matched against many datasets.
class CompiledKeys {
public:
    /// `skip` says which top-level tags to leave out (e.g. the ones an index already matched).
    static CompiledKeys compile(const Dataset &identifier, const FindOptions &options,
                                bool (*skip)(Tag, const void *) = nullptr, const void *skip_arg = nullptr);
    bool matches(const Dataset &entity) const;
    bool empty() const noexcept { return keys_.empty(); }
    /// The compiled item of a sequence key (nullptr when the key is not a sequence, or is universal).
    const CompiledKeys *item_keys(Tag sequence) const;

private:
    struct Key {
        Tag tag;
        Tag time_tag{0xFFFFFFFFu};  ///< combined date+time: the time attribute
        bool sequence = false;
        KeyMatcher matcher;
        std::shared_ptr<CompiledKeys> item;  ///< sequence matching; null = universal
    };
    std::vector<Key> keys_;
};

/// Tags never matched nor copied by projection (Specific Character Set, Query/Retrieve Level…).
bool is_control_key(Tag tag) noexcept;

/// Copies `tag` of `entity` into `out` (text re-encoded in out's character set; binary values copied;
/// zero-length element of `vr` when the entity lacks it).
void copy_attribute(const Dataset &entity, Tag tag, VR vr, Dataset &out);
/// Builds the response attributes for the keys of `identifier` from `entity` (sequence keys: the items
/// matching the key item, reduced to its keys; an empty key item returns whole items).
void project(const Dataset &entity, const Dataset &identifier, const CompiledKeys *compiled, Dataset &out);
/// Deep copy with text re-encoded in out's character set.
void copy_dataset(const Dataset &src, Dataset &out);

}  // namespace dcmkit::matching::detail
