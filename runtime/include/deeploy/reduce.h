/* Deeploy runtime: reductions kernels (reduce*.c). */
#ifndef DEEPLOY_REDUCE_H_
#define DEEPLOY_REDUCE_H_

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
#define DEEPLOY_DECLARE_REDUCE(name)                                                        \
    void deeploy_reduce_##name##_f32(const float *restrict x, float *restrict y,            \
                                     int32_t outer, int32_t n, int32_t inner, float scale); \
    void deeploy_reduce_##name##_nd_f32(const float *restrict x, float *restrict y,         \
                                        int32_t rank, const int32_t *shape,                 \
                                        const int32_t *out_strides, int32_t y_size,         \
                                        float scale);

DEEPLOY_DECLARE_REDUCE(sum)
DEEPLOY_DECLARE_REDUCE(max)
DEEPLOY_DECLARE_REDUCE(min)
DEEPLOY_DECLARE_REDUCE(prod)
DEEPLOY_DECLARE_REDUCE(sum_square)
DEEPLOY_DECLARE_REDUCE(l1)
DEEPLOY_DECLARE_REDUCE(l2)
DEEPLOY_DECLARE_REDUCE(log_sum)
DEEPLOY_DECLARE_REDUCE(log_sum_exp)

#undef DEEPLOY_DECLARE_REDUCE

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_REDUCE_H_ */
