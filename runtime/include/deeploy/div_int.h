/* Deeploy runtime: the integer division and mean operators of quantised networks
 * (div_int.c): TrueIntegerDiv, IntegerDiv, RQIntegerDiv and IntegerMean.
 *
 * Element types are chosen at run time by a type code: 0 int8, 1 uint8, 2 int16,
 * 3 uint16, 4 int32. Arithmetic is int64 throughout; `>>` of a negative int64 is an
 * arithmetic shift on every compiler this runtime targets (GCC, Clang), as Deeploy's
 * kernels assume too.
 */
#ifndef DEEPLOY_DIV_INT_H_
#define DEEPLOY_DIV_INT_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TrueIntegerDiv: y[i] = x[i] * coeff (as int32), with coeff = floor(Delta * eta /
 * (y * eta + eps)) computed by the compiler, as Deeploy's lowering folds it. */
void deeploy_true_integer_div(const void *x, int32_t x_type, int32_t *y, int32_t n,
                              int32_t coeff);

/* IntegerDiv (Deeploy's Div_s32_s32): with nom = Delta * eta * a and den = eta * b + eps,
 *     y = (int32)((nom + sgn(nom) * (den >> 1)) / den)      (C division, toward zero;
 * sgn(0) = +1), i.e. nom / den rounded half away from zero when den > 0; den == 0 gives 0.
 * Over `shape` (rank <= DEEPLOY_MAX_RANK), y contiguous, a and b read with element
 * strides (0 = broadcast along that axis). */
void deeploy_integer_div(const void *a, int32_t a_type, const void *b, int32_t b_type,
                         int32_t *y, int32_t rank, const int32_t *shape,
                         const int32_t *a_strides, const int32_t *b_strides, int32_t delta,
                         int32_t eps, int32_t eta);

/* RQIntegerDiv (Deeploy's RQDiv_s32_s8): q = the IntegerDiv result above, then
 *     y = clamp((q * mul + add + 2^(shift-1)) >> shift, lo, hi)   (no rounding term when
 * shift == 0), stored as y_type. */
void deeploy_rq_integer_div(const void *a, int32_t a_type, const void *b, int32_t b_type,
                            void *y, int32_t y_type, int32_t rank, const int32_t *shape,
                            const int32_t *a_strides, const int32_t *b_strides,
                            int32_t delta, int32_t eps, int32_t eta, int32_t mul,
                            int32_t add, int32_t shift, int32_t lo, int32_t hi);

/* IntegerMean (Deeploy's integer ReduceMean): for every output element (the kept axes,
 * row-major; y has x's type), acc = the sum of the `count` elements over the reduced
 * axes, then
 *     shift >= 0:  (acc + 2^(shift-1)) >> shift       (acc itself when shift == 0)
 *     shift <  0:  (acc + sgn(acc) * (count >> 1)) / count   (C division, sgn(0) = +1).
 * The kept and reduced axes are given as (shape, element strides in x) lists; a rank of
 * at least 1 each (a single axis of size 1 when there is none). */
void deeploy_integer_mean(const void *x, int32_t x_type, void *y, int32_t kept_rank,
                          const int32_t *kept_shape, const int32_t *kept_strides,
                          int32_t red_rank, const int32_t *red_shape,
                          const int32_t *red_strides, int32_t count, int32_t shift);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_DIV_INT_H_ */
