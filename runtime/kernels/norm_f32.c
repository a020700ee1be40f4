/* Normalisation kernels, float32. See deeploy/norm_f32.h. */
#include <math.h>

#include "deeploy/norm_f32.h"
#include "deeploy/simd.h"

/* Mean and 1/sqrt(variance + eps) of n contiguous values: two passes, as the ONNX
 * reference computes them, so that a large mean does not cancel the variance. */
static void row_stats(const float *restrict x, size_t n, float eps, float *mean_out,
                      float *inv_std_out) {
    const float inv_n = 1.0f / (float)n;
    size_t i = 0;
    dv4 acc = dv4_zero();
    for (; i + 4 <= n; i += 4) acc = dv4_add(acc, dv4_load(x + i));
    float mean = dv4_sum(acc);
    for (; i < n; ++i) mean += x[i];
    mean *= inv_n;
    const dv4 vmean = dv4_splat(mean);
    acc = dv4_zero();
    for (i = 0; i + 4 <= n; i += 4) {
        const dv4 d = dv4_sub(dv4_load(x + i), vmean);
        acc = dv4_madd(d, d, acc);
    }
    float var = dv4_sum(acc);
    for (; i < n; ++i) {
        const float d = x[i] - mean;
        var += d * d;
    }
    *mean_out = mean;
    *inv_std_out = 1.0f / sqrtf(var * inv_n + eps);
}

/* Rows whose length is a multiple of 4: vector loops only, statistics in registers. */
static void layernorm_rows4(const float *restrict x, const float *restrict scale,
                            const float *restrict bias, float *restrict y, int32_t outer,
                            int32_t n, float eps) {
    const float inv_n = 1.0f / (float)n;
    for (int32_t o = 0; o < outer; ++o) {
        const float *restrict xr = x + (ptrdiff_t)o * n;
        float *restrict yr = y + (ptrdiff_t)o * n;
        dv4 acc = dv4_zero();
        for (int32_t i = 0; i < n; i += 4) acc = dv4_add(acc, dv4_load(xr + i));
        const float mean = dv4_sum(acc) * inv_n;
        const dv4 vmean = dv4_splat(mean);
        acc = dv4_zero();
        for (int32_t i = 0; i < n; i += 4) {
            const dv4 d = dv4_sub(dv4_load(xr + i), vmean);
            acc = dv4_madd(d, d, acc);
        }
        const dv4 vinv = dv4_splat(1.0f / sqrtf(dv4_sum(acc) * inv_n + eps));
        if (bias) {
            for (int32_t i = 0; i < n; i += 4) {
                const dv4 v = dv4_mul(dv4_mul(dv4_sub(dv4_load(xr + i), vmean), vinv), dv4_load(scale + i));
                dv4_store(yr + i, dv4_add(v, dv4_load(bias + i)));
            }
        } else {
            for (int32_t i = 0; i < n; i += 4)
                dv4_store(yr + i, dv4_mul(dv4_mul(dv4_sub(dv4_load(xr + i), vmean), vinv), dv4_load(scale + i)));
        }
    }
}

void deeploy_layernorm_f32(const float *restrict x, const float *restrict scale,
                           const float *restrict bias, float *restrict y,
                           int32_t outer, int32_t n, float eps) {
    if (n % 4 == 0) {
        layernorm_rows4(x, scale, bias, y, outer, n, eps);
        return;
    }
    for (int32_t o = 0; o < outer; ++o) {
        const float *restrict xr = x + (size_t)o * n;
        float *restrict yr = y + (size_t)o * n;
        float mean, inv_std;
        row_stats(xr, (size_t)n, eps, &mean, &inv_std);
        for (int32_t i = 0; i < n; ++i) {
            const float v = (xr[i] - mean) * inv_std * scale[i];
            yr[i] = bias ? v + bias[i] : v;
        }
    }
}

void deeploy_layernorm_stats_f32(const float *restrict x, const float *restrict scale,
                                 const float *restrict bias, float *restrict y,
                                 float *restrict mean, float *restrict inv_std_dev,
                                 int32_t outer, int32_t n, float eps) {
    for (int32_t o = 0; o < outer; ++o) {
        const float *restrict xr = x + (size_t)o * n;
        float *restrict yr = y + (size_t)o * n;
        float m, inv_std;
        row_stats(xr, (size_t)n, eps, &m, &inv_std);
        for (int32_t i = 0; i < n; ++i) {
            const float v = (xr[i] - m) * inv_std * scale[i];
            yr[i] = bias ? v + bias[i] : v;
        }
        if (mean) mean[o] = m;
        if (inv_std_dev) inv_std_dev[o] = inv_std;
    }
}

void deeploy_batchnorm_f32(const float *x, const float *restrict mul,
                           const float *restrict add, float *y,
                           int32_t N, int32_t C, int32_t S) {
    for (int32_t n = 0; n < N; ++n) {
        for (int32_t c = 0; c < C; ++c) {
            const size_t base = ((size_t)n * C + c) * S;
            const float a = mul[c], b = add[c];
            for (int32_t s = 0; s < S; ++s) y[base + s] = x[base + s] * a + b;
        }
    }
}

void deeploy_groupnorm_f32(const float *restrict x, const float *restrict scale,
                           const float *restrict bias, float *restrict y,
                           int32_t N, int32_t G, int32_t Cg, int32_t S,
                           int32_t group_stride, int32_t channel_stride, float eps) {
    const size_t group_size = (size_t)Cg * S;
    for (int32_t n = 0; n < N; ++n) {
        for (int32_t g = 0; g < G; ++g) {
            const size_t base = ((size_t)n * G + g) * group_size;
            float mean, inv_std;
            row_stats(x + base, group_size, eps, &mean, &inv_std);
            for (int32_t c = 0; c < Cg; ++c) {
                const size_t p = (size_t)g * group_stride + (size_t)c * channel_stride;
                const float a = inv_std * scale[p], b = bias[p];
                const float *restrict xc = x + base + (size_t)c * S;
                float *restrict yc = y + base + (size_t)c * S;
                for (int32_t s = 0; s < S; ++s) yc[s] = (xc[s] - mean) * a + b;
            }
        }
    }
}

void deeploy_rmsnorm_f32(const float *restrict x, const float *restrict scale,
                         float *restrict y, int32_t outer, int32_t rows, int32_t cols,
                         int32_t row_stride, int32_t col_stride, float eps) {
    const size_t n = (size_t)rows * cols;
    const float inv_n = 1.0f / (float)n;
    for (int32_t o = 0; o < outer; ++o) {
        const float *restrict xo = x + (size_t)o * n;
        float *restrict yo = y + (size_t)o * n;
        float sum = 0.0f;
        for (size_t i = 0; i < n; ++i) sum += xo[i] * xo[i];
        const float inv_rms = 1.0f / sqrtf(sum * inv_n + eps);
        for (int32_t r = 0; r < rows; ++r) {
            const float *restrict xr = xo + (size_t)r * cols;
            const float *restrict sr = scale + (size_t)r * row_stride;
            float *restrict yr = yo + (size_t)r * cols;
            for (int32_t c = 0; c < cols; ++c) yr[c] = xr[c] * inv_rms * sr[(size_t)c * col_stride];
        }
    }
}
