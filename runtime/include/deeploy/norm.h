/* Deeploy runtime: normalisation kernels (norm*.c). */
#ifndef DEEPLOY_NORM_H_
#define DEEPLOY_NORM_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x viewed as [outer, n]; scale/bias have n elements (bias may be NULL). */
void deeploy_layernorm_f32(const float *restrict x, const float *restrict scale,
                           const float *restrict bias, float *restrict y,
                           int32_t outer, int32_t n, float eps);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_NORM_H_ */
