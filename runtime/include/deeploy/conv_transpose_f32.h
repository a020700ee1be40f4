/* Deeploy runtime: transposed convolution kernels (conv_transpose_f32.c). */
#ifndef DEEPLOY_CONV_TRANSPOSE_F32_H_
#define DEEPLOY_CONV_TRANSPOSE_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ONNX ConvTranspose, NCHW: x [N, C, H, W], w [C, F/G, KH, KW], bias [F] or NULL,
 * y [N, F, OH, OW]. Input (ih, iw) tap (kh, kw) adds to output
 * (ih*SH + kh*DH - PT, iw*SW + kw*DW - PL) when that lies inside OH x OW; the end
 * padding and output_padding are implied by OH and OW. 1-D: H = KH = OH = SH = DH = 1. */
void deeploy_conv_transpose2d_f32(const float *restrict x, const float *restrict w,
                                  const float *restrict bias, float *restrict y,
                                  int32_t N, int32_t C, int32_t H, int32_t W,
                                  int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW,
                                  int32_t SH, int32_t SW, int32_t DH, int32_t DW,
                                  int32_t PT, int32_t PL, int32_t G);

/* The case where stride == kernel, no padding, dilation 1, one group and F % 4 == 0
 * (patch upsampling): wp holds the weights packed as [kh][kw][f / 4][c][f % 4]. */
void deeploy_conv_transpose_patch_f32(const float *restrict x, const float *restrict wp,
                                      const float *restrict bias, float *restrict y,
                                      int32_t N, int32_t C, int32_t H, int32_t W, int32_t F,
                                      int32_t KH, int32_t KW);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_CONV_TRANSPOSE_F32_H_ */
