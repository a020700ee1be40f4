/*
 * Deeploy runtime: depthwise convolutions with 8-bit weights on cores without x86 SIMD
 * (Cortex-M, RISC-V), for deeploy/conv8.h. Each returns 0 (nothing done) where it does
 * not apply:
 * - deeploy_dwp8_<x>_<w>, few outputs per channel: blocks of channels copied, zero
 *   padded, into a byte buffer, each output pixel run over all channels of a block;
 * - deeploy_dw8_<x>_<w>, more outputs: each channel widened and zero padded into an
 *   int16 plane, all its outputs requantised at once.
 * Either way the window has no bounds checks (a 3 x 3 window unrolled).
 */
#ifndef DEEPLOY_DW8_H_
#define DEEPLOY_DW8_H_

#include "deeploy/gemm8.h"
#include "deeploy/requant.h"

#define DEEPLOY_DW8_PLANE 1024 /* int16 elements of the padded plane (a stack local) */
#define DEEPLOY_DW8_OUT 256    /* outputs of a channel, at most (a stack local) */

/* The arguments of the 8-bit convolution kernels after x, w and bias (here and in
 * deeploy/conv8.h) */
#define DEEPLOY_CONV8_ARGS                                                                 \
    void *restrict y, int32_t y_type, const deeploy_rq *rq, int32_t n, int32_t c,          \
        int32_t h, int32_t wd, int32_t f, int32_t kh, int32_t kw, int32_t oh, int32_t ow,  \
        int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,            \
        int32_t group, int32_t accumulate

#if defined(__GNUC__)
#define DEEPLOY_DW8_INLINE __attribute__((always_inline)) inline
#else
#define DEEPLOY_DW8_INLINE inline
#endif

#if defined(__ARM_FEATURE_DSP)
/* A 3 x 3 window over an int16 plane, taps of a row in pairs: one word load and one SMLAD
 * for the first two taps, SMLABB for the third. Inlined: its arguments would otherwise
 * go through the stack once per channel. */
#define DEEPLOY_DW8_PAIRS 1
#define DEEPLOY_DW8_PAIR(lo, hi) ((int32_t)(((uint32_t)(lo) & 0xffffu) | ((uint32_t)(hi) << 16)))
#define DEEPLOY_DEFINE_DW8_PAIRS(wn, wt)                                                   \
    static DEEPLOY_DW8_INLINE void deeploy_dw8_3x3_pairs_##wn(                             \
        const int16_t *plane, int32_t pw, const wt *wc, int32_t init, int32_t oh,          \
        int32_t ow, int32_t sh, int32_t sw, int32_t dh, int32_t *acc) {                    \
        const int32_t w01 = DEEPLOY_DW8_PAIR(wc[0], wc[1]), w2 = wc[2];                    \
        const int32_t w34 = DEEPLOY_DW8_PAIR(wc[3], wc[4]), w5 = wc[5];                    \
        const int32_t w67 = DEEPLOY_DW8_PAIR(wc[6], wc[7]), w8 = wc[8];                    \
        for (int32_t oy = 0; oy < oh; ++oy) {                                              \
            const int16_t *p0 = plane + (ptrdiff_t)oy * sh * pw;                           \
            const int16_t *p1 = p0 + (ptrdiff_t)dh * pw, *p2 = p1 + (ptrdiff_t)dh * pw;    \
            for (int32_t i = 0; i < ow; ++i, p0 += sw, p1 += sw, p2 += sw) {               \
                int32_t v0, v1, v2;                                                        \
                memcpy(&v0, p0, 4);                                                        \
                memcpy(&v1, p1, 4);                                                        \
                memcpy(&v2, p2, 4);                                                        \
                int32_t s = __smlad(v0, w01, init);                                        \
                s = __smlabb(p0[2], w2, s);                                                \
                s = __smlad(v1, w34, s);                                                   \
                s = __smlabb(p1[2], w5, s);                                                \
                s = __smlad(v2, w67, s);                                                   \
                *acc++ = __smlabb(p2[2], w8, s);                                           \
            }                                                                              \
        }                                                                                  \
    }
DEEPLOY_DEFINE_DW8_PAIRS(i8, int8_t)
DEEPLOY_DEFINE_DW8_PAIRS(u8, uint8_t)
/* n bytes widened to int16, four per word: SXTB16/UXTB16 give bytes 0, 2 and 1, 3 */
#define DEEPLOY_DEFINE_DW8_WIDEN(xn, xt)                                                   \
    static DEEPLOY_DW8_INLINE void deeploy_dw8_widen_##xn(const xt *s, int16_t *d, int32_t n) { \
        int32_t q = 0;                                                                     \
        for (; q + 4 <= n; q += 4) {                                                       \
            uint32_t v;                                                                    \
            memcpy(&v, s + q, 4);                                                          \
            const uint32_t e = (uint32_t)DEEPLOY_G8_LO_##xn(v), o = (uint32_t)DEEPLOY_G8_HI_##xn(v); \
            const uint32_t w0 = (e & 0xffffu) | (o << 16), w1 = (o & 0xffff0000u) | (e >> 16); \
            memcpy(d + q, &w0, 4);                                                         \
            memcpy(d + q + 2, &w1, 4);                                                     \
        }                                                                                  \
        for (; q < n; ++q) d[q] = s[q];                                                    \
    }
#else
#define DEEPLOY_DW8_PAIRS 0
#define deeploy_dw8_3x3_pairs_i8(...) (void)0
#define deeploy_dw8_3x3_pairs_u8(...) (void)0
#define DEEPLOY_DEFINE_DW8_WIDEN(xn, xt)                                                   \
    static DEEPLOY_DW8_INLINE void deeploy_dw8_widen_##xn(const xt *s, int16_t *d, int32_t n) { \
        for (int32_t q = 0; q < n; ++q) d[q] = s[q];                                       \
    }
#endif
DEEPLOY_DEFINE_DW8_WIDEN(i8, int8_t)
DEEPLOY_DEFINE_DW8_WIDEN(u8, uint8_t)

/* Depthwise with few outputs per channel (where the per-channel set-up of the plane
 * below would dominate): a block of channels is copied, zero padded, into a byte buffer,
 * then each output pixel runs over all channels of the block, the window with no bounds
 * checks (3 x 3 unrolled), each sum requantised as it is made. */
#define DEEPLOY_DWP8_MAXTAPS 25
#define DEEPLOY_DWP8_MAXP 64    /* outputs per channel, at most: beyond, the plane */
#define DEEPLOY_DWP8_BUF 2048   /* bytes of the padded block (a stack local) */
/* t saturated to int8 (mode 0) or uint8 (1) */
static DEEPLOY_DW8_INLINE uint8_t deeploy_dwp8_sat(int32_t t, const int mode) {
    return (uint8_t)(mode == 0 ? (int32_t)DEEPLOY_RQ8_S8_ : (int32_t)DEEPLOY_RQ8_U8_);
}
#define DEEPLOY_DWP8_TAPS3(x0, x1, x2)                                                     \
    (x0[0] * wc[0] + x0[1] * wc[1] + x0[2] * wc[2] + x1[0] * wc[3] + x1[1] * wc[4] +       \
     x1[2] * wc[5] + x2[0] * wc[6] + x2[1] * wc[7] + x2[2] * wc[8])
#define DEEPLOY_DEFINE_DWP8(xn, xt, wn, wt)                                                \
    /* the nb outputs y[ch P] of one pixel, the window at xb + ch pp + xo[t] for channel   \
     * ch of the block (3 x 3 unrolled with row stride `row` where `full`); parameters     \
     * per channel, requantised in 32 bits to int8 (mode 0) or uint8 (1) */                \
    static DEEPLOY_DW8_INLINE void deeploy_dwp8_pixel_##xn##_##wn(                         \
        const xt *xb, const wt *wc, uint8_t *yb, int32_t nb, ptrdiff_t pp, ptrdiff_t P,    \
        const int32_t *xo, int32_t kk, ptrdiff_t row, int full, const int32_t *mul,        \
        const int32_t *add, const int32_t *bias, int32_t sh, const int mode,               \
        const int with_bias, ptrdiff_t xs) {                                               \
        const int32_t rnd = (int32_t)1 << (sh - 1);                                        \
        if (xs) /* and the next pixel, its window xs further: the weights loaded once */   \
            for (int32_t ch = 0; ch < nb; ++ch, xb += pp, yb += P, wc += 9) {              \
                const xt *x1 = xb + row, *x2 = x1 + row;                                   \
                const xt *z0 = xb + xs, *z1 = x1 + xs, *z2 = x2 + xs;                      \
                const int32_t b_ = with_bias ? bias[ch] : 0;                               \
                const int32_t s0 = b_ + DEEPLOY_DWP8_TAPS3(xb, x1, x2);                    \
                const int32_t s1 = b_ + DEEPLOY_DWP8_TAPS3(z0, z1, z2);                    \
                const int32_t m_ = mul[ch], a_ = add[ch] + rnd;                            \
                yb[0] = deeploy_dwp8_sat((s0 * m_ + a_) >> sh, mode);                      \
                yb[1] = deeploy_dwp8_sat((s1 * m_ + a_) >> sh, mode);                      \
            }                                                                              \
        else                                                                               \
        for (int32_t ch = 0; ch < nb; ++ch, xb += pp, yb += P) {                           \
            int32_t s = (with_bias ? bias[ch] : 0);                                        \
            if (full) {                                                                    \
                const xt *x1 = xb + row, *x2 = x1 + row;                                   \
                s += DEEPLOY_DWP8_TAPS3(xb, x1, x2);                                       \
                wc += 9;                                                                   \
            } else {                                                                       \
                for (int32_t t = 0; t < kk; ++t) s += xb[xo[t]] * wc[t];                   \
                wc += kk;                                                                  \
            }                                                                              \
            *yb = deeploy_dwp8_sat((s * mul[ch] + add[ch] + rnd) >> sh, mode);             \
        }                                                                                  \
    }                                                                                      \
    DEEPLOY_G8_INLINE_COPIES DEEPLOY_G8_OWN_FRAME static int deeploy_dwp8_##xn##_##wn(     \
        const xt *restrict x, const wt *restrict w, const int32_t *restrict bias,          \
        DEEPLOY_CONV8_ARGS) {                                                              \
        const ptrdiff_t P = (ptrdiff_t)oh * ow, hw = (ptrdiff_t)h * wd;                    \
        const int32_t ph = (oh - 1) * sh + (kh - 1) * dh + 1;                              \
        const int32_t pw = (ow - 1) * sw + (kw - 1) * dw + 1;                              \
        const ptrdiff_t pp = (ptrdiff_t)ph * pw;                                           \
        if (group != c || f != c || accumulate || rq == NULL || P > DEEPLOY_DWP8_MAXP ||   \
            kh * kw > DEEPLOY_DWP8_MAXTAPS || pp > DEEPLOY_DWP8_BUF ||                     \
            (y_type != DEEPLOY_I8 && y_type != DEEPLOY_U8) ||                              \
            rq->channels != c || rq->inner != P || rq->lo != (y_type == DEEPLOY_I8 ? INT8_MIN : 0) || \
            rq->hi != (y_type == DEEPLOY_I8 ? INT8_MAX : UINT8_MAX))                       \
            return 0;                                                                      \
        /* sum x mul + add + rounding within int32 (else the plane, in 64 bits) */         \
        const int64_t bound = DEEPLOY_G8_BOUND(kh * kw, xn, wn) + deeploy_max_abs(bias, c); \
        if (deeploy_rq8_fits(rq, bound, 0, c) != 2) return 0;                              \
        static const int32_t zero = 0;                                                     \
        const int s8 = y_type == DEEPLOY_I8;                                               \
        const int full = kh == 3 && kw == 3 && dw == 1;                                    \
        const ptrdiff_t row = (ptrdiff_t)dh * pw;                                          \
        const int32_t sh_ = rq->shift;                                                     \
        int32_t xo[DEEPLOY_DWP8_MAXTAPS];                                                  \
        for (int32_t ky = 0; ky < kh; ++ky)                                                \
            for (int32_t kx = 0; kx < kw; ++kx) xo[ky * kw + kx] = ky * dh * pw + kx * dw; \
        const int32_t cb = (int32_t)(DEEPLOY_DWP8_BUF / pp); /* channels per block */      \
        xt buf[DEEPLOY_DWP8_BUF + 4] __attribute__((aligned(4)));                          \
        /* the block's rows [r_in, r_out) and columns [q_in, q_out) hold input; the        \
         * border, zeroed once, stays zero */                                              \
        const int32_t r_in = pt < ph ? pt : ph, r_out = pt + h < ph ? pt + h : ph;         \
        const int32_t q_in = pl < pw ? pl : pw, q_out = pl + wd < pw ? pl + wd : pw;       \
        const ptrdiff_t used = (ptrdiff_t)(cb < c ? cb : c) * pp;                          \
        for (ptrdiff_t i = 0; i < used; i += 4) memcpy(buf + i, &zero, 4); /* words */     \
        for (int32_t b = 0; b < n; ++b)                                                    \
            for (int32_t ch0 = 0; ch0 < c; ch0 += cb) {                                    \
                const int32_t nb = c - ch0 < cb ? c - ch0 : cb;                            \
                for (int32_t ch = 0; ch < nb; ++ch) {                                      \
                    const xt *xc = x + ((ptrdiff_t)b * c + ch0 + ch) * hw - (ptrdiff_t)pt * wd - pl; \
                    xt *d = buf + ch * pp;                                                 \
                    for (int32_t r = r_in; r < r_out; ++r) {                               \
                        xt *dr = d + (ptrdiff_t)r * pw;                                    \
                        const xt *sr = xc + (ptrdiff_t)r * wd;                             \
                        int32_t k = q_in;                                                  \
                        for (; k + 4 <= q_out; k += 4) memcpy(dr + k, sr + k, 4);          \
                        for (; k < q_out; ++k) dr[k] = sr[k];                              \
                    }                                                                      \
                }                                                                          \
                const wt *wb = w + (ptrdiff_t)ch0 * kh * kw;                               \
                uint8_t *yb = (uint8_t *)y + ((ptrdiff_t)b * c + ch0) * P;                 \
                for (int32_t oy = 0; oy < oh; ++oy)                                        \
                    for (int32_t ox = 0; ox < ow;) {                                       \
                        const xt *xb = buf + (ptrdiff_t)oy * sh * pw + (ptrdiff_t)ox * sw; \
                        const ptrdiff_t xs = full && ox + 1 < ow ? sw : 0;                 \
                        uint8_t *yp = yb + (ptrdiff_t)oy * ow + ox;                        \
                        const int32_t *m = rq->mul + ch0, *ad = rq->add + ch0;             \
                        const int32_t *bi = bias != NULL ? bias + ch0 : NULL;              \
                        if (s8 && bias == NULL)                                            \
                            deeploy_dwp8_pixel_##xn##_##wn(xb, wb, yp, nb, pp, P, xo, kh * kw, \
                                                           row, full, m, ad, bi, sh_, 0, 0, xs); \
                        else if (s8)                                                       \
                            deeploy_dwp8_pixel_##xn##_##wn(xb, wb, yp, nb, pp, P, xo, kh * kw, \
                                                           row, full, m, ad, bi, sh_, 0, 1, xs); \
                        else if (bias == NULL)                                             \
                            deeploy_dwp8_pixel_##xn##_##wn(xb, wb, yp, nb, pp, P, xo, kh * kw, \
                                                           row, full, m, ad, bi, sh_, 1, 0, xs); \
                        else                                                               \
                            deeploy_dwp8_pixel_##xn##_##wn(xb, wb, yp, nb, pp, P, xo, kh * kw, \
                                                           row, full, m, ad, bi, sh_, 1, 1, xs); \
                        ox += xs ? 2 : 1;                                                  \
                    }                                                                      \
            }                                                                              \
        return 1;                                                                          \
    }

/* Depthwise: the padded plane of one channel (its border zeroed once for all
 * channels), then all its outputs, requantised at once with the channel's parameters. */
#define DEEPLOY_DEFINE_DW8(xn, xt, wn, wt)                                                 \
    DEEPLOY_G8_INLINE_COPIES DEEPLOY_G8_OWN_FRAME static int deeploy_dw8_##xn##_##wn(      \
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
        /* for every channel, with the largest bias */                                     \
        const int32_t fits =                                                               \
            fast_rq ? deeploy_rq8_fits(rq, DEEPLOY_G8_BOUND(kh * kw, xn, wn) + deeploy_max_abs(bias, c), \
                                       0, rq->channels)                                    \
                    : 0;                                                                   \
        for (int32_t b = 0; b < n; ++b)                                                    \
            for (int32_t ch = 0; ch < c; ++ch) {                                           \
                const xt *xc = x + ((ptrdiff_t)b * c + ch) * h * wd - (ptrdiff_t)pt * wd - pl; \
                for (int32_t r = r_in; r < r_out; ++r)                                     \
                    deeploy_dw8_widen_##xn(xc + (ptrdiff_t)r * wd + q_in,                  \
                                           plane + (ptrdiff_t)r * pw + q_in, q_out - q_in); \
                const wt *wc = w + (ptrdiff_t)ch * kh * kw;                                \
                const int32_t init = bias != NULL ? bias[ch] : 0;                          \
                const ptrdiff_t base = ((ptrdiff_t)b * c + ch) * P;                        \
                if (DEEPLOY_DW8_PAIRS && kh == 3 && kw == 3 && dw == 1) {                  \
                    deeploy_dw8_3x3_pairs_##wn(plane, pw, wc, init, oh, ow, sh, sw, dh, acc); \
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
                    /* channel (b c + ch) % channels of a per-channel rq (inner == P) */   \
                    const int32_t q = rq->channels == 1   ? 0                              \
                                      : rq->channels == c ? ch                             \
                                                          : (int32_t)((b * c + ch) % rq->channels); \
                    deeploy_requant8_run(acc, (int32_t)P, (uint8_t *)y + base, 1, rq->mul[q], \
                                         rq->add[q], rq->shift, rq->lo, rq->hi, fits);     \
                } else                                                                     \
                    deeploy_store_acc(acc, (int32_t)P, y, y_type, base, rq);               \
            }                                                                              \
        return 1;                                                                          \
    }

#endif /* DEEPLOY_DW8_H_ */
