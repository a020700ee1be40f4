/* Deeploy runtime: activations kernels (activation*.c). */
#ifndef DEEPLOY_ACTIVATION_H_
#define DEEPLOY_ACTIVATION_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

void deeploy_relu_f32(const float *restrict x, float *restrict y, int32_t n);
void deeploy_clip_f32(const float *restrict x, float *restrict y, int32_t n, float lo, float hi);
void deeploy_sigmoid_f32(const float *restrict x, float *restrict y, int32_t n);
void deeploy_gelu_f32(const float *restrict x, float *restrict y, int32_t n);
void deeploy_gelu_tanh_f32(const float *restrict x, float *restrict y, int32_t n);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_ACTIVATION_H_ */
