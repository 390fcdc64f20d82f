// dcmkit C ABI — a build without DICOMDIR and de-identification (DCMKIT_WITH_MEDIA=OFF, the firmware
// preset): dk_dicomdir_* and the de-identification calls keep their symbols (one ABI for every
// build) and answer DK_EUNSUPPORTED, naming the option; dk_dicomdir_free accepts NULL.
#include "dcmkit/dk_deid.h"
#include "dcmkit/dk_dicomdir.h"
#include "internal.h"

struct dk_dicomdir {};

namespace {

dk_result not_in_build() {
    return dk::guard([] {
        dk::fail(DK_EUNSUPPORTED,
                 "DICOMDIR and de-identification are not in this build of libdcmkit (built with DCMKIT_WITH_MEDIA=OFF)");
    });
}

}  // namespace

extern "C" {

dk_result dk_dicomdir_open(dk_dicomdir **out, const char *) {
    if (out) *out = nullptr;
    return not_in_build();
}
dk_result dk_dicomdir_open_memory(dk_dicomdir **out, const void *, size_t) {
    if (out) *out = nullptr;
    return not_in_build();
}
void dk_dicomdir_free(dk_dicomdir *dir) { delete dir; }
dk_result dk_dicomdir_fileset_id(char *, size_t *, const dk_dicomdir *) { return not_in_build(); }
dk_result dk_dicomdir_record_count(size_t *, const dk_dicomdir *) { return not_in_build(); }
dk_result dk_dicomdir_child_count(size_t *, const dk_dicomdir *, size_t) { return not_in_build(); }
dk_result dk_dicomdir_child(size_t *, const dk_dicomdir *, size_t, size_t) { return not_in_build(); }
dk_result dk_dicomdir_parent(size_t *, const dk_dicomdir *, size_t) { return not_in_build(); }
dk_result dk_dicomdir_record_type(char *, size_t *, const dk_dicomdir *, size_t) { return not_in_build(); }
dk_result dk_dicomdir_record_in_use(int32_t *, const dk_dicomdir *, size_t) { return not_in_build(); }
dk_result dk_dicomdir_record_dataset(dk_dataset **out, const dk_dicomdir *, size_t) {
    if (out) *out = nullptr;
    return not_in_build();
}
dk_result dk_dicomdir_file_path(char *, size_t *, const dk_dicomdir *, size_t) { return not_in_build(); }
dk_result dk_dicomdir_options_init(dk_dicomdir_options *, uint32_t) { return not_in_build(); }
dk_result dk_dicomdir_create(size_t *, size_t *, const char *, const dk_dicomdir_options *) { return not_in_build(); }
dk_result dk_dicomdir_add(size_t *, size_t *, const char *, const char *const *, size_t, const dk_dicomdir_options *) {
    return not_in_build();
}

dk_result dk_deid_options_init(dk_deid_options *, uint32_t) { return not_in_build(); }
dk_result dk_dataset_deidentify(dk_deid_report *, dk_dataset *, const dk_deid_options *) { return not_in_build(); }
dk_result dk_deid_uid(char *, size_t *, const uint8_t *, size_t, const char *) { return not_in_build(); }
dk_result dk_deid_files_options_init(dk_deid_files_options *, uint32_t) { return not_in_build(); }
dk_result dk_deidentify_files(dk_deid_files_report **out, const char *const *, size_t, const dk_deid_options *,
                              const dk_deid_files_options *) {
    if (out) *out = nullptr;
    return not_in_build();
}
void dk_deid_files_report_free(dk_deid_files_report *) {}
dk_result dk_deid_files_report_count(size_t *, const dk_deid_files_report *) { return not_in_build(); }
dk_result dk_deid_files_report_status(int32_t *, int32_t *, const dk_deid_files_report *, size_t) {
    return not_in_build();
}
dk_result dk_deid_files_report_string(char *, size_t *, const dk_deid_files_report *, size_t, uint32_t) {
    return not_in_build();
}

}  // extern "C"
