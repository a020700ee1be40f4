/* Deeploy runtime: convolution kernels (conv_f32.c). */
#ifndef DEEPLOY_CONV_F32_H_
#define DEEPLOY_CONV_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Direct grouped 2-D convolution; 1-D convolution is H = KH = 1. Padding is applied on
 * the fly (no padded copy). Outputs are clamped to [act_min, act_max] (fused activation).
 * With `accumulate`, the result is added to y (a tile of a split input-channel range:
 * bias on the first part only, the activation on the last). */
void deeploy_conv2d_f32(const float *restrict x, const float *restrict w,
                        const float *restrict bias, float *restrict y,
                        int32_t N, int32_t C, int32_t H, int32_t W,
                        int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW,
                        int32_t SH, int32_t SW, int32_t DH, int32_t DW,
                        int32_t PT, int32_t PL, int32_t G,
                        float act_min, float act_max, int32_t accumulate);

/* The same convolution with the weights packed by the compiler in blocks of 4 output
 * channels: wp[g][f / 4][c][kh][kw][f % 4] (the group's F/G channels must be a multiple of
 * 4). Computes 4 channels x 4 columns per register tile. */
void deeploy_conv2d_packed_f32(const float *restrict x, const float *restrict wp,
                               const float *restrict bias, float *restrict y,
                               int32_t N, int32_t C, int32_t H, int32_t W,
                               int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW,
                               int32_t SH, int32_t SW, int32_t DH, int32_t DW,
                               int32_t PT, int32_t PL, int32_t G,
                               float act_min, float act_max, int32_t accumulate);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_CONV_F32_H_ */
