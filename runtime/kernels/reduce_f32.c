/* Sum/mean reductions, float32. See deeploy_kernels.h. */
#include "deeploy/reduce.h"

void deeploy_reduce_sum_f32(const float *restrict x, float *restrict y,
                            int32_t outer, int32_t n, int32_t inner, float scale) {
    for (int32_t o = 0; o < outer; ++o) {
        float *restrict yo = y + (size_t)o * inner;
        const float *restrict xo = x + (size_t)o * n * inner;
        for (int32_t i = 0; i < inner; ++i) yo[i] = 0.0f;
        for (int32_t k = 0; k < n; ++k) {
            const float *restrict xr = xo + (size_t)k * inner;
            for (int32_t i = 0; i < inner; ++i) yo[i] += xr[i];
        }
        for (int32_t i = 0; i < inner; ++i) yo[i] *= scale;
    }
}

void deeploy_reduce_sum_nd_f32(const float *restrict x, float *restrict y,
                               int32_t rank, const int32_t *shape, const int32_t *out_strides,
                               int32_t y_size, float scale) {
    int32_t idx[DEEPLOY_MAX_RANK] = {0};
    int32_t total = 1;
    for (int32_t d = 0; d < rank; ++d) total *= shape[d];
    for (int32_t i = 0; i < y_size; ++i) y[i] = 0.0f;
    size_t yo = 0;
    for (int32_t i = 0; i < total; ++i) {
        y[yo] += x[i];
        for (int32_t d = rank - 1; d >= 0; --d) {
            yo += (size_t)out_strides[d];
            if (++idx[d] < shape[d]) break;
            yo -= (size_t)out_strides[d] * (size_t)shape[d];
            idx[d] = 0;
        }
    }
    for (int32_t i = 0; i < y_size; ++i) y[i] *= scale;
}
