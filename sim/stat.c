/* stat.c - the statistical eye (method in stat.h).
 *
 * Two stages. Per phase (threads share them): the equalized cursors, the exact distribution of the
 * zero-mean interference N on an amplitude grid, and its two tails after the Gaussian part; kept
 * per DCD parity with that parity's main cursor. Then, single-threaded and cheap, everything read
 * off the tails: density, contours, bathtubs, BER, DFE propagation, COM margin. A tail at any
 * amplitude and any fractional phase interpolates the grid in log probability and the phases
 * linearly; the SJ dual Dirac averages two fractional phases.
 */
#include "pam4sim/stat.h"
#include "../dsp/clones.h"
#include "plain.h"
#include "stat_dfe.h"
#include "stat_optics.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL_SIGMAS 9.0 /* Q(9) = 1.1e-19: the Gaussian kernel's span on each side */
#define N_RANGE (P4_STAT_RANGE + 1.5) /* the grid of N: the output range plus the outer level */

struct p4_stat_tails {
    int nphase, npar, ncls, nN; /* ncls 2: an outer and an inner victim (the RJ mixture); 4: one
                                 * per level (an optical line's level-dependent noise)      */
    double dv;
    double *c0;           /* [nphase][npar] main cursor                                */
    double *lt, *ut;      /* [nphase][npar][ncls][nN]: P(N <= x_k), P(N > x_k), x_k bin centres */
    double lv[4], th[3]; /* the levels a victim sits at (an optical line's real ones), thresholds */
    double lvi[4];        /* the receiver's ideal levels (its DFE feeds these back)          */
    double sj_phases;     /* SJ dual-Dirac amplitude in phase steps (samples)          */
    double *cur0, *xt0;   /* the chosen phase's cursors (DFE taps subtracted; a victim at an even
                           * index, then an odd one) and crosstalk cursors                 */
    int ncur0, xt_len0[P4_MAX_XTALK];
};

typedef struct {
    const p4_link_view *v;
    struct p4_stat_tails *t;
    int next, nthreads;
    pthread_mutex_t mu;
    p4_status st;
    /* the chosen phase's breakdown (written by the worker that computes it) */
    double sigma_noise, sigma_rj, sigma_small, isi_rms, xt_rms, sigma_level[4];
    int exact, gauss;
    double pre1; /* the first pre-cursor after the FFE */
} stat_job;

double p4_stat_decade_ber(int k) { return pow(10.0, -3.0 - k); }

/* out = w (*) in: full convolution, out has nin + nw - 1 entries */
static void conv(const double *w, int nw, const double *in, int nin, double *out)
{
    for (int m = 0; m < nin + nw - 1; m++) {
        double a = 0;
        for (int i = 0; i < nw; i++)
            if (m - i >= 0 && m - i < nin) a += w[i] * in[m - i];
        out[m] = a;
    }
}

/* One four-level cursor (its value val[i] for each level i) into the distribution held in *pa over [*lo, *hi] (the other buffer *pb
 * receives it; they swap). Values split linearly between neighbouring bins (mean kept); anything
 * pushed past the grid lands in its end bin. */
static void conv_cursor(double **pa, double **pb, int n, int *lo, int *hi, const double val[4], double dv)
{
    double *a = *pa, *b = *pb;
    int nlo = n, nhi = -1, sh[4];
    double f[4];
    for (int i = 0; i < 4; i++) {
        /* a shift beyond the grid's length moves everything to an end bin: clamp it there
         * before it becomes an int (a cursor of any finite size stays defined) */
        double s = fmax(-2.0 * n, fmin(2.0 * n, val[i] / dv));
        sh[i] = (int)floor(s);
        f[i] = s - sh[i];
        int l = *lo + sh[i], h = *hi + sh[i] + 1;
        if (l < nlo) nlo = l;
        if (h > nhi) nhi = h;
    }
    nlo = nlo < 0 ? 0 : nlo, nhi = nhi > n - 1 ? n - 1 : nhi;
    memset(b + nlo, 0, (size_t)(nhi - nlo + 1) * sizeof *b);
    for (int i = 0; i < 4; i++) {
        double w0 = 0.25 * (1 - f[i]), w1 = 0.25 * f[i];
        int k0 = *lo, k1 = *hi;
        /* the part that stays on the grid: k + sh in [0, n-2] */
        int s0 = k0 + sh[i] < 0 ? -sh[i] : k0, s1 = k1 + sh[i] > n - 2 ? n - 2 - sh[i] : k1;
        double *bb = b + sh[i];
        for (int k = s0; k <= s1; k++) {
            bb[k] += w0 * a[k];
            bb[k + 1] += w1 * a[k];
        }
        for (int k = k0; k < s0 && k <= k1; k++) b[0] += (w0 + w1) * a[k];
        for (int k = (s1 + 1 > k0 ? s1 + 1 : k0); k <= k1; k++) b[n - 1] += (w0 + w1) * a[k];
    }
    *lo = nlo, *hi = nhi;
    while (*lo < *hi && b[*lo] == 0) (*lo)++;
    while (*hi > *lo && b[*hi] == 0) (*hi)--;
    *pa = b, *pb = a;
}

/* The distribution of sum_k x_k, cursor k taking the values vals[4k .. 4k+3] with equal
 * probability, into a or b (which one is returned): zero split over the two centre bins, then one
 * cursor at a time. */
static const double *pam4_pmf_vals(const double *vals, int nc, double dv, int n, double *a, double *b, int *lo, int *hi)
{
    memset(a, 0, (size_t)n * sizeof *a);
    a[n / 2 - 1] = a[n / 2] = 0.5;
    *lo = n / 2 - 1, *hi = n / 2;
    for (int k = 0; k < nc; k++) conv_cursor(&a, &b, n, lo, hi, vals + 4 * k, dv);
    return a;
}

const double *p4_pam4_pmf(const double *c, int nc, const double lv[4], double dv, int n, double *buf, int *lo, int *hi)
{
    double *a = buf, *b = buf + n;
    memset(a, 0, (size_t)n * sizeof *a);
    a[n / 2 - 1] = a[n / 2] = 0.5;
    *lo = n / 2 - 1, *hi = n / 2;
    for (int k = 0; k < nc; k++) {
        const double v[4] = {c[k] * lv[0], c[k] * lv[1], c[k] * lv[2], c[k] * lv[3]};
        conv_cursor(&a, &b, n, lo, hi, v, dv);
    }
    return a;
}

int p4_pmf_tails_plain;

/* Four of p4_pmf_tails' sums at once: lane j is init[j] + sum over u = st[j]..en[j] of
 * pmf[u] q[off - j + dir u], each added in increasing u as the one-k loop does (the terms below the
 * lanes' common range first, one lane at a time, then the common range four lanes wide, then the
 * terms above it), so every sum is the same to the bit. rq is q reversed (rq[i] = q[M - i]): the
 * four lanes' kernel entries for one u are rq[M - off + j - dir u], consecutive. */
P4_CLONES static void tails4(const double *pmf, const double *q, const double *rq, long M, long off, int dir,
                             const long st[4], const long en[4], const double init[4], double out[4])
{
    long clo = st[0], chi = en[0];
    for (int j = 1; j < 4; j++) clo = st[j] > clo ? st[j] : clo, chi = en[j] < chi ? en[j] : chi;
    double s[4] = {init[0], init[1], init[2], init[3]};
    if (clo > chi) { /* no common range: each lane alone */
        for (int j = 0; j < 4; j++)
            for (long u = st[j]; u <= en[j]; u++) s[j] += pmf[u] * q[off - j + dir * u];
    } else {
        for (int j = 0; j < 4; j++)
            for (long u = st[j]; u < clo; u++) s[j] += pmf[u] * q[off - j + dir * u];
        typedef double v4d __attribute__((vector_size(32)));
        v4d acc = {s[0], s[1], s[2], s[3]}, kv;
        for (long u = clo; u <= chi; u++) {
            const v4d p = {pmf[u], pmf[u], pmf[u], pmf[u]};
            memcpy(&kv, rq + (M - off - dir * u), sizeof kv);
            acc += p * kv;
        }
        s[0] = acc[0], s[1] = acc[1], s[2] = acc[2], s[3] = acc[3]; /* (not through &acc: it stays a register) */
        for (int j = 0; j < 4; j++)
            for (long u = chi + 1; u <= en[j]; u++) s[j] += pmf[u] * q[off - j + dir * u];
    }
    for (int j = 0; j < 4; j++) out[j] = s[j];
}

/* Both tails of pmf (support [lo, hi]) after adding a Gaussian mixture: weights wt, means mu,
 * variances var (nw components). lt[k] = sum_u pmf[u] P(G <= x_k - x_u), ut[k] = ... P(G > ...):
 * each a kernel over d = u - k (resp. k - u) that is 1 or 0 beyond +-K, where prefix sums take over. */
p4_status p4_pmf_tails(const double *pmf, int n, int lo, int hi, const double *wt, const double *mu, const double *var,
                       int nw, double dv, double *lt, double *ut)
{
    double span = 0;
    for (int w = 0; w < nw; w++) span = fmax(span, fabs(mu[w]) + KERNEL_SIGMAS * sqrt(var[w]));
    /* beyond +-n bins the kernel is never read: clamp before the conversion (a noise far wider
     * than the grid, from a link that cannot close, stays defined) */
    double Kd = ceil(span / dv);
    int K = Kd < n ? (int)Kd : n;
    double *qlo = malloc((size_t)(2 * K + 1) * 2 * sizeof *qlo), *qhi = qlo + 2 * K + 1;
    if (!qlo) return p4_error(P4_ENOMEM, "out of memory in the statistical engine");
    for (int d = -K; d <= K; d++) {
        double a = 0, b = 0;
        for (int w = 0; w < nw; w++) {
            double sg = sqrt(var[w]), za = mu[w] + d * dv, zb = d * dv - mu[w];
            a += wt[w] * (sg > 0 ? 0.5 * erfc(za / sg / M_SQRT2) : (za > 0 ? 0 : za < 0 ? 1 : 0.5));
            b += wt[w] * (sg > 0 ? 0.5 * erfc(zb / sg / M_SQRT2) : (zb > 0 ? 0 : zb < 0 ? 1 : 0.5));
        }
        qlo[d + K] = a, qhi[d + K] = b;
    }
    /* the kernels reversed (rq[i] = q[2K - i]): four consecutive k read four consecutive entries */
    double *rlo = malloc((size_t)(2 * K + 1) * 2 * sizeof *rlo), *rhi = rlo ? rlo + 2 * K + 1 : NULL;
    if (!rlo) {
        free(qlo);
        return p4_error(P4_ENOMEM, "out of memory in the statistical engine");
    }
    for (int i = 0; i <= 2 * K; i++) rlo[i] = qlo[2 * K - i], rhi[i] = qhi[2 * K - i];
    double below = 0;
    int k = 0;
    for (; !p4_pmf_tails_plain && k + 4 <= n; k += 4) { /* lane j: k + j, kernel index u - (k + j) + K */
        long st[4], en[4];
        double init[4];
        for (int j = 0; j < 4; j++) {
            int u0 = k + j - K, u1 = k + j + K;
            if (u0 - 1 >= lo && u0 - 1 <= hi) below += pmf[u0 - 1];
            init[j] = below, st[j] = u0 > lo ? u0 : lo, en[j] = u1 < hi ? u1 : hi;
        }
        tails4(pmf, qlo, rlo, 2 * K, (long)K - k, 1, st, en, init, lt + k);
    }
    for (; k < n; k++) {
        int u0 = k - K, u1 = k + K;
        if (u0 - 1 >= lo && u0 - 1 <= hi) below += pmf[u0 - 1];
        double s = below;
        for (int u = (u0 > lo ? u0 : lo); u <= (u1 < hi ? u1 : hi); u++) s += pmf[u] * qlo[u - k + K];
        lt[k] = s;
    }
    double above = 0;
    k = n - 1;
    for (; !p4_pmf_tails_plain && k - 3 >= 0; k -= 4) { /* lane j: k - j, kernel index (k - j) - u + K */
        long st[4], en[4];
        double init[4], out[4];
        for (int j = 0; j < 4; j++) {
            int u0 = k - j - K, u1 = k - j + K;
            if (u1 + 1 >= lo && u1 + 1 <= hi) above += pmf[u1 + 1];
            init[j] = above, st[j] = u0 > lo ? u0 : lo, en[j] = u1 < hi ? u1 : hi;
        }
        tails4(pmf, qhi, rhi, 2 * K, (long)k + K, -1, st, en, init, out);
        for (int j = 0; j < 4; j++) ut[k - j] = out[j];
    }
    for (; k >= 0; k--) {
        int u0 = k - K, u1 = k + K;
        if (u1 + 1 >= lo && u1 + 1 <= hi) above += pmf[u1 + 1];
        double s = above;
        for (int u = (u0 > lo ? u0 : lo); u <= (u1 < hi ? u1 : hi); u++) s += pmf[u] * qhi[k - u + K];
        ut[k] = s;
    }
    free(rlo);
    free(qlo);
    return P4_OK;
}

typedef struct {
    double *P, *E, *He, *He1, *G, *G1, *Gq, *dd, *cur, *X, *XE, *a, *b, *curs, *mw, *mm, *mv;
} scratch;

#define MIX_MAX_SYMBOLS 3 /* the RJ mixture enumerates at most 4^3 symbol combinations */
#define MIX_MAX (1 << (2 * MIX_MAX_SYMBOLS))

/* RJ is Gaussian given the data, with variance rj^2 sum_m dy_m^2 Gq[m]: a Gaussian mixture over the
 * data, with tails heavier than one Gaussian's of the same variance, and correlated with the ISI of
 * the same symbols (a large transition into the next symbol comes with that symbol's pre-cursor
 * pulling the victim the same way). The edges with the largest Gq (two, or one if two need more
 * than MIX_MAX_SYMBOLS symbols) are enumerated over the symbols they depend on (dy_m = amp sum_i
 * df_i x(m + i), x(o) the symbol at cursor offset o, the victim at o = d): each combination is a
 * Gaussian whose mean is those symbols' cursors and whose variance is their edges' jitter. Returns
 * the number of enumerated symbols (their offsets in off[], the edges in top[]), 0 for none. */
static int mix_select(const double *Gq, int ME, int d, int nf, int top[2], int *ntop, int *off)
{
    int m1 = -1, m2 = -1;
    for (int m = 0; m < ME; m++)
        if (m1 < 0 || Gq[m] > Gq[m1]) m2 = m1, m1 = m;
        else if (m2 < 0 || Gq[m] > Gq[m2]) m2 = m;
    top[0] = m1, top[1] = m2, *ntop = m2 >= 0 ? 2 : 1;
    for (;;) {
        int no = 0;
        for (int e = 0; e < *ntop; e++)
            for (int i = 0; i <= nf; i++) {
                int o = top[e] + i, seen = o == d || o >= ME;
                for (int k = 0; k < no && !seen; k++) seen = off[k] == o;
                if (!seen && no < 2 * (P4_MAX_TAPS + 1)) off[no++] = o;
            }
        if (no <= MIX_MAX_SYMBOLS) return no;
        if (*ntop == 1) return 0;
        *ntop = 1;
    }
}

/* The mixture for a victim at level `victim`: weights, means, variances (returns the count). */
static int mix_build(const double *Gq, const double *cur, int d, const double *df, int nf, const double lv[4],
                     double victim, const int top[2], int ntop, const int *off, int no, double rj2amp2, double var_rest,
                     double *wt, double *mu, double *var)
{
    int ncomb = 1 << (2 * no);
    for (int cmb = 0; cmb < ncomb; cmb++) {
        double vv = 0, m = 0;
        for (int k = 0; k < no; k++) m += cur[off[k]] * lv[(cmb >> (2 * k)) & 3];
        for (int e = 0; e < ntop; e++) {
            double dy = 0;
            for (int i = 0; i <= nf; i++) {
                int o = top[e] + i;
                double x = o == d ? victim : 0;
                for (int k = 0; k < no; k++)
                    if (off[k] == o) x = lv[(cmb >> (2 * k)) & 3];
                dy += df[i] * x;
            }
            vv += dy * dy * Gq[top[e]];
        }
        wt[cmb] = 1.0 / ncomb, mu[cmb] = m, var[cmb] = rj2amp2 * vv + var_rest;
    }
    return ncomb;
}

/* Phase q: equalized cursors, exact distribution, tails into t. */
static p4_status phase_compute(stat_job *job, int q, scratch *s)
{
    const p4_link_view *v = job->v;
    const p4_config *c = v->cfg;
    const p4_link_info *in = v->info;
    struct p4_stat_tails *t = job->t;
    const int sps = v->sps, nffe = in->nffe, ndfe = in->ndfe, d = v->cursor + in->npre;
    const int base = v->phase + q - t->nphase / 2;
    const int M = v->pulse_len / sps + 2, ME = M + nffe - 1;
    const double *w = in->ffe;
    double sx2 = 0;
    for (int i = 0; i < 4; i++) sx2 += 0.25 * t->lv[i] * t->lv[i];
    /* victim cursors through the FFE, DFE post-cursors removed */
    for (int m = 0; m < M; m++) {
        long idx = (long)m * sps + base;
        s->P[m] = idx >= 0 && idx < v->pulse_len ? v->pulse[idx] : 0;
    }
    conv(w, nffe, s->P, M, s->E);
    for (int j = 0; j < ndfe && d + 1 + j < ME; j++) s->E[d + 1 + j] -= in->dfe[j];
    /* jitter: the edge response through the FFE (electrical), else the equalized pulse's slope */
    const double fs = c->baud_gbd * 1e9 * sps;
    double rj = c->rj_ps * 1e-12 * fs, dcd_half = 0.5 * c->dcd_ps * 1e-12 * fs; /* samples */
    double var_rj = 0, df[P4_MAX_TAPS + 1], e2 = 0;
    int npar = t->npar, nf = (int)c->n_tx_ffe;
    for (int i = 0; i <= nf; i++) df[i] = (i < nf ? c->tx_ffe[i] : 0) - (i > 0 ? c->tx_ffe[i - 1] : 0), e2 += df[i] * df[i];
    memset(s->dd, 0, (size_t)ME * sizeof *s->dd);
    memset(s->Gq, 0, (size_t)ME * sizeof *s->Gq);
    if (v->edge) {
        /* the render moves an edge that comes later within sample t_k (response G0), one that comes
         * earlier within sample t_k - 1 (G1) */
        for (int m = 0; m < M; m++) {
            long idx = (long)m * sps + base - sps / 2;
            s->He[m] = idx >= 0 && idx < (long)v->edge_len ? v->edge[idx] : 0;
            s->He1[m] = idx + 1 >= 0 && idx + 1 < (long)v->edge_len ? v->edge[idx + 1] : 0;
        }
        conv(w, nffe, s->He, M, s->G);
        conv(w, nffe, s->He1, M, s->G1);
        double g2 = 0;
        for (int m = 0; m < ME; m++) s->Gq[m] = 0.5 * (s->G[m] * s->G[m] + s->G1[m] * s->G1[m]), g2 += s->Gq[m];
        var_rj = rj * rj * c->amplitude_v * c->amplitude_v * sx2 * e2 * g2;
        /* DCD: even edges A_DD later (G0), odd ones earlier (G1): -A amp sum_k dy_k [s_k (G0+G1)/2 +
         * (G0-G1)/2]. The first part alternates with the victim's parity (dd), the second does not
         * (into E). */
        if (dcd_half > 0)
            for (int r = 0; r < ME; r++) {
                double alt = 0, fixed = 0;
                for (int i = 0; i <= nf && i <= r; i++) {
                    alt += ((i & 1) ? -1 : 1) * df[i] * 0.5 * (s->G[r - i] + s->G1[r - i]);
                    fixed += df[i] * 0.5 * (s->G[r - i] - s->G1[r - i]);
                }
                s->dd[r] = -dcd_half * c->amplitude_v * ((r & 1) ? -1 : 1) * alt;
                s->E[r] += -dcd_half * c->amplitude_v * fixed;
            }
    } else {
        /* optical: per-symbol timing through the slope of the equalized pulse, RJ and DCD together */
        for (int m = 0; m < M; m++) {
            long i1 = (long)m * sps + base + 1, i0 = i1 - 2;
            double p1 = i1 >= 0 && i1 < v->pulse_len ? v->pulse[i1] : 0, p0 = i0 >= 0 && i0 < v->pulse_len ? v->pulse[i0] : 0;
            s->He[m] = 0.5 * (p1 - p0);
        }
        conv(w, nffe, s->He, M, s->G);
        double g2 = 0;
        for (int m = 0; m < ME; m++) g2 += s->G[m] * s->G[m];
        var_rj = (rj * rj + dcd_half * dcd_half) * sx2 * g2;
    }
    /* Gaussian noise through the FFE: w' Rn w; an optical line's level-dependent part per level */
    double var_n = 0, var_lv[4] = {0};
    for (int i = 0; i < nffe; i++)
        for (int j = 0; j < nffe; j++) var_n += w[i] * w[j] * v->rn[abs(i - j) < v->nrn ? abs(i - j) : v->nrn - 1];
    if (v->opt) {
        p4_status st = stat_opt_level_var(v, t->lv, d, base, var_lv);
        if (st) return st;
    }
    /* crosstalk cursors */
    int nx = 0;
    for (int a = 0; a < v->nxt; a++) {
        int MX = v->xt_len[a] / sps + 2;
        for (int m = 0; m < MX; m++) {
            long idx = (long)m * sps + base;
            s->X[m] = idx >= 0 && idx < v->xt_len[a] ? v->xt_pulse[a][idx] : 0;
        }
        conv(w, nffe, s->X, MX, s->XE + nx);
        nx += MX + nffe - 1;
    }
    /* the RJ mixture's symbols, whose cursors leave the convolution for the mixture's means */
    int top[2], ntop = 0, off[2 * (P4_MAX_TAPS + 1)], no = 0;
    double gq_rest = 0;
    if (t->ncls == 2) {
        no = mix_select(s->Gq, ME, d, nf, top, &ntop, off);
        for (int m = 0; m < ME; m++) gq_rest += s->Gq[m];
        for (int e = 0; e < ntop; e++) gq_rest -= s->Gq[top[e]];
    }
    const double rj2amp2 = rj * rj * c->amplitude_v * c->amplitude_v;
    /* per parity: exact cursors into the distribution, small ones into the Gaussian */
    const int n = t->nN;
    const double dv = t->dv;
    for (int p = 0; p < npar; p++) {
        double sign = npar == 2 ? (p ? -1.0 : 1.0) : 0.0;
        int nc = 0, ng = 0;
        double var_small = 0, isi2 = 0, xt2 = 0;
        for (int r = 0; r < ME; r++) s->cur[r] = s->E[r] + sign * s->dd[r];
        for (int r = 0; r < ME + nx; r++) {
            int skip = r == d;
            for (int k = 0; k < no && !skip; k++) skip = off[k] == r;
            if (skip) continue;
            /* the cursor's value at each level: the line's levels, less what the DFE feeds back
             * at the ideal ones beyond cur (0 where the two are the same) */
            double cv = r < ME ? s->cur[r] : s->XE[r - ME], fb = r < ME && r > d && r <= d + ndfe ? in->dfe[r - d - 1] : 0;
            double *val = s->curs + 4 * nc, big = 0, var = 0;
            for (int i = 0; i < 4; i++) {
                val[i] = cv * t->lv[i] + fb * (t->lv[i] - t->lvi[i]);
                big = fmax(big, fabs(val[i])), var += 0.25 * val[i] * val[i];
            }
            if (!isfinite(var)) return p4_error(P4_ENUM, "stat: an equalized cursor is not finite (the link's pulse response is out of range)");
            if (big < dv) var_small += var, ng += big != 0;
            else {
                nc++;
                if (r < ME) isi2 += var;
                else xt2 += var;
            }
        }
        int lo, hi;
        const double *a = pam4_pmf_vals(s->curs, nc, dv, n, s->a, s->b, &lo, &hi);
        /* the Gaussian part: one Gaussian, or the RJ mixture for a victim at +1 (class 0) and at
         * lv[2] (class 1); victims at -1 and lv[1] are their mirror images */
        double var_g = var_n + var_small;
        for (int cls = 0; cls < t->ncls; cls++) {
            size_t o = (((size_t)q * npar + p) * t->ncls + cls) * n;
            int nw;
            if (t->ncls == 4 && stat_opt_mpi_on(v)) /* one class per level (an optical line) */
                nw = stat_opt_mpi_mix(v, cls, s->E[d], var_g + var_rj + var_lv[cls], s->mw, s->mm, s->mv);
            else if (t->ncls == 4)
                s->mw[0] = 1, s->mm[0] = 0, s->mv[0] = var_g + var_rj + var_lv[cls], nw = 1;
            else if (t->ncls == 2 && no > 0)
                nw = mix_build(s->Gq, s->cur, d, df, nf, t->lv, t->lv[cls ? 2 : 3], top, ntop, off, no, rj2amp2,
                               var_g + rj2amp2 * sx2 * e2 * gq_rest, s->mw, s->mm, s->mv);
            else
                s->mw[0] = 1, s->mm[0] = 0, s->mv[0] = var_g + var_rj, nw = 1;
            p4_status st = p4_pmf_tails(a, n, lo, hi, s->mw, s->mm, s->mv, nw, dv, t->lt + o, t->ut + o);
            if (st) return st;
        }
        for (int k = 0; k < no; k++) isi2 += s->cur[off[k]] * s->cur[off[k]] * sx2;
        t->c0[q * npar + p] = s->E[d] + sign * s->dd[d];
        if (q == t->nphase / 2 && p == 1) memcpy(t->cur0 + ME, s->cur, (size_t)ME * sizeof *s->cur);
        if (q == t->nphase / 2 && p == 0) {
            job->sigma_noise = sqrt(var_n), job->sigma_rj = sqrt(var_rj), job->sigma_small = sqrt(var_small);
            for (int k = 0; k < 4; k++) job->sigma_level[k] = sqrt(var_lv[k]);
            t->cur0 = malloc(2 * (size_t)ME * sizeof *t->cur0), t->xt0 = malloc(((size_t)nx + 1) * sizeof *t->xt0);
            if (!t->cur0 || !t->xt0) return p4_error(P4_ENOMEM, "out of memory in the statistical engine");
            memcpy(t->cur0, s->cur, (size_t)ME * sizeof *s->cur), memcpy(t->xt0, s->XE, (size_t)nx * sizeof *s->XE);
            memcpy(t->cur0 + ME, s->cur, (size_t)ME * sizeof *s->cur); /* the odd parity's, replaced below with DCD */
            t->ncur0 = ME;
            for (int a = 0; a < v->nxt; a++) t->xt_len0[a] = v->xt_len[a] / sps + 2 + nffe - 1;
            job->isi_rms = sqrt(isi2), job->xt_rms = sqrt(xt2), job->exact = nc, job->gauss = ng;
            job->pre1 = d > 0 ? s->E[d - 1] : 0;
        }
    }
    return P4_OK;
}

static void *worker(void *arg)
{
    stat_job *job = arg;
    const p4_link_view *v = job->v;
    struct p4_stat_tails *t = job->t;
    int M = v->pulse_len / v->sps + 2, MX = 0;
    for (int a = 0; a < v->nxt; a++) MX += v->xt_len[a] / v->sps + 2 + v->info->nffe;
    int ME = M + v->info->nffe;
    scratch s;
    s.P = calloc((size_t)M, sizeof(double)), s.E = calloc((size_t)ME, sizeof(double));
    s.He = calloc((size_t)M, sizeof(double)), s.G = calloc((size_t)ME, sizeof(double));
    s.He1 = calloc((size_t)M, sizeof(double)), s.G1 = calloc((size_t)ME, sizeof(double));
    s.Gq = calloc((size_t)ME, sizeof(double));
    s.mw = calloc(MIX_MAX, sizeof(double)), s.mv = calloc(MIX_MAX, sizeof(double)), s.mm = calloc(MIX_MAX, sizeof(double));
    s.cur = calloc((size_t)ME, sizeof(double));
    s.dd = calloc((size_t)ME, sizeof(double));
    s.X = calloc((size_t)MX + 8, sizeof(double)), s.XE = calloc((size_t)MX + 8, sizeof(double));
    s.a = calloc((size_t)t->nN, sizeof(double)), s.b = calloc((size_t)t->nN, sizeof(double));
    s.curs = calloc(4 * ((size_t)ME + MX + 8), sizeof(double));
    int ok = s.P && s.E && s.He && s.G && s.He1 && s.G1 && s.Gq && s.mw && s.mv && s.mm && s.cur && s.dd && s.X && s.XE && s.a && s.b && s.curs;
    for (;;) {
        pthread_mutex_lock(&job->mu);
        int q = ok && !job->st ? job->next++ : t->nphase;
        if (!ok && !job->st) job->st = p4_error(P4_ENOMEM, "out of memory in the statistical engine");
        pthread_mutex_unlock(&job->mu);
        if (q >= t->nphase) break;
        p4_status st = phase_compute(job, q, &s);
        if (st) {
            pthread_mutex_lock(&job->mu);
            job->st = st;
            pthread_mutex_unlock(&job->mu);
        }
    }
    free(s.P), free(s.E), free(s.He), free(s.G), free(s.dd), free(s.X), free(s.XE), free(s.a), free(s.b);
    free(s.curs), free(s.He1), free(s.G1), free(s.Gq), free(s.mw), free(s.mv), free(s.mm), free(s.cur);
    return NULL;
}

/* ---- reading the tails ---- */

/* Grid tail arr (length n) at amplitude x, interpolated in log probability; off the grid: below
 * the lower tail is 0 and the upper 1 (lower = 1), above the reverse. */
static double grid_at(const struct p4_stat_tails *t, const double *arr, double x, int lower)
{
    double p = x / t->dv + t->nN / 2 - 0.5;
    if (p <= 0) return lower ? (p < -1 ? 0 : arr[0]) : arr[0];
    if (p >= t->nN - 1) return lower ? arr[t->nN - 1] : (p > t->nN ? 0 : arr[t->nN - 1]);
    int k = (int)p;
    double f = p - k, a = arr[k], b = arr[k + 1];
    if (a > 1e-300 && b > 1e-300) return exp(log(a) + f * (log(b) - log(a)));
    return a + f * (b - a);
}

/* P(level i's sample > x) (up) or < x (!up) at integer phase q; i = -1: N alone */
static double tail_q(const struct p4_stat_tails *t, int q, int i, double x, int up)
{
    double s = 0;
    int nterm = 0;
    if (t->ncls == 4) { /* one class per level, none mirrored; N alone: their mean */
        for (int p = 0; p < t->npar; p++)
            for (int cls = 0; cls < 4; cls++) {
                if (i >= 0 && cls != i) continue;
                double a = i < 0 ? 0 : t->c0[q * t->npar + p] * t->lv[i];
                size_t o = (((size_t)q * t->npar + p) * t->ncls + cls) * t->nN;
                s += grid_at(t, up ? t->ut + o : t->lt + o, x - a, !up), nterm++;
            }
        return s / nterm;
    }
    for (int p = 0; p < t->npar; p++)
        for (int cls = 0; cls < t->ncls; cls++) {
            /* class 0 holds a victim at +1, class 1 at lv[2]; without classes (ncls 1) N is the
             * same for every level and symmetric. Levels 0 and 1 are the mirror images: N_i = -N_c */
            int lev_c = t->ncls == 1 ? i : cls ? 2 : 3, mirror = t->ncls == 2 && i >= 0 && i < 2;
            if (t->ncls == 2 && i >= 0 && lev_c != (i < 2 ? 3 - i : i)) continue;
            double a = i < 0 ? 0 : t->c0[q * t->npar + p] * t->lv[i];
            size_t o = (((size_t)q * t->npar + p) * t->ncls + cls) * t->nN;
            if (!mirror) s += grid_at(t, up ? t->ut + o : t->lt + o, x - a, !up), nterm++;
            if (mirror || (i < 0 && t->ncls == 2)) s += grid_at(t, up ? t->lt + o : t->ut + o, a - x, up), nterm++;
        }
    return s / nterm;
}

/* The same at a fractional phase qf, with the SJ dual Dirac */
static double tail(const struct p4_stat_tails *t, double qf, int i, double x, int up)
{
    double acc = 0;
    int nd = t->sj_phases > 0 ? 2 : 1;
    for (int k = 0; k < nd; k++) {
        double qq = qf + (nd == 2 ? (k ? t->sj_phases : -t->sj_phases) : 0);
        if (qq < 0) qq = 0;
        if (qq > t->nphase - 1) qq = t->nphase - 1;
        int q0 = (int)qq;
        double f = qq - q0;
        double v = tail_q(t, q0, i, x, up);
        if (f > 0 && q0 + 1 < t->nphase) v = (1 - f) * v + f * tail_q(t, q0 + 1, i, x, up);
        acc += v;
    }
    return acc / nd;
}

/* x where tail(up) of level i equals b (up: decreasing in x; !up: increasing), by bisection */
static double solve(const struct p4_stat_tails *t, double qf, int i, double b, int up, double lo, double hi)
{
    for (int it = 0; it < 60; it++) {
        double mid = 0.5 * (lo + hi), v = tail(t, qf, i, mid, up);
        if ((v > b) == (up != 0)) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

static void contour(const struct p4_stat_tails *t, double qf, int j, double b, double *vlo, double *vhi)
{
    double R = N_RANGE;
    *vlo = solve(t, qf, j, b, 1, -R, R);
    *vhi = solve(t, qf, j + 1, b, 0, -R, R);
    if (*vhi <= *vlo) *vlo = *vhi = NAN;
}

static double worst_at_threshold(const struct p4_stat_tails *t, double qf, int j)
{
    double u = tail(t, qf, j, t->th[j], 1), l = tail(t, qf, j + 1, t->th[j], 0);
    return u > l ? u : l;
}

void p4_stat_eye_at(const p4_stat_result *r, double b, double height[3], double width_ui[3])
{
    const struct p4_stat_tails *t = r->priv;
    int q0 = t->nphase / 2;
    for (int j = 0; j < 3; j++) {
        double lo, hi;
        contour(t, q0, j, b, &lo, &hi);
        height[j] = isnan(lo) ? 0 : hi - lo;
        /* width: walk out from the nominal phase while both tails at the threshold stay below b */
        double lb = log10(b), edge[2];
        if (worst_at_threshold(t, q0, j) > b) {
            width_ui[j] = 0;
            continue;
        }
        for (int dir = 0; dir < 2; dir++) {
            int step = dir ? 1 : -1, q = q0;
            double fq = log10(worst_at_threshold(t, q, j) + 1e-300);
            edge[dir] = dir ? t->nphase - 1 : 0;
            while (q + step >= 0 && q + step < t->nphase) {
                double fn = log10(worst_at_threshold(t, q + step, j) + 1e-300);
                if (fn > lb) {
                    edge[dir] = q + step * (lb - fq) / (fn - fq);
                    break;
                }
                q += step, fq = fn;
            }
        }
        width_ui[j] = (edge[1] - edge[0]) / t->nphase;
    }
}

static void free_tails(struct p4_stat_tails *t)
{
    if (!t) return;
    free(t->c0), free(t->lt), free(t->ut), free(t->cur0), free(t->xt0);
    free(t);
}

void p4_stat_free(p4_stat_result *r)
{
    free(r->density), free(r->ber_map), free(r->contour_lo), free(r->contour_hi), free(r->hbathtub);
    free_tails(r->priv);
    memset(r, 0, sizeof *r);
}

/* Everything the engine reads must be finite: a channel entry out of range (a huge or infinite
 * magnitude) would otherwise turn into NaN tails or integer overflow on the grid. */
static p4_status check_inputs(const p4_link_view *v)
{
    const double lim = 1e150; /* squares and sums of squares stay finite */
    for (int i = 0; i < v->pulse_len; i++)
        if (!(fabs(v->pulse[i]) < lim))
            return p4_error(P4_ENUM, "stat: the link's pulse response is not finite at sample %d (%g): check the channel's data", i, v->pulse[i]);
    for (int a = 0; a < v->nxt; a++)
        for (int i = 0; i < v->xt_len[a]; i++)
            if (!(fabs(v->xt_pulse[a][i]) < lim))
                return p4_error(P4_ENUM, "stat: crosstalk aggressor %d's pulse response is not finite: check its channel's data", a + 1);
    for (size_t i = 0; v->edge && i < v->edge_len; i++)
        if (!(fabs(v->edge[i]) < lim)) return p4_error(P4_ENUM, "stat: the link's impulse response is not finite: check the channel's data");
    for (int i = 0; i < v->nrn; i++)
        if (!(fabs(v->rn[i]) < lim)) return p4_error(P4_ENUM, "stat: the noise autocorrelation is not finite");
    for (int i = 0; i < v->info->nffe; i++)
        if (!(fabs(v->info->ffe[i]) < lim)) return p4_error(P4_ENUM, "stat: the RX FFE is not finite (the link's MMSE design failed)");
    return P4_OK;
}

/* The DFE's errors per burst from a Markov chain over the decision error (the fallback where the
 * sampled bursts of stat_dfe.c have too few effective samples: first errors far in the tails). */
static void markov_bursts(const struct p4_stat_tails *t, int q0, const stat_job *jb, const p4_link_info *in,
                          const p4_link_view *v, double *factor, double *p1, double *p, double *rho_out)
{
        /* after an error of one level step in direction e the feedback moves the next sample by
         * -e b1 step. The error itself needed N near the half spacing h, and the noise at the FFE
         * output is correlated: the next N has mean rho h (rho = the Gaussian noise's lag-1
         * covariance over N's variance). So the first continuation has probability p1 (shift
         * b1 step - rho h), each later one p (shift b1 step): errors per event 1 + p1 / (1 - p). */
        double r1 = 0, var_all = jb->sigma_noise * jb->sigma_noise + jb->sigma_rj * jb->sigma_rj +
                                 jb->sigma_small * jb->sigma_small + jb->isi_rms * jb->isi_rms + jb->xt_rms * jb->xt_rms;
        for (int i = 0; i < in->nffe; i++)
            for (int j = 0; j < in->nffe; j++) {
                int lag = abs(i - j + 1);
                r1 += in->ffe[i] * in->ffe[j] * (lag < v->nrn ? v->rn[lag] : 0);
            }
        double rho = var_all > 0 ? r1 / var_all : 0, c0 = 0;
        for (int p = 0; p < t->npar; p++) c0 += t->c0[q0 * t->npar + p] / t->npar;
        double step = (t->lvi[3] - t->lvi[0]) / 3, h = c0 * step / 2, W[4], wsum = 0;
        /* the symbol after an upward error: its pre-cursor pre x helped cause the error, so it is
         * level l with probability proportional to the upward error rate given it (Bayes) */
        for (int l = 0; l < 4; l++) {
            W[l] = 0;
            for (int i = 0; i < 3; i++) W[l] += tail(t, q0, i, t->th[i] - jb->pre1 * t->lv[l], 1);
            wsum += W[l];
        }
        /* a Markov chain over the decision error e (in level steps, -3..3; 0 ends the event): the
         * next sample moves by -b1 e step, and its level l decides l + e' with the tails */
        double T1[7], Q[6][7], pk[2] = {0, 0};
        for (int k = 0; k < 2; k++)
            for (int e = -3; e <= 3; e++) {
                if (e == 0 || (k == 0 && e != 1)) continue;
                double shift = in->dfe[0] * e * step - (k == 0 ? rho * h : 0), *row = k == 0 ? T1 : Q[e < 0 ? e + 3 : e + 2];
                for (int j = 0; j < 7; j++) row[j] = 0;
                for (int l = 0; l < 4; l++) {
                    double wl = k == 0 && wsum > 0 ? W[l] / wsum : 0.25, below = 0;
                    for (int dec = 0; dec < 4; dec++) { /* P(decide dec | level l, sample moved by -shift) */
                        double up_to = dec < 3 ? tail(t, q0, l, t->th[dec] + shift, 0) : 1, pdec = up_to - below;
                        below = up_to;
                        row[dec - l + 3] += wl * (pdec > 0 ? pdec : 0);
                    }
                }
                if (k == 1) pk[1] += (1 - row[3]) / 6;
            }
        pk[0] = 1 - T1[3];
        /* errors per event: 1 + sum_e' T1[e'] M[e'], M = (I - Q)^-1 1 over the transient states */
        double A[6][7];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) A[i][j] = (i == j) - Q[i][j < 3 ? j : j + 1];
            A[i][6] = 1;
        }
        for (int c1 = 0; c1 < 6; c1++) { /* Gauss-Jordan, partial pivoting */
            int pv = c1;
            for (int i = c1 + 1; i < 6; i++)
                if (fabs(A[i][c1]) > fabs(A[pv][c1])) pv = i;
            for (int j = 0; j < 7; j++) {
                double tmp = A[c1][j];
                A[c1][j] = A[pv][j], A[pv][j] = tmp;
            }
            for (int i = 0; i < 6; i++)
                if (i != c1 && A[c1][c1] != 0) {
                    double f = A[i][c1] / A[c1][c1];
                    for (int j = c1; j < 7; j++) A[i][j] -= f * A[c1][j];
                }
        }
        double per_event = 1;
        for (int e = 0; e < 6; e++) {
            double m = A[e][e] != 0 ? A[e][6] / A[e][e] : 0;
            per_event += T1[e < 3 ? e : e + 1] * (m > 0 && m < 1e6 ? m : 1e6);
        }
        *factor = per_event;
        *p1 = pk[0], *p = pk[1], *rho_out = rho;
}

/* What the configuration holds that the statistical eye leaves out, one reason each. */
static void unmodelled(const p4_link_view *v, p4_stat_result *r)
{
    const p4_config *c = v->cfg;
    char(*u)[256] = r->unmodelled;
    int n = 0;
    if (c->dsp_enable)
        snprintf(u[n++], sizeof u[0], "the bit-true DSP receiver (rx.dsp.enable): its ADC, CDR jitter, fixed-point FFE/DFE with LMS%s; "
                 "stat is the floating-point FFE/DFE at a fixed phase", c->mlse_memory > 0 ? " and MLSE" : "");
    if (!c->precode && strcmp(c->pattern, "random") && r->dfe_prop_factor > 2 && r->ber_raw < 1e-2)
        snprintf(u[n++], sizeof u[0], "the dependence between the symbols of tx.pattern %s: with DFE bursts this long (%.1f errors "
                 "per event) Monte Carlo can count more errors than with the random data stat assumes", c->pattern,
                 r->dfe_prop_factor);
    if (v->opt && c->mpi_db > -35)
        snprintf(u[n++], sizeof u[0], "the MPI beat's spread over neighbouring symbols (optics.mpi.crosstalk_db %.1f dB): stat "
                 "takes the beat at the victim's sample, close to Monte Carlo up to -35 dB and optimistic above", c->mpi_db);
    if (v->opt && !isinf(c->tia_sat_vpp))
        snprintf(u[n++], sizeof u[0], "the receiver output's compression (optics.tia.sat_vpp %.3g Vpp)", c->tia_sat_vpp);
    if (v->opt && v->info->opt_sndr_db < 30)
        snprintf(u[n++], sizeof u[0], "the line's nonlinear ISI beyond its static levels (its linear fit's SNDR %.1f dB)",
                 v->info->opt_sndr_db);
    r->n_unmodelled = n;
}

p4_status p4_stat_run(const p4_link *l, p4_stat_result *r)
{
    memset(r, 0, sizeof *r);
    p4_link_view v;
    p4_link_view_get(l, &v);
    const p4_config *c = v.cfg;
    if (v.info->ami_rx.getwave_flow)
        return p4_error(P4_EINVAL, "key 'rx.ami.flow' = %s: the link takes the receiver model through its AMI_GetWave, and the statistical engine needs it through its AMI_Init (rx.ami.flow = init)",
                        c->rx_ami_flow);
    if (v.info->ami_tx.getwave_flow)
        return p4_error(P4_EINVAL, "key 'tx.ami.flow' = %s: the link takes the transmitter model through its AMI_GetWave, and the statistical engine needs it through its AMI_Init (tx.ami.flow = init)",
                        c->tx_ami_flow);
    struct p4_stat_tails *t = calloc(1, sizeof *t);
    if (!t) return p4_error(P4_ENOMEM, "out of memory");
    r->priv = t;
    t->nphase = v.sps;
    t->dv = 2 * P4_STAT_RANGE / (double)c->stat_bins;
    t->nN = 2 * (int)ceil(N_RANGE / t->dv);
    t->npar = v.edge && c->dcd_ps > 0 ? 2 : 1;
    t->ncls = v.opt ? 4 : v.edge && c->rj_ps > 0 ? 2 : 1;
    memcpy(t->lvi, v.lv, sizeof t->lvi);
    if (v.opt) stat_opt_levels(&v, t->lv);
    else memcpy(t->lv, v.lv, sizeof t->lv);
    p4_status st0 = check_inputs(&v);
    if (st0) return st0;
    memcpy(t->th, v.th, sizeof t->th);
    double ui_s = 1e-9 / c->baud_gbd;
    t->sj_phases = c->sj_ps * 1e-12 / ui_s * v.sps;
    t->c0 = calloc((size_t)t->nphase * t->npar, sizeof *t->c0);
    t->lt = calloc((size_t)t->nphase * t->npar * t->ncls * t->nN, sizeof *t->lt);
    t->ut = calloc((size_t)t->nphase * t->npar * t->ncls * t->nN, sizeof *t->ut);
    if (!t->c0 || !t->lt || !t->ut)
        return p4_error(P4_ENOMEM, "stat: the tail grid (%d phases x %d parities x %d classes x %d bins, %.0f MB) does not fit in "
                        "memory: lower stat.sps (%d) or stat.bins (%d)", t->nphase, t->npar, t->ncls, t->nN,
                        2e-6 * (double)t->nphase * t->npar * t->ncls * t->nN * sizeof(double), v.sps, (int)c->stat_bins);
    stat_job job = {.v = &v, .t = t};
    pthread_mutex_init(&job.mu, NULL);
    int nt = c->threads > 0 ? (int)c->threads : p4_default_threads();
    if (nt > t->nphase) nt = t->nphase;
    pthread_t th[64];
    if (nt > 64) nt = 64;
    int started = 0;
    for (int i = 1; i < nt; i++)
        if (!pthread_create(&th[i], NULL, worker, &job)) started = i;
        else break;
    worker(&job);
    for (int i = 1; i <= started; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&job.mu);
    if (job.st) return job.st;

    /* read everything off the tails */
    const int np = t->nphase, nb = (int)c->stat_bins, q0 = np / 2;
    const double dv = t->dv;
    r->nphase = np, r->nbins = nb, r->dv = dv;
    r->density = calloc((size_t)np * nb, sizeof(double));
    r->ber_map = calloc((size_t)np * nb, sizeof(double));
    r->contour_lo = calloc((size_t)3 * P4_STAT_DECADES * np, sizeof(double));
    r->contour_hi = calloc((size_t)3 * P4_STAT_DECADES * np, sizeof(double));
    r->hbathtub = calloc((size_t)np, sizeof(double));
    if (!r->density || !r->ber_map || !r->contour_lo || !r->contour_hi || !r->hbathtub)
        return p4_error(P4_ENOMEM, "out of memory for the statistical eye");
    for (int q = 0; q < np; q++) {
        double c0 = 0;
        for (int p = 0; p < t->npar; p++) c0 += t->c0[q * t->npar + p] / t->npar;
        for (int k = 0; k < nb; k++) {
            double x = -P4_STAT_RANGE + (k + 0.5) * dv, dens = 0;
            for (int i = 0; i < 4; i++) dens += 0.25 * (tail(t, q, i, x + dv / 2, 0) - tail(t, q, i, x - dv / 2, 0));
            r->density[(size_t)q * nb + k] = dens > 0 ? dens : 0;
            int j = 0; /* the eye (or outer region) that x lies in, by the levels' mean positions */
            while (j < 4 && x > c0 * t->lv[j]) j++;
            double m = j == 0 ? tail(t, q, 0, x, 0) : j == 4 ? tail(t, q, 3, x, 1)
                                                            : tail(t, q, j - 1, x, 1) + tail(t, q, j, x, 0);
            r->ber_map[(size_t)q * nb + k] = m;
        }
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < P4_STAT_DECADES; k++) {
                size_t o = ((size_t)j * P4_STAT_DECADES + k) * np + q;
                contour(t, q, j, p4_stat_decade_ber(k), &r->contour_lo[o], &r->contour_hi[o]);
            }
    }
    /* BER at the slicer, DFE error propagation */
    const double bits = c->precode ? 2.0 : 1.0;
    double raw_q[P4_EYE_MAX_SPS] = {0};
    for (int q = 0; q < np; q++) {
        double ser = 0;
        for (int j = 0; j < 3; j++) ser += 0.25 * (tail(t, q, j, t->th[j], 1) + tail(t, q, j + 1, t->th[j], 0));
        /* SER <= 3/4 and BER <= 1/2 (a guess), whatever the eye: a closed or inverted eye
         * (main cursor <= 0) counts every level beyond both of its thresholds otherwise */
        raw_q[q] = fmin(fmin(ser, 0.75) / 2 * bits, 0.5);
    }
    r->ber_raw = raw_q[q0];
    r->dfe_prop_factor = 1, r->dfe_prop_p = 0;
    const p4_link_info *in = v.info;
    if (in->ndfe > 0 && c->stat_dfe_prop) {
        /* the bursts a first error starts: sampled (stat_dfe.c) at the chosen phase, or where
         * too few samples count, the Markov chain */
        stat_dfe_in di = {.cur = {t->cur0, t->cur0 + t->ncur0}, .ncur = t->ncur0, .d = v.cursor + in->npre, .dfe = in->dfe, .ndfe = in->ndfe,
                          .xt = t->xt0, .xt_len = t->xt_len0, .nxt = v.nxt, .ffe = in->ffe, .rn = v.rn,
                          .nffe = in->nffe, .nrn = v.nrn, .var_white = job.sigma_small * job.sigma_small +
                                                                      job.sigma_rj * job.sigma_rj,
                          .lv = t->lv, .lvi = t->lvi, .th = t->th, .seed = (uint64_t)c->seed};
        for (int k = 0; k < 4; k++) di.var_level[k] = job.sigma_level[k] * job.sigma_level[k];
        stat_dfe_out dout;
        p4_status st = stat_dfe_bursts(&di, &dout);
        if (st) return st;
        const int sampled = dout.ess >= STAT_DFE_MIN_ESS;
        if (sampled) {
            r->dfe_prop_factor = dout.factor;
            r->dfe_prop_p1 = dout.p1, r->dfe_prop_p = dout.p, r->noise_rho = dout.rho;
        } else
            markov_bursts(t, q0, &job, in, &v, &r->dfe_prop_factor, &r->dfe_prop_p1, &r->dfe_prop_p, &r->noise_rho);
        r->dfe_sampled = sampled, r->dfe_ess = dout.ess;
    }
    r->ber = fmin(r->ber_raw * r->dfe_prop_factor, 0.5);
    for (int q = 0; q < np; q++) r->hbathtub[q] = fmin(raw_q[q] * r->dfe_prop_factor, 0.5);
    /* the chosen phase's figures */
    for (int p = 0; p < t->npar; p++) r->c0 += t->c0[q0 * t->npar + p] / t->npar;
    r->sigma_noise = job.sigma_noise, r->sigma_rj = job.sigma_rj, r->sigma_small = job.sigma_small;
    r->sigma_total = sqrt(job.sigma_noise * job.sigma_noise + job.sigma_rj * job.sigma_rj + job.sigma_small * job.sigma_small);
    r->isi_rms = job.isi_rms, r->xt_rms = job.xt_rms;
    r->exact_cursors = job.exact, r->gaussian_cursors = job.gauss;
    if (v.opt) {
        r->optical = 1, r->mpi = stat_opt_mpi_on(&v);
        memcpy(r->level, t->lv, sizeof r->level);
        memcpy(r->sigma_level, job.sigma_level, sizeof r->sigma_level);
    }
    unmodelled(&v, r);
    r->a_dd_ui = c->sj_ps * 1e-12 / ui_s, r->dcd_ui = c->dcd_ps * 1e-12 / ui_s;
    for (int k = 0; k < P4_STAT_DECADES; k++) p4_stat_eye_at(r, p4_stat_decade_ber(k), r->height[k], r->width_ui[k]);
    r->eye_ber = c->stat_eye_ber;
    p4_stat_eye_at(r, r->eye_ber, r->eye_height, r->eye_width_ui);
    /* COM-style margin */
    double sp = INFINITY;
    for (int j = 0; j < 3; j++)
        if (t->lv[j + 1] - t->lv[j] < sp) sp = t->lv[j + 1] - t->lv[j];
    r->der0 = c->stat_der0;
    r->a_s = r->c0 * sp / 2;
    r->a_ni = -solve(t, q0, -1, r->der0, 0, -N_RANGE, 0);
    /* A_ni at the grid's edge: the interference reaches beyond the grid, the margin is below
     * what the grid can show (reported as -inf, never as a number) */
    r->com_beyond = r->a_ni > N_RANGE * (1 - 1e-9);
    r->com_db = r->com_beyond || !(r->a_s > 0) ? -INFINITY : r->a_ni > 0 ? 20 * log10(r->a_s / r->a_ni) : INFINITY;
    return P4_OK;
}
