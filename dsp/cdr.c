/* cdr.c - loop gains of the second-order CDR (design in dsprx.h).
 * A type-II loop with proportional gain kp and integral gain ki per step and detector gain K_d has,
 * for small gains, natural frequency wn T = sqrt(-ki K_d) and damping zeta = -kp K_d / (2 wn T); its
 * -3 dB bandwidth is f3 = fn sqrt(1 + 2 zeta^2 + sqrt((1 + 2 zeta^2)^2 + 1)).
 */
#include "pam4sim/dsprx.h"
#include <math.h>

void p4_cdr_gains(double f3_hz, double zeta, double fb_hz, double kd, double *kp, double *ki)
{
    double a = 1 + 2 * zeta * zeta;
    double fn = f3_hz / sqrt(a + sqrt(a * a + 1));
    double wt = 2 * M_PI * fn / fb_hz;
    if (kd == 0 || !isfinite(kd)) kd = -1;
    *kp = -2 * zeta * wt / kd;
    *ki = -wt * wt / kd;
}
