/*
 * Deeploy runtime: vector versions of the transcendental functions the kernels need.
 *
 * exp uses the classic range reduction x = n ln2 + r (|r| <= ln2/2) and a degree-6
 * polynomial for e^r (Cephes' coefficients), then scales by 2^n through the exponent bits:
 * a few ulp over the float range and no libm call. erf uses Abramowitz & Stegun's formula
 * 7.1.26 (absolute error below 1.5e-7). Arguments beyond the float range saturate (exp to
 * 0 or about 2^128, erf to +-1) instead of overflowing.
 */
#ifndef DEEPLOY_VMATH_H_
#define DEEPLOY_VMATH_H_

#include <math.h>

#include "deeploy/simd.h"

#ifndef DEEPLOY_SIMD_EMULATED

static inline dv4 dv4_exp(dv4 x) {
    const dv4 hi = dv4_splat(88.3762626647949f), lo = dv4_splat(-87.3365478515625f);
    x = dv4_min(hi, dv4_max(lo, x));
    /* n = round(x / ln2) (floor of x*log2(e) + 0.5) */
    const dv4 fx = x * dv4_splat(1.44269504088896341f) + dv4_splat(0.5f);
    dv4i n = __builtin_convertvector(fx, dv4i);
    n += (dv4i)(__builtin_convertvector(n, dv4) > fx); /* truncation -> floor: -1 where above */
    const dv4 fn = __builtin_convertvector(n, dv4);
    /* r = x - n ln2, ln2 split in two for precision */
    const dv4 r = x - fn * dv4_splat(0.693359375f) - fn * dv4_splat(-2.12194440e-4f);
    dv4 p = dv4_splat(1.9875691500e-4f);
    p = p * r + dv4_splat(1.3981999507e-3f);
    p = p * r + dv4_splat(8.3334519073e-3f);
    p = p * r + dv4_splat(4.1665795894e-2f);
    p = p * r + dv4_splat(1.6666665459e-1f);
    p = p * r + dv4_splat(5.0000001201e-1f);
    p = p * (r * r) + r + dv4_splat(1.0f);
    const dv4i scale = (n + 127) << 23; /* 2^n as float bits; n in [-126, 127] here */
    return p * (dv4)scale;
}

/* erf(x) = sign(x) (1 - t (a1 + t (a2 + ...)) exp(-x^2)), t = 1 / (1 + p |x|) */
static inline dv4 dv4_erf(dv4 x) {
    const dv4i sign = (dv4i)x & (dv4i)dv4_splat(-0.0f);
    const dv4 ax = (dv4)((dv4i)x ^ sign);
    const dv4 t = dv4_splat(1.0f) / (dv4_splat(1.0f) + dv4_splat(0.3275911f) * ax);
    dv4 poly = dv4_splat(1.061405429f);
    poly = poly * t + dv4_splat(-1.453152027f);
    poly = poly * t + dv4_splat(1.421413741f);
    poly = poly * t + dv4_splat(-0.284496736f);
    poly = poly * t + dv4_splat(0.254829592f);
    const dv4 y = dv4_splat(1.0f) - poly * t * dv4_exp(-(ax * ax));
    return (dv4)((dv4i)y ^ sign);
}

#else /* scalar emulation: libm per lane */

static inline dv4 dv4_exp(dv4 x) {
    dv4 r;
    for (int i = 0; i < 4; ++i) r.v[i] = expf(x.v[i]);
    return r;
}

static inline dv4 dv4_erf(dv4 x) {
    dv4 r;
    for (int i = 0; i < 4; ++i) r.v[i] = erff(x.v[i]);
    return r;
}

#endif

#endif /* DEEPLOY_VMATH_H_ */
