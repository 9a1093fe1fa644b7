/* package.c - the COM package model's two-ports (formulas in package.h). */
#include "pam4sim/package.h"
#include <math.h>

p4_s2 p4_s2_shunt_c(double f_hz, double c_f, double r0)
{
    double complex y = I * 2 * M_PI * f_hz * c_f * r0;
    p4_s2 s = {.s11 = -y / (2 + y), .s21 = 2 / (2 + y)};
    s.s22 = s.s11, s.s12 = s.s21;
    return s;
}

p4_s2 p4_s2_series_l(double f_hz, double l_h, double r0)
{
    double complex z = I * 2 * M_PI * f_hz * l_h;
    p4_s2 s = {.s11 = z / (z + 2 * r0), .s21 = 2 * r0 / (z + 2 * r0)};
    s.s22 = s.s11, s.s12 = s.s21;
    return s;
}

p4_s2 p4_s2_line(double f_hz, double zc_ohm, double len_mm, const p4_package *p)
{
    double f = f_hz * 1e-9;
    double complex g = p->gamma0_per_mm;
    if (f > 0)
        g += p->a1_per_mm * (1 + I) * sqrt(f) +
             f * (p->a2_per_mm * (1 - I * (2 / M_PI) * log(f)) + I * 2 * M_PI * p->tau_ns_per_mm);
    double rho = (zc_ohm - 2 * p->r0_ohm) / (zc_ohm + 2 * p->r0_ohm);
    double complex e = cexp(-g * len_mm), e2 = e * e, den = 1 - rho * rho * e2;
    p4_s2 s = {.s11 = rho * (1 - e2) / den, .s21 = (1 - rho * rho) * e / den};
    s.s22 = s.s11, s.s12 = s.s21;
    return s;
}

p4_s2 p4_s2_cascade(p4_s2 a, p4_s2 b)
{
    double complex d = 1 - a.s22 * b.s11;
    p4_s2 s = {.s11 = a.s11 + a.s12 * a.s21 * b.s11 / d,
               .s21 = a.s21 * b.s21 / d,
               .s12 = a.s12 * b.s12 / d,
               .s22 = b.s22 + b.s21 * b.s12 * a.s22 / d};
    return s;
}

p4_s2 p4_s2_flip(p4_s2 a)
{
    p4_s2 s = {.s11 = a.s22, .s22 = a.s11, .s12 = a.s21, .s21 = a.s12};
    return s;
}

p4_s2 p4_package_s(const p4_package *p, double f_hz, int rx)
{
    double r0 = p->r0_ohm;
    p4_s2 s = p4_s2_shunt_c(f_hz, p->cd_f[0], r0);
    s = p4_s2_cascade(s, p4_s2_series_l(f_hz, p->ls_h[0], r0));
    for (int i = 1; i < p->nd; i++) {
        s = p4_s2_cascade(s, p4_s2_shunt_c(f_hz, p->cd_f[i], r0));
        s = p4_s2_cascade(s, p4_s2_series_l(f_hz, p->ls_h[i], r0));
    }
    s = p4_s2_cascade(s, p4_s2_shunt_c(f_hz, p->cb_f, r0));
    for (int i = 0; i < p->nseg; i++) s = p4_s2_cascade(s, p4_s2_line(f_hz, p->zc_ohm[i], p->len_mm[i], p));
    s = p4_s2_cascade(s, p4_s2_shunt_c(f_hz, p->cp_f, r0));
    return rx ? p4_s2_flip(s) : s;
}

double complex p4_s2_h21(p4_s2 s, double g1, double g2)
{
    return s.s21 * (1 - g1) * (1 + g2) / ((1 - s.s11 * g1) * (1 - s.s22 * g2) - s.s12 * s.s21 * g1 * g2);
}
