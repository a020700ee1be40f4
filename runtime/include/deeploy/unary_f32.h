/* Deeploy runtime: pointwise float32 math kernels (unary_f32.c). */
#ifndef DEEPLOY_UNARY_F32_H_
#define DEEPLOY_UNARY_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y[i] = f(x[i]) for i < n. y may be x itself (in place), so neither is `restrict`.
 * `round` is ONNX Round: halves go to the even neighbour (rintf in the default rounding
 * mode). */
void deeploy_sqrt_f32(const float *x, float *y, int32_t n);
void deeploy_exp_f32(const float *x, float *y, int32_t n);
void deeploy_log_f32(const float *x, float *y, int32_t n);
void deeploy_erf_f32(const float *x, float *y, int32_t n);
void deeploy_tanh_f32(const float *x, float *y, int32_t n);
void deeploy_ceil_f32(const float *x, float *y, int32_t n);
void deeploy_floor_f32(const float *x, float *y, int32_t n);
void deeploy_round_f32(const float *x, float *y, int32_t n);
void deeploy_abs_f32(const float *x, float *y, int32_t n);
void deeploy_neg_f32(const float *x, float *y, int32_t n);
void deeploy_reciprocal_f32(const float *x, float *y, int32_t n);
void deeploy_sign_f32(const float *x, float *y, int32_t n);
void deeploy_sin_f32(const float *x, float *y, int32_t n);
void deeploy_cos_f32(const float *x, float *y, int32_t n);
void deeploy_softplus_f32(const float *x, float *y, int32_t n);
void deeploy_softsign_f32(const float *x, float *y, int32_t n);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_UNARY_F32_H_ */
