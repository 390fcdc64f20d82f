// dcmkit — the command-line tool: the commands on files (dump, transcode/convert, export).
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "dcmkit/codec.h"
#include "dcmkit/dump.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/render.h"

namespace dcmkit_cli {

int cmd_dump(const std::string &, const Args &args) {
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
            for (const std::string &w : f.warnings) std::fprintf(stderr, "dcmkit: warning: %s in '%s'\n", w.c_str(), path.c_str());
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

int cmd_transcode(const std::string &name, const Args &args) {
    std::vector<std::string> pos;
    std::string ts, err;
    dcmkit::TranscodeOptions topt;
    dcmkit::WriteOptions wopt;
    bool verbose = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        auto value = [&](double lo, double hi, double &out) {
            if (i + 1 >= args.size()) {
                err = a + " needs a value";
                return false;
            }
            return number_arg(a, args[++i], lo, hi, out, err);
        };
        double v = 0;
        if (a == "--ts" || a == "-t") {
            if (i + 1 >= args.size()) return usage_error(name + ": --ts needs a transfer syntax");
            ts = args[++i];
        } else if (a == "--quality" || a == "-q") {
            if (!value(1, 100, v)) return usage_error(name + ": " + err);
            topt.encode.quality = int(v);
        } else if (a == "--ratio") {
            if (!value(1, 1000, v)) return usage_error(name + ": " + err);
            topt.encode.ratio = v;
        } else if (a == "--near") {
            if (!value(0, 255, v)) return usage_error(name + ": " + err);
            topt.encode.near_lossless = int(v);
        } else if (a == "--predictor" || a == "--sv") {
            if (!value(1, 7, v)) return usage_error(name + ": " + err);
            topt.encode.predictor = int(v);
        } else if (a == "--threads") {
            if (!value(0, 1024, v)) return usage_error(name + ": " + err);
            topt.threads = unsigned(v);
        } else if (a == "--lossy-to-lossless") {
            topt.lossy_to_lossless = true;
        } else if (a == "--extended-offset-table") {
            topt.extended_offset_table = true;
        } else if (a == "--keep-uid") {
            topt.new_uid_when_lossy = false;
        } else if (a == "--no-fsync") {
            wopt.fsync = false;
        } else if (a == "-v" || a == "--verbose") {
            verbose = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error(name + ": unknown option '" + a + "'");
        } else {
            pos.push_back(a);
        }
    }
    if (pos.size() != 2) return usage_error(name + ": needs IN and OUT");
    if (ts.empty()) return usage_error(name + ": --ts is required");
    dcmkit::TransferSyntax target;
    try {
        target = dcmkit::TransferSyntax::parse(ts);
    } catch (const dcmkit::Error &e) {
        return usage_error(name + ": " + e.message());
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (verbose && ::isatty(2)) {
        topt.progress = [](uint64_t done, uint64_t total) {
            std::fprintf(stderr, "\r  frame %llu/%llu", static_cast<unsigned long long>(done),
                         static_cast<unsigned long long>(total));
            if (done == total) std::fputc('\n', stderr);
        };
    }
    // What the decoders tolerated (a JPEG scan header out of spec, …): said, never silent.
    topt.warning = [&pos](const std::string &w) { std::fprintf(stderr, "dcmkit: warning: %s: %s\n", pos[0].c_str(), w.c_str()); };
    try {
        dcmkit::DicomFile f = dcmkit::read_file(pos[0]);
        const std::string from(f.syntax().name);
        dcmkit::transcode(f, target.uid, topt);
        dcmkit::write_file(pos[1], f, wopt);
        if (verbose) {
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::fprintf(stderr, "dcmkit: %s: %s -> %s in %.3f s\n", pos[0].c_str(), from.c_str(),
                         std::string(target.name).c_str(), s);
        }
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: %s: %s\n", pos[0].c_str(), e.what());
        return 1;
    }
    return 0;
}

namespace {

std::string lower_extension(const std::string &path) {
    const size_t slash = path.rfind('/'), dot = path.rfind('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot + 1);
    for (char &c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

}  // namespace

int cmd_export(const std::string &, const Args &args) {
    std::vector<std::string> pos;
    dcmkit::RenderOptions ropt;
    std::optional<uint64_t> frame;
    std::optional<int> quality;
    std::string format, err;
    bool verbose = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        double v = 0;
        if (a == "--frame" || a == "-f") {
            if (i + 1 >= args.size() || !number_arg(a, args[++i], 0, 1e9, v, err)) return usage_error("export: " + (err.empty() ? a + " needs a value" : err));
            frame = uint64_t(v);
        } else if (a == "--window" || a == "-w") {
            double c = 0, w = 0;
            if (i + 2 >= args.size() || !number_arg(a, args[i + 1], -1e9, 1e9, c, err) ||
                !number_arg(a, args[i + 2], 0, 1e9, w, err))
                return usage_error("export: " + (err.empty() ? "--window needs CENTER and WIDTH" : err));
            i += 2;
            ropt.window_center = c;
            ropt.window_width = w;
        } else if (a == "--voi") {
            if (i + 1 >= args.size() || !number_arg(a, args[++i], 1, 1000, v, err)) return usage_error("export: " + (err.empty() ? a + " needs a value" : err));
            ropt.voi_index = unsigned(v) - 1;
        } else if (a == "--min-max") {
            ropt.min_max = true;
        } else if (a == "--format") {
            if (i + 1 >= args.size()) return usage_error("export: --format needs jpeg or png");
            format = args[++i];
            if (format == "jpg") format = "jpeg";
            if (format != "jpeg" && format != "png")
                return usage_error("export: --format takes jpeg or png, not '" + format + "'");
        } else if (a == "--quality" || a == "-q") {
            if (i + 1 >= args.size() || !number_arg(a, args[++i], 1, 100, v, err)) return usage_error("export: " + (err.empty() ? a + " needs a value" : err));
            if (v != double(int(v))) return usage_error("export: " + a + " takes a whole number 1..100");
            quality = int(v);
        } else if (a == "-v" || a == "--verbose") {
            verbose = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("export: unknown option '" + a + "'");
        } else {
            pos.push_back(a);
        }
    }
    if (pos.size() != 2) return usage_error("export: needs IN and OUT (.png, .jpg or .jpeg)");
    if (format.empty()) {
        const std::string ext = lower_extension(pos[1]);
        if (ext == "jpg" || ext == "jpeg") format = "jpeg";
        else if (ext == "png") format = "png";
        else return usage_error("export: cannot tell the format of '" + pos[1] + "': name it .png, .jpg or .jpeg, or give --format jpeg|png");
    }
    if (quality && format != "jpeg") return usage_error("export: --quality is for JPEG output");
    const bool jpeg = format == "jpeg";
    bool numbered = false, progress = false;
    uint64_t written = 0;
    try {
        const dcmkit::DicomFile f = dcmkit::read_file(pos[0]);
        const uint64_t frames = dcmkit::frame_count(f.dataset);
        if (frames == 0) throw dcmkit::Error(dcmkit::Errc::not_found, "the file has no pixel data");
        if (frame && *frame >= frames)
            throw dcmkit::Error(dcmkit::Errc::invalid_argument, "--frame " + std::to_string(*frame) + ": the file has " +
                                                                    std::to_string(frames) + " frame(s), numbered from 0");
        // One frame: OUT itself; every frame of a multi-frame image: OUT_0001.ext, OUT_0002.ext, ….
        const uint64_t first = frame ? *frame : 0, last = frame ? *frame + 1 : frames;
        numbered = !frame && frames > 1;
        progress = verbose && numbered && ::isatty(2);
        const auto t0 = std::chrono::steady_clock::now();
        for (uint64_t k = first; k < last; ++k) {
            const dcmkit::Image8 img = dcmkit::render_frame(f, k, ropt);
            for (const std::string &w : img.warnings)
                std::fprintf(stderr, "%sdcmkit: warning: %s: frame %llu: %s\n", progress ? "\r\033[K" : "",
                             pos[0].c_str(), static_cast<unsigned long long>(k), w.c_str());
            const std::string out = numbered ? dcmkit::numbered_path(pos[1], k) : pos[1];
            if (jpeg) dcmkit::write_jpeg(out, img, quality.value_or(90));
            else dcmkit::write_png(out, img);
            ++written;
            if (progress)
                std::fprintf(stderr, "\r  frame %llu/%llu", static_cast<unsigned long long>(k + 1),
                             static_cast<unsigned long long>(frames));
        }
        if (progress) std::fputc('\n', stderr);
        // Several files from one name: say which.
        if (numbered)
            std::printf("%s: %llu frames written to %s ... %s\n", pos[0].c_str(), static_cast<unsigned long long>(frames),
                        dcmkit::numbered_path(pos[1], 0).c_str(), dcmkit::numbered_path(pos[1], frames - 1).c_str());
        if (verbose) {
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::fprintf(stderr, "dcmkit: %s: %llu frame(s) to %s in %.3f s\n", pos[0].c_str(),
                         static_cast<unsigned long long>(last - first), jpeg ? "JPEG" : "PNG", s);
        }
    } catch (const dcmkit::Error &e) {
        if (progress) std::fputc('\n', stderr);
        std::fprintf(stderr, "dcmkit: error: %s: %s\n", pos[0].c_str(), e.what());
        // The frames written before the error stay: say which.
        if (numbered && written > 0)
            std::fprintf(stderr, "dcmkit: %s: frames 0..%llu were written (%s ... %s)\n", pos[0].c_str(),
                         static_cast<unsigned long long>(written - 1), dcmkit::numbered_path(pos[1], 0).c_str(),
                         dcmkit::numbered_path(pos[1], written - 1).c_str());
        return 1;
    }
    return 0;
}

}  // namespace dcmkit_cli
