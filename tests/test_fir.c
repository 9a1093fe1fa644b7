/* test_fir.c - the overlap-save FIRs (channel/fir.c) against direct convolution, computed here in
 * long double: several inputs with their own lengths, an input absent (NULL) for a while, calls of
 * odd sizes that straddle the hops, responses from 1 tap to beyond the transform floor (the length
 * rule: the power of two >= 4 L from 2048), and the complex FIR in its direct and its transform
 * forms. Outputs within 1e-12 of sum |h| max |x| (a transform's rounding scales with its block, not
 * with one output). The random data's seed is printed
 * on failure. */
#include <criterion/criterion.h>
#include "pam4sim/fir.h"
#include "pam4sim/rng.h"
#include <complex.h>
#include <math.h>
#include <stdlib.h>

#define SEED 0xF1A5ull

static void check_fir(int nin, const size_t *len, size_t n, uint64_t seed)
{
    p4_rng r;
    p4_rng_seed(&r, seed, nin, len[0]);
    double *h[4], *x[4];
    for (int i = 0; i < nin; i++) {
        h[i] = malloc(len[i] * sizeof *h[i]), x[i] = malloc(n * sizeof *x[i]);
        for (size_t k = 0; k < len[i]; k++) h[i][k] = (p4_rng_uniform(&r) - 0.5) * exp(-(double)k / (len[i] / 3.0 + 1));
        for (size_t k = 0; k < n; k++) x[i][k] = p4_rng_uniform(&r) - 0.5;
    }
    /* input 1 (when there) absent over [n/3, 2n/3): zeros, as a NULL block says */
    const size_t a = n / 3, b = 2 * n / 3;
    if (nin > 1)
        for (size_t k = a; k < b; k++) x[1][k] = 0;
    p4_fir *f = p4_fir_create(nin, (const double *const *)h, len);
    cr_assert_not_null(f);
    cr_assert_geq(p4_fir_fft_len(f), 2048);
    cr_assert_geq(p4_fir_fft_len(f), 4 * len[0]);
    double *y = malloc(n * sizeof *y);
    size_t steps[] = {1, 777, 4096, 13, 30000, 2047};
    for (size_t off = 0, s = 0; off < n; s++) {
        size_t m = steps[s % 6];
        if (m > n - off) m = n - off;
        if (nin > 1 && off >= a && off + m <= b) { /* within the absent stretch: NULL */
            const double *in[4];
            for (int i = 0; i < nin; i++) in[i] = i == 1 ? NULL : x[i] + off;
            p4_fir_run(f, in, m, y + off);
        } else {
            const double *in[4];
            for (int i = 0; i < nin; i++) in[i] = x[i] + off;
            p4_fir_run(f, in, m, y + off);
        }
        off += m;
    }
    double scale = 0; /* sum |h| max |x| (the inputs are within +-0.5) */
    for (int i = 0; i < nin; i++)
        for (size_t k = 0; k < len[i]; k++) scale += 0.5 * fabs(h[i][k]);
    for (size_t t = 0; t < n; t++) {
        long double s = 0;
        for (int i = 0; i < nin; i++)
            for (size_t k = 0; k < len[i] && k <= t; k++) s += (long double)h[i][k] * x[i][t - k];
        cr_assert_leq(fabsl(y[t] - s), 1e-12 * scale,
                      "seed %#llx: %d inputs, lengths %zu.., output %zu: %.17g, direct %.17Lg", (unsigned long long)seed,
                      nin, len[0], t, y[t], s);
    }
    p4_fir_destroy(f);
    free(y);
    for (int i = 0; i < nin; i++) free(h[i]), free(x[i]);
}

Test(fir, matches_direct_convolution)
{
    const size_t lens[][3] = {{1, 1, 1}, {7, 3, 5}, {105, 40, 1}, {511, 512, 200}, {513, 1, 64}, {2000, 1500, 3}, {4144, 100, 4144}};
    for (size_t c = 0; c < sizeof lens / sizeof lens[0]; c++)
        for (int nin = 1; nin <= 3; nin++) check_fir(nin, lens[c], lens[c][0] > 1000 ? 40000 : 20000, SEED + c);
}

Test(fir, complex_matches_direct_convolution)
{
    const size_t lens[] = {1, 5, 32, 33, 300, 1500};
    for (size_t c = 0; c < sizeof lens / sizeof lens[0]; c++) {
        const size_t L = lens[c], n = 20000;
        p4_rng r;
        p4_rng_seed(&r, SEED, 7, c);
        double complex *h = malloc(L * sizeof *h), *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        for (size_t k = 0; k < L; k++) h[k] = (p4_rng_uniform(&r) - 0.5) + I * (p4_rng_uniform(&r) - 0.5);
        for (size_t k = 0; k < n; k++) x[k] = (p4_rng_uniform(&r) - 0.5) + I * (p4_rng_uniform(&r) - 0.5);
        p4_cfir *f = p4_cfir_create(h, L);
        cr_assert_not_null(f);
        for (size_t off = 0, s = 0; off < n; s++) {
            size_t m = s % 2 ? 999 : 5003;
            if (m > n - off) m = n - off;
            p4_cfir_run(f, x + off, m, y + off);
            off += m;
        }
        double scale = 0; /* sum |h| max |x| */
        for (size_t k = 0; k < L; k++) scale += cabs(h[k]) * M_SQRT1_2;
        for (size_t t = 0; t < n; t++) {
            long double complex s = 0;
            for (size_t k = 0; k < L && k <= t; k++) s += (long double complex)h[k] * x[t - k];
            cr_assert_leq(cabsl(y[t] - s), 1e-12 * scale, "seed %#llx: %zu taps, output %zu", (unsigned long long)SEED, L, t);
        }
        p4_cfir_destroy(f);
        free(h), free(x), free(y);
    }
}
