/* test_optical_link.c - optical links end to end: the back-to-back thermal-noise-limited sensitivity
 * against OMA = 6 Qt i_n sqrt(B) / R (SPEC 6) with a plain sampler (the formula's receiver; a T-spaced
 * FFE beats it by whitening the noise folded from above baud/2), TDECQ of a clean wide-band
 * transmitter, and TDECQ growing as the transmitter's bandwidth shrinks. */
#include "testutil.h"
#include "../sim/link_impl.h"
#include <gsl/gsl_cdf.h>
#include <math.h>

/* A back-to-back optical link with nothing but the TIA's thermal noise: no fiber, no TX bandwidth,
 * jitter, RIN, shot or dark current; a linear chirp-free EML. */
#define B2B_LINK "optics.enable=true", "channel.type=none", "tx.filter=none", "tx.snr_db=.inf", \
    "tx.jitter.rj_ps=0", "tx.jitter.dcd_ps=0", "tx.rlm=1", "tx.ffe_taps=[1]", "tx.ffe_main=0", \
    "optics.eml.rlm=1", "optics.eml.chirp_alpha=0", "optics.eml.er_db=10", "optics.modulator.bandwidth_ghz=0", \
    "optics.driver.bandwidth_ghz=0", "optics.laser.rin_db_hz=-.inf", "optics.pd.shot_noise=false", \
    "optics.pd.dark_current_na=0", "optics.fiber.length_m=0", "optics.connectors.count=0", \
    "rx.noise.eta0_v2_per_ghz=0", "rx.ctle.enable=false", "rx.dfe.taps=0", "tx.pattern=random"

/* Noise-equivalent bandwidth of a 2nd-order Butterworth (TIA) times a 4th-order Butterworth (RX
 * filter), white noise up to fs/2: the integral of |H|^2 by the trapezoid rule. */
static double enbw_hz(double ftia, double frx, double fmax)
{
    const int n = 200000;
    double acc = 0, df = fmax / n;
    for (int k = 0; k <= n; k++) {
        double f = k * df, h2 = 1 / (1 + pow(f / ftia, 4)) / (1 + pow(f / frx, 8));
        acc += (k == 0 || k == n ? 0.5 : 1) * h2;
    }
    return acc * df;
}

Test(optical_link, thermal_sensitivity_matches_the_formula, .timeout = 240)
{
    const double in = 17e-12, R = 0.85, qt = gsl_cdf_ugaussian_Qinv(4.8e-4 / 1.5);
    const double B = enbw_hz(500e9, 80e9, 106.25e9 * 16 / 2);
    double oma_dbm = 10 * log10(6 * qt * in * sqrt(B) / R / 1e-3);
    char oma[64];
    snprintf(oma, sizeof oma, "optics.rx.oma_dbm=%.6f", oma_dbm);
    const char *sets[] = {B2B_LINK, "optics.tia.bandwidth_ghz=500", "optics.tia.noise_pa_rthz=17", "rx.noise.filter_ghz=80",
                          "rx.ffe.taps=1", "rx.ffe.precursors=0", "tdecq.in_run=false", "sim.symbols=1500000",
                          "sim.seed=3", "measure.eye_symbols=1000", oma};
    p4_counts n;
    p4_link *l = run_link(sets, sizeof sets / sizeof *sets, &n, NULL);
    double ser = (double)n.symbol_errors / (double)n.symbols, lo, hi;
    p4_clopper_pearson(n.symbol_errors, n.symbols, &lo, &hi);
    double q = gsl_cdf_ugaussian_Qinv(ser / 1.5), pen = 10 * log10(qt / q);
    double pen_lo = 10 * log10(qt / gsl_cdf_ugaussian_Qinv(lo / 1.5)), pen_hi = 10 * log10(qt / gsl_cdf_ugaussian_Qinv(hi / 1.5));
    const p4_link_info *li = p4_link_info_get(l);
    cr_log_info("B = %.2f GHz; formula OMA %.3f dBm (link's own figure %.3f dBm); at it SER %.3e (%llu errors), "
                "Q %.3f vs Qt %.3f: the sensitivity is %.3f dB from the formula (95 %% CI %.3f .. %.3f; seed 3)",
                B * 1e-9, oma_dbm, li->sens_thermal_oma_dbm, ser, (unsigned long long)n.symbol_errors, q, qt, pen, pen_lo,
                pen_hi);
    cr_assert(fabs(pen) < 0.5, "sensitivity %.3f dB from 6 Qt i_n sqrt(B) / R (seed 3)", pen);
    cr_assert(fabs(li->sens_thermal_oma_dbm - oma_dbm) < 0.02, "reported thermal sensitivity %.3f dBm vs %.3f dBm",
              li->sens_thermal_oma_dbm, oma_dbm);
    p4_counts_free(&n);
    p4_link_destroy(l);
}

/* TDECQ of the B2B transmitter with extra settings (NULL-terminated). */
static double tdecq_with(const char *const *extra)
{
    p4_config c;
    p4_config_default(&c);
    const char *sets[] = {B2B_LINK, "tdecq.in_run=true", "sim.symbols=1000", "optics.laser.power_dbm=6"};
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        cr_assert_eq(p4_config_set(&c, sets[i]), P4_OK, "%s: %s", sets[i], p4_last_error());
    for (size_t i = 0; extra[i]; i++) cr_assert_eq(p4_config_set(&c, extra[i]), P4_OK, "%s: %s", extra[i], p4_last_error());
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    const p4_link_info *in = p4_link_info_get(l);
    cr_assert(in->has_tdecq);
    double t = in->tdecq.tdecq_db;
    cr_log_info("%s%s%s: TDECQ %.3f dB (Ceq %.3f, ER %.2f dB)", extra[0], extra[1] ? ", " : "", extra[1] ? extra[1] : "", t,
                in->tdecq.ceq, in->tdecq.er_db);
    p4_link_destroy(l);
    return t;
}

static double tdecq_of(const char *bw)
{
    const char *e[] = {bw, NULL};
    return tdecq_with(e);
}

/* Through 500 m at the DR band edge (-1.84 ps/(nm km), chirp-free) the dispersion phase at baud/2 is
 * 0.05 rad: TDECQ after the fiber stays within 0.2 dB of TDECQ at the transmitter, and the
 * measurement finds the eye behind the fiber's response. */
Test(optical_link, tdecq_through_a_short_fiber, .timeout = 240)
{
    const char *tx[] = {"optics.modulator.bandwidth_ghz=60", "optics.fiber.length_m=500",
                        "optics.fiber.dispersion_ps_nm_km=-1.84", NULL};
    const char *fib[] = {"optics.modulator.bandwidth_ghz=60", "optics.fiber.length_m=500",
                         "optics.fiber.dispersion_ps_nm_km=-1.84", "tdecq.through_fiber=true", NULL};
    double a = tdecq_with(tx), b = tdecq_with(fib);
    cr_assert(fabs(b - a) < 0.2, "TDECQ %.3f dB after 500 m at -1.84 ps/(nm km) vs %.3f dB at the transmitter", b, a);
}

/* An ideal transmitter (instant edges, no noise or jitter): through a reference receiver far wider
 * than the signal the method itself must add nothing (< 0.05 dB); through the standard 4th-order
 * Bessel-Thomson at baud/2 what remains is that filter's own ISI, which the 15-tap FFE re-opens at
 * a noise enhancement Ceq ~ 1.06 (0.25 dB) with one tap set for both windows at +-0.05 UI (~0.1 dB):
 * 0.35 dB, bounded here at 0.4 dB. */
Test(optical_link, tdecq_clean_and_growing_as_bandwidth_shrinks, .timeout = 240)
{
    double wide = tdecq_of("tdecq.reference_ghz=425");
    cr_assert(wide < 0.05, "an ideal transmitter through a wide reference receiver has TDECQ %.3f dB (expected < 0.05 dB)", wide);
    double clean = tdecq_of("optics.modulator.bandwidth_ghz=0");
    cr_assert(clean < 0.4, "a clean wide-band transmitter has TDECQ %.3f dB (expected < 0.4 dB)", clean);
    const char *bws[] = {"optics.modulator.bandwidth_ghz=90", "optics.modulator.bandwidth_ghz=60",
                         "optics.modulator.bandwidth_ghz=45", "optics.modulator.bandwidth_ghz=35"};
    double prev = clean;
    for (int i = 0; i < 4; i++) {
        double t = tdecq_of(bws[i]);
        cr_assert(t > prev, "TDECQ %.3f dB at %s is not above %.3f dB at the wider bandwidth", t, bws[i], prev);
        prev = t;
    }
}

/* The DR1 lane's receiver chain (TIA, its Nyquist taper) is cut at the slicer after about a hundred
 * taps; without the taper its spurious 1/t tail kept thousands (and the FIR a 32768-point
 * transform). The statistical answer does not move. */
Test(optical_link, dr1_receiver_chain_is_short, .timeout = 120)
{
    size_t len[2];
    double snr[2];
    for (int k = 0; k < 2; k++) {
        const char *sets[] = {"file=examples/dr1.yaml", "optics.rx.oma_dbm=-8", "tdecq.in_run=false",
                              k ? "optics.tia.taper_fraction=0" : "optics.tia.taper_fraction=0.25"};
        p4_config c;
        config_with(&c, sets, 4);
        p4_link *l = p4_link_create(&c);
        cr_assert_not_null(l, "%s", p4_last_error());
        len[k] = l->sig_run, snr[k] = p4_link_info_get(l)->mmse_snr_db;
        p4_link_destroy(l);
    }
    cr_log_info("receiver chain cut at %zu taps tapered, %zu untapered; MMSE SNR %.5f / %.5f dB", len[0], len[1], snr[0], snr[1]);
    cr_assert(len[0] <= 256, "the tapered chain keeps %zu taps", len[0]);
    cr_assert(len[1] >= 1024, "untapered, the chain keeps only %zu taps: the test no longer sees the tail", len[1]);
    cr_assert(fabs(snr[0] - snr[1]) < 0.01, "the MMSE SNR moved by %.4f dB", snr[0] - snr[1]);
}
