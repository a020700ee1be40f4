/* Deeploy runtime: normalisation kernels (norm_f32.c). */
#ifndef DEEPLOY_NORM_F32_H_
#define DEEPLOY_NORM_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x viewed as [outer, n]; scale/bias have n elements (bias may be NULL). */
void deeploy_layernorm_f32(const float *restrict x, const float *restrict scale,
                           const float *restrict bias, float *restrict y,
                           int32_t outer, int32_t n, float eps);

/* LayerNormalization that also writes each row's mean and 1/sqrt(variance + eps) (either
 * may be NULL): outer values each. */
void deeploy_layernorm_stats_f32(const float *restrict x, const float *restrict scale,
                                 const float *restrict bias, float *restrict y,
                                 float *restrict mean, float *restrict inv_std_dev,
                                 int32_t outer, int32_t n, float eps);

/* Inference BatchNormalization folded into a per-channel affine map:
 * x, y viewed as [N, C, S]; y = x * mul[c] + add[c]. y may be x itself (in place), so
 * neither is `restrict`. */
void deeploy_batchnorm_f32(const float *x, const float *restrict mul,
                           const float *restrict add, float *y,
                           int32_t N, int32_t C, int32_t S);

/* Group normalisation (InstanceNormalization is G = C, Cg = 1): x, y viewed as
 * [N, G, Cg, S]; mean and variance over each [Cg, S] block, then channel c of group g is
 * scaled and shifted by scale/bias[g * group_stride + c * channel_stride]
 * (per channel: Cg, 1; per group: 1, 0). */
void deeploy_groupnorm_f32(const float *restrict x, const float *restrict scale,
                           const float *restrict bias, float *restrict y,
                           int32_t N, int32_t G, int32_t Cg, int32_t S,
                           int32_t group_stride, int32_t channel_stride, float eps);

/* RMS normalisation: x, y viewed as [outer, rows, cols]; each [rows, cols] block is
 * divided by sqrt(mean(x^2) + eps) and multiplied by
 * scale[r * row_stride + c * col_stride] (strides 0 broadcast the scale). */
void deeploy_rmsnorm_f32(const float *restrict x, const float *restrict scale,
                         float *restrict y, int32_t outer, int32_t rows, int32_t cols,
                         int32_t row_stride, int32_t col_stride, float eps);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_NORM_F32_H_ */
