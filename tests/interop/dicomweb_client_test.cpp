// The DICOMweb client (dcmkit::web::Client, `dcmkit web`) against Orthanc with its DICOMweb plugin and
// against `dcmkit serve --http`: store (STOW-RS), search (QIDO-RS), retrieve (WADO-RS instances,
// metadata, frames, rendered). Golden values come from pydicom, which makes the files and their raw
// frames, and from DCMTK's dcmdump; errors from a 404, a closed port and a tiny Python server that
// answers truncated or garbage multipart bodies.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dcmkit/dataset.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"
#include "dcmkit/json.h"
#include "dcmkit/services/web_client.h"
#include "peer.h"
#include "web_study.h"

using namespace dcmkit;
using dk_test::Child;
using dk_test::TempDir;

namespace {

constexpr const char *kPython = "/usr/bin/python3";
constexpr const char *kOrthanc = "/usr/sbin/Orthanc";
constexpr const char *kPlugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so";


// A server that answers badly: argv[1] a file the port is written to, argv[2] a DICOM file to send.
//   /dicom-web/studies/1.2.1  a multipart body cut inside its only part (the connection closes)
//   /dicom-web/studies/1.2.2  one complete part, then a second one cut short
//   /dicom-web/studies/1.2.3  a complete part that is not DICOM
//   /dicom-web/studies/1.2.4  Content-Length larger than the body sent
//   /dicom-web/studies        QIDO: JSON cut in the middle
const char *kBadServer = R"PY(
import sys, http.server, socketserver
dcm = open(sys.argv[2], 'rb').read()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'
    def log_message(self, *a): pass
    def send(self, body, ctype, length=None):
        self.send_response(200)
        self.send_header('Content-Type', ctype)
        if length is not None: self.send_header('Content-Length', str(length))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        mp = 'multipart/related; type="application/dicom"; boundary=XB'
        part = b'--XB\r\nContent-Type: application/dicom\r\n\r\n'
        p = self.path.split('?')[0]
        if p == '/dicom-web/studies/1.2.1': self.send(part + dcm[:len(dcm) // 2], mp)
        elif p == '/dicom-web/studies/1.2.2': self.send(part + dcm + b'\r\n' + part + dcm[:300], mp)
        elif p == '/dicom-web/studies/1.2.3': self.send(part + b'hello, not DICOM at all' * 20 + b'\r\n--XB--\r\n', mp)
        elif p == '/dicom-web/studies/1.2.4':
            body = part + dcm + b'\r\n--XB--\r\n'
            self.send(body[:len(body) - 400], mp, len(body))
        elif p == '/dicom-web/studies': self.send(b'[{"0020000D": {"vr": "UI", "Value": ["1.2', 'application/dicom+json')
        else: self.send_error(404, 'nothing here')
s = socketserver.TCPServer(('127.0.0.1', 0), H)
open(sys.argv[1], 'w').write(str(s.server_address[1]))
s.serve_forever()
)PY";

// An HTTPS server that wants a client certificate signed by the test CA (argv[3]) and either
// "Authorization: Bearer secret" or Basic "user:pw"; it answers QIDO-RS with one study. argv[1] the
// port file, argv[2] its certificate and key prefix.
const char *kTlsServer = R"PY(
import sys, ssl, base64, http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'
    def log_message(self, *a): pass
    def do_GET(self):
        auth = self.headers.get('Authorization', '')
        if auth not in ('Bearer secret', 'Basic ' + base64.b64encode(b'user:pw').decode()):
            self.send_response(401, 'Unauthorized'); self.send_header('Content-Type', 'text/plain'); self.end_headers()
            self.wfile.write(b'who are you?'); return
        body = b'[{"0020000D": {"vr": "UI", "Value": ["1.2.840.99"]}}]'
        self.send_response(200); self.send_header('Content-Type', 'application/dicom+json')
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2] + '.pem', sys.argv[2] + '.key')
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(sys.argv[3])
class S(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    def get_request(self):
        sock, addr = super().get_request()
        return ctx.wrap_socket(sock, server_side=True), addr
    def handle_error(self, request, client_address): pass
s = S(('127.0.0.1', 0), H)
open(sys.argv[1], 'w').write(str(s.server_address[1]))
s.serve_forever()
)PY";

using Instance = dk_test::WebInstance;

/// The files in a folder (hidden ones too), sorted.
std::vector<std::string> list_dir(const std::string &dir) {
    std::vector<std::string> out;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (dirent *e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
        ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// A value dcmdump prints for `tag` ("0010,0010") in `path`, without the brackets.
std::string dcmdump_value(const std::string &path, const std::string &tag) {
    const std::string out = dk_test::tool({"dcmdump", "+P", tag, path});
    const size_t open = out.find('['), close = out.find(']', open);
    return open == std::string::npos || close == std::string::npos ? std::string() : out.substr(open + 1, close - open - 1);
}

class DicomWebClient : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"dcmdump"})) GTEST_SKIP() << "DCMTK not installed";
        try {
            web::Client probe(web::ClientOptions{"http://127.0.0.1:9"});
        } catch (const Error &e) {
            if (e.code() == Errc::unsupported) GTEST_SKIP() << e.what();  // DCMKIT_WITH_WEB_CLIENT=OFF
            throw;
        }
        std::string error;
        instances = dk_test::make_web_study(data, error);
        ASSERT_EQ(instances.size(), 5u) << error;
    }

    /// Starts Orthanc with its DICOMweb plugin on free ports; returns the DICOMweb root ("" when absent).
    std::string start_orthanc() {
        struct stat sb {};
        if (::stat(kOrthanc, &sb) != 0 || ::stat(kPlugin, &sb) != 0) return {};
        const std::string odir = tmp.sub("orthanc");
        for (int attempt = 0; attempt < 5; ++attempt) {
            const uint16_t hp = dk_test::pick_free_port(), dp = dk_test::pick_free_port();
            const std::string cfg = odir + "/orthanc.json";
            dk_test::write_bytes(cfg, "{\"Name\": \"dkclient\", \"StorageDirectory\": \"" + odir + "/db\", \"IndexDirectory\": \"" + odir +
                                          "/db\", \"HttpPort\": " + std::to_string(hp) + ", \"DicomPort\": " + std::to_string(dp) +
                                          ", \"RemoteAccessAllowed\": true, \"AuthenticationEnabled\": false, \"Plugins\": [\"" +
                                          kPlugin + "\"], \"DicomWeb\": {\"Enable\": true, \"Root\": \"/dicom-web/\"}}");
            if (!orthanc.start({kOrthanc, cfg}, odir + "/orthanc.log")) continue;
            if (dk_test::wait_until([&] { return dk_test::port_listening(hp) || !orthanc.running(); }, 20000) && orthanc.running())
                return "http://127.0.0.1:" + std::to_string(hp) + "/dicom-web";
            orthanc.stop(SIGKILL);
        }
        ADD_FAILURE() << "Orthanc did not start: " << orthanc.log();
        return {};
    }

    /// Starts `dcmkit serve --http`; returns its DICOMweb root.
    std::string start_ours() {
        uint16_t http_port = 0;
        const uint16_t port = dk_test::start_server(server, [&](uint16_t p) {
            http_port = dk_test::pick_free_port();
            return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", tmp.sub("archive"), "--bind",
                                            "127.0.0.1", "--http", std::to_string(http_port)};
        }, tmp / "serve.log");
        if (!port || !dk_test::wait_until([&] { return dk_test::port_listening(http_port); }, 10000)) {
            ADD_FAILURE() << "dcmkit serve did not start: " << server.log();
            return {};
        }
        return "http://127.0.0.1:" + std::to_string(http_port) + "/dicomweb";
    }

    /// Store, search, retrieve (instances, metadata, frames, rendered) against the server at `base`.
    void round_trip(const std::string &base) {
        web::ClientOptions o;
        o.base_url = base;
        o.timeout_ms = 120000;
        web::Client client(o);
        // STOW-RS: every file, one request; the answer references each of them.
        std::vector<std::string> files;
        for (const auto &kv : instances) files.push_back(kv.second.path);
        std::vector<std::string> sent;
        const web::StoreResult stored = client.store(files, {}, [&](const std::string &line) { sent.push_back(line); });
        EXPECT_EQ(stored.http_status, 200);
        EXPECT_EQ(sent.size(), files.size());
        std::set<std::string> referenced, want;
        for (const web::StoredInstance &s : stored.referenced) referenced.insert(s.sop_instance_uid);
        for (const auto &kv : instances) want.insert(kv.second.sop);
        EXPECT_EQ(referenced, want);
        EXPECT_TRUE(stored.failed.empty());
        for (const web::StoredInstance &s : stored.referenced)
            for (const auto &kv : instances)
                if (kv.second.sop == s.sop_instance_uid) {
                    EXPECT_EQ(s.sop_class_uid, kv.second.cls) << kv.first;
                }

        // QIDO-RS, study level: only study A matches DOE*, with dcmdump's values.
        const Instance &a1 = instances["a1"], &mf = instances["mf"], &b1 = instances["b1"];
        web::SearchQuery q;
        q.match = {{"PatientName", "DOE*"}};
        q.include_fields = {"StudyDate", "00100020"};
        std::vector<Dataset> found = client.search(q);
        ASSERT_EQ(found.size(), 1u);
        EXPECT_EQ(found[0].get_string(Tag(0x0020, 0x000D)), dcmdump_value(a1.path, "0020,000d"));
        EXPECT_EQ(found[0].get_string(Tag(0x0010, 0x0010)), dcmdump_value(a1.path, "0010,0010"));
        EXPECT_EQ(found[0].get_string(Tag(0x0010, 0x0020)), dcmdump_value(a1.path, "0010,0020"));
        EXPECT_EQ(found[0].get_string(Tag(0x0008, 0x0020)), dcmdump_value(a1.path, "0008,0020"));
        // A date range that holds only study B.
        q = {};
        q.match = {{"StudyDate", "20230101-20231231"}};
        found = client.search(q);
        ASSERT_EQ(found.size(), 1u);
        EXPECT_EQ(found[0].get_string(Tag(0x0020, 0x000D)), b1.study);
        // Series under study A; instances under series A1; limit.
        q = {};
        q.level = web::Level::series;
        q.study_uid = a1.study;
        found = client.search(q);
        std::set<std::string> series;
        for (const Dataset &d : found) series.insert(d.get_string(Tag(0x0020, 0x000E)));
        EXPECT_EQ(series, (std::set<std::string>{a1.series, mf.series}));
        q.level = web::Level::instance;
        q.series_uid = a1.series;
        found = client.search(q);
        std::set<std::string> sops;
        for (const Dataset &d : found) sops.insert(d.get_string(Tag(0x0008, 0x0018)));
        EXPECT_EQ(sops, (std::set<std::string>{instances["a1"].sop, instances["a2"].sop, instances["a3"].sop}));
        q.limit = 2;
        EXPECT_EQ(client.search(q).size(), 2u);
        q = {};
        q.level = web::Level::instance;
        q.match = {{"SOPInstanceUID", "1.2.3.4.5.6.7.8.9"}};
        EXPECT_TRUE(client.search(q).empty());

        // WADO-RS: study A into a folder, each file's dataset equal to the original's, pixels byte for byte.
        const std::string out = tmp.sub("out-" + std::to_string(++round));
        size_t seen = 0;
        const std::vector<web::RetrievedFile> got =
            client.retrieve({a1.study, {}, {}}, out, {}, [&](const web::RetrievedFile &) { ++seen; });
        EXPECT_EQ(got.size(), 4u);
        EXPECT_EQ(seen, 4u);
        EXPECT_EQ(list_dir(out).size(), 4u);  // no temporary file left
        for (const web::RetrievedFile &f : got) {
            const Instance *orig = nullptr;
            for (const auto &kv : instances)
                if (kv.second.sop == f.sop_instance_uid) orig = &kv.second;
            ASSERT_NE(orig, nullptr) << f.sop_instance_uid;
            EXPECT_EQ(f.path, out + "/" + orig->sop + ".dcm");
            EXPECT_EQ(dcmdump_value(f.path, "0008,0018"), orig->sop);
            EXPECT_EQ(dcmdump_value(f.path, "0010,0010"), orig->patient);
            const DicomFile back = read_file(f.path), want_file = read_file(orig->path);
            std::string why;
            EXPECT_TRUE(back.dataset.equals(want_file.dataset, &why)) << orig->name << ": " << why;
            std::string pixels;
            for (int n = 1; n <= (orig->name == "mf" ? 3 : 1); ++n)
                pixels += dk_test::read_bytes(data + "/" + orig->name + ".frame" + std::to_string(n));
            const Element *px = back.dataset.find(Tag(0x7FE0, 0x0010));
            ASSERT_NE(px, nullptr);
            EXPECT_EQ(std::string(px->value.str()), pixels) << orig->name;
        }
        // A single instance, asking for Explicit VR Little Endian.
        const std::string one = tmp.sub("one-" + std::to_string(round));
        const auto single = client.retrieve({mf.study, mf.series, mf.sop}, one, "1.2.840.10008.1.2.1");
        ASSERT_EQ(single.size(), 1u);
        EXPECT_EQ(single[0].transfer_syntax, "1.2.840.10008.1.2.1");

        // Metadata: one dataset per instance of the series, pydicom's values.
        const std::vector<Dataset> md = client.metadata({a1.study, a1.series, {}});
        std::set<std::string> md_sops;
        for (const Dataset &d : md) {
            md_sops.insert(d.get_string(Tag(0x0008, 0x0018)));
            EXPECT_EQ(d.get_string(Tag(0x0010, 0x0010)), a1.patient);
            EXPECT_EQ(d.get_int(Tag(0x0028, 0x0010)), 48);
        }
        EXPECT_EQ(md_sops, (std::set<std::string>{instances["a1"].sop, instances["a2"].sop, instances["a3"].sop}));

        // Frames 3 and 1 of the multi-frame instance: pydicom's raw frames.
        const auto frames = client.frames({mf.study, mf.series, mf.sop}, {3, 1});
        ASSERT_EQ(frames.size(), 2u);
        EXPECT_EQ(std::string(frames[0].begin(), frames[0].end()), dk_test::read_bytes(data + "/mf.frame3"));
        EXPECT_EQ(std::string(frames[1].begin(), frames[1].end()), dk_test::read_bytes(data + "/mf.frame1"));

        // Rendered: a JPEG in memory, a PNG in a file (their signatures; PNG's size from its IHDR).
        const auto jpeg = client.rendered({a1.study, a1.series, a1.sop});
        ASSERT_GT(jpeg.size(), 4u);
        EXPECT_EQ(jpeg[0], 0xFF);
        EXPECT_EQ(jpeg[1], 0xD8);
        const std::string png_path = out + "-a1.png";
        EXPECT_GT(client.rendered_to_file({a1.study, a1.series, a1.sop}, png_path, "image/png"), 24u);
        const std::string png = dk_test::read_bytes(png_path);
        ASSERT_GT(png.size(), 24u);
        EXPECT_EQ(png.substr(1, 3), "PNG");
        EXPECT_EQ(uint8_t(png[18]) * 256 + uint8_t(png[19]), 64);  // width
        EXPECT_EQ(uint8_t(png[22]) * 256 + uint8_t(png[23]), 48);  // height

        // An unknown study: not_found naming the status, no file made.
        const std::string none = tmp.sub("none-" + std::to_string(round));
        try {
            client.retrieve({"1.2.3.4.5.6.7.8.9.10", {}, {}}, none);
            ADD_FAILURE() << "an unknown study was retrieved";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), Errc::not_found) << e.what();
            EXPECT_NE(std::string(e.what()).find("404"), std::string::npos) << e.what();
        }
        EXPECT_TRUE(list_dir(none).empty());
    }

    TempDir tmp{"dcmkit-webclient"};
    std::string data = tmp.sub("data");
    std::map<std::string, Instance> instances;
    Child orthanc, server;
    int round = 0;
    std::string last;  // the last error's text
};

TEST_F(DicomWebClient, StoresSearchesAndRetrievesWithOrthanc) {
    const std::string base = start_orthanc();
    if (base.empty()) GTEST_SKIP() << "Orthanc or its DICOMweb plugin not installed";
    round_trip(base);
    orthanc.stop();
}

TEST_F(DicomWebClient, StoresSearchesAndRetrievesWithOurServer) {
    const std::string base = start_ours();
    ASSERT_FALSE(base.empty());
    round_trip(base);
    server.stop();
}

TEST_F(DicomWebClient, CommandLineStoresSearchesAndRetrieves) {
    const std::string base = start_ours();
    ASSERT_FALSE(base.empty());
    const Instance &a1 = instances["a1"];
    // The folder also holds the raw frames: skipped with a warning, not sent.
    dk_test::ProcResult r = dk_test::run({DCMKIT_CLI, "web", "store", base, data, "-v"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.err.find("skipped " + data + "/a1.frame1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("5 file(s) sent: 5 stored"), std::string::npos) << r.err;
    for (const auto &kv : instances) EXPECT_NE(r.out.find("stored " + kv.second.sop), std::string::npos) << r.all();
    r = dk_test::run({DCMKIT_CLI, "web", "search", base, "-k", "PatientName=ROE*", "--json"});
    ASSERT_EQ(r.status, 0) << r.all();
    const std::vector<Dataset> found = web::datasets_from_json_array(r.out);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].get_string(Tag(0x0020, 0x000D)), instances["b1"].study);
    r = dk_test::run({DCMKIT_CLI, "web", "search", base, "--level", "instance", "--study", a1.study, "-k", "0008,0018=" + a1.sop});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.out.find(a1.sop), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(instances["a2"].sop), std::string::npos) << r.out;
    const std::string out = tmp.sub("cli-out");
    r = dk_test::run({DCMKIT_CLI, "web", "retrieve", base, "--study", a1.study, "--series", a1.series, "--out", out, "-v"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(list_dir(out).size(), 3u);
    EXPECT_EQ(dcmdump_value(out + "/" + a1.sop + ".dcm", "0020,0013"), dcmdump_value(a1.path, "0020,0013"));
    EXPECT_NE(r.err.find("received"), std::string::npos) << r.err;
    r = dk_test::run({DCMKIT_CLI, "web", "retrieve", base, "--study", "1.2.3.4.5.6.7.8.9.10", "--out", tmp.sub("cli-none")});
    EXPECT_EQ(r.status, 1) << r.all();
    EXPECT_NE(r.err.find("HTTP 404"), std::string::npos) << r.err;
    r = dk_test::run({DCMKIT_CLI, "web", "retrieve", base, "--out", out});
    EXPECT_EQ(r.status, 2) << r.all();
    server.stop();
}

TEST_F(DicomWebClient, RefusedConnectionIsANetworkError) {
    web::ClientOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(dk_test::pick_free_port()) + "/dicom-web";
    web::Client client(o);
    try {
        client.search({});
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::network) << e.what();
        EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
    }
    const std::string out = tmp.sub("refused");
    EXPECT_THROW(client.retrieve({instances["a1"].study, {}, {}}, out), Error);
    EXPECT_TRUE(list_dir(out).empty());
    EXPECT_THROW(client.store({instances["a1"].path}), Error);
    // Not a Part 10 file: refused before anything is sent.
    dk_test::write_bytes(tmp / "junk.dcm", std::string(300, 'x'));
    try {
        client.store({tmp / "junk.dcm"});
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::not_dicom) << e.what();
    }
    EXPECT_THROW(web::Client(web::ClientOptions{"ftp://host/x"}), Error);
}

TEST_F(DicomWebClient, TlsVerificationClientCertificateAndCredentials) {
    if (!dk_test::have_tools({"openssl"})) GTEST_SKIP() << "openssl not installed";
    const std::string pki = tmp.sub("pki");
    ASSERT_EQ(dk_test::run({"sh", std::string(DCMKIT_TEST_DATA_DIR) + "/../support/make_test_pki.sh", pki}).status, 0);
    Child tls;
    const std::string port_file = tmp / "tls.port";
    ASSERT_TRUE(tls.start({kPython, "-c", kTlsServer, port_file, pki + "/server", pki + "/ca.pem"}, tmp / "tls.log"));
    ASSERT_TRUE(dk_test::wait_until([&] {
        struct stat sb {};
        return ::stat(port_file.c_str(), &sb) == 0 && sb.st_size > 0;
    }, 10000)) << tls.log();
    web::ClientOptions o;
    o.base_url = "https://127.0.0.1:" + dk_test::read_bytes(port_file) + "/dicom-web";
    o.timeout_ms = 30000;
    o.ca_file = pki + "/ca.pem";
    o.client_cert = pki + "/client.pem";
    o.client_key = pki + "/client.key";
    o.bearer_token = "secret";
    auto search = [&](const web::ClientOptions &opts) -> Errc {
        try {
            const std::vector<Dataset> found = web::Client(opts).search({});
            EXPECT_EQ(found.size(), 1u);
            if (!found.empty()) {
                EXPECT_EQ(found[0].get_string(Tag(0x0020, 0x000D)), "1.2.840.99");
            }
            return Errc::ok;
        } catch (const Error &e) {
            last = e.what();
            return e.code();
        }
    };
    EXPECT_EQ(search(o), Errc::ok) << last;
    web::ClientOptions basic = o;
    basic.bearer_token.clear();
    basic.username = "user";
    basic.password = "pw";
    EXPECT_EQ(search(basic), Errc::ok) << last;
    // Without the test CA, the server's certificate is refused, and the message says what to do.
    web::ClientOptions no_ca = o;
    no_ca.ca_file.clear();
    no_ca.ca_path = pki;  // a folder without hashed names: no CA found there
    EXPECT_EQ(search(no_ca), Errc::network);
    EXPECT_NE(last.find("certificate was not accepted"), std::string::npos) << last;
    // ... unless verification is off.
    no_ca.verify_peer = no_ca.verify_host = false;
    EXPECT_EQ(search(no_ca), Errc::ok) << last;
    // Without a client certificate the server ends the handshake.
    web::ClientOptions no_cert = o;
    no_cert.client_cert.clear();
    no_cert.client_key.clear();
    EXPECT_NE(search(no_cert), Errc::ok);
    // A wrong token: 401 with the server's reason and a hint.
    web::ClientOptions wrong = o;
    wrong.bearer_token = "guess";
    EXPECT_EQ(search(wrong), Errc::refused);
    EXPECT_NE(last.find("HTTP 401 Unauthorized: who are you?"), std::string::npos) << last;
    EXPECT_NE(last.find("check the credentials"), std::string::npos) << last;
    tls.stop();
}

TEST_F(DicomWebClient, GarbageAnswersAreTypedErrorsAndLeaveNoPartialFile) {
    Child bad;
    const std::string port_file = tmp / "bad.port";
    ASSERT_TRUE(bad.start({kPython, "-c", kBadServer, port_file, instances["a1"].path}, tmp / "bad.log"));
    ASSERT_TRUE(dk_test::wait_until([&] {
        struct stat sb {};
        return ::stat(port_file.c_str(), &sb) == 0 && sb.st_size > 0;
    }, 10000)) << bad.log();
    web::ClientOptions o;
    o.base_url = "http://127.0.0.1:" + dk_test::read_bytes(port_file) + "/dicom-web";
    o.timeout_ms = 30000;
    web::Client client(o);
    auto expect_error = [&](const std::string &study, Errc code) {
        const std::string out = tmp.sub("bad-" + study);
        try {
            client.retrieve({study, {}, {}}, out);
            ADD_FAILURE() << study << ": no error";
        } catch (const Error &e) {
            EXPECT_EQ(e.code(), code) << study << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find("/studies/" + study), std::string::npos) << e.what();
        }
        return list_dir(out);
    };
    // Cut inside the only part: nothing left behind.
    EXPECT_TRUE(expect_error("1.2.1", Errc::truncated).empty());
    // One complete part, the second cut: the first stays whole, the second leaves nothing.
    const std::vector<std::string> kept = expect_error("1.2.2", Errc::truncated);
    ASSERT_EQ(kept, std::vector<std::string>{instances["a1"].sop + ".dcm"});
    EXPECT_EQ(dk_test::read_bytes(tmp / ("bad-1.2.2/" + kept[0])), dk_test::read_bytes(instances["a1"].path));
    // A part that is not DICOM.
    EXPECT_TRUE(expect_error("1.2.3", Errc::not_dicom).empty());
    // Fewer bytes than Content-Length.
    EXPECT_TRUE(expect_error("1.2.4", Errc::truncated).empty());
    // QIDO JSON cut short.
    try {
        client.search({});
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::truncated) << e.what();
    }
    // The server's 404 reason reaches the message.
    try {
        client.metadata({"1.2.9", {}, {}});
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::not_found) << e.what();
        EXPECT_NE(std::string(e.what()).find("nothing here"), std::string::npos) << e.what();
    }
    bad.stop();
}

}  // namespace
