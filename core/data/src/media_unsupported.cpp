// dcmkit — a build without DICOMDIR and de-identification (DCMKIT_WITH_MEDIA=OFF, the firmware
// build): every call of dicomdir.h and deidentify.h throws Error(unsupported) saying so, so that the
// C ABI, the bindings and the CLI keep their symbols and answer DK_EUNSUPPORTED.
#include "dcmkit/deidentify.h"
#include "dcmkit/dicomdir.h"
#include "dcmkit/error.h"

namespace dcmkit {

namespace {

[[noreturn]] void not_in_build(const char *what) {
    throw Error(Errc::unsupported, std::string(what) +
                                       " is not in this build of dcmkit (built with DCMKIT_WITH_MEDIA=OFF: no DICOMDIR, "
                                       "no de-identification)");
}

}  // namespace

const char *const kMediaStorageDirectoryStorage = "1.2.840.10008.1.3.10";

const std::vector<size_t> &DicomDir::children(size_t) const { not_in_build("DICOMDIR"); }
std::vector<size_t> DicomDir::find(std::string_view, Tag, std::string_view) const { not_in_build("DICOMDIR"); }
std::vector<size_t> DicomDir::of_type(std::string_view) const { not_in_build("DICOMDIR"); }
std::string DicomDir::file_path(size_t) const { not_in_build("DICOMDIR"); }
DicomDir read_dicomdir(const std::string &) { not_in_build("DICOMDIR"); }
DicomDir read_dicomdir_memory(const uint8_t *, size_t) { not_in_build("DICOMDIR"); }
std::string record_type_for_sop_class(std::string_view) { not_in_build("DICOMDIR"); }
std::vector<std::string> file_id_components(const std::string &) { not_in_build("DICOMDIR"); }
DicomDirWriteResult create_dicomdir(const std::string &, const DicomDirOptions &) { not_in_build("DICOMDIR"); }
DicomDirWriteResult add_to_dicomdir(const std::string &, const std::vector<std::string> &, const DicomDirOptions &) {
    not_in_build("DICOMDIR");
}

void deidentify(Dataset &, const DeidOptions &, DeidReport &) { not_in_build("de-identification"); }
void deidentify(DicomFile &, const DeidOptions &, DeidReport &) { not_in_build("de-identification"); }
void parse_deid_list(DeidOptions &, const std::string &, const std::string &) { not_in_build("de-identification"); }
BurnedIn parse_burned_in(const std::string &) { not_in_build("de-identification"); }
std::string deid_burned_in_reason(const Dataset &) { not_in_build("de-identification"); }
std::vector<uint8_t> read_deid_key(const std::string &) { not_in_build("de-identification"); }
std::string deid_uid(const std::vector<uint8_t> &, const std::string &) { not_in_build("de-identification"); }
const std::vector<SafePrivate> &deid_safe_private_list() { not_in_build("de-identification"); }
std::vector<DeidFileResult> deidentify_files(const std::vector<std::string> &, const DeidOptions &,
                                             const DeidFilesOptions &, const DeidFilesProgress &) {
    not_in_build("de-identification");
}

}  // namespace dcmkit
