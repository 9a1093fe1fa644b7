/* lossmodel.c - the analytic channel for loss sweeps (see response.h).
 *
 * Why minimum phase: a magnitude alone does not fix a channel; the causal channel with the least delay
 * for that magnitude is the minimum-phase one, obtained exactly (to the grid's resolution) from the
 * real cepstrum. The skin-effect term sqrt(f) and the dielectric term f are the two shapes that real
 * PCB and cable loss curves are fitted with; skin_fraction splits the Nyquist loss between them.
 */
#include "pam4sim/response.h"
#include <math.h>

p4_status p4_fresp_loss_model(p4_fresp *r, double il_nyq_db, double s, double fN, double delay_s, double rc,
                              double rdelay_s)
{
    if (!(il_nyq_db >= 0) || !(s >= 0 && s <= 1) || !(fN > 0))
        return p4_error(P4_EINVAL, "p4_fresp_loss_model: il_nyq_db >= 0, skin_fraction 0..1, f_nyq > 0");
    p4_fresp *m = p4_fresp_create(r->n, r->fs_hz);
    if (!m) return P4_ENOMEM;
    for (size_t k = 0; k <= r->n / 2; k++) {
        double x = p4_fresp_freq(r, k) / fN;
        double db = il_nyq_db * (s * sqrt(x) + (1 - s) * x);
        m->H[k] = pow(10, -db / 20);
    }
    p4_status st = p4_fresp_min_phase(m);
    if (!st) {
        p4_fresp_delay(m, delay_s);
        if (rc != 0)
            for (size_t k = 0; k <= r->n / 2; k++)
                m->H[k] *= 1 + rc * cexp(-2 * M_PI * I * p4_fresp_freq(r, k) * rdelay_s);
        p4_fresp_mul(r, m);
    }
    p4_fresp_free(m);
    return st;
}
