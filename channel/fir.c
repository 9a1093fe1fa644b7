/* fir.c - multi-input overlap-save FIR (see fir.h). */
#include "pam4sim/fir.h"
#include "fftplan.h"
#include "../dsp/clones.h"
#include <complex.h>
#include <fftw3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The shortest transform. A hop of N - L + 1 outputs costs an r2c per input and a c2r of N points,
 * whose cost per point grows with N (log N, and the cache beyond about 16384 points), so the
 * length is the power of two >= 4 L (at most a quarter of each transform spent on the overlap), from
 * 2048 (a 105-tap response no longer pays for 8192-point transforms). */
#define FIR_MIN_N 2048

struct p4_fir {
    int nin;
    size_t L, N, hop;         /* longest response, FFT length, new samples per transform */
    double complex **H;       /* per input, N/2+1 bins, scaled by 1/N */
    double **hist;            /* per input, last L-1 input samples */
    unsigned char *quiet;     /* per input: its history is all zero (a NULL block keeps it so) */
    double *buf;              /* time-domain work buffer, N */
    double complex *X, *acc;  /* spectra, N/2+1 */
    fftw_plan fwd, inv;
};

void p4_fir_destroy(p4_fir *f)
{
    if (!f) return;
    for (int i = 0; i < f->nin; i++) {
        if (f->H) fftw_free(f->H[i]);
        if (f->hist) free(f->hist[i]);
    }
    free(f->H);
    free(f->hist);
    free(f->quiet);
    fftw_free(f->buf);
    fftw_free(f->X);
    fftw_free(f->acc);
    free(f);
}

p4_fir *p4_fir_create(int nin, const double *const *h, const size_t *len)
{
    if (nin < 1 || nin > 256) {
        p4_error(P4_EINVAL, "p4_fir_create: ninputs must be 1..256");
        return NULL;
    }
    p4_fir *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->nin = nin;
    for (int i = 0; i < nin; i++) {
        if (len[i] < 1) {
            free(f);
            p4_error(P4_EINVAL, "p4_fir_create: every response needs at least one tap");
            return NULL;
        }
        if (len[i] > f->L) f->L = len[i];
    }
    f->N = FIR_MIN_N;
    while (f->N < 4 * f->L) f->N *= 2;
    f->hop = f->N - f->L + 1;
    size_t nb = f->N / 2 + 1;
    f->H = calloc(nin, sizeof *f->H);
    f->hist = calloc(nin, sizeof *f->hist);
    f->quiet = malloc(nin);
    f->buf = fftw_alloc_real(f->N);
    f->X = fftw_alloc_complex(nb);
    f->acc = fftw_alloc_complex(nb);
    if (!f->H || !f->hist || !f->quiet || !f->buf || !f->X || !f->acc) goto nomem;
    f->fwd = p4_fft_plan(P4_FFT_R2C, f->N), f->inv = p4_fft_plan(P4_FFT_C2R, f->N);
    if (!f->fwd || !f->inv) goto nomem;
    for (int i = 0; i < nin; i++) {
        f->H[i] = fftw_alloc_complex(nb);
        f->hist[i] = calloc(f->L, sizeof(double));
        if (!f->H[i] || !f->hist[i]) goto nomem;
        memset(f->buf, 0, f->N * sizeof *f->buf);
        memcpy(f->buf, h[i], len[i] * sizeof *f->buf);
        fftw_execute_dft_r2c(f->fwd, f->buf, f->H[i]);
        for (size_t k = 0; k < nb; k++) f->H[i][k] /= (double)f->N;
        f->quiet[i] = 1;
    }
    return f;
nomem:
    p4_fir_destroy(f);
    p4_error(P4_ENOMEM, "p4_fir_create: out of memory");
    return NULL;
}

size_t p4_fir_hop(const p4_fir *f) { return f->hop; }
size_t p4_fir_fft_len(const p4_fir *f) { return f->N; }

void p4_fir_reset(p4_fir *f)
{
    for (int i = 0; i < f->nin; i++) memset(f->hist[i], 0, f->L * sizeof(double)), f->quiet[i] = 1;
}

/* acc = X H (add: acc += X H) over nb bins, the complex products written out (re = ac - bd,
 * im = ad + bc: what the compiler's complex multiply computes for finite values, without its
 * per-element check for NaN, which keeps the loop from vectorising). */
P4_CLONES void p4_spec_mac(double complex *acc_c, const double complex *X_c, const double complex *H_c, size_t nb,
                          int add)
{
    double *acc = (double *)acc_c;
    const double *X = (const double *)X_c, *H = (const double *)H_c;
    if (add)
        for (size_t n = 0; n < 2 * nb; n += 2) {
            const double a = X[n], b = X[n + 1], c = H[n], d = H[n + 1];
            acc[n] += a * c - b * d, acc[n + 1] += a * d + b * c;
        }
    else
        for (size_t n = 0; n < 2 * nb; n += 2) {
            const double a = X[n], b = X[n + 1], c = H[n], d = H[n + 1];
            acc[n] = a * c - b * d, acc[n + 1] = a * d + b * c;
        }
}

static void run_one(p4_fir *f, const double *const *in, size_t off, size_t n, double *out)
{
    size_t nb = f->N / 2 + 1, h = f->L - 1;
    int any = 0;
    for (int i = 0; i < f->nin; i++) {
        if (!in[i] && f->quiet[i]) continue; /* zeros in, zeros held: contributes nothing */
        memcpy(f->buf, f->hist[i], h * sizeof(double));
        if (in[i]) memcpy(f->buf + h, in[i] + off, n * sizeof(double));
        else memset(f->buf + h, 0, n * sizeof(double));
        memset(f->buf + h + n, 0, (f->N - h - n) * sizeof(double));
        /* keep the last L-1 samples for the next call */
        memcpy(f->hist[i], f->buf + n, h * sizeof(double));
        f->quiet[i] = !in[i] && n >= h;
        fftw_execute_dft_r2c(f->fwd, f->buf, f->X);
        const double complex *H = f->H[i];
        p4_spec_mac(f->acc, f->X, H, nb, any);
        any = 1;
    }
    if (!any) {
        memset(out + off, 0, n * sizeof(double));
        return;
    }
    fftw_execute_dft_c2r(f->inv, f->acc, f->buf);
    memcpy(out + off, f->buf + h, n * sizeof(double));
}

void p4_fir_run(p4_fir *f, const double *const *in, size_t n, double *out)
{
    for (size_t off = 0; off < n; off += f->hop) run_one(f, in, off, n - off < f->hop ? n - off : f->hop, out);
}

/* ---- complex overlap-save ---- */

#define CFIR_DIRECT 32 /* up to this many taps a direct loop beats two c2c transforms per hop */

struct p4_cfir {
    size_t L, N, hop;
    double complex *h;        /* direct form: the taps, and hist holds the last L-1 inputs */
    double complex *H, *hist, *buf;
    fftw_plan fwd, inv;
};

void p4_cfir_destroy(p4_cfir *f)
{
    if (!f) return;
    fftw_free(f->H);
    fftw_free(f->buf);
    free(f->hist);
    free(f->h);
    free(f);
}

p4_cfir *p4_cfir_create(const double complex *h, size_t len)
{
    if (len < 1) {
        p4_error(P4_EINVAL, "p4_cfir_create: the response needs at least one tap");
        return NULL;
    }
    p4_cfir *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->L = len;
    if (len <= CFIR_DIRECT) {
        f->h = malloc(len * sizeof *f->h);
        f->hist = calloc(len, sizeof *f->hist);
        if (!f->h || !f->hist) {
            p4_cfir_destroy(f);
            p4_error(P4_ENOMEM, "p4_cfir_create: out of memory");
            return NULL;
        }
        memcpy(f->h, h, len * sizeof *h);
        f->hop = SIZE_MAX;
        return f;
    }
    f->N = 4096;
    while (f->N < 4 * len) f->N *= 2;
    f->hop = f->N - len + 1;
    f->H = fftw_alloc_complex(f->N);
    f->buf = fftw_alloc_complex(f->N);
    f->hist = calloc(len, sizeof *f->hist);
    if (!f->H || !f->buf || !f->hist) {
        p4_cfir_destroy(f);
        p4_error(P4_ENOMEM, "p4_cfir_create: out of memory");
        return NULL;
    }
    f->fwd = p4_fft_plan(P4_FFT_FWD_IP, f->N), f->inv = p4_fft_plan(P4_FFT_BWD_IP, f->N);
    if (!f->fwd || !f->inv) {
        p4_cfir_destroy(f);
        p4_error(P4_ENOMEM, "p4_cfir_create: out of memory");
        return NULL;
    }
    memset(f->buf, 0, f->N * sizeof *f->buf);
    memcpy(f->buf, h, len * sizeof *h);
    fftw_execute_dft(f->fwd, f->buf, f->buf); /* the plan is in place: used in place */
    for (size_t k = 0; k < f->N; k++) f->H[k] = f->buf[k] / (double)f->N;
    return f;
}

size_t p4_cfir_hop(const p4_cfir *f) { return f->hop; }
void p4_cfir_reset(p4_cfir *f) { memset(f->hist, 0, f->L * sizeof *f->hist); }

void p4_cfir_run(p4_cfir *f, const double complex *in, size_t n, double complex *out)
{
    size_t h = f->L - 1;
    if (f->h) { /* direct form: out[t] = sum_j h[j] x[t - j]; hist[0..h) holds the h inputs before
                 * the block, oldest first. Backwards in t, so that in == out is allowed. */
        const double complex *hh = f->h;
        double complex next[CFIR_DIRECT];
        for (size_t j = 0; j < h; j++) next[j] = n + j < h ? f->hist[n + j] : in[n + j - h];
        for (size_t t = n; t-- > h;) { /* all taps inside the block */
            double complex acc = 0;
            for (size_t j = 0; j <= h; j++) acc += hh[j] * in[t - j];
            out[t] = acc;
        }
        for (size_t t = n < h ? n : h; t-- > 0;) { /* the first h outputs reach into the history */
            double complex acc = 0;
            for (size_t j = 0; j <= h; j++) acc += hh[j] * (t >= j ? in[t - j] : f->hist[h + t - j]);
            out[t] = acc;
        }
        memcpy(f->hist, next, h * sizeof *next);
        return;
    }
    for (size_t off = 0; off < n; off += f->hop) {
        size_t m = n - off < f->hop ? n - off : f->hop;
        memcpy(f->buf, f->hist, h * sizeof *f->buf);
        memcpy(f->buf + h, in + off, m * sizeof *f->buf);
        memset(f->buf + h + m, 0, (f->N - h - m) * sizeof *f->buf);
        memcpy(f->hist, f->buf + m, h * sizeof *f->buf);
        fftw_execute_dft(f->fwd, f->buf, f->buf);
        p4_spec_mac(f->buf, f->buf, f->H, f->N, 0);
        fftw_execute_dft(f->inv, f->buf, f->buf);
        memcpy(out + off, f->buf + h, m * sizeof *f->buf);
    }
}
