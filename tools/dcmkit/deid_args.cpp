// dcmkit — the command-line tool: the de-identification options shared by deidentify and export-media.
#include "deid_args.h"

#include <sys/stat.h>

#include <cstdio>

#include "args.h"
#include "dcmkit/error.h"

namespace dcmkit_cli {

bool parse_deid_arg(const std::string &command, const std::vector<std::string> &args, size_t &i, DeidArgs &out,
                    int &rc) {
    const std::string &a = args[i];
    rc = 0;
    if (a != "--key" && a != "--retain" && a != "--clean" && a != "--burned-in") return false;
    if (i + 1 >= args.size()) {
        rc = usage_error(command + ": " + a +
                         (a == "--key" ? " needs a file" : a == "--burned-in" ? " needs refuse, flag or ignore" : " needs a list"));
        return true;
    }
    const std::string &v = args[++i];
    try {
        if (a == "--key") out.key_file = v;
        else if (a == "--burned-in") out.options.burned_in = dcmkit::parse_burned_in(v);
        else dcmkit::parse_deid_list(out.options, a.substr(2), v);
    } catch (const dcmkit::Error &e) {
        rc = usage_error(command + ": --" + e.message());
    }
    return true;
}

int load_deid_key(const std::string &command, DeidArgs &out) {
    if (out.key_file.empty())
        return usage_error(command + ": --key FILE is required (make one with: dcmkit deidentify --new-key FILE)");
    if (out.options.retain_long_full_dates && out.options.retain_long_modified_dates)
        return usage_error(command + ": --retain full-dates and modified-dates exclude each other");
    try {
        out.options.key = dcmkit::read_deid_key(out.key_file);
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: %s: %s\n", command.c_str(), e.message().c_str());
        return 1;
    }
    struct stat kst {};
    if (::stat(out.key_file.c_str(), &kst) == 0 && (kst.st_mode & 077))
        std::fprintf(stderr, "dcmkit: warning: %s: the key file %s can be read by others (mode %03o): whoever "
                             "holds it can link the pseudonyms back (chmod 600 %s)\n",
                     command.c_str(), out.key_file.c_str(), unsigned(kst.st_mode & 0777), out.key_file.c_str());
    return 0;
}

}  // namespace dcmkit_cli
