// The archive index (dcmkit/archive.h): PS3.4 C.2.2.2 attribute matching, rule by rule (each table row
// cites its section), the Query/Retrieve hierarchy (C.6.1 Patient Root, C.6.2 Study Root), identifier
// errors (A900/C000), C-MOVE/C-GET file lists, replacement on re-add, Storage Commitment checks,
// the Modality Worklist (K.6, C.2.2.2.6 sequence matching), concurrency and crash (SIGKILL) safety.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "index_backends.h"

using namespace dcmkit;
using namespace dcmkit::archive;
namespace fs = std::filesystem;

namespace {

using Set = std::set<std::string>;

constexpr Tag kPatientName{0x0010, 0x0010};
constexpr Tag kPatientID{0x0010, 0x0020};
constexpr Tag kBirthDate{0x0010, 0x0030};
constexpr Tag kSex{0x0010, 0x0040};
constexpr Tag kPatientAge{0x0010, 0x1010};
constexpr Tag kStudyUID{0x0020, 0x000D};
constexpr Tag kSeriesUID{0x0020, 0x000E};
constexpr Tag kStudyDate{0x0008, 0x0020};
constexpr Tag kStudyTime{0x0008, 0x0030};
constexpr Tag kAccession{0x0008, 0x0050};
constexpr Tag kStudyID{0x0020, 0x0010};
constexpr Tag kStudyDescription{0x0008, 0x1030};
constexpr Tag kReferring{0x0008, 0x0090};
constexpr Tag kModalitiesInStudy{0x0008, 0x0061};
constexpr Tag kModality{0x0008, 0x0060};
constexpr Tag kSeriesNumber{0x0020, 0x0011};
constexpr Tag kSeriesDescription{0x0008, 0x103E};
constexpr Tag kInstanceNumber{0x0020, 0x0013};
constexpr Tag kAcquisitionDateTime{0x0008, 0x002A};
constexpr Tag kImageComments{0x0020, 0x4000};
constexpr Tag kRows{0x0028, 0x0010};
constexpr Tag kQueryLevel{0x0008, 0x0052};
constexpr Tag kRetrieveAE{0x0008, 0x0054};
constexpr Tag kNumPatientStudies{0x0020, 0x1200};
constexpr Tag kNumPatientSeries{0x0020, 0x1202};
constexpr Tag kNumPatientInstances{0x0020, 0x1204};
constexpr Tag kNumStudySeries{0x0020, 0x1206};
constexpr Tag kNumStudyInstances{0x0020, 0x1208};
constexpr Tag kNumSeriesInstances{0x0020, 0x1209};
constexpr Tag kSps{0x0040, 0x0100};
constexpr Tag kSpsAE{0x0040, 0x0001};
constexpr Tag kSpsDate{0x0040, 0x0002};
constexpr Tag kSpsTime{0x0040, 0x0003};
constexpr Tag kSpsPhysician{0x0040, 0x0006};
constexpr Tag kSpsID{0x0040, 0x0009};
constexpr Tag kSpsStatus{0x0040, 0x0020};
constexpr Tag kRequestedProcedureID{0x0040, 0x1001};

const char *kCT = "1.2.840.10008.5.1.4.1.1.2";
const char *kMR = "1.2.840.10008.5.1.4.1.1.4";
const char *kUS = "1.2.840.10008.5.1.4.1.1.6.1";
const char *kCR = "1.2.840.10008.5.1.4.1.1.1";
const char *kPR = "1.2.840.10008.5.1.4.1.1.11.1";

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "dk-archive-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string str() const { return path.string(); }
};

struct Inst {
    std::string patient_id, patient_name, birth_date, sex;
    std::string study_uid, study_date, study_time, accession, study_desc, referring;
    std::string series_uid, modality, series_number;
    std::string sop_uid, sop_class, instance_number;
    std::string acquisition_dt, comments;
};

Dataset make_dataset(const Inst &in) {
    Dataset ds;
    ds.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    ds.set_string(tags::SOPClassUID, in.sop_class);
    ds.set_string(tags::SOPInstanceUID, in.sop_uid);
    if (!in.study_date.empty()) ds.set_string(kStudyDate, in.study_date);
    if (!in.acquisition_dt.empty()) ds.set_string(kAcquisitionDateTime, in.acquisition_dt);
    if (!in.study_time.empty()) ds.set_string(kStudyTime, in.study_time);
    ds.set_string(kAccession, in.accession);
    ds.set_string(kModality, in.modality);
    ds.set_string(kReferring, in.referring);
    ds.set_string(kStudyDescription, in.study_desc);
    ds.set_string(kPatientName, in.patient_name);
    ds.set_string(kPatientID, in.patient_id);
    ds.set_string(kBirthDate, in.birth_date);
    ds.set_string(kSex, in.sex);
    ds.set_string(kStudyUID, in.study_uid);
    ds.set_string(kSeriesUID, in.series_uid);
    ds.set_string(kStudyID, in.accession);
    ds.set_string(kSeriesNumber, in.series_number);
    ds.set_string(kInstanceNumber, in.instance_number);
    if (!in.comments.empty()) ds.set_string(kImageComments, in.comments);
    ds.set_int(kRows, 16, VR::US);
    return ds;
}

InstanceRecord write_instance(const std::string &dir, const Inst &in, const std::string &suffix = "") {
    DicomFile f;
    f.dataset = make_dataset(in);
    f.transfer_syntax = uids::ExplicitVRLittleEndian;
    std::string path = dir + "/" + in.sop_uid + suffix + ".dcm";
    WriteOptions wo;
    wo.fsync = false;
    write_file(path, f, wo);
    InstanceRecord r;
    r.dataset = f.dataset;
    r.path = path;
    r.size = fs::file_size(path);
    r.transfer_syntax = uids::ExplicitVRLittleEndian;
    r.sha256 = sha256_file(path);
    return r;
}

// The synthetic archive: 6 patients, 7 studies, 9 series, 13 instances.
std::vector<Inst> corpus() {
    std::vector<Inst> v;
    auto add = [&](Inst base, const std::string &series_uid, const std::string &modality, const std::string &number,
                   const char *sop_class, int count) {
        for (int i = 1; i <= count; ++i) {
            Inst x = base;
            x.series_uid = series_uid;
            x.modality = modality;
            x.series_number = number;
            x.sop_class = sop_class;
            x.sop_uid = series_uid + "." + std::to_string(i);
            x.instance_number = std::to_string(i);
            v.push_back(x);
        }
    };
    Inst s1{"PID1", "Müller^Jürgen", "19700101", "M", "1.2.3.1", "20240105", "101500", "ACC1", "CT CHEST",
            "Who^Doctor"};
    s1.acquisition_dt = "20240105101500+0100";
    s1.comments = "first look";
    add(s1, "1.2.3.1.1", "CT", "1", kCT, 3);
    add(s1, "1.2.3.1.2", "PR", "2", kPR, 1);
    Inst s2{"PID1", "Müller^Jürgen", "19700101", "M", "1.2.3.2", "20240110", "083000", "ACC2", "MR BRAIN", ""};
    s2.acquisition_dt = "20240110083000";
    add(s2, "1.2.3.2.1", "MR", "1", kMR, 2);
    Inst s3{"PID2", "山田^太郎", "19800515", "M", "1.2.3.3", "20231231", "235959", "ACC[3]", "CT ABDOMEN 50%", ""};
    s3.acquisition_dt = "20231231235959-0500";  // = 20240101 045959 UTC
    add(s3, "1.2.3.3.1", "CT", "1", kCT, 1);
    add(s3, "1.2.3.3.2", "MR", "2", kMR, 1);
    Inst s4{"PID3", "Smith^John", "19600229", "M", "1.2.3.4", "20240201", "120000", "A_4", "O'Brien's study", ""};
    add(s4, "1.2.3.4.1", "US", "1", kUS, 2);
    Inst s5{"PID%_4", "O'Brien_%^Anne", "", "F", "1.2.3.5", "20240301", "", "X%Y", "X%Y", ""};
    add(s5, "1.2.3.5.1", "CR", "1", kCR, 1);
    Inst s6{"PID5", "SMITH^JANE", "19900101", "F", "1.2.3.6", "20240115", "1430", "ACC6", "CT HEAD", ""};
    add(s6, "1.2.3.6.1", "CT", "1", kCT, 1);
    Inst s7{"PID6", "Yamada^Hanako=山田^花子=やまだ^はなこ", "", "F", "1.2.3.7", "20240120", "09", "ACC7", "MR KNEE", ""};
    add(s7, "1.2.3.7.1", "MR", "1", kMR, 1);
    return v;
}

Dataset study_query(Tag key, const std::string &value) {
    Dataset q;
    q.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    q.set_string(kQueryLevel, "STUDY");
    q.set_string(kStudyUID, "");
    if (key != kStudyUID) q.set_string(key, value);
    else q.set_string(kStudyUID, value);
    return q;
}

Set uids_of(const std::vector<Dataset> &matches, Tag tag) {
    Set s;
    for (const auto &m : matches) s.insert(m.get_string_or(tag, ""));
    return s;
}

template <typename F>
QueryError::Kind query_error(F &&f, Tag *offending = nullptr) {
    try {
        f();
    } catch (const QueryError &e) {
        if (offending) *offending = Tag(e.tag());
        return e.kind();
    }
    ADD_FAILURE() << "no QueryError";
    return QueryError::Kind::unable_to_process;
}

// One synthetic archive per backend, shared by the tests of the suite.
class ArchiveIndex : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        DK_SKIP_UNLESS_BACKEND(GetParam());
        auto &slot = archives()[GetParam()];
        if (!slot.index) {
            slot.dir = std::make_unique<TempDir>();
            fs::create_directories(slot.dir->path / "files");
            slot.index = open_backend(GetParam(), (slot.dir->path / "db").string());
            for (const auto &in : corpus()) slot.index->add(write_instance((slot.dir->path / "files").string(), in));
        }
        index_ = slot.index.get();
    }
    static void TearDownTestSuite() { archives().clear(); }
    struct Archive {
        std::unique_ptr<TempDir> dir;
        std::unique_ptr<Index> index;
    };
    static std::map<std::string, Archive> &archives() {
        static std::map<std::string, Archive> m;
        return m;
    }
    Index *index_ = nullptr;
};
INSTANTIATE_TEST_SUITE_P(Backends, ArchiveIndex, ::testing::ValuesIn(index_backends()), backend_name);

// Tests with an index of their own, per backend.
class ArchiveIndexStore : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { DK_SKIP_UNLESS_BACKEND(GetParam()); }
    std::unique_ptr<Index> open(const std::string &dir) { return open_backend(GetParam(), dir); }
};
INSTANTIATE_TEST_SUITE_P(Backends, ArchiveIndexStore, ::testing::ValuesIn(index_backends()), backend_name);
class ArchiveWorklist : public ArchiveIndexStore {};
INSTANTIATE_TEST_SUITE_P(Backends, ArchiveWorklist, ::testing::ValuesIn(index_backends()), backend_name);

// ---------------------------------------------------------------------------------------------------
// Matching rules, at STUDY level of the Study Root model (patient keys are study keys there, C.6.2.1).

struct MatchRow {
    const char *rule;  // the section the expectation follows from
    Tag key;
    const char *value;
    Set expected;  // Study Instance UIDs
};

TEST_P(ArchiveIndex, MatchingRulesStudyLevel) {
    const Set all{"1.2.3.1", "1.2.3.2", "1.2.3.3", "1.2.3.4", "1.2.3.5", "1.2.3.6", "1.2.3.7"};
    const std::vector<MatchRow> rows = {
        // C.2.2.2.1 Single Value Matching: exact, case-sensitive except PN.
        {"C.2.2.2.1 single value", kPatientID, "PID1", {"1.2.3.1", "1.2.3.2"}},
        {"C.2.2.2.1 single value is case-sensitive (SH)", kAccession, "acc1", {}},
        {"C.2.2.2.1 single value (LO with spaces)", kStudyDescription, "CT CHEST", {"1.2.3.1"}},
        {"C.2.2.2.1 leading/trailing spaces insignificant", kStudyDescription, "  CT CHEST ", {"1.2.3.1"}},
        {"C.2.2.2.1 PN literal, non-ASCII", kPatientName, "Müller^Jürgen", {"1.2.3.1", "1.2.3.2"}},
        {"C.2.2.2.1 PN may be case-insensitive (our choice)", kPatientName, "MÜLLER^JÜRGEN", {"1.2.3.1", "1.2.3.2"}},
        {"C.2.2.2.1 PN literal is the whole value, not a prefix", kPatientName, "Müller", {}},
        {"C.2.2.2.1 PN trailing empty components (PS3.5 6.2.1)", kPatientName, "Smith^John^^", {"1.2.3.4"}},
        {"C.2.2.2.1 PN ideographic single-group value", kPatientName, "山田^太郎", {"1.2.3.3"}},
        {"C.2.2.2.1 PN key without '=' matches any component group", kPatientName, "山田^花子", {"1.2.3.7"}},
        {"C.2.2.2.1 PN key with groups", kPatientName, "Yamada^Hanako=山田^花子", {"1.2.3.7"}},
        {"C.2.2.2.1 PN empty key group is universal", kPatientName, "=山田^花子", {"1.2.3.7"}},
        {"C.2.2.2.1 PN (physician)", kReferring, "who^doctor", {"1.2.3.1"}},
        {"C.2.2.2.1 DA single value", kStudyDate, "20240110", {"1.2.3.2"}},
        {"C.2.2.2.1 TM single value covers its precision", kStudyTime, "1430", {"1.2.3.6"}},
        {"C.2.2.2.1 IS-like multiple values: any (C.2.2.2.8 undefined w/o negotiation)", kPatientID, "PID1\\PID3",
         {"1.2.3.1", "1.2.3.2", "1.2.3.4"}},
        // C.2.2.2.2 List of UID Matching.
        {"C.2.2.2.2 list of UIDs", kStudyUID, "1.2.3.1\\1.2.3.3", {"1.2.3.1", "1.2.3.3"}},
        {"C.2.2.2.2 single UID", kStudyUID, "1.2.3.5", {"1.2.3.5"}},
        {"C.2.2.2.2 UID is not a prefix", kStudyUID, "1.2.3", {}},
        // C.2.2.2.3 Universal Matching.
        {"C.2.2.2.3 zero-length key", kPatientName, "", all},
        {"C.2.2.2.4 '*' alone is universal", kPatientName, "*", all},
        {"C.2.2.2.4 '*' alone is universal (also on empty values)", kStudyTime, "*", all},
        // C.2.2.2.4 Wild Card Matching.
        {"C.2.2.2.4 PN prefix", kPatientName, "Mül*", {"1.2.3.1", "1.2.3.2"}},
        {"C.2.2.2.4 PN case-insensitive wild card (implementation choice)", kPatientName, "SMITH*",
         {"1.2.3.4", "1.2.3.6"}},
        {"C.2.2.2.4 '*' inside", kPatientName, "*^J*", {"1.2.3.1", "1.2.3.2", "1.2.3.4", "1.2.3.6"}},
        {"C.2.2.2.4 '?' is one character (a CJK one too)", kPatientName, "山田^太?", {"1.2.3.3"}},
        {"C.2.2.2.4 '?' is one character, not one byte", kPatientName, "山?^太郎", {"1.2.3.3"}},
        {"C.2.2.2.4 '?' does not match two characters", kPatientName, "山?", {}},
        {"C.2.2.2.4 '?' on SH", kAccession, "ACC?", {"1.2.3.1", "1.2.3.2", "1.2.3.6", "1.2.3.7"}},
        {"C.2.2.2.4 wild card is case-sensitive for LO", kStudyDescription, "ct*", {}},
        {"C.2.2.2.4 wild card on LO", kStudyDescription, "CT*", {"1.2.3.1", "1.2.3.3", "1.2.3.6"}},
        {"C.2.2.2.4 '*' matches a zero-length run", kStudyDescription, "CT* CHEST", {"1.2.3.1"}},
        // Only '*' and '?' are special: SQL's % _ ' [ are literal.
        {"C.2.2.2.4 '%' is literal", kStudyDescription, "*50%", {"1.2.3.3"}},
        {"C.2.2.2.4 '%' is not SQL's any-run", kStudyDescription, "%", {}},
        {"C.2.2.2.4 '%' in a single value", kAccession, "X%Y", {"1.2.3.5"}},
        {"C.2.2.2.4 '_' is literal", kAccession, "A_4", {"1.2.3.4"}},
        {"C.2.2.2.4 '_' is not SQL's one-char", kAccession, "ACC_", {}},
        {"C.2.2.2.4 '[' is literal (not a GLOB class)", kAccession, "ACC[3]", {"1.2.3.3"}},
        {"C.2.2.2.4 '[' is literal in a wild card", kAccession, "ACC[3*", {"1.2.3.3"}},
        {"C.2.2.2.4 quote in a wild card", kStudyDescription, "O'Brien*", {"1.2.3.4"}},
        {"C.2.2.2.4 PN with quote, '_' and '%'", kPatientName, "O'Brien_%*", {"1.2.3.5"}},
        {"C.2.2.2.1 LO with '%' and '_'", kPatientID, "PID%_4", {"1.2.3.5"}},
        {"C.2.2.2.4 '%' then '*'", kPatientID, "PID%*", {"1.2.3.5"}},
        // C.2.2.2.5 Range Matching.
        {"C.2.2.2.5 DA closed range", kStudyDate, "20240101-20240131", {"1.2.3.1", "1.2.3.2", "1.2.3.6", "1.2.3.7"}},
        {"C.2.2.2.5 DA '-date': prior to and including", kStudyDate, "-20231231", {"1.2.3.3"}},
        {"C.2.2.2.5 DA 'date-': on and after", kStudyDate, "20240201-", {"1.2.3.4", "1.2.3.5"}},
        {"C.2.2.2.5 DA range bounds inclusive", kStudyDate, "20240105-20240105", {"1.2.3.1"}},
        {"C.2.2.2.5 TM closed range (HH value included)", kStudyTime, "0800-1100", {"1.2.3.1", "1.2.3.2", "1.2.3.7"}},
        {"C.2.2.2.5 TM '-time' includes the whole minute", kStudyTime, "-0830", {"1.2.3.2"}},
        {"C.2.2.2.5 TM 'time-'; empty values never match", kStudyTime, "2359-", {"1.2.3.3"}},
        {"C.2.2.2.5 TM range does not cross midnight", kStudyTime, "2300-0100", {}},
        {"C.2.2.2.5 DA list of ranges (alternatives)", kStudyDate, "-20231231\\20240301-", {"1.2.3.3", "1.2.3.5"}},
        // Multi-valued entity attribute: Modalities in Study matches when any of its values does.
        {"C.6.2.1.2 Modalities in Study, one value", kModalitiesInStudy, "MR", {"1.2.3.2", "1.2.3.3", "1.2.3.7"}},
        {"C.6.2.1.2 Modalities in Study, alternatives", kModalitiesInStudy, "CT\\US",
         {"1.2.3.1", "1.2.3.3", "1.2.3.4", "1.2.3.6"}},
        {"C.2.2.2.4 Modalities in Study, wild card", kModalitiesInStudy, "C*", {"1.2.3.1", "1.2.3.3", "1.2.3.5", "1.2.3.6"}},
    };
    for (const auto &row : rows) {
        auto m = index_->find(Level::study, study_query(row.key, row.value), Root::study_root);
        EXPECT_EQ(uids_of(m, kStudyUID), row.expected) << row.rule << ": " << row.key.str() << " = '" << row.value << "'";
    }
}

TEST_P(ArchiveIndex, CombinedDateTimeAndEmptyValueMatching) {
    // C.2.2.2.5: with combined date-time matching, "20240105-20240110" + "1000-0830" is one DT range
    // from 2024-01-05 10:00 to 2024-01-10 08:30; without it the TM range (lo > hi) matches nothing.
    Dataset q = study_query(kStudyDate, "20240105-20240110");
    q.set_string(kStudyTime, "1000-0830");
    EXPECT_EQ(uids_of(index_->find(Level::study, q, Root::study_root), kStudyUID), Set{});
    FindOptions combined;
    combined.combined_datetime = true;
    EXPECT_EQ(uids_of(index_->find(Level::study, q, Root::study_root, combined), kStudyUID),
              (Set{"1.2.3.1", "1.2.3.2"}));
    q.set_string(kStudyTime, "1100-0800");
    EXPECT_EQ(uids_of(index_->find(Level::study, q, Root::study_root, combined), kStudyUID), Set{});
    // C.2.2.2.7 Empty Value Matching (extended negotiation): "" matches empty values only.
    FindOptions empty;
    empty.empty_value_matching = true;
    EXPECT_EQ(uids_of(index_->find(Level::study, study_query(kStudyTime, "\"\""), Root::study_root, empty), kStudyUID),
              Set{"1.2.3.5"});
}

TEST_P(ArchiveIndex, DateTimeRangesAndHeaderKeysAtImageLevel) {
    // DT keys are not in the index: at IMAGE level they are matched against the stored file's header.
    struct Row {
        const char *rule, *value;
        Set expected;  // SOP Instance UIDs
    };
    const std::vector<Row> rows = {
        {"C.2.2.2.5 DT closed range, local", "20240110000000-20240110235959", {"1.2.3.2.1.1", "1.2.3.2.1.2"}},
        {"C.2.2.2.5 DT partial upper bound covers its precision", "-2023", {"1.2.3.3.1.1", "1.2.3.3.2.1"}},
        {"C.2.2.2.5 DT open lower bound", "20240110-", {"1.2.3.2.1.1", "1.2.3.2.1.2"}},
        // 20231231235959-0500 is 2024-01-01 04:59:59 UTC: offsets on both sides are taken into account.
        {"C.2.2.2.5 DT with UTC offsets", "20240101040000+0000-20240101050000+0000", {"1.2.3.3.1.1", "1.2.3.3.2.1"}},
        {"C.2.2.2.5 DT with offset: 10:15+01:00 is 09:15 UTC", "20240105091500+0000", {"1.2.3.1.1.1", "1.2.3.1.1.2", "1.2.3.1.1.3", "1.2.3.1.2.1"}},
    };
    for (const auto &row : rows) {
        Dataset q;
        q.set_string(kQueryLevel, "IMAGE");
        q.set_string(tags::SOPInstanceUID, "");
        q.set_string(kAcquisitionDateTime, row.value);
        auto m = index_->find(Level::image, q, Root::study_root);
        EXPECT_EQ(uids_of(m, tags::SOPInstanceUID), row.expected) << row.rule << ": '" << row.value << "'";
    }
    // C.2.2.2.4 on an LT from the header, and a header key returned (Rows, US) with indexed ones.
    Dataset q;
    q.set_string(kQueryLevel, "IMAGE");
    q.set_string(kStudyUID, "1.2.3.1");
    q.set_string(tags::SOPInstanceUID, "");
    q.set_string(kImageComments, "first*");
    q.set(Element(kRows, VR::US));
    q.set_string(kInstanceNumber, "2");
    auto m = index_->find(Level::image, q, Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(tags::SOPInstanceUID), "1.2.3.1.1.2");
    EXPECT_EQ(m[0].get_int(kRows), 16);
    EXPECT_EQ(m[0].get_string(kImageComments), "first look");
    EXPECT_EQ(m[0].get_string(kQueryLevel), "IMAGE");
}

// ---------------------------------------------------------------------------------------------------
// Hierarchy: one match per entity of the query level, computed keys, the two information models.

TEST_P(ArchiveIndex, StudyLevelReturnsOneRowPerStudyWithComputedKeys) {
    Dataset q = study_query(kPatientID, "PID1");
    q.set_string(kModalitiesInStudy, "");
    q.set_string(kNumStudySeries, "");
    q.set_string(kNumStudyInstances, "");
    q.set_string(kPatientName, "");
    q.set_string(kStudyDate, "");
    q.set(Element(kPatientAge, VR::AS));  // optional key the index does not hold: returned zero-length
    auto m = index_->find(Level::study, q, Root::study_root);
    ASSERT_EQ(m.size(), 2u);
    const Dataset &s1 = m[0].get_string(kStudyUID) == "1.2.3.1" ? m[0] : m[1];
    EXPECT_EQ(s1.get_string(kModalitiesInStudy), "CT\\PR");
    EXPECT_EQ(s1.get_strings(kModalitiesInStudy), (std::vector<std::string>{"CT", "PR"}));
    EXPECT_EQ(s1.get_int(kNumStudySeries), 2);
    EXPECT_EQ(s1.get_int(kNumStudyInstances), 4);
    EXPECT_EQ(s1.get_string(kPatientName), "Müller^Jürgen");
    EXPECT_EQ(s1.get_string(kStudyDate), "20240105");
    EXPECT_EQ(s1.get_string(tags::SpecificCharacterSet), "ISO_IR 192");
    EXPECT_EQ(s1.get_string(kQueryLevel), "STUDY");
    ASSERT_TRUE(s1.contains(kPatientAge));
    EXPECT_TRUE(s1.find(kPatientAge)->value.empty());
    // Only the requested keys (C.4.1.1.3.2) plus level and character set.
    EXPECT_FALSE(s1.contains(kAccession));
    EXPECT_EQ(s1.size(), q.size());
}

TEST_P(ArchiveIndex, PatientRootAndStudyRoot) {
    // C.6.1.1.2 Patient level (Patient Root): one match per patient, computed counts.
    Dataset q;
    q.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    q.set_string(kQueryLevel, "PATIENT");
    q.set_string(kPatientID, "");
    q.set_string(kPatientName, "*ü*");
    q.set_string(kNumPatientStudies, "");
    q.set_string(kNumPatientSeries, "");
    q.set_string(kNumPatientInstances, "");
    auto m = index_->find(q, Root::patient_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kPatientID), "PID1");
    EXPECT_EQ(m[0].get_int(kNumPatientStudies), 2);
    EXPECT_EQ(m[0].get_int(kNumPatientSeries), 3);
    EXPECT_EQ(m[0].get_int(kNumPatientInstances), 6);
    // All patients.
    q.set_string(kPatientName, "");
    EXPECT_EQ(index_->find(q, Root::patient_root).size(), 6u);

    // C.6.2: the Study Root model has no PATIENT level (A900).
    EXPECT_EQ(query_error([&] { index_->find(q, Root::study_root); }),
              QueryError::Kind::identifier_does_not_match_sop_class);

    // Patient Root STUDY level under a patient (its unique key above the level, C.4.1.2.1).
    Dataset st;
    st.set_string(kQueryLevel, "STUDY");
    st.set_string(kPatientID, "PID2");
    st.set_string(kStudyUID, "");
    m = index_->find(st, Root::patient_root);
    EXPECT_EQ(uids_of(m, kStudyUID), Set{"1.2.3.3"});

    // Series level: one per series, Study Root, with the study's unique key.
    Dataset se;
    se.set_string(kQueryLevel, "SERIES");
    se.set_string(kStudyUID, "1.2.3.1");
    se.set_string(kSeriesUID, "");
    se.set_string(kModality, "");
    se.set_string(kSeriesNumber, "");
    se.set_string(kNumSeriesInstances, "");
    m = index_->find(se, Root::study_root);
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].get_string(kSeriesUID), "1.2.3.1.1");
    EXPECT_EQ(m[0].get_string(kModality), "CT");
    EXPECT_EQ(m[0].get_int(kSeriesNumber), 1);
    EXPECT_EQ(m[0].get_int(kNumSeriesInstances), 3);
    EXPECT_EQ(m[1].get_int(kNumSeriesInstances), 1);
    // IS single value matched numerically.
    se.set_string(kSeriesNumber, "02");
    m = index_->find(se, Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kSeriesUID), "1.2.3.1.2");
}

TEST_P(ArchiveIndex, IdentifierErrors) {
    Tag offending;
    // C.4.1.2.1: a key of a level below the query level — "Identifier does not match SOP Class".
    Dataset q = study_query(kSeriesUID, "1.2.3.1.1");
    EXPECT_EQ(query_error([&] { index_->find(Level::study, q, Root::patient_root); }, &offending),
              QueryError::Kind::identifier_does_not_match_sop_class);
    EXPECT_EQ(offending, kSeriesUID);
    Dataset p;
    p.set_string(kQueryLevel, "PATIENT");
    p.set_string(kStudyDate, "");
    EXPECT_EQ(query_error([&] { index_->find(p, Root::patient_root); }, &offending),
              QueryError::Kind::identifier_does_not_match_sop_class);
    EXPECT_EQ(offending, kStudyDate);
    // Query/Retrieve Level missing or invalid, or contradicting the call.
    Dataset none;
    none.set_string(kPatientID, "");
    EXPECT_EQ(query_error([&] { index_->find(none, Root::study_root); }, &offending),
              QueryError::Kind::identifier_does_not_match_sop_class);
    EXPECT_EQ(offending, kQueryLevel);
    none.set_string(kQueryLevel, "FRAME");
    EXPECT_EQ(query_error([&] { index_->find(none, Root::study_root); }),
              QueryError::Kind::identifier_does_not_match_sop_class);
    none.set_string(kQueryLevel, "SERIES");
    EXPECT_EQ(query_error([&] { index_->find(Level::study, none, Root::study_root); }),
              QueryError::Kind::identifier_does_not_match_sop_class);
    // An unparsable range is "Unable to process" (C000).
    EXPECT_EQ(query_error([&] { index_->find(Level::study, study_query(kStudyDate, "2024x-"), Root::study_root); },
                          &offending),
              QueryError::Kind::unable_to_process);
    EXPECT_EQ(offending, kStudyDate);
    EXPECT_EQ(query_error([&] { index_->find(Level::study, study_query(kStudyTime, "25-"), Root::study_root); }),
              QueryError::Kind::unable_to_process);
    try {
        index_->find(Level::study, study_query(kStudyDate, "bad"), Root::study_root);
        ADD_FAILURE();
    } catch (const QueryError &e) {
        EXPECT_EQ(e.status(), 0xC000);
        EXPECT_EQ(e.code(), Errc::invalid_argument);
    }
}

TEST_P(ArchiveIndex, CharacterSets) {
    // The identifier in ISO 8859-1: keys are decoded before matching; the answer is UTF-8.
    Dataset q;
    q.set_string(tags::SpecificCharacterSet, "ISO_IR 100");
    q.set_string(kQueryLevel, "STUDY");
    q.set_string(kStudyUID, "");
    q.set_string(kPatientName, "MÜLLER*");
    ASSERT_EQ(q.find(kPatientName)->value.str().substr(0, 7), "M\xDCLLER*");
    auto m = index_->find(Level::study, q, Root::study_root);
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].get_string(tags::SpecificCharacterSet), "ISO_IR 192");
    EXPECT_EQ(m[0].find(kPatientName)->value.str().substr(0, 7), "M\xC3\xBCller");
    // Answered in the query's character set when it can hold the values…
    FindOptions same;
    same.respond_in_query_charset = true;
    m = index_->find(Level::study, q, Root::study_root, same);
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].get_string(tags::SpecificCharacterSet), "ISO_IR 100");
    EXPECT_EQ(m[0].find(kPatientName)->value.str().substr(0, 7), "M\xFCller^");
    EXPECT_EQ(m[0].get_string(kPatientName), "Müller^Jürgen");
    // …and in UTF-8 when it cannot (山田 is not in ISO 8859-1).
    q.set_string(kPatientName, "");
    q.set_string(kStudyUID, "1.2.3.3");
    m = index_->find(Level::study, q, Root::study_root, same);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(tags::SpecificCharacterSet), "ISO_IR 192");
    EXPECT_EQ(m[0].get_string(kPatientName), "山田^太郎");
}

TEST_P(ArchiveIndex, CancelAndLimit) {
    Dataset q = study_query(kPatientName, "");
    int calls = 0;
    index_->find(Level::study, q, Root::study_root, [&](Dataset &&) { return ++calls < 3; });
    EXPECT_EQ(calls, 3);  // C-FIND-CANCEL: the callback said stop
    FindOptions limit;
    limit.limit = 2;
    EXPECT_EQ(index_->find(Level::study, q, Root::study_root, limit).size(), 2u);
    // Retrieve AE Title is returned (for the SCP to fill), never matched.
    q.set_string(kRetrieveAE, "SOMEWHERE");
    EXPECT_EQ(index_->find(Level::study, q, Root::study_root).size(), 7u);
}

// ---------------------------------------------------------------------------------------------------
// C-MOVE / C-GET

TEST_P(ArchiveIndex, FilesForEachLevel) {
    auto sops = [](const std::vector<FileRef> &files) {
        Set s;
        for (const auto &f : files) {
            s.insert(f.sop_instance_uid);
            EXPECT_TRUE(fs::exists(f.path)) << f.path;
            EXPECT_EQ(f.transfer_syntax, uids::ExplicitVRLittleEndian);
            EXPECT_EQ(f.size, fs::file_size(f.path));
        }
        return s;
    };
    Dataset q;
    q.set_string(kPatientID, "PID1");
    EXPECT_EQ(index_->files_for(Level::patient, q, Root::patient_root).size(), 6u);
    Dataset st;
    st.set_string(kStudyUID, "1.2.3.1\\1.2.3.4");  // C.4.2.2.1: a list of UIDs at the retrieve level
    EXPECT_EQ(sops(index_->files_for(Level::study, st, Root::study_root)),
              (Set{"1.2.3.1.1.1", "1.2.3.1.1.2", "1.2.3.1.1.3", "1.2.3.1.2.1", "1.2.3.4.1.1", "1.2.3.4.1.2"}));
    Dataset se;
    se.set_string(kStudyUID, "1.2.3.3");
    se.set_string(kSeriesUID, "1.2.3.3.2");
    auto files = index_->files_for(Level::series, se, Root::study_root);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].sop_class_uid, kMR);
    // A unique key above that does not hold the series selects nothing.
    se.set_string(kStudyUID, "1.2.3.1");
    EXPECT_TRUE(index_->files_for(Level::series, se, Root::study_root).empty());
    Dataset im;
    im.set_string(kPatientID, "PID1");
    im.set_string(kStudyUID, "1.2.3.1");
    im.set_string(kSeriesUID, "1.2.3.1.1");
    im.set_string(tags::SOPInstanceUID, "1.2.3.1.1.2\\1.2.3.1.1.3");
    EXPECT_EQ(sops(index_->files_for(Level::image, im, Root::patient_root)), (Set{"1.2.3.1.1.2", "1.2.3.1.1.3"}));
    // Errors: missing unique key of the level, wild cards, PATIENT level in Study Root.
    Tag offending;
    Dataset missing;
    missing.set_string(kStudyUID, "1.2.3.1");
    EXPECT_EQ(query_error([&] { index_->files_for(Level::series, missing, Root::study_root); }, &offending),
              QueryError::Kind::identifier_does_not_match_sop_class);
    EXPECT_EQ(offending, kSeriesUID);
    Dataset wild;
    wild.set_string(kStudyUID, "1.2.3.*");
    EXPECT_EQ(query_error([&] { index_->files_for(Level::study, wild, Root::study_root); }),
              QueryError::Kind::identifier_does_not_match_sop_class);
    EXPECT_EQ(query_error([&] { index_->files_for(Level::patient, q, Root::study_root); }),
              QueryError::Kind::identifier_does_not_match_sop_class);
}

// ---------------------------------------------------------------------------------------------------
// Replacement, removal, Storage Commitment: on an index of their own.

TEST_P(ArchiveIndexStore, ReplaceOnReAddAndRemove) {
    TempDir dir;
    auto owned = open(dir.str());
    Index &index = *owned;
    std::vector<InstanceRecord> records;
    for (const auto &in : corpus()) records.push_back(write_instance(dir.str(), in));
    index.add(records);
    IndexStats st = index.stats();
    EXPECT_EQ(st.patients, 6u);
    EXPECT_EQ(st.studies, 7u);
    EXPECT_EQ(st.series, 9u);
    EXPECT_EQ(st.instances, 13u);

    // Same SOP Instance UID again, new values: replaced, not duplicated.
    Inst s5{"PID%_4", "O'Brien_%^Anne", "", "F", "1.2.3.5", "20240301", "", "X%Y", "Revised", ""};
    s5.series_uid = "1.2.3.5.1";
    s5.modality = "CR";
    s5.series_number = "1";
    s5.sop_class = kCR;
    s5.sop_uid = "1.2.3.5.1.1";
    s5.instance_number = "7";
    index.add(write_instance(dir.str(), s5));
    EXPECT_EQ(index.stats().instances, 13u);
    Dataset q = study_query(kStudyUID, "1.2.3.5");
    q.set_string(kStudyDescription, "");
    auto m = index.find(Level::study, q, Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kStudyDescription), "Revised");

    // Moved to another study and patient: the old study, series and patient go.
    s5.study_uid = "1.2.3.99";
    s5.series_uid = "1.2.3.99.1";
    s5.patient_id = "PID99";
    index.add(write_instance(dir.str(), s5));
    st = index.stats();
    EXPECT_EQ(st.instances, 13u);
    EXPECT_EQ(st.studies, 7u);
    EXPECT_EQ(st.series, 9u);
    EXPECT_EQ(st.patients, 6u);
    EXPECT_TRUE(index.find(Level::study, study_query(kStudyUID, "1.2.3.5"), Root::study_root).empty());
    EXPECT_TRUE(index.find(Level::study, study_query(kPatientID, "PID%_4"), Root::study_root).empty());
    EXPECT_EQ(index.find(Level::study, study_query(kStudyUID, "1.2.3.99"), Root::study_root).size(), 1u);

    // Removal prunes what it empties.
    EXPECT_TRUE(index.remove("1.2.3.5.1.1"));
    EXPECT_FALSE(index.remove("1.2.3.5.1.1"));
    st = index.stats();
    EXPECT_EQ(st.instances, 12u);
    EXPECT_EQ(st.studies, 6u);
    EXPECT_EQ(st.patients, 5u);
    EXPECT_TRUE(index.remove("1.2.3.1.2.1"));  // S1 keeps its CT series
    Dataset mq = study_query(kStudyUID, "1.2.3.1");
    mq.set_string(kModalitiesInStudy, "");
    m = index.find(Level::study, mq, Root::study_root);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kModalitiesInStudy), "CT");

    // Missing required UIDs are refused.
    InstanceRecord bad = records[0];
    bad.dataset.remove(kSeriesUID);
    EXPECT_THROW(index.add(bad), Error);
}

TEST_P(ArchiveIndexStore, VerifyDetectsChangedFiles) {
    TempDir dir;
    auto owned = open(dir.str());
    Index &index = *owned;
    auto all = corpus();
    InstanceRecord r = write_instance(dir.str(), all[0]);
    index.add(r);
    EXPECT_EQ(index.verify(kCT, all[0].sop_uid), Verification::ok);
    EXPECT_EQ(index.verify(kMR, all[0].sop_uid), Verification::sop_class_mismatch);
    EXPECT_EQ(index.verify(kCT, "9.9.9"), Verification::not_found);
    {
        std::fstream f(r.path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(200);
        char c = 0;
        f.read(&c, 1);
        f.seekp(200);
        c = char(c ^ 0x01);
        f.write(&c, 1);
    }
    EXPECT_EQ(index.verify(kCT, all[0].sop_uid), Verification::digest_mismatch);
    fs::remove(r.path);
    EXPECT_EQ(index.verify(kCT, all[0].sop_uid), Verification::file_missing);
    EXPECT_STREQ(verification_name(Verification::digest_mismatch), "digest_mismatch");
}

TEST(ArchiveDigest, Sha256) {
    // FIPS 180-4 examples (NIST CSRC SHA-256 example values).
    EXPECT_EQ(sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    EXPECT_EQ(sha256_hex(two.data(), two.size()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    std::string million(1000000, 'a');
    EXPECT_EQ(sha256_hex(million.data(), million.size()),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// ---------------------------------------------------------------------------------------------------
// Modality Worklist (PS3.4 K.6), Sequence Matching (C.2.2.2.6).

Dataset sps_item(const char *ae, const char *date, const char *time, const char *modality, const char *id,
                 const char *physician) {
    Dataset it;
    it.set_inherited_character_set("ISO_IR 192");
    it.set_string(kSpsAE, ae);
    it.set_string(kSpsDate, date);
    it.set_string(kSpsTime, time);
    it.set_string(kModality, modality);
    it.set_string(kSpsID, id);
    it.set_string(kSpsStatus, "SCHEDULED");
    it.set_string(kSpsPhysician, physician);
    return it;
}

Dataset worklist_entry(const char *name, const char *pid, const char *accession, const char *rp,
                       std::vector<Dataset> steps) {
    Dataset w;
    w.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    w.set_string(kPatientName, name);
    w.set_string(kPatientID, pid);
    w.set_string(kAccession, accession);
    w.set_string(kRequestedProcedureID, rp);
    w.set_string(kStudyUID, std::string("1.2.9.") + rp);
    w.set_sequence(kSps, std::move(steps));
    return w;
}

using Steps = std::set<std::pair<std::string, std::string>>;  // (Patient ID, SPS ID)

Steps steps_of(const std::vector<Dataset> &matches) {
    Steps s;
    for (const auto &m : matches) {
        const auto &items = m.get_items(kSps);
        EXPECT_EQ(items.size(), 1u);  // one Scheduled Procedure Step per response
        s.emplace(m.get_string_or(kPatientID, ""), items.empty() ? "" : items[0].get_string_or(kSpsID, ""));
    }
    return s;
}

TEST_P(ArchiveWorklist, SequenceMatchingAndStatus) {
    TempDir dir;
    auto owned = open(dir.str());
    Index &index = *owned;
    index.add_worklist_item(worklist_entry(
        "Müller^Jürgen", "PID1", "WACC1", "RP1",
        {sps_item("CT_SCANNER", "20240105", "0900", "CT", "SPS1", "Doe^Jane"),
         sps_item("MR_SCANNER", "20240106", "1400", "MR", "SPS2", "Roe^Richard")}));
    index.add_worklist_item(
        worklist_entry("山田^太郎", "PID2", "WACC2", "RP2", {sps_item("CT_SCANNER", "20240107", "1030", "CT", "SPS3", "")}));
    int64_t w3 = index.add_worklist_item(
        worklist_entry("Smith^John", "PID3", "WACC3", "RP3", {sps_item("US_1", "20240105", "1600", "US", "SPS4", "")}));
    EXPECT_EQ(index.stats().worklist_items, 3u);

    struct Key {
        Tag tag;
        const char *value;
    };
    struct Row {
        const char *rule;
        std::vector<Key> top;   // keys outside the sequence
        std::vector<Key> item;  // keys in the Scheduled Procedure Step Sequence item
        bool combined;
        Steps expected;
    };
    const Steps all{{"PID1", "SPS1"}, {"PID1", "SPS2"}, {"PID2", "SPS3"}, {"PID3", "SPS4"}};
    const std::vector<Row> rows = {
        {"C.2.2.2.6 empty item: universal", {}, {}, false, all},
        {"K.6 Scheduled Station AE Title, single value", {}, {{kSpsAE, "CT_SCANNER"}}, false,
         {{"PID1", "SPS1"}, {"PID2", "SPS3"}}},
        {"K.6 AE Title, wild card", {}, {{kSpsAE, "*SCANNER"}}, false,
         {{"PID1", "SPS1"}, {"PID1", "SPS2"}, {"PID2", "SPS3"}}},
        {"K.6 Modality", {}, {{kModality, "MR"}}, false, {{"PID1", "SPS2"}}},
        {"K.6 SPS Start Date, single value", {}, {{kSpsDate, "20240105"}}, false, {{"PID1", "SPS1"}, {"PID3", "SPS4"}}},
        {"C.2.2.2.6 all item keys match in the same item", {}, {{kSpsDate, "20240105-20240106"}, {kModality, "CT"}},
         false, {{"PID1", "SPS1"}}},
        {"C.2.2.2.5 SPS date + time ranges, separately", {}, {{kSpsDate, "20240105"}, {kSpsTime, "1000-1700"}}, false,
         {{"PID3", "SPS4"}}},
        {"C.2.2.2.5 SPS date + time, combined", {}, {{kSpsDate, "20240105-20240107"}, {kSpsTime, "1200-1100"}}, true,
         {{"PID1", "SPS2"}, {"PID2", "SPS3"}, {"PID3", "SPS4"}}},
        {"K.6 Scheduled Performing Physician's Name (PN, case-insensitive)", {}, {{kSpsPhysician, "DOE*"}}, false,
         {{"PID1", "SPS1"}}},
        {"K.6 top-level PN with sequence universal", {{kPatientName, "müller*"}}, {}, false,
         {{"PID1", "SPS1"}, {"PID1", "SPS2"}}},
        {"K.6 top-level non-ASCII PN", {{kPatientName, "山田*"}}, {{kSpsAE, ""}}, false, {{"PID2", "SPS3"}}},
        {"K.6 Accession + AE", {{kAccession, "WACC1"}}, {{kSpsAE, "MR*"}}, false, {{"PID1", "SPS2"}}},
        {"C.2.2.2.6 no item matches", {}, {{kSpsAE, "NOPE"}}, false, {}},
    };
    for (const auto &row : rows) {
        Dataset q;
        q.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
        q.set_string(kPatientName, "");
        q.set_string(kPatientID, "");
        for (const auto &k : row.top) q.set_string(k.tag, k.value);
        Dataset item;
        item.set_inherited_character_set("ISO_IR 192");
        item.set_string(kSpsID, "");
        for (const auto &k : row.item) item.set_string(k.tag, k.value);
        if (row.item.empty()) item.clear();
        q.set_sequence(kSps, {item});
        FindOptions opt;
        opt.combined_datetime = row.combined;
        EXPECT_EQ(steps_of(index.find_worklist(q, opt)), row.expected) << row.rule;
    }

    // Responses hold only the requested keys, in the sequence item too.
    Dataset q;
    q.set_string(kPatientName, "");
    Dataset item;
    item.set_string(kSpsID, "");
    item.set_string(kSpsAE, "US_1");
    q.set_sequence(kSps, {item});
    auto m = index.find_worklist(q);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].get_string(kPatientName), "Smith^John");
    EXPECT_FALSE(m[0].contains(kPatientID));
    const auto &items = m[0].get_items(kSps);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].size(), 2u);
    EXPECT_EQ(items[0].get_string(kSpsAE), "US_1");
    EXPECT_EQ(items[0].get_string(kSpsID), "SPS4");

    // MPPS moves a step along.
    EXPECT_EQ(index.set_procedure_step_status("SPS1", "STARTED"), 1u);
    EXPECT_EQ(index.set_procedure_step_status("SPS1", "COMPLETED", "RP9"), 0u);
    EXPECT_EQ(index.set_procedure_step_status("NOSUCH", "STARTED"), 0u);
    EXPECT_THROW(index.set_procedure_step_status("SPS1", "bad status"), Error);
    Dataset sq;
    sq.set_string(kPatientID, "");
    Dataset sitem;
    sitem.set_string(kSpsID, "");
    sitem.set_string(kSpsStatus, "STARTED");
    sq.set_sequence(kSps, {sitem});
    EXPECT_EQ(steps_of(index.find_worklist(sq)), (Steps{{"PID1", "SPS1"}}));
    EXPECT_TRUE(index.remove_worklist_item(w3));
    EXPECT_FALSE(index.remove_worklist_item(w3));
    EXPECT_EQ(index.stats().worklist_items, 2u);
}

TEST(ArchiveMatching, MatchDatasetDirectly) {
    // The in-memory matcher other Index implementations can reuse (C.2.2.2 on a dataset).
    Dataset entity = make_dataset(corpus()[0]);
    Dataset keys;
    keys.set_string(tags::SpecificCharacterSet, "ISO_IR 192");
    keys.set_string(kPatientName, "müller^j*");
    keys.set_string(kStudyDate, "20240101-");
    EXPECT_TRUE(match_dataset(entity, keys));
    keys.set_string(kModality, "MR");
    EXPECT_FALSE(match_dataset(entity, keys));
    FindOptions exact;
    exact.pn_case_insensitive = false;
    keys.remove(kModality);
    EXPECT_FALSE(match_dataset(entity, keys, exact));
    keys.set_string(kPatientName, "Müller^J*");
    EXPECT_TRUE(match_dataset(entity, keys, exact));
}

// ---------------------------------------------------------------------------------------------------
// Concurrency: several associations adding and querying at once.

TEST_P(ArchiveIndexStore, ConcurrentAddAndQuery) {
    TempDir dir;
    auto owned = open(dir.str());
    Index &index = *owned;
    constexpr int kThreads = 4, kPerThread = 40;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                for (int i = 0; i < kPerThread; ++i) {
                    Inst in{"TPID" + std::to_string(t), "Thread^" + std::to_string(t), "", "O",
                            "1.2.4." + std::to_string(t), "20240101", "120000", "T" + std::to_string(t), "", ""};
                    in.series_uid = in.study_uid + "." + std::to_string(i % 4);
                    in.modality = "OT";
                    in.series_number = std::to_string(i % 4);
                    in.sop_class = kCT;
                    in.sop_uid = in.series_uid + "." + std::to_string(i);
                    in.instance_number = std::to_string(i);
                    InstanceRecord r;
                    r.dataset = make_dataset(in);
                    r.path = dir.str() + "/t" + std::to_string(t) + "_" + std::to_string(i);
                    r.size = 1;
                    r.transfer_syntax = uids::ExplicitVRLittleEndian;
                    r.sha256 = std::string(64, '0');
                    index.add(r);
                    Dataset q = study_query(kPatientName, "thread^*");
                    q.set_string(kNumStudyInstances, "");
                    auto m = index.find(Level::study, q, Root::study_root);
                    bool mine = false;
                    for (const auto &d : m)
                        if (d.get_string(kStudyUID) == in.study_uid) mine = d.get_int(kNumStudyInstances) == i + 1;
                    if (!mine) ++failures;
                }
            } catch (const std::exception &e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    }
    for (auto &th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    IndexStats st = index.stats();
    EXPECT_EQ(st.instances, uint64_t(kThreads * kPerThread));
    EXPECT_EQ(st.studies, uint64_t(kThreads));
    EXPECT_EQ(st.series, uint64_t(kThreads * 4));
}

// ---------------------------------------------------------------------------------------------------
// Crash safety: a child ingesting in a loop is SIGKILLed; the index it leaves is consistent and holds
// every instance whose add() had returned.

std::string sql_one(sqlite3 *db, const char *sql) {
    sqlite3_stmt *s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        out = reinterpret_cast<const char *>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
}

TEST_P(ArchiveIndexStore, SurvivesSigkillMidIngest) {
    TempDir dir;
    fs::create_directories(dir.path / "files");
    const std::string spec = new_index_spec(GetParam(), (dir.path / "db").string());
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        try {
            auto opened = open_index(spec);
            Index &index = *opened;
            for (int i = 0;; ++i) {
                Inst in{"K" + std::to_string(i % 7), "Kill^Test", "", "O", "1.2.5." + std::to_string(i / 50),
                        "20240101", "", "K", "", ""};
                in.series_uid = in.study_uid + ".1";
                in.modality = "OT";
                in.series_number = "1";
                in.sop_class = kCT;
                in.sop_uid = in.series_uid + "." + std::to_string(i);
                in.instance_number = std::to_string(i);
                InstanceRecord r = write_instance((dir.path / "files").string(), in);
                if (i % 5 == 0) {
                    index.add(r);
                } else {
                    // Batches too, and re-adds that move instances between studies.
                    std::vector<InstanceRecord> batch{r};
                    if (i > 10) {
                        Inst again = in;
                        again.sop_uid = "1.2.5." + std::to_string((i - 10) / 50) + ".1." + std::to_string(i - 10);
                        // A new file: the old one stays intact until the new row is committed.
                        batch.push_back(write_instance((dir.path / "files").string(), again, "-r" + std::to_string(i)));
                    }
                    index.add(batch);
                }
                int32_t done = i + 1;
                if (write(fds[1], &done, sizeof done) != sizeof done) _exit(3);
            }
        } catch (...) {
            _exit(2);
        }
        _exit(0);
    }
    close(fds[1]);
    int32_t committed = 0, v = 0;
    while (committed < 300 && read(fds[0], &v, sizeof v) == sizeof v) committed = v;
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    while (read(fds[0], &v, sizeof v) == sizeof v) committed = v;  // acknowledged before the kill
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    ASSERT_GE(committed, 300);

    if (GetParam() == "sqlite") {
    // The index reopens (WAL recovery) and is consistent.
    std::string db_path = (dir.path / "db" / "index.sqlite").string();
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sql_one(db, "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(sql_one(db, "SELECT COUNT(*) FROM pragma_foreign_key_check"), "0");
    EXPECT_EQ(sql_one(db, "SELECT COUNT(*) FROM instance WHERE path='' OR sha256 NOT GLOB "
                          "'[0-9a-f]*' OR length(sha256)<>64 OR size<=0 OR transfer_syntax='' OR sop_class_uid=''"),
              "0");
    EXPECT_EQ(sql_one(db, "SELECT COUNT(*) FROM series s WHERE NOT EXISTS (SELECT 1 FROM instance i WHERE i.series_pk=s.pk)"), "0");
    EXPECT_EQ(sql_one(db, "SELECT COUNT(*) FROM study s WHERE NOT EXISTS (SELECT 1 FROM series i WHERE i.study_pk=s.pk)"), "0");
    EXPECT_EQ(sql_one(db, "SELECT COUNT(*) FROM patient s WHERE NOT EXISTS (SELECT 1 FROM study i WHERE i.patient_pk=s.pk)"), "0");
    sqlite3_close(db);

    } else {
        // PostgreSQL keeps its foreign keys; no row is left without what it belongs to.
        const std::string db = spec.substr(spec.find("dbname=") + 7, spec.find(' ', spec.find("dbname=")) - spec.find("dbname=") - 7);
        auto one = [&](const std::string &sql) {
            std::string out;
            EXPECT_EQ(PgCluster::get().psql(db, sql, out), 0) << out;
            return out;
        };
        EXPECT_EQ(one("SELECT COUNT(*) FROM instance WHERE path='' OR sha256 !~ '^[0-9a-f]{64}$' OR size<=0 OR "
                      "transfer_syntax='' OR sop_class_uid=''"),
                  "0");
        EXPECT_EQ(one("SELECT COUNT(*) FROM series s WHERE NOT EXISTS (SELECT 1 FROM instance i WHERE i.series_pk=s.pk)"), "0");
        EXPECT_EQ(one("SELECT COUNT(*) FROM study s WHERE NOT EXISTS (SELECT 1 FROM series i WHERE i.study_pk=s.pk)"), "0");
        EXPECT_EQ(one("SELECT COUNT(*) FROM patient s WHERE NOT EXISTS (SELECT 1 FROM study i WHERE i.patient_pk=s.pk)"), "0");
    }

    auto reopened = open_index(spec);
    Index &index = *reopened;
    IndexStats st = index.stats();
    EXPECT_GE(st.instances, uint64_t(committed));  // nothing acknowledged was lost
    // Every indexed row points at its intact file.
    Dataset q;
    q.set_string(kQueryLevel, "STUDY");
    q.set_string(kStudyUID, "");
    size_t files = 0;
    for (const auto &study : index.find(q, Root::study_root)) {
        Dataset r;
        r.set_string(kStudyUID, study.get_string(kStudyUID));
        for (const auto &f : index.files_for(Level::study, r, Root::study_root)) {
            EXPECT_EQ(index.verify(f.sop_class_uid, f.sop_instance_uid), Verification::ok) << f.path;
            ++files;
        }
    }
    EXPECT_EQ(files, st.instances);
    // And it takes new instances.
    Inst in{"K0", "Kill^Test", "", "O", "1.2.6", "20240101", "", "K", "", ""};
    in.series_uid = "1.2.6.1";
    in.modality = "OT";
    in.series_number = "1";
    in.sop_class = kCT;
    in.sop_uid = "1.2.6.1.1";
    in.instance_number = "1";
    index.add(write_instance((dir.path / "files").string(), in));
    EXPECT_EQ(index.stats().instances, st.instances + 1);
}

}  // namespace
