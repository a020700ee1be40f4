/* Layer normalisation, float32. See deeploy_kernels.h. */
#include <math.h>

#include "deeploy/norm.h"

void deeploy_layernorm_f32(const float *restrict x, const float *restrict scale,
                           const float *restrict bias, float *restrict y,
                           int32_t outer, int32_t n, float eps) {
    const float inv_n = 1.0f / (float)n;
    for (int32_t o = 0; o < outer; ++o) {
        const float *restrict xr = x + (size_t)o * n;
        float *restrict yr = y + (size_t)o * n;
        float mean = 0.0f;
        for (int32_t i = 0; i < n; ++i) mean += xr[i];
        mean *= inv_n;
        float var = 0.0f;
        for (int32_t i = 0; i < n; ++i) {
            const float d = xr[i] - mean;
            var += d * d;
        }
        var *= inv_n;
        const float inv_std = 1.0f / sqrtf(var + eps);
        for (int32_t i = 0; i < n; ++i) {
            const float v = (xr[i] - mean) * inv_std * scale[i];
            yr[i] = bias ? v + bias[i] : v;
        }
    }
}
