/* Pad, any element type (selected by element size): constant, edge, reflect and wrap. */
#include <string.h>

#include "deeploy/pad.h"

/* The index into an input axis of length n that output index o reads, or -1 where the
 * output takes the constant. The binder keeps reflect pads below n. */
static int32_t pad_source(int32_t o, int32_t pad_begin, int32_t n, int32_t mode) {
    const int32_t j = o - pad_begin;
    if (j >= 0 && j < n) return j;
    switch (mode) {
    case DEEPLOY_PAD_EDGE: return j < 0 ? 0 : n - 1;
    case DEEPLOY_PAD_REFLECT: return j < 0 ? -j : 2 * (n - 1) - j;
    case DEEPLOY_PAD_WRAP: {
        const int32_t r = j % n;
        return r < 0 ? r + n : r;
    }
    default: return -1;
    }
}

/* Output rows (all axes but the last) are filled one at a time: a row whose outer index
 * falls in a constant margin is all `value`, any other copies its source row and fills
 * its own margins. */
#define DEFINE_PAD(bits)                                                                     \
    static void pad_##bits(const uint##bits##_t *restrict x, uint##bits##_t *restrict y,    \
                           uint##bits##_t value, int32_t rank, const int32_t *out_shape,    \
                           const int32_t *in_shape, const int32_t *in_strides,              \
                           const int32_t *pads_begin, int32_t mode) {                       \
        int32_t idx[DEEPLOY_MAX_RANK] = {0};                                                 \
        const int32_t last = rank - 1;                                                       \
        const int32_t out_n = out_shape[last], in_n = in_shape[last], pb = pads_begin[last]; \
        int32_t rows = 1;                                                                    \
        for (int32_t d = 0; d < last; ++d) rows *= out_shape[d];                             \
        for (int32_t r = 0; r < rows; ++r) {                                                 \
            uint##bits##_t *restrict yr = y + (size_t)r * out_n;                             \
            ptrdiff_t src = 0;                                                               \
            int32_t inside = 1;                                                              \
            for (int32_t d = 0; d < last; ++d) {                                             \
                const int32_t s = pad_source(idx[d], pads_begin[d], in_shape[d], mode);      \
                inside &= s >= 0;                                                            \
                src += (ptrdiff_t)(s < 0 ? 0 : s) * in_strides[d];                           \
            }                                                                                \
            if (!inside) {                                                                   \
                for (int32_t o = 0; o < out_n; ++o) yr[o] = value;                           \
            } else {                                                                         \
                const uint##bits##_t *restrict xr = x + src;                                 \
                for (int32_t o = 0; o < pb; ++o) {                                           \
                    const int32_t s = pad_source(o, pb, in_n, mode);                         \
                    yr[o] = s < 0 ? value : xr[s];                                           \
                }                                                                            \
                for (int32_t j = 0; j < in_n; ++j) yr[pb + j] = xr[j];                       \
                for (int32_t o = pb + in_n; o < out_n; ++o) {                                \
                    const int32_t s = pad_source(o, pb, in_n, mode);                         \
                    yr[o] = s < 0 ? value : xr[s];                                           \
                }                                                                            \
            }                                                                                \
            for (int32_t d = last - 1; d >= 0; --d) {                                        \
                if (++idx[d] < out_shape[d]) break;                                          \
                idx[d] = 0;                                                                  \
            }                                                                                \
        }                                                                                    \
    }

DEFINE_PAD(8)
DEFINE_PAD(16)
DEFINE_PAD(32)
DEFINE_PAD(64)

#define PAD_AS(bits)                                                                          \
    do {                                                                                      \
        uint##bits##_t v = 0;                                                                 \
        if (value) memcpy(&v, value, sizeof v);                                               \
        pad_##bits((const uint##bits##_t *)x, (uint##bits##_t *)y, v, rank, out_shape,       \
                   in_shape, in_strides, pads_begin, mode);                                   \
    } while (0)

void deeploy_pad(const void *restrict x, void *restrict y, const void *restrict value,
                 int32_t elem_size, int32_t rank, const int32_t *out_shape,
                 const int32_t *in_shape, const int32_t *in_strides, const int32_t *pads_begin,
                 int32_t mode) {
    switch (elem_size) {
    case 1: PAD_AS(8); break;
    case 2: PAD_AS(16); break;
    case 4: PAD_AS(32); break;
    default: PAD_AS(64); break;
    }
}
