// Media types, Accept with q-values, Range, and the multipart/related reader and writer (RFC 2046
// 5.1.1, RFC 2387, RFC 9110 12.5.1 and 14.1.2) that DICOMweb bodies go through.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dcmkit/error.h"
#include "dcmkit/services/multipart.h"

using namespace dcmkit;
using namespace dcmkit::http;

namespace {

struct Got {
    std::vector<PartHeaders> headers;
    std::vector<std::string> bodies;
    int ends = 0;
};

MultipartReader::Callbacks collect(Got &g) {
    MultipartReader::Callbacks cb;
    cb.begin = [&g](const PartHeaders &h) {
        g.headers.push_back(h);
        g.bodies.emplace_back();
    };
    cb.data = [&g](const char *d, size_t n) { g.bodies.back().append(d, n); };
    cb.end = [&g] { ++g.ends; };
    return cb;
}

/// Reads `body` in pieces of `step` bytes.
Got read(const std::string &boundary, const std::string &body, size_t step, MultipartReader::Limits limits = {}) {
    Got g;
    MultipartReader r(boundary, collect(g), limits);
    for (size_t i = 0; i < body.size(); i += step) r.feed(body.data() + i, std::min(step, body.size() - i));
    r.finish();
    return g;
}

}  // namespace

TEST(MediaType, QuotedAndUnquotedParameters) {
    MediaType m;
    ASSERT_TRUE(parse_media_type("Multipart/Related; type=\"application/dicom\"; boundary=\"a;b \\\"c\"", m));
    EXPECT_EQ(m.type, "multipart/related");
    EXPECT_EQ(m.param("type"), "application/dicom");
    EXPECT_EQ(m.param("boundary"), "a;b \"c");
    ASSERT_TRUE(parse_media_type("multipart/related;type=application/dicom;BOUNDARY=xyz", m));
    EXPECT_EQ(m.param("type"), "application/dicom");
    EXPECT_EQ(m.param("boundary"), "xyz");
    std::string err;
    EXPECT_FALSE(parse_media_type("multipart", m, &err));
    EXPECT_FALSE(parse_media_type("a/b; x=\"unterminated", m, &err));
    EXPECT_NE(err.find("quoted"), std::string::npos);
}

TEST(MediaType, AcceptOrdersByQualityAndDropsZero) {
    const auto a = parse_accept(
        "image/png;q=0.5, multipart/related; type=\"application/dicom\"; transfer-syntax=*, image/jpeg;q=0.9, "
        "text/html;q=0, application/json");
    ASSERT_EQ(a.size(), 4u);
    EXPECT_EQ(a[0].type, "multipart/related");
    EXPECT_EQ(a[0].param("transfer-syntax"), "*");
    EXPECT_EQ(a[1].type, "application/json");  // q=1, after the first in the client's order
    EXPECT_EQ(a[2].type, "image/jpeg");
    EXPECT_DOUBLE_EQ(a[2].q, 0.9);
    EXPECT_EQ(a[3].type, "image/png");
    EXPECT_TRUE(parse_accept("*/*")[0].covers("application/dicom"));
    EXPECT_TRUE(parse_accept("image/*")[0].covers("image/png"));
    EXPECT_FALSE(parse_accept("image/*")[0].covers("application/dicom"));
    EXPECT_EQ(parse_accept("")[0].type, "*/*");
}

TEST(Range, Rfc9110Forms) {
    uint64_t a = 0, b = 0;
    ASSERT_TRUE(parse_range("bytes=0-9", 100, a, b));
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(b, 9u);
    ASSERT_TRUE(parse_range("bytes=90-", 100, a, b));
    EXPECT_EQ(b, 99u);
    ASSERT_TRUE(parse_range("bytes=-10", 100, a, b));
    EXPECT_EQ(a, 90u);
    ASSERT_TRUE(parse_range("bytes=95-200", 100, a, b));  // the last position is clipped
    EXPECT_EQ(b, 99u);
    EXPECT_FALSE(parse_range("bytes=100-", 100, a, b));   // past the end: 416
    EXPECT_FALSE(parse_range("bytes=5-2", 100, a, b));
    EXPECT_FALSE(parse_range("items=0-1", 100, a, b));
}

TEST(Multipart, ReadsPartsWhateverThePieceSizes) {
    // RFC 2046 5.1.1: preamble, transport padding after a delimiter, a part without header fields,
    // bodies holding CRLF and "--" sequences that are not the delimiter, an epilogue.
    const std::string body =
        "This is the preamble.\r\n"
        "--XyZ  \r\n"
        "Content-Type: application/dicom\r\n"
        "X-Other:value \r\n"
        "\r\n"
        "line1\r\n--XyY\r\n--Xy\r\n"
        "\r\n--XyZ\r\n"
        "\r\n"
        "second"
        "\r\n--XyZ--\r\n"
        "epilogue --XyZ\r\n";
    for (size_t step : {1u, 2u, 3u, 7u, 64u, 4096u}) {
        const Got g = read("XyZ", body, step);
        ASSERT_EQ(g.bodies.size(), 2u) << step;
        EXPECT_EQ(g.ends, 2);
        EXPECT_EQ(g.bodies[0], "line1\r\n--XyY\r\n--Xy\r\n") << step;
        EXPECT_EQ(g.bodies[1], "second");
        EXPECT_EQ(g.headers[0].at("content-type"), "application/dicom");
        EXPECT_EQ(g.headers[0].at("x-other"), "value");
        EXPECT_TRUE(g.headers[1].empty());
    }
}

TEST(Multipart, TruncatedBodyThrowsTruncated) {
    const std::string body = "--b\r\nContent-Type: application/dicom\r\n\r\nhalf of a dataset";
    try {
        read("b", body, 5);
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::truncated);
    }
    try {
        read("b", "no delimiter at all", 4);
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::truncated);
    }
}

TEST(Multipart, HugePartHeadersAreRefusedBeforeBuffering) {
    MultipartReader::Limits limits;
    limits.max_header_bytes = 1024;
    Got g;
    MultipartReader r("b", collect(g), limits);
    const std::string start = "--b\r\nX-Huge: ";
    r.feed(start.data(), start.size());
    const std::string chunk(512, 'a');
    try {
        for (int i = 0; i < 100; ++i) r.feed(chunk.data(), chunk.size());
        FAIL() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::bad_length);
    }
    EXPECT_TRUE(g.bodies.empty());
}

TEST(Multipart, BadHeaderLineAndTextAfterDelimiterAreMalformed) {
    for (const std::string &body : {std::string("--b\r\nno colon here\r\n\r\nx\r\n--b--"), std::string("--bX\r\n\r\nx\r\n--b--")}) {
        try {
            read("b", body, 3);
            FAIL() << body;
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::malformed) << body;
        }
    }
}

TEST(Multipart, WriterOutputReadsBack) {
    std::string out;
    MultipartWriter w("bnd", [&](const char *d, size_t n) { out.append(d, n); });
    w.begin_part({{"Content-Type", "application/dicom"}});
    w.write("abc\r\n--bn");
    w.begin_part({{"Content-Type", "application/octet-stream"}, {"Content-Location", "/x"}});
    w.write("");
    w.finish();
    EXPECT_EQ(out,
              "--bnd\r\nContent-Type: application/dicom\r\n\r\nabc\r\n--bn"
              "\r\n--bnd\r\nContent-Type: application/octet-stream\r\nContent-Location: /x\r\n\r\n"
              "\r\n--bnd--\r\n");
    const Got g = read("bnd", out, 1);
    ASSERT_EQ(g.bodies.size(), 2u);
    EXPECT_EQ(g.bodies[0], "abc\r\n--bn");
    EXPECT_EQ(g.bodies[1], "");
    EXPECT_EQ(g.headers[1].at("content-location"), "/x");
    EXPECT_EQ(make_boundary().size(), 39u);
    EXPECT_NE(make_boundary(), make_boundary());
}
