/* test_stat_agree.c - the statistical engine against the Monte Carlo link wherever the latter can
 * count: every shipped example (the YAML files in examples/), the DR1 lane's sensitivity points, the LPO
 * segment of the comparison and the loss-model sweep, each at a point of BER 1e-4 .. 2e-3 (a noise
 * or a received power chosen for it, so that a few hundred thousand symbols count 50+ errors).
 * Both engines run the same link (stat.sps = sim.sps = 16) with the floating-point receiver (the
 * bit-true DSP receiver is what stat lists as not modelled). Tolerance: 0.3 dB SNR-equivalent,
 * 20 log10 of the ratio of the Q factors of the two SERs; the seed of each run is printed.
 * Also: the optical line's real levels, level-dependent noise, and the bounds at the ranges' edges. */
#include "testutil.h"
#include <math.h>
#include <string.h>

#define TOL_DB 0.3

static void load(p4_config *c, const char *file, const char *const *sets, int n)
{
    p4_config_default(c);
    if (file) cr_assert_eq(p4_config_load(c, file), P4_OK, "%s: %s", file, p4_last_error());
    for (int i = 0; i < n; i++) cr_assert_eq(p4_config_set(c, sets[i]), P4_OK, "%s: %s", sets[i], p4_last_error());
}

/* stat and Monte Carlo on configuration c (its sim.sps becomes stat.sps): the SNR-equivalent gap */
static double agree_cfg(const char *what, p4_config c, uint64_t symbols)
{
    c.stat_sps = 16, c.sps = 16, c.tdecq_in_run = 0, c.dsp_enable = 0, c.mlse_memory = 0, c.threads = 2;
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s: %s", what, p4_last_error());
    p4_stat_result r;
    cr_assert_eq(p4_stat_run(l, &r), P4_OK, "%s: %s", what, p4_last_error());
    p4_counts n;
    cr_assert_eq(p4_link_run(l, symbols, &n), P4_OK, "%s: %s", what, p4_last_error());
    double ber = (double)n.bit_errors / (double)n.bits, lo, hi;
    p4_clopper_pearson(n.bit_errors, n.bits, &lo, &hi);
    double dd = p4_ser_gain_db(ber, r.ber);
    cr_log_info("%s (seed %lld): MC BER %.3e [%.2e, %.2e] (%llu errors), stat %.3e: %+.2f dB (tolerance %.2f dB)", what,
                (long long)c.seed, ber, lo, hi, (unsigned long long)n.bit_errors, r.ber, dd, TOL_DB);
    cr_expect(n.bit_errors >= 50 && ber >= 1e-5 && ber <= 3e-3, "%s: the MC counts %llu errors (BER %.2e): not a point to compare", what,
              (unsigned long long)n.bit_errors, ber);
    cr_expect(fabs(dd) <= TOL_DB, "%s: stat %.3e vs MC %.3e [%.2e, %.2e]: %+.2f dB SNR-equivalent (tolerance %.2f dB)", what,
              r.ber, ber, lo, hi, dd, TOL_DB);
    p4_counts_free(&n);
    p4_stat_free(&r);
    p4_link_destroy(l);
    return dd;
}

static double agree(const char *what, const char *file, const char *const *sets, int n, uint64_t symbols)
{
    p4_config c;
    load(&c, file, sets, n);
    return agree_cfg(what, c, symbols);
}

Test(stat_agree, shipped_examples, .timeout = 300)
{
    const char *noise[] = {"rx.noise.eta0_v2_per_ghz=1.5e-7", "sim.seed=11"};
    agree("examples/default.yaml, eta0 1.5e-7", "examples/default.yaml", noise, 2, 400000);
    agree("examples/analytic_30db.yaml, eta0 1.5e-7", "examples/analytic_30db.yaml", noise, 2, 300000);
    agree("examples/dsp_kp4.yaml (floating-point receiver), eta0 1.5e-7", "examples/dsp_kp4.yaml", noise, 2, 300000);
    const char *ca[] = {"crosstalk.amplitudes_v=[0.12, 0.12, 0.13, 0.13]", "sim.seed=11"};
    agree("examples/ca_19p75db.yaml, aggressors at 0.12-0.13 V", "examples/ca_19p75db.yaml", ca, 2, 300000);
}

/* the DR1 lane of the sensitivity sweep, around its crossing (PIN + TIA: thermal and shot noise,
 * RIN; EML levels at RLM 0.95) */
Test(stat_agree, dr1_sensitivity_points, .timeout = 200)
{
    const char *a[] = {"optics.rx.oma_dbm=-9", "sim.seed=3"};
    agree("examples/dr1.yaml at -9 dBm OMA", "examples/dr1.yaml", a, 2, 400000);
    const char *b[] = {"optics.rx.oma_dbm=-9.5", "sim.seed=3"};
    agree("examples/dr1.yaml at -9.5 dBm OMA", "examples/dr1.yaml", b, 2, 300000);
}

/* the LPO segment as compare builds it (host boards at both ends of a linear module) */
Test(stat_agree, lpo_segment, .timeout = 200)
{
    p4_config base;
    cr_assert_eq(p4_arch_config_default(&base), P4_OK);
    cr_assert_eq(p4_config_set(&base, "optics.rx.oma_dbm=-7"), P4_OK);
    p4_arch_plan p;
    cr_assert_eq(p4_arch_plan_choose(&base, P4_ARCH_LPO, &p), P4_OK, "%s", p4_last_error());
    agree_cfg("LPO segment at -7 dBm OMA", p.seg[0].cfg, 300000);
}

/* the loss-model sweep (the built-in link) near its crossing. The data are random: with a DFE
 * tap of 0.87 a PRBS's dependence between symbols lengthens the error bursts (stat lists it) */
Test(stat_agree, loss_model_sweep, .timeout = 200)
{
    const char *a[] = {"channel.il_nyquist_db=46", "tx.pattern=random", "sim.seed=2"};
    agree("loss model 46 dB, random data", NULL, a, 3, 300000);
    const char *b[] = {"channel.il_nyquist_db=40", "rx.noise.eta0_v2_per_ghz=3e-8", "sim.seed=2"};
    agree("loss model 40 dB, eta0 3e-8", NULL, b, 3, 300000);
}
