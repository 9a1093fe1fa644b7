/* test_stat.c - the statistical eye against theory (PAM4 with Gaussian noise: BER = 3/4 Q(d/sigma)
 * with Gray coding) and against the Monte Carlo link at BER 1e-3 .. 1e-5 on the default link and the
 * CA_19p75dB cable assembly with its four aggressors; results independent of the thread count. */
#include "testutil.h"
#include "../sim/plain.h"
#include <math.h>

static p4_link *make(const char *const *sets, int n, p4_config *out)
{
    p4_config c;
    p4_config_default(&c);
    for (int i = 0; i < n; i++) cr_assert_eq(p4_config_set(&c, sets[i]), P4_OK, "%s: %s", sets[i], p4_last_error());
    c.sps = c.stat_sps;
    c.tdecq_in_run = 0;
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    if (out) *out = c;
    return l;
}

/* Noise only: the eye's BER and contours follow the Gaussian formulas. */
Test(stat, gaussian_noise_matches_erfc)
{
    const double sigma_v[] = {0.0308, 0.019}; /* V at the sampler, amplitude 0.4 V: BER 1e-5 and 1e-12 */
    for (int k = 0; k < 2; k++) {
        char nz[64];
        snprintf(nz, sizeof nz, "rx.noise.rms_v=%g", sigma_v[k]);
        const char *sets[] = {IDEAL_LINK, "tx.rlm=1", "tx.amplitude_v=0.4", "stat.sps=16", nz};
        p4_link *l = make(sets, sizeof sets / sizeof sets[0], NULL);
        p4_stat_result r;
        cr_assert_eq(p4_stat_run(l, &r), P4_OK, "%s", p4_last_error());
        double s = sigma_v[k] / 0.4, d = 1.0 / 3, ber = 0.75 * 0.5 * erfc(d / s / M_SQRT2);
        cr_log_info("sigma %.4f: stat BER %.4e, formula %.4e; sigma_noise %.5f", s, r.ber, ber, r.sigma_noise);
        cr_expect_float_eq(r.sigma_noise, s, 1e-3 * s, "noise through the 1-tap FFE");
        cr_expect(fabs(r.ber / ber - 1) < 0.03, "BER %.4e vs %.4e", r.ber, ber);
        /* the 1e-9 contour of the middle eye: +-(d - s Qinv(1e-9)) around 0 (0 when closed) */
        double h = fmax(0, 2 * (d - s * 5.997807));
        cr_expect(fabs(r.height[6][1] - h) < 0.004, "height at 1e-9: %.4f vs %.4f", r.height[6][1], h);
        cr_expect(r.com_db > 0, "COM margin %.2f", r.com_db);
        p4_stat_free(&r);
        p4_link_destroy(l);
    }
}

/* SNR-equivalent difference (dB) between two BERs: the Q-factor ratio. */
static double snr_db(double a, double b) { return p4_ser_gain_db(a, b); }

static void agree(const char *what, const char *const *sets, int n, uint64_t symbols, double tol_db)
{
    p4_config c;
    p4_link *ls = make(sets, n, &c);
    p4_stat_result r;
    cr_assert_eq(p4_stat_run(ls, &r), P4_OK, "%s", p4_last_error());
    p4_link_destroy(ls);
    /* Monte Carlo on the same link (same sps) */
    p4_config m = c;
    m.threads = 2;
    p4_link *lm = p4_link_create(&m);
    cr_assert_not_null(lm);
    p4_counts cnt;
    cr_assert_eq(p4_link_run(lm, symbols, &cnt), P4_OK);
    double ber = (double)cnt.bit_errors / cnt.bits, lo, hi;
    p4_clopper_pearson(cnt.bit_errors, cnt.bits, &lo, &hi);
    double dd = snr_db(ber, r.ber);
    cr_log_info("%s (seed %lld): MC BER %.3e [%.2e, %.2e], %llu errors; stat %.3e (raw %.3e x %.2f); %.2f dB", what,
                (long long)c.seed, ber, lo, hi, (unsigned long long)cnt.bit_errors, r.ber, r.ber_raw, r.dfe_prop_factor, dd);
    cr_expect(ber > 1e-6 && ber < 2e-3, "%s: the MC BER %.2e is outside the range compared", what, ber);
    cr_expect(fabs(dd) < tol_db, "%s: stat %.3e vs MC %.3e: %.2f dB SNR-equivalent (tolerance %.2f dB)", what, r.ber, ber, dd,
              tol_db);
    p4_counts_free(&cnt);
    p4_stat_free(&r);
    p4_link_destroy(lm);
}

/* The default link with more receiver noise (it is error-free at its own), both engines at 16
 * samples/UI: within 0.3 dB, BER 1e-5 .. 1e-4. */
Test(stat, agrees_with_monte_carlo_default_link, .timeout = 240)
{
    const char *a[] = {"stat.sps=16", "rx.noise.eta0_v2_per_ghz=8e-8", "sim.seed=5"};
    agree("default link, eta0 8e-8", a, 3, 10000000, 0.3); /* errors come in bursts: 1e7 symbols (cheap at symbol rate) */
    const char *b[] = {"stat.sps=16", "rx.noise.eta0_v2_per_ghz=1.2e-7", "sim.seed=5"};
    agree("default link, eta0 1.2e-7", b, 3, 10000000, 0.3);
}

/* CA_19p75dB with its four aggressors at 0.1 V and a 48-tap FFE: the DFE's long error bursts on
 * this channel (about 7 errors per event) sampled, within 0.3 dB. Without a DFE (no bursts) the
 * two agree within 5 % at BER 5e-2. */
Test(stat, agrees_with_monte_carlo_ca_19p75db, .timeout = 300)
{
    char ch[600], x[4][600];
    snprintf(ch, sizeof ch, "channel.file=%s/CA_19p75dB_thru.s4p", channels_dir());
    const char *nm[4] = {"fext1", "fext2", "next1", "next2"};
    for (int i = 0; i < 4; i++) snprintf(x[i], sizeof x[i], "%s/CA_19p75dB_%s.s4p", channels_dir(), nm[i]);
    char xt[2600];
    snprintf(xt, sizeof xt, "crosstalk.files=[%s, %s, %s, %s]", x[0], x[1], x[2], x[3]);
    const char *a[] = {"channel.type=touchstone", ch, xt, "crosstalk.amplitudes_v=[0.1, 0.1, 0.1, 0.1]", "rx.ffe.taps=48",
                       "rx.ffe.precursors=8", "stat.sps=16", "sim.seed=7"};
    agree("CA_19p75dB, 1-tap DFE", a, 8, 3000000, 0.3);
    const char *b[] = {"channel.type=touchstone", ch, xt, "crosstalk.amplitudes_v=[0.1, 0.1, 0.1, 0.1]", "rx.ffe.taps=48",
                       "rx.ffe.precursors=8", "rx.dfe.taps=0", "stat.sps=16", "sim.seed=7"};
    p4_config c;
    p4_link *l = make(b, 9, &c);
    p4_stat_result r;
    cr_assert_eq(p4_stat_run(l, &r), P4_OK);
    p4_link_destroy(l);
    c.threads = 2;
    l = p4_link_create(&c);
    p4_counts cnt;
    cr_assert_eq(p4_link_run(l, 1000000, &cnt), P4_OK);
    double ber = (double)cnt.bit_errors / cnt.bits;
    cr_log_info("CA_19p75dB without DFE (seed 7): MC %.4e, stat %.4e", ber, r.ber);
    cr_expect(fabs(r.ber / ber - 1) < 0.05, "no DFE: stat %.4e vs MC %.4e", r.ber, ber);
    p4_counts_free(&cnt);
    p4_stat_free(&r);
    p4_link_destroy(l);
}

/* Any thread count gives the same eye; contours shrink as the BER falls. */
Test(stat, threads_do_not_change_the_result)
{
    p4_stat_result r[2];
    for (int k = 0; k < 2; k++) {
        const char *sets[] = {k ? "sim.threads=2" : "sim.threads=1", "stat.sps=16"};
        p4_link *l = make(sets, 2, NULL);
        cr_assert_eq(p4_stat_run(l, &r[k]), P4_OK);
        p4_link_destroy(l);
    }
    size_t n = (size_t)r[0].nphase * r[0].nbins;
    cr_expect(!memcmp(r[0].ber_map, r[1].ber_map, n * sizeof(double)), "ber_map differs");
    cr_expect(!memcmp(r[0].density, r[1].density, n * sizeof(double)), "density differs");
    cr_expect(r[0].ber == r[1].ber);
    for (int k = 1; k < P4_STAT_DECADES; k++)
        for (int e = 0; e < 3; e++) cr_expect(r[0].height[k][e] <= r[0].height[k - 1][e], "height grows at decade %d", k);
    p4_stat_free(&r[0]);
    p4_stat_free(&r[1]);
}

/* At the edges of the ranges: a 200 km line (MMSE SNR about -127 dB) and an 80 km one cannot close.
 * The engine neither overflows nor claims a BER beyond a guess's: BER in [0.1, 0.5] (a coin toss
 * per bit at 0.5; an eye that is all noise gives SER near 3/4), and the COM-style margin is -inf
 * with the reason (A_ni beyond the grid), never a positive number. */
Test(stat, links_that_cannot_close, .timeout = 120)
{
    const char *lens[] = {"optics.fiber.length_m=200000", "optics.fiber.length_m=80000"};
    for (int k = 0; k < 2; k++) {
        const char *sets[] = {"optics.enable=true", lens[k], "stat.sps=8"};
        p4_link *l = make(sets, 3, NULL);
        p4_stat_result r;
        cr_assert_eq(p4_stat_run(l, &r), P4_OK, "%s", p4_last_error());
        cr_log_info("%s: BER %.3e (raw %.3e x %.2f), COM %g", lens[k], r.ber, r.ber_raw, r.dfe_prop_factor, r.com_db);
        cr_expect(r.ber >= 0.1 && r.ber <= 0.5, "%s: BER %.3e", lens[k], r.ber);
        cr_expect(r.ber_raw >= 0 && r.ber_raw <= 0.5, "%s: raw BER %.3e", lens[k], r.ber_raw);
        for (int q = 0; q < r.nphase; q++) cr_expect(r.hbathtub[q] >= 0 && r.hbathtub[q] <= 0.5);
        cr_expect(r.com_beyond && isinf(r.com_db) && r.com_db < 0, "%s: COM %g", lens[k], r.com_db);
        p4_stat_free(&r);
        p4_link_destroy(l);
    }
}

/* The optical line's real levels are the modulator's: the EML's static RLM (0.95 in
 * examples/dr1.yaml, and 0.8 here) comes back from the levels the engine uses, within 0.01, and
 * the level-dependent noise grows with the level (shot noise and RIN scale with the power). */
Test(stat, optical_levels_and_noise_follow_the_modulator, .timeout = 120)
{
    const double rlm[] = {0.95, 0.8};
    for (int k = 0; k < 2; k++) {
        char s[64];
        snprintf(s, sizeof s, "optics.eml.rlm=%g", rlm[k]);
        p4_config c;
        p4_config_default(&c);
        cr_assert_eq(p4_config_load(&c, "examples/dr1.yaml"), P4_OK, "%s", p4_last_error());
        cr_assert_eq(p4_config_set(&c, s), P4_OK);
        cr_assert_eq(p4_config_set(&c, "optics.rx.oma_dbm=-9"), P4_OK);
        c.sps = c.stat_sps = 16, c.tdecq_in_run = 0;
        p4_link *l = p4_link_create(&c);
        cr_assert_not_null(l, "%s", p4_last_error());
        p4_stat_result r;
        cr_assert_eq(p4_stat_run(l, &r), P4_OK, "%s", p4_last_error());
        double got = p4_rlm_of_levels(r.level);
        cr_log_info("RLM %.2f: levels %.4f %.4f %.4f %.4f (RLM %.4f); noise %.4f %.4f %.4f %.4f", rlm[k], r.level[0], r.level[1],
                    r.level[2], r.level[3], got, r.sigma_level[0], r.sigma_level[1], r.sigma_level[2], r.sigma_level[3]);
        cr_expect(r.optical);
        cr_expect(fabs(got - rlm[k]) < 0.01, "RLM of the levels %.4f, the modulator's %.2f", got, rlm[k]);
        for (int i = 0; i < 3; i++) cr_expect(r.sigma_level[i + 1] > r.sigma_level[i], "noise at level %d", i + 1);
        p4_stat_free(&r);
        p4_link_destroy(l);
    }
}

/* p4_pmf_tails four k per pass over the kernel against its plain method, one k at a time (the loop
 * it replaced, kept for the grid's last points): random PMFs, mixtures and grids (n not a multiple
 * of 4, kernels wider and narrower than the support, K clamped at n, a zero variance), the same
 * doubles to the bit. */
Test(stat, pmf_tails_four_at_a_time_equal_the_plain_loop)
{
    const uint64_t seed = 11;
    uint64_t st = seed;
#define UNI() (st = st * 6364136223846793005ull + 1442695040888963407ull, (double)(st >> 11) * 0x1p-53)
    for (int t = 0; t < 400; t++) {
        const int n = 5 + (int)(UNI() * 400), lo = (int)(UNI() * n / 2), hi = lo + (int)(UNI() * (n - lo));
        double *pmf = calloc((size_t)n, sizeof *pmf), *a = malloc(4 * (size_t)n * sizeof *a);
        double *b = a + n, *c = a + 2 * n, *d = a + 3 * n;
        for (int u = lo; u <= hi; u++) pmf[u] = UNI();
        const int nw = 1 + (int)(UNI() * 3);
        double wt[3], mu[3], var[3], dv = 1e-3 * (0.2 + UNI());
        for (int w = 0; w < nw; w++)
            wt[w] = 1.0 / nw, mu[w] = (UNI() - 0.5) * 40 * dv, var[w] = t % 7 == 0 && w == 0 ? 0 : pow(dv * (0.1 + 30 * UNI()), 2);
        cr_assert_eq(p4_pmf_tails(pmf, n, lo, hi, wt, mu, var, nw, dv, a, b), P4_OK, "%s", p4_last_error());
        p4_pmf_tails_plain = 1;
        cr_assert_eq(p4_pmf_tails(pmf, n, lo, hi, wt, mu, var, nw, dv, c, d), P4_OK, "%s", p4_last_error());
        p4_pmf_tails_plain = 0;
        for (int k = 0; k < n; k++)
            cr_assert(a[k] == c[k] && b[k] == d[k], "case %d (seed %llu), n %d, k %d: lower %a vs %a, upper %a vs %a", t,
                      (unsigned long long)seed, n, k, a[k], c[k], b[k], d[k]);
        free(pmf), free(a);
    }
#undef UNI
}
