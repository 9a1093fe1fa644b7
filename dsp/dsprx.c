/* dsprx.c - the bit-true DSP receiver loop (design and number formats in dsprx.h).
 *
 * One step m: position -> cubic interpolation -> AGC gain + ENOB noise -> ADC code -> FFE (ring of
 * the last nffe codes) -> DFE feedback from past decisions -> slicer -> LMS on FFE and DFE taps ->
 * timing error -> loop filter, applied `latency` steps later. In fixed mode every quantity that
 * hardware holds in a register is rounded and saturated where it is written; the doubles hold
 * integers exactly (all magnitudes stay far below 2^53).
 *
 * Clock acquisition (dsprx.h): an eye scan at SCAN_PHASES phases across one UI finds the eye's
 * centre, three scans on the free-running clock give the frequency, and the loop starts there with
 * its integrator preloaded; a lock detector on the slicer SNR re-centres the phase when it is lost.
 * The alternative, letting the Mueller-Mueller loop pull in from wherever it starts, hangs near the
 * detector's unstable point (sampling on the crossing, half a UI off) and cannot pull in a frequency
 * offset larger than its bandwidth allows.
 */
#include "pam4sim/dsprx.h"
#include "pam4sim/mlse.h"
#include "clones.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REG_FRAC 24 /* extra fraction bits of adaptive registers */
#define DFE_Q 1024.0
#define SCAN_PHASES 16  /* eye-scan phases across one UI */
#define SCAN_LEN 256    /* steps per eye-scan window */
#define SCAN_S1 448     /* second scan window after the first: +-1100 ppm stay within half a UI */
#define LOCK_BLOCK 1024 /* steps per lock-detector decision */

struct p4_dsprx {
    p4_dsprx_setup s;
    p4_dsprx_info info;
    double c0[64], b0[64];      /* initial taps: FFE in coefficient units, DFE Q10 (fixed) or normalized */
    double lvq[4], thq[3];      /* levels and thresholds in output units */
    double cmax, accmax, outmax, adcmax, adcmin, scale; /* scale: output units per (coef*code) */
    double step_ffe, step_dfe;  /* register increments per (e * x), tracking */
    double tstep_ffe, tstep_dfe; /* during training */
    double kp, ki;
    double *pend;               /* pending loop corrections, a power-of-two ring of >= latency+1 */
    size_t pmask;               /* its size - 1 */
    p4_mlse *mlse;
    double *ybuf;
    const double *noise;        /* during a run: the noise added at step m's reads, or NULL */
    p4_dsprx_source src;        /* a waveform computed on demand (p4_dsprx_set_source), or ready NULL */
};

void p4_dsprx_set_source(p4_dsprx *d, const p4_dsprx_source *src)
{
    if (src) d->src = *src;
    else memset(&d->src, 0, sizeof d->src);
}

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
/* round half up, floor(v + 0.5): one instruction with SSE4.1 (the x86-64-v2 build; a library call
 * otherwise), exact for every finite v */
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
    size_t ring = 1;
    while (ring < (size_t)s->latency + 1) ring *= 2;
    d->pmask = ring - 1;
    d->pend = calloc(ring, sizeof *d->pend);
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
static inline double interp(const p4_dsprx *d, const double *w, size_t n, double p)
{
    if (p < 1) p = 1;
    if (p > (double)n - 3) p = (double)n - 3;
    long i = (long)p;
    double f = p - (double)i, a, b, c, e;
    if (d->src.ready) { /* a waveform computed on demand: the four samples present first */
        for (long j = i - 1; j <= i + 2; j++)
            if (!(d->src.ready[(size_t)j >> d->src.block_shift] >> ((size_t)j & d->src.phase_mask) & 1))
                d->src.fill(d->src.ctx, (size_t)j);
        const size_t M = d->src.ring_mask ? d->src.ring_mask : SIZE_MAX;
        a = w[(size_t)(i - 1) & M], b = w[(size_t)i & M], c = w[(size_t)(i + 1) & M], e = w[(size_t)(i + 2) & M];
    } else
        a = w[i - 1], b = w[i], c = w[i + 1], e = w[i + 2];
    double fm1 = f - 1, fm2 = f - 2, fp1 = f + 1;
    return (-a * f * fm1 * fm2 + e * fp1 * f * fm1) * (1.0 / 6) + (b * fp1 * fm1 * fm2 - c * fp1 * f * fm2) * 0.5;
}

static inline double wrap_ui(double v) { return v - floor(v + 0.5); }

/* Eye scan: the slicer's mean square error (outer level 1) with the initial equalizer, in floating
 * point, at the phases ph + k / SCAN_PHASES - 1/2 (k = 0..SCAN_PHASES-1) of the free-running clock
 * over steps m0 .. m0 + SCAN_LEN, each phase with its own decision feedback. Returns the eye's
 * centre relative to ph (UI, in [-1/2, 1/2)): the circular centroid of the phases weighted by the
 * square of how far their error lies below the mid-point of the best and the worst (a flat-topped
 * eye gives its middle, a bowl its bottom). */
static double eye_scan(const p4_dsprx *d, const double *wave, size_t nsamp, long m0, double ph, double t0)
{
    const p4_dsprx_setup *s = &d->s;
    const int N = s->nffe, ND = s->ndfe, sps = s->sps;
    const double eps = s->offset_ppm * 1e-6, bq = s->fixed ? DFE_Q : 1.0, L = d->info.out_level;
    double mse[SCAN_PHASES], xs[SCAN_LEN + 64];
    for (int k = 0; k < SCAN_PHASES; k++) {
        double th = (double)k / SCAN_PHASES - 0.5, acc2 = 0;
        uint8_t past[64] = {0};
        for (int j = 0; j < SCAN_LEN + N - 1; j++) {
            double m = (double)(m0 - N + 1 + j);
            double tau = s->sj_amp_ui > 0 ? s->sj_amp_ui * sin(s->sj_rad_per_ui * (t0 + m)) : 0;
            double pos = s->base_pos + (m * (1 - eps) + ph + th - tau) * sps;
            double v = interp(d, wave, nsamp, pos);
            if (d->noise) v += d->noise[(long)m];
            xs[j] = v * s->gain;
        }
        for (int j = 0; j < SCAN_LEN; j++) {
            double acc = 0;
            for (int i = 0; i < N; i++) acc += d->c0[i] * xs[j + N - 1 - i];
            double fb = 0;
            for (int i = 0; i < ND; i++) fb += d->b0[i] * d->lvq[past[i]];
            double z = acc * d->scale - fb / bq;
            uint8_t dec = (uint8_t)((z > d->thq[0]) + (z > d->thq[1]) + (z > d->thq[2]));
            double e = (z - d->lvq[dec]) / L;
            acc2 += e * e;
            for (int i = ND - 1; i > 0; i--) past[i] = past[i - 1];
            if (ND) past[0] = dec;
        }
        mse[k] = acc2 / SCAN_LEN;
    }
    double lo = mse[0], hi = mse[0];
    for (int k = 1; k < SCAN_PHASES; k++) lo = fmin(lo, mse[k]), hi = fmax(hi, mse[k]);
    double cx = 0, sx = 0, mid = 0.5 * (lo + hi);
    for (int k = 0; k < SCAN_PHASES; k++) {
        double w = fmax(0, mid - mse[k]) * fmax(0, mid - mse[k]), a = 2 * M_PI * ((double)k / SCAN_PHASES - 0.5);
        cx += w * cos(a), sx += w * sin(a);
    }
    if (!(cx * cx + sx * sx > 0)) return 0; /* a flat scan (no signal): keep the phase */
    return wrap_ui(atan2(sx, cx) / (2 * M_PI));
}

/* The acquisition aid on the free-running clock from phase ph at step m0: eye scans at m0 and at
 * m0 + SCAN_S1 x 2.3^k up to m0 + s2 give the eye's centre and the frequency. The centre moves by
 * the offset times the distance; each scan is unwrapped against the prediction of the earlier
 * ones, whose error grows by the ratio of the distances (about 2), so a centre off by 0.1 UI in
 * one scan cannot flip a later one by a whole UI. Returns the phase to use at step 0; *fr gets the
 * phase increment per step. */
static double acquire_aid(const p4_dsprx *d, const double *wave, size_t nsamp, long m0, long s2, double ph, double t0,
                          double *fr)
{
    double c0 = eye_scan(d, wave, nsamp, m0, ph, t0), c = c0, f = 0;
    long dist = SCAN_S1, last = 0;
    for (;;) {
        if (dist > s2 - SCAN_S1) dist = s2;
        double pred = c0 + f * (double)dist;
        c = eye_scan(d, wave, nsamp, m0 + dist, ph, t0);
        c = pred + wrap_ui(c - pred);
        f = (c - c0) / (double)dist;
        last = dist;
        if (dist >= s2) break;
        dist = dist * 23 / 10;
    }
    *fr = f;
    return ph + c - f * (double)(m0 + last + SCAN_LEN / 2);
}

/* One fixed-point LMS step of the FFE's adaptive registers, in doubles that hold the integers
 * exactly (every |r| < 2^52 on entry, |e x| < 2^50): r -= floor((e x + half) 2^-sh) (the integer
 * ((e x + half) >> sh)), c = the register rounded to its coefficient, floor((r + 2^23) 2^-24), and
 * saturated to +-cmax. Returns how many registers reached 2^52 (then the caller goes on in int64). */
typedef int (*lms_fixed_fn)(double *restrict r, double *restrict c, const double *restrict x, int n, double e,
                            double half, double ish, double cmax);

static int lms_fixed(double *restrict r, double *restrict c, const double *restrict x, int n, double e, double half,
                     double ish, double cmax)
{
    int big = 0;
    for (int i = 0; i < n; i++) {
        double v = r[i] - floor((e * x[i] + half) * ish);
        r[i] = v;
        double t = floor((v + 0x1p23) * 0x1p-24);
        c[i] = t > cmax ? cmax : t < -cmax ? -cmax : t;
        big += fabs(v) >= 0x1p52;
    }
    return big;
}

#if P4_HAVE_AVX
/* The same four registers at a time (AVX): the same IEEE operations per element (min/max equal the
 * comparisons above for the non-NaN values these are), so bit-identical. */
__attribute__((target("avx"))) static int lms_fixed_avx(double *restrict r, double *restrict c, const double *restrict x,
                                                        int n, double e, double half, double ish, double cmax)
{
    const __m256d ve = _mm256_set1_pd(e), vh = _mm256_set1_pd(half), vi = _mm256_set1_pd(ish);
    const __m256d k23 = _mm256_set1_pd(0x1p23), k24 = _mm256_set1_pd(0x1p-24), cm = _mm256_set1_pd(cmax);
    const __m256d ncm = _mm256_set1_pd(-cmax), lim = _mm256_set1_pd(0x1p52), sign = _mm256_set1_pd(-0.0);
    int big = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d p = _mm256_add_pd(_mm256_mul_pd(ve, _mm256_loadu_pd(x + i)), vh);
        p = _mm256_round_pd(_mm256_mul_pd(p, vi), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
        __m256d v = _mm256_sub_pd(_mm256_loadu_pd(r + i), p);
        _mm256_storeu_pd(r + i, v);
        __m256d t = _mm256_mul_pd(_mm256_add_pd(v, k23), k24);
        t = _mm256_round_pd(t, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
        _mm256_storeu_pd(c + i, _mm256_max_pd(_mm256_min_pd(t, cm), ncm));
        big |= _mm256_movemask_pd(_mm256_cmp_pd(_mm256_andnot_pd(sign, v), lim, _CMP_GE_OQ));
    }
    return big + (i < n ? lms_fixed(r + i, c + i, x + i, n - i, e, half, ish, cmax) : 0);
}
#endif

static lms_fixed_fn lms_fixed_pick(void)
{
#if P4_HAVE_AVX
    if (__builtin_cpu_supports("avx")) return lms_fixed_avx;
#endif
    return lms_fixed;
}

void p4_dsprx_run(p4_dsprx *d, const double *wave, size_t nsamp, size_t nsym, const uint8_t *train, long delay,
                  double t0, p4_rng *rng, p4_dsprx_out *o)
{
    p4_dsprx_run_noise(d, wave, nsamp, NULL, nsym, train, delay, t0, rng, o);
}

P4_CLONES void p4_dsprx_run_noise(p4_dsprx *d, const double *wave, size_t nsamp, const double *noise, size_t nsym,
                                  const uint8_t *train, long delay, double t0, p4_rng *rng, p4_dsprx_out *o)
{
    d->noise = noise;
    const lms_fixed_fn lms = lms_fixed_pick();
    const p4_dsprx_setup *s = &d->s;
    const int N = s->nffe, ND = s->ndfe, fx = s->fixed, sps = s->sps, main_tap = s->npre;
    const double eps = s->offset_ppm * 1e-6;
    double creg[64], c[64], breg[64], b[64];
    /* the last N codes and their positions, newest first: each value is stored twice (at k and
     * k + N) so that xh = xbuf + k is always a contiguous window, without moving data per step */
    double xbuf[128] = {0}, pbuf[128] = {0}, *xh = xbuf + N, *ph = pbuf + N;
    /* fixed point: the codes also as integers and the FFE's adaptive registers as int64_t, so that an
     * LMS update is a multiply, a rounding shift and a saturation; the same integers as the double
     * arithmetic (exact below 2^53) whenever |e x| < 2^50 and the step is 2^-sh with sh >= 0, which
     * the loop checks per step (else it takes the double path) */
    int32_t xibuf[128] = {0};
    int64_t cr[64];   /* the registers when one has reached 2^52 (wide), else in crd as doubles */
    double crd[64];
    int wide = 0;
    int sh_t = 0, sh_d = 0;
    frexp(d->tstep_ffe, &sh_t), frexp(d->step_ffe, &sh_d);
    sh_t = 1 - sh_t, sh_d = 1 - sh_d; /* step = 2^-sh */
    /* the rounding half and the scale of the shift by sh, for the double registers (sh in [0, 62)) */
    const double half_t = sh_t > 0 && sh_t < 62 ? ldexp(1, sh_t - 1) : 0, ish_t = sh_t >= 0 && sh_t < 62 ? ldexp(1, -sh_t) : 0;
    const double half_d = sh_d > 0 && sh_d < 62 ? ldexp(1, sh_d - 1) : 0, ish_d = sh_d >= 0 && sh_d < 62 ? ldexp(1, -sh_d) : 0;
    const double elim = ldexp(1, 51 - s->adc_bits);
    const int64_t cmax_i = (int64_t)d->cmax;
    int k = N;
    uint8_t past[64] = {0}; /* decisions, most recent first */
    const double REG = fx ? 0x1p24 : 1.0, IREG = 1 / REG; /* register fraction bits: 2^REG_FRAC */
    for (int i = 0; i < N; i++) c[i] = d->c0[i], creg[i] = d->c0[i] * REG, cr[i] = (int64_t)creg[i], crd[i] = (double)cr[i];
    for (int j = 0; j < ND; j++) b[j] = d->b0[j], breg[j] = d->b0[j] * REG;
    const double bq = fx ? DFE_Q : 1.0, ibq = 1 / bq, L = d->info.out_level;
    int lexp;
    const int lpow2 = frexp(L, &lexp) == 0.5; /* then a multiply by 1 / L is exact */
    const double iL = 1 / L, iL2 = 1 / (L * L);
    const int adapt_dfe = !s->mlse_memory; /* the MLSE target stays fixed */
    double tau0 = s->sj_amp_ui > 0 ? s->sj_amp_ui * sin(s->sj_rad_per_ui * t0) : 0;
    double phi = s->initial_phase_ui + round(tau0), integ = 0;
    const int lat = s->latency;
    const size_t pmask = d->pmask;
    memset(d->pend, 0, (pmask + 1) * sizeof *d->pend);
    const double pnorm = (d->lvq[0] * d->lvq[0] + d->lvq[1] * d->lvq[1] + d->lvq[2] * d->lvq[2] + d->lvq[3] * d->lvq[3]) / 4;
    /* acquisition aid: start at the eye's centre with the integrator at the measured frequency */
    const long s2 = s->acquire / 4 < 4096 ? s->acquire / 4 : 4096, m0 = N + 32 + (delay > 0 ? delay : 0);
    const long aid_end = m0 + s2 + SCAN_LEN;
    const int aid = s->detector != P4_CDR_NONE && s2 >= 2 * SCAN_S1 && aid_end < (s->acquire / 2) && (size_t)aid_end < nsym;
    if (aid) {
        phi = acquire_aid(d, wave, nsamp, m0, s2, phi, t0, &integ);
        for (size_t i = 0; i <= pmask; i++) d->pend[i] = integ;
    }
    const double lock_mse = aid && s->lock_snr_db > 0 ? pnorm * pow(10, -s->lock_snr_db / 10) * LOCK_BLOCK : INFINITY;
    double lock_acc = 0;
    uint64_t relocks = 0;
    double zprev = 0;
    uint8_t dprev = 0;
    long slip_ref = LONG_MIN;
    uint64_t clips = 0, slips = 0;
    double psi = 0;
    for (size_t m = 0; m < nsym; m++) {
        /* sampling position and the ADC */
        double tau = s->sj_amp_ui > 0 ? s->sj_amp_ui * sin(s->sj_rad_per_ui * (t0 + (double)m)) : 0;
        double pos = s->base_pos + ((double)m * (1 - eps) + phi - tau) * sps;
        double v = interp(d, wave, nsamp, pos);
        if (noise) v += noise[m];
        v *= s->gain;
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
        if (fx) xibuf[k] = xibuf[k + N] = (int32_t)x;
        xh = xbuf + k, ph = pbuf + k;
        /* FFE */
        double acc = 0;
        if (fx) { /* integer products and sums, exact in any order: four chains instead of one */
            typedef double v4d __attribute__((vector_size(32)));
            v4d a = {0, 0, 0, 0}, cv, xv; /* lane j: the taps i = j mod 4, in order */
            int i = 0;
            for (; i + 4 <= N; i += 4) memcpy(&cv, c + i, 32), memcpy(&xv, xh + i, 32), a += cv * xv;
            double a4[4];
            memcpy(a4, &a, 32);
            for (; i < N; i++) a4[0] += c[i] * xh[i];
            acc = (a4[0] + a4[1]) + (a4[2] + a4[3]);
        } else
            for (int i = 0; i < N; i++) acc += c[i] * xh[i];
        double y = fx ? sat(rnd(sat(acc, d->accmax) * d->scale), d->outmax) : acc * d->scale;
        /* DFE + slicer */
        double fbs = 0;
        for (int j = 0; j < ND; j++) fbs += b[j] * d->lvq[past[j]];
        double fb = fx ? rnd(fbs * ibq) : fbs;
        double z = y - fb;
        uint8_t dec = (uint8_t)((z > d->thq[0]) + (z > d->thq[1]) + (z > d->thq[2]));
        if (lpow2) {
            o->y[m] = y * iL, o->z[m] = z * iL;
            if (o->fb) o->fb[m] = fb * iL;
        } else {
            o->y[m] = y / L, o->z[m] = z / L;
            if (o->fb) o->fb[m] = fb / L;
        }
        o->dec_dfe[m] = dec;
        /* LMS: off while the CDR acquires, then training, then decision-directed */
        long ti = (long)m - delay, half = s->acquire / 2;
        int adapt = (long)m >= half, training = (long)m < half + s->train && train && ti >= 0;
        uint8_t ref = training ? train[ti] : dec;
        double e = z - d->lvq[ref];
        double sf = training ? d->tstep_ffe : d->step_ffe, sd = training ? d->tstep_dfe : d->step_dfe;
        const int sh = training ? sh_t : sh_d;
        if (adapt && sf > 0 && fx && sh >= 0 && sh < 62 && fabs(e) < elim && !wide) {
            const double rmain = crd[main_tap];
            if (lms(crd, c, xh, N, e, training ? half_t : half_d, training ? ish_t : ish_d, d->cmax)) {
                wide = 1; /* exact so far (below 2^53); int64 from here */
                for (int i = 0; i < N; i++) cr[i] = (int64_t)crd[i];
                cr[main_tap] = (int64_t)rmain;
            }
            crd[main_tap] = rmain, c[main_tap] = d->c0[main_tap];
        } else if (adapt && sf > 0 && fx && sh >= 0 && sh < 62 && fabs(e) < elim) {
            const int64_t ei = (int64_t)e, half = sh ? (int64_t)1 << (sh - 1) : 0, rmain = cr[main_tap];
            const int32_t *xi = xibuf + k;
            for (int i = 0; i < N; i++) {
                int64_t r = cr[i] - ((ei * xi[i] + half) >> sh), t;
                cr[i] = r;
                t = (r + ((int64_t)1 << (REG_FRAC - 1))) >> REG_FRAC;
                t = t > cmax_i ? cmax_i : t < -cmax_i ? -cmax_i : t;
                c[i] = (double)t;
            }
            cr[main_tap] = rmain, c[main_tap] = d->c0[main_tap];
        } else if (adapt && sf > 0)
            for (int i = 0; i < N; i++) {
                if (i == main_tap) continue;
                if (fx) {
                    double r = (wide ? (double)cr[i] : crd[i]) - rnd(e * xh[i] * sf);
                    cr[i] = (int64_t)r, crd[i] = (double)cr[i];
                    if (!wide && fabs(crd[i]) >= 0x1p52) {
                        wide = 1;
                        for (int j = 0; j < N; j++) cr[j] = (int64_t)crd[j];
                    }
                    c[i] = sat(rnd(r * IREG), d->cmax);
                } else
                    c[i] = creg[i] = creg[i] - sf * e * xh[i];
            }
        if (adapt && adapt_dfe && sd > 0)
            for (int j = 0; j < ND; j++) {
                double g = e * d->lvq[past[j]];
                if (fx) {
                    breg[j] += rnd(g * sd);
                    b[j] = rnd(breg[j] * IREG);
                } else
                    b[j] = breg[j] = breg[j] + sd * g;
            }
        /* timing error (normalized units), loop filter, applied lat steps later */
        double te = 0;
        if (s->detector == P4_CDR_MM) {
            te = z * d->lvq[dprev] - zprev * d->lvq[dec];
            te = lpow2 ? te * iL2 : te / (L * L);
        }
        else if (s->detector == P4_CDR_BANGBANG && (dec ^ dprev) == 3) {
            /* a symmetric transition (0<->3, 1<->2) crosses zero mid-way: sample there; the decided
             * symbol was sampled at the FFE main tap's position */
            double edge = interp(d, wave, nsamp, ph[main_tap] - 0.5 * sps);
            double dir = d->lvq[dec] - d->lvq[dprev];
            te = (edge > 0) == (dir > 0) ? -1 : 1;
        }
        if (s->detector != P4_CDR_NONE) {
            int acq = (long)m < s->acquire;
            double kp = d->kp * (acq ? s->gear : 1), ki = d->ki * (acq ? s->gear * s->gear : 1);
            integ += ki * te;
            d->pend[m & pmask] = kp * te + integ;
            phi += d->pend[(m - (size_t)lat) & pmask];
        }
        /* lock detector: the slicer's decision-directed SNR over a block; below the threshold,
         * re-acquire (phase and frequency) and restart the equalizer from its initial taps */
        const double ed = z - d->lvq[dec];
        lock_acc += ed * ed;
        if ((m + 1) % LOCK_BLOCK == 0) {
            if ((long)m >= aid_end && lock_acc > lock_mse && m + 1 + (size_t)(s2 + SCAN_LEN) < nsym) {
                /* the aid from here, on the clock as it runs now; the whole UI nearest the old
                 * phase keeps the frame alignment when only the fraction was lost */
                double ph1 = acquire_aid(d, wave, nsamp, (long)m + 1, s2, phi, t0, &integ) + integ * (double)(m + 1);
                phi = ph1 + round(phi - ph1);
                for (size_t i = 0; i <= pmask; i++) d->pend[i] = integ;
                for (int i = 0; i < N; i++) c[i] = d->c0[i], creg[i] = d->c0[i] * REG, cr[i] = (int64_t)creg[i], crd[i] = (double)cr[i];
                wide = 0;
                for (int j = 0; j < ND; j++) b[j] = d->b0[j], breg[j] = d->b0[j] * REG;
                relocks++;
            }
            lock_acc = 0;
        }
        psi = phi - (double)m * eps - tau;
        if ((long)m == half && half > 0) {
            /* frame alignment: a loop that settled on a neighbouring symbol is re-labelled (an
             * elastic buffer's whole-UI slip), keeping its fractional phase */
            double k = round(psi);
            phi -= k, psi -= k;
        }
        if ((long)m >= s->acquire) {
            long r = (long)rnd(psi);
            if (slip_ref == LONG_MIN) slip_ref = r;
            else if (r != slip_ref) slips++, slip_ref = r;
        }
        for (int j = ND - 1; j > 0; j--) past[j] = past[j - 1];
        if (ND) past[0] = dec;
        zprev = z, dprev = dec;
    }
    if (d->mlse) {
        p4_mlse_run(d->mlse, o->y, nsym, o->dec);
    } else
        memcpy(o->dec, o->dec_dfe, nsym);
    o->clips = clips, o->slips = slips, o->relocks = relocks;
    o->freq_ppm = integ * 1e6;
    o->phase_end_ui = psi;
    d->noise = NULL;
}
