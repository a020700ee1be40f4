/* Softmax and log softmax along the middle axis of [outer, n, inner], float32. See
 * deeploy/softmax.h. */
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

/* log softmax of one contiguous row: x - max - log(sum(exp(x - max))) */
static void log_softmax_row(const float *restrict x, float *restrict y, int32_t n) {
    float m = x[0];
    for (int32_t k = 1; k < n; ++k) m = x[k] > m ? x[k] : m;
    float sum = 0.0f;
    for (int32_t k = 0; k < n; ++k) sum += expf(x[k] - m);
    const float log_sum = logf(sum);
    for (int32_t k = 0; k < n; ++k) y[k] = x[k] - m - log_sum;
}

void deeploy_log_softmax_f32(const float *restrict x, float *restrict y,
                             int32_t outer, int32_t n, int32_t inner) {
    const size_t block = (size_t)n * inner;
    for (int32_t o = 0; o < outer; ++o) {
        const float *restrict xo = x + (size_t)o * block;
        float *restrict yo = y + (size_t)o * block;
        if (inner == 1) {
            log_softmax_row(xo, yo, n);
            continue;
        }
        if (n == 1) {
            /* max is x itself and the sum is exp(0) */
            for (int32_t i = 0; i < inner; ++i) yo[i] = xo[i] - xo[i];
            continue;
        }
        /* Rows of `inner` contiguous values: keep the running max in output row 0 and
         * the sum, then its log, in output row 1, so every loop walks a row. */
        float *restrict m = yo;
        float *restrict s = yo + inner;
        for (int32_t i = 0; i < inner; ++i) m[i] = xo[i];
        for (int32_t k = 1; k < n; ++k) {
            const float *restrict xk = xo + (size_t)k * inner;
            for (int32_t i = 0; i < inner; ++i) m[i] = xk[i] > m[i] ? xk[i] : m[i];
        }
        for (int32_t i = 0; i < inner; ++i) s[i] = 0.0f;
        for (int32_t k = 0; k < n; ++k) {
            const float *restrict xk = xo + (size_t)k * inner;
            for (int32_t i = 0; i < inner; ++i) s[i] += expf(xk[i] - m[i]);
        }
        for (int32_t i = 0; i < inner; ++i) s[i] = logf(s[i]);
        for (int32_t k = 2; k < n; ++k) {
            const float *restrict xk = xo + (size_t)k * inner;
            float *restrict yk = yo + (size_t)k * inner;
            for (int32_t i = 0; i < inner; ++i) yk[i] = xk[i] - m[i] - s[i];
        }
        for (int32_t i = 0; i < inner; ++i) {
            const float mi = m[i], li = s[i];
            m[i] = xo[i] - mi - li;
            s[i] = xo[(size_t)inner + i] - mi - li;
        }
    }
}
