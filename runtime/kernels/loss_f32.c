/* Softmax training kernels, float32: cross-entropy loss, its gradient, softmax gradient. */
#include <math.h>

#include "deeploy/loss_f32.h"

/* log(sum(exp(x[k * stride]))) over k < n, shifted by the maximum so exp cannot overflow. */
static float log_sum_exp(const float *restrict x, int32_t n, int32_t stride) {
    float m = x[0];
    for (int32_t k = 1; k < n; ++k) {
        const float v = x[(size_t)k * stride];
        m = v > m ? v : m;
    }
    float sum = 0.0f;
    for (int32_t k = 0; k < n; ++k) sum += expf(x[(size_t)k * stride] - m);
    return m + logf(sum);
}

/* Labels outside [0, c) contribute nothing, like ignore_index (ONNX leaves them undefined). */
#define COUNTS(label, c, ignore_index) ((label) >= 0 && (label) < (c) && (label) != (ignore_index))

#define DEFINE_LOSS(suffix, T)                                                              \
    void deeploy_softmax_cross_entropy_f32_##suffix(                                        \
        const float *restrict x, const T *restrict labels, const float *restrict weights,   \
        float *restrict loss, float *restrict log_prob, int32_t n, int32_t c, int32_t d,    \
        int32_t ignore_index, int32_t reduction) {                                          \
        float total = 0.0f, weight_sum = 0.0f;                                              \
        for (int32_t b = 0; b < n; ++b) {                                                   \
            for (int32_t j = 0; j < d; ++j) {                                               \
                const size_t base = (size_t)b * c * d + (size_t)j;                          \
                const float *restrict xp = x + base;                                        \
                const float lse = log_sum_exp(xp, c, d);                                    \
                if (log_prob) {                                                             \
                    float *restrict lp = log_prob + base;                                   \
                    for (int32_t k = 0; k < c; ++k) {                                       \
                        lp[(size_t)k * d] = xp[(size_t)k * d] - lse;                        \
                    }                                                                       \
                }                                                                           \
                const T label = labels[(size_t)b * d + (size_t)j];                          \
                float w = 0.0f, l = 0.0f;                                                   \
                if (COUNTS(label, c, ignore_index)) {                                       \
                    w = weights ? weights[label] : 1.0f;                                    \
                    l = (lse - xp[(size_t)label * d]) * w;                                  \
                }                                                                           \
                if (reduction == DEEPLOY_REDUCTION_NONE) {                                  \
                    if (loss) loss[(size_t)b * d + (size_t)j] = l;                          \
                } else {                                                                    \
                    total += l;                                                             \
                    weight_sum += w;                                                        \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
        if (loss && reduction != DEEPLOY_REDUCTION_NONE) {                                  \
            *loss = reduction == DEEPLOY_REDUCTION_MEAN ? total / weight_sum : total;       \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    void deeploy_softmax_cross_entropy_grad_f32_##suffix(                                   \
        const float *restrict log_prob, const T *restrict labels, float *restrict dx,       \
        int32_t n, int32_t c, int32_t d, int32_t ignore_index, int32_t reduction) {         \
        float scale = 1.0f;                                                                 \
        if (reduction == DEEPLOY_REDUCTION_MEAN) {                                          \
            int32_t count = 0;                                                              \
            for (size_t i = 0; i < (size_t)n * d; ++i) {                                    \
                count += COUNTS(labels[i], c, ignore_index);                                \
            }                                                                               \
            /* Deeploy normalises twice: once for the mean loss, once for the gradient. */ \
            scale = count ? 1.0f / ((float)count * (float)count) : 0.0f;                    \
        }                                                                                   \
        for (int32_t b = 0; b < n; ++b) {                                                   \
            const T *restrict lb = labels + (size_t)b * d;                                  \
            for (int32_t k = 0; k < c; ++k) {                                               \
                const size_t row = ((size_t)b * c + (size_t)k) * d;                         \
                for (int32_t j = 0; j < d; ++j) {                                           \
                    const T label = lb[j];                                                  \
                    const float p = expf(log_prob[row + (size_t)j]);                        \
                    dx[row + (size_t)j] = COUNTS(label, c, ignore_index)                    \
                                              ? (p - (label == k ? 1.0f : 0.0f)) * scale    \
                                              : 0.0f;                                       \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    }

DEFINE_LOSS(i32, int32_t)
DEFINE_LOSS(i64, int64_t)

void deeploy_softmax_grad_f32(const float *restrict dy, const float *restrict y,
                              float *restrict dx, int32_t outer, int32_t n, int32_t inner) {
    for (int32_t o = 0; o < outer; ++o) {
        for (int32_t i = 0; i < inner; ++i) {
            const size_t base = (size_t)o * n * inner + (size_t)i;
            float dot = 0.0f;
            for (int32_t k = 0; k < n; ++k) {
                const size_t at = base + (size_t)k * inner;
                dot += dy[at] * y[at];
            }
            for (int32_t k = 0; k < n; ++k) {
                const size_t at = base + (size_t)k * inner;
                dx[at] = y[at] * (dy[at] - dot);
            }
        }
    }
}
