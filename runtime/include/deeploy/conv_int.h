/*
 * Integer convolution (1-D as 2-D with height 1; grouped and depthwise), NCHW, int32
 * accumulation. deeploy_conv2d_<x>_<w>: input type x, weight type w (i8, u8, i16, i32).
 * y is int32 (mul NULL; accumulate adds to what y holds, for split input channels) or the
 * requantised type y_type (the rq_* arguments: DEEPLOY_RQ_PARAMS of deeploy/requant.h).
 * bias (int32, one per output channel) may be NULL.
 */
#ifndef DEEPLOY_CONV_INT_H_
#define DEEPLOY_CONV_INT_H_

#include "deeploy/common.h"
#include "deeploy/common_int.h"
#include "deeploy/requant.h"

void deeploy_conv2d_i8_i8(const int8_t *restrict x, const int8_t *restrict w,
                          const int32_t *restrict bias, void *restrict y, int32_t y_type,
                          const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                          int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                          int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                          int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                          int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                          int32_t accumulate);
void deeploy_conv2d_i8_u8(const int8_t *restrict x, const uint8_t *restrict w,
                          const int32_t *restrict bias, void *restrict y, int32_t y_type,
                          const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                          int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                          int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                          int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                          int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                          int32_t accumulate);
void deeploy_conv2d_i8_i16(const int8_t *restrict x, const int16_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                           int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                           int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                           int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                           int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                           int32_t accumulate);
void deeploy_conv2d_i8_i32(const int8_t *restrict x, const int32_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                           int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                           int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                           int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                           int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                           int32_t accumulate);
void deeploy_conv2d_u8_i8(const uint8_t *restrict x, const int8_t *restrict w,
                          const int32_t *restrict bias, void *restrict y, int32_t y_type,
                          const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                          int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                          int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                          int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                          int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                          int32_t accumulate);
void deeploy_conv2d_u8_u8(const uint8_t *restrict x, const uint8_t *restrict w,
                          const int32_t *restrict bias, void *restrict y, int32_t y_type,
                          const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                          int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                          int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                          int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                          int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                          int32_t accumulate);
void deeploy_conv2d_u8_i16(const uint8_t *restrict x, const int16_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                           int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                           int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                           int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                           int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                           int32_t accumulate);
void deeploy_conv2d_u8_i32(const uint8_t *restrict x, const int32_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                           int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                           int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                           int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                           int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                           int32_t accumulate);
void deeploy_conv2d_i16_i8(const int16_t *restrict x, const int8_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                           int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                           int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                           int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                           int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                           int32_t accumulate);
void deeploy_conv2d_i16_u8(const int16_t *restrict x, const uint8_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                           int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                           int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                           int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                           int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                           int32_t accumulate);
void deeploy_conv2d_i16_i16(const int16_t *restrict x, const int16_t *restrict w,
                            const int32_t *restrict bias, void *restrict y, int32_t y_type,
                            const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                            int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                            int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                            int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                            int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                            int32_t accumulate);
void deeploy_conv2d_i16_i32(const int16_t *restrict x, const int32_t *restrict w,
                            const int32_t *restrict bias, void *restrict y, int32_t y_type,
                            const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                            int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                            int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                            int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                            int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                            int32_t accumulate);
void deeploy_conv2d_i32_i8(const int32_t *restrict x, const int8_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                           int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                           int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                           int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                           int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                           int32_t accumulate);
void deeploy_conv2d_i32_u8(const int32_t *restrict x, const uint8_t *restrict w,
                           const int32_t *restrict bias, void *restrict y, int32_t y_type,
                           const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                           int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                           int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                           int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                           int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                           int32_t accumulate);
void deeploy_conv2d_i32_i16(const int32_t *restrict x, const int16_t *restrict w,
                            const int32_t *restrict bias, void *restrict y, int32_t y_type,
                            const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                            int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                            int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                            int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                            int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                            int32_t accumulate);
void deeploy_conv2d_i32_i32(const int32_t *restrict x, const int32_t *restrict w,
                            const int32_t *restrict bias, void *restrict y, int32_t y_type,
                            const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                            int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                            int32_t n, int32_t c, int32_t h, int32_t wd, int32_t f, int32_t kh,
                            int32_t kw, int32_t oh, int32_t ow, int32_t sh, int32_t sw,
                            int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                            int32_t accumulate);

#endif /* DEEPLOY_CONV_INT_H_ */
