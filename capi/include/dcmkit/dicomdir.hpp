// dcmkit C++ wrapper: DICOMDIR (dk::DicomDir over dk_dicomdir) — the record tree of a file-set's
// Media Storage Directory, and writing one (PS3.10, PS3.3 Annex F).
//
//   dk::DicomDir dir("/media/cd/DICOMDIR");
//   for (dk::DicomDir::Record patient : dir.roots())
//       for (dk::DicomDir::Record study : dir.children(patient))
//           ...                                  // dir.type(r), dir.dataset(r), dir.file_path(r)
//   dk::DicomDir::create("/media/out", {"DISC_1"});
#ifndef DCMKIT_DICOMDIR_HPP
#define DCMKIT_DICOMDIR_HPP

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/common.hpp"
#include "dcmkit/dataset.hpp"
#include "dcmkit/dk_dicomdir.h"

namespace dk {

/// How DicomDir::create and DicomDir::add write (dk_dicomdir_options).
struct DicomDirOptions {
    std::string fileset_id;          ///< "" = none (create), the DICOMDIR's own (add)
    std::string output;              ///< "" = ROOT/DICOMDIR (create), in place (add)
    bool map_nonconforming = true;   ///< copy names that are no File ID to DICOM/Dnnnnnnn/Innnnnnn
};

/// What create or add did.
struct DicomDirWriteResult {
    size_t added = 0;            ///< instances given a record
    size_t already_present = 0;  ///< instances already referenced (left alone)
};

/// A DICOMDIR read into its record tree (dk_dicomdir). Move-only; immutable.
class DicomDir {
public:
    /// A record number, 0 to size() - 1; `root` stands for the root directory entity.
    using Record = size_t;
    static constexpr Record root = DK_DICOMDIR_ROOT;

    /// Reads a DICOMDIR. Throws ParseError (or a subclass) for a bad one, IoError / NotFoundError
    /// when it cannot be read.
    explicit DicomDir(const std::string &path) { check(dk_dicomdir_open(&h_, path.c_str())); }
    /// Reads one from memory (File IDs then give relative paths).
    static DicomDir from_memory(const void *data, size_t size) {
        dk_dicomdir *h = nullptr;
        check(dk_dicomdir_open_memory(&h, data, size));
        return DicomDir(h);
    }
    DicomDir(DicomDir &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    DicomDir &operator=(DicomDir &&o) noexcept {
        if (this != &o) {
            dk_dicomdir_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    DicomDir(const DicomDir &) = delete;
    DicomDir &operator=(const DicomDir &) = delete;
    ~DicomDir() { dk_dicomdir_free(h_); }

    const dk_dicomdir *handle() const noexcept { return h_; }

    /// File-set ID (0004,1130).
    std::string fileset_id() const {
        return detail::string_call([&](char *b, size_t *n) { return dk_dicomdir_fileset_id(b, n, h_); });
    }
    /// Number of records.
    size_t size() const {
        size_t n = 0;
        check(dk_dicomdir_record_count(&n, h_));
        return n;
    }
    /// The records below `r` (the top-level records for `root`), in order.
    std::vector<Record> children(Record r) const {
        size_t n = 0;
        check(dk_dicomdir_child_count(&n, h_, r));
        std::vector<Record> out(n);
        for (size_t i = 0; i < n; ++i) check(dk_dicomdir_child(&out[i], h_, r, i));
        return out;
    }
    /// The top-level records (usually the patients).
    std::vector<Record> roots() const { return children(root); }
    /// The record above `r` (`root` for a top-level record).
    Record parent(Record r) const {
        Record p = root;
        check(dk_dicomdir_parent(&p, h_, r));
        return p;
    }
    /// Directory Record Type: "PATIENT", "STUDY", "SERIES", "IMAGE", "SR DOCUMENT"…
    std::string type(Record r) const {
        return detail::string_call([&](char *b, size_t *n) { return dk_dicomdir_record_type(b, n, h_, r); });
    }
    /// Whether the Record In-use Flag is set (not 0000H).
    bool in_use(Record r) const {
        int32_t v = 0;
        check(dk_dicomdir_record_in_use(&v, h_, r));
        return v != 0;
    }
    /// The record's item (its keys) as a dataset of its own.
    Dataset dataset(Record r) const {
        dk_dataset *out = nullptr;
        check(dk_dicomdir_record_dataset(&out, h_, r));
        return Dataset(out);
    }
    /// The path of the file `r` references (NotFoundError when it references none).
    std::string file_path(Record r) const {
        return detail::string_call([&](char *b, size_t *n) { return dk_dicomdir_file_path(b, n, h_, r); });
    }

    /// Writes ROOT/DICOMDIR (or options.output) for every Part 10 file under folder `root_folder`.
    static DicomDirWriteResult create(const std::string &root_folder, const DicomDirOptions &options = {}) {
        const dk_dicomdir_options o = to_c(options);
        DicomDirWriteResult r;
        check(dk_dicomdir_create(&r.added, &r.already_present, root_folder.c_str(), &o));
        return r;
    }
    /// Adds files (or folders) under the DICOMDIR's folder to it and writes it back.
    static DicomDirWriteResult add(const std::string &dicomdir, const std::vector<std::string> &files,
                                   const DicomDirOptions &options = {}) {
        const dk_dicomdir_options o = to_c(options);
        std::vector<const char *> list;
        for (const std::string &f : files) list.push_back(f.c_str());
        DicomDirWriteResult r;
        check(dk_dicomdir_add(&r.added, &r.already_present, dicomdir.c_str(), list.data(), list.size(), &o));
        return r;
    }

private:
    explicit DicomDir(dk_dicomdir *h) noexcept : h_(h) {}
    static dk_dicomdir_options to_c(const DicomDirOptions &options) {
        dk_dicomdir_options o = DK_DICOMDIR_OPTIONS_INIT;
        o.fileset_id = options.fileset_id.empty() ? nullptr : options.fileset_id.c_str();
        o.output = options.output.empty() ? nullptr : options.output.c_str();
        o.map_nonconforming = options.map_nonconforming ? 1 : 0;
        return o;
    }
    dk_dicomdir *h_ = nullptr;
};

}  // namespace dk

#endif  // DCMKIT_DICOMDIR_HPP
