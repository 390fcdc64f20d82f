// dcmkit — native HTJ2K decoder: from a codestream to the frame. Per tile: packets (t2.cpp),
// code-blocks (block.cpp) with dequantisation (15444-1 E.1: reversible, the bit-plane shift only;
// irreversible, the scalar step Δb), inverse wavelet (dwt.cpp), inverse RCT or ICT (G.2, G.3), DC
// level shift (G.1), then the samples go to the frame exactly as the OpenJPEG path writes them
// (j2k.cpp): clamped to the component's range, then to Bits Stored, little-endian, interleaved.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "codecs.h"
#include "dcmkit/bytes.h"
#include "tile.h"

namespace dcmkit::codecs::ht {

namespace {

/// Decodes code-block `blk` of `band` into `ibuf` (reversible) or `fbuf` (irreversible): it writes
/// its own rectangle of the buffer only.
void decode_block(const Band &band, const Block &blk, int32_t *ibuf, float *fbuf, size_t stride, Scratch &s,
          std::vector<int32_t> &cb) {
    const uint32_t w = uint32_t(blk.x1 - blk.x0), h = uint32_t(blk.y1 - blk.y0);
    if (w == 0 || h == 0) return;
    if (!blk.included) {  // no contribution: zeros (the buffers are not cleared beforehand)
        const size_t ox = size_t(band.ox + blk.x0 - band.rect.x0), oy = size_t(band.oy + blk.y0 - band.rect.y0);
        for (uint32_t y = 0; y < h; ++y) {
            if (ibuf) std::fill_n(ibuf + (oy + y) * stride + ox, w, 0);
            else std::fill_n(fbuf + (oy + y) * stride + ox, w, 0.0f);
        }
        return;
    }
    if (blk.passes > 1) unsupported("HT SigProp and MagRef passes");
    const uint32_t p = band.mb - 1 - std::min<uint32_t>(blk.zero_planes, band.mb - 1);
    const size_t ox = size_t(band.ox + blk.x0 - band.rect.x0), oy = size_t(band.oy + blk.y0 - band.rect.y0);
    if (ibuf && p == 0) {  // lossless: the magnitudes are the coefficients
        decode_cleanup(blk.data, blk.len, w, h, blk.zero_planes, band.mb, ibuf + oy * stride + ox, stride, s);
        return;
    }
    cb.resize(size_t(w) * h);
    decode_cleanup(blk.data, blk.len, w, h, blk.zero_planes, band.mb, cb.data(), w, s);
    if (ibuf) {
        const int32_t half = p > 0 ? int32_t(1) << (p - 1) : 0;
        for (uint32_t y = 0; y < h; ++y) {
            const int32_t *src = cb.data() + size_t(y) * w;
            int32_t *dst = ibuf + (oy + y) * stride + ox;
            if (p == 0) {
                std::memcpy(dst, src, w * sizeof(int32_t));
            } else {
                for (uint32_t x = 0; x < w; ++x) {
                    const int32_t v = src[x];
                    const int32_t m = v == 0 ? 0 : ((v < 0 ? -v : v) << p) | half;
                    dst[x] = v < 0 ? -m : m;
                }
            }
        }
    } else {
        const float scale = std::ldexp(band.delta, int(p));
        for (uint32_t y = 0; y < h; ++y) {
            const int32_t *src = cb.data() + size_t(y) * w;
            float *dst = fbuf + (oy + y) * stride + ox;
            // sign(v) (|v| + 1/2) 2^p Δb, without branches.
            for (uint32_t x = 0; x < w; ++x) {
                const int32_t v = src[x];
                const float sign = float((v > 0) - (v < 0));
                dst[x] = sign * ((std::fabs(float(v)) + 0.5f) * scale);
            }
        }
    }
}

/// Decodes every code-block of a tile-component. Code-blocks are independent (each writes its own
/// rectangle), so a large tile-component is split over the cores, each thread with its own scratch
/// buffers, unless the caller is already one of several frame workers; the first failure (in
/// code-block order) is the one rethrown, as one thread would have reported it.
void decode_blocks(TileComp &tc, int32_t *ibuf, float *fbuf, size_t stride, Scratch &s, std::vector<int32_t> &cb) {
    std::vector<std::pair<const Band *, const Block *>> work;
    size_t samples = 0;
    for (const Band &band : tc.bands)
        for (const Block &blk : band.blocks) {
            work.emplace_back(&band, &blk);
            samples += size_t(blk.x1 - blk.x0) * size_t(blk.y1 - blk.y0);
        }
    unsigned threads = t_frame_worker ? 1 : std::max(1u, std::thread::hardware_concurrency());
    // Below 256 x 256 samples a thread costs about what it saves.
    if (samples < 256u * 256u || work.size() < 8) threads = 1;
    threads = std::min<unsigned>({threads, 8u, unsigned(work.size() / 4)});
    if (threads <= 1) {
        for (const auto &[band, blk] : work) decode_block(*band, *blk, ibuf, fbuf, stride, s, cb);
        return;
    }
    std::atomic<size_t> next{0};
    std::atomic<size_t> lowest_failure{work.size()};
    std::exception_ptr first;
    std::mutex m;
    auto worker = [&](Scratch &scratch, std::vector<int32_t> &block) {
        for (;;) {
            const size_t i = next++;
            if (i >= work.size() || i > lowest_failure) return;
            try {
                decode_block(*work[i].first, *work[i].second, ibuf, fbuf, stride, scratch, block);
            } catch (...) {
                std::lock_guard<std::mutex> lock(m);
                if (i < lowest_failure) {
                    first = std::current_exception();
                    lowest_failure = i;
                }
            }
        }
    };
    std::vector<Scratch> scratches(threads - 1);
    std::vector<std::vector<int32_t>> blocks(threads - 1);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t + 1 < threads; ++t) pool.emplace_back(worker, std::ref(scratches[t]), std::ref(blocks[t]));
    worker(s, cb);
    for (auto &t : pool) t.join();
    if (first) std::rethrow_exception(first);
}

constexpr bool little_endian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

inline int32_t wrap_add(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline int32_t wrap_sub(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }


}  // namespace

FrameLayout decode(const PixelInfo &info, const uint8_t *in, size_t n, uint8_t *out, size_t out_size) {
    if (info.bits_allocated != 8 && info.bits_allocated != 16) unsupported("Bits Allocated other than 8 or 16");
    MainHeader main;
    std::vector<TileData> tiles;
    parse_codestream(in, n, main, tiles);
    const Header &mh = main.h;
    const size_t spp = info.samples_per_pixel;
    if (mh.comps.size() != spp || (spp != 1 && spp != 3)) unsupported("component count");
    if (mh.x1 - mh.x0 != info.columns || mh.y1 - mh.y0 != info.rows) unsupported("image size differs from the dataset");
    for (const Component &c : mh.comps)
        if (c.prec > info.bits_allocated) unsupported("precision above Bits Allocated");
    const size_t bytes = info.bits_allocated / 8, width = info.columns;
    if (out_size != size_t(info.rows) * width * spp * bytes) unsupported("frame size");

    Scratch scratch;
    std::vector<int32_t> cb;
    std::vector<TileComp> comps;
    std::vector<uint8_t> joined;
    // Tile-component buffers, left uninitialised: every code-block writes (or zeroes) its part.
    struct IntBuf {
        std::unique_ptr<int32_t[]> p;
        size_t n = 0;
        int32_t *data() { return p.get(); }
        void reserve(size_t k) {
            if (k > n) p.reset(new int32_t[k]), n = k;
        }
    };
    struct FloatBuf {
        std::unique_ptr<float[]> p;
        size_t n = 0;
        float *data() { return p.get(); }
        void reserve(size_t k) {
            if (k > n) p.reset(new float[k]), n = k;
        }
    };
    std::vector<IntBuf> ibufs(spp);
    std::vector<FloatBuf> fbufs(spp);
    std::vector<int32_t> rounded;  // one row of 9/7 samples as integers
    bool any_mct = false;
    for (uint32_t t = 0; t < tiles.size(); ++t) {
        const TileData &td = tiles[t];
        const Header &h = td.h;
        const uint8_t *data;
        size_t len;
        if (td.parts.size() == 1) {
            data = td.parts[0].first;
            len = td.parts[0].second;
        } else {
            joined.clear();
            for (const auto &part : td.parts) joined.insert(joined.end(), part.first, part.first + part.second);
            data = joined.data();
            len = joined.size();
        }
        read_tile(h, t, data, len, comps);
        if (h.mct) {
            if (spp != 3) unsupported("a component transform without three components");
            if (comps[0].cs.reversible != comps[1].cs.reversible || comps[0].cs.reversible != comps[2].cs.reversible)
                unsupported("a component transform over mixed wavelets");
            any_mct = true;
        }
        const Rect &tr = comps[0].rect;
        const size_t tw = size_t(tr.w()), th = size_t(tr.h());
        for (size_t c = 0; c < spp; ++c) {
            TileComp &tc = comps[c];
            int32_t *ib = nullptr;
            float *fb = nullptr;
            if (tc.cs.reversible) {
                ibufs[c].reserve(tw * th);
                ib = ibufs[c].data();
            } else {
                fbufs[c].reserve(tw * th);
                fb = fbufs[c].data();
            }
            decode_blocks(tc, ib, fb, tw, scratch, cb);
            if (ib) idwt53(ib, tw, tc.res);
            else idwt97(fb, tw, tc.res);
        }
        // Inverse component transform (G.2 RCT, G.3 ICT).
        if (h.mct) {
            if (comps[0].cs.reversible) {
                int32_t *y0 = ibufs[0].data(), *y1 = ibufs[1].data(), *y2 = ibufs[2].data();
                for (size_t i = 0; i < tw * th; ++i) {
                    const int32_t g = wrap_sub(y0[i], wrap_add(y2[i], y1[i]) >> 2);
                    const int32_t r = wrap_add(y2[i], g), b = wrap_add(y1[i], g);
                    y0[i] = r;
                    y1[i] = g;
                    y2[i] = b;
                }
            } else {
                float *y0 = fbufs[0].data(), *y1 = fbufs[1].data(), *y2 = fbufs[2].data();
                for (size_t i = 0; i < tw * th; ++i) {
                    const float y = y0[i], cb_ = y1[i], cr = y2[i];
                    y0[i] = y + 1.402f * cr;
                    y1[i] = y - 0.344136f * cb_ - 0.714136f * cr;
                    y2[i] = y + 1.772f * cb_;
                }
            }
        }
        // DC level shift, clamping, output (as j2k.cpp writes OpenJPEG's image).
        const size_t ox = size_t(tr.x0 - mh.x0), oy = size_t(tr.y0 - mh.y0);
        for (size_t c = 0; c < spp; ++c) {
            const TileComp &tc = comps[c];
            const int64_t shift = tc.sgnd ? 0 : int64_t(1) << (tc.prec - 1);
            const uint32_t bits = std::min<uint32_t>(tc.prec, std::max<uint32_t>(info.bits_stored, 1));
            // The component's range holds the output's (bits <= prec): one clamp, before the shift.
            const int64_t lo = tc.sgnd ? -(int64_t(1) << (bits - 1)) : 0;
            const int64_t hi = tc.sgnd ? (int64_t(1) << (bits - 1)) - 1 : (int64_t(1) << bits) - 1;
            const int32_t lo_s = int32_t(lo - shift), hi_s = int32_t(hi - shift), sh = int32_t(shift);
            // apply_pixel_representation() folded in: Bits Stored bits, read as Pixel Representation says.
            const uint32_t bs = info.bits_stored, ba = info.bits_allocated;
            const bool narrow = bs > 0 && bs < ba;
            const uint32_t mask = narrow ? (1u << bs) - 1 : ~0u, sign = narrow ? 1u << (bs - 1) : 0;
            const bool extend = narrow && info.pixel_representation == 1;
            auto finish = [&](int32_t v) {
                uint32_t u = uint32_t(std::clamp(v, lo_s, hi_s) + sh) & mask;
                if (extend && (u & sign)) u |= ~mask;
                return u;
            };
            const size_t step = spp * bytes;
            rounded.resize(tw);
            for (size_t y = 0; y < th; ++y) {
                uint8_t *o = out + ((oy + y) * width + ox) * step + c * bytes;
                const int32_t *src;
                if (tc.cs.reversible) {
                    src = ibufs[c].data() + y * tw;
                } else {
                    const float *f = fbufs[c].data() + y * tw;
                    const float flo = float(lo_s), fhi = float(hi_s);
                    for (size_t x = 0; x < tw; ++x) {
                        // Clamped first (NaN too), then rounded half to even as lrintf does:
                        // adding and taking away 1.5 * 2^23 leaves no fraction bits (|v| <= 2^16).
                        float v = f[x];
                        v = v > flo ? v : flo;
                        v = v < fhi ? v : fhi;
                        rounded[x] = int32_t((v + 12582912.0f) - 12582912.0f);
                    }
                    src = rounded.data();
                }
                if (bytes == 1) {
                    for (size_t x = 0; x < tw; ++x) o[x * step] = uint8_t(finish(src[x]));
                } else if (spp == 1 && little_endian && (!narrow || tc.sgnd == extend)) {
                    // The clamped value already reads as Pixel Representation says: bits above
                    // Bits Stored are the sign (signed) or zero (unsigned).
                    for (size_t x = 0; x < tw; ++x) {
                        const uint16_t u = uint16_t(std::clamp(src[x], lo_s, hi_s) + sh);
                        std::memcpy(o + 2 * x, &u, 2);
                    }
                } else if (spp == 1 && little_endian) {
                    for (size_t x = 0; x < tw; ++x) {
                        const uint16_t u = uint16_t(finish(src[x]));
                        std::memcpy(o + 2 * x, &u, 2);
                    }
                } else {
                    for (size_t x = 0; x < tw; ++x) {
                        const uint32_t u = finish(src[x]);
                        o[x * step] = uint8_t(u);
                        o[x * step + 1] = uint8_t(u >> 8);
                    }
                }
            }
        }
    }
    (void)out_size;
    FrameLayout layout;
    if (spp == 3 && any_mct) layout.photometric = "RGB";
    return layout;
}

}  // namespace dcmkit::codecs::ht
