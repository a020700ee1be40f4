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

/* ---------------------------------------------------------------------------------------
 * Integer products on 16-bit pairs (SSE2 `pmaddwd`), for the integer Gemm / MatMul / Conv.
 *
 * Each 32-bit lane of _mm_madd_epi16(b, a) is b0 a0 + b1 a1, exact (and modulo 2^32 in the
 * one overflowing case, all four -32768, like int32 accumulation). Operands are widened
 * to int16 first, so 8-bit data (and 16/32-bit data whose values fit int16, checked by
 * the callers) share one core:
 *   deeploy_itile_<b>:   acc[r][j] += sum_k a[r][k] B[k][j], B row-major (k rows), 4 rows
 *                        of A x 8 columns of B per register tile, a pair of k per step;
 *   deeploy_itile_t_<b>: the same for B stored transposed (B[j][k], dot products).
 * a: 4 rows of int16, row stride lda (a multiple of 8), 16-byte aligned, each row padded
 * with zeros from k = kc up to the next multiple of 8 (deeploy_ipack_<a> writes it).
 * Only x86-64 (SSE2 is baseline there) defines DEEPLOY_SIMD_I16; elsewhere the kernels
 * keep their scalar loops.
 * ------------------------------------------------------------------------------------- */
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) && !defined(DEEPLOY_NO_SIMD)
#include <emmintrin.h>
#include <string.h>

#define DEEPLOY_SIMD_I16 1
#define DEEPLOY_IMR 4   /* rows of A per tile */
#define DEEPLOY_IKC 256 /* k per packed block of A: a multiple of 8 */

typedef __m128i dvi;

/* Eight consecutive elements as int16 (int32: saturating, exact for values in range). */
static inline dvi dvi_w8_i8(const int8_t *p) {
    const dvi x = _mm_loadl_epi64((const dvi *)(const void *)p);
    return _mm_srai_epi16(_mm_unpacklo_epi8(x, x), 8);
}
static inline dvi dvi_w8_u8(const uint8_t *p) {
    return _mm_unpacklo_epi8(_mm_loadl_epi64((const dvi *)(const void *)p), _mm_setzero_si128());
}
static inline dvi dvi_w8_i16(const int16_t *p) { return _mm_loadu_si128((const dvi *)(const void *)p); }
static inline dvi dvi_w8_i32(const int32_t *p) {
    return _mm_packs_epi32(_mm_loadu_si128((const dvi *)(const void *)p),
                           _mm_loadu_si128((const dvi *)(const void *)(p + 4)));
}

/* Columns 0-7 of rows p0 and p1 interleaved as int16 pairs: lo holds (p0[j], p1[j]) for
 * j < 4, hi for 4 <= j < 8. */
static inline void dvi_pairs_i8(const int8_t *p0, const int8_t *p1, dvi *lo, dvi *hi) {
    const dvi t = _mm_unpacklo_epi8(_mm_loadl_epi64((const dvi *)(const void *)p0),
                                    _mm_loadl_epi64((const dvi *)(const void *)p1));
    *lo = _mm_srai_epi16(_mm_unpacklo_epi8(t, t), 8);
    *hi = _mm_srai_epi16(_mm_unpackhi_epi8(t, t), 8);
}
static inline void dvi_pairs_u8(const uint8_t *p0, const uint8_t *p1, dvi *lo, dvi *hi) {
    const dvi t = _mm_unpacklo_epi8(_mm_loadl_epi64((const dvi *)(const void *)p0),
                                    _mm_loadl_epi64((const dvi *)(const void *)p1));
    *lo = _mm_unpacklo_epi8(t, _mm_setzero_si128());
    *hi = _mm_unpackhi_epi8(t, _mm_setzero_si128());
}
static inline void dvi_pairs_i16(const int16_t *p0, const int16_t *p1, dvi *lo, dvi *hi) {
    const dvi r0 = dvi_w8_i16(p0), r1 = dvi_w8_i16(p1);
    *lo = _mm_unpacklo_epi16(r0, r1);
    *hi = _mm_unpackhi_epi16(r0, r1);
}
static inline void dvi_pairs_i32(const int32_t *p0, const int32_t *p1, dvi *lo, dvi *hi) {
    const dvi r0 = dvi_w8_i32(p0), r1 = dvi_w8_i32(p1);
    *lo = _mm_unpacklo_epi16(r0, r1);
    *hi = _mm_unpackhi_epi16(r0, r1);
}

/* a[k], a[k+1] as one 32-bit word in every lane */
static inline dvi dvi_pair_splat(const int16_t *a) {
    int32_t w;
    memcpy(&w, a, sizeof w);
    return _mm_set1_epi32(w);
}

#define DVI_MAC(c, b, a) c = _mm_add_epi32(c, _mm_madd_epi16(b, a))
#define DVI_MAC4(lo, hi, x0, x1, x2, x3)                                                   \
    do {                                                                                   \
        DVI_MAC(c00, lo, x0);                                                              \
        DVI_MAC(c01, hi, x0);                                                              \
        DVI_MAC(c10, lo, x1);                                                              \
        DVI_MAC(c11, hi, x1);                                                              \
        DVI_MAC(c20, lo, x2);                                                              \
        DVI_MAC(c21, hi, x2);                                                              \
        DVI_MAC(c30, lo, x3);                                                              \
        DVI_MAC(c31, hi, x3);                                                              \
    } while (0)
/* An empty asm that claims to change the accumulators: it keeps GCC from reassociating
 * the sums of several steps into trees of temporaries, which run out of registers. */
#define DVI_KEEP()                                                                         \
    __asm__("" : "+x"(c00), "+x"(c01), "+x"(c10), "+x"(c11), "+x"(c20), "+x"(c21),         \
            "+x"(c30), "+x"(c31))
#define DVI_STEP(bn, q, imm)                                                               \
    do {                                                                                   \
        dvi lo_, hi_;                                                                      \
        dvi_pairs_##bn(bk + (2 * (q)) * ldb, bk + (2 * (q) + 1) * ldb, &lo_, &hi_);        \
        DVI_MAC4(lo_, hi_, _mm_shuffle_epi32(a0, imm), _mm_shuffle_epi32(a1, imm),          \
                 _mm_shuffle_epi32(a2, imm), _mm_shuffle_epi32(a3, imm));                  \
        DVI_KEEP();                                                                        \
    } while (0)

/* Packs rows [0, mr) of A (mr <= 4; element (r, k) at A[r * rs + k * ks]), k < kc, into
 * a (row stride lda) as int16, zero rows from mr and zeros after kc up to a multiple of 8. */
#define DEEPLOY_DEFINE_IPACK(an, at)                                                       \
    static inline void deeploy_ipack_##an(const at *A, ptrdiff_t rs, ptrdiff_t ks,         \
                                          int32_t mr, int32_t kc, int16_t *a,              \
                                          ptrdiff_t lda) {                                 \
        const int32_t kend = (kc + 7) & ~7;                                                \
        for (int32_t r = 0; r < DEEPLOY_IMR; ++r) {                                        \
            int16_t *ar = a + r * lda;                                                     \
            int32_t k = 0;                                                                 \
            if (r < mr) {                                                                  \
                const at *src = A + r * rs;                                                \
                if (ks == 1) {                                                             \
                    for (; k + 8 <= kc; k += 8)                                            \
                        _mm_store_si128((dvi *)(ar + k), dvi_w8_##an(src + k));            \
                    for (; k < kc; ++k) ar[k] = (int16_t)src[k];                           \
                } else                                                                     \
                    for (; k < kc; ++k) ar[k] = (int16_t)src[k * ks];                      \
            }                                                                              \
            for (; k < kend; ++k) ar[k] = 0;                                               \
        }                                                                                  \
    }

/* acc[r * ldacc + j] += sum_{k < kc} a[r * lda + k] * b[k * ldb + j], r < 4, j < n8 (a
 * multiple of 8; rows of b readable up to column n8). */
#define DEEPLOY_DEFINE_ITILE(bn, bt)                                                       \
    static inline void deeploy_itile_##bn(const int16_t *restrict a, ptrdiff_t lda,        \
                                          int32_t kc, const bt *restrict b, ptrdiff_t ldb, \
                                          int32_t n8, int32_t *restrict acc,               \
                                          ptrdiff_t ldacc) {                               \
        const int32_t k8 = kc & ~7;                                                        \
        for (int32_t j = 0; j < n8; j += 8) {                                              \
            int32_t *cj = acc + j;                                                         \
            dvi c00 = _mm_loadu_si128((const dvi *)(cj));                                  \
            dvi c01 = _mm_loadu_si128((const dvi *)(cj + 4));                              \
            dvi c10 = _mm_loadu_si128((const dvi *)(cj + ldacc));                          \
            dvi c11 = _mm_loadu_si128((const dvi *)(cj + ldacc + 4));                      \
            dvi c20 = _mm_loadu_si128((const dvi *)(cj + 2 * ldacc));                      \
            dvi c21 = _mm_loadu_si128((const dvi *)(cj + 2 * ldacc + 4));                  \
            dvi c30 = _mm_loadu_si128((const dvi *)(cj + 3 * ldacc));                      \
            dvi c31 = _mm_loadu_si128((const dvi *)(cj + 3 * ldacc + 4));                  \
            const bt *bk = b + j;                                                          \
            int32_t k = 0;                                                                 \
            for (; k < k8; k += 8, bk += 8 * ldb) {                                        \
                const dvi a0 = _mm_load_si128((const dvi *)(a + k));                       \
                const dvi a1 = _mm_load_si128((const dvi *)(a + lda + k));                 \
                const dvi a2 = _mm_load_si128((const dvi *)(a + 2 * lda + k));             \
                const dvi a3 = _mm_load_si128((const dvi *)(a + 3 * lda + k));             \
                DVI_STEP(bn, 0, 0x00);                                                     \
                DVI_STEP(bn, 1, 0x55);                                                     \
                DVI_STEP(bn, 2, 0xaa);                                                     \
                DVI_STEP(bn, 3, 0xff);                                                     \
            }                                                                              \
            for (; k < kc; k += 2, bk += 2 * ldb) {                                        \
                /* an odd kc pairs its last row with itself; a's partner there is 0 */     \
                dvi lo_, hi_;                                                              \
                dvi_pairs_##bn(bk, k + 1 < kc ? bk + ldb : bk, &lo_, &hi_);                \
                DVI_MAC4(lo_, hi_, dvi_pair_splat(a + k), dvi_pair_splat(a + lda + k),     \
                         dvi_pair_splat(a + 2 * lda + k), dvi_pair_splat(a + 3 * lda + k)); \
            }                                                                              \
            _mm_storeu_si128((dvi *)(cj), c00);                                            \
            _mm_storeu_si128((dvi *)(cj + 4), c01);                                        \
            _mm_storeu_si128((dvi *)(cj + ldacc), c10);                                    \
            _mm_storeu_si128((dvi *)(cj + ldacc + 4), c11);                                \
            _mm_storeu_si128((dvi *)(cj + 2 * ldacc), c20);                                \
            _mm_storeu_si128((dvi *)(cj + 2 * ldacc + 4), c21);                            \
            _mm_storeu_si128((dvi *)(cj + 3 * ldacc), c30);                                \
            _mm_storeu_si128((dvi *)(cj + 3 * ldacc + 4), c31);                            \
        }                                                                                  \
    }                                                                                      \
    /* The same with B transposed: acc[r * ldacc + j] += sum_k a[r][k] * b[j * ldb + k],   \
     * j < n. */                                                                           \
    static inline void deeploy_itile_t_##bn(const int16_t *restrict a, ptrdiff_t lda,      \
                                            int32_t kc, const bt *restrict b,              \
                                            ptrdiff_t ldb, int32_t n, int32_t *restrict acc, \
                                            ptrdiff_t ldacc) {                             \
        const int32_t k8 = kc & ~7;                                                        \
        for (int32_t j = 0; j < n; j += 2) {                                               \
            const bt *b0 = b + (ptrdiff_t)j * ldb;                                         \
            const bt *b1 = j + 1 < n ? b0 + ldb : b0;                                      \
            dvi c00 = _mm_setzero_si128(), c01 = c00, c10 = c00, c11 = c00, c20 = c00,     \
                c21 = c00, c30 = c00, c31 = c00;                                           \
            int32_t k = 0;                                                                 \
            for (; k < k8; k += 8)                                                         \
                DVI_MAC4(dvi_w8_##bn(b0 + k), dvi_w8_##bn(b1 + k),                         \
                         _mm_load_si128((const dvi *)(a + k)),                             \
                         _mm_load_si128((const dvi *)(a + lda + k)),                       \
                         _mm_load_si128((const dvi *)(a + 2 * lda + k)),                   \
                         _mm_load_si128((const dvi *)(a + 3 * lda + k)));                  \
            if (k < kc) { /* the last kc - k < 8 elements, zero padded */                  \
                bt t0[8] = {0}, t1[8] = {0};                                               \
                for (int32_t i = 0; i < kc - k; ++i) {                                     \
                    t0[i] = b0[k + i];                                                     \
                    t1[i] = b1[k + i];                                                     \
                }                                                                          \
                DVI_MAC4(dvi_w8_##bn(t0), dvi_w8_##bn(t1),                                 \
                         _mm_load_si128((const dvi *)(a + k)),                             \
                         _mm_load_si128((const dvi *)(a + lda + k)),                       \
                         _mm_load_si128((const dvi *)(a + 2 * lda + k)),                   \
                         _mm_load_si128((const dvi *)(a + 3 * lda + k)));                  \
            }                                                                              \
            int32_t s0[4], s1[4];                                                          \
            _mm_storeu_si128((dvi *)s0, dvi_hsum4(c00, c10, c20, c30));                    \
            _mm_storeu_si128((dvi *)s1, dvi_hsum4(c01, c11, c21, c31));                    \
            for (int32_t r = 0; r < DEEPLOY_IMR; ++r) {                                    \
                acc[r * ldacc + j] += s0[r];                                               \
                if (j + 1 < n) acc[r * ldacc + j + 1] += s1[r];                            \
            }                                                                              \
        }                                                                                  \
    }

/* B packed for deeploy_itile_p: panels of 8 columns, each of np = ceil(k / 2) pairs of
 * rows; pair q of a panel is 16 int16, (b[2q][j], b[2q + 1][j]) for j < 8 (0 for the row
 * after an odd k). Panel p starts at bp + p * np * 16; bp is 16-byte aligned. */
#define DEEPLOY_DEFINE_IPACKB(bn, bt)                                                      \
    static inline void deeploy_ipackb_##bn(const bt *restrict b, ptrdiff_t ldb, int32_t k, \
                                           int32_t n8, int16_t *restrict bp) {             \
        const ptrdiff_t np = (k + 1) >> 1;                                                 \
        for (int32_t j = 0; j < n8; j += 8) {                                              \
            const bt *bj = b + j;                                                          \
            int16_t *d = bp + (ptrdiff_t)(j >> 3) * np * 16;                               \
            int32_t i = 0;                                                                 \
            dvi lo, hi;                                                                    \
            for (; i + 2 <= k; i += 2, d += 16) {                                          \
                dvi_pairs_##bn(bj + i * ldb, bj + (i + 1) * ldb, &lo, &hi);                \
                _mm_store_si128((dvi *)d, lo);                                             \
                _mm_store_si128((dvi *)(d + 8), hi);                                       \
            }                                                                              \
            if (i < k) {                                                                   \
                const dvi even = _mm_set1_epi32(0xffff);                                   \
                dvi_pairs_##bn(bj + i * ldb, bj + i * ldb, &lo, &hi);                      \
                _mm_store_si128((dvi *)d, _mm_and_si128(lo, even));                        \
                _mm_store_si128((dvi *)(d + 8), _mm_and_si128(hi, even));                  \
            }                                                                              \
        }                                                                                  \
    }

/* The same packing from B stored transposed (b[j * ldb + i] is B[i][j]): a transposed B
 * is a Gemm's weights, packed once per call for all row blocks. Eight k of eight columns
 * at a time: each column's 8 k widened to int16 are four (k, k + 1) words, and a 4 x 4
 * transpose of words per 4 columns gives the pairs; the last k % 8 element by element. */
static inline void dvi_transpose4_epi32(dvi *a, dvi *b, dvi *c, dvi *d) {
    const dvi t0 = _mm_unpacklo_epi32(*a, *b), t1 = _mm_unpacklo_epi32(*c, *d);
    const dvi t2 = _mm_unpackhi_epi32(*a, *b), t3 = _mm_unpackhi_epi32(*c, *d);
    *a = _mm_unpacklo_epi64(t0, t1);
    *b = _mm_unpackhi_epi64(t0, t1);
    *c = _mm_unpacklo_epi64(t2, t3);
    *d = _mm_unpackhi_epi64(t2, t3);
}
#define DEEPLOY_DEFINE_IPACKB_T(bn, bt)                                                    \
    static inline void deeploy_ipackb_t_##bn(const bt *restrict b, ptrdiff_t ldb,          \
                                             int32_t k, int32_t n8, int16_t *restrict bp) { \
        const ptrdiff_t np = (k + 1) >> 1;                                                 \
        const int32_t k8 = k & ~7;                                                         \
        for (int32_t j = 0; j < n8; j += 8) {                                              \
            int16_t *d = bp + (ptrdiff_t)(j >> 3) * np * 16;                               \
            const bt *bj = b + (ptrdiff_t)j * ldb;                                         \
            int32_t i = 0;                                                                 \
            for (; i < k8; i += 8, d += 64) {                                              \
                dvi w[8];                                                                  \
                for (int32_t c = 0; c < 8; ++c) w[c] = dvi_w8_##bn(bj + c * ldb + i);      \
                dvi_transpose4_epi32(&w[0], &w[1], &w[2], &w[3]);                          \
                dvi_transpose4_epi32(&w[4], &w[5], &w[6], &w[7]);                          \
                for (int32_t q = 0; q < 4; ++q) {                                          \
                    _mm_store_si128((dvi *)(void *)(d + 16 * q), w[q]);                    \
                    _mm_store_si128((dvi *)(void *)(d + 16 * q + 8), w[4 + q]);            \
                }                                                                          \
            }                                                                              \
            for (; i < k; i += 2, d += 16)                                                 \
                for (int32_t c = 0; c < 8; ++c) {                                          \
                    const bt *col = bj + (ptrdiff_t)c * ldb;                               \
                    d[2 * c] = (int16_t)col[i];                                            \
                    d[2 * c + 1] = (int16_t)(i + 1 < k ? col[i + 1] : 0);                  \
                }                                                                          \
        }                                                                                  \
    }

/* acc[r * ldacc + j] += sum_{k < kc} a[r * lda + k] * B[k][j], r < 4, j < n8, with B
 * packed by deeploy_ipackb_<b> (bp: pair 0 of the first panel; panel: elements from one
 * panel to the next). */
static inline void deeploy_itile_p(const int16_t *restrict a, ptrdiff_t lda, int32_t kc,
                                   const int16_t *restrict bp, ptrdiff_t panel, int32_t n8,
                                   int32_t *restrict acc, ptrdiff_t ldacc) {
    const int32_t k8 = kc & ~7;
    for (int32_t j = 0; j < n8; j += 8) {
        int32_t *cj = acc + j;
        dvi c00 = _mm_loadu_si128((const dvi *)(cj));
        dvi c01 = _mm_loadu_si128((const dvi *)(cj + 4));
        dvi c10 = _mm_loadu_si128((const dvi *)(cj + ldacc));
        dvi c11 = _mm_loadu_si128((const dvi *)(cj + ldacc + 4));
        dvi c20 = _mm_loadu_si128((const dvi *)(cj + 2 * ldacc));
        dvi c21 = _mm_loadu_si128((const dvi *)(cj + 2 * ldacc + 4));
        dvi c30 = _mm_loadu_si128((const dvi *)(cj + 3 * ldacc));
        dvi c31 = _mm_loadu_si128((const dvi *)(cj + 3 * ldacc + 4));
        const int16_t *q = bp + (ptrdiff_t)(j >> 3) * panel;
        int32_t k = 0;
        for (; k < k8; k += 8, q += 64) {
            const dvi a0 = _mm_load_si128((const dvi *)(a + k));
            const dvi a1 = _mm_load_si128((const dvi *)(a + lda + k));
            const dvi a2 = _mm_load_si128((const dvi *)(a + 2 * lda + k));
            const dvi a3 = _mm_load_si128((const dvi *)(a + 3 * lda + k));
#define DVI_PSTEP(s, imm)                                                                  \
    do {                                                                                   \
        const dvi lo_ = _mm_load_si128((const dvi *)(q + 16 * (s)));                       \
        const dvi hi_ = _mm_load_si128((const dvi *)(q + 16 * (s) + 8));                   \
        DVI_MAC4(lo_, hi_, _mm_shuffle_epi32(a0, imm), _mm_shuffle_epi32(a1, imm),          \
                 _mm_shuffle_epi32(a2, imm), _mm_shuffle_epi32(a3, imm));                  \
        DVI_KEEP();                                                                        \
    } while (0)
            DVI_PSTEP(0, 0x00);
            DVI_PSTEP(1, 0x55);
            DVI_PSTEP(2, 0xaa);
            DVI_PSTEP(3, 0xff);
#undef DVI_PSTEP
        }
        for (; k < kc; k += 2, q += 16) {
            const dvi lo_ = _mm_load_si128((const dvi *)q);
            const dvi hi_ = _mm_load_si128((const dvi *)(q + 8));
            DVI_MAC4(lo_, hi_, dvi_pair_splat(a + k), dvi_pair_splat(a + lda + k),
                     dvi_pair_splat(a + 2 * lda + k), dvi_pair_splat(a + 3 * lda + k));
        }
        _mm_storeu_si128((dvi *)(cj), c00);
        _mm_storeu_si128((dvi *)(cj + 4), c01);
        _mm_storeu_si128((dvi *)(cj + ldacc), c10);
        _mm_storeu_si128((dvi *)(cj + ldacc + 4), c11);
        _mm_storeu_si128((dvi *)(cj + 2 * ldacc), c20);
        _mm_storeu_si128((dvi *)(cj + 2 * ldacc + 4), c21);
        _mm_storeu_si128((dvi *)(cj + 3 * ldacc), c30);
        _mm_storeu_si128((dvi *)(cj + 3 * ldacc + 4), c31);
    }
}

/* The lane sums of v0..v3, in lanes 0..3 */
static inline dvi dvi_hsum4(dvi v0, dvi v1, dvi v2, dvi v3) {
    const dvi s01 = _mm_add_epi32(_mm_unpacklo_epi32(v0, v1), _mm_unpackhi_epi32(v0, v1));
    const dvi s23 = _mm_add_epi32(_mm_unpacklo_epi32(v2, v3), _mm_unpackhi_epi32(v2, v3));
    return _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23));
}

DEEPLOY_DEFINE_IPACK(i8, int8_t)
DEEPLOY_DEFINE_IPACK(u8, uint8_t)
DEEPLOY_DEFINE_IPACK(i16, int16_t)
DEEPLOY_DEFINE_IPACK(i32, int32_t)
DEEPLOY_DEFINE_ITILE(i8, int8_t)
DEEPLOY_DEFINE_ITILE(u8, uint8_t)
DEEPLOY_DEFINE_ITILE(i16, int16_t)
DEEPLOY_DEFINE_ITILE(i32, int32_t)
DEEPLOY_DEFINE_IPACKB(i8, int8_t)
DEEPLOY_DEFINE_IPACKB(u8, uint8_t)
DEEPLOY_DEFINE_IPACKB(i16, int16_t)
DEEPLOY_DEFINE_IPACKB(i32, int32_t)
DEEPLOY_DEFINE_IPACKB_T(i8, int8_t)
DEEPLOY_DEFINE_IPACKB_T(u8, uint8_t)
DEEPLOY_DEFINE_IPACKB_T(i16, int16_t)
DEEPLOY_DEFINE_IPACKB_T(i32, int32_t)

/* Whether every element of a rows x cols block (strides rs, cs) fits int16; only int32
 * operands can fail (the others are 8/16-bit and fit by type). */
static inline int deeploy_ifits_i32(const int32_t *p, int32_t rows, ptrdiff_t rs, int32_t cols,
                                    ptrdiff_t cs) {
    uint32_t bad = 0;
    dvi vbad = _mm_setzero_si128();
    const dvi half = _mm_set1_epi32(32768);
    for (int32_t r = 0; r < rows; ++r) {
        const int32_t *pr = p + r * rs;
        int32_t j = 0;
        if (cs == 1) /* v + 32768 < 2^16 as unsigned: the high halves OR to 0 */
            for (; j + 4 <= cols; j += 4)
                vbad = _mm_or_si128(vbad, _mm_add_epi32(_mm_loadu_si128((const dvi *)(pr + j)), half));
        for (; j < cols; ++j) bad |= (uint32_t)pr[j * cs] + 32768u;
    }
    int32_t lanes[4];
    _mm_storeu_si128((dvi *)lanes, vbad);
    bad |= (uint32_t)(lanes[0] | lanes[1] | lanes[2] | lanes[3]);
    return (bad >> 16) == 0;
}

/* Zeroes n bytes at p, 16 a store (a memset of that size may count one per byte). */
static inline void dvi_zero(void *p, size_t n) {
    unsigned char *b = (unsigned char *)p;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm_storeu_si128((dvi *)(void *)(b + i), _mm_setzero_si128());
    if (i < n) memset(b + i, 0, n - i);
}

/* Copies n bytes (no overlap) in at most a few fixed-size moves: blocks of 8 and a last
 * one overlapping the previous, for the short runs of the unrolled convolution inputs. */
static inline void dvi_copy_small(void *dst, const void *src, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 < n; i += 8) memcpy(d + i, s + i, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n >= 2) {
        memcpy(d, s, 2);
        memcpy(d + n - 2, s + n - 2, 2);
    } else if (n == 1) {
        *d = *s;
    }
}
#define deeploy_ifits_i8(p, rows, rs, cols, cs) ((void)(p), 1)
#define deeploy_ifits_u8(p, rows, rs, cols, cs) ((void)(p), 1)
#define deeploy_ifits_i16(p, rows, rs, cols, cs) ((void)(p), 1)

#endif /* integer pairs */

#endif /* DEEPLOY_SIMD_H_ */
