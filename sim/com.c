/* com.c - the COM engine (procedure and readings in com.h).
 *
 * Cost. A channel is inverse-transformed four times per package case (the CTLE's four linear
 * parts); every CTLE setting's pulse is their weighted sum. The search needs, per CTLE setting and
 * sampling phase, the autocorrelations of the victim, its slope and each aggressor at a few symbol
 * lags: those are quadratic in the CTLE weights, so the 16 cross-correlations of the four parts are
 * computed once per case and each setting combines them (no pass over the pulses per setting).
 * Per TX FFE point the work is then a few hundred multiply-adds on short vectors, the MMSE solve of
 * the RX FFE (a Cholesky of rx_taps^2) and the quadratic forms of the variances. Every grid point
 * is evaluated: no pruning that could change the chosen point. The channels (reading, one grid, a
 * configuration's section in series) are com_chan.c's.
 */
#include "pam4sim/com.h"
#include "com_chan.h"
#include "pam4sim/response.h"
#include "pam4sim/stat.h"
#include "pam4sim/touchstone.h"
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SX2 (5.0 / 9.0)   /* PAM4 symbol variance, levels +-1 and +-1/3                */
#define TAIL_REL 1e-12    /* energy a pulse window leaves out                          */
#define MAX_WIN_UI 4096   /* the longest window kept (UI)                              */
#define NB 4              /* CTLE parts: g g2, g, g2, 1                                */
#define NOISE_FMAX_FB 4.0 /* eta0 integrated to 4 f_b (H_r is below -110 dB there)      */

typedef struct {   /* one channel's pulse parts, windowed */
    double *P[NB]; /* full-rate, len samples, sample 0 on a UI boundary */
    int len, nui;
    double *C;     /* [NB][NB][M][LA] cross-correlations of the parts at each phase */
    double *D;     /* victim only: the same of the slope parts (sample q+1 minus q-1) */
} pulse;

typedef struct {
    const p4_com_params *p;
    int M, T, LA, nagg, nrx, ndfe, ng1, ng2;
    long ntxg;
    const double *txg;  /* [ntxg][T] TX FFE grid (main included) */
    pulse *vic, *agg;
    double *RN;         /* [NB][NB][LA] eta0 autocorrelation parts at symbol lags */
} search;

typedef struct {
    double fom;
    long ctle, tx;
    int phase, cursor;
    double w[P4_COM_MAX_RX];
    int aq[P4_COM_MAX_AGG];
} choice;

static p4_package package_of(const p4_com_params *p, double zp_mm)
{
    p4_package k = {.nd = p->nd, .cb_f = p->bump_cap_ff * 1e-15, .cp_f = p->ball_cap_ff * 1e-15, .nseg = p->nseg,
                    .gamma0_per_mm = p->gamma0_per_mm, .a1_per_mm = p->a1_per_mm, .a2_per_mm = p->a2_per_mm,
                    .tau_ns_per_mm = p->tau_ns_per_mm, .r0_ohm = p->reference_ohm};
    for (int i = 0; i < p->nd; i++) k.cd_f[i] = p->die_cap_ff[i] * 1e-15, k.ls_h[i] = p->die_ind_nh[i] * 1e-9;
    k.zc_ohm[0] = p->line_ohm[0], k.len_mm[0] = zp_mm;
    if (p->nseg > 1) k.zc_ohm[1] = p->line_ohm[1], k.len_mm[1] = p->breakout_mm;
    return k;
}

/* CTLE parts at f: den^-1 x {1, jf/f_lf, jf/f_z, (jf/f_z)(jf/f_lf)}, weights {g g2, g, g2, 1}. */
static void ctle_parts(const p4_com_params *p, double f, double complex B[NB])
{
    double complex jz = I * f / (p->ctle_fz_ghz * 1e9), jl = I * f / (p->ctle_flf_ghz * 1e9);
    double complex den = (1 + I * f / (p->ctle_fp1_ghz * 1e9)) * (1 + I * f / (p->ctle_fp2_ghz * 1e9)) * (1 + jl);
    B[0] = 1 / den, B[1] = jl / den, B[2] = jz / den, B[3] = jz * jl / den;
}

static void ctle_weights(double gdb, double g2db, double a[NB])
{
    double g = pow(10, gdb / 20), g2 = pow(10, g2db / 20);
    a[0] = g * g2, a[1] = g, a[2] = g2, a[3] = 1;
}

/* RX filter of 93A-20: 4th-order Butterworth at f_r f_b. */
static double complex rx_filter(const p4_com_params *p, double f)
{
    double x = f / (p->rx_filter_fb * p->baud_gbd * 1e9), x2 = x * x;
    return 1 / (1 - 3.414214 * x2 + x2 * x2 + I * 2.613126 * (x - x * x2));
}

typedef struct {
    size_t n, k0, kmax;
    double df, fs;
    double complex *X;
    double *x;
    fftw_plan plan;
} xform;

/* One channel's pulse parts for package lengths (tx_mm, rx_mm). */
static p4_status make_pulse(const search *s, const xform *xf, const chan *c, const double mm[4], int victim, pulse *out)
{
    const p4_com_params *p = s->p;
    int M = s->M;
    size_t n = xf->n;
    p4_package pt = package_of(p, mm[0]), pr = package_of(p, mm[1]);
    p4_package bd = {.gamma0_per_mm = p->board_gamma0_per_mm, .a1_per_mm = p->board_a1_per_mm, .a2_per_mm = p->board_a2_per_mm,
                     .tau_ns_per_mm = p->board_tau_ns_per_mm, .r0_ohm = p->reference_ohm};
    double g = (p->termination_ohm - p->reference_ohm) / (p->termination_ohm + p->reference_ohm);
    double tr_ns = p->tx_rise_time_ps * 1e-3;
    double complex *H = malloc((n / 2 + 1) * sizeof *H);
    double *full[NB] = {0}, *sum = malloc(n * sizeof *sum);
    p4_status st = H && sum ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    for (size_t k = 0; !st && k <= n / 2; k++) {
        double f = (double)k * xf->df;
        if (k > xf->kmax) {
            H[k] = 0;
            continue;
        }
        p4_s2 ch;
        if (k < xf->k0) { /* DC from the first point: magnitudes, real */
            ch.s21 = creal(c->s21[0]) < 0 ? -cabs(c->s21[0]) : cabs(c->s21[0]);
            ch.s12 = creal(c->s12[0]) < 0 ? -cabs(c->s12[0]) : cabs(c->s12[0]);
            ch.s11 = creal(c->s11[0]), ch.s22 = creal(c->s22[0]);
        } else {
            size_t i = k - xf->k0;
            ch.s11 = c->s11[i], ch.s21 = c->s21[i], ch.s12 = c->s12[i], ch.s22 = c->s22[i];
        }
        if (mm[2] > 0) ch = p4_s2_cascade(p4_s2_line(f, p->board_ohm, mm[2], &bd), ch); /* host boards */
        if (mm[3] > 0) ch = p4_s2_cascade(ch, p4_s2_line(f, p->board_ohm, mm[3], &bd));
        p4_s2 tot = p4_s2_cascade(p4_s2_cascade(p4_package_s(&pt, f, 0), ch), p4_package_s(&pr, f, 1));
        double fg = f * 1e-9, ht = exp(-2 * pow(M_PI * fg * tr_ns / 1.6832, 2));
        double complex rect = 0, e = cexp(-2 * M_PI * I * (double)k / (double)n), em = 1;
        for (int m = 0; m < M; m++) rect += em, em *= e;
        H[k] = p4_s2_h21(tot, g, g) * ht * rx_filter(p, f) * rect * c->amp / (double)n;
    }
    for (int b = 0; !st && b < NB; b++) {
        full[b] = malloc(n * sizeof *full[b]);
        if (!full[b]) {
            st = p4_error(P4_ENOMEM, "out of memory");
            break;
        }
        for (size_t k = 0; k <= n / 2; k++) {
            double complex B[NB];
            ctle_parts(p, (double)k * xf->df, B);
            xf->X[k] = H[k] * B[b];
        }
        xf->X[0] = creal(xf->X[0]), xf->X[n / 2] = creal(xf->X[n / 2]);
        fftw_execute_dft_c2r(xf->plan, xf->X, full[b]);
    }
    /* the window: from the parts at 0 dB (all weights 1), on UI boundaries */
    p4_impulse imp = {0};
    if (!st) {
        for (size_t t = 0; t < n; t++) sum[t] = full[0][t] + full[1][t] + full[2][t] + full[3][t];
        size_t cap = (size_t)MAX_WIN_UI * (size_t)M;
        st = p4_impulse_truncate(sum, n, TAIL_REL, 8 * (size_t)M, cap < n ? cap : n, (size_t)M, &imp);
    }
    if (!st) {
        out->nui = (int)((imp.len + (size_t)M - 1) / (size_t)M) + 1;
        out->len = out->nui * M;
        for (int b = 0; b < NB && !st; b++) {
            out->P[b] = calloc((size_t)out->len, sizeof *out->P[b]);
            if (!out->P[b]) st = p4_error(P4_ENOMEM, "out of memory");
            for (int t = 0; !st && t < (int)imp.len; t++) {
                long i = (imp.lead + t) % (long)n;
                out->P[b][t] = full[b][i < 0 ? i + (long)n : i];
            }
        }
    }
    p4_impulse_free(&imp);
    /* cross-correlations of the parts at every phase and the first LA symbol lags */
    int LA = s->LA, nui = out->nui;
    size_t csz = (size_t)NB * NB * M * LA;
    if (!st) {
        out->C = calloc(csz, sizeof *out->C);
        out->D = victim ? calloc(csz, sizeof *out->D) : NULL;
        if (!out->C || (victim && !out->D)) st = p4_error(P4_ENOMEM, "out of memory");
    }
    double *u = st ? NULL : malloc((size_t)NB * nui * 2 * sizeof *u);
    if (!st && !u) st = p4_error(P4_ENOMEM, "out of memory");
    for (int q = 0; !st && q < M; q++)
        for (int pass = 0; pass < (victim ? 2 : 1); pass++) {
            double *dst = pass ? out->D : out->C;
            for (int b = 0; b < NB; b++)
                for (int m = 0; m < nui; m++) {
                    int t = m * M + q;
                    double v;
                    if (!pass) v = out->P[b][t];
                    else v = (t + 1 < out->len ? out->P[b][t + 1] : 0) - (t >= 1 ? out->P[b][t - 1] : 0);
                    u[b * nui + m] = v;
                }
            for (int i = 0; i < NB; i++)
                for (int j = 0; j < NB; j++)
                    for (int l = 0; l < LA; l++) {
                        const double *a = u + i * nui, *bb = u + j * nui + l;
                        double acc = 0;
                        for (int m = 0; m + l < nui; m++) acc += a[m] * bb[m];
                        dst[(((size_t)i * NB + j) * M + q) * LA + l] = acc;
                    }
        }
    free(u), free(H), free(sum);
    for (int b = 0; b < NB; b++) free(full[b]);
    return st;
}

static void free_pulse(pulse *p)
{
    for (int b = 0; b < NB; b++) free(p->P[b]);
    free(p->C), free(p->D);
    memset(p, 0, sizeof *p);
}

/* eta0 autocorrelation parts: R_ij[l] = eta0 int Re(Hr B_i conj(Hr B_j)) cos(2 pi f l T) df (f in GHz). */
static p4_status noise_parts(const search *s, const xform *xf, double *RN)
{
    const p4_com_params *p = s->p;
    int LA = s->LA;
    size_t kn = (size_t)(NOISE_FMAX_FB * p->baud_gbd * 1e9 / xf->df);
    if (kn > xf->n / 2) kn = xf->n / 2;
    memset(RN, 0, (size_t)NB * NB * LA * sizeof *RN);
    double T = 1 / (p->baud_gbd * 1e9);
    for (size_t k = 0; k <= kn; k++) {
        double f = (double)k * xf->df, w = k == 0 ? 0.5 : 1;
        double complex B[NB], hr = rx_filter(p, f);
        ctle_parts(p, f, B);
        double hr2 = creal(hr * conj(hr));
        double cs[P4_COM_MAX_RX + P4_COM_MAX_TX + 2];
        for (int l = 0; l < LA; l++) cs[l] = cos(2 * M_PI * f * l * T);
        for (int i = 0; i < NB; i++)
            for (int j = 0; j < NB; j++) {
                double e = w * hr2 * creal(B[i] * conj(B[j]));
                for (int l = 0; l < LA; l++) RN[(i * NB + j) * LA + l] += e * cs[l];
            }
    }
    double sc = p->eta0_v2_per_ghz * xf->df * 1e-9;
    for (size_t i = 0; i < (size_t)NB * NB * LA; i++) RN[i] *= sc;
    return P4_OK;
}

/* sum_ij a_i a_j C_ij at phase q, lags 0..LA-1 */
static void combine(const double *C, const double a[NB], int M, int LA, int q, double *out)
{
    for (int l = 0; l < LA; l++) out[l] = 0;
    for (int i = 0; i < NB; i++)
        for (int j = 0; j < NB; j++) {
            const double *c = C + (((size_t)i * NB + j) * M + q) * LA;
            double w = a[i] * a[j];
            for (int l = 0; l < LA; l++) out[l] += w * c[l];
        }
}

/* The TX-filtered autocorrelation at lags 0..L-1 from the pulse's (ac symmetric, lags 0..LA-1):
 * sum_m cc[m] ac[|l + m|] with cc[m + T - 1] = sum_j c_j c_(j+m), the taps' own autocorrelation. */
static void tx_ac(const double *ac, const double *cc, int T, int L, double *out)
{
    for (int l = 0; l < L; l++) {
        double acc = 0;
        for (int m = -(T - 1); m <= T - 1; m++) acc += cc[m + T - 1] * ac[abs(l + m)];
        out[l] = acc;
    }
}

static void tap_ac(const double *c, int T, double *cc)
{
    for (int m = -(T - 1); m <= T - 1; m++) {
        double acc = 0;
        for (int j = 0; j < T; j++)
            if (j + m >= 0 && j + m < T) acc += c[j] * c[j + m];
        cc[m + T - 1] = acc;
    }
}

/* w' A w for the symmetric Toeplitz A of ac, given ww = the autocorrelation of w (lags 0..n-1) */
static double quad(const double *ww, int n, const double *ac)
{
    double acc = 0;
    for (int l = 1; l < n; l++) acc += ww[l] * ac[l];
    return ww[0] * ac[0] + 2 * acc;
}

/* Solve A x = b for a symmetric positive definite n x n A (Cholesky, in place). 0 on success. */
static int chol_solve(double *A, int n, double *b)
{
    for (int j = 0; j < n; j++) {
        double d = A[j * n + j];
        for (int k = 0; k < j; k++) d -= A[j * n + k] * A[j * n + k];
        if (!(d > 0)) return -1;
        d = sqrt(d);
        A[j * n + j] = d;
        for (int i = j + 1; i < n; i++) {
            double v = A[i * n + j];
            for (int k = 0; k < j; k++) v -= A[i * n + k] * A[j * n + k];
            A[i * n + j] = v / d;
        }
    }
    for (int i = 0; i < n; i++) {
        double v = b[i];
        for (int k = 0; k < i; k++) v -= A[i * n + k] * b[k];
        b[i] = v / A[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        double v = b[i];
        for (int k = i + 1; k < n; k++) v -= A[k * n + i] * b[k];
        b[i] = v / A[i * n + i];
    }
    return 0;
}

typedef struct {
    double *v;              /* victim pulse at this CTLE, full rate */
    double acv[P4_COM_MAX_RX + P4_COM_MAX_TX + 2];
    double *acv_q, *acd_q, *acx_q; /* [M][LA], [M][LA], [nagg][M][LA] */
    double rn[P4_COM_MAX_RX + P4_COM_MAX_TX + 2];
} ctle_state;

/* Everything the FOM needs at one CTLE setting. */
static void ctle_prepare(const search *s, long ci, ctle_state *cs)
{
    const p4_com_params *p = s->p;
    int M = s->M, LA = s->LA;
    double a[NB];
    ctle_weights(p->g_dc_db[0] + (double)(ci / s->ng2) * p->g_dc_db[2], p->g_dc2_db[0] + (double)(ci % s->ng2) * p->g_dc2_db[2],
                 a);
    for (int t = 0; t < s->vic->len; t++) {
        double v = 0;
        for (int b = 0; b < NB; b++) v += a[b] * s->vic->P[b][t];
        cs->v[t] = v;
    }
    for (int q = 0; q < M; q++) {
        combine(s->vic->C, a, M, LA, q, cs->acv_q + (size_t)q * LA);
        combine(s->vic->D, a, M, LA, q, cs->acd_q + (size_t)q * LA);
        for (int k = 0; k < s->nagg; k++) combine(s->agg[k].C, a, M, LA, q, cs->acx_q + ((size_t)k * M + q) * LA);
    }
    for (int l = 0; l < LA; l++) {
        double acc = 0;
        for (int i = 0; i < NB; i++)
            for (int j = 0; j < NB; j++) acc += a[i] * a[j] * s->RN[(i * NB + j) * LA + l];
        cs->rn[l] = acc;
    }
}

/* TX-filtered victim at full-rate index t (0 outside the window). */
static double cv_at(const search *s, const ctle_state *cs, const double *c, long t)
{
    double acc = 0;
    for (int j = 0; j < s->T; j++) {
        long u = t - (long)(j - s->p->tx_pre) * s->M;
        if (u >= 0 && u < s->vic->len) acc += c[j] * cs->v[u];
    }
    return acc;
}

typedef struct {
    double fom, h0, a_s, v_tx, v_isi, v_xt, v_n, v_j;
    int phase, cursor;
    double w[P4_COM_MAX_RX], hd[P4_COM_MAX_DFE + 1];
    int aq[P4_COM_MAX_AGG];
} fom_out;

/* FOM at one CTLE (prepared) and TX FFE point; returns -INFINITY where it is undefined. */
static void fom_eval(const search *s, const ctle_state *cs, const double *c, int vpk, fom_out *o)
{
    const p4_com_params *p = s->p;
    int M = s->M, T = s->T, LA = s->LA, R = s->nrx, ndfe = s->ndfe, pre = p->rx_pre;
    o->fom = -INFINITY;
    /* the TX-filtered pulse's peak near the CTLE pulse's, then the Mueller-Muller point */
    long pk = vpk;
    double pv = cv_at(s, cs, c, pk);
    for (long t = vpk - M; t <= vpk + M; t++) {
        double v = cv_at(s, cs, c, t);
        if (v > pv) pv = v, pk = t;
    }
    /* f(t) = h(t - T) - h(t + T) rises through 0 after the peak; an exact run of zeros (a flat
     * pulse) gives its middle */
    long ts = pk, zrun = -1;
    double fprev = cv_at(s, cs, c, pk - M - M) - cv_at(s, cs, c, pk);
    for (long t = pk - M + 1; t <= pk + M; t++) {
        double f = cv_at(s, cs, c, t - M) - cv_at(s, cs, c, t + M);
        if (f == 0 && fprev < 0) zrun = t;
        if (fprev < 0 && f > 0) {
            ts = fabs(fprev) < fabs(f) ? t - 1 : t;
            break;
        }
        if (fprev == 0 && f > 0 && zrun >= 0) {
            ts = (zrun + t - 1) / 2;
            break;
        }
        fprev = f;
    }
    int q = (int)(ts % M), n0 = (int)(ts / M), d = n0 + pre;
    /* symbol-spaced samples the design and the DFE need: s[d - (R-1) .. d + ndfe] */
    double sv[P4_COM_MAX_RX + P4_COM_MAX_DFE + 2];
    int s0 = d - (R - 1);
    for (int m = 0; m < R + ndfe; m++) sv[m] = cv_at(s, cs, c, (long)(s0 + m) * M + q);
#define SV(m) sv[(m) - s0]
    double acc[P4_COM_MAX_RX + 2], acd[P4_COM_MAX_RX + 2], acx[P4_COM_MAX_AGG][P4_COM_MAX_RX + 2], xsum[P4_COM_MAX_RX + 2];
    double cc[2 * P4_COM_MAX_TX + 1];
    tap_ac(c, T, cc);
    tx_ac(cs->acv_q + (size_t)q * LA, cc, T, R, acc);
    tx_ac(cs->acd_q + (size_t)q * LA, cc, T, R, acd);
    for (int l = 0; l < R; l++) xsum[l] = 0;
    for (int k = 0; k < s->nagg; k++) { /* each aggressor at its worst phase */
        int best = 0;
        double be = -1;
        for (int qq = 0; qq < M; qq++) {
            double e;
            tx_ac(cs->acx_q + ((size_t)k * M + qq) * LA, cc, T, 1, &e);
            if (e > be) be = e, best = qq;
        }
        o->aq[k] = best;
        tx_ac(cs->acx_q + ((size_t)k * M + best) * LA, cc, T, R, acx[k]);
        for (int l = 0; l < R; l++) xsum[l] += acx[k][l];
    }
    double tx_rel = pow(10, -p->snr_tx_db / 10);
    double *w = o->w;
    if (R == 1)
        w[0] = 1;
    else { /* MMSE: R w = SX2 s_d, the DFE's cursors out of the signal part */
        double A[P4_COM_MAX_RX * P4_COM_MAX_RX], b[P4_COM_MAX_RX] = {0};
        for (int i = 0; i < R; i++) {
            for (int j = 0; j < R; j++) {
                double v = SX2 * (1 + tx_rel) * acc[abs(i - j)] + SX2 * xsum[abs(i - j)] + cs->rn[abs(i - j)];
                for (int m = d + 1; m <= d + ndfe; m++) v -= SX2 * SV(m - i) * SV(m - j);
                A[i * R + j] = v;
            }
            A[i * R + i] *= 1 + 1e-12;
            b[i] = SX2 * SV(d - i);
        }
        if (chol_solve(A, R, b)) return;
        if (!(b[pre] > 0)) return;
        for (int i = 0; i < R; i++) {
            w[i] = b[i] / b[pre];
            if (i != pre) w[i] = fmax(-p->rx_tap_max, fmin(p->rx_tap_max, w[i]));
        }
    }
    /* equalized cursors at the decision and the DFE's */
    for (int j = 0; j <= ndfe; j++) {
        double h = 0;
        for (int i = 0; i < R; i++) h += w[i] * SV(d + j - i);
        o->hd[j] = h;
    }
#undef SV
    double h0 = o->hd[0];
    if (!(h0 > 0)) return;
    double ww[P4_COM_MAX_RX] = {0};
    for (int l = 0; l < R; l++) {
        double a = 0;
        for (int i = 0; i + l < R; i++) a += w[i] * w[i + l];
        ww[l] = a;
    }
    double e_all = quad(ww, R, acc), isi = e_all - h0 * h0;
    for (int j = 1; j <= ndfe; j++) {
        double h = o->hd[j], b = fmax(-p->dfe_bmax[j - 1], fmin(p->dfe_bmax[j - 1], h / h0)), r = h - b * h0;
        isi += r * r - h * h;
    }
    o->v_isi = SX2 * fmax(isi, 0);
    o->v_tx = SX2 * tx_rel * e_all;
    o->v_xt = 0;
    for (int k = 0; k < s->nagg; k++) o->v_xt += SX2 * quad(ww, R, acx[k]);
    o->v_n = quad(ww, R, cs->rn);
    o->v_j = SX2 * (p->a_dd_ui * p->a_dd_ui + p->sigma_rj_ui * p->sigma_rj_ui) * (M / 2.0) * (M / 2.0) * quad(ww, R, acd);
    o->h0 = h0;
    o->a_s = p->rlm * h0 / 3;
    o->phase = q, o->cursor = n0;
    o->fom = 10 * log10(o->a_s * o->a_s / (o->v_tx + o->v_isi + o->v_j + o->v_xt + o->v_n));
}

typedef struct {
    const search *s;
    int tid, nth;
    long ctle_lo, ctle_hi;
    long best_ctle, best_tx;
    double best_fom;
    long evaluated;
    p4_status st;
} worker_arg;

static int better(double f, long ci, long ti, double bf, long bci, long bti)
{
    if (f != bf) return f > bf;
    return ci < bci || (ci == bci && ti < bti);
}

static void *search_worker(void *arg)
{
    worker_arg *a = arg;
    const search *s = a->s;
    int M = s->M, LA = s->LA;
    ctle_state cs = {0};
    cs.v = malloc((size_t)s->vic->len * sizeof *cs.v);
    cs.acv_q = malloc((size_t)M * LA * sizeof *cs.acv_q);
    cs.acd_q = malloc((size_t)M * LA * sizeof *cs.acd_q);
    cs.acx_q = malloc(((size_t)s->nagg * M + 1) * LA * sizeof *cs.acx_q);
    a->best_fom = -INFINITY, a->best_ctle = -1, a->best_tx = -1;
    if (!cs.v || !cs.acv_q || !cs.acd_q || !cs.acx_q) a->st = p4_error(P4_ENOMEM, "out of memory");
    long nctle = (long)s->ng1 * s->ng2;
    for (long ci = a->tid; !a->st && ci < nctle; ci += a->nth) {
        ctle_prepare(s, ci, &cs);
        int vpk = 0;
        for (int t = 0; t < s->vic->len; t++)
            if (cs.v[t] > cs.v[vpk]) vpk = t;
        for (long ti = 0; ti < s->ntxg; ti++) {
            fom_out o;
            fom_eval(s, &cs, s->txg + ti * s->T, vpk, &o);
            a->evaluated++;
            if (better(o.fom, ci, ti, a->best_fom, a->best_ctle, a->best_tx) && isfinite(o.fom))
                a->best_fom = o.fom, a->best_ctle = ci, a->best_tx = ti;
        }
    }
    free(cs.v), free(cs.acv_q), free(cs.acd_q), free(cs.acx_q);
    return NULL;
}

/* The TX FFE grid, main tap c(0) = 1 - sum |c(k)| >= c0_min, in odometer order (last tap fastest). */
static double *tx_grid(const p4_com_params *p, long *count)
{
    int nt = p->ntx, T = nt + 1;
    long steps[P4_COM_MAX_TX], total = 1;
    for (int i = 0; i < nt; i++) {
        steps[i] = (long)floor((p->tx_max[i] - p->tx_min[i]) / p->tx_step[i] + 1e-9) + 1;
        total *= steps[i];
    }
    double *g = malloc((size_t)(total > 0 ? total : 1) * T * sizeof *g);
    long n = 0;
    for (long idx = 0; g && idx < total; idx++) {
        long r = idx;
        double c[P4_COM_MAX_TX + 1], sum = 0;
        for (int i = nt - 1; i >= 0; i--) {
            double v = p->tx_min[i] + (double)(r % steps[i]) * p->tx_step[i];
            r /= steps[i];
            if (fabs(v) < 1e-12) v = 0;
            c[i < p->tx_pre ? i : i + 1] = v;
            sum += fabs(v);
        }
        c[p->tx_pre] = 1 - sum;
        if (c[p->tx_pre] < p->c0_min - 1e-12) continue;
        memcpy(g + n * T, c, (size_t)T * sizeof *c);
        n++;
    }
    *count = n;
    return g;
}

/* The equalized pulse y = w * (c * x_q) at every symbol (length nui + T + R). */
static int equalized(const search *s, const pulse *x, const double a[NB], const double *c, const double *w, int q,
                     double *y)
{
    int M = s->M, T = s->T, R = s->nrx, pre = s->p->tx_pre, n = x->nui + T + R;
    for (int m = 0; m < n; m++) {
        double acc = 0;
        for (int i = 0; i < R; i++)
            for (int j = 0; j < T; j++) {
                long u = (long)(m - i - j + pre) * M + q;
                if (u < 0 || u >= x->len) continue;
                double v = 0;
                for (int b = 0; b < NB; b++) v += a[b] * x->P[b][u];
                acc += w[i] * c[j] * v;
            }
        y[m] = acc;
    }
    return n;
}

/* COM at the chosen point: exact distributions and the DER_0 point of the lower tail. */
static p4_status com_at(const search *s, long ci, long ti, p4_com_case *out)
{
    const p4_com_params *p = s->p;
    int M = s->M, LA = s->LA, R = s->nrx, ndfe = s->ndfe, T = s->T;
    ctle_state cs = {0};
    cs.v = malloc((size_t)s->vic->len * sizeof *cs.v);
    cs.acv_q = malloc((size_t)M * LA * sizeof *cs.acv_q);
    cs.acd_q = malloc((size_t)M * LA * sizeof *cs.acd_q);
    cs.acx_q = malloc(((size_t)s->nagg * M + 1) * LA * sizeof *cs.acx_q);
    if (!cs.v || !cs.acv_q || !cs.acd_q || !cs.acx_q) {
        free(cs.v), free(cs.acv_q), free(cs.acd_q), free(cs.acx_q);
        return p4_error(P4_ENOMEM, "out of memory");
    }
    ctle_prepare(s, ci, &cs);
    int vpk = 0;
    for (int t = 0; t < s->vic->len; t++)
        if (cs.v[t] > cs.v[vpk]) vpk = t;
    const double *c = s->txg + ti * T;
    fom_out o;
    fom_eval(s, &cs, c, vpk, &o);
    double a[NB];
    double gdb = p->g_dc_db[0] + (double)(ci / s->ng2) * p->g_dc_db[2], g2db = p->g_dc2_db[0] + (double)(ci % s->ng2) * p->g_dc2_db[2];
    ctle_weights(gdb, g2db, a);
    /* every cursor of the victim (DFE residuals) and of each aggressor at its worst phase */
    int maxn = s->vic->nui + T + R;
    for (int k = 0; k < s->nagg; k++)
        if (s->agg[k].nui + T + R > maxn) maxn = s->agg[k].nui + T + R;
    double *y = malloc((size_t)maxn * sizeof *y), *curs = malloc((size_t)maxn * (s->nagg + 2) * sizeof *curs);
    double *yj = malloc((size_t)maxn * sizeof *yj);
    p4_status st = y && curs && yj ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    int nc = 0, d = o.cursor + p->rx_pre;
    double span = 0, isi2 = 0, xt2 = 0, j2 = 0;
    if (!st) {
        int n = equalized(s, s->vic, a, c, o.w, o.phase, y);
        for (int i = 0; i < P4_COM_PLOT_CURSORS; i++) {
            int m = d - P4_COM_PLOT_PRE + i;
            out->cursors_v[i] = m >= 0 && m < n ? y[m] : 0;
        }
        for (int m = 0; m < n; m++) {
            if (m == d) continue;
            double v = y[m];
            if (m > d && m <= d + ndfe) {
                double b = fmax(-p->dfe_bmax[m - d - 1], fmin(p->dfe_bmax[m - d - 1], v / o.h0));
                v -= b * o.h0;
                out->dfe[m - d - 1] = b;
            }
            curs[nc++] = v, span += fabs(v), isi2 += v * v;
        }
        /* the slope: the pulse one sample later minus one sample earlier, per UI */
        double *y1 = malloc((size_t)maxn * sizeof *y1);
        if (!y1) st = p4_error(P4_ENOMEM, "out of memory");
        else {
            int q1 = o.phase + 1, q0 = o.phase - 1, sh1 = 0, sh0 = 0;
            if (q1 >= M) q1 -= M, sh1 = 1;
            if (q0 < 0) q0 += M, sh0 = -1;
            int n1 = equalized(s, s->vic, a, c, o.w, q1, y1), n0 = equalized(s, s->vic, a, c, o.w, q0, yj);
            for (int m = 0; m < n; m++) {
                int m1 = m + sh1, m0 = m + sh0;
                double v1 = m1 >= 0 && m1 < n1 ? y1[m1] : 0, v0 = m0 >= 0 && m0 < n0 ? yj[m0] : 0;
                double h = (v1 - v0) * M / 2.0; /* h_J(n), V per UI */
                j2 += h * h;
                if (h != 0) curs[nc++] = p->a_dd_ui * h, span += fabs(p->a_dd_ui * h); /* A_DD h_J(n) x symbol */
            }
            free(y1);
        }
        for (int k = 0; !st && k < s->nagg; k++) {
            int nx = equalized(s, &s->agg[k], a, c, o.w, o.aq[k], y);
            for (int m = 0; m < nx; m++) curs[nc++] = y[m], span += fabs(y[m]), xt2 += y[m] * y[m];
        }
    }
    double var_rj = SX2 * p->sigma_rj_ui * p->sigma_rj_ui * j2, dd = p->a_dd_ui * sqrt(SX2 * j2);
    double var_g = o.v_tx + o.v_n + var_rj;
    double a_ni = NAN;
    if (!st) {
        double dv = o.a_s / 1000;
        if ((span + 2 * o.a_s) / dv > (1 << 20)) dv = (span + 2 * o.a_s) / (1 << 20);
        /* cursors below one bin join the Gaussian with their variance, as in the statistical eye
         * (split between two bins each would add about dv |c| of variance instead of c^2) */
        int kept = 0;
        double var_small = 0;
        span = 0;
        for (int k = 0; k < nc; k++)
            if (fabs(curs[k]) < dv) var_small += SX2 * curs[k] * curs[k];
            else curs[kept++] = curs[k], span += fabs(curs[k]);
        nc = kept;
        var_g += var_small;
        span += 12 * sqrt(var_g) + 2 * o.a_s;
        int n = 2 * (int)ceil(span / dv) + 4;
        double *buf = malloc((size_t)n * 2 * sizeof *buf), *lt = malloc((size_t)n * 2 * sizeof *lt);
        if (!buf || !lt) st = p4_error(P4_ENOMEM, "out of memory");
        int lo, hi;
        const double lv[4] = {-1, -1.0 / 3, 1.0 / 3, 1};
        const double *pmf = st ? NULL : p4_pam4_pmf(curs, nc, lv, dv, n, buf, &lo, &hi);
        double wt = 1, mu = 0;
        if (!st) st = p4_pmf_tails(pmf, n, lo, hi, &wt, &mu, &var_g, 1, dv, lt, lt + n);
        for (int i = 0; !st && i < P4_COM_PLOT_TAIL; i++) {
            double yv = -2 * o.a_s * (1 - (double)i / (P4_COM_PLOT_TAIL - 1));
            int k = (int)lround(yv / dv + n / 2 - 0.5);
            out->tail_y_v[i] = yv, out->tail_p[i] = k >= 0 && k < n ? lt[k] : (k < 0 ? 0 : 1);
        }
        for (int k = 1; !st && k < n; k++)
            if (lt[k] >= p->der0) {
                double x0 = (k - 1 - n / 2 + 0.5) * dv, l0 = log(fmax(lt[k - 1], 1e-300)), l1 = log(lt[k]);
                a_ni = -(x0 + dv * (l1 > l0 ? (log(p->der0) - l0) / (l1 - l0) : 1));
                break;
            }
        free(buf), free(lt);
    }
    if (!st) {
        out->com_db = 20 * log10(o.a_s / a_ni);
        out->a_s_v = o.a_s, out->a_ni_v = a_ni, out->fom_db = o.fom;
        out->g_dc_db = gdb, out->g_dc2_db = g2db;
        out->ntx = T;
        memcpy(out->tx, c, (size_t)T * sizeof *c);
        out->nrx = R;
        memcpy(out->rx, o.w, (size_t)R * sizeof *o.w);
        out->ndfe = ndfe;
        out->sample_phase_ui = (double)o.phase / M;
        out->h0_v = o.h0;
        out->sigma_tx_v = sqrt(o.v_tx), out->sigma_isi_v = sqrt(o.v_isi), out->sigma_xt_v = sqrt(o.v_xt);
        out->sigma_n_v = sqrt(o.v_n), out->sigma_rj_v = sqrt(var_rj), out->a_dd_v = dd;
        (void)isi2, (void)xt2;
    }
    free(y), free(curs), free(yj);
    free(cs.v), free(cs.acv_q), free(cs.acd_q), free(cs.acx_q);
    return st;
}

p4_status p4_com_run(const p4_com_params *p, const p4_com_input *in, p4_com_result *r)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(r, 0, sizeof *r);
    int nagg = in->nfext + in->nnext;
    if (!in->thru) return p4_error(P4_EINVAL, "p4_com_run: no thru channel");
    if (nagg > P4_COM_MAX_AGG) return p4_error(P4_EINVAL, "p4_com_run: at most %d aggressors", P4_COM_MAX_AGG);
    chan vic = {0}, agg[P4_COM_MAX_AGG] = {{0}};
    int order[4];
    p4_status st = com_read_chan(in->thru, p->reference_ohm, in->port_order, order, &vic);
    vic.amp = p->victim_amplitude_v;
    const char *aname[P4_COM_MAX_AGG];
    for (int k = 0; !st && k < nagg; k++) {
        aname[k] = k < in->nfext ? in->fext[k] : in->next[k - in->nfext];
        st = com_read_chan(aname[k], p->reference_ohm, order, NULL, &agg[k]);
        agg[k].kind = k < in->nfext ? 1 : 2;
        agg[k].amp = k < in->nfext ? p->fext_amplitude_v : p->next_amplitude_v;
    }
    int M = p->samples_per_ui;
    xform xf = {.fs = p->baud_gbd * 1e9 * M};
    if (!st && vic.nf < 2) st = p4_error(P4_EINVAL, "%s: COM needs at least 2 frequency points", in->thru);
    for (int k = 0; !st && k < nagg; k++)
        if (agg[k].nf < 2) st = p4_error(P4_EINVAL, "%s: COM needs at least 2 frequency points", aname[k]);
    int same = !st && com_exact_grid(&vic, xf.fs, &xf.df, &xf.k0, &xf.n);
    for (int k = 0; same && k < nagg; k++) {
        double df;
        size_t k0, n;
        same = com_exact_grid(&agg[k], xf.fs, &df, &k0, &n) && n == xf.n && k0 == xf.k0;
    }
    if (!st && !same) { /* one grid for all: the thru's step, or its mean step rounded to divide M f_b */
        size_t n;
        double df;
        if (!com_exact_grid(&vic, xf.fs, &df, &xf.k0, &n)) {
            double step = (vic.f[vic.nf - 1] - vic.f[0]) / (double)(vic.nf - 1);
            n = 2 * (size_t)ceil(xf.fs / step / 2);
        }
        if (n > (1u << 24)) st = p4_error(P4_EINVAL, "%s: frequency step too fine for COM's grid", in->thru);
        if (!st) st = com_regrid(&vic, xf.fs, n);
        for (int k = 0; !st && k < nagg; k++) st = com_regrid(&agg[k], xf.fs, n);
        if (!st && !com_exact_grid(&vic, xf.fs, &xf.df, &xf.k0, &xf.n))
            st = p4_error(P4_EINVAL, "%s: the frequency grid could not be resampled", in->thru);
    }
    double ks = in->length_scale > 0 ? in->length_scale : 1;
    double fnq = in->extra_loss_nyquist_ghz > 0 ? in->extra_loss_nyquist_ghz * 1e9 : p->baud_gbd * 0.5e9;
    if (!st) st = com_chan_section(&vic, agg, nagg, ks, in->extra_loss_db, in->extra_loss_skin, fnq, xf.fs, xf.n, xf.k0);
    size_t kmax = st ? 0 : vic.nf - 1 + xf.k0;
    for (int k = 0; !st && k < nagg; k++)
        if (agg[k].nf - 1 + xf.k0 < kmax) kmax = agg[k].nf - 1 + xf.k0;
    if (!st) {
        xf.kmax = kmax < xf.n / 2 ? kmax : xf.n / 2;
        r->il_nyquist_db = -p4_interp_db(vic.f, vic.s21, vic.nf, p->baud_gbd * 0.5e9);
        xf.X = fftw_alloc_complex(xf.n / 2 + 1);
        xf.x = fftw_alloc_real(xf.n);
        if (!xf.X || !xf.x) st = p4_error(P4_ENOMEM, "out of memory");
        else xf.plan = fftw_plan_dft_c2r_1d((int)xf.n, xf.X, xf.x, FFTW_ESTIMATE);
    }
    search s = {.p = p, .M = M, .T = p->ntx + 1, .nagg = nagg, .nrx = p->rx_taps, .ndfe = p->ndfe};
    s.LA = s.nrx + s.T + 1;
    s.ng1 = (int)floor((p->g_dc_db[1] - p->g_dc_db[0]) / p->g_dc_db[2] + 1e-9) + 1;
    s.ng2 = (int)floor((p->g_dc2_db[1] - p->g_dc2_db[0]) / p->g_dc2_db[2] + 1e-9) + 1;
    double *txg = NULL;
    if (!st) {
        txg = tx_grid(p, &s.ntxg);
        s.txg = txg;
        if (!txg || s.ntxg == 0) st = p4_error(P4_EINVAL, "COM parameters: the TX FFE grid is empty (c0_min too high?)");
    }
    pulse vp = {0}, ap[P4_COM_MAX_AGG];
    memset(ap, 0, sizeof ap);
    s.vic = &vp, s.agg = ap;
    s.RN = malloc((size_t)NB * NB * s.LA * sizeof *s.RN);
    if (!st && !s.RN) st = p4_error(P4_ENOMEM, "out of memory");
    if (!st) st = noise_parts(&s, &xf, s.RN);
    int nth = in->threads > 0 ? in->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nth < 1) nth = 1;
    if (nth > 64) nth = 64;
    r->com_db = INFINITY;
    r->ncase = p->ncase;
    for (int cse = 0; !st && cse < p->ncase; cse++) {
        /* package TX, RX, board TX, RX of the victim; an aggressor's TX lengths by its kind */
        const double vmm[4] = {p->pkg_tx_mm[cse], p->pkg_rx_mm[cse], p->board_tx_mm[cse], p->board_rx_mm[cse]};
        st = make_pulse(&s, &xf, &vic, vmm, 1, &vp);
        for (int k = 0; !st && k < nagg; k++) {
            int fx = agg[k].kind == 1;
            const double amm[4] = {fx ? p->pkg_fext_mm[cse] : p->pkg_next_mm[cse], p->pkg_rx_mm[cse],
                                   fx ? p->board_fext_mm[cse] : p->board_next_mm[cse], p->board_rx_mm[cse]};
            st = make_pulse(&s, &xf, &agg[k], amm, 0, &ap[k]);
        }
        worker_arg wa[64];
        pthread_t th[64];
        int started = 0;
        for (int t = 0; !st && t < nth; t++) {
            wa[t] = (worker_arg){.s = &s, .tid = t, .nth = nth};
            if (nth == 1) search_worker(&wa[t]);
            else if (pthread_create(&th[t], NULL, search_worker, &wa[t]) == 0) started++;
            else {
                st = p4_error(P4_ENOMEM, "p4_com_run: cannot start a thread");
                break;
            }
        }
        for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
        long bc = -1, bt = -1;
        double bf = -INFINITY;
        for (int t = 0; !st && t < nth; t++) {
            if (wa[t].st) st = wa[t].st;
            r->evaluated += wa[t].evaluated;
            if (wa[t].best_ctle >= 0 && better(wa[t].best_fom, wa[t].best_ctle, wa[t].best_tx, bf, bc, bt))
                bf = wa[t].best_fom, bc = wa[t].best_ctle, bt = wa[t].best_tx;
        }
        if (!st && bc < 0) st = p4_error(P4_ENUM, "p4_com_run: no equalizer setting gives an open eye");
        if (!st) st = com_at(&s, bc, bt, &r->c[cse]);
        if (!st && r->c[cse].com_db < r->com_db) r->com_db = r->c[cse].com_db, r->worst_case = cse;
        free_pulse(&vp);
        for (int k = 0; k < nagg; k++) free_pulse(&ap[k]);
    }
    r->threshold_db = p->threshold_db;
    r->pass = !st && r->com_db >= p->threshold_db;
    free(txg), free(s.RN);
    if (xf.plan) fftw_destroy_plan(xf.plan);
    fftw_free(xf.X), fftw_free(xf.x);
    com_free_chan(&vic);
    for (int k = 0; k < nagg; k++) com_free_chan(&agg[k]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return st;
}
