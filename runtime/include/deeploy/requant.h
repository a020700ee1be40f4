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
#include <string.h>

#include "deeploy/simd.h"

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
    default: if (n > 0) memcpy((int32_t *)y + base, v, sizeof(int32_t) * (size_t)n); break;
    }
}

/* Requantises n accumulators with one (mul, add) and writes them as elements
 * [base, base + n) of y (type y_type); the same arithmetic as deeploy_requant.
 *
 * On x86-64, 4 at a time in double precision, exact when |mul| < 2^21 and the clamped
 * range scaled by 2^shift fits int32 (the usual 8/16-bit outputs): acc * mul + add +
 * rounding (< 2^53) is exact, clamping it to [lo 2^shift, (hi + 1) 2^shift - 1] before
 * the arithmetic shift gives the clamp after it. */
#define DEEPLOY_RQ_RUN_(T)                                                                 \
    do {                                                                                   \
        T *o_ = (T *)y + base;                                                             \
        for (; i < n; ++i) {                                                               \
            const int64_t v = ((int64_t)acc[i] * mul + bias) >> sh;                        \
            o_[i] = (T)(v < lo ? lo : v > hi ? hi : v);                                    \
        }                                                                                  \
    } while (0)
#if defined(DEEPLOY_SIMD_I16)
#define DEEPLOY_RQ_VEC_(T, store)                                                          \
    do {                                                                                   \
        T *o_ = (T *)y + base;                                                             \
        for (; i + 4 <= n; i += 4) {                                                       \
            const __m128i a_ = _mm_loadu_si128((const __m128i *)(const void *)(acc + i));  \
            __m128d d0_ = _mm_cvtepi32_pd(a_);                                             \
            __m128d d1_ = _mm_cvtepi32_pd(_mm_shuffle_epi32(a_, 0x0e));                    \
            d0_ = _mm_min_pd(_mm_max_pd(_mm_add_pd(_mm_mul_pd(d0_, vm_), vb_), vlo_), vhi_); \
            d1_ = _mm_min_pd(_mm_max_pd(_mm_add_pd(_mm_mul_pd(d1_, vm_), vb_), vlo_), vhi_); \
            const __m128i r_ = _mm_sra_epi32(                                              \
                _mm_unpacklo_epi64(_mm_cvttpd_epi32(d0_), _mm_cvttpd_epi32(d1_)), vsh_);   \
            store;                                                                         \
        }                                                                                  \
    } while (0)
#endif
static inline void deeploy_requant_run(const int32_t *acc, int32_t n, void *y, int32_t y_type,
                                       ptrdiff_t base, int32_t mul, int32_t add, int32_t shift,
                                       int32_t lo, int32_t hi) {
    const int32_t sh = shift > 0 ? shift : 0;
    const int64_t bias = (int64_t)add + (shift > 0 ? (int64_t)1 << (shift - 1) : 0);
    int32_t i = 0;
#if defined(DEEPLOY_SIMD_I16)
    /* the clamped values must fit y_type (the packs saturate where the casts wrap) */
    const int fits = y_type == DEEPLOY_I8    ? lo >= INT8_MIN && hi <= INT8_MAX
                     : y_type == DEEPLOY_U8  ? lo >= 0 && hi <= UINT8_MAX
                     : y_type == DEEPLOY_I16 ? lo >= INT16_MIN && hi <= INT16_MAX
                                             : y_type != DEEPLOY_U16;
    if (n >= 4 && fits && sh <= 30 && lo <= hi && mul > -(1 << 21) && mul < (1 << 21) &&
        (int64_t)lo * ((int64_t)1 << sh) >= INT32_MIN &&
        ((int64_t)hi + 1) * ((int64_t)1 << sh) - 1 <= INT32_MAX) {
        const __m128d vm_ = _mm_set1_pd((double)mul), vb_ = _mm_set1_pd((double)bias);
        const __m128d vlo_ = _mm_set1_pd((double)((int64_t)lo * ((int64_t)1 << sh)));
        const __m128d vhi_ = _mm_set1_pd((double)(((int64_t)hi + 1) * ((int64_t)1 << sh) - 1));
        const __m128i vsh_ = _mm_cvtsi32_si128(sh);
        switch (y_type) {
        case DEEPLOY_I8:
            DEEPLOY_RQ_VEC_(int8_t, {
                const int32_t w_ = _mm_cvtsi128_si32(_mm_packs_epi16(_mm_packs_epi32(r_, r_), r_));
                memcpy(o_ + i, &w_, 4);
            });
            break;
        case DEEPLOY_U8:
            DEEPLOY_RQ_VEC_(uint8_t, {
                const int32_t w_ = _mm_cvtsi128_si32(_mm_packus_epi16(_mm_packs_epi32(r_, r_), r_));
                memcpy(o_ + i, &w_, 4);
            });
            break;
        case DEEPLOY_I16:
            DEEPLOY_RQ_VEC_(int16_t, _mm_storel_epi64((__m128i *)(void *)(o_ + i), _mm_packs_epi32(r_, r_)));
            break;
        default:
            DEEPLOY_RQ_VEC_(int32_t, _mm_storeu_si128((__m128i *)(void *)(o_ + i), r_));
            break;
        }
    }
#endif
    switch (y_type) {
    case DEEPLOY_I8: DEEPLOY_RQ_RUN_(int8_t); break;
    case DEEPLOY_U8: DEEPLOY_RQ_RUN_(uint8_t); break;
    case DEEPLOY_I16: DEEPLOY_RQ_RUN_(int16_t); break;
    case DEEPLOY_U16: DEEPLOY_RQ_RUN_(uint16_t); break;
    default: DEEPLOY_RQ_RUN_(int32_t); break;
    }
}

/* deeploy_store_acc with rq not NULL: runs of elements of one channel share their
 * parameters. */
static inline void deeploy_store_rq(const int32_t *acc, int32_t n, void *y, int32_t y_type,
                                    ptrdiff_t base, const deeploy_rq *rq) {
    if (rq->channels == 1) {
        deeploy_requant_run(acc, n, y, y_type, base, rq->mul[0], rq->add[0], rq->shift, rq->lo,
                            rq->hi);
        return;
    }
    int32_t ch = (int32_t)((base / rq->inner) % rq->channels);
    int32_t at = (int32_t)(base % rq->inner);
    for (int32_t i = 0; i < n;) {
        const int32_t m = n - i < rq->inner - at ? n - i : rq->inner - at;
        deeploy_requant_run(acc + i, m, y, y_type, base + i, rq->mul[ch], rq->add[ch],
                            rq->shift, rq->lo, rq->hi);
        i += m;
        at = 0;
        if (++ch == rq->channels) ch = 0;
    }
}

/* Writes n accumulators as elements [base, base + n) of y (type y_type): requantised
 * when rq is not NULL, else as they are (y_type is then DEEPLOY_I32). */
static inline void deeploy_store_acc(const int32_t *acc, int32_t n, void *y, int32_t y_type,
                                     ptrdiff_t base, const deeploy_rq *rq) {
    if (rq == NULL)
        deeploy_store_typed(acc, n, y, y_type, base);
    else
        deeploy_store_rq(acc, n, y, y_type, base, rq);
}

#endif /* DEEPLOY_REQUANT_H_ */
