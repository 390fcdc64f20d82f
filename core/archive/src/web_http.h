// dcmkit — what the DICOMweb handlers share (web.cpp: the server, QIDO-RS, STOW-RS; web_retrieve.cpp:
// WADO-RS and WADO-URI): a request as parsed from CivetWeb's, and the responses.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
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
};

struct Request {
    mg_connection *conn = nullptr;
    std::string method;
    std::vector<std::string> path;  ///< segments after the base
    std::vector<std::pair<std::string, std::string>> query;  ///< decoded, in order
    std::string base_url;           ///< "http://HOST:PORT/dicomweb"
    std::string peer;               ///< client address
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

/// The server's state the handlers use.
struct Context {
    std::shared_ptr<Index> index;
    WebOptions options;
};

void qido(Context &ctx, Request &rq);
void stow(Context &ctx, Request &rq);
void wado(Context &ctx, Request &rq);
void wado_uri(Context &ctx, Request &rq);

/// The files of a study, series or instance (404 when none).
std::vector<FileRef> files_of(Context &ctx, const std::string &study, const std::string &series,
                              const std::string &instance);

}  // namespace dcmkit::archive::web
