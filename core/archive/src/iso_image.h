// dcmkit — helpers of the ISO image writer that export_media checks with before writing anything.
#pragma once

#include <string>

namespace dcmkit::archive {

/// The first executable `name` in PATH ("" when none).
std::string find_on_path(const std::string &name);
/// Throws Error(invalid_argument) unless `label` is 1 to 32 of A-Z, 0-9 and '_'.
void check_volume_label(const std::string &label);

}  // namespace dcmkit::archive
