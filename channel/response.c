/* response.c - frequency-grid responses and their impulse responses (design notes in response.h). */
#include "pam4sim/response.h"
#include "pam4sim/fftplan.h"
#include <fftw3.h>
#include <gsl/gsl_poly.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

p4_fresp *p4_fresp_create(size_t n, double fs_hz)
{
    if (n < 4 || n % 2 || !(fs_hz > 0)) {
        p4_error(P4_EINVAL, "p4_fresp_create: n must be even and >= 4, fs_hz > 0");
        return NULL;
    }
    p4_fresp *r = malloc(sizeof *r);
    if (!r) return NULL;
    r->n = n;
    r->fs_hz = fs_hz;
    r->H = malloc((n / 2 + 1) * sizeof *r->H);
    if (!r->H) {
        free(r);
        p4_error(P4_ENOMEM, "p4_fresp_create: out of memory");
        return NULL;
    }
    for (size_t k = 0; k <= n / 2; k++) r->H[k] = 1;
    return r;
}

void p4_fresp_free(p4_fresp *r)
{
    if (r) free(r->H), free(r);
}

p4_fresp *p4_fresp_copy(const p4_fresp *r)
{
    p4_fresp *c = p4_fresp_create(r->n, r->fs_hz);
    if (c) memcpy(c->H, r->H, (r->n / 2 + 1) * sizeof *c->H);
    return c;
}

void p4_fresp_mul(p4_fresp *a, const p4_fresp *b)
{
    for (size_t k = 0; k <= a->n / 2; k++) a->H[k] *= b->H[k];
}

double p4_fresp_db_at(const p4_fresp *r, double f)
{
    double x = f * r->n / r->fs_hz;
    size_t k = (size_t)x;
    if (k >= r->n / 2) return 20 * log10(cabs(r->H[r->n / 2]) + 1e-300);
    double t = x - k;
    double a = 20 * log10(cabs(r->H[k]) + 1e-300), b = 20 * log10(cabs(r->H[k + 1]) + 1e-300);
    return a + t * (b - a);
}

p4_status p4_fresp_from_samples(p4_fresp *r, const double *f, const double complex *h, size_t nf, double taper)
{
    if (nf < 2) return p4_error(P4_EINVAL, "p4_fresp_from_samples: need at least 2 frequency points");
    if (!(taper >= 0 && taper <= 0.5)) return p4_error(P4_EINVAL, "taper must be in [0, 0.5]");
    double *ph = malloc(nf * sizeof *ph);
    if (!ph) return p4_error(P4_ENOMEM, "out of memory");
    /* unwrapped phase, anchored so that a linear extrapolation reaches 0 at DC */
    ph[0] = f[0] > 0 ? carg(h[0]) : 0;
    for (size_t k = 1; k < nf; k++) {
        double d = carg(h[k]) - carg(h[k - 1]);
        d -= 2 * M_PI * floor((d + M_PI) / (2 * M_PI));
        ph[k] = ph[k - 1] + d;
    }
    double fmax = f[nf - 1], ftap = fmax * (1 - taper);
    size_t j = 0;
    for (size_t k = 0; k <= r->n / 2; k++) {
        double fk = p4_fresp_freq(r, k), mag, phase;
        if (fk > fmax) {
            r->H[k] = 0;
            continue;
        }
        if (fk <= f[0]) {
            mag = cabs(h[0]);
            phase = f[0] > 0 ? ph[0] * fk / f[0] : 0;
            if (f[0] == 0 && creal(h[0]) < 0) mag = -mag;
        } else {
            while (j + 1 < nf - 1 && f[j + 1] < fk) j++;
            double t = (fk - f[j]) / (f[j + 1] - f[j]);
            mag = cabs(h[j]) + t * (cabs(h[j + 1]) - cabs(h[j]));
            phase = ph[j] + t * (ph[j + 1] - ph[j]);
        }
        double w = fk <= ftap || taper == 0 ? 1 : 0.5 * (1 + cos(M_PI * (fk - ftap) / (fmax - ftap)));
        r->H[k] = w * mag * cexp(I * phase);
    }
    free(ph);
    return P4_OK;
}

void p4_fresp_gaussian(p4_fresp *r, double f3db)
{
    for (size_t k = 0; k <= r->n / 2; k++) {
        double x = p4_fresp_freq(r, k) / f3db;
        r->H[k] *= exp(-0.5 * M_LN2 * x * x);
    }
}

/* H(s) = prod(-p) / prod(s - p) with s = j f / f3db */
static void apply_poles(p4_fresp *r, const double complex *p, int n, double f3db)
{
    double complex num = 1;
    for (int i = 0; i < n; i++) num *= -p[i];
    for (size_t k = 0; k <= r->n / 2; k++) {
        double complex s = I * p4_fresp_freq(r, k) / f3db, den = 1;
        for (int i = 0; i < n; i++) den *= s - p[i];
        r->H[k] *= num / den;
    }
}

static double poles_mag(const double complex *p, int n, double w)
{
    double complex num = 1, den = 1;
    for (int i = 0; i < n; i++) num *= -p[i], den *= I * w - p[i];
    return cabs(num / den);
}

p4_status p4_fresp_bessel(p4_fresp *r, int order, double f3db)
{
    if (order < 1 || order > 10) return p4_error(P4_EINVAL, "Bessel-Thomson order must be 1..10");
    double a[11], z[22];
    for (int k = 0; k <= order; k++) { /* reverse Bessel polynomial (2n-k)!/(2^(n-k) k! (n-k)!) */
        double c = 1;
        for (int i = order - k + 1; i <= 2 * order - k; i++) c *= i; /* (2n-k)!/(n-k)! */
        for (int i = 2; i <= k; i++) c /= i;
        a[k] = c / pow(2, order - k);
    }
    gsl_poly_complex_workspace *w = gsl_poly_complex_workspace_alloc(order + 1);
    int st = gsl_poly_complex_solve(a, order + 1, w, z);
    gsl_poly_complex_workspace_free(w);
    if (st) return p4_error(P4_ENUM, "p4_fresp_bessel: pole computation failed");
    double complex p[10];
    for (int i = 0; i < order; i++) p[i] = z[2 * i] + I * z[2 * i + 1];
    double lo = 0.01, hi = 100; /* find the 3-dB frequency of the delay-normalized filter */
    for (int it = 0; it < 200; it++) {
        double mid = sqrt(lo * hi);
        if (poles_mag(p, order, mid) > M_SQRT1_2) lo = mid; else hi = mid;
    }
    for (int i = 0; i < order; i++) p[i] /= lo;
    apply_poles(r, p, order, f3db);
    return P4_OK;
}

void p4_fresp_butterworth(p4_fresp *r, int order, double f3db)
{
    double complex p[32];
    for (int k = 1; k <= order && k <= 32; k++) p[k - 1] = cexp(I * M_PI * (2.0 * k + order - 1) / (2.0 * order));
    apply_poles(r, p, order, f3db);
}

void p4_fresp_ctle(p4_fresp *r, double gdc_db, double gdchp_db, double fz, double fp1, double fp2, double flf)
{
    double g = pow(10, gdc_db / 20), ghp = pow(10, gdchp_db / 20);
    for (size_t k = 0; k <= r->n / 2; k++) {
        double f = p4_fresp_freq(r, k);
        double complex h = (g + I * f / fz) / ((1 + I * f / fp1) * (1 + I * f / fp2));
        h *= (ghp + I * f / flf) / (1 + I * f / flf);
        r->H[k] *= h;
    }
}

void p4_fresp_taps(p4_fresp *r, const double *taps, int ntaps, double spacing_s)
{
    for (size_t k = 0; k <= r->n / 2; k++) {
        double f = p4_fresp_freq(r, k);
        double complex h = 0;
        for (int i = 0; i < ntaps; i++) h += taps[i] * cexp(-2 * M_PI * I * f * i * spacing_s);
        r->H[k] *= h;
    }
}

void p4_fresp_delay(p4_fresp *r, double delay_s)
{
    for (size_t k = 0; k <= r->n / 2; k++) r->H[k] *= cexp(-2 * M_PI * I * p4_fresp_freq(r, k) * delay_s);
}

p4_status p4_fresp_min_phase(p4_fresp *r)
{
    size_t n = r->n;
    double complex *X = fftw_alloc_complex(n);
    if (!X) return p4_error(P4_ENOMEM, "out of memory");
    fftw_plan fwd = p4_fft_plan(P4_FFT_FWD_IP, n), inv = p4_fft_plan(P4_FFT_BWD_IP, n);
    if (!fwd || !inv) {
        fftw_free(X);
        return p4_error(P4_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k <= n / 2; k++) {
        double m = log(fmax(cabs(r->H[k]), 1e-200));
        X[k] = m;
        if (k && k < n / 2) X[n - k] = m;
    }
    fftw_execute_dft(inv, X, X); /* real cepstrum (times n) */
    for (size_t k = 1; k < n / 2; k++) X[k] *= 2, X[n - k] = 0;
    for (size_t k = 0; k < n; k++) X[k] /= (double)n;
    fftw_execute_dft(fwd, X, X);
    for (size_t k = 0; k <= n / 2; k++) r->H[k] = cexp(X[k]);
    fftw_free(X);
    return P4_OK;
}

p4_status p4_fresp_impulse(const p4_fresp *r, double *h)
{
    size_t n = r->n;
    double complex *X = fftw_alloc_complex(n / 2 + 1);
    double *y = fftw_alloc_real(n);
    fftw_plan p = p4_fft_plan(P4_FFT_C2R, n);
    if (!X || !y || !p) {
        fftw_free(X), fftw_free(y);
        return p4_error(P4_ENOMEM, "out of memory");
    }
    memcpy(X, r->H, (n / 2 + 1) * sizeof *X);
    X[0] = creal(X[0]);
    X[n / 2] = creal(X[n / 2]);
    fftw_execute_dft_c2r(p, X, y);
    for (size_t k = 0; k < n; k++) h[k] = y[k] / (double)n;
    fftw_free(X);
    fftw_free(y);
    return P4_OK;
}

p4_status p4_impulse_truncate(const double *full, size_t n, double tail_rel, size_t margin, size_t max_len,
                              p4_impulse *out)
{
    size_t pk = 0;
    double total = 0;
    for (size_t k = 0; k < n; k++) {
        total += full[k] * full[k];
        if (fabs(full[k]) > fabs(full[pk])) pk = k;
    }
    out->h = NULL;
    out->len = 0;
    if (total == 0) return p4_error(P4_EINVAL, "impulse response is zero");
    double thr = 1e-4 * fabs(full[pk]);
    long start = (long)pk;
    for (long d = 1; d < (long)(n / 4); d++) { /* earliest sample above threshold, a quarter period back */
        long i = ((long)pk - d) % (long)n;
        if (i < 0) i += (long)n;
        if (fabs(full[i]) > thr) start = (long)pk - d;
    }
    start -= (long)margin;
    /* end: remaining energy (within half a period after start) below tail_rel */
    double acc = 0;
    size_t len = 0, span = n / 2 + n / 4;
    for (size_t d = 0; d < span; d++) {
        long i = (start + (long)d) % (long)n;
        if (i < 0) i += (long)n;
        acc += full[i] * full[i];
        len = d + 1;
        if (total - acc <= tail_rel * total && (long)d > (long)pk - start) break;
    }
    if (len > max_len) len = max_len;
    out->h = malloc(len * sizeof *out->h);
    if (!out->h) return p4_error(P4_ENOMEM, "out of memory");
    for (size_t d = 0; d < len; d++) {
        long i = (start + (long)d) % (long)n;
        if (i < 0) i += (long)n;
        out->h[d] = full[i];
    }
    out->len = len;
    out->lead = start;
    return P4_OK;
}

void p4_impulse_free(p4_impulse *imp)
{
    free(imp->h);
    imp->h = NULL;
    imp->len = 0;
}
