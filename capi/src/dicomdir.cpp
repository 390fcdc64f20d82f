// dcmkit C ABI — DICOMDIR (dk_dicomdir_*) over dcmkit::DicomDir and create/add_to_dicomdir.
#include <cstring>

#include "dcmkit/dicomdir.h"
#include "dcmkit/dk_dicomdir.h"
#include "internal.h"

using dk::check_version;
using dk::fail;
using dk::need;

struct dk_dicomdir {
    dcmkit::DicomDir dir;
};

namespace {

const dcmkit::DirectoryRecord &record_of(const dk_dicomdir *d, size_t record) {
    need(d, "dir");
    if (record >= d->dir.records.size())
        fail(DK_EINVAL, "no directory record " + std::to_string(record) + " (the DICOMDIR has " +
                            std::to_string(d->dir.records.size()) + ")");
    return d->dir.records[record];
}

const std::vector<size_t> &children_of(const dk_dicomdir *d, size_t record) {
    need(d, "dir");
    if (record == DK_DICOMDIR_ROOT) return d->dir.roots;
    return record_of(d, record).children;
}

/// A copy owning its bytes (a record's values borrow from the DICOMDIR's).
dcmkit::Dataset owned(const dcmkit::Dataset &src) {
    dcmkit::Dataset out;
    for (const dcmkit::Element &e : src) {
        dcmkit::Element c(e.tag, e.vr, dcmkit::Bytes::copy(e.value.data(), e.value.size()));
        c.undefined_length = e.undefined_length;
        for (const dcmkit::Dataset &item : e.items) c.items.push_back(owned(item));
        out.set(std::move(c));
    }
    return out;
}

dcmkit::DicomDirOptions options_of(const dk_dicomdir_options *opts) {
    dcmkit::DicomDirOptions o;
    if (!opts) return o;
    check_version(opts->version, DK_DICOMDIR_OPTIONS_VERSION, "dk_dicomdir_options");
    if (opts->fileset_id) o.fileset_id = opts->fileset_id;
    if (opts->output) o.output = opts->output;
    o.map_nonconforming = opts->map_nonconforming != 0;
    return o;
}

void report(const dcmkit::DicomDirWriteResult &r, size_t *added, size_t *already_present) {
    if (added) *added = r.added;
    if (already_present) *already_present = r.already_present;
}

}  // namespace

extern "C" {

dk_result dk_dicomdir_open(dk_dicomdir **out, const char *path) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(path, "path");
        auto d = std::make_unique<dk_dicomdir>();
        d->dir = dcmkit::read_dicomdir(path);
        *out = d.release();
    });
}

dk_result dk_dicomdir_open_memory(dk_dicomdir **out, const void *data, size_t size) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        need(data, "data");
        auto d = std::make_unique<dk_dicomdir>();
        d->dir = dcmkit::read_dicomdir_memory(static_cast<const uint8_t *>(data), size);
        *out = d.release();
    });
}

void dk_dicomdir_free(dk_dicomdir *dir) { delete dir; }

dk_result dk_dicomdir_fileset_id(char *buf, size_t *size, const dk_dicomdir *dir) {
    return dk::guard([&] { return dk::copy_string(need(dir, "dir")->dir.fileset_id, buf, size); });
}

dk_result dk_dicomdir_record_count(size_t *count, const dk_dicomdir *dir) {
    return dk::guard([&] { *need(count, "count") = need(dir, "dir")->dir.records.size(); });
}

dk_result dk_dicomdir_child_count(size_t *count, const dk_dicomdir *dir, size_t record) {
    return dk::guard([&] {
        need(count, "count");
        *count = children_of(dir, record).size();
    });
}

dk_result dk_dicomdir_child(size_t *child, const dk_dicomdir *dir, size_t record, size_t index) {
    return dk::guard([&] {
        need(child, "child");
        const std::vector<size_t> &c = children_of(dir, record);
        if (index >= c.size())
            fail(DK_EINVAL, "index " + std::to_string(index) + " is past the " + std::to_string(c.size()) +
                                " records below this one");
        *child = c[index];
    });
}

dk_result dk_dicomdir_parent(size_t *parent, const dk_dicomdir *dir, size_t record) {
    return dk::guard([&] {
        need(parent, "parent");
        const size_t p = record_of(dir, record).parent;
        *parent = p == dcmkit::DirectoryRecord::npos ? DK_DICOMDIR_ROOT : p;
    });
}

dk_result dk_dicomdir_record_type(char *buf, size_t *size, const dk_dicomdir *dir, size_t record) {
    return dk::guard([&] { return dk::copy_string(record_of(dir, record).type, buf, size); });
}

dk_result dk_dicomdir_record_in_use(int32_t *in_use, const dk_dicomdir *dir, size_t record) {
    return dk::guard([&] {
        need(in_use, "in_use");
        *in_use = record_of(dir, record).in_use ? 1 : 0;
    });
}

dk_result dk_dicomdir_record_dataset(dk_dataset **out, const dk_dicomdir *dir, size_t record) {
    return dk::guard([&] {
        need(out, "out");
        *out = nullptr;
        const dcmkit::DirectoryRecord &r = record_of(dir, record);
        auto root = std::make_shared<dk::Root>();
        root->file.dataset = owned(r.keys);
        root->file.transfer_syntax = "1.2.840.10008.1.2.1";
        root->file.has_preamble = false;
        auto *h = new dk_dataset;
        h->root = std::move(root);
        *out = h;
    });
}

dk_result dk_dicomdir_file_path(char *buf, size_t *size, const dk_dicomdir *dir, size_t record) {
    return dk::guard([&] {
        record_of(dir, record);
        return dk::copy_string(dir->dir.file_path(record), buf, size);
    });
}

dk_result dk_dicomdir_options_init(dk_dicomdir_options *opts, uint32_t version) {
    return dk::guard([&] {
        need(opts, "opts");
        check_version(version, DK_DICOMDIR_OPTIONS_VERSION, "dk_dicomdir_options");
        dk_dicomdir_options d = DK_DICOMDIR_OPTIONS_INIT;
        d.version = version;
        std::memcpy(opts, &d, sizeof d);
    });
}

dk_result dk_dicomdir_create(size_t *added, size_t *already_present, const char *root,
                             const dk_dicomdir_options *opts) {
    return dk::guard([&] {
        if (added) *added = 0;
        if (already_present) *already_present = 0;
        need(root, "root");
        report(dcmkit::create_dicomdir(root, options_of(opts)), added, already_present);
    });
}

dk_result dk_dicomdir_add(size_t *added, size_t *already_present, const char *dicomdir_path,
                          const char *const *files, size_t count, const dk_dicomdir_options *opts) {
    return dk::guard([&] {
        if (added) *added = 0;
        if (already_present) *already_present = 0;
        need(dicomdir_path, "dicomdir_path");
        if (count) need(files, "files");
        std::vector<std::string> list;
        for (size_t i = 0; i < count; ++i) list.emplace_back(need(files[i], "files[i]"));
        report(dcmkit::add_to_dicomdir(dicomdir_path, list, options_of(opts)), added, already_present);
    });
}

}  // extern "C"
