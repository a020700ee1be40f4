/* Direct grouped convolution, float32. See deeploy/conv_f32.h.
 *
 * Output is computed in register tiles of R output channels (R = 4, 2 or 1, so that
 * small groups such as depthwise ones waste nothing) x 4 output columns of one output row,
 * accumulating over (input channel, kernel row, kernel column) like a matrix product whose
 * B operand is read straight from the input image (no im2col copy):
 *  - "columns" tiles (unit column stride, or narrow kernels): the 4 input values of a
 *    kernel tap are one vector load (gathered when strided);
 *  - "taps" tiles (strided convolutions with kernels at least 4 wide): each output is a
 *    dot product along the kernel row, contiguous in both input and weights.
 * Padding is handled on the fly: out-of-range rows are skipped, vectors that reach into
 * the left/right padding are gathered with zeros. */
#include <math.h>

#include "deeploy/conv_f32.h"
#include "deeploy/simd.h"

/* Cores without float vectors (Cortex-M4 FPv4, rv32 F) take the scalar packed tiles. */
#if !defined(__SSE__) && !defined(__ARM_NEON)
#define SCALAR_PACKED_TILE 1
#endif

typedef struct {
    const float *x; /* first input channel of the group */
    int32_t H, W, KH, KW, SH, SW, DH, DW, PT, PL, Cg, OW;
    float lo, hi;
    int clamp;      /* lo or hi is finite (a fused activation) */
    int accumulate; /* add to y (a tile of a split input-channel range) */
    int post;       /* clamp or accumulate: the store has more to do */
} conv_t;

/* row[p0 + j * step] for j < 4; zero outside [0, W) and for j >= lanes. */
static inline dv4 gather4(const float *row, int32_t p0, int32_t step, int32_t W, int32_t lanes) {
    float v[4];
    for (int32_t j = 0; j < 4; ++j) {
        const int32_t p = p0 + j * step;
        v[j] = (j < lanes && p >= 0 && p < W) ? row[p] : 0.0f;
    }
    return dv4_load(v);
}

/* row[p .. p+4) with zeros outside [0, W) (unit stride): a shifted vector load where the
 * window hangs over one edge of a row at least 4 wide, else a gather. */
static inline dv4 load4_padded(const float *row, int32_t p, int32_t W) {
    if (p >= 0 && p + 4 <= W) return dv4_load(row + p);
#ifndef DEEPLOY_SIMD_EMULATED
    const dv4 z = dv4_zero();
    if (W >= 4 && p < 0 && p > -4) {
        const dv4 v = dv4_load(row);
        return p == -1 ? dv4_shuffle2(v, z, 4, 0, 1, 2)
               : p == -2 ? dv4_shuffle2(v, z, 4, 4, 0, 1)
                         : dv4_shuffle2(v, z, 4, 4, 4, 0);
    }
    if (W >= 4 && p + 4 > W && p < W) {
        const dv4 v = dv4_load(row + W - 4);
        const int32_t past = p + 4 - W;
        return past == 1 ? dv4_shuffle2(v, z, 1, 2, 3, 4)
               : past == 2 ? dv4_shuffle2(v, z, 2, 3, 4, 4)
                           : dv4_shuffle2(v, z, 3, 4, 4, 4);
    }
#endif
    return gather4(row, p, 1, W, 4);
}

/* Kernel rows kh with oh*SH + kh*DH - PT in [0, H): [*lo, *hi). */
static inline void valid_kernel_rows(const conv_t *c, int32_t oh, int32_t *lo, int32_t *hi) {
    const int32_t top = oh * c->SH - c->PT;
    int32_t a = 0, b = c->KH;
    while (a < b && top + a * c->DH < 0) ++a;
    while (b > a && top + (b - 1) * c->DH >= c->H) --b;
    *lo = a;
    *hi = b;
}

/* The previous partial sums of a split reduction (out of line: rare). */
static dv4 previous4(const float *y, int32_t cols) {
    float prev[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int32_t j = 0; j < cols; ++j) prev[j] = y[j];
    return dv4_load(prev);
}

/* What a store adds to plain writing: the previous partial sums, then the activation
 * (inline: a fused Relu6 after every block is the common case). */
static inline void store4(float *y, dv4 v, int32_t cols, const conv_t *c) {
    if (c->accumulate) v = dv4_add(v, previous4(y, cols));
    if (c->clamp) v = dv4_clamp(v, dv4_splat(c->lo), dv4_splat(c->hi));
    if (cols == 4) {
        dv4_store(y, v);
        return;
    }
    float lanes[4];
    dv4_store(lanes, v);
    y[0] = lanes[0];
    if (cols > 1) y[1] = lanes[1];
    if (cols > 2) y[2] = lanes[2];
}

/* One output after its sums: the previous partial sum added, then the activation. */
static float finish1(const float *y, float v, const conv_t *c) {
    if (c->accumulate) v += *y;
    if (c->clamp) v = v < c->lo ? c->lo : v > c->hi ? c->hi : v;
    return v;
}

/* y[j] = finish(v_j) for j < cols */
static inline void store_scalar4(float *y, float v0, float v1, float v2, float v3, int32_t cols,
                          const conv_t *c) {
    if (c->post) {
        v0 = finish1(y, v0, c);
        if (cols > 1) v1 = finish1(y + 1, v1, c);
        if (cols > 2) v2 = finish1(y + 2, v2, c);
        if (cols > 3) v3 = finish1(y + 3, v3, c);
    }
    y[0] = v0;
    if (cols > 1) y[1] = v1;
    if (cols > 2) y[2] = v2;
    if (cols > 3) y[3] = v3;
}

static inline const float *input_row(const conv_t *c, int32_t ci, int32_t oh, int32_t kh) {
    return c->x + ((ptrdiff_t)ci * c->H + oh * c->SH + kh * c->DH - c->PT) * c->W;
}

/* REP_R(X) expands X(i) for i < R: tiles keep separate accumulator variables, which
 * compilers hold in registers (arrays indexed in loops end up in memory at -O2). */
#define REP_1(X) X(0)
#define REP_2(X) X(0) X(1)
#define REP_4(X) X(0) X(1) X(2) X(3)

#define DECLARE_ACC(i) dv4 acc##i = dv4_splat(b[i]);
#define DECLARE_ZERO(i) dv4 acc##i = dv4_zero(); float tail##i = 0.0f;
#define MADD_SPLAT(i) acc##i = dv4_madd(dv4_splat(wr[i][wk + kw]), xv, acc##i);
#define MADD_ROW(i) acc##i = dv4_madd(dv4_load(wr[i] + wo + kw), xv, acc##i);
#define MADD_TAIL(i) tail##i += wr[i][wo + kw] * xs;
#define STORE_ACC(i) store4(yr[i] + oh * c->OW + ow0, acc##i, cols, c);
#define SUM_OUT(i) out[i][j] = b[i] + dv4_sum(acc##i) + tail##i;
#define DECLARE_PAIR(i) dv4 accA##i = dv4_zero(), accB##i = dv4_zero(); float tailA##i = 0.0f, tailB##i = 0.0f;
#define MADD_PAIR(i)                                                                       \
    {                                                                                      \
        const dv4 wv = dv4_load(wr[i] + wo + kw);                                          \
        accA##i = dv4_madd(wv, xa, accA##i);                                               \
        accB##i = dv4_madd(wv, xb, accB##i);                                               \
    }
#define TAIL_PAIR(i) tailA##i += wr[i][wo + kw] * xa_s, tailB##i += wr[i][wo + kw] * xb_s;
#define SUM_PAIR(i) out[i][j] = b[i] + dv4_sum(accA##i) + tailA##i, out[i][j + 1] = b[i] + dv4_sum(accB##i) + tailB##i;

/* tile_columns_R / tile_taps_R: one tile of R channels (weights wr[i], outputs yr[i], bias
 * b[i]) x output columns [ow0, ow0 + cols) of output row oh. */
#define DEFINE_TILES(R)                                                                    \
    static void tile_columns_##R(const conv_t *c, const float *const *wr, float *const *yr,\
                                 const float *b, int32_t oh, int32_t ow0, int32_t cols) {  \
        REP_##R(DECLARE_ACC)                                                               \
        int32_t kh_lo, kh_hi;                                                              \
        valid_kernel_rows(c, oh, &kh_lo, &kh_hi);                                          \
        const int32_t p_first = ow0 * c->SW - c->PL;                                       \
        const int32_t p_last = (ow0 + 3) * c->SW + (c->KW - 1) * c->DW - c->PL;            \
        const int interior = cols == 4 && p_first >= 0 && p_last < c->W;                  \
        const int32_t taps = c->KH * c->KW;                                                \
        for (int32_t ci = 0; ci < c->Cg; ++ci) {                                           \
            for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {                                   \
                const float *row = input_row(c, ci, oh, kh);                               \
                const int32_t wk = ci * taps + kh * c->KW;                                 \
                if (interior && c->SW == 1) {                                              \
                    const float *xp = row + p_first;                                       \
                    for (int32_t kw = 0; kw < c->KW; ++kw, xp += c->DW) {                  \
                        const dv4 xv = dv4_load(xp);                                       \
                        REP_##R(MADD_SPLAT)                                                \
                    }                                                                      \
                    continue;                                                              \
                }                                                                          \
                for (int32_t kw = 0; kw < c->KW; ++kw) {                                   \
                    const int32_t p0 = p_first + kw * c->DW;                               \
                    const dv4 xv = interior ? dv4_set(row[p0], row[p0 + c->SW],            \
                                                      row[p0 + 2 * c->SW], row[p0 + 3 * c->SW]) \
                                   : (c->SW == 1 && cols == 4) ? load4_padded(row, p0, c->W) \
                                            : gather4(row, p0, c->SW, c->W, cols);         \
                    REP_##R(MADD_SPLAT)                                                    \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
        REP_##R(STORE_ACC)                                                                 \
    }                                                                                      \
                                                                                           \
    static void tile_taps_##R(const conv_t *c, const float *const *wr, float *const *yr,   \
                              const float *b, int32_t oh, int32_t ow0, int32_t cols) {     \
        const int32_t W = c->W, KW = c->KW, kw4 = KW & ~3, taps = c->KH * KW;              \
        const ptrdiff_t plane = (ptrdiff_t)c->H * W, row_step = (ptrdiff_t)c->DH * W;      \
        float out[R][4];                                                                   \
        int32_t kh_lo, kh_hi;                                                              \
        valid_kernel_rows(c, oh, &kh_lo, &kh_hi);                                          \
        const float *first_row = input_row(c, 0, oh, kh_lo);                               \
        for (int32_t j = 0; j < cols;) {                                                   \
            const int32_t pa = (ow0 + j) * c->SW - c->PL, pb = pa + c->SW;                 \
            if (j + 1 < cols && pa >= 0 && pb + KW <= W) {                                 \
                /* two interior output columns at once share every weight load */          \
                REP_##R(DECLARE_PAIR)                                                      \
                for (int32_t ci = 0; ci < c->Cg; ++ci) {                                   \
                    const float *row = first_row + ci * plane;                             \
                    ptrdiff_t wo = (ptrdiff_t)ci * taps + kh_lo * KW;                      \
                    for (int32_t kh = kh_lo; kh < kh_hi; ++kh, row += row_step, wo += KW) {\
                        int32_t kw = 0;                                                    \
                        for (; kw < kw4; kw += 4) {                                        \
                            const dv4 xa = dv4_load(row + pa + kw), xb = dv4_load(row + pb + kw); \
                            REP_##R(MADD_PAIR)                                             \
                        }                                                                  \
                        for (; kw < KW; ++kw) {                                            \
                            const float xa_s = row[pa + kw], xb_s = row[pb + kw];          \
                            REP_##R(TAIL_PAIR)                                             \
                        }                                                                  \
                    }                                                                      \
                }                                                                          \
                REP_##R(SUM_PAIR)                                                          \
                j += 2;                                                                    \
                continue;                                                                  \
            }                                                                              \
            const int32_t p0 = pa;                                                         \
            const int inside = p0 >= 0 && p0 + KW <= W;                                    \
            REP_##R(DECLARE_ZERO)                                                          \
            for (int32_t ci = 0; ci < c->Cg; ++ci) {                                       \
                const float *row = first_row + ci * plane;                                 \
                ptrdiff_t wo = (ptrdiff_t)ci * taps + kh_lo * KW;                          \
                for (int32_t kh = kh_lo; kh < kh_hi; ++kh, row += row_step, wo += KW) {    \
                    int32_t kw = 0;                                                        \
                    if (inside) {                                                          \
                        const float *xp = row + p0;                                        \
                        for (; kw < kw4; kw += 4) {                                        \
                            const dv4 xv = dv4_load(xp + kw);                              \
                            REP_##R(MADD_ROW)                                              \
                        }                                                                  \
                    } else {                                                               \
                        for (; kw < kw4; kw += 4) {                                        \
                            const dv4 xv = gather4(row, p0 + kw, 1, W, 4);                 \
                            REP_##R(MADD_ROW)                                              \
                        }                                                                  \
                    }                                                                      \
                    for (; kw < KW; ++kw) {                                                \
                        const int32_t p = p0 + kw;                                         \
                        const float xs = (p >= 0 && p < W) ? row[p] : 0.0f;                \
                        REP_##R(MADD_TAIL)                                                 \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
            REP_##R(SUM_OUT)                                                               \
            ++j;                                                                           \
        }                                                                                  \
        for (int32_t i = 0; i < R; ++i) {                                                  \
            for (int32_t j = cols; j < 4; ++j) out[i][j] = 0.0f;                           \
            store4(yr[i] + oh * c->OW + ow0, dv4_load(out[i]), cols, c);                   \
        }                                                                                  \
    }

DEFINE_TILES(4)
DEFINE_TILES(2)
DEFINE_TILES(1)

typedef void (*tile_fn)(const conv_t *, const float *const *, float *const *, const float *,
                        int32_t, int32_t, int32_t);

/* Depthwise convolutions (one input and one output channel per group): each channel's
 * plane on its own. Per output row, the columns whose taps all fall inside the row run 4
 * at a time (a vector, or 4 sums in float registers where there are no vectors), the
 * weights broadcast once per channel; the columns at the row's ends, whose taps reach into
 * the padding, one at a time with bounds checks. */
static inline float depthwise_at(const conv_t *c, const float *w, float bias, int32_t oh,
                                 int32_t ow, int32_t kh_lo, int32_t kh_hi) {
    const int32_t left = ow * c->SW - c->PL, KW = c->KW, DW = c->DW;
    int32_t kw_lo = 0, kw_hi = KW; /* the taps inside the row */
    while (kw_lo < kw_hi && left + kw_lo * DW < 0) ++kw_lo;
    while (kw_hi > kw_lo && left + (kw_hi - 1) * DW >= c->W) --kw_hi;
    const float *row = input_row(c, 0, oh, kh_lo) + left;
    const ptrdiff_t step = (ptrdiff_t)c->DH * c->W;
    float acc = bias;
    for (int32_t kh = kh_lo; kh < kh_hi; ++kh, row += step) {
        const float *wk = w + kh * KW;
        for (int32_t kw = kw_lo; kw < kw_hi; ++kw) acc += wk[kw] * row[kw * DW];
    }
    return acc;
}

#define DEPTHWISE_MAX_TAPS 25 /* up to 5 x 5: weights broadcast once per channel */

/* 3 x 3 depthwise with unit dilation and column stride S (1 or 2, a literal): outputs
 * [ow, ow_end) of one row, 4 at a time, from input rows r0..r2 (each already shifted by the
 * left padding, so output o's tap kw reads r[o * S + kw]) and the 9 weights k (a row
 * outside the image has zero weights and any valid row as its stand-in). */
#ifdef SCALAR_PACKED_TILE
#define DW3_ROW(r, S, a, b, d)                                                                \
    do {                                                                                   \
        const float *p_ = (r) + ow * S;                                                    \
        const float x0 = p_[0], x1 = p_[1], x2 = p_[2], x3 = p_[S], x4 = p_[S + 1];        \
        const float x5 = p_[S + 2], x6 = p_[2 * S], x7 = p_[2 * S + 1];                    \
        const float x8 = p_[2 * S + 2], x9 = p_[3 * S], x10 = p_[3 * S + 1];               \
        const float x11 = p_[3 * S + 2];                                                   \
        s0 += (a) * x0, s0 += (b) * x1, s0 += (d) * x2;                                    \
        s1 += (a) * x3, s1 += (b) * x4, s1 += (d) * x5;                                    \
        s2 += (a) * x6, s2 += (b) * x7, s2 += (d) * x8;                                    \
        s3 += (a) * x9, s3 += (b) * x10, s3 += (d) * x11;                                  \
    } while (0)
#define DEFINE_DW3(NAME, S)                                                                \
    static void NAME(const conv_t *c, const float *r0, const float *r1, const float *r2,   \
                     const float *k, float bias, float *yrow, int32_t ow, int32_t ow_end) { \
        const float k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5];      \
        const float k6 = k[6], k7 = k[7], k8 = k[8];                                       \
        for (; ow < ow_end; ow = ow + 8 <= ow_end || ow + 4 == ow_end ? ow + 4 : ow_end - 4) { \
            float s0 = bias, s1 = bias, s2 = bias, s3 = bias;                              \
            DW3_ROW(r0, S, k0, k1, k2);                                                       \
            DW3_ROW(r1, S, k3, k4, k5);                                                       \
            DW3_ROW(r2, S, k6, k7, k8);                                                       \
            store_scalar4(yrow + ow, s0, s1, s2, s3, 4, c);                                \
        }                                                                                  \
    }
#else
/* the row's 3 tap vectors: unaligned loads (S = 1), or even and odd lanes of two loads
 * and the even lanes moved on by one (S = 2; never reads past the last tap) */
#if defined(DEEPLOY_SIMD_EMULATED)
#define DW3_TAPS(p_, S, t0, t1, t2)                                                        \
    const dv4 t0 = dv4_set((p_)[0], (p_)[S], (p_)[2 * S], (p_)[3 * S]);                    \
    const dv4 t1 = dv4_set((p_)[1], (p_)[S + 1], (p_)[2 * S + 1], (p_)[3 * S + 1]);        \
    const dv4 t2 = dv4_set((p_)[2], (p_)[S + 2], (p_)[2 * S + 2], (p_)[3 * S + 2]);
#else
#define DW3_TAPS(p_, S, t0, t1, t2)                                                        \
    dv4 t0, t1, t2;                                                                        \
    if (S == 1) {                                                                          \
        t0 = dv4_load(p_), t1 = dv4_load((p_) + 1), t2 = dv4_load((p_) + 2);               \
    } else {                                                                               \
        const dv4 lo_ = dv4_load(p_), hi_ = dv4_load((p_) + 4);                            \
        t0 = dv4_shuffle2(lo_, hi_, 0, 2, 4, 6), t1 = dv4_shuffle2(lo_, hi_, 1, 3, 5, 7);  \
        t2 = dv4_shuffle2(t0, dv4_splat((p_)[8]), 1, 2, 3, 4);                             \
    }
#endif
#define DW3_ROW(r, S, a, b, d)                                                                \
    do {                                                                                   \
        const float *p_ = (r) + ow * S;                                                    \
        DW3_TAPS(p_, S, t0_, t1_, t2_)                                                     \
        acc = dv4_madd(a, t0_, acc), acc = dv4_madd(b, t1_, acc);                          \
        acc = dv4_madd(d, t2_, acc);                                                       \
    } while (0)
#define DEFINE_DW3(NAME, S)                                                                \
    static void NAME(const conv_t *c, const float *r0, const float *r1, const float *r2,   \
                     const float *k, float bias, float *yrow, int32_t ow, int32_t ow_end) { \
        const dv4 k0 = dv4_splat(k[0]), k1 = dv4_splat(k[1]), k2 = dv4_splat(k[2]);        \
        const dv4 k3 = dv4_splat(k[3]), k4 = dv4_splat(k[4]), k5 = dv4_splat(k[5]);        \
        const dv4 k6 = dv4_splat(k[6]), k7 = dv4_splat(k[7]), k8 = dv4_splat(k[8]);        \
        const dv4 b_ = dv4_splat(bias);                                                    \
        for (; ow < ow_end; ow = ow + 8 <= ow_end || ow + 4 == ow_end ? ow + 4 : ow_end - 4) { \
            dv4 acc = b_;                                                                  \
            DW3_ROW(r0, S, k0, k1, k2);                                                       \
            DW3_ROW(r1, S, k3, k4, k5);                                                       \
            DW3_ROW(r2, S, k6, k7, k8);                                                       \
            store4(yrow + ow, acc, 4, c);                                                  \
        }                                                                                  \
    }
#endif
DEFINE_DW3(depthwise3x3_s1, 1)
DEFINE_DW3(depthwise3x3_s2, 2)
#undef DW3_ROW
#undef DW3_TAPS
#undef DEFINE_DW3

#if !defined(SCALAR_PACKED_TILE) && !defined(DEEPLOY_SIMD_EMULATED)
#define DEPTHWISE_EDGE_BLOCKS 1
/* The 3 x 3 blocks at a row's ends with one column of padding (rows r unshifted, weights
 * k as above): the padding is a zero lane shuffled in, so the ends cost about what the
 * interior does. Left: outputs [0, 4), column stride 1 (W >= 5) or 2 (W >= 8). Right
 * (stride 1, as many outputs as input columns): outputs [OW - 4, OW). */
static void depthwise3x3_ends(const conv_t *c, const float *const *r, const float *k,
                              float bias, float *yrow, int left) {
    const dv4 z = dv4_zero();
    dv4 acc = dv4_splat(bias);
    const int32_t at = left ? 0 : c->W - 4;
    for (int32_t kh = 0; kh < 3; ++kh) {
        const float *row = r[kh];
        dv4 t0, t1, t2;
        if (!left) { /* inputs W-5 .. W, the last one padding */
            t0 = dv4_load(row + at - 1), t1 = dv4_load(row + at);
            t2 = dv4_shuffle2(t1, z, 1, 2, 3, 4);
        } else if (c->SW == 1) { /* inputs -1 .. 4, the first one padding */
            t1 = dv4_load(row), t2 = dv4_load(row + 1);
            t0 = dv4_shuffle2(t1, z, 4, 0, 1, 2);
        } else { /* inputs -1 .. 7 at stride 2 */
            const dv4 lo = dv4_load(row), hi = dv4_load(row + 4);
            t1 = dv4_shuffle2(lo, hi, 0, 2, 4, 6), t2 = dv4_shuffle2(lo, hi, 1, 3, 5, 7);
            t0 = dv4_shuffle2(t2, z, 4, 0, 1, 2);
        }
        acc = dv4_madd(dv4_splat(k[3 * kh]), t0, acc);
        acc = dv4_madd(dv4_splat(k[3 * kh + 1]), t1, acc);
        acc = dv4_madd(dv4_splat(k[3 * kh + 2]), t2, acc);
    }
    store4(yrow + (left ? 0 : c->OW - 4), acc, 4, c);
}
#endif

/* Small planes (rows shorter than a few blocks) cost their row set-up and edge columns,
 * not their taps: such a plane is copied once into a zero-bordered stack buffer
 * (DEPTHWISE_SMALL floats at most: 1 KiB), where every output is a block's, the last
 * block of a row overlapping the one before or, in a row narrower than 4, written
 * through a 4-wide temporary. 3 x 3, unit dilation, stride 1 or 2, one row and column of
 * padding at the start and at most one at the end, no partial sums to add. Vector
 * builds only: on rv32 the scalar copy cost more than it saved (measured). */
#ifndef SCALAR_PACKED_TILE
#define DEPTHWISE_SMALL 256

static int depthwise_small_plane(const conv_t *c, const float *restrict w, float bias,
                                 float *restrict y, int32_t OH) {
    const int32_t H = c->H, W = c->W, OW = c->OW, S = c->SW;
    const int32_t Wp = W + 2 > 3 * S + 3 ? W + 2 : 3 * S + 3; /* a block's reach fits */
    if (c->accumulate || c->PT != 1 || c->PL != 1 || c->SH != S || (H + 2) * Wp > DEPTHWISE_SMALL ||
        (OH - 1) * S + 2 > H + 1 || (OW - 1) * S + 2 > W + 1)
        return 0;
    float pad[DEPTHWISE_SMALL];
    for (int32_t i = 0; i < (H + 2) * Wp; ++i) pad[i] = 0.0f;
    for (int32_t i = 0; i < H; ++i)
        for (int32_t j = 0; j < W; ++j) pad[(i + 1) * Wp + j + 1] = c->x[(ptrdiff_t)i * W + j];
    for (int32_t oh = 0; oh < OH; ++oh) {
        const float *r0 = pad + oh * S * Wp, *r1 = r0 + Wp, *r2 = r1 + Wp;
        float *yrow = y + (ptrdiff_t)oh * OW;
        if (OW >= 4) {
            if (S == 1) depthwise3x3_s1(c, r0, r1, r2, w, bias, yrow, 0, OW);
            else depthwise3x3_s2(c, r0, r1, r2, w, bias, yrow, 0, OW);
            continue;
        }
        float four[4];
        if (S == 1) depthwise3x3_s1(c, r0, r1, r2, w, bias, four, 0, 4);
        else depthwise3x3_s2(c, r0, r1, r2, w, bias, four, 0, 4);
        for (int32_t j = 0; j < OW; ++j) yrow[j] = four[j];
    }
    return 1;
}
#endif

static void depthwise_plane(const conv_t *c, const float *restrict w, float bias,
                            float *restrict y, int32_t OH) {
    const int32_t KW = c->KW, SW = c->SW, DW = c->DW, W = c->W, OW = c->OW;
    const int32_t reach = (KW - 1) * DW;
    /* interior columns: ow * SW - PL >= 0 and ow * SW - PL + reach < W */
    int32_t ow_lo = (c->PL + SW - 1) / SW;
    int32_t ow_hi = W - reach + c->PL > 0 ? (W - reach + c->PL - 1) / SW + 1 : 0;
    ow_hi = ow_hi < OW ? ow_hi : OW;
    ow_lo = ow_lo < ow_hi ? ow_lo : ow_hi;
    const int three = c->KH == 3 && KW == 3 && c->DH == 1 && DW == 1 && (SW == 1 || SW == 2);
#ifdef DEPTHWISE_SMALL
    if (three && depthwise_small_plane(c, w, bias, y, OH)) return;
#endif
#ifndef SCALAR_PACKED_TILE
    dv4 ws[DEPTHWISE_MAX_TAPS];
    for (int32_t t = 0; t < c->KH * KW; ++t) ws[t] = dv4_splat(w[t]);
#endif
    for (int32_t oh = 0; oh < OH; ++oh) {
        int32_t kh_lo, kh_hi;
        valid_kernel_rows(c, oh, &kh_lo, &kh_hi);
        float *yrow = y + (ptrdiff_t)oh * OW;
        int32_t ow = 0;
        if (three) {
            /* rows outside the image: zero weights, and a valid row to read */
            const float *r[3];
            float clipped[9];
            const float *k = w;
            if (kh_lo > 0 || kh_hi < 3) {
                for (int32_t t = 0; t < 9; ++t) clipped[t] = t / 3 >= kh_lo && t / 3 < kh_hi ? w[t] : 0.0f;
                k = clipped;
            }
            for (int32_t kh = 0; kh < 3; ++kh)
                r[kh] = input_row(c, 0, oh, kh >= kh_lo && kh < kh_hi ? kh : kh_lo);
#ifdef DEPTHWISE_EDGE_BLOCKS
            if (c->PL == 1 && OW >= 4 && W >= (SW == 1 ? 5 : 8)) {
                depthwise3x3_ends(c, r, k, bias, yrow, 1);
                ow = 4;
            }
            /* the right end as a block overlapping the interior's last one */
            const int right = SW == 1 && c->PL == 1 && OW == W && W >= 8 && !c->accumulate;
#endif
            while (ow < OW) {
#ifdef DEPTHWISE_EDGE_BLOCKS
                if (right && ow >= ow_hi) {
                    depthwise3x3_ends(c, r, k, bias, yrow, 0);
                    break;
                }
#endif
                if (ow >= ow_lo && ow + 4 <= ow_hi) {
                    int32_t end = ow + (ow_hi - ow) / 4 * 4;
                    /* the interior's last columns as one more block of 4, overlapping the
                     * one before (recomputed alike), unless stores add to partial sums */
                    if (end < ow_hi && !c->accumulate) end = ow_hi;
                    if (SW == 1)
                        depthwise3x3_s1(c, r[0] - c->PL, r[1] - c->PL, r[2] - c->PL, k, bias, yrow, ow, end);
                    else
                        depthwise3x3_s2(c, r[0] - c->PL, r[1] - c->PL, r[2] - c->PL, k, bias, yrow, ow, end);
                    ow = end;
                    continue;
                }
                yrow[ow] = finish1(yrow + ow, depthwise_at(c, w, bias, oh, ow, kh_lo, kh_hi), c);
                ++ow;
            }
            continue;
        }
        for (; ow < ow_lo; ++ow) yrow[ow] = finish1(yrow + ow, depthwise_at(c, w, bias, oh, ow, kh_lo, kh_hi), c);
        for (; ow + 4 <= ow_hi; ow += 4) {
            const int32_t left = ow * SW - c->PL;
#ifdef SCALAR_PACKED_TILE
            float s0 = bias, s1 = bias, s2 = bias, s3 = bias;
            for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {
                const float *xp = input_row(c, 0, oh, kh) + left;
                const float *wk = w + kh * KW;
                for (int32_t kw = 0; kw < KW; ++kw, xp += DW) {
                    const float wv = wk[kw];
                    s0 += wv * xp[0], s1 += wv * xp[SW], s2 += wv * xp[2 * SW];
                    s3 += wv * xp[3 * SW];
                }
            }
            store_scalar4(yrow + ow, s0, s1, s2, s3, 4, c);
#else
            dv4 acc = dv4_splat(bias);
            for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {
                const float *xp = input_row(c, 0, oh, kh) + left;
                const dv4 *wk = ws + kh * KW;
                for (int32_t kw = 0; kw < KW; ++kw, xp += DW) {
#ifndef DEEPLOY_SIMD_EMULATED
                    const dv4 xv = SW == 1 ? dv4_load(xp)
                                   : SW == 2 ? dv4_shuffle2(dv4_load(xp), dv4_load(xp + 4), 0, 2, 4, 6)
                                             : dv4_set(xp[0], xp[SW], xp[2 * SW], xp[3 * SW]);
#else
                    const dv4 xv = dv4_set(xp[0], xp[SW], xp[2 * SW], xp[3 * SW]);
#endif
                    acc = dv4_madd(wk[kw], xv, acc);
                }
            }
            store4(yrow + ow, acc, 4, c);
#endif
        }
        for (; ow < OW; ++ow) yrow[ow] = finish1(yrow + ow, depthwise_at(c, w, bias, oh, ow, kh_lo, kh_hi), c);
    }
}

void deeploy_conv2d_f32(const float *restrict x, const float *restrict w,
                        const float *restrict bias, float *restrict y,
                        int32_t N, int32_t C, int32_t H, int32_t W,
                        int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW,
                        int32_t SH, int32_t SW, int32_t DH, int32_t DW,
                        int32_t PT, int32_t PL, int32_t G,
                        float act_min, float act_max, int32_t accumulate) {
    const int32_t Cg = C / G, Fg = F / G, wsize = Cg * KH * KW;
    const int clamp = act_min > -INFINITY || act_max < INFINITY;
    const int taps = SW > 1 && DW == 1 && KW >= 4;
    for (int32_t n = 0; n < N; ++n) {
        for (int32_t g = 0; g < G; ++g) {
            const conv_t c = {x + ((ptrdiff_t)n * C + (ptrdiff_t)g * Cg) * H * W,
                              H, W, KH, KW, SH, SW, DH, DW, PT, PL, Cg, OW, act_min, act_max,
                              clamp, accumulate != 0, clamp || accumulate};
            if (Cg == 1 && Fg == 1 && KH * KW <= DEPTHWISE_MAX_TAPS) {
                depthwise_plane(&c, w + (ptrdiff_t)g * wsize, bias ? bias[g] : 0.0f,
                                y + ((ptrdiff_t)n * F + g) * OH * OW, OH);
                continue;
            }
            for (int32_t f0 = 0; f0 < Fg;) {
                const int32_t rows = Fg - f0 >= 4 ? 4 : Fg - f0 >= 2 ? 2 : 1;
                const tile_fn tile = rows == 4 ? (taps ? tile_taps_4 : tile_columns_4)
                                     : rows == 2 ? (taps ? tile_taps_2 : tile_columns_2)
                                                 : (taps ? tile_taps_1 : tile_columns_1);
                const float *wr[4];
                float *yr[4];
                float b[4];
                for (int32_t i = 0; i < rows; ++i) {
                    const int32_t f = g * Fg + f0 + i;
                    wr[i] = w + (ptrdiff_t)f * wsize;
                    yr[i] = y + ((ptrdiff_t)n * F + f) * OH * OW;
                    b[i] = bias ? bias[f] : 0.0f;
                }
                for (int32_t oh = 0; oh < OH; ++oh)
                    for (int32_t ow0 = 0; ow0 < OW; ow0 += 4)
                        tile(&c, wr, yr, b, oh, ow0, OW - ow0 < 4 ? OW - ow0 : 4);
                f0 += rows;
            }
        }
    }
}

/* Packed weights: one tile is 4 output channels (a vector of packed weights per tap) x 4
 * output columns (with unit stride, the tap's 4 input values broadcast from one vector by
 * shuffles: 16 multiply-accumulates for about 14 instructions). Accumulators hold
 * channels; they are transposed to columns once per tile. */
#ifndef SCALAR_PACKED_TILE
/* The 4 input values of a tap (unit column stride): one load, or a bounds-checked gather
 * where the tap reaches into the padding or past the last column. */
static inline dv4 input4(const float *row, int32_t p0, int32_t W, int32_t cols) {
    if (cols == 4) return load4_padded(row, p0, W);
    return gather4(row, p0, 1, W, cols);
}

static void packed_tile(const conv_t *c, const float *restrict wp, const float *b, float *const *yr,
                        int32_t oh, int32_t ow0, int32_t cols) {
    const dv4 bias = dv4_load(b);
    dv4 a0 = bias, a1 = bias, a2 = bias, a3 = bias;
    int32_t kh_lo, kh_hi;
    valid_kernel_rows(c, oh, &kh_lo, &kh_hi);
    const int32_t KW = c->KW, DW = c->DW, W = c->W;
    const int32_t p_first = ow0 - c->PL;
    const ptrdiff_t plane = (ptrdiff_t)c->H * W, row_step = (ptrdiff_t)c->DH * W;
    const float *first_row = input_row(c, 0, oh, kh_lo);
    for (int32_t ci = 0; ci < c->Cg; ++ci) {
        const float *row = first_row + ci * plane;
        const float *w = wp + ((ptrdiff_t)ci * c->KH + kh_lo) * KW * 4;
        for (int32_t kh = kh_lo; kh < kh_hi; ++kh, row += row_step) {
            int32_t p = p_first;
            for (int32_t kw = 0; kw < KW; ++kw, p += DW, w += 4) {
                const dv4 xv = input4(row, p, W, cols);
                const dv4 wv = dv4_load(w);
                a0 = dv4_madd(dv4_lane(xv, 0), wv, a0);
                a1 = dv4_madd(dv4_lane(xv, 1), wv, a1);
                a2 = dv4_madd(dv4_lane(xv, 2), wv, a2);
                a3 = dv4_madd(dv4_lane(xv, 3), wv, a3);
            }
        }
    }
    dv4 rows[4];
    dv4_transpose(a0, a1, a2, a3, rows);
    for (int32_t i = 0; i < 4; ++i) store4(yr[i] + oh * c->OW + ow0, rows[i], cols, c);
}

/* Strided columns: each of the 4 inputs is broadcast from a scalar load (a gather would
 * cost more), 17 instructions per 16 multiply-accumulates. */
static inline dv4 input_at(const float *row, int32_t p, int32_t W) {
    return dv4_splat(p >= 0 && p < W ? row[p] : 0.0f);
}

static void packed_tile_strided(const conv_t *c, const float *restrict wp, const float *b,
                                float *const *yr, int32_t oh, int32_t ow0, int32_t cols) {
    const dv4 bias = dv4_load(b);
    dv4 a0 = bias, a1 = bias, a2 = bias, a3 = bias;
    int32_t kh_lo, kh_hi;
    valid_kernel_rows(c, oh, &kh_lo, &kh_hi);
    const int32_t KW = c->KW, SW = c->SW, DW = c->DW, W = c->W;
    /* Columns past `cols` re-read the last real column (valid memory, results dropped). */
    const ptrdiff_t s1 = (cols > 1 ? 1 : 0) * SW, s2 = (cols > 2 ? 2 : cols - 1) * SW;
    const ptrdiff_t s3 = (ptrdiff_t)(cols - 1) * SW;
    const int32_t p_first = ow0 * SW - c->PL;
    /* taps kw in [kw_lo, kw_hi) read only columns inside [0, W) */
    int32_t kw_lo = 0, kw_hi = KW;
    while (kw_lo < KW && p_first + kw_lo * DW < 0) ++kw_lo;
    while (kw_hi > kw_lo && p_first + (kw_hi - 1) * DW + s3 >= W) --kw_hi;
    const ptrdiff_t plane = (ptrdiff_t)c->H * W, row_step = (ptrdiff_t)c->DH * W;
    const float *first_row = input_row(c, 0, oh, kh_lo);
    for (int32_t ci = 0; ci < c->Cg; ++ci) {
        const float *row = first_row + ci * plane;
        const float *wk = wp + ((ptrdiff_t)ci * c->KH + kh_lo) * KW * 4;
        for (int32_t kh = kh_lo; kh < kh_hi; ++kh, row += row_step, wk += KW * 4) {
            for (int32_t kw = 0; kw < kw_lo; ++kw) {
                const int32_t p = p_first + kw * DW;
                const dv4 wv = dv4_load(wk + 4 * kw);
                a0 = dv4_madd(input_at(row, p, W), wv, a0);
                a1 = dv4_madd(input_at(row, p + (int32_t)s1, W), wv, a1);
                a2 = dv4_madd(input_at(row, p + (int32_t)s2, W), wv, a2);
                a3 = dv4_madd(input_at(row, p + (int32_t)s3, W), wv, a3);
            }
            const float *xp = row + p_first + kw_lo * DW;
            const float *w = wk + 4 * kw_lo;
            int32_t kw = kw_lo;
            if (DW == 1) {
                /* 4 taps at a time: column j's 4 inputs are one vector, each tap one lane */
                for (; kw + 4 <= kw_hi; kw += 4, xp += 4, w += 16) {
                    const dv4 x0 = dv4_load(xp), x1 = dv4_load(xp + s1);
                    const dv4 x2 = dv4_load(xp + s2), x3 = dv4_load(xp + s3);
#define TAP(l)                                                                             \
    {                                                                                      \
        const dv4 wv = dv4_load(w + 4 * (l));                                              \
        a0 = dv4_madd(dv4_lane(x0, l), wv, a0);                                            \
        a1 = dv4_madd(dv4_lane(x1, l), wv, a1);                                            \
        a2 = dv4_madd(dv4_lane(x2, l), wv, a2);                                            \
        a3 = dv4_madd(dv4_lane(x3, l), wv, a3);                                            \
    }
                    TAP(0) TAP(1) TAP(2) TAP(3)
#undef TAP
                }
            }
            for (; kw < kw_hi; ++kw, xp += DW, w += 4) {
                const dv4 wv = dv4_load(w);
                a0 = dv4_madd(dv4_splat(xp[0]), wv, a0);
                a1 = dv4_madd(dv4_splat(xp[s1]), wv, a1);
                a2 = dv4_madd(dv4_splat(xp[s2]), wv, a2);
                a3 = dv4_madd(dv4_splat(xp[s3]), wv, a3);
            }
            for (int32_t kw = kw_hi > kw_lo ? kw_hi : kw_lo; kw < KW; ++kw) {
                const int32_t p = p_first + kw * DW;
                const dv4 wv = dv4_load(wk + 4 * kw);
                a0 = dv4_madd(input_at(row, p, W), wv, a0);
                a1 = dv4_madd(input_at(row, p + (int32_t)s1, W), wv, a1);
                a2 = dv4_madd(input_at(row, p + (int32_t)s2, W), wv, a2);
                a3 = dv4_madd(input_at(row, p + (int32_t)s3, W), wv, a3);
            }
        }
    }
    dv4 rows[4];
    dv4_transpose(a0, a1, a2, a3, rows);
    for (int32_t i = 0; i < 4; ++i) store4(yr[i] + oh * c->OW + ow0, rows[i], cols, c);
}

#endif

#ifdef SCALAR_PACKED_TILE
/* The packed tile for cores without float vectors (Cortex-M4 FPv4, rv32 F): 4 channels x
 * 4 columns (or 3, for the last columns of a row) of sums in float registers as plain
 * floats (a sum that passes through a vector type leaves the float registers there); per
 * tap the 4 packed weights and each column's input: 8 loads and 16 multiply-adds (fused
 * where the target has them). The common column strides are literals, so the columns'
 * loads take immediate offsets; taps that reach into the padding load through a bounds
 * check. Each variant is its own function: in a frame of its own, the sums get float
 * registers of their own, and the variant is chosen once per tile. */


#define SUMS4(i) float s##i##0 = b[i], s##i##1 = b[i], s##i##2 = b[i], s##i##3 = b[i];
#define SUMS3(i) float s##i##0 = b[i], s##i##1 = b[i], s##i##2 = b[i];
#define MADD4(i) \
    s##i##0 += w##i * x0, s##i##1 += w##i * x1, s##i##2 += w##i * x2, s##i##3 += w##i * x3;
#define MADD3(i) s##i##0 += w##i * x0, s##i##1 += w##i * x1, s##i##2 += w##i * x2;
#define STORE4(i) \
    store_scalar4(yr[i] + oh * c->OW + ow0, s##i##0, s##i##1, s##i##2, s##i##3, cols, c);
#define STORE3(i) store_scalar4(yr[i] + oh * c->OW + ow0, s##i##0, s##i##1, s##i##2, 0.0f, cols, c);
/* one tap: weights at wk_, the columns' inputs X0.. (X3 unused with 3 columns) */
#define TAP4(wk_, X0, X1, X2, X3)                                                          \
    do {                                                                                   \
        const float w0 = (wk_)[0], w1 = (wk_)[1], w2 = (wk_)[2], w3 = (wk_)[3];            \
        const float x0 = (X0), x1 = (X1), x2 = (X2), x3 = (X3);                            \
        REP_4(MADD4)                                                                       \
    } while (0)
#define TAP3(wk_, X0, X1, X2, X3)                                                          \
    do {                                                                                   \
        const float w0 = (wk_)[0], w1 = (wk_)[1], w2 = (wk_)[2], w3 = (wk_)[3];            \
        const float x0 = (X0), x1 = (X1), x2 = (X2);                                       \
        REP_4(MADD3)                                                                       \
    } while (0)
#define INPUT_AT(p) ((p) >= 0 && (p) < W ? row[(p)] : 0.0f)

/* NAME: a tile of 4 channels x `cols` columns (at most NC); S1..S3: the columns' offsets
 * from the first (literals, or s1..s3: with fewer columns than NC, the last real column
 * is read again and its result dropped). */
#define DEFINE_SCALAR_TILE(NAME, SUMS, TAP, STORE, S1, S2, S3)                             \
    static __attribute__((noinline)) void NAME(const conv_t *c, const float *restrict wp,  \
                                               const float *b, float *const *yr,            \
                                               int32_t oh, int32_t ow0, int32_t cols) {     \
        REP_4(SUMS)                                                                        \
        int32_t kh_lo, kh_hi;                                                              \
        valid_kernel_rows(c, oh, &kh_lo, &kh_hi);                                          \
        const int32_t KW = c->KW, SW = c->SW, DW = c->DW, W = c->W;                        \
        const ptrdiff_t s1 = (cols > 1 ? 1 : 0) * SW, s2 = (cols > 2 ? 2 : cols - 1) * SW; \
        const ptrdiff_t s3 = (ptrdiff_t)(cols - 1) * SW;                                   \
        (void)s1, (void)s2, (void)s3;                                                      \
        const int32_t p_first = ow0 * SW - c->PL;                                          \
        /* taps kw in [kw_lo, kw_hi) read only columns inside [0, W) */                    \
        int32_t kw_lo = 0, kw_hi = KW;                                                     \
        while (kw_lo < KW && p_first + kw_lo * DW < 0) ++kw_lo;                            \
        while (kw_hi > kw_lo && p_first + (kw_hi - 1) * DW + (cols - 1) * SW >= W) --kw_hi; \
        const int32_t edge_from = kw_hi > kw_lo ? kw_hi : kw_lo;                           \
        const ptrdiff_t plane = (ptrdiff_t)c->H * W, row_step = (ptrdiff_t)c->DH * W;      \
        const float *first_row = input_row(c, 0, oh, kh_lo);                               \
        for (int32_t ci = 0; ci < c->Cg; ++ci) {                                           \
            const float *row = first_row + ci * plane;                                     \
            const float *wk = wp + ((ptrdiff_t)ci * c->KH + kh_lo) * KW * 4;               \
            for (int32_t kh = kh_lo; kh < kh_hi; ++kh, row += row_step, wk += KW * 4) {    \
                for (int32_t kw = 0; kw < kw_lo; ++kw) {                                   \
                    const int32_t p = p_first + kw * DW;                                   \
                    TAP(wk + 4 * kw, INPUT_AT(p), INPUT_AT(p + (int32_t)s1),               \
                        INPUT_AT(p + (int32_t)s2), INPUT_AT(p + (int32_t)s3));             \
                }                                                                          \
                const float *xp = row + p_first + kw_lo * DW;                              \
                const float *const w_end = wk + 4 * kw_hi;                                 \
                for (const float *w = wk + 4 * kw_lo; w < w_end; xp += DW, w += 4)         \
                    TAP(w, xp[0], xp[S1], xp[S2], xp[S3]);                                 \
                for (int32_t kw = edge_from; kw < KW; ++kw) {                              \
                    const int32_t p = p_first + kw * DW;                                   \
                    TAP(wk + 4 * kw, INPUT_AT(p), INPUT_AT(p + (int32_t)s1),               \
                        INPUT_AT(p + (int32_t)s2), INPUT_AT(p + (int32_t)s3));             \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
        REP_4(STORE)                                                                       \
    }

DEFINE_SCALAR_TILE(scalar_tile_sw1, SUMS4, TAP4, STORE4, 1, 2, 3)
DEFINE_SCALAR_TILE(scalar_tile_sw2, SUMS4, TAP4, STORE4, 2, 4, 6)
DEFINE_SCALAR_TILE(scalar_tile_sw4, SUMS4, TAP4, STORE4, 4, 8, 12)
DEFINE_SCALAR_TILE(scalar_tile_any, SUMS4, TAP4, STORE4, s1, s2, s3)
DEFINE_SCALAR_TILE(scalar_tile_3, SUMS3, TAP3, STORE3, s1, s2, s3)
#undef SUMS4
#undef SUMS3
#undef MADD4
#undef MADD3
#undef STORE4
#undef STORE3
#undef TAP4
#undef TAP3
#undef INPUT_AT
#undef DEFINE_SCALAR_TILE

static void packed_tile_scalar(const conv_t *c, const float *restrict wp, const float *b,
                               float *const *yr, int32_t oh, int32_t ow0, int32_t cols) {
    if (cols < 4) scalar_tile_3(c, wp, b, yr, oh, ow0, cols);
    else if (c->SW == 1) scalar_tile_sw1(c, wp, b, yr, oh, ow0, cols);
    else if (c->SW == 2) scalar_tile_sw2(c, wp, b, yr, oh, ow0, cols);
    else if (c->SW == 4) scalar_tile_sw4(c, wp, b, yr, oh, ow0, cols);
    else scalar_tile_any(c, wp, b, yr, oh, ow0, cols);
}
#endif

/* Pointwise (1x1, unit stride, no padding) convolutions are matrix products
 * Y[f][p] = sum_c W[f][c] X[c][p] over the plane's P pixels, contiguous in X and Y: the
 * packed weights hold each channel's 4 values of a block side by side (one vector), and
 * a tile runs along the pixels rather than one output row. */
static inline int pointwise(const conv_t *c, int32_t OH) {
    return c->KH == 1 && c->KW == 1 && c->SH == 1 && c->SW == 1 && c->PT == 0 && c->PL == 0 &&
           OH == c->H && c->OW == c->W;
}

/* Pixels [p0, P) of the 4 channels yr[] one at a time: the last P mod tile pixels. */
static void pointwise_tail(const conv_t *c, const float *restrict wp, const float *b,
                           float *const *yr, ptrdiff_t P, ptrdiff_t p0) {
    for (ptrdiff_t p = p0; p < P; ++p) {
        float s0 = b[0], s1 = b[1], s2 = b[2], s3 = b[3];
        const float *x = c->x + p, *w = wp;
        for (int32_t ci = 0; ci < c->Cg; ++ci, x += P, w += 4) {
            const float v = *x;
            s0 += w[0] * v, s1 += w[1] * v, s2 += w[2] * v, s3 += w[3] * v;
        }
        const float sums[4] = {s0, s1, s2, s3};
        for (int32_t i = 0; i < 4; ++i) {
            float v = sums[i];
            if (c->accumulate) v += yr[i][p];
            if (c->clamp) v = v < c->lo ? c->lo : v > c->hi ? c->hi : v;
            yr[i][p] = v;
        }
    }
}

#ifdef SCALAR_PACKED_TILE
/* 4 channels x 4 pixels in float registers: per input channel 4 weights, 4 pixels, 16
 * multiply-adds. */
static __attribute__((noinline)) void pointwise_rows(const conv_t *c, const float *restrict wp,
                                                     const float *b, float *const *yr,
                                                     ptrdiff_t P) {
    ptrdiff_t p0 = 0;
    for (; p0 + 4 <= P; p0 += 4) {
        float s00 = b[0], s01 = b[0], s02 = b[0], s03 = b[0];
        float s10 = b[1], s11 = b[1], s12 = b[1], s13 = b[1];
        float s20 = b[2], s21 = b[2], s22 = b[2], s23 = b[2];
        float s30 = b[3], s31 = b[3], s32 = b[3], s33 = b[3];
        const float *x = c->x + p0, *w = wp;
        const float *const w_end = wp + 4 * (ptrdiff_t)c->Cg;
        for (; w < w_end; x += P, w += 4) {
            const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
            const float x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
            s00 += w0 * x0, s01 += w0 * x1, s02 += w0 * x2, s03 += w0 * x3;
            s10 += w1 * x0, s11 += w1 * x1, s12 += w1 * x2, s13 += w1 * x3;
            s20 += w2 * x0, s21 += w2 * x1, s22 += w2 * x2, s23 += w2 * x3;
            s30 += w3 * x0, s31 += w3 * x1, s32 += w3 * x2, s33 += w3 * x3;
        }
        store_scalar4(yr[0] + p0, s00, s01, s02, s03, 4, c);
        store_scalar4(yr[1] + p0, s10, s11, s12, s13, 4, c);
        store_scalar4(yr[2] + p0, s20, s21, s22, s23, 4, c);
        store_scalar4(yr[3] + p0, s30, s31, s32, s33, 4, c);
    }
    pointwise_tail(c, wp, b, yr, P, p0);
}
#else
/* 4 channels x 8 pixels in 8 vector sums: per input channel one vector of weights, its 4
 * lanes broadcast, two vectors of pixels, 8 vector multiply-adds (32 MACs). */
static void pointwise_rows(const conv_t *c, const float *restrict wp, const float *b,
                           float *const *yr, ptrdiff_t P) {
    ptrdiff_t p0 = 0;
    for (; p0 + 8 <= P; p0 += 8) {
        dv4 a0 = dv4_splat(b[0]), a1 = dv4_splat(b[1]), a2 = dv4_splat(b[2]), a3 = dv4_splat(b[3]);
        dv4 e0 = a0, e1 = a1, e2 = a2, e3 = a3;
        const float *x = c->x + p0, *w = wp;
        const float *const w_end = wp + 4 * (ptrdiff_t)c->Cg;
        for (; w < w_end; x += P, w += 4) {
            const dv4 wv = dv4_load(w), x0 = dv4_load(x), x1 = dv4_load(x + 4);
            const dv4 w0 = dv4_lane(wv, 0), w1 = dv4_lane(wv, 1);
            const dv4 w2 = dv4_lane(wv, 2), w3 = dv4_lane(wv, 3);
            a0 = dv4_madd(w0, x0, a0), e0 = dv4_madd(w0, x1, e0);
            a1 = dv4_madd(w1, x0, a1), e1 = dv4_madd(w1, x1, e1);
            a2 = dv4_madd(w2, x0, a2), e2 = dv4_madd(w2, x1, e2);
            a3 = dv4_madd(w3, x0, a3), e3 = dv4_madd(w3, x1, e3);
        }
        store4(yr[0] + p0, a0, 4, c), store4(yr[0] + p0 + 4, e0, 4, c);
        store4(yr[1] + p0, a1, 4, c), store4(yr[1] + p0 + 4, e1, 4, c);
        store4(yr[2] + p0, a2, 4, c), store4(yr[2] + p0 + 4, e2, 4, c);
        store4(yr[3] + p0, a3, 4, c), store4(yr[3] + p0 + 4, e3, 4, c);
    }
    if (p0 + 4 <= P) { /* 4 more pixels */
        dv4 a0 = dv4_splat(b[0]), a1 = dv4_splat(b[1]), a2 = dv4_splat(b[2]), a3 = dv4_splat(b[3]);
        const float *x = c->x + p0, *w = wp;
        for (const float *const w_end = wp + 4 * (ptrdiff_t)c->Cg; w < w_end; x += P, w += 4) {
            const dv4 wv = dv4_load(w), x0 = dv4_load(x);
            a0 = dv4_madd(dv4_lane(wv, 0), x0, a0), a1 = dv4_madd(dv4_lane(wv, 1), x0, a1);
            a2 = dv4_madd(dv4_lane(wv, 2), x0, a2), a3 = dv4_madd(dv4_lane(wv, 3), x0, a3);
        }
        store4(yr[0] + p0, a0, 4, c), store4(yr[1] + p0, a1, 4, c);
        store4(yr[2] + p0, a2, 4, c), store4(yr[3] + p0, a3, 4, c);
        p0 += 4;
    }
    pointwise_tail(c, wp, b, yr, P, p0);
}
#endif

void deeploy_conv2d_packed_f32(const float *restrict x, const float *restrict wp,
                               const float *restrict bias, float *restrict y,
                               int32_t N, int32_t C, int32_t H, int32_t W,
                               int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW,
                               int32_t SH, int32_t SW, int32_t DH, int32_t DW,
                               int32_t PT, int32_t PL, int32_t G,
                               float act_min, float act_max, int32_t accumulate) {
    const int32_t Cg = C / G, Fg = F / G, block = Cg * KH * KW * 4;
    const int clamp = act_min > -INFINITY || act_max < INFINITY;
    for (int32_t n = 0; n < N; ++n) {
        for (int32_t g = 0; g < G; ++g) {
            const conv_t c = {x + ((ptrdiff_t)n * C + (ptrdiff_t)g * Cg) * H * W,
                              H, W, KH, KW, SH, SW, DH, DW, PT, PL, Cg, OW, act_min, act_max,
                              clamp, accumulate != 0, clamp || accumulate};
            for (int32_t f0 = 0; f0 < Fg; f0 += 4) {
                const int32_t f = g * Fg + f0;
                const float *w = wp + ((ptrdiff_t)g * (Fg / 4) + f0 / 4) * block;
                float *yr[4];
                float b[4];
                for (int32_t i = 0; i < 4; ++i) {
                    yr[i] = y + ((ptrdiff_t)n * F + f + i) * OH * OW;
                    b[i] = bias ? bias[f + i] : 0.0f;
                }
                if (pointwise(&c, OH)) {
                    pointwise_rows(&c, w, b, yr, (ptrdiff_t)OH * OW);
                    continue;
                }
                for (int32_t oh = 0; oh < OH; ++oh) {
                    for (int32_t ow0 = 0; ow0 < OW; ow0 += 4) {
                        const int32_t cols = OW - ow0 < 4 ? OW - ow0 : 4;
#ifdef SCALAR_PACKED_TILE
                        packed_tile_scalar(&c, w, b, yr, oh, ow0, cols);
#else
                        if (SW == 1) packed_tile(&c, w, b, yr, oh, ow0, cols);
                        else packed_tile_strided(&c, w, b, yr, oh, ow0, cols);
#endif
                    }
                }
            }
        }
    }
}
