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
 * input of its size and type) leave those pointers without `restrict`. */

/* y = a (op) b -> bool, for float32, int32 and int64 inputs (Equal also for bool). */
void deeploy_equal_f32(const float *restrict a, const float *restrict b, uint8_t *restrict y,
                       int32_t rank, const int32_t *shape, const int32_t *a_strides,
                       const int32_t *b_strides);
void deeploy_equal_i32(const int32_t *restrict a, const int32_t *restrict b,
                       uint8_t *restrict y, int32_t rank, const int32_t *shape,
                       const int32_t *a_strides, const int32_t *b_strides);
void deeploy_equal_i64(const int64_t *restrict a, const int64_t *restrict b,
                       uint8_t *restrict y, int32_t rank, const int32_t *shape,
                       const int32_t *a_strides, const int32_t *b_strides);
void deeploy_less_f32(const float *restrict a, const float *restrict b, uint8_t *restrict y,
                      int32_t rank, const int32_t *shape, const int32_t *a_strides,
                      const int32_t *b_strides);
void deeploy_less_i32(const int32_t *restrict a, const int32_t *restrict b, uint8_t *restrict y,
                      int32_t rank, const int32_t *shape, const int32_t *a_strides,
                      const int32_t *b_strides);
void deeploy_less_i64(const int64_t *restrict a, const int64_t *restrict b, uint8_t *restrict y,
                      int32_t rank, const int32_t *shape, const int32_t *a_strides,
                      const int32_t *b_strides);
void deeploy_greater_f32(const float *restrict a, const float *restrict b, uint8_t *restrict y,
                         int32_t rank, const int32_t *shape, const int32_t *a_strides,
                         const int32_t *b_strides);
void deeploy_greater_i32(const int32_t *restrict a, const int32_t *restrict b,
                         uint8_t *restrict y, int32_t rank, const int32_t *shape,
                         const int32_t *a_strides, const int32_t *b_strides);
void deeploy_greater_i64(const int64_t *restrict a, const int64_t *restrict b,
                         uint8_t *restrict y, int32_t rank, const int32_t *shape,
                         const int32_t *a_strides, const int32_t *b_strides);
void deeploy_less_equal_f32(const float *restrict a, const float *restrict b,
                            uint8_t *restrict y, int32_t rank, const int32_t *shape,
                            const int32_t *a_strides, const int32_t *b_strides);
void deeploy_less_equal_i32(const int32_t *restrict a, const int32_t *restrict b,
                            uint8_t *restrict y, int32_t rank, const int32_t *shape,
                            const int32_t *a_strides, const int32_t *b_strides);
void deeploy_less_equal_i64(const int64_t *restrict a, const int64_t *restrict b,
                            uint8_t *restrict y, int32_t rank, const int32_t *shape,
                            const int32_t *a_strides, const int32_t *b_strides);
void deeploy_greater_equal_f32(const float *restrict a, const float *restrict b,
                               uint8_t *restrict y, int32_t rank, const int32_t *shape,
                               const int32_t *a_strides, const int32_t *b_strides);
void deeploy_greater_equal_i32(const int32_t *restrict a, const int32_t *restrict b,
                               uint8_t *restrict y, int32_t rank, const int32_t *shape,
                               const int32_t *a_strides, const int32_t *b_strides);
void deeploy_greater_equal_i64(const int64_t *restrict a, const int64_t *restrict b,
                               uint8_t *restrict y, int32_t rank, const int32_t *shape,
                               const int32_t *a_strides, const int32_t *b_strides);
void deeploy_equal_bool(const uint8_t *restrict a, const uint8_t *restrict b,
                        uint8_t *restrict y, int32_t rank, const int32_t *shape,
                        const int32_t *a_strides, const int32_t *b_strides);

/* y = a (and|or|xor) b on bools; y may be a. */
void deeploy_and_bool(const uint8_t *a, const uint8_t *restrict b, uint8_t *y, int32_t rank,
                      const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);
void deeploy_or_bool(const uint8_t *a, const uint8_t *restrict b, uint8_t *y, int32_t rank,
                     const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);
void deeploy_xor_bool(const uint8_t *a, const uint8_t *restrict b, uint8_t *y, int32_t rank,
                      const int32_t *shape, const int32_t *a_strides, const int32_t *b_strides);

/* y[i] = !x[i] for i < n; y may be x. */
void deeploy_not_bool(const uint8_t *x, uint8_t *y, int32_t n);

/* y = cond ? a : b, all three inputs broadcast to `shape`, for float32, int32 and int64;
 * y may be a or b. */
void deeploy_where_f32(const uint8_t *restrict cond, const float *a, const float *b, float *y,
                       int32_t rank, const int32_t *shape, const int32_t *cond_strides,
                       const int32_t *a_strides, const int32_t *b_strides);
void deeploy_where_i32(const uint8_t *restrict cond, const int32_t *a, const int32_t *b,
                       int32_t *y, int32_t rank, const int32_t *shape,
                       const int32_t *cond_strides, const int32_t *a_strides,
                       const int32_t *b_strides);
void deeploy_where_i64(const uint8_t *restrict cond, const int64_t *a, const int64_t *b,
                       int64_t *y, int32_t rank, const int32_t *shape,
                       const int32_t *cond_strides, const int32_t *a_strides,
                       const int32_t *b_strides);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_COMPARE_H_ */
