/* Deeploy runtime: element type conversion kernels (cast.c). */
#ifndef DEEPLOY_CAST_H_
#define DEEPLOY_CAST_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* deeploy_cast_<from>_<to>(x, y, n): y[i] = x[i] converted, for every pair of the types
 * below (bool is one byte holding 0 or 1). Conversions follow C: float -> integer truncates
 * toward zero and is defined only for values the integer type can hold (as in ONNX);
 * integer -> narrower integer keeps the low bits; anything -> bool is x != 0. When both
 * types have the same size, y may be x itself (in place), so neither is `restrict`. */
#define DEEPLOY_CAST_TYPES(X)                                                            \
    X(f32, float) X(i8, int8_t) X(u8, uint8_t) X(i16, int16_t) X(u16, uint16_t)          \
    X(i32, int32_t) X(i64, int64_t) X(bool, uint8_t)
/* The same list for the inner expansion (a macro cannot expand inside itself). */
#define DEEPLOY_CAST_TARGETS(X, from, From)                                              \
    X(from, From, f32, float) X(from, From, i8, int8_t) X(from, From, u8, uint8_t)       \
    X(from, From, i16, int16_t) X(from, From, u16, uint16_t)                             \
    X(from, From, i32, int32_t) X(from, From, i64, int64_t) X(from, From, bool, uint8_t)

#define DEEPLOY_DECLARE_CAST(from, From, to, To) \
    void deeploy_cast_##from##_##to(const From *x, To *y, int32_t n);
#define DEEPLOY_DECLARE_CASTS_FROM(from, From) \
    DEEPLOY_CAST_TARGETS(DEEPLOY_DECLARE_CAST, from, From)
DEEPLOY_CAST_TYPES(DEEPLOY_DECLARE_CASTS_FROM)

/* Cast to float16 / bfloat16 on float32 storage (half types are computed in float32):
 * y[i] = x[i] rounded to the nearest value of that type, ties to even, overflowing to
 * infinity; NaN stays NaN. y may be x itself. */
void deeploy_round_f32_to_f16(const float *x, float *y, int32_t n);
void deeploy_round_f32_to_bf16(const float *x, float *y, int32_t n);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_CAST_H_ */
