/* response.c - frequency-grid responses and their impulse responses (design notes in response.h). */
#include "pam4sim/response.h"
#include "fftplan.h"
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

static double taper_weight(double fk, double fmax, double taper)
{
    double ftap = fmax * (1 - taper);
    return fk <= ftap || taper == 0 ? 1 : 0.5 * (1 + cos(M_PI * (fk - ftap) / (fmax - ftap)));
}

/* Samples on a uniform grid from DC (or from its step) whose step divides fs into an even number n0 of bins: the
 * file's own impulse response (n0 samples at fs, its period 1/step, the second half negative
 * time), laid into the n-sample period (folded when n < n0) and transformed: every file point is
 * kept exactly and the bins between are the time-limited interpolation, not an interpolation of
 * magnitude and phase, which fails where a response's phase turns by ~pi between two file points
 * (crosstalk near its nulls, long delays). Returns 0 when the grid does not qualify. */
static int from_uniform(p4_fresp *r, const double *f, const double complex *h, size_t nf, double taper, p4_status *st)
{
    double df = f[1] - f[0];
    if (!(df > 0)) return 0;
    size_t k0 = f[0] == 0 ? 0 : 1; /* a grid from df: DC is the first point's magnitude, real */
    if (k0 && fabs(f[0] - df) > 1e-6 * df) return 0;
    for (size_t k = 1; k < nf; k++)
        if (fabs(f[k] - (double)(k + k0) * df) > 1e-6 * df) return 0;
    double m = r->fs_hz / df;
    size_t n0 = (size_t)llround(m), n = r->n;
    if (fabs(m - (double)n0) > 1e-6 * m || n0 % 2 || n0 < 4 || n0 > (1u << 24)) return 0;
    double *x = fftw_alloc_real(n0 > n ? n0 : n), *y = fftw_alloc_real(n);
    fftw_complex *X = fftw_alloc_complex((n0 > n ? n0 : n) / 2 + 1);
    *st = P4_OK;
    if (!x || !y || !X) {
        fftw_free(x), fftw_free(y), fftw_free(X);
        *st = p4_error(P4_ENOMEM, "out of memory");
        return 1;
    }
    double fmax = f[nf - 1];
    for (size_t k = 0; k <= n0 / 2; k++)
        X[k] = k >= k0 && k - k0 < nf ? taper_weight((double)k * df, fmax, taper) * h[k - k0] : 0;
    if (k0) X[0] = creal(h[0]) < 0 ? -cabs(h[0]) : cabs(h[0]);
    X[0] = creal(X[0]), X[n0 / 2] = creal(X[n0 / 2]);
    fftw_plan b = fftw_plan_dft_c2r_1d((int)n0, X, x, FFTW_ESTIMATE);
    fftw_execute(b);
    fftw_destroy_plan(b);
    memset(y, 0, n * sizeof *y);
    for (size_t t = 0; t < n0; t++) {
        long tt = t < n0 / 2 ? (long)t : (long)t - (long)n0, i = tt % (long)n;
        y[i < 0 ? i + (long)n : i] += x[t] / (double)n0;
    }
    fftw_plan fw = fftw_plan_dft_r2c_1d((int)n, y, X, FFTW_ESTIMATE);
    fftw_execute(fw);
    fftw_destroy_plan(fw);
    for (size_t k = 0; k <= n / 2; k++) r->H[k] = p4_fresp_freq(r, k) > fmax ? 0 : X[k];
    fftw_free(x), fftw_free(y), fftw_free(X);
    return 1;
}

p4_status p4_fresp_from_samples(p4_fresp *r, const double *f, const double complex *h, size_t nf, double taper)
{
    return p4_fresp_from_samples_pow(r, f, h, nf, taper, 1);
}

/* power != 1: |h|^power and power x the unwrapped phase at the file's points, then the same
 * interpolation; power == 1 takes no pow() at all, so it gives the plain response bit for bit. */
p4_status p4_fresp_from_samples_pow(p4_fresp *r, const double *f, const double complex *h, size_t nf, double taper,
                                    double power)
{
    if (nf < 2) return p4_error(P4_EINVAL, "p4_fresp_from_samples: need at least 2 frequency points");
    if (!isfinite(power)) return p4_error(P4_EINVAL, "p4_fresp_from_samples_pow: the power must be finite");
    if (!(taper >= 0 && taper <= 0.5)) return p4_error(P4_EINVAL, "taper must be in [0, 0.5]");
    double *ph = malloc(2 * nf * sizeof *ph), *am = ph + nf;
    if (!ph) return p4_error(P4_ENOMEM, "out of memory");
    /* unwrapped phase, anchored so that a linear extrapolation reaches 0 at DC */
    ph[0] = f[0] > 0 ? carg(h[0]) : 0;
    for (size_t k = 1; k < nf; k++) {
        double d = carg(h[k]) - carg(h[k - 1]);
        d -= 2 * M_PI * floor((d + M_PI) / (2 * M_PI));
        ph[k] = ph[k - 1] + d;
    }
    for (size_t k = 0; k < nf; k++) am[k] = cabs(h[k]);
    if (power != 1)
        for (size_t k = 0; k < nf; k++) am[k] = pow(am[k], power), ph[k] *= power;
    double fmax = f[nf - 1];
    /* a uniform grid from DC (or from its step) is used point for point; a powered file (a line
     * `power` times as long) is that response raised on the link's own grid: |H|^power and power
     * times its phase unwrapped along the grid (raising the file's samples first would make an
     * impulse longer than the file's period 1/df, which would wrap) */
    {
        p4_status ust;
        if (from_uniform(r, f, h, nf, taper, &ust)) {
            free(ph);
            if (ust || power == 1) return ust;
            double prev = 0, acc = 0;
            for (size_t k = 0; k <= r->n / 2; k++) {
                double a = carg(r->H[k]), d = a - prev;
                d -= 2 * M_PI * floor((d + M_PI) / (2 * M_PI));
                acc = k ? acc + d : (creal(r->H[0]) < 0 ? 0 : a), prev = a;
                double m = cabs(r->H[k]);
                if (m == 0) continue;
                double sign = k == 0 && creal(r->H[0]) < 0 ? -1 : 1; /* a polarity, kept as it is */
                r->H[k] = sign * pow(m, power) * cexp(I * power * acc);
            }
            return P4_OK;
        }
    }
    size_t j = 0;
    for (size_t k = 0; k <= r->n / 2; k++) {
        double fk = p4_fresp_freq(r, k), mag, phase;
        if (fk > fmax) {
            r->H[k] = 0;
            continue;
        }
        if (fk <= f[0]) {
            mag = am[0];
            phase = f[0] > 0 ? ph[0] * fk / f[0] : 0;
            if (f[0] == 0 && creal(h[0]) < 0) mag = -mag; /* a polarity, kept as it is at any power */
        } else {
            while (j + 1 < nf - 1 && f[j + 1] < fk) j++;
            double t = (fk - f[j]) / (f[j + 1] - f[j]);
            mag = am[j] + t * (am[j + 1] - am[j]);
            phase = ph[j] + t * (ph[j + 1] - ph[j]);
        }
        r->H[k] = taper_weight(fk, fmax, taper) * mag * cexp(I * phase);
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

void p4_fresp_nyquist_taper(p4_fresp *r, double fraction)
{
    if (!(fraction > 0)) return;
    const size_t half = r->n / 2;
    for (size_t k = 0; k <= half; k++) r->H[k] *= taper_weight((double)k, (double)half, fraction > 1 ? 1 : fraction);
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

/* energy of the circular window [s, s + len) from the prefix sums e[0..n] (e[k]: samples 0..k-1) */
static double window_energy(const double *e, size_t n, long s, size_t len)
{
    long m = s % (long)n;
    if (m < 0) m += (long)n;
    size_t a = (size_t)m, b = a + len;
    if (b <= n) return e[b] - e[a];
    return e[n] - e[a] + e[b - n];
}

static long floor_to(long x, size_t align)
{
    long a = (long)align;
    return x >= 0 ? x / a * a : -((-x + a - 1) / a) * a;
}

p4_status p4_impulse_truncate(const double *full, size_t n, double tail_rel, size_t margin, size_t max_len,
                              size_t align, p4_impulse *out)
{
    out->h = NULL;
    out->len = 0;
    out->dropped = 0;
    if (align < 1) align = 1;
    if (max_len < 1) return p4_error(P4_EINVAL, "p4_impulse_truncate: max_len must be >= 1");
    double *e = malloc((n + 1) * sizeof *e);
    if (!e) return p4_error(P4_ENOMEM, "out of memory");
    size_t pk = 0;
    e[0] = 0;
    for (size_t k = 0; k < n; k++) {
        e[k + 1] = e[k] + full[k] * full[k];
        if (fabs(full[k]) > fabs(full[pk])) pk = k;
    }
    double total = e[n];
    if (total == 0) {
        free(e);
        return p4_error(P4_EINVAL, "impulse response is zero");
    }
    double thr = 1e-4 * fabs(full[pk]);
    long start = (long)pk;
    for (long d = 1; d < (long)(n / 4); d++) { /* earliest sample above threshold, a quarter period back */
        long i = ((long)pk - d) % (long)n;
        if (i < 0) i += (long)n;
        if (fabs(full[i]) > thr) start = (long)pk - d;
    }
    start = floor_to(start - (long)margin, align);
    /* end: remaining energy (within three quarters of a period after start) below tail_rel */
    size_t len = 0, span = n / 2 + n / 4;
    for (size_t d = 0; d < span; d++) {
        len = d + 1;
        if (total - window_energy(e, n, start, len) <= tail_rel * total && (long)d > (long)pk - start) break;
    }
    if (len > max_len) {
        /* the cap binds: the most energetic window of max_len samples among those that keep the peak
         * with `margin` samples before it, its start on the alignment grid */
        long hi = floor_to((long)pk - (long)(margin < max_len / 2 ? margin : 0), align);
        long lo = (long)pk - (long)max_len + 1;
        double best = -1;
        for (long s = hi; s >= lo; s -= (long)align) {
            double w = window_energy(e, n, s, max_len);
            if (w > best) best = w, start = s;
        }
        len = max_len;
    }
    out->dropped = fmax(0, 1 - window_energy(e, n, start, len) / total);
    free(e);
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
