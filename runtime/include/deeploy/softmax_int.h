/* Deeploy runtime: integer softmax approximations of quantised networks (softmax_int.c).
 *
 * All three work on the last axis, viewed as `rows` contiguous rows of `n` elements, and
 * read 8-bit integers (int8 or uint8: only differences to the row maximum matter). They
 * write unsigned 8-bit results, the value of the softmax in [0, n_levels - 1] (Deeploy's
 * generic kernels store the same value minus n_levels / 2 in an int8 buffer).
 */
#ifndef DEEPLOY_SOFTMAX_INT_H_
#define DEEPLOY_SOFTMAX_INT_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* iSoftmax (I-BERT style): per row, with d = x - max(row),
 *   z = min(-d / log2_step, 31) (division truncating), p = d + z * log2_step,
 *   e = (uint32_t)((uint64_t)(coeff_a * (p + coeff_b)^2 + coeff_c) >> z),
 *   y = (uint32_t)(e * (n_levels - 1)) / sum(e), sums and products modulo 2^32.
 * Needs log2_step >= 1. */
void deeploy_isoftmax_i8_u8(const int8_t *restrict x, uint8_t *restrict y, int32_t rows,
                            int32_t n, int32_t coeff_a, int32_t coeff_b, int32_t coeff_c,
                            int32_t log2_step, int32_t n_levels);
void deeploy_isoftmax_u8_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t rows,
                            int32_t n, int32_t coeff_a, int32_t coeff_b, int32_t coeff_c,
                            int32_t log2_step, int32_t n_levels);

/* ITAMax: per row, shift = (max(row) - x + 16) >> 5, sum = sum(256 >> shift),
 *   y = (((n_levels - 1) * 256) / sum) >> shift. */
void deeploy_ita_max_i8_u8(const int8_t *restrict x, uint8_t *restrict y, int32_t rows,
                           int32_t n, int32_t n_levels);
void deeploy_ita_max_u8_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t rows,
                           int32_t n, int32_t n_levels);

/* ITAPartialMax: ITAMax with the row sum accumulated group by group (n / group_width
 * groups; group_width divides n) against a running maximum: a group that raises the
 * maximum by D first shifts the sum so far right by (D + 16) >> 5. The results are
 * scaled to n_levels / 2 - 1 instead of n_levels - 1. */
void deeploy_ita_partial_max_i8_u8(const int8_t *restrict x, uint8_t *restrict y, int32_t rows,
                                   int32_t n, int32_t group_width, int32_t n_levels);
void deeploy_ita_partial_max_u8_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t rows,
                                   int32_t n, int32_t group_width, int32_t n_levels);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_SOFTMAX_INT_H_ */
