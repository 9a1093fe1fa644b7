/* package.h - two-port S-parameters of the COM device package and its termination (IEEE 802.3
 * Annex 93A.1.2, extended in 178A with an on-die ladder), in the differential mode's half circuit:
 * every element is referred to the single-ended reference r0 (50 ohm), a line's differential
 * impedance Z_c to 2 r0.
 *
 *  shunt C:  S11 = -j w C r0 / (2 + j w C r0),  S21 = 2 / (2 + j w C r0)
 *  series L: S11 = Z / (Z + 2 r0),  S21 = 2 r0 / (Z + 2 r0),  Z = j w L
 *  line (93A-12..17): gamma(f) = gamma0 + a1 (1 + j) sqrt(f) + f (a2 (1 - j (2/pi) ln f) + j 2 pi tau)
 *    per mm with f in GHz (gamma0 at DC), rho = (Z_c - 2 r0)/(Z_c + 2 r0), e = exp(-gamma z):
 *    S11 = rho (1 - e^2) / (1 - rho^2 e^2),  S21 = (1 - rho^2) e / (1 - rho^2 e^2)
 *  a package, die side first: the die ladder (shunt C_d(i), series L_s(i) for each i), the bump C_b,
 *    the line segments, the ball C_p; the receive package is the same cascade flipped (ball first).
 *  termination (93A-18): H21 = S21 (1 - G1)(1 + G2) / ((1 - S11 G1)(1 - S22 G2) - S12 S21 G1 G2),
 *    G = (R_d - R_0)/(R_d + R_0) at each end.
 */
#ifndef PAM4SIM_PACKAGE_H
#define PAM4SIM_PACKAGE_H
#include "pam4sim/cplx.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    p4_complex s11, s12, s21, s22;
} p4_s2;

typedef struct {
    int nd;                 /* die ladder sections (1..4) */
    double cd_f[4], ls_h[4]; /* shunt die capacitance and series inductance of each section */
    double cb_f, cp_f;      /* bump and ball capacitance */
    int nseg;               /* line segments (0..2) */
    double zc_ohm[2], len_mm[2];
    double gamma0_per_mm, a1_per_mm, a2_per_mm, tau_ns_per_mm;
    double r0_ohm;
} p4_package;

p4_s2 p4_s2_shunt_c(double f_hz, double c_f, double r0);
p4_s2 p4_s2_series_l(double f_hz, double l_h, double r0);
p4_s2 p4_s2_line(double f_hz, double zc_ohm, double len_mm, const p4_package *p);
/* a then b */
p4_s2 p4_s2_cascade(p4_s2 a, p4_s2 b);
/* ports swapped */
p4_s2 p4_s2_flip(p4_s2 a);
/* The package at f: transmit side (die to ball), or receive side (ball to die) when rx. */
p4_s2 p4_package_s(const p4_package *p, double f_hz, int rx);
/* Transfer function of s between terminations with reflection coefficients g1 (source), g2 (load). */
p4_complex p4_s2_h21(p4_s2 s, double g1, double g2);

#ifdef __cplusplus
}
#endif
#endif
