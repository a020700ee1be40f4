/* Deeploy runtime: data movement, any element type kernels (data_movement.c). */
#ifndef DEEPLOY_DATA_MOVEMENT_H_
#define DEEPLOY_DATA_MOVEMENT_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y (contiguous, `shape`, rank <= DEEPLOY_MAX_RANK) reads x at element strides `x_strides`
 * from x's first element; strides may be negative (reversed axes) or 0 (broadcast axes).
 * Transpose, Slice, Expand, Tile, Gather with evenly spaced indices. */
void deeploy_strided_copy(const void *restrict x, void *restrict y, int32_t elem_size,
                          int32_t rank, const int32_t *shape, const int32_t *x_strides);
/* rows x row_bytes block copy between strided rows (Concat, Split). */
void deeploy_copy_2d(const void *restrict src, void *restrict dst, int32_t rows,
                     int32_t row_bytes, int32_t src_stride, int32_t dst_stride);
/* Gather: x is [outer, n, inner], y is [outer, count, inner] with y[o, j] = x[o, indices[j]].
 * Negative indices count from the end; indices still outside [0, n) give zero rows. */
void deeploy_gather_i32(const void *restrict x, const int32_t *restrict indices,
                        void *restrict y, int32_t elem_size, int32_t outer, int32_t n,
                        int32_t inner, int32_t count);
void deeploy_gather_i64(const void *restrict x, const int64_t *restrict indices,
                        void *restrict y, int32_t elem_size, int32_t outer, int32_t n,
                        int32_t inner, int32_t count);
/* y[0:count] = the element whose bit pattern is bits_hi:bits_lo (low elem_size bytes). */
void deeploy_fill(void *restrict y, int32_t elem_size, int32_t count, int32_t bits_lo,
                  int32_t bits_hi);
/* y[i] = *start + i * *delta (ONNX Range). */
void deeploy_range_f32(const float *restrict start, const float *restrict delta,
                       float *restrict y, int32_t count);
void deeploy_range_i32(const int32_t *restrict start, const int32_t *restrict delta,
                       int32_t *restrict y, int32_t count);
void deeploy_range_i64(const int64_t *restrict start, const int64_t *restrict delta,
                       int64_t *restrict y, int32_t count);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_DATA_MOVEMENT_H_ */
