// dcmkit — de-identification of files into a folder, on several threads, with the unchanged pixel data
// copied file to file by the kernel (copy_file_range).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "dcmkit/deidentify.h"
#include "dcmkit/dicomdir.h"
#include "dcmkit/error.h"

namespace dcmkit {

namespace {

/// An input file: its descriptor kept open (the source of copy_file_range) and a read-only map that
/// the dataset's values borrow from (only the pages the parser touches are read).
class InputFile final : public Source {
public:
    InputFile(const std::string &path, bool map) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            if (errno == ENOENT) throw Error(Errc::not_found, "no such file '" + path + "'");
            throw Error(Errc::io, "cannot open '" + path + "': " + std::strerror(errno));
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0) throw Error(Errc::io, "cannot stat '" + path + "': " + std::strerror(errno));
        if (S_ISDIR(st.st_mode)) throw Error(Errc::io, "'" + path + "' is a folder, not a file");
        if (!map || !S_ISREG(st.st_mode) || st.st_size == 0) {
            // Without copy_file_range, plain reads beat page faults on a map. Pipes, devices,
            // empty files: read whole, no copying from the file later.
            owned_ = read_all(S_ISREG(st.st_mode) ? size_t(st.st_size) + 1 : 65536);
            p_ = owned_.data();
            n_ = owned_.size();
            return;
        }
        void *p = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd_, 0);
        if (p == MAP_FAILED) {
            owned_ = read_all(size_t(st.st_size) + 1);
            p_ = owned_.data();
            n_ = owned_.size();
            return;
        }
        map_ = p;
        p_ = static_cast<const uint8_t *>(p);
        n_ = size_t(st.st_size);
    }
    ~InputFile() override {
        if (map_) ::munmap(map_, n_);
        if (fd_ >= 0) ::close(fd_);
    }
    InputFile(const InputFile &) = delete;
    InputFile &operator=(const InputFile &) = delete;

    const uint8_t *data() const noexcept override { return p_; }
    size_t size() const noexcept override { return n_; }
    int fd() const noexcept { return fd_; }
    bool mapped() const noexcept { return map_ != nullptr; }

private:
    // Reads to the end, `want` bytes at first (the size + 1 of a regular file: one read, and one
    // that finds the end).
    std::vector<uint8_t> read_all(size_t want) {
        std::vector<uint8_t> bytes;
        for (;;) {
            const size_t have = bytes.size();
            bytes.resize(have + want);
            const ssize_t n = ::read(fd_, bytes.data() + have, want);
            if (n < 0) {
                if (errno == EINTR) {
                    bytes.resize(have);
                    continue;
                }
                throw Error(Errc::io, "cannot read '" + path_ + "': " + std::strerror(errno));
            }
            bytes.resize(have + size_t(n));
            if (n == 0) break;
            want = 65536;
        }
        return bytes;
    }

    std::string path_;
    int fd_ = -1;
    void *map_ = nullptr;
    std::vector<uint8_t> owned_;
    const uint8_t *p_ = nullptr;
    size_t n_ = 0;
};

/// Writes to the output file; a large write whose bytes lie in the input's map (a value the
/// de-identification left as it was read: Pixel Data) is copied from the input file by the kernel.
class CopySink final : public Sink {
public:
    CopySink(int out, const std::string &path, const InputFile *in) : out_(out), path_(path), in_(in) {
        buf_.reserve(kMinCopy);
    }
    void write(const uint8_t *data, size_t size) override {
        if (in_ && size >= kMinCopy && data >= in_->data() && data + size <= in_->data() + in_->size()) {
            flush();
            loff_t off = loff_t(data - in_->data());
            while (size > 0) {
                const ssize_t n = ::copy_file_range(in_->fd(), &off, out_, nullptr, size, 0);
                if (n > 0) {
                    data += n;
                    size -= size_t(n);
                    continue;
                }
                if (n < 0 && errno == EINTR) continue;
                // Not between these file systems (EXDEV), not by this kernel (ENOSYS, EINVAL,
                // EOPNOTSUPP), or the input shrank (0): the rest goes through plain writes.
                in_ = nullptr;
                break;
            }
        }
        if (buf_.size() + size <= kMinCopy) {  // the preamble, meta and header: one write
            buf_.insert(buf_.end(), data, data + size);
            return;
        }
        // What is buffered and a large value (Pixel Data) in one call.
        iovec iov[2] = {{buf_.data(), buf_.size()}, {const_cast<uint8_t *>(data), size}};
        int first = buf_.empty() ? 1 : 0;
        while (first < 2) {
            const ssize_t n = ::writev(out_, iov + first, 2 - first);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw Error(Errc::io, "cannot write '" + path_ + "': " + std::strerror(errno));
            }
            size_t done = size_t(n);
            while (first < 2 && done >= iov[first].iov_len) done -= iov[first++].iov_len;
            if (first < 2) {
                iov[first].iov_base = static_cast<uint8_t *>(iov[first].iov_base) + done;
                iov[first].iov_len -= done;
            }
        }
        buf_.clear();
    }
    /// Writes what is buffered (call before closing).
    void flush() {
        put(buf_.data(), buf_.size());
        buf_.clear();
    }

private:
    void put(const uint8_t *data, size_t size) {
        while (size > 0) {
            const ssize_t n = ::write(out_, data, size);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw Error(Errc::io, "cannot write '" + path_ + "': " + std::strerror(errno));
            }
            data += n;
            size -= size_t(n);
        }
    }

    static constexpr size_t kMinCopy = 64 * 1024;
    int out_;
    const std::string &path_;
    const InputFile *in_;
    std::vector<uint8_t> buf_;
};

struct Work {
    DeidFileResult result;
    std::string tmp;   ///< the temporary file written (renamed to result.output when committed)
    std::string name;  ///< the output file name
};

/// De-identifies one file into `tmp`; fills `w` (status written means: `tmp` holds it).
void process(const std::string &input, size_t index, const DeidOptions &options, const DeidFilesOptions &fo, Work &w) {
    w.result.input = input;
    std::shared_ptr<InputFile> in;
    DicomFile file;
    try {
        in = std::make_shared<InputFile>(input, fo.copy_file_range);
        ReadOptions ro;
        file = read_source(in, ro);
    } catch (const Error &e) {
        if (e.code() == Errc::not_dicom) {
            w.result.status = DeidFileStatus::skipped;
            w.result.message = "not DICOM";
        } else {
            w.result.status = DeidFileStatus::failed;
            w.result.message = std::string("cannot be read: ") + e.what();
        }
        return;
    }
    const std::string dicomdir_class = "1.2.840.10008.1.3.10";
    if (file.dataset.get_string_or(tags::SOPClassUID, "") == dicomdir_class ||
        file.meta.get_string_or(tags::MediaStorageSOPClassUID, "") == dicomdir_class) {
        w.result.status = DeidFileStatus::skipped;
        w.result.message = "a DICOMDIR (it names patients; make a new one for the output)";
        return;
    }
    DeidReport rep;
    try {
        deidentify(file, options, rep);
    } catch (const Error &e) {
        w.result.status = e.code() == Errc::unsupported ? DeidFileStatus::refused : DeidFileStatus::failed;
        w.result.message = e.code() == Errc::unsupported ? e.message() : e.what();
        return;
    }
    w.result.burned_in_flagged = rep.burned_in_flagged;
    w.result.burned_in_reason = rep.burned_in_reason;
    const std::string uid = file.dataset.get_string_or(tags::SOPInstanceUID, "");
    if (uid.empty()) {
        w.result.status = DeidFileStatus::failed;
        w.result.message = "has no SOP Instance UID (0008,0018): not written";
        return;
    }
    w.name = uid + ".dcm";
    w.tmp = fo.output + "/." + std::to_string(index) + ".part";
    const int fd = ::open(w.tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        w.result.status = DeidFileStatus::failed;
        w.result.message = "cannot be written: cannot create '" + w.tmp + "': " + std::strerror(errno);
        return;
    }
    try {
        CopySink sink(fd, w.tmp, fo.copy_file_range && in->mapped() ? in.get() : nullptr);
        write_part10_header(sink, file, file.transfer_syntax);
        write_dataset(sink, file.dataset, file.transfer_syntax);
        sink.flush();
        const int rc = ::close(fd);
        if (rc != 0) throw Error(Errc::io, "cannot close '" + w.tmp + "': " + std::strerror(errno));
    } catch (const Error &e) {
        ::close(fd);
        ::unlink(w.tmp.c_str());
        w.result.status = DeidFileStatus::failed;
        w.result.message = std::string("cannot be written: ") + e.what();
        return;
    }
    w.result.status = DeidFileStatus::written;
}

}  // namespace

std::vector<DeidFileResult> deidentify_files(const std::vector<std::string> &inputs, const DeidOptions &options,
                                             const DeidFilesOptions &fo, const DeidFilesProgress &progress) {
    {
        // The key and options are checked once, before any file is read (an empty dataset has
        // nothing to de-identify and no burned-in text).
        Dataset probe;
        DeidReport r;
        deidentify(probe, options, r);
    }
    if (fo.output.empty()) throw Error(Errc::invalid_argument, "de-identification needs an output folder");
    if (::mkdir(fo.output.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error(Errc::io, "cannot make the folder '" + fo.output + "': " + std::strerror(errno));
    struct stat st {};
    if (::stat(fo.output.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw Error(Errc::io, "'" + fo.output + "' is not a folder");

    const size_t total = inputs.size();
    std::vector<Work> work(total);
    std::vector<char> ready(total, 0);
    std::map<std::string, size_t> names;  // output name -> the input written under it
    std::mutex mu;
    size_t committed = 0;
    std::atomic<size_t> next{0};
    bool any_written = false;

    // Results become final in input order: renames, and the check that no two inputs are the same
    // instance, happen here, so that the output and the results do not depend on the threads.
    auto commit = [&](size_t i) {
        Work &w = work[i];
        if (w.result.status == DeidFileStatus::written) {
            auto it = names.find(w.name);
            const std::string path = fo.output + "/" + w.name;
            if (it != names.end()) {
                ::unlink(w.tmp.c_str());
                w.result.status = DeidFileStatus::failed;
                w.result.message = "is the same instance as " + inputs[it->second] + " (same SOP Instance UID): not written twice";
            } else if (::rename(w.tmp.c_str(), path.c_str()) != 0) {
                const int err = errno;
                ::unlink(w.tmp.c_str());
                w.result.status = DeidFileStatus::failed;
                w.result.message = "cannot be written: cannot rename '" + w.tmp + "': " + std::strerror(err);
            } else {
                names.emplace(w.name, i);
                w.result.output = path;
                any_written = true;
            }
        }
        if (progress) progress(i + 1, total, w.result);
    };
    std::exception_ptr first_error;  // a failure that is not one file's (out of memory, the callback's)
    auto worker = [&] {
        for (;;) {
            const size_t i = next.fetch_add(1);
            if (i >= total) return;
            try {
                process(inputs[i], i, options, fo, work[i]);
                std::lock_guard<std::mutex> lock(mu);
                ready[i] = 1;
                while (!first_error && committed < total && ready[committed]) commit(committed++);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mu);
                if (!first_error) first_error = std::current_exception();
                next.store(total);
                return;
            }
        }
    };
    unsigned jobs = fo.jobs ? fo.jobs : std::max(1u, std::thread::hardware_concurrency());
    jobs = unsigned(std::min<size_t>(jobs, std::max<size_t>(total, 1)));
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(worker);
    worker();
    for (std::thread &t : threads) t.join();
    if (first_error) {
        for (const Work &w : work)
            if (!w.tmp.empty()) ::unlink(w.tmp.c_str());  // temporaries not yet renamed
        std::rethrow_exception(first_error);
    }

    // The files reach the disk together, once, before the results are returned.
    if (any_written && fo.fsync) {
        const int dfd = ::open(fo.output.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const bool ok = dfd >= 0 && ::syncfs(dfd) == 0 && ::fsync(dfd) == 0;
        const int err = errno;
        if (dfd >= 0) ::close(dfd);
        if (!ok) throw Error(Errc::io, "cannot flush '" + fo.output + "' to the disk: " + std::strerror(err));
    }
    std::vector<DeidFileResult> results;
    results.reserve(total);
    for (Work &w : work) results.push_back(std::move(w.result));
    return results;
}

}  // namespace dcmkit
