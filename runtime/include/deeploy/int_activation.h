/* Deeploy runtime: the integer activations of Deeploy's quantised networks
 * (int_activation.c). */
#ifndef DEEPLOY_INT_ACTIVATION_H_
#define DEEPLOY_INT_ACTIVATION_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The input element types the integer activations are instantiated for: X(suffix, C type).
 * Every output is int32. */
#define DEEPLOY_INT_ACTIVATION_TYPES(X)                                                   \
    X(i8, int8_t) X(u8, uint8_t) X(i16, int16_t) X(u16, uint16_t) X(i32, int32_t)

/* deeploy_igelu_<t>(x, y, n, b, one): I-BERT's integer GELU, for i < n
 *   q = min(|x|, -b),  L = sgn(x) * (one - (q + b)^2),  y = x * floor((one + L) / 2)
 * with everything up to the last product exact, which is taken modulo 2^32 (as int32
 * arithmetic wraps).
 *
 * deeploy_ihardswish_<t>(x, y, n, one_over_six, three, six): integer hard swish,
 *   y = x * (min(max(x + three, 0), six) * one_over_six)
 * the clamp exact, the two products modulo 2^32. */
#define DEEPLOY_DECLARE_INT_ACTIVATIONS(tn, T)                                              \
    void deeploy_igelu_##tn(const T *restrict x, int32_t *restrict y, int32_t n, int32_t b, \
                            int32_t one);                                                   \
    void deeploy_ihardswish_##tn(const T *restrict x, int32_t *restrict y, int32_t n,       \
                                 int32_t one_over_six, int32_t three, int32_t six);
DEEPLOY_INT_ACTIVATION_TYPES(DEEPLOY_DECLARE_INT_ACTIVATIONS)

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_INT_ACTIVATION_H_ */
