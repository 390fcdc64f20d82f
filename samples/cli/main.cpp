// dcmkit — the command-line tool.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/codec.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/dump.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/services/conformance.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "dcmkit/services/workflow.h"
#include "dcmkit/render.h"
#include "dcmkit/uid.h"

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
    "      --check-called-ae        reject a Called AE Title other than -aet (default: any)\n"
    "      --allow AE               accept only these calling AE titles (repeatable)\n"
    "      --no-fsync               reply Success without waiting for the disk (not durable)\n"
    "      --max-dataset-size SIZE  refuse (A700) a dataset larger than SIZE (bytes, or 500M, 2G…)\n"
    "      --min-free-space SIZE    refuse (A700) when less than SIZE would stay free on the disk\n"
    "                               (recv and serve refuse, leaving no file, a dataset that does not\n"
    "                               parse completely (C000), an invalid SOP Instance UID (0117), and\n"
    "                               one that is not the announced instance (A900))\n"
    "  find HOST PORT -k KEY...     C-FIND (Query/Retrieve FIND SCU), one row per match\n"
    "      -S | -P | -W             study root (default), patient root, modality worklist\n"
    "      -k KEY[=VALUE]           a key: 0010,0010=DOE*, PatientName=DOE*, StudyDate=2024-,\n"
    "                               0020,000D (return key), Seq[0].Keyword=VALUE; the level is\n"
    "                               QueryRetrieveLevel / 0008,0052 (default STUDY)\n"
    "      --json                   print the matches as a DICOM JSON array\n"
    "      --cancel N               send C-CANCEL after N matches\n"
    "  move HOST PORT --dest AE -k KEY...  C-MOVE what the keys select to AE (-aem AE also works)\n"
    "      -S | -P                  study root (default) or patient root\n"
    "  get HOST PORT --out DIR -k KEY...   C-GET into DIR (-od DIR also works), streamed to disk\n"
    "      --no-fsync               do not wait for the files to reach the disk (by default they\n"
    "                               are flushed together, once, before get reports)\n"
    "                               (not durable; as getscu does)\n"
    "      --uncompressed           have the peer decode compressed instances (by default every\n"
    "                               syntax is proposed and files arrive as the peer holds them)\n"
    "      -S | -P                  study root (default) or patient root\n"
    "  mwl HOST PORT -k KEY...      Modality Worklist C-FIND (find -W)\n"
    "  mpps HOST PORT create|set ATTRS.json [--uid UID]  MPPS N-CREATE / N-SET (prints the UID)\n"
    "  commit HOST PORT FILE...     Storage Commitment of the files' instances (report awaited\n"
    "                               on the association, --wait SECONDS, default 30)\n"
    "      --listen PORT            release at once and take the report on an association the\n"
    "                               archive opens to PORT (as -aet; PS3.4 J.3.3.1.3)\n"
    "  serve PORT --storage DIR     the embedded archive: Verification, Storage, Q/R FIND/MOVE/GET\n"
    "                               (study and patient root), Modality Worklist, MPPS and Storage\n"
    "                               Commitment, files and a SQLite index under DIR\n"
    "      --dest AE=HOST:PORT      a C-MOVE destination, and where Storage Commitment reports go\n"
    "                               when they cannot use the request's association (repeatable)\n"
    "      --config FILE            key = value settings (ae_title, port, storage, services,\n"
    "                               storage_transfer_syntaxes, allow, dest, max_associations,\n"
    "                               commitment_report = same | new, max_pdu, timeout,\n"
    "                               dimse_timeout, max_dataset_size, min_free_space,\n"
    "                               check_called_ae = yes | no, and the server limits below);\n"
    "                               the command line overrides\n"
    "      --max-associations N     concurrent associations (default 32)\n"
    "      --no-check-called-ae     answer to any Called AE Title (default: -aet only)\n"
    "      --max-dataset-size SIZE, --min-free-space SIZE  as for recv; at start, files an\n"
    "                               interruption left unindexed are checked as C-STOREs are:\n"
    "                               those that fail go to DIR/quarantine\n"
    "  worklist add --storage DIR ITEM.json...  add worklist items (DICOM JSON) to an archive\n"
    "  archive conflicts --storage DIR  list the patient conflicts the archive recorded: the same\n"
    "                               Patient ID and Issuer stored with another name, birth date or sex\n"
    "  conformance serve [--config FILE] [-aet T]  the DICOM Conformance Statement of dcmkit serve\n"
    "      --format md|html         Markdown (default) or a standalone HTML page; with these settings,\n"
    "                               generated from the configuration it negotiates with\n"
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
    "server limits (recv and serve; serve's --config keys are the same with '_' for '-'):\n"
    "  --request-timeout S          a connection's A-ASSOCIATE-RQ must arrive whole within S s\n"
    "                               (default 5; -to applies too if shorter), else it is closed\n"
    "  --idle-timeout S             an association with no request for S s is aborted (default 60)\n"
    "  --max-associations-per-address N\n"
    "                               associations from one IP address (default 16; 0 = no\n"
    "                               limit); past it or --max-associations: A-ASSOCIATE-RJ,\n"
    "                               rejected-transient, local-limit-exceeded\n"
    "  --max-pending N              connections still sending their request (default 64)\n"
    "  --max-pending-per-address N  of those, from one IP address (default 16); past either\n"
    "                               limit, the one waiting longest is closed\n"
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
    // What the decoders tolerated (a JPEG scan header out of spec, …): said, never silent.
    topt.warning = [&pos](const std::string &w) { std::fprintf(stderr, "dcmkit: warning: %s: %s\n", pos[0].c_str(), w.c_str()); };
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
        const dcmkit::Image8 img = dcmkit::render_frame(f, frame, ropt);
        for (const std::string &w : img.warnings)
            std::fprintf(stderr, "dcmkit: warning: %s: frame %llu: %s\n", pos[0].c_str(),
                         static_cast<unsigned long long>(frame), w.c_str());
        dcmkit::write_png(pos[1], img);
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

/// What recv and serve share to keep slow, idle and hostile peers from locking others out: options
/// (and, for serve, configuration keys of the same names with '_').
struct ServerLimits {
    unsigned max_associations = 32, per_address = 16, max_pending = 64, pending_per_address = 16;
    int idle_s = 60, request_s = 5;
    bool check_called_ae = false;

    /// The options that take a value, for NetOptions::parse.
    static std::vector<std::string> value_options() {
        return {"--max-associations", "--max-associations-per-address", "--max-pending", "--max-pending-per-address",
                "--idle-timeout", "--request-timeout"};
    }
    /// Takes the option at rest[i] (and its value) if it is one of ours; `err` set on a bad value.
    bool option(const std::vector<std::string> &rest, size_t &i, std::string &err) {
        const std::string &a = rest[i];
        if (a == "--check-called-ae") return check_called_ae = true, true;
        if (a == "--no-check-called-ae") return check_called_ae = false, true;
        const auto opts = value_options();
        if (std::find(opts.begin(), opts.end(), a) == opts.end()) return false;
        std::string key = a.substr(2);
        std::replace(key.begin(), key.end(), '-', '_');
        if (!set(key, rest[++i], err)) err = a + ": " + err;
        return true;
    }
    /// Sets `key` (max_associations, idle_timeout…) from `value`; false (with `err`) when out of range.
    bool set(const std::string &key, const std::string &value, std::string &err) {
        char *end = nullptr;
        const long v = std::strtol(value.c_str(), &end, 10);
        auto range = [&](long lo, long hi) {
            if (value.empty() || *end || v < lo || v > hi) {
                err = key + " takes a number from " + std::to_string(lo) + " to " + std::to_string(hi);
                return false;
            }
            return true;
        };
        if (key == "max_associations") return range(1, 4096) && (max_associations = unsigned(v), true);
        if (key == "max_associations_per_address") return range(0, 4096) && (per_address = unsigned(v), true);
        if (key == "max_pending") return range(1, 4096) && (max_pending = unsigned(v), true);
        if (key == "max_pending_per_address") return range(1, 4096) && (pending_per_address = unsigned(v), true);
        if (key == "idle_timeout") return range(1, 86400) && (idle_s = int(v), true);
        if (key == "request_timeout") return range(1, 3600) && (request_s = int(v), true);
        if (key == "check_called_ae") {
            if (value != "yes" && value != "no") return err = "check_called_ae is 'yes' or 'no'", false;
            check_called_ae = value == "yes";
            return true;
        }
        err = "unknown key '" + key + "'";
        return false;
    }
    void apply(net::AeConfig &c) const {
        c.max_associations = max_associations;
        c.max_associations_per_address = per_address;
        c.max_pending = max_pending;
        c.max_pending_per_address = pending_per_address;
        c.timeouts.idle_ms = idle_s * 1000;
        c.timeouts.request_ms = request_s * 1000;
        c.check_called_ae = check_called_ae;
    }
};

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
                const std::string why = e ? e->what()
                                          : net::dimse::status_text(r->status) +
                                                (r->error_comment.empty() ? "" : ": " + r->error_comment);
                std::fprintf(stderr, "dcmkit: %s: %s\n", f.c_str(), why.c_str());
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

/// Adds one -k key to `ds`: "gggg,eeee=value", "Keyword=value", "key" alone (a return key), or
/// "Sequence[n].Keyword=value" (nested, any depth).
bool add_key(dcmkit::Dataset &ds, const std::string &spec, std::vector<dcmkit::Tag> *columns, std::string &err) {
    const size_t eq = spec.find('=');
    const std::string path = spec.substr(0, eq);
    const bool has_value = eq != std::string::npos;
    const std::string value = has_value ? spec.substr(eq + 1) : std::string();
    dcmkit::Dataset *cur = &ds;
    size_t pos = 0;
    for (;;) {
        const size_t dot = path.find('.', pos);
        std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
        int index = -1;
        const size_t br = part.find('[');
        if (br != std::string::npos) {
            if (part.back() != ']') {
                err = "bad key '" + spec + "'";
                return false;
            }
            index = std::atoi(part.substr(br + 1).c_str());
            part = part.substr(0, br);
        }
        dcmkit::Tag tag;
        try {
            tag = dcmkit::tag_from_keyword(part);
        } catch (const dcmkit::Error &) {
            err = "unknown key '" + part + "' in '" + spec + "'";
            return false;
        }
        const dcmkit::DictEntry *d = dcmkit::dict_find(tag);
        dcmkit::VR vr = d && d->vr != dcmkit::VR::None ? d->vr : dcmkit::VR::LO;
        if (dot == std::string::npos && index < 0) {
            if (columns && cur == &ds) columns->push_back(tag);
            if (vr == dcmkit::VR::SQ) {
                cur->set_sequence(tag);
            } else if (!has_value || value.empty()) {
                cur->set(dcmkit::Element(tag, vr));
            } else if (vr == dcmkit::VR::US || vr == dcmkit::VR::UL || vr == dcmkit::VR::SS || vr == dcmkit::VR::SL) {
                cur->set_int(tag, std::atoll(value.c_str()), vr);
            } else {
                try {
                    cur->set_string(tag, value, vr);
                } catch (const dcmkit::Error &e) {
                    err = "bad value in '" + spec + "': " + e.what();
                    return false;
                }
            }
            return true;
        }
        // A sequence step: item `index` (default 0), made as needed.
        if (vr != dcmkit::VR::SQ) {
            err = "'" + part + "' is not a sequence in '" + spec + "'";
            return false;
        }
        if (columns && cur == &ds && !cur->contains(tag)) columns->push_back(tag);
        dcmkit::Element *e = cur->find(tag);
        if (!e || !e->is_sequence()) e = &cur->set_sequence(tag);
        const size_t want = size_t(std::max(0, index)) + 1;
        while (e->items.size() < want) e->items.emplace_back();
        cur = &e->items[want - 1];
        if (dot == std::string::npos) return true;  // "Seq[0]" alone: an empty item (universal)
        pos = dot + 1;
    }
}

/// Options shared by find, move and get.
struct QueryOptions {
    char model = 'S';
    dcmkit::Dataset identifier;
    std::vector<dcmkit::Tag> columns;
    std::vector<std::string> pos;
    std::string dest, out;
    bool json = false, fsync = true, uncompressed = false;
    long cancel_after = -1;

    /// Parses what NetOptions left; `name` for messages.
    bool parse(const std::string &name, const std::vector<std::string> &rest, std::string &err) {
        for (size_t i = 0; i < rest.size(); ++i) {
            const std::string &a = rest[i];
            if (a == "-S" || a == "-P" || a == "-W") model = a[1];
            else if (a == "-k" || a == "--key") {
                if (!add_key(identifier, rest[++i], &columns, err)) return false;
            } else if (a == "--json") json = true;
            else if (a == "--no-fsync") fsync = false;
            else if (a == "--uncompressed") uncompressed = true;
            else if (a == "--dest" || a == "-aem" || a == "--move") dest = rest[++i];
            else if (a == "--out" || a == "-od") out = rest[++i];
            else if (a == "--cancel") cancel_after = std::max(0L, std::atol(rest[++i].c_str()));
            else if (a.size() > 1 && a[0] == '-') {
                err = name + ": unknown option '" + a + "'";
                return false;
            } else pos.push_back(a);
        }
        const dcmkit::Tag level(0x0008, 0x0052);
        if (model != 'W' && !identifier.contains(level)) identifier.set_string(level, "STUDY", dcmkit::VR::CS);
        return true;
    }
};

const std::vector<std::string> kQueryValueOpts = {"-k", "--key", "--dest", "-aem", "--move", "--out", "-od", "--cancel"};

std::string cell(const dcmkit::Dataset &ds, dcmkit::Tag t) {
    const dcmkit::Element *e = ds.find(t);
    if (!e) return "";
    if (e->is_sequence()) return "(" + std::to_string(e->items.size()) + " item(s))";
    try {
        if (dcmkit::vr_is_string(e->vr)) return ds.get_string(t);
        std::string s;
        for (double v : ds.get_numbers(t)) s += (s.empty() ? "" : "\\") + std::to_string(int64_t(v));
        return s;
    } catch (const dcmkit::Error &) {
        return "?";
    }
}

/// The options and HOST PORT of find, move and get; 0, or the usage error's exit status.
int parse_query_command(const std::string &name, const std::vector<std::string> &args, NetOptions &o, QueryOptions &q,
                        uint16_t &port) {
    if (!o.parse(args, kQueryValueOpts)) return usage_error(name + ": " + o.error);
    std::string err;
    if (!q.parse(name, o.rest, err)) return usage_error(err);
    if (q.pos.size() != 2 || !parse_port(q.pos[1], port)) return usage_error(name + ": needs HOST PORT");
    return 0;
}

int cmd_find(const std::vector<std::string> &args) {
    NetOptions o;
    QueryOptions q;
    uint16_t port = 0;
    if (int rc = parse_query_command("find", args, o, q, port)) return rc;
    const std::string sop = q.model == 'W' ? net::qr_uids::ModalityWorklistFind
                            : q.model == 'P' ? net::qr_uids::PatientRootFind
                                             : net::qr_uids::StudyRootFind;
    net::AeConfig cfg = o.config();
    cfg.add(sop, {}, false, true);
    std::vector<dcmkit::Dataset> json_rows;
    std::string table;
    auto row = [&](const dcmkit::Dataset &ds) {
        std::string line;
        for (size_t i = 0; i < q.columns.size(); ++i) line += (i ? "\t" : "") + cell(ds, q.columns[i]);
        return line + "\n";
    };
    try {
        auto assoc = net::Association::connect(cfg, q.pos[0], port, o.aec);
        if (!q.json) {
            std::string head;
            for (size_t i = 0; i < q.columns.size(); ++i) {
                const char *kw = dcmkit::dict_keyword(q.columns[i]);
                char buf[16];
                std::snprintf(buf, sizeof buf, "(%04X,%04X)", q.columns[i].group(), q.columns[i].element());
                head += (i ? "\t" : "") + std::string(*kw ? kw : buf);
            }
            write_all(head + "\n");
        }
        long n = 0;
        net::FindResult r = net::find(*assoc, sop, q.identifier, [&](const dcmkit::Dataset &m) {
            ++n;
            if (q.json) json_rows.push_back(m);
            else write_all(row(m));
            return q.cancel_after < 0 || n < q.cancel_after;
        });
        assoc->release();
        if (q.json) {
            dcmkit::JsonWriteOptions jopt;
            jopt.pretty = true;
            std::string out = "[";
            for (size_t i = 0; i < json_rows.size(); ++i) out += (i ? ",\n" : "\n") + dcmkit::to_json(json_rows[i], jopt);
            out += "\n]\n";
            write_all(out);
        }
        const bool ok = r.status == 0 || (r.cancelled && r.status == net::dimse::status::Cancel);
        if (o.level >= net::LogLevel::info || !ok)
            std::fprintf(stderr, "%zu match(es), %s%s%s\n", r.matches,
                         net::qr_status_text(net::dimse::C_FIND_RSP, r.status).c_str(),
                         r.error_comment.empty() ? "" : ": ", r.error_comment.c_str());
        return ok ? 0 : 1;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: find %s:%u: %s\n", q.pos[0].c_str(), port, e.what());
        return 1;
    }
}

/// move and get: the progress line and the final counts.
int report_retrieve(const char *what, const net::RetrieveResult &r, double seconds) {
    if (::isatty(2)) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "%s: %s; completed %u, failed %u, warning %u in %.2f s\n", what,
                 net::qr_status_text(net::dimse::C_MOVE_RSP, r.status).c_str(), r.completed, r.failed, r.warning, seconds);
    if (!r.error_comment.empty()) std::fprintf(stderr, "  %s\n", r.error_comment.c_str());
    for (const auto &uid : r.failed_sop_instances) std::fprintf(stderr, "  failed: %s\n", uid.c_str());
    return r.status == 0 ? 0 : 1;
}

net::RetrieveProgressFn progress_line() {
    const bool tty = ::isatty(2);
    return [tty](const net::RetrieveProgress &p) {
        if (tty && p.status >= 0xFF00)
            std::fprintf(stderr, "\r\033[Kremaining %u, completed %u, failed %u, warning %u",
                         p.remaining ? unsigned(*p.remaining) : 0u, p.completed, p.failed, p.warning);
        return true;
    };
}

int cmd_move(const std::vector<std::string> &args) {
    NetOptions o;
    QueryOptions q;
    uint16_t port = 0;
    if (int rc = parse_query_command("move", args, o, q, port)) return rc;
    if (q.dest.empty() || q.dest.size() > 16) return usage_error("move: --dest AE (1 to 16 characters) is required");
    if (q.model == 'W') return usage_error("move: the worklist has no C-MOVE");
    const std::string sop = q.model == 'P' ? net::qr_uids::PatientRootMove : net::qr_uids::StudyRootMove;
    net::AeConfig cfg = o.config();
    cfg.add(sop, {}, false, true);
    const auto t0 = std::chrono::steady_clock::now();
    try {
        auto assoc = net::Association::connect(cfg, q.pos[0], port, o.aec);
        net::RetrieveResult r = net::move(*assoc, sop, q.dest, q.identifier, progress_line());
        assoc->release();
        return report_retrieve("move", r, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: move %s:%u: %s\n", q.pos[0].c_str(), port, e.what());
        return 1;
    }
}

int cmd_get(const std::vector<std::string> &args) {
    NetOptions o;
    QueryOptions q;
    uint16_t port = 0;
    if (int rc = parse_query_command("get", args, o, q, port)) return rc;
    if (q.out.empty()) return usage_error("get: --out DIR is required");
    if (q.model == 'W') return usage_error("get: the worklist has no C-GET");
    const std::string sop = q.model == 'P' ? net::qr_uids::PatientRootGet : net::qr_uids::StudyRootGet;
    net::AeConfig cfg = o.config();
    cfg.add(sop, {}, false, true);
    // The C-STORE sub-operations come back with us as SCP (PS3.7 D.3.3.4), in every syntax we can
    // store (the peer sends what it holds) unless --uncompressed.
    if (q.uncompressed) cfg.add_get_storage(net::uncompressed_transfer_syntaxes());
    else cfg.add_get_storage();
    const auto t0 = std::chrono::steady_clock::now();
    try {
        // The source keeps its copies: each C-STORE is answered once its file is written, and all
        // of them are made durable together before get reports (--no-fsync: not at all).
        net::StorageFolder folder(q.out, q.fsync ? net::StorageFolder::Durability::at_end : net::StorageFolder::Durability::none);
        auto assoc = net::Association::connect(cfg, q.pos[0], port, o.aec);
        net::RetrieveResult r = net::get(*assoc, sop, q.identifier, folder, progress_line());
        assoc->release();
        folder.sync_all();
        return report_retrieve("get", r, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: get %s:%u: %s\n", q.pos[0].c_str(), port, e.what());
        return 1;
    }
}

net::Server *g_server = nullptr;
extern "C" void on_signal(int) {
    if (g_server) g_server->request_stop();
}

/// A byte count: digits with an optional K, M, G or T suffix (powers of 1024).
bool parse_size(const std::string &v, uint64_t &out) {
    if (v.empty() || v[0] < '0' || v[0] > '9') return false;
    char *end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (errno) return false;
    unsigned shift = 0;
    const std::string suffix = end;
    if (suffix == "K" || suffix == "k") shift = 10;
    else if (suffix == "M" || suffix == "m") shift = 20;
    else if (suffix == "G" || suffix == "g") shift = 30;
    else if (suffix == "T" || suffix == "t") shift = 40;
    else if (!suffix.empty()) return false;
    if (shift && n > (UINT64_MAX >> shift)) return false;
    out = uint64_t(n) << shift;
    return true;
}

int cmd_recv(const std::vector<std::string> &args) {
    NetOptions o;
    o.aet = "DCMKIT";
    std::vector<std::string> value_opts = ServerLimits::value_options();
    value_opts.insert(value_opts.end(), {"--out", "-od", "--allow", "--bind", "--max-dataset-size", "--min-free-space"});
    if (!o.parse(args, value_opts)) return usage_error("recv: " + o.error);
    std::string out, bind, err;
    std::vector<std::string> pos, allow;
    ServerLimits limits;  // the Called AE Title is not checked unless asked, as storescp
    bool fsync = true;
    net::StorageFolder::Limits store_limits;
    for (size_t i = 0; i < o.rest.size(); ++i) {
        const std::string &a = o.rest[i];
        if (limits.option(o.rest, i, err)) {
            if (!err.empty()) return usage_error("recv: " + err);
        } else if (a == "--no-fsync") fsync = false;
        else if (a == "--max-dataset-size" || a == "--min-free-space") {
            if (!parse_size(o.rest[++i], a == "--max-dataset-size" ? store_limits.max_dataset_size : store_limits.min_free_space))
                return usage_error("recv: " + a + " takes a size in bytes (or with K, M, G, T)");
        }
        else if (a == "--out" || a == "-od") out = o.rest[++i];
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
    limits.apply(cfg);
    cfg.max_ops_performed = 16;  // C-STOREs finished (fsync) while the next ones arrive
    cfg.allowed_calling_aes = allow;
    if (cfg.log_level < net::LogLevel::info) cfg.log_level = net::LogLevel::warning;
    try {
        net::ServiceHandlers h;
        h.storage = std::make_shared<net::StorageFolder>(out, fsync);
        h.storage->set_limits(store_limits);
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

/// `dcmkit commit HOST PORT FILE...`: Storage Commitment of the instances in the files (PS3.4 J).
int cmd_commit(const std::vector<std::string> &args) {
    NetOptions o;
    if (!o.parse(args, {"--wait", "--listen"})) return usage_error("commit: " + o.error);
    std::vector<std::string> pos;
    int wait_s = 30;
    uint16_t listen_port = 0;
    for (size_t i = 0; i < o.rest.size(); ++i) {
        if (o.rest[i] == "--wait") wait_s = std::max(1, std::atoi(o.rest[++i].c_str()));
        else if (o.rest[i] == "--listen") {
            if (!parse_port(o.rest[++i], listen_port)) return usage_error("commit: --listen takes a port number");
        } else if (o.rest[i].size() > 1 && o.rest[i][0] == '-') return usage_error("commit: unknown option '" + o.rest[i] + "'");
        else pos.push_back(o.rest[i]);
    }
    uint16_t port = 0;
    if (pos.size() < 3 || !parse_port(pos[1], port)) return usage_error("commit: needs HOST PORT FILE...");
    std::vector<net::CommitItem> items;
    for (size_t i = 2; i < pos.size(); ++i) {
        try {
            dcmkit::ReadOptions ro;
            ro.stop_before_pixels = true;
            const dcmkit::DicomFile f = dcmkit::read_file(pos[i], ro);
            items.push_back({f.dataset.get_string(dcmkit::tags::SOPClassUID), f.dataset.get_string(dcmkit::tags::SOPInstanceUID), 0});
        } catch (const dcmkit::Error &e) {
            std::fprintf(stderr, "dcmkit: error: %s: %s\n", pos[i].c_str(), e.what());
            return 1;
        }
    }
    net::AeConfig cfg = o.config();
    cfg.add(net::sop::StorageCommitmentPushModel, {}, false, true);
    try {
        // With --listen the report comes on an association the archive requests, proposing the
        // SCP role of the class; this AE accepts it in the SCU role. Listening starts before the
        // request, so that a report sent at once finds it.
        net::CommitmentReports reports;
        std::unique_ptr<net::Server> listener;
        if (listen_port) listener = reports.listen(cfg, "", listen_port);
        auto assoc = net::Association::connect(cfg, pos[0], port, o.aec);
        net::CommitResult r = net::request_commitment(*assoc, items, listen_port ? 0 : wait_s * 1000);
        if (assoc->established()) assoc->release();
        if (net::dimse::status_kind(r.action_status) == net::dimse::StatusKind::Failure) {
            std::fprintf(stderr, "dcmkit: error: commit: %s\n", net::dimse::status_text(r.action_status).c_str());
            return 1;
        }
        if (listen_port) reports.wait(r, wait_s * 1000);
        if (!r.report_received) {
            const std::string where = listen_port ? "to port " + std::to_string(listen_port) + " as " + cfg.ae_title
                                                  : "on the request's association";
            std::fprintf(stderr, "dcmkit: commit: requested (transaction %s); no report came %s within %d s\n",
                         r.transaction_uid.c_str(), where.c_str(), wait_s);
            return 1;
        }
        for (const auto &c : r.committed) std::printf("committed\t%s\n", c.sop_instance_uid.c_str());
        for (const auto &c : r.failed)
            std::printf("failed\t%s\t%04XH %s\n", c.sop_instance_uid.c_str(), c.failure_reason,
                        c.failure_reason == 0x0112 ? "no such object instance"
                        : c.failure_reason == 0x0119 ? "class-instance conflict"
                                                     : "processing failure");
        std::fprintf(stderr, "dcmkit: commit: %zu committed, %zu failed\n", r.committed.size(), r.failed.size());
        return r.failed.empty() ? 0 : 1;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: commit: %s\n", e.what());
        return 1;
    }
}

/// `dcmkit mpps HOST PORT create|set ATTRS.json [--uid UID]`: an MPPS N-CREATE or N-SET (PS3.4 F).
int cmd_mpps(const std::vector<std::string> &args) {
    NetOptions o;
    if (!o.parse(args, {"--uid"})) return usage_error("mpps: " + o.error);
    std::vector<std::string> pos;
    std::string uid;
    for (size_t i = 0; i < o.rest.size(); ++i) {
        if (o.rest[i] == "--uid") uid = o.rest[++i];
        else if (o.rest[i].size() > 1 && o.rest[i][0] == '-') return usage_error("mpps: unknown option '" + o.rest[i] + "'");
        else pos.push_back(o.rest[i]);
    }
    uint16_t port = 0;
    if (pos.size() != 4 || !parse_port(pos[1], port) || (pos[2] != "create" && pos[2] != "set"))
        return usage_error("mpps: needs HOST PORT create|set ATTRIBUTES.json");
    if (pos[2] == "set" && uid.empty()) return usage_error("mpps set: --uid is required");
    try {
        std::ifstream f(pos[3], std::ios::binary);
        if (!f) throw dcmkit::Error(dcmkit::Errc::not_found, "cannot read " + pos[3]);
        std::stringstream ss;
        ss << f.rdbuf();
        const dcmkit::Dataset attrs = dcmkit::from_json(ss.str());
        net::AeConfig cfg = o.config();
        cfg.add(net::sop::ModalityPerformedProcedureStep, {}, false, true);
        auto assoc = net::Association::connect(cfg, pos[0], port, o.aec);
        if (pos[2] == "create" && uid.empty()) uid = dcmkit::generate_uid();
        const net::NResult r = pos[2] == "create"
                                   ? net::n_create(*assoc, net::sop::ModalityPerformedProcedureStep, uid, attrs)
                                   : net::n_set(*assoc, net::sop::ModalityPerformedProcedureStep, uid, attrs);
        assoc->release();
        if (net::dimse::status_kind(r.status) == net::dimse::StatusKind::Failure) {
            std::fprintf(stderr, "dcmkit: error: mpps %s: %s%s%s\n", pos[2].c_str(), net::dimse::status_text(r.status).c_str(),
                         r.error_comment.empty() ? "" : ": ", r.error_comment.c_str());
            return 1;
        }
        std::printf("%s\n", r.sop_instance_uid.c_str());
        return 0;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: mpps: %s\n", e.what());
        return 1;
    }
}

namespace archive = dcmkit::archive;

/// Creates a folder (and its parents); false with errno when it cannot.
bool make_dirs(const std::string &path) {
    std::string p;
    for (size_t i = 0; i <= path.size(); ++i) {
        if (i == path.size() || (path[i] == '/' && i > 0)) {
            p = path.substr(0, i);
            if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) return false;
        }
    }
    return true;
}

/// The archive's index and its folders, under --storage DIR: DIR/index.sqlite, DIR/files, DIR/mpps.
std::shared_ptr<archive::SqliteIndex> open_archive(const std::string &dir, const archive::SqliteIndexOptions &options = {}) {
    if (!make_dirs(dir + "/files"))
        throw dcmkit::Error(dcmkit::Errc::io, "cannot create " + dir + "/files: " + std::strerror(errno));
    return std::make_shared<archive::SqliteIndex>(dir, options);
}

/// The index of `dcmkit serve`: patient conflicts found at ingest and index upgrades are logged as
/// warnings (listed later with `dcmkit archive conflicts`).
archive::SqliteIndexOptions serve_index_options(const net::AeConfig &cfg) {
    archive::SqliteIndexOptions options;
    options.log = [&cfg](const std::string &line) { cfg.emit(net::LogLevel::warning, line); };
    return options;
}

/// Storage Commitment failure reasons (PS3.4 J.3.2.1.1.1) for what the index says of an instance.
uint16_t failure_reason(archive::Verification v) {
    switch (v) {
    case archive::Verification::ok: return 0;
    case archive::Verification::not_found: return 0x0112;           // No such object instance
    case archive::Verification::sop_class_mismatch: return 0x0119;  // Class-instance conflict
    default: return 0x0110;                                         // Processing failure (changed, gone)
    }
}

/// Indexes a stored Part 10 file (header only, plus size and SHA-256).
void index_file(archive::Index &index, const std::string &path) {
    dcmkit::ReadOptions ro;
    ro.stop_before_pixels = true;
    dcmkit::DicomFile f = dcmkit::read_file(path, ro);
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) throw dcmkit::Error(dcmkit::Errc::io, "cannot stat " + path);
    archive::InstanceRecord r{std::move(f.dataset), path, uint64_t(sb.st_size), f.transfer_syntax, archive::sha256_file(path)};
    index.add(r);
}

/// Moves a stored file that fails the checks out of the served folder, into `quarantine`.
void quarantine_file(const std::string &path, const std::string &name, const std::string &quarantine,
                     const std::string &why) {
    ::mkdir(quarantine.c_str(), 0755);
    const std::string to = quarantine + "/" + name;
    if (::rename(path.c_str(), to.c_str()) == 0)
        std::fprintf(stderr, "dcmkit: warning: %s moved to %s: %s\n", path.c_str(), to.c_str(), why.c_str());
    else
        std::fprintf(stderr, "dcmkit: warning: %s is not indexed (%s) and cannot be moved to %s: %s\n", path.c_str(),
                     why.c_str(), quarantine.c_str(), std::strerror(errno));
}

/// Before serving: removes the temporary files an interruption left in `folder`, and indexes the
/// files the index does not hold after the checks a C-STORE gets (net::check_received_file, a
/// storable SOP Instance UID that is the file's name). A file that fails them goes to `quarantine`
/// and is never indexed. Returns how many were indexed.
size_t reindex_orphans(archive::Index &index, net::StorageFolder &folder, const std::string &quarantine) {
    if (const size_t partial = folder.remove_partial_files())
        std::fprintf(stderr, "dcmkit: removed %zu partial file(s) an interruption left\n", partial);
    size_t n = 0;
    DIR *d = ::opendir(folder.folder().c_str());
    if (!d) return 0;
    std::vector<std::string> names;
    while (dirent *e = ::readdir(d)) names.push_back(e->d_name);
    ::closedir(d);
    for (const std::string &name : names) {
        if (name.size() < 5 || name.compare(name.size() - 4, 4, ".dcm") != 0) continue;
        const std::string path = folder.folder() + "/" + name, uid = name.substr(0, name.size() - 4);
        try {
            dcmkit::ReadOptions ro;
            ro.stop_before_pixels = true;
            std::string why;
            if (!net::is_storable_uid(uid, &why)) {
                // Named by a version that stored invalid UIDs: never served again. Its raw UID, if
                // it is invalid as well, cannot belong to an instance stored since.
                try {
                    const dcmkit::DicomFile f = dcmkit::read_file(path, ro);
                    const std::string raw = f.dataset.get_string_or(dcmkit::tags::SOPInstanceUID, "");
                    if (!raw.empty() && !net::is_storable_uid(raw)) index.remove(raw);
                } catch (const dcmkit::Error &) {
                }
                quarantine_file(path, name, quarantine, "its name is not a SOP Instance UID (" + why + ")");
                continue;
            }
            const dcmkit::DicomFile f = dcmkit::read_file(path, ro);
            if (index.verify(f.dataset.get_string_or(dcmkit::tags::SOPClassUID, ""),
                             f.dataset.get_string_or(dcmkit::tags::SOPInstanceUID, "")) != archive::Verification::not_found)
                continue;
            const net::StoreCheck check = net::check_received_file(path, "", uid);
            if (!check.ok()) {
                quarantine_file(path, name, quarantine, check.comment);
                continue;
            }
            index_file(index, path);
            ++n;
        } catch (const dcmkit::Error &err) {
            quarantine_file(path, name, quarantine, err.what());
        }
    }
    return n;
}

/// `dcmkit serve`'s settings: from a configuration file (--config), then the command line.
struct ServeSettings {
    std::string storage, bind;
    uint16_t port = 0;
    ServerLimits limits = [] {
        ServerLimits l;
        l.check_called_ae = true;  // an archive answers to its own AE title only
        return l;
    }();
    std::vector<std::string> allow;
    std::map<std::string, std::pair<std::string, uint16_t>> destinations;
    std::set<std::string> services = {"verification", "storage", "query-retrieve", "worklist", "mpps", "commitment"};
    std::vector<std::string> storage_syntaxes;  ///< empty: every syntax, kept as received
    net::StorageFolder::Limits store_limits;    ///< largest dataset, free space reserve
    /// Storage Commitment reports: try the request's association first (else a new one to the
    /// requestor's `dest`), or always a new association.
    bool commitment_report_same = true;
};

std::vector<std::string> words(const std::string &s) {
    std::vector<std::string> out;
    std::string w;
    for (char c : s + " ") {
        if (c == ' ' || c == ',' || c == '\t') {
            if (!w.empty()) out.push_back(w);
            w.clear();
        } else {
            w += c;
        }
    }
    return out;
}

bool parse_dest(const std::string &d, ServeSettings &s, std::string &err) {
    const size_t eq = d.find('='), colon = d.rfind(':');
    uint16_t port = 0;
    if (eq == std::string::npos || colon == std::string::npos || colon < eq || eq == 0 || eq > 16 ||
        !parse_port(d.substr(colon + 1), port)) {
        err = "a destination is AE=HOST:PORT, not '" + d + "'";
        return false;
    }
    s.destinations[d.substr(0, eq)] = {d.substr(eq + 1, colon - eq - 1), port};
    return true;
}

/// Reads a configuration file of `key = value` lines (# comments):
///   ae_title, port, storage, bind, max_associations, max_pdu, timeout, dimse_timeout,
///   max_associations_per_address, max_pending, max_pending_per_address, idle_timeout,
///   request_timeout (seconds), check_called_ae (yes, the default, or no),
///   allow (calling AE titles), dest (AE=HOST:PORT, repeatable), services (verification storage
///   query-retrieve worklist mpps commitment), storage_transfer_syntaxes (names or UIDs),
///   commitment_report (same: the N-ACTION's association, else a new one; new: always a new one),
///   max_dataset_size, min_free_space (bytes, or with K, M, G, T).
bool load_serve_config(const std::string &path, NetOptions &o, ServeSettings &s, std::string &err) {
    std::ifstream f(path);
    if (!f) {
        err = "cannot read configuration file " + path;
        return false;
    }
    std::string line;
    int n = 0;
    while (std::getline(f, line)) {
        ++n;
        const size_t hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        const size_t eq = line.find('=');
        auto trim = [](std::string v) {
            const size_t b = v.find_first_not_of(" \t\r"), e = v.find_last_not_of(" \t\r");
            return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
        };
        if (trim(line).empty()) continue;
        const std::string where = path + ":" + std::to_string(n) + ": ";
        if (eq == std::string::npos) {
            err = where + "expected key = value";
            return false;
        }
        const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        auto number = [&](long lo, long hi, long &out) {
            char *end = nullptr;
            out = std::strtol(value.c_str(), &end, 10);
            if (value.empty() || *end || out < lo || out > hi) {
                err = where + key + " takes a number from " + std::to_string(lo) + " to " + std::to_string(hi);
                return false;
            }
            return true;
        };
        long v = 0;
        if (key == "ae_title") {
            if (value.empty() || value.size() > 16) return err = where + "an AE title has 1 to 16 characters", false;
            o.aet = value;
        } else if (key == "port") {
            if (!number(1, 65535, v)) return false;
            s.port = uint16_t(v);
        } else if (key == "storage") {
            s.storage = value;
        } else if (key == "bind") {
            s.bind = value;
        } else if (key == "max_associations" || key == "max_associations_per_address" || key == "max_pending" ||
                   key == "max_pending_per_address" || key == "idle_timeout" || key == "request_timeout" ||
                   key == "check_called_ae") {
            if (!s.limits.set(key, value, err)) return err = where + err, false;
        } else if (key == "max_pdu") {
            if (!number(4096, 64 << 20, v)) return false;
            o.max_pdu = uint32_t(v);
        } else if (key == "timeout") {
            if (!number(1, 3600, v)) return false;
            o.timeout_s = int(v);
        } else if (key == "dimse_timeout") {
            if (!number(1, 3600, v)) return false;
            o.dimse_s = int(v);
        } else if (key == "allow") {
            s.allow = words(value);
        } else if (key == "dest") {
            if (!parse_dest(value, s, err)) return err = where + err, false;
        } else if (key == "services") {
            s.services.clear();
            for (const auto &w : words(value)) {
                static const std::set<std::string> known = {"verification", "storage", "query-retrieve", "worklist", "mpps", "commitment"};
                if (!known.count(w)) return err = where + "unknown service '" + w + "'", false;
                s.services.insert(w);
            }
        } else if (key == "max_dataset_size" || key == "min_free_space") {
            if (!parse_size(value, key == "max_dataset_size" ? s.store_limits.max_dataset_size : s.store_limits.min_free_space))
                return err = where + key + " takes a size in bytes (or with K, M, G, T)", false;
        } else if (key == "commitment_report") {
            if (value != "same" && value != "new") return err = where + "commitment_report is 'same' or 'new'", false;
            s.commitment_report_same = value == "same";
        } else if (key == "storage_transfer_syntaxes") {
            for (const auto &w : words(value)) {
                try {
                    s.storage_syntaxes.push_back(std::string(dcmkit::TransferSyntax::parse(w).uid));
                } catch (const dcmkit::Error &e) {
                    return err = where + e.message(), false;
                }
            }
        } else {
            err = where + "unknown key '" + key + "'";
            return false;
        }
    }
    return true;
}

/// Settings for serve and conformance: --config FILE first, then the command line over it.
bool serve_settings(const std::string &name, const std::vector<std::string> &args, NetOptions &o, ServeSettings &s,
                    std::vector<std::string> &pos, std::string &err) {
    o.aet = "DCMKIT";
    for (size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--config" && !load_serve_config(args[i + 1], o, s, err)) return false;
    std::vector<std::string> value_opts = ServerLimits::value_options();
    value_opts.insert(value_opts.end(), {"--storage", "--dest", "--bind", "--config", "--port", "--max-dataset-size",
                                         "--min-free-space"});
    if (!o.parse(args, value_opts)) {
        err = o.error;
        return false;
    }
    for (size_t i = 0; i < o.rest.size(); ++i) {
        const std::string &a = o.rest[i];
        if (s.limits.option(o.rest, i, err)) {
            if (!err.empty()) return false;
        } else if (a == "--config") {
            ++i;
        } else if (a == "--storage") {
            s.storage = o.rest[++i];
        } else if (a == "--dest") {
            if (!parse_dest(o.rest[++i], s, err)) return false;
        } else if (a == "--bind") {
            s.bind = o.rest[++i];
        } else if (a == "--port") {
            if (!parse_port(o.rest[++i], s.port)) return err = "--port takes a port number", false;
        } else if (a == "--max-dataset-size" || a == "--min-free-space") {
            if (!parse_size(o.rest[++i], a == "--max-dataset-size" ? s.store_limits.max_dataset_size : s.store_limits.min_free_space))
                return err = a + " takes a size in bytes (or with K, M, G, T)", false;
        } else if (a.size() > 1 && a[0] == '-') {
            err = "unknown option '" + a + "'";
            return false;
        } else {
            pos.push_back(a);
        }
    }
    (void)name;
    return true;
}

/// What `dcmkit serve` negotiates: the one configuration its conformance statement is made from.
net::AeConfig serve_config(const NetOptions &o, const ServeSettings &s) {
    net::AeConfig cfg = o.config();
    auto has = [&](const char *service) { return s.services.count(service) != 0; };
    if (has("verification")) cfg.add_verification();
    // C-STORE in, and out as C-GET sub-operations (SCU role) when Query/Retrieve is served.
    if (has("storage")) cfg.add_all_storage(s.storage_syntaxes, /*scp=*/true, /*scu=*/has("query-retrieve"));
    if (has("query-retrieve"))
        for (const char *uid : {net::qr_uids::PatientRootFind, net::qr_uids::PatientRootMove, net::qr_uids::PatientRootGet,
                                net::qr_uids::StudyRootFind, net::qr_uids::StudyRootMove, net::qr_uids::StudyRootGet})
            cfg.add(uid, {}, true, false);
    if (has("worklist")) cfg.add(net::qr_uids::ModalityWorklistFind, {}, true, false);
    if (has("mpps")) cfg.add(net::sop::ModalityPerformedProcedureStep, {}, true, false);
    if (has("commitment")) cfg.add(net::sop::StorageCommitmentPushModel, {}, true, false);
    s.limits.apply(cfg);
    cfg.allowed_calling_aes = s.allow;
    return cfg;
}

/// `dcmkit conformance serve [--config FILE] [-aet T] [--max-associations N] [--port P]`: the DICOM
/// Conformance Statement of `dcmkit serve` with these settings, generated from the configuration it
/// negotiates with.
int cmd_conformance(std::vector<std::string> args) {
    NetOptions o;
    ServeSettings s;
    std::vector<std::string> pos;
    std::string err, format = "md";
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] != "--format") continue;
        if (i + 1 >= args.size() || (args[i + 1] != "md" && args[i + 1] != "html"))
            return usage_error("conformance: --format takes md or html");
        format = args[i + 1];
        args.erase(args.begin() + long(i), args.begin() + long(i) + 2);
        break;
    }
    if (!serve_settings("conformance", args, o, s, pos, err)) return usage_error("conformance: " + err);
    if (pos.size() != 1 || pos[0] != "serve") return usage_error("conformance: the application is 'serve'");
    net::ConformanceProduct p;
    p.application = "dcmkit serve";
    p.port = s.port;
    p.version = DCMKIT_VERSION_STRING;
    p.description = "`dcmkit serve` is an embedded archive: it stores the instances it receives, indexes them, "
                    "answers queries and retrievals of them, serves a modality worklist, records performed "
                    "procedure steps and commits storage.";
    // What negotiation does not show, from the same settings serve runs with.
    if (s.services.count("storage")) {
        auto size = [](uint64_t n) { return std::to_string(n) + " bytes"; };
        std::string limits;
        if (s.store_limits.max_dataset_size)
            limits += " A dataset larger than " + size(s.store_limits.max_dataset_size) +
                      " is refused with A700H (one going on past twice that aborts the association).";
        if (s.store_limits.min_free_space)
            limits += " Below " + size(s.store_limits.min_free_space) + " of free space on the storage file system, instances "
                      "are refused with A700H.";
        p.service_notes.emplace_back(
            "Storage",
            "An instance is answered Success once its file is complete, checked and durable (fsynced). Refused, "
            "with an Error Comment (0000,0902) naming the problem and without keeping anything: a dataset that does "
            "not parse completely in the negotiated transfer syntax, native Pixel Data shorter than Rows x Columns x "
            "Samples per Pixel x Bits Allocated x Number of Frames, encapsulated Pixel Data in a native transfer "
            "syntax or native Pixel Data in an encapsulated one (C000H); an Affected SOP Instance UID that is not 1 "
            "to 64 digits and dots (0117H); a dataset whose SOP Class or Instance UID is not the command's (A900H); "
            "a write error (A700H)." + limits);
    }
    if (s.services.count("query-retrieve"))
        p.service_notes.emplace_back(
            "Query/Retrieve",
            "C-MOVE destinations are the AE titles configured with `dest` (AE=HOST:PORT); any other destination is "
            "refused with A801H (Move Destination unknown). Matching follows PS3.4 C.2.2.2 (single value, UID list, "
            "universal, wildcard, range and sequence matching) on normalised values; values are returned as stored. "
            "Patients are never merged: studies without a Patient ID are separate patients, and studies of the same "
            "Patient ID and Issuer with a different Patient's Name, Birth Date or Sex are separate PATIENT-level "
            "answers, each study answering with the values it was stored with; each such conflict is logged and "
            "listed by `dcmkit archive conflicts`.");
    const net::CommitReportOptions report_defaults;
    if (s.services.count("commitment"))
        p.service_notes.emplace_back(
            "Storage Commitment",
            std::string(s.commitment_report_same
                            ? "The N-EVENT-REPORT is sent on the N-ACTION's association while the SCU keeps it open; "
                              "when the SCU has released it, "
                            : "The N-EVENT-REPORT is always sent ") +
                "on a new association to the address configured with `dest` for the SCU's AE title, proposing the "
                "SCP role (SCP/SCU Role Selection: SCU 0, SCP 1); " + std::to_string(report_defaults.attempts) +
                " attempts, " + std::to_string(report_defaults.retry_delay_ms / 1000) + " s apart. An instance is "
                "committed when the archive holds it and its file still has the SHA-256 recorded when it was "
                "stored; failure reasons: 0112H (not held), 0119H (held with another SOP class), 0110H (its file "
                "changed or is gone).");
    const net::AeConfig cfg = serve_config(o, s);
    write_all(format == "html" ? net::conformance_statement_html(cfg, p) : net::conformance_statement_md(cfg, p));
    return 0;
}

int cmd_serve(const std::vector<std::string> &args) {
    NetOptions o;
    ServeSettings s;
    std::vector<std::string> pos;
    std::string err;
    if (!serve_settings("serve", args, o, s, pos, err)) return usage_error("serve: " + err);
    if (pos.size() > 1 || (pos.size() == 1 && !parse_port(pos[0], s.port))) return usage_error("serve: needs PORT");
    if (s.port == 0) return usage_error("serve: needs PORT (or port = in the configuration file)");
    if (s.storage.empty()) return usage_error("serve: --storage DIR (or storage = in the configuration file) is required");
    const std::string storage = s.storage, bind = s.bind;
    const uint16_t port = s.port;
    const auto destinations = s.destinations;

    net::AeConfig cfg = serve_config(o, s);
    try {
        auto index = open_archive(storage, serve_index_options(cfg));
        auto folder = std::make_shared<net::StorageFolder>(storage + "/files");
        folder->set_limits(s.store_limits);
        auto mpps = std::make_shared<net::MppsStore>(storage + "/mpps");
        // A stop between a file's rename and its indexing (a crash, kill -9) leaves a file the index
        // does not know: index those again before serving, checked as a C-STORE is.
        const size_t recovered = reindex_orphans(*index, *folder, storage + "/quarantine");
        if (recovered) std::fprintf(stderr, "dcmkit: indexed %zu file(s) stored before an interruption\n", recovered);
        net::ServiceHandlers h;
        h.on_store = [index, folder, &cfg](net::StoreRequest &rq) -> uint16_t {
            const uint16_t st = folder->receive(rq);
            const auto kind = net::dimse::status_kind(st);
            if (kind != net::dimse::StatusKind::Success && kind != net::dimse::StatusKind::Warning) return st;
            // Stored under its (checked) SOP Instance UID.
            const std::string path = folder->path_for(rq.sop_instance_uid);
            try {
                index_file(*index, path);
            } catch (const dcmkit::Error &e) {
                cfg.emit(net::LogLevel::error, "cannot index " + path + ": " + e.what());
                std::remove(path.c_str());
                rq.error_comment = "cannot index the instance";
                return net::dimse::status::OutOfResources;
            }
            return st;
        };
        auto root_of = [](net::QueryModel m) {
            return m == net::QueryModel::PatientRoot ? archive::Root::patient_root : archive::Root::study_root;
        };
        h.on_find = [index, root_of](net::QueryRequest &rq) -> uint16_t {
            try {
                auto emit = [&](dcmkit::Dataset &&match) { return rq.emit(match); };
                if (rq.model == net::QueryModel::Worklist) {
                    index->find_worklist(rq.identifier, emit);
                } else {
                    archive::Level level;
                    if (!archive::parse_level(rq.level, level)) return net::dimse::status::IdentifierDoesNotMatchSOPClass;
                    index->find(level, rq.identifier, root_of(rq.model), emit);
                }
                return net::dimse::status::Success;
            } catch (const archive::QueryError &e) {
                return e.status();
            }
        };
        auto retrieve = [index, root_of, destinations](net::QueryRequest &rq) -> net::RetrievePlan {
            net::RetrievePlan plan;
            if (rq.command_field == net::dimse::C_MOVE_RQ) {
                auto it = destinations.find(rq.move_destination);
                if (it == destinations.end()) {
                    plan.status = net::dimse::status::MoveDestinationUnknown;
                    plan.error_comment = "unknown move destination " + rq.move_destination;
                    return plan;
                }
                plan.host = it->second.first;
                plan.port = it->second.second;
            }
            try {
                archive::Level level;
                if (!archive::parse_level(rq.level, level)) {
                    plan.status = net::dimse::status::IdentifierDoesNotMatchSOPClass;
                    return plan;
                }
                for (auto &f : index->files_for(level, rq.identifier, root_of(rq.model))) plan.files.push_back(f.path);
            } catch (const archive::QueryError &e) {
                plan.status = e.status();
                plan.error_comment = e.message();
            }
            return plan;
        };
        h.on_move = retrieve;
        h.on_get = retrieve;
        mpps->on_change = [index](const std::string &, const dcmkit::Dataset &ds) {
            // The worklist follows the procedure step: IN PROGRESS, COMPLETED or DISCONTINUED.
            const std::string status = ds.get_string_or(dcmkit::Tag(0x0040, 0x0252), "");
            for (const dcmkit::Dataset &step : ds.get_items(dcmkit::Tag(0x0040, 0x0270))) {
                const std::string sps = step.get_string_or(dcmkit::Tag(0x0040, 0x0009), "");
                if (!sps.empty()) index->set_procedure_step_status(sps, status);
            }
        };
        h.n_handlers[net::sop::ModalityPerformedProcedureStep] = mpps->handler();
        // Reports that cannot use the N-ACTION's association go to the requestor's `dest` address.
        net::CommitReportOptions reports;
        reports.same_association = s.commitment_report_same;
        reports.ae = cfg;
        reports.locate = [destinations](const std::string &ae) -> std::optional<std::pair<std::string, uint16_t>> {
            auto it = destinations.find(ae);
            if (it == destinations.end()) return std::nullopt;
            return it->second;
        };
        h.n_handlers[net::sop::StorageCommitmentPushModel] = net::storage_commitment_handler(
            [index](const std::string &cls, const std::string &inst) { return failure_reason(index->verify(cls, inst)); },
            std::move(reports));
        net::Server server(cfg, h);
        server.start(bind, port);
        g_server = &server;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
        const auto stats = index->stats();
        std::fprintf(stderr,
                     "dcmkit: %s serving on port %u from %s (%llu instances): Verification, Storage, Q/R FIND/MOVE/GET, "
                     "Worklist, MPPS, Storage Commitment (Ctrl-C stops)\n",
                     cfg.ae_title.c_str(), server.port(), storage.c_str(), static_cast<unsigned long long>(stats.instances));
        server.wait();
        server.stop();
        g_server = nullptr;
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: serve: %s\n", e.what());
        return 1;
    }
    return 0;
}

int cmd_worklist(const std::vector<std::string> &args) {
    if (args.empty() || args[0] != "add") return usage_error("worklist: the command is 'worklist add --storage DIR ITEM.json...'");
    std::string storage;
    std::vector<std::string> items;
    for (size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--storage") {
            if (i + 1 >= args.size()) return usage_error("worklist: --storage needs a folder");
            storage = args[++i];
        } else if (args[i].size() > 1 && args[i][0] == '-') {
            return usage_error("worklist: unknown option '" + args[i] + "'");
        } else {
            items.push_back(args[i]);
        }
    }
    if (storage.empty() || items.empty()) return usage_error("worklist add: needs --storage DIR and ITEM.json");
    int rc = 0;
    try {
        auto index = open_archive(storage);
        for (const auto &path : items) {
            try {
                std::ifstream f(path, std::ios::binary);
                if (!f) throw dcmkit::Error(dcmkit::Errc::not_found, "cannot read " + path);
                std::stringstream ss;
                ss << f.rdbuf();
                const int64_t id = index->add_worklist_item(dcmkit::from_json(ss.str()));
                std::printf("%s: worklist item %lld\n", path.c_str(), static_cast<long long>(id));
            } catch (const dcmkit::Error &e) {
                std::fprintf(stderr, "dcmkit: error: %s: %s\n", path.c_str(), e.what());
                rc = 1;
            }
        }
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: worklist: %s\n", e.what());
        return 1;
    }
    return rc;
}

/// `dcmkit archive conflicts --storage DIR`: the patient conflicts the archive's index recorded.
int cmd_archive(const std::vector<std::string> &args) {
    if (args.empty() || args[0] != "conflicts")
        return usage_error("archive: the command is 'archive conflicts --storage DIR'");
    std::string storage;
    for (size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--storage" && i + 1 < args.size()) storage = args[++i];
        else return usage_error("archive conflicts: unexpected '" + args[i] + "'");
    }
    if (storage.empty()) return usage_error("archive conflicts: needs --storage DIR");
    struct stat sb {};
    if (::stat((storage + "/index.sqlite").c_str(), &sb) != 0) {
        std::fprintf(stderr, "dcmkit: error: archive: no index in %s (dcmkit serve --storage creates one)\n",
                     storage.c_str());
        return 1;
    }
    try {
        archive::SqliteIndexOptions options;
        options.log = [](const std::string &line) { std::fprintf(stderr, "dcmkit: %s\n", line.c_str()); };
        const auto conflicts = archive::SqliteIndex(storage, options).conflicts();
        for (const auto &c : conflicts) std::printf("%s %s\n", c.recorded_at.c_str(), archive::describe(c).c_str());
        std::fprintf(stderr, "dcmkit: %zu patient conflict(s) in %s\n", conflicts.size(), storage.c_str());
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "dcmkit: error: archive: %s\n", e.what());
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
    if (cmd == "serve") return cmd_serve(args);
    if (cmd == "conformance") return cmd_conformance(args);
    if (cmd == "worklist") return cmd_worklist(args);
    if (cmd == "archive") return cmd_archive(args);
    if (cmd == "find") return cmd_find(args);
    if (cmd == "mwl") {  // find -W: the Modality Worklist
        std::vector<std::string> a = args;
        a.insert(a.begin(), "-W");
        return cmd_find(a);
    }
    if (cmd == "commit") return cmd_commit(args);
    if (cmd == "mpps") return cmd_mpps(args);
    if (cmd == "move") return cmd_move(args);
    if (cmd == "get") return cmd_get(args);
    return usage_error("unknown command '" + cmd + "'");
}
