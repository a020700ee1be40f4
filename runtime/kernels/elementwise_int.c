/* Integer elementwise kernels. See deeploy/elementwise_int.h.
 *
 * Rows of the innermost axis are widened to int32 blocks first (one type switch per
 * block, not per element), so the arithmetic loops are plain int32 loops the compiler
 * vectorises, whatever the operand types. */
#include "deeploy/elementwise_int.h"

#define BLOCK 64

/* Advances an odometer over the outer axes of `shape`; false when done. */
static int next_row(int32_t rank, const int32_t *shape, int32_t *idx, ptrdiff_t *off,
                    const int32_t *const *strides, int32_t count) {
    for (int32_t d = rank - 2; d >= 0; --d) {
        for (int32_t k = 0; k < count; ++k) off[k] += strides[k][d];
        if (++idx[d] < shape[d]) return 1;
        for (int32_t k = 0; k < count; ++k) off[k] -= (ptrdiff_t)strides[k][d] * shape[d];
        idx[d] = 0;
    }
    return 0;
}

void deeploy_binary_int(int32_t op, const void *a, int32_t a_type, const void *b,
                        int32_t b_type, void *y, int32_t y_type, DEEPLOY_RQ_PARAMS,
                        int32_t rank, const int32_t *shape, const int32_t *a_strides,
                        const int32_t *b_strides) {
    DEEPLOY_RQ_LOCAL(rq_local, rq);
    const int32_t *strides[2] = {a_strides, b_strides};
    int32_t idx[DEEPLOY_MAX_RANK] = {0};
    ptrdiff_t off[2] = {0, 0};
    const int32_t inner = shape[rank - 1];
    ptrdiff_t out = 0;
    int32_t va[BLOCK], vb[BLOCK], vy[BLOCK];
    do {
        for (int32_t i0 = 0; i0 < inner; i0 += BLOCK) {
            const int32_t n = inner - i0 < BLOCK ? inner - i0 : BLOCK;
            const int32_t as = a_strides[rank - 1], bs = b_strides[rank - 1];
            deeploy_load_i32(a, a_type, off[0] + (ptrdiff_t)i0 * as, n, as, va);
            deeploy_load_i32(b, b_type, off[1] + (ptrdiff_t)i0 * bs, n, bs, vb);
            if (op == 0)
                for (int32_t i = 0; i < n; ++i) vy[i] = va[i] + vb[i];
            else if (op == 1)
                for (int32_t i = 0; i < n; ++i) vy[i] = va[i] - vb[i];
            else
                for (int32_t i = 0; i < n; ++i) vy[i] = va[i] * vb[i];
            deeploy_store_acc(vy, n, y, y_type, out + i0, rq);
        }
        out += inner;
    } while (next_row(rank, shape, idx, off, strides, 2));
}

void deeploy_requant_shift(const void *x, int32_t x_type, const int32_t *mul,
                           const int32_t *add, void *y, int32_t y_type, int32_t shift,
                           int32_t lo, int32_t hi, int32_t rank, const int32_t *shape,
                           const int32_t *x_strides, const int32_t *mul_strides,
                           const int32_t *add_strides) {
    const int32_t *strides[3] = {x_strides, mul_strides, add_strides};
    int32_t idx[DEEPLOY_MAX_RANK] = {0};
    ptrdiff_t off[3] = {0, 0, 0};
    const int32_t inner = shape[rank - 1];
    const int32_t xs = x_strides[rank - 1], ms = mul_strides[rank - 1];
    const int32_t as = add_strides[rank - 1];
    ptrdiff_t out = 0;
    int32_t vx[BLOCK], vy[BLOCK];
    do {
        for (int32_t i0 = 0; i0 < inner; i0 += BLOCK) {
            const int32_t n = inner - i0 < BLOCK ? inner - i0 : BLOCK;
            const int32_t *m = mul + off[1] + (ptrdiff_t)i0 * ms;
            const int32_t *c = add + off[2] + (ptrdiff_t)i0 * as;
            if (ms == 0 && as == 0 && x_type == DEEPLOY_I32 && xs == 1) { /* as it is */
                deeploy_requant_run((const int32_t *)x + off[0] + i0, n, y, y_type, out + i0,
                                    m[0], c[0], shift, lo, hi);
                continue;
            }
            deeploy_load_i32(x, x_type, off[0] + (ptrdiff_t)i0 * xs, n, xs, vx);
            if (ms == 0 && as == 0) { /* one (mul, add) for the row */
                deeploy_requant_run(vx, n, y, y_type, out + i0, m[0], c[0], shift, lo, hi);
                continue;
            }
            for (int32_t i = 0; i < n; ++i)
                vy[i] = deeploy_requant(vx[i], m[(ptrdiff_t)i * ms], c[(ptrdiff_t)i * as], shift,
                                        lo, hi);
            deeploy_store_typed(vy, n, y, y_type, out + i0);
        }
        out += inner;
    } while (next_row(rank, shape, idx, off, strides, 3));
}

void deeploy_clip_int(const void *x, void *y, int32_t type, int32_t n, int32_t lo, int32_t hi) {
    int32_t v[BLOCK];
    for (int32_t i0 = 0; i0 < n; i0 += BLOCK) {
        const int32_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
        deeploy_load_i32(x, type, i0, m, 1, v);
        for (int32_t i = 0; i < m; ++i) v[i] = v[i] < lo ? lo : v[i] > hi ? hi : v[i];
        deeploy_store_typed(v, m, y, type, i0);
    }
}
