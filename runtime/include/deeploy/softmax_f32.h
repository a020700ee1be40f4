/* Deeploy runtime: softmax kernels (softmax_f32.c). */
#ifndef DEEPLOY_SOFTMAX_F32_H_
#define DEEPLOY_SOFTMAX_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x viewed as [outer, n, inner]; softmax along n. */
void deeploy_softmax_f32(const float *restrict x, float *restrict y,
                         int32_t outer, int32_t n, int32_t inner);
/* x viewed as [outer, n, inner]; log softmax along n (x - max - log(sum(exp(x - max)))). */
void deeploy_log_softmax_f32(const float *restrict x, float *restrict y,
                             int32_t outer, int32_t n, int32_t inner);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_SOFTMAX_F32_H_ */
