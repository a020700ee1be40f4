/* Integer convolution. See deeploy/conv_int.h.
 *
 * On x86-64 (DEEPLOY_SIMD_I16, deeploy/simd.h), a convolution with at least two output
 * channels per group is a matrix product of the weights (4 output channels at a time,
 * packed as int16) with the unrolled input of a block of output positions, by the
 * pmaddwd tiles. The input is unrolled one of two ways: im2col (a row per window tap,
 * the B of a plain product, packed once for all channel blocks; chosen when output rows
 * are long against the window, and a 1x1 convolution reads its input as it is) or
 * im2row (a row per output position, dot products along the window). Padding is zeros.
 *
 * Otherwise (and for int32 operands whose values do not fit int16):
 * Each output row is computed in int32 accumulators for up to four output channels at
 * once (each input row loaded serves all four), a window column at a time over the
 * output positions whose input lies inside the row (padding contributes nothing), then
 * stored (requantised when asked). */
#include "deeploy/conv_int.h"
#include "deeploy/simd.h"

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

#if defined(DEEPLOY_SIMD_I16)
#define COLS 128     /* output positions per block, at most */
#define COLBUF 16384 /* elements of the unrolled-input buffer */

/* Output positions [p0, p0 + nb) of one group unrolled (im2row): row j (ldr elements,
 * ldr >= K = cg kh kw) holds at (ci * kh + ky) * kw + kx the input that position p0 + j
 * reads through that weight, 0 in the padding and from K on. */
#define DEFINE_IM2ROW(xn, xt)                                                              \
    static void im2row_##xn(const xt *restrict xg, xt *restrict rows, ptrdiff_t ldr,       \
                            int32_t cg, int32_t h, int32_t wd, int32_t kh, int32_t kw,     \
                            int32_t ow, int32_t sh, int32_t sw, int32_t dh, int32_t dw,    \
                            int32_t pt, int32_t pl, int32_t p0, int32_t nb) {              \
        const ptrdiff_t plane = (ptrdiff_t)h * wd, K = (ptrdiff_t)cg * kh * kw;            \
        int32_t oy = p0 / ow, ox = p0 % ow;                                                \
        for (int32_t j = 0; j < nb; ++j, rows += ldr) {                                    \
            const int32_t ix0 = ox * sw - pl, iy0 = oy * sh - pt;                          \
            int32_t kx0, kx1, ky0, ky1; /* the window taps inside the image */             \
            valid_span(0, kw, dw, ix0, wd, &kx0, &kx1);                                    \
            valid_span(0, kh, dh, iy0, h, &ky0, &ky1);                                     \
            const int32_t len = kx1 - kx0;                                                 \
            if (++ox == ow) {                                                              \
                ox = 0;                                                                    \
                ++oy;                                                                      \
            }                                                                              \
            if (len == kw && ky0 == 0 && ky1 == kh) /* all inside: zero only the tail */   \
                dvi_zero(rows + K, sizeof(xt) * (size_t)(ldr - K));                        \
            else                                                                           \
                dvi_zero(rows, sizeof(xt) * (size_t)ldr);                                  \
            if (len <= 0 || ky0 >= ky1) continue;                                          \
            const xt *xc = xg + ((ptrdiff_t)(iy0 + ky0 * dh) * wd + (ix0 + kx0 * dw));     \
            xt *d = rows + ((ptrdiff_t)ky0 * kw + kx0);                                    \
            for (int32_t ci = 0; ci < cg; ++ci, xc += plane, d += (ptrdiff_t)kh * kw) {    \
                const xt *s = xc;                                                          \
                xt *t = d;                                                                 \
                for (int32_t ky = ky0; ky < ky1; ++ky, s += (ptrdiff_t)dh * wd, t += kw) { \
                    if (dw == 1)                                                           \
                        dvi_copy_small(t, s, sizeof(xt) * (size_t)len);                    \
                    else                                                                   \
                        for (int32_t i = 0; i < len; ++i) t[i] = s[(ptrdiff_t)i * dw];     \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
    }
DEFINE_IM2ROW(i8, int8_t)
DEFINE_IM2ROW(u8, uint8_t)
DEFINE_IM2ROW(i16, int16_t)
DEFINE_IM2ROW(i32, int32_t)

/* Output positions [p0, p0 + nb) of one group unrolled the other way (im2col): row
 * (ci * kh + ky) * kw + kx (ldc elements) holds at j the input that position p0 + j reads
 * through that weight. The caller zeroes the rows first. span[kx] holds the output
 * columns [lo, hi) whose input column is inside for kx (kw <= KWMAX). */
#define KWMAX 16
#define DEFINE_IM2COL(xn, xt)                                                              \
    static void im2col_##xn(const xt *restrict xg, xt *restrict col, ptrdiff_t ldc,        \
                            int32_t cg, int32_t h, int32_t wd, int32_t kh, int32_t kw,     \
                            int32_t ow, int32_t sh, int32_t sw, int32_t dh, int32_t dw,    \
                            int32_t pt, int32_t pl, int32_t p0, int32_t nb,                \
                            const int32_t (*span)[2]) {                                    \
        const int32_t oy0 = p0 / ow, ox0 = p0 % ow;                                        \
        const int32_t oy1 = (p0 + nb - 1) / ow; /* the last output row */                  \
        for (int32_t ci = 0; ci < cg; ++ci)                                                \
            for (int32_t ky = 0; ky < kh; ++ky) {                                          \
                xt *rows = col + ((ptrdiff_t)ci * kh + ky) * kw * ldc;                     \
                for (int32_t oy = oy0; oy <= oy1; ++oy) {                                  \
                    const int32_t iy = oy * sh - pt + ky * dh;                             \
                    if (iy < 0 || iy >= h) continue;                                       \
                    /* output columns [first, last) of this row, at dst[o] below */        \
                    const int32_t first = oy == oy0 ? ox0 : 0;                             \
                    const int32_t last = oy == oy1 ? p0 + nb - oy * ow : ow;               \
                    const xt *xr = xg + ((ptrdiff_t)ci * h + iy) * wd;                     \
                    xt *dst = rows + ((ptrdiff_t)oy * ow - p0);                            \
                    for (int32_t kx = 0, off = -pl; kx < kw; ++kx, dst += ldc, off += dw) { \
                        const int32_t a = span[kx][0] > first ? span[kx][0] : first;       \
                        const int32_t e = span[kx][1] < last ? span[kx][1] : last;         \
                        const xt *s = xr + ((ptrdiff_t)a * sw + off);                      \
                        int32_t o = a;                                                     \
                        if (sw == 1) {                                                     \
                            if (a < e) dvi_copy_small(dst + a, s, sizeof(xt) * (size_t)(e - a)); \
                            continue;                                                      \
                        }                                                                  \
                        for (; o + 2 <= e; o += 2, s += 2 * sw) {                          \
                            dst[o] = s[0];                                                 \
                            dst[o + 1] = s[sw];                                            \
                        }                                                                  \
                        if (o < e) dst[o] = *s;                                            \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
    }
DEFINE_IM2COL(i8, int8_t)
DEFINE_IM2COL(u8, uint8_t)
DEFINE_IM2COL(i16, int16_t)
DEFINE_IM2COL(i32, int32_t)

/* The convolution as matrix products; 0 (nothing done) when it does not apply. */
#define DEFINE_CONV_SIMD(xn, xt, wn, wt)                                                   \
    static int conv_simd_##xn##_##wn(                                                      \
        const xt *restrict x, const wt *restrict w, const int32_t *restrict bias, void *y, \
        int32_t y_type, const deeploy_rq *rq, int32_t n, int32_t c, int32_t h, int32_t wd, \
        int32_t f, int32_t kh, int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,  \
        int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group, int32_t accumulate) { \
        const int32_t cg = c / group, fg = f / group;                                      \
        const int32_t K = cg * kh * kw, K8 = (K + 7) & ~7, P = oh * ow;                    \
        const int pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 &&       \
                              pl == 0 && oh == h && ow == wd;                              \
        /* im2col (plain B) when output rows are long against the window, else im2row */   \
        const int bycol = pointwise || (ow >= 2 * kw && kw <= KWMAX);                      \
        if (fg < 2 || K < 1 || P < 1 || (!pointwise && K8 > COLBUF / 8)) return 0;         \
        if (!deeploy_ifits_##xn(x, n * c, (ptrdiff_t)h * wd, h * wd, 1) ||                 \
            !deeploy_ifits_##wn(w, f, K, K, 1))                                            \
            return 0;                                                                      \
        int32_t nbmax = pointwise || COLBUF / K8 > COLS ? COLS : (COLBUF / K8) & ~7;       \
        if (nbmax > P) nbmax = P;                                                          \
        int16_t apk[DEEPLOY_IMR * DEEPLOY_IKC] __attribute__((aligned(16)));              \
        int32_t acc[DEEPLOY_IMR * COLS];                                                   \
        int32_t span[KWMAX][2];                                                            \
        for (int32_t kx = 0; bycol && kx < kw; ++kx)                                       \
            valid_span(0, ow, sw, kx * dw - pl, wd, &span[kx][0], &span[kx][1]);           \
        xt col[COLBUF];                                                                    \
        int16_t bpk[COLBUF] __attribute__((aligned(16))); /* packed B (plain layout) */    \
        const ptrdiff_t np = (K + 1) / 2;                                                  \
        for (int32_t b = 0; b < n; ++b)                                                    \
            for (int32_t g = 0; g < group; ++g) {                                          \
                const xt *xg = x + ((ptrdiff_t)b * c + (ptrdiff_t)g * cg) * h * wd;        \
                for (int32_t p0 = 0; p0 < P; p0 += nbmax) {                                \
                    const int32_t nb = P - p0 < nbmax ? P - p0 : nbmax;                    \
                    /* B of the product: rows of ldb elements from src (bycol), or the     \
                     * transposed B in col (rows of K8 elements, zero padded) */           \
                    const xt *src = col;                                                   \
                    ptrdiff_t ldb = K8;                                                    \
                    int32_t n8 = nb; /* bycol: columns read by the tiles */                \
                    if (pointwise) {                                                       \
                        src = xg + p0;                                                     \
                        ldb = P;                                                           \
                        n8 = nb & ~7;                                                      \
                    } else if (bycol) {                                                    \
                        ldb = (nb + 7) & ~7;                                               \
                        n8 = (int32_t)ldb;                                                 \
                        dvi_zero(col, sizeof(xt) * (size_t)K * (size_t)ldb);               \
                        im2col_##xn(xg, col, ldb, cg, h, wd, kh, kw, ow, sh, sw, dh, dw, pt, pl, \
                                    p0, nb, (const int32_t(*)[2])span);                    \
                    } else {                                                               \
                        im2row_##xn(xg, col, K8, cg, h, wd, kh, kw, ow, sh, sw, dh, dw, pt, pl, \
                                    p0, nb);                                               \
                    }                                                                      \
                    /* packed once for all output channels when several blocks share it */ \
                    const int packb = bycol && fg > DEEPLOY_IMR && np * 2 * n8 <= COLBUF;  \
                    if (packb) deeploy_ipackb_##xn(src, ldb, K, n8, bpk);                  \
                    for (int32_t f0 = 0; f0 < fg; f0 += DEEPLOY_IMR) {                     \
                        const int32_t mr = fg - f0 < DEEPLOY_IMR ? fg - f0 : DEEPLOY_IMR;  \
                        const int32_t oc0 = g * fg + f0;                                   \
                        for (int32_t r = 0; r < DEEPLOY_IMR; ++r) {                        \
                            int32_t *ar = acc + r * COLS;                                  \
                            const ptrdiff_t base = ((ptrdiff_t)b * f + oc0 + r) * P + p0;  \
                            int32_t j = 0;                                                 \
                            if (r >= mr)                                                   \
                                j = 0;                                                     \
                            else if (accumulate)                                           \
                                for (; j < nb; ++j) ar[j] = ((const int32_t *)y)[base + j]; \
                            else {                                                         \
                                const int32_t init = bias != NULL ? bias[oc0 + r] : 0;     \
                                for (; j < nb; ++j) ar[j] = init;                          \
                            }                                                              \
                            for (; j < n8 || j < nb; ++j) ar[j] = 0;                       \
                        }                                                                  \
                        for (int32_t k0 = 0; k0 < K; k0 += DEEPLOY_IKC) {                  \
                            const int32_t kc = K - k0 < DEEPLOY_IKC ? K - k0 : DEEPLOY_IKC; \
                            deeploy_ipack_##wn(w + (ptrdiff_t)oc0 * K + k0, K, 1, mr, kc, apk, \
                                               DEEPLOY_IKC);                               \
                            if (!bycol) { /* rows zero padded to K8: no tail */            \
                                deeploy_itile_t_##xn(apk, DEEPLOY_IKC, (kc + 7) & ~7,      \
                                                     col + k0, K8, nb, acc, COLS);         \
                                continue;                                                  \
                            }                                                              \
                            const xt *bk = src + (ptrdiff_t)k0 * ldb;                      \
                            if (packb)                                                     \
                                deeploy_itile_p(apk, DEEPLOY_IKC, kc, bpk + (ptrdiff_t)k0 * 8, np * 16, \
                                                n8, acc, COLS);                            \
                            else                                                           \
                                deeploy_itile_##xn(apk, DEEPLOY_IKC, kc, bk, ldb, n8, acc, COLS); \
                            for (int32_t r = 0; r < mr; ++r) /* pointwise: after the last 8 */ \
                                for (int32_t j = n8; j < nb; ++j) {                        \
                                    int32_t s = 0;                                         \
                                    for (int32_t k = 0; k < kc; ++k)                       \
                                        s += (int32_t)apk[r * DEEPLOY_IKC + k] * bk[(ptrdiff_t)k * ldb + j]; \
                                    acc[r * COLS + j] += s;                                \
                                }                                                          \
                        }                                                                  \
                        for (int32_t r = 0; r < mr; ++r)                                   \
                            deeploy_store_acc(acc + r * COLS, nb, y, y_type,               \
                                              ((ptrdiff_t)b * f + oc0 + r) * P + p0, rq);  \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
        return 1;                                                                          \
    }
DEEPLOY_FOR_INT_PAIRS(DEFINE_CONV_SIMD)
#define SIMD_FIRST(xn, wn, args) if (conv_simd_##xn##_##wn args) return;
#elif !defined(DEEPLOY_NO_GEMM8) /* defined: the portable loops alone (tests compare) */
#include "deeploy/conv8.h"
/* 8-bit inputs and weights go to deeploy/conv8.h first */
#define SIMD_FIRST(xn, wn, args) CONV8_##xn##_##wn(args)
#define CONV8_(xn, wn, args) if (deeploy_conv8_##xn##_##wn args) return;
#define CONV8_i8_i8(args) CONV8_(i8, i8, args)
#define CONV8_u8_i8(args) CONV8_(u8, i8, args)
#define CONV8_i8_u8(args) CONV8_(i8, u8, args)
#define CONV8_u8_u8(args) CONV8_(u8, u8, args)
#define CONV8_i16_i8(args)
#define CONV8_i16_u8(args)
#define CONV8_i32_i8(args)
#define CONV8_i32_u8(args)
#define CONV8_i8_i16(args)
#define CONV8_u8_i16(args)
#define CONV8_i16_i16(args)
#define CONV8_i32_i16(args)
#define CONV8_i8_i32(args)
#define CONV8_u8_i32(args)
#define CONV8_i16_i32(args)
#define CONV8_i32_i32(args)
#else
#define SIMD_FIRST(xn, wn, args)
#endif

#define DEFINE_CONV_INT(xn, xt, wn, wt)                                                    \
    void deeploy_conv2d_##xn##_##wn(                                                       \
        const xt *restrict x, const wt *restrict w, const int32_t *restrict bias,          \
        void *restrict y, int32_t y_type, DEEPLOY_RQ_PARAMS, int32_t n, int32_t c,         \
        int32_t h, int32_t wd, int32_t f, int32_t kh, int32_t kw, int32_t oh, int32_t ow,  \
        int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,            \
        int32_t group, int32_t accumulate) {                                               \
        const int32_t cg = c / group, fg = f / group;                                      \
        DEEPLOY_RQ_LOCAL(rq_local, rq);                                                    \
        SIMD_FIRST(xn, wn, (x, w, bias, y, y_type, rq, n, c, h, wd, f, kh, kw, oh, ow, sh, sw, \
                            dh, dw, pt, pl, group, accumulate))                            \
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
