/* Deeploy runtime: comparison, logic and selection kernels (compare.c). */
#ifndef DEEPLOY_COMPARE_H_
#define DEEPLOY_COMPARE_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Booleans are one byte holding 0 or 1 (uint8_t).
 *
 * The broadcasting kernels iterate `shape` (rank <= DEEPLOY_MAX_RANK), write y contiguously
 * and read each input with element strides (0 = broadcast along that axis); the innermost
 * stride of every input is 0 or 1. Kernels that may run in place (y the same buffer as an
 * input of its size and type) leave those pointers without `restrict`: `Q` below is
 * `restrict` or nothing. */
#define DEEPLOY_DECLARE_BROADCAST2(name, T, TY, Q)                                       \
    void deeploy_##name(const T *Q a, const T *restrict b, TY *Q y, int32_t rank,        \
                        const int32_t *shape, const int32_t *a_strides,                  \
                        const int32_t *b_strides);

/* y = a (op) b -> bool, for float32, int32 and int64 inputs (Equal also for bool). */
#define DEEPLOY_COMPARE_OPS(X) X(equal) X(less) X(greater) X(less_equal) X(greater_equal)
#define DEEPLOY_COMPARE_TYPES(X, op) X(op, f32, float) X(op, i32, int32_t) X(op, i64, int64_t)
#define DEEPLOY_DECLARE_COMPARE(op, suffix, T) \
    DEEPLOY_DECLARE_BROADCAST2(op##_##suffix, T, uint8_t, restrict)
#define DEEPLOY_DECLARE_COMPARE_OP(op) DEEPLOY_COMPARE_TYPES(DEEPLOY_DECLARE_COMPARE, op)
DEEPLOY_COMPARE_OPS(DEEPLOY_DECLARE_COMPARE_OP)
DEEPLOY_DECLARE_BROADCAST2(equal_bool, uint8_t, uint8_t, restrict)

/* y = a (and|or|xor) b on bools; y may be a. */
#define DEEPLOY_LOGIC_OPS(X) X(and) X(or) X(xor)
#define DEEPLOY_DECLARE_LOGIC(op) DEEPLOY_DECLARE_BROADCAST2(op##_bool, uint8_t, uint8_t, )
DEEPLOY_LOGIC_OPS(DEEPLOY_DECLARE_LOGIC)

/* y[i] = !x[i] for i < n; y may be x. */
void deeploy_not_bool(const uint8_t *x, uint8_t *y, int32_t n);

/* y = cond ? a : b, all three inputs broadcast to `shape`, for float32, int32 and int64;
 * y may be a or b. */
#define DEEPLOY_WHERE_TYPES(X) X(f32, float) X(i32, int32_t) X(i64, int64_t)
#define DEEPLOY_DECLARE_WHERE(suffix, T)                                                   \
    void deeploy_where_##suffix(const uint8_t *restrict cond, const T *a, const T *b,      \
                                T *y, int32_t rank, const int32_t *shape,                  \
                                const int32_t *cond_strides, const int32_t *a_strides,     \
                                const int32_t *b_strides);
DEEPLOY_WHERE_TYPES(DEEPLOY_DECLARE_WHERE)

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_COMPARE_H_ */
