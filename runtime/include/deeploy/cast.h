/* Deeploy runtime: element type conversion kernels (cast.c). */
#ifndef DEEPLOY_CAST_H_
#define DEEPLOY_CAST_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* deeploy_cast_<from>_<to>(x, y, n): y[i] = x[i] converted, for every pair of the types
 * f32, i8, u8, i16, u16, i32, i64 and bool (bool is one byte holding 0 or 1). Conversions
 * follow C: float -> integer truncates toward zero and is defined only for values the
 * integer type can hold (as in ONNX); integer -> narrower integer keeps the low bits;
 * anything -> bool is x != 0. When both types have the same size, y may be x itself (in
 * place), so neither is `restrict`. */
void deeploy_cast_f32_f32(const float *x, float *y, int32_t n);
void deeploy_cast_f32_i8(const float *x, int8_t *y, int32_t n);
void deeploy_cast_f32_u8(const float *x, uint8_t *y, int32_t n);
void deeploy_cast_f32_i16(const float *x, int16_t *y, int32_t n);
void deeploy_cast_f32_u16(const float *x, uint16_t *y, int32_t n);
void deeploy_cast_f32_i32(const float *x, int32_t *y, int32_t n);
void deeploy_cast_f32_i64(const float *x, int64_t *y, int32_t n);
void deeploy_cast_f32_bool(const float *x, uint8_t *y, int32_t n);
void deeploy_cast_i8_f32(const int8_t *x, float *y, int32_t n);
void deeploy_cast_i8_i8(const int8_t *x, int8_t *y, int32_t n);
void deeploy_cast_i8_u8(const int8_t *x, uint8_t *y, int32_t n);
void deeploy_cast_i8_i16(const int8_t *x, int16_t *y, int32_t n);
void deeploy_cast_i8_u16(const int8_t *x, uint16_t *y, int32_t n);
void deeploy_cast_i8_i32(const int8_t *x, int32_t *y, int32_t n);
void deeploy_cast_i8_i64(const int8_t *x, int64_t *y, int32_t n);
void deeploy_cast_i8_bool(const int8_t *x, uint8_t *y, int32_t n);
void deeploy_cast_u8_f32(const uint8_t *x, float *y, int32_t n);
void deeploy_cast_u8_i8(const uint8_t *x, int8_t *y, int32_t n);
void deeploy_cast_u8_u8(const uint8_t *x, uint8_t *y, int32_t n);
void deeploy_cast_u8_i16(const uint8_t *x, int16_t *y, int32_t n);
void deeploy_cast_u8_u16(const uint8_t *x, uint16_t *y, int32_t n);
void deeploy_cast_u8_i32(const uint8_t *x, int32_t *y, int32_t n);
void deeploy_cast_u8_i64(const uint8_t *x, int64_t *y, int32_t n);
void deeploy_cast_u8_bool(const uint8_t *x, uint8_t *y, int32_t n);
void deeploy_cast_i16_f32(const int16_t *x, float *y, int32_t n);
void deeploy_cast_i16_i8(const int16_t *x, int8_t *y, int32_t n);
void deeploy_cast_i16_u8(const int16_t *x, uint8_t *y, int32_t n);
void deeploy_cast_i16_i16(const int16_t *x, int16_t *y, int32_t n);
void deeploy_cast_i16_u16(const int16_t *x, uint16_t *y, int32_t n);
void deeploy_cast_i16_i32(const int16_t *x, int32_t *y, int32_t n);
void deeploy_cast_i16_i64(const int16_t *x, int64_t *y, int32_t n);
void deeploy_cast_i16_bool(const int16_t *x, uint8_t *y, int32_t n);
void deeploy_cast_u16_f32(const uint16_t *x, float *y, int32_t n);
void deeploy_cast_u16_i8(const uint16_t *x, int8_t *y, int32_t n);
void deeploy_cast_u16_u8(const uint16_t *x, uint8_t *y, int32_t n);
void deeploy_cast_u16_i16(const uint16_t *x, int16_t *y, int32_t n);
void deeploy_cast_u16_u16(const uint16_t *x, uint16_t *y, int32_t n);
void deeploy_cast_u16_i32(const uint16_t *x, int32_t *y, int32_t n);
void deeploy_cast_u16_i64(const uint16_t *x, int64_t *y, int32_t n);
void deeploy_cast_u16_bool(const uint16_t *x, uint8_t *y, int32_t n);
void deeploy_cast_i32_f32(const int32_t *x, float *y, int32_t n);
void deeploy_cast_i32_i8(const int32_t *x, int8_t *y, int32_t n);
void deeploy_cast_i32_u8(const int32_t *x, uint8_t *y, int32_t n);
void deeploy_cast_i32_i16(const int32_t *x, int16_t *y, int32_t n);
void deeploy_cast_i32_u16(const int32_t *x, uint16_t *y, int32_t n);
void deeploy_cast_i32_i32(const int32_t *x, int32_t *y, int32_t n);
void deeploy_cast_i32_i64(const int32_t *x, int64_t *y, int32_t n);
void deeploy_cast_i32_bool(const int32_t *x, uint8_t *y, int32_t n);
void deeploy_cast_i64_f32(const int64_t *x, float *y, int32_t n);
void deeploy_cast_i64_i8(const int64_t *x, int8_t *y, int32_t n);
void deeploy_cast_i64_u8(const int64_t *x, uint8_t *y, int32_t n);
void deeploy_cast_i64_i16(const int64_t *x, int16_t *y, int32_t n);
void deeploy_cast_i64_u16(const int64_t *x, uint16_t *y, int32_t n);
void deeploy_cast_i64_i32(const int64_t *x, int32_t *y, int32_t n);
void deeploy_cast_i64_i64(const int64_t *x, int64_t *y, int32_t n);
void deeploy_cast_i64_bool(const int64_t *x, uint8_t *y, int32_t n);
void deeploy_cast_bool_f32(const uint8_t *x, float *y, int32_t n);
void deeploy_cast_bool_i8(const uint8_t *x, int8_t *y, int32_t n);
void deeploy_cast_bool_u8(const uint8_t *x, uint8_t *y, int32_t n);
void deeploy_cast_bool_i16(const uint8_t *x, int16_t *y, int32_t n);
void deeploy_cast_bool_u16(const uint8_t *x, uint16_t *y, int32_t n);
void deeploy_cast_bool_i32(const uint8_t *x, int32_t *y, int32_t n);
void deeploy_cast_bool_i64(const uint8_t *x, int64_t *y, int32_t n);
void deeploy_cast_bool_bool(const uint8_t *x, uint8_t *y, int32_t n);

/* Cast to float16 / bfloat16 on float32 storage (half types are computed in float32):
 * y[i] = x[i] rounded to the nearest value of that type, ties to even, overflowing to
 * infinity; NaN stays NaN. y may be x itself. */
void deeploy_round_f32_to_f16(const float *x, float *y, int32_t n);
void deeploy_round_f32_to_bf16(const float *x, float *y, int32_t n);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_CAST_H_ */
