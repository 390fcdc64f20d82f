// qr_client — helper of the Query/Retrieve benchmark (`./dk.sh bench qr`, bench/qr_report.py):
//
//   qr_client synth DIR INSTANCES STUDIES
//       writes INSTANCES small synthetic CT instances (8x8 pixels, ~1.5 KB each) in STUDIES studies
//       (10 series each, two studies per patient) into DIR/NNNNNN.dcm; Patient's Names cycle through
//       ten surnames, so that PatientName=SMITH* selects exactly one study in ten. Prints
//       "studies S matching-smith M".
//   qr_client find HOST PORT REPEAT PATTERN [-aet AE] [-aec AE]
//       one association, REPEAT identical study-root STUDY-level C-FINDs (Patient's Name = PATTERN;
//       return keys StudyInstanceUID, StudyDate, NumberOfStudyRelatedInstances, PatientName);
//       prints "matches M queries Q seconds S" (S: the queries only; every query must give M).
//   qr_client get HOST PORT OUTDIR STUDY_UID [--no-fsync] [-aet AE] [-aec AE]
//       one association, one study-root STUDY-level C-GET into OUTDIR (streamed to disk, fsynced
//       unless --no-fsync); prints "stored N completed C failed F seconds S".
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/net/association.h"
#include "dcmkit/services/query.h"
#include "dcmkit/services/services.h"
#include "dcmkit/uid.h"

using dcmkit::Dataset;
using dcmkit::Tag;
using dcmkit::VR;
namespace net = dcmkit::net;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char *kCtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char *kSurnames[10] = {"SMITH",  "JONES", "BROWN",  "TAYLOR", "WILSON",
                                       "DAVIES", "EVANS", "THOMAS", "JOHNSON", "ROBERTS"};

Tag kw(const char *keyword) { return dcmkit::tag_from_keyword(keyword); }

int usage() {
    std::fprintf(stderr,
                 "usage: qr_client synth DIR INSTANCES STUDIES\n"
                 "       qr_client find HOST PORT REPEAT PATTERN [-aet AE] [-aec AE]\n"
                 "       qr_client get HOST PORT OUTDIR STUDY_UID [--no-fsync] [-aet AE] [-aec AE]\n");
    return 2;
}

int synth(const std::string &dir, long n, long studies) {
    if (n < 1 || studies < 1 || studies > n) return usage();
    std::filesystem::create_directories(dir);
    const long per_study = n / studies;
    long smith = 0;
    for (long s = 0; s < studies; ++s)
        if ((s / 2) % 10 == 0) ++smith;
    std::vector<uint8_t> px(8 * 8 * 2);
    for (long i = 0; i < n; ++i) {
        const long study = std::min(i / per_study, studies - 1);
        const long in_study = i - study * per_study;
        const long series = in_study % 10;
        const long patient = study / 2;
        char buf[96];
        Dataset ds;
        auto s = [&](const char *k, const std::string &v) { ds.set_string(kw(k), v); };
        s("SpecificCharacterSet", "ISO_IR 100");
        s("SOPClassUID", kCtImageStorage);
        std::snprintf(buf, sizeof buf, "1.2.826.0.1.3680043.9.7.77.%ld.%ld.%ld", study, series, i);
        s("SOPInstanceUID", buf);
        std::snprintf(buf, sizeof buf, "%04ld%02ld%02ld", 2000 + study % 24, 1 + study % 12, 1 + study % 28);
        s("StudyDate", buf);
        s("StudyTime", "101500");
        std::snprintf(buf, sizeof buf, "ACC%06ld", study);
        s("AccessionNumber", buf);
        s("Modality", "CT");
        s("ReferringPhysicianName", "");
        s("StudyDescription", "SYNTHETIC QR STUDY");
        std::snprintf(buf, sizeof buf, "%s^PATIENT%04ld", kSurnames[patient % 10], patient);
        s("PatientName", buf);
        std::snprintf(buf, sizeof buf, "QR%05ld", patient);
        s("PatientID", buf);
        s("PatientBirthDate", "19700101");
        s("PatientSex", patient % 2 ? "F" : "M");
        std::snprintf(buf, sizeof buf, "1.2.826.0.1.3680043.9.7.77.%ld", study);
        s("StudyInstanceUID", buf);
        std::snprintf(buf, sizeof buf, "1.2.826.0.1.3680043.9.7.77.%ld.%ld", study, series);
        s("SeriesInstanceUID", buf);
        s("StudyID", std::to_string(study + 1));
        s("SeriesNumber", std::to_string(series + 1));
        s("InstanceNumber", std::to_string(in_study + 1));
        ds.set_int(kw("SamplesPerPixel"), 1);
        s("PhotometricInterpretation", "MONOCHROME2");
        ds.set_int(kw("Rows"), 8);
        ds.set_int(kw("Columns"), 8);
        ds.set_int(kw("BitsAllocated"), 16);
        ds.set_int(kw("BitsStored"), 12);
        ds.set_int(kw("HighBit"), 11);
        ds.set_int(kw("PixelRepresentation"), 0);
        for (size_t k = 0; k < px.size(); ++k) px[k] = uint8_t((i + k) & 0x0F);
        ds.set_bytes(dcmkit::tags::PixelData, VR::OW, dcmkit::Bytes::copy(px.data(), px.size()));
        dcmkit::DicomFile f;
        f.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
        f.dataset = std::move(ds);
        dcmkit::WriteOptions opt;
        opt.transfer_syntax = dcmkit::uids::ExplicitVRLittleEndian;
        opt.fsync = false;
        std::snprintf(buf, sizeof buf, "/%06ld.dcm", i);
        dcmkit::write_file(dir + buf, f, opt);
    }
    std::printf("studies %ld matching-smith %ld\n", studies, smith);
    return 0;
}

struct Peer {
    std::string host, aet = "QRCLIENT", aec = "ANY-SCP";
    uint16_t port = 0;
    bool fsync = true;
};

/// Parses the trailing options; false on an unknown one.
bool options(const std::vector<std::string> &a, size_t from, Peer &p) {
    for (size_t i = from; i < a.size(); ++i) {
        if (a[i] == "-aet" && i + 1 < a.size()) p.aet = a[++i];
        else if (a[i] == "-aec" && i + 1 < a.size()) p.aec = a[++i];
        else if (a[i] == "--no-fsync") p.fsync = false;
        else return false;
    }
    return true;
}

net::AeConfig config(const Peer &p) {
    net::AeConfig cfg;
    cfg.ae_title = p.aet;
    cfg.log_level = net::LogLevel::warning;
    return cfg;
}

int find(const Peer &p, long repeat, const std::string &pattern) {
    net::AeConfig cfg = config(p);
    cfg.add(dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, {}, false, true);
    Dataset q;
    q.set_string(kw("QueryRetrieveLevel"), "STUDY");
    q.set_string(kw("PatientName"), pattern);
    q.set_string(kw("StudyInstanceUID"), "");
    q.set_string(kw("StudyDate"), "");
    q.set_string(kw("NumberOfStudyRelatedInstances"), "");
    auto assoc = net::Association::connect(cfg, p.host, p.port, p.aec);
    long first = -1;
    const auto t0 = Clock::now();
    for (long r = 0; r < repeat; ++r) {
        long n = 0;
        net::FindResult res = net::find(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelFind, q, [&](const Dataset &) {
            ++n;
            return true;
        });
        if (res.status != 0) {
            std::fprintf(stderr, "qr_client: C-FIND failed: %s\n",
                         net::qr_status_text(net::dimse::C_FIND_RSP, res.status).c_str());
            return 1;
        }
        if (first < 0) first = n;
        else if (n != first) {
            std::fprintf(stderr, "qr_client: query %ld gave %ld matches, the first %ld\n", r + 1, n, first);
            return 1;
        }
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    assoc->release();
    std::printf("matches %ld queries %ld seconds %.6f\n", first, repeat, s);
    return 0;
}

int get(const Peer &p, const std::string &out, const std::string &study_uid) {
    net::AeConfig cfg = config(p);
    cfg.add(dcmkit::uids::StudyRootQueryRetrieveInformationModelGet, {}, false, true);
    cfg.add_get_storage();
    Dataset q;
    q.set_string(kw("QueryRetrieveLevel"), "STUDY");
    q.set_string(kw("StudyInstanceUID"), study_uid);
    net::StorageFolder folder(out, p.fsync);
    const auto t0 = Clock::now();
    auto assoc = net::Association::connect(cfg, p.host, p.port, p.aec);
    net::RetrieveResult r = net::get(*assoc, dcmkit::uids::StudyRootQueryRetrieveInformationModelGet, q, folder);
    assoc->release();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("stored %zu completed %u failed %u seconds %.6f\n", r.stored, r.completed, r.failed, s);
    return r.status == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
    std::vector<std::string> a(argv + 1, argv + argc);
    try {
        if (a.size() == 4 && a[0] == "synth") return synth(a[1], std::atol(a[2].c_str()), std::atol(a[3].c_str()));
        if (a.size() >= 5 && (a[0] == "find" || a[0] == "get")) {
            Peer p;
            p.host = a[1];
            p.port = uint16_t(std::atoi(a[2].c_str()));
            if (!options(a, 5, p) || p.port == 0) return usage();
            if (a[0] == "find") return find(p, std::max(1L, std::atol(a[3].c_str())), a[4]);
            return get(p, a[3], a[4]);
        }
    } catch (const dcmkit::Error &e) {
        std::fprintf(stderr, "qr_client: error: %s\n", e.what());
        return 1;
    }
    return usage();
}
