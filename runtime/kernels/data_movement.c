/* Type-agnostic data movement: strided copies, block copies, index gathers, fills. */
#include <string.h>

#include "deeploy/data_movement.h"

/* One body per element width: elements move as unsigned integers of that width, so any
 * element type of that size (floats included) is copied bit for bit. */
#define DEFINE_STRIDED(bits)                                                                \
    static void strided_##bits(const uint##bits##_t *restrict x, uint##bits##_t *restrict y, \
                               int32_t rank, const int32_t *shape, const int32_t *xs) {      \
        int32_t idx[DEEPLOY_MAX_RANK] = {0};                                                \
        const int32_t inner = shape[rank - 1];                                              \
        const ptrdiff_t is = xs[rank - 1];                                                  \
        int32_t outer = 1;                                                                  \
        for (int32_t d = 0; d + 1 < rank; ++d) outer *= shape[d];                           \
        ptrdiff_t xo = 0;                                                                   \
        for (int32_t o = 0; o < outer; ++o) {                                               \
            const uint##bits##_t *restrict xp = x + xo;                                     \
            uint##bits##_t *restrict yp = y + (size_t)o * (size_t)inner;                    \
            if (is == 1) {                                                                  \
                memcpy(yp, xp, (size_t)inner * sizeof(*yp));                                \
            } else {                                                                        \
                for (int32_t i = 0; i < inner; ++i) yp[i] = xp[(ptrdiff_t)i * is];          \
            }                                                                               \
            for (int32_t d = rank - 2; d >= 0; --d) {                                       \
                xo += xs[d];                                                                \
                if (++idx[d] < shape[d]) break;                                             \
                xo -= (ptrdiff_t)xs[d] * shape[d];                                          \
                idx[d] = 0;                                                                 \
            }                                                                               \
        }                                                                                   \
    }

DEFINE_STRIDED(8)
DEFINE_STRIDED(16)
DEFINE_STRIDED(32)
DEFINE_STRIDED(64)

void deeploy_strided_copy(const void *restrict x, void *restrict y, int32_t elem_size,
                          int32_t rank, const int32_t *shape, const int32_t *x_strides) {
    switch (elem_size) {
    case 1: strided_8((const uint8_t *)x, (uint8_t *)y, rank, shape, x_strides); break;
    case 2: strided_16((const uint16_t *)x, (uint16_t *)y, rank, shape, x_strides); break;
    case 4: strided_32((const uint32_t *)x, (uint32_t *)y, rank, shape, x_strides); break;
    default: strided_64((const uint64_t *)x, (uint64_t *)y, rank, shape, x_strides); break;
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

/* Rows are whole [inner] blocks, so one memcpy per index whatever the element type. */
#define DEFINE_GATHER(name, T)                                                              \
    void deeploy_gather_##name(const void *restrict x, const T *restrict indices,           \
                               void *restrict y, int32_t elem_size, int32_t outer,          \
                               int32_t n, int32_t inner, int32_t count) {                   \
        const size_t row = (size_t)inner * (size_t)elem_size;                               \
        const uint8_t *xb = (const uint8_t *)x;                                             \
        uint8_t *yb = (uint8_t *)y;                                                         \
        for (int32_t o = 0; o < outer; ++o) {                                               \
            for (int32_t j = 0; j < count; ++j) {                                           \
                const T k = indices[j] < 0 ? indices[j] + n : indices[j];                   \
                uint8_t *dst = yb + ((size_t)o * (size_t)count + (size_t)j) * row;          \
                if (k >= 0 && k < n) {                                                      \
                    memcpy(dst, xb + ((size_t)o * (size_t)n + (size_t)k) * row, row);       \
                } else {                                                                    \
                    memset(dst, 0, row);                                                    \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    }

DEFINE_GATHER(i32, int32_t)
DEFINE_GATHER(i64, int64_t)

void deeploy_fill(void *restrict y, int32_t elem_size, int32_t count, int32_t bits_lo,
                  int32_t bits_hi) {
    const uint64_t bits = ((uint64_t)(uint32_t)bits_hi << 32) | (uint32_t)bits_lo;
    switch (elem_size) {
    case 1: {
        uint8_t *restrict p = (uint8_t *)y;
        for (int32_t i = 0; i < count; ++i) p[i] = (uint8_t)bits;
        break;
    }
    case 2: {
        uint16_t *restrict p = (uint16_t *)y;
        for (int32_t i = 0; i < count; ++i) p[i] = (uint16_t)bits;
        break;
    }
    case 4: {
        uint32_t *restrict p = (uint32_t *)y;
        for (int32_t i = 0; i < count; ++i) p[i] = (uint32_t)bits;
        break;
    }
    default: {
        uint64_t *restrict p = (uint64_t *)y;
        for (int32_t i = 0; i < count; ++i) p[i] = bits;
        break;
    }
    }
}

/* W is wide enough that start + i * delta cannot overflow before the result fits T. */
#define DEFINE_RANGE(name, T, W)                                                            \
    void deeploy_range_##name(const T *restrict start, const T *restrict delta,             \
                              T *restrict y, int32_t count) {                               \
        const W s = (W)*start, d = (W)*delta;                                               \
        for (int32_t i = 0; i < count; ++i) y[i] = (T)(s + (W)i * d);                       \
    }

DEFINE_RANGE(f32, float, float)
DEFINE_RANGE(i32, int32_t, int64_t)
DEFINE_RANGE(i64, int64_t, int64_t)
