// What a Storage SCP accepts: `dcmkit recv` and `dcmkit serve` refuse, with a status and an Error
// Comment (0000,0902) naming the problem and without leaving a file (or an index entry), a C-STORE
// whose dataset does not parse completely in the context's transfer syntax (cut inside Pixel Data,
// a Pixel Data length past the end, native Pixel Data shorter than Rows x Columns x …, encapsulated
// Pixel Data on a native context and native on an encapsulated one), an invalid SOP Instance UID,
// a dataset that is another instance than the command announces, a dataset over the size limit and
// a file system below its free space reserve. At start, `dcmkit serve` checks the files an
// interruption left unindexed the same way and removes partial `.incoming-*` files.
//
// Test files are made by dump2dcm and dcmcrle, then cut or patched byte by byte; DCMTK's storescu
// sends what it can read, our SCU sends the raw bytes it cannot.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/dataset.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/dimse.h"
#include "dcmkit/services/services.h"
#include "peer.h"

using namespace dcmkit;
namespace net = dcmkit::net;
using dk_test::Child;
using dk_test::TempDir;

namespace {

constexpr const char *kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char *kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char *kRle = "1.2.840.10008.1.2.5";
constexpr const char *kGoodUid = "1.2.826.0.1.3680043.10.771.1";

#define REQUIRE_DCMTK()                                                                          \
    do {                                                                                         \
        if (!dk_test::have_tools({"storescu", "dump2dcm", "dcmcrle"})) GTEST_SKIP() << "DCMTK tools not installed"; \
    } while (0)

std::vector<std::string> list_dir(const std::string &dir) {
    std::vector<std::string> out;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) out.push_back(e->d_name);
        ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool exists(const std::string &path) { return ::access(path.c_str(), F_OK) == 0; }

/// A small tmpfs (a disk that fills up for real), mounted when the test may mount (root), else
/// `ok` is false and the test is skipped. Unmounted on destruction.
struct SmallDisk {
    std::string path;
    bool ok = false;
    SmallDisk(const std::string &where, const std::string &size) : path(where) {
        ::mkdir(path.c_str(), 0755);
        ok = ::mount("dcmkit-test", path.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    }
    ~SmallDisk() {
        if (ok) ::umount2(path.c_str(), MNT_DETACH);
    }
};

/// A CT instance made by dump2dcm in explicit VR little endian: rows x cols, 16 bits allocated,
/// with `pixel_bytes` bytes of Pixel Data (fewer than rows*cols*2 makes a short one).
std::string make_ct(const TempDir &tmp, const std::string &name, const std::string &uid, int rows, int cols,
                    size_t pixel_bytes) {
    std::string px(pixel_bytes, '\0');
    for (size_t i = 0; i < px.size(); ++i) px[i] = char((i * 7) & 0x0F);
    dk_test::write_bytes(tmp / (name + ".raw"), px);
    const std::string dump = std::string("(0008,0016) UI [") + kCt + "]\n(0008,0018) UI [" + uid +
                             "]\n(0008,0020) DA [20260101]\n(0008,0060) CS [CT]\n(0010,0010) PN [Doe^John]\n"
                             "(0010,0020) LO [P77]\n(0020,000d) UI [1.2.826.0.1.3680043.10.771.100]\n"
                             "(0020,000e) UI [1.2.826.0.1.3680043.10.771.101]\n(0028,0002) US 1\n"
                             "(0028,0004) CS [MONOCHROME2]\n(0028,0010) US " + std::to_string(rows) +
                             "\n(0028,0011) US " + std::to_string(cols) +
                             "\n(0028,0100) US 16\n(0028,0101) US 12\n(0028,0102) US 11\n(0028,0103) US 0\n"
                             "(7fe0,0010) OW =" + tmp / (name + ".raw") + "\n";
    dk_test::write_bytes(tmp / (name + ".dump"), dump);
    const std::string out = tmp / (name + ".dcm");
    dk_test::tool({"dump2dcm", "-q", "+te", tmp / (name + ".dump"), out});
    return out;
}

/// The encoded dataset of a Part 10 file (what goes on the wire), found through its meta header.
std::string dataset_bytes(const std::string &path) {
    ReadOptions ro;
    ro.stop_before_pixels = true;
    const DicomFile f = read_file(path, ro);
    return dk_test::read_bytes(path).substr(size_t(f.dataset_offset));
}

/// Offset of the top-level Pixel Data element header (explicit VR little endian) in `ds`.
size_t pixel_header(const std::string &ds) {
    const std::string ow("\xe0\x7f\x10\x00OW", 6), ob("\xe0\x7f\x10\x00OB", 6);
    size_t at = ds.rfind(ow);
    if (at == std::string::npos) at = ds.rfind(ob);
    return at;
}

struct Reply {
    uint16_t status = 0xFFFF;
    std::string comment;
};

net::AeConfig scu(const std::string &ts) {
    net::AeConfig c;
    c.ae_title = "CHECKSCU";
    c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 10000;
    c.log_level = net::LogLevel::error;
    c.log = [](net::LogLevel, const std::string &) {};
    c.add(kCt, {ts}, false, true);
    return c;
}

/// A C-STORE-RQ for `uid` whose dataset is the raw bytes `ds`, on the context for `ts`.
Reply store_raw(net::Association &assoc, const std::string &ts, const std::string &uid, const std::string &ds) {
    const net::PresentationContext *pc = assoc.find_accepted(kCt, ts);
    if (!pc) throw Error(Errc::refused, "no context for " + ts);
    Dataset cmd = net::dimse::request(net::dimse::C_STORE_RQ, assoc.next_message_id(), kCt, true);
    cmd.set_string(net::dimse::tag::AffectedSOPInstanceUID, uid, VR::UI);
    cmd.set_int(net::dimse::tag::Priority, 0, VR::US);
    assoc.send_command(pc->id, cmd);
    assoc.send_dataset_bytes(pc->id, reinterpret_cast<const uint8_t *>(ds.data()), ds.size());
    auto rsp = assoc.receive_command(10000);
    if (!rsp) throw Error(Errc::aborted, "released instead of answering");
    Reply r;
    r.status = uint16_t(rsp->fields.get_int_opt(net::dimse::tag::Status).value_or(0xFFFF));
    r.comment = net::dimse::error_comment(rsp->fields);
    return r;
}

/// `dcmkit recv` or `dcmkit serve` on a free port; `files` is where accepted instances land.
struct Scp {
    std::string kind, root, files;
    Child child;
    uint16_t port = 0;

    Scp(const TempDir &tmp, const std::string &which, std::vector<std::string> extra = {}) : kind(which) {
        root = tmp.sub(which);
        files = kind == "recv" ? root : root + "/files";
        start(tmp, extra);
    }
    void start(const TempDir &tmp, const std::vector<std::string> &extra) {
        port = dk_test::start_server(child, [&](uint16_t p) {
            std::vector<std::string> argv = {DCMKIT_CLI, kind, std::to_string(p), kind == "recv" ? "--out" : "--storage",
                                             root, "--bind", "127.0.0.1", "-aet", "CHECKSCP"};
            argv.insert(argv.end(), extra.begin(), extra.end());
            return argv;
        }, tmp / (kind + ".log"));
    }
    /// Files in the folder instances are stored in (without the archive's own).
    std::vector<std::string> stored() const { return list_dir(files); }
    /// For serve: whether the index holds `uid` (read after the server stopped).
    bool indexed(const std::string &uid) const {
        archive::SqliteIndex index(root);
        return index.verify(kCt, uid) != archive::Verification::not_found;
    }
};

/// storescu -d (so that the response's Error Comment is printed), going on after failures.
dk_test::ProcResult storescu(uint16_t port, const std::vector<std::string> &files) {
    std::vector<std::string> argv = {"storescu", "-d", "--no-halt", "-aec", "CHECKSCP", "-to", "10", "-ta", "10",
                                     "-td", "10", "127.0.0.1", std::to_string(port)};
    argv.insert(argv.end(), files.begin(), files.end());
    return dk_test::run(argv, 60000);
}

}  // namespace

// -------------------------------------------------------------------------------------------------
// Datasets that do not parse completely

TEST(StoreChecks, StorescuShortPixelDataIsRefusedByRecvAndServe) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    // 64 x 64 x 16 bits needs 8192 bytes (PS3.5 8.1.1); this one holds 4000.
    const std::string shorty = make_ct(tmp, "short", "1.2.826.0.1.3680043.10.771.2", 64, 64, 4000);
    const std::string good = make_ct(tmp, "good", kGoodUid, 64, 64, 8192);
    for (const char *kind : {"recv", "serve"}) {
        SCOPED_TRACE(kind);
        Scp scp(tmp, kind);
        ASSERT_NE(scp.port, 0) << scp.child.log();
        const dk_test::ProcResult r = storescu(scp.port, {shorty, good});
        EXPECT_NE(r.all().find("0xc000"), std::string::npos) << r.all();
        EXPECT_NE(r.all().find("[Pixel Data has 4000 bytes of 8192 needed]"), std::string::npos) << r.all();
        scp.child.stop();
        EXPECT_EQ(scp.stored(), std::vector<std::string>{std::string(kGoodUid) + ".dcm"}) << scp.child.log();
        if (scp.kind == "serve") {
            EXPECT_FALSE(scp.indexed("1.2.826.0.1.3680043.10.771.2"));
            EXPECT_TRUE(scp.indexed(kGoodUid));
        }
    }
}

TEST(StoreChecks, DcmkitSendThroughTheAsynchronousWindowGetsTheComment) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    // dcmkit send negotiates an asynchronous operations window with recv (PS3.7 D.3.3.3): the
    // responses are then sent by recv's finishing thread, which must carry the comment too.
    const std::string shorty = make_ct(tmp, "short", "1.2.826.0.1.3680043.10.771.2", 64, 64, 4000);
    const std::string good = make_ct(tmp, "good", kGoodUid, 64, 64, 8192);
    Scp scp(tmp, "recv");
    ASSERT_NE(scp.port, 0) << scp.child.log();
    const dk_test::ProcResult r = dk_test::run({DCMKIT_CLI, "send", "127.0.0.1", std::to_string(scp.port), "-aec",
                                                "CHECKSCP", "-v", shorty, good}, 60000);
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(r.all().find("C000H Error: Cannot understand: Pixel Data has 4000 bytes of 8192 needed"), std::string::npos)
        << r.all();
    scp.child.stop();
    EXPECT_EQ(scp.stored(), std::vector<std::string>{std::string(kGoodUid) + ".dcm"}) << scp.child.log();
}

TEST(StoreChecks, DatasetsCutInsidePixelDataAreRefused) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    const std::string ds = dataset_bytes(make_ct(tmp, "ct", "1.2.826.0.1.3680043.10.771.3", 64, 64, 8192));
    const size_t px = pixel_header(ds);
    ASSERT_NE(px, std::string::npos);
    ASSERT_EQ(ds.size(), px + 12 + 8192);
    struct Case {
        const char *what;
        std::string bytes;
        const char *comment;  // in the Error Comment
    };
    std::string longer = ds;  // Pixel Data length 8292: runs 100 bytes past the end of the dataset
    longer[px + 8] = char(0x64);
    longer[px + 9] = char(0x20);
    const std::vector<Case> cases = {
        {"cut in the middle of the value", ds.substr(0, px + 12 + 4000), "Pixel Data"},
        // (two: a sender pads an odd message with a zero byte, PS3.8 does not allow odd fragments)
        {"cut two bytes short", ds.substr(0, ds.size() - 2), "Pixel Data"},
        {"cut right after the element header", ds.substr(0, px + 12), "Pixel Data"},
        {"cut inside the element header", ds.substr(0, px + 8), "cut short"},
        {"length past the end", longer, "runs past the end"},
    };
    const std::string good = dataset_bytes(make_ct(tmp, "good", kGoodUid, 8, 8, 128));
    for (const char *kind : {"recv", "serve"}) {
        SCOPED_TRACE(kind);
        Scp scp(tmp, kind);
        ASSERT_NE(scp.port, 0) << scp.child.log();
        {
            auto assoc = net::Association::connect(scu(kExplicitLE), "127.0.0.1", scp.port, "CHECKSCP");
            for (const Case &c : cases) {
                SCOPED_TRACE(c.what);
                const Reply r = store_raw(*assoc, kExplicitLE, "1.2.826.0.1.3680043.10.771.3", c.bytes);
                EXPECT_EQ(r.status, net::dimse::status::CannotUnderstand);
                EXPECT_NE(r.comment.find(c.comment), std::string::npos) << r.comment;
                EXPECT_LE(r.comment.size(), 64u);
            }
            // The association is still usable.
            EXPECT_EQ(store_raw(*assoc, kExplicitLE, kGoodUid, good).status, 0);
            assoc->release();
        }
        scp.child.stop();
        EXPECT_EQ(scp.stored(), std::vector<std::string>{std::string(kGoodUid) + ".dcm"}) << scp.child.log();
        if (scp.kind == "serve") {
            EXPECT_FALSE(scp.indexed("1.2.826.0.1.3680043.10.771.3"));
        }
    }
}

TEST(StoreChecks, PixelDataEncodingMustMatchTheContext) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    const std::string native_file = make_ct(tmp, "ct", "1.2.826.0.1.3680043.10.771.4", 64, 64, 8192);
    dk_test::tool({"dcmcrle", "-q", native_file, tmp / "rle.dcm"});
    const std::string native = dataset_bytes(native_file), rle = dataset_bytes(tmp / "rle.dcm");
    ASSERT_EQ(read_file(tmp / "rle.dcm").transfer_syntax, kRle);
    Scp scp(tmp, "recv");
    ASSERT_NE(scp.port, 0) << scp.child.log();
    {
        // RLE fragments on an explicit VR little endian context (what storescu cannot send: it
        // would decode them).
        auto assoc = net::Association::connect(scu(kExplicitLE), "127.0.0.1", scp.port, "CHECKSCP");
        const Reply r = store_raw(*assoc, kExplicitLE, "1.2.826.0.1.3680043.10.771.4", rle);
        EXPECT_EQ(r.status, net::dimse::status::CannotUnderstand);
        EXPECT_EQ(r.comment, "encapsulated Pixel Data in a native transfer syntax");
        assoc->release();
    }
    {
        auto assoc = net::Association::connect(scu(kRle), "127.0.0.1", scp.port, "CHECKSCP");
        Reply r = store_raw(*assoc, kRle, "1.2.826.0.1.3680043.10.771.4", native);
        EXPECT_EQ(r.status, net::dimse::status::CannotUnderstand);
        EXPECT_EQ(r.comment, "native Pixel Data in an encapsulated transfer syntax");
        // Fragments cut short: the last fragment, or the Sequence Delimitation Item, missing.
        r = store_raw(*assoc, kRle, "1.2.826.0.1.3680043.10.771.4", rle.substr(0, rle.size() - 8));
        EXPECT_EQ(r.status, net::dimse::status::CannotUnderstand);
        EXPECT_NE(r.comment.find("Pixel Data"), std::string::npos) << r.comment;
        r = store_raw(*assoc, kRle, "1.2.826.0.1.3680043.10.771.4", rle.substr(0, rle.size() - 100));
        EXPECT_EQ(r.status, net::dimse::status::CannotUnderstand);
        EXPECT_NE(r.comment.find("Pixel Data"), std::string::npos) << r.comment;
        // The complete one is stored.
        EXPECT_EQ(store_raw(*assoc, kRle, "1.2.826.0.1.3680043.10.771.4", rle).status, 0);
        assoc->release();
    }
    scp.child.stop();
    EXPECT_EQ(scp.stored(), std::vector<std::string>{"1.2.826.0.1.3680043.10.771.4.dcm"});
    EXPECT_EQ(read_file(scp.files + "/1.2.826.0.1.3680043.10.771.4.dcm").transfer_syntax, kRle);
}

// -------------------------------------------------------------------------------------------------
// SOP Instance UIDs

TEST(StoreChecks, InvalidSopInstanceUidsAreRefusedWithoutAFile) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    const std::vector<std::string> bad = {"../x", "/abs", "1.2.826.0.1.3680043.10.771.5.1234567890.1234567890.1234567890.123",
                                          "1.2.840.x", "1.2..3"};
    ASSERT_GT(bad[2].size(), 64u);
    for (const char *kind : {"serve", "recv"}) {
        SCOPED_TRACE(kind);
        Scp scp(tmp, kind);
        ASSERT_NE(scp.port, 0) << scp.child.log();
        {
            auto assoc = net::Association::connect(scu(kExplicitLE), "127.0.0.1", scp.port, "CHECKSCP");
            int n = 0;
            for (const std::string &uid : bad) {
                SCOPED_TRACE(uid);
                // The dataset says the same UID as the command (dump2dcm writes it as given).
                const std::string ds = dataset_bytes(make_ct(tmp, "bad" + std::to_string(++n), uid, 8, 8, 128));
                const Reply r = store_raw(*assoc, kExplicitLE, uid, ds);
                EXPECT_EQ(r.status, net::dimse::status::InvalidSOPInstance) << std::hex << r.status;
                EXPECT_EQ(r.comment.rfind("invalid Affected SOP Instance UID", 0), 0u) << r.comment;
            }
            assoc->release();
        }
        scp.child.stop();
        EXPECT_TRUE(scp.stored().empty()) << ::testing::PrintToString(scp.stored());
        EXPECT_FALSE(exists(tmp.path() + "/x.dcm"));
        if (scp.kind == "serve") {
            // Nothing for a restart to index either.
            scp.start(tmp, {});
            ASSERT_NE(scp.port, 0) << scp.child.log();
            scp.child.stop();
            EXPECT_TRUE(scp.stored().empty()) << ::testing::PrintToString(scp.stored());
            for (const std::string &uid : bad) EXPECT_FALSE(scp.indexed(uid)) << uid;
        }
    }
}

TEST(StoreChecks, AnotherInstanceThanTheCommandSaysHasItsOwnComment) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    const std::string ds = dataset_bytes(make_ct(tmp, "ct", "1.2.826.0.1.3680043.10.771.6", 8, 8, 128));
    Scp scp(tmp, "serve");
    ASSERT_NE(scp.port, 0) << scp.child.log();
    auto assoc = net::Association::connect(scu(kExplicitLE), "127.0.0.1", scp.port, "CHECKSCP");
    const Reply r = store_raw(*assoc, kExplicitLE, "1.2.826.0.1.3680043.10.771.7", ds);
    // PS3.4 B.2.3 has no code of its own for it: A900, with a comment that says what differs.
    EXPECT_EQ(r.status, net::dimse::status::DataSetDoesNotMatchSOPClass);
    EXPECT_EQ(r.comment, "dataset SOP Instance UID differs from Affected SOP Instance UID");
    assoc->release();
    scp.child.stop();
    EXPECT_TRUE(scp.stored().empty());
}

// -------------------------------------------------------------------------------------------------
// Re-indexing at start

TEST(StoreChecks, ServeChecksUnindexedFilesAtStartAsACStore) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    Scp scp(tmp, "serve");
    ASSERT_NE(scp.port, 0) << scp.child.log();
    scp.child.stop();
    // What an interruption, or an older version, can leave in the files folder.
    const std::string orphan = "1.2.826.0.1.3680043.10.771.8";
    auto copy = [&](const std::string &from, const std::string &name, size_t cut = 0) {
        std::string b = dk_test::read_bytes(from);
        if (cut) b.resize(b.size() - cut);
        dk_test::write_bytes(scp.files + "/" + name, b);
    };
    copy(make_ct(tmp, "orphan", orphan, 8, 8, 128), orphan + ".dcm");                      // good: indexed
    copy(make_ct(tmp, "raw", "../x", 8, 8, 128), "invalid-uid-2.25.1234.dcm");             // raw UID
    copy(make_ct(tmp, "cut", "1.2.826.0.1.3680043.10.771.9", 64, 64, 8192), "1.2.826.0.1.3680043.10.771.9.dcm", 500);
    copy(make_ct(tmp, "other", "1.2.826.0.1.3680043.10.771.10", 8, 8, 128), "1.2.826.0.1.3680043.10.771.11.dcm");
    dk_test::write_bytes(scp.files + "/.incoming-AbC123", std::string(1000, 'x'));
    scp.start(tmp, {});
    ASSERT_NE(scp.port, 0) << scp.child.log();
    scp.child.stop();
    EXPECT_EQ(scp.stored(), std::vector<std::string>{orphan + ".dcm"}) << scp.child.log();
    EXPECT_EQ(list_dir(scp.root + "/quarantine"),
              (std::vector<std::string>{"1.2.826.0.1.3680043.10.771.11.dcm", "1.2.826.0.1.3680043.10.771.9.dcm",
                                        "invalid-uid-2.25.1234.dcm"}))
        << scp.child.log();
    EXPECT_TRUE(scp.indexed(orphan));
    for (const char *uid : {"../x", "1.2.826.0.1.3680043.10.771.9", "1.2.826.0.1.3680043.10.771.10",
                            "1.2.826.0.1.3680043.10.771.11"})
        EXPECT_FALSE(scp.indexed(uid)) << uid;
}

// -------------------------------------------------------------------------------------------------
// Limits

TEST(StoreChecks, DatasetOverTheLimitIsRefusedAndTheAssociationGoesOn) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    const std::string big = make_ct(tmp, "big", "1.2.826.0.1.3680043.10.771.12", 64, 64, 8192);
    const std::string small = make_ct(tmp, "small", kGoodUid, 8, 8, 128);
    dk_test::write_bytes(tmp / "serve.cfg", "max_dataset_size = 4K\n");
    for (const char *kind : {"recv", "serve"}) {
        SCOPED_TRACE(kind);
        Scp scp(tmp, kind,
                std::string(kind) == "recv" ? std::vector<std::string>{"--max-dataset-size", "4096"}
                                            : std::vector<std::string>{"--config", tmp / "serve.cfg"});
        ASSERT_NE(scp.port, 0) << scp.child.log();
        const dk_test::ProcResult r = storescu(scp.port, {big, small});
        EXPECT_NE(r.all().find("0xa700"), std::string::npos) << r.all();
        EXPECT_NE(r.all().find("[dataset larger than 4096 bytes]"), std::string::npos) << r.all();
        scp.child.stop();
        EXPECT_EQ(scp.stored(), std::vector<std::string>{std::string(kGoodUid) + ".dcm"}) << scp.child.log();
    }
}

TEST(StoreChecks, EndlessDatasetAbortsTheAssociation) {
    TempDir tmp{"dcmkit-store"};
    Scp scp(tmp, "recv", {"--max-dataset-size", "64K"});
    ASSERT_NE(scp.port, 0) << scp.child.log();
    auto assoc = net::Association::connect(scu(kExplicitLE), "127.0.0.1", scp.port, "CHECKSCP");
    // 64 MB of a dataset: the SCP writes 64 KB, drains past it up to a bound, then aborts.
    const std::string endless(64u << 20, '\x01');
    bool failed = false;
    try {
        store_raw(*assoc, kExplicitLE, "1.2.826.0.1.3680043.10.771.13", endless);
    } catch (const Error &e) {
        failed = true;
        EXPECT_TRUE(e.code() == Errc::aborted || e.code() == Errc::network) << e.what();
    }
    EXPECT_TRUE(failed);
    EXPECT_TRUE(dk_test::wait_until([&] { return scp.child.log().find("association aborted") != std::string::npos; }, 10000))
        << scp.child.log();
    EXPECT_TRUE(scp.stored().empty()) << ::testing::PrintToString(scp.stored());
    scp.child.stop();
}

TEST(StoreChecks, FreeSpaceReserveRefusesWithOutOfResources) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    const std::string small = make_ct(tmp, "small", kGoodUid, 8, 8, 128);
    // No disk has an exabyte free: the reserve cannot be met.
    for (const char *kind : {"recv", "serve"}) {
        SCOPED_TRACE(kind);
        Scp scp(tmp, kind, {"--min-free-space", "1048576T"});
        ASSERT_NE(scp.port, 0) << scp.child.log();
        const dk_test::ProcResult r = storescu(scp.port, {small});
        EXPECT_NE(r.all().find("0xa700"), std::string::npos) << r.all();
        EXPECT_NE(r.all().find("[storage below its free space reserve]"), std::string::npos) << r.all();
        scp.child.stop();
        EXPECT_TRUE(scp.stored().empty()) << ::testing::PrintToString(scp.stored());
    }
}

TEST(StoreChecks, FullDiskAndReserveReachedWhileWriting) {
    REQUIRE_DCMTK();
    TempDir tmp{"dcmkit-store"};
    // 2560 x 4096 x 16 bits: a 20 MB dataset; 1024 x 4096: 8 MB.
    const std::string big = make_ct(tmp, "big", "1.2.826.0.1.3680043.10.771.14", 2560, 4096, 2560u * 4096 * 2);
    const std::string mid = make_ct(tmp, "mid", "1.2.826.0.1.3680043.10.771.15", 1024, 4096, 1024u * 4096 * 2);
    const std::string small = make_ct(tmp, "small", kGoodUid, 8, 8, 128);
    {
        // A 24 MB disk and a 12 MB reserve: 24 MB are free before, the reserve is reached at 16 MB.
        SmallDisk disk(tmp / "disk24", "24m");
        if (!disk.ok) GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
        Child recv;
        const uint16_t port = dk_test::start_server(recv, [&](uint16_t p) {
            return std::vector<std::string>{DCMKIT_CLI, "recv", std::to_string(p), "--out", disk.path, "--bind",
                                            "127.0.0.1", "--min-free-space", "12M"};
        }, tmp / "recv24.log");
        ASSERT_NE(port, 0) << recv.log();
        const dk_test::ProcResult r = storescu(port, {big, small});
        EXPECT_NE(r.all().find("0xa700"), std::string::npos) << r.all();
        EXPECT_NE(r.all().find("[storage below its free space reserve]"), std::string::npos) << r.all();
        recv.stop();
        EXPECT_EQ(list_dir(disk.path), std::vector<std::string>{std::string(kGoodUid) + ".dcm"}) << recv.log();
    }
    {
        // A 4 MB disk, no reserve: the 8 MB dataset fills it (ENOSPC); what was written is freed, so
        // the next instance on the association fits.
        SmallDisk disk(tmp / "disk4", "4m");
        ASSERT_TRUE(disk.ok);
        Child recv;
        const uint16_t port = dk_test::start_server(recv, [&](uint16_t p) {
            return std::vector<std::string>{DCMKIT_CLI, "recv", std::to_string(p), "--out", disk.path, "--bind",
                                            "127.0.0.1"};
        }, tmp / "recv4.log");
        ASSERT_NE(port, 0) << recv.log();
        const dk_test::ProcResult r = storescu(port, {mid, small});
        EXPECT_NE(r.all().find("0xa700"), std::string::npos) << r.all();
        EXPECT_NE(r.all().find("[cannot write: No space left on device]"), std::string::npos) << r.all();
        recv.stop();
        EXPECT_EQ(list_dir(disk.path), std::vector<std::string>{std::string(kGoodUid) + ".dcm"}) << recv.log();
    }
}
