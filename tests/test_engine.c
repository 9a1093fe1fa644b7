/* test_engine.c - the symbol-rate engine against the sample-level engine (its reference): the same
 * error counts without noise (signal, jitter and crosstalk are computed exactly), BERs within each
 * other's 95 % intervals with coloured noise (and the sample-level engine's noise drawn at the
 * sampler only against its noise FIR at 16 samples/UI), the automatic choice and its forcing, and
 * results independent of the thread count. */
#include "testutil.h"
#include <math.h>
#include <string.h>

/* Run one configuration with the engine forced; the link is destroyed, counts returned in n. */
static void run_engine(const char *engine, const char *const *sets, int nsets, p4_counts *n, p4_eye *eye)
{
    const char *all[24];
    char e[48];
    snprintf(e, sizeof e, "sim.engine=%s", engine);
    for (int i = 0; i < nsets; i++) all[i] = sets[i];
    all[nsets] = e;
    p4_config c;
    p4_link *l = run_link(all, nsets + 1, n, &c);
    cr_assert_str_eq(p4_link_info_get(l)->engine, engine);
    if (eye) p4_eye_measure(n, p4_link_thresholds(l), c.eye_ber, eye);
    p4_link_destroy(l);
}

static void ca_path(char *out, size_t n, const char *what)
{
    snprintf(out, n, "%s/CA_19p75dB_%s.s4p", channels_dir(), what);
}

Test(engine, noise_free_counts_equal_the_sample_level_ones, .timeout = 300)
{
    /* the cable assembly with its four aggressors, RJ, DCD and SJ, and no noise: every error comes
     * from ISI, crosstalk and jitter, which both engines compute from the same symbols and edges */
    char th[600], xt[2600], f[4][600];
    ca_path(th, sizeof th, "thru");
    ca_path(f[0], sizeof f[0], "fext1"), ca_path(f[1], sizeof f[1], "fext2");
    ca_path(f[2], sizeof f[2], "next1"), ca_path(f[3], sizeof f[3], "next2");
    char chf[700];
    snprintf(chf, sizeof chf, "channel.file=%s", th);
    snprintf(xt, sizeof xt, "crosstalk.files=[%s, %s, %s, %s]", f[0], f[1], f[2], f[3]);
    const char *sets[] = {"channel.type=touchstone", chf, xt, "crosstalk.amplitudes_v=[0.413, 0.413, 0.45, 0.45]",
                          "rx.ffe.taps=32", "rx.ffe.precursors=6", "tx.snr_db=.inf", "rx.noise.eta0_v2_per_ghz=0",
                          "tx.jitter.rj_ps=0.3", "tx.jitter.dcd_ps=0.5", "tx.jitter.sj_ps=0.6", "tx.jitter.sj_mhz=500",
                          "sim.symbols=300000", "measure.eye_symbols=1024", "sim.threads=2"};
    p4_counts a, b;
    run_engine("sample", sets, sizeof sets / sizeof *sets, &a, NULL);
    run_engine("symbol", sets, sizeof sets / sizeof *sets, &b, NULL);
    cr_log_info("no noise: sample level %llu symbol errors, symbol rate %llu", (unsigned long long)a.symbol_errors,
                (unsigned long long)b.symbol_errors);
    cr_assert(a.symbol_errors > 1000, "the case should have errors (%llu)", (unsigned long long)a.symbol_errors);
    /* only a sample within rounding (1e-12 V) of a threshold could decide differently */
    cr_assert(llabs((long long)a.symbol_errors - (long long)b.symbol_errors) <= 2, "%llu vs %llu",
              (unsigned long long)a.symbol_errors, (unsigned long long)b.symbol_errors);
    p4_counts_free(&a), p4_counts_free(&b);
}

/* BER of both engines inside each other's 95 % interval, at least 100 errors, BER >= 1e-5. The
 * sample-level reference runs with every symbol in the eye, so that every unit draws its noise at
 * 16 samples/UI through the noise FIR (a unit without eye symbols draws it at the sampler only, as
 * the symbol-rate engine does). Then the eye: the same eye budget under both engines gives heights
 * within one bin (units holding eye symbols run at sample level under both: the same eye). */
static void agree(const char *name, const char *const *sets, int nsets)
{
    const char *all[24];
    for (int i = 0; i < nsets; i++) all[i] = sets[i];
    all[nsets++] = "measure.eye_ber=1e-2"; /* eyes open at these BERs */
    p4_counts a, b, c;
    p4_eye ea, eb, ec;
    all[nsets] = "measure.eye_symbols=0";
    run_engine("sample", all, nsets + 1, &a, &ea);
    all[nsets] = "measure.eye_symbols=100000";
    run_engine("symbol", all, nsets + 1, &b, &eb);
    run_engine("sample", all, nsets + 1, &c, &ec);
    double la, ha, lb, hb, ba = (double)a.bit_errors / a.bits, bb = (double)b.bit_errors / b.bits;
    p4_clopper_pearson(a.bit_errors, a.bits, &la, &ha);
    p4_clopper_pearson(b.bit_errors, b.bits, &lb, &hb);
    cr_log_info("%s: BER sample level %.3e [%.3e, %.3e], symbol rate %.3e [%.3e, %.3e]", name, ba, la, ha, bb, lb, hb);
    cr_assert(a.bit_errors >= 100 && ba >= 1e-5, "%s: too few errors to compare (%llu)", name, (unsigned long long)a.bit_errors);
    cr_assert(la <= hb && lb <= ha, "%s: BER %.3e [%.3e, %.3e] vs %.3e [%.3e, %.3e] (seed 1)", name, ba, la, ha, bb, lb, hb);
    /* the sample-level engine's units without eye symbols draw their noise at the sampler only */
    double lc, hc;
    p4_clopper_pearson(c.bit_errors, c.bits, &lc, &hc);
    cr_assert(la <= hc && lc <= ha, "%s: sample level, noise at the sampler: BER [%.3e, %.3e] vs [%.3e, %.3e]", name, lc, hc, la, ha);
    const double bin = 2.0 * P4_EYE_RANGE / P4_EYE_BINS;
    for (int i = 0; i < 3; i++) {
        cr_log_info("%s: eye %d height %.4f (sample level) %.4f (symbol rate)", name, i, ec.height[i], eb.height[i]);
        cr_assert(ec.height[i] > 0.05, "%s: eye %d should be open at 1e-2", name, i);
        cr_assert(fabs(ec.height[i] - eb.height[i]) <= bin, "%s: eye %d height %.4f vs %.4f", name, i, ec.height[i], eb.height[i]);
    }
    p4_counts_free(&a), p4_counts_free(&b), p4_counts_free(&c);
}

Test(engine, ber_agrees_on_the_default_link, .timeout = 300)
{
    const char *sets[] = {"rx.noise.eta0_v2_per_ghz=1.2e-7", "sim.symbols=1000000", "sim.threads=2"};
    agree("default link, eta0 1.2e-7", sets, 3);
}

Test(engine, ber_agrees_with_rj_dcd_and_sj, .timeout = 300)
{
    const char *sets[] = {"tx.jitter.rj_ps=0.25", "tx.jitter.dcd_ps=0.5", "tx.jitter.sj_ps=0.3", "rx.noise.eta0_v2_per_ghz=6e-8",
                          "sim.symbols=1000000", "sim.threads=2"};
    agree("RJ 0.25 ps, DCD 0.5 ps, SJ 0.3 ps", sets, 6);
}

Test(engine, ber_agrees_on_the_cable_assembly_with_crosstalk, .timeout = 300)
{
    char th[600], xt[2600], f[4][600], chf[700];
    ca_path(th, sizeof th, "thru");
    ca_path(f[0], sizeof f[0], "fext1"), ca_path(f[1], sizeof f[1], "fext2");
    ca_path(f[2], sizeof f[2], "next1"), ca_path(f[3], sizeof f[3], "next2");
    snprintf(chf, sizeof chf, "channel.file=%s", th);
    snprintf(xt, sizeof xt, "crosstalk.files=[%s, %s, %s, %s]", f[0], f[1], f[2], f[3]);
    const char *sets[] = {"channel.type=touchstone", chf, xt, "crosstalk.amplitudes_v=[0.1, 0.1, 0.1, 0.1]",
                          "rx.ffe.taps=32", "rx.ffe.precursors=6", "sim.symbols=1000000", "sim.threads=2"};
    agree("cable assembly, 4 aggressors", sets, 8);
}

Test(engine, automatic_choice_and_forcing)
{
    p4_config c;
    p4_config_default(&c);
    cr_assert_eq(p4_config_set(&c, "sim.symbols=1000"), P4_OK);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l);
    cr_assert_str_eq(p4_link_info_get(l)->engine, "symbol");
    p4_link_destroy(l);
    cr_assert_eq(p4_config_set(&c, "rx.dsp.enable=true"), P4_OK);
    l = p4_link_create(&c);
    cr_assert_not_null(l);
    cr_assert_str_eq(p4_link_info_get(l)->engine, "sample", "the DSP receiver reads the waveform");
    p4_link_destroy(l);
    cr_assert_eq(p4_config_set(&c, "sim.engine=symbol"), P4_OK);
    cr_assert_null(p4_link_create(&c));
    cr_assert(strstr(p4_last_error(), "sim.engine"), "%s", p4_last_error());
    cr_assert_neq(p4_config_set(&c, "sim.engine=fast"), P4_OK);
}

Test(engine, symbol_rate_results_do_not_depend_on_threads, .timeout = 120)
{
    const char *one[] = {"rx.noise.eta0_v2_per_ghz=1.2e-7", "sim.symbols=400000", "measure.eye_symbols=40000",
                         "sim.unit_symbols=16384", "sim.threads=1"};
    const char *two[] = {"rx.noise.eta0_v2_per_ghz=1.2e-7", "sim.symbols=400000", "measure.eye_symbols=40000",
                         "sim.unit_symbols=16384", "sim.threads=2"};
    p4_counts a, b;
    run_engine("symbol", one, 5, &a, NULL);
    run_engine("symbol", two, 5, &b, NULL);
    cr_assert(a.bit_errors > 20);
    cr_assert_eq(a.bit_errors, b.bit_errors);
    cr_assert_eq(a.symbol_errors, b.symbol_errors);
    cr_assert(!memcmp(a.eye, b.eye, (size_t)4 * a.sps * P4_EYE_BINS * sizeof *a.eye));
    p4_counts_free(&a), p4_counts_free(&b);
}
