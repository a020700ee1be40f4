/* Deeploy runtime: the integer normalisations of Deeploy's quantised networks
 * (int_norm.c): iLayerNorm, iRMSNorm and iNoNorm. */
#ifndef DEEPLOY_INT_NORM_H_
#define DEEPLOY_INT_NORM_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The instantiated element types: data inputs int8/uint8/int16/uint16, outputs (and the
 * weights of iNoNorm) int8/int16/int32. DEEPLOY_INT_NORM_PAIRS(M) expands
 * M(in, In, out, Out) once per (input, output) pair, with the suffixes kernel symbols carry
 * and the C types; DEEPLOY_INONORM_TRIPLES(M) M(in, In, w, W, out, Out) per triple. */
#define DEEPLOY_INT_NORM_WIDE_(M, tn, T)                                                   \
    M(tn, T, i8, int8_t) M(tn, T, i16, int16_t) M(tn, T, i32, int32_t)
#define DEEPLOY_INT_NORM_PAIRS(M)                                                          \
    DEEPLOY_INT_NORM_WIDE_(M, i8, int8_t) DEEPLOY_INT_NORM_WIDE_(M, u8, uint8_t)           \
    DEEPLOY_INT_NORM_WIDE_(M, i16, int16_t) DEEPLOY_INT_NORM_WIDE_(M, u16, uint16_t)
/* (a macro cannot expand inside itself, hence a second list for the inner level) */
#define DEEPLOY_INONORM_W_(M, tn, T, on, O)                                                \
    M(tn, T, i8, int8_t, on, O) M(tn, T, i16, int16_t, on, O) M(tn, T, i32, int32_t, on, O)
#define DEEPLOY_INONORM_OUT_(M, tn, T)                                                     \
    DEEPLOY_INONORM_W_(M, tn, T, i8, int8_t) DEEPLOY_INONORM_W_(M, tn, T, i16, int16_t)    \
    DEEPLOY_INONORM_W_(M, tn, T, i32, int32_t)
#define DEEPLOY_INONORM_TRIPLES(M)                                                         \
    DEEPLOY_INONORM_OUT_(M, i8, int8_t) DEEPLOY_INONORM_OUT_(M, u8, uint8_t)               \
    DEEPLOY_INONORM_OUT_(M, i16, int16_t) DEEPLOY_INONORM_OUT_(M, u16, uint16_t)

/* All three compute exactly (in 64 bits); "/" truncates toward zero as in C, ">> log2d" is
 * floor(v / 2^log2d), and every result is clamped to [lo, hi] (the n_levels range). Rows are
 * `cols` contiguous elements (the last axis), `rows` of them.
 *
 * deeploy_ilayernorm_<in>_<out>(x, weight, bias, y, rows, cols, log2d, lo, hi), per row:
 *   mean = sum(x) / cols,  std = isqrt(sum((x - mean)^2) / cols + 1)
 *   y[j] = clamp((((x[j] - mean) * weight[j]) / std + bias[j]) >> log2d)
 * deeploy_irmsnorm_<in>_<out>(x, weight, y, rows, cols, log2d, lo, hi), per row:
 *   std = isqrt(sum(x^2) / cols + 1),  y[j] = clamp(((x[j] * weight[j]) / std) >> log2d)
 * with isqrt(v) = floor(sqrt(v)). */
#define DEEPLOY_DECLARE_INT_NORMS(tn, T, on, O)                                               \
    void deeploy_ilayernorm_##tn##_##on(const T *restrict x, const int32_t *restrict weight,  \
                                        const int32_t *restrict bias, O *restrict y,          \
                                        int32_t rows, int32_t cols, int32_t log2d, int32_t lo, \
                                        int32_t hi);                                          \
    void deeploy_irmsnorm_##tn##_##on(const T *restrict x, const int32_t *restrict weight,    \
                                      O *restrict y, int32_t rows, int32_t cols,              \
                                      int32_t log2d, int32_t lo, int32_t hi);
DEEPLOY_INT_NORM_PAIRS(DEEPLOY_DECLARE_INT_NORMS)

/* deeploy_inonorm_<in>_<w>_<out>(x, w, bias, y, rank, shape, w_strides, bias_strides, mul,
 * log2d, lo, hi): y = clamp(((x * w + bias) * mul) >> log2d) elementwise over `shape`
 * (rank <= DEEPLOY_MAX_RANK); x and y contiguous, w and bias read with element strides
 * (0 = broadcast along that axis). The caller guarantees (|x| |w| + |bias|) |mul| < 2^63. */
#define DEEPLOY_DECLARE_INONORM(tn, T, wn, W, on, O)                                           \
    void deeploy_inonorm_##tn##_##wn##_##on(                                                  \
        const T *restrict x, const W *restrict w, const int32_t *restrict bias, O *restrict y, \
        int32_t rank, const int32_t *shape, const int32_t *w_strides,                          \
        const int32_t *bias_strides, int32_t mul, int32_t log2d, int32_t lo, int32_t hi);
DEEPLOY_INONORM_TRIPLES(DEEPLOY_DECLARE_INONORM)

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_INT_NORM_H_ */
