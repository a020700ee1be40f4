/* Integer pooling. See deeploy/pool_int.h. Sums are int64: a window or a channel of int32
 * values cannot overflow them. */
#include "deeploy/pool_int.h"

#define DEFINE_POOL_INT(tn, tt)                                                             \
    void deeploy_maxpool2d_##tn(const tt *restrict x, tt *restrict y, int32_t NC, int32_t H, \
                                int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,   \
                                int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,  \
                                int32_t PL) {                                                \
        for (int32_t c = 0; c < NC; ++c) {                                                  \
            const tt *xc = x + (ptrdiff_t)c * H * W;                                        \
            tt *yc = y + (ptrdiff_t)c * OH * OW;                                            \
            for (int32_t oh = 0; oh < OH; ++oh)                                             \
                for (int32_t ow = 0; ow < OW; ++ow) {                                       \
                    int first = 1;                                                          \
                    tt m = 0;                                                               \
                    for (int32_t kh = 0; kh < KH; ++kh) {                                   \
                        const int32_t ih = oh * SH + kh * DH - PT;                          \
                        if (ih < 0 || ih >= H) continue;                                    \
                        for (int32_t kw = 0; kw < KW; ++kw) {                               \
                            const int32_t iw = ow * SW + kw * DW - PL;                      \
                            if (iw < 0 || iw >= W) continue;                                \
                            const tt v = xc[(ptrdiff_t)ih * W + iw];                        \
                            if (first || v > m) m = v;                                      \
                            first = 0;                                                      \
                        }                                                                   \
                    }                                                                       \
                    yc[(ptrdiff_t)oh * OW + ow] = m;                                        \
                }                                                                           \
        }                                                                                   \
    }                                                                                       \
    void deeploy_avgpool2d_##tn(const tt *restrict x, tt *restrict y, int32_t NC, int32_t H, \
                                int32_t W, int32_t OH, int32_t OW, int32_t KH, int32_t KW,   \
                                int32_t SH, int32_t SW, int32_t DH, int32_t DW, int32_t PT,  \
                                int32_t PL, int32_t PB, int32_t PR,                          \
                                int32_t count_include_pad) {                                 \
        for (int32_t c = 0; c < NC; ++c) {                                                  \
            const tt *xc = x + (ptrdiff_t)c * H * W;                                        \
            tt *yc = y + (ptrdiff_t)c * OH * OW;                                            \
            for (int32_t oh = 0; oh < OH; ++oh)                                             \
                for (int32_t ow = 0; ow < OW; ++ow) {                                       \
                    int64_t sum = 0;                                                        \
                    int32_t count = 0;                                                      \
                    for (int32_t kh = 0; kh < KH; ++kh) {                                   \
                        const int32_t ih = oh * SH + kh * DH - PT;                          \
                        const int in_pad_h = ih >= -PT && ih < H + PB;                      \
                        for (int32_t kw = 0; kw < KW; ++kw) {                               \
                            const int32_t iw = ow * SW + kw * DW - PL;                      \
                            if (ih >= 0 && ih < H && iw >= 0 && iw < W) {                   \
                                sum += xc[(ptrdiff_t)ih * W + iw];                          \
                                ++count;                                                    \
                            } else if (count_include_pad && in_pad_h && iw >= -PL &&       \
                                       iw < W + PR) {                                       \
                                ++count;                                                    \
                            }                                                               \
                        }                                                                   \
                    }                                                                       \
                    yc[(ptrdiff_t)oh * OW + ow] =                                           \
                        (tt)(count ? deeploy_mean_round(sum, count) : 0);                   \
                }                                                                           \
        }                                                                                   \
    }                                                                                       \
    void deeploy_global_avgpool_##tn(const tt *restrict x, tt *restrict y, int32_t NC,      \
                                     int32_t HW) {                                          \
        for (int32_t c = 0; c < NC; ++c) {                                                  \
            int64_t sum = 0;                                                                \
            for (int32_t i = 0; i < HW; ++i) sum += x[(ptrdiff_t)c * HW + i];               \
            y[c] = (tt)deeploy_mean_round(sum, HW);                                         \
        }                                                                                   \
    }                                                                                       \
    void deeploy_global_maxpool_##tn(const tt *restrict x, tt *restrict y, int32_t NC,      \
                                     int32_t HW) {                                          \
        for (int32_t c = 0; c < NC; ++c) {                                                  \
            const tt *xc = x + (ptrdiff_t)c * HW;                                           \
            tt m = xc[0];                                                                   \
            for (int32_t i = 1; i < HW; ++i) m = xc[i] > m ? xc[i] : m;                     \
            y[c] = m;                                                                       \
        }                                                                                   \
    }

DEEPLOY_FOR_INT_TYPES(DEFINE_POOL_INT)
