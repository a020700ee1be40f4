/* Deeploy runtime: elementwise kernels (elementwise_f32.c). */
#ifndef DEEPLOY_ELEMENTWISE_F32_H_
#define DEEPLOY_ELEMENTWISE_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y = a (op) b over `shape` (rank <= DEEPLOY_MAX_RANK), y contiguous, a and b read with
 * element strides (0 = broadcast along that axis). y may be a itself (in place). */
void deeploy_add_f32(const float *a, const float *restrict b, float *y, int32_t rank,
                     const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);
void deeploy_sub_f32(const float *a, const float *restrict b, float *y, int32_t rank,
                     const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);
void deeploy_mul_f32(const float *a, const float *restrict b, float *y, int32_t rank,
                     const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);
void deeploy_div_f32(const float *a, const float *restrict b, float *y, int32_t rank,
                     const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);
void deeploy_pow_f32(const float *a, const float *restrict b, float *y, int32_t rank,
                     const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);
void deeploy_max_f32(const float *a, const float *restrict b, float *y, int32_t rank,
                     const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);
void deeploy_min_f32(const float *a, const float *restrict b, float *y, int32_t rank,
                     const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_ELEMENTWISE_F32_H_ */
