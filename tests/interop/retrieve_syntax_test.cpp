// C-GET without forcing the peer to transcode: `dcmkit get` proposes, for each storage SOP class,
// every syntax we can store, so compressed instances come back as the source holds them (byte for
// byte, in their own transfer syntax) from DCMTK's dcmqrscp and from `dcmkit serve`; --uncompressed
// asks the source to decode them instead.
//
// The compressed files are made by peers (gdcmconv --j2k, dcmcjpls, dcmcjpeg +e1), and what
// "the same" means is decided by dcmdump: the received file's dataset dumps exactly as the
// original's, and its meta names the original's transfer syntax.
#include <gtest/gtest.h>

#include <dirent.h>

#include <map>
#include <string>
#include <vector>

#include "peer.h"

using dk_test::Child;
using dk_test::TempDir;

namespace {

constexpr const char *kStudy = "1.2.826.0.1.3680043.10.543.77";

struct Original {
    std::string path, sop, transfer_syntax;
    std::string storescu_option;  ///< what makes storescu propose that syntax
};

/// A 64x64 12-bit CT image per codec, compressed by a peer tool, in one study. (The codecs are the
/// syntaxes archives keep most, which get presentation contexts of their own for every image class.)
std::vector<Original> make_originals(const TempDir &tmp) {
    std::string raw;
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) {
            const int v = (x * 61 + y * 17 + (x * y) % 29) & 0x0FFF;
            raw.push_back(char(v & 0xFF));
            raw.push_back(char(v >> 8));
        }
    const std::string dir = tmp.sub("in");
    dk_test::write_bytes(dir + "/pixels.raw", raw);
    struct Codec { const char *name, *ts, *storescu_option; std::vector<std::string> argv; };
    const std::vector<Codec> codecs = {
        {"j2k", "1.2.840.10008.1.2.4.90", "-xv", {"gdcmconv", "--j2k"}},
        {"jls", "1.2.840.10008.1.2.4.80", "-xt", {"dcmcjpls"}},
        {"sv1", "1.2.840.10008.1.2.4.70", "-xs", {"dcmcjpeg", "+e1"}},
    };
    std::vector<Original> out;
    int k = 0;
    for (const Codec &c : codecs) {
        Original o;
        o.sop = std::string(kStudy) + ".1." + std::to_string(++k);
        o.transfer_syntax = c.ts;
        o.storescu_option = c.storescu_option;
        const std::string native = dir + "/" + c.name + "-native.dcm";
        const std::string dump = std::string(
            "(0002,0010) UI [1.2.840.10008.1.2.1]\n"
            "(0008,0016) UI [1.2.840.10008.5.1.4.1.1.2]\n(0008,0018) UI [") + o.sop + "]\n"
            "(0008,0060) CS [CT]\n(0010,0010) PN [CODEC^" + c.name + "]\n(0010,0020) LO [RS-1]\n"
            "(0020,000d) UI [" + kStudy + "]\n(0020,000e) UI [" + kStudy + ".1]\n(0020,0013) IS [" +
            std::to_string(k) + "]\n(0028,0002) US 1\n(0028,0004) CS [MONOCHROME2]\n(0028,0010) US 64\n"
            "(0028,0011) US 64\n(0028,0100) US 16\n(0028,0101) US 12\n(0028,0102) US 11\n(0028,0103) US 0\n"
            "(7fe0,0010) OW =" + dir + "/pixels.raw\n";
        dk_test::write_bytes(native + ".txt", dump);
        dk_test::tool({"dump2dcm", native + ".txt", native});
        o.path = dir + "/" + c.name + ".dcm";
        std::vector<std::string> argv = c.argv;
        argv.push_back(native);
        argv.push_back(o.path);
        dk_test::tool(argv);
        out.push_back(o);
    }
    return out;
}

/// What dcmdump says of a file: its dataset, every value in full, and the meta's transfer syntax.
struct Dump {
    std::string dataset, transfer_syntax;
};
Dump dump_of(const std::string &path) {
    const std::string text = dk_test::tool({"dcmdump", "-Un", "+L", path});
    Dump d;
    d.dataset = text.substr(std::min(text.size(), text.find("# Dicom-Data-Set")));
    const std::string meta = dk_test::tool({"dcmdump", "-Un", "+P", "0002,0010", path});
    const size_t a = meta.find('['), b = meta.find(']', a);
    if (a != std::string::npos && b != std::string::npos) d.transfer_syntax = meta.substr(a + 1, b - a - 1);
    return d;
}

/// Files in `dir` by the SOP Instance UID dcmdump reads from them.
std::map<std::string, std::string> files_by_sop(const std::string &dir) {
    std::map<std::string, std::string> out;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            const std::string p = dir + "/" + e->d_name;
            const std::string t = dk_test::tool({"dcmdump", "+P", "0008,0018", p});
            const size_t a = t.find('['), b = t.find(']', a);
            if (a != std::string::npos && b != std::string::npos) out[t.substr(a + 1, b - a - 1)] = p;
        }
        ::closedir(d);
    }
    return out;
}

dk_test::ProcResult dcmkit_get(uint16_t port, const std::string &aec, const std::string &out, bool uncompressed = false) {
    std::vector<std::string> argv = {DCMKIT_CLI, "get", "127.0.0.1", std::to_string(port), "-aec", aec, "--out", out,
                                     "-k", "QueryRetrieveLevel=STUDY", "-k", std::string("StudyInstanceUID=") + kStudy};
    if (uncompressed) argv.push_back("--uncompressed");
    return dk_test::run(argv, 60000);
}

/// Each original came back once, in its own syntax, its dataset as dcmdump reads the original.
void expect_same_as_originals(const std::vector<Original> &originals, const std::string &dir) {
    const auto got = files_by_sop(dir);
    ASSERT_EQ(got.size(), originals.size());
    for (const Original &o : originals) {
        auto it = got.find(o.sop);
        ASSERT_NE(it, got.end()) << o.sop;
        const Dump want = dump_of(o.path), have = dump_of(it->second);
        EXPECT_EQ(want.transfer_syntax, o.transfer_syntax) << "the peer tool made another syntax";
        EXPECT_EQ(have.transfer_syntax, o.transfer_syntax) << o.path;
        EXPECT_EQ(have.dataset, want.dataset) << o.path;
    }
}

/// storescu sends the file in its own syntax (it has no codec to change it).
dk_test::ProcResult store(const Original &o, uint16_t port, const std::string &aec) {
    return dk_test::run({"storescu", o.storescu_option, "-aec", aec, "-to", "10", "127.0.0.1", std::to_string(port), o.path});
}

bool have_tools() {
    return dk_test::have_tools({"dcmqrscp", "storescu", "dump2dcm", "dcmdump", "dcmcjpls", "dcmcjpeg",
                                "dcmdjpls", "gdcmconv"});
}

TEST(GetKeepsTheSourceSyntax, FromDcmkitServe) {
    if (!have_tools()) GTEST_SKIP() << "DCMTK and GDCM tools not installed";
    TempDir tmp{"dcmkit-retrieve"};
    const auto originals = make_originals(tmp);
    Child server;
    const uint16_t port = dk_test::start_server(server, [&](uint16_t p) {
        return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", tmp.sub("archive"),
                                        "-aet", "ARCH"};
    }, tmp / "serve.log");
    ASSERT_NE(port, 0) << server.log();
    dk_test::ProcResult r;
    for (const auto &o : originals) {
        r = store(o, port, "ARCH");
        ASSERT_EQ(r.status, 0) << r.all() << server.log();
    }

    // Every syntax proposed: the archive sends each file as it holds it.
    const std::string got = tmp.sub("got");
    r = dcmkit_get(port, "ARCH", got);
    ASSERT_EQ(r.status, 0) << r.all() << server.log();
    expect_same_as_originals(originals, got);

    // --uncompressed: the archive decodes; the pixels are what DCMTK decodes from the JPEG-LS file.
    const std::string native = tmp.sub("native");
    r = dcmkit_get(port, "ARCH", native, /*uncompressed=*/true);
    ASSERT_EQ(r.status, 0) << r.all() << server.log();
    const auto files = files_by_sop(native);
    ASSERT_EQ(files.size(), originals.size());
    for (const auto &[sop, path] : files) {
        const std::string ts = dump_of(path).transfer_syntax;
        EXPECT_TRUE(ts == "1.2.840.10008.1.2.1" || ts == "1.2.840.10008.1.2" || ts == "1.2.840.10008.1.2.2" ||
                    ts == "1.2.840.10008.1.2.1.99")
            << sop << " arrived in " << ts;
    }
    const Original &jls = originals[1];
    dk_test::tool({"dcmdjpls", jls.path, tmp / "jls-dcmtk.dcm"});
    auto pixels = [](const std::string &p) { return dk_test::tool({"dcmdump", "+L", "+P", "7fe0,0010", p}); };
    EXPECT_EQ(pixels(files.at(jls.sop)), pixels(tmp / "jls-dcmtk.dcm"));
    server.stop();
}

TEST(GetKeepsTheSourceSyntax, FromDcmqrscp) {
    if (!have_tools()) GTEST_SKIP() << "DCMTK and GDCM tools not installed";
    TempDir tmp{"dcmkit-retrieve"};
    const auto all = make_originals(tmp);
    // dcmqrscp sends on the first context it accepted for a SOP class and decodes nothing, so it
    // holds one compressed syntax here: JPEG 2000, which it accepts with +xv.
    const std::vector<Original> originals = {all[0]};
    const std::string db = tmp.sub("db");
    Child qrscp;
    const uint16_t port = dk_test::start_server(qrscp, [&](uint16_t p) {
        dk_test::write_bytes(tmp / "dcmqrscp.cfg",
                             "NetworkTCPPort = " + std::to_string(p) +
                                 "\nMaxPDUSize = 16384\nMaxAssociations = 16\nHostTable BEGIN\nHostTable END\n"
                                 "VendorTable BEGIN\nVendorTable END\nAETable BEGIN\nQRSCP " + db +
                                 " RW (100, 64mb) ANY\nAETable END\n");
        return std::vector<std::string>{"dcmqrscp", "+xv", "-c", tmp / "dcmqrscp.cfg", std::to_string(p)};
    }, tmp / "dcmqrscp.log");
    ASSERT_NE(port, 0) << qrscp.log();
    auto r = store(originals[0], port, "QRSCP");
    ASSERT_EQ(r.status, 0) << r.all() << qrscp.log();

    const std::string got = tmp.sub("got");
    r = dcmkit_get(port, "QRSCP", got);
    ASSERT_EQ(r.status, 0) << r.all() << qrscp.log();
    expect_same_as_originals(originals, got);
    qrscp.stop();
}

}  // namespace
