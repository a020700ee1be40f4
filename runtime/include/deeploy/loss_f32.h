/* Deeploy runtime: softmax training kernels (loss_f32.c). */
#ifndef DEEPLOY_LOSS_F32_H_
#define DEEPLOY_LOSS_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEEPLOY_REDUCTION_NONE 0
#define DEEPLOY_REDUCTION_SUM 1
#define DEEPLOY_REDUCTION_MEAN 2

/* Scores x are [n, c, d] (softmax over c), labels [n, d]; positions whose label is
 * ignore_index or outside [0, c) count for nothing.
 * softmax_cross_entropy: log_prob (if not NULL) gets log(softmax(x)); loss (if not NULL)
 * gets -log_prob[label] * weights[label] (weights may be NULL: all 1) per position
 * (reduction none, [n, d]) or their sum, or their sum over the weights' sum (mean).
 * softmax_cross_entropy_grad: dx = (exp(log_prob) - onehot(label)) * scale with scale 1
 * (none, sum) or 1 / count^2 (mean, count = positions that count), 0 at ignored ones. */
void deeploy_softmax_cross_entropy_f32_i32(const float *restrict x,
                                           const int32_t *restrict labels,
                                           const float *restrict weights, float *restrict loss,
                                           float *restrict log_prob, int32_t n, int32_t c,
                                           int32_t d, int32_t ignore_index, int32_t reduction);
void deeploy_softmax_cross_entropy_f32_i64(const float *restrict x,
                                           const int64_t *restrict labels,
                                           const float *restrict weights, float *restrict loss,
                                           float *restrict log_prob, int32_t n, int32_t c,
                                           int32_t d, int32_t ignore_index, int32_t reduction);
void deeploy_softmax_cross_entropy_grad_f32_i32(const float *restrict log_prob,
                                                const int32_t *restrict labels,
                                                float *restrict dx, int32_t n, int32_t c,
                                                int32_t d, int32_t ignore_index,
                                                int32_t reduction);
void deeploy_softmax_cross_entropy_grad_f32_i64(const float *restrict log_prob,
                                                const int64_t *restrict labels,
                                                float *restrict dx, int32_t n, int32_t c,
                                                int32_t d, int32_t ignore_index,
                                                int32_t reduction);
/* Softmax gradient along the middle axis of [outer, n, inner]: dx = y * (dy - sum(dy * y)). */
void deeploy_softmax_grad_f32(const float *restrict dy, const float *restrict y,
                              float *restrict dx, int32_t outer, int32_t n, int32_t inner);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_LOSS_F32_H_ */
