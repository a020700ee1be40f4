/* Integer Gemm and MatMul. See deeploy/gemm_int.h.
 *
 * On x86-64 (DEEPLOY_SIMD_I16, deeploy/simd.h) blocks of 4 rows of A are packed as int16
 * and multiplied with B by the pmaddwd tiles, 4 x 8 outputs per register tile, into an
 * int32 block of 4 x NB accumulators (started from C or y's values when alpha is 1) that
 * is then stored a row at a time. When several row blocks share it, a block of columns
 * of B is first packed as int16 pairs of rows (deeploy_ipackb_*), once. Elsewhere, and for int32 operands whose values do not fit
 * int16, one output row at a time in blocks of int32 accumulators: for B in its plain
 * layout each A element scales a contiguous row of B; for a transposed B each
 * accumulator is a dot product of two contiguous rows. */
#include "deeploy/gemm_int.h"
#include "deeploy/simd.h"

#define ROW 64

/* acc[j] = alpha acc[j] + (y's int32 values when accumulating, else beta C[m][n0 + j]),
 * then stored (requantised when asked) as elements [base, base + len) of y. */
static void finish_row(int32_t *acc, int32_t len, void *y, int32_t y_type, ptrdiff_t base,
                       const deeploy_rq *rq, const int32_t *C, ptrdiff_t c_cs, int32_t alpha,
                       int32_t beta, int32_t accumulate) {
    if (accumulate)
        for (int32_t j = 0; j < len; ++j) acc[j] = alpha * acc[j] + ((const int32_t *)y)[base + j];
    else if (C != NULL)
        for (int32_t j = 0; j < len; ++j) acc[j] = alpha * acc[j] + beta * C[(ptrdiff_t)j * c_cs];
    else if (alpha != 1)
        for (int32_t j = 0; j < len; ++j) acc[j] *= alpha;
    deeploy_store_acc(acc, len, y, y_type, base, rq);
}

#if defined(DEEPLOY_SIMD_I16)
#define NB 128    /* columns per accumulator block */
#define BPK 32768 /* int16 elements of packed B */

/* The columns of [n8, nb) after the last full 8 of a block: acc[r][j] += a[r] . B[:][j] */
#define GEMM_TAIL(bt)                                                                      \
    for (int32_t r = 0; r < mr; ++r)                                                       \
        for (int32_t j = n8; j < nb; ++j) {                                                \
            int32_t s = 0;                                                                 \
            for (int32_t k = 0; k < kc; ++k)                                               \
                s += (int32_t)apk[r * DEEPLOY_IKC + k] * bk[(ptrdiff_t)k * N + j];         \
            acc[r * NB + j] += s;                                                          \
        }

#define DEFINE_GEMM_SIMD(an, at, bn, bt)                                                   \
    /* rows_##an##_##bn with the pmaddwd tiles; 0 (nothing done) when an int32 operand     \
     * holds a value outside int16 */                                                      \
    static int simd_##an##_##bn(const at *A, ptrdiff_t a_rs, ptrdiff_t a_ks, const bt *B,  \
                                int32_t trans_b, const int32_t *C, ptrdiff_t c_rs,         \
                                ptrdiff_t c_cs, void *y, int32_t y_type, ptrdiff_t y0,     \
                                const deeploy_rq *rq, int32_t M, int32_t N, int32_t K,     \
                                int32_t alpha, int32_t beta, int32_t accumulate) {         \
        if (K < 1 || !deeploy_ifits_##an(A, M, a_rs, K, a_ks) ||                           \
            !(trans_b ? deeploy_ifits_##bn(B, N, K, K, 1) : deeploy_ifits_##bn(B, K, N, N, 1))) \
            return 0;                                                                      \
        int16_t apk[DEEPLOY_IMR * DEEPLOY_IKC] __attribute__((aligned(16)));               \
        int32_t acc[DEEPLOY_IMR * NB];                                                     \
        /* B packed once per block of columns when several row blocks share it */          \
        const ptrdiff_t np = (K + 1) / 2;                                                  \
        int32_t nbp = (int32_t)((BPK / (np * 2)) & ~7);                                    \
        const int packed = M > DEEPLOY_IMR && nbp >= 8;                                    \
        if (!packed || nbp > NB) nbp = NB;                                                 \
        int16_t bpk[BPK] __attribute__((aligned(16)));                                     \
        for (int32_t n0 = 0; n0 < N; n0 += nbp) {                                          \
            const int32_t nb = N - n0 < nbp ? N - n0 : nbp;                                \
            const int32_t n8 = nb & ~7;                                                    \
            if (packed && trans_b)                                                         \
                deeploy_ipackb_t_##bn(B + (ptrdiff_t)n0 * K, K, K, n8, bpk);               \
            else if (packed)                                                               \
                deeploy_ipackb_##bn(B + n0, N, K, n8, bpk);                                \
            for (int32_t m0 = 0; m0 < M; m0 += DEEPLOY_IMR) {                              \
                const int32_t mr = M - m0 < DEEPLOY_IMR ? M - m0 : DEEPLOY_IMR;            \
                for (int32_t r = 0; r < DEEPLOY_IMR; ++r) { /* the start of the sums */    \
                    int32_t *ar = acc + r * NB;                                            \
                    int32_t j = 0;                                                         \
                    if (alpha == 1 && r < mr && accumulate) {                              \
                        const int32_t *yr = (const int32_t *)y + y0 + (ptrdiff_t)(m0 + r) * N + n0; \
                        for (; j < nb; ++j) ar[j] = yr[j];                                 \
                    } else if (alpha == 1 && r < mr && C != NULL) {                        \
                        const int32_t *cr = C + (ptrdiff_t)(m0 + r) * c_rs + (ptrdiff_t)n0 * c_cs; \
                        for (; j < nb; ++j) ar[j] = beta * cr[(ptrdiff_t)j * c_cs];        \
                    }                                                                      \
                    for (; j < nb; ++j) ar[j] = 0;                                         \
                }                                                                          \
                for (int32_t k0 = 0; k0 < K; k0 += DEEPLOY_IKC) {                          \
                    const int32_t kc = K - k0 < DEEPLOY_IKC ? K - k0 : DEEPLOY_IKC;        \
                    deeploy_ipack_##an(A + (ptrdiff_t)m0 * a_rs + (ptrdiff_t)k0 * a_ks, a_rs, \
                                       a_ks, mr, kc, apk, DEEPLOY_IKC);                    \
                    if (trans_b && !packed) {                                              \
                        deeploy_itile_t_##bn(apk, DEEPLOY_IKC, kc,                         \
                                             B + (ptrdiff_t)n0 * K + k0, K, nb, acc, NB);  \
                        continue;                                                          \
                    }                                                                      \
                    if (trans_b) { /* packed: the last columns as dot products */          \
                        deeploy_itile_p(apk, DEEPLOY_IKC, kc, bpk + (ptrdiff_t)k0 * 8, np * 16, \
                                        n8, acc, NB);                                      \
                        if (n8 < nb)                                                       \
                            deeploy_itile_t_##bn(apk, DEEPLOY_IKC, kc,                     \
                                                 B + (ptrdiff_t)(n0 + n8) * K + k0, K,     \
                                                 nb - n8, acc + n8, NB);                   \
                        continue;                                                          \
                    }                                                                      \
                    const bt *bk = B + (ptrdiff_t)k0 * N + n0;                             \
                    if (packed)                                                            \
                        deeploy_itile_p(apk, DEEPLOY_IKC, kc, bpk + (ptrdiff_t)k0 * 8, np * 16, \
                                        n8, acc, NB);                                      \
                    else                                                                   \
                        deeploy_itile_##bn(apk, DEEPLOY_IKC, kc, bk, N, n8, acc, NB);      \
                    GEMM_TAIL(bt)                                                          \
                }                                                                          \
                for (int32_t r = 0; r < mr; ++r) {                                         \
                    const ptrdiff_t base = y0 + (ptrdiff_t)(m0 + r) * N + n0;              \
                    if (alpha == 1) /* C or y's values are in the sums already */          \
                        deeploy_store_acc(acc + r * NB, nb, y, y_type, base, rq);          \
                    else                                                                   \
                        finish_row(acc + r * NB, nb, y, y_type, base, rq,                  \
                                   C != NULL ? C + (ptrdiff_t)(m0 + r) * c_rs + (ptrdiff_t)n0 * c_cs \
                                             : NULL,                                       \
                                   c_cs, alpha, beta, accumulate);                         \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
        return 1;                                                                          \
    }
#define SIMD_FIRST(an, bn, args) if (simd_##an##_##bn args) return;
#elif !defined(DEEPLOY_NO_GEMM8) /* defined: the portable loops alone (tests compare) */
#include "deeploy/gemm8.h"
#define DEFINE_GEMM_SIMD(an, at, bn, bt)
/* 8-bit A and B go to the 8-bit matrix engine first */
#define SIMD_FIRST(an, bn, args) GEMM8_##an##_##bn(args)
#define GEMM8_(an, bn, args) if (gemm8_##an##_##bn args) return;
#define GEMM8_i8_i8(args) GEMM8_(i8, i8, args)
#define GEMM8_i8_u8(args) GEMM8_(i8, u8, args)
#define GEMM8_u8_i8(args) GEMM8_(u8, i8, args)
#define GEMM8_u8_u8(args) GEMM8_(u8, u8, args)
#define GEMM8_i8_i16(args)
#define GEMM8_i8_i32(args)
#define GEMM8_u8_i16(args)
#define GEMM8_u8_i32(args)
#define GEMM8_i16_i8(args)
#define GEMM8_i16_u8(args)
#define GEMM8_i16_i16(args)
#define GEMM8_i16_i32(args)
#define GEMM8_i32_i8(args)
#define GEMM8_i32_u8(args)
#define GEMM8_i32_i16(args)
#define GEMM8_i32_i32(args)

/* rows_<a>_<b> by the engine when A's rows are contiguous and alpha is 1; 0 otherwise.
 * B transposed (N x K, weights as stored): W rows are B's, X columns A's rows as they
 * are. B plain (K x N): W rows are A's, X columns a few of B's columns copied. */
#define DEFINE_GEMM8(an, at, bn, bt)                                                       \
    static int gemm8_##an##_##bn(const at *A, ptrdiff_t a_rs, ptrdiff_t a_ks, const bt *B, \
                                 int32_t trans_b, const int32_t *C, ptrdiff_t c_rs,        \
                                 ptrdiff_t c_cs, void *y, int32_t y_type, ptrdiff_t y0,    \
                                 const deeploy_rq *rq, int32_t M, int32_t N, int32_t K,    \
                                 int32_t alpha, int32_t beta, int32_t accumulate) {        \
        if (a_ks != 1 || alpha != 1 || K < 1 || K > DEEPLOY_G8_KMAX) return 0;             \
        const int32_t per_n = rq != NULL && rq->channels == N && rq->inner == 1;           \
        const int32_t known = rq == NULL || rq->channels == 1 || per_n;                    \
        const int32_t step = DEEPLOY_G8_NCOLS(K);                                          \
        const int32_t fits = rq != NULL && C == NULL                                       \
                                 ? deeploy_rq8_fits(rq, DEEPLOY_G8_BOUND(K, an, bn), 0, rq->channels) \
                                 : 0;                                                      \
        if (trans_b) {                                                                     \
            deeploy_g8_out o = {y, y_type, 0, 1, N, rq, C, c_cs, c_rs, beta, accumulate,   \
                                0, per_n ? 1 : known ? 0 : -1, 0, fits};                   \
            for (int32_t m0 = 0; m0 < M; m0 += step) {                                     \
                const int32_t nc = M - m0 < step ? M - m0 : step;                          \
                o.base = y0 + (ptrdiff_t)m0 * N;                                           \
                o.add = C != NULL ? C + (ptrdiff_t)m0 * c_rs : NULL;                       \
                deeploy_g8_rows_##bn##_##an(B, K, N, K, A + (ptrdiff_t)m0 * a_rs, a_rs, nc, &o); \
            }                                                                              \
            return 1;                                                                      \
        }                                                                                  \
        bt cols[DEEPLOY_G8_XBUF];                                                          \
        deeploy_g8_out o = {y, y_type, 0, N, 1, rq, C, c_rs, c_cs, beta, accumulate,       \
                            0, known && !per_n ? 0 : -1, 0, fits};                         \
        for (int32_t n0 = 0; n0 < N; n0 += step) {                                         \
            const int32_t nc = N - n0 < step ? N - n0 : step;                              \
            for (int32_t j = 0; j < nc; ++j)                                               \
                for (int32_t k = 0; k < K; ++k) cols[j * K + k] = B[(ptrdiff_t)k * N + n0 + j]; \
            o.base = y0 + n0;                                                              \
            o.add = C != NULL ? C + (ptrdiff_t)n0 * c_cs : NULL;                           \
            deeploy_g8_rows_##an##_##bn(A, a_rs, M, K, cols, K, nc, &o);                   \
        }                                                                                  \
        return 1;                                                                          \
    }
DEEPLOY_FOR_INT8_PAIRS(DEFINE_GEMM8)
#else
#define DEFINE_GEMM_SIMD(an, at, bn, bt)
#define SIMD_FIRST(an, bn, args)
#endif

#define DEFINE_GEMM_INT(an, at, bn, bt)                                                    \
    static void rows_##an##_##bn(const at *A, ptrdiff_t a_rs, ptrdiff_t a_ks,              \
                                 const bt *B, int32_t trans_b, const int32_t *C,           \
                                 ptrdiff_t c_rs, ptrdiff_t c_cs, void *y, int32_t y_type,  \
                                 ptrdiff_t y0, const deeploy_rq *rq, int32_t M, int32_t N, \
                                 int32_t K, int32_t alpha, int32_t beta,                   \
                                 int32_t accumulate) {                                     \
        SIMD_FIRST(an, bn, (A, a_rs, a_ks, B, trans_b, C, c_rs, c_cs, y, y_type, y0, rq, M, N, K, \
                            alpha, beta, accumulate))                                      \
        int32_t acc[ROW];                                                                  \
        for (int32_t m = 0; m < M; ++m) {                                                  \
            const at *a = A + (ptrdiff_t)m * a_rs;                                         \
            for (int32_t n0 = 0; n0 < N; n0 += ROW) {                                      \
                const int32_t len = N - n0 < ROW ? N - n0 : ROW;                           \
                const ptrdiff_t base = y0 + (ptrdiff_t)m * N + n0;                         \
                for (int32_t j = 0; j < len; ++j) acc[j] = 0;                              \
                if (trans_b) {                                                             \
                    for (int32_t j = 0; j < len; ++j) {                                    \
                        const bt *b = B + (ptrdiff_t)(n0 + j) * K;                         \
                        int32_t s = 0;                                                     \
                        for (int32_t k = 0; k < K; ++k) s += (int32_t)a[k * a_ks] * b[k];  \
                        acc[j] += s;                                                       \
                    }                                                                      \
                } else {                                                                   \
                    for (int32_t k = 0; k < K; ++k) {                                      \
                        const int32_t av = a[(ptrdiff_t)k * a_ks];                         \
                        const bt *b = B + (ptrdiff_t)k * N + n0;                           \
                        for (int32_t j = 0; j < len; ++j) acc[j] += av * b[j];             \
                    }                                                                      \
                }                                                                          \
                finish_row(acc, len, y, y_type, base, rq,                                  \
                           C != NULL ? C + (ptrdiff_t)m * c_rs + (ptrdiff_t)n0 * c_cs : NULL, \
                           c_cs, alpha, beta, accumulate);                                 \
            }                                                                              \
        }                                                                                  \
    }                                                                                      \
    void deeploy_gemm_##an##_##bn(const at *restrict A, const bt *restrict B,              \
                                  const int32_t *restrict C, void *restrict y,             \
                                  int32_t y_type, DEEPLOY_RQ_PARAMS, int32_t M, int32_t N, \
                                  int32_t K, int32_t trans_a, int32_t trans_b,             \
                                  int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs, \
                                  int32_t accumulate) {                                    \
        DEEPLOY_RQ_LOCAL(rq_local, rq);                                                    \
        rows_##an##_##bn(A, trans_a ? 1 : K, trans_a ? M : 1, B, trans_b, C, c_rs, c_cs, y, \
                         y_type, 0, rq, M, N, K, alpha, beta, accumulate);                 \
    }                                                                                      \
    void deeploy_matmul_##an##_##bn(const at *restrict A, const bt *restrict B,            \
                                    void *restrict y, int32_t y_type, DEEPLOY_RQ_PARAMS,   \
                                    int32_t B1, int32_t B2, int32_t M, int32_t N,          \
                                    int32_t K, int32_t a_s1, int32_t a_s2, int32_t b_s1,   \
                                    int32_t b_s2, int32_t accumulate) {                    \
        DEEPLOY_RQ_LOCAL(rq_local, rq);                                                    \
        for (int32_t i = 0; i < B1; ++i)                                                   \
            for (int32_t j = 0; j < B2; ++j)                                               \
                rows_##an##_##bn(A + (ptrdiff_t)i * a_s1 + (ptrdiff_t)j * a_s2, K, 1,      \
                                 B + (ptrdiff_t)i * b_s1 + (ptrdiff_t)j * b_s2, 0, NULL, 0, 0, \
                                 y, y_type, ((ptrdiff_t)i * B2 + j) * M * N, rq, M, N, K, 1, \
                                 1, accumulate);                                           \
    }

DEEPLOY_FOR_INT_PAIRS(DEFINE_GEMM_SIMD)
DEEPLOY_FOR_INT_PAIRS(DEFINE_GEMM_INT)
