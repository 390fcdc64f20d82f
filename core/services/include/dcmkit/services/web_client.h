// dcmkit — a DICOMweb client (PS3.18): STOW-RS (store), QIDO-RS (search), WADO-RS (retrieve instances,
// metadata, frames, rendered images) over HTTP(S) through libcurl (DCMKIT_WITH_WEB_CLIENT; without it
// every call throws Error(unsupported)).
//
//   - store: the files are sent as one multipart/related; type="application/dicom" body, read from disk
//     a block at a time (constant memory, whatever the study's size); the answer's Referenced SOP
//     Sequence and Failed SOP Sequence (PS3.18 10.5.3) are read from its DICOM JSON;
//   - search: a QIDO-RS query at study, series or instance level, optionally under a study (and
//     series), with match keys, includefield, limit and offset; the answer's DICOM JSON array becomes
//     datasets (read with dcmkit::from_json);
//   - retrieve: the multipart/related answer is parsed as it arrives (http::MultipartReader) and each
//     part is written to a temporary file in the output folder, renamed to SOPInstanceUID.dcm once
//     complete and read back; a part cut short, a part that is not DICOM, or a body without its closing
//     delimiter throws, and the part's temporary file is removed (the instances completed before it
//     stay, each whole);
//   - to disk (metadata_to_file, frames_to_dir, rendered_to_dir, bulkdata_to_file): the answer is
//     written as it arrives (constant memory), each file under a temporary name in its folder and
//     renamed once complete; a multipart answer's parts each go to their own file, named by the frame
//     number or the part's position, with an extension from the part's media type (extension_for);
//     metadata is checked to be one whole JSON array of objects as it streams (truncated, malformed);
//   - store_json: STOW-RS of DICOM JSON (PS3.18 10.5.1.2.2): multipart/related;
//     type="application/dicom+json", each dataset's JSON a part, its binary values over a threshold
//     BulkDataURIs naming application/octet-stream parts (Content-Location); Part 10 files are read
//     one at a time (twice: once to size the body, once to send it), .json files as DICOM JSON;
//   - errors: an HTTP status outside 2xx throws Error with the method, the URL, the status, its reason
//     and the start of the server's answer: not_found (404), unsupported (406, 415), timeout (408,
//     504), refused (any other); curl's failures throw network (connection refused, name not
//     resolved, TLS handshake), timeout, or truncated (the connection closed before the body ended).
//     Server-supplied BulkDataURIs are never followed to local files.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcmkit/dataset.h"

namespace dcmkit::web {

struct ClientOptions {
    /// The service's root, e.g. "http://pacs:8042/dicom-web" (a trailing '/' is ignored).
    std::string base_url;
    int connect_timeout_ms = 10000;  ///< establishing the connection (TCP and TLS)
    int timeout_ms = 0;              ///< a whole request (0: no limit; see stall_timeout_s)
    int stall_timeout_s = 60;        ///< abort a transfer that moved no byte for this long (0: never)
    /// TLS: verify the server's certificate and its host name (both by default).
    bool verify_peer = true;
    bool verify_host = true;
    std::string ca_file;      ///< trust these CA certificates (PEM) instead of the system's
    std::string ca_path;      ///< a folder of hashed CA certificates
    std::string client_cert;  ///< a client certificate (PEM)...
    std::string client_key;   ///< ...and its private key (PEM)
    std::string key_password;
    /// Authorization: a bearer token (RFC 6750), else a user name and password (Basic).
    std::string bearer_token;
    std::string username, password;
    std::string user_agent;  ///< default "dcmkit/VERSION"
};

/// One instance in a STOW-RS answer (an item of the Referenced or the Failed SOP Sequence).
struct StoredInstance {
    std::string sop_class_uid;     ///< (0008,1150)
    std::string sop_instance_uid;  ///< (0008,1155)
    std::string retrieve_url;      ///< (0008,1190), when the server gave one
    int failure_reason = 0;        ///< (0008,1197) of a failed instance (e.g. 0xA700, 0xC000)
    int warning_reason = 0;        ///< (0008,1196) of a referenced instance stored with changes
};

struct StoreResult {
    int http_status = 0;  ///< 200 all stored, 202 some failed or changed (PS3.18 10.5.3.1)
    std::vector<StoredInstance> referenced, failed;
    std::string retrieve_url;  ///< the study's (0008,1190)
    Dataset response;          ///< the whole answer (empty when the server sent no DICOM JSON)
};

enum class Level { study, series, instance };

struct SearchQuery {
    Level level = Level::study;
    std::string study_uid;   ///< search under this study (series or instance level)
    std::string series_uid;  ///< and this series (instance level)
    /// Match keys as {keyword or "ggggeeee", value}, e.g. {"PatientName", "DOE*"}, {"StudyDate", "2024-"}.
    std::vector<std::pair<std::string, std::string>> match;
    std::vector<std::string> include_fields;  ///< keywords or "ggggeeee"; "all" for every field
    int limit = -1;                           ///< at most this many results (-1: the server's choice)
    int offset = 0;                           ///< skip the first results
    bool fuzzy = false;                       ///< fuzzymatching=true
};

/// What a WADO-RS request names: a study, a series in it, or an instance in that.
struct Target {
    std::string study, series, instance;
};

struct RetrievedFile {
    std::string path;              ///< OUT/SOPInstanceUID.dcm
    std::string sop_instance_uid;  ///< read back from the file
    std::string transfer_syntax;   ///< of the file as received
    uint64_t size = 0;
};

/// A file written from (a part of) an answer: a frame, a rendered image, a bulk data value.
struct PartFile {
    std::string path;        ///< OUT/frame_N.EXT, OUT/rendered_N.EXT, or the path asked for
    std::string media_type;  ///< the part's Content-Type (its type/subtype, lowercased)
    uint32_t number = 0;     ///< the frame number, else the part's position (from 1)
    uint64_t size = 0;
};

/// A progress line for a person ("sent a.dcm (524 KB)"), when one is wanted.
using Progress = std::function<void(const std::string &)>;

class Client {
public:
    explicit Client(ClientOptions options);
    ~Client();
    Client(Client &&) noexcept;
    Client &operator=(Client &&) noexcept;
    const ClientOptions &options() const noexcept;

    /// STOW-RS: POSTs these Part 10 files (to /studies, or /studies/{study_uid}), streamed. Files that
    /// are not Part 10 DICOM are refused before anything is sent (Error(not_dicom), naming the file).
    StoreResult store(const std::vector<std::string> &files, const std::string &study_uid = {},
                      const Progress &progress = {});

    /// QIDO-RS: the matching studies, series or instances (none: an empty vector, for 200 [] and 204).
    std::vector<Dataset> search(const SearchQuery &query);
    /// The query string (after '?') a query sends, percent-encoded.
    static std::string query_string(const SearchQuery &query);

    /// WADO-RS: the target's instances written to `out_dir` (made when missing) as SOPInstanceUID.dcm.
    /// `transfer_syntax`: empty for the server's choice, a UID to ask for that syntax, "*" for the syntax
    /// the server holds (PS3.18 8.7.3.5.2). `on_file` is called as each file completes.
    std::vector<RetrievedFile> retrieve(const Target &target, const std::string &out_dir,
                                        const std::string &transfer_syntax = {},
                                        const std::function<void(const RetrievedFile &)> &on_file = {},
                                        const Progress &progress = {});

    /// WADO-RS metadata: one dataset per instance (bulk data left empty).
    std::vector<Dataset> metadata(const Target &target);

    /// WADO-RS frames (1-based numbers) of an instance, each frame's bytes as the server sends them
    /// (uncompressed unless `transfer_syntax` asks for another, "*" for any).
    std::vector<std::vector<uint8_t>> frames(const Target &instance, const std::vector<uint32_t> &numbers,
                                             const std::string &transfer_syntax = {});

    /// WADO-RS rendered: the target (an instance, or frame `frame` of it when > 0) as `media_type`
    /// ("image/jpeg", "image/png"). `params` is appended to the query (e.g. "window=40,400,linear").
    std::vector<uint8_t> rendered(const Target &target, const std::string &media_type = "image/jpeg",
                                  uint32_t frame = 0, const std::string &params = {});
    /// The same, written to `path` (a temporary file renamed when complete); returns its size.
    uint64_t rendered_to_file(const Target &target, const std::string &path, const std::string &media_type = "image/jpeg",
                              uint32_t frame = 0, const std::string &params = {});

    /// WADO-RS metadata written to `path` as it arrives (a temporary file renamed when complete), the
    /// server's DICOM JSON unchanged; returns the number of datasets. Throws truncated when the array
    /// is cut short, malformed when the answer is not a JSON array of objects (no file is left).
    size_t metadata_to_file(const Target &target, const std::string &path);

    /// WADO-RS frames of an instance, each part written to `out_dir` (made when missing) as
    /// frame_N.EXT (N the frame number asked, EXT from the part's media type: .raw, .jpg, .jls...).
    /// `accept`: empty for uncompressed (application/octet-stream); a short name or media type
    /// ("jls", "image/jls", see frame_accept); or a whole Accept header ("multipart/related;
    /// type=\"image/jls\""). Throws malformed when the answer holds another number of parts (the
    /// frames completed before stay), truncated when a part is cut (its file is not left).
    std::vector<PartFile> frames_to_dir(const Target &instance, const std::vector<uint32_t> &numbers, const std::string &out_dir,
                                        const std::string &accept = {}, const std::function<void(const PartFile &)> &on_file = {});

    /// WADO-RS rendered: an instance (or frame `frame` of it), or a whole series or study (a multipart
    /// answer of images), each image written to `out_dir` as rendered_N.EXT (N from 1).
    std::vector<PartFile> rendered_to_dir(const Target &target, const std::string &out_dir,
                                          const std::string &media_type = "image/jpeg", uint32_t frame = 0,
                                          const std::string &params = {},
                                          const std::function<void(const PartFile &)> &on_file = {});

    /// GETs a BulkDataURI (absolute, or relative to the base URL) to `path`: `length` bytes from
    /// `first` (a Range request; 0 = to the end). The payload of a multipart answer (its only part)
    /// or a single-part answer is written; returns its size.
    uint64_t bulkdata_to_file(const std::string &uri, const std::string &path, uint64_t first = 0, uint64_t length = 0);

    /// STOW-RS of DICOM JSON: each dataset of these files (Part 10, or .json DICOM JSON: one object or
    /// an array) sent as application/dicom+json, binary values larger than `bulk_data_threshold` bytes
    /// as bulk data parts. Encapsulated (compressed) pixel data is refused (Error(unsupported): DICOM
    /// JSON carries no transfer syntax; send such files as Part 10 with store()).
    StoreResult store_json(const std::vector<std::string> &files, const std::string &study_uid = {},
                           const Progress &progress = {}, size_t bulk_data_threshold = 1024);

    /// The Accept header for frames: `type` a short name ("raw", "jpeg", "jls", "jp2", "jpx", "jph",
    /// "jphc", "rle"), a media type ("image/jls") or a whole Accept header (returned as given); a
    /// transfer syntax (UID, keyword, "*") is added as its parameter. Error(invalid_argument) for an
    /// unknown short name.
    static std::string frame_accept(const std::string &type, const std::string &transfer_syntax = {});
    /// The file extension (with its dot) for a media type: ".raw" for application/octet-stream, ".jpg",
    /// ".jls", ".jp2", ".jpx", ".jph", ".jhc", ".rle", ".png", ".gif", ".mpg", ".mp4", ".json", else ".bin".
    static std::string extension_for(const std::string &media_type);

    /// The URL of a target ("BASE/studies/S/series/R/instances/I"), each UID checked (Error(invalid_argument)).
    std::string url_of(const Target &target) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Splits a JSON array's top-level values (each returned as its text); throws Error(malformed) when
/// `json` is not one array, truncated when it ends inside it.
std::vector<std::string_view> split_json_array(std::string_view json);

/// Checks a JSON array of objects pushed to it in pieces (WADO-RS metadata as it streams): its
/// structure only (brackets, strings, commas between values), in constant memory. feed() throws
/// Error(malformed) at the first byte that cannot belong to one array of objects; finish() throws
/// Error(truncated) unless the array has closed.
class JsonArrayScanner {
public:
    void feed(const char *data, size_t n);
    void finish() const;
    size_t values() const noexcept { return values_; }
    bool done() const noexcept { return done_; }

private:
    uint64_t offset_ = 0;
    size_t values_ = 0;
    uint32_t depth_ = 0;
    bool started_ = false, done_ = false, in_string_ = false, escape_ = false, value_open_ = false, need_value_ = false;
};

/// Reads a DICOM JSON array (a QIDO-RS answer, WADO-RS metadata) into datasets; BulkDataURIs are not
/// followed (their values are left empty).
std::vector<Dataset> datasets_from_json_array(std::string_view json);

}  // namespace dcmkit::web
