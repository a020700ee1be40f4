/* Deeploy runtime: the integer activations of Deeploy's quantised networks
 * (activation_int.c). */
#ifndef DEEPLOY_ACTIVATION_INT_H_
#define DEEPLOY_ACTIVATION_INT_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* For inputs <t> of i8, u8, i16, u16 and i32; every output is int32.
 *
 * deeploy_igelu_<t>(x, y, n, b, one): I-BERT's integer GELU, for i < n
 *   q = min(|x|, -b),  L = sgn(x) * (one - (q + b)^2),  y = x * floor((one + L) / 2)
 * with everything up to the last product exact, which is taken modulo 2^32 (as int32
 * arithmetic wraps).
 *
 * deeploy_ihardswish_<t>(x, y, n, one_over_six, three, six): integer hard swish,
 *   y = x * (min(max(x + three, 0), six) * one_over_six)
 * the clamp exact, the two products modulo 2^32. */
void deeploy_igelu_i8(const int8_t *restrict x, int32_t *restrict y, int32_t n, int32_t b,
                      int32_t one);
void deeploy_ihardswish_i8(const int8_t *restrict x, int32_t *restrict y, int32_t n,
                           int32_t one_over_six, int32_t three, int32_t six);
void deeploy_igelu_u8(const uint8_t *restrict x, int32_t *restrict y, int32_t n, int32_t b,
                      int32_t one);
void deeploy_ihardswish_u8(const uint8_t *restrict x, int32_t *restrict y, int32_t n,
                           int32_t one_over_six, int32_t three, int32_t six);
void deeploy_igelu_i16(const int16_t *restrict x, int32_t *restrict y, int32_t n, int32_t b,
                       int32_t one);
void deeploy_ihardswish_i16(const int16_t *restrict x, int32_t *restrict y, int32_t n,
                            int32_t one_over_six, int32_t three, int32_t six);
void deeploy_igelu_u16(const uint16_t *restrict x, int32_t *restrict y, int32_t n, int32_t b,
                       int32_t one);
void deeploy_ihardswish_u16(const uint16_t *restrict x, int32_t *restrict y, int32_t n,
                            int32_t one_over_six, int32_t three, int32_t six);
void deeploy_igelu_i32(const int32_t *restrict x, int32_t *restrict y, int32_t n, int32_t b,
                       int32_t one);
void deeploy_ihardswish_i32(const int32_t *restrict x, int32_t *restrict y, int32_t n,
                            int32_t one_over_six, int32_t three, int32_t six);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_ACTIVATION_INT_H_ */
