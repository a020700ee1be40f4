/* Gemm and batched MatMul, float32. See deeploy/gemm_f32.h.
 *
 * The core computes Y = A B (+ bias row, clamped) on row-major blocks with a 4 x 4
 * register tile: per step of K it loads one vector of B's row and broadcasts the four A
 * values from vectors of A's rows (one shuffle each), 16 multiply-accumulates for about 14
 * instructions, with the bias add and the clamp folded into the tile's final store.
 * Gemm weights stored transposed are transposed back at compile time
 * (untranspose-weights), so the plain layout is the one that matters. */
#include <math.h>

#include "deeploy/gemm_f32.h"
#include "deeploy/simd.h"

/* What the core does to each finished output element: y = clamp(acc + bias[n]). */
typedef struct {
    const float *bias; /* bias[m * bias_rs + n] (row stride 0: one row for all), or NULL */
    int32_t bias_rs;
    float lo, hi;
    int clamp;      /* lo or hi is finite */
    int accumulate; /* add to Y's previous values (a tile of a split K range) */
} epilogue_t;

static epilogue_t epilogue(const float *bias, int32_t bias_rs, float lo, float hi, int accumulate) {
    const epilogue_t e = {bias, bias_rs, lo, hi, lo > -INFINITY || hi < INFINITY, accumulate};
    return e;
}

static inline float finish1(float acc, const epilogue_t *e, int32_t m, int32_t n) {
    if (e->bias) acc += e->bias[(ptrdiff_t)m * e->bias_rs + n];
    acc = acc < e->lo ? e->lo : acc;
    return acc > e->hi ? e->hi : acc;
}

#define STEP_4x4(l, brow)                                                                  \
    do {                                                                                   \
        const dv4 bv_ = dv4_load((brow));                                                  \
        c0 = dv4_madd(dv4_lane(v0, l), bv_, c0);                                           \
        c1 = dv4_madd(dv4_lane(v1, l), bv_, c1);                                           \
        c2 = dv4_madd(dv4_lane(v2, l), bv_, c2);                                           \
        c3 = dv4_madd(dv4_lane(v3, l), bv_, c3);                                           \
    } while (0)

/* The accumulator a tile starts from: its bias (so no final add is needed) or zero.
 * `clamp` is a literal at every call so that the inlined tiles specialise on it. */
static inline __attribute__((always_inline)) dv4 start4(const epilogue_t *e, int32_t m, int32_t n) {
    return e->bias ? dv4_load(e->bias + (ptrdiff_t)m * e->bias_rs + n) : dv4_zero();
}

/* The same, plus Y's previous values when accumulating (`acc` is a literal, like clamp). */
static inline __attribute__((always_inline)) dv4 start4y(const epilogue_t *e, const float *y,
                                                        int32_t m, int32_t n, int acc) {
    return acc ? dv4_add(start4(e, m, n), dv4_load(y)) : start4(e, m, n);
}

static inline __attribute__((always_inline)) dv4 clamp4(dv4 acc, const epilogue_t *e, int clamp) {
    return clamp ? dv4_clamp(acc, dv4_splat(e->lo), dv4_splat(e->hi)) : acc;
}

#if defined(__SSE__) || defined(__ARM_NEON)
/* Rows [m, m+4) x columns [n, n+4) of Y from a 4-row panel of A and columns of B. */
static inline __attribute__((always_inline)) void tile_4x4(
    const float *restrict A, int32_t lda, const float *restrict B, int32_t ldb, float *restrict Y,
    int32_t ldy, int32_t K, const epilogue_t *e, int32_t m, int32_t n, int clamp, int acc) {
    dv4 c0 = start4y(e, Y, m, n, acc), c1 = start4y(e, Y + ldy, m + 1, n, acc);
    dv4 c2 = start4y(e, Y + 2 * (ptrdiff_t)ldy, m + 2, n, acc);
    dv4 c3 = start4y(e, Y + 3 * (ptrdiff_t)ldy, m + 3, n, acc);
    const float *a0 = A, *a1 = A + lda, *a2 = A + 2 * (ptrdiff_t)lda, *a3 = A + 3 * (ptrdiff_t)lda;
    int32_t k = 0;
    for (; k + 4 <= K; k += 4) {
        const dv4 v0 = dv4_load(a0 + k), v1 = dv4_load(a1 + k);
        const dv4 v2 = dv4_load(a2 + k), v3 = dv4_load(a3 + k);
        const float *b = B + (ptrdiff_t)k * ldb;
        STEP_4x4(0, b);
        STEP_4x4(1, b + ldb);
        STEP_4x4(2, b + 2 * (ptrdiff_t)ldb);
        STEP_4x4(3, b + 3 * (ptrdiff_t)ldb);
    }
    for (; k < K; ++k) {
        const dv4 v0 = dv4_splat(a0[k]), v1 = dv4_splat(a1[k]);
        const dv4 v2 = dv4_splat(a2[k]), v3 = dv4_splat(a3[k]);
        STEP_4x4(0, B + (ptrdiff_t)k * ldb);
    }
    dv4_store(Y, clamp4(c0, e, clamp));
    dv4_store(Y + ldy, clamp4(c1, e, clamp));
    dv4_store(Y + 2 * (ptrdiff_t)ldy, clamp4(c2, e, clamp));
    dv4_store(Y + 3 * (ptrdiff_t)ldy, clamp4(c3, e, clamp));
}

#else
/* The same tile for cores without float vectors (Cortex-M4 FPv4, rv32 F): the 16 sums in
 * registers, and per step of K one value of each A row (the rows streamed through
 * post-incremented pointers) and four of B's row: 8 loads and 16 multiply-adds (fused
 * where the target has them), with no lane moves a vector emulation would cost. */
#define ROW_SUMS(r) float r##0, r##1, r##2, r##3
/* Plain floats throughout: a sum that passes through a vector type leaves the float
 * registers on cores without vectors (gcc keeps it in integer ones on rv32). */
#define START_ROW(r, i)                                                                    \
    do {                                                                                   \
        const float *bias_ = e->bias ? e->bias + (ptrdiff_t)(m + (i)) * e->bias_rs + n : 0; \
        const float *y_ = Y + (i) * (ptrdiff_t)ldy;                                        \
        r##0 = (bias_ ? bias_[0] : 0.0f) + (acc ? y_[0] : 0.0f);                           \
        r##1 = (bias_ ? bias_[1] : 0.0f) + (acc ? y_[1] : 0.0f);                           \
        r##2 = (bias_ ? bias_[2] : 0.0f) + (acc ? y_[2] : 0.0f);                           \
        r##3 = (bias_ ? bias_[3] : 0.0f) + (acc ? y_[3] : 0.0f);                           \
    } while (0)
#define MADD_ROW(r, x)                                                                     \
    do {                                                                                   \
        r##0 += (x) * b0, r##1 += (x) * b1, r##2 += (x) * b2, r##3 += (x) * b3;             \
    } while (0)
/* One step of K: B's row at `brow`, element `j` ahead of each A row's pointer. */
#define TILE_STEP(brow, j)                                                                 \
    do {                                                                                   \
        const float b0 = (brow)[0], b1 = (brow)[1], b2 = (brow)[2], b3 = (brow)[3];        \
        MADD_ROW(p, a0[j]);                                                                \
        MADD_ROW(q, a1[j]);                                                                \
        MADD_ROW(r, a2[j]);                                                                \
        MADD_ROW(t, a3[j]);                                                                \
    } while (0)
/* Two steps per iteration halve the pointer bumps (loads take offsets); on Thumb-2, gcc
 * then shuffles sums between registers, which costs more than the bumps it saves. */
#if defined(__arm__)
#define TILE_K_UNROLL 1
#else
#define TILE_K_UNROLL 2
#endif
#define CLAMPED(v) (clamp ? ((v) < e->lo ? e->lo : (v) > e->hi ? e->hi : (v)) : (v))
#define STORE_ROW(r, i)                                                                    \
    do {                                                                                   \
        float *y_ = Y + (i) * (ptrdiff_t)ldy;                                              \
        y_[0] = CLAMPED(r##0), y_[1] = CLAMPED(r##1), y_[2] = CLAMPED(r##2);               \
        y_[3] = CLAMPED(r##3);                                                             \
    } while (0)

static inline __attribute__((always_inline)) void tile_4x4(
    const float *restrict A, int32_t lda, const float *restrict B, int32_t ldb, float *restrict Y,
    int32_t ldy, int32_t K, const epilogue_t *e, int32_t m, int32_t n, int clamp, int acc) {
    ROW_SUMS(p);
    ROW_SUMS(q);
    ROW_SUMS(r);
    ROW_SUMS(t);
    START_ROW(p, 0);
    START_ROW(q, 1);
    START_ROW(r, 2);
    START_ROW(t, 3);
    const float *a0 = A, *a1 = A + lda, *a2 = A + 2 * (ptrdiff_t)lda, *a3 = A + 3 * (ptrdiff_t)lda;
    const float *b = B;
    int32_t k = 0;
    for (; k + TILE_K_UNROLL <= K; k += TILE_K_UNROLL) {
        TILE_STEP(b, 0);
#if TILE_K_UNROLL == 2
        const float *b_next = b + ldb;
        TILE_STEP(b_next, 1);
        b = b_next;
#endif
        a0 += TILE_K_UNROLL, a1 += TILE_K_UNROLL, a2 += TILE_K_UNROLL, a3 += TILE_K_UNROLL;
        b += ldb;
    }
    for (; k < K; ++k, b += ldb) {
        TILE_STEP(b, 0);
        ++a0, ++a1, ++a2, ++a3;
    }
    STORE_ROW(p, 0);
    STORE_ROW(q, 1);
    STORE_ROW(r, 2);
    STORE_ROW(t, 3);
}
#undef ROW_SUMS
#undef START_ROW
#undef MADD_ROW
#undef STORE_ROW
#undef CLAMPED
#undef TILE_STEP
#endif

/* Columns [n0, N) of row m of Y from one row of A: 4-wide vectors, then scalars. */
static void row_1xN(const float *restrict a, const float *restrict B, int32_t ldb,
                    float *restrict y, int32_t m, int32_t n0, int32_t N, int32_t K,
                    const epilogue_t *e) {
    int32_t n = n0;
    for (; n + 4 <= N; n += 4) {
        dv4 c = start4y(e, y + n, m, n, e->accumulate);
        for (int32_t k = 0; k < K; ++k) c = dv4_madd(dv4_splat(a[k]), dv4_load(B + (ptrdiff_t)k * ldb + n), c);
        dv4_store(y + n, clamp4(c, e, 1));
    }
    for (; n < N; ++n) {
        float acc = e->accumulate ? y[n] : 0.0f;
        for (int32_t k = 0; k < K; ++k) acc += a[k] * B[(ptrdiff_t)k * ldb + n];
        y[n] = finish1(acc, e, m, n);
    }
}

/* Y[M x N] = epilogue(A[M x K] B[K x N]), row-major with leading dimensions lda, ldb, ldy. */
static void matmul_nn(const float *restrict A, int32_t lda, const float *restrict B, int32_t ldb,
                      float *restrict Y, int32_t ldy, int32_t M, int32_t N, int32_t K,
                      const epilogue_t *e) {
    int32_t m = 0;
    for (; m + 4 <= M; m += 4) {
        const float *a = A + (ptrdiff_t)m * lda;
        float *y = Y + (ptrdiff_t)m * ldy;
        int32_t n = 0;
#define TILES(CLAMP, ACC) \
    for (; n + 4 <= N; n += 4) tile_4x4(a, lda, B + n, ldb, y + n, ldy, K, e, m, n, CLAMP, ACC)
        if (e->accumulate) {
            if (e->clamp) TILES(1, 1);
            else TILES(0, 1);
        } else if (e->clamp) {
            TILES(1, 0);
        } else {
            TILES(0, 0);
        }
#undef TILES
        for (int32_t r = 0; n < N && r < 4; ++r)
            row_1xN(a + (ptrdiff_t)r * lda, B, ldb, y + (ptrdiff_t)r * ldy, m + r, n, N, K, e);
    }
    for (; m < M; ++m) row_1xN(A + (ptrdiff_t)m * lda, B, ldb, Y + (ptrdiff_t)m * ldy, m, 0, N, K, e);
}

/* Y[M x N] = A[M x K] B[N x K]^T (unscaled): dot products along contiguous K. */
static void matmul_nt(const float *restrict A, const float *restrict B, float *restrict Y,
                      int32_t M, int32_t N, int32_t K) {
    for (int32_t m = 0; m < M; ++m) {
        const float *a = A + (ptrdiff_t)m * K;
        for (int32_t n = 0; n < N; ++n) {
            const float *b = B + (ptrdiff_t)n * K;
            dv4 acc = dv4_zero();
            int32_t k = 0;
            for (; k + 4 <= K; k += 4) acc = dv4_madd(dv4_load(a + k), dv4_load(b + k), acc);
            float sum = dv4_sum(acc);
            for (; k < K; ++k) sum += a[k] * b[k];
            Y[(ptrdiff_t)m * N + n] = sum;
        }
    }
}

/* Y[M x N] = A^T B or A^T B^T (unscaled); transposed A is rare, so plainly scalar. */
static void matmul_tx(const float *restrict A, const float *restrict B, float *restrict Y,
                      int32_t M, int32_t N, int32_t K, int32_t transB) {
    for (int32_t m = 0; m < M; ++m) {
        for (int32_t n = 0; n < N; ++n) {
            float acc = 0.0f;
            for (int32_t k = 0; k < K; ++k) {
                const float b = transB ? B[(ptrdiff_t)n * K + k] : B[(ptrdiff_t)k * N + n];
                acc += A[(ptrdiff_t)k * M + m] * b;
            }
            Y[(ptrdiff_t)m * N + n] = acc;
        }
    }
}

/* Y += alpha op(A) op(B) + beta C, clamped: the rare split-K tile of a layout the fused
 * path does not take, plainly scalar. */
static void gemm_accumulate(const float *restrict A, const float *restrict B,
                            const float *restrict C, float *restrict Y, int32_t M, int32_t N,
                            int32_t K, int32_t transA, int32_t transB, float alpha, float beta,
                            int32_t c_rs, int32_t c_cs, float act_min, float act_max) {
    for (int32_t m = 0; m < M; ++m) {
        for (int32_t n = 0; n < N; ++n) {
            float sum = 0.0f;
            for (int32_t k = 0; k < K; ++k) {
                const float a = transA ? A[(ptrdiff_t)k * M + m] : A[(ptrdiff_t)m * K + k];
                const float b = transB ? B[(ptrdiff_t)n * K + k] : B[(ptrdiff_t)k * N + n];
                sum += a * b;
            }
            float v = Y[(ptrdiff_t)m * N + n] + alpha * sum;
            if (C) v += beta * C[(ptrdiff_t)m * c_rs + (ptrdiff_t)n * c_cs];
            v = v < act_min ? act_min : v;
            Y[(ptrdiff_t)m * N + n] = v > act_max ? act_max : v;
        }
    }
}

void deeploy_gemm_f32(const float *restrict A, const float *restrict B,
                      const float *restrict C, float *restrict Y,
                      int32_t M, int32_t N, int32_t K, int32_t transA, int32_t transB,
                      float alpha, float beta, int32_t c_rs, int32_t c_cs,
                      float act_min, float act_max, int32_t accumulate) {
    /* The common case (plain layout, alpha = beta = 1, bias per column or none) finishes
     * every tile in registers; anything else takes a separate pass over Y. */
    const int fused = !transA && !transB && alpha == 1.0f && (!C || (beta == 1.0f && c_cs == 1));
    if (fused) {
        const epilogue_t e = epilogue(C, c_rs, act_min, act_max, accumulate);
        matmul_nn(A, K, B, N, Y, N, M, N, K, &e);
        return;
    }
    if (accumulate) {
        gemm_accumulate(A, B, C, Y, M, N, K, transA, transB, alpha, beta, c_rs, c_cs, act_min,
                        act_max);
        return;
    }
    if (!transA && !transB) {
        const epilogue_t plain = epilogue(NULL, 0, -INFINITY, INFINITY, 0);
        matmul_nn(A, K, B, N, Y, N, M, N, K, &plain);
    } else if (!transA) {
        matmul_nt(A, B, Y, M, N, K);
    } else {
        matmul_tx(A, B, Y, M, N, K, transB);
    }
    for (int32_t m = 0; m < M; ++m) {
        float *restrict y = Y + (ptrdiff_t)m * N;
        for (int32_t n = 0; n < N; ++n) {
            float v = alpha * y[n];
            if (C) v += beta * C[(ptrdiff_t)m * c_rs + (ptrdiff_t)n * c_cs];
            v = v < act_min ? act_min : v;
            y[n] = v > act_max ? act_max : v;
        }
    }
}

void deeploy_matmul_f32(const float *restrict A, const float *restrict B, float *restrict Y,
                        int32_t B1, int32_t B2, int32_t M, int32_t N, int32_t K,
                        int32_t a_s1, int32_t a_s2, int32_t b_s1, int32_t b_s2,
                        int32_t accumulate) {
    const epilogue_t plain = epilogue(NULL, 0, -INFINITY, INFINITY, accumulate);
    for (int32_t i = 0; i < B1; ++i) {
        for (int32_t j = 0; j < B2; ++j) {
            const float *a = A + (ptrdiff_t)i * a_s1 + (ptrdiff_t)j * a_s2;
            const float *b = B + (ptrdiff_t)i * b_s1 + (ptrdiff_t)j * b_s2;
            float *out = Y + ((ptrdiff_t)i * B2 + j) * M * N;
            matmul_nn(a, K, b, N, out, N, M, N, K, &plain);
        }
    }
}
