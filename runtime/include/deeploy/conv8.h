/*
 * Deeploy runtime: integer convolutions with 8-bit weights on cores without x86 SIMD
 * (Cortex-M, RISC-V), for runtime/kernels/conv_int.c.
 *
 * deeploy_conv8_<x>_<w> returns 0 (nothing done) where it does not apply, and the
 * portable kernel runs instead:
 * - a depthwise convolution (one input and one output channel per group) copies each
 *   channel, widened and zero padded, into a plane on the stack and runs the window over
 *   it with no bounds checks (a 3 x 3 window unrolled, its weights in registers), a
 *   row of sums requantised at once;
 * - any other convolution with K = channels per group x window <= DEEPLOY_G8_KMAX is
 *   the product of the weights (F x K, as stored) with the im2row of a few output
 *   pixels at a time (bytes as in the input, a window row inside the image one copy),
 *   by the 8-bit matrix engine (deeploy/gemm8.h).
 */
#ifndef DEEPLOY_CONV8_H_
#define DEEPLOY_CONV8_H_

#include "deeploy/gemm8.h"
#include "deeploy/requant.h"

#define DEEPLOY_DW8_PLANE 1024 /* int16 elements of the padded plane (a stack local) */
#define DEEPLOY_DW8_OUT 256    /* outputs of a channel, at most (a stack local) */

/* Rows of a window are a few bytes: GCC would turn their copy loops into library calls
 * costing more than the copy. */
#if defined(__GNUC__) && !defined(__clang__)
#define DEEPLOY_G8_INLINE_COPIES __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define DEEPLOY_G8_INLINE_COPIES
#endif
/* the depthwise plane and the engine's buffers in separate stack frames, not one */
#if defined(__GNUC__)
#define DEEPLOY_G8_OWN_FRAME __attribute__((noinline))
#else
#define DEEPLOY_G8_OWN_FRAME
#endif

/* col[0 .. cg kh kw) = what the output pixel whose window starts at (iy0, ix0) reads
 * through each weight, 0 in the padding. */
#define DEEPLOY_DEFINE_IM2ROW8(xn, xt)                                                     \
    DEEPLOY_G8_INLINE_COPIES static void deeploy_im2row8_##xn(const xt *xg, int32_t cg, int32_t h, int32_t wd,      \
                                     int32_t kh, int32_t kw, int32_t dh, int32_t dw,       \
                                     int32_t iy0, int32_t ix0, xt *restrict col) {         \
        const ptrdiff_t plane = (ptrdiff_t)h * wd;                                         \
        /* the window columns [kx0, kx1) inside the row */                                 \
        int32_t kx0 = 0, kx1 = kw;                                                         \
        while (kx0 < kw && ix0 + kx0 * dw < 0) ++kx0;                                      \
        while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= wd) --kx1;                             \
        const int32_t inside = kx0 == 0 && kx1 == kw;                                      \
        if (kh == 1 && kw == 1) { /* pointwise: one strided gather */                      \
            if (!inside || iy0 < 0 || iy0 >= h) {                                          \
                for (int32_t ci = 0; ci < cg; ++ci) col[ci] = 0;                           \
                return;                                                                    \
            }                                                                              \
            const xt *xp = xg + (ptrdiff_t)iy0 * wd + ix0;                                 \
            for (int32_t ci = 0; ci < cg; ++ci, xp += plane) col[ci] = *xp;                \
            return;                                                                        \
        }                                                                                  \
        for (int32_t ci = 0; ci < cg; ++ci, xg += plane)                                   \
            for (int32_t ky = 0, iy = iy0; ky < kh; ++ky, iy += dh, col += kw) {           \
                if (iy < 0 || iy >= h) {                                                   \
                    for (int32_t kx = 0; kx < kw; ++kx) col[kx] = 0;                       \
                    continue;                                                              \
                }                                                                          \
                const xt *xr = xg + (ptrdiff_t)iy * wd + ix0;                              \
                if (inside && dw == 1) { /* words, not a library call per row */           \
                    int32_t kx = 0;                                                        \
                    for (; kx + 4 <= kw; kx += 4) memcpy(col + kx, xr + kx, 4);            \
                    for (; kx < kw; ++kx) col[kx] = xr[kx];                                \
                    continue;                                                              \
                }                                                                          \
                int32_t kx = 0;                                                            \
                for (; kx < kx0; ++kx) col[kx] = 0;                                        \
                for (; kx < kx1; ++kx) col[kx] = xr[(ptrdiff_t)kx * dw];                   \
                for (; kx < kw; ++kx) col[kx] = 0;                                         \
            }                                                                              \
    }
DEEPLOY_DEFINE_IM2ROW8(i8, int8_t)
DEEPLOY_DEFINE_IM2ROW8(u8, uint8_t)

#define DEEPLOY_CONV8_ARGS                                                                 \
    void *restrict y, int32_t y_type, const deeploy_rq *rq, int32_t n, int32_t c,          \
        int32_t h, int32_t wd, int32_t f, int32_t kh, int32_t kw, int32_t oh, int32_t ow,  \
        int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,            \
        int32_t group, int32_t accumulate

#if defined(__ARM_FEATURE_DSP)
/* A 3 x 3 window over an int16 plane, taps of a row in pairs: one word load and one SMLAD
 * for the first two taps, SMLABB for the third. */
#define DEEPLOY_DW8_PAIRS 1
static void deeploy_dw8_3x3_pairs(const int16_t *plane, int32_t pw, int32_t w0, int32_t w1,
                                  int32_t w2, int32_t w3, int32_t w4, int32_t w5, int32_t w6,
                                  int32_t w7, int32_t w8, int32_t init, int32_t oh, int32_t ow,
                                  int32_t sh, int32_t sw, int32_t dh, int32_t *acc) {
    const int32_t w01 = (int32_t)(((uint32_t)w0 & 0xffffu) | ((uint32_t)w1 << 16));
    const int32_t w34 = (int32_t)(((uint32_t)w3 & 0xffffu) | ((uint32_t)w4 << 16));
    const int32_t w67 = (int32_t)(((uint32_t)w6 & 0xffffu) | ((uint32_t)w7 << 16));
    for (int32_t oy = 0; oy < oh; ++oy) {
        const int16_t *p0 = plane + (ptrdiff_t)oy * sh * pw;
        const int16_t *p1 = p0 + (ptrdiff_t)dh * pw, *p2 = p1 + (ptrdiff_t)dh * pw;
        for (int32_t i = 0; i < ow; ++i, p0 += sw, p1 += sw, p2 += sw) {
            int32_t v0, v1, v2;
            memcpy(&v0, p0, 4);
            memcpy(&v1, p1, 4);
            memcpy(&v2, p2, 4);
            int32_t s = __smlad(v0, w01, init);
            s = __smlabb(p0[2], w2, s);
            s = __smlad(v1, w34, s);
            s = __smlabb(p1[2], w5, s);
            s = __smlad(v2, w67, s);
            *acc++ = __smlabb(p2[2], w8, s);
        }
    }
}
#else
#define DEEPLOY_DW8_PAIRS 0
#define deeploy_dw8_3x3_pairs(...) (void)0
#endif

/* Depthwise: the padded plane of one channel (its border zeroed once for all
 * channels), then all its outputs, requantised at once with the channel's parameters. */
#define DEEPLOY_DEFINE_DW8(xn, xt, wn, wt)                                                 \
    DEEPLOY_G8_INLINE_COPIES DEEPLOY_G8_OWN_FRAME static int deeploy_dw8_##xn##_##wn(     \
        const xt *restrict x, const wt *restrict w, const int32_t *restrict bias,          \
        DEEPLOY_CONV8_ARGS) {                                                              \
        const int32_t ph = (oh - 1) * sh + (kh - 1) * dh + 1;                              \
        const int32_t pw = (ow - 1) * sw + (kw - 1) * dw + 1;                              \
        const ptrdiff_t P = (ptrdiff_t)oh * ow;                                            \
        if (group != c || f != c || (ptrdiff_t)ph * pw > DEEPLOY_DW8_PLANE ||              \
            P > DEEPLOY_DW8_OUT || accumulate)                                             \
            return 0;                                                                      \
        int16_t plane[DEEPLOY_DW8_PLANE];                                                  \
        int32_t acc[DEEPLOY_DW8_OUT];                                                      \
        for (int32_t i = 0; i < ph * pw; ++i) plane[i] = 0;                                \
        /* plane rows [r_in, r_out) and columns [q_in, q_out) hold input, the rest is      \
         * padding */                                                                      \
        const int32_t r_in = pt < ph ? pt : ph, r_out = pt + h < ph ? pt + h : ph;         \
        const int32_t q_in = pl < pw ? pl : pw, q_out = pl + wd < pw ? pl + wd : pw;       \
        const int32_t fast_rq = rq != NULL && (rq->channels == 1 || rq->inner == P) &&     \
                                (y_type == DEEPLOY_I8 || y_type == DEEPLOY_U8);            \
        int32_t fits = 0; /* for every channel, with the largest bias */                  \
        if (fast_rq) {                                                                     \
            int64_t top = 0;                                                               \
            for (int32_t ch = 0; bias != NULL && ch < c; ++ch)                             \
                if ((bias[ch] < 0 ? -(int64_t)bias[ch] : bias[ch]) > top)                  \
                    top = bias[ch] < 0 ? -(int64_t)bias[ch] : bias[ch];                    \
            fits = deeploy_rq8_fits(rq, DEEPLOY_G8_BOUND(kh * kw, xn, wn) + top, 0,        \
                                    rq->channels);                                         \
        }                                                                                  \
        for (int32_t b = 0; b < n; ++b)                                                    \
            for (int32_t ch = 0; ch < c; ++ch) {                                           \
                const xt *xc = x + ((ptrdiff_t)b * c + ch) * h * wd - (ptrdiff_t)pt * wd - pl; \
                for (int32_t r = r_in; r < r_out; ++r) {                                   \
                    int16_t *d = plane + (ptrdiff_t)r * pw;                                \
                    const xt *xr = xc + (ptrdiff_t)r * wd;                                 \
                    for (int32_t q = q_in; q < q_out; ++q) d[q] = xr[q];                   \
                }                                                                          \
                const wt *wc = w + (ptrdiff_t)ch * kh * kw;                                \
                const int32_t init = bias != NULL ? bias[ch] : 0;                          \
                const ptrdiff_t base = ((ptrdiff_t)b * c + ch) * P;                        \
                if (DEEPLOY_DW8_PAIRS && kh == 3 && kw == 3 && dw == 1) {                  \
                    deeploy_dw8_3x3_pairs(plane, pw, wc[0], wc[1], wc[2], wc[3], wc[4], wc[5], \
                                          wc[6], wc[7], wc[8], init, oh, ow, sh, sw, dh, acc); \
                } else if (kh == 3 && kw == 3) {                                           \
                    const int32_t w0 = wc[0], w1 = wc[1], w2 = wc[2], w3 = wc[3], w4 = wc[4]; \
                    const int32_t w5 = wc[5], w6 = wc[6], w7 = wc[7], w8 = wc[8];          \
                    const int32_t d1 = dw, d2 = 2 * dw;                                    \
                    int32_t *a = acc;                                                      \
                    for (int32_t oy = 0; oy < oh; ++oy) {                                  \
                        const int16_t *p0 = plane + (ptrdiff_t)oy * sh * pw;               \
                        const int16_t *p1 = p0 + (ptrdiff_t)dh * pw;                       \
                        const int16_t *p2 = p1 + (ptrdiff_t)dh * pw;                       \
                        for (int32_t i = 0; i < ow; ++i, p0 += sw, p1 += sw, p2 += sw)     \
                            *a++ = init + w0 * p0[0] + w1 * p0[d1] + w2 * p0[d2] +         \
                                   w3 * p1[0] + w4 * p1[d1] + w5 * p1[d2] + w6 * p2[0] +   \
                                   w7 * p2[d1] + w8 * p2[d2];                              \
                    }                                                                      \
                } else {                                                                   \
                    for (ptrdiff_t i = 0; i < P; ++i) {                                    \
                        const int16_t *p =                                                 \
                            plane + (ptrdiff_t)(i / ow) * sh * pw + (ptrdiff_t)(i % ow) * sw; \
                        int32_t s = init;                                                  \
                        for (int32_t ky = 0; ky < kh; ++ky, p += (ptrdiff_t)dh * pw)       \
                            for (int32_t kx = 0; kx < kw; ++kx)                            \
                                s += (int32_t)wc[ky * kw + kx] * p[(ptrdiff_t)kx * dw];    \
                        acc[i] = s;                                                        \
                    }                                                                      \
                }                                                                          \
                if (fast_rq) {                                                             \
                    const int32_t q = deeploy_g8_channel(rq, base);                        \
                    deeploy_requant8_run(acc, (int32_t)P, (uint8_t *)y + base, 1, rq->mul[q], \
                                         rq->add[q], rq->shift, rq->lo, rq->hi, fits);     \
                } else                                                                     \
                    deeploy_store_acc(acc, (int32_t)P, y, y_type, base, rq);               \
            }                                                                              \
        return 1;                                                                          \
    }

/* The others: for each batch and group, a panel of im2row columns at a time through
 * the matrix engine, rows the group's weights. */
#define DEEPLOY_DEFINE_CONV8(xn, xt, wn, wt)                                               \
    DEEPLOY_DEFINE_DW8(xn, xt, wn, wt)                                                     \
    DEEPLOY_G8_OWN_FRAME static int deeploy_conv8_rows_##xn##_##wn(                        \
        const xt *restrict x, const wt *restrict w, const int32_t *restrict bias,          \
        DEEPLOY_CONV8_ARGS) {                                                              \
        const int32_t cg = c / group, fg = f / group, K = cg * kh * kw;                    \
        if (K > DEEPLOY_G8_KMAX || fg < 2) return 0;                                       \
        xt cols[DEEPLOY_G8_XBUF];                                                          \
        const int32_t P = oh * ow, step = DEEPLOY_G8_NCOLS(K);                             \
        /* channel g fg + r of the outputs' rows (or per tensor) */                        \
        const int32_t by_row = rq != NULL && rq->channels == f && rq->inner == P;          \
        deeploy_g8_out o = {y, y_type, 0, P, 1, rq, NULL, 1, 0, 1, accumulate, 0, 0, 0, 0}; \
        if (rq != NULL && bias == NULL)                                                    \
            o.fits = deeploy_rq8_fits(rq, DEEPLOY_G8_BOUND(K, xn, wn), 0, rq->channels);   \
        if (rq != NULL && rq->channels != 1) o.ch_rs = by_row ? 1 : -1;                    \
        for (int32_t b = 0; b < n; ++b)                                                    \
            for (int32_t g = 0; g < group; ++g) {                                          \
                const xt *xg = x + ((ptrdiff_t)b * c + (ptrdiff_t)g * cg) * h * wd;        \
                o.add = bias != NULL ? bias + (ptrdiff_t)g * fg : NULL;                    \
                o.ch0 = by_row ? g * fg : 0;                                               \
                for (int32_t p0 = 0; p0 < P; p0 += step) {                                 \
                    const int32_t nc = P - p0 < step ? P - p0 : step;                      \
                    for (int32_t j = 0; j < nc; ++j) {                                     \
                        const int32_t oy = (p0 + j) / ow, ox = (p0 + j) % ow;              \
                        deeploy_im2row8_##xn(xg, cg, h, wd, kh, kw, dh, dw, oy * sh - pt,  \
                                             ox * sw - pl, cols + (ptrdiff_t)j * K);       \
                    }                                                                      \
                    o.base = ((ptrdiff_t)b * f + (ptrdiff_t)g * fg) * P + p0;              \
                    deeploy_g8_rows_##wn##_##xn(w + (ptrdiff_t)g * fg * K, K, fg, K, cols, K, nc, &o); \
                }                                                                          \
            }                                                                              \
        return 1;                                                                          \
    }                                                                                      \
    /* the depthwise plane and the engine's buffers in sibling frames, never nested */    \
    static int deeploy_conv8_##xn##_##wn(const xt *restrict x, const wt *restrict w,       \
                                         const int32_t *restrict bias, DEEPLOY_CONV8_ARGS) { \
        return deeploy_dw8_##xn##_##wn(x, w, bias, y, y_type, rq, n, c, h, wd, f, kh, kw, oh, \
                                       ow, sh, sw, dh, dw, pt, pl, group, accumulate) ||   \
               deeploy_conv8_rows_##xn##_##wn(x, w, bias, y, y_type, rq, n, c, h, wd, f, kh, \
                                              kw, oh, ow, sh, sw, dh, dw, pt, pl, group,   \
                                              accumulate);                                 \
    }

DEEPLOY_FOR_INT8_PAIRS(DEEPLOY_DEFINE_CONV8)

#endif /* DEEPLOY_CONV8_H_ */
