// WADO-RS frames in the media types and transfer syntaxes of PS3.18 Table 8.7.3-5, and rendered
// studies and series, served by `dcmkit serve --http` and fetched with curl. The golden values are
// pydicom's (the pixels of the study it makes, the fragments it extracts from a file DCMTK's
// dcmcjpls compressed) and the peers' decoders': each frame we encode is wrapped into a file by
// pydicom and decoded by DCMTK (dcmdjpls, dcmdjpeg, dcmdrle), GDCM (gdcmconv --raw) or OpenJPH
// (ojph_expand), never by our own codecs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "peer.h"
#include "web_fetch.h"
#include "web_study.h"

using dk_test::Child;
using dk_test::TempDir;
using dk_test::WebResponse;

namespace {

constexpr const char *kPython = "/usr/bin/python3";
constexpr const char *kJls = "1.2.840.10008.1.2.4.80";

// NAME.dcm's frames as pydicom extracts them from encapsulated pixel data: NAME.storedN.
const char *const kFragments = R"PY(
import sys, pydicom
from pydicom.encaps import generate_pixel_data_frame
ds = pydicom.dcmread(sys.argv[1])
for i, f in enumerate(generate_pixel_data_frame(ds.PixelData, int(ds.get('NumberOfFrames', 1)))):
    open('%s.stored%d' % (sys.argv[1], i + 1), 'wb').write(f)
)PY";

// A compressed frame decoded by a peer: pydicom wraps FRAME (transfer syntax TS) in a one-frame copy
// of ORIG, TOOL decodes it, and the decoded pixel data (little endian) goes to OUT. ojph_expand reads
// the codestream itself (PGM out, big endian past 8 bits).
const char *const kPeerDecode = R"PY(
import sys, subprocess, pydicom
from pydicom.encaps import encapsulate
orig, frame, ts, out, tool = sys.argv[1:6]
data = open(frame, 'rb').read()
if tool == 'ojph_expand':
    open(out + '.j2c', 'wb').write(data)
    subprocess.run(['ojph_expand', '-i', out + '.j2c', '-o', out + '.pgm'], check=True, capture_output=True)
    pgm = open(out + '.pgm', 'rb').read()
    fields, pos = [], 0
    while len(fields) < 4:
        while pgm[pos:pos + 1].isspace(): pos += 1
        end = pos
        while not pgm[end:end + 1].isspace(): end += 1
        fields.append(pgm[pos:end]); pos = end
    pos += 1
    body = pgm[pos:]
    if int(fields[3]) > 255:
        body = b''.join(body[i + 1:i + 2] + body[i:i + 1] for i in range(0, len(body), 2))
    open(out, 'wb').write(body)
    sys.exit(0)
ds = pydicom.dcmread(orig)
ds.file_meta.TransferSyntaxUID = ts
if 'NumberOfFrames' in ds: ds.NumberOfFrames = 1
ds.PixelData = encapsulate([data])
ds['PixelData'].is_undefined_length = True
ds['PixelData'].VR = 'OB'
ds.is_little_endian = True; ds.is_implicit_VR = False
ds.save_as(out + '.in.dcm', write_like_original=False)
argv = [tool, '--raw', out + '.in.dcm', out + '.dcm'] if tool == 'gdcmconv' else [tool, out + '.in.dcm', out + '.dcm']
r = subprocess.run(argv, capture_output=True, text=True)
if r.returncode != 0:
    sys.exit(' '.join(argv) + ': ' + r.stdout + r.stderr)
open(out, 'wb').write(pydicom.dcmread(out + '.dcm').PixelData)
)PY";

// An 8-bit 40x24 image in a study of its own (to be JPEG Baseline compressed by DCMTK).
const char *const kEightBit = R"PY(
import sys, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
ds = Dataset()
ds.file_meta = FileMetaDataset()
ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.7'
ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
ds.StudyInstanceUID = generate_uid(); ds.SeriesInstanceUID = generate_uid()
ds.PatientName = 'POE^EDGAR'; ds.PatientID = 'P3'; ds.Modality = 'OT'
ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = 'MONOCHROME2'; ds.Rows = 24; ds.Columns = 40
ds.BitsAllocated = 8; ds.BitsStored = 8; ds.HighBit = 7; ds.PixelRepresentation = 0
ds.PixelData = bytes((r * 9 + c * 5) % 256 for r in range(24) for c in range(40))
ds.save_as(sys.argv[1], write_like_original=False)
)PY";

// An instance without pixel data (a Basic Text SR) in study B's second series.
const char *const kDocument = R"PY(
import sys, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
ds = Dataset()
ds.file_meta = FileMetaDataset()
ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.88.11'
ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
ds.StudyInstanceUID = sys.argv[2]; ds.SeriesInstanceUID = generate_uid()
ds.PatientName = 'ROE^RICHARD'; ds.PatientID = 'P2'; ds.Modality = 'SR'; ds.SeriesNumber = 2; ds.InstanceNumber = 1
ds.save_as(sys.argv[1], write_like_original=False)
print(ds.SeriesInstanceUID, ds.SOPInstanceUID)
)PY";

std::string multipart(const std::string &type, const std::string &ts = {}) {
    return "Accept: multipart/related; type=\"" + type + "\"" + (ts.empty() ? "" : "; transfer-syntax=" + ts);
}

/// 16-bit little endian samples.
std::vector<int> samples(const std::string &bytes) {
    std::vector<int> v(bytes.size() / 2);
    for (size_t i = 0; i < v.size(); ++i) v[i] = uint8_t(bytes[2 * i]) | uint8_t(bytes[2 * i + 1]) << 8;
    return v;
}

class DicomWebFrames : public ::testing::Test {
protected:
    void SetUp() override {
        if (!dk_test::have_tools({"curl", "dcmcjpls", "dcmdjpls", "dcmdjpeg", "dcmdrle", "gdcmconv", "file"}))
            GTEST_SKIP() << "curl, DCMTK, GDCM or file not installed";
        std::string error;
        instances = dk_test::make_web_study(data, error);
        ASSERT_EQ(instances.size(), 5u) << error;
        // The 3-frame instance stored JPEG-LS lossless (DCMTK: one fragment per frame); pydicom's
        // view of its fragments is the golden value of the frames as stored.
        const std::string mf = instances["mf"].path;
        ASSERT_EQ(dk_test::run({"dcmcjpls", mf, mf + ".jls"}).status, 0);
        ::rename((mf + ".jls").c_str(), mf.c_str());
        const dk_test::ProcResult frags = dk_test::run({kPython, "-c", kFragments, mf});
        ASSERT_EQ(frags.status, 0) << frags.all();
        const dk_test::ProcResult doc = dk_test::run({kPython, "-c", kDocument, data + "/doc.dcm", instances["b1"].study});
        ASSERT_EQ(doc.status, 0) << doc.all();
        document_series = doc.out.substr(0, doc.out.find(' '));
        http_port = 0;
        const uint16_t port = dk_test::start_server(server, [&](uint16_t p) {
            http_port = dk_test::pick_free_port();
            return std::vector<std::string>{DCMKIT_CLI, "serve", std::to_string(p), "--storage", archive, "--bind",
                                            "127.0.0.1", "--http", std::to_string(http_port)};
        }, tmp / "serve.log");
        ASSERT_NE(port, 0) << server.log();
        ASSERT_TRUE(dk_test::wait_until([&] { return dk_test::port_listening(http_port); }, 10000)) << server.log();
        base = "http://127.0.0.1:" + std::to_string(http_port) + "/dicomweb";
        std::vector<std::string> paths = {data + "/doc.dcm"};
        for (const auto &kv : instances) paths.push_back(kv.second.path);
        stow(paths);
    }
    /// STOW-RS of files.
    void stow(const std::vector<std::string> &paths) {
        const WebResponse r = fetch(base + "/studies", dk_test::stow_args(tmp, paths));
        ASSERT_EQ(r.status, 200) << r.body << server.log();
    }
    WebResponse fetch(const std::string &url, std::vector<std::string> args = {}) {
        return dk_test::web_fetch(tmp, url, std::move(args));
    }
    std::string frames_url(const std::string &name, const std::string &list) {
        const dk_test::WebInstance &i = instances[name];
        return base + "/studies/" + i.study + "/series/" + i.series + "/instances/" + i.sop + "/frames/" + list;
    }
    /// A frame decoded by a peer tool (see kPeerDecode).
    std::string peer_decoded(const std::string &name, const std::string &frame, const std::string &ts,
                             const std::string &tool) {
        const std::string in = tmp / ("frame" + std::to_string(++decoded)), out = in + ".raw";
        dk_test::write_bytes(in, frame);
        const dk_test::ProcResult r = dk_test::run({kPython, "-c", kPeerDecode, instances[name].path, in, ts, out, tool});
        EXPECT_EQ(r.status, 0) << r.all();
        return dk_test::read_bytes(out);
    }
    std::string original(const std::string &name, int frame) {
        return dk_test::read_bytes(data + "/" + name + ".frame" + std::to_string(frame));
    }
    /// What `file` says of an image (its dimensions).
    std::string file_says(const std::string &bytes) {
        const std::string p = tmp / ("image" + std::to_string(++decoded));
        dk_test::write_bytes(p, bytes);
        return dk_test::tool({"file", "-b", p});
    }

    TempDir tmp{"dcmkit-dicomweb-frames"};
    std::string data = tmp.sub("data"), archive = tmp.sub("archive");
    std::map<std::string, dk_test::WebInstance> instances;
    std::string document_series;
    Child server;
    uint16_t http_port = 0;
    std::string base;
    int decoded = 0;
};

}  // namespace

TEST_F(DicomWebFrames, StoredFramesAreSentAsStoredInTheirMediaType) {
    // frames/3,1 as image/jls: two parts in the order asked, each the fragment pydicom extracts.
    WebResponse r = fetch(frames_url("mf", "3,1"), {"-H", multipart("image/jls")});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"].rfind("multipart/related; type=\"image/jls\"", 0), 0u);
    auto parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].first["content-type"], std::string("image/jls; transfer-syntax=") + kJls);
    EXPECT_TRUE(parts[0].second == dk_test::read_bytes(instances["mf"].path + ".stored3"));
    EXPECT_TRUE(parts[1].second == dk_test::read_bytes(instances["mf"].path + ".stored1"));
    // ...which DCMTK decodes to pydicom's pixels.
    EXPECT_TRUE(peer_decoded("mf", parts[0].second, kJls, "dcmdjpls") == original("mf", 3));
    // As stored, whatever the syntax: type="*" with transfer-syntax=*.
    r = fetch(frames_url("mf", "2"), {"-H", "Accept: multipart/related; type=\"*\"; transfer-syntax=*"});
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], std::string("image/jls; transfer-syntax=") + kJls);
    EXPECT_TRUE(parts[0].second == dk_test::read_bytes(instances["mf"].path + ".stored2"));
    // A native instance as stored: its pixels, uncompressed.
    r = fetch(frames_url("a1", "1"), {"-H", "Accept: multipart/related; type=\"*\"; transfer-syntax=*"});
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1");
    EXPECT_TRUE(parts[0].second == original("a1", 1));
    // One frame asked for as a bare media type: a single-part response.
    r = fetch(frames_url("mf", "1"), {"-H", "Accept: image/jls"});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], std::string("image/jls; transfer-syntax=") + kJls);
    EXPECT_TRUE(r.body == dk_test::read_bytes(instances["mf"].path + ".stored1"));
}

TEST_F(DicomWebFrames, FramesAreEncodedInTheAskedSyntaxOneByOne) {
    // Native frames encoded: JPEG-LS, RLE, JPEG 2000; each decoded by a peer to pydicom's pixels.
    WebResponse r = fetch(frames_url("a1", "1"), {"-H", multipart("image/jls")});
    ASSERT_EQ(r.status, 200) << r.body;
    auto parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], std::string("image/jls; transfer-syntax=") + kJls);
    EXPECT_TRUE(peer_decoded("a1", parts[0].second, kJls, "dcmdjpls") == original("a1", 1));

    r = fetch(frames_url("a3", "1"), {"-H", multipart("image/dicom-rle")});
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], "image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5");
    EXPECT_TRUE(peer_decoded("a3", parts[0].second, "1.2.840.10008.1.2.5", "dcmdrle") == original("a3", 1));

    // JPEG-LS frames decoded and encoded as JPEG 2000 lossless, frame by frame, in the order asked.
    r = fetch(frames_url("mf", "2,3"), {"-H", multipart("image/jp2")});
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
        EXPECT_EQ(parts[k].first["content-type"], "image/jp2; transfer-syntax=1.2.840.10008.1.2.4.90");
        EXPECT_TRUE(peer_decoded("mf", parts[k].second, "1.2.840.10008.1.2.4.90", "gdcmconv") == original("mf", int(k) + 2))
            << "frame " << k + 2;
    }

    // HTJ2K (image/jphc), decoded by OpenJPH.
    if (!dk_test::find_on_path("ojph_expand").empty()) {
        r = fetch(frames_url("b1", "1"), {"-H", multipart("image/jphc")});
        ASSERT_EQ(r.status, 200) << r.body;
        parts = dk_test::web_parts(r);
        ASSERT_EQ(parts.size(), 1u);
        EXPECT_EQ(parts[0].first["content-type"], "image/jphc; transfer-syntax=1.2.840.10008.1.2.4.201");
        EXPECT_TRUE(peer_decoded("b1", parts[0].second, "", "ojph_expand") == original("b1", 1));
    }
}

TEST_F(DicomWebFrames, ImageJpegIsLosslessUnlessALossySyntaxIsNamed) {
    // PS3.18 Table 8.7.3-5: image/jpeg's default is JPEG Lossless SV1 (.70); DCMTK decodes it exactly.
    WebResponse r = fetch(frames_url("a2", "1"), {"-H", multipart("image/jpeg")});
    ASSERT_EQ(r.status, 200) << r.body;
    auto parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], "image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.70");
    EXPECT_TRUE(peer_decoded("a2", parts[0].second, "1.2.840.10008.1.2.4.70", "dcmdjpeg") == original("a2", 1));
    // Lossy only when named: JPEG-LS near-lossless (.81), which DCMTK decodes to within NEAR (2,
    // the encoder's default) of every sample.
    r = fetch(frames_url("a2", "1"), {"-H", multipart("image/jls", "1.2.840.10008.1.2.4.81")});
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], "image/jls; transfer-syntax=1.2.840.10008.1.2.4.81");
    const std::vector<int> got = samples(peer_decoded("a2", parts[0].second, "1.2.840.10008.1.2.4.81", "dcmdjpls")),
                           want = samples(original("a2", 1));
    ASSERT_EQ(got.size(), want.size());
    int worst = 0;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
    EXPECT_LE(worst, 2);
    // JPEG Baseline is 8-bit only: these 12-bit pixels cannot be encoded in it (406, with the reason).
    r = fetch(frames_url("a2", "1"), {"-H", multipart("image/jpeg", "1.2.840.10008.1.2.4.50")});
    EXPECT_EQ(r.status, 406);
    EXPECT_NE(r.body.find("1.2.840.10008.1.2.4.50"), std::string::npos) << r.body;
    // Without a transfer-syntax, a lossless original is never sent lossy: the default JPEG-LS is lossless.
    r = fetch(frames_url("a2", "1"), {"-H", multipart("image/jls")});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(dk_test::web_parts(r).at(0).first["content-type"], std::string("image/jls; transfer-syntax=") + kJls);
}

TEST_F(DicomWebFrames, AcceptPicksTheBestProducibleAndRefusesTheRest) {
    // image/jpx has no codec here: the next range, with its lower q, is served.
    WebResponse r = fetch(frames_url("a1", "1"), {"-H", "Accept: multipart/related; type=\"image/jpx\", "
                                                        "multipart/related; type=\"image/jls\"; q=0.5"});
    ASSERT_EQ(r.status, 200) << r.body;
    auto parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], std::string("image/jls; transfer-syntax=") + kJls);
    // Higher q first, whatever the order written.
    r = fetch(frames_url("a1", "1"), {"-H", "Accept: multipart/related; type=\"application/octet-stream\"; q=0.2, "
                                            "multipart/related; type=\"image/jp2\"; q=0.9"});
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], "image/jp2; transfer-syntax=1.2.840.10008.1.2.4.90");
    // Still decoded by default (no Accept): application/octet-stream, Explicit VR Little Endian.
    r = fetch(frames_url("mf", "1"));
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1");
    EXPECT_TRUE(parts[0].second == original("mf", 1));
    // Nothing producible: 406 with the reasons.
    r = fetch(frames_url("a1", "1"), {"-H", multipart("image/jpx")});
    EXPECT_EQ(r.status, 406);
    EXPECT_NE(r.body.find("image/jpx"), std::string::npos) << r.body;
    r = fetch(frames_url("a1", "1"), {"-H", multipart("image/jls", "1.2.840.10008.1.2.4.90")});
    EXPECT_EQ(r.status, 406);
    EXPECT_NE(r.body.find("Table 8.7.3-5"), std::string::npos) << r.body;
    EXPECT_EQ(fetch(frames_url("mf", "1,2"), {"-H", "Accept: image/jls"}).status, 406);  // one part holds one frame
    // Bad frame numbers, whatever the media type.
    EXPECT_EQ(fetch(frames_url("mf", "0"), {"-H", multipart("image/jls")}).status, 400);
    r = fetch(frames_url("mf", "1,4"), {"-H", multipart("image/jls")});
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("frame 4"), std::string::npos);
}

TEST_F(DicomWebFrames, RenderedStudiesSeriesAndThumbnails) {
    const dk_test::WebInstance &a1 = instances["a1"], &mf = instances["mf"], &b1 = instances["b1"];
    // Series A1: one JPEG per instance, of the instances' size (pydicom's Rows/Columns: 48x64).
    WebResponse r = fetch(base + "/studies/" + a1.study + "/series/" + a1.series + "/rendered",
                          {"-H", "Accept: multipart/related; type=\"image/jpeg\""});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"].rfind("multipart/related; type=\"image/jpeg\"", 0), 0u);
    auto parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 3u);
    for (const auto &p : parts) {
        EXPECT_EQ(p.first.at("content-type"), "image/jpeg");
        const std::string says = file_says(p.second);
        EXPECT_NE(says.find("JPEG image data"), std::string::npos) << says;
        EXPECT_NE(says.find("64x48"), std::string::npos) << says;
    }
    // Series A2 as PNG: one image per frame of the 3-frame instance.
    r = fetch(base + "/studies/" + mf.study + "/series/" + mf.series + "/rendered", {"-H", "Accept: image/png"});
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 3u);
    for (const auto &p : parts) {
        EXPECT_EQ(p.first.at("content-type"), "image/png");
        EXPECT_NE(file_says(p.second).find("PNG image data, 32 x 32"), std::string::npos) << file_says(p.second);
    }
    // Study A with a viewport: series 1's three instances (fitted to 32x24), then series 2's frames.
    r = fetch(base + "/studies/" + a1.study + "/rendered?viewport=32,32&quality=70");
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 6u);
    for (size_t k = 0; k < 6; ++k)
        EXPECT_NE(file_says(parts[k].second).find(k < 3 ? "32x24" : "32x32"), std::string::npos) << k;
    // Study B: the MR image; its document (no pixel data) is left out. The document's series alone: 406.
    r = fetch(base + "/studies/" + b1.study + "/rendered");
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_NE(file_says(parts[0].second).find("40x40"), std::string::npos);
    r = fetch(base + "/studies/" + b1.study + "/series/" + document_series + "/rendered");
    EXPECT_EQ(r.status, 406);
    EXPECT_NE(r.body.find("pixel data"), std::string::npos) << r.body;
    // Thumbnails: one image, the middle image's middle frame (study A: a2; series A2: frame 2).
    r = fetch(base + "/studies/" + a1.study + "/thumbnail");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "image/jpeg");
    const dk_test::WebInstance &a2 = instances["a2"];
    const WebResponse a2_thumb =
        fetch(base + "/studies/" + a2.study + "/series/" + a2.series + "/instances/" + a2.sop + "/thumbnail");
    ASSERT_EQ(a2_thumb.status, 200);
    EXPECT_TRUE(r.body == a2_thumb.body);
    r = fetch(base + "/studies/" + mf.study + "/series/" + mf.series + "/thumbnail", {"-H", "Accept: image/png"});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "image/png");
    EXPECT_TRUE(r.body == fetch(frames_url("mf", "2") + "/thumbnail", {"-H", "Accept: image/png"}).body);
    // The same parameters as instances, checked the same way.
    EXPECT_EQ(fetch(base + "/studies/" + a1.study + "/rendered?window=abc").status, 400);
    EXPECT_EQ(fetch(base + "/studies/" + a1.study + "/rendered", {"-H", "Accept: text/html"}).status, 406);
    EXPECT_EQ(fetch(base + "/studies/1.2.3.4/rendered").status, 404);
}

TEST_F(DicomWebFrames, LossyFramesStayAsTheyAre) {
    // A JPEG Baseline file (DCMTK's dcmcjpeg): image/jpeg without a transfer-syntax sends its frame as
    // stored (PS3.18 8.7.3.3: the server has only the lossy form); a lossless syntax is refused rather
    // than presenting lossy pixels as lossless; decoded, the pixels are DCMTK's (dcmdjpeg).
    const std::string plain = data + "/lossy.plain.dcm", lossy = data + "/lossy.dcm", decoded_file = data + "/lossy.raw.dcm";
    const dk_test::ProcResult made = dk_test::run({kPython, "-c", kEightBit, plain});
    ASSERT_EQ(made.status, 0) << made.all();
    ASSERT_EQ(dk_test::run({"dcmcjpeg", "+eb", plain, lossy}).status, 0);
    ASSERT_EQ(dk_test::run({"dcmdjpeg", lossy, decoded_file}).status, 0);
    const dk_test::ProcResult frags = dk_test::run({kPython, "-c", kFragments, lossy});
    ASSERT_EQ(frags.status, 0) << frags.all();
    const dk_test::ProcResult pixels = dk_test::run(
        {kPython, "-c", "import sys, pydicom; sys.stdout.buffer.write(pydicom.dcmread(sys.argv[1]).PixelData)", decoded_file});
    ASSERT_EQ(pixels.status, 0);
    stow({lossy});
    // dcmcjpeg gives a lossy copy a new SOP Instance UID (PS3.3 C.7.6.1.1.5): the UIDs as pydicom reads them.
    const dk_test::ProcResult uids = dk_test::run(
        {kPython, "-c", "import sys, pydicom; d = pydicom.dcmread(sys.argv[1]); "
                        "print(d.StudyInstanceUID, d.SeriesInstanceUID, d.SOPInstanceUID)", lossy});
    ASSERT_EQ(uids.status, 0) << uids.all();
    std::string study, series, sop;
    std::istringstream(uids.out) >> study >> series >> sop;
    const std::string url = base + "/studies/" + study + "/series/" + series + "/instances/" + sop + "/frames/1";

    WebResponse r = fetch(url, {"-H", multipart("image/jpeg")});
    ASSERT_EQ(r.status, 200) << r.body;
    auto parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].first["content-type"], "image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50");
    EXPECT_TRUE(parts[0].second == dk_test::read_bytes(lossy + ".stored1"));
    r = fetch(url, {"-H", multipart("image/jls")});
    EXPECT_EQ(r.status, 406);
    EXPECT_NE(r.body.find("lossy"), std::string::npos) << r.body;
    r = fetch(url, {"-H", multipart("application/octet-stream")});
    ASSERT_EQ(r.status, 200) << r.body;
    parts = dk_test::web_parts(r);
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_TRUE(parts[0].second == pixels.out.substr(0, 24 * 40));
}
