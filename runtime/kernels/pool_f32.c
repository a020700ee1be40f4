/* Max/average pooling, float32. See deeploy/pool_f32.h. */
#include <math.h>

#include "deeploy/pool_f32.h"

void deeploy_maxpool2d_f32(const float *restrict x, float *restrict y,
                           int32_t NC, int32_t H, int32_t W, int32_t OH, int32_t OW,
                           int32_t KH, int32_t KW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL) {
    for (int32_t c = 0; c < NC; ++c) {
        const float *restrict xc = x + (size_t)c * H * W;
        float *restrict yc = y + (size_t)c * OH * OW;
        for (int32_t oh = 0; oh < OH; ++oh) {
            for (int32_t ow = 0; ow < OW; ++ow) {
                float m = -INFINITY;
                for (int32_t kh = 0; kh < KH; ++kh) {
                    const int32_t ih = oh * SH + kh * DH - PT;
                    if (ih < 0 || ih >= H) continue;
                    for (int32_t kw = 0; kw < KW; ++kw) {
                        const int32_t iw = ow * SW + kw * DW - PL;
                        if (iw < 0 || iw >= W) continue;
                        const float v = xc[(size_t)ih * W + iw];
                        m = v > m ? v : m;
                    }
                }
                yc[(size_t)oh * OW + ow] = m;
            }
        }
    }
}

void deeploy_avgpool2d_f32(const float *restrict x, float *restrict y,
                           int32_t NC, int32_t H, int32_t W, int32_t OH, int32_t OW,
                           int32_t KH, int32_t KW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL,
                           int32_t PB, int32_t PR, int32_t count_include_pad) {
    for (int32_t c = 0; c < NC; ++c) {
        const float *restrict xc = x + (size_t)c * H * W;
        float *restrict yc = y + (size_t)c * OH * OW;
        for (int32_t oh = 0; oh < OH; ++oh) {
            for (int32_t ow = 0; ow < OW; ++ow) {
                float sum = 0.0f;
                int32_t count = 0;
                for (int32_t kh = 0; kh < KH; ++kh) {
                    const int32_t ih = oh * SH + kh * DH - PT;
                    const int in_pad_h = ih >= -PT && ih < H + PB;
                    for (int32_t kw = 0; kw < KW; ++kw) {
                        const int32_t iw = ow * SW + kw * DW - PL;
                        if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                            sum += xc[(size_t)ih * W + iw];
                            ++count;
                        } else if (count_include_pad && in_pad_h && iw >= -PL && iw < W + PR) {
                            ++count; /* a padding position inside the declared pads */
                        }
                    }
                }
                yc[(size_t)oh * OW + ow] = count ? sum / (float)count : 0.0f;
            }
        }
    }
}

void deeploy_global_avgpool_f32(const float *restrict x, float *restrict y, int32_t NC, int32_t HW) {
    const float inv = 1.0f / (float)HW;
    for (int32_t c = 0; c < NC; ++c) {
        const float *restrict xc = x + (size_t)c * HW;
        float sum = 0.0f;
        for (int32_t i = 0; i < HW; ++i) sum += xc[i];
        y[c] = sum * inv;
    }
}

void deeploy_global_maxpool_f32(const float *restrict x, float *restrict y, int32_t NC, int32_t HW) {
    for (int32_t c = 0; c < NC; ++c) {
        const float *restrict xc = x + (size_t)c * HW;
        float m = xc[0];
        for (int32_t i = 1; i < HW; ++i) m = xc[i] > m ? xc[i] : m;
        y[c] = m;
    }
}
