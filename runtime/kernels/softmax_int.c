/* Integer softmax approximations along the last axis: iSoftmax, ITAMax and ITAPartialMax.
 * See deeploy/softmax_int.h for the arithmetic. Every result depends on the input only
 * through differences to a row maximum, so int8 and uint8 inputs share one definition
 * (instantiated per type below). No scratch memory: the per-element terms are computed
 * again when the outputs are written. */
#include "deeploy/softmax_int.h"

/* The iSoftmax term of one element, d = x - max(row) in [-255, 0]. The compiler only
 * passes coefficients for which the int64 arithmetic cannot overflow. */
static uint32_t isoftmax_term(int32_t d, int64_t coeff_a, int64_t coeff_b, int64_t coeff_c,
                              int32_t log2_step) {
    int32_t z = -(d / log2_step);
    if (z > 31) z = 31;
    if (z < 0) z = 0;
    const int64_t q = (int64_t)d + (int64_t)z * log2_step + coeff_b;
    const int64_t t = coeff_a * (q * q) + coeff_c;
    return (uint32_t)((uint64_t)t >> z);
}

/* The ITA exponent of one element: 2^-shift in units of 1/256, diff = max - x >= 0. */
static uint32_t ita_shift(int32_t diff) { return (uint32_t)((diff + 16) >> 5); }

#define DEFINE_INT_SOFTMAX(tn, T)                                                             \
    static int32_t row_max_##tn(const T *restrict x, int32_t n) {                             \
        int32_t m = x[0];                                                                     \
        for (int32_t j = 1; j < n; ++j) m = x[j] > m ? x[j] : m;                              \
        return m;                                                                             \
    }                                                                                         \
                                                                                              \
    void deeploy_isoftmax_##tn##_u8(const T *restrict x, uint8_t *restrict y, int32_t rows,   \
                                    int32_t n, int32_t coeff_a, int32_t coeff_b,              \
                                    int32_t coeff_c, int32_t log2_step, int32_t n_levels) {   \
        const uint32_t scale = (uint32_t)n_levels - 1u;                                       \
        for (int32_t r = 0; r < rows; ++r, x += n, y += n) {                                  \
            const int32_t m = row_max_##tn(x, n);                                             \
            uint32_t sum = 0;                                                                 \
            for (int32_t j = 0; j < n; ++j)                                                   \
                sum += isoftmax_term(x[j] - m, coeff_a, coeff_b, coeff_c, log2_step);         \
            for (int32_t j = 0; j < n; ++j) {                                                 \
                const uint32_t e = isoftmax_term(x[j] - m, coeff_a, coeff_b, coeff_c,         \
                                                 log2_step);                                  \
                y[j] = sum ? (uint8_t)((e * scale) / sum) : 0u;                               \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    void deeploy_ita_max_##tn##_u8(const T *restrict x, uint8_t *restrict y, int32_t rows,    \
                                   int32_t n, int32_t n_levels) {                             \
        const uint32_t top = ((uint32_t)n_levels - 1u) * 256u;                                \
        for (int32_t r = 0; r < rows; ++r, x += n, y += n) {                                  \
            const int32_t m = row_max_##tn(x, n);                                             \
            uint32_t sum = 0; /* >= 256: the maximum contributes 256 */                       \
            for (int32_t j = 0; j < n; ++j) sum += 256u >> ita_shift(m - x[j]);               \
            const uint32_t inv = top / sum;                                                   \
            for (int32_t j = 0; j < n; ++j) y[j] = (uint8_t)(inv >> ita_shift(m - x[j]));     \
        }                                                                                     \
    }                                                                                         \
                                                                                              \
    void deeploy_ita_partial_max_##tn##_u8(const T *restrict x, uint8_t *restrict y,          \
                                           int32_t rows, int32_t n, int32_t group_width,      \
                                           int32_t n_levels) {                                \
        const uint32_t top = ((uint32_t)n_levels / 2u - 1u) * 256u;                           \
        for (int32_t r = 0; r < rows; ++r, x += n, y += n) {                                  \
            int32_t m = x[0];                                                                 \
            uint32_t sum = 0;                                                                 \
            for (int32_t g = 0; g + group_width <= n; g += group_width) {                     \
                const int32_t gm = row_max_##tn(x + g, group_width);                          \
                /* the sum so far (0 for the first group) was taken against a smaller max */  \
                if (gm > m) {                                                                 \
                    sum >>= ita_shift(gm - m);                                                \
                    m = gm;                                                                   \
                }                                                                             \
                for (int32_t k = g; k < g + group_width; ++k)                                 \
                    sum += 256u >> ita_shift(m - x[k]);                                       \
            }                                                                                 \
            const uint32_t inv = top / sum; /* sum >= 256 */                                  \
            for (int32_t j = 0; j < n; ++j) y[j] = (uint8_t)(inv >> ita_shift(m - x[j]));     \
        }                                                                                     \
    }

DEFINE_INT_SOFTMAX(i8, int8_t)
DEFINE_INT_SOFTMAX(u8, uint8_t)
