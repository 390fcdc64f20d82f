// dcmkit — DICOMDIR, the Media Storage Directory (PS3.10 7-8, PS3.3 Annex F, PS3.11): reading the
// directory record tree through its byte offsets, and writing one for a file-set.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcmkit/file.h"

namespace dcmkit {

/// Media Storage Directory Storage: the SOP class of a DICOMDIR.
extern const char *const kMediaStorageDirectoryStorage;  // "1.2.840.10008.1.3.10"

/// One Directory Record (an item of (0004,1220)).
struct DirectoryRecord {
    static constexpr size_t npos = size_t(-1);
    /// Directory Record Type (0004,1430): "PATIENT", "STUDY", "SERIES", "IMAGE", "RT DOSE", …
    std::string type;
    /// The record's item: its keys (PatientID, StudyInstanceUID, …) and the record elements.
    Dataset keys;
    /// Referenced File ID (0004,1500), components joined with '/' ("" when the record has none).
    std::string file_id;
    /// Referenced SOP Class / Instance UID in File (0004,1510/1511), Transfer Syntax (0004,1512).
    std::string sop_class_uid, sop_instance_uid, transfer_syntax_uid;
    /// Record In-use Flag (0004,1410): false when 0000H (an inactive record).
    bool in_use = true;
    /// Byte offset of the record's Item tag, counted from the first byte of the file (the
    /// preamble), as (0004,1200), (0004,1400) and (0004,1420) count (PS3.3 F.3.2.1).
    uint64_t offset = 0;
    size_t parent = npos;          ///< index in DicomDir::records, npos for a root record
    std::vector<size_t> children;  ///< lower-level records, in their (0004,1400) order
};

/// A DICOMDIR read into a tree of records.
struct DicomDir {
    DicomFile file;          ///< the DICOMDIR as read (its dataset holds the raw sequence too)
    std::string fileset_id;  ///< File-set ID (0004,1130), trailing spaces removed
    /// The folder the DICOMDIR is in, which File IDs are relative to ("" when read from memory).
    std::string folder;
    /// Every record reached from (0004,1200) through (0004,1400) and (0004,1420), depth first.
    std::vector<DirectoryRecord> records;
    std::vector<size_t> roots;  ///< the root directory entity, in order

    /// The lower-level records of record `index` (the roots when `index` is npos).
    const std::vector<size_t> &children(size_t index) const;
    /// Records of `type` ("" = any) whose key `key` equals `value` (text compared trimmed, UTF-8).
    std::vector<size_t> find(std::string_view type, Tag key, std::string_view value) const;
    /// Records of `type` ("" = any), in tree order.
    std::vector<size_t> of_type(std::string_view type) const;
    /// The path of the file record `index` references: `folder` joined with its File ID (relative
    /// when `folder` is empty). Throws Error(not_found) when the record references no file, and
    /// Error(malformed) when its File ID has a component "..", "." or one holding '/' or '\\'.
    std::string file_path(size_t index) const;
};

/// Reads a DICOMDIR. Throws Error: not_dicom/truncated/… for a bad file, unsupported when it is not
/// Explicit VR Little Endian, malformed when an offset points at no record of the Directory Record
/// Sequence (outside it, or between items) or the offsets loop back to a record already reached.
DicomDir read_dicomdir(const std::string &path);
/// The same from memory (the bytes are copied).
DicomDir read_dicomdir_memory(const uint8_t *data, size_t size);

/// The Directory Record Type PS3.3 Table F.4-1 gives instances of `sop_class_uid` ("IMAGE" for a
/// class the table here does not list).
std::string record_type_for_sop_class(std::string_view sop_class_uid);

/// Checks a path relative to the file-set root against PS3.10 8.2 / PS3.11: at most 8 components of
/// 1 to 8 characters from A-Z, 0-9 and '_'. Returns the components; throws Error(invalid_argument)
/// saying which rule `relative_path` breaks.
std::vector<std::string> file_id_components(const std::string &relative_path);

struct DicomDirWriteResult {
    size_t added = 0;                   ///< instances given records
    size_t already_present = 0;         ///< instances the DICOMDIR already referenced (left alone)
    std::vector<std::string> skipped;   ///< files that are not Part 10 DICOM, with the reason
    std::vector<std::string> warnings;  ///< e.g. a Type 1 key the instance lacks, written empty
    /// Files whose path is no valid File ID, and the conforming name each was copied to.
    std::vector<std::pair<std::string, std::string>> mapped;
};

struct DicomDirOptions {
    /// File-set ID (0004,1130): CS, at most 16 characters of A-Z, 0-9, space and '_'. On add, empty
    /// keeps the DICOMDIR's own.
    std::string fileset_id;
    /// Where to write the DICOMDIR: empty = ROOT/DICOMDIR (create) or in place (add).
    std::string output;
    /// A file whose path (relative to the file-set root) is no valid File ID (PS3.10 8.2: at most 8
    /// components of 1-8 characters from A-Z, 0-9 and '_') is copied to DICOM/Dnnnnnnn/Innnnnnn
    /// and referenced there; the original is left in place, and a later create or add finds it
    /// already referenced through its copy (same SOP Instance UID). false: Error(invalid_argument).
    bool map_nonconforming = true;
};

/// Writes ROOT/DICOMDIR for the file-set rooted at folder `root`: every Part 10 file under it
/// (other than a DICOMDIR) is referenced, PATIENT → STUDY → SERIES → the record type of its SOP
/// class, with the keys of PS3.3 F.5. Patients are matched on Patient ID, studies and series on
/// their Instance UIDs; a second file with a SOP Instance UID already referenced is counted in
/// `already_present`. A Type 1 record key the instance leaves empty is invented as DCMTK's
/// `dcmmkdir +I` does (Patient ID DKPATnnnnnn, Study ID DKSTUDYnnnnnn, Study Date/Time from the
/// series, acquisition or content date/time, Series/Instance Number by position, Modality OT) and
/// said in `warnings`. Encoded in Explicit VR Little Endian; the record offsets are those of the
/// encoded bytes. Throws Error(invalid_argument) for a bad File-set ID (or a non-conforming name
/// when map_nonconforming is false), Error(io) when the DICOMDIR cannot be written.
DicomDirWriteResult create_dicomdir(const std::string &root, const DicomDirOptions &options = {});
/// Adds `files` (paths, relative to the working folder or absolute, of files or folders under the
/// DICOMDIR's folder) to an existing DICOMDIR, keeping its in-use records (inactive ones are
/// dropped), and writes it back (re-encoded, offsets recomputed, same SOP Instance UID).
DicomDirWriteResult add_to_dicomdir(const std::string &dicomdir_path, const std::vector<std::string> &files,
                                    const DicomDirOptions &options = {});

}  // namespace dcmkit
