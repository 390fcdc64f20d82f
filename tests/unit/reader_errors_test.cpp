// Bad input must throw dcmkit::Error with the right code and a sensible offset, and never crash,
// overread or allocate what a hostile length asks for; writes that fail must throw Error(io) and
// leave nothing behind. All inputs are assembled here byte by byte following PS3.5 7.1 (element
// encoding), 7.5 (sequences), A.4 (encapsulation), A.5 (deflate) and PS3.10 7.1 (file meta).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/pixel.h"

#if defined(__SANITIZE_ADDRESS__)
#define DK_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DK_TEST_ASAN 1
#endif
#endif

#ifdef DK_TEST_ASAN
// Under AddressSanitizer RLIMIT_AS cannot be used (the shadow memory alone exceeds it); make any single
// allocation above 512 MB fatal instead, so a hostile length that reaches an allocator kills the test.
extern "C" const char *__asan_default_options() { return "max_allocation_size_mb=512"; }
#endif

using namespace dcmkit;
using namespace std::string_literals;

namespace {

const std::string kImplicit = uids::ImplicitVRLittleEndian;
const std::string kExplicitLE = uids::ExplicitVRLittleEndian;
const std::string kExplicitBE = uids::ExplicitVRBigEndian;
const std::string kDeflated = uids::DeflatedExplicitVRLittleEndian;
#ifndef DK_TEST_WITH_ZLIB
#define DK_TEST_WITH_ZLIB 1
#endif
// A build without zlib (DCMKIT_WITH_ZLIB=OFF) refuses the deflated syntax (ReaderDeflate.RefusedWithoutZlib).
#define NEED_ZLIB()                                                                     \
    if (!DK_TEST_WITH_ZLIB) GTEST_SKIP() << "built without zlib (DCMKIT_WITH_ZLIB=OFF)"

const std::string kJpegBaseline = "1.2.840.10008.1.2.4.50";

// ---------------------------------------------------------------------------------------------------
// Byte assembly

/// Writes elements in one encoding, following PS3.5 7.1.2 (explicit VR) and 7.1.3 (implicit VR).
struct W {
    bool explicit_vr = true;
    bool big = false;
    std::vector<uint8_t> b;

    W() = default;
    W(bool ex, bool be) : explicit_vr(ex), big(be) {}

    size_t size() const { return b.size(); }
    void u8(uint8_t v) { b.push_back(v); }
    void u16(uint16_t v) {
        if (big) { u8(uint8_t(v >> 8)); u8(uint8_t(v)); }
        else { u8(uint8_t(v)); u8(uint8_t(v >> 8)); }
    }
    void u32(uint32_t v) {
        if (big) { u16(uint16_t(v >> 16)); u16(uint16_t(v)); }
        else { u16(uint16_t(v)); u16(uint16_t(v >> 16)); }
    }
    void raw(const std::string &s) { b.insert(b.end(), s.begin(), s.end()); }
    void raw(const std::vector<uint8_t> &v) { b.insert(b.end(), v.begin(), v.end()); }
    void tag(uint16_t g, uint16_t e) { u16(g); u16(e); }

    // PS3.5 Table 7.1-2: the VRs with 2 reserved bytes and a 32-bit length.
    static bool long_vr(const std::string &vr) {
        for (const char *l : {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"})
            if (vr == l) return true;
        return false;
    }
    void header(uint16_t g, uint16_t e, const std::string &vr, uint32_t len) {
        tag(g, e);
        if (!explicit_vr) { u32(len); return; }     // PS3.5 7.1.3
        raw(vr);
        if (long_vr(vr)) { u16(0); u32(len); }      // PS3.5 Table 7.1-2
        else u16(uint16_t(len));                    // PS3.5 Table 7.1-1
    }
    void text(uint16_t g, uint16_t e, const std::string &vr, std::string v) {
        if (v.size() & 1) v += (vr == "UI" ? '\0' : ' ');  // PS3.5 6.2 padding
        header(g, e, vr, uint32_t(v.size()));
        raw(v);
    }
    void us(uint16_t g, uint16_t e, uint16_t v) { header(g, e, "US", 2); u16(v); }
    void item(uint32_t len) { tag(0xFFFE, 0xE000); u32(len); }   // PS3.5 7.5
    void item_end() { tag(0xFFFE, 0xE00D); u32(0); }
    void seq_end() { tag(0xFFFE, 0xE0DD); u32(0); }
};

std::string ts_of(bool explicit_vr, bool big) {
    return !explicit_vr ? kImplicit : big ? kExplicitBE : kExplicitLE;
}

/// PS3.10 7.1: preamble, "DICM", then group 0002 in explicit VR little endian, led by its group length.
std::vector<uint8_t> part10(const std::string &ts, const std::vector<uint8_t> &dataset, bool preamble = true,
                            size_t *dataset_start = nullptr) {
    W rest;  // explicit VR little endian
    rest.header(0x0002, 0x0001, "OB", 2);
    rest.u8(0x00);
    rest.u8(0x01);
    rest.text(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7");
    rest.text(0x0002, 0x0003, "UI", "1.2.3.4");
    rest.text(0x0002, 0x0010, "UI", ts);
    W out;
    if (preamble) {
        out.raw(std::string(128, '\0'));
        out.raw("DICM");
    }
    out.header(0x0002, 0x0000, "UL", 4);
    out.u32(uint32_t(rest.size()));
    out.raw(rest.b);
    if (dataset_start) *dataset_start = out.size();
    out.raw(dataset);
    return out.b;
}

DicomFile read(const std::vector<uint8_t> &bytes, const ReadOptions &opt = {}) {
    return read_memory(bytes.data(), bytes.size(), opt);
}

/// Runs f and returns the Error it throws; fails the test when it throws nothing or something else.
Error expect_error(const std::function<void()> &f) {
    try {
        f();
    } catch (const Error &e) {
        return e;
    } catch (const std::exception &e) {
        ADD_FAILURE() << "threw a non-dcmkit exception: " << e.what();
        return Error(Errc::ok, "non-dcmkit exception");
    }
    ADD_FAILURE() << "no exception";
    return Error(Errc::ok, "no exception");
}

Error read_error(const std::vector<uint8_t> &bytes, const ReadOptions &opt = {}) {
    return expect_error([&] { read(bytes, opt); });
}

/// Raw deflate (RFC 1951, no zlib header), as PS3.5 A.5 requires.
std::vector<uint8_t> deflate_raw(const std::vector<uint8_t> &in) {
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::vector<uint8_t> out(deflateBound(&zs, uLong(in.size())) + 64);
    zs.next_in = const_cast<Bytef *>(in.data());
    zs.avail_in = uInt(in.size());
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/dcmkit_reader_errors_XXXXXX";
        const char *p = ::mkdtemp(tmpl);
        if (p) path = p;
    }
    ~TempDir() {
        if (path.empty()) return;
        ::chmod(path.c_str(), 0700);
        for (const auto &f : list()) ::unlink((path + "/" + f).c_str());
        ::rmdir(path.c_str());
    }
    std::vector<std::string> list() const {
        std::vector<std::string> out;
        if (DIR *d = ::opendir(path.c_str())) {
            while (dirent *e = ::readdir(d))
                if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) out.push_back(e->d_name);
            ::closedir(d);
        }
        return out;
    }
};

/// Runs `body` in a forked child (so that a crash, an abort or a resource limit cannot take the test
/// runner down) and returns true when the child exited with status 0.
bool run_in_child(const std::function<int()> &body, std::string *how = nullptr) {
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) {
        if (how) *how = "fork failed";
        return false;
    }
    if (pid == 0) {
        int rc = 99;
        try {
            rc = body();
        } catch (...) {
            rc = 98;
        }
        ::_exit(rc);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
        if (how) *how = "exit status " + std::to_string(WEXITSTATUS(status));
        return WEXITSTATUS(status) == 0;
    }
    if (how) *how = "killed by signal " + std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    return false;
}

// ---------------------------------------------------------------------------------------------------
// Not DICOM at all

TEST(ReaderErrors, EmptyInput) {
    std::vector<uint8_t> empty;
    Error e = read_error(empty);
    EXPECT_EQ(e.code(), Errc::not_dicom) << e.what();
    EXPECT_EQ(e.offset(), 0);
    TempDir dir;
    ASSERT_FALSE(dir.path.empty());
    const std::string path = dir.path + "/empty.dcm";
    std::ofstream(path).close();
    Error f = expect_error([&] { read_file(path); });
    EXPECT_EQ(f.code(), Errc::not_dicom) << f.what();
}

TEST(ReaderErrors, TenRandomBytes) {
    // Fixed "random" bytes whose first 16-bit word is no plausible group in either byte order.
    const std::vector<uint8_t> bytes = {0x9C, 0x3E, 0xF1, 0x57, 0x22, 0xA8, 0x6D, 0x04, 0xB3, 0x71};
    Error e = read_error(bytes);
    EXPECT_EQ(e.code(), Errc::not_dicom) << e.what();
    EXPECT_EQ(e.offset(), 0);
    // And many really random inputs of 0-300 bytes: each parses or throws Error, nothing else.
    std::mt19937 rng(12345);
    for (int i = 0; i < 3000; ++i) {
        std::vector<uint8_t> r(rng() % 300);
        for (auto &c : r) c = uint8_t(rng());
        if (i % 3 == 0 && r.size() > 8) r[0] = uint8_t(rng() % 0x29), r[1] = 0;  // a plausible first group
        try {
            read(r);
        } catch (const Error &) {
        }
    }
}

TEST(ReaderErrors, TextFile) {
    TempDir dir;
    ASSERT_FALSE(dir.path.empty());
    const std::string path = dir.path + "/notes.txt";
    std::ofstream(path) << "This is not a DICOM file.\nIt is a text file with a few lines,\nlong enough to pass 132 bytes "
                           "and so to have something where the DICM prefix would be.\n";
    Error e = expect_error([&] { read_file(path); });
    EXPECT_EQ(e.code(), Errc::not_dicom) << e.what();
    EXPECT_EQ(e.offset(), 0);
    EXPECT_NE(std::string(e.what()).find("notes.txt"), std::string::npos) << e.what();
    Error m = expect_error([&] { read_file(dir.path + "/missing.dcm"); });
    EXPECT_EQ(m.code(), Errc::not_found) << m.what();
}

TEST(ReaderErrors, DicmPrefixWithTruncatedMeta) {
    // 128-byte preamble, "DICM", then (0002,0000) UL 4 whose value is cut after one byte.
    W w;
    w.raw(std::string(128, '\0'));
    w.raw("DICM");
    w.header(0x0002, 0x0000, "UL", 4);
    w.u8(0x1C);
    Error e = read_error(w.b);
    EXPECT_TRUE(e.code() == Errc::bad_length || e.code() == Errc::truncated) << e.what();
    EXPECT_EQ(e.offset(), 132);  // the element that does not fit starts right after "DICM"
    // "DICM" followed by only part of an element header: truncated.
    std::vector<uint8_t> head(w.b.begin(), w.b.begin() + 136);
    Error h = read_error(head);
    EXPECT_EQ(h.code(), Errc::truncated) << h.what();
    EXPECT_GE(h.offset(), 132);
    EXPECT_LE(h.offset(), 136);
    // "DICM" and nothing else: the meta information it promises is missing.
    std::vector<uint8_t> bare(w.b.begin(), w.b.begin() + 132);
    Error b = read_error(bare);
    EXPECT_EQ(b.code(), Errc::truncated) << b.what();
    // "DICM" followed by something that is not group 0002 is not DICOM.
    W x;
    x.raw(std::string(128, '\0'));
    x.raw("DICM");
    x.text(0x0008, 0x0016, "UI", "1.2.3");
    Error n = read_error(x.b);
    EXPECT_EQ(n.code(), Errc::not_dicom) << n.what();
    EXPECT_EQ(n.offset(), 132);
}

// ---------------------------------------------------------------------------------------------------
// Every truncation point of a small valid file

struct Sample {
    std::vector<uint8_t> bytes;
    size_t dataset_start = 0;
    std::vector<size_t> boundaries;  // offsets where a top-level dataset element starts, and the end
};

/// A small dataset touching every structure the reader walks: short and long headers, an undefined
/// length sequence with an undefined length item (PS3.5 7.5.2), a defined length sequence with a
/// defined length item (7.5.1), binary values and pixel data.
Sample sample(bool explicit_vr, bool big, bool with_meta) {
    W d(explicit_vr, big);
    std::vector<size_t> starts;
    auto mark = [&] { starts.push_back(d.size()); };
    mark();
    d.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
    mark();
    d.text(0x0008, 0x0018, "UI", "1.2.3.4");
    mark();
    d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFF);  // undefined length
    d.item(0xFFFFFFFF);
    d.text(0x0008, 0x1150, "UI", "1.2.3");
    d.text(0x0008, 0x1155, "UI", "1.2.3.4");
    d.item_end();
    d.seq_end();
    mark();
    W inner(explicit_vr, big);
    inner.text(0x0008, 0x1150, "UI", "1.2");
    d.header(0x0008, 0x1199, "SQ", uint32_t(8 + inner.size()));  // defined length: one item
    d.item(uint32_t(inner.size()));
    d.raw(inner.b);
    mark();
    d.text(0x0010, 0x0010, "PN", "Doe^John");
    mark();
    d.us(0x0028, 0x0010, 2);
    mark();
    d.us(0x0028, 0x0011, 2);
    mark();
    d.us(0x0028, 0x0100, 8);
    mark();
    d.header(0x7FE0, 0x0010, explicit_vr ? "OB" : "OW", 4);
    d.raw("\x01\x02\x03\x04"s);
    Sample s;
    if (with_meta) {
        s.bytes = part10(ts_of(explicit_vr, big), d.b, true, &s.dataset_start);
    } else {
        s.bytes = d.b;
        s.dataset_start = 0;
    }
    for (size_t o : starts) s.boundaries.push_back(s.dataset_start + o);
    s.boundaries.push_back(s.bytes.size());
    return s;
}

void check_every_prefix(const Sample &s, bool with_meta) {
    // The whole file parses.
    DicomFile full = read(s.bytes);
    ASSERT_EQ(full.dataset.size(), s.boundaries.size() - 1);
    EXPECT_EQ(full.dataset.get_items(Tag(0x0008, 0x1140)).size(), 1u);
    EXPECT_EQ(full.dataset.get_items(Tag(0x0008, 0x1199)).size(), 1u);
    for (size_t len = 0; len <= s.bytes.size(); ++len) {
        SCOPED_TRACE("prefix of " + std::to_string(len) + " bytes");
        std::vector<uint8_t> prefix(s.bytes.begin(), s.bytes.begin() + long(len));
        // Between top-level elements the prefix is a valid, shorter dataset.
        size_t k = 0;
        while (k < s.boundaries.size() && s.boundaries[k] < len) ++k;
        const bool at_boundary = k < s.boundaries.size() && s.boundaries[k] == len;
        if (len >= s.dataset_start && at_boundary && (with_meta || len > 0)) {
            try {
                DicomFile f = read(prefix);
                EXPECT_EQ(f.dataset.size(), k);
            } catch (const Error &e) {
                ADD_FAILURE() << "a prefix ending between elements failed: " << e.what();
            }
            continue;
        }
        if (len == 0) {
            EXPECT_EQ(read_error(prefix).code(), Errc::not_dicom);
            continue;
        }
        if (with_meta && len < 132) {
            // Inside the preamble: anything but a crash (a run of zeros may even read as a dataset).
            try {
                read(prefix);
            } catch (const Error &) {
            }
            continue;
        }
        // Cut inside the meta information or inside an element: truncated, or a length that runs
        // past the end. The offset is where the cut element (or the structure holding it) starts.
        try {
            read(prefix);
            ADD_FAILURE() << "a prefix cut inside an element was accepted";
        } catch (const Error &e) {
            const size_t elem_start = len < s.dataset_start ? 132 : s.boundaries[k - 1];
            const bool first_raw_element = !with_meta && elem_start == 0;
            // A raw dataset cut inside its first element may not even be recognisable as DICOM.
            const bool ok_code = e.code() == Errc::truncated || e.code() == Errc::bad_length ||
                                 (first_raw_element && e.code() == Errc::not_dicom);
            EXPECT_TRUE(ok_code) << e.what();
            if (e.code() != Errc::not_dicom) {
                EXPECT_GE(e.offset(), int64_t(elem_start)) << e.what();
                EXPECT_LE(e.offset(), int64_t(len)) << e.what();
            }
        }
    }
}

TEST(ReaderTruncation, EveryPrefixOfAPart10FileExplicitLittleEndian) { check_every_prefix(sample(true, false, true), true); }
TEST(ReaderTruncation, EveryPrefixOfAPart10FileImplicitLittleEndian) { check_every_prefix(sample(false, false, true), true); }
TEST(ReaderTruncation, EveryPrefixOfAPart10FileExplicitBigEndian) { check_every_prefix(sample(true, true, true), true); }
TEST(ReaderTruncation, EveryPrefixOfARawDatasetExplicitLittleEndian) { check_every_prefix(sample(true, false, false), false); }
TEST(ReaderTruncation, EveryPrefixOfARawDatasetImplicitLittleEndian) { check_every_prefix(sample(false, false, false), false); }
TEST(ReaderTruncation, EveryPrefixOfARawDatasetExplicitBigEndian) { check_every_prefix(sample(true, true, false), false); }

// ---------------------------------------------------------------------------------------------------
// Lengths

TEST(ReaderErrors, ValueLengthPastTheEnd) {
    for (bool ex : {false, true}) {
        SCOPED_TRACE(ex ? "explicit" : "implicit");
        W d(ex, false);
        d.text(0x0008, 0x0016, "UI", "1.2.3.4");
        const size_t at = d.size();
        d.header(0x0010, 0x0010, "PN", 0x40);  // 64 bytes promised, 8 given
        d.raw("Doe^John");
        Error e = read_error(part10(ts_of(ex, false), d.b));
        EXPECT_EQ(e.code(), Errc::bad_length) << e.what();
        EXPECT_EQ(e.tag(), 0x00100010u);
        size_t ds_start = 0;
        part10(ts_of(ex, false), d.b, true, &ds_start);
        EXPECT_EQ(e.offset(), int64_t(ds_start + at)) << e.what();
    }
}

TEST(ReaderErrors, BinaryLengthNotAMultipleOfTheValueSize) {
    struct Case {
        uint16_t g, e;
        const char *vr;
        uint32_t len;
    } cases[] = {
        {0x0028, 0x0010, "US", 3},   // US is 2 bytes
        {0x0018, 0x9219, "SS", 1},
        {0x0008, 0x1161, "UL", 6},   // UL is 4 bytes
        {0x0018, 0x9087, "FD", 12},  // FD is 8 bytes
        {0x0028, 0x0009, "AT", 2},   // AT is 4 bytes
        {0x0028, 0x1201, "OW", 5},   // OW is 2 bytes
        {0x0072, 0x0082, "SV", 4},   // SV is 8 bytes
    };
    for (bool ex : {false, true}) {
        for (bool big : {false, true}) {
            if (big && !ex) continue;
            for (const Case &c : cases) {
                SCOPED_TRACE(std::string(c.vr) + (ex ? (big ? " explicit BE" : " explicit LE") : " implicit"));
                W d(ex, big);
                d.header(c.g, c.e, c.vr, c.len);
                d.raw(std::string(c.len, '\x01'));
                d.text(0x7FE1, 0x0010, "LO", "PAD");  // something after it
                size_t ds_start = 0;
                auto file = part10(ts_of(ex, big), d.b, true, &ds_start);
                Error e = read_error(file);
                EXPECT_EQ(e.code(), Errc::bad_length) << e.what();
                EXPECT_EQ(e.offset(), int64_t(ds_start)) << e.what();
                EXPECT_EQ(e.tag(), (uint32_t(c.g) << 16) | c.e);
            }
        }
    }
}

TEST(ReaderErrors, InvalidVrBytes) {
    // Explicit VR: the two VR bytes must be one of the 34 VRs (PS3.5 7.1.2).
    for (const std::string &vr : {"\x00\x00"s, "ZZ"s, "ob"s, "\xFF\xFF"s, "U "s}) {
        SCOPED_TRACE(vr);
        W d;
        d.text(0x0008, 0x0016, "UI", "1.2.3.4");
        const size_t at = d.size();
        d.tag(0x0010, 0x0010);
        d.raw(vr);
        d.u16(8);
        d.raw("Doe^John");
        size_t ds_start = 0;
        auto file = part10(kExplicitLE, d.b, true, &ds_start);
        Error e = read_error(file);
        EXPECT_EQ(e.code(), Errc::bad_vr) << e.what();
        EXPECT_EQ(e.offset(), int64_t(ds_start + at + 4)) << e.what();  // the VR field
        EXPECT_EQ(e.tag(), 0x00100010u);
        // Same in a raw dataset (the first element is fine, so explicit VR is inferred).
        Error r = read_error(d.b);
        EXPECT_EQ(r.code(), Errc::bad_vr) << r.what();
        EXPECT_EQ(r.offset(), int64_t(at + 4));
    }
    // Inside the meta information.
    W m;
    m.raw(std::string(128, '\0'));
    m.raw("DICM");
    m.header(0x0002, 0x0000, "UL", 4);
    m.u32(20);
    m.tag(0x0002, 0x0010);
    m.raw("XX");
    m.u16(20);
    m.raw(std::string(20, '1'));
    Error e = read_error(m.b);
    EXPECT_EQ(e.code(), Errc::bad_vr) << e.what();
    EXPECT_EQ(e.offset(), 144 + 4);
}

std::vector<uint8_t> nested_sequences(unsigned levels) {
    // (0040,A730) Content Sequence, undefined length, nested `levels` deep (PS3.5 7.5.2).
    W d;
    for (unsigned i = 0; i < levels; ++i) {
        d.header(0x0040, 0xA730, "SQ", 0xFFFFFFFF);
        d.item(0xFFFFFFFF);
    }
    d.text(0x0040, 0xA160, "UT", "leaf");
    for (unsigned i = 0; i < levels; ++i) {
        d.item_end();
        d.seq_end();
    }
    return d.b;
}

TEST(ReaderErrors, NestingDeeperThanMaxDepth) {
    auto deep = part10(kExplicitLE, nested_sequences(200));
    Error e = read_error(deep);  // default max_depth is 64
    EXPECT_EQ(e.code(), Errc::too_deep) << e.what();
    EXPECT_GT(e.offset(), 0);
    ReadOptions lenient;
    lenient.max_depth = 250;
    DicomFile f = read(deep, lenient);
    const Dataset *cur = &f.dataset;
    for (int i = 0; i < 200; ++i) {
        const auto &items = cur->get_items(Tag(0x0040, 0xA730));
        ASSERT_EQ(items.size(), 1u) << "level " << i;
        cur = &items[0];
    }
    EXPECT_EQ(cur->get_string(Tag(0x0040, 0xA160)), "leaf");
    // max_depth is the deepest nesting accepted.
    ReadOptions five;
    five.max_depth = 5;
    EXPECT_NO_THROW(read(part10(kExplicitLE, nested_sequences(5)), five));
    EXPECT_EQ(read_error(part10(kExplicitLE, nested_sequences(6)), five).code(), Errc::too_deep);
    // Same for a deflated file: the limit applies to the inflated dataset too.
    auto deflated = part10(kDeflated, deflate_raw(nested_sequences(200)));
    EXPECT_EQ(read_error(deflated).code(), DK_TEST_WITH_ZLIB ? Errc::too_deep : Errc::unsupported);
}

TEST(ReaderErrors, AbsurdLengthsAllocateNothing) {
    // Lengths close to 4 GB in a file of a few bytes: the reader must reject them from the bytes
    // that remain, never by trying to allocate or copy that much. The reads run in a child process
    // with an address space limit (or, under ASan, a maximum allocation size).
    std::vector<std::pair<std::string, std::vector<uint8_t>>> inputs;
    {
        W d;  // explicit LE, OB of 0xFFFFFFF0 bytes
        d.header(0x0042, 0x0011, "OB", 0xFFFFFFF0);
        d.raw("\x01\x02\x03\x04"s);
        inputs.push_back({"explicit OB", part10(kExplicitLE, d.b)});
    }
    {
        W d(true, true);  // explicit BE, OW (swapped on read) of 0xFFFFFFF0 bytes
        d.header(0x0028, 0x1201, "OW", 0xFFFFFFF0);
        d.raw("\x01\x02\x03\x04"s);
        inputs.push_back({"big endian OW", part10(kExplicitBE, d.b)});
    }
    {
        W d(false, false);  // implicit, PN of 0xFFFFFFF0 bytes
        d.header(0x0010, 0x0010, "PN", 0xFFFFFFF0);
        d.raw("Doe^"s);
        inputs.push_back({"implicit PN", part10(kImplicit, d.b)});
    }
    {
        W d;  // an item of 0xFFFFFFF0 bytes inside an undefined length sequence
        d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFF);
        d.item(0xFFFFFFF0);
        d.raw("\x08\x00\x50\x11"s);
        inputs.push_back({"item", part10(kExplicitLE, d.b)});
    }
    {
        W d;  // a defined length sequence of 0xFFFFFFF0 bytes
        d.header(0x0008, 0x1140, "SQ", 0xFFFFFFF0);
        d.item(8);
        inputs.push_back({"sequence", part10(kExplicitLE, d.b)});
    }
    {
        W d;  // a pixel data fragment of 0xFFFFFFF0 bytes
        d.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFF);
        d.item(0);
        d.item(0xFFFFFFF0);
        d.raw("\xFF\xD8"s);
        inputs.push_back({"fragment", part10(kJpegBaseline, d.b)});
    }
    for (const auto &input : inputs) {
        const std::vector<uint8_t> &bytes = input.second;
        SCOPED_TRACE(input.first);
        // In this process first, for the error code.
        Error e = read_error(bytes);
        EXPECT_EQ(e.code(), Errc::bad_length) << e.what();
        EXPECT_GE(e.offset(), 132);
        EXPECT_LT(e.offset(), int64_t(bytes.size()));
        // Then under a memory limit.
        std::string how;
        bool ok = run_in_child(
            [&]() -> int {
#ifndef DK_TEST_ASAN
                struct rlimit lim {};
                lim.rlim_cur = lim.rlim_max = rlim_t(512) << 20;
                if (::setrlimit(RLIMIT_AS, &lim) != 0) return 3;
#endif
                try {
                    read_memory(bytes.data(), bytes.size(), {}, /*borrow=*/true);
                } catch (const Error &err) {
                    return err.code() == Errc::bad_length ? 0 : 1;
                } catch (const std::bad_alloc &) {
                    return 4;
                }
                return 2;
            },
            &how);
        EXPECT_TRUE(ok) << how;
    }
}

TEST(ReaderErrors, UndefinedLengthItemWithoutDelimiter) {
    W d;
    d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFF);
    d.item(0xFFFFFFFF);
    d.text(0x0008, 0x1150, "UI", "1.2.3");
    // ... and the data ends: no Item Delimitation Item, no Sequence Delimitation Item.
    size_t ds_start = 0;
    auto file = part10(kExplicitLE, d.b, true, &ds_start);
    Error e = read_error(file);
    EXPECT_EQ(e.code(), Errc::truncated) << e.what();
    EXPECT_EQ(e.offset(), int64_t(file.size()));
    // With the Item Delimitation Item but no Sequence Delimitation Item.
    d.item_end();
    Error s = read_error(part10(kExplicitLE, d.b));
    EXPECT_EQ(s.code(), Errc::truncated) << s.what();
    // Items of defined length whose content overruns the item: bad_length.
    W o;
    o.header(0x0008, 0x1140, "SQ", 0xFFFFFFFF);
    o.item(8);  // 8 bytes, but the element inside takes 8 + 6
    o.text(0x0008, 0x1150, "UI", "1.2.3");
    o.seq_end();
    Error b = read_error(part10(kExplicitLE, o.b));
    EXPECT_TRUE(b.code() == Errc::bad_length || b.code() == Errc::truncated) << b.what();
}

TEST(ReaderErrors, DelimitersWhereTheyDoNotBelong) {
    // An Item Delimitation Item in the top-level dataset (PS3.5 7.5.2: only inside items).
    W d;
    d.text(0x0008, 0x0016, "UI", "1.2.3");
    d.item_end();
    EXPECT_EQ(read_error(part10(kExplicitLE, d.b)).code(), Errc::malformed);
    // A Sequence Delimitation Item inside a sequence of defined length.
    W s;
    s.header(0x0008, 0x1140, "SQ", 8);
    s.seq_end();
    EXPECT_EQ(read_error(part10(kExplicitLE, s.b)).code(), Errc::malformed);
    // A data element where an item is expected.
    W x;
    x.header(0x0008, 0x1140, "SQ", 0xFFFFFFFF);
    x.text(0x0008, 0x1150, "UI", "1.2.3");
    x.seq_end();
    EXPECT_EQ(read_error(part10(kExplicitLE, x.b)).code(), Errc::malformed);
}

// ---------------------------------------------------------------------------------------------------
// Deflate (PS3.5 A.5)

std::vector<uint8_t> big_zero_dataset(size_t n) {
    W d;
    d.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
    d.header(0x0042, 0x0011, "OB", uint32_t(n));
    d.raw(std::vector<uint8_t>(n, 0));
    return d.b;
}

TEST(ReaderDeflate, RefusedWithoutZlib) {
    if (DK_TEST_WITH_ZLIB) GTEST_SKIP() << "built with zlib";
    // Without zlib a deflated file is a valid feature this build does not handle, said so.
    const Error e = read_error(part10(kDeflated, deflate_raw(big_zero_dataset(10))));
    EXPECT_EQ(e.code(), Errc::unsupported);
    EXPECT_NE(std::string(e.what()).find("DCMKIT_WITH_ZLIB=OFF"), std::string::npos) << e.what();
}

TEST(ReaderDeflate, ValidDeflatedDatasetReads) {
    NEED_ZLIB();
    auto plain = big_zero_dataset(1000);
    auto file = part10(kDeflated, deflate_raw(plain));
    DicomFile f = read(file);
    EXPECT_EQ(f.transfer_syntax, kDeflated);
    EXPECT_EQ(f.dataset.get_string(Tag(0x0008, 0x0016)), "1.2.840.10008.5.1.4.1.1.7");
    EXPECT_EQ(f.dataset.find(Tag(0x0042, 0x0011))->value.size(), 1000u);
}

TEST(ReaderDeflate, EmptyDeflatedDataset) {
    NEED_ZLIB();
    // An empty dataset deflates to a 2-byte stream (a final empty fixed block): shorter than any
    // element header, yet a complete file.
    auto stream = deflate_raw({});
    ASSERT_LT(stream.size(), 8u);
    DicomFile f = read(part10(kDeflated, stream));
    EXPECT_TRUE(f.dataset.empty());
    EXPECT_EQ(f.transfer_syntax, kDeflated);
}

TEST(ReaderDeflate, DeflateBomb) {
    NEED_ZLIB();
    // 16 MB of zeros deflate to a few kB; with a 1 MB inflation limit the reader must refuse.
    auto plain = big_zero_dataset(16u << 20);
    auto compressed = deflate_raw(plain);
    ASSERT_LT(compressed.size(), 64u * 1024);
    size_t ds_start = 0;
    auto file = part10(kDeflated, compressed, true, &ds_start);
    ReadOptions opt;
    opt.max_inflated_size = 1u << 20;
    Error e = read_error(file, opt);
    EXPECT_EQ(e.code(), Errc::bad_length) << e.what();
    EXPECT_EQ(e.offset(), int64_t(ds_start));
    // read_dataset (the network path) applies the same limit.
    Error n = expect_error([&] {
        read_dataset(Source::from_vector(compressed), kDeflated, opt);
    });
    EXPECT_EQ(n.code(), Errc::bad_length) << n.what();
    // Within the limit it reads.
    opt.max_inflated_size = 32u << 20;
    EXPECT_EQ(read(file, opt).dataset.find(Tag(0x0042, 0x0011))->value.size(), 16u << 20);
}

TEST(ReaderDeflate, CorruptStream) {
    NEED_ZLIB();
    // Block type 3 is reserved in RFC 1951 3.2.3: 0xFF starts with BFINAL=1, BTYPE=11.
    size_t ds_start = 0;
    auto file = part10(kDeflated, std::vector<uint8_t>(32, 0xFF), true, &ds_start);
    Error e = read_error(file);
    EXPECT_EQ(e.code(), Errc::malformed) << e.what();
    EXPECT_GE(e.offset(), int64_t(ds_start));
    EXPECT_LE(e.offset(), int64_t(file.size()));
    // A valid stream cut in half: truncated.
    auto compressed = deflate_raw(big_zero_dataset(100000));
    compressed.resize(compressed.size() / 2);
    Error t = read_error(part10(kDeflated, compressed));
    EXPECT_EQ(t.code(), Errc::truncated) << t.what();
    // No deflate data at all: the stream is missing.
    Error z = read_error(part10(kDeflated, {}));
    EXPECT_EQ(z.code(), Errc::truncated) << z.what();
    // A valid stream whose inflated content is a truncated dataset.
    auto plain = big_zero_dataset(100);
    plain.resize(plain.size() - 10);
    Error i = read_error(part10(kDeflated, deflate_raw(plain)));
    EXPECT_EQ(i.code(), Errc::bad_length) << i.what();
}

// ---------------------------------------------------------------------------------------------------
// Encapsulated pixel data (PS3.5 A.4)

std::vector<uint8_t> encapsulated(const std::vector<uint32_t> &bot, const std::vector<std::string> &fragments,
                                  int frames, bool delimiter = true) {
    W d;
    d.text(0x0028, 0x0008, "IS", std::to_string(frames));
    d.us(0x0028, 0x0010, 4);
    d.us(0x0028, 0x0011, 4);
    d.us(0x0028, 0x0100, 8);
    d.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFF);
    d.item(uint32_t(4 * bot.size()));  // Basic Offset Table
    for (uint32_t o : bot) d.u32(o);
    for (const auto &f : fragments) {
        d.item(uint32_t(f.size()));
        d.raw(f);
    }
    if (delimiter) d.seq_end();
    return part10(kJpegBaseline, d.b);
}

TEST(ReaderPixel, BadFragmentLength) {
    W d;
    d.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFF);
    d.item(0);
    const size_t at = d.size();
    d.item(0x100);  // 256 bytes promised, 4 given
    d.raw("\xFF\xD8\xFF\xD9"s);
    size_t ds_start = 0;
    auto file = part10(kJpegBaseline, d.b, true, &ds_start);
    Error e = read_error(file);
    EXPECT_EQ(e.code(), Errc::bad_length) << e.what();
    EXPECT_EQ(e.offset(), int64_t(ds_start + at));
    EXPECT_EQ(e.tag(), tags::PixelData.value);
    // A fragment of undefined length is not allowed (PS3.5 A.4: items of defined length).
    W u;
    u.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFF);
    u.item(0);
    u.item(0xFFFFFFFF);
    u.raw("\xFF\xD8\xFF\xD9"s);
    u.seq_end();
    EXPECT_EQ(read_error(part10(kJpegBaseline, u.b)).code(), Errc::malformed);
    // No Sequence Delimitation Item at the end: the error names Pixel Data.
    const Error no_end = read_error(encapsulated({}, {"\xFF\xD8\xFF\xD9"s}, 1, false));
    EXPECT_EQ(no_end.code(), Errc::truncated);
    EXPECT_EQ(no_end.tag(), 0x7FE00010u) << no_end.what();
    // Something other than an item among the fragments.
    W x;
    x.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFF);
    x.item(0);
    x.text(0x0008, 0x0016, "UI", "1.2");
    EXPECT_EQ(read_error(part10(kJpegBaseline, x.b)).code(), Errc::malformed);
}

TEST(ReaderPixel, FrameBytesWithABasicOffsetTablePointingNowhere) {
    const std::string f1 = "\xFF\xD8\x01\xFF\xD9\x00"s, f2 = "\xFF\xD8\x02\x02\xFF\xD9"s;
    // Valid: frame 0 at offset 0, frame 1 after the first fragment's item (8 + 6 = 14).
    {
        DicomFile f = read(encapsulated({0, 14}, {f1, f2}, 2));
        EXPECT_EQ(frame_bytes(f.dataset, 0).str(), f1);
        EXPECT_EQ(frame_bytes(f.dataset, 1).str(), f2);
        EXPECT_EQ(expect_error([&] { frame_bytes(f.dataset, 2); }).code(), Errc::invalid_argument);
    }
    // Offset 9999 is no fragment's start.
    {
        DicomFile f = read(encapsulated({0, 9999}, {f1, f2}, 2));
        EXPECT_EQ(expect_error([&] { frame_bytes(f.dataset, 1); }).code(), Errc::malformed);
        EXPECT_EQ(expect_error([&] { frame_bytes(f.dataset, 0); }).code(), Errc::malformed);
    }
    // Offset 13 lands inside the first fragment.
    {
        DicomFile f = read(encapsulated({0, 13}, {f1, f2}, 2));
        EXPECT_EQ(expect_error([&] { frame_bytes(f.dataset, 1); }).code(), Errc::malformed);
    }
    // Three offsets for two frames.
    {
        DicomFile f = read(encapsulated({0, 14, 28}, {f1, f2}, 2));
        EXPECT_EQ(expect_error([&] { frame_bytes(f.dataset, 0); }).code(), Errc::malformed);
    }
    // Decreasing offsets.
    {
        DicomFile f = read(encapsulated({14, 0}, {f1, f2}, 2));
        EXPECT_EQ(expect_error([&] { frame_bytes(f.dataset, 0); }).code(), Errc::malformed);
    }
    // Native pixel data shorter than the frames it should hold.
    {
        W d;
        d.text(0x0028, 0x0008, "IS", "2");
        d.us(0x0028, 0x0010, 4);
        d.us(0x0028, 0x0011, 4);
        d.us(0x0028, 0x0100, 8);
        d.header(0x7FE0, 0x0010, "OB", 20);  // 2 frames of 16 bytes need 32
        d.raw(std::string(20, '\x7F'));
        DicomFile f = read(part10(kExplicitLE, d.b));
        EXPECT_EQ(frame_bytes(f.dataset, 0).size(), 16u);
        EXPECT_EQ(expect_error([&] { frame_bytes(f.dataset, 1); }).code(), Errc::truncated);
    }
}

// ---------------------------------------------------------------------------------------------------
// Reading options and inference

TEST(ReaderOptions, StopBeforePixels) {
    for (uint16_t px : {uint16_t(0x0010), uint16_t(0x0008), uint16_t(0x0009)}) {  // Pixel, Float, Double Float
        SCOPED_TRACE(px);
        W d;
        d.text(0x0008, 0x0016, "UI", "1.2.3");
        d.us(0x0028, 0x0010, 1);
        d.header(0x7FE0, px, px == 0x0010 ? "OB" : px == 0x0008 ? "OF" : "OD", 0xFFFFFFF0);  // bogus length
        d.raw(std::string(8, '\0'));
        d.text(0xFFFC, 0xFFFC, "OB", "padding!");  // Data Set Trailing Padding after the pixels
        auto file = part10(kExplicitLE, d.b);
        ReadOptions opt;
        opt.stop_before_pixels = true;
        DicomFile f = read(file, opt);
        EXPECT_TRUE(f.dataset.contains(Tag(0x0008, 0x0016)));
        EXPECT_TRUE(f.dataset.contains(Tag(0x0028, 0x0010)));
        EXPECT_FALSE(f.dataset.contains(Tag(0x7FE0, px)));
        EXPECT_FALSE(f.dataset.contains(Tag(0xFFFC, 0xFFFC)));
        EXPECT_EQ(f.dataset.size(), 2u);
        // Without the option the bogus pixel data length is reached and rejected.
        EXPECT_EQ(read_error(file).code(), Errc::bad_length);
    }
    // Pixel data inside a sequence item does not stop the reading (only the top level counts).
    W d;
    d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFF);
    d.item(0xFFFFFFFF);
    d.header(0x7FE0, 0x0010, "OB", 2);
    d.raw("\x01\x02"s);
    d.item_end();
    d.seq_end();
    d.us(0x0028, 0x0010, 1);
    ReadOptions opt;
    opt.stop_before_pixels = true;
    DicomFile f = read(part10(kExplicitLE, d.b), opt);
    EXPECT_TRUE(f.dataset.contains(Tag(0x0028, 0x0010)));
    EXPECT_EQ(f.dataset.get_items(Tag(0x0008, 0x1140)).size(), 1u);
}

TEST(ReaderInference, RawDatasetsWithoutMeta) {
    for (bool ex : {false, true}) {
        for (bool big : {false, true}) {
            if (big && !ex) continue;  // implicit VR big endian does not exist
            SCOPED_TRACE(ts_of(ex, big));
            W d(ex, big);
            d.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
            d.text(0x0010, 0x0010, "PN", "Doe^Jane");
            d.us(0x0028, 0x0010, 0x0102);
            DicomFile f = read(d.b);
            EXPECT_EQ(f.transfer_syntax, ts_of(ex, big));
            EXPECT_FALSE(f.has_preamble);
            EXPECT_TRUE(f.meta.empty());
            EXPECT_EQ(f.dataset_offset, 0u);
            EXPECT_EQ(f.dataset.get_string(Tag(0x0010, 0x0010)), "Doe^Jane");
            EXPECT_EQ(f.dataset.get_int(Tag(0x0028, 0x0010)), 0x0102);
            EXPECT_EQ(f.dataset.find(Tag(0x0028, 0x0010))->vr, VR::US);
            // A forced transfer syntax wins over inference.
            ReadOptions forced;
            forced.transfer_syntax = ts_of(ex, big);
            EXPECT_EQ(read(d.b, forced).dataset.get_int(Tag(0x0028, 0x0010)), 0x0102);
            // Inference switched off: not DICOM.
            ReadOptions no_infer;
            no_infer.infer_transfer_syntax = false;
            EXPECT_EQ(read_error(d.b, no_infer).code(), Errc::not_dicom);
        }
    }
}

TEST(ReaderInference, Part10WithoutPreamble) {
    for (const std::string &ts : {kExplicitLE, kImplicit, kExplicitBE}) {
        SCOPED_TRACE(ts);
        W dd(ts != kImplicit, ts == kExplicitBE);
        dd.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
        dd.text(0x0010, 0x0010, "PN", "Doe^Jane");
        size_t ds_start = 0;
        auto file = part10(ts, dd.b, /*preamble=*/false, &ds_start);
        ASSERT_EQ(file[0], 0x02);  // starts with group 0002
        DicomFile f = read(file);
        EXPECT_FALSE(f.has_preamble);
        EXPECT_EQ(f.transfer_syntax, ts);
        EXPECT_EQ(f.meta.get_string(tags::TransferSyntaxUID), ts);
        EXPECT_EQ(f.dataset_offset, ds_start);
        EXPECT_EQ(f.dataset.get_string(Tag(0x0010, 0x0010)), "Doe^Jane");
        EXPECT_FALSE(f.dataset.contains(tags::TransferSyntaxUID));
    }
}

TEST(ReaderInference, UnknownTransferSyntaxInTheMeta) {
    // PS3.5 10.1: an unknown UID is assumed explicit VR little endian with encapsulated pixel data.
    W d;
    d.text(0x0010, 0x0010, "PN", "Doe^Jane");
    DicomFile f = read(part10("1.2.3.4.5.6", d.b));
    EXPECT_EQ(f.transfer_syntax, "1.2.3.4.5.6");
    EXPECT_EQ(f.dataset.get_string(Tag(0x0010, 0x0010)), "Doe^Jane");
}

// ---------------------------------------------------------------------------------------------------
// Writing to places that refuse the bytes

DicomFile small_file(size_t pixel_bytes = 16) {
    DicomFile f;
    f.dataset.set_string(tags::SOPClassUID, "1.2.840.10008.5.1.4.1.1.7");
    f.dataset.set_string(tags::SOPInstanceUID, "1.2.3.4");
    f.dataset.set_bytes(tags::PixelData, VR::OB, Bytes(std::vector<uint8_t>(pixel_bytes, 0x55)));
    f.transfer_syntax = kExplicitLE;
    return f;
}

TEST(WriterErrors, DevFullIsAFullDisk) {
    struct stat st {};
    if (::stat("/dev/full", &st) != 0 || !S_ISCHR(st.st_mode)) GTEST_SKIP() << "no /dev/full here";
    WriteOptions opt;
    opt.atomic = false;  // a device: no folder to create a temporary file in
    Error e = expect_error([&] { write_file("/dev/full", small_file(), opt); });
    EXPECT_EQ(e.code(), Errc::io) << e.what();
    // Large writes too (they bypass the writer's buffer).
    Error big = expect_error([&] { write_file("/dev/full", small_file(1u << 20), opt); });
    EXPECT_EQ(big.code(), Errc::io) << big.what();
    // The device is still there: a failed write never unlinks what is not a regular file.
    struct stat after {};
    ASSERT_EQ(::stat("/dev/full", &after), 0) << "write_file removed /dev/full";
    EXPECT_TRUE(S_ISCHR(after.st_mode));
}

TEST(WriterErrors, NonExistentFolder) {
    TempDir dir;
    ASSERT_FALSE(dir.path.empty());
    const std::string path = dir.path + "/no/such/folder/out.dcm";
    for (bool atomic : {true, false}) {
        WriteOptions opt;
        opt.atomic = atomic;
        Error e = expect_error([&] { write_file(path, small_file(), opt); });
        EXPECT_EQ(e.code(), Errc::io) << e.what();
    }
    EXPECT_TRUE(dir.list().empty());
}

TEST(WriterErrors, ReadOnlyFolder) {
    TempDir dir;
    ASSERT_FALSE(dir.path.empty());
    ASSERT_EQ(::chmod(dir.path.c_str(), 0555), 0);
    // Root (CAP_DAC_OVERRIDE) ignores folder permissions: probe before relying on them.
    const std::string probe = dir.path + "/probe";
    int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
        ::close(fd);
        ::unlink(probe.c_str());
        GTEST_SKIP() << "folder permissions do not apply to this user (root?)";
    }
    WriteOptions opt;
    opt.atomic = true;
    Error e = expect_error([&] { write_file(dir.path + "/out.dcm", small_file(), opt); });
    EXPECT_EQ(e.code(), Errc::io) << e.what();
    EXPECT_TRUE(dir.list().empty()) << "a temporary file was left behind";
}

TEST(WriterErrors, FailedRenameLeavesNoTemporaryFile) {
    // The target is an existing folder: the temporary file is written, then rename() fails.
    TempDir dir;
    ASSERT_FALSE(dir.path.empty());
    const std::string target = dir.path + "/target";
    ASSERT_EQ(::mkdir(target.c_str(), 0755), 0);
    Error e = expect_error([&] { write_file(target, small_file(), {}); });
    EXPECT_EQ(e.code(), Errc::io) << e.what();
    auto left = dir.list();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0], "target");
    ::rmdir(target.c_str());
}

TEST(WriterErrors, DiskFullDuringAnAtomicWrite) {
    // A file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) makes write() fail with EFBIG part way
    // through, like a full disk, even for root. In a child process, so the limit stays there.
    TempDir dir;
    ASSERT_FALSE(dir.path.empty());
    const std::string path = dir.path + "/out.dcm";
    // An existing file that the failed write must leave intact.
    write_file(path, small_file(16));
    std::vector<uint8_t> before;
    {
        std::ifstream in(path, std::ios::binary);
        before.assign(std::istreambuf_iterator<char>(in), {});
    }
    ASSERT_FALSE(before.empty());
    std::string how;
    bool ok = run_in_child(
        [&]() -> int {
            ::signal(SIGXFSZ, SIG_IGN);
            struct rlimit lim {};
            lim.rlim_cur = lim.rlim_max = 4096;
            if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) return 3;
            for (bool atomic : {true, false}) {
                WriteOptions opt;
                opt.atomic = atomic;
                const std::string p = atomic ? path : dir.path + "/direct.dcm";
                try {
                    write_file(p, small_file(1u << 20), opt);
                    return 2;
                } catch (const Error &e) {
                    if (e.code() != Errc::io) return 1;
                }
            }
            return 0;
        },
        &how);
    EXPECT_TRUE(ok) << how;
    // Only the original file is left, unchanged.
    auto left = dir.list();
    ASSERT_EQ(left.size(), 1u) << (left.size() > 1 ? left[1] : std::string());
    EXPECT_EQ(left[0], "out.dcm");
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> after((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(after, before);
    EXPECT_EQ(read_file(path).dataset.find(tags::PixelData)->value.size(), 16u);
}

}  // namespace

TEST(ReaderErrors, ZeroFilledFileIsNotDicom) {
    // 4 KB of zeros: no DICM prefix, and (0000,0000) of length 0 is no group length (PS3.5 7.2
    // makes it a 4-byte UL), so nothing identifies a dataset.
    EXPECT_EQ(read_error(std::vector<uint8_t>(4096, 0)).code(), Errc::not_dicom);
}
