/* Softmax along the middle axis of [outer, n, inner], float32. See deeploy_kernels.h. */
#include <math.h>

#include "deeploy/softmax.h"

void deeploy_softmax_f32(const float *restrict x, float *restrict y,
                         int32_t outer, int32_t n, int32_t inner) {
    for (int32_t o = 0; o < outer; ++o) {
        for (int32_t i = 0; i < inner; ++i) {
            const float *restrict xp = x + (size_t)o * n * inner + i;
            float *restrict yp = y + (size_t)o * n * inner + i;
            float m = xp[0];
            for (int32_t k = 1; k < n; ++k) {
                const float v = xp[(size_t)k * inner];
                m = v > m ? v : m;
            }
            float sum = 0.0f;
            for (int32_t k = 0; k < n; ++k) {
                const float e = expf(xp[(size_t)k * inner] - m);
                yp[(size_t)k * inner] = e;
                sum += e;
            }
            const float inv = 1.0f / sum;
            for (int32_t k = 0; k < n; ++k) {
                yp[(size_t)k * inner] *= inv;
            }
        }
    }
}
