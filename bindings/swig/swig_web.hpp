// swig_web.hpp — the DICOMweb client (dk::WebClient, dcmkit/web.hpp) for C# and Java: the request's
// lists (files, match keys, include fields) are added one by one and the answer is read by index, so
// that no container type crosses the binding. Plain C++ over dcmkit.hpp.
#ifndef DCMKIT_SWIG_WEB_HPP
#define DCMKIT_SWIG_WEB_HPP

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dcmkit/dcmkit.hpp"

namespace dcmkit_swig {

/// A DICOMweb client: STOW-RS (AddFile, then Store), QIDO-RS (AddMatch/AddInclude, then Search;
/// the matches by Result(i)), WADO-RS (Retrieve into a folder, FilePath(i); Metadata, then
/// Result(i); Frame; RenderedFile). One thread at a time.
class WebClient {
public:
    /// `bearer_token`, else `username` and `password` (HTTP Basic), may be ""; `ca_file` "" = the
    /// system's CAs; `verify` false skips the certificate and host name checks; `timeout_ms` 0 = none.
    WebClient(const std::string &base_url, const std::string &bearer_token = "", const std::string &username = "",
              const std::string &password = "", const std::string &ca_file = "", bool verify = true, int32_t timeout_ms = 0) {
        dk::WebClientOptions o;
        o.base_url = base_url;
        o.bearer_token = bearer_token;
        o.username = username;
        o.password = password;
        o.ca_file = ca_file;
        o.verify_peer = o.verify_host = verify;
        o.timeout_ms = timeout_ms;
        c_ = std::make_unique<dk::WebClient>(o);
    }

    // -- STOW-RS ------------------------------------------------------------------------------------
    /// Adds a Part 10 file to the next Store().
    void add_file(const std::string &path) { files_.push_back(path); }
    /// Sends the files added (streamed, one request; to /studies/STUDY when `study_uid` is given)
    /// and forgets them; returns how many the server stored.
    int64_t store(const std::string &study_uid = "") {
        std::vector<std::string> files;
        files.swap(files_);
        stored_ = c_->store(files, study_uid);
        return int64_t(stored_.stored.size());
    }
    /// Sends the files added as DICOM JSON (application/dicom+json; binary values over
    /// `bulk_data_threshold` bytes as bulk data parts) and forgets them; returns how many were stored.
    int64_t store_json(const std::string &study_uid = "", int64_t bulk_data_threshold = 1024) {
        if (bulk_data_threshold < 0) dk::throw_error(DK_EINVAL, "bulk_data_threshold is negative");
        std::vector<std::string> files;
        files.swap(files_);
        stored_ = c_->store_json(files, study_uid, uint64_t(bulk_data_threshold));
        return int64_t(stored_.stored.size());
    }
    /// The last Store()'s HTTP status (200 all stored, 202 some failed).
    int32_t http_status() const { return stored_.http_status; }
    std::string stored_uid(int64_t i) const { return at(stored_.stored, i).sop_instance_uid; }
    int64_t failed_count() const { return int64_t(stored_.failed.size()); }
    std::string failed_uid(int64_t i) const { return at(stored_.failed, i).sop_instance_uid; }
    int32_t failure_reason(int64_t i) const { return at(stored_.failed, i).failure_reason; }

    // -- QIDO-RS ------------------------------------------------------------------------------------
    /// A match key for the next Search(): a keyword or "ggggeeee", and its value ("DOE*", "2024-").
    void add_match(const std::string &key, const std::string &value) { query_.match.push_back(key + "=" + value); }
    /// A field to include in the answers (a keyword, "ggggeeee" or "all").
    void add_include(const std::string &field) { query_.include_fields.push_back(field); }
    /// Searches at `level` (0 study, 1 series, 2 instance), under a study (and series) when given,
    /// with the keys added (then forgotten); returns the number of matches (Result(i)).
    int64_t search(int32_t level = 0, const std::string &study_uid = "", const std::string &series_uid = "",
                   int32_t limit = -1, int32_t offset = 0) {
        dk::WebQuery q;
        std::swap(q, query_);
        if (level < 0 || level > 2) dk::throw_error(DK_EINVAL, "level " + std::to_string(level) + " is not 0 (study), 1 (series) or 2 (instance)");
        q.level = dk_web_level(level);
        q.study_uid = study_uid;
        q.series_uid = series_uid;
        q.limit = limit;
        q.offset = offset;
        results_ = c_->search(q);
        return int64_t(results_.size());
    }
    /// Match (or metadata dataset) `i` of the last Search() or Metadata(), a dataset of its own.
    dk::Dataset *result(int64_t i) const { return new dk::Dataset(at(results_, i).clone()); }

    // -- WADO-RS ------------------------------------------------------------------------------------
    /// The study (series, instance: "" for all) streamed into `out_dir` as SOPInstanceUID.dcm;
    /// `transfer_syntax` "" = the server's choice, "*" = as stored. Returns the number of files (FilePath(i)).
    int64_t retrieve(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                     const std::string &out_dir, const std::string &transfer_syntax = "") {
        files_written_ = c_->retrieve(study_uid, series_uid, instance_uid, out_dir, transfer_syntax);
        return int64_t(files_written_.size());
    }
    std::string file_path(int64_t i) const { return at(files_written_, i).path; }
    /// The metadata of each instance; returns their number (Result(i)).
    int64_t metadata(const std::string &study_uid, const std::string &series_uid = "", const std::string &instance_uid = "") {
        results_ = c_->metadata(study_uid, series_uid, instance_uid);
        return int64_t(results_.size());
    }
    /// Frame `number` (from 1) of an instance, uncompressed unless `transfer_syntax` asks otherwise.
    std::vector<uint8_t> frame(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                               uint32_t number, const std::string &transfer_syntax = "") {
        std::vector<std::vector<uint8_t>> f = c_->frames(study_uid, series_uid, instance_uid, {number}, transfer_syntax);
        return std::move(f.at(0));
    }
    /// The instance rendered by the server ("image/jpeg" or "image/png") into `path`; returns its size.
    int64_t rendered_file(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                          const std::string &path, const std::string &media_type = "image/jpeg") {
        return int64_t(c_->rendered_file(study_uid, series_uid, instance_uid, path, media_type));
    }

    /// The metadata streamed into the file `path` (DICOM JSON as the server sends it); returns the
    /// number of instances.
    int64_t metadata_file(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                          const std::string &path) {
        return int64_t(c_->metadata_file(study_uid, series_uid, instance_uid, path));
    }
    /// Frames `numbers` ("1" or "3,1") of an instance streamed into `out_dir` as frame_N.EXT; `accept`
    /// "" = uncompressed, else "jls", "jpeg", "jp2", "jph", "rle", a media type or an Accept header.
    /// Returns the number of files (PartPath(i)).
    int64_t frames_dir(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                       const std::string &numbers, const std::string &out_dir, const std::string &accept = "") {
        std::vector<uint32_t> n;
        size_t pos = 0;
        while (pos <= numbers.size()) {
            const size_t comma = std::min(numbers.find(',', pos), numbers.size());
            const std::string one = numbers.substr(pos, comma - pos);
            if (one.empty() || one.size() > 9 || one.find_first_not_of("0123456789") != std::string::npos)
                dk::throw_error(DK_EINVAL, "'" + numbers + "' is not a list of frame numbers (\"1,2\")");
            n.push_back(uint32_t(std::stoul(one)));
            pos = comma + 1;
        }
        parts_ = c_->frames_dir(study_uid, series_uid, instance_uid, n, out_dir, accept);
        return int64_t(parts_.size());
    }
    /// Rendered images of an instance, a series or a study ("" UIDs) into `out_dir` as rendered_N.EXT;
    /// returns their number (PartPath(i)).
    int64_t rendered_dir(const std::string &study_uid, const std::string &series_uid, const std::string &instance_uid,
                         const std::string &out_dir, const std::string &media_type = "image/jpeg") {
        parts_ = c_->rendered_dir(study_uid, series_uid, instance_uid, out_dir, media_type);
        return int64_t(parts_.size());
    }
    std::string part_path(int64_t i) const { return at(parts_, i).path; }
    std::string part_media_type(int64_t i) const { return at(parts_, i).media_type; }
    /// A BulkDataURI (absolute or under the base URL) into `path`: `length` bytes from `first` (0 = to
    /// the end); returns the file's size.
    int64_t bulkdata_file(const std::string &uri, const std::string &path, int64_t first = 0, int64_t length = 0) {
        if (first < 0 || length < 0) dk::throw_error(DK_EINVAL, "a negative byte range");
        return int64_t(c_->bulkdata_file(uri, path, uint64_t(first), uint64_t(length)));
    }

private:
    template <typename T>
    static const T &at(const std::vector<T> &v, int64_t i) {
        if (i < 0 || uint64_t(i) >= v.size()) dk::throw_error(DK_EINVAL, "no answer " + std::to_string(i));
        return v[size_t(i)];
    }
    std::unique_ptr<dk::WebClient> c_;
    std::vector<std::string> files_;
    dk::WebStoreResult stored_;
    dk::WebQuery query_;
    std::vector<dk::Dataset> results_;
    std::vector<dk::WebFile> files_written_;
    std::vector<dk::WebPart> parts_;
};

}  // namespace dcmkit_swig

#endif  // DCMKIT_SWIG_WEB_HPP
