/*
 * Deeploy runtime: integer convolutions with 8-bit weights on cores without x86 SIMD
 * (Cortex-M, RISC-V), for runtime/kernels/conv_int.c.
 *
 * deeploy_conv8_<x>_<w> returns 0 (nothing done) where it does not apply, and the
 * portable kernel runs instead:
 * - a depthwise convolution (one input and one output channel per group) runs the
 *   kernels of deeploy/dw8.h;
 * - any other convolution with K = channels per group x window <= DEEPLOY_G8_KMAX is
 *   the product of the weights (F x K, as stored) with the im2row of a few output
 *   pixels at a time (bytes as in the input, a window row inside the image one copy),
 *   by the 8-bit matrix engine (deeploy/gemm8.h).
 */
#ifndef DEEPLOY_CONV8_H_
#define DEEPLOY_CONV8_H_

#include "deeploy/dw8.h"
#include "deeploy/gemm8.h"
#include "deeploy/requant.h"

/* col[0 .. cg kh kw) = what the output pixel whose window starts at (iy0, ix0) reads
 * through each weight, 0 in the padding. */
#define DEEPLOY_DEFINE_IM2ROW8(xn, xt)                                                     \
    DEEPLOY_G8_INLINE_COPIES static void deeploy_im2row8_##xn(const xt *xg, int32_t cg, int32_t h, int32_t wd, \
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

/* The others: for each batch and group, a panel of im2row columns at a time through
 * the matrix engine, rows the group's weights. */
#define DEEPLOY_DEFINE_CONV8(xn, xt, wn, wt)                                               \
    DEEPLOY_DEFINE_DWP8(xn, xt, wn, wt)                                                    \
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
    /* the depthwise plane and the engine's buffers in sibling frames, never nested */     \
    static int deeploy_conv8_##xn##_##wn(const xt *restrict x, const wt *restrict w,       \
                                         const int32_t *restrict bias, DEEPLOY_CONV8_ARGS) { \
        return deeploy_dwp8_##xn##_##wn(x, w, bias, y, y_type, rq, n, c, h, wd, f, kh, kw, oh, \
                                        ow, sh, sw, dh, dw, pt, pl, group, accumulate) ||  \
               deeploy_dw8_##xn##_##wn(x, w, bias, y, y_type, rq, n, c, h, wd, f, kh, kw, oh, \
                                       ow, sh, sw, dh, dw, pt, pl, group, accumulate) ||   \
               deeploy_conv8_rows_##xn##_##wn(x, w, bias, y, y_type, rq, n, c, h, wd, f, kh, \
                                              kw, oh, ow, sh, sw, dh, dw, pt, pl, group,   \
                                              accumulate);                                 \
    }

DEEPLOY_FOR_INT8_PAIRS(DEEPLOY_DEFINE_CONV8)

#endif /* DEEPLOY_CONV8_H_ */
