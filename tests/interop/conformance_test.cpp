// The generated DICOM Conformance Statement of `dcmkit serve` is proven true: every (SOP class,
// transfer syntax) row of its presentation context table is proposed to the running server and
// accepted with that syntax, and rows it does not list are refused. The statement kept in
// conformance/ must be what the generator makes today.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include "dcmkit/net/ae_config.h"
#include "dcmkit/net/association.h"
#include "dcmkit/net/tls.h"
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
/// With `tls`, each association is our SCU's over TLS (AeConfig::tls).
std::set<std::pair<std::string, std::string>> accepted(uint16_t port, const std::vector<Row> &rows,
                                                      const std::string &called = "ARCH",
                                                      const std::optional<net::TlsOptions> &tls = std::nullopt) {
    std::set<std::pair<std::string, std::string>> ok;
    net::AeConfig c;
    c.ae_title = "PROBE";
    c.tls = tls;
    c.timeouts.connect_ms = c.timeouts.artim_ms = c.timeouts.dimse_ms = 10000;
    for (size_t first = 0; first < rows.size(); first += 127) {
        net::AAssociateRq rq = net::make_request(c, called);
        rq.contexts.clear();
        uint8_t id = 1;
        for (size_t i = first; i < rows.size() && i < first + 127; ++i, id += 2)
            rq.contexts.push_back({id, rows[i].abstract_syntax, {rows[i].transfer_syntax}});
        auto a = net::Association::connect(
            c, tls ? net::tls_connect("127.0.0.1", port, 10000, *tls) : net::tcp_connect("127.0.0.1", port, 10000), rq);
        if (tls && !a->tls_peer()) throw std::runtime_error("the association is not secured by TLS");
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

namespace {

/// The value column of a row of the statement's tables ("| Item | value |").
std::string table_value(const std::string &md, const std::string &item) {
    const size_t at = md.find("| " + item + " | ");
    if (at == std::string::npos) return {};
    const size_t begin = at + item.size() + 5;
    return md.substr(begin, md.find(" |", begin) - begin);
}

std::vector<std::string> split_list(const std::string &s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string part; std::getline(in, part, ',');) {
        part.erase(0, part.find_first_not_of(' '));
        out.push_back(part);
    }
    return out;
}

/// The suite OpenSSL negotiated, from s_client's "Cipher is NAME" ("" when the handshake failed:
/// s_client prints the suite of a TLS 1.2 handshake the server then ends with an alert, but fails).
std::string negotiated(const dk_test::ProcResult &r) {
    if (r.status != 0) return {};
    const std::string text = r.all();
    const size_t at = text.find("Cipher is ");
    if (at == std::string::npos) return {};
    std::string name = text.substr(at + 10, text.find('\n', at) - at - 10);
    return name == "(NONE)" ? std::string() : name;
}

TEST(Conformance, OverTlsEveryRowIsAcceptedAndTheSecuritySectionIsTrue) {
    if (!net::tls_available()) GTEST_SKIP() << "built without TLS";
    if (!dk_test::have_tools({"openssl"})) GTEST_SKIP() << "openssl missing";
    dk_test::TempDir tmp("dcmkit-conformance-tls");
    dk_test::tool({"sh", kProject + "/tests/support/make_test_pki.sh", tmp.path()});
    const std::string cfg = tmp / "serve.cfg";
    dk_test::write_bytes(cfg, "ae_title = ARCH\nstorage = " + tmp.sub("archive") + "\ntls_key = " + (tmp / "server.key") +
                                  "\ntls_certificate = " + (tmp / "server.pem") + "\ntls_ca_file = " + (tmp / "ca.pem") + "\n");
    const dk_test::ProcResult gen = dk_test::run({DCMKIT_CLI, "conformance", "serve", "--config", cfg});
    ASSERT_EQ(gen.status, 0) << gen.err;
    const std::string &md = gen.out;
    const std::vector<Row> rows = rows_of(md);
    ASSERT_GT(rows.size(), 1000u) << "the table was not found or parsed";
    // What the statement says of its security (the default profile, PS3.15 B.10).
    EXPECT_EQ(table_value(md, "Secure Transport Connection Profile"),
              "Non-Downgrading BCP 195 TLS Secure Transport Connection Profile (PS3.15 B.10)");
    EXPECT_EQ(table_value(md, "TLS versions").rfind("TLS 1.2, TLS 1.3", 0), 0u) << md;
    EXPECT_EQ(table_value(md, "Client certificates").rfind("required", 0), 0u) << md;
    EXPECT_EQ(md.find("No security profiles are supported"), std::string::npos) << "section 7 contradicts 4.3.1";
    const std::vector<std::string> tls12 = split_list(table_value(md, "TLS 1.2 cipher suites"));
    const std::vector<std::string> tls13 = split_list(table_value(md, "TLS 1.3 cipher suites"));
    ASSERT_GE(tls12.size(), 2u) << md;
    ASSERT_GE(tls13.size(), 1u) << md;

    dk_test::Child server;
    const uint16_t port = dk_test::start_server(server, [&](uint16_t p) {
        return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--config", cfg};
    }, tmp / "serve.log");
    ASSERT_NE(port, 0) << server.log();

    // The probe, over TLS with our SCU's client certificate: every row accepted, the others refused.
    net::TlsOptions tls;
    tls.certificate_file = tmp / "client.pem";
    tls.private_key_file = tmp / "client.key";
    tls.ca_files = {tmp / "ca.pem"};
    const auto ok = accepted(port, rows, "ARCH", tls);
    EXPECT_EQ(ok.size(), rows.size()) << server.log();
    EXPECT_TRUE(accepted(port, {{"1.2.840.10008.5.1.1.16", "1.2.840.10008.1.2"}, {"1.2.840.10008.1.1", "1.2.840.10008.1.2.5"}},
                         "ARCH", tls)
                    .empty());
    // Plain DICOM is not taken on this port.
    EXPECT_THROW(accepted(port, {rows.front()}, "ARCH"), std::exception);

    // Each TLS 1.2 suite the statement lists for an RSA certificate is negotiated (openssl s_client,
    // TLS 1.2 only, that one suite); each TLS 1.3 suite too.
    std::map<std::string, std::string> openssl_name;  // IANA -> OpenSSL, from `openssl ciphers -stdname`
    {
        std::istringstream in(dk_test::tool({"openssl", "ciphers", "-stdname", "ALL:@SECLEVEL=0"}));
        for (std::string line; std::getline(in, line);) {
            std::istringstream ls(line);
            std::string iana, dash, name;
            if (ls >> iana >> dash >> name && dash == "-") openssl_name[iana] = name;
        }
    }
    const std::string where = "127.0.0.1:" + std::to_string(port);
    auto s_client = [&](std::vector<std::string> args, bool with_certificate = true) {
        std::vector<std::string> argv = {"openssl", "s_client", "-connect", where, "-CAfile", tmp / "ca.pem"};
        if (with_certificate) argv.insert(argv.end(), {"-cert", tmp / "client.pem", "-key", tmp / "client.key"});
        argv.insert(argv.end(), args.begin(), args.end());
        return dk_test::run(argv, 15000);
    };
    size_t tried = 0;
    for (const std::string &suite : tls12) {
        if (suite.find("_RSA_WITH_") == std::string::npos) continue;  // ECDSA suites need an ECDSA certificate
        ASSERT_TRUE(openssl_name.count(suite)) << suite;
        const dk_test::ProcResult r = s_client({"-tls1_2", "-cipher", openssl_name[suite]});
        EXPECT_EQ(negotiated(r), openssl_name[suite]) << suite << ":\n" << r.all();
        ++tried;
    }
    EXPECT_GE(tried, 2u);
    for (const std::string &suite : tls13) {
        const dk_test::ProcResult r = s_client({"-tls1_3", "-ciphersuites", suite});
        EXPECT_EQ(negotiated(r), suite) << r.all();
    }
    // A TLS 1.2 suite outside the profile (TLS_RSA_WITH_AES_128_CBC_SHA, only in B.9) is refused.
    ASSERT_EQ(std::find(tls12.begin(), tls12.end(), "TLS_RSA_WITH_AES_128_CBC_SHA"), tls12.end());
    dk_test::ProcResult r = s_client({"-tls1_2", "-cipher", "AES128-SHA"});
    EXPECT_EQ(negotiated(r), "") << r.all();
    EXPECT_NE(r.status, 0) << r.all();
    // TLS 1.1 is refused (when this OpenSSL can still offer it).
    r = s_client({"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
    if (r.all().find("no protocols available") == std::string::npos) {
        EXPECT_EQ(negotiated(r), "") << r.all();
    }
    // Client certificates required: a TLS 1.2 client without one is refused.
    r = s_client({"-tls1_2"}, false);
    EXPECT_EQ(negotiated(r), "") << r.all();
    EXPECT_NE(r.status, 0) << r.all();
    EXPECT_TRUE(server.running()) << server.log();
    server.stop(SIGTERM);
}

}  // namespace
