/* Integer GELU and hard swish of Deeploy's quantised networks (see activation_int.h).
 *
 * Intermediate values are int64_t, exact for every int32 input and parameter; the final
 * products are reduced modulo 2^32 in unsigned arithmetic, which gives the int32 wrap-around
 * of a 32-bit implementation without signed overflow. */
#include "deeploy/activation_int.h"

/* The int32_t congruent to u modulo 2^32, without an implementation-defined conversion. */
static inline int32_t wrap_i32(uint32_t u) {
    if (u <= (uint32_t)INT32_MAX) return (int32_t)u;
    return (int32_t)(u - 2147483648u) - INT32_MAX - 1;
}

/* a * b modulo 2^32 */
static inline int32_t mul_wrap_i32(int64_t a, int64_t b) {
    const uint32_t ua = (uint32_t)(uint64_t)a;
    const uint32_t ub = (uint32_t)(uint64_t)b;
    return wrap_i32((uint32_t)(ua * ub));
}

/* floor(v / 2), for negative v too */
static inline int64_t floor_half(int64_t v) { return v >= 0 ? v / 2 : -1 - (-1 - v) / 2; }

static inline int32_t igelu(int64_t v, int64_t b, int64_t one) {
    const int64_t sign = (v > 0) - (v < 0);
    const int64_t magnitude = v < 0 ? -v : v;
    const int64_t q = magnitude > -b ? -b : magnitude; /* min(|x|, -b) */
    const int64_t d = q + b;
    const int64_t l = sign * (one - d * d);
    return mul_wrap_i32(v, floor_half(one + l));
}

static inline int32_t ihardswish(int64_t v, int64_t one_over_six, int64_t three, int64_t six) {
    int64_t t = v + three;
    if (t < 0) t = 0;
    if (t > six) t = six;
    const int64_t scaled = mul_wrap_i32(t, one_over_six);
    return mul_wrap_i32(v, scaled);
}

/* An 8-bit input has 256 values: for long inputs, the activation of each is computed
 * once into a table indexed by the input's bits (as uint8_t). */
#define LUT_MIN 1024
#define LUT_APPLY(T, f)                                                                      \
    do {                                                                                     \
        if (sizeof(T) == 1 && n >= LUT_MIN) {                                                \
            int32_t lut[256];                                                                \
            for (int32_t v = 0; v < 256; ++v) {                                              \
                /* the input whose bits are v: v, or v - 256 for a signed type */            \
                const int32_t in = (T)-1 < 0 && v > 127 ? v - 256 : v;                       \
                lut[v] = f(in);                                                              \
            }                                                                                \
            for (int32_t i = 0; i < n; ++i) y[i] = lut[(uint8_t)x[i]];                       \
            return;                                                                          \
        }                                                                                    \
        for (int32_t i = 0; i < n; ++i) y[i] = f(x[i]);                                      \
    } while (0)

#define DEFINE_INT_ACTIVATIONS(tn, T)                                                        \
    void deeploy_igelu_##tn(const T *restrict x, int32_t *restrict y, int32_t n, int32_t b,  \
                            int32_t one) {                                                   \
        LUT_APPLY(T, IGELU_);                                                                \
    }                                                                                        \
    void deeploy_ihardswish_##tn(const T *restrict x, int32_t *restrict y, int32_t n,        \
                                 int32_t one_over_six, int32_t three, int32_t six) {         \
        LUT_APPLY(T, IHSWISH_);                                                              \
    }

/* The input element types the integer activations are instantiated for, X(suffix, C type);
 * every instance is declared in activation_int.h. */
#define DEEPLOY_INT_ACTIVATION_TYPES(X)                                                   \
    X(i8, int8_t) X(u8, uint8_t) X(i16, int16_t) X(u16, uint16_t) X(i32, int32_t)
#define IGELU_(v) igelu((v), b, one)
#define IHSWISH_(v) ihardswish((v), one_over_six, three, six)
DEEPLOY_INT_ACTIVATION_TYPES(DEFINE_INT_ACTIVATIONS)
