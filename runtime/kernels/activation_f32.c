/* Pointwise activations, float32. `y` may be `x` itself (in-place execution), so neither
 * carries `restrict`; each element is read before the result at its index is stored.
 *
 * The cheap piecewise-linear activations run four elements at a time with deeploy/simd.h.
 * Elsewhere piecewise formulas are selects between values computed unconditionally: a
 * select whose arm multiplies (x > 0 ? x : x * alpha) becomes a branch, as the
 * multiplication may trap, and the loop no longer vectorises. */
#include <math.h>

#include "deeploy/activation_f32.h"
#include "deeploy/simd.h"
#include "deeploy/vmath.h"

/* max(v, 0) and min(v, 0), both keeping NaN */
#define POS(v) ((v) < 0.0f ? 0.0f : (v))
#define NEG(v) ((v) > 0.0f ? 0.0f : (v))

/* min(hi, max(lo, v)) keeping NaN, as dv4_clamp */
static inline float clampf(float v, float lo, float hi) {
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

/* y[i] = SCALAR(x[i]) for i < n, four elements at a time with VECTOR(dv4), which must
 * compute the same operations in the same order */
#define POINTWISE(VECTOR, SCALAR)                                             \
    do {                                                                      \
        int32_t i = 0;                                                        \
        for (; i + 4 <= n; i += 4) dv4_store(y + i, VECTOR(dv4_load(x + i))); \
        for (; i < n; ++i) y[i] = SCALAR(x[i]);                               \
    } while (0)

#define RELU_V(v) dv4_max(dv4_zero(), (v))
#define RELU_S(v) POS(v)

void deeploy_relu_f32(const float *x, float *y, int32_t n) { POINTWISE(RELU_V, RELU_S); }

void deeploy_clip_f32(const float *x, float *y, int32_t n, float lo, float hi) {
    const dv4 lo4 = dv4_splat(lo), hi4 = dv4_splat(hi);
#define CLIP_V(v) dv4_clamp((v), lo4, hi4)
#define CLIP_S(v) clampf((v), lo, hi)
    POINTWISE(CLIP_V, CLIP_S);
}

/* The exp/erf-based activations use the vector approximations of deeploy/vmath.h in the
 * vector loop and libm for the scalar tail (agreeing within a few ulp). */
void deeploy_sigmoid_f32(const float *x, float *y, int32_t n) {
    const dv4 one = dv4_splat(1.0f);
#define SIGMOID_V(v) dv4_div(one, dv4_add(one, dv4_exp(dv4_sub(dv4_zero(), (v)))))
#define SIGMOID_S(v) (1.0f / (1.0f + expf(-(v))))
    POINTWISE(SIGMOID_V, SIGMOID_S);
}

void deeploy_gelu_f32(const float *x, float *y, int32_t n) {
    /* exact: 0.5 x (1 + erf(x / sqrt(2))) */
    const dv4 half = dv4_splat(0.5f), one = dv4_splat(1.0f), r2 = dv4_splat(0.70710678118654752f);
#define GELU_V(v) dv4_mul(dv4_mul(half, (v)), dv4_add(one, dv4_erf(dv4_mul((v), r2))))
#define GELU_S(v) (0.5f * (v) * (1.0f + erff((v) * 0.70710678118654752f)))
    POINTWISE(GELU_V, GELU_S);
}

void deeploy_gelu_tanh_f32(const float *x, float *y, int32_t n) {
    /* 0.5 v (1 + tanh(u)) = v / (1 + exp(-2u)), u = sqrt(2/pi) (v + 0.044715 v^3) */
    const dv4 one = dv4_splat(1.0f), k = dv4_splat(-2.0f * 0.79788456080286536f);
    const dv4 c = dv4_splat(0.044715f);
#define GELU_TANH_V(v) dv4_div((v), dv4_add(one, dv4_exp(dv4_mul(k, dv4_madd(dv4_mul(c, (v)), dv4_mul((v), (v)), (v))))))
#define GELU_TANH_S(v) ((v) / (1.0f + expf(-2.0f * 0.79788456080286536f * ((v) + 0.044715f * (v) * (v) * (v)))))
    POINTWISE(GELU_TANH_V, GELU_TANH_S);
}

void deeploy_leaky_relu_f32(const float *x, float *y, int32_t n, float alpha) {
    /* max(x, 0) + alpha min(x, 0) */
    const dv4 alpha4 = dv4_splat(alpha);
#define LEAKY_V(v) dv4_add(dv4_max(dv4_zero(), (v)), dv4_mul(alpha4, dv4_min(dv4_zero(), (v))))
#define LEAKY_S(v) (POS(v) + alpha * NEG(v))
    POINTWISE(LEAKY_V, LEAKY_S);
}

void deeploy_hard_sigmoid_f32(const float *x, float *y, int32_t n, float alpha, float beta) {
    const dv4 alpha4 = dv4_splat(alpha), beta4 = dv4_splat(beta);
    const dv4 zero4 = dv4_zero(), one4 = dv4_splat(1.0f);
#define HSIG_V(v) dv4_clamp(dv4_madd(alpha4, (v), beta4), zero4, one4)
#define HSIG_S(v) clampf(alpha * (v) + beta, 0.0f, 1.0f)
    POINTWISE(HSIG_V, HSIG_S);
}

void deeploy_hard_swish_f32(const float *x, float *y, int32_t n) {
    /* x max(0, min(1, x / 6 + 1 / 2)) = x min(6, max(0, x + 3)) / 6 */
    const dv4 three4 = dv4_splat(3.0f), zero4 = dv4_zero(), six4 = dv4_splat(6.0f);
    const dv4 sixth4 = dv4_splat(1.0f / 6.0f);
#define HSWISH_V(v) dv4_mul(dv4_mul((v), dv4_clamp(dv4_add((v), three4), zero4, six4)), sixth4)
#define HSWISH_S(v) ((v) * clampf((v) + 3.0f, 0.0f, 6.0f) * (1.0f / 6.0f))
    POINTWISE(HSWISH_V, HSWISH_S);
}

void deeploy_swish_f32(const float *x, float *y, int32_t n, float alpha) {
    const dv4 one = dv4_splat(1.0f), nalpha = dv4_splat(-alpha);
#define SWISH_V(v) dv4_div((v), dv4_add(one, dv4_exp(dv4_mul(nalpha, (v)))))
#define SWISH_S(v) ((v) / (1.0f + expf(-alpha * (v))))
    POINTWISE(SWISH_V, SWISH_S);
}

void deeploy_elu_f32(const float *x, float *y, int32_t n, float alpha) {
    for (int32_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = v > 0.0f ? v : alpha * expm1f(v);
    }
}

void deeploy_selu_f32(const float *x, float *y, int32_t n, float alpha, float gamma) {
    for (int32_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = gamma * (v > 0.0f ? v : alpha * expm1f(v));
    }
}

void deeploy_celu_f32(const float *x, float *y, int32_t n, float alpha) {
    /* max(0, x) + min(0, alpha (exp(x / alpha) - 1)) */
    const float inv_alpha = 1.0f / alpha;
    for (int32_t i = 0; i < n; ++i) {
        const float v = x[i];
        const float neg = alpha * expm1f(v * inv_alpha);
        y[i] = POS(v) + NEG(neg);
    }
}

void deeploy_thresholded_relu_f32(const float *x, float *y, int32_t n, float alpha) {
    for (int32_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = v > alpha ? v : 0.0f;
    }
}

void deeploy_mish_f32(const float *x, float *y, int32_t n) {
    /* x tanh(log(1 + e^x)) = x m / (m + 2) with m = e^x (e^x + 2): one exponential. The
     * ratio is 1 in float beyond x = 20, so clamping there keeps m finite; it is applied
     * before multiplying by x so that large x cannot overflow. */
    for (int32_t i = 0; i < n; ++i) {
        const float v = x[i];
        const float e = expf(v < 20.0f ? v : 20.0f);
        const float m = e * (e + 2.0f);
        y[i] = v * (m / (m + 2.0f));
    }
}

/* max(x, 0) + slope min(x, 0) over one contiguous row, the slope contiguous or (ss = 0)
 * one value */
static void prelu_row(const float *x, const float *restrict slope, float *y, int32_t n,
                      int32_t ss) {
    const dv4 zero4 = dv4_zero();
    int32_t i = 0;
    if (ss == 1) {
        for (; i + 4 <= n; i += 4) {
            const dv4 v = dv4_load(x + i);
            dv4_store(y + i, dv4_madd(dv4_load(slope + i), dv4_min(zero4, v), dv4_max(zero4, v)));
        }
    } else {
        const dv4 s4 = dv4_splat(slope[0]);
        for (; i + 4 <= n; i += 4) {
            const dv4 v = dv4_load(x + i);
            dv4_store(y + i, dv4_madd(s4, dv4_min(zero4, v), dv4_max(zero4, v)));
        }
    }
    for (; i < n; ++i) y[i] = slope[(ptrdiff_t)i * ss] * NEG(x[i]) + POS(x[i]);
}

void deeploy_prelu_f32(const float *x, const float *restrict slope, float *y, int32_t rank,
                       const int32_t *shape, const int32_t *slope_strides) {
    int32_t idx[DEEPLOY_MAX_RANK] = {0};
    const int32_t inner = shape[rank - 1];
    int32_t outer = 1;
    for (int32_t d = 0; d + 1 < rank; ++d) outer *= shape[d];
    ptrdiff_t so = 0;
    for (int32_t o = 0; o < outer; ++o) {
        const ptrdiff_t row = (ptrdiff_t)o * inner;
        prelu_row(x + row, slope + so, y + row, inner, slope_strides[rank - 1]);
        for (int32_t d = rank - 2; d >= 0; --d) {
            so += slope_strides[d];
            if (++idx[d] < shape[d]) break;
            so -= (ptrdiff_t)slope_strides[d] * shape[d];
            idx[d] = 0;
        }
    }
}
