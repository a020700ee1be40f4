/* Gemm and batched MatMul, float32. See deeploy_kernels.h. */
#include "deeploy/gemm.h"

void deeploy_gemm_f32(const float *restrict A, const float *restrict B,
                      const float *restrict C, float *restrict Y,
                      int32_t M, int32_t N, int32_t K, int32_t transA, int32_t transB,
                      float alpha, float beta, int32_t c_rs, int32_t c_cs,
                      float act_min, float act_max) {
    for (int32_t m = 0; m < M; ++m) {
        float *restrict yr = Y + (size_t)m * N;
        for (int32_t n = 0; n < N; ++n) {
            yr[n] = 0.0f;
        }
        if (transB) {
            /* B is [N, K]: dot products along contiguous K */
            for (int32_t n = 0; n < N; ++n) {
                const float *restrict br = B + (size_t)n * K;
                float acc = 0.0f;
                for (int32_t k = 0; k < K; ++k) {
                    const float a = transA ? A[(size_t)k * M + m] : A[(size_t)m * K + k];
                    acc += a * br[k];
                }
                yr[n] = acc;
            }
        } else {
            /* B is [K, N]: accumulate scaled rows of B (vectorisable over n) */
            for (int32_t k = 0; k < K; ++k) {
                const float a = transA ? A[(size_t)k * M + m] : A[(size_t)m * K + k];
                const float *restrict br = B + (size_t)k * N;
                for (int32_t n = 0; n < N; ++n) {
                    yr[n] += a * br[n];
                }
            }
        }
        for (int32_t n = 0; n < N; ++n) {
            float v = alpha * yr[n];
            if (C) {
                v += beta * C[(size_t)m * c_rs + (size_t)n * c_cs];
            }
            v = v < act_min ? act_min : v;
            yr[n] = v > act_max ? act_max : v;
        }
    }
}

void deeploy_matmul_f32(const float *restrict A, const float *restrict B, float *restrict Y,
                        int32_t B1, int32_t B2, int32_t M, int32_t N, int32_t K,
                        int32_t a_s1, int32_t a_s2, int32_t b_s1, int32_t b_s2) {
    for (int32_t i = 0; i < B1; ++i) {
        for (int32_t j = 0; j < B2; ++j) {
            const float *restrict a = A + (size_t)i * a_s1 + (size_t)j * a_s2;
            const float *restrict b = B + (size_t)i * b_s1 + (size_t)j * b_s2;
            float *restrict out = Y + ((size_t)i * B2 + j) * M * N;
            for (int32_t m = 0; m < M; ++m) {
                float *restrict yr = out + (size_t)m * N;
                for (int32_t n = 0; n < N; ++n) {
                    yr[n] = 0.0f;
                }
                for (int32_t k = 0; k < K; ++k) {
                    const float av = a[(size_t)m * K + k];
                    const float *restrict br = b + (size_t)k * N;
                    for (int32_t n = 0; n < N; ++n) {
                        yr[n] += av * br[n];
                    }
                }
            }
        }
    }
}
