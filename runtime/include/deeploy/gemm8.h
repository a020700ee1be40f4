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
#define DEEPLOY_G8_NCMAX 32    /* X columns per call, at most */
#define DEEPLOY_G8_COLBUF 1024 /* elements of the X columns a caller copies, at most */
/* Elements of a buffer holding DEEPLOY_G8_NCOLS(K) columns of K <= KMAX, padded to a
 * multiple of NR columns (scalar panels: at most NR - 1 columns of K <= COLBUF / NR more)
 * or with each column padded to a multiple of 4 (DSP pairs: 3 more per column). */
#define DEEPLOY_G8_XSMALL                                                                  \
    (DEEPLOY_G8_COLBUF + (DEEPLOY_G8_NR - 1) * (DEEPLOY_G8_COLBUF / DEEPLOY_G8_NR) +       \
     3 * DEEPLOY_G8_NCMAX)
#define DEEPLOY_G8_XBUF                                                                    \
    (DEEPLOY_G8_XSMALL > DEEPLOY_G8_NR * DEEPLOY_G8_KMAX ? DEEPLOY_G8_XSMALL               \
                                                          : DEEPLOY_G8_NR * DEEPLOY_G8_KMAX)
/* X columns per call for a given K: NCMAX, fewer where K is long (at least NR) */
#define DEEPLOY_G8_NCOLS(K)                                                                \
    (DEEPLOY_G8_COLBUF / (K) >= DEEPLOY_G8_NCMAX   ? DEEPLOY_G8_NCMAX                      \
     : DEEPLOY_G8_COLBUF / (K) >= DEEPLOY_G8_NR ? DEEPLOY_G8_COLBUF / (K)                  \
                                                 : DEEPLOY_G8_NR)

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
    int32_t fits; /* deeploy_rq8_fits of the sums: 0, 1 or 2 */
} deeploy_g8_out;

/* A bound of |sum| over k of K products of 8-bit values (x: xn, w: wn) */
#define DEEPLOY_G8_MAG_i8 128
#define DEEPLOY_G8_MAG_u8 255
#define DEEPLOY_G8_BOUND(K, xn, wn) ((int64_t)(K) * DEEPLOY_G8_MAG_##xn * DEEPLOY_G8_MAG_##wn)

/* The requantisation channel of element i of y */
static inline int32_t deeploy_g8_channel(const deeploy_rq *rq, ptrdiff_t i) {
    return rq->channels == 1 ? 0 : (int32_t)((i / rq->inner) % rq->channels);
}

/* deeploy_requant of n sums with one (mul, add) into the 8-bit y[i stride] (int8 or
 * uint8: the same bytes), the clamp range a constant in the usual cases. For shifts in
 * [1, 31] the 64-bit sum is shifted in 32-bit words: exact where the result fits int32
 * (the top word shifted by shift - 1 is 0 or -1), else saturated by its sign, which the
 * clamp then maps as it would the exact value; `fits` (deeploy_rq8_fits) 1 says the result
 * always fits, and the check is left out, 2 that all of it fits 32-bit words. */
#define DEEPLOY_RQ8_LOOP_(CLAMP)                                                           \
    if (fits == 2)                                                                         \
        for (int32_t i = 0; i < n; ++i) {                                                  \
            const int32_t t = (acc[i] * mul + add32) >> sh;                                \
            y[i * stride] = (uint8_t)(CLAMP);                                              \
        }                                                                                  \
    else if (fits)                                                                         \
        for (int32_t i = 0; i < n; ++i) {                                                  \
            const int64_t v = (int64_t)acc[i] * mul + bias;                                \
            const int32_t t = (int32_t)(((uint32_t)(v >> 32) << (32 - sh)) | ((uint32_t)v >> sh)); \
            y[i * stride] = (uint8_t)(CLAMP);                                              \
        }                                                                                  \
    else                                                                                   \
        for (int32_t i = 0; i < n; ++i) {                                                  \
            const int64_t v = (int64_t)acc[i] * mul + bias;                                \
            const int32_t top = (int32_t)(v >> 32), over = top >> (sh - 1);                \
            int32_t t = (int32_t)(((uint32_t)top << (32 - sh)) | ((uint32_t)v >> sh));     \
            if ((uint32_t)(over + 1) > 1u) t = over < 0 ? INT32_MIN : INT32_MAX;           \
            y[i * stride] = (uint8_t)(CLAMP);                                              \
        }
#if defined(__ARM_FEATURE_DSP)
#define DEEPLOY_RQ8_S8_ __ssat(t, 8)
#define DEEPLOY_RQ8_U8_ __usat(t, 8)
#else
#define DEEPLOY_RQ8_S8_ (t < INT8_MIN ? INT8_MIN : t > INT8_MAX ? INT8_MAX : t)
#define DEEPLOY_RQ8_U8_ (t < 0 ? 0 : t > UINT8_MAX ? UINT8_MAX : t)
#endif
/* its own frame: called from kernels with many live values, its loop keeps everything
 * in registers */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void deeploy_requant8_run(const int32_t *acc, int32_t n, uint8_t *y,
                                        ptrdiff_t stride, int32_t mul, int32_t add,
                                        int32_t shift, int32_t lo, int32_t hi, int fits) {
    if (shift < 1 || shift > 31) {
        for (int32_t i = 0; i < n; ++i)
            y[i * stride] = (uint8_t)deeploy_requant(acc[i], mul, add, shift, lo, hi);
        return;
    }
    const int32_t sh = shift;
    const int64_t bias = (int64_t)add + ((int64_t)1 << (sh - 1));
    const int32_t add32 = fits == 2 ? (int32_t)bias : 0; /* in int32 where fits == 2 */
    if (lo == INT8_MIN && hi == INT8_MAX)
        DEEPLOY_RQ8_LOOP_(DEEPLOY_RQ8_S8_)
    else if (lo == 0 && hi == UINT8_MAX)
        DEEPLOY_RQ8_LOOP_(DEEPLOY_RQ8_U8_)
    else
        DEEPLOY_RQ8_LOOP_(t < lo ? lo : t > hi ? hi : t)
}

/* The largest |v[i]| for i < n; 0 for v NULL (no bias). */
static inline int64_t deeploy_max_abs(const int32_t *v, int32_t n) {
    int64_t m = 0;
    for (int32_t i = 0; v != NULL && i < n; ++i) {
        const int64_t a = v[i] < 0 ? -(int64_t)v[i] : v[i];
        if (a > m) m = a;
    }
    return m;
}

/* For sums of magnitude at most `bound` and channels [ch0, ch0 + count) of rq:
 * 2 where sum x mul + add + rounding stays in int32 (requantisation in 32-bit words),
 * 1 where only the shifted result does (deeploy_requant8_run's `fits`), else 0. */
static inline int deeploy_rq8_fits(const deeploy_rq *rq, int64_t bound, int32_t ch0,
                                   int32_t count) {
    if (rq->shift < 1 || rq->shift > 31 || bound <= 0 || bound >= ((int64_t)1 << 31)) return 0;
    const int64_t m = deeploy_max_abs(rq->mul + ch0, count);
    const int64_t a = deeploy_max_abs(rq->add + ch0, count);
    /* bound < 2^31, m <= 2^31: no overflow here */
    const int64_t top = bound * m + a + ((int64_t)1 << (rq->shift - 1));
    return top < ((int64_t)1 << 31) ? 2 : top < ((int64_t)1 << (31 + rq->shift)) ? 1 : 0;
}

/* Stores the sums acc[i nc + j] of the block at rows r0 + i < r0 + mr, columns j < ncols. */
static void deeploy_g8_store(const deeploy_g8_out *o, int32_t r0, int32_t mr, int32_t ncols,
                             int32_t nc, int32_t *acc) {
    const deeploy_rq *rq = o->rq;
    if (rq != NULL && o->add == NULL && !o->accumulate && o->ch_rs >= 0 && o->ch_cs == 0 &&
        (o->y_type == DEEPLOY_I8 || o->y_type == DEEPLOY_U8)) {
        /* the usual case: an 8-bit output, one channel per row */
        uint8_t *y = (uint8_t *)o->y + o->base + (ptrdiff_t)r0 * o->rs;
        for (int32_t i = 0; i < mr; ++i, y += o->rs) {
            const int32_t ch = o->ch0 + (r0 + i) * o->ch_rs;
            deeploy_requant8_run(acc + i * nc, ncols, y, o->cs, rq->mul[ch], rq->add[ch],
                                 rq->shift, rq->lo, rq->hi, o->fits);
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
#define DEEPLOY_G8_BLOCK(wn, wt, xn, xt, MR_, NR_) DEEPLOY_G8_BLOCK_W(wn, wt, xn, xt, MR_, NR_, , 0, 0)
/* PACKED (XPACKED): W rows (X columns) interleaved by deeploy_g8_packw: one pointer and
 * constant offsets, which leaves the 2 x 2 block enough registers */
#define DEEPLOY_G8_X4(j, k, P_, N_) ((P_) ? x + (k) * (N_) + 4 * (j) : x + (j) * ldx + (k))
#define DEEPLOY_G8_X1(j, k, P_, N_) ((P_) ? x[(k) * (N_) + (j)] : x[(j) * ldx + (k)])
#define DEEPLOY_G8_W4(i, k, P_, M_) ((P_) ? w + (k) * (M_) + 4 * (i) : w + (i) * ldw + (k))
#define DEEPLOY_G8_W1(i, k, P_, M_) ((P_) ? w[(k) * (M_) + (i)] : w[(i) * ldw + (k)])
#define DEEPLOY_G8_BLOCK_W(wn, wt, xn, xt, MR_, NR_, SUFFIX, PACKED, XPACKED)              \
    static inline void deeploy_g8_block_##wn##_##xn##_##MR_##x##NR_##SUFFIX(               \
        const wt *w, ptrdiff_t ldw, const xt *x, ptrdiff_t ldx, int32_t K, int32_t *acc,   \
        int32_t lda) {                                                                     \
        (void)ldw;                                                                         \
        (void)ldx;                                                                         \
        int32_t a[MR_][NR_];                                                               \
        _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i)                          \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) a[i][j] = 0;         \
        const int32_t k4 = K & ~3;                                                         \
        int32_t k = 0;                                                                     \
        for (; k < k4; k += 4) {                                                           \
            int32_t wl[MR_], wh[MR_];                                                      \
            _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i) {                    \
                uint32_t v;                                                                \
                memcpy(&v, DEEPLOY_G8_W4(i, k, PACKED, MR_), 4);                           \
                wl[i] = DEEPLOY_G8_LO_##wn(v);                                             \
                wh[i] = DEEPLOY_G8_HI_##wn(v);                                             \
            }                                                                              \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) {                    \
                uint32_t v;                                                                \
                memcpy(&v, DEEPLOY_G8_X4(j, k, XPACKED, NR_), 4);                          \
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
                    a[i][j] += (int32_t)DEEPLOY_G8_W1(i, k, PACKED, MR_) * DEEPLOY_G8_X1(j, k, XPACKED, NR_); \
        _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i)                          \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) acc[i * lda + j] = a[i][j]; \
    }
#define DEEPLOY_G8_PREPARE(xn, xt, x, ldx, K, ncols, panel) /* X columns read in place */
#define DEEPLOY_G8_COLS(xn, x, ldx, panel, c0) x + (ptrdiff_t)(c0) * ldx, ldx
#define DEEPLOY_G8_XPACKED(xn, x, ldx, panel, xpk, c0) xpk + (ptrdiff_t)(c0) * kp, 0
#else
/* acc[MR_][NR_] = W rows . panel columns (p[k NR + j], see deeploy_g8_widen), one k per
 * step. */
#define DEEPLOY_G8_BLOCK(wn, wt, xn, xt, MR_, NR_) DEEPLOY_G8_BLOCK_W(wn, wt, xn, xt, MR_, NR_, , 0, 0)
/* PACKED: W rows interleaved by deeploy_g8_packw (w[k MR + i]); the panel is always
 * interleaved (XPACKED unused) */
#define DEEPLOY_G8_BLOCK_W(wn, wt, xn, xt, MR_, NR_, SUFFIX, PACKED, XPACKED)              \
    static inline void deeploy_g8_block_##wn##_##xn##_##MR_##x##NR_##SUFFIX(               \
        const wt *w, ptrdiff_t ldw, const int16_t *p, ptrdiff_t unused, int32_t K,         \
        int32_t *acc, int32_t lda) {                                                       \
        (void)unused;                                                                      \
        int32_t a[MR_][NR_];                                                               \
        const wt *wr[MR_];                                                                 \
        _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i) {                        \
            wr[i] = w + (ptrdiff_t)i * ldw;                                                \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) a[i][j] = 0;         \
        }                                                                                  \
        for (int32_t k = 0; k < K; ++k, p += DEEPLOY_G8_NR) {                              \
            int32_t wv[MR_];                                                               \
            _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i)                      \
                wv[i] = PACKED ? w[k * MR_ + i] : wr[i][k];                                \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) {                    \
                const int32_t pv = p[j];                                                   \
                _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i) a[i][j] += wv[i] * pv; \
            }                                                                              \
        }                                                                                  \
        _Pragma("GCC unroll 4") for (int32_t i = 0; i < MR_; ++i)                          \
            _Pragma("GCC unroll 4") for (int32_t j = 0; j < NR_; ++j) acc[i * lda + j] = a[i][j]; \
    }
/* The panels of the scalar blocks: columns c0 .. c0 + NR of X widened at
 * p[c0 K + k NR + j] (c0 a multiple of NR), the columns from ncols on zero. */
#define DEEPLOY_G8_WIDEN(xn, xt)                                                           \
    static inline void deeploy_g8_widen_##xn(const xt *x, ptrdiff_t ldx, int32_t K,        \
                                             int32_t ncols, int16_t *restrict p) {         \
        const int32_t padded = (ncols + DEEPLOY_G8_NR - 1) / DEEPLOY_G8_NR * DEEPLOY_G8_NR; \
        for (int32_t c = 0; c < padded; ++c) {                                             \
            int16_t *d = p + (ptrdiff_t)(c - c % DEEPLOY_G8_NR) * K + c % DEEPLOY_G8_NR;   \
            const xt *src = x + (ptrdiff_t)c * ldx;                                        \
            if (c < ncols)                                                                 \
                for (int32_t k = 0; k < K; ++k) d[(ptrdiff_t)k * DEEPLOY_G8_NR] = src[k];  \
            else                                                                           \
                for (int32_t k = 0; k < K; ++k) d[(ptrdiff_t)k * DEEPLOY_G8_NR] = 0;       \
        }                                                                                  \
    }
DEEPLOY_G8_WIDEN(i8, int8_t)
DEEPLOY_G8_WIDEN(u8, uint8_t)
#define DEEPLOY_G8_PREPARE(xn, xt, x, ldx, K, ncols, panel)                                \
    int16_t panel[DEEPLOY_G8_XBUF];                                                        \
    deeploy_g8_widen_##xn(x, ldx, K, ncols, panel);
#define DEEPLOY_G8_COLS(xn, x, ldx, panel, c0) panel + (ptrdiff_t)(c0) * K, 0
#define DEEPLOY_G8_XPACKED(xn, x, ldx, panel, xpk, c0) DEEPLOY_G8_COLS(xn, x, ldx, panel, c0)
#endif

/* MR rows of W (row i at w + i ldw) interleaved for the PACKED blocks: with the DSP
 * layout the 4-byte groups of the rows side by side (then the last K % 4 k by k), else
 * k by k. */
#define DEEPLOY_G8_PACKW(wn, wt)                                                           \
    static inline void deeploy_g8_packw_##wn(const wt *w, ptrdiff_t ldw, int32_t K,        \
                                             wt *restrict wp) {                            \
        int32_t k = 0;                                                                     \
        if (DEEPLOY_G8_B == 2)                                                             \
            for (; k + 4 <= K; k += 4)                                                     \
                for (int32_t i = 0; i < DEEPLOY_G8_MR; ++i)                                \
                    memcpy(wp + k * DEEPLOY_G8_MR + 4 * i, w + i * ldw + k, 4);            \
        for (; k < K; ++k)                                                                 \
            for (int32_t i = 0; i < DEEPLOY_G8_MR; ++i)                                    \
                wp[k * DEEPLOY_G8_MR + i] = w[i * ldw + k];                                \
    }
DEEPLOY_G8_PACKW(i8, int8_t)
DEEPLOY_G8_PACKW(u8, uint8_t)

/* One column (a vector) takes 4 rows per step; the scalar blocks are 4 x 4 already. */
#if DEEPLOY_G8_B == 4
#define DEEPLOY_G8_BLOCK_4x1_(wn, wt, xn, xt)
#else
#define DEEPLOY_G8_BLOCK_4x1_(wn, wt, xn, xt) DEEPLOY_G8_BLOCK(wn, wt, xn, xt, 4, 1)
#endif

/* Instances take the block size as a literal (B: 2 or 4) through one expansion. */
#define DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, m, n) DEEPLOY_G8_BLOCK(wn, wt, xn, xt, m, n)
#define DEEPLOY_G8_FN_(wn, xn, m, n) DEEPLOY_G8_FN2_(wn, xn, m, n)
#define DEEPLOY_G8_FN2_(wn, xn, m, n) deeploy_g8_block_##wn##_##xn##_##m##x##n
#define DEEPLOY_G8_BLOCK_P_(wn, wt, xn, xt, m, n) DEEPLOY_G8_BLOCK_W(wn, wt, xn, xt, m, n, _p, 1, 0)
#if DEEPLOY_G8_B == 2 && defined(__GNUC__)
/* The 2 x 2 block over interleaved W rows and X columns, 4 k per step, in assembly:
 * LDRD of both rows and both columns, 8 unpacks, 8 SMLAD and the loop, 20 instructions
 * per 16 MACs with every value in a register (GCC's allocation of the C spills one). */
#define DEEPLOY_G8_XTB_i8 "sxtb16"
#define DEEPLOY_G8_XTB_u8 "uxtb16"
#define DEEPLOY_G8_BLOCK_PP_(wn, wt, xn, xt, m, n)                                         \
    static inline void deeploy_g8_block_##wn##_##xn##_2x2_pp(                              \
        const wt *w, ptrdiff_t ldw, const xt *x, ptrdiff_t ldx, int32_t K, int32_t *acc,   \
        int32_t lda) {                                                                     \
        (void)ldw;                                                                         \
        (void)ldx;                                                                         \
        int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;                                        \
        int32_t groups = K >> 2;                                                           \
        const wt *wp = w;                                                                  \
        const xt *xp = x;                                                                  \
        if (groups > 0) {                                                                  \
            int32_t w0, w1, x0, x1, t1, t2, t3;                                            \
            __asm__ volatile(                                                              \
                "1:\n\t"                                                                   \
                "ldrd %[w0], %[w1], [%[wp]], #8\n\t"                                       \
                "ldrd %[x0], %[x1], [%[xp]], #8\n\t"                                       \
                DEEPLOY_G8_XTB_##xn " %[t1], %[x0]\n\t"                                    \
                DEEPLOY_G8_XTB_##xn " %[x0], %[x0], ror #8\n\t"                            \
                DEEPLOY_G8_XTB_##xn " %[t2], %[x1]\n\t"                                    \
                DEEPLOY_G8_XTB_##xn " %[x1], %[x1], ror #8\n\t"                            \
                DEEPLOY_G8_XTB_##wn " %[t3], %[w0]\n\t"                                    \
                DEEPLOY_G8_XTB_##wn " %[w0], %[w0], ror #8\n\t"                            \
                "smlad %[a00], %[t3], %[t1], %[a00]\n\t"                                   \
                "smlad %[a00], %[w0], %[x0], %[a00]\n\t"                                   \
                "smlad %[a01], %[t3], %[t2], %[a01]\n\t"                                   \
                "smlad %[a01], %[w0], %[x1], %[a01]\n\t"                                   \
                DEEPLOY_G8_XTB_##wn " %[t3], %[w1]\n\t"                                    \
                DEEPLOY_G8_XTB_##wn " %[w1], %[w1], ror #8\n\t"                            \
                "smlad %[a10], %[t3], %[t1], %[a10]\n\t"                                   \
                "smlad %[a10], %[w1], %[x0], %[a10]\n\t"                                   \
                "smlad %[a11], %[t3], %[t2], %[a11]\n\t"                                   \
                "smlad %[a11], %[w1], %[x1], %[a11]\n\t"                                   \
                "subs %[cnt], %[cnt], #1\n\t"                                              \
                "bne 1b"                                                                   \
                : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),      \
                  [wp] "+r"(wp), [xp] "+r"(xp), [cnt] "+r"(groups), [w0] "=&r"(w0),        \
                  [w1] "=&r"(w1), [x0] "=&r"(x0), [x1] "=&r"(x1), [t1] "=&r"(t1),          \
                  [t2] "=&r"(t2), [t3] "=&r"(t3)                                           \
                :                                                                          \
                : "cc", "memory");                                                         \
        }                                                                                  \
        for (int32_t k = K & ~3; k < K; ++k) { /* the tail, interleaved k by k */          \
            const int32_t w0 = w[2 * k], w1 = w[2 * k + 1], x0 = x[2 * k], x1 = x[2 * k + 1]; \
            a00 += w0 * x0;                                                                \
            a01 += w0 * x1;                                                                \
            a10 += w1 * x0;                                                                \
            a11 += w1 * x1;                                                                \
        }                                                                                  \
        acc[0] = a00;                                                                      \
        acc[1] = a01;                                                                      \
        acc[lda] = a10;                                                                    \
        acc[lda + 1] = a11;                                                                \
    }
#else
#define DEEPLOY_G8_BLOCK_PP_(wn, wt, xn, xt, m, n)                                         \
    DEEPLOY_G8_BLOCK_W(wn, wt, xn, xt, m, n, _pp, 1, DEEPLOY_G8_B == 2)
#endif
#define DEEPLOY_G8_FNPP_(wn, xn, m, n) DEEPLOY_G8_FNPP2_(wn, xn, m, n)
#define DEEPLOY_G8_FNPP2_(wn, xn, m, n) deeploy_g8_block_##wn##_##xn##_##m##x##n##_pp
#define DEEPLOY_G8_FNP_(wn, xn, m, n) DEEPLOY_G8_FNP2_(wn, xn, m, n)
#define DEEPLOY_G8_FNP2_(wn, xn, m, n) deeploy_g8_block_##wn##_##xn##_##m##x##n##_p

/* y(r, c) for r < R and c < ncols (<= DEEPLOY_G8_NCOLS(K)): W row r at w + r ldw, X
 * column c at x + c ldx. Blocks of MR rows run along all the columns, then those rows
 * are stored (per-row parameters loaded once for all the columns). */
#define DEEPLOY_G8_DEFINE(wn, wt, xn, xt)                                                  \
    DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, DEEPLOY_G8_B, DEEPLOY_G8_B)                          \
    DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, DEEPLOY_G8_B, 1)                                     \
    DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, 1, DEEPLOY_G8_B)                                     \
    DEEPLOY_G8_BLOCK_(wn, wt, xn, xt, 1, 1)                                                \
    DEEPLOY_G8_BLOCK_4x1_(wn, wt, xn, xt)                                                  \
    DEEPLOY_G8_BLOCK_PP_(wn, wt, xn, xt, DEEPLOY_G8_B, DEEPLOY_G8_B)                       \
    DEEPLOY_G8_BLOCK_P_(wn, wt, xn, xt, DEEPLOY_G8_B, 1)                                   \
    static void deeploy_g8_rows_##wn##_##xn(const wt *w, ptrdiff_t ldw, int32_t R,         \
                                            int32_t K, const xt *x, ptrdiff_t ldx,         \
                                            int32_t ncols, const deeploy_g8_out *o) {      \
        enum { LDA = DEEPLOY_G8_NCMAX + DEEPLOY_G8_NR };                                   \
        int32_t acc[DEEPLOY_G8_MR * LDA];                                                  \
        DEEPLOY_G8_PREPARE(xn, xt, x, ldx, K, ncols, panel)                                \
        if (ncols == 1) {                                                                  \
            int32_t r = 0;                                                                 \
            for (; r + 4 <= R; r += 4) {                                                   \
                DEEPLOY_G8_FN_(wn, xn, 4, 1)(w + (ptrdiff_t)r * ldw, ldw,                  \
                                             DEEPLOY_G8_COLS(xn, x, ldx, panel, 0), K, acc, 1); \
                deeploy_g8_store(o, r, 4, 1, 1, acc);                                      \
            }                                                                              \
            for (; r < R; ++r) {                                                           \
                DEEPLOY_G8_FN_(wn, xn, 1, 1)(w + (ptrdiff_t)r * ldw, ldw,                  \
                                             DEEPLOY_G8_COLS(xn, x, ldx, panel, 0), K, acc, 1); \
                deeploy_g8_store(o, r, 1, 1, 1, acc);                                      \
            }                                                                              \
            return;                                                                        \
        }                                                                                  \
        /* W rows interleaved when several column blocks read them */                      \
        const int pack = ncols >= 2 * DEEPLOY_G8_NR && K <= DEEPLOY_G8_KMAX;               \
        wt wp[DEEPLOY_G8_MR * DEEPLOY_G8_KMAX] __attribute__((aligned(4)));                \
        /* with the DSP layout, the full pairs of X columns interleaved too */             \
        xt xpk[DEEPLOY_G8_B == 2 ? DEEPLOY_G8_XBUF : 1] __attribute__((aligned(4)));       \
        const int32_t full = ncols / DEEPLOY_G8_NR * DEEPLOY_G8_NR;                        \
        const int32_t kp = (K + 3) & ~3; /* pairs word-aligned (LDRD) */                   \
        if (pack && DEEPLOY_G8_B == 2)                                                     \
            for (int32_t c = 0; c < full; c += DEEPLOY_G8_NR)                              \
                deeploy_g8_packw_##xn(x + (ptrdiff_t)c * ldx, ldx, K, xpk + (ptrdiff_t)c * kp); \
        (void)kp;                                                                          \
        (void)full;                                                                        \
        for (int32_t r = 0; r < R;) {                                                      \
            const wt *wr = w + (ptrdiff_t)r * ldw;                                         \
            const int32_t mr = R - r >= DEEPLOY_G8_MR ? DEEPLOY_G8_MR : 1;                 \
            if (pack && mr == DEEPLOY_G8_MR) {                                             \
                deeploy_g8_packw_##wn(wr, ldw, K, wp);                                     \
                int32_t c = 0;                                                             \
                for (; c + DEEPLOY_G8_NR <= ncols || (DEEPLOY_G8_B == 4 && c + 1 < ncols); \
                     c += DEEPLOY_G8_NR)                                                   \
                    DEEPLOY_G8_FNPP_(wn, xn, DEEPLOY_G8_B, DEEPLOY_G8_B)(                  \
                        wp, 0, DEEPLOY_G8_XPACKED(xn, x, ldx, panel, xpk, c), K, acc + c, LDA); \
                if (c < ncols)                                                             \
                    DEEPLOY_G8_FNP_(wn, xn, DEEPLOY_G8_B, 1)(                              \
                        wp, 0, DEEPLOY_G8_COLS(xn, x, ldx, panel, c), K, acc + c, LDA);    \
                deeploy_g8_store(o, r, mr, ncols, LDA, acc);                               \
                r += mr;                                                                   \
                continue;                                                                  \
            }                                                                              \
            for (int32_t c = 0; c < ncols; c += DEEPLOY_G8_NR) {                           \
                const int32_t one = ncols - c == 1; /* else a full block (padded) */       \
                if (mr == DEEPLOY_G8_MR && one)                                            \
                    DEEPLOY_G8_FN_(wn, xn, DEEPLOY_G8_B, 1)(                               \
                        wr, ldw, DEEPLOY_G8_COLS(xn, x, ldx, panel, c), K, acc + c, LDA);  \
                else if (mr == DEEPLOY_G8_MR)                                              \
                    DEEPLOY_G8_FN_(wn, xn, DEEPLOY_G8_B, DEEPLOY_G8_B)(                    \
                        wr, ldw, DEEPLOY_G8_COLS(xn, x, ldx, panel, c), K, acc + c, LDA);  \
                else if (one)                                                              \
                    DEEPLOY_G8_FN_(wn, xn, 1, 1)(                                          \
                        wr, ldw, DEEPLOY_G8_COLS(xn, x, ldx, panel, c), K, acc + c, LDA);  \
                else                                                                       \
                    DEEPLOY_G8_FN_(wn, xn, 1, DEEPLOY_G8_B)(                               \
                        wr, ldw, DEEPLOY_G8_COLS(xn, x, ldx, panel, c), K, acc + c, LDA);  \
            }                                                                              \
            deeploy_g8_store(o, r, mr, ncols, LDA, acc);                                   \
            r += mr;                                                                       \
        }                                                                                  \
    }

DEEPLOY_FOR_INT8_PAIRS(DEEPLOY_G8_DEFINE)

#endif /* DEEPLOY_GEMM8_H_ */
