#include "dcmkit/services/services.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>

#include "dcmkit/dictionary.h"
#include "dcmkit/error.h"
#include "dcmkit/pixel.h"
#include "dcmkit/transcoder.h"
#include "dcmkit/uid.h"
#include "query_scp.h"
#include "store_send.h"

namespace dcmkit::net {

namespace {

/// Waits for the response to message `id`; returns its status (and its Error Comment in `comment`).
uint16_t await_response(Association &assoc, uint16_t expected_field, uint16_t id, std::string *comment = nullptr) {
    for (;;) {
        auto rsp = assoc.receive_command(assoc.config().timeouts.dimse_ms);
        if (!rsp) throw Error(Errc::aborted, "the peer released the association while a response was awaited");
        if (rsp->command_field != expected_field ||
            rsp->fields.get_int_opt(dimse::tag::MessageIDBeingRespondedTo).value_or(-1) != id) {
            assoc.abort(2, 5);
            throw Error(Errc::protocol, std::string("expected ") + dimse::command_name(expected_field) + " for message " +
                                            std::to_string(id) + ", got " + dimse::command_name(rsp->command_field));
        }
        if (rsp->has_dataset) (void)assoc.receive_dataset(assoc.config().timeouts.dimse_ms);
        if (comment) *comment = dimse::error_comment(rsp->fields);
        return uint16_t(rsp->fields.get_int_opt(dimse::tag::Status).value_or(0xFFFF));
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// SCU

uint16_t echo(Association &assoc) {
    const PresentationContext *pc = assoc.find_accepted(uids::Verification);
    if (!pc) throw Error(Errc::refused, "the peer accepted no Verification presentation context");
    const uint16_t id = assoc.next_message_id();
    assoc.send_command(pc->id, dimse::request(dimse::C_ECHO_RQ, id, uids::Verification, false));
    return await_response(assoc, dimse::C_ECHO_RSP, id);
}

StoreResult store_file(Association &assoc, const std::string &path, uint16_t priority) {
    StoreResult r;
    const uint16_t id = begin_store(assoc, read_file_head(path), priority, r);
    r.status = await_response(assoc, dimse::C_STORE_RSP, id, &r.error_comment);
    return r;
}

void store_files(Association &assoc, const std::vector<std::string> &paths,
                 const std::function<void(size_t index, const StoreResult *result, const Error *error)> &done,
                 uint16_t priority) {
    // PS3.7 D.3.3.3: up to the negotiated number of C-STOREs are outstanding at once, so that the
    // transfer of one overlaps the peer's storing of the previous ones.
    const size_t window = std::max(1u, assoc.max_operations_invoked());
    struct Pending {
        size_t index;
        StoreResult result;
    };
    std::vector<std::pair<uint16_t, Pending>> outstanding;
    auto collect_one = [&] {
        auto rsp = assoc.receive_command(assoc.config().timeouts.dimse_ms);
        if (!rsp) throw Error(Errc::aborted, "the peer released the association while responses were awaited");
        const int64_t id = rsp->fields.get_int_opt(dimse::tag::MessageIDBeingRespondedTo).value_or(-1);
        auto it = std::find_if(outstanding.begin(), outstanding.end(), [&](const auto &o) { return o.first == id; });
        if (rsp->command_field != dimse::C_STORE_RSP || it == outstanding.end()) {
            assoc.abort(2, 5);
            throw Error(Errc::protocol, std::string("unexpected ") + dimse::command_name(rsp->command_field) +
                                            " for message " + std::to_string(id));
        }
        if (rsp->has_dataset) (void)assoc.receive_dataset(assoc.config().timeouts.dimse_ms);
        Pending p = std::move(it->second);
        outstanding.erase(it);
        p.result.status = uint16_t(rsp->fields.get_int_opt(dimse::tag::Status).value_or(0xFFFF));
        p.result.error_comment = dimse::error_comment(rsp->fields);
        done(p.index, &p.result, nullptr);
    };
    for (size_t i = 0; i < paths.size(); ++i) {
        while (outstanding.size() >= window) collect_one();
        Pending p{i, {}};
        uint16_t id;
        try {
            id = begin_store(assoc, read_file_head(paths[i]), priority, p.result);
        } catch (const Error &e) {
            if (!assoc.established()) throw;
            done(i, nullptr, &e);  // this file could not be sent; the association goes on
            continue;
        }
        outstanding.emplace_back(id, std::move(p));
    }
    while (!outstanding.empty()) collect_one();
}

StoreResult store(Association &assoc, const DicomFile &file, uint16_t priority) {
    const std::string sop_class = uid_value(file.dataset, tags::SOPClassUID);
    const std::string sop_instance = uid_value(file.dataset, tags::SOPInstanceUID);
    if (sop_class.empty() || sop_instance.empty()) throw Error(Errc::bad_value, "dataset has no SOP Class UID or SOP Instance UID");
    const std::string ts = file.transfer_syntax.empty() ? uids::ExplicitVRLittleEndian : file.transfer_syntax;
    const PresentationContext *pc = choose_context(assoc, sop_class, ts);
    if (!pc) throw Error(Errc::refused, "no accepted presentation context for SOP class " + sop_class);
    StoreResult r;
    r.transcoded = pc->transfer_syntax != ts;
    std::optional<DicomFile> copy;
    const Dataset *ds = &file.dataset;
    if (TransferSyntax::from_uid(ts).encapsulated || TransferSyntax::from_uid(pc->transfer_syntax).encapsulated) {
        copy = file;
        copy->transfer_syntax = ts;
        ds = &for_context(*copy, *pc);
    }
    const uint16_t id = send_store(assoc, *pc, sop_class, sop_instance, priority, [&] {
        assoc.send_dataset(pc->id, *ds);
        return encoded_size(*ds, TransferSyntax::from_uid(pc->transfer_syntax));
    }, r);
    r.status = await_response(assoc, dimse::C_STORE_RSP, id, &r.error_comment);
    return r;
}

std::vector<std::string> add_storage_contexts(AeConfig &config, const std::vector<std::string> &paths,
                                              std::vector<std::string> *errors) {
    std::vector<std::string> ok;
    std::set<std::pair<std::string, std::string>> seen;
    ReadOptions opt;
    opt.stop_before_pixels = true;
    for (const auto &p : paths) {
        try {
            DicomFile f = read_file(p, opt);
            const std::string sop_class = uid_value(f.dataset, tags::SOPClassUID);
            if (sop_class.empty()) throw Error(Errc::bad_value, "no SOP Class UID in '" + p + "'");
            if (seen.insert({sop_class, f.transfer_syntax}).second) {
                std::vector<std::string> ts = {f.transfer_syntax};
                // Fallbacks the file can be re-encoded into, in dcmkit's preference order: compressed
                // pixel data is decoded when the peer takes only uncompressed syntaxes.
                if (can_decode_pixels(f.transfer_syntax))
                    for (const auto &u : uncompressed_transfer_syntaxes())
                        if (u != f.transfer_syntax) ts.push_back(u);
                config.add(sop_class, ts, false, true);
            }
            ok.push_back(p);
        } catch (const Error &e) {
            if (errors) errors->push_back(e.what());
        }
    }
    return ok;
}

// ---------------------------------------------------------------------------------------------------
// SCP

StorageFolder::StorageFolder(std::string folder, bool fsync, bool keep)
    : StorageFolder(std::move(folder), fsync ? Durability::each_file : Durability::none, keep) {}

StorageFolder::StorageFolder(std::string folder, Durability durability, bool keep)
    : folder_(std::move(folder)), durability_(durability), keep_(keep) {
    if (folder_.empty()) folder_ = ".";
    if (::mkdir(folder_.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error(Errc::io, "cannot create folder '" + folder_ + "': " + std::strerror(errno));
}

namespace {

class FdSink final : public Sink {
public:
    explicit FdSink(int fd) : fd_(fd) {}
    void write(const uint8_t *d, size_t n) override {
        while (n > 0 && !failed) {
            ssize_t w = ::write(fd_, d, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                failed = true;
                error = errno;
                return;
            }
            d += w;
            n -= size_t(w);
        }
    }
    bool failed = false;
    int error = 0;

private:
    int fd_;
};

}  // namespace

StorageFolder::Incoming::~Incoming() {
    if (fd >= 0) ::close(fd);
    if (!tmp.empty()) ::unlink(tmp.c_str());  // an abort mid-transfer leaves no partial file
}

StorageFolder::Incoming::Incoming(Incoming &&o) noexcept
    : fd(o.fd), tmp(std::move(o.tmp)), sop_class_uid(std::move(o.sop_class_uid)),
      sop_instance_uid(std::move(o.sop_instance_uid)), status(o.status), error_comment(std::move(o.error_comment)),
      log(o.log) {
    o.fd = -1;
    o.tmp.clear();
}

namespace {

/// A reader error as an Error Comment: the element it is about ("Pixel Data: ", "(0008,0018): "),
/// then what is wrong.
std::string about(const Error &e) {
    if (e.tag() == 0xFFFFFFFFu) return e.message();
    const Tag t(e.tag());
    if (t == tags::PixelData) return "Pixel Data: " + e.message();
    return t.str() + ": " + e.message();
}

const Element *top_level_pixels(const Dataset &ds) {
    for (Tag t : {tags::PixelData, tags::FloatPixelData, tags::DoubleFloatPixelData})
        if (const Element *e = ds.find(t)) return e;
    return nullptr;
}

/// What is wrong with the pixel data of a fully read dataset in `ts`, or "".
std::string pixel_problem(const Dataset &ds, const TransferSyntax &ts) {
    const Element *px = top_level_pixels(ds);
    if (!px) return {};
    const bool encapsulated = px->is_encapsulated() || px->undefined_length;
    // PS3.5 A.4: Pixel Data is encapsulated exactly when the transfer syntax is an encapsulated one
    // (Float and Double Float Pixel Data are never encapsulated).
    if (encapsulated && !ts.encapsulated) return "encapsulated Pixel Data in a native transfer syntax";
    if (encapsulated) {
        // fragments[0] is the Basic Offset Table; a frame needs at least one fragment after it.
        if (px->fragments.size() < 2) return "encapsulated Pixel Data has no fragment";
        return {};
    }
    if (ts.encapsulated && px->tag == tags::PixelData && ts.known) return "native Pixel Data in an encapsulated transfer syntax";
    // Native: the value holds every frame (PS3.5 8.1.1; an odd total is padded to even, and a longer
    // value is tolerated: only a short one loses pixels).
    PixelInfo info;
    try {
        info = PixelInfo::from(ds);
    } catch (const Error &) {
        return {};  // without Rows, Columns and Bits Allocated nothing says how long it should be
    }
    if (px->tag == tags::FloatPixelData) info.bits_allocated = 32;
    if (px->tag == tags::DoubleFloatPixelData) info.bits_allocated = 64;
    const uint64_t frames = std::max<uint64_t>(info.frames, 1);
    const uint64_t bits = info.frame_bits();
    if (bits && frames > (UINT64_MAX / bits)) return "Rows x Columns x Number of Frames overflows";
    const uint64_t need = (bits * frames + 7) / 8;
    if (px->value.size() < need)
        return "Pixel Data has " + std::to_string(px->value.size()) + " bytes of " + std::to_string(need) + " needed";
    return {};
}

}  // namespace

bool parse_byte_size(const std::string &v, uint64_t &out) {
    if (v.empty() || v[0] < '0' || v[0] > '9') return false;
    char *end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (errno) return false;
    unsigned shift = 0;
    const std::string suffix = end;
    if (suffix == "K" || suffix == "k") shift = 10;
    else if (suffix == "M" || suffix == "m") shift = 20;
    else if (suffix == "G" || suffix == "g") shift = 30;
    else if (suffix == "T" || suffix == "t") shift = 40;
    else if (!suffix.empty()) return false;
    if (shift && n > (UINT64_MAX >> shift)) return false;
    out = uint64_t(n) << shift;
    return true;
}

bool is_storable_uid(std::string_view uid, std::string *why) {
    return is_valid_uid(uid, why, /*allow_leading_zeros=*/true);
}

StoreCheck check_received_file(const std::string &path, const std::string &sop_class_uid,
                               const std::string &sop_instance_uid, uint64_t max_inflated) {
    StoreCheck c;
    try {
        ReadOptions opt;
        opt.map_file = true;  // values stay in the file: a 2 GB dataset is walked, not loaded
        opt.max_inflated_size = max_inflated;
        const DicomFile f = read_file(path, opt);
        const TransferSyntax ts = TransferSyntax::from_uid(f.transfer_syntax);
        const std::string problem = pixel_problem(f.dataset, ts);
        if (!problem.empty()) return {dimse::status::CannotUnderstand, problem};
        // The dataset must be the instance the command announced (PS3.4 B.2.3).
        if (!sop_class_uid.empty() && uid_value(f.dataset, tags::SOPClassUID) != sop_class_uid)
            return {dimse::status::DataSetDoesNotMatchSOPClass, "dataset SOP Class UID differs from Affected SOP Class UID"};
        if (!sop_instance_uid.empty() && uid_value(f.dataset, tags::SOPInstanceUID) != sop_instance_uid)
            return {dimse::status::DataSetDoesNotMatchSOPClass,
                    "dataset SOP Instance UID differs from Affected SOP Instance UID"};
    } catch (const Error &e) {
        // The comment goes to the peer: the problem, not where the file is.
        std::string what = about(e);
        const std::string where = " in '" + path + "'";
        if (what.size() >= where.size() && what.compare(what.size() - where.size(), where.size(), where) == 0)
            what.erase(what.size() - where.size());
        return {dimse::status::CannotUnderstand, what};
    }
    return c;
}

StorageFolder::Incoming StorageFolder::receive_to_temp(StoreRequest &rq) {
    Incoming in;
    in.sop_class_uid = rq.sop_class_uid;
    in.sop_instance_uid = rq.sop_instance_uid;
    in.log = &rq.assoc.config();
    const int dimse_ms = rq.assoc.config().timeouts.dimse_ms;
    // Refusals known before the dataset: it is still received (discarded), then answered.
    auto refuse = [&](uint16_t status, std::string comment, LogLevel level, const std::string &log) {
        rq.assoc.receive_dataset([](const uint8_t *, size_t) {}, dimse_ms);
        in.log->emit(level, log);
        in.status = status;
        in.error_comment = std::move(comment);
        return std::move(in);
    };
    std::string why;
    // The file is named after the UID: one that is not digits and dots could leave the folder.
    if (!is_storable_uid(rq.sop_instance_uid, &why))
        return refuse(dimse::status::InvalidSOPInstance, "invalid Affected SOP Instance UID: " + why, LogLevel::warning,
                      "refused an instance whose SOP Instance UID is " + why + " from " + rq.assoc.calling_ae());
    const uint64_t reserve = limits_.min_free_space, max_size = limits_.max_dataset_size;
    if (reserve && free_space() < reserve)
        return refuse(dimse::status::OutOfResources, "storage below its free space reserve", LogLevel::error,
                      "refused " + rq.sop_instance_uid + ": less than " + std::to_string(reserve) + " bytes free in '" +
                          folder_ + "'");
    std::string tmp = folder_ + "/.incoming-XXXXXX";
    in.fd = ::mkstemp(tmp.data());
    if (in.fd < 0) {
        // PS3.4 B.2.3: A7xx Refused: Out of Resources.
        const int err = errno;
        return refuse(dimse::status::OutOfResources, std::string("cannot create a file: ") + std::strerror(err),
                      LogLevel::error, "cannot create a file in '" + folder_ + "': " + std::strerror(err));
    }
    in.tmp = tmp;
    ::fchmod(in.fd, 0644);
    FdSink sink(in.fd);
    DicomFile header;
    header.meta.set_string(tags::MediaStorageSOPClassUID, rq.sop_class_uid, VR::UI);
    header.meta.set_string(tags::MediaStorageSOPInstanceUID, rq.sop_instance_uid, VR::UI);
    if (!rq.assoc.calling_ae().empty())
        header.meta.set_string(tags::SourceApplicationEntityTitle, rq.assoc.calling_ae(), VR::AE);
    write_part10_header(sink, header, rq.transfer_syntax);
    // A write error (a full disk), a dataset past the size limit or a file system below its reserve
    // stops the writing (what was written is freed at once); the rest of the dataset is drained.
    enum class Stop { none, too_large, low_space } stop = Stop::none;
    uint64_t received = 0, next_space_check = uint64_t(8) << 20;
    auto halt = [&](Stop why_stop) {
        stop = why_stop;
        if (::ftruncate(in.fd, 0) != 0) { /* unlinked below anyway */ }
    };
    rq.assoc.receive_dataset([&](const uint8_t *d, size_t n) {
        received += n;
        if (max_size && received > max_size) {
            if (stop == Stop::none) halt(Stop::too_large);
            // A dataset that goes on and on (or a hostile peer) is cut off: nothing more is read.
            if (received - max_size > std::max<uint64_t>(max_size, uint64_t(1) << 20))
                throw Error(Errc::aborted, "dataset of " + rq.sop_instance_uid + " from " + rq.assoc.calling_ae() +
                                               " is over twice the " + std::to_string(max_size) +
                                               "-byte limit: association aborted");
        }
        if (stop != Stop::none || sink.failed) return;
        if (reserve && received >= next_space_check) {
            next_space_check = received + (uint64_t(8) << 20);
            if (free_space() < reserve) return halt(Stop::low_space);
        }
        sink.write(d, n);
    }, dimse_ms);
    if (stop == Stop::too_large) {
        in.log->emit(LogLevel::warning, "refused " + rq.sop_instance_uid + ": dataset larger than " +
                                            std::to_string(max_size) + " bytes");
        in.status = dimse::status::OutOfResources;
        in.error_comment = "dataset larger than " + std::to_string(max_size) + " bytes";
    } else if (stop == Stop::low_space) {
        in.log->emit(LogLevel::error, "refused " + rq.sop_instance_uid + ": less than " + std::to_string(reserve) +
                                          " bytes free in '" + folder_ + "'");
        in.status = dimse::status::OutOfResources;
        in.error_comment = "storage below its free space reserve";
    } else if (sink.failed) {
        in.log->emit(LogLevel::error, "cannot store " + rq.sop_instance_uid + ": " + std::strerror(sink.error));
        in.status = dimse::status::OutOfResources;
        in.error_comment = std::string("cannot write: ") + std::strerror(sink.error);
    } else if (durability_ != Durability::none) {
        // Start writing the file back now, without waiting: with an asynchronous window the next
        // transfer runs meanwhile, and complete()'s fsync (or sync_all()) then has little left to
        // wait for.
        ::sync_file_range(in.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
    if (in.status != dimse::status::Success) {
        // No partial file stays behind a refusal, not even until the Incoming is dropped.
        ::close(in.fd);
        in.fd = -1;
        ::unlink(in.tmp.c_str());
        in.tmp.clear();
    }
    return in;
}

uint16_t StorageFolder::complete(Incoming &in, const std::function<uint16_t(const std::string &path)> &approve) {
    if (in.status != dimse::status::Success) return in.status;
    const int fd = in.fd;
    in.fd = -1;
    if ((durability_ == Durability::each_file && ::fsync(fd) != 0) || ::close(fd) != 0) {
        const int err = errno;
        in.log->emit(LogLevel::error, "cannot store " + in.sop_instance_uid + ": " + std::strerror(err));
        in.error_comment = std::string("cannot write: ") + std::strerror(err);
        return dimse::status::OutOfResources;
    }
    // The dataset must parse completely and be the instance the command announced (PS3.4 B.2.3).
    StoreCheck check = check_received_file(in.tmp, in.sop_class_uid, in.sop_instance_uid,
                                           limits_.max_dataset_size ? limits_.max_dataset_size : uint64_t(4) << 30);
    if (!check.ok()) {
        in.log->emit(LogLevel::warning, "refused " + in.sop_instance_uid + " (" + dimse::status_text(check.status) +
                                            "): " + check.comment);
        in.error_comment = std::move(check.comment);
        return check.status;
    }
    uint16_t status = dimse::status::Success;
    if (approve) {
        // The application sees the complete, checked file before it is kept; a failure status
        // drops it (~Incoming removes the temporary file).
        status = approve(in.tmp);
        const dimse::StatusKind kind = dimse::status_kind(status);
        if (kind != dimse::StatusKind::Success && kind != dimse::StatusKind::Warning) return status;
        if (!keep_) return status;
    }
    // The file name is the SOP Instance UID, checked by receive_to_temp: digits and dots only.
    if (!is_storable_uid(in.sop_instance_uid)) {
        in.error_comment = "invalid Affected SOP Instance UID";
        return dimse::status::InvalidSOPInstance;
    }
    const std::string final_path = path_for(in.sop_instance_uid);
    if (::rename(in.tmp.c_str(), final_path.c_str()) != 0) {
        const int err = errno;
        in.log->emit(LogLevel::error, "cannot store " + final_path + ": " + std::strerror(err));
        in.error_comment = std::string("cannot store: ") + std::strerror(err);
        return dimse::status::OutOfResources;
    }
    in.tmp.clear();  // committed
    return status;
}

uint64_t StorageFolder::free_space() const {
    struct statvfs sv {};
    if (::statvfs(folder_.c_str(), &sv) != 0) return UINT64_MAX;
    return uint64_t(sv.f_bavail) * uint64_t(sv.f_frsize);
}

size_t StorageFolder::remove_partial_files(std::chrono::seconds older_than) {
    size_t n = 0;
    DIR *d = ::opendir(folder_.c_str());
    if (!d) return 0;
    const time_t now = ::time(nullptr);
    while (const dirent *e = ::readdir(d)) {
        const std::string name = e->d_name, path = folder_ + "/" + name;
        if (name.rfind(".incoming-", 0) != 0) continue;
        struct stat sb {};
        if (older_than.count() > 0 && (::stat(path.c_str(), &sb) != 0 || now - sb.st_mtime < older_than.count()))
            continue;
        if (::unlink(path.c_str()) == 0) ++n;
    }
    ::closedir(d);
    return n;
}

void StorageFolder::sync_folder() {
    // Makes the renames durable (a power cut after Success must not lose the name).
    if (durability_ != Durability::each_file) return;
    int dfd = ::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

void StorageFolder::sync_all() {
    if (durability_ == Durability::each_file) return sync_folder();
    if (durability_ == Durability::none) return;
    const int dfd = ::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) throw Error(Errc::io, "cannot open folder '" + folder_ + "': " + std::strerror(errno));
    // One flush of the whole file system; since Linux 5.8 it also reports write-back errors.
    const int r = ::syncfs(dfd);
    const int err = errno;
    ::close(dfd);
    if (r != 0) throw Error(Errc::io, "cannot make the files in '" + folder_ + "' durable: " + std::strerror(err));
}

uint16_t StorageFolder::receive(StoreRequest &rq) {
    Incoming in = receive_to_temp(rq);
    const uint16_t st = complete(in);
    if (st == dimse::status::Success) sync_folder();
    else rq.error_comment = in.error_comment;
    return st;
}

namespace {

/// With an asynchronous operations window, C-STOREs into a StorageFolder are finished (fsync,
/// check, rename, folder fsync) and answered on this thread while the association's thread
/// receives the next ones; finishing in batches lets one folder fsync cover several files.
class StoreFinisher {
public:
    StoreFinisher(Association &assoc, StorageFolder &folder, size_t window)
        : assoc_(assoc), folder_(folder), window_(window), thread_([this] { run(); }) {}
    ~StoreFinisher() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            closing_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

    void push(uint8_t context_id, Dataset rq, StorageFolder::Incoming in) {
        std::unique_lock<std::mutex> lock(mu_);
        // A peer keeps at most `window` outstanding; a hostile one is held back here.
        space_.wait(lock, [&] { return jobs_.size() < window_ || failed_; });
        if (failed_) throw Error(Errc::network, "the association failed while answering a C-STORE");
        jobs_.push_back(Job{context_id, std::move(rq), std::move(in)});
        cv_.notify_one();
    }

private:
    struct Job {
        uint8_t context_id;
        Dataset rq;
        StorageFolder::Incoming in;
    };

    void run() {
        for (;;) {
            std::deque<Job> batch;
            {
                std::unique_lock<std::mutex> lock(mu_);
                cv_.wait(lock, [&] { return closing_ || !jobs_.empty(); });
                if (jobs_.empty()) return;
                batch.swap(jobs_);
            }
            space_.notify_all();
            std::vector<uint16_t> status;
            bool any_success = false;
            // The files of a batch are completed in parallel: their fsyncs then share the file
            // system's journal commits instead of waiting for one each.
            status.assign(batch.size(), dimse::status::Success);
            {
                std::vector<std::thread> helpers;
                for (size_t k = 1; k < batch.size(); ++k)
                    helpers.emplace_back([&, k] { status[k] = folder_.complete(batch[k].in); });
                status[0] = folder_.complete(batch[0].in);
                for (auto &t : helpers) t.join();
            }
            for (uint16_t st : status) any_success |= st == dimse::status::Success;
            if (any_success) folder_.sync_folder();
            for (size_t i = 0; i < batch.size(); ++i) {
                try {
                    Dataset rsp = dimse::response(batch[i].rq, dimse::C_STORE_RSP, status[i]);
                    if (status[i] != dimse::status::Success) dimse::set_error_comment(rsp, batch[i].in.error_comment);
                    assoc_.send_command(batch[i].context_id, std::move(rsp));
                } catch (const std::exception &e) {
                    std::lock_guard<std::mutex> lock(mu_);
                    failed_ = true;
                    space_.notify_all();
                    break;
                }
            }
        }
    }

    Association &assoc_;
    StorageFolder &folder_;
    size_t window_;
    std::mutex mu_;
    std::condition_variable cv_, space_;
    std::deque<Job> jobs_;
    bool closing_ = false, failed_ = false;
    std::thread thread_;
};

}  // namespace

bool serve_association(Association &assoc, ServiceHandlers &h) {
    const AeConfig &cfg = assoc.config();
    std::unique_ptr<StoreFinisher> finisher;
    if (h.storage && !h.on_store && assoc.max_operations_performed() > 1)
        finisher = std::make_unique<StoreFinisher>(assoc, *h.storage, assoc.max_operations_performed());
    // C-FIND, C-MOVE, C-GET and C-CANCEL (query.cpp); waits for its operation when this returns.
    QueryScp queries(assoc, h);
    for (;;) {
        // A handler may have seen the association end (Storage Commitment's report, sent after the
        // N-ACTION response, can meet the SCU's release).
        if (!assoc.established()) return false;
        std::optional<Command> cmd;
        try {
            cmd = assoc.receive_command(cfg.timeouts.idle_ms);
        } catch (const Error &e) {
            // A C-MOVE or C-FIND running on its own thread keeps the association busy: the peer is
            // waiting for its responses, not idle (it may still send a C-CANCEL).
            if (e.code() == Errc::timeout && queries.busy()) continue;
            throw;
        }
        if (!cmd) return true;  // released
        const PresentationContext *pc = assoc.context(cmd->context_id);
        const uint16_t field = cmd->command_field;
        if (cfg.logs(LogLevel::debug))
            cfg.emit(LogLevel::debug, std::string("received ") + dimse::command_name(field) + " on context " +
                                          std::to_string(cmd->context_id));
        switch (field) {
        case dimse::C_ECHO_RQ: {
            if (cmd->has_dataset) (void)assoc.receive_dataset(cfg.timeouts.dimse_ms);
            uint16_t st = h.on_echo ? h.on_echo(assoc, *cmd) : dimse::status::Success;
            assoc.send_command(cmd->context_id, dimse::response(cmd->fields, dimse::C_ECHO_RSP, st));
            break;
        }
        case dimse::C_STORE_RQ: {
            StoreRequest rq{assoc, *cmd, uid_value(cmd->fields, dimse::tag::AffectedSOPClassUID),
                            uid_value(cmd->fields, dimse::tag::AffectedSOPInstanceUID), pc->transfer_syntax};
            uint16_t st;
            if (!cmd->has_dataset) {
                st = dimse::status::CannotUnderstand;
                rq.error_comment = "C-STORE-RQ without a dataset";
            } else if (rq.sop_class_uid != pc->abstract_syntax) {
                // The command's SOP class must be the context's abstract syntax (PS3.7 9.1.1.1).
                assoc.receive_dataset([](const uint8_t *, size_t) {}, cfg.timeouts.dimse_ms);
                st = dimse::status::DataSetDoesNotMatchSOPClass;
                rq.error_comment = "Affected SOP Class UID is not the context's abstract syntax";
            } else if (h.on_store) {
                st = h.on_store(rq);
            } else if (finisher) {
                finisher->push(cmd->context_id, cmd->fields, h.storage->receive_to_temp(rq));
                break;  // answered by the finisher
            } else if (h.storage) {
                st = h.storage->receive(rq);
            } else {
                assoc.receive_dataset([](const uint8_t *, size_t) {}, cfg.timeouts.dimse_ms);
                st = dimse::status::OutOfResources;
            }
            if (cfg.logs(LogLevel::info))
                cfg.emit(LogLevel::info, "C-STORE " + rq.sop_instance_uid + " from " + assoc.calling_ae() + ": " +
                                             dimse::status_text(st) + (rq.error_comment.empty() ? "" : ": " + rq.error_comment));
            Dataset rsp = dimse::response(cmd->fields, dimse::C_STORE_RSP, st);
            if (st != dimse::status::Success) dimse::set_error_comment(rsp, rq.error_comment);
            assoc.send_command(cmd->context_id, std::move(rsp));
            break;
        }
        case dimse::C_FIND_RQ:
        case dimse::C_MOVE_RQ:
        case dimse::C_GET_RQ:
            queries.request(*cmd);
            break;
        case dimse::N_EVENT_REPORT_RQ:
        case dimse::N_GET_RQ:
        case dimse::N_SET_RQ:
        case dimse::N_ACTION_RQ:
        case dimse::N_CREATE_RQ:
        case dimse::N_DELETE_RQ: {
            // DIMSE-N (normalized.h): the handler registered for the context's SOP class.
            auto it = pc ? h.n_handlers.find(pc->abstract_syntax) : h.n_handlers.end();
            serve_n_request(assoc, *cmd, it != h.n_handlers.end() ? it->second : NHandler{});
            break;
        }
        default: {
            // PS3.7 C.5.10: an operation this SCP does not perform.
            if (cmd->has_dataset) assoc.receive_dataset([](const uint8_t *, size_t) {}, cfg.timeouts.dimse_ms);
            if (field & 0x8000) {  // a response nobody asked for
                assoc.abort(2, 5);
                throw Error(Errc::protocol, std::string("unexpected ") + dimse::command_name(field));
            }
            if (field == dimse::C_CANCEL_RQ) {
                queries.cancel(*cmd);
                break;
            }
            assoc.send_command(cmd->context_id, dimse::response(cmd->fields, uint16_t(field | 0x8000),
                                                                dimse::status::UnrecognizedOperation));
        }
        }
    }
}

}  // namespace dcmkit::net
