/* Type-agnostic data movement: transposition and strided block copies. */
#include <string.h>

#include "deeploy/data_movement.h"

#define DEFINE_GATHER(bits)                                                                \
    static void gather_##bits(const uint##bits##_t *restrict x, uint##bits##_t *restrict y, \
                              int32_t rank, const int32_t *shape, const int32_t *xs) {      \
        int32_t idx[DEEPLOY_MAX_RANK] = {0};                                               \
        const int32_t inner = shape[rank - 1], is = xs[rank - 1];                          \
        int32_t outer = 1;                                                                 \
        for (int32_t d = 0; d + 1 < rank; ++d) outer *= shape[d];                          \
        size_t xo = 0;                                                                     \
        for (int32_t o = 0; o < outer; ++o) {                                              \
            const uint##bits##_t *restrict xp = x + xo;                                    \
            uint##bits##_t *restrict yp = y + (size_t)o * inner;                           \
            for (int32_t i = 0; i < inner; ++i) yp[i] = xp[(size_t)i * is];                \
            for (int32_t d = rank - 2; d >= 0; --d) {                                      \
                xo += (size_t)xs[d];                                                       \
                if (++idx[d] < shape[d]) break;                                            \
                xo -= (size_t)xs[d] * (size_t)shape[d];                                    \
                idx[d] = 0;                                                                \
            }                                                                              \
        }                                                                                  \
    }

DEFINE_GATHER(8)
DEFINE_GATHER(16)
DEFINE_GATHER(32)
DEFINE_GATHER(64)

void deeploy_transpose(const void *restrict x, void *restrict y, int32_t elem_size,
                       int32_t rank, const int32_t *shape, const int32_t *x_strides) {
    switch (elem_size) {
    case 1: gather_8((const uint8_t *)x, (uint8_t *)y, rank, shape, x_strides); break;
    case 2: gather_16((const uint16_t *)x, (uint16_t *)y, rank, shape, x_strides); break;
    case 4: gather_32((const uint32_t *)x, (uint32_t *)y, rank, shape, x_strides); break;
    default: gather_64((const uint64_t *)x, (uint64_t *)y, rank, shape, x_strides); break;
    }
}

void deeploy_copy_2d(const void *restrict src, void *restrict dst, int32_t rows,
                     int32_t row_bytes, int32_t src_stride, int32_t dst_stride) {
    const uint8_t *s = (const uint8_t *)src;
    uint8_t *d = (uint8_t *)dst;
    for (int32_t r = 0; r < rows; ++r) {
        memcpy(d + (size_t)r * dst_stride, s + (size_t)r * src_stride, (size_t)row_bytes);
    }
}
