// De-identification of files into a folder (deidentify_files): the same files, names and results
// whatever the number of threads and whether the pixel data is copied by copy_file_range; errors per
// file; the first of two inputs that are the same instance wins; nothing is left half written.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "dcmkit/deidentify.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"

using namespace dcmkit;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/dk_deid_files_XXXXXX";
        const char *p = ::mkdtemp(tmpl);
        path = p ? p : "";
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

std::vector<uint8_t> slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void spit(const std::string &path, const std::string &bytes) {
    std::ofstream f(path, std::ios::binary);
    f << bytes;
}

std::vector<std::string> list_dir(const std::string &dir) {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (const dirent *e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// The pixel value of file n: 256 x 256 16-bit samples, a pattern that differs per file.
std::vector<uint8_t> pixels_of(int n) {
    std::vector<uint8_t> px(256 * 256 * 2);
    for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t((i * 7 + size_t(n) * 13) ^ (i >> 9));
    return px;
}

// A CT image (or, with `modality` US, one the profile refuses for likely burned-in text).
void write_image(const std::string &path, int n, const std::string &modality = "CT") {
    DicomFile f;
    f.transfer_syntax = "1.2.840.10008.1.2.1";
    Dataset &ds = f.dataset;
    ds.set_string(Tag(0x0008, 0x0016), "1.2.840.10008.5.1.4.1.1.2", VR::UI);
    ds.set_string(Tag(0x0008, 0x0018), "1.2.826.0.1.3680043.2.1125.7." + std::to_string(n), VR::UI);
    ds.set_string(Tag(0x0008, 0x0060), modality, VR::CS);
    ds.set_string(Tag(0x0010, 0x0010), "Doe^Jane", VR::PN);
    ds.set_string(Tag(0x0010, 0x0020), "MRN" + std::to_string(n % 2), VR::LO);
    ds.set_string(Tag(0x0020, 0x000D), "1.2.826.0.1.3680043.2.1125.8", VR::UI);
    ds.set_string(Tag(0x0020, 0x000E), "1.2.826.0.1.3680043.2.1125.9", VR::UI);
    ds.set_string(Tag(0x0028, 0x0002), "1", VR::US);
    ds.set_string(Tag(0x0028, 0x0004), "MONOCHROME2", VR::CS);
    ds.set_string(Tag(0x0028, 0x0010), "256", VR::US);
    ds.set_string(Tag(0x0028, 0x0011), "256", VR::US);
    ds.set_string(Tag(0x0028, 0x0100), "16", VR::US);
    ds.set_string(Tag(0x0028, 0x0101), "16", VR::US);
    ds.set_string(Tag(0x0028, 0x0102), "15", VR::US);
    ds.set_string(Tag(0x0028, 0x0103), "0", VR::US);
    ds.set_bytes(Tag(0x7FE0, 0x0010), VR::OW, Bytes(pixels_of(n)));
    WriteOptions wo;
    wo.fsync = false;
    write_file(path, f, wo);
}

struct FilesRun {
    std::vector<DeidFileResult> results;
    std::vector<size_t> progress_done;
};

FilesRun run_files(const std::vector<std::string> &inputs, const std::string &out, unsigned jobs, bool copy_range) {
    DeidOptions o;
    o.key = std::vector<uint8_t>(32, 0x5A);
    DeidFilesOptions fo;
    fo.output = out;
    fo.jobs = jobs;
    fo.fsync = false;
    fo.copy_file_range = copy_range;
    FilesRun r;
    size_t expected_total = inputs.size();
    r.results = deidentify_files(inputs, o, fo, [&](size_t done, size_t total, const DeidFileResult &res) {
        EXPECT_EQ(total, expected_total);
        EXPECT_EQ(res.input, inputs[done - 1]);  // in input order
        r.progress_done.push_back(done);
    });
    return r;
}

}  // namespace

TEST(DeidentifyFiles, SameOutputWhateverTheThreadsAndCopyMode) {
    TempDir tmp;
    ASSERT_FALSE(tmp.path.empty());
    const std::string in = tmp.path + "/in";
    ASSERT_EQ(::mkdir(in.c_str(), 0755), 0);
    std::vector<std::string> inputs;
    for (int n = 0; n < 12; ++n) {
        inputs.push_back(in + "/img" + std::to_string(n) + ".dcm");
        write_image(inputs.back(), n);
    }
    // Per-file trouble in the middle: not DICOM, a truncated file, likely burned-in text, and a copy
    // of the first image (the same instance) after it.
    inputs.insert(inputs.begin() + 3, in + "/notes.txt");
    spit(inputs[3], "not a DICOM file at all, just some text that is long enough to be looked at");
    inputs.insert(inputs.begin() + 5, in + "/cut.dcm");
    {
        const std::vector<uint8_t> whole = slurp(inputs[0]);
        spit(inputs[5], std::string(whole.begin(), whole.end() - 1000));  // in the pixel data
    }
    inputs.insert(inputs.begin() + 7, in + "/us.dcm");
    write_image(inputs[7], 100, "US");
    inputs.insert(inputs.begin() + 9, in + "/again.dcm");
    {
        const std::vector<uint8_t> whole = slurp(inputs[0]);
        spit(inputs[9], std::string(whole.begin(), whole.end()));
    }

    const FilesRun a = run_files(inputs, tmp.path + "/a", 1, false);
    const FilesRun b = run_files(inputs, tmp.path + "/b", 4, true);
    const FilesRun c = run_files(inputs, tmp.path + "/c", 3, false);
    ASSERT_EQ(a.results.size(), inputs.size());
    for (const FilesRun *r : {&a, &b, &c}) {
        ASSERT_EQ(r->progress_done.size(), inputs.size());
        for (size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(r->progress_done[i], i + 1);
    }
    size_t written = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const DeidFileResult &ra = a.results[i], &rb = b.results[i];
        EXPECT_EQ(ra.input, inputs[i]);
        EXPECT_EQ(int(ra.status), int(rb.status)) << inputs[i];
        EXPECT_EQ(int(ra.status), int(c.results[i].status)) << inputs[i];
        EXPECT_EQ(ra.message, rb.message) << inputs[i];
        if (ra.status == DeidFileStatus::written) {
            ++written;
            const std::string name = ra.output.substr(ra.output.rfind('/') + 1);
            EXPECT_EQ(rb.output, tmp.path + "/b/" + name);
            // The file is the single-file de-identification of its input, byte for byte.
            DicomFile f = read_file(inputs[i]);
            DeidOptions o;
            o.key = std::vector<uint8_t>(32, 0x5A);
            DeidReport rep;
            deidentify(f, o, rep);
            WriteOptions wo;
            const std::vector<uint8_t> expected = write_memory(f, wo);
            EXPECT_EQ(slurp(ra.output), expected) << inputs[i];
            EXPECT_EQ(slurp(rb.output), expected) << inputs[i];
            EXPECT_EQ(slurp(c.results[i].output), expected) << inputs[i];
            // The pixels are the input's.
            const DicomFile out = read_file(rb.output);
            const Element *px = out.dataset.find(Tag(0x7FE0, 0x0010));
            ASSERT_NE(px, nullptr);
            const std::vector<uint8_t> want = pixels_of(std::stoi(inputs[i].substr(inputs[i].rfind("img") + 3)));
            EXPECT_EQ(std::vector<uint8_t>(px->value.data(), px->value.data() + px->value.size()), want);
            EXPECT_NE(out.dataset.get_string_or(Tag(0x0010, 0x0010), ""), "Doe^Jane");
        }
    }
    EXPECT_EQ(written, 12u);
    EXPECT_EQ(a.results[3].status, DeidFileStatus::skipped);
    EXPECT_EQ(a.results[3].message, "not DICOM");
    EXPECT_EQ(a.results[5].status, DeidFileStatus::failed);
    EXPECT_NE(a.results[5].message.find("cannot be read"), std::string::npos) << a.results[5].message;
    EXPECT_EQ(a.results[7].status, DeidFileStatus::refused);
    EXPECT_NE(a.results[7].message.find("US"), std::string::npos) << a.results[7].message;
    EXPECT_EQ(a.results[9].status, DeidFileStatus::failed);
    EXPECT_EQ(a.results[9].message, "is the same instance as " + inputs[0] + " (same SOP Instance UID): not written twice");
    EXPECT_EQ(a.results[0].status, DeidFileStatus::written);
    // Only the files written: no temporaries left behind.
    const std::vector<std::string> la = list_dir(tmp.path + "/a"), lb = list_dir(tmp.path + "/b");
    EXPECT_EQ(la.size(), 12u);
    EXPECT_EQ(la, lb);
    for (const std::string &n : la) EXPECT_EQ(n.substr(n.size() - 4), ".dcm") << n;
}

TEST(DeidentifyFiles, BadKeyRefusedBeforeAnyFileIsTouched) {
    TempDir tmp;
    const std::string in = tmp.path + "/x.dcm", out = tmp.path + "/out";
    write_image(in, 1);
    DeidOptions o;
    o.key = std::vector<uint8_t>(8, 1);  // too short
    DeidFilesOptions fo;
    fo.output = out;
    try {
        deidentify_files({in}, o, fo);
        FAIL() << "a short key was accepted";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
    }
    struct stat st {};
    EXPECT_NE(::stat(out.c_str(), &st), 0);  // the output folder was not made
    o.key = std::vector<uint8_t>(32, 1);
    fo.output = in + "/sub";  // under a file: cannot be made
    try {
        deidentify_files({in}, o, fo);
        FAIL() << "an impossible output folder was accepted";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::io);
    }
}
