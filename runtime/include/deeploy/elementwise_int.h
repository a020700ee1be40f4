/*
 * Integer elementwise kernels with broadcasting.
 *
 * deeploy_binary_int: y = a (op) b for op 0 add, 1 sub, 2 mul, computed in int32 from
 * operands of any integer type (a_type, b_type: DEEPLOY_I8, ...), y int32 or, with
 * requantisation, y_type. Operands are walked with per-axis element strides over `shape`
 * (0 where an operand broadcasts), like the float elementwise kernels.
 *
 * deeploy_requant_shift: Deeploy's RequantShift, y = requant(x, mul, add) (see
 * deeploy/requant.h) with mul and add broadcast by their own strides.
 */
#ifndef DEEPLOY_ELEMENTWISE_INT_H_
#define DEEPLOY_ELEMENTWISE_INT_H_

#include "deeploy/common.h"
#include "deeploy/common_int.h"
#include "deeploy/requant.h"

void deeploy_binary_int(int32_t op, const void *a, int32_t a_type, const void *b,
                        int32_t b_type, void *y, int32_t y_type, DEEPLOY_RQ_PARAMS,
                        int32_t rank, const int32_t *shape, const int32_t *a_strides,
                        const int32_t *b_strides);

void deeploy_requant_shift(const void *x, int32_t x_type, const int32_t *mul,
                           const int32_t *add, void *y, int32_t y_type, int32_t shift,
                           int32_t lo, int32_t hi, int32_t rank, const int32_t *shape,
                           const int32_t *x_strides, const int32_t *mul_strides,
                           const int32_t *add_strides);

/* Relu and Clip on integers: y = clamp(x, lo, hi), x and y of the same type (in place
 * allowed: each block is read before it is written). */
void deeploy_clip_int(const void *x, void *y, int32_t type, int32_t n, int32_t lo, int32_t hi);

#endif /* DEEPLOY_ELEMENTWISE_INT_H_ */
