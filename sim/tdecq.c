/* tdecq.c - TDECQ of a captured optical waveform (the method is in tdecq.h).
 *
 * Cost: the window samples are interpolated once (2 windows x 5 instants x nsym values); an
 * evaluation equalizes those 10 nsym samples (T-spaced taps), bins them into a 2048-bin histogram
 * per window and bisects sigma on the binned SER, so Nelder-Mead over the taps takes a few ms per
 * step. The histogram's bin width is 3 OMA / 2048: a shift below 0.15 % of the OMA.
 */
#include "pam4sim/tdecq.h"
#include "pam4sim/response.h"
#include "../dsp/clones.h"
#include "bisect.h"
#include "plain.h"
#include <complex.h>
#include <fftw3.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NPOS 5       /* instants per window */
#define NBIN 2048
#define WIN_UI 0.04
#define MAX_EVALS 240 /* Nelder-Mead evaluations: it gains a few hundredths of a dB past this */

typedef struct {
    size_t nsym;
    int T, kc;
    double *xw[2][NPOS];   /* window samples per symbol, with T circular guard samples each side */
    double th[3], lo, bw;  /* thresholds; histogram origin and bin width */
    double target, qt, oma, sig_s;
    double rho[P4_TDECQ_MAX_TAPS]; /* autocorrelation of reference-filtered white noise at k UI */
    uint32_t hist[NBIN];   /* the window histogram being searched */
    double xlast[2];       /* each window's last crossing, ln sigma: where the next search starts */
    int evals;
} ctx;

static inline double qf(double x) { return 0.5 * erfc(x / M_SQRT2); }

/* SER of the histogram h at noise s. */
static double hist_ser(const ctx *c, const uint32_t *h, double total, double s)
{
    double acc = 0;
    for (int b = 0; b < NBIN; b++) {
        if (h[b] == 0) continue;
        double y = c->lo + (b + 0.5) * c->bw, e;
        if (y < c->th[0]) e = qf((c->th[0] - y) / s);
        else if (y < c->th[1]) e = qf((y - c->th[0]) / s) + qf((c->th[1] - y) / s);
        else if (y < c->th[2]) e = qf((y - c->th[1]) / s) + qf((c->th[2] - y) / s);
        else e = qf((y - c->th[2]) / s);
        acc += (double)h[b] * e;
    }
    return acc / total;
}

/* Histogram of the equalized window samples: y[m] = sum_i w_i x[m - i + kc] for each of the NPOS
 * instants, a block of symbols at a time while the taps pass over it (the same sums in the same
 * order as one pass per tap over the whole capture), binned as they are made. A bin index is the
 * sample's offset from lo in bins, clamped to [0, NBIN - 1] (NaN: bin 0). With AVX2 the block is 16
 * symbols in four registers and the bins go to four interleaved histograms (no chain of increments
 * through one counter); h gets the counts. */
#define YBLK 1024
static inline int bin_of(double y, double lo, double inv)
{
    double t = (y - lo) * inv;
    return !(t >= 0) ? 0 : t > NBIN - 1 ? NBIN - 1 : (int)t;
}

static void window_hist_blocks(const ctx *c, int win, const double *w, uint32_t *h, size_t m_first)
{
    const size_t n = c->nsym;
    const double inv = 1 / c->bw, lo = c->lo;
    double y[YBLK];
    for (int j = 0; j < NPOS; j++) {
        const double *x = c->xw[win][j] + c->T + c->kc; /* x[m - i] for m in [0, n), i < T */
        for (size_t m0 = m_first; m0 < n; m0 += YBLK) {
            const size_t nb = n - m0 < YBLK ? n - m0 : YBLK;
            for (size_t m = 0; m < nb; m++) y[m] = 0;
            for (int i = 0; i < c->T; i++) {
                const double wi = w[i], *xs = x + m0 - i;
                for (size_t m = 0; m < nb; m++) y[m] += wi * xs[m];
            }
            for (size_t m = 0; m < nb; m++) h[bin_of(y[m], lo, inv)]++;
        }
    }
}

#if P4_HAVE_AVX
__attribute__((target("avx2"))) static void window_hist_avx2(const ctx *c, int win, const double *w, uint32_t *h)
{
    const size_t n = c->nsym, n16 = n / 16 * 16;
    const __m256d vlo = _mm256_set1_pd(c->lo), vinv = _mm256_set1_pd(1 / c->bw), zero = _mm256_setzero_pd(),
                  top = _mm256_set1_pd(NBIN - 1);
    uint32_t h4[4][NBIN];
    memset(h4, 0, sizeof h4);
    for (int j = 0; j < NPOS; j++) {
        const double *x = c->xw[win][j] + c->T + c->kc;
        for (size_t m0 = 0; m0 < n16; m0 += 16) {
            __m256d a0 = zero, a1 = zero, a2 = zero, a3 = zero;
            for (int i = 0; i < c->T; i++) {
                const __m256d wi = _mm256_set1_pd(w[i]);
                const double *xs = x + m0 - i;
                a0 = _mm256_add_pd(a0, _mm256_mul_pd(wi, _mm256_loadu_pd(xs)));
                a1 = _mm256_add_pd(a1, _mm256_mul_pd(wi, _mm256_loadu_pd(xs + 4)));
                a2 = _mm256_add_pd(a2, _mm256_mul_pd(wi, _mm256_loadu_pd(xs + 8)));
                a3 = _mm256_add_pd(a3, _mm256_mul_pd(wi, _mm256_loadu_pd(xs + 12)));
            }
            __m256d acc[4] = {a0, a1, a2, a3};
            int32_t b[16];
            for (int k = 0; k < 4; k++) { /* max(t, 0) is 0 for NaN t: bin_of's clamp */
                __m256d t = _mm256_mul_pd(_mm256_sub_pd(acc[k], vlo), vinv);
                t = _mm256_min_pd(_mm256_max_pd(t, zero), top);
                _mm_storeu_si128((__m128i *)(b + 4 * k), _mm256_cvttpd_epi32(t));
            }
            for (int m = 0; m < 16; m += 4)
                h4[0][b[m]]++, h4[1][b[m + 1]]++, h4[2][b[m + 2]]++, h4[3][b[m + 3]]++;
        }
    }
    for (int k = 0; k < NBIN; k++) h[k] = h4[0][k] + h4[1][k] + h4[2][k] + h4[3][k];
    window_hist_blocks(c, win, w, h, n16); /* the last n mod 16 symbols of each instant */
}
#endif

int p4_tdecq_plain;

static void window_hist(const ctx *c, int win, const double *w, uint32_t *h)
{
#if P4_HAVE_AVX
    if (!p4_tdecq_plain && __builtin_cpu_supports("avx2")) {
        window_hist_avx2(c, win, w, h);
        return;
    }
#endif
    memset(h, 0, NBIN * sizeof *h);
    window_hist_blocks(c, win, w, h, 0);
}

typedef struct {
    const ctx *c;
    double total, ceq;
    double last_x, last_v; /* the last evaluation (window_sigma's first is the search's too) */
} ser_arg;

/* The SER of the window's histogram at sigma = e^x ceq: non-decreasing in x. */
static double ser_at(double x, void *p)
{
    ser_arg *s = p;
    if (x != s->last_x) s->last_x = x, s->last_v = hist_ser(s->c, s->c->hist, s->total, exp(x) * s->ceq);
    return s->last_v;
}

/* sigma_G of one window for taps w: the largest sigma with SER <= target, as 24 halvings of
 * x = ln sigma over [ln(1e-7 OMA), ln OMA] find it (the cell 1e-6 of ln 1e7 wide: far below the bin
 * width), from about 8 SER evaluations instead of 25 (bisect.h: the same answer to the bit),
 * starting from the window's last crossing. */
static double window_sigma(ctx *c, int win, const double *w, double ceq)
{
    window_hist(c, win, w, c->hist);
    ser_arg s = {c, (double)c->nsym * NPOS, ceq, NAN, NAN};
    double lo = log(c->oma * 1e-7), hi = log(c->oma);
    if (ser_at(hi, &s) <= c->target) return exp(hi);
    if (p4_tdecq_plain) {
        for (int it = 0; it < 24; it++) {
            double mid = (lo + hi) / 2;
            if (ser_at(mid, &s) <= c->target) lo = mid;
            else hi = mid;
        }
        return exp(lo);
    }
    return exp(p4_bisect_halvings(ser_at, &s, c->target, lo, hi, 24, 1e-9, &c->xlast[win]));
}

/* Noise enhancement of the taps for noise white at the reference receiver's input. */
static double ceq_of(const ctx *c, const double *w)
{
    double acc = 0;
    for (int i = 0; i < c->T; i++)
        for (int j = 0; j < c->T; j++) acc += w[i] * w[j] * c->rho[abs(i - j)];
    return sqrt(acc);
}

static double tdecq_of(ctx *c, const double *w, double *sl, double *sr)
{
    double ceq = ceq_of(c, w);
    double a = window_sigma(c, 0, w, ceq), b = window_sigma(c, 1, w, ceq), s = fmin(a, b);
    if (sl) *sl = a, *sr = b;
    c->evals++;
    return 10 * log10(c->oma / 6 / (c->qt * sqrt(s * s + c->sig_s * c->sig_s)));
}

/* Nelder-Mead objective: the free taps are all but the main one, which makes the sum 1. */
static void full_taps(const ctx *c, const gsl_vector *v, double *w)
{
    double sum = 0;
    for (int i = 0, j = 0; i < c->T; i++)
        if (i != c->kc) w[i] = gsl_vector_get(v, j++), sum += w[i];
    w[c->kc] = 1 - sum;
}

static double nm_f(const gsl_vector *v, void *p)
{
    ctx *c = p;
    double w[P4_TDECQ_MAX_TAPS];
    full_taps(c, v, w);
    return tdecq_of(c, w, NULL, NULL);
}

/* Linear interpolation of the periodic x[0..N) at time t (samples). */
static inline double interp(const double *x, size_t N, double t)
{
    double fl = floor(t);
    long i = (long)fl % (long)N;
    if (i < 0) i += (long)N;
    long j = i + 1 == (long)N ? 0 : i + 1;
    double f = t - fl;
    return x[i] * (1 - f) + x[j] * f;
}

/* Longest circular run of level v: its first symbol and length. */
static size_t longest_run(const uint8_t *s, size_t n, uint8_t v, size_t *start)
{
    size_t best = 0, k0 = 0;
    while (k0 < n && s[k0] == v) k0++; /* start scanning just after a non-v symbol */
    if (k0 == n) {
        *start = 0;
        return n;
    }
    size_t run = 0, rs = 0;
    for (size_t t = 1; t <= n; t++) {
        size_t k = (k0 + t) % n;
        if (s[k] == v) {
            if (!run) rs = k;
            if (++run > best) best = run, *start = rs;
        } else
            run = 0;
    }
    return best;
}

p4_status p4_tdecq_measure(const double *P, const uint8_t *sym, size_t nsym, const p4_tdecq_params *p,
                           p4_tdecq_result *r)
{
    memset(r, 0, sizeof *r);
    const int sps = p->sps, T = p->ntaps;
    const size_t N = nsym * (size_t)sps;
    if (sps < 16 || sps % 2 || nsym < 64 || T < 1 || T > P4_TDECQ_MAX_TAPS || !(p->target_ser > 0 && p->target_ser < 0.5))
        return p4_error(P4_EINVAL, "p4_tdecq_measure: needs an even sps >= 16 (got %d), >= 64 symbols and 1..%d taps",
                        sps, P4_TDECQ_MAX_TAPS);
    ctx c = {.nsym = nsym, .T = T, .kc = T / 2, .target = p->target_ser, .sig_s = p->scope_noise_w, .xlast = {NAN, NAN}};
    c.qt = gsl_cdf_ugaussian_Qinv(p->target_ser / 1.5);
    double *x = fftw_alloc_real(N);
    fftw_complex *X = fftw_alloc_complex(N / 2 + 1);
    p4_fresp *ref = p4_fresp_create(N, p->baud_hz * sps);
    p4_status st = x && X && ref ? P4_OK : p4_error(P4_ENOMEM, "p4_tdecq_measure: out of memory");
    for (int w = 0; !st && w < 2; w++)
        for (int j = 0; j < NPOS; j++)
            if (!(c.xw[w][j] = malloc((nsym + 2 * (size_t)T) * sizeof(double))))
                st = p4_error(P4_ENOMEM, "p4_tdecq_measure: out of memory");
    if (!st) st = p4_fresp_bessel(ref, 4, p->ref_hz);
    if (!st) {
        /* 1. the reference receiver, circularly */
        fftw_plan f = fftw_plan_dft_r2c_1d((int)N, x, X, FFTW_ESTIMATE), b = fftw_plan_dft_c2r_1d((int)N, X, x, FFTW_ESTIMATE);
        memcpy(x, P, N * sizeof *x);
        fftw_execute(f);
        for (size_t k = 0; k <= N / 2; k++) X[k] *= ref->H[k] / (double)N;
        fftw_execute(b);
        /* rho(d) = sum |H|^2 cos(2 pi f d T) / sum |H|^2 over the one-sided spectrum */
        double den = 0;
        for (int d = 0; d < T; d++) c.rho[d] = 0;
        for (size_t k = 0; k <= N / 2; k++) {
            double wk = (k == 0 || 2 * k == N ? 1 : 2) * creal(ref->H[k] * conj(ref->H[k]));
            den += wk;
            for (int d = 0; d < T; d++) c.rho[d] += wk * cos(2 * M_PI * (double)k * d * sps / (double)N);
        }
        for (int d = 0; d < T; d++) c.rho[d] /= den;
        fftw_destroy_plan(f), fftw_destroy_plan(b);
        /* 2. average power; the symbols' delay by correlation (up to 64 UI) */
        double pave = 0;
        for (size_t k = 0; k < N; k++) pave += x[k];
        pave /= (double)N;
        size_t ncorr = nsym < 16384 ? nsym : 16384, dbest = 0;
        double cbest = -INFINITY;
        for (size_t d = 0; d < 64 * (size_t)sps && d < N; d++) {
            double acc = 0;
            for (size_t m = 0, k = d; m < ncorr; m++, k += (size_t)sps) /* k = (m sps + d) mod N */
                acc += ((double)sym[m] - 1.5) * x[k < N ? k : k - N];
            if (acc > cbest) cbest = acc, dbest = d;
        }
        /* 3. the crossing-time reference: circular mean of the Pave crossings within the UI */
        double cs = 0, sn = 0;
        for (size_t k = 0; k < N; k++) {
            double a = x[k] - pave, bnext = x[k + 1 < N ? k + 1 : 0] - pave;
            if ((a < 0) != (bnext < 0)) {
                double t = (double)k + a / (a - bnext), ph = 2 * M_PI * t / sps;
                cs += cos(ph), sn += sin(ph);
            }
        }
        double tc = atan2(sn, cs) / (2 * M_PI) * sps;           /* samples, in (-sps/2, sps/2] */
        double centre = tc + sps / 2.0, off = (double)dbest - centre;
        centre += sps * round(off / sps);                       /* the eye centre nearest the delay */
        r->t_cross_ui = fmod(tc / sps + 1, 1);
        /* OMAouter over the central 2 UI of the longest runs */
        double lvl[2];
        for (int v = 0; v < 2; v++) {
            size_t s0 = 0, len = longest_run(sym, nsym, v ? 3 : 0, &s0);
            double mid = ((double)s0 + len / 2.0) * sps + centre - sps / 2.0, acc = 0;
            int cnt = 0;
            for (int k = -sps; k < sps; k++, cnt++) acc += interp(x, N, mid + k + 0.5);
            lvl[v] = acc / cnt;
        }
        r->p0_w = lvl[0], r->p3_w = lvl[1], r->pave_w = pave;
        c.oma = r->oma_outer_w = r->p3_w - r->p0_w;
        r->er_db = 10 * log10(r->p3_w / r->p0_w);
        if (!(c.oma > 0)) st = p4_error(P4_EINVAL, "p4_tdecq_measure: no OMA (P3 %.3g W <= P0 %.3g W)", r->p3_w, r->p0_w);
        c.th[0] = pave - c.oma / 3, c.th[1] = pave, c.th[2] = pave + c.oma / 3;
        c.lo = r->p0_w - c.oma, c.bw = 3 * c.oma / NBIN;
        for (int w = 0; !st && w < 2; w++)
            for (int j = 0; j < NPOS; j++) {
                double t0 = centre + ((w ? 0.05 : -0.05) + WIN_UI * (j / (NPOS - 1.0) - 0.5)) * sps;
                for (long m = -T; m < (long)nsym + T; m++) c.xw[w][j][m + T] = interp(x, N, t0 + (double)m * sps);
            }
        /* 4. least squares at the eye centre with the taps summing to 1 (Lagrange) */
        double w0[P4_TDECQ_MAX_TAPS] = {0};
        if (!st) {
            double *xc = x; /* the filtered waveform is no longer needed past here: reuse it */
            double *cen = malloc((nsym + 2 * (size_t)T) * sizeof *cen); /* cen[T + m], circularly */
            gsl_matrix *A = gsl_matrix_calloc(T + 1, T + 1);
            gsl_vector *rhs = gsl_vector_calloc(T + 1), *sol = gsl_vector_alloc(T + 1);
            gsl_permutation *perm = gsl_permutation_alloc(T + 1);
            if (!cen || !A || !rhs || !sol || !perm) st = p4_error(P4_ENOMEM, "p4_tdecq_measure: out of memory");
            if (!st) {
                for (size_t m = 0; m < nsym; m++) cen[T + m] = interp(xc, N, centre + (double)(m * sps));
                for (int k = 0; k < T; k++) cen[k] = cen[T + nsym - T + k], cen[T + nsym + k] = cen[T + k];
                for (int i = 0; i < T; i++) {
                    const double *ci = cen + T + c.kc - i; /* ci[m] = cen[(m + kc - i) mod nsym] */
                    for (int j = 0; j < T; j++) {
                        const double *cj = cen + T + c.kc - j;
                        double acc = 0;
                        if (j < i) acc = gsl_matrix_get(A, j, i); /* the same products in the same order */
                        else
                            for (size_t m = 0; m < nsym; m++) acc += ci[m] * cj[m];
                        gsl_matrix_set(A, i, j, acc);
                    }
                    double acc = 0;
                    for (size_t m = 0; m < nsym; m++)
                        acc += ci[m] * (r->p0_w + c.oma * sym[m] / 3.0);
                    gsl_vector_set(rhs, i, acc);
                    gsl_matrix_set(A, i, T, 1), gsl_matrix_set(A, T, i, 1);
                }
                gsl_vector_set(rhs, T, 1);
                int sg;
                if (gsl_linalg_LU_decomp(A, perm, &sg) || gsl_linalg_LU_solve(A, perm, rhs, sol))
                    for (int i = 0; i < T; i++) w0[i] = i == c.kc;
                else
                    for (int i = 0; i < T; i++) w0[i] = gsl_vector_get(sol, i);
            }
            free(cen);
            gsl_matrix_free(A), gsl_vector_free(rhs), gsl_vector_free(sol), gsl_permutation_free(perm);
        }
        if (!st) {
            r->tdecq_mmse_db = tdecq_of(&c, w0, NULL, NULL);
            double best = r->tdecq_mmse_db;
            if (p->optimize && T > 1) {
                gsl_vector *v = gsl_vector_alloc(T - 1), *step = gsl_vector_alloc(T - 1);
                gsl_multimin_fminimizer *mn = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, T - 1);
                if (v && step && mn) {
                    for (int i = 0, j = 0; i < T; i++)
                        if (i != c.kc) gsl_vector_set(v, j, w0[i]), gsl_vector_set(step, j++, 0.02);
                    gsl_multimin_function fn = {nm_f, (size_t)(T - 1), &c};
                    gsl_multimin_fminimizer_set(mn, &fn, v, step);
                    for (int it = 0; it < 400 && c.evals < MAX_EVALS; it++) {
                        if (gsl_multimin_fminimizer_iterate(mn)) break;
                        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mn), 1e-4) == GSL_SUCCESS) break;
                    }
                    if (mn->fval < best) {
                        best = mn->fval;
                        full_taps(&c, mn->x, w0);
                    }
                }
                gsl_multimin_fminimizer_free(mn);
                gsl_vector_free(v), gsl_vector_free(step);
            }
            r->tdecq_db = tdecq_of(&c, w0, &r->sigma_left_w, &r->sigma_right_w);
            r->sigma_g_w = fmin(r->sigma_left_w, r->sigma_right_w);
            for (int i = 0; i < T; i++) r->taps[i] = w0[i];
            r->ceq = ceq_of(&c, w0);
            r->ntaps = T;
            r->qt = c.qt;
            r->evaluations = c.evals;
        }
    }
    for (int w = 0; w < 2; w++)
        for (int j = 0; j < NPOS; j++) free(c.xw[w][j]);
    fftw_free(x), fftw_free(X);
    p4_fresp_free(ref);
    return st;
}
