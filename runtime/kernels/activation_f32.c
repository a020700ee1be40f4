/* Pointwise activations, float32. See deeploy_kernels.h. */
#include <math.h>

#include "deeploy/activation.h"

void deeploy_relu_f32(const float *restrict x, float *restrict y, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    }
}

void deeploy_clip_f32(const float *restrict x, float *restrict y, int32_t n, float lo, float hi) {
    for (int32_t i = 0; i < n; ++i) {
        float v = x[i] < lo ? lo : x[i];
        y[i] = v > hi ? hi : v;
    }
}

void deeploy_sigmoid_f32(const float *restrict x, float *restrict y, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        y[i] = 1.0f / (1.0f + expf(-x[i]));
    }
}

void deeploy_gelu_f32(const float *restrict x, float *restrict y, int32_t n) {
    /* exact: 0.5 x (1 + erf(x / sqrt(2))) */
    for (int32_t i = 0; i < n; ++i) {
        y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
    }
}

void deeploy_gelu_tanh_f32(const float *restrict x, float *restrict y, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
    }
}
