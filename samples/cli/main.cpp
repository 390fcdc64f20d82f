// dcmkit — the command-line tool.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "dcmkit/dictionary.h"
#include "dcmkit/dump.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"

namespace {

const char *kUsage =
    "usage: dcmkit <command> [options]\n"
    "\n"
    "commands:\n"
    "  dump FILE...                 print every element, one per line (like dcmdump)\n"
    "      --json                   print DICOM JSON (PS3.18 Annex F) instead\n"
    "      -L, --print-all          print long values in full\n"
    "      --no-meta                do not print the meta information header\n"
    "      --stop-before-pixels     do not read pixel data\n"
    "  convert IN OUT --ts SYNTAX   re-encode IN as OUT in another transfer syntax\n"
    "                               (implicit, explicit, big, deflate, or a UID or keyword)\n"
    "  version                      print the version\n"
    "\n"
    "Exit status: 0 on success, 1 when an input could not be read or an output written, 2 on a usage error.\n";

int usage_error(const std::string &msg) {
    std::fprintf(stderr, "dcmkit: %s\n(try 'dcmkit help')\n", msg.c_str());
    return 2;
}

void write_all(const std::string &s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(1, s.data() + off, s.size() - off);
        if (n <= 0) return;  // a closed pipe (| head) is not an error worth reporting
        off += size_t(n);
    }
}

int cmd_dump(const std::vector<std::string> &args) {
    bool json = false;
    dcmkit::DumpOptions dopt;
    dcmkit::ReadOptions ropt;
    std::vector<std::string> files;
    for (const auto &a : args) {
        if (a == "--json") json = true;
        else if (a == "-L" || a == "--print-all") dopt.max_value_chars = 0;
        else if (a == "--no-meta") dopt.meta = false;
        else if (a == "--stop-before-pixels") ropt.stop_before_pixels = true;
        else if (a.size() > 1 && a[0] == '-') return usage_error("dump: unknown option '" + a + "'");
        else files.push_back(a);
    }
    if (files.empty()) return usage_error("dump: no input file");
    int rc = 0;
    std::string out;
    out.reserve(1 << 16);
    for (const auto &path : files) {
        try {
            dcmkit::DicomFile f = dcmkit::read_file(path, ropt);
            out.clear();
            if (json) {
                dcmkit::JsonWriteOptions jopt;
                jopt.pretty = true;
                out = dcmkit::to_json(f.dataset, jopt);
                out += '\n';
            } else {
                if (files.size() > 1) out += "\n# " + path + "\n";
                dcmkit::dump(out, f, dopt);
            }
            write_all(out);
        } catch (const dcmkit::Error &e) {
            std::fprintf(stderr, "dcmkit: error: %s\n", e.what());
            rc = 1;
        }
    }
    return rc;
}

int cmd_convert(const std::vector<std::string> &args) {
    std::vector<std::string> pos;
    std::string ts;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--ts" || args[i] == "-t") {
            if (i + 1 >= args.size()) return usage_error("convert: --ts needs a transfer syntax");
            ts = args[++i];
        } else if (args[i].size() > 1 && args[i][0] == '-') {
            return usage_error("convert: unknown option '" + args[i] + "'");
        } else {
            pos.push_back(args[i]);
        }
    }
    if (pos.size() != 2) return usage_error("convert: needs IN and OUT");
    if (ts.empty()) return usage_error("convert: --ts is required");
    dcmkit::TransferSyntax target;
    try {
        target = dcmkit::TransferSyntax::parse(ts);
    } catch (const dcmkit::Error &e) {
        return usage_error(std::string("convert: ") + e.message());
    }
    try {
        dcmkit::DicomFile f = dcmkit::read_file(pos[0]);
        const dcmkit::TransferSyntax from = f.syntax();
        if (from.encapsulated != target.encapsulated) {
            std::fprintf(stderr,
                         "dcmkit: error: %s: converting %s to %s needs a pixel data codec; use 'dcmkit transcode'\n",
                         pos[0].c_str(), std::string(from.name).c_str(), std::string(target.name).c_str());
            return 1;
        }
        dcmkit::WriteOptions wopt;
        wopt.transfer_syntax = std::string(target.uid);
        dcmkit::write_file(pos[1], f, wopt);
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: %s\n", e.what());
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    std::string cmd = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    if (cmd == "help" || cmd == "-h" || cmd == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (cmd == "version" || cmd == "--version") {
        std::printf("dcmkit %s\n", DCMKIT_VERSION_STRING);
        return 0;
    }
    if (cmd == "dump") return cmd_dump(args);
    if (cmd == "convert") return cmd_convert(args);
    return usage_error("unknown command '" + cmd + "'");
}
