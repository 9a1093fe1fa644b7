/* test_setup.c - the link's set-up shortcuts against the direct computation: the CTLE search that
 * ranks candidates through the CTLE's bilinear form picks the candidate an exhaustive search (one
 * link per fixed (g_dc, g_dc_hp), each with its own impulse, truncation and MMSE) finds best, on
 * electrical links and on an optical lane. Run from the repository root (examples/). */
#include "testutil.h"
#include <math.h>
#include <string.h>

static void ctle_matches_exhaustive(const char *const *sets, int nsets)
{
    p4_config c;
    p4_config_default(&c);
    for (int i = 0; i < nsets; i++)
        cr_assert_eq(!strncmp(sets[i], "file=", 5) ? p4_config_load(&c, sets[i] + 5) : p4_config_set(&c, sets[i]), P4_OK,
                     "%s: %s", sets[i], p4_last_error());
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
