// make_corpus — writes the parse benchmark's corpus with dcmkit's own writer:
//   DIR/ct/ct_0000.dcm … ct_NNNN.dcm   CT images, 512x512x16-bit, ~80 attributes, one nested sequence
//                                      and a private block, explicit VR little endian, unique UIDs
//   DIR/multiframe.dcm                 one multi-frame 16-bit image (550 frames of 512x512: 288 MB)
//   DIR/ct8/ct8_0000.dcm … ct8_NNNN.dcm  the same phantom windowed to 8 bits (512x512x8-bit secondary
//                                      captures; for the codec benchmark's JPEG baseline row)
//   DIR/corpus.ok                      written last: what was generated (the cache key)
//
// An existing corpus whose corpus.ok matches the requested parameters (and whose files are all
// present) is reused; anything else is removed and generated again.
//
// usage: make_corpus DIR [--count N] [--frames N] [--count8 N] [--force]
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/uid.h"

namespace fs = std::filesystem;
using dcmkit::Dataset;
using dcmkit::Tag;
using dcmkit::VR;

namespace {

constexpr int kRows = 512, kColumns = 512;
constexpr const char *kCorpusVersion = "dcmkit-bench-corpus 3";
constexpr const char *kCtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char *kMultiFrameGrayscaleWordSC = "1.2.840.10008.5.1.4.1.1.7.3";
constexpr const char *kSecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";

Tag kw(const char *keyword) { return dcmkit::tag_from_keyword(keyword); }

/// xorshift64*: cheap, deterministic noise.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 0x1234567ull) {}
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1Dull;
    }
};

/// A body-like phantom (air, an ellipse of soft tissue, a bony ring, two "organs"), 12-bit values
/// stored with a rescale intercept of -1024: computed once, then each image gets its own noise.
std::vector<uint16_t> make_phantom() {
    std::vector<uint16_t> img(size_t(kRows) * kColumns);
    for (int y = 0; y < kRows; ++y) {
        for (int x = 0; x < kColumns; ++x) {
            const double dx = (x - 256) / 220.0, dy = (y - 270) / 170.0;
            const double r = dx * dx + dy * dy;
            int hu = -1000;  // air
            if (r < 1.0) hu = 40;                                                       // soft tissue
            if (r < 1.0 && r > 0.85) hu = 700;                                          // bone ring
            if ((x - 190) * (x - 190) + (y - 250) * (y - 250) < 45 * 45) hu = -800;     // lung
            if ((x - 320) * (x - 320) + (y - 250) * (y - 250) < 50 * 50) hu = 60;       // liver
            img[size_t(y) * kColumns + x] = uint16_t(hu + 1024);
        }
    }
    return img;
}

/// One frame: the phantom plus noise in [-16, 15], four pixels per 64-bit random draw.
void noisy_frame(const std::vector<uint16_t> &phantom, uint64_t seed, uint16_t *out) {
    Rng rng(seed);
    const size_t n = phantom.size();
    for (size_t i = 0; i < n; i += 4) {
        uint64_t r = rng.next();
        for (size_t k = 0; k < 4 && i + k < n; ++k) {
            int v = int(phantom[i + k]) + int((r >> (16 * k)) & 31) - 16;
            out[i + k] = uint16_t(v < 0 ? 0 : (v > 4095 ? 4095 : v));
        }
    }
}

/// An 8-bit frame: the noisy 12-bit frame through a window of centre 40 HU, width 1000 HU (as an
/// 8-bit export of the CT would be), so the noise stays visible (about +-4 grey levels).
void window_to_8bit(const uint16_t *in, size_t n, uint8_t *out) {
    constexpr int lo = 1024 + 40 - 500, width = 1000;
    for (size_t i = 0; i < n; ++i) {
        const int v = (int(in[i]) - lo) * 255 / width;
        out[i] = uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
    }
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

/// The header of a CT image as a scanner would write it: SOP common, patient, general study,
/// patient study, general series, frame of reference, general equipment, general/CT image,
/// image plane, image pixel, VOI LUT and a private block, plus ReferencedImageSequence.
Dataset ct_header(const std::string &study_uid, const std::string &series_uid, const std::string &frame_uid,
                  int patient, int instance, const char *sop_class) {
    Dataset ds;
    auto s = [&](const char *k, const std::string &v) { ds.set_string(kw(k), v); };
    auto n = [&](const char *k, int64_t v) { ds.set_int(kw(k), v); };

    // SOP Common
    s("SpecificCharacterSet", "ISO_IR 100");
    ds.set_strings(kw("ImageType"), {"ORIGINAL", "PRIMARY", "AXIAL"});
    s("SOPClassUID", sop_class);
    s("SOPInstanceUID", dcmkit::generate_uid());
    // General Study / Patient Study
    s("StudyDate", "20240312");
    s("SeriesDate", "20240312");
    s("AcquisitionDate", "20240312");
    s("ContentDate", "20240312");
    s("StudyTime", "100112.000000");
    s("SeriesTime", "100547.000000");
    s("AcquisitionTime", fixed(100547.0 + instance * 0.25, 6));
    s("ContentTime", fixed(100547.0 + instance * 0.25, 6));
    s("AccessionNumber", "ACC" + std::to_string(100000 + patient));
    s("Modality", "CT");
    s("Manufacturer", "DCMKIT Bench Systems");
    s("InstitutionName", "Hôpital Universitaire de Référence");
    s("InstitutionAddress", "12 Rue de l'Exemple, 75000 Paris");
    s("ReferringPhysicianName", "Dupont^Jean^^Dr.");
    s("StationName", "CTSCAN01");
    s("StudyDescription", "CT THORAX ABDOMEN PELVIS WITH CONTRAST");
    s("SeriesDescription", "AXIAL 1.25mm SOFT TISSUE");
    s("InstitutionalDepartmentName", "Radiologie");
    s("OperatorsName", "Tech^Operator");
    s("ManufacturerModelName", "BenchScan 128");
    {
        Dataset ref1, ref2;
        ref1.set_string(kw("ReferencedSOPClassUID"), kCtImageStorage);
        ref1.set_string(kw("ReferencedSOPInstanceUID"), dcmkit::generate_uid());
        ref2.set_string(kw("ReferencedSOPClassUID"), kCtImageStorage);
        ref2.set_string(kw("ReferencedSOPInstanceUID"), dcmkit::generate_uid());
        ds.set_sequence(kw("ReferencedImageSequence"), {ref1, ref2});
    }
    // Private block (group 0009), as scanners add.
    {
        const uint8_t block = ds.reserve_private_block(0x0009, "DCMKIT BENCH PRIVATE");
        auto ptag = [&](uint8_t off) { return Tag(0x0009, uint16_t((block << 8) | off)); };
        ds.set_string(ptag(0x01), "RECON-KERNEL-B30F", VR::LO);
        ds.set_string(ptag(0x02), fixed(0.625 * instance, 3), VR::DS);
        ds.set_bytes(ptag(0x03), VR::OB, dcmkit::Bytes::copy("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
        ds.set_int(ptag(0x04), instance, VR::UL);
    }
    // Patient
    char pname[64];
    std::snprintf(pname, sizeof pname, "Patient%03d^Anonymous", patient);
    s("PatientName", pname);
    s("PatientID", "PID" + std::to_string(500000 + patient));
    s("PatientBirthDate", "19640229");
    s("PatientSex", patient % 2 ? "F" : "M");
    s("PatientAge", "060Y");
    ds.set_number(kw("PatientSize"), 1.72);
    ds.set_number(kw("PatientWeight"), 74.5);
    // CT acquisition (general series, CT image, equipment)
    s("BodyPartExamined", "CHEST");
    s("ScanOptions", "HELICAL MODE");
    ds.set_number(kw("SliceThickness"), 1.25);
    ds.set_number(kw("KVP"), 120);
    s("DeviceSerialNumber", "SN-0042-BENCH");
    s("SoftwareVersions", "dcmkit-bench 1.0");
    s("ProtocolName", "TAP_CONTRAST_1.25");
    ds.set_number(kw("ReconstructionDiameter"), 380);
    ds.set_number(kw("DistanceSourceToDetector"), 1085.6);
    ds.set_number(kw("DistanceSourceToPatient"), 541);
    ds.set_number(kw("GantryDetectorTilt"), 0);
    ds.set_number(kw("TableHeight"), 152.5);
    s("RotationDirection", "CW");
    n("ExposureTime", 500);
    n("XRayTubeCurrent", 250);
    n("Exposure", 125);
    s("FilterType", "BODY FILTER");
    s("ConvolutionKernel", "B30f");
    s("PatientPosition", "FFS");
    // Relationship (general study, series, image)
    s("StudyInstanceUID", study_uid);
    s("SeriesInstanceUID", series_uid);
    s("StudyID", std::to_string(1000 + patient));
    n("SeriesNumber", 3);
    n("AcquisitionNumber", 1);
    n("InstanceNumber", instance + 1);
    // Image plane
    const double z = -100.0 - 1.25 * instance;
    ds.set_numbers(kw("ImagePositionPatient"), {-190.0, -190.0, z});
    ds.set_numbers(kw("ImageOrientationPatient"), {1, 0, 0, 0, 1, 0});
    s("FrameOfReferenceUID", frame_uid);
    s("PositionReferenceIndicator", "SN");
    ds.set_number(kw("SliceLocation"), z);
    // Image pixel
    n("SamplesPerPixel", 1);
    s("PhotometricInterpretation", "MONOCHROME2");
    n("Rows", kRows);
    n("Columns", kColumns);
    ds.set_numbers(kw("PixelSpacing"), {0.7421875, 0.7421875});
    n("BitsAllocated", 16);
    n("BitsStored", 12);
    n("HighBit", 11);
    n("PixelRepresentation", 0);
    // VOI LUT / modality LUT
    ds.set_numbers(kw("WindowCenter"), {40, 400});
    ds.set_numbers(kw("WindowWidth"), {400, 1500});
    ds.set_number(kw("RescaleIntercept"), -1024);
    ds.set_number(kw("RescaleSlope"), 1);
    s("RescaleType", "HU");
    ds.set_strings(kw("WindowCenterWidthExplanation"), {"WINDOW1", "WINDOW2"});
    return ds;
}

void write(const std::string &path, Dataset ds) {
    dcmkit::DicomFile f;
    f.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
    f.dataset = std::move(ds);
    dcmkit::WriteOptions opt;
    opt.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
    opt.fsync = false;  // a cache: corpus.ok, written last, says whether it is complete
    dcmkit::write_file(path, f, opt);
}

std::string ct_name(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "ct_%04d.dcm", i);
    return buf;
}

std::string ct8_name(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "ct8_%04d.dcm", i);
    return buf;
}

std::string manifest_text(int count, int frames, int count8) {
    std::ostringstream m;
    m << kCorpusVersion << "\ncount " << count << "\nframes " << frames << "\ncount8 " << count8 << "\nrows "
      << kRows << "\ncolumns " << kColumns << "\n";
    return m.str();
}

bool corpus_complete(const fs::path &dir, int count, int frames, int count8) {
    std::ifstream in(dir / "corpus.ok");
    if (!in) return false;
    std::stringstream text;
    text << in.rdbuf();
    if (text.str() != manifest_text(count, frames, count8)) return false;
    std::error_code ec;
    const uint64_t frame_size = uint64_t(kRows) * kColumns * 2;
    for (int i = 0; i < count; ++i) {
        auto sz = fs::file_size(dir / "ct" / ct_name(i), ec);
        if (ec || sz < frame_size) return false;
    }
    for (int i = 0; i < count8; ++i) {
        auto sz = fs::file_size(dir / "ct8" / ct8_name(i), ec);
        if (ec || sz < frame_size / 2) return false;
    }
    auto sz = fs::file_size(dir / "multiframe.dcm", ec);
    return !ec && sz >= frame_size * uint64_t(frames);
    // extra ct_*.dcm files (from a larger count) would skew the benchmark: removed on regeneration,
    // and the manifest's count differs then anyway.
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int usage() {
    std::fputs("usage: make_corpus DIR [--count N] [--frames N] [--count8 N] [--force]\n", stderr);
    return 2;
}

}  // namespace

int main(int argc, char **argv) {
    std::string dir_arg;
    int count = 500, frames = 550, count8 = 100;
    bool force = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--count" && i + 1 < argc) count = std::atoi(argv[++i]);
        else if (a == "--frames" && i + 1 < argc) frames = std::atoi(argv[++i]);
        else if (a == "--count8" && i + 1 < argc) count8 = std::atoi(argv[++i]);
        else if (a == "--force") force = true;
        else if (!a.empty() && a[0] != '-' && dir_arg.empty()) dir_arg = a;
        else return usage();
    }
    if (dir_arg.empty() || count < 1 || frames < 1 || count8 < 0) return usage();
    const fs::path dir(dir_arg);

    try {
        if (!force && corpus_complete(dir, count, frames, count8)) {
            std::printf("corpus: reusing %s (%d CT files, %d-frame file, %d 8-bit files)\n", dir.c_str(), count,
                        frames, count8);
            return 0;
        }
        const auto t0 = std::chrono::steady_clock::now();
        std::printf("corpus: generating %s (%d CT files, %d-frame file, %d 8-bit files) ...\n", dir.c_str(), count,
                    frames, count8);
        std::fflush(stdout);
        fs::create_directories(dir);
        fs::remove(dir / "corpus.ok");
        fs::remove_all(dir / "ct");
        fs::remove_all(dir / "ct8");
        fs::remove(dir / "multiframe.dcm");
        fs::create_directories(dir / "ct");
        if (count8 > 0) fs::create_directories(dir / "ct8");

        const std::vector<uint16_t> phantom = make_phantom();
        const size_t frame_bytes = phantom.size() * 2;

        // 500 CT images: 10 patients, one study and series each, 50 slices per series.
        const int per_series = 50;
        std::string study, series, frame_of_ref;
        for (int i = 0; i < count; ++i) {
            if (i % per_series == 0) {
                study = dcmkit::generate_uid();
                series = dcmkit::generate_uid();
                frame_of_ref = dcmkit::generate_uid();
            }
            Dataset ds = ct_header(study, series, frame_of_ref, i / per_series, i % per_series, kCtImageStorage);
            std::vector<uint8_t> px(frame_bytes);
            noisy_frame(phantom, uint64_t(i) + 1, reinterpret_cast<uint16_t *>(px.data()));  // little endian host
            ds.set_bytes(dcmkit::tags::PixelData, VR::OW, dcmkit::Bytes(std::move(px)));
            write((dir / "ct" / ct_name(i)).string(), std::move(ds));
        }
        std::printf("corpus: %d CT files in %.1f s\n", count, seconds_since(t0));
        std::fflush(stdout);

        // The multi-frame file: the pixel buffer is built once in memory (generation may use memory;
        // only the measured lazy open must not).
        {
            const auto t1 = std::chrono::steady_clock::now();
            Dataset ds = ct_header(dcmkit::generate_uid(), dcmkit::generate_uid(), dcmkit::generate_uid(), 999, 0,
                                   kMultiFrameGrayscaleWordSC);
            ds.set_int(dcmkit::tags::NumberOfFrames, frames, VR::IS);
            ds.set_tags(kw("FrameIncrementPointer"), {kw("FrameTime")});
            ds.set_number(kw("FrameTime"), 33.3);
            std::vector<uint8_t> px(frame_bytes * size_t(frames));
            for (int f = 0; f < frames; ++f)
                noisy_frame(phantom, 0xF000 + uint64_t(f), reinterpret_cast<uint16_t *>(px.data() + frame_bytes * f));
            ds.set_bytes(dcmkit::tags::PixelData, VR::OW, dcmkit::Bytes(std::move(px)));
            write((dir / "multiframe.dcm").string(), std::move(ds));
            std::printf("corpus: %d-frame file (%.0f MB) in %.1f s\n", frames,
                        double(fs::file_size(dir / "multiframe.dcm")) / 1e6, seconds_since(t1));
        }

        // The 8-bit set: same phantom and noise as the first CT files, windowed to 8 bits; secondary
        // captures (the CT IOD requires 16 bits allocated), one series.
        if (count8 > 0) {
            const auto t2 = std::chrono::steady_clock::now();
            const std::string study8 = dcmkit::generate_uid(), series8 = dcmkit::generate_uid(),
                              frame_of_ref8 = dcmkit::generate_uid();
            std::vector<uint16_t> frame16(phantom.size());
            for (int i = 0; i < count8; ++i) {
                Dataset ds = ct_header(study8, series8, frame_of_ref8, 888, i, kSecondaryCapture);
                ds.set_string(kw("ConversionType"), "WSD");
                ds.set_int(kw("BitsAllocated"), 8);
                ds.set_int(kw("BitsStored"), 8);
                ds.set_int(kw("HighBit"), 7);
                ds.remove(kw("RescaleIntercept"));
                ds.remove(kw("RescaleSlope"));
                ds.remove(kw("RescaleType"));
                ds.remove(kw("WindowCenterWidthExplanation"));
                ds.set_numbers(kw("WindowCenter"), {128});
                ds.set_numbers(kw("WindowWidth"), {256});
                noisy_frame(phantom, uint64_t(i) + 1, frame16.data());
                std::vector<uint8_t> px(frame16.size());
                window_to_8bit(frame16.data(), frame16.size(), px.data());
                ds.set_bytes(dcmkit::tags::PixelData, VR::OB, dcmkit::Bytes(std::move(px)));
                write((dir / "ct8" / ct8_name(i)).string(), std::move(ds));
            }
            std::printf("corpus: %d 8-bit files in %.1f s\n", count8, seconds_since(t2));
        }

        std::ofstream ok(dir / "corpus.ok", std::ios::trunc);
        ok << manifest_text(count, frames, count8);
        ok.close();
        if (!ok) throw dcmkit::Error(dcmkit::Errc::io, "cannot write " + (dir / "corpus.ok").string());
        std::printf("corpus: done in %.1f s\n", seconds_since(t0));
    } catch (const std::exception &e) {
        std::fprintf(stderr, "make_corpus: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
