/* Comparisons, boolean logic and Where with numpy broadcasting (see compare.h).
 * The outer axes advance with an odometer; the innermost axis runs one of the loops stamped
 * out below for its 0/1 stride pattern, with the strides as constants so that compilers see
 * contiguous or loop-invariant reads and can vectorise. In-place operands (no `restrict`)
 * are safe: each element is read before the result at its index is stored. */
#include "deeploy/compare.h"

static int32_t outer_count(int32_t rank, const int32_t *shape) {
    int32_t outer = 1;
    for (int32_t d = 0; d + 1 < rank; ++d) outer *= shape[d];
    return outer;
}

/* One step of the odometer `idx` over the outer axes, moving the `count` input offsets. */
static void step(int32_t rank, const int32_t *shape, int32_t *idx, int32_t count,
                 const int32_t *const *strides, size_t *offsets) {
    for (int32_t d = rank - 2; d >= 0; --d) {
        for (int32_t k = 0; k < count; ++k) offsets[k] += (size_t)strides[k][d];
        if (++idx[d] < shape[d]) return;
        for (int32_t k = 0; k < count; ++k) {
            offsets[k] -= (size_t)strides[k][d] * (size_t)shape[d];
        }
        idx[d] = 0;
    }
}

#define OP_equal(a, b) ((a) == (b))
#define OP_less(a, b) ((a) < (b))
#define OP_greater(a, b) ((a) > (b))
#define OP_less_equal(a, b) ((a) <= (b))
#define OP_greater_equal(a, b) ((a) >= (b))
/* operands are 0 or 1 */
#define OP_and(a, b) ((a) & (b))
#define OP_or(a, b) ((a) | (b))
#define OP_xor(a, b) ((a) ^ (b))

#define INNER2(OP, TY, AS, BS) \
    for (int32_t i = 0; i < inner; ++i) yp[i] = (TY)OP(ap[i * (AS)], bp[i * (BS)])

#define DEFINE_BROADCAST2(name, OP, T, TY, Q)                                             \
    void deeploy_##name(const T *Q a, const T *restrict b, TY *Q y, int32_t rank,         \
                        const int32_t *shape, const int32_t *a_strides,                   \
                        const int32_t *b_strides) {                                       \
        const int32_t *const strides[2] = {a_strides, b_strides};                         \
        size_t offsets[2] = {0, 0};                                                       \
        int32_t idx[DEEPLOY_MAX_RANK] = {0};                                              \
        const int32_t inner = shape[rank - 1];                                            \
        const int32_t pattern = a_strides[rank - 1] * 2 + b_strides[rank - 1];            \
        const int32_t outer = outer_count(rank, shape);                                   \
        for (int32_t o = 0; o < outer; ++o) {                                             \
            const T *Q ap = a + offsets[0];                                               \
            const T *restrict bp = b + offsets[1];                                        \
            TY *Q yp = y + (size_t)o * (size_t)inner;                                     \
            switch (pattern) {                                                            \
            case 3: INNER2(OP, TY, 1, 1); break;                                          \
            case 2: INNER2(OP, TY, 1, 0); break;                                          \
            case 1: INNER2(OP, TY, 0, 1); break;                                          \
            default: INNER2(OP, TY, 0, 0); break;                                         \
            }                                                                             \
            step(rank, shape, idx, 2, strides, offsets);                                  \
        }                                                                                 \
    }

/* The instances, each declared in compare.h: comparisons for float32, int32 and int64
 * (Equal also for bool), logic on bools, Where for float32, int32 and int64. */
#define DEEPLOY_COMPARE_OPS(X) X(equal) X(less) X(greater) X(less_equal) X(greater_equal)
#define DEEPLOY_COMPARE_TYPES(X, op) X(op, f32, float) X(op, i32, int32_t) X(op, i64, int64_t)
#define DEEPLOY_LOGIC_OPS(X) X(and) X(or) X(xor)
#define DEEPLOY_WHERE_TYPES(X) X(f32, float) X(i32, int32_t) X(i64, int64_t)

#define DEFINE_COMPARE(op, suffix, T) \
    DEFINE_BROADCAST2(op##_##suffix, OP_##op, T, uint8_t, restrict)
#define DEFINE_COMPARE_OP(op) DEEPLOY_COMPARE_TYPES(DEFINE_COMPARE, op)
DEEPLOY_COMPARE_OPS(DEFINE_COMPARE_OP)
DEFINE_BROADCAST2(equal_bool, OP_equal, uint8_t, uint8_t, restrict)

#define DEFINE_LOGIC(op) DEFINE_BROADCAST2(op##_bool, OP_##op, uint8_t, uint8_t, )
DEEPLOY_LOGIC_OPS(DEFINE_LOGIC)

void deeploy_not_bool(const uint8_t *x, uint8_t *y, int32_t n) {
    for (int32_t i = 0; i < n; ++i) y[i] = (uint8_t)(x[i] ^ 1u);
}

#define INNER3(CS, AS, BS) \
    for (int32_t i = 0; i < inner; ++i) yp[i] = cp[i * (CS)] ? ap[i * (AS)] : bp[i * (BS)]

#define DEFINE_WHERE(suffix, T)                                                            \
    void deeploy_where_##suffix(const uint8_t *restrict cond, const T *a, const T *b,      \
                                T *y, int32_t rank, const int32_t *shape,                  \
                                const int32_t *cond_strides, const int32_t *a_strides,     \
                                const int32_t *b_strides) {                                \
        const int32_t *const strides[3] = {cond_strides, a_strides, b_strides};            \
        size_t offsets[3] = {0, 0, 0};                                                     \
        int32_t idx[DEEPLOY_MAX_RANK] = {0};                                               \
        const int32_t inner = shape[rank - 1];                                             \
        const int32_t pattern =                                                            \
            cond_strides[rank - 1] * 4 + a_strides[rank - 1] * 2 + b_strides[rank - 1];    \
        const int32_t outer = outer_count(rank, shape);                                    \
        for (int32_t o = 0; o < outer; ++o) {                                              \
            const uint8_t *restrict cp = cond + offsets[0];                                \
            const T *ap = a + offsets[1];                                                  \
            const T *bp = b + offsets[2];                                                  \
            T *yp = y + (size_t)o * (size_t)inner;                                         \
            switch (pattern) {                                                             \
            case 7: INNER3(1, 1, 1); break;                                                \
            case 6: INNER3(1, 1, 0); break;                                                \
            case 5: INNER3(1, 0, 1); break;                                                \
            case 4: INNER3(1, 0, 0); break;                                                \
            case 3: INNER3(0, 1, 1); break;                                                \
            case 2: INNER3(0, 1, 0); break;                                                \
            case 1: INNER3(0, 0, 1); break;                                                \
            default: INNER3(0, 0, 0); break;                                               \
            }                                                                              \
            step(rank, shape, idx, 3, strides, offsets);                                   \
        }                                                                                  \
    }

DEEPLOY_WHERE_TYPES(DEFINE_WHERE)
