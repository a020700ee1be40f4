/* Integer division and mean of quantised networks. See deeploy/div_int.h.
 *
 * Operands of any integer type are read in chunks of CHUNK elements into int64 arrays
 * (one type dispatch per chunk), computed on, and written back in the output's type. */
#include "deeploy/div_int.h"

#define CHUNK 64

/* n elements of p (type code `type`), from element `at` with element stride `stride`. */
static void load(const void *p, int32_t type, ptrdiff_t at, ptrdiff_t stride, int32_t n,
                 int64_t *restrict dst) {
#define LOAD_CASE(code, T)                                                                 \
    case code: {                                                                           \
        const T *src = (const T *)p + at;                                                  \
        for (int32_t i = 0; i < n; ++i) dst[i] = src[(ptrdiff_t)i * stride];               \
        break;                                                                             \
    }
    switch (type) {
        LOAD_CASE(0, int8_t)
        LOAD_CASE(1, uint8_t)
        LOAD_CASE(2, int16_t)
        LOAD_CASE(3, uint16_t)
        LOAD_CASE(4, int32_t)
    default:
        for (int32_t i = 0; i < n; ++i) dst[i] = 0;
        break;
    }
#undef LOAD_CASE
}

/* n values as elements [at, at + n) of y (type code `type`), converted as C converts. */
static void store(const int64_t *restrict v, int32_t n, void *y, int32_t type, ptrdiff_t at) {
#define STORE_CASE(code, T)                                                                \
    case code: {                                                                           \
        T *dst = (T *)y + at;                                                              \
        for (int32_t i = 0; i < n; ++i) dst[i] = (T)v[i];                                  \
        break;                                                                             \
    }
    switch (type) {
        STORE_CASE(0, int8_t)
        STORE_CASE(1, uint8_t)
        STORE_CASE(2, int16_t)
        STORE_CASE(3, uint16_t)
        STORE_CASE(4, int32_t)
    default:
        break;
    }
#undef STORE_CASE
}

/* (nom + sgn(nom) * (den >> 1)) / den, C division; 0 when den == 0. */
static int64_t round_div(int64_t nom, int64_t den) {
    if (den == 0) return 0;
    const int64_t half = den >> 1;
    return (nom + (nom >= 0 ? half : -half)) / den;
}

void deeploy_true_integer_div(const void *x, int32_t x_type, int32_t *y, int32_t n,
                              int32_t coeff) {
    int64_t v[CHUNK];
    for (int32_t i0 = 0; i0 < n; i0 += CHUNK) {
        const int32_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
        load(x, x_type, i0, 1, m, v);
        for (int32_t i = 0; i < m; ++i) v[i] *= coeff;
        store(v, m, y, 4, i0);
    }
}

typedef struct {
    int32_t mul, add, shift, lo, hi;
} requant;

/* Both division kernels: y = IntegerDiv(a, b), requantised when rq is not NULL. */
static void integer_div(const void *a, int32_t a_type, const void *b, int32_t b_type, void *y,
                        int32_t y_type, int32_t rank, const int32_t *shape,
                        const int32_t *a_strides, const int32_t *b_strides, int32_t delta,
                        int32_t eps, int32_t eta, const requant *rq) {
    int64_t av[CHUNK], bv[CHUNK];
    int32_t idx[DEEPLOY_MAX_RANK] = {0};
    const int64_t delta_eta = (int64_t)delta * eta;
    const int32_t inner = shape[rank - 1];
    const ptrdiff_t as = a_strides[rank - 1], bs = b_strides[rank - 1];
    int32_t outer = 1;
    for (int32_t d = 0; d + 1 < rank; ++d) outer *= shape[d];
    ptrdiff_t ao = 0, bo = 0;
    for (int32_t o = 0; o < outer; ++o) {
        for (int32_t i0 = 0; i0 < inner; i0 += CHUNK) {
            const int32_t m = inner - i0 < CHUNK ? inner - i0 : CHUNK;
            load(a, a_type, ao + i0 * as, as, m, av);
            load(b, b_type, bo + i0 * bs, bs, m, bv);
            for (int32_t i = 0; i < m; ++i) {
                int64_t q = (int32_t)round_div(delta_eta * av[i], (int64_t)eta * bv[i] + eps);
                if (rq != NULL) {
                    q = q * rq->mul + rq->add;
                    if (rq->shift > 0) q = (q + ((int64_t)1 << (rq->shift - 1))) >> rq->shift;
                    q = q < rq->lo ? rq->lo : q > rq->hi ? rq->hi : q;
                }
                av[i] = q;
            }
            store(av, m, y, y_type, (ptrdiff_t)o * inner + i0);
        }
        for (int32_t d = rank - 2; d >= 0; --d) {
            ao += a_strides[d];
            bo += b_strides[d];
            if (++idx[d] < shape[d]) break;
            ao -= (ptrdiff_t)a_strides[d] * shape[d];
            bo -= (ptrdiff_t)b_strides[d] * shape[d];
            idx[d] = 0;
        }
    }
}

void deeploy_integer_div(const void *a, int32_t a_type, const void *b, int32_t b_type,
                         int32_t *y, int32_t rank, const int32_t *shape,
                         const int32_t *a_strides, const int32_t *b_strides, int32_t delta,
                         int32_t eps, int32_t eta) {
    integer_div(a, a_type, b, b_type, y, 4, rank, shape, a_strides, b_strides, delta, eps, eta,
                NULL);
}

void deeploy_rq_integer_div(const void *a, int32_t a_type, const void *b, int32_t b_type,
                            void *y, int32_t y_type, int32_t rank, const int32_t *shape,
                            const int32_t *a_strides, const int32_t *b_strides,
                            int32_t delta, int32_t eps, int32_t eta, int32_t mul,
                            int32_t add, int32_t shift, int32_t lo, int32_t hi) {
    const requant rq = {mul, add, shift, lo, hi};
    integer_div(a, a_type, b, b_type, y, y_type, rank, shape, a_strides, b_strides, delta, eps,
                eta, &rq);
}

static int64_t mean_of(int64_t acc, int32_t count, int32_t shift) {
    if (shift == 0) return acc;
    if (shift > 0) return (acc + ((int64_t)1 << (shift - 1))) >> shift;
    if (count <= 0) return 0;
    const int64_t half = count >> 1;
    return (acc + (acc >= 0 ? half : -half)) / count;
}

void deeploy_integer_mean(const void *x, int32_t x_type, void *y, int32_t kept_rank,
                          const int32_t *kept_shape, const int32_t *kept_strides,
                          int32_t red_rank, const int32_t *red_shape,
                          const int32_t *red_strides, int32_t count, int32_t shift) {
    int64_t v[CHUNK], out[CHUNK];
    int32_t kidx[DEEPLOY_MAX_RANK] = {0};
    int32_t n_out = 1, red_outer = 1;
    for (int32_t d = 0; d < kept_rank; ++d) n_out *= kept_shape[d];
    for (int32_t d = 0; d + 1 < red_rank; ++d) red_outer *= red_shape[d];
    const int32_t last = red_shape[red_rank - 1];
    const ptrdiff_t last_stride = red_strides[red_rank - 1];
    int32_t filled = 0;
    ptrdiff_t ko = 0, written = 0;
    for (int32_t o = 0; o < n_out; ++o) {
        int64_t acc = 0;
        int32_t ridx[DEEPLOY_MAX_RANK] = {0};
        ptrdiff_t ro = 0;
        for (int32_t r = 0; r < red_outer; ++r) {
            for (int32_t i0 = 0; i0 < last; i0 += CHUNK) {
                const int32_t m = last - i0 < CHUNK ? last - i0 : CHUNK;
                load(x, x_type, ko + ro + i0 * last_stride, last_stride, m, v);
                for (int32_t i = 0; i < m; ++i) acc += v[i];
            }
            for (int32_t d = red_rank - 2; d >= 0; --d) {
                ro += red_strides[d];
                if (++ridx[d] < red_shape[d]) break;
                ro -= (ptrdiff_t)red_strides[d] * red_shape[d];
                ridx[d] = 0;
            }
        }
        out[filled++] = mean_of(acc, count, shift);
        if (filled == CHUNK) {
            store(out, filled, y, x_type, written);
            written += filled;
            filled = 0;
        }
        for (int32_t d = kept_rank - 1; d >= 0; --d) {
            ko += kept_strides[d];
            if (++kidx[d] < kept_shape[d]) break;
            ko -= (ptrdiff_t)kept_strides[d] * kept_shape[d];
            kidx[d] = 0;
        }
    }
    if (filled > 0) store(out, filled, y, x_type, written);
}
