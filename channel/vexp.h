/* vexp.h - exp, ln and sin/cos in plain arithmetic, for loops that the compiler vectorises (the
 * optical line's EML, its field path's chirp and phase).
 *
 * The library's functions are one call per element. p4_vexp is the classic reduction x = n ln2 + r,
 * |r| <= ln2/2 (Cody-Waite, ln2 split so that n ln2_hi is exact), e^r by its Taylor polynomial of
 * degree 13 (truncation 4e-18 relative) in Estrin's scheme (a tree of depth 4, not a chain of 13
 * dependent steps), and 2^n put into the exponent bits (n read from the bits of the rounding
 * shifter: no float-to-integer conversion, which AVX2 lacks for 64 bits). p4_vlog and p4_vsincos
 * below work the same way. Accuracy against libm (tests/test_optics.c): exp and ln within 2 ulp,
 * sin and cos within 3 ulp. Only +, *, / and integer operations: every vector width does the same
 * operations per element, so a loop built for AVX2 and for the baseline gives the same bits.
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

/* ln x for a positive normal x (the field path's power, floored well above the subnormals): x =
 * 2^e m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172, by
 * its odd series to s^19 (truncation 1e-17 relative) in Estrin's scheme on s^2. Within 2 ulp of
 * libm's log (tests/test_optics.c). */
static inline double p4_vlog(double x)
{
    int64_t xb;
    memcpy(&xb, &x, 8);
    int64_t e = ((xb >> 52) & 0x7ff) - 1023;
    int64_t mb = (xb & 0xfffffffffffffll) | 0x3ff0000000000000ll;
    double m;
    memcpy(&m, &mb, 8);
    const int big = m > 0x1.6a09e667f3bcdp0; /* sqrt(2) */
    m = big ? m * 0.5 : m;
    e = big ? e + 1 : e;
    const double f = m - 1, s = f / (m + 1), z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
    const double q01 = 1.0 / 3 + z * (1.0 / 5), q23 = 1.0 / 7 + z * (1.0 / 9), q45 = 1.0 / 11 + z * (1.0 / 13),
                 q67 = 1.0 / 15 + z * (1.0 / 17), q8 = 1.0 / 19;
    const double q = (q01 + z2 * q23) + z4 * (q45 + z2 * q67) + z8 * q8; /* (atanh(s)/s - 1) / z */
    const double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33, de = (double)e;
    /* ln m = 2 s + 2 s z q = f - (f - 2 s) + 2 s z q, with f - 2 s = s f exact enough: s (m + 1) = f */
    return de * ln2_hi + ((2 * s * z * q + de * ln2_lo) + 2 * s);
}

/* sin x and cos x for |x| < 1e5: x = n pi/2 + r (pi/2 in three parts, Cody-Waite), |r| <= pi/4,
 * sin r and cos r by their Taylor polynomials to r^15 and r^16 (truncation below 1e-16) in Estrin's
 * scheme on r^2, the quadrant from n's bits. Within 3 ulp of libm's, or 1.2e-16 absolute near a
 * zero (tests/test_optics.c). */
static inline void p4_vsincos(double x, double *sn, double *cs)
{
    const double shifter = 0x1.8p52, two_over_pi = 0x1.45f306dc9c883p-1;
    const double p1 = 0x1.921fb54400000p0, p2 = 0x1.0b4611a600000p-34, p3 = 0x1.3198a2e037073p-69;
    double t = x * two_over_pi + shifter, nf = t - shifter;
    double r = ((x - nf * p1) - nf * p2) - nf * p3;
    int64_t tb, sb;
    memcpy(&tb, &t, 8), memcpy(&sb, &shifter, 8);
    const int64_t q = (tb - sb) & 3;
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    /* sin r = r (1 - r2/3! + r4/5! - ...), cos r = 1 - r2/2! + r4/4! - ... */
    const double sa = 1 - r2 * (1.0 / 6), sbb = 1.0 / 120 - r2 * (1.0 / 5040), sc = 1.0 / 362880 - r2 * (1.0 / 39916800),
                 sd = 1.0 / 6227020800.0 - r2 * (1.0 / 1307674368000.0);
    const double s = r * ((sa + r4 * sbb) + r8 * (sc + r4 * sd));
    const double ca = 1 - r2 * 0.5, cb = 1.0 / 24 - r2 * (1.0 / 720), cc = 1.0 / 40320 - r2 * (1.0 / 3628800),
                 cd = 1.0 / 479001600 - r2 * (1.0 / 87178291200.0), ce = 1.0 / 20922789888000.0;
    const double c = (ca + r4 * cb) + r8 * ((cc + r4 * cd) + r8 * ce);
    const double s1 = q & 1 ? c : s, c1 = q & 1 ? s : c; /* quadrants 1, 3: swap */
    *sn = q & 2 ? -s1 : s1;                            /* quadrants 2, 3: sin negative */
    *cs = (q == 1 || q == 2) ? -c1 : c1;                /* quadrants 1, 2: cos negative */
}
#endif
