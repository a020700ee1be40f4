/* Direct grouped convolution, float32. See deeploy_kernels.h. */
#include "deeploy/conv.h"

static inline int32_t ceil_div_nonneg(int32_t a, int32_t b) {
    /* ceil(a / b) for b > 0, clamped below at 0 */
    return a <= 0 ? 0 : (a + b - 1) / b;
}

void deeploy_conv2d_f32(const float *restrict x, const float *restrict w,
                        const float *restrict bias, float *restrict y,
                        int32_t N, int32_t C, int32_t H, int32_t W,
                        int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW,
                        int32_t SH, int32_t SW, int32_t DH, int32_t DW,
                        int32_t PT, int32_t PL, int32_t G,
                        float act_min, float act_max) {
    const int32_t Cg = C / G;
    const int32_t Fg = F / G;
    const int32_t out_plane = OH * OW;
    for (int32_t n = 0; n < N; ++n) {
        for (int32_t f = 0; f < F; ++f) {
            const int32_t g = f / Fg;
            float *restrict yo = y + ((size_t)n * F + f) * out_plane;
            const float b = bias ? bias[f] : 0.0f;
            for (int32_t i = 0; i < out_plane; ++i) {
                yo[i] = b;
            }
            for (int32_t c = 0; c < Cg; ++c) {
                const float *restrict xc = x + ((size_t)n * C + (size_t)g * Cg + c) * H * W;
                const float *restrict wc = w + ((size_t)f * Cg + c) * KH * KW;
                for (int32_t kh = 0; kh < KH; ++kh) {
                    /* output rows whose input row ih = oh*SH + kh*DH - PT lies in [0, H) */
                    const int32_t row_off = kh * DH - PT;
                    const int32_t oh_lo = ceil_div_nonneg(-row_off, SH);
                    int32_t oh_hi = (H - 1 - row_off) < 0 ? 0 : (H - 1 - row_off) / SH + 1;
                    if (oh_hi > OH) oh_hi = OH;
                    for (int32_t kw = 0; kw < KW; ++kw) {
                        const float wv = wc[kh * KW + kw];
                        const int32_t col_off = kw * DW - PL;
                        const int32_t ow_lo = ceil_div_nonneg(-col_off, SW);
                        int32_t ow_hi = (W - 1 - col_off) < 0 ? 0 : (W - 1 - col_off) / SW + 1;
                        if (ow_hi > OW) ow_hi = OW;
                        for (int32_t oh = oh_lo; oh < oh_hi; ++oh) {
                            const float *restrict xr = xc + (size_t)(oh * SH + row_off) * W + col_off;
                            float *restrict yr = yo + (size_t)oh * OW;
                            if (SW == 1) {
                                for (int32_t ow = ow_lo; ow < ow_hi; ++ow) {
                                    yr[ow] += wv * xr[ow];
                                }
                            } else {
                                for (int32_t ow = ow_lo; ow < ow_hi; ++ow) {
                                    yr[ow] += wv * xr[ow * SW];
                                }
                            }
                        }
                    }
                }
            }
            for (int32_t i = 0; i < out_plane; ++i) {
                float v = yo[i];
                v = v < act_min ? act_min : v;
                yo[i] = v > act_max ? act_max : v;
            }
        }
    }
}
