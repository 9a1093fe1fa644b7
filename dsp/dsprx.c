/* dsprx.c - the bit-true DSP receiver loop (design and number formats in dsprx.h).
 *
 * One step m: position -> cubic interpolation -> AGC gain + ENOB noise -> ADC code -> FFE (ring of
 * the last nffe codes) -> DFE feedback from past decisions -> slicer -> LMS on FFE and DFE taps ->
 * timing error -> loop filter, applied `latency` steps later. In fixed mode every quantity that
 * hardware holds in a register is rounded and saturated where it is written; the doubles hold
 * integers exactly (all magnitudes stay far below 2^53).
 */
#include "pam4sim/dsprx.h"
#include "pam4sim/mlse.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REG_FRAC 24 /* extra fraction bits of adaptive registers */
#define DFE_Q 1024.0

struct p4_dsprx {
    p4_dsprx_setup s;
    p4_dsprx_info info;
    double c0[64], b0[64];      /* initial taps: FFE in coefficient units, DFE Q10 (fixed) or normalized */
    double lvq[4], thq[3];      /* levels and thresholds in output units */
    double cmax, accmax, outmax, adcmax, adcmin, scale; /* scale: output units per (coef*code) */
    double step_ffe, step_dfe;  /* register increments per (e * x), tracking */
    double tstep_ffe, tstep_dfe; /* during training */
    double kp, ki;
    double *pend;               /* pending loop corrections, ring of latency+1 */
    p4_mlse *mlse;
    double *ybuf;
};

const p4_dsprx_info *p4_dsprx_info_get(const p4_dsprx *d) { return &d->info; }

void p4_dsprx_destroy(p4_dsprx *d)
{
    if (!d) return;
    free(d->pend);
    free(d->ybuf);
    p4_mlse_destroy(d->mlse);
    free(d);
}

static inline double sat(double v, double m) { return v > m ? m : v < -m ? -m : v; }
static inline double rnd(double v) { return floor(v + 0.5); }

/* A relative LMS step mu, with p the step per unit mu, as a register increment per (e * x): in
 * fixed point the power of two 2^-e nearest mu p, shifted into the REG_FRAC fraction bits. */
static double lms_increment(double mu, double p, int fx, int *e)
{
    if (!(mu > 0 && p > 0)) return 0;
    if (!fx) return mu * p;
    *e = (int)lround(-log2(mu * p));
    return ldexp(1, REG_FRAC - *e);
}

p4_dsprx *p4_dsprx_create(const p4_dsprx_setup *s)
{
    if (s->nffe < 1 || s->nffe > 64 || s->ndfe < 0 || s->ndfe > 64 || s->npre < 0 || s->npre >= s->nffe ||
        s->adc_bits < 2 || s->adc_bits > 24 || s->coef_bits < 2 || s->coef_bits > 30 || s->out_bits < 2 ||
        s->out_bits > 30 || s->acc_bits < 8 || s->acc_bits > 52 || s->latency < 0 || s->latency > 65536) {
        p4_error(P4_EINVAL, "p4_dsprx_create: a width or length is out of range");
        return NULL;
    }
    if (s->mlse_memory && s->ndfe < s->mlse_memory) {
        p4_error(P4_EINVAL, "p4_dsprx_create: MLSE memory %d needs as many DFE (target) taps, %d given",
                 s->mlse_memory, s->ndfe);
        return NULL;
    }
    p4_dsprx *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->s = *s;
    p4_dsprx_info *in = &d->info;
    const int fx = s->fixed;
    d->adcmax = ldexp(1, s->adc_bits - 1) - 1;
    d->adcmin = -ldexp(1, s->adc_bits - 1);
    d->outmax = ldexp(1, s->out_bits - 1) - 1;
    d->cmax = ldexp(1, s->coef_bits - 1) - 1;
    d->accmax = ldexp(1, s->acc_bits - 1) - 1;
    double L = fx ? rnd(s->out_level_fraction * (d->outmax + 1)) : 1.0;
    in->out_level = L;
    /* taps in code domain: y_out = sum c x / 2^shift, with c = w / gain * L * 2^shift */
    double wmax = 0;
    for (int i = 0; i < s->nffe; i++) wmax = fmax(wmax, fabs(s->w[i]));
    double cscale = L / s->gain; /* output units per (volt-domain tap * code) */
    int shift = 0;
    if (fx) {
        shift = (int)floor(log2(d->cmax / (wmax * cscale)));
        if (shift < 0) shift = 0;
        if (shift > 40) shift = 40;
    }
    in->shift = shift;
    d->scale = ldexp(1, -shift);
    for (int i = 0; i < s->nffe; i++) {
        double c = s->w[i] * cscale * ldexp(1, shift);
        d->c0[i] = fx ? sat(rnd(c), d->cmax) : c;
        in->ffe_q[i] = (int32_t)d->c0[i];
    }
    for (int j = 0; j < s->ndfe; j++) {
        double b = s->b[j] * (fx ? DFE_Q : 1.0);
        d->b0[j] = fx ? rnd(b) : b;
        in->dfe_q[j] = (int32_t)d->b0[j];
    }
    for (int i = 0; i < 4; i++) d->lvq[i] = fx ? rnd(s->lv[i] * L) : s->lv[i];
    for (int i = 0; i < 3; i++) d->thq[i] = fx ? floor((d->lvq[i] + d->lvq[i + 1]) / 2) : (d->lvq[i] + d->lvq[i + 1]) / 2;
    /* LMS: a relative step mu moves y by mu e per symbol: dc = mu e x 2^shift / (N E[x^2]) */
    double pf = ldexp(1, shift) / (s->nffe * fmax(s->ms_codes, 1e-30)), pl = 0; /* E[L(a)^2], output units */
    for (int i = 0; i < 4; i++) pl += 0.25 * d->lvq[i] * d->lvq[i];
    double pd = s->ndfe ? (fx ? DFE_Q : 1.0) / pl : 0;
    int unused;
    d->step_ffe = lms_increment(s->lms_step, pf, fx, &in->mu_ffe);
    d->tstep_ffe = lms_increment(s->train_step, pf, fx, &unused);
    d->step_dfe = lms_increment(s->dfe_lms_step, pd, fx, &in->mu_dfe);
    d->tstep_dfe = lms_increment(s->dfe_train_step, pd, fx, &unused);
    /* CDR gains */
    p4_cdr_gains(s->bandwidth_hz, s->damping, s->baud_hz, s->kd, &d->kp, &d->ki);
    if (!isnan(s->kp)) d->kp = s->kp;
    if (!isnan(s->ki)) d->ki = s->ki;
    in->kp = d->kp, in->ki = d->ki;
    d->pend = calloc((size_t)s->latency + 1, sizeof *d->pend);
    if (!d->pend) {
        p4_dsprx_destroy(d);
        return NULL;
    }
    if (s->mlse_memory) {
        double t[2] = {s->b[0], s->mlse_memory > 1 ? s->b[1] : 0};
        double lvn[4];
        for (int i = 0; i < 4; i++) lvn[i] = fx ? d->lvq[i] / L : s->lv[i];
        if (fx) t[0] = d->b0[0] / DFE_Q, t[1] = s->mlse_memory > 1 ? d->b0[1] / DFE_Q : 0;
        d->mlse = p4_mlse_create(s->mlse_memory, t, lvn, s->traceback);
        if (!d->mlse) {
            p4_error(P4_EINVAL, "p4_dsprx_create: MLSE set-up failed");
            p4_dsprx_destroy(d);
            return NULL;
        }
    }
    return d;
}

void p4_dsprx_ffe_block(const p4_dsprx *d, const double *x, size_t n, double *y, double *y_ref)
{
    const int N = d->s.nffe, fx = d->s.fixed;
    for (size_t m = 0; m < n; m++) {
        double acc = 0;
        for (int i = 0; i < N && (size_t)i <= m; i++) acc += d->c0[i] * x[m - i];
        if (y_ref) y_ref[m] = acc * d->scale;
        if (fx) y[m] = sat(rnd(sat(acc, d->accmax) * d->scale), d->outmax);
        else y[m] = acc * d->scale;
    }
}

/* 4-point Lagrange interpolation of w at fractional index p (clamped to the buffer). */
static inline double interp(const double *w, size_t n, double p)
{
    if (p < 1) p = 1;
    if (p > (double)n - 3) p = (double)n - 3;
    long i = (long)p;
    double f = p - (double)i;
    double a = w[i - 1], b = w[i], c = w[i + 1], e = w[i + 2];
    double fm1 = f - 1, fm2 = f - 2, fp1 = f + 1;
    return (-a * f * fm1 * fm2 + e * fp1 * f * fm1) * (1.0 / 6) + (b * fp1 * fm1 * fm2 - c * fp1 * f * fm2) * 0.5;
}

void p4_dsprx_run(p4_dsprx *d, const double *wave, size_t nsamp, size_t nsym, const uint8_t *train, long delay,
                  double t0, p4_rng *rng, p4_dsprx_out *o)
{
    const p4_dsprx_setup *s = &d->s;
    const int N = s->nffe, ND = s->ndfe, fx = s->fixed, sps = s->sps, main_tap = s->npre;
    const double eps = s->offset_ppm * 1e-6;
    double creg[64], c[64], breg[64], b[64];
    /* the last N codes and their positions, newest first: each value is stored twice (at k and
     * k + N) so that xh = xbuf + k is always a contiguous window, without moving data per step */
    double xbuf[128] = {0}, pbuf[128] = {0}, *xh = xbuf + N, *ph = pbuf + N;
    int k = N;
    uint8_t past[64] = {0}; /* decisions, most recent first */
    for (int i = 0; i < N; i++) c[i] = d->c0[i], creg[i] = fx ? ldexp(d->c0[i], REG_FRAC) : d->c0[i];
    for (int j = 0; j < ND; j++) b[j] = d->b0[j], breg[j] = fx ? ldexp(d->b0[j], REG_FRAC) : d->b0[j];
    const double bq = fx ? DFE_Q : 1.0, L = d->info.out_level;
    const int adapt_dfe = !s->mlse_memory; /* the MLSE target stays fixed */
    double tau0 = s->sj_amp_ui > 0 ? s->sj_amp_ui * sin(s->sj_rad_per_ui * t0) : 0;
    double phi = s->initial_phase_ui + round(tau0), integ = 0;
    const int lat = s->latency;
    memset(d->pend, 0, (size_t)(lat + 1) * sizeof *d->pend);
    double zprev = 0;
    uint8_t dprev = 0;
    long slip_ref = LONG_MIN;
    uint64_t clips = 0, slips = 0;
    double psi = 0;
    for (size_t m = 0; m < nsym; m++) {
        /* sampling position and the ADC */
        double tau = s->sj_amp_ui > 0 ? s->sj_amp_ui * sin(s->sj_rad_per_ui * (t0 + (double)m)) : 0;
        double pos = s->base_pos + ((double)m * (1 - eps) + phi - tau) * sps;
        double v = interp(wave, nsamp, pos) * s->gain;
        double x;
        if (fx) {
            if (s->adc_noise > 0) v += s->adc_noise * p4_rng_gauss(rng);
            x = rnd(v);
            if (x >= d->adcmax) x = d->adcmax, clips++;
            else if (x <= d->adcmin) x = d->adcmin, clips++;
        } else
            x = v;
        if (o->x) o->x[m] = x;
        k = k ? k - 1 : N - 1;
        xbuf[k] = xbuf[k + N] = x, pbuf[k] = pbuf[k + N] = pos;
        xh = xbuf + k, ph = pbuf + k;
        /* FFE */
        double acc = 0;
        for (int i = 0; i < N; i++) acc += c[i] * xh[i];
        double y = fx ? sat(rnd(sat(acc, d->accmax) * d->scale), d->outmax) : acc * d->scale;
        /* DFE + slicer */
        double fbs = 0;
        for (int j = 0; j < ND; j++) fbs += b[j] * d->lvq[past[j]];
        double fb = fx ? rnd(fbs / bq) : fbs;
        double z = y - fb;
        uint8_t dec = (uint8_t)((z > d->thq[0]) + (z > d->thq[1]) + (z > d->thq[2]));
        o->y[m] = y / L;
        o->z[m] = z / L;
        if (o->fb) o->fb[m] = fb / L;
        o->dec_dfe[m] = dec;
        /* LMS: off while the CDR acquires, then training, then decision-directed */
        long ti = (long)m - delay, half = s->acquire / 2;
        int adapt = (long)m >= half, training = (long)m < half + s->train && train && ti >= 0;
        uint8_t ref = training ? train[ti] : dec;
        double e = z - d->lvq[ref];
        double sf = training ? d->tstep_ffe : d->step_ffe, sd = training ? d->tstep_dfe : d->step_dfe;
        if (adapt && sf > 0)
            for (int i = 0; i < N; i++) {
                if (i == main_tap) continue;
                if (fx) {
                    creg[i] -= rnd(e * xh[i] * sf);
                    c[i] = sat(rnd(ldexp(creg[i], -REG_FRAC)), d->cmax);
                } else
                    c[i] = creg[i] = creg[i] - sf * e * xh[i];
            }
        if (adapt && adapt_dfe && sd > 0)
            for (int j = 0; j < ND; j++) {
                double g = e * d->lvq[past[j]];
                if (fx) {
                    breg[j] += rnd(g * sd);
                    b[j] = rnd(ldexp(breg[j], -REG_FRAC));
                } else
                    b[j] = breg[j] = breg[j] + sd * g;
            }
        /* timing error (normalized units), loop filter, applied lat steps later */
        double te = 0;
        if (s->detector == P4_CDR_MM) te = (z * d->lvq[dprev] - zprev * d->lvq[dec]) / (L * L);
        else if (s->detector == P4_CDR_BANGBANG && (dec ^ dprev) == 3) {
            /* a symmetric transition (0<->3, 1<->2) crosses zero mid-way: sample there; the decided
             * symbol was sampled at the FFE main tap's position */
            double edge = interp(wave, nsamp, ph[main_tap] - 0.5 * sps);
            double dir = d->lvq[dec] - d->lvq[dprev];
            te = (edge > 0) == (dir > 0) ? -1 : 1;
        }
        if (s->detector != P4_CDR_NONE) {
            int acq = (long)m < s->acquire;
            double kp = d->kp * (acq ? s->gear : 1), ki = d->ki * (acq ? s->gear * s->gear : 1);
            integ += ki * te;
            d->pend[m % (size_t)(lat + 1)] = kp * te + integ;
            phi += d->pend[(m + 1) % (size_t)(lat + 1)];
        }
        psi = phi - (double)m * eps - tau;
        if ((long)m == half && half > 0) {
            /* frame alignment: a loop that settled on a neighbouring symbol is re-labelled (an
             * elastic buffer's whole-UI slip), keeping its fractional phase */
            double k = round(psi);
            phi -= k, psi -= k;
        }
        if ((long)m >= s->acquire) {
            long r = lround(psi);
            if (slip_ref == LONG_MIN) slip_ref = r;
            else if (r != slip_ref) slips++, slip_ref = r;
        }
        memmove(past + 1, past, (size_t)(ND > 1 ? ND - 1 : 0));
        if (ND) past[0] = dec;
        zprev = z, dprev = dec;
    }
    if (d->mlse) {
        p4_mlse_run(d->mlse, o->y, nsym, o->dec);
    } else
        memcpy(o->dec, o->dec_dfe, nsym);
    o->clips = clips, o->slips = slips;
    o->freq_ppm = integ * 1e6;
    o->phase_end_ui = psi;
}
