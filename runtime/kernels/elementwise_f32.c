/* Broadcasting binary elementwise kernels, float32. See deeploy_kernels.h.
 * The innermost axis gets dedicated loops for the contiguous/broadcast stride patterns
 * so that compilers can vectorise them; outer axes advance with an odometer. */
#include <math.h>

#include "deeploy/elementwise.h"

#define OP_add(a, b) ((a) + (b))
#define OP_sub(a, b) ((a) - (b))
#define OP_mul(a, b) ((a) * (b))
#define OP_div(a, b) ((a) / (b))
#define OP_pow(a, b) powf((a), (b))
#define OP_max(a, b) ((a) > (b) ? (a) : (b))
#define OP_min(a, b) ((a) < (b) ? (a) : (b))

#define DEFINE_BINARY(name)                                                               \
    void deeploy_##name##_f32(const float *restrict a, const float *restrict b,           \
                              float *restrict y, int32_t rank, const int32_t *shape,      \
                              const int32_t *a_strides, const int32_t *b_strides) {       \
        int32_t idx[DEEPLOY_MAX_RANK] = {0};                                              \
        const int32_t inner = shape[rank - 1];                                            \
        const int32_t as = a_strides[rank - 1], bs = b_strides[rank - 1];                 \
        int32_t outer = 1;                                                                \
        for (int32_t d = 0; d + 1 < rank; ++d) outer *= shape[d];                         \
        size_t ao = 0, bo = 0;                                                            \
        for (int32_t o = 0; o < outer; ++o) {                                             \
            const float *restrict ap = a + ao;                                            \
            const float *restrict bp = b + bo;                                            \
            float *restrict yp = y + (size_t)o * inner;                                   \
            if (as == 1 && bs == 1) {                                                     \
                for (int32_t i = 0; i < inner; ++i) yp[i] = OP_##name(ap[i], bp[i]);      \
            } else if (as == 1 && bs == 0) {                                              \
                const float bv = bp[0];                                                   \
                for (int32_t i = 0; i < inner; ++i) yp[i] = OP_##name(ap[i], bv);         \
            } else if (as == 0 && bs == 1) {                                              \
                const float av = ap[0];                                                   \
                for (int32_t i = 0; i < inner; ++i) yp[i] = OP_##name(av, bp[i]);         \
            } else {                                                                      \
                for (int32_t i = 0; i < inner; ++i)                                       \
                    yp[i] = OP_##name(ap[(size_t)i * as], bp[(size_t)i * bs]);            \
            }                                                                             \
            for (int32_t d = rank - 2; d >= 0; --d) {                                     \
                ao += (size_t)a_strides[d];                                               \
                bo += (size_t)b_strides[d];                                               \
                if (++idx[d] < shape[d]) break;                                           \
                ao -= (size_t)a_strides[d] * (size_t)shape[d];                            \
                bo -= (size_t)b_strides[d] * (size_t)shape[d];                            \
                idx[d] = 0;                                                               \
            }                                                                             \
        }                                                                                 \
    }

DEEPLOY_BINARY_KERNELS(DEFINE_BINARY)
