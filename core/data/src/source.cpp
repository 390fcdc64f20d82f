#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dcmkit/bytes.h"
#include "dcmkit/error.h"

namespace dcmkit {

namespace {

class VectorSource final : public Source {
public:
    explicit VectorSource(std::vector<uint8_t> b) : bytes_(std::move(b)) {}
    const uint8_t *data() const noexcept override { return bytes_.data(); }
    size_t size() const noexcept override { return bytes_.size(); }

private:
    std::vector<uint8_t> bytes_;
};

class BorrowedSource final : public Source {
public:
    BorrowedSource(const uint8_t *p, size_t n) : p_(p), n_(n) {}
    const uint8_t *data() const noexcept override { return p_; }
    size_t size() const noexcept override { return n_; }

private:
    const uint8_t *p_;
    size_t n_;
};

class MappedSource final : public Source {
public:
    MappedSource(void *p, size_t n) : p_(p), n_(n) {}
    ~MappedSource() override {
        if (p_) ::munmap(p_, n_);
    }
    const uint8_t *data() const noexcept override { return static_cast<const uint8_t *>(p_); }
    size_t size() const noexcept override { return n_; }

private:
    void *p_;
    size_t n_;
};

[[noreturn]] void throw_errno(const std::string &what, const std::string &path) {
    throw Error(Errc::io, what + " '" + path + "': " + std::strerror(errno));
}

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::shared_ptr<const Source> Source::open_file(const std::string &path, bool map) {
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) {
        if (errno == ENOENT) throw Error(Errc::not_found, "no such file '" + path + "'");
        throw_errno("cannot open", path);
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) throw_errno("cannot stat", path);
    if (S_ISDIR(st.st_mode)) throw Error(Errc::io, "'" + path + "' is a folder, not a file");
    if (map && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *p = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, f.fd, 0);
        if (p != MAP_FAILED) {
            // Sequential parse of the header, random access to frames later.
            ::madvise(p, size_t(st.st_size), MADV_NORMAL);
            return std::make_shared<MappedSource>(p, size_t(st.st_size));
        }
    }
    // Pipes, character devices, empty files or a refused mapping: read it all.
    std::vector<uint8_t> bytes;
    if (S_ISREG(st.st_mode)) bytes.reserve(size_t(st.st_size));
    uint8_t buf[65536];
    for (;;) {
        ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("cannot read", path);
        }
        if (n == 0) break;
        bytes.insert(bytes.end(), buf, buf + n);
    }
    return std::make_shared<VectorSource>(std::move(bytes));
}

std::shared_ptr<const Source> Source::from_vector(std::vector<uint8_t> bytes) {
    return std::make_shared<VectorSource>(std::move(bytes));
}

std::shared_ptr<const Source> Source::borrow(const uint8_t *data, size_t size) {
    return std::make_shared<BorrowedSource>(data, size);
}

}  // namespace dcmkit
