// Interop with DCMTK: a corpus written by DCMTK's own tools (dump2dcm, dcmodify, img2dcm, pdf2dcm,
// dcmmkdir, dcmconv to every uncompressed transfer syntax and length encoding, dcmcrle, dcmcjpeg),
// where every element dcmkit reads is compared with what dcmdump prints for the same file, and
// round trips through every uncompressed transfer syntax (written by dcmkit, read back by dcmkit
// and by dcmdump) give equal datasets.
//
// The corpus is made at run time in a fresh temporary folder, so the test needs the DCMTK
// command-line tools (Debian: dcmtk); it is skipped when dcmdump is not on PATH.
//
// Where DCMTK prints something dcmkit represents differently, the difference is handled explicitly
// below with the reason; everything else must match exactly.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/dump.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "peer.h"

using namespace dcmkit;

namespace {

// ================================================================================================
// Processes, files and folders
// ================================================================================================

using dk_test::find_on_path;
using dk_test::ProcResult;
using dk_test::read_bytes;
using dk_test::shell_words;
using dk_test::TempDir;
using dk_test::write_bytes;

/// DCMTK's tools get as long as the whole test may take (its ctest TIMEOUT), not peer.h's minute.
constexpr int kToolTimeoutMs = 600 * 1000;

/// Runs argv (no shell involved) with stdin from /dev/null, capturing stdout and stderr.
ProcResult run(const std::vector<std::string> &argv, const std::string &cwd = {}) {
    return dk_test::run(argv, kToolTimeoutMs, cwd);
}

/// UTF-8 text (code points below U+0100 only) to ISO 8859-1 bytes.
std::string utf8_to_latin1(const std::string &s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out += char(c);
        } else if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size()) {
            out += char(((c & 0x03) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3F));
        } else {
            throw std::runtime_error("not representable in ISO 8859-1: " + s);
        }
    }
    return out;
}

class VectorSink final : public Sink {
public:
    std::vector<uint8_t> bytes;
    void write(const uint8_t *data, size_t size) override { bytes.insert(bytes.end(), data, data + size); }
};

// ================================================================================================
// The corpus
// ================================================================================================

struct CorpusFile {
    std::string name;  ///< e.g. "vrs_latin1.ti_u_g"
    std::string path;
    /// Written by a DCMTK tool unchanged since (the byte-identity check applies).
    bool dcmtk_written = true;
};

// dump2dcm input: one element per line, as dcmdump prints them. Strings are UTF-8 here; the
// ISO_IR 100 file is converted to ISO 8859-1 before dump2dcm sees it.
const char *kVrsLatin1Dump = R"((0008,0005) CS [ISO_IR 100]
(0008,0008) CS [ORIGINAL\PRIMARY\AXIAL]
(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]
(0008,0018) UI [1.2.826.0.1.3680043.2.1143.77]
(0008,0020) DA [20240102]
(0008,002a) DT [20240102123456.123456+0100]
(0008,0030) TM [123456.789]
(0008,0050) SH [ ACC-1]
(0008,0054) AE [AET1\AET2]
(0008,0060) CS [OT]
(0008,0070) LO []
(0008,0080) LO [Krankenhaus Zürich]
(0008,0081) ST [Straße 1 \ Haus 2]
(0008,0090) PN [Müller^Hans^^Dr.=Mu^Ha]
(0008,0119) UC [ünicode long code value\second]
(0008,0120) UR [http://example.com/a?b=c]
(0008,1190) UR [http://x/yz]
(0008,103e) LO [Série été]
(0008,1160) IS [7\-8\ 9]
(0008,1161) UL 4000000000\1\0
(0008,1163) FD 1.2345678901234567\-2.5e-300
(0009,0010) LO [DCMKIT TEST]
(0009,0011) LO [DCMKIT OTHER]
(0009,1001) LO [private lo]
(0009,1002) US 12\13
(0009,1003) UN 01\02\03\04
(0009,1004) OB 0a\0b\0c
(0009,1005) OW 0102\0304
(0009,1006) SQ (Sequence with explicit length #=1)
  (fffe,e000) na (Item with explicit length #=2)
    (0009,0010) LO [DCMKIT TEST]
    (0009,1001) LO [nested private]
  (fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
(0009,1101) FD 2.5
(0009,1102) SH [other block]
(0010,0010) PN [Gäßler^Jörg]
(0010,0020) LO [PID-1]
(0010,0218) UT [unlimited text with Ünïcödé]
(0010,1010) AS [042Y]
(0010,1020) DS [1.5\2.25\-3e5]
(0010,2160) SH
(0010,4000) LT [replaced by dcmodify]
(0016,002b) OB 0a\0b\0c
(0018,0050) UN 31\2e\35\20
(0018,2043) FL 3.25\1e-30
(0018,6020) SL -100000
(0018,6022) SL 2147483647
(0018,9219) SS -5
(0018,9436) SS
(0020,000d) UI [1.2.3.4.1]
(0020,000e) UI [1.2.3.4.9]
(0028,0009) AT (0018,1063)\(0020,000d)
(0028,1201) OW 0102\0304\fffe
(0066,0016) OF 1.5\2.5\-0.125
(0066,0022) OD 3.5\0.1
(0066,0040) OL 16909060\4294967295
(0072,006d) UN 01\02\03\04
(0072,0081) OV 72623859790382856
(0072,0082) SV -9000000000000000000\5
(0072,0083) UV 18000000000000000000
(7fe0,0008) OF 1.5\-2.5
)";

const char *kSeqUtf8Dump = R"((0008,0005) CS [ISO_IR 192]
(0008,0016) UI [1.2.840.10008.5.1.4.1.1.88.11]
(0008,0018) UI [1.2.3.4.7]
(0008,0080) LO [Ελληνικά 中文]
(0008,1032) SQ (Sequence with explicit length #=0)
(fffe,e0dd) na (SequenceDelimitationItem)
(0008,1110) SQ (Sequence with explicit length #=2)
  (fffe,e000) na (Item with explicit length #=2)
    (0008,1150) UI [1.2.840.10008.3.1.2.3.1]
    (0008,1155) UI [1.2.3.4.100]
  (fffe,e00d) na (ItemDelimitationItem)
  (fffe,e000) na (Item with explicit length #=2)
    (0008,1150) UI [1.2.840.10008.3.1.2.3.1]
    (0008,1155) UI [1.2.3.4.101]
  (fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
(0010,0010) PN [Yamada^Tarou=山田^太郎=やまだ^たろう]
(0010,0020) LO [ÄÖÜ-äöü-ß]
(0040,a730) SQ (Sequence with explicit length #=3)
  (fffe,e000) na (Item with explicit length #=0)
  (fffe,e00d) na (ItemDelimitationItem)
  (fffe,e000) na (Item with explicit length #=3)
    (0040,a010) CS [CONTAINS]
    (0040,a040) CS [CONTAINER]
    (0040,a730) SQ (Sequence with explicit length #=2)
      (fffe,e000) na (Item with explicit length #=2)
        (0040,a043) SQ (Sequence with explicit length #=1)
          (fffe,e000) na (Item with explicit length #=3)
            (0008,0100) SH [T-1]
            (0008,0102) SH [99X]
            (0008,0104) LO [Déjà vu — ≥ 5]
          (fffe,e00d) na (ItemDelimitationItem)
        (fffe,e0dd) na (SequenceDelimitationItem)
        (0040,a160) UT [Größe ≥ 5 — ok]
      (fffe,e00d) na (ItemDelimitationItem)
      (fffe,e000) na (Item with explicit length #=3)
        (0040,a010) CS [HAS PROPERTIES]
        (0040,a040) CS [NUM]
        (0040,a300) SQ (Sequence with explicit length #=1)
          (fffe,e000) na (Item with explicit length #=2)
            (0040,08ea) SQ (Sequence with explicit length #=0)
            (fffe,e0dd) na (SequenceDelimitationItem)
            (0040,a30a) DS [12.5\-0.25]
          (fffe,e00d) na (ItemDelimitationItem)
        (fffe,e0dd) na (SequenceDelimitationItem)
      (fffe,e00d) na (ItemDelimitationItem)
    (fffe,e0dd) na (SequenceDelimitationItem)
  (fffe,e00d) na (ItemDelimitationItem)
  (fffe,e000) na (Item with explicit length #=1)
    (0040,a730) SQ (Sequence with explicit length #=0)
    (fffe,e0dd) na (SequenceDelimitationItem)
  (fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
)";

/// The attributes dcmmkdir needs for its PATIENT, STUDY, SERIES and IMAGE records.
std::string image_header(const char *sop_class, const char *sop_instance, const char *series, const char *modality) {
    std::string s;
    s += std::string("(0008,0016) UI [") + sop_class + "]\n";
    s += std::string("(0008,0018) UI [") + sop_instance + "]\n";
    s += "(0008,0020) DA [20240102]\n(0008,0030) TM [101010]\n(0008,0050) SH [A1]\n";
    s += std::string("(0008,0060) CS [") + modality + "]\n";
    s += "(0010,0010) PN [Doe^John]\n(0010,0020) LO [P1]\n(0020,000d) UI [1.2.3.4.1]\n";
    s += std::string("(0020,000e) UI [") + series + "]\n";
    s += "(0020,0010) SH [S1]\n(0020,0011) IS [1]\n(0020,0013) IS [1]\n";
    return s;
}

/// 16-bit signed, 2 frames, with an overlay (repeating group 60xx), a Modality LUT sequence with
/// the "US or SS" LUT Descriptor and the "US or OW" LUT Data, and "US or SS" pixel value ranges.
std::string ct16_dump() {
    const int rows = 3, cols = 4, frames = 2;
    std::string s = image_header("1.2.840.10008.5.1.4.1.1.2.1", "1.2.3.4.6", "1.2.3.4.2", "CT");
    s += "(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0008) IS [" + std::to_string(frames) + "]\n";
    s += "(0028,0010) US " + std::to_string(rows) + "\n(0028,0011) US " + std::to_string(cols) + "\n";
    s += "(0028,0100) US 16\n(0028,0101) US 12\n(0028,0102) US 11\n(0028,0103) US 1\n";
    s += "(0028,0106) SS -2048\n(0028,0107) SS 2047\n(0028,1052) DS [-1024]\n(0028,1053) DS [1]\n";
    s += "(0028,3000) SQ (Sequence with explicit length #=1)\n";
    s += "  (fffe,e000) na (Item with explicit length #=3)\n";
    s += "    (0028,3002) US 16\\0\\12\n    (0028,3003) LO [lut]\n";
    s += "    (0028,3006) OW 0001\\0002\\0003\\0004\\0005\\0006\\0007\\0008\\0009\\000a\\000b\\000c\\000d\\000e\\000f\\0010\n";
    s += "  (fffe,e00d) na (ItemDelimitationItem)\n(fffe,e0dd) na (SequenceDelimitationItem)\n";
    s += "(6000,0010) US 3\n(6000,0011) US 4\n(6000,0040) CS [G]\n(6000,0050) SS 1\\1\n(6000,0100) US 1\n";
    s += "(6000,0102) US 0\n(6000,3000) OW 0f0f\n";
    s += "(7fe0,0010) OW ";
    for (int i = 0; i < rows * cols * frames; ++i) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%s%04x", i ? "\\" : "", unsigned(i * 1237 - 9000) & 0xFFFFu);
        s += buf;
    }
    s += "\n";
    return s;
}

/// 8-bit unsigned, 3 frames of 5x3: 45 bytes of OB pixel data, so the value is padded.
std::string mf8_dump() {
    std::string s = image_header("1.2.840.10008.5.1.4.1.1.7.2", "1.2.3.4.10", "1.2.3.4.4", "OT");
    s += "(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0008) IS [3]\n(0028,0010) US 3\n(0028,0011) US 5\n";
    s += "(0028,0100) US 8\n(0028,0101) US 8\n(0028,0102) US 7\n(0028,0103) US 0\n";
    s += "(7fe0,0010) OB ";
    for (int i = 0; i < 45; ++i) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%s%02x", i ? "\\" : "", unsigned(i * 37 + 11) & 0xFFu);
        s += buf;
    }
    s += "\n";
    return s;
}

/// A 24-bit BMP of 7x5 pixels (rows padded to 4 bytes, stored bottom-up), for img2dcm.
std::string make_bmp() {
    const int w = 7, h = 5, row = (w * 3 + 3) / 4 * 4;
    std::string pix;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            pix += char((x * 37 + y * 11) & 0xFF);
            pix += char((x * 5 + y * 60) & 0xFF);
            pix += char((x * 90 + y) & 0xFF);
        }
        pix.append(size_t(row - w * 3), '\0');
    }
    std::string b;
    auto u16 = [&](uint32_t v) { b += char(v & 0xFF); b += char((v >> 8) & 0xFF); };
    auto u32 = [&](uint32_t v) { u16(v & 0xFFFF); u16(v >> 16); };
    b += "BM";
    u32(uint32_t(14 + 40 + pix.size()));
    u32(0);
    u32(54);
    u32(40);
    u32(w);
    u32(h);
    u16(1);
    u16(24);
    u32(0);
    u32(uint32_t(pix.size()));
    u32(2835);
    u32(2835);
    u32(0);
    u32(0);
    return b + pix;
}

const char *kPdf = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                   "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// dcmconv variants of every uncompressed base file: transfer syntax, sequence and item length
/// encoding (-e undefined, +e explicit), group lengths (+g) and dataset trailing padding (+p).
struct Variant {
    const char *suffix;
    std::vector<std::string> options;
};
const std::vector<Variant> &variants() {
    static const std::vector<Variant> v = {
        {"ti", {"+ti"}},
        {"te_u", {"+te", "-e"}},
        {"tb", {"+tb"}},
        {"td", {"+td"}},
        {"ti_u_g", {"+ti", "-e", "+g"}},
        {"tb_u_g", {"+tb", "-e", "+g"}},
        {"te_g_pad", {"+te", "+g", "+p", "64", "16"}},
        {"td_u", {"+td", "-e"}},
    };
    return v;
}

struct Corpus {
    std::string skip;   ///< non-empty: the tools are missing
    std::string error;  ///< non-empty: making the corpus failed
    std::unique_ptr<TempDir> dir;
    std::string dcmdump;
    std::vector<CorpusFile> files;
    double seconds = 0;
};

/// Runs a DCMTK tool; returns an error message, empty on success.
std::string tool(const std::vector<std::string> &argv, const std::string &cwd = {}) {
    ProcResult r = run(argv, cwd);
    if (r.status != 0)
        return "'" + shell_words(argv) + "' exited with " + std::to_string(r.status) + ": " + r.err + r.out;
    return {};
}

/// Replaces the value of (0009,1006) of a file with undefined lengths by the same sequence taken
/// from its implicit VR copy, and its VR by UN: an explicit VR file with a UN element of undefined
/// length holding an implicit VR little endian sequence (PS3.5 6.2.2 Note 2, CP-246). DCMTK's
/// tools never write one themselves (they write it back as SQ).
std::string splice_cp246(const std::string &explicit_u, const std::string &implicit_u) {
    const std::string ex_head("\x09\x00\x06\x10SQ\x00\x00\xff\xff\xff\xff", 12);
    const std::string im_head("\x09\x00\x06\x10\xff\xff\xff\xff", 8);
    const std::string seq_delim("\xfe\xff\xdd\xe0\x00\x00\x00\x00", 8);
    size_t ex = explicit_u.find(ex_head), im = implicit_u.find(im_head);
    if (ex == std::string::npos || im == std::string::npos) return {};
    // The sequence holds one item of short strings, so the first Sequence Delimitation Item closes it.
    size_t ex_end = explicit_u.find(seq_delim, ex), im_end = implicit_u.find(seq_delim, im);
    if (ex_end == std::string::npos || im_end == std::string::npos) return {};
    std::string out = explicit_u.substr(0, ex);
    out += std::string("\x09\x00\x06\x10UN\x00\x00\xff\xff\xff\xff", 12);
    out += implicit_u.substr(im + 8, im_end + 8 - (im + 8));
    out += explicit_u.substr(ex_end + 8);
    return out;
}

Corpus *build_corpus() {
    auto *c = new Corpus;
    c->dcmdump = find_on_path("dcmdump");
    for (const char *t : {"dcmdump", "dump2dcm", "dcmconv", "dcmodify", "img2dcm", "pdf2dcm", "dcmmkdir", "dcmcrle", "dcmcjpeg"}) {
        if (find_on_path(t).empty()) {
            c->skip = std::string("DCMTK's ") + t + " is not on PATH (install dcmtk to run this test)";
            return c;
        }
    }
    const auto t0 = std::chrono::steady_clock::now();
    try {
        c->dir = std::make_unique<TempDir>("dcmkit-corpus");
    } catch (const std::exception &e) {
        c->error = std::string(e.what()) + ": " + std::strerror(errno);
        return c;
    }
    const std::string d = c->dir->path();
    std::string err;
    auto check = [&](const std::string &e) {
        if (!e.empty() && err.empty()) err = e;
        return e.empty();
    };
    try {
        ::mkdir((d + "/src").c_str(), 0755);
        ::mkdir((d + "/out").c_str(), 0755);
        ::mkdir((d + "/dir").c_str(), 0755);
        ::mkdir((d + "/dir/IMG").c_str(), 0755);
        std::vector<std::string> bases;  // uncompressed files, each gets every dcmconv variant
        auto from_dump = [&](const std::string &name, const std::string &text) {
            const std::string dump = d + "/src/" + name + ".dump", out = d + "/" + name + ".dcm";
            write_bytes(dump, text);
            if (check(tool({"dump2dcm", "-q", "+te", dump, out}))) bases.push_back(name);
        };
        from_dump("vrs_latin1", utf8_to_latin1(kVrsLatin1Dump));
        // dump2dcm reads one line per element: a multi-line LT (with characters +Qn escapes) comes
        // from dcmodify.
        check(tool({"dcmodify", "-q", "-nb", "-m",
                    utf8_to_latin1("(0010,4000)=Zeile 1\r\nZeile 2 \\ mit Backslash & <xml> \"quoted\" 'ü'\r\n"
                                   "a line long enough that dcmdump would cut it without +L: "
                                   "0123456789012345678901234567890123456789"),
                    d + "/vrs_latin1.dcm"}));
        from_dump("seq_utf8", kSeqUtf8Dump);
        from_dump("ct16", ct16_dump());
        from_dump("mf8", mf8_dump());
        write_bytes(d + "/src/img.bmp", make_bmp());
        if (check(tool({"img2dcm", "-q", "-i", "BMP", "-k", "Modality=OT", "-k", "PatientName=Doe^John", "-k",
                        "PatientID=P1", "-k", "StudyInstanceUID=1.2.3.4.1", "-k", "SeriesInstanceUID=1.2.3.4.3", "-k",
                        "SOPInstanceUID=1.2.3.4.8", "-k", "InstanceNumber=1", "-k", "SeriesNumber=2", "-k",
                        "StudyID=S1", "-k", "StudyDate=20240102", "-k", "StudyTime=101010", "-k",
                        "AccessionNumber=A1", d + "/src/img.bmp", d + "/sc_rgb.dcm"})))
            bases.push_back("sc_rgb");
        write_bytes(d + "/src/doc.pdf", kPdf);
        if (check(tool({"pdf2dcm", "-q", "+pn", "Doe^John", "+pi", "P1", "+t", "Document", "-k",
                        "StudyInstanceUID=1.2.3.4.1", "-k", "SeriesInstanceUID=1.2.3.4.12", "-k",
                        "SOPInstanceUID=1.2.3.4.11", "-k", "InstanceCreationDate=20240102", "-k",
                        "InstanceCreationTime=101010", d + "/src/doc.pdf", d + "/pdf.dcm"})))
            bases.push_back("pdf");
        // A DICOMDIR (offsets of VR UL, which dcmdump calls "up", and directory record items).
        for (const char *n : {"ct16", "mf8", "sc_rgb"}) {
            std::string upper(n);
            for (auto &ch : upper) ch = char(std::toupper(static_cast<unsigned char>(ch)));
            upper.erase(std::remove(upper.begin(), upper.end(), '_'), upper.end());
            write_bytes(d + "/dir/IMG/" + upper, read_bytes(d + "/" + n + ".dcm"));
        }
        if (check(tool({"dcmmkdir", "-q", "+r", "+D", "DICOMDIR", "IMG"}, d + "/dir"))) {
            write_bytes(d + "/dicomdir.dcm", read_bytes(d + "/dir/DICOMDIR"));
            bases.push_back("dicomdir");
        }
        for (const auto &b : bases) {
            c->files.push_back({b, d + "/" + b + ".dcm"});
            for (const auto &v : variants()) {
                std::vector<std::string> argv = {"dcmconv", "-q"};
                argv.insert(argv.end(), v.options.begin(), v.options.end());
                const std::string out = d + "/" + b + "." + v.suffix + ".dcm";
                argv.push_back(d + "/" + b + ".dcm");
                argv.push_back(out);
                if (check(tool(argv))) c->files.push_back({b + "." + v.suffix, out});
            }
        }
        // Encapsulated pixel data: RLE with and without a Basic Offset Table, JPEG lossless.
        if (check(tool({"dcmcrle", "-q", d + "/mf8.dcm", d + "/mf8.rle.dcm"}))) c->files.push_back({"mf8.rle", d + "/mf8.rle.dcm"});
        if (check(tool({"dcmcrle", "-q", "-ot", d + "/ct16.dcm", d + "/ct16.rle_nobot.dcm"})))
            c->files.push_back({"ct16.rle_nobot", d + "/ct16.rle_nobot.dcm"});
        if (check(tool({"dcmcjpeg", "-q", d + "/sc_rgb.dcm", d + "/sc_rgb.jpegll.dcm"})))
            c->files.push_back({"sc_rgb.jpegll", d + "/sc_rgb.jpegll.dcm"});
        if (check(tool({"dcmconv", "-q", "-e", d + "/mf8.rle.dcm", d + "/mf8.rle_u.dcm"})))
            c->files.push_back({"mf8.rle_u", d + "/mf8.rle_u.dcm"});
        // CP-246: UN of undefined length in explicit VR.
        std::string spliced;
        if (check(tool({"dcmconv", "-q", "+ti", "-e", d + "/vrs_latin1.dcm", d + "/src/vrs_ti_u.dcm"})))
            spliced = splice_cp246(read_bytes(d + "/vrs_latin1.te_u.dcm"), read_bytes(d + "/src/vrs_ti_u.dcm"));
        if (spliced.empty()) {
            check("cannot find (0009,1006) to make the CP-246 file");
        } else {
            write_bytes(d + "/vrs_latin1.cp246.dcm", spliced);
            c->files.push_back({"vrs_latin1.cp246", d + "/vrs_latin1.cp246.dcm", false});
        }
    } catch (const std::exception &e) {
        check(std::string("making the corpus: ") + e.what());
    }
    c->error = err;
    c->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return c;
}

// ================================================================================================
// dcmdump's output, parsed
// ================================================================================================

/// One line of dcmdump output, with the lines nested under it (items of a sequence, elements of
/// an item, fragments of a pixel sequence).
struct DNode {
    enum Kind { Value, NoValue, Sequence, Item, PixelSequence, Fragment, ItemDelim, SeqDelim };
    Kind kind = Value;
    int line = 0;
    int indent = 0;
    Tag tag;
    std::string vr;       ///< as printed: a VR, or DCMTK's internal names (??, xs, lt, ox, up, na, pi)
    std::string text;     ///< value text; strings without brackets, +Qn escapes undone
    bool bracketed = false;
    bool undefined = false;  ///< length printed as u/l
    uint64_t length = 0;
    long vm = 0;
    std::string keyword;
    long count = -1;      ///< "#=N" of sequences, items and pixel sequences
    std::vector<DNode> children;
    std::string source;   ///< the line as printed
};

struct DumpDoc {
    std::vector<DNode> meta, data;
    std::string data_ts;  ///< "# Used TransferSyntax: …" of the data set
    bool has_meta = false;
    std::string error;
};

/// Undoes dcmdump's +Qn quoting: &#NNN; is one byte, plus the five XML entities.
std::string unquote(const std::string &s, std::string &err) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        size_t semi = s.find(';', i);
        if (semi == std::string::npos) {
            err = "unterminated entity";
            return out;
        }
        std::string ent = s.substr(i + 1, semi - i - 1);
        if (ent == "amp") out += '&';
        else if (ent == "lt") out += '<';
        else if (ent == "gt") out += '>';
        else if (ent == "quot") out += '"';
        else if (ent == "apos") out += '\'';
        else if (ent.size() > 1 && ent[0] == '#') out += char(std::strtol(ent.c_str() + 1, nullptr, 10));
        else {
            err = "unknown entity &" + ent + ";";
            return out;
        }
        i = semi;
    }
    return out;
}

bool parse_hex(const std::string &s, size_t pos, size_t n, uint32_t &v) {
    if (pos + n > s.size()) return false;
    v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        char ch = s[i];
        int d = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10 : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
        if (d < 0) return false;
        v = v * 16 + uint32_t(d);
    }
    return true;
}

long count_after_hash_eq(const std::string &s) {
    size_t p = s.rfind("#=");
    return p == std::string::npos ? -1 : std::strtol(s.c_str() + p + 2, nullptr, 10);
}

/// Parses one element line: "<indent>(gggg,eeee) VR value   # len, vm Keyword".
bool parse_line(const std::string &line, int lineno, DNode &n, std::string &err) {
    n.line = lineno;
    n.source = line;
    size_t p = 0;
    while (p < line.size() && line[p] == ' ') ++p;
    n.indent = int(p);
    uint32_t g = 0, e = 0;
    if (line.size() < p + 15 || line[p] != '(' || !parse_hex(line, p + 1, 4, g) || line[p + 5] != ',' ||
        !parse_hex(line, p + 6, 4, e) || line[p + 10] != ')' || line[p + 11] != ' ' || line[p + 14] != ' ') {
        err = "not an element line";
        return false;
    }
    n.tag = Tag(uint16_t(g), uint16_t(e));
    n.vr = line.substr(p + 12, 2);
    const std::string rest = line.substr(p + 15);
    // Keywords never contain '#', values may (+Qn writes &#NNN;): the last '#' starts the comment.
    const size_t hash = rest.rfind('#');
    if (hash == std::string::npos || hash == 0 || rest[hash - 1] != ' ') {
        err = "no '# length, VM keyword' comment";
        return false;
    }
    std::string value = rest.substr(0, hash);
    while (!value.empty() && value.back() == ' ') value.pop_back();
    std::string comment = rest.substr(hash + 1);
    size_t c = comment.find_first_not_of(' ');
    size_t comma = comment.find(',', c);  // "#  32, 1 Keyword", but "#  32,16 Keyword" for VM >= 10
    if (c == std::string::npos || comma == std::string::npos) {
        err = "bad comment";
        return false;
    }
    std::string len = comment.substr(c, comma - c);
    if (len == "u/l") n.undefined = true;
    else n.length = std::strtoull(len.c_str(), nullptr, 10);
    char *end = nullptr;
    n.vm = std::strtol(comment.c_str() + comma + 1, &end, 10);
    n.keyword = (end && *end == ' ') ? std::string(end + 1) : std::string();

    if (n.tag == tags::ItemDelimitationItem) n.kind = DNode::ItemDelim;
    else if (n.tag == tags::SequenceDelimitationItem) n.kind = DNode::SeqDelim;
    else if (n.tag == tags::Item && n.vr == "pi") n.kind = DNode::Fragment;
    else if (n.tag == tags::Item) n.kind = DNode::Item;
    else if (value.rfind("(Sequence with ", 0) == 0) n.kind = DNode::Sequence;
    else if (value.rfind("(PixelSequence", 0) == 0) n.kind = DNode::PixelSequence;
    else if (value == "(no value available)") n.kind = DNode::NoValue;
    else n.kind = DNode::Value;
    if (n.kind == DNode::Sequence || n.kind == DNode::PixelSequence || n.kind == DNode::Item) n.count = count_after_hash_eq(value);
    if (n.kind == DNode::Fragment && value == "(no value available)") value.clear();
    if (n.kind == DNode::Value && value.size() >= 2 && value.front() == '[' && value.back() == ']') {
        n.bracketed = true;
        n.text = unquote(value.substr(1, value.size() - 2), err);
        if (!err.empty()) return false;
    } else {
        n.text = value;
    }
    return true;
}

DumpDoc parse_dump(const std::string &out) {
    DumpDoc doc;
    std::vector<DNode> meta_lines, data_lines;
    std::vector<DNode> *cur = nullptr;
    std::istringstream in(out);
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        size_t first = line.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        if (line[first] == '#') {
            if (line.rfind("# Dicom-Meta-Information-Header", 0) == 0) {
                cur = &meta_lines;
                doc.has_meta = true;
            } else if (line.rfind("# Dicom-Data-Set", 0) == 0) {
                cur = &data_lines;
            } else if (line.rfind("# Used TransferSyntax: ", 0) == 0 && cur == &data_lines) {
                doc.data_ts = line.substr(23);
            }
            continue;  // headers, and DICOMDIR's "#  offset=$N" notes
        }
        DNode n;
        std::string err;
        if (!cur || !parse_line(line, lineno, n, err)) {
            doc.error = "line " + std::to_string(lineno) + ": " + (cur ? err : "element before any header") + ": " + line;
            return doc;
        }
        cur->push_back(std::move(n));
    }
    // Nest by indentation: items at +2 under their sequence, an item's elements at +2 under it.
    struct Nester {
        std::vector<DNode> &lines;
        size_t i = 0;
        std::string error;
        void elements(std::vector<DNode> &out, int indent) {
            while (error.empty() && i < lines.size() && lines[i].indent >= indent) {
                if (lines[i].indent > indent) {
                    error = "line " + std::to_string(lines[i].line) + ": unexpected indentation: " + lines[i].source;
                    return;
                }
                DNode n = lines[i++];
                if (n.kind == DNode::SeqDelim) continue;  // closes the sequence before it
                if (n.kind == DNode::Item || n.kind == DNode::ItemDelim || n.kind == DNode::Fragment) {
                    error = "line " + std::to_string(n.line) + ": item outside a sequence: " + n.source;
                    return;
                }
                if (n.kind == DNode::Sequence || n.kind == DNode::PixelSequence) items(n.children, indent + 2);
                out.push_back(std::move(n));
            }
        }
        void items(std::vector<DNode> &out, int indent) {
            while (error.empty() && i < lines.size() && lines[i].indent == indent) {
                DNode n = lines[i++];
                if (n.kind == DNode::ItemDelim) continue;
                if (n.kind == DNode::Item) elements(n.children, indent + 2);
                else if (n.kind != DNode::Fragment) {
                    error = "line " + std::to_string(n.line) + ": expected an item: " + n.source;
                    return;
                }
                out.push_back(std::move(n));
            }
        }
    };
    for (auto [lines, nodes] : {std::pair{&meta_lines, &doc.meta}, std::pair{&data_lines, &doc.data}}) {
        Nester nest{*lines};
        nest.elements(*nodes, 0);
        if (nest.error.empty() && nest.i != lines->size())
            nest.error = "line " + std::to_string((*lines)[nest.i].line) + ": unexpected: " + (*lines)[nest.i].source;
        if (!nest.error.empty() && doc.error.empty()) doc.error = nest.error;
    }
    return doc;
}

// ================================================================================================
// dcmkit's dataset against dcmdump's lines
// ================================================================================================

enum class TextMode {
    Native,     ///< the file's text needs no conversion (ASCII or UTF-8): compare decoded text
    Raw,        ///< dcmdump printed the bytes of another character set: compare raw bytes
    Converted,  ///< dcmdump ran with +U8: compare dcmkit's decoded text (lengths do not apply)
};

struct Checker {
    std::string file;
    TextMode mode = TextMode::Native;
    TransferSyntax ts;
    int failures = 0;
    size_t compared = 0;  ///< elements (items and fragments included) compared with a dcmdump line

    void fail(const std::string &where, const std::string &what) {
        ++failures;
        if (failures <= 15) ADD_FAILURE() << file << ": " << where << ": " << what;
        else if (failures == 16) ADD_FAILURE() << file << ": more differences not shown";
    }
};

std::string hex_bytes(const uint8_t *p, size_t n) {
    std::string s;
    char buf[4];
    for (size_t i = 0; i < n; ++i) {
        std::snprintf(buf, sizeof buf, "%s%02x", i ? "\\" : "", p[i]);
        s += buf;
    }
    return s;
}

std::vector<std::string> split_backslash(const std::string &s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t p = s.find('\\', start);
        out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
        if (p == std::string::npos) return out;
        start = p + 1;
    }
}

/// The string value of `e` as dcmdump should print it in `mode`.
std::string expected_text(const Dataset &ds, const Element &e, TextMode mode) {
    if (mode == TextMode::Raw) {
        // PS3.5 6.2: trailing spaces (NUL for UI) are padding; dcmdump removes them.
        std::string_view v = e.value.str();
        while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.remove_suffix(1);
        return std::string(v);
    }
    return value_text(ds, e);
}

/// Whether dcmdump's VR name describes dcmkit's VR.
bool vr_agrees(VR vr, const std::string &dvr) {
    if (dvr == vr_name(vr)) return true;
    // DCMTK's internal names where it does not resolve a VR:
    if (dvr == "??") return vr == VR::UN;                     // unknown tag in implicit VR (PS3.5 6.2.2: UN)
    if (dvr == "up") return vr == VR::UL;                     // DICOMDIR offsets (PS3.3 F.3.2.1: UL)
    if (dvr == "xs") return vr == VR::US || vr == VR::SS;     // "US or SS" read in implicit VR
    if (dvr == "lt") return vr == VR::US || vr == VR::OW;     // "US or OW" LUT Data in implicit VR
    if (dvr == "ox") return vr == VR::OB || vr == VR::OW;     // "OB or OW" in implicit VR
    return false;
}

void compare_value(Checker &ck, const std::string &where, const Dataset &ds, const Element &e, const DNode &n) {
    const uint8_t *p = e.value.data();
    const size_t size = e.value.size();
    if (n.bracketed) {
        if (!vr_is_string(e.vr)) return ck.fail(where, std::string("dcmdump prints a string, dcmkit has VR ") + vr_name(e.vr));
        if (ck.mode == TextMode::Converted && e.tag == tags::SpecificCharacterSet) return;  // +U8 rewrote it
        // Raw: dcmdump printed the bytes of a character set other than UTF-8; the VRs that character
        // set does not affect are compared as dcmkit decodes them, like every string otherwise.
        const bool raw = ck.mode == TextMode::Raw && vr_uses_charset(e.vr);
        std::string want = expected_text(ds, e, raw ? TextMode::Raw : TextMode::Native);
        if (want != n.text) ck.fail(where, "value [" + want + "] but dcmdump prints [" + n.text + "]");
        return;
    }
    const std::vector<std::string> tokens = split_backslash(n.text);
    auto count_mismatch = [&](size_t unit) {
        ck.fail(where, std::to_string(size / unit) + " values in dcmkit, " + std::to_string(tokens.size()) +
                           " printed by dcmdump: " + n.text);
    };
    const std::string &v = n.vr;
    if (v == "OB" || v == "UN" || v == "??" || ((v == "ox") && !tokens.empty() && tokens[0].size() == 2)) {
        std::string got = hex_bytes(p, size);
        if (got != n.text) ck.fail(where, "bytes " + got + " but dcmdump prints " + n.text);
        return;
    }
    if (v == "OW" || v == "lt" || v == "ox") {
        if (tokens.size() != size / 2) return count_mismatch(2);
        for (size_t i = 0; i < tokens.size(); ++i) {
            uint32_t w;
            if (tokens[i].size() != 4 || !parse_hex(tokens[i], 0, 4, w) || w != load_u16le(p + 2 * i))
                return ck.fail(where, "word " + std::to_string(i) + " differs: dcmdump prints " + n.text +
                                          ", dcmkit has " + value_text(ds, e));
        }
        return;
    }
    if (v == "AT") {
        if (tokens.size() != size / 4) return count_mismatch(4);
        for (size_t i = 0; i < tokens.size(); ++i) {
            Tag t(load_u16le(p + 4 * i), load_u16le(p + 4 * i + 2));
            if (tokens[i] != t.str()) {
                std::string lower = t.str();
                for (auto &ch : lower) ch = char(std::tolower(static_cast<unsigned char>(ch)));
                if (tokens[i] != lower) return ck.fail(where, "tag " + std::to_string(i) + " is " + t.str() + ", dcmdump prints " + tokens[i]);
            }
        }
        return;
    }
    struct IntVr {
        const char *name;
        unsigned size;
        bool is_signed;
    };
    static const IntVr kInts[] = {{"US", 2, false}, {"SS", 2, true}, {"xs", 2, false}, {"UL", 4, false},
                                  {"up", 4, false}, {"SL", 4, true}, {"OL", 4, false}, {"UV", 8, false},
                                  {"SV", 8, true},  {"OV", 8, false}};
    for (const IntVr &iv : kInts) {
        if (v != iv.name) continue;
        if (tokens.size() != size / iv.size) return count_mismatch(iv.size);
        for (size_t i = 0; i < tokens.size(); ++i) {
            const uint8_t *q = p + i * iv.size;
            uint64_t u = 0;
            for (unsigned k = 0; k < iv.size; ++k) u |= uint64_t(q[k]) << (8 * k);
            std::string ours;
            if (iv.is_signed) {
                int64_t s = iv.size == 2 ? int64_t(int16_t(u)) : iv.size == 4 ? int64_t(int32_t(u)) : int64_t(u);
                ours = std::to_string(s);
            } else {
                ours = std::to_string(u);
            }
            if (ours != tokens[i])
                return ck.fail(where, "value " + std::to_string(i) + " is " + ours + ", dcmdump prints " + tokens[i]);
        }
        return;
    }
    if (v == "FL" || v == "OF" || v == "FD" || v == "OD") {
        const unsigned unit = (v == "FL" || v == "OF") ? 4 : 8;
        if (tokens.size() != size / unit) return count_mismatch(unit);
        for (size_t i = 0; i < tokens.size(); ++i) {
            double ours;
            if (unit == 4) {
                float f;
                std::memcpy(&f, p + 4 * i, 4);
                ours = f;
            } else {
                std::memcpy(&ours, p + 8 * i, 8);
            }
            char *end = nullptr;
            const double printed = std::strtod(tokens[i].c_str(), &end);
            if (end == tokens[i].c_str() || *end) return ck.fail(where, "dcmdump prints a non-number: " + tokens[i]);
            // dcmdump prints a limited number of significant digits: the values agree when ours,
            // rounded to that many digits, is what it printed.
            //
            // For FD and OD, DCMTK asks its own ftoa for 17 digits, but that ftoa is not correctly
            // rounded: only DBL_DIG (15) of them can be relied on. Example: the bytes of
            // -2.4999999999999996e-300 (exactly what dump2dcm stored) print as
            // -2.4999999999999982e-300. Round trips compare these values bit for bit instead.
            int digits = 0;
            bool leading = true;
            for (char ch : tokens[i]) {
                if (ch == 'e' || ch == 'E') break;
                if (ch < '0' || ch > '9') continue;
                if (ch != '0') leading = false;
                if (!leading) ++digits;
            }
            if (unit == 8) digits = std::min(digits, 15);
            double tol = 0;
            if (printed != 0 && digits > 0)
                tol = 0.5 * std::pow(10.0, std::floor(std::log10(std::fabs(printed))) - digits + 1) * (1 + 1e-9);
            if (!(std::fabs(ours - printed) <= tol))
                return ck.fail(where, "value " + std::to_string(i) + " is " + value_text(ds, e) + ", dcmdump prints " + tokens[i]);
        }
        return;
    }
    ck.fail(where, "no rule to compare dcmdump's VR '" + v + "' (" + n.source + ")");
}

uint64_t item_length(const Dataset &item, const TransferSyntax &ts) { return encoded_size(item, ts); }

void compare_dataset(Checker &ck, const Dataset &ds, const std::vector<DNode> &nodes, const std::string &path);

void compare_element(Checker &ck, const Dataset &ds, const Element &e, const DNode &n, const std::string &path) {
    ++ck.compared;
    const std::string where = path + e.tag.str() + " (dcmdump line " + std::to_string(n.line) + ")";
    if (!vr_agrees(e.vr, n.vr))
        return ck.fail(where, std::string("VR ") + vr_name(e.vr) + " but dcmdump prints " + n.vr);
    // Keyword: dcmdump's dictionary against ours.
    const std::string kw = dict_keyword(e.tag);
    if (n.keyword == "Unknown Tag & Data") {
        if (!kw.empty() && !e.tag.is_private()) ck.fail(where, "dcmkit knows the keyword " + kw + ", DCMTK does not");
    } else if (n.keyword == "PrivateCreator") {
        if (!e.tag.is_private_creator()) ck.fail(where, "dcmdump says PrivateCreator");
    } else if (n.keyword == "GenericGroupLength" || n.keyword == "PrivateGroupLength") {
        if (!e.tag.is_group_length()) ck.fail(where, "dcmdump says " + n.keyword);
    } else if (n.keyword != kw) {
        ck.fail(where, "keyword " + kw + " but dcmdump prints " + n.keyword);
    }

    if (n.kind == DNode::Sequence) {
        if (e.vr != VR::SQ) return ck.fail(where, "dcmdump prints a sequence");
        if (n.undefined != e.undefined_length)
            ck.fail(where, std::string("dcmkit read a sequence of ") + (e.undefined_length ? "undefined" : "explicit") +
                               " length, dcmdump says " + (n.undefined ? "undefined" : "explicit"));
        if (n.vm != 1) ck.fail(where, "dcmdump VM of a sequence is " + std::to_string(n.vm));
        if (size_t(n.count) != e.items.size() || n.children.size() != e.items.size())
            return ck.fail(where, std::to_string(e.items.size()) + " items, dcmdump prints " + std::to_string(n.count));
        uint64_t total = 0;
        for (size_t k = 0; k < e.items.size(); ++k) {
            const DNode &in = n.children[k];
            const Dataset &item = e.items[k];
            const std::string iw = path + e.tag.str() + "[" + std::to_string(k) + "]";
            if (in.kind != DNode::Item) {
                ck.fail(iw, "dcmdump prints no item: " + in.source);
                continue;
            }
            // dcmkit keeps one length encoding per sequence; DCMTK writes all items of a sequence alike.
            if (in.undefined != e.undefined_length)
                ck.fail(iw, std::string("item of ") + (in.undefined ? "undefined" : "explicit") +
                                " length in a sequence dcmkit marks " + (e.undefined_length ? "undefined" : "explicit"));
            if (size_t(in.count) != item.size())
                ck.fail(iw, std::to_string(item.size()) + " elements, dcmdump prints #=" + std::to_string(in.count));
            if (!in.undefined && in.length != item_length(item, ck.ts))
                ck.fail(iw, "dcmkit's encoded size of the item is " + std::to_string(item_length(item, ck.ts)) +
                                ", its length in the file is " + std::to_string(in.length));
            total += 8 + item_length(item, ck.ts);
            ++ck.compared;
            compare_dataset(ck, item, in.children, iw + ".");
        }
        if (!n.undefined && n.length != total)
            ck.fail(where, "dcmkit's encoded size of the sequence is " + std::to_string(total) + ", its length in the file is " +
                               std::to_string(n.length));
        return;
    }
    if (n.kind == DNode::PixelSequence) {
        if (!e.is_encapsulated()) return ck.fail(where, "dcmdump prints a pixel sequence, dcmkit has no fragments");
        if (!n.undefined) ck.fail(where, "pixel sequence of defined length");
        if (size_t(n.count) != e.fragments.size() || n.children.size() != e.fragments.size())
            return ck.fail(where, std::to_string(e.fragments.size()) + " fragments (BOT included), dcmdump prints " +
                                      std::to_string(n.count));
        for (size_t k = 0; k < e.fragments.size(); ++k) {
            const DNode &f = n.children[k];
            const Bytes &b = e.fragments[k];
            const std::string fw = where + " fragment " + std::to_string(k);
            ++ck.compared;
            if (f.length != b.size()) ck.fail(fw, "length " + std::to_string(b.size()) + ", dcmdump prints " + std::to_string(f.length));
            if (hex_bytes(b.data(), b.size()) != f.text) ck.fail(fw, "bytes differ: dcmdump prints " + f.text);
        }
        return;
    }
    if (n.kind != DNode::Value && n.kind != DNode::NoValue) return ck.fail(where, "unexpected line: " + n.source);
    if (e.vr == VR::SQ || e.is_encapsulated()) return ck.fail(where, "dcmkit has a sequence, dcmdump prints " + n.source);
    if (n.undefined) return ck.fail(where, "dcmdump prints undefined length for a plain value");
    const bool converted = ck.mode == TextMode::Converted && vr_uses_charset(e.vr);
    const bool charset_el = ck.mode == TextMode::Converted && e.tag == tags::SpecificCharacterSet;
    if (!converted && !charset_el && n.length != e.value.size())
        ck.fail(where, "length " + std::to_string(e.value.size()) + ", dcmdump prints " + std::to_string(n.length));
    // VM. DCMTK prints VM 1 for an empty OB, OW, OF, OD, OL, OV or UN value (it counts those VRs as
    // one value always); dcmkit counts 0 for every empty value (PS3.5 6.4: a zero-length value has
    // no values).
    long want_vm = long(e.count());
    const bool other = e.vr == VR::OB || e.vr == VR::OW || e.vr == VR::OF || e.vr == VR::OD || e.vr == VR::OL ||
                       e.vr == VR::OV || e.vr == VR::UN;
    if (e.value.empty() && other) want_vm = 1;
    // In implicit VR, DCMTK leaves "US or OW" (lt) and "OB or OW" (ox) unresolved and counts them as
    // one OW value; dcmkit resolves LUT Data to US (PS3.6's first choice), 16-bit values each. The
    // words themselves are compared below.
    if ((n.vr == "lt" || n.vr == "ox") && !e.value.empty()) want_vm = 1;
    if (n.vm != want_vm && !charset_el)
        ck.fail(where, "VM " + std::to_string(e.count()) + ", dcmdump prints " + std::to_string(n.vm));
    if (n.kind == DNode::NoValue) {
        if (!e.value.empty()) ck.fail(where, "dcmdump prints no value, dcmkit has " + std::to_string(e.value.size()) + " bytes");
        return;
    }
    if (e.value.empty()) return ck.fail(where, "dcmkit has no value, dcmdump prints " + n.text);
    compare_value(ck, where, ds, e, n);
}

void compare_dataset(Checker &ck, const Dataset &ds, const std::vector<DNode> &nodes, const std::string &path) {
    auto it = ds.begin();
    size_t k = 0;
    for (; it != ds.end() && k < nodes.size(); ++it, ++k) {
        if (it->tag != nodes[k].tag) {
            return ck.fail(path + it->tag.str(), "dcmkit has " + it->tag.str() + " where dcmdump prints line " +
                                                     std::to_string(nodes[k].line) + ": " + nodes[k].source);
        }
        compare_element(ck, ds, *it, nodes[k], path);
    }
    if (it != ds.end()) ck.fail(path + it->tag.str(), "element not printed by dcmdump");
    if (k < nodes.size()) ck.fail(path, "dcmdump prints an element dcmkit does not have: " + nodes[k].source);
}

/// DCMTK's names for transfer syntaxes in "# Used TransferSyntax:".
std::string dcmtk_ts_name(const std::string &uid) {
    static const std::pair<const char *, const char *> kNames[] = {
        {"1.2.840.10008.1.2", "Little Endian Implicit"},
        {"1.2.840.10008.1.2.1", "Little Endian Explicit"},
        {"1.2.840.10008.1.2.2", "Big Endian Explicit"},
        {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian"},
        {"1.2.840.10008.1.2.5", "RLE Lossless"},
        {"1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-hierarchical, 1st Order Prediction"},
    };
    for (const auto &[u, name] : kNames)
        if (uid == u) return name;
    return "?";
}

/// Whether `ds` (or an item in it) holds `tag` as a sequence of undefined length whose VR no
/// dictionary gives.
bool has_unknown_undefined_sequence(const Dataset &ds, Tag tag) {
    for (const Element &e : ds) {
        if (e.tag == tag && e.vr == VR::SQ && e.undefined_length && !dict_find(tag)) return true;
        for (const Dataset &item : e.items)
            if (has_unknown_undefined_sequence(item, tag)) return true;
    }
    return false;
}

/// DCMTK's warning "Found element (gggg,eeee) with VR UN and undefined length, reading a sequence
/// with transfer syntax LittleEndianImplicit (CP-246)" is a note, printed for every implicit VR file
/// that holds a private (or otherwise unknown) sequence of undefined length, its own dcmconv +ti -e
/// output included. That encoding is what PS3.5 7.5 and 6.2.2 prescribe, so the note is not a
/// complaint about the file — as long as the element really is such a sequence.
bool is_implicit_unknown_sequence_note(const std::string &line, const DicomFile &file) {
    static const std::string head = "W: Found element (";
    static const std::string tail = ") with VR UN and undefined length, reading a sequence with transfer syntax LittleEndianImplicit (CP-246)";
    if (line.rfind(head, 0) != 0 || line.size() != head.size() + 9 + tail.size() ||
        line.compare(head.size() + 9, std::string::npos, tail) != 0)
        return false;
    if (file.syntax().explicit_vr) return false;
    try {
        return has_unknown_undefined_sequence(file.dataset, Tag::parse(line.substr(head.size(), 9)));
    } catch (const Error &) {
        return false;
    }
}

/// Runs dcmdump on `path` and compares every element it prints with `file`. `clean` also requires
/// dcmdump to print no errors or warnings.
size_t check_against_dcmdump(const std::string &dcmdump, const std::string &label, const std::string &path,
                             const DicomFile &file, bool clean) {
    size_t compared = 0;
    const std::string cs(trim_value(file.dataset.specific_character_set(), VR::CS));
    const bool native = cs.empty() || cs == "ISO_IR 6" || cs == "ISO_IR 192";
    std::vector<TextMode> modes = {native ? TextMode::Native : TextMode::Raw};
    if (!native) modes.push_back(TextMode::Converted);
    for (TextMode mode : modes) {
        // +L: values in full; -Un: UIDs as numbers; +Qn: control and non-ASCII bytes as &#N;, so
        // multi-line values stay on one line and the bytes are exact. Not -q: warnings must show.
        std::vector<std::string> argv = {dcmdump, "+L", "-Un", "+Qn"};
        if (mode == TextMode::Converted) argv.push_back("+U8");
        argv.push_back(path);
        ProcResult r = run(argv);
        const std::string what = label + (mode == TextMode::Converted ? " (dcmdump +U8)" : "");
        if (r.status != 0) {
            ADD_FAILURE() << what << ": '" << shell_words(argv) << "' exited with " << r.status << ":\n" << r.err;
            continue;
        }
        if (clean) {
            std::istringstream errs(r.err);
            std::string line;
            while (std::getline(errs, line))
                if ((line.rfind("E:", 0) == 0 || line.rfind("W:", 0) == 0 || line.rfind("F:", 0) == 0) &&
                    !is_implicit_unknown_sequence_note(line, file))
                    ADD_FAILURE() << what << ": DCMTK complains about dcmkit's output: " << line;
        }
        DumpDoc doc = parse_dump(r.out);
        if (!doc.error.empty()) {
            ADD_FAILURE() << what << ": cannot parse dcmdump's output: " << doc.error;
            continue;
        }
        Checker ck;
        ck.file = what;
        ck.mode = mode;
        ck.ts = TransferSyntax::from_uid(uids::ExplicitVRLittleEndian);  // the meta is explicit VR LE
        if (!doc.has_meta) ADD_FAILURE() << what << ": dcmdump prints no meta information";
        compare_dataset(ck, file.meta, doc.meta, "meta ");
        ck.ts = TransferSyntax::from_uid(file.transfer_syntax);
        if (doc.data_ts != dcmtk_ts_name(file.transfer_syntax))
            ck.fail("data set", "transfer syntax " + file.transfer_syntax + ", dcmdump reads it as " + doc.data_ts);
        compare_dataset(ck, file.dataset, doc.data, "");
        compared += ck.compared;
    }
    return compared;
}

// ================================================================================================
// dcmkit's round trips
// ================================================================================================

/// The group lengths (gggg,0000) of `ds` with the values dcmkit's encoder must give them in `ts`
/// (PS3.5 7.2: the length of the rest of the group as encoded).
void check_group_lengths(Checker &ck, const Dataset &ds, const TransferSyntax &ts, const std::string &path) {
    for (auto it = ds.begin(); it != ds.end(); ++it) {
        if (it->vr == VR::SQ)
            for (size_t k = 0; k < it->items.size(); ++k)
                check_group_lengths(ck, it->items[k], ts, path + it->tag.str() + "[" + std::to_string(k) + "].");
        if (!it->tag.is_group_length() || it->vr != VR::UL || it->value.size() != 4) continue;
        Dataset rest;
        for (auto jt = it + 1; jt != ds.end() && jt->tag.group() == it->tag.group(); ++jt) rest.set(*jt);
        const uint64_t want = encoded_size(rest, ts);
        const uint32_t have = load_u32le(it->value.data());
        if (have != want)
            ck.fail(path + it->tag.str(), "group length " + std::to_string(have) + ", the group encodes in " +
                                              std::to_string(want) + " bytes");
    }
}

/// Deep comparison of a dataset with what came back from a round trip. With `implicit_loss` (the
/// round trip went through implicit VR and the original had explicit VRs), an element's VR may come
/// back as the data dictionary's (PS3.5 A.1: implicit VR takes the VR from the dictionary), or UN
/// when the tag is private or unknown (PS3.5 6.2.2), with the same value bytes; a private sequence of
/// defined length comes back as UN holding its implicit VR encoding. With `group_lengths_differ`
/// (explicit <-> implicit VR), group length values are not compared here: check_group_lengths
/// checks them against the new encoding.
void diff_roundtrip(Checker &ck, const Dataset &a, const Dataset &b, const std::string &path, bool implicit_loss,
                    bool group_lengths_differ) {
    auto ia = a.begin();
    auto ib = b.begin();
    for (; ia != a.end() && ib != b.end(); ++ia, ++ib) {
        const std::string where = path + ia->tag.str();
        if (ia->tag != ib->tag) return ck.fail(where, "came back as " + ib->tag.str());
        if (ia->tag.is_group_length() && group_lengths_differ) continue;
        if (ia->vr != ib->vr) {
            const DictEntry *de = dict_find(ia->tag);
            bool ok = false;
            if (implicit_loss) {
                if (!de || de->vr == VR::None) ok = ib->vr == VR::UN;
                else ok = ib->vr == de->vr || (de->vr_alt != VR::None && ib->vr == de->vr_alt);
            }
            if (!ok) {
                ck.fail(where, std::string("VR ") + vr_name(ia->vr) + " came back as " + vr_name(ib->vr));
                continue;
            }
            if (ia->vr == VR::SQ) {
                if (!ib->items.empty() || ib->undefined_length) {
                    ck.fail(where, "sequence of unknown VR came back as a sequence");
                    continue;
                }
                Dataset one;
                one.set(*ia);
                VectorSink sink;
                write_dataset(sink, one, uids::ImplicitVRLittleEndian);
                const std::string want(reinterpret_cast<const char *>(sink.bytes.data()) + 8, sink.bytes.size() - 8);
                if (want != ib->value.str()) ck.fail(where, "UN value is not the implicit VR encoding of the sequence");
                continue;
            }
            if (ia->value.str() != ib->value.str()) ck.fail(where, "value bytes changed with the VR");
            continue;
        }
        if (ia->vr == VR::SQ) {
            if (ia->undefined_length != ib->undefined_length) ck.fail(where, "sequence length encoding changed");
            if (ia->items.size() != ib->items.size()) {
                ck.fail(where, std::to_string(ia->items.size()) + " items came back as " + std::to_string(ib->items.size()));
                continue;
            }
            for (size_t k = 0; k < ia->items.size(); ++k)
                diff_roundtrip(ck, ia->items[k], ib->items[k], where + "[" + std::to_string(k) + "].", implicit_loss,
                               group_lengths_differ);
            continue;
        }
        if (ia->fragments.size() != ib->fragments.size()) {
            ck.fail(where, "fragment count changed");
            continue;
        }
        for (size_t k = 0; k < ia->fragments.size(); ++k)
            if (ia->fragments[k].str() != ib->fragments[k].str()) ck.fail(where, "fragment " + std::to_string(k) + " changed");
        std::string_view va = ia->value.str(), vb = ib->value.str();
        if (vr_is_string(ia->vr)) {
            while (!va.empty() && (va.back() == ' ' || va.back() == '\0')) va.remove_suffix(1);
            while (!vb.empty() && (vb.back() == ' ' || vb.back() == '\0')) vb.remove_suffix(1);
        }
        if (va != vb) ck.fail(where, "value changed: " + value_text(a, *ia) + " -> " + value_text(b, *ib));
    }
    if (ia != a.end()) ck.fail(path + ia->tag.str(), "lost in the round trip");
    if (ib != b.end()) ck.fail(path + ib->tag.str(), "appeared in the round trip");
}

/// A deep copy without group length elements.
Dataset without_group_lengths(const Dataset &ds) {
    Dataset out = ds;
    std::vector<Tag> gone;
    for (Element &e : out) {
        if (e.tag.is_group_length()) gone.push_back(e.tag);
        for (Dataset &item : e.items) item = without_group_lengths(item);
    }
    for (Tag t : gone) out.remove(t);
    return out;
}

// ================================================================================================
// The tests
// ================================================================================================

class DcmtkCorpus : public ::testing::Test {
protected:
    static Corpus *corpus;
    static void SetUpTestSuite() {
        if (!corpus) corpus = build_corpus();
    }
    static void TearDownTestSuite() {
        delete corpus;
        corpus = nullptr;
    }
    void SetUp() override {
        if (!corpus->skip.empty()) GTEST_SKIP() << corpus->skip;
        ASSERT_TRUE(corpus->error.empty()) << corpus->error;
        ASSERT_GE(corpus->files.size(), 60u) << "the corpus is incomplete";
    }
};
Corpus *DcmtkCorpus::corpus = nullptr;

const std::vector<std::string> kUncompressed = {uids::ImplicitVRLittleEndian, uids::ExplicitVRLittleEndian,
                                                uids::ExplicitVRBigEndian, uids::DeflatedExplicitVRLittleEndian};

std::string short_ts(const std::string &uid) {
    if (uid == uids::ImplicitVRLittleEndian) return "implicit";
    if (uid == uids::ExplicitVRLittleEndian) return "explicit";
    if (uid == uids::ExplicitVRBigEndian) return "big";
    if (uid == uids::DeflatedExplicitVRLittleEndian) return "deflate";
    return uid;
}

TEST_F(DcmtkCorpus, CorpusCoversEveryTransferSyntaxAndVr) {
    std::set<std::string> syntaxes;
    std::set<VR> vrs;
    std::function<void(const Dataset &)> walk = [&](const Dataset &ds) {
        for (const Element &e : ds) {
            vrs.insert(e.vr);
            for (const Dataset &item : e.items) walk(item);
        }
    };
    for (const CorpusFile &f : corpus->files) {
        DicomFile file = read_file(f.path);
        syntaxes.insert(file.transfer_syntax);
        walk(file.dataset);
    }
    for (const auto &ts : kUncompressed) EXPECT_TRUE(syntaxes.count(ts)) << "no corpus file in " << ts;
    EXPECT_TRUE(syntaxes.count("1.2.840.10008.1.2.5")) << "no RLE file";
    for (const char *name : {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF",
                             "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN",
                             "UR", "US", "UT", "UV"})
        EXPECT_TRUE(vrs.count(vr_from_string(name))) << "no element of VR " << name << " in the corpus";
    std::printf("[ corpus   ] %zu files made by DCMTK in %.1f s (%zu transfer syntaxes)\n", corpus->files.size(),
                corpus->seconds, syntaxes.size());
}

/// dcmdump shows elements encoded as UN as UN (DCMTK does not re-read them with their dictionary VR
/// unless asked): read the corpus the same way, and so that an unchanged file writes back as it was
/// (dcmkit's default re-reads them with their VR, as pydicom does: reader_lenient_test).
ReadOptions as_dcmtk() {
    ReadOptions o;
    o.keep_un = true;
    return o;
}

TEST_F(DcmtkCorpus, EveryElementMatchesDcmdump) {
    size_t compared = 0;
    for (const CorpusFile &f : corpus->files) {
        SCOPED_TRACE(f.name);
        DicomFile file;
        try {
            file = read_file(f.path, as_dcmtk());
        } catch (const Error &e) {
            ADD_FAILURE() << f.name << ": dcmkit cannot read it: " << e.what();
            continue;
        }
        // DCMTK's own files: its warnings about them are not ours to judge (clean = false).
        compared += check_against_dcmdump(corpus->dcmdump, f.name, f.path, file, false);
    }
    std::printf("[ corpus   ] %zu elements of %zu files compared with dcmdump's\n", compared, corpus->files.size());
    EXPECT_GT(compared, 4000u);
}

TEST_F(DcmtkCorpus, RoundTripsThroughEveryUncompressedSyntax) {
    const std::string out_dir = corpus->dir->path() + "/out/";
    size_t files = 0, compared = 0;
    for (const CorpusFile &f : corpus->files) {
        SCOPED_TRACE(f.name);
        DicomFile in;
        try {
            in = read_file(f.path, as_dcmtk());
        } catch (const Error &e) {
            ADD_FAILURE() << f.name << ": dcmkit cannot read it: " << e.what();
            continue;
        }
        const TransferSyntax source = in.syntax();
        // Encapsulated pixel data cannot change to a native syntax without a codec: those files
        // are written back in their own syntax only.
        const std::vector<std::string> targets = source.encapsulated ? std::vector<std::string>{in.transfer_syntax} : kUncompressed;
        for (const std::string &target : targets) {
            const std::string label = f.name + " -> " + short_ts(target);
            const std::string out = out_dir + f.name + "." + short_ts(target) + ".dcm";
            WriteOptions wo;
            wo.transfer_syntax = target;
            wo.atomic = false;
            wo.fsync = false;
            DicomFile back;
            try {
                write_file(out, in, wo);
                back = read_file(out, as_dcmtk());
            } catch (const Error &e) {
                ADD_FAILURE() << label << ": " << e.what();
                continue;
            }
            EXPECT_EQ(back.transfer_syntax, target) << label;
            EXPECT_EQ(back.meta.get_string(tags::TransferSyntaxUID), target) << label;
            EXPECT_EQ(in.meta.get_string_or(tags::MediaStorageSOPInstanceUID, ""),
                      back.meta.get_string_or(tags::MediaStorageSOPInstanceUID, ""))
                << label;

            const TransferSyntax tts = TransferSyntax::from_uid(target);
            const bool implicit_loss = source.explicit_vr && !tts.explicit_vr;
            const bool gl_differ = source.explicit_vr != tts.explicit_vr;
            Checker ck;
            ck.file = label;
            diff_roundtrip(ck, in.dataset, back.dataset, "", implicit_loss, gl_differ);
            check_group_lengths(ck, back.dataset, tts, "");
            if (!implicit_loss) {
                // The library's own comparison must agree (group lengths depend on the encoding).
                std::string why;
                const bool eq = gl_differ ? without_group_lengths(in.dataset).equals(without_group_lengths(back.dataset), &why)
                                          : in.dataset.equals(back.dataset, &why);
                EXPECT_TRUE(eq) << label << ": Dataset::equals: " << why;
            }
            // DCMTK must read our file without complaint, and see what we see.
            compared += check_against_dcmdump(corpus->dcmdump, label + " (dcmkit's output)", out, back, true);
            ++files;

            // And back to the original syntax.
            WriteOptions wo2;
            wo2.transfer_syntax = in.transfer_syntax;
            try {
                std::vector<uint8_t> bytes = write_memory(back, wo2);
                DicomFile again = read_memory(bytes.data(), bytes.size(), as_dcmtk());
                EXPECT_EQ(again.transfer_syntax, in.transfer_syntax) << label;
                std::string why;
                const bool eq = gl_differ ? without_group_lengths(back.dataset).equals(without_group_lengths(again.dataset), &why)
                                          : back.dataset.equals(again.dataset, &why);
                EXPECT_TRUE(eq) << label << " -> " << short_ts(in.transfer_syntax) << ": Dataset::equals: " << why;
                Checker ck2;
                ck2.file = label + " -> " + short_ts(in.transfer_syntax);
                diff_roundtrip(ck2, back.dataset, again.dataset, "", false, gl_differ);
                if (!implicit_loss) diff_roundtrip(ck2, in.dataset, again.dataset, "", false, false);
            } catch (const Error &e) {
                ADD_FAILURE() << label << " -> " << short_ts(in.transfer_syntax) << ": " << e.what();
            }
        }
    }
    std::printf("[ corpus   ] %zu files written by dcmkit, %zu elements compared with dcmdump's\n", files, compared);
    EXPECT_GT(files, 250u);
}

TEST_F(DcmtkCorpus, UnchangedFilesWriteBackByteIdentical) {
    int checked = 0;
    for (const CorpusFile &f : corpus->files) {
        SCOPED_TRACE(f.name);
        if (!f.dcmtk_written) continue;
        DicomFile in = read_file(f.path, as_dcmtk());
        // Deflate output depends on the compressor's choices; every other syntax must be identical.
        if (in.syntax().deflated) continue;
        const std::string original = read_bytes(f.path);
        std::vector<uint8_t> bytes = write_memory(in);
        const std::string written(bytes.begin(), bytes.end());
        ++checked;
        if (written == original) continue;
        size_t at = 0;
        while (at < written.size() && at < original.size() && written[at] == original[at]) ++at;
        ADD_FAILURE() << f.name << " (" << short_ts(in.transfer_syntax) << "): written back " << written.size()
                      << " bytes, the original has " << original.size() << "; first difference at byte " << at;
    }
    std::printf("[ corpus   ] %d files written back byte for byte\n", checked);
    EXPECT_GT(checked, 40);
}

}  // namespace
