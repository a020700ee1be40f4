/* Deeploy runtime: reductions kernels (reduce*.c). */
#ifndef DEEPLOY_REDUCE_H_
#define DEEPLOY_REDUCE_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x viewed as [outer, n, inner] reduced along n, y[outer, inner] = scale * sum. */
void deeploy_reduce_sum_f32(const float *restrict x, float *restrict y,
                            int32_t outer, int32_t n, int32_t inner, float scale);
/* General: x has `rank` axes of `shape`; y accumulates x at out_strides (0 on reduced
 * axes); y has y_size elements and ends as scale * sum. */
void deeploy_reduce_sum_nd_f32(const float *restrict x, float *restrict y,
                               int32_t rank, const int32_t *shape, const int32_t *out_strides,
                               int32_t y_size, float scale);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_REDUCE_H_ */
