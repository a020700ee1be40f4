/*
 * Deeploy-on-xDSL runtime kernels: portable C99, no dynamic allocation.
 *
 * Every buffer argument is a `restrict` pointer: the compiler's memory planner never
 * lets an output overlap an input unless the kernel is listed as in-place safe, so the
 * promise holds and C compilers may vectorise freely even though all buffers live in
 * one arena. Sizes are int32_t element counts; layouts are row-major (NCHW for images).
 */
#ifndef DEEPLOY_KERNELS_H_
#define DEEPLOY_KERNELS_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DEEPLOY_MAX_RANK 8

/* ---- convolution (conv_f32.c) ------------------------------------------------------- */
/* Direct grouped 2-D convolution; 1-D convolution is H = KH = 1. Padding is applied on
 * the fly (no padded copy). Outputs are clamped to [act_min, act_max] (fused activation). */
void deeploy_conv2d_f32(const float *restrict x, const float *restrict w,
                        const float *restrict bias, float *restrict y,
                        int32_t N, int32_t C, int32_t H, int32_t W,
                        int32_t F, int32_t KH, int32_t KW, int32_t OH, int32_t OW,
                        int32_t SH, int32_t SW, int32_t DH, int32_t DW,
                        int32_t PT, int32_t PL, int32_t G,
                        float act_min, float act_max);

/* ---- matrix products (gemm_f32.c) ----------------------------------------------------- */
/* Y[M,N] = alpha * op(A) op(B) + beta * C, C read with strides (c_rs, c_cs) (0 = broadcast). */
void deeploy_gemm_f32(const float *restrict A, const float *restrict B,
                      const float *restrict C, float *restrict Y,
                      int32_t M, int32_t N, int32_t K, int32_t transA, int32_t transB,
                      float alpha, float beta, int32_t c_rs, int32_t c_cs,
                      float act_min, float act_max);

/* Batched Y[b1,b2,M,N] = A[..,M,K] B[..,K,N]; batch strides in elements (0 = broadcast). */
void deeploy_matmul_f32(const float *restrict A, const float *restrict B, float *restrict Y,
                        int32_t B1, int32_t B2, int32_t M, int32_t N, int32_t K,
                        int32_t a_s1, int32_t a_s2, int32_t b_s1, int32_t b_s2);

/* ---- elementwise (elementwise_f32.c) -------------------------------------------------- */
/* y = a (op) b over `shape` (rank <= DEEPLOY_MAX_RANK), y contiguous, a and b read with
 * element strides (0 = broadcast along that axis). */
#define DEEPLOY_BINARY_KERNELS(X) \
    X(add) X(sub) X(mul) X(div) X(pow) X(max) X(min)
#define DEEPLOY_DECLARE_BINARY(name)                                                    \
    void deeploy_##name##_f32(const float *restrict a, const float *restrict b,         \
                              float *restrict y, int32_t rank, const int32_t *shape,    \
                              const int32_t *a_strides, const int32_t *b_strides);
DEEPLOY_BINARY_KERNELS(DEEPLOY_DECLARE_BINARY)

/* ---- activations (activation_f32.c) --------------------------------------------------- */
void deeploy_relu_f32(const float *restrict x, float *restrict y, int32_t n);
void deeploy_clip_f32(const float *restrict x, float *restrict y, int32_t n, float lo, float hi);
void deeploy_sigmoid_f32(const float *restrict x, float *restrict y, int32_t n);
void deeploy_gelu_f32(const float *restrict x, float *restrict y, int32_t n);
void deeploy_gelu_tanh_f32(const float *restrict x, float *restrict y, int32_t n);

/* ---- softmax (softmax_f32.c) -------------------------------------------------------- */
/* x viewed as [outer, n, inner]; softmax along n. */
void deeploy_softmax_f32(const float *restrict x, float *restrict y,
                         int32_t outer, int32_t n, int32_t inner);

/* ---- pooling (pool_f32.c) ----------------------------------------------------------- */
/* x viewed as [NC, H, W]; 1-D pooling is H = KH = 1. Windows may hang over the padding. */
void deeploy_maxpool2d_f32(const float *restrict x, float *restrict y,
                           int32_t NC, int32_t H, int32_t W, int32_t OH, int32_t OW,
                           int32_t KH, int32_t KW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL);
void deeploy_avgpool2d_f32(const float *restrict x, float *restrict y,
                           int32_t NC, int32_t H, int32_t W, int32_t OH, int32_t OW,
                           int32_t KH, int32_t KW, int32_t SH, int32_t SW,
                           int32_t DH, int32_t DW, int32_t PT, int32_t PL,
                           int32_t PB, int32_t PR, int32_t count_include_pad);
void deeploy_global_avgpool_f32(const float *restrict x, float *restrict y, int32_t NC, int32_t HW);
void deeploy_global_maxpool_f32(const float *restrict x, float *restrict y, int32_t NC, int32_t HW);

/* ---- normalisation (norm_f32.c) ----------------------------------------------------- */
/* x viewed as [outer, n]; scale/bias have n elements (bias may be NULL). */
void deeploy_layernorm_f32(const float *restrict x, const float *restrict scale,
                           const float *restrict bias, float *restrict y,
                           int32_t outer, int32_t n, float eps);

/* ---- reductions (reduce_f32.c) ------------------------------------------------------ */
/* x viewed as [outer, n, inner] reduced along n, y[outer, inner] = scale * sum. */
void deeploy_reduce_sum_f32(const float *restrict x, float *restrict y,
                            int32_t outer, int32_t n, int32_t inner, float scale);
/* General: x has `rank` axes of `shape`; y accumulates x at out_strides (0 on reduced
 * axes); y has y_size elements and ends as scale * sum. */
void deeploy_reduce_sum_nd_f32(const float *restrict x, float *restrict y,
                               int32_t rank, const int32_t *shape, const int32_t *out_strides,
                               int32_t y_size, float scale);

/* ---- data movement, any element type (data_movement.c) ----------------------------- */
/* y (contiguous, `shape`) gathers x with element strides `x_strides`; elem_size bytes. */
void deeploy_transpose(const void *restrict x, void *restrict y, int32_t elem_size,
                       int32_t rank, const int32_t *shape, const int32_t *x_strides);
/* rows x row_bytes block copy between strided rows (Concat, Slice, Split). */
void deeploy_copy_2d(const void *restrict src, void *restrict dst, int32_t rows,
                     int32_t row_bytes, int32_t src_stride, int32_t dst_stride);

#ifdef __cplusplus
}
#endif

#endif /* DEEPLOY_KERNELS_H_ */
