// Query keys (dcmkit::set_key, the findscu -k syntax) against DCMTK's own reading of the same path
// syntax: dcmodify -i applies each key to a file, dcm2json prints both files, the JSON must match.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "peer.h"

using namespace dcmkit;
using namespace dk_test;

TEST(QueryKey, BuildsWhatDcmodifyBuilds) {
    if (!have_tools({"dump2dcm", "dcmodify", "dcm2json"})) GTEST_SKIP() << "DCMTK tools missing";
    TempDir tmp("dcmkit-keys");
    const std::vector<std::string> keys = {
        "PatientName=SMITH*",
        "StudyDate",
        "PatientID=",
        "(0008,0061)=CT\\MR",
        "0020,000D=1.2.3",
        "Rows=512",
        "ScheduledProcedureStepSequence[0].Modality=CT",
        "ScheduledProcedureStepSequence[0].ScheduledStationAETitle",
        "ReferencedStudySequence[1]",
        "RequestAttributesSequence[0].ScheduledProtocolCodeSequence[0].CodeValue=XR1",
        "(0018,0050)=2.5",
    };
    const std::string theirs = tmp / "theirs.dcm", ours = tmp / "ours.dcm", dump = tmp / "base.txt";
    write_bytes(dump, std::string("(0008,0016) UI [1.2.840.10008.5.1.4.1.2.2.1]\n(0008,0052) CS [STUDY]\n"));
    tool({"dump2dcm", dump, theirs});
    std::vector<std::string> argv = {"dcmodify", "-nb"};
    for (const auto &k : keys) argv.insert(argv.end(), {"-i", k});
    argv.push_back(theirs);
    tool(argv);

    DicomFile f = read_file(theirs);
    f.dataset = Dataset();
    f.dataset.set_string(tags::SOPClassUID, "1.2.840.10008.5.1.4.1.2.2.1");
    f.dataset.set_string(tag_from_keyword("QueryRetrieveLevel"), "STUDY");
    for (const auto &k : keys) set_key(f.dataset, k);
    write_file(ours, f);
    const std::string want = tool({"dcm2json", theirs});
    ASSERT_NE(want.find("XR1"), std::string::npos) << want;
    EXPECT_EQ(tool({"dcm2json", ours}), want);
}

TEST(QueryKey, RefusesWhatIsNotAKey) {
    Dataset ds;
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"NoSuchKeyword=1", "'NoSuchKeyword' is neither a keyword nor a tag"},
        {"=SMITH", "no keyword or tag before '='"},
        {"PatientName[0].Modality=CT", "'PatientName' is not a sequence"},
        {"ScheduledProcedureStepSequence[x].Modality=CT", "is not Keyword[index]"},
        {"ScheduledProcedureStepSequence[0]=CT", "an item takes keys"},
        {"ScheduledProcedureStepSequence=CT", "a sequence takes items"},
        {"Rows=512px", "'512px' is not an integer (US)"},
        {"Rows=1\\two", "'two' is not an integer (US)"},
        {"PixelData=abc", "cannot be given as text"},
    };
    for (const auto &[key, why] : bad) {
        try {
            set_key(ds, key);
            ADD_FAILURE() << key << " was taken";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument) << key;
            EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << key << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
        }
    }
    EXPECT_EQ(set_key(ds, "Rows=1\\2"), tags::Rows);
    EXPECT_EQ(ds.get_int(tags::Rows, 1), 2);
}
