// dcmkit — de-identification by the PS3.15 Annex E Basic Application Level Confidentiality Profile
// (Table E.1-1) and its options, with keyed, consistent pseudonyms.
#pragma once

#include <cstdint>
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

/// The private elements kept by retain_safe_private: {creator, group, element offset}.
struct SafePrivate {
    const char *creator;
    uint16_t group;
    uint8_t offset;
};
const std::vector<SafePrivate> &deid_safe_private_list();

}  // namespace dcmkit
