// The DICOMweb client's pure parts: splitting DICOM JSON arrays (QIDO-RS answers, metadata), the
// QIDO-RS query string, the URLs of WADO-RS targets, and the checks made before any request.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/services/web_client.h"

using namespace dcmkit;

namespace {

Errc code_of(void (*f)()) {
    try {
        f();
    } catch (const Error &e) {
        return e.code();
    }
    return Errc::ok;
}

TEST(WebJson, SplitsTopLevelValuesKeepingStringsAndNesting) {
    const std::string text = " [ {\"a\": \"x,]}\\\"\"}, {\"b\": [1, {\"c\": []}]} ,{} ] \n";
    const std::vector<std::string_view> parts = web::split_json_array(text);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0], "{\"a\": \"x,]}\\\"\"}");
    EXPECT_EQ(parts[1], "{\"b\": [1, {\"c\": []}]}");
    EXPECT_EQ(parts[2], "{}");
    EXPECT_TRUE(web::split_json_array("[]").empty());
    EXPECT_TRUE(web::split_json_array(" [ ] ").empty());
}

TEST(WebJson, RefusesWhatIsNotOneArray) {
    EXPECT_EQ(code_of([] { web::split_json_array(""); }), Errc::truncated);
    EXPECT_EQ(code_of([] { web::split_json_array("[{\"a\": 1}"); }), Errc::truncated);
    EXPECT_EQ(code_of([] { web::split_json_array("[{\"a\": \"]"); }), Errc::truncated);
    EXPECT_EQ(code_of([] { web::split_json_array("{\"a\": 1}"); }), Errc::malformed);
    EXPECT_EQ(code_of([] { web::split_json_array("[1,,2]"); }), Errc::malformed);
    EXPECT_EQ(code_of([] { web::split_json_array("[1] x"); }), Errc::malformed);
    EXPECT_EQ(code_of([] { web::split_json_array("[1}"); }), Errc::malformed);
}

TEST(WebJson, ReadsDatasetsAndNamesTheOneThatFails) {
    // PS3.18 F.2 values: a UI and a PN, then a second object whose US value is out of range.
    const std::vector<Dataset> ds = web::datasets_from_json_array(
        "[{\"0020000D\": {\"vr\": \"UI\", \"Value\": [\"1.2.3\"]}, \"00100010\": {\"vr\": \"PN\", \"Value\": [{\"Alphabetic\": "
        "\"DOE^JANE\"}]}}, {\"00080018\": {\"vr\": \"UI\", \"Value\": [\"1.2.4\"]}}]");
    ASSERT_EQ(ds.size(), 2u);
    EXPECT_EQ(ds[0].get_string(Tag(0x0020, 0x000D)), "1.2.3");
    EXPECT_EQ(ds[0].get_string(Tag(0x0010, 0x0010)), "DOE^JANE");
    EXPECT_EQ(ds[1].get_string(Tag(0x0008, 0x0018)), "1.2.4");
    try {
        web::datasets_from_json_array("[{}, {\"00280010\": {\"vr\": \"US\", \"Value\": [70000]}}]");
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::bad_value);
        EXPECT_NE(e.message().find("dataset 2"), std::string::npos) << e.message();
    }
    EXPECT_EQ(code_of([] { web::datasets_from_json_array("[1]"); }), Errc::malformed);
}

TEST(WebJson, NeverFollowsBulkDataUris) {
    // A server's "file:" URI must not make the client read its own disk.
    const std::vector<Dataset> ds =
        web::datasets_from_json_array("[{\"7FE00010\": {\"vr\": \"OW\", \"BulkDataURI\": \"file:///etc/passwd\"}}]");
    ASSERT_EQ(ds.size(), 1u);
    const Element *px = ds[0].find(Tag(0x7FE0, 0x0010));
    ASSERT_NE(px, nullptr);
    EXPECT_EQ(px->value.size(), 0u);
}

TEST(WebQuery, QueryStringIsPercentEncoded) {
    web::SearchQuery q;
    q.match = {{"PatientName", "DOE^J*"}, {"00100020", "A B&C"}, {"StudyDate", "20240101-20241231"}};
    q.include_fields = {"StudyDescription", "all"};
    q.limit = 10;
    q.offset = 5;
    q.fuzzy = true;
    EXPECT_EQ(web::Client::query_string(q),
              "PatientName=DOE%5EJ*&00100020=A%20B%26C&StudyDate=20240101-20241231&includefield=StudyDescription&"
              "includefield=all&limit=10&offset=5&fuzzymatching=true");
    web::SearchQuery seq;
    seq.match = {{"ReferencedStudySequence.ReferencedSOPInstanceUID", "1.2"}};
    EXPECT_EQ(web::Client::query_string(seq), "ReferencedStudySequence.ReferencedSOPInstanceUID=1.2");
    EXPECT_EQ(code_of([] {
                  web::SearchQuery b;
                  b.match = {{"PatientNam", "x"}};
                  web::Client::query_string(b);
              }),
              Errc::invalid_argument);
    EXPECT_EQ(code_of([] {
                  web::SearchQuery b;
                  b.include_fields = {"Patient Name"};
                  web::Client::query_string(b);
              }),
              Errc::invalid_argument);
}

/// Feeds `text` to a scanner one byte at a time (the worst split a network can make), then finishes.
web::JsonArrayScanner scan_bytewise(const std::string &text) {
    web::JsonArrayScanner s;
    for (char c : text) s.feed(&c, 1);
    s.finish();
    return s;
}

TEST(WebJsonScanner, CountsObjectsWhateverTheSplits) {
    const std::string text = " [ {\"a\": \"x,]}\\\"{\"}, {\"b\": [1, {\"c\": []}]} ,{} ] \n";
    EXPECT_EQ(scan_bytewise(text).values(), 3u);
    web::JsonArrayScanner whole;
    whole.feed(text.data(), text.size());
    whole.finish();
    EXPECT_EQ(whole.values(), 3u);
    EXPECT_EQ(scan_bytewise("[]").values(), 0u);
}

TEST(WebJsonScanner, CutOrForeignAnswersAreTypedErrors) {
    auto code = [](const std::string &text) {
        try {
            scan_bytewise(text);
        } catch (const Error &e) {
            return e.code();
        }
        return Errc::ok;
    };
    EXPECT_EQ(code(""), Errc::truncated);
    EXPECT_EQ(code("[{\"a\": 1}"), Errc::truncated);
    EXPECT_EQ(code("[{\"a\": 1}, {\"b\": \"]}"), Errc::truncated);  // cut inside a string
    EXPECT_EQ(code("<html>busy</html>"), Errc::malformed);
    EXPECT_EQ(code("{\"a\": 1}"), Errc::malformed);
    EXPECT_EQ(code("[1, 2]"), Errc::malformed);      // DICOM JSON datasets are objects
    EXPECT_EQ(code("[{},,{}]"), Errc::malformed);
    EXPECT_EQ(code("[{},]"), Errc::malformed);
    EXPECT_EQ(code("[{} {}]"), Errc::malformed);
    EXPECT_EQ(code("[{}] x"), Errc::malformed);
    EXPECT_EQ(code("[{}}"), Errc::malformed);
    EXPECT_EQ(code("[" + std::string(600, '[')), Errc::malformed);  // an array is not a dataset
    EXPECT_EQ(code("[{\"a\":" + std::string(600, '[')), Errc::too_deep);
}

TEST(WebFrames, AcceptHeadersAndExtensionsOfPs3_18MediaTypes) {
    // PS3.18 8.7.3.5: frames are asked as multipart/related; type="<media type>".
    EXPECT_EQ(web::Client::frame_accept(""), "multipart/related; type=\"application/octet-stream\"");
    EXPECT_EQ(web::Client::frame_accept("jls"), "multipart/related; type=\"image/jls\"");
    EXPECT_EQ(web::Client::frame_accept("JPH"), "multipart/related; type=\"image/jph\"");
    EXPECT_EQ(web::Client::frame_accept("rle"), "multipart/related; type=\"image/dicom-rle\"");
    EXPECT_EQ(web::Client::frame_accept("image/jp2"), "multipart/related; type=\"image/jp2\"");
    EXPECT_EQ(web::Client::frame_accept("raw", "explicit"),
              "multipart/related; type=\"application/octet-stream\"; transfer-syntax=1.2.840.10008.1.2.1");
    EXPECT_EQ(web::Client::frame_accept("jpeg", "*"), "multipart/related; type=\"image/jpeg\"; transfer-syntax=*");
    const std::string whole = "multipart/related; type=\"image/jls\"; transfer-syntax=1.2.840.10008.1.2.4.80";
    EXPECT_EQ(web::Client::frame_accept(whole), whole);
    EXPECT_EQ(code_of([] { web::Client::frame_accept("gif87"); }), Errc::invalid_argument);
    EXPECT_EQ(web::Client::extension_for("application/octet-stream"), ".raw");
    EXPECT_EQ(web::Client::extension_for("image/jpeg"), ".jpg");
    EXPECT_EQ(web::Client::extension_for("image/jls; transfer-syntax=1.2.840.10008.1.2.4.80"), ".jls");
    EXPECT_EQ(web::Client::extension_for("Image/JP2"), ".jp2");
    EXPECT_EQ(web::Client::extension_for("image/jphc"), ".jhc");
    EXPECT_EQ(web::Client::extension_for("image/dicom-rle"), ".rle");
    EXPECT_EQ(web::Client::extension_for("application/x-something"), ".bin");
}

TEST(WebClient, UrlsOfTargetsAndArgumentChecks) {
    web::ClientOptions o;
    o.base_url = "http://127.0.0.1:9/dicom-web//";
    std::unique_ptr<web::Client> made;
    try {
        made = std::make_unique<web::Client>(o);
    } catch (const Error &e) {
        if (e.code() == Errc::unsupported) GTEST_SKIP() << e.what();  // DCMKIT_WITH_WEB_CLIENT=OFF
        throw;
    }
    web::Client &c = *made;
    EXPECT_EQ(c.url_of({"1.2", {}, {}}), "http://127.0.0.1:9/dicom-web/studies/1.2");
    EXPECT_EQ(c.url_of({"1.2", "1.3", "1.4"}), "http://127.0.0.1:9/dicom-web/studies/1.2/series/1.3/instances/1.4");
    EXPECT_THROW(c.url_of({"1.2/../x", {}, {}}), Error);
    EXPECT_THROW(c.url_of({"1.2", {}, "1.4"}), Error);
    EXPECT_THROW(c.url_of({{}, {}, {}}), Error);
    EXPECT_THROW(c.frames({"1.2", "1.3", "1.4"}, {0}), Error);
    EXPECT_THROW(c.store({}), Error);
    web::SearchQuery q;
    q.level = web::Level::study;
    q.study_uid = "1.2";
    EXPECT_THROW(c.search(q), Error);  // a study-level search under a study
    EXPECT_EQ(code_of([] { web::Client(web::ClientOptions{"pacs:8042"}); }), Errc::invalid_argument);
}

}  // namespace
