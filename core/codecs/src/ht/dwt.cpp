// dcmkit — native HTJ2K decoder: inverse discrete wavelet transforms (ISO/IEC 15444-1 Annex F):
// 2D_SR one level at a time, each level HOR_SR on every row then VER_SR on every column, the
// 1D_SR lifting of the reversible 5/3 filter (integers, F.3.8.1) and of the irreversible 9/7
// filter (float, F.3.8.2), with periodic symmetric extension (F.3.7) and any start parity.
// Columns are lifted a strip at a time, a row of the strip per step, to stay in cache.
#include <algorithm>
#include <cstring>

#include "ht.h"

namespace dcmkit::codecs::ht {

namespace {

constexpr int64_t kStrip = 64;  // columns per vertical strip

/// Index of the sample that periodic symmetric extension puts at i, for a signal of n >= 2.
inline int64_t reflect(int64_t i, int64_t n) {
    const int64_t period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i >= n ? period - i : i;
}

/// Wrapping int32 arithmetic: hostile coefficients may overflow, which must not be undefined.
inline int32_t add(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline int32_t sub(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }

constexpr float kAlpha = -1.586134342059924f, kBeta = -0.052980118572961f, kGamma = 0.882911075530934f,
                kDelta = 0.443506852043971f, kK = 1.230174104914001f;

/// First j >= from whose absolute position (x[0] has parity odd0) is even (want_odd false) or odd.
inline int64_t first_of(int64_t from, bool odd0, bool want_odd) {
    const bool odd = ((from % 2 != 0) != odd0);
    return odd == want_odd ? from : from + 1;
}

// ---- Rows ---------------------------------------------------------------------------------------
// A row is lifted as its low-pass half L and high-pass half H, each padded by one sample per side
// that symmetric extension sets before every step (the mirror of position i0 - 1 is i0 + 1, of i1
// is i1 - 2: same half, next index in), then interleaved: contiguous loops the compiler vectorizes.

template <class T>
struct Halves {
    T *L, *H;
    int64_t nl, nh;
    bool odd0;  // x[0] is a high-pass sample
    void pad_h() {
        H[-1] = H[0];
        H[nh] = H[nh - 1];
    }
    void pad_l() {
        L[-1] = L[0];
        L[nl] = L[nl - 1];
    }
    /// L[k] = f(L[k], left H, right H) for every k.
    template <class F>
    void update_l(F f) {
        pad_h();
        const T *__restrict h = H + (odd0 ? 0 : -1);
        T *__restrict l = L;
        for (int64_t k = 0; k < nl; ++k) l[k] = f(l[k], h[k], h[k + 1]);
    }
    template <class F>
    void update_h(F f) {
        pad_l();
        const T *__restrict l = L + (odd0 ? -1 : 0);
        T *__restrict h = H;
        for (int64_t k = 0; k < nh; ++k) h[k] = f(h[k], l[k], l[k + 1]);
    }
};

void lift_row53(Halves<int32_t> &x) {
    x.update_l([](int32_t v, int32_t a, int32_t b) { return sub(v, add(add(a, b), 2) >> 2); });
    x.update_h([](int32_t v, int32_t a, int32_t b) { return add(v, add(a, b) >> 1); });
}

void lift_row97(Halves<float> &x) {
    for (int64_t k = 0; k < x.nl; ++k) x.L[k] *= kK;
    for (int64_t k = 0; k < x.nh; ++k) x.H[k] *= 1.0f / kK;
    x.update_l([](float v, float a, float b) { return v - kDelta * (a + b); });
    x.update_h([](float v, float a, float b) { return v - kGamma * (a + b); });
    x.update_l([](float v, float a, float b) { return v - kBeta * (a + b); });
    x.update_h([](float v, float a, float b) { return v - kAlpha * (a + b); });
}

template <class T>
void single(T &v, bool odd) {
    if (odd) {
        if constexpr (std::is_same_v<T, int32_t>) v /= 2;
        else v *= 0.5f;
    }
}

template <class T, void (*Lift)(Halves<T> &)>
void horizontal(T *a, size_t stride, int64_t w, int64_t h, int64_t wl, bool odd0, std::vector<T> &line) {
    line.resize(size_t(w + 4));
    T *lb = line.data() + 1, *hb = lb + wl + 2;
    for (int64_t y = 0; y < h; ++y) {
        T *row = a + size_t(y) * stride;
        if (w == 1) {
            single(row[0], odd0);
            continue;
        }
        Halves<T> x{lb, hb, wl, w - wl, odd0};
        std::memcpy(lb, row, size_t(wl) * sizeof(T));
        std::memcpy(hb, row + wl, size_t(w - wl) * sizeof(T));
        Lift(x);
        T *__restrict xl = row + (odd0 ? 1 : 0), *__restrict xh = row + (odd0 ? 0 : 1);
        for (int64_t k = 0; k < x.nl; ++k) xl[2 * k] = lb[k];
        for (int64_t k = 0; k < x.nh; ++k) xh[2 * k] = hb[k];
    }
}

// ---- Columns ------------------------------------------------------------------------------------

void lift_cols53(int32_t **r, int64_t n, bool odd0, int64_t s) {
    for (int64_t j = first_of(-1, odd0, false); j < n + 1; j += 2) {
        int32_t *__restrict x = r[j];
        const int32_t *__restrict u = r[j - 1], *__restrict d = r[j + 1];
        for (int64_t c = 0; c < s; ++c) x[c] = sub(x[c], add(add(u[c], d[c]), 2) >> 2);
    }
    for (int64_t j = first_of(0, odd0, true); j < n; j += 2) {
        int32_t *__restrict x = r[j];
        const int32_t *__restrict u = r[j - 1], *__restrict d = r[j + 1];
        for (int64_t c = 0; c < s; ++c) x[c] = add(x[c], add(u[c], d[c]) >> 1);
    }
}

void lift_cols97(float **r, int64_t n, bool odd0, int64_t s) {
    for (int64_t j = -4; j < n + 4; ++j) {
        const float f = (((j % 2 != 0) != odd0) ? 1.0f / kK : kK);
        float *__restrict x = r[j];
        for (int64_t c = 0; c < s; ++c) x[c] *= f;
    }
    auto step = [&](int64_t from, int64_t to, bool odd, float k) {
        for (int64_t j = first_of(from, odd0, odd); j < to; j += 2) {
            float *__restrict x = r[j];
            const float *__restrict u = r[j - 1], *__restrict d = r[j + 1];
            for (int64_t c = 0; c < s; ++c) x[c] -= k * (u[c] + d[c]);
        }
    };
    step(-3, n + 3, false, kDelta);
    step(-2, n + 2, true, kGamma);
    step(-1, n + 1, false, kBeta);
    step(0, n, true, kAlpha);
}

template <class T, int64_t E, void (*Lift)(T **, int64_t, bool, int64_t)>
void vertical(T *a, size_t stride, int64_t w, int64_t h, int64_t hl, bool odd0, std::vector<T> &buf,
              std::vector<T *> &rows) {
    if (h == 1) {
        for (int64_t x = 0; x < w; ++x) single(a[x], odd0);
        return;
    }
    buf.resize(size_t(h + 2 * E) * kStrip);
    rows.resize(size_t(h + 2 * E));
    T **r = rows.data() + E;
    for (int64_t j = -E; j < h + E; ++j) r[j] = buf.data() + size_t(j + E) * kStrip;
    for (int64_t x0 = 0; x0 < w; x0 += kStrip) {
        const int64_t s = std::min(kStrip, w - x0);
        // Whole strips copy a constant size, which the compiler turns into vector moves.
        auto copy = [s](T *to, const T *from) {
            if (s == kStrip) std::memcpy(to, from, size_t(kStrip) * sizeof(T));
            else std::memcpy(to, from, size_t(s) * sizeof(T));
        };
        const T *lo = a + x0, *hi = a + size_t(hl) * stride + x0;
        for (int64_t j = odd0 ? 1 : 0, k = 0; j < h; j += 2, ++k) copy(r[j], lo + size_t(k) * stride);
        for (int64_t j = odd0 ? 0 : 1, k = 0; j < h; j += 2, ++k) copy(r[j], hi + size_t(k) * stride);
        for (int64_t k = 1; k <= E; ++k) {
            copy(r[-k], r[reflect(-k, h)]);
            copy(r[h - 1 + k], r[reflect(h - 1 + k, h)]);
        }
        Lift(r, h, odd0, s);
        for (int64_t j = 0; j < h; ++j) copy(a + size_t(j) * stride + x0, r[j]);
    }
}

template <class T, int64_t E, void (*Row)(Halves<T> &), void (*Cols)(T **, int64_t, bool, int64_t)>
void idwt(T *a, size_t stride, const std::vector<Rect> &res) {
    std::vector<T> line, buf;
    std::vector<T *> rows;
    for (size_t r = 1; r < res.size(); ++r) {
        const Rect &cur = res[r], &low = res[r - 1];
        const int64_t w = cur.w(), h = cur.h();
        if (w <= 0 || h <= 0) continue;
        horizontal<T, Row>(a, stride, w, h, low.w(), cur.x0 & 1, line);
        vertical<T, E, Cols>(a, stride, w, h, low.h(), cur.y0 & 1, buf, rows);
    }
}

}  // namespace

void idwt53(int32_t *a, size_t stride, const std::vector<Rect> &res) {
    idwt<int32_t, 2, lift_row53, lift_cols53>(a, stride, res);
}

void idwt97(float *a, size_t stride, const std::vector<Rect> &res) {
    idwt<float, 4, lift_row97, lift_cols97>(a, stride, res);
}

}  // namespace dcmkit::codecs::ht
