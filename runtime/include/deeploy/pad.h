/* Deeploy runtime: Pad, any element type (pad.c). */
#ifndef DEEPLOY_PAD_H_
#define DEEPLOY_PAD_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEEPLOY_PAD_CONSTANT 0
#define DEEPLOY_PAD_EDGE 1
#define DEEPLOY_PAD_REFLECT 2
#define DEEPLOY_PAD_WRAP 3

/* y (contiguous, `out_shape`) is x (`in_shape`, element strides `in_strides`, the last one
 * 1) with pads_begin[d] >= 0 elements before it on axis d and the rest of out_shape[d]
 * after it, filled per `mode` (DEEPLOY_PAD_*). `value` points to one element of the
 * constant (NULL: all bits zero). elem_size is 1, 2, 4 or 8 bytes; rank <= DEEPLOY_MAX_RANK. */
void deeploy_pad(const void *restrict x, void *restrict y, const void *restrict value,
                 int32_t elem_size, int32_t rank, const int32_t *out_shape,
                 const int32_t *in_shape, const int32_t *in_strides, const int32_t *pads_begin,
                 int32_t mode);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_PAD_H_ */
