/* Reductions, float32: every ONNX Reduce* is one instance of a single scheme,
 *     y = FINISH(COMBINE(... COMBINE(INIT, MAP(x0)) ..., MAP(xk)), scale),
 * in two loop shapes: [outer, n, inner] reduced along n (contiguous inner loop), and a
 * general one for reduced axes that do not collapse into one run. */
#include <math.h>

#include "deeploy/reduce_f32.h"

#define DEFINE_REDUCE(name, INIT, MAP, COMBINE, FINISH)                                    \
    void deeploy_reduce_##name##_f32(const float *restrict x, float *restrict y,            \
                                     int32_t outer, int32_t n, int32_t inner, float scale) { \
        (void)scale;                                                                        \
        for (int32_t o = 0; o < outer; ++o) {                                               \
            float *restrict yo = y + (size_t)o * inner;                                     \
            const float *restrict xo = x + (size_t)o * n * inner;                           \
            for (int32_t i = 0; i < inner; ++i) yo[i] = (INIT);                             \
            for (int32_t k = 0; k < n; ++k) {                                               \
                const float *restrict xr = xo + (size_t)k * inner;                          \
                for (int32_t i = 0; i < inner; ++i) {                                       \
                    const float v = xr[i];                                                  \
                    yo[i] = COMBINE(yo[i], (MAP(v)));                                       \
                }                                                                           \
            }                                                                               \
            for (int32_t i = 0; i < inner; ++i) yo[i] = FINISH(yo[i], scale);               \
        }                                                                                   \
    }                                                                                       \
                                                                                            \
    void deeploy_reduce_##name##_nd_f32(const float *restrict x, float *restrict y,         \
                                        int32_t rank, const int32_t *shape,                 \
                                        const int32_t *out_strides, int32_t y_size,         \
                                        float scale) {                                      \
        (void)scale;                                                                        \
        int32_t idx[DEEPLOY_MAX_RANK] = {0};                                                \
        int32_t total = 1;                                                                  \
        for (int32_t d = 0; d < rank; ++d) total *= shape[d];                               \
        for (int32_t i = 0; i < y_size; ++i) y[i] = (INIT);                                 \
        size_t yo = 0;                                                                      \
        for (int32_t i = 0; i < total; ++i) {                                               \
            const float v = x[i];                                                           \
            y[yo] = COMBINE(y[yo], (MAP(v)));                                               \
            for (int32_t d = rank - 1; d >= 0; --d) {                                       \
                yo += (size_t)out_strides[d];                                               \
                if (++idx[d] < shape[d]) break;                                             \
                yo -= (size_t)out_strides[d] * (size_t)shape[d];                            \
                idx[d] = 0;                                                                 \
            }                                                                               \
        }                                                                                   \
        for (int32_t i = 0; i < y_size; ++i) y[i] = FINISH(y[i], scale);                    \
    }

#define ID(v) (v)
#define SQUARE(v) ((v) * (v))
#define ADD(a, b) ((a) + (b))
#define MUL(a, b) ((a) * (b))
/* A NaN wins and then stays, as in numpy's maximum/minimum. */
#define MAX(a, b) ((b) > (a) || (b) != (b) ? (b) : (a))
#define MIN(a, b) ((b) < (a) || (b) != (b) ? (b) : (a))
#define SCALED(acc, scale) ((acc) * (scale))
#define KEEP(acc, scale) (acc)
#define SQRT(acc, scale) sqrtf(acc)
#define LOG(acc, scale) logf(acc)

/* log(exp(a) + exp(b)) without overflow: one pass, no temporary for the running maximum. */
static inline float log_add_exp(float a, float b) {
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    const float m = a > b ? a : b;
    return m + log1pf(expf(-fabsf(a - b)));
}

DEFINE_REDUCE(sum, 0.0f, ID, ADD, SCALED)
DEFINE_REDUCE(max, -INFINITY, ID, MAX, KEEP)
DEFINE_REDUCE(min, INFINITY, ID, MIN, KEEP)
DEFINE_REDUCE(prod, 1.0f, ID, MUL, KEEP)
DEFINE_REDUCE(sum_square, 0.0f, SQUARE, ADD, KEEP)
DEFINE_REDUCE(l1, 0.0f, fabsf, ADD, KEEP)
DEFINE_REDUCE(l2, 0.0f, SQUARE, ADD, SQRT)
DEFINE_REDUCE(log_sum, 0.0f, ID, ADD, LOG)
DEFINE_REDUCE(log_sum_exp, -INFINITY, ID, log_add_exp, KEEP)
