// dcmkit — decoding a dataset's frames, and transcoding pixel data between transfer syntaxes.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "codecs.h"
#include "dcmkit/dictionary.h"
#include "dcmkit/uid.h"

namespace dcmkit {

namespace {

const Element *pixel_data(const Dataset &ds) { return ds.find(tags::PixelData); }

std::string frame_prefix(uint64_t index) { return "frame " + std::to_string(index) + ": "; }

/// Rethrows an Error with "frame N: " before its message, keeping its kind.
[[noreturn]] void rethrow_for_frame(const Error &e, uint64_t index) {
    throw Error(e.code(), frame_prefix(index) + e.message(), e.offset(), e.tag());
}

/// Planar configuration 1 (RRR…GGG…BBB…) to 0 (RGBRGB…) for one frame.
void interleave(const uint8_t *in, uint8_t *out, const PixelInfo &info) {
    const size_t bps = info.bits_allocated / 8, plane = size_t(info.rows) * info.columns, spp = info.samples_per_pixel;
    for (size_t k = 0; k < spp; ++k) {
        const uint8_t *src = in + k * plane * bps;
        for (size_t p = 0; p < plane; ++p) std::memcpy(out + (p * spp + k) * bps, src + p * bps, bps);
    }
}

/// Runs job(i) for i in [0, n) on up to `threads` threads. On failure the exception rethrown is the
/// one of the lowest i that failed, as a loop in order would report it, whatever the threads' timing:
/// jobs below the lowest failure so far still run, jobs above it are skipped.
template <class Job>
void parallel_for(uint64_t n, unsigned threads, Job job) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = unsigned(std::min<uint64_t>(threads, n));
    if (threads <= 1) {
        for (uint64_t i = 0; i < n; ++i) job(i);
        return;
    }
    std::atomic<uint64_t> next{0};
    std::atomic<uint64_t> lowest_failure{n};
    std::exception_ptr first;
    std::mutex m;
    auto worker = [&] {
        codecs::t_frame_worker = true;  // the frames are the unit of work: no codec splits one
        struct Reset {
            ~Reset() { codecs::t_frame_worker = false; }
        } reset;
        for (;;) {
            const uint64_t i = next++;
            if (i >= n || i > lowest_failure) return;
            try {
                job(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(m);
                if (i < lowest_failure) {
                    first = std::current_exception();
                    lowest_failure = i;
                }
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto &t : pool) t.join();
    if (first) std::rethrow_exception(first);
}

/// PS3.3 C.7.6.3.1.2: native YBR_FULL_422 stores each two horizontally adjacent pixels as
/// Y1 Y2 Cb Cr; upsampled to YBR_FULL (Y1 Cb Cr Y2 Cb Cr), as pydicom's pixel_array does, the pairs
/// taken in pixel order through the frame. Needs an even pixel count.
void upsample_ybr_full_422(const uint8_t *in, uint8_t *out, const PixelInfo &info) {
    const size_t bps = info.bits_allocated / 8, pixels = size_t(info.rows) * info.columns;
    for (size_t pair = 0; pair < pixels / 2; ++pair) {
        const uint8_t *y1 = in + 4 * pair * bps, *y2 = y1 + bps, *cb = y1 + 2 * bps, *cr = y1 + 3 * bps;
        uint8_t *o = out + 6 * pair * bps;
        for (const uint8_t *s : {y1, cb, cr, y2, cb, cr}) {
            std::memcpy(o, s, bps);
            o += bps;
        }
    }
}

/// Decodes frame `index` into `out` (info.frame_bytes() bytes).
FrameLayout decode_into(const Dataset &ds, const TransferSyntax &ts, const PixelInfo &info, uint64_t index,
                        uint8_t *out) {
    const Codec *codec = ts.encapsulated ? find_codec(ts.uid) : nullptr;
    if (ts.encapsulated && !codec)
        throw Error(Errc::unsupported, "no codec for transfer syntax " + std::string(ts.name.empty() ? ts.uid : ts.name));
    try {
        const Bytes frame = frame_bytes(ds, index);
        if (codec) return codec->decode(info, frame.data(), frame.size(), out, size_t(info.frame_bytes()));
        if (info.native_subsampled()) {
            if ((uint64_t(info.rows) * info.columns) % 2)
                throw Error(Errc::bad_value, "YBR_FULL_422 with an odd number of pixels (" + std::to_string(info.columns) +
                                                 "x" + std::to_string(info.rows) + ") cannot pair them");
            upsample_ybr_full_422(frame.data(), out, info);
            FrameLayout layout;
            layout.photometric = "YBR_FULL";
            return layout;
        }
        if (frame.size() < info.frame_bytes())
            throw Error(Errc::truncated, "pixel data holds " + std::to_string(frame.size()) + " bytes of a " +
                                             std::to_string(info.frame_bytes()) + "-byte frame");
        if (info.samples_per_pixel > 1 && info.planar_configuration == 1 && info.bits_allocated % 8 == 0)
            interleave(frame.data(), out, info);
        else
            std::memcpy(out, frame.data(), size_t(info.frame_bytes()));
        return {};
    } catch (const Error &e) {
        rethrow_for_frame(e, index);
    }
}

PixelInfo checked_info(const Dataset &ds) {
    PixelInfo info = PixelInfo::from(ds);
    if (ds.find(tags::FloatPixelData) || ds.find(tags::DoubleFloatPixelData))
        throw Error(Errc::unsupported, "float pixel data has no compressed transfer syntax");
    return info;
}

std::string format_ratio(double r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", r);  // DS: at most 16 characters
    return buf;
}

void append_value(Dataset &ds, Tag tag, VR vr, const std::string &value) {
    std::vector<std::string> values;
    if (ds.find(tag)) values = ds.get_strings(tag);
    values.push_back(value);
    ds.set_strings(tag, values, vr);
}

bool always_lossy(std::string_view uid) { return uid == codecs::kJpegBaseline || uid == codecs::kJpegExtended; }

}  // namespace

std::vector<uint8_t> decode_frame(const Dataset &ds, std::string_view transfer_syntax, uint64_t index,
                                  FrameLayout *layout) {
    const PixelInfo info = checked_info(ds);
    if (index >= info.frames)
        throw Error(Errc::invalid_argument, "frame " + std::to_string(index) + " of " + std::to_string(info.frames));
    if (info.bits_allocated % 8)
        throw Error(Errc::unsupported, "frames of 1-bit pixel data are read with frame_bytes()");
    std::vector<uint8_t> out(size_t(info.frame_bytes()));
    FrameLayout l = decode_into(ds, TransferSyntax::from_uid(transfer_syntax), info, index, out.data());
    if (layout) *layout = l;
    return out;
}

void transcode(DicomFile &file, std::string_view target_uid, const TranscodeOptions &options) {
    const TransferSyntax from = file.syntax();
    const TransferSyntax to = TransferSyntax::from_uid(target_uid);
    if (!to.known) throw Error(Errc::invalid_argument, "unknown transfer syntax " + std::string(target_uid));
    const Element *pd = pixel_data(file.dataset);
    const bool same_pixels = from.encapsulated == to.encapsulated && (!to.encapsulated || from.uid == to.uid);
    if (!pd || same_pixels) {
        // Only the dataset's encoding changes (or nothing at all): the writer does it.
        file.transfer_syntax = std::string(to.uid);
        return;
    }
    const PixelInfo info = checked_info(file.dataset);
    if (info.bits_allocated % 8)
        throw Error(Errc::unsupported, "1-bit pixel data has no compressed transfer syntax");

    const Codec *encoder = to.encapsulated ? find_codec(to.uid) : nullptr;
    if (to.encapsulated && !encoder)
        throw Error(Errc::unsupported, "no codec for transfer syntax " + std::string(to.name));
    const bool was_lossy = file.dataset.get_string_or(Tag(0x0028, 0x2110), "") == "01" || always_lossy(from.uid);
    if (encoder && was_lossy && encoder->lossless_only() && !options.lossy_to_lossless)
        throw Error(Errc::invalid_argument,
                    "the pixel data was lossy compressed; re-encoding it as " + std::string(to.name) +
                        " would present it as lossless (ask for lossy-to-lossless to do it anyway)");

    // What the frames look like once decoded (native, interleaved).
    PixelInfo native = info;
    native.planar_configuration = 0;
    const uint64_t frames = info.frames;
    const size_t frame_size = size_t(info.frame_bytes());
    std::vector<FrameLayout> decoded_layout(frames);
    std::vector<std::vector<uint8_t>> encoded(encoder ? frames : 0);
    std::vector<FrameLayout> encoded_layout(encoder ? frames : 0);
    std::vector<uint8_t> raw(encoder ? 0 : size_t(frames) * frame_size);
    std::atomic<uint64_t> done{0};
    std::mutex progress_mutex;

    // Encoding needs the decoded photometric interpretation first (JPEG baseline YBR_FULL_422 becomes
    // RGB): decode frame 0 on its own, then the rest in parallel.
    // Decoding only: frame 0 goes straight to its place in the new Pixel Data.
    std::vector<uint8_t> first(encoder ? frame_size : 0);
    uint8_t *const first_dst = encoder ? first.data() : raw.data();
    decoded_layout[0] = decode_into(file.dataset, from, info, 0, first_dst);
    if (!decoded_layout[0].photometric.empty()) native.photometric_interpretation = decoded_layout[0].photometric;
    if (encoder) {
        std::string why;
        if (!encoder->can_encode(native, options.encode, &why))
            throw Error(Errc::unsupported, std::string(to.name) + " cannot encode this image: " + why);
    }

    parallel_for(frames, options.threads, [&](uint64_t i) {
        std::vector<uint8_t> scratch;
        uint8_t *dst;
        if (encoder) {
            if (i == 0) {
                dst = first.data();
            } else {
                scratch.resize(frame_size);
                dst = scratch.data();
            }
        } else {
            dst = raw.data() + size_t(i) * frame_size;
        }
        if (i != 0) {
            decoded_layout[i] = decode_into(file.dataset, from, info, i, dst);
            if (decoded_layout[i].photometric != decoded_layout[0].photometric)
                throw Error(Errc::malformed, frame_prefix(i) + "decodes to " + decoded_layout[i].photometric +
                                                 ", frame 0 to " + decoded_layout[0].photometric);
        }
        if (encoder) {
            try {
                encoded[i] = encoder->encode(native, dst, frame_size, options.encode, encoded_layout[i]);
            } catch (const Error &e) {
                rethrow_for_frame(e, i);
            }
            if (encoded[i].size() % 2) encoded[i].push_back(0);
        }
        const uint64_t n = ++done;
        if (options.progress) {
            std::lock_guard<std::mutex> lock(progress_mutex);
            options.progress(n, frames);
        }
    });

    // Warnings of the decoders, each distinct one once, with the first frame that had it.
    if (options.warning) {
        std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> seen;  // text, (first frame, count)
        for (uint64_t i = 0; i < frames; ++i)
            for (const std::string &w : decoded_layout[i].warnings) {
                auto it = std::find_if(seen.begin(), seen.end(), [&](const auto &s) { return s.first == w; });
                if (it == seen.end()) seen.push_back({w, {i, 1}});
                else ++it->second.second;
            }
        for (const auto &[text, where] : seen)
            options.warning(frame_prefix(where.first) + text +
                            (where.second > 1 ? " (and " + std::to_string(where.second - 1) + " more frames)" : ""));
    }

    // Every check passed: now change the file.
    Dataset &ds = file.dataset;
    std::string photometric = native.photometric_interpretation;
    if (encoder && !encoded_layout[0].photometric.empty()) photometric = encoded_layout[0].photometric;
    if (!photometric.empty()) ds.set_string(Tag(0x0028, 0x0004), photometric, VR::CS);
    if (info.samples_per_pixel > 1) ds.set_int(Tag(0x0028, 0x0006), 0, VR::US);
    ds.remove(tags::ExtendedOffsetTable);
    ds.remove(tags::ExtendedOffsetTableLengths);

    if (!encoder) {
        if (raw.size() % 2) raw.push_back(0);
        ds.set_bytes(tags::PixelData, info.bits_allocated > 8 ? VR::OW : VR::OB, Bytes(std::move(raw)));
    } else {
        uint64_t total = 0;
        for (const auto &f : encoded) total += 8 + f.size();
        const bool extended = options.extended_offset_table || total > 0xFFFFFFFFull;
        std::vector<uint8_t> table;
        std::vector<uint8_t> eot, eot_lengths;
        uint64_t offset = 0;
        for (const auto &f : encoded) {
            if (extended) {
                for (int b = 0; b < 8; ++b) eot.push_back(uint8_t(offset >> (8 * b)));
                for (int b = 0; b < 8; ++b) eot_lengths.push_back(uint8_t(uint64_t(f.size()) >> (8 * b)));
            } else {
                for (int b = 0; b < 4; ++b) table.push_back(uint8_t(offset >> (8 * b)));
            }
            offset += 8 + f.size();
        }
        Element e(tags::PixelData, VR::OB);
        e.undefined_length = true;
        e.fragments.emplace_back(std::move(table));
        for (auto &f : encoded) e.fragments.emplace_back(std::move(f));
        ds.set(std::move(e));
        if (extended) {
            ds.set_bytes(tags::ExtendedOffsetTable, VR::OV, Bytes(std::move(eot)));
            ds.set_bytes(tags::ExtendedOffsetTableLengths, VR::OV, Bytes(std::move(eot_lengths)));
        }
        if (encoded_layout[0].lossy) {
            // PS3.3 C.7.6.1.1.5: once lossy, always "01"; each lossy step appends its ratio and method.
            double compressed = 0;
            for (size_t k = 1; k < ds.find(tags::PixelData)->fragments.size(); ++k)
                compressed += double(ds.find(tags::PixelData)->fragments[k].size());
            const double ratio = compressed > 0 ? double(frame_size) * double(frames) / compressed : 0;
            ds.set_string(Tag(0x0028, 0x2110), "01", VR::CS);
            append_value(ds, Tag(0x0028, 0x2112), VR::DS, format_ratio(ratio));
            append_value(ds, Tag(0x0028, 0x2114), VR::CS, encoded_layout[0].lossy_method);
            if (options.new_uid_when_lossy) {
                ds.set_string(tags::SOPInstanceUID, generate_uid(), VR::UI);
                if (ds.find(Tag(0x0008, 0x0008))) {
                    std::vector<std::string> type = ds.get_strings(Tag(0x0008, 0x0008));
                    if (!type.empty()) type[0] = "DERIVED";
                    ds.set_strings(Tag(0x0008, 0x0008), type, VR::CS);
                }
            }
        } else if (was_lossy) {
            ds.set_string(Tag(0x0028, 0x2110), "01", VR::CS);
        }
    }
    if (was_lossy && !ds.find(Tag(0x0028, 0x2110))) ds.set_string(Tag(0x0028, 0x2110), "01", VR::CS);
    file.transfer_syntax = std::string(to.uid);
}

}  // namespace dcmkit
