// dcmkit C ABI — datasets: reading, writing, elements, sequences, DICOM JSON.
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "dcmkit/dictionary.h"
#include "dcmkit/json.h"
#include "internal.h"

using dcmkit::Dataset;
using dcmkit::Element;
using dcmkit::Errc;
using dcmkit::Tag;
using dcmkit::TransferSyntax;
using dcmkit::VR;
namespace tags = dcmkit::tags;
using dk::fail;
using dk::need;

namespace {

// -- helpers ------------------------------------------------------------------------------------------

/// "(0010,0010) PatientName", for messages.
std::string describe(Tag tag) {
    std::string s = tag.str();
    const char *kw = dcmkit::dict_keyword(tag);
    if (kw && *kw) {
        s += ' ';
        s += kw;
    }
    return s;
}

/// The dataset or item a handle addresses. Items are found again from the root on every call, and
/// get their parent's Specific Character Set as the reader gives it to them (PS3.5 7.5.3).
Dataset &resolve(const dk_dataset *h) {
    need(h, "ds");
    if (!h->root) fail(DK_EINVAL, "ds is not a valid dataset handle");
    Dataset *ds = &h->root->file.dataset;
    for (const dk::Step &s : h->path) {
        Element *e = ds->find(s.tag);
        if (!e || !e->is_sequence() || s.index >= e->items.size())
            fail(DK_ENOTFOUND, "the item this handle refers to (item " + std::to_string(s.index) + " of " +
                                   describe(s.tag) + ") no longer exists");
        std::string cs = ds->specific_character_set();
        ds = &e->items[s.index];
        // Written only when it changed, so that reading an unchanged dataset writes nothing.
        if (!ds->contains(tags::SpecificCharacterSet) && ds->specific_character_set() != cs)
            ds->set_inherited_character_set(std::move(cs));
    }
    return *ds;
}

/// Where `tag` lives: group 0002 of a top-level handle is the file meta information.
Dataset &container(const dk_dataset *h, Tag tag) {
    Dataset &ds = resolve(h);
    if (h->path.empty() && tag.group() == 0x0002) return h->root->file.meta;
    return ds;
}

const Element &require(const Dataset &ds, Tag tag) {
    const Element *e = ds.find(tag);
    if (!e) throw dcmkit::Error(Errc::not_found, "no element " + describe(tag), -1, tag.value);
    return *e;
}

void require_top_level(const dk_dataset *h, const char *what) {
    resolve(h);
    if (!h->path.empty()) fail(DK_EINVAL, std::string(what) + " needs a top-level dataset, not an item handle");
}

/// Tags a setter accepts: not items and delimiters (FFFE,xxxx).
void check_element_tag(Tag tag) {
    if (tag.group() == 0xFFFE) fail(DK_EINVAL, tag.str() + " is an item or delimitation tag, not a data element");
}

/// The VR a setter uses: the caller's, or the dictionary's when `vr` is NULL.
VR parse_vr(const char *vr, Tag tag) {
    if (!vr) {
        const dcmkit::DictEntry *e = dcmkit::dict_find(tag);
        if (!e || e->vr == VR::None)
            fail(DK_EINVAL, tag.str() + " is not in the data dictionary: pass its VR");
        return e->vr;
    }
    const VR v = std::strlen(vr) == 2 ? dcmkit::vr_from_chars(vr[0], vr[1]) : VR::None;
    if (v == VR::None) fail(DK_EINVAL, "'" + std::string(vr) + "' is not a VR");
    return v;
}

bool is_one_of(VR v, std::initializer_list<VR> list) {
    for (VR x : list)
        if (x == v) return true;
    return false;
}

std::string vr_text(VR v) { return dcmkit::vr_name(v); }

/// DK_ENOTFOUND when `index` is past the element's values.
void check_index(const Element &e, size_t index) {
    const size_t n = e.count();
    if (index >= n)
        fail(DK_ENOTFOUND, "no value " + std::to_string(index) + ": " + describe(e.tag) + " has " + std::to_string(n) +
                               (n == 1 ? " value" : " values"));
}

dk_dataset *new_handle(std::shared_ptr<dk::Root> root, std::vector<dk::Step> path = {}) {
    auto *h = new dk_dataset;
    h->root = std::move(root);
    h->path = std::move(path);
    return h;
}

char *malloc_copy(const void *data, size_t size) {
    char *p = static_cast<char *>(std::malloc(size ? size : 1));
    if (!p) throw std::bad_alloc();
    if (size) std::memcpy(p, data, size);
    return p;
}

dcmkit::ReadOptions read_options(const dk_read_options *o) {
    dcmkit::ReadOptions ro;
    if (!o) return ro;
    dk::check_version(o->version, DK_READ_OPTIONS_VERSION, "options");
    // Version 1 fields. A later version appends fields, read here only when o->version has them.
    ro.stop_before_pixels = o->stop_before_pixels != 0;
    ro.map_file = o->map_file != 0;
    ro.max_depth = o->max_depth;
    if (o->version >= 2) ro.keep_un = o->keep_un != 0;
    return ro;
}

bool has_encapsulated_pixels(const Dataset &ds) {
    const Element *px = ds.find(tags::PixelData);
    return px && px->is_encapsulated();
}

}  // namespace

void dk::check_pixel_syntax(const dk::Root &root, const std::string &ts_uid) {
    const TransferSyntax ts = TransferSyntax::from_uid(ts_uid);
    if (!ts.known) return;  // the writer refuses it with its own message
    const Element *px = root.file.dataset.find(tags::PixelData);
    if (!px) return;
    const std::string name(ts.name);
    if (px->is_encapsulated()) {
        if (!ts.encapsulated) {
            if (root.pixel_syntax.empty())
                fail(DK_EUNSUPPORTED, "the Pixel Data is compressed in a transfer syntax the dataset does not record; "
                                      "writing it as " + name + " needs it decoded by its codec: set its syntax, then "
                                      "call dk_dataset_transcode");
            fail(DK_EUNSUPPORTED, "the Pixel Data is compressed as " +
                                      std::string(TransferSyntax::from_uid(root.pixel_syntax).name) + "; writing it as " +
                                      name + " needs it decoded by its codec first: call dk_dataset_transcode");
        }
        if (!root.pixel_syntax.empty() && root.pixel_syntax != ts_uid)
            fail(DK_EUNSUPPORTED, "the Pixel Data is compressed as " +
                                      std::string(TransferSyntax::from_uid(root.pixel_syntax).name) + "; writing it as " +
                                      name + " needs it re-encoded by a codec first: call dk_dataset_transcode");
    } else if (ts.encapsulated && !px->value.empty()) {
        fail(DK_EUNSUPPORTED, "native Pixel Data cannot be written as " + name +
                                  " as it is: it needs encoding by that syntax's codec first: call dk_dataset_transcode");
    }
}

namespace {

dcmkit::WriteOptions write_options(const dk_write_options *o, const dk::Root &root) {
    dcmkit::WriteOptions wo;
    if (o) {
        dk::check_version(o->version, DK_WRITE_OPTIONS_VERSION, "options");
        if (o->transfer_syntax) wo.transfer_syntax = std::string(TransferSyntax::parse(o->transfer_syntax).uid);
        wo.part10 = o->part10 != 0;
        wo.atomic = o->atomic != 0;
        wo.fsync = o->fsync != 0;
        if (o->deflate_level < -1 || o->deflate_level > 9)
            fail(DK_EINVAL, "deflate_level " + std::to_string(o->deflate_level) + " is not -1 or 0 to 9");
        wo.deflate_level = o->deflate_level;
    }
    check_pixel_syntax(root, wo.transfer_syntax.empty() ? root.file.transfer_syntax : wo.transfer_syntax);
    return wo;
}

/// Moves group 0002 elements of a dataset into the meta information (JSON may carry them).
void split_meta(dcmkit::DicomFile &file) {
    std::vector<Tag> moved;
    for (const Element &e : file.dataset) {
        if (e.tag.group() != 0x0002) continue;
        file.meta.set(e);
        moved.push_back(e.tag);
    }
    for (Tag t : moved) file.dataset.remove(t);
}

template <typename T>
T load_le(const uint8_t *p) {
    T v;
    std::memcpy(&v, p, sizeof v);  // values are held little endian, as the hosts we build for
    return v;
}

/// Range of the integers a VR holds.
void check_int_range(VR v, long double x, Tag tag) {
    long double lo = 0, hi = 0;
    switch (v) {
    case VR::US: lo = 0; hi = 65535; break;
    case VR::SS: lo = -32768; hi = 32767; break;
    case VR::UL: lo = 0; hi = 4294967295.0L; break;
    case VR::SL: case VR::IS: lo = -2147483648.0L; hi = 2147483647.0L; break;  // PS3.5 6.2: IS is 32-bit
    case VR::UV: lo = 0; hi = 18446744073709551615.0L; break;
    case VR::SV: lo = -9223372036854775808.0L; hi = 9223372036854775807.0L; break;
    default: return;
    }
    if (!(x >= lo && x <= hi))
        fail(DK_EBADVALUE, "value " + std::to_string(static_cast<double>(x)) + " is out of range for VR " + vr_text(v) +
                               " in " + describe(tag));
}

}  // namespace

// For the other dk_* files (internal.h).
dcmkit::Dataset &dk::resolve_dataset(const dk_dataset *h) { return resolve(h); }

extern "C" {

// -- reading ------------------------------------------------------------------------------------------

dk_result dk_read_options_init(dk_read_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        dk::check_version(version, DK_READ_OPTIONS_VERSION, "options");
        // Only the fields `version` has: the caller's struct may be an older, shorter one.
        opts->version = version;
        opts->stop_before_pixels = 0;
        opts->map_file = 1;
        opts->max_depth = 64;
        if (version >= 2) opts->keep_un = 0;
    });
}

dk_result dk_dataset_warnings(uint32_t *flags, char *buf, size_t *size, const dk_dataset *ds) {
    return dk::guard([&]() -> dk_result {
        resolve(ds);
        const dcmkit::DicomFile &file = ds->root->file;
        if (flags) *flags = file.warning_flags;
        if (!size) return DK_OK;
        std::string text;
        for (const std::string &w : file.warnings) {
            if (!text.empty()) text += '\n';
            text += w;
        }
        return dk::copy_string(text, buf, size);
    });
}

dk_result dk_dataset_new(dk_dataset **out) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        auto root = std::make_shared<dk::Root>();
        root->file.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
        *out = new_handle(std::move(root));
    });
}

dk_result dk_dataset_read_file(dk_dataset **out, const char *path, const dk_read_options *opts) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(path, "path");
        const dcmkit::ReadOptions ro = read_options(opts);
        auto root = std::make_shared<dk::Root>();
        root->file = dcmkit::read_file(path, ro);
        struct stat st {};
        if (ro.map_file && ::stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            root->mapped = true;
            root->dev = st.st_dev;
            root->ino = st.st_ino;
        }
        if (has_encapsulated_pixels(root->file.dataset)) root->pixel_syntax = root->file.transfer_syntax;
        *out = new_handle(std::move(root));
    });
}

dk_result dk_dataset_read_memory(dk_dataset **out, const void *data, size_t size, const dk_read_options *opts) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(data, "data");
        const dcmkit::ReadOptions ro = read_options(opts);
        auto root = std::make_shared<dk::Root>();
        root->file = dcmkit::read_memory(static_cast<const uint8_t *>(data), size, ro, /*borrow=*/false);
        if (has_encapsulated_pixels(root->file.dataset)) root->pixel_syntax = root->file.transfer_syntax;
        *out = new_handle(std::move(root));
    });
}

dk_result dk_dataset_clone(dk_dataset **out, const dk_dataset *ds) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        const dcmkit::Dataset &src = dk::resolve_dataset(need(ds, "ds"));
        auto root = std::make_shared<dk::Root>(*ds->root);  // meta, syntax, pixel syntax, mapping
        if (!ds->path.empty()) {
            root->file.meta = dcmkit::Dataset();
            root->file.dataset = src;
            // The item's text is in the character set it inherits from its dataset: keep saying so.
            const dcmkit::Tag charset(0x0008, 0x0005);
            if (!src.find(charset))
                if (const dcmkit::Element *e = ds->root->file.dataset.find(charset)) root->file.dataset.set(*e);
        }
        *out = new_handle(std::move(root));
    });
}

void dk_dataset_free(dk_dataset *ds) { delete ds; }

// -- writing ------------------------------------------------------------------------------------------

dk_result dk_write_options_init(dk_write_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        dk::check_version(version, DK_WRITE_OPTIONS_VERSION, "options");
        opts->version = version;
        opts->transfer_syntax = nullptr;
        opts->part10 = 1;
        opts->atomic = 1;
        opts->fsync = 1;
        opts->deflate_level = -1;
    });
}

dk_result dk_dataset_write_file(const dk_dataset *ds, const char *path, const dk_write_options *opts) {
    return dk::guard([&] {
        require_top_level(ds, "dk_dataset_write_file");
        need(path, "path");
        const dk::Root &root = *ds->root;
        const dcmkit::WriteOptions wo = write_options(opts, root);
        struct stat st {};
        // Truncating the file our values are mapped from would pull them away mid-write (SIGBUS).
        if (!wo.atomic && root.mapped && ::stat(path, &st) == 0 && st.st_dev == root.dev && st.st_ino == root.ino)
            fail(DK_EINVAL, "'" + std::string(path) +
                                "' is the file this dataset was read from with map_file: write it with atomic = 1, "
                                "or read it with map_file = 0");
        dcmkit::write_file(path, root.file, wo);
    });
}

dk_result dk_dataset_write_memory(void **out, size_t *size, const dk_dataset *ds, const dk_write_options *opts) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(size, "size");
        *size = 0;
        require_top_level(ds, "dk_dataset_write_memory");
        const dk::Root &root = *ds->root;
        const std::vector<uint8_t> bytes = dcmkit::write_memory(root.file, write_options(opts, root));
        *out = malloc_copy(bytes.data(), bytes.size());
        *size = bytes.size();
    });
}

dk_result dk_dataset_transfer_syntax(char *buf, size_t *size, const dk_dataset *ds) {
    return dk::guard([&] {
        resolve(ds);
        return dk::copy_string(ds->root->file.transfer_syntax, buf, size);
    });
}

dk_result dk_dataset_set_transfer_syntax(dk_dataset *ds, const char *transfer_syntax) {
    return dk::guard([&] {
        require_top_level(ds, "dk_dataset_set_transfer_syntax");
        need(transfer_syntax, "transfer_syntax");
        const std::string uid(TransferSyntax::parse(transfer_syntax).uid);
        check_pixel_syntax(*ds->root, uid);
        ds->root->file.transfer_syntax = uid;
    });
}

// -- elements -----------------------------------------------------------------------------------------

dk_result dk_dataset_count(size_t *count, const dk_dataset *ds) {
    return dk::guard([&] {
        const Dataset &d = resolve(ds);
        *need(count, "count") = d.size();
    });
}

dk_result dk_dataset_element_at(uint32_t *tag, char vr[3], const dk_dataset *ds, size_t index) {
    return dk::guard([&] {
        const Dataset &d = resolve(ds);
        need(tag, "tag");
        need(vr, "vr");
        if (index >= d.size())
            fail(DK_ENOTFOUND, "no element at index " + std::to_string(index) + ": the dataset has " +
                                   std::to_string(d.size()));
        const Element &e = *(d.begin() + static_cast<std::ptrdiff_t>(index));
        *tag = e.tag.value;
        dk::copy_vr(e.vr, vr);
    });
}

dk_result dk_dataset_meta_count(size_t *count, const dk_dataset *ds) {
    return dk::guard([&] {
        (void)resolve(ds);
        need(count, "count");
        *count = ds->path.empty() ? ds->root->file.meta.size() : 0;
    });
}

dk_result dk_dataset_meta_element_at(uint32_t *tag, char vr[3], const dk_dataset *ds, size_t index) {
    return dk::guard([&] {
        (void)resolve(ds);
        need(tag, "tag");
        need(vr, "vr");
        const size_t n = ds->path.empty() ? ds->root->file.meta.size() : 0;
        if (index >= n)
            fail(DK_ENOTFOUND, "no file meta element at index " + std::to_string(index) + ": there are " +
                                   std::to_string(n));
        const Element &e = *(ds->root->file.meta.begin() + static_cast<std::ptrdiff_t>(index));
        *tag = e.tag.value;
        dk::copy_vr(e.vr, vr);
    });
}

int32_t dk_dataset_contains(const dk_dataset *ds, uint32_t tag) {
    int found = 0;
    dk::guard([&] { found = container(ds, Tag(tag)).contains(Tag(tag)) ? 1 : 0; });
    return found;
}

dk_result dk_dataset_vr(char vr[3], const dk_dataset *ds, uint32_t tag) {
    return dk::guard([&] {
        const Element &e = require(container(ds, Tag(tag)), Tag(tag));
        dk::copy_vr(e.vr, need(vr, "vr"));
    });
}

dk_result dk_dataset_value_count(size_t *count, const dk_dataset *ds, uint32_t tag) {
    return dk::guard([&] {
        const Element &e = require(container(ds, Tag(tag)), Tag(tag));
        *need(count, "count") = e.count();
    });
}

dk_result dk_dataset_remove(dk_dataset *ds, uint32_t tag) {
    return dk::guard([&] {
        if (!container(ds, Tag(tag)).remove(Tag(tag)))
            throw dcmkit::Error(Errc::not_found, "no element " + describe(Tag(tag)), -1, tag);
    });
}

dk_result dk_dataset_get_string(char *buf, size_t *size, const dk_dataset *ds, uint32_t tag) {
    return dk::guard([&] {
        const Dataset &d = container(ds, Tag(tag));
        need(size, "size");
        return dk::copy_string(d.get_string(Tag(tag)), buf, size);
    });
}

dk_result dk_dataset_get_string_at(char *buf, size_t *size, const dk_dataset *ds, uint32_t tag, size_t index) {
    return dk::guard([&] {
        const Dataset &d = container(ds, Tag(tag));
        need(size, "size");
        const std::vector<std::string> values = d.get_strings(Tag(tag));
        if (index >= values.size())
            fail(DK_ENOTFOUND, "no value " + std::to_string(index) + ": " + describe(Tag(tag)) + " has " +
                                   std::to_string(values.size()));
        return dk::copy_string(values[index], buf, size);
    });
}

dk_result dk_dataset_get_int(int64_t *out, const dk_dataset *ds, uint32_t tag, size_t index) {
    return dk::guard([&] {
        const Dataset &d = container(ds, Tag(tag));
        need(out, "out");
        const Element &e = require(d, Tag(tag));
        if (!is_one_of(e.vr, {VR::IS, VR::US, VR::SS, VR::UL, VR::SL, VR::UV, VR::SV}))
            fail(DK_EBADVALUE, describe(Tag(tag)) + " has VR " + vr_text(e.vr) +
                                   ": dk_dataset_get_int reads IS, US, SS, UL, SL, UV and SV");
        check_index(e, index);
        if (e.vr == VR::UV) {
            const uint64_t v = load_le<uint64_t>(e.value.data() + index * 8);
            if (v > uint64_t(std::numeric_limits<int64_t>::max()))
                fail(DK_EBADVALUE, "UV value " + std::to_string(v) + " of " + describe(Tag(tag)) +
                                       " does not fit in int64_t");
        }
        *out = d.get_int(Tag(tag), index);
    });
}

dk_result dk_dataset_get_double(double *out, const dk_dataset *ds, uint32_t tag, size_t index) {
    return dk::guard([&] {
        const Dataset &d = container(ds, Tag(tag));
        need(out, "out");
        const Element &e = require(d, Tag(tag));
        if (!is_one_of(e.vr, {VR::DS, VR::IS, VR::US, VR::SS, VR::UL, VR::SL, VR::UV, VR::SV, VR::FL, VR::FD}))
            fail(DK_EBADVALUE, describe(Tag(tag)) + " has VR " + vr_text(e.vr) +
                                   ": dk_dataset_get_double reads DS, IS, US, SS, UL, SL, UV, SV, FL and FD");
        check_index(e, index);
        *out = d.get_number(Tag(tag), index);
    });
}

dk_result dk_dataset_get_bytes(void *buf, size_t *size, const dk_dataset *ds, uint32_t tag) {
    return dk::guard([&] {
        const Dataset &d = container(ds, Tag(tag));
        need(size, "size");
        const Element &e = require(d, Tag(tag));
        if (e.is_sequence()) fail(DK_EBADVALUE, describe(Tag(tag)) + " is a sequence: use dk_dataset_get_item");
        if (e.is_encapsulated())
            fail(DK_EUNSUPPORTED, describe(Tag(tag)) + " holds compressed fragments, which this API does not expose");
        const size_t needed = e.value.size();
        if (!buf && *size != 0) fail(DK_EINVAL, "buf is NULL but *size is " + std::to_string(*size));
        if (needed > *size || (!buf && needed > 0)) {
            const size_t given = *size;
            *size = needed;
            fail(DK_EBUFS, "a buffer of " + std::to_string(given) + " bytes is too small: " + std::to_string(needed) +
                               " are needed");
        }
        if (needed) std::memcpy(buf, e.value.data(), needed);
        *size = needed;
    });
}

dk_result dk_dataset_set_key(dk_dataset *ds, const char *key) {
    return dk::guard([&] {
        need(key, "key");
        dcmkit::set_key(resolve(ds), key);
    });
}

dk_result dk_dataset_set_string(dk_dataset *ds, uint32_t tag, const char *vr, const char *utf8) {
    return dk::guard([&] {
        Dataset &d = container(ds, Tag(tag));
        check_element_tag(Tag(tag));
        need(utf8, "utf8");
        const VR v = parse_vr(vr, Tag(tag));
        if (!dcmkit::vr_is_string(v))
            fail(DK_EBADVALUE, "VR " + vr_text(v) + " of " + describe(Tag(tag)) +
                                   " is not a string VR: use dk_dataset_set_ints, _set_doubles or _set_bytes");
        d.set_string(Tag(tag), utf8, v);
    });
}

/// The checks dk_dataset_set_ints and _set_doubles share: a settable tag, values when a count is
/// given, and a VR that holds numbers.
static VR numeric_target(uint32_t tag, const char *vr, const void *values, size_t count) {
    check_element_tag(Tag(tag));
    if (count) need(values, "values");
    const VR v = parse_vr(vr, Tag(tag));
    if (!is_one_of(v, {VR::IS, VR::DS, VR::US, VR::SS, VR::UL, VR::SL, VR::UV, VR::SV, VR::FL, VR::FD}))
        fail(DK_EBADVALUE, "VR " + vr_text(v) + " of " + describe(Tag(tag)) + " does not hold numbers");
    return v;
}

dk_result dk_dataset_set_ints(dk_dataset *ds, uint32_t tag, const char *vr, const int64_t *values, size_t count) {
    return dk::guard([&] {
        Dataset &d = container(ds, Tag(tag));
        const VR v = numeric_target(tag, vr, values, count);
        std::vector<int64_t> vals(values, values + count);
        for (int64_t x : vals) {
            check_int_range(v, static_cast<long double>(x), Tag(tag));
            if (v == VR::DS && std::to_string(x).size() > 16)
                fail(DK_EBADVALUE, "value " + std::to_string(x) + " is longer than the 16 characters of a DS");
        }
        d.set_ints(Tag(tag), vals, v);
    });
}

dk_result dk_dataset_set_doubles(dk_dataset *ds, uint32_t tag, const char *vr, const double *values, size_t count) {
    return dk::guard([&] {
        Dataset &d = container(ds, Tag(tag));
        const VR v = numeric_target(tag, vr, values, count);
        std::vector<double> vals(values, values + count);
        for (double x : vals) {
            if (v == VR::FD) continue;  // any double, NaN and infinities included
            if (v == VR::FL) {
                if (std::isfinite(x) && std::fabs(x) > double(std::numeric_limits<float>::max()))
                    fail(DK_EBADVALUE, "value " + std::to_string(x) + " is out of range for VR FL");
                continue;
            }
            if (!std::isfinite(x)) fail(DK_EBADVALUE, "VR " + vr_text(v) + " cannot hold NaN or infinity");
            if (v == VR::DS) continue;
            if (x != std::floor(x))
                fail(DK_EBADVALUE, "value " + std::to_string(x) + " is not an integer, as VR " + vr_text(v) + " needs");
            check_int_range(v, static_cast<long double>(x), Tag(tag));
        }
        if (v == VR::UV || v == VR::SV) {
            // Through int64 so that integral doubles up to 2^64 stay exact (the core converts each).
            std::vector<int64_t> ints;
            for (double x : vals)
                ints.push_back(v == VR::UV ? static_cast<int64_t>(static_cast<uint64_t>(x)) : static_cast<int64_t>(x));
            d.set_ints(Tag(tag), ints, v);
            return;
        }
        d.set_numbers(Tag(tag), vals, v);
    });
}

dk_result dk_dataset_set_bytes(dk_dataset *ds, uint32_t tag, const char *vr, const void *data, size_t size) {
    return dk::guard([&] {
        Dataset &d = container(ds, Tag(tag));
        check_element_tag(Tag(tag));
        need(vr, "vr");
        if (size) need(data, "data");
        const VR v = parse_vr(vr, Tag(tag));
        if (v == VR::SQ) fail(DK_EBADVALUE, "a sequence has items, not bytes: use dk_dataset_add_item");
        const unsigned unit = dcmkit::vr_value_size(v);
        if (unit > 1 && size % unit != 0)
            fail(DK_EBADLENGTH, std::to_string(size) + " bytes are not a multiple of the " + std::to_string(unit) +
                                    "-byte values of VR " + vr_text(v));
        if (uint64_t(size) > 0xFFFFFFFEu) fail(DK_EBADLENGTH, "a value of " + std::to_string(size) + " bytes is too long");
        d.set_bytes(Tag(tag), v, dcmkit::Bytes::copy(size ? data : "", size));
    });
}

// -- sequences ----------------------------------------------------------------------------------------

dk_result dk_dataset_item_count(size_t *count, const dk_dataset *ds, uint32_t tag) {
    return dk::guard([&] {
        const Dataset &d = container(ds, Tag(tag));  // group 0002 of a top-level handle: the meta information
        need(count, "count");
        const Element &e = require(d, Tag(tag));
        if (!e.is_sequence()) fail(DK_EBADVALUE, describe(Tag(tag)) + " has VR " + vr_text(e.vr) + ", not SQ");
        *count = e.items.size();
    });
}

dk_result dk_dataset_get_item(dk_dataset **out, dk_dataset *ds, uint32_t tag, size_t index) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        const Dataset &d = resolve(ds);
        const Element &e = require(d, Tag(tag));
        if (!e.is_sequence()) fail(DK_EBADVALUE, describe(Tag(tag)) + " has VR " + vr_text(e.vr) + ", not SQ");
        if (index >= e.items.size())
            fail(DK_ENOTFOUND, "no item " + std::to_string(index) + ": " + describe(Tag(tag)) + " has " +
                                   std::to_string(e.items.size()));
        std::vector<dk::Step> path = ds->path;
        path.push_back({Tag(tag), index});
        *out = new_handle(ds->root, std::move(path));
    });
}

dk_result dk_dataset_add_item(dk_dataset **out, dk_dataset *ds, uint32_t tag) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        Dataset &d = resolve(ds);
        check_element_tag(Tag(tag));
        if (ds->path.empty() && Tag(tag).group() == 0x0002)
            fail(DK_EINVAL, "the file meta information (group 0002) has no sequences");
        Element *e = d.find(Tag(tag));
        if (e && !e->is_sequence())
            fail(DK_EBADVALUE, describe(Tag(tag)) + " has VR " + vr_text(e->vr) + ", not SQ");
        if (!e) {
            const dcmkit::DictEntry *entry = dcmkit::dict_find(Tag(tag));
            if (entry && entry->vr != VR::None && entry->vr != VR::SQ && entry->vr_alt != VR::SQ)
                fail(DK_EBADVALUE, describe(Tag(tag)) + " is " + vr_text(entry->vr) + " in the dictionary, not SQ");
        }
        // Allocate everything that may throw before changing the dataset.
        std::vector<dk::Step> path = ds->path;
        path.push_back({Tag(tag), 0});
        std::unique_ptr<dk_dataset> h(new_handle(ds->root));
        Dataset item;
        item.set_inherited_character_set(d.specific_character_set());
        if (!e) e = &d.set_sequence(Tag(tag));
        e->items.push_back(std::move(item));
        path.back().index = e->items.size() - 1;
        h->path = std::move(path);
        *out = h.release();
    });
}

// -- DICOM JSON ---------------------------------------------------------------------------------------

dk_result dk_dataset_to_json(char **out, const dk_dataset *ds, uint32_t flags) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        const Dataset &d = resolve(ds);
        if (flags & ~DK_JSON_PRETTY) fail(DK_EINVAL, "unknown dk_dataset_to_json flags " + std::to_string(flags));
        dcmkit::JsonWriteOptions opt;
        opt.pretty = (flags & DK_JSON_PRETTY) != 0;
        const std::string json = dcmkit::to_json(d, opt);
        *out = malloc_copy(json.c_str(), json.size() + 1);
    });
}

dk_result dk_dataset_from_json(dk_dataset **out, const char *json, size_t size) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(json, "json");
        dcmkit::JsonReadOptions opt;
        // JSON often comes from a peer: resolving its BulkDataURIs would read local files or URLs
        // on its behalf.
        opt.bulk_loader = [](std::string_view uri, Tag, VR) -> dcmkit::Bytes {
            throw dcmkit::Error(Errc::unsupported, "BulkDataURI '" + std::string(uri.substr(0, 200)) +
                                                       "' is not resolved by dk_dataset_from_json");
        };
        auto root = std::make_shared<dk::Root>();
        root->file.dataset = dcmkit::from_json(std::string_view(json, size), opt);
        split_meta(root->file);
        // The default transfer syntax is explicit VR little endian, or the (0002,0010) the JSON gives.
        root->file.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
        bool from_meta = false;
        if (const Element *ts = root->file.meta.find(tags::TransferSyntaxUID)) {
            const std::string uid(dcmkit::trim_value(ts->value.str(), VR::UI));
            if (TransferSyntax::from_uid(uid).known) {
                root->file.transfer_syntax = uid;
                from_meta = true;
            }
        }
        if (from_meta && has_encapsulated_pixels(root->file.dataset)) root->pixel_syntax = root->file.transfer_syntax;
        *out = new_handle(std::move(root));
    });
}

void dk_free(void *p) { std::free(p); }

}  // extern "C"
