/* Deeploy runtime: the integer normalisations of Deeploy's quantised networks
 * (norm_int.c): iLayerNorm, iRMSNorm and iNoNorm. */
#ifndef DEEPLOY_NORM_INT_H_
#define DEEPLOY_NORM_INT_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The element types: data inputs <in> int8/uint8/int16/uint16, outputs <out> (and the
 * weights <w> of iNoNorm) int8/int16/int32, every combination.
 *
 * All three compute exactly (in 64 bits); "/" truncates toward zero as in C, ">> log2d" is
 * floor(v / 2^log2d), and every result is clamped to [lo, hi] (the n_levels range). Rows are
 * `cols` contiguous elements (the last axis), `rows` of them.
 *
 * deeploy_ilayernorm_<in>_<out>(x, weight, bias, y, rows, cols, log2d, lo, hi), per row:
 *   mean = sum(x) / cols,  std = isqrt(sum((x - mean)^2) / cols + 1)
 *   y[j] = clamp((((x[j] - mean) * weight[j]) / std + bias[j]) >> log2d)
 * deeploy_irmsnorm_<in>_<out>(x, weight, y, rows, cols, log2d, lo, hi), per row:
 *   std = isqrt(sum(x^2) / cols + 1),  y[j] = clamp(((x[j] * weight[j]) / std) >> log2d)
 * with isqrt(v) = floor(sqrt(v)). */
void deeploy_ilayernorm_i8_i8(const int8_t *restrict x, const int32_t *restrict weight,
                              const int32_t *restrict bias, int8_t *restrict y, int32_t rows,
                              int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_i8_i8(const int8_t *restrict x, const int32_t *restrict weight,
                            int8_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                            int32_t lo, int32_t hi);
void deeploy_ilayernorm_i8_i16(const int8_t *restrict x, const int32_t *restrict weight,
                               const int32_t *restrict bias, int16_t *restrict y, int32_t rows,
                               int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_i8_i16(const int8_t *restrict x, const int32_t *restrict weight,
                             int16_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                             int32_t lo, int32_t hi);
void deeploy_ilayernorm_i8_i32(const int8_t *restrict x, const int32_t *restrict weight,
                               const int32_t *restrict bias, int32_t *restrict y, int32_t rows,
                               int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_i8_i32(const int8_t *restrict x, const int32_t *restrict weight,
                             int32_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                             int32_t lo, int32_t hi);
void deeploy_ilayernorm_u8_i8(const uint8_t *restrict x, const int32_t *restrict weight,
                              const int32_t *restrict bias, int8_t *restrict y, int32_t rows,
                              int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_u8_i8(const uint8_t *restrict x, const int32_t *restrict weight,
                            int8_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                            int32_t lo, int32_t hi);
void deeploy_ilayernorm_u8_i16(const uint8_t *restrict x, const int32_t *restrict weight,
                               const int32_t *restrict bias, int16_t *restrict y, int32_t rows,
                               int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_u8_i16(const uint8_t *restrict x, const int32_t *restrict weight,
                             int16_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                             int32_t lo, int32_t hi);
void deeploy_ilayernorm_u8_i32(const uint8_t *restrict x, const int32_t *restrict weight,
                               const int32_t *restrict bias, int32_t *restrict y, int32_t rows,
                               int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_u8_i32(const uint8_t *restrict x, const int32_t *restrict weight,
                             int32_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                             int32_t lo, int32_t hi);
void deeploy_ilayernorm_i16_i8(const int16_t *restrict x, const int32_t *restrict weight,
                               const int32_t *restrict bias, int8_t *restrict y, int32_t rows,
                               int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_i16_i8(const int16_t *restrict x, const int32_t *restrict weight,
                             int8_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                             int32_t lo, int32_t hi);
void deeploy_ilayernorm_i16_i16(const int16_t *restrict x, const int32_t *restrict weight,
                                const int32_t *restrict bias, int16_t *restrict y, int32_t rows,
                                int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_i16_i16(const int16_t *restrict x, const int32_t *restrict weight,
                              int16_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                              int32_t lo, int32_t hi);
void deeploy_ilayernorm_i16_i32(const int16_t *restrict x, const int32_t *restrict weight,
                                const int32_t *restrict bias, int32_t *restrict y, int32_t rows,
                                int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_i16_i32(const int16_t *restrict x, const int32_t *restrict weight,
                              int32_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                              int32_t lo, int32_t hi);
void deeploy_ilayernorm_u16_i8(const uint16_t *restrict x, const int32_t *restrict weight,
                               const int32_t *restrict bias, int8_t *restrict y, int32_t rows,
                               int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_u16_i8(const uint16_t *restrict x, const int32_t *restrict weight,
                             int8_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                             int32_t lo, int32_t hi);
void deeploy_ilayernorm_u16_i16(const uint16_t *restrict x, const int32_t *restrict weight,
                                const int32_t *restrict bias, int16_t *restrict y, int32_t rows,
                                int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_u16_i16(const uint16_t *restrict x, const int32_t *restrict weight,
                              int16_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                              int32_t lo, int32_t hi);
void deeploy_ilayernorm_u16_i32(const uint16_t *restrict x, const int32_t *restrict weight,
                                const int32_t *restrict bias, int32_t *restrict y, int32_t rows,
                                int32_t cols, int32_t log2d, int32_t lo, int32_t hi);
void deeploy_irmsnorm_u16_i32(const uint16_t *restrict x, const int32_t *restrict weight,
                              int32_t *restrict y, int32_t rows, int32_t cols, int32_t log2d,
                              int32_t lo, int32_t hi);

/* deeploy_inonorm_<in>_<w>_<out>(x, w, bias, y, rank, shape, w_strides, bias_strides, mul,
 * log2d, lo, hi): y = clamp(((x * w + bias) * mul) >> log2d) elementwise over `shape`
 * (rank <= DEEPLOY_MAX_RANK); x and y contiguous, w and bias read with element strides
 * (0 = broadcast along that axis). The caller guarantees (|x| |w| + |bias|) |mul| < 2^63. */
void deeploy_inonorm_i8_i8_i8(const int8_t *restrict x, const int8_t *restrict w,
                              const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                              const int32_t *shape, const int32_t *w_strides,
                              const int32_t *bias_strides, int32_t mul, int32_t log2d,
                              int32_t lo, int32_t hi);
void deeploy_inonorm_i8_i16_i8(const int8_t *restrict x, const int16_t *restrict w,
                               const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_i8_i32_i8(const int8_t *restrict x, const int32_t *restrict w,
                               const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_i8_i8_i16(const int8_t *restrict x, const int8_t *restrict w,
                               const int32_t *restrict bias, int16_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_i8_i16_i16(const int8_t *restrict x, const int16_t *restrict w,
                                const int32_t *restrict bias, int16_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_i8_i32_i16(const int8_t *restrict x, const int32_t *restrict w,
                                const int32_t *restrict bias, int16_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_i8_i8_i32(const int8_t *restrict x, const int8_t *restrict w,
                               const int32_t *restrict bias, int32_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_i8_i16_i32(const int8_t *restrict x, const int16_t *restrict w,
                                const int32_t *restrict bias, int32_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_i8_i32_i32(const int8_t *restrict x, const int32_t *restrict w,
                                const int32_t *restrict bias, int32_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_u8_i8_i8(const uint8_t *restrict x, const int8_t *restrict w,
                              const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                              const int32_t *shape, const int32_t *w_strides,
                              const int32_t *bias_strides, int32_t mul, int32_t log2d,
                              int32_t lo, int32_t hi);
void deeploy_inonorm_u8_i16_i8(const uint8_t *restrict x, const int16_t *restrict w,
                               const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_u8_i32_i8(const uint8_t *restrict x, const int32_t *restrict w,
                               const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_u8_i8_i16(const uint8_t *restrict x, const int8_t *restrict w,
                               const int32_t *restrict bias, int16_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_u8_i16_i16(const uint8_t *restrict x, const int16_t *restrict w,
                                const int32_t *restrict bias, int16_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_u8_i32_i16(const uint8_t *restrict x, const int32_t *restrict w,
                                const int32_t *restrict bias, int16_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_u8_i8_i32(const uint8_t *restrict x, const int8_t *restrict w,
                               const int32_t *restrict bias, int32_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_u8_i16_i32(const uint8_t *restrict x, const int16_t *restrict w,
                                const int32_t *restrict bias, int32_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_u8_i32_i32(const uint8_t *restrict x, const int32_t *restrict w,
                                const int32_t *restrict bias, int32_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_i16_i8_i8(const int16_t *restrict x, const int8_t *restrict w,
                               const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_i16_i16_i8(const int16_t *restrict x, const int16_t *restrict w,
                                const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_i16_i32_i8(const int16_t *restrict x, const int32_t *restrict w,
                                const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_i16_i8_i16(const int16_t *restrict x, const int8_t *restrict w,
                                const int32_t *restrict bias, int16_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_i16_i16_i16(const int16_t *restrict x, const int16_t *restrict w,
                                 const int32_t *restrict bias, int16_t *restrict y,
                                 int32_t rank, const int32_t *shape, const int32_t *w_strides,
                                 const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                 int32_t lo, int32_t hi);
void deeploy_inonorm_i16_i32_i16(const int16_t *restrict x, const int32_t *restrict w,
                                 const int32_t *restrict bias, int16_t *restrict y,
                                 int32_t rank, const int32_t *shape, const int32_t *w_strides,
                                 const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                 int32_t lo, int32_t hi);
void deeploy_inonorm_i16_i8_i32(const int16_t *restrict x, const int8_t *restrict w,
                                const int32_t *restrict bias, int32_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_i16_i16_i32(const int16_t *restrict x, const int16_t *restrict w,
                                 const int32_t *restrict bias, int32_t *restrict y,
                                 int32_t rank, const int32_t *shape, const int32_t *w_strides,
                                 const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                 int32_t lo, int32_t hi);
void deeploy_inonorm_i16_i32_i32(const int16_t *restrict x, const int32_t *restrict w,
                                 const int32_t *restrict bias, int32_t *restrict y,
                                 int32_t rank, const int32_t *shape, const int32_t *w_strides,
                                 const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                 int32_t lo, int32_t hi);
void deeploy_inonorm_u16_i8_i8(const uint16_t *restrict x, const int8_t *restrict w,
                               const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                               const int32_t *shape, const int32_t *w_strides,
                               const int32_t *bias_strides, int32_t mul, int32_t log2d,
                               int32_t lo, int32_t hi);
void deeploy_inonorm_u16_i16_i8(const uint16_t *restrict x, const int16_t *restrict w,
                                const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_u16_i32_i8(const uint16_t *restrict x, const int32_t *restrict w,
                                const int32_t *restrict bias, int8_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_u16_i8_i16(const uint16_t *restrict x, const int8_t *restrict w,
                                const int32_t *restrict bias, int16_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_u16_i16_i16(const uint16_t *restrict x, const int16_t *restrict w,
                                 const int32_t *restrict bias, int16_t *restrict y,
                                 int32_t rank, const int32_t *shape, const int32_t *w_strides,
                                 const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                 int32_t lo, int32_t hi);
void deeploy_inonorm_u16_i32_i16(const uint16_t *restrict x, const int32_t *restrict w,
                                 const int32_t *restrict bias, int16_t *restrict y,
                                 int32_t rank, const int32_t *shape, const int32_t *w_strides,
                                 const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                 int32_t lo, int32_t hi);
void deeploy_inonorm_u16_i8_i32(const uint16_t *restrict x, const int8_t *restrict w,
                                const int32_t *restrict bias, int32_t *restrict y, int32_t rank,
                                const int32_t *shape, const int32_t *w_strides,
                                const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                int32_t lo, int32_t hi);
void deeploy_inonorm_u16_i16_i32(const uint16_t *restrict x, const int16_t *restrict w,
                                 const int32_t *restrict bias, int32_t *restrict y,
                                 int32_t rank, const int32_t *shape, const int32_t *w_strides,
                                 const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                 int32_t lo, int32_t hi);
void deeploy_inonorm_u16_i32_i32(const uint16_t *restrict x, const int32_t *restrict w,
                                 const int32_t *restrict bias, int32_t *restrict y,
                                 int32_t rank, const int32_t *shape, const int32_t *w_strides,
                                 const int32_t *bias_strides, int32_t mul, int32_t log2d,
                                 int32_t lo, int32_t hi);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_NORM_INT_H_ */
