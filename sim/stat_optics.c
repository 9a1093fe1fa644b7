/* stat_optics.c - what the statistical eye adds for an optical line (see stat_optics.h).
 *
 * The sample-level line (channel/optics.c) detects P(t) = laser power x the modulator's static
 * transmission of the filtered drive, draws RIN as P (1 + g) and shot noise as sqrt(q fs i) g per
 * sample at the photodiode, adds one reflected copy of the field for MPI (its phase fixed per work
 * unit), and the receive chain (TIA, RX filter, CTLE) then filters signal and noise alike. The
 * statistical engine sees the line through its least-squares linear fit (the pulse), so three things
 * are put back analytically:
 *   - the real level spacing: level k's static photocurrent I_k minus the best straight line through
 *     the four, divided by the fit's DC gain, moves lv_k (every cursor, the victim included, takes
 *     its values at these levels; the receiver's thresholds and DFE stay at the ideal ones);
 *   - noise that depends on the level: the noise at the FFE output is sum_u g[u]^2 var(u), g the
 *     FFE over the receive chain's impulse response (the noise's own spectrum and its correlation
 *     at symbol lags, not white), var(u) = q fs i(u) + RIN fs/2 i_s(u)^2 with i(u) the photocurrent
 *     given the victim's level: the mean current plus the victim's own pulse at that level (the
 *     other symbols average out; for RIN their variance adds);
 *   - MPI: the beat 2 R r sqrt(P_k P_d) cos(theta) + R r^2 P_d of the victim's level with the
 *     delayed copy's level d at a uniform phase theta (constant over a work unit in the sample-level
 *     line; chirp and phase noise only move the phase), taken at the victim's equalized gain per
 *     unit current: a mixture over the four delayed levels and MPI_PHASES phases, each with the
 *     Gaussian noise around it. The alternative, a Gaussian of the beat's variance, has tails far
 *     heavier than the bounded beat's.
 */
#include "stat_optics.h"
#include <math.h>
#include <stdlib.h>

#define Q_E 1.602176634e-19
#define MPI_PHASES 16 /* x 4 delayed levels: the mixture's 64 components */

/* the fit's photocurrent per unit level at DC: the pulse summed over one sample per symbol */
static double fit_dc_gain(const p4_link_view *v)
{
    double g = 0;
    for (int u = 0; u < v->opt_len; u++) g += v->opt_pulse[u];
    return g / v->sps;
}

void stat_opt_levels(const p4_link_view *v, double lvr[4])
{
    const double *lv = v->lv, R = v->cfg->pd_responsivity_a_w, G = fit_dc_gain(v);
    double ik[4], ib = 0, num = 0, den = 0;
    for (int k = 0; k < 4; k++) ik[k] = R * v->opt->rx_p[k], ib += 0.25 * ik[k];
    for (int k = 0; k < 4; k++) num += (ik[k] - ib) * lv[k], den += lv[k] * lv[k];
    double bs = num / den;
    for (int k = 0; k < 4; k++) {
        double r = lv[k] + (ik[k] - ib - bs * lv[k]) / G;
        lvr[k] = isfinite(r) && G > 0 ? r : lv[k];
    }
}

p4_status stat_opt_level_var(const p4_link_view *v, const double lvr[4], int d, int base, double var[4])
{
    const p4_config *c = v->cfg;
    const int sps = v->sps, nffe = v->info->nffe;
    const double *w = v->info->ffe, *h = v->rx_h, *po = v->opt_pulse, R = c->pd_responsivity_a_w;
    const double a1 = c->pd_shot ? Q_E * v->fs_hz : 0;
    const double a2 = isinf(c->laser_rin_db_hz) ? 0 : pow(10, c->laser_rin_db_hz / 10) * v->fs_hz / 2;
    const double is = R * v->opt->rx_avg_w, im = is + c->pd_dark_na * 1e-9;
    for (int k = 0; k < 4; k++) var[k] = 0;
    if (a1 == 0 && a2 == 0) return P4_OK;
    /* g[u - u0]: the FFE output at the victim's cursor d per unit current at photodiode sample u */
    const long u0 = (long)(d - nffe + 1) * sps + base - (long)v->rx_h_len + 1, u1 = (long)d * sps + base;
    const size_t nu = (size_t)(u1 - u0 + 1);
    double *g = calloc(nu, sizeof *g), *s2 = calloc((size_t)sps, sizeof *s2);
    if (!g || !s2) {
        free(g), free(s2);
        return p4_error(P4_ENOMEM, "out of memory in the statistical engine");
    }
    for (int i = 0; i < nffe; i++) {
        long n = (long)(d - i) * sps + base - u0;
        for (size_t j = 0; j < v->rx_h_len; j++) g[n - (long)j] += w[i] * h[j];
    }
    /* the other symbols' current variance at u: sx2 sum over m != 0 of po[u - m sps]^2 */
    double sx2 = 0;
    for (int k = 0; k < 4; k++) sx2 += 0.25 * lvr[k] * lvr[k];
    for (int u = 0; u < v->opt_len; u++) s2[u % sps] += po[u] * po[u];
    for (size_t k = 0; k < nu; k++) {
        long u = u0 + (long)k;
        double p = u >= 0 && u < v->opt_len ? po[u] : 0, g2 = g[k] * g[k];
        double vo = sx2 * (s2[((u % sps) + sps) % sps] - p * p);
        for (int l = 0; l < 4; l++) {
            double dl = p * lvr[l];
            var[l] += g2 * (a1 * fmax(im + dl, 0) + a2 * ((is + dl) * (is + dl) + vo));
        }
    }
    free(g), free(s2);
    return P4_OK;
}

int stat_opt_mpi_on(const p4_link_view *v) { return !isinf(v->cfg->mpi_db); }

int stat_opt_mpi_mix(const p4_link_view *v, int level, double c0, double var, double *wt, double *mu, double *vr)
{
    const double r2 = pow(10, v->cfg->mpi_db / 10), r = sqrt(r2), R = v->cfg->pd_responsivity_a_w;
    const double gain = c0 / fit_dc_gain(v), *p = v->opt->rx_p;
    int n = 0;
    for (int dl = 0; dl < 4; dl++)
        for (int k = 0; k < MPI_PHASES; k++, n++) {
            double th = 2 * M_PI * (k + 0.5) / MPI_PHASES;
            wt[n] = 0.25 / MPI_PHASES;
            mu[n] = gain * R * (2 * r * sqrt(p[level] * p[dl]) * cos(th) + r2 * p[dl]);
            vr[n] = var;
        }
    return n;
}
