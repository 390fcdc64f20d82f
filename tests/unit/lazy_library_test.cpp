// Third-party libraries loaded on first use (cmake/lazy_load.cmake, dcmkit/lazy_library.h): none is
// in the process before it is needed; the first calls, from several threads at once, load each
// library once and every call gives the codec's right answer; a library that cannot be loaded is a
// dcmkit::Error naming it (through the CLI: an error message and exit status 1), while everything
// that does not need it keeps working. Skipped in builds that link the libraries as usual.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "codec_support.h"
#include "dcmkit/codec.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/lazy_library.h"
#include "peer.h"

using namespace dcmkit;

namespace {

std::string process_maps() {
    std::ifstream in("/proc/self/maps");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The codecs whose libraries are loaded lazily, with an image each can code losslessly.
struct Case {
    const char *uid;
    const char *library;  // its SONAME's stem
    dk_test::ImageSpec spec;
};
const Case kCases[] = {
    {"1.2.840.10008.1.2.4.80", "libcharls.so", {"mono12", 60, 50, 1, 1, 16, 12, false, "MONOCHROME2", 0}},
    {"1.2.840.10008.1.2.4.90", "libopenjp2.so", {"mono16", 64, 40, 1, 1, 16, 16, false, "MONOCHROME2", 0}},
    {"1.2.840.10008.1.2.4.201", "libopenjph.so", {"mono12", 48, 33, 1, 1, 16, 12, false, "MONOCHROME2", 0}},
    {"1.2.840.10008.1.2.4.50", "libjpeg.so", {"mono8", 64, 48, 1, 1, 8, 8, false, "MONOCHROME2", 0}},
};

bool lazy_build() { return lazy::library_count() > 0; }

// Runs first (gtest keeps the order of a file): nothing has needed a library yet.
TEST(LazyLibrary, NoLibraryIsInTheProcessBeforeItIsNeeded) {
    if (!lazy_build()) GTEST_SKIP() << "this build links its libraries at start-up (DCMKIT_LAZY_LOAD off)";
    EXPECT_EQ(lazy::loaded_count(), 0u);
    const std::string maps = process_maps();
    for (unsigned i = 0; i < lazy::library_count(); ++i) {
        const char *soname = lazy::library_soname(i);
        EXPECT_EQ(maps.find(soname), std::string::npos) << soname << " is mapped before any use";
    }
    EXPECT_EQ(lazy::library_soname(lazy::library_count()), nullptr);
}

TEST(LazyLibrary, FirstCallsFromManyThreadsLoadEachLibraryOnce) {
    if (!lazy_build()) GTEST_SKIP() << "this build links its libraries at start-up (DCMKIT_LAZY_LOAD off)";
    constexpr int kThreads = 8;
    std::atomic<int> ready{0};
    std::vector<std::string> failures(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            ready.fetch_add(1);
            while (ready.load() < kThreads) std::this_thread::yield();  // all start their first call together
            try {
                for (int k = 0; k < 4; ++k) {
                    const Case &c = kCases[(t + k) % 4];
                    const Codec *codec = find_codec(c.uid);
                    if (!codec) throw Error(Errc::unsupported, std::string("no codec for ") + c.uid);
                    const PixelInfo info = dk_test::pixel_info(c.spec);
                    const std::vector<uint8_t> frame = dk_test::first_frame(c.spec);
                    EncodeOptions options;
                    options.quality = 100;
                    FrameLayout layout;
                    const std::vector<uint8_t> bits = codec->encode(info, frame.data(), frame.size(), options, layout);
                    std::vector<uint8_t> out(info.frame_bytes());
                    codec->decode(info, bits.data(), bits.size(), out.data(), out.size());
                    // Lossless syntaxes give the frame back; baseline JPEG (q100) within a few levels.
                    size_t worst = 0;
                    for (size_t i = 0; i < out.size(); ++i)
                        worst = std::max<size_t>(worst, size_t(std::abs(int(out[i]) - int(frame[i]))));
                    const bool lossy = std::string(c.uid) == "1.2.840.10008.1.2.4.50";
                    if (lossy ? worst > 8 : out != frame)
                        throw Error(Errc::malformed, std::string(c.uid) + ": decoded frame differs by " + std::to_string(worst));
                }
            } catch (const std::exception &e) {
                failures[t] = e.what();
            }
        });
    for (auto &th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
    const std::string maps = process_maps();
    for (const Case &c : kCases) EXPECT_NE(maps.find(c.library), std::string::npos) << c.library << " was not loaded";
    EXPECT_GE(lazy::loaded_count(), 4u);
    // Each library once: a second dlopen of the same SONAME would map it again.
    for (const Case &c : kCases) {
        size_t text = 0;
        std::istringstream lines(maps);
        for (std::string line; std::getline(lines, line);)
            if (line.find(c.library) != std::string::npos && line.find(" r-xp ") != std::string::npos) ++text;
        EXPECT_EQ(text, 1u) << c.library;
    }
}

TEST(LazyLibrary, RequireOfAnUnknownNameIsALinkedLibrary) {
    EXPECT_NO_THROW(lazy::require("no-such-library", "a test"));
    EXPECT_TRUE(lazy::available("no-such-library"));
}

// The CLI with a library that cannot be loaded (an empty file of its SONAME first on
// LD_LIBRARY_PATH): encoding and decoding that need it fail with a message naming it and what
// needed it, and write nothing; a syntax of another library still works.
TEST(LazyLibrary, AnUnloadableLibraryIsAnErrorNamingItNotACrash) {
    if (!lazy_build()) GTEST_SKIP() << "this build links its libraries at start-up (DCMKIT_LAZY_LOAD off)";
    struct Use {
        const char *stem, *ts, *what, *other_ts;
        bool decodes;  // whether decoding needs the library too (HTJ2K frames are decoded by our own decoder)
    };
    const Use uses[] = {
        {"libopenjp2.so", "j2k-lossless", "JPEG 2000", "jpegls", true},
        {"libcharls.so", "jpegls", "JPEG-LS", "j2k-lossless", true},
        {"libopenjph.so", "htj2k-lossless", "HTJ2K", "jpegls", false},
        {"libjpeg.so", "jpeg", "JPEG", "jpegls", true},
    };
    char dir_template[] = "/tmp/dk_lazy_XXXXXX";
    const std::string dir = mkdtemp(dir_template);
    const dk_test::ImageSpec spec{"mono8", 32, 32, 1, 1, 8, 8, false, "MONOCHROME2", 0};
    write_file(dir + "/in.dcm", dk_test::make_image(spec));
    auto cli = [&](const std::string &lib_dir, const std::vector<std::string> &args) {
        std::vector<std::string> argv{"env", "LD_LIBRARY_PATH=" + lib_dir, DCMKIT_CLI};
        argv.insert(argv.end(), args.begin(), args.end());
        return dk_test::run(argv, 60000);
    };
    // Compressed inputs, made while every library loads.
    for (const Use &u : uses) {
        const dk_test::ProcResult r = cli("/nonexistent", {"transcode", dir + "/in.dcm", dir + "/" + u.ts + ".dcm", "--ts", u.ts});
        ASSERT_EQ(r.status, 0) << r.all();
    }
    int tried = 0;
    for (const Use &u : uses) {
        const char *soname = nullptr;
        for (unsigned i = 0; i < lazy::library_count(); ++i)
            if (std::string(lazy::library_soname(i)).rfind(u.stem, 0) == 0) soname = lazy::library_soname(i);
        if (!soname) continue;  // not loaded lazily in this build
        ++tried;
        const std::string broken = dir + "/broken";
        mkdir(broken.c_str(), 0700);
        std::ofstream(broken + "/" + soname).close();  // an empty file: dlopen refuses it ("file too short")
        const std::string out = dir + "/out.dcm";
        const dk_test::ProcResult enc = cli(broken, {"transcode", dir + "/in.dcm", out, "--ts", u.ts});
        EXPECT_EQ(enc.status, 1) << enc.all();
        EXPECT_NE(enc.err.find(soname), std::string::npos) << enc.err;
        EXPECT_NE(enc.err.find(std::string(u.what) + " encoding"), std::string::npos) << enc.err;
        EXPECT_EQ(access(out.c_str(), F_OK), -1) << u.ts << ": a file was written";
        const dk_test::ProcResult dec = cli(broken, {"transcode", dir + "/" + u.ts + ".dcm", out, "--ts", "explicit"});
        if (u.decodes) {
            EXPECT_EQ(dec.status, 1) << dec.all();
            EXPECT_NE(dec.err.find(soname), std::string::npos) << dec.err;
            EXPECT_NE(dec.err.find(std::string(u.what) + " decoding"), std::string::npos) << dec.err;
            EXPECT_EQ(access(out.c_str(), F_OK), -1) << u.ts << ": a file was written";
        } else {
            EXPECT_EQ(dec.status, 0) << dec.all();
            std::remove(out.c_str());
        }
        const dk_test::ProcResult other = cli(broken, {"transcode", dir + "/in.dcm", out, "--ts", u.other_ts});
        EXPECT_EQ(other.status, 0) << other.all();
        std::remove(out.c_str());
        std::remove((broken + "/" + soname).c_str());
        rmdir(broken.c_str());
    }
    EXPECT_GT(tried, 0);
    std::remove((dir + "/in.dcm").c_str());
    for (const Use &u : uses) std::remove((dir + "/" + u.ts + ".dcm").c_str());
    rmdir(dir.c_str());
}

}  // namespace
