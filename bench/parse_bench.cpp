// parse_bench — the C++ side of `./dk.sh bench parse` (bench/parse.sh drives it).
//
//   parse_bench headers [--rounds N] FILE|DIR...
//       Header-only parse loop: dcmkit::read_file(path, stop_before_pixels) over every file (a folder
//       stands for its *.dcm files, sorted), repeated N rounds (default 5); prints the best round.
//   parse_bench lazy FILE
//       Opens FILE lazily (read_file's default: the file is mapped), reads frame_count and the bytes
//       of one frame (the middle one, summed so its pages are really touched), then prints its own
//       peak RSS (VmHWM) and current anonymous/file-backed RSS. The driver runs it in a child process
//       under /usr/bin/time and reports that peak RSS, measured the same way for every tool.
//
// Output lines are "key=value" pairs, so the driver can parse them.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"

namespace fs = std::filesystem;

namespace {

int usage() {
    std::fputs("usage: parse_bench headers [--rounds N] FILE|DIR...\n"
               "       parse_bench lazy FILE\n",
               stderr);
    return 2;
}

std::vector<std::string> expand(const std::vector<std::string> &args) {
    std::vector<std::string> files;
    for (const auto &a : args) {
        if (fs::is_directory(a)) {
            std::vector<std::string> in_dir;
            for (const auto &e : fs::directory_iterator(a))
                if (e.is_regular_file() && e.path().extension() == ".dcm") in_dir.push_back(e.path().string());
            std::sort(in_dir.begin(), in_dir.end());
            files.insert(files.end(), in_dir.begin(), in_dir.end());
        } else {
            files.push_back(a);
        }
    }
    return files;
}

/// A "Name:   123 kB" field of /proc/self/status (VmHWM: peak RSS of this program's own address
/// space, unlike getrusage's ru_maxrss which also counts the parent's memory before exec), -1 if absent.
long status_kb(const char *field) {
    std::FILE *f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    const size_t n = std::strlen(field);
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, field, n) == 0 && line[n] == ':') kb = std::atol(line + n + 1);
    std::fclose(f);
    return kb;
}

int cmd_headers(const std::vector<std::string> &args) {
    int rounds = 5;
    std::vector<std::string> inputs;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--rounds" && i + 1 < args.size()) rounds = std::max(1, std::atoi(args[++i].c_str()));
        else if (!args[i].empty() && args[i][0] == '-') return usage();
        else inputs.push_back(args[i]);
    }
    const std::vector<std::string> files = expand(inputs);
    if (files.empty()) {
        std::fputs("parse_bench: no input files\n", stderr);
        return 2;
    }
    dcmkit::ReadOptions opt;
    opt.stop_before_pixels = true;

    double best = 1e300, total = 0;
    uint64_t checksum = 0;  // keeps the parse observable
    for (int r = 0; r < rounds; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (const auto &path : files) {
            dcmkit::DicomFile f = dcmkit::read_file(path, opt);
            checksum += f.dataset.size() + f.meta.size();
        }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, s);
        total += s;
    }
    std::printf("files=%zu rounds=%d best_s=%.6f mean_s=%.6f files_per_s=%.1f us_per_file=%.2f elements=%llu\n",
                files.size(), rounds, best, total / rounds, double(files.size()) / best, best * 1e6 / double(files.size()),
                (unsigned long long)(checksum / uint64_t(rounds)));
    return 0;
}

int cmd_lazy(const std::vector<std::string> &args) {
    if (args.size() != 1) return usage();
    const auto t0 = std::chrono::steady_clock::now();
    dcmkit::DicomFile f = dcmkit::read_file(args[0]);  // default ReadOptions: mapped, lazy
    const uint64_t frames = dcmkit::frame_count(f.dataset);
    const uint64_t index = frames / 2;
    dcmkit::Bytes frame = dcmkit::frame_bytes(f.dataset, index);
    uint64_t sum = 0;
    for (size_t i = 0; i < frame.size(); ++i) sum += frame[i];
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("frames=%llu frame_index=%llu frame_bytes=%zu frame_sum=%llu open_s=%.6f vm_hwm_kb=%ld rss_anon_kb=%ld "
                "rss_file_kb=%ld\n",
                (unsigned long long)frames, (unsigned long long)index, frame.size(), (unsigned long long)sum, s,
                status_kb("VmHWM"), status_kb("RssAnon"), status_kb("RssFile"));
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) return usage();
    const std::string cmd = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    try {
        if (cmd == "headers") return cmd_headers(args);
        if (cmd == "lazy") return cmd_lazy(args);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "parse_bench: error: %s\n", e.what());
        return 1;
    }
    return usage();
}
