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
#define DEEPLOY_DW8_ROW 64     /* sums requantised at once */

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

/* Depthwise: the padded plane of one channel, then every output row from it. */
#define DEEPLOY_DEFINE_DW8(xn, xt, wn, wt)                                                 \
    DEEPLOY_G8_INLINE_COPIES DEEPLOY_G8_OWN_FRAME static int deeploy_dw8_##xn##_##wn(const xt *restrict x, const wt *restrict w,         \
                                       const int32_t *restrict bias, DEEPLOY_CONV8_ARGS) { \
        const int32_t ph = (oh - 1) * sh + (kh - 1) * dh + 1;                              \
        const int32_t pw = (ow - 1) * sw + (kw - 1) * dw + 1;                              \
        if (group != c || f != c || (ptrdiff_t)ph * pw > DEEPLOY_DW8_PLANE || accumulate)  \
            return 0;                                                                      \
        int16_t plane[DEEPLOY_DW8_PLANE];                                                  \
        int32_t acc[DEEPLOY_DW8_ROW];                                                      \
        const ptrdiff_t P = (ptrdiff_t)oh * ow;                                            \
        /* plane columns [q_in, q_out) hold input columns, the others padding */           \
        const int32_t q_in = pl < pw ? pl : pw;                                            \
        const int32_t q_out = pl + wd < pw ? pl + wd : pw;                                 \
        for (int32_t b = 0; b < n; ++b)                                                    \
            for (int32_t ch = 0; ch < c; ++ch) {                                           \
                const xt *xc = x + ((ptrdiff_t)b * c + ch) * h * wd;                       \
                for (int32_t r = 0; r < ph; ++r) {                                         \
                    const int32_t iy = r - pt;                                             \
                    int16_t *d = plane + (ptrdiff_t)r * pw;                                \
                    if (iy < 0 || iy >= h) {                                               \
                        for (int32_t q = 0; q < pw; ++q) d[q] = 0;                         \
                        continue;                                                          \
                    }                                                                      \
                    const xt *xr = xc + (ptrdiff_t)iy * wd - pl;                           \
                    int32_t q = 0;                                                         \
                    for (; q < q_in; ++q) d[q] = 0;                                        \
                    for (; q < q_out; ++q) d[q] = xr[q];                                   \
                    for (; q < pw; ++q) d[q] = 0;                                          \
                }                                                                          \
                const wt *wc = w + (ptrdiff_t)ch * kh * kw;                                \
                const int32_t init = bias != NULL ? bias[ch] : 0;                          \
                const ptrdiff_t base = ((ptrdiff_t)b * c + ch) * P;                        \
                const int32_t w0 = wc[0];                                                  \
                const int32_t w1 = kh * kw == 9 ? wc[1] : 0, w2 = kh * kw == 9 ? wc[2] : 0; \
                const int32_t w3 = kh * kw == 9 ? wc[3] : 0, w4 = kh * kw == 9 ? wc[4] : 0; \
                const int32_t w5 = kh * kw == 9 ? wc[5] : 0, w6 = kh * kw == 9 ? wc[6] : 0; \
                const int32_t w7 = kh * kw == 9 ? wc[7] : 0, w8 = kh * kw == 9 ? wc[8] : 0; \
                for (int32_t oy = 0; oy < oh; ++oy) {                                      \
                    const int16_t *r0 = plane + (ptrdiff_t)oy * sh * pw;                   \
                    for (int32_t ox0 = 0; ox0 < ow; ox0 += DEEPLOY_DW8_ROW) {              \
                        const int32_t len = ow - ox0 < DEEPLOY_DW8_ROW ? ow - ox0 : DEEPLOY_DW8_ROW; \
                        if (kh == 3 && kw == 3) {                                          \
                            const int16_t *p0 = r0 + (ptrdiff_t)ox0 * sw;                  \
                            const int16_t *p1 = p0 + (ptrdiff_t)dh * pw;                   \
                            const int16_t *p2 = p1 + (ptrdiff_t)dh * pw;                   \
                            const int32_t d1 = dw, d2 = 2 * dw;                            \
                            for (int32_t i = 0; i < len; ++i, p0 += sw, p1 += sw, p2 += sw) \
                                acc[i] = init + w0 * p0[0] + w1 * p0[d1] + w2 * p0[d2] +   \
                                         w3 * p1[0] + w4 * p1[d1] + w5 * p1[d2] +          \
                                         w6 * p2[0] + w7 * p2[d1] + w8 * p2[d2];           \
                        } else {                                                           \
                            for (int32_t i = 0; i < len; ++i) {                            \
                                const int16_t *p = r0 + (ptrdiff_t)(ox0 + i) * sw;         \
                                int32_t s = init;                                          \
                                for (int32_t ky = 0; ky < kh; ++ky, p += (ptrdiff_t)dh * pw) \
                                    for (int32_t kx = 0; kx < kw; ++kx)                    \
                                        s += (int32_t)wc[ky * kw + kx] * p[(ptrdiff_t)kx * dw]; \
                                acc[i] = s;                                                \
                            }                                                              \
                        }                                                                  \
                        deeploy_store_acc(acc, len, y, y_type, base + (ptrdiff_t)oy * ow + ox0, rq); \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
        return 1;                                                                          \
    }

/* The others: for each batch and group, a panel of im2row columns at a time through
 * the matrix engine, rows the group's weights. */
#define DEEPLOY_DEFINE_CONV8(xn, xt, wn, wt)                                               \
    DEEPLOY_DEFINE_DW8(xn, xt, wn, wt)                                                     \
    static int deeploy_conv8_##xn##_##wn(const xt *restrict x, const wt *restrict w,       \
                                         const int32_t *restrict bias, DEEPLOY_CONV8_ARGS) { \
        if (deeploy_dw8_##xn##_##wn(x, w, bias, y, y_type, rq, n, c, h, wd, f, kh, kw, oh, ow, \
                                    sh, sw, dh, dw, pt, pl, group, accumulate))            \
            return 1;                                                                      \
        const int32_t cg = c / group, fg = f / group, K = cg * kh * kw;                    \
        if (K > DEEPLOY_G8_KMAX || fg < 2) return 0;                                       \
        xt cols[DEEPLOY_G8_NR * DEEPLOY_G8_KMAX];                                          \
        const int32_t P = oh * ow;                                                         \
        /* channel g fg + r of the outputs' rows (or per tensor) */                        \
        const int32_t by_row = rq != NULL && rq->channels == f && rq->inner == P;          \
        deeploy_g8_out o = {y, y_type, 0, P, 1, rq, NULL, 1, 0, 1, accumulate, 0, 0, 0};   \
        if (rq != NULL && rq->channels != 1) o.ch_rs = by_row ? 1 : -1;                    \
        for (int32_t b = 0; b < n; ++b)                                                    \
            for (int32_t g = 0; g < group; ++g) {                                          \
                const xt *xg = x + ((ptrdiff_t)b * c + (ptrdiff_t)g * cg) * h * wd;        \
                o.add = bias != NULL ? bias + (ptrdiff_t)g * fg : NULL;                    \
                o.ch0 = by_row ? g * fg : 0;                                               \
                for (int32_t p0 = 0; p0 < P; p0 += DEEPLOY_G8_NR) {                        \
                    const int32_t nc = P - p0 < DEEPLOY_G8_NR ? P - p0 : DEEPLOY_G8_NR;    \
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
    }

DEEPLOY_FOR_INT8_PAIRS(DEEPLOY_DEFINE_CONV8)

#endif /* DEEPLOY_CONV8_H_ */
