// dcmkit — DICOMDIR writing (PS3.10 8, PS3.3 F.3 and F.5, PS3.11 STD-GEN-*): the record tree of a
// file-set, its keys, File IDs, and the record offsets computed on the encoded bytes.
#include <algorithm>
#include <cstring>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <system_error>

#include "dcmkit/dicomdir.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/uid.h"
#include "dicomdir_detail.h"

namespace fs = std::filesystem;

namespace dcmkit {

using namespace dicomdir_detail;

namespace {

constexpr const char *kExplicitVRLittleEndian = "1.2.840.10008.1.2.1";

// -- the SOP class → record type table (PS3.3 Table F.4-1) --------------------------------------

struct TypeRule {
    const char *prefix;  ///< a SOP Class UID, or a prefix ending in '.' for a family
    const char *type;
};
// Most specific first: the first entry whose prefix matches wins.
constexpr TypeRule kTypeRules[] = {
    {"1.2.840.10008.5.1.4.1.1.88.59", "KEY OBJECT DOC"},
    {"1.2.840.10008.5.1.4.1.1.88.", "SR DOCUMENT"},
    {"1.2.840.10008.5.1.4.1.1.11.", "PRESENTATION"},
    {"1.2.840.10008.5.1.4.1.1.481.2", "RT DOSE"},
    {"1.2.840.10008.5.1.4.1.1.481.3", "RT STRUCTURE SET"},
    {"1.2.840.10008.5.1.4.1.1.481.4", "RT TREAT RECORD"},
    {"1.2.840.10008.5.1.4.1.1.481.5", "RT PLAN"},
    {"1.2.840.10008.5.1.4.1.1.481.6", "RT TREAT RECORD"},
    {"1.2.840.10008.5.1.4.1.1.481.7", "RT TREAT RECORD"},
    {"1.2.840.10008.5.1.4.1.1.481.8", "RT PLAN"},
    {"1.2.840.10008.5.1.4.1.1.481.9", "RT TREAT RECORD"},
    {"1.2.840.10008.5.1.4.1.1.9.", "WAVEFORM"},
    {"1.2.840.10008.5.1.4.1.1.104.", "ENCAP DOC"},
    {"1.2.840.10008.5.1.4.1.1.66.1", "REGISTRATION"},
    {"1.2.840.10008.5.1.4.1.1.66.2", "FIDUCIAL"},
    {"1.2.840.10008.5.1.4.1.1.66.3", "REGISTRATION"},
    {"1.2.840.10008.5.1.4.1.1.66.5", "SURFACE"},
    {"1.2.840.10008.5.1.4.1.1.66", "RAW DATA"},
    {"1.2.840.10008.5.1.4.1.1.67", "VALUE MAP"},
    {"1.2.840.10008.5.1.4.1.1.4.2", "SPECTROSCOPY"},
    {"1.2.840.10008.5.1.4.1.1.77.1.5.3", "STEREOMETRIC"},
    {"1.2.840.10008.5.1.4.1.1.78.", "MEASUREMENT"},
};

bool rule_matches(std::string_view uid, std::string_view prefix) {
    if (prefix.back() == '.') return uid.substr(0, prefix.size()) == prefix;
    return uid == prefix;
}

// -- record keys (PS3.3 F.5) ---------------------------------------------------------------------

/// A key of a record type: its tag and Type (1: present with a value, 2: present, maybe empty,
/// 0: copied when the instance has it — Types 1C and 3).
struct Key {
    Tag tag;
    int type;
};

const std::vector<Key> &keys_of(std::string_view record_type) {
    static const std::map<std::string, std::vector<Key>, std::less<>> table = [] {
        auto k = [](const char *kw, int type) { return Key{tag_from_keyword(kw), type}; };
        std::map<std::string, std::vector<Key>, std::less<>> t;
        t["PATIENT"] = {k("PatientName", 2), k("PatientID", 1)};
        t["STUDY"] = {k("StudyDate", 1), k("StudyTime", 1), k("StudyDescription", 2), k("StudyInstanceUID", 1),
                      k("StudyID", 1), k("AccessionNumber", 2)};
        t["SERIES"] = {k("Modality", 1), k("SeriesInstanceUID", 1), k("SeriesNumber", 1)};
        t["IMAGE"] = {k("InstanceNumber", 1)};
        t["SR DOCUMENT"] = {k("InstanceNumber", 1), k("CompletionFlag", 1), k("VerificationFlag", 1),
                            k("ContentDate", 1), k("ContentTime", 1), k("VerificationDateTime", 0),
                            k("ConceptNameCodeSequence", 1)};
        t["KEY OBJECT DOC"] = {k("InstanceNumber", 1), k("ContentDate", 1), k("ContentTime", 1),
                               k("ConceptNameCodeSequence", 1)};
        t["PRESENTATION"] = {k("PresentationCreationDate", 1), k("PresentationCreationTime", 1),
                             k("ContentLabel", 1), k("ContentDescription", 2), k("ContentCreatorName", 2),
                             k("ReferencedSeriesSequence", 0), k("BlendingSequence", 0), k("InstanceNumber", 1)};
        t["RT DOSE"] = {k("InstanceNumber", 1), k("DoseSummationType", 1)};
        t["RT STRUCTURE SET"] = {k("InstanceNumber", 1), k("StructureSetLabel", 1), k("StructureSetDate", 2),
                                 k("StructureSetTime", 2)};
        t["RT PLAN"] = {k("InstanceNumber", 1), k("RTPlanLabel", 1), k("RTPlanDate", 2), k("RTPlanTime", 2)};
        t["RT TREAT RECORD"] = {k("InstanceNumber", 1), k("TreatmentDate", 2), k("TreatmentTime", 2)};
        t["WAVEFORM"] = {k("InstanceNumber", 1), k("ContentDate", 1), k("ContentTime", 1)};
        t["ENCAP DOC"] = {k("InstanceNumber", 1), k("ContentDate", 2), k("ContentTime", 2), k("DocumentTitle", 2),
                          k("ConceptNameCodeSequence", 2), k("MIMETypeOfEncapsulatedDocument", 1)};
        const std::vector<Key> content = {k("ContentDate", 1), k("ContentTime", 1), k("InstanceNumber", 1),
                                          k("ContentLabel", 1), k("ContentDescription", 2), k("ContentCreatorName", 2)};
        t["REGISTRATION"] = content;
        t["FIDUCIAL"] = content;
        t["VALUE MAP"] = content;
        t["SURFACE"] = content;
        t["RAW DATA"] = {k("ContentDate", 1), k("ContentTime", 1), k("InstanceNumber", 1)};
        t["SPECTROSCOPY"] = {k("ImageType", 1), k("ContentDate", 1), k("ContentTime", 1), k("InstanceNumber", 1),
                             k("NumberOfFrames", 1), k("Rows", 1), k("Columns", 1), k("DataPointRows", 1),
                             k("DataPointColumns", 1)};
        t["STEREOMETRIC"] = {};
        t["MEASUREMENT"] = {k("InstanceNumber", 1), k("ContentDate", 1), k("ContentTime", 1)};
        return t;
    }();
    static const std::vector<Key> fallback = {Key{Tag{0x0020, 0x0013}, 1}};
    auto it = table.find(record_type);
    return it == table.end() ? fallback : it->second;
}

/// A deep copy of `e` owning its bytes (values read from a file borrow its memory).
Element owned(const Element &e) {
    Element out(e.tag, e.vr, Bytes::copy(e.value.data(), e.value.size()));
    out.undefined_length = false;
    for (const Dataset &item : e.items) {
        Dataset copy;
        for (const Element &x : item) copy.set(owned(x));
        out.items.push_back(std::move(copy));
    }
    return out;
}

bool is_default_charset(std::string_view scs) {
    // The default repertoire: absent, empty or ISO_IR 6 alone.
    std::string s(trim_value(scs, VR::CS));
    return s.empty() || s == "ISO_IR 6" || s == "ISO 2022 IR 6";
}

/// One directory record under construction: its item (offsets not yet set) and its lower level.
struct Node {
    Dataset item;
    std::vector<Node> children;
    std::string type;
    std::string match;  ///< the key a lower level is matched on: Patient ID, Study/Series UID, SOP Instance UID
};

Dataset record_item(const std::string &type) {
    Dataset r;
    r.set_int(kNextRecordOffset, 0, VR::UL);
    r.set_int(kRecordInUseFlag, 0xFFFF, VR::US);
    r.set_int(kLowerLevelOffset, 0, VR::UL);
    r.set_string(kDirectoryRecordType, type, VR::CS);
    return r;
}

/// Copies the keys of `record_type` from `src` into `rec`. A Type 1 key the instance lacks or has
/// empty (Study ID and Series Number are Type 2 in most IODs, Type 1 in their records) is given the
/// value `invent` makes for it, or written empty when it makes none ("" back); either is said in
/// `warnings`.
void copy_keys(Dataset &rec, const std::string &record_type, const Dataset &src, const std::string &what,
               std::vector<std::string> &warnings, const std::function<std::string(Tag)> &invent) {
    for (const Key &k : keys_of(record_type)) {
        const Element *e = src.find(k.tag);
        const bool empty = !e || (e->items.empty() && trim_value(e->value.str(), e->vr).empty());
        if (e && !(empty && k.type == 1)) {
            rec.set(owned(*e));
            continue;
        }
        if (k.type != 1 && k.type != 2) continue;
        const VR vr = dict_vr(k.tag);
        const std::string made = k.type == 1 ? invent(k.tag) : std::string();
        if (!made.empty()) rec.set_string(k.tag, made, vr);
        else if (vr == VR::SQ) rec.set_sequence(k.tag);
        else rec.set_bytes(k.tag, vr, Bytes());
        if (k.type == 1)
            warnings.push_back(what + ": Type 1 key " + k.tag.str() + " of its " + record_type + " record is " +
                               (e ? "empty" : "missing") + " in the instance: " +
                               (made.empty() ? std::string("written empty") : "set to '" + made + "'"));
    }
    // PS3.3 F.5: Specific Character Set (1C) when the record's text is not in the default repertoire.
    const Element *scs = src.find(tags::SpecificCharacterSet);
    if (scs && !is_default_charset(scs->value.str())) rec.set(owned(*scs));
}

/// A file of the file-set: where it is, and its File ID components.
struct Instance {
    DicomFile file;
    std::vector<std::string> file_id;
    std::string path;  ///< for messages
};

class Builder {
public:
    std::vector<Node> roots;
    DicomDirWriteResult result;

    /// Takes the records of an existing DICOMDIR (in-use ones only; inactive records are dropped).
    void load(const DicomDir &dir) {
        std::function<void(const std::vector<size_t> &, std::vector<Node> &)> take =
            [&](const std::vector<size_t> &ids, std::vector<Node> &into) {
                for (size_t i : ids) {
                    const DirectoryRecord &r = dir.records[i];
                    if (!r.in_use) continue;
                    Node n;
                    n.type = r.type;
                    n.item = record_item(r.type);
                    for (const Element &e : r.keys) {
                        if (e.tag == kNextRecordOffset || e.tag == kRecordInUseFlag || e.tag == kLowerLevelOffset ||
                            e.tag == kDirectoryRecordType)
                            continue;
                        n.item.set(owned(e));
                    }
                    n.match = match_key(r.type, r.keys);
                    if (!r.sop_instance_uid.empty()) present_.insert(trimmed(r.sop_instance_uid));
                    take(r.children, n.children);
                    into.push_back(std::move(n));
                }
            };
        take(dir.roots, roots);
    }

    bool has_instance(const std::string &sop_instance_uid) const { return present_.count(sop_instance_uid) != 0; }

    /// Adds a record for `inst` under its patient, study and series (made when new).
    void add(const Instance &inst) {
        const Dataset &ds = inst.file.dataset;
        const std::string sop_class = meta_uid(inst.file, tags::MediaStorageSOPClassUID, tags::SOPClassUID);
        const std::string sop_instance = meta_uid(inst.file, tags::MediaStorageSOPInstanceUID, tags::SOPInstanceUID);
        if (sop_class.empty() || sop_instance.empty())
            throw Error(Errc::malformed, inst.path + ": no SOP Class/Instance UID in the file");
        Node &patient = level(roots, "PATIENT", match_key("PATIENT", ds), ds, inst.path);
        Node &study = level(patient.children, "STUDY", match_key("STUDY", ds), ds, inst.path);
        Node &series = level(study.children, "SERIES", match_key("SERIES", ds), ds, inst.path);
        const std::string type = record_type_for_sop_class(sop_class);
        Node leaf;
        leaf.type = type;
        leaf.item = record_item(type);
        leaf.match = sop_instance;
        leaf.item.set_strings(kReferencedFileID, inst.file_id, VR::CS);
        leaf.item.set_string(kReferencedSOPClassUIDInFile, sop_class, VR::UI);
        leaf.item.set_string(kReferencedSOPInstanceUIDInFile, sop_instance, VR::UI);
        // The syntax the file's meta declares (a reader of the file-set goes by it), else the one read.
        std::string ts = trimmed(inst.file.meta.get_string_or(tags::TransferSyntaxUID, ""));
        if (ts.empty()) ts = inst.file.transfer_syntax;
        leaf.item.set_string(kReferencedTransferSyntaxUIDInFile, ts, VR::UI);
        const size_t ordinal = series.children.size() + 1;
        copy_keys(leaf.item, type, ds, inst.path, result.warnings, [&](Tag t) { return invent(t, ds, ordinal); });
        series.children.push_back(std::move(leaf));
        present_.insert(sop_instance);
        ++result.added;
    }

    static std::string meta_uid(const DicomFile &f, Tag meta_tag, Tag ds_tag) {
        std::string v = trimmed(f.meta.get_string_or(meta_tag, ""));
        return v.empty() ? trimmed(f.dataset.get_string_or(ds_tag, "")) : v;
    }

private:
    std::set<std::string> present_;
    size_t invented_patients_ = 0, invented_studies_ = 0;

    /// A value for a Type 1 record key the instance leaves empty, as DCMTK's dcmmkdir +I does:
    /// Patient ID and Study ID numbered, Study Date/Time from the series, acquisition or content
    /// date/time (else today, midnight), Presentation Creation Date/Time from the content, series
    /// or study date/time (likewise), Series and Instance Number the record's place among its
    /// siblings, Modality OT. "" for a key with no sensible value (a UID, say).
    std::string invent(Tag t, const Dataset &ds, size_t ordinal) {
        char buf[32];
        auto first_of = [&](std::initializer_list<Tag> tags) {
            for (Tag x : tags) {
                const std::string v = trimmed(ds.get_string_or(x, ""));
                if (!v.empty()) return v;
            }
            return std::string();
        };
        switch (t.value) {
        case 0x00100020u:  // Patient ID
            std::snprintf(buf, sizeof buf, "DKPAT%06zu", ++invented_patients_);
            return buf;
        case 0x00200010u:  // Study ID
            std::snprintf(buf, sizeof buf, "DKSTUDY%06zu", ++invented_studies_);
            return buf;
        case 0x00080020u: {  // Study Date
            std::string v = first_of({Tag{0x0008, 0x0021}, Tag{0x0008, 0x0022}, Tag{0x0008, 0x0023}});
            if (!v.empty()) return v;
            const std::time_t now = std::time(nullptr);
            std::tm tm{};
            gmtime_r(&now, &tm);
            std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
            return buf;
        }
        case 0x00080030u: {  // Study Time
            std::string v = first_of({Tag{0x0008, 0x0031}, Tag{0x0008, 0x0032}, Tag{0x0008, 0x0033}});
            return v.empty() ? "000000" : v;
        }
        case 0x00700082u: {  // Presentation Creation Date (a de-identified presentation state lacks it)
            std::string v = first_of({Tag{0x0008, 0x0023}, Tag{0x0008, 0x0021}, Tag{0x0008, 0x0020}});
            if (!v.empty()) return v;
            const std::time_t now = std::time(nullptr);
            std::tm tm{};
            gmtime_r(&now, &tm);
            std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
            return buf;
        }
        case 0x00700083u: {  // Presentation Creation Time
            std::string v = first_of({Tag{0x0008, 0x0033}, Tag{0x0008, 0x0031}, Tag{0x0008, 0x0030}});
            return v.empty() ? "000000" : v;
        }
        case 0x00080060u:  // Modality
            return "OT";
        case 0x00200011u:  // Series Number
        case 0x00200013u:  // Instance Number
            return std::to_string(ordinal);
        default:
            return {};
        }
    }

    static std::string trimmed(const std::string &s) {
        std::string_view v = s;
        while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        return std::string(v);
    }

    static std::string match_key(std::string_view type, const Dataset &ds) {
        if (type == "PATIENT") {
            // Patients are told apart by Patient ID; one without an ID by its name.
            std::string id = trimmed(ds.get_string_or(Tag{0x0010, 0x0020}, ""));
            return id.empty() ? "name:" + trimmed(ds.get_string_or(Tag{0x0010, 0x0010}, "")) : id;
        }
        if (type == "STUDY") return trimmed(ds.get_string_or(Tag{0x0020, 0x000D}, ""));
        if (type == "SERIES") return trimmed(ds.get_string_or(Tag{0x0020, 0x000E}, ""));
        return trimmed(ds.get_string_or(kReferencedSOPInstanceUIDInFile, ""));
    }

    Node &level(std::vector<Node> &siblings, const std::string &type, const std::string &match, const Dataset &ds,
                const std::string &path) {
        for (Node &n : siblings)
            if (n.type == type && n.match == match) return n;
        Node n;
        n.type = type;
        n.match = match;
        n.item = record_item(type);
        const size_t ordinal = siblings.size() + 1;
        copy_keys(n.item, type, ds, path, result.warnings, [&](Tag t) { return invent(t, ds, ordinal); });
        siblings.push_back(std::move(n));
        return siblings.back();
    }
};

// -- encoding: the records in tree order, then their offsets from the encoded bytes ---------------

/// Moves the items of `nodes` (and, after each, its lower levels) into `items`, depth first;
/// `children[i]` gets the indices of item i's lower-level records. Returns the indices of `nodes`.
std::vector<size_t> flatten(std::vector<Node> &nodes, std::vector<Dataset> &items,
                            std::vector<std::vector<size_t>> &children) {
    std::vector<size_t> level;
    for (Node &n : nodes) {
        const size_t index = items.size();
        level.push_back(index);
        items.push_back(std::move(n.item));
        children.emplace_back();
        std::vector<size_t> lower = flatten(n.children, items, children);
        children[index] = std::move(lower);  // not a reference held across the recursion: it grows `children`
    }
    return level;
}

uint64_t dataset_offset_of(const std::vector<uint8_t> &bytes) {
    // Preamble, "DICM", then (0002,0000) UL: the meta's group length (PS3.10 7.1).
    if (bytes.size() < 144) throw Error(Errc::malformed, "encoded DICOMDIR too short");
    const uint8_t *p = bytes.data() + 140;
    const uint32_t group_length = uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
    return 144 + uint64_t(group_length);
}

DicomFile encode(std::vector<Node> roots, const std::string &fileset_id, const std::string &instance_uid) {
    std::vector<Dataset> items;
    std::vector<std::vector<size_t>> children;
    const std::vector<size_t> root_ids = flatten(roots, items, children);

    DicomFile f;
    f.transfer_syntax = kExplicitVRLittleEndian;
    f.meta.set_string(tags::MediaStorageSOPClassUID, kMediaStorageDirectoryStorage, VR::UI);
    f.meta.set_string(tags::MediaStorageSOPInstanceUID, instance_uid, VR::UI);
    f.dataset.set_string(kFileSetID, fileset_id, VR::CS);
    f.dataset.set_int(kFirstRecordOffset, 0, VR::UL);
    f.dataset.set_int(kLastRecordOffset, 0, VR::UL);
    f.dataset.set_int(kFileSetConsistencyFlag, 0, VR::US);
    f.dataset.set_sequence(kDirectoryRecordSequence, items);

    // The offsets are UL values of a fixed size: encoding once with zeros gives every item's place,
    // and setting them changes no length.
    WriteOptions wo;
    const std::vector<uint8_t> bytes = write_memory(f, wo);
    const std::vector<uint64_t> at = record_item_offsets(bytes.data(), bytes.size(), dataset_offset_of(bytes));
    if (at.size() != items.size()) throw Error(Errc::malformed, "DICOMDIR encoding: record count mismatch");
    auto ul = [](uint64_t v) {
        if (v > 0xFFFFFFFFu) throw Error(Errc::unsupported, "a DICOMDIR over 4 GB cannot be addressed by its offsets");
        return int64_t(v);
    };
    auto link = [&](const std::vector<size_t> &level) {
        for (size_t i = 0; i < level.size(); ++i) {
            Dataset &rec = items[level[i]];
            rec.set_int(kNextRecordOffset, i + 1 < level.size() ? ul(at[level[i + 1]]) : 0, VR::UL);
            const auto &lower = children[level[i]];
            rec.set_int(kLowerLevelOffset, lower.empty() ? 0 : ul(at[lower.front()]), VR::UL);
        }
    };
    link(root_ids);
    for (const auto &c : children) link(c);
    f.dataset.set_int(kFirstRecordOffset, root_ids.empty() ? 0 : ul(at[root_ids.front()]), VR::UL);
    f.dataset.set_int(kLastRecordOffset, root_ids.empty() ? 0 : ul(at[root_ids.back()]), VR::UL);
    f.dataset.set_sequence(kDirectoryRecordSequence, std::move(items));
    return f;
}

void check_fileset_id(const std::string &id) {
    // CS, at most 16 characters (PS3.3 F.3.2.1, PS3.5 Table 6.2-1).
    if (id.size() > 16) throw Error(Errc::invalid_argument, "File-set ID '" + id + "' is longer than 16 characters");
    for (char c : id)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ' '))
            throw Error(Errc::invalid_argument,
                        "File-set ID '" + id + "' may hold only A-Z, 0-9, space and underscore (VR CS)");
}

bool conforms(const std::string &rel) {
    try {
        file_id_components(rel);
        return true;
    } catch (const Error &) {
        return false;
    }
}

/// A conforming File ID under DICOM/ for a file whose own name does not conform (PS3.10 8.2):
/// DICOM/Dnnnnnnn/Innnnnnn, a thousand files a folder, the first name not yet taken.
std::string mapped_name(const fs::path &root, size_t &counter) {
    for (;; ++counter) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "DICOM/D%07zu/I%07zu", counter / 1000, counter);
        std::error_code ec;
        if (!fs::exists(root / buf, ec)) return buf;
    }
}

/// Reads a candidate file; false (with a reason in `skipped`) when it is not a Part 10 file.
bool load_instance(const fs::path &path, const std::string &shown, Instance &out, DicomDirWriteResult &result) {
    ReadOptions ro;
    ro.stop_before_pixels = true;
    try {
        out.file = read_file(path.string(), ro);
    } catch (const Error &e) {
        result.skipped.push_back(shown + ": " + e.message());
        return false;
    }
    if (out.file.meta.empty() || !out.file.has_preamble) {
        result.skipped.push_back(shown + ": not a Part 10 file (no File Meta Information)");
        return false;
    }
    if (Builder::meta_uid(out.file, tags::MediaStorageSOPClassUID, tags::SOPClassUID) == kMediaStorageDirectoryStorage) {
        result.skipped.push_back(shown + ": a DICOMDIR");
        return false;
    }
    out.path = shown;
    return true;
}

/// Adds the files at `paths` (relative to `root`) to `b`: conforming names first, so that a file
/// already copied to a conforming name is found before its original.
void add_files(Builder &b, const fs::path &root, std::vector<std::string> rels, const DicomDirOptions &options) {
    std::sort(rels.begin(), rels.end());
    std::stable_partition(rels.begin(), rels.end(), conforms);
    size_t counter = 0;
    for (const std::string &rel : rels) {
        Instance inst;
        if (!load_instance(root / rel, rel, inst, b.result)) continue;
        const std::string uid = Builder::meta_uid(inst.file, tags::MediaStorageSOPInstanceUID, tags::SOPInstanceUID);
        if (b.has_instance(uid)) {
            ++b.result.already_present;
            continue;
        }
        if (conforms(rel)) {
            inst.file_id = file_id_components(rel);
        } else {
            if (!options.map_nonconforming) file_id_components(rel);  // throws, saying which rule breaks
            const std::string target = mapped_name(root, counter);
            std::error_code ec;
            fs::create_directories((root / target).parent_path(), ec);
            if (!ec) fs::copy_file(root / rel, root / target, ec);
            if (ec) throw Error(Errc::io, "cannot copy '" + rel + "' to '" + target + "': " + ec.message());
            b.result.mapped.emplace_back(rel, target);
            inst.file_id = file_id_components(target);
        }
        b.add(inst);
    }
}

void write_out(const std::string &path, std::vector<Node> roots, const std::string &fileset_id,
               const std::string &instance_uid) {
    const DicomFile f = encode(std::move(roots), fileset_id, instance_uid);
    write_file(path, f);
}

std::vector<std::string> files_under(const fs::path &root, const fs::path &dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const fs::path rel = it->path().lexically_relative(root);
        if (rel == "DICOMDIR") continue;
        out.push_back(rel.generic_string());
    }
    if (ec) throw Error(Errc::io, "cannot list '" + dir.string() + "': " + ec.message());
    return out;
}

}  // namespace

std::string record_type_for_sop_class(std::string_view sop_class_uid) {
    for (const TypeRule &r : kTypeRules)
        if (rule_matches(sop_class_uid, r.prefix)) return r.type;
    return "IMAGE";
}

std::vector<std::string> file_id_components(const std::string &relative_path) {
    // PS3.10 8.2 and 8.5 (the character repertoire), PS3.11 (at most 8 components).
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        const size_t slash = relative_path.find('/', start);
        std::string c = relative_path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (c.empty())
            throw Error(Errc::invalid_argument, "'" + relative_path + "' has an empty path component (a File ID needs 1 to 8 characters each)");
        if (c.size() > 8)
            throw Error(Errc::invalid_argument, "'" + relative_path + "': component '" + c + "' is longer than 8 characters (PS3.10 8.2)");
        for (char ch : c)
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'))
                throw Error(Errc::invalid_argument, "'" + relative_path + "': component '" + c +
                                                        "' holds a character other than A-Z, 0-9 and '_' (PS3.10 8.5)");
        out.push_back(std::move(c));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    if (out.size() > 8)
        throw Error(Errc::invalid_argument, "'" + relative_path + "' is " + std::to_string(out.size()) +
                                                " levels deep; a File ID has at most 8 components (PS3.10 8.2)");
    return out;
}

DicomDirWriteResult create_dicomdir(const std::string &root, const DicomDirOptions &options) {
    check_fileset_id(options.fileset_id);
    std::error_code ec;
    if (!fs::is_directory(root, ec)) throw Error(Errc::not_found, "'" + root + "' is not a folder");
    const fs::path r(root);
    Builder b;
    add_files(b, r, files_under(r, r), options);
    const std::string out = options.output.empty() ? (r / "DICOMDIR").string() : options.output;
    write_out(out, std::move(b.roots), options.fileset_id, generate_uid());
    return std::move(b.result);
}

DicomDirWriteResult add_to_dicomdir(const std::string &dicomdir_path, const std::vector<std::string> &files,
                                    const DicomDirOptions &options) {
    const DicomDir dir = read_dicomdir(dicomdir_path);
    const fs::path root = fs::absolute(fs::path(dicomdir_path)).lexically_normal().parent_path();
    Builder b;
    b.load(dir);
    std::vector<std::string> rels;
    for (const std::string &f : files) {
        const fs::path p = fs::absolute(fs::path(f)).lexically_normal();
        const fs::path rel = p.lexically_relative(root);
        if (rel.empty() || *rel.begin() == "..")
            throw Error(Errc::invalid_argument, "'" + f + "' is not under the DICOMDIR's folder '" + root.string() + "'");
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            for (std::string &x : files_under(root, p)) rels.push_back(std::move(x));
        } else if (fs::is_regular_file(p, ec)) {
            rels.push_back(rel.generic_string());
        } else {
            throw Error(Errc::not_found, "'" + f + "' is not a file");
        }
    }
    add_files(b, root, rels, options);
    std::string instance_uid = Builder::meta_uid(dir.file, tags::MediaStorageSOPInstanceUID, tags::SOPInstanceUID);
    if (instance_uid.empty()) instance_uid = generate_uid();
    std::string fileset_id = options.fileset_id.empty() ? dir.fileset_id : options.fileset_id;
    while (!fileset_id.empty() && fileset_id.back() == ' ') fileset_id.pop_back();
    check_fileset_id(fileset_id);
    write_out(options.output.empty() ? dicomdir_path : options.output, std::move(b.roots), fileset_id, instance_uid);
    return std::move(b.result);
}

}  // namespace dcmkit
