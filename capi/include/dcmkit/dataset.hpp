// dcmkit C++ wrapper: datasets (dk::Dataset over dk_dataset.h) — reading, writing, typed getters
// and setters, sequences, deep copies — with the read and write options and the VR value kinds.
#ifndef DCMKIT_DATASET_HPP
#define DCMKIT_DATASET_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcmkit/common.hpp"
#include "dcmkit/dictionary.hpp"
#include "dcmkit/dk_dataset.h"

namespace dk {

// -- value kinds ----------------------------------------------------------------------------------

/// How a VR's value is best read: the one table every binding uses to pick a getter.
enum class ValueKind {
    Text,           ///< AE AS CS DA DT LO LT PN SH ST TM UC UI UR UT: get_string / get_strings
    Decimal,        ///< DS: get_double / get_doubles
    IntegerString,  ///< IS: get_int / get_ints
    Int,            ///< US SS UL SL UV SV: get_int / get_ints
    Float,          ///< FL FD: get_double / get_doubles
    AttributeTag,   ///< AT: get_tags
    Bytes,          ///< OB OD OF OL OV OW UN (and unknown VRs): get_bytes
    Sequence,       ///< SQ: item_count / item
};

inline ValueKind value_kind(std::string_view vr) noexcept {
    if (vr.size() != 2) return ValueKind::Bytes;
    const int k = (vr[0] << 8) | vr[1];
    switch (k) {
#define DK_VR_(a, b) (((a) << 8) | (b))
    case DK_VR_('A', 'E'): case DK_VR_('A', 'S'): case DK_VR_('C', 'S'): case DK_VR_('D', 'A'):
    case DK_VR_('D', 'T'): case DK_VR_('L', 'O'): case DK_VR_('L', 'T'): case DK_VR_('P', 'N'):
    case DK_VR_('S', 'H'): case DK_VR_('S', 'T'): case DK_VR_('T', 'M'): case DK_VR_('U', 'C'):
    case DK_VR_('U', 'I'): case DK_VR_('U', 'R'): case DK_VR_('U', 'T'): return ValueKind::Text;
    case DK_VR_('D', 'S'): return ValueKind::Decimal;
    case DK_VR_('I', 'S'): return ValueKind::IntegerString;
    case DK_VR_('U', 'S'): case DK_VR_('S', 'S'): case DK_VR_('U', 'L'): case DK_VR_('S', 'L'):
    case DK_VR_('U', 'V'): case DK_VR_('S', 'V'): return ValueKind::Int;
    case DK_VR_('F', 'L'): case DK_VR_('F', 'D'): return ValueKind::Float;
    case DK_VR_('A', 'T'): return ValueKind::AttributeTag;
    case DK_VR_('S', 'Q'): return ValueKind::Sequence;
#undef DK_VR_
    default: return ValueKind::Bytes;
    }
}

/// Size in bytes of one binary value of `vr` (US 2, UL 4, FD 8, AT 4…), 0 for others.
inline size_t binary_value_size(std::string_view vr) noexcept {
    if (vr == "US" || vr == "SS" || vr == "OW") return 2;
    if (vr == "UL" || vr == "SL" || vr == "FL" || vr == "AT" || vr == "OF" || vr == "OL") return 4;
    if (vr == "UV" || vr == "SV" || vr == "FD" || vr == "OD" || vr == "OV") return 8;
    return 0;
}

// -- options --------------------------------------------------------------------------------------

struct ReadOptions {
    bool stop_before_pixels = false;  ///< skip Pixel Data and whatever follows it
    bool map_file = true;             ///< borrow values from a memory map of the file
    uint32_t max_depth = 64;          ///< deepest sequence nesting accepted
    bool keep_un = false;             ///< keep UN elements as bytes (default: re-read with their dictionary VR)

    dk_read_options to_c() const {
        dk_read_options o = DK_READ_OPTIONS_INIT;
        o.stop_before_pixels = stop_before_pixels ? 1 : 0;
        o.map_file = map_file ? 1 : 0;
        o.max_depth = max_depth;
        o.keep_un = keep_un ? 1 : 0;
        return o;
    }
};

struct WriteOptions {
    std::string transfer_syntax;  ///< UID, keyword or alias (implicit, explicit, big, deflate); "" = as read
    bool part10 = true;           ///< preamble, "DICM" and meta; false = the bare dataset
    bool atomic = true;           ///< temporary file, fsync, rename
    bool fsync = true;            ///< fsync before returning
    int deflate_level = -1;       ///< 1-9, -1 = zlib's default

    /// The C struct; it points into this object's transfer_syntax, so keep this object alive.
    dk_write_options to_c() const {
        dk_write_options o = DK_WRITE_OPTIONS_INIT;
        o.transfer_syntax = transfer_syntax.empty() ? nullptr : transfer_syntax.c_str();
        o.part10 = part10 ? 1 : 0;
        o.atomic = atomic ? 1 : 0;
        o.fsync = fsync ? 1 : 0;
        o.deflate_level = deflate_level;
        return o;
    }
};

/// Memory the library allocated (dk_dataset_write_memory): freed with dk_free. Move-only.
class Buffer {
public:
    Buffer() = default;
    Buffer(void *data, size_t size) noexcept : data_(data), size_(size) {}
    Buffer(Buffer &&o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    Buffer &operator=(Buffer &&o) noexcept {
        if (this != &o) {
            dk_free(data_);
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;
    ~Buffer() { dk_free(data_); }

    const uint8_t *data() const noexcept { return static_cast<const uint8_t *>(data_); }
    size_t size() const noexcept { return size_; }
    std::vector<uint8_t> to_vector() const { return {data(), data() + size_}; }

private:
    void *data_ = nullptr;
    size_t size_ = 0;
};

/// One element as element_at() reports it.
struct ElementInfo {
    Tag tag;
    std::string vr;  ///< two letters ("PN")
};

namespace detail {
/// Calls `call(buf, &size)` with a stack buffer first, then with a buffer of the reported size
/// while it answers DK_EBUFS. Returns the NUL-terminated text.
template <class F>
std::string string_call(F &&call) {
    char stack[256];
    size_t n = sizeof stack;
    dk_result r = call(stack, &n);
    if (r == DK_OK) return std::string(stack, strnlen(stack, sizeof stack));
    std::string s;
    while (r == DK_EBUFS) {
        if (n <= s.size()) n = s.size() * 2 + 1;  // a library that does not say: grow anyway
        s.resize(n);
        r = call(&s[0], &n);
    }
    check(r);
    s.resize(strnlen(s.data(), s.size()));
    return s;
}

inline uint16_t le16(const uint8_t *p) { return uint16_t(p[0] | (p[1] << 8)); }
inline uint32_t le32(const uint8_t *p) { return uint32_t(le16(p)) | (uint32_t(le16(p + 2)) << 16); }
inline uint64_t le64(const uint8_t *p) { return uint64_t(le32(p)) | (uint64_t(le32(p + 4)) << 32); }
inline void put16(uint8_t *p, uint16_t v) { p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); }
}  // namespace detail

// -- datasets -------------------------------------------------------------------------------------

/// A dataset (with its meta information and transfer syntax) or a sequence item. Owns one
/// dk_dataset handle; move-only. An item handle keeps its top-level dataset alive and addresses the
/// item by position (calls on it throw NotFoundError once the item is removed).
class Dataset {
public:
    /// A new, empty dataset (explicit VR little endian).
    Dataset() { check(dk_dataset_new(&h_)); }
    /// Adopts a handle (the caller gives up freeing it).
    explicit Dataset(dk_dataset *adopt) noexcept : h_(adopt) {}
    Dataset(Dataset &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Dataset &operator=(Dataset &&o) noexcept {
        if (this != &o) {
            dk_dataset_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    Dataset(const Dataset &) = delete;
    Dataset &operator=(const Dataset &) = delete;
    ~Dataset() { dk_dataset_free(h_); }

    dk_dataset *handle() const noexcept { return h_; }
    /// Gives up ownership of the handle.
    dk_dataset *release() noexcept { return std::exchange(h_, nullptr); }
    explicit operator bool() const noexcept { return h_ != nullptr; }

    // -- reading and writing ----------------------------------------------------------------------

    /// Reads a Part 10 file or a raw dataset.
    static Dataset read_file(const std::string &path, const ReadOptions &opts = {}) {
        const dk_read_options o = opts.to_c();
        dk_dataset *out = nullptr;
        check(dk_dataset_read_file(&out, path.c_str(), &o));
        return Dataset(out);
    }
    /// Reads from memory (the bytes are copied).
    static Dataset read_memory(const void *data, size_t size, const ReadOptions &opts = {}) {
        const dk_read_options o = opts.to_c();
        dk_dataset *out = nullptr;
        check(dk_dataset_read_memory(&out, data, size, &o));
        return Dataset(out);
    }
    /// A dataset from DICOM JSON (PS3.18 Annex F).
    static Dataset from_json(std::string_view json) {
        dk_dataset *out = nullptr;
        check(dk_dataset_from_json(&out, json.data(), json.size()));
        return Dataset(out);
    }

    /// Writes a top-level dataset as a file (atomically by default).
    void write_file(const std::string &path, const WriteOptions &opts = {}) const {
        const dk_write_options o = opts.to_c();
        check(dk_dataset_write_file(h_, path.c_str(), &o));
    }
    /// Encodes a top-level dataset into memory.
    Buffer write_memory(const WriteOptions &opts = {}) const {
        const dk_write_options o = opts.to_c();
        void *out = nullptr;
        size_t size = 0;
        check(dk_dataset_write_memory(&out, &size, h_, &o));
        return Buffer(out, size);
    }
    /// DICOM JSON (PS3.18 Annex F).
    std::string to_json(bool pretty = false) const {
        char *out = nullptr;
        check(dk_dataset_to_json(&out, h_, pretty ? DK_JSON_PRETTY : 0u));
        std::string s(out ? out : "");
        dk_free(out);
        return s;
    }

    /// The transfer syntax UID the dataset was read in (or will be written in by default).
    std::string transfer_syntax() const {
        return detail::string_call([&](char *b, size_t *n) { return dk_dataset_transfer_syntax(b, n, h_); });
    }
    /// DK_WARN_* bits of what the reader accepted with a warning (0 for a conforming file).
    uint32_t warning_flags() const {
        uint32_t flags = 0;
        check(dk_dataset_warnings(&flags, nullptr, nullptr, h_));
        return flags;
    }
    /// The reader's warnings, one message each (empty for a conforming file).
    std::vector<std::string> warnings() const {
        const std::string text =
            detail::string_call([&](char *b, size_t *n) { return dk_dataset_warnings(nullptr, b, n, h_); });
        std::vector<std::string> out;
        size_t start = 0;
        while (start < text.size()) {
            size_t nl = text.find('\n', start);
            if (nl == std::string::npos) nl = text.size();
            out.push_back(text.substr(start, nl - start));
            start = nl + 1;
        }
        return out;
    }
    /// Sets the default transfer syntax for writing (UID, keyword or alias).
    void set_transfer_syntax(const std::string &ts) { check(dk_dataset_set_transfer_syntax(h_, ts.c_str())); }

    // -- elements ---------------------------------------------------------------------------------

    /// Number of elements at this level.
    size_t size() const {
        size_t n = 0;
        check(dk_dataset_count(&n, h_));
        return n;
    }
    bool empty() const { return size() == 0; }
    /// Tag and VR of the element at `index` in tag order.
    ElementInfo element_at(size_t index) const {
        uint32_t t = 0;
        char vr[3] = {0, 0, 0};
        check(dk_dataset_element_at(&t, vr, h_, index));
        return ElementInfo{Tag(t), vr};
    }
    /// Every element's tag and VR, in tag order.
    std::vector<ElementInfo> elements() const {
        const size_t n = size();
        std::vector<ElementInfo> out;
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) out.push_back(element_at(i));
        return out;
    }
    /// The file meta information's elements (group 0002; none for an item), in tag order: read
    /// and set them by tag like any other.
    std::vector<ElementInfo> meta_elements() const {
        size_t n = 0;
        check(dk_dataset_meta_count(&n, h_));
        std::vector<ElementInfo> out;
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            uint32_t t = 0;
            char vr[3] = {0, 0, 0};
            check(dk_dataset_meta_element_at(&t, vr, h_, i));
            out.push_back(ElementInfo{Tag(t), vr});
        }
        return out;
    }
    bool contains(Tag t) const noexcept { return dk_dataset_contains(h_, t) == 1; }
    /// The element's VR ("PN"). NotFoundError when absent.
    std::string vr(Tag t) const {
        char v[3] = {0, 0, 0};
        check(dk_dataset_vr(v, h_, t));
        return v;
    }
    /// Number of values (strings split on '\', binary values by size, items for SQ).
    size_t value_count(Tag t) const {
        size_t n = 0;
        check(dk_dataset_value_count(&n, h_, t));
        return n;
    }
    /// Removes an element. NotFoundError when absent.
    void remove(Tag t) { check(dk_dataset_remove(h_, t)); }
    /// Removes an element if present; returns whether it was.
    bool discard(Tag t) {
        if (!contains(t)) return false;
        remove(t);
        return true;
    }

    // -- typed reading ----------------------------------------------------------------------------

    /// The whole string value in UTF-8 (values joined by '\'), padding removed.
    std::string get_string(Tag t) const {
        return detail::string_call([&](char *b, size_t *n) { return dk_dataset_get_string(b, n, h_, t); });
    }
    /// Value `index` of a multi-valued string, in UTF-8.
    std::string get_string(Tag t, size_t index) const {
        return detail::string_call(
            [&](char *b, size_t *n) { return dk_dataset_get_string_at(b, n, h_, t, index); });
    }
    /// The string value, or `fallback` when the element is absent.
    std::string get_string_or(Tag t, const std::string &fallback) const {
        return contains(t) ? get_string(t) : fallback;
    }
    /// Every value of a string element.
    std::vector<std::string> get_strings(Tag t) const {
        const size_t n = value_count(t);
        std::vector<std::string> out;
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) out.push_back(get_string(t, i));
        return out;
    }
    /// Integer value `index` (IS, US, SS, UL, SL, UV, SV). BadValueError for other VRs.
    int64_t get_int(Tag t, size_t index = 0) const {
        int64_t v = 0;
        check(dk_dataset_get_int(&v, h_, t, index));
        return v;
    }
    /// Every integer value. Binary VRs are decoded from one get_bytes call (a LUT of 4096 values
    /// costs one call, not 4096). UV values above INT64_MAX wrap: read them with get_uints.
    std::vector<int64_t> get_ints(Tag t) const {
        const std::string v = vr(t);
        const size_t width = binary_value_size(v);
        std::vector<int64_t> out;
        if (value_kind(v) == ValueKind::Int && width) {
            const std::vector<uint8_t> b = get_bytes(t);
            out.reserve(b.size() / width);
            for (size_t i = 0; i + width <= b.size(); i += width) {
                const uint8_t *p = b.data() + i;
                if (v == "US") out.push_back(detail::le16(p));
                else if (v == "SS") out.push_back(int16_t(detail::le16(p)));
                else if (v == "UL") out.push_back(detail::le32(p));
                else if (v == "SL") out.push_back(int32_t(detail::le32(p)));
                else out.push_back(int64_t(detail::le64(p)));  // UV (two's complement), SV
            }
            return out;
        }
        const size_t n = value_count(t);
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) out.push_back(get_int(t, i));
        return out;
    }
    /// Every value of a UV element (or of any integer VR) as unsigned 64-bit numbers.
    std::vector<uint64_t> get_uints(Tag t) const {
        std::vector<uint64_t> out;
        if (vr(t) == "UV") {
            const std::vector<uint8_t> b = get_bytes(t);
            for (size_t i = 0; i + 8 <= b.size(); i += 8) out.push_back(detail::le64(b.data() + i));
            return out;
        }
        for (int64_t v : get_ints(t)) out.push_back(uint64_t(v));
        return out;
    }
    /// Numeric value `index` (DS, IS, or a binary number VR).
    double get_double(Tag t, size_t index = 0) const {
        double v = 0;
        check(dk_dataset_get_double(&v, h_, t, index));
        return v;
    }
    /// Every numeric value. FL and FD are decoded from one get_bytes call.
    std::vector<double> get_doubles(Tag t) const {
        const std::string v = vr(t);
        std::vector<double> out;
        if (v == "FL" || v == "FD" || v == "OF" || v == "OD") {
            const std::vector<uint8_t> b = get_bytes(t);
            const size_t width = binary_value_size(v);
            out.reserve(b.size() / width);
            for (size_t i = 0; i + width <= b.size(); i += width) {
                if (width == 4) {
                    const uint32_t u = detail::le32(b.data() + i);
                    float f;
                    std::memcpy(&f, &u, 4);
                    out.push_back(f);
                } else {
                    const uint64_t u = detail::le64(b.data() + i);
                    double d;
                    std::memcpy(&d, &u, 8);
                    out.push_back(d);
                }
            }
            return out;
        }
        const size_t n = value_count(t);
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) out.push_back(get_double(t, i));
        return out;
    }
    /// Size in bytes of the raw value (what get_bytes returns).
    size_t byte_size(Tag t) const {
        uint8_t dummy = 0;
        size_t n = 0;
        const dk_result r = dk_dataset_get_bytes(&dummy, &n, h_, t);
        if (r == DK_EBUFS || r == DK_OK) return n;
        check(r);
        return 0;
    }
    /// Copies the raw value into `buf` of `size` bytes (at least byte_size()); returns the size
    /// written. For bindings that fill memory they own (a Python bytes object, a pinned array).
    size_t get_bytes_into(Tag t, void *buf, size_t size) const {
        size_t n = size;
        check(dk_dataset_get_bytes(buf, &n, h_, t));
        return n;
    }
    /// The raw value bytes (binary values little endian, strings in the dataset's character set).
    std::vector<uint8_t> get_bytes(Tag t) const {
        uint8_t stack[256];
        size_t n = sizeof stack;
        dk_result r = dk_dataset_get_bytes(stack, &n, h_, t);
        if (r == DK_OK) return std::vector<uint8_t>(stack, stack + n);
        std::vector<uint8_t> out;
        while (r == DK_EBUFS) {
            if (n <= out.size()) n = out.size() * 2 + 1;
            out.resize(n);
            r = dk_dataset_get_bytes(out.data(), &n, h_, t);
        }
        check(r);
        out.resize(n);
        return out;
    }
    /// AT values.
    std::vector<Tag> get_tags(Tag t) const {
        const std::vector<uint8_t> b = get_bytes(t);
        std::vector<Tag> out;
        out.reserve(b.size() / 4);
        for (size_t i = 0; i + 4 <= b.size(); i += 4)  // PS3.5 6.2: group, then element, each 16-bit
            out.push_back(Tag(detail::le16(&b[i]), detail::le16(&b[i + 2])));
        return out;
    }

    // -- typed writing (vr nullptr = the element's dictionary VR) -----------------------------------

    /// Adds one query key as findscu -k spells it ("PatientName=SMITH*", "0008,0052=STUDY",
    /// "ScheduledProcedureStepSequence[0].Modality=CT", "StudyDate" for a return key); see dk_dataset_set_key.
    void set_key(const std::string &key) { check(dk_dataset_set_key(h_, key.c_str())); }

    /// A string value from UTF-8, encoded in the dataset's Specific Character Set; '\' separates values.
    void set_string(Tag t, const std::string &utf8, const char *vr = nullptr) {
        check(dk_dataset_set_string(h_, t, vr, utf8.c_str()));
    }
    /// Several string values (joined with '\').
    void set_strings(Tag t, const std::vector<std::string> &utf8, const char *vr = nullptr) {
        std::string joined;
        for (size_t i = 0; i < utf8.size(); ++i) {
            if (i) joined += '\\';
            joined += utf8[i];
        }
        set_string(t, joined, vr);
    }
    void set_int(Tag t, int64_t value, const char *vr = nullptr) { set_ints(t, &value, 1, vr); }
    void set_ints(Tag t, const int64_t *values, size_t count, const char *vr = nullptr) {
        check(dk_dataset_set_ints(h_, t, vr, values, count));
    }
    void set_ints(Tag t, const std::vector<int64_t> &values, const char *vr = nullptr) {
        set_ints(t, values.data(), values.size(), vr);
    }
    /// UV values: 0 … 2^64-1 (dk_dataset_set_ints takes int64 and refuses negative UV values).
    void set_uints(Tag t, const std::vector<uint64_t> &values) {
        std::vector<uint8_t> b(values.size() * 8);
        for (size_t i = 0; i < values.size(); ++i)
            for (size_t k = 0; k < 8; ++k) b[8 * i + k] = uint8_t(values[i] >> (8 * k));
        set_bytes(t, "UV", b);
    }
    void set_double(Tag t, double value, const char *vr = nullptr) { set_doubles(t, &value, 1, vr); }
    void set_doubles(Tag t, const double *values, size_t count, const char *vr = nullptr) {
        check(dk_dataset_set_doubles(h_, t, vr, values, count));
    }
    void set_doubles(Tag t, const std::vector<double> &values, const char *vr = nullptr) {
        set_doubles(t, values.data(), values.size(), vr);
    }
    /// Raw bytes (binary values little endian); `vr` is required.
    void set_bytes(Tag t, const char *vr, const void *data, size_t size) {
        check(dk_dataset_set_bytes(h_, t, vr, data, size));
    }
    void set_bytes(Tag t, const char *vr, const std::vector<uint8_t> &data) {
        set_bytes(t, vr, data.data(), data.size());
    }
    /// AT values.
    void set_tags(Tag t, const std::vector<Tag> &tags) {
        std::vector<uint8_t> b(tags.size() * 4);
        for (size_t i = 0; i < tags.size(); ++i) {
            detail::put16(&b[4 * i], tags[i].group());
            detail::put16(&b[4 * i + 2], tags[i].element());
        }
        set_bytes(t, "AT", b);
    }

    // -- sequences --------------------------------------------------------------------------------

    /// Number of items of a sequence. BadValueError when the element is not SQ.
    size_t item_count(Tag t) const {
        size_t n = 0;
        check(dk_dataset_item_count(&n, h_, t));
        return n;
    }
    /// A handle on item `index` of a sequence (it keeps this dataset's top level alive).
    Dataset item(Tag t, size_t index) {
        dk_dataset *out = nullptr;
        check(dk_dataset_get_item(&out, h_, t, index));
        return Dataset(out);
    }
    /// Handles on every item of a sequence.
    std::vector<Dataset> items(Tag t) {
        const size_t n = item_count(t);
        std::vector<Dataset> out;
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) out.push_back(item(t, i));
        return out;
    }
    /// Appends an empty item (creating the sequence when absent); returns a handle on it.
    Dataset add_item(Tag t) {
        dk_dataset *out = nullptr;
        check(dk_dataset_add_item(&out, h_, t));
        return Dataset(out);
    }

    // -- copies -----------------------------------------------------------------------------------

    /// A deep copy of the elements, detached from every handle: text in UTF-8 (so that the copy can
    /// be applied to a dataset in another Specific Character Set), other values as raw bytes.
    struct Snapshot {
        struct Element {
            Tag tag;
            std::string vr;
            bool utf8 = false;           ///< `value` is decoded text, else raw bytes
            std::string value;
            std::vector<Snapshot> items;  ///< SQ
        };
        std::vector<Element> elements;

        /// Whether this level has its own Specific Character Set.
        bool has_charset() const {
            for (const Element &e : elements)
                if (e.tag == Tag(0x0008, 0x0005)) return true;
            return false;
        }
        /// Whether some text at this level or in an item without a character set of its own
        /// needs more than ASCII.
        bool has_non_ascii_text() const {
            for (const Element &e : elements) {
                if (e.utf8) {
                    for (char ch : e.value)
                        if (static_cast<unsigned char>(ch) >= 0x80) return true;
                }
                for (const Snapshot &item : e.items) {
                    if (!item.has_charset() && item.has_non_ascii_text()) return true;
                }
            }
            return false;
        }
    };

    Snapshot snapshot() const {
        Snapshot s;
        const size_t n = size();
        s.elements.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            const ElementInfo e = element_at(i);
            Snapshot::Element out;
            out.tag = e.tag;
            out.vr = e.vr;
            const ValueKind kind = value_kind(e.vr);
            if (kind == ValueKind::Sequence) {
                const size_t items = item_count(e.tag);
                for (size_t k = 0; k < items; ++k) out.items.push_back(item_of(e.tag, k).snapshot());
            } else if (kind == ValueKind::Text && e.tag != Tag(0x0008, 0x0005)) {
                out.utf8 = true;
                out.value = get_string(e.tag);
            } else {  // numbers as encoded, binary values, and the character set itself as written
                const std::vector<uint8_t> b = get_bytes(e.tag);
                out.value.assign(b.begin(), b.end());
            }
            s.elements.push_back(std::move(out));
        }
        return s;
    }
    /// Sets every element of `s` (in tag order, so that a Specific Character Set comes first),
    /// replacing those with the same tag.
    void apply(const Snapshot &s) {
        for (const Snapshot::Element &e : s.elements) {
            if (value_kind(e.vr) == ValueKind::Sequence) {
                set_items(e.tag, e.items);
            } else if (e.utf8) {
                set_string(e.tag, e.value, e.vr.c_str());
            } else {
                set_bytes(e.tag, e.vr.c_str(), e.value.data(), e.value.size());
            }
        }
    }
    /// A deep copy, as a new top-level dataset (dk_dataset_clone): meta information and transfer
    /// syntax included; an item's copy keeps the Specific Character Set it inherited from its root.
    Dataset clone() const {
        dk_dataset *out = nullptr;
        check(dk_dataset_clone(&out, h_));
        return Dataset(out);
    }
    /// Copies every element of `src` into this dataset, replacing those with the same tag; sequences
    /// are copied deeply.
    void update(const Dataset &src) { apply(src.snapshot()); }
    /// Replaces sequence `t` with deep copies of `items` (which may be items of this very dataset).
    void set_items(Tag t, const std::vector<const Dataset *> &items) {
        std::vector<Snapshot> copies;  // first: removing `t` would invalidate handles on its items
        copies.reserve(items.size());
        for (const Dataset *it : items) copies.push_back(it->snapshot());
        set_items(t, copies);
    }
    /// Replaces sequence `t` with one item per snapshot (none: an empty sequence).
    void set_items(Tag t, const std::vector<Snapshot> &items) {
        if (items.empty()) {
            if (contains(t) && vr(t) == "SQ" && item_count(t) == 0) return;
            // An empty sequence: dk_dataset_set_bytes with VR SQ and no data, which this version of
            // the C ABI refuses (DK_EBADVALUE) and has no other call for.
            const dk_result r = dk_dataset_set_bytes(h_, t, "SQ", nullptr, 0);
            if (r == DK_EBADVALUE)
                throw UnsupportedError(DK_EUNSUPPORTED, "an empty sequence cannot be created through this "
                                                        "version of the C ABI (" + Tag(t).str() + ")");
            check(r);
            return;
        }
        discard(t);
        for (const Snapshot &s : items) add_item(t).apply(s);
    }

private:
    Dataset item_of(Tag t, size_t index) const {  // the handle is not const in the C ABI
        dk_dataset *out = nullptr;
        check(dk_dataset_get_item(&out, h_, t, index));
        return Dataset(out);
    }

    dk_dataset *h_ = nullptr;
};

}  // namespace dk

#endif  // DCMKIT_DATASET_HPP
