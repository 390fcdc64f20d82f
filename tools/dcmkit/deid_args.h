// dcmkit — the command-line tool: the de-identification options `deidentify` and `export-media`
// share (--key FILE, --retain LIST, --clean LIST, --burned-in MODE).
#pragma once

#include <string>
#include <vector>

#include "dcmkit/deidentify.h"

namespace dcmkit_cli {

struct DeidArgs {
    std::string key_file;
    dcmkit::DeidOptions options;  ///< its key is filled by load_deid_key
};

/// When args[i] is one of the options above, consumes it and its value and returns true; `rc` is
/// then 0, or the usage error's status (the message printed, naming `command`). False otherwise.
bool parse_deid_arg(const std::string &command, const std::vector<std::string> &args, size_t &i, DeidArgs &out,
                    int &rc);

/// Checks the options (--key given, dates options not both) and reads the key file into
/// out.options.key, warning when others can read it. Returns 0, or the exit status after printing
/// the error (2 for a usage error, 1 for a key that cannot be read).
int load_deid_key(const std::string &command, DeidArgs &out);

}  // namespace dcmkit_cli
