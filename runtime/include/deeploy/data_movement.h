/* Deeploy runtime: data movement, any element type kernels (data_movement*.c). */
#ifndef DEEPLOY_DATA_MOVEMENT_H_
#define DEEPLOY_DATA_MOVEMENT_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y (contiguous, `shape`) gathers x with element strides `x_strides`; elem_size bytes. */
void deeploy_transpose(const void *restrict x, void *restrict y, int32_t elem_size,
                       int32_t rank, const int32_t *shape, const int32_t *x_strides);
/* rows x row_bytes block copy between strided rows (Concat, Slice, Split). */
void deeploy_copy_2d(const void *restrict src, void *restrict dst, int32_t rows,
                     int32_t row_bytes, int32_t src_stride, int32_t dst_stride);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_DATA_MOVEMENT_H_ */
