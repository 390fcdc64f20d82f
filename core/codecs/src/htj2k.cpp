// dcmkit — High-Throughput JPEG 2000 (ISO/IEC 15444-15) transfer syntaxes (PS3.5 8.2 and A.4):
//   1.2.840.10008.1.2.4.201  HTJ2K Image Compression (Lossless Only): reversible 5/3;
//   1.2.840.10008.1.2.4.202  HTJ2K with RPCL Options Image Compression (Lossless Only): reversible
//                            5/3, RPCL progression order and a TLM marker segment in the main header;
//   1.2.840.10008.1.2.4.203  HTJ2K Image Compression: irreversible 9/7 (lossy).
//
// Each fragment holds an HTJ2K codestream (no JPH file wrapper). RGB frames are encoded with the
// multiple component transform: Photometric Interpretation YBR_RCT (reversible) or YBR_ICT
// (irreversible), as for JPEG 2000 (PS3.3 C.7.6.3.1.2); decoding one gives RGB.
//
// Encoding uses OpenJPH. Decoding uses OpenJPEG 2.5 (which reads Part 15 code-blocks, and Part 1
// ones, which the HTJ2K syntaxes also allow) through the JPEG 2000 codec: OpenJPH 0.9 is not safe
// on hostile input (division by zero on a zero tile size, assertions that abort, and wild reads on
// corrupt code-blocks), while OpenJPEG checks what it reads. Debian's OpenJPEG 2.5.0 keeps one
// abort (an assertion in ht_dec.c mel_init on a 0xFF byte followed by one above 0x8F at the start
// of a MEL segment); such a pair is a marker code, which packet data never holds (15444-1 A.1.1),
// so the decoder first refuses any codestream with one in its tile-part bodies.
//
// EncodeOptions::ratio on .203: OpenJPH has no rate control, only a base quantization step Δ
// relative to the sample range 2^Bits Stored; qstep_for() maps the ratio to Δ, and 0 picks 10:1.
// The ratio reached is near the one asked for, not exact (smooth images compress further, noisy
// ones less).
//
// OpenJPH reports errors by printing to its error stream and throwing std::runtime_error("ojph
// error"); it cannot take a handler object (0.9's configure_error copies the base class only). We
// point that stream at a FILE whose writes land in a per-thread buffer, so each call gets its own
// message, and turn every exception into dcmkit::Error. Its info and warning streams go nowhere.
// This is process-wide OpenJPH configuration, done once.
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <openjph/ojph_arch.h>
#include <openjph/ojph_codestream.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_message.h>
#include <openjph/ojph_params.h>
#pragma GCC diagnostic pop

#include "codecs.h"
#include "j2k_common.h"

namespace dcmkit::codecs {

namespace {

constexpr double kDefaultRatio = 10.0;

// ---- OpenJPH messages -----------------------------------------------------------------------

thread_local std::string t_ojph_message;

ssize_t capture_write(void *, const char *buf, size_t n) {
    t_ojph_message.append(buf, n);
    return ssize_t(n);
}
ssize_t discard_write(void *, const char *, size_t n) { return ssize_t(n); }

/// An unbuffered write-only FILE whose text goes to `write` in the thread that wrote it; never null
/// (OpenJPH 0.9 prints to its streams without checking them).
FILE *message_file(cookie_write_function_t *write) {
    cookie_io_functions_t io{};
    io.write = write;
    FILE *f = fopencookie(nullptr, "w", io);
    if (!f) f = std::fopen("/dev/null", "w");
    if (!f) return stderr;
    std::setvbuf(f, nullptr, _IONBF, 0);
    return f;
}

/// Routes OpenJPH's error text into t_ojph_message and drops its info and warnings; once per process.
void configure_openjph() {
    static const bool done = [] {
        ojph::set_error_stream(message_file(capture_write));
        FILE *quiet = message_file(discard_write);
        ojph::set_warning_stream(quiet);
        ojph::set_info_stream(quiet);
        return true;
    }();
    (void)done;
}

/// OpenJPH's last error message on this thread, without its "ojph error 0x… at file:line: " prefix.
std::string take_message() {
    std::string m;
    m.swap(t_ojph_message);
    const size_t at = m.find(": ");
    if (m.rfind("ojph error", 0) == 0 && at != std::string::npos) m.erase(0, at + 2);
    while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) m.pop_back();
    return m;
}

// ---- Codestream checks and markers (ISO/IEC 15444-1 Annex A) ---------------------------------

constexpr uint16_t kCod = 0xFF52, kSot = 0xFF90, kSod = 0xFF93, kEoc = 0xFFD9, kTlm = 0xFF55;

/// Refuses a codestream whose packet data holds a marker code (0xFF then a byte above 0x8F, other
/// than the in-band SOP and EPH markers where the COD allows them): encoders never emit one there (15444-1 A.1.1, D.1;
/// 15444-15 keeps the rule), and OpenJPEG 2.5.0 as Debian builds it aborts on one met at the start
/// of an HT MEL segment. Walks the main header to the first SOT, then each tile-part's header to
/// SOD, and scans the body up to the length its SOT gives. A codestream cut short is left to the
/// decoder to report.
void check_packet_data(const uint8_t *in, size_t n) {
    // SOP and EPH may appear in packet data only when the COD's Scod allows them (A.6.1: bit 1
    // SOP, bit 2 EPH); a codestream whose COD says neither may hold no marker code there at all.
    size_t pos = 2;
    uint8_t scod = 0;
    while (pos + 4 <= n && load_u16be(in + pos) != kSot) {
        if (load_u16be(in + pos) == kCod && pos + 4 < n) scod = in[pos + 4];
        pos += 2 + size_t(load_u16be(in + pos + 2));
    }
    const bool sop = scod & 2, eph = scod & 4;
    while (pos + 12 <= n && load_u16be(in + pos) == kSot) {
        const uint32_t psot = load_u32be(in + pos + 6);
        size_t end = n;
        if (psot != 0) {
            end = size_t(std::min<uint64_t>(n, uint64_t(pos) + psot));
        } else {  // the last tile-part runs to EOC (A.4.2), maybe followed by a pad byte
            if (end > 0 && in[end - 1] == 0) --end;
            if (end >= 2 && load_u16be(in + end - 2) == kEoc) end -= 2;
        }
        size_t p = pos;
        while (p + 4 <= end && load_u16be(in + p) != kSod) p += 2 + size_t(load_u16be(in + p + 2));
        if (p + 2 > end || load_u16be(in + p) != kSod) return;
        for (const uint8_t *q = in + p + 2, *stop = in + end; q + 1 < stop; ++q) {
            q = static_cast<const uint8_t *>(std::memchr(q, 0xFF, size_t(stop - q - 1)));
            if (!q) break;
            if (q[1] > 0x8F && !(q[1] == 0x91 && sop) && !(q[1] == 0x92 && eph))
                throw Error(Errc::malformed, "HTJ2K: marker code inside packet data", int64_t(q - in));
        }
        if (psot == 0 || end >= n) return;
        pos = end;
    }
}

/// Inserts a TLM marker segment (15444-1 A.7.1) at the end of the main header, listing every
/// tile-part's length as its SOT gives it: Stlm = 0x50, i.e. an 8-bit Ttlm and a 32-bit Ptlm.
/// PS3.5 asks for TLM in the .202 syntax; OpenJPH 0.9 cannot write one itself.
void insert_tlm(std::vector<uint8_t> &cs) {
    auto bad = [] { return Error(Errc::malformed, "HTJ2K: encoder output is not a well-formed codestream"); };
    size_t pos = 2;  // after SOC
    while (true) {
        if (pos + 4 > cs.size()) throw bad();
        const uint16_t marker = load_u16be(&cs[pos]);
        if (marker == kSot) break;
        pos += 2 + load_u16be(&cs[pos + 2]);
    }
    const size_t header_end = pos;
    std::vector<std::pair<uint8_t, uint32_t>> parts;  // (tile index, tile-part length)
    while (pos + 12 <= cs.size() && load_u16be(&cs[pos]) == kSot) {
        const uint16_t tile = load_u16be(&cs[pos + 4]);
        uint32_t psot = load_u32be(&cs[pos + 6]);
        if (psot == 0) psot = uint32_t(cs.size() - 2 - pos);  // 0: runs to EOC (A.4.2)
        if (tile > 255 || psot < 14 || pos + psot > cs.size()) throw bad();
        parts.emplace_back(uint8_t(tile), psot);
        pos += psot;
    }
    if (parts.empty() || parts.size() > (65535 - 4) / 5 || pos + 2 != cs.size() || load_u16be(&cs[pos]) != kEoc)
        throw bad();
    std::vector<uint8_t> tlm(6 + 5 * parts.size());
    tlm[0] = 0xFF;
    tlm[1] = uint8_t(kTlm & 0xFF);
    const uint16_t ltlm = uint16_t(4 + 5 * parts.size());
    tlm[2] = uint8_t(ltlm >> 8);
    tlm[3] = uint8_t(ltlm);
    tlm[4] = 0;     // Ztlm: the first (only) TLM segment
    tlm[5] = 0x50;  // Stlm: ST = 1 (Ttlm is 8 bits), SP = 1 (Ptlm is 32 bits)
    for (size_t i = 0; i < parts.size(); ++i) {
        uint8_t *e = &tlm[6 + 5 * i];
        e[0] = parts[i].first;
        for (int b = 0; b < 4; ++b) e[1 + b] = uint8_t(parts[i].second >> (24 - 8 * b));
    }
    cs.insert(cs.begin() + std::ptrdiff_t(header_end), tlm.begin(), tlm.end());
}

/// Base quantization step for a target compression ratio: Δ = 2^-Bits Stored × (ratio / 3)^0.6,
/// i.e. one grey level at 3:1, within OpenJPH's range. Fitted on smooth test images with a little
/// noise, where the coded size falls faster than Δ grows once Δ passes the noise; the ratio
/// reached is within a factor of about 2 of the one asked for on such images.
float qstep_for(double ratio, uint32_t bits_stored) {
    const double q = std::ldexp(std::pow(ratio / 3.0, 0.6), -int(bits_stored));
    return float(std::clamp(q, 1e-5, 0.5));
}

// ---- The codec ------------------------------------------------------------------------------

class Htj2kCodec final : public Codec {
public:
    explicit Htj2kCodec(const char *uid)
        : uid_(uid), lossless_(std::string_view(uid) != kHtj2k), tlm_(std::string_view(uid) == kHtj2kLosslessRpcl) {}

    std::string_view transfer_syntax() const noexcept override { return uid_; }
    bool lossless_only() const noexcept override { return lossless_; }

    bool can_encode(const PixelInfo &info, const EncodeOptions &options, std::string *why) const override {
        return jpeg2000::can_encode(info, options, lossless_, "HTJ2K", why);
    }

    FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t in_size, uint8_t *out,
                       size_t out_size) const override {
        check_frame_size(info, out_size, "HTJ2K decode");
        jpeg2000::check_siz(info, in, in_size, "HTJ2K");
        check_packet_data(in, in_size);
        const Codec *j2k = find_codec(kJ2kLossless);
        if (!j2k) throw Error(Errc::unsupported, "HTJ2K: no JPEG 2000 decoder in this build");
        return decode_isolated(*j2k, info, in, in_size, out, out_size);
    }

    /// Waits up to `limit_ms` for child `pid` to end (reaping it into `status`); false when it has not.
    static bool wait_child(pid_t pid, int limit_ms, int &status) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
        auto left_ms = [&] {
            return int(std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 deadline - std::chrono::steady_clock::now()).count()));
        };
        // A pidfd becomes readable when the child ends (Linux 5.3); without one, poll waitpid.
        const int fd = int(::syscall(SYS_pidfd_open, pid, 0));
        for (int nap_us = 50;;) {
            const pid_t r = ::waitpid(pid, &status, WNOHANG);
            if (r == pid) break;
            if (r < 0 && errno != EINTR) break;  // not ours to wait for any more: treat as ended
            const int left = left_ms();
            if (left == 0) {
                if (fd >= 0) ::close(fd);
                return false;
            }
            if (fd >= 0) {
                pollfd p{fd, POLLIN, 0};
                ::poll(&p, 1, left);
            } else {
                ::usleep(useconds_t(std::min(nap_us, left * 1000)));
                nap_us = std::min(nap_us * 2, 2000);
            }
        }
        if (fd >= 0) ::close(fd);
        return true;
    }

    /// OpenJPEG 2.5.0 as Debian builds it keeps an assert() in its HT MEL decoder that a crafted
    /// code-block reaches (the packet-data check above catches most, not all, such streams). The
    /// frame is therefore decoded in a child process writing into shared memory: a hostile frame
    /// ends in an error for that frame, never in an abort of the application.
    static FrameLayout decode_isolated(const Codec &j2k, const PixelInfo &info, const uint8_t *in, size_t in_size,
                                       uint8_t *out, size_t out_size) {
        struct Report {
            int32_t done, code;
            int64_t offset;
            char photometric[32];
            char message[480];
        };
        const size_t total = sizeof(Report) + out_size;
        void *mem = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) throw Error(Errc::io, std::string("HTJ2K: no memory for decoding: ") + std::strerror(errno));
        struct Unmap {
            void *p;
            size_t n;
            ~Unmap() { ::munmap(p, n); }
        } unmap{mem, total};
        auto *report = static_cast<Report *>(mem);
        std::memset(report, 0, sizeof *report);
        uint8_t *pixels = static_cast<uint8_t *>(mem) + sizeof(Report);
        const pid_t pid = ::fork();
        if (pid < 0) throw Error(Errc::io, std::string("HTJ2K: cannot start the decoder: ") + std::strerror(errno));
        if (pid == 0) {
            // The application's crash handlers are not for this child: a fault just ends it.
            for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);
            try {
                const FrameLayout l = j2k.decode(info, in, in_size, pixels, out_size);
                std::snprintf(report->photometric, sizeof report->photometric, "%s", l.photometric.c_str());
                report->done = 1;
            } catch (const Error &e) {
                std::string m = e.message();
                if (m.rfind("JPEG 2000: ", 0) == 0) m.erase(0, 11);
                report->code = int32_t(e.code());
                report->offset = e.offset();
                std::snprintf(report->message, sizeof report->message, "%s", m.c_str());
                report->done = 2;
            } catch (...) {
                report->done = 3;
            }
            ::_exit(0);
        }
        // Bounded: a child that hangs (a lock some other thread held at the fork, a decoder loop)
        // is killed, and the frame fails, rather than the caller waiting for ever.
        const int limit_ms = 30000 + int(std::min<size_t>(out_size >> 20, 1u << 20)) * 250;
        int status = 0;
        if (!wait_child(pid, limit_ms, status)) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            throw Error(Errc::timeout, "HTJ2K: the decoder did not finish within " + std::to_string(limit_ms / 1000) + " s");
        }
        if (report->done == 1) {
            std::memcpy(out, pixels, out_size);
            FrameLayout l;
            l.photometric = report->photometric;
            return l;
        }
        if (report->done == 2) throw Error(Errc(report->code), std::string("HTJ2K: ") + report->message, report->offset);
        throw Error(Errc::malformed, WIFSIGNALED(status) ? "HTJ2K: the codestream made the decoder abort (corrupt code-block data)"
                                                         : "HTJ2K: the decoder failed");
    }

    std::vector<uint8_t> encode(const PixelInfo &info, const uint8_t *frame, size_t size, const EncodeOptions &options,
                                FrameLayout &layout) const override {
        std::string why;
        if (!can_encode(info, options, &why)) throw Error(Errc::unsupported, why);
        check_frame_size(info, size, "HTJ2K encode");
        configure_openjph();
        t_ojph_message.clear();
        const uint32_t spp = info.samples_per_pixel;
        const bool rgb = spp == 3 && info.photometric_interpretation == "RGB";
        const bool is_signed = info.pixel_representation == 1;
        std::vector<uint8_t> result;
        try {
            ojph::codestream cs;
            ojph::param_siz siz = cs.access_siz();
            siz.set_image_extent(ojph::point(info.columns, info.rows));
            siz.set_num_components(spp);
            for (uint32_t c = 0; c < spp; ++c) siz.set_component(c, ojph::point(1, 1), info.bits_stored, is_signed);
            siz.set_image_offset(ojph::point(0, 0));
            siz.set_tile_size(ojph::size(info.columns, info.rows));  // one tile
            siz.set_tile_offset(ojph::point(0, 0));

            ojph::param_cod cod = cs.access_cod();
            // Up to 5 decomposition levels, while the band a level splits has 3 or more rows and
            // columns: OpenJPH 0.9's irreversible vertical 9/7 transform of a 2-row band is wrong.
            const uint32_t smallest = std::min(info.rows, info.columns);
            uint32_t levels = 0;
            while (levels < 5 && ((smallest - 1) >> levels) + 1 >= 3) ++levels;
            cod.set_num_decomposition(levels);
            cod.set_block_dims(64, 64);
            cod.set_progression_order("RPCL");
            cod.set_color_transform(rgb);
            cod.set_reversible(lossless_);
            if (!lossless_)
                cs.access_qcd().set_irrev_quant(qstep_for(options.ratio > 0 ? options.ratio : kDefaultRatio, info.bits_stored));
            cs.set_planar(false);

            ojph::mem_outfile file;
            file.open(size / 2 + 1024);
            cs.write_headers(&file);
            const size_t width = info.columns, bytes = info.bits_allocated / 8;
            const uint32_t mask = (1u << info.bits_stored) - 1, sign = 1u << (info.bits_stored - 1);
            ojph::ui32 comp = 0;
            ojph::line_buf *line = cs.exchange(nullptr, comp);
            for (uint32_t y = 0; y < info.rows; ++y) {
                for (uint32_t c = 0; c < spp; ++c) {
                    if (!line || comp != c || line->size < width)
                        throw Error(Errc::malformed, "HTJ2K: encoder asked for an unexpected line");
                    int32_t *dst = line->i32;
                    const uint8_t *p = frame + (size_t(y) * width * spp + c) * bytes;
                    for (size_t x = 0; x < width; ++x, p += spp * bytes) {
                        // Bits above Bits Stored are not pixel data (PS3.5 8.1.1): drop them, then sign-extend.
                        const uint32_t v = (bytes == 1 ? p[0] : load_u16le(p)) & mask;
                        dst[x] = is_signed ? int32_t(v ^ sign) - int32_t(sign) : int32_t(v);
                    }
                    line = cs.exchange(line, comp);
                }
            }
            cs.flush();
            const uint8_t *data = file.get_data();
            result.assign(data, data + file.tell());
            cs.close();
        } catch (const Error &) {
            throw;
        } catch (const std::exception &e) {
            std::string m = take_message();
            throw Error(Errc::invalid_argument, "HTJ2K: cannot encode: " + (m.empty() ? std::string(e.what()) : m));
        }
        if (tlm_) insert_tlm(result);
        layout = FrameLayout{};
        if (rgb) layout.photometric = lossless_ ? "YBR_RCT" : "YBR_ICT";
        layout.lossy = !lossless_;
        if (!lossless_) layout.lossy_method = "ISO_15444_15";
        return result;
    }

private:
    const char *uid_;
    bool lossless_, tlm_;
};

}  // namespace

std::unique_ptr<Codec> make_htj2k(const char *uid) { return std::make_unique<Htj2kCodec>(uid); }

}  // namespace dcmkit::codecs
