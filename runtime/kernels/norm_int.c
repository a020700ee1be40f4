/* Integer normalisations of Deeploy's quantised networks (see norm_int.h).
 *
 * Every quantity is int64_t and exact: for 8/16-bit data a row's sums stay below 2^63 for
 * any int32 length, and the products with int32 weights below 2^48. */
#include "deeploy/norm_int.h"

/* floor(v / 2^s) for 0 <= s < 63, negative v too */
static inline int64_t shift_floor(int64_t v, int32_t s) {
    return v >= 0 ? v >> s : -1 - ((-1 - v) >> s);
}

static inline int64_t clamp64(int64_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* floor(sqrt(v)), digit by digit */
static int64_t isqrt64(int64_t value) {
    uint64_t v = (uint64_t)value;
    uint64_t root = 0;
    uint64_t bit = (uint64_t)1 << 62;
    while (bit > v) bit >>= 2;
    while (bit != 0) {
        if (v >= root + bit) {
            v -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return (int64_t)root;
}

/* The instantiated element types (every instance is declared in norm_int.h): data inputs
 * int8/uint8/int16/uint16, outputs (and the weights of iNoNorm) int8/int16/int32.
 * DEEPLOY_INT_NORM_PAIRS(M) expands M(in, In, out, Out) once per (input, output) pair, with
 * the suffixes kernel symbols carry and the C types; DEEPLOY_INONORM_TRIPLES(M)
 * M(in, In, w, W, out, Out) per triple. */
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

#define DEFINE_INT_NORMS(tn, T, on, O)                                                        \
    void deeploy_ilayernorm_##tn##_##on(const T *restrict x, const int32_t *restrict weight,  \
                                        const int32_t *restrict bias, O *restrict y,          \
                                        int32_t rows, int32_t cols, int32_t log2d, int32_t lo, \
                                        int32_t hi) {                                         \
        if (cols <= 0) return;                                                                \
        for (int32_t r = 0; r < rows; ++r) {                                                  \
            const T *xr = x + (ptrdiff_t)r * cols;                                            \
            O *yr = y + (ptrdiff_t)r * cols;                                                  \
            int64_t sum = 0;                                                                  \
            for (int32_t j = 0; j < cols; ++j) sum += xr[j];                                  \
            const int64_t mean = sum / cols;                                                  \
            int64_t squares = 0;                                                              \
            for (int32_t j = 0; j < cols; ++j) {                                              \
                const int64_t d = xr[j] - mean;                                               \
                squares += d * d;                                                             \
            }                                                                                 \
            const int64_t std = isqrt64(squares / cols + 1);                                  \
            for (int32_t j = 0; j < cols; ++j) {                                              \
                const int64_t v = (xr[j] - mean) * (int64_t)weight[j] / std + bias[j];        \
                yr[j] = (O)clamp64(shift_floor(v, log2d), lo, hi);                            \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
    void deeploy_irmsnorm_##tn##_##on(const T *restrict x, const int32_t *restrict weight,    \
                                      O *restrict y, int32_t rows, int32_t cols,              \
                                      int32_t log2d, int32_t lo, int32_t hi) {                \
        if (cols <= 0) return;                                                                \
        for (int32_t r = 0; r < rows; ++r) {                                                  \
            const T *xr = x + (ptrdiff_t)r * cols;                                            \
            O *yr = y + (ptrdiff_t)r * cols;                                                  \
            int64_t squares = 0;                                                              \
            for (int32_t j = 0; j < cols; ++j) squares += (int64_t)xr[j] * xr[j];             \
            const int64_t std = isqrt64(squares / cols + 1);                                  \
            for (int32_t j = 0; j < cols; ++j) {                                              \
                const int64_t v = (int64_t)xr[j] * weight[j] / std;                           \
                yr[j] = (O)clamp64(shift_floor(v, log2d), lo, hi);                            \
            }                                                                                 \
        }                                                                                     \
    }
DEEPLOY_INT_NORM_PAIRS(DEFINE_INT_NORMS)

#define DEFINE_INONORM(tn, T, wn, W, on, O)                                                   \
    void deeploy_inonorm_##tn##_##wn##_##on(                                                  \
        const T *restrict x, const W *restrict w, const int32_t *restrict bias, O *restrict y, \
        int32_t rank, const int32_t *shape, const int32_t *w_strides,                          \
        const int32_t *bias_strides, int32_t mul, int32_t log2d, int32_t lo, int32_t hi) {     \
        int32_t idx[DEEPLOY_MAX_RANK] = {0};                                                  \
        const int32_t inner = shape[rank - 1];                                                \
        const ptrdiff_t ws = w_strides[rank - 1], bs = bias_strides[rank - 1];                \
        int32_t outer = 1;                                                                    \
        for (int32_t d = 0; d + 1 < rank; ++d) outer *= shape[d];                             \
        ptrdiff_t wo = 0, bo = 0;                                                             \
        for (int32_t o = 0; o < outer; ++o) {                                                 \
            const T *xr = x + (ptrdiff_t)o * inner;                                           \
            O *yr = y + (ptrdiff_t)o * inner;                                                 \
            for (int32_t i = 0; i < inner; ++i) {                                             \
                const int64_t v = ((int64_t)xr[i] * w[wo + i * ws] + bias[bo + i * bs]) * mul; \
                yr[i] = (O)clamp64(shift_floor(v, log2d), lo, hi);                            \
            }                                                                                 \
            for (int32_t d = rank - 2; d >= 0; --d) {                                         \
                wo += w_strides[d];                                                           \
                bo += bias_strides[d];                                                        \
                if (++idx[d] < shape[d]) break;                                               \
                wo -= (ptrdiff_t)w_strides[d] * shape[d];                                     \
                bo -= (ptrdiff_t)bias_strides[d] * shape[d];                                  \
                idx[d] = 0;                                                                   \
            }                                                                                 \
        }                                                                                     \
    }
DEEPLOY_INONORM_TRIPLES(DEFINE_INONORM)
