/*
 * Integer kernels: element types chosen at run time and the requantisation step.
 *
 * Integer kernels accumulate in int32. Their result is either the int32 accumulator or,
 * when a RequantShift was fused into them, the requantised value in the narrow type the
 * RequantShift produces. Requantisation is Deeploy's RequantShift with div = 2^shift,
 * rounding half up:
 *     y = clamp(floor((acc * mul + add + 2^(shift-1)) / 2^shift), lo, hi)
 * computed in int64, so no intermediate overflows. `>>` of a negative int64 is an
 * arithmetic shift on every compiler this runtime targets (GCC, Clang).
 */
#ifndef DEEPLOY_REQUANT_H_
#define DEEPLOY_REQUANT_H_

#include <stddef.h>
#include <stdint.h>

/* element types of integer buffers, as the compiler numbers them */
enum { DEEPLOY_I8 = 0, DEEPLOY_U8 = 1, DEEPLOY_I16 = 2, DEEPLOY_U16 = 3, DEEPLOY_I32 = 4 };

/* Per-channel requantisation parameters: the channel of flat output index i is
 * (i / inner) % channels (channels == 1: one value for the whole tensor). */
typedef struct {
    const int32_t *mul;
    const int32_t *add;
    int32_t channels;
    int32_t inner;
    int32_t shift;
    int32_t lo, hi;
} deeploy_rq;

/* The requantisation arguments of a kernel (mul NULL: no requantisation), and the
 * deeploy_rq pointer (NULL or a local) a kernel builds from them. */
#define DEEPLOY_RQ_PARAMS                                                                  \
    const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,   \
        int32_t rq_shift, int32_t rq_lo, int32_t rq_hi
#define DEEPLOY_RQ_LOCAL(storage, name)                                                    \
    const deeploy_rq storage = {rq_mul, rq_add, rq_channels, rq_inner, rq_shift, rq_lo, rq_hi}; \
    const deeploy_rq *name = rq_mul != NULL ? &storage : NULL

static inline int32_t deeploy_requant(int32_t acc, int32_t mul, int32_t add, int32_t shift,
                                      int32_t lo, int32_t hi) {
    int64_t v = (int64_t)acc * mul + add;
    if (shift > 0) v = (v + ((int64_t)1 << (shift - 1))) >> shift;
    return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

/* Writes n int32 values, already in range, as elements [base, base + n) of y (y_type). */
static inline void deeploy_store_typed(const int32_t *v, int32_t n, void *y, int32_t y_type,
                                       ptrdiff_t base) {
    switch (y_type) {
    case DEEPLOY_I8: for (int32_t i = 0; i < n; ++i) ((int8_t *)y)[base + i] = (int8_t)v[i]; break;
    case DEEPLOY_U8: for (int32_t i = 0; i < n; ++i) ((uint8_t *)y)[base + i] = (uint8_t)v[i]; break;
    case DEEPLOY_I16: for (int32_t i = 0; i < n; ++i) ((int16_t *)y)[base + i] = (int16_t)v[i]; break;
    case DEEPLOY_U16: for (int32_t i = 0; i < n; ++i) ((uint16_t *)y)[base + i] = (uint16_t)v[i]; break;
    default: for (int32_t i = 0; i < n; ++i) ((int32_t *)y)[base + i] = v[i]; break;
    }
}

/* Writes n accumulators as elements [base, base + n) of y (type y_type): requantised
 * when rq is not NULL, else as they are (y_type is then DEEPLOY_I32). */
static inline void deeploy_store_acc(const int32_t *acc, int32_t n, void *y, int32_t y_type,
                                     ptrdiff_t base, const deeploy_rq *rq) {
    if (rq == NULL) {
        deeploy_store_typed(acc, n, y, y_type, base);
        return;
    }
    int32_t v[64];
    int32_t ch = (int32_t)((base / rq->inner) % rq->channels);
    int32_t at = (int32_t)(base % rq->inner);
    for (int32_t i0 = 0; i0 < n; i0 += 64) {
        const int32_t m = n - i0 < 64 ? n - i0 : 64;
        for (int32_t i = 0; i < m; ++i) {
            v[i] = deeploy_requant(acc[i0 + i], rq->mul[ch], rq->add[ch], rq->shift, rq->lo,
                                   rq->hi);
            if (++at == rq->inner) {
                at = 0;
                if (++ch == rq->channels) ch = 0;
            }
        }
        deeploy_store_typed(v, m, y, y_type, base + i0);
    }
}

#endif /* DEEPLOY_REQUANT_H_ */
