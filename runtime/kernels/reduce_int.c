/* Integer reductions. See deeploy/reduce_int.h. */
#include "deeploy/reduce_int.h"

#define BLOCK 64

/* The element offset of the flat index i of an odometer (sizes, strides). */
static ptrdiff_t offset_of(int64_t i, int32_t rank, const int32_t *sizes, const int32_t *strides) {
    ptrdiff_t off = 0;
    for (int32_t d = rank - 1; d >= 0; --d) {
        off += (ptrdiff_t)(i % sizes[d]) * strides[d];
        i /= sizes[d];
    }
    return off;
}

void deeploy_reduce_sum_int(const void *x, int32_t x_type, void *y, int32_t y_type,
                            int32_t mean, int32_t kept_rank, const int32_t *kept_sizes,
                            const int32_t *kept_strides, int32_t red_rank,
                            const int32_t *red_sizes, const int32_t *red_strides) {
    int64_t outputs = 1, rows = 1;
    for (int32_t d = 0; d < kept_rank; ++d) outputs *= kept_sizes[d];
    for (int32_t d = 0; d + 1 < red_rank; ++d) rows *= red_sizes[d];
    const int32_t inner = red_sizes[red_rank - 1];
    const int64_t count = rows * inner;
    int32_t v[BLOCK];
    for (int64_t o = 0; o < outputs; ++o) {
        const ptrdiff_t base = offset_of(o, kept_rank, kept_sizes, kept_strides);
        int64_t sum = 0;
        for (int64_t r = 0; r < rows; ++r) {
            const ptrdiff_t row = base + offset_of(r, red_rank - 1, red_sizes, red_strides);
            for (int32_t i0 = 0; i0 < inner; i0 += BLOCK) {
                const int32_t n = inner - i0 < BLOCK ? inner - i0 : BLOCK;
                const ptrdiff_t s = red_strides[red_rank - 1];
                deeploy_load_i32(x, x_type, row + (ptrdiff_t)i0 * s, n, s, v);
                for (int32_t i = 0; i < n; ++i) sum += v[i];
            }
        }
        const int32_t result = (int32_t)(mean ? deeploy_mean_round(sum, count) : sum);
        deeploy_store_typed(&result, 1, y, y_type, (ptrdiff_t)o);
    }
}
