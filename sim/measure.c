/* measure.c - counts, Clopper-Pearson intervals, eye figures (see measure.h). */
#include "pam4sim/measure.h"
#include "pam4sim/pam4.h"
#include <gsl/gsl_cdf.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

p4_status p4_counts_init(p4_counts *c, int sps, int with_eye)
{
    memset(c, 0, sizeof *c);
    c->sps = sps;
    if (with_eye) {
        c->eye = calloc((size_t)4 * sps * P4_EYE_BINS, sizeof *c->eye);
        if (!c->eye) return p4_error(P4_ENOMEM, "out of memory for the eye histogram");
    }
    return P4_OK;
}

void p4_counts_add(p4_counts *d, const p4_counts *s)
{
    d->symbols += s->symbols;
    d->symbol_errors += s->symbol_errors;
    d->bits += s->bits;
    d->bit_errors += s->bit_errors;
    d->eye_symbols += s->eye_symbols;
    if (d->eye && s->eye && s->eye_symbols)
        for (size_t i = 0; i < (size_t)4 * d->sps * P4_EYE_BINS; i++) d->eye[i] += s->eye[i];
    /* every member of p4_fec_counts is a 64-bit integer (the one signed sum adds the same way in
     * two's complement), so the struct adds as an array */
    const size_t nu = P4_FEC_WORDS;
    uint64_t *du = (uint64_t *)&d->fec;
    const uint64_t *su = (const uint64_t *)&s->fec;
    for (size_t i = 0; i < nu; i++) du[i] += su[i];
}

void p4_counts_compare(p4_counts *c, const uint8_t *sent, const uint8_t *got, size_t n, size_t burst_gap)
{
    uint64_t se = 0, be = 0;
    p4_fec_counts *fc = &c->fec;
    size_t run = 0, ev = 0, gap = 0;
    for (size_t t = 0; t < n; t++) {
        if (sent[t] != got[t]) {
            se++, be += (uint64_t)p4_bit_errors(sent[t], got[t]);
            run++, ev++, gap = 0;
        } else {
            if (run) fc->run_hist[run < P4_HIST - 1 ? run : P4_HIST - 1]++, run = 0;
            if (ev && ++gap > burst_gap) fc->event_hist[ev < P4_HIST - 1 ? ev : P4_HIST - 1]++, ev = 0, gap = 0;
        }
    }
    if (run) fc->run_hist[run < P4_HIST - 1 ? run : P4_HIST - 1]++;
    if (ev) fc->event_hist[ev < P4_HIST - 1 ? ev : P4_HIST - 1]++;
    c->symbols += n, c->symbol_errors += se, c->bits += 2 * n, c->bit_errors += be;
}

void p4_fec_extrapolate(const p4_fec_counts *f, double *flr_binomial, double *flr_compound)
{
    *flr_binomial = *flr_compound = NAN;
    if (!f->codewords || !f->rs_symbol_errors || !f->rs_symbols) return;
    double p = (double)f->rs_symbol_errors / (double)f->rs_symbols;
    *flr_binomial = gsl_cdf_binomial_Q(15, p, 544);
    /* compound Poisson: f(0) = exp(-lambda), f(n) = lambda/n sum_s s q(s) f(n-s) */
    double lambda = (double)f->rs_events / (double)f->codewords, q[P4_HIST] = {0};
    if (!f->rs_events) return;
    for (int s = 1; s < P4_HIST; s++) q[s] = (double)f->rs_event_hist[s] / (double)f->rs_events;
    double pmf[545] = {0}, head = 0;
    pmf[0] = exp(-lambda);
    for (int n = 1; n <= 544; n++) {
        double acc = 0;
        for (int s = 1; s < P4_HIST && s <= n; s++) acc += s * q[s] * pmf[n - s];
        pmf[n] = lambda / n * acc;
    }
    for (int n = 0; n <= 15; n++) head += pmf[n];
    double tail = 0;
    for (int n = 544; n > 15; n--) tail += pmf[n];
    /* the tail sum is accurate when tiny; 1 - head when the tail is large */
    *flr_compound = tail > 1e-3 ? 1 - head : tail;
}

void p4_counts_clear(p4_counts *c, int eye_too)
{
    uint32_t *eye = c->eye;
    int sps = c->sps;
    if (eye && eye_too) memset(eye, 0, (size_t)4 * sps * P4_EYE_BINS * sizeof *eye);
    memset(c, 0, sizeof *c);
    c->eye = eye, c->sps = sps;
}

size_t p4_counts_pack(const p4_counts *c, uint64_t *w)
{
    size_t ne = c->eye ? (size_t)4 * c->sps * P4_EYE_BINS : 0, n = 5 + P4_FEC_WORDS + ne;
    if (!w) return n;
    w[0] = c->symbols, w[1] = c->symbol_errors, w[2] = c->bits, w[3] = c->bit_errors, w[4] = c->eye_symbols;
    memcpy(w + 5, &c->fec, sizeof c->fec);
    for (size_t i = 0; i < ne; i++) w[5 + P4_FEC_WORDS + i] = c->eye[i];
    return n;
}

void p4_counts_unpack(p4_counts *c, const uint64_t *w)
{
    c->symbols = w[0], c->symbol_errors = w[1], c->bits = w[2], c->bit_errors = w[3], c->eye_symbols = w[4];
    memcpy(&c->fec, w + 5, sizeof c->fec);
    if (c->eye)
        for (size_t i = 0; i < (size_t)4 * c->sps * P4_EYE_BINS; i++) c->eye[i] = (uint32_t)w[5 + P4_FEC_WORDS + i];
}

void p4_counts_free(p4_counts *c)
{
    free(c->eye);
    c->eye = NULL;
}

/* Solve F(p) = target for p in (0, 1) by bisection on log p (F increasing in p). GSL's
 * gsl_cdf_beta_Pinv does not converge for the n ~ 1e9 a BER count reaches; its forward CDF does. */
static double beta_solve(double a, double b, double target)
{
    double lo = -745, hi = 0; /* log p */
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (gsl_cdf_beta_P(exp(mid), a, b) < target) lo = mid; else hi = mid;
    }
    return exp(0.5 * (lo + hi));
}

void p4_clopper_pearson(uint64_t k, uint64_t n, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0, *hi = 1;
        return;
    }
    const double a = 0.05;
    *lo = k == 0 ? 0.0 : beta_solve((double)k, (double)(n - k + 1), a / 2);
    *hi = k == n ? 1.0 : beta_solve((double)(k + 1), (double)(n - k), 1 - a / 2);
}

static double bin_lo(int b) { return -P4_EYE_RANGE + 2 * P4_EYE_RANGE * b / P4_EYE_BINS; }
static double bin_w(void) { return 2 * P4_EYE_RANGE / P4_EYE_BINS; }

/* Highest value v with P(x > v) <= ber (upper tail of the lower level). */
static double upper_tail(const uint32_t *h, uint64_t n, double ber)
{
    double allow = ber * (double)n, acc = 0;
    for (int b = P4_EYE_BINS - 1; b >= 0; b--) {
        if (acc + h[b] > allow) return bin_lo(b) + bin_w() * (1 - (allow - acc) / h[b]);
        acc += h[b];
    }
    return bin_lo(0);
}

/* Lowest value v with P(x < v) <= ber (lower tail of the upper level). */
static double lower_tail(const uint32_t *h, uint64_t n, double ber)
{
    double allow = ber * (double)n, acc = 0;
    for (int b = 0; b < P4_EYE_BINS; b++) {
        if (acc + h[b] > allow) return bin_lo(b) + bin_w() * (allow - acc) / h[b];
        acc += h[b];
    }
    return bin_lo(P4_EYE_BINS);
}

static uint64_t total(const uint32_t *h)
{
    uint64_t n = 0;
    for (int b = 0; b < P4_EYE_BINS; b++) n += h[b];
    return n;
}

static double mean(const uint32_t *h, uint64_t n)
{
    double s = 0;
    for (int b = 0; b < P4_EYE_BINS; b++) s += h[b] * (bin_lo(b) + 0.5 * bin_w());
    return n ? s / (double)n : NAN;
}

void p4_eye_measure(const p4_counts *c, const double th[3], double ber, p4_eye *o)
{
    memset(o, 0, sizeof *o);
    o->vec_db = 0;
    if (!c->eye) {
        for (int e = 0; e < 3; e++) o->height[e] = o->width_ui[e] = o->spacing[e] = NAN;
        o->vec_db = NAN;
        return;
    }
    int sps = c->sps, q0 = sps / 2;
#define H(lv, q) (c->eye + ((size_t)(lv) * sps + (q)) * P4_EYE_BINS)
    o->min_level_samples = UINT64_MAX;
    for (int lv = 0; lv < 4; lv++) {
        uint64_t n = total(H(lv, q0));
        if (n < o->min_level_samples) o->min_level_samples = n;
    }
    for (int e = 0; e < 3; e++) {
        double margin[P4_EYE_MAX_SPS];
        int enough = 1;
        for (int q = 0; q < sps; q++) {
            const uint32_t *lo = H(e, q), *hi = H(e + 1, q);
            uint64_t nl = total(lo), nh = total(hi);
            if (ber * (double)nl < 1 || ber * (double)nh < 1) enough = 0;
            double vl = upper_tail(lo, nl, ber), vh = lower_tail(hi, nh, ber);
            margin[q] = fmin(vh - th[e], th[e] - vl);
            if (q == q0) {
                o->height[e] = fmax(0, vh - vl);
                o->spacing[e] = mean(hi, nh) - mean(lo, nl);
            }
        }
        if (!enough) {
            o->height[e] = o->width_ui[e] = NAN;
            o->vec_db = NAN;
            continue;
        }
        if (margin[q0] <= 0) {
            o->width_ui[e] = 0;
        } else {
            double left = 0, right = sps - 1; /* default: open across the whole window */
            for (int q = q0; q > 0; q--)
                if (margin[q - 1] <= 0) {
                    left = q - margin[q] / (margin[q] - margin[q - 1]);
                    break;
                }
            for (int q = q0; q < sps - 1; q++)
                if (margin[q + 1] <= 0) {
                    right = q + margin[q] / (margin[q] - margin[q + 1]);
                    break;
                }
            o->width_ui[e] = (right - left) / sps;
        }
        double v = o->height[e] > 0 ? 20 * log10(o->spacing[e] / o->height[e]) : INFINITY;
        if (!isnan(o->vec_db) && v > o->vec_db) o->vec_db = v;
    }
#undef H
}
