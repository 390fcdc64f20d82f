// DICOMDIR against its peers: dicom3tools (dciodvfy, dcentvfy) validate ours, DCMTK appends to it
// and dumps it, pydicom's FileSet opens it and resolves every record; we read DCMTK's (dcmmkdir) and
// GDCM's (gdcmgendir) and find the instances pydicom finds in the files themselves. The file-sets
// are written by pydicom (tests/interop/make_fileset.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/dicomdir.h"
#include "dcmkit/error.h"
#include "peer.h"

using dk_test::TempDir;

namespace {

const std::string kProject = std::string(DCMKIT_STANDARD_DIR) + "/../../..";  // core/data/standard
const std::string kPython = "/usr/bin/python3";
const std::string kMakeFileset = kProject + "/tests/interop/make_fileset.py";

bool have_pydicom() { return dk_test::run({kPython, "-c", "import pydicom.fileset"}).status == 0; }

#define NEED(...)                                                                         \
    do {                                                                                  \
        if (!dk_test::have_tools({__VA_ARGS__}) || !have_pydicom()) GTEST_SKIP() << "peer tools missing"; \
    } while (0)

std::vector<std::string> lines(const std::string &s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

/// dicom3tools report problems as lines starting with "Error"; none is allowed.
std::vector<std::string> errors_in(const std::string &report) {
    std::vector<std::string> out;
    for (const std::string &l : lines(report))
        if (l.rfind("Error", 0) == 0) out.push_back(l);
    return out;
}

std::string joined(const std::vector<std::string> &v) {
    std::string s;
    for (const auto &x : v) s += x + "\n";
    return s;
}

void make_fileset(const std::string &dir) { dk_test::tool({kPython, kMakeFileset, dir}); }

/// "PatientID|StudyUID|SeriesUID|SOPInstanceUID|path" of each DICOM file under `dir`, as pydicom reads
/// the files themselves (the golden list).
std::set<std::string> instances_by_pydicom(const std::string &dir) {
    const std::string script = R"(
import os, sys
from pydicom import dcmread
root = sys.argv[1]
for d, _, names in os.walk(root):
    for n in names:
        p = os.path.join(d, n)
        if n == 'DICOMDIR':
            continue
        try:
            ds = dcmread(p)
        except Exception:
            continue
        print('%s|%s|%s|%s|%s' % (ds.PatientID, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID,
                                  os.path.relpath(p, root)))
)";
    std::set<std::string> out;
    for (const std::string &l : lines(dk_test::tool({kPython, "-c", script, dir}))) out.insert(l);
    return out;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

/// The same list from a DICOMDIR as we read it: each leaf record with its ancestors' keys.
std::set<std::string> instances_by_us(const std::string &dicomdir) {
    const dcmkit::DicomDir d = dcmkit::read_dicomdir(dicomdir);
    std::set<std::string> out;
    for (size_t i = 0; i < d.records.size(); ++i) {
        const dcmkit::DirectoryRecord &r = d.records[i];
        if (r.file_id.empty()) continue;
        const auto &series = d.records.at(r.parent);
        const auto &study = d.records.at(series.parent);
        const auto &patient = d.records.at(study.parent);
        EXPECT_EQ(series.type, "SERIES");
        EXPECT_EQ(study.type, "STUDY");
        EXPECT_EQ(patient.type, "PATIENT");
        const std::string path = d.file_path(i);
        out.insert(trimmed(patient.keys.get_string_or(dcmkit::Tag{0x0010, 0x0020}, "")) + "|" +
                   trimmed(study.keys.get_string_or(dcmkit::Tag{0x0020, 0x000D}, "")) + "|" +
                   trimmed(series.keys.get_string_or(dcmkit::Tag{0x0020, 0x000E}, "")) + "|" + r.sop_instance_uid + "|" +
                   path.substr(d.folder.size() + 1));
    }
    return out;
}

/// pydicom's FileSet over our DICOMDIR: one line per instance it resolves ("OK path name" when the
/// file it loads holds the record's SOP Instance UID), then the patient records' character sets.
std::vector<std::string> pydicom_fileset(const std::string &dicomdir) {
    const std::string script = R"(
import sys
from pydicom import dcmread
from pydicom.fileset import FileSet
fs = FileSet(dcmread(sys.argv[1]))
for inst in fs:
    ds = inst.load()
    ok = 'OK' if (ds.SOPInstanceUID == inst.SOPInstanceUID and ds.SOPClassUID == inst.SOPClassUID and
                  ds.file_meta.TransferSyntaxUID == inst.TransferSyntaxUID) else 'MISMATCH'
    print(ok, inst.FileID if hasattr(inst, 'FileID') else '', str(ds.PatientName))
for rec in dcmread(sys.argv[1]).DirectoryRecordSequence:
    if rec.DirectoryRecordType == 'PATIENT':
        print('PATIENT', rec.PatientID, rec.get('SpecificCharacterSet', ''), str(rec.PatientName))
)";
    return lines(dk_test::tool({kPython, "-c", script, dicomdir}));
}

TEST(DicomDirInterop, OursIsValidForDicom3toolsAndPydicom) {
    NEED("dciodvfy", "dcentvfy");
    TempDir tmp("dcmkit-dicomdir");
    const std::string root = tmp.sub("media");
    make_fileset(root);
    const dcmkit::DicomDirWriteResult r = dcmkit::create_dicomdir(root, {"TEST_SET", "", true});
    EXPECT_EQ(r.added, 7u);
    ASSERT_EQ(r.skipped.size(), 1u);  // README.TXT
    EXPECT_NE(r.skipped[0].find("README.TXT"), std::string::npos);
    EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);

    const std::string dicomdir = root + "/DICOMDIR";
    const dk_test::ProcResult iod = dk_test::run({"dciodvfy", dicomdir});
    EXPECT_NE(iod.all().find("BasicDirectory"), std::string::npos) << iod.all();
    EXPECT_TRUE(errors_in(iod.all()).empty()) << iod.all();
    // dcentvfy checks the entities across the records (one patient per ID, study keys agree…).
    const dk_test::ProcResult ent = dk_test::run({"dcentvfy", dicomdir});
    EXPECT_TRUE(errors_in(ent.all()).empty()) << ent.all();

    const std::vector<std::string> py = pydicom_fileset(dicomdir);
    size_t ok = 0;
    bool utf8_patient = false, utf8_instance = false;
    for (const std::string &l : py) {
        if (l.rfind("OK ", 0) == 0) ++ok;
        if (l.rfind("MISMATCH", 0) == 0) ADD_FAILURE() << l;
        if (l.rfind("OK", 0) == 0 && l.find("Müller^Jürgen") != std::string::npos) utf8_instance = true;
        // PS3.3 F.5: the record carries Specific Character Set when its text is not ASCII.
        if (l == "PATIENT P2 ISO_IR 192 Müller^Jürgen") utf8_patient = true;
    }
    EXPECT_EQ(ok, 7u) << joined(py);
    EXPECT_TRUE(utf8_patient) << joined(py);
    EXPECT_TRUE(utf8_instance) << joined(py);

    // The tree we read back names what pydicom finds in the files; the file whose name is no File ID
    // is there as its copy under DICOM/.
    std::set<std::string> want = instances_by_pydicom(root);
    std::set<std::string> got = instances_by_us(dicomdir);
    ASSERT_EQ(r.mapped.size(), 1u);
    EXPECT_EQ(r.mapped[0].first, "lower/ct-3.dcm");
    EXPECT_EQ(r.mapped[0].second.rfind("DICOM/", 0), 0u);
    std::set<std::string> want_conforming;
    for (const std::string &w : want)
        if (w.find("|lower/") == std::string::npos) want_conforming.insert(w);
    EXPECT_EQ(got, want_conforming);
}

TEST(DicomDirInterop, DcmtkAppendsToOursAndWeAddToIt) {
    NEED("dcmmkdir", "dcmdump", "dciodvfy");
    TempDir tmp("dcmkit-dicomdir");
    const std::string root = tmp.sub("media");
    make_fileset(root);
    dcmkit::create_dicomdir(root);
    // Two more patients: P3 added by DCMTK, P4 by us.
    const std::string extra = tmp.sub("extra");
    make_fileset(extra);
    ::mkdir((root + "/P3").c_str(), 0755);
    ::mkdir((root + "/P4").c_str(), 0755);
    const std::string move = R"(
import sys
from pydicom import dcmread
for src, dst, pid in ((sys.argv[1] + '/P1/S1/CT1', sys.argv[2] + '/P3/CT1', 'P3'), (sys.argv[1] + '/P1/S1/CT2', sys.argv[2] + '/P4/CT1', 'P4')):
    ds = dcmread(src)
    ds.PatientID = pid
    ds.PatientName = 'NEW^' + pid
    ds.save_as(dst)
)";
    dk_test::tool({kPython, "-c", move, extra, root});
    const dk_test::ProcResult app = dk_test::run({"dcmmkdir", "+A", "-Pgp", "+D", root + "/DICOMDIR", "+id", root, "P3/CT1"});
    ASSERT_EQ(app.status, 0) << app.all();
    const std::string dicomdir = root + "/DICOMDIR";
    dcmkit::DicomDirWriteResult r = dcmkit::add_to_dicomdir(dicomdir, {root + "/P4/CT1", root + "/P1/S1/CT1"});
    EXPECT_EQ(r.added, 1u);
    EXPECT_EQ(r.already_present, 1u);

    const std::string dump = dk_test::tool({"dcmdump", "-q", dicomdir});
    for (const char *want : {"[PATIENT]", "[STUDY]", "[SERIES]", "[IMAGE]", "[SR DOCUMENT]", "[PRESENTATION]",
                             "[RT DOSE]", "[P3]", "[P4]", "[NEW^P4]", "[Müller^Jürgen]", "[ISO_IR 192]"})
        EXPECT_NE(dump.find(want), std::string::npos) << want;
    const dk_test::ProcResult iod = dk_test::run({"dciodvfy", dicomdir});
    EXPECT_TRUE(errors_in(iod.all()).empty()) << iod.all();
    size_t ok = 0;
    for (const std::string &l : pydicom_fileset(dicomdir)) ok += l.rfind("OK ", 0) == 0;
    EXPECT_EQ(ok, 9u);
    EXPECT_EQ(instances_by_us(dicomdir).size(), 9u);
}

TEST(DicomDirInterop, WeReadDcmtkAndGdcmDicomdirs) {
    NEED("dcmmkdir", "gdcmgendir");
    TempDir tmp("dcmkit-dicomdir");
    const std::string root = tmp.sub("media");
    make_fileset(root);
    dk_test::tool({"rm", "-r", root + "/lower", root + "/README.TXT"});
    const std::set<std::string> want = instances_by_pydicom(root);
    ASSERT_EQ(want.size(), 6u);

    dk_test::tool({"dcmmkdir", "+r", "-Pgp", "+id", root, "+D", root + "/DICOMDIR", "P1", "P2"});
    EXPECT_EQ(instances_by_us(root + "/DICOMDIR"), want);
    EXPECT_EQ(dcmkit::read_dicomdir(root + "/DICOMDIR").fileset_id, "DCMTK_MEDIA_DEMO");

    ::remove((root + "/DICOMDIR").c_str());
    dk_test::tool({"gdcmgendir", "-r", "-i", root, "-o", root + "/DICOMDIR"});
    EXPECT_EQ(instances_by_us(root + "/DICOMDIR"), want);
}

TEST(DicomDirInterop, NamesThatAreNoFileIdAreMappedOrRefused) {
    NEED("dciodvfy");
    TempDir tmp("dcmkit-dicomdir");
    const std::string root = tmp.sub("media");
    make_fileset(root);
    // Nine levels deep: PS3.10 8.2 allows eight components.
    std::string deep = root;
    for (const char *c : {"A", "B", "C", "D", "E", "F", "G", "H"}) deep = tmp.sub(deep.substr(tmp.path().size() + 1) + "/" + c);
    dk_test::tool({"cp", root + "/P2/MR1", deep + "/MR9"});
    dk_test::tool({"cp", root + "/P2/MR1", deep + "/../MR8"});  // eight levels: kept where it is

    dcmkit::DicomDirOptions no_map;
    no_map.map_nonconforming = false;
    try {
        dcmkit::create_dicomdir(root, no_map);
        FAIL() << "a name that is no File ID was accepted";
    } catch (const dcmkit::Error &e) {
        EXPECT_EQ(e.code(), dcmkit::Errc::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("lower/ct-3.dcm"), std::string::npos) << e.what();
    }
    // The copies of MR1 hold its SOP Instance UID: A/…/H/MR8 comes first in path order and is
    // referenced; MR1 and MR9 are the same instance.
    const dcmkit::DicomDirWriteResult r = dcmkit::create_dicomdir(root);
    EXPECT_EQ(r.mapped.size(), 1u);  // lower/ct-3.dcm (MR9 is the same instance as MR8)
    EXPECT_EQ(r.already_present, 2u);
    const dcmkit::DicomDir d = dcmkit::read_dicomdir(root + "/DICOMDIR");
    bool eight = false;
    for (const auto &rec : d.records) eight |= rec.file_id == "A/B/C/D/E/F/G/MR8";
    EXPECT_TRUE(eight);
    const dk_test::ProcResult iod = dk_test::run({"dciodvfy", root + "/DICOMDIR"});
    EXPECT_TRUE(errors_in(iod.all()).empty()) << iod.all();
}

TEST(DicomDirInterop, MissingType1KeysAreInventedAsDcmmkdirDoes) {
    NEED("dciodvfy", "dcentvfy");
    TempDir tmp("dcmkit-dicomdir");
    const std::string root = tmp.sub("media");
    make_fileset(root);
    // Two instances of a patient without ID, whose study has no ID, date or time and whose series
    // has no number (Type 2 or 3 in the CT IOD, Type 1 in their directory records).
    const std::string strip = R"(
import os, sys
from pydicom import dcmread
from pydicom.uid import generate_uid
study, series = generate_uid(), generate_uid()
os.makedirs(sys.argv[2], exist_ok=True)
for i in (1, 2):
    ds = dcmread(sys.argv[1])
    for kw in ('StudyID', 'StudyDate', 'StudyTime', 'SeriesNumber', 'InstanceNumber'):
        delattr(ds, kw)
    ds.PatientID, ds.PatientName = '', 'NOID^PATIENT'
    ds.SeriesDate, ds.SeriesTime = '20230101', '111213'
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.save_as(os.path.join(sys.argv[2], 'CT%d' % i))
# A presentation state without its creation date and time (as de-identification leaves one).
pr = dcmread(sys.argv[3])
del pr.PresentationCreationDate, pr.PresentationCreationTime
pr.ContentDate, pr.ContentTime = '20230202', '101010'
pr.SOPInstanceUID = pr.file_meta.MediaStorageSOPInstanceUID = generate_uid()
pr.SeriesInstanceUID = generate_uid()
pr.save_as(os.path.join(sys.argv[2], 'PR1'))
)";
    dk_test::tool({kPython, "-c", strip, root + "/P1/S1/CT1", root + "/P3", root + "/P1/S1/PR1"});
    const dcmkit::DicomDirWriteResult r = dcmkit::create_dicomdir(root);
    EXPECT_EQ(r.added, 10u);
    const dk_test::ProcResult iod = dk_test::run({"dciodvfy", root + "/DICOMDIR"});
    EXPECT_TRUE(errors_in(iod.all()).empty()) << iod.all();
    const dk_test::ProcResult ent = dk_test::run({"dcentvfy", root + "/DICOMDIR"});
    EXPECT_TRUE(errors_in(ent.all()).empty()) << ent.all();
    // The values, as pydicom reads the records.
    const std::string show = R"(
import sys
from pydicom import dcmread
recs = dcmread(sys.argv[1]).DirectoryRecordSequence
for r in recs:
    t = r.DirectoryRecordType
    if t == 'PATIENT' and str(r.PatientName) == 'NOID^PATIENT':
        print('PATIENT', r.PatientID != '')
    if t == 'STUDY' and r.StudyID.startswith('DK'):
        print('STUDY', r.StudyDate, r.StudyTime)
    if t == 'PRESENTATION':
        print('PRESENTATION', r.PresentationCreationDate, r.PresentationCreationTime)
)";
    const std::string out = dk_test::tool({kPython, "-c", show, root + "/DICOMDIR"});
    EXPECT_NE(out.find("PATIENT True"), std::string::npos) << out;
    EXPECT_NE(out.find("STUDY 20230101 111213"), std::string::npos) << out;  // from the series' date and time
    EXPECT_NE(out.find("PRESENTATION 20230202 101010"), std::string::npos) << out;  // from the content's
    // One patient record for the two instances, with numbered series and instances.
    const dcmkit::DicomDir d = dcmkit::read_dicomdir(root + "/DICOMDIR");
    size_t noid = 0;
    for (size_t p : d.roots) {
        if (trimmed(d.records[p].keys.get_string_or(dcmkit::Tag{0x0010, 0x0010}, "")) != "NOID^PATIENT") continue;
        ++noid;
        const auto &series = d.children(d.children(p).at(0));
        ASSERT_EQ(series.size(), 1u);
        EXPECT_EQ(d.records[series[0]].keys.get_int(dcmkit::Tag{0x0020, 0x0011}), 1);
        const auto &images = d.children(series[0]);
        ASSERT_EQ(images.size(), 2u);
        EXPECT_EQ(d.records[images[1]].keys.get_int(dcmkit::Tag{0x0020, 0x0013}), 2);
    }
    EXPECT_EQ(noid, 1u);
    bool said = false;
    for (const std::string &w : r.warnings) said |= w.find("(0020,0010)") != std::string::npos && w.find("set to 'DKSTUDY") != std::string::npos;
    EXPECT_TRUE(said) << joined(r.warnings);
}

TEST(DicomDirInterop, CliCreatesAddsAndLists) {
    if (!have_pydicom()) GTEST_SKIP();
    TempDir tmp("dcmkit-dicomdir");
    const std::string root = tmp.sub("media");
    make_fileset(root);
    dk_test::ProcResult r = dk_test::run({DCMKIT_CLI, "dicomdir", "create", root, "--fileset-id", "CLI_SET"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.out.find("7 instances added"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("lower/ct-3.dcm"), std::string::npos) << r.err;
    r = dk_test::run({DCMKIT_CLI, "dicomdir", "list", root + "/DICOMDIR"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.out.find("File-set ID: CLI_SET"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PATIENT P2 [Müller^Jürgen]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("      RT DOSE #1 P2/RTD1"), std::string::npos) << r.out;
    r = dk_test::run({DCMKIT_CLI, "dicomdir", "add", root + "/DICOMDIR", root + "/P2"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.out.find("0 instances added, 2 already present"), std::string::npos) << r.out;
    r = dk_test::run({DCMKIT_CLI, "dicomdir", "create", root, "--fileset-id", "lower case"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("File-set ID"), std::string::npos) << r.err;
    r = dk_test::run({DCMKIT_CLI, "dicomdir", "list", root + "/P2/MR1"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("not a DICOMDIR"), std::string::npos) << r.err;
}

}  // namespace
