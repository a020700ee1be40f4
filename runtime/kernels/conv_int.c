/* Integer convolution. See deeploy/conv_int.h.
 *
 * Each output row is computed in int32 accumulators for up to four output channels at
 * once (each input row loaded serves all four), a window column at a time over the
 * output positions whose input lies inside the row (padding contributes nothing), then
 * stored (requantised when asked). */
#include "deeploy/conv_int.h"

#define ROW 64 /* output positions per accumulator block */
#define FB 4   /* output channels per block */

/* The output positions [lo, hi) of a block starting at ox0 whose input column
 * ox * sw + off lies in [0, wd). */
static inline void valid_span(int32_t ox0, int32_t len, int32_t sw, int32_t off, int32_t wd,
                              int32_t *lo, int32_t *hi) {
    const int32_t start = ox0 * sw + off;
    *lo = start >= 0 ? 0 : (-start + sw - 1) / sw;
    *hi = start > wd - 1 ? 0 : (wd - 1 - start) / sw + 1;
    if (*hi > len) *hi = len;
    if (*lo > *hi) *lo = *hi;
}

#define DEFINE_CONV_INT(xn, xt, wn, wt)                                                    \
    void deeploy_conv2d_##xn##_##wn(                                                       \
        const xt *restrict x, const wt *restrict w, const int32_t *restrict bias,          \
        void *restrict y, int32_t y_type, DEEPLOY_RQ_PARAMS, int32_t n, int32_t c,         \
        int32_t h, int32_t wd, int32_t f, int32_t kh, int32_t kw, int32_t oh, int32_t ow,  \
        int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,            \
        int32_t group, int32_t accumulate) {                                               \
        const int32_t cg = c / group, fg = f / group;                                      \
        DEEPLOY_RQ_LOCAL(rq_local, rq);                                                    \
        const ptrdiff_t wstride = (ptrdiff_t)cg * kh * kw;                                 \
        int32_t acc[FB][ROW];                                                              \
        for (int32_t b = 0; b < n; ++b)                                                    \
            for (int32_t g = 0; g < group; ++g)                                            \
                for (int32_t f0 = 0; f0 < fg; f0 += FB) {                                  \
                    const int32_t nf = fg - f0 < FB ? fg - f0 : FB;                        \
                    const int32_t oc0 = g * fg + f0;                                       \
                    for (int32_t oy = 0; oy < oh; ++oy)                                    \
                        for (int32_t ox0 = 0; ox0 < ow; ox0 += ROW) {                      \
                            const int32_t len = ow - ox0 < ROW ? ow - ox0 : ROW;           \
                            for (int32_t j = 0; j < nf; ++j) {                             \
                                const ptrdiff_t base =                                     \
                                    (((ptrdiff_t)b * f + oc0 + j) * oh + oy) * ow + ox0;   \
                                const int32_t init = bias != NULL ? bias[oc0 + j] : 0;     \
                                for (int32_t i = 0; i < len; ++i)                          \
                                    acc[j][i] = accumulate ? ((const int32_t *)y)[base + i] \
                                                           : init;                         \
                            }                                                              \
                            for (int32_t ci = 0; ci < cg; ++ci) {                          \
                                const xt *xc = x + ((ptrdiff_t)b * c + g * cg + ci) * h * wd; \
                                for (int32_t ky = 0; ky < kh; ++ky) {                      \
                                    const int32_t iy = oy * sh - pt + ky * dh;             \
                                    if (iy < 0 || iy >= h) continue;                       \
                                    const xt *xr = xc + (ptrdiff_t)iy * wd;                \
                                    for (int32_t kx = 0; kx < kw; ++kx) {                  \
                                        const int32_t off = kx * dw - pl;                  \
                                        int32_t lo, hi;                                    \
                                        valid_span(ox0, len, sw, off, wd, &lo, &hi);       \
                                        if (lo >= hi) continue;                            \
                                        const xt *xp = xr + (ptrdiff_t)ox0 * sw + off + (ptrdiff_t)lo * sw; \
                                        const ptrdiff_t wi = ((ptrdiff_t)ci * kh + ky) * kw + kx; \
                                        const wt *wp = w + (ptrdiff_t)oc0 * wstride + wi;  \
                                        if (nf == FB) {                                    \
                                            const int32_t w0 = wp[0], w1 = wp[wstride],    \
                                                          w2 = wp[2 * wstride],            \
                                                          w3 = wp[3 * wstride];            \
                                            for (int32_t i = lo; i < hi; ++i) {            \
                                                const int32_t v = xp[(ptrdiff_t)(i - lo) * sw]; \
                                                acc[0][i] += v * w0;                       \
                                                acc[1][i] += v * w1;                       \
                                                acc[2][i] += v * w2;                       \
                                                acc[3][i] += v * w3;                       \
                                            }                                              \
                                        } else {                                           \
                                            for (int32_t j = 0; j < nf; ++j) {             \
                                                const int32_t wv = wp[j * wstride];        \
                                                for (int32_t i = lo; i < hi; ++i)          \
                                                    acc[j][i] += xp[(ptrdiff_t)(i - lo) * sw] * wv; \
                                            }                                              \
                                        }                                                  \
                                    }                                                      \
                                }                                                          \
                            }                                                              \
                            for (int32_t j = 0; j < nf; ++j)                               \
                                deeploy_store_acc(                                         \
                                    acc[j], len, y, y_type,                                \
                                    (((ptrdiff_t)b * f + oc0 + j) * oh + oy) * ow + ox0, rq); \
                        }                                                                  \
                }                                                                          \
    }

DEEPLOY_FOR_INT_PAIRS(DEFINE_CONV_INT)
