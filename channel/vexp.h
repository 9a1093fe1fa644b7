/* vexp.h - exp(x) in plain arithmetic, for loops that the compiler vectorises.
 *
 * The library's exp is one call per element; this is the classic reduction x = n ln2 + r,
 * |r| <= ln2/2 (Cody-Waite, ln2 split so that n ln2_hi is exact), e^r by its Taylor polynomial of
 * degree 13 (truncation 4e-18 relative) in Estrin's scheme (a tree of depth 4, not a chain of 13
 * dependent steps), and 2^n put into the exponent bits (n read from the bits of the rounding
 * shifter: no float-to-integer conversion, which AVX2 lacks for 64 bits). Within 2 ulp of exp over
 * the clamped range [-708, 709] (tests/test_optics.c). Only +, * and integer adds: every vector
 * width does the same operations per element, so a loop built for AVX2 and for the baseline gives
 * the same bits.
 */
#ifndef P4_VEXP_H
#define P4_VEXP_H
#include <stdint.h>
#include <string.h>

static inline double p4_vexp(double x)
{
    const double shifter = 0x1.8p52, inv_ln2 = 0x1.71547652b82fep0;
    const double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
    x = x < -708 ? -708 : x; /* a NaN stays NaN, as with exp */
    x = x > 709 ? 709 : x;
    double t = x * inv_ln2 + shifter, nf = t - shifter; /* nf = round(x / ln2) */
    double r = (x - nf * ln2_hi) - nf * ln2_lo;
    /* Estrin's scheme (a shallow tree of products, not a chain of 13 dependent steps) */
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double q01 = 1.0 + r, q23 = 0.5 + r * (1.0 / 6), q45 = 1.0 / 24 + r * (1.0 / 120),
                 q67 = 1.0 / 720 + r * (1.0 / 5040), q89 = 1.0 / 40320 + r * (1.0 / 362880),
                 qab = 1.0 / 3628800 + r * (1.0 / 39916800), qcd = 1.0 / 479001600 + r * (1.0 / 6227020800.0);
    double p = (q01 + r2 * q23) + r4 * (q45 + r2 * q67) + r8 * ((q89 + r2 * qab) + r4 * qcd);
    int64_t tb, sb, pb;
    memcpy(&tb, &t, 8), memcpy(&sb, &shifter, 8), memcpy(&pb, &p, 8);
    pb += (int64_t)((uint64_t)(tb - sb) << 52); /* 2^n: n in the shifter's low bits */
    memcpy(&p, &pb, 8);
    return p;
}
#endif
