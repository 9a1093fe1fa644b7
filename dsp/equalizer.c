/* equalizer.c - FFE, DFE + slicer, and the MMSE design (see equalizer.h). */
#include "pam4sim/equalizer.h"
#include "pam4sim/pam4.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

p4_ffe *p4_ffe_create(const double *taps, int ntaps)
{
    if (ntaps < 1 || ntaps > 4096) {
        p4_error(P4_EINVAL, "p4_ffe_create: ntaps must be 1..4096");
        return NULL;
    }
    p4_ffe *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->ntaps = ntaps;
    f->c = malloc(ntaps * sizeof *f->c);
    if (!f->c) {
        free(f);
        return NULL;
    }
    memcpy(f->c, taps, ntaps * sizeof *f->c);
    return f;
}

void p4_ffe_reset(p4_ffe *f)
{
    if (f->work) memset(f->work, 0, (f->ntaps - 1) * sizeof *f->work);
}

void p4_ffe_run(p4_ffe *f, const double *in, size_t n, double *out)
{
    size_t h = (size_t)f->ntaps - 1;
    if (h + n > f->cap) {
        double *w = realloc(f->work, (h + n) * sizeof *w);
        if (!w) return;
        if (!f->work) memset(w, 0, h * sizeof *w);
        f->work = w;
        f->cap = h + n;
    }
    double *buf = f->work;
    memcpy(buf + h, in, n * sizeof *buf);
    /* eight outputs at a time in four two-lane registers, the taps in order (the same sum per output
     * as one pass per tap over the whole block) */
    typedef double v2d __attribute__((vector_size(16)));
    const int nt = f->ntaps;
    const double *c = f->c;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        v2d a0 = {0, 0}, a1 = {0, 0}, a2 = {0, 0}, a3 = {0, 0}, x0, x1, x2, x3;
        const double *src = buf + h + k;
        for (int i = 0; i < nt; i++) {
            const v2d cv = {c[i], c[i]};
            const double *p = src - i;
            memcpy(&x0, p, 16), memcpy(&x1, p + 2, 16), memcpy(&x2, p + 4, 16), memcpy(&x3, p + 6, 16);
            a0 += cv * x0, a1 += cv * x1, a2 += cv * x2, a3 += cv * x3;
        }
        memcpy(out + k, &a0, 16), memcpy(out + k + 2, &a1, 16), memcpy(out + k + 4, &a2, 16), memcpy(out + k + 6, &a3, 16);
    }
    for (; k < n; k++) {
        double acc = 0;
        for (int i = 0; i < nt; i++) acc += c[i] * buf[h + k - (size_t)i];
        out[k] = acc;
    }
    memmove(buf, buf + n, h * sizeof *buf);
}

void p4_ffe_destroy(p4_ffe *f)
{
    if (f) free(f->c), free(f->work), free(f);
}

p4_status p4_dfe_init(p4_dfe *d, const double *b, int ntaps, const double lv[4])
{
    if (ntaps < 0 || ntaps > 64) return p4_error(P4_EINVAL, "DFE taps must be 0..64");
    memset(d, 0, sizeof *d);
    d->ntaps = ntaps;
    if (ntaps) memcpy(d->b, b, ntaps * sizeof *b);
    memcpy(d->lv, lv, 4 * sizeof *lv);
    p4_thresholds(lv, d->th);
    return P4_OK;
}

void p4_dfe_reset(p4_dfe *d) { memset(d->past, 0, sizeof d->past); }

void p4_dfe_run(p4_dfe *d, const double *y, size_t n, double *z, double *fb, uint8_t *dec)
{
    const int nt = d->ntaps;
    if (nt == 0) {
        for (size_t k = 0; k < n; k++) {
            z[k] = y[k];
            if (fb) fb[k] = 0;
            dec[k] = p4_slice(y[k], d->th);
        }
        return;
    }
    if (nt == 1) { /* the feedback is one of four products: a table instead of a multiply in the loop */
        const double t[4] = {0.0 + d->b[0] * d->lv[0], 0.0 + d->b[0] * d->lv[1], 0.0 + d->b[0] * d->lv[2],
                             0.0 + d->b[0] * d->lv[3]};
        double f = 0.0 + d->b[0] * d->past[0];
        uint8_t s = 0;
        for (size_t k = 0; k < n; k++) {
            double zz = y[k] - f;
            s = p4_slice(zz, d->th);
            z[k] = zz;
            if (fb) fb[k] = f;
            dec[k] = s;
            f = t[s];
        }
        if (n) d->past[0] = d->lv[s];
        return;
    }
    for (size_t k = 0; k < n; k++) {
        double f = 0;
        for (int j = 0; j < nt; j++) f += d->b[j] * d->past[j];
        double zz = y[k] - f;
        uint8_t s = p4_slice(zz, d->th);
        for (int j = nt - 1; j > 0; j--) d->past[j] = d->past[j - 1];
        d->past[0] = d->lv[s];
        z[k] = zz;
        if (fb) fb[k] = f;
        dec[k] = s;
    }
}

static double pulse_at(const double *p, int np, int t) { return t >= 0 && t < np ? p[t] : 0.0; }

/* The pulse's autocorrelation ac[k] = sum_m p[m] p[m+k], k = 0..nffe-1 */
static void pulse_autocorr(const double *p, int np, int nffe, double *ac)
{
    /* m outside, the lags inside: each ac[k] still sums over m in order, and the inner loop
     * vectorizes */
    for (int k = 0; k < nffe; k++) ac[k] = 0;
    int m = 0;
    for (; m + nffe <= np; m++) {
        const double pm = p[m], *q = p + m;
        for (int k = 0; k < nffe; k++) ac[k] += pm * q[k];
    }
    for (; m < np; m++)
        for (int k = 0; m + k < np; k++) ac[k] += p[m] * p[m + k];
}

/* Normalizes w to a unit main cursor, fills the DFE taps b with the equalized pulse's post-cursors
 * and returns the slicer SNR. The equalized pulse is heq[m] = sum_i w[i] p[m - i]; its energy over
 * every m is w'Aw with A[i][j] = ac[|i - j|], so the ISI (all of it but the main cursor and the
 * cursors the DFE removes) costs O(nffe^2 + nffe ndfe), not a pass over the whole pulse. */
static double finish(const double *p, int np, int cursor, const double *ac, const double *rn, double s2, int nffe,
                     int npre, int ndfe, double *w, double *b)
{
    int d = cursor + npre;
    double g = 0;
    for (int i = 0; i < nffe; i++) g += w[i] * pulse_at(p, np, d - i);
    if (g != 0)
        for (int i = 0; i < nffe; i++) w[i] /= g;
    double energy = 0, nv = 0;
    for (int i = 0; i < nffe; i++) {
        double ea = 0, en = 0;
        for (int j = 0; j < nffe; j++) ea += w[j] * ac[abs(i - j)], en += w[j] * rn[abs(i - j)];
        energy += w[i] * ea, nv += w[i] * en;
    }
    double isi = energy - (g != 0); /* the main cursor is 1 after the normalization (0 when g was) */
    for (int m = d + 1; m <= d + ndfe; m++) {
        double h = 0;
        for (int i = 0; i < nffe; i++) h += w[i] * pulse_at(p, np, m - i);
        b[m - d - 1] = h;
        isi -= h * h;
    }
    /* a difference lost in rounding (a pulse equalized all but completely, where phases would then
     * rank by rounding noise): the sum over the pulse itself */
    if (isi < 1e-9 * energy) {
        isi = 0;
        for (int m = 0; m < np + nffe - 1; m++) {
            if (m == d || (m > d && m <= d + ndfe)) continue;
            double h = 0;
            for (int i = 0; i < nffe; i++) h += w[i] * pulse_at(p, np, m - i);
            isi += h * h;
        }
    }
    double den = s2 * isi + nv;
    return den > 0 ? s2 / den : INFINITY;
}

p4_status p4_mmse_evaluate(const double *p, int np, int cursor, const double *rn, double s2, int nffe, int npre,
                           int ndfe, double *w, double *b, double *snr)
{
    if (nffe < 1 || nffe > 64 || npre < 0 || npre >= nffe) return p4_error(P4_EINVAL, "FFE pre-cursor taps must be 0..taps-1");
    double ac[64];
    pulse_autocorr(p, np, nffe, ac);
    *snr = finish(p, np, cursor, ac, rn, s2, nffe, npre, ndfe, w, b);
    return P4_OK;
}

p4_status p4_mmse_design(const double *p, int np, int cursor, const double *rn, double s2, int nffe, int npre,
                         int ndfe, double *w, double *b, double *snr)
{
    if (nffe < 1 || nffe > 64 || npre < 0 || npre >= nffe)
        return p4_error(P4_EINVAL, "p4_mmse_design: taps must be 1..64 and pre-cursor taps 0..taps-1");
    int d = cursor + npre;
    /* sum over every m of p[m-i] p[m-j] is the pulse's autocorrelation at lag i-j; the DFE's
     * post-cursors are then taken out: O(np nffe + nffe^2 ndfe) instead of O(np nffe^2). The
     * lower triangle of R, then its Cholesky factor in place (R = L L', at most 64 x 64 on the
     * stack: a library call per element costs more than the arithmetic here). */
    double ac[64], R[64][64], x[64];
    pulse_autocorr(p, np, nffe, ac);
    double tr = 0;
    for (int i = 0; i < nffe; i++)
        for (int j = 0; j <= i; j++) {
            double acc = ac[i - j];
            for (int m = d + 1; m <= d + ndfe; m++) acc -= pulse_at(p, np, m - i) * pulse_at(p, np, m - j);
            R[i][j] = s2 * acc + rn[i - j];
            if (i == j) tr += R[i][i];
        }
    /* a tiny diagonal load keeps a noise-free, rank-deficient problem solvable */
    for (int i = 0; i < nffe; i++) R[i][i] += 1e-12 * tr / nffe;
    for (int j = 0; j < nffe; j++) {
        double s = R[j][j];
        for (int k = 0; k < j; k++) s -= R[j][k] * R[j][k];
        if (!(s > 0)) return p4_error(P4_ENUM, "p4_mmse_design: the FFE correlation matrix is singular");
        double ljj = sqrt(s), inv = 1 / ljj;
        R[j][j] = ljj;
        for (int i = j + 1; i < nffe; i++) {
            double t = R[i][j];
            for (int k = 0; k < j; k++) t -= R[i][k] * R[j][k];
            R[i][j] = t * inv;
        }
    }
    /* L y = s2 p[d - i], then L' w = y */
    for (int i = 0; i < nffe; i++) {
        double t = s2 * pulse_at(p, np, d - i);
        for (int k = 0; k < i; k++) t -= R[i][k] * x[k];
        x[i] = t / R[i][i];
    }
    for (int i = nffe - 1; i >= 0; i--) {
        double t = x[i];
        for (int k = i + 1; k < nffe; k++) t -= R[k][i] * w[k];
        w[i] = t / R[i][i];
    }
    *snr = finish(p, np, cursor, ac, rn, s2, nffe, npre, ndfe, w, b);
    return P4_OK;
}
