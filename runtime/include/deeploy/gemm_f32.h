/* Deeploy runtime: matrix products kernels (gemm_f32.c). */
#ifndef DEEPLOY_GEMM_F32_H_
#define DEEPLOY_GEMM_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Y[M,N] = alpha * op(A) op(B) + beta * C, C read with strides (c_rs, c_cs) (0 = broadcast),
 * clamped to [act_min, act_max]. With `accumulate`, the result is added to Y (a tile of a
 * split K range: C on the first part only, the clamp on the last). */
void deeploy_gemm_f32(const float *restrict A, const float *restrict B,
                      const float *restrict C, float *restrict Y,
                      int32_t M, int32_t N, int32_t K, int32_t transA, int32_t transB,
                      float alpha, float beta, int32_t c_rs, int32_t c_cs,
                      float act_min, float act_max, int32_t accumulate);

/* Batched Y[b1,b2,M,N] = A[..,M,K] B[..,K,N]; batch strides in elements (0 = broadcast).
 * With `accumulate`, Y += A B. */
void deeploy_matmul_f32(const float *restrict A, const float *restrict B, float *restrict Y,
                        int32_t B1, int32_t B2, int32_t M, int32_t N, int32_t K,
                        int32_t a_s1, int32_t a_s2, int32_t b_s1, int32_t b_s2,
                        int32_t accumulate);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_GEMM_F32_H_ */
