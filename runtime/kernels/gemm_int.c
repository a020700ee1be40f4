/* Integer Gemm and MatMul. See deeploy/gemm_int.h.
 *
 * One output row at a time, in blocks of int32 accumulators: for B in its plain layout
 * each A element scales a contiguous row of B (a loop the compiler vectorises); for a
 * transposed B each accumulator is a dot product of two contiguous rows. */
#include "deeploy/gemm_int.h"

#define ROW 64

#define DEFINE_GEMM_INT(an, at, bn, bt)                                                    \
    static void rows_##an##_##bn(const at *A, ptrdiff_t a_rs, ptrdiff_t a_ks,             \
                                 const bt *B, int32_t trans_b, const int32_t *C,           \
                                 ptrdiff_t c_rs, ptrdiff_t c_cs, void *y, int32_t y_type,  \
                                 ptrdiff_t y0, const deeploy_rq *rq, int32_t M, int32_t N, \
                                 int32_t K, int32_t alpha, int32_t beta,                   \
                                 int32_t accumulate) {                                     \
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
                for (int32_t j = 0; j < len; ++j)                                          \
                    acc[j] = alpha * acc[j] +                                              \
                             (accumulate ? ((const int32_t *)y)[base + j]                  \
                              : C != NULL ? beta * C[(ptrdiff_t)m * c_rs + (ptrdiff_t)(n0 + j) * c_cs] \
                                          : 0);                                            \
                deeploy_store_acc(acc, len, y, y_type, base, rq);                          \
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

DEEPLOY_FOR_INT_PAIRS(DEFINE_GEMM_INT)
