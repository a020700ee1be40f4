/*
 * Deeploy runtime: definitions shared by the integer kernels (the integer counterpart of
 * common.h).
 *
 * The (input, weight) element type pairs integer kernels are instantiated for:
 * DEEPLOY_FOR_INT_PAIRS(M) expands M(xn, xt, wn, wt) once per pair, with the short names
 * (i8, u8, i16, i32) kernel symbols carry and the C types.
 */
#ifndef DEEPLOY_COMMON_INT_H_
#define DEEPLOY_COMMON_INT_H_

#include <stddef.h>
#include <stdint.h>

#define DEEPLOY_FOR_W_(M, xn, xt)                                                          \
    M(xn, xt, i8, int8_t)                                                                  \
    M(xn, xt, u8, uint8_t)                                                                 \
    M(xn, xt, i16, int16_t)                                                                \
    M(xn, xt, i32, int32_t)

#define DEEPLOY_FOR_INT_PAIRS(M)                                                           \
    DEEPLOY_FOR_W_(M, i8, int8_t)                                                          \
    DEEPLOY_FOR_W_(M, u8, uint8_t)                                                         \
    DEEPLOY_FOR_W_(M, i16, int16_t)                                                        \
    DEEPLOY_FOR_W_(M, i32, int32_t)

/* The 8-bit pairs alone (the 8-bit matrix engine's, deeploy/gemm8.h) */
#define DEEPLOY_FOR_INT8_PAIRS(M)                                                          \
    M(i8, int8_t, i8, int8_t)                                                              \
    M(i8, int8_t, u8, uint8_t)                                                             \
    M(u8, uint8_t, i8, int8_t)                                                             \
    M(u8, uint8_t, u8, uint8_t)

#define DEEPLOY_FOR_INT_TYPES(M)                                                           \
    M(i8, int8_t)                                                                          \
    M(u8, uint8_t)                                                                         \
    M(i16, int16_t)                                                                        \
    M(u16, uint16_t)                                                                       \
    M(i32, int32_t)

/* n elements of an integer buffer of run-time type `type` (DEEPLOY_I8, ... in
 * deeploy/requant.h), read from element `at` with element stride `stride`, as int32. */
static inline void deeploy_load_i32(const void *p, int32_t type, ptrdiff_t at, int32_t n,
                                    ptrdiff_t stride, int32_t *restrict dst) {
    switch (type) {
    case 0: for (int32_t i = 0; i < n; ++i) dst[i] = ((const int8_t *)p)[at + i * stride]; break;
    case 1: for (int32_t i = 0; i < n; ++i) dst[i] = ((const uint8_t *)p)[at + i * stride]; break;
    case 2: for (int32_t i = 0; i < n; ++i) dst[i] = ((const int16_t *)p)[at + i * stride]; break;
    case 3: for (int32_t i = 0; i < n; ++i) dst[i] = ((const uint16_t *)p)[at + i * stride]; break;
    default: for (int32_t i = 0; i < n; ++i) dst[i] = ((const int32_t *)p)[at + i * stride]; break;
    }
}

/* floor((sum + n / 2) / n) for n > 0: integer mean, rounding half up */
static inline int64_t deeploy_mean_round(int64_t sum, int64_t n) {
    const int64_t v = sum + n / 2;
    return v >= 0 ? v / n : -((-v + n - 1) / n);
}

#endif /* DEEPLOY_COMMON_INT_H_ */
