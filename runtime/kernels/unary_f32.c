/* Pointwise float32 math, one tight loop per function (stamped out from DEEPLOY_UNARY_KERNELS)
 * so compilers can inline and vectorise the libm call where they know how. `y` may be `x`
 * itself (in-place execution): each element is read before the result at its index is
 * stored. */
#include <math.h>

#include "deeploy/unary.h"

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
        for (int32_t i = 0; i < n; ++i) {                                               \
            const float v = x[i];                                                       \
            y[i] = F_##name(v);                                                         \
        }                                                                               \
    }

DEEPLOY_UNARY_KERNELS(DEFINE_UNARY)
