// The generated DICOM Conformance Statement of `dcmkit serve` is proven true: every (SOP class,
// transfer syntax) row of its presentation context table is proposed to the running server and
// accepted with that syntax, and rows it does not list are refused. The statement kept in
// conformance/ must be what the generator makes today.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/net/ae_config.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/transport.h"
#include "peer.h"

using namespace dcmkit;
namespace net = dcmkit::net;

namespace {

const std::string kProject = std::string(DCMKIT_STANDARD_DIR) + "/../../..";  // core/data/standard

struct Row {
    std::string abstract_syntax, transfer_syntax;
};

/// The rows of section 4.2.3's table: the first `uid` is the abstract syntax, the others its
/// transfer syntaxes.
std::vector<Row> rows_of(const std::string &md) {
    std::vector<Row> rows;
    const size_t start = md.find("#### 4.2.3 Presentation contexts");
    const size_t end = md.find("####", start + 10);
    std::istringstream in(md.substr(start, end - start));
    std::string line;
    const std::regex uid("`([0-9.]+)`");
    while (std::getline(in, line)) {
        if (line.rfind("| ", 0) != 0) continue;
        std::vector<std::string> uids;
        for (auto it = std::sregex_iterator(line.begin(), line.end(), uid); it != std::sregex_iterator(); ++it)
            uids.push_back((*it)[1]);
        for (size_t i = 1; i < uids.size(); ++i) rows.push_back({uids[0], uids[i]});
    }
    return rows;
}

/// Proposes each row in a presentation context of its own (127 per association) and returns the
/// rows accepted with exactly their transfer syntax.
std::set<std::pair<std::string, std::string>> accepted(uint16_t port, const std::vector<Row> &rows,
                                                      const std::string &called = "ARCH") {
    std::set<std::pair<std::string, std::string>> ok;
    net::AeConfig c;
    c.ae_title = "PROBE";
    c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 10000;
    for (size_t first = 0; first < rows.size(); first += 127) {
        net::AAssociateRq rq = net::make_request(c, called);
        rq.contexts.clear();
        uint8_t id = 1;
        for (size_t i = first; i < rows.size() && i < first + 127; ++i, id += 2)
            rq.contexts.push_back({id, rows[i].abstract_syntax, {rows[i].transfer_syntax}});
        auto a = net::Association::connect(c, net::tcp_connect("127.0.0.1", port, 10000), rq);
        for (const auto &pc : a->contexts())
            if (pc.accepted()) ok.insert({pc.abstract_syntax, pc.transfer_syntax});
        a->release();
    }
    return ok;
}

TEST(Conformance, TheStatementInTheRepositoryIsCurrent) {
    const dk_test::ProcResult r = dk_test::run({DCMKIT_CLI, "conformance", "serve", "-aet", "ARCH"});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string kept = dk_test::read_bytes(kProject + "/conformance/dcmkit-serve.md");
    EXPECT_TRUE(r.out == kept) << "conformance/dcmkit-serve.md is stale: regenerate it with\n"
                                  "  dcmkit conformance serve -aet ARCH > conformance/dcmkit-serve.md";
}

TEST(Conformance, EveryRowIsAcceptedByTheRunningServerAndOthersAreNot) {
    dk_test::TempDir tmp("dcmkit-conformance");
    const dk_test::ProcResult gen = dk_test::run({DCMKIT_CLI, "conformance", "serve", "-aet", "ARCH"});
    ASSERT_EQ(gen.status, 0) << gen.err;
    const std::vector<Row> rows = rows_of(gen.out);
    ASSERT_GT(rows.size(), 1000u) << "the table was not found or parsed";

    dk_test::Child server;
    const uint16_t port = dk_test::start_server(server, [&](uint16_t p) {
        return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", tmp.sub("archive"), "-aet", "ARCH"};
    }, tmp / "serve.log");
    ASSERT_NE(port, 0) << server.log();

    const auto ok = accepted(port, rows);
    size_t missing = 0;
    for (const Row &r : rows)
        if (!ok.count({r.abstract_syntax, r.transfer_syntax}) && ++missing <= 5)
            ADD_FAILURE() << "the statement lists " << r.abstract_syntax << " with " << r.transfer_syntax
                          << " but the server refused it";
    EXPECT_EQ(missing, 0u) << "of " << rows.size() << " rows";

    // Rows the statement does not list: a SOP class it does not name, and syntaxes it does not list
    // for a SOP class it names.
    const std::vector<Row> absent = {{"1.2.840.10008.5.1.1.16", "1.2.840.10008.1.2"},          // Printer
                                     {"1.2.840.10008.5.1.4.1.2.2.1", "1.2.840.10008.1.2.4.50"},  // Study Root FIND, JPEG
                                     {"1.2.840.10008.1.1", "1.2.840.10008.1.2.5"},               // Verification, RLE
                                     {"1.2.840.10008.3.1.2.3.3", "1.2.840.10008.1.2.4.90"}};      // MPPS, J2K
    std::set<std::pair<std::string, std::string>> listed;
    for (const Row &r : rows) listed.insert({r.abstract_syntax, r.transfer_syntax});
    for (const Row &r : absent) ASSERT_FALSE(listed.count({r.abstract_syntax, r.transfer_syntax}));
    EXPECT_TRUE(accepted(port, absent).empty());
    server.stop(SIGTERM);
}

TEST(Conformance, TheHtmlStatementIsCurrentAndStatesTheSameRows) {
    const dk_test::ProcResult r = dk_test::run({DCMKIT_CLI, "conformance", "serve", "-aet", "ARCH", "--format", "html"});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string kept = dk_test::read_bytes(kProject + "/conformance/dcmkit-serve.html");
    EXPECT_TRUE(r.out == kept) << "conformance/dcmkit-serve.html is stale: regenerate it with\n"
                                  "  dcmkit conformance serve -aet ARCH --format html > conformance/dcmkit-serve.html";
    // The presentation context table's rows, read back from the HTML, are the Markdown's.
    const std::string md = dk_test::read_bytes(kProject + "/conformance/dcmkit-serve.md");
    const size_t start = r.out.find("<h4>4.2.3 Presentation contexts</h4>");
    ASSERT_NE(start, std::string::npos);
    const std::string table = r.out.substr(start, r.out.find("</table>", start) - start);
    std::vector<std::pair<std::string, std::string>> html_rows, md_rows;
    const std::regex tr("<tr><td>(.*?)</td><td>(.*?)</td>"), uid("<code>([0-9.]+)</code>");
    for (auto it = std::sregex_iterator(table.begin(), table.end(), tr); it != std::sregex_iterator(); ++it) {
        const std::string abstract = (*it)[1], syntaxes = (*it)[2];
        std::smatch m;
        ASSERT_TRUE(std::regex_search(abstract, m, uid)) << abstract;
        const std::string sop = m[1];
        for (auto t = std::sregex_iterator(syntaxes.begin(), syntaxes.end(), uid); t != std::sregex_iterator(); ++t)
            html_rows.push_back({sop, (*t)[1]});
    }
    for (const Row &row : rows_of(md)) md_rows.push_back({row.abstract_syntax, row.transfer_syntax});
    EXPECT_GT(html_rows.size(), 300u);
    EXPECT_EQ(html_rows, md_rows);
    // A standalone page: one html element, its tags balanced (every table closed).
    EXPECT_EQ(r.out.rfind("<!DOCTYPE html>", 0), 0u);
    size_t opened = 0, closed = 0;
    for (size_t p = 0; (p = r.out.find("<table>", p)) != std::string::npos; ++p) ++opened;
    for (size_t p = 0; (p = r.out.find("</table>", p)) != std::string::npos; ++p) ++closed;
    EXPECT_EQ(opened, closed);
    EXPECT_GT(opened, 4u);
}

TEST(Conformance, AConfigurationFileDrivesTheServerAndItsStatementAlike) {
    // Fewer services and syntaxes, from `dcmkit serve --config`: the statement generated from the same
    // file lists exactly what the server then accepts.
    dk_test::TempDir tmp("dcmkit-conformance-config");
    const std::string cfg = tmp / "serve.cfg";
    dk_test::write_bytes(cfg, "# a storage-only archive\nae_title = SMALL\nservices = verification storage\n"
                              "storage_transfer_syntaxes = explicit, jpegls\nmax_associations = 4\n"
                              "storage = " + tmp.sub("archive") + "\n");
    const dk_test::ProcResult gen = dk_test::run({DCMKIT_CLI, "conformance", "serve", "--config", cfg});
    ASSERT_EQ(gen.status, 0) << gen.err;
    EXPECT_NE(gen.out.find("Maximum number of simultaneous associations | 4 |"), std::string::npos);
    EXPECT_EQ(gen.out.find("Query/Retrieve"), std::string::npos);
    const std::vector<Row> rows = rows_of(gen.out);
    ASSERT_GT(rows.size(), 100u);
    for (const Row &r : rows) {
        if (r.abstract_syntax == "1.2.840.10008.1.1") continue;
        ASSERT_TRUE(r.transfer_syntax == "1.2.840.10008.1.2.1" || r.transfer_syntax == "1.2.840.10008.1.2.4.80")
            << r.abstract_syntax << " " << r.transfer_syntax;
    }

    dk_test::Child server;
    const uint16_t port = dk_test::start_server(server, [&](uint16_t p) {
        return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--config", cfg};
    }, tmp / "serve.log");
    ASSERT_NE(port, 0) << server.log();
    // Every listed row accepted (and by the AE title the file gives, which is checked)…
    const auto ok = accepted(port, rows, "SMALL");
    EXPECT_EQ(ok.size(), rows.size()) << server.log();
    // …and what the file leaves out refused: Query/Retrieve, RLE for CT.
    EXPECT_TRUE(accepted(port, {{"1.2.840.10008.5.1.4.1.2.2.1", "1.2.840.10008.1.2"},
                                {"1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.5"}},
                         "SMALL")
                    .empty());
    server.stop(SIGTERM);

    // A file with a mistake is refused with its line.
    dk_test::write_bytes(cfg, "services = verification printing\n");
    const dk_test::ProcResult bad = dk_test::run({DCMKIT_CLI, "serve", "--config", cfg});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("serve.cfg:1: unknown service 'printing'"), std::string::npos) << bad.err;
}

}  // namespace
