// dcmkit — WADO-RS frames and rendered resources (archive_web.h, PS3.18 10.4): frames in any syntax
// the codecs encode (PS3.18 8.7.3.3, Table 8.7.3-5), sent as stored when they are stored in it, else
// decoded and encoded one frame at a time; rendered studies, series, instances and frames, and
// their thumbnails.
#include "web_http.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "dcmkit/error.h"
#include "dcmkit/pixel.h"
#include "dcmkit/transcoder.h"

namespace dcmkit::archive::web {

namespace {

constexpr const char *kExplicitLE = "1.2.840.10008.1.2.1";

/// A frame media type and its transfer syntaxes, the default (RESTful "D") first (PS3.18 Table
/// 8.7.3-4 and 8.7.3-5; image/jphc as Supplement 235 adds it; image/x-dicom-rle as older editions name RLE).
struct FrameType {
    const char *media;
    std::vector<std::string> syntaxes;
};

const std::vector<FrameType> &frame_types() {
    static const std::vector<FrameType> types = {
        {"application/octet-stream", {kExplicitLE}},
        {"image/jpeg",
         {"1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57"}},
        {"image/dicom-rle", {"1.2.840.10008.1.2.5"}},
        {"image/x-dicom-rle", {"1.2.840.10008.1.2.5"}},
        {"image/jls", {"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"}},
        {"image/jp2", {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"}},
        {"image/jphc", {"1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"}},
    };
    return types;
}

const FrameType *frame_type(const std::string &media) {
    for (const FrameType &t : frame_types())
        if (media == t.media) return &t;
    return nullptr;
}

bool has(const std::vector<std::string> &v, const std::string &s) { return std::find(v.begin(), v.end(), s) != v.end(); }

/// Syntaxes that lose information (PS3.5 Annex A): JPEG baseline/extended, JPEG-LS near-lossless,
/// JPEG 2000 and HTJ2K (not their lossless-only variants).
bool lossy_syntax(const std::string &ts) {
    return ts == "1.2.840.10008.1.2.4.50" || ts == "1.2.840.10008.1.2.4.51" || ts == "1.2.840.10008.1.2.4.81" ||
           ts == "1.2.840.10008.1.2.4.91" || ts == "1.2.840.10008.1.2.4.203";
}

/// How the frames will be sent: each part's media type and transfer syntax.
struct FramePlan {
    std::string media, ts;
    bool multipart = true;
};

/// What one Accept media range asks of the frames of an instance stored in `stored`; false with
/// `why` when it names nothing we serve. Without a transfer-syntax parameter the media type's
/// default (lossless) syntax is used, unless the pixel data is lossy already and stored in one of the
/// media type's syntaxes (PS3.18 8.7.3.3: the server may then return what it has); a lossy syntax
/// only when named; transfer-syntax=* is the stored syntax when the media type has it.
bool plan_from(const http::MediaType &range, size_t frames, const std::string &stored, bool lossy_original,
               FramePlan &plan, std::string &why) {
    std::string media, ts;
    plan.multipart = true;
    if (range.type == "multipart/related") {
        const std::string inner = range.param("type", "application/octet-stream");
        http::MediaType t;
        if (inner == "*" || inner == "*/*") {
            media = "*";
        } else if (http::parse_media_type(inner, t)) {
            media = t.type;
            ts = t.param("transfer-syntax");
        } else {
            why = "type=\"" + inner + "\" is not a media type";
            return false;
        }
        ts = range.param("transfer-syntax", ts);
    } else if (range.type == "*/*" || range.type == "multipart/*") {
        ts = range.param("transfer-syntax");
        media = ts == "*" ? "*" : "application/octet-stream";
    } else {
        media = range.type;
        ts = range.param("transfer-syntax");
        plan.multipart = false;
        if (frames != 1) {
            why = media + " alone holds one frame (several are multipart/related; type=\"" + media + "\")";
            return false;
        }
    }
    if (media == "*") {  // as stored, in the stored syntax's media type
        for (const FrameType &t : frame_types())
            if (has(t.syntaxes, stored)) {
                plan.media = t.media;
                plan.ts = stored;
                return true;
            }
        plan.media = "application/octet-stream";  // native, or a syntax without a frame media type: decoded
        plan.ts = kExplicitLE;
        return true;
    }
    const FrameType *type = frame_type(media);
    if (!type) {
        why = media + " is not a frame media type served here";
        return false;
    }
    plan.media = media;
    if (ts.empty() || ts == "*") {
        const bool stored_fits = has(type->syntaxes, stored);
        plan.ts = stored_fits && (ts == "*" || lossy_original) ? stored : type->syntaxes.front();
        return true;
    }
    if (!has(type->syntaxes, ts)) {
        why = "transfer syntax " + ts + " is not one of " + media + " (PS3.18 Table 8.7.3-5)";
        return false;
    }
    plan.ts = ts;
    return true;
}

/// Frame `index` (from 0) of `file` alone, with the Image Pixel attributes that describe it: a
/// one-frame image the transcoder can decode or re-encode without touching the other frames.
DicomFile one_frame(const DicomFile &file, uint64_t index) {
    DicomFile out;
    out.transfer_syntax = file.transfer_syntax;
    for (uint16_t e : {0x0002, 0x0004, 0x0006, 0x0010, 0x0011, 0x0100, 0x0101, 0x0102, 0x0103, 0x2110, 0x2112, 0x2114})
        if (const Element *el = file.dataset.find(Tag(0x0028, e))) out.dataset.set(*el);
    for (Tag t : {tags::SOPClassUID, tags::SOPInstanceUID})
        if (const Element *el = file.dataset.find(t)) out.dataset.set(*el);
    const Element *px = file.dataset.find(tags::PixelData);
    Bytes frame = frame_bytes(file.dataset, index);
    if (px->is_encapsulated()) {
        Element e(tags::PixelData, VR::OB);
        e.undefined_length = true;
        e.fragments.emplace_back();  // an empty Basic Offset Table: one frame
        e.fragments.push_back(std::move(frame));
        out.dataset.set(std::move(e));
    } else {
        out.dataset.set_bytes(tags::PixelData, px->vr, std::move(frame));
    }
    return out;
}

/// Frame `index` (from 0) of `file` in `ts`: the stored bytes when it is stored so (the compressed
/// bitstream without fragment delimiters, PS3.18 8.7.3.3.2; native frames little endian), else
/// decoded and, for an encapsulated `ts`, encoded again. Throws Error.
std::string frame_in(const DicomFile &file, uint64_t index, const std::string &ts) {
    const TransferSyntax stored = file.syntax();
    if ((stored.encapsulated && ts == file.transfer_syntax) || (!stored.encapsulated && ts == kExplicitLE))
        return std::string(frame_bytes(file.dataset, index).str());
    DicomFile one = one_frame(file, index);
    transcode_pixels(one, ts);
    return std::string(frame_bytes(one.dataset, 0).str());
}

bool lossy(const DicomFile &file) {
    return lossy_syntax(file.transfer_syntax) || file.dataset.get_string_or(Tag(0x0028, 0x2110), "") == "01";
}

}  // namespace

/// Frame numbers from "1,2,3" (from 1), each checked against the instance's frames by the caller.
std::vector<uint64_t> frame_list(const std::string &text) {
    std::vector<uint64_t> out;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && text[i] != ',' && text[i] != '%') continue;
        const std::string n = text.substr(start, i - start);
        start = i + 1;
        if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos || std::stoul(n) == 0)
            throw HttpError{400, "a frame list is numbers from 1, separated by commas: '" + text + "'"};
        out.push_back(std::stoul(n));
    }
    return out;
}

/// Frames in the best media type and transfer syntax Accept names that we can produce: as stored
/// when stored in it, else decoded and encoded one frame at a time while they are sent.
void retrieve_frames(Request &rq, const FileRef &f, const std::string &list) {
    const std::vector<uint64_t> frames = frame_list(list);
    const DicomFile file = load(f);
    if (!file.dataset.contains(tags::PixelData) && !file.dataset.contains(tags::FloatPixelData) &&
        !file.dataset.contains(tags::DoubleFloatPixelData))
        throw HttpError{404, f.sop_instance_uid + " has no pixel data"};
    const uint64_t count = frame_count(file.dataset);
    for (uint64_t n : frames)
        if (n > count)
            throw HttpError{404, "frame " + std::to_string(n) + " is past the " + std::to_string(count) +
                                     " frame(s) of " + f.sop_instance_uid};
    // The first frame is produced for each acceptable range in turn, best first: the first that
    // works is the plan (a syntax no codec encodes this image in, or a lossy original asked for in
    // a lossless syntax, goes on to the next), so that nothing producible is a 406 and not a cut stream.
    const bool lossy_original = lossy(file);
    std::vector<std::string> reasons;
    FramePlan plan;
    std::string first;
    bool found = false;
    for (const http::MediaType &m : http::parse_accept(rq.header("Accept"))) {
        std::string why;
        if (!plan_from(m, frames.size(), file.transfer_syntax, lossy_original, plan, why)) {
            reasons.push_back(why);
            continue;
        }
        try {
            first = frame_in(file, frames[0] - 1, plan.ts);
        } catch (const Error &e) {
            if (e.code() != Errc::unsupported && e.code() != Errc::invalid_argument)
                throw HttpError{500, "cannot read frame " + std::to_string(frames[0]) + " of " + f.sop_instance_uid +
                                         ": " + e.message()};
            reasons.push_back(plan.media + " in " + plan.ts + ": " + e.message());
            continue;
        }
        found = true;
        break;
    }
    if (!found) {
        std::string text = "none of the frame media types Accept names can be produced from " + f.sop_instance_uid +
                           " (stored in " + file.transfer_syntax + ")";
        for (const std::string &r : reasons) text += "; " + r;
        throw HttpError{406, text};
    }
    const std::string part_type = plan.media + "; transfer-syntax=" + plan.ts;
    if (!plan.multipart) {
        send(rq.conn, 200, part_type, first);
        return;
    }
    const std::string boundary = http::make_boundary();
    Stream out(rq.conn, 200, "multipart/related; type=\"" + plan.media + "\"; boundary=" + boundary);
    http::MultipartWriter w(boundary, [&](const char *d, size_t n) { out.write(d, n); });
    for (size_t i = 0; i < frames.size(); ++i) {
        // One frame in memory at a time; a failure past the first cuts the response (logged by the caller).
        const std::string bytes = i == 0 ? std::move(first) : frame_in(file, frames[i] - 1, plan.ts);
        w.begin_part({{"Content-Type", part_type}});
        w.write(bytes);
    }
    w.finish();
    out.finish();
}

// -- Rendered resources (PS3.18 10.4.1.1.3, 10.4.1.1.4) ------------------------------------------

int to_int(const std::string &s, int lo, int hi, const char *what) {
    char *end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end || v < lo || v > hi)
        throw HttpError{400, std::string(what) + " takes a number from " + std::to_string(lo) + " to " + std::to_string(hi)};
    return int(v);
}

double to_double(const std::string &s, const char *what) {
    char *end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end) throw HttpError{400, std::string(what) + " takes a number"};
    return v;
}

namespace {

/// Renders one frame of a loaded instance.
std::string render(Context &ctx, const DicomFile &file, const FileRef &f, const RenderRequest &r) {
    try {
        return ctx.options.render(file, r);
    } catch (const Error &e) {
        throw HttpError{e.code() == Errc::unsupported ? 406 : 500, "cannot render " + f.sop_instance_uid + ": " + e.message()};
    }
}

/// Rendered media type from Accept: image/jpeg (default, also for */* and image/*) or image/png,
/// alone or as the type of multipart/related.
std::string rendered_type(const std::string &accept) {
    for (const http::MediaType &m : http::parse_accept(accept)) {
        http::MediaType t = m;
        if (m.type == "multipart/related" && !http::parse_media_type(m.param("type", "image/jpeg"), t)) continue;
        if (t.type == "image/png") return "image/png";
        if (t.covers("image/jpeg")) return "image/jpeg";
    }
    throw HttpError{406, "rendered images are image/jpeg or image/png"};
}

/// The rendering parameters of a rendered or thumbnail request (PS3.18 8.3.5): window, viewport,
/// quality; thumbnails default to a 128x128 viewport.
RenderRequest render_request(Request &rq, bool thumbnail) {
    RenderRequest r;
    r.media_type = rendered_type(rq.header("Accept"));
    if (thumbnail) r.viewport_width = r.viewport_height = 128;
    if (rq.has("quality")) r.quality = to_int(rq.value("quality"), 1, 100, "quality");
    if (rq.has("viewport")) {
        const std::string v = rq.value("viewport");
        const size_t c = v.find(',');
        if (c == std::string::npos) throw HttpError{400, "viewport takes WIDTH,HEIGHT"};
        r.viewport_width = uint32_t(to_int(v.substr(0, c), 1, 16384, "viewport"));
        r.viewport_height = uint32_t(to_int(v.substr(c + 1), 1, 16384, "viewport"));
    }
    if (rq.has("window")) {
        const std::string v = rq.value("window");
        const size_t c = v.find(',');
        if (c == std::string::npos) throw HttpError{400, "window takes CENTER,WIDTH[,FUNCTION]"};
        const size_t c2 = v.find(',', c + 1);
        r.window_center = to_double(v.substr(0, c), "window");
        r.window_width = to_double(v.substr(c + 1, c2 == std::string::npos ? std::string::npos : c2 - c - 1), "window");
        if (*r.window_width <= 0) throw HttpError{400, "the window width must be positive"};
    }
    return r;
}

/// An image of a study or series, in the order it is rendered.
struct ImageRef {
    size_t file;  // index in the files
    int64_t series_number, series_rank, instance_number;
    uint64_t frames;
};

/// The instances of `files` that have pixel data, by Series Number (series in the index's order
/// on ties or without one), then Instance Number (the index's order on ties). Each file is read
/// for its attributes only (pixel data stays unread in the file's map).
std::vector<ImageRef> images_of(const std::vector<FileRef> &files) {
    std::vector<ImageRef> out;
    std::vector<std::string> series;
    for (size_t i = 0; i < files.size(); ++i) {
        const DicomFile d = load(files[i]);
        const Dataset &ds = d.dataset;
        if (!ds.contains(tags::PixelData)) continue;
        const std::string uid = ds.get_string_or(tags::SeriesInstanceUID, "");
        auto it = std::find(series.begin(), series.end(), uid);
        if (it == series.end()) it = series.insert(series.end(), uid);
        out.push_back({i, ds.get_int_opt(Tag(0x0020, 0x0011)).value_or(INT64_MAX), int64_t(it - series.begin()),
                       ds.get_int_opt(Tag(0x0020, 0x0013)).value_or(INT64_MAX), frame_count(ds)});
    }
    std::stable_sort(out.begin(), out.end(), [](const ImageRef &a, const ImageRef &b) {
        if (a.series_number != b.series_number) return a.series_number < b.series_number;
        if (a.series_rank != b.series_rank) return a.series_rank < b.series_rank;
        return a.instance_number < b.instance_number;
    });
    return out;
}

}  // namespace

/// Renders and sends one frame.
void send_rendered(Context &ctx, Request &rq, const FileRef &f, RenderRequest r) {
    if (!ctx.options.render) throw HttpError{406, "this server renders no images"};
    DicomFile file = load(f);
    if (!file.dataset.contains(tags::PixelData)) throw HttpError{404, f.sop_instance_uid + " has no pixel data"};
    const uint64_t count = frame_count(file.dataset);
    if (r.frame >= count)
        throw HttpError{404, "frame " + std::to_string(r.frame + 1) + " is past the " + std::to_string(count) + " frame(s)"};
    send(rq.conn, 200, r.media_type, render(ctx, file, f, r));
}

void retrieve_rendered(Context &ctx, Request &rq, const FileRef &f, uint64_t frame, bool thumbnail) {
    RenderRequest r = render_request(rq, thumbnail);
    r.frame = frame;
    send_rendered(ctx, rq, f, r);
}

void retrieve_rendered_set(Context &ctx, Request &rq, const std::vector<FileRef> &files, bool thumbnail) {
    if (!ctx.options.render) throw HttpError{406, "this server renders no images"};
    const RenderRequest request = render_request(rq, thumbnail);
    const std::vector<ImageRef> images = images_of(files);
    if (images.empty())
        throw HttpError{406, "none of the " + std::to_string(files.size()) +
                                 " instance(s) has pixel data to render as " + request.media_type};
    if (thumbnail) {
        // One representative image (PS3.18 10.4.3.3.4): the middle frame of the middle image.
        const ImageRef &mid = images[(images.size() - 1) / 2];
        RenderRequest r = request;
        r.frame = (mid.frames - 1) / 2;
        send_rendered(ctx, rq, files[mid.file], r);
        return;
    }
    // Every frame of every image, one part each, one image in memory at a time; the first is
    // rendered before the response starts, so that an image we cannot render is an error status.
    std::string image;
    {
        const FileRef &f = files[images[0].file];
        RenderRequest r = request;
        image = render(ctx, load(f), f, r);
    }
    const std::string boundary = http::make_boundary();
    Stream out(rq.conn, 200, "multipart/related; type=\"" + request.media_type + "\"; boundary=" + boundary);
    http::MultipartWriter w(boundary, [&](const char *d, size_t n) { out.write(d, n); });
    for (size_t k = 0; k < images.size(); ++k) {
        const FileRef &f = files[images[k].file];
        const DicomFile file = load(f);
        for (uint64_t frame = 0; frame < images[k].frames; ++frame) {
            if (k != 0 || frame != 0) {
                RenderRequest r = request;
                r.frame = frame;
                image = render(ctx, file, f, r);  // a failure here cuts the response (logged by the caller)
            }
            w.begin_part({{"Content-Type", request.media_type}});
            w.write(image);
            image.clear();
        }
    }
    w.finish();
    out.finish();
}

}  // namespace dcmkit::archive::web
