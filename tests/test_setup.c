/* test_setup.c - the link's set-up shortcuts against the direct computation: the CTLE search that
 * ranks candidates through the CTLE's bilinear form picks the candidate an exhaustive search (one
 * link per fixed (g_dc, g_dc_hp), each with its own impulse, truncation and MMSE) finds best, on
 * electrical links and on an optical lane (run from the repository root: examples/); and the cut of
 * the responses the engines run, by direct sums. */
#include "testutil.h"
#include "../sim/link_impl.h" /* the cut lengths the engines run */
#include <math.h>
#include <string.h>

static void ctle_matches_exhaustive(const char *const *sets, int nsets)
{
    p4_config c;
    config_with(&c, sets, nsets);
    cr_assert_eq(p4_config_set(&c, "sim.symbols=1000"), P4_OK);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    const p4_link_info in = *p4_link_info_get(l);
    p4_link_destroy(l);
    double best = -INFINITY, bg = NAN, bh = NAN;
    for (int a = 0; a < 16; a++)
        for (int b = 0; b < 6; b++) {
            p4_config f = c;
            f.g_dc_db = -a, f.g_dc_hp_db = -b;
            p4_link *x = p4_link_create(&f);
            cr_assert_not_null(x, "%s", p4_last_error());
            double snr = p4_link_info_get(x)->mmse_snr_db;
            if (snr > best) best = snr, bg = -a, bh = -b;
            p4_link_destroy(x);
        }
    cr_log_info("search: g_dc %.0f g_dc_hp %.0f, %.6f dB; exhaustive: %.0f %.0f, %.6f dB", in.g_dc_db, in.g_dc_hp_db,
                in.mmse_snr_db, bg, bh, best);
    cr_assert(fabs(in.mmse_snr_db - best) < 1e-9, "search %.9f dB, exhaustive %.9f dB", in.mmse_snr_db, best);
    cr_assert(in.g_dc_db == bg && in.g_dc_hp_db == bh, "search (%g, %g), exhaustive (%g, %g)", in.g_dc_db,
              in.g_dc_hp_db, bg, bh);
}

Test(setup, ctle_search_matches_exhaustive_default, .timeout = 300)
{
    const char *sets[] = {"sim.threads=1"};
    ctle_matches_exhaustive(sets, 1);
}

Test(setup, ctle_search_matches_exhaustive_short_ffe, .timeout = 300)
{
    /* a 3-tap FFE leaves the CTLE to equalize: the best g_dc is far from 0 dB */
    const char *sets[] = {"channel.il_nyquist_db=34", "channel.reflection_coeff=0.1", "rx.ffe.taps=3",
                          "rx.ffe.precursors=1"};
    ctle_matches_exhaustive(sets, 4);
    const char *near[] = {"channel.il_nyquist_db=30", "rx.ffe.taps=4", "rx.ffe.precursors=1"};
    ctle_matches_exhaustive(near, 3);
}

Test(setup, ctle_search_matches_exhaustive_cable_assembly, .timeout = 300)
{
    char th[600], chf[700];
    snprintf(th, sizeof th, "%s/CA_19p75dB_thru.s4p", channels_dir());
    snprintf(chf, sizeof chf, "channel.file=%s", th);
    const char *sets[] = {"channel.type=touchstone", chf, "rx.ffe.taps=32", "rx.ffe.precursors=6"};
    ctle_matches_exhaustive(sets, 4);
}

Test(setup, ctle_search_matches_exhaustive_optical_lane, .timeout = 300)
{
    /* examples/dr1.yaml with a CTLE after a 25 GHz TIA and a 3-tap FFE (the search convolves the
     * optical line's identified pulse) */
    const char *sets[] = {"file=examples/dr1.yaml", "rx.ctle.enable=true", "tdecq.in_run=false",
                          "optics.tia.bandwidth_ghz=25", "rx.ffe.taps=3", "rx.ffe.precursors=1"};
    ctle_matches_exhaustive(sets, 6);
}

/* The engines' cut of the default link's responses (link_trunc.c), checked by direct sums: the
 * pulse at the sampling phase from the cut chain (its taps through the rendered symbol, a direct
 * convolution here) against the set-up's full pulse, and the noise variance through the FFE from the
 * run noise taps against the full ones. Together they move the slicer's noise plus ISI by < 0.03 dB,
 * and the cut is real (the full chain hits the 8192-tap cap; the run keeps at most 2048). */
Test(setup, response_cut_moves_the_slicer_by_under_0p03_db)
{
    p4_config c;
    p4_config_default(&c);
    cr_assert_eq(p4_config_set(&c, "sim.symbols=1000"), P4_OK);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l);
    const int sps = l->sps, ph = l->phase, nffe = l->info.nffe;
    const double *w = l->info.ffe;
    cr_assert_eq(l->sig.len, 8192);
    cr_assert(l->sig_run <= 2048, "cut to %zu taps", l->sig_run);
    cr_assert_eq(l->noise_run, l->noise.len, "the noise filter runs whole (its correlation matters)");
    /* the rendered symbol through the TX FFE (as set-up renders it) */
    int nt = (int)c.n_tx_ffe + 2, rl = nt * sps;
    double lev[P4_MAX_TAPS + 2] = {0}, rp[(P4_MAX_TAPS + 2) * 128];
    for (int i = 0; i < c.n_tx_ffe; i++) lev[i] = c.tx_ffe[i];
    p4_render r;
    p4_render_init(&r, sps);
    p4_render_run(&r, lev, NULL, (size_t)nt, rp);
    int nsym = l->pulse_len / sps;
    double dp[1024] = {0}, isi = 0;
    cr_assert(nsym <= 1024);
    for (int j = 0; j < nsym; j++) {
        double v = 0;
        for (int q = 0; q < rl; q++) {
            long t = (long)j * sps + ph - q;
            if (t >= 0 && t < (long)l->sig_run) v += rp[q] * l->sig.h[t];
        }
        dp[j] = l->pulse[j * sps + ph] - c.amplitude_v * v;
    }
    for (int m = 0; m < nsym + nffe; m++) {
        double e = 0;
        for (int i = 0; i < nffe; i++)
            if (m - i >= 0 && m - i < nsym) e += w[i] * dp[m - i];
        isi += e * e;
    }
    double s2 = 0;
    for (int i = 0; i < 4; i++) s2 += 0.25 * l->lv[i] * l->lv[i];
    isi *= s2;
    double vf = 0, vc = 0; /* w' R w, full and cut noise taps */
    for (int i = 0; i < nffe; i++)
        for (int j = 0; j < nffe; j++) {
            size_t lag = (size_t)abs(i - j) * sps;
            double rf = 0, rc = 0;
            for (size_t t = 0; t + lag < l->noise.len; t++) rf += l->noise.h[t] * l->noise.h[t + lag];
            for (size_t t = l->noise_a; t + lag < l->noise_a + l->noise_run; t++) rc += l->noise.h[t] * l->noise.h[t + lag];
            vf += w[i] * w[j] * rf, vc += w[i] * w[j] * rc;
        }
    const double sigma2 = s2 / pow(10, l->info.mmse_snr_db / 10);
    const double db = 10 * log10(1 + (isi + fabs(vf - vc)) / sigma2);
    cr_log_info("cut %zu / %zu taps: ISI %.3e, noise change %.3e, sigma^2 %.3e: %.4f dB", l->sig_run, l->noise_run, isi,
                fabs(vf - vc), sigma2, db);
    cr_assert(db < 0.03, "the cut moves the slicer by %.4f dB", db);
    p4_link_destroy(l);
}
