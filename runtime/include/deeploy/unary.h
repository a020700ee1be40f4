/* Deeploy runtime: pointwise float32 math kernels (unary_f32.c). */
#ifndef DEEPLOY_UNARY_H_
#define DEEPLOY_UNARY_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y[i] = f(x[i]) for i < n. y may be x itself (in place), so neither is `restrict`.
 * `round` is ONNX Round: halves go to the even neighbour (rintf in the default rounding
 * mode). */
#define DEEPLOY_UNARY_KERNELS(X)                                                         \
    X(sqrt) X(exp) X(log) X(erf) X(tanh) X(ceil) X(floor) X(round) X(abs) X(neg)         \
    X(reciprocal) X(sign) X(sin) X(cos) X(softplus) X(softsign)
#define DEEPLOY_DECLARE_UNARY(name) \
    void deeploy_##name##_f32(const float *x, float *y, int32_t n);
DEEPLOY_UNARY_KERNELS(DEEPLOY_DECLARE_UNARY)

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_UNARY_H_ */
