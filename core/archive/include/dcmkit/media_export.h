// dcmkit — export to media (PS3.10, PS3.11 General Purpose CD-R/DVD): patients or studies picked from
// the archive or from files, optionally de-identified (PS3.15 Annex E), written under conforming File
// IDs with a DICOMDIR, and an ISO 9660 image of the folder when xorriso is installed.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/archive_server.h"
#include "dcmkit/deidentify.h"

namespace dcmkit::archive {

struct MediaExportOptions {
    /// Files and folders (recursed; files that are not Part 10 DICOM are skipped and listed).
    std::vector<std::string> inputs;
    /// An archive's storage folder (the one holding index.sqlite, as `dcmkit serve --storage` makes
    /// it): the instances of `patient_ids` and `study_uids` are taken from its index. "" = none.
    std::string archive_storage;
    /// Selection: an instance is exported when its Patient ID is listed or its Study Instance UID is
    /// (either list empty: it does not select). With both empty every input instance is exported
    /// (an archive needs a selection). Each value listed must select at least one instance.
    std::vector<std::string> patient_ids;
    std::vector<std::string> study_uids;
    /// De-identify each instance on its way to the media (the source files are not changed).
    std::optional<DeidOptions> deidentify;
    /// An instance the de-identification refuses (burned-in text likely) is left out and listed in
    /// MediaExportResult::refused; with this set, it fails the whole export instead.
    bool refusal_is_fatal = false;
    /// The media folder: created when missing; when it exists it must be empty.
    std::string output;
    /// File-set ID (0004,1130): up to 16 of A-Z, 0-9, space and '_'; "" = none.
    std::string fileset_id;
    /// When set, an ISO 9660 (+Rock Ridge, Joliet) image of the folder is written there by
    /// `xorriso -as mkisofs` (found on PATH); `volume_label` (default "DICOM") is its volume ID.
    std::string iso_path;
    std::string volume_label;
    /// Flush the files to the disk (together, once, before the DICOMDIR is written; the DICOMDIR
    /// always is).
    bool fsync = true;
    /// The archive's audit trail (Config::audit): when it has a destination, a successful export
    /// sends one PS3.15 A.5.3.4 Data Export message per patient exported (the patient and studies as
    /// the sources held them, the SOP classes and counts; the media a URI of the folder, or a CD for
    /// an ISO image). AuditSourceID: audit.source_id, else `audit_source_id`.
    AuditSettings audit;
    std::string audit_source_id = "DCMKIT";
};

struct MediaExportResult {
    size_t exported = 0;                    ///< instances written
    size_t patients = 0, studies = 0, series = 0;
    /// Input files that are not Part 10 DICOM (or not readable), with the reason.
    std::vector<std::pair<std::string, std::string>> skipped;
    /// Instances the de-identification refused, with its reason.
    std::vector<std::pair<std::string, std::string>> refused;
    std::vector<std::string> warnings;      ///< e.g. a Type 1 key invented in the DICOMDIR
    /// (source path, File ID written) of each instance exported, in order.
    std::vector<std::pair<std::string, std::string>> files;
    std::string dicomdir;                   ///< path of the DICOMDIR written
    std::string iso;                        ///< path of the ISO image ("" when none was asked for)
};

/// Called before each instance: (instances done, instances in all, the source path). Returning false
/// cancels the export (Error(io) "cancelled"; what was written is removed).
using MediaExportProgress = std::function<bool(size_t done, size_t total, const std::string &path)>;

/// Exports to media. Files land under OUTPUT/DICOM/Pnnnnnnn/Snnnnnnn/Rnnnnnnn/Innnnnnn (PS3.10 File
/// IDs), one P folder per Patient ID (after de-identification: per pseudonym), one S per study, one R
/// per series; uncompressed Implicit VR files are written Explicit VR Little Endian (PS3.11 STD-GEN),
/// other transfer syntaxes as they are. Then OUTPUT/DICOMDIR is made (create_dicomdir, written to a
/// temporary name and renamed) and checked: every file record must sit under the PATIENT record of
/// its own patient. On any failure what the export wrote is removed (the folder is left empty, no
/// DICOMDIR), and the error is thrown:
///   Error(invalid_argument): no input, a non-empty output folder, a bad File-set ID or volume label,
///     an archive without a selection, an instance without a SOP Instance UID, two identities
///     (name, birth date, sex) under one Patient ID;
///   Error(not_found): a Patient ID or Study UID that selects nothing, no instance to export, no
///     index.sqlite in archive_storage, xorriso not on PATH when an ISO was asked for;
///   Error(unsupported): an instance refused by the de-identification with refusal_is_fatal;
///   Error(malformed): a file record landed under another patient's record (never expected);
///   Error(io): a file cannot be written, xorriso failed (its message included), cancelled.
MediaExportResult export_media(const MediaExportOptions &options, const MediaExportProgress &progress = {});

/// Writes an ISO 9660 image of `folder` (Rock Ridge and Joliet names) with `xorriso -as mkisofs -r -J
/// -V LABEL -o ISO FOLDER`, spawned without a shell. Error(not_found) when xorriso is not on PATH,
/// Error(invalid_argument) for a label that is not 1-32 of A-Z, 0-9 and '_', Error(io) when it fails
/// (with its last lines of standard error).
void write_iso_image(const std::string &folder, const std::string &iso_path, const std::string &volume_label);

}  // namespace dcmkit::archive
