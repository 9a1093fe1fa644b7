/* test_engine.c - the symbol-rate engine against the sample-level engine (its reference): the same
 * error counts without noise (signal, jitter and crosstalk are computed exactly), BERs within each
 * other's 95 % intervals with coloured noise, the automatic choice and its forcing, and results
 * independent of the thread count. And the noise drawn where it is read (sim.noise auto: at the
 * sampler, at the DSP receiver's reads, through the FFE for the eye) against the noise drawn into
 * every sample through its FIR at 16 samples/UI (sim.noise waveform): BERs within each other's 95 %
 * intervals and eye heights within four histogram bins, for the floating-point receiver and for the
 * bit-true DSP receiver on an electrical and on an optical link. */
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
 * sample-level reference draws its noise into every sample through the noise FIR at 16 samples/UI
 * (sim.noise waveform); the sample-level engine with the noise drawn where it is read is checked
 * against it too. Then the eye: the same eye budget under both engines gives heights within one bin
 * (units holding eye symbols run at sample level under both: the same eye), and the eye with the
 * noise through the FFE lies within four bins of the reference's (two independent draws of an eye
 * at 1e-2 from 1e5 symbols differ by up to about two). */
static void agree(const char *name, const char *const *sets, int nsets)
{
    const char *all[24];
    for (int i = 0; i < nsets; i++) all[i] = sets[i];
    all[nsets++] = "measure.eye_ber=1e-2"; /* eyes open at these BERs */
    all[nsets++] = "measure.eye_symbols=100000";
    p4_counts a, b, c;
    p4_eye ea, eb, ec;
    all[nsets] = "sim.noise=waveform";
    run_engine("sample", all, nsets + 1, &a, &ea);
    run_engine("symbol", all, nsets, &b, &eb);
    run_engine("sample", all, nsets, &c, &ec);
    double la, ha, lb, hb, ba = (double)a.bit_errors / a.bits, bb = (double)b.bit_errors / b.bits;
    p4_clopper_pearson(a.bit_errors, a.bits, &la, &ha);
    p4_clopper_pearson(b.bit_errors, b.bits, &lb, &hb);
    cr_log_info("%s: BER sample level %.3e [%.3e, %.3e], symbol rate %.3e [%.3e, %.3e]", name, ba, la, ha, bb, lb, hb);
    cr_assert(a.bit_errors >= 100 && ba >= 1e-5, "%s: too few errors to compare (%llu)", name, (unsigned long long)a.bit_errors);
    cr_assert(la <= hb && lb <= ha, "%s: BER %.3e [%.3e, %.3e] vs %.3e [%.3e, %.3e] (seed 1)", name, ba, la, ha, bb, lb, hb);
    /* the sample-level engine with its noise drawn where it is read */
    double lc, hc;
    p4_clopper_pearson(c.bit_errors, c.bits, &lc, &hc);
    cr_assert(la <= hc && lc <= ha, "%s: sample level, noise at the sampler: BER [%.3e, %.3e] vs [%.3e, %.3e]", name, lc, hc, la, ha);
    const double bin = 2.0 * P4_EYE_RANGE / P4_EYE_BINS;
    for (int i = 0; i < 3; i++) {
        cr_log_info("%s: eye %d height %.4f (sample level) %.4f (symbol rate) %.4f (noise in the waveform)", name, i,
                    ec.height[i], eb.height[i], ea.height[i]);
        cr_assert(ec.height[i] > 0.05, "%s: eye %d should be open at 1e-2", name, i);
        cr_assert(fabs(ec.height[i] - eb.height[i]) <= bin, "%s: eye %d height %.4f vs %.4f", name, i, ec.height[i], eb.height[i]);
        cr_assert(fabs(ec.height[i] - ea.height[i]) <= 4 * bin, "%s: eye %d height %.4f, noise in the waveform %.4f", name, i,
                  ec.height[i], ea.height[i]);
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

/* Error events (errors closer than the burst gap are one event: a DSP receiver's errors come in
 * bursts, so its bit errors are not independent and their binomial interval is too narrow; events
 * are). */
static uint64_t events(const p4_counts *c)
{
    uint64_t n = 0;
    for (int i = 0; i < P4_HIST; i++) n += c->fec.event_hist[i];
    return n;
}

/* The DSP receiver (and the eye it is run with) with the noise at its reads against the noise in
 * every sample: error-event rates in each other's 95 % intervals with >= 100 events, eye heights
 * within four bins (1.6 % of the outer level: two independent draws of an eye at 1e-2 from 1e5
 * symbols differ by up to about two), the same recovered frequency within 2 ppm; and noise at the
 * reads unchanged by the thread count. The noise is band-limited (rx.noise.eta0 through the RX
 * filter), which the receiver's cubic interpolation between samples reproduces; white noise at the
 * sample rate (rx.noise.rms_v) it does not: drawn into every sample, the interpolated reads carried
 * 0.64-1 (on average 0.78) of its variance, at the reads all of it. */
static void dsp_agree(const char *name, const char *const *sets, int nsets)
{
    const char *all[32];
    for (int i = 0; i < nsets; i++) all[i] = sets[i];
    all[nsets++] = "measure.eye_ber=1e-2";
    p4_counts a, b;
    p4_eye ea, eb;
    p4_config c;
    all[nsets] = "sim.noise=waveform";
    p4_link *l = run_link(all, nsets + 1, &a, &c);
    p4_eye_measure(&a, p4_link_thresholds(l), c.eye_ber, &ea);
    p4_link_destroy(l);
    l = run_link(all, nsets, &b, &c);
    p4_eye_measure(&b, p4_link_thresholds(l), c.eye_ber, &eb);
    p4_link_destroy(l);
    const uint64_t na = events(&a), nb = events(&b), sym = a.bits / 2;
    double la, ha, lb, hb, ra = (double)na / (double)sym, rb = (double)nb / (double)sym;
    p4_clopper_pearson(na, sym, &la, &ha);
    p4_clopper_pearson(nb, sym, &lb, &hb);
    cr_log_info("%s: BER noise in the waveform %.3e, at the reads %.3e; error events per symbol %.3e [%.3e, %.3e] and %.3e "
                "[%.3e, %.3e]", name, (double)a.bit_errors / a.bits, (double)b.bit_errors / b.bits, ra, la, ha, rb, lb, hb);
    cr_assert(na >= 100, "%s: too few error events to compare (%llu)", name, (unsigned long long)na);
    cr_assert(la <= hb && lb <= ha, "%s: error events %.3e [%.3e, %.3e] vs %.3e [%.3e, %.3e] (seed 1)", name, ra, la, ha, rb, lb, hb);
    cr_assert(a.fec.dsp_units > 0 && b.fec.dsp_units == a.fec.dsp_units);
    double fa = (double)a.fec.cdr_freq_nppm_sum * 1e-9 / (double)a.fec.dsp_units,
           fb = (double)b.fec.cdr_freq_nppm_sum * 1e-9 / (double)b.fec.dsp_units;
    cr_assert(fabs(fa - fb) < 2, "%s: recovered frequency %.2f vs %.2f ppm", name, fa, fb);
    const double bin = 2.0 * P4_EYE_RANGE / P4_EYE_BINS;
    for (int i = 0; i < 3; i++) {
        cr_log_info("%s: eye %d height %.4f (noise in the waveform) %.4f (at the reads)", name, i, ea.height[i], eb.height[i]);
        cr_assert(fabs(ea.height[i] - eb.height[i]) <= 4 * bin, "%s: eye %d height %.4f vs %.4f", name, i, ea.height[i], eb.height[i]);
    }
    p4_counts_free(&a), p4_counts_free(&b);
}

Test(engine, dsp_receiver_noise_at_its_reads_agrees, .timeout = 300)
{
    const char *sets[] = {"rx.dsp.enable=true", "channel.il_nyquist_db=32", "rx.cdr.offset_ppm=50", "rx.noise.eta0_v2_per_ghz=8e-8",
                          "sim.symbols=600000", "sim.unit_symbols=65536", "measure.eye_symbols=200000", "sim.threads=2"};
    dsp_agree("DSP receiver, 32 dB, +50 ppm", sets, 8);
}

Test(engine, dsp_receiver_noise_at_its_reads_agrees_on_an_optical_lane, .timeout = 300)
{
    const char *sets[] = {"file=examples/dr1.yaml", "optics.rx.oma_dbm=-10", "tdecq.in_run=false", "fec.mode=none",
                          "sim.symbols=400000", "sim.unit_symbols=65536", "measure.eye_symbols=100000", "sim.threads=2"};
    dsp_agree("DR1 lane, -10 dBm OMA", sets, 8);
}

Test(engine, noise_at_the_reads_does_not_depend_on_threads, .timeout = 120)
{
    const char *one[] = {"rx.dsp.enable=true", "channel.il_nyquist_db=32", "rx.noise.rms_v=0.0024", "sim.symbols=150000",
                         "sim.unit_symbols=32768", "measure.eye_symbols=50000", "sim.threads=1"};
    const char *two[] = {"rx.dsp.enable=true", "channel.il_nyquist_db=32", "rx.noise.rms_v=0.0024", "sim.symbols=150000",
                         "sim.unit_symbols=32768", "measure.eye_symbols=50000", "sim.threads=2"};
    p4_counts a, b;
    p4_config c;
    p4_link_destroy(run_link(one, 7, &a, &c));
    p4_link_destroy(run_link(two, 7, &b, &c));
    cr_assert(a.bit_errors > 20, "%llu bit errors", (unsigned long long)a.bit_errors);
    cr_assert_eq(a.bit_errors, b.bit_errors);
    cr_assert(!memcmp(a.eye, b.eye, (size_t)4 * a.sps * P4_EYE_BINS * sizeof *a.eye));
    p4_counts_free(&a), p4_counts_free(&b);
}
