/*
 * Integer convolution (1-D as 2-D with height 1; grouped and depthwise), NCHW, int32
 * accumulation. deeploy_conv2d_<x>_<w>: input type x, weight type w (i8, u8, i16, i32).
 * y is int32 (mul NULL; accumulate adds to what y holds, for split input channels) or the
 * requantised type y_type. bias (int32, one per output channel) may be NULL.
 */
#ifndef DEEPLOY_CONV_INT_H_
#define DEEPLOY_CONV_INT_H_

#include "deeploy/common.h"
#include "deeploy/int_types.h"
#include "deeploy/requant.h"

#define DEEPLOY_DECLARE_CONV_INT(xn, xt, wn, wt)                                           \
    void deeploy_conv2d_##xn##_##wn(                                                       \
        const xt *restrict x, const wt *restrict w, const int32_t *restrict bias,          \
        void *restrict y, int32_t y_type, DEEPLOY_RQ_PARAMS, int32_t n, int32_t c,         \
        int32_t h, int32_t wd, int32_t f, int32_t kh, int32_t kw, int32_t oh, int32_t ow,  \
        int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,            \
        int32_t group, int32_t accumulate);

DEEPLOY_FOR_INT_PAIRS(DEEPLOY_DECLARE_CONV_INT)

#endif /* DEEPLOY_CONV_INT_H_ */
