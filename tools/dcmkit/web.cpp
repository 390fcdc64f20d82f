// dcmkit — the command-line tool: `dcmkit web store|search|retrieve URL ...`, a DICOMweb client
// (STOW-RS, QIDO-RS, WADO-RS) over dcmkit::web::Client.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "dcmkit/dump.h"
#include "dcmkit/error.h"
#include "dcmkit/json.h"
#include "dcmkit/services/web_client.h"

namespace dcmkit_cli {
namespace {

namespace web = dcmkit::web;

struct WebArgs {
    web::ClientOptions client;
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> values;  // the command's own options, in order
    std::vector<std::string> flags;
    bool verbose = false;
    bool recursive = false;
    std::string error;

    bool has(const std::string &flag) const {
        for (const std::string &f : flags)
            if (f == flag) return true;
        return false;
    }
    std::string value(const std::string &opt) const {
        std::string v;
        for (const auto &kv : values)
            if (kv.first == opt) v = kv.second;
        return v;
    }
};

/// Parses the options every web command shares and the command's own (`value_opts` take a value,
/// `flag_opts` none).
bool parse_web(const Args &args, const std::vector<std::string> &value_opts, const std::vector<std::string> &flag_opts, WebArgs &w) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        auto need = [&](std::string &out) {
            if (i + 1 >= args.size()) {
                w.error = a + " needs a value";
                return false;
            }
            out = args[++i];
            return true;
        };
        std::string v;
        if (a == "-v" || a == "--verbose") w.verbose = true;
        else if (a == "-r" || a == "--recursive") w.recursive = true;
        else if (a == "--token") {
            if (!need(w.client.bearer_token)) return false;
        } else if (a == "--user") {
            if (!need(w.client.username)) return false;
        } else if (a == "--password") {
            if (!need(w.client.password)) return false;
        } else if (a == "--ca") {
            if (!need(w.client.ca_file)) return false;
        } else if (a == "--cert") {
            if (!need(w.client.client_cert)) return false;
        } else if (a == "--key") {
            if (!need(w.client.client_key)) return false;
        } else if (a == "--insecure") {
            w.client.verify_peer = false;
            w.client.verify_host = false;
        } else if (a == "--timeout") {
            double s = 0;
            std::string err;
            if (!need(v) || !number_arg(a, v, 1, 86400, s, err)) {
                if (w.error.empty()) w.error = err;
                return false;
            }
            w.client.stall_timeout_s = int(s);
            w.client.connect_timeout_ms = int(std::min(s, 60.0) * 1000);
        } else if (std::find(value_opts.begin(), value_opts.end(), a) != value_opts.end()) {
            if (!need(v)) return false;
            w.values.push_back({a, v});
        } else if (std::find(flag_opts.begin(), flag_opts.end(), a) != flag_opts.end()) {
            w.flags.push_back(a);
        } else if (a.size() > 1 && a[0] == '-') {
            w.error = "unknown option '" + a + "'";
            return false;
        } else {
            w.positional.push_back(a);
        }
    }
    if (!w.client.username.empty() && !w.client.bearer_token.empty()) {
        w.error = "--token and --user exclude each other";
        return false;
    }
    if (w.positional.empty()) {
        w.error = "needs the DICOMweb root URL (e.g. http://host:8042/dicom-web)";
        return false;
    }
    w.client.base_url = w.positional.front();
    return true;
}

int report(const std::string &what, const dcmkit::Error &e) {
    std::fprintf(stderr, "dcmkit: web %s: %s (%s)\n", what.c_str(), e.message().c_str(), dcmkit::errc_name(e.code()));
    return 1;
}

int web_store(const Args &args) {
    WebArgs w;
    if (!parse_web(args, {"--study", "--bulk-threshold"}, {"--json"}, w)) return usage_error("web store: " + w.error);
    // --json, or every file named *.json: STOW-RS of DICOM JSON with bulk data parts (PS3.18 10.5.1.2.2).
    bool json = w.has("--json");
    size_t threshold = 1024;
    if (!w.value("--bulk-threshold").empty()) {
        double n = 0;
        std::string err;
        if (!number_arg("--bulk-threshold", w.value("--bulk-threshold"), 0, 1e15, n, err)) return usage_error("web store: " + err);
        threshold = size_t(n);
    }
    if (w.positional.size() < 2) return usage_error("web store: needs FILE or DIR after the URL");
    std::vector<std::string> files;
    for (size_t i = 1; i < w.positional.size(); ++i) {
        std::vector<std::string> found;
        collect_files(w.positional[i], w.recursive, true, found);
        const bool folder = found.size() != 1 || found[0] != w.positional[i];
        for (const std::string &f : found) {
            // A folder's files that are not Part 10 (no "DICM" at 128) are skipped; a file named is sent
            // as given (the client refuses it with its reason).
            const bool is_json = f.size() > 5 && f.compare(f.size() - 5, 5, ".json") == 0;
            char magic[4] = {};
            std::ifstream in(f, std::ios::binary);
            in.seekg(128);
            in.read(magic, 4);
            if (is_json && (json || !folder)) files.push_back(f);
            else if (folder && (!in || std::string(magic, 4) != "DICM")) std::fprintf(stderr, "dcmkit: web store: skipped %s: not a DICOM Part 10 file\n", f.c_str());
            else files.push_back(f);
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "dcmkit: web store: no DICOM file to send\n");
        return 1;
    }
    if (!json) {
        size_t n_json = 0;
        for (const std::string &f : files) n_json += f.size() > 5 && f.compare(f.size() - 5, 5, ".json") == 0;
        if (n_json == files.size()) json = true;
        else if (n_json) return usage_error("web store: .json files are sent as DICOM JSON: add --json to send the others so too");
    }
    try {
        web::Client client(w.client);
        web::Progress progress;
        if (w.verbose) progress = [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); };
        const web::StoreResult r = json ? client.store_json(files, w.value("--study"), progress, threshold)
                                        : client.store(files, w.value("--study"), progress);
        for (const web::StoredInstance &s : r.referenced) {
            if (s.warning_reason) std::printf("stored %s (warning 0x%04X)\n", s.sop_instance_uid.c_str(), unsigned(s.warning_reason));
            else std::printf("stored %s\n", s.sop_instance_uid.c_str());
        }
        for (const web::StoredInstance &s : r.failed) {
            std::fprintf(stderr, "dcmkit: web store: %s failed (reason 0x%04X)\n", s.sop_instance_uid.c_str(), unsigned(s.failure_reason));
        }
        std::fprintf(stderr, "%zu file(s) sent: %zu stored, %zu failed (HTTP %d)\n", files.size(), r.referenced.size(),
                     r.failed.size(), r.http_status);
        return r.failed.empty() && r.http_status == 200 ? 0 : 1;
    } catch (const dcmkit::Error &e) {
        return report("store", e);
    }
}

int web_search(const Args &args) {
    WebArgs w;
    if (!parse_web(args, {"--level", "--study", "--series", "-k", "--key", "--include", "--limit", "--offset"}, {"--json", "--fuzzy"}, w))
        return usage_error("web search: " + w.error);
    if (w.positional.size() != 1) return usage_error("web search: one URL only");
    web::SearchQuery q;
    const std::string level = w.value("--level");
    if (level.empty() || level == "study") q.level = web::Level::study;
    else if (level == "series") q.level = web::Level::series;
    else if (level == "instance" || level == "image") q.level = web::Level::instance;
    else return usage_error("web search: --level is study, series or instance");
    q.study_uid = w.value("--study");
    q.series_uid = w.value("--series");
    if (level.empty() && !q.series_uid.empty()) q.level = web::Level::instance;
    else if (level.empty() && !q.study_uid.empty()) q.level = web::Level::series;
    q.fuzzy = w.has("--fuzzy");
    for (const auto &kv : w.values) {
        if (kv.first == "-k" || kv.first == "--key") {
            const size_t eq = kv.second.find('=');
            std::string key = kv.second.substr(0, eq);
            // "0010,0010" as QIDO-RS writes it: "00100010".
            if (key.size() == 9 && key[4] == ',') key.erase(4, 1);
            if (eq == std::string::npos) q.include_fields.push_back(key);  // a return key
            else q.match.push_back({key, kv.second.substr(eq + 1)});
        } else if (kv.first == "--include") {
            q.include_fields.push_back(kv.second);
        } else if (kv.first == "--limit" || kv.first == "--offset") {
            double n = 0;
            std::string err;
            if (!number_arg(kv.first, kv.second, 0, 1e9, n, err)) return usage_error("web search: " + err);
            (kv.first == "--limit" ? q.limit : q.offset) = int(n);
        }
    }
    try {
        web::Client client(w.client);
        if (w.verbose) std::fprintf(stderr, "GET ?%s\n", web::Client::query_string(q).c_str());
        const std::vector<dcmkit::Dataset> found = client.search(q);
        std::string out;
        if (w.has("--json")) {
            out = "[";
            for (size_t i = 0; i < found.size(); ++i) out += (i ? "," : "") + dcmkit::to_json(found[i]);
            out += "]\n";
        } else {
            for (size_t i = 0; i < found.size(); ++i) {
                out += "# result " + std::to_string(i + 1) + "\n";
                dcmkit::dump_dataset(out, found[i]);
            }
        }
        write_all(out);
        if (w.verbose) std::fprintf(stderr, "%zu result(s)\n", found.size());
        return 0;
    } catch (const dcmkit::Error &e) {
        return report("search", e);
    }
}

bool parse_frames(const std::string &text, std::vector<uint32_t> &out) {
    size_t pos = 0;
    while (pos <= text.size()) {
        const size_t comma = std::min(text.find(',', pos), text.size());
        const std::string n = text.substr(pos, comma - pos);
        if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos || std::stoul(n) == 0) return false;
        out.push_back(uint32_t(std::stoul(n)));
        pos = comma + 1;
    }
    return !out.empty();
}

/// `--bulkdata URI --out FILE [--range FIRST-LAST]`: one bulk data value (or a byte range of it).
int web_bulkdata(const WebArgs &w, const std::string &uri) {
    const std::string out = w.value("--out"), range = w.value("--range");
    if (out.empty()) return usage_error("web retrieve: --bulkdata needs --out FILE");
    uint64_t first = 0, length = 0;
    if (!range.empty()) {
        const size_t dash = range.find('-');
        const std::string a = range.substr(0, dash), b = dash == std::string::npos ? std::string() : range.substr(dash + 1);
        if (dash == std::string::npos || a.empty() || a.find_first_not_of("0123456789") != std::string::npos ||
            b.find_first_not_of("0123456789") != std::string::npos || a.size() > 18 || b.size() > 18 ||
            (!b.empty() && std::stoull(b) < std::stoull(a)))
            return usage_error("web retrieve: --range is FIRST-LAST or FIRST- (bytes, from 0)");
        first = std::stoull(a);
        if (!b.empty()) length = std::stoull(b) - first + 1;
    }
    try {
        web::Client client(w.client);
        const uint64_t n = client.bulkdata_to_file(uri, out, first, length);
        std::fprintf(stderr, "%llu byte(s) written to %s\n", static_cast<unsigned long long>(n), out.c_str());
        return 0;
    } catch (const dcmkit::Error &e) {
        return report("retrieve", e);
    }
}

int web_retrieve(const Args &args) {
    WebArgs w;
    if (!parse_web(args, {"--study", "--series", "--instance", "--out", "--ts", "--frames", "--rendered", "--frame-type", "--accept",
                          "--bulkdata", "--range", "--media-type"},
                   {"--metadata"}, w))
        return usage_error("web retrieve: " + w.error);
    if (w.positional.size() != 1) return usage_error("web retrieve: one URL only");
    web::Target t{w.value("--study"), w.value("--series"), w.value("--instance")};
    const std::string bulk = w.value("--bulkdata");
    if (!bulk.empty()) return web_bulkdata(w, bulk);
    if (t.study.empty()) return usage_error("web retrieve: needs --study UID");
    if (!t.instance.empty() && t.series.empty()) return usage_error("web retrieve: --instance needs --series");
    const std::string out = w.value("--out"), rendered = w.value("--rendered"), frames_text = w.value("--frames");
    const bool metadata = w.has("--metadata");
    std::vector<uint32_t> frames;
    if (!frames_text.empty() && !parse_frames(frames_text, frames))
        return usage_error("web retrieve: --frames takes frame numbers from 1, e.g. 1,2");
    if (!frames.empty() && (t.instance.empty() || out.empty()))
        return usage_error("web retrieve: --frames needs --instance and --out DIR");
    if (!w.value("--frame-type").empty() && !w.value("--accept").empty())
        return usage_error("web retrieve: --frame-type and --accept exclude each other");
    if (out.empty() && !metadata && rendered.empty()) return usage_error("web retrieve: needs --out DIR (or --metadata, --rendered FILE)");
    try {
        web::Client client(w.client);
        web::Progress progress;
        if (w.verbose) progress = [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); };
        auto report_part = [&](const web::PartFile &f) {
            if (w.verbose)
                std::fprintf(stderr, "received %s (%s, %llu bytes)\n", f.path.c_str(), f.media_type.c_str(),
                             static_cast<unsigned long long>(f.size));
        };
        if (metadata && !out.empty()) {
            // Streamed to the file as it arrives (OUT, or OUT/metadata.json for a folder).
            struct stat st {};
            const std::string path = ::stat(out.c_str(), &st) == 0 && S_ISDIR(st.st_mode) ? out + "/metadata.json" : out;
            const size_t n = client.metadata_to_file(t, path);
            std::fprintf(stderr, "metadata of %zu instance(s) written to %s\n", n, path.c_str());
            return 0;
        }
        if (metadata) {
            const std::vector<dcmkit::Dataset> md = client.metadata(t);
            std::string text = "[";
            for (size_t i = 0; i < md.size(); ++i) text += (i ? "," : "") + dcmkit::to_json(md[i]);
            write_all(text + "]\n");
        }
        const std::string media = w.value("--media-type");
        if (!rendered.empty() && !t.instance.empty()) {
            const bool png = rendered.size() > 4 && rendered.compare(rendered.size() - 4, 4, ".png") == 0;
            const uint64_t n = client.rendered_to_file(t, rendered, !media.empty() ? media : png ? "image/png" : "image/jpeg",
                                                       frames.size() == 1 ? frames[0] : 0);
            if (w.verbose) std::fprintf(stderr, "rendered %s (%llu bytes)\n", rendered.c_str(), static_cast<unsigned long long>(n));
        } else if (!rendered.empty()) {
            // A series or a study: a multipart answer, each image to RENDERED/rendered_N.EXT.
            const auto got = client.rendered_to_dir(t, rendered, media.empty() ? "image/jpeg" : media, 0, {}, report_part);
            std::fprintf(stderr, "%zu rendered image(s) written to %s\n", got.size(), rendered.c_str());
        } else if (!frames.empty()) {
            const std::string accept = web::Client::frame_accept(
                !w.value("--accept").empty() ? w.value("--accept") : w.value("--frame-type"), w.value("--ts"));
            const auto got = client.frames_to_dir(t, frames, out, accept, report_part);
            std::fprintf(stderr, "%zu frame(s) written to %s\n", got.size(), out.c_str());
        } else if (!out.empty()) {
            const auto files = client.retrieve(t, out, w.value("--ts"), {}, progress);
            std::fprintf(stderr, "%zu instance(s) written to %s\n", files.size(), out.c_str());
        }
        return 0;
    } catch (const dcmkit::Error &e) {
        return report("retrieve", e);
    }
}

}  // namespace

int cmd_web(const std::string &, const Args &args) {
    if (args.empty()) return usage_error("web: store, search or retrieve?");
    const Args rest(args.begin() + 1, args.end());
    if (args[0] == "store") return web_store(rest);
    if (args[0] == "search") return web_search(rest);
    if (args[0] == "retrieve") return web_retrieve(rest);
    return usage_error("web: unknown subcommand '" + args[0] + "' (store, search or retrieve)");
}

}  // namespace dcmkit_cli
