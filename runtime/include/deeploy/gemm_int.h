/*
 * Integer Gemm and MatMul with int32 accumulation. Symbols carry the element types of A
 * and B (i8, u8, i16, i32). y is int32 (rq_mul NULL; accumulate adds to what y holds,
 * for a split K) or requantised to y_type (the rq_* arguments: DEEPLOY_RQ_PARAMS of
 * deeploy/requant.h).
 *
 * deeploy_gemm_<a>_<b>: Y[M][N] = alpha op(A) op(B) + beta C, C (int32, may be NULL) read with row
 * and column strides c_rs, c_cs (0 where it broadcasts).
 * deeploy_matmul_<a>_<b>: B1 x B2 batches of Y[M][N] = A[M][K] B[K][N]; batch strides of
 * A and B in elements (0 where they broadcast); Y is contiguous.
 */
#ifndef DEEPLOY_GEMM_INT_H_
#define DEEPLOY_GEMM_INT_H_

#include "deeploy/common.h"
#include "deeploy/common_int.h"
#include "deeploy/requant.h"

void deeploy_gemm_i8_i8(const int8_t *restrict A, const int8_t *restrict B,
                        const int32_t *restrict C, void *restrict y, int32_t y_type,
                        const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                        int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                        int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                        int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                        int32_t accumulate);
void deeploy_matmul_i8_i8(const int8_t *restrict A, const int8_t *restrict B, void *restrict y,
                          int32_t y_type, const int32_t *rq_mul, const int32_t *rq_add,
                          int32_t rq_channels, int32_t rq_inner, int32_t rq_shift,
                          int32_t rq_lo, int32_t rq_hi, int32_t B1, int32_t B2, int32_t M,
                          int32_t N, int32_t K, int32_t a_s1, int32_t a_s2, int32_t b_s1,
                          int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i8_u8(const int8_t *restrict A, const uint8_t *restrict B,
                        const int32_t *restrict C, void *restrict y, int32_t y_type,
                        const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                        int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                        int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                        int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                        int32_t accumulate);
void deeploy_matmul_i8_u8(const int8_t *restrict A, const uint8_t *restrict B, void *restrict y,
                          int32_t y_type, const int32_t *rq_mul, const int32_t *rq_add,
                          int32_t rq_channels, int32_t rq_inner, int32_t rq_shift,
                          int32_t rq_lo, int32_t rq_hi, int32_t B1, int32_t B2, int32_t M,
                          int32_t N, int32_t K, int32_t a_s1, int32_t a_s2, int32_t b_s1,
                          int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i8_i16(const int8_t *restrict A, const int16_t *restrict B,
                         const int32_t *restrict C, void *restrict y, int32_t y_type,
                         const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                         int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                         int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                         int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                         int32_t accumulate);
void deeploy_matmul_i8_i16(const int8_t *restrict A, const int16_t *restrict B,
                           void *restrict y, int32_t y_type, const int32_t *rq_mul,
                           const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                           int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                           int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                           int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i8_i32(const int8_t *restrict A, const int32_t *restrict B,
                         const int32_t *restrict C, void *restrict y, int32_t y_type,
                         const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                         int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                         int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                         int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                         int32_t accumulate);
void deeploy_matmul_i8_i32(const int8_t *restrict A, const int32_t *restrict B,
                           void *restrict y, int32_t y_type, const int32_t *rq_mul,
                           const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                           int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                           int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                           int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_u8_i8(const uint8_t *restrict A, const int8_t *restrict B,
                        const int32_t *restrict C, void *restrict y, int32_t y_type,
                        const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                        int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                        int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                        int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                        int32_t accumulate);
void deeploy_matmul_u8_i8(const uint8_t *restrict A, const int8_t *restrict B, void *restrict y,
                          int32_t y_type, const int32_t *rq_mul, const int32_t *rq_add,
                          int32_t rq_channels, int32_t rq_inner, int32_t rq_shift,
                          int32_t rq_lo, int32_t rq_hi, int32_t B1, int32_t B2, int32_t M,
                          int32_t N, int32_t K, int32_t a_s1, int32_t a_s2, int32_t b_s1,
                          int32_t b_s2, int32_t accumulate);
void deeploy_gemm_u8_u8(const uint8_t *restrict A, const uint8_t *restrict B,
                        const int32_t *restrict C, void *restrict y, int32_t y_type,
                        const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                        int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                        int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                        int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                        int32_t accumulate);
void deeploy_matmul_u8_u8(const uint8_t *restrict A, const uint8_t *restrict B,
                          void *restrict y, int32_t y_type, const int32_t *rq_mul,
                          const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                          int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                          int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                          int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_u8_i16(const uint8_t *restrict A, const int16_t *restrict B,
                         const int32_t *restrict C, void *restrict y, int32_t y_type,
                         const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                         int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                         int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                         int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                         int32_t accumulate);
void deeploy_matmul_u8_i16(const uint8_t *restrict A, const int16_t *restrict B,
                           void *restrict y, int32_t y_type, const int32_t *rq_mul,
                           const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                           int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                           int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                           int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_u8_i32(const uint8_t *restrict A, const int32_t *restrict B,
                         const int32_t *restrict C, void *restrict y, int32_t y_type,
                         const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                         int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                         int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                         int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                         int32_t accumulate);
void deeploy_matmul_u8_i32(const uint8_t *restrict A, const int32_t *restrict B,
                           void *restrict y, int32_t y_type, const int32_t *rq_mul,
                           const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                           int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                           int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                           int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i16_i8(const int16_t *restrict A, const int8_t *restrict B,
                         const int32_t *restrict C, void *restrict y, int32_t y_type,
                         const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                         int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                         int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                         int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                         int32_t accumulate);
void deeploy_matmul_i16_i8(const int16_t *restrict A, const int8_t *restrict B,
                           void *restrict y, int32_t y_type, const int32_t *rq_mul,
                           const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                           int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                           int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                           int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i16_u8(const int16_t *restrict A, const uint8_t *restrict B,
                         const int32_t *restrict C, void *restrict y, int32_t y_type,
                         const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                         int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                         int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                         int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                         int32_t accumulate);
void deeploy_matmul_i16_u8(const int16_t *restrict A, const uint8_t *restrict B,
                           void *restrict y, int32_t y_type, const int32_t *rq_mul,
                           const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                           int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                           int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                           int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i16_i16(const int16_t *restrict A, const int16_t *restrict B,
                          const int32_t *restrict C, void *restrict y, int32_t y_type,
                          const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                          int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                          int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                          int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                          int32_t accumulate);
void deeploy_matmul_i16_i16(const int16_t *restrict A, const int16_t *restrict B,
                            void *restrict y, int32_t y_type, const int32_t *rq_mul,
                            const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                            int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                            int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                            int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i16_i32(const int16_t *restrict A, const int32_t *restrict B,
                          const int32_t *restrict C, void *restrict y, int32_t y_type,
                          const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                          int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                          int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                          int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                          int32_t accumulate);
void deeploy_matmul_i16_i32(const int16_t *restrict A, const int32_t *restrict B,
                            void *restrict y, int32_t y_type, const int32_t *rq_mul,
                            const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                            int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                            int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                            int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i32_i8(const int32_t *restrict A, const int8_t *restrict B,
                         const int32_t *restrict C, void *restrict y, int32_t y_type,
                         const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                         int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                         int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                         int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                         int32_t accumulate);
void deeploy_matmul_i32_i8(const int32_t *restrict A, const int8_t *restrict B,
                           void *restrict y, int32_t y_type, const int32_t *rq_mul,
                           const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                           int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                           int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                           int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i32_u8(const int32_t *restrict A, const uint8_t *restrict B,
                         const int32_t *restrict C, void *restrict y, int32_t y_type,
                         const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                         int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                         int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                         int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                         int32_t accumulate);
void deeploy_matmul_i32_u8(const int32_t *restrict A, const uint8_t *restrict B,
                           void *restrict y, int32_t y_type, const int32_t *rq_mul,
                           const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                           int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                           int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                           int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i32_i16(const int32_t *restrict A, const int16_t *restrict B,
                          const int32_t *restrict C, void *restrict y, int32_t y_type,
                          const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                          int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                          int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                          int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                          int32_t accumulate);
void deeploy_matmul_i32_i16(const int32_t *restrict A, const int16_t *restrict B,
                            void *restrict y, int32_t y_type, const int32_t *rq_mul,
                            const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                            int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                            int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                            int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);
void deeploy_gemm_i32_i32(const int32_t *restrict A, const int32_t *restrict B,
                          const int32_t *restrict C, void *restrict y, int32_t y_type,
                          const int32_t *rq_mul, const int32_t *rq_add, int32_t rq_channels,
                          int32_t rq_inner, int32_t rq_shift, int32_t rq_lo, int32_t rq_hi,
                          int32_t M, int32_t N, int32_t K, int32_t trans_a, int32_t trans_b,
                          int32_t alpha, int32_t beta, int32_t c_rs, int32_t c_cs,
                          int32_t accumulate);
void deeploy_matmul_i32_i32(const int32_t *restrict A, const int32_t *restrict B,
                            void *restrict y, int32_t y_type, const int32_t *rq_mul,
                            const int32_t *rq_add, int32_t rq_channels, int32_t rq_inner,
                            int32_t rq_shift, int32_t rq_lo, int32_t rq_hi, int32_t B1,
                            int32_t B2, int32_t M, int32_t N, int32_t K, int32_t a_s1,
                            int32_t a_s2, int32_t b_s1, int32_t b_s2, int32_t accumulate);

#endif /* DEEPLOY_GEMM_INT_H_ */
