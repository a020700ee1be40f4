/* Pointwise float32 math, one tight loop per function (stamped out from DEEPLOY_UNARY_KERNELS)
 * so compilers can inline and vectorise the libm call where they know how. `y` may be `x`
 * itself (in-place execution): each element is read before the result at its index is
 * stored. */
#include <math.h>

#include "deeploy/unary_f32.h"
#include "deeploy/vmath.h"

#define F_sqrt(v) sqrtf(v)
#define F_exp(v) expf(v)
#define F_log(v) logf(v)
#define F_erf(v) erff(v)
#define F_tanh(v) tanhf(v)
#define F_ceil(v) ceilf(v)
#define F_floor(v) floorf(v)
#define F_round(v) rintf(v)
#define F_abs(v) fabsf(v)
#define F_neg(v) (-(v))
#define F_reciprocal(v) (1.0f / (v))
/* 0 for +-0, NaN stays NaN */
#define F_sign(v) ((v) > 0.0f ? 1.0f : (v) < 0.0f ? -1.0f : (v))
#define F_sin(v) sinf(v)
#define F_cos(v) cosf(v)
/* log(1 + e^v) without overflow for large v: max(v, 0) + log1p(e^-|v|) */
#define F_softplus(v) (((v) > 0.0f ? (v) : 0.0f) + log1pf(expf(-fabsf(v))))
#define F_softsign(v) ((v) / (1.0f + fabsf(v)))

#define DEFINE_UNARY(name)                                                              \
    void deeploy_##name##_f32(const float *x, float *y, int32_t n) {                   \
        int32_t i = 0;                                                                  \
        VECTOR_LOOP_##name                                                              \
        for (; i < n; ++i) {                                                            \
            const float v = x[i];                                                       \
            y[i] = F_##name(v);                                                         \
        }                                                                               \
    }

/* exp, erf and tanh have vector forms (deeploy/vmath.h) for all but the last n % 4 elements */
#define VECTOR_LOOP(expr)                                                               \
    for (; i + 4 <= n; i += 4) {                                                        \
        const dv4 v = dv4_load(x + i);                                                  \
        dv4_store(y + i, (expr));                                                       \
    }
#define VECTOR_LOOP_exp VECTOR_LOOP(dv4_exp(v))
#define VECTOR_LOOP_erf VECTOR_LOOP(dv4_erf(v))
/* tanh v = 1 - 2 / (e^{2v} + 1) */
#define VECTOR_LOOP_tanh                                                                \
    VECTOR_LOOP(dv4_sub(dv4_splat(1.0f),                                                \
                        dv4_div(dv4_splat(2.0f), dv4_add(dv4_exp(dv4_add(v, v)), dv4_splat(1.0f)))))
#define VECTOR_LOOP_sqrt
#define VECTOR_LOOP_log
#define VECTOR_LOOP_ceil
#define VECTOR_LOOP_floor
#define VECTOR_LOOP_round
#define VECTOR_LOOP_abs
#define VECTOR_LOOP_neg
#define VECTOR_LOOP_reciprocal
#define VECTOR_LOOP_sign
#define VECTOR_LOOP_sin
#define VECTOR_LOOP_cos
#define VECTOR_LOOP_softplus
#define VECTOR_LOOP_softsign

/* the kernels, each declared in unary_f32.h */
#define DEEPLOY_UNARY_KERNELS(X)                                                         \
    X(sqrt) X(exp) X(log) X(erf) X(tanh) X(ceil) X(floor) X(round) X(abs) X(neg)         \
    X(reciprocal) X(sign) X(sin) X(cos) X(softplus) X(softsign)
DEEPLOY_UNARY_KERNELS(DEFINE_UNARY)
