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
// Security (web_security.cpp): with WebOptions::tls (archive::Server: Config::tls) the port serves
// HTTPS only, through dcmkit's own TLS context (net::make_tls_context: the PS3.15 BCP 195 profile's
// versions and ciphers, CA files and folders, CRLs, key password, client certificates required,
// verified when presented, or ignored) handed to CivetWeb as its SSL_CTX (Debian's CivetWeb reaches
// OpenSSL 3 through two adapters dcmkit installs in lib/dcmkit, civetweb_openssl_shim.c); base
// URLs in responses are then https://. Each request's client is its address, its user (`Authorization: Basic`
// checked against the identity policy's password file, `Authorization: Bearer` a JSON Web Token
// checked as a DIMSE type 5 identity: WebOptions::identity) and the AE title its client
// certificate is bound to (TlsOptions::ae_certificates, net::tls_bound_ae_title). Wrong
// credentials, a scheme the policy does not accept, or none when the policy requires one: 401 with
// WWW-Authenticate. WebOptions::permits then decides (archive::Server: Config::permits(ae, user,
// op), as for an association), and WebOptions::on_event hears what was done (archive::Server:
// the PS3.15 A.5 audit trail).
// Basic credentials accepted are remembered for a minute (a password check costs 32 MiB of scrypt).
// Errors: 400 (bad query, malformed multipart, bad frame list), 401 (credentials), 403 (access
// rules), 404 (unknown UIDs, resources, a frame past the last), 406 (nothing Accept names can be
// produced: a syntax no codec encodes the image in, lossy pixels asked for in a lossless syntax, a
// study or series without images to render), 409 (STOW: nothing stored), 413
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
#include "dcmkit/archive_identity.h"
#include "dcmkit/file.h"
#include "dcmkit/net/tls.h"
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

/// Who made an HTTP request, as the server established it.
struct WebClient {
    std::string address;  ///< the client's IP address
    std::string user;     ///< the authenticated user (Basic's user name, a token's "sub"); "" without one
    std::string claimed_user;  ///< the user the credentials name, accepted or not (for the audit trail)
    std::string ae_title;  ///< the AE title its client certificate is bound to (TlsOptions::ae_certificates); ""
    bool secure = false;   ///< over HTTPS
    std::optional<net::TlsPeerInfo> certificate;  ///< the client certificate it presented, if any
};

/// What a request did, for an audit trail (WebOptions::on_event). Called on the request's thread
/// once its response is sent: keep it short, never wait on a network.
struct WebEvent {
    enum class Kind : uint8_t {
        authentication_failed,  ///< credentials refused (401): `reason` says why
        query,                  ///< QIDO-RS: `level`, `identifier` (the matching keys and return keys)
        retrieve,               ///< WADO-RS/WADO-URI: `files` sent (`status` 200/206), or not (else)
        store,                  ///< STOW-RS: `stored` (each IngestResult, stored or refused)
    };
    Kind kind = Kind::query;
    const WebClient *client = nullptr;
    std::string method, resource;  ///< "GET", the path below the base
    int status = 0;                ///< the HTTP status answered (499: the client left midway)
    std::string reason;            ///< authentication_failed: why (never the password)
    Level level = Level::study;
    const Dataset *identifier = nullptr;
    std::vector<std::string> files;       ///< retrieve: the files' paths
    std::vector<IngestResult> stored;      ///< store
};

struct WebOptions {
    std::string base = "/dicomweb";  ///< path prefix of the DICOMweb resources
    unsigned threads = 8;            ///< request worker threads
    uint64_t max_part_size = 0;      ///< STOW: largest instance, bytes; 0: no limit (413 past it)
    /// STOW: stores the complete temporary files `paths` (in temp_folder) of one request as C-STOREs
    /// would be, moving or removing each; one result per path, in order. Required for STOW
    /// (without it POST answers 405).
    std::function<std::vector<IngestResult>(const std::vector<std::string> &paths, const std::string &peer)> ingest;
    /// Whether `operation` (find, get, store) is permitted to `client`; empty: everything (403
    /// when false).
    std::function<bool(const std::string &operation, const WebClient &client)> permits;
    /// HTTPS with these settings (a server certificate and key are required; verify_peer says what
    /// is asked of clients; ae_certificates binds client certificates to AE titles); unset: HTTP.
    std::optional<net::TlsOptions> tls;
    /// Who may make requests (apply_identity_policy's checks): `password_file` checks
    /// `Authorization: Basic` (`trust_username` without one: its user name only), `jwt` checks
    /// `Authorization: Bearer`; `required` answers 401 to a request without credentials. The
    /// password file is read once, at start(). Default: none checked, Authorization ignored (as
    /// an SCP ignores a user identity it does not negotiate).
    IdentityPolicy identity;
    /// What each request did (see WebEvent); empty: nothing is reported.
    std::function<void(const WebEvent &event)> on_event;
    /// Warnings (refused credentials); empty: stderr.
    net::LogSink log;
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
    /// (DCMKIT_WITH_WEB=OFF) and, with `tls`, when CivetWeb cannot load OpenSSL (libssl.so, from
    /// libssl-dev) or TLS is not in this build; Error(invalid_argument) for TLS files that cannot be
    /// used, a password file that cannot be read.
    void start(const std::string &address, uint16_t port);
    /// The port listened on (0 before start).
    uint16_t port() const noexcept;
    /// Whether it serves HTTPS (WebOptions::tls).
    bool secure() const noexcept;
    /// Stops accepting and waits for running requests.
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// Whether this build serves DICOMweb (DCMKIT_WITH_WEB).
bool web_available() noexcept;

/// Adds the DICOMweb services to a conformance statement's product (nothing without DICOMweb in
/// this build); `renders`: rendered resources are served (a renderer is set); `https`: over TLS
/// (the profile of the DICOM associations).
void describe_web(uint16_t http_port, bool renders, net::ConformanceProduct &product, bool https = false);

}  // namespace dcmkit::archive
