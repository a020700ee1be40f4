/* Deeploy runtime: activations kernels (activation_f32.c). */
#ifndef DEEPLOY_ACTIVATION_F32_H_
#define DEEPLOY_ACTIVATION_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y[i] = f(x[i]) for i < n, with ONNX's formula and the attributes as arguments. y may be
 * x itself (in place), so neither is `restrict`. */
void deeploy_relu_f32(const float *x, float *y, int32_t n);
void deeploy_clip_f32(const float *x, float *y, int32_t n, float lo, float hi);
void deeploy_sigmoid_f32(const float *x, float *y, int32_t n);
void deeploy_gelu_f32(const float *x, float *y, int32_t n);
void deeploy_gelu_tanh_f32(const float *x, float *y, int32_t n);
void deeploy_leaky_relu_f32(const float *x, float *y, int32_t n, float alpha);
void deeploy_hard_sigmoid_f32(const float *x, float *y, int32_t n,
                              float alpha, float beta);
void deeploy_hard_swish_f32(const float *x, float *y, int32_t n);
void deeploy_swish_f32(const float *x, float *y, int32_t n, float alpha);
void deeploy_elu_f32(const float *x, float *y, int32_t n, float alpha);
void deeploy_selu_f32(const float *x, float *y, int32_t n, float alpha,
                      float gamma);
/* alpha != 0 */
void deeploy_celu_f32(const float *x, float *y, int32_t n, float alpha);
void deeploy_thresholded_relu_f32(const float *x, float *y, int32_t n,
                                  float alpha);
void deeploy_mish_f32(const float *x, float *y, int32_t n);

/* y = x > 0 ? x : x * slope over `shape` (rank <= DEEPLOY_MAX_RANK); x and y contiguous
 * (y may be x), slope read with element strides (0 = broadcast along that axis; the
 * innermost is 0 or 1). */
void deeploy_prelu_f32(const float *x, const float *restrict slope, float *y,
                       int32_t rank, const int32_t *shape, const int32_t *slope_strides);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_ACTIVATION_F32_H_ */
