// dcmkit::archive::Server: opening a storage folder indexes again the files an interruption left
// (and moves those failing a C-STORE's checks to quarantine/); a C-STORE is stored, indexed and
// reported to on_stored; the counters say so. 127.0.0.1 only, port 0.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/archive_server.h"
#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/services/services.h"

using namespace dcmkit;
namespace archive = dcmkit::archive;
namespace net = dcmkit::net;

namespace {

constexpr const char *kSc = "1.2.840.10008.5.1.4.1.1.7";

struct Tmp {
    std::string path;
    Tmp() {
        char t[] = "/tmp/dcmkit-archive-XXXXXX";
        path = ::mkdtemp(t) ? t : "";
    }
    ~Tmp() {
        const std::string cmd = "rm -rf '" + path + "'";
        if (!path.empty() && std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cannot remove %s\n", path.c_str());
    }
};

bool exists(const std::string &p) {
    struct stat sb {};
    return ::stat(p.c_str(), &sb) == 0;
}

/// A 2x2 8-bit Secondary Capture image of study `study`.
DicomFile image(const std::string &uid, const std::string &study = "1.2.826.0.1.3680043.10.773.1") {
    DicomFile f;
    f.transfer_syntax = "1.2.840.10008.1.2.1";
    Dataset &d = f.dataset;
    d.set_string(tags::SOPClassUID, kSc, VR::UI);
    d.set_string(tags::SOPInstanceUID, uid, VR::UI);
    d.set_string(Tag(0x0010, 0x0010), "Server^Test", VR::PN);
    d.set_string(Tag(0x0010, 0x0020), "SRV-1", VR::LO);
    d.set_string(Tag(0x0020, 0x000D), study, VR::UI);
    d.set_string(Tag(0x0020, 0x000E), study + ".1", VR::UI);
    d.set_int(Tag(0x0028, 0x0002), 1, VR::US);
    d.set_string(Tag(0x0028, 0x0004), "MONOCHROME2", VR::CS);
    d.set_int(Tag(0x0028, 0x0010), 2, VR::US);
    d.set_int(Tag(0x0028, 0x0011), 2, VR::US);
    d.set_int(Tag(0x0028, 0x0100), 8, VR::US);
    d.set_int(Tag(0x0028, 0x0101), 8, VR::US);
    d.set_int(Tag(0x0028, 0x0102), 7, VR::US);
    d.set_int(Tag(0x0028, 0x0103), 0, VR::US);
    d.set_bytes(tags::PixelData, VR::OB, Bytes(std::vector<uint8_t>{1, 2, 3, 4}));
    return f;
}

void save(const std::string &path, const DicomFile &f) {
    WriteOptions o;
    o.fsync = false;
    write_file(path, f, o);
}

/// A configuration storing into `dir`, its warnings kept in `lines`.
archive::Config config(const std::string &dir, std::vector<std::string> &lines, std::mutex &mu) {
    archive::Config c;
    c.storage = dir;
    c.ae_title = "ARCHIVE";
    c.log = [&lines, &mu](net::LogLevel, const std::string &line) {
        std::lock_guard<std::mutex> lock(mu);
        lines.push_back(line);
    };
    return c;
}

}  // namespace

TEST(ArchiveServer, NeedsAStorageFolder) {
    try {
        archive::Server s{archive::Config{}};
        FAIL() << "opened without storage";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
    }
}

TEST(ArchiveServer, IndexesOrphansAndQuarantinesWhatFailsTheChecks) {
    Tmp t;
    std::vector<std::string> lines;
    std::mutex mu;
    const std::string files = t.path + "/files";
    ASSERT_EQ(::mkdir(files.c_str(), 0755), 0);
    const std::string good = "1.2.826.0.1.3680043.10.773.2", cut = "1.2.826.0.1.3680043.10.773.3";
    save(files + "/" + good + ".dcm", image(good));
    // An instance cut in the middle of its Pixel Data, and a file whose name is not a UID.
    save(files + "/" + cut + ".dcm", image(cut));
    {
        std::ifstream in(files + "/" + cut + ".dcm", std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string bytes = ss.str();
        std::ofstream out(files + "/" + cut + ".dcm", std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), std::streamsize(bytes.size() - 3));
    }
    save(files + "/not-a-uid.dcm", image("1.2.826.0.1.3680043.10.773.4"));

    {
        archive::Server s(config(t.path, lines, mu));
        const archive::Counters c = s.counters();
        EXPECT_EQ(c.instances_recovered, 1u);
        EXPECT_EQ(c.files_quarantined, 2u);
        EXPECT_EQ(c.instances_held, 1u);
        EXPECT_EQ(c.instances_stored, 0u);
    }
    EXPECT_TRUE(exists(files + "/" + good + ".dcm"));
    EXPECT_FALSE(exists(files + "/" + cut + ".dcm"));
    EXPECT_TRUE(exists(t.path + "/quarantine/" + cut + ".dcm"));
    EXPECT_TRUE(exists(t.path + "/quarantine/not-a-uid.dcm"));
    size_t moved = 0;
    for (const auto &l : lines) moved += l.find(" moved to " + t.path + "/quarantine/") != std::string::npos;
    EXPECT_EQ(moved, 2u);

    // Opened again: nothing left to recover.
    archive::Server again(config(t.path, lines, mu));
    EXPECT_EQ(again.counters().instances_recovered, 0u);
    EXPECT_EQ(again.counters().files_quarantined, 0u);
    EXPECT_EQ(again.counters().instances_held, 1u);
}

TEST(ArchiveServer, StoresIndexesAndReportsAnInstance) {
    Tmp t;
    std::vector<std::string> lines;
    std::mutex mu;
    archive::Server s(config(t.path, lines, mu));
    std::vector<archive::StoredInstance> seen;
    s.on_stored([&](const archive::StoredInstance &i) {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(i);
    });
    s.start("127.0.0.1", 0);
    ASSERT_NE(s.port(), 0);

    const std::string uid = "1.2.826.0.1.3680043.10.773.5";
    net::AeConfig scu;
    scu.ae_title = "MODALITY";
    scu.add(kSc);
    {
        auto a = net::Association::connect(scu, "127.0.0.1", s.port(), "ARCHIVE");
        EXPECT_EQ(net::store(*a, image(uid)).status, 0x0000);
        a->release();
    }
    // The Called AE Title is checked: another one is rejected.
    EXPECT_THROW(net::Association::connect(scu, "127.0.0.1", s.port(), "SOMEONE"), Error);
    for (int i = 0; i < 100 && s.counters().associations_served < 1; ++i) ::usleep(20000);
    s.stop(2000);

    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].sop_instance_uid, uid);
    EXPECT_EQ(seen[0].sop_class_uid, kSc);
    EXPECT_EQ(seen[0].calling_ae, "MODALITY");
    EXPECT_EQ(seen[0].path, t.path + "/files/" + uid + ".dcm");
    EXPECT_TRUE(exists(seen[0].path));
    const archive::Counters c = s.counters();
    EXPECT_EQ(c.instances_stored, 1u);
    EXPECT_EQ(c.instances_held, 1u);
    EXPECT_EQ(c.stores_refused, 0u);
    EXPECT_GE(c.associations_served, 1u);
    EXPECT_EQ(s.index().verify(kSc, uid), archive::Verification::ok);
}
