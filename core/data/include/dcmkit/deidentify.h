// dcmkit — de-identification by the PS3.15 Annex E Basic Application Level Confidentiality Profile
// (Table E.1-1) and its options, with keyed, consistent pseudonyms.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/file.h"

namespace dcmkit {

/// What to do when the pixel data may hold burned-in text (Burned In Annotation YES, or likely:
/// modality US, a Secondary Capture SOP class, Image Type with SCREEN SAVE). dcmkit does not clean
/// pixel data (the Clean Pixel Data Option is never claimed): refuse throws, flag de-identifies and
/// says so in the report, ignore de-identifies silently.
enum class BurnedIn { refuse, flag, ignore };

/// The shortest key accepted (bytes).
constexpr size_t kDeidMinKeySize = 16;

struct DeidOptions {
    /// The HMAC-SHA256 key of every pseudonym (UIDs, Patient ID, the date offset). Required: the same
    /// key gives the same pseudonyms across files and runs; another key gives unrelated ones.
    std::vector<uint8_t> key;
    // The options of Table E.1-1 (PS3.15 E.3).
    bool retain_safe_private = false;        ///< keep the private elements of the safe list
    bool retain_uids = false;                ///< keep UIDs (else each is remapped to 2.25.<HMAC>)
    bool retain_device_identity = false;
    bool retain_institution_identity = false;
    bool retain_patient_characteristics = false;
    bool retain_long_full_dates = false;      ///< keep dates and times
    bool retain_long_modified_dates = false;  ///< shift dates by a per-patient offset
    bool clean_descriptors = false;
    bool clean_structured_content = false;
    bool clean_graphics = false;
    BurnedIn burned_in = BurnedIn::refuse;
};

struct DeidReport {
    size_t removed = 0, emptied = 0, replaced = 0, kept = 0, cleaned = 0, uids_remapped = 0;
    bool burned_in_flagged = false;  ///< burned-in text is (or may be) in the pixels (BurnedIn::flag)
    std::string burned_in_reason;
    std::string patient_pseudonym;   ///< the new Patient ID (and Patient's Name)
    int date_offset_days = 0;        ///< days added to dates (Retain Longitudinal Modified Dates), < 0
    std::vector<std::string> notes;
};

/// De-identifies `ds` in place: every element present, and inside sequences recursively, gets the
/// action of Table E.1-1 for the options chosen (an option's column overrides the Basic Profile;
/// when two chosen options both name an element, K wins over C). D writes a dummy valid for the VR,
/// Z empties, X removes, K keeps, U remaps a UID to "2.25." + the first 128 bits of
/// HMAC-SHA256(key, UID) in decimal; compound actions take the last choice that keeps the dataset
/// valid without knowing the IOD (X/Z -> Z, X/D, Z/D and X/Z/D -> D, X/Z/U* -> the items processed).
/// C: dates shifted (modified dates); text has each identifying value of the dataset (patient names,
/// IDs, birth date, accession number, institution, physicians) masked with '*'; sequences have their
/// items processed; binary graphics are removed. Patient ID and Patient's Name become a keyed
/// pseudonym. Private elements are removed except, with retain_safe_private, those of the safe list.
/// Adds Patient Identity Removed YES, De-identification Method and its Code Sequence (CID 7050),
/// and Longitudinal Temporal Information Modified (MODIFIED, UNMODIFIED or REMOVED).
/// Patient ID becomes "DK" + 20 hex digits of HMAC(key, "patient:id:" + Patient ID) (the name
/// when the ID is empty), Patient's Name the same as a family name ("DK…^"); the date offset is -(1 + HMAC(key, "date-offset:…") mod 3650) days.
/// Throws Error(invalid_argument) on a key shorter than kDeidMinKeySize or conflicting options
/// (full and modified dates), Error(unsupported) when burned-in text is likely and `burned_in` is
/// refuse (the dataset is then left unchanged).
void deidentify(Dataset &ds, const DeidOptions &options, DeidReport &report);
/// The same on a file; the meta information loses the sender's AE titles and private information
/// (its UIDs follow the dataset when written) and the preamble is zeroed.
void deidentify(DicomFile &file, const DeidOptions &options, DeidReport &report);

/// How deidentify_files runs (the folder-to-folder de-identification `dcmkit deidentify` does).
struct DeidFilesOptions {
    /// The output folder (created when missing). Each file is written as "<new SOP Instance
    /// UID>.dcm" through a temporary ".<n>.part" name renamed into place.
    std::string output;
    /// Files de-identified at once, each on its own thread; 0 = the hardware threads. The files
    /// written, their names and the results do not depend on it.
    unsigned jobs = 0;
    /// Flush the output to the disk once, at the end (syncfs of its file system, then the folder).
    bool fsync = true;
    /// Copy large values the de-identification leaves unchanged (Pixel Data) from the input file to
    /// the output with copy_file_range(2) instead of reading the file whole: a clone on file systems
    /// that share extents (XFS, Btrfs) or a server-side copy (NFS 4.2); falls back to plain writes
    /// where the kernel or file systems refuse it. Off by default: on ext4 (no sharing) the kernel's
    /// splice copy measured no faster than read and write.
    bool copy_file_range = false;
};

enum class DeidFileStatus {
    written,  ///< de-identified and written as `output`
    skipped,  ///< not DICOM, or a DICOMDIR (it names patients; make a new one for the output)
    refused,  ///< burned-in text likely and BurnedIn::refuse: not written
    failed,   ///< unreadable, no SOP Instance UID, the same instance as an earlier input, a write error
};

/// The outcome for one input file.
struct DeidFileResult {
    std::string input;
    std::string output;   ///< the path written ("" unless written)
    DeidFileStatus status = DeidFileStatus::failed;
    std::string message;  ///< why it was skipped, refused or failed ("" when written)
    bool burned_in_flagged = false;  ///< written although burned-in text is likely (BurnedIn::flag)
    std::string burned_in_reason;
};

/// Called once per input, in input order, as each result is final (from a worker thread, one call
/// at a time): (results so far, inputs in all, the result).
using DeidFilesProgress = std::function<void(size_t done, size_t total, const DeidFileResult &result)>;

/// De-identifies files (not folders) into `files_options.output` with `options`, on several threads,
/// and returns one result per input, in input order. Read errors, refusals and write errors are per
/// file: the others go on. When two inputs are the same instance, the first in input order is
/// written and the later one fails. Throws Error(io) only when the output folder cannot be made or
/// (fsync) flushed, Error(invalid_argument) on a bad key or options (before any file is read).
std::vector<DeidFileResult> deidentify_files(const std::vector<std::string> &inputs, const DeidOptions &options,
                                             const DeidFilesOptions &files_options,
                                             const DeidFilesProgress &progress = {});

/// Sets the options a comma-separated list names, as `dcmkit deidentify` spells them: `kind`
/// "retain" (safe-private, uids, device, institution, patient-chars, full-dates, modified-dates) or
/// "clean" (descriptors, structured-content, graphics). Throws Error(invalid_argument) naming an
/// unknown word.
void parse_deid_list(DeidOptions &options, const std::string &kind, const std::string &list);
/// "refuse", "flag" or "ignore"; throws Error(invalid_argument) otherwise.
BurnedIn parse_burned_in(const std::string &mode);

/// Why `ds` likely holds burned-in text (empty when nothing says so).
std::string deid_burned_in_reason(const Dataset &ds);

/// Reads a key file (raw bytes). Throws Error(io) when it cannot be read, Error(invalid_argument)
/// when it holds fewer than kDeidMinKeySize bytes or more than 1 MB.
std::vector<uint8_t> read_deid_key(const std::string &path);

/// The UID `uid` remaps to under `key`: "2.25." + the decimal of the first 128 bits of
/// HMAC-SHA256(key, uid), with the RFC 9562 version-8 and variant bits set. Well-known UIDs of
/// PS3.6 (SOP classes, transfer syntaxes…) and the empty string map to themselves.
std::string deid_uid(const std::vector<uint8_t> &key, const std::string &uid);

/// The private elements kept by retain_safe_private, PS3.15 Table E.3.10-1 "Safe Private Attributes"
/// (core/data/standard/safe_private.tsv): the element (group, xx + offset) in the block whose Private
/// Creator is `creator`, with the table's VR ("" where it gives none) and meaning.
struct SafePrivate {
    const char *creator;
    uint16_t group;
    uint8_t offset;
    const char *vr;
    const char *name;
};
const std::vector<SafePrivate> &deid_safe_private_list();

}  // namespace dcmkit
