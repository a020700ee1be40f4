/* ONNX linear quantisation: Quantize/DequantizeLinear and the integer QLinear* kernels.
 * See deeploy/qlinear.h. */
#include <math.h>

#include "deeploy/qlinear.h"

/* The instantiated element types (every instance is declared in qlinear.h). */
#define DEEPLOY_QUANTIZE_TYPES(M) M(i8, int8_t) M(u8, uint8_t) M(i16, int16_t) M(u16, uint16_t)
#define DEEPLOY_DEQUANTIZE_TYPES(M) DEEPLOY_QUANTIZE_TYPES(M) M(i32, int32_t)
/* (input, weight) type pairs of the integer products, and their element types */
#define DEEPLOY_QPAIRS(M)                                                                  \
    M(i8, int8_t, i8, int8_t) M(i8, int8_t, u8, uint8_t) M(u8, uint8_t, i8, int8_t)         \
    M(u8, uint8_t, u8, uint8_t)
#define DEEPLOY_QTYPES(M) M(i8, int8_t) M(u8, uint8_t)

/* -- QuantizeLinear / DequantizeLinear ------------------------------------------------- */

#define DEFINE_QUANTIZE(yn, yt, lo_value, hi_value)                                       \
    void deeploy_quantize_f32_##yn(const float *restrict x, yt *restrict y, int32_t outer,  \
                                   int32_t channels, int32_t inner,                        \
                                   const float *restrict scale, const int32_t *restrict zp) { \
        const float lo = (float)(lo_value), hi = (float)(hi_value);                       \
        ptrdiff_t i = 0;                                                                   \
        for (int32_t o = 0; o < outer; ++o) {                                              \
            for (int32_t c = 0; c < channels; ++c) {                                       \
                const float s = scale[c], z = (float)zp[c];                                \
                for (int32_t j = 0; j < inner; ++j, ++i) {                                 \
                    float v = nearbyintf(x[i] / s) + z;                                    \
                    v = v >= lo ? v : lo; /* NaN -> lo */                                  \
                    v = v <= hi ? v : hi;                                                  \
                    y[i] = (yt)(int32_t)v;                                                 \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
    }
DEFINE_QUANTIZE(i8, int8_t, INT8_MIN, INT8_MAX)
DEFINE_QUANTIZE(u8, uint8_t, 0, UINT8_MAX)
DEFINE_QUANTIZE(i16, int16_t, INT16_MIN, INT16_MAX)
DEFINE_QUANTIZE(u16, uint16_t, 0, UINT16_MAX)

#define DEFINE_DEQUANTIZE(xn, xt)                                                          \
    void deeploy_dequantize_##xn##_f32(const xt *restrict x, float *restrict y,            \
                                       int32_t outer, int32_t channels, int32_t inner,     \
                                       const float *restrict scale,                        \
                                       const int32_t *restrict zp) {                       \
        ptrdiff_t i = 0;                                                                   \
        for (int32_t o = 0; o < outer; ++o) {                                              \
            for (int32_t c = 0; c < channels; ++c) {                                       \
                const float s = scale[c];                                                  \
                const int64_t z = zp[c];                                                   \
                for (int32_t j = 0; j < inner; ++j, ++i)                                   \
                    y[i] = (float)((int64_t)x[i] - z) * s;                                 \
            }                                                                              \
        }                                                                                  \
    }
DEEPLOY_DEQUANTIZE_TYPES(DEFINE_DEQUANTIZE)

/* The value of output element `at` (channel ch): requantised, or the accumulator. */
static inline void store_acc(void *y, int32_t y_type, ptrdiff_t at, int32_t acc, int32_t ch,
                             const int32_t *rq_mul, const int32_t *rq_shift, int32_t rq_count,
                             int32_t y_zp, int32_t lo, int32_t hi) {
    if (rq_mul == NULL) {
        deeploy_qstore(y, y_type, at, acc);
        return;
    }
    const int32_t k = rq_count > 1 ? ch : 0;
    deeploy_qstore(y, y_type, at, deeploy_qrequant(acc, rq_mul[k], rq_shift[k], y_zp, lo, hi));
}

/* -- QLinearConv / ConvInteger --------------------------------------------------------- */

#define DEFINE_QCONV(xn, xt, wn, wt)                                                       \
    void deeploy_qconv2d_##xn##_##wn(                                                      \
        const xt *restrict x, const wt *restrict w, const int32_t *restrict bias,          \
        void *restrict y, int32_t y_type, int32_t N, int32_t C, int32_t H, int32_t W,      \
        int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW, int32_t SH, int32_t SW, \
        int32_t DH, int32_t DW, int32_t PT, int32_t PL, int32_t G, int32_t x_zp,           \
        const int32_t *restrict w_zp, int32_t w_zp_count, DEEPLOY_QRQ_PARAMS) {            \
        const int32_t CG = C / G, FG = F / G;                                              \
        for (int32_t n = 0; n < N; ++n) {                                                  \
            for (int32_t f = 0; f < F; ++f) {                                              \
                const int32_t g = f / FG;                                                  \
                const int32_t wz = w_zp_count > 1 ? w_zp[f] : w_zp[0];                     \
                const wt *restrict wf = w + (ptrdiff_t)f * CG * KH * KW;                    \
                const xt *restrict xg = x + ((ptrdiff_t)n * C + (ptrdiff_t)g * CG) * H * W; \
                const int32_t b = bias != NULL ? bias[f] : 0;                              \
                const ptrdiff_t out = ((ptrdiff_t)n * F + f) * OH * OW;                    \
                for (int32_t oh = 0; oh < OH; ++oh) {                                      \
                    for (int32_t ow = 0; ow < OW; ++ow) {                                  \
                        int32_t acc = b;                                                   \
                        for (int32_t c = 0; c < CG; ++c) {                                 \
                            const xt *restrict xc = xg + (ptrdiff_t)c * H * W;             \
                            const wt *restrict wc = wf + (ptrdiff_t)c * KH * KW;           \
                            for (int32_t kh = 0; kh < KH; ++kh) {                          \
                                const int32_t ih = oh * SH + kh * DH - PT;                 \
                                if (ih < 0 || ih >= H) continue;                           \
                                const xt *restrict xr = xc + (ptrdiff_t)ih * W;            \
                                const wt *restrict wr = wc + (ptrdiff_t)kh * KW;           \
                                for (int32_t kw = 0; kw < KW; ++kw) {                      \
                                    const int32_t iw = ow * SW + kw * DW - PL;             \
                                    if (iw < 0 || iw >= W) continue;                       \
                                    acc += ((int32_t)xr[iw] - x_zp) * ((int32_t)wr[kw] - wz); \
                                }                                                          \
                            }                                                              \
                        }                                                                  \
                        store_acc(y, y_type, out + (ptrdiff_t)oh * OW + ow, acc, f, rq_mul, \
                                  rq_shift, rq_count, y_zp, lo, hi);                       \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
    }
DEEPLOY_QPAIRS(DEFINE_QCONV)

/* -- QLinearMatMul / MatMulInteger ----------------------------------------------------- */

#define DEFINE_QMATMUL(an, at, bn, bt)                                                     \
    void deeploy_qmatmul_##an##_##bn(                                                      \
        const at *restrict A, const bt *restrict B, void *restrict Y, int32_t y_type,      \
        int32_t B1, int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,             \
        int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t a_zp,                            \
        const int32_t *restrict b_zp, int32_t b_zp_count, DEEPLOY_QRQ_PARAMS) {            \
        for (int32_t i = 0; i < B1; ++i) {                                                 \
            for (int32_t j = 0; j < B2; ++j) {                                             \
                const at *restrict a = A + (ptrdiff_t)i * a_s1 + (ptrdiff_t)j * a_s2;      \
                const bt *restrict b = B + (ptrdiff_t)i * b_s1 + (ptrdiff_t)j * b_s2;      \
                const ptrdiff_t out = ((ptrdiff_t)i * B2 + j) * M * N;                     \
                for (int32_t m = 0; m < M; ++m) {                                          \
                    const at *restrict ar = a + (ptrdiff_t)m * K;                          \
                    for (int32_t n = 0; n < N; ++n) {                                      \
                        const int32_t bz = b_zp_count > 1 ? b_zp[n] : b_zp[0];             \
                        int32_t acc = 0;                                                   \
                        for (int32_t k = 0; k < K; ++k)                                    \
                            acc += ((int32_t)ar[k] - a_zp) *                               \
                                   ((int32_t)b[(ptrdiff_t)k * N + n] - bz);                \
                        store_acc(Y, y_type, out + (ptrdiff_t)m * N + n, acc, n, rq_mul,   \
                                  rq_shift, rq_count, y_zp, lo, hi);                       \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
    }
DEEPLOY_QPAIRS(DEFINE_QMATMUL)

/* -- QGemm ------------------------------------------------------------------------------ */

#define DEFINE_QGEMM(an, at, bn, bt)                                                       \
    void deeploy_qgemm_##an##_##bn(                                                        \
        const at *restrict A, const bt *restrict B, const int32_t *restrict C,             \
        void *restrict Y, int32_t y_type, int32_t M, int32_t N, int32_t K, int32_t transA, \
        int32_t transB, int32_t c_rs, int32_t c_cs, int32_t a_zp,                          \
        const int32_t *restrict b_zp, int32_t b_zp_count, DEEPLOY_QRQ_PARAMS) {            \
        /* element (m, k) of op(A) is A[m * a_mk + k * a_kk], (k, n) of op(B) likewise */  \
        const ptrdiff_t a_m = transA ? 1 : K, a_k = transA ? M : 1;                        \
        const ptrdiff_t b_k = transB ? 1 : N, b_n = transB ? K : 1;                        \
        for (int32_t m = 0; m < M; ++m) {                                                  \
            for (int32_t n = 0; n < N; ++n) {                                              \
                const int32_t bz = b_zp_count > 1 ? b_zp[n] : b_zp[0];                     \
                const at *restrict ar = A + (ptrdiff_t)m * a_m;                            \
                const bt *restrict bc = B + (ptrdiff_t)n * b_n;                            \
                int32_t acc = C != NULL ? C[(ptrdiff_t)m * c_rs + (ptrdiff_t)n * c_cs] : 0; \
                for (int32_t k = 0; k < K; ++k)                                            \
                    acc += ((int32_t)ar[k * a_k] - a_zp) * ((int32_t)bc[k * b_k] - bz);    \
                store_acc(Y, y_type, (ptrdiff_t)m * N + n, acc, n, rq_mul, rq_shift,       \
                          rq_count, y_zp, lo, hi);                                         \
            }                                                                              \
        }                                                                                  \
    }
DEEPLOY_QPAIRS(DEFINE_QGEMM)

/* -- QLinearAdd / QLinearMul ----------------------------------------------------------- */

static inline int32_t qadd_value(int32_t a, int32_t b, int32_t a_zp, int32_t b_zp,
                                 int32_t a_mul, int32_t b_mul, int32_t shift, int32_t y_zp,
                                 int32_t lo, int32_t hi) {
    const int64_t v = (int64_t)(a - a_zp) * a_mul + (int64_t)(b - b_zp) * b_mul;
    const int64_t r = y_zp + deeploy_qround_shift(v, shift);
    return (int32_t)(r < lo ? lo : r > hi ? hi : r);
}

static inline int32_t qmul_value(int32_t a, int32_t b, int32_t a_zp, int32_t b_zp,
                                 int32_t a_mul, int32_t b_mul, int32_t shift, int32_t y_zp,
                                 int32_t lo, int32_t hi) {
    (void)b_mul;
    return deeploy_qrequant((int64_t)(a - a_zp) * (b - b_zp), a_mul, shift, y_zp, lo, hi);
}

/* The outer axes are walked with an index counter; the last axis is one strided row. */
#define DEFINE_QBINARY(name, tn, t)                                                        \
    void deeploy_##name##_##tn(const t *restrict a, const t *restrict b, t *restrict y,    \
                               int32_t rank, const int32_t *shape,                         \
                               const int32_t *a_strides, const int32_t *b_strides,         \
                               int32_t a_zp, int32_t b_zp, int32_t a_mul, int32_t b_mul,   \
                               int32_t shift, int32_t y_zp, int32_t lo, int32_t hi) {      \
        int32_t index[DEEPLOY_MAX_RANK] = {0};                                             \
        const int32_t n = shape[rank - 1];                                                 \
        const ptrdiff_t as = a_strides[rank - 1], bs = b_strides[rank - 1];                \
        ptrdiff_t outer = 1;                                                               \
        for (int32_t d = 0; d + 1 < rank; ++d) outer *= shape[d];                          \
        ptrdiff_t ao = 0, bo = 0, yo = 0;                                                  \
        for (ptrdiff_t o = 0; o < outer; ++o) {                                            \
            for (int32_t i = 0; i < n; ++i)                                                \
                y[yo + i] = (t)name##_value(a[ao + i * as], b[bo + i * bs], a_zp, b_zp,    \
                                            a_mul, b_mul, shift, y_zp, lo, hi);            \
            yo += n;                                                                       \
            for (int32_t d = rank - 2; d >= 0; --d) {                                      \
                ao += a_strides[d];                                                        \
                bo += b_strides[d];                                                        \
                if (++index[d] < shape[d]) break;                                          \
                ao -= (ptrdiff_t)a_strides[d] * shape[d];                                  \
                bo -= (ptrdiff_t)b_strides[d] * shape[d];                                  \
                index[d] = 0;                                                              \
            }                                                                              \
        }                                                                                  \
    }
#define DEFINE_QBINARIES(tn, t) DEFINE_QBINARY(qadd, tn, t) DEFINE_QBINARY(qmul, tn, t)
DEEPLOY_QTYPES(DEFINE_QBINARIES)

/* -- pooling ----------------------------------------------------------------------------- */

#define DEFINE_QPOOL(tn, t)                                                                \
    void deeploy_qavgpool2d_##tn(const t *restrict x, t *restrict y, int32_t NC,            \
                                 int32_t H, int32_t W, int32_t OH, int32_t OW, int32_t KH, \
                                 int32_t KW, int32_t SH, int32_t SW, int32_t DH,           \
                                 int32_t DW, int32_t PT, int32_t PL, int32_t PB,           \
                                 int32_t PR, int32_t count_include_pad, int32_t x_zp,      \
                                 const int32_t *restrict mul,                              \
                                 const int32_t *restrict shift, int32_t y_zp, int32_t lo,  \
                                 int32_t hi) {                                             \
        for (int32_t c = 0; c < NC; ++c) {                                                 \
            const t *restrict xc = x + (ptrdiff_t)c * H * W;                               \
            t *restrict yc = y + (ptrdiff_t)c * OH * OW;                                   \
            for (int32_t oh = 0; oh < OH; ++oh) {                                          \
                for (int32_t ow = 0; ow < OW; ++ow) {                                      \
                    int32_t sum = 0, count = 0;                                            \
                    for (int32_t kh = 0; kh < KH; ++kh) {                                  \
                        const int32_t ih = oh * SH + kh * DH - PT;                         \
                        const int in_pad_h = ih >= -PT && ih < H + PB;                     \
                        for (int32_t kw = 0; kw < KW; ++kw) {                              \
                            const int32_t iw = ow * SW + kw * DW - PL;                     \
                            if (ih >= 0 && ih < H && iw >= 0 && iw < W) {                  \
                                sum += (int32_t)xc[(ptrdiff_t)ih * W + iw] - x_zp;         \
                                ++count;                                                   \
                            } else if (count_include_pad && in_pad_h && iw >= -PL &&       \
                                       iw < W + PR) {                                      \
                                ++count; /* padding: the real value 0 */                   \
                            }                                                              \
                        }                                                                  \
                    }                                                                      \
                    yc[(ptrdiff_t)oh * OW + ow] =                                          \
                        (t)(count ? deeploy_qrequant(sum, mul[count], shift[count], y_zp,  \
                                                     lo, hi)                               \
                                  : y_zp);                                                 \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
    }                                                                                      \
    void deeploy_qglobal_avgpool_##tn(const t *restrict x, t *restrict y, int32_t NC,       \
                                      int32_t HW, int32_t x_zp, int32_t mul,               \
                                      int32_t shift, int32_t y_zp, int32_t lo, int32_t hi) { \
        for (int32_t c = 0; c < NC; ++c) {                                                 \
            const t *restrict xc = x + (ptrdiff_t)c * HW;                                  \
            int64_t sum = 0;                                                               \
            for (int32_t i = 0; i < HW; ++i) sum += (int32_t)xc[i] - x_zp;                 \
            y[c] = (t)deeploy_qrequant(sum, mul, shift, y_zp, lo, hi);                     \
        }                                                                                  \
    }
DEEPLOY_QTYPES(DEFINE_QPOOL)

/* -- QLinearLookup ------------------------------------------------------------------------ */

#define DEFINE_QLOOKUP(xn, xt, offset)                                                     \
    void deeploy_qlookup_##xn(const xt *restrict x, const void *restrict table,            \
                              void *restrict y, int32_t n) {                               \
        const uint8_t *restrict t = (const uint8_t *)table;                                \
        uint8_t *restrict out = (uint8_t *)y;                                              \
        for (int32_t i = 0; i < n; ++i) out[i] = t[(int32_t)x[i] + (offset)];              \
    }
DEFINE_QLOOKUP(i8, int8_t, 128)
DEFINE_QLOOKUP(u8, uint8_t, 0)

/* -- QLinearSoftmax (com.microsoft) --------------------------------------------------------
 * onnxruntime's arithmetic, step by step: the float32 terms come from the table, are summed
 * in row order in float32, and each quotient is formed as (term * y_inv) / sum, so that
 * every rounding is the one onnxruntime makes. */

#define DEFINE_QSOFTMAX(xn, xt)                                                            \
    void deeploy_qsoftmax_##xn(const xt *restrict x, xt *restrict y, int32_t outer,        \
                               int32_t length, int32_t inner, const float *restrict table, \
                               float y_inv, int32_t y_zp, int32_t lo, int32_t hi) {        \
        for (int32_t o = 0; o < outer; ++o) {                                              \
            for (int32_t j = 0; j < inner; ++j) {                                          \
                const ptrdiff_t base = (ptrdiff_t)o * length * inner + j;                  \
                int32_t max = x[base];                                                     \
                for (int32_t i = 1; i < length; ++i) {                                     \
                    const int32_t v = x[base + (ptrdiff_t)i * inner];                      \
                    max = v > max ? v : max;                                               \
                }                                                                          \
                float sum = 0.0f;                                                          \
                for (int32_t i = 0; i < length; ++i)                                       \
                    sum += table[max - (int32_t)x[base + (ptrdiff_t)i * inner]];           \
                for (int32_t i = 0; i < length; ++i) {                                     \
                    const ptrdiff_t at = base + (ptrdiff_t)i * inner;                      \
                    const float term = table[max - (int32_t)x[at]];                        \
                    const int32_t q = (int32_t)nearbyintf(term * y_inv / sum) + y_zp;      \
                    y[at] = (xt)(q < lo ? lo : q > hi ? hi : q);                           \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
    }
DEEPLOY_QTYPES(DEFINE_QSOFTMAX)
