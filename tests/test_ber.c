/* test_ber.c - Monte Carlo against theory: SER vs the Gaussian formula, error-free lossless link,
 * the MMSE FFE opening a closed 1 + 0.6D eye, Clopper-Pearson, the Gaussian generator's tails. */
#include "testutil.h"
#include <math.h>
#include <string.h>

/* SPEC 1 writes SER = 1.5 erfc(d/(sigma sqrt 2)), but its own check value (SER 4.8e-4 at Qt 3.414)
 * is 1.5 Q(d/sigma) = 0.75 erfc(d/(sigma sqrt 2)): outer levels have one neighbour, inner two. */
static double ser_theory(double q) { return 0.75 * erfc(q / M_SQRT2); }

Test(ber, ser_matches_gaussian_theory, .timeout = 120)
{
    const double q[3] = {2.8, 3.6, 4.4}; /* SER ~ 3.8e-3, 2.4e-4, 8.1e-6 */
    const char *syms[3] = {"sim.symbols=400000", "sim.symbols=2000000", "sim.symbols=8000000"};
    for (int i = 0; i < 3; i++) {
        double A = 0.4, sigma = A / 3 / q[i];
        char noise[64];
        snprintf(noise, sizeof noise, "rx.noise.rms_v=%.12g", sigma);
        const char *sets[] = {IDEAL_LINK, "tx.rlm=1", "tx.amplitude_v=0.4", "tx.pattern=random", "measure.eye_symbols=1000",
                              "sim.seed=7", noise, syms[i]};
        p4_counts n;
        p4_link *l = run_link(sets, sizeof sets / sizeof *sets, &n, NULL);
        double lo, hi, th = ser_theory(q[i]);
        p4_clopper_pearson(n.symbol_errors, n.symbols, &lo, &hi);
        cr_log_info("d/sigma %.1f: SER %.3e (%llu errors) CI [%.3e, %.3e], theory %.3e, seed 7", q[i],
                    (double)n.symbol_errors / n.symbols, (unsigned long long)n.symbol_errors, lo, hi, th);
        cr_assert(th >= lo && th <= hi, "d/sigma %.1f: theory %.3e outside the 95%% CI [%.3e, %.3e] (seed 7)", q[i], th, lo, hi);
        cr_assert(n.symbol_errors >= 20, "too few errors to test");
        /* Gray coding: almost every symbol error is one bit */
        cr_assert(n.bit_errors >= n.symbol_errors && n.bit_errors < 1.01 * n.symbol_errors + 2);
        p4_counts_free(&n);
        p4_link_destroy(l);
    }
}

Test(ber, lossless_link_is_error_free, .timeout = 120)
{
    const char *sets[] = {IDEAL_LINK, "sim.symbols=1000000", "rx.noise.rms_v=0.005", "tx.jitter.rj_ps=0.094",
                          "tx.filter=gaussian", "tx.rise_time_ps=4", "rx.ffe.taps=8", "rx.ffe.precursors=2",
                          "measure.eye_symbols=200000"};
    p4_counts n;
    p4_link *l = run_link(sets, sizeof sets / sizeof *sets, &n, NULL);
    cr_assert_eq(n.symbols, 1000000);
    cr_assert_eq(n.symbol_errors, 0, "%llu errors on a lossless link at high SNR (seed 1)", (unsigned long long)n.symbol_errors);
    /* eyes: inner spacing 2/3 of the outer amplitude; a clean link keeps nearly all of it */
    p4_eye e;
    p4_eye_measure(&n, p4_link_thresholds(l), 1e-4, &e);
    for (int i = 0; i < 3; i++) {
        cr_assert(e.height[i] > 0.5 && e.height[i] < 0.66, "eye %d height %.3f", i, e.height[i]);
        cr_assert(e.width_ui[i] > 0.4, "eye %d width %.3f UI", i, e.width_ui[i]);
    }
    p4_counts_free(&n);
    p4_link_destroy(l);
}

Test(ber, mmse_ffe_opens_a_closed_eye, .timeout = 120)
{
    /* 1 + 0.6D: the post-cursor (0.6) exceeds half the level spacing (1/3): closed without equalization */
    const char *base[] = {IDEAL_LINK, "channel.type=taps", "channel.taps=[1, 0.6]", "rx.noise.rms_v=0.02",
                          "sim.symbols=200000", "measure.eye_symbols=1000", "tx.pattern=random"};
    p4_counts n0, n1;
    p4_link *l0 = run_link(base, sizeof base / sizeof *base, &n0, NULL);
    const char *eq[sizeof base / sizeof *base + 2];
    memcpy(eq, base, sizeof base);
    eq[sizeof base / sizeof *base] = "rx.ffe.taps=15";
    eq[sizeof base / sizeof *base + 1] = "rx.ffe.precursors=0";
    p4_link *l1 = run_link(eq, sizeof eq / sizeof *eq, &n1, NULL);
    double b0 = (double)n0.bit_errors / n0.bits, b1 = (double)(n1.bit_errors + 1) / n1.bits;
    cr_log_info("1+0.6D: BER %.3e without FFE, %.3e (+1) with a 15-tap MMSE FFE", b0, b1);
    cr_assert(b0 > 0.05, "the eye should be closed without equalization (BER %.3e)", b0);
    cr_assert(b1 < b0 * 1e-3, "the MMSE FFE should lower the BER by >= 3 orders (%.3e -> %.3e)", b0, b1);
    /* the FFE approximates 1/(1 + 0.6D): taps alternate 1, -0.6, 0.36, ... */
    const p4_link_info *in = p4_link_info_get(l1);
    cr_assert_float_eq(in->ffe[1] / in->ffe[0], -0.6, 0.05, "tap ratio %.3f", in->ffe[1] / in->ffe[0]);
    p4_counts_free(&n0), p4_counts_free(&n1);
    p4_link_destroy(l0), p4_link_destroy(l1);
}

Test(ber, clopper_pearson_reference_values)
{
    double lo, hi;
    p4_clopper_pearson(0, 1000000, &lo, &hi);
    cr_assert_float_eq(lo, 0, 1e-15);
    cr_assert_float_eq(hi, 3.6888e-6, 1e-9); /* 1 - 0.025^(1/n) */
    p4_clopper_pearson(10, 1000, &lo, &hi);
    cr_assert_float_eq(lo, 0.0048055, 2e-6); /* exact binomial tail sums */
    cr_assert_float_eq(hi, 0.0183132, 2e-6);
}

Test(rng, gaussian_moments_and_tails)
{
    p4_rng r;
    p4_rng_seed(&r, 5, 0, 0);
    size_t n = 20000000;
    double *x = malloc(n * sizeof *x), s = 0, s2 = 0;
    p4_rng_gauss_fill(&r, x, n, 1.0);
    uint64_t t3 = 0, t4 = 0;
    for (size_t i = 0; i < n; i++) {
        s += x[i], s2 += x[i] * x[i];
        t3 += fabs(x[i]) > 3, t4 += fabs(x[i]) > 4;
    }
    cr_assert_float_eq(s / n, 0, 1e-3);
    cr_assert_float_eq(s2 / n, 1, 2e-3);
    double lo, hi;
    p4_clopper_pearson(t3, n, &lo, &hi);
    cr_assert(erfc(3 / M_SQRT2) > lo && erfc(3 / M_SQRT2) < hi, "P(|x|>3) %.4e vs %.4e (seed 5)", (double)t3 / n, erfc(3 / M_SQRT2));
    p4_clopper_pearson(t4, n, &lo, &hi);
    cr_assert(erfc(4 / M_SQRT2) > lo && erfc(4 / M_SQRT2) < hi, "P(|x|>4) %.4e vs %.4e (seed 5)", (double)t4 / n, erfc(4 / M_SQRT2));
    free(x);
}
