// dcmkit — DICOMDIR reading: the byte offsets of the Directory Record Sequence's items, and the walk
// of the record tree through (0004,1200), (0004,1400) and (0004,1420) (PS3.3 F.3.2.1).
#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>

#include "dcmkit/dicomdir.h"
#include "dcmkit/error.h"
#include "dicomdir_detail.h"

namespace dcmkit {

const char *const kMediaStorageDirectoryStorage = "1.2.840.10008.1.3.10";

namespace dicomdir_detail {
namespace {

constexpr uint32_t kUndefined = 0xFFFFFFFFu;
constexpr uint32_t kItem = 0xFFFEE000u, kItemDelim = 0xFFFEE00Du, kSeqDelim = 0xFFFEE0DDu;
constexpr unsigned kMaxDepth = 64;

/// A bounds-checked explicit VR little endian walker over the file's bytes.
struct Walker {
    const uint8_t *d;
    size_t n;

    void need(uint64_t pos, uint64_t count, uint64_t end) const {
        if (pos > end || count > end - pos)
            throw Error(Errc::truncated, "the DICOMDIR ends inside an element header or value", int64_t(pos));
    }
    uint16_t u16(uint64_t p) const { return uint16_t(d[p] | (d[p + 1] << 8)); }
    uint32_t u32(uint64_t p) const { return uint32_t(d[p]) | (uint32_t(d[p + 1]) << 8) | (uint32_t(d[p + 2]) << 16) | (uint32_t(d[p + 3]) << 24); }
    uint32_t tag(uint64_t p) const { return (uint32_t(u16(p)) << 16) | u16(p + 2); }

    /// An element's header at `pos`: its value's start and length.
    void header(uint64_t pos, uint64_t end, uint64_t &value, uint32_t &length, VR &vr) const {
        need(pos, 8, end);
        vr = vr_from_chars(char(d[pos + 4]), char(d[pos + 5]));
        if (vr == VR::None)
            throw Error(Errc::bad_vr, "no valid VR in the DICOMDIR (it must be Explicit VR Little Endian)", int64_t(pos), tag(pos));
        if (vr_has_long_length(vr)) {
            need(pos, 12, end);
            length = u32(pos + 8);
            value = pos + 12;
        } else {
            length = u16(pos + 6);
            value = pos + 8;
        }
    }

    /// Skips the items of an undefined-length value up to and past its Sequence Delimitation Item.
    uint64_t skip_undefined_items(uint64_t pos, uint64_t end, unsigned depth) const {
        for (;;) {
            need(pos, 8, end);
            const uint32_t t = tag(pos), len = u32(pos + 4);
            if (t == kSeqDelim) return pos + 8;
            if (t != kItem) throw Error(Errc::malformed, "an undefined-length value holds something other than items", int64_t(pos), t);
            pos = skip_item(pos, end, depth);
            (void)len;
        }
    }
    /// Skips the item at `pos` (its tag included).
    uint64_t skip_item(uint64_t pos, uint64_t end, unsigned depth) const {
        need(pos, 8, end);
        const uint32_t len = u32(pos + 4);
        if (len != kUndefined) {
            need(pos + 8, len, end);
            return pos + 8 + len;
        }
        if (depth >= kMaxDepth) throw Error(Errc::too_deep, "sequences nest too deep in the DICOMDIR", int64_t(pos));
        pos += 8;
        for (;;) {
            need(pos, 8, end);
            if (tag(pos) == kItemDelim) return pos + 8;
            pos = skip_element(pos, end, depth + 1);
        }
    }
    uint64_t skip_element(uint64_t pos, uint64_t end, unsigned depth) const {
        uint64_t value;
        uint32_t length;
        VR vr;
        header(pos, end, value, length, vr);
        if (length == kUndefined) return skip_undefined_items(value, end, depth);
        need(value, length, end);
        return value + length;
    }
};

}  // namespace

std::vector<uint64_t> record_item_offsets(const uint8_t *data, size_t size, uint64_t dataset_offset) {
    Walker w{data, size};
    uint64_t pos = dataset_offset;
    while (pos < size) {
        uint64_t value;
        uint32_t length;
        VR vr;
        w.header(pos, size, value, length, vr);
        if (w.tag(pos) != kDirectoryRecordSequence.value) {
            pos = w.skip_element(pos, size, 0);
            continue;
        }
        std::vector<uint64_t> offsets;
        const bool undefined = length == kUndefined;
        uint64_t end = size;
        if (!undefined) {
            w.need(value, length, size);
            end = value + length;
        }
        uint64_t p = value;
        while (undefined || p < end) {
            w.need(p, 8, end);
            const uint32_t t = w.tag(p);
            if (undefined && t == kSeqDelim) break;
            if (t != kItem) throw Error(Errc::malformed, "the Directory Record Sequence holds something other than items", int64_t(p), t);
            offsets.push_back(p);
            p = w.skip_item(p, end, 0);
        }
        return offsets;
    }
    return {};
}

}  // namespace dicomdir_detail

namespace {

uint64_t offset_value(const Dataset &ds, Tag tag) {
    auto v = ds.get_int_opt(tag);
    return v && *v > 0 ? uint64_t(*v) : 0;
}

std::string join_file_id(const Dataset &ds) {
    if (!ds.contains(dicomdir_detail::kReferencedFileID)) return {};
    std::string out;
    for (const std::string &c : ds.get_strings(dicomdir_detail::kReferencedFileID)) {
        if (!out.empty()) out += '/';
        out += c;
    }
    return out;
}

}  // namespace

DicomDir read_dicomdir_memory(const uint8_t *data, size_t size) {
    using namespace dicomdir_detail;
    DicomDir dir;
    dir.file = read_memory(data, size);
    // The syntax the meta declares, and the one the reader found (they differ in a broken file).
    std::string declared = dir.file.meta.get_string_or(tags::TransferSyntaxUID, "");
    while (!declared.empty() && (declared.back() == '\0' || declared.back() == ' ')) declared.pop_back();
    if (!dir.file.syntax().explicit_vr || dir.file.syntax().big_endian || dir.file.syntax().deflated ||
        declared != "1.2.840.10008.1.2.1")
        throw Error(Errc::unsupported, "a DICOMDIR must be Explicit VR Little Endian (PS3.10 8.6); this one is '" +
                                           declared + "'");
    const Dataset &ds = dir.file.dataset;
    // PS3.3 F.3: the Basic Directory IOD's Type 1 offsets and its record sequence (Type 2: present,
    // maybe empty). A file that lacks them is no DICOMDIR, or one cut short.
    for (Tag t : {kFirstRecordOffset, kLastRecordOffset, kFileSetConsistencyFlag, kDirectoryRecordSequence})
        if (!ds.contains(t))
            throw Error(Errc::malformed, "not a DICOMDIR (or one cut short): " + t.str() + " is missing", -1, t.value);
    dir.fileset_id = ds.get_string_or(kFileSetID, "");
    while (!dir.fileset_id.empty() && dir.fileset_id.back() == ' ') dir.fileset_id.pop_back();
    const std::vector<Dataset> &items = ds.get_items(kDirectoryRecordSequence);
    const std::vector<uint64_t> offsets = record_item_offsets(data, size, dir.file.dataset_offset);
    if (offsets.size() != items.size())
        throw Error(Errc::malformed, "the Directory Record Sequence has " + std::to_string(offsets.size()) +
                                         " items in its bytes but " + std::to_string(items.size()) + " were read");
    std::map<uint64_t, size_t> item_at;
    for (size_t i = 0; i < offsets.size(); ++i) item_at[offsets[i]] = i;
    std::vector<bool> reached(items.size(), false);

    struct Frame {
        uint64_t next;
        size_t parent;
        Tag from;
    };
    std::vector<Frame> stack{{offset_value(ds, kFirstRecordOffset), DirectoryRecord::npos, kFirstRecordOffset}};
    while (!stack.empty()) {
        const Frame f = stack.back();
        if (f.next == 0) {
            stack.pop_back();
            continue;
        }
        auto it = item_at.find(f.next);
        if (it == item_at.end())
            throw Error(Errc::malformed, "the DICOMDIR offset " + std::to_string(f.next) + " in " + f.from.str() +
                                             " points at no record of the Directory Record Sequence",
                        int64_t(f.next), f.from.value);
        const size_t item = it->second;
        if (reached[item])
            throw Error(Errc::malformed, "the DICOMDIR offsets loop: " + f.from.str() + " points back at the record at offset " +
                                             std::to_string(f.next) + ", already reached",
                        int64_t(f.next), f.from.value);
        reached[item] = true;
        const Dataset &rec = items[item];
        DirectoryRecord r;
        r.type = rec.get_string_or(kDirectoryRecordType, "");
        r.keys = rec;
        r.file_id = join_file_id(rec);
        r.sop_class_uid = rec.get_string_or(kReferencedSOPClassUIDInFile, "");
        r.sop_instance_uid = rec.get_string_or(kReferencedSOPInstanceUIDInFile, "");
        r.transfer_syntax_uid = rec.get_string_or(kReferencedTransferSyntaxUIDInFile, "");
        r.in_use = rec.get_int_opt(kRecordInUseFlag).value_or(0xFFFF) != 0;
        r.offset = f.next;
        r.parent = f.parent;
        const size_t index = dir.records.size();
        if (f.parent == DirectoryRecord::npos) dir.roots.push_back(index);
        else dir.records[f.parent].children.push_back(index);
        dir.records.push_back(std::move(r));
        stack.back().next = offset_value(rec, kNextRecordOffset);
        stack.back().from = kNextRecordOffset;
        stack.push_back({offset_value(rec, kLowerLevelOffset), index, kLowerLevelOffset});
    }
    return dir;
}

DicomDir read_dicomdir(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(Errc::not_found, "cannot open DICOMDIR '" + path + "'");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw Error(Errc::io, "cannot read DICOMDIR '" + path + "'");
    DicomDir dir = read_dicomdir_memory(bytes.data(), bytes.size());
    const size_t slash = path.rfind('/');
    dir.folder = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
    return dir;
}

std::string DicomDir::file_path(size_t index) const {
    if (index >= records.size()) throw Error(Errc::invalid_argument, "no directory record " + std::to_string(index));
    const DirectoryRecord &r = records[index];
    if (r.file_id.empty())
        throw Error(Errc::not_found, "the " + r.type + " record at offset " + std::to_string(r.offset) +
                                         " references no file (no Referenced File ID)");
    // PS3.10 8.2: components are names below the file-set root; a hostile DICOMDIR must not reach
    // outside it.
    size_t start = 0;
    for (;;) {
        const size_t slash = r.file_id.find('/', start);
        const std::string c = r.file_id.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (c.empty() || c == "." || c == ".." || c.find('\\') != std::string::npos)
            throw Error(Errc::malformed, "the Referenced File ID '" + r.file_id + "' of the record at offset " +
                                             std::to_string(r.offset) + " is not a path below the file-set root",
                        int64_t(r.offset), dicomdir_detail::kReferencedFileID.value);
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return folder.empty() ? r.file_id : folder + "/" + r.file_id;
}

const std::vector<size_t> &DicomDir::children(size_t index) const {
    if (index == DirectoryRecord::npos) return roots;
    if (index >= records.size()) throw Error(Errc::invalid_argument, "no directory record " + std::to_string(index));
    return records[index].children;
}

std::vector<size_t> DicomDir::find(std::string_view type, Tag key, std::string_view value) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < records.size(); ++i) {
        if (!type.empty() && records[i].type != type) continue;
        if (!records[i].keys.contains(key)) continue;
        if (records[i].keys.get_string_or(key, "") == value) out.push_back(i);
    }
    return out;
}

std::vector<size_t> DicomDir::of_type(std::string_view type) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < records.size(); ++i)
        if (type.empty() || records[i].type == type) out.push_back(i);
    return out;
}

}  // namespace dcmkit
