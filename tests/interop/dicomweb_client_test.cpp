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
#include "web_fetch.h"
#include "web_study.h"

using namespace dcmkit;
using dk_test::Child;
using dk_test::TempDir;

namespace {

constexpr const char *kPython = "/usr/bin/python3";


// A server that answers badly: argv[1] a file the port is written to, argv[2] a DICOM file to send.
//   /dicom-web/studies/1.2.1  a multipart body cut inside its only part (the connection closes)
//   /dicom-web/studies/1.2.2  one complete part, then a second one cut short
//   /dicom-web/studies/1.2.3  a complete part that is not DICOM
//   /dicom-web/studies/1.2.4  Content-Length larger than the body sent
//   /dicom-web/studies        QIDO: JSON cut in the middle
//   /dicom-web/studies/1.2.5/metadata   a JSON array cut in its second object
//   /dicom-web/studies/1.2.8/metadata   an HTML page said to be application/dicom+json
//   .../instances/1.2.7/frames/1,2      frame 1 whole, frame 2 cut (application/octet-stream)
//   .../instances/1.2.7/frames/3        one part of the type the Accept header asks for, its body
//                                       that Accept header
//   .../instances/1.2.7/frames/4        an HTML page (200, text/html), as a failing proxy sends
//   /dicom-web/bulk/256                 bytes 0..255 whole (200), whatever Range asks
//   /dicom-web/studies/1.2.5/series/1.2.6/rendered   two image/jpeg parts ("JPEG-ONE", "JPEG-TWO")
//   /dicom-web/studies/1.2.9/series/1.2.6/rendered   the first part whole, the second cut
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
        elif p == '/dicom-web/studies/1.2.5/metadata':
            self.send(b'[{"00080018": {"vr": "UI", "Value": ["1.2.3"]}}, {"00080018": {"vr": "UI", "Val', 'application/dicom+json')
        elif p == '/dicom-web/studies/1.2.8/metadata': self.send(b'<html>busy</html>', 'application/dicom+json')
        elif p.endswith('/instances/1.2.7/frames/1,2'):
            op = b'--XB\r\nContent-Type: application/octet-stream\r\n\r\n'
            self.send(op + b'F1' * 500 + b'\r\n' + op + b'F2' * 100, 'multipart/related; type="application/octet-stream"; boundary=XB')
        elif p.endswith('/instances/1.2.7/frames/3'):
            acc = self.headers.get('Accept', '')
            t = acc.split('type="')[1].split('"')[0] if 'type="' in acc else 'application/octet-stream'
            self.send(b'--XB\r\nContent-Type: ' + t.encode() + b'\r\n\r\n' + acc.encode() + b'\r\n--XB--\r\n',
                      'multipart/related; type="' + t + '"; boundary=XB')
        elif p == '/dicom-web/bulk/256': self.send(bytes(range(256)), 'application/octet-stream', 256)
        elif p.endswith('/instances/1.2.7/frames/4'): self.send(b'<html>please log in</html>', 'text/html')
        elif p in ('/dicom-web/studies/1.2.5/series/1.2.6/rendered', '/dicom-web/studies/1.2.9/series/1.2.6/rendered'):
            jp = b'--XB\r\nContent-Type: image/jpeg\r\n\r\n'
            body = jp + b'JPEG-ONE\r\n' + jp + b'JPEG-TWO\r\n--XB--\r\n'
            if '1.2.9' in p: body = body[:len(body) - 16]
            self.send(body, 'multipart/related; type="image/jpeg"; boundary=XB')
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

// A server whose metadata answer is a JSON array of argv[2] objects of ~1.5 KB each, made as it is
// sent (a large study's metadata without the study); argv[1] the port file.
const char *kBigMetadataServer = R"PY(
import sys, http.server, socketserver
N = int(sys.argv[2])
obj = b'{"00080018": {"vr": "UI", "Value": ["1.2.3.%d"]}, "00081030": {"vr": "LO", "Value": ["' + b'x' * 1400 + b'"]}}'
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Type', 'application/dicom+json')
        self.end_headers()
        self.wfile.write(b'[')
        chunk = []
        for i in range(N):
            chunk.append((b',' if i else b'') + obj.replace(b'%d', str(i).encode()))
            if len(chunk) == 1000:
                self.wfile.write(b''.join(chunk)); chunk = []
        self.wfile.write(b''.join(chunk) + b']')
s = socketserver.TCPServer(('127.0.0.1', 0), H)
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

/// Whether two DICOM JSON files hold the same JSON (parsed by Python's json module), the datasets of
/// an array compared in SOP Instance UID order; prints why not.
std::string same_json(const std::string &a, const std::string &b) {
    const dk_test::ProcResult r = dk_test::run({kPython, "-c", R"PY(
import json, sys
def load(p):
    v = json.load(open(p))
    return sorted(v, key=lambda d: d.get('00080018', {}).get('Value', [''])[0]) if isinstance(v, list) else v
a, b = load(sys.argv[1]), load(sys.argv[2])
print('same' if a == b else 'different: %d vs %d values' % (len(a), len(b)))
)PY", a, b});
    return r.status == 0 ? r.out.substr(0, r.out.find('\n')) : r.all();
}

/// The width and height of a baseline or progressive JPEG (its SOFn segment, ITU-T T.81 B.2.2).
std::pair<int, int> jpeg_size(const std::string &j) {
    if (j.size() < 4 || uint8_t(j[0]) != 0xFF || uint8_t(j[1]) != 0xD8) return {-1, -1};
    size_t i = 2;
    while (i + 9 < j.size()) {
        if (uint8_t(j[i]) != 0xFF) return {-2, -2};
        const uint8_t m = uint8_t(j[i + 1]);
        const size_t len = uint8_t(j[i + 2]) * 256u + uint8_t(j[i + 3]);
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC)
            return {uint8_t(j[i + 7]) * 256 + uint8_t(j[i + 8]), uint8_t(j[i + 5]) * 256 + uint8_t(j[i + 6])};
        i += 2 + len;
    }
    return {-3, -3};
}

// A new instance for STOW of DICOM JSON: 16-bit 40x30 pixels, a sequence, a person name and a
// decimal string; argv[1] the file to write, argv[2] (optional) its DICOM JSON as pydicom writes it.
// Prints its study, series and SOP Instance UIDs.
const char *kJsonInstanceMaker = R"PY(
import sys, struct, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
ds = Dataset()
ds.file_meta = FileMetaDataset()
ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds.SOPClassUID = '1.2.840.10008.5.1.4.1.1.7'
ds.SOPInstanceUID = generate_uid()
ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
ds.StudyInstanceUID = generate_uid(); ds.SeriesInstanceUID = generate_uid()
ds.PatientName = 'JSON^STOW'; ds.PatientID = 'J1'; ds.StudyDate = '20250102'; ds.Modality = 'OT'
ds.SeriesNumber = 7; ds.InstanceNumber = 1; ds.StudyID = 'J'; ds.AccessionNumber = 'ACCJ'
ds.SliceThickness = '2.5'; ds.ConversionType = 'WSD'
code = Dataset(); code.CodeValue = 'T-A0100'; code.CodingSchemeDesignator = 'SRT'; code.CodeMeaning = 'Brain'
ds.AnatomicRegionSequence = [code]
ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = 'MONOCHROME2'; ds.Rows = 30; ds.Columns = 40
ds.BitsAllocated = 16; ds.BitsStored = 16; ds.HighBit = 15; ds.PixelRepresentation = 0
ds.PixelData = b''.join(struct.pack('<H', (r * 301 + c * 17) % 65536) for r in range(30) for c in range(40))
ds.save_as(sys.argv[1], write_like_original=False)
if len(sys.argv) > 2: open(sys.argv[2], 'w').write(ds.to_json())
print(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
)PY";

// Compares every element of argv[1] (pydicom's file) with argv[2] (the one retrieved): prints
// "same", or the first difference.
const char *kDicomCompare = R"PY(
import sys, pydicom
a, b = pydicom.dcmread(sys.argv[1]), pydicom.dcmread(sys.argv[2])
for e in a:
    if e.tag not in b: print('missing', e.tag); sys.exit(0)
    if b[e.tag].value != e.value: print('differs', e.tag, repr(e.value)[:60], repr(b[e.tag].value)[:60]); sys.exit(0)
print('same')
)PY";

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
        if (!dk_test::have_orthanc()) return {};
        const uint16_t port = dk_test::start_orthanc(orthanc, tmp.sub("orthanc"));
        if (!port) {
            ADD_FAILURE() << "Orthanc did not start: " << orthanc.log();
            return {};
        }
        return "http://127.0.0.1:" + std::to_string(port) + "/dicom-web";
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
    /// `json_stow`: the server takes STOW-RS of DICOM JSON (Orthanc's DICOMweb plugin takes only
    /// application/dicom parts and answers 415).
    void round_trip(const std::string &base, bool json_stow = true) {
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

        // To disk: metadata as the server sent it (what curl gets, as parsed JSON), no temporary file left.
        const std::string disk = tmp.sub("disk-" + std::to_string(round));
        EXPECT_EQ(client.metadata_to_file({a1.study, {}, {}}, disk + "/md.json"), 4u);
        const dk_test::ProcResult c = dk_test::run({"curl", "-sS", "-H", "Accept: application/dicom+json", "-o", disk + "/curl.json",
                                                    base + "/studies/" + a1.study + "/metadata"});
        ASSERT_EQ(c.status, 0) << c.all();
        EXPECT_EQ(same_json(disk + "/md.json", disk + "/curl.json"), "same");
        // Frames 3 and 1 of the multi-frame instance, each to its file: pydicom's raw frames.
        const std::string fdir = disk + "/frames";
        const std::vector<web::PartFile> fr = client.frames_to_dir({mf.study, mf.series, mf.sop}, {3, 1}, fdir);
        ASSERT_EQ(fr.size(), 2u);
        EXPECT_EQ(fr[0].path, fdir + "/frame_3.raw");
        EXPECT_EQ(fr[0].number, 3u);
        EXPECT_EQ(fr[0].media_type, "application/octet-stream");
        EXPECT_EQ(dk_test::read_bytes(fdir + "/frame_3.raw"), dk_test::read_bytes(data + "/mf.frame3"));
        EXPECT_EQ(dk_test::read_bytes(fdir + "/frame_1.raw"), dk_test::read_bytes(data + "/mf.frame1"));
        EXPECT_EQ(list_dir(fdir), (std::vector<std::string>{"frame_1.raw", "frame_3.raw"}));
        // Rendered into a folder: one JPEG of the instance's Columns x Rows (pydicom's 64 x 48).
        const std::vector<web::PartFile> rd = client.rendered_to_dir({a1.study, a1.series, a1.sop}, disk + "/rendered");
        ASSERT_EQ(rd.size(), 1u);
        EXPECT_EQ(rd[0].path, disk + "/rendered/rendered_1.jpg");
        EXPECT_EQ(jpeg_size(dk_test::read_bytes(rd[0].path)), std::make_pair(64, 48));
        // Bulk data: the BulkDataURI of a1's Pixel Data in its metadata, whole and a range of it.
        std::string pixel_uri;
        JsonReadOptions jo;
        jo.bulk_loader = [&](std::string_view uri, Tag tag, VR) {
            if (tag == Tag(0x7FE0, 0x0010)) pixel_uri = std::string(uri);
            return Bytes();
        };
        ASSERT_EQ(client.metadata_to_file({a1.study, a1.series, a1.sop}, disk + "/a1.json"), 1u);
        from_json(dk_test::read_bytes(disk + "/a1.json"), jo);
        if (pixel_uri.empty()) {
            ADD_FAILURE() << "no BulkDataURI for Pixel Data in " << dk_test::read_bytes(disk + "/a1.json").substr(0, 300);
        } else {
            const std::string frame1 = dk_test::read_bytes(data + "/a1.frame1");
            EXPECT_EQ(client.bulkdata_to_file(pixel_uri, disk + "/px.bin"), frame1.size());
            EXPECT_EQ(dk_test::read_bytes(disk + "/px.bin"), frame1);
            EXPECT_EQ(client.bulkdata_to_file(pixel_uri, disk + "/px-range.bin", 100, 50), 50u);
            EXPECT_EQ(dk_test::read_bytes(disk + "/px-range.bin"), frame1.substr(100, 50));
        }

        // STOW of DICOM JSON: pydicom's instance, its pixels a bulk data part; retrieved back, every
        // element as pydicom made it.
        const std::string jdir = tmp.sub("json-" + std::to_string(round));
        const dk_test::ProcResult made = dk_test::run({kPython, "-c", kJsonInstanceMaker, jdir + "/j.dcm"});
        ASSERT_EQ(made.status, 0) << made.all();
        std::istringstream uids(made.out);
        std::string js, jr, ji;
        uids >> js >> jr >> ji;
        std::vector<std::string> lines;
        if (!json_stow) {
            try {
                client.store_json({jdir + "/j.dcm"});
                ADD_FAILURE() << "Orthanc took DICOM JSON";
            } catch (const Error &e) {
                EXPECT_EQ(e.code(), Errc::unsupported) << e.what();
                EXPECT_NE(std::string(e.what()).find("HTTP 415"), std::string::npos) << e.what();
            }
        } else {
            const web::StoreResult sj = client.store_json({jdir + "/j.dcm"}, {}, [&](const std::string &l) { lines.push_back(l); });
            EXPECT_EQ(sj.http_status, 200);
            ASSERT_EQ(sj.referenced.size(), 1u);
            EXPECT_EQ(sj.referenced[0].sop_instance_uid, ji);
            ASSERT_EQ(lines.size(), 1u);
            EXPECT_NE(lines[0].find("1 bulk data part(s)"), std::string::npos) << lines[0];
            const auto back = client.retrieve({js, jr, ji}, jdir + "/back");
            ASSERT_EQ(back.size(), 1u);
            const dk_test::ProcResult cmp = dk_test::run({kPython, "-c", kDicomCompare, jdir + "/j.dcm", back[0].path});
            EXPECT_EQ(cmp.out, "same\n") << cmp.all();
        }

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
    round_trip(base, false);
    orthanc.stop();
}

TEST_F(DicomWebClient, StoresSearchesAndRetrievesWithOurServer) {
    const std::string base = start_ours();
    ASSERT_FALSE(base.empty());
    round_trip(base);
    server.stop();
}

// Frames in a compressed syntax and a rendered series from our server: the files the client writes
// are what PS3.18 says the media types hold (a JPEG-LS SOI and SOF55 marker; JPEGs whose SOF gives
// the instances' Rows and Columns, one per instance of the series).
TEST_F(DicomWebClient, CompressedFramesAndRenderedSeriesFromOurServer) {
    const std::string base = start_ours();
    ASSERT_FALSE(base.empty());
    web::ClientOptions o;
    o.base_url = base;
    o.timeout_ms = 120000;
    web::Client client(o);
    std::vector<std::string> files;
    for (const auto &kv : instances) files.push_back(kv.second.path);
    ASSERT_EQ(client.store(files).http_status, 200);
    const Instance &mf = instances["mf"], &a1 = instances["a1"];
    const std::string fdir = tmp.sub("jls-frames");
    const std::vector<web::PartFile> fr = client.frames_to_dir({mf.study, mf.series, mf.sop}, {3, 1}, fdir, "jls");
    ASSERT_EQ(fr.size(), 2u);
    for (const web::PartFile &f : fr) {
        EXPECT_EQ(f.media_type, "image/jls");
        EXPECT_EQ(f.path.substr(f.path.size() - 4), ".jls") << f.path;
        const std::string b = dk_test::read_bytes(f.path);
        ASSERT_GT(b.size(), 4u);
        EXPECT_EQ(b.substr(0, 4), std::string("\xFF\xD8\xFF\xF7", 4)) << f.path;  // SOI, SOF55 (T.87)
    }
    EXPECT_EQ(fr[0].number, 3u);
    EXPECT_EQ(fr[1].number, 1u);
    const std::vector<web::PartFile> rd = client.rendered_to_dir({a1.study, a1.series, {}}, tmp.sub("rendered-series"));
    ASSERT_EQ(rd.size(), 3u);  // a1, a2, a3
    for (const web::PartFile &f : rd) {
        EXPECT_EQ(f.media_type, "image/jpeg");
        const std::string b = dk_test::read_bytes(f.path);
        const size_t sof = b.find("\xFF\xC0");
        ASSERT_NE(sof, std::string::npos) << f.path;
        EXPECT_EQ(uint8_t(b[sof + 5]) * 256 + uint8_t(b[sof + 6]), 48);  // lines
        EXPECT_EQ(uint8_t(b[sof + 7]) * 256 + uint8_t(b[sof + 8]), 64);  // samples per line
    }
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
    // Metadata streamed to a file (a folder given: metadata.json in it), as the server's JSON.
    const std::string mdir = tmp.sub("cli-md");
    r = dk_test::run({DCMKIT_CLI, "web", "retrieve", base, "--study", a1.study, "--metadata", "--out", mdir});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.err.find("metadata of 4 instance(s) written to " + mdir + "/metadata.json"), std::string::npos) << r.err;
    EXPECT_EQ(web::datasets_from_json_array(dk_test::read_bytes(mdir + "/metadata.json")).size(), 4u);
    // Frames into a folder: pydicom's frame 2 of the multi-frame instance.
    const Instance &mf = instances["mf"];
    const std::string fdir = tmp.sub("cli-frames");
    r = dk_test::run({DCMKIT_CLI, "web", "retrieve", base, "--study", mf.study, "--series", mf.series, "--instance", mf.sop,
                      "--frames", "2", "--frame-type", "raw", "--out", fdir, "-v"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_EQ(dk_test::read_bytes(fdir + "/frame_2.raw"), dk_test::read_bytes(data + "/mf.frame2"));
    EXPECT_NE(r.err.find("frame_2.raw (application/octet-stream"), std::string::npos) << r.err;
    // STOW of the DICOM JSON pydicom writes (a .json file: sent as DICOM JSON without --json), then
    // retrieved: every element as pydicom made it.
    const std::string jdir = tmp.sub("cli-json");
    const dk_test::ProcResult made = dk_test::run({kPython, "-c", kJsonInstanceMaker, jdir + "/j.dcm", jdir + "/j.json"});
    ASSERT_EQ(made.status, 0) << made.all();
    std::istringstream uids(made.out);
    std::string js, jr, ji;
    uids >> js >> jr >> ji;
    r = dk_test::run({DCMKIT_CLI, "web", "store", base, jdir + "/j.json", "-v"});
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.out.find("stored " + ji), std::string::npos) << r.all();
    EXPECT_NE(r.err.find("as DICOM JSON (1 bulk data part(s)"), std::string::npos) << r.err;
    r = dk_test::run({DCMKIT_CLI, "web", "retrieve", base, "--study", js, "--out", jdir + "/back"});
    ASSERT_EQ(r.status, 0) << r.all();
    const dk_test::ProcResult cmp = dk_test::run({kPython, "-c", kDicomCompare, jdir + "/j.dcm", jdir + "/back/" + ji + ".dcm"});
    EXPECT_EQ(cmp.out, "same\n") << cmp.all();
    // A .json file among Part 10 ones needs --json.
    r = dk_test::run({DCMKIT_CLI, "web", "store", base, jdir + "/j.json", a1.path});
    EXPECT_EQ(r.status, 2) << r.all();
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
    // Metadata cut inside its second object, or not JSON at all: typed errors, no file.
    const std::string md = tmp.sub("bad-md");
    try {
        client.metadata_to_file({"1.2.5", {}, {}}, md + "/m.json");
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::truncated) << e.what();
        EXPECT_NE(std::string(e.what()).find("/studies/1.2.5/metadata"), std::string::npos) << e.what();
    }
    try {
        client.metadata_to_file({"1.2.8", {}, {}}, md + "/m.json");
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::malformed) << e.what();
    }
    EXPECT_TRUE(list_dir(md).empty());
    // Frames: the first whole, the second cut: frame_1.raw only, nothing under frame 2's name.
    const web::Target inst{"1.2.5", "1.2.6", "1.2.7"};
    const std::string fr = tmp.sub("bad-frames");
    try {
        client.frames_to_dir(inst, {1, 2}, fr);
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::truncated) << e.what();
    }
    EXPECT_EQ(list_dir(fr), std::vector<std::string>{"frame_1.raw"});
    std::string f1;
    for (int i = 0; i < 500; ++i) f1 += "F1";
    EXPECT_EQ(dk_test::read_bytes(fr + "/frame_1.raw"), f1);
    // A compressed frame syntax asked by name: the Accept header PS3.18 8.7.3.5 writes, the file
    // named by the part's type.
    const std::string jls = tmp.sub("jls");
    const auto got = client.frames_to_dir(inst, {3}, jls, "jls");
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].path, jls + "/frame_3.jls");
    EXPECT_EQ(got[0].media_type, "image/jls");
    EXPECT_EQ(dk_test::read_bytes(jls + "/frame_3.jls"), "multipart/related; type=\"image/jls\"");
    const auto j2 = client.frames_to_dir(inst, {3}, jls, "multipart/related; type=\"image/jph\"");
    ASSERT_EQ(j2.size(), 1u);
    EXPECT_EQ(j2[0].path, jls + "/frame_3.jph");
    EXPECT_THROW(client.frames_to_dir(inst, {3}, jls, "gif87"), Error);
    // A page instead of a frame: malformed, no file.
    const std::string page = tmp.sub("page");
    try {
        client.frames_to_dir(inst, {4}, page);
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::malformed) << e.what();
        EXPECT_NE(std::string(e.what()).find("text/html, not a frame"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(list_dir(page).empty());
    // Bulk data from a server that ignores Range: the bytes asked are cut from the whole value; a
    // range past its end is an error, and no file.
    std::string all;
    for (int i = 0; i < 256; ++i) all += char(i);
    EXPECT_EQ(client.bulkdata_to_file("bulk/256", tmp / "b1.bin", 10, 20), 20u);
    EXPECT_EQ(dk_test::read_bytes(tmp / "b1.bin"), all.substr(10, 20));
    EXPECT_EQ(client.bulkdata_to_file(o.base_url + "/bulk/256", tmp / "b2.bin", 250), 6u);
    EXPECT_EQ(dk_test::read_bytes(tmp / "b2.bin"), all.substr(250));
    EXPECT_EQ(client.bulkdata_to_file("/bulk/256", tmp / "b3.bin"), 256u);
    EXPECT_EQ(dk_test::read_bytes(tmp / "b3.bin"), all);
    try {
        client.bulkdata_to_file("bulk/256", tmp / "b4.bin", 300, 5);
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Errc::bad_length) << e.what();
    }
    struct stat sb {};
    EXPECT_NE(::stat((tmp / "b4.bin").c_str(), &sb), 0);
    // A rendered series answered as multipart: each image to its numbered file; cut: the first only.
    const std::string rs = tmp.sub("rendered-series");
    const auto imgs = client.rendered_to_dir({"1.2.5", "1.2.6", {}}, rs);
    ASSERT_EQ(imgs.size(), 2u);
    EXPECT_EQ(dk_test::read_bytes(rs + "/rendered_1.jpg"), "JPEG-ONE");
    EXPECT_EQ(dk_test::read_bytes(rs + "/rendered_2.jpg"), "JPEG-TWO");
    const std::string rc = tmp.sub("rendered-cut");
    EXPECT_THROW(client.rendered_to_dir({"1.2.9", "1.2.6", {}}, rc), Error);
    EXPECT_EQ(list_dir(rc), std::vector<std::string>{"rendered_1.jpg"});
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

TEST_F(DicomWebClient, MetadataOfALargeStudyGoesToAFileInBoundedMemory) {
    struct stat sb {};
    if (::stat("/usr/bin/time", &sb) != 0) GTEST_SKIP() << "/usr/bin/time not installed";
    Child big;
    const std::string port_file = tmp / "big.port";
    ASSERT_TRUE(big.start({kPython, "-c", kBigMetadataServer, port_file, "150000"}, tmp / "big.log"));
    ASSERT_TRUE(dk_test::wait_until([&] { return ::stat(port_file.c_str(), &sb) == 0 && sb.st_size > 0; }, 10000)) << big.log();
    const std::string base = "http://127.0.0.1:" + dk_test::read_bytes(port_file) + "/dicom-web";
    // ~220 MB of JSON: the whole array checked and written, the client's peak RSS under 64 MB.
    const dk_test::ProcResult r = dk_test::run({"/usr/bin/time", "-f", "maxrss=%M", DCMKIT_CLI, "web", "retrieve", base, "--study",
                                                "1.2.3", "--metadata", "--out", tmp / "big.json"},
                                               300000);
    ASSERT_EQ(r.status, 0) << r.all();
    EXPECT_NE(r.err.find("metadata of 150000 instance(s)"), std::string::npos) << r.err;
    ASSERT_EQ(::stat((tmp / "big.json").c_str(), &sb), 0);
    EXPECT_GT(sb.st_size, 200 << 20);
    const size_t at = r.err.find("maxrss=");
    ASSERT_NE(at, std::string::npos) << r.err;
    const long kb = std::atol(r.err.c_str() + at + 7);
    EXPECT_GT(kb, 0);
    EXPECT_LT(kb, 64 * 1024) << "peak RSS " << kb << " KB for " << sb.st_size << " bytes of metadata";
    big.stop();
}

}  // namespace
