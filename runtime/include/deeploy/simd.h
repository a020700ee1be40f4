/*
 * Deeploy runtime: 4-wide float vectors for the kernels' inner loops.
 *
 * GCC and Clang vector extensions compile to SSE on x86-64 (baseline, no flags needed),
 * to NEON or MVE where available, and to plain scalar code elsewhere (e.g. Cortex-M4,
 * RV32IMF), where they still act as a 4x unroll. Kernels therefore vectorise at -O2
 * without relying on the auto-vectoriser. Define DEEPLOY_NO_SIMD to use the scalar
 * emulation below with any C99 compiler.
 *
 * Loads and stores are unaligned and may alias float data (`may_alias`), so kernels can
 * use them on any float pointer, including in-place operands.
 */
#ifndef DEEPLOY_SIMD_H_
#define DEEPLOY_SIMD_H_

#include "deeploy/common.h"

#if (defined(__GNUC__) || defined(__clang__)) && !defined(DEEPLOY_NO_SIMD)

typedef float dv4 __attribute__((vector_size(16), aligned(4), may_alias));
typedef int32_t dv4i __attribute__((vector_size(16)));

static inline dv4 dv4_load(const float *p) { return *(const dv4 *)p; }
static inline void dv4_store(float *p, dv4 v) { *(dv4 *)p = v; }
static inline dv4 dv4_splat(float x) { return (dv4){x, x, x, x}; }
static inline dv4 dv4_set(float a, float b, float c, float d) { return (dv4){a, b, c, d}; }
static inline dv4 dv4_zero(void) { return (dv4){0.0f, 0.0f, 0.0f, 0.0f}; }
/* Lane i of v in every lane. Shuffling the integer view gives x86 a non-destructive
 * one-instruction broadcast (pshufd) instead of a copy plus shufps. */
#if defined(__clang__)
#define dv4_lane(v, i) ((dv4)__builtin_shufflevector((dv4i)(v), (dv4i)(v), (i), (i), (i), (i)))
#else
#define dv4_lane(v, i) ((dv4)__builtin_shuffle((dv4i)(v), (dv4i){(i), (i), (i), (i)}))
#endif
static inline float dv4_sum(dv4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }
/* Lanes of a and b picked by four indices (0-3 from a, 4-7 from b). */
#if defined(__clang__)
#define dv4_shuffle2(a, b, i, j, k, l) __builtin_shufflevector((a), (b), (i), (j), (k), (l))
#else
#define dv4_shuffle2(a, b, i, j, k, l) __builtin_shuffle((a), (b), (dv4i){(i), (j), (k), (l)})
#endif
#if defined(__SSE__)
#include <xmmintrin.h>
static inline dv4 dv4_max(dv4 a, dv4 b) { return (dv4)_mm_max_ps((__m128)a, (__m128)b); }
static inline dv4 dv4_min(dv4 a, dv4 b) { return (dv4)_mm_min_ps((__m128)a, (__m128)b); }
#else
static inline dv4 dv4_max(dv4 a, dv4 b) {
    dv4i gt = a > b;
    return (dv4)(((dv4i)a & gt) | ((dv4i)b & ~gt));
}
static inline dv4 dv4_min(dv4 a, dv4 b) {
    dv4i lt = a < b;
    return (dv4)(((dv4i)a & lt) | ((dv4i)b & ~lt));
}
#endif

#else /* portable scalar emulation */

typedef struct {
    float v[4];
} dv4;

static inline dv4 dv4_load(const float *p) {
    dv4 r = {{p[0], p[1], p[2], p[3]}};
    return r;
}
static inline void dv4_store(float *p, dv4 v) {
    p[0] = v.v[0];
    p[1] = v.v[1];
    p[2] = v.v[2];
    p[3] = v.v[3];
}
static inline dv4 dv4_splat(float x) {
    dv4 r = {{x, x, x, x}};
    return r;
}
static inline dv4 dv4_set(float a, float b, float c, float d) {
    dv4 r = {{a, b, c, d}};
    return r;
}
static inline dv4 dv4_zero(void) { return dv4_splat(0.0f); }
#define dv4_lane(vec, i) dv4_splat((vec).v[(i)])
static inline float dv4_sum(dv4 v) { return (v.v[0] + v.v[1]) + (v.v[2] + v.v[3]); }
#define DEEPLOY_DV4_BINOP(name, expr)                                                      \
    static inline dv4 name(dv4 a, dv4 b) {                                                 \
        dv4 r;                                                                             \
        for (int i = 0; i < 4; ++i) {                                                      \
            const float x = a.v[i], y = b.v[i];                                            \
            r.v[i] = (expr);                                                               \
        }                                                                                  \
        return r;                                                                          \
    }
DEEPLOY_DV4_BINOP(dv4_add, x + y)
DEEPLOY_DV4_BINOP(dv4_sub, x - y)
DEEPLOY_DV4_BINOP(dv4_mul, x * y)
DEEPLOY_DV4_BINOP(dv4_div, x / y)
DEEPLOY_DV4_BINOP(dv4_max, x > y ? x : y)
DEEPLOY_DV4_BINOP(dv4_min, x < y ? x : y)
#define DEEPLOY_SIMD_EMULATED 1

#endif

/* Arithmetic through functions works for both representations. */
#ifndef DEEPLOY_SIMD_EMULATED
static inline dv4 dv4_add(dv4 a, dv4 b) { return a + b; }
static inline dv4 dv4_sub(dv4 a, dv4 b) { return a - b; }
static inline dv4 dv4_mul(dv4 a, dv4 b) { return a * b; }
static inline dv4 dv4_div(dv4 a, dv4 b) { return a / b; }
#endif

/* a * b + c (two roundings, as the scalar code: results match the reference order) */
static inline dv4 dv4_madd(dv4 a, dv4 b, dv4 c) { return dv4_add(dv4_mul(a, b), c); }

/* Rows r0..r3 of the 4 x 4 matrix whose columns are c0..c3. */
#ifndef DEEPLOY_SIMD_EMULATED
static inline void dv4_transpose(dv4 c0, dv4 c1, dv4 c2, dv4 c3, dv4 *r) {
    const dv4 t0 = dv4_shuffle2(c0, c1, 0, 4, 1, 5), t1 = dv4_shuffle2(c2, c3, 0, 4, 1, 5);
    const dv4 t2 = dv4_shuffle2(c0, c1, 2, 6, 3, 7), t3 = dv4_shuffle2(c2, c3, 2, 6, 3, 7);
    r[0] = dv4_shuffle2(t0, t1, 0, 1, 4, 5);
    r[1] = dv4_shuffle2(t0, t1, 2, 3, 6, 7);
    r[2] = dv4_shuffle2(t2, t3, 0, 1, 4, 5);
    r[3] = dv4_shuffle2(t2, t3, 2, 3, 6, 7);
}
#else
static inline void dv4_transpose(dv4 c0, dv4 c1, dv4 c2, dv4 c3, dv4 *r) {
    const dv4 c[4] = {c0, c1, c2, c3};
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) r[i].v[j] = c[j].v[i];
}
#endif

/* min(hi, max(lo, v)); the operand order keeps NaN in v, like the scalar clamps. */
static inline dv4 dv4_clamp(dv4 v, dv4 lo, dv4 hi) { return dv4_min(hi, dv4_max(lo, v)); }

#endif /* DEEPLOY_SIMD_H_ */
