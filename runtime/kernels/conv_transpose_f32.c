/* Transposed (fractionally strided) grouped convolution, float32. See deeploy/conv_transpose_f32.h. */
#include "deeploy/conv_transpose_f32.h"
#include "deeploy/simd.h"

static inline int32_t floor_div(int32_t a, int32_t b) {
    /* floor(a / b) for b > 0 */
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* [lo, hi) of the input positions i in [0, in) whose output i * stride + off lies in [0, out) */
static inline void input_range(int32_t in, int32_t out, int32_t stride, int32_t off,
                               int32_t *lo, int32_t *hi) {
    int32_t l = floor_div(-off + stride - 1, stride);
    int32_t h = floor_div(out - 1 - off, stride) + 1;
    l = l < 0 ? 0 : l;
    h = h > in ? in : h;
    *lo = l;
    *hi = h > l ? h : l;
}

void deeploy_conv_transpose2d_f32(const float *restrict x, const float *restrict w,
                                  const float *restrict bias, float *restrict y,
                                  int32_t N, int32_t C, int32_t H, int32_t W,
                                  int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW,
                                  int32_t SH, int32_t SW, int32_t DH, int32_t DW,
                                  int32_t PT, int32_t PL, int32_t G) {
    const int32_t Cg = C / G;
    const int32_t Fg = F / G;
    const size_t out_plane = (size_t)OH * OW;
    const size_t in_plane = (size_t)H * W;
    const size_t taps = (size_t)KH * KW;
    for (int32_t n = 0; n < N; ++n) {
        for (int32_t f = 0; f < F; ++f) {
            const int32_t g = f / Fg, m = f % Fg;
            float *restrict yo = y + ((size_t)n * F + f) * out_plane;
            const float b = bias ? bias[f] : 0.0f;
            for (size_t i = 0; i < out_plane; ++i) yo[i] = b;
            for (int32_t c = 0; c < Cg; ++c) {
                const int32_t ci = g * Cg + c;
                const float *restrict xc = x + ((size_t)n * C + ci) * in_plane;
                const float *restrict wc = w + ((size_t)ci * Fg + m) * taps;
                for (int32_t kh = 0; kh < KH; ++kh) {
                    /* input row ih scatters into output row ih * SH + row_off */
                    const int32_t row_off = kh * DH - PT;
                    int32_t ih_lo, ih_hi;
                    input_range(H, OH, SH, row_off, &ih_lo, &ih_hi);
                    for (int32_t kw = 0; kw < KW; ++kw) {
                        const float wv = wc[kh * KW + kw];
                        const int32_t col_off = kw * DW - PL;
                        int32_t iw_lo, iw_hi;
                        input_range(W, OW, SW, col_off, &iw_lo, &iw_hi);
                        for (int32_t ih = ih_lo; ih < ih_hi; ++ih) {
                            const float *restrict xr = xc + (size_t)ih * W;
                            float *restrict yr = yo + (size_t)(ih * SH + row_off) * OW;
                            if (SW == 1) {
                                for (int32_t iw = iw_lo; iw < iw_hi; ++iw) {
                                    yr[iw + col_off] += wv * xr[iw];
                                }
                            } else {
                                for (int32_t iw = iw_lo; iw < iw_hi; ++iw) {
                                    yr[iw * SW + col_off] += wv * xr[iw];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/* Stride equal to the kernel, no padding, no dilation, one group: every output position
 * receives exactly one kernel tap, so each tap (kh, kw) is a matrix product
 * y[f][ih*KH + kh][iw*KW + kw] = bias[f] + sum_c wp[kh][kw][f][c] x[c][ih][iw].
 * Tiles are 4 output channels x 4 input columns; the packed weights give the 4 channels of
 * one input channel as a vector, each broadcast to the 4 columns by a shuffle. */
void deeploy_conv_transpose_patch_f32(const float *restrict x, const float *restrict wp,
                                      const float *restrict bias, float *restrict y,
                                      int32_t N, int32_t C, int32_t H, int32_t W, int32_t F,
                                      int32_t KH, int32_t KW) {
    const int32_t OH = H * KH, OW = W * KW;
    const ptrdiff_t in_plane = (ptrdiff_t)H * W, out_plane = (ptrdiff_t)OH * OW;
    for (int32_t n = 0; n < N; ++n) {
        const float *restrict xn = x + (ptrdiff_t)n * C * in_plane;
        float *restrict yn = y + (ptrdiff_t)n * F * out_plane;
        for (int32_t kh = 0; kh < KH; ++kh) {
            for (int32_t kw = 0; kw < KW; ++kw) {
                const float *restrict wt = wp + ((ptrdiff_t)kh * KW + kw) * F * C;
                for (int32_t f = 0; f < F; f += 4) {
                    const float *restrict w4 = wt + (ptrdiff_t)f * C; /* [c][4] */
                    const dv4 b = bias ? dv4_load(bias + f) : dv4_zero();
                    for (int32_t ih = 0; ih < H; ++ih) {
                        float *restrict yrow = yn + (ptrdiff_t)f * out_plane + (ptrdiff_t)(ih * KH + kh) * OW + kw;
                        for (int32_t iw = 0; iw < W; iw += 4) {
                            const int32_t cols = W - iw < 4 ? W - iw : 4;
                            const float *restrict xp = xn + (ptrdiff_t)ih * W + iw;
                            dv4 a0 = b, a1 = b, a2 = b, a3 = b; /* a_j: 4 channels of column j */
                            for (int32_t c = 0; c < C; ++c, xp += in_plane) {
                                const dv4 wv = dv4_load(w4 + 4 * (ptrdiff_t)c);
                                float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                                for (int32_t j = 0; j < cols; ++j) v[j] = xp[j];
                                const dv4 xv = cols == 4 ? dv4_load(xp) : dv4_load(v);
                                a0 = dv4_madd(dv4_lane(xv, 0), wv, a0);
                                a1 = dv4_madd(dv4_lane(xv, 1), wv, a1);
                                a2 = dv4_madd(dv4_lane(xv, 2), wv, a2);
                                a3 = dv4_madd(dv4_lane(xv, 3), wv, a3);
                            }
                            float out[4][4];
                            dv4_store(out[0], a0), dv4_store(out[1], a1);
                            dv4_store(out[2], a2), dv4_store(out[3], a3);
                            for (int32_t i = 0; i < 4; ++i)
                                for (int32_t j = 0; j < cols; ++j)
                                    yrow[(ptrdiff_t)i * out_plane + (ptrdiff_t)(iw + j) * KW] = out[j][i];
                        }
                    }
                }
            }
        }
    }
}
