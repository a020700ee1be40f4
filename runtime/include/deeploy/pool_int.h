/*
 * Integer pooling, NCHW (1-D as height 1), for each integer type t (i8, u8, i16, u16, i32):
 * the result has the input's type. Averages round half up: floor((sum + n/2) / n).
 */
#ifndef DEEPLOY_POOL_INT_H_
#define DEEPLOY_POOL_INT_H_

#include "deeploy/common.h"
#include "deeploy/int_types.h"

#define DEEPLOY_DECLARE_POOL_INT(tn, tt)                                                    \
    void deeploy_maxpool2d_##tn(const tt *restrict x, tt *restrict y, int32_t NC, int32_t H, \
                                int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,   \
                                int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,  \
                                int32_t PL);                                                 \
    void deeploy_avgpool2d_##tn(const tt *restrict x, tt *restrict y, int32_t NC, int32_t H, \
                                int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,   \
                                int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,  \
                                int32_t PL, int32_t PB, int32_t PR, int32_t count_include_pad); \
    void deeploy_global_avgpool_##tn(const tt *restrict x, tt *restrict y, int32_t NC,      \
                                     int32_t HW);                                            \
    void deeploy_global_maxpool_##tn(const tt *restrict x, tt *restrict y, int32_t NC,      \
                                     int32_t HW);

DEEPLOY_FOR_INT_TYPES(DEEPLOY_DECLARE_POOL_INT)

#endif /* DEEPLOY_POOL_INT_H_ */
