/* Transposed (fractionally strided) grouped convolution, float32. See deeploy/conv_transpose.h. */
#include "deeploy/conv_transpose.h"

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
