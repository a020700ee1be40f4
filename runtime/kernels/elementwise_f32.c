/* Broadcasting binary elementwise kernels, float32. See deeploy/elementwise_f32.h.
 *
 * The innermost axis gets 4-wide vector loops for the three stride patterns that matter
 * (both contiguous, one operand broadcast); outer axes advance with an odometer. `y` may
 * be `a` itself (in-place execution), so neither carries `restrict`: every vector step
 * loads its operands before storing the result at the same index. */
#include <math.h>

#include "deeploy/elementwise_f32.h"
#include "deeploy/simd.h"

#define SCALAR_add(a, b) ((a) + (b))
#define SCALAR_sub(a, b) ((a) - (b))
#define SCALAR_mul(a, b) ((a) * (b))
#define SCALAR_div(a, b) ((a) / (b))
#define SCALAR_pow(a, b) powf((a), (b))
#define SCALAR_max(a, b) ((a) > (b) ? (a) : (b))
#define SCALAR_min(a, b) ((a) < (b) ? (a) : (b))

#define VECTOR_add(a, b) dv4_add((a), (b))
#define VECTOR_sub(a, b) dv4_sub((a), (b))
#define VECTOR_mul(a, b) dv4_mul((a), (b))
#define VECTOR_div(a, b) dv4_div((a), (b))
#define VECTOR_max(a, b) dv4_max((a), (b))
#define VECTOR_min(a, b) dv4_min((a), (b))

/* One contiguous row of y from rows of a and b read with strides as (1|0) or any. */
#define DEFINE_ROW(name)                                                                   \
    static void row_##name(const float *a, const float *restrict b, float *y, int32_t n,  \
                           int32_t as, int32_t bs) {                                       \
        int32_t i = 0;                                                                     \
        if (as == 1 && bs == 1) {                                                          \
            for (; i + 4 <= n; i += 4)                                                     \
                dv4_store(y + i, VECTOR_##name(dv4_load(a + i), dv4_load(b + i)));         \
        } else if (as == 1 && bs == 0) {                                                   \
            const dv4 bv = dv4_splat(b[0]);                                                \
            for (; i + 4 <= n; i += 4) dv4_store(y + i, VECTOR_##name(dv4_load(a + i), bv)); \
        } else if (as == 0 && bs == 1) {                                                   \
            const dv4 av = dv4_splat(a[0]);                                                \
            for (; i + 4 <= n; i += 4) dv4_store(y + i, VECTOR_##name(av, dv4_load(b + i))); \
        }                                                                                  \
        for (; i < n; ++i)                                                                 \
            y[i] = SCALAR_##name(a[(ptrdiff_t)i * as], b[(ptrdiff_t)i * bs]);              \
    }

/* pow has no vector form: its row is scalar (powf dominates anyway). */
#define DEFINE_SCALAR_ROW(name)                                                            \
    static void row_##name(const float *a, const float *restrict b, float *y, int32_t n,  \
                           int32_t as, int32_t bs) {                                       \
        for (int32_t i = 0; i < n; ++i)                                                    \
            y[i] = SCALAR_##name(a[(ptrdiff_t)i * as], b[(ptrdiff_t)i * bs]);              \
    }

#define DEFINE_BINARY(name)                                                                \
    void deeploy_##name##_f32(const float *a, const float *restrict b, float *y,          \
                              int32_t rank, const int32_t *shape,                          \
                              const int32_t *a_strides, const int32_t *b_strides) {        \
        int32_t idx[DEEPLOY_MAX_RANK] = {0};                                               \
        const int32_t inner = shape[rank - 1];                                             \
        int32_t outer = 1;                                                                 \
        for (int32_t d = 0; d + 1 < rank; ++d) outer *= shape[d];                          \
        ptrdiff_t ao = 0, bo = 0;                                                          \
        for (int32_t o = 0; o < outer; ++o) {                                              \
            row_##name(a + ao, b + bo, y + (ptrdiff_t)o * inner, inner,                    \
                       a_strides[rank - 1], b_strides[rank - 1]);                          \
            for (int32_t d = rank - 2; d >= 0; --d) {                                      \
                ao += a_strides[d];                                                        \
                bo += b_strides[d];                                                        \
                if (++idx[d] < shape[d]) break;                                            \
                ao -= (ptrdiff_t)a_strides[d] * shape[d];                                  \
                bo -= (ptrdiff_t)b_strides[d] * shape[d];                                  \
                idx[d] = 0;                                                                \
            }                                                                              \
        }                                                                                  \
    }

DEFINE_ROW(add)
DEFINE_ROW(sub)
DEFINE_ROW(mul)
DEFINE_ROW(div)
DEFINE_ROW(max)
DEFINE_ROW(min)
DEFINE_SCALAR_ROW(pow)

/* the kernels, each declared in elementwise_f32.h */
#define DEEPLOY_BINARY_KERNELS(X) \
    X(add) X(sub) X(mul) X(div) X(pow) X(max) X(min)
DEEPLOY_BINARY_KERNELS(DEFINE_BINARY)
