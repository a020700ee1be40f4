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

/* The requantisation arguments: rq_mul NULL stores the int32 accumulator itself. */
#define DEEPLOY_QRQ_PARAMS                                                                 \
    const int32_t *rq_mul, const int32_t *rq_shift, int32_t rq_count, int32_t y_zp,        \
        int32_t lo, int32_t hi

/* -- QuantizeLinear / DequantizeLinear -------------------------------------------------
 * x viewed as [outer, channels, inner]; channel c has scale[c] and zero point zp[c]
 * (per-tensor: channels = 1). Quantize: y = clamp(nearbyintf(x / scale) + zp);
 * dequantize: y = (float)(x - zp) * scale. */
#define DEEPLOY_QUANTIZE_TYPES(M) M(i8, int8_t) M(u8, uint8_t) M(i16, int16_t) M(u16, uint16_t)
#define DEEPLOY_DEQUANTIZE_TYPES(M) DEEPLOY_QUANTIZE_TYPES(M) M(i32, int32_t)
#define DEEPLOY_DECLARE_QUANTIZE(yn, yt)                                                   \
    void deeploy_quantize_f32_##yn(const float *restrict x, yt *restrict y, int32_t outer,  \
                                   int32_t channels, int32_t inner,                        \
                                   const float *restrict scale, const int32_t *restrict zp);
#define DEEPLOY_DECLARE_DEQUANTIZE(xn, xt)                                                 \
    void deeploy_dequantize_##xn##_f32(const xt *restrict x, float *restrict y,            \
                                       int32_t outer, int32_t channels, int32_t inner,     \
                                       const float *restrict scale,                        \
                                       const int32_t *restrict zp);
DEEPLOY_QUANTIZE_TYPES(DEEPLOY_DECLARE_QUANTIZE)
DEEPLOY_DEQUANTIZE_TYPES(DEEPLOY_DECLARE_DEQUANTIZE)

/* (input, weight) type pairs of the integer products */
#define DEEPLOY_QPAIRS(M)                                                                  \
    M(i8, int8_t, i8, int8_t) M(i8, int8_t, u8, uint8_t) M(u8, uint8_t, i8, int8_t)         \
    M(u8, uint8_t, u8, uint8_t)
#define DEEPLOY_QTYPES(M) M(i8, int8_t) M(u8, uint8_t)

/* -- QLinearConv / ConvInteger -----------------------------------------------------------
 * x [N, C, H, W], w [F, C/G, KH, KW], bias [F] (int32, NULL: none), y [N, F, OH, OW];
 * 1-D convolution is H = KH = 1. Windows may hang over the padding (PT, PL). */
#define DEEPLOY_DECLARE_QCONV(xn, xt, wn, wt)                                              \
    void deeploy_qconv2d_##xn##_##wn(                                                      \
        const xt *restrict x, const wt *restrict w, const int32_t *restrict bias,          \
        void *restrict y, int32_t y_type, int32_t N, int32_t C, int32_t H, int32_t W,      \
        int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW, int32_t SH, int32_t SW, \
        int32_t DH, int32_t DW, int32_t PT, int32_t PL, int32_t G, int32_t x_zp,           \
        const int32_t *restrict w_zp, int32_t w_zp_count, DEEPLOY_QRQ_PARAMS);
DEEPLOY_QPAIRS(DEEPLOY_DECLARE_QCONV)

/* -- QLinearMatMul / MatMulInteger -------------------------------------------------------
 * Batched Y[b1, b2, M, N] = A[.., M, K] B[.., K, N]; batch strides in elements (0 =
 * broadcast); per-column (N) weight zero points and requantisation. */
#define DEEPLOY_DECLARE_QMATMUL(an, at, bn, bt)                                            \
    void deeploy_qmatmul_##an##_##bn(                                                      \
        const at *restrict A, const bt *restrict B, void *restrict Y, int32_t y_type,      \
        int32_t B1, int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,             \
        int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t a_zp,                            \
        const int32_t *restrict b_zp, int32_t b_zp_count, DEEPLOY_QRQ_PARAMS);
DEEPLOY_QPAIRS(DEEPLOY_DECLARE_QMATMUL)

/* -- QGemm (com.microsoft) ---------------------------------------------------------------
 * Y[M, N] = requant(op(A - a_zp) op(B - b_zp) + C), C int32 read with strides (c_rs, c_cs)
 * (NULL: none); per-column (N) weight zero points and requantisation. */
#define DEEPLOY_DECLARE_QGEMM(an, at, bn, bt)                                              \
    void deeploy_qgemm_##an##_##bn(                                                        \
        const at *restrict A, const bt *restrict B, const int32_t *restrict C,             \
        void *restrict Y, int32_t y_type, int32_t M, int32_t N, int32_t K, int32_t transA, \
        int32_t transB, int32_t c_rs, int32_t c_cs, int32_t a_zp,                          \
        const int32_t *restrict b_zp, int32_t b_zp_count, DEEPLOY_QRQ_PARAMS);
DEEPLOY_QPAIRS(DEEPLOY_DECLARE_QGEMM)

/* -- QLinearAdd / QLinearMul (com.microsoft) ---------------------------------------------
 * Over `shape` (rank <= DEEPLOY_MAX_RANK), y contiguous, a and b read with element strides
 * (0 = broadcast). Add: y = y_zp + round(((a - a_zp) a_mul + (b - b_zp) b_mul) 2^-shift);
 * Mul: y = y_zp + round((a - a_zp) (b - b_zp) a_mul 2^-shift) (b_mul unused). */
#define DEEPLOY_DECLARE_QBINARY(tn, t)                                                     \
    void deeploy_qadd_##tn(const t *restrict a, const t *restrict b, t *restrict y,        \
                           int32_t rank, const int32_t *shape, const int32_t *a_strides,   \
                           const int32_t *b_strides, int32_t a_zp, int32_t b_zp,           \
                           int32_t a_mul, int32_t b_mul, int32_t shift, int32_t y_zp,      \
                           int32_t lo, int32_t hi);                                        \
    void deeploy_qmul_##tn(const t *restrict a, const t *restrict b, t *restrict y,        \
                           int32_t rank, const int32_t *shape, const int32_t *a_strides,   \
                           const int32_t *b_strides, int32_t a_zp, int32_t b_zp,           \
                           int32_t a_mul, int32_t b_mul, int32_t shift, int32_t y_zp,      \
                           int32_t lo, int32_t hi);
DEEPLOY_QTYPES(DEEPLOY_DECLARE_QBINARY)

/* -- QLinearAveragePool / QLinearGlobalAveragePool (com.microsoft) ----------------------
 * x viewed as [NC, H, W]; 1-D pooling is H = KH = 1. The sum of x - x_zp over a window is
 * requantised with the multiplier of its element count (mul[count], shift[count]:
 * x_scale / (y_scale * count)). */
#define DEEPLOY_DECLARE_QPOOL(tn, t)                                                       \
    void deeploy_qavgpool2d_##tn(const t *restrict x, t *restrict y, int32_t NC,            \
                                 int32_t H, int32_t W, int32_t OH, int32_t OW, int32_t KH, \
                                 int32_t KW, int32_t SH, int32_t SW, int32_t DH,           \
                                 int32_t DW, int32_t PT, int32_t PL, int32_t PB,           \
                                 int32_t PR, int32_t count_include_pad, int32_t x_zp,      \
                                 const int32_t *restrict mul,                              \
                                 const int32_t *restrict shift, int32_t y_zp, int32_t lo,  \
                                 int32_t hi);                                              \
    void deeploy_qglobal_avgpool_##tn(const t *restrict x, t *restrict y, int32_t NC,       \
                                      int32_t HW, int32_t x_zp, int32_t mul,               \
                                      int32_t shift, int32_t y_zp, int32_t lo, int32_t hi);
DEEPLOY_QTYPES(DEEPLOY_DECLARE_QPOOL)

/* -- QLinearLookup ----------------------------------------------------------------------
 * y[i] = table[x[i] - min(x's type)]: 256 entries, y's 8-bit type (copied as bytes). */
#define DEEPLOY_DECLARE_QLOOKUP(xn, xt)                                                    \
    void deeploy_qlookup_##xn(const xt *restrict x, const void *restrict table,            \
                              void *restrict y, int32_t n);
DEEPLOY_QTYPES(DEEPLOY_DECLARE_QLOOKUP)

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_QLINEAR_H_ */
