// dcmkit — a header-only C++17 wrapper over the stable C ABI (dcmkit.h).
//
// It includes only the C headers, so a program built against it depends on the ABI of the shared
// library `dcmkit` alone (never on the core's C++ classes, which make no ABI promise). It is also the
// one layer every language binding sits on: what a binding lacks is added here first, so that Python,
// C# and Java share the logic (which getter a VR needs, buffer loops, deep copies of items).
//
//   dk::Dataset ds = dk::Dataset::read_file("ct.dcm", {/*stop_before_pixels=*/true});
//   std::string name = ds.get_string(dk::tag("PatientName"));
//   for (size_t i = 0; i < ds.size(); ++i) { dk::ElementInfo e = ds.element_at(i); ... }
//   ds.set_string(dk::tag("PatientID"), "ANON");
//   ds.write_file("out.dcm", {"explicit"});
//
// Errors: every failing call throws a subclass of dk::Error chosen by its dk_result (dk::check).
// Thread safety: as the C ABI's — one dataset from one thread at a time.
#ifndef DCMKIT_DATASET_HPP
#define DCMKIT_DATASET_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcmkit/dcmkit.h"

namespace dk {

// -- errors ---------------------------------------------------------------------------------------

/// Base of every exception the wrapper throws. code() is the C ABI's result, message() the text of
/// dk_last_error(), offset() the byte offset in the input where the problem was found (or -1).
class Error : public std::runtime_error {
public:
    Error(dk_result code, const std::string &message, int64_t offset = -1)
        : std::runtime_error(message), code_(code), offset_(offset) {}
    dk_result code() const noexcept { return code_; }
    int64_t offset() const noexcept { return offset_; }
    std::string message() const { return what(); }
    /// Short name of the code ("truncated"), from dk_result_name().
    const char *kind() const noexcept { return dk_result_name(code_); }

private:
    dk_result code_;
    int64_t offset_;
};

/// The input is not (valid) DICOM: not-dicom, truncated, bad-length, bad-vr, too-deep, malformed.
class ParseError : public Error { public: using Error::Error; };
/// No such element, keyword, UID, item or file.
class NotFoundError : public Error { public: using Error::Error; };
/// The operating system refused a read or a write.
class IoError : public Error { public: using Error::Error; };
/// A value does not parse as its VR, has the wrong type for the call, or cannot be converted to or
/// from the character set.
class ValueError : public Error { public: using Error::Error; };
/// Network: connection failure, timeout, rejected or aborted association, protocol error, refusal.
class NetworkError : public Error { public: using Error::Error; };
/// Valid, but not supported by this build (an unknown transfer syntax, say).
class UnsupportedError : public Error { public: using Error::Error; };
/// The caller passed an argument the call cannot use.
class InvalidArgument : public Error { public: using Error::Error; };

/// Throws the exception that matches `code` (a negative dk_result) with `message` and `offset`.
[[noreturn]] inline void throw_error(dk_result code, const std::string &message, int64_t offset = -1) {
    switch (code) {
    case DK_ENOTDICOM:
    case DK_ETRUNCATED:
    case DK_EBADLENGTH:
    case DK_EBADVR:
    case DK_ETOODEEP:
    case DK_EMALFORMED: throw ParseError(code, message, offset);
    case DK_ENOTFOUND: throw NotFoundError(code, message, offset);
    case DK_EIO: throw IoError(code, message, offset);
    case DK_EBADVALUE:
    case DK_ECHARSET: throw ValueError(code, message, offset);
    case DK_ENETWORK:
    case DK_ETIMEOUT:
    case DK_EREJECTED:
    case DK_EABORTED:
    case DK_EPROTOCOL:
    case DK_EREFUSED: throw NetworkError(code, message, offset);
    case DK_EUNSUPPORTED: throw UnsupportedError(code, message, offset);
    case DK_EINVAL: throw InvalidArgument(code, message, offset);
    default: throw Error(code, message, offset);  // DK_ENOMEM, DK_EINTERNAL, DK_EBUFS, unknown codes
    }
}

/// Returns `r` when it is not an error; otherwise throws with this thread's dk_last_error().
inline dk_result check(dk_result r) {
    if (r >= 0) return r;
    throw_error(r, dk_last_error(), dk_last_error_offset());
}

// -- versions -------------------------------------------------------------------------------------

/// Version of the loaded library ("0.1.0"); DK_VERSION_STRING is the one compiled against.
inline std::string version() { return dk_version(); }
inline uint32_t version_number() { return dk_version_number(); }

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
    check(dk_tag_from_keyword(keyword.c_str(), &t));
    return Tag(t);
}
/// Like tag(), but returns false instead of throwing when the keyword is unknown.
inline bool find_tag(const std::string &keyword, Tag &out) noexcept {
    uint32_t t = 0;
    if (dk_tag_from_keyword(keyword.c_str(), &t) != DK_OK) return false;
    out = Tag(t);
    return true;
}
/// The keyword of a tag ("PatientName"); "" for private and unknown tags (no exception).
inline std::string keyword(Tag t) {
    const char *k = nullptr;
    return dk_tag_keyword(t, &k) == DK_OK && k ? k : "";
}
/// The name of a tag ("Patient's Name"); "" for private and unknown tags (no exception).
inline std::string tag_name(Tag t) {
    const char *n = nullptr;
    return dk_tag_name(t, &n) == DK_OK && n ? n : "";
}
/// The dictionary VR of a tag ("PN"; "UN" when unknown).
inline std::string dictionary_vr(Tag t) {
    char vr[3] = {0, 0, 0};
    check(dk_tag_vr(t, vr));
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
    if (dk_private_tag_lookup(creator.c_str(), t, vr, &k, &n) != DK_OK) return false;
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
    check(dk_uid_lookup(uid.c_str(), &name, &kw, &type));
    return UidInfo{name ? name : "", kw ? kw : "", type ? type : ""};
}
/// The name of a registered UID, or "" (no exception).
inline std::string uid_name(const std::string &uid) {
    const char *name = nullptr;
    return dk_uid_lookup(uid.c_str(), &name, nullptr, nullptr) == DK_OK && name ? name : "";
}
/// A new UID under 2.25 (from a random UUID).
inline std::string generate_uid() {
    char buf[80] = {0};
    check(dk_uid_generate(buf, sizeof buf));
    return buf;
}
/// True when `uid` is a syntactically valid UID (PS3.5 9.1).
inline bool is_valid_uid(const std::string &uid) { return dk_uid_is_valid(uid.c_str()) == 1; }

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
        check(dk_dataset_write_memory(h_, &out, &size, &o));
        return Buffer(out, size);
    }
    /// DICOM JSON (PS3.18 Annex F).
    std::string to_json(bool pretty = false) const {
        char *out = nullptr;
        check(dk_dataset_to_json(h_, pretty ? 1 : 0, &out));
        std::string s(out ? out : "");
        dk_free(out);
        return s;
    }

    /// The transfer syntax UID the dataset was read in (or will be written in by default).
    std::string transfer_syntax() const {
        return detail::string_call([&](char *b, size_t *n) { return dk_dataset_transfer_syntax(h_, b, n); });
    }
    /// DK_WARN_* bits of what the reader accepted with a warning (0 for a conforming file).
    uint32_t warning_flags() const {
        uint32_t flags = 0;
        check(dk_dataset_warnings(h_, &flags, nullptr, nullptr));
        return flags;
    }
    /// The reader's warnings, one message each (empty for a conforming file).
    std::vector<std::string> warnings() const {
        const std::string text =
            detail::string_call([&](char *b, size_t *n) { return dk_dataset_warnings(h_, nullptr, b, n); });
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
        check(dk_dataset_count(h_, &n));
        return n;
    }
    bool empty() const { return size() == 0; }
    /// Tag and VR of the element at `index` in tag order.
    ElementInfo element_at(size_t index) const {
        uint32_t t = 0;
        char vr[3] = {0, 0, 0};
        check(dk_dataset_element_at(h_, index, &t, vr));
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
    bool contains(Tag t) const noexcept { return dk_dataset_contains(h_, t) == 1; }
    /// The element's VR ("PN"). NotFoundError when absent.
    std::string vr(Tag t) const {
        char v[3] = {0, 0, 0};
        check(dk_dataset_vr(h_, t, v));
        return v;
    }
    /// Number of values (strings split on '\', binary values by size, items for SQ).
    size_t value_count(Tag t) const {
        size_t n = 0;
        check(dk_dataset_value_count(h_, t, &n));
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
        return detail::string_call([&](char *b, size_t *n) { return dk_dataset_get_string(h_, t, b, n); });
    }
    /// Value `index` of a multi-valued string, in UTF-8.
    std::string get_string(Tag t, size_t index) const {
        return detail::string_call(
            [&](char *b, size_t *n) { return dk_dataset_get_string_at(h_, t, index, b, n); });
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
    /// Integer value `index` (IS, US, SS, UL, SL, UV, SV). ValueError for other VRs.
    int64_t get_int(Tag t, size_t index = 0) const {
        int64_t v = 0;
        check(dk_dataset_get_int(h_, t, index, &v));
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
        check(dk_dataset_get_double(h_, t, index, &v));
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
        const dk_result r = dk_dataset_get_bytes(h_, t, &dummy, &n);
        if (r == DK_EBUFS || r == DK_OK) return n;
        check(r);
        return 0;
    }
    /// Copies the raw value into `buf` of `size` bytes (at least byte_size()); returns the size
    /// written. For bindings that fill memory they own (a Python bytes object, a pinned array).
    size_t get_bytes_into(Tag t, void *buf, size_t size) const {
        size_t n = size;
        check(dk_dataset_get_bytes(h_, t, buf, &n));
        return n;
    }
    /// The raw value bytes (binary values little endian, strings in the dataset's character set).
    std::vector<uint8_t> get_bytes(Tag t) const {
        uint8_t stack[256];
        size_t n = sizeof stack;
        dk_result r = dk_dataset_get_bytes(h_, t, stack, &n);
        if (r == DK_OK) return std::vector<uint8_t>(stack, stack + n);
        std::vector<uint8_t> out;
        while (r == DK_EBUFS) {
            if (n <= out.size()) n = out.size() * 2 + 1;
            out.resize(n);
            r = dk_dataset_get_bytes(h_, t, out.data(), &n);
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

    /// Number of items of a sequence. ValueError when the element is not SQ.
    size_t item_count(Tag t) const {
        size_t n = 0;
        check(dk_dataset_item_count(h_, t, &n));
        return n;
    }
    /// A handle on item `index` of a sequence (it keeps this dataset's top level alive).
    Dataset item(Tag t, size_t index) {
        dk_dataset *out = nullptr;
        check(dk_dataset_get_item(h_, t, index, &out));
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
        check(dk_dataset_add_item(h_, t, &out));
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
        check(dk_dataset_get_item(h_, t, index, &out));
        return Dataset(out);
    }

    dk_dataset *h_ = nullptr;
};

// -- pixel data -----------------------------------------------------------------------------------

/// The layout of a dataset's pixel data (dk_pixel_info).
struct PixelInfo {
    uint32_t rows = 0, columns = 0, samples_per_pixel = 1;
    uint32_t bits_allocated = 0, bits_stored = 0, high_bit = 0;
    uint32_t pixel_representation = 0, planar_configuration = 0;
    Tag pixel_data_tag;            ///< Pixel Data, Float Pixel Data or Double Float Pixel Data
    uint64_t number_of_frames = 0;
    uint64_t frame_size = 0;       ///< bytes of one native frame (read_frame's size)
    bool encapsulated = false;     ///< compressed: read_frame decodes, pixel_data_view throws UnsupportedError
    std::string photometric_interpretation;
};

/// The pixel data's layout. NotFoundError without pixel data, ValueError for missing attributes.
inline PixelInfo pixel_info(const Dataset &ds) {
    dk_pixel_info c = DK_PIXEL_INFO_INIT;
    check(dk_dataset_pixel_info(ds.handle(), &c));
    PixelInfo p;
    p.rows = c.rows;
    p.columns = c.columns;
    p.samples_per_pixel = c.samples_per_pixel;
    p.bits_allocated = c.bits_allocated;
    p.bits_stored = c.bits_stored;
    p.high_bit = c.high_bit;
    p.pixel_representation = c.pixel_representation;
    p.planar_configuration = c.planar_configuration;
    p.pixel_data_tag = Tag(c.pixel_data_tag);
    p.number_of_frames = c.number_of_frames;
    p.frame_size = c.frame_size;
    p.encapsulated = c.encapsulated != 0;
    p.photometric_interpretation = c.photometric_interpretation;
    return p;
}

/// Number of Frames, else 1 with pixel data, else 0.
inline uint64_t frame_count(const Dataset &ds) {
    uint64_t n = 0;
    check(dk_dataset_frame_count(ds.handle(), &n));
    return n;
}

/// Frame `index`: native data as stored (little endian; 1-bit data packed), compressed data decoded
/// (interleaved; see decode_frame for its photometric interpretation). UnsupportedError when this
/// build has no codec for the syntax; ParseError for a corrupt frame ("frame N: …").
inline std::vector<uint8_t> read_frame(const Dataset &ds, uint64_t index) {
    size_t n = 0;
    const dk_result r = dk_dataset_read_frame(ds.handle(), index, nullptr, &n);
    if (r != DK_EBUFS) check(r);
    std::vector<uint8_t> out(n);
    if (n) check(dk_dataset_read_frame(ds.handle(), index, out.data(), &n));
    out.resize(n);
    return out;
}

/// All the native frames, borrowed from the dataset (no copy): valid until its pixel data is replaced
/// or removed, or the dataset destroyed. UnsupportedError when compressed.
struct PixelView {
    const uint8_t *data = nullptr;
    size_t size = 0;
};
inline PixelView pixel_data_view(const Dataset &ds) {
    const void *p = nullptr;
    size_t n = 0;
    check(dk_dataset_pixel_data_view(ds.handle(), &p, &n));
    return PixelView{static_cast<const uint8_t *>(p), n};
}

/// A frame decoded by decode_frame: interleaved samples and their photometric interpretation.
struct DecodedFrame {
    std::vector<uint8_t> data;
    std::string photometric;  ///< "RGB" for JPEG Baseline YBR_FULL_422, else the dataset's
};

/// Decodes frame `index` into `buf` of `size` bytes (pixel_info().frame_size; 3/2 of it for native
/// YBR_FULL_422, upsampled to YBR_FULL), always interleaved,
/// and returns the size written; `photometric`, when given, receives the result's Photometric
/// Interpretation. Throws as read_frame (Error with code DK_EBUFS when `size` is too small).
inline size_t decode_frame_into(const Dataset &ds, uint64_t index, void *buf, size_t size,
                                std::string *photometric = nullptr) {
    char pi[20] = {0};
    check(dk_dataset_decode_frame(ds.handle(), index, buf, &size, pi));
    if (photometric) *photometric = pi;
    return size;
}

/// What the decoders tolerated in this thread's last frame, transcode or render call
/// (dk_last_warnings): "frame N: …" lines, each ending in '\n'; empty when nothing.
inline std::string last_warnings() { return dk_last_warnings(); }

/// Decodes frame `index` (dk_dataset_decode_frame): always interleaved, with the photometric
/// interpretation of the result.
inline DecodedFrame decode_frame(const Dataset &ds, uint64_t index) {
    DecodedFrame out;
    size_t n = 0;
    const dk_result r = dk_dataset_decode_frame(ds.handle(), index, nullptr, &n, nullptr);
    if (r != DK_EBUFS) check(r);
    out.data.resize(n);
    char pi[20] = {0};
    check(dk_dataset_decode_frame(ds.handle(), index, out.data.empty() ? nullptr : out.data.data(), &n, pi));
    out.data.resize(n);
    out.photometric = pi;
    return out;
}

// -- codecs and transcoding -----------------------------------------------------------------------

/// DK_CODEC_DECODE | DK_CODEC_ENCODE for what this build can do with pixel data in `transfer_syntax`
/// (a UID, keyword or alias); 0 for an unknown syntax or one without codec.
inline int codec_support(const std::string &transfer_syntax) { return dk_codec_support(transfer_syntax.c_str()); }
inline bool can_decode(const std::string &transfer_syntax) {
    return (codec_support(transfer_syntax) & DK_CODEC_DECODE) != 0;
}
inline bool can_encode(const std::string &transfer_syntax) {
    return (codec_support(transfer_syntax) & DK_CODEC_ENCODE) != 0;
}

/// Choices for transcode() (dk_transcode_options); the defaults are the C ABI's.
struct TranscodeOptions {
    int quality = 90;                    ///< JPEG Baseline / Extended: 1..100
    double ratio = 0;                    ///< JPEG 2000 / HTJ2K lossy: target ratio; 0 = the codec's default
    int near_lossless = 2;               ///< JPEG-LS near-lossless (.81): NEAR
    int predictor = 1;                   ///< JPEG Lossless Process 14 (.57): 1..7
    bool lossy_to_lossless = false;      ///< re-encode lossy pixel data in a lossless syntax anyway
    bool extended_offset_table = false;  ///< Extended Offset Table instead of the Basic one
    bool keep_uid = false;               ///< keep SOP Instance UID and Image Type after lossy compression
    uint32_t threads = 0;                ///< 0 = one per core

    dk_transcode_options to_c() const {
        dk_transcode_options o = DK_TRANSCODE_OPTIONS_INIT;
        o.quality = quality;
        o.ratio = ratio;
        o.near_lossless = near_lossless;
        o.predictor = predictor;
        o.lossy_to_lossless = lossy_to_lossless ? 1 : 0;
        o.extended_offset_table = extended_offset_table ? 1 : 0;
        o.keep_uid = keep_uid ? 1 : 0;
        o.threads = threads;
        return o;
    }
};

/// Re-encodes the pixel data of a top-level dataset in `transfer_syntax` (a UID, keyword or alias)
/// and makes it the dataset's syntax (dk_dataset_transcode). InvalidArgument for a refused
/// lossy-to-lossless re-encoding or bad options, UnsupportedError when no codec can do it.
inline void transcode(Dataset &ds, const std::string &transfer_syntax, const TranscodeOptions &opts = {}) {
    const dk_transcode_options o = opts.to_c();
    check(dk_dataset_transcode(ds.handle(), transfer_syntax.c_str(), &o));
}

// -- rendering ------------------------------------------------------------------------------------

/// How stored values become display values (dk_render_options).
struct RenderOptions {
    bool use_window = false;   ///< apply window_center / window_width instead of the dataset's
    double window_center = 0;
    double window_width = 0;   ///< > 0 with use_window
    uint32_t voi_index = 0;    ///< which of the dataset's windows / VOI LUTs
    bool min_max = false;      ///< stretch the frame's minimum..maximum

    /// The window (centre, width) to use.
    static RenderOptions window(double center, double width) {
        RenderOptions o;
        o.use_window = true;
        o.window_center = center;
        o.window_width = width;
        return o;
    }
    dk_render_options to_c() const {
        dk_render_options o = DK_RENDER_OPTIONS_INIT;
        o.use_window = use_window ? 1 : 0;
        o.window_center = window_center;
        o.window_width = window_width;
        o.voi_index = voi_index;
        o.min_max = min_max ? 1 : 0;
        return o;
    }
};

/// An 8-bit image: `channels` 1 (grayscale) or 3 (RGB), rows of width × channels bytes.
struct Image8 {
    uint32_t width = 0, height = 0, channels = 1;
    std::vector<uint8_t> pixels;
};

/// Renders frame `index` to 8-bit display values (dk_dataset_render_frame).
inline Image8 render_frame(const Dataset &ds, uint64_t index = 0, const RenderOptions &opts = {}) {
    const dk_render_options o = opts.to_c();
    Image8 img;
    size_t n = 0;
    dk_result r = dk_dataset_render_frame(ds.handle(), index, &o, nullptr, &n, &img.width, &img.height, &img.channels);
    while (r == DK_EBUFS) {  // the size is known without rendering; a second answer only if it grew
        img.pixels.resize(n);
        r = dk_dataset_render_frame(ds.handle(), index, &o, img.pixels.data(), &n, &img.width, &img.height,
                                    &img.channels);
    }
    check(r);
    img.pixels.resize(n);
    return img;
}

/// Renders frame `index` and writes it as a PNG file (dk_dataset_export_png).
inline void export_png(const Dataset &ds, const std::string &path, uint64_t index = 0, const RenderOptions &opts = {}) {
    const dk_render_options o = opts.to_c();
    check(dk_dataset_export_png(ds.handle(), index, &o, path.c_str()));
}

// -- network --------------------------------------------------------------------------------------

/// Options of an Application Entity (dk_ae_options); the defaults are the C ABI's.
struct AeOptions {
    uint32_t max_pdu = 262144;           ///< largest P-DATA-TF received (0 = no limit)
    int32_t connect_timeout_ms = 10000;  ///< TCP connection
    int32_t artim_timeout_ms = 30000;    ///< association request, release and abort
    int32_t dimse_timeout_ms = 60000;    ///< waiting for a DIMSE response
    int32_t idle_timeout_ms = 60000;     ///< an SCP's wait for the next request, then A-ABORT
    uint16_t max_ops_invoked = 1;
    uint16_t max_ops_performed = 1;
    uint32_t max_associations = 32;      ///< a server's concurrent associations
    bool check_called_ae = false;        ///< a server rejects a Called AE Title that is not its own
    int log_level = DK_LOG_WARNING;
    int32_t request_timeout_ms = 5000;   ///< a connection's whole A-ASSOCIATE-RQ, else closed
    uint32_t max_associations_per_address = 0;  ///< 0: only max_associations
    uint32_t max_pending = 64;           ///< connections still sending their A-ASSOCIATE-RQ
    uint32_t max_pending_per_address = 16;

    dk_ae_options to_c() const {
        dk_ae_options o = DK_AE_OPTIONS_INIT;
        o.max_pdu = max_pdu;
        o.connect_timeout_ms = connect_timeout_ms;
        o.artim_timeout_ms = artim_timeout_ms;
        o.dimse_timeout_ms = dimse_timeout_ms;
        o.idle_timeout_ms = idle_timeout_ms;
        o.max_ops_invoked = max_ops_invoked;
        o.max_ops_performed = max_ops_performed;
        o.max_associations = max_associations;
        o.check_called_ae = check_called_ae ? 1 : 0;
        o.log_level = log_level;
        o.request_timeout_ms = request_timeout_ms;
        o.max_associations_per_address = max_associations_per_address;
        o.max_pending = max_pending;
        o.max_pending_per_address = max_pending_per_address;
        return o;
    }
};

/// An Application Entity's configuration (dk_ae): title, SOP classes, options. Move-only.
/// Association::connect and Server copy it, so it may change or go away afterwards.
class AE {
public:
    explicit AE(const std::string &title, const AeOptions &options = {}) {
        const dk_ae_options o = options.to_c();
        check(dk_ae_new(&h_, title.c_str(), &o));
    }
    AE(AE &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    AE &operator=(AE &&o) noexcept {
        if (this != &o) {
            dk_ae_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    AE(const AE &) = delete;
    AE &operator=(const AE &) = delete;
    ~AE() { dk_ae_free(h_); }

    dk_ae *handle() const noexcept { return h_; }

    /// Adds (or extends) a SOP class with its transfer syntaxes in order of preference (UIDs,
    /// keywords or aliases; none = the uncompressed ones), as SCU and/or SCP (DK_ROLE_SCU|DK_ROLE_SCP).
    AE &add_sop_class(const std::string &sop_class_uid, const std::vector<std::string> &transfer_syntaxes = {},
                      uint32_t roles = DK_ROLE_SCU | DK_ROLE_SCP) {
        std::vector<const char *> ts;
        ts.reserve(transfer_syntaxes.size());
        for (const std::string &s : transfer_syntaxes) ts.push_back(s.c_str());
        check(dk_ae_add_sop_class(h_, sop_class_uid.c_str(), ts.empty() ? nullptr : ts.data(), ts.size(), roles));
        return *this;
    }
    /// Verification (C-ECHO) as SCU and SCP.
    AE &add_verification() {
        check(dk_ae_add_verification(h_));
        return *this;
    }
    /// Every Storage SOP class as SCP, uncompressed and encapsulated syntaxes (a storage server).
    AE &add_all_storage() {
        check(dk_ae_add_all_storage(h_));
        return *this;
    }
    /// The Query/Retrieve SOP classes (Study and Patient Root FIND, MOVE, GET) as SCU.
    AE &add_query_retrieve() {
        check(dk_ae_add_query_retrieve(h_));
        return *this;
    }
    /// The common storage SOP classes with the SCP role of a C-GET's sub-operations, with every
    /// syntax we can store (files arrive as the peer holds them), or `uncompressed_only`.
    AE &add_get_storage(bool uncompressed_only = false) {
        check(uncompressed_only ? dk_ae_add_get_storage_uncompressed(h_) : dk_ae_add_get_storage(h_));
        return *this;
    }
    /// Sends the AE's log lines to `fn` (from any thread, possibly several at once; `user_data`
    /// must outlive every association and server made from this AE); nullptr: standard error.
    AE &set_log(dk_log_fn fn, void *user_data = nullptr) {
        check(dk_ae_set_log(h_, fn, user_data));
        return *this;
    }
    /// The storage contexts (as SCU) needed to send these files. All or nothing.
    AE &add_storage_for_files(const std::vector<std::string> &paths) {
        std::vector<const char *> p;
        p.reserve(paths.size());
        for (const std::string &s : paths) p.push_back(s.c_str());
        check(dk_ae_add_storage_for_files(h_, p.empty() ? nullptr : p.data(), p.size()));
        return *this;
    }

private:
    dk_ae *h_ = nullptr;
};

/// A negotiated presentation context.
struct PresentationContext {
    uint8_t id = 0;
    std::string abstract_syntax;  ///< SOP class UID
    std::string transfer_syntax;  ///< accepted syntax, "" when not accepted
    int result = 0;               ///< 0 acceptance, 1 user rejection, 2 no reason, 3/4 not supported
    bool accepted() const noexcept { return result == 0; }
};

/// The final status and counts of a C-MOVE or C-GET, or a pending response's counts.
struct RetrieveResult {
    uint16_t status = 0xFFFF;
    uint16_t completed = 0, failed = 0, warning = 0;
    int32_t remaining = -1;  ///< -1 when the response does not say
    bool cancelled = false;
    uint32_t stored = 0;     ///< C-GET: instances received into the folder

    static RetrieveResult from_c(const dk_retrieve_result &r) {
        RetrieveResult o;
        o.status = r.status;
        o.completed = r.completed;
        o.failed = r.failed;
        o.warning = r.warning;
        o.remaining = r.remaining;
        o.cancelled = r.cancelled != 0;
        o.stored = r.stored;
        return o;
    }
};

/// What an N-CREATE, N-SET or N-ACTION came back with.
struct NResult {
    uint16_t status = 0xFFFF;
    uint16_t action_type = 0;
    std::string sop_instance_uid, error_comment;
    std::optional<Dataset> dataset;  ///< the response's dataset, if any
};

/// What Association::find_all collected: the final C-FIND status (0x0000 Success, 0xFE00 after a
/// cancel, a failure such as 0xA900 or 0xC000) and the matches received before it.
struct FindResult {
    uint16_t status = 0xFFFF;
    std::vector<Dataset> matches;
};

/// One instance of a Storage Commitment report and, in the failed list, why (PS3.4 J.3.2.1.1.1:
/// 0x0110 Processing failure, 0x0112 No such object instance, 0x0119 Class-instance conflict…).
struct CommitItem {
    std::string sop_class_uid, sop_instance_uid;
    uint16_t failure_reason = 0;
};

/// The outcome of Association::commit (dk_commit_result): the N-ACTION's status, the Transaction
/// UID and, once the N-EVENT-REPORT came (on the association, or through CommitListener::wait),
/// its event type (1 all committed, 2 some failed) and lists. Copies share the C handle.
struct CommitResult {
    uint16_t action_status = 0xFFFF;
    std::string transaction_uid;
    bool report_received = false;
    uint16_t event_type = 0;
    std::vector<CommitItem> committed, failed;
    std::shared_ptr<dk_commit_result> handle;  ///< the C result, which CommitListener::wait fills

    /// Takes ownership of `r` and reads it.
    static CommitResult from_c(dk_commit_result *r) {
        CommitResult o;
        o.handle.reset(r, &dk_commit_result_free);
        o.refresh();
        return o;
    }
    /// Reads the fields again from the C result (after a listener filled it).
    void refresh() {
        if (!handle) return;
        const dk_commit_result *r = handle.get();
        check(dk_commit_result_action_status(r, &action_status));
        const char *uid = nullptr;
        check(dk_commit_result_transaction_uid(r, &uid));
        transaction_uid = uid ? uid : "";
        int received = 0;
        check(dk_commit_result_report_received(r, &received));
        report_received = received != 0;
        check(dk_commit_result_event_type(r, &event_type));
        committed = items(r, DK_COMMIT_COMMITTED);
        failed = items(r, DK_COMMIT_FAILED);
    }

private:
    static std::vector<CommitItem> items(const dk_commit_result *r, dk_commit_list list) {
        size_t n = 0;
        check(dk_commit_result_count(r, list, &n));
        std::vector<CommitItem> out(n);
        for (size_t i = 0; i < n; ++i) {
            const char *cls = nullptr, *inst = nullptr;
            check(dk_commit_result_item(r, list, i, &cls, &inst, &out[i].failure_reason));
            out[i].sop_class_uid = cls ? cls : "";
            out[i].sop_instance_uid = inst ? inst : "";
        }
        return out;
    }
};

/// An association requested by this AE (dk_assoc). Move-only; use it from one thread at a time.
/// A failed call (NetworkError other than "refused") ends it; the destructor aborts it when it is
/// still established.
class Association {
public:
    Association() = default;
    Association(Association &&o) noexcept
        : h_(std::exchange(o.h_, nullptr)), established_(std::exchange(o.established_, false)) {}
    Association &operator=(Association &&o) noexcept {
        if (this != &o) {
            dk_assoc_free(h_);
            h_ = std::exchange(o.h_, nullptr);
            established_ = std::exchange(o.established_, false);
        }
        return *this;
    }
    Association(const Association &) = delete;
    Association &operator=(const Association &) = delete;
    ~Association() { dk_assoc_free(h_); }

    /// Connects to host:port and requests an association with `called_ae`, proposing the AE's SOP
    /// classes. NetworkError (kind "network", "timeout", "rejected", "aborted"…) on failure.
    static Association connect(const AE &ae, const std::string &host, uint16_t port, const std::string &called_ae) {
        Association a;
        check(dk_assoc_connect(&a.h_, ae.handle(), host.c_str(), port, called_ae.c_str()));
        a.established_ = true;
        return a;
    }

    dk_assoc *handle() const noexcept { return h_; }
    bool established() const noexcept { return h_ != nullptr && established_; }

    /// C-ECHO; the peer's DIMSE status (0x0000 Success).
    uint16_t echo() {
        uint16_t status = 0xFFFF;
        track(dk_assoc_echo(h_, &status));
        return status;
    }
    /// C-STORE of a Part 10 file; the peer's status (0x0000 Success, 0xBxxx warning, else failure).
    uint16_t store_file(const std::string &path) {
        uint16_t status = 0xFFFF;
        track(dk_assoc_store_file(h_, path.c_str(), &status));
        return status;
    }
    /// C-STORE of a top-level dataset in memory.
    uint16_t store_dataset(const Dataset &ds) {
        uint16_t status = 0xFFFF;
        track(dk_assoc_store_dataset(h_, ds.handle(), &status));
        return status;
    }
    /// Called with each C-FIND match (valid during the call only: clone() or dk_dataset_clone() what
    /// you keep); return
    /// false to cancel (C-CANCEL-RQ).
    using MatchFn = std::function<bool(const Dataset &match)>;
    /// Called with each C-MOVE/C-GET pending response; return false to cancel.
    using ProgressFn = std::function<bool(const RetrieveResult &)>;

    /// C-FIND with `identifier` (Query/Retrieve Level and keys); `sop_class` "" = Study Root. Returns
    /// the final status (0x0000, 0xFE00 after a cancel…). An exception thrown by `on_match` cancels
    /// the query and is rethrown once it is over.
    uint16_t find(const Dataset &identifier, const MatchFn &on_match, const std::string &sop_class = "",
                  size_t *matches = nullptr) {
        Match ctx{&on_match, nullptr};
        uint16_t status = 0xFFFF;
        const dk_result r = dk_assoc_find(
            h_, sop_class.empty() ? nullptr : sop_class.c_str(), identifier.handle(),
            on_match ? &Association::match_cb : nullptr, &ctx, &status, matches);
        if (ctx.error) std::rethrow_exception(ctx.error);
        track(r);
        return status;
    }
    /// C-FIND collecting every match (each a copy the caller owns) with the final status; at most
    /// `max_matches` (0 = no limit), the query being cancelled past it (status 0xFE00 then).
    FindResult find_all(const Dataset &identifier, const std::string &sop_class = "", size_t max_matches = 0) {
        FindResult out;
        out.status = find(
            identifier,
            [&](const Dataset &match) {
                out.matches.push_back(match.clone());
                return max_matches == 0 || out.matches.size() < max_matches;
            },
            sop_class);
        return out;
    }
    /// C-MOVE of what `identifier` selects to `destination_ae`; `sop_class` "" = Study Root.
    RetrieveResult move(const std::string &destination_ae, const Dataset &identifier, const ProgressFn &progress = {},
                        const std::string &sop_class = "") {
        Progress ctx{&progress, nullptr};
        dk_retrieve_result res = DK_RETRIEVE_RESULT_INIT;
        const dk_result r = dk_assoc_move(h_, sop_class.empty() ? nullptr : sop_class.c_str(), destination_ae.c_str(),
                                          identifier.handle(), progress ? &Association::progress_cb : nullptr, &ctx,
                                          &res);
        if (ctx.error) std::rethrow_exception(ctx.error);
        track(r);
        return RetrieveResult::from_c(res);
    }
    /// C-GET of what `identifier` selects into `folder` (<SOP Instance UID>.dcm files); the AE
    /// needs add_get_storage(). `sop_class` "" = Study Root.
    RetrieveResult get(const Dataset &identifier, const std::string &folder, const ProgressFn &progress = {},
                       const std::string &sop_class = "") {
        Progress ctx{&progress, nullptr};
        dk_retrieve_result res = DK_RETRIEVE_RESULT_INIT;
        const dk_result r = dk_assoc_get(h_, sop_class.empty() ? nullptr : sop_class.c_str(), identifier.handle(),
                                         folder.c_str(), progress ? &Association::progress_cb : nullptr, &ctx, &res);
        if (ctx.error) std::rethrow_exception(ctx.error);
        track(r);
        return RetrieveResult::from_c(res);
    }
    /// N-CREATE (`instance_uid` "" = the performer chooses); `attributes` may be null.
    NResult n_create(const std::string &sop_class, const std::string &instance_uid, const Dataset *attributes) {
        dk_n_result res;
        check(dk_n_result_init(&res, DK_N_RESULT_VERSION));
        track(dk_assoc_n_create(h_, sop_class.c_str(), instance_uid.c_str(), attributes ? attributes->handle() : nullptr,
                                &res));
        return n_result(res);
    }
    /// N-SET of `instance_uid` with `modifications`.
    NResult n_set(const std::string &sop_class, const std::string &instance_uid, const Dataset &modifications) {
        dk_n_result res;
        check(dk_n_result_init(&res, DK_N_RESULT_VERSION));
        track(dk_assoc_n_set(h_, sop_class.c_str(), instance_uid.c_str(), modifications.handle(), &res));
        return n_result(res);
    }
    /// N-ACTION `action_type` on `instance_uid`; `information` may be null.
    NResult n_action(const std::string &sop_class, const std::string &instance_uid, uint16_t action_type,
                     const Dataset *information) {
        dk_n_result res;
        check(dk_n_result_init(&res, DK_N_RESULT_VERSION));
        track(dk_assoc_n_action(h_, sop_class.c_str(), instance_uid.c_str(), action_type,
                                information ? information->handle() : nullptr, &res));
        return n_result(res);
    }

    /// Storage Commitment (dk_assoc_commit): N-ACTION for the (SOP class, SOP instance) pairs, then
    /// up to `report_wait_ms` for the report on this association (0: do not wait, release next; it
    /// will come on a CommitListener). The AE needs add_sop_class(DK_STORAGE_COMMITMENT_SOP_CLASS, {}, DK_ROLE_SCU).
    /// A report that does not come in time is no error (report_received false).
    CommitResult commit(const std::vector<std::pair<std::string, std::string>> &instances,
                        int32_t report_wait_ms = 30000) {
        std::vector<const char *> classes, uids;
        classes.reserve(instances.size());
        uids.reserve(instances.size());
        for (const auto &i : instances) {
            classes.push_back(i.first.c_str());
            uids.push_back(i.second.c_str());
        }
        dk_commit_result *r = nullptr;
        track(dk_assoc_commit(h_, classes.empty() ? nullptr : classes.data(), uids.empty() ? nullptr : uids.data(),
                              instances.size(), report_wait_ms, &r));
        return CommitResult::from_c(r);
    }

    /// The negotiated presentation contexts, accepted or not.
    std::vector<PresentationContext> contexts() const {
        size_t n = 0;
        check(dk_assoc_context_count(h_, &n));
        std::vector<PresentationContext> out;
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            PresentationContext c;
            const char *as = nullptr, *ts = nullptr;
            check(dk_assoc_context(h_, i, &c.id, &as, &ts, &c.result));
            c.abstract_syntax = as ? as : "";
            c.transfer_syntax = ts ? ts : "";
            out.push_back(std::move(c));
        }
        return out;
    }
    /// A-RELEASE. InvalidArgument when no longer established.
    void release() {
        const dk_result r = dk_assoc_release(h_);
        established_ = false;
        check(r);
    }
    /// A-ABORT. Idempotent.
    void abort() {
        established_ = false;
        if (h_) check(dk_assoc_abort(h_));
    }

private:
    void track(dk_result r) {
        if (r == DK_ENETWORK || r == DK_ETIMEOUT || r == DK_EABORTED || r == DK_EPROTOCOL) established_ = false;
        check(r);
    }

    struct Match {
        const MatchFn *fn;
        std::exception_ptr error;
    };
    struct Progress {
        const ProgressFn *fn;
        std::exception_ptr error;
    };
    static int match_cb(const dk_dataset *match, void *user_data) noexcept {
        auto *ctx = static_cast<Match *>(user_data);
        // A borrowed view of the C handle for the duration of the call.
        Dataset view(const_cast<dk_dataset *>(match));
        try {
            const bool go_on = (*ctx->fn)(view);
            view.release();
            return go_on ? 1 : 0;
        } catch (...) {
            view.release();
            ctx->error = std::current_exception();
            return 0;
        }
    }
    static int progress_cb(const dk_retrieve_result *p, void *user_data) noexcept {
        auto *ctx = static_cast<Progress *>(user_data);
        try {
            return (*ctx->fn)(RetrieveResult::from_c(*p)) ? 1 : 0;
        } catch (...) {
            ctx->error = std::current_exception();
            return 0;
        }
    }
    static NResult n_result(dk_n_result &r) {
        NResult o;
        o.status = r.status;
        o.action_type = r.action_type;
        o.sop_instance_uid = r.sop_instance_uid;
        o.error_comment = r.error_comment;
        if (r.dataset) o.dataset.emplace(r.dataset);
        return o;
    }

    dk_assoc *h_ = nullptr;
    bool established_ = false;
};

/// What a server knows about an association (copied out of the C callback's dk_assoc_info).
struct AssocInfo {
    std::string calling_ae, called_ae, peer_address;
};
/// An instance received by C-STORE. `path` is a complete Part 10 file, valid during the handler only
/// (unless the server has a storage folder, where it stays when the handler answers success).
struct StoreInfo {
    AssocInfo assoc;
    std::string sop_class_uid, sop_instance_uid, transfer_syntax, path;
};

/// A C-FIND as a server's find handler sees it.
struct FindInfo {
    AssocInfo assoc;
    std::string sop_class_uid;  ///< the information model
    std::string level;          ///< Query/Retrieve Level ("" for the worklist)
};

/// A DICOM server (dk_server) whose handlers are std::functions, called from its worker threads
/// (several at once: they must be thread-safe). A handler that throws fails its request: the
/// association is rejected, or the status is 0x0110 (C-ECHO) / 0xA700 (C-STORE). Move-only; the
/// destructor stops the server (waiting for running handlers) before the handlers go away.
class Server {
public:
    /// true accepts the association, false rejects it (rejected-permanent, service-user).
    using AssociateHandler = std::function<bool(const AssocInfo &)>;
    /// Returns the C-ECHO response status.
    using EchoHandler = std::function<uint16_t(const AssocInfo &)>;
    /// Returns the C-STORE response status.
    using StoreHandler = std::function<uint16_t(const StoreInfo &)>;
    /// Sends a C-FIND match (a pending response); false once the peer cancelled: stop then.
    using FindEmit = std::function<bool(const Dataset &match)>;
    /// Answers a C-FIND: emits the matches for `identifier` (valid during the call), returns the final
    /// status (0x0000, or a failure such as 0xA900, 0xC000).
    using FindHandler = std::function<uint16_t(const FindInfo &, const Dataset &identifier, const FindEmit &emit)>;
    struct Handlers {
        AssociateHandler on_associate;  ///< empty: accept every association
        EchoHandler on_echo;            ///< empty: Success
        StoreHandler on_store;          ///< empty: store in the storage folder, or refuse without one
        FindHandler on_find;            ///< empty: C-FIND refused (0x0122); give the AE the classes as SCP
    };

    /// A server for `ae` (give it add_verification(), add_all_storage()…).
    explicit Server(const AE &ae, Handlers handlers = {}) : hs_(new Handlers(std::move(handlers))) {
        dk_server_callbacks cb = DK_SERVER_CALLBACKS_INIT;
        if (hs_->on_associate) cb.on_associate = &Server::associate_cb;
        if (hs_->on_echo) cb.on_echo = &Server::echo_cb;
        if (hs_->on_store) cb.on_store = &Server::store_cb;
        if (hs_->on_find) cb.on_find = &Server::find_cb;
        cb.user_data = hs_.get();
        check(dk_server_new(&h_, ae.handle(), &cb));
    }
    Server(Server &&o) noexcept : hs_(std::move(o.hs_)), h_(std::exchange(o.h_, nullptr)) {}
    Server &operator=(Server &&o) noexcept {
        if (this != &o) {
            dk_server_free(h_);
            h_ = std::exchange(o.h_, nullptr);
            hs_ = std::move(o.hs_);
        }
        return *this;
    }
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;
    ~Server() { dk_server_free(h_); }  // stops first: no handler runs after this line

    dk_server *handle() const noexcept { return h_; }

    /// Stores received instances as <SOP Instance UID>.dcm in `folder` (which must exist). Before start().
    void set_storage_folder(const std::string &folder, bool fsync = true) {
        check(dk_server_set_storage_folder(h_, folder.c_str(), fsync ? 1 : 0));
    }
    /// Largest dataset and free space reserve, in bytes (0 = no bound); refusals are 0xA700. Before start().
    void set_storage_limits(uint64_t max_dataset_size, uint64_t min_free_space = 0) {
        check(dk_server_set_storage_limits(h_, max_dataset_size, min_free_space));
    }
    /// Binds `address` ("" = every address) and `port` (0 = a free one) and serves in the background.
    void start(const std::string &address = "", uint16_t port = 0) {
        check(dk_server_start(h_, address.empty() ? nullptr : address.c_str(), port));
    }
    /// The port listened on (after start()).
    uint16_t port() const {
        uint16_t p = 0;
        check(dk_server_port(h_, &p));
        return p;
    }
    /// Stops accepting, lets running associations finish for up to `grace_ms`, interrupts the rest
    /// and waits for the workers. Idempotent.
    void stop(int32_t grace_ms = 10000) { check(dk_server_stop(h_, grace_ms)); }

private:
    static AssocInfo info_of(const dk_assoc_info *i) {
        AssocInfo a;
        if (i) {
            a.calling_ae = i->calling_ae ? i->calling_ae : "";
            a.called_ae = i->called_ae ? i->called_ae : "";
            a.peer_address = i->peer_address ? i->peer_address : "";
        }
        return a;
    }
    static dk_result associate_cb(const dk_assoc_info *info, void *user_data) noexcept {
        try {
            return static_cast<Handlers *>(user_data)->on_associate(info_of(info)) ? DK_OK : DK_EREJECTED;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }
    static dk_result echo_cb(uint16_t *status, const dk_assoc_info *info, void *user_data) noexcept {
        try {
            *status = static_cast<Handlers *>(user_data)->on_echo(info_of(info));
            return DK_OK;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }
    static dk_result store_cb(uint16_t *status, const dk_store_info *info, void *user_data) noexcept {
        try {
            StoreInfo s;
            s.assoc = info_of(info->assoc);
            s.sop_class_uid = info->sop_class_uid ? info->sop_class_uid : "";
            s.sop_instance_uid = info->sop_instance_uid ? info->sop_instance_uid : "";
            s.transfer_syntax = info->transfer_syntax ? info->transfer_syntax : "";
            s.path = info->path ? info->path : "";
            *status = static_cast<Handlers *>(user_data)->on_store(s);
            return DK_OK;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }

    static dk_result find_cb(uint16_t *status, const dk_find_info *info, dk_find_request *request,
                             void *user_data) noexcept {
        try {
            FindInfo f;
            f.assoc = info_of(info->assoc);
            f.sop_class_uid = info->sop_class_uid ? info->sop_class_uid : "";
            f.level = info->level ? info->level : "";
            // A borrowed view of the identifier for the duration of the call.
            struct View {
                Dataset ds;
                ~View() { ds.release(); }
            } id{Dataset(const_cast<dk_dataset *>(info->identifier))};
            const FindEmit emit = [request](const Dataset &match) {
                const dk_result r = dk_find_emit(request, match.handle());
                if (r == DK_EREFUSED) return false;  // cancelled
                check(r);
                return true;
            };
            *status = static_cast<Handlers *>(user_data)->on_find(f, id.ds, emit);
            return DK_OK;
        } catch (...) {
            return DK_EINTERNAL;
        }
    }

    std::unique_ptr<Handlers> hs_;  // at a stable address: the C callbacks' user_data
    dk_server *h_ = nullptr;
};

/// The requestor's end of Storage Commitment reports sent on associations the performer opens
/// (dk_commit_listener): a server with the AE's title accepting only the Storage Commitment Push
/// Model in the SCU role. Start it before the request. Move-only; the destructor stops it.
class CommitListener {
public:
    /// Listens on `address` ("" = every address) and `port` (0 = a free one, see port()).
    explicit CommitListener(const AE &ae, const std::string &address = "", uint16_t port = 0) {
        check(dk_commit_listener_start(&h_, ae.handle(), address.empty() ? nullptr : address.c_str(), port));
    }
    CommitListener(CommitListener &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    CommitListener &operator=(CommitListener &&o) noexcept {
        if (this != &o) {
            dk_commit_listener_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    CommitListener(const CommitListener &) = delete;
    CommitListener &operator=(const CommitListener &) = delete;
    ~CommitListener() { dk_commit_listener_free(h_); }

    dk_commit_listener *handle() const noexcept { return h_; }
    uint16_t port() const {
        uint16_t p = 0;
        check(dk_commit_listener_port(h_, &p));
        return p;
    }
    /// Waits up to `timeout_ms` for the report of `r`'s transaction and fills `r` with it; false
    /// when it did not come in time (true at once when `r` already has its report).
    bool wait(CommitResult &r, int32_t timeout_ms) {
        if (!r.handle) throw InvalidArgument(DK_EINVAL, "the CommitResult has no C result (not from Association::commit)");
        int received = 0;
        check(dk_commit_listener_wait(h_, r.handle.get(), timeout_ms, &received));
        r.refresh();
        return received != 0;
    }

private:
    dk_commit_listener *h_ = nullptr;
};

}  // namespace dk

#endif  // DCMKIT_DATASET_HPP
