/* rx_ctle_dfe.c - an example IBIS-AMI receiver: CTLE + DFE + bang-bang CDR, Init and GetWave.
 *
 * CTLE: the COM continuous-time form
 *   H(s) = (g_dc + s/wz) / ((1 + s/wp1)(1 + s/wp2)) * (g_dc_hp + s/wlf) / (1 + s/wlf),
 * made discrete by the bilinear transform with every corner pre-warped (a biquad and a first-order
 * section, transposed direct form II), so the same filter runs on the impulse matrix in AMI_Init
 * and, with its state kept across calls, on the waveform blocks in AMI_GetWave.
 *
 * AMI_Init filters every column (victim and aggressors) with the CTLE and returns them: the
 * impulse response with the model's linear equalization, no DFE (a DFE acts on decisions, which
 * the statistical flow does not have; the simulator models it after the returned response). From
 * the victim's pulse response it picks the sampling instant with the largest PAM4 eye after an
 * ideal DFE (peak distortion), sets the DFE taps to the post-cursors there (zero forcing) and the
 * slicer levels to the main cursor, and returns them as output parameters: the DFE taps and
 * PAM4_UpperThreshold / CenterThreshold / LowerThreshold.
 *
 * AMI_GetWave: CTLE on the block, then per bit the DFE-corrected data sample, a PAM4 decision and
 * an Alexander (bang-bang) phase detector on an edge sample, using only the transitions symmetric
 * about zero (3<->0, 2<->1), whose crossing is at the threshold 0. The phase moves by cdr_step_ui per
 * early/late vote. The DFE taps and the main cursor (the slicer levels) track by LMS on the slicer
 * error (dfe_lms_step), starting from the values Init chose. The returned waveform is the CTLE
 * output minus the DFE feedback of the bit each sample belongs to; clock_times are the recovered
 * clock's edges (data instant - bit_time/2), seconds from the first GetWave call, ended by -1; the
 * output parameters carry the current slicer thresholds.
 *
 * Where the bang-bang loop settles. On a symmetric transition d_{k-1} = -d_k the edge sample at
 * data instant s - T/2 is d_k (p(s - T/2) - p(s + T/2)) plus the other bits' ISI, symmetric about
 * zero, so the early and late votes balance where p(s - T/2) = p(s + T/2): the centre between the
 * pulse's half-UI points, not the instant of the largest eye after the DFE. A channel's pulse has
 * a long post-cursor tail (which the DFE cancels at the data instant but not at the edges), and on
 * such a pulse the two differ by a good part of a UI; a loop whose data sampler sat half a UI after
 * its edge sampler locked there (0.2 UI late on a 16 dB channel, about 0.4 dB of SNR). So the data
 * sampler sits at a fixed offset from the loop's balance point: Init finds both on the equalized
 * pulse and keeps offset = (largest-eye instant) - (balance point); the loop samples its edges at
 * the data instant - offset - T/2, and the data where Init chose. What is left is the loop's wander,
 * a random walk of cdr_step_ui per vote held by the detector's gain: its rms grows as the square
 * root of the step (0.0095 UI at 0.002 UI per vote, 0.0048 UI at the default 0.0005 UI), and on the
 * steep side of a 16 dB channel's eye 0.0095 UI cost 15 % more errors than a fixed clock.
 */
#include <math.h>
#include <stdio.h>
#include "ami_util.h"

#define MAX_DFE 16
#define RING 512

typedef struct {
    double b[3], a[3], z[2]; /* biquad, transposed DF II */
    double b1[2], a1[2], z1; /* first-order section      */
} ctle;

typedef struct {
    ctle f;
    long spb;
    double dt, ui;
    int ndfe;
    double dfe[MAX_DFE];     /* DFE taps [V per unit level]   */
    double h0;               /* main cursor [V per unit level] */
    double step;             /* CDR step [samples]            */
    double offset;           /* data instant - the loop's balance point [samples] */
    double mu;               /* DFE and main-cursor LMS step  */
    /* GetWave state */
    long long n;             /* samples processed             */
    double s_next;           /* next data instant [samples]   */
    double ring[RING];
    double dec[MAX_DFE];     /* past decisions, newest first  */
    double fb_prev, fb_next; /* DFE feedback of the current and the next bit */
    double last_dec;
    char msg[512];
    char out[512];
} rx_mem;

static void ctle_design(ctle *f, double dt, double gdc_db, double ghp_db, double fz, double fp1, double fp2, double flf)
{
    double K = 2 / dt, g = pow(10, gdc_db / 20), ghp = pow(10, ghp_db / 20);
#define WARP(fhz) (K / (K * tan(M_PI * (fhz) * dt)))
    double a = WARP(fz), p1 = WARP(fp1), p2 = WARP(fp2), l = WARP(flf);
    double nb[3] = {g + a, 2 * g, g - a};
    double da[3] = {(1 + p1) * (1 + p2), (1 + p1) * (1 - p2) + (1 - p1) * (1 + p2), (1 - p1) * (1 - p2)};
    for (int i = 0; i < 3; i++) f->b[i] = nb[i] / da[0], f->a[i] = da[i] / da[0];
    f->b1[0] = (ghp + l) / (1 + l), f->b1[1] = (ghp - l) / (1 + l);
    f->a1[0] = 1, f->a1[1] = (1 - l) / (1 + l);
    f->z[0] = f->z[1] = f->z1 = 0;
#undef WARP
}

static void ctle_run(ctle *f, double *x, long n)
{
    for (long i = 0; i < n; i++) {
        double u = x[i];
        double y = f->b[0] * u + f->z[0];
        f->z[0] = f->b[1] * u - f->a[1] * y + f->z[1];
        f->z[1] = f->b[2] * u - f->a[2] * y;
        double w = f->b1[0] * y + f->z1;
        f->z1 = f->b1[1] * y - f->a1[1] * w;
        x[i] = w;
    }
}

/* the output parameters: the DFE taps, the main cursor and the slicer thresholds now */
static void write_out(rx_mem *m)
{
    int len = snprintf(m->out, sizeof m->out, "(rx_ctle_dfe_ami (main_cursor_v %.6g)", m->h0);
    for (int j = 0; j < m->ndfe; j++) len += snprintf(m->out + len, sizeof m->out - (size_t)len, " (dfe_tap%d %.6g)", j + 1, m->dfe[j] / m->h0);
    snprintf(m->out + len, sizeof m->out - (size_t)len, " (PAM4_UpperThreshold %.6g) (PAM4_CenterThreshold 0) (PAM4_LowerThreshold %.6g))",
             2 * m->h0 / 3, -2 * m->h0 / 3);
}

/* the pulse at a fractional sample position (linear interpolation; 0 outside) */
static double pr_at(const double *pr, long n, double x)
{
    long i = (long)floor(x);
    double f = x - (double)i;
    double a = i >= 0 && i < n ? pr[i] : 0, b = i + 1 >= 0 && i + 1 < n ? pr[i + 1] : 0;
    return a + f * (b - a);
}

static double slice(const rx_mem *m, double z)
{
    double t = 2 * m->h0 / 3;
    return z > t ? 1 : z > 0 ? 1.0 / 3 : z > -t ? -1.0 / 3 : -1;
}

long AMI_Init(double *impulse_matrix, long row_size, long aggressors, double sample_interval, double bit_time,
              char *AMI_parameters_in, char **AMI_parameters_out, void **AMI_memory_handle, char **msg)
{
    rx_mem *m = calloc(1, sizeof *m);
    if (!m) return 0;
    *AMI_memory_handle = m;
    *msg = m->msg;
    *AMI_parameters_out = m->out;
    snprintf(m->out, sizeof m->out, "(rx_ctle_dfe_ami)");
    m->dt = sample_interval, m->ui = bit_time;
    m->spb = lround(bit_time / sample_interval);
    if (m->spb < 2 || fabs(bit_time / sample_interval - m->spb) > 1e-6 * m->spb) {
        snprintf(m->msg, sizeof m->msg, "rx_ctle_dfe: bit_time %g s must be at least two whole sample intervals (%g s)", bit_time, sample_interval);
        return 0;
    }
    const char *p = AMI_parameters_in;
    double gdc = ami_param(p, "ctle_dc_gain_db", -8), ghp = ami_param(p, "ctle_hp_gain_db", 0);
    double fz = ami_param(p, "ctle_fz_ghz", 42.5) * 1e9, fp1 = ami_param(p, "ctle_fp1_ghz", 42.5) * 1e9;
    double fp2 = ami_param(p, "ctle_fp2_ghz", 106.25) * 1e9, flf = ami_param(p, "ctle_flf_ghz", 1.328125) * 1e9;
    m->ndfe = (int)ami_param(p, "dfe_taps", 1);
    m->step = ami_param(p, "cdr_step_ui", 0.0005) * m->spb;
    m->mu = ami_param(p, "dfe_lms_step", 0.001);
    if (m->ndfe < 0 || m->ndfe > MAX_DFE || fp1 <= 0 || fp2 <= 0 || fz <= 0 || flf <= 0 || 2 * fp2 * sample_interval >= 1) {
        snprintf(m->msg, sizeof m->msg, "rx_ctle_dfe: parameters out of range (dfe_taps 0..%d, corners below fs/2)", MAX_DFE);
        return 0;
    }
    for (long a = 0; a <= aggressors; a++) {
        ctle_design(&m->f, sample_interval, gdc, ghp, fz, fp1, fp2, flf);
        ctle_run(&m->f, impulse_matrix + a * row_size, row_size);
    }
    ctle_design(&m->f, sample_interval, gdc, ghp, fz, fp1, fp2, flf); /* fresh state for GetWave */
    /* pulse response of the victim (a 1 V bit): running sum of spb impulse samples x dt */
    double *pr = malloc((size_t)row_size * sizeof *pr), acc = 0;
    if (!pr) return 0;
    for (long n = 0; n < row_size; n++) {
        acc += impulse_matrix[n] * sample_interval;
        if (n >= m->spb) acc -= impulse_matrix[n - m->spb] * sample_interval;
        pr[n] = acc;
    }
    long pk = 0;
    for (long n = 0; n < row_size; n++)
        if (fabs(pr[n]) > fabs(pr[pk])) pk = n;
    /* the instant of the largest eye after an ideal DFE, within half a bit of the peak */
    long best = pk;
    double best_eye = -INFINITY;
    for (long n = pk - m->spb / 2; n <= pk + m->spb / 2; n++) {
        if (n < 0 || n >= row_size) continue;
        double isi = 0;
        for (long k = n - m->spb; k >= 0; k -= m->spb) isi += fabs(pr[k]);
        int j = 0;
        for (long k = n + m->spb; k < row_size; k += m->spb, j++)
            if (j >= m->ndfe) isi += fabs(pr[k]);
        double eye = pr[n] / 3 - isi;
        if (eye > best_eye) best_eye = eye, best = n;
    }
    m->h0 = pr[best];
    for (int j = 0; j < m->ndfe; j++) {
        long k = best + (j + 1) * m->spb;
        m->dfe[j] = k < row_size ? pr[k] : 0;
    }
    write_out(m);
    /* the bang-bang loop's balance point: p(s - T/2) = p(s + T/2), the crossing nearest the peak */
    double half = m->spb / 2.0, bal = (double)pk;
    for (long d = 0; d <= m->spb; d++) {
        int found = 0;
        for (int sg = -1; sg <= 1 && !found; sg += 2) {
            double s0 = (double)(pk + sg * d), s1 = s0 + 1;
            double f0 = pr_at(pr, row_size, s0 - half) - pr_at(pr, row_size, s0 + half);
            double f1 = pr_at(pr, row_size, s1 - half) - pr_at(pr, row_size, s1 + half);
            if (f0 == 0) bal = s0, found = 1;
            else if ((f0 < 0) != (f1 < 0)) bal = s0 + f0 / (f0 - f1), found = 1;
        }
        if (found) break;
    }
    m->offset = (double)best - bal;
    if (m->offset < -half) m->offset = -half; /* the edge sample must not come after the data's */
    free(pr);
    m->s_next = (double)best; /* a bit sent at t = 0 is sampled here */
    snprintf(m->msg, sizeof m->msg, "rx_ctle_dfe: CTLE g_dc %.1f dB g_dc_hp %.1f dB; sampling %.3f UI after the pulse start, %+.3f UI from the CDR's edge balance; main cursor %.4g V; %d DFE taps; eye after ideal DFE %.4g V",
             gdc, ghp, (double)best / m->spb, m->offset / m->spb, m->h0, m->ndfe, 2 * best_eye);
    return 1;
}

/* linear interpolation of the ring at sample position s (within the last RING samples) */
static double at(const rx_mem *m, double s)
{
    long i = (long)floor(s);
    double f = s - i;
    double y0 = m->ring[((i % RING) + RING) % RING], y1 = m->ring[(((i + 1) % RING) + RING) % RING];
    return y0 + f * (y1 - y0);
}

long AMI_GetWave(double *wave, long wave_size, double *clock_times, char **AMI_parameters_out, void *AMI_memory)
{
    rx_mem *m = AMI_memory;
    if (!m || 2 * m->spb + 4 > RING) return 0;
    *AMI_parameters_out = m->out;
    ctle_run(&m->f, wave, wave_size);
    long nclk = 0;
    for (long i = 0; i < wave_size; i++) {
        long long N = m->n + i;
        m->ring[N % RING] = wave[i];
        while (m->s_next <= (double)N && N >= 1) {
            double s = m->s_next;
            double z = at(m, s) - m->fb_next;
            double d = slice(m, z);
            /* LMS: the DFE taps and the main cursor (so the slicer's levels) follow the clock */
            double e = z - m->h0 * d;
            m->h0 += m->mu * e * d;
            for (int j = 0; j < m->ndfe; j++) m->dfe[j] += m->mu * e * m->dec[j];
            /* the edge half a bit before the balance point: Alexander detector on symmetric transitions */
            double se = s - m->offset - m->spb / 2.0;
            if (se >= (double)(N - RING + 2) && se >= 0 && d == -m->last_dec) {
                double e = at(m, se);
                m->s_next += (e > 0) == (d > 0) ? -m->step : m->step;
            }
            if (s - m->spb / 2.0 >= 0) clock_times[nclk++] = (s - m->spb / 2.0) * m->dt;
            for (int j = m->ndfe - 1; j > 0; j--) m->dec[j] = m->dec[j - 1];
            if (m->ndfe) m->dec[0] = d;
            m->last_dec = d;
            m->fb_prev = m->fb_next;
            m->fb_next = 0;
            for (int j = 0; j < m->ndfe; j++) m->fb_next += m->dfe[j] * m->dec[j];
            m->s_next += m->spb;
        }
        /* the bit this sample belongs to: the next one once past its clock edge */
        wave[i] -= (double)N >= m->s_next - m->spb / 2.0 ? m->fb_next : m->fb_prev;
    }
    clock_times[nclk] = -1;
    m->n += wave_size;
    write_out(m);
    return 1;
}

long AMI_Close(void *AMI_memory)
{
    free(AMI_memory);
    return 1;
}
