/*
 * Deeploy runtime: ONNX linear quantisation (qlinear.c).
 *
 * QuantizeLinear / DequantizeLinear convert between float32 and integers at a network's
 * edges. Every other kernel here is integer only: inputs are int8/uint8, products
 * accumulate in int32 as (x - x_zp) * (w - w_zp) (a padded position holds the real value
 * 0, so it contributes nothing), and the result is either that int32 accumulator
 * (ConvInteger, MatMulInteger: rq_mul == NULL) or requantised to the output type:
 *
 *     y = clamp(y_zp + round(acc * rq_mul * 2^-rq_shift), lo, hi)
 *
 * with rq_mul * 2^-rq_shift the compile-time fixed-point form of the float scale ratio
 * (x_scale * w_scale / y_scale), rounded half to even like onnxruntime's nearbyintf, in
 * int64 arithmetic (|acc| < 2^31, rq_mul < 2^31, 1 <= rq_shift <= 62).
 * Per-channel parameters (w_zp, rq_mul, rq_shift) come as arrays of `count` entries,
 * count 1 meaning one value for every channel.
 */
#ifndef DEEPLOY_QLINEAR_H_
#define DEEPLOY_QLINEAR_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* element types of the untyped outputs (void *y), as the compiler numbers them */
enum {
    DEEPLOY_QTYPE_I8 = 0,
    DEEPLOY_QTYPE_U8 = 1,
    DEEPLOY_QTYPE_I16 = 2,
    DEEPLOY_QTYPE_U16 = 3,
    DEEPLOY_QTYPE_I32 = 4
};

/* v * 2^-shift rounded to the nearest integer, ties to even (shift >= 1). */
static inline int64_t deeploy_qround_shift(int64_t v, int32_t shift) {
    const int64_t q = v >> shift; /* floor: arithmetic shift (GCC, Clang) */
    const int64_t rem = v & (((int64_t)1 << shift) - 1);
    const int64_t half = (int64_t)1 << (shift - 1);
    return q + (rem > half || (rem == half && (q & 1)));
}

static inline int32_t deeploy_qrequant(int64_t acc, int32_t mul, int32_t shift, int32_t zp,
                                       int32_t lo, int32_t hi) {
    const int64_t v = zp + deeploy_qround_shift(acc * mul, shift);
    return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

/* Stores v (already in range) as element i of y, of type y_type. */
static inline void deeploy_qstore(void *y, int32_t y_type, ptrdiff_t i, int32_t v) {
    switch (y_type) {
    case DEEPLOY_QTYPE_I8: ((int8_t *)y)[i] = (int8_t)v; break;
    case DEEPLOY_QTYPE_U8: ((uint8_t *)y)[i] = (uint8_t)v; break;
    case DEEPLOY_QTYPE_I16: ((int16_t *)y)[i] = (int16_t)v; break;
    case DEEPLOY_QTYPE_U16: ((uint16_t *)y)[i] = (uint16_t)v; break;
    default: ((int32_t *)y)[i] = v; break;
    }
}

/* The requantisation arguments (the last six of the integer products): rq_mul NULL stores
 * the int32 accumulator itself. */
#define DEEPLOY_QRQ_PARAMS                                                                 \
    const int32_t *rq_mul, const int32_t *rq_shift, int32_t rq_count, int32_t y_zp,        \
        int32_t lo, int32_t hi

/* -- QuantizeLinear / DequantizeLinear -------------------------------------------------
 * x viewed as [outer, channels, inner]; channel c has scale[c] and zero point zp[c]
 * (per-tensor: channels = 1). Quantize: y = clamp(nearbyintf(x / scale) + zp);
 * dequantize: y = (float)(x - zp) * scale. Quantize to i8, u8, i16, u16; dequantize from
 * those and i32. */
void deeploy_quantize_f32_i8(const float *restrict x, int8_t *restrict y, int32_t outer,
                             int32_t channels, int32_t inner, const float *restrict scale,
                             const int32_t *restrict zp);
void deeploy_quantize_f32_u8(const float *restrict x, uint8_t *restrict y, int32_t outer,
                             int32_t channels, int32_t inner, const float *restrict scale,
                             const int32_t *restrict zp);
void deeploy_quantize_f32_i16(const float *restrict x, int16_t *restrict y, int32_t outer,
                              int32_t channels, int32_t inner, const float *restrict scale,
                              const int32_t *restrict zp);
void deeploy_quantize_f32_u16(const float *restrict x, uint16_t *restrict y, int32_t outer,
                              int32_t channels, int32_t inner, const float *restrict scale,
                              const int32_t *restrict zp);
void deeploy_dequantize_i8_f32(const int8_t *restrict x, float *restrict y, int32_t outer,
                               int32_t channels, int32_t inner, const float *restrict scale,
                               const int32_t *restrict zp);
void deeploy_dequantize_u8_f32(const uint8_t *restrict x, float *restrict y, int32_t outer,
                               int32_t channels, int32_t inner, const float *restrict scale,
                               const int32_t *restrict zp);
void deeploy_dequantize_i16_f32(const int16_t *restrict x, float *restrict y, int32_t outer,
                                int32_t channels, int32_t inner, const float *restrict scale,
                                const int32_t *restrict zp);
void deeploy_dequantize_u16_f32(const uint16_t *restrict x, float *restrict y, int32_t outer,
                                int32_t channels, int32_t inner, const float *restrict scale,
                                const int32_t *restrict zp);
void deeploy_dequantize_i32_f32(const int32_t *restrict x, float *restrict y, int32_t outer,
                                int32_t channels, int32_t inner, const float *restrict scale,
                                const int32_t *restrict zp);

/* -- QLinearConv / ConvInteger -----------------------------------------------------------
 * x [N, C, H, W], w [F, C/G, KH, KW], bias [F] (int32, NULL: none), y [N, F, OH, OW];
 * 1-D convolution is H = KH = 1. Windows may hang over the padding (PT, PL). */
void deeploy_qconv2d_i8_i8(const int8_t *restrict x, const int8_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           int32_t N, int32_t C, int32_t H, int32_t W, int32_t F, int32_t KH,
                           int32_t KW, int32_t OH, int32_t OW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL, int32_t G,
                           int32_t x_zp, const int32_t *restrict w_zp, int32_t w_zp_count,
                           const int32_t *rq_mul, const int32_t *rq_shift, int32_t rq_count,
                           int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qconv2d_i8_u8(const int8_t *restrict x, const uint8_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           int32_t N, int32_t C, int32_t H, int32_t W, int32_t F, int32_t KH,
                           int32_t KW, int32_t OH, int32_t OW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL, int32_t G,
                           int32_t x_zp, const int32_t *restrict w_zp, int32_t w_zp_count,
                           const int32_t *rq_mul, const int32_t *rq_shift, int32_t rq_count,
                           int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qconv2d_u8_i8(const uint8_t *restrict x, const int8_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           int32_t N, int32_t C, int32_t H, int32_t W, int32_t F, int32_t KH,
                           int32_t KW, int32_t OH, int32_t OW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL, int32_t G,
                           int32_t x_zp, const int32_t *restrict w_zp, int32_t w_zp_count,
                           const int32_t *rq_mul, const int32_t *rq_shift, int32_t rq_count,
                           int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qconv2d_u8_u8(const uint8_t *restrict x, const uint8_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           int32_t N, int32_t C, int32_t H, int32_t W, int32_t F, int32_t KH,
                           int32_t KW, int32_t OH, int32_t OW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL, int32_t G,
                           int32_t x_zp, const int32_t *restrict w_zp, int32_t w_zp_count,
                           const int32_t *rq_mul, const int32_t *rq_shift, int32_t rq_count,
                           int32_t y_zp, int32_t lo, int32_t hi);

/* -- QLinearMatMul / MatMulInteger -------------------------------------------------------
 * Batched Y[b1, b2, M, N] = A[.., M, K] B[.., K, N]; batch strides in elements (0 =
 * broadcast); per-column (N) weight zero points and requantisation. */
void deeploy_qmatmul_i8_i8(const int8_t *restrict A, const int8_t *restrict B, void *restrict Y,
                           int32_t y_type, int32_t B1, int32_t B2, int32_t M, int32_t N,
                           int32_t K, int32_t a_s1, int32_t a_s2, int32_t b_s1, int32_t b_s2,
                           int32_t a_zp, const int32_t *restrict b_zp, int32_t b_zp_count,
                           const int32_t *rq_mul, const int32_t *rq_shift, int32_t rq_count,
                           int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qmatmul_i8_u8(const int8_t *restrict A, const uint8_t *restrict B,
                           void *restrict Y, int32_t y_type, int32_t B1, int32_t B2, int32_t M,
                           int32_t N, int32_t K, int32_t a_s1, int32_t a_s2, int32_t b_s1,
                           int32_t b_s2, int32_t a_zp, const int32_t *restrict b_zp,
                           int32_t b_zp_count, const int32_t *rq_mul, const int32_t *rq_shift,
                           int32_t rq_count, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qmatmul_u8_i8(const uint8_t *restrict A, const int8_t *restrict B,
                           void *restrict Y, int32_t y_type, int32_t B1, int32_t B2, int32_t M,
                           int32_t N, int32_t K, int32_t a_s1, int32_t a_s2, int32_t b_s1,
                           int32_t b_s2, int32_t a_zp, const int32_t *restrict b_zp,
                           int32_t b_zp_count, const int32_t *rq_mul, const int32_t *rq_shift,
                           int32_t rq_count, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qmatmul_u8_u8(const uint8_t *restrict A, const uint8_t *restrict B,
                           void *restrict Y, int32_t y_type, int32_t B1, int32_t B2, int32_t M,
                           int32_t N, int32_t K, int32_t a_s1, int32_t a_s2, int32_t b_s1,
                           int32_t b_s2, int32_t a_zp, const int32_t *restrict b_zp,
                           int32_t b_zp_count, const int32_t *rq_mul, const int32_t *rq_shift,
                           int32_t rq_count, int32_t y_zp, int32_t lo, int32_t hi);

/* -- QGemm (com.microsoft) ---------------------------------------------------------------
 * Y[M, N] = requant(op(A - a_zp) op(B - b_zp) + C), C int32 read with strides (c_rs, c_cs)
 * (NULL: none); per-column (N) weight zero points and requantisation. */
void deeploy_qgemm_i8_i8(const int8_t *restrict A, const int8_t *restrict B,
                         const int32_t *restrict C, void *restrict Y, int32_t y_type, int32_t M,
                         int32_t N, int32_t K, int32_t transA, int32_t transB, int32_t c_rs,
                         int32_t c_cs, int32_t a_zp, const int32_t *restrict b_zp,
                         int32_t b_zp_count, const int32_t *rq_mul, const int32_t *rq_shift,
                         int32_t rq_count, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qgemm_i8_u8(const int8_t *restrict A, const uint8_t *restrict B,
                         const int32_t *restrict C, void *restrict Y, int32_t y_type, int32_t M,
                         int32_t N, int32_t K, int32_t transA, int32_t transB, int32_t c_rs,
                         int32_t c_cs, int32_t a_zp, const int32_t *restrict b_zp,
                         int32_t b_zp_count, const int32_t *rq_mul, const int32_t *rq_shift,
                         int32_t rq_count, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qgemm_u8_i8(const uint8_t *restrict A, const int8_t *restrict B,
                         const int32_t *restrict C, void *restrict Y, int32_t y_type, int32_t M,
                         int32_t N, int32_t K, int32_t transA, int32_t transB, int32_t c_rs,
                         int32_t c_cs, int32_t a_zp, const int32_t *restrict b_zp,
                         int32_t b_zp_count, const int32_t *rq_mul, const int32_t *rq_shift,
                         int32_t rq_count, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qgemm_u8_u8(const uint8_t *restrict A, const uint8_t *restrict B,
                         const int32_t *restrict C, void *restrict Y, int32_t y_type, int32_t M,
                         int32_t N, int32_t K, int32_t transA, int32_t transB, int32_t c_rs,
                         int32_t c_cs, int32_t a_zp, const int32_t *restrict b_zp,
                         int32_t b_zp_count, const int32_t *rq_mul, const int32_t *rq_shift,
                         int32_t rq_count, int32_t y_zp, int32_t lo, int32_t hi);

/* -- QLinearAdd / QLinearMul (com.microsoft) ---------------------------------------------
 * Over `shape` (rank <= DEEPLOY_MAX_RANK), y contiguous, a and b read with element strides
 * (0 = broadcast). Add: y = y_zp + round(((a - a_zp) a_mul + (b - b_zp) b_mul) 2^-shift);
 * Mul: y = y_zp + round((a - a_zp) (b - b_zp) a_mul 2^-shift) (b_mul unused). */
void deeploy_qadd_i8(const int8_t *restrict a, const int8_t *restrict b, int8_t *restrict y,
                     int32_t rank, const int32_t *shape, const int32_t *a_strides,
                     const int32_t *b_strides, int32_t a_zp, int32_t b_zp, int32_t a_mul,
                     int32_t b_mul, int32_t shift, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qmul_i8(const int8_t *restrict a, const int8_t *restrict b, int8_t *restrict y,
                     int32_t rank, const int32_t *shape, const int32_t *a_strides,
                     const int32_t *b_strides, int32_t a_zp, int32_t b_zp, int32_t a_mul,
                     int32_t b_mul, int32_t shift, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qadd_u8(const uint8_t *restrict a, const uint8_t *restrict b, uint8_t *restrict y,
                     int32_t rank, const int32_t *shape, const int32_t *a_strides,
                     const int32_t *b_strides, int32_t a_zp, int32_t b_zp, int32_t a_mul,
                     int32_t b_mul, int32_t shift, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qmul_u8(const uint8_t *restrict a, const uint8_t *restrict b, uint8_t *restrict y,
                     int32_t rank, const int32_t *shape, const int32_t *a_strides,
                     const int32_t *b_strides, int32_t a_zp, int32_t b_zp, int32_t a_mul,
                     int32_t b_mul, int32_t shift, int32_t y_zp, int32_t lo, int32_t hi);

/* -- QLinearAveragePool / QLinearGlobalAveragePool (com.microsoft) ----------------------
 * x viewed as [NC, H, W]; 1-D pooling is H = KH = 1. The sum of x - x_zp over a window is
 * requantised with the multiplier of its element count (mul[count], shift[count]:
 * x_scale / (y_scale * count)). */
void deeploy_qavgpool2d_i8(const int8_t *restrict x, int8_t *restrict y, int32_t NC, int32_t H,
                           int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,
                           int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,
                           int32_t PL, int32_t PB, int32_t PR, int32_t count_include_pad,
                           int32_t x_zp, const int32_t *restrict mul,
                           const int32_t *restrict shift, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qglobal_avgpool_i8(const int8_t *restrict x, int8_t *restrict y, int32_t NC,
                                int32_t HW, int32_t x_zp, int32_t mul, int32_t shift,
                                int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qavgpool2d_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t NC,
                           int32_t H, int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,
                           int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,
                           int32_t PL, int32_t PB, int32_t PR, int32_t count_include_pad,
                           int32_t x_zp, const int32_t *restrict mul,
                           const int32_t *restrict shift, int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qglobal_avgpool_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t NC,
                                int32_t HW, int32_t x_zp, int32_t mul, int32_t shift,
                                int32_t y_zp, int32_t lo, int32_t hi);

/* -- QLinearLookup ----------------------------------------------------------------------
 * y[i] = table[x[i] - min(x's type)]: 256 entries, y's 8-bit type (copied as bytes). */
void deeploy_qlookup_i8(const int8_t *restrict x, const void *restrict table, void *restrict y,
                        int32_t n);
void deeploy_qlookup_u8(const uint8_t *restrict x, const void *restrict table, void *restrict y,
                        int32_t n);

/* -- QLinearSoftmax (com.microsoft) ---------------------------------------------------
 * `outer` x `inner` rows of `length` elements `inner` apart (x and y alike). Per row, with
 * m = max(x): e_i = table[m - x_i], s = e_0 + e_1 + ... in float32 in order, and
 * y_i = clamp(nearbyintf(e_i * y_inv / s) + y_zp, lo, hi); the compiler fills the 256-entry
 * table (exp(x_scale (x_i - m)), scaled) and y_inv = floor(1 / y_scale) as onnxruntime. */
void deeploy_qsoftmax_i8(const int8_t *restrict x, int8_t *restrict y, int32_t outer,
                         int32_t length, int32_t inner, const float *restrict table, float y_inv,
                         int32_t y_zp, int32_t lo, int32_t hi);
void deeploy_qsoftmax_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t outer,
                         int32_t length, int32_t inner, const float *restrict table, float y_inv,
                         int32_t y_zp, int32_t lo, int32_t hi);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_QLINEAR_H_ */
