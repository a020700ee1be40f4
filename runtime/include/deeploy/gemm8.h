/*
 * Deeploy runtime: the 8-bit matrix engine of cores without x86 SIMD (Cortex-M, RISC-V).
 *
 * Every GEMM-like integer layer with 8-bit operands (a convolution through im2row,
 * Gemm, MatMul) is computed as y(r, c) = sum_k W[r][k] X[c][k]: W rows and X columns
 * are int8 or uint8 in memory with k contiguous, W row r at w + r ldw and X column c at
 * x + c ldx. X columns are the rows of an activation matrix as they are, or a few
 * columns the caller copied (the pixels of an im2row, the columns of a matrix): a copy
 * serves every row of W, so it is cheap against the R K multiply-accumulates that read it.
 *
 * With the Arm DSP extension (__ARM_FEATURE_DSP), blocks of 2 x 2 outputs advance 4 k at
 * a time: one word of each row and column, unpacked by SXTB16/UXTB16 into the pairs
 * (k0, k2) and (k1, k3), and every pair of pairs is one SMLAD: 8 SMLAD, 4 loads and 8
 * unpacks per 16 MACs. Elsewhere blocks of 4 x 4 outputs keep their accumulators in
 * registers over a panel of the 4 columns widened to int16 and interleaved by k (8 loads
 * per 16 MACs); the panel (DEEPLOY_G8_PANEL int16) is a local, so the engine is used for
 * K <= DEEPLOY_G8_KMAX.
 */
#ifndef DEEPLOY_GEMM8_H_
#define DEEPLOY_GEMM8_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "deeploy/common_int.h"
#include "deeploy/requant.h"

#define DEEPLOY_G8_KMAX 512

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#define DEEPLOY_G8_B 2 /* rows and columns of a block */
/* SXTB16/UXTB16 of the word rotated by 8: bytes 1 and 3 (ACLE has no rotated form) */
static inline int32_t deeploy_g8_sxtb16_hi(uint32_t v) {
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}
static inline int32_t deeploy_g8_uxtb16_hi(uint32_t v) {
    int32_t r;
    __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}
#define DEEPLOY_G8_LO_i8(v) __sxtb16((int32_t)(v))
#define DEEPLOY_G8_HI_i8(v) deeploy_g8_sxtb16_hi(v)
#define DEEPLOY_G8_LO_u8(v) ((int32_t)__uxtb16(v))
#define DEEPLOY_G8_HI_u8(v) deeploy_g8_uxtb16_hi(v)
#else
#define DEEPLOY_G8_B 4
#endif

#define DEEPLOY_G8_MR DEEPLOY_G8_B /* rows of W per block */
#define DEEPLOY_G8_NR DEEPLOY_G8_B /* columns of X per block */
#define DEEPLOY_G8_PANEL (DEEPLOY_G8_NR * DEEPLOY_G8_KMAX)
#define DEEPLOY_G8_RB 64 /* rows stored at once */

/* Where the outputs go: y(r, c) of a block is element base + r rs + c cs of y (type
 * y_type); before requantisation each sum gets beta * add[r add_rs + c add_cs] (a bias
 * or Gemm's C; add may be NULL) and, with accumulate, the int32 y already holds. The
 * requantisation channel of (r, c) is ch0 + r ch_rs + c ch_cs when ch_rs >= 0 (the
 * caller knows it), else it is found from the element's index. */
typedef struct {
    void *y;
    int32_t y_type;
    ptrdiff_t base, rs, cs;
    const deeploy_rq *rq;
    const int32_t *add;
    ptrdiff_t add_rs, add_cs;
    int32_t beta, accumulate;
    int32_t ch0, ch_rs, ch_cs;
} deeploy_g8_out;

/* The requantisation channel of element i of y */
static inline int32_t deeploy_g8_channel(const deeploy_rq *rq, ptrdiff_t i) {
    return rq->channels == 1 ? 0 : (int32_t)((i / rq->inner) % rq->channels);
}

/* Stores the sums acc[i nc + j] of the block at rows r0 + i < r0 + mr, columns j < ncols. */
static void deeploy_g8_store(const deeploy_g8_out *o, int32_t r0, int32_t mr, int32_t ncols,
                             int32_t nc, int32_t *acc) {
    const deeploy_rq *rq = o->rq;
    if (rq != NULL && o->add == NULL && !o->accumulate && o->ch_rs >= 0 && o->ch_cs == 0 &&
        (o->y_type == DEEPLOY_I8 || o->y_type == DEEPLOY_U8)) {
        /* the usual case, an 8-bit output with one channel per row, parameters per row;
         * everything in locals (byte stores may alias any memory) */
        const int32_t sh = rq->shift > 0 ? rq->shift : 0, lo = rq->lo, hi = rq->hi;
        const int64_t half = rq->shift > 0 ? (int64_t)1 << (rq->shift - 1) : 0;
        const int32_t *mul = rq->mul + o->ch0, *add = rq->add + o->ch0;
        const ptrdiff_t cs = o->cs, rs = o->rs;
        uint8_t *y = (uint8_t *)o->y + o->base + (ptrdiff_t)r0 * rs; /* same bytes, i8 or u8 */
        for (int32_t i = 0; i < mr; ++i, y += rs) {
            const int32_t ch = (r0 + i) * o->ch_rs;
            const int32_t m = mul[ch];
            const int64_t bias = (int64_t)add[ch] + half;
            const int32_t *a = acc + i * nc;
            if (sh >= 1 && sh <= 31)
                for (int32_t j = 0; j < ncols; ++j) {
                    /* v >> sh in 32-bit words: exact where it fits int32 (the top word
                     * shifted by sh - 1 is 0 or -1), else saturated by its sign */
                    const int64_t v = (int64_t)a[j] * m + bias;
                    const int32_t top = (int32_t)(v >> 32), over = top >> (sh - 1);
                    const int32_t t = (uint32_t)(over + 1) > 1u
                                          ? (over < 0 ? INT32_MIN : INT32_MAX)
                                          : (int32_t)(((uint32_t)top << (32 - sh)) |
                                                      ((uint32_t)v >> sh));
                    y[j * cs] = (uint8_t)(t < lo ? lo : t > hi ? hi : t);
                }
            else
                for (int32_t j = 0; j < ncols; ++j) {
                    const int64_t v = ((int64_t)a[j] * m + bias) >> sh;
                    y[j * cs] = (uint8_t)(int32_t)(v < lo ? lo : v > hi ? hi : v);
                }
        }
        return;
    }
    for (int32_t i = 0; i < mr; ++i) {
        const int32_t r = r0 + i;
        int32_t *a = acc + i * nc;
        const ptrdiff_t row = o->base + (ptrdiff_t)r * o->rs;
        if (o->add != NULL)
            for (int32_t j = 0; j < ncols; ++j)
                a[j] += o->beta * o->add[(ptrdiff_t)r * o->add_rs + (ptrdiff_t)j * o->add_cs];
        if (o->accumulate)
            for (int32_t j = 0; j < ncols; ++j) a[j] += ((const int32_t *)o->y)[row + j * o->cs];
        if (rq != NULL)
            for (int32_t j = 0; j < ncols; ++j) {
                const int32_t ch = o->ch_rs >= 0 ? o->ch0 + r * o->ch_rs + j * o->ch_cs
                                                 : deeploy_g8_channel(rq, row + j * o->cs);
                a[j] = deeploy_requant(a[j], rq->mul[ch], rq->add[ch], rq->shift, rq->lo, rq->hi);
            }
        switch (o->y_type) {
        case DEEPLOY_I8:
            for (int32_t j = 0; j < ncols; ++j) ((int8_t *)o->y)[row + j * o->cs] = (int8_t)a[j];
            break;
        case DEEPLOY_U8:
            for (int32_t j = 0; j < ncols; ++j) ((uint8_t *)o->y)[row + j * o->cs] = (uint8_t)a[j];
            break;
        case DEEPLOY_I16:
            for (int32_t j = 0; j < ncols; ++j) ((int16_t *)o->y)[row + j * o->cs] = (int16_t)a[j];
            break;
        case DEEPLOY_U16:
            for (int32_t j = 0; j < ncols; ++j) ((uint16_t *)o->y)[row + j * o->cs] = (uint16_t)a[j];
            break;
        default:
            for (int32_t j = 0; j < ncols; ++j) ((int32_t *)o->y)[row + j * o->cs] = a[j];
            break;
        }
    }
}

#if defined(__ARM_FEATURE_DSP)
/* acc[MR_][NR_] = W rows . X columns, 4 k per step by SMLAD; the last K % 4 one by one */
#define DEEPLOY_G8_BLOCK(wn, wt, xn, xt, MR_, NR_)                                         \
    static inline void deeploy_g8_block_##wn##_##xn##_##MR_##x##NR_(                       \
        const wt *w, ptrdiff_t ldw, const xt *x, ptrdiff_t ldx, int32_t K, int32_t *acc) { \
        int32_t a[MR_][NR_];                                                               \
        _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i)                          \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) a[i][j] = 0;         \
        const int32_t k4 = K & ~3;                                                         \
        int32_t k = 0;                                                                     \
        for (; k < k4; k += 4) {                                                           \
            int32_t wl[MR_], wh[MR_];                                                      \
            _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i) {                    \
                uint32_t v;                                                                \
                memcpy(&v, w + i * ldw + k, 4);                                            \
                wl[i] = DEEPLOY_G8_LO_##wn(v);                                             \
                wh[i] = DEEPLOY_G8_HI_##wn(v);                                             \
            }                                                                              \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) {                    \
                uint32_t v;                                                                \
                memcpy(&v, x + j * ldx + k, 4);                                            \
                const int32_t xl = DEEPLOY_G8_LO_##xn(v), xh = DEEPLOY_G8_HI_##xn(v);      \
                _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i) {                \
                    a[i][j] = __smlad(wl[i], xl, a[i][j]);                                 \
                    a[i][j] = __smlad(wh[i], xh, a[i][j]);                                 \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
        for (; k < K; ++k)                                                                 \
            _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i)                      \
                _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j)                  \
                    a[i][j] += (int32_t)w[i * ldw + k] * x[j * ldx + k];                   \
        _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i)                          \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) acc[i * NR_ + j] = a[i][j]; \
    }
#define DEEPLOY_G8_PREPARE(xn, xt, x, ldx, K, ncols, panel) /* X columns read in place */
#define DEEPLOY_G8_COLS(xn, x, ldx, panel) x, ldx
#else
/* acc[MR_][NR_] = W rows . panel columns (p[k NR + j], see deeploy_g8_widen), one k per
 * step. */
#define DEEPLOY_G8_BLOCK(wn, wt, xn, xt, MR_, NR_)                                         \
    static inline void deeploy_g8_block_##wn##_##xn##_##MR_##x##NR_(                       \
        const wt *w, ptrdiff_t ldw, const int16_t *p, ptrdiff_t unused, int32_t K,         \
        int32_t *acc) {                                                                    \
        (void)unused;                                                                      \
        int32_t a[MR_][NR_];                                                               \
        const wt *wr[MR_];                                                                 \
        _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i) {                        \
            wr[i] = w + (ptrdiff_t)i * ldw;                                                \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) a[i][j] = 0;         \
        }                                                                                  \
        for (int32_t k = 0; k < K; ++k, p += DEEPLOY_G8_NR) {                              \
            int32_t wv[MR_];                                                               \
            _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i) wv[i] = wr[i][k];    \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) {                    \
                const int32_t pv = p[j];                                                   \
                _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i) a[i][j] += wv[i] * pv; \
            }                                                                              \
        }                                                                                  \
        _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i)                          \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) acc[i * NR_ + j] = a[i][j]; \
    }
/* The panel of the scalar blocks: column j < ncols of X widened at p[k NR + j], the
 * others zero. */
#define DEEPLOY_G8_WIDEN(xn, xt)                                                           \
    static inline void deeploy_g8_widen_##xn(const xt *x, ptrdiff_t ldx, int32_t K,        \
                                             int32_t ncols, int16_t *restrict p) {         \
        for (int32_t j = 0; j < DEEPLOY_G8_NR; ++j) {                                      \
            const xt *c = x + (ptrdiff_t)j * ldx;                                          \
            if (j < ncols)                                                                 \
                for (int32_t k = 0; k < K; ++k) p[(ptrdiff_t)k * DEEPLOY_G8_NR + j] = c[k]; \
            else if (ncols > 1)                                                            \
                for (int32_t k = 0; k < K; ++k) p[(ptrdiff_t)k * DEEPLOY_G8_NR + j] = 0;   \
        }                                                                                  \
    }
DEEPLOY_G8_WIDEN(i8, int8_t)
DEEPLOY_G8_WIDEN(u8, uint8_t)
#define DEEPLOY_G8_PREPARE(xn, xt, x, ldx, K, ncols, panel)                                \
    int16_t panel[DEEPLOY_G8_PANEL];                                                       \
    deeploy_g8_widen_##xn(x, ldx, K, ncols, panel);
#define DEEPLOY_G8_COLS(xn, x, ldx, panel) panel, 0
#endif

/* Instances take the block size as a literal (B: 2 or 4) through one expansion. */
#define DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, m, n) DEEPLOY_G8_BLOCK(wn, wt, xn, xt, m, n)
#define DEEPLOY_G8_FN_(wn, xn, m, n) DEEPLOY_G8_FN2_(wn, xn, m, n)
#define DEEPLOY_G8_FN2_(wn, xn, m, n) deeploy_g8_block_##wn##_##xn##_##m##x##n

/* y(r, c) for r < R and c < ncols (<= NR): W row r at w + r ldw, X column c at
 * x + c ldx. */
#define DEEPLOY_G8_DEFINE(wn, wt, xn, xt)                                                  \
    DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, DEEPLOY_G8_B, DEEPLOY_G8_B)                          \
    DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, DEEPLOY_G8_B, 1)                                     \
    DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, 1, DEEPLOY_G8_B)                                     \
    DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, 1, 1)                                                \
    static void deeploy_g8_rows_##wn##_##xn(const wt *w, ptrdiff_t ldw, int32_t R,         \
                                            int32_t K, const xt *x, ptrdiff_t ldx,         \
                                            int32_t ncols, const deeploy_g8_out *o) {      \
        int32_t acc[DEEPLOY_G8_RB * DEEPLOY_G8_NR];                                        \
        const int32_t nc = ncols == 1 ? 1 : DEEPLOY_G8_NR;                                 \
        DEEPLOY_G8_PREPARE(xn, xt, x, ldx, K, ncols, panel)                                \
        for (int32_t r0 = 0; r0 < R; r0 += DEEPLOY_G8_RB) { /* a strip of rows, one store */ \
            const int32_t rb = R - r0 < DEEPLOY_G8_RB ? R - r0 : DEEPLOY_G8_RB;            \
            int32_t r = 0;                                                                 \
            for (; r + DEEPLOY_G8_MR <= rb; r += DEEPLOY_G8_MR) {                          \
                const wt *wr = w + (ptrdiff_t)(r0 + r) * ldw;                              \
                if (nc == 1)                                                               \
                    DEEPLOY_G8_FN_(wn, xn, DEEPLOY_G8_B, 1)(                               \
                        wr, ldw, DEEPLOY_G8_COLS(xn, x, ldx, panel), K, acc + r * nc);     \
                else                                                                       \
                    DEEPLOY_G8_FN_(wn, xn, DEEPLOY_G8_B, DEEPLOY_G8_B)(                    \
                        wr, ldw, DEEPLOY_G8_COLS(xn, x, ldx, panel), K, acc + r * nc);     \
            }                                                                              \
            for (; r < rb; ++r) {                                                          \
                const wt *wr = w + (ptrdiff_t)(r0 + r) * ldw;                              \
                if (nc == 1)                                                               \
                    DEEPLOY_G8_FN_(wn, xn, 1, 1)(wr, ldw, DEEPLOY_G8_COLS(xn, x, ldx, panel), K, \
                                                 acc + r * nc);                            \
                else                                                                       \
                    DEEPLOY_G8_FN_(wn, xn, 1, DEEPLOY_G8_B)(                               \
                        wr, ldw, DEEPLOY_G8_COLS(xn, x, ldx, panel), K, acc + r * nc);     \
            }                                                                              \
            deeploy_g8_store(o, r0, rb, ncols, nc, acc);                                   \
        }                                                                                  \
    }

DEEPLOY_FOR_INT8_PAIRS(DEEPLOY_G8_DEFINE)

#endif /* DEEPLOY_GEMM8_H_ */
