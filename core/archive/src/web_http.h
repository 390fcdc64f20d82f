// dcmkit — what the DICOMweb handlers share (web.cpp: the server, QIDO-RS, STOW-RS; web_retrieve.cpp:
// WADO-RS and WADO-URI; web_frames.cpp: frames and rendered resources): a request as parsed from
// CivetWeb's, and the responses.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dcmkit/archive_web.h"
#include "dcmkit/services/multipart.h"

struct mg_connection;

namespace dcmkit::archive::web {

namespace tags {
using namespace dcmkit::tags;
constexpr Tag StudyInstanceUID{0x0020, 0x000D};
constexpr Tag SeriesInstanceUID{0x0020, 0x000E};
}  // namespace tags

/// An HTTP error with its status and reason (sent as text/plain).
struct HttpError {
    int status;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers = {};  ///< WWW-Authenticate for 401
};

struct Request {
    mg_connection *conn = nullptr;
    std::string method;
    std::vector<std::string> path;  ///< segments after the base
    std::vector<std::pair<std::string, std::string>> query;  ///< decoded, in order
    std::string base_url;           ///< "http://HOST:PORT/dicomweb" (https:// over TLS)
    std::string peer;               ///< client address
    WebClient client;               ///< who asks (web_security.cpp: identify)
    // What the handlers did, for WebOptions::on_event.
    std::optional<WebEvent::Kind> event;
    Level level = Level::study;
    std::optional<Dataset> identifier;
    std::vector<std::string> files;
    std::vector<IngestResult> stored;
    std::string header(const char *name) const;
    /// Every value of a query parameter (also comma-separated lists split when `split`).
    std::vector<std::string> values(const std::string &key, bool split = false) const;
    bool has(const std::string &key) const;
    std::string value(const std::string &key, const std::string &def = {}) const;
};

/// Sends a whole response.
void send(mg_connection *c, int status, const std::string &content_type, const std::string &body,
          const std::vector<std::pair<std::string, std::string>> &headers = {});
void send_error(mg_connection *c, const HttpError &e);

/// A chunked response being streamed.
class Stream {
public:
    Stream(mg_connection *c, int status, const std::string &content_type,
           const std::vector<std::pair<std::string, std::string>> &headers = {});
    void write(const char *data, size_t n);
    void write(const std::string &s) { write(s.data(), s.size()); }
    /// A stored file's bytes as they are, in one chunk with what was written before it (a part's
    /// header): sent by the kernel from the page cache (sendfile(2)) on a plain connection, without
    /// a buffer here. Throws Error(io) when the file cannot be opened (nothing of it sent), or
    /// Error(network) when the client has left.
    void write_file(const std::string &path);
    void finish();
    ~Stream();

private:
    void send_raw(const char *data, size_t n);
    void settle();
    mg_connection *c_;
    std::string pending_;
    bool crlf_owed_ = false;  // write_file's chunk still needs its closing CRLF
    bool finished_ = false;
};

class CredentialCache;

/// What start() prepared from WebOptions::tls and WebOptions::identity (web_security.cpp).
struct Security {
    std::shared_ptr<net::TlsContext> tls;  ///< null: plain HTTP
    std::vector<uint8_t> identity_types;   ///< 2: Basic, 5: Bearer (PS3.7 Table D.3-14 numbers)
    net::UserIdentityCheck check;          ///< apply_identity_policy's check
    bool required = false;
    std::shared_ptr<CredentialCache> cache;  ///< Basic credentials accepted lately
};

/// The server's state the handlers use.
struct Context {
    std::shared_ptr<Index> index;
    WebOptions options;
    Security security;
};

// -- web_security.cpp ---------------------------------------------------------------------------

/// Prepares ctx.security from the options: loads the TLS context and the identity policy. Throws Error.
void prepare_security(Context &ctx);
/// With TLS: makes sure the OpenSSL CivetWeb loads (libssl.so) is dcmkit's, loaded. Throws
/// Error(unsupported) saying what to install.
void check_civetweb_tls();
/// CivetWeb's external_ssl_ctx callback: `user_data` is the Context.
int external_ssl_ctx(void **ssl_ctx, void *user_data);
/// Fills rq.client from the connection (address, client certificate and its AE title) and the
/// Authorization header; throws HttpError 401 (with WWW-Authenticate) for refused credentials.
void identify(Context &ctx, Request &rq);
/// Reports what `rq` did to WebOptions::on_event (nothing when unset); never throws.
void report(Context &ctx, const Request &rq, WebEvent::Kind kind, int status, const std::string &reason = {});

void qido(Context &ctx, Request &rq);
void stow(Context &ctx, Request &rq);
void wado(Context &ctx, Request &rq);
void wado_uri(Context &ctx, Request &rq);

/// The files of a study, series or instance (404 when none), noted in `rq` (for WebOptions::on_event).
std::vector<FileRef> files_of(Context &ctx, Request &rq, const std::string &study, const std::string &series,
                              const std::string &instance);

// -- Retrieval helpers (web_retrieve.cpp, web_frames.cpp) --

/// Reads a stored instance (values borrowed from a map of the file: pixel data is not read); 500
/// when it cannot be read.
DicomFile load(const FileRef &f);
/// Frame numbers from "1,2,3" (from 1); 400 for anything else (0, not a number).
std::vector<uint64_t> frame_list(const std::string &text);
/// A query parameter's number in [lo, hi], or 400 naming `what`.
int to_int(const std::string &s, int lo, int hi, const char *what);
double to_double(const std::string &s, const char *what);

/// WADO-RS .../frames/{list}: each frame in the best media type and transfer syntax Accept names
/// that can be produced (PS3.18 8.7.3.3); 404 for a frame past the end, 406 when none can be.
void retrieve_frames(Request &rq, const FileRef &f, const std::string &list);
/// An instance's frame (from 0) rendered (PS3.18 10.4.1.1.3) or as a thumbnail.
void retrieve_rendered(Context &ctx, Request &rq, const FileRef &f, uint64_t frame, bool thumbnail);
/// A study's or series' instances rendered: multipart/related, one part per frame of each image in
/// Series and Instance Number order (instances without pixel data skipped; 406 when none has any);
/// `thumbnail`: one image, the middle frame of the middle image.
void retrieve_rendered_set(Context &ctx, Request &rq, const std::vector<FileRef> &files, bool thumbnail);
/// Renders and sends frame `r.frame` of an instance (404 without pixel data or past its frames).
void send_rendered(Context &ctx, Request &rq, const FileRef &f, RenderRequest r);

}  // namespace dcmkit::archive::web
