// dcmkit — the data model: elements, ordered datasets, sequences, items, typed access.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcmkit/bytes.h"
#include "dcmkit/tag.h"

namespace dcmkit {

class Dataset;
class CharacterSet;

/// A data element. Binary values are held in little endian whatever the transfer syntax they came
/// from; strings are held in the dataset's character set, exactly as encoded.
class Element {
public:
    Element() = default;
    Element(Tag t, VR v) : tag(t), vr(v) {}
    Element(Tag t, VR v, Bytes b) : tag(t), vr(v), value(std::move(b)) {}

    Tag tag;
    VR vr = VR::UN;
    /// The value was (or will be) encoded with undefined length: sequences (their items follow the
    /// sequence) and encapsulated pixel data. The writer keeps it, so that files round-trip unchanged;
    /// the exception is UN of undefined length, which is read as the SQ it holds (PS3.5 6.2.2) and
    /// written back as SQ.
    bool undefined_length = false;
    /// The raw value (empty for sequences and encapsulated pixel data).
    Bytes value;
    /// Items of a sequence (VR SQ).
    std::vector<Dataset> items;
    /// Encapsulated pixel data (PS3.5 A.4): fragments[0] is the Basic Offset Table (possibly empty),
    /// then one entry per fragment.
    std::vector<Bytes> fragments;

    bool is_sequence() const noexcept { return vr == VR::SQ; }
    bool is_encapsulated() const noexcept { return !fragments.empty(); }
    /// Number of values: strings split on '\', binary values by their size, items for SQ.
    size_t count() const noexcept;
};

/// Person name components of one group (PS3.5 6.2.1).
struct PersonNameGroup {
    std::string family, given, middle, prefix, suffix;
};
/// A PN value: alphabetic, ideographic and phonetic groups, decoded to UTF-8.
struct PersonName {
    PersonNameGroup alphabetic, ideographic, phonetic;
    static PersonName parse(std::string_view utf8);
    std::string str() const;  ///< back to the DICOM form, trailing empty parts removed
};

/// DA value. Zero fields mean "absent" in partial values.
struct Date {
    int year = 0, month = 0, day = 0;
    static Date parse(std::string_view da);  ///< "YYYYMMDD" (also the ACR-NEMA "YYYY.MM.DD"); throws Error(bad_value)
    std::string str() const;                 ///< "YYYYMMDD"
};
/// TM value: hours, minutes, seconds, microseconds; `precision` counts given components (1=HH … 4=fraction).
struct Time {
    int hour = 0, minute = 0, second = 0, microsecond = 0, precision = 0;
    static Time parse(std::string_view tm);  ///< "HH[MM[SS[.F{1,6}]]]" (also "HH:MM:SS"); throws Error(bad_value)
    std::string str() const;
};
/// DT value with optional UTC offset.
struct DateTime {
    Date date;
    Time time;
    bool has_offset = false;
    int offset_minutes = 0;
    static DateTime parse(std::string_view dt);  ///< "YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]"
    std::string str() const;
};

/// An ordered set of elements (sorted by tag), as a file's dataset or a sequence item.
class Dataset {
public:
    using const_iterator = std::vector<Element>::const_iterator;
    using iterator = std::vector<Element>::iterator;

    Dataset() = default;

    // -- elements -------------------------------------------------------------------------------
    const Element *find(Tag tag) const noexcept;
    Element *find(Tag tag) noexcept;
    bool contains(Tag tag) const noexcept { return find(tag) != nullptr; }
    /// Inserts or replaces an element, keeping tag order. Returns the stored element.
    Element &set(Element e);
    /// Removes an element; returns false when absent.
    bool remove(Tag tag);
    void clear() { elements_.clear(); }
    size_t size() const noexcept { return elements_.size(); }
    bool empty() const noexcept { return elements_.empty(); }
    const_iterator begin() const noexcept { return elements_.begin(); }
    const_iterator end() const noexcept { return elements_.end(); }
    iterator begin() noexcept { return elements_.begin(); }
    iterator end() noexcept { return elements_.end(); }
    /// Appends an element known to sort after every present one (the reader's fast path);
    /// falls back to an ordered insert otherwise.
    Element &append(Element e);

    // -- typed reading: throw Error(not_found) when absent, Error(bad_value) when unparsable ------
    /// The whole string value decoded to UTF-8 (multiple values stay joined by '\'), padding removed.
    std::string get_string(Tag tag) const;
    /// Like get_string but returns `fallback` when the element is absent or empty.
    std::string get_string_or(Tag tag, std::string_view fallback) const;
    /// All values of a string element, decoded and trimmed as PS3.5 6.2 says for its VR.
    std::vector<std::string> get_strings(Tag tag) const;
    /// Value `index` of a numeric element: DS, IS (text) or US, SS, UL, SL, UV, SV, FL, FD, OF, OD… (binary).
    double get_number(Tag tag, size_t index = 0) const;
    std::vector<double> get_numbers(Tag tag) const;
    /// Integer value `index` (IS or a binary integer VR). Exact for 64-bit values.
    int64_t get_int(Tag tag, size_t index = 0) const;
    std::optional<int64_t> get_int_opt(Tag tag, size_t index = 0) const;
    PersonName get_person_name(Tag tag, size_t index = 0) const;
    Date get_date(Tag tag, size_t index = 0) const;
    Time get_time(Tag tag, size_t index = 0) const;
    DateTime get_datetime(Tag tag, size_t index = 0) const;
    std::vector<Tag> get_tags(Tag tag) const;  ///< AT values
    /// Items of a sequence (empty when absent).
    const std::vector<Dataset> &get_items(Tag tag) const;

    // -- typed writing (VR from the dictionary when omitted; strings are UTF-8 and encoded in this
    //    dataset's Specific Character Set) ---------------------------------------------------------
    void set_string(Tag tag, std::string_view utf8, VR vr = VR::None);
    void set_strings(Tag tag, const std::vector<std::string> &utf8_values, VR vr = VR::None);
    void set_number(Tag tag, double value, VR vr = VR::None);
    void set_numbers(Tag tag, const std::vector<double> &values, VR vr = VR::None);
    void set_int(Tag tag, int64_t value, VR vr = VR::None);
    void set_ints(Tag tag, const std::vector<int64_t> &values, VR vr = VR::None);
    void set_tags(Tag tag, const std::vector<Tag> &values);
    void set_bytes(Tag tag, VR vr, Bytes value);
    /// Sets a sequence; returns it so items can be added.
    Element &set_sequence(Tag tag, std::vector<Dataset> items = {});

    // -- private tags (PS3.5 7.8) ---------------------------------------------------------------
    /// Finds or reserves the block of `creator` in private `group`; returns the block number
    /// 0x10-0xFF, so that elements are (group, block << 8 | offset). Throws when the group is full.
    uint8_t reserve_private_block(uint16_t group, std::string_view creator);
    /// The tag of (creator, offset) in `group`, if that creator has a block there.
    std::optional<Tag> find_private(uint16_t group, std::string_view creator, uint8_t offset) const;
    /// The Private Creator value that owns private data element `tag` ("" when none).
    std::string private_creator_of(Tag tag) const;

    // -- character set ------------------------------------------------------------------------
    /// The Specific Character Set in force: this dataset's (0008,0005), else the one inherited from
    /// the enclosing dataset when read, else the default repertoire.
    std::string specific_character_set() const;
    /// Set by the reader (and by set_sequence) on items: the enclosing dataset's (0008,0005).
    void set_inherited_character_set(std::string value) { inherited_charset_ = std::move(value); }
    /// Decodes a raw value of `vr` with this dataset's character set.
    std::string decode_text(std::string_view raw, VR vr) const;

    // -- the memory values borrow from ------------------------------------------------------------
    const std::shared_ptr<const Source> &source() const noexcept { return source_; }
    void set_source(std::shared_ptr<const Source> s) { source_ = std::move(s); }

    /// Deep comparison of elements (values compared by bytes, trailing padding ignored for strings).
    bool equals(const Dataset &other, std::string *why = nullptr) const;

private:
    const Element &require(Tag tag) const;
    std::vector<Element> elements_;
    std::shared_ptr<const Source> source_;
    std::string inherited_charset_;
};

/// Tag for a keyword ("PatientName" → (0010,0010)) or a tag string ("0010,0010"). Throws not_found.
Tag tag_from_keyword(std::string_view keyword_or_tag);

/// Adds what one query key says, as DCMTK's findscu -k spells it: "Keyword=value" or "gggg,eeee=value"
/// (also "(gggg,eeee)=value"), "Keyword" alone or with an empty value (an empty return key), and
/// "Sequence[n].Keyword=value" through nested sequences at any depth (item n, 0 by default, made as
/// needed; "Sequence[0]" alone adds an empty item, a universal sequence match). The value is set with
/// the dictionary's VR (LO for a tag the dictionary does not know): text as given (several values
/// separated by '\'), binary numbers (US, SS, UL, SL, UV, SV, FL, FD) parsed whole. Returns the
/// top-level tag the key names. Throws Error(invalid_argument) naming the key when a part is not a
/// keyword or tag, an index is not a number, a step is not a sequence, or a number does not parse (a
/// text value the VR or character set refuses keeps set_string's error code); items made on the way
/// before a failing step stay.
Tag set_key(Dataset &ds, std::string_view key);

/// Splits a raw string value on '\' (LT, ST, UT, UR are single-valued) and trims as PS3.5 6.2 says.
std::vector<std::string_view> split_values(std::string_view raw, VR vr);
/// Trims padding of a single value of `vr` (trailing spaces/NULs, and leading spaces except for LT/ST/UT).
std::string_view trim_value(std::string_view v, VR vr);

}  // namespace dcmkit
