/* Deeploy runtime: reductions kernels (reduce_f32.c). */
#ifndef DEEPLOY_REDUCE_F32_H_
#define DEEPLOY_REDUCE_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every reduction <op> comes in two loop shapes with the same arguments:
 *   deeploy_reduce_<op>_f32: x viewed as [outer, n, inner] reduced along n into
 *     y[outer, inner];
 *   deeploy_reduce_<op>_nd_f32: x has `rank` axes of `shape`; y (y_size elements) collects
 *     x at out_strides (0 on reduced axes).
 * `scale` multiplies the result of sum (mean = sum with scale 1/count); the others ignore
 * it. <op>: sum, max, min, prod, sum_square, l1, l2, log_sum, log_sum_exp. */

void deeploy_reduce_sum_f32(const float *restrict x, float *restrict y, int32_t outer,
                            int32_t n, int32_t inner, float scale);
void deeploy_reduce_sum_nd_f32(const float *restrict x, float *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *out_strides, int32_t y_size,
                               float scale);
void deeploy_reduce_max_f32(const float *restrict x, float *restrict y, int32_t outer,
                            int32_t n, int32_t inner, float scale);
void deeploy_reduce_max_nd_f32(const float *restrict x, float *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *out_strides, int32_t y_size,
                               float scale);
void deeploy_reduce_min_f32(const float *restrict x, float *restrict y, int32_t outer,
                            int32_t n, int32_t inner, float scale);
void deeploy_reduce_min_nd_f32(const float *restrict x, float *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *out_strides, int32_t y_size,
                               float scale);
void deeploy_reduce_prod_f32(const float *restrict x, float *restrict y, int32_t outer,
                             int32_t n, int32_t inner, float scale);
void deeploy_reduce_prod_nd_f32(const float *restrict x, float *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *out_strides,
                                int32_t y_size, float scale);
void deeploy_reduce_sum_square_f32(const float *restrict x, float *restrict y, int32_t outer,
                                   int32_t n, int32_t inner, float scale);
void deeploy_reduce_sum_square_nd_f32(const float *restrict x, float *restrict y, int32_t rank,
                                      const int32_t *shape, const int32_t *out_strides,
                                      int32_t y_size, float scale);
void deeploy_reduce_l1_f32(const float *restrict x, float *restrict y, int32_t outer, int32_t n,
                           int32_t inner, float scale);
void deeploy_reduce_l1_nd_f32(const float *restrict x, float *restrict y, int32_t rank,
                              const int32_t *shape, const int32_t *out_strides, int32_t y_size,
                              float scale);
void deeploy_reduce_l2_f32(const float *restrict x, float *restrict y, int32_t outer, int32_t n,
                           int32_t inner, float scale);
void deeploy_reduce_l2_nd_f32(const float *restrict x, float *restrict y, int32_t rank,
                              const int32_t *shape, const int32_t *out_strides, int32_t y_size,
                              float scale);
void deeploy_reduce_log_sum_f32(const float *restrict x, float *restrict y, int32_t outer,
                                int32_t n, int32_t inner, float scale);
void deeploy_reduce_log_sum_nd_f32(const float *restrict x, float *restrict y, int32_t rank,
                                   const int32_t *shape, const int32_t *out_strides,
                                   int32_t y_size, float scale);
void deeploy_reduce_log_sum_exp_f32(const float *restrict x, float *restrict y, int32_t outer,
                                    int32_t n, int32_t inner, float scale);
void deeploy_reduce_log_sum_exp_nd_f32(const float *restrict x, float *restrict y, int32_t rank,
                                       const int32_t *shape, const int32_t *out_strides,
                                       int32_t y_size, float scale);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_REDUCE_F32_H_ */
