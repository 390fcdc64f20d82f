// dcmkit — the command-line tool.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "dcmkit/codec.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/dump.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/net/services.h"
#include "dcmkit/render.h"

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
    "  transcode IN OUT --ts SYNTAX re-encode IN as OUT in another transfer syntax: implicit,\n"
    "                               explicit, big, deflate, rle, jpeg, jpeg-extended, jpeg-lossless,\n"
    "                               jpeg-lossless-14, jpegls, jpegls-near, j2k-lossless, j2k,\n"
    "                               htj2k-lossless, htj2k-rpcl, htj2k, or a UID or keyword\n"
    "      -q, --quality Q          JPEG quality 1..100 (default 90)\n"
    "      --ratio R                JPEG 2000 / HTJ2K lossy compression ratio (e.g. 10)\n"
    "      --near N                 JPEG-LS near-lossless error bound (default 2)\n"
    "      --predictor SV           JPEG lossless selection value 1..7 (jpeg-lossless-14)\n"
    "      --lossy-to-lossless      allow re-encoding lossy pixel data in a lossless syntax\n"
    "      --extended-offset-table  write an Extended Offset Table\n"
    "      --keep-uid               keep the SOP Instance UID after lossy compression\n"
    "      --threads N              frames coded at once (default: one per core)\n"
    "  convert                      the same as transcode\n"
    "  export IN OUT.png            render a frame to PNG (Modality LUT, VOI LUT, palettes)\n"
    "      --frame N                frame number, from 0 (default 0)\n"
    "      --window C W             window centre and width (default: the file's, else min-max)\n"
    "      --voi N                  use the file's Nth window or VOI LUT (default 1)\n"
    "      --min-max                stretch the frame's minimum..maximum\n"
    "  echo HOST PORT               C-ECHO a peer (Verification SCU)\n"
    "      --repeat N               send N echoes on the association\n"
    "  send HOST PORT FILE|DIR...   C-STORE files to a peer (Storage SCU)\n"
    "      -r, --recursive          descend into folders\n"
    "  recv PORT --out DIR          receive C-STOREs into DIR until interrupted (Storage SCP)\n"
    "      --max-associations N     concurrent associations (default 32)\n"
    "      --allow AE               accept only these calling AE titles (repeatable)\n"
    "      --no-fsync               reply Success without waiting for the disk (not durable)\n"
    "  version                      print the version\n"
    "\n"
    "network options (DCMTK style):\n"
    "  -aet TITLE                   our AE title (default DCMKIT)\n"
    "  -aec TITLE                   the peer's AE title (default ANY-SCP)\n"
    "  --max-pdu N, -pdu N          largest PDU we receive (default 262144)\n"
    "  -to SECONDS                  connection and ARTIM timeout (default 30)\n"
    "  -ta SECONDS                  DIMSE timeout (default 60)\n"
    "  --user NAME [--password PW]  user identity negotiation (PS3.7 D.3.3.7)\n"
    "  -v, --verbose                progress and association details\n"
    "  -d, --debug                  everything, the state machine included\n"
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

/// Parses a number option's value; false (and a message) when it is not a number in [lo, hi].
bool number_arg(const std::string &opt, const std::string &v, double lo, double hi, double &out, std::string &err) {
    char *end = nullptr;
    out = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || !(out >= lo && out <= hi)) {
        err = opt + " takes a number from " + std::to_string(int(lo)) + " to " + std::to_string(int(hi)) + ", not '" + v + "'";
        return false;
    }
    return true;
}

int cmd_transcode(const std::string &name, const std::vector<std::string> &args) {
    std::vector<std::string> pos;
    std::string ts, err;
    dcmkit::TranscodeOptions topt;
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
    try {
        dcmkit::DicomFile f = dcmkit::read_file(pos[0]);
        const std::string from(f.syntax().name);
        dcmkit::transcode(f, target.uid, topt);
        dcmkit::write_file(pos[1], f);
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

int cmd_export(const std::vector<std::string> &args) {
    std::vector<std::string> pos;
    dcmkit::RenderOptions ropt;
    uint64_t frame = 0;
    std::string err;
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
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("export: unknown option '" + a + "'");
        } else {
            pos.push_back(a);
        }
    }
    if (pos.size() != 2) return usage_error("export: needs IN and OUT.png");
    try {
        const dcmkit::DicomFile f = dcmkit::read_file(pos[0]);
        const uint64_t frames = dcmkit::frame_count(f.dataset);
        if (frames == 0) throw dcmkit::Error(dcmkit::Errc::not_found, "the file has no pixel data");
        if (frame >= frames)
            throw dcmkit::Error(dcmkit::Errc::invalid_argument, "--frame " + std::to_string(frame) + ": the file has " +
                                                                    std::to_string(frames) + " frame(s), numbered from 0");
        dcmkit::write_png(pos[1], dcmkit::render_frame(f, frame, ropt));
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: %s: %s\n", pos[0].c_str(), e.what());
        return 1;
    }
    return 0;
}

namespace net = dcmkit::net;

/// Options shared by the network commands; the rest land in `rest`.
struct NetOptions {
    std::string aet = "DCMKIT", aec = "ANY-SCP", user, password;
    uint32_t max_pdu = 262144;
    int timeout_s = 30, dimse_s = 60;
    net::LogLevel level = net::LogLevel::warning;
    std::vector<std::string> rest;
    std::string error;

    bool parse(const std::vector<std::string> &args, const std::vector<std::string> &value_opts) {
        for (size_t i = 0; i < args.size(); ++i) {
            const std::string &a = args[i];
            auto value = [&](std::string &out) {
                if (i + 1 >= args.size()) {
                    error = a + " needs a value";
                    return false;
                }
                out = args[++i];
                return true;
            };
            std::string v;
            if (a == "-aet" || a == "--aetitle") { if (!value(aet)) return false; }
            else if (a == "-aec" || a == "--call") { if (!value(aec)) return false; }
            else if (a == "--max-pdu" || a == "-pdu") {
                if (!value(v)) return false;
                max_pdu = uint32_t(std::strtoul(v.c_str(), nullptr, 10));
                if (max_pdu != 0 && (max_pdu < 4096 || max_pdu > (64u << 20))) {
                    error = "--max-pdu must be 0 or between 4096 and 67108864";
                    return false;
                }
            }
            else if (a == "--user") { if (!value(user)) return false; }
            else if (a == "--password") { if (!value(password)) return false; }
            else if (a == "-to") { if (!value(v)) return false; timeout_s = std::atoi(v.c_str()); }
            else if (a == "-ta") { if (!value(v)) return false; dimse_s = std::atoi(v.c_str()); }
            else if (a == "-v" || a == "--verbose") level = std::max(level, net::LogLevel::info);
            else if (a == "-d" || a == "--debug") level = net::LogLevel::trace;
            else if (std::find(value_opts.begin(), value_opts.end(), a) != value_opts.end()) {
                if (!value(v)) return false;
                rest.push_back(a);
                rest.push_back(v);
            } else rest.push_back(a);
        }
        if (aet.empty() || aet.size() > 16 || aec.empty() || aec.size() > 16) {
            error = "AE titles are 1 to 16 characters";
            return false;
        }
        return true;
    }

    net::AeConfig config() const {
        net::AeConfig c;
        c.ae_title = aet;
        c.max_pdu_length = max_pdu;
        c.log_level = level;
        c.timeouts.connect_ms = c.timeouts.artim_ms = timeout_s * 1000;
        c.timeouts.dimse_ms = dimse_s * 1000;
        if (!user.empty()) {
            net::UserIdentityRq id;
            id.type = password.empty() ? 1 : 2;  // username, or username and passcode
            id.primary = user;
            id.secondary = password;
            c.user_identity = id;
        }
        return c;
    }
};

bool parse_port(const std::string &s, uint16_t &port) {
    char *end = nullptr;
    unsigned long v = std::strtoul(s.c_str(), &end, 10);
    if (s.empty() || *end || v == 0 || v > 65535) return false;
    port = uint16_t(v);
    return true;
}

int cmd_echo(const std::vector<std::string> &args) {
    NetOptions o;
    if (!o.parse(args, {"--repeat"})) return usage_error("echo: " + o.error);
    std::vector<std::string> pos;
    int repeat = 1;
    for (size_t i = 0; i < o.rest.size(); ++i) {
        if (o.rest[i] == "--repeat") repeat = std::max(1, std::atoi(o.rest[++i].c_str()));
        else if (o.rest[i][0] == '-') return usage_error("echo: unknown option '" + o.rest[i] + "'");
        else pos.push_back(o.rest[i]);
    }
    uint16_t port = 0;
    if (pos.size() != 2 || !parse_port(pos[1], port)) return usage_error("echo: needs HOST PORT");
    net::AeConfig cfg = o.config();
    cfg.add("1.2.840.10008.1.1", {dcmkit::uids::ExplicitVRLittleEndian, dcmkit::uids::ImplicitVRLittleEndian}, false, true);
    try {
        auto t0 = std::chrono::steady_clock::now();
        auto assoc = net::Association::connect(cfg, pos[0], port, o.aec);
        int failed = 0;
        for (int i = 0; i < repeat; ++i) {
            uint16_t st = net::echo(*assoc);
            if (st != 0) ++failed;
            if (o.level >= net::LogLevel::info || st != 0)
                std::fprintf(stderr, "C-ECHO %d: %s\n", i + 1, net::dimse::status_text(st).c_str());
        }
        assoc->release();
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (o.level >= net::LogLevel::info) std::fprintf(stderr, "%d echo(es) in %.1f ms\n", repeat, ms);
        return failed ? 1 : 0;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: echo %s:%u: %s\n", pos[0].c_str(), port, e.what());
        return 1;
    }
}

void collect_files(const std::string &path, bool recursive, bool top, std::vector<std::string> &out) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        out.push_back(path);  // reported as unreadable later
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        out.push_back(path);
        return;
    }
    if (!top && !recursive) return;
    DIR *d = ::opendir(path.c_str());
    if (!d) {
        out.push_back(path);
        return;
    }
    std::vector<std::string> names;
    while (dirent *e = ::readdir(d))
        if (e->d_name[0] != '.') names.push_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto &n : names) collect_files(path + "/" + n, recursive, false, out);
}

int cmd_send(const std::vector<std::string> &args) {
    NetOptions o;
    if (!o.parse(args, {})) return usage_error("send: " + o.error);
    bool recursive = false;
    std::vector<std::string> pos;
    for (const auto &a : o.rest) {
        if (a == "-r" || a == "--recursive") recursive = true;
        else if (a.size() > 1 && a[0] == '-') return usage_error("send: unknown option '" + a + "'");
        else pos.push_back(a);
    }
    uint16_t port = 0;
    if (pos.size() < 3 || !parse_port(pos[1], port)) return usage_error("send: needs HOST PORT FILE|DIR...");
    std::vector<std::string> files;
    for (size_t i = 2; i < pos.size(); ++i) collect_files(pos[i], recursive, true, files);
    net::AeConfig cfg = o.config();
    cfg.max_ops_invoked = 16;  // asynchronous operations window, when the peer grants it (PS3.7 D.3.3.3)
    std::vector<std::string> errors;
    files = net::add_storage_contexts(cfg, files, &errors);
    for (const auto &e : errors) std::fprintf(stderr, "dcmkit: skipped: %s\n", e.c_str());
    if (files.empty()) {
        std::fprintf(stderr, "dcmkit: error: send: no DICOM files to send\n");
        return 1;
    }
    const bool tty = ::isatty(2);
    size_t sent = 0, failed = static_cast<size_t>(errors.size());
    uint64_t bytes = 0;
    auto t0 = std::chrono::steady_clock::now();
    auto progress = [&](bool final) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double mbps = s > 0 ? double(bytes) / 1e6 / s : 0;
        if (final) {
            if (tty) std::fputs("\r\033[K", stderr);
            std::fprintf(stderr, "sent %zu, failed %zu, %.1f MB in %.2f s, %.1f MB/s\n", sent, failed,
                         double(bytes) / 1e6, s, mbps);
        } else if (tty) {
            const size_t done = sent + failed - errors.size(), total = files.size();
            const int width = 30, filled = int(width * double(done) / double(total));
            std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu  %.1f MB/s", filled, "##############################",
                         width - filled, "", done, total, mbps);
        }
    };
    try {
        auto assoc = net::Association::connect(cfg, pos[0], port, o.aec);
        net::store_files(*assoc, files, [&](size_t i, const net::StoreResult *r, const dcmkit::Error *e) {
            const std::string &f = files[i];
            if (e || net::dimse::status_kind(r->status) == net::dimse::StatusKind::Failure) {
                ++failed;
                if (tty) std::fputs("\r\033[K", stderr);
                std::fprintf(stderr, "dcmkit: %s: %s\n", f.c_str(), e ? e->what() : net::dimse::status_text(r->status).c_str());
            } else {
                ++sent;
                bytes += r->bytes;
                if (o.level >= net::LogLevel::info)
                    std::fprintf(stderr, "%s%s: %s%s\n", tty ? "\r\033[K" : "", f.c_str(),
                                 net::dimse::status_text(r->status).c_str(), r->transcoded ? " (re-encoded)" : "");
            }
            progress(false);
        });
        assoc->release();
    } catch (const dcmkit::Error &e) {
        if (tty) std::fputs("\r\033[K", stderr);
        std::fprintf(stderr, "dcmkit: error: send to %s:%u: %s\n", pos[0].c_str(), port, e.what());
        failed = files.size() + errors.size() - sent;
        progress(true);
        return 1;
    }
    progress(true);
    return failed ? 1 : 0;
}

net::Server *g_server = nullptr;
extern "C" void on_signal(int) {
    if (g_server) g_server->request_stop();
}

int cmd_recv(const std::vector<std::string> &args) {
    NetOptions o;
    o.aet = "DCMKIT";
    if (!o.parse(args, {"--out", "-od", "--max-associations", "--allow", "--bind"}))
        return usage_error("recv: " + o.error);
    std::string out, bind;
    std::vector<std::string> pos, allow;
    unsigned max_assoc = 32;
    bool fsync = true;
    for (size_t i = 0; i < o.rest.size(); ++i) {
        const std::string &a = o.rest[i];
        if (a == "--no-fsync") fsync = false;
        else if (a == "--out" || a == "-od") out = o.rest[++i];
        else if (a == "--max-associations") max_assoc = unsigned(std::max(1, std::atoi(o.rest[++i].c_str())));
        else if (a == "--allow") allow.push_back(o.rest[++i]);
        else if (a == "--bind") bind = o.rest[++i];
        else if (a.size() > 1 && a[0] == '-') return usage_error("recv: unknown option '" + a + "'");
        else pos.push_back(a);
    }
    uint16_t port = 0;
    if (pos.size() != 1 || !parse_port(pos[0], port)) return usage_error("recv: needs PORT");
    if (out.empty()) return usage_error("recv: --out DIR is required");
    net::AeConfig cfg = o.config();
    cfg.add_verification();
    cfg.add_all_storage();
    cfg.max_associations = max_assoc;
    cfg.max_ops_performed = 16;  // C-STOREs finished (fsync) while the next ones arrive
    cfg.allowed_calling_aes = allow;
    cfg.check_called_ae = false;  // like storescp: answer to any called AE title unless told otherwise
    if (cfg.log_level < net::LogLevel::info) cfg.log_level = net::LogLevel::warning;
    try {
        net::ServiceHandlers h;
        h.storage = std::make_shared<net::StorageFolder>(out, fsync);
        net::Server server(cfg, h);
        server.start(bind, port);
        g_server = &server;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
        std::fprintf(stderr, "dcmkit: %s receiving on port %u into %s (Ctrl-C stops)\n", cfg.ae_title.c_str(),
                     server.port(), out.c_str());
        server.wait();
        server.stop();
        g_server = nullptr;
        std::fprintf(stderr, "dcmkit: stopped after %llu association(s)\n",
                     static_cast<unsigned long long>(server.associations_served()));
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: recv: %s\n", e.what());
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
    if (cmd == "transcode" || cmd == "convert") return cmd_transcode(cmd, args);
    if (cmd == "export") return cmd_export(args);
    if (cmd == "echo") return cmd_echo(args);
    if (cmd == "send") return cmd_send(args);
    if (cmd == "recv") return cmd_recv(args);
    return usage_error("unknown command '" + cmd + "'");
}
