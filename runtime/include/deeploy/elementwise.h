/* Deeploy runtime: elementwise kernels (elementwise*.c). */
#ifndef DEEPLOY_ELEMENTWISE_H_
#define DEEPLOY_ELEMENTWISE_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y = a (op) b over `shape` (rank <= DEEPLOY_MAX_RANK), y contiguous, a and b read with
 * element strides (0 = broadcast along that axis). y may be a itself (in place). */
#define DEEPLOY_BINARY_KERNELS(X) \
    X(add) X(sub) X(mul) X(div) X(pow) X(max) X(min)
#define DEEPLOY_DECLARE_BINARY(name)                                                    \
    void deeploy_##name##_f32(const float *a, const float *restrict b,                  \
                              float *y, int32_t rank, const int32_t *shape,             \
                              const int32_t *a_strides, const int32_t *b_strides);
DEEPLOY_BINARY_KERNELS(DEEPLOY_DECLARE_BINARY)

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_ELEMENTWISE_H_ */
