/*
 * Integer pooling, NCHW (1-D as height 1), for each integer type t (i8, u8, i16, u16, i32):
 * the result has the input's type. Averages round half up: floor((sum + n/2) / n).
 */
#ifndef DEEPLOY_POOL_INT_H_
#define DEEPLOY_POOL_INT_H_

#include "deeploy/common.h"
#include "deeploy/common_int.h"

void deeploy_maxpool2d_i8(const int8_t *restrict x, int8_t *restrict y, int32_t NC, int32_t H,
                          int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW, int32_t SH,
                          int32_t SW, int32_t DH, int32_t DW, int32_t PT, int32_t PL);
void deeploy_avgpool2d_i8(const int8_t *restrict x, int8_t *restrict y, int32_t NC, int32_t H,
                          int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW, int32_t SH,
                          int32_t SW, int32_t DH, int32_t DW, int32_t PT, int32_t PL,
                          int32_t PB, int32_t PR, int32_t count_include_pad);
void deeploy_global_avgpool_i8(const int8_t *restrict x, int8_t *restrict y, int32_t NC,
                               int32_t HW);
void deeploy_global_maxpool_i8(const int8_t *restrict x, int8_t *restrict y, int32_t NC,
                               int32_t HW);
void deeploy_maxpool2d_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t NC, int32_t H,
                          int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW, int32_t SH,
                          int32_t SW, int32_t DH, int32_t DW, int32_t PT, int32_t PL);
void deeploy_avgpool2d_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t NC, int32_t H,
                          int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW, int32_t SH,
                          int32_t SW, int32_t DH, int32_t DW, int32_t PT, int32_t PL,
                          int32_t PB, int32_t PR, int32_t count_include_pad);
void deeploy_global_avgpool_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t NC,
                               int32_t HW);
void deeploy_global_maxpool_u8(const uint8_t *restrict x, uint8_t *restrict y, int32_t NC,
                               int32_t HW);
void deeploy_maxpool2d_i16(const int16_t *restrict x, int16_t *restrict y, int32_t NC,
                           int32_t H, int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,
                           int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,
                           int32_t PL);
void deeploy_avgpool2d_i16(const int16_t *restrict x, int16_t *restrict y, int32_t NC,
                           int32_t H, int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,
                           int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,
                           int32_t PL, int32_t PB, int32_t PR, int32_t count_include_pad);
void deeploy_global_avgpool_i16(const int16_t *restrict x, int16_t *restrict y, int32_t NC,
                                int32_t HW);
void deeploy_global_maxpool_i16(const int16_t *restrict x, int16_t *restrict y, int32_t NC,
                                int32_t HW);
void deeploy_maxpool2d_u16(const uint16_t *restrict x, uint16_t *restrict y, int32_t NC,
                           int32_t H, int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,
                           int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,
                           int32_t PL);
void deeploy_avgpool2d_u16(const uint16_t *restrict x, uint16_t *restrict y, int32_t NC,
                           int32_t H, int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,
                           int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,
                           int32_t PL, int32_t PB, int32_t PR, int32_t count_include_pad);
void deeploy_global_avgpool_u16(const uint16_t *restrict x, uint16_t *restrict y, int32_t NC,
                                int32_t HW);
void deeploy_global_maxpool_u16(const uint16_t *restrict x, uint16_t *restrict y, int32_t NC,
                                int32_t HW);
void deeploy_maxpool2d_i32(const int32_t *restrict x, int32_t *restrict y, int32_t NC,
                           int32_t H, int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,
                           int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,
                           int32_t PL);
void deeploy_avgpool2d_i32(const int32_t *restrict x, int32_t *restrict y, int32_t NC,
                           int32_t H, int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,
                           int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,
                           int32_t PL, int32_t PB, int32_t PR, int32_t count_include_pad);
void deeploy_global_avgpool_i32(const int32_t *restrict x, int32_t *restrict y, int32_t NC,
                                int32_t HW);
void deeploy_global_maxpool_i32(const int32_t *restrict x, int32_t *restrict y, int32_t NC,
                                int32_t HW);

#endif /* DEEPLOY_POOL_INT_H_ */
