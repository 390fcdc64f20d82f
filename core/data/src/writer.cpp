// Part 10 and dataset writer (PS3.10 7, PS3.5 7).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef DCMKIT_HAVE_ZLIB
#include <zlib.h>
#endif

#include <cerrno>
#include <cstring>
#include <string>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/file.h"

namespace dcmkit {

const char *const kImplementationClassUID = "2.25.313602408456590439564928532698244023492";
const char *const kImplementationVersionName = "DCMKIT_100";

namespace {

constexpr uint32_t kUndefined = 0xFFFFFFFFu;

VR write_vr(const Element &e) { return e.vr == VR::None ? VR::UN : e.vr; }

uint64_t padded(uint64_t n) { return n + (n & 1); }

uint64_t header_size(VR vr, bool explicit_vr) {
    if (!explicit_vr) return 8;
    return vr_has_long_length(vr) ? 12 : 8;
}

uint64_t dataset_size(const Dataset &ds, bool explicit_vr);

/// Length of the value field as it will be written (defined lengths), kUndefined-free.
uint64_t value_size(const Element &e, bool explicit_vr) {
    if (e.vr == VR::SQ) {
        uint64_t total = 0;
        for (const Dataset &item : e.items) {
            total += 8 + dataset_size(item, explicit_vr);
            if (e.undefined_length) total += 8;  // Item Delimitation Item
        }
        if (e.undefined_length) total += 8;      // Sequence Delimitation Item
        return total;
    }
    if (e.is_encapsulated()) {
        uint64_t total = 8;  // Sequence Delimitation Item
        for (const Bytes &f : e.fragments) total += 8 + padded(f.size());
        return total;
    }
    return padded(e.value.size());
}

uint64_t element_size(const Element &e, bool explicit_vr) {
    const VR vr = (e.is_encapsulated() && write_vr(e) != VR::OW) ? VR::OB : write_vr(e);
    return header_size(vr, explicit_vr) + value_size(e, explicit_vr);
}

uint64_t dataset_size(const Dataset &ds, bool explicit_vr) {
    uint64_t total = 0;
    for (const Element &e : ds) total += element_size(e, explicit_vr);
    return total;
}

/// Buffers output and encodes elements in one transfer syntax.
class Encoder {
public:
    Encoder(Sink &sink, bool explicit_vr, bool big_endian) : sink_(sink), explicit_(explicit_vr), big_(big_endian) {
        buf_.reserve(kBuf);
    }
    ~Encoder() = default;

    void flush() {
        if (!buf_.empty()) sink_.write(buf_.data(), buf_.size());
        buf_.clear();
    }

    void dataset(const Dataset &ds) {
        for (auto it = ds.begin(); it != ds.end(); ++it) {
            if (it->tag.is_group_length() && it->vr == VR::UL) {
                // Recompute group lengths (PS3.5 7.2) from what follows in the same group.
                uint64_t len = 0;
                for (auto jt = it + 1; jt != ds.end() && jt->tag.group() == it->tag.group(); ++jt)
                    len += element_size(*jt, explicit_);
                uint8_t v[4];
                store_u32le(v, uint32_t(len));
                header(it->tag, VR::UL, 4);
                raw_value(v, 4, 4);
                continue;
            }
            element(*it);
        }
    }

    void element(const Element &e) {
        if (e.vr == VR::SQ) {
            const uint64_t len = e.undefined_length ? kUndefined : value_size(e, explicit_);
            if (!e.undefined_length && len > 0xFFFFFFFEu) throw Error(Errc::bad_length, "sequence too long to encode with a defined length", -1, e.tag.value);
            header(e.tag, VR::SQ, uint32_t(len));
            for (const Dataset &item : e.items) {
                tag_and_length(tags::Item, e.undefined_length ? kUndefined : uint32_t(dataset_size(item, explicit_)));
                dataset(item);
                if (e.undefined_length) tag_and_length(tags::ItemDelimitationItem, 0);
            }
            if (e.undefined_length) tag_and_length(tags::SequenceDelimitationItem, 0);
            return;
        }
        if (e.is_encapsulated()) {
            // PS3.5 A.4: OB, undefined length, an item per fragment, BOT first.
            header(e.tag, write_vr(e) == VR::OW ? VR::OW : VR::OB, kUndefined);
            for (const Bytes &f : e.fragments) {
                if (f.size() > 0xFFFFFFFEu) throw Error(Errc::bad_length, "fragment too long", -1, e.tag.value);
                tag_and_length(tags::Item, uint32_t(padded(f.size())));
                raw_value(f.data(), f.size(), 1);
                if (f.size() & 1) put_byte(0);
            }
            tag_and_length(tags::SequenceDelimitationItem, 0);
            return;
        }
        const VR vr = write_vr(e);
        const uint64_t len = padded(e.value.size());
        if (explicit_ && !vr_has_long_length(vr) && len > 0xFFFF)
            throw Error(Errc::bad_length, std::string("value of ") + std::to_string(len) + " bytes is too long for VR " +
                                              vr_name(vr) + " (at most 65534)", -1, e.tag.value);
        if (len > 0xFFFFFFFEu) throw Error(Errc::bad_length, "value too long to encode", -1, e.tag.value);
        header(e.tag, vr, uint32_t(len));
        const unsigned unit = vr == VR::AT ? 2 : vr_value_size(vr);
        raw_value(e.value.data(), e.value.size(), unit ? unit : 1);
        if (e.value.size() & 1) put_byte(uint8_t(vr_padding(vr)));
    }

private:
    static constexpr size_t kBuf = 256 * 1024;

    void put_byte(uint8_t b) {
        if (buf_.size() >= kBuf) flush();
        buf_.push_back(b);
    }
    void put(const uint8_t *p, size_t n) {
        if (buf_.size() + n > kBuf) {
            flush();
            if (n >= kBuf) {  // large values (pixel data) go straight to the sink
                sink_.write(p, n);
                return;
            }
        }
        buf_.insert(buf_.end(), p, p + n);
    }
    void u16(uint16_t v) {
        uint8_t b[2];
        if (big_) { b[0] = uint8_t(v >> 8); b[1] = uint8_t(v); } else store_u16le(b, v);
        put(b, 2);
    }
    void u32(uint32_t v) {
        uint8_t b[4];
        if (big_) { b[0] = uint8_t(v >> 24); b[1] = uint8_t(v >> 16); b[2] = uint8_t(v >> 8); b[3] = uint8_t(v); }
        else store_u32le(b, v);
        put(b, 4);
    }
    void tag_and_length(Tag t, uint32_t len) {
        u16(t.group());
        u16(t.element());
        u32(len);
    }
    void header(Tag t, VR vr, uint32_t len) {
        u16(t.group());
        u16(t.element());
        if (!explicit_) {
            u32(len);
            return;
        }
        const char *name = vr_name(vr);
        put(reinterpret_cast<const uint8_t *>(name), 2);
        if (vr_has_long_length(vr)) {
            u16(0);
            u32(len);
        } else {
            u16(uint16_t(len));
        }
    }
    void raw_value(const uint8_t *p, size_t n, unsigned unit) {
        if (!big_ || unit <= 1) {
            put(p, n);
            return;
        }
        uint8_t tmp[8];
        for (size_t i = 0; i + unit <= n; i += unit) {
            for (unsigned k = 0; k < unit; ++k) tmp[k] = p[i + unit - 1 - k];
            put(tmp, unit);
        }
    }

    Sink &sink_;
    bool explicit_, big_;
    std::vector<uint8_t> buf_;
};

#ifdef DCMKIT_HAVE_ZLIB
/// Compresses into another sink (PS3.5 A.5: raw deflate, RFC 1951, no zlib header).
class DeflateSink final : public Sink {
public:
    DeflateSink(Sink &out, int level) : out_(out) {
        if (deflateInit2(&zs_, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw Error(Errc::io, "zlib initialisation failed");
    }
    ~DeflateSink() override { deflateEnd(&zs_); }
    void write(const uint8_t *data, size_t size) override {
        while (size > 0) {
            const size_t chunk = std::min<size_t>(size, 1u << 30);
            zs_.next_in = const_cast<Bytef *>(data);
            zs_.avail_in = uInt(chunk);
            pump(Z_NO_FLUSH);
            data += chunk;
            size -= chunk;
        }
    }
    void finish() { pump(Z_FINISH); }

private:
    void pump(int flush) {
        uint8_t buf[65536];
        for (;;) {
            zs_.next_out = buf;
            zs_.avail_out = sizeof buf;
            int rc = deflate(&zs_, flush);
            if (rc == Z_STREAM_ERROR) throw Error(Errc::io, "deflate failed");
            out_.write(buf, sizeof buf - zs_.avail_out);
            if (flush == Z_FINISH ? rc == Z_STREAM_END : (zs_.avail_in == 0 && zs_.avail_out != 0)) return;
        }
    }
    Sink &out_;
    z_stream zs_{};
};
#endif

class VectorSink final : public Sink {
public:
    std::vector<uint8_t> bytes;
    void write(const uint8_t *data, size_t size) override { bytes.insert(bytes.end(), data, data + size); }
};

class FdSink final : public Sink {
public:
    FdSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    void write(const uint8_t *data, size_t size) override {
        while (size > 0) {
            ssize_t n = ::write(fd_, data, size);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw Error(Errc::io, "cannot write '" + path_ + "': " + std::strerror(errno));
            }
            data += n;
            size -= size_t(n);
        }
    }

private:
    int fd_;
    std::string path_;
};

}  // namespace

void write_part10_header(Sink &sink, const DicomFile &file, const std::string &ts_uid) {
    uint8_t head[132];
    if (file.has_preamble) std::memcpy(head, file.preamble.data(), 128);
    else std::memset(head, 0, 128);
    std::memcpy(head + 128, "DICM", 4);
    sink.write(head, sizeof head);
    Dataset meta = make_meta(file, ts_uid);
    Encoder enc(sink, true, false);  // PS3.10 7.1: the meta is always explicit VR little endian
    enc.dataset(meta);
    enc.flush();
}

static void write_part10(Sink &sink, const DicomFile &file, const std::string &ts_uid, const WriteOptions &opt) {
    if (opt.part10) write_part10_header(sink, file, ts_uid);
    write_dataset(sink, file.dataset, ts_uid, opt.deflate_level);
}

uint64_t encoded_size(const Dataset &dataset, const TransferSyntax &ts) { return dataset_size(dataset, ts.explicit_vr); }

uint64_t encoded_value_length(const Element &element, const TransferSyntax &ts) {
    return value_size(element, ts.explicit_vr);
}

void write_dataset(Sink &sink, const Dataset &dataset, const std::string &ts_uid, int deflate_level) {
    const TransferSyntax ts = TransferSyntax::from_uid(ts_uid);
    if (!ts.known) throw Error(Errc::unsupported, "cannot encode in unknown transfer syntax " + ts_uid);
    if (ts.deflated) {
#ifndef DCMKIT_HAVE_ZLIB
        (void)deflate_level;
        throw Error(Errc::unsupported,
                    "cannot write Deflated Explicit VR Little Endian: not in this build (built without zlib, DCMKIT_WITH_ZLIB=OFF)");
#else
        DeflateSink deflater(sink, deflate_level);
        Encoder enc(deflater, true, false);
        enc.dataset(dataset);
        enc.flush();
        deflater.finish();
        return;
#endif
    }
    Encoder enc(sink, ts.explicit_vr, ts.big_endian);
    enc.dataset(dataset);
    enc.flush();
}

Dataset make_meta(const DicomFile &file, const std::string &ts_uid) {
    Dataset meta = file.meta;
    auto set_uid = [&](Tag t, const std::string &v) { meta.set_string(t, v, VR::UI); };
    if (!meta.contains(tags::FileMetaInformationVersion)) {
        const uint8_t version[2] = {0x00, 0x01};  // PS3.10 7.1
        meta.set_bytes(tags::FileMetaInformationVersion, VR::OB, Bytes::copy(version, 2));
    }
    auto uid_of = [&](Tag t) {
        const Element *e = file.dataset.find(t);
        if (!e) return std::string();
        std::string_view v = trim_value(e->value.str(), VR::UI);
        return std::string(v);
    };
    std::string sop_class = uid_of(tags::SOPClassUID), sop_instance = uid_of(tags::SOPInstanceUID);
    if (!sop_class.empty()) set_uid(tags::MediaStorageSOPClassUID, sop_class);
    if (!sop_instance.empty()) set_uid(tags::MediaStorageSOPInstanceUID, sop_instance);
    const Element *old_ts = meta.find(tags::TransferSyntaxUID);
    const bool reencoded = !old_ts || trim_value(old_ts->value.str(), VR::UI) != ts_uid;
    set_uid(tags::TransferSyntaxUID, ts_uid);
    // PS3.10 7.1: the implementation that wrote the file. Kept when the encoding is unchanged, so an
    // unmodified file is written back byte for byte.
    if (reencoded || !meta.contains(tags::ImplementationClassUID)) {
        set_uid(tags::ImplementationClassUID, kImplementationClassUID);
        meta.set_string(tags::ImplementationVersionName, kImplementationVersionName, VR::SH);
    }
    meta.set_bytes(tags::FileMetaInformationGroupLength, VR::UL, Bytes(std::vector<uint8_t>(4, 0)));
    return meta;  // the encoder fills in the group length
}

std::vector<uint8_t> write_memory(const DicomFile &file, const WriteOptions &opt) {
    VectorSink sink;
    write_part10(sink, file, opt.transfer_syntax.empty() ? file.transfer_syntax : opt.transfer_syntax, opt);
    return std::move(sink.bytes);
}

void write_file(const std::string &path, const DicomFile &file, const WriteOptions &opt) {
    const std::string ts = opt.transfer_syntax.empty() ? file.transfer_syntax : opt.transfer_syntax;
    std::string target = path, tmp;
    int fd;
    if (opt.atomic) {
        tmp = path + ".dcmkit-XXXXXX";
        fd = ::mkstemp(tmp.data());
        if (fd >= 0) ::fchmod(fd, 0644);
    } else {
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0) throw Error(Errc::io, "cannot create '" + path + "': " + std::strerror(errno));
    const std::string &written = opt.atomic ? tmp : target;
    // A non-atomic write may target a device or a pipe (/dev/stdout, /dev/full): such a path must
    // never be unlinked on failure, and cannot be fsync'ed.
    struct stat st {};
    const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    try {
        FdSink sink(fd, path);
        write_part10(sink, file, ts, opt);
        if (opt.fsync && regular && ::fsync(fd) != 0)
            throw Error(Errc::io, "cannot sync '" + path + "': " + std::strerror(errno));
        if (::close(fd) != 0) {
            fd = -1;
            throw Error(Errc::io, "cannot close '" + path + "': " + std::strerror(errno));
        }
        fd = -1;
        if (opt.atomic && ::rename(tmp.c_str(), path.c_str()) != 0)
            throw Error(Errc::io, "cannot rename into '" + path + "': " + std::strerror(errno));
    } catch (...) {
        if (fd >= 0) ::close(fd);
        if (regular) ::unlink(written.c_str());
        throw;
    }
    if (opt.atomic && opt.fsync) {
        // Make the rename itself durable.
        std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
        if (dir.empty()) dir = "/";
        int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    }
}

}  // namespace dcmkit
