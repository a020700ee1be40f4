/* Element type conversions between every pair of DEEPLOY_CAST_TYPES (see cast.h). */
#include "deeploy/cast.h"

#include <string.h>

/* The element types, as (suffix, C type); every pair has a prototype in cast.h. */
#define DEEPLOY_CAST_TYPES(X)                                                            \
    X(f32, float) X(i8, int8_t) X(u8, uint8_t) X(i16, int16_t) X(u16, uint16_t)          \
    X(i32, int32_t) X(i64, int64_t) X(bool, uint8_t)
/* The same list for the inner expansion (a macro cannot expand inside itself). */
#define DEEPLOY_CAST_TARGETS(X, from, From)                                              \
    X(from, From, f32, float) X(from, From, i8, int8_t) X(from, From, u8, uint8_t)       \
    X(from, From, i16, int16_t) X(from, From, u16, uint16_t)                             \
    X(from, From, i32, int32_t) X(from, From, i64, int64_t) X(from, From, bool, uint8_t)

#define CONVERT_f32(v) ((float)(v))
#define CONVERT_i8(v) ((int8_t)(v))
#define CONVERT_u8(v) ((uint8_t)(v))
#define CONVERT_i16(v) ((int16_t)(v))
#define CONVERT_u16(v) ((uint16_t)(v))
#define CONVERT_i32(v) ((int32_t)(v))
#define CONVERT_i64(v) ((int64_t)(v))
#define CONVERT_bool(v) ((uint8_t)((v) != 0))

#define DEFINE_CAST(from, From, to, To)                                                   \
    void deeploy_cast_##from##_##to(const From *x, To *y, int32_t n) {                   \
        for (int32_t i = 0; i < n; ++i) y[i] = CONVERT_##to(x[i]);                        \
    }
#define DEFINE_CASTS_FROM(from, From) DEEPLOY_CAST_TARGETS(DEFINE_CAST, from, From)

DEEPLOY_CAST_TYPES(DEFINE_CASTS_FROM)

/* Round the float32 bit pattern `u` to `drop` fewer mantissa bits, ties to even. Carries
 * into the exponent are right: they give the next binade (or infinity). */
static uint32_t round_mantissa(uint32_t u, uint32_t drop) {
    uint32_t half = (1u << (drop - 1)) - 1u;
    u += half + ((u >> drop) & 1u);
    return u & ~((1u << drop) - 1u);
}

void deeploy_round_f32_to_bf16(const float *x, float *y, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        uint32_t u;
        memcpy(&u, &x[i], sizeof u);
        if ((u & 0x7fffffffu) <= 0x7f800000u) u = round_mantissa(u, 16); /* not NaN */
        memcpy(&y[i], &u, sizeof u);
    }
}

void deeploy_round_f32_to_f16(const float *x, float *y, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        uint32_t u;
        memcpy(&u, &x[i], sizeof u);
        uint32_t magnitude = u & 0x7fffffffu;
        if (magnitude > 0x7f800000u) {
            y[i] = x[i]; /* NaN */
        } else if (magnitude < 0x38800000u) {
            /* below 2^-14, float16 is subnormal with a step of 2^-24, which is the float32
             * step in [0.5, 1): adding 0.5 rounds to it (ties to even), exactly */
            float a;
            memcpy(&a, &magnitude, sizeof a);
            a += 0.5f;
            a -= 0.5f;
            memcpy(&magnitude, &a, sizeof a);
            u = (u & 0x80000000u) | magnitude; /* the sign, even of a zero */
            memcpy(&y[i], &u, sizeof u);
        } else {
            u = round_mantissa(u, 13);
            if ((u & 0x7fffffffu) > 0x477fe000u) u = (u & 0x80000000u) | 0x7f800000u;
            memcpy(&y[i], &u, sizeof u);
        }
    }
}
