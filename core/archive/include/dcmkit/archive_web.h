// dcmkit — DICOMweb (PS3.18) over the archive: QIDO-RS, WADO-RS, STOW-RS and WADO-URI served from
// the archive's index and files through CivetWeb (Debian's libcivetweb, the HTTP server Orthanc uses).
// archive::Server runs one when Config::http_port is set (`dcmkit serve --http PORT`, `http_port =`);
// WebServer is also usable on its own over any Index.
//
// Resources (BASE is "/dicomweb"):
//   QIDO-RS  GET BASE/studies, /series, /instances, /studies/{s}/series, /studies/{s}/instances,
//            /studies/{s}/series/{se}/instances: matching keys by keyword or tag (GGGGEEEE), matched as
//            the archive's C-FIND (Index::find); includefield (repeatable, comma-separated, or `all`),
//            limit, offset; fuzzymatching=true is answered with a Warning (not supported: literal
//            matching). The attributes of PS3.18 Tables 10.6.3-3/-4/-5, with the study's for all
//            series and all instances and the series' for instances (10.6.3.3.2/.3).
//            application/dicom+json.
//   WADO-RS  GET BASE/studies/{s}[/series/{se}[/instances/{i}]]: multipart/related;
//            type="application/dicom", each instance streamed from its file (transfer-syntax=* or the
//            stored syntax), or transcoded to the syntax Accept asks for; /metadata (DICOM JSON, bulk
//            data over 1 KiB as BulkDataURI); .../instances/{i}/bulkdata/{GGGGEEEE} (Range: bytes=);
//            .../instances/{i}/frames/{n,...}: multipart/related; type= one of PS3.18 Table 8.7.3-5's
//            frame media types (or that media type alone for one frame): application/octet-stream
//            (decoded, Explicit VR Little Endian: the default), image/jpeg (1.2.840.10008.1.2.4.70
//            by default, .50, .51, .57), image/jls (.80, .81), image/jp2 (.90, .91), image/jphc
//            (.201, .202, .203), image/dicom-rle (.5), as the transfer-syntax parameter says;
//            type="*" or transfer-syntax=*: as stored. A frame stored in the syntax is sent as its
//            stored bitstream, else that frame alone is decoded and encoded while the response is
//            written; without transfer-syntax the media type's lossless default (the stored syntax
//            when the pixels are lossy already and it is one of the media type's); lossy syntaxes
//            only when named. Accept's ranges are tried best q first: the first whose first frame
//            can be produced is served;
//            rendered and thumbnail (image/jpeg, image/png; window=C,W,FUNCTION, viewport=W,H,
//            quality) when a renderer is set: .../instances/{i}[/frames/{n}]/rendered, /thumbnail;
//            BASE/studies/{s}[/series/{se}]/rendered: multipart/related, one image per frame of each
//            instance with pixel data (Series, then Instance Number order; others left out), one in
//            memory at a time; their /thumbnail: the middle frame of the middle image.
//   STOW-RS  POST BASE/studies[/{s}]: multipart/related; type="application/dicom", each part streamed
//            to a temporary file; once the body is whole (a malformed one stores nothing) each is
//            stored as a C-STORE is (the same checks, index, de-identification), made durable
//            together (one file system sync) and indexed in one transaction;
//            the response lists ReferencedSOPSequence and FailedSOPSequence: 200 all stored, 202 some,
//            409 none. type="application/dicom+json": DICOM JSON parts whose BulkDataURIs name the
//            Content-Location of other parts, each dataset stored in Explicit VR Little Endian.
//   WADO-URI GET BASE/wado and /wado?requestType=WADO&studyUID=&seriesUID=&objectUID=
//            [&contentType=application/dicom|image/jpeg|image/png][&transferSyntax=][&frameNumber=]
//            [&rows=&columns=&windowCenter=&windowWidth=&imageQuality=].
// Errors: 400 (bad query, malformed multipart, bad frame list), 403 (access rules), 404 (unknown
// UIDs, resources, a frame past the last), 406 (nothing Accept names can be produced: a syntax no
// codec encodes the image in, lossy pixels asked for in a lossless syntax, a study or series
// without images to render), 409 (STOW: nothing stored), 413
// (part larger than the archive's max_dataset_size, header fields too large), 415 (STOW body type),
// 416 (Range past the end); each with its reason as text/plain.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dcmkit/archive.h"
#include "dcmkit/file.h"
#include "dcmkit/services/conformance.h"

namespace dcmkit::archive {

/// What becomes of one instance STOW-RS received (as a C-STORE would answer it).
struct IngestResult {
    uint16_t status = 0;  ///< 0 stored; else a PS3.4 failure (A700, A900, C000, 0110, 0117, 0124)
    std::string comment;  ///< why, for the log and the response
    std::string sop_class_uid, sop_instance_uid;
    std::string study_uid, series_uid;  ///< of a stored instance
    std::string transfer_syntax;        ///< as stored
};

/// A rendered frame request (WADO-RS rendered and thumbnail, WADO-URI).
struct RenderRequest {
    std::string media_type = "image/jpeg";  ///< image/jpeg or image/png
    uint64_t frame = 0;                     ///< from 0
    std::optional<double> window_center, window_width;
    uint32_t viewport_width = 0, viewport_height = 0;  ///< 0: the image's size; else scaled to fit
    int quality = 90;                                  ///< JPEG 1..100
};
/// Renders a frame to an encoded image (the codecs' render_frame + write_jpeg/write_png; the archive
/// layer sits below the codecs, so whoever links them sets it). Throws Error (unsupported…).
using Renderer = std::function<std::string(const DicomFile &file, const RenderRequest &request)>;

struct WebOptions {
    std::string base = "/dicomweb";  ///< path prefix of the DICOMweb resources
    unsigned threads = 8;            ///< request worker threads
    uint64_t max_part_size = 0;      ///< STOW: largest instance, bytes; 0: no limit (413 past it)
    /// STOW: stores the complete temporary files `paths` (in temp_folder) of one request as C-STOREs
    /// would be, moving or removing each; one result per path, in order. Required for STOW
    /// (without it POST answers 405).
    std::function<std::vector<IngestResult>(const std::vector<std::string> &paths, const std::string &peer)> ingest;
    /// Whether `operation` (find, get, store) is permitted to an HTTP client; empty: everything.
    std::function<bool(const std::string &operation)> permits;
    Renderer render;  ///< rendered/thumbnail/WADO-URI images; empty: 406 for them
    /// Folder for STOW's temporary files (the storage's files/ folder, so a rename completes them).
    std::string temp_folder;
};

/// An HTTP server serving DICOMweb over `index`.
class WebServer {
public:
    WebServer(std::shared_ptr<Index> index, WebOptions options);
    ~WebServer();
    WebServer(const WebServer &) = delete;
    WebServer &operator=(const WebServer &) = delete;
    /// Listens on `address` ("" = every IPv4 address) and `port` (0 = a free one). Throws
    /// Error(io) when it cannot bind, Error(unsupported) in a build without DICOMweb
    /// (DCMKIT_WITH_WEB=OFF).
    void start(const std::string &address, uint16_t port);
    /// The port listened on (0 before start).
    uint16_t port() const noexcept;
    /// Stops accepting and waits for running requests.
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// Whether this build serves DICOMweb (DCMKIT_WITH_WEB).
bool web_available() noexcept;

/// Adds the DICOMweb services to a conformance statement's product (nothing without DICOMweb in
/// this build); `renders`: rendered resources are served (a renderer is set).
void describe_web(uint16_t http_port, bool renders, net::ConformanceProduct &product);

}  // namespace dcmkit::archive
