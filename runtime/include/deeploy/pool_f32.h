/* Deeploy runtime: pooling kernels (pool_f32.c). */
#ifndef DEEPLOY_POOL_F32_H_
#define DEEPLOY_POOL_F32_H_

#include "deeploy/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x viewed as [NC, H, W]; 1-D pooling is H = KH = 1. Windows may hang over the padding. */
void deeploy_maxpool2d_f32(const float *restrict x, float *restrict y,
                           int32_t NC, int32_t H, int32_t W, int32_t OH, int32_t OW,
                           int32_t KH, int32_t KW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL);
void deeploy_avgpool2d_f32(const float *restrict x, float *restrict y,
                           int32_t NC, int32_t H, int32_t W, int32_t OH, int32_t OW,
                           int32_t KH, int32_t KW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL,
                           int32_t PB, int32_t PR, int32_t count_include_pad);
void deeploy_global_avgpool_f32(const float *restrict x, float *restrict y, int32_t NC, int32_t HW);
void deeploy_global_maxpool_f32(const float *restrict x, float *restrict y, int32_t NC, int32_t HW);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_POOL_F32_H_ */
