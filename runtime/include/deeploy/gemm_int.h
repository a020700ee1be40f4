/*
 * Integer Gemm and MatMul with int32 accumulation. Symbols carry the element types of A
 * and B (i8, u8, i16, i32). y is int32 (rq_mul NULL; accumulate adds to what y holds,
 * for a split K) or requantised to y_type.
 *
 * deeploy_gemm_<a>_<b>: Y[M][N] = alpha op(A) op(B) + beta C, C (int32, may be NULL) read with row
 * and column strides c_rs, c_cs (0 where it broadcasts).
 * deeploy_matmul_<a>_<b>: B1 x B2 batches of Y[M][N] = A[M][K] B[K][N]; batch strides of
 * A and B in elements (0 where they broadcast); Y is contiguous.
 */
#ifndef DEEPLOY_GEMM_INT_H_
#define DEEPLOY_GEMM_INT_H_

#include "deeploy/common.h"
#include "deeploy/int_types.h"
#include "deeploy/requant.h"

#define DEEPLOY_DECLARE_GEMM_INT(an, at, bn, bt)                                           \
    void deeploy_gemm_##an##_##bn(const at *restrict A, const bt *restrict B,              \
                                  const int32_t *restrict C, void *restrict y,             \
                                  int32_t y_type, DEEPLOY_RQ_PARAMS, int32_t M, int32_t N, \
                                  int32_t K, int32_t trans_a, int32_t trans_b,             \
                                  int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs, \
                                  int32_t accumulate);                                     \
    void deeploy_matmul_##an##_##bn(const at *restrict A, const bt *restrict B,            \
                                    void *restrict y, int32_t y_type, DEEPLOY_RQ_PARAMS,   \
                                    int32_t B1, int32_t B2, int32_t M, int32_t N,          \
                                    int32_t K, int32_t a_s1, int32_t a_s2, int32_t b_s1,   \
                                    int32_t b_s2, int32_t accumulate);

DEEPLOY_FOR_INT_PAIRS(DEEPLOY_DECLARE_GEMM_INT)

#endif /* DEEPLOY_GEMM_INT_H_ */
