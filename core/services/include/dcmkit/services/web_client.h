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

    /// The URL of a target ("BASE/studies/S/series/R/instances/I"), each UID checked (Error(invalid_argument)).
    std::string url_of(const Target &target) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Splits a JSON array's top-level values (each returned as its text); throws Error(malformed) when
/// `json` is not one array, truncated when it ends inside it.
std::vector<std::string_view> split_json_array(std::string_view json);

/// Reads a DICOM JSON array (a QIDO-RS answer, WADO-RS metadata) into datasets; BulkDataURIs are not
/// followed (their values are left empty).
std::vector<Dataset> datasets_from_json_array(std::string_view json);

}  // namespace dcmkit::web
