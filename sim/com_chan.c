/* com_chan.c - the channels of a COM run: reading, one common grid, the configured section in
 * series (com_chan.h).
 *
 * The section: channel.length_scale k makes the thru a line k times as long of the same
 * construction (as the link reads the key: |H|^k and k times the unwrapped phase), and every
 * crosstalk path passes the same added length H^(k-1) on its way to the victim's receiver, so each
 * aggressor keeps its ratio to the thru at every frequency; channel.extra_loss_db adds the loss
 * model's section (lossmodel.c) on all of them. The phase is unwrapped along the common grid, the
 * file's own points where its grid is uniform and its step divides M f_b (every public file), as
 * the link does on its grid. The pulse is taken over the grid's period 1/df, so a length factor
 * whose delay exceeds that period would wrap: it is refused.
 */
#include "com_chan.h"
#include "pam4sim/response.h"
#include "pam4sim/touchstone.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void com_free_chan(chan *c)
{
    free(c->f), free(c->s11), free(c->s21), free(c->s12), free(c->s22);
    memset(c, 0, sizeof *c);
}

/* The four differential S-parameters of a file at its own frequencies (pairs: order, or found). */
p4_status com_read_chan(const char *path, double r0, const int order_in[4], int order_out[4], chan *c)
{
    p4_touchstone *ts = p4_touchstone_read(path);
    if (!ts) return P4_EPARSE;
    p4_status st = p4_touchstone_renormalize(ts, r0);
    int order[4] = {0};
    if (!st && ts->nports == 4) st = p4_touchstone_port_order(ts, order_in, order);
    else if (!st && ts->nports != 2) st = p4_error(P4_EINVAL, "%s: COM needs a 2- or 4-port file", path);
    size_t nf = ts->nfreq;
    c->nf = nf;
    c->f = malloc(nf * sizeof *c->f);
    c->s11 = malloc(nf * sizeof *c->s11), c->s21 = malloc(nf * sizeof *c->s21);
    c->s12 = malloc(nf * sizeof *c->s12), c->s22 = malloc(nf * sizeof *c->s22);
    if (!st && (!c->f || !c->s11 || !c->s21 || !c->s12 || !c->s22)) st = p4_error(P4_ENOMEM, "out of memory");
    if (!st) {
        memcpy(c->f, ts->freq_hz, nf * sizeof *c->f);
        if (ts->nports == 4) {
            int sw[4] = {order[2], order[3], order[0], order[1]};
            st = p4_touchstone_sdd21(ts, order, c->s21);
            if (!st) st = p4_touchstone_sdd11(ts, order, c->s11);
            if (!st) st = p4_touchstone_sdd21(ts, sw, c->s12);
            if (!st) st = p4_touchstone_sdd11(ts, sw, c->s22);
        } else
            for (size_t k = 0; k < nf; k++) {
                const double complex *s = ts->s + k * 4;
                c->s11[k] = s[0], c->s12[k] = s[1], c->s21[k] = s[2], c->s22[k] = s[3];
            }
    }
    if (order_out) memcpy(order_out, order, sizeof order);
    p4_touchstone_free(ts);
    if (st) com_free_chan(c);
    return st;
}

/* The file's grid: uniform from DC or from its step (k0 = 1), the step dividing M f_b evenly. */
int com_exact_grid(const chan *c, double fs, double *df, size_t *k0, size_t *n)
{
    if (c->nf < 2) return 0;
    double d = c->f[1] - c->f[0];
    size_t z = c->f[0] == 0 ? 0 : 1;
    int ok = d > 0 && (z == 0 || fabs(c->f[0] - d) < 1e-6 * d);
    for (size_t k = 1; ok && k < c->nf; k++) ok = fabs(c->f[k] - (double)(k + z) * d) < 1e-6 * d;
    double m = ok ? fs / d : 0;
    size_t nn = (size_t)llround(m);
    if (!ok || fabs(m - (double)nn) > 1e-6 * m || nn % 2 || nn < 16) return 0;
    *df = d, *k0 = z, *n = nn;
    return 1;
}

/* Any other grid (not uniform, a step that does not divide M f_b, or one unlike the thru's) is
 * resampled onto n bins over M f_b from DC, as response.h puts a file on a link's grid: exactly
 * (the time-limited interpolation) where the file's grid allows it, else by magnitude and unwrapped
 * phase. */
p4_status com_regrid(chan *c, double fs, size_t n)
{
    double df = fs / (double)n;
    size_t nk = (size_t)floor(c->f[c->nf - 1] / df + 1e-9) + 1;
    if (nk > n / 2 + 1) nk = n / 2 + 1;
    p4_fresp *r = p4_fresp_create(n, fs);
    double *f = malloc(nk * sizeof *f);
    double complex **src[4] = {&c->s11, &c->s21, &c->s12, &c->s22}, *dst[4] = {0};
    p4_status st = r && f ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    for (int i = 0; !st && i < 4; i++) {
        dst[i] = malloc(nk * sizeof *dst[i]);
        st = dst[i] ? p4_fresp_from_samples(r, c->f, *src[i], c->nf, 0) : p4_error(P4_ENOMEM, "out of memory");
        if (!st) memcpy(dst[i], r->H, nk * sizeof *dst[i]);
    }
    if (!st) {
        for (size_t k = 0; k < nk; k++) f[k] = (double)k * df;
        free(c->f), c->f = f, f = NULL, c->nf = nk;
        for (int i = 0; i < 4; i++) free(*src[i]), *src[i] = dst[i], dst[i] = NULL;
    }
    for (int i = 0; i < 4; i++) free(dst[i]);
    free(f);
    p4_fresp_free(r);
    return st;
}

p4_status com_chan_section(chan *vic, chan *agg, int nagg, double k, double extra_loss_db, double skin_fraction,
                           double f_nyq_hz, double fs, size_t n, size_t k0)
{
    if (k == 1 && extra_loss_db <= 0) return P4_OK;
    size_t nf = vic->nf;
    double complex *sect = malloc(nf * sizeof *sect);
    p4_fresp *loss = extra_loss_db > 0 ? p4_fresp_create(n, fs) : NULL;
    p4_status st = sect && (loss || extra_loss_db <= 0) ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    if (!st && loss) st = p4_fresp_loss_model(loss, extra_loss_db, skin_fraction, f_nyq_hz, 0, 0, 0);
    double prev = 0, acc = 0, delay_s = 0;
    for (size_t i = 0; !st && i < nf; i++) {
        double complex h = vic->s21[i];
        double a = carg(h), d = a - prev;
        d -= 2 * M_PI * floor((d + M_PI) / (2 * M_PI));
        acc = i ? acc + d : (vic->f[0] > 0 ? a : 0), prev = a;
        double m = cabs(h);
        sect[i] = m > 0 ? pow(m, k - 1) * cexp(I * (k - 1) * acc) : 0;
        if (loss && i + k0 <= n / 2) sect[i] *= loss->H[i + k0];
        if (vic->f[i] > 0 && vic->f[i] <= f_nyq_hz) delay_s = -acc / (2 * M_PI * vic->f[i]);
    }
    /* the group delay near Nyquist, scaled: the pulse must fit the grid's period */
    if (!st && k * delay_s > 0.5 * (double)n / fs)
        st = p4_error(P4_EINVAL, "key 'channel.length_scale' = %g: the thru's delay becomes %.3g ns, more than half of the "
                                 "file's period 1/df = %.3g ns (a finer frequency step is needed)",
                      k, k * delay_s * 1e9, (double)n / fs * 1e9);
    for (int c = -1; !st && c < nagg; c++) {
        chan *x = c < 0 ? vic : &agg[c];
        for (size_t i = 0; i < x->nf && i < nf; i++) x->s21[i] *= sect[i], x->s12[i] *= sect[i];
    }
    free(sect);
    p4_fresp_free(loss);
    return st;
}
