// dcmkit — the command-line tool: dicomdir create | add | list (PS3.10 media directories).
#include <cstdio>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "dcmkit/dicomdir.h"
#include "dcmkit/error.h"

namespace dcmkit_cli {
namespace {

void report(const dcmkit::DicomDirWriteResult &r, const std::string &path, bool verbose) {
    for (const auto &m : r.mapped)
        std::fprintf(stderr, "dcmkit: '%s' is no valid File ID: referenced as its copy '%s'\n", m.first.c_str(),
                     m.second.c_str());
    for (const auto &s : r.skipped)
        if (verbose) std::fprintf(stderr, "dcmkit: skipped %s\n", s.c_str());
    for (const auto &w : r.warnings) std::fprintf(stderr, "dcmkit: warning: %s\n", w.c_str());
    std::printf("%s: %zu instance%s added, %zu already present, %zu file%s skipped\n", path.c_str(), r.added,
                r.added == 1 ? "" : "s", r.already_present, r.skipped.size(), r.skipped.size() == 1 ? "" : "s");
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

/// One line per record: its type, then the keys that name it at its level.
std::string describe(const dcmkit::DirectoryRecord &r) {
    const auto get = [&](uint16_t g, uint16_t e) {
        try {
            return trimmed(r.keys.get_string_or(dcmkit::Tag{g, e}, ""));
        } catch (const dcmkit::Error &) {
            return std::string("?");
        }
    };
    std::string s = r.type;
    if (r.type == "PATIENT") s += " " + get(0x0010, 0x0020) + " [" + get(0x0010, 0x0010) + "]";
    else if (r.type == "STUDY") s += " " + get(0x0020, 0x000D) + " " + get(0x0008, 0x0020) + " [" + get(0x0008, 0x1030) + "]";
    else if (r.type == "SERIES") s += " " + get(0x0020, 0x000E) + " " + get(0x0008, 0x0060) + " #" + get(0x0020, 0x0011);
    else if (!r.file_id.empty()) s += " #" + get(0x0020, 0x0013) + " " + r.file_id + " " + r.sop_instance_uid;
    if (!r.in_use) s += " (inactive)";
    return s;
}

int list(const std::string &path) {
    const dcmkit::DicomDir dir = dcmkit::read_dicomdir(path);
    std::string out = "File-set ID: " + dir.fileset_id + "\n";
    // Depth first, without recursion (the tree's depth is the file's to choose).
    std::vector<std::pair<size_t, size_t>> stack;  // record, depth
    for (size_t i = dir.roots.size(); i-- > 0;) stack.emplace_back(dir.roots[i], 0);
    while (!stack.empty()) {
        const auto [index, depth] = stack.back();
        stack.pop_back();
        out += std::string(2 * depth, ' ') + describe(dir.records[index]) + "\n";
        const auto &kids = dir.records[index].children;
        for (size_t i = kids.size(); i-- > 0;) stack.emplace_back(kids[i], depth + 1);
    }
    write_all(out);
    return 0;
}

}  // namespace

int cmd_dicomdir(const std::string &, const Args &args) {
    if (args.empty()) return usage_error("dicomdir: create, add or list?");
    const std::string sub = args[0];
    dcmkit::DicomDirOptions opt;
    bool verbose = false;
    std::vector<std::string> pos;
    for (size_t i = 1; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (a == "--fileset-id" || a == "+F") {
            if (i + 1 >= args.size()) return usage_error("dicomdir: " + a + " needs a value");
            opt.fileset_id = args[++i];
        } else if (a == "--out" || a == "+D") {
            if (i + 1 >= args.size()) return usage_error("dicomdir: " + a + " needs a path");
            opt.output = args[++i];
        } else if (a == "--no-map") {
            opt.map_nonconforming = false;
        } else if (a == "-v" || a == "--verbose") {
            verbose = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("dicomdir: unknown option '" + a + "'");
        } else {
            pos.push_back(a);
        }
    }
    try {
        if (sub == "create") {
            if (pos.size() != 1) return usage_error("dicomdir create: one folder, the file-set's root");
            const auto r = dcmkit::create_dicomdir(pos[0], opt);
            report(r, opt.output.empty() ? pos[0] + "/DICOMDIR" : opt.output, verbose);
            return 0;
        }
        if (sub == "add") {
            if (pos.size() < 2) return usage_error("dicomdir add: a DICOMDIR, then files or folders");
            const auto r = dcmkit::add_to_dicomdir(pos[0], std::vector<std::string>(pos.begin() + 1, pos.end()), opt);
            report(r, opt.output.empty() ? pos[0] : opt.output, verbose);
            return 0;
        }
        if (sub == "list") {
            if (pos.size() != 1) return usage_error("dicomdir list: one DICOMDIR");
            return list(pos[0]);
        }
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: %s\n", e.what());
        return 1;
    }
    return usage_error("dicomdir: unknown subcommand '" + sub + "' (create, add or list)");
}

}  // namespace dcmkit_cli
