/* Softmax and log softmax along the middle axis of [outer, n, inner], float32. See
 * deeploy/softmax_f32.h. */
#include <math.h>

#include "deeploy/softmax_f32.h"
#include "deeploy/vmath.h"

/* Softmax of one contiguous row, 4 lanes at a time (exp from deeploy/vmath.h). */
static void softmax_row(const float *restrict x, float *restrict y, int32_t n) {
    int32_t k = 0;
    float m = x[0];
    if (n >= 4) {
        dv4 vm = dv4_load(x);
        for (k = 4; k + 4 <= n; k += 4) vm = dv4_max(vm, dv4_load(x + k));
        float lanes[4];
        dv4_store(lanes, vm);
        m = lanes[0] > lanes[1] ? lanes[0] : lanes[1];
        m = lanes[2] > m ? lanes[2] : m;
        m = lanes[3] > m ? lanes[3] : m;
    }
    for (; k < n; ++k) m = x[k] > m ? x[k] : m;
    const dv4 vmax = dv4_splat(m);
    dv4 vsum = dv4_zero();
    for (k = 0; k + 4 <= n; k += 4) {
        const dv4 e = dv4_exp(dv4_sub(dv4_load(x + k), vmax));
        dv4_store(y + k, e);
        vsum = dv4_add(vsum, e);
    }
    float sum = dv4_sum(vsum);
    for (; k < n; ++k) {
        y[k] = expf(x[k] - m);
        sum += y[k];
    }
    const float inv = 1.0f / sum;
    const dv4 vinv = dv4_splat(inv);
    for (k = 0; k + 4 <= n; k += 4) dv4_store(y + k, dv4_mul(dv4_load(y + k), vinv));
    for (; k < n; ++k) y[k] *= inv;
}

/* Softmax along the middle axis of [outer, n, inner] with inner > 1: the `inner` values of
 * one k are contiguous, so the vectors run along inner, with the running max and sum kept
 * per lane (max in y's first row, the sum in a 4-lane register per chunk). */
static void softmax_strided(const float *restrict x, float *restrict y, int32_t n, int32_t inner) {
    int32_t i = 0;
    for (; i + 4 <= inner; i += 4) {
        dv4 vm = dv4_load(x + i);
        for (int32_t k = 1; k < n; ++k) vm = dv4_max(vm, dv4_load(x + (ptrdiff_t)k * inner + i));
        dv4 vsum = dv4_zero();
        for (int32_t k = 0; k < n; ++k) {
            const dv4 e = dv4_exp(dv4_sub(dv4_load(x + (ptrdiff_t)k * inner + i), vm));
            dv4_store(y + (ptrdiff_t)k * inner + i, e);
            vsum = dv4_add(vsum, e);
        }
        const dv4 vinv = dv4_div(dv4_splat(1.0f), vsum);
        for (int32_t k = 0; k < n; ++k)
            dv4_store(y + (ptrdiff_t)k * inner + i, dv4_mul(dv4_load(y + (ptrdiff_t)k * inner + i), vinv));
    }
    for (; i < inner; ++i) {
        float m = x[i];
        for (int32_t k = 1; k < n; ++k) m = x[(ptrdiff_t)k * inner + i] > m ? x[(ptrdiff_t)k * inner + i] : m;
        float sum = 0.0f;
        for (int32_t k = 0; k < n; ++k) {
            const float e = expf(x[(ptrdiff_t)k * inner + i] - m);
            y[(ptrdiff_t)k * inner + i] = e;
            sum += e;
        }
        const float inv = 1.0f / sum;
        for (int32_t k = 0; k < n; ++k) y[(ptrdiff_t)k * inner + i] *= inv;
    }
}

void deeploy_softmax_f32(const float *restrict x, float *restrict y,
                         int32_t outer, int32_t n, int32_t inner) {
    const ptrdiff_t block = (ptrdiff_t)n * inner;
    for (int32_t o = 0; o < outer; ++o) {
        if (inner == 1) softmax_row(x + o * block, y + o * block, n);
        else softmax_strided(x + o * block, y + o * block, n, inner);
    }
}

/* log softmax of one contiguous row: x - max - log(sum(exp(x - max))) */
static void log_softmax_row(const float *restrict x, float *restrict y, int32_t n) {
    float m = x[0];
    for (int32_t k = 1; k < n; ++k) m = x[k] > m ? x[k] : m;
    const dv4 vmax = dv4_splat(m);
    dv4 vsum = dv4_zero();
    int32_t k = 0;
    for (; k + 4 <= n; k += 4) vsum = dv4_add(vsum, dv4_exp(dv4_sub(dv4_load(x + k), vmax)));
    float sum = dv4_sum(vsum);
    for (; k < n; ++k) sum += expf(x[k] - m);
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
